//! # rgi — the Rust Gateway Interface
//!
//! rgi is for Rust what WSGI (PEP 3333) and Python's `wsgiref` are for
//! Python: a written contract between web servers and web applications
//! (`spec/` in the repository), this crate implementing it, a reference
//! server ([`simple_server`]) and a validator ([`validate`]).
//!
//! An application is anything that implements [`Application`]: it gets the
//! request as an [`Environ`], gives its status and headers to
//! [`start`](StartResponse), and returns a [`Body`].
//!
//! ```
//! use rgi::{Body, Environ, StartResponse};
//!
//! fn hello(_env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, rgi::AppError> {
//!     start.start("200 OK", [("Content-Type", "text/plain")].into())?;
//!     Ok(Body::from("Hello, world!"))
//! }
//! # let _ = rgi::app(hello);
//! ```
//!
//! # Where to read on
//!
//! * The specification, rule by rule with stable IDs: `spec/` in the
//!   repository, [`rules`] in machine-readable form, and in rustdoc the
//!   [application](guide::application), [server](guide::server) and
//!   [middleware](guide::middleware) guides.
//! * Checking: [`validate`] is the run-time checker (middleware around one
//!   application, like `wsgiref.validate`: findings on every request your
//!   tests or your server send); the `rgi-validator` crate runs a catalogue
//!   of representative requests against an application, a server or a CGI
//!   program and reports the same [`validate::Finding`]s. [`test`](mod@test) sends
//!   requests in process, with the run-time checker on.
//! * Reading the request in one call: [`Environ::path_info`],
//!   [`util::query_pairs`], [`util::read_body`], [`util::read_form`],
//!   [`util::cookies`]; answering: `start(200, ..)` ([`status`]),
//!   [`Headers`].
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(missing_debug_implementations)]

mod application;
pub mod body;
pub mod environ;
mod error;
mod file_wrapper;
pub mod gateway;
#[cfg(not(doctest))]
pub mod guide;
pub mod handlers;
pub mod headers;
pub mod proxy;
pub mod rules;
pub mod simple_server;
pub mod start_response;
pub mod status;
pub mod test;
pub mod upgrade;
pub mod util;
pub mod validate;

pub use application::{app, AppError, Application, StopServing};
pub use body::{Body, Chunk, IntoChunk};
pub use environ::{EnvValue, Environ, ErrorStream, InputStream, NotUtf8};
pub use error::Error;
pub use headers::Headers;
pub use start_response::StartResponse;
