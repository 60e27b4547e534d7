//! Run an rgi application as a CGI program (RFC 3875), like Python's
//! `wsgiref.handlers.CGIHandler`.
//!
//! The web server starts the program once per request. The request comes in
//! through the process environment (the CGI meta-variables) and standard
//! input (the body, `CONTENT_LENGTH` bytes of it); the response goes to
//! standard output as a `Status:` line, the header fields, an empty line and
//! the body. The web server adds `Date`, `Server` and the framing, so this
//! handler sends neither.
//!
//! ```no_run
//! use rgi::{Body, Environ, StartResponse};
//!
//! fn hello(env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, rgi::AppError> {
//!     let path = env.get("PATH_INFO").map(|v| v.to_str_lossy().into_owned()).unwrap_or_default();
//!     start.start("200 OK", [("Content-Type", "text/plain; charset=utf-8")].into())?;
//!     Ok(Body::from(format!("Hello from CGI, you asked for {path:?}\n")))
//! }
//!
//! fn main() -> std::io::Result<()> {
//!     rgi::handlers::cgi::run(hello)
//! }
//! ```
//!
//! What the handler does, in order:
//!
//! * builds the environ from the CGI request variables only: the RFC 3875
//!   meta-variables, `HTTP_*` (except `HTTP_PROXY`, the "httpoxy" vector, and
//!   `HTTP_CONTENT_TYPE`/`HTTP_CONTENT_LENGTH`, which CGI carries as
//!   `CONTENT_TYPE`/`CONTENT_LENGTH`), `HTTPS`, `SSL_*`, `REQUEST_URI`,
//!   `REQUEST_SCHEME`, `REMOTE_PORT` and `SERVER_ADDR`. The rest of the
//!   process environment (`PATH`, `HOME`, secrets) never reaches the
//!   application (ENV-035; Python's bpo-7250). Values are bytes, taken
//!   losslessly; `REQUEST_URI` is rebuilt from the path when the web server
//!   did not pass it (ENV-014);
//! * sets `rgi.run_once` and `rgi.multiprocess`, clears `rgi.multithread`,
//!   and guesses `rgi.url_scheme` from `HTTPS` / `REQUEST_SCHEME`;
//! * gives the application standard input limited to `CONTENT_LENGTH` bytes
//!   (no `CONTENT_LENGTH`: an empty body), and standard error as
//!   `rgi.errors`;
//! * checks the status and headers as every rgi server does, computes a
//!   `Content-Length` for bodies of known length (not for HEAD: BODY-009),
//!   never sends more bytes than
//!   a declared `Content-Length`, and sends no body for `HEAD` requests and
//!   1xx/204/304 responses (RFC 3875 section 4.3.3);
//! * answers `500 Internal Server Error` when the application fails or panics
//!   before any output, and otherwise stops the output (the web server sees
//!   a truncated response); the error goes to standard error.

use std::ffi::{OsStr, OsString};
use std::io::{self, BufReader, Read, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::start_response::check_response;
use crate::{Application, Body, EnvValue, Environ, Error, Headers, StartResponse};

/// The status sent when the application fails before any output.
pub const ERROR_STATUS: &str = "500 Internal Server Error";
/// The body sent with [`ERROR_STATUS`].
pub const ERROR_BODY: &[u8] = b"A server error occurred.  Please contact the administrator.\n";

/// The CGI meta-variables (RFC 3875 section 4.1) and common server
/// additions that are copied into the environ; `HTTP_*` and `SSL_*` names
/// are copied too (see [`is_request_variable`]).
pub const REQUEST_VARIABLES: [&str; 22] = [
    "AUTH_TYPE",
    "CONTENT_LENGTH",
    "CONTENT_TYPE",
    "GATEWAY_INTERFACE",
    "PATH_INFO",
    "PATH_TRANSLATED",
    "QUERY_STRING",
    "REMOTE_ADDR",
    "REMOTE_HOST",
    "REMOTE_IDENT",
    "REMOTE_USER",
    "REQUEST_METHOD",
    "SCRIPT_NAME",
    "SERVER_NAME",
    "SERVER_PORT",
    "SERVER_PROTOCOL",
    "SERVER_SOFTWARE",
    "HTTPS",
    "REQUEST_URI",
    "REQUEST_SCHEME",
    "REMOTE_PORT",
    "SERVER_ADDR",
];

/// True if the process environment variable `name` is part of the CGI
/// request and so belongs in the environ.
///
/// ```
/// use rgi::handlers::cgi::is_request_variable;
/// assert!(is_request_variable("PATH_INFO"));
/// assert!(is_request_variable("HTTP_USER_AGENT"));
/// assert!(!is_request_variable("HTTP_PROXY")); // httpoxy
/// assert!(!is_request_variable("PATH"));
/// assert!(!is_request_variable("HOME"));
/// ```
pub fn is_request_variable(name: &str) -> bool {
    if let Some(rest) = name.strip_prefix("HTTP_") {
        return !rest.is_empty()
            && rest != "PROXY"
            && rest != "CONTENT_TYPE"
            && rest != "CONTENT_LENGTH";
    }
    name.starts_with("SSL_") || REQUEST_VARIABLES.contains(&name)
}

/// Runs `app` once as a CGI program: the request from this process's
/// environment and standard input, the response to standard output, errors to
/// standard error.
///
/// Returns an error only when standard output fails (the web server went
/// away); application failures are answered with a 500 response and logged.
pub fn run<A: Application>(app: A) -> io::Result<()> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    run_with(
        &app,
        std::env::vars_os(),
        io::stdin(),
        &mut out,
        io::stderr(),
    )
}

/// Runs `app` once with the given process environment, standard input,
/// standard output and standard error: what [`run`] does with the real ones,
/// for tests and for embedding.
///
/// `env_vars` is the whole process environment; only the CGI request
/// variables are used (see [`is_request_variable`]).
///
/// ```
/// use std::io;
///
/// let app = rgi::app(|env, start| {
///     let method = env.get_str("REQUEST_METHOD").unwrap_or("?").to_owned();
///     start.start("200 OK", [("Content-Type", "text/plain")].into())?;
///     Ok(rgi::Body::from(method))
/// });
/// let mut out = Vec::new();
/// rgi::handlers::cgi::run_with(
///     &app,
///     [("REQUEST_METHOD", "POST"), ("PATH", "/usr/bin")],
///     io::empty(),
///     &mut out,
///     io::sink(),
/// )?;
/// assert_eq!(
///     out,
///     b"Status: 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\nPOST"
/// );
/// # Ok::<(), io::Error>(())
/// ```
pub fn run_with<A, K, V>(
    app: &A,
    env_vars: impl IntoIterator<Item = (K, V)>,
    stdin: impl Read + Send + 'static,
    stdout: &mut dyn Write,
    stderr: impl Write + Send + 'static,
) -> io::Result<()>
where
    A: Application + ?Sized,
    K: AsRef<OsStr>,
    V: AsRef<OsStr>,
{
    let mut environ = environ_from(env_vars);
    let length = environ
        .get_str("CONTENT_LENGTH")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(0);
    environ.set_input(Box::new(BufReader::new(stdin.take(length))));
    environ.set_errors(Box::new(stderr));
    let head_request = environ.get_bytes("REQUEST_METHOD") == Some(b"HEAD");

    let mut start = CgiStart::new(stdout, head_request);
    let result = catch_unwind(AssertUnwindSafe(|| app.call(&mut environ, &mut start)));
    let body = match result {
        Ok(Ok(body)) if start.status.is_some() || start.sent => body,
        Ok(Ok(body)) => {
            drop(body);
            return fail(
                &mut start,
                &mut environ,
                "the application returned a body without calling start_response (APP-005)",
            );
        }
        Ok(Err(err)) => {
            let message = format!("the application failed: {err}");
            return fail(&mut start, &mut environ, &message);
        }
        Err(panic) => {
            let message = format!("the application panicked: {}", panic_message(&*panic));
            return fail(&mut start, &mut environ, &message);
        }
    };
    finish(&mut start, &mut environ, body)
}

/// Sends the body: the head first (with a computed `Content-Length` when the
/// length is known), then the chunks, within the declared length.
fn finish(start: &mut CgiStart<'_>, environ: &mut Environ, mut body: Body) -> io::Result<()> {
    // BODY-009: no computed length for HEAD, whose body may be empty on
    // purpose (BODY-007) while GET's is not.
    if !start.sent && start.declared.is_none() && !start.suppress_body() {
        if let Some(len) = body.known_length() {
            if let Some((_, headers)) = start.status.as_mut() {
                headers.add("Content-Length", len.to_string());
                start.declared = Some(len);
            }
        }
    }
    let mut failure = None;
    loop {
        let next = catch_unwind(AssertUnwindSafe(|| body.next_chunk()));
        match next {
            Ok(None) => break,
            Ok(Some(Ok(chunk))) => {
                if chunk.is_empty() {
                    continue;
                }
                match start.send(&chunk) {
                    Ok(()) => {}
                    Err(Error::Io(err)) => {
                        drop(body);
                        return Err(err);
                    }
                    Err(err) => {
                        failure = Some(format!("{err} (rule {})", err.rule().unwrap_or("-")));
                        break;
                    }
                }
            }
            Ok(Some(Err(err))) => {
                failure = Some(format!("the response body failed: {err}"));
                break;
            }
            Err(panic) => {
                failure = Some(format!(
                    "the response body panicked: {}",
                    panic_message(&*panic)
                ));
                break;
            }
        }
    }
    drop(body);
    if let Some(message) = failure {
        return fail(start, environ, &message);
    }
    start.send_head()?;
    if let Some(declared) = start.declared {
        if start.body_bytes < declared && !start.suppress_body() {
            log(
                environ,
                &format!(
                    "the body ended after {} of the {declared} bytes its Content-Length declared; the response is truncated (BODY-004)",
                    start.body_bytes
                ),
            );
        }
    }
    start.out.flush()
}

/// Answers 500 if nothing was sent yet; otherwise stops the output. Logs.
fn fail(start: &mut CgiStart<'_>, environ: &mut Environ, message: &str) -> io::Result<()> {
    log(environ, message);
    if start.sent {
        log(
            environ,
            "the response head was already sent: the output stops here, truncated",
        );
        return start.out.flush();
    }
    start.status = Some((
        ERROR_STATUS.to_owned(),
        Headers::from(vec![
            ("Content-Type".to_owned(), "text/plain".to_owned()),
            ("Content-Length".to_owned(), ERROR_BODY.len().to_string()),
        ]),
    ));
    start.declared = Some(ERROR_BODY.len() as u64);
    start.code = 500;
    match start.send(ERROR_BODY) {
        Ok(()) => {}
        Err(Error::Io(err)) => return Err(err),
        Err(err) => log(environ, &err.to_string()),
    }
    start.send_head()?;
    start.out.flush()
}

fn log(environ: &mut Environ, message: &str) {
    let errors = environ.errors();
    let _ = writeln!(errors, "rgi cgi: {message}");
    let _ = errors.flush();
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a non-string panic payload)".to_owned()
    }
}

/// Builds the environ from the process environment `env_vars`, keeping only
/// the CGI request variables (see [`is_request_variable`]) and filling in
/// what RFC 3875 and the rgi environ require when the web server left it out.
///
/// ```
/// let env = rgi::handlers::cgi::environ_from([
///     ("REQUEST_METHOD", "GET"),
///     ("HTTP_PROXY", "http://evil.example/"),
///     ("HOME", "/root"),
///     ("HTTPS", "on"),
/// ]);
/// assert_eq!(env.get_str("REQUEST_METHOD"), Some("GET"));
/// assert!(!env.contains("HTTP_PROXY") && !env.contains("HOME"));
/// assert_eq!(env.get_str("SCRIPT_NAME"), Some(""));
/// assert_eq!(env.url_scheme(), "https");
/// assert!(env.run_once() && env.multiprocess() && !env.multithread());
/// ```
pub fn environ_from<K, V>(env_vars: impl IntoIterator<Item = (K, V)>) -> Environ
where
    K: AsRef<OsStr>,
    V: AsRef<OsStr>,
{
    let mut environ = Environ::new();
    for (name, value) in env_vars {
        let Some(name) = name.as_ref().to_str() else {
            continue;
        };
        if !is_request_variable(name) {
            continue;
        }
        let value = os_bytes(value.as_ref());
        if name == "CONTENT_LENGTH" || name == "CONTENT_TYPE" {
            // RFC 3875: an empty value means the variable is unset.
            if value.iter().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
        }
        environ.set(name.to_owned(), EnvValue::from(value));
    }
    for (key, default) in [
        ("REQUEST_METHOD", "GET"),
        ("SCRIPT_NAME", ""),
        ("PATH_INFO", ""),
        ("QUERY_STRING", ""),
        ("SERVER_NAME", "localhost"),
        ("SERVER_PORT", "80"),
        ("SERVER_PROTOCOL", "HTTP/1.0"),
        ("GATEWAY_INTERFACE", "CGI/1.1"),
    ] {
        if !environ.contains(key) {
            environ.set(key, default);
        }
    }
    let https = crate::util::guess_scheme(&environ) == "https"
        || environ
            .get_str("REQUEST_SCHEME")
            .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    environ.set_url_scheme(if https { "https" } else { "http" });
    if !environ.contains("REQUEST_URI") {
        // ENV-014: rebuilt from the decoded path when the web server did
        // not pass the raw target.
        let url = crate::util::request_uri(&environ, true);
        let path = url
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_owned()))
            .unwrap_or_else(|| "/".to_owned());
        environ.set("REQUEST_URI", path);
    }
    environ.set_run_once(true);
    environ.set_multiprocess(true);
    environ.set_multithread(false);
    environ
}

#[cfg(unix)]
fn os_bytes(value: &OsStr) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    value.as_bytes().to_vec()
}

#[cfg(not(unix))]
fn os_bytes(value: &OsStr) -> Vec<u8> {
    value.to_string_lossy().into_owned().into_bytes()
}

/// Converts an [`OsString`] pair list (as from [`std::env::vars_os`]) into
/// owned byte pairs; kept for callers that want to inspect what [`run`]
/// would see.
pub fn request_variables(
    env_vars: impl IntoIterator<Item = (OsString, OsString)>,
) -> Vec<(String, Vec<u8>)> {
    env_vars
        .into_iter()
        .filter_map(|(k, v)| {
            let k = k.into_string().ok()?;
            is_request_variable(&k).then(|| (k, os_bytes(&v)))
        })
        .collect()
}

/// The `StartResponse` of the CGI handler: stores the status and headers and
/// writes them, as a CGI response head, before the first body byte.
struct CgiStart<'a> {
    out: &'a mut dyn Write,
    status: Option<(String, Headers)>,
    code: u16,
    declared: Option<u64>,
    body_bytes: u64,
    sent: bool,
    head_request: bool,
}

impl<'a> CgiStart<'a> {
    fn new(out: &'a mut dyn Write, head_request: bool) -> Self {
        CgiStart {
            out,
            status: None,
            code: 0,
            declared: None,
            body_bytes: 0,
            sent: false,
            head_request,
        }
    }

    fn forbids_body(&self) -> bool {
        self.code < 200 || self.code == 204 || self.code == 304
    }

    fn suppress_body(&self) -> bool {
        self.head_request || self.forbids_body()
    }

    fn store(&mut self, status: &str, headers: Headers) -> Result<(), Error> {
        // START-003, HDR-001..006: a final status, headers checked for it.
        let (code, declared) = check_response(status, &headers)?;
        self.code = code;
        self.declared = declared;
        self.status = Some((status.to_owned(), headers));
        Ok(())
    }

    fn send_head(&mut self) -> io::Result<()> {
        if self.sent {
            return Ok(());
        }
        let Some((status, headers)) = self.status.as_ref() else {
            return Ok(());
        };
        let mut head = Vec::with_capacity(256);
        head.extend_from_slice(b"Status: ");
        head.extend_from_slice(status.as_bytes());
        head.extend_from_slice(b"\r\n");
        for (name, value) in headers.iter() {
            head.extend_from_slice(name.as_bytes());
            head.extend_from_slice(b": ");
            head.extend_from_slice(value.as_bytes());
            head.extend_from_slice(b"\r\n");
        }
        head.extend_from_slice(b"\r\n");
        self.sent = true;
        self.out.write_all(&head)
    }

    /// Sends body bytes (the head first), within the declared length.
    fn send(&mut self, data: &[u8]) -> Result<(), Error> {
        if self.status.is_none() {
            return Err(Error::NotStarted);
        }
        self.send_head()?;
        if self.suppress_body() {
            self.body_bytes += data.len() as u64;
            return Ok(());
        }
        let attempted = self.body_bytes + data.len() as u64;
        if let Some(declared) = self.declared {
            if attempted > declared {
                let room = (declared - self.body_bytes) as usize;
                self.out.write_all(&data[..room])?;
                self.body_bytes = declared;
                return Err(Error::ContentLengthExceeded {
                    declared,
                    attempted,
                });
            }
        }
        self.out.write_all(data)?;
        self.out.flush()?;
        self.body_bytes = attempted;
        Ok(())
    }
}

impl StartResponse for CgiStart<'_> {
    fn start_text(&mut self, status: &str, headers: Headers) -> Result<(), Error> {
        if self.status.is_some() || self.sent {
            return Err(Error::AlreadyStarted);
        }
        self.store(status, headers)
    }

    fn start_error_text(&mut self, status: &str, headers: Headers) -> Result<(), Error> {
        if self.sent {
            return Err(Error::HeadersAlreadySent);
        }
        self.store(status, headers)
    }

    fn write(&mut self, data: &[u8]) -> Result<(), Error> {
        self.send(data)
    }

    fn headers_sent(&self) -> bool {
        self.sent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_variables_only() {
        let vars = request_variables([
            (OsString::from("PATH"), OsString::from("/bin")),
            (OsString::from("HTTP_HOST"), OsString::from("x")),
            (OsString::from("HTTP_PROXY"), OsString::from("y")),
        ]);
        assert_eq!(vars, [("HTTP_HOST".to_owned(), b"x".to_vec())]);
    }
}
