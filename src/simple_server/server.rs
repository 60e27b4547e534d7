//! The listening server: accept loop, connection cap (one thread per
//! connection, small stacks), idle eviction, graceful shutdown.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use super::conn::{self, Control, BUSY, CLOSING, IDLE};
use super::log;
use super::transport::{lock, Tcp};
use super::{Config, ConnInfo};
use crate::Application;

/// Accepted connections waiting for their thread. A full queue makes the
/// acceptor wait (the kernel's backlog takes over), so it is bounded.
const ACCEPT_QUEUE: usize = 4096;

/// One live connection, as the registry sees it.
#[derive(Debug)]
struct Slot {
    stream: Arc<TcpStream>,
    state: AtomicU8,
}

#[derive(Debug, Default)]
struct Registry {
    slots: HashMap<u64, Arc<Slot>>,
    next_id: u64,
}

#[derive(Debug)]
struct Shared {
    stopping: AtomicBool,
    registry: Mutex<Registry>,
    changed: Condvar,
    wake_addr: SocketAddr,
}

impl Shared {
    /// Closes one idle connection to make room; true if one was found.
    fn evict_idle(&self) -> bool {
        let registry = lock(&self.registry);
        for slot in registry.slots.values() {
            if slot
                .state
                .compare_exchange(IDLE, CLOSING, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
            {
                let _ = slot.stream.shutdown(Shutdown::Both);
                return true;
            }
        }
        false
    }

    /// Closes every idle connection (shutdown), or every connection.
    fn close_all(&self, busy_too: bool) {
        let registry = lock(&self.registry);
        for slot in registry.slots.values() {
            let close = busy_too
                || slot
                    .state
                    .compare_exchange(IDLE, CLOSING, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok();
            if close {
                slot.state.store(CLOSING, Ordering::SeqCst);
                let _ = slot.stream.shutdown(Shutdown::Both);
            }
        }
    }

    fn active(&self) -> usize {
        lock(&self.registry).slots.len()
    }
}

/// Releases a connection's slot when its thread ends, however it ends.
struct SlotGuard {
    shared: Arc<Shared>,
    id: u64,
}

impl Drop for SlotGuard {
    fn drop(&mut self) {
        lock(&self.shared.registry).slots.remove(&self.id);
        self.shared.changed.notify_all();
    }
}

/// A bound, listening server (see [`make_server`](super::make_server)).
///
/// [`serve_forever`](Server::serve_forever) runs the accept loop until a
/// [`ShutdownHandle`] stops it; [`handle_request`](Server::handle_request)
/// serves one request.
pub struct Server {
    /// `None` once `serve_forever` has shut down (the socket is closed, so
    /// new connections are refused).
    listener: Mutex<Option<Arc<TcpListener>>>,
    app: Arc<dyn Application>,
    config: Arc<Config>,
    local: SocketAddr,
    server_name: String,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("address", &self.local)
            .field("server_name", &self.server_name)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Stops a running [`Server::serve_forever`] from another thread: it stops
/// accepting, lets in-flight requests finish (up to
/// [`Config::shutdown_timeout`]), closes idle connections and returns.
#[derive(Debug, Clone)]
pub struct ShutdownHandle {
    shared: Arc<Shared>,
}

impl ShutdownHandle {
    /// Asks the server to stop (returns at once; `serve_forever` returns
    /// when the connections are done).
    pub fn shutdown(&self) {
        if self.shared.stopping.swap(true, Ordering::SeqCst) {
            return;
        }
        self.shared.changed.notify_all();
        // Wake the blocked accept() with a connection of our own.
        let _ = TcpStream::connect_timeout(&self.shared.wake_addr, Duration::from_secs(1));
    }

    /// True once shutdown was requested.
    pub fn is_shutdown(&self) -> bool {
        self.shared.stopping.load(Ordering::SeqCst)
    }
}

impl Server {
    pub(crate) fn bind(
        host: &str,
        port: u16,
        app: Arc<dyn Application>,
        config: Config,
    ) -> io::Result<Server> {
        let bind_host = if host.is_empty() { "0.0.0.0" } else { host };
        let listener = TcpListener::bind((bind_host, port))?;
        let local = listener.local_addr()?;
        let wake_ip = match local.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        let server_name = if host.is_empty() {
            local.ip().to_string()
        } else {
            host.to_owned()
        };
        Ok(Server {
            listener: Mutex::new(Some(Arc::new(listener))),
            app,
            config: Arc::new(config),
            local,
            server_name,
            shared: Arc::new(Shared {
                stopping: AtomicBool::new(false),
                registry: Mutex::new(Registry::default()),
                changed: Condvar::new(),
                wake_addr: SocketAddr::new(wake_ip, local.port()),
            }),
        })
    }

    /// The address the server listens on (with the real port when 0 was
    /// asked for).
    pub fn server_address(&self) -> SocketAddr {
        self.local
    }

    /// A handle that stops [`serve_forever`](Self::serve_forever).
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle {
            shared: Arc::clone(&self.shared),
        }
    }

    /// The number of connections being served right now.
    pub fn active_connections(&self) -> usize {
        self.shared.active()
    }

    fn conn_info(&self, peer: SocketAddr) -> ConnInfo {
        ConnInfo {
            remote_addr: peer.ip().to_string(),
            remote_port: peer.port(),
            server_name: self.server_name.clone(),
            server_port: self.local.port(),
            url_scheme: "http",
        }
    }

    /// Accepts one connection, serves one request on it (on this thread)
    /// and closes it. For tests and scripts, like wsgiref's.
    pub fn handle_request(&self) -> io::Result<()> {
        let (stream, peer) = self.listener()?.accept()?;
        let _ = stream.set_nodelay(true);
        let info = self.conn_info(peer);
        let ctl = Control {
            state: None,
            stopping: None,
            max_requests: 1,
        };
        conn::serve(&*self.app, Tcp(Arc::new(stream)), &info, &self.config, ctl)
    }

    /// Serves connections, one thread each, until a [`ShutdownHandle`]
    /// stops it; then waits for in-flight requests (up to
    /// [`Config::shutdown_timeout`]) and returns.
    ///
    /// One thread only accepts; this thread starts the connection threads.
    /// The listen backlog of `std::net` is 128 and cannot be raised without
    /// a system call std does not offer: a burst of connections (2,000 at
    /// once from a load tester) must leave the kernel queue as fast as it
    /// arrives, even while thousands of connection threads compete for the
    /// CPU. An acceptor that does nothing but `accept` sleeps most of the
    /// time, so the scheduler runs it at once when a connection arrives;
    /// starting a thread costs ten times an `accept` and is done here,
    /// from a queue in the process, instead. Without the split, the kernel
    /// queue overflowed and the clients of dropped handshakes were reset
    /// (SRV-012; `BENCHMARKS.md`, "2,000 connections").
    ///
    /// Around all of it the application's lifecycle hooks run: `on_start`
    /// before the first request is read (a failure is logged and serving
    /// goes on, except for [`StopServing`](crate::StopServing), which is
    /// returned as an error: APP-015, APP-016), `on_shutdown` after the
    /// drain (APP-017).
    pub fn serve_forever(&self) -> io::Result<()> {
        let listener = self.listener()?;
        self.start_app()?;
        let (queue, accepted) = mpsc::sync_channel(ACCEPT_QUEUE);
        thread::scope(|scope| {
            let acceptor = thread::Builder::new()
                .name("rgi-accept".into())
                .spawn_scoped(scope, || self.accept_loop(&listener, queue))?;
            for (stream, peer) in accepted.iter() {
                if self.stopping() || !self.wait_for_room() {
                    break;
                }
                self.spawn(stream, peer);
            }
            // A connection still queued at shutdown is closed unserved,
            // like one still in the kernel's backlog.
            drop(accepted);
            let _ = acceptor.join();
            Ok::<(), io::Error>(())
        })?;
        // SRV-013: stop accepting: close the listening socket.
        drop(listener);
        lock(&self.listener).take();
        self.drain();
        // APP-017: after every request in flight finished.
        let sink = &self.config.log_sink;
        crate::gateway::shutdown_app(&*self.app, &|line| log::error(sink, line));
        Ok(())
    }

    /// Runs the application's `on_start` hook (APP-015): a failure is
    /// logged and serving goes on, unless the application asks to stop
    /// (APP-016), which `serve_forever` returns as an error.
    fn start_app(&self) -> io::Result<()> {
        let sink = &self.config.log_sink;
        crate::gateway::start_app(&*self.app, &|line| log::error(sink, line))
            .map_err(io::Error::other)
    }

    /// The acceptor thread: accepts until shutdown (the shutdown handle
    /// wakes it with a connection of its own) or until the serving loop
    /// has stopped taking connections.
    fn accept_loop(
        &self,
        listener: &TcpListener,
        queue: mpsc::SyncSender<(TcpStream, SocketAddr)>,
    ) {
        let mut backoff = Duration::from_millis(5);
        while !self.stopping() {
            match listener.accept() {
                Ok(pair) => {
                    backoff = Duration::from_millis(5);
                    if self.stopping() || queue.send(pair).is_err() {
                        return;
                    }
                }
                // SRV-012: ECONNABORTED, EMFILE, EINTR... are transient:
                // log, back off, go on.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    log::error(
                        &self.config.log_sink,
                        format_args!("accept failed: {e}; retrying"),
                    );
                    thread::sleep(backoff);
                    backoff = (backoff * 2).min(Duration::from_millis(500));
                }
            }
        }
    }

    fn listener(&self) -> io::Result<Arc<TcpListener>> {
        lock(&self.listener).clone().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotConnected,
                "the server was shut down and no longer listens",
            )
        })
    }

    fn stopping(&self) -> bool {
        self.shared.stopping.load(Ordering::SeqCst)
    }

    /// At the connection cap: close idle connections first; if none is
    /// idle, wait for a slot. False if shutdown began meanwhile.
    fn wait_for_room(&self) -> bool {
        let cap = self.config.max_connections.max(1);
        let mut registry = lock(&self.shared.registry);
        while registry.slots.len() >= cap {
            drop(registry);
            if self.stopping() {
                return false;
            }
            self.shared.evict_idle();
            registry = lock(&self.shared.registry);
            if registry.slots.len() < cap {
                break;
            }
            registry = self
                .shared
                .changed
                .wait_timeout(registry, Duration::from_millis(50))
                .map(|(guard, _)| guard)
                .unwrap_or_else(|poisoned| poisoned.into_inner().0);
        }
        true
    }

    fn spawn(&self, stream: TcpStream, peer: SocketAddr) {
        // Head and small body leave in one write; no Nagle delay.
        let _ = stream.set_nodelay(true);
        let stream = Arc::new(stream);
        let slot = Arc::new(Slot {
            stream: Arc::clone(&stream),
            state: AtomicU8::new(BUSY),
        });
        let id = {
            let mut registry = lock(&self.shared.registry);
            registry.next_id += 1;
            let id = registry.next_id;
            registry.slots.insert(id, Arc::clone(&slot));
            id
        };
        let guard = SlotGuard {
            shared: Arc::clone(&self.shared),
            id,
        };
        let info = self.conn_info(peer);
        let app = Arc::clone(&self.app);
        let config = Arc::clone(&self.config);
        let shared = Arc::clone(&self.shared);
        let spawned = thread::Builder::new()
            .name("rgi-conn".into())
            .stack_size(self.config.stack_size)
            .spawn(move || {
                let _guard = guard;
                let ctl = Control {
                    state: Some(&slot.state),
                    stopping: Some(&shared.stopping),
                    max_requests: u64::MAX,
                };
                let _ = conn::serve(&*app, Tcp(stream), &info, &config, ctl);
            });
        if let Err(e) = spawned {
            // The closure (and with it the guard and the socket) is dropped:
            // the slot is released, the client sees a closed connection.
            log::error(
                &self.config.log_sink,
                format_args!("cannot start a connection thread: {e}"),
            );
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Graceful end: idle connections closed now, busy ones after their
    /// current request; after the deadline, all of them.
    fn drain(&self) {
        let deadline = Instant::now() + self.config.shutdown_timeout;
        let mut forced = false;
        loop {
            self.shared.close_all(forced);
            let registry = lock(&self.shared.registry);
            if registry.slots.is_empty() {
                return;
            }
            let now = Instant::now();
            if now >= deadline {
                if forced {
                    if now >= deadline + Duration::from_secs(1) {
                        return;
                    }
                } else {
                    forced = true;
                    continue;
                }
            }
            let _ = self
                .shared
                .changed
                .wait_timeout(registry, Duration::from_millis(20));
        }
    }
}
