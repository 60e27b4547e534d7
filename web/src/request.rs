//! [`Request`]: what a handler reads — method, path, query, headers,
//! cookies, body, path parameters, addresses, shared data and a per-request
//! context — over the request's [`rgi::Environ`].

use std::any::Any;
use std::borrow::Cow;
use std::cell::OnceCell;
use std::sync::Arc;

use rgi::environ::Extensions;
use rgi::Environ;
use serde::de::DeserializeOwned;

use crate::data::DataMap;
use crate::Error;

/// The request body a handler may read when the application sets no limit:
/// 2 MiB (see [`App::body_limit`](crate::App::body_limit)).
pub const DEFAULT_BODY_LIMIT: u64 = 2 * 1024 * 1024;

/// One request, as a handler sees it.
///
/// It owns the request's [`Environ`] while the handler runs (and gives it
/// back to the server afterwards), so everything rgi offers is still there
/// ([`environ`](Self::environ)); the methods here are the helpers that the
/// users of Flask, PySGI, bareASGI and socketify reach for.
///
/// Reading methods that can fail on bad input return an [`Error`] with the
/// right 4xx status, so `?` in a handler answers the client properly:
///
/// ```
/// use rgi_web::{Request, Error};
///
/// fn handler(req: &mut Request) -> Result<String, Error> {
///     let page: u32 = req.query("page").unwrap_or("1").parse()
///         .map_err(|_| Error::bad_request("`page` must be a number"))?;
///     let session = req.cookie("session")?.unwrap_or("none").to_owned();
///     Ok(format!("page {page} for session {session}"))
/// }
///
/// let mut env = rgi::Environ::new();
/// env.set("REQUEST_METHOD", "GET");
/// env.set("QUERY_STRING", "page=3");
/// env.set("HTTP_COOKIE", "session=abc");
/// let mut req = Request::from_environ(env);
/// assert_eq!(handler(&mut req).unwrap(), "page 3 for session abc");
/// ```
pub struct Request {
    env: Environ,
    params: Vec<(String, String)>,
    data: Arc<DataMap>,
    body_limit: u64,
    body: BodyState,
    query: OnceCell<Vec<(String, String)>>,
    cookies: OnceCell<Result<Vec<(String, String)>, String>>,
}

/// Whether the body was read yet, and how that went.
enum BodyState {
    Unread,
    Read(Vec<u8>),
    Failed { status: u16, message: String },
}

impl Request {
    /// A request over `env`, with no path parameters, no shared data and the
    /// default body limit. The application builds requests itself; this is
    /// for calling handlers directly (in tests, from other code).
    pub fn from_environ(env: Environ) -> Self {
        Request::new(env, Vec::new(), Arc::default(), DEFAULT_BODY_LIMIT)
    }

    pub(crate) fn new(
        env: Environ,
        params: Vec<(String, String)>,
        data: Arc<DataMap>,
        body_limit: u64,
    ) -> Self {
        Request {
            env,
            params,
            data,
            body_limit,
            body: BodyState::Unread,
            query: OnceCell::new(),
            cookies: OnceCell::new(),
        }
    }

    /// Gives the environ back (to the server, or to the caller).
    pub fn into_environ(self) -> Environ {
        self.env
    }

    /// The environ (every CGI key, the streams, the extensions).
    pub fn environ(&self) -> &Environ {
        &self.env
    }

    /// The environ, mutably.
    pub fn environ_mut(&mut self) -> &mut Environ {
        &mut self.env
    }

    // ----- method, path, URL -------------------------------------------

    /// The method, exactly as the client sent it (`GET`; methods are
    /// case-sensitive).
    pub fn method(&self) -> &str {
        self.env.get_str("REQUEST_METHOD").unwrap_or("GET")
    }

    /// The path inside the application (`PATH_INFO`, percent-decoded), for
    /// example `/user/42`; bytes that are not UTF-8 are shown as U+FFFD.
    pub fn path(&self) -> Cow<'_, str> {
        self.env
            .get("PATH_INFO")
            .map_or(Cow::Borrowed(""), |v| v.to_str_lossy())
    }

    /// The path and query as the client sent them (`/user/42?tab=posts`,
    /// still percent-encoded): socketify's `get_full_url`. This is
    /// `REQUEST_URI`, which mounting leaves unchanged.
    pub fn full_url(&self) -> Cow<'_, str> {
        match self.env.get("REQUEST_URI") {
            Some(uri) => uri.to_str_lossy(),
            None => {
                let query = self.query_string();
                let path = self.url();
                if query.is_empty() {
                    path
                } else {
                    Cow::Owned(format!("{path}?{query}"))
                }
            }
        }
    }

    /// The path as the client sent it, without the query
    /// (socketify's `get_url`).
    pub fn url(&self) -> Cow<'_, str> {
        if let Some(uri) = self.env.get("REQUEST_URI") {
            return match uri.to_str_lossy() {
                Cow::Borrowed(s) => Cow::Borrowed(s.split('?').next().unwrap_or(s)),
                Cow::Owned(s) => Cow::Owned(s.split('?').next().unwrap_or(&s).to_owned()),
            };
        }
        let mut env_path = self.env.get_bytes("SCRIPT_NAME").unwrap_or(b"").to_vec();
        env_path.extend_from_slice(self.env.get_bytes("PATH_INFO").unwrap_or(b""));
        Cow::Owned(percent_encoding::percent_encode(&env_path, PATH_SET).to_string())
    }

    /// The absolute URL (`http://host/path`, with the query if
    /// `include_query`), rebuilt as rgi's
    /// [`request_uri`](rgi::util::request_uri) does.
    pub fn absolute_url(&self, include_query: bool) -> String {
        rgi::util::request_uri(&self.env, include_query)
    }

    // ----- query -------------------------------------------------------

    /// The raw query string (after `?`, not decoded).
    pub fn query_string(&self) -> &str {
        self.env.get_str("QUERY_STRING").unwrap_or("")
    }

    /// Every query argument, decoded, in order (repeated names repeat).
    pub fn queries(&self) -> &[(String, String)] {
        self.query.get_or_init(|| rgi::util::query_pairs(&self.env))
    }

    /// The first value of the query argument `name`.
    ///
    /// ```
    /// let mut env = rgi::Environ::new();
    /// env.set("QUERY_STRING", "tag=a&tag=b%20c&q=");
    /// let req = rgi_web::Request::from_environ(env);
    /// assert_eq!(req.query("tag"), Some("a"));
    /// assert_eq!(req.query_all("tag"), ["a", "b c"]);
    /// assert_eq!(req.query("q"), Some(""));
    /// assert_eq!(req.query("missing"), None);
    /// ```
    pub fn query(&self, name: &str) -> Option<&str> {
        first_value(self.queries(), name)
    }

    /// Every value of the query argument `name`, in order.
    pub fn query_all(&self, name: &str) -> Vec<&str> {
        all_values(self.queries(), name)
    }

    // ----- headers -----------------------------------------------------

    /// The request header `name` (any case), as the server gave it
    /// (repeated fields joined with `, `); `None` if absent or not UTF-8.
    ///
    /// ```
    /// let mut env = rgi::Environ::new();
    /// env.set("HTTP_X_API_KEY", "k1");
    /// env.set("CONTENT_TYPE", "text/plain");
    /// let req = rgi_web::Request::from_environ(env);
    /// assert_eq!(req.header("x-api-key"), Some("k1"));
    /// assert_eq!(req.header("Content-Type"), Some("text/plain"));
    /// assert_eq!(req.headers(), [("content-type".to_owned(), "text/plain"), ("x-api-key".to_owned(), "k1")]);
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        self.env.get_str(&environ_key(name))
    }

    /// Every request header as `(lowercase name, value)`, sorted by name
    /// (values that are not UTF-8 are left out).
    pub fn headers(&self) -> Vec<(String, &str)> {
        let mut out: Vec<(String, &str)> = self
            .env
            .iter()
            .filter_map(|(key, value)| {
                let name = header_name(key)?;
                Some((name, value.as_str()?))
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// Calls `f` with each header (socketify's `for_each_header`).
    pub fn for_each_header(&self, mut f: impl FnMut(&str, &str)) {
        for (name, value) in self.headers() {
            f(&name, value);
        }
    }

    /// The request's media type (`Content-Type` without parameters,
    /// lowercased), if any.
    pub fn content_type(&self) -> Option<String> {
        let value = self.header("content-type")?;
        let media = value.split(';').next().unwrap_or("").trim();
        Some(media.to_ascii_lowercase())
    }

    // ----- cookies -----------------------------------------------------

    /// Every cookie of the `Cookie` header, decoded, in order.
    ///
    /// A malformed header (a pair without `=`, an empty name, a bad
    /// percent-escape, bytes that are not UTF-8) is a `400` naming what was
    /// wrong.
    pub fn cookies(&self) -> Result<&[(String, String)], Error> {
        let parsed = self
            .cookies
            .get_or_init(|| parse_cookie_header(self.env.get("HTTP_COOKIE").map(|v| v.as_bytes())));
        match parsed {
            Ok(list) => Ok(list),
            Err(message) => Err(Error::bad_request(message.clone())),
        }
    }

    /// The value of the cookie `name` (the first, if the client sent it
    /// twice); see [`cookies`](Self::cookies) for the `400`.
    ///
    /// ```
    /// let mut env = rgi::Environ::new();
    /// env.set("HTTP_COOKIE", "a=1; b=hello%20world");
    /// let req = rgi_web::Request::from_environ(env);
    /// assert_eq!(req.cookie("b").unwrap(), Some("hello world"));
    /// assert_eq!(req.cookie("c").unwrap(), None);
    ///
    /// let mut env = rgi::Environ::new();
    /// env.set("HTTP_COOKIE", "a=1; garbage");
    /// let req = rgi_web::Request::from_environ(env);
    /// assert_eq!(req.cookie("a").unwrap_err().status(), 400);
    /// ```
    pub fn cookie(&self, name: &str) -> Result<Option<&str>, Error> {
        Ok(first_value(self.cookies()?, name))
    }

    // ----- body --------------------------------------------------------

    /// The body limit in bytes for [`body`](Self::body) and the readers
    /// built on it.
    pub fn body_limit(&self) -> u64 {
        self.body_limit
    }

    /// The request body, read on first use and kept.
    ///
    /// A body larger than the [limit](crate::App::body_limit) is `413`
    /// (refused from `Content-Length` before reading when the client
    /// declared it); a body that cannot be read (the client went away, bad
    /// chunked framing) is `400`.
    pub fn body(&mut self) -> Result<&[u8], Error> {
        if let BodyState::Unread = self.body {
            self.body = match read_body(&mut self.env, self.body_limit) {
                Ok(bytes) => BodyState::Read(bytes),
                Err(e) => BodyState::Failed {
                    status: e.status(),
                    message: e.message().to_owned(),
                },
            };
        }
        match &self.body {
            BodyState::Read(bytes) => Ok(bytes),
            BodyState::Failed { status, message } => Err(Error::new(*status, message.clone())),
            BodyState::Unread => Err(Error::internal("the request body was not read")),
        }
    }

    /// The body as UTF-8 text (`400` if it is not UTF-8).
    pub fn text(&mut self) -> Result<&str, Error> {
        let bytes = self.body()?;
        std::str::from_utf8(bytes)
            .map_err(|e| Error::bad_request(format!("the request body is not UTF-8 text: {e}")))
    }

    /// The body parsed as JSON into `T`: `400` with serde's message (what
    /// was wrong, line and column) when it is not valid JSON or not a `T`.
    ///
    /// ```
    /// #[derive(serde::Deserialize)]
    /// struct Item { name: String }
    ///
    /// let mut env = rgi::Environ::new();
    /// env.set("CONTENT_LENGTH", "8");
    /// env.set_input(Box::new(std::io::Cursor::new(b"{\"name\":".to_vec())));
    /// let mut req = rgi_web::Request::from_environ(env);
    /// let err = req.json::<Item>().map(|i| i.name).unwrap_err();
    /// assert_eq!(err.status(), 400);
    /// assert!(err.message().contains("not valid JSON"), "{}", err.message());
    /// ```
    pub fn json<T: DeserializeOwned>(&mut self) -> Result<T, Error> {
        let bytes = self.body()?;
        serde_json::from_slice(bytes).map_err(|e| {
            Error::bad_request(format!(
                "the request body is not valid JSON for this request: {e}"
            ))
        })
    }

    /// The body as an `application/x-www-form-urlencoded` form: every
    /// field, decoded, in order. A body of another `Content-Type` is `415`
    /// (a missing one is accepted), as for rgi's
    /// [`read_form`](rgi::util::read_form).
    pub fn form(&mut self) -> Result<Vec<(String, String)>, Error> {
        if let Some(media) = self.content_type() {
            if media != "application/x-www-form-urlencoded" {
                return Err(Error::new(
                    415,
                    format!("the request body is {media}, not application/x-www-form-urlencoded"),
                ));
            }
        }
        Ok(rgi::util::parse_urlencoded(self.body()?))
    }

    /// The first value of the form field `name` (see [`form`](Self::form)).
    pub fn form_value(&mut self, name: &str) -> Result<Option<String>, Error> {
        let fields = self.form()?;
        Ok(first_value(&fields, name).map(str::to_owned))
    }

    // ----- path parameters ---------------------------------------------

    /// The path parameters of the matched route, `(name, value)` in the
    /// order of the pattern (values are percent-decoded: rgi gives a
    /// decoded path).
    pub fn params(&self) -> &[(String, String)] {
        &self.params
    }

    /// The path parameter `name` (`{id}` in `/user/{id}`).
    pub fn param(&self, name: &str) -> Option<&str> {
        first_value(&self.params, name)
    }

    /// The path parameter at `index` (socketify's `get_parameter(0)`).
    pub fn param_at(&self, index: usize) -> Option<&str> {
        self.params.get(index).map(|(_, v)| v.as_str())
    }

    /// The path parameter `name` parsed as `T`: `400` when it does not
    /// parse (`/user/abc` for a number), `404` when the route has no such
    /// parameter.
    ///
    /// ```
    /// # use rgi_web::{App, Request};
    /// let app = App::new().get("/user/{id}", |req: &mut Request| {
    ///     let id: u32 = req.parse_param("id")?;
    ///     Ok::<_, rgi_web::Error>(format!("user {id}"))
    /// });
    /// let client = rgi::test::TestClient::new(app);
    /// assert_eq!(client.get("/user/7").text(), "user 7");
    /// assert_eq!(client.get("/user/seven").status(), 400);
    /// ```
    pub fn parse_param<T>(&self, name: &str) -> Result<T, Error>
    where
        T: std::str::FromStr,
        T::Err: std::fmt::Display,
    {
        let raw = self
            .param(name)
            .ok_or_else(|| Error::not_found(format!("the route has no path parameter `{name}`")))?;
        raw.parse().map_err(|e| {
            Error::bad_request(format!(
                "path parameter `{name}` = {raw:?} is not valid: {e}"
            ))
        })
    }

    // ----- addresses ---------------------------------------------------

    /// The address of the peer that connected (`REMOTE_ADDR`).
    pub fn remote_address(&self) -> Option<&str> {
        self.env.get_str("REMOTE_ADDR").filter(|s| !s.is_empty())
    }

    /// The client address a proxy reported: the first `for=` of the
    /// `Forwarded` header (RFC 7239), else the first `X-Forwarded-For`
    /// entry. These headers come from the client side: trust them only when
    /// a proxy you run sets them (socketify's `get_proxied_remote_address`).
    ///
    /// ```
    /// let mut env = rgi::Environ::new();
    /// env.set("HTTP_FORWARDED", "for=\"[2001:db8::1]:4711\";proto=https, for=10.0.0.1");
    /// let req = rgi_web::Request::from_environ(env);
    /// assert_eq!(req.proxied_remote_address().as_deref(), Some("2001:db8::1"));
    /// ```
    pub fn proxied_remote_address(&self) -> Option<String> {
        if let Some(forwarded) = self.header("forwarded") {
            if let Some(addr) = forwarded_for(forwarded) {
                return Some(addr);
            }
        }
        let xff = self.header("x-forwarded-for")?;
        let first = xff.split(',').next()?.trim();
        (!first.is_empty()).then(|| first.to_owned())
    }

    // ----- data and context --------------------------------------------

    /// The application's shared data of type `T` (bareASGI's `info`),
    /// given to [`App::data`](crate::App::data); a `500` naming the type
    /// when there is none (a programming error).
    pub fn data<T: Any + Send + Sync>(&self) -> Result<&T, Error> {
        self.data.get::<T>().ok_or_else(|| {
            Error::internal(format!(
                "no shared data of type {}: add it with App::data",
                std::any::type_name::<T>()
            ))
        })
    }

    /// Locks the shared `Mutex<T>` given to [`App::data`](crate::App::data)
    /// (a `500` when there is none). A lock poisoned by a panicking handler
    /// is taken over as it is: the panic was already answered and logged.
    ///
    /// ```
    /// use std::sync::Mutex;
    /// use rgi_web::{ok, App, Request};
    ///
    /// let app = App::with_data(Mutex::new(Vec::<String>::new()))
    ///     .post("/names", |req: &mut Request| {
    ///         let name = req.text()?.to_owned();
    ///         req.lock::<Vec<String>>()?.push(name);
    ///         ok("added")
    ///     })
    ///     .get("/names", |req: &mut Request| ok(req.lock::<Vec<String>>()?.join(",")));
    /// let client = rgi::test::TestClient::new(app);
    /// client.post("/names", "ada");
    /// client.post("/names", "alan");
    /// assert_eq!(client.get("/names").text(), "ada,alan");
    /// ```
    pub fn lock<T: Send + 'static>(&self) -> Result<std::sync::MutexGuard<'_, T>, Error> {
        let mutex = self.data::<std::sync::Mutex<T>>()?;
        Ok(mutex
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    /// The per-request context (bareASGI's `context`): typed values that
    /// live as long as the request. It is the environ's
    /// [`extensions`](rgi::Environ::extensions), so mounted applications and
    /// middleware see it too.
    pub fn context(&self) -> &Extensions {
        self.env.extensions()
    }

    /// The per-request context, mutably.
    pub fn context_mut(&mut self) -> &mut Extensions {
        self.env.extensions_mut()
    }

    /// Writes `message` as one line to the request's error stream (the
    /// server's error log).
    pub fn log(&mut self, message: &str) {
        log_line(&mut self.env, message);
    }
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method())
            .field("path", &self.path())
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

/// What [`Request::url`] leaves unquoted when it rebuilds a path.
const PATH_SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// Writes one `rgi-web: ...` line to the environ's error stream.
pub(crate) fn log_line(env: &mut Environ, message: &str) {
    let errors = env.errors();
    let _ = writeln!(errors, "rgi-web: {message}");
    let _ = errors.flush();
}

fn first_value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn all_values<'a>(pairs: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// The environ key of header `name`: `HTTP_X_NAME`, or `CONTENT_TYPE` and
/// `CONTENT_LENGTH` (ENV-008, ENV-009).
fn environ_key(name: &str) -> String {
    let upper: String = name
        .chars()
        .map(|c| {
            if c == '-' {
                '_'
            } else {
                c.to_ascii_uppercase()
            }
        })
        .collect();
    match upper.as_str() {
        "CONTENT_TYPE" | "CONTENT_LENGTH" => upper,
        _ => format!("HTTP_{upper}"),
    }
}

/// The header name (lowercase) of an environ key, if it is a header's.
fn header_name(key: &str) -> Option<String> {
    let raw = match key {
        "CONTENT_TYPE" | "CONTENT_LENGTH" => key,
        _ => key.strip_prefix("HTTP_")?,
    };
    Some(raw.to_ascii_lowercase().replace('_', "-"))
}

/// Parses a `Cookie` header into `(name, value)` pairs, or says what is
/// wrong with it.
fn parse_cookie_header(raw: Option<&[u8]>) -> Result<Vec<(String, String)>, String> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    let text = std::str::from_utf8(raw)
        .map_err(|_| "malformed Cookie header: it is not UTF-8 text".to_owned())?;
    let mut out = Vec::new();
    for piece in text.split(';') {
        let piece = piece.trim();
        if piece.is_empty() {
            continue;
        }
        let cookie = cookie::Cookie::parse_encoded(piece)
            .map_err(|e| format!("malformed Cookie header: {piece:?}: {e}"))?;
        let (name, value) = cookie.name_value_trimmed();
        out.push((name.to_owned(), value.to_owned()));
    }
    Ok(out)
}

/// The first `for=` of a `Forwarded` header, without quotes, brackets and
/// port; `None` for an obfuscated or `unknown` node.
fn forwarded_for(header: &str) -> Option<String> {
    let element = header.split(',').next()?;
    let value = element.split(';').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        key.trim().eq_ignore_ascii_case("for").then(|| value.trim())
    })?;
    let value = value.trim_matches('"');
    let host = if let Some(rest) = value.strip_prefix('[') {
        rest.split(']').next()?
    } else if value.matches(':').count() == 1 {
        value.split(':').next()?
    } else {
        value
    };
    let usable =
        !host.is_empty() && !host.eq_ignore_ascii_case("unknown") && !host.starts_with('_');
    usable.then(|| host.to_owned())
}

/// Reads the body of the request, at most `limit` bytes: a declared
/// `Content-Length` over the limit is refused before reading; the rest is
/// rgi's [`read_body`](rgi::util::read_body) (the input ends with the body,
/// INPUT-001; a truncated body is a read error, INPUT-003).
fn read_body(env: &mut Environ, limit: u64) -> Result<Vec<u8>, Error> {
    let too_big = || {
        Error::new(
            413,
            format!("the request body is larger than this application accepts ({limit} bytes)"),
        )
    };
    if let Some(text) = env.get_str("CONTENT_LENGTH").filter(|t| !t.is_empty()) {
        let declared: u64 = text.parse().map_err(|_| {
            Error::bad_request(format!("the Content-Length {text:?} is not a number"))
        })?;
        if declared > limit {
            return Err(too_big());
        }
    }
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    rgi::util::read_body(env, limit).map_err(|e| match e {
        rgi::util::BodyError::TooLarge { .. } => too_big(),
        other => Error::new(
            other.status(),
            format!("the request body could not be read: {other}"),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn env_with_body(body: &[u8], length: Option<&str>, terminated: bool) -> Environ {
        let mut env = Environ::new();
        if let Some(len) = length {
            env.set("CONTENT_LENGTH", len.to_owned());
        }
        env.set_input(Box::new(Cursor::new(body.to_vec())));
        env.set_input_terminated(terminated);
        env
    }

    #[test]
    fn header_names_map_to_environ_keys() {
        assert_eq!(environ_key("x-api-key"), "HTTP_X_API_KEY");
        assert_eq!(environ_key("Content-Type"), "CONTENT_TYPE");
        assert_eq!(environ_key("content-length"), "CONTENT_LENGTH");
        assert_eq!(
            header_name("HTTP_ACCEPT_LANGUAGE").as_deref(),
            Some("accept-language")
        );
        assert_eq!(header_name("PATH_INFO"), None);
    }

    #[test]
    fn cookie_headers_parse_or_say_why_not() {
        let ok = parse_cookie_header(Some(b"a=1;b=two%3B; c=\"q\"")).unwrap();
        assert_eq!(ok[0], ("a".into(), "1".into()));
        assert_eq!(ok[1], ("b".into(), "two;".into()));
        assert_eq!(ok[2], ("c".into(), "q".into()));
        assert!(parse_cookie_header(None).unwrap().is_empty());
        for bad in [&b"novalue"[..], b"=x", b"a=%zz%ff", b"a=\xff"] {
            let err = parse_cookie_header(Some(bad)).unwrap_err();
            assert!(err.starts_with("malformed Cookie header"), "{err}");
        }
    }

    #[test]
    fn bodies_are_capped_and_checked() {
        let capped = |body: &[u8], length: Option<&str>| {
            Request::new(env_with_body(body, length, true), vec![], Arc::default(), 5)
        };
        let mut req = capped(b"hello", Some("5"));
        assert_eq!(req.body().unwrap(), b"hello");
        assert_eq!(req.text().unwrap(), "hello");

        // Refused from Content-Length, before reading.
        let mut req = capped(b"hello!", Some("6"));
        let err = req.body().unwrap_err();
        assert_eq!(err.status(), 413);
        assert!(err.message().contains("(5 bytes)"), "{}", err.message());
        // The failure is kept: a second read says the same.
        assert_eq!(req.body().unwrap_err().status(), 413);

        // Chunked (no Content-Length): counted while read.
        assert_eq!(capped(b"hello!", None).body().unwrap_err().status(), 413);
        assert_eq!(capped(b"hello", None).body().unwrap(), b"hello");

        assert_eq!(capped(b"", Some("x1")).body().unwrap_err().status(), 400);
        assert_eq!(
            capped(b"\xff\xfe", Some("2")).text().unwrap_err().status(),
            400
        );
    }

    #[test]
    fn forms_and_json() {
        let mut req = Request::from_environ(env_with_body(b"a=1&b=x+y&a=2", Some("13"), false));
        let form = req.form().unwrap();
        assert_eq!(form.len(), 3);
        assert_eq!(req.form_value("b").unwrap().as_deref(), Some("x y"));

        let mut env = env_with_body(b"--x", Some("3"), false);
        env.set("CONTENT_TYPE", "multipart/form-data; boundary=x");
        assert_eq!(Request::from_environ(env).form().unwrap_err().status(), 415);
        let mut env = env_with_body(b"a=1", Some("3"), false);
        env.set(
            "CONTENT_TYPE",
            "application/x-www-form-urlencoded; charset=utf-8",
        );
        assert_eq!(Request::from_environ(env).form().unwrap().len(), 1);

        let mut req = Request::from_environ(env_with_body(b"[1,2]", Some("5"), false));
        assert_eq!(req.json::<Vec<u8>>().unwrap(), [1, 2]);
        let mut req = Request::from_environ(env_with_body(b"[1,2]", Some("5"), false));
        let err = req.json::<String>().unwrap_err();
        assert_eq!(err.status(), 400);
        assert!(err.message().contains("line 1"), "{}", err.message());
    }

    #[test]
    fn params_by_name_index_and_type() {
        let params = vec![
            ("id".to_owned(), "42".to_owned()),
            ("rest".to_owned(), "a/b".to_owned()),
        ];
        let req = Request::new(Environ::new(), params, Arc::default(), 1);
        assert_eq!(req.param("id"), Some("42"));
        assert_eq!(req.param_at(1), Some("a/b"));
        assert_eq!(req.param_at(2), None);
        assert_eq!(req.parse_param::<u8>("id").unwrap(), 42);
        assert_eq!(req.parse_param::<u8>("rest").unwrap_err().status(), 400);
        assert_eq!(req.parse_param::<u8>("nope").unwrap_err().status(), 404);
    }

    #[test]
    fn urls_and_paths() {
        let mut env = Environ::new();
        env.set("SCRIPT_NAME", "/app");
        env.set("PATH_INFO", "/a b");
        env.set("QUERY_STRING", "x=1");
        env.set("HTTP_HOST", "example.com");
        env.set("SERVER_NAME", "example.com");
        env.set("SERVER_PORT", "80");
        let req = Request::from_environ(env);
        assert_eq!(req.url(), "/app/a%20b");
        assert_eq!(req.full_url(), "/app/a%20b?x=1");
        assert_eq!(req.path(), "/a b");
        assert_eq!(req.absolute_url(true), "http://example.com/app/a%20b?x=1");

        let mut env = Environ::new();
        env.set("REQUEST_URI", "/raw%2Fpath?q=1");
        env.set("PATH_INFO", "/raw/path");
        let req = Request::from_environ(env);
        assert_eq!(req.url(), "/raw%2Fpath");
        assert_eq!(req.full_url(), "/raw%2Fpath?q=1");
    }

    #[test]
    fn proxied_addresses() {
        assert_eq!(
            forwarded_for("for=192.0.2.60;proto=http").as_deref(),
            Some("192.0.2.60")
        );
        assert_eq!(
            forwarded_for("For=\"192.0.2.60:8080\"").as_deref(),
            Some("192.0.2.60")
        );
        assert_eq!(forwarded_for("for=unknown"), None);
        assert_eq!(forwarded_for("for=_hidden"), None);
        let mut env = Environ::new();
        env.set("HTTP_X_FORWARDED_FOR", " 203.0.113.7 , 10.0.0.1");
        env.set("REMOTE_ADDR", "127.0.0.1");
        let req = Request::from_environ(env);
        assert_eq!(req.proxied_remote_address().as_deref(), Some("203.0.113.7"));
        assert_eq!(req.remote_address(), Some("127.0.0.1"));
    }

    #[test]
    fn data_and_context() {
        let mut data = DataMap::default();
        data.insert(String::from("shared"));
        let mut req = Request::new(Environ::new(), vec![], Arc::new(data), 1);
        assert_eq!(req.data::<String>().unwrap(), "shared");
        assert_eq!(req.data::<u32>().unwrap_err().status(), 500);
        req.context_mut().insert(7u64);
        assert_eq!(req.context().get::<u64>(), Some(&7));
    }
}
