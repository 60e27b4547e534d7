//! Request and response bytes pass through the server unchanged (TEXT-*),
//! and the flags and headers a server must leave to the application.

mod server_common;

use rgi::Body;
use server_common::*;

/// Answers with the raw bytes of one environ key.
fn key_bytes(key: &'static str) -> impl rgi::Application {
    rgi::app(move |env, start| {
        let value = env.get_bytes(key).unwrap_or(b"<absent>").to_vec();
        start.start(
            "200 OK",
            [("Content-Type", "application/octet-stream")].into(),
        )?;
        Ok(Body::from(value))
    })
}

/// TEXT-004: "." and ".." segments and repeated "/" reach PATH_INFO as sent.
#[test]
fn the_decoded_path_is_not_normalised() {
    let server = start(key_bytes("PATH_INFO"));
    let r = request(
        server.addr,
        b"GET /a/./b/../c//d/%2e%2e/e HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    assert_eq!(r.body, b"/a/./b/../c//d/../e");
}

/// TEXT-007: header values keep bytes of 0x80 and above exactly.
#[test]
fn header_values_keep_high_bytes() {
    let server = start(key_bytes("HTTP_X_NAME"));
    let r = request(
        server.addr,
        b"GET / HTTP/1.1\r\nHost: x\r\nX-Name: caf\xe9 \xc3\xa9\xff\r\n\r\n",
    );
    assert_eq!(r.body, b"caf\xe9 \xc3\xa9\xff");
}

/// TEXT-013: body bytes are opaque both ways: CR, LF, CRLF, NUL and
/// non-UTF-8 bytes are echoed exactly, with Content-Length and chunked input.
#[test]
fn body_bytes_are_passed_through_unchanged() {
    let server = start(rgi::app(echo));
    let payload: Vec<u8> = b"line\r\nbare\nlf\rcr\0nul\xff\xfe"
        .iter()
        .copied()
        .chain(0u8..=255)
        .collect();
    let mut raw = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
        payload.len()
    )
    .into_bytes();
    raw.extend_from_slice(&payload);
    assert_eq!(request(server.addr, &raw).body, payload);

    let mut chunked = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for part in payload.chunks(100) {
        chunked.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
        chunked.extend_from_slice(part);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    // INPUT-004: the application sees the same bytes whatever the framing.
    assert_eq!(request(server.addr, &chunked).body, payload);
}

/// HDR-020: a Date and a Server header given by the application are sent
/// as given, instead of the server's own, and only once.
#[test]
fn application_date_and_server_headers_are_sent_as_given() {
    let server = start(rgi::app(|_env, start| {
        start.start(
            "200 OK",
            [
                ("Content-Type", "text/plain"),
                ("Date", "Mon, 05 Jun 2006 18:49:54 GMT"),
                ("Server", "my-app/1.0"),
            ]
            .into(),
        )?;
        Ok(Body::from("x"))
    }));
    let r = request(server.addr, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    let dates: Vec<_> = r
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("date"))
        .collect();
    let servers: Vec<_> = r
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("server"))
        .collect();
    assert_eq!(dates.len(), 1, "{:?}", r.headers);
    assert_eq!(servers.len(), 1, "{:?}", r.headers);
    assert_eq!(r.header("date"), Some("Mon, 05 Jun 2006 18:49:54 GMT"));
    assert_eq!(r.header("server"), Some("my-app/1.0"));
}

/// ENV-017, ENV-018, ENV-019: simple_server runs applications on many
/// threads of one process, so multithread is true and multiprocess and
/// run_once are false.
#[test]
fn simple_server_flags_say_threads_in_one_process() {
    let server = start(rgi::app(|env, start| {
        let flags = format!(
            "multithread={} multiprocess={} run_once={}",
            env.multithread(),
            env.multiprocess(),
            env.run_once()
        );
        start.start("200 OK", [("Content-Type", "text/plain")].into())?;
        Ok(Body::from(flags))
    }));
    let r = request(server.addr, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(
        r.text(),
        "multithread=true multiprocess=false run_once=false"
    );
}

/// TEXT-006, HTTP-001: target bytes RFC 3986 does not allow are handled the
/// same way everywhere: UTF-8 and the printable ASCII characters clients
/// send raw (`"<>\^`{|}`) pass unchanged; controls, DEL, "#" and bytes that
/// are not UTF-8 get 400.
#[test]
fn target_bytes_outside_rfc3986_are_passed_or_refused_as_specified() {
    let server = start(key_bytes("REQUEST_URI"));
    for target in [&b"/caf\xc3\xa9"[..], b"/a|b{c}^d", b"/q?x=\"<>\\`"] {
        let mut raw = b"GET ".to_vec();
        raw.extend_from_slice(target);
        raw.extend_from_slice(b" HTTP/1.1\r\nHost: x\r\n\r\n");
        let r = request(server.addr, &raw);
        assert_eq!(r.status, 200, "{}", target.escape_ascii());
        assert_eq!(r.body, target);
    }
    for target in [&b"/caf\xe9"[..], b"/\xff", b"/a\x7fb", b"/a\x01b", b"/a#b"] {
        let mut raw = b"GET ".to_vec();
        raw.extend_from_slice(target);
        raw.extend_from_slice(b" HTTP/1.1\r\nHost: x\r\n\r\n");
        let r = request(server.addr, &raw);
        assert_eq!(r.status, 400, "{}", target.escape_ascii());
    }
}

/// ENV-014, ENV-016: an absolute-form target is REQUEST_URI whole (scheme
/// and authority included), and its scheme does not change url_scheme().
#[test]
fn an_absolute_form_target_is_request_uri_whole_and_keeps_the_scheme() {
    let server = start(rgi::app(|env, start| {
        let out = format!(
            "{} {}",
            env.get_str("REQUEST_URI").unwrap_or("-"),
            env.url_scheme()
        );
        start.start("200 OK", [("Content-Type", "text/plain")].into())?;
        Ok(Body::from(out))
    }));
    let r = request(
        server.addr,
        b"GET https://h.example/p%2Fq?x=1 HTTP/1.1\r\nHost: h.example\r\n\r\n",
    );
    assert_eq!(r.text(), "https://h.example/p%2Fq?x=1 http");
}
