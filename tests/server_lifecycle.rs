//! Connection lifecycle over raw TCP: timeouts (slow clients, idle
//! keep-alive), the connection cap with idle eviction, graceful shutdown,
//! many concurrent keep-alive clients.

mod server_common;

use std::io::Write;
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rgi::{Body, Environ, StartResponse};
use server_common::*;

/// HTTP-028: the head has one deadline, however slowly it trickles in: a
/// client sending a byte every 50 ms gets 408 and is closed.
#[test]
fn slow_byte_client_gets_408_at_the_head_deadline() {
    let server = start_with(
        rgi::app(hello),
        test_config().head_timeout(Duration::from_millis(300)),
    );
    let mut c = server.connect();
    let mut writer = c.reader.get_ref().try_clone().unwrap();
    let trickle = std::thread::spawn(move || {
        let head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: "
            .iter()
            .chain([b'a'; 10_000].iter());
        for byte in head {
            if writer.write_all(&[*byte]).is_err() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    });
    let r = c.response();
    assert_eq!(r.status, 408);
    assert!(r.closes());
    assert!(c.is_closed());
    assert!(trickle.join().unwrap(), "the server closed the connection");
}

/// HTTP-028: an idle keep-alive connection is closed after its timeout,
/// silently (no 408 for a connection that sent nothing).
#[test]
fn idle_keep_alive_connection_is_closed_after_its_timeout() {
    let server = start_with(
        rgi::app(hello),
        test_config().keep_alive_timeout(Duration::from_millis(200)),
    );
    let mut c = server.connect();
    c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(c.response().status, 200);
    assert!(c.rest().is_empty(), "closed without another byte");
    // A connection that never sends anything is closed the same way.
    let mut quiet = server.connect();
    assert!(quiet.rest().is_empty());
}

/// SRV-012: at the cap, idle keep-alive connections are closed first to
/// make room for new ones.
#[test]
fn connection_cap_closes_idle_connections_first() {
    let server = start_with(rgi::app(hello), test_config().max_connections(2));
    let mut idle: Vec<Client> = (0..2).map(|_| server.connect()).collect();
    for c in &mut idle {
        c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(c.response().status, 200);
    }
    // Both slots are taken by idle connections; a third client is served.
    let r = request(server.addr, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.status, 200);
    let mut closed = 0;
    for c in &mut idle {
        c.reader
            .get_ref()
            .set_read_timeout(Some(Duration::from_millis(300)))
            .unwrap();
        closed += usize::from(c.is_closed());
    }
    assert!(closed >= 1, "an idle connection made room");
}

/// SRV-012: at the cap with no idle connection, a new connection waits
/// (no thread beyond the cap) and is served once a slot frees up.
#[test]
fn connection_cap_makes_new_connections_wait() {
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let release_rx = Arc::new(Mutex::new(release_rx));
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (r2, m2) = (running.clone(), most.clone());
    let app = rgi::app(move |env: &mut Environ, start: &mut dyn StartResponse| {
        let now = r2.fetch_add(1, Ordering::SeqCst) + 1;
        m2.fetch_max(now, Ordering::SeqCst);
        if env.get_str("PATH_INFO") == Some("/block") {
            let _ = release_rx
                .lock()
                .unwrap()
                .recv_timeout(Duration::from_secs(10));
        }
        r2.fetch_sub(1, Ordering::SeqCst);
        hello(env, start)
    });
    let server = start_with(app, test_config().max_connections(1));
    let mut first = server.connect();
    first.send(b"GET /block HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    while running.load(Ordering::SeqCst) == 0 {
        std::thread::sleep(Duration::from_millis(2));
    }
    let addr = server.addr;
    let second = std::thread::spawn(move || {
        request(
            addr,
            b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .status
    });
    release_tx.send(()).unwrap();
    assert_eq!(first.response().status, 200);
    assert_eq!(second.join().unwrap(), 200);
    assert_eq!(
        most.load(Ordering::SeqCst),
        1,
        "never more than the cap at once"
    );
}

/// An app that answers hello once released, or after `wait`; with the
/// flag it sets on entry and the sender that releases it.
fn blocking_hello(wait: Duration) -> (impl rgi::Application, Arc<AtomicBool>, mpsc::Sender<()>) {
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let release_rx = Mutex::new(release_rx);
    let entered = Arc::new(AtomicBool::new(false));
    let flag = entered.clone();
    let app = rgi::app(move |env: &mut Environ, start: &mut dyn StartResponse| {
        flag.store(true, Ordering::SeqCst);
        let _ = release_rx.lock().unwrap().recv_timeout(wait);
        hello(env, start)
    });
    (app, entered, release_tx)
}

/// Waits until the app behind `entered` is running.
fn wait_until_entered(entered: &AtomicBool) {
    while !entered.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// SRV-013, HTTP-026: shutdown lets the in-flight request finish (its
/// response says Connection: close), then serve_forever returns.
#[test]
fn graceful_shutdown_finishes_the_in_flight_request() {
    let (app, entered, release_tx) = blocking_hello(Duration::from_secs(10));
    let server = start(app);
    let mut c = server.connect();
    c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    wait_until_entered(&entered);
    server.handle.shutdown();
    release_tx.send(()).unwrap();
    let r = c.response();
    assert_eq!(r.text(), "Hello, world!");
    assert!(r.closes());
    assert!(c.is_closed());
    server.stop().unwrap();
}

/// SRV-013: shutdown closes idle keep-alive connections and returns.
#[test]
fn shutdown_closes_idle_connections_and_returns() {
    let server = start(rgi::app(hello));
    let mut c = server.connect();
    c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(c.response().status, 200);
    let addr = server.addr;
    server.stop().unwrap();
    assert!(c.is_closed());
    // The listening socket is closed: new connections are refused.
    assert!(TcpStream::connect(addr).is_err());
}

/// SRV-013: a request stuck past the shutdown deadline does not keep
/// serve_forever from returning.
#[test]
fn shutdown_deadline_bounds_a_stuck_request() {
    let (app, entered, release_tx) = blocking_hello(Duration::from_secs(20));
    let server = start_with(
        app,
        test_config().shutdown_timeout(Duration::from_millis(200)),
    );
    let mut c = server.connect();
    c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    wait_until_entered(&entered);
    server.stop().unwrap();
    // serve_forever returned although the app is still blocked.
    assert!(c.is_closed(), "the stuck connection was closed");
    release_tx.send(()).unwrap();
}

/// SRV-012, HTTP-025: many concurrent keep-alive clients are all served
/// (one small-stack thread each) and stay open.
#[test]
fn many_concurrent_keep_alive_clients_are_served() {
    let server = start(rgi::app(hello));
    let mut clients: Vec<Client> = (0..300).map(|_| server.connect()).collect();
    for round in 0..2 {
        for c in &mut clients {
            c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        }
        for c in &mut clients {
            let r = c.response();
            assert_eq!(r.status, 200, "round {round}");
            assert!(!r.closes());
        }
    }
}

/// SRV-001: handle_request lets a script serve requests one at a time, wsgiref
/// style, on its own thread.
#[test]
fn handle_request_can_be_called_repeatedly() {
    let server =
        rgi::simple_server::make_server_with("127.0.0.1", 0, rgi::app(hello), test_config())
            .unwrap();
    let addr = server.server_address();
    let clients = std::thread::spawn(move || {
        (0..3)
            .map(|_| request(addr, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").status)
            .collect::<Vec<_>>()
    });
    for _ in 0..3 {
        server.handle_request().unwrap();
    }
    assert_eq!(clients.join().unwrap(), [200, 200, 200]);
    let _ = Body::empty();
}

/// SRV-013: once serve_forever returned, the server no longer listens,
/// even while the Server value lives on.
#[test]
fn a_shut_down_server_refuses_connections() {
    let server = Arc::new(
        rgi::simple_server::make_server_with("127.0.0.1", 0, rgi::app(hello), test_config())
            .unwrap(),
    );
    let addr = server.server_address();
    let stop = server.shutdown_handle();
    let running = {
        let server = server.clone();
        std::thread::spawn(move || server.serve_forever())
    };
    assert_eq!(
        request(addr, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").status,
        200
    );
    stop.shutdown();
    running.join().unwrap().unwrap();
    assert!(stop.is_shutdown());
    assert!(TcpStream::connect(addr).is_err());
    assert!(server.handle_request().is_err());
}
