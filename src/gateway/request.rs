//! The engine-neutral request description and the one place where it
//! becomes an [`Environ`].

use std::borrow::Cow;
use std::sync::Arc;

use crate::environ::InputStream;
use crate::{EnvValue, Environ};

/// The protocol version in which the engine handles the request; it becomes
/// `SERVER_PROTOCOL` (ENV-013).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// HTTP/1.0: `"HTTP/1.0"`.
    Http10,
    /// HTTP/1.1 (and HTTP/1.x with x > 1, handled as 1.1: HTTP-003):
    /// `"HTTP/1.1"`.
    Http11,
    /// HTTP/2: `"HTTP/2"`.
    Http2,
}

impl Version {
    /// The `SERVER_PROTOCOL` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::Http10 => "HTTP/1.0",
            Version::Http11 => "HTTP/1.1",
            Version::Http2 => "HTTP/2",
        }
    }
}

/// What a connection knows about its two ends: it becomes `REMOTE_ADDR`,
/// `REMOTE_PORT`, `SERVER_NAME`, `SERVER_PORT` and `rgi.url_scheme`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnInfo {
    /// The client's IP address, as text (`REMOTE_ADDR`).
    pub remote_addr: String,
    /// The client's port (`REMOTE_PORT`).
    pub remote_port: u16,
    /// The server's name (`SERVER_NAME`): the configured host, or the bound
    /// address. An IPv6 address gets its brackets in the environ (ENV-011).
    pub server_name: String,
    /// The server's port (`SERVER_PORT`).
    pub server_port: u16,
    /// `rgi.url_scheme`: `"http"`, or `"https"` behind TLS.
    pub url_scheme: &'static str,
}

impl Default for ConnInfo {
    /// `127.0.0.1:0` talking to `localhost:80` over `http`.
    fn default() -> Self {
        ConnInfo {
            remote_addr: "127.0.0.1".into(),
            remote_port: 0,
            server_name: "localhost".into(),
            server_port: 80,
            url_scheme: "http",
        }
    }
}

/// The engine's answers to the environ's flags and capabilities
/// (`rgi.multithread`, `rgi.multiprocess`, `rgi.run_once`,
/// `rgi.file_wrapper`) and its `SERVER_SOFTWARE`. Chosen by the engine: a
/// thread-per-connection server is multithread, a CGI program runs once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flags {
    /// `rgi.multithread`: other threads may call the application at the
    /// same time.
    pub multithread: bool,
    /// `rgi.multiprocess`: other processes may run the same application.
    pub multiprocess: bool,
    /// `rgi.run_once`: the application is called once in this process.
    pub run_once: bool,
    /// `rgi.file_wrapper`: the engine's [`Output::send_file`] sends file
    /// bodies natively.
    ///
    /// [`Output::send_file`]: super::Output::send_file
    pub file_wrapper: bool,
    /// The engine can hand a connection over ([`Output::take_over`]): it
    /// sets `rgi.upgrade` on the requests that ask for it (UPG-001).
    ///
    /// [`Output::take_over`]: super::Output::take_over
    pub upgrade: bool,
    /// `SERVER_SOFTWARE`.
    pub server_software: &'static str,
}

impl Default for Flags {
    /// A multithreaded server, one process, no native file path,
    /// `SERVER_SOFTWARE` `rgi/` + this crate's version.
    fn default() -> Self {
        Flags {
            multithread: true,
            multiprocess: false,
            run_once: false,
            file_wrapper: false,
            upgrade: false,
            server_software: concat!("rgi/", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// The environ values that are the same for every request of a connection
/// (`SERVER_NAME`, `SERVER_PORT`, `REMOTE_ADDR`, `REMOTE_PORT`,
/// `rgi.url_scheme`), made once per connection from its [`ConnInfo`] and
/// shared by its requests' environs without copying.
#[derive(Debug, Clone)]
pub struct Connection {
    server_name: EnvValue,
    server_port: EnvValue,
    remote_addr: EnvValue,
    remote_port: EnvValue,
    url_scheme: &'static str,
}

impl Connection {
    /// Prepares the values of `info`.
    pub fn new(info: &ConnInfo) -> Self {
        let shared = |text: String| EnvValue::from(Arc::<[u8]>::from(text.into_bytes()));
        Connection {
            server_name: shared(cgi_server_name(&info.server_name)),
            server_port: shared(info.server_port.to_string()),
            remote_addr: shared(info.remote_addr.clone()),
            remote_port: shared(info.remote_port.to_string()),
            url_scheme: info.url_scheme,
        }
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

/// One request, as the engine received it: the engine-neutral description
/// that [`Request::into_environ`] turns into the application's [`Environ`].
///
/// An HTTP/1 engine fills it from the parsed head; an HTTP/2 engine on
/// `http::request::Parts` from `parts.method.as_str()`,
/// `parts.uri.path_and_query()` (the target), `parts.uri.authority()` (the
/// `:authority`, which becomes `HTTP_HOST`) and `parts.headers`.
///
/// ```
/// use rgi::gateway::{Connection, ConnInfo, Flags, Request, Version};
///
/// let conn = Connection::new(&ConnInfo::default());
/// let fields: [(&[u8], &[u8]); 2] = [(b"Host", b"example.com"), (b"Accept", b"*/*")];
/// let env = Request {
///     method: "GET",
///     target: b"/caf%C3%A9?q=1",
///     version: Version::Http11,
///     authority: None,
///     content_length: None,
///     input_terminated: false,
/// }
/// .into_environ(fields, &conn, &Flags::default(), Box::new(std::io::empty()));
/// assert_eq!(env.get_str("PATH_INFO"), Some("/café"));
/// assert_eq!(env.get_str("QUERY_STRING"), Some("q=1"));
/// assert_eq!(env.get_str("HTTP_HOST"), Some("example.com"));
/// assert_eq!(env.get_str("SERVER_PROTOCOL"), Some("HTTP/1.1"));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The method, exactly as sent (`REQUEST_METHOD`).
    pub method: &'a str,
    /// The request target as sent: origin-form (`/p?q`), absolute-form
    /// (`http://h/p?q`, whose path is used) or `*`. It becomes
    /// `REQUEST_URI`, and `PATH_INFO` (percent-decoded) and `QUERY_STRING`.
    pub target: &'a [u8],
    /// The protocol version (`SERVER_PROTOCOL`).
    pub version: Version,
    /// An authority that replaces any `Host` field (`HTTP_HOST`): the
    /// authority of an absolute-form target (HTTP-006) or HTTP/2's
    /// `:authority`.
    pub authority: Option<&'a [u8]>,
    /// The body's length when a valid Content-Length delimits it
    /// (`CONTENT_LENGTH`, ENV-009). Content-Length fields among the header
    /// fields are never copied.
    pub content_length: Option<u64>,
    /// `rgi.input_terminated`: the input stream ends at the body's end
    /// although no Content-Length announced it (chunked, HTTP/2).
    pub input_terminated: bool,
}

impl Request<'_> {
    /// Builds the environ: the request's CGI keys, each header field as
    /// `HTTP_*` (ENV-029, ENV-030, ENV-038), the connection's values, the
    /// engine's flags, and `input` as `rgi.input`.
    ///
    /// `fields` are the header fields in arrival order, names and values as
    /// bytes; it is walked more than once (repeated fields are joined with
    /// `", "`, `Cookie` with `"; "`), hence `Clone`.
    pub fn into_environ<'f, I>(
        self,
        fields: I,
        conn: &Connection,
        flags: &Flags,
        input: Box<dyn InputStream>,
    ) -> Environ
    where
        I: IntoIterator<Item = (&'f [u8], &'f [u8])> + Clone,
    {
        let mut env = Environ::new();
        self.insert_request_keys(&mut env);
        env.insert_new("SERVER_NAME", conn.server_name.clone());
        env.insert_new("SERVER_PORT", conn.server_port.clone());
        env.insert_new("SERVER_SOFTWARE", flags.server_software);
        env.insert_new("GATEWAY_INTERFACE", "CGI/1.1");
        env.insert_new("REMOTE_ADDR", conn.remote_addr.clone());
        env.insert_new("REMOTE_PORT", conn.remote_port.clone());
        if let Some(n) = self.content_length {
            // ENV-009: the body length in plain digits.
            env.insert_new("CONTENT_LENGTH", n.to_string());
        }
        insert_fields(&mut env, fields.clone(), self.authority.is_some());
        if let Some(authority) = self.authority {
            env.insert_new("HTTP_HOST", authority.to_vec());
        }
        env.set_url_scheme(conn.url_scheme);
        env.set_multithread(flags.multithread);
        env.set_multiprocess(flags.multiprocess);
        env.set_run_once(flags.run_once);
        env.set_input_terminated(self.input_terminated);
        env.set_file_wrapper(flags.file_wrapper);
        env.set_upgrade_available(flags.upgrade && self.asks_upgrade(fields));
        env.set_input(input);
        env
    }

    /// UPG-001: an HTTP/1.1 request with an `Upgrade` field, the `upgrade`
    /// option in `Connection`, and no content.
    fn asks_upgrade<'f, I>(&self, fields: I) -> bool
    where
        I: IntoIterator<Item = (&'f [u8], &'f [u8])>,
    {
        if self.version != Version::Http11
            || self.input_terminated
            || self.content_length.is_some_and(|n| n > 0)
        {
            return false;
        }
        let (mut protocol, mut option) = (false, false);
        for (name, value) in fields {
            if name.eq_ignore_ascii_case(b"upgrade") {
                protocol |= !trim_ows(value).is_empty();
            } else if name.eq_ignore_ascii_case(b"connection") {
                option |= value
                    .split(|&b| b == b',')
                    .any(|o| trim_ows(o).eq_ignore_ascii_case(b"upgrade"));
            }
        }
        protocol && option
    }

    /// `REQUEST_METHOD`, `SCRIPT_NAME`, `PATH_INFO`, `QUERY_STRING`,
    /// `REQUEST_URI`, `SERVER_PROTOCOL`.
    fn insert_request_keys(&self, env: &mut Environ) {
        let (path, query) = split_target(self.target);
        // ENV-006: PATH_INFO is the percent-decoded path, bytes kept as they
        // are (invalid escapes stay literal); QUERY_STRING and REQUEST_URI raw.
        let mut path_info: Vec<u8> = percent_encoding::percent_decode(path).collect();
        if path_info.is_empty() && absolute_authority(self.target).is_some() {
            path_info.push(b'/');
        }
        env.insert_new("REQUEST_METHOD", method_value(self.method));
        env.insert_new("SCRIPT_NAME", "");
        env.insert_new("PATH_INFO", path_info);
        env.insert_new("QUERY_STRING", query.to_vec());
        env.insert_new("REQUEST_URI", self.target.to_vec());
        env.insert_new("SERVER_PROTOCOL", self.version.as_str());
    }
}

/// The header fields as `HTTP_*` keys and `CONTENT_TYPE`; `replace_host`:
/// an authority replaces the Host field (HTTP-006).
fn insert_fields<'f, I>(env: &mut Environ, fields: I, replace_host: bool)
where
    I: IntoIterator<Item = (&'f [u8], &'f [u8])> + Clone,
{
    let options = has_connection_options(fields.clone());
    for (i, (name, value)) in fields.clone().into_iter().enumerate() {
        if options && named_in_connection(fields.clone(), name) {
            continue; // ENV-038
        }
        // ENV-008, ENV-009: CONTENT_TYPE / CONTENT_LENGTH, never HTTP_CONTENT_*;
        // CONTENT_LENGTH comes from the framing, not from the fields.
        if name.eq_ignore_ascii_case(b"content-length")
            || (replace_host && name.eq_ignore_ascii_case(b"host"))
        {
            continue;
        }
        let key = if name.eq_ignore_ascii_case(b"content-type") {
            Cow::Borrowed("CONTENT_TYPE")
        } else {
            match header_key(name) {
                Some(key) => key,
                None => continue,
            }
        };
        let value = trim_ows(value);
        let repeated = fields
            .clone()
            .into_iter()
            .take(i)
            .any(|(earlier, _)| earlier.eq_ignore_ascii_case(name));
        if repeated {
            // Repeats combine in arrival order: ", " (Cookie: "; ").
            let sep: &[u8] = if name.eq_ignore_ascii_case(b"cookie") {
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
}

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
/// token punctuation has no place in a CGI key).
pub(crate) fn header_key(name: &[u8]) -> Option<Cow<'static, str>> {
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
    if name.is_empty() || !name.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-') {
        return None;
    }
    if let Some((_, key)) = COMMON
        .iter()
        .find(|(n, _)| n.as_bytes().eq_ignore_ascii_case(name))
    {
        return Some(Cow::Borrowed(key));
    }
    let mut key = String::with_capacity(5 + name.len());
    key.push_str("HTTP_");
    key.extend(name.iter().map(|&b| match b {
        b'-' => '_',
        b => char::from(b.to_ascii_uppercase()),
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

/// The connection options of the request's `Connection` fields.
fn connection_options<'f, I>(fields: I) -> impl Iterator<Item = &'f [u8]>
where
    I: IntoIterator<Item = (&'f [u8], &'f [u8])>,
{
    fields
        .into_iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case(b"connection"))
        .flat_map(|(_, value)| list_elements(value))
}

/// True if a `Connection` field of the request names a field other than
/// those of [`KEPT_WHEN_NAMED`]: only then must [`named_in_connection`] be
/// asked about each field.
fn has_connection_options<'f, I>(fields: I) -> bool
where
    I: IntoIterator<Item = (&'f [u8], &'f [u8])>,
{
    connection_options(fields).any(|option| {
        !option.eq_ignore_ascii_case(b"close")
            && !KEPT_WHEN_NAMED
                .iter()
                .any(|k| option.eq_ignore_ascii_case(k.as_bytes()))
    })
}

/// ENV-038 (RFC 9110 §7.6.1): `name` is a connection option of the request,
/// so the field is hop-by-hop and stays out of the environ.
fn named_in_connection<'f, I>(fields: I, name: &[u8]) -> bool
where
    I: IntoIterator<Item = (&'f [u8], &'f [u8])>,
{
    !KEPT_WHEN_NAMED
        .iter()
        .any(|k| k.as_bytes().eq_ignore_ascii_case(name))
        && connection_options(fields).any(|option| option.eq_ignore_ascii_case(name))
}

/// Splits a comma-separated list field into trimmed elements.
pub(crate) fn list_elements(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value.split(|&b| b == b',').map(trim_ows)
}

/// `v` without leading and trailing spaces and tabs.
pub(crate) fn trim_ows(mut v: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = v {
        v = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = v {
        v = rest;
    }
    v
}

/// The authority of an absolute-form target (`http://host:port/path`).
pub(crate) fn absolute_authority(target: &[u8]) -> Option<&[u8]> {
    for scheme in [&b"http://"[..], b"https://"] {
        if target.len() >= scheme.len() && target[..scheme.len()].eq_ignore_ascii_case(scheme) {
            let after = &target[scheme.len()..];
            let end = after
                .iter()
                .position(|&b| b == b'/' || b == b'?')
                .unwrap_or(after.len());
            return (end > 0).then_some(&after[..end]);
        }
    }
    None
}

/// Splits a request target into (path, query). An absolute-form target
/// (`http://host/p?q`) gives its path; `*` and authority-form stay whole.
pub(crate) fn split_target(target: &[u8]) -> (&[u8], &[u8]) {
    let mut rest = target;
    if let Some(authority) = absolute_authority(target) {
        let scheme_len = if target[4] == b':' { 7 } else { 8 };
        rest = &target[scheme_len + authority.len()..];
    }
    match rest.iter().position(|&b| b == b'?') {
        Some(q) => (&rest[..q], &rest[q + 1..]),
        None => (rest, &[][..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn environ(req: Request<'_>, fields: &[(&[u8], &[u8])]) -> Environ {
        let conn = Connection::new(&ConnInfo::default());
        req.into_environ(
            fields.iter().copied(),
            &conn,
            &Flags::default(),
            Box::new(std::io::empty()),
        )
    }

    fn get(target: &[u8]) -> Request<'_> {
        Request {
            method: "GET",
            target,
            version: Version::Http11,
            authority: None,
            content_length: None,
            input_terminated: false,
        }
    }

    #[test]
    fn header_keys() {
        // ENV-029, ENV-030
        assert_eq!(header_key(b"Host").as_deref(), Some("HTTP_HOST"));
        assert_eq!(
            header_key(b"X-Custom-Thing").as_deref(),
            Some("HTTP_X_CUSTOM_THING")
        );
        assert_eq!(header_key(b"X_Custom"), None);
        assert_eq!(header_key(b""), None);
    }

    #[test]
    fn targets() {
        assert_eq!(split_target(b"/a?b=c"), (&b"/a"[..], &b"b=c"[..]));
        assert_eq!(split_target(b"/a"), (&b"/a"[..], &b""[..]));
        assert_eq!(split_target(b"http://h:1/p?q"), (&b"/p"[..], &b"q"[..]));
        assert_eq!(split_target(b"HTTP://h"), (&b""[..], &b""[..]));
        assert_eq!(split_target(b"*"), (&b"*"[..], &b""[..]));
    }

    #[test]
    fn fields_become_keys_and_repeats_join() {
        // ENV-029, ENV-008: Content-Type has its own key; repeats joined.
        let env = environ(
            get(b"/"),
            &[
                (b"Content-Type", b"text/plain"),
                (b"Content-Length", b"3"),
                (b"Accept", b" a "),
                (b"accept", b"b"),
                (b"Cookie", b"x=1"),
                (b"Cookie", b"y=2"),
                (b"X_Under", b"dropped"),
            ],
        );
        assert_eq!(env.get_str("CONTENT_TYPE"), Some("text/plain"));
        assert!(!env.contains("CONTENT_LENGTH") && !env.contains("HTTP_CONTENT_LENGTH"));
        assert_eq!(env.get_str("HTTP_ACCEPT"), Some("a, b"));
        assert_eq!(env.get_str("HTTP_COOKIE"), Some("x=1; y=2"));
        assert!(!env.iter().any(|(k, _)| k.contains("UNDER")));
    }

    #[test]
    fn content_length_comes_from_the_description() {
        // ENV-009
        let mut req = get(b"/");
        req.content_length = Some(12);
        let env = environ(req, &[(b"Content-Length", b"012")]);
        assert_eq!(env.get_str("CONTENT_LENGTH"), Some("12"));
    }

    #[test]
    fn authority_replaces_host_and_http2_is_reported() {
        // HTTP-006: :authority (or an absolute-form authority) over Host.
        let mut req = get(b"/x");
        req.authority = Some(b"example.org:8443");
        req.version = Version::Http2;
        let env = environ(req, &[(b"host", b"other")]);
        assert_eq!(env.get_str("HTTP_HOST"), Some("example.org:8443"));
        assert_eq!(env.get_str("SERVER_PROTOCOL"), Some("HTTP/2"));
        let env = environ(get(b"http://h"), &[]);
        assert_eq!(env.get_str("PATH_INFO"), Some("/"));
    }

    #[test]
    fn flags_come_from_the_engine() {
        let conn = Connection::new(&ConnInfo {
            url_scheme: "https",
            ..ConnInfo::default()
        });
        let flags = Flags {
            multithread: false,
            multiprocess: true,
            run_once: true,
            file_wrapper: true,
            upgrade: false,
            server_software: "x/1",
        };
        let env = get(b"/").into_environ(
            std::iter::empty(),
            &conn,
            &flags,
            Box::new(std::io::empty()),
        );
        assert!(!env.multithread() && env.multiprocess() && env.run_once());
        assert!(env.file_wrapper());
        assert_eq!(env.url_scheme(), "https");
        assert_eq!(env.get_str("SERVER_SOFTWARE"), Some("x/1"));
    }

    #[test]
    fn fields_named_in_connection_stay_out_of_the_environ() {
        // ENV-038: a connection option names a hop-by-hop field; ENV-033's
        // fields and Host/Content-* stay.
        let fields: [(&[u8], &[u8]); 4] = [
            (b"Connection", b"close, X-Secret"),
            (b"connection", b"Host, TE"),
            (b"X-Secret", b"1"),
            (b"Host", b"h"),
        ];
        assert!(has_connection_options(fields));
        assert!(named_in_connection(fields, b"x-secret"));
        assert!(!named_in_connection(fields, b"Host"));
        assert!(!named_in_connection(fields, b"TE"));
        assert!(!named_in_connection(fields, b"X-Other"));
        let plain: [(&[u8], &[u8]); 1] = [(b"Connection", b"keep-alive, close")];
        assert!(!has_connection_options(plain));
        let env = environ(get(b"/"), &fields);
        assert!(!env.contains("HTTP_X_SECRET"));
        assert_eq!(env.get_str("HTTP_HOST"), Some("h"));
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
}
