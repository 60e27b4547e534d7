//! An rgi application run as a CGI program.
//!
//! Build it (`cargo build --example cgi_hello`) and point any CGI-capable web
//! server at `target/debug/examples/cgi_hello` (lighttpd's `mod_cgi`,
//! Apache's `mod_cgid`, `python3 -m http.server --cgi`, ...), or check it with
//! the validator: `cargo run -p rgi-validator -- --cgi target/debug/examples/cgi_hello`.
//!
//! It answers every request with a short text describing it, and reads (and
//! counts) the request body. The path `/fail` makes the application return an
//! error, to show the handler's `500` answer.

use rgi::{Body, Environ, StartResponse};

pub fn hello(env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, rgi::AppError> {
    let show = |key: &str| {
        env.get(key)
            .map(|v| format!("{v:?}"))
            .unwrap_or_else(|| "(unset)".to_owned())
    };
    let text = format!(
        "Hello from CGI!\nmethod: {}\nscript name: {}\npath info: {}\nquery string: {}\n",
        show("REQUEST_METHOD"),
        show("SCRIPT_NAME"),
        show("PATH_INFO"),
        show("QUERY_STRING"),
    );
    if env.get_bytes("PATH_INFO") == Some(b"/fail") {
        return Err("the /fail path fails on purpose".into());
    }
    let mut body = Vec::new();
    env.input().read_to_end(&mut body)?;
    start.start(
        "200 OK",
        [("Content-Type", "text/plain; charset=utf-8")].into(),
    )?;
    // HEAD gets the same head and no body (BODY-007).
    if env.get_bytes("REQUEST_METHOD") == Some(b"HEAD") {
        return Ok(Body::empty());
    }
    Ok(Body::from(format!("{text}body: {} bytes\n", body.len())))
}

fn main() -> std::io::Result<()> {
    rgi::handlers::cgi::run(hello)
}
