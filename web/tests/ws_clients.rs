//! WebSockets over real TCP: the chat example on `rgi::simple_server`,
//! driven by tungstenite's client — text, binary, fragmented messages, ping,
//! the close handshake, a 1 MiB message, 100 sockets at once, bad handshakes
//! (a clear 4xx each) and a client that vanishes mid-frame (its thread is
//! freed). Spec section 12 (UPG-*) on the server side.

#[path = "../../tests/client_support/mod.rs"]
mod client_support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use client_support::{package_example_path, start_program, Running};
use tungstenite::protocol::frame::coding::{Data, OpCode};
use tungstenite::protocol::frame::Frame;
use tungstenite::{connect, Message};

type Socket = tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<TcpStream>>;

fn chat() -> Running {
    start_program(&package_example_path("rgi-web", "chat"))
}

fn join(server: &Running, room: &str) -> Socket {
    let url = format!("ws://{}/ws/{room}", server.addr);
    let (socket, response) = connect(url.as_str()).unwrap_or_else(|e| panic!("{url}: {e}"));
    assert_eq!(response.status().as_u16(), 101);
    socket
}

/// The next text or binary message (pongs and pings skipped).
fn next(socket: &mut Socket) -> Message {
    loop {
        if let m @ (Message::Text(_) | Message::Binary(_)) = socket.read().expect("a message") {
            return m;
        }
    }
}

/// One raw HTTP/1.1 exchange: the status line and the rest.
fn raw(server: &Running, request: &str) -> (String, String) {
    let mut stream = TcpStream::connect(&server.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response).into_owned();
    let (status, rest) = text.split_once("\r\n").unwrap_or((&text, ""));
    (status.to_owned(), rest.to_owned())
}

fn subscribers(server: &Running, room: &str) -> usize {
    let (status, rest) = raw(
        server,
        &format!("GET /rooms/{room} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    );
    assert!(status.ends_with("200 OK"), "{status}");
    rest.rsplit("\r\n\r\n")
        .next()
        .unwrap_or("")
        .trim()
        .parse()
        .unwrap_or(usize::MAX)
}

fn wait_for_subscribers(server: &Running, room: &str, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while subscribers(server, room) != n {
        assert!(
            Instant::now() < deadline,
            "{room} never had {n} subscribers"
        );
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn text_binary_fragments_ping_and_a_big_message_reach_the_room() {
    let server = chat();
    let mut alice = join(&server, "r1");
    let mut bob = join(&server, "r1");
    wait_for_subscribers(&server, "r1", 2);
    alice.send(Message::Text("hello".into())).unwrap();
    assert_eq!(next(&mut alice), Message::Text("hello".into()));
    assert_eq!(next(&mut bob), Message::Text("hello".into()));
    bob.send(Message::Binary(vec![0, 1, 2, 255].into()))
        .unwrap();
    assert_eq!(next(&mut alice), Message::Binary(vec![0, 1, 2, 255].into()));
    assert_eq!(next(&mut bob), Message::Binary(vec![0, 1, 2, 255].into()));
    // A message in three fragments arrives whole (RFC 6455 section 5.4).
    let parts: [(&[u8], OpCode, bool); 3] = [
        (b"frag", OpCode::Data(Data::Text), false),
        (b"men", OpCode::Data(Data::Continue), false),
        (b"ted", OpCode::Data(Data::Continue), true),
    ];
    for (bytes, opcode, fin) in parts {
        let frame = Frame::message(bytes.to_vec(), opcode, fin);
        alice.write(Message::Frame(frame)).unwrap();
    }
    alice.flush().unwrap();
    assert_eq!(next(&mut bob), Message::Text("fragmented".into()));
    // Ping is answered with the same payload.
    bob.send(Message::Ping(b"are you there".to_vec().into()))
        .unwrap();
    let pong = loop {
        if let Message::Pong(payload) = bob.read().unwrap() {
            break payload;
        }
    };
    assert_eq!(&pong[..], b"are you there");
    // 1 MiB in one message.
    let big = vec![b'x'; 1 << 20];
    alice.send(Message::Binary(big.clone().into())).unwrap();
    assert_eq!(next(&mut bob), Message::Binary(big.into()));
    // The close handshake: the server answers the close frame.
    alice.close(None).unwrap();
    let answered = loop {
        match alice.read() {
            Ok(Message::Close(_)) => break true,
            Ok(_) => {}
            Err(tungstenite::Error::ConnectionClosed) => break true,
            Err(e) => panic!("close handshake: {e}"),
        }
    };
    assert!(answered);
    wait_for_subscribers(&server, "r1", 1);
}

#[test]
fn a_hundred_sockets_at_once() {
    let server = chat();
    let mut sockets: Vec<Socket> = (0..100).map(|_| join(&server, "crowd")).collect();
    wait_for_subscribers(&server, "crowd", 100);
    for (i, socket) in sockets.iter_mut().enumerate() {
        socket
            .send(Message::Text(format!("from {i}").into()))
            .unwrap();
    }
    let receivers: Vec<_> = sockets
        .into_iter()
        .map(|mut socket| {
            thread::spawn(move || {
                let mut got = 0;
                while got < 100 {
                    if let Message::Text(_) = next(&mut socket) {
                        got += 1;
                    }
                }
                let _ = socket.close(None);
                got
            })
        })
        .collect();
    for r in receivers {
        assert_eq!(r.join().unwrap(), 100);
    }
}

#[test]
fn bad_handshakes_get_a_clear_4xx_and_the_server_goes_on() {
    let server = chat();
    let key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    let cases = [
        ("missing key", "GET /ws/a HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n".to_owned(), "400"),
        ("wrong version", format!("GET /ws/a HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n{key}Sec-WebSocket-Version: 8\r\n\r\n"), "426"),
        ("HTTP/1.0", format!("GET /ws/a HTTP/1.0\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n{key}Sec-WebSocket-Version: 13\r\n\r\n"), "400"),
        ("with a body", format!("GET /ws/a HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n{key}Sec-WebSocket-Version: 13\r\nContent-Length: 5\r\n\r\nhello"), "400"),
    ];
    for (what, request, status) in cases {
        let request = request
            .replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n")
            .replacen(
                "Connection: Upgrade\r\n",
                "Connection: Upgrade, close\r\n",
                1,
            );
        let (line, rest) = raw(&server, &request);
        assert!(
            line.contains(&format!(" {status} ")),
            "{what}: {line}\n{rest}"
        );
        if status == "426" {
            assert!(
                rest.contains("Sec-WebSocket-Version: 13\r\n"),
                "{what}: {rest}"
            );
        }
    }
    // Still serving.
    let mut socket = join(&server, "after");
    socket.send(Message::Text("ok".into())).unwrap();
    assert_eq!(next(&mut socket), Message::Text("ok".into()));
    let log = server.stderr();
    assert!(log.contains("not a WebSocket handshake"), "{log}");
}

fn threads(pid: u32) -> usize {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

#[test]
fn a_client_that_vanishes_mid_frame_frees_its_thread() {
    // UPG-009, UPG-011: the connection's thread ends when its peer goes.
    let server = chat();
    let baseline = {
        let _warm = join(&server, "warm");
        wait_for_subscribers(&server, "warm", 1);
        drop(_warm);
        wait_for_subscribers(&server, "warm", 0);
        threads(server.pid())
    };
    let mut socket = join(&server, "gone");
    wait_for_subscribers(&server, "gone", 1);
    // Half a frame header, then the TCP connection is dropped.
    if let tungstenite::stream::MaybeTlsStream::Plain(tcp) = socket.get_mut() {
        tcp.write_all(&[0x81]).unwrap();
    }
    drop(socket);
    wait_for_subscribers(&server, "gone", 0);
    let deadline = Instant::now() + Duration::from_secs(20);
    while threads(server.pid()) > baseline {
        assert!(
            Instant::now() < deadline,
            "{} threads, {baseline} before the socket",
            threads(server.pid())
        );
        thread::sleep(Duration::from_millis(20));
    }
}
