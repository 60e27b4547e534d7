//! The accept loop survives running out of file descriptors (EMFILE):
//! it logs, backs off and goes on (SRV-012). Alone in its own test binary
//! because it exhausts the process's descriptors for a moment.

mod server_common;

use std::fs::File;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use server_common::*;

/// SRV-012: log, back off, go on after EMFILE.
#[test]
fn accept_loop_survives_descriptor_exhaustion() {
    let server = start(rgi::app(hello));
    // Use up every descriptor but one, which the client takes.
    let mut hoard = Vec::new();
    loop {
        match File::open("/dev/null") {
            Ok(f) => hoard.push(f),
            Err(_) => break,
        }
        assert!(hoard.len() < 1_000_000, "no descriptor limit?");
    }
    hoard.pop();
    let client = TcpStream::connect(server.addr);
    // The server's accept() now fails with EMFILE (the handshake completed
    // in the kernel, the descriptor for it cannot be made). Let it fail a
    // few times, then give descriptors back.
    std::thread::sleep(Duration::from_millis(50));
    hoard.truncate(hoard.len().saturating_sub(64));
    let mut client = client.expect("the client got the last descriptor");
    client
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    client
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    client.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response:?}");
    drop(hoard);
    // And it keeps serving afterwards.
    let r = request(server.addr, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.text(), "Hello, world!");
}
