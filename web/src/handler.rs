//! [`Handler`]: the functions and closures a route calls, with or without
//! the request.

use std::sync::Arc;

use crate::{Error, IntoResponse, Request, Response};

/// A route handler: a function or closure taking `&mut Request` or nothing,
/// returning anything that is [`IntoResponse`] (PySGI's optional request
/// argument).
///
/// ```
/// use rgi_web::{App, Request};
///
/// fn index() -> &'static str { "Hello World!" }
/// fn echo(req: &mut Request) -> String { req.path().into_owned() }
///
/// let app = App::new()
///     .get("/", index)
///     .get("/echo/{*rest}", echo)
///     .get("/closure", |req: &mut Request| format!("{} {}", req.method(), req.path()))
///     .get("/no-arg", || ("created", 201));
/// # let client = rgi::test::TestClient::new(app);
/// # assert_eq!(client.get("/echo/a/b").text(), "/echo/a/b");
/// # assert_eq!(client.get("/no-arg").status(), 201);
/// ```
///
/// `Args` tells the two forms apart ([`WithRequest`] or [`WithoutRequest`]);
/// it is inferred, never written.
pub trait Handler<Args>: Send + Sync + 'static {
    /// Runs the handler.
    fn call(&self, req: &mut Request) -> Result<Response, Error>;
}

/// Marks a [`Handler`] that takes the request.
#[derive(Debug)]
pub enum WithRequest {}

/// Marks a [`Handler`] that takes no argument.
#[derive(Debug)]
pub enum WithoutRequest {}

impl<F, R> Handler<WithRequest> for F
where
    F: Fn(&mut Request) -> R + Send + Sync + 'static,
    R: IntoResponse,
{
    fn call(&self, req: &mut Request) -> Result<Response, Error> {
        self(req).into_response()
    }
}

impl<F, R> Handler<WithoutRequest> for F
where
    F: Fn() -> R + Send + Sync + 'static,
    R: IntoResponse,
{
    fn call(&self, _req: &mut Request) -> Result<Response, Error> {
        self().into_response()
    }
}

/// A handler with its argument form erased, as the router stores it.
pub(crate) type BoxedHandler = Arc<dyn Fn(&mut Request) -> Result<Response, Error> + Send + Sync>;

/// Erases the argument form of `handler`.
pub(crate) fn boxed<Args, H: Handler<Args>>(handler: H) -> BoxedHandler {
    Arc::new(move |req: &mut Request| handler.call(req))
}
