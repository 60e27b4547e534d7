//! [`Config`]: the limits, timeouts and pool sizes of an rgi-hyper server,
//! each with a documented default.

use std::time::Duration;

/// The limits, timeouts and pool sizes of a [`Server`](crate::Server),
/// built with chained setters from [`Config::default`].
///
/// ```
/// use std::time::Duration;
/// use rgi_hyper::Config;
///
/// let config = Config::default()
///     .threads(16)
///     .queue(64)
///     .head_timeout(Duration::from_secs(5));
/// assert_eq!(config.get_threads(), 16);
/// assert_eq!(config.get_queue(), 64);
/// ```
#[derive(Debug, Clone)]
pub struct Config {
    pub(crate) threads: usize,
    pub(crate) queue: usize,
    pub(crate) thread_idle_timeout: Duration,
    pub(crate) thread_stack_size: usize,
    pub(crate) io_threads: usize,
    pub(crate) retry_after_secs: u32,
    pub(crate) max_body_bytes: u64,
    pub(crate) max_drain_bytes: u64,
    pub(crate) drain_timeout: Duration,
    pub(crate) max_head_bytes: usize,
    pub(crate) max_headers: usize,
    pub(crate) head_timeout: Duration,
    pub(crate) body_timeout: Duration,
    pub(crate) send_timeout: Duration,
    pub(crate) response_buffer_bytes: usize,
    pub(crate) tls_handshake_timeout: Duration,
    pub(crate) shutdown_timeout: Duration,
    pub(crate) max_connections: usize,
    pub(crate) h2_max_concurrent_streams: u32,
    pub(crate) server_software: &'static str,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            threads: 64,
            queue: 1024,
            thread_idle_timeout: Duration::from_secs(60),
            thread_stack_size: 2 * 1024 * 1024,
            io_threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            retry_after_secs: 1,
            max_body_bytes: 1 << 30,
            max_drain_bytes: 16 * 1024 * 1024,
            drain_timeout: Duration::from_secs(2),
            max_head_bytes: 64 * 1024,
            max_headers: 100,
            head_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            send_timeout: Duration::from_secs(30),
            response_buffer_bytes: 4 * 64 * 1024,
            tls_handshake_timeout: Duration::from_secs(10),
            shutdown_timeout: Duration::from_secs(5),
            max_connections: 10_000,
            h2_max_concurrent_streams: 128,
            server_software: concat!("rgi-hyper/", env!("CARGO_PKG_VERSION")),
        }
    }
}

macro_rules! setters {
    ($( $(#[$doc:meta])* $name:ident / $getter:ident : $ty:ty ),* $(,)?) => {
        impl Config {
            $(
                $(#[$doc])*
                pub fn $name(mut self, value: $ty) -> Self {
                    self.$name = value;
                    self
                }

                #[doc = concat!("The current value of [`Config::", stringify!($name), "`].")]
                pub fn $getter(&self) -> $ty {
                    self.$name
                }
            )*
        }
    };
}

setters! {
    /// The most application calls running at once: the size of the
    /// dedicated thread pool (not tokio's blocking pool). A thread is held
    /// by one request, from the call until its body has been handed to the
    /// connection, never by an idle keep-alive connection. Default 64.
    threads / get_threads: usize,
    /// How many requests may wait for a pool thread when all are busy;
    /// beyond that a request gets `503 Service Unavailable` with
    /// `Retry-After` at once. Default 1024.
    queue / get_queue: usize,
    /// How long an idle pool thread lives before it exits (threads are
    /// started again on demand). Default 60 s.
    thread_idle_timeout / get_thread_idle_timeout: Duration,
    /// The stack size of pool threads, in bytes. Default 2 MiB (Rust's
    /// default for spawned threads).
    thread_stack_size / get_thread_stack_size: usize,
    /// The tokio worker threads that do the network I/O. Default: the
    /// number of CPUs.
    io_threads / get_io_threads: usize,
    /// The `Retry-After` seconds of the 503 sent when the pool and its
    /// queue are full. Default 1.
    retry_after_secs / get_retry_after_secs: u32,
    /// The largest request body in bytes; a larger declared length gets
    /// `413` before the application is called, and reading past it fails
    /// the read (and gets `413` if nothing was sent yet). Default 1 GiB.
    max_body_bytes / get_max_body_bytes: u64,
    /// How many bytes of a request body the application left unread the
    /// server reads and discards alongside the response (HTTP-032), so that
    /// a client or a proxy still sending it (nginx forwards a buffered body
    /// whole) gets the response rather than a reset, and the connection
    /// stays usable; past this, or past
    /// [`drain_timeout`](Config::drain_timeout), the connection is closed
    /// after the response. Set it to the largest body your proxy forwards.
    /// Default 16 MiB (simple_server's `max_linger_bytes`).
    max_drain_bytes / get_max_drain_bytes: u64,
    /// The deadline for discarding an unread request body. Default 2 s.
    drain_timeout / get_drain_timeout: Duration,
    /// The largest HTTP/1 request head in bytes (hyper's read buffer
    /// limit); larger heads get `431`. Default 64 KiB.
    max_head_bytes / get_max_head_bytes: usize,
    /// The most header fields an HTTP/1 request may have. Default 100.
    max_headers / get_max_headers: usize,
    /// The deadline for a whole HTTP/1 request head: a slowloris client is
    /// cut off after it (HTTP-028). hyper starts it when the connection
    /// waits for a head, so it is also how long an idle HTTP/1 keep-alive
    /// connection is kept. (An idle HTTP/2 connection stays open, costing
    /// no thread; pings every 20 s close it when the peer is gone.)
    /// Default 10 s.
    head_timeout / get_head_timeout: Duration,
    /// The longest a read of `rgi.input` waits for the next body bytes;
    /// then the read fails with `TimedOut`. Default 30 s.
    body_timeout / get_body_timeout: Duration,
    /// The longest the application's thread waits for room in the
    /// response buffer (a client that does not read); then the response is
    /// aborted and the thread given back. Default 30 s.
    send_timeout / get_send_timeout: Duration,
    /// The bytes of a streamed response buffered between the application's
    /// thread and the connection (a slow client slows the application, it
    /// never grows the server's memory). Default 256 KiB (4 × 64 KiB).
    response_buffer_bytes / get_response_buffer_bytes: usize,
    /// The deadline for a TLS handshake. Default 10 s.
    tls_handshake_timeout / get_tls_handshake_timeout: Duration,
    /// On shutdown, how long in-flight requests may take to finish before
    /// their connections are closed. Default 5 s.
    shutdown_timeout / get_shutdown_timeout: Duration,
    /// The most connections served at once; further connections wait in
    /// the listen backlog. Default 10,000.
    max_connections / get_max_connections: usize,
    /// The most concurrent streams a client may open on one HTTP/2
    /// connection. Default 128.
    h2_max_concurrent_streams / get_h2_max_concurrent_streams: u32,
    /// The `Server` header and `SERVER_SOFTWARE`. Default
    /// `rgi-hyper/<version>`.
    server_software / get_server_software: &'static str,
}
