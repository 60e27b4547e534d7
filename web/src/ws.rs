//! WebSockets (RFC 6455) on rgi's upgrade capability (spec section 12):
//! [`App::ws`](crate::App::ws) routes, the handshake ([`WsUpgrade`]), the
//! socket ([`WebSocket`]: `receive`, `send`, `close`; pings answered; a
//! message size limit and an idle timeout) and publish/subscribe
//! ([`Topics`], socketify's `publish` and `num_subscribers`).
//!
//! The protocol itself is `tungstenite`'s synchronous implementation, over
//! the connection the server hands over ([`rgi::upgrade::Upgraded`]). Each
//! open socket holds one thread of the server for its whole life: that is
//! the price of a blocking interface (on rgi-hyper, one thread of its
//! application pool). Engines without the upgrade capability (CGI, HTTP/2)
//! answer a handshake with 501.
//!
//! ```no_run
//! use rgi_web::{App, Request, WsUpgrade};
//!
//! let app = App::new().ws("/echo", |_req: &mut Request, ws: WsUpgrade| {
//!     ws.accept(None, |mut socket| {
//!         while let Some(message) = socket.receive()? {
//!             socket.send(message)?;
//!         }
//!         Ok(())
//!     })
//! });
//! rgi::simple_server::make_server("localhost", 8000, app)?.serve_forever()?;
//! # Ok::<(), std::io::Error>(())
//! ```

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::Shutdown;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rgi::upgrade::Upgraded;
use rgi::{Body, Environ};
use tungstenite::error::{CapacityError, Error as WsError, ProtocolError};
use tungstenite::handshake::derive_accept_key;
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::frame::CloseFrame;
use tungstenite::protocol::{Role, WebSocketConfig};
use tungstenite::Message as Frame;

use crate::{Error, Response};

/// The WebSocket version this module speaks (RFC 6455 section 4.4).
pub const VERSION: &str = "13";

/// A message received or sent: text or binary. Control frames (ping, pong,
/// close) are handled by the socket itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text message (valid UTF-8, checked on receipt).
    Text(String),
    /// A binary message.
    Binary(Vec<u8>),
}

impl From<&str> for Message {
    fn from(text: &str) -> Self {
        Message::Text(text.to_owned())
    }
}
impl From<String> for Message {
    fn from(text: String) -> Self {
        Message::Text(text)
    }
}
impl From<Vec<u8>> for Message {
    fn from(bytes: Vec<u8>) -> Self {
        Message::Binary(bytes)
    }
}
impl From<&[u8]> for Message {
    fn from(bytes: &[u8]) -> Self {
        Message::Binary(bytes.to_vec())
    }
}

impl Message {
    fn into_frame(self) -> Frame {
        match self {
            Message::Text(text) => Frame::Text(text.into()),
            Message::Binary(bytes) => Frame::Binary(bytes.into()),
        }
    }
}

/// Limits and timeouts of a socket.
#[derive(Debug, Clone)]
pub struct WsConfig {
    /// The largest message accepted; a larger one closes the socket with
    /// 1009 (message too big). Default 16 MiB.
    pub max_message_size: usize,
    /// A socket that receives nothing (not even a pong) for this long is
    /// closed with 1001. Default 5 minutes; `None`: no limit.
    pub idle_timeout: Option<Duration>,
    /// Messages published to a socket that it has not sent yet; on
    /// overflow the subscriber is closed with 1013 (try again later). A slow
    /// subscriber never blocks a publisher. Default 256.
    pub queue_messages: usize,
}

impl Default for WsConfig {
    fn default() -> Self {
        WsConfig {
            max_message_size: 16 << 20,
            idle_timeout: Some(Duration::from_secs(300)),
            queue_messages: 256,
        }
    }
}

/// Why a request is not a WebSocket handshake this server can accept: the
/// status to answer, a message, and the headers that go with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// 400 (malformed handshake), 426 (wrong version: with
    /// `Sec-WebSocket-Version: 13`) or 501 (no upgrade capability).
    pub status: u16,
    /// What was wrong, for the response body and the log.
    pub message: &'static str,
    /// Extra response headers (`Sec-WebSocket-Version`, `Upgrade`).
    pub headers: Vec<(&'static str, &'static str)>,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (status {})", self.message, self.status)
    }
}

impl Rejection {
    /// The response that refuses the handshake: the status, the headers
    /// and the message as a plain-text body.
    pub fn into_response(self) -> Response {
        let mut response = Response::text(format!("{}\n", self.message)).status(self.status);
        for (name, value) in self.headers {
            response = response.header(name, value);
        }
        response
    }
}

fn reject(status: u16, message: &'static str) -> Rejection {
    Rejection {
        status,
        message,
        headers: Vec::new(),
    }
}

fn has_token(env: &Environ, key: &str, token: &str) -> bool {
    env.get_str(key)
        .is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
}

/// A WebSocket opening handshake, checked (RFC 6455 section 4.2.1): accept
/// it with [`WsUpgrade::accept`], or answer any other response to refuse.
#[derive(Debug)]
pub struct WsUpgrade {
    accept_key: String,
    offered: Vec<String>,
    config: WsConfig,
    topics: Option<Topics>,
}

impl WsUpgrade {
    /// Checks the handshake in `env`.
    pub fn from_environ(env: &Environ) -> Result<WsUpgrade, Rejection> {
        if env.get_bytes("REQUEST_METHOD") != Some(b"GET") {
            return Err(reject(400, "a WebSocket handshake is a GET request"));
        }
        if env.get_bytes("SERVER_PROTOCOL") == Some(b"HTTP/1.0") {
            return Err(reject(
                400,
                "a WebSocket handshake needs HTTP/1.1 (Upgrade on HTTP/1.0)",
            ));
        }
        if !has_token(env, "HTTP_UPGRADE", "websocket") {
            return Err(reject(
                400,
                "the request does not ask for Upgrade: websocket",
            ));
        }
        if !has_token(env, "HTTP_CONNECTION", "upgrade") {
            return Err(reject(
                400,
                "the request's Connection field lacks the upgrade option",
            ));
        }
        let has_body = env
            .get_str("CONTENT_LENGTH")
            .is_some_and(|v| !v.is_empty() && v != "0")
            || env.get("HTTP_TRANSFER_ENCODING").is_some();
        if has_body {
            return Err(reject(400, "a WebSocket handshake has no request body"));
        }
        if env.get_bytes("HTTP_SEC_WEBSOCKET_VERSION") != Some(VERSION.as_bytes()) {
            return Err(Rejection {
                status: 426,
                message: "unsupported WebSocket version: this server speaks version 13",
                headers: vec![("Sec-WebSocket-Version", VERSION), ("Upgrade", "websocket")],
            });
        }
        let key = env.get_bytes("HTTP_SEC_WEBSOCKET_KEY").unwrap_or_default();
        if !valid_key(key) {
            return Err(reject(
                400,
                "Sec-WebSocket-Key is missing or not 16 bytes in base64",
            ));
        }
        if !env.upgrade_available() {
            return Err(reject(
                501,
                "this server cannot take over connections (rgi.upgrade is false)",
            ));
        }
        let offered = env
            .get_str("HTTP_SEC_WEBSOCKET_PROTOCOL")
            .map(|v| {
                v.split(',')
                    .map(|p| p.trim().to_owned())
                    .filter(|p| !p.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        Ok(WsUpgrade {
            accept_key: derive_accept_key(key),
            offered,
            config: WsConfig::default(),
            topics: None,
        })
    }

    /// The subprotocols the client offered, in its order of preference.
    pub fn protocols(&self) -> &[String] {
        &self.offered
    }

    /// Sets the socket's limits and timeouts.
    pub fn config(mut self, config: WsConfig) -> Self {
        self.config = config;
        self
    }

    /// The topics the socket can subscribe and publish to.
    pub fn topics(mut self, topics: &Topics) -> Self {
        self.topics = Some(topics.clone());
        self
    }

    /// Accepts: the `101 Switching Protocols` status, headers and body to
    /// answer with. `protocol` must be one the client offered (or `None`);
    /// `handler` runs with the socket once the server switched (UPG-007).
    pub fn accept(
        self,
        protocol: Option<&str>,
        handler: impl FnOnce(WebSocket) -> io::Result<()> + Send + 'static,
    ) -> Result<Response, Error> {
        let chosen = match protocol {
            None => None,
            Some(p) if self.offered.iter().any(|o| o == p) => Some(p.to_owned()),
            Some(p) => {
                return Err(Error::internal(format!(
                "the handler chose the subprotocol {p:?}, which the client did not offer (UPG-004)"
            )))
            }
        };
        let mut response = Response::new(Body::empty())
            .status(101)
            .header("Upgrade", "websocket")
            .header("Connection", "upgrade")
            .header("Sec-WebSocket-Accept", self.accept_key.clone());
        if let Some(p) = &chosen {
            response = response.header("Sec-WebSocket-Protocol", p.clone());
        }
        let (config, topics) = (self.config, self.topics);
        response.set_body(Body::upgrade(move |stream| {
            handler(WebSocket::new(stream, chosen, config, topics))
        }));
        Ok(response)
    }
}

fn valid_key(key: &[u8]) -> bool {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(key)
        .is_ok_and(|raw| raw.len() == 16)
}

/// The states of a socket, from the server's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Open,
    /// A close frame was sent or received; nothing more is delivered.
    Closed,
}

/// An accepted WebSocket: receive and send messages, close with a code.
/// Pings are answered; every message is checked against the size limit.
pub struct WebSocket {
    ws: tungstenite::WebSocket<Upgraded>,
    protocol: Option<String>,
    config: WsConfig,
    state: State,
    last_heard: Instant,
    subscriber: Subscriber,
}

/// How often a socket with subscriptions looks at its queue while it waits
/// for the client: the most a published message waits.
const POLL: Duration = Duration::from_millis(5);

impl WebSocket {
    fn new(
        stream: Upgraded,
        protocol: Option<String>,
        config: WsConfig,
        topics: Option<Topics>,
    ) -> Self {
        let ws_config = WebSocketConfig::default()
            .max_message_size(Some(config.max_message_size))
            .max_frame_size(Some(config.max_message_size));
        let subscriber = Subscriber::new(topics.unwrap_or_default(), config.queue_messages);
        WebSocket {
            ws: tungstenite::WebSocket::from_raw_socket(stream, Role::Server, Some(ws_config)),
            protocol,
            config,
            state: State::Open,
            last_heard: Instant::now(),
            subscriber,
        }
    }

    /// The subprotocol accepted in the handshake, if any.
    pub fn protocol(&self) -> Option<&str> {
        self.protocol.as_deref()
    }

    /// The next text or binary message; `None` once the socket is closed
    /// (by the client, by [`close`](Self::close), by the idle timeout or a
    /// protocol error, which is answered with the right close code).
    pub fn receive(&mut self) -> io::Result<Option<Message>> {
        while self.state == State::Open {
            self.send_published()?;
            if self.state != State::Open {
                break;
            }
            let wait = self.next_wait()?;
            self.ws.get_mut().set_read_timeout(wait)?;
            match self.ws.read() {
                Ok(Frame::Text(text)) => {
                    return self.heard(Message::Text(text.as_str().to_owned()))
                }
                Ok(Frame::Binary(bytes)) => return self.heard(Message::Binary(bytes.to_vec())),
                Ok(Frame::Close(_)) => {
                    // tungstenite queued the reply; send it and finish.
                    let _ = self.ws.flush();
                    self.finish();
                }
                Ok(_) => {
                    // Ping (answered by the next flush), pong, raw frame.
                    self.last_heard = Instant::now();
                    self.ws.flush().or_else(ignore_would_block)?;
                }
                Err(WsError::Io(e)) if timed_out(&e) => {}
                Err(e) => return self.failed(e),
            }
        }
        Ok(None)
    }

    fn heard(&mut self, message: Message) -> io::Result<Option<Message>> {
        self.last_heard = Instant::now();
        Ok(Some(message))
    }

    /// The read timeout until something is due: the queue when subscribed,
    /// the idle deadline otherwise (closing the socket when it passed).
    fn next_wait(&mut self) -> io::Result<Option<Duration>> {
        let idle_left = match self.config.idle_timeout {
            None => None,
            Some(limit) => match limit.checked_sub(self.last_heard.elapsed()) {
                Some(left) if !left.is_zero() => Some(left),
                _ => {
                    self.close(1001, "idle timeout")?;
                    return Ok(Some(POLL));
                }
            },
        };
        if self.subscriber.subscribed() {
            return Ok(Some(idle_left.map_or(POLL, |left| left.min(POLL))));
        }
        Ok(idle_left)
    }

    fn failed(&mut self, error: WsError) -> io::Result<Option<Message>> {
        let (code, reason) = match &error {
            WsError::ConnectionClosed | WsError::AlreadyClosed => {
                self.finish();
                return Ok(None);
            }
            WsError::Capacity(CapacityError::MessageTooLong { .. }) => (1009, "message too big"),
            WsError::Utf8(_) => (1007, "text message is not UTF-8"),
            WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake) => {
                self.finish();
                return Ok(None);
            }
            WsError::Protocol(_) => (1002, "protocol error"),
            WsError::Io(e) => {
                self.finish();
                return Err(io::Error::new(e.kind(), e.to_string()));
            }
            _ => (1011, "internal error"),
        };
        let _ = self.close(code, reason);
        Ok(None)
    }

    /// Sends a message.
    pub fn send(&mut self, message: impl Into<Message>) -> io::Result<()> {
        if self.state != State::Open {
            return Err(io::Error::new(
                io::ErrorKind::NotConnected,
                "the WebSocket is closed",
            ));
        }
        self.ws.get_mut().set_read_timeout(None)?;
        self.ws.send(message.into().into_frame()).map_err(to_io)
    }

    /// Starts the closing handshake with `code` and `reason` (RFC 6455
    /// section 7.4); later [`receive`](Self::receive) calls return `None`.
    pub fn close(&mut self, code: u16, reason: &str) -> io::Result<()> {
        if self.state != State::Open {
            return Ok(());
        }
        let frame = CloseFrame {
            code: CloseCode::from(code),
            reason: reason.to_owned().into(),
        };
        let sent = self.ws.close(Some(frame)).and_then(|()| self.ws.flush());
        self.finish();
        match sent {
            Ok(()) | Err(WsError::ConnectionClosed) | Err(WsError::AlreadyClosed) => Ok(()),
            Err(e) => Err(to_io(e)),
        }
    }

    fn finish(&mut self) {
        self.state = State::Closed;
        self.subscriber.leave_all();
        let _ = self.ws.get_mut().shutdown(Shutdown::Write);
    }

    /// Subscribes to `topic`: messages published to it reach this socket.
    pub fn subscribe(&mut self, topic: &str) {
        self.subscriber.subscribe(topic);
    }

    /// Ends a subscription.
    pub fn unsubscribe(&mut self, topic: &str) {
        self.subscriber.unsubscribe(topic);
    }

    /// Publishes to every subscriber of `topic` but this socket; the number
    /// of sockets that got it.
    pub fn publish(&self, topic: &str, message: impl Into<Message>) -> usize {
        self.subscriber
            .topics
            .publish_from(Some(self.subscriber.id), topic, message.into())
    }

    /// The topics this socket belongs to.
    pub fn topics(&self) -> &Topics {
        &self.subscriber.topics
    }

    fn send_published(&mut self) -> io::Result<()> {
        if self.subscriber.overflowed.load(Ordering::Relaxed) {
            return self.close(1013, "too slow: the subscription queue is full");
        }
        let mut sent = false;
        while let Ok(message) = self.subscriber.queue.try_recv() {
            self.ws
                .write(Message::clone(&message).into_frame())
                .map_err(to_io)?;
            sent = true;
        }
        if sent {
            self.ws.flush().map_err(to_io)?;
        }
        Ok(())
    }
}

impl fmt::Debug for WebSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebSocket")
            .field("protocol", &self.protocol)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl Drop for WebSocket {
    fn drop(&mut self) {
        self.subscriber.leave_all();
    }
}

fn timed_out(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

fn ignore_would_block(e: WsError) -> io::Result<()> {
    match e {
        WsError::Io(io) if timed_out(&io) => Ok(()),
        other => Err(to_io(other)),
    }
}

fn to_io(e: WsError) -> io::Error {
    match e {
        WsError::Io(io) => io,
        other => io::Error::other(other.to_string()),
    }
}

/// Topics for publish/subscribe between sockets (socketify's `publish`,
/// `num_subscribers`). Cheap to clone; clones share the topics.
#[derive(Clone, Default)]
pub struct Topics {
    inner: Arc<TopicsInner>,
}

#[derive(Default)]
struct TopicsInner {
    topics: Mutex<HashMap<String, HashMap<u64, Member>>>,
    next_id: AtomicU64,
}

#[derive(Clone)]
struct Member {
    queue: SyncSender<Arc<Message>>,
    overflowed: Arc<AtomicBool>,
}

impl fmt::Debug for Topics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Topics")
            .field("topics", &self.lock().len())
            .finish()
    }
}

impl Topics {
    /// No topics yet.
    pub fn new() -> Self {
        Topics::default()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, HashMap<u64, Member>>> {
        self.inner.topics.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Publishes to every subscriber of `topic`; the number that got it.
    pub fn publish(&self, topic: &str, message: impl Into<Message>) -> usize {
        self.publish_from(None, topic, message.into())
    }

    fn publish_from(&self, sender: Option<u64>, topic: &str, message: Message) -> usize {
        let message = Arc::new(message);
        let topics = self.lock();
        let Some(members) = topics.get(topic) else {
            return 0;
        };
        let mut reached = 0;
        for (id, member) in members {
            if Some(*id) == sender {
                continue;
            }
            match member.queue.try_send(Arc::clone(&message)) {
                Ok(()) => reached += 1,
                Err(TrySendError::Full(_)) => member.overflowed.store(true, Ordering::Relaxed),
                Err(TrySendError::Disconnected(_)) => {}
            }
        }
        reached
    }

    /// How many sockets are subscribed to `topic`.
    pub fn num_subscribers(&self, topic: &str) -> usize {
        self.lock().get(topic).map_or(0, HashMap::len)
    }
}

/// Removes member `id` from `topic`, and the topic once it is empty.
fn leave(topics: &mut HashMap<String, HashMap<u64, Member>>, topic: &str, id: u64) {
    if let Some(members) = topics.get_mut(topic) {
        members.remove(&id);
        if members.is_empty() {
            topics.remove(topic);
        }
    }
}

/// One socket's membership in the topics.
struct Subscriber {
    topics: Topics,
    id: u64,
    member: Member,
    queue: Receiver<Arc<Message>>,
    overflowed: Arc<AtomicBool>,
    joined: Vec<String>,
}

impl Subscriber {
    fn new(topics: Topics, capacity: usize) -> Self {
        let (sender, queue) = mpsc::sync_channel(capacity.max(1));
        let overflowed = Arc::new(AtomicBool::new(false));
        let id = topics.inner.next_id.fetch_add(1, Ordering::Relaxed);
        Subscriber {
            member: Member {
                queue: sender,
                overflowed: Arc::clone(&overflowed),
            },
            topics,
            id,
            queue,
            overflowed,
            joined: Vec::new(),
        }
    }

    fn subscribed(&self) -> bool {
        !self.joined.is_empty()
    }

    fn subscribe(&mut self, topic: &str) {
        if self.joined.iter().any(|t| t == topic) {
            return;
        }
        self.topics
            .lock()
            .entry(topic.to_owned())
            .or_default()
            .insert(self.id, self.member.clone());
        self.joined.push(topic.to_owned());
    }

    fn unsubscribe(&mut self, topic: &str) {
        leave(&mut self.topics.lock(), topic, self.id);
        self.joined.retain(|t| t != topic);
    }

    fn leave_all(&mut self) {
        let joined = std::mem::take(&mut self.joined);
        let mut topics = self.topics.lock();
        for topic in joined {
            leave(&mut topics, &topic, self.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{TcpListener, TcpStream};
    use std::thread;

    fn pair() -> (TcpStream, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        (client, server)
    }

    fn handshake(env: &mut Environ) {
        env.set("REQUEST_METHOD", "GET");
        env.set("SERVER_PROTOCOL", "HTTP/1.1");
        env.set("HTTP_UPGRADE", "websocket");
        env.set("HTTP_CONNECTION", "keep-alive, Upgrade");
        env.set("HTTP_SEC_WEBSOCKET_VERSION", "13");
        env.set("HTTP_SEC_WEBSOCKET_KEY", "dGhlIHNhbXBsZSBub25jZQ==");
        env.set_upgrade_available(true);
    }

    /// The server side of an accepted socket on `server`, through the
    /// public path: handshake → accept → the upgrade body's handler.
    fn accepted(server: TcpStream, config: WsConfig, topics: Option<&Topics>) -> WebSocket {
        let mut env = Environ::new();
        handshake(&mut env);
        let mut upgrade = WsUpgrade::from_environ(&env).unwrap().config(config);
        if let Some(topics) = topics {
            upgrade = upgrade.topics(topics);
        }
        let (tx, rx) = mpsc::channel();
        let response = upgrade
            .accept(None, move |socket| {
                tx.send(socket).unwrap();
                Ok(())
            })
            .unwrap();
        let (status, headers, mut body) = response.into_parts();
        assert_eq!(status, 101);
        // RFC 6455 section 1.3's worked example.
        assert_eq!(
            headers.get("Sec-WebSocket-Accept"),
            Some("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        );
        assert_eq!(headers.get("Upgrade"), Some("websocket"));
        let handler = body.take_upgrade().expect("an upgrade body (UPG-002)");
        handler
            .run(Upgraded::new(Box::new(server), Vec::new()))
            .unwrap();
        rx.recv().unwrap()
    }

    fn client(stream: TcpStream) -> tungstenite::WebSocket<TcpStream> {
        tungstenite::WebSocket::from_raw_socket(stream, Role::Client, None)
    }

    fn close_code(frame: Frame) -> u16 {
        match frame {
            Frame::Close(Some(close)) => u16::from(close.code),
            other => panic!("expected a close frame, got {other:?}"),
        }
    }

    #[test]
    fn bad_handshakes_are_refused_with_their_status() {
        let cases: [(&str, Option<&str>, u16); 6] = [
            ("HTTP_SEC_WEBSOCKET_KEY", None, 400),
            ("HTTP_SEC_WEBSOCKET_KEY", Some("c2hvcnQ="), 400),
            ("HTTP_SEC_WEBSOCKET_VERSION", Some("8"), 426),
            ("SERVER_PROTOCOL", Some("HTTP/1.0"), 400),
            ("CONTENT_LENGTH", Some("5"), 400),
            ("REQUEST_METHOD", Some("POST"), 400),
        ];
        for (key, value, status) in cases {
            let mut env = Environ::new();
            handshake(&mut env);
            match value {
                Some(v) => env.set(key, v),
                None => {
                    env.remove(key);
                }
            }
            let rejection = WsUpgrade::from_environ(&env).unwrap_err();
            assert_eq!(rejection.status, status, "{key}={value:?}: {rejection}");
            if status == 426 {
                let response = rejection.into_response();
                assert_eq!(response.headers().get("Sec-WebSocket-Version"), Some("13"));
                assert_eq!(response.headers().get("Upgrade"), Some("websocket"));
            }
        }
        let mut env = Environ::new();
        handshake(&mut env);
        env.set_upgrade_available(false);
        assert_eq!(WsUpgrade::from_environ(&env).unwrap_err().status, 501);
    }

    #[test]
    fn subprotocol_must_be_one_offered() {
        let mut env = Environ::new();
        handshake(&mut env);
        env.set("HTTP_SEC_WEBSOCKET_PROTOCOL", "chat, superchat");
        let upgrade = WsUpgrade::from_environ(&env).unwrap();
        assert_eq!(upgrade.protocols(), ["chat", "superchat"]);
        let response = upgrade.accept(Some("superchat"), |_| Ok(())).unwrap();
        assert_eq!(
            response.headers().get("Sec-WebSocket-Protocol"),
            Some("superchat")
        );
        let upgrade = WsUpgrade::from_environ(&env).unwrap();
        assert!(upgrade.accept(Some("mqtt"), |_| Ok(())).is_err());
    }

    #[test]
    fn echo_ping_big_message_and_close_handshake() {
        let (c, s) = pair();
        let mut socket = accepted(s, WsConfig::default(), None);
        let server = thread::spawn(move || {
            while let Some(message) = socket.receive().unwrap() {
                socket.send(message).unwrap();
            }
        });
        let mut cl = client(c);
        cl.send(Frame::Text("hi".into())).unwrap();
        assert_eq!(cl.read().unwrap(), Frame::Text("hi".into()));
        cl.send(Frame::Ping(b"p".to_vec().into())).unwrap();
        assert_eq!(cl.read().unwrap(), Frame::Pong(b"p".to_vec().into()));
        cl.send(Frame::Binary(vec![7u8; 1 << 20].into())).unwrap();
        assert_eq!(cl.read().unwrap(), Frame::Binary(vec![7u8; 1 << 20].into()));
        cl.close(None).unwrap();
        loop {
            match cl.read() {
                Ok(Frame::Close(_)) => {}
                Ok(other) => panic!("after close: {other:?}"),
                Err(_) => break,
            }
        }
        server.join().unwrap();
    }

    #[test]
    fn too_big_is_1009() {
        let (c, s) = pair();
        let config = WsConfig {
            max_message_size: 1000,
            ..WsConfig::default()
        };
        let mut socket = accepted(s, config, None);
        let server = thread::spawn(move || socket.receive().unwrap());
        let mut cl = client(c);
        cl.send(Frame::Binary(vec![0u8; 5000].into())).unwrap();
        assert_eq!(close_code(cl.read().unwrap()), 1009);
        assert_eq!(server.join().unwrap(), None);
    }

    #[test]
    fn idle_socket_is_closed_with_1001() {
        let (c, s) = pair();
        let config = WsConfig {
            idle_timeout: Some(Duration::from_millis(50)),
            ..WsConfig::default()
        };
        let mut socket = accepted(s, config, None);
        let server = thread::spawn(move || socket.receive().unwrap());
        let mut cl = client(c);
        assert_eq!(close_code(cl.read().unwrap()), 1001);
        assert_eq!(server.join().unwrap(), None);
    }

    #[test]
    fn close_with_code_and_reason() {
        let (c, s) = pair();
        let mut socket = accepted(s, WsConfig::default(), None);
        socket.close(4000, "bye").unwrap();
        assert_eq!(socket.receive().unwrap(), None);
        assert!(socket.send("late").is_err());
        match client(c).read().unwrap() {
            Frame::Close(Some(close)) => {
                assert_eq!(u16::from(close.code), 4000);
                assert_eq!(close.reason.as_str(), "bye");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn publish_reaches_subscribers_and_a_slow_one_is_closed_with_1013() {
        let topics = Topics::new();
        let (c1, s1) = pair();
        let (c2, s2) = pair();
        let mut fast = accepted(s1, WsConfig::default(), Some(&topics));
        let slow_config = WsConfig {
            queue_messages: 4,
            ..WsConfig::default()
        };
        let mut slow = accepted(s2, slow_config, Some(&topics));
        fast.subscribe("room");
        slow.subscribe("room");
        assert_eq!(topics.num_subscribers("room"), 2);
        // `slow` does not run `receive` yet: its queue overflows, and the
        // publisher is never blocked.
        for i in 0..10 {
            assert!(topics.publish("room", format!("m{i}")) <= 2);
        }
        let fast_thread = thread::spawn(move || {
            let mut got = Vec::new();
            while let Some(message) = fast.receive().unwrap() {
                got.push(message);
            }
            got
        });
        let mut fast_client = client(c1);
        for i in 0..10 {
            assert_eq!(
                fast_client.read().unwrap(),
                Frame::Text(format!("m{i}").into())
            );
        }
        let slow_thread = thread::spawn(move || slow.receive().unwrap());
        assert_eq!(close_code(client(c2).read().unwrap()), 1013);
        assert_eq!(slow_thread.join().unwrap(), None);
        assert_eq!(topics.num_subscribers("room"), 1, "a closed socket leaves");
        fast_client.close(None).unwrap();
        let _ = fast_client.read();
        assert!(fast_thread.join().unwrap().is_empty());
        assert_eq!(topics.num_subscribers("room"), 0);
    }
}
