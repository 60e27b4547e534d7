//! [`FileWrapper`]: a file (or any reader) as a response body that a server
//! may transmit natively (parity with `wsgiref.util.FileWrapper`).

use std::fmt;
use std::fs::File;
use std::io::{self, Read, Seek};

/// The block size a [`FileWrapper`] reads with when none is given.
pub const DEFAULT_BLOCK_SIZE: usize = 8192;

/// A file-like body: read in blocks until the end of the file (or of its
/// known length).
///
/// Made from a [`File`], it keeps the file so that a server can hand it to
/// the kernel (`sendfile`) instead of copying it through user space; the
/// environ's [`file_wrapper`](crate::Environ::file_wrapper) flag says whether
/// the server does. Made from any other reader, it is iterated block by
/// block. Either way, the reader is dropped (closed) with the body, not when
/// iteration ends (BODY-010).
///
/// ```
/// use std::io::Cursor;
/// use rgi::util::FileWrapper;
///
/// let mut wrapper = FileWrapper::new(Cursor::new(b"xyz".repeat(50)), 120);
/// let blocks: Vec<Vec<u8>> = wrapper.by_ref().map(|b| b.unwrap()).collect();
/// assert_eq!(blocks, [b"xyz".repeat(40), b"xyz".repeat(10)]);
/// ```
pub struct FileWrapper {
    source: Source,
    block_size: usize,
    remaining: Option<u64>,
}

enum Source {
    File(File),
    Reader(Box<dyn Read + Send>),
}

impl FileWrapper {
    /// Wraps any reader; `block_size` is a hint for how much to read at once
    /// (0 means [`DEFAULT_BLOCK_SIZE`]). The length is unknown.
    pub fn new(reader: impl Read + Send + 'static, block_size: usize) -> Self {
        FileWrapper {
            source: Source::Reader(Box::new(reader)),
            block_size: effective_block_size(block_size),
            remaining: None,
        }
    }

    /// Wraps a file from its current position to its end; the length is
    /// taken from the file's metadata so the server can send a
    /// `Content-Length`.
    pub fn from_file(mut file: File) -> io::Result<Self> {
        let len = file.metadata()?.len();
        let position = file.stream_position()?;
        Ok(FileWrapper {
            source: Source::File(file),
            block_size: DEFAULT_BLOCK_SIZE,
            remaining: Some(len.saturating_sub(position)),
        })
    }

    /// Opens the file at `path` and wraps it (see [`FileWrapper::from_file`]).
    pub fn open(path: impl AsRef<std::path::Path>) -> io::Result<Self> {
        Self::from_file(File::open(path)?)
    }

    /// Sets the block size used when the body is read block by block.
    pub fn with_block_size(mut self, block_size: usize) -> Self {
        self.block_size = effective_block_size(block_size);
        self
    }

    /// Limits the body to at most `len` bytes from the current position.
    pub fn with_length(mut self, len: u64) -> Self {
        self.remaining = Some(self.remaining.map_or(len, |r| r.min(len)));
        self
    }

    /// How many bytes are left to send, when known.
    pub fn remaining(&self) -> Option<u64> {
        self.remaining
    }

    /// The block size.
    pub fn block_size(&self) -> usize {
        self.block_size
    }

    /// The underlying file, when the wrapper was made from one: a server
    /// transmits it natively from its current position for
    /// [`remaining`](Self::remaining) bytes, then calls
    /// [`mark_sent`](Self::mark_sent).
    pub fn file_mut(&mut self) -> Option<&mut File> {
        match &mut self.source {
            Source::File(file) => Some(file),
            Source::Reader(_) => None,
        }
    }

    /// Records that `n` bytes were transmitted by other means than
    /// iteration (a server's native path).
    pub fn mark_sent(&mut self, n: u64) {
        if let Some(r) = &mut self.remaining {
            *r = r.saturating_sub(n);
        }
    }

    /// Reads the next block; `Ok(None)` at the end.
    pub fn read_block(&mut self) -> io::Result<Option<Vec<u8>>> {
        let want = match self.remaining {
            Some(0) => return Ok(None),
            Some(r) => usize::try_from(r)
                .unwrap_or(usize::MAX)
                .min(self.block_size),
            None => self.block_size,
        };
        let mut buf = vec![0; want];
        let n = loop {
            let result = match &mut self.source {
                Source::File(file) => file.read(&mut buf),
                Source::Reader(reader) => reader.read(&mut buf),
            };
            match result {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        if n == 0 {
            if let Some(r) = self.remaining {
                if r > 0 {
                    // Report the shortfall once, then behave as ended.
                    self.remaining = Some(0);
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("file ended {r} bytes before its announced length"),
                    ));
                }
            }
            return Ok(None);
        }
        buf.truncate(n);
        self.mark_sent(n as u64);
        Ok(Some(buf))
    }
}

fn effective_block_size(block_size: usize) -> usize {
    if block_size == 0 {
        DEFAULT_BLOCK_SIZE
    } else {
        block_size
    }
}

impl Iterator for FileWrapper {
    type Item = io::Result<Vec<u8>>;
    fn next(&mut self) -> Option<Self::Item> {
        self.read_block().transpose()
    }
}

impl fmt::Debug for FileWrapper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileWrapper")
            .field(
                "source",
                &match self.source {
                    Source::File(_) => "file",
                    Source::Reader(_) => "reader",
                },
            )
            .field("block_size", &self.block_size)
            .field("remaining", &self.remaining)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};

    #[test]
    fn reader_is_read_in_blocks() {
        let wrapper = FileWrapper::new(Cursor::new(b"abcdefg".to_vec()), 3);
        let blocks: Vec<_> = wrapper.map(|b| b.unwrap()).collect();
        assert_eq!(blocks, [b"abc".to_vec(), b"def".to_vec(), b"g".to_vec()]);
    }

    #[test]
    fn file_length_comes_from_metadata_and_position() {
        let mut file = tempfile_with(b"0123456789");
        file.seek(io::SeekFrom::Start(4)).unwrap();
        let wrapper = FileWrapper::from_file(file).unwrap();
        assert_eq!(wrapper.remaining(), Some(6));
        let all: Vec<u8> = wrapper.flat_map(|b| b.unwrap()).collect();
        assert_eq!(all, b"456789");
    }

    #[test]
    fn with_length_limits_the_body() {
        let wrapper = FileWrapper::new(Cursor::new(b"abcdef".to_vec()), 4).with_length(5);
        let all: Vec<u8> = wrapper.flat_map(|b| b.unwrap()).collect();
        assert_eq!(all, b"abcde");
    }

    #[test]
    fn a_short_file_is_an_error_not_a_silent_truncation() {
        let wrapper = FileWrapper::new(Cursor::new(b"ab".to_vec()), 4).with_length(5);
        let results: Vec<_> = wrapper.collect();
        assert!(results.last().unwrap().is_err());
    }

    fn tempfile_with(data: &[u8]) -> File {
        let path = std::env::temp_dir().join(format!(
            "rgi-fw-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let mut file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .unwrap();
        file.write_all(data).unwrap();
        file.seek(io::SeekFrom::Start(0)).unwrap();
        std::fs::remove_file(&path).unwrap();
        file
    }
}
