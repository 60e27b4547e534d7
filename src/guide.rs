//! The specification, readable from rustdoc: the chapters of `spec/` in the
//! repository, word for word. The [application] and
//! [middleware] guides and the [server guide](server) are
//! what authors of each role read first; [`rules`](crate::rules) lists every
//! rule by ID.

/// Chapter 1: applications.
#[doc = include_str!("../spec/01-application.md")]
pub mod application {}

/// Chapter 7: the server guide (server duties and HTTP/1.1).
#[doc = include_str!("../spec/07-server.md")]
pub mod server {}

/// Chapter 8: the middleware guide.
#[doc = include_str!("../spec/08-middleware.md")]
pub mod middleware {}
