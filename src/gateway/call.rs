//! The call policy, once for every engine: call the application with panics
//! caught, send its body or the server's 500, close the body exactly once,
//! and log what went wrong naming the rule.

use std::any::Any;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::response::{InputFailure, Output, Responder, SendError};
use super::switch;
use super::Framing;
use crate::{Application, Body, Environ, StartResponse as _};

/// The body of the server's own 500 response (SRV-002: short, fixed, and
/// revealing nothing about the error; the details go to the log).
pub const ERROR_BODY: &[u8] = b"A server error occurred.  Please contact the administrator.\n";

/// The status line of the server's own 500 response.
pub const ERROR_STATUS: &str = "500 Internal Server Error";

/// Where the gateway's log lines go: one call per line, without the line
/// end; the engine adds its prefix and writes the line in one piece
/// (ERRS-007).
pub type Log<'a> = &'a dyn Fn(fmt::Arguments<'_>);

/// How a response ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// Complete as framed (the application's response or the server's
    /// own): the connection may carry another request, as far as the
    /// response is concerned.
    Complete,
    /// Cut short (SRV-003): the engine's [`Output::abort`] was called; the
    /// connection must not be reused.
    Aborted,
    /// The client went away (its request body broke off, or the output
    /// failed); logged as a client disconnect, not as the application's
    /// failure.
    ClientGone,
    /// The connection was handed over after a `101` and the upgrade
    /// handler has returned (UPG-009): the engine closes it, never reads
    /// another request from it.
    Upgraded,
}

/// What [`run`] did: for the access log and the keep-alive decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// The status code sent (0 if no head went out).
    pub status: u16,
    /// Body bytes sent.
    pub body_bytes: u64,
    /// How the response ended.
    pub end: End,
}

/// Serves one request: calls `app` with `environ` (panics caught, SRV-004),
/// sends its response through `output` with the framing of
/// [`decide`](super::decide), and applies the call policy of APP-005,
/// START-002, BODY-004, BODY-005, BODY-008 and BODY-015: an `Err`, a panic
/// or a failing body becomes the server's 500 when nothing was sent, an
/// abort otherwise; the body is dropped exactly once on every path; each
/// problem is one line in `log`, naming the request and the rule. A failure
/// of the request body that [`Output::input_failure`] reports is the
/// client's: it is answered with its status (400, 408, 413) when nothing was
/// sent and logged as such.
///
/// The engine keeps the environ (and drops it after `run`, once the
/// request's error stream is flushed).
pub fn run<A: Application + ?Sized, O: Output + ?Sized>(
    app: &A,
    environ: &mut Environ,
    output: &mut O,
    log: Log<'_>,
) -> Outcome {
    let head_request = environ.get_bytes("REQUEST_METHOD") == Some(b"HEAD");
    let mut responder =
        Responder::new(output, head_request).with_upgrade(environ.upgrade_available());
    let called = catch_unwind(AssertUnwindSafe(|| app.call(environ, &mut responder)));
    let name = ReqName(environ);
    if responder.repeated_start {
        log(format_args!(
            "{name}: the application called start a second time; the call was refused (START-005)"
        ));
    }
    let failure = responder.input_failure();
    let body = match called {
        Ok(Ok(body)) if responder.has_response() => Some(body),
        Ok(Ok(body)) => {
            let rule = if responder.was_refused() {
                "its start was refused and it recorded no response (START-006, START-002)"
            } else {
                "without calling start_response (START-002)"
            };
            log(format_args!(
                "{name}: the application returned a body {rule}; answering 500"
            ));
            close_body(body, log, &name);
            None
        }
        Ok(Err(_)) if failure.is_some() => None, // the client's failure: below
        Ok(Err(err)) => {
            log(format_args!(
                "{name}: the application failed (APP-005): {err}{}",
                rule_of(&*err)
            ));
            None
        }
        Err(payload) => {
            log(format_args!(
                "{name}: the application panicked (APP-005, SRV-004): {}",
                panic_message(&*payload)
            ));
            None
        }
    };
    let end = match (failure, body) {
        (Some(failure @ InputFailure::Refused { .. }), body) if !responder.headers_sent() => {
            // The request body was malformed or too large: that is the
            // answer, whatever the application made of the read error.
            if let Some(body) = body {
                close_body(body, log, &name);
            }
            refuse(&mut responder, failure)
        }
        (_, Some(body)) if switch::is_switch(&responder, &body) => {
            switch::switch(&mut responder, body, log, &name)
        }
        (_, Some(body)) => send_body(&mut responder, body, log, &name),
        (Some(failure), None) => {
            log(format_args!(
                "{name}: the client disconnected before the end of the request body{} (INPUT-013)",
                if failure == InputFailure::TimedOut {
                    " (it timed out)"
                } else {
                    ""
                }
            ));
            if responder.headers_sent() {
                responder.fail();
            } else {
                let _ = refuse(&mut responder, failure);
            }
            End::ClientGone
        }
        (None, None) => fail(&mut responder),
    };
    if responder.dropped_length {
        log(format_args!(
            "{name}: dropped the application's Content-Length from a {} response (HDR-008)",
            responder.code()
        ));
    }
    Outcome {
        status: responder.code(),
        body_bytes: responder.body_bytes(),
        end,
    }
}

/// The server's 500 if nothing was sent, else an abort (APP-005).
pub(crate) fn fail<O: Output + ?Sized>(responder: &mut Responder<'_, O>) -> End {
    if responder.headers_sent() {
        responder.fail();
        return End::Aborted;
    }
    match responder.send_own(ERROR_STATUS, ERROR_BODY) {
        Ok(()) => End::Complete,
        Err(_) => End::ClientGone,
    }
}

/// The engine's answer to a failed request body (the connection closes
/// after it).
fn refuse<O: Output + ?Sized>(responder: &mut Responder<'_, O>, failure: InputFailure) -> End {
    let status = failure.status();
    let reason = super::reason_phrase(status);
    let detail = match failure {
        InputFailure::Refused { reason, .. } => reason,
        InputFailure::Disconnected => "the request body ended early (INPUT-013)",
        InputFailure::TimedOut => "the request body did not arrive in time (HTTP-028)",
    };
    let body = format!("{reason}: {detail}\n");
    match responder.send_own(&format!("{status} {reason}"), body.as_bytes()) {
        Ok(()) => End::Complete,
        Err(_) => End::ClientGone,
    }
}

/// Sends the body: the head (with the known length, if any), then the
/// chunks, within the framing.
fn send_body<O: Output + ?Sized>(
    responder: &mut Responder<'_, O>,
    mut body: Body,
    log: Log<'_>,
    name: &ReqName<'_>,
) -> End {
    if responder.is_ended() {
        // A `write` already failed: the client is gone (START-015).
        return client_gone(responder, body, log, name);
    }
    let known = body.known_length();
    if known.is_some() && responder.send_head(known).is_err() {
        return client_gone(responder, body, log, name);
    }
    if responder.framing() == Some(Framing::NoBody) {
        close_body(body, log, name);
        return finish(responder, log, name);
    }
    if let Some(sent) = send_file(responder, &mut body) {
        close_body(body, log, name);
        return match sent {
            Ok(()) => finish(responder, log, name),
            Err(()) => End::ClientGone,
        };
    }
    loop {
        let chunk = match catch_unwind(AssertUnwindSafe(|| body.next_chunk())) {
            Ok(None) => break,
            Ok(Some(Ok(chunk))) => chunk,
            Ok(Some(Err(err))) => {
                log(format_args!(
                    "{name}: the response body failed (BODY-015): {err}"
                ));
                close_body(body, log, name);
                return fail(responder);
            }
            Err(payload) => {
                log(format_args!(
                    "{name}: the response body panicked (BODY-015, SRV-004): {}",
                    panic_message(&*payload)
                ));
                close_body(body, log, name);
                return fail(responder);
            }
        };
        if chunk.is_empty() {
            continue;
        }
        if !responder.headers_sent() {
            if responder.send_head(None).is_err() {
                return client_gone(responder, body, log, name);
            }
            if responder.framing() == Some(Framing::NoBody) {
                break;
            }
        }
        match responder.send_data(&chunk) {
            Ok(()) => {}
            Err(SendError::Exceeded {
                declared,
                attempted,
            }) => {
                // BODY-004: the declared length went out; the surplus is
                // discarded, and the body is not pulled further.
                log(format_args!(
                    "{name}: the body is longer than its Content-Length ({attempted} > {declared} bytes so far); the surplus was discarded (BODY-004)"
                ));
                break;
            }
            Err(SendError::Output(_)) => return client_gone(responder, body, log, name),
        }
        // BODY-002: a streamed body goes out as it is produced.
        if known.is_none() && responder.flush().is_err() {
            return client_gone(responder, body, log, name);
        }
    }
    if !responder.headers_sent() && responder.send_head(Some(0)).is_err() {
        // A stream that produced nothing: its length is 0 after all.
        return client_gone(responder, body, log, name);
    }
    close_body(body, log, name);
    finish(responder, log, name)
}

/// The native file path (`rgi.file_wrapper`): a file body whose remaining
/// length is the response's Content-Length goes to [`Output::send_file`].
/// `None`: not a file body, or not applicable.
fn send_file<O: Output + ?Sized>(
    responder: &mut Responder<'_, O>,
    body: &mut Body,
) -> Option<Result<(), ()>> {
    let wrapper = body.as_file_mut()?;
    let len = wrapper.remaining()?;
    let file = wrapper.file_mut()?;
    let sent = responder.send_file(file, len)?;
    match sent {
        Ok(n) => {
            wrapper.mark_sent(n);
            Some(Ok(())) // a short file shows in `finish` (BODY-005)
        }
        Err(_) => Some(Err(())),
    }
}

/// Ends the response; a body short of its Content-Length aborts it
/// (BODY-005).
fn finish<O: Output + ?Sized>(
    responder: &mut Responder<'_, O>,
    log: Log<'_>,
    name: &ReqName<'_>,
) -> End {
    match responder.finish() {
        Ok(()) => End::Complete,
        Err(Ok(missing)) => {
            log(format_args!(
                "{name}: the body ended {missing} bytes short of its Content-Length; the connection is closed (BODY-005)"
            ));
            End::Aborted
        }
        Err(Err(_)) => End::ClientGone,
    }
}

/// The output failed: the client went away during the response. Not the
/// application's failure, and not a short body.
fn client_gone<O: Output + ?Sized>(
    responder: &mut Responder<'_, O>,
    body: Body,
    log: Log<'_>,
    name: &ReqName<'_>,
) -> End {
    responder.fail();
    close_body(body, log, name);
    log(format_args!(
        "{name}: the client disconnected during the response (after {} body bytes)",
        responder.body_bytes()
    ));
    End::ClientGone
}

/// Drops the body (running its close hooks) exactly once, catching panics
/// (BODY-008, BODY-011).
pub(crate) fn close_body(body: Body, log: Log<'_>, name: &ReqName<'_>) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(body))) {
        log(format_args!(
            "{name}: closing the response body panicked (BODY-008, SRV-004): {}",
            panic_message(&*payload)
        ));
    }
}

/// `METHOD target` of a request, escaped, for log lines (ERRS-005).
pub(crate) struct ReqName<'a>(pub &'a Environ);

impl fmt::Display for ReqName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::new();
        escape_into(
            &mut text,
            self.0.get_bytes("REQUEST_METHOD").unwrap_or(b"-"),
        );
        text.push(' ');
        escape_into(&mut text, self.0.get_bytes("REQUEST_URI").unwrap_or(b"-"));
        f.write_str(&text)
    }
}

/// Appends `bytes` with control characters (C0, DEL, C1 when decoded) and
/// backslashes escaped as `\xHH` / `\\`, so that a request line cannot forge
/// log lines (ERRS-006; wsgiref gh-100001).
pub(crate) fn escape_into(out: &mut String, mut bytes: &[u8]) {
    use fmt::Write as _;
    while !bytes.is_empty() {
        let (valid, invalid) = match std::str::from_utf8(bytes) {
            Ok(text) => (text, &[][..]),
            Err(err) => {
                let (good, rest) = bytes.split_at(err.valid_up_to());
                let bad = err.error_len().unwrap_or(rest.len());
                // `good` is valid UTF-8 by construction.
                (std::str::from_utf8(good).unwrap_or_default(), &rest[..bad])
            }
        };
        for ch in valid.chars() {
            match ch {
                '\\' => out.push_str("\\\\"),
                '"' => out.push_str("\\x22"),
                c if c.is_control() => {
                    let _ = write!(out, "\\x{:02x}", c as u32);
                }
                c => out.push(c),
            }
        }
        for &b in invalid {
            let _ = write!(out, "\\x{b:02x}");
        }
        bytes = &bytes[valid.len() + invalid.len()..];
    }
}

/// ` (RULE)` when the error is an `rgi::Error` naming a rule.
fn rule_of(err: &(dyn std::error::Error + 'static)) -> String {
    err.downcast_ref::<crate::Error>()
        .and_then(crate::Error::rule)
        .map(|rule| format!(" ({rule})"))
        .unwrap_or_default()
}

/// The text of a panic payload.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "(non-string panic payload)"
    }
}
