//! Helpers shared by the server's raw-TCP tests: a server on a free port
//! that is shut down when dropped, and a tiny HTTP/1.1 response reader.
#![allow(dead_code)]

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread::JoinHandle;
use std::time::Duration;

use rgi::simple_server::{make_server_with, Config, ShutdownHandle};
use rgi::{Application, Body, Environ, StartResponse};

/// Short timeouts so that no test waits long, and a quiet log (tests that
/// look at the log set their own sink: tests/server_logging.rs).
pub fn test_config() -> Config {
    Config::default()
        .access_log(false)
        .log_to(rgi::simple_server::LogSink::new(std::io::sink()))
        .head_timeout(Duration::from_secs(2))
        .body_timeout(Duration::from_secs(2))
        .write_timeout(Duration::from_secs(2))
        .keep_alive_timeout(Duration::from_secs(5))
        .shutdown_timeout(Duration::from_secs(2))
}

pub struct TestServer {
    pub addr: SocketAddr,
    pub handle: ShutdownHandle,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl TestServer {
    pub fn connect(&self) -> Client {
        Client::connect(self.addr)
    }

    /// Stops the server and waits for serve_forever to return.
    pub fn stop(mut self) -> io::Result<()> {
        self.handle.shutdown();
        self.thread.take().unwrap().join().unwrap()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.handle.shutdown();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

pub fn start(app: impl Application) -> TestServer {
    start_with(app, test_config())
}

pub fn start_with(app: impl Application, config: Config) -> TestServer {
    let server = make_server_with("127.0.0.1", 0, app, config).unwrap();
    let addr = server.server_address();
    let handle = server.shutdown_handle();
    let thread = std::thread::spawn(move || server.serve_forever());
    TestServer {
        addr,
        handle,
        thread: Some(thread),
    }
}

/// The hello app of the benchmark.
pub fn hello(_env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, rgi::AppError> {
    start.start("200 OK", [("Content-Type", "text/plain")].into())?;
    Ok(Body::from("Hello, world!"))
}

/// Echoes the request body.
pub fn echo(env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, rgi::AppError> {
    let mut body = Vec::new();
    env.input().read_to_end(&mut body)?;
    start.start(
        "200 OK",
        [("Content-Type", "application/octet-stream")].into(),
    )?;
    Ok(Body::from(body))
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn closes(&self) -> bool {
        self.header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"))
    }
}

pub struct Client {
    pub reader: BufReader<TcpStream>,
}

impl Client {
    pub fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        Client {
            reader: BufReader::new(stream),
        }
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.reader.get_mut().write_all(bytes).unwrap();
    }

    /// Sends `bytes`, ignoring errors (the server may have closed).
    pub fn try_send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.reader.get_mut().write_all(bytes)
    }

    pub fn response(&mut self) -> Response {
        read_response(&mut self.reader, false).unwrap()
    }

    pub fn head_response(&mut self) -> Response {
        read_response(&mut self.reader, true).unwrap()
    }

    /// Everything until the server closes.
    pub fn rest(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        let _ = self.reader.read_to_end(&mut out);
        out
    }

    /// Reads one response, then everything until the server closes (or
    /// the read times out).
    pub fn rest_after_response(&mut self) -> Vec<u8> {
        let _ = read_response(&mut self.reader, false);
        self.reader
            .get_ref()
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        self.rest()
    }

    /// True if the server closed the connection (EOF or reset) with nothing
    /// more to read.
    pub fn is_closed(&mut self) -> bool {
        let mut byte = [0u8; 1];
        match self.reader.read(&mut byte) {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) => !matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ),
        }
    }
}

/// One request on a fresh connection; the response.
pub fn request(addr: SocketAddr, raw: &[u8]) -> Response {
    let mut client = Client::connect(addr);
    client.send(raw);
    client.response()
}

fn line(r: &mut impl BufRead) -> io::Result<String> {
    let mut line = String::new();
    if r.read_line(&mut line)? == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "connection closed",
        ));
    }
    assert!(line.ends_with("\r\n"), "line without CRLF: {line:?}");
    line.truncate(line.len() - 2);
    Ok(line)
}

pub fn read_response(r: &mut impl BufRead, head_request: bool) -> io::Result<Response> {
    let status_line = line(r)?;
    let mut parts = status_line.splitn(3, ' ');
    assert_eq!(parts.next(), Some("HTTP/1.1"), "{status_line}");
    let status: u16 = parts.next().unwrap().parse().unwrap();
    let reason = parts.next().unwrap_or("").to_owned();
    let mut headers = Vec::new();
    loop {
        let l = line(r)?;
        if l.is_empty() {
            break;
        }
        let (n, v) = l.split_once(": ").expect("header line");
        headers.push((n.to_owned(), v.to_owned()));
    }
    let mut response = Response {
        status,
        reason,
        headers,
        body: Vec::new(),
    };
    if head_request || status < 200 || status == 204 || status == 304 {
        return Ok(response);
    }
    if let Some(len) = response.header("content-length") {
        let len: usize = len.parse().unwrap();
        response.body = vec![0; len];
        r.read_exact(&mut response.body)?;
    } else if response.header("transfer-encoding") == Some("chunked") {
        loop {
            let size = usize::from_str_radix(&line(r)?, 16).unwrap();
            if size == 0 {
                assert_eq!(line(r)?, "");
                break;
            }
            let mut chunk = vec![0; size];
            r.read_exact(&mut chunk)?;
            response.body.extend_from_slice(&chunk);
            assert_eq!(line(r)?, "");
        }
    } else {
        r.read_to_end(&mut response.body)?;
    }
    Ok(response)
}
