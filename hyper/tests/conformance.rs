//! The spec's wire-level behaviour on both engines: each test runs once on
//! `rgi::simple_server` and once on rgi-hyper, with the root suite's raw
//! HTTP/1.1 client (`tests/server_common`). Behaviour that is an engine's
//! own choice stays in that engine's tests (simple_server: `tests/server_*`;
//! rgi-hyper: the other files here), each saying why.

#[path = "../../tests/server_common/mod.rs"]
mod server_common;
mod support;

use std::net::SocketAddr;

use rgi::{Body, Environ, StartResponse};
use server_common::{hello, read_response, request, Client};

/// A running server of either engine, stopped when dropped.
enum Running {
    Simple(server_common::TestServer),
    Hyper(support::Served),
}

impl Running {
    fn addr(&self) -> SocketAddr {
        match self {
            Running::Simple(s) => s.addr,
            Running::Hyper(s) => s.addr,
        }
    }
}

/// The two engines a test runs on.
#[derive(Debug, Clone, Copy)]
enum Engine {
    SimpleServer,
    Hyper,
}

impl Engine {
    fn start(self, app: impl rgi::Application) -> Running {
        match self {
            Engine::SimpleServer => Running::Simple(server_common::start(app)),
            Engine::Hyper => Running::Hyper(support::serve(app, support::config())),
        }
    }
}

/// Defines `name::simple_server` and `name::rgi_hyper` from one body.
macro_rules! on_both_engines {
    ($(#[$doc:meta])* fn $name:ident($engine:ident) $body:block) => {
        $(#[$doc])*
        mod $name {
            use super::*;
            fn run($engine: Engine) $body
            #[test]
            fn simple_server() {
                run(Engine::SimpleServer)
            }
            #[test]
            fn rgi_hyper() {
                run(Engine::Hyper)
            }
        }
    };
}

on_both_engines! {
    /// BODY-009, SRV-005, SRV-006: computed Content-Length, Date and Server.
    fn hello_gets_content_length_date_and_server(engine) {
        let server = engine.start(rgi::app(hello));
        let r = request(server.addr(), b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type"), Some("text/plain"));
        assert_eq!(r.header("content-length"), Some("13"));
        assert!(r.header("date").is_some_and(|d| d.ends_with(" GMT")));
        assert!(r.header("server").is_some_and(|s| s.starts_with("rgi")));
        assert_eq!(r.text(), "Hello, world!");
    }
}

on_both_engines! {
    /// HTTP-025: HTTP/1.1 connections stay open.
    fn keep_alive_serves_many_requests_on_one_connection(engine) {
        let server = engine.start(rgi::app(hello));
        let mut c = Client::connect(server.addr());
        for _ in 0..5 {
            c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            let r = c.response();
            assert_eq!(r.status, 200);
            assert!(!r.closes());
        }
    }
}

on_both_engines! {
    /// HTTP-025, HTTP-026: Connection tokens are compared case-insensitively.
    fn connection_close_closes_after_the_response(engine) {
        let server = engine.start(rgi::app(hello));
        let mut c = Client::connect(server.addr());
        c.send(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let r = c.response();
        assert!(r.closes());
        assert!(c.is_closed());
    }
}

on_both_engines! {
    /// HTTP-025: HTTP/1.0 closes unless it asked for keep-alive.
    fn http10_closes_by_default_and_keeps_alive_on_request(engine) {
        let server = engine.start(rgi::app(hello));
        let (status, head, _) = http10(server.addr(), b"GET / HTTP/1.0\r\n\r\n");
        assert_eq!(status, 200);
        assert!(!head.to_ascii_lowercase().contains("keep-alive"), "{head}");
        // Asked for keep-alive: the server says so and serves a second request.
        let mut stream = std::net::TcpStream::connect(server.addr()).unwrap();
        stream.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
        let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
        for _ in 0..2 {
            std::io::Write::write_all(&mut stream, b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").unwrap();
            let (status, head, body) = read_http1(&mut reader);
            assert_eq!(status, 200);
            assert!(head.to_ascii_lowercase().contains("connection: keep-alive"), "{head}");
            assert_eq!(body, b"Hello, world!");
        }
    }
}

on_both_engines! {
    /// HTTP-027: pipelined requests are answered in order.
    fn pipelined_requests_are_answered_in_order(engine) {
        let app = rgi::app(|env: &mut Environ, start: &mut dyn StartResponse| {
            let path = env.get_str("PATH_INFO").unwrap_or("").to_owned();
            start.start("200 OK", [("Content-Type", "text/plain")].into())?;
            Ok(Body::from(path))
        });
        let server = engine.start(app);
        let mut c = Client::connect(server.addr());
        let mut batch = Vec::new();
        for i in 0..20 {
            batch.extend_from_slice(format!("GET /{i} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes());
        }
        c.send(&batch);
        for i in 0..20 {
            assert_eq!(c.response().text(), format!("/{i}"));
        }
    }
}

on_both_engines! {
    /// BODY-006, HTTP-021: HEAD gets the head without body bytes, keeping
    /// the application's Content-Length.
    fn head_gets_no_body(engine) {
        let app = rgi::app(|env: &mut Environ, start: &mut dyn StartResponse| {
            if env.get_str("PATH_INFO") == Some("/declared") {
                start.start("200 OK", [("Content-Length", "5")].into())?;
                Ok(Body::from("12345"))
            } else {
                start.start("200 OK", [("Content-Type", "text/plain")].into())?;
                Ok(Body::from("Hello, world!"))
            }
        });
        let server = engine.start(app);
        let mut c = Client::connect(server.addr());
        c.send(b"HEAD /declared HTTP/1.1\r\nHost: x\r\n\r\n");
        let r = c.head_response();
        assert_eq!(r.header("content-length"), Some("5"));
        // The next response follows immediately: no stray body bytes.
        c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(c.response().text(), "Hello, world!");
    }
}

on_both_engines! {
    /// BODY-006, HTTP-021: no body (nor Content-Length) for 204 and 304.
    fn status_204_and_304_have_no_body(engine) {
        let app = rgi::app(|env: &mut Environ, start: &mut dyn StartResponse| {
            let status = if env.get_str("PATH_INFO") == Some("/204") { "204 No Content" } else { "304 Not Modified" };
            start.start(status, rgi::Headers::new())?;
            Ok(Body::from("ignored"))
        });
        let server = engine.start(app);
        let mut c = Client::connect(server.addr());
        c.send(b"GET /204 HTTP/1.1\r\nHost: x\r\n\r\nGET /304 HTTP/1.1\r\nHost: x\r\n\r\n");
        let r = c.response();
        assert_eq!(r.status, 204);
        assert_eq!(r.header("content-length"), None);
        assert_eq!(c.response().status, 304);
    }
}

on_both_engines! {
    /// HTTP-020, HTTP-022, BODY-014: unknown length is chunked on HTTP/1.1.
    fn unknown_length_is_chunked_on_http11(engine) {
        let app = rgi::app(|_: &mut Environ, start: &mut dyn StartResponse| {
            start.start("200 OK", rgi::Headers::new())?;
            Ok(Body::lazy(vec!["one ", "two ", "", "three"]))
        });
        let server = engine.start(app);
        let mut c = Client::connect(server.addr());
        c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        let r = c.response();
        assert_eq!(r.header("transfer-encoding"), Some("chunked"));
        assert_eq!(r.text(), "one two three");
        c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(c.response().text(), "one two three");
    }
}

on_both_engines! {
    /// HTTP-019, HTTP-020: unknown length on HTTP/1.0 is close-delimited.
    fn unknown_length_is_close_delimited_on_http10(engine) {
        let app = rgi::app(|_: &mut Environ, start: &mut dyn StartResponse| {
            start.start("200 OK", rgi::Headers::new())?;
            Ok(Body::lazy(vec!["one ", "two"]))
        });
        let server = engine.start(app);
        let (status, head, body) = http10(server.addr(), b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        assert_eq!(status, 200);
        assert!(!head.to_ascii_lowercase().contains("transfer-encoding"), "{head}");
        assert_eq!(body, b"one two");
    }
}

on_both_engines! {
    /// ENV-006, TEXT-001: PATH_INFO is percent-decoded, bytes kept losslessly;
    /// QUERY_STRING and REQUEST_URI stay raw.
    fn path_info_decoding_is_lossless(engine) {
        let app = rgi::app(|env: &mut Environ, start: &mut dyn StartResponse| {
            let path: String = env.get_bytes("PATH_INFO").unwrap_or_default().iter().map(|b| format!("{b:02x}")).collect();
            let text = format!(
                "{path} {} {}",
                env.get_str("QUERY_STRING").unwrap_or("-"),
                env.get_str("REQUEST_URI").unwrap_or("-")
            );
            start.start("200 OK", [("Content-Type", "text/plain")].into())?;
            Ok(Body::from(text))
        });
        let server = engine.start(app);
        let r = request(server.addr(), b"GET /a%2Fb%E9?q=%41 HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(r.text(), "2f612f62e9 q=%41 /a%2Fb%E9?q=%41");
    }
}

on_both_engines! {
    /// START-008, START-010: write() sends the head and its bytes before the body.
    fn write_sends_before_the_body(engine) {
        let app = rgi::app(|_: &mut Environ, start: &mut dyn StartResponse| {
            start.start("200 OK", [("Content-Type", "text/plain")].into())?;
            start.write(b"written ")?;
            Ok(Body::from("returned"))
        });
        let server = engine.start(app);
        let r = request(server.addr(), b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(r.text(), "written returned");
    }
}

on_both_engines! {
    /// APP-005, SRV-002: an Err or a panic before output is the server's 500,
    /// and the server goes on serving.
    fn errors_and_panics_become_500(engine) {
        let app = rgi::app(|env: &mut Environ, start: &mut dyn StartResponse| -> Result<Body, rgi::AppError> {
            match env.get_str("PATH_INFO") {
                Some("/err") => Err("it failed".into()),
                Some("/panic") => panic!("it panicked"),
                _ => {
                    start.start("200 OK", [("Content-Type", "text/plain")].into())?;
                    Ok(Body::from("fine"))
                }
            }
        });
        let server = engine.start(app);
        let r = request(server.addr(), b"GET /err HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(r.status, 500);
        let r = request(server.addr(), b"GET /panic HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(r.status, 500);
        assert_eq!(request(server.addr(), b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").text(), "fine");
    }
}

on_both_engines! {
    /// HTTP-005: no Host on HTTP/1.1, two Hosts, or a bad Host: 400.
    fn bad_hosts_get_400(engine) {
        let server = engine.start(rgi::app(hello));
        for raw in [
            &b"GET / HTTP/1.1\r\n\r\n"[..],
            b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: user@a\r\n\r\n",
        ] {
            assert_eq!(request(server.addr(), raw).status, 400, "{}", String::from_utf8_lossy(raw));
        }
        // HTTP/1.0 may have none.
        assert_eq!(http10(server.addr(), b"GET / HTTP/1.0\r\n\r\n").0, 200);
    }
}

on_both_engines! {
    /// INPUT-001, ENV-021: Content-Length and chunked bodies read to their end.
    fn request_bodies_are_read_exactly(engine) {
        let server = engine.start(rgi::app(server_common::echo));
        let mut c = Client::connect(server.addr());
        c.send(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
        assert_eq!(c.response().text(), "hello");
        c.send(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
        assert_eq!(c.response().text(), "abcde");
        let r = read_after(&mut c, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(r, 200);
    }
}

fn read_after(c: &mut Client, raw: &[u8]) -> u16 {
    c.send(raw);
    read_response(&mut c.reader, false)
        .map(|r| r.status)
        .unwrap_or(0)
}

/// An HTTP/1.0 exchange on a fresh connection, read to the server's close:
/// (status, head, body). The response's version may be 1.0 or 1.1 (RFC 9110
/// section 6.2: hyper answers 1.0 in kind, simple_server with 1.1).
fn http10(addr: SocketAddr, raw: &[u8]) -> (u16, String, Vec<u8>) {
    let answer = support::raw(addr, raw);
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    assert!(
        head.starts_with("HTTP/1.0 ") || head.starts_with("HTTP/1.1 "),
        "{head}"
    );
    (status, head.to_owned(), body.as_bytes().to_vec())
}

/// One response with a Content-Length from a kept connection, any 1.x version.
fn read_http1(reader: &mut impl std::io::BufRead) -> (u16, String, Vec<u8>) {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line == "\r\n" || line.is_empty() {
            break;
        }
        head.push_str(&line);
    }
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let length = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap_or(0))
        })
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    (status, head, body)
}
