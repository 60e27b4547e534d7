//! A streamed response on a real server: when the client goes away in the
//! middle, the server drops the body, the writer's `write` fails with
//! `Aborted`, `aborted()` is true and the `on_aborted` callback has run —
//! the producer stops instead of writing forever.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::mpsc;
use std::time::Duration;

use rgi_web::{App, Response};

#[test]
fn the_writer_learns_that_the_client_left() {
    let (events, seen) = mpsc::channel::<String>();
    let app = App::new().get("/forever", move || {
        let events = events.clone();
        Response::stream(move |mut res| {
            let hook = events.clone();
            res.on_aborted(move || {
                let _ = hook.send("on_aborted".to_owned());
            });
            let mut parts = 0u64;
            while res.write(vec![b'x'; 16 * 1024]).is_ok() {
                parts += 1;
            }
            let _ = events.send(format!(
                "stopped aborted={} after {parts} parts",
                res.aborted()
            ));
        })
        .content_type("application/octet-stream")
    });
    let config = rgi::simple_server::Config::default().access_log(false);
    let server = rgi::simple_server::make_server_with("127.0.0.1", 0, app, config).expect("bind");
    let addr = server.server_address();
    let stop = server.shutdown_handle();
    let serving = std::thread::spawn(move || server.serve_forever());

    let mut client = TcpStream::connect(addr).expect("connect");
    client
        .write_all(b"GET /forever HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("send the request");
    let mut first = vec![0u8; 64 * 1024];
    let n = client.read(&mut first).expect("the response starts");
    assert!(
        first[..n].starts_with(b"HTTP/1.1 200 OK\r\n"),
        "{:?}",
        String::from_utf8_lossy(&first[..n])
    );
    drop(client);

    let mut got = Vec::new();
    for _ in 0..2 {
        got.push(
            seen.recv_timeout(Duration::from_secs(30))
                .expect("the producer heard of the abort"),
        );
    }
    assert!(got.contains(&"on_aborted".to_owned()), "{got:?}");
    assert!(
        got.iter().any(|e| e.starts_with("stopped aborted=true")),
        "{got:?}"
    );
    stop.shutdown();
    let _ = serving.join();
}
