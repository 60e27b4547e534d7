//! [`run`] and [`serve`]: an application on `rgi::simple_server`, the way
//! `app.run()` starts a Flask or PySGI application.

use std::io;

use rgi::simple_server::make_server_at;
use rgi::Application;

/// Serves `app` on the address given as the program's first argument
/// (`HOST:PORT`, default `localhost:8000`); see [`serve`].
pub fn run(app: impl Application) -> io::Result<()> {
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "localhost:8000".to_owned());
    serve(&address, app)
}

/// Serves `app` with `rgi::simple_server` on `address` (`HOST:PORT`; IPv6
/// hosts in brackets; port 0 picks a free one), prints
/// `Listening on http://ADDR/` on stdout, and serves until Ctrl-C or
/// SIGTERM, which stop it gracefully (no new connections, in-flight
/// requests finish; a second signal exits at once).
pub fn serve(address: &str, app: impl Application) -> io::Result<()> {
    let server = make_server_at(address, app)?;
    println!("Listening on http://{}/", server.server_address());
    let stop = server.shutdown_handle();
    ctrlc::set_handler(move || {
        if stop.is_shutdown() {
            std::process::exit(130);
        }
        eprintln!("shutting down");
        stop.shutdown();
    })
    .map_err(io::Error::other)?;
    server.serve_forever()
}
