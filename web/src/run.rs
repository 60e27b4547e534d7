//! [`run`] and [`serve`]: an application on `rgi::simple_server`, the way
//! `app.run()` starts a Flask or PySGI application.

use std::io;

use rgi::simple_server::make_server;
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
    let (host, port) = split_address(address)?;
    let server = make_server(&host, port, app)?;
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

/// `host:port` (IPv6 hosts in brackets) into its parts.
fn split_address(address: &str) -> io::Result<(String, u16)> {
    let bad = || {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("expected HOST:PORT (like localhost:8000), got {address:?}"),
        )
    };
    let (host, port) = address.rsplit_once(':').ok_or_else(bad)?;
    let port = port.parse().map_err(|_| bad())?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(bad());
    }
    Ok((host.to_owned(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(
            split_address("localhost:8000").unwrap(),
            ("localhost".into(), 8000)
        );
        assert_eq!(split_address("[::1]:0").unwrap(), ("::1".into(), 0));
        for bad in ["localhost", ":80", "host:port", "host:70000"] {
            assert!(split_address(bad).is_err(), "{bad}");
        }
    }
}
