//! [`HyperOutput`]: rgi-hyper's [`gateway::Output`], the engine side of
//! the gateway's one `StartResponse`, on the application's thread.
//!
//! The head is held until the first body call so that the body can take
//! its best form: a small body of known length is gathered and goes out as
//! one buffer with its Content-Length; a file goes to the async side
//! ([`Output::send_file`]), freeing this thread at once; anything else
//! streams through the byte-bounded channel of [`output`](crate::output).

use std::fs::File;
use std::io;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use hyper::ext::ReasonPhrase;
use hyper::header::{HeaderName, HeaderValue, CONNECTION, CONTENT_LENGTH, SERVER};
use hyper::http::response::Parts;
use hyper::{Response, StatusCode};
use rgi::gateway::{Delimiting, Framing, InputFailure, Output, ResponseHead};

use crate::handler::{Reply, Shared};
use crate::output::{self, ResponseBody, SendError, Sender};

/// Where the response is.
#[derive(Debug)]
enum State {
    /// No head yet.
    Waiting(Reply),
    /// The head is known; no body call yet.
    Head(Parts, Framing, Reply),
    /// A small body of known length being gathered into one buffer.
    Gathering(Parts, Vec<u8>, Reply),
    /// The head went out with a channel body; chunks follow.
    Streaming(Sender),
    /// Complete, aborted, or the client is gone.
    Done,
}

/// The output of one request.
#[derive(Debug)]
pub(crate) struct HyperOutput<'s> {
    shared: &'s Shared,
    state: State,
    /// HTTP/1 (the connection closes after a refused body).
    http1: bool,
    failure: Arc<OnceLock<InputFailure>>,
}

fn gone(e: SendError) -> io::Error {
    let kind = match e {
        SendError::Gone => io::ErrorKind::BrokenPipe,
        SendError::TimedOut => io::ErrorKind::TimedOut,
    };
    io::Error::new(kind, e)
}

fn client_gone() -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, "the client went away")
}

impl<'s> HyperOutput<'s> {
    pub(crate) fn new(
        shared: &'s Shared,
        reply: Reply,
        http1: bool,
        failure: Arc<OnceLock<InputFailure>>,
    ) -> Self {
        HyperOutput {
            shared,
            state: State::Waiting(reply),
            http1,
            failure,
        }
    }

    /// The hyper head of `head`, with `Server` and the Content-Length the
    /// gateway computed.
    fn parts(&self, head: &ResponseHead<'_>) -> io::Result<Parts> {
        let bad = |what: String| io::Error::new(io::ErrorKind::InvalidData, what);
        let (mut parts, ()) = Response::new(()).into_parts();
        parts.status =
            StatusCode::from_u16(head.code).map_err(|_| bad(format!("status {}", head.code)))?;
        let reason = head.status.get(4..).unwrap_or("");
        if parts.status.canonical_reason() != Some(reason) {
            if let Ok(phrase) = ReasonPhrase::try_from(reason.as_bytes().to_vec()) {
                parts.extensions.insert(phrase);
            }
        }
        let map = &mut parts.headers;
        map.reserve(head.headers.len() + 2);
        for (name, value) in head.headers.iter() {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| bad(format!("header name {name:?}")))?;
            let value = HeaderValue::from_bytes(value.as_bytes())
                .map_err(|_| bad(format!("header value {value:?}")))?;
            map.append(name, value);
        }
        if let Some(length) = head.computed_length {
            map.insert(CONTENT_LENGTH, HeaderValue::from(length));
        }
        if !map.contains_key(SERVER) {
            if let Ok(server) = HeaderValue::from_str(self.shared.config.server_software) {
                map.insert(SERVER, server);
            }
        }
        // A refused request body (413, 400): the connection closes (HTTP-018).
        let refused = matches!(self.failure.get(), Some(InputFailure::Refused { .. }));
        if self.http1 && refused {
            map.insert(CONNECTION, HeaderValue::from_static("close"));
        }
        Ok(parts)
    }

    /// Sends the head with `body`.
    fn reply(parts: Parts, body: ResponseBody, reply: Reply) -> io::Result<()> {
        reply
            .send(Response::from_parts(parts, body))
            .map_err(|_| client_gone())
    }

    /// Sends the head with a channel body, then `pending` bytes through it.
    fn stream(&mut self, parts: Parts, reply: Reply, pending: Vec<u8>) -> io::Result<()> {
        let config = &self.shared.config;
        let (mut sender, body) = output::channel(
            config.response_buffer_bytes,
            config.send_timeout,
            self.shared.handle.clone(),
        );
        Self::reply(parts, body, reply)?;
        if !pending.is_empty() {
            sender.send(Bytes::from(pending)).map_err(gone)?;
        }
        self.state = State::Streaming(sender);
        Ok(())
    }
}

impl Output for HyperOutput<'_> {
    /// hyper frames every body itself (chunked on HTTP/1.1, close on
    /// HTTP/1.0, DATA frames on HTTP/2).
    fn delimiting(&self) -> Delimiting {
        Delimiting::Engine
    }

    fn send_head(&mut self, head: &ResponseHead<'_>) -> io::Result<()> {
        let State::Waiting(reply) = std::mem::replace(&mut self.state, State::Done) else {
            return Err(io::Error::other("a second head"));
        };
        let parts = self.parts(head)?;
        if head.framing == Framing::NoBody {
            return Self::reply(parts, ResponseBody::empty(), reply);
        }
        self.state = State::Head(parts, head.framing, reply);
        Ok(())
    }

    fn send_data(&mut self, data: &[u8]) -> io::Result<()> {
        let limit = self.shared.config.response_buffer_bytes as u64;
        match std::mem::replace(&mut self.state, State::Done) {
            State::Head(parts, Framing::Length(n), reply) if n <= limit => {
                let mut buf = Vec::with_capacity(usize::try_from(n).unwrap_or(0));
                buf.extend_from_slice(data);
                self.state = State::Gathering(parts, buf, reply);
                Ok(())
            }
            State::Head(parts, _, reply) => self.stream(parts, reply, data.to_vec()),
            State::Gathering(parts, mut buf, reply) => {
                buf.extend_from_slice(data);
                self.state = State::Gathering(parts, buf, reply);
                Ok(())
            }
            State::Streaming(mut sender) => {
                sender.send(Bytes::copy_from_slice(data)).map_err(gone)?;
                self.state = State::Streaming(sender);
                Ok(())
            }
            State::Waiting(_) | State::Done => Err(client_gone()),
        }
    }

    /// After `write` (START-010): what is gathered goes out now.
    fn flush(&mut self) -> io::Result<()> {
        match std::mem::replace(&mut self.state, State::Done) {
            State::Gathering(parts, buf, reply) => self.stream(parts, reply, buf),
            other => {
                self.state = other;
                Ok(())
            }
        }
    }

    /// The async side reads the file (through a duplicate of its
    /// descriptor): this thread is free as soon as the head is handed over.
    fn send_file(&mut self, file: &mut File, len: u64) -> io::Result<u64> {
        match std::mem::replace(&mut self.state, State::Done) {
            State::Head(parts, _, reply) => {
                let block = 64 * 1024;
                let body = ResponseBody::file(file.try_clone()?, Some(len), block);
                Self::reply(parts, body, reply)?;
                Ok(len)
            }
            other => {
                // Bytes were already sent another way: read it here.
                self.state = other;
                let mut sent = 0;
                let mut buf = vec![0; 64 * 1024];
                while sent < len {
                    let want = usize::try_from(len - sent)
                        .unwrap_or(usize::MAX)
                        .min(buf.len());
                    let n = io::Read::read(file, &mut buf[..want])?;
                    if n == 0 {
                        break;
                    }
                    self.send_data(&buf[..n])?;
                    sent += n as u64;
                }
                Ok(sent)
            }
        }
    }

    fn finish(&mut self) -> io::Result<()> {
        match std::mem::replace(&mut self.state, State::Done) {
            State::Head(parts, _, reply) => Self::reply(parts, ResponseBody::empty(), reply),
            State::Gathering(parts, buf, reply) => {
                Self::reply(parts, ResponseBody::full(Bytes::from(buf)), reply)
            }
            State::Streaming(sender) => {
                sender.finish();
                Ok(())
            }
            State::Waiting(_) | State::Done => Ok(()),
        }
    }

    /// HTTP/1 closes the connection without the body's end, HTTP/2 resets
    /// the stream: the client sees the response is incomplete (SRV-003).
    fn abort(&mut self) {
        let pending = match std::mem::replace(&mut self.state, State::Done) {
            State::Streaming(sender) => return sender.abort(),
            State::Head(parts, _, reply) => Some((parts, reply, Vec::new())),
            State::Gathering(parts, buf, reply) => Some((parts, reply, buf)),
            State::Waiting(_) | State::Done => None,
        };
        if let Some((parts, reply, buf)) = pending {
            if self.stream(parts, reply, buf).is_ok() {
                if let State::Streaming(sender) = std::mem::replace(&mut self.state, State::Done) {
                    sender.abort();
                }
            }
        }
    }

    fn input_failure(&self) -> Option<InputFailure> {
        self.failure.get().copied()
    }
}
