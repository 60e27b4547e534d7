//! [`StartResponse`]: how an application gives its status and headers, and
//! the checks every implementation applies to them.

use crate::status::StatusLine;
use crate::{Error, Headers};

/// The `start_response` handle passed to
/// [`Application::call`](crate::Application::call).
///
/// An application calls `start` exactly once before returning its body,
/// with the status (a number such as `200`, a
/// [`StatusCode`](crate::status::StatusCode), or the string form
/// `"200 OK"`) and the headers. Nothing is transmitted by `start`: the head
/// goes out with the first non-empty body bytes, or when the body ends
/// (START-008).
///
/// ```
/// use rgi::{Body, Environ, Headers, StartResponse};
///
/// fn app(_env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, rgi::AppError> {
///     let mut headers = Headers::from([("Content-Type", "text/html; charset=utf-8")]);
///     headers.add("Cache-Control", "no-store");
///     start.start(200, headers)?; // or start.start("200 OK", headers)
///     Ok(Body::from("<p>hi</p>"))
/// }
/// # let _ = rgi::app(app);
/// ```
///
/// Servers implement the trait (and so do middleware that need to see or
/// change the status and headers): its required methods receive the status
/// as text, [`start_text`](Self::start_text) and
/// [`start_error_text`](Self::start_error_text). The `start` and
/// `start_error` that applications call are defined on
/// `dyn StartResponse` and forward to them.
pub trait StartResponse {
    /// Stores the response status (`"200 OK"`) and headers: what
    /// `start` forwards to. Implementations check both at once (see
    /// [`check_status`] and [`check_headers`]) and return the error, so the
    /// application can still react. A second call returns
    /// [`Error::AlreadyStarted`].
    fn start_text(&mut self, status: &str, headers: Headers) -> Result<(), Error>;

    /// The error-recovery call (WSGI's `start_response` with `exc_info`),
    /// what `start_error` forwards to: replaces the stored status and
    /// headers if the head was not sent yet, and may be called whether or
    /// not `start` was. Once the head has been sent it returns
    /// [`Error::HeadersAlreadySent`]; the application must then return an
    /// error so the server aborts the connection (START-007).
    fn start_error_text(&mut self, status: &str, headers: Headers) -> Result<(), Error>;

    /// Legacy imperative output: sends the head (if not yet sent) and then
    /// `data`, before `call` returns. Bytes written this way come before any
    /// byte of the returned body. New applications should return a body
    /// instead (START-010).
    fn write(&mut self, data: &[u8]) -> Result<(), Error>;

    /// True once the head has been transmitted.
    fn headers_sent(&self) -> bool;
}

/// `start` and `start_error` as applications call them: on the
/// `&mut dyn StartResponse` they receive, the status may be a number
/// (`200` becomes `"200 OK"`), a [`StatusCode`](crate::status::StatusCode)
/// or the string form (see [`StatusLine`]). They forward the status as
/// text to the implementation's [`StartResponse::start_text`] and
/// [`StartResponse::start_error_text`].
///
/// ```
/// use rgi::{Body, Environ, StartResponse};
///
/// fn app(_env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, rgi::AppError> {
///     start.start(200, [("Content-Type", "text/plain")].into())?;
///     Ok(Body::from("hi"))
/// }
/// let response = rgi::test::TestClient::new(rgi::app(app)).get("/");
/// assert_eq!((response.status(), response.reason()), (200, "OK"));
/// ```
impl<'s> dyn StartResponse + 's {
    /// [`StartResponse::start_text`] with a status given as a number, a
    /// [`StatusCode`](crate::status::StatusCode) or a string.
    pub fn start<'a>(
        &mut self,
        status: impl Into<StatusLine<'a>>,
        headers: Headers,
    ) -> Result<(), Error> {
        self.start_text(status.into().as_str(), headers)
    }

    /// [`StartResponse::start_error_text`] with a status given as a number, a
    /// [`StatusCode`](crate::status::StatusCode) or a string.
    pub fn start_error<'a>(
        &mut self,
        status: impl Into<StatusLine<'a>>,
        headers: Headers,
    ) -> Result<(), Error> {
        self.start_error_text(status.into().as_str(), headers)
    }
}

/// The parts of a valid status: its code and reason phrase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status<'a> {
    /// The three-digit code, 100 to 599.
    pub code: u16,
    /// The reason phrase (non-empty).
    pub reason: &'a str,
}

impl Status<'_> {
    /// True for codes whose responses never have a body: 1xx, 204 and 304
    /// (BODY-006).
    pub fn forbids_body(&self) -> bool {
        code_forbids_body(self.code)
    }
}

/// True for status codes whose responses never have a body: 1xx, 204 and
/// 304 (BODY-006). [`Status::forbids_body`] for a bare code.
///
/// ```
/// use rgi::start_response::code_forbids_body;
/// assert!(code_forbids_body(204) && code_forbids_body(304) && code_forbids_body(101));
/// assert!(!code_forbids_body(200));
/// ```
pub fn code_forbids_body(code: u16) -> bool {
    code < 200 || code == 204 || code == 304
}

/// Checks a status string: three digits from 100 to 599, one space, then a
/// non-empty reason phrase of visible characters, spaces and tabs
/// (START-003).
///
/// ```
/// use rgi::start_response::check_status;
/// assert_eq!(check_status("404 Not Found").unwrap().code, 404);
/// assert!(check_status("200").is_err());
/// assert!(check_status("200 OK\r\nX: y").is_err());
/// ```
pub fn check_status(status: &str) -> Result<Status<'_>, Error> {
    let fail = |reason| Error::InvalidStatus {
        status: status.to_owned(),
        reason,
    };
    let bytes = status.as_bytes();
    if bytes.len() < 5 {
        return Err(fail("it is shorter than \"NNN R\""));
    }
    if !bytes[..3].iter().all(u8::is_ascii_digit) {
        return Err(fail("it does not begin with a three-digit code"));
    }
    if bytes[3] != b' ' {
        return Err(fail("the code is not followed by one space"));
    }
    let code = u16::from(bytes[0] - b'0') * 100
        + u16::from(bytes[1] - b'0') * 10
        + u16::from(bytes[2] - b'0');
    if !(100..=599).contains(&code) {
        return Err(fail("the code is outside 100-599"));
    }
    let reason = &status[4..];
    if reason
        .bytes()
        .any(|b| (b < 0x20 && b != b'\t') || b == 0x7f)
    {
        return Err(fail("it contains a control character"));
    }
    if reason.trim().is_empty() {
        return Err(fail("the reason phrase is empty"));
    }
    Ok(Status { code, reason })
}

/// True if `name` is an RFC 9110 token: one or more of letters, digits and
/// ``!#$%&'*+-.^_`|~``.
pub fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'|'
                        | b'~'
                )
        })
}

/// The hop-by-hop header names an application must not send (HDR-003).
pub const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Checks one response header field: a token name (HDR-001), a value without
/// control characters other than tab (HDR-002), not hop-by-hop (HDR-003),
/// not `Status` (HDR-005), and a `Content-Length` of digits only (HDR-006).
pub fn check_header(name: &str, value: &str) -> Result<(), Error> {
    if !is_token(name) {
        return Err(Error::InvalidHeaderName {
            name: name.to_owned(),
        });
    }
    check_value(name, value)?;
    if HOP_BY_HOP.iter().any(|h| h.eq_ignore_ascii_case(name)) {
        return Err(Error::HopByHopHeader {
            name: name.to_owned(),
        });
    }
    if name.eq_ignore_ascii_case("status") {
        return Err(Error::StatusHeader);
    }
    if name.eq_ignore_ascii_case("content-length") {
        parse_content_length(value)?;
    }
    Ok(())
}

/// HDR-002: no control character other than tab in a value.
fn check_value(name: &str, value: &str) -> Result<(), Error> {
    match value
        .as_bytes()
        .iter()
        .find(|&&b| (b < 0x20 && b != b'\t') || b == 0x7f)
    {
        Some(&byte) => Err(Error::InvalidHeaderValue {
            name: name.to_owned(),
            byte,
        }),
        None => Ok(()),
    }
}

/// Checks every header (see [`check_header`]) and returns the declared
/// `Content-Length`, if any. Several `Content-Length` fields must agree.
///
/// Without a status this refuses `Upgrade` and `Proxy-Authenticate`
/// everywhere; [`check_response`] allows them where RFC 9110 requires them
/// (HDR-003).
pub fn check_headers(headers: &Headers) -> Result<Option<u64>, Error> {
    check_headers_for(0, headers)
}

/// The one hop-by-hop field a response with status `code` may carry, because
/// RFC 9110 requires it there (HDR-003): `Upgrade` on a 426 (section 15.5.22)
/// and `Proxy-Authenticate` on a 407 (section 15.5.8).
pub fn required_hop_by_hop(code: u16) -> Option<&'static str> {
    match code {
        426 => Some("upgrade"),
        407 => Some("proxy-authenticate"),
        _ => None,
    }
}

/// What a server's `start` and `start_error` check (START-003, START-006):
/// the status ([`check_status`]), that it is a final status (200 to 599: rgi
/// 1.0 has no interim responses), and the headers in the light of the status
/// ([`check_headers`], with `Upgrade` allowed on a 426 and
/// `Proxy-Authenticate` on a 407, HDR-003). Returns the status code and the
/// declared `Content-Length`.
///
/// ```
/// use rgi::start_response::check_response;
/// use rgi::Headers;
///
/// let plain = Headers::from([("Content-Type", "text/plain")]);
/// assert_eq!(check_response("200 OK", &plain).unwrap(), (200, None));
/// assert!(check_response("103 Early Hints", &plain).is_err());
/// let upgrade = Headers::from([("Upgrade", "websocket")]);
/// assert!(check_response("426 Upgrade Required", &upgrade).is_ok());
/// assert!(check_response("200 OK", &upgrade).is_err());
/// ```
pub fn check_response(status: &str, headers: &Headers) -> Result<(u16, Option<u64>), Error> {
    let code = check_status(status)?.code;
    if code < 200 {
        return Err(Error::InvalidStatus {
            status: status.to_owned(),
            reason: "a 1xx status is interim and cannot be the response (rgi 1.0 has no interim responses)",
        });
    }
    let declared = check_headers_for(code, headers)?;
    Ok((code, declared))
}

/// What a server's `start` checks for a `101 Switching Protocols` when the
/// request's connection can be taken over (`rgi.upgrade`, UPG-002): an
/// `Upgrade` field naming the protocol, the `upgrade` option in
/// `Connection`, no `Content-Length` (RFC 9110 section 8.6), and every other
/// field as [`check_header`] checks it.
///
/// ```
/// use rgi::start_response::check_switch;
/// use rgi::Headers;
///
/// let ok = Headers::from([("Upgrade", "websocket"), ("Connection", "Upgrade")]);
/// assert!(check_switch("101 Switching Protocols", &ok).is_ok());
/// let no_option = Headers::from([("Upgrade", "websocket")]);
/// assert_eq!(check_switch("101 Switching Protocols", &no_option).unwrap_err().rule(), Some("UPG-003"));
/// ```
pub fn check_switch(status: &str, headers: &Headers) -> Result<(), Error> {
    let fail = |reason| Err(Error::InvalidUpgrade { reason });
    if check_status(status)?.code != 101 {
        return fail("the status is not 101");
    }
    let mut protocol = false;
    let mut option = false;
    for (name, value) in headers.iter() {
        if name.eq_ignore_ascii_case("upgrade") {
            check_value(name, value)?;
            protocol |= !value.trim().is_empty();
        } else if name.eq_ignore_ascii_case("connection") {
            check_value(name, value)?;
            option |= value
                .split(',')
                .any(|o| o.trim().eq_ignore_ascii_case("upgrade"));
        } else if name.eq_ignore_ascii_case("content-length") {
            return fail("a 101 has no Content-Length");
        } else {
            check_header(name, value)?;
        }
    }
    match (protocol, option) {
        (false, _) => fail("no Upgrade field names the protocol switched to"),
        (_, false) => fail("the Connection field lacks the upgrade option"),
        _ => Ok(()),
    }
}

fn check_headers_for(code: u16, headers: &Headers) -> Result<Option<u64>, Error> {
    let allowed = required_hop_by_hop(code);
    let mut length = None;
    for (name, value) in headers.iter() {
        if allowed.is_some_and(|a| a.eq_ignore_ascii_case(name)) {
            check_value(name, value)?;
            continue;
        }
        check_header(name, value)?;
        if name.eq_ignore_ascii_case("content-length") {
            let this = parse_content_length(value)?;
            if length.is_some_and(|l| l != this) {
                return Err(Error::InvalidContentLength {
                    value: value.to_owned(),
                });
            }
            length = Some(this);
        }
    }
    Ok(length)
}

/// Parses a `Content-Length` value: ASCII digits only, no sign, no spaces
/// inside, no overflow.
pub fn parse_content_length(value: &str) -> Result<u64, Error> {
    let digits = value.trim_matches(|c| c == ' ' || c == '\t');
    let fail = || Error::InvalidContentLength {
        value: value.to_owned(),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(fail());
    }
    digits.parse().map_err(|_| fail())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_forms() {
        // START-003
        for good in [
            "200 OK",
            "404 Not Found",
            "599 x",
            "100 Continue",
            "200 OK\t!",
        ] {
            assert!(check_status(good).is_ok(), "{good}");
        }
        for bad in [
            "", "200", "200 ", "200OK", "20X OK", "2000 OK", "099 X", "600 X", "200  ", "200 O\nK",
            "200 OK\r", " 200 OK", "200\tOK",
        ] {
            assert!(check_status(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn bodiless_codes() {
        for (code, bodiless) in [
            (100, true),
            (199, true),
            (200, false),
            (204, true),
            (304, true),
        ] {
            let s = format!("{code} X");
            assert_eq!(check_status(&s).unwrap().forbids_body(), bodiless, "{code}");
        }
    }

    #[test]
    fn header_names_must_be_tokens() {
        // HDR-001
        for bad in ["", "A B", "A:", "A\r", "é", "(x)"] {
            assert!(
                matches!(check_header(bad, "v"), Err(Error::InvalidHeaderName { .. })),
                "{bad:?}"
            );
        }
        assert!(check_header("X-Custom_Name.1", "v").is_ok());
    }

    #[test]
    fn header_values_refuse_controls_but_allow_tab() {
        // HDR-002
        for byte in (0u8..0x20).chain([0x7f]) {
            let value = format!("a{}b", byte as char);
            let result = check_header("X", &value);
            if byte == b'\t' {
                assert!(result.is_ok());
            } else {
                assert!(
                    matches!(result, Err(Error::InvalidHeaderValue { byte: b, .. }) if b == byte)
                );
            }
        }
    }

    #[test]
    fn hop_by_hop_and_status_are_refused() {
        // HDR-003, HDR-005
        for name in [
            "Connection",
            "keep-alive",
            "TE",
            "Transfer-Encoding",
            "Upgrade",
            "Trailer",
        ] {
            assert!(matches!(
                check_header(name, "x"),
                Err(Error::HopByHopHeader { .. })
            ));
        }
        assert!(matches!(
            check_header("Status", "200 OK"),
            Err(Error::StatusHeader)
        ));
    }

    #[test]
    fn upgrade_on_426_and_proxy_authenticate_on_407_only() {
        // HDR-003: RFC 9110 requires Upgrade on a 426 (15.5.22) and
        // Proxy-Authenticate on a 407 (15.5.8); elsewhere they stay refused.
        let upgrade = Headers::from([("Upgrade", "websocket")]);
        let proxy = Headers::from([("Proxy-Authenticate", "Basic realm=\"p\"")]);
        assert!(check_response("426 Upgrade Required", &upgrade).is_ok());
        assert!(check_response("407 Proxy Authentication Required", &proxy).is_ok());
        for (status, headers) in [
            ("200 OK", &upgrade),
            ("407 Proxy Authentication Required", &upgrade),
            ("426 Upgrade Required", &proxy),
            ("401 Unauthorized", &proxy),
        ] {
            assert!(
                matches!(
                    check_response(status, headers),
                    Err(Error::HopByHopHeader { .. })
                ),
                "{status}"
            );
        }
        assert!(check_headers(&upgrade).is_err());
        let bad = Headers::from([("Upgrade", "a\r\nb")]);
        assert!(matches!(
            check_response("426 Upgrade Required", &bad),
            Err(Error::InvalidHeaderValue { .. })
        ));
    }

    #[test]
    fn start_refuses_interim_statuses() {
        // START-003: 100-199 are refused as the response status.
        let none = Headers::new();
        for status in [
            "100 Continue",
            "101 Switching Protocols",
            "103 Early Hints",
            "199 X",
        ] {
            assert!(check_status(status).is_ok(), "{status}");
            assert!(
                matches!(
                    check_response(status, &none),
                    Err(Error::InvalidStatus { .. })
                ),
                "{status}"
            );
        }
        assert_eq!(check_response("200 OK", &none).unwrap(), (200, None));
    }

    #[test]
    fn content_length_is_digits_and_duplicates_agree() {
        // HDR-006
        for bad in [
            "",
            "+5",
            "-1",
            "0x10",
            "5 5",
            "5,6",
            "99999999999999999999999",
        ] {
            assert!(parse_content_length(bad).is_err(), "{bad:?}");
        }
        assert_eq!(parse_content_length("42").unwrap(), 42);
        let same = Headers::from([("Content-Length", "3"), ("content-length", "3")]);
        assert_eq!(check_headers(&same).unwrap(), Some(3));
        let differ = Headers::from([("Content-Length", "3"), ("content-length", "4")]);
        assert!(check_headers(&differ).is_err());
    }
}
