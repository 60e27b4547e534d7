//! A streamed response written in parts ([`Response::stream`]): a producer
//! on its own thread writes into a bounded queue that the server drains as
//! the client reads.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};

use rgi::Body;

use crate::Response;

/// How many written parts may wait for a slow client before
/// [`StreamWriter::write`] blocks.
pub const STREAM_QUEUE: usize = 8;

/// The client is gone: the server stopped sending the response (it dropped
/// the body), so nothing written now reaches anyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Aborted;

impl std::fmt::Display for Aborted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the client went away before the response was complete")
    }
}

impl std::error::Error for Aborted {}

enum Part {
    Data(Vec<u8>),
    End,
}

type AbortHook = Box<dyn FnOnce() + Send>;

/// What the writer and the body share.
#[derive(Default)]
struct Shared {
    aborted: AtomicBool,
    hooks: Mutex<Vec<AbortHook>>,
}

impl Shared {
    fn abort(&self) {
        if !self.aborted.swap(true, Ordering::SeqCst) {
            let hooks = std::mem::take(&mut *self.hooks.lock().unwrap_or_else(|e| e.into_inner()));
            for hook in hooks {
                hook();
            }
        }
    }
}

/// The writing end of a streamed response (socketify's `res.write(...)`,
/// `res.end(...)`, `res.aborted`, `res.on_aborted(...)`).
///
/// [`write`](Self::write) queues a part; at most [`STREAM_QUEUE`] parts wait
/// for the client, after which `write` blocks until the client has read some
/// (so a slow client slows the producer down instead of filling memory).
/// [`end`](Self::end) completes the response. Dropping the writer without
/// `end` (an early return, a panic) aborts the response: the client sees a
/// truncated message, never a complete-looking one.
///
/// When the client goes away, the server drops the body: from then on
/// `write` and `end` return [`Aborted`], [`aborted`](Self::aborted) is true
/// and the [`on_aborted`](Self::on_aborted) callbacks have run.
pub struct StreamWriter {
    tx: Option<SyncSender<Part>>,
    shared: Arc<Shared>,
}

impl StreamWriter {
    /// Queues `data` (blocking while the queue is full).
    pub fn write(&mut self, data: impl Into<Vec<u8>>) -> Result<(), Aborted> {
        self.send(Part::Data(data.into()))
    }

    /// Queues `data` as the last part and completes the response.
    pub fn end(mut self, data: impl Into<Vec<u8>>) -> Result<(), Aborted> {
        let data = data.into();
        if !data.is_empty() {
            self.send(Part::Data(data))?;
        }
        self.send(Part::End)?;
        self.tx = None;
        Ok(())
    }

    /// True once the client went away.
    pub fn aborted(&self) -> bool {
        self.shared.aborted.load(Ordering::SeqCst)
    }

    /// Runs `hook` when the client goes away (at once if it already has).
    /// It runs on the server's thread: keep it short (set a flag, cancel a
    /// job).
    pub fn on_aborted(&mut self, hook: impl FnOnce() + Send + 'static) {
        let mut hooks = self.shared.hooks.lock().unwrap_or_else(|e| e.into_inner());
        if self.aborted() {
            drop(hooks);
            hook();
        } else {
            hooks.push(Box::new(hook));
        }
    }

    fn send(&mut self, part: Part) -> Result<(), Aborted> {
        let tx = self.tx.as_ref().ok_or(Aborted)?;
        tx.send(part).map_err(|_| {
            self.shared.abort();
            Aborted
        })
    }
}

impl std::fmt::Debug for StreamWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamWriter")
            .field("aborted", &self.aborted())
            .finish_non_exhaustive()
    }
}

type Producer = Box<dyn FnOnce(StreamWriter) + Send>;

/// The body side: starts the producer on the first pull, then yields what
/// it writes.
enum StreamState {
    NotStarted(Producer),
    Running(Receiver<Part>),
    Ended,
}

struct StreamBody {
    state: StreamState,
    shared: Arc<Shared>,
}

impl Iterator for StreamBody {
    type Item = io::Result<Vec<u8>>;

    fn next(&mut self) -> Option<Self::Item> {
        if let StreamState::NotStarted(_) = self.state {
            self.start();
        }
        let StreamState::Running(rx) = &self.state else {
            return None;
        };
        match rx.recv() {
            Ok(Part::Data(data)) => Some(Ok(data)),
            Ok(Part::End) => {
                self.state = StreamState::Ended;
                None
            }
            Err(_) => {
                self.state = StreamState::Ended;
                Some(Err(io::Error::other(
                    "the stream producer stopped without calling end() (it returned early or panicked)",
                )))
            }
        }
    }
}

impl StreamBody {
    fn start(&mut self) {
        let StreamState::NotStarted(producer) =
            std::mem::replace(&mut self.state, StreamState::Ended)
        else {
            return;
        };
        let (tx, rx) = sync_channel(STREAM_QUEUE);
        let writer = StreamWriter {
            tx: Some(tx),
            shared: self.shared.clone(),
        };
        let spawned = std::thread::Builder::new()
            .name("rgi-web-stream".to_owned())
            .spawn(move || producer(writer));
        if spawned.is_ok() {
            self.state = StreamState::Running(rx);
        }
        // If no thread could be started, the receiver is dropped here and
        // the next pull ends the body as truncated (state Running is not
        // set, so `next` returns None; the server sees a short body).
    }
}

impl Drop for StreamBody {
    fn drop(&mut self) {
        // Dropped while the producer still runs: the client is gone (or the
        // server gave up). Tell the producer.
        if let StreamState::Running(_) = self.state {
            self.shared.abort();
        }
    }
}

impl Response {
    /// A `200 OK` response whose body `produce` writes in parts, on its own
    /// thread, once the server starts sending (not at all for `HEAD`).
    /// Set the content type as for any response.
    ///
    /// ```
    /// use rgi_web::{App, Response};
    ///
    /// let app = App::new().get("/", || {
    ///     Response::stream(|mut res| {
    ///         for part in ["I can", " send ", "messages"] {
    ///             if res.write(part).is_err() {
    ///                 return; // the client went away
    ///             }
    ///         }
    ///         let _ = res.end(" in parts!");
    ///     })
    ///     .content_type("text/plain")
    /// });
    /// let client = rgi::test::TestClient::new(app);
    /// assert_eq!(client.get("/").text(), "I can send messages in parts!");
    /// ```
    pub fn stream(produce: impl FnOnce(StreamWriter) + Send + 'static) -> Response {
        let body = StreamBody {
            state: StreamState::NotStarted(Box::new(produce)),
            shared: Arc::default(),
        };
        Response::new(Body::stream(body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::channel;

    fn body_of(res: Response) -> Body {
        res.into_parts().2
    }

    #[test]
    fn parts_arrive_in_order_then_end() {
        let mut body = body_of(Response::stream(|mut w| {
            w.write("a").unwrap();
            w.write(b"b".to_vec()).unwrap();
            w.end("c").unwrap();
        }));
        assert_eq!(body.known_length(), None);
        let mut got = Vec::new();
        while let Some(chunk) = body.next_chunk() {
            got.extend_from_slice(&chunk.unwrap());
        }
        assert_eq!(got, b"abc");
    }

    #[test]
    fn a_writer_dropped_without_end_truncates() {
        let mut body = body_of(Response::stream(|mut w| {
            w.write("partial").unwrap();
        }));
        assert_eq!(body.next_chunk().unwrap().unwrap().as_ref(), b"partial");
        assert!(body.next_chunk().unwrap().is_err());
        assert!(body.next_chunk().is_none());
    }

    #[test]
    fn dropping_the_body_aborts_the_writer() {
        let (started_tx, started_rx) = channel();
        let (done_tx, done_rx) = channel();
        let mut body = body_of(Response::stream(move |mut w| {
            let (hook_tx, hook_rx) = channel();
            w.on_aborted(move || hook_tx.send(()).unwrap());
            w.write("first").unwrap();
            started_tx.send(()).unwrap();
            // Write until the client (the dropped body) is gone: the queue is
            // bounded, so this ends with Aborted rather than filling memory.
            let mut written = 0usize;
            while w.write(vec![0u8; 1024]).is_ok() {
                written += 1;
                assert!(written < 10_000, "the queue is not bounded");
            }
            assert!(w.aborted());
            hook_rx.recv().unwrap();
            let late = Arc::new(AtomicBool::new(false));
            let flag = late.clone();
            w.on_aborted(move || flag.store(true, Ordering::SeqCst));
            assert!(
                late.load(Ordering::SeqCst),
                "a hook added after the abort runs at once"
            );
            done_tx.send(written).unwrap();
        }));
        assert_eq!(body.next_chunk().unwrap().unwrap().as_ref(), b"first");
        started_rx.recv().unwrap();
        drop(body);
        let written = done_rx.recv().unwrap();
        assert!(written <= STREAM_QUEUE + 1, "{written} parts queued");
    }

    #[test]
    fn an_unpulled_stream_never_starts() {
        let (tx, rx) = channel::<()>();
        let body = body_of(Response::stream(move |_w| {
            tx.send(()).unwrap();
        }));
        drop(body);
        assert!(rx.recv().is_err(), "the producer ran");
    }
}
