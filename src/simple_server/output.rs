//! The HTTP/1 engine's side of [`crate::gateway`]: the parsed head as a
//! [`gateway::Request`], and [`H1Output`], the [`Output`] that encodes the
//! response onto the connection.

use std::fs::File;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use super::encode::{self, HeadParts};
use super::head::{self, Head};
use super::transport::{lock, Stream, Transport};
use super::Config;
use crate::gateway::{self, Connection, Delimiting, Framing, InputFailure, Output, ResponseHead};
use crate::upgrade::Upgraded;
use crate::Environ;

/// Builds the environ of a request through [`crate::gateway::Request`]
/// (everything but the input stream).
/// `upgradable`: the connection can be handed over (spec section 12).
pub(crate) fn build_environ(
    head: &Head<'_, '_>,
    conn: &Connection,
    config: &Config,
    upgradable: bool,
) -> Environ {
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
        upgrade: upgradable,
        server_software: config.server_software,
    };
    let fields = head.headers.iter().map(|h| (h.name.as_bytes(), h.value));
    request.into_environ(fields, conn, &flags, Box::new(std::io::empty()))
}

/// What the connection loop knows about the request when responding.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReqInfo {
    pub minor: u8,
    /// The connection may be kept open after this response.
    pub keep_alive: bool,
}

/// The [`Output`] of one HTTP/1 response: encodes the head and the body's
/// framing into the connection's write buffer (flushed before the next
/// blocking read, so pipelined responses go out together).
pub(crate) struct H1Output<'a, S> {
    shared: &'a Mutex<Transport<S>>,
    req: ReqInfo,
    server: &'static str,
    stopping: Option<&'a AtomicBool>,
    framing: Framing,
    /// The connection closes after this response.
    pub close: bool,
    /// The response was cut short (SRV-003): the connection must close.
    pub aborted: bool,
}

impl<'a, S: Stream> H1Output<'a, S> {
    pub fn new(
        shared: &'a Mutex<Transport<S>>,
        req: ReqInfo,
        server: &'static str,
        stopping: Option<&'a AtomicBool>,
    ) -> Self {
        H1Output {
            shared,
            req,
            server,
            stopping,
            framing: Framing::NoBody,
            close: !req.keep_alive,
            aborted: false,
        }
    }

    /// HTTP-026: announce the close when we know we will close: unknown
    /// length on HTTP/1.0, shutting down, a broken or refused request body,
    /// a client still waiting for 100 Continue, or an unread body larger
    /// than the drain cap.
    fn must_close(&self, t: &Transport<S>) -> bool {
        self.close
            || self.framing == Framing::Close
            || self.stopping.is_some_and(|s| s.load(Ordering::SeqCst))
            || t.broken
            || t.body_error.is_some()
            || t.continue_pending
            || t.body_left()
                .is_some_and(|left| left > t.config.max_drain_bytes)
    }

    fn failed(t: &mut Transport<S>) -> io::Error {
        t.broken = true;
        t.write_failed = true;
        io::Error::new(
            io::ErrorKind::BrokenPipe,
            "the client connection failed; nothing more can be sent",
        )
    }
}

impl<S: Stream> Output for H1Output<'_, S> {
    fn delimiting(&self) -> Delimiting {
        if self.req.minor == 1 {
            Delimiting::Chunked
        } else {
            Delimiting::Close
        }
    }

    fn send_head(&mut self, head: &ResponseHead<'_>) -> io::Result<()> {
        let mut t = lock(self.shared);
        if t.write_failed {
            return Err(Self::failed(&mut t));
        }
        self.framing = head.framing;
        self.close = self.must_close(&t);
        // HTTP-025: a kept HTTP/1.0 connection says so; a 101 carries the
        // application's `Connection: upgrade` alone (UPG-006).
        let connection = if head.code == 101 {
            None
        } else if self.close {
            Some(true)
        } else if self.req.minor == 0 {
            Some(false)
        } else {
            None
        };
        encode::push_head(
            &mut t.wbuf,
            HeadParts {
                status: head.status,
                headers: head.headers,
                add_length: head.computed_length,
                chunked: head.framing == Framing::Chunked,
                connection,
                server: self.server,
            },
        );
        t.response_started = true;
        t.continue_pending = false;
        Ok(())
    }

    fn send_data(&mut self, data: &[u8]) -> io::Result<()> {
        let mut t = lock(self.shared);
        if t.write_failed {
            return Err(Self::failed(&mut t));
        }
        let result = if self.framing == Framing::Chunked {
            encode::push_hex(&mut t.wbuf, data.len() as u64);
            t.wbuf.extend_from_slice(b"\r\n");
            let sent = t.write_data(data);
            t.wbuf.extend_from_slice(b"\r\n");
            sent
        } else {
            t.write_data(data)
        };
        result.map_err(|_| Self::failed(&mut t))
    }

    fn flush(&mut self) -> io::Result<()> {
        let mut t = lock(self.shared);
        t.flush().map_err(|_| Self::failed(&mut t))
    }

    fn send_file(&mut self, file: &mut File, len: u64) -> io::Result<u64> {
        let mut t = lock(self.shared);
        let sent = t.flush().and_then(|()| t.stream.send_file(file, len));
        sent.map_err(|_| Self::failed(&mut t))
    }

    fn finish(&mut self) -> io::Result<()> {
        if self.framing == Framing::Chunked {
            lock(self.shared).wbuf.extend_from_slice(b"0\r\n\r\n");
        }
        Ok(())
    }

    fn abort(&mut self) {
        self.aborted = true;
    }

    /// UPG-006, UPG-007: the 101 head is flushed; the bytes the client sent
    /// past the request head come first; the handler's reads have no
    /// timeout, its writes the server's write timeout (UPG-008).
    fn take_over(&mut self) -> io::Result<Upgraded> {
        let mut t = lock(self.shared);
        t.flush()?;
        let early = t.buffered().to_vec();
        t.consume(early.len());
        t.broken = true; // never another request on this connection
        let mut socket = t.stream.take_over()?;
        socket.set_read_timeout(None)?;
        socket.set_write_timeout(Some(t.config.write_timeout))?;
        Ok(Upgraded::new(socket, early))
    }

    fn input_failure(&self) -> Option<InputFailure> {
        let t = lock(self.shared);
        match t.body_error {
            Some(reject) => Some(InputFailure::Refused {
                status: reject.status,
                reason: reject.reason,
            }),
            None => t.input_failure,
        }
    }
}
