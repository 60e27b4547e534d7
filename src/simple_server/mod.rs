//! The reference server: blocking, thread-per-connection HTTP/1.1.
//!
//! Python's `wsgiref.simple_server` is the model for the API
//! ([`make_server`], [`Server::serve_forever`], [`Server::handle_request`],
//! [`demo_app`]); unlike it, this server speaks HTTP/1.1 (keep-alive,
//! pipelining, chunked bodies both ways, `100-continue`), serves many
//! connections at once (one thread each, capped), enforces limits and
//! timeouts on everything a client controls, and survives misbehaving
//! clients and applications.
//!
//! ```no_run
//! use rgi::simple_server::{demo_app, make_server};
//!
//! let server = make_server("localhost", 8000, rgi::app(demo_app))?;
//! println!("Serving HTTP on {} ...", server.server_address());
//! server.serve_forever()?;
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Stopping from another thread:
//!
//! ```
//! use rgi::simple_server::{demo_app, make_server};
//!
//! let server = make_server("127.0.0.1", 0, rgi::app(demo_app))?;
//! let stop = server.shutdown_handle();
//! let running = std::thread::spawn(move || server.serve_forever());
//! stop.shutdown();
//! running.join().unwrap()?;
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # Behaviour
//!
//! * Heads are parsed with `httparse` from a bounded buffer; only new bytes
//!   are scanned for the end of the head. Lines must end in CRLF.
//! * Request bodies: `Content-Length` (digits only, duplicates must agree)
//!   or `Transfer-Encoding: chunked` (strict decoder). The application reads
//!   them through `rgi.input`, which ends at the body's end; what it leaves
//!   unread is drained (up to [`Config::max_drain_bytes`]) or the connection
//!   is closed, in stages: after the response the server closes its write
//!   side and discards what the client still sends (up to
//!   [`Config::max_linger_bytes`], within [`Config::linger_timeout`]), so
//!   that a client or proxy still uploading sees no reset (HTTP-031).
//! * Bad requests get a status and the connection is closed: 400 (malformed
//!   head or framing, a repeated or invalid `Host`, an HTTP/1.1 request
//!   without `Host`), 408 (head too slow), 413, 414, 417, 431, 501 (transfer
//!   coding, over-long method), 505. `HTTP/1.2` and later 1.x are served as
//!   HTTP/1.1.
//! * Responses: `Content-Length` when the length is known, chunked on
//!   HTTP/1.1 otherwise, close-delimited on HTTP/1.0; no body for HEAD,
//!   204 and 304; `Date` and `Server` added; `Connection: close` when the
//!   server closes. Pipelined responses are written together.
//! * An application error or panic: `500` if nothing was sent, otherwise
//!   the connection is closed (the client sees a truncated message); logged
//!   with the request's method and target and the rule it broke (ERRS-005).
//!   Every request is logged in Common Log Format unless
//!   [`Config::access_log`] is off.
//!
//! # Logging
//!
//! The access log, the server's own error lines and what applications write
//! to `environ.errors()` all go to one [`LogSink`], standard error unless
//! [`Config::log_to`] names another (a file, a pipe, a buffer). Each line
//! reaches it in one piece, never interleaved with other requests' lines
//! (ERRS-007). A request's error stream buffers: text is handed over at
//! each write ending in a newline, at `flush()` (ERRS-003) and when the
//! request ends. A failing sink is ignored: logging never affects a
//! response (ERRS-004).
//!
//! ```
//! use rgi::simple_server::{make_server_with, Config, LogSink};
//!
//! let log = std::fs::File::create(std::env::temp_dir().join("rgi-doc-access.log"))?;
//! let config = Config::default().log_to(LogSink::new(log));
//! let server = make_server_with("127.0.0.1", 0, rgi::app(rgi::simple_server::demo_app), config)?;
//! # drop(server);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # Stopping, and signals
//!
//! [`ShutdownHandle::shutdown`] stops [`Server::serve_forever`] from any
//! thread: the listening socket is closed, idle connections are closed,
//! in-flight requests finish (up to [`Config::shutdown_timeout`]), then
//! `serve_forever` returns. The library installs no signal handlers
//! (that needs `unsafe` code, which this crate forbids); a program that
//! wants Ctrl-C or SIGTERM to stop the server calls `shutdown` from a
//! handler, as the `hello` and `custom_server` examples do with the
//! [`ctrlc`](https://docs.rs/ctrlc) crate:
//!
//! ```ignore
//! let stop = server.shutdown_handle();
//! ctrlc::set_handler(move || stop.shutdown())?;
//! server.serve_forever()?;
//! println!("shutting down");
//! ```
//!
//! # Limits and timeouts (HTTP-008)
//!
//! Every limit is a [`Config`] setting; the defaults: request target 8 KiB
//! (414), method 32 bytes (501), head 64 KiB and 100 fields (431), body
//! 1 GiB (413), unread body drained up to 64 KiB to keep the connection and
//! up to 16 MiB within 2 s while closing, chunk extensions and trailers
//! 16 KiB each; 10 s
//! for a whole head (408), 30 s per body read and per write, 60 s idle
//! keep-alive; 4096 connections (one thread each, 256 KiB stacks), 5 s for
//! in-flight requests at shutdown.
//!
//! # Many connections: what a thread per connection costs
//!
//! Every connection has a thread of its own, busy or idle. That keeps the
//! interface blocking and simple, and it is fast up to a few hundred
//! connections (see `BENCHMARKS.md`), but with thousands of connections on
//! one core each request waits for its thread's turn: at 2,000 keep-alive
//! connections wrk measured hundreds of requests over 5 s. No connection is
//! lost to the burst (one thread does nothing but accept, so the kernel's
//! fixed 128-entry listen queue is emptied as fast as it fills;
//! `bench/many_connections.sh` shows zero resets where an accept loop that
//! also started the threads had dozens). For thousands of concurrent or
//! slow clients, use an event-driven engine, where an idle connection
//! holds no thread: the project's production engine is `rgi-hyper`.
//!
//! # The environ (ENV-037)
//!
//! Besides the required keys the server sets `REQUEST_URI` (the raw
//! target), `REMOTE_ADDR`, `REMOTE_PORT`, `GATEWAY_INTERFACE` (`CGI/1.1`)
//! and `SERVER_SOFTWARE`. `rgi.multithread` is true, `rgi.multiprocess` and
//! `rgi.run_once` false, `rgi.file_wrapper` true: a file body is sent from
//! the file in large blocks, past the 8 KiB block iteration. (std's
//! `io::copy` deliberately avoids `sendfile` from a file to a socket, and
//! calling it directly would need `unsafe`, which this crate forbids.)
//!
//! # The socket-free seam
//!
//! [`serve_connection`] runs the complete per-connection pipeline (parsing,
//! environ, `start_response`, response framing) over any
//! `Read + Write + Send + 'static` stream: an in-memory stream for
//! `rgi::test`, say. It serves requests until the stream reports EOF or a
//! response ends the connection. In-memory streams have no timeouts; the
//! TCP server applies them through the socket.
//!
//! ```
//! use std::io::{self, Read, Write};
//! use rgi::simple_server::{serve_connection, Config, ConnInfo};
//!
//! // The server owns the stream; share the output to read it afterwards.
//! use std::sync::{Arc, Mutex};
//! #[derive(Clone, Default)]
//! struct Shared(Arc<Mutex<Vec<u8>>>);
//! struct Conn { input: io::Cursor<Vec<u8>>, output: Shared }
//! impl Read for Conn {
//!     fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> { self.input.read(buf) }
//! }
//! impl Write for Conn {
//!     fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
//!         self.output.0.lock().unwrap().extend_from_slice(buf);
//!         Ok(buf.len())
//!     }
//!     fn flush(&mut self) -> io::Result<()> { Ok(()) }
//! }
//!
//! let app = rgi::app(|env, start| {
//!     let path = env.get_str("PATH_INFO").unwrap_or("").to_owned();
//!     start.start("200 OK", [("Content-Type", "text/plain")].into())?;
//!     Ok(rgi::Body::from(path))
//! });
//! let output = Shared::default();
//! let conn = Conn {
//!     input: io::Cursor::new(b"GET /hi HTTP/1.1\r\nHost: x\r\n\r\n".to_vec()),
//!     output: output.clone(),
//! };
//! let config = Config::default().access_log(false);
//! serve_connection(&app, conn, &ConnInfo::default(), &config)?;
//! let response = String::from_utf8(output.0.lock().unwrap().clone()).unwrap();
//! assert!(response.starts_with("HTTP/1.1 200 OK\r\n"));
//! assert!(response.ends_with("\r\n\r\n/hi"));
//! # Ok::<(), std::io::Error>(())
//! ```

use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::sync::Arc;

use crate::{AppError, Application, Body, Environ, StartResponse};

mod config;
mod conn;
mod date;
pub(crate) mod decode;
mod encode;
#[doc(hidden)]
pub mod fuzz;
pub(crate) mod head;
mod log;
mod output;
mod server;
mod transport;

pub use config::Config;
pub use log::LogSink;
pub use server::{Server, ShutdownHandle};

pub use crate::gateway::ConnInfo;

/// Serves HTTP/1.1 requests read from `stream`, writing the responses to
/// it, until the stream ends (a read returns 0) or a response closes the
/// connection. The same pipeline as the TCP server, without a socket: the
/// seam the in-process test client (`rgi::test`) uses.
///
/// There are no timeouts (an in-memory stream never blocks). The access log
/// and the error stream go to `config`'s [`LogSink`]. Returns an error only for I/O
/// errors setting up the stream; protocol errors are answered on the stream.
///
/// Supported public API: the seam for in-process clients and for running
/// the HTTP/1 engine over a stream of one's own (a Unix socket, a TLS
/// stream); see the module documentation for an example.
pub fn serve_connection<S>(
    app: &dyn Application,
    stream: S,
    conn_info: &ConnInfo,
    config: &Config,
) -> io::Result<()>
where
    S: Read + Write + Send + 'static,
{
    conn::serve(
        app,
        transport::Plain(stream),
        conn_info,
        config,
        conn::Control::NONE,
    )
}

/// Creates a server listening on `host:port` (port 0 picks a free port:
/// see [`Server::server_address`]) that serves `app` with the default
/// [`Config`]. Like wsgiref's, it binds at once; run it with
/// [`Server::serve_forever`] or [`Server::handle_request`]. An empty `host`
/// means every IPv4 interface. [`make_server_at`] takes one `"host:port"`
/// string instead.
///
/// A closure must be wrapped in [`rgi::app`](crate::app): the compiler
/// cannot infer a bare closure's argument types from the `Application`
/// bound (error E0282, "type annotations needed"):
///
/// ```no_run
/// use rgi::simple_server::make_server;
///
/// let server = make_server("localhost", 8000, rgi::app(|_env, start| {
///     start.start(200, [("Content-Type", "text/plain")].into())?;
///     Ok(rgi::Body::from("hi"))
/// }))?;
/// server.serve_forever()?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn make_server(host: &str, port: u16, app: impl Application) -> io::Result<Server> {
    make_server_with(host, port, app, Config::default())
}

/// [`make_server`] with a [`Config`].
pub fn make_server_with(
    host: &str,
    port: u16,
    app: impl Application,
    config: Config,
) -> io::Result<Server> {
    Server::bind(host, port, Arc::new(app), config)
}

/// Creates a server listening on `address`, written `"host:port"`
/// (`"localhost:8000"`, `"0.0.0.0:80"`, `"[::1]:8080"`, `":8000"` for every
/// IPv4 interface): [`make_server`] for a command-line argument.
///
/// ```
/// use rgi::simple_server::{demo_app, make_server_at};
///
/// let server = make_server_at("127.0.0.1:0", rgi::app(demo_app))?;
/// assert!(server.server_address().ip().is_loopback());
/// assert!(make_server_at("localhost", rgi::app(demo_app)).is_err()); // no port
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn make_server_at(address: &str, app: impl Application) -> io::Result<Server> {
    make_server_at_with(address, app, Config::default())
}

/// [`make_server_at`] with a [`Config`].
pub fn make_server_at_with(
    address: &str,
    app: impl Application,
    config: Config,
) -> io::Result<Server> {
    let (host, port) = split_address(address)?;
    make_server_with(host, port, app, config)
}

/// Splits `"host:port"` into its parts: IPv6 hosts in brackets
/// (`"[::1]:8080"`), an empty host for every interface (`":8000"`).
///
/// ```
/// use rgi::simple_server::split_address;
/// assert_eq!(split_address("localhost:8000").unwrap(), ("localhost", 8000));
/// assert_eq!(split_address("[::1]:80").unwrap(), ("::1", 80));
/// assert!(split_address("localhost").is_err());
/// assert!(split_address("::1:80").is_err()); // IPv6 needs brackets
/// ```
pub fn split_address(address: &str) -> io::Result<(&str, u16)> {
    let bad = |why: &str| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("listen address {address:?} {why}; write HOST:PORT, e.g. localhost:8000 or [::1]:8000"),
        )
    };
    let (host, port) = address.rsplit_once(':').ok_or_else(|| bad("has no port"))?;
    let port = port
        .parse()
        .map_err(|_| bad("does not end in a port number (0-65535)"))?;
    let host = match host.strip_prefix('[') {
        Some(inner) => inner
            .strip_suffix(']')
            .ok_or_else(|| bad("opens a bracket it does not close"))?,
        None if host.contains(':') => return Err(bad("has an IPv6 host without brackets")),
        None => host,
    };
    Ok((host, port))
}

/// The demo application, like wsgiref's: `Hello world!`, an empty line, then
/// the environ sorted by key, one `KEY = value` per line (the typed `rgi.*`
/// entries last).
pub fn demo_app(environ: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, AppError> {
    let mut out = String::from("Hello world!\n\n");
    for (key, value) in environ.sorted() {
        let _ = writeln!(out, "{key} = {value:?}");
    }
    let (major, minor) = environ.version();
    let _ = writeln!(out, "rgi.file_wrapper = {}", environ.file_wrapper());
    let _ = writeln!(out, "rgi.input_terminated = {}", environ.input_terminated());
    let _ = writeln!(out, "rgi.multiprocess = {}", environ.multiprocess());
    let _ = writeln!(out, "rgi.multithread = {}", environ.multithread());
    let _ = writeln!(out, "rgi.run_once = {}", environ.run_once());
    let _ = writeln!(out, "rgi.url_scheme = {:?}", environ.url_scheme());
    let _ = writeln!(out, "rgi.version = ({major}, {minor})");
    start.start(
        "200 OK",
        [("Content-Type", "text/plain; charset=utf-8")].into(),
    )?;
    Ok(Body::from(out))
}
