//! `rgi::test`: the in-process client through the server's pipeline.

use rgi::test::{TestClient, TestRequest};
use rgi::{Body, Environ, StartResponse};

/// Echoes what the application saw, one `KEY=value` per line.
fn echo(env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, rgi::AppError> {
    let mut body = Vec::new();
    env.input().read_to_end(&mut body)?;
    let mut out = Vec::new();
    for key in [
        "REQUEST_METHOD",
        "SCRIPT_NAME",
        "PATH_INFO",
        "QUERY_STRING",
        "REQUEST_URI",
        "CONTENT_LENGTH",
        "SERVER_PROTOCOL",
        "HTTP_X_BYTES",
        "HTTP_ACCEPT",
    ] {
        if let Some(v) = env.get_bytes(key) {
            out.extend_from_slice(format!("{key}=").as_bytes());
            out.extend_from_slice(v);
            out.push(b'\n');
        }
    }
    out.extend_from_slice(format!("terminated={}\n", env.input_terminated()).as_bytes());
    out.extend_from_slice(b"body=");
    out.extend_from_slice(&body);
    start.start(
        "200 OK",
        [("Content-Type", "application/octet-stream")].into(),
    )?;
    Ok(Body::from(out))
}

fn lines(response: &rgi::test::TestResponse) -> Vec<Vec<u8>> {
    response
        .body()
        .split(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

#[test]
fn non_utf8_targets_and_header_values_arrive_as_bytes() {
    let client = TestClient::new(echo);
    let response = client.request(
        TestRequest::get("/caf%E9/%FF?q=%FF")
            .header("X-Bytes", b"caf\xe9".as_slice())
            .header("Accept", "a")
            .header("Accept", "b"),
    );
    let lines = lines(&response);
    assert!(
        lines.contains(&b"PATH_INFO=/caf\xe9/\xff".to_vec()),
        "{response:?}"
    );
    assert!(
        lines.contains(&b"QUERY_STRING=q=%FF".to_vec()),
        "{response:?}"
    );
    assert!(
        lines.contains(&b"HTTP_X_BYTES=caf\xe9".to_vec()),
        "{response:?}"
    );
    assert!(
        lines.contains(&b"HTTP_ACCEPT=a, b".to_vec()),
        "{response:?}"
    );
    // A raw byte above 0x7f in the target: this server refuses it (TEXT-006).
    let raw = client.get(b"/caf\xe9".as_slice());
    assert_eq!(raw.status(), 400, "{raw:?}");
}

#[test]
fn chunked_and_length_bodies_reach_the_input() {
    let client = TestClient::new(echo);
    let chunked = client.request(TestRequest::post("/up").body("x".repeat(100)).chunk_size(7));
    chunked.assert_ok();
    let text = chunked.text();
    assert!(text.contains("terminated=true\n"), "{text}");
    assert!(!text.contains("CONTENT_LENGTH="), "{text}");
    assert!(
        text.ends_with(&format!("body={}", "x".repeat(100))),
        "{text}"
    );

    let sized = client.put("/up", b"\x00\xff\r\n".as_slice());
    sized.assert_ok();
    assert!(sized.text().contains("CONTENT_LENGTH=4\n"));
    assert!(sized.body().ends_with(b"body=\x00\xff\r\n"));
}

#[test]
fn streamed_responses_are_chunked_on_1_1_and_close_delimited_on_1_0() {
    let client = TestClient::new(rgi::app(|_env, start| {
        start.start(
            "200 OK",
            [("Content-Type", "text/plain; charset=utf-8")].into(),
        )?;
        Ok(Body::lazy(vec!["one ", "two ", "three"]))
    }));
    let r11 = client.get("/");
    r11.assert_ok();
    assert_eq!(r11.header("transfer-encoding"), Some("chunked"));
    assert_eq!(r11.text(), "one two three");
    let r10 = client.request(TestRequest::get("/").http10());
    r10.assert_ok();
    assert_eq!(r10.header("transfer-encoding"), None);
    assert_eq!(r10.http_minor(), 1, "rgi answers with HTTP/1.1 (HTTP-019)");
    assert_eq!(r10.text(), "one two three");
}

#[test]
fn expect_continue_shows_the_interim_response() {
    let client = TestClient::new(echo);
    let response = client.request(
        TestRequest::post("/up")
            .header("Expect", "100-continue")
            .body("payload"),
    );
    response.assert_ok();
    assert!(response.text().ends_with("body=payload"));
    // The body was already there when the app read it: no 100 (HTTP-015).
    assert!(response.interim().is_empty() || response.interim() == [100]);
}

#[test]
fn broken_apps_produce_findings_and_fail_assert_ok() {
    let hop = rgi::app(|_env, start| {
        start.start("200 OK", [("Connection", "close")].into())?;
        Ok(Body::from("x"))
    });
    let response = TestClient::new(hop).get("/");
    assert_eq!(response.status(), 500);
    assert!(
        response.findings().iter().any(|f| f.rule == "HDR-003"),
        "{response:?}"
    );
    let outcome = std::panic::catch_unwind(|| {
        response.assert_ok();
    });
    assert!(outcome.is_err());

    // The same without validation: no findings, the server's 500 remains.
    let hop = rgi::app(|_env, start| {
        start.start("200 OK", [("Connection", "close")].into())?;
        Ok(Body::from("x"))
    });
    let response = TestClient::new(hop).without_validation().get("/");
    assert_eq!(response.status(), 500);
    assert!(response.findings().is_empty());
    response.assert_status(500);
}

#[test]
fn malformed_requests_get_the_servers_answer() {
    let client = TestClient::new(echo);
    let response = client.send_raw(b"GET / HTTP/1.1\r\n\r\n");
    assert_eq!(response.status(), 400, "no Host (HTTP-005)");
    assert_eq!(response.header("connection"), Some("close"));
    let response = client.send_raw(b"GARBAGE\r\n\r\n");
    assert_eq!(response.status(), 400);
}

#[test]
fn default_headers_go_with_every_request() {
    let client = TestClient::new(echo).default_header("Accept", "text/plain");
    assert!(client.get("/").text().contains("HTTP_ACCEPT=text/plain\n"));
    let own = client.request(TestRequest::get("/").header("accept", "application/json"));
    assert!(
        own.text().contains("HTTP_ACCEPT=application/json\n"),
        "{own:?}"
    );
}

#[test]
fn mounted_apps_see_script_name() {
    let client = TestClient::new(echo).mount("/api/v1");
    let response = client.get("/api/v1/users?x=1");
    response.assert_ok();
    let text = response.text();
    assert!(text.contains("SCRIPT_NAME=/api/v1\n"), "{text}");
    assert!(text.contains("PATH_INFO=/users\n"), "{text}");
    assert!(text.contains("REQUEST_URI=/api/v1/users?x=1\n"), "{text}");
    assert_eq!(client.get("/elsewhere").status(), 404);
}
