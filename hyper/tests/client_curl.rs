//! rgi-hyper with curl: HTTP/1.1, HTTP/2 with prior knowledge (h2c), and
//! HTTP/2 over TLS (ALPN) with a certificate the test makes. Skipped with
//! the reason printed when curl is missing, unless `CI=true`.

mod support;

use std::process::{Command, Output};
use std::time::Duration;

use support::client_support::{run, tool};
use support::{config, describe, field, serve, serve_tls, test_cert};

fn curl(args: &[&str]) -> Option<Output> {
    let curl = tool("curl")?;
    let output = run(
        Command::new(curl)
            .args(["-sS", "--max-time", "20"])
            .args(args),
        Duration::from_secs(30),
    );
    assert!(
        output.status.success(),
        "curl {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(output)
}

fn text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn http_1_1() {
    let served = serve(describe, config());
    let Some(out) = curl(&["--http1.1", "-i", &served.url("/caf%C3%A9?x=1")]) else {
        return;
    };
    let out = text(&out);
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
    assert!(
        out.to_ascii_lowercase().contains("\r\ncontent-length: "),
        "{out}"
    );
    assert_eq!(field(&out, "SERVER_PROTOCOL"), "HTTP/1.1");
    assert_eq!(field(&out, "PATH_INFO"), "/café");
    assert_eq!(field(&out, "REQUEST_URI"), "/caf%C3%A9?x=1");
    assert_eq!(field(&out, "QUERY_STRING"), "x=1");
    assert_eq!(field(&out, "HTTP_HOST"), served.addr.to_string());
    assert_eq!(field(&out, "REMOTE_ADDR"), "127.0.0.1");
    assert_eq!(field(&out, "url_scheme"), "http");
}

#[test]
fn http_1_1_uploads_chunked_and_with_100_continue() {
    let served = serve(describe, config());
    let body = "x".repeat(100_000);
    let args = [
        "--http1.1",
        "-v",
        "-H",
        "Transfer-Encoding: chunked",
        "-H",
        "Expect: 100-continue",
        "--data-binary",
        &body,
        &served.url("/upload"),
    ];
    let Some(out) = curl(&args) else { return };
    let stdout = text(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("HTTP/1.1 100 Continue"), "{stderr}");
    assert_eq!(field(&stdout, "body_len"), "100000");
    assert_eq!(field(&stdout, "input_terminated"), "true");
    assert_eq!(field(&stdout, "CONTENT_LENGTH"), "-");
}

#[test]
fn h2c_with_prior_knowledge() {
    let served = serve(describe, config());
    let Some(out) = curl(&[
        "--http2-prior-knowledge",
        "-i",
        "-d",
        "hello",
        &served.url("/h2?y=2"),
    ]) else {
        return;
    };
    let out = text(&out);
    assert!(out.starts_with("HTTP/2 200"), "{out}");
    assert_eq!(field(&out, "SERVER_PROTOCOL"), "HTTP/2");
    assert_eq!(field(&out, "HTTP_HOST"), served.addr.to_string());
    assert_eq!(field(&out, "REQUEST_METHOD"), "POST");
    assert_eq!(field(&out, "CONTENT_LENGTH"), "5");
    assert_eq!(field(&out, "body"), "hello");
    let Some(out) = curl(&["--http2-prior-knowledge", &served.url("/stream")]) else {
        return;
    };
    assert_eq!(
        text(&out),
        "streamed line 0\nstreamed line 1\nstreamed line 2\n"
    );
}

#[test]
fn h2_over_tls_with_alpn() {
    let served = serve_tls(describe, config());
    let cert = test_cert();
    let cacert = cert.cert.to_str().unwrap();
    let Some(out) = curl(&["--http2", "--cacert", cacert, "-i", &served.url("/secure")]) else {
        return;
    };
    let out = text(&out);
    assert!(out.starts_with("HTTP/2 200"), "{out}");
    assert_eq!(field(&out, "SERVER_PROTOCOL"), "HTTP/2");
    assert_eq!(field(&out, "url_scheme"), "https");
    assert_eq!(
        field(&out, "HTTP_HOST"),
        format!("localhost:{}", served.addr.port())
    );
    // The same server speaks HTTP/1.1 to a client that offers only that.
    let Some(out) = curl(&[
        "--http1.1",
        "--cacert",
        cacert,
        "-i",
        &served.url("/secure"),
    ]) else {
        return;
    };
    let out = text(&out);
    assert!(out.starts_with("HTTP/1.1 200 OK"), "{out}");
    assert_eq!(field(&out, "url_scheme"), "https");
}
