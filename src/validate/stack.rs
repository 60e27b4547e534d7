//! Validators that are stacked around a middleware find each other through
//! a per-thread stack of active calls: an inner validator compares the
//! capabilities it sees with those the outer one saw, and registers its
//! request with the outer one, which then checks how the middleware pulls
//! and closes the inner body.

use std::cell::RefCell;
use std::sync::Arc;

use super::core::{middleware, Child, Exchange};
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
    upgrade: bool,
    version: (u16, u16),
    extensions: usize,
    request_uri: Option<Vec<u8>>,
}

impl Caps {
    pub(crate) fn of(env: &Environ) -> Self {
        Caps {
            multithread: env.multithread(),
            multiprocess: env.multiprocess(),
            run_once: env.run_once(),
            input_terminated: env.input_terminated(),
            file_wrapper: env.file_wrapper(),
            upgrade: env.upgrade_available(),
            version: env.version(),
            extensions: env.extensions().len(),
            request_uri: env.get_bytes("REQUEST_URI").map(<[u8]>::to_vec),
        }
    }

    /// What `inner` lost or changed compared to `self`, by rule: flags
    /// (MW-003), extensions (MW-002), REQUEST_URI (MW-005).
    fn differences(&self, inner: &Caps) -> Vec<(&'static str, String)> {
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
            ("upgrade", self.upgrade, inner.upgrade),
        ];
        for (name, outer, inner) in flags {
            if outer != inner {
                out.push((ids::MW_CAPS, format!("rgi.{name} {outer} became {inner}")));
            }
        }
        if self.version != inner.version {
            out.push((
                ids::MW_CAPS,
                format!("rgi.version {:?} became {:?}", self.version, inner.version),
            ));
        }
        if inner.extensions < self.extensions {
            out.push((
                ids::MW_NEW_ENVIRON,
                format!(
                    "the server's {} extensions became {}",
                    self.extensions, inner.extensions
                ),
            ));
        }
        if self.request_uri != inner.request_uri {
            let show = |v: &Option<Vec<u8>>| match v {
                Some(v) => format!("{:?}", String::from_utf8_lossy(v)),
                None => "absent".to_owned(),
            };
            out.push((
                ids::MW_PATH,
                format!(
                    "REQUEST_URI {} became {}",
                    show(&self.request_uri),
                    show(&inner.request_uri)
                ),
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

/// True if another validator's call encloses the current one: there is a
/// middleware between this validator and the server.
pub(crate) fn nested() -> bool {
    STACK.with(|stack| stack.borrow().len() > 1)
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
        outer.lock().children.push(Child {
            ex: exchange.clone(),
            answered: 0,
            at_write: 0,
        });
        exchange.lock().parent = Some(Arc::downgrade(&outer));
        for (rule, seen) in outer_caps.differences(&caps) {
            exchange.emit(middleware(
                rule,
                format!("between two validators a middleware changed the environ: {seen}"),
                match rule {
                    ids::MW_PATH => "leave REQUEST_URI as the server set it; rewrite only SCRIPT_NAME and PATH_INFO",
                    ids::MW_NEW_ENVIRON => "pass the Environ you were given down (&mut), or copy every typed entry, both streams and all extensions into the new one",
                    _ => "pass the rgi.* flags down as the server set them (change one only when you change what it describes)",
                },
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
