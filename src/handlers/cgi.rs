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
//! * runs the application through [`crate::gateway::run`], the call policy
//!   every rgi engine shares: it checks the status and headers, computes a
//!   `Content-Length` for bodies of known length (not for HEAD: BODY-009),
//!   never sends more bytes than
//!   a declared `Content-Length`, and sends no body for `HEAD` requests and
//!   1xx/204/304 responses (RFC 3875 section 4.3.3);
//! * answers `500 Internal Server Error` when the application fails or panics
//!   before any output, and otherwise stops the output (the web server sees
//!   a truncated response); the error goes to standard error, naming the
//!   rule. Standard input that ends before `CONTENT_LENGTH` bytes is a read
//!   error (`UnexpectedEof`), answered 400 and logged as the client's
//!   failure (INPUT-013).

use std::ffi::{OsStr, OsString};
use std::io::{self, BufReader, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::gateway::{Delimiting, InputFailure, Output, ResponseHead};
use crate::{AppError, Application, Body, EnvValue, Environ, StartResponse};

/// The status and body sent when the application fails before any output:
/// the gateway's, as for every engine.
pub use crate::gateway::{ERROR_BODY, ERROR_STATUS};

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
    let input_failed = Arc::new(AtomicBool::new(false));
    environ.set_input(Box::new(BufReader::new(CgiInput {
        stdin,
        left: length,
        failed: Arc::clone(&input_failed),
    })));
    let stderr = SharedStderr(Arc::new(Mutex::new(stderr)));
    environ.set_errors(Box::new(stderr.clone()));
    let log = |line: std::fmt::Arguments<'_>| {
        let mut errors = stderr.clone();
        let _ = writeln!(errors, "rgi cgi: {line}");
        let _ = errors.flush();
    };
    let mut output = CgiOutput {
        out: stdout,
        failed: None,
        input_failed,
    };
    // APP-018: the hooks run once per process, around the one request.
    let outcome = match crate::gateway::start_app(app, &log) {
        Ok(()) => {
            let outcome = crate::gateway::run(app, &mut environ, &mut output, &log);
            crate::gateway::shutdown_app(app, &log);
            outcome
        }
        Err(_) => crate::gateway::run(&crate::app(not_serving), &mut environ, &mut output, &log),
    };
    match output.failed {
        Some(err) if outcome.end == crate::gateway::End::ClientGone => Err(err),
        _ => Ok(()),
    }
}

/// The answer when the application's `on_start` asked not to be served
/// (APP-018).
fn not_serving(_env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, AppError> {
    start.start(503, [("Content-Type", "text/plain")].into())?;
    Ok(Body::from("Service Unavailable\n"))
}

/// Standard input, limited to `CONTENT_LENGTH` bytes; ending early is the
/// client's failure (INPUT-003, INPUT-013), not an early end of the body.
struct CgiInput<R> {
    stdin: R,
    left: u64,
    failed: Arc<AtomicBool>,
}

impl<R: Read> Read for CgiInput<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 || buf.is_empty() {
            return Ok(0);
        }
        let want = usize::try_from(self.left)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        let n = loop {
            match self.stdin.read(&mut buf[..want]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        match n {
            Ok(0) => {
                self.failed.store(true, Ordering::SeqCst);
                Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "standard input ended before CONTENT_LENGTH bytes of the request body (INPUT-013)",
                ))
            }
            Ok(n) => {
                self.left -= n as u64;
                Ok(n)
            }
            Err(e) => {
                self.failed.store(true, Ordering::SeqCst);
                Err(e)
            }
        }
    }
}

/// The handler's standard error, shared by `rgi.errors` and the gateway's
/// log lines.
struct SharedStderr<W>(Arc<Mutex<W>>);

impl<W> Clone for SharedStderr<W> {
    fn clone(&self) -> Self {
        SharedStderr(Arc::clone(&self.0))
    }
}

impl<W: Write> Write for SharedStderr<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .flush()
    }
}

/// The CGI engine's output: a `Status:` line, the header fields and an
/// empty line, then the body; the web server adds `Date`, `Server` and the
/// framing (RFC 3875 section 6).
struct CgiOutput<'a> {
    out: &'a mut dyn Write,
    /// The first error from standard output: the web server went away.
    failed: Option<io::Error>,
    input_failed: Arc<AtomicBool>,
}

impl CgiOutput<'_> {
    fn keep(&mut self, result: io::Result<()>) -> io::Result<()> {
        if let Err(e) = &result {
            if self.failed.is_none() {
                self.failed = Some(io::Error::new(e.kind(), e.to_string()));
            }
        }
        result
    }
}

impl Output for CgiOutput<'_> {
    fn delimiting(&self) -> Delimiting {
        Delimiting::Engine
    }

    fn send_head(&mut self, head: &ResponseHead<'_>) -> io::Result<()> {
        let mut bytes = Vec::with_capacity(256);
        bytes.extend_from_slice(b"Status: ");
        bytes.extend_from_slice(head.status.as_bytes());
        bytes.extend_from_slice(b"\r\n");
        for (name, value) in head.headers.iter() {
            bytes.extend_from_slice(name.as_bytes());
            bytes.extend_from_slice(b": ");
            bytes.extend_from_slice(value.as_bytes());
            bytes.extend_from_slice(b"\r\n");
        }
        if let Some(n) = head.computed_length {
            bytes.extend_from_slice(format!("Content-Length: {n}\r\n").as_bytes());
        }
        bytes.extend_from_slice(b"\r\n");
        let result = self.out.write_all(&bytes);
        self.keep(result)
    }

    fn send_data(&mut self, data: &[u8]) -> io::Result<()> {
        let result = self.out.write_all(data);
        self.keep(result)
    }

    fn flush(&mut self) -> io::Result<()> {
        let result = self.out.flush();
        self.keep(result)
    }

    fn finish(&mut self) -> io::Result<()> {
        self.flush()
    }

    fn abort(&mut self) {
        // The web server sees the output end here: a short Content-Length
        // body, or a stream cut off.
        let _ = self.out.flush();
    }

    fn input_failure(&self) -> Option<InputFailure> {
        self.input_failed
            .load(Ordering::SeqCst)
            .then_some(InputFailure::Disconnected)
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
