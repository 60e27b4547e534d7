//! Request parsing and framing over raw TCP: the smuggling matrix of
//! rust-server-anchors §4 (one test per row), malformed heads, and limits.
//! Every refused request gets its status, `Connection: close`, a closed
//! connection, and the application is never called.

mod server_common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use rgi::{Body, Environ, StartResponse};
use server_common::*;

/// A server whose app echoes `METHOD PATH body` and counts its calls.
fn counting_server() -> (TestServer, Arc<AtomicUsize>) {
    counting_server_with(test_config())
}

fn counting_server_with(config: rgi::simple_server::Config) -> (TestServer, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let app = rgi::app(move |env: &mut Environ, start: &mut dyn StartResponse| {
        counter.fetch_add(1, Ordering::SeqCst);
        let mut body = Vec::new();
        std::io::Read::read_to_end(env.input(), &mut body)?;
        let mut out = format!(
            "{} {} ",
            env.get_str("REQUEST_METHOD").unwrap_or(""),
            env.get("PATH_INFO")
                .map(|p| p.to_str_lossy().into_owned())
                .unwrap_or_default()
        )
        .into_bytes();
        out.extend_from_slice(&body);
        start.start("200 OK", rgi::Headers::new())?;
        Ok(Body::from(out))
    });
    (start_with(app, config), calls)
}

/// Sends `raw`; asserts the refusal (status, Connection: close, closed
/// connection, app not called).
fn assert_refused(raw: &[u8], status: u16) {
    let (server, calls) = counting_server();
    assert_refused_on(&server, raw, status);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "the app must not be called"
    );
}

fn assert_refused_on(server: &TestServer, raw: &[u8], status: u16) {
    let mut c = server.connect();
    let _ = c.try_send(raw);
    let r = c.response();
    assert_eq!(r.status, status, "{}: {}", raw.escape_ascii(), r.text());
    assert!(r.closes(), "HTTP-024: Connection: close");
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    assert!(c.is_closed(), "HTTP-024: the connection is closed");
}

// ---- rust-server-anchors §4, one test per row ----

/// RUSTSEC-2020-0031 (tiny_http): whitespace before the colon. HTTP-004.
#[test]
fn rustsec_2020_0031_space_before_colon_is_400() {
    assert_refused(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
        400,
    );
}

/// CVE-2026-66752 (tiny_http): any TE value taken as chunked. HTTP-012.
#[test]
fn cve_2026_66752_final_coding_other_than_chunked_is_400() {
    for te in ["gzip", "chunked, gzip", "xchunked", "chunked;q=1", ""] {
        let raw = format!("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: {te}\r\n\r\n");
        assert_refused(raw.as_bytes(), 400);
    }
}

/// CVE-2026-66752: a known-but-unsupported coding before chunked. HTTP-012.
#[test]
fn cve_2026_66752_other_coding_before_chunked_is_501() {
    assert_refused(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
        501,
    );
}

/// CVE-2026-66752: trailing whitespace is not part of a field value
/// (RFC 9110 §5.5), so `chunked<TAB>` is chunked, decoded as such. HTTP-012.
#[test]
fn cve_2026_66752_chunked_with_trailing_whitespace_is_chunked() {
    let (server, _) = counting_server();
    let r = request(
        server.addr,
        b"POST /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\t\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    );
    assert_eq!(r.text(), "POST /p abc");
}

/// CVE-2026-66753 / RUSTSEC-2017-0002 / RUSTSEC-2024-0009: CR, LF or NUL
/// in a response header value, or a bad name, never reaches the wire.
/// HDR-001, HDR-002.
#[test]
fn cve_2026_66753_response_header_injection_is_refused_with_500() {
    for (name, value) in [
        ("X-Bad", "a\r\nSet-Cookie: evil=1"),
        ("X-Bad", "a\nb"),
        ("X-Bad", "a\0b"),
        ("X-Bad", "a\rb"),
        ("Bad Name", "v"),
        ("Bad\r\nName", "v"),
    ] {
        let app = rgi::app(move |_: &mut Environ, start: &mut dyn StartResponse| {
            let headers = rgi::Headers::from(vec![(name.to_owned(), value.to_owned())]);
            start.start("200 OK", headers)?;
            Ok(Body::from("unreachable"))
        });
        let server = start(app);
        let mut c = server.connect();
        c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        let r = c.response();
        assert_eq!(r.status, 500);
        assert!(r
            .headers
            .iter()
            .all(|(n, _)| !n.contains("Set-Cookie") && n != "X-Bad"));
        assert!(!r.text().contains("unreachable"));
        // The server keeps serving on the same connection.
        c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(c.response().status, 500);
    }
}

/// RUSTSEC-2017-0002: a newline in the status reason is refused too.
/// START-003.
#[test]
fn rustsec_2017_0002_newline_in_status_is_refused_with_500() {
    let app = rgi::app(|_: &mut Environ, start: &mut dyn StartResponse| {
        start.start("200 OK\r\nX-Injected: 1", rgi::Headers::new())?;
        Ok(Body::empty())
    });
    let server = start(app);
    let r = request(server.addr, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.status, 500);
    assert_eq!(r.header("x-injected"), None);
}

/// RUSTSEC-2020-0008 (hyper): a GET without CL/TE has an empty body; the
/// bytes after its head are the next request. HTTP-013.
#[test]
fn rustsec_2020_0008_bytes_after_a_bodyless_request_are_the_next_request() {
    let (server, calls) = counting_server();
    let mut c = server.connect();
    c.send(b"GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(c.response().text(), "GET /first ");
    assert_eq!(c.response().text(), "GET /second ");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

/// RUSTSEC-2021-0020 (hyper): several TE lines are one list. HTTP-012.
#[test]
fn rustsec_2021_0020_multiple_transfer_encoding_lines_are_combined() {
    assert_refused(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n",
        400,
    );
    assert_refused(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
        400,
    );
}

/// RUSTSEC-2021-0078 (hyper): lenient Content-Length grammar. HTTP-010.
#[test]
fn rustsec_2021_0078_malformed_content_length_is_400() {
    for cl in [
        "+5",
        "-1",
        "0x10",
        "5 5",
        "5,6",
        "5, 5",
        "",
        "18446744073709551616",
        "1e3",
    ] {
        let raw = format!("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {cl}\r\n\r\nhello");
        assert_refused(raw.as_bytes(), 400);
    }
}

/// RUSTSEC-2021-0078: duplicate Content-Length lines must agree. HTTP-010.
#[test]
fn rustsec_2021_0078_duplicate_content_lengths_must_agree() {
    assert_refused(
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
        400,
    );
    let (server, _) = counting_server();
    let r = request(
        server.addr,
        b"POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\nhello",
    );
    assert_eq!(r.text(), "POST /p hello");
}

/// RUSTSEC-2021-0079 (hyper): chunk-size overflow. HTTP-014.
#[test]
fn rustsec_2021_0079_chunk_size_overflow_is_400_and_close() {
    for size in ["f0000000000000003", "100000000000000000000"] {
        let raw = format!(
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n{size}\r\nabc\r\n0\r\n\r\n"
        );
        let (server, _) = counting_server();
        assert_refused_on(&server, raw.as_bytes(), 400);
    }
}

/// RUSTSEC-2020-0093 (async-h1): a large unread body is never parsed as
/// requests: past the drain cap the connection closes. INPUT-010.
#[test]
fn rustsec_2020_0093_unread_large_body_is_not_parsed_as_requests() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let app = rgi::app(move |_: &mut Environ, start: &mut dyn StartResponse| {
        counter.fetch_add(1, Ordering::SeqCst);
        start.start("200 OK", rgi::Headers::new())?;
        Ok(Body::from("ignored the body"))
    });
    let server = start(app);
    let mut smuggled = Vec::new();
    while smuggled.len() < 100_000 {
        smuggled.extend_from_slice(b"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n");
    }
    let mut c = server.connect();
    c.send(
        format!(
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
            smuggled.len()
        )
        .as_bytes(),
    );
    let _ = c.try_send(&smuggled);
    let r = c.response();
    assert_eq!(r.status, 200);
    assert!(r.closes(), "HTTP-026: the server says it will close");
    assert!(c.is_closed());
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

/// RUSTSEC-2025-0037 (pingora): a small unread body is drained before the
/// connection is reused; its bytes are not a request. INPUT-010, SRV-010.
#[test]
fn rustsec_2025_0037_small_unread_body_is_drained_before_reuse() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let app = rgi::app(move |env: &mut Environ, start: &mut dyn StartResponse| {
        counter.fetch_add(1, Ordering::SeqCst);
        let path = env.get_str("PATH_INFO").unwrap_or("").to_owned();
        start.start("200 OK", rgi::Headers::new())?;
        Ok(Body::from(path))
    });
    let server = start(app);
    let mut c = server.connect();
    let body = b"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
    c.send(
        format!(
            "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    c.send(body);
    c.send(b"GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(c.response().text(), "/a");
    assert_eq!(c.response().text(), "/b");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    // Chunked too.
    c.send(b"POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    c.send(format!("{:x}\r\n", body.len()).as_bytes());
    c.send(body);
    c.send(b"\r\n0\r\n\r\nGET /d HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(c.response().text(), "/c");
    assert_eq!(c.response().text(), "/d");
}

/// RUSTSEC-2026-0033 (pingora): Upgrade never switches protocols; the
/// request is ordinary and the bytes after it are the next request.
/// HTTP-029.
#[test]
fn rustsec_2026_0033_upgrade_is_an_ordinary_request() {
    let (server, _) = counting_server();
    let mut c = server.connect();
    c.send(b"GET /up HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n");
    let r = c.response();
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "GET /up ");
    assert_eq!(c.response().text(), "GET /next ");
}

/// RUSTSEC-2026-0034 (pingora): TE on HTTP/1.0 is refused. HTTP-011.
#[test]
fn rustsec_2026_0034_transfer_encoding_on_http10_is_400() {
    assert_refused(
        b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        400,
    );
}

/// RUSTSEC-2026-0034: request bodies are never close-delimited: an
/// HTTP/1.0 POST without Content-Length has an empty body. HTTP-013.
#[test]
fn rustsec_2026_0034_http10_body_is_never_close_delimited() {
    let (server, _) = counting_server();
    let mut c = server.connect();
    c.send(b"POST /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /b HTTP/1.0\r\n\r\n");
    assert_eq!(c.response().text(), "POST /a ");
    assert_eq!(c.response().text(), "GET /b ");
}

/// RUSTSEC-2021-0081 (actix): both TE and CL. HTTP-009.
#[test]
fn rustsec_2021_0081_transfer_encoding_with_content_length_is_400() {
    assert_refused(
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        400,
    );
    assert_refused(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
        400,
    );
}

// ---- malformed heads ----

/// HTTP-004: obs-fold in a request.
#[test]
fn obs_fold_is_400() {
    assert_refused(b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", 400);
}

/// HTTP-004: NUL and bare CR in a header value.
#[test]
fn nul_and_bare_cr_in_the_head_are_400() {
    assert_refused(b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n", 400);
    assert_refused(b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", 400);
}

/// HTTP-001, HTTP-004: lines end with CRLF; a bare LF (which RFC 9112 2.2
/// lets a recipient accept) is refused, on the request line and in a field.
#[test]
fn bare_lf_in_the_head_is_400() {
    assert_refused(b"GET / HTTP/1.1\nHost: x\n\n", 400);
    assert_refused(b"GET / HTTP/1.1\r\nHost: x\n\r\n", 400);
}

/// HTTP-001: extra spaces, missing parts, invalid characters.
#[test]
fn malformed_request_lines_are_400() {
    for line in [
        "GET  / HTTP/1.1",
        "GET / HTTP/1.1 extra",
        "GET /",
        "GET",
        "G(T / HTTP/1.1",
        "GET /a b HTTP/1.1",
        "GET\t/ HTTP/1.1",
    ] {
        let raw = format!("{line}\r\nHost: x\r\n\r\n");
        assert_refused(raw.as_bytes(), 400);
    }
}

/// HTTP-003: an unsupported well-formed version is 505, a malformed one 400.
/// (HTTP/1.2 was 505 until HTTP-003 followed RFC 9110 2.5: see below.)
#[test]
fn unsupported_version_is_505_and_malformed_version_is_400() {
    assert_refused(b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505);
    assert_refused(b"GET / HTTP/0.9\r\nHost: x\r\n\r\n", 505);
    assert_refused(b"GET / HTTP/1.x\r\nHost: x\r\n\r\n", 400);
    // RFC 9112: HTTP-version is "HTTP/" DIGIT "." DIGIT; "HTTP/2" is malformed.
    assert_refused(b"GET / HTTP/2\r\nHost: x\r\n\r\n", 400);
    assert_refused(b"GET / HTTP/1\r\nHost: x\r\n\r\n", 400);
    assert_refused(b"GET / FTP/1.1\r\nHost: x\r\n\r\n", 400);
}

/// HTTP-003, ENV-013 (RFC 9110 2.5, RFC 9112 2.3): HTTP/1.x with x > 1 is
/// served as HTTP/1.1: Host required, keep-alive by default, chunked
/// responses, and `SERVER_PROTOCOL` "HTTP/1.1".
#[test]
fn a_higher_minor_version_is_served_as_http11() {
    let server = start(rgi::app(
        |env: &mut Environ, start: &mut dyn StartResponse| {
            let protocol = env.get_str("SERVER_PROTOCOL").unwrap_or("-").to_owned();
            start.start("200 OK", [("Content-Type", "text/plain")].into())?;
            Ok(Body::from_chunks([protocol]))
        },
    ));
    let mut c = server.connect();
    c.send(b"GET / HTTP/1.2\r\nHost: x\r\n\r\nGET / HTTP/1.9\r\nHost: x\r\n\r\n");
    for _ in 0..2 {
        let r = c.response();
        assert_eq!(r.status, 200);
        assert_eq!(r.text(), "HTTP/1.1");
        assert!(!r.closes());
    }
    // Still HTTP/1.1 rules: a Host is required (HTTP-005).
    let (server, _) = counting_server();
    assert_refused_on(&server, b"GET / HTTP/1.3\r\n\r\n", 400);
}

/// HTTP-030 (RFC 9112 3): a method longer than the server's limit is 501;
/// one at the limit reaches the application.
#[test]
fn an_over_long_method_is_501() {
    let (server, calls) = counting_server_with(test_config().max_method_bytes(8));
    assert_refused_on(&server, b"ABCDEFGHI / HTTP/1.1\r\nHost: x\r\n\r\n", 501);
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    let r = request(server.addr, b"ABCDEFGH / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "ABCDEFGH / ");
    let long = format!("{} / HTTP/1.1\r\nHost: x\r\n\r\n", "M".repeat(33));
    assert_refused(long.as_bytes(), 501);
}

/// HTTP-001: a request target carrying a fragment ("#") is refused, so a
/// fragment never reaches PATH_INFO or QUERY_STRING.
#[test]
fn a_fragment_in_the_request_target_is_400() {
    assert_refused(b"GET /env#frag HTTP/1.1\r\nHost: x\r\n\r\n", 400);
    assert_refused(b"GET /env?q=1#frag HTTP/1.1\r\nHost: x\r\n\r\n", 400);
}

/// HTTP-002: empty lines before a request line are ignored.
#[test]
fn empty_lines_before_the_request_line_are_ignored() {
    let (server, _) = counting_server();
    let mut c = server.connect();
    c.send(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(c.response().text(), "GET /a ");
    assert_eq!(c.response().text(), "GET /b ");
}

/// HTTP-005: an HTTP/1.1 request needs exactly one valid Host.
#[test]
fn missing_repeated_or_invalid_host_is_400() {
    assert_refused(b"GET / HTTP/1.1\r\n\r\n", 400);
    assert_refused(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400);
    assert_refused(b"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400);
    assert_refused(b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400);
}

/// HTTP-005 (RFC 9112 3.2): more than one Host, or an invalid one, is 400 on
/// every version, HTTP/1.0 included (it would otherwise become HTTP_HOST
/// "a, b"); an HTTP/1.0 request may still leave Host out.
#[test]
fn repeated_or_invalid_host_is_400_on_http10_too() {
    assert_refused(b"GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400);
    assert_refused(b"GET / HTTP/1.0\r\nHost: a:b\r\n\r\n", 400);
    assert_refused(b"GET / HTTP/1.0\r\nHost: [::1\r\n\r\n", 400);
    let (server, _) = counting_server();
    let r = request(server.addr, b"GET /ok HTTP/1.0\r\n\r\n");
    assert_eq!(r.status, 200);
}

/// HTTP-006, HTTP-005 (RFC 9112 3.2.2): with an absolute-form target the
/// Host field is still required and checked, but its value is ignored: the
/// target's authority is HTTP_HOST even when they disagree.
#[test]
fn an_absolute_form_authority_wins_over_a_disagreeing_host() {
    let app = rgi::app(|env: &mut Environ, start: &mut dyn StartResponse| {
        let host = env.get_str("HTTP_HOST").unwrap_or("-").to_owned();
        start.start("200 OK", rgi::Headers::new())?;
        Ok(Body::from(host))
    });
    let server = start(app);
    let r = request(
        server.addr,
        b"GET http://target.example:8080/p HTTP/1.1\r\nHost: other.example\r\n\r\n",
    );
    assert_eq!(r.text(), "target.example:8080");
    let (server, _) = counting_server();
    assert_refused_on(&server, b"GET http://t.example/p HTTP/1.1\r\n\r\n", 400);
    assert_refused_on(
        &server,
        b"GET http://t.example:x/p HTTP/1.1\r\nHost: t.example\r\n\r\n",
        400,
    );
}

/// HTTP-006: absolute-form is accepted; its authority replaces Host.
#[test]
fn absolute_form_target_gives_path_and_host() {
    let app = rgi::app(|env: &mut Environ, start: &mut dyn StartResponse| {
        let out = format!(
            "{} {} {}",
            env.get_str("PATH_INFO").unwrap_or("-"),
            env.get_str("QUERY_STRING").unwrap_or("-"),
            env.get_str("HTTP_HOST").unwrap_or("-")
        );
        start.start("200 OK", rgi::Headers::new())?;
        Ok(Body::from(out))
    });
    let server = start(app);
    let r = request(
        server.addr,
        b"GET http://example.com:8080/p/q?x=1 HTTP/1.1\r\nHost: other\r\n\r\n",
    );
    assert_eq!(r.text(), "/p/q x=1 example.com:8080");
}

/// HTTP-006, ENV-005: `*` only with OPTIONS (PATH_INFO "*"); CONNECT 501;
/// other forms 400.
#[test]
fn asterisk_connect_and_other_target_forms() {
    let (server, _) = counting_server();
    let r = request(server.addr, b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.text(), "OPTIONS * ");
    assert_refused(b"GET * HTTP/1.1\r\nHost: x\r\n\r\n", 400);
    assert_refused(
        b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
        501,
    );
    assert_refused(b"GET relative/path HTTP/1.1\r\nHost: x\r\n\r\n", 400);
}

/// HTTP-016: an unknown expectation is 417 on HTTP/1.1, ignored on 1.0.
#[test]
fn unknown_expectation_is_417_and_ignored_on_http10() {
    assert_refused(b"GET / HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n\r\n", 417);
    let (server, _) = counting_server();
    let r = request(server.addr, b"GET /a HTTP/1.0\r\nExpect: teapot\r\n\r\n");
    assert_eq!(r.status, 200);
}

// ---- limits ----

/// HTTP-007: a request target over the limit is 414.
#[test]
fn long_request_target_is_414() {
    let target = "/".to_owned() + &"a".repeat(9000);
    assert_refused(
        format!("GET {target} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(),
        414,
    );
    // Refused before the head is complete, too.
    let (server, _) = counting_server();
    assert_refused_on(&server, format!("GET {target}").as_bytes(), 414);
}

/// HTTP-007: a header section over the limit is 431.
#[test]
fn oversized_head_is_431() {
    let big = "x".repeat(70 * 1024);
    assert_refused(
        format!("GET / HTTP/1.1\r\nHost: x\r\nX-Big: {big}\r\n\r\n").as_bytes(),
        431,
    );
}

/// HTTP-007: more header fields than the limit is 431.
#[test]
fn too_many_headers_is_431() {
    let mut raw = String::from("GET / HTTP/1.1\r\nHost: x\r\n");
    for i in 0..101 {
        raw.push_str(&format!("X-H{i}: v\r\n"));
    }
    raw.push_str("\r\n");
    assert_refused(raw.as_bytes(), 431);
}

/// HTTP-008: the limits are configurable (and documented on Config).
#[test]
fn limits_are_configurable() {
    let config = test_config().max_headers(3).max_target_bytes(16);
    let (server, _) = counting_server_with(config);
    assert_refused_on(
        &server,
        b"GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
        431,
    );
    assert_refused_on(
        &server,
        b"GET /0123456789abcdef HTTP/1.1\r\nHost: x\r\n\r\n",
        414,
    );
    let r = request(server.addr, b"GET /short HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.status, 200);
}

/// HTTP-018: a Content-Length over the body limit is 413 before the app.
#[test]
fn content_length_over_the_body_limit_is_413() {
    let (server, calls) = counting_server_with(test_config().max_body_bytes(10));
    assert_refused_on(
        &server,
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world",
        413,
    );
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

/// HTTP-018: a chunked body over the limit fails the read; 413, close.
#[test]
fn chunked_body_over_the_body_limit_is_413() {
    let (server, _) = counting_server_with(test_config().max_body_bytes(10));
    assert_refused_on(
        &server,
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nhello \r\n6\r\nworld!\r\n0\r\n\r\n",
        413,
    );
}

/// INPUT-003, HTTP-018: the read that passes the limit fails with
/// InvalidData carrying `rgi::Error::BodyTooLarge`, so an application can
/// tell it from a broken upload; passing it up with `?` gives 413.
#[test]
fn the_too_large_read_error_is_named() {
    let seen = Arc::new(std::sync::Mutex::new(String::new()));
    let log = seen.clone();
    let app = rgi::app(move |env: &mut Environ, start: &mut dyn StartResponse| {
        let mut body = Vec::new();
        let err = std::io::Read::read_to_end(env.input(), &mut body).unwrap_err();
        *log.lock().unwrap() = format!(
            "{:?} {:?}",
            err.kind(),
            rgi::Error::in_io(&err).and_then(rgi::Error::rule)
        );
        assert!(matches!(
            rgi::Error::in_io(&err),
            Some(rgi::Error::BodyTooLarge { limit: 10 })
        ));
        start.start("200 OK", rgi::Headers::new())?;
        Err(err.into())
    });
    let server = start_with(app, test_config().max_body_bytes(10));
    assert_refused_on(
        &server,
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nhello \r\n6\r\nworld!\r\n0\r\n\r\n",
        413,
    );
    assert_eq!(
        seen.lock().unwrap().as_str(),
        r#"InvalidData Some("HTTP-018")"#
    );
}

/// Sends a `len`-byte Content-Length upload that the application never
/// reads, the whole body before reading the answer, as a proxy does; returns
/// the response and whether every body byte was accepted.
fn unread_upload(config: rgi::simple_server::Config, len: usize) -> (Response, bool) {
    let server = start_with(
        rgi::app(|_env: &mut Environ, start: &mut dyn StartResponse| {
            start.start("200 OK", [("Content-Type", "text/plain")].into())?;
            Ok(Body::from("ignored your upload\n"))
        }),
        config,
    );
    let mut c = server.connect();
    c.send(format!("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {len}\r\n\r\n").as_bytes());
    let mut writer = c.reader.get_ref().try_clone().unwrap();
    let sender = std::thread::spawn(move || {
        let block = vec![b'x'; 64 * 1024];
        let mut left = len;
        while left > 0 {
            let n = left.min(block.len());
            std::io::Write::write_all(&mut writer, &block[..n])?;
            left -= n;
        }
        Ok::<(), std::io::Error>(())
    });
    let r = c.response();
    let sent = sender.join().unwrap();
    (r, sent.is_ok())
}

/// HTTP-031, HTTP-032, HTTP-026 (RFC 9112 9.6): an unread body over the
/// keep-alive drain limit is announced with Connection: close, and the
/// staged close (FIN, then discarding up to `max_linger_bytes`) swallows the
/// rest, so a client that sends a 24 MiB body before reading sees no reset
/// (behind nginx, a reset made it answer 502 and mark the backend down).
#[test]
fn an_unread_large_body_is_discarded_during_the_staged_close() {
    let (r, all_sent) = unread_upload(test_config().max_linger_bytes(32 << 20), 24 << 20);
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "ignored your upload\n");
    assert!(r.closes(), "HTTP-026: the close is announced");
    assert!(all_sent, "HTTP-031: the body was cut off by a reset");
    // The default covers the nginx case of a 4 MiB upload (HTTP-032).
    let defaults = rgi::simple_server::Config::default();
    assert_eq!(defaults.get_max_linger_bytes(), 16 << 20);
    let (r, all_sent) = unread_upload(test_config(), 4 << 20);
    assert_eq!(r.status, 200);
    assert!(all_sent);
}

/// HTTP-033 (RFC 9112 9.6): after a request with "Connection: close" the
/// server processes no further request on the connection, even one it has
/// already read ahead (HTTP-027): the pipelined second request is never
/// answered and never reaches the application.
#[test]
fn no_request_is_processed_after_connection_close() {
    let (server, calls) = counting_server();
    let mut c = server.connect();
    c.send(b"GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n");
    let r = c.response();
    assert_eq!(r.text(), "GET /a ");
    assert!(r.closes());
    assert!(c.is_closed(), "nothing follows the first response");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

/// HTTP-014: malformed chunked framing fails the read; 400, close.
#[test]
fn malformed_chunked_bodies_are_400() {
    for body in [
        "5\nhello\r\n0\r\n\r\n",
        "5\r\nhelloX\r\n0\r\n\r\n",
        "0x5\r\nhello\r\n0\r\n\r\n",
        "5 \r\nhello\r\n0\r\n\r\n",
        "5;a\nb\r\nhello\r\n0\r\n\r\n",
        "-5\r\nhello\r\n0\r\n\r\n",
        "5\r\nhello\r\n0\r\nX: y\n\r\n",
    ] {
        let raw = format!("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n{body}");
        let (server, _) = counting_server();
        assert_refused_on(&server, raw.as_bytes(), 400);
    }
}

/// HTTP-007: up to the header limit (100 by default), more than fit the
/// server's small inline table, are accepted.
#[test]
fn many_headers_under_the_limit_are_accepted() {
    let mut raw = String::from("GET /many HTTP/1.1\r\nHost: x\r\n");
    for i in 0..99 {
        raw.push_str(&format!("X-H{i}: v{i}\r\n"));
    }
    raw.push_str("\r\n");
    let (server, calls) = counting_server();
    let r = request(server.addr, raw.as_bytes());
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "GET /many ");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

/// HTTP-024: after refusing a request whose body is still arriving, the
/// server closes gracefully (FIN, then discards input for a moment), so the
/// client reads the error instead of a connection reset.
#[test]
fn refusal_while_the_body_streams_in_still_reaches_the_client() {
    let (server, _) = counting_server_with(test_config().max_body_bytes(1000));
    let mut c = server.connect();
    c.send(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 300000\r\n\r\n");
    let mut writer = c.reader.get_ref().try_clone().unwrap();
    let sender = std::thread::spawn(move || {
        let block = [b'x'; 1000];
        for _ in 0..300 {
            if std::io::Write::write_all(&mut writer, &block).is_err() {
                break;
            }
        }
    });
    let r = c.response();
    assert_eq!(r.status, 413);
    assert!(r.closes());
    sender.join().unwrap();
}
