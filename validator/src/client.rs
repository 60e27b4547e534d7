//! Over the wire: a raw TCP HTTP/1.1 client (send the fixture's bytes, read
//! the response with timeouts) and the helpers to start a server command on
//! a free loopback port.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use crate::report::{finding, FixtureResult};
use crate::wire::{read_and_check_all, Probe, PROBE_REQUEST};
use crate::Fixture;

/// Where a server listens, parsed from `http://host:port[/...]`.
///
/// ```
/// let t = rgi_validator::client::Target::parse("http://127.0.0.1:8000/").unwrap();
/// assert_eq!(t.authority, "127.0.0.1:8000");
/// assert!(rgi_validator::client::Target::parse("https://x/").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `host:port`.
    pub authority: String,
}

impl Target {
    /// Parses an `http://` URL (`https` is not supported: the runner speaks
    /// plain HTTP/1.1).
    pub fn parse(url: &str) -> Result<Target, String> {
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| format!("{url:?}: only http:// URLs are supported"))?;
        let authority = rest.split('/').next().unwrap_or_default();
        if authority.is_empty() {
            return Err(format!("{url:?}: no host"));
        }
        let authority = if authority
            .rsplit_once(':')
            .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
        {
            authority.to_owned()
        } else {
            format!("{authority}:80")
        };
        Ok(Target { authority })
    }

    /// Checks that something accepts TCP connections at the target.
    pub fn reachable(&self, timeout: Duration) -> Result<(), String> {
        self.addr()
            .and_then(|addr| TcpStream::connect_timeout(&addr, timeout))
            .map(drop)
            .map_err(|e| format!("cannot connect to {}: {e}", self.authority))
    }

    fn addr(&self) -> io::Result<SocketAddr> {
        self.authority
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no address"))
    }
}

/// Sends `fixture` on a new connection to `target` and checks the response.
pub fn run_fixture(target: &Target, fixture: &Fixture, timeout: Duration) -> FixtureResult {
    let mut result = FixtureResult {
        fixture: fixture.name.clone(),
        status: None,
        findings: Vec::new(),
        elapsed: std::time::Duration::ZERO,
    };
    let fail = |message: String| {
        finding(
            "SRV-001",
            message,
            "make sure the server is running and listening at the given address",
        )
    };
    let stream = target
        .addr()
        .and_then(|addr| TcpStream::connect_timeout(&addr, timeout));
    let stream = match stream {
        Ok(s) => s,
        Err(e) => {
            result
                .findings
                .push(fail(format!("cannot connect to {}: {e}", target.authority)));
            return result;
        }
    };
    let _ = stream.set_read_timeout(Some(timeout));
    let _ = stream.set_write_timeout(Some(timeout));
    let _ = stream.set_nodelay(true);
    // The request is written from another thread while this one reads: a
    // server may answer (413, 400, or an application that ignores the body)
    // before reading a large body, and a failed write is then no error of its
    // own.
    let (sent, written) = mpsc::channel();
    let writer = stream.try_clone().map(|mut out| {
        let request = fixture.request.clone();
        std::thread::spawn(move || {
            let _ = sent.send(out.write_all(&request).err());
        })
    });
    let infos = fixture.request_infos(true);
    let mut conn = Conn {
        stream,
        written,
        write_error: None,
        timeout,
    };
    let (responses, findings) = read_and_check_all(&mut conn, &infos, true);
    result.findings = findings;
    // Unblocks a writer the server stopped reading from.
    let _ = conn.stream.shutdown(std::net::Shutdown::Both);
    let write_error = match writer {
        Ok(handle) => {
            let _ = handle.join();
            conn.write_error
                .or_else(|| conn.written.try_recv().ok().flatten())
        }
        Err(e) => Some(e),
    };
    if let (Some(e), true) = (&write_error, responses.is_empty()) {
        result
            .findings
            .push(fail(format!("sending the request failed: {e}")));
    }
    result.status = responses.first().map(|r| r.code);
    for response in &responses {
        crate::check_status(fixture, response.code, &mut result.findings);
    }
    result
}

/// A fixture's connection: the socket, and the news that the writer thread
/// finished sending the request (the probe must not interleave with it).
struct Conn {
    stream: TcpStream,
    written: mpsc::Receiver<Option<io::Error>>,
    write_error: Option<io::Error>,
    timeout: Duration,
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.read(buf)
    }
}

impl Probe for Conn {
    fn set_probe_timeout(&mut self, timeout: Duration) {
        self.stream.set_probe_timeout(timeout);
    }

    fn send_probe(&mut self) -> bool {
        match self.written.recv_timeout(self.timeout) {
            Ok(None) => self.stream.write_all(PROBE_REQUEST).is_ok(),
            Ok(Some(e)) => {
                self.write_error = Some(e);
                false
            }
            Err(_) => false,
        }
    }
}

/// A loopback address with a port that was free a moment ago.
pub fn free_addr() -> io::Result<SocketAddr> {
    TcpListener::bind("127.0.0.1:0")?.local_addr()
}

/// Splits a command line into words: whitespace separates, single and
/// double quotes group, backslash escapes the next character (outside single
/// quotes). No other shell syntax.
///
/// ```
/// use rgi_validator::client::split_command;
/// assert_eq!(
///     split_command(r#"prog --addr {addr} 'a b' "c \"d\"" e\ f"#).unwrap(),
///     ["prog", "--addr", "{addr}", "a b", "c \"d\"", "e f"]
/// );
/// ```
pub fn split_command(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err("unterminated single quote".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c) => word.push(c),
                            None => return Err("trailing backslash".into()),
                        },
                        Some(c) => word.push(c),
                        None => return Err("unterminated double quote".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some(c) => word.push(c),
                    None => return Err("trailing backslash".into()),
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    if words.is_empty() {
        return Err("empty command".into());
    }
    Ok(words)
}

/// A server program started by the runner, in a process group of its own;
/// the whole group is stopped when it is dropped (a pre-forking server's
/// workers too), and what it writes to standard error is kept apart from
/// the report ([`Spawned::stderr`]).
#[derive(Debug)]
pub struct Spawned {
    child: Child,
    stderr: Arc<Mutex<Vec<u8>>>,
    reader: Option<std::thread::JoinHandle<()>>,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl Spawned {
    /// Stops the program's whole process group: SIGTERM, up to two seconds
    /// for the leader to exit, then SIGKILL for anything left (on other
    /// systems: the program only). Returns what it wrote to standard error.
    pub fn stop(mut self) -> String {
        self.stop_group();
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        self.stderr()
    }

    /// What the program wrote to standard error so far (lossy UTF-8).
    pub fn stderr(&self) -> String {
        let bytes = self.stderr.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[cfg(unix)]
    fn stop_group(&mut self) {
        use nix::sys::signal::{killpg, Signal};
        use nix::unistd::Pid;
        let Ok(pid) = i32::try_from(self.child.id()) else {
            let _ = self.child.kill();
            let _ = self.child.wait();
            return;
        };
        let group = Pid::from_raw(pid);
        let _ = killpg(group, Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        // Whatever is left of the group (workers that ignored SIGTERM, or a
        // leader that did): gone now.
        let _ = killpg(group, Signal::SIGKILL);
        let _ = self.child.wait();
    }

    #[cfg(not(unix))]
    fn stop_group(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        if self.reader.is_some() {
            self.stop_group();
        }
    }
}

/// Starts `command` (with `{addr}`, `{host}` and `{port}` replaced by a free
/// loopback address) in a new process group and waits until it accepts
/// connections.
pub fn spawn_server(command: &str, startup: Duration) -> Result<Spawned, String> {
    let addr = free_addr().map_err(|e| format!("no free port: {e}"))?;
    let words = split_command(command)?;
    let words: Vec<String> = words
        .iter()
        .map(|w| {
            w.replace("{addr}", &addr.to_string())
                .replace("{host}", &addr.ip().to_string())
                .replace("{port}", &addr.port().to_string())
        })
        .collect();
    let mut command = Command::new(&words[0]);
    command
        .args(&words[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start {:?}: {e}", words[0]))?;
    let stderr = Arc::new(Mutex::new(Vec::new()));
    let reader = child.stderr.take().map(|mut pipe| {
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut all) = sink.lock() {
                    all.extend_from_slice(&buf[..n]);
                }
            }
        })
    });
    let spawned = Spawned {
        child,
        stderr,
        reader,
        addr,
    };
    wait_listening(spawned, &words[0], startup)
}

fn wait_listening(
    mut spawned: Spawned,
    program: &str,
    startup: Duration,
) -> Result<Spawned, String> {
    let addr = spawned.addr;
    let deadline = Instant::now() + startup;
    loop {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(spawned);
        }
        if let Ok(Some(status)) = spawned.child.try_wait() {
            let stderr = spawned.stop();
            return Err(format!(
                "{program:?} exited ({status}) before listening on {addr}; does it take the address from `{{addr}}`?{}",
                stderr_tail(&stderr)
            ));
        }
        if Instant::now() > deadline {
            let stderr = spawned.stop();
            return Err(format!(
                "{program:?} did not listen on {addr} within {startup:?}{}",
                stderr_tail(&stderr)
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The end of a program's standard error, for an error message.
fn stderr_tail(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().collect();
    if lines.is_empty() {
        return String::new();
    }
    let tail = &lines[lines.len().saturating_sub(10)..];
    format!("\nits standard error ended with:\n{}", tail.join("\n"))
}
