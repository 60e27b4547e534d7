//! Findings of an adversarial audit of `rgi::simple_server` against the
//! SRV-*, HTTP-* and BODY-* rules: one test per discrepancy that was found
//! and fixed, over raw TCP.

mod server_common;

use rgi::{Body, Environ, StartResponse};
use server_common::*;

/// Answers with `HTTP_HOST` as its body; never reads the request body.
fn host_app(env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, rgi::AppError> {
    let host = env
        .get("HTTP_HOST")
        .map(|h| h.to_str_lossy().into_owned())
        .unwrap_or_default();
    start.start("200 OK", [("Content-Type", "text/plain")].into())?;
    Ok(Body::from(host))
}

/// HTTP-006, HTTP-005: the authority of an absolute-form target replaces
/// `Host`, so it is held to the rules of a Host value: userinfo or a quote
/// in it gets 400 instead of reaching the application as `HTTP_HOST`.
#[test]
fn absolute_form_authority_is_validated_like_host() {
    let server = start(rgi::app(host_app));
    for target in [&b"http://user@evil.example/"[..], b"http://a\"b/x"] {
        let mut raw = b"GET ".to_vec();
        raw.extend_from_slice(target);
        raw.extend_from_slice(b" HTTP/1.1\r\nHost: good.example\r\n\r\n");
        let mut c = server.connect();
        c.send(&raw);
        let r = c.response();
        assert_eq!(r.status, 400, "{}", target.escape_ascii());
        assert!(r.closes());
        assert!(c.is_closed());
    }
    // A valid authority still replaces Host.
    let r = request(
        server.addr,
        b"GET http://other.example:8080/p HTTP/1.1\r\nHost: good.example\r\n\r\n",
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "other.example:8080");
}

/// BODY-006, HTTP-024: the server's own error responses to a HEAD request
/// carry a Content-Length but no body bytes.
#[test]
fn error_responses_to_head_have_no_body() {
    let server = start(rgi::app(hello));
    for raw in [
        &b"HEAD / HTTP/1.1\r\nHost: x\r\nExpect: nothing\r\n\r\n"[..],
        b"HEAD / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999\r\n\r\n",
        b"HEAD / HTTP/1.1\r\n\r\n",
    ] {
        let mut c = server.connect();
        c.send(raw);
        let r = c.head_response();
        assert!(r.status >= 400, "{}", raw.escape_ascii());
        assert!(r.header("content-length").is_some());
        assert!(r.closes());
        // Nothing after the head: the connection just closes.
        assert_eq!(c.rest(), b"", "{}", raw.escape_ascii());
    }
}

/// HTTP-010: several Content-Length lines must carry the same digits;
/// `5` and `05` conflict.
#[test]
fn content_length_lines_must_carry_the_same_digits() {
    let server = start(rgi::app(echo));
    let mut c = server.connect();
    c.send(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 05\r\n\r\nhello");
    let r = c.response();
    assert_eq!(r.status, 400);
    assert!(r.closes());
    assert!(c.is_closed());
    // The same digits twice count as one.
    let r = request(
        server.addr,
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 05\r\nContent-Length: 05\r\n\r\nhello",
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.body, b"hello");
}

/// HTTP-010: a Content-Length is decimal digits whose value fits in 64
/// bits; leading zeros do not count against that (20+ digits of value 5).
#[test]
fn content_length_with_many_leading_zeros_is_accepted() {
    let server = start(rgi::app(echo));
    let r = request(
        server.addr,
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0000000000000000000000005\r\n\r\nhello",
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.body, b"hello");
    // 2^64 still does not fit.
    let r = request(
        server.addr,
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 018446744073709551616\r\n\r\n",
    );
    assert_eq!(r.status, 400);
}

/// HTTP-025: the server's own 500 on a kept-alive HTTP/1.0 connection says
/// `Connection: keep-alive` (without it an HTTP/1.0 client takes the
/// connection for closed while the server keeps it open).
#[test]
fn server_500_on_http10_keep_alive_says_keep_alive() {
    let app = rgi::app(|_: &mut Environ, _: &mut dyn StartResponse| Err("no".into()));
    let server = start(app);
    let mut c = server.connect();
    c.send(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    let r = c.response();
    assert_eq!(r.status, 500);
    assert_eq!(r.header("connection"), Some("keep-alive"));
    c.send(b"GET / HTTP/1.0\r\n\r\n");
    let r = c.response();
    assert_eq!(r.status, 500);
    assert!(r.closes());
    assert!(c.is_closed());
}

/// A log sink that keeps what it is given, for reading in the test.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// START-003 (RFC 9110 15.2): `start` refuses a 1xx status, so an HTTP/1.0
/// client, which must never receive a 1xx, gets the server's 500 (SRV-002)
/// when the application passes the refusal up with `?`; the log names the
/// rule, and a kept HTTP/1.0 connection stays usable.
#[test]
fn a_1xx_status_is_refused_and_an_http10_client_gets_500() {
    let log = Captured::default();
    let config = test_config().log_to(rgi::simple_server::LogSink::new(log.clone()));
    let server = start_with(
        rgi::app(|_: &mut Environ, start: &mut dyn StartResponse| {
            start.start("103 Early Hints", rgi::Headers::new())?;
            Ok(Body::from("ignored"))
        }),
        config,
    );
    let mut c = server.connect();
    c.send(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    let r = c.response();
    assert_eq!(r.status, 500);
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    assert!(!r.body.is_empty());
    let text = String::from_utf8_lossy(&log.0.lock().unwrap()).into_owned();
    assert!(
        text.contains("GET /: the application failed (APP-005)") && text.contains("(START-003)"),
        "{text}"
    );
}
