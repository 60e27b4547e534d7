//! The gateway side: building the [`Environ`] from a request head, and the
//! server's [`StartResponse`] implementation.

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use super::encode::{self, HeadParts, OutFraming};
use super::head::{self, Head};
use super::transport::{lock, Stream, Transport};
use super::{Config, ConnInfo};
use crate::start_response::check_response;
use crate::{EnvValue, Environ, Error, Headers, StartResponse};

/// `REQUEST_METHOD` for common methods without allocating.
fn method_value(method: &str) -> EnvValue {
    const COMMON: [&str; 9] = [
        "GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE",
    ];
    match COMMON.iter().find(|m| **m == method) {
        Some(m) => EnvValue::from(*m),
        None => EnvValue::from(method.to_owned()),
    }
}

/// The environ key of a request header: `HTTP_` + the name upper-cased with
/// `-` turned into `_` (ENV-029). `None` for names containing anything but
/// ASCII letters, digits and `-` (ENV-030: `_` would alias a `-` name, other
/// token punctuation has no place in a CGI key) and for
/// Content-Type/Content-Length, which have their own keys.
pub(crate) fn header_key(name: &str) -> Option<Cow<'static, str>> {
    const COMMON: [(&str, &str); 22] = [
        ("host", "HTTP_HOST"),
        ("user-agent", "HTTP_USER_AGENT"),
        ("accept", "HTTP_ACCEPT"),
        ("accept-encoding", "HTTP_ACCEPT_ENCODING"),
        ("accept-language", "HTTP_ACCEPT_LANGUAGE"),
        ("connection", "HTTP_CONNECTION"),
        ("cookie", "HTTP_COOKIE"),
        ("referer", "HTTP_REFERER"),
        ("cache-control", "HTTP_CACHE_CONTROL"),
        ("origin", "HTTP_ORIGIN"),
        ("authorization", "HTTP_AUTHORIZATION"),
        ("if-none-match", "HTTP_IF_NONE_MATCH"),
        ("if-modified-since", "HTTP_IF_MODIFIED_SINCE"),
        ("pragma", "HTTP_PRAGMA"),
        (
            "upgrade-insecure-requests",
            "HTTP_UPGRADE_INSECURE_REQUESTS",
        ),
        ("x-forwarded-for", "HTTP_X_FORWARDED_FOR"),
        ("x-forwarded-proto", "HTTP_X_FORWARDED_PROTO"),
        ("x-requested-with", "HTTP_X_REQUESTED_WITH"),
        ("expect", "HTTP_EXPECT"),
        ("transfer-encoding", "HTTP_TRANSFER_ENCODING"),
        ("range", "HTTP_RANGE"),
        ("te", "HTTP_TE"),
    ];
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return None;
    }
    if let Some((_, key)) = COMMON.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
        return Some(Cow::Borrowed(key));
    }
    let mut key = String::with_capacity(5 + name.len());
    key.push_str("HTTP_");
    key.extend(name.chars().map(|c| match c {
        '-' => '_',
        c => c.to_ascii_uppercase(),
    }));
    Some(Cow::Owned(key))
}

/// The fields that stay in the environ even when `Connection` names them:
/// ENV-033's hop-by-hop fields (there for information) and the fields meant
/// for every recipient, which a connection option must not name (RFC 9110
/// §7.6.1).
const KEPT_WHEN_NAMED: [&str; 9] = [
    "connection",
    "keep-alive",
    "te",
    "transfer-encoding",
    "upgrade",
    "expect",
    "host",
    "content-type",
    "content-length",
];

/// True if a `Connection` field of the request names a field other than
/// those of [`KEPT_WHEN_NAMED`]: only then must [`named_in_connection`] be
/// asked about each field.
fn has_connection_options(headers: &[httparse::Header<'_>]) -> bool {
    headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("connection"))
        .flat_map(|h| head::list_elements(h.value))
        .any(|option| {
            !option.eq_ignore_ascii_case(b"close")
                && !KEPT_WHEN_NAMED
                    .iter()
                    .any(|k| option.eq_ignore_ascii_case(k.as_bytes()))
        })
}

/// ENV-038 (RFC 9110 §7.6.1): `name` is a connection option of the request,
/// so the field is hop-by-hop and stays out of the environ.
fn named_in_connection(headers: &[httparse::Header<'_>], name: &str) -> bool {
    !KEPT_WHEN_NAMED.iter().any(|k| k.eq_ignore_ascii_case(name))
        && headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case("connection"))
            .flat_map(|h| head::list_elements(h.value))
            .any(|option| option.eq_ignore_ascii_case(name.as_bytes()))
}

/// Splits a request target into (path, query). An absolute-form target
/// (`http://host/p?q`) gives its path; `*` and authority-form stay whole.
pub(crate) fn split_target(target: &[u8]) -> (&[u8], &[u8]) {
    let mut rest = target;
    if let Some(authority) = head::absolute_authority(target) {
        let scheme_len = if target[4] == b':' { 7 } else { 8 };
        rest = &target[scheme_len + authority.len()..];
    }
    match rest.iter().position(|&b| b == b'?') {
        Some(q) => (&rest[..q], &rest[q + 1..]),
        None => (rest, &[][..]),
    }
}

/// `SERVER_NAME` for a configured name (ENV-011, RFC 3875 §4.1.14): an IPv6
/// address in brackets, anything else as given.
pub(crate) fn cgi_server_name(name: &str) -> String {
    if name.parse::<std::net::Ipv6Addr>().is_ok() {
        format!("[{name}]")
    } else {
        name.to_owned()
    }
}

/// Builds the environ of a request (everything but the input stream).
/// The environ values that stay the same for every request on a connection
/// (`SERVER_NAME`, `SERVER_PORT`, `REMOTE_ADDR`, `REMOTE_PORT`), made once per
/// connection and shared by its requests' environs without copying.
#[derive(Debug, Clone)]
pub(crate) struct ConnValues {
    server_name: EnvValue,
    server_port: EnvValue,
    remote_addr: EnvValue,
    remote_port: EnvValue,
}

impl ConnValues {
    pub(crate) fn new(info: &ConnInfo) -> Self {
        let shared = |text: String| EnvValue::from(std::sync::Arc::<[u8]>::from(text.into_bytes()));
        ConnValues {
            server_name: shared(cgi_server_name(&info.server_name)),
            server_port: shared(info.server_port.to_string()),
            remote_addr: shared(info.remote_addr.clone()),
            remote_port: shared(info.remote_port.to_string()),
        }
    }
}

pub(crate) fn build_environ(
    head: &Head<'_, '_>,
    values: &ConnValues,
    info: &ConnInfo,
    config: &Config,
) -> Environ {
    let mut env = Environ::new();
    let (path, query) = split_target(head.target);
    // Decision 1: PATH_INFO is the percent-decoded path, bytes kept as they
    // are (invalid escapes stay literal); QUERY_STRING and REQUEST_URI raw.
    let mut path_info: Vec<u8> = percent_encoding::percent_decode(path).collect();
    let authority = head::absolute_authority(head.target);
    if path_info.is_empty() && authority.is_some() {
        path_info.push(b'/');
    }
    env.insert_new("REQUEST_METHOD", method_value(head.method));
    env.insert_new("SCRIPT_NAME", "");
    env.insert_new("PATH_INFO", path_info);
    env.insert_new("QUERY_STRING", query.to_vec());
    env.insert_new("REQUEST_URI", head.target.to_vec());
    env.insert_new(
        "SERVER_PROTOCOL",
        if head.minor == 1 {
            "HTTP/1.1"
        } else {
            "HTTP/1.0"
        },
    );
    env.insert_new("SERVER_NAME", values.server_name.clone());
    env.insert_new("SERVER_PORT", values.server_port.clone());
    env.insert_new("SERVER_SOFTWARE", config.server_software);
    env.insert_new("GATEWAY_INTERFACE", "CGI/1.1");
    env.insert_new("REMOTE_ADDR", values.remote_addr.clone());
    env.insert_new("REMOTE_PORT", values.remote_port.clone());

    let mut content_length_seen = false;
    let mut content_type_seen = false;
    let options = has_connection_options(head.headers);
    for (i, h) in head.headers.iter().enumerate() {
        let name = h.name;
        if options && named_in_connection(head.headers, name) {
            continue;
        }
        let value = head::trim_ows(h.value);
        // Decision 11: CONTENT_TYPE / CONTENT_LENGTH, never HTTP_CONTENT_*.
        if name.eq_ignore_ascii_case("content-length") {
            // ENV-009: the body length in plain digits.
            if let (false, head::Framing::Length(n)) = (content_length_seen, head.framing) {
                env.insert_new("CONTENT_LENGTH", n.to_string());
            }
            content_length_seen = true;
            continue;
        }
        let key = if name.eq_ignore_ascii_case("content-type") {
            Cow::Borrowed("CONTENT_TYPE")
        } else if authority.is_some() && name.eq_ignore_ascii_case("host") {
            // HTTP-006: an absolute-form authority replaces Host.
            continue;
        } else {
            match header_key(name) {
                Some(key) => key,
                None => continue,
            }
        };
        let is_type = key == "CONTENT_TYPE";
        let repeated = if is_type {
            content_type_seen
        } else {
            head.headers[..i]
                .iter()
                .any(|earlier| earlier.name.eq_ignore_ascii_case(name))
        };
        content_type_seen |= is_type;
        if repeated {
            // Repeats combine in arrival order: ", " (Cookie: "; ").
            let sep: &[u8] = if name.eq_ignore_ascii_case("cookie") {
                b"; "
            } else {
                b", "
            };
            let mut joined = env.get_bytes(&key).unwrap_or_default().to_vec();
            joined.extend_from_slice(sep);
            joined.extend_from_slice(value);
            env.set(key, joined);
        } else {
            env.insert_new(key, value.to_vec());
        }
    }
    if let Some(authority) = authority {
        env.insert_new("HTTP_HOST", authority.to_vec());
    }
    env.set_url_scheme(info.url_scheme);
    env.set_multithread(true);
    env.set_multiprocess(false);
    env.set_run_once(false);
    env.set_input_terminated(head.framing == head::Framing::Chunked);
    env.set_file_wrapper(true);
    env
}

/// What the connection loop knows about the request when responding.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReqInfo {
    pub head_only: bool,
    pub minor: u8,
    /// The connection may be kept open after this response.
    pub keep_alive: bool,
}

/// The server's `start_response`: validates at call time, stores, and sends
/// the head with the first body bytes (START-008).
pub(crate) struct Responder<'a, S> {
    shared: &'a Mutex<Transport<S>>,
    req: ReqInfo,
    server: &'static str,
    stopping: Option<&'a AtomicBool>,
    pub status: Option<String>,
    /// `start` was called, whether or not it was accepted (START-006).
    start_called: bool,
    pub code: u16,
    headers: Headers,
    declared: Option<u64>,
    pub head_sent: bool,
    pub framing: OutFraming,
    pub body_bytes: u64,
    /// The connection closes after this response.
    pub close: bool,
    /// The response was cut short (the connection must close).
    pub aborted: bool,
    /// The application's Content-Length was dropped (HDR-008).
    pub dropped_length: bool,
}

impl<'a, S: Stream> Responder<'a, S> {
    pub fn new(
        shared: &'a Mutex<Transport<S>>,
        req: ReqInfo,
        server: &'static str,
        stopping: Option<&'a AtomicBool>,
    ) -> Self {
        Responder {
            shared,
            req,
            server,
            stopping,
            status: None,
            start_called: false,
            code: 0,
            headers: Headers::new(),
            declared: None,
            head_sent: false,
            framing: OutFraming::NoBody,
            body_bytes: 0,
            close: !req.keep_alive,
            aborted: false,
            dropped_length: false,
        }
    }

    fn store(&mut self, status: &str, headers: Headers) -> Result<(), Error> {
        // START-003, HDR-001..006: checked when called, nothing stored on error.
        let (code, declared) = check_response(status, &headers)?;
        self.status = Some(status.to_owned());
        self.code = code;
        self.headers = headers;
        self.declared = declared;
        Ok(())
    }

    /// Queues the head; `known` is the body length if known.
    pub fn send_head(&mut self, t: &mut Transport<S>, known: Option<u64>) {
        let code = self.code;
        let bodiless_status = code < 200 || code == 204 || code == 304;
        if (code < 200 || code == 204) && self.headers.remove("content-length") > 0 {
            // HTTP-021: no Content-Length on 1xx and 204.
            // Logged by the connection loop, which knows the request.
            self.dropped_length = true;
            self.declared = None;
        }
        let length = self.declared.or(known);
        self.framing = if bodiless_status || self.req.head_only {
            OutFraming::NoBody
        } else if let Some(n) = length {
            OutFraming::Length(n)
        } else if self.req.minor == 1 {
            OutFraming::Chunked
        } else {
            OutFraming::Close
        };
        // HTTP-026: announce the close when we know we will close: unknown
        // length on HTTP/1.0, a client still waiting for 100 Continue, or an
        // unread body larger than the drain cap.
        if self.framing == OutFraming::Close
            || self.stopping.is_some_and(|s| s.load(Ordering::SeqCst))
            || t.broken
            || t.body_error.is_some()
            || t.continue_pending
            || t.body_left()
                .is_some_and(|left| left > t.config.max_drain_bytes)
        {
            self.close = true;
        }
        // HTTP-020, HTTP-021, BODY-009: a computed Content-Length only for a
        // body that will be sent.
        let add_length = if self.declared.is_none() && !bodiless_status && !self.req.head_only {
            length
        } else {
            None
        };
        let connection = if self.close {
            Some(true)
        } else if self.req.minor == 0 {
            Some(false)
        } else {
            None
        };
        let status = self
            .status
            .as_deref()
            .unwrap_or("500 Internal Server Error");
        encode::push_head(
            &mut t.wbuf,
            HeadParts {
                status,
                headers: &self.headers,
                add_length,
                chunked: self.framing == OutFraming::Chunked,
                connection,
                server: self.server,
            },
        );
        t.response_started = true;
        t.continue_pending = false;
        self.head_sent = true;
    }

    /// Sends body bytes with the response's framing (BODY-004: never more
    /// than the declared length).
    pub fn send_data(&mut self, t: &mut Transport<S>, data: &[u8]) -> Result<(), Error> {
        if data.is_empty() {
            return Ok(());
        }
        match &mut self.framing {
            OutFraming::NoBody => Ok(()),
            OutFraming::Length(left) => {
                if data.len() as u64 > *left {
                    let declared = self.declared.unwrap_or(self.body_bytes + *left);
                    self.aborted = true;
                    return Err(Error::ContentLengthExceeded {
                        declared,
                        attempted: self.body_bytes + data.len() as u64,
                    });
                }
                *left -= data.len() as u64;
                self.body_bytes += data.len() as u64;
                t.write_data(data).map_err(Error::Io)
            }
            OutFraming::Chunked => {
                self.body_bytes += data.len() as u64;
                encode::push_hex(&mut t.wbuf, data.len() as u64);
                t.wbuf.extend_from_slice(b"\r\n");
                t.write_data(data).map_err(Error::Io)?;
                t.wbuf.extend_from_slice(b"\r\n");
                Ok(())
            }
            OutFraming::Close => {
                self.body_bytes += data.len() as u64;
                t.write_data(data).map_err(Error::Io)
            }
        }
    }

    /// Completes the framing. False if the body fell short of its declared
    /// length (the connection must then close: BODY-004).
    pub fn finish(&mut self, t: &mut Transport<S>) -> bool {
        match self.framing {
            OutFraming::Length(left) if left > 0 => {
                self.aborted = true;
                false
            }
            OutFraming::Chunked => {
                t.wbuf.extend_from_slice(b"0\r\n\r\n");
                true
            }
            _ => true,
        }
    }
}

impl<S: Stream> StartResponse for Responder<'_, S> {
    fn start_text(&mut self, status: &str, headers: Headers) -> Result<(), Error> {
        // START-005, START-006: one `start` per call, even a refused one;
        // after a refusal only `start_error` can record a response.
        if self.start_called || self.status.is_some() {
            return Err(Error::AlreadyStarted);
        }
        self.start_called = true;
        self.store(status, headers)
    }

    fn start_error_text(&mut self, status: &str, headers: Headers) -> Result<(), Error> {
        if self.head_sent {
            return Err(Error::HeadersAlreadySent);
        }
        self.store(status, headers)
    }

    fn write(&mut self, data: &[u8]) -> Result<(), Error> {
        if self.status.is_none() {
            return Err(Error::NotStarted);
        }
        if self.aborted {
            return Err(Error::Io(std::io::Error::other("the response was aborted")));
        }
        let shared = self.shared;
        let mut t = lock(shared);
        if t.write_failed {
            // START-015: after a failed write, every later write fails.
            return Err(Error::Io(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "the client connection failed; nothing more can be sent",
            )));
        }
        if !self.head_sent {
            self.send_head(&mut t, None);
        }
        self.send_data(&mut t, data)?;
        // START-010: write() transmits right away.
        t.flush().map_err(Error::Io)
    }

    fn headers_sent(&self) -> bool {
        self.head_sent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_keys() {
        assert_eq!(header_key("Host").as_deref(), Some("HTTP_HOST"));
        assert_eq!(
            header_key("X-Custom-Thing").as_deref(),
            Some("HTTP_X_CUSTOM_THING")
        );
        assert_eq!(header_key("X_Custom"), None);
    }

    #[test]
    fn fields_named_in_connection_stay_out_of_the_environ() {
        // ENV-038: a connection option names a hop-by-hop field; ENV-033's
        // fields and Host/Content-* stay.
        let headers = [
            httparse::Header {
                name: "Connection",
                value: b"close, X-Secret",
            },
            httparse::Header {
                name: "connection",
                value: b"Host, TE",
            },
            httparse::Header {
                name: "X-Secret",
                value: b"1",
            },
            httparse::Header {
                name: "Host",
                value: b"h",
            },
        ];
        assert!(has_connection_options(&headers));
        assert!(named_in_connection(&headers, "x-secret"));
        assert!(!named_in_connection(&headers, "Host"));
        assert!(!named_in_connection(&headers, "TE"));
        assert!(!named_in_connection(&headers, "X-Other"));
        let plain = [httparse::Header {
            name: "Connection",
            value: b"keep-alive, close",
        }];
        assert!(!has_connection_options(&plain));
    }

    #[test]
    fn ipv6_server_names_get_brackets() {
        // ENV-011 (RFC 3875 4.1.14): "[" ipv6-address "]".
        assert_eq!(cgi_server_name("::1"), "[::1]");
        assert_eq!(cgi_server_name("fe80::1"), "[fe80::1]");
        assert_eq!(cgi_server_name("[::1]"), "[::1]");
        assert_eq!(cgi_server_name("127.0.0.1"), "127.0.0.1");
        assert_eq!(cgi_server_name("example.com"), "example.com");
    }

    #[test]
    fn targets() {
        assert_eq!(split_target(b"/a?b=c"), (&b"/a"[..], &b"b=c"[..]));
        assert_eq!(split_target(b"/a"), (&b"/a"[..], &b""[..]));
        assert_eq!(split_target(b"http://h:1/p?q"), (&b"/p"[..], &b"q"[..]));
        assert_eq!(split_target(b"HTTP://h"), (&b""[..], &b""[..]));
        assert_eq!(split_target(b"*"), (&b"*"[..], &b""[..]));
    }
}
