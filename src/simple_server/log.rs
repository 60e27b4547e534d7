//! Where the server's logs go: [`LogSink`] (stderr by default), the access
//! log (Common Log Format, like wsgiref's), the server's own error lines,
//! and [`RequestErrors`], each request's `environ.errors()` stream.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, PoisonError, Weak};

use super::date;
use crate::environ::ErrorStream;
pub(crate) use crate::gateway::escape_into;
use crate::Environ;

/// Where [`simple_server`](super) writes its logs: the access log, its own
/// error lines (application failures, refused responses, accept errors)
/// and the text applications write to `environ.errors()` (ERRS-008: an
/// application must not assume that this is standard error).
///
/// A cheap, cloneable handle (an `Arc`). Every piece of text reaches the
/// destination in one [`write_all`](Write::write_all) call made under the
/// sink's lock, so lines from concurrent requests never interleave
/// (ERRS-007): one access-log line, one error line, or what an application
/// wrote with one `write_all` (or up to a newline or a `flush`). The
/// destination needs no buffering of its own; it is flushed when an
/// application flushes its error stream.
///
/// Failures of the destination (an `Err` or even a panic from `write`) are
/// ignored by the server: logging never affects a response (ERRS-004).
///
/// The default is [`LogSink::stderr`]; set another with
/// [`Config::log_to`](super::Config::log_to).
///
/// ```
/// use std::io::Write;
/// use std::sync::{Arc, Mutex};
/// use rgi::simple_server::{Config, LogSink};
///
/// // Collect the log in memory (a file or a pipe work the same way).
/// #[derive(Clone, Default)]
/// struct Memory(Arc<Mutex<Vec<u8>>>);
/// impl Write for Memory {
///     fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
///         self.0.lock().unwrap().extend_from_slice(buf);
///         Ok(buf.len())
///     }
///     fn flush(&mut self) -> std::io::Result<()> { Ok(()) }
/// }
///
/// let memory = Memory::default();
/// let config = Config::default().log_to(LogSink::new(memory.clone()));
/// config.get_log_sink().write_all(b"hello\n")?;
/// assert_eq!(&*memory.0.lock().unwrap(), b"hello\n");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct LogSink(Target);

#[derive(Clone)]
enum Target {
    Stderr,
    Writer(Arc<Mutex<dyn Write + Send>>),
}

impl std::fmt::Debug for LogSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Target::Stderr => f.write_str("LogSink(stderr)"),
            Target::Writer(_) => f.write_str("LogSink(writer)"),
        }
    }
}

impl Default for LogSink {
    /// [`LogSink::stderr`].
    fn default() -> Self {
        LogSink::stderr()
    }
}

impl LogSink {
    /// The process's standard error (the default). Each piece is written
    /// with stderr locked, so pieces do not interleave within the process.
    pub fn stderr() -> Self {
        LogSink(Target::Stderr)
    }

    /// Logs to `writer` (a file, a pipe, an in-memory buffer...), shared by
    /// all connections behind a mutex.
    pub fn new(writer: impl Write + Send + 'static) -> Self {
        LogSink(Target::Writer(Arc::new(Mutex::new(writer))))
    }

    /// Logs to a writer that the caller keeps a handle to as well.
    pub fn from_shared(writer: Arc<Mutex<dyn Write + Send>>) -> Self {
        LogSink(Target::Writer(writer))
    }

    /// Writes `bytes` to the destination in one piece (one `write_all`
    /// under the lock). A panic in the destination is caught and reported
    /// as an error.
    pub fn write_all(&self, bytes: &[u8]) -> io::Result<()> {
        self.with(|w| w.write_all(bytes))
    }

    /// Flushes the destination.
    pub fn flush(&self) -> io::Result<()> {
        self.with(|w| w.flush())
    }

    fn with(&self, f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
        let result = catch_unwind(AssertUnwindSafe(|| match &self.0 {
            Target::Stderr => f(&mut io::stderr().lock()),
            Target::Writer(w) => f(&mut *w.lock().unwrap_or_else(PoisonError::into_inner)),
        }));
        result.unwrap_or_else(|_| Err(io::Error::other("the log destination panicked")))
    }
}

/// Text kept before it is handed to the sink without a newline or flush.
const MAX_BUFFERED: usize = 64 * 1024;

/// The largest buffer a connection keeps between requests.
const KEPT_BUFFER: usize = 4 * 1024;

/// A request's `environ.errors()` stream (ERRS-001..004, ERRS-007). Writes
/// never fail and never block on a client. Text is buffered and handed to
/// the sink in one piece on each write that ends with a newline (so a line
/// written with one `write_all`, or with `writeln!`, arrives whole), on
/// `flush` (ERRS-003), when more than 64 KiB is waiting, and at the end of
/// the request. The buffer is allocated only when an application writes a
/// partial line.
pub(crate) struct RequestErrors {
    sink: LogSink,
    buf: Vec<u8>,
    /// Text went to the sink since the last flush.
    unflushed: bool,
    /// Alive as long as this writer (see [`ErrorsSlot`]).
    _alive: Arc<()>,
}

impl RequestErrors {
    fn push(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        self.unflushed = true;
        let result = self.sink.write_all(&self.buf);
        // Keep a small buffer for the next partial line; give a large one
        // back (the writer lives as long as the connection).
        if self.buf.capacity() > KEPT_BUFFER {
            self.buf = Vec::new();
        } else {
            self.buf.clear();
        }
        result
    }
}

impl Write for RequestErrors {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let line_end = data.ends_with(b"\n");
        if line_end && self.buf.is_empty() {
            // A whole line in one write (the common case): no copy. ERRS-004:
            // a failing sink does not fail the application's write.
            self.unflushed = true;
            let _ = self.sink.write_all(data);
            return Ok(data.len());
        }
        self.buf.extend_from_slice(data);
        if line_end || self.buf.len() >= MAX_BUFFERED {
            let _ = self.push();
        }
        Ok(data.len())
    }

    /// Pushes everything written so far to the sink and flushes it
    /// (ERRS-003); reports the sink's error, if any. A no-op when nothing
    /// was written (the end of every request flushes).
    fn flush(&mut self) -> io::Result<()> {
        let pushed = self.push();
        if !std::mem::take(&mut self.unflushed) {
            return pushed;
        }
        let flushed = self.sink.flush();
        pushed.and(flushed)
    }
}

impl Drop for RequestErrors {
    fn drop(&mut self) {
        let _ = self.push();
    }
}

/// A connection's error stream, installed in each request's environ and
/// taken back at the end of the request, so that a keep-alive connection
/// allocates it once.
pub(crate) struct ErrorsSlot {
    sink: LogSink,
    spare: Option<Box<dyn ErrorStream>>,
    /// Where the connection's writer lives, and whether it still does.
    addr: usize,
    alive: Weak<()>,
}

fn addr_of(stream: &dyn ErrorStream) -> usize {
    (stream as *const dyn ErrorStream).cast::<u8>() as usize
}

impl ErrorsSlot {
    pub fn new(sink: LogSink) -> Self {
        ErrorsSlot {
            sink,
            spare: None,
            addr: 0,
            alive: Weak::new(),
        }
    }

    /// Installs the connection's writer as `env`'s error stream.
    pub fn install(&mut self, env: &mut Environ) {
        let stream = match self.spare.take() {
            Some(stream) => stream,
            None => {
                let alive = Arc::new(());
                self.alive = Arc::downgrade(&alive);
                let stream: Box<dyn ErrorStream> = Box::new(RequestErrors {
                    sink: self.sink.clone(),
                    buf: Vec::new(),
                    unflushed: false,
                    _alive: alive,
                });
                self.addr = addr_of(&*stream);
                stream
            }
        };
        // The environ's default stream (stderr) is zero-sized: dropping it
        // frees nothing.
        drop(env.set_errors(stream));
    }

    /// Ends the request's error stream: flushes whatever `env` holds now
    /// and keeps the connection's writer for the next request. A stream
    /// that middleware put in its place is dropped here.
    pub fn finish(&mut self, env: &mut Environ) {
        let mut stream = env.set_errors(Box::new(io::sink()));
        let _ = catch_unwind(AssertUnwindSafe(|| stream.flush()));
        // Ours if it lives where ours was created and ours is still alive
        // (no other live allocation can share that address).
        if addr_of(&*stream) == self.addr && self.alive.strong_count() > 0 {
            self.spare = Some(stream);
        } else if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(stream))) {
            drop(payload);
        }
    }
}

/// Writes one access-log line to `sink`:
/// `host - - [dd/Mon/yyyy:HH:MM:SS +0000] "request line" status bytes`.
/// `bytes` is `None` when no body was sent (logged as `-`). `scratch` is
/// the connection's reused line buffer.
pub(crate) fn access(
    sink: &LogSink,
    scratch: &mut String,
    remote: &str,
    request_line: &[u8],
    status: u16,
    bytes: Option<u64>,
) {
    scratch.clear();
    access_line_into(
        scratch,
        remote,
        request_line,
        status,
        bytes,
        date::now_secs(),
    );
    let _ = sink.write_all(scratch.as_bytes());
    if scratch.capacity() > 4096 {
        *scratch = String::new();
    }
}

/// The access-log line (SRV-014), newline included.
#[cfg(test)]
pub(crate) fn access_line(
    remote: &str,
    request_line: &[u8],
    status: u16,
    bytes: Option<u64>,
    now: u64,
) -> String {
    let mut line = String::new();
    access_line_into(&mut line, remote, request_line, status, bytes, now);
    line
}

fn access_line_into(
    line: &mut String,
    remote: &str,
    request_line: &[u8],
    status: u16,
    bytes: Option<u64>,
    now: u64,
) {
    line.reserve(96 + request_line.len());
    line.push_str(remote);
    line.push_str(" - - [");
    date::clf_date_into(line, now);
    line.push_str("] \"");
    escape_into(line, request_line);
    let _ = match bytes {
        Some(n) => writeln!(line, "\" {status} {n}"),
        None => writeln!(line, "\" {status} -"),
    };
}

/// Writes one error line to `sink`, in one write.
pub(crate) fn error(sink: &LogSink, message: std::fmt::Arguments<'_>) {
    let line = format!("rgi.simple_server: {message}\n");
    let _ = sink.write_all(line.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_lines_are_in_common_log_format() {
        // SRV-014, ERRS-006
        let line = access_line(
            "127.0.0.1",
            b"GET /\x1b HTTP/1.1",
            200,
            Some(13),
            971_185_336,
        );
        assert_eq!(
            line,
            "127.0.0.1 - - [10/Oct/2000:13:42:16 +0000] \"GET /\\x1b HTTP/1.1\" 200 13\n"
        );
        let line = access_line("::1", b"", 400, None, 0);
        assert_eq!(line, "::1 - - [01/Jan/1970:00:00:00 +0000] \"\" 400 -\n");
    }

    #[derive(Clone, Default)]
    struct Memory(Arc<Mutex<Vec<Vec<u8>>>>);
    impl Write for Memory {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().push(buf.to_vec());
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_error_stream_hands_over_lines_flushes_and_leftovers() {
        // ERRS-003, ERRS-007
        let memory = Memory::default();
        let mut slot = ErrorsSlot::new(LogSink::new(memory.clone()));
        let mut env = Environ::new();
        slot.install(&mut env);
        env.errors().write_all(b"one whole line\n").unwrap();
        let kind = "formatted";
        write!(env.errors(), "a {kind} line\npartial").unwrap();
        assert_eq!(memory.0.lock().unwrap().len(), 1);
        writeln!(env.errors(), " then more").unwrap();
        env.errors().write_all(b"flushed").unwrap();
        env.errors().flush().unwrap();
        env.errors().write_all(b"at the end").unwrap();
        let first = addr_of(env.errors());
        slot.finish(&mut env);
        let pieces: Vec<Vec<u8>> = memory.0.lock().unwrap().clone();
        assert_eq!(
            pieces,
            [
                &b"one whole line\n"[..],
                b"a formatted line\npartial then more\n",
                b"flushed",
                b"at the end"
            ]
        );
        // The next request on the connection reuses the writer...
        let mut env = Environ::new();
        slot.install(&mut env);
        assert_eq!(addr_of(env.errors()), first);
        // ...unless middleware replaced it: then it is dropped (its text
        // handed over) and a new one is made.
        let ours = env.set_errors(Box::new(io::sink()));
        let mut ours = Some(ours);
        if let Some(w) = ours.as_mut() {
            w.write_all(b"dropped with the stream").unwrap();
        }
        drop(ours);
        slot.finish(&mut env);
        assert_eq!(
            memory.0.lock().unwrap().last().unwrap(),
            b"dropped with the stream"
        );
        let mut env = Environ::new();
        slot.install(&mut env);
        env.errors().write_all(b"new\n").unwrap();
        slot.finish(&mut env);
        assert_eq!(memory.0.lock().unwrap().last().unwrap(), b"new\n");
    }

    #[test]
    fn the_buffer_is_bounded_and_big_writes_stay_whole() {
        // ERRS-007: one write_all is one piece, however large.
        let memory = Memory::default();
        let mut slot = ErrorsSlot::new(LogSink::new(memory.clone()));
        let mut env = Environ::new();
        slot.install(&mut env);
        let big = vec![b'b'; MAX_BUFFERED + 10];
        env.errors().write_all(b"head ").unwrap();
        env.errors().write_all(&big).unwrap();
        let part = vec![b'p'; MAX_BUFFERED / 2];
        env.errors().write_all(&part).unwrap();
        assert_eq!(memory.0.lock().unwrap().len(), 1);
        env.errors().write_all(&part).unwrap();
        slot.finish(&mut env);
        let pieces = memory.0.lock().unwrap();
        assert_eq!(pieces.len(), 2);
        assert_eq!(pieces[0].len(), 5 + big.len());
        assert_eq!(pieces[1].len(), 2 * part.len());
    }

    #[test]
    fn a_failing_sink_does_not_fail_writes() {
        // ERRS-004
        struct Broken;
        impl Write for Broken {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::other("disk full"))
            }
            fn flush(&mut self) -> io::Result<()> {
                panic!("flush panics")
            }
        }
        let mut slot = ErrorsSlot::new(LogSink::new(Broken));
        let mut env = Environ::new();
        slot.install(&mut env);
        assert!(env.errors().write_all(b"lost\n").is_ok());
        assert!(env.errors().write_all(b"lost too").is_ok());
        assert!(env.errors().flush().is_err());
        slot.finish(&mut env);
    }

    #[test]
    fn controls_and_backslashes_are_escaped() {
        let mut out = String::new();
        escape_into(&mut out, b"GET /\x1b[31m\\ \xff\n\x7f \xc2\x85");
        assert_eq!(out, "GET /\\x1b[31m\\\\ \\xff\\x0a\\x7f \\x85");
    }
}
