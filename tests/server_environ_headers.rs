//! How request headers reach the environ (ENV-029 to ENV-031), over raw TCP.

mod server_common;

use rgi::Body;
use server_common::*;

/// An app that answers with every HTTP_* key and value, sorted, one a line.
fn http_keys() -> impl rgi::Application {
    rgi::app(|env, start| {
        let mut lines: Vec<String> = env
            .sorted()
            .into_iter()
            .filter(|(k, _)| k.starts_with("HTTP_"))
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        lines.push(String::new());
        start.start("200 OK", [("Content-Type", "text/plain")].into())?;
        Ok(Body::from(lines.join("\n")))
    })
}

/// ENV-029: letters, digits and "-" map to HTTP_ + upper case with "_".
#[test]
fn header_names_map_to_upper_case_http_keys() {
    let server = start(http_keys());
    let r = request(
        server.addr,
        b"GET / HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nX-Custom-2: v\r\n\r\n",
    );
    assert_eq!(
        r.text(),
        "HTTP_ACCEPT_ENCODING=gzip\nHTTP_HOST=x\nHTTP_X_CUSTOM_2=v\n"
    );
}

/// ENV-030: names with "_" or other token punctuation are dropped, so
/// `X_User` cannot pose as `X-User` and no key outside ENV-034's alphabet
/// appears.
#[test]
fn header_names_with_underscore_or_punctuation_are_dropped() {
    let server = start(http_keys());
    let r = request(
        server.addr,
        b"GET / HTTP/1.1\r\nHost: x\r\nX_User: evil\r\nX-User: real\r\nX-Weird!#Name: 1\r\nX.Dot: 2\r\n\r\n",
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "HTTP_HOST=x\nHTTP_X_USER=real\n");
}

/// ENV-031: repeated headers join with ", " in arrival order; Cookie with "; ".
#[test]
fn repeated_headers_are_joined_in_order() {
    let server = start(http_keys());
    let r = request(
        server.addr,
        b"GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nCookie: a=1\r\nx-a: 2\r\nCookie: b=2\r\n\r\n",
    );
    assert_eq!(
        r.text(),
        "HTTP_COOKIE=a=1; b=2\nHTTP_HOST=x\nHTTP_X_A=1, 2\n"
    );
}

/// ENV-038 (RFC 9110 7.6.1): a field named by a connection option is
/// hop-by-hop and never reaches the environ; ENV-033's fields and Host stay
/// (for information), whatever Connection names.
#[test]
fn fields_named_in_connection_are_dropped() {
    let server = start(http_keys());
    let r = request(
        server.addr,
        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: X-Hop, keep-alive\r\nconnection: Host, TE\r\nX-Hop: 1\r\nX-End: 2\r\nTE: trailers\r\nKeep-Alive: timeout=5\r\n\r\n",
    );
    assert_eq!(
        r.text(),
        "HTTP_CONNECTION=X-Hop, keep-alive, Host, TE\nHTTP_HOST=x\nHTTP_KEEP_ALIVE=timeout=5\nHTTP_TE=trailers\nHTTP_X_END=2\n"
    );
}
