//! The one server-side [`StartResponse`]: [`Responder`], over the small
//! [`Output`] trait an engine implements.

use std::fs::File;
use std::io::{self, Read};

use super::framing::{self, Decision, Delimiting, Framing, FramingInput};
use crate::start_response::{check_response, check_switch};
use crate::upgrade::Upgraded;
use crate::{Error, Headers, StartResponse};

/// A response head as the gateway hands it to the engine: the engine writes
/// it in its protocol's form (an HTTP/1 status line and fields, an HTTP/2
/// HEADERS frame, a CGI `Status:` line), adding what its protocol needs
/// (`Date`, `Server`, `Connection`, `Transfer-Encoding: chunked` when
/// [`framing`](Self::framing) says so).
#[derive(Debug, Clone, Copy)]
pub struct ResponseHead<'a> {
    /// The status line's text: `"200 OK"` (START-003).
    pub status: &'a str,
    /// The status code (200 to 599).
    pub code: u16,
    /// The application's header fields, checked (HDR-001 to HDR-006), a
    /// Content-Length already dropped from a 204 (HDR-008).
    pub headers: &'a Headers,
    /// How the body follows ([`framing::decide`]).
    pub framing: Framing,
    /// A `Content-Length` the engine adds because the application gave
    /// none and the body's length is known (BODY-009).
    pub computed_length: Option<u64>,
}

/// What went wrong with the request body, as the engine's input stream saw
/// it: how the gateway tells a client's failure from the application's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFailure {
    /// The body was malformed or over the engine's limit: the engine's
    /// answer is `status` (400, 413) and the connection closes.
    Refused {
        /// The status to answer with.
        status: u16,
        /// What was wrong, naming the rule.
        reason: &'static str,
    },
    /// The client stopped sending (closed or reset the connection) in the
    /// middle of the body.
    Disconnected,
    /// The body did not arrive in time (HTTP-028).
    TimedOut,
}

impl InputFailure {
    /// The status the engine answers with when nothing was sent yet.
    pub fn status(self) -> u16 {
        match self {
            InputFailure::Refused { status, .. } => status,
            InputFailure::Disconnected => 400,
            InputFailure::TimedOut => 408,
        }
    }
}

/// An engine's side of a response: where the gateway sends the head and
/// the body bytes. Called on the application's thread, in this order:
/// [`send_head`](Self::send_head) once, [`send_data`](Self::send_data) (and
/// [`send_file`](Self::send_file), [`flush`](Self::flush)) any number of
/// times, then [`finish`](Self::finish) or [`abort`](Self::abort) once.
///
/// An async engine implements it with a handle that forwards to the
/// connection's task through a bounded channel (blocking on a full one), so
/// the application's output is never buffered without limit.
pub trait Output {
    /// What the engine's protocol offers for a body of unknown length.
    fn delimiting(&self) -> Delimiting;

    /// Sends (or queues) the response head.
    fn send_head(&mut self, head: &ResponseHead<'_>) -> io::Result<()>;

    /// Sends (or queues) body bytes. The gateway has counted them against
    /// the Content-Length (BODY-004); the engine adds its protocol's
    /// framing (a chunk, a DATA frame).
    fn send_data(&mut self, data: &[u8]) -> io::Result<()>;

    /// Transmits what is queued: called after `write` (START-010) and after
    /// each chunk of a streamed body (BODY-002).
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }

    /// Sends `len` bytes of `file` from its position; returns how many were
    /// sent (fewer: the file ended early). Engines with a native file path
    /// override it and say so with `rgi.file_wrapper`
    /// ([`Flags::file_wrapper`](super::Flags::file_wrapper)); the default
    /// reads blocks of 64 KiB into [`send_data`](Self::send_data).
    fn send_file(&mut self, file: &mut File, len: u64) -> io::Result<u64> {
        copy_file(file, len, 64 * 1024, |block| self.send_data(block))
    }

    /// The response is complete: the engine ends its framing (the last
    /// chunk, END_STREAM) and may keep the connection.
    fn finish(&mut self) -> io::Result<()>;

    /// The response cannot be completed: the engine ends it so that the
    /// client sees it is incomplete (SRV-003: close the connection without
    /// the last chunk; reset the stream).
    fn abort(&mut self);

    /// The failure of the request body's input stream, if there was one.
    /// Asked after the application returned, so that a client's failure is
    /// not logged as the application's (the default: none).
    fn input_failure(&self) -> Option<InputFailure> {
        None
    }

    /// Hands the connection over after the `101` head was sent and flushed
    /// (UPG-007): a stream whose reads first return the bytes the engine
    /// read past the request head. Called only when the engine set
    /// [`Flags::upgrade`](super::Flags::upgrade); the default says the
    /// engine has no such capability.
    fn take_over(&mut self) -> io::Result<Upgraded> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "this engine cannot hand connections over (UPG-001)",
        ))
    }
}

impl<O: Output + ?Sized> Output for &mut O {
    fn delimiting(&self) -> Delimiting {
        (**self).delimiting()
    }
    fn send_head(&mut self, head: &ResponseHead<'_>) -> io::Result<()> {
        (**self).send_head(head)
    }
    fn send_data(&mut self, data: &[u8]) -> io::Result<()> {
        (**self).send_data(data)
    }
    fn flush(&mut self) -> io::Result<()> {
        (**self).flush()
    }
    fn send_file(&mut self, file: &mut File, len: u64) -> io::Result<u64> {
        (**self).send_file(file, len)
    }
    fn finish(&mut self) -> io::Result<()> {
        (**self).finish()
    }
    fn abort(&mut self) {
        (**self).abort()
    }
    fn input_failure(&self) -> Option<InputFailure> {
        (**self).input_failure()
    }
    fn take_over(&mut self) -> io::Result<Upgraded> {
        (**self).take_over()
    }
}

/// Reads up to `len` bytes of `file` in blocks of `block` bytes and hands
/// each to `send`; returns how many were sent (fewer: the file ended).
pub(crate) fn copy_file(
    file: &mut File,
    len: u64,
    block: usize,
    mut send: impl FnMut(&[u8]) -> io::Result<()>,
) -> io::Result<u64> {
    let block = usize::try_from(len).unwrap_or(usize::MAX).min(block);
    let mut buf = vec![0u8; block];
    let mut sent = 0u64;
    while sent < len {
        let want = usize::try_from(len - sent).unwrap_or(usize::MAX).min(block);
        let n = match file.read(&mut buf[..want]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        send(&buf[..n])?;
        sent += n as u64;
    }
    Ok(sent)
}

/// A response recorded by `start` or `start_error`, not yet sent.
#[derive(Debug)]
struct Recorded {
    status: String,
    code: u16,
    headers: Headers,
    declared: Option<u64>,
}

/// Where a response stands (the table of spec §4: START-005 to START-015).
#[derive(Debug)]
enum State {
    /// Nothing recorded, `start` not called.
    Empty,
    /// `start` was called and refused: it still counts (START-006).
    Refused,
    /// Recorded, head not sent.
    Recorded(Recorded),
    /// The head is out; body bytes follow with this framing (for
    /// `Length`, the bytes still allowed).
    Sending(Framing),
    /// Ended: `finish` or `abort` was called, or an output call failed
    /// (START-015: nothing more is sent).
    Ended {
        /// The head had been sent.
        head_sent: bool,
    },
}

/// How sending body bytes failed.
#[derive(Debug)]
pub(crate) enum SendError {
    /// The bytes went past the declared Content-Length; the part that fit
    /// was sent (BODY-004).
    Exceeded { declared: u64, attempted: u64 },
    /// The engine's output failed: the client is gone.
    Output(io::Error),
}

/// The server side of `start_response`, for every engine: validates at call
/// time, stores, and sends the head through the engine's [`Output`] with
/// the first body bytes (START-008). [`run`](super::run) makes one per
/// request; engines rarely need to touch it.
#[derive(Debug)]
pub struct Responder<'o, O: ?Sized> {
    output: &'o mut O,
    head_request: bool,
    state: State,
    /// The status code sent (0 before the head).
    code: u16,
    /// The Content-Length the head carried (declared or computed).
    length: Option<u64>,
    /// Body bytes handed to the output.
    sent: u64,
    /// `start` was called again after the first (START-005), to be logged.
    pub(crate) repeated_start: bool,
    /// The application's Content-Length was dropped from a 204 (HDR-008).
    pub(crate) dropped_length: bool,
    /// `rgi.upgrade` is true for the request: `start` accepts a 101.
    upgrade: bool,
}

impl<'o, O: Output + ?Sized> Responder<'o, O> {
    /// A responder for one request; `head_request`: its method is HEAD
    /// (BODY-006).
    pub fn new(output: &'o mut O, head_request: bool) -> Self {
        Responder {
            output,
            head_request,
            state: State::Empty,
            code: 0,
            length: None,
            sent: 0,
            repeated_start: false,
            dropped_length: false,
            upgrade: false,
        }
    }

    /// Lets `start` accept a `101 Switching Protocols` (UPG-002): the
    /// request's `rgi.upgrade` is true. [`run`](super::run) sets it from
    /// the environ.
    pub fn with_upgrade(mut self, available: bool) -> Self {
        self.upgrade = available;
        self
    }

    /// The status code recorded by `start`, before the head is sent.
    pub(crate) fn recorded_code(&self) -> Option<u16> {
        match &self.state {
            State::Recorded(recorded) => Some(recorded.code),
            _ => None,
        }
    }

    /// The status code sent, or 0 before the head.
    pub fn code(&self) -> u16 {
        self.code
    }

    /// Body bytes handed to the engine so far.
    pub fn body_bytes(&self) -> u64 {
        self.sent
    }

    /// True once a response was recorded or sent.
    pub(crate) fn has_response(&self) -> bool {
        matches!(
            self.state,
            State::Recorded(_) | State::Sending(_) | State::Ended { head_sent: true }
        )
    }

    /// The engine's report on the request body ([`Output::input_failure`]).
    pub(crate) fn input_failure(&self) -> Option<InputFailure> {
        self.output.input_failure()
    }

    /// True if `start` was called and refused (START-006).
    pub(crate) fn was_refused(&self) -> bool {
        matches!(self.state, State::Refused)
    }

    /// The framing of the response being sent.
    pub(crate) fn framing(&self) -> Option<Framing> {
        match self.state {
            State::Sending(framing) => Some(framing),
            _ => None,
        }
    }

    /// True once the response ended (finished, aborted or failed).
    pub(crate) fn is_ended(&self) -> bool {
        matches!(self.state, State::Ended { .. })
    }

    fn record(&mut self, status: &str, headers: Headers) -> Result<Recorded, Error> {
        // START-003, HDR-001..006: checked when called, nothing stored on error.
        // A 101 naming no protocol is no attempted switch, only an interim
        // status that `start` refuses (START-003).
        let switch =
            status.starts_with("101 ") && (self.upgrade || headers.get("upgrade").is_some());
        let (code, declared) = if switch {
            // UPG-002, UPG-003: a switch, only where the request allows it.
            if !self.upgrade {
                return Err(Error::InvalidUpgrade {
                    reason: "this request's connection cannot be taken over (rgi.upgrade is false)",
                });
            }
            check_switch(status, &headers)?;
            (101, None)
        } else {
            check_response(status, &headers)?
        };
        Ok(Recorded {
            status: status.to_owned(),
            code,
            headers,
            declared,
        })
    }

    /// Sends the recorded head; `known`: the body's length if known before
    /// sending. Does nothing unless a response is recorded and unsent.
    pub(crate) fn send_head(&mut self, known: Option<u64>) -> io::Result<()> {
        if !matches!(self.state, State::Recorded(_)) {
            return Ok(());
        }
        let State::Recorded(mut recorded) = std::mem::replace(&mut self.state, State::Empty) else {
            return Ok(());
        };
        if recorded.code == 204 && recorded.headers.remove("content-length") > 0 {
            // HDR-008, HTTP-021: no Content-Length on a 204.
            self.dropped_length = true;
            recorded.declared = None;
        }
        let Decision {
            framing,
            computed_length,
        } = framing::decide(FramingInput {
            code: recorded.code,
            head_request: self.head_request,
            declared: recorded.declared,
            known,
            delimiting: self.output.delimiting(),
        });
        self.code = recorded.code;
        self.length = recorded.declared.or(computed_length);
        let head = ResponseHead {
            status: &recorded.status,
            code: recorded.code,
            headers: &recorded.headers,
            framing,
            computed_length,
        };
        match self.output.send_head(&head) {
            Ok(()) => {
                self.state = State::Sending(framing);
                Ok(())
            }
            Err(e) => {
                self.state = State::Ended { head_sent: true };
                self.output.abort();
                Err(e)
            }
        }
    }

    /// Sends body bytes within the framing: never past the declared length
    /// (BODY-004: the part that fits goes, the rest is refused), nothing at
    /// all for a bodiless response.
    pub(crate) fn send_data(&mut self, data: &[u8]) -> Result<(), SendError> {
        let State::Sending(framing) = &mut self.state else {
            return Ok(());
        };
        let mut fits = data;
        let mut exceeded = None;
        match framing {
            Framing::NoBody => return Ok(()),
            Framing::Length(left) => {
                if data.len() as u64 > *left {
                    let declared = self.sent + *left;
                    exceeded = Some(SendError::Exceeded {
                        declared,
                        attempted: self.sent + data.len() as u64,
                    });
                    fits = &data[..usize::try_from(*left).unwrap_or(usize::MAX)];
                }
                *left -= fits.len() as u64;
            }
            Framing::Chunked | Framing::Close | Framing::Engine => {}
        }
        if !fits.is_empty() {
            if let Err(e) = self.output.send_data(fits) {
                self.fail();
                return Err(SendError::Output(e));
            }
            self.sent += fits.len() as u64;
        }
        exceeded.map_or(Ok(()), Err)
    }

    /// Sends `len` bytes of a file body natively, when the response is sent
    /// with exactly that Content-Length. `None`: not applicable.
    pub(crate) fn send_file(&mut self, file: &mut File, len: u64) -> Option<io::Result<u64>> {
        match self.state {
            State::Sending(Framing::Length(left)) if left == len => {}
            _ => return None,
        }
        let result = self.output.send_file(file, len);
        match &result {
            Ok(n) => {
                self.sent += n;
                self.state = State::Sending(Framing::Length(len - n));
            }
            Err(_) => self.fail(),
        }
        Some(result)
    }

    /// Transmits queued output.
    pub(crate) fn flush(&mut self) -> io::Result<()> {
        if !matches!(self.state, State::Sending(_)) {
            return Ok(());
        }
        match self.output.flush() {
            Ok(()) => Ok(()),
            Err(e) => {
                self.fail();
                Err(e)
            }
        }
    }

    /// Ends the response. `Err(Ok(missing))`: the body fell short of its
    /// Content-Length by `missing` bytes, so the response was aborted
    /// (BODY-005); `Err(Err(e))`: the output failed.
    pub(crate) fn finish(&mut self) -> Result<(), Result<u64, io::Error>> {
        match self.state {
            State::Sending(Framing::Length(left)) if left > 0 => {
                self.fail();
                Err(Ok(left))
            }
            State::Sending(_) => {
                self.state = State::Ended { head_sent: true };
                self.output.finish().map_err(|e| {
                    self.output.abort();
                    Err(e)
                })
            }
            _ => Ok(()),
        }
    }

    /// Sends a recorded `101` head and flushes it; the response then ends
    /// without `finish`: the connection leaves HTTP (UPG-006).
    pub(crate) fn send_switch_head(&mut self) -> io::Result<()> {
        self.send_head(Some(0))?;
        let flushed = self.output.flush();
        self.state = State::Ended { head_sent: true };
        flushed
    }

    /// The engine's stream for the switched connection (UPG-007).
    pub(crate) fn take_over(&mut self) -> io::Result<Upgraded> {
        self.output.take_over()
    }

    /// Aborts the response (SRV-003); nothing more is sent.
    pub(crate) fn fail(&mut self) {
        if !self.is_ended() {
            let head_sent = self.headers_sent();
            self.state = State::Ended { head_sent };
            self.output.abort();
        }
    }

    /// Sends one of the server's own responses (`status`, a plain-text
    /// `body`, SRV-002) in place of the application's, which was not sent.
    pub(crate) fn send_own(&mut self, status: &str, body: &[u8]) -> io::Result<()> {
        let headers = Headers::from([("Content-Type", "text/plain; charset=utf-8")]);
        let (code, _) = check_response(status, &headers).map_err(io::Error::other)?;
        self.state = State::Recorded(Recorded {
            status: status.to_owned(),
            code,
            headers,
            declared: None,
        });
        self.send_head(Some(body.len() as u64))?;
        self.send_data(body).map_err(|e| match e {
            SendError::Output(e) => e,
            SendError::Exceeded { .. } => {
                io::Error::other("unreachable: own body within its length")
            }
        })?;
        self.finish().map_err(|e| {
            e.err()
                .unwrap_or_else(|| io::Error::other("short own body"))
        })
    }
}

impl<O: Output + ?Sized> StartResponse for Responder<'_, O> {
    fn start_text(&mut self, status: &str, headers: Headers) -> Result<(), Error> {
        // START-005, START-006: one `start` per call, even a refused one;
        // after a refusal only `start_error` can record a response.
        if !matches!(self.state, State::Empty) {
            self.repeated_start = true;
            return Err(Error::AlreadyStarted);
        }
        match self.record(status, headers) {
            Ok(recorded) => {
                self.state = State::Recorded(recorded);
                Ok(())
            }
            Err(e) => {
                self.state = State::Refused;
                Err(e)
            }
        }
    }

    fn start_error_text(&mut self, status: &str, headers: Headers) -> Result<(), Error> {
        if self.headers_sent() {
            return Err(Error::HeadersAlreadySent);
        }
        // START-012: replaces what was recorded; a refused call changes nothing.
        let recorded = self.record(status, headers)?;
        self.state = State::Recorded(recorded);
        Ok(())
    }

    fn write(&mut self, data: &[u8]) -> Result<(), Error> {
        match self.state {
            State::Empty | State::Refused => return Err(Error::NotStarted),
            State::Ended { .. } => {
                // START-015: after a failed write, every later write fails.
                return Err(Error::Io(io::Error::new(
                    io::ErrorKind::BrokenPipe,
                    "the response was aborted or the client connection failed; nothing more can be sent",
                )));
            }
            State::Recorded(_) => self.send_head(None).map_err(Error::Io)?,
            State::Sending(_) => {}
        }
        match self.send_data(data) {
            Ok(()) => {}
            Err(SendError::Output(e)) => return Err(Error::Io(e)),
            Err(SendError::Exceeded {
                declared,
                attempted,
            }) => {
                return Err(Error::ContentLengthExceeded {
                    declared,
                    attempted,
                })
            }
        }
        // START-010: write() transmits right away.
        self.flush().map_err(Error::Io)
    }

    fn headers_sent(&self) -> bool {
        matches!(
            self.state,
            State::Sending(_) | State::Ended { head_sent: true }
        )
    }
}
