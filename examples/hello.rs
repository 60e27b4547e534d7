//! The smallest rgi application, served by `rgi::simple_server`: every
//! request gets `200 OK`, `Content-Type: text/plain` and `Hello, world!`.
//!
//! ```sh
//! cargo run --release --example hello [ADDRESS]   # default localhost:8000
//! ```
//!
//! The access log is off here (it is on by default) so that the example can
//! be benchmarked like the peers, which log nothing; set `RGI_ACCESS_LOG=1`
//! to see it. Ctrl-C (or SIGTERM) stops it gracefully: no new connections,
//! in-flight requests finish, exit status 0; a second Ctrl-C exits at once.

use rgi::simple_server::{make_server_at_with, Config};
use rgi::{Body, Environ, StartResponse};

pub fn hello(env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, rgi::AppError> {
    start.start("200 OK", [("Content-Type", "text/plain")].into())?;
    // HEAD gets the same head and no body (BODY-007).
    if env.get_bytes("REQUEST_METHOD") == Some(b"HEAD") {
        return Ok(Body::empty());
    }
    Ok(Body::from("Hello, world!"))
}

fn main() -> std::io::Result<()> {
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "localhost:8000".to_owned());
    let log = std::env::var("RGI_ACCESS_LOG").is_ok_and(|v| v == "1");
    let server = make_server_at_with(&address, rgi::app(hello), Config::default().access_log(log))?;
    eprintln!("Serving HTTP on {} ...", server.server_address());
    stop_on_signal(&server)?;
    server.serve_forever()?;
    eprintln!("stopped");
    Ok(())
}

/// Ctrl-C or SIGTERM stops `serve_forever` (in-flight requests finish
/// first); a second one exits at once.
fn stop_on_signal(server: &rgi::simple_server::Server) -> std::io::Result<()> {
    let stop = server.shutdown_handle();
    ctrlc::set_handler(move || {
        if stop.is_shutdown() {
            std::process::exit(130);
        }
        eprintln!("shutting down");
        stop.shutdown();
    })
    .map_err(std::io::Error::other)
}
