//! The upgrade capability on `rgi::simple_server` over real TCP (spec
//! section 12): the 101 head, the early bytes, the connection counted while
//! taken over and closed at shutdown, and what servers without the
//! capability (the in-process test client) do.

mod server_common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use rgi::simple_server::make_server_with;
use rgi::{AppError, Body, Environ, StartResponse};
use server_common::test_config;

/// Echoes lines on the taken-over connection until the client closes it.
fn echo(env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, AppError> {
    if !env.upgrade_available() {
        start.start(
            426,
            [("Upgrade", "echo"), ("Content-Type", "text/plain")].into(),
        )?;
        return Ok(Body::from("ask for Upgrade: echo\n"));
    }
    start.start(101, [("Upgrade", "echo"), ("Connection", "upgrade")].into())?;
    Ok(Body::upgrade(|mut stream| {
        let mut buf = [0u8; 1024];
        loop {
            match stream.read(&mut buf)? {
                0 => return Ok(()),
                n => stream.write_all(&buf[..n])?,
            }
        }
    }))
}

const ASK: &[u8] = b"GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n";

/// Reads a response head; returns its lines.
fn head_lines(reader: &mut BufReader<TcpStream>) -> Vec<String> {
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).expect("a head line");
        let line = line.trim_end().to_owned();
        if line.is_empty() {
            return lines;
        }
        lines.push(line);
    }
}

#[test]
fn the_switch_sends_a_bare_101_then_the_early_bytes_reach_the_handler() {
    // UPG-001, UPG-006, UPG-007
    let server = server_common::start(rgi::app(echo));
    let stream = TcpStream::connect(server.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    // The first bytes of the new protocol travel with the request head.
    let mut first = ASK.to_vec();
    first.extend_from_slice(b"early ");
    (&stream).write_all(&first).unwrap();
    let head = head_lines(&mut reader);
    assert_eq!(head[0], "HTTP/1.1 101 Switching Protocols");
    assert!(head.iter().any(|l| l == "Upgrade: echo"), "{head:?}");
    assert!(head.iter().any(|l| l == "Connection: upgrade"), "{head:?}");
    for banned in [
        "content-length",
        "transfer-encoding",
        "connection: close",
        "connection: keep-alive",
    ] {
        assert!(
            !head
                .iter()
                .any(|l| l.to_ascii_lowercase().starts_with(banned)),
            "UPG-006: {banned} in {head:?}"
        );
    }
    (&stream).write_all(b"late").unwrap();
    let mut echoed = [0u8; 10];
    reader.read_exact(&mut echoed).unwrap();
    assert_eq!(&echoed, b"early late");
    // UPG-009: when the client closes, the handler returns and the server
    // closes the connection; no HTTP follows.
    stream.shutdown(std::net::Shutdown::Write).unwrap();
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty(), "{rest:?}");
}

#[test]
fn a_request_that_cannot_switch_is_served_as_http() {
    // UPG-001, HTTP-029: no `upgrade` option in Connection, or HTTP/1.0.
    let server = server_common::start(rgi::app(echo));
    for ask in [
        &b"GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: close\r\n\r\n"[..],
        &b"GET /echo HTTP/1.0\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n"[..],
    ] {
        let response = server_common::request(server.addr, ask);
        assert_eq!(response.status, 426, "{ask:?}");
        assert_eq!(response.header("upgrade"), Some("echo"));
    }
    // The in-process test client has no socket to hand over.
    let client = rgi::test::TestClient::new(rgi::app(echo));
    let res = client.request(
        rgi::test::TestRequest::get("/echo")
            .header("Upgrade", "echo")
            .header("Connection", "Upgrade"),
    );
    assert_eq!(res.status(), 426);
}

#[test]
fn a_taken_over_connection_is_counted_and_closed_at_shutdown() {
    // UPG-011: counted while it lives; shut down after the deadline.
    let handler_saw_end = Arc::new(AtomicBool::new(false));
    let saw = Arc::clone(&handler_saw_end);
    let app = rgi::app(move |_env: &mut Environ, start: &mut dyn StartResponse| {
        start.start(101, [("Upgrade", "echo"), ("Connection", "upgrade")].into())?;
        let saw = Arc::clone(&saw);
        Ok(Body::upgrade(move |mut stream| {
            // Blocks until the server shuts the connection down.
            let mut buf = [0u8; 16];
            while stream.read(&mut buf).unwrap_or(0) > 0 {}
            saw.store(true, Ordering::SeqCst);
            Ok(())
        }))
    });
    let config = test_config().shutdown_timeout(Duration::from_millis(300));
    let server = Arc::new(make_server_with("127.0.0.1", 0, app, config).unwrap());
    let stop = server.shutdown_handle();
    let serving = {
        let server = Arc::clone(&server);
        thread::spawn(move || server.serve_forever())
    };
    let stream = TcpStream::connect(server.server_address()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    (&stream).write_all(ASK).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    assert_eq!(
        head_lines(&mut reader)[0],
        "HTTP/1.1 101 Switching Protocols"
    );
    assert_eq!(
        server.active_connections(),
        1,
        "the upgraded connection counts"
    );
    let asked = Instant::now();
    stop.shutdown();
    serving.join().unwrap().unwrap();
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "shutdown took {:?}",
        asked.elapsed()
    );
    assert!(
        handler_saw_end.load(Ordering::SeqCst),
        "the handler's read returned"
    );
    assert_eq!(server.active_connections(), 0);
    let mut rest = Vec::new();
    let _ = reader.read_to_end(&mut rest);
    assert!(rest.is_empty());
}
