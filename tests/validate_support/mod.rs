//! The zoo of deliberately broken applications, servers and middleware
//! shared by `validate_zoo.rs` and `validate_coverage.rs`: one case per
//! validator check, each with the rule ID it must be caught with.
#![allow(dead_code)]

use std::io::{Cursor, Read};
use std::sync::Mutex;

use rgi::validate::{sample_environ, RecordingStart, Report, Validator, ValidatorBuilder};
use rgi::{AppError, Application, Body, Environ, Error, Headers, InputStream, StartResponse};

/// One broken thing and the rule that catches it.
pub struct Case {
    /// What is broken.
    pub name: &'static str,
    /// The rule ID the report must hold.
    pub rule: &'static str,
    /// Runs the case and returns the report.
    pub run: fn() -> Report,
}

pub fn collecting() -> ValidatorBuilder {
    Validator::builder().collecting()
}

/// A correct switch to the `echo` protocol (spec section 12).
pub fn switching(_env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, AppError> {
    start.start(
        "101 Switching Protocols",
        [("Upgrade", "echo"), ("Connection", "upgrade")].into(),
    )?;
    Ok(Body::upgrade(|_| Ok(())))
}

/// `GET /` asking to switch to `protocol`, on a server that can (UPG-001).
pub fn upgrade_request(protocol: &str) -> Environ {
    let mut env = env("GET", "/");
    env.set("HTTP_UPGRADE", protocol.to_owned());
    env.set("HTTP_CONNECTION", "Upgrade");
    env.set_upgrade_available(true);
    env
}

/// A plain, correct application.
pub fn hello(_env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, AppError> {
    start.start(
        "200 OK",
        [("Content-Type", "text/plain; charset=utf-8")].into(),
    )?;
    Ok(Body::from("hello"))
}

pub fn env(method: &str, path: &str) -> Environ {
    sample_environ(method, path)
}

/// Drives one request like a server: call, pull every chunk, drop the body.
pub fn drive_with(
    app: &dyn Application,
    env: &mut Environ,
    start: &mut dyn StartResponse,
) -> Option<Vec<u8>> {
    let mut body = app.call(env, start).ok()?;
    let mut out = Vec::new();
    while let Some(chunk) = body.next_chunk() {
        match chunk {
            Ok(chunk) => out.extend_from_slice(&chunk),
            Err(_) => break,
        }
    }
    drop(body);
    Some(out)
}

/// Validates `app` in collecting mode on `env` with a correct server side.
pub fn run_env<A: Application>(app: A, mut env: Environ) -> Report {
    let validator = collecting().build(app);
    let report = validator.report();
    drive_with(&validator, &mut env, &mut RecordingStart::default());
    drop(validator);
    report
}

/// Validates `app` on `GET /`.
pub fn run<A: Application>(app: A) -> Report {
    run_env(app, env("GET", "/"))
}

/// Validates `app` on `method /`.
pub fn run_method<A: Application>(method: &str, app: A) -> Report {
    run_env(app, env(method, "/"))
}

/// A correct application behind a server whose environ `edit` broke.
pub fn bad_environ(edit: fn(&mut Environ)) -> Report {
    let mut e = env("GET", "/");
    edit(&mut e);
    run_env(rgi::app(hello), e)
}

/// `app` with a request body `input` and CONTENT_LENGTH `length`.
pub fn with_input<A: Application>(app: A, length: &'static str, input: &'static [u8]) -> Report {
    let mut e = env("POST", "/");
    e.set("CONTENT_LENGTH", length);
    e.set_input(Box::new(Cursor::new(input)));
    run_env(app, e)
}

/// An application that reads its whole input and answers with its size.
pub fn read_all(env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, AppError> {
    let mut data = Vec::new();
    env.input().read_to_end(&mut data)?;
    start.start(
        "200 OK",
        [("Content-Type", "text/plain; charset=utf-8")].into(),
    )?;
    Ok(Body::from(data.len().to_string()))
}

/// `status` and `headers` with the body `body`.
pub fn respond(status: &'static str, headers: &'static [(&'static str, &'static str)]) -> Report {
    run(
        move |_env: &mut Environ, start: &mut dyn StartResponse| -> Result<Body, AppError> {
            start.start(status, Headers::from(to_owned(headers)))?;
            Ok(Body::empty())
        },
    )
}

/// Like [`respond`] with the body "x".
pub fn respond_body(
    status: &'static str,
    headers: &'static [(&'static str, &'static str)],
) -> Report {
    run(
        move |_env: &mut Environ, start: &mut dyn StartResponse| -> Result<Body, AppError> {
            start.start(status, Headers::from(to_owned(headers)))?;
            Ok(Body::from("x"))
        },
    )
}

fn to_owned(headers: &[(&str, &str)]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|&(n, v)| (n.to_owned(), v.to_owned()))
        .collect()
}

const PLAIN: (&str, &str) = ("Content-Type", "text/plain; charset=utf-8");

/// A server `StartResponse` that accepts everything (no checks at all).
#[derive(Default)]
pub struct LaxStart {
    pub status: Option<String>,
    pub sent: bool,
    /// Never report the head as sent.
    pub never_sent: bool,
    /// Report the head as sent as soon as `start` is called.
    pub eager: bool,
    /// Fail the first write with an I/O error.
    pub fail_first_write: bool,
    pub writes: usize,
}

impl StartResponse for LaxStart {
    fn start_text(&mut self, status: &str, _headers: Headers) -> Result<(), Error> {
        self.status = Some(status.to_owned());
        self.sent |= self.eager;
        Ok(())
    }
    fn start_error_text(&mut self, status: &str, _headers: Headers) -> Result<(), Error> {
        self.status = Some(status.to_owned());
        Ok(())
    }
    fn write(&mut self, _data: &[u8]) -> Result<(), Error> {
        self.sent = !self.never_sent;
        self.writes += 1;
        if self.fail_first_write && self.writes == 1 {
            return Err(Error::Io(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "client gone",
            )));
        }
        Ok(())
    }
    fn headers_sent(&self) -> bool {
        self.sent
    }
}

/// A server that refuses every head with the wrong error.
pub struct WrongRefusal;

impl StartResponse for WrongRefusal {
    fn start_text(&mut self, _status: &str, _headers: Headers) -> Result<(), Error> {
        Err(Error::NotStarted)
    }
    fn start_error_text(&mut self, _status: &str, _headers: Headers) -> Result<(), Error> {
        Err(Error::NotStarted)
    }
    fn write(&mut self, _data: &[u8]) -> Result<(), Error> {
        Err(Error::NotStarted)
    }
    fn headers_sent(&self) -> bool {
        false
    }
}

/// Validates `app` against the server-side `StartResponse` `start`.
pub fn run_server<A: Application>(app: A, start: &mut dyn StartResponse) -> Report {
    let validator = collecting().build(app);
    let report = validator.report();
    drive_with(&validator, &mut env("GET", "/"), start);
    drop(validator);
    report
}

// ---- middleware ----

/// The broken middleware of the zoo, one kind each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MwKind {
    /// Passes everything through (correct).
    Transparent,
    /// Upper-cases each chunk lazily (correct).
    Upper,
    /// Puts HTTP_CONTENT_TYPE into the environ (a server rule: MW-001).
    AddsHttpContentType,
    /// Builds a new Environ, copying the CGI keys only (MW-002).
    NewEnviron,
    /// Turns multithread off (MW-003).
    HidesMultithread,
    /// Replaces the input with one longer than CONTENT_LENGTH (MW-004).
    LongInput,
    /// Rewrites REQUEST_URI (MW-005).
    RewritesRequestUri,
    /// Collects the inner body inside call (MW-006).
    Collects,
    /// Pulls two inner chunks per chunk it yields (MW-007).
    Pairs,
    /// Leaks the inner body (MW-008).
    Leaks,
    /// Appends "!" but passes the inner Content-Length on (MW-009).
    KeepsLength,
    /// Gives the inner app a StartResponse that accepts anything (MW-012).
    LaxStartResponse,
    /// Sends the inner body through the outer write (MW-013).
    WritesInnerBody,
    /// Drops the Err items of the inner body (MW-015).
    SwallowsErrors,
}

pub struct Mw<A> {
    pub inner: A,
    pub kind: MwKind,
}

static LEAKED: Mutex<Vec<Body>> = Mutex::new(Vec::new());

impl<A: Application> Application for Mw<A> {
    fn call(&self, env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, AppError> {
        match self.kind {
            MwKind::Transparent => self.inner.call(env, start),
            MwKind::Upper => {
                let body = self.inner.call(env, start)?;
                Ok(Body::stream(
                    body.map(|c| c.map(|c| c.to_ascii_uppercase())),
                ))
            }
            MwKind::AddsHttpContentType => {
                env.set("HTTP_CONTENT_TYPE", "text/plain");
                self.inner.call(env, start)
            }
            MwKind::NewEnviron => {
                let mut fresh = Environ::new();
                fresh.set_errors(Box::new(std::io::sink()));
                for (k, v) in env.iter() {
                    fresh.set(k.to_owned(), v.clone());
                }
                fresh.set_multithread(env.multithread());
                fresh.set_file_wrapper(env.file_wrapper());
                self.inner.call(&mut fresh, start)
            }
            MwKind::HidesMultithread => {
                env.set_multithread(false);
                self.inner.call(env, start)
            }
            MwKind::LongInput => {
                env.set_input(Box::new(Cursor::new(b"0123456789".to_vec())));
                env.set("CONTENT_LENGTH", "2");
                self.inner.call(env, start)
            }
            MwKind::RewritesRequestUri => {
                env.set("REQUEST_URI", "/rewritten");
                self.inner.call(env, start)
            }
            MwKind::Collects => {
                let all = self.inner.call(env, start)?.into_bytes()?;
                Ok(Body::from(all))
            }
            MwKind::Pairs => {
                let mut inner = self.inner.call(env, start)?;
                Ok(Body::stream(std::iter::from_fn(move || {
                    let a = inner.next_chunk()?;
                    let b = inner.next_chunk();
                    Some(a.map(|mut a| {
                        if let Some(Ok(b)) = b {
                            a.to_mut().extend_from_slice(&b);
                        }
                        a
                    }))
                })))
            }
            MwKind::Leaks => {
                let inner = self.inner.call(env, start)?;
                LEAKED.lock().unwrap_or_else(|e| e.into_inner()).push(inner);
                Ok(Body::lazy(["replaced"]))
            }
            MwKind::KeepsLength => {
                let inner = self.inner.call(env, start)?;
                Ok(Body::stream(
                    inner.chain(std::iter::once(Ok(b"!".as_slice().into()))),
                ))
            }
            MwKind::LaxStartResponse => {
                let mut lax = LaxStart::default();
                let body = self.inner.call(env, &mut lax)?;
                start.start(
                    "200 OK",
                    [("Content-Type", "text/plain; charset=utf-8")].into(),
                )?;
                Ok(body)
            }
            MwKind::SwallowsErrors => {
                let body = self.inner.call(env, start)?;
                Ok(Body::lazy(body.filter_map(Result::ok)))
            }
            MwKind::WritesInnerBody => {
                let body = self.inner.call(env, start)?;
                for chunk in body {
                    start.write(&chunk?)?;
                }
                Ok(Body::empty())
            }
        }
    }
}

/// A streamed body of three chunks.
pub fn streaming(_env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, AppError> {
    start.start(
        "200 OK",
        [("Content-Type", "text/plain; charset=utf-8")].into(),
    )?;
    Ok(Body::lazy(["a", "b", "c"]))
}

/// A streamed body that fails after its first chunk.
pub fn failing(_env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, AppError> {
    start.start(
        "200 OK",
        [("Content-Type", "text/plain; charset=utf-8")].into(),
    )?;
    Ok(Body::stream(vec![
        Ok("first"),
        Err(std::io::Error::other("database gone")),
    ]))
}

/// A streamed body "hello" with Content-Length 5.
pub fn streaming_with_length(
    _env: &mut Environ,
    start: &mut dyn StartResponse,
) -> Result<Body, AppError> {
    start.start(
        "200 OK",
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", "5"),
        ]
        .into(),
    )?;
    Ok(Body::lazy(["hel", "lo"]))
}

/// Validator, middleware `kind`, validator, `app`; one request with the
/// server's flags and an extension set.
pub fn stacked<A: Application>(kind: MwKind, app: A) -> Report {
    let report = Report::new();
    let builder = collecting().report(report.clone());
    let outer = builder.clone().build(Mw {
        inner: builder.build(app),
        kind,
    });
    let mut e = env("GET", "/");
    e.set_multithread(true);
    e.extensions_mut().insert(7u32);
    drive_with(&outer, &mut e, &mut RecordingStart::default());
    drop(outer);
    report
}

/// Validator, middleware `kind`, validator, `app`, with the server's
/// environ `e` and `StartResponse` `start`.
pub fn stacked_with<A: Application>(
    kind: MwKind,
    app: A,
    mut e: Environ,
    start: &mut dyn StartResponse,
) -> Report {
    let report = Report::new();
    let builder = collecting().report(report.clone());
    let outer = builder.clone().build(Mw {
        inner: builder.build(app),
        kind,
    });
    drive_with(&outer, &mut e, start);
    drop(outer);
    report
}

/// `stacked` with a request body.
pub fn stacked_post<A: Application>(kind: MwKind, app: A) -> Report {
    let report = Report::new();
    let builder = collecting().report(report.clone());
    let outer = builder.clone().build(Mw {
        inner: builder.build(app),
        kind,
    });
    let mut e = env("POST", "/");
    e.set("CONTENT_LENGTH", "2");
    e.set_input(Box::new(Cursor::new(b"ok".to_vec())));
    drive_with(&outer, &mut e, &mut RecordingStart::default());
    drop(outer);
    report
}

/// An input stream that returns EOF once, then more bytes.
pub struct Reopening(pub u8);

impl Read for Reopening {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0 += 1;
        if self.0 == 1 || buf.is_empty() {
            Ok(0)
        } else {
            buf[0] = b'x';
            Ok(1)
        }
    }
}

type Stash = Mutex<Option<Box<dyn InputStream>>>;
static STASHED_INPUT: Stash = Mutex::new(None);

/// Every case of the zoo.
pub fn cases() -> Vec<Case> {
    vec![
        // ---- environ (server side) ----
        Case {
            name: "method is not a token",
            rule: "ENV-003",
            run: || bad_environ(|e| e.set("REQUEST_METHOD", "GE T")),
        },
        Case {
            name: "method missing",
            rule: "ENV-003",
            run: || {
                bad_environ(|e| {
                    e.remove("REQUEST_METHOD");
                })
            },
        },
        Case {
            name: "SCRIPT_NAME is /",
            rule: "ENV-004",
            run: || bad_environ(|e| e.set("SCRIPT_NAME", "/")),
        },
        Case {
            name: "PATH_INFO without slash",
            rule: "ENV-005",
            run: || bad_environ(|e| e.set("PATH_INFO", "x")),
        },
        Case {
            name: "QUERY_STRING missing",
            rule: "ENV-007",
            run: || {
                bad_environ(|e| {
                    e.remove("QUERY_STRING");
                })
            },
        },
        Case {
            name: "CONTENT_LENGTH not digits",
            rule: "ENV-009",
            run: || bad_environ(|e| e.set("CONTENT_LENGTH", "12a")),
        },
        Case {
            name: "HTTP_CONTENT_LENGTH present",
            rule: "ENV-010",
            run: || bad_environ(|e| e.set("HTTP_CONTENT_LENGTH", "0")),
        },
        Case {
            name: "SERVER_NAME empty",
            rule: "ENV-011",
            run: || bad_environ(|e| e.set("SERVER_NAME", "")),
        },
        Case {
            name: "SERVER_NAME an IPv6 address without brackets",
            rule: "ENV-011",
            run: || bad_environ(|e| e.set("SERVER_NAME", "::1")),
        },
        Case {
            name: "SERVER_PORT not digits",
            rule: "ENV-012",
            run: || bad_environ(|e| e.set("SERVER_PORT", "eighty")),
        },
        Case {
            name: "SERVER_PROTOCOL malformed",
            rule: "ENV-013",
            run: || bad_environ(|e| e.set("SERVER_PROTOCOL", "HTTP/1")),
        },
        Case {
            name: "REQUEST_URI missing",
            rule: "ENV-014",
            run: || {
                bad_environ(|e| {
                    e.remove("REQUEST_URI");
                })
            },
        },
        Case {
            name: "url_scheme ftp",
            rule: "ENV-016",
            run: || bad_environ(|e| e.set_url_scheme("ftp")),
        },
        Case {
            name: "input_terminated with CONTENT_LENGTH",
            rule: "ENV-021",
            run: || {
                bad_environ(|e| {
                    e.set_input_terminated(true);
                    e.set("CONTENT_LENGTH", "0");
                })
            },
        },
        Case {
            name: "non-CGI key in the map",
            rule: "ENV-034",
            run: || bad_environ(|e| e.set("wsgi.input", "")),
        },
        Case {
            name: "REMOTE_ADDR missing",
            rule: "ENV-024",
            run: || {
                bad_environ(|e| {
                    e.remove("REMOTE_ADDR");
                })
            },
        },
        Case {
            name: "REMOTE_PORT not digits",
            rule: "ENV-025",
            run: || bad_environ(|e| e.set("REMOTE_PORT", "-")),
        },
        Case {
            name: "GATEWAY_INTERFACE wrong",
            rule: "ENV-026",
            run: || bad_environ(|e| e.set("GATEWAY_INTERFACE", "CGI/1.0")),
        },
        Case {
            name: "SERVER_SOFTWARE missing",
            rule: "ENV-027",
            run: || {
                bad_environ(|e| {
                    e.remove("SERVER_SOFTWARE");
                })
            },
        },
        Case {
            name: "REMOTE_USER empty",
            rule: "ENV-028",
            run: || bad_environ(|e| e.set("REMOTE_USER", "")),
        },
        Case {
            name: "header value not trimmed",
            rule: "ENV-032",
            run: || bad_environ(|e| e.set("HTTP_ACCEPT", "text/html ")),
        },
        // ---- start_response (application side) ----
        Case {
            name: "Ok without start",
            rule: "START-002",
            run: || {
                run(
                    |_e: &mut Environ, _s: &mut dyn StartResponse| -> Result<Body, AppError> {
                        Ok(Body::from("x"))
                    },
                )
            },
        },
        Case {
            name: "Ok after a refused start",
            rule: "START-002",
            run: || {
                run(
                    |_e: &mut Environ, s: &mut dyn StartResponse| -> Result<Body, AppError> {
                        let _ = s.start("200 OK", [("Status", "200")].into());
                        Ok(Body::empty())
                    },
                )
            },
        },
        Case {
            name: "status without reason",
            rule: "START-003",
            run: || respond("200", &[PLAIN]),
        },
        Case {
            name: "non-ASCII reason phrase",
            rule: "START-004",
            run: || respond_body("200 Tr\u{e8}s bien", &[PLAIN]),
        },
        Case {
            name: "start twice",
            rule: "START-005",
            run: || {
                run(
                    |_e: &mut Environ, s: &mut dyn StartResponse| -> Result<Body, AppError> {
                        s.start("200 OK", [PLAIN].into())?;
                        let _ = s.start("200 OK", [PLAIN].into());
                        Ok(Body::from("x"))
                    },
                )
            },
        },
        Case {
            name: "Ok after start_error failed on a sent head",
            rule: "START-007",
            run: || {
                run(
                    |_e: &mut Environ, s: &mut dyn StartResponse| -> Result<Body, AppError> {
                        s.start("200 OK", [PLAIN].into())?;
                        s.write(b"partial")?;
                        let _ = s.start_error("500 Oops", [PLAIN].into());
                        Ok(Body::empty())
                    },
                )
            },
        },
        Case {
            name: "write before start",
            rule: "START-009",
            run: || {
                run(
                    |_e: &mut Environ, s: &mut dyn StartResponse| -> Result<Body, AppError> {
                        let _ = s.write(b"early");
                        s.start("200 OK", [PLAIN].into())?;
                        Ok(Body::empty())
                    },
                )
            },
        },
        Case {
            name: "Ok after start_error refused its head",
            rule: "START-014",
            run: || {
                run(
                    |_e: &mut Environ, s: &mut dyn StartResponse| -> Result<Body, AppError> {
                        let _ = s.start_error("oops", [PLAIN].into());
                        Ok(Body::empty())
                    },
                )
            },
        },
        Case {
            name: "interim status as the response",
            rule: "START-003",
            run: || respond("103 Early Hints", &[]),
        },
        // ---- start_response (server side) ----
        Case {
            name: "server accepts a second start",
            rule: "START-005",
            run: || {
                run_server(
                    |_e: &mut Environ, s: &mut dyn StartResponse| -> Result<Body, AppError> {
                        s.start("200 OK", [PLAIN].into())?;
                        let _ = s.start("200 OK", [PLAIN].into());
                        Ok(Body::from("x"))
                    },
                    &mut LaxStart::default(),
                )
            },
        },
        Case {
            name: "server refuses with the wrong rule",
            rule: "START-006",
            run: || {
                run_server(
                    |_e: &mut Environ, s: &mut dyn StartResponse| -> Result<Body, AppError> {
                        s.start("200 OK", [PLAIN, ("Connection", "close")].into())?;
                        Ok(Body::from("x"))
                    },
                    &mut WrongRefusal,
                )
            },
        },
        Case {
            name: "server accepts start_error after the head was sent",
            rule: "START-007",
            run: || {
                run_server(
                    |_e: &mut Environ, s: &mut dyn StartResponse| -> Result<Body, AppError> {
                        s.start("200 OK", [PLAIN].into())?;
                        s.write(b"x")?;
                        s.start_error("500 Oops", [PLAIN].into())?;
                        Err("failed".into())
                    },
                    &mut LaxStart::default(),
                )
            },
        },
        Case {
            name: "server accepts write before start",
            rule: "START-009",
            run: || {
                run_server(
                    |_e: &mut Environ, s: &mut dyn StartResponse| -> Result<Body, AppError> {
                        let _ = s.write(b"");
                        s.start("200 OK", [PLAIN].into())?;
                        Ok(Body::empty())
                    },
                    &mut LaxStart::default(),
                )
            },
        },
        Case {
            name: "server sends the head in start",
            rule: "START-008",
            run: || {
                run_server(
                    hello,
                    &mut LaxStart {
                        eager: true,
                        ..LaxStart::default()
                    },
                )
            },
        },
        Case {
            name: "server's write works again after failing",
            rule: "START-015",
            run: || {
                run_server(
                    |_e: &mut Environ, s: &mut dyn StartResponse| -> Result<Body, AppError> {
                        s.start("200 OK", [PLAIN].into())?;
                        let _ = s.write(b"a");
                        let _ = s.write(b"b");
                        Err("client gone".into())
                    },
                    &mut LaxStart {
                        fail_first_write: true,
                        ..LaxStart::default()
                    },
                )
            },
        },
        Case {
            name: "server's headers_sent false after write",
            rule: "START-017",
            run: || {
                run_server(
                    |_e: &mut Environ, s: &mut dyn StartResponse| -> Result<Body, AppError> {
                        s.start("200 OK", [PLAIN].into())?;
                        s.write(b"x")?;
                        Ok(Body::empty())
                    },
                    &mut LaxStart {
                        never_sent: true,
                        ..LaxStart::default()
                    },
                )
            },
        },
        Case {
            name: "server accepts a hop-by-hop header",
            rule: "HDR-003",
            run: || {
                run_server(
                    |_e: &mut Environ, s: &mut dyn StartResponse| -> Result<Body, AppError> {
                        s.start("200 OK", [PLAIN, ("Upgrade", "h2c")].into())?;
                        Ok(Body::from("x"))
                    },
                    &mut LaxStart::default(),
                )
            },
        },
        // ---- the upgrade capability (spec section 12) ----
        Case {
            name: "101 where the server offers no upgrade",
            rule: "UPG-003",
            run: || run(switching),
        },
        Case {
            name: "101 without the upgrade connection option",
            rule: "UPG-003",
            run: || {
                run_env(
                    |_e: &mut Environ, s: &mut dyn StartResponse| -> Result<Body, AppError> {
                        s.start("101 Switching Protocols", [("Upgrade", "echo")].into())?;
                        Ok(Body::upgrade(|_| Ok(())))
                    },
                    upgrade_request("echo"),
                )
            },
        },
        Case {
            name: "101 to a protocol the client did not offer",
            rule: "UPG-004",
            run: || run_env(switching, upgrade_request("websocket")),
        },
        // ---- headers ----
        Case {
            name: "header name with a space",
            rule: "HDR-001",
            run: || respond_body("200 OK", &[PLAIN, ("X Y", "1")]),
        },
        Case {
            name: "header value with CRLF",
            rule: "HDR-002",
            run: || respond_body("200 OK", &[PLAIN, ("X-Y", "1\r\nSet-Cookie: evil=1")]),
        },
        Case {
            name: "hop-by-hop header",
            rule: "HDR-003",
            run: || respond_body("200 OK", &[PLAIN, ("Transfer-Encoding", "chunked")]),
        },
        Case {
            name: "Status header",
            rule: "HDR-005",
            run: || respond_body("200 OK", &[PLAIN, ("Status", "200 OK")]),
        },
        Case {
            name: "Content-Length not digits",
            rule: "HDR-006",
            run: || respond_body("200 OK", &[PLAIN, ("Content-Length", "1.0")]),
        },
        Case {
            name: "Content-Length on 204",
            rule: "HDR-008",
            run: || respond("204 No Content", &[("Content-Length", "0")]),
        },
        Case {
            name: "Content-Type on 304",
            rule: "HDR-009",
            run: || respond("304 Not Modified", &[PLAIN]),
        },
        Case {
            name: "body without Content-Type",
            rule: "HDR-010",
            run: || respond_body("200 OK", &[]),
        },
        Case {
            name: "HEAD with Content-Length, no Content-Type",
            rule: "HDR-010",
            run: || {
                run_method(
                    "HEAD",
                    |_e: &mut Environ, s: &mut dyn StartResponse| -> Result<Body, AppError> {
                        s.start("200 OK", [("Content-Length", "5")].into())?;
                        Ok(Body::empty())
                    },
                )
            },
        },
        Case {
            name: "value with surrounding space",
            rule: "HDR-011",
            run: || respond_body("200 OK", &[PLAIN, ("X-Y", "1 ")]),
        },
        Case {
            name: "non-ASCII value",
            rule: "HDR-012",
            run: || respond_body("200 OK", &[PLAIN, ("X-Name", "Andr\u{e9}")]),
        },
        Case {
            name: "Content-Type twice",
            rule: "HDR-013",
            run: || respond_body("200 OK", &[PLAIN, PLAIN]),
        },
        Case {
            name: "relative Location",
            rule: "HDR-014",
            run: || respond("303 See Other", &[("Location", "next/page")]),
        },
        Case {
            name: "redirect without Location",
            rule: "HDR-015",
            run: || respond("302 Found", &[]),
        },
        Case {
            name: "unquoted ETag",
            rule: "HDR-016",
            run: || respond_body("200 OK", &[PLAIN, ("ETag", "abc")]),
        },
        Case {
            name: "401 without WWW-Authenticate",
            rule: "HDR-017",
            run: || respond_body("401 Unauthorized", &[PLAIN]),
        },
        Case {
            name: "cookies joined in one Set-Cookie",
            rule: "HDR-018",
            run: || respond_body("200 OK", &[PLAIN, ("Set-Cookie", "a=1, b=2")]),
        },
        Case {
            name: "non-ASCII text/html without charset",
            rule: "HDR-019",
            run: || {
                run(
                    |_env: &mut Environ, start: &mut dyn StartResponse| -> Result<Body, AppError> {
                        start.start("200 OK", [("Content-Type", "text/html")].into())?;
                        Ok(Body::from("<p>caf\u{e9}</p>"))
                    },
                )
            },
        },
        Case {
            name: "non-ASCII streamed text/plain without charset",
            rule: "HDR-019",
            run: || {
                run(
                    |_env: &mut Environ, start: &mut dyn StartResponse| -> Result<Body, AppError> {
                        start.start("200 OK", [("Content-Type", "text/plain")].into())?;
                        Ok(Body::lazy(vec!["plain ", "\u{2603}"]))
                    },
                )
            },
        },
        // ---- body ----
        Case {
            name: "in-memory body shorter than Content-Length",
            rule: "BODY-003",
            run: || respond_body("200 OK", &[PLAIN, ("Content-Length", "10")]),
        },
        Case {
            name: "stream longer than Content-Length",
            rule: "BODY-003",
            run: || {
                run(
                    |_e: &mut Environ, s: &mut dyn StartResponse| -> Result<Body, AppError> {
                        s.start("200 OK", [PLAIN, ("Content-Length", "2")].into())?;
                        Ok(Body::lazy(["ab", "c"]))
                    },
                )
            },
        },
        Case {
            name: "write bytes plus body over Content-Length",
            rule: "BODY-003",
            run: || {
                run(
                    |_e: &mut Environ, s: &mut dyn StartResponse| -> Result<Body, AppError> {
                        s.start("200 OK", [PLAIN, ("Content-Length", "3")].into())?;
                        s.write(b"abc")?;
                        Ok(Body::from("d"))
                    },
                )
            },
        },
        Case {
            name: "body for 204",
            rule: "BODY-007",
            run: || respond_body("204 No Content", &[]),
        },
        Case {
            name: "server never drops the body",
            rule: "BODY-008",
            run: || {
                let validator = collecting().build(rgi::app(hello));
                let report = validator.report();
                let body = validator.call(&mut env("GET", "/"), &mut RecordingStart::default());
                std::mem::forget(body);
                drop(validator);
                report
            },
        },
        Case {
            name: "server pulls after the end",
            rule: "BODY-016",
            run: || {
                let validator = collecting().build(streaming);
                let report = validator.report();
                if let Ok(mut body) =
                    validator.call(&mut env("GET", "/"), &mut RecordingStart::default())
                {
                    while body.next_chunk().is_some() {}
                    let _ = body.next_chunk();
                }
                report
            },
        },
        // ---- input ----
        Case {
            name: "input longer than CONTENT_LENGTH",
            rule: "INPUT-001",
            run: || with_input(read_all, "3", b"abcdef"),
        },
        Case {
            name: "input with no CONTENT_LENGTH has bytes",
            rule: "INPUT-001",
            run: || {
                let mut e = env("POST", "/");
                e.set_input(Box::new(Cursor::new(b"next request".as_slice())));
                run_env(read_all, e)
            },
        },
        Case {
            name: "input returns bytes after EOF",
            rule: "INPUT-001",
            run: || {
                let mut e = env("POST", "/");
                e.set_input_terminated(true);
                e.set_input(Box::new(std::io::BufReader::new(Reopening(0))));
                run_env(
                    |e: &mut Environ, s: &mut dyn StartResponse| -> Result<Body, AppError> {
                        let mut buf = [0u8; 8];
                        let _ = e.input().read(&mut buf)?;
                        let _ = e.input().read(&mut buf)?;
                        s.start("204 No Content", Headers::new())?;
                        Ok(Body::empty())
                    },
                    e,
                )
            },
        },
        Case {
            name: "input ends early with a clean EOF",
            rule: "INPUT-003",
            run: || with_input(read_all, "10", b"abc"),
        },
        Case {
            name: "input read after the response",
            rule: "INPUT-007",
            run: || {
                let validator = collecting().build(
                    |e: &mut Environ, s: &mut dyn StartResponse| -> Result<Body, AppError> {
                        *STASHED_INPUT.lock().unwrap_or_else(|p| p.into_inner()) =
                            Some(e.take_input());
                        s.start("200 OK", [PLAIN].into())?;
                        Ok(Body::from("x"))
                    },
                );
                let report = validator.report();
                let mut e = env("POST", "/");
                e.set("CONTENT_LENGTH", "2");
                e.set_input(Box::new(Cursor::new(b"ok".as_slice())));
                drive_with(&validator, &mut e, &mut RecordingStart::default());
                if let Some(mut input) = STASHED_INPUT
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .take()
                {
                    let _ = input.read(&mut [0; 4]);
                }
                report
            },
        },
        Case {
            name: "non-UTF-8 error output",
            rule: "ERRS-002",
            run: || {
                run(
                    |e: &mut Environ, s: &mut dyn StartResponse| -> Result<Body, AppError> {
                        e.errors().write_all(b"caf\xe9\n")?;
                        s.start("204 No Content", Headers::new())?;
                        Ok(Body::empty())
                    },
                )
            },
        },
        Case {
            name: "error output without a final newline",
            rule: "ERRS-002",
            run: || {
                run(
                    |e: &mut Environ, s: &mut dyn StartResponse| -> Result<Body, AppError> {
                        write!(e.errors(), "no newline")?;
                        s.start("204 No Content", Headers::new())?;
                        Ok(Body::empty())
                    },
                )
            },
        },
        Case {
            name: "start_error for a normal response",
            rule: "START-013",
            run: || {
                run(
                    |_e: &mut Environ, s: &mut dyn StartResponse| -> Result<Body, AppError> {
                        s.start_error("200 OK", [PLAIN].into())?;
                        Ok(Body::from("x"))
                    },
                )
            },
        },
        Case {
            name: "Ok after write failed",
            rule: "START-016",
            run: || {
                run_server(
                    |_e: &mut Environ, s: &mut dyn StartResponse| -> Result<Body, AppError> {
                        s.start("200 OK", [PLAIN].into())?;
                        let _ = s.write(b"a");
                        Ok(Body::empty())
                    },
                    &mut LaxStart {
                        fail_first_write: true,
                        ..LaxStart::default()
                    },
                )
            },
        },
        Case {
            name: "middleware swallows an inner body failure",
            rule: "MW-015",
            run: || stacked(MwKind::SwallowsErrors, failing),
        },
        // ---- middleware (two validators around it) ----
        Case {
            name: "middleware breaks a server rule",
            rule: "MW-001",
            run: || stacked(MwKind::AddsHttpContentType, hello),
        },
        Case {
            name: "middleware builds a new Environ",
            rule: "MW-002",
            run: || stacked(MwKind::NewEnviron, hello),
        },
        Case {
            name: "middleware hides multithread",
            rule: "MW-003",
            run: || stacked(MwKind::HidesMultithread, hello),
        },
        Case {
            name: "middleware's input overruns CONTENT_LENGTH",
            rule: "MW-004",
            run: || stacked_post(MwKind::LongInput, read_all),
        },
        Case {
            name: "middleware rewrites REQUEST_URI",
            rule: "MW-005",
            run: || stacked(MwKind::RewritesRequestUri, hello),
        },
        Case {
            name: "middleware collects the body in call",
            rule: "MW-006",
            run: || stacked(MwKind::Collects, streaming),
        },
        Case {
            name: "middleware pulls two chunks per chunk",
            rule: "MW-007",
            run: || stacked(MwKind::Pairs, streaming),
        },
        Case {
            name: "middleware leaks the inner body",
            rule: "MW-008",
            run: || stacked(MwKind::Leaks, streaming),
        },
        Case {
            name: "middleware keeps Content-Length of a changed body",
            rule: "MW-009",
            run: || stacked(MwKind::KeepsLength, streaming_with_length),
        },
        Case {
            name: "middleware's StartResponse accepts a hop-by-hop header",
            rule: "MW-012",
            run: || {
                stacked(
                    MwKind::LaxStartResponse,
                    |_e: &mut Environ, s: &mut dyn StartResponse| -> Result<Body, AppError> {
                        s.start("200 OK", [PLAIN, ("Connection", "close")].into())?;
                        Ok(Body::from("x"))
                    },
                )
            },
        },
        Case {
            name: "middleware writes the inner body",
            rule: "MW-013",
            run: || stacked(MwKind::WritesInnerBody, streaming),
        },
        Case {
            name: "check_middleware finds a collecting middleware",
            rule: "MW-006",
            run: || {
                rgi::validate::check_middleware(|app| Mw {
                    inner: app,
                    kind: MwKind::Collects,
                })
            },
        },
        Case {
            name: "check_middleware finds a pairing middleware",
            rule: "MW-007",
            run: || {
                rgi::validate::check_middleware(|app| Mw {
                    inner: app,
                    kind: MwKind::Pairs,
                })
            },
        },
        Case {
            name: "check_middleware finds a bad input replacement",
            rule: "MW-004",
            run: || {
                rgi::validate::check_middleware(|app| Mw {
                    inner: app,
                    kind: MwKind::LongInput,
                })
            },
        },
        Case {
            name: "check_middleware finds lost capabilities",
            rule: "MW-003",
            run: || {
                rgi::validate::check_middleware(|app| Mw {
                    inner: app,
                    kind: MwKind::HidesMultithread,
                })
            },
        },
    ]
}

/// Reads `report` into a readable list for assertion messages.
pub fn show(report: &Report) -> String {
    report.to_string()
}
