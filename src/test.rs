//! An in-process test client: requests go through the server's own pipeline
//! (request parsing, environ, `start_response`, response framing), without a
//! socket, with the application under [`validate`](crate::validate) in
//! collecting mode.
//!
//! Like `Rack::MockRequest`, `Plack::Test` or Go's `httptest`, but the
//! request bytes go through the very code [`simple_server`] runs (its
//! `serve_connection` seam, over an
//! in-memory stream), so what a test sees is what a client would see: HEAD
//! bodies suppressed, `Content-Length` computed, chunked framing, the 500
//! answer to a failing application.
//!
//! ```
//! use rgi::test::{TestClient, TestRequest};
//! use rgi::{Body, Environ, StartResponse};
//!
//! fn greet(env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, rgi::AppError> {
//!     let name = env.get_str("QUERY_STRING").unwrap_or("").to_owned();
//!     start.start("200 OK", [("Content-Type", "text/plain; charset=utf-8")].into())?;
//!     Ok(Body::from(format!("Hello, {name}!")))
//! }
//!
//! let client = TestClient::new(greet);
//! let response = client.get("/?world");
//! response.assert_ok();
//! assert_eq!(response.status(), 200);
//! assert_eq!(response.header("content-type"), Some("text/plain; charset=utf-8"));
//! assert_eq!(response.header("Content-Length"), Some("13"));
//! assert_eq!(response.text(), "Hello, world!");
//!
//! // HEAD: no body, as on the wire (and no computed Content-Length, BODY-009).
//! let head = client.head("/?world");
//! assert_eq!(head.header("content-type"), Some("text/plain; charset=utf-8"));
//! assert!(head.body().is_empty());
//!
//! // Any request: method, target bytes, headers, a chunked body.
//! let response = client.request(
//!     TestRequest::post("/upload").header("Content-Type", "text/plain").body("abc").chunked(),
//! );
//! assert_eq!(response.status(), 200);
//! ```
//!
//! [`simple_server`]: crate::simple_server

use std::fmt;
use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex, PoisonError};

use crate::simple_server::{serve_connection, Config, ConnInfo};
use crate::validate::{Finding, Report, Severity, Validator};
use crate::{AppError, Application, Body, Environ, StartResponse};

/// One request to send: method, target, version, headers and body. Built
/// with chained calls; turned into bytes by [`TestRequest::to_bytes`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestRequest {
    method: String,
    target: Vec<u8>,
    minor: u8,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
    chunk_size: Option<usize>,
    raw: Option<Vec<u8>>,
}

impl TestRequest {
    /// A request with `method` for `target` (the request target as sent:
    /// `/path?query`, percent-encoded; raw non-UTF-8 bytes are allowed, the
    /// server decides what to do with them), HTTP/1.1, `Host: localhost`.
    pub fn new(method: &str, target: impl AsRef<[u8]>) -> Self {
        TestRequest {
            method: method.to_owned(),
            target: target.as_ref().to_vec(),
            minor: 1,
            headers: Vec::new(),
            body: Vec::new(),
            chunk_size: None,
            raw: None,
        }
    }

    /// A GET request.
    pub fn get(target: impl AsRef<[u8]>) -> Self {
        TestRequest::new("GET", target)
    }

    /// A HEAD request.
    pub fn head(target: impl AsRef<[u8]>) -> Self {
        TestRequest::new("HEAD", target)
    }

    /// A POST request (add a body with [`TestRequest::body`]).
    pub fn post(target: impl AsRef<[u8]>) -> Self {
        TestRequest::new("POST", target)
    }

    /// A PUT request.
    pub fn put(target: impl AsRef<[u8]>) -> Self {
        TestRequest::new("PUT", target)
    }

    /// A DELETE request.
    pub fn delete(target: impl AsRef<[u8]>) -> Self {
        TestRequest::new("DELETE", target)
    }

    /// An OPTIONS request (`"*"` for the asterisk form).
    pub fn options(target: impl AsRef<[u8]>) -> Self {
        TestRequest::new("OPTIONS", target)
    }

    /// Exactly these bytes, sent as they are (for malformed requests).
    pub fn raw(bytes: impl Into<Vec<u8>>) -> Self {
        TestRequest {
            raw: Some(bytes.into()),
            ..TestRequest::new("", "")
        }
    }

    /// Adds a header line (repeated names are sent as separate lines, in
    /// order). A `Host` header replaces the default one.
    pub fn header(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.headers
            .push((name.to_owned(), value.as_ref().to_vec()));
        self
    }

    /// Sets the body; it is sent with `Content-Length`, or chunked after
    /// [`TestRequest::chunked`].
    pub fn body(mut self, body: impl AsRef<[u8]>) -> Self {
        self.body = body.as_ref().to_vec();
        self
    }

    /// Sends the body with `Transfer-Encoding: chunked` (in chunks of up to
    /// 16 bytes, to exercise the decoder).
    pub fn chunked(self) -> Self {
        self.chunk_size(16)
    }

    /// Sends the body chunked, in chunks of at most `size` bytes.
    pub fn chunk_size(mut self, size: usize) -> Self {
        self.chunk_size = Some(size.max(1));
        self
    }

    /// Uses HTTP/1.0 (no default `Host`).
    pub fn http10(mut self) -> Self {
        self.minor = 0;
        self
    }

    /// The request method.
    pub fn method(&self) -> &str {
        match &self.raw {
            Some(raw) => {
                let end = raw.iter().position(|&b| b == b' ').unwrap_or(0);
                std::str::from_utf8(&raw[..end]).unwrap_or("")
            }
            None => &self.method,
        }
    }

    /// The bytes sent.
    ///
    /// ```
    /// let req = rgi::test::TestRequest::post("/x").header("X-A", "1").body("hi");
    /// assert_eq!(
    ///     req.to_bytes(),
    ///     b"POST /x HTTP/1.1\r\nHost: localhost\r\nX-A: 1\r\nContent-Length: 2\r\n\r\nhi"
    /// );
    /// let req = rgi::test::TestRequest::post("/x").body("abc").chunk_size(2);
    /// assert!(req.to_bytes().ends_with(b"Transfer-Encoding: chunked\r\n\r\n2\r\nab\r\n1\r\nc\r\n0\r\n\r\n"));
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        if let Some(raw) = &self.raw {
            return raw.clone();
        }
        let mut out = Vec::with_capacity(128 + self.body.len());
        out.extend_from_slice(self.method.as_bytes());
        out.push(b' ');
        out.extend_from_slice(&self.target);
        out.extend_from_slice(format!(" HTTP/1.{}\r\n", self.minor).as_bytes());
        let has = |name: &str| {
            self.headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(name))
        };
        if self.minor == 1 && !has("host") {
            out.extend_from_slice(b"Host: localhost\r\n");
        }
        for (name, value) in &self.headers {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        }
        match self.chunk_size {
            Some(size) => {
                if !has("transfer-encoding") {
                    out.extend_from_slice(b"Transfer-Encoding: chunked\r\n");
                }
                out.extend_from_slice(b"\r\n");
                for chunk in self.body.chunks(size) {
                    out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                    out.extend_from_slice(chunk);
                    out.extend_from_slice(b"\r\n");
                }
                out.extend_from_slice(b"0\r\n\r\n");
            }
            None => {
                if (!self.body.is_empty() || matches!(self.method.as_str(), "POST" | "PUT"))
                    && !has("content-length")
                    && !has("transfer-encoding")
                {
                    out.extend_from_slice(
                        format!("Content-Length: {}\r\n", self.body.len()).as_bytes(),
                    );
                }
                out.extend_from_slice(b"\r\n");
                out.extend_from_slice(&self.body);
            }
        }
        out
    }
}

/// The in-process test client: sends [`TestRequest`]s to an application
/// through the server pipeline and returns [`TestResponse`]s.
///
/// Validation ([`validate`](crate::validate), collecting mode) is on by
/// default: its findings are part of each response, and an error finding
/// fails [`TestResponse::assert_ok`]. Turn it off with
/// [`TestClient::without_validation`] (to test a deliberately broken
/// application, or middleware that the validator would flag).
#[derive(Clone)]
pub struct TestClient {
    app: Arc<dyn Application>,
    /// One validator (and one report) for every request of this client.
    validator: Arc<Validator<Arc<dyn Application>>>,
    allow: Vec<&'static str>,
    deny_warnings: bool,
    max_response_bytes: usize,
    validate: bool,
    mount: Option<Vec<u8>>,
    config: Config,
    conn_info: ConnInfo,
    default_headers: Vec<(String, Vec<u8>)>,
}

impl fmt::Debug for TestClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestClient")
            .field("validate", &self.validate)
            .field(
                "mount",
                &self.mount.as_ref().map(|m| String::from_utf8_lossy(m)),
            )
            .field("conn_info", &self.conn_info)
            .finish_non_exhaustive()
    }
}

impl TestClient {
    /// A client for `app`, with validation on.
    pub fn new(app: impl Application) -> Self {
        let app: Arc<dyn Application> = Arc::new(app);
        TestClient {
            validator: Arc::new(Validator::builder().collecting().build(app.clone())),
            app,
            allow: Vec::new(),
            deny_warnings: false,
            max_response_bytes: 64 << 20,
            validate: true,
            mount: None,
            config: Config::default().access_log(false),
            conn_info: ConnInfo::default(),
            default_headers: Vec::new(),
        }
    }

    /// Stops reading a response after `bytes` bytes (default 64 MiB), as a
    /// client that goes away would, so that a body that never ends cannot
    /// hang a test; the response then reports a [`TestResponse::problem`].
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// Never reports `rule` (for a test that breaks it on purpose), like
    /// [`ValidatorBuilder::allow`](crate::validate::ValidatorBuilder::allow).
    /// Starts a fresh validator and report.
    pub fn allow(mut self, rule: &'static str) -> Self {
        self.allow.push(rule);
        self.rebuild_validator();
        self
    }

    /// Warnings fail [`TestResponse::assert_ok`], `assert_valid` and
    /// `assert_status` too (not only errors), like
    /// [`ValidatorBuilder::deny_warnings`](crate::validate::ValidatorBuilder::deny_warnings).
    pub fn deny_warnings(mut self, deny: bool) -> Self {
        self.deny_warnings = deny;
        self
    }

    /// The report shared by every request of this client (and its clones):
    /// all findings so far, in order. Each [`TestResponse::findings`] holds
    /// the part made during its request (requests are assumed to run one at
    /// a time).
    ///
    /// ```
    /// use rgi::test::TestClient;
    ///
    /// let client = TestClient::new(rgi::app(|_env, start| {
    ///     start.start(200, [("Content-Type", "text/plain")].into())?;
    ///     Ok(rgi::Body::from("hi"))
    /// }));
    /// client.get("/").assert_ok();
    /// client.post("/", "data").assert_ok();
    /// client.report().assert_clean();
    /// ```
    pub fn report(&self) -> Report {
        self.validator.report()
    }

    fn rebuild_validator(&mut self) {
        let builder = self
            .allow
            .iter()
            .fold(Validator::builder().collecting(), |b, rule| b.allow(rule));
        self.validator = Arc::new(builder.build(self.app.clone()));
    }

    /// Turns validation off.
    pub fn without_validation(mut self) -> Self {
        self.validate = false;
        self
    }

    /// Turns validation on or off.
    pub fn validation(mut self, on: bool) -> Self {
        self.validate = on;
        self
    }

    /// Mounts the application at `prefix` (`"/app"`): requests for paths
    /// below it reach the application with `SCRIPT_NAME` = `prefix` and the
    /// rest in `PATH_INFO`; other paths get `404 Not Found` without calling
    /// it. The prefix starts with `/` and does not end with it.
    pub fn mount(mut self, prefix: &str) -> Self {
        let prefix = prefix.trim_end_matches('/');
        self.mount = (!prefix.is_empty()).then(|| prefix.as_bytes().to_vec());
        self
    }

    /// Uses `config` for the server pipeline (limits; the access log is off
    /// by default here).
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Uses `info` for the connection's two ends (`REMOTE_ADDR`,
    /// `SERVER_NAME`, `SERVER_PORT`, `rgi.url_scheme`).
    pub fn conn_info(mut self, info: ConnInfo) -> Self {
        self.conn_info = info;
        self
    }

    /// Adds a header to every request this client sends (an
    /// `Authorization`, say), unless the request has a header of that name.
    pub fn default_header(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.default_headers
            .push((name.to_owned(), value.as_ref().to_vec()));
        self
    }

    /// Sends a GET.
    pub fn get(&self, target: impl AsRef<[u8]>) -> TestResponse {
        self.request(TestRequest::get(target))
    }

    /// Sends a HEAD.
    pub fn head(&self, target: impl AsRef<[u8]>) -> TestResponse {
        self.request(TestRequest::head(target))
    }

    /// Sends a POST with `body` (`Content-Length`).
    pub fn post(&self, target: impl AsRef<[u8]>, body: impl AsRef<[u8]>) -> TestResponse {
        self.request(TestRequest::post(target).body(body))
    }

    /// Sends a PUT with `body`.
    pub fn put(&self, target: impl AsRef<[u8]>, body: impl AsRef<[u8]>) -> TestResponse {
        self.request(TestRequest::put(target).body(body))
    }

    /// Sends a DELETE.
    pub fn delete(&self, target: impl AsRef<[u8]>) -> TestResponse {
        self.request(TestRequest::delete(target))
    }

    /// Sends an OPTIONS.
    pub fn options(&self, target: impl AsRef<[u8]>) -> TestResponse {
        self.request(TestRequest::options(target))
    }

    /// Sends `request` and returns the (first final) response.
    pub fn request(&self, mut request: TestRequest) -> TestResponse {
        for (name, value) in &self.default_headers {
            if !request
                .headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(name))
            {
                request.headers.push((name.clone(), value.clone()));
            }
        }
        let method = request.method().to_owned();
        self.send_raw_for(&request.to_bytes(), &method)
    }

    /// Sends exactly `bytes` (one request, or a malformed one) and returns
    /// the first final response; its method decides whether a body is
    /// expected.
    pub fn send_raw(&self, bytes: &[u8]) -> TestResponse {
        let method = TestRequest::raw(bytes.to_vec()).method().to_owned();
        self.send_raw_for(bytes, &method)
    }

    fn send_raw_for(&self, bytes: &[u8], method: &str) -> TestResponse {
        let log = SharedBuf::default();
        let output = SharedBuf::default();
        let stream = MemoryStream {
            input: io::Cursor::new(bytes.to_vec()),
            output: output.clone(),
            written: 0,
            limit: self.max_response_bytes,
        };
        // server -> Pipeline (mount) -> validator -> application
        let report = self.validator.report();
        let before = report.len();
        let inner: Arc<dyn Application> = if self.validate {
            self.validator.clone()
        } else {
            self.app.clone()
        };
        let app = Pipeline {
            app: inner,
            mount: self.mount.clone(),
        };
        // The server's own lines (application failures, refused heads) and
        // the application's error stream both land in the response's log.
        let config = self
            .config
            .clone()
            .log_to(crate::simple_server::LogSink::new(log.clone()));
        if let Err(e) = serve_connection(&app, stream, &self.conn_info, &config) {
            let _ = writeln!(log.clone(), "rgi::test: serve_connection failed: {e}");
        }
        drop(app);
        let findings = if self.validate {
            // Every body of this request is closed by now (BODY-008).
            self.validator.check_closed();
            report.findings().split_off(before.min(report.len()))
        } else {
            Vec::new()
        };
        let raw = output.take();
        let mut response = parse_response(&raw, method == "HEAD");
        response.raw = raw;
        response.findings = findings;
        response.deny_warnings = self.deny_warnings;
        response.log = log.take();
        response
    }
}

/// The server-side wrapper: mounting below a prefix.
struct Pipeline {
    app: Arc<dyn Application>,
    mount: Option<Vec<u8>>,
}

impl Application for Pipeline {
    fn call(&self, environ: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, AppError> {
        if let Some(prefix) = &self.mount {
            let path = environ.get_bytes("PATH_INFO").unwrap_or_default().to_vec();
            match path.strip_prefix(prefix.as_slice()) {
                Some(rest) if rest.is_empty() || rest.starts_with(b"/") => {
                    let mut script = environ
                        .get_bytes("SCRIPT_NAME")
                        .unwrap_or_default()
                        .to_vec();
                    script.extend_from_slice(prefix);
                    environ.set("SCRIPT_NAME", script);
                    environ.set("PATH_INFO", rest.to_vec());
                }
                _ => {
                    start.start(
                        "404 Not Found",
                        [("Content-Type", "text/plain; charset=utf-8")].into(),
                    )?;
                    return Ok(Body::from(
                        "Not Found (outside the test client's mount point)\n",
                    ));
                }
            }
        }
        self.app.call(environ, start)
    }
}

/// A cloneable, shared in-memory buffer (the output and the error log).
#[derive(Clone, Default)]
struct SharedBuf(Arc<Mutex<Vec<u8>>>);

impl SharedBuf {
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The in-memory connection: reads come from the request bytes, writes go
/// to a shared buffer.
struct MemoryStream {
    input: io::Cursor<Vec<u8>>,
    output: SharedBuf,
    written: usize,
    limit: usize,
}

impl Read for MemoryStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.input.read(buf)
    }
}

impl Write for MemoryStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.written + buf.len() > self.limit {
            // The client "goes away" (for good, like a closed socket): the
            // server stops pulling the body.
            self.limit = 0;
            return Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "rgi::test: the response is larger than the client's limit",
            ));
        }
        self.written += buf.len();
        self.output.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A response as the client received it.
#[derive(Clone, Default)]
pub struct TestResponse {
    complete: bool,
    minor: u8,
    status: u16,
    reason: String,
    interim: Vec<u16>,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
    raw: Vec<u8>,
    findings: Vec<Finding>,
    deny_warnings: bool,
    log: Vec<u8>,
    problem: Option<String>,
}

impl fmt::Debug for TestResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestResponse")
            .field("status", &self.status)
            .field("reason", &self.reason)
            .field("headers", &self.headers_lossy())
            .field("body", &String::from_utf8_lossy(&self.body))
            .field("findings", &self.findings)
            .field("problem", &self.problem)
            .field("log", &String::from_utf8_lossy(&self.log))
            .finish()
    }
}

impl TestResponse {
    /// The status code (0 if no response could be parsed; see
    /// [`TestResponse::problem`]).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The reason phrase.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The HTTP minor version of the status line.
    pub fn http_minor(&self) -> u8 {
        self.minor
    }

    /// Interim (1xx) statuses received before the final one (a `100
    /// Continue`).
    pub fn interim(&self) -> &[u16] {
        &self.interim
    }

    /// The first value of header `name` (case-insensitive), if it is UTF-8.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.header_bytes(name)
            .and_then(|v| std::str::from_utf8(v).ok())
    }

    /// The first value of header `name` (case-insensitive), as bytes.
    pub fn header_bytes(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    /// Every value of header `name`, in order (values that are not UTF-8 are
    /// decoded lossily).
    pub fn header_all(&self, name: &str) -> Vec<String> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
            .collect()
    }

    /// The header fields in order, as `(name, value bytes)`.
    pub fn headers(&self) -> &[(String, Vec<u8>)] {
        &self.headers
    }

    fn headers_lossy(&self) -> Vec<(String, String)> {
        self.headers
            .iter()
            .map(|(n, v)| (n.clone(), String::from_utf8_lossy(v).into_owned()))
            .collect()
    }

    /// The body, decoded from its framing (chunked or `Content-Length`).
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body as text (invalid UTF-8 replaced by U+FFFD).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Every byte the server wrote, as on the wire.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// What the application and the server wrote to the error stream.
    pub fn log(&self) -> String {
        String::from_utf8_lossy(&self.log).into_owned()
    }

    /// What was wrong with the response bytes themselves (no response,
    /// truncated, bad framing), if anything.
    pub fn problem(&self) -> Option<&str> {
        self.problem.as_deref()
    }

    /// True when the whole response arrived with correct framing.
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// The validator's findings for this request (empty when validation is
    /// off).
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// The validator's findings of severity error (broken MUST rules).
    pub fn errors(&self) -> Vec<Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .cloned()
            .collect()
    }

    /// Panics unless the response is complete and no validator finding is an
    /// error (nor a warning, with
    /// [`TestClient::deny_warnings`]), whatever the status. Returns `self`
    /// for chaining.
    #[track_caller]
    pub fn assert_valid(&self) -> &Self {
        if let Some(problem) = &self.problem {
            panic!("rgi::test: broken response: {problem}\n{self:#?}");
        }
        let errors: Vec<Finding> = self
            .findings
            .iter()
            .filter(|f| {
                f.severity == Severity::Error
                    || (self.deny_warnings && f.severity == Severity::Warning)
            })
            .cloned()
            .collect();
        if !errors.is_empty() {
            let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
            panic!(
                "rgi::test: the validator found {} error(s):\n  {}\n{self:#?}",
                errors.len(),
                lines.join("\n  ")
            );
        }
        self
    }

    /// Panics unless the status is 2xx, the response is complete and no
    /// validator finding is an error. Returns `self` for chaining.
    #[track_caller]
    pub fn assert_ok(&self) -> &Self {
        self.assert_valid();
        if !(200..300).contains(&self.status) {
            panic!(
                "rgi::test: expected a 2xx status, got {} {}\n{self:#?}",
                self.status, self.reason
            );
        }
        self
    }

    /// Panics unless the status is `code`, the response is complete and no
    /// validator finding is an error. Returns `self` for chaining.
    #[track_caller]
    pub fn assert_status(&self, code: u16) -> &Self {
        self.assert_valid();
        if self.status != code {
            panic!(
                "rgi::test: expected status {code}, got {} {}\n{self:#?}",
                self.status, self.reason
            );
        }
        self
    }
}

/// Parses the first final response in `raw` (httparse for the head, own
/// chunked decoding for the body).
fn parse_response(raw: &[u8], head_request: bool) -> TestResponse {
    let mut response = TestResponse::default();
    let mut rest = raw;
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 128];
        let mut parsed = httparse::Response::new(&mut headers);
        let len = match parsed.parse(rest) {
            Ok(httparse::Status::Complete(len)) => len,
            Ok(httparse::Status::Partial) => {
                response.problem = Some(if rest.is_empty() {
                    "no response: the server wrote nothing".to_owned()
                } else {
                    "the response head is incomplete".to_owned()
                });
                return response;
            }
            Err(e) => {
                response.problem = Some(format!("the response head does not parse: {e}"));
                return response;
            }
        };
        let code = parsed.code.unwrap_or(0);
        if (100..200).contains(&code) && code != 101 {
            response.interim.push(code);
            rest = &rest[len..];
            continue;
        }
        response.status = code;
        response.minor = parsed.version.unwrap_or(1);
        response.reason = parsed.reason.unwrap_or("").to_owned();
        response.headers = parsed
            .headers
            .iter()
            .map(|h| (h.name.to_owned(), h.value.to_vec()))
            .collect();
        rest = &rest[len..];
        break;
    }
    let header = |name: &str| {
        response
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| String::from_utf8_lossy(v).trim().to_ascii_lowercase())
    };
    let code = response.status;
    if head_request || code < 200 || code == 204 || code == 304 {
        response.complete = true;
        return response;
    }
    if header("transfer-encoding").is_some_and(|te| te.ends_with("chunked")) {
        match decode_chunked(rest) {
            Ok(body) => {
                response.body = body;
                response.complete = true;
            }
            Err((body, problem)) => {
                response.body = body;
                response.problem = Some(problem);
            }
        }
    } else if let Some(length) = header("content-length") {
        match length.parse::<usize>() {
            Ok(n) if n <= rest.len() => {
                response.body = rest[..n].to_vec();
                response.complete = true;
            }
            Ok(n) => {
                response.body = rest.to_vec();
                response.problem = Some(format!(
                    "truncated: Content-Length {n} but only {} body bytes before the connection closed",
                    rest.len()
                ));
            }
            Err(_) => response.problem = Some(format!("bad Content-Length {length:?}")),
        }
    } else {
        response.body = rest.to_vec();
        response.complete = true;
    }
    response
}

/// Decodes a chunked body; on error, what was decoded so far and why.
fn decode_chunked(mut data: &[u8]) -> Result<Vec<u8>, (Vec<u8>, String)> {
    let mut body = Vec::new();
    loop {
        let Some(line_end) = data.windows(2).position(|w| w == b"\r\n") else {
            return Err((
                body,
                "truncated chunked body: no last chunk (the response was aborted)".into(),
            ));
        };
        let line = String::from_utf8_lossy(&data[..line_end]).into_owned();
        let size_text = line.split(';').next().unwrap_or("").trim();
        let Ok(size) = usize::from_str_radix(size_text, 16) else {
            return Err((body, format!("bad chunk size line {line:?}")));
        };
        data = &data[line_end + 2..];
        if size == 0 {
            // Trailers up to the empty line.
            return match data.windows(2).position(|w| w == b"\r\n") {
                Some(_) => Ok(body),
                None => Err((body, "truncated chunked body: no end of trailers".into())),
            };
        }
        if data.len() < size.saturating_add(2) {
            body.extend_from_slice(&data[..size.min(data.len())]);
            return Err((
                body,
                "truncated chunked body (the response was aborted)".into(),
            ));
        }
        body.extend_from_slice(&data[..size]);
        if &data[size..size + 2] != b"\r\n" {
            return Err((body, "chunk data not followed by CRLF".into()));
        }
        data = &data[size + 2..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_decoding() {
        assert_eq!(
            decode_chunked(b"3\r\nabc\r\n1;x\r\nd\r\n0\r\n\r\n").unwrap(),
            b"abcd"
        );
        assert!(decode_chunked(b"3\r\nab").is_err());
        assert!(decode_chunked(b"zz\r\n").is_err());
        assert!(decode_chunked(b"ffffffffffffffff\r\nab").is_err());
    }

    #[test]
    fn failing_apps_get_500_and_their_log_is_kept() {
        let client = TestClient::new(crate::app(|env, _start| {
            let _ = writeln!(env.errors(), "about to fail");
            Err("broken on purpose".into())
        }))
        .without_validation();
        let response = client.get("/");
        assert_eq!(response.status(), 500);
        assert!(response.log().contains("about to fail"), "{response:?}");
        // The server's line about the failure, naming the rule (ERRS-005).
        assert!(
            response
                .log()
                .contains("GET /: the application failed (APP-005): broken on purpose"),
            "{response:?}"
        );
    }

    #[test]
    fn one_validator_and_one_report_for_every_request() {
        // INPUT-007: the input kept from the first request and read during
        // the second is caught, because both requests share the validator's
        // report.
        type Kept = Mutex<Option<Box<dyn crate::InputStream>>>;
        let kept: Arc<Kept> = Arc::default();
        let app = {
            let kept = kept.clone();
            crate::app(move |env, start| {
                let mut kept = kept.lock().unwrap_or_else(PoisonError::into_inner);
                match kept.take() {
                    None => *kept = Some(env.take_input()),
                    Some(mut old) => {
                        let mut buf = [0u8; 8];
                        let _ = old.read(&mut buf);
                    }
                }
                start.start(200, [("Content-Type", "text/plain")].into())?;
                Ok(Body::from("ok"))
            })
        };
        let client = TestClient::new(app);
        assert!(client.post("/", "first").findings().is_empty());
        let second = client.get("/");
        assert!(
            second.findings().iter().any(|f| f.rule == "INPUT-007"),
            "{second:?}"
        );
        assert!(client.report().contains("INPUT-007"));
        assert_eq!(client.report().len(), second.findings().len());
    }

    #[test]
    fn allow_and_deny_warnings_like_the_validator_builder() {
        // HDR-010 (SHOULD): a body without Content-Type is a warning.
        let untyped = || {
            crate::app(|_env, start| {
                start.start(200, crate::Headers::new())?;
                Ok(Body::from("untyped"))
            })
        };
        let response = TestClient::new(untyped()).get("/");
        assert!(response.findings().iter().any(|f| f.rule == "HDR-010"));
        response.assert_ok(); // a warning does not fail by default
        let strict = TestClient::new(untyped()).deny_warnings(true);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            strict.get("/").assert_ok();
        }));
        assert!(result.is_err(), "deny_warnings makes the warning fail");
        let allowed = TestClient::new(untyped())
            .deny_warnings(true)
            .allow("HDR-010");
        allowed.get("/").assert_ok();
        allowed.report().assert_clean();
    }

    #[test]
    fn validation_findings_come_with_the_response() {
        let bad = crate::app(|_env, start| {
            start.start(
                "200 OK",
                [("Content-Type", "text/plain; charset=utf-8")].into(),
            )?;
            Ok(Body::from("a body for HEAD"))
        });
        let client = TestClient::new(bad);
        let response = client.head("/");
        assert!(response.body().is_empty(), "the server drops the body");
        // BODY-007: a body for HEAD is allowed (the server discards it).
        assert!(response.findings().is_empty(), "{response:?}");
        let missing = crate::app(|_env, _start| Ok(Body::from("never started")));
        let response = TestClient::new(missing).get("/");
        assert_eq!(response.status(), 500);
        assert!(!response.errors().is_empty(), "{response:?}");
        let result = std::panic::catch_unwind(|| {
            response.assert_valid();
        });
        assert!(result.is_err());
    }

    #[test]
    fn endless_bodies_stop_at_the_limit() {
        let endless = crate::app(|_env, start| {
            start.start(
                "200 OK",
                [("Content-Type", "application/octet-stream")].into(),
            )?;
            Ok(Body::lazy(std::iter::repeat("0123456789abcdef")))
        });
        let response = TestClient::new(endless).max_response_bytes(4096).get("/");
        assert_eq!(response.status(), 200);
        assert!(!response.is_complete(), "{response:?}");
        assert!(response.problem().is_some(), "{response:?}");
        assert!(response.raw().len() <= 4096);
    }

    #[test]
    fn mount_sets_script_name() {
        let client = TestClient::new(crate::app(|env, start| {
            let text = format!(
                "{}|{}",
                env.get("SCRIPT_NAME")
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
                env.get("PATH_INFO")
                    .map(|v| v.to_string())
                    .unwrap_or_default()
            );
            start.start(
                "200 OK",
                [("Content-Type", "text/plain; charset=utf-8")].into(),
            )?;
            Ok(Body::from(text))
        }))
        .mount("/app");
        assert_eq!(client.get("/app/x/y").text(), "/app|/x/y");
        assert_eq!(client.get("/app").text(), "/app|");
        assert_eq!(client.get("/apple").status(), 404);
    }
}
