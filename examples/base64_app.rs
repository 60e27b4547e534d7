//! The base64 encoder demo: a front page with a form, and `/encode`, which
//! shows the string it was given and its base64 encoding.
//!
//! A port of the classic WSGI demo (`wsgi_app.py`) that ran on
//! `wsgiref.simple_server`:
//!
//! ```sh
//! cargo run --example base64_app               # http://localhost:8000/
//! cargo run --example base64_app 127.0.0.1:0   # any free port; the address is printed
//! ```
//!
//! The application is a plain function, [`base64_app`], so that tests can
//! call it in-process as well as over the wire.

use base64::Engine as _;
use rgi::{AppError, Body, Environ, Headers, StartResponse};

/// The link under every result page.
const GOHOME: &str = r#"<br><a href="/">Return to the home page</a>"#;

/// The front page's form.
const FRONT_PAGE: &str = r#"Welcome! Enter a string: <form action="encode"><input name="mystring"><input type="submit"></form>"#;

/// Wraps `content` (already HTML) in the page skeleton, as three chunks like
/// the generator of the original.
fn page(content: String) -> Body {
    Body::from_chunks([
        "<html><head><meta charset=\"utf-8\"><title>base64_app</title></head><body>".into(),
        content,
        "</body></html>".into(),
    ])
}

/// Escapes `&`, `<`, `>`, `"` and `'` for HTML text and attribute values.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            _ => out.push(c),
        }
    }
    out
}

/// The first non-empty `mystring` of a query string (like Python's
/// `parse_qs(...)["mystring"][0]`, which drops blank values).
fn mystring(query: &[u8]) -> Option<String> {
    form_urlencoded::parse(query)
        .find(|(name, value)| name == "mystring" && !value.is_empty())
        .map(|(_, value)| value.into_owned())
}

const HTML: &str = "text/html; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

/// The status, Content-Type and body for a request: the logic of the
/// original, branch for branch.
fn route(env: &Environ) -> (&'static str, &'static str, Body) {
    let bad = |message: &'static str| ("400 Bad Request", TEXT, Body::from(message));
    // HEAD is GET without the content (RFC 9110 9.3.2): it gets GET's
    // answer, and base64_app sends no body for it.
    let method_is_get = matches!(env.get_bytes("REQUEST_METHOD"), Some(b"GET" | b"HEAD"));
    let query = env.get_bytes("QUERY_STRING").unwrap_or_default();
    match env.get_bytes("PATH_INFO").unwrap_or_default() {
        b"/" => {
            if !method_is_get || !query.is_empty() {
                return bad("Error: the front page is not a form");
            }
            ("200 OK", HTML, page(FRONT_PAGE.to_owned()))
        }
        b"/encode" => {
            if !method_is_get {
                return bad("Error: this form does not support POST parameters");
            }
            let Some(my) = mystring(query) else {
                return bad("Error: this form requires a \"mystring\" parameter");
            };
            let encoded = base64::engine::general_purpose::STANDARD.encode(my.as_bytes());
            // The original shows Python's repr(my): the string, quoted.
            let content = format!(
                "<tt>{}</tt> base64 encoded is: <tt>{}</tt>{GOHOME}",
                html_escape(&format!("{my:?}")),
                html_escape(&encoded),
            );
            ("200 OK", HTML, page(content))
        }
        _ => ("404 Not Found", TEXT, Body::from("That URL is not valid")),
    }
}

/// The base64 demo application.
///
/// A HEAD request gets the status and headers GET would get
/// (Content-Length included) and an empty body (BODY-007).
pub fn base64_app(env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, AppError> {
    let (status, content_type, body) = route(env);
    let mut headers = Headers::from([("Content-Type", content_type)]);
    if env.get_bytes("REQUEST_METHOD") == Some(b"HEAD") {
        let length = body.known_length().unwrap_or(0);
        headers.add("Content-Length", length.to_string());
        start.start(status, headers)?;
        return Ok(Body::empty());
    }
    start.start(status, headers)?;
    Ok(body)
}

fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "localhost:8000".to_owned());
    let server = rgi::simple_server::make_server_at(&addr, base64_app)?;
    println!("Listening on http://{}/", server.server_address());
    // Ctrl-C or SIGTERM: finish in-flight requests, then exit 0.
    let stop = server.shutdown_handle();
    ctrlc::set_handler(move || {
        println!("shutting down");
        stop.shutdown();
    })
    .map_err(std::io::Error::other)?;
    server.serve_forever()
}
