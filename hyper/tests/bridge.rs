//! The bridge between blocking applications and async I/O, seen from the
//! wire: the bounded pool (503 + Retry-After), idle connections holding no
//! thread, request-body limits (413), client departures, panics, slowloris,
//! Unix sockets and graceful shutdown.

mod support;

use std::io::{Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use rgi::Body;
use support::{config, describe, get, raw, serve, wait_until};

/// An app that blocks `/block` requests until the test releases them.
fn blocking_app() -> (impl rgi::Application, mpsc::Receiver<()>, mpsc::Sender<()>) {
    let (entered_tx, entered_rx) = mpsc::channel::<()>();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let entered_tx = Mutex::new(entered_tx);
    let release_rx = Mutex::new(release_rx);
    let app = move |env: &mut rgi::Environ, start: &mut dyn rgi::StartResponse| {
        if env.get_bytes("PATH_INFO") == Some(b"/block") {
            let _ = entered_tx.lock().unwrap().send(());
            let _ = release_rx
                .lock()
                .unwrap()
                .recv_timeout(Duration::from_secs(30));
        }
        start.start("200 OK", [("Content-Type", "text/plain")].into())?;
        Ok(Body::from("done"))
    };
    (app, entered_rx, release_tx)
}

#[test]
fn a_full_pool_and_queue_answer_503_with_retry_after() {
    let (app, entered, release) = blocking_app();
    let served = serve(app, config().threads(1).queue(0).retry_after_secs(7));
    let addr = served.addr;
    let first = std::thread::spawn(move || get(addr, "/block"));
    entered
        .recv_timeout(Duration::from_secs(30))
        .expect("the first request runs");
    let busy = get(addr, "/other");
    assert!(busy.starts_with("HTTP/1.1 503 "), "{busy}");
    assert!(
        busy.to_ascii_lowercase().contains("\r\nretry-after: 7\r\n"),
        "{busy}"
    );
    release.send(()).unwrap();
    let done = first.join().unwrap();
    assert!(
        done.starts_with("HTTP/1.1 200 OK") && done.ends_with("done"),
        "{done}"
    );
    // The thread is free again.
    assert!(get(addr, "/other").starts_with("HTTP/1.1 200 OK"));
}

#[test]
fn idle_keep_alive_connections_hold_no_thread() {
    let served = serve(describe, config().threads(2).queue(0));
    // 50 connections, each after one request, left idle.
    let mut idle = Vec::new();
    for _ in 0..50 {
        let mut stream = std::net::TcpStream::connect(served.addr).unwrap();
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            .unwrap();
        let mut buf = [0u8; 4096];
        let n = stream.read(&mut buf).unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200 OK"));
        idle.push(stream);
    }
    // With 2 threads and no queue, a new request is still served at once.
    assert!(get(served.addr, "/").starts_with("HTTP/1.1 200 OK"));
}

#[test]
fn a_declared_body_over_the_limit_is_413_without_calling_the_app() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&calls);
    let app = move |env: &mut rgi::Environ, start: &mut dyn rgi::StartResponse| {
        seen.fetch_add(1, Ordering::SeqCst);
        describe(env, start)
    };
    let served = serve(app, config().max_body_bytes(10));
    let answer = raw(
        served.addr,
        b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\n01234567890",
    );
    assert!(answer.starts_with("HTTP/1.1 413 "), "{answer}");
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    let answer = raw(
        served.addr,
        b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\nConnection: close\r\n\r\n0123456789",
    );
    assert!(
        answer.starts_with("HTTP/1.1 200 OK") && answer.contains("body_len=10"),
        "{answer}"
    );
}

#[test]
fn a_chunked_body_over_the_limit_is_413() {
    let served = serve(describe, config().max_body_bytes(10));
    let request = b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n6\r\n012345\r\n6\r\n678901\r\n0\r\n\r\n";
    let answer = raw(served.addr, request);
    assert!(answer.starts_with("HTTP/1.1 413 "), "{answer}");
}

#[test]
fn a_thousand_panics_and_it_still_answers_200() {
    let app = |env: &mut rgi::Environ, start: &mut dyn rgi::StartResponse| {
        if env.get_bytes("PATH_INFO") == Some(b"/panic") {
            panic!("the application panics");
        }
        start.start("200 OK", [("Content-Type", "text/plain")].into())?;
        Ok(Body::from("alive"))
    };
    let served = serve(app, config().threads(4));
    let mut stream = std::net::TcpStream::connect(served.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
    let prior = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {})); // 1,000 panic messages are noise
    for i in 0..1000 {
        stream
            .write_all(b"GET /panic HTTP/1.1\r\nHost: t\r\n\r\n")
            .unwrap();
        let status = read_response(&mut reader);
        if status != 500 {
            std::panic::set_hook(prior);
            panic!("panic {i}: status {status}");
        }
    }
    std::panic::set_hook(prior);
    let answer = get(served.addr, "/");
    assert!(
        answer.starts_with("HTTP/1.1 200 OK") && answer.ends_with("alive"),
        "{answer}"
    );
}

/// Reads one Content-Length response from a kept-alive connection; its status.
fn read_response(reader: &mut impl std::io::BufRead) -> u16 {
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).unwrap();
        if header == "\r\n" || header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    status
}

/// An endless streamed body that counts its chunks and its drops.
fn endless_app(chunks: Arc<AtomicUsize>, drops: Arc<AtomicUsize>) -> impl rgi::Application {
    move |_env: &mut rgi::Environ, start: &mut dyn rgi::StartResponse| {
        start.start(
            "200 OK",
            [("Content-Type", "application/octet-stream")].into(),
        )?;
        let chunks = Arc::clone(&chunks);
        let drops = Arc::clone(&drops);
        let body = Body::stream(std::iter::repeat_with(move || {
            chunks.fetch_add(1, Ordering::SeqCst);
            Ok::<_, std::io::Error>(vec![b'x'; 16 * 1024])
        }));
        Ok(body.on_close(move || {
            drops.fetch_add(1, Ordering::SeqCst);
        }))
    }
}

#[test]
fn a_client_that_goes_away_stops_the_iteration_and_the_body_is_dropped_once() {
    // BODY-008.
    let (chunks, drops) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let served = serve(
        endless_app(Arc::clone(&chunks), Arc::clone(&drops)),
        config(),
    );
    let mut stream = std::net::TcpStream::connect(served.addr).unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let mut buf = vec![0; 256 * 1024];
    let mut got = 0;
    while got < 200_000 {
        got += stream.read(&mut buf).unwrap();
    }
    drop(stream);
    wait_until("the body is dropped", || drops.load(Ordering::SeqCst) == 1);
    let after = chunks.load(Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(chunks.load(Ordering::SeqCst), after, "iteration stopped");
    assert_eq!(drops.load(Ordering::SeqCst), 1, "dropped exactly once");
}

#[test]
fn a_client_that_reads_nothing_loses_the_response_after_the_send_timeout() {
    let (chunks, drops) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let config = config()
        .send_timeout(Duration::from_millis(300))
        .response_buffer_bytes(64 * 1024);
    let served = serve(endless_app(Arc::clone(&chunks), Arc::clone(&drops)), config);
    let mut stream = std::net::TcpStream::connect(served.addr).unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    // The client reads nothing: socket buffers fill, then the channel, then
    // the send times out and the thread is given back.
    wait_until("the body is dropped", || drops.load(Ordering::SeqCst) == 1);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    drop(stream);
}

#[test]
fn slowloris_is_cut_by_the_head_timeout() {
    let served = serve(describe, config().head_timeout(Duration::from_millis(500)));
    let mut stream = std::net::TcpStream::connect(served.addr).unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: t\r\nX-Slow: 1")
        .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut buf = [0u8; 1024];
    // The server closes the connection (maybe after a 408): the read ends.
    let outcome = loop {
        match stream.read(&mut buf) {
            Ok(0) => break "closed",
            Ok(_) => continue,
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut =>
            {
                break "still open"
            }
            Err(_) => break "closed",
        }
    };
    assert_eq!(outcome, "closed");
    // And the server goes on serving.
    assert!(get(served.addr, "/").starts_with("HTTP/1.1 200 OK"));
}

#[test]
fn file_bodies_are_sent_with_their_length() {
    let path =
        std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("rgi-hyper-file-body.txt");
    let content: String = (0..20_000).map(|i| format!("{i}\n")).collect();
    std::fs::write(&path, &content).unwrap();
    let file_path = path.clone();
    let app = move |_env: &mut rgi::Environ, start: &mut dyn rgi::StartResponse| {
        start.start("200 OK", [("Content-Type", "text/plain")].into())?;
        Ok(Body::file(rgi::util::FileWrapper::open(&file_path)?))
    };
    let served = serve(app, config());
    let answer = get(served.addr, "/");
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(
        head.to_ascii_lowercase()
            .contains(&format!("content-length: {}", content.len())),
        "{head}"
    );
    assert_eq!(body, content);
}

#[test]
fn unix_sockets_serve_too() {
    let path = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("rgi-hyper-{}.sock", std::process::id()));
    let server = rgi_hyper::Server::bind_unix(&path)
        .unwrap()
        .config(config());
    let stop = server.shutdown_handle();
    let thread = std::thread::spawn(move || server.serve(describe));
    let mut stream = std::os::unix::net::UnixStream::connect(&path).unwrap();
    stream
        .write_all(b"GET /unix HTTP/1.1\r\nHost: local\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(answer.contains("PATH_INFO=/unix"), "{answer}");
    stop.shutdown();
    thread.join().unwrap().unwrap();
    assert!(!path.exists(), "the socket file is removed");
}

#[test]
fn graceful_shutdown_lets_the_request_in_flight_finish() {
    let (app, entered, release) = blocking_app();
    let served = serve(app, config().shutdown_timeout(Duration::from_secs(20)));
    let addr = served.addr;
    let in_flight = std::thread::spawn(move || get(addr, "/block"));
    entered.recv_timeout(Duration::from_secs(30)).unwrap();
    let stopper = std::thread::spawn(move || served.stop());
    // New connections are refused once the listener is closed.
    wait_until("the listener is closed", || {
        std::net::TcpStream::connect(addr).is_err()
    });
    release.send(()).unwrap();
    let answer = in_flight.join().unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 200 OK") && answer.ends_with("done"),
        "{answer}"
    );
    stopper.join().unwrap().unwrap();
}
