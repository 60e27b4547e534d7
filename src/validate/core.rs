//! The per-validator configuration and the per-request state shared by the
//! wrappers (start_response, input, errors, body).

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use super::finding::{Finding, Report, Severity, Side};
use super::ids;
use crate::ErrorStream;

/// The environ's error stream, shared so that findings made while the body
/// is iterated (after `call` returned) still reach it.
pub(crate) type SharedErrors = Arc<Mutex<Box<dyn ErrorStream>>>;

/// Locks a mutex, ignoring poisoning: every critical section here leaves
/// its data consistent, and panic mode panics on purpose.
pub(crate) fn lock<T: ?Sized>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// How a validator reports.
#[derive(Debug)]
pub(crate) struct Config {
    pub(crate) panic: bool,
    pub(crate) deny_warnings: bool,
    pub(crate) log: bool,
    pub(crate) allow: Vec<&'static str>,
    pub(crate) report: Report,
}

impl Config {
    /// Records `finding`: report, error stream, and a panic in panic mode.
    pub(crate) fn emit(&self, finding: Finding, errors: Option<&SharedErrors>) {
        if self.allow.contains(&finding.rule) {
            return;
        }
        if self.log {
            if let Some(errors) = errors {
                let mut stream = lock(errors);
                let _ = stream.write_all(finding.log_line().as_bytes());
                let _ = stream.flush();
            }
        }
        let fatal = self.panic
            && (finding.severity == Severity::Error
                || (self.deny_warnings && finding.severity == Severity::Warning));
        let message = fatal.then(|| finding.panic_message());
        self.report.push(finding);
        if let Some(message) = message {
            // Never panic while unwinding (that would abort the process).
            if !std::thread::panicking() {
                panic!("{message}");
            }
        }
    }
}

/// What the validator knows about one request and its response.
#[derive(Debug, Default)]
pub(crate) struct State {
    // request
    pub(crate) head: bool,
    pub(crate) request_length: Option<u64>,
    pub(crate) input_terminated: bool,
    pub(crate) input_read: u64,
    pub(crate) input_eof: bool,
    // start_response
    pub(crate) start_calls: u32,
    pub(crate) started: bool,
    pub(crate) must_fail_sent: bool,
    pub(crate) must_fail_invalid: bool,
    pub(crate) code: Option<u16>,
    pub(crate) content_length: Option<u64>,
    pub(crate) content_type: bool,
    /// The `text/*` Content-Type without a charset, until non-ASCII body
    /// bytes make it a finding (HDR-019).
    pub(crate) charset_missing: Option<String>,
    pub(crate) write_failed: bool,
    // body (bytes given to `write` count as body bytes)
    pub(crate) produced: u64,
    pub(crate) yields: u64,
    pub(crate) returned: bool,
    pub(crate) ended: bool,
    pub(crate) failed: bool,
    pub(crate) finished: bool,
    pub(crate) closed: bool,
    // error stream (checked while `call` runs)
    pub(crate) in_call: bool,
    pub(crate) errors_tail: Vec<u8>,
    pub(crate) errors_last: Option<u8>,
    pub(crate) errors_bad_utf8: bool,
    // middleware: the enclosing validator's request, if any
    // (weak: the parent holds its children, so a strong link would leak)
    pub(crate) parent: Option<Weak<Exchange>>,
    // middleware: exchanges of validators called inside this one's call,
    // with the inner yields already answered (MW-007) and the inner yields
    // already checked against `write` (MW-013)
    pub(crate) children: Vec<Child>,
}

impl State {
    fn bodiless(&self) -> bool {
        self.code.is_some_and(|c| c < 200 || c == 204 || c == 304)
    }

    /// Accounts for `n` response body bytes (from `write` or the body) and
    /// checks them against the head.
    pub(crate) fn on_bytes(&mut self, n: u64, out: &mut Vec<Finding>) {
        self.produced += n;
        if n == 0 {
            return;
        }
        // A HEAD body is allowed: the server discards it (BODY-007, BODY-006).
        if self.bodiless() {
            out.push(app(
                ids::BODY_EMPTY,
                format!(
                    "{n} body bytes produced for a {} response",
                    self.code.unwrap_or(0)
                ),
                "1xx, 204 and 304 responses have no body: return Body::empty()",
            ));
        }
        if self.started && !self.content_type && !self.bodiless() {
            out.push(app(
                ids::HDR_CONTENT_TYPE,
                "a response with body bytes but no Content-Type header".to_owned(),
                "add a Content-Type header (e.g. \"text/plain; charset=utf-8\")",
            ));
        }
        if let Some(declared) = self.content_length {
            if self.produced > declared && !self.head && self.code != Some(304) {
                out.push(app(
                    ids::BODY_LENGTH,
                    format!(
                        "{} body bytes produced so far, more than the declared Content-Length {declared}",
                        self.produced
                    ),
                    "declare the exact length (bytes given to write count too) in Content-Length, or leave it out",
                ));
            }
        }
    }

    /// Looks at response body bytes: text without a charset is only worth a
    /// finding when it is not ASCII (HDR-019).
    pub(crate) fn on_content(&mut self, bytes: &[u8], out: &mut Vec<Finding>) {
        if self.charset_missing.is_none() || bytes.is_ascii() {
            return;
        }
        if let Some(content_type) = self.charset_missing.take() {
            out.push(app(
                ids::HDR_CHARSET,
                format!(
                    "Content-Type {content_type:?} names no charset, and the body is not ASCII"
                ),
                format!(
                    "name the charset of the text: \"{}; charset=utf-8\"",
                    content_type
                        .split(';')
                        .next()
                        .unwrap_or("text/plain")
                        .trim()
                ),
            ));
        }
    }

    /// The checks made when the body is known to be complete.
    pub(crate) fn on_end(&mut self, out: &mut Vec<Finding>) {
        if let Some(declared) = self.content_length {
            if self.produced < declared && !self.head && !self.bodiless() {
                out.push(app(
                    ids::BODY_LENGTH,
                    format!(
                        "the body ended after {} bytes, fewer than the declared Content-Length {declared}",
                        self.produced
                    ),
                    "declare the exact length (bytes given to write count too) in Content-Length, or leave it out",
                ));
            }
            if declared > 0 && !self.content_type && !self.bodiless() {
                out.push(app(
                    ids::HDR_CONTENT_TYPE,
                    format!("Content-Length {declared} but no Content-Type header"),
                    "add a Content-Type header (e.g. \"text/plain; charset=utf-8\")",
                ));
            }
        }
    }
}

/// An inner validator's request, seen from the enclosing one.
#[derive(Debug)]
pub(crate) struct Child {
    pub(crate) ex: Arc<Exchange>,
    /// Inner chunks already answered by a chunk of this body (MW-007).
    pub(crate) answered: u64,
    /// Inner chunks already checked against `write` (MW-013).
    pub(crate) at_write: u64,
}

/// A finding against the application.
pub(crate) fn app(rule: &'static str, seen: String, fix: impl Into<String>) -> Finding {
    Finding::new(rule, Side::Application, seen, fix)
}

/// A finding against the server.
pub(crate) fn server(rule: &'static str, seen: String, fix: impl Into<String>) -> Finding {
    Finding::new(rule, Side::Server, seen, fix)
}

/// A finding against a middleware.
pub(crate) fn middleware(rule: &'static str, seen: String, fix: impl Into<String>) -> Finding {
    Finding::new(rule, Side::Middleware, seen, fix)
}

/// One request through one validator.
pub(crate) struct Exchange {
    pub(crate) config: Arc<Config>,
    errors: SharedErrors,
    state: Mutex<State>,
    emitted: Mutex<Vec<(&'static str, Side)>>,
    open: Arc<AtomicUsize>,
}

impl std::fmt::Debug for Exchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exchange")
            .field("state", &*self.lock())
            .finish_non_exhaustive()
    }
}

impl Exchange {
    pub(crate) fn new(config: Arc<Config>, errors: SharedErrors, open: Arc<AtomicUsize>) -> Self {
        Exchange {
            config,
            errors,
            state: Mutex::new(State::default()),
            emitted: Mutex::new(Vec::new()),
            open,
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// Emits `finding`, once per rule and side for this request.
    ///
    /// Under an enclosing validator, the "server" of this one is a
    /// middleware: its findings are the middleware's, and also break the
    /// middleware rule that covers them (MW-001, MW-004, MW-005, MW-012).
    /// A Content-Length mismatch above an inner validator whose response
    /// declared the same length is a middleware that changed the bytes and
    /// kept the length (MW-009).
    pub(crate) fn emit(&self, mut finding: Finding) {
        let (parent, inherited_length) = {
            let state = self.lock();
            let inherited = finding.rule == ids::BODY_LENGTH
                && state.content_length.is_some()
                && state.children.iter().any(|c| {
                    let child = c.ex.lock();
                    child.content_length == state.content_length
                        && child.content_length.is_some_and(|cl| {
                            child.produced <= cl && (!child.ended || child.produced == cl)
                        })
                });
            (state.parent.as_ref().and_then(Weak::upgrade), inherited)
        };
        // What the enclosing validator also saw came from the real server,
        // passed through by the middleware: not the middleware's fault.
        let stacked = parent.is_some_and(|p| !p.has_emitted(finding.rule));
        let mut extra = None;
        if stacked && finding.side == Side::Server {
            finding.side = Side::Middleware;
            let area = finding.rule.split('-').next().unwrap_or("");
            let rule = match area {
                "INPUT" => ids::MW_INPUT,
                "START" | "HDR" => ids::MW_START,
                _ if [
                    ids::ENV_SCRIPT_NAME,
                    ids::ENV_PATH_INFO,
                    ids::ENV_REQUEST_URI,
                ]
                .contains(&finding.rule) =>
                {
                    ids::MW_PATH
                }
                _ => ids::MW_RULES,
            };
            extra = Some(middleware(
                rule,
                format!(
                    "acting as the server of the application it wraps, the middleware broke {}: {}",
                    finding.rule, finding.seen
                ),
                "a middleware follows the server rules towards the application it calls; see the rule named",
            ));
        }
        if inherited_length && finding.side == Side::Application {
            extra = Some(middleware(
                ids::MW_LENGTH,
                format!(
                    "the middleware passed the inner Content-Length on, but its body does not match it: {}",
                    finding.seen
                ),
                "remove Content-Length (or set the new length) when the middleware changes the body",
            ));
        }
        for finding in std::iter::once(finding).chain(extra) {
            {
                let mut emitted = lock(&self.emitted);
                let key = (finding.rule, finding.side);
                if emitted.contains(&key) {
                    continue;
                }
                emitted.push(key);
            }
            self.config.emit(finding, Some(&self.errors));
        }
    }

    /// At the end of `call`: the application's error output is UTF-8 and
    /// ends with a newline (ERRS-002).
    pub(crate) fn check_error_lines(&self) {
        let (bad, last, tail) = {
            let state = self.lock();
            (
                state.errors_bad_utf8,
                state.errors_last,
                !state.errors_tail.is_empty(),
            )
        };
        if bad || tail {
            self.emit(app(
                ids::ERRS_TEXT,
                "the application wrote bytes that are not UTF-8 to the error stream".to_owned(),
                "write UTF-8 text to the error stream (format bytes with escape_ascii or from_utf8_lossy)",
            ));
        }
        if last.is_some_and(|b| b != b'\n') {
            self.emit(app(
                ids::ERRS_TEXT,
                "the application's error output does not end with a newline".to_owned(),
                "end every line written to the error stream with \"\\n\" (writeln!)",
            ));
        }
    }

    /// Records bytes the application wrote to the error stream.
    pub(crate) fn on_error_output(&self, bytes: &[u8]) {
        let mut state = self.lock();
        if !state.in_call || bytes.is_empty() {
            return;
        }
        state.errors_last = bytes.last().copied();
        let mut data = std::mem::take(&mut state.errors_tail);
        data.extend_from_slice(bytes);
        let mut rest = &data[..];
        while let Err(e) = std::str::from_utf8(rest) {
            match e.error_len() {
                Some(len) => {
                    state.errors_bad_utf8 = true;
                    rest = &rest[e.valid_up_to() + len..];
                }
                None => {
                    // An incomplete sequence at the end: keep it for the
                    // next write.
                    state.errors_tail = rest[e.valid_up_to()..].to_vec();
                    break;
                }
            }
        }
    }

    /// True if a finding with rule `rule` was emitted for this request.
    pub(crate) fn has_emitted(&self, rule: &str) -> bool {
        lock(&self.emitted).iter().any(|(r, _)| *r == rule)
    }

    /// Emits every finding, in order (the first error panics in panic mode).
    pub(crate) fn emit_all(&self, findings: Vec<Finding>) {
        for finding in findings {
            self.emit(finding);
        }
    }

    /// The request is over (the app failed, or its body is being closed):
    /// the input stream must not be read any more.
    pub(crate) fn finish(&self) {
        self.lock().finished = true;
    }

    /// A body was handed out: count it until it is closed.
    pub(crate) fn opened(&self) {
        self.open.fetch_add(1, Ordering::SeqCst);
    }

    fn children(&self) -> Vec<Arc<Exchange>> {
        self.lock().children.iter().map(|c| c.ex.clone()).collect()
    }

    /// The body returned through this validator was dropped.
    pub(crate) fn closed(&self) {
        {
            let mut state = self.lock();
            if state.closed {
                return;
            }
            state.closed = true;
            state.finished = true;
        }
        self.open.fetch_sub(1, Ordering::SeqCst);
        let mut out = Vec::new();
        for child in self.children() {
            let child_state = child.lock();
            if child_state.returned && !child_state.closed {
                out.push(middleware(
                    ids::MW_CLOSE,
                    "the middleware's body was closed, but the body of the application it wraps is still open".to_owned(),
                    "own the inner Body inside your body (or drop it earlier); never leak it (mem::forget, Rc cycles, statics)",
                ));
            }
        }
        self.emit_all(out);
    }

    /// At each chunk of this body (and at its end): how many non-empty
    /// chunks the inner bodies yielded since the last one; at most one may
    /// be answered by one chunk (MW-007).
    pub(crate) fn check_children_yields(&self, at_end: bool) {
        let mut out = Vec::new();
        for (index, child) in self.children().iter().enumerate() {
            let yields = child.lock().yields;
            let delta = {
                let mut state = self.lock();
                let answered = &mut state.children[index].answered;
                let delta = yields.saturating_sub(*answered);
                *answered = yields;
                delta
            };
            let limit = if at_end { 0 } else { 1 };
            if delta > limit {
                out.push(middleware(
                    ids::MW_PULL,
                    if at_end {
                        format!("the inner body yielded {delta} non-empty chunks after the middleware's last chunk, then the middleware's body ended")
                    } else {
                        format!("the inner body yielded {delta} non-empty chunks before the middleware yielded one")
                    },
                    "pull at most one inner chunk per chunk you yield (yield an empty chunk while you accumulate); never collect the inner body first",
                ));
            }
        }
        self.emit_all(out);
    }

    /// After `call` returned: an inner body pulled to its end is a
    /// middleware that buffered instead of returning (MW-006); several
    /// chunks pulled is one that did not stream (MW-007).
    pub(crate) fn check_children_in_call(&self) {
        let mut out = Vec::new();
        for (index, child) in self.children().iter().enumerate() {
            let (yields, ended) = {
                let state = child.lock();
                (state.yields, state.ended)
            };
            self.lock().children[index].answered = yields;
            if ended {
                out.push(middleware(
                    ids::MW_RETURN,
                    format!("the middleware pulled the inner body to its end ({yields} non-empty chunks) inside call"),
                    "return your body as soon as the inner application returns, and pull inner chunks lazily as your body is pulled",
                ));
            } else if yields > 1 {
                out.push(middleware(
                    ids::MW_PULL,
                    format!("the middleware pulled {yields} non-empty chunks from the inner body before returning its own body"),
                    "pull at most one inner chunk per chunk you yield; return your body first",
                ));
            }
        }
        self.emit_all(out);
    }

    /// At the clean end of this body: an inner body that failed must not
    /// end up as a complete-looking response (MW-015).
    pub(crate) fn check_children_failed(&self) {
        let failed = self.children().iter().any(|c| c.lock().failed);
        if failed {
            self.emit(middleware(
                ids::MW_FAILURE,
                "the inner body failed (yielded Err), but the middleware's body ended normally"
                    .to_owned(),
                "pass the inner Err on from your body so that the server aborts the response",
            ));
        }
    }

    /// At a `write` through this validator: bytes of an inner *body* must
    /// not go through `write` (MW-013). An inner application that called
    /// the middleware's own `write` has not returned yet, so it is not
    /// counted.
    pub(crate) fn check_children_write(&self) {
        let mut out = Vec::new();
        for (index, child) in self.children().iter().enumerate() {
            let (returned, yields) = {
                let state = child.lock();
                (state.returned, state.yields)
            };
            let fresh = {
                let mut state = self.lock();
                let at_write = &mut state.children[index].at_write;
                let fresh = yields > *at_write;
                *at_write = yields;
                fresh
            };
            if returned && fresh {
                out.push(middleware(
                    ids::MW_WRITE,
                    "the middleware passed chunks of the inner body to the outer write".to_owned(),
                    "return the inner body (or your own body wrapping it); the outer write carries only what the inner application wrote with your write",
                ));
            }
        }
        self.emit_all(out);
    }
}

/// Emits a finding outside any request (e.g. when a validator is dropped).
pub(crate) fn emit_detached(config: &Config, finding: Finding) {
    config.emit(finding, None);
}
