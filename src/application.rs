//! The application side of the interface: the [`Application`] trait.

use std::sync::Arc;

use crate::{Body, Environ, StartResponse};

/// The error an application returns from [`Application::call`].
///
/// Any error type converts into it with `?`. The server treats an `Err` like
/// a panic: `500 Internal Server Error` if nothing was sent yet, otherwise the
/// connection is aborted; either way the error is logged (APP-005).
pub type AppError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A web application: called once per request, from many threads at once.
///
/// `call` receives the request as an [`Environ`] and a [`StartResponse`]
/// handle. It must call [`start`](StartResponse) (once) with the status and
/// headers and then return the response [`Body`]. Per-application state lives
/// in `self`; the server shares one value between all its threads, which is
/// why applications are `Send + Sync + 'static` (APP-002).
///
/// Closures implement the trait; wrap them in [`app`] so that the compiler can
/// infer their argument and return types.
///
/// ```
/// use rgi::{Application, Body, Environ, StartResponse};
///
/// struct Hello;
///
/// impl Application for Hello {
///     fn call(&self, _env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, rgi::AppError> {
///         start.start("200 OK", [("Content-Type", "text/plain")].into())?;
///         Ok(Body::from("Hello, world!"))
///     }
/// }
///
/// // The same application as a closure:
/// let hello = rgi::app(|_env, start| {
///     start.start("200 OK", [("Content-Type", "text/plain")].into())?;
///     Ok(Body::from("Hello, world!"))
/// });
/// # fn is_app(_: &impl Application) {}
/// # is_app(&Hello);
/// # is_app(&hello);
/// ```
pub trait Application: Send + Sync + 'static {
    /// Handles one request. See the trait documentation.
    fn call(
        &self,
        environ: &mut Environ,
        start_response: &mut dyn StartResponse,
    ) -> Result<Body, AppError>;

    /// Optional lifecycle hook (APP-014): called once by the server before
    /// the first request (APP-015), to create what lives as long as the
    /// server (pools, connections). An `Err` or a panic is logged and the
    /// server serves anyway, unless the error is [`StopServing`] (APP-016).
    /// The default does nothing.
    fn on_start(&self) -> Result<(), AppError> {
        Ok(())
    }

    /// Optional lifecycle hook (APP-014): called once when the server stops,
    /// after every request in flight finished (APP-017; for CGI, after the
    /// one request, APP-018). The default does nothing.
    fn on_shutdown(&self) {}
}

/// The error an [`Application::on_start`] hook returns to ask the server
/// not to serve at all (APP-016; socketify's `sys.exit(1)` in a start
/// hook). Any other start error is logged and the server serves anyway.
///
/// ```
/// use rgi::{AppError, StopServing};
///
/// fn connect() -> Result<(), AppError> {
///     Err(StopServing::new("the database at db:5432 refused the connection").into())
/// }
/// let err = connect().unwrap_err();
/// assert!(err.downcast_ref::<StopServing>().is_some());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StopServing {
    reason: String,
}

impl StopServing {
    /// Asks the server to stop, for `reason` (logged and reported).
    pub fn new(reason: impl Into<String>) -> Self {
        StopServing {
            reason: reason.into(),
        }
    }

    /// Why the application cannot be served.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// True if `error` is (or wraps, one level deep) a `StopServing`.
    pub fn is(error: &(dyn std::error::Error + 'static)) -> bool {
        error.downcast_ref::<StopServing>().is_some()
            || error
                .source()
                .is_some_and(|inner| inner.downcast_ref::<StopServing>().is_some())
    }
}

impl std::fmt::Display for StopServing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the application asked not to be served: {}", self.reason)
    }
}

impl std::error::Error for StopServing {}

impl<F> Application for F
where
    F: Fn(&mut Environ, &mut dyn StartResponse) -> Result<Body, AppError> + Send + Sync + 'static,
{
    fn call(
        &self,
        environ: &mut Environ,
        start_response: &mut dyn StartResponse,
    ) -> Result<Body, AppError> {
        self(environ, start_response)
    }
}

impl<A: Application + ?Sized> Application for Arc<A> {
    fn call(
        &self,
        environ: &mut Environ,
        start_response: &mut dyn StartResponse,
    ) -> Result<Body, AppError> {
        (**self).call(environ, start_response)
    }
    fn on_start(&self) -> Result<(), AppError> {
        (**self).on_start()
    }
    fn on_shutdown(&self) {
        (**self).on_shutdown()
    }
}

impl Application for Box<dyn Application> {
    fn call(
        &self,
        environ: &mut Environ,
        start_response: &mut dyn StartResponse,
    ) -> Result<Body, AppError> {
        (**self).call(environ, start_response)
    }
    fn on_start(&self) -> Result<(), AppError> {
        (**self).on_start()
    }
    fn on_shutdown(&self) {
        (**self).on_shutdown()
    }
}

/// Turns a closure into an [`Application`], so that its argument and return
/// types are inferred.
///
/// ```
/// let app = rgi::app(|env, start| {
///     let method = env.get_str("REQUEST_METHOD").unwrap_or("GET").to_owned();
///     start.start("200 OK", [("Content-Type", "text/plain")].into())?;
///     Ok(rgi::Body::from(method))
/// });
/// # let _ = app;
/// ```
pub fn app<F>(f: F) -> F
where
    F: Fn(&mut Environ, &mut dyn StartResponse) -> Result<Body, AppError> + Send + Sync + 'static,
{
    f
}
