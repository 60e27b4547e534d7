//! `App::gzip` through the validating test client and the validator's
//! catalogue: compressed only when asked, framed correctly (Content-Length
//! of the compressed bytes, chunked for streams), HEAD like GET.

use std::io::Read;

use rgi::test::{TestClient, TestRequest, TestResponse};
use rgi_web::{App, Response};

fn app() -> App {
    App::new()
        .gzip(256)
        .get("/", || "hello, gzip! ".repeat(100))
        .get("/stream", || {
            Response::stream(|mut w| {
                for i in 0..20 {
                    if w.write(format!("part {i}\n")).is_err() {
                        return;
                    }
                }
                let _ = w.end("");
            })
            .content_type("text/plain; charset=utf-8")
        })
        .get("/png", || {
            Response::new(vec![0u8; 4096]).content_type("image/png")
        })
}

fn gzip_get(client: &TestClient, method: &str, target: &str) -> TestResponse {
    let res =
        client.request(TestRequest::new(method, target).header("Accept-Encoding", "gzip, br"));
    assert!(res.findings().is_empty(), "{target}: {:?}", res.findings());
    res
}

fn gunzip(bytes: &[u8]) -> String {
    let mut out = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut out)
        .expect("gzip");
    out
}

#[test]
fn compressed_when_accepted_and_framed_right() {
    let client = TestClient::new(app());
    let res = gzip_get(&client, "GET", "/");
    assert_eq!(res.header("content-encoding"), Some("gzip"));
    assert_eq!(res.header("vary"), Some("Accept-Encoding"));
    assert_eq!(
        res.header("content-length"),
        Some(res.body().len().to_string().as_str())
    );
    assert_eq!(gunzip(res.body()), "hello, gzip! ".repeat(100));

    let head = gzip_get(&client, "HEAD", "/");
    assert_eq!(head.header("content-length"), res.header("content-length"));
    assert!(head.body().is_empty());

    let streamed = gzip_get(&client, "GET", "/stream");
    assert_eq!(streamed.header("transfer-encoding"), Some("chunked"));
    let expected: String = (0..20).map(|i| format!("part {i}\n")).collect();
    assert_eq!(gunzip(streamed.body()), expected);

    let png = gzip_get(&client, "GET", "/png");
    assert_eq!(png.header("content-encoding"), None);

    let plain = client.get("/");
    assert_eq!(
        (plain.header("content-encoding"), plain.header("vary")),
        (None, Some("Accept-Encoding"))
    );
    assert_eq!(plain.text(), "hello, gzip! ".repeat(100));
}

#[test]
fn a_gzip_app_passes_the_catalogue() {
    rgi_validator::check_app(app()).assert_clean();
}
