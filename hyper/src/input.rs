//! `rgi.input` on hyper: reads on the application's thread block on the
//! request body's frames.
//!
//! One frame is buffered at a time, reading never goes past the end of the
//! body, a body longer than the limit fails the read (the response is then
//! 413 if nothing was sent yet), and each wait for a frame has a deadline.
//! `Expect: 100-continue` is answered when the body is first polled, that is
//! on the application's first read (hyper sends the `100 Continue` then).
//! Dropping the input hands what is left of the body to the connection's
//! runtime, which reads and discards up to
//! [`Config::max_drain_bytes`](crate::Config::max_drain_bytes) of it so the
//! client gets its response rather than a reset.

use std::io::{self, BufRead, Read};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::{Buf, Bytes};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use rgi::gateway::InputFailure;
use tokio::runtime::Handle;

/// The limits of one request's input.
#[derive(Debug, Clone, Copy)]
pub(crate) struct InputLimits {
    pub(crate) max_body_bytes: u64,
    pub(crate) max_drain_bytes: u64,
    pub(crate) drain_timeout: Duration,
    pub(crate) read_timeout: Duration,
}

/// Where the input is.
#[derive(Debug)]
enum State {
    /// Frames may follow.
    Open(Incoming),
    /// The body ended (or there was none).
    Ended,
    /// A read failed; later reads fail the same way.
    Failed(io::ErrorKind, &'static str),
}

/// The request body as an [`rgi::InputStream`].
#[derive(Debug)]
pub(crate) struct HyperInput {
    state: State,
    /// The rest of the current frame.
    chunk: Bytes,
    read: u64,
    limits: InputLimits,
    handle: Handle,
    failure: Arc<OnceLock<InputFailure>>,
}

impl HyperInput {
    /// The input over `body`; `failure` is set when a read fails, for the
    /// gateway to tell the client's failure from the application's.
    pub(crate) fn new(
        body: Option<Incoming>,
        limits: InputLimits,
        handle: Handle,
        failure: Arc<OnceLock<InputFailure>>,
    ) -> Self {
        HyperInput {
            state: body.map_or(State::Ended, State::Open),
            chunk: Bytes::new(),
            read: 0,
            limits,
            handle,
            failure,
        }
    }

    /// Waits for the next data frame into `self.chunk`.
    fn next_frame(&mut self) -> io::Result<()> {
        let State::Open(body) = &mut self.state else {
            return Ok(());
        };
        let timeout = self.limits.read_timeout;
        let frame = self
            .handle
            .block_on(async move { tokio::time::timeout(timeout, body.frame()).await });
        let outcome = match frame {
            Err(_) => {
                let _ = self.failure.set(InputFailure::TimedOut);
                Err((
                    io::ErrorKind::TimedOut,
                    "no request body bytes within the body timeout (HTTP-028)",
                ))
            }
            Ok(None) => {
                self.state = State::Ended;
                return Ok(());
            }
            Ok(Some(Err(_))) => {
                let _ = self.failure.set(InputFailure::Disconnected);
                Err((
                    io::ErrorKind::ConnectionAborted,
                    "the client aborted the request body (INPUT-013)",
                ))
            }
            Ok(Some(Ok(frame))) => match frame.into_data() {
                Ok(data) => self.accept(data),
                Err(_trailers) => Ok(()),
            },
        };
        outcome.map_err(|(kind, why)| {
            self.state = State::Failed(kind, why);
            io::Error::new(kind, why)
        })
    }

    fn accept(&mut self, data: Bytes) -> Result<(), (io::ErrorKind, &'static str)> {
        self.read += data.len() as u64;
        if self.read > self.limits.max_body_bytes {
            const WHY: &str = "the request body is over the server's limit (HTTP-018)";
            let _ = self.failure.set(InputFailure::Refused {
                status: 413,
                reason: WHY,
            });
            return Err((io::ErrorKind::InvalidData, WHY));
        }
        self.chunk = data;
        Ok(())
    }
}

impl Read for HyperInput {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for HyperInput {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.chunk.is_empty() {
            match &self.state {
                State::Open(_) => self.next_frame()?,
                State::Ended => break,
                State::Failed(kind, why) => return Err(io::Error::new(*kind, *why)),
            }
        }
        Ok(&self.chunk)
    }

    fn consume(&mut self, amt: usize) {
        self.chunk.advance(amt.min(self.chunk.len()));
    }
}

impl Drop for HyperInput {
    fn drop(&mut self) {
        let state = std::mem::replace(&mut self.state, State::Ended);
        if let State::Open(body) = state {
            let limits = self.limits;
            self.handle
                .spawn(drain(body, limits.max_drain_bytes, limits.drain_timeout));
        }
    }
}

/// Reads and discards up to `budget` bytes of what the application left
/// unread, within `deadline` (HTTP-032): a client (or nginx) still sending
/// the body then reads the response instead of a reset, and the
/// connection stays usable. Past the budget or the deadline the body is
/// dropped and hyper closes the connection after the response.
async fn drain(mut body: Incoming, budget: u64, deadline: Duration) {
    let discard = async {
        let mut left = budget;
        while let Some(Ok(frame)) = body.frame().await {
            let len = frame.data_ref().map_or(0, |d| d.len() as u64);
            if len > left {
                return;
            }
            left -= len;
        }
    };
    let _ = tokio::time::timeout(deadline, discard).await;
}
