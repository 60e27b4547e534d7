//! The connection's byte plumbing: the stream, its read and write buffers,
//! timeouts, and the request body reader that the application's input
//! stream and the keep-alive loop share.

use std::fs::File;
use std::io::{self, BufRead, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::decode::{ChunkLimits, ChunkedDecoder};
use super::head::{Framing, Reject};
use super::Config;
use crate::gateway::InputFailure;

/// A byte stream the server can serve: anything `Read + Write`, plus
/// optional timeouts. In-memory streams have none (the default methods);
/// TCP sockets implement them with socket options.
pub(crate) trait Stream: Read + Write + Send + 'static {
    /// Sets the read timeout (`None`: block forever).
    fn set_read_timeout(&mut self, _timeout: Option<Duration>) -> io::Result<()> {
        Ok(())
    }
    /// Sets the write timeout.
    fn set_write_timeout(&mut self, _timeout: Option<Duration>) -> io::Result<()> {
        Ok(())
    }
    /// Sends `len` bytes of `file` from its current position; returns how
    /// many were sent (fewer: the file ended early).
    ///
    /// std's `io::copy` does not use `sendfile` from a file to a socket
    /// (the file could change while its pages sit in the socket buffer), and
    /// calling it ourselves would need `unsafe`; so large blocks (256 KiB)
    /// keep the system calls few: over 1 GiB/s on loopback.
    fn send_file(&mut self, file: &mut File, len: u64) -> io::Result<u64> {
        crate::gateway::copy_file(file, len, 256 * 1024, |block| self.write_all(block))
    }
    /// Closes the write side after the last response (TCP: FIN, so that
    /// the client sees the end of a close-delimited response).
    fn close_write(&mut self) {}
    /// True if reads can time out (only then may the server wait for the
    /// client at close).
    fn has_timeouts(&self) -> bool {
        false
    }
    /// True if the connection can be handed to an application after a 101
    /// (spec section 12): a socket, not an in-memory stream.
    fn can_take_over(&self) -> bool {
        false
    }
    /// The connection for an upgrade handler (UPG-007).
    fn take_over(&mut self) -> io::Result<Box<dyn crate::upgrade::Socket>> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "this connection cannot be handed over (UPG-001)",
        ))
    }
}

/// Any `Read + Write` stream without timeouts (the socket-free seam).
#[derive(Debug)]
pub(crate) struct Plain<S>(pub S);

impl<S: Read> Read for Plain<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}
impl<S: Write> Write for Plain<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.0.write_vectored(bufs)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}
impl<S: Read + Write + Send + 'static> Stream for Plain<S> {}

/// A TCP connection shared (through the `Arc`) with the server's connection
/// registry, which may shut it down from another thread (idle eviction,
/// graceful shutdown).
#[derive(Debug)]
pub(crate) struct Tcp(pub Arc<TcpStream>);

impl Read for Tcp {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        (&*self.0).read(buf)
    }
}
impl Write for Tcp {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        (&*self.0).write(buf)
    }
    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        (&*self.0).write_vectored(bufs)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
impl Stream for Tcp {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.0.set_read_timeout(timeout)
    }
    fn set_write_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.0.set_write_timeout(timeout)
    }
    fn close_write(&mut self) {
        let _ = self.0.shutdown(Shutdown::Write);
    }
    fn has_timeouts(&self) -> bool {
        true
    }
    fn can_take_over(&self) -> bool {
        true
    }
    /// A second handle on the same socket: the registry's handle still
    /// shuts it down at shutdown (UPG-011).
    fn take_over(&mut self) -> io::Result<Box<dyn crate::upgrade::Socket>> {
        Ok(Box::new(self.0.try_clone()?))
    }
}

/// The state of the current request's body.
#[derive(Debug)]
pub(crate) enum BodyState {
    /// `Content-Length` body with this many bytes left.
    Length(u64),
    /// Chunked body.
    Chunked(Box<ChunkedDecoder>),
}

/// The error for reads of an input stream whose request is over (INPUT-007).
fn request_over() -> io::Error {
    io::Error::other("the request is over: its input stream can no longer be read (INPUT-007)")
}

/// The read error for a body the server refused: INPUT-003 names
/// `InvalidData`, carrying [`crate::Error::BodyTooLarge`] when the body
/// passed the server's limit (HTTP-018).
fn body_error(reject: Reject, limit: u64) -> io::Error {
    if reject.status == 413 {
        io::Error::new(
            io::ErrorKind::InvalidData,
            crate::Error::BodyTooLarge { limit },
        )
    } else {
        io::Error::new(io::ErrorKind::InvalidData, reject.reason)
    }
}

/// Locks, ignoring poisoning (no code runs under this lock that could leave
/// the transport inconsistent: application code never does).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The stream plus buffers. Shared (behind a mutex) by the keep-alive loop,
/// the application's input stream and its `start_response`.
#[derive(Debug)]
pub(crate) struct Transport<S> {
    pub stream: S,
    /// Read buffer: `rbuf[start..end]` holds unread bytes.
    pub rbuf: Vec<u8>,
    pub start: usize,
    pub end: usize,
    /// Bytes waiting to be written (flushed before every blocking read).
    pub wbuf: Vec<u8>,
    read_timeout: Option<Duration>,
    /// Request sequence number; input handles of older requests fail.
    pub seq: u64,
    pub body: BodyState,
    /// The client expects `100 Continue` before sending the body.
    pub continue_pending: bool,
    /// The final response head was queued (no 100 Continue after it).
    pub response_started: bool,
    /// A framing error seen while reading the body (answer: its status).
    pub body_error: Option<Reject>,
    /// The connection cannot be reused (I/O error, framing error, timeout).
    pub broken: bool,
    /// The client closed its side (a read returned 0).
    pub peer_closed: bool,
    /// A write failed: nothing more can be sent (START-015).
    pub write_failed: bool,
    /// Reading the current request's body failed on the client's side.
    pub input_failure: Option<InputFailure>,
    pub config: Config,
}

impl<S: Stream> Transport<S> {
    pub fn new(stream: S, config: Config) -> Self {
        Transport {
            stream,
            rbuf: Vec::new(),
            start: 0,
            end: 0,
            wbuf: Vec::new(),
            read_timeout: None,
            seq: 0,
            body: BodyState::Length(0),
            continue_pending: false,
            response_started: false,
            body_error: None,
            input_failure: None,
            broken: false,
            peer_closed: false,
            write_failed: false,
            config,
        }
    }

    /// The unread bytes.
    pub fn buffered(&self) -> &[u8] {
        &self.rbuf[self.start..self.end]
    }

    /// Marks `n` buffered bytes as read.
    pub fn consume(&mut self, n: usize) {
        self.start += n;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Sets the read timeout if it differs from the current one.
    pub fn read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        if self.read_timeout != timeout {
            self.stream.set_read_timeout(timeout)?;
            self.read_timeout = timeout;
        }
        Ok(())
    }

    /// Writes out everything buffered for writing.
    pub fn flush(&mut self) -> io::Result<()> {
        if !self.wbuf.is_empty() {
            let result = self.stream.write_all(&self.wbuf);
            self.wbuf.clear();
            if result.is_err() {
                self.broken = true;
                self.write_failed = true;
            }
            result?;
            self.stream.flush()?;
        }
        Ok(())
    }

    /// Writes the buffered bytes and then `data`, with as few system calls
    /// as possible (one `writev` usually).
    pub fn write_through(&mut self, mut data: &[u8]) -> io::Result<()> {
        let result = (|| {
            let mut head = &self.wbuf[..];
            while !head.is_empty() || !data.is_empty() {
                let n = self
                    .stream
                    .write_vectored(&[io::IoSlice::new(head), io::IoSlice::new(data)])?;
                if n == 0 {
                    return Err(io::Error::from(io::ErrorKind::WriteZero));
                }
                let from_head = n.min(head.len());
                head = &head[from_head..];
                data = &data[n - from_head..];
            }
            Ok(())
        })();
        self.wbuf.clear();
        if result.is_err() {
            self.broken = true;
            self.write_failed = true;
        }
        result
    }

    /// Queues `data` for writing; large data goes out at once.
    pub fn write_data(&mut self, data: &[u8]) -> io::Result<()> {
        if self.wbuf.len() + data.len() <= 16 * 1024 {
            self.wbuf.extend_from_slice(data);
            Ok(())
        } else {
            self.write_through(data)
        }
    }

    /// Reads more bytes into the read buffer (flushing pending output
    /// first: we never block on a read with a response unsent). Returns the
    /// number of new bytes; 0 at end of stream. Grows the buffer up to
    /// `max` bytes of unread data.
    pub fn fill(&mut self, max: usize) -> io::Result<usize> {
        self.flush()?;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        if self.end == self.rbuf.len() {
            if self.start > 0 {
                self.rbuf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            } else {
                let cap = self.config.read_buffer_bytes.max(512);
                let new_len = (self.rbuf.len() * 2).clamp(cap, max.max(cap));
                if new_len <= self.rbuf.len() {
                    return Err(io::Error::other("read buffer full"));
                }
                self.rbuf.resize(new_len, 0);
            }
        }
        let n = loop {
            match self.stream.read(&mut self.rbuf[self.end..]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        match n {
            Ok(n) => {
                self.peer_closed |= n == 0;
                self.end += n;
                Ok(n)
            }
            Err(e) => {
                self.broken = true;
                Err(e)
            }
        }
    }

    /// Closes the connection in stages (HTTP-031, RFC 9112 §9.6): our side
    /// first (FIN), then reads and discards what the client still sends —
    /// the unread rest of a request body among it — until the client
    /// closes, `max_linger_bytes` were discarded or `linger_timeout` passed
    /// (HTTP-032), so that closing with unread input does not reset the
    /// connection and destroy the response before the client has read it.
    pub fn close(&mut self) {
        let _ = self.flush();
        self.stream.close_write();
        if self.peer_closed || !self.stream.has_timeouts() {
            return;
        }
        let deadline = std::time::Instant::now() + self.config.linger_timeout;
        if self.rbuf.len() < 64 * 1024 {
            self.rbuf.resize(64 * 1024, 0);
        }
        let mut discarded = 0u64;
        while discarded < self.config.max_linger_bytes {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() || self.read_timeout(Some(left)).is_err() {
                break;
            }
            match self.stream.read(&mut self.rbuf) {
                Ok(0) => break,
                Ok(n) => discarded += n as u64,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
    }

    /// Releases a large read buffer while the connection idles (keeps idle
    /// keep-alive connections small).
    pub fn shrink_idle(&mut self) {
        if self.start == self.end && self.rbuf.len() > self.config.read_buffer_bytes {
            self.rbuf = Vec::new();
            self.start = 0;
            self.end = 0;
        }
        if self.wbuf.capacity() > 64 * 1024 {
            self.wbuf = Vec::new();
        }
    }

    /// Starts a new request's body.
    pub fn begin_body(&mut self, framing: Framing, expect_continue: bool) {
        self.seq += 1;
        self.body = match framing {
            Framing::Length(n) => BodyState::Length(n),
            Framing::Chunked => BodyState::Chunked(Box::new(ChunkedDecoder::new(ChunkLimits {
                max_body: self.config.max_body_bytes,
                max_ext: self.config.max_chunk_ext_bytes,
                max_trailer: self.config.max_trailer_bytes,
            }))),
        };
        self.continue_pending = expect_continue && !self.body_done();
        self.response_started = false;
        self.body_error = None;
        self.input_failure = None;
    }

    /// Ends the request: input handles of it fail from now on.
    pub fn end_request(&mut self) {
        self.seq += 1;
    }

    /// True when the whole body was read.
    pub fn body_done(&self) -> bool {
        match &self.body {
            BodyState::Length(n) => *n == 0,
            BodyState::Chunked(dec) => dec.is_done(),
        }
    }

    /// How many body bytes are known to be left (`None`: chunked).
    pub fn body_left(&self) -> Option<u64> {
        match &self.body {
            BodyState::Length(n) => Some(*n),
            BodyState::Chunked(dec) if dec.is_done() => Some(0),
            BodyState::Chunked(_) => None,
        }
    }

    /// Reads body bytes for the application's input stream of request
    /// `seq`. Never reads past the end of the body (INPUT-001, INPUT-002).
    pub fn read_body(&mut self, seq: u64, out: &mut [u8]) -> io::Result<usize> {
        if seq != self.seq {
            return Err(request_over());
        }
        if let Some(reject) = self.body_error {
            return Err(body_error(reject, self.config.max_body_bytes));
        }
        if self.broken && !self.body_done() {
            // INPUT-003: once a read failed, later reads fail too, at once.
            return Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "the connection failed; the rest of the request body cannot be read",
            ));
        }
        if self.continue_pending {
            // HTTP-015: the interim response goes out when the application
            // first reads the body, unless the final head already went or
            // the body has started to arrive.
            self.continue_pending = false;
            if !self.response_started && self.start == self.end {
                self.wbuf
                    .extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
            }
        }
        match self.read_body_inner(out) {
            Ok(n) => Ok(n),
            Err(e) => {
                // INPUT-003, INPUT-011: the connection closes after the
                // response; a socket timeout reads as TimedOut.
                self.broken = true;
                // INPUT-013: the client's failure, told apart from the
                // application's (a refused body is `body_error`).
                let timed_out = matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                );
                self.input_failure = Some(if timed_out {
                    InputFailure::TimedOut
                } else {
                    InputFailure::Disconnected
                });
                if e.kind() == io::ErrorKind::WouldBlock {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "timed out waiting for the request body (HTTP-028)",
                    ));
                }
                Err(e)
            }
        }
    }

    /// Reads body bytes straight from the socket into `out` (nothing is
    /// buffered), after flushing pending output (a 100 Continue); EOF before
    /// the body's end is an error.
    fn read_direct(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.flush()?;
        self.read_timeout(Some(self.config.body_timeout))?;
        match read_retry(&mut self.stream, out)? {
            0 => Err(truncated()),
            n => Ok(n),
        }
    }

    fn read_body_inner(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        let body_timeout = Some(self.config.body_timeout);
        loop {
            match &mut self.body {
                BodyState::Length(0) => return Ok(0),
                BodyState::Length(left) => {
                    let want = usize::try_from(*left).unwrap_or(usize::MAX).min(out.len());
                    if self.start < self.end {
                        let n = want.min(self.end - self.start);
                        out[..n].copy_from_slice(&self.rbuf[self.start..self.start + n]);
                        *left -= n as u64;
                        self.consume(n);
                        return Ok(n);
                    }
                    if want >= 4096 {
                        // Big reads go straight into the caller's buffer.
                        let n = self.read_direct(&mut out[..want])?;
                        if let BodyState::Length(left) = &mut self.body {
                            *left -= n as u64;
                        }
                        return Ok(n);
                    }
                }
                BodyState::Chunked(dec) => {
                    if dec.is_done() {
                        return Ok(0);
                    }
                    if self.start < self.end {
                        match dec.decode(&self.rbuf[self.start..self.end], out) {
                            Ok((used, produced)) => {
                                let done = dec.is_done();
                                self.consume(used);
                                if produced > 0 || done {
                                    return Ok(produced);
                                }
                                if used > 0 {
                                    continue;
                                }
                            }
                            Err(reject) => {
                                self.body_error = Some(reject);
                                return Err(body_error(reject, self.config.max_body_bytes));
                            }
                        }
                    } else if let Some(left) = dec.data_remaining() {
                        let want = usize::try_from(left).unwrap_or(usize::MAX).min(out.len());
                        if want >= 4096 {
                            let n = self.read_direct(&mut out[..want])?;
                            if let BodyState::Chunked(dec) = &mut self.body {
                                dec.consume_data(n as u64);
                            }
                            return Ok(n);
                        }
                    }
                }
            }
            // Need more bytes in the buffer.
            self.read_timeout(body_timeout)?;
            let max = self.config.read_buffer_bytes.max(4096);
            if self.fill(max)? == 0 {
                return Err(truncated());
            }
        }
    }

    /// After the response: reads and discards what is left of the body, up
    /// to the drain cap. True if the body was consumed entirely, so the
    /// connection can carry another request (INPUT-010).
    pub fn drain(&mut self) -> bool {
        if self.broken || self.body_error.is_some() {
            return false;
        }
        if self.body_done() {
            return true;
        }
        if self.continue_pending {
            // The client waits for 100 Continue that will never come: it may
            // or may not send the body, so the connection cannot be reused.
            return false;
        }
        let cap = self.config.max_drain_bytes;
        if self.body_left().is_some_and(|left| left > cap) {
            return false;
        }
        self.drain_inner(cap).unwrap_or(false)
    }

    fn drain_inner(&mut self, cap: u64) -> io::Result<bool> {
        let mut drained = 0u64;
        let max = self.config.read_buffer_bytes.max(4096);
        self.read_timeout(Some(self.config.body_timeout))?;
        while !self.body_done() {
            if self.start == self.end && self.fill(max)? == 0 {
                return Ok(false);
            }
            match &mut self.body {
                BodyState::Length(left) => {
                    // Discard straight from the buffer: no copy.
                    let n =
                        (self.end - self.start).min(usize::try_from(*left).unwrap_or(usize::MAX));
                    *left -= n as u64;
                    self.consume(n);
                    drained += n as u64;
                }
                BodyState::Chunked(dec) => {
                    let mut scratch = [0u8; 512];
                    match dec.decode(&self.rbuf[self.start..self.end], &mut scratch) {
                        Ok((used, produced)) => {
                            self.consume(used);
                            drained += produced as u64;
                        }
                        Err(reject) => {
                            self.body_error = Some(reject);
                            return Ok(false);
                        }
                    }
                }
            }
            if drained > cap {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

fn truncated() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "the client closed the connection before the end of the request body",
    )
}

fn read_retry<R: Read>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match r.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// The application's input stream (`rgi.input`): the current request's body,
/// buffered, ending at the body's end; fails once the request is over.
pub(crate) struct Input<S> {
    shared: Arc<Mutex<Transport<S>>>,
    seq: u64,
    buf: Vec<u8>,
    pos: usize,
    filled: usize,
}

impl<S: Stream> Input<S> {
    pub fn new(shared: Arc<Mutex<Transport<S>>>, seq: u64) -> Self {
        Input {
            shared,
            seq,
            buf: Vec::new(),
            pos: 0,
            filled: 0,
        }
    }
}

impl<S: Stream> Read for Input<S> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.pos == self.filled && out.len() >= 8192 {
            return lock(&self.shared).read_body(self.seq, out);
        }
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<S: Stream> BufRead for Input<S> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos == self.filled {
            if self.buf.is_empty() {
                self.buf = vec![0; 8192];
            }
            let n = lock(&self.shared).read_body(self.seq, &mut self.buf)?;
            self.pos = 0;
            self.filled = n;
        }
        Ok(&self.buf[self.pos..self.filled])
    }

    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.filled);
    }
}
