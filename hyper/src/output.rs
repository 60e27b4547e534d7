//! The response body between the application's thread and the connection.
//!
//! An in-memory body goes out as one buffer; a file is read by the async
//! side ([`ResponseBody::file`]) so the application's thread is free at
//! once; a streamed body goes through a channel bounded in **bytes**
//! ([`channel`]): the sending thread waits for room, so a slow client slows
//! the application and never grows the server's memory, and a send
//! timeout gives the thread back. When the client goes away the channel
//! closes, the next send fails, and the caller stops iterating the body.

use std::fmt;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body as HttpBody, Frame, SizeHint};
use tokio::io::AsyncRead;
use tokio::runtime::Handle;
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};

/// The largest piece one message carries; bigger chunks are split.
const PIECE: usize = 64 * 1024;

/// Why a response body ended early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SendError {
    /// The client went away (or the connection was closed).
    Gone,
    /// The client read nothing for the send timeout.
    TimedOut,
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SendError::Gone => "the client went away",
            SendError::TimedOut => "the client read nothing within the send timeout",
        })
    }
}

impl std::error::Error for SendError {}

/// A message of the channel.
enum Msg {
    Data(Bytes, OwnedSemaphorePermit),
    /// The body is complete.
    End,
    /// The body failed: the connection must not make it look complete.
    Abort,
}

/// The application thread's end of a streamed body.
pub(crate) struct Sender {
    tx: mpsc::UnboundedSender<Msg>,
    room: Arc<Semaphore>,
    capacity: usize,
    timeout: Duration,
    handle: Handle,
}

impl fmt::Debug for Sender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("room", &self.room.available_permits())
            .finish()
    }
}

/// A body channel holding at most `capacity` bytes in flight.
pub(crate) fn channel(
    capacity: usize,
    timeout: Duration,
    handle: Handle,
) -> (Sender, ResponseBody) {
    let capacity = capacity.clamp(1, Semaphore::MAX_PERMITS);
    let (tx, rx) = mpsc::unbounded_channel();
    let room = Arc::new(Semaphore::new(capacity));
    let sender = Sender {
        tx,
        room: Arc::clone(&room),
        capacity,
        timeout,
        handle,
    };
    let body = ResponseBody(Kind::Channel {
        rx,
        room,
        state: ChannelState::Open,
    });
    (sender, body)
}

impl Sender {
    /// Sends `data`, waiting (up to the send timeout per piece) for room.
    pub(crate) fn send(&mut self, data: Bytes) -> Result<(), SendError> {
        let mut data = data;
        while !data.is_empty() {
            let piece = data.split_to(data.len().min(PIECE).min(self.capacity));
            let want = u32::try_from(piece.len()).unwrap_or(u32::MAX);
            let room = Arc::clone(&self.room);
            let timeout = self.timeout;
            let permit = self.handle.block_on(async move {
                tokio::time::timeout(timeout, room.acquire_many_owned(want)).await
            });
            let permit = match permit {
                Err(_) => return Err(SendError::TimedOut),
                Ok(Err(_closed)) => return Err(SendError::Gone),
                Ok(Ok(permit)) => permit,
            };
            self.tx
                .send(Msg::Data(piece, permit))
                .map_err(|_| SendError::Gone)?;
        }
        Ok(())
    }

    /// Ends the body normally.
    pub(crate) fn finish(self) {
        let _ = self.tx.send(Msg::End);
    }

    /// Ends the body as failed: HTTP/1 closes the connection without the
    /// final chunk, HTTP/2 resets the stream.
    pub(crate) fn abort(self) {
        let _ = self.tx.send(Msg::Abort);
    }
}

/// Whether the channel body still expects messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChannelState {
    Open,
    Done,
}

/// A response body as hyper sends it.
pub struct ResponseBody(Kind);

enum Kind {
    Empty,
    Full(Option<Bytes>),
    Channel {
        rx: mpsc::UnboundedReceiver<Msg>,
        room: Arc<Semaphore>,
        state: ChannelState,
    },
    File {
        file: tokio::fs::File,
        left: Option<u64>,
        buf: Box<[u8]>,
    },
}

impl fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.0 {
            Kind::Empty => "empty",
            Kind::Full(_) => "full",
            Kind::Channel { .. } => "channel",
            Kind::File { .. } => "file",
        };
        f.debug_tuple("ResponseBody").field(&kind).finish()
    }
}

impl ResponseBody {
    /// No body.
    pub(crate) fn empty() -> Self {
        ResponseBody(Kind::Empty)
    }

    /// One buffer.
    pub(crate) fn full(data: Bytes) -> Self {
        ResponseBody(Kind::Full(Some(data).filter(|d| !d.is_empty())))
    }

    /// A file read on the async side, `len` bytes from its current
    /// position (to its end when `None`).
    pub(crate) fn file(file: std::fs::File, len: Option<u64>, block: usize) -> Self {
        ResponseBody(Kind::File {
            file: tokio::fs::File::from_std(file),
            left: len,
            buf: vec![0; block.clamp(4096, 1 << 20)].into_boxed_slice(),
        })
    }
}

impl Drop for ResponseBody {
    fn drop(&mut self) {
        // Wakes a sender waiting for room: the client is gone.
        if let Kind::Channel { room, .. } = &self.0 {
            room.close();
        }
    }
}

impl HttpBody for ResponseBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match &mut self.get_mut().0 {
            Kind::Empty => Poll::Ready(None),
            Kind::Full(data) => Poll::Ready(data.take().map(|d| Ok(Frame::data(d)))),
            Kind::Channel { rx, state, .. } => poll_channel(rx, state, cx),
            Kind::File {
                file, left, buf, ..
            } => poll_file(file, left, buf, cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.0 {
            Kind::Empty => true,
            Kind::Full(data) => data.is_none(),
            Kind::Channel { state, .. } => *state == ChannelState::Done,
            Kind::File { left, .. } => *left == Some(0),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.0 {
            Kind::Empty => SizeHint::with_exact(0),
            Kind::Full(data) => SizeHint::with_exact(data.as_ref().map_or(0, |d| d.len() as u64)),
            _ => SizeHint::default(),
        }
    }
}

fn poll_channel(
    rx: &mut mpsc::UnboundedReceiver<Msg>,
    state: &mut ChannelState,
    cx: &mut Context<'_>,
) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
    if *state == ChannelState::Done {
        return Poll::Ready(None);
    }
    match rx.poll_recv(cx) {
        Poll::Pending => Poll::Pending,
        // The permit is released here: hyper now holds the bytes.
        Poll::Ready(Some(Msg::Data(data, _permit))) => Poll::Ready(Some(Ok(Frame::data(data)))),
        Poll::Ready(Some(Msg::End)) => {
            *state = ChannelState::Done;
            Poll::Ready(None)
        }
        // A sender dropped without End (a panic) is an abort too.
        Poll::Ready(Some(Msg::Abort)) | Poll::Ready(None) => {
            *state = ChannelState::Done;
            Poll::Ready(Some(Err(io::Error::other("the response body failed"))))
        }
    }
}

fn poll_file(
    file: &mut tokio::fs::File,
    left: &mut Option<u64>,
    buf: &mut [u8],
    cx: &mut Context<'_>,
) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
    if *left == Some(0) {
        return Poll::Ready(None);
    }
    let want = left.map_or(buf.len(), |l| {
        buf.len().min(usize::try_from(l).unwrap_or(usize::MAX))
    });
    let mut read_buf = tokio::io::ReadBuf::new(&mut buf[..want]);
    match Pin::new(file).poll_read(cx, &mut read_buf) {
        Poll::Pending => Poll::Pending,
        Poll::Ready(Err(e)) => Poll::Ready(Some(Err(e))),
        Poll::Ready(Ok(())) => {
            let n = read_buf.filled().len();
            if n == 0 {
                return match left {
                    // The file is shorter than the length promised.
                    Some(_) => Poll::Ready(Some(Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the file ended before its announced length",
                    )))),
                    None => Poll::Ready(None),
                };
            }
            if let Some(l) = left {
                *l -= n as u64;
            }
            Poll::Ready(Some(Ok(Frame::data(Bytes::copy_from_slice(
                read_buf.filled(),
            )))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn the_channel_holds_at_most_its_capacity_in_bytes() {
        let rt = runtime();
        let (mut tx, mut body) = channel(1000, Duration::from_millis(50), rt.handle().clone());
        // 1000 bytes fit; the next byte waits for room and times out.
        tx.send(Bytes::from(vec![1; 1000])).unwrap();
        assert_eq!(tx.send(Bytes::from_static(b"x")), Err(SendError::TimedOut));
        // Reading a frame frees its bytes.
        let frame = rt.block_on(body.frame()).unwrap().unwrap();
        assert_eq!(frame.into_data().unwrap().len(), 1000);
        tx.send(Bytes::from_static(b"y")).unwrap();
        tx.finish();
        let frame = rt.block_on(body.frame()).unwrap().unwrap();
        assert_eq!(frame.into_data().unwrap(), "y");
        assert!(rt.block_on(body.frame()).is_none());
    }

    #[test]
    fn a_dropped_body_wakes_the_sender_and_fails_it() {
        let rt = runtime();
        let (mut tx, body) = channel(10, Duration::from_secs(30), rt.handle().clone());
        tx.send(Bytes::from_static(b"0123456789")).unwrap();
        let dropper = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            drop(body);
        });
        // Waits for room, then learns the client is gone (not the timeout).
        assert_eq!(tx.send(Bytes::from_static(b"more")), Err(SendError::Gone));
        dropper.join().unwrap();
    }

    #[test]
    fn an_abort_or_a_lost_sender_is_an_error_not_an_end() {
        let rt = runtime();
        let (tx, mut body) = channel(10, Duration::from_secs(1), rt.handle().clone());
        tx.abort();
        assert!(rt.block_on(body.frame()).unwrap().is_err());
        let (tx, mut body) = channel(10, Duration::from_secs(1), rt.handle().clone());
        drop(tx);
        assert!(rt.block_on(body.frame()).unwrap().is_err());
    }

    #[test]
    fn big_chunks_are_split_into_pieces() {
        let rt = runtime();
        let (mut tx, mut body) = channel(1 << 20, Duration::from_secs(1), rt.handle().clone());
        tx.send(Bytes::from(vec![7; 3 * PIECE + 1])).unwrap();
        tx.finish();
        let mut sizes = Vec::new();
        while let Some(frame) = rt.block_on(body.frame()) {
            sizes.push(frame.unwrap().into_data().unwrap().len());
        }
        assert_eq!(sizes, [PIECE, PIECE, PIECE, 1]);
    }
}
