//! Over the wire: a raw TCP HTTP/1.1 client (send the fixture's bytes, read
//! the response with timeouts) and the helpers to start a server command on
//! a free loopback port.

use std::io::{self, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::report::{Finding, FixtureResult};
use crate::wire::read_and_check_all;
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
        Finding::new(
            "SRV-001",
            message,
            "make sure the server is running and listening at the given address",
        )
    };
    let stream = target
        .addr()
        .and_then(|addr| TcpStream::connect_timeout(&addr, timeout));
    let mut stream = match stream {
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
    let writer = stream.try_clone().map(|mut out| {
        let request = fixture.request.clone();
        std::thread::spawn(move || out.write_all(&request).err())
    });
    let infos = fixture.request_infos(true);
    let (responses, findings) = read_and_check_all(&mut stream, &infos, true);
    result.findings = findings;
    // Unblocks a writer the server stopped reading from.
    let _ = stream.shutdown(std::net::Shutdown::Both);
    let write_error = match writer {
        Ok(handle) => handle.join().ok().flatten(),
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

/// A server program started by the runner; killed when dropped.
#[derive(Debug)]
pub struct Spawned {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `command` (with `{addr}`, `{host}` and `{port}` replaced by a free
/// loopback address) and waits until it accepts connections.
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
    let mut child = Command::new(&words[0])
        .args(&words[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {:?}: {e}", words[0]))?;
    let deadline = Instant::now() + startup;
    loop {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(Spawned { child, addr });
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!(
                "{:?} exited ({status}) before listening on {addr}; does it take the address from `{{addr}}`?",
                words[0]
            ));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "{:?} did not listen on {addr} within {startup:?}",
                words[0]
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
