//! Ctrl-C and SIGTERM in the examples (SRV-013): the built example binary
//! is started, a request is kept in flight, the signal is sent with
//! `kill`, and the process must finish that request, refuse new
//! connections, print "shutting down" and exit with status 0.
#![cfg(unix)]

mod programs;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// An example running as a child process; killed if still running when
/// dropped.
struct Example {
    child: Child,
    /// stdout and stderr, interleaved as they arrive.
    output: Arc<Mutex<String>>,
}

impl Example {
    fn start(name: &str) -> Example {
        let path = programs::example_path(name);
        let mut child = Command::new(&path)
            .arg("127.0.0.1:0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", path.display()));
        let output = Arc::new(Mutex::new(String::new()));
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        collect(stdout, Arc::clone(&output));
        collect(stderr, Arc::clone(&output));
        Example { child, output }
    }

    fn output(&self) -> String {
        self.output
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Waits (at most 30 s: the first run may still be linking) for an
    /// output line satisfying `find`, and returns what it found.
    fn wait_for<T>(&self, what: &str, find: impl Fn(&str) -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(found) = self.output().lines().find_map(&find) {
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "no {what} in the output:\n{}",
                self.output()
            );
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// The address from the startup line (`... 127.0.0.1:PORT ...` or
    /// `... 127.0.0.1 port PORT ...`).
    fn address(&self) -> SocketAddr {
        self.wait_for("startup line with the address", |line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            words.iter().enumerate().find_map(|(i, word)| {
                let word = word.trim_start_matches("http://").trim_end_matches('/');
                if let Ok(addr) = word.parse::<SocketAddr>() {
                    return Some(addr);
                }
                match (words.get(i + 1), words.get(i + 2)) {
                    (Some(&"port"), Some(port)) => format!("{word}:{port}").parse().ok(),
                    _ => None,
                }
            })
        })
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{signal} failed");
    }

    /// The exit status, waiting at most `limit`.
    fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn collect(pipe: impl Read + Send + 'static, into: Arc<Mutex<String>>) {
    thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            let mut out = into.lock().unwrap_or_else(|e| e.into_inner());
            out.push_str(&line);
            out.push('\n');
        }
    });
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
}

/// Reads one response head and its Content-Length body; the raw bytes.
fn read_response(stream: &mut TcpStream) -> String {
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    let mut length = 0;
    loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line).expect("read the response");
        assert!(n > 0, "connection closed mid-head: {head:?}");
        if let Some((name, value)) = line.trim_end().split_once(": ") {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.parse().expect("Content-Length");
            }
        }
        head.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).expect("read the body");
    assert!(reader.buffer().is_empty(), "more than one response");
    head + &String::from_utf8_lossy(&body)
}

/// The signal arrives while a request is in flight (its body still
/// arriving): the process waits for it, refuses new connections meanwhile,
/// then exits with status 0.
fn graceful_stop(example: &str, signal: &str, expected_body: &str) {
    let mut server = Example::start(example);
    let addr = server.address();

    // A request whose body is still arriving: the response goes out, and
    // the server keeps reading (draining) the rest of the body.
    let mut client = connect(addr);
    client
        .write_all(b"POST /in-flight HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345")
        .unwrap();
    let response = read_response(&mut client);
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response:?}");
    assert!(response.ends_with(expected_body), "{response:?}");

    server.signal(signal);
    server.wait_for("\"shutting down\" line", |line| {
        line.contains("shutting down").then_some(())
    });
    // New connections are refused once the listener is closed.
    let deadline = Instant::now() + Duration::from_secs(5);
    while TcpStream::connect(addr).is_ok() {
        assert!(Instant::now() < deadline, "still accepting after {signal}");
        thread::sleep(Duration::from_millis(10));
    }
    // The in-flight request holds the process.
    assert!(
        server.wait_exit(Duration::from_millis(200)).is_none(),
        "exited before the in-flight request finished:\n{}",
        server.output()
    );

    // The rest of the body: the request is over, the server closes the
    // connection and the process exits with 0.
    client.write_all(b"67890").unwrap();
    let mut rest = Vec::new();
    let _ = client.read_to_end(&mut rest);
    assert!(rest.is_empty(), "{:?}", String::from_utf8_lossy(&rest));
    let status = server
        .wait_exit(Duration::from_secs(5))
        .unwrap_or_else(|| panic!("still running 5 s after {signal}:\n{}", server.output()));
    assert!(status.success(), "{status:?}; output:\n{}", server.output());
}

/// SRV-013: Ctrl-C (SIGINT) stops the `hello` example gracefully.
#[test]
fn hello_stops_gracefully_on_sigint() {
    graceful_stop("hello", "INT", "Hello, world!");
}

/// SRV-013: SIGTERM stops the `custom_server` example gracefully.
#[test]
fn custom_server_stops_gracefully_on_sigterm() {
    graceful_stop("custom_server", "TERM", "Hello");
}

/// SRV-013: the `base64_app` example exits 0 on Ctrl-C too.
#[test]
fn base64_app_exits_on_sigint() {
    let mut server = Example::start("base64_app");
    let addr = server.address();
    let mut client = connect(addr);
    client
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    assert!(read_response(&mut client).starts_with("HTTP/1.1 200 OK\r\n"));
    server.signal("INT");
    let status = server
        .wait_exit(Duration::from_secs(5))
        .unwrap_or_else(|| panic!("still running 5 s after SIGINT:\n{}", server.output()));
    assert!(status.success(), "{status:?}; output:\n{}", server.output());
    assert!(server.output().contains("shutting down"));
}
