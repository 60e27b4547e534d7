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
