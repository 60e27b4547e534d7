//! Checks of the returned body. Bodies of known length and file bodies are
//! returned unchanged (so a server still takes its Content-Length or
//! sendfile path) with an `on_close` hook; only streams are wrapped.

use std::io;
use std::sync::Arc;

use super::core::{app, server, Exchange};
use super::ids;
use crate::{Body, Chunk};

/// The checks made when `call` returned `Ok(body)`, and the body handed on.
pub(crate) fn returned(ex: Arc<Exchange>, mut body: Body) -> Body {
    let mut out = Vec::new();
    let known = body.known_length();
    let is_file = body.as_file_mut().is_some();
    {
        let mut state = ex.lock();
        state.returned = true;
        if !state.started {
            out.push(app(
                ids::START_MISSING,
                "call returned Ok(body) without a successful start".to_owned(),
                "call start(status, headers) (and check its result) before returning the body",
            ));
        }
        if state.must_fail_sent {
            out.push(app(
                ids::START_AFTER_SENT,
                "start_error failed because the head was already sent, yet call returned Ok".to_owned(),
                "when start_error returns Err, return an error from call so that the server aborts the connection",
            ));
        }
        if state.must_fail_invalid {
            out.push(app(
                ids::START_ERROR_FAILED,
                "start_error refused the status or headers, yet call returned Ok".to_owned(),
                "when start_error returns Err, return an error from call",
            ));
        }
        if state.write_failed {
            out.push(app(
                ids::WRITE_FAILED_OK,
                "write failed with an I/O error, yet call returned Ok".to_owned(),
                "when write fails, return its error from call (write(..)?): the response cannot complete",
            ));
        }
        if let Some(length) = known {
            state.on_bytes(length, &mut out);
            for chunk in body.in_memory().into_iter().flatten() {
                state.on_content(chunk, &mut out);
            }
            state.on_end(&mut out);
        }
    }
    ex.emit_all(out);
    ex.check_children_in_call();
    ex.opened();
    if known.is_some() || is_file {
        let hook = ex.clone();
        body.on_close(move || hook.closed())
    } else {
        Body::stream(CheckedStream {
            inner: Some(body),
            ex,
            ended: false,
        })
    }
}

/// A streamed body seen through the validator.
struct CheckedStream {
    inner: Option<Body>,
    ex: Arc<Exchange>,
    ended: bool,
}

impl Iterator for CheckedStream {
    type Item = io::Result<Chunk>;

    fn next(&mut self) -> Option<io::Result<Chunk>> {
        if self.ended {
            self.ex.emit(server(
                ids::BODY_PULL_AFTER_END,
                "the body was pulled again after it had ended (returned None or an Err)".to_owned(),
                "stop pulling a body once it returned None (or Err), then drop it",
            ));
            return None;
        }
        let item = self.inner.as_mut()?.next_chunk();
        let mut out = Vec::new();
        match &item {
            Some(Ok(chunk)) => {
                let n = chunk.len() as u64;
                {
                    let mut state = self.ex.lock();
                    state.on_bytes(n, &mut out);
                    state.on_content(chunk, &mut out);
                    if n > 0 {
                        state.yields += 1;
                    }
                }
                self.ex.emit_all(out);
                // Any chunk, even an empty one, answers one inner chunk.
                self.ex.check_children_yields(false);
            }
            Some(Err(_)) => {
                self.ended = true;
                self.ex.lock().failed = true;
            }
            None => {
                self.ended = true;
                self.ex.lock().ended = true;
                self.ex.lock().on_end(&mut out);
                self.ex.emit_all(out);
                self.ex.check_children_yields(true);
                self.ex.check_children_failed();
            }
        }
        item
    }
}

impl Drop for CheckedStream {
    fn drop(&mut self) {
        // Close the inner body first, then check what closing left open.
        // The guard records the close even when the inner body's own drop
        // panics: the server did drop it, so no BODY-008 against it.
        let _closed = ClosedGuard(&self.ex);
        drop(self.inner.take());
    }
}

/// Marks the body closed when dropped, unwinding included.
struct ClosedGuard<'a>(&'a Exchange);

impl Drop for ClosedGuard<'_> {
    fn drop(&mut self) {
        self.0.closed();
    }
}
