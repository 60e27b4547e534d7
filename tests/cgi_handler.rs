//! The CGI handler driven through `run_with`: environ, input, output, errors.

use std::ffi::OsStr;
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::sync::{Arc, Mutex};

use rgi::handlers::cgi::run_with;
use rgi::{Body, Environ, StartResponse};

/// A cloneable in-memory error stream.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl Write for Log {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Log {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

fn run(
    app: impl rgi::Application,
    vars: &[(&str, &[u8])],
    stdin: &'static [u8],
) -> (String, Vec<u8>, String) {
    let log = Log::default();
    let mut out = Vec::new();
    let vars: Vec<(&OsStr, &OsStr)> = vars
        .iter()
        .map(|(k, v)| (OsStr::new(*k), OsStr::from_bytes(v)))
        .collect();
    run_with(&app, vars, stdin, &mut out, log.clone()).unwrap();
    let split = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a CGI head ends with an empty line");
    let head = String::from_utf8(out[..split + 2].to_vec()).unwrap();
    let body = out[split + 4..].to_vec();
    (head, body, log.text())
}

#[test]
fn environ_has_request_variables_only_and_cgi_flags() {
    let app = rgi::app(|env: &mut Environ, start: &mut dyn StartResponse| {
        let mut keys: Vec<String> = env.iter().map(|(k, _)| k.to_owned()).collect();
        keys.sort();
        let flags = format!(
            "{} {} {} {}",
            env.run_once(),
            env.multiprocess(),
            env.multithread(),
            env.url_scheme()
        );
        start.start("200 OK", [("Content-Type", "text/plain")].into())?;
        Ok(Body::from(format!("{}\n{flags}", keys.join(","))))
    });
    let (head, body, _) = run(
        app,
        &[
            ("REQUEST_METHOD", b"GET"),
            ("PATH_INFO", b"/x"),
            ("HTTP_HOST", b"example.org"),
            ("HTTP_PROXY", b"http://evil.example:8080"),
            ("PATH", b"/usr/bin"),
            ("HOME", b"/root"),
            ("SECRET_TOKEN", b"hunter2"),
            ("HTTPS", b"on"),
        ],
        b"",
    );
    assert!(head.starts_with("Status: 200 OK\r\n"), "{head}");
    let body = String::from_utf8(body).unwrap();
    assert_eq!(
        body,
        "GATEWAY_INTERFACE,HTTPS,HTTP_HOST,PATH_INFO,QUERY_STRING,REQUEST_METHOD,REQUEST_URI,SCRIPT_NAME,\
         SERVER_NAME,SERVER_PORT,SERVER_PROTOCOL\ntrue true false https"
    );
}

#[test]
fn non_utf8_values_arrive_as_bytes() {
    let app = rgi::app(|env: &mut Environ, start: &mut dyn StartResponse| {
        let path = env.get_bytes("PATH_INFO").unwrap_or_default().to_vec();
        start.start(
            "200 OK",
            [("Content-Type", "application/octet-stream")].into(),
        )?;
        Ok(Body::from(path))
    });
    let (_, body, _) = run(
        app,
        &[("REQUEST_METHOD", b"GET"), ("PATH_INFO", b"/caf\xe9/\xff")],
        b"",
    );
    assert_eq!(body, b"/caf\xe9/\xff");
}

#[test]
fn input_is_limited_to_content_length() {
    let app = rgi::app(|env: &mut Environ, start: &mut dyn StartResponse| {
        let mut data = Vec::new();
        std::io::Read::read_to_end(env.input(), &mut data)?;
        start.start("200 OK", [("Content-Type", "text/plain")].into())?;
        Ok(Body::from(data))
    });
    let app = Arc::new(app);
    let (head, body, _) = run(
        app.clone(),
        &[("REQUEST_METHOD", b"POST"), ("CONTENT_LENGTH", b"5")],
        b"hello, and more bytes that belong to nobody",
    );
    assert_eq!(body, b"hello");
    assert!(head.contains("Content-Length: 5\r\n"), "{head}");
    // No CONTENT_LENGTH: no body (RFC 3875), stdin is not read.
    let (_, body, _) = run(app, &[("REQUEST_METHOD", b"POST")], b"ignored");
    assert_eq!(body, b"");
}

#[test]
fn head_requests_get_headers_but_no_body() {
    let app = rgi::app(|_: &mut Environ, start: &mut dyn StartResponse| {
        start.start("200 OK", [("Content-Type", "text/plain")].into())?;
        Ok(Body::from("twelve bytes"))
    });
    let (head, body, _) = run(app, &[("REQUEST_METHOD", b"HEAD")], b"");
    // No computed Content-Length for HEAD (BODY-009): a HEAD body may be
    // empty on purpose (BODY-007).
    assert_eq!(
        head, "Status: 200 OK\r\nContent-Type: text/plain\r\n",
        "{head}"
    );
    assert!(body.is_empty());
    let declared = rgi::app(|_: &mut Environ, start: &mut dyn StartResponse| {
        start.start(
            "200 OK",
            [("Content-Type", "text/plain"), ("Content-Length", "12")].into(),
        )?;
        Ok(Body::empty())
    });
    let (head, body, log) = run(declared, &[("REQUEST_METHOD", b"HEAD")], b"");
    assert!(head.contains("Content-Length: 12\r\n"), "kept: {head}");
    assert!(body.is_empty());
    assert!(!log.contains("BODY-004"), "no truncation for HEAD: {log}");
}

#[test]
fn no_date_or_server_header_and_a_status_line() {
    let app = rgi::app(|_: &mut Environ, start: &mut dyn StartResponse| {
        start.start("404 Not Found", [("Content-Type", "text/plain")].into())?;
        Ok(Body::from("nope"))
    });
    let (head, _, _) = run(app, &[("REQUEST_METHOD", b"GET")], b"");
    assert_eq!(
        head,
        "Status: 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n"
    );
}

#[test]
fn errors_and_panics_before_output_become_500() {
    let failing = rgi::app(|_: &mut Environ, _: &mut dyn StartResponse| Err("boom".into()));
    let (head, body, log) = run(failing, &[("REQUEST_METHOD", b"GET")], b"");
    assert!(
        head.starts_with("Status: 500 Internal Server Error\r\n"),
        "{head}"
    );
    assert_eq!(body, rgi::handlers::cgi::ERROR_BODY);
    assert!(log.contains("boom"), "{log}");

    let panicking = rgi::app(|_: &mut Environ, start: &mut dyn StartResponse| {
        start.start("200 OK", [("Content-Type", "text/plain")].into())?;
        panic!("kaboom");
    });
    let (head, _, log) = run(panicking, &[("REQUEST_METHOD", b"GET")], b"");
    assert!(head.starts_with("Status: 500 "), "{head}");
    assert!(log.contains("kaboom"), "{log}");

    let unstarted = rgi::app(|_: &mut Environ, _: &mut dyn StartResponse| Ok(Body::from("x")));
    let (head, _, log) = run(unstarted, &[("REQUEST_METHOD", b"GET")], b"");
    assert!(head.starts_with("Status: 500 "), "{head}");
    // START-002, as the server logs it (this handler used to say APP-005).
    assert!(log.contains("START-002"), "{log}");
}

#[test]
fn a_second_start_after_a_refused_one_is_refused_and_answered_500() {
    // START-006: a refused start still counts, here as in the server
    // (tests/server_start_response.rs); the CGI handler used to answer 200.
    let app = rgi::app(|_: &mut Environ, start: &mut dyn StartResponse| {
        assert!(start.start("200 OK", [("Bad Name", "x")].into()).is_err());
        let second = start.start("200 OK", [("Content-Type", "text/plain")].into());
        assert!(
            matches!(second, Err(rgi::Error::AlreadyStarted)),
            "{second:?}"
        );
        Ok(Body::from("not this"))
    });
    let (head, body, log) = run(app, &[("REQUEST_METHOD", b"GET")], b"");
    assert!(head.starts_with("Status: 500 "), "{head}");
    assert_eq!(body, rgi::handlers::cgi::ERROR_BODY);
    assert!(
        log.contains("START-006") && log.contains("START-005"),
        "{log}"
    );
}

#[test]
fn a_request_body_cut_short_is_a_client_failure() {
    // INPUT-003, INPUT-013: stdin ends before CONTENT_LENGTH bytes; the read
    // fails, and the handler answers 400 and logs a client disconnect.
    let app = rgi::app(|env: &mut Environ, start: &mut dyn StartResponse| {
        let mut all = Vec::new();
        let read = std::io::Read::read_to_end(env.input(), &mut all);
        assert_eq!(read.unwrap_err().kind(), io::ErrorKind::UnexpectedEof);
        start.start("200 OK", [("Content-Type", "text/plain")].into())?;
        Err("the body could not be read".into())
    });
    let (head, _, log) = run(
        app,
        &[("REQUEST_METHOD", b"POST"), ("CONTENT_LENGTH", b"10")],
        b"abc",
    );
    assert!(head.starts_with("Status: 400 "), "{head}");
    assert!(
        log.contains("INPUT-013") && !log.contains("APP-005"),
        "{log}"
    );
}

#[test]
fn a_failing_stream_after_output_truncates() {
    let app = rgi::app(|_: &mut Environ, start: &mut dyn StartResponse| {
        start.start("200 OK", [("Content-Type", "text/plain")].into())?;
        Ok(Body::stream(vec![
            Ok(b"first ".to_vec()),
            Err(io::Error::other("generator broke")),
        ]))
    });
    let (head, body, log) = run(app, &[("REQUEST_METHOD", b"GET")], b"");
    assert!(head.starts_with("Status: 200 OK\r\n"), "{head}");
    assert!(!head.contains("Content-Length"), "{head}");
    assert_eq!(body, b"first ");
    assert!(log.contains("generator broke"), "{log}");
}

#[test]
fn never_more_than_the_declared_content_length() {
    let app = rgi::app(|_: &mut Environ, start: &mut dyn StartResponse| {
        start.start(
            "200 OK",
            [("Content-Type", "text/plain"), ("Content-Length", "3")].into(),
        )?;
        Ok(Body::lazy(vec!["ab", "cdef"]))
    });
    let (_, body, log) = run(app, &[("REQUEST_METHOD", b"GET")], b"");
    assert_eq!(body, b"abc");
    assert!(log.contains("BODY-004"), "{log}");
}

#[test]
fn write_sends_the_head_first_and_bad_headers_are_refused() {
    let app = rgi::app(|_: &mut Environ, start: &mut dyn StartResponse| {
        assert!(start.start("200 OK", [("Bad Name", "x")].into()).is_err());
        assert!(start.write(b"early").is_err(), "write before start");
        // START-006: the refused start counts; start_error records the response.
        start.start_error("200 OK", [("Content-Type", "text/plain")].into())?;
        start.write(b"written ")?;
        assert!(start.headers_sent());
        Ok(Body::from("returned"))
    });
    let (head, body, _) = run(app, &[("REQUEST_METHOD", b"GET")], b"");
    assert_eq!(head, "Status: 200 OK\r\nContent-Type: text/plain\r\n");
    assert_eq!(body, b"written returned");
}

#[test]
fn no_body_for_304() {
    let app = rgi::app(|_: &mut Environ, start: &mut dyn StartResponse| {
        start.start("304 Not Modified", [("ETag", "\"v1\"")].into())?;
        Ok(Body::from("should not be sent"))
    });
    let (head, body, _) = run(app, &[("REQUEST_METHOD", b"GET")], b"");
    assert_eq!(head, "Status: 304 Not Modified\r\nETag: \"v1\"\r\n");
    assert!(body.is_empty());
}
