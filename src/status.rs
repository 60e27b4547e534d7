//! Status codes: the reason-phrase table, a typed [`StatusCode`], and
//! [`StatusLine`], the argument of `start` that accepts a number, a typed
//! status or the `"200 OK"` string form.
//!
//! On the `&mut dyn StartResponse` an application receives, `start` and
//! `start_error` take any of the three:
//!
//! ```
//! use rgi::status::StatusCode;
//! use rgi::{Body, Environ, StartResponse};
//!
//! fn app(env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, rgi::AppError> {
//!     match env.get_str("PATH_INFO") {
//!         Some("/") => start.start(200, [("Content-Type", "text/plain")].into())?, // "200 OK"
//!         Some("/gone") => start.start(StatusCode::GONE, rgi::Headers::new())?,   // "410 Gone"
//!         _ => start.start("404 Not Found", [("Content-Type", "text/plain")].into())?,
//!     }
//!     Ok(Body::empty())
//! }
//! rgi::test::TestClient::new(rgi::app(app)).get("/gone").assert_status(410);
//! ```
//!
//! The numbers go out with the reason phrase RFC 9110 (section 15) gives
//! them ([`reason_phrase`]); a code the table does not know gets the name of
//! its class (`"299 Success"`). The string form is passed on as written, so
//! a custom reason phrase stays possible. Implementations of
//! [`StartResponse`](crate::StartResponse) still receive the status as text
//! (START-003).

use std::borrow::Cow;
use std::fmt;

/// The reason phrases of RFC 9110 section 15, plus the registered codes in
/// common use from other RFCs (103, 428, 429, 431, 451, 511), sorted by
/// code.
pub const REASON_PHRASES: &[(u16, &str)] = &[
    (100, "Continue"),
    (101, "Switching Protocols"),
    (103, "Early Hints"),
    (200, "OK"),
    (201, "Created"),
    (202, "Accepted"),
    (203, "Non-Authoritative Information"),
    (204, "No Content"),
    (205, "Reset Content"),
    (206, "Partial Content"),
    (300, "Multiple Choices"),
    (301, "Moved Permanently"),
    (302, "Found"),
    (303, "See Other"),
    (304, "Not Modified"),
    (305, "Use Proxy"),
    (307, "Temporary Redirect"),
    (308, "Permanent Redirect"),
    (400, "Bad Request"),
    (401, "Unauthorized"),
    (402, "Payment Required"),
    (403, "Forbidden"),
    (404, "Not Found"),
    (405, "Method Not Allowed"),
    (406, "Not Acceptable"),
    (407, "Proxy Authentication Required"),
    (408, "Request Timeout"),
    (409, "Conflict"),
    (410, "Gone"),
    (411, "Length Required"),
    (412, "Precondition Failed"),
    (413, "Content Too Large"),
    (414, "URI Too Long"),
    (415, "Unsupported Media Type"),
    (416, "Range Not Satisfiable"),
    (417, "Expectation Failed"),
    (421, "Misdirected Request"),
    (422, "Unprocessable Content"),
    (426, "Upgrade Required"),
    (428, "Precondition Required"),
    (429, "Too Many Requests"),
    (431, "Request Header Fields Too Large"),
    (451, "Unavailable For Legal Reasons"),
    (500, "Internal Server Error"),
    (501, "Not Implemented"),
    (502, "Bad Gateway"),
    (503, "Service Unavailable"),
    (504, "Gateway Timeout"),
    (505, "HTTP Version Not Supported"),
    (511, "Network Authentication Required"),
];

/// The reason phrase of `code` from [`REASON_PHRASES`], if the table has it.
///
/// ```
/// assert_eq!(rgi::status::reason_phrase(404), Some("Not Found"));
/// assert_eq!(rgi::status::reason_phrase(299), None);
/// ```
pub fn reason_phrase(code: u16) -> Option<&'static str> {
    REASON_PHRASES
        .binary_search_by_key(&code, |&(c, _)| c)
        .ok()
        .map(|i| REASON_PHRASES[i].1)
}

/// The name of the class of `code` (RFC 9110 section 15): `"Informational"`,
/// `"Success"`, `"Redirection"`, `"Client Error"`, `"Server Error"`; `None`
/// outside 100-599.
pub fn class_name(code: u16) -> Option<&'static str> {
    Some(match code {
        100..=199 => "Informational",
        200..=299 => "Success",
        300..=399 => "Redirection",
        400..=499 => "Client Error",
        500..=599 => "Server Error",
        _ => return None,
    })
}

/// A status code, typed: `StatusCode::NOT_FOUND` or `StatusCode::new(404)`.
/// `Display` gives the status line `start` takes (`"404 Not Found"`).
///
/// ```
/// use rgi::status::StatusCode;
/// assert_eq!(StatusCode::NOT_FOUND.to_string(), "404 Not Found");
/// assert_eq!(StatusCode::new(299).unwrap().to_string(), "299 Success");
/// assert!(StatusCode::new(600).is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StatusCode(u16);

macro_rules! codes {
    ($($name:ident = $code:literal;)*) => {
        impl StatusCode {
            $(
                #[doc = concat!("`", stringify!($code), "`.")]
                pub const $name: StatusCode = StatusCode($code);
            )*
        }
    };
}

codes! {
    CONTINUE = 100;
    SWITCHING_PROTOCOLS = 101;
    EARLY_HINTS = 103;
    OK = 200;
    CREATED = 201;
    ACCEPTED = 202;
    NO_CONTENT = 204;
    PARTIAL_CONTENT = 206;
    MOVED_PERMANENTLY = 301;
    FOUND = 302;
    SEE_OTHER = 303;
    NOT_MODIFIED = 304;
    TEMPORARY_REDIRECT = 307;
    PERMANENT_REDIRECT = 308;
    BAD_REQUEST = 400;
    UNAUTHORIZED = 401;
    FORBIDDEN = 403;
    NOT_FOUND = 404;
    METHOD_NOT_ALLOWED = 405;
    NOT_ACCEPTABLE = 406;
    CONFLICT = 409;
    GONE = 410;
    LENGTH_REQUIRED = 411;
    PRECONDITION_FAILED = 412;
    CONTENT_TOO_LARGE = 413;
    UNSUPPORTED_MEDIA_TYPE = 415;
    RANGE_NOT_SATISFIABLE = 416;
    UNPROCESSABLE_CONTENT = 422;
    TOO_MANY_REQUESTS = 429;
    INTERNAL_SERVER_ERROR = 500;
    NOT_IMPLEMENTED = 501;
    BAD_GATEWAY = 502;
    SERVICE_UNAVAILABLE = 503;
    GATEWAY_TIMEOUT = 504;
}

impl StatusCode {
    /// The code, if it is within 100-599.
    pub const fn new(code: u16) -> Option<StatusCode> {
        if code >= 100 && code <= 599 {
            Some(StatusCode(code))
        } else {
            None
        }
    }

    /// The number.
    pub const fn as_u16(self) -> u16 {
        self.0
    }

    /// The reason phrase: the table's, or the class name for a code the
    /// table does not know.
    pub fn reason(self) -> &'static str {
        reason_phrase(self.0)
            .or_else(|| class_name(self.0))
            .unwrap_or("Unknown")
    }
}

impl fmt::Display for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.0, self.reason())
    }
}

/// The status argument of `start` and `start_error` on
/// `dyn StartResponse`: converts from `"200 OK"` (`&str`, `String`), a
/// number (`200`) and a [`StatusCode`].
///
/// A number outside 100-599 becomes text that `start` refuses
/// ([`Error::InvalidStatus`](crate::Error::InvalidStatus), START-003), like
/// any malformed status string.
///
/// ```
/// use rgi::status::StatusLine;
/// assert_eq!(StatusLine::from(201).as_str(), "201 Created");
/// assert_eq!(StatusLine::from("299 Custom").as_str(), "299 Custom");
/// assert_eq!(StatusLine::from(42).as_str(), "042 Unknown");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusLine<'a>(Cow<'a, str>);

impl StatusLine<'_> {
    /// The status as `start_response` receives it: `"200 OK"`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'a> From<&'a str> for StatusLine<'a> {
    fn from(text: &'a str) -> Self {
        StatusLine(Cow::Borrowed(text))
    }
}

impl<'a> From<&'a String> for StatusLine<'a> {
    fn from(text: &'a String) -> Self {
        StatusLine(Cow::Borrowed(text))
    }
}

impl From<String> for StatusLine<'_> {
    fn from(text: String) -> Self {
        StatusLine(Cow::Owned(text))
    }
}

impl<'a> From<Cow<'a, str>> for StatusLine<'a> {
    fn from(text: Cow<'a, str>) -> Self {
        StatusLine(text)
    }
}

impl From<StatusCode> for StatusLine<'_> {
    fn from(code: StatusCode) -> Self {
        match reason_phrase(code.0) {
            Some(reason) => StatusLine(Cow::Owned(format!("{} {reason}", code.0))),
            None => StatusLine(Cow::Owned(code.to_string())),
        }
    }
}

impl From<u16> for StatusLine<'_> {
    fn from(code: u16) -> Self {
        match StatusCode::new(code) {
            Some(code) => code.into(),
            // Three digits so that check_status names the range.
            None => StatusLine(Cow::Owned(format!("{code:03} Unknown"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::start_response::check_status;

    #[test]
    fn table_is_sorted_and_every_line_is_a_valid_status() {
        assert!(REASON_PHRASES.windows(2).all(|w| w[0].0 < w[1].0));
        for &(code, reason) in REASON_PHRASES {
            let line = StatusLine::from(code);
            let status = check_status(line.as_str()).unwrap();
            assert_eq!((status.code, status.reason), (code, reason));
        }
    }

    #[test]
    fn numbers_outside_the_range_are_refused_by_check_status() {
        // START-003
        for code in [0, 42, 99, 600, 1000] {
            assert!(check_status(StatusLine::from(code).as_str()).is_err());
        }
        assert_eq!(StatusLine::from(599).as_str(), "599 Server Error");
    }
}
