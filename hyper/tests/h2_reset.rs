//! A client that resets one HTTP/2 stream mid-response costs only that
//! stream: the connection's other streams go on, and the reset stream's
//! body is dropped exactly once (BODY-008).

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rgi::Body;
use support::{config, serve, wait_until};

#[test]
fn resetting_one_stream_costs_only_that_stream() {
    let drops = Arc::new(AtomicUsize::new(0));
    let dropped = Arc::clone(&drops);
    let app = move |env: &mut rgi::Environ, start: &mut dyn rgi::StartResponse| {
        start.start("200 OK", [("Content-Type", "text/plain")].into())?;
        if env.get_bytes("PATH_INFO") == Some(b"/endless") {
            let dropped = Arc::clone(&dropped);
            let body = Body::stream(std::iter::repeat_with(|| {
                Ok::<_, std::io::Error>(vec![b'x'; 8192])
            }));
            return Ok(body.on_close(move || {
                dropped.fetch_add(1, Ordering::SeqCst);
            }));
        }
        Ok(Body::from("still here"))
    };
    let served = serve(app, config());
    let addr = served.addr;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (mut sender, connection) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp))
                .await
                .expect("h2c handshake");
        tokio::spawn(connection);
        let get = |path: &str| {
            hyper::Request::get(format!("http://{addr}{path}"))
                .body(Empty::<Bytes>::new())
                .unwrap()
        };
        let endless = sender.send_request(get("/endless")).await.unwrap();
        assert_eq!(endless.status(), 200);
        let mut body = endless.into_body();
        let mut got = 0;
        while got < 100_000 {
            let frame = body.frame().await.expect("a frame").expect("data");
            got += frame.data_ref().map_or(0, |d| d.len());
        }
        drop(body); // RST_STREAM (CANCEL) for this stream only
        for _ in 0..3 {
            let other = sender
                .send_request(get("/other"))
                .await
                .expect("the connection still serves");
            assert_eq!(other.status(), 200);
            let text = other.into_body().collect().await.unwrap().to_bytes();
            assert_eq!(text, "still here");
        }
    });
    wait_until("the reset stream's body is dropped", || {
        drops.load(Ordering::SeqCst) == 1
    });
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert_eq!(drops.load(Ordering::SeqCst), 1, "dropped exactly once");
}
