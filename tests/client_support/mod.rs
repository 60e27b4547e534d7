//! Shared helpers of the real-client tests (`tests/client_*.rs`): finding the
//! client tools, starting an example server on a free loopback port, and
//! running a command with a time limit.
#![allow(dead_code)] // each test binary uses a different subset

#[path = "../programs/mod.rs"]
pub mod programs;
#[allow(unused_imports)] // each test binary uses a different subset
pub use programs::{example_path, package_example_path, under_ci};

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// The Debian packages the real-client tests use (`.ci/run` installs them).
pub const PACKAGES: &str = "chromium chromium-driver curl";

/// The path of the program `name` on `PATH`. When it is missing, the test is
/// skipped (`None`, with the reason printed) unless `CI=true`, where it fails.
pub fn tool(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|path| path.is_file())
    });
    if found.is_none() {
        let reason = format!(
            "`{name}` is not installed (apt-get install -y {PACKAGES} python3; .ci/run does it)"
        );
        assert!(!under_ci(), "CI=true but {reason}");
        eprintln!("SKIPPED: {reason}");
    }
    found
}

/// An example server running as a child process; killed when dropped.
#[derive(Debug)]
pub struct Running {
    child: Child,
    /// The address it listens on, as it printed it (`127.0.0.1:PORT`).
    pub addr: String,
    stderr: Arc<Mutex<Vec<u8>>>,
}

impl Running {
    /// What the server wrote to stderr so far (its access and error log).
    pub fn stderr(&self) -> String {
        let log = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
        String::from_utf8_lossy(&log).into_owned()
    }

    /// The server process's ID (to read `/proc/PID/status`, say).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `http://ADDR` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the example `name` on `127.0.0.1:0` and waits (at most 30 s) for
/// its `Listening on http://ADDR/` line.
pub fn start_example(name: &str) -> Running {
    start_program(&example_path(name))
}

/// Starts the server program at `path` with the argument `127.0.0.1:0` and
/// waits (at most 30 s) for its `Listening on http://ADDR/` line.
pub fn start_program(path: &std::path::Path) -> Running {
    let name = path.display();
    let child = Command::new(path)
        .arg("127.0.0.1:0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", path.display()));
    let mut running = Running {
        child,
        addr: String::new(),
        stderr: Arc::default(),
    };
    // Collect stderr (the access log) instead of mixing it into the test output.
    let mut stderr = running.child.stderr.take().expect("piped stderr");
    let log = running.stderr.clone();
    thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = stderr.read(&mut buf) {
            log.lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend_from_slice(&buf[..n]);
        }
    });
    let stdout = running.child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        for line in lines.by_ref() {
            let Ok(line) = line else { break };
            if let Some(rest) = line.strip_prefix("Listening on http://") {
                let _ = tx.send(rest.trim_end_matches('/').to_owned());
                break;
            }
        }
        // Keep draining so the server never blocks on a full pipe.
        for line in lines {
            if line.is_err() {
                break;
            }
        }
    });
    running.addr = rx
        .recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|_| {
            panic!(
                "{name} did not print \"Listening on http://ADDR/\" in 30 s; stderr:\n{}",
                running.stderr()
            )
        });
    running
}

/// Runs `cmd` with stdout and stderr captured; kills it and panics if it
/// takes longer than `limit`.
pub fn run(cmd: &mut Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let reader = |mut pipe: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            buf
        })
    };
    let out = reader(Box::new(child.stdout.take().expect("piped stdout")));
    let err = reader(Box::new(child.stderr.take().expect("piped stderr")));
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for child") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            let stderr = err.join().unwrap_or_default();
            panic!(
                "{cmd:?} took more than {limit:?}; killed. stderr:\n{}",
                String::from_utf8_lossy(&stderr)
            );
        }
        thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}

/// An application that describes the request it got, one `key=value` line
/// each: method, PATH_INFO (as hex, to see exact bytes), REQUEST_URI,
/// QUERY_STRING, SERVER_PROTOCOL, CONTENT_LENGTH (`-` when absent),
/// `input_terminated`, and the request body it read; under `/with-length...`
/// it declares Content-Length itself (else the server computes it). `/stream...` answers
/// with a streamed body of unknown length instead (three lines).
pub fn echo_app(
    env: &mut rgi::Environ,
    start: &mut dyn rgi::StartResponse,
) -> Result<rgi::Body, rgi::AppError> {
    use std::fmt::Write as _;
    let mut path = env.get_bytes("SCRIPT_NAME").unwrap_or_default().to_vec();
    path.extend_from_slice(env.get_bytes("PATH_INFO").unwrap_or_default());
    if path.starts_with(b"/stream") {
        start.start("200 OK", [("Content-Type", "text/plain")].into())?;
        return Ok(rgi::Body::lazy(
            (0..3).map(|i| format!("streamed line {i}\n")),
        ));
    }
    let mut body = Vec::new();
    env.input().read_to_end(&mut body)?;
    let text = |key: &str| env.get(key).map_or("-".into(), |v| v.to_str_lossy());
    let mut out = String::new();
    for key in [
        "REQUEST_METHOD",
        "REQUEST_URI",
        "QUERY_STRING",
        "SERVER_PROTOCOL",
        "CONTENT_LENGTH",
    ] {
        let _ = writeln!(out, "{key}={}", text(key));
    }
    let hex: String = path.iter().map(|b| format!("{b:02x}")).collect();
    let _ = writeln!(out, "PATH_INFO_HEX={hex}");
    let _ = writeln!(out, "input_terminated={}", env.input_terminated());
    let _ = writeln!(out, "body_len={}", body.len());
    let _ = write!(out, "body={}", String::from_utf8_lossy(&body));
    let mut headers = rgi::Headers::from([("Content-Type", "text/plain; charset=utf-8")]);
    if path.starts_with(b"/with-length") {
        headers.add("Content-Length", out.len().to_string());
    }
    start.start("200 OK", headers)?;
    Ok(rgi::Body::from(out))
}

/// Serves `app` with `rgi::simple_server` (access log off) on a free loopback port in a
/// background thread (which lives as long as the test process) and returns
/// `http://127.0.0.1:PORT`.
pub fn serve_in_process<A: rgi::Application>(app: A) -> String {
    let config = rgi::simple_server::Config::default().access_log(false);
    let server = rgi::simple_server::make_server_with("127.0.0.1", 0, app, config)
        .expect("bind 127.0.0.1:0");
    let addr = server.server_address();
    thread::spawn(move || server.serve_forever());
    format!("http://{addr}")
}
