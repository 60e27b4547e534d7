//! [`Error`]: what a handler fails with, carrying the HTTP status the client
//! gets.

use std::fmt;

/// A failed request: an HTTP status (4xx for bad input, 5xx for failures of
/// the application), a message, and what caused it.
///
/// Any error type converts into it with `?` (as a `500`), so handlers can
/// return `Result<T, rgi_web::Error>`; the request helpers return errors
/// with the right 4xx status already ([`Request::json`](crate::Request::json)
/// gives `400`, an oversized body `413`). The [error
/// handler](crate::App::on_error) receives every error, and handler panics
/// too (as [`ErrorKind::Panic`]).
///
/// The default error handler answers with the status and, for 4xx, the
/// message (it is meant for the client); for 5xx only the reason phrase (the
/// message may hold internals). Either way the message is logged to the
/// request's error stream.
///
/// ```
/// use rgi_web::Error;
///
/// let e = Error::bad_request("the `limit` query argument is not a number");
/// assert_eq!(e.status(), 400);
/// let io: Error = std::io::Error::other("disk on fire").into();
/// assert_eq!(io.status(), 500);
/// assert!(io.to_string().contains("disk on fire"));
/// ```
pub struct Error {
    status: u16,
    message: String,
    kind: ErrorKind,
}

/// Where an [`Error`] came from.
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Made with a status and a message ([`Error::new`] and friends).
    Http,
    /// Converted from another error with `?`; the source is kept.
    Source(Box<dyn std::error::Error + Send + Sync + 'static>),
    /// A handler panicked; the message is the panic's payload.
    Panic,
}

impl Error {
    /// An error with `status` (400 to 599; anything else becomes 500) and a
    /// message.
    pub fn new(status: u16, message: impl Into<String>) -> Self {
        let status = if (400..=599).contains(&status) {
            status
        } else {
            500
        };
        Error {
            status,
            message: message.into(),
            kind: ErrorKind::Http,
        }
    }

    /// `400 Bad Request`: the request is malformed (bad JSON, a bad cookie
    /// header, a path parameter that does not parse).
    pub fn bad_request(message: impl Into<String>) -> Self {
        Error::new(400, message)
    }

    /// `404 Not Found`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Error::new(404, message)
    }

    /// `500 Internal Server Error`.
    pub fn internal(message: impl Into<String>) -> Self {
        Error::new(500, message)
    }

    /// The error a panicking handler becomes (status 500).
    pub(crate) fn panic(payload: &(dyn std::any::Any + Send)) -> Self {
        let message = if let Some(s) = payload.downcast_ref::<&str>() {
            (*s).to_owned()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            "a handler panicked (with a payload that is not a string)".to_owned()
        };
        Error {
            status: 500,
            message,
            kind: ErrorKind::Panic,
        }
    }

    /// The HTTP status the client gets by default.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The same error with another status (400 to 599).
    pub fn with_status(mut self, status: u16) -> Self {
        if (400..=599).contains(&status) {
            self.status = status;
        }
        self
    }

    /// The message: what went wrong, for the log (and, for 4xx, the client).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Where the error came from.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// True if a handler panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self.kind, ErrorKind::Panic)
    }

    /// True for 4xx: the client's fault.
    pub fn is_client_error(&self) -> bool {
        self.status < 500
    }
}

/// `Ok(value)` with [`Error`] as the error type, so that a closure using `?`
/// needs no annotation (anyhow's `Ok`):
/// `|req: &mut Request| ok(req.parse_param::<u32>("id")?.to_string())`.
///
/// ```
/// use rgi_web::{ok, App, Request};
/// let app = App::new().get("/double/{n}", |req: &mut Request| {
///     ok((req.parse_param::<u32>("n")? * 2).to_string())
/// });
/// assert_eq!(rgi::test::TestClient::new(app).get("/double/21").text(), "42");
/// ```
pub fn ok<T>(value: T) -> Result<T, Error> {
    Ok(value)
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for Error {
    fn from(error: E) -> Self {
        Error {
            status: 500,
            message: error.to_string(),
            kind: ErrorKind::Source(Box::new(error)),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ErrorKind::Panic => write!(f, "{} (handler panicked): {}", self.status, self.message),
            _ => write!(f, "{}: {}", self.status, self.message),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("status", &self.status)
            .field("message", &self.message)
            .field("kind", &self.kind)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_stay_in_the_error_range() {
        assert_eq!(Error::new(200, "x").status(), 500);
        assert_eq!(Error::new(404, "x").status(), 404);
        assert_eq!(Error::internal("x").with_status(302).status(), 500);
        assert_eq!(Error::internal("x").with_status(503).status(), 503);
        assert!(Error::bad_request("x").is_client_error());
    }

    #[test]
    fn panics_keep_their_message() {
        let e = Error::panic(&"boom");
        assert!(e.is_panic());
        assert_eq!(e.message(), "boom");
        let e = Error::panic(&String::from("owned boom"));
        assert_eq!(e.message(), "owned boom");
        assert!(e.to_string().contains("panicked"));
    }
}
