//! `validate`: middleware that checks both sides of the contract at run time
//! (Python's `wsgiref.validate`, Rack::Lint, Plack's Lint — and more).
//!
//! [`validator`] wraps an application. The wrapped application behaves
//! exactly like the original (same status, headers and body, and the same
//! kind of body: an in-memory or file body stays one, so a server still
//! sends its `Content-Length` or uses `sendfile`), while the validator
//! checks, on every request:
//!
//! * **the environ** the server (or a middleware) hands over: required CGI
//!   keys, the forms of `REQUEST_METHOD`, `SCRIPT_NAME`, `PATH_INFO`,
//!   `SERVER_PORT`, `SERVER_PROTOCOL`, `CONTENT_LENGTH`, no
//!   `HTTP_CONTENT_TYPE`/`HTTP_CONTENT_LENGTH`, the URL scheme;
//! * **the input stream**: never more bytes than `CONTENT_LENGTH`, EOF
//!   stays EOF, an early EOF is an error, no reads after the response is
//!   finished; **the error stream**: UTF-8 lines;
//! * **start_response**: called once (or replaced with `start_error` before
//!   the head is sent), the status form, header names and values, no
//!   hop-by-hop or `Status` headers, `Content-Type` when there is a body and
//!   not on 1xx/204/304 — and that the *server's* `StartResponse` refuses
//!   what it must refuse;
//! * **the body**: `start` called before returning it, bytes produced equal
//!   a declared `Content-Length` (including bytes given to `write`), no body
//!   bytes for HEAD or 1xx/204/304, and the body is closed (dropped) —
//!   tracked deterministically with [`Body::on_close`] and the wrapper's own
//!   `Drop`; a body never closed is reported when the validator is dropped
//!   or by [`Validator::check_closed`];
//! * **middleware**, when validators are stacked around it (or with
//!   [`check_middleware`]): the capabilities the inner application sees
//!   equal those the server gave, the middleware yields (at least) one chunk
//!   for each chunk of the inner body instead of draining it first, and it
//!   closes the inner body when its own is closed.
//!
//! Every [`Finding`] names the rule of the specification it enforces (its ID
//! is in [`rules::RULES`](crate::rules::RULES)), a [`Severity`] (Error for a
//! MUST, Warning for a SHOULD, Advice for HTTP hygiene), which [`Side`]
//! broke it, what was seen and how to fix it. Findings are also written to
//! the environ's error stream.
//!
//! # Two modes
//!
//! **Panic mode** — [`validator(app)`](validator), the default, like
//! `wsgiref.validate` — panics on the first error with the message
//! `rgi::validate: RULE-ID: what was seen; fix: what to do`. Use it in
//! tests; the server turns the panic into a `500`.
//!
//! ```
//! use rgi::validate::{sample_environ, validator, RecordingStart};
//! use rgi::{Application, Body, Environ, StartResponse};
//!
//! let app = validator(rgi::app(|_env: &mut Environ, start: &mut dyn StartResponse| {
//!     start.start("200 OK", [("Content-Type", "text/plain; charset=utf-8")].into())?;
//!     Ok(Body::from("hello"))
//! }));
//! // Hand `app` to a server, or drive it in-process as here.
//! let body = app.call(&mut sample_environ("GET", "/"), &mut RecordingStart::default());
//! assert_eq!(body.unwrap().into_bytes().unwrap(), b"hello");
//! assert!(app.report().is_empty());
//! ```
//!
//! A broken application panics inside the request:
//!
//! ```should_panic
//! # use rgi::validate::{sample_environ, validator, RecordingStart};
//! # use rgi::{Application, Body};
//! let app = validator(rgi::app(|_env, start| {
//!     start.start("200 OK", [("Content-Type", "text/plain; charset=utf-8"),
//!                            ("Transfer-Encoding", "chunked")].into())?;
//!     Ok(Body::from("hello"))
//! }));
//! // panics: rgi::validate: HDR-003: hop-by-hop header "Transfer-Encoding"; fix: remove it: ...
//! let _ = app.call(&mut sample_environ("GET", "/"), &mut RecordingStart::default());
//! ```
//!
//! **Collecting mode** — [`Validator::collecting`] or [`Validator::builder`]
//! — records every finding in a shared [`Report`] that the caller reads
//! after the requests:
//!
//! ```
//! use rgi::validate::{sample_environ, RecordingStart, Validator};
//! use rgi::{Application, Body};
//!
//! let app = Validator::collecting(rgi::app(|_env, start| {
//!     start.start("200 OK", [("Connection", "close")].into())?;
//!     Ok(Body::from("no content type"))
//! }));
//! let report = app.report();
//!
//! // Drive one request in-process, as a server would.
//! let mut env = sample_environ("GET", "/");
//! let mut start = RecordingStart::default();
//! if let Ok(body) = app.call(&mut env, &mut start) {
//!     drop(body.into_bytes());
//! }
//!
//! assert!(report.contains("HDR-003")); // hop-by-hop header
//! for finding in report.findings() {
//!     println!("{finding}");
//! }
//! ```
//!
//! [`ValidatorBuilder`] also shares one report between validators, promotes
//! warnings to errors ([`deny_warnings`](ValidatorBuilder::deny_warnings)),
//! and silences rules for deliberate negative tests
//! ([`allow`](ValidatorBuilder::allow)).
//!
//! # Checks and their rules
//!
//! | Rule | Side | Check |
//! |---|---|---|
//! | ENV-003/004/005/007/011/012/013/014 | server | required keys present (`REQUEST_METHOD`, `SCRIPT_NAME`, `PATH_INFO`, `QUERY_STRING`, `SERVER_NAME`, `SERVER_PORT`, `SERVER_PROTOCOL`, `REQUEST_URI`) and of the right form: method a token, `SCRIPT_NAME` `""` or `/…` but not `/`, `PATH_INFO` `""` or `/…` (`*` for `OPTIONS *`), port digits, protocol `HTTP/d.d` |
//! | ENV-009, ENV-010, ENV-016, ENV-021, ENV-034 | server | `CONTENT_LENGTH` digits; no `HTTP_CONTENT_TYPE`/`HTTP_CONTENT_LENGTH`; scheme `http`/`https`; `input_terminated` excludes `CONTENT_LENGTH`; only CGI-style keys in the map |
//! | ENV-024..028, ENV-032 (warnings) | server | `REMOTE_ADDR`, `REMOTE_PORT` (digits), `GATEWAY_INTERFACE` = `CGI/1.1`, `SERVER_SOFTWARE` present; no empty `REMOTE_USER`/`HTTPS`/…; `HTTP_*` values trimmed |
//! | INPUT-001, INPUT-003, INPUT-007 | server, application | no byte past `CONTENT_LENGTH` (none at all without it, unless `input_terminated`), EOF stays EOF; an early clean EOF; reads after the response finished (by the app) and bytes returned then (by the server) |
//! | START-002/003/005/007/009/014 | application | `start` before `Ok`; status form; one `start`; `Err` after a failed `start_error`; `write` before `start` |
//! | START-004, START-013, START-016 (warnings) | application | ASCII reason phrase; `start_error` only with an error status; `Err` after a failed `write` |
//! | START-005/006/007/008/009/015/017, HDR-001..006 | server | the server's `StartResponse` refuses what it must (naming the rule), stores without sending, fails `write` for good after an I/O error, and reports `headers_sent()` after `write` |
//! | HDR-001/002/003/005/006/008 | application | token names; no control bytes in values; no hop-by-hop or `Status` fields; `Content-Length` digits and consistent; no `Content-Type`/`Content-Length` on 1xx/204 |
//! | HDR-009/010 (warnings) | application | no `Content-Type` on 304; `Content-Type` when there is content |
//! | HDR-011..019 (advice) | application | trimmed and ASCII values; single-valued fields once; absolute `Location`; `Location` on redirects; quoted `ETag`; `WWW-Authenticate` on 401 and `Allow` on 405; one cookie per `Set-Cookie`; `charset` on `text/*` |
//! | ERRS-002 (warning) | application | what the application writes to the error stream during `call` is UTF-8 and ends with a newline |
//! | BODY-003, BODY-007 (warning) | application | bytes (`write` + body) equal `Content-Length`; no body bytes for HEAD, 1xx, 204, 304 |
//! | BODY-008, BODY-016 | server | every body dropped; no pull after the end |
//! | MW-001..009, MW-012, MW-013, MW-015 | middleware | (validators stacked around it) server rules towards the inner app, capabilities and `REQUEST_URI` passed down, input replaced consistently, body returned at once and pulled one chunk per chunk, inner body dropped, `Content-Length` fixed after changing the body, a correct inner `StartResponse`, no inner body bytes through `write`, an inner body failure passed on |
//!
//! [`CHECKED_RULES`] lists them; `tests/validate_coverage.rs` keeps it, the
//! zoo of broken applications and the marks in [`rules::RULES`](crate::rules::RULES) in step.
//!
//! # What cannot be checked here
//!
//! The types make many WSGI checks unnecessary (argument counts, `str` vs
//! `bytes`, the environ's map type, stream methods, `rgi.version`). Bodies
//! of a [`FileWrapper`](crate::util::FileWrapper) over a plain reader have
//! no known length and are not wrapped (to keep the file path), so their
//! bytes are not counted. What a server puts on the wire (HEAD bodies
//! suppressed, chunked framing) is checked by the server's tests, not here.

mod body;
mod core;
mod environ;
mod finding;
mod ids;
mod probe;
mod stack;
mod start;
mod streams;

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

pub use finding::{Finding, Report, Severity, Side};
pub use probe::{check_middleware, sample_environ, ProbeApp, ProbeExtension, RecordingStart};
pub use start::SINGLE_VALUED_FIELDS;

use self::core::{emit_detached, server, Config, Exchange, SharedErrors};
use crate::{AppError, Application, Body, Environ, StartResponse};

/// Every rule ID the validator can report. `tests/validate_coverage.rs`
/// checks that each one exists in [`rules::RULES`](crate::rules::RULES),
/// is produced by an application of the zoo, and is marked as enforced by
/// the validator.
pub const CHECKED_RULES: &[&str] = &[
    ids::UPG_SWITCH,
    ids::UPG_PROTOCOL,
    ids::ENV_METHOD,
    ids::ENV_SCRIPT_NAME,
    ids::ENV_PATH_INFO,
    ids::ENV_QUERY_STRING,
    ids::ENV_CONTENT_LENGTH,
    ids::ENV_NO_HTTP_CONTENT,
    ids::ENV_SERVER_NAME,
    ids::ENV_SERVER_PORT,
    ids::ENV_PROTOCOL,
    ids::ENV_REQUEST_URI,
    ids::ENV_URL_SCHEME,
    ids::ENV_TERMINATED,
    ids::ENV_REMOTE_ADDR,
    ids::ENV_REMOTE_PORT,
    ids::ENV_GATEWAY,
    ids::ENV_SOFTWARE,
    ids::ENV_NOT_EMPTY,
    ids::ENV_TRIMMED,
    ids::ENV_KEYS,
    ids::START_MISSING,
    ids::START_STATUS,
    ids::START_REASON_ASCII,
    ids::START_TWICE,
    ids::START_REFUSAL,
    ids::START_AFTER_SENT,
    ids::START_STORES,
    ids::START_ERROR_USE,
    ids::WRITE_BEFORE_START,
    ids::START_ERROR_FAILED,
    ids::WRITE_FAILED,
    ids::WRITE_FAILED_OK,
    ids::HEADERS_SENT,
    ids::HDR_NAME,
    ids::HDR_VALUE,
    ids::HDR_HOP_BY_HOP,
    ids::HDR_STATUS,
    ids::HDR_CONTENT_LENGTH,
    ids::HDR_BODILESS,
    ids::HDR_304_TYPE,
    ids::HDR_CONTENT_TYPE,
    ids::HDR_VALUE_SPACE,
    ids::HDR_VALUE_ASCII,
    ids::HDR_SINGLE,
    ids::HDR_LOCATION,
    ids::HDR_REDIRECT,
    ids::HDR_ETAG,
    ids::HDR_AUTH_ALLOW,
    ids::HDR_COOKIES,
    ids::HDR_CHARSET,
    ids::BODY_LENGTH,
    ids::BODY_EMPTY,
    ids::BODY_CLOSE,
    ids::BODY_PULL_AFTER_END,
    ids::INPUT_BOUNDED,
    ids::INPUT_TRUNCATED,
    ids::INPUT_AFTER_FINISH,
    ids::ERRS_TEXT,
    ids::MW_RULES,
    ids::MW_NEW_ENVIRON,
    ids::MW_CAPS,
    ids::MW_INPUT,
    ids::MW_PATH,
    ids::MW_RETURN,
    ids::MW_PULL,
    ids::MW_CLOSE,
    ids::MW_LENGTH,
    ids::MW_START,
    ids::MW_WRITE,
    ids::MW_FAILURE,
];

/// Wraps `app` in a validator in panic mode: the first error panics with
/// `rgi::validate: RULE-ID: what was seen; fix: ...` (warnings and advice
/// are recorded and logged, not fatal). See the [module docs](self).
pub fn validator<A: Application>(app: A) -> Validator<A> {
    Validator::new(app)
}

/// An application wrapped by the validator. See the [module docs](self).
pub struct Validator<A> {
    app: A,
    config: Arc<Config>,
    open: Arc<AtomicUsize>,
}

impl<A: Application> Validator<A> {
    /// Panic mode (the same as [`validator`]).
    pub fn new(app: A) -> Self {
        ValidatorBuilder::new().build(app)
    }

    /// Collecting mode: findings go to [`Validator::report`], nothing
    /// panics.
    pub fn collecting(app: A) -> Self {
        ValidatorBuilder::new().collecting().build(app)
    }
}

impl Validator<()> {
    /// A builder for the other options (`Validator::builder()...build(app)`).
    pub fn builder() -> ValidatorBuilder {
        ValidatorBuilder::new()
    }
}

impl<A> Validator<A> {
    /// The report this validator writes to (a shared handle: read it after
    /// the requests).
    pub fn report(&self) -> Report {
        self.config.report.clone()
    }

    /// The wrapped application.
    pub fn inner(&self) -> &A {
        &self.app
    }

    /// How many bodies returned through this validator are not closed yet.
    pub fn open_bodies(&self) -> usize {
        self.open.load(Ordering::SeqCst)
    }

    /// Reports (BODY rule, against the server) any body returned through
    /// this validator and not closed yet. Call it when no request is in
    /// flight (e.g. after a test's requests); it also runs when the
    /// validator is dropped.
    pub fn check_closed(&self) {
        let open = self.open_bodies();
        if open > 0 {
            emit_detached(
                &self.config,
                server(
                    ids::BODY_CLOSE,
                    format!("{open} response bodies were never closed (dropped)"),
                    "drop every Body exactly once, on every path: complete, failed, client gone",
                ),
            );
        }
    }
}

impl<A> Drop for Validator<A> {
    fn drop(&mut self) {
        self.check_closed();
    }
}

impl<A> std::fmt::Debug for Validator<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Validator")
            .field("panic", &self.config.panic)
            .field("report", &self.config.report)
            .field("open_bodies", &self.open_bodies())
            .finish_non_exhaustive()
    }
}

impl<A: Application> Application for Validator<A> {
    fn call(
        &self,
        environ: &mut Environ,
        start_response: &mut dyn StartResponse,
    ) -> Result<Body, AppError> {
        let real = environ.set_errors(Box::new(io::sink()));
        let errors: SharedErrors = Arc::new(Mutex::new(real));
        let ex = Arc::new(Exchange::new(
            self.config.clone(),
            errors.clone(),
            self.open.clone(),
        ));
        environ.set_errors(Box::new(streams::ErrorsProxy {
            errors,
            ex: ex.clone(),
        }));
        {
            let mut state = ex.lock();
            state.in_call = true;
            state.head = environ.get_bytes("REQUEST_METHOD") == Some(b"HEAD");
            state.request_length = environ
                .get_str("CONTENT_LENGTH")
                .and_then(|v| v.parse().ok());
            state.input_terminated = environ.input_terminated();
        }
        let entered = stack::enter(environ, &ex);
        let mut found = environ::check_environ(environ);
        if stack::nested() && environ.get_bytes("SCRIPT_NAME") == Some(b"/") {
            // ENV-004: "/" is a server's error only; below a middleware it
            // is what shift_path_info makes of a PATH_INFO of "/" (URL-008).
            found.retain(|f| f.rule != ids::ENV_SCRIPT_NAME);
        }
        ex.emit_all(found);
        let input = environ.take_input();
        environ.set_input(Box::new(streams::CheckedInput {
            inner: input,
            ex: ex.clone(),
        }));
        let result = {
            let mut checked = start::CheckedStart {
                inner: start_response,
                ex: &ex,
                upgrade: start::Switch::of(environ),
            };
            self.app.call(environ, &mut checked)
        };
        entered.complete();
        ex.lock().in_call = false;
        ex.check_error_lines();
        match result {
            Ok(body) => Ok(body::returned(ex, body)),
            Err(err) => {
                ex.finish();
                Err(err)
            }
        }
    }
}

/// Options of a [`Validator`].
///
/// ```
/// use rgi::validate::{Report, Validator};
///
/// let shared = Report::new();
/// let app = Validator::builder()
///     .collecting()
///     .report(shared.clone())
///     .allow("HDR-015") // a redirect without Location, on purpose
///     .build(rgi::app(|_env, start| {
///         start.start("302 Found", [("Refresh", "0")].into())?;
///         Ok(rgi::Body::empty())
///     }));
/// # let _ = app;
/// ```
#[derive(Debug, Clone)]
pub struct ValidatorBuilder {
    panic: bool,
    deny_warnings: bool,
    log: bool,
    allow: Vec<&'static str>,
    report: Option<Report>,
}

impl Default for ValidatorBuilder {
    fn default() -> Self {
        ValidatorBuilder::new()
    }
}

impl ValidatorBuilder {
    /// Panic mode, logging to the error stream, a fresh report.
    pub fn new() -> Self {
        ValidatorBuilder {
            panic: true,
            deny_warnings: false,
            log: true,
            allow: Vec::new(),
            report: None,
        }
    }

    /// Panic on the first error (the default).
    pub fn panicking(mut self) -> Self {
        self.panic = true;
        self
    }

    /// Only record findings; never panic.
    pub fn collecting(mut self) -> Self {
        self.panic = false;
        self
    }

    /// In panic mode, panic on warnings too.
    pub fn deny_warnings(mut self, deny: bool) -> Self {
        self.deny_warnings = deny;
        self
    }

    /// Write each finding to the environ's error stream (default: true).
    pub fn log_to_errors(mut self, log: bool) -> Self {
        self.log = log;
        self
    }

    /// Never report `rule` (for tests that break it on purpose).
    pub fn allow(mut self, rule: &'static str) -> Self {
        self.allow.push(rule);
        self
    }

    /// Record findings in `report` (share one report between validators).
    pub fn report(mut self, report: Report) -> Self {
        self.report = Some(report);
        self
    }

    /// Wraps `app`.
    pub fn build<A: Application>(self, app: A) -> Validator<A> {
        Validator {
            app,
            config: Arc::new(Config {
                panic: self.panic,
                deny_warnings: self.deny_warnings,
                log: self.log,
                allow: self.allow,
                report: self.report.unwrap_or_default(),
            }),
            open: Arc::new(AtomicUsize::new(0)),
        }
    }
}
