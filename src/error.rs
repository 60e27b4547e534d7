//! The one error type of the `rgi` crate.
//!
//! Every variant says what was wrong and what to do about it, and
//! [`Error::rule`] names the rule of the specification (`spec/`) that the
//! failed check enforces, so a message can always be traced to the text that
//! explains it.

use std::fmt;
use std::io;

/// What went wrong in a call into the gateway interface.
///
/// Returned by [`StartResponse`](crate::StartResponse) methods, by the
/// [`Headers`](crate::Headers) helpers and by the server's set-up functions.
/// An application usually passes it on with `?`: the server then answers
/// `500 Internal Server Error` (or aborts the connection when the head was
/// already sent) and logs the message to the error stream.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The status given to `start_response` is not of the form `"NNN Reason"`.
    InvalidStatus {
        /// The status as the application gave it.
        status: String,
        /// What exactly is wrong with it.
        reason: &'static str,
    },
    /// A header name is not an RFC 9110 token (letters, digits and
    /// ``!#$%&'*+-.^_`|~``, at least one character).
    InvalidHeaderName {
        /// The offending name.
        name: String,
    },
    /// A header value contains a control character (CR, LF, NUL or any other
    /// control except horizontal tab), which could split the response.
    InvalidHeaderValue {
        /// The name of the header whose value is bad.
        name: String,
        /// The offending byte.
        byte: u8,
    },
    /// The application tried to set a hop-by-hop header (`Connection`,
    /// `Transfer-Encoding`, ...); connection management is the server's job.
    HopByHopHeader {
        /// The offending name.
        name: String,
    },
    /// The application set a `Status` header: the status belongs in the
    /// status argument of `start_response`.
    StatusHeader,
    /// A `Content-Length` header whose value is not a plain decimal number.
    InvalidContentLength {
        /// The offending value.
        value: String,
    },
    /// `start` was called a second time; only `start_error` may replace a
    /// response that was already started.
    AlreadyStarted,
    /// `start_error` was called after the head had been transmitted; the
    /// response can no longer be replaced. Return an error from `call` so the
    /// server aborts the connection.
    HeadersAlreadySent,
    /// `write` was called before `start`.
    NotStarted,
    /// More body bytes were produced than the declared `Content-Length`.
    ContentLengthExceeded {
        /// The declared length.
        declared: u64,
        /// How many bytes the application tried to send in all.
        attempted: u64,
    },
    /// The request body is larger than the server's limit (HTTP-018). A read
    /// of `environ.input()` that passes the limit fails with an
    /// [`io::Error`] of kind [`InvalidData`](io::ErrorKind::InvalidData)
    /// carrying this error (INPUT-003); [`Error::in_io`] finds it. An
    /// application that passes the read error up (`?`) gets the server's 413
    /// while the head is unsent (APP-005).
    BodyTooLarge {
        /// The server's limit in bytes.
        limit: u64,
    },
    /// A `101 Switching Protocols` that the request cannot have (the
    /// server set `rgi.upgrade` false) or that lacks what a switch needs
    /// (UPG-003).
    InvalidUpgrade {
        /// What exactly is wrong.
        reason: &'static str,
    },
    /// The client connection failed while sending or receiving.
    Io(io::Error),
}

impl Error {
    /// The ID of the specification rule this error enforces, if any.
    ///
    /// ```
    /// let err = rgi::Error::StatusHeader;
    /// assert_eq!(err.rule(), Some("HDR-005"));
    /// ```
    pub fn rule(&self) -> Option<&'static str> {
        // The IDs are checked against `rules::RULES` by tests/spec_rules.rs.
        match self {
            Error::InvalidStatus { .. } => Some("START-003"),
            Error::InvalidHeaderName { .. } => Some("HDR-001"),
            Error::InvalidHeaderValue { .. } => Some("HDR-002"),
            Error::HopByHopHeader { .. } => Some("HDR-003"),
            Error::StatusHeader => Some("HDR-005"),
            Error::InvalidContentLength { .. } => Some("HDR-006"),
            Error::AlreadyStarted => Some("START-005"),
            Error::HeadersAlreadySent => Some("START-007"),
            Error::NotStarted => Some("START-009"),
            Error::ContentLengthExceeded { .. } => Some("BODY-004"),
            Error::BodyTooLarge { .. } => Some("HTTP-018"),
            Error::InvalidUpgrade { .. } => Some("UPG-003"),
            Error::Io(_) => None,
        }
    }

    /// The `rgi::Error` an [`io::Error`] carries, if any: how an application
    /// tells "the request body is over the server's limit"
    /// ([`Error::BodyTooLarge`], INPUT-003) from other failed reads.
    ///
    /// ```
    /// use std::io;
    /// let err = io::Error::new(io::ErrorKind::InvalidData, rgi::Error::BodyTooLarge { limit: 10 });
    /// assert!(matches!(rgi::Error::in_io(&err), Some(rgi::Error::BodyTooLarge { limit: 10 })));
    /// assert!(rgi::Error::in_io(&io::Error::other("x")).is_none());
    /// ```
    pub fn in_io(err: &io::Error) -> Option<&Error> {
        err.get_ref()?.downcast_ref::<Error>()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidStatus { status, reason } => write!(
                f,
                "invalid status {status:?}: {reason}; give a final status: three digits (200-599), one space and a reason phrase, e.g. \"200 OK\""
            ),
            Error::InvalidHeaderName { name } => write!(
                f,
                "invalid header name {name:?}: a name must be a non-empty token (letters, digits and !#$%&'*+-.^_`|~); fix or drop the header"
            ),
            Error::InvalidHeaderValue { name, byte } => write!(
                f,
                "header {name:?} has control byte 0x{byte:02x} in its value: CR, LF, NUL and other controls (except tab) are refused because they could split the response; remove them"
            ),
            Error::HopByHopHeader { name } => write!(
                f,
                "hop-by-hop header {name:?} is not allowed from an application: the server manages the connection and framing; remove the header"
            ),
            Error::StatusHeader => write!(
                f,
                "a `Status` header is not allowed: pass the status as the first argument of start_response"
            ),
            Error::InvalidContentLength { value } => write!(
                f,
                "invalid Content-Length {value:?}: give the exact body size as decimal digits, or leave the header out"
            ),
            Error::AlreadyStarted => write!(
                f,
                "start_response was already called: call it once, or use start_error to replace a response that was not sent yet"
            ),
            Error::HeadersAlreadySent => write!(
                f,
                "the response head was already sent and cannot be replaced: return an error from call() so the server aborts the connection"
            ),
            Error::NotStarted => write!(
                f,
                "write() was called before start_response: call start first with the status and headers"
            ),
            Error::ContentLengthExceeded { declared, attempted } => write!(
                f,
                "the body is longer than its Content-Length ({attempted} > {declared} bytes): declare the true length or leave Content-Length out"
            ),
            Error::BodyTooLarge { limit } => write!(
                f,
                "the request body is larger than the server's limit of {limit} bytes; the server answers 413 (send a smaller body, or raise the server's body limit)"
            ),
            Error::InvalidUpgrade { reason } => write!(
                f,
                "a 101 Switching Protocols was refused: {reason} (UPG-003; switch only when Environ::upgrade_available() is true, with Upgrade and Connection: upgrade, and return Body::upgrade)"
            ),
            Error::Io(err) => write!(f, "I/O error on the client connection: {err}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(err) => Some(err),
            _ => None,
        }
    }
}

impl From<io::Error> for Error {
    fn from(err: io::Error) -> Self {
        Error::Io(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_says_what_to_do() {
        let errors = [
            Error::InvalidStatus {
                status: "200".into(),
                reason: "too short",
            },
            Error::InvalidHeaderName { name: "a b".into() },
            Error::InvalidHeaderValue {
                name: "X".into(),
                byte: b'\n',
            },
            Error::HopByHopHeader {
                name: "Connection".into(),
            },
            Error::StatusHeader,
            Error::InvalidContentLength { value: "x".into() },
            Error::AlreadyStarted,
            Error::HeadersAlreadySent,
            Error::NotStarted,
            Error::ContentLengthExceeded {
                declared: 1,
                attempted: 2,
            },
            Error::BodyTooLarge { limit: 1 },
        ];
        for err in errors {
            let text = err.to_string();
            assert!(text.len() > 30, "{text}");
            assert!(err.rule().is_some(), "{err:?} must name its rule");
        }
    }
}
