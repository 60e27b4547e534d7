//! WebSocket load client for the benchmarks in BENCHMARKS.md ("WebSockets"):
//! the same client drives rgi-web's chat example and the `tungstenite_echo`
//! peer of `../shared/bench`.
//!
//! ```sh
//! cargo run --release -p rgi-web --example ws_bench -- echo ws://127.0.0.1:8000/echo [--sockets 100] [--seconds 5] [--size 32]
//! cargo run --release -p rgi-web --example ws_bench -- publish ws://127.0.0.1:8000/ws/bench [--subscribers 100] [--messages 2000]
//! ```
//!
//! `echo`: every socket sends a message and waits for it to come back, in a
//! loop (one thread per socket); prints messages echoed per second.
//! `publish`: the subscribers connect to a chat room, one more socket sends
//! `--messages` messages into it in batches of 64, waiting for its own
//! copies between batches; prints deliveries per second (messages
//! received by all subscribers together, over the time until the last
//! subscriber has them all).

use std::net::TcpStream;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use tungstenite::stream::MaybeTlsStream;
use tungstenite::{connect, Message};

/// Messages a publisher sends before it waits for its own copies.
const BATCH: u64 = 64;

type Socket = tungstenite::WebSocket<MaybeTlsStream<TcpStream>>;

fn flag(args: &[String], name: &str, default: u64) -> u64 {
    args.windows(2)
        .find(|w| w[0] == name)
        .map(|w| {
            w[1].parse()
                .unwrap_or_else(|_| usage(&format!("{name} takes a number")))
        })
        .unwrap_or(default)
}

fn usage(problem: &str) -> ! {
    eprintln!("ws_bench: {problem}\nusage: ws_bench echo URL [--sockets N] [--seconds S] [--size B]\n       ws_bench publish URL [--subscribers N] [--messages M]");
    std::process::exit(2)
}

fn open(url: &str) -> Socket {
    let (socket, _) =
        connect(url).unwrap_or_else(|e| usage(&format!("cannot connect to {url}: {e}")));
    if let MaybeTlsStream::Plain(tcp) = socket.get_ref() {
        let _ = tcp.set_nodelay(true);
    }
    socket
}

fn echo(url: &str, sockets: u64, seconds: u64, size: u64) {
    let start = Arc::new(Barrier::new(sockets as usize + 1));
    let payload = "x".repeat(size as usize);
    let workers: Vec<_> = (0..sockets)
        .map(|_| {
            let (url, start, payload) = (url.to_owned(), Arc::clone(&start), payload.clone());
            thread::spawn(move || {
                let mut ws = open(&url);
                start.wait();
                let deadline = Instant::now() + Duration::from_secs(seconds);
                let mut echoed = 0u64;
                while Instant::now() < deadline {
                    if ws.send(Message::Text(payload.as_str().into())).is_err() {
                        break;
                    }
                    match ws.read() {
                        Ok(Message::Text(_)) => echoed += 1,
                        Ok(_) => {}
                        Err(_) => break,
                    }
                }
                let _ = ws.close(None);
                echoed
            })
        })
        .collect();
    start.wait();
    let began = Instant::now();
    let total: u64 = workers.into_iter().map(|w| w.join().unwrap_or(0)).sum();
    let secs = began.elapsed().as_secs_f64();
    println!(
        "echo sockets={sockets} size={size} messages={total} seconds={secs:.2} msg/s={:.0}",
        total as f64 / secs
    );
}

fn publish(url: &str, subscribers: u64, messages: u64) {
    let ready = Arc::new(Barrier::new(subscribers as usize + 1));
    let workers: Vec<_> = (0..subscribers)
        .map(|_| {
            let (url, ready) = (url.to_owned(), Arc::clone(&ready));
            thread::spawn(move || {
                let mut ws = open(&url);
                ready.wait();
                let mut got = 0u64;
                while got < messages {
                    match ws.read() {
                        Ok(Message::Text(_)) => got += 1,
                        Ok(_) => {}
                        Err(_) => break,
                    }
                }
                let _ = ws.close(None);
                (got, Instant::now())
            })
        })
        .collect();
    ready.wait();
    // Let the server register the last subscriber before publishing.
    thread::sleep(Duration::from_millis(200));
    let mut publisher = open(url);
    let began = Instant::now();
    // In batches: the room sends the publisher its own copies too, and it
    // waits for them before the next batch, so that no subscriber's queue
    // (256 messages by default) overflows while the others keep up.
    let mut sent = 0;
    while sent < messages {
        let batch = (messages - sent).min(BATCH);
        for i in 0..batch {
            let text = format!("message {}", sent + i);
            if publisher.send(Message::Text(text.into())).is_err() {
                usage("the publisher's socket failed");
            }
        }
        let mut back = 0;
        while back < batch {
            match publisher.read() {
                Ok(Message::Text(_)) => back += 1,
                Ok(_) => {}
                Err(e) => usage(&format!("the publisher's socket failed: {e}")),
            }
        }
        sent += batch;
    }
    let mut delivered = 0;
    let mut last = began;
    for w in workers {
        if let Ok((got, at)) = w.join() {
            delivered += got;
            last = last.max(at);
        }
    }
    let secs = (last - began).as_secs_f64();
    let expected = subscribers * messages;
    println!("publish subscribers={subscribers} messages={messages} delivered={delivered}/{expected} seconds={secs:.2} deliveries/s={:.0}", delivered as f64 / secs);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(mode), Some(url)) = (args.get(1), args.get(2)) else {
        usage("give a mode and a ws:// URL")
    };
    match mode.as_str() {
        "echo" => echo(
            url,
            flag(&args, "--sockets", 1),
            flag(&args, "--seconds", 5),
            flag(&args, "--size", 32),
        ),
        "publish" => publish(
            url,
            flag(&args, "--subscribers", 100),
            flag(&args, "--messages", 2000),
        ),
        _ => usage("the mode is echo or publish"),
    }
}
