//! The application's lifecycle hooks as every engine runs them (APP-014 to
//! APP-018): [`start_app`] before the first request, [`shutdown_app`] after
//! the last.

use std::panic::{catch_unwind, AssertUnwindSafe};

use super::call::panic_message;
use super::Log;
use crate::{AppError, Application, StopServing};

/// Runs `app.on_start()` (APP-015). An `Err` or a panic is logged and the
/// engine serves anyway (`Ok`); only [`StopServing`] comes back as `Err`:
/// the engine then serves nothing and does not call [`shutdown_app`]
/// (APP-016).
///
/// ```
/// use rgi::{AppError, Application, Body, Environ, StartResponse, StopServing};
///
/// struct Refuses;
/// impl Application for Refuses {
///     fn on_start(&self) -> Result<(), AppError> {
///         Err(StopServing::new("no database").into())
///     }
///     fn call(&self, _: &mut Environ, _: &mut dyn StartResponse) -> Result<Body, AppError> {
///         unreachable!("never served")
///     }
/// }
/// let log = |line: std::fmt::Arguments<'_>| eprintln!("{line}");
/// assert!(rgi::gateway::start_app(&Refuses, &log).is_err());
/// assert!(rgi::gateway::start_app(&rgi::app(|_, _| Ok(Body::empty())), &log).is_ok());
/// ```
pub fn start_app<A: Application + ?Sized>(app: &A, log: Log<'_>) -> Result<(), AppError> {
    match catch_unwind(AssertUnwindSafe(|| app.on_start())) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) if StopServing::is(e.as_ref()) => {
            log(format_args!("not serving: {e} (APP-016)"));
            Err(e)
        }
        Ok(Err(e)) => {
            log(format_args!(
                "the application's on_start hook failed: {e}; serving anyway (APP-016)"
            ));
            Ok(())
        }
        Err(payload) => {
            log(format_args!(
                "the application's on_start hook panicked: {}; serving anyway (APP-016)",
                panic_message(payload.as_ref())
            ));
            Ok(())
        }
    }
}

/// Runs `app.on_shutdown()` (APP-017): the engine calls it once, after it
/// stopped accepting and every request in flight finished. A panic is
/// logged.
pub fn shutdown_app<A: Application + ?Sized>(app: &A, log: Log<'_>) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(|| app.on_shutdown())) {
        log(format_args!(
            "the application's on_shutdown hook panicked: {} (APP-017)",
            panic_message(payload.as_ref())
        ));
    }
}
