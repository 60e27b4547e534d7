//! Request bodies over raw TCP: Content-Length and chunked input,
//! `100-continue`, the input stream's boundaries, truncation and timeouts.

mod server_common;

use std::io::{Read, Write};
use std::net::Shutdown;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rgi::{Body, Environ, InputStream, StartResponse};
use server_common::*;

/// INPUT-001, INPUT-002, ENV-009: a Content-Length body, exactly.
#[test]
fn content_length_body_is_read_exactly() {
    let server = start(rgi::app(echo));
    let mut c = server.connect();
    c.send(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(c.response().text(), "hello");
    assert_eq!(c.response().text(), "");
}

/// INPUT-002, ENV-021: a chunked body: data only, input_terminated, no
/// CONTENT_LENGTH.
#[test]
fn chunked_body_is_decoded_and_input_terminated() {
    let app = rgi::app(|env: &mut Environ, start: &mut dyn StartResponse| {
        let mut body = Vec::new();
        env.input().read_to_end(&mut body)?;
        let out = format!(
            "{} {} {}",
            env.input_terminated(),
            env.contains("CONTENT_LENGTH"),
            String::from_utf8_lossy(&body)
        );
        start.start("200 OK", rgi::Headers::new())?;
        Ok(Body::from(out))
    });
    let server = start(app);
    let mut c = server.connect();
    c.send(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    c.send(b"5;ext=1\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nTrailer: t\r\n\r\n");
    assert_eq!(c.response().text(), "true false hello world");
}

/// INPUT-001: reads at the end of the body return 0 at once, never the
/// next request's bytes.
#[test]
fn input_ends_at_the_body_end() {
    let app = rgi::app(|env: &mut Environ, start: &mut dyn StartResponse| {
        let mut first = Vec::new();
        env.input().read_to_end(&mut first)?;
        let mut buf = [0u8; 64];
        let again = env.input().read(&mut buf)?;
        let mut line = String::new();
        let lines = env.input().read_line(&mut line)?;
        start.start("200 OK", rgi::Headers::new())?;
        Ok(Body::from(format!("{} {again} {lines}", first.len())))
    });
    let server = start(app);
    let mut c = server.connect();
    c.send(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(c.response().text(), "3 0 0");
    assert_eq!(c.response().text(), "0 0 0");
}

/// INPUT-007: an input stream kept past its response fails; it never
/// reads the next request.
#[test]
fn input_kept_after_the_response_errors() {
    type Kept = Arc<Mutex<Option<Box<dyn InputStream>>>>;
    let kept: Kept = Arc::default();
    let k = kept.clone();
    let app = rgi::app(move |env: &mut Environ, start: &mut dyn StartResponse| {
        let mut slot = k.lock().unwrap();
        let out = match slot.take() {
            None => {
                *slot = Some(env.take_input());
                "kept".to_owned()
            }
            Some(mut old) => {
                let mut buf = [0u8; 16];
                match old.read(&mut buf) {
                    Ok(n) => format!("read {n}"),
                    Err(e) => format!("error: {e}"),
                }
            }
        };
        start.start("200 OK", rgi::Headers::new())?;
        Ok(Body::from(out))
    });
    let server = start(app);
    let mut c = server.connect();
    c.send(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    assert_eq!(c.response().text(), "kept");
    c.send(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nnext");
    let text = c.response().text();
    assert!(
        text.starts_with("error:") && text.contains("INPUT-007"),
        "{text}"
    );
}

/// HTTP-015: 100 Continue goes out when the app first reads the body.
#[test]
fn expect_100_continue_is_answered_when_the_app_reads() {
    let server = start(rgi::app(echo));
    let mut c = server.connect();
    c.send(b"POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
    let interim = c.response();
    assert_eq!((interim.status, interim.reason.as_str()), (100, "Continue"));
    c.send(b"body");
    let r = c.response();
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "body");
    assert!(!r.closes());
}

/// HTTP-015: no 100 Continue when the body already started to arrive.
#[test]
fn no_100_continue_when_the_body_already_arrived() {
    let server = start(rgi::app(echo));
    let mut c = server.connect();
    c.send(b"POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nbody");
    let r = c.response();
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "body");
}

/// HTTP-017, HTTP-026: no 100 sent and the body unread: close.
#[test]
fn expect_100_continue_unread_body_closes_without_100() {
    let server = start(rgi::app(hello));
    let mut c = server.connect();
    c.send(b"POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
    let r = c.response();
    assert_eq!(r.status, 200, "the final response, no 100 first");
    assert!(r.closes());
    assert!(c.is_closed());
}

/// INPUT-003, INPUT-011: a body cut short is an error (UnexpectedEof),
/// never an early EOF.
#[test]
fn truncated_body_is_an_error_not_eof() {
    let seen = Arc::new(Mutex::new(None));
    let s = seen.clone();
    let app = rgi::app(move |env: &mut Environ, start: &mut dyn StartResponse| {
        let mut body = Vec::new();
        let result = env.input().read_to_end(&mut body);
        *s.lock().unwrap() = Some(result.map_err(|e| e.kind()));
        start.start("200 OK", rgi::Headers::new())?;
        Ok(Body::empty())
    });
    let server = start(app);
    let mut c = server.connect();
    c.send(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhalf");
    c.reader.get_ref().shutdown(Shutdown::Write).unwrap();
    let r = c.response();
    assert!(r.closes());
    assert_eq!(
        *seen.lock().unwrap(),
        Some(Err(std::io::ErrorKind::UnexpectedEof))
    );
}

/// HTTP-028, INPUT-003: a body that stops arriving times out (TimedOut).
#[test]
fn body_read_times_out() {
    let seen = Arc::new(Mutex::new(None));
    let s = seen.clone();
    let again = Arc::new(Mutex::new(None));
    let a = again.clone();
    let app = rgi::app(move |env: &mut Environ, start: &mut dyn StartResponse| {
        let mut body = Vec::new();
        let result = env.input().read_to_end(&mut body);
        *s.lock().unwrap() = Some(result.map_err(|e| e.kind()));
        // INPUT-003: a later read fails at once, it does not wait again.
        let again = env.input().read(&mut [0u8; 16]).map_err(|e| e.kind());
        *a.lock().unwrap() = Some(again);
        start.start("200 OK", rgi::Headers::new())?;
        Ok(Body::empty())
    });
    let server = start_with(app, test_config().body_timeout(Duration::from_millis(200)));
    let mut c = server.connect();
    c.send(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhalf");
    let r = c.response();
    assert!(r.closes());
    assert_eq!(
        *seen.lock().unwrap(),
        Some(Err(std::io::ErrorKind::TimedOut))
    );
    assert_eq!(
        *again.lock().unwrap(),
        Some(Err(std::io::ErrorKind::ConnectionAborted))
    );
}

/// INPUT-005: a large body arrives intact, read in any sizes.
#[test]
fn large_bodies_arrive_intact() {
    let server = start(rgi::app(echo));
    let data: Vec<u8> = (0..4_000_000u32).map(|i| (i * 7 % 256) as u8).collect();
    let mut c = server.connect();
    let mut writer = c.reader.get_ref().try_clone().unwrap();
    let body = data.clone();
    let sender = std::thread::spawn(move || {
        writer
            .write_all(
                format!(
                    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                )
                .as_bytes(),
            )
            .unwrap();
        writer.write_all(&body).unwrap();
        // And the same as chunks of odd sizes.
        writer
            .write_all(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
            .unwrap();
        for piece in body.chunks(77_777) {
            writer
                .write_all(format!("{:x}\r\n", piece.len()).as_bytes())
                .unwrap();
            writer.write_all(piece).unwrap();
            writer.write_all(b"\r\n").unwrap();
        }
        writer.write_all(b"0\r\n\r\n").unwrap();
    });
    assert!(c.response().body == data);
    assert!(c.response().body == data);
    sender.join().unwrap();
}

/// INPUT-010: an unread body within the drain cap keeps the connection.
#[test]
fn unread_small_body_is_drained_and_the_connection_kept() {
    let server = start(rgi::app(hello));
    let mut c = server.connect();
    c.send(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n");
    c.send(&[b'x'; 1000]);
    let r = c.response();
    assert!(!r.closes());
    c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(c.response().text(), "Hello, world!");
}

/// HTTP-026, HTTP-017: an app that fails without reading a body the client
/// is holding back for 100 Continue: 500 with Connection: close.
#[test]
fn failure_with_a_pending_100_continue_closes() {
    let app = rgi::app(|_: &mut Environ, _: &mut dyn StartResponse| Err("no".into()));
    let server = start(app);
    let mut c = server.connect();
    c.send(b"POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
    let r = c.response();
    assert_eq!(r.status, 500);
    assert!(r.closes());
    assert!(c.is_closed());
}
