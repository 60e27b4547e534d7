//! Faults over raw TCP: application errors and panics, invalid responses,
//! Content-Length lies, bodies that fail, clients that go away. The server
//! answers with a clear status, keeps serving, and drops every body once.

mod server_common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rgi::{Body, Environ, Error, StartResponse};
use server_common::*;

/// APP-005, SRV-004: a thousand panics later the server still answers 200.
#[test]
fn app_panics_a_thousand_times_and_the_server_still_answers_200() {
    let app = rgi::app(|env: &mut Environ, start: &mut dyn StartResponse| {
        if env.get_str("PATH_INFO") == Some("/panic") {
            panic!("deliberate test panic");
        }
        hello(env, start)
    });
    let server = start_with(app, test_config().max_connections(8));
    let mut clients: Vec<Client> = (0..4).map(|_| server.connect()).collect();
    for round in 0..250 {
        for c in &mut clients {
            c.send(b"GET /panic HTTP/1.1\r\nHost: x\r\n\r\n");
        }
        for c in &mut clients {
            let r = c.response();
            assert_eq!(r.status, 500, "round {round}");
        }
    }
    // Fresh connections too: no slot was leaked (cap is 8).
    for _ in 0..20 {
        let r = request(
            server.addr,
            b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        assert_eq!(r.status, 200);
    }
    let r = request(server.addr, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.text(), "Hello, world!");
}

/// APP-005, SRV-002: Err before anything was sent: a plain 500 with a
/// fixed body and a Content-Length; the connection stays usable.
#[test]
fn app_error_before_the_head_is_a_plain_500() {
    let app = rgi::app(|_: &mut Environ, _: &mut dyn StartResponse| {
        Err("secret database password in the message".into())
    });
    let server = start(app);
    let mut c = server.connect();
    c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    let r = c.response();
    assert_eq!(r.status, 500);
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    assert!(r.header("content-length").is_some());
    assert!(
        !r.text().contains("secret"),
        "SRV-002: nothing about the error"
    );
    c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(c.response().status, 500);
}

/// START-002: Ok(body) without start is a 500.
#[test]
fn returning_a_body_without_start_is_500() {
    let app = rgi::app(|_: &mut Environ, _: &mut dyn StartResponse| Ok(Body::from("no start")));
    let server = start(app);
    let r = request(server.addr, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.status, 500);
    assert!(!r.text().contains("no start"));
}

/// SRV-003, APP-005: Err after the head went out aborts: no terminating
/// chunk, connection closed.
#[test]
fn app_error_after_the_head_aborts_the_connection() {
    let app = rgi::app(|_: &mut Environ, start: &mut dyn StartResponse| {
        start.start("200 OK", rgi::Headers::new())?;
        start.write(b"partial")?;
        Err("failed halfway".into())
    });
    let server = start(app);
    let mut c = server.connect();
    c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    let raw = c.rest();
    let text = String::from_utf8_lossy(&raw);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.contains("7\r\npartial\r\n"));
    assert!(
        !text.ends_with("0\r\n\r\n"),
        "SRV-003: no last chunk: {text:?}"
    );
}

/// BODY-015: a body that fails before its first chunk is a 500.
#[test]
fn body_error_before_the_first_chunk_is_500() {
    let app = rgi::app(|_: &mut Environ, start: &mut dyn StartResponse| {
        start.start("200 OK", rgi::Headers::new())?;
        Ok(Body::stream(vec![Err::<&str, _>(std::io::Error::other(
            "generator broke",
        ))]))
    });
    let server = start(app);
    let r = request(server.addr, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.status, 500);
}

/// BODY-015, SRV-003: a body that fails (or panics) after its first chunk
/// aborts the connection.
#[test]
fn body_error_or_panic_after_the_first_chunk_aborts() {
    for panics in [false, true] {
        let app = rgi::app(move |_: &mut Environ, start: &mut dyn StartResponse| {
            start.start("200 OK", rgi::Headers::new())?;
            let mut n = 0;
            Ok(Body::stream(std::iter::from_fn(move || {
                n += 1;
                match n {
                    1 => Some(Ok("first")),
                    _ if panics => panic!("body panic"),
                    _ => Some(Err(std::io::Error::other("broke"))),
                }
            })))
        });
        let server = start(app);
        let mut c = server.connect();
        c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        let text = String::from_utf8_lossy(&c.rest()).into_owned();
        assert!(text.contains("5\r\nfirst\r\n"), "{text}");
        assert!(!text.ends_with("0\r\n\r\n"));
        // Still serving (the same failing app: the head comes again).
        let mut c = server.connect();
        c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assert!(String::from_utf8_lossy(&c.rest()).starts_with("HTTP/1.1 200 OK\r\n"));
    }
}

/// START-005, START-012, START-007, START-009: the StartResponse contract.
#[test]
fn start_response_contract() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let app = rgi::app(move |_: &mut Environ, start: &mut dyn StartResponse| {
        let mut log = s.lock().unwrap();
        log.push(format!("{:?}", start.write(b"x").err().map(|e| e.rule())));
        start.start("200 OK", rgi::Headers::new())?;
        log.push(format!(
            "{:?}",
            start
                .start("201 Created", rgi::Headers::new())
                .err()
                .map(|e| e.rule())
        ));
        log.push(format!(
            "{:?}",
            start
                .start_error("503 Busy", [("Retry-After", "1")].into())
                .is_ok()
        ));
        log.push(format!("{}", start.headers_sent()));
        start.write(b"sent")?;
        log.push(format!("{}", start.headers_sent()));
        let late = start.start_error("500 Oops", rgi::Headers::new());
        log.push(format!(
            "{:?}",
            late.err().map(|e| matches!(e, Error::HeadersAlreadySent))
        ));
        Ok(Body::empty())
    });
    let server = start(app);
    let r = request(server.addr, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.status, 503);
    assert_eq!(r.header("retry-after"), Some("1"));
    assert_eq!(r.text(), "sent");
    assert_eq!(
        *seen.lock().unwrap(),
        [
            "Some(Some(\"START-009\"))",
            "Some(Some(\"START-005\"))",
            "true",
            "false",
            "true",
            "Some(true)"
        ]
    );
}

/// HDR-003, HDR-005: hop-by-hop and Status headers are refused at start.
#[test]
fn hop_by_hop_and_status_headers_are_refused() {
    let app = rgi::app(|env: &mut Environ, start: &mut dyn StartResponse| {
        let name = if env.get_str("PATH_INFO") == Some("/status") {
            "Status"
        } else {
            "Connection"
        };
        start.start(
            "200 OK",
            rgi::Headers::from(vec![(name.to_owned(), "x".to_owned())]),
        )?;
        Ok(Body::from("unreachable"))
    });
    let server = start(app);
    let r = request(server.addr, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.status, 500);
    let r = request(server.addr, b"GET /status HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.status, 500);
}

/// BODY-004: never more than the declared Content-Length. Decided once for
/// bodies in memory and streamed alike: the declared prefix goes out and the
/// surplus is discarded (this test used to expect a cut-short in-memory
/// body, while a streamed one sent the prefix).
#[test]
fn body_longer_than_content_length_is_never_sent() {
    for streamed in [false, true] {
        let app = rgi::app(move |_: &mut Environ, start: &mut dyn StartResponse| {
            start.start("200 OK", [("Content-Length", "5")].into())?;
            Ok(if streamed {
                Body::lazy(vec!["012", "3456", "789"])
            } else {
                Body::from("0123456789")
            })
        });
        let server = start(app);
        let mut c = server.connect();
        c.send(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let raw = String::from_utf8_lossy(&c.rest()).into_owned();
        let body = raw.split("\r\n\r\n").nth(1).unwrap_or("");
        assert_eq!(body, "01234", "streamed: {streamed}: {raw:?}");
        assert!(!raw.contains("56789"));
    }
}

/// BODY-004: write() past the declared length returns the error.
#[test]
fn write_past_content_length_returns_content_length_exceeded() {
    let seen = Arc::new(Mutex::new(None));
    let s = seen.clone();
    let app = rgi::app(move |_: &mut Environ, start: &mut dyn StartResponse| {
        start.start("200 OK", [("Content-Length", "3")].into())?;
        start.write(b"abc")?;
        let err = start.write(b"d").unwrap_err();
        *s.lock().unwrap() = Some(err.rule());
        Err(err.into())
    });
    let server = start(app);
    let mut c = server.connect();
    c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    let raw = String::from_utf8_lossy(&c.rest()).into_owned();
    assert!(raw.ends_with("\r\n\r\nabc"), "{raw:?}");
    assert_eq!(*seen.lock().unwrap(), Some(Some("BODY-004")));
}

/// BODY-005: a body shorter than its Content-Length closes the connection.
#[test]
fn body_shorter_than_content_length_closes_the_connection() {
    let app = rgi::app(|_: &mut Environ, start: &mut dyn StartResponse| {
        start.start("200 OK", [("Content-Length", "10")].into())?;
        Ok(Body::from("short"))
    });
    let server = start(app);
    let mut c = server.connect();
    c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
    let raw = String::from_utf8_lossy(&c.rest()).into_owned();
    assert!(raw.ends_with("\r\n\r\nshort"), "{raw:?}");
    assert_eq!(raw.matches("HTTP/1.1").count(), 1);
}

/// HTTP-021, HDR-008: a 204 goes out without the app's Content-Length.
#[test]
fn content_length_on_204_is_dropped() {
    let app = rgi::app(|_: &mut Environ, start: &mut dyn StartResponse| {
        start.start("204 No Content", [("Content-Length", "0")].into())?;
        Ok(Body::empty())
    });
    let server = start(app);
    let r = request(server.addr, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.status, 204);
    assert_eq!(r.header("content-length"), None);
}

/// START-003: `start` refuses 100-199; the application can still record a
/// final response with `start_error`, and nothing 1xx reaches the wire.
#[test]
fn a_1xx_status_is_refused_by_start() {
    let app = rgi::app(|_: &mut Environ, start: &mut dyn StartResponse| {
        for status in ["100 Continue", "101 Switching Protocols", "103 Early Hints"] {
            let refused = start.start_error(status, rgi::Headers::new());
            assert!(matches!(refused, Err(rgi::Error::InvalidStatus { .. })));
        }
        let first = start.start("103 Early Hints", rgi::Headers::new());
        assert_eq!(first.unwrap_err().rule(), Some("START-003"));
        start.start_error("200 OK", [("Content-Type", "text/plain")].into())?;
        Ok(Body::from("final"))
    });
    let server = start(app);
    let mut c = server.connect();
    c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    let r = c.response();
    assert_eq!(r.status, 200);
    assert_eq!(r.body, b"final");
    assert!(!r.closes());
}

fn counted_body(closed: &Arc<AtomicUsize>, body: Body) -> Body {
    let closed = closed.clone();
    body.on_close(move || {
        closed.fetch_add(1, Ordering::SeqCst);
    })
}

/// BODY-008: the body is dropped exactly once on every path.
#[test]
fn body_is_dropped_exactly_once_on_every_path() {
    let closed = Arc::new(AtomicUsize::new(0));
    let k = closed.clone();
    let app = rgi::app(move |env: &mut Environ, start: &mut dyn StartResponse| {
        let path = env.get_str("PATH_INFO").unwrap_or("").to_owned();
        match path.as_str() {
            "/nostart" => return Ok(counted_body(&k, Body::from("x"))),
            "/204" => start.start("204 No Content", rgi::Headers::new())?,
            "/long" => start.start("200 OK", [("Content-Length", "1")].into())?,
            _ => start.start("200 OK", rgi::Headers::new())?,
        }
        let body = match path.as_str() {
            "/stream-error" => Body::stream(vec![Ok("a"), Err(std::io::Error::other("x"))]),
            "/stream" => Body::lazy(vec!["a", "b"]),
            _ => Body::from("ab"),
        };
        Ok(counted_body(&k, body))
    });
    let server = start(app);
    let paths = ["/", "/stream", "/204", "/nostart", "/stream-error", "/long"];
    for (i, path) in paths.iter().enumerate() {
        let mut c = server.connect();
        c.send(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes());
        let _ = c.rest_after_response();
        // HEAD too.
        let mut c = server.connect();
        c.send(format!("HEAD {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes());
        let _ = c.rest();
        // The count is exact once the server finished the request, which
        // the next request on a fresh connection cannot overtake.
        let _ = request(
            server.addr,
            b"GET /sync HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        assert_eq!(closed.load(Ordering::SeqCst), 3 * (i + 1), "{path}");
    }
}

/// BODY-020: a client that goes away mid-response costs its connection
/// only: the body stops being pulled and is dropped.
#[test]
fn client_gone_mid_response_stops_the_body() {
    let closed = Arc::new(AtomicUsize::new(0));
    let pulled = Arc::new(AtomicUsize::new(0));
    let (k, p) = (closed.clone(), pulled.clone());
    let app = rgi::app(move |env: &mut Environ, start: &mut dyn StartResponse| {
        if env.get_str("PATH_INFO") == Some("/hello") {
            return hello(env, start);
        }
        start.start("200 OK", rgi::Headers::new())?;
        let p = p.clone();
        let endless = Body::lazy(std::iter::repeat_with(move || {
            p.fetch_add(1, Ordering::SeqCst);
            vec![b'z'; 65536]
        }));
        Ok(counted_body(&k, endless))
    });
    let server = start(app);
    let mut c = server.connect();
    c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    let mut buf = [0u8; 1024];
    c.reader.read_exact(&mut buf).unwrap();
    drop(c);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while closed.load(Ordering::SeqCst) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the body was never dropped"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let r = request(server.addr, b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.text(), "Hello, world!");
    assert!(pulled.load(Ordering::SeqCst) > 0);
}

/// INPUT-003, SRV-004: a client that disconnects mid-request (half a head,
/// half a body) costs nothing but its own connection.
#[test]
fn client_gone_mid_request_costs_only_its_connection() {
    let server = start(rgi::app(echo));
    for partial in [
        &b"GET / HTTP/1.1\r\nHost"[..],
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nhalf",
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
    ] {
        let mut s = TcpStream::connect(server.addr).unwrap();
        s.write_all(partial).unwrap();
        drop(s);
    }
    let r = request(
        server.addr,
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok",
    );
    assert_eq!(r.text(), "ok");
}

/// BODY-002: a streamed body is sent chunk by chunk as it is produced: the
/// next chunk is only produced after the client has received the previous
/// one (a server that held chunks back would deadlock here).
#[test]
fn streamed_chunks_are_sent_as_they_come() {
    let (got_tx, got_rx) = std::sync::mpsc::channel::<()>();
    let got_rx = Arc::new(Mutex::new(got_rx));
    let app = rgi::app(move |_: &mut Environ, start: &mut dyn StartResponse| {
        start.start("200 OK", rgi::Headers::new())?;
        let rx = got_rx.clone();
        let mut n = 0;
        Ok(Body::stream(std::iter::from_fn(move || {
            n += 1;
            if n > 3 {
                return None;
            }
            if n > 1 {
                // Wait until the client saw the previous chunk.
                let seen = rx
                    .lock()
                    .unwrap()
                    .recv_timeout(std::time::Duration::from_secs(10));
                if seen.is_err() {
                    return Some(Err(std::io::Error::other("client never saw the chunk")));
                }
            }
            Some(Ok(format!("chunk{n};")))
        })))
    });
    let server = start(app);
    let mut c = server.connect();
    c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    let mut head = String::new();
    while !head.ends_with("\r\n\r\n") {
        let mut byte = [0u8; 1];
        c.reader.read_exact(&mut byte).unwrap();
        head.push(byte[0] as char);
    }
    for n in 1..=3 {
        let expected = format!("7\r\nchunk{n};\r\n");
        let mut buf = vec![0u8; expected.len()];
        c.reader.read_exact(&mut buf).unwrap();
        assert_eq!(String::from_utf8(buf).unwrap(), expected);
        got_tx.send(()).unwrap();
    }
    let mut end = [0u8; 5];
    c.reader.read_exact(&mut end).unwrap();
    assert_eq!(&end, b"0\r\n\r\n");
}

/// BODY-019: a streamed body that yields nothing is framed as empty.
#[test]
fn an_empty_stream_gets_content_length_zero() {
    let app = rgi::app(|_: &mut Environ, start: &mut dyn StartResponse| {
        start.start("200 OK", rgi::Headers::new())?;
        Ok(Body::lazy(Vec::<&'static str>::new()))
    });
    let server = start(app);
    let r = request(server.addr, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.header("content-length"), Some("0"));
    assert_eq!(r.header("transfer-encoding"), None);
}

/// START-015: once a write failed (client gone), every later write fails.
#[test]
fn writes_after_a_failed_write_fail() {
    let results = Arc::new(Mutex::new(Vec::new()));
    let r2 = results.clone();
    let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
    let go_rx = Mutex::new(go_rx);
    let app = rgi::app(move |_: &mut Environ, start: &mut dyn StartResponse| {
        start.start("200 OK", rgi::Headers::new())?;
        start.write(b"first")?;
        let _ = go_rx
            .lock()
            .unwrap()
            .recv_timeout(std::time::Duration::from_secs(10));
        let block = vec![b'x'; 1 << 16];
        let mut log = r2.lock().unwrap();
        for _ in 0..64 {
            log.push(start.write(&block).is_ok());
        }
        Err("client gone".into())
    });
    let server = start(app);
    let mut c = server.connect();
    c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    let mut buf = [0u8; 16];
    let _ = c.reader.read(&mut buf).unwrap();
    drop(c);
    go_tx.send(()).unwrap();
    // Wait for the app to finish (the next request on a fresh connection
    // is served after it, as the app holds no lock; poll the log).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while results.lock().unwrap().len() < 64 {
        assert!(std::time::Instant::now() < deadline);
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let log = results.lock().unwrap();
    let first_failure = log.iter().position(|ok| !ok).expect("a write failed");
    assert!(log[first_failure..].iter().all(|ok| !ok), "{log:?}");
}
