//! The CGI handler under a real web server: lighttpd with mod_cgi, started on
//! a free loopback port with a generated configuration.
//!
//! Skipped (with a message) only when lighttpd is not installed and `CI` is
//! not `true`; in CI it must run (`apt-get install -y lighttpd`).

mod programs;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

fn request(port: u16, raw: &[u8]) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(raw).unwrap();
    let mut out = Vec::new();
    stream.read_to_end(&mut out).unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn cgi_hello_under_lighttpd() {
    let Some(lighttpd) = programs::lighttpd() else {
        return;
    };
    let program = programs::example_path("cgi_hello");
    let server = programs::Lighttpd::start(&lighttpd, &program, "cgi-lighttpd");

    let response = request(
        server.port,
        b"GET /cgi-bin/hello.cgi/a%20b/c?x=1&y=a%20b HTTP/1.1\r\nHost: localhost\r\n\
          Proxy: http://evil.example/\r\nConnection: close\r\n\r\n",
    );
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert!(response.contains("\r\nDate: "), "{response}");
    assert!(
        response.contains("script name: \"/cgi-bin/hello.cgi\"\n"),
        "{response}"
    );
    assert!(response.contains("path info: \"/a b/c\"\n"), "{response}");
    assert!(
        response.contains("query string: \"x=1&y=a%20b\"\n"),
        "{response}"
    );

    let response = request(
        server.port,
        b"POST /cgi-bin/hello.cgi HTTP/1.1\r\nHost: localhost\r\nContent-Length: 11\r\n\
          Content-Type: text/plain\r\nConnection: close\r\n\r\nhello world",
    );
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert!(response.contains("method: \"POST\"\n"), "{response}");
    assert!(response.contains("body: 11 bytes\n"), "{response}");

    let response = request(
        server.port,
        b"POST /cgi-bin/hello.cgi HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\
          Connection: close\r\n\r\n5\r\nhello\r\n3\r\n!!!\r\n0\r\n\r\n",
    );
    assert!(response.contains("body: 8 bytes\n"), "{response}");

    let response = request(
        server.port,
        b"HEAD /cgi-bin/hello.cgi HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert!(
        response.ends_with("\r\n\r\n"),
        "HEAD has no body: {response}"
    );

    let response = request(
        server.port,
        b"GET /cgi-bin/hello.cgi/fail HTTP/1.0\r\nHost: localhost\r\n\r\n",
    );
    assert!(
        response.starts_with("HTTP/1.0 500 Internal Server Error\r\n"),
        "{response}"
    );
    // lighttpd hands the program's stderr to its error log or its own stderr.
    let log = ["error.log", "stderr.log"]
        .map(|f| std::fs::read_to_string(server.dir.join(f)).unwrap_or_default())
        .concat();
    assert!(
        log.contains("fails on purpose"),
        "stderr reaches the error log: {log}"
    );
}
