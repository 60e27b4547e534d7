//! [`Server`]: binding, the accept loop, connections, graceful shutdown.

use std::convert::Infallible;
use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use rgi::Application;
use tokio::sync::{watch, Semaphore};
use tokio_rustls::TlsAcceptor;

use crate::bridge::Conn;
use crate::handler::Shared;
use crate::listener::{BoundAddr, Peer, StdListener, Stream};
use crate::pool::{Pool, PoolSize};
use crate::tls::{self, TlsError};
use crate::Config;

/// An rgi server on hyper and tokio: HTTP/1.1 and HTTP/2 (h2c with prior
/// knowledge in clear text, ALPN `h2` under TLS), over TCP or a Unix socket.
///
/// ```no_run
/// use rgi_hyper::Server;
///
/// let app = rgi::app(|_env, start| {
///     start.start("200 OK", [("Content-Type", "text/plain")].into())?;
///     Ok(rgi::Body::from("Hello, world!\n"))
/// });
/// let server = Server::bind("127.0.0.1:8000")?;
/// println!("serving on {}", server.url());
/// server.serve(app)?; // until a ShutdownHandle says stop
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Server {
    listener: StdListener,
    addr: BoundAddr,
    tls: Option<TlsAcceptor>,
    config: Config,
    shutdown: ShutdownHandle,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("addr", &self.addr)
            .field("tls", &self.tls.is_some())
            .field("config", &self.config)
            .finish()
    }
}

/// Stops a [`Server`] from another thread: it stops accepting, lets
/// in-flight requests finish for [`Config::shutdown_timeout`], then closes
/// every connection and returns from [`Server::serve`].
///
/// Blocking application calls cannot be cancelled: a call still running at
/// the deadline keeps its pool thread until it returns, but its client is
/// gone (reads of `rgi.input` and sends of its body fail, so a streaming
/// body stops at its next chunk), and `serve` does not wait for it.
#[derive(Debug, Clone)]
pub struct ShutdownHandle {
    tx: Arc<watch::Sender<bool>>,
}

impl ShutdownHandle {
    /// Starts the graceful shutdown; `serve` returns when it is over.
    pub fn shutdown(&self) {
        let _ = self.tx.send(true);
    }
}

impl Server {
    /// Binds a TCP address (`"127.0.0.1:8000"`, `"[::]:443"`, port 0 for a
    /// free port).
    pub fn bind(addr: impl std::net::ToSocketAddrs) -> io::Result<Server> {
        Server::from_listener(StdListener::bind_tcp(addr)?)
    }

    /// Binds a Unix domain socket at `path` (a stale socket file left
    /// there is replaced; the file is removed when the server stops).
    pub fn bind_unix(path: impl AsRef<Path>) -> io::Result<Server> {
        Server::from_listener(StdListener::bind_unix(path.as_ref())?)
    }

    fn from_listener(listener: StdListener) -> io::Result<Server> {
        let addr = listener.local_addr()?;
        let (tx, _) = watch::channel(false);
        Ok(Server {
            listener,
            addr,
            tls: None,
            config: Config::default(),
            shutdown: ShutdownHandle { tx: Arc::new(tx) },
        })
    }

    /// Serves TLS with the PEM certificate chain and private key in these
    /// files (ALPN offers `h2` and `http/1.1`).
    pub fn tls(
        mut self,
        cert: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Result<Server, TlsError> {
        self.tls = Some(tls::acceptor(cert.as_ref(), key.as_ref())?);
        Ok(self)
    }

    /// Uses `config` instead of [`Config::default`].
    pub fn config(mut self, config: Config) -> Server {
        self.config = config;
        self
    }

    /// The bound address (with the real port when port 0 was asked for).
    pub fn local_addr(&self) -> &BoundAddr {
        &self.addr
    }

    /// The URL the server serves: `http://127.0.0.1:8000/`,
    /// `https://…` with TLS, `unix:/path` for a Unix socket.
    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        match &self.addr {
            BoundAddr::Tcp(addr) => format!("{scheme}://{addr}/"),
            BoundAddr::Unix(path) => format!("unix:{}", path.display()),
        }
    }

    /// A handle that stops the server from another thread.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        self.shutdown.clone()
    }

    /// Serves `app` until the [`ShutdownHandle`] is used, then shuts down
    /// gracefully (see [`ShutdownHandle`]).
    ///
    /// The application's lifecycle hooks (spec 1.6) run on this thread:
    /// `on_start` before the first connection is accepted (APP-015; a
    /// failure is logged and serving goes on, except `rgi::StopServing`,
    /// which `serve` returns as an error: APP-016), `on_shutdown` once the
    /// connections are drained or the shutdown deadline passed (APP-017).
    pub fn serve(self, app: impl Application) -> io::Result<()> {
        let app = Arc::new(app);
        let log = |line: std::fmt::Arguments<'_>| eprintln!("rgi-hyper: {line}");
        rgi::gateway::start_app(&*app, &log).map_err(|e| io::Error::other(e.to_string()))?;
        let result = self.serve_started(Arc::clone(&app));
        rgi::gateway::shutdown_app(&*app, &log);
        result
    }

    fn serve_started(self, app: impl Application) -> io::Result<()> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(self.config.io_threads.max(1))
            .thread_name("rgi-hyper-io")
            .enable_all()
            .build()?;
        let pool = Pool::new(PoolSize {
            threads: self.config.threads.max(1),
            queue: self.config.queue,
            idle_timeout: self.config.thread_idle_timeout,
            stack_size: self.config.thread_stack_size,
        });
        let shared = Arc::new(Shared::new(
            app,
            self.config.clone(),
            pool.clone(),
            runtime.handle().clone(),
        ));
        let result = runtime.block_on(self.run(shared));
        pool.close();
        // Calls still running keep their threads; the runtime does not wait.
        runtime.shutdown_timeout(Duration::from_millis(100));
        result
    }

    async fn run(self, shared: Arc<Shared>) -> io::Result<()> {
        let listener = self.listener.into_tokio()?;
        let mut stop = self.shutdown.tx.subscribe();
        let graceful = GracefulShutdown::new();
        let slots = Arc::new(Semaphore::new(self.config.max_connections.max(1)));
        let builder = Arc::new(builder(&self.config));
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        loop {
            let slot = tokio::select! {
                slot = Arc::clone(&slots).acquire_owned() => slot.map_err(io::Error::other)?,
                _ = stop.wait_for(|s| *s) => break,
            };
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                _ = stop.wait_for(|s| *s) => break,
            };
            let (stream, peer) = match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // EMFILE and friends: wait a little rather than spin.
                    eprintln!("rgi-hyper: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let conn = conn_values(&peer, &self.addr, scheme);
            let watcher = graceful.watcher();
            let shared = Arc::clone(&shared);
            let builder = Arc::clone(&builder);
            let tls = self.tls.clone();
            let handshake = self.config.tls_handshake_timeout;
            tokio::spawn(async move {
                let _slot = slot;
                let Some(stream) = handshake_tls(stream, tls, handshake).await else {
                    return;
                };
                let conn = Arc::new(conn);
                let service = service_fn(move |req| {
                    let shared = Arc::clone(&shared);
                    let conn = Arc::clone(&conn);
                    async move { Ok::<_, Infallible>(shared.respond(req, conn).await) }
                });
                let connection = builder.serve_connection(TokioIo::new(stream), service);
                let _ = watcher.watch(connection.into_owned()).await;
            });
        }
        listener.cleanup();
        drop(listener);
        let deadline = self.config.shutdown_timeout;
        if tokio::time::timeout(deadline, graceful.shutdown())
            .await
            .is_err()
        {
            eprintln!("rgi-hyper: shutdown deadline ({deadline:?}) passed; closing the remaining connections");
        }
        Ok(())
    }
}

/// The hyper connection builder for both protocols.
fn builder(config: &Config) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(config.head_timeout)
        .max_buf_size(config.max_head_bytes.max(8192))
        .max_headers(config.max_headers)
        .keep_alive(true);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(config.h2_max_concurrent_streams)
        .keep_alive_interval(Some(Duration::from_secs(20)))
        .keep_alive_timeout(Duration::from_secs(20))
        .max_header_list_size(u32::try_from(config.max_head_bytes).unwrap_or(u32::MAX));
    builder
}

/// The TLS handshake, when the server has TLS; `None` if it failed.
async fn handshake_tls(
    stream: Stream,
    tls: Option<TlsAcceptor>,
    deadline: Duration,
) -> Option<Stream> {
    let Some(acceptor) = tls else {
        return Some(stream);
    };
    match tokio::time::timeout(deadline, acceptor.accept(stream)).await {
        Ok(Ok(tls)) => Some(Stream::Tls(Box::new(tls))),
        _ => None,
    }
}

/// The environ values of a connection (REMOTE_ADDR is empty for a Unix
/// socket peer, which has no address).
fn conn_values(peer: &Peer, local: &BoundAddr, scheme: &'static str) -> Conn {
    {
        let (remote_addr, remote_port) = match peer {
            Peer::Tcp(addr) => (addr.ip().to_canonical().to_string(), addr.port()),
            Peer::Unix => (String::new(), 0),
        };
        let (server_name, server_port) = match local {
            BoundAddr::Tcp(addr) => (addr.ip().to_string(), addr.port()),
            BoundAddr::Unix(path) => (path.display().to_string(), 0),
        };
        let info = rgi::gateway::ConnInfo {
            remote_addr,
            remote_port,
            server_name,
            server_port,
            url_scheme: scheme,
        };
        Conn {
            values: rgi::gateway::Connection::new(&info),
        }
    }
}
