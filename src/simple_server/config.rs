//! [`Config`]: the server's limits and timeouts, each with a documented
//! default.

use std::time::Duration;

use super::LogSink;

/// The limits and timeouts of [`simple_server`](super), built with chained
/// setters from [`Config::default`].
///
/// ```
/// use std::time::Duration;
/// use rgi::simple_server::Config;
///
/// let config = Config::default()
///     .max_connections(64)
///     .head_timeout(Duration::from_secs(5))
///     .access_log(false);
/// assert_eq!(config.get_max_connections(), 64);
/// ```
#[derive(Debug, Clone)]
pub struct Config {
    pub(crate) max_head_bytes: usize,
    pub(crate) max_headers: usize,
    pub(crate) max_target_bytes: usize,
    pub(crate) max_method_bytes: usize,
    pub(crate) max_body_bytes: u64,
    pub(crate) max_drain_bytes: u64,
    pub(crate) max_linger_bytes: u64,
    pub(crate) linger_timeout: Duration,
    pub(crate) max_chunk_ext_bytes: u64,
    pub(crate) max_trailer_bytes: u64,
    pub(crate) head_timeout: Duration,
    pub(crate) body_timeout: Duration,
    pub(crate) write_timeout: Duration,
    pub(crate) keep_alive_timeout: Duration,
    pub(crate) shutdown_timeout: Duration,
    pub(crate) max_connections: usize,
    pub(crate) stack_size: usize,
    pub(crate) read_buffer_bytes: usize,
    pub(crate) access_log: bool,
    pub(crate) log_sink: LogSink,
    pub(crate) server_software: &'static str,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_head_bytes: 64 * 1024,
            max_headers: 100,
            max_target_bytes: 8 * 1024,
            max_method_bytes: 32,
            max_body_bytes: 1 << 30,
            max_drain_bytes: 64 * 1024,
            max_linger_bytes: 16 << 20,
            linger_timeout: Duration::from_secs(2),
            max_chunk_ext_bytes: 16 * 1024,
            max_trailer_bytes: 16 * 1024,
            head_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            write_timeout: Duration::from_secs(30),
            keep_alive_timeout: Duration::from_secs(60),
            shutdown_timeout: Duration::from_secs(5),
            max_connections: 4096,
            stack_size: 256 * 1024,
            read_buffer_bytes: 1024,
            access_log: true,
            log_sink: LogSink::stderr(),
            server_software: concat!("rgi/", env!("CARGO_PKG_VERSION")),
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

impl Config {
    /// Where the access log, the server's error lines and every request's
    /// `environ.errors()` stream go (see [`LogSink`]). Default: stderr.
    pub fn log_to(mut self, sink: LogSink) -> Self {
        self.log_sink = sink;
        self
    }

    /// The current value of [`Config::log_to`].
    pub fn get_log_sink(&self) -> &LogSink {
        &self.log_sink
    }
}

setters! {
    /// The largest request head (request line and header fields) in bytes;
    /// larger heads get `431`. Default 64 KiB.
    max_head_bytes / get_max_head_bytes: usize,
    /// The most header fields a request may have; more get `431`.
    /// Default 100.
    max_headers / get_max_headers: usize,
    /// The longest request target in bytes; longer targets get `414`.
    /// Default 8 KiB.
    max_target_bytes / get_max_target_bytes: usize,
    /// The longest request method in bytes; longer methods get `501`
    /// (HTTP-030). Default 32: the longest registered method,
    /// `UPDATEREDIRECTREF`, has 17.
    max_method_bytes / get_max_method_bytes: usize,
    /// The largest request body in bytes; larger bodies get `413`.
    /// Default 1 GiB.
    max_body_bytes / get_max_body_bytes: u64,
    /// How many bytes of a request body the application did not read the
    /// server reads and discards to keep the connection; beyond this it
    /// closes the connection instead. Default 64 KiB.
    max_drain_bytes / get_max_drain_bytes: u64,
    /// When the server closes a connection, how many bytes the client still
    /// sends (the unread rest of a request body among them) it reads and
    /// discards after closing its own side, so that the close does not
    /// reset the connection and erase the response (HTTP-031, HTTP-032).
    /// Behind a proxy, set it to at least the largest request body the
    /// proxy forwards: a proxy whose upload is cut off by a reset reports a
    /// failed backend (nginx: 502). Default 16 MiB.
    max_linger_bytes / get_max_linger_bytes: u64,
    /// How long that staged close may last in all before the connection is
    /// closed fully (HTTP-032). Default 2 s.
    linger_timeout / get_linger_timeout: Duration,
    /// The most chunk-extension bytes a chunked body may carry in total.
    /// Default 16 KiB.
    max_chunk_ext_bytes / get_max_chunk_ext_bytes: u64,
    /// The most trailer-section bytes a chunked body may carry.
    /// Default 16 KiB.
    max_trailer_bytes / get_max_trailer_bytes: u64,
    /// The deadline for a whole request head, from its first byte (a client
    /// sending one byte a second does not hold a thread longer). Default 10 s.
    head_timeout / get_head_timeout: Duration,
    /// The longest wait for request body bytes. Default 30 s.
    body_timeout / get_body_timeout: Duration,
    /// The longest a write to the client may block. Default 30 s.
    write_timeout / get_write_timeout: Duration,
    /// How long an idle keep-alive connection (or a new connection that sent
    /// nothing yet) is kept open. Default 60 s.
    keep_alive_timeout / get_keep_alive_timeout: Duration,
    /// On shutdown, how long in-flight requests may take to finish before
    /// their connections are closed. Default 5 s.
    shutdown_timeout / get_shutdown_timeout: Duration,
    /// The most connections (one thread each) served at once. At the cap,
    /// idle keep-alive connections are closed to make room; if none is idle,
    /// new connections wait in the listen backlog. Default 4096.
    max_connections / get_max_connections: usize,
    /// The stack size of connection threads, in bytes (set explicitly so
    /// that thousands of threads stay cheap: only touched pages cost
    /// memory, about 16 KiB per idle connection). Raise it for applications
    /// that recurse deeply or keep large values on the stack: a stack
    /// overflow aborts the process, it cannot be caught like a panic.
    /// Default 256 KiB.
    stack_size / get_stack_size: usize,
    /// The initial size of a connection's read buffer; it grows up to
    /// `max_head_bytes` for large heads (and 4 KiB for bodies). Default
    /// 1 KiB: most request heads fit, and idle connections stay small.
    read_buffer_bytes / get_read_buffer_bytes: usize,
    /// Whether each request is logged in Common Log Format (to the
    /// [`log_to`](Config::log_to) sink). Default `true`.
    access_log / get_access_log: bool,
    /// The `Server` header and `SERVER_SOFTWARE`. Default `rgi/<version>`.
    server_software / get_server_software: &'static str,
}
