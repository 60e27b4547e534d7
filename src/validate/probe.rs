//! Helpers to drive applications in-process without a server:
//! [`sample_environ`], [`RecordingStart`], and the middleware probe
//! ([`check_middleware`], [`ProbeApp`]).

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use super::core::middleware;
use super::finding::Report;
use super::{ids, Validator, ValidatorBuilder};
use crate::start_response::check_response;
use crate::{AppError, Application, Body, Environ, Error, Headers, StartResponse};

/// An environ like a server builds for `method path` (the path may carry a
/// `?query`): [`setup_testing_defaults`](crate::util::setup_testing_defaults)
/// over `REQUEST_METHOD`, `PATH_INFO`, `QUERY_STRING` and `SERVER_PROTOCOL`
/// `HTTP/1.1` (which also fills the recommended `REMOTE_ADDR`,
/// `REMOTE_PORT`, `GATEWAY_INTERFACE` and `SERVER_SOFTWARE`); an empty input
/// stream and a discarding error stream.
///
/// ```
/// let env = rgi::validate::sample_environ("GET", "/a/b?x=1");
/// assert_eq!(env.get_str("PATH_INFO"), Some("/a/b"));
/// assert_eq!(env.get_str("QUERY_STRING"), Some("x=1"));
/// assert_eq!(env.get_str("REQUEST_URI"), Some("/a/b?x=1"));
/// ```
pub fn sample_environ(method: &str, path: &str) -> Environ {
    let (path_info, query) = path.split_once('?').unwrap_or((path, ""));
    let mut env = Environ::new();
    env.set("REQUEST_METHOD", method.to_owned());
    env.set("PATH_INFO", path_info.to_owned());
    env.set("QUERY_STRING", query.to_owned());
    env.set("SERVER_PROTOCOL", "HTTP/1.1");
    crate::util::setup_testing_defaults(&mut env);
    env.set_errors(Box::new(io::sink()));
    env
}

/// A minimal server-side [`StartResponse`] that records what the
/// application gives it and refuses what a server must refuse (like
/// `simple_server`): for driving applications in tests.
#[derive(Debug, Default, Clone)]
pub struct RecordingStart {
    /// The status given to `start`/`start_error`.
    pub status: Option<String>,
    /// The headers given with it.
    pub headers: Option<Headers>,
    /// The bytes given to `write`.
    pub written: Vec<u8>,
    /// True once `write` "sent" the head.
    pub sent: bool,
}

impl StartResponse for RecordingStart {
    fn start_text(&mut self, status: &str, headers: Headers) -> Result<(), Error> {
        if self.status.is_some() {
            return Err(Error::AlreadyStarted);
        }
        self.start_error_text(status, headers)
    }

    fn start_error_text(&mut self, status: &str, headers: Headers) -> Result<(), Error> {
        if self.sent {
            return Err(Error::HeadersAlreadySent);
        }
        check_response(status, &headers)?;
        self.status = Some(status.to_owned());
        self.headers = Some(headers);
        Ok(())
    }

    fn write(&mut self, data: &[u8]) -> Result<(), Error> {
        if self.status.is_none() {
            return Err(Error::NotStarted);
        }
        self.sent = true;
        self.written.extend_from_slice(data);
        Ok(())
    }

    fn headers_sent(&self) -> bool {
        self.sent
    }
}

/// The application [`check_middleware`] puts under the middleware: it
/// reads the request body, answers `200 OK`, `text/plain; charset=utf-8`,
/// with a streamed body of [`ProbeApp::CHUNKS`] chunks, and counts how many
/// chunks were pulled.
#[derive(Debug, Clone, Default)]
pub struct ProbeApp {
    pulled: Arc<AtomicUsize>,
}

/// An extension [`check_middleware`] puts in the environ, to see that it
/// reaches the inner application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProbeExtension(pub u64);

impl ProbeApp {
    /// How many chunks the probe's body has.
    pub const CHUNKS: usize = 4;

    /// A new probe.
    pub fn new() -> Self {
        ProbeApp::default()
    }

    /// How many chunks of its bodies were pulled so far.
    pub fn pulled(&self) -> usize {
        self.pulled.load(Ordering::SeqCst)
    }
}

impl Application for ProbeApp {
    fn call(&self, env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, AppError> {
        // Read the request body, so that the input checks apply.
        io::copy(env.input(), &mut io::sink())?;
        start.start(
            "200 OK",
            [("Content-Type", "text/plain; charset=utf-8")].into(),
        )?;
        let pulled = self.pulled.clone();
        Ok(Body::lazy((0..Self::CHUNKS).map(move |i| {
            pulled.fetch_add(1, Ordering::SeqCst);
            format!("probe chunk {i}\n")
        })))
    }
}

/// Checks a middleware: `factory` wraps a validated [`ProbeApp`] in the
/// middleware, which is wrapped in a second validator; two requests are
/// driven through the stack — `GET /probe`, then `POST /probe` with a
/// 16-byte body — with `multithread`, `file_wrapper` and a
/// [`ProbeExtension`] set; each response body is pulled one chunk at a
/// time, then dropped. Returns the report of both validators.
///
/// On top of every check of the two validators (the middleware is the
/// server of the inner one and the application of the outer one: MW-001 to
/// MW-013), it records how many probe chunks were pulled before the first
/// chunk reached the outer side: more than one is a middleware that drains
/// the body before yielding (MW-007, or MW-006 when it drained it inside
/// `call`).
///
/// ```
/// use rgi::validate::check_middleware;
/// use rgi::{AppError, Application, Body, Environ, StartResponse};
///
/// // A middleware that upper-cases the body, chunk by chunk.
/// struct Upper<A>(A);
/// impl<A: Application> Application for Upper<A> {
///     fn call(&self, env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, AppError> {
///         let inner = self.0.call(env, start)?;
///         Ok(Body::stream(inner.map(|c| c.map(|c| c.to_ascii_uppercase()))))
///     }
/// }
/// assert!(check_middleware(Upper).is_empty());
///
/// // One that collects the whole body first.
/// struct Collect<A>(A);
/// impl<A: Application> Application for Collect<A> {
///     fn call(&self, env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, AppError> {
///         let all = self.0.call(env, start)?.into_bytes()?;
///         Ok(Body::from(all))
///     }
/// }
/// assert!(check_middleware(Collect).contains("MW-006"));
/// ```
pub fn check_middleware<M, F>(factory: F) -> Report
where
    M: Application,
    F: FnOnce(Validator<ProbeApp>) -> M,
{
    let report = Report::new();
    let builder = ValidatorBuilder::new()
        .collecting()
        .log_to_errors(false)
        .report(report.clone());
    let probe = ProbeApp::new();
    let outer = builder.clone().build(factory(builder.build(probe.clone())));
    for method in ["GET", "POST"] {
        let mut env = sample_environ(method, "/probe");
        env.set_multithread(true);
        env.set_file_wrapper(true);
        env.extensions_mut().insert(ProbeExtension(7));
        if method == "POST" {
            env.set("CONTENT_LENGTH", "16");
            env.set_input(Box::new(io::Cursor::new(b"probe input body".to_vec())));
        }
        let before = probe.pulled();
        let mut start = RecordingStart::default();
        let Ok(mut body) = outer.call(&mut env, &mut start) else {
            continue;
        };
        let mut first = None;
        while let Some(Ok(chunk)) = body.next_chunk() {
            if !chunk.is_empty() && first.is_none() {
                first = Some(probe.pulled() - before);
            }
        }
        drop(body);
        if let Some(pulled) = first {
            if pulled > 1 && !report.contains(ids::MW_PULL) && !report.contains(ids::MW_RETURN) {
                report.push(middleware(
                    ids::MW_PULL,
                    format!(
                        "{pulled} of {} probe chunks were pulled before the first chunk reached the outer side ({method})",
                        ProbeApp::CHUNKS
                    ),
                    "yield each chunk (or an empty one) as soon as the inner body yields it",
                ));
            }
        }
    }
    drop(outer);
    report
}
