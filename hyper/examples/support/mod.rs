//! The command line the rgi-hyper examples share:
//! `ADDR [--tls CERT KEY] [--threads N]`, where ADDR is `HOST:PORT` or
//! `unix:PATH`; Ctrl-C or SIGTERM shuts down gracefully.

use rgi_hyper::{Config, Server};

/// Parses the command line, prints `Listening on URL`, and serves `app`
/// until Ctrl-C or SIGTERM.
pub fn serve(app: impl rgi::Application) -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:8000".to_owned());
    let mut server = match addr.strip_prefix("unix:") {
        Some(path) => Server::bind_unix(path)?,
        None => Server::bind(addr.as_str())?,
    };
    let mut config = Config::default();
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--tls" => {
                let (Some(cert), Some(key)) = (args.next(), args.next()) else {
                    return Err("--tls needs CERT and KEY (PEM files)".into());
                };
                server = server.tls(cert, key)?;
            }
            "--threads" => {
                let n = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or("--threads needs a number")?;
                config = config.threads(n);
            }
            other => {
                return Err(format!(
                    "unknown argument {other:?}; usage: ADDR [--tls CERT KEY] [--threads N]"
                )
                .into())
            }
        }
    }
    let server = server.config(config);
    println!("Listening on {}", server.url());
    let stop = server.shutdown_handle();
    ctrlc::set_handler(move || stop.shutdown())?;
    server.serve(app)?;
    Ok(())
}
