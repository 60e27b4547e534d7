//! The checked input stream and the shared error stream.

use std::io::{self, BufRead, Read, Write};
use std::sync::Arc;

use super::core::{app, lock, server, Exchange, SharedErrors};
use super::finding::Finding;
use super::ids;
use crate::InputStream;

/// The input stream the application sees: counts what it reads and checks
/// the server's stream against `CONTENT_LENGTH`, EOF, and the end of the
/// request.
pub(crate) struct CheckedInput {
    pub(crate) inner: Box<dyn InputStream>,
    pub(crate) ex: Arc<Exchange>,
}

impl CheckedInput {
    /// Before a read: reading after the response is finished is the
    /// application's mistake.
    fn before(&self) -> bool {
        let finished = self.ex.lock().finished;
        if finished {
            self.ex.emit(app(
                ids::INPUT_AFTER_FINISH,
                "the input stream was read after the response was finished".to_owned(),
                "read the request body while handling the request (in call or while the body is iterated), not after",
            ));
        }
        finished
    }

    /// After the server's stream returned `available` bytes (0 = EOF),
    /// `consumed` of which are now taken.
    fn after(&self, finished: bool, available: usize, consumed: usize, asked: bool) {
        let mut out: Vec<Finding> = Vec::new();
        {
            let mut state = self.ex.lock();
            if finished && available > 0 {
                out.push(server(
                    ids::INPUT_AFTER_FINISH,
                    format!("a read after the response was finished returned {available} bytes"),
                    "make reads of a finished request fail with an io::Error; never hand out the next request's bytes",
                ));
            }
            if available == 0 && asked {
                if let Some(length) = state.request_length {
                    if state.input_read < length && !state.input_eof {
                        out.push(server(
                            ids::INPUT_TRUNCATED,
                            format!(
                                "the input stream ended after {} of CONTENT_LENGTH {length} bytes",
                                state.input_read
                            ),
                            "when the client sends less than its Content-Length, make the read fail with an io::Error (UnexpectedEof) instead of a clean EOF",
                        ));
                    }
                }
                state.input_eof = true;
            } else if available > 0 && state.input_eof {
                out.push(server(
                    ids::INPUT_BOUNDED,
                    format!(
                        "the input stream returned {available} bytes after it had returned EOF"
                    ),
                    "once the input stream returns EOF (0), every later read returns 0 too",
                ));
            }
            let limit = match state.request_length {
                Some(length) => Some(length),
                None if state.input_terminated => None,
                None => Some(0),
            };
            let seen = state.input_read + available as u64;
            state.input_read += consumed as u64;
            if let Some(limit) = limit {
                if seen > limit {
                    out.push(server(
                        ids::INPUT_BOUNDED,
                        if state.request_length.is_some() {
                            format!("the input stream gave {seen} bytes, more than CONTENT_LENGTH {limit}")
                        } else {
                            format!("the input stream gave {seen} bytes, but there is no CONTENT_LENGTH and input_terminated is false")
                        },
                        "end the input stream (EOF) at the end of the request body; never hand out the bytes that follow it",
                    ));
                }
            }
        }
        self.ex.emit_all(out);
    }
}

impl Read for CheckedInput {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let finished = self.before();
        let n = self.inner.read(buf)?;
        self.after(finished, n, n, !buf.is_empty());
        Ok(n)
    }
}

impl BufRead for CheckedInput {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let finished = self.before();
        let available = self.inner.fill_buf()?.len();
        self.after(finished, available, 0, true);
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        self.inner.consume(amt);
        self.ex.lock().input_read += amt as u64;
    }
}

/// The error stream the application sees: writes go to the server's stream,
/// which the validator shares with its findings; what the application
/// writes during `call` is checked to be UTF-8 lines (ERRS-002).
pub(crate) struct ErrorsProxy {
    pub(crate) errors: SharedErrors,
    pub(crate) ex: Arc<Exchange>,
}

impl Write for ErrorsProxy {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = lock(&self.errors).write(buf)?;
        self.ex.on_error_output(&buf[..n]);
        Ok(n)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        lock(&self.errors).write_all(buf)?;
        self.ex.on_error_output(buf);
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        lock(&self.errors).flush()
    }
}
