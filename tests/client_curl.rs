//! Real-client tests with `curl`: GET, HEAD, POST, chunked upload,
//! keep-alive reuse, HTTP/1.0, against `rgi::simple_server` serving a
//! request-echo application in-process, and against the base64 example run
//! as a program. Skipped with a reason when curl is missing, unless `CI=true`.

mod client_support;

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::Duration;

use client_support::{echo_app, serve_in_process, start_example, tool};

/// The echo server shared by the tests of this file.
fn echo() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| serve_in_process(echo_app))
}

/// Runs curl (at most 20 s) with `args`; `None` when curl is missing.
fn curl(args: &[&str]) -> Option<Output> {
    let curl = tool("curl")?;
    let output = client_support::run(
        Command::new(curl)
            .args(["--silent", "--show-error", "--max-time", "15"])
            .args(args),
        Duration::from_secs(20),
    );
    assert!(
        output.status.success(),
        "curl {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(output)
}

/// Splits curl `--include` output into the head and the body.
fn head_and_body(output: &Output) -> (String, String) {
    let text = String::from_utf8_lossy(&output.stdout);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    (head.to_owned(), body.to_owned())
}

/// The value of header `name` in a response head (case-insensitive).
fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().skip(1).find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// ENV-007, ENV-014, TEXT-003, TEXT-005: decoded path, raw query and target.
#[test]
fn get() {
    let url = format!("{}/hello/w%C3%B6rld?x=1&y=%20", echo());
    let Some(out) = curl(&["--include", &url]) else {
        return;
    };
    let (head, body) = head_and_body(&out);
    assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
    assert_eq!(
        header(&head, "content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(
        header(&head, "content-length"),
        Some(body.len().to_string().as_str())
    );
    assert!(body.contains("REQUEST_METHOD=GET\n"), "{body}");
    assert!(
        body.contains("REQUEST_URI=/hello/w%C3%B6rld?x=1&y=%20\n"),
        "{body}"
    );
    assert!(body.contains("QUERY_STRING=x=1&y=%20\n"), "{body}");
    // PATH_INFO is the percent-decoded path: "/hello/wörld" in UTF-8.
    let hex: String = "/hello/wörld".bytes().map(|b| format!("{b:02x}")).collect();
    assert!(body.contains(&format!("PATH_INFO_HEX={hex}\n")), "{body}");
    assert!(body.contains("SERVER_PROTOCOL=HTTP/1.1\n"), "{body}");
}

/// BODY-006, BODY-009, HTTP-021: HEAD gets the head only; the server
/// computes no Content-Length for it, but keeps the application's.
#[test]
fn head_has_headers_and_no_body() {
    let url = format!("{}/head", echo());
    let Some(out) = curl(&["--head", &url]) else {
        return;
    };
    let (head, body) = head_and_body(&out);
    assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
    assert_eq!(header(&head, "content-length"), None, "{head}");
    assert_eq!(body, "");

    let url = format!("{}/with-length", echo());
    let get = curl(&[&url]).expect("curl");
    let out = curl(&["--head", &url]).expect("curl");
    let (head, body) = head_and_body(&out);
    // "REQUEST_METHOD=HEAD" is one byte longer than "REQUEST_METHOD=GET".
    let expected = (get.stdout.len() + 1).to_string();
    assert_eq!(
        header(&head, "content-length"),
        Some(expected.as_str()),
        "{head}"
    );
    assert_eq!(body, "");
}

/// ENV-009, INPUT-002: a Content-Length body.
#[test]
fn post_with_a_body() {
    let url = format!("{}/post", echo());
    let Some(out) = curl(&["--data-binary", "name=rgi&x=\u{2603}", &url]) else {
        return;
    };
    let body = String::from_utf8_lossy(&out.stdout);
    assert!(body.contains("REQUEST_METHOD=POST\n"), "{body}");
    assert!(body.contains("CONTENT_LENGTH=14\n"), "{body}");
    assert!(body.contains("input_terminated=false\n"), "{body}");
    assert!(body.ends_with("body=name=rgi&x=\u{2603}"), "{body}");
}

/// Checks that the echo app's `body=` part is exactly `data`.
fn assert_echoed(body: &str, data: &[u8]) {
    let echoed = body.split_once("body=").map_or("", |(_, b)| b);
    assert!(echoed.as_bytes() == data, "the upload comes back intact");
}

/// A file of `len` bytes under the test's tmp dir.
fn upload_file(name: &str, len: usize) -> (PathBuf, Vec<u8>) {
    let data: Vec<u8> = (0..len).map(|i| b"abcdefghij"[i % 10]).collect();
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, &data).expect("write upload file");
    (path, data)
}

/// Uploads `len` bytes with `Transfer-Encoding: chunked` and checks that
/// the application reads them back exactly.
fn chunked_upload(len: usize) {
    let (path, data) = upload_file(&format!("client_curl_chunked_{len}.txt"), len);
    let url = format!("{}/upload", echo());
    let file_arg = format!("@{}", path.display());
    let Some(out) = curl(&[
        "--header",
        "Transfer-Encoding: chunked",
        "--data-binary",
        &file_arg,
        &url,
    ]) else {
        return;
    };
    let body = String::from_utf8_lossy(&out.stdout);
    let start = &body[..300.min(body.len())];
    // No CONTENT_LENGTH for a chunked request; the input ends at the body's end.
    assert!(body.contains("CONTENT_LENGTH=-\n"), "{start}");
    assert!(body.contains("input_terminated=true\n"), "{start}");
    assert!(body.contains(&format!("body_len={len}\n")), "{start}");
    assert_echoed(&body, &data);
}

/// ENV-021, INPUT-002: a chunked upload reaches the input de-chunked.
#[test]
fn chunked_upload_small() {
    chunked_upload(4000);
}

/// The same with 100 KB, which curl sends in 64 KiB chunks (this once
/// failed with "read buffer full").
#[test]
fn chunked_upload_large() {
    chunked_upload(100_000);
}

/// HTTP-025: an HTTP/1.1 connection stays open.
#[test]
fn keep_alive_reuses_one_connection() {
    let Some(log) = two_requests_log(&[]) else {
        return;
    };
    assert!(log.contains("Re-using existing connection"), "{log}");
    assert_eq!(log.matches("Connected to").count(), 1, "{log}");
}

/// curl's `--verbose` log of two GETs to the echo server in one run (curl
/// reuses the connection when the server keeps it), with `extra` options.
fn two_requests_log(extra: &[&str]) -> Option<String> {
    let (a, b) = (format!("{}/one", echo()), format!("{}/two", echo()));
    let mut args = extra.to_vec();
    args.extend(["--verbose", "-o", "/dev/null", &a, "-o", "/dev/null", &b]);
    let out = curl(&args)?;
    Some(String::from_utf8_lossy(&out.stderr).into_owned())
}

/// HTTP-019: an HTTP/1.0 client is answered.
#[test]
fn http_1_0_request() {
    let url = format!("{}/old", echo());
    let Some(out) = curl(&["--http1.0", "--include", &url]) else {
        return;
    };
    let (head, body) = head_and_body(&out);
    assert!(head.starts_with("HTTP/1."), "{head}");
    assert!(head.contains(" 200 OK"), "{head}");
    assert!(body.contains("SERVER_PROTOCOL=HTTP/1.0\n"), "{body}");
    assert_eq!(header(&head, "transfer-encoding"), None, "{head}");
}

/// HTTP-025: an HTTP/1.0 connection stays open only when the request asks
/// for it and the response has a Content-Length.
#[test]
fn http_1_0_keep_alive() {
    let Some(log) = two_requests_log(&["--http1.0"]) else {
        return;
    };
    assert_eq!(
        log.matches("Connected to").count(),
        2,
        "closes by default: {log}"
    );
    let Some(log) = two_requests_log(&["--http1.0", "--header", "Connection: keep-alive"]) else {
        return;
    };
    let lower = log.to_ascii_lowercase();
    assert!(lower.contains("< connection: keep-alive"), "{log}");
    assert!(log.contains("Re-using existing connection"), "{log}");
}

/// HTTP-020, HTTP-022: unknown length is chunked on 1.1, close-delimited on 1.0.
#[test]
fn streamed_body_chunked_on_1_1_close_delimited_on_1_0() {
    let url = format!("{}/stream", echo());
    let expected = "streamed line 0\nstreamed line 1\nstreamed line 2\n";
    let Some(out) = curl(&["--include", &url]) else {
        return;
    };
    let (head, body) = head_and_body(&out);
    assert_eq!(
        header(&head, "transfer-encoding"),
        Some("chunked"),
        "{head}"
    );
    assert_eq!(body, expected);
    let Some(out) = curl(&["--http1.0", "--include", &url]) else {
        return;
    };
    let (head, body) = head_and_body(&out);
    assert_eq!(header(&head, "transfer-encoding"), None, "{head}");
    assert_eq!(body, expected);
}

#[test]
fn base64_example_over_the_wire() {
    if tool("curl").is_none() {
        return;
    }
    let server = start_example("base64_app");
    let out = curl(&["--include", &server.url("/encode?mystring=h%C3%A9llo")]).expect("curl");
    let (head, body) = head_and_body(&out);
    assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
    assert!(
        body.contains("<tt>&quot;héllo&quot;</tt> base64 encoded is: <tt>aMOpbGxv</tt>"),
        "{body}"
    );
    let out = curl(&["--include", &server.url("/nope")]).expect("curl");
    let (head, body) = head_and_body(&out);
    assert!(head.starts_with("HTTP/1.1 404 Not Found"), "{head}");
    assert_eq!(body, "That URL is not valid");
    let out = curl(&["--include", "--data", "mystring=x", &server.url("/encode")]).expect("curl");
    let (head, body) = head_and_body(&out);
    assert!(head.starts_with("HTTP/1.1 400 Bad Request"), "{head}");
    assert_eq!(body, "Error: this form does not support POST parameters");
    // HEAD: answered like GET (RFC 9110 9.3.2), Content-Length kept, no body.
    let get = curl(&["--include", &server.url("/encode?mystring=x")]).expect("curl");
    let (get_head, get_body) = head_and_body(&get);
    let out = curl(&["--head", &server.url("/encode?mystring=x")]).expect("curl");
    let (head, body) = head_and_body(&out);
    assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
    let get_length = get_body.len().to_string();
    assert_eq!(
        header(&head, "content-length"),
        Some(get_length.as_str()),
        "{head}"
    );
    assert_eq!(
        header(&get_head, "content-length"),
        Some(get_length.as_str())
    );
    assert_eq!(body, "");
}

/// HTTP-015: curl sends `Expect: 100-continue` and waits (here up to 10 s)
/// for `100 Continue`, which the server sends when the application reads.
#[test]
fn expect_100_continue() {
    let (path, data) = upload_file("client_curl_expect.txt", 2_000_000);
    let url = format!("{}/expect", echo());
    let file_arg = format!("@{}", path.display());
    let started = std::time::Instant::now();
    let Some(out) = curl(&[
        "--verbose",
        "--expect100-timeout",
        "10",
        "--header",
        "Expect: 100-continue",
        "--data-binary",
        &file_arg,
        &url,
    ]) else {
        return;
    };
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("< HTTP/1.1 100 Continue"), "{log}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "curl waited for 100 Continue"
    );
    let body = String::from_utf8_lossy(&out.stdout);
    assert!(
        body.contains("CONTENT_LENGTH=2000000\n"),
        "{}",
        &body[..300.min(body.len())]
    );
    assert_echoed(&body, &data);
}
