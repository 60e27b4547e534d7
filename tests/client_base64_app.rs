//! The base64 demo (`examples/base64_app.rs`), called in-process through
//! the validator: every branch of the original `wsgi_app.py`.

#[allow(dead_code)] // the example's `main` is not used here
#[path = "../examples/base64_app.rs"]
mod base64_app;

use base64_app::{base64_app, html_escape};
use rgi::validate::{sample_environ, RecordingStart, Validator};
use rgi::{Application, Headers};

/// Calls the demo, wrapped in `rgi::validate::Validator` (which must find
/// nothing to report), with `method`, PATH_INFO `path` and `query`;
/// returns the status, Content-Type and body.
fn call(method: &str, path: &[u8], query: &str) -> (String, String, String) {
    let (status, headers, body) = call_full(method, path, query);
    let content_type = headers.get("content-type").unwrap_or("").to_owned();
    (status, content_type, body)
}

/// [`call`] returning all the headers.
fn call_full(method: &str, path: &[u8], query: &str) -> (String, Headers, String) {
    let mut env = sample_environ(method, "/");
    env.set("PATH_INFO", path.to_vec());
    env.set("QUERY_STRING", query.to_owned());
    let app = Validator::collecting(base64_app);
    let mut start = RecordingStart::default();
    let body = app
        .call(&mut env, &mut start)
        .expect("the demo never fails");
    let bytes = body.into_bytes().expect("in-memory body");
    app.check_closed();
    let findings = app.report().findings();
    assert!(findings.is_empty(), "{method} {path:?}: {findings:#?}");
    (
        start.status.expect("start was called"),
        start.headers.unwrap_or_default(),
        String::from_utf8(bytes).expect("UTF-8 body"),
    )
}

#[test]
fn front_page_is_a_form() {
    let (status, ctype, body) = call("GET", b"/", "");
    assert_eq!(status, "200 OK");
    assert!(ctype.starts_with("text/html"), "{ctype}");
    assert!(body.contains("Welcome! Enter a string:"), "{body}");
    assert!(
        body.contains(r#"<form action="encode"><input name="mystring">"#),
        "{body}"
    );
    assert!(body.contains(r#"<meta charset="utf-8">"#), "{body}");
}

#[test]
fn front_page_refuses_forms() {
    for (method, query) in [("POST", ""), ("GET", "x=1")] {
        let (status, ctype, body) = call(method, b"/", query);
        assert_eq!(status, "400 Bad Request", "{method} ?{query}");
        assert!(ctype.starts_with("text/plain"));
        assert_eq!(body, "Error: the front page is not a form");
    }
}

#[test]
fn encode_shows_the_quoted_string_and_its_base64() {
    let (status, ctype, body) = call("GET", b"/encode", "mystring=hello");
    assert_eq!(status, "200 OK");
    assert!(ctype.starts_with("text/html"));
    assert!(
        body.contains("<tt>&quot;hello&quot;</tt> base64 encoded is: <tt>aGVsbG8=</tt>"),
        "{body}"
    );
    assert!(body.contains(r#"<a href="/">Return to the home page</a>"#));
}

#[test]
fn encode_handles_utf8_and_escapes_html() {
    // "héllo <rgi> & ☃" as a browser sends it.
    let query = "mystring=h%C3%A9llo+%3Crgi%3E+%26+%E2%98%83";
    let (status, _, body) = call("GET", b"/encode", query);
    assert_eq!(status, "200 OK");
    assert!(
        body.contains("<tt>&quot;héllo &lt;rgi&gt; &amp; ☃&quot;</tt>"),
        "{body}"
    );
    // base64 of the UTF-8 bytes; '+' is escaped by nobody, it is not special in HTML.
    assert!(body.contains("<tt>aMOpbGxvIDxyZ2k+ICYg4piD</tt>"), "{body}");
    assert!(!body.contains("<rgi>"));
}

#[test]
fn encode_takes_the_first_non_empty_value() {
    let (_, _, body) = call("GET", b"/encode", "mystring=&mystring=a&mystring=b");
    assert!(body.contains("<tt>YQ==</tt>"), "{body}");
}

#[test]
fn encode_requires_mystring() {
    for query in ["", "mystring=", "other=x", "mystring"] {
        let (status, ctype, body) = call("GET", b"/encode", query);
        assert_eq!(status, "400 Bad Request", "?{query}");
        assert!(ctype.starts_with("text/plain"));
        assert_eq!(body, r#"Error: this form requires a "mystring" parameter"#);
    }
}

#[test]
fn encode_refuses_post() {
    let (status, _, body) = call("POST", b"/encode", "mystring=x");
    assert_eq!(status, "400 Bad Request");
    assert_eq!(body, "Error: this form does not support POST parameters");
}

#[test]
fn anything_else_is_404() {
    for path in [&b"/nope"[..], b"", b"/encode/", b"/\xe9"] {
        let (status, ctype, body) = call("GET", path, "");
        assert_eq!(status, "404 Not Found", "{path:?}");
        assert!(ctype.starts_with("text/plain"));
        assert_eq!(body, "That URL is not valid");
    }
}

#[test]
fn invalid_utf8_in_the_query_does_not_fail() {
    let (status, _, body) = call("GET", b"/encode", "mystring=%FF%FEa");
    assert_eq!(status, "200 OK");
    // Decoded lossily (U+FFFD), like a browser would show it.
    assert!(body.contains("\u{fffd}\u{fffd}a"), "{body}");
}

#[test]
fn html_escape_escapes_the_five() {
    assert_eq!(
        html_escape(r#"<a href="x">'&'</a>"#),
        "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;/a&gt;"
    );
    assert_eq!(html_escape("héllo ☃"), "héllo ☃");
}

/// BODY-007: HEAD gets the status and headers GET would get, Content-Length
/// included, and no body (RFC 9110: HEAD is GET without the content, so the
/// front page and the form answer it as they answer GET).
#[test]
fn head_gets_the_headers_only() {
    for (path, query, like) in [
        (&b"/"[..], "", "GET"),
        (b"/encode", "mystring=hi", "GET"),
        (b"/encode", "", "GET"),
        (b"/x", "", "GET"),
    ] {
        let (like_status, like_headers, like_body) = call_full(like, path, query);
        let (status, headers, body) = call_full("HEAD", path, query);
        assert_eq!(status, like_status, "{path:?}");
        assert_eq!(body, "", "{path:?}");
        assert_eq!(
            headers.get("content-type"),
            like_headers.get("content-type")
        );
        assert_eq!(
            headers.get("content-length"),
            Some(like_body.len().to_string().as_str())
        );
    }
}

/// The whole pipeline in-process (`rgi::test`: the server's parsing and
/// framing over an in-memory stream, the validator around the app).
#[test]
fn through_the_test_client() {
    let client = rgi::test::TestClient::new(base64_app);
    let response = client.get("/encode?mystring=h%C3%A9llo+%3Crgi%3E+%26+%E2%98%83");
    response.assert_ok();
    assert!(response.findings().is_empty(), "{:?}", response.findings());
    assert_eq!(
        response.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(response
        .text()
        .contains("<tt>&quot;héllo &lt;rgi&gt; &amp; ☃&quot;</tt> base64 encoded is: <tt>aMOpbGxvIDxyZ2k+ICYg4piD</tt>"));
    let length = response.body().len().to_string();
    assert_eq!(response.header("content-length"), Some(length.as_str()));

    let get = client.get("/encode?mystring=x");
    let head = client.head("/encode?mystring=x");
    head.assert_status(200);
    assert!(head.findings().is_empty(), "{:?}", head.findings());
    let get_length = get.body().len().to_string();
    assert_eq!(head.header("content-length"), Some(get_length.as_str()));
    assert!(head.body().is_empty());

    let missing = client.get("/nothing/here");
    missing.assert_status(404);
    assert_eq!(missing.text(), "That URL is not valid");
}
