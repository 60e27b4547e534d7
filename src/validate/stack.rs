//! Validators that are stacked around a middleware find each other through
//! a per-thread stack of active calls: an inner validator compares the
//! capabilities it sees with those the outer one saw, and registers its
//! request with the outer one, which then checks how the middleware pulls
//! and closes the inner body.

use std::cell::RefCell;
use std::sync::Arc;

use super::core::{middleware, Exchange};
use super::finding::Severity;
use super::ids;
use crate::Environ;

/// The capabilities of an environ that every middleware passes down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Caps {
    multithread: bool,
    multiprocess: bool,
    run_once: bool,
    input_terminated: bool,
    file_wrapper: bool,
    version: (u16, u16),
    extensions: usize,
}

impl Caps {
    pub(crate) fn of(env: &Environ) -> Self {
        Caps {
            multithread: env.multithread(),
            multiprocess: env.multiprocess(),
            run_once: env.run_once(),
            input_terminated: env.input_terminated(),
            file_wrapper: env.file_wrapper(),
            version: env.version(),
            extensions: env.extensions().len(),
        }
    }

    /// What `inner` lost or changed compared to `self`.
    fn differences(&self, inner: &Caps) -> Vec<String> {
        let mut out = Vec::new();
        let flags = [
            ("multithread", self.multithread, inner.multithread),
            ("multiprocess", self.multiprocess, inner.multiprocess),
            ("run_once", self.run_once, inner.run_once),
            (
                "input_terminated",
                self.input_terminated,
                inner.input_terminated,
            ),
            ("file_wrapper", self.file_wrapper, inner.file_wrapper),
        ];
        for (name, outer, inner) in flags {
            if outer != inner {
                out.push(format!("rgi.{name} {outer} became {inner}"));
            }
        }
        if self.version != inner.version {
            out.push(format!(
                "rgi.version {:?} became {:?}",
                self.version, inner.version
            ));
        }
        if inner.extensions < self.extensions {
            out.push(format!(
                "{} extensions became {}",
                self.extensions, inner.extensions
            ));
        }
        out
    }
}

struct Frame {
    caps: Caps,
    exchange: Arc<Exchange>,
}

thread_local! {
    static STACK: RefCell<Vec<Frame>> = const { RefCell::new(Vec::new()) };
}

/// Pops the frame when the call ends, returns or unwinds.
pub(crate) struct Entered {
    exchange: Arc<Exchange>,
    completed: bool,
}

impl Entered {
    /// `call` returned (Ok or Err): the frame goes, the request stays open
    /// until its body is closed.
    pub(crate) fn complete(mut self) {
        self.completed = true;
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        let _ = STACK.try_with(|stack| {
            let mut stack = stack.borrow_mut();
            if let Some(index) = stack
                .iter()
                .rposition(|f| Arc::ptr_eq(&f.exchange, &self.exchange))
            {
                stack.truncate(index);
            }
        });
        if !self.completed {
            // The application panicked: the request is over.
            self.exchange.finish();
        }
    }
}

/// Enters a validator's call: checks the capabilities against the
/// enclosing validator (if any) and registers with it.
pub(crate) fn enter(env: &Environ, exchange: &Arc<Exchange>) -> Entered {
    let caps = Caps::of(env);
    let parent = STACK.with(|stack| {
        stack
            .borrow()
            .last()
            .map(|f| (f.caps.clone(), f.exchange.clone()))
    });
    if let Some((outer_caps, outer)) = parent {
        outer.lock().children.push((exchange.clone(), 0));
        let lost = outer_caps.differences(&caps);
        if !lost.is_empty() {
            exchange.emit(middleware(
                ids::MW_CAPS,
                Severity::Error,
                format!(
                    "between two validators a middleware changed the capabilities: {}",
                    lost.join(", ")
                ),
                "pass the Environ you were given down (&mut), or copy every rgi.* flag and extension into a new one",
            ));
        }
    }
    STACK.with(|stack| {
        stack.borrow_mut().push(Frame {
            caps,
            exchange: exchange.clone(),
        })
    });
    Entered {
        exchange: exchange.clone(),
        completed: false,
    }
}
