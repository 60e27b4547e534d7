//! [`Body`]: the response body an application returns.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::fmt;
use std::io::{self, Read};

use crate::file_wrapper::FileWrapper;

/// One piece of a response body: borrowed for `'static` data, owned
/// otherwise.
pub type Chunk = Cow<'static, [u8]>;

/// Anything that can become a [`Chunk`]: `&'static str`, `String`,
/// `Vec<u8>`, `&'static [u8]`, `&'static [u8; N]` and `Chunk` itself.
pub trait IntoChunk {
    /// Converts into a chunk (without copying borrowed `'static` data).
    fn into_chunk(self) -> Chunk;
}
impl IntoChunk for Chunk {
    fn into_chunk(self) -> Chunk {
        self
    }
}
impl IntoChunk for &'static str {
    fn into_chunk(self) -> Chunk {
        Cow::Borrowed(self.as_bytes())
    }
}
impl IntoChunk for String {
    fn into_chunk(self) -> Chunk {
        Cow::Owned(self.into_bytes())
    }
}
impl IntoChunk for Vec<u8> {
    fn into_chunk(self) -> Chunk {
        Cow::Owned(self)
    }
}
impl IntoChunk for &'static [u8] {
    fn into_chunk(self) -> Chunk {
        Cow::Borrowed(self)
    }
}
impl<const N: usize> IntoChunk for &'static [u8; N] {
    fn into_chunk(self) -> Chunk {
        Cow::Borrowed(self)
    }
}

type Stream = Box<dyn Iterator<Item = io::Result<Chunk>> + Send>;
type CloseHook = Box<dyn FnOnce() + Send>;

/// The response body: what [`Application::call`](crate::Application::call)
/// returns after starting the response.
///
/// A body is one of:
/// * empty ([`Body::empty`]);
/// * in memory, one buffer or several (`From<String>`, `From<Vec<u8>>`,
///   `From<&'static str>`, [`Body::from_chunks`]): the length is known, so
///   the server can send `Content-Length` without buffering;
/// * a stream of chunks produced on demand ([`Body::stream`],
///   [`Body::lazy`], [`Body::reader`]): unknown length, sent as it comes
///   (BODY-002), chunked on HTTP/1.1;
/// * a file ([`Body::file`]): sent natively by servers that can.
///
/// Closing a body is dropping it. A server drops every body exactly once, on
/// every path — complete, failed or abandoned by the client (BODY-008) — and
/// [`Body::on_close`] runs code at that moment.
///
/// ```
/// use rgi::Body;
/// use std::io;
///
/// assert_eq!(Body::from("hello").known_length(), Some(5));
/// assert_eq!(Body::from_chunks(vec!["ab", "cd"]).known_length(), Some(4));
/// let streamed = Body::lazy((0..3).map(|i| format!("line {i}\n")));
/// assert_eq!(streamed.known_length(), None);
/// let all: Vec<u8> = streamed.map(|c| c.unwrap().into_owned()).flatten().collect();
/// assert_eq!(all, b"line 0\nline 1\nline 2\n");
/// ```
pub struct Body {
    kind: Kind,
    on_close: Vec<CloseHook>,
}

enum Kind {
    Empty,
    Full(Chunk),
    Chunks {
        chunks: VecDeque<Chunk>,
        len: u64,
    },
    Stream(Stream),
    File(FileWrapper),
    /// A connection takeover (spec section 12): no bytes of its own.
    Upgrade(crate::upgrade::Handler),
}

impl Body {
    /// A body with no bytes.
    pub fn empty() -> Self {
        Body::with_kind(Kind::Empty)
    }

    fn with_kind(kind: Kind) -> Self {
        Body {
            kind,
            on_close: Vec::new(),
        }
    }

    /// A body made of several in-memory chunks; the length is their sum.
    pub fn from_chunks<C: IntoChunk>(chunks: impl IntoIterator<Item = C>) -> Self {
        let chunks: VecDeque<Chunk> = chunks.into_iter().map(IntoChunk::into_chunk).collect();
        let len = chunks.iter().map(|c| c.len() as u64).sum();
        Body::with_kind(Kind::Chunks { chunks, len })
    }

    /// A streamed body of unknown length. Each item is sent as soon as it is
    /// produced; an `Err` item aborts the response (the connection is closed,
    /// so the client sees a truncated message, never a "complete" one).
    pub fn stream<I, C>(iter: I) -> Self
    where
        I: IntoIterator<Item = io::Result<C>>,
        I::IntoIter: Send + 'static,
        C: IntoChunk,
    {
        Body::with_kind(Kind::Stream(Box::new(
            iter.into_iter().map(|item| item.map(IntoChunk::into_chunk)),
        )))
    }

    /// A streamed body of unknown length whose chunks cannot fail.
    pub fn lazy<I, C>(iter: I) -> Self
    where
        I: IntoIterator<Item = C>,
        I::IntoIter: Send + 'static,
        C: IntoChunk,
    {
        Body::with_kind(Kind::Stream(Box::new(
            iter.into_iter().map(|item| Ok(item.into_chunk())),
        )))
    }

    /// A streamed body read from `reader` in blocks of 8 KiB; unknown length.
    pub fn reader(reader: impl Read + Send + 'static) -> Self {
        Body::file(FileWrapper::new(reader, 0))
    }

    /// A file body (see [`FileWrapper`]).
    pub fn file(wrapper: FileWrapper) -> Self {
        Body::with_kind(Kind::File(wrapper))
    }

    /// The body of a `101 Switching Protocols` response (UPG-002): after the
    /// server has sent the 101 head, it calls `handler` with the connection
    /// (UPG-007) and closes the connection when it returns (UPG-009). It has
    /// no bytes: an engine without the capability sees an empty body, and
    /// answers 500 for it (UPG-005). See [`crate::upgrade`].
    pub fn upgrade(
        handler: impl FnOnce(crate::upgrade::Upgraded) -> io::Result<()> + Send + 'static,
    ) -> Self {
        Body::with_kind(Kind::Upgrade(crate::upgrade::Handler::new(handler)))
    }

    /// True for a [`Body::upgrade`] body.
    pub fn is_upgrade(&self) -> bool {
        matches!(self.kind, Kind::Upgrade(_))
    }

    /// For engines: takes the upgrade handler out of a [`Body::upgrade`]
    /// body (the body becomes empty); `None` for every other body.
    pub fn take_upgrade(&mut self) -> Option<crate::upgrade::Handler> {
        match std::mem::replace(&mut self.kind, Kind::Empty) {
            Kind::Upgrade(handler) => Some(handler),
            other => {
                self.kind = other;
                None
            }
        }
    }

    /// The body's length in bytes, when it is known before sending.
    pub fn known_length(&self) -> Option<u64> {
        match &self.kind {
            Kind::Empty | Kind::Upgrade(_) => Some(0),
            Kind::Full(chunk) => Some(chunk.len() as u64),
            Kind::Chunks { len, .. } => Some(*len),
            Kind::Stream(_) => None,
            Kind::File(wrapper) => wrapper.remaining(),
        }
    }

    /// True for a body whose length is known to be zero.
    pub fn is_empty(&self) -> bool {
        self.known_length() == Some(0)
    }

    /// The file wrapper, for a file body: servers with a native file path
    /// use it (see [`FileWrapper::file_mut`]).
    pub fn as_file_mut(&mut self) -> Option<&mut FileWrapper> {
        match &mut self.kind {
            Kind::File(wrapper) => Some(wrapper),
            _ => None,
        }
    }

    /// The bytes of an in-memory body (empty, one buffer or a list of
    /// chunks), without consuming it; `None` for streams and files. For
    /// middleware that inspects a body it passes on unchanged (a validator,
    /// an ETag computer).
    ///
    /// ```
    /// let body = rgi::Body::from_chunks(vec!["ab", "cd"]);
    /// let seen: Vec<&[u8]> = body.in_memory().unwrap().collect();
    /// assert_eq!(seen, [&b"ab"[..], &b"cd"[..]]);
    /// assert!(rgi::Body::lazy(vec!["x"]).in_memory().is_none());
    /// ```
    pub fn in_memory(&self) -> Option<InMemory<'_>> {
        match &self.kind {
            Kind::Empty => Some(InMemory {
                first: None,
                rest: None,
            }),
            Kind::Full(chunk) => Some(InMemory {
                first: Some(chunk),
                rest: None,
            }),
            Kind::Chunks { chunks, .. } => Some(InMemory {
                first: None,
                rest: Some(chunks.iter()),
            }),
            Kind::Stream(_) | Kind::File(_) | Kind::Upgrade(_) => None,
        }
    }

    /// Runs `hook` when the body is dropped (closed), after the body's own
    /// resources were released. Hooks run in the order they were added.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use std::sync::Arc;
    ///
    /// let closed = Arc::new(AtomicBool::new(false));
    /// let flag = closed.clone();
    /// let body = rgi::Body::from("x").on_close(move || flag.store(true, Ordering::SeqCst));
    /// drop(body);
    /// assert!(closed.load(Ordering::SeqCst));
    /// ```
    pub fn on_close(mut self, hook: impl FnOnce() + Send + 'static) -> Self {
        self.on_close.push(Box::new(hook));
        self
    }

    /// Takes the next chunk; `None` at the end. Empty chunks may appear and
    /// carry no meaning (a middleware yielding while it accumulates).
    pub fn next_chunk(&mut self) -> Option<io::Result<Chunk>> {
        match &mut self.kind {
            Kind::Empty | Kind::Upgrade(_) => None,
            Kind::Full(_) => match std::mem::replace(&mut self.kind, Kind::Empty) {
                Kind::Full(chunk) => Some(Ok(chunk)),
                _ => None,
            },
            Kind::Chunks { chunks, len } => {
                let chunk = chunks.pop_front()?;
                *len -= chunk.len() as u64;
                Some(Ok(chunk))
            }
            Kind::Stream(stream) => stream.next(),
            Kind::File(wrapper) => wrapper
                .read_block()
                .map(|block| block.map(Cow::Owned))
                .transpose(),
        }
    }

    /// Reads the whole body into memory.
    pub fn into_bytes(mut self) -> io::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(self.known_length().unwrap_or(0) as usize);
        while let Some(chunk) = self.next_chunk() {
            out.extend_from_slice(&chunk?);
        }
        Ok(out)
    }
}

/// The chunks of an in-memory body, borrowed: see [`Body::in_memory`].
#[derive(Debug)]
pub struct InMemory<'a> {
    first: Option<&'a [u8]>,
    rest: Option<std::collections::vec_deque::Iter<'a, Chunk>>,
}

impl<'a> Iterator for InMemory<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        if let Some(first) = self.first.take() {
            return Some(first);
        }
        self.rest.as_mut()?.next().map(|c| c.as_ref())
    }
}

impl Iterator for Body {
    type Item = io::Result<Chunk>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_chunk()
    }
}

impl Drop for Body {
    fn drop(&mut self) {
        // Release the body's own resources (file, generator state) first,
        // then tell whoever listens that the body is closed.
        self.kind = Kind::Empty;
        for hook in self.on_close.drain(..) {
            hook();
        }
    }
}

impl Default for Body {
    fn default() -> Self {
        Body::empty()
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.kind {
            Kind::Empty => "empty",
            Kind::Full(_) => "full",
            Kind::Chunks { .. } => "chunks",
            Kind::Stream(_) => "stream",
            Kind::File(_) => "file",
            Kind::Upgrade(_) => "upgrade",
        };
        f.debug_struct("Body")
            .field("kind", &kind)
            .field("known_length", &self.known_length())
            .field("on_close_hooks", &self.on_close.len())
            .finish()
    }
}

impl From<&'static str> for Body {
    fn from(s: &'static str) -> Self {
        Body::with_kind(Kind::Full(Cow::Borrowed(s.as_bytes())))
    }
}
impl From<String> for Body {
    fn from(s: String) -> Self {
        Body::with_kind(Kind::Full(Cow::Owned(s.into_bytes())))
    }
}
impl From<&'static [u8]> for Body {
    fn from(b: &'static [u8]) -> Self {
        Body::with_kind(Kind::Full(Cow::Borrowed(b)))
    }
}
impl From<Vec<u8>> for Body {
    fn from(b: Vec<u8>) -> Self {
        Body::with_kind(Kind::Full(Cow::Owned(b)))
    }
}
impl From<Chunk> for Body {
    fn from(c: Chunk) -> Self {
        Body::with_kind(Kind::Full(c))
    }
}
impl From<FileWrapper> for Body {
    fn from(w: FileWrapper) -> Self {
        Body::file(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[test]
    fn known_lengths() {
        assert_eq!(Body::empty().known_length(), Some(0));
        assert_eq!(Body::from(vec![1u8, 2, 3]).known_length(), Some(3));
        assert_eq!(
            Body::stream(vec![Ok::<_, io::Error>("a")]).known_length(),
            None
        );
        assert_eq!(Body::reader(io::empty()).known_length(), None);
    }

    #[test]
    fn chunks_length_tracks_what_is_left() {
        let mut body = Body::from_chunks(vec!["ab", "", "cde"]);
        assert_eq!(body.next_chunk().unwrap().unwrap().as_ref(), b"ab");
        assert_eq!(body.known_length(), Some(3));
        assert_eq!(body.into_bytes().unwrap(), b"cde");
    }

    #[test]
    fn close_hooks_run_once_on_drop() {
        let count = Arc::new(AtomicUsize::new(0));
        let (a, b) = (count.clone(), count.clone());
        let body = Body::from("x")
            .on_close(move || {
                a.fetch_add(1, Ordering::SeqCst);
            })
            .on_close(move || {
                b.fetch_add(10, Ordering::SeqCst);
            });
        let bytes = body.into_bytes().unwrap();
        assert_eq!(bytes, b"x");
        assert_eq!(count.load(Ordering::SeqCst), 11);
    }

    #[test]
    fn stream_errors_are_passed_on() {
        let mut body = Body::stream(vec![
            Ok(b"a".to_vec()),
            Err(io::Error::other("generator failed")),
        ]);
        assert!(body.next_chunk().unwrap().is_ok());
        assert!(body.next_chunk().unwrap().is_err());
    }
}
