//! One connection: the keep-alive loop. Reads a head, builds the environ,
//! calls the application (panics caught), sends the response, drains what
//! is left of the request body, and goes round again.

use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::encode::{self, OutFraming};
use super::gateway::{self, ReqInfo, Responder};
use super::head::{self, Framing, HeadScanner, Reject};
use super::log::{self, ErrorsSlot, LogSink};
use super::transport::{lock, Input, Stream, Transport};
use super::{Config, ConnInfo};
use crate::gateway::{panic_message, ReqName};
use crate::{Application, Body, Environ};

/// Connection states seen by the server's registry (idle eviction).
pub(crate) const BUSY: u8 = 0;
pub(crate) const IDLE: u8 = 1;
pub(crate) const CLOSING: u8 = 2;

/// How the server steers a connection (all optional for the socket-free
/// seam).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Control<'a> {
    /// BUSY/IDLE/CLOSING, shared with the registry.
    pub state: Option<&'a AtomicU8>,
    /// Set when the server shuts down: finish the current request, then
    /// close.
    pub stopping: Option<&'a AtomicBool>,
    /// Most requests on this connection (`handle_request`: 1).
    pub max_requests: u64,
}

impl Control<'_> {
    pub const NONE: Control<'static> = Control {
        state: None,
        stopping: None,
        max_requests: u64::MAX,
    };

    fn stopping(&self) -> bool {
        self.stopping.is_some_and(|s| s.load(Ordering::SeqCst))
    }

    /// `from` -> `to`; false if the registry moved the connection to
    /// CLOSING meanwhile. Always true without a registry.
    fn transition(&self, from: u8, to: u8) -> bool {
        self.state.map_or(true, |s| {
            s.compare_exchange(from, to, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
        })
    }

    /// BUSY -> IDLE; false if the registry already closes us.
    fn go_idle(&self) -> bool {
        self.transition(BUSY, IDLE)
    }

    /// IDLE -> BUSY; false if the registry closed us meanwhile.
    fn go_busy(&self) -> bool {
        self.transition(IDLE, BUSY)
    }
}

/// Per-connection buffers reused from request to request.
struct Scratch {
    /// The request line, for the access log.
    line: Vec<u8>,
    /// The access-log line being formatted.
    log: String,
    /// The requests' `environ.errors()` stream.
    errors: ErrorsSlot,
    /// The environ values that are the same for every request on this
    /// connection, shared instead of copied per request.
    values: crate::gateway::Connection,
}

enum HeadWait {
    Ready(usize),
    Closed,
    Reject(Reject),
}

/// Serves requests from `stream` until the client closes, an error, or a
/// response that ends the connection.
pub(crate) fn serve<S: Stream>(
    app: &dyn Application,
    mut stream: S,
    info: &ConnInfo,
    config: &Config,
    ctl: Control<'_>,
) -> io::Result<()> {
    stream.set_write_timeout(Some(config.write_timeout))?;
    let shared = Arc::new(Mutex::new(Transport::new(stream, config.clone())));
    let mut scanner = HeadScanner::default();
    let mut scratch = Scratch {
        line: Vec::new(),
        log: String::new(),
        errors: ErrorsSlot::new(config.log_sink.clone()),
        values: crate::gateway::Connection::new(info),
    };
    let mut served = 0u64;
    let result = loop {
        match serve_one(
            app,
            &shared,
            &mut scanner,
            &mut scratch,
            info,
            config,
            ctl,
            served,
        ) {
            Ok(true) => served += 1,
            Ok(false) => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    let mut t = lock(&shared);
    t.end_request();
    t.close();
    result
}

fn timed_out(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Waits until the buffer holds a complete head (HTTP-001; timeouts:
/// HTTP-028).
fn read_head<S: Stream>(
    shared: &Mutex<Transport<S>>,
    scanner: &mut HeadScanner,
    config: &Config,
    ctl: Control<'_>,
) -> HeadWait {
    scanner.reset();
    let mut started: Option<Instant> = None;
    let mut t = lock(shared);
    loop {
        if started.is_none() {
            // HTTP-002: ignore empty lines before a request line.
            while t.buffered().starts_with(b"\r\n") {
                t.consume(2);
            }
        }
        if !t.buffered().is_empty() {
            started.get_or_insert_with(Instant::now);
            if t.buffered() != b"\r" {
                match scanner.scan(t.buffered(), config) {
                    Ok(Some(n)) => return HeadWait::Ready(n),
                    Ok(None) => {}
                    Err(reject) => return HeadWait::Reject(reject),
                }
            }
        }
        let idle = started.is_none();
        let timeout = if idle {
            if ctl.stopping() || !ctl.go_idle() || ctl.stopping() {
                return HeadWait::Closed;
            }
            t.shrink_idle();
            config.keep_alive_timeout
        } else {
            let elapsed = started.map_or(Duration::ZERO, |s| s.elapsed());
            match config.head_timeout.checked_sub(elapsed) {
                Some(left) if !left.is_zero() => left,
                _ => return timeout_reject(),
            }
        };
        let result = t
            .read_timeout(Some(timeout))
            .and_then(|()| t.fill(config.max_head_bytes));
        if idle && !ctl.go_busy() {
            return HeadWait::Closed;
        }
        match result {
            Ok(0) => return HeadWait::Closed,
            Ok(_) => {}
            Err(e) if timed_out(&e) && !idle => return timeout_reject(),
            Err(_) => return HeadWait::Closed,
        }
    }
}

fn timeout_reject() -> HeadWait {
    HeadWait::Reject(Reject {
        status: 408,
        reason: "the request head did not arrive in time (HTTP-028)",
    })
}

/// ` (RULE)` when the error is an `rgi::Error` naming a rule.
fn rule_of(err: &(dyn std::error::Error + 'static)) -> String {
    err.downcast_ref::<crate::Error>()
        .and_then(crate::Error::rule)
        .map(|rule| format!(" ({rule})"))
        .unwrap_or_default()
}

/// Sends one of the server's own error responses and closes. `head_only`:
/// the request is HEAD, so the response has no body (BODY-006).
fn reject_and_close<S: Stream>(
    t: &mut Transport<S>,
    reject: Reject,
    head_only: bool,
    info: &ConnInfo,
    config: &Config,
    request_line: &[u8],
    scratch: &mut String,
) {
    let size = encode::push_error(
        &mut t.wbuf,
        reject.status,
        reject.reason,
        Some(true),
        head_only,
        config.server_software,
    );
    let _ = t.flush();
    if config.access_log {
        log::access(
            &config.log_sink,
            scratch,
            &info.remote_addr,
            request_line,
            reject.status,
            Some(size),
        );
    }
}

/// True if the (possibly malformed) request in `bytes` is a HEAD request,
/// so that even an error response to it carries no body (BODY-006).
fn is_head_request(bytes: &[u8]) -> bool {
    bytes.starts_with(b"HEAD ")
}

/// The first line of a head, for the access log.
fn first_line(bytes: &[u8]) -> &[u8] {
    let end = bytes
        .iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .unwrap_or(bytes.len());
    &bytes[..end.min(1024)]
}

/// Parses a complete head and builds the request's environ.
fn prepare<'b>(
    bytes: &'b [u8],
    storage: &mut [httparse::Header<'b>],
    values: &crate::gateway::Connection,
    config: &Config,
) -> Result<(Environ, ReqInfo, Framing, bool), Reject> {
    let head = head::parse(bytes, storage, config)?;
    if let Framing::Length(n) = head.framing {
        if n > config.max_body_bytes {
            // HTTP-018: refuse before reading a byte of it.
            return Err(Reject {
                status: 413,
                reason: "request body too large (HTTP-018)",
            });
        }
    }
    let env = gateway::build_environ(&head, values, config);
    let req = ReqInfo {
        head_only: head.method == "HEAD",
        minor: head.minor,
        keep_alive: head.keep_alive,
    };
    Ok((env, req, head.framing, head.expect_continue))
}

/// Serves one request. `Ok(true)`: the connection stays open.
#[allow(clippy::too_many_arguments)]
fn serve_one<S: Stream>(
    app: &dyn Application,
    shared: &Arc<Mutex<Transport<S>>>,
    scanner: &mut HeadScanner,
    scratch: &mut Scratch,
    info: &ConnInfo,
    config: &Config,
    ctl: Control<'_>,
    served: u64,
) -> io::Result<bool> {
    let head_len = match read_head(shared, scanner, config, ctl) {
        HeadWait::Ready(n) => n,
        HeadWait::Closed => return Ok(false),
        HeadWait::Reject(reject) => {
            let mut t = lock(shared);
            scratch.line.clear();
            scratch.line.extend_from_slice(first_line(t.buffered()));
            let head_only = is_head_request(t.buffered());
            reject_and_close(
                &mut t,
                reject,
                head_only,
                info,
                config,
                &scratch.line,
                &mut scratch.log,
            );
            return Ok(false);
        }
    };

    let mut t = lock(shared);
    let start = t.start;
    scratch.line.clear();
    if config.access_log {
        scratch
            .line
            .extend_from_slice(first_line(&t.rbuf[start..start + head_len]));
    }
    // HTTP-003: HTTP/1.x (x > 1) is handled, and reported, as HTTP/1.1;
    // the access log keeps the line as sent.
    head::downgrade_minor(&mut t.rbuf[start..start + head_len]);
    let bytes = &t.rbuf[start..start + head_len];
    let request_line = &scratch.line;
    // A small inline header table keeps the thread's stack shallow (idle
    // connections cost their touched stack pages); requests with more
    // fields are parsed again with a table of `max_headers`.
    let mut small = [httparse::EMPTY_HEADER; 32];
    let inline = config.max_headers.min(small.len());
    let mut parsed = prepare(bytes, &mut small[..inline], &scratch.values, config);
    if matches!(parsed, Err(Reject { status: 431, .. })) && config.max_headers > inline {
        let mut big = vec![httparse::EMPTY_HEADER; config.max_headers];
        parsed = prepare(bytes, &mut big, &scratch.values, config);
    }
    let (mut env, mut req, framing, expect_continue) = match parsed {
        Ok(parts) => parts,
        Err(reject) => {
            let head_only = is_head_request(bytes);
            reject_and_close(
                &mut t,
                reject,
                head_only,
                info,
                config,
                request_line,
                &mut scratch.log,
            );
            return Ok(false);
        }
    };
    t.consume(head_len);
    t.begin_body(framing, expect_continue);
    let seq = t.seq;
    drop(t);

    req.keep_alive = req.keep_alive && !ctl.stopping() && served + 1 < ctl.max_requests;
    env.set_input(Box::new(Input::new(Arc::clone(shared), seq)));
    scratch.errors.install(&mut env);
    let sink = &config.log_sink;
    let mut responder = Responder::new(shared, req, config.server_software, ctl.stopping);

    // APP-005: Err and panic are treated alike (decision 6).
    let outcome = catch_unwind(AssertUnwindSafe(|| app.call(&mut env, &mut responder)));
    let body_error = lock(shared).body_error;
    let body = match outcome {
        Ok(Ok(body)) if responder.status.is_some() => Some(body),
        Ok(Ok(body)) => {
            log::error(sink, format_args!(
                "{}: the application returned a body without calling start_response (START-002); answering 500",
                ReqName(&env)
            ));
            close_body(body, sink, &env);
            None
        }
        Ok(Err(_)) if body_error.is_some() => None, // the client's fault: no app error
        Ok(Err(err)) => {
            log::error(
                sink,
                format_args!(
                    "{}: the application failed (APP-005): {err}{}",
                    ReqName(&env),
                    rule_of(&*err)
                ),
            );
            None
        }
        Err(payload) => {
            log::error(
                sink,
                format_args!(
                    "{}: the application panicked (APP-005, SRV-004): {}",
                    ReqName(&env),
                    panic_message(&*payload)
                ),
            );
            None
        }
    };
    let mut failed = body.is_none();
    if let (Some(reject), false) = (body_error, responder.head_sent) {
        // The request body was malformed or too large: that is the answer,
        // whatever the application made of the read error.
        if let Some(body) = body {
            close_body(body, sink, &env);
        }
        scratch.errors.finish(&mut env);
        let mut t = lock(shared);
        reject_and_close(
            &mut t,
            reject,
            req.head_only,
            info,
            config,
            request_line,
            &mut scratch.log,
        );
        t.end_request();
        drop(t);
        drop_environ(env, sink);
        return Ok(false);
    }
    if let Some(body) = body {
        failed = !send_body(&mut responder, body, shared, &env, sink);
    }
    scratch.errors.finish(&mut env);
    if responder.dropped_length {
        log::error(
            sink,
            format_args!(
                "{}: dropped the application's Content-Length from a {} response (HDR-008)",
                ReqName(&env),
                responder.code
            ),
        );
    }
    let mut t = lock(shared);
    if failed {
        if responder.head_sent {
            // Decision 6: the head is out, so the response cannot be
            // replaced: abort (close without completing the framing).
            responder.aborted = true;
        } else {
            // HTTP-026: say so if the connection will close after the 500.
            responder.close |= t.broken
                || ctl.stopping()
                || t.continue_pending
                || t.body_left()
                    .is_some_and(|left| left > config.max_drain_bytes);
            // HTTP-025: a kept HTTP/1.0 connection says so.
            let connection = if responder.close {
                Some(true)
            } else if req.minor == 0 {
                Some(false)
            } else {
                None
            };
            let size = encode::push_error(
                &mut t.wbuf,
                500,
                "the application failed; see the server's error log",
                connection,
                req.head_only,
                config.server_software,
            );
            t.response_started = true;
            responder.code = 500;
            responder.body_bytes = size;
            responder.head_sent = true;
        }
    } else if !responder.finish(&mut t) {
        log::error(
            sink,
            format_args!(
            "{}: the body was shorter than its Content-Length (BODY-005); closing the connection",
            ReqName(&env)
        ),
        );
    }
    if config.access_log {
        log::access(
            sink,
            &mut scratch.log,
            &info.remote_addr,
            request_line,
            responder.code,
            Some(responder.body_bytes),
        );
    }
    let mut keep = !responder.close && !responder.aborted && !t.broken;
    if keep {
        // INPUT-010: an unread body is drained up to a cap, or we close.
        keep = t.drain();
    }
    t.end_request();
    drop(t);
    drop_environ(env, sink);
    Ok(keep)
}

/// Drops the body (running its close hooks) exactly once, catching panics
/// (BODY-008, BODY-011).
fn close_body(body: Body, sink: &LogSink, env: &Environ) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(body))) {
        log::error(
            sink,
            format_args!(
                "{}: closing the response body panicked (BODY-008, SRV-004): {}",
                ReqName(env),
                panic_message(&*payload)
            ),
        );
    }
}

fn drop_environ(env: Environ, sink: &LogSink) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(env))) {
        log::error(
            sink,
            format_args!(
                "dropping the environ panicked: {}",
                panic_message(&*payload)
            ),
        );
    }
}

/// Sends the body. False if it failed before or after the head went out
/// (the caller answers 500 or aborts).
fn send_body<S: Stream>(
    responder: &mut Responder<'_, S>,
    mut body: Body,
    shared: &Mutex<Transport<S>>,
    env: &Environ,
    sink: &LogSink,
) -> bool {
    let known = body.known_length();
    if !responder.head_sent && known.is_some() {
        responder.send_head(&mut lock(shared), known);
    }
    if responder.head_sent && responder.framing == OutFraming::NoBody {
        close_body(body, sink, env);
        return true;
    }
    // The native file path: head, then sendfile (rgi.file_wrapper).
    if let (Some(wrapper), OutFraming::Length(left)) = (body.as_file_mut(), responder.framing) {
        let remaining = wrapper.remaining();
        if let (Some(file), Some(len)) = (wrapper.file_mut(), remaining) {
            if len == left {
                let mut t = lock(shared);
                let sent = t.flush().and_then(|()| t.stream.send_file(file, len));
                drop(t);
                let n = match sent {
                    Ok(n) => n,
                    Err(_) => {
                        lock(shared).broken = true;
                        0
                    }
                };
                wrapper.mark_sent(n);
                responder.framing = OutFraming::Length(left - n);
                responder.body_bytes += n;
                close_body(body, sink, env);
                return true; // a short file shows in `finish`
            }
        }
    }
    loop {
        let next = catch_unwind(AssertUnwindSafe(|| body.next_chunk()));
        let chunk = match next {
            Ok(None) => break,
            Ok(Some(Ok(chunk))) => chunk,
            Ok(Some(Err(err))) => {
                log::error(
                    sink,
                    format_args!(
                        "{}: the response body failed (BODY-015): {err}",
                        ReqName(env)
                    ),
                );
                close_body(body, sink, env);
                return false;
            }
            Err(payload) => {
                log::error(
                    sink,
                    format_args!(
                        "{}: the response body panicked (BODY-015, SRV-004): {}",
                        ReqName(env),
                        panic_message(&*payload)
                    ),
                );
                close_body(body, sink, env);
                return false;
            }
        };
        if chunk.is_empty() {
            continue;
        }
        let mut t = lock(shared);
        if !responder.head_sent {
            responder.send_head(&mut t, None);
            if responder.framing == OutFraming::NoBody {
                drop(t);
                close_body(body, sink, env);
                return true;
            }
        }
        if let Err(err) = responder.send_data(&mut t, &chunk) {
            if !matches!(err, crate::Error::Io(_)) {
                log::error(
                    sink,
                    format_args!("{}: {err} ({})", ReqName(env), err.rule().unwrap_or("-")),
                );
            }
            drop(t);
            close_body(body, sink, env);
            responder.aborted = true;
            return true;
        }
        if known.is_none() && t.flush().is_err() {
            drop(t);
            close_body(body, sink, env);
            responder.aborted = true;
            return true;
        }
    }
    if !responder.head_sent {
        // A stream that produced nothing: its length is 0 after all.
        responder.send_head(&mut lock(shared), Some(0));
    }
    close_body(body, sink, env);
    true
}
