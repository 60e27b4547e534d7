//! The gateway side: building the [`Environ`] from a request head, and the
//! server's [`StartResponse`] implementation.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use super::encode::{self, HeadParts, OutFraming};
use super::head::{self, Head};
use super::transport::{lock, Stream, Transport};
use super::Config;
use crate::gateway::{self, Connection};
use crate::start_response::check_response;
use crate::{Environ, Error, Headers, StartResponse};

/// Builds the environ of a request through [`crate::gateway::Request`]
/// (everything but the input stream).
pub(crate) fn build_environ(head: &Head<'_, '_>, conn: &Connection, config: &Config) -> Environ {
    let request = gateway::Request {
        method: head.method,
        target: head.target,
        version: if head.minor == 1 {
            gateway::Version::Http11
        } else {
            gateway::Version::Http10
        },
        authority: gateway::absolute_authority(head.target),
        content_length: match head.framing {
            head::Framing::Length(n) if head.has_length_field => Some(n),
            _ => None,
        },
        input_terminated: head.framing == head::Framing::Chunked,
    };
    let flags = gateway::Flags {
        multithread: true,
        multiprocess: false,
        run_once: false,
        file_wrapper: true,
        upgrade: false,
        server_software: config.server_software,
    };
    let fields = head.headers.iter().map(|h| (h.name.as_bytes(), h.value));
    request.into_environ(fields, conn, &flags, Box::new(std::io::empty()))
}

/// What the connection loop knows about the request when responding.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReqInfo {
    pub head_only: bool,
    pub minor: u8,
    /// The connection may be kept open after this response.
    pub keep_alive: bool,
}

/// The server's `start_response`: validates at call time, stores, and sends
/// the head with the first body bytes (START-008).
pub(crate) struct Responder<'a, S> {
    shared: &'a Mutex<Transport<S>>,
    req: ReqInfo,
    server: &'static str,
    stopping: Option<&'a AtomicBool>,
    pub status: Option<String>,
    /// `start` was called, whether or not it was accepted (START-006).
    start_called: bool,
    pub code: u16,
    headers: Headers,
    declared: Option<u64>,
    pub head_sent: bool,
    pub framing: OutFraming,
    pub body_bytes: u64,
    /// The connection closes after this response.
    pub close: bool,
    /// The response was cut short (the connection must close).
    pub aborted: bool,
    /// The application's Content-Length was dropped (HDR-008).
    pub dropped_length: bool,
}

impl<'a, S: Stream> Responder<'a, S> {
    pub fn new(
        shared: &'a Mutex<Transport<S>>,
        req: ReqInfo,
        server: &'static str,
        stopping: Option<&'a AtomicBool>,
    ) -> Self {
        Responder {
            shared,
            req,
            server,
            stopping,
            status: None,
            start_called: false,
            code: 0,
            headers: Headers::new(),
            declared: None,
            head_sent: false,
            framing: OutFraming::NoBody,
            body_bytes: 0,
            close: !req.keep_alive,
            aborted: false,
            dropped_length: false,
        }
    }

    fn store(&mut self, status: &str, headers: Headers) -> Result<(), Error> {
        // START-003, HDR-001..006: checked when called, nothing stored on error.
        let (code, declared) = check_response(status, &headers)?;
        self.status = Some(status.to_owned());
        self.code = code;
        self.headers = headers;
        self.declared = declared;
        Ok(())
    }

    /// Queues the head; `known` is the body length if known.
    pub fn send_head(&mut self, t: &mut Transport<S>, known: Option<u64>) {
        let code = self.code;
        let bodiless_status = code < 200 || code == 204 || code == 304;
        if (code < 200 || code == 204) && self.headers.remove("content-length") > 0 {
            // HTTP-021: no Content-Length on 1xx and 204.
            // Logged by the connection loop, which knows the request.
            self.dropped_length = true;
            self.declared = None;
        }
        let length = self.declared.or(known);
        self.framing = if bodiless_status || self.req.head_only {
            OutFraming::NoBody
        } else if let Some(n) = length {
            OutFraming::Length(n)
        } else if self.req.minor == 1 {
            OutFraming::Chunked
        } else {
            OutFraming::Close
        };
        // HTTP-026: announce the close when we know we will close: unknown
        // length on HTTP/1.0, a client still waiting for 100 Continue, or an
        // unread body larger than the drain cap.
        if self.framing == OutFraming::Close
            || self.stopping.is_some_and(|s| s.load(Ordering::SeqCst))
            || t.broken
            || t.body_error.is_some()
            || t.continue_pending
            || t.body_left()
                .is_some_and(|left| left > t.config.max_drain_bytes)
        {
            self.close = true;
        }
        // HTTP-020, HTTP-021, BODY-009: a computed Content-Length only for a
        // body that will be sent.
        let add_length = if self.declared.is_none() && !bodiless_status && !self.req.head_only {
            length
        } else {
            None
        };
        let connection = if self.close {
            Some(true)
        } else if self.req.minor == 0 {
            Some(false)
        } else {
            None
        };
        let status = self
            .status
            .as_deref()
            .unwrap_or("500 Internal Server Error");
        encode::push_head(
            &mut t.wbuf,
            HeadParts {
                status,
                headers: &self.headers,
                add_length,
                chunked: self.framing == OutFraming::Chunked,
                connection,
                server: self.server,
            },
        );
        t.response_started = true;
        t.continue_pending = false;
        self.head_sent = true;
    }

    /// Sends body bytes with the response's framing (BODY-004: never more
    /// than the declared length).
    pub fn send_data(&mut self, t: &mut Transport<S>, data: &[u8]) -> Result<(), Error> {
        if data.is_empty() {
            return Ok(());
        }
        match &mut self.framing {
            OutFraming::NoBody => Ok(()),
            OutFraming::Length(left) => {
                if data.len() as u64 > *left {
                    let declared = self.declared.unwrap_or(self.body_bytes + *left);
                    self.aborted = true;
                    return Err(Error::ContentLengthExceeded {
                        declared,
                        attempted: self.body_bytes + data.len() as u64,
                    });
                }
                *left -= data.len() as u64;
                self.body_bytes += data.len() as u64;
                t.write_data(data).map_err(Error::Io)
            }
            OutFraming::Chunked => {
                self.body_bytes += data.len() as u64;
                encode::push_hex(&mut t.wbuf, data.len() as u64);
                t.wbuf.extend_from_slice(b"\r\n");
                t.write_data(data).map_err(Error::Io)?;
                t.wbuf.extend_from_slice(b"\r\n");
                Ok(())
            }
            OutFraming::Close => {
                self.body_bytes += data.len() as u64;
                t.write_data(data).map_err(Error::Io)
            }
        }
    }

    /// Completes the framing. False if the body fell short of its declared
    /// length (the connection must then close: BODY-004).
    pub fn finish(&mut self, t: &mut Transport<S>) -> bool {
        match self.framing {
            OutFraming::Length(left) if left > 0 => {
                self.aborted = true;
                false
            }
            OutFraming::Chunked => {
                t.wbuf.extend_from_slice(b"0\r\n\r\n");
                true
            }
            _ => true,
        }
    }
}

impl<S: Stream> StartResponse for Responder<'_, S> {
    fn start_text(&mut self, status: &str, headers: Headers) -> Result<(), Error> {
        // START-005, START-006: one `start` per call, even a refused one;
        // after a refusal only `start_error` can record a response.
        if self.start_called || self.status.is_some() {
            return Err(Error::AlreadyStarted);
        }
        self.start_called = true;
        self.store(status, headers)
    }

    fn start_error_text(&mut self, status: &str, headers: Headers) -> Result<(), Error> {
        if self.head_sent {
            return Err(Error::HeadersAlreadySent);
        }
        self.store(status, headers)
    }

    fn write(&mut self, data: &[u8]) -> Result<(), Error> {
        if self.status.is_none() {
            return Err(Error::NotStarted);
        }
        if self.aborted {
            return Err(Error::Io(std::io::Error::other("the response was aborted")));
        }
        let shared = self.shared;
        let mut t = lock(shared);
        if t.write_failed {
            // START-015: after a failed write, every later write fails.
            return Err(Error::Io(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "the client connection failed; nothing more can be sent",
            )));
        }
        if !self.head_sent {
            self.send_head(&mut t, None);
        }
        self.send_data(&mut t, data)?;
        // START-010: write() transmits right away.
        t.flush().map_err(Error::Io)
    }

    fn headers_sent(&self) -> bool {
        self.head_sent
    }
}
