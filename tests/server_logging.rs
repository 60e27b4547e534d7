//! The log sink over raw TCP: the access log, the server's error lines and
//! each request's `environ.errors()` stream all reach `Config::log_to`'s
//! sink, in one piece per line, and a failing sink never affects a
//! response.

mod server_common;

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rgi::simple_server::{Config, LogSink};
use rgi::{Body, Environ, StartResponse};
use server_common::*;

/// A sink that keeps everything it is given. `trickle` makes it accept a
/// few bytes per `write` and yield in between, so that text handed over in
/// more than one piece would interleave with other threads' text.
#[derive(Clone, Default)]
struct Capture {
    bytes: Arc<Mutex<Vec<u8>>>,
    trickle: bool,
}

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = if self.trickle {
            buf.len().min(7)
        } else {
            buf.len()
        };
        self.bytes.lock().unwrap().extend_from_slice(&buf[..n]);
        if self.trickle {
            std::thread::yield_now();
        }
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Capture {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes.lock().unwrap()).into_owned()
    }

    fn lines(&self) -> Vec<String> {
        self.text().lines().map(str::to_owned).collect()
    }

    /// Waits (bounded) until a captured line satisfies `pred`; that line.
    fn wait_for_line(&self, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(line) = self.lines().into_iter().find(|l| pred(l)) {
                return line;
            }
            assert!(
                Instant::now() < deadline,
                "no such log line; the log:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

fn logging_config(capture: &Capture) -> Config {
    test_config()
        .access_log(true)
        .log_to(LogSink::new(capture.clone()))
}

/// ERRS-003: `flush()` hands everything written so far to the sink, before
/// the request ends; text left without a newline arrives at its end.
#[test]
fn flush_pushes_everything_written_so_far() {
    let capture = Capture::default();
    let seen = capture.clone();
    let app = rgi::app(move |env: &mut Environ, start: &mut dyn StartResponse| {
        let errors = env.errors();
        let _ = errors.write_all(b"first part, ");
        let _ = write!(errors, "second part {}", 2);
        let _ = errors.flush();
        let flushed = seen.text().contains("first part, second part 2");
        let _ = errors.write_all(b"left at the end");
        start.start("200 OK", [("Content-Type", "text/plain")].into())?;
        Ok(Body::from(format!("flushed={flushed}")))
    });
    let server = start_with(app, logging_config(&capture));
    let r = request(server.addr, b"GET /f HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "flushed=true");
    capture.wait_for_line(|l| l.contains("left at the end"));
}

/// The sink used for ERRS-004: every write fails, every flush panics.
struct Broken;

impl Write for Broken {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::Error::other("the log disk is full"))
    }
    fn flush(&mut self) -> io::Result<()> {
        panic!("the log destination panics on flush")
    }
}

/// ERRS-004: with a sink that fails, successful and failed responses still
/// complete, and the server keeps serving.
#[test]
fn a_failing_log_sink_never_affects_responses() {
    let app = rgi::app(|env: &mut Environ, start: &mut dyn StartResponse| {
        // Applications ignore errors from the error stream.
        let _ = writeln!(env.errors(), "a line");
        let _ = env.errors().write_all(b"no newline");
        let _ = env.errors().flush();
        if env.get_str("PATH_INFO") == Some("/fail") {
            return Err("deliberate failure".into());
        }
        hello(env, start)
    });
    let config = test_config().access_log(true).log_to(LogSink::new(Broken));
    let server = start_with(app, config);
    let mut client = server.connect();
    for _ in 0..3 {
        client.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        let r = client.response();
        assert_eq!(r.status, 200);
        assert_eq!(r.text(), "Hello, world!");
        client.send(b"GET /fail HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(client.response().status, 500);
    }
    // A bad request (the server's own error path) and fresh connections.
    let r = request(server.addr, b"GET / HTTP/1.1\r\n\r\n");
    assert_eq!(r.status, 400);
    let r = request(server.addr, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.status, 200);
    server.stop().unwrap();
}

/// ERRS-005: an `Err` from `call`, a panic, `Ok` without `start`, a
/// Content-Length shortfall, an `Err` from the body: each is logged with
/// the request's method and target and the rule ID.
#[test]
fn every_application_failure_is_logged_with_method_target_and_rule() {
    let app = rgi::app(|env: &mut Environ, start: &mut dyn StartResponse| {
        let path = env.get_str("PATH_INFO").unwrap_or("").to_owned();
        match path.as_str() {
            "/err" => Err("the database is down".into()),
            "/panic" => panic!("deliberate test panic"),
            "/nostart" => Ok(Body::from("no start")),
            "/short" => {
                start.start("200 OK", [("Content-Length", "10")].into())?;
                Ok(Body::lazy(vec!["abc"]))
            }
            "/body-err" => {
                start.start("200 OK", rgi::Headers::new())?;
                Ok(Body::stream(vec![
                    Ok("a"),
                    Err(io::Error::other("the body broke")),
                ]))
            }
            _ => hello(env, start),
        }
    });
    let capture = Capture::default();
    let server = start_with(app, logging_config(&capture).access_log(false));
    let cases = [
        ("POST", "/err?id=1", "APP-005"),
        ("PUT", "/panic?id=2", "APP-005"),
        ("DELETE", "/nostart?id=3", "START-002"),
        ("GET", "/short?id=4", "BODY-005"),
        ("GET", "/body-err?id=5", "BODY-015"),
    ];
    for (method, target, _) in cases {
        let mut stream = TcpStream::connect(server.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        write!(
            stream,
            "{method} {target} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = Vec::new();
        let _ = stream.read_to_end(&mut response);
        assert!(response.starts_with(b"HTTP/1.1 "), "{method} {target}");
    }
    for (method, target, rule) in cases {
        let request = format!("{method} {target}");
        let line = capture.wait_for_line(|l| l.contains(&request));
        assert!(line.contains(rule), "{line:?} does not name {rule}");
    }
}

/// ERRS-007: text written with one `write_all` (and a line written with
/// `writeln!`) reaches the sink in one piece, never interleaved with other
/// requests' text, even when the destination takes it a few bytes at a
/// time.
#[test]
fn concurrent_lines_arrive_whole() {
    const THREADS: usize = 8;
    const REQUESTS: usize = 25;
    let app = rgi::app(|env: &mut Environ, start: &mut dyn StartResponse| {
        let id = env.get_str("QUERY_STRING").unwrap_or("").to_owned();
        let filler = "x".repeat(300);
        let line = format!("write_all {id} begin {filler} {id} end\n");
        let _ = env.errors().write_all(line.as_bytes());
        let _ = writeln!(env.errors(), "writeln {} begin {} {} end", id, filler, id);
        hello(env, start)
    });
    let capture = Capture {
        trickle: true,
        ..Capture::default()
    };
    let server = start_with(app, logging_config(&capture));
    let addr = server.addr;
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            std::thread::spawn(move || {
                let mut client = Client::connect(addr);
                for i in 0..REQUESTS {
                    client.send(format!("GET /?{t}-{i} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes());
                    assert_eq!(client.response().status, 200);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    // Wait for the last access-log lines, then check every line.
    let total = THREADS * REQUESTS;
    let deadline = Instant::now() + Duration::from_secs(5);
    while capture.lines().len() < 3 * total && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    let lines = capture.lines();
    assert_eq!(lines.len(), 3 * total, "{}", capture.text());
    let filler = "x".repeat(300);
    let mut app_lines = 0;
    for line in &lines {
        if line.starts_with("127.0.0.1 - - [") {
            assert!(line.ends_with("HTTP/1.1\" 200 13"), "{line:?}");
            continue;
        }
        let mut words = line.split(' ');
        let kind = words.next().unwrap();
        assert!(kind == "write_all" || kind == "writeln", "{line:?}");
        let id = words.next().unwrap();
        let expected = format!("{kind} {id} begin {filler} {id} end");
        assert_eq!(line, &expected);
        app_lines += 1;
    }
    assert_eq!(app_lines, 2 * total);
}

/// SRV-014, ERRS-006: the access log reaches the sink in Common Log
/// Format, one line per request (refused ones too), control characters
/// escaped.
#[test]
fn the_access_log_goes_to_the_sink() {
    let capture = Capture::default();
    let server = start_with(rgi::app(hello), logging_config(&capture));
    let r = request(
        server.addr,
        b"GET /a%20b?q=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(r.status, 200);
    let line = capture.wait_for_line(|l| l.contains("\"GET /a%20b?q=1 HTTP/1.1\""));
    // host - - [dd/Mon/yyyy:HH:MM:SS +0000] "request line" status bytes
    let (prefix, rest) = line.split_at("127.0.0.1 - - [".len());
    assert_eq!(prefix, "127.0.0.1 - - [");
    let (date, rest) = rest.split_at("10/Oct/2000:13:55:36 +0000".len());
    let bytes = date.as_bytes();
    assert!(
        bytes[..2].iter().all(u8::is_ascii_digit)
            && bytes[2] == b'/'
            && bytes[3..6].iter().all(u8::is_ascii_alphabetic)
            && bytes[6] == b'/'
            && bytes[7..11].iter().all(u8::is_ascii_digit)
            && date.ends_with(" +0000"),
        "{line:?}"
    );
    assert_eq!(rest, "] \"GET /a%20b?q=1 HTTP/1.1\" 200 13");

    // A refused request is logged with its status, the escape shown.
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream.write_all(b"GET /\x1b[2J HTTP/1.1\r\n\r\n").unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    assert!(response.starts_with(b"HTTP/1.1 400 "));
    let line = capture.wait_for_line(|l| l.contains("\" 400 "));
    assert!(line.contains("\"GET /\\x1b[2J HTTP/1.1\" 400 "), "{line:?}");
    assert!(!capture.text().contains('\x1b'));

    // Access log off: nothing more is logged.
    let quiet = Capture::default();
    let server2 = start_with(rgi::app(hello), logging_config(&quiet).access_log(false));
    let r = request(server2.addr, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.status, 200);
    server2.stop().unwrap();
    assert_eq!(quiet.text(), "");
}

/// INPUT-013, INPUT-003: a client that stops sending in the middle of its
/// body: the application's read fails with a client-side kind, the server
/// answers 400 (nothing was sent) and logs a client disconnect, not APP-005.
#[test]
fn a_client_that_stops_mid_body_is_logged_as_a_disconnect() {
    let capture = Capture::default();
    let kinds = Arc::new(Mutex::new(Vec::new()));
    let k = kinds.clone();
    let app = rgi::app(move |env: &mut Environ, _: &mut dyn StartResponse| {
        let mut all = Vec::new();
        let err = env.input().read_to_end(&mut all).unwrap_err();
        k.lock().unwrap().push(err.kind());
        Err(err.into())
    });
    let server = start_with(app, logging_config(&capture).access_log(false));
    let mut c = TcpStream::connect(server.addr).unwrap();
    c.write_all(b"POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly part")
        .unwrap();
    c.shutdown(std::net::Shutdown::Write).unwrap();
    let mut response = String::new();
    let _ = c.read_to_string(&mut response);
    let line = capture.wait_for_line(|l| l.contains("POST /up"));
    assert!(
        line.contains("client disconnected") && line.contains("INPUT-013"),
        "{line}"
    );
    assert!(!capture.text().contains("APP-005"), "{}", capture.text());
    assert_eq!(*kinds.lock().unwrap(), [io::ErrorKind::UnexpectedEof]);
    assert!(response.starts_with("HTTP/1.1 400 "), "{response:?}");
}

/// A client that disconnects during a download is a client disconnect, not
/// a body shorter than its Content-Length (BODY-005 blames the application).
#[test]
fn a_client_gone_during_a_download_is_not_body_005() {
    let capture = Capture::default();
    let app = rgi::app(|_: &mut Environ, start: &mut dyn StartResponse| {
        start.start("200 OK", [("Content-Length", "104857600")].into())?;
        Ok(Body::lazy((0..1600).map(|_| vec![b'x'; 65536])))
    });
    let server = start_with(app, logging_config(&capture).access_log(false));
    let mut c = TcpStream::connect(server.addr).unwrap();
    c.write_all(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut some = [0u8; 4096];
    c.read_exact(&mut some).unwrap();
    drop(c);
    let line = capture.wait_for_line(|l| l.contains("GET /big"));
    assert!(line.contains("client disconnected"), "{line}");
    assert!(!capture.text().contains("BODY-005"), "{}", capture.text());
}

/// BODY-004: a body longer than its Content-Length gives one log line,
/// in memory and streamed alike.
#[test]
fn a_body_past_its_content_length_is_one_body_004_line() {
    for streamed in [false, true] {
        let capture = Capture::default();
        let app = rgi::app(move |_: &mut Environ, start: &mut dyn StartResponse| {
            start.start("200 OK", [("Content-Length", "3")].into())?;
            Ok(if streamed {
                Body::lazy(vec!["ab", "cdef"])
            } else {
                Body::from("abcdef")
            })
        });
        let server = start_with(app, logging_config(&capture).access_log(false));
        let r = request(server.addr, b"GET /long HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(r.body, b"abc");
        capture.wait_for_line(|l| l.contains("BODY-004"));
        let text = capture.text();
        assert_eq!(text.lines().count(), 1, "streamed {streamed}: {text}");
        assert!(!text.contains("BODY-005"), "{text}");
    }
}

/// START-005: an application that calls start twice and ignores the error
/// gets a log line (the plain server used to be silent).
#[test]
fn a_second_start_is_logged() {
    let capture = Capture::default();
    let app = rgi::app(|_: &mut Environ, start: &mut dyn StartResponse| {
        start.start("200 OK", [("Content-Type", "text/plain")].into())?;
        let _ = start.start("201 Created", [("Content-Type", "text/plain")].into());
        Ok(Body::from("x"))
    });
    let server = start_with(app, logging_config(&capture).access_log(false));
    let r = request(server.addr, b"GET /twice HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.status, 200);
    let line = capture.wait_for_line(|l| l.contains("GET /twice"));
    assert!(line.contains("START-005"), "{line}");
}
