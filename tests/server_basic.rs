//! The server's basic request/response behaviour over raw TCP.

mod server_common;

use rgi::simple_server::{demo_app, make_server};
use rgi::{Body, Environ, StartResponse};
use server_common::*;

/// BODY-009, SRV-005, SRV-006: computed Content-Length, Date and Server.
#[test]
fn hello_gets_200_with_content_length_date_and_server() {
    let server = start(rgi::app(hello));
    let r = request(server.addr, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/plain"));
    assert_eq!(r.header("content-length"), Some("13"));
    assert!(r.header("date").is_some_and(|d| d.ends_with(" GMT")));
    assert!(r.header("server").is_some_and(|s| s.starts_with("rgi/")));
    assert_eq!(r.text(), "Hello, world!");
}

/// ENV-012: port 0 picks a free port; server_address() tells which.
#[test]
fn port_zero_binds_a_free_port_and_server_address_tells_it() {
    let server = make_server("127.0.0.1", 0, rgi::app(hello)).unwrap();
    assert_ne!(server.server_address().port(), 0);
}

/// HTTP-026: handle_request serves one request and says Connection: close.
#[test]
fn handle_request_serves_exactly_one_request() {
    let server = make_server("127.0.0.1", 0, rgi::app(hello)).unwrap();
    let addr = server.server_address();
    let client = std::thread::spawn(move || {
        let mut c = Client::connect(addr);
        c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
        let r = c.response();
        (r, c.is_closed())
    });
    server.handle_request().unwrap();
    let (r, closed) = client.join().unwrap();
    assert_eq!(r.status, 200);
    assert!(r.closes(), "one request only: Connection: close");
    assert!(closed);
}

/// HTTP-025: HTTP/1.1 connections stay open.
#[test]
fn keep_alive_serves_many_requests_on_one_connection() {
    let server = start(rgi::app(hello));
    let mut c = server.connect();
    for _ in 0..5 {
        c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        let r = c.response();
        assert_eq!(r.status, 200);
        assert!(!r.closes());
    }
}

/// HTTP-025, HTTP-026: Connection tokens are compared case-insensitively.
#[test]
fn connection_close_token_closes_after_the_response() {
    let server = start(rgi::app(hello));
    let mut c = server.connect();
    c.send(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: foo, Close\r\n\r\n");
    let r = c.response();
    assert!(r.closes());
    assert!(c.is_closed());
}

/// HTTP-025: HTTP/1.0 closes unless it asked for keep-alive.
#[test]
fn http10_closes_by_default_and_keeps_alive_on_request() {
    let server = start(rgi::app(hello));
    let mut c = server.connect();
    c.send(b"GET / HTTP/1.0\r\n\r\n");
    let r = c.response();
    assert!(r.closes());
    assert!(c.is_closed());

    let mut c = server.connect();
    c.send(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    let r = c.response();
    assert_eq!(r.header("connection"), Some("keep-alive"));
    c.send(b"GET / HTTP/1.0\r\n\r\n");
    assert_eq!(c.response().status, 200);
}

/// HTTP-027: pipelined requests are answered in order.
#[test]
fn pipelined_requests_are_answered_in_order() {
    let app = rgi::app(|env: &mut Environ, start: &mut dyn StartResponse| {
        let path = env.get_str("PATH_INFO").unwrap_or("").to_owned();
        start.start("200 OK", [("Content-Type", "text/plain")].into())?;
        Ok(Body::from(path))
    });
    let server = start(app);
    let mut c = server.connect();
    let mut batch = Vec::new();
    for i in 0..20 {
        batch.extend_from_slice(format!("GET /{i} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes());
    }
    c.send(&batch);
    for i in 0..20 {
        assert_eq!(c.response().text(), format!("/{i}"));
    }
}

/// BODY-006, BODY-009, HTTP-021: HEAD gets the head without body bytes; the
/// application's Content-Length is kept, none is computed.
#[test]
fn head_gets_no_body_and_keeps_only_the_apps_content_length() {
    let app = rgi::app(|env: &mut Environ, start: &mut dyn StartResponse| {
        if env.get_str("PATH_INFO") == Some("/declared") {
            start.start("200 OK", [("Content-Length", "5")].into())?;
            Ok(Body::from("12345"))
        } else {
            start.start("200 OK", [("Content-Type", "text/plain")].into())?;
            Ok(Body::from("Hello, world!"))
        }
    });
    let server = start(app);
    let mut c = server.connect();
    c.send(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n");
    let r = c.head_response();
    assert_eq!(r.header("content-length"), None);
    c.send(b"HEAD /declared HTTP/1.1\r\nHost: x\r\n\r\n");
    let r = c.head_response();
    assert_eq!(r.header("content-length"), Some("5"));
    // The next response follows immediately: no stray body bytes.
    c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(c.response().text(), "Hello, world!");
}

/// BODY-006, HTTP-021: no body (nor Content-Length) for 204 and 304.
#[test]
fn status_204_and_304_have_no_body() {
    let app = rgi::app(|env: &mut Environ, start: &mut dyn StartResponse| {
        let status = if env.get_str("PATH_INFO") == Some("/204") {
            "204 No Content"
        } else {
            "304 Not Modified"
        };
        start.start(status, rgi::Headers::new())?;
        Ok(Body::from("ignored"))
    });
    let server = start(app);
    let mut c = server.connect();
    c.send(b"GET /204 HTTP/1.1\r\nHost: x\r\n\r\nGET /304 HTTP/1.1\r\nHost: x\r\n\r\n");
    let r = c.response();
    assert_eq!(r.status, 204);
    assert_eq!(r.header("content-length"), None);
    let r = c.response();
    assert_eq!(r.status, 304);
}

/// HTTP-020, HTTP-022, BODY-014: unknown length is chunked on HTTP/1.1.
#[test]
fn unknown_length_is_chunked_on_http11() {
    let app = rgi::app(|_: &mut Environ, start: &mut dyn StartResponse| {
        start.start("200 OK", rgi::Headers::new())?;
        Ok(Body::lazy(vec!["one ", "two ", "", "three"]))
    });
    let server = start(app);
    let mut c = server.connect();
    c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    let r = c.response();
    assert_eq!(r.header("transfer-encoding"), Some("chunked"));
    assert_eq!(r.text(), "one two three");
    c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(c.response().text(), "one two three");
}

/// HTTP-019, HTTP-020: unknown length on HTTP/1.0 is close-delimited.
#[test]
fn unknown_length_is_close_delimited_on_http10() {
    let app = rgi::app(|_: &mut Environ, start: &mut dyn StartResponse| {
        start.start("200 OK", rgi::Headers::new())?;
        Ok(Body::lazy(vec!["one ", "two"]))
    });
    let server = start(app);
    let mut c = server.connect();
    c.send(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    let r = c.response();
    assert!(r.closes());
    assert_eq!(r.header("transfer-encoding"), None);
    assert_eq!(r.text(), "one two");
}

/// ENV-006, ENV-008, ENV-009, ENV-017, ENV-021, ENV-022, ENV-029, ENV-030,
/// ENV-031: the CGI keys of the environ and the rgi flags.
#[test]
fn environ_has_the_cgi_keys() {
    let app = rgi::app(|env: &mut Environ, start: &mut dyn StartResponse| {
        let mut out = String::new();
        for key in [
            "REQUEST_METHOD",
            "SCRIPT_NAME",
            "PATH_INFO",
            "QUERY_STRING",
            "REQUEST_URI",
            "SERVER_PROTOCOL",
            "SERVER_NAME",
            "SERVER_PORT",
            "REMOTE_ADDR",
            "CONTENT_TYPE",
            "CONTENT_LENGTH",
            "HTTP_X_TEST",
            "HTTP_COOKIE",
            "HTTP_X_UNDER",
            "HTTP_CONTENT_TYPE",
        ] {
            let value = env.get(key).map(|v| v.to_str_lossy().into_owned());
            out.push_str(&format!("{key}={value:?}\n"));
        }
        out.push_str(&format!(
            "multithread={} terminated={} file_wrapper={}\n",
            env.multithread(),
            env.input_terminated(),
            env.file_wrapper()
        ));
        start.start("200 OK", rgi::Headers::new())?;
        Ok(Body::from(out))
    });
    let server = start(app);
    let r = request(
        server.addr,
        b"POST /a%20b/c%2Fd?x=%20y HTTP/1.1\r\nHost: h\r\nX-Test: one\r\nx-test: two\r\n\
          Cookie: a=1\r\nCookie: b=2\r\nX_Under: evil\r\nContent-Type: text/plain\r\n\
          Content-Length: 0\r\n\r\n",
    );
    let text = r.text();
    for expected in [
        "REQUEST_METHOD=Some(\"POST\")",
        "SCRIPT_NAME=Some(\"\")",
        "PATH_INFO=Some(\"/a b/c/d\")",
        "QUERY_STRING=Some(\"x=%20y\")",
        "REQUEST_URI=Some(\"/a%20b/c%2Fd?x=%20y\")",
        "SERVER_PROTOCOL=Some(\"HTTP/1.1\")",
        "SERVER_NAME=Some(\"127.0.0.1\")",
        &format!("SERVER_PORT=Some(\"{}\")", server.addr.port()),
        "REMOTE_ADDR=Some(\"127.0.0.1\")",
        "CONTENT_TYPE=Some(\"text/plain\")",
        "CONTENT_LENGTH=Some(\"0\")",
        "HTTP_X_TEST=Some(\"one, two\")",
        "HTTP_COOKIE=Some(\"a=1; b=2\")",
        "HTTP_X_UNDER=None",
        "HTTP_CONTENT_TYPE=None",
        "multithread=true terminated=false file_wrapper=true",
    ] {
        assert!(text.contains(expected), "{expected} not in\n{text}");
    }
}

/// ENV-006, TEXT-003: PATH_INFO is percent-decoded, losslessly.
#[test]
fn path_info_decoding_is_lossless() {
    let app = rgi::app(|env: &mut Environ, start: &mut dyn StartResponse| {
        let path = env.get_bytes("PATH_INFO").unwrap_or_default().to_vec();
        start.start("200 OK", rgi::Headers::new())?;
        Ok(Body::from(path))
    });
    let server = start(app);
    let r = request(
        server.addr,
        b"GET /caf%E9/%zz/%41 HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    assert_eq!(r.body, b"/caf\xe9/%zz/A");
}

/// SRV-001: demo_app, like wsgiref's.
#[test]
fn demo_app_says_hello_and_lists_the_sorted_environ() {
    let server = start(rgi::app(demo_app));
    let r = request(server.addr, b"GET /xyz?abc HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    let text = r.text();
    assert!(text.starts_with("Hello world!\n\n"), "{text}");
    let keys: Vec<&str> = text
        .lines()
        .skip(2)
        .filter_map(|l| l.split(" = ").next())
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert!(text.contains("PATH_INFO = \"/xyz\""));
    assert!(text.contains("QUERY_STRING = \"abc\""));
}

/// START-010, BODY-001: write() data comes before the body.
#[test]
fn write_callable_sends_before_the_body() {
    let app = rgi::app(|_: &mut Environ, start: &mut dyn StartResponse| {
        start.start("200 OK", rgi::Headers::new())?;
        start.write(b"written ")?;
        Ok(Body::from("returned"))
    });
    let server = start(app);
    let r = request(server.addr, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.header("transfer-encoding"), Some("chunked"));
    assert_eq!(r.text(), "written returned");
}

/// BODY-017, BODY-018: file bodies with Content-Length (sendfile path).
#[test]
fn file_bodies_are_sent_with_content_length() {
    let path = std::env::temp_dir().join(format!("rgi-server-file-{}", std::process::id()));
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&path, &data).unwrap();
    let p = path.clone();
    let app = rgi::app(move |_: &mut Environ, start: &mut dyn StartResponse| {
        start.start("200 OK", rgi::Headers::new())?;
        Ok(Body::file(rgi::util::FileWrapper::open(&p)?))
    });
    let server = start(app);
    let mut c = server.connect();
    c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    let r = c.response();
    assert_eq!(r.header("content-length"), Some("300000"));
    assert!(r.body == data);
    c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(c.response().body == data);
    std::fs::remove_file(&path).unwrap();
}
