//! The validator between the reference server's real pipeline
//! (`simple_server::serve_connection` over an in-memory stream) and correct
//! applications: neither side may produce a finding. This checks the
//! server against the validator, and the validator for false positives.

use std::io::{self, Cursor, Read, Write};
use std::sync::{Arc, Mutex};

use rgi::simple_server::{self, ConnInfo};
use rgi::validate::{Report, Validator};
use rgi::{AppError, Application, Body, Environ, StartResponse};

/// Request bytes in, response bytes out.
struct Duplex {
    input: Cursor<Vec<u8>>,
    output: Arc<Mutex<Vec<u8>>>,
}

impl Read for Duplex {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.input.read(buf)
    }
}

impl Write for Duplex {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.output
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Serves `requests` (raw bytes, possibly several pipelined) to `app`
/// behind a collecting validator; returns the response bytes and report.
fn serve<A: Application>(app: A, requests: &[u8]) -> (String, Report) {
    let validator = Validator::collecting(app);
    let report = validator.report();
    let output = Arc::new(Mutex::new(Vec::new()));
    let stream = Duplex {
        input: Cursor::new(requests.to_vec()),
        output: output.clone(),
    };
    let config = simple_server::Config::default().access_log(false);
    simple_server::serve_connection(&validator, stream, &ConnInfo::default(), &config)
        .expect("serve_connection");
    validator.check_closed();
    let out = output.lock().unwrap_or_else(|e| e.into_inner()).clone();
    (String::from_utf8_lossy(&out).into_owned(), report)
}

fn echo(env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, AppError> {
    let mut data = Vec::new();
    env.input().read_to_end(&mut data)?;
    start.start(
        "200 OK",
        [("Content-Type", "application/octet-stream")].into(),
    )?;
    Ok(Body::from(data))
}

fn streaming(_env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, AppError> {
    start.start(
        "200 OK",
        [("Content-Type", "text/plain; charset=utf-8")].into(),
    )?;
    Ok(Body::lazy(["one ", "two ", "three"]))
}

fn assert_clean(what: &str, (response, report): (String, Report)) -> String {
    assert!(
        report.is_empty(),
        "{what}: findings:\n{report}\nresponse:\n{response}"
    );
    response
}

#[test]
fn get_head_and_streaming_through_the_server_are_clean() {
    let response = assert_clean(
        "GET",
        serve(
            streaming,
            b"GET /a/b?x=1 HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
        ),
    );
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("three"), "{response}");
    assert_clean(
        "HEAD",
        serve(
            |_e: &mut Environ, s: &mut dyn StartResponse| -> Result<Body, AppError> {
                s.start(
                    "200 OK",
                    [("Content-Type", "text/plain; charset=utf-8")].into(),
                )?;
                Ok(Body::empty())
            },
            b"HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        ),
    );
    assert_clean(
        "demo_app",
        serve(simple_server::demo_app, b"GET / HTTP/1.0\r\n\r\n"),
    );
}

#[test]
fn request_bodies_through_the_server_are_clean() {
    let response = assert_clean(
        "Content-Length body, then a pipelined request",
        serve(
            echo,
            b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello\
              GET /next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        ),
    );
    assert!(response.contains("hello"), "{response}");
    assert_eq!(response.matches("HTTP/1.1 200").count(), 2, "{response}");
    let response = assert_clean(
        "chunked body",
        serve(
            echo,
            b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
              3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
        ),
    );
    assert!(response.contains("abcde"), "{response}");
    assert_clean(
        "body left unread",
        serve(
            streaming,
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc\
              GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        ),
    );
}

#[test]
fn a_broken_application_is_reported_through_the_server() {
    let (response, report) = serve(
        |_e: &mut Environ, s: &mut dyn StartResponse| -> Result<Body, AppError> {
            s.start(
                "200 OK",
                [
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("Content-Length", "10"),
                ]
                .into(),
            )?;
            Ok(Body::lazy(["short"]))
        },
        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(report.contains("BODY-003"), "{report}\n{response}");
}
