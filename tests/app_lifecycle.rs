//! The optional lifecycle hooks (spec 1.6): `on_start` before the first
//! request and `on_shutdown` after the last, on simple_server and under the
//! CGI handler.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread;

use rgi::simple_server::{make_server_with, Config, LogSink};
use rgi::{AppError, Application, Body, Environ, StartResponse, StopServing};

/// What `on_start` does.
#[derive(Clone, Copy)]
enum Start {
    Ok,
    Fails,
    Panics,
    Stops,
}

/// A request held in flight: `call` tells the sender it entered, then
/// waits on the receiver.
type Hold = (Mutex<Sender<()>>, Mutex<Receiver<()>>);

/// Records every hook and call, in order.
struct Hooked {
    start: Start,
    events: Arc<Mutex<Vec<&'static str>>>,
    hold: Option<Hold>,
    shutdown_panics: bool,
}

impl Hooked {
    fn new(start: Start) -> (Hooked, Arc<Mutex<Vec<&'static str>>>) {
        let events = Arc::new(Mutex::new(Vec::new()));
        let app = Hooked {
            start,
            events: Arc::clone(&events),
            hold: None,
            shutdown_panics: false,
        };
        (app, events)
    }

    fn note(&self, event: &'static str) {
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(event);
    }
}

impl Application for Hooked {
    fn on_start(&self) -> Result<(), AppError> {
        self.note("start");
        match self.start {
            Start::Ok => Ok(()),
            Start::Fails => Err("the cache could not be warmed".into()),
            Start::Panics => panic!("start hook panicked on purpose"),
            Start::Stops => Err(StopServing::new("no database").into()),
        }
    }

    fn on_shutdown(&self) {
        self.note("shutdown");
        if self.shutdown_panics {
            panic!("shutdown hook panicked on purpose");
        }
    }

    fn call(&self, _env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, AppError> {
        self.note("call");
        if let Some((entered, release)) = &self.hold {
            let _ = entered.lock().unwrap_or_else(|e| e.into_inner()).send(());
            let _ = release.lock().unwrap_or_else(|e| e.into_inner()).recv();
        }
        start.start(200, [("Content-Type", "text/plain")].into())?;
        let events = Arc::clone(&self.events);
        Ok(Body::from("ok").on_close(move || {
            events
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push("body closed")
        }))
    }
}

/// A log sink that keeps what it gets.
fn memory_log() -> (LogSink, Arc<Mutex<Vec<u8>>>) {
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let shared: Arc<Mutex<dyn Write + Send>> = buffer.clone();
    (LogSink::from_shared(shared), buffer)
}

fn text(buffer: &Arc<Mutex<Vec<u8>>>) -> String {
    String::from_utf8_lossy(&buffer.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
}

/// One GET over a fresh connection; the whole response.
fn get(addr: std::net::SocketAddr) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("send");
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response
}

/// Serves `app` until two requests were answered, then shuts down; returns
/// what `serve_forever` returned, the responses and the log.
fn serve_two(app: Hooked) -> (std::io::Result<()>, Vec<String>, String) {
    let (sink, log) = memory_log();
    let config = Config::default().access_log(false).log_to(sink);
    let server = make_server_with("127.0.0.1", 0, app, config).expect("bind");
    let addr = server.server_address();
    let stop = server.shutdown_handle();
    let serving = thread::spawn(move || server.serve_forever());
    let responses = vec![get(addr), get(addr)];
    stop.shutdown();
    let result = serving.join().expect("serve_forever does not panic");
    (result, responses, text(&log))
}

#[test]
fn start_runs_once_before_the_first_request_and_shutdown_after_the_last() {
    // APP-014, APP-015, APP-017
    let (app, events) = Hooked::new(Start::Ok);
    let (result, responses, _) = serve_two(app);
    result.expect("served");
    assert!(
        responses.iter().all(|r| r.starts_with("HTTP/1.1 200 OK")),
        "{responses:?}"
    );
    let events = events.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert_eq!(
        events,
        [
            "start",
            "call",
            "body closed",
            "call",
            "body closed",
            "shutdown"
        ]
    );
}

#[test]
fn a_failing_start_hook_is_logged_and_the_server_serves_anyway() {
    // APP-016
    for (start, logged) in [
        (
            Start::Fails,
            "on_start hook failed: the cache could not be warmed; serving anyway",
        ),
        (
            Start::Panics,
            "on_start hook panicked: start hook panicked on purpose; serving anyway",
        ),
    ] {
        let (app, events) = Hooked::new(start);
        let (result, responses, log) = serve_two(app);
        result.expect("served anyway");
        assert!(
            responses.iter().all(|r| r.starts_with("HTTP/1.1 200 OK")),
            "{responses:?}"
        );
        assert!(log.contains(logged), "{log}");
        let events = events.lock().unwrap_or_else(|e| e.into_inner()).clone();
        assert_eq!(events.first(), Some(&"start"));
        assert_eq!(events.last(), Some(&"shutdown"));
    }
}

#[test]
fn stop_serving_serves_nothing_and_is_returned() {
    // APP-016
    let (app, events) = Hooked::new(Start::Stops);
    let (sink, log) = memory_log();
    let config = Config::default().access_log(false).log_to(sink);
    let server = make_server_with("127.0.0.1", 0, app, config).expect("bind");
    let err = server
        .serve_forever()
        .expect_err("serve_forever reports the stop");
    assert!(err.to_string().contains("no database"), "{err}");
    assert!(text(&log).contains("not serving"), "{}", text(&log));
    assert_eq!(*events.lock().unwrap_or_else(|e| e.into_inner()), ["start"]);
}

#[test]
fn shutdown_waits_for_the_request_in_flight() {
    // APP-017
    let (mut app, events) = Hooked::new(Start::Ok);
    let (entered_tx, entered) = mpsc::channel();
    let (release, release_rx) = mpsc::channel();
    app.hold = Some((Mutex::new(entered_tx), Mutex::new(release_rx)));
    app.shutdown_panics = true;
    let (sink, log) = memory_log();
    let config = Config::default().access_log(false).log_to(sink);
    let server = make_server_with("127.0.0.1", 0, app, config).expect("bind");
    let addr = server.server_address();
    let stop = server.shutdown_handle();
    let serving = thread::spawn(move || server.serve_forever());
    let client = thread::spawn(move || get(addr));
    entered.recv().expect("the request reached the application");
    stop.shutdown(); // while the request is in flight
    release.send(()).expect("release the request");
    let response = client.join().expect("client");
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    serving
        .join()
        .expect("no panic")
        .expect("serve_forever ends well");
    let events = events.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert_eq!(events, ["start", "call", "body closed", "shutdown"]);
    assert!(
        text(&log).contains("on_shutdown hook panicked"),
        "{}",
        text(&log)
    );
}

#[test]
fn cgi_runs_the_hooks_once_per_process() {
    // APP-018
    let vars = [
        ("GATEWAY_INTERFACE", "CGI/1.1"),
        ("REQUEST_METHOD", "GET"),
        ("SCRIPT_NAME", "/app.cgi"),
        ("PATH_INFO", ""),
        ("SERVER_NAME", "localhost"),
        ("SERVER_PORT", "80"),
        ("SERVER_PROTOCOL", "HTTP/1.1"),
    ];
    let (app, events) = Hooked::new(Start::Ok);
    let mut out = Vec::new();
    rgi::handlers::cgi::run_with(&app, vars, std::io::empty(), &mut out, std::io::sink())
        .expect("CGI run");
    assert!(out.starts_with(b"Status: 200 OK\r\n"));
    let seen = events.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert_eq!(seen, ["start", "call", "body closed", "shutdown"]);

    let (app, events) = Hooked::new(Start::Stops);
    let mut out = Vec::new();
    rgi::handlers::cgi::run_with(&app, vars, std::io::empty(), &mut out, std::io::sink())
        .expect("CGI run");
    let out = String::from_utf8_lossy(&out).into_owned();
    assert!(
        out.starts_with("Status: 503 Service Unavailable\r\n"),
        "{out}"
    );
    assert_eq!(*events.lock().unwrap_or_else(|e| e.into_inner()), ["start"]);
}
