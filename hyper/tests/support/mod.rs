//! Shared helpers of rgi-hyper's tests: a server in this process on a free
//! loopback port (stopped when dropped), a self-signed certificate made by
//! the test, and the real-client helpers of the root tests.
#![allow(dead_code)] // each test binary uses a different subset

#[path = "../../../tests/client_support/mod.rs"]
pub mod client_support;
pub use client_support::programs;

use std::path::PathBuf;
use std::thread::JoinHandle;

use rgi_hyper::{BoundAddr, Config, Server, ShutdownHandle};

/// A server running in a background thread of the test.
#[derive(Debug)]
pub struct Served {
    /// `http://127.0.0.1:PORT` or `https://localhost:PORT` (no slash).
    pub base: String,
    /// `127.0.0.1:PORT`.
    pub addr: std::net::SocketAddr,
    stop: ShutdownHandle,
    thread: Option<JoinHandle<std::io::Result<()>>>,
}

impl Served {
    /// `base` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Shuts down and waits for `serve` to return.
    pub fn stop(mut self) -> std::io::Result<()> {
        self.stop.shutdown();
        self.thread
            .take()
            .map_or(Ok(()), |t| t.join().expect("serve thread"))
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.stop.shutdown();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The test configuration: the defaults on two I/O threads.
pub fn config() -> Config {
    Config::default().io_threads(2)
}

/// Serves `app` over clear text (HTTP/1.1 and h2c) with `config`.
pub fn serve(app: impl rgi::Application, config: Config) -> Served {
    let server = Server::bind("127.0.0.1:0")
        .expect("bind 127.0.0.1:0")
        .config(config);
    start(server, app, "http", "127.0.0.1")
}

/// Serves `app` over TLS with the test certificate (for `localhost`).
pub fn serve_tls(app: impl rgi::Application, config: Config) -> Served {
    let cert = test_cert();
    let server = Server::bind("127.0.0.1:0")
        .expect("bind 127.0.0.1:0")
        .tls(&cert.cert, &cert.key)
        .expect("load the test certificate")
        .config(config);
    start(server, app, "https", "localhost")
}

fn start(server: Server, app: impl rgi::Application, scheme: &str, host: &str) -> Served {
    let BoundAddr::Tcp(addr) = server.local_addr().clone() else {
        panic!("a TCP address")
    };
    let stop = server.shutdown_handle();
    let thread = std::thread::spawn(move || server.serve(app));
    Served {
        base: format!("{scheme}://{host}:{}", addr.port()),
        addr,
        stop,
        thread: Some(thread),
    }
}

/// A self-signed certificate for `localhost` and 127.0.0.1, made once per
/// test binary (rcgen), in PEM files.
#[derive(Debug, Clone)]
pub struct TestCert {
    /// The certificate (also the CA to trust: it is self-signed).
    pub cert: PathBuf,
    /// Its private key.
    pub key: PathBuf,
}

pub fn test_cert() -> TestCert {
    static CERT: std::sync::OnceLock<TestCert> = std::sync::OnceLock::new();
    CERT.get_or_init(|| {
        let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
        let made =
            rcgen::generate_simple_self_signed(names).expect("make a self-signed certificate");
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("rgi-hyper-cert-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("certificate directory");
        let cert = dir.join("cert.pem");
        let key = dir.join("key.pem");
        std::fs::write(&cert, made.cert.pem()).expect("write cert.pem");
        std::fs::write(&key, made.key_pair.serialize_pem()).expect("write key.pem");
        TestCert { cert, key }
    })
    .clone()
}

/// Builds the example `name` of rgi-hyper in this test's profile and
/// returns its path.
pub fn hyper_example(name: &str) -> PathBuf {
    programs::package_example_path("rgi-hyper", name)
}

/// An application that describes the request it got, one `KEY=value` line
/// each (`-` when absent), then the body it read: `body_len=N` and
/// `body=...`. Under `/stream` it answers with three streamed lines.
pub fn describe(
    env: &mut rgi::Environ,
    start: &mut dyn rgi::StartResponse,
) -> Result<rgi::Body, rgi::AppError> {
    use std::fmt::Write as _;
    if env.get_bytes("PATH_INFO") == Some(b"/stream") {
        start.start("200 OK", [("Content-Type", "text/plain")].into())?;
        return Ok(rgi::Body::lazy(
            (0..3).map(|i| format!("streamed line {i}\n")),
        ));
    }
    let mut body = Vec::new();
    std::io::Read::read_to_end(env.input(), &mut body)?;
    let mut out = String::new();
    for key in [
        "REQUEST_METHOD",
        "SCRIPT_NAME",
        "PATH_INFO",
        "QUERY_STRING",
        "REQUEST_URI",
        "SERVER_PROTOCOL",
        "SERVER_NAME",
        "SERVER_PORT",
        "HTTP_HOST",
        "REMOTE_ADDR",
        "CONTENT_LENGTH",
        "CONTENT_TYPE",
        "HTTP_X_TEST",
    ] {
        let value = env.get(key).map_or("-".into(), |v| v.to_str_lossy());
        let _ = writeln!(out, "{key}={value}");
    }
    let _ = writeln!(out, "url_scheme={}", env.url_scheme());
    let _ = writeln!(out, "input_terminated={}", env.input_terminated());
    let _ = writeln!(out, "body_len={}", body.len());
    let _ = write!(out, "body={}", String::from_utf8_lossy(&body));
    start.start(
        "200 OK",
        [("Content-Type", "text/plain; charset=utf-8")].into(),
    )?;
    Ok(rgi::Body::from(out))
}

/// The value of `KEY=` in a [`describe`] answer.
pub fn field<'a>(text: &'a str, key: &str) -> &'a str {
    text.lines()
        .find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
        .unwrap_or_else(|| panic!("no {key}= in:\n{text}"))
}

/// Sends `request` (raw bytes; say `Connection: close`) and reads the whole
/// answer until the server closes, at most 30 s.
pub fn raw(addr: std::net::SocketAddr, request: &[u8]) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    stream.write_all(request).expect("send the request");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

/// `GET path` with `Connection: close`, raw.
pub fn get(addr: std::net::SocketAddr, path: &str) -> String {
    raw(
        addr,
        format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n").as_bytes(),
    )
}

/// Waits (at most 30 s) until `done()` is true.
pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting until {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}
