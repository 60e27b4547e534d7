//! The per-validator configuration and the per-request state shared by the
//! wrappers (start_response, input, errors, body).

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

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
    pub(crate) must_fail: bool,
    pub(crate) code: Option<u16>,
    pub(crate) content_length: Option<u64>,
    pub(crate) content_type: bool,
    // body
    pub(crate) written: u64,
    pub(crate) produced: u64,
    pub(crate) yields: u64,
    pub(crate) returned: bool,
    pub(crate) finished: bool,
    pub(crate) closed: bool,
    // middleware: exchanges of validators called inside this one's call
    pub(crate) children: Vec<(Arc<Exchange>, u64)>,
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
        if self.head {
            out.push(app(
                ids::BODY_HEAD,
                Severity::Warning,
                format!("{n} body bytes produced for a HEAD request"),
                "return Body::empty() for HEAD (keep the headers, including Content-Length, of the GET response); the server drops them anyway",
            ));
        }
        if self.bodiless() {
            out.push(app(
                ids::BODY_BODILESS,
                Severity::Error,
                format!(
                    "{n} body bytes produced for a {} response",
                    self.code.unwrap_or(0)
                ),
                "1xx, 204 and 304 responses have no body: return Body::empty()",
            ));
        }
        if !self.content_type && !self.bodiless() {
            out.push(app(
                ids::HDR_CONTENT_TYPE,
                Severity::Error,
                "a response with a body but no Content-Type header".to_owned(),
                "add a Content-Type header (e.g. \"text/plain; charset=utf-8\")",
            ));
        }
        if let Some(declared) = self.content_length {
            if self.produced > declared && !self.head && !self.bodiless() {
                out.push(app(
                    ids::BODY_LENGTH,
                    Severity::Error,
                    format!(
                        "{} body bytes produced so far, more than the declared Content-Length {declared}",
                        self.produced
                    ),
                    "declare the exact length in Content-Length, or leave it out",
                ));
            }
        }
    }

    /// The checks made when the body is known to be complete.
    pub(crate) fn on_end(&mut self, out: &mut Vec<Finding>) {
        if let Some(declared) = self.content_length {
            if self.produced < declared && !self.head && !self.bodiless() {
                out.push(app(
                    ids::BODY_LENGTH,
                    Severity::Error,
                    format!(
                        "the body ended after {} bytes, fewer than the declared Content-Length {declared}",
                        self.produced
                    ),
                    "declare the exact length in Content-Length, or leave it out",
                ));
            }
            if declared > 0 && !self.content_type && !self.bodiless() {
                out.push(app(
                    ids::HDR_CONTENT_TYPE,
                    Severity::Error,
                    format!("Content-Length {declared} but no Content-Type header"),
                    "add a Content-Type header (e.g. \"text/plain; charset=utf-8\")",
                ));
            }
        }
    }
}

/// A finding against the application.
pub(crate) fn app(
    rule: &'static str,
    severity: Severity,
    seen: String,
    fix: &'static str,
) -> Finding {
    Finding::new(rule, severity, Side::Application, seen, fix)
}

/// A finding against the server.
pub(crate) fn server(
    rule: &'static str,
    severity: Severity,
    seen: String,
    fix: &'static str,
) -> Finding {
    Finding::new(rule, severity, Side::Server, seen, fix)
}

/// A finding against a middleware.
pub(crate) fn middleware(
    rule: &'static str,
    severity: Severity,
    seen: String,
    fix: &'static str,
) -> Finding {
    Finding::new(rule, severity, Side::Middleware, seen, fix)
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
    pub(crate) fn emit(&self, finding: Finding) {
        {
            let mut emitted = lock(&self.emitted);
            let key = (finding.rule, finding.side);
            if emitted.contains(&key) {
                return;
            }
            emitted.push(key);
        }
        self.config.emit(finding, Some(&self.errors));
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

    /// The body returned through this validator was dropped.
    pub(crate) fn closed(&self) {
        let children = {
            let mut state = self.lock();
            if state.closed {
                return;
            }
            state.closed = true;
            state.finished = true;
            state
                .children
                .iter()
                .map(|(c, _)| c.clone())
                .collect::<Vec<_>>()
        };
        self.open.fetch_sub(1, Ordering::SeqCst);
        let mut out = Vec::new();
        for child in children {
            let child_state = child.lock();
            if child_state.returned && !child_state.closed {
                out.push(middleware(
                    ids::MW_CLOSE,
                    Severity::Error,
                    "the middleware's body was closed, but the body of the application it wraps is still open".to_owned(),
                    "own the inner Body inside your body (or drop it earlier); never leak it (mem::forget, Rc cycles, statics)",
                ));
            }
        }
        self.emit_all(out);
    }

    /// Checks how many non-empty chunks the inner validators' bodies yielded
    /// since this body last yielded; at most one is allowed per yield (MW).
    pub(crate) fn check_children_yields(&self, at_end: bool) {
        let children = self
            .lock()
            .children
            .iter()
            .map(|(c, _)| c.clone())
            .collect::<Vec<_>>();
        let mut out = Vec::new();
        for (index, child) in children.iter().enumerate() {
            let yields = child.lock().yields;
            let mut state = self.lock();
            let mark = &mut state.children[index].1;
            let delta = yields - *mark;
            *mark = yields;
            drop(state);
            let limit = if at_end { 0 } else { 1 };
            if delta > limit {
                out.push(middleware(
                    ids::MW_DRAIN,
                    Severity::Error,
                    if at_end {
                        format!("the inner body yielded {delta} non-empty chunks after the middleware's last chunk, then the middleware's body ended")
                    } else {
                        format!("the inner body yielded {delta} non-empty chunks before the middleware yielded one")
                    },
                    "yield at least one chunk (an empty one if you must accumulate) each time the inner body yields one; do not collect the inner body before yielding",
                ));
            }
        }
        self.emit_all(out);
    }

    /// After `call` returned: an inner body already drained is a middleware
    /// that buffered instead of streaming.
    pub(crate) fn check_children_drained_in_call(&self) {
        let children = self
            .lock()
            .children
            .iter()
            .map(|(c, _)| c.clone())
            .collect::<Vec<_>>();
        let mut out = Vec::new();
        for (index, child) in children.iter().enumerate() {
            let yields = child.lock().yields;
            self.lock().children[index].1 = yields;
            if yields > 1 {
                out.push(middleware(
                    ids::MW_DRAIN,
                    Severity::Error,
                    format!("the middleware pulled {yields} non-empty chunks from the inner body before returning its own body"),
                    "return your body as soon as the inner application returns; pull inner chunks lazily, one per chunk you yield",
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
