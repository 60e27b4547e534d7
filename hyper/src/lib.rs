//! # rgi-hyper — rgi's production engine
//!
//! The same [`rgi::Application`]s that run on `rgi::simple_server`, on an
//! event-driven engine built on [hyper] and [tokio]: HTTP/1.1 and HTTP/2
//! (cleartext with prior knowledge, and over TLS with ALPN), TCP and Unix
//! sockets, graceful shutdown with a deadline. An idle keep-alive
//! connection costs no thread; application calls run on a dedicated,
//! bounded pool of threads, one per request in progress.
//!
//! ```no_run
//! use rgi_hyper::{Config, Server};
//!
//! let app = rgi::app(|_env, start| {
//!     start.start("200 OK", [("Content-Type", "text/plain")].into())?;
//!     Ok(rgi::Body::from("Hello, world!\n"))
//! });
//! let server = Server::bind("127.0.0.1:8443")?
//!     .tls("cert.pem", "key.pem")?
//!     .config(Config::default().threads(32));
//! let stop = server.shutdown_handle(); // stop.shutdown() from any thread
//! println!("Listening on {}", server.url());
//! server.serve(app)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## The bridge between blocking applications and async I/O
//!
//! * **Threads.** Each request's application call, and the iteration of
//!   its body, run on a pool thread ([`Config::threads`], started on demand,
//!   reaped after [`Config::thread_idle_timeout`]). When every thread is
//!   busy, requests wait in a bounded queue ([`Config::queue`]); when that is
//!   full they get `503 Service Unavailable` with `Retry-After` at once.
//! * **Request body.** `rgi.input` reads block on hyper's body frames, one
//!   frame buffered; `Expect: 100-continue` is answered on the first read; a
//!   body over [`Config::max_body_bytes`] is `413`; every wait has
//!   [`Config::body_timeout`].
//! * **Response body.** An in-memory body goes out as one buffer with
//!   Content-Length; a `Body::file` is read by the async side, freeing the
//!   application's thread at once; a streamed body goes through a channel
//!   holding at most [`Config::response_buffer_bytes`], so a slow client
//!   slows the application's thread and never grows the server's memory.
//!   A client that reads nothing for [`Config::send_timeout`] loses the
//!   response and gives the thread back; a client that goes away stops the
//!   iteration, and the body is dropped exactly once (BODY-008).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(missing_debug_implementations)]

mod bridge;
mod config;
mod handler;
mod input;
mod listener;
mod output;
mod pool;
mod respond;
mod server;
mod tls;

pub use config::Config;
pub use listener::BoundAddr;
pub use server::{Server, ShutdownHandle};
pub use tls::TlsError;
