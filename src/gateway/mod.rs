//! The gateway every engine shares (the role of wsgiref's `BaseHandler`):
//! what happens between "a request arrived" and "these bytes go out",
//! written once.
//!
//! An engine (the HTTP/1 [`simple_server`](crate::simple_server), the CGI
//! [handler](crate::handlers::cgi), an async engine on hyper) owns its I/O
//! and nothing else:
//!
//! 1. It describes the request in engine-neutral terms — a [`Request`]
//!    (method, target, [`Version`], authority, Content-Length), the header
//!    fields as bytes, its [`Connection`] (peer and server addresses,
//!    scheme), its [`Flags`] (`multithread`, `file_wrapper`, ...) and the
//!    input stream — and [`Request::into_environ`] makes the [`Environ`](crate::Environ)
//!    (ENV-001 to ENV-038).
//! 2. It implements [`Output`]: send the head, send data, flush, finish,
//!    abort — called on the application's thread. An async engine
//!    forwards through a bounded channel; the trait asks nothing of the
//!    implementor but to do its protocol's framing.
//! 3. It calls [`run`], which applies the call policy: the application is
//!    called with panics caught; its status and headers are checked by
//!    the one server-side [`StartResponse`](crate::StartResponse),
//!    [`Responder`]; the framing is [`decide`]d (Content-Length known,
//!    chunked, close-delimited, engine-framed, or no body for HEAD, 1xx,
//!    204, 304); an `Err` or a panic becomes the server's 500
//!    ([`ERROR_BODY`]) when nothing was sent, an abort otherwise; the body
//!    is dropped exactly once; every problem is one log line naming the
//!    rule. [`run`] returns an [`Outcome`] (status, bytes, how it
//!    [`End`]ed) for the access log and the keep-alive decision.
//!
//! # A minimal engine
//!
//! One request per TCP connection, HTTP/1.0 responses, no request body
//! (a real engine also parses with limits, reads bodies, keeps
//! connections alive: see `simple_server`):
//!
//! ```
//! use std::io::{self, BufRead, BufReader, Write};
//! use std::net::{TcpListener, TcpStream};
//! use rgi::gateway::{self, Connection, ConnInfo, Delimiting, Flags, Framing, Output, Request,
//!                    ResponseHead, Version};
//!
//! /// The engine's output: HTTP/1.0 over the socket.
//! struct Http10<'a>(&'a mut TcpStream);
//!
//! impl Output for Http10<'_> {
//!     fn delimiting(&self) -> Delimiting {
//!         Delimiting::Close // HTTP/1.0: the connection's end ends the body
//!     }
//!     fn send_head(&mut self, head: &ResponseHead<'_>) -> io::Result<()> {
//!         let mut out = format!("HTTP/1.0 {}\r\n", head.status);
//!         for (name, value) in head.headers.iter() {
//!             out += &format!("{name}: {value}\r\n");
//!         }
//!         if let Some(n) = head.computed_length {
//!             out += &format!("Content-Length: {n}\r\n");
//!         }
//!         self.0.write_all(format!("{out}\r\n").as_bytes())
//!     }
//!     fn send_data(&mut self, data: &[u8]) -> io::Result<()> {
//!         self.0.write_all(data)
//!     }
//!     fn finish(&mut self) -> io::Result<()> {
//!         self.0.flush()
//!     }
//!     fn abort(&mut self) {
//!         let _ = self.0.shutdown(std::net::Shutdown::Both);
//!     }
//! }
//!
//! fn serve_one(app: &dyn rgi::Application, mut stream: TcpStream) -> io::Result<()> {
//!     // Read the head (a real engine bounds it and uses rgi's h1 parser).
//!     let mut lines = Vec::new();
//!     let mut reader = BufReader::new(stream.try_clone()?);
//!     loop {
//!         let mut line = String::new();
//!         reader.read_line(&mut line)?;
//!         let line = line.trim_end().to_owned();
//!         if line.is_empty() { break; }
//!         lines.push(line);
//!     }
//!     let request_line: Vec<&str> = lines[0].split(' ').collect();
//!     let fields: Vec<(&[u8], &[u8])> = lines[1..]
//!         .iter()
//!         .filter_map(|l| l.split_once(':'))
//!         .map(|(n, v)| (n.as_bytes(), v.trim().as_bytes()))
//!         .collect();
//!     let info = ConnInfo {
//!         remote_addr: stream.peer_addr()?.ip().to_string(),
//!         remote_port: stream.peer_addr()?.port(),
//!         server_name: "localhost".into(),
//!         server_port: stream.local_addr()?.port(),
//!         url_scheme: "http",
//!     };
//!     let request = Request {
//!         method: request_line[0],
//!         target: request_line[1].as_bytes(),
//!         version: Version::Http10,
//!         authority: None,
//!         content_length: None,
//!         input_terminated: false,
//!     };
//!     let flags = Flags { multithread: false, ..Flags::default() };
//!     let mut environ = request.into_environ(
//!         fields.iter().copied(),
//!         &Connection::new(&info),
//!         &flags,
//!         Box::new(io::empty()),
//!     );
//!     let log = |line: std::fmt::Arguments<'_>| eprintln!("tiny engine: {line}");
//!     let outcome = gateway::run(app, &mut environ, &mut Http10(&mut stream), &log);
//!     eprintln!("{} {} bytes", outcome.status, outcome.body_bytes);
//!     Ok(())
//! }
//!
//! // Serve one request, and ask for it.
//! let listener = TcpListener::bind("127.0.0.1:0")?;
//! let addr = listener.local_addr()?;
//! let client = std::thread::spawn(move || -> io::Result<String> {
//!     let mut stream = TcpStream::connect(addr)?;
//!     stream.write_all(b"GET /hello HTTP/1.0\r\nUser-Agent: doc\r\n\r\n")?;
//!     let mut response = String::new();
//!     io::Read::read_to_string(&mut stream, &mut response)?;
//!     Ok(response)
//! });
//! let app = rgi::app(|env, start| {
//!     let path = env.get_str("PATH_INFO").unwrap_or("").to_owned();
//!     start.start("200 OK", [("Content-Type", "text/plain")].into())?;
//!     Ok(rgi::Body::from(format!("you asked for {path}")))
//! });
//! let (stream, _) = listener.accept()?;
//! serve_one(&app, stream)?;
//! let response = client.join().unwrap()?;
//! assert!(response.starts_with("HTTP/1.0 200 OK\r\n"));
//! assert!(response.contains("Content-Length: 20\r\n"));
//! assert!(response.ends_with("\r\n\r\nyou asked for /hello"));
//! # let _ = Framing::NoBody;
//! # Ok::<(), io::Error>(())
//! ```
//!
//! # For async engines
//!
//! [`run`] blocks: an async engine calls it on a blocking thread pool,
//! with an [`Output`] that sends [`ResponseHead`] and data to the
//! connection's task over a bounded channel (so a slow client slows the
//! application down rather than filling memory), and an input stream that
//! receives the body the same way. An HTTP/2 engine uses
//! [`Version::Http2`], `:authority` as [`Request::authority`] and
//! [`Delimiting::Engine`]; an upgrade capability will join [`Flags`] and
//! [`Output`] later (it adds methods with defaults, so engines written now
//! keep compiling).

mod call;
mod framing;
mod lifecycle;
mod request;
mod response;
mod switch;

pub(crate) use call::{escape_into, panic_message};
pub use call::{run, End, Log, Outcome, ERROR_BODY, ERROR_STATUS};
pub use framing::{decide, Decision, Delimiting, Framing, FramingInput};
pub use lifecycle::{shutdown_app, start_app};
pub(crate) use request::{absolute_authority, list_elements, trim_ows};
pub use request::{ConnInfo, Connection, Flags, Request, Version};
pub(crate) use response::copy_file;
pub use response::{InputFailure, Output, Responder, ResponseHead};

/// The reason phrase the server uses for its own responses.
pub(crate) fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        408 => "Request Timeout",
        413 => "Content Too Large",
        414 => "URI Too Long",
        417 => "Expectation Failed",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Error",
    }
}

#[cfg(test)]
mod tests;
