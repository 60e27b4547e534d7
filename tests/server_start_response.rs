//! The server's `start_response` bookkeeping, seen from outside.

mod server_common;

use std::sync::{Arc, Mutex};

use rgi::{Body, Error};
use server_common::*;

/// START-006: a refused `start` still counts as the one `start`; a second
/// `start` is refused with AlreadyStarted, and `start_error` is the way to
/// record a response instead.
#[test]
fn a_refused_start_still_counts_as_the_one_start() {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = seen.clone();
    let server = start(rgi::app(move |_env, start| {
        let first = start.start("200 OK", [("X-Bad", "a\r\nb")].into());
        let second = start.start("200 OK", [("Content-Type", "text/plain")].into());
        log.lock().unwrap().push(format!(
            "{:?} {:?}",
            first.as_ref().map_err(Error::rule),
            second.as_ref().map_err(Error::rule)
        ));
        assert!(matches!(second, Err(Error::AlreadyStarted)));
        start.start_error(
            "503 Service Unavailable",
            [("Content-Type", "text/plain")].into(),
        )?;
        Ok(Body::from("recovered"))
    }));
    let r = request(server.addr, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.status, 503);
    assert_eq!(r.text(), "recovered");
    assert_eq!(
        seen.lock().unwrap().as_slice(),
        [r#"Err(Some("HDR-002")) Err(Some("START-005"))"#]
    );
}

/// START-006, APP-005: an application that ignores the refusal and returns
/// a body gets a 500, and the bad header never reaches the wire.
#[test]
fn ignoring_a_refused_start_gives_500_without_the_bad_header() {
    let server = start(rgi::app(|_env, start| {
        let _ = start.start("200 OK", [("X-Bad", "a\r\nX-Injected: 1")].into());
        Ok(Body::from("should not be sent"))
    }));
    let r = request(server.addr, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.status, 500);
    assert!(r.header("x-injected").is_none());
    assert!(r.header("x-bad").is_none());
}

/// HDR-003 (RFC 9110 15.5.22, 7.8, 15.5.8): a 426 carries Upgrade and the
/// server adds the "upgrade" connection option; a 407 carries
/// Proxy-Authenticate; on any other status both are still refused.
#[test]
fn upgrade_on_426_and_proxy_authenticate_on_407_reach_the_client() {
    let server = start(rgi::app(|env, start| {
        let path = env.get_str("PATH_INFO").unwrap_or_default().to_owned();
        let outcome = match path.as_str() {
            "/426" => start.start(
                "426 Upgrade Required",
                [("Upgrade", "websocket"), ("Content-Type", "text/plain")].into(),
            ),
            "/407" => start.start(
                "407 Proxy Authentication Required",
                [
                    ("Proxy-Authenticate", "Basic realm=\"proxy\""),
                    ("Content-Type", "text/plain"),
                ]
                .into(),
            ),
            _ => {
                let refused = start.start("200 OK", [("Upgrade", "websocket")].into());
                assert_eq!(refused.unwrap_err().rule(), Some("HDR-003"));
                start.start_error("200 OK", [("Content-Type", "text/plain")].into())
            }
        };
        outcome?;
        Ok(Body::from("x"))
    }));
    let r = request(server.addr, b"GET /426 HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.status, 426);
    assert_eq!(r.header("upgrade"), Some("websocket"));
    assert_eq!(r.header("connection"), Some("upgrade"));
    let r = request(server.addr, b"GET /407 HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.status, 407);
    assert_eq!(
        r.header("proxy-authenticate"),
        Some("Basic realm=\"proxy\"")
    );
    let r = request(server.addr, b"GET /200 HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("upgrade"), None);
}
