//! One connection: the keep-alive loop. Reads a head, builds the environ,
//! calls the application (panics caught), sends the response, drains what
//! is left of the request body, and goes round again.

use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::encode;
use super::head::{self, Framing, HeadScanner, Reject};
use super::log::{self, ErrorsSlot, LogSink};
use super::output::{self as gateway, H1Output, ReqInfo};
use super::transport::{lock, Input, Stream, Transport};
use super::{Config, ConnInfo};
use crate::gateway::{panic_message, End};
use crate::{Application, Environ};

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
    upgradable: bool,
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
    let env = gateway::build_environ(&head, values, config, upgradable);
    let req = ReqInfo {
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
    // UPG-001: a socket can be handed over; an in-memory stream cannot.
    let upgradable = t.stream.can_take_over();
    let bytes = &t.rbuf[start..start + head_len];
    let request_line = &scratch.line;
    // A small inline header table keeps the thread's stack shallow (idle
    // connections cost their touched stack pages); requests with more
    // fields are parsed again with a table of `max_headers`.
    let mut small = [httparse::EMPTY_HEADER; 32];
    let inline = config.max_headers.min(small.len());
    let mut parsed = prepare(
        bytes,
        &mut small[..inline],
        &scratch.values,
        config,
        upgradable,
    );
    if matches!(parsed, Err(Reject { status: 431, .. })) && config.max_headers > inline {
        let mut big = vec![httparse::EMPTY_HEADER; config.max_headers];
        parsed = prepare(bytes, &mut big, &scratch.values, config, upgradable);
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
    let mut output = H1Output::new(shared, req, config.server_software, ctl.stopping);
    let log = |line: std::fmt::Arguments<'_>| log::error(sink, line);
    let outcome = crate::gateway::run(app, &mut env, &mut output, &log);
    scratch.errors.finish(&mut env);
    if config.access_log {
        log::access(
            sink,
            &mut scratch.log,
            &info.remote_addr,
            request_line,
            outcome.status,
            Some(outcome.body_bytes),
        );
    }
    let mut t = lock(shared);
    let mut keep = outcome.end == End::Complete
        && !output.close
        && !output.aborted
        && !t.broken
        && t.body_error.is_none();
    if keep {
        // INPUT-010: an unread body is drained up to a cap, or we close.
        keep = t.drain();
    }
    t.end_request();
    drop(t);
    drop_environ(env, sink);
    Ok(keep)
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
