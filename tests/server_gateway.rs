//! The gateway mapping over raw TCP: what the environ holds, and what the
//! server does (and does not do) with the application's response.

mod server_common;

use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use rgi::{Body, Environ, StartResponse};
use server_common::*;

fn environ_dump(env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, rgi::AppError> {
    let mut out = String::new();
    for (key, value) in env.sorted() {
        out.push_str(&format!("{key}={:?}\n", value.to_str_lossy()));
    }
    start.start("200 OK", rgi::Headers::new())?;
    Ok(Body::from(out))
}

/// ENV-003, ENV-004, ENV-007, ENV-011, ENV-012, ENV-013, ENV-014, ENV-024,
/// ENV-025, ENV-026, ENV-027: the keys every request has.
#[test]
fn every_request_has_the_required_keys() {
    let server = start(rgi::app(environ_dump));
    let text = request(server.addr, b"get /p HTTP/1.0\r\n\r\n").text();
    for expected in [
        "REQUEST_METHOD=\"get\"",
        "SCRIPT_NAME=\"\"",
        "PATH_INFO=\"/p\"",
        "QUERY_STRING=\"\"",
        "REQUEST_URI=\"/p\"",
        "SERVER_NAME=\"127.0.0.1\"",
        "SERVER_PROTOCOL=\"HTTP/1.0\"",
        "REMOTE_ADDR=\"127.0.0.1\"",
        "GATEWAY_INTERFACE=\"CGI/1.1\"",
        "SERVER_SOFTWARE=\"rgi/",
        "REMOTE_PORT=\"",
    ] {
        assert!(text.contains(expected), "{expected} not in\n{text}");
    }
    assert!(
        !text.contains("CONTENT_TYPE"),
        "ENV-008: absent when not sent"
    );
    assert!(
        !text.contains("CONTENT_LENGTH"),
        "ENV-009: absent when not sent"
    );
}

/// ENV-032, ENV-033, ENV-010: values trimmed, hop-by-hop headers passed
/// for information, no HTTP_CONTENT_*.
#[test]
fn header_values_are_trimmed_and_hop_by_hop_headers_are_informational() {
    let server = start(rgi::app(environ_dump));
    let text = request(
        server.addr,
        b"POST / HTTP/1.1\r\nHost: x\r\nX-Pad: \t padded value \t\r\nConnection: keep-alive\r\n\
          Content-Type: a/b\r\nContent-Length: 0\r\n\r\n",
    )
    .text();
    assert!(text.contains("HTTP_X_PAD=\"padded value\""), "{text}");
    assert!(text.contains("HTTP_CONNECTION=\"keep-alive\""));
    assert!(text.contains("CONTENT_TYPE=\"a/b\""));
    assert!(!text.contains("HTTP_CONTENT"));
}

/// ENV-034, ENV-035: only CGI-style keys, nothing from the process
/// environment.
#[test]
fn the_environ_has_cgi_keys_only_and_no_process_environment() {
    let server = start(rgi::app(environ_dump));
    let text = request(server.addr, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").text();
    for line in text.lines() {
        let key = line.split('=').next().unwrap();
        assert!(
            key.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'),
            "{key}"
        );
    }
    assert!(std::env::var_os("PATH").is_some());
    assert!(!text.contains("\nPATH="), "{text}");
}

/// ENV-001, ENV-002: every request gets a fresh environ; what an
/// application changes stays in its call.
#[test]
fn every_request_gets_a_fresh_environ() {
    let app = rgi::app(|env: &mut Environ, start: &mut dyn StartResponse| {
        let seen = env.get_str("X_LEFTOVER").map(str::to_owned);
        env.set("X_LEFTOVER", "from the previous request");
        env.set("PATH_INFO", "/rewritten");
        start.start("200 OK", rgi::Headers::new())?;
        Ok(Body::from(format!("{seen:?}")))
    });
    let server = start(app);
    let mut c = server.connect();
    for _ in 0..2 {
        c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(c.response().text(), "None");
    }
}

/// SRV-009: framing comes from the request as received, never from the
/// environ after the call: rewriting REQUEST_METHOD or CONTENT_LENGTH
/// changes nothing on the wire.
#[test]
fn framing_never_comes_from_the_environ() {
    let app = rgi::app(|env: &mut Environ, start: &mut dyn StartResponse| {
        env.set("REQUEST_METHOD", "HEAD");
        env.set("CONTENT_LENGTH", "0");
        env.set("SERVER_PROTOCOL", "HTTP/1.0");
        let mut body = Vec::new();
        env.input().read_to_end(&mut body)?;
        start.start("200 OK", rgi::Headers::new())?;
        Ok(Body::from(body))
    });
    let server = start(app);
    let mut c = server.connect();
    c.send(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
    let r = c.response();
    assert_eq!(r.text(), "hello");
    assert!(!r.closes());
    c.send(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok");
    assert_eq!(c.response().text(), "ok");
}

/// INPUT-008, INPUT-009: the application may take the input away and drop
/// it; the server knows how much body is left on its own.
#[test]
fn the_server_does_not_need_the_input_back() {
    let app = rgi::app(|env: &mut Environ, start: &mut dyn StartResponse| {
        let mut input = env.take_input();
        let mut two = [0u8; 2];
        input.read_exact(&mut two)?;
        drop(input);
        start.start("200 OK", rgi::Headers::new())?;
        Ok(Body::from(two.to_vec()))
    });
    let server = start(app);
    let mut c = server.connect();
    c.send(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nabcdef");
    assert_eq!(c.response().text(), "ab");
    c.send(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nxy");
    assert_eq!(c.response().text(), "xy");
}

/// SRV-007: the application's headers go out as given: names as spelled,
/// order kept, duplicates kept.
#[test]
fn application_headers_go_out_unchanged() {
    let app = rgi::app(|_: &mut Environ, start: &mut dyn StartResponse| {
        let mut headers = rgi::Headers::new();
        headers.add("x-LoWeR-UpPeR", "1");
        headers.add("Set-Cookie", "a=1");
        headers.add("Set-Cookie", "b=2");
        headers.add("Date", "Thu, 01 Jan 1970 00:00:00 GMT");
        start.start("299 Custom Reason", headers)?;
        Ok(Body::from("x"))
    });
    let server = start(app);
    let r = request(server.addr, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!((r.status, r.reason.as_str()), (299, "Custom Reason"));
    let names: Vec<&str> = r.headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        &names[..4],
        ["x-LoWeR-UpPeR", "Set-Cookie", "Set-Cookie", "Date"]
    );
    assert_eq!(
        r.header("date"),
        Some("Thu, 01 Jan 1970 00:00:00 GMT"),
        "SRV-005: the app's Date wins"
    );
    assert_eq!(
        r.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("date"))
            .count(),
        1
    );
}

/// BODY-016: a body is never pulled again after it returned the end.
#[test]
fn a_body_is_never_pulled_after_its_end() {
    let pulled_after_end = Arc::new(AtomicBool::new(false));
    let flag = pulled_after_end.clone();
    let app = rgi::app(move |_: &mut Environ, start: &mut dyn StartResponse| {
        start.start("200 OK", rgi::Headers::new())?;
        let flag = flag.clone();
        let mut n = 0;
        Ok(Body::stream(std::iter::from_fn(move || {
            n += 1;
            match n {
                1 => Some(Ok("only")),
                2 => None,
                _ => {
                    flag.store(true, Ordering::SeqCst);
                    None
                }
            }
        })))
    });
    let server = start(app);
    let mut c = server.connect();
    c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(c.response().text(), "only");
    assert_eq!(c.response().text(), "only");
    assert!(!pulled_after_end.load(Ordering::SeqCst));
}
