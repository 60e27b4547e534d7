//! A custom server, after the classic wsgiref tutorial: serve an
//! application on a chosen port and print each request's path.
//!
//! ```sh
//! cargo run --example custom_server [ADDRESS]   # default localhost:8000
//! curl http://localhost:8000/some/path
//! ```
//!
//! Ctrl-C (or SIGTERM) stops it gracefully: no new connections, in-flight
//! requests finish, exit status 0; a second Ctrl-C exits at once.

use rgi::simple_server::make_server_at;
use rgi::{Body, Environ, StartResponse};

pub fn app(environ: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, rgi::AppError> {
    // PATH_INFO is the request's path, percent-decoded (bytes; shown lossily).
    let path = environ
        .get("PATH_INFO")
        .map(|p| p.to_str_lossy().into_owned())
        .unwrap_or_default();
    println!("path={path}");
    start.start(
        "200 OK",
        [("Content-Type", "text/html;charset=utf8"), ("sss", "dddd")].into(),
    )?;
    // HEAD gets the same head and no body (BODY-007).
    if environ.get_bytes("REQUEST_METHOD") == Some(b"HEAD") {
        return Ok(Body::empty());
    }
    Ok(Body::from("Hello"))
}

fn main() -> std::io::Result<()> {
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "localhost:8000".to_owned());
    let server = make_server_at(&address, rgi::app(app))?;
    let address = server.server_address();
    println!(
        "Serving HTTP on {} port {} ...",
        address.ip(),
        address.port()
    );
    // The shutdown handle, used from the signal handler's thread.
    let stop = server.shutdown_handle();
    ctrlc::set_handler(move || {
        if stop.is_shutdown() {
            std::process::exit(130);
        }
        println!("shutting down");
        stop.shutdown();
    })
    .map_err(std::io::Error::other)?;
    server.serve_forever()?;
    println!("stopped");
    Ok(())
}
