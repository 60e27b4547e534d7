//! Taking over a connection: the upgrade capability (spec section 12).
//!
//! A server that can hand a request's connection over sets
//! [`Environ::upgrade_available`](crate::Environ::upgrade_available)
//! (UPG-001). The application accepts by starting a `101 Switching
//! Protocols` response with `Upgrade` and `Connection: upgrade` and
//! returning [`Body::upgrade`](crate::Body::upgrade) (UPG-002). The server
//! sends the 101 head and calls the handler, on the application's thread,
//! with the connection as an [`Upgraded`] stream (UPG-007); when the handler
//! returns, the connection is closed (UPG-009).
//!
//! ```
//! use std::io::{Read, Write};
//! use rgi::{AppError, Body, Environ, StartResponse};
//!
//! fn echo(env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, AppError> {
//!     if !env.upgrade_available() {
//!         start.start("426 Upgrade Required", [("Upgrade", "echo")].into())?;
//!         return Ok(Body::from("this resource speaks the echo protocol only\n"));
//!     }
//!     start.start("101 Switching Protocols", [("Upgrade", "echo"), ("Connection", "upgrade")].into())?;
//!     Ok(Body::upgrade(|mut stream| {
//!         let mut buf = [0; 4096];
//!         loop {
//!             match stream.read(&mut buf)? {
//!                 0 => return Ok(()),
//!                 n => stream.write_all(&buf[..n])?,
//!             }
//!         }
//!     }))
//! }
//! # let _ = rgi::app(echo);
//! ```
//!
//! Engines implement [`Socket`] for their transport (it is implemented
//! for [`TcpStream`]) and build the stream with [`Upgraded::new`].

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

/// What an engine hands over: a bidirectional byte stream with timeouts
/// and a shutdown (UPG-008). Implemented for [`TcpStream`]; an engine on
/// asynchronous I/O implements it for its bridge.
pub trait Socket: Read + Write + Send {
    /// Sets the read timeout (`None`: reads block until data or EOF).
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()>;
    /// Sets the write timeout (`None`: writes block until accepted).
    fn set_write_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()>;
    /// Shuts the connection down in one or both directions.
    fn shutdown(&mut self, how: Shutdown) -> io::Result<()>;
}

impl Socket for TcpStream {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        TcpStream::set_read_timeout(self, timeout)
    }
    fn set_write_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        TcpStream::set_write_timeout(self, timeout)
    }
    fn shutdown(&mut self, how: Shutdown) -> io::Result<()> {
        TcpStream::shutdown(self, how)
    }
}

/// A taken-over connection, as the upgrade handler receives it: `Read` and
/// `Write` over the connection, the bytes the client sent early first
/// (UPG-007), with timeouts and shutdown (UPG-008).
pub struct Upgraded {
    early: Vec<u8>,
    early_pos: usize,
    conn: Box<dyn Socket>,
}

impl Upgraded {
    /// For engines: the stream over `conn`, whose reads first return
    /// `already_read` (bytes the engine read past the request head).
    pub fn new(conn: Box<dyn Socket>, already_read: Vec<u8>) -> Self {
        Upgraded {
            early: already_read,
            early_pos: 0,
            conn,
        }
    }

    /// Sets the read timeout; a read that times out fails with
    /// `WouldBlock` or `TimedOut`. None at the switch (UPG-008).
    pub fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.conn.set_read_timeout(timeout)
    }

    /// Sets the write timeout; the server's write timeout at the switch.
    pub fn set_write_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.conn.set_write_timeout(timeout)
    }

    /// Shuts the connection down in one or both directions.
    pub fn shutdown(&mut self, how: Shutdown) -> io::Result<()> {
        self.conn.shutdown(how)
    }
}

impl Read for Upgraded {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.early_pos < self.early.len() {
            let rest = &self.early[self.early_pos..];
            let n = rest.len().min(buf.len());
            buf[..n].copy_from_slice(&rest[..n]);
            self.early_pos += n;
            if self.early_pos == self.early.len() {
                self.early = Vec::new();
                self.early_pos = 0;
            }
            return Ok(n);
        }
        self.conn.read(buf)
    }
}

impl Write for Upgraded {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.conn.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.conn.flush()
    }
}

impl fmt::Debug for Upgraded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upgraded")
            .field("early_bytes", &(self.early.len() - self.early_pos))
            .finish_non_exhaustive()
    }
}

/// The application's side of an upgrade: what runs on the connection once
/// the 101 head is sent (see [`Body::upgrade`](crate::Body::upgrade)).
pub struct Handler(Box<dyn FnOnce(Upgraded) -> io::Result<()> + Send>);

impl Handler {
    /// Wraps a handler function.
    pub fn new(handler: impl FnOnce(Upgraded) -> io::Result<()> + Send + 'static) -> Self {
        Handler(Box::new(handler))
    }

    /// Runs the handler on `stream` (engines: UPG-007).
    pub fn run(self, stream: Upgraded) -> io::Result<()> {
        (self.0)(stream)
    }
}

impl fmt::Debug for Handler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("upgrade::Handler")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn early_bytes_come_first_then_the_connection() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        let mut up = Upgraded::new(Box::new(server), b"early".to_vec());
        client.write_all(b" late").unwrap();
        client.shutdown(Shutdown::Write).unwrap();
        let mut got = Vec::new();
        let mut small = [0u8; 3];
        loop {
            let n = up.read(&mut small).unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&small[..n]);
        }
        assert_eq!(got, b"early late", "UPG-007: nothing lost or reordered");
        up.write_all(b"back").unwrap();
        up.shutdown(Shutdown::Both).unwrap();
        let mut echoed = Vec::new();
        client.read_to_end(&mut echoed).unwrap();
        assert_eq!(echoed, b"back");
    }

    #[test]
    fn read_timeout_applies() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let _client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        let mut up = Upgraded::new(Box::new(server), Vec::new());
        up.set_read_timeout(Some(Duration::from_millis(20)))
            .unwrap();
        let err = up.read(&mut [0u8; 4]).unwrap_err();
        assert!(
            matches!(
                err.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ),
            "UPG-008: {err:?}"
        );
    }
}
