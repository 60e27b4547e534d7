//! The base64 demo (`examples/base64_app.rs`), called in-process with
//! hand-built environs: every branch of the original `wsgi_app.py`.

#[allow(dead_code)] // the example's `main` is not used here
#[path = "../examples/base64_app.rs"]
mod base64_app;

use base64_app::{base64_app, html_escape};
use rgi::{Environ, Error, Headers, StartResponse};

/// Records what the application gave to `start`.
#[derive(Default)]
struct Recorder {
    status: Option<String>,
    headers: Headers,
}

impl StartResponse for Recorder {
    fn start(&mut self, status: &str, headers: Headers) -> Result<(), Error> {
        if self.status.is_some() {
            return Err(Error::AlreadyStarted);
        }
        rgi::start_response::check_status(status)?;
        rgi::start_response::check_headers(&headers)?;
        self.status = Some(status.to_owned());
        self.headers = headers;
        Ok(())
    }
    fn start_error(&mut self, status: &str, headers: Headers) -> Result<(), Error> {
        self.status = Some(status.to_owned());
        self.headers = headers;
        Ok(())
    }
    fn write(&mut self, _data: &[u8]) -> Result<(), Error> {
        panic!("the demo does not use write()")
    }
    fn headers_sent(&self) -> bool {
        false
    }
}

/// Calls the demo with `method`, `path` (PATH_INFO) and `query`; returns
/// status, Content-Type and body.
fn call(
    method: &'static str,
    path: &'static [u8],
    query: &'static str,
) -> (String, String, String) {
    let mut env = Environ::new();
    env.set("REQUEST_METHOD", method);
    env.set("PATH_INFO", path);
    env.set("QUERY_STRING", query);
    let mut start = Recorder::default();
    let body = base64_app(&mut env, &mut start).expect("the demo never fails");
    let bytes = body.into_bytes().expect("in-memory body");
    (
        start.status.expect("start was called"),
        start.headers.get("content-type").unwrap_or("").to_owned(),
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
    for (method, query) in [("POST", ""), ("GET", "x=1"), ("HEAD", "")] {
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
        let mut env = Environ::new();
        env.set("REQUEST_METHOD", "GET");
        env.set("PATH_INFO", path);
        let mut start = Recorder::default();
        let body = base64_app(&mut env, &mut start).expect("never fails");
        assert_eq!(start.status.as_deref(), Some("404 Not Found"));
        assert_eq!(body.into_bytes().expect("memory"), b"That URL is not valid");
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
