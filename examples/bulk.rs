//! Bulk transfer through `rgi::simple_server`, for throughput measurements
//! (BENCHMARKS.md):
//!
//! * `GET /stream?bytes=N`: a streamed body of N zero bytes in 256 KiB
//!   chunks (unknown length: chunked on HTTP/1.1);
//! * `GET /file`: the file named by the second argument, as a file body
//!   (`Body::file`);
//! * `POST /upload` (Content-Length or chunked): reads the whole body and
//!   answers with its size in bytes.
//!
//! ```sh
//! cargo run --release --example bulk [ADDRESS [FILE]]   # default localhost:8000
//! ```

use std::path::PathBuf;
use std::sync::Arc;

use rgi::simple_server::{make_server_at_with, Config};
use rgi::util::FileWrapper;
use rgi::{Body, Environ, StartResponse};

const CHUNK: usize = 256 * 1024;
static ZEROS: [u8; CHUNK] = [0; CHUNK];

/// The value of `name` in the query string, if any.
fn query_param(env: &Environ, name: &str) -> Option<String> {
    let query = env.get_bytes("QUERY_STRING").unwrap_or_default();
    form_urlencoded::parse(query)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// N zero bytes in chunks of at most 256 KiB, borrowed from a static buffer.
fn zeros(total: u64) -> impl Iterator<Item = &'static [u8]> + Send {
    let mut left = total;
    std::iter::from_fn(move || {
        if left == 0 {
            return None;
        }
        let n = left.min(CHUNK as u64) as usize;
        left -= n as u64;
        Some(&ZEROS[..n])
    })
}

/// The bulk-transfer application (see the module documentation); `file` is
/// what `GET /file` serves.
pub fn bulk(
    file: Option<&PathBuf>,
    env: &mut Environ,
    start: &mut dyn StartResponse,
) -> Result<Body, rgi::AppError> {
    let octets = [("Content-Type", "application/octet-stream")];
    let method = env.get_str("REQUEST_METHOD").unwrap_or("").to_owned();
    match (
        method.as_str(),
        env.get_bytes("PATH_INFO").unwrap_or_default(),
    ) {
        ("GET", b"/stream") => {
            let bytes = query_param(env, "bytes")
                .and_then(|b| b.parse().ok())
                .unwrap_or(0);
            start.start("200 OK", octets.into())?;
            Ok(Body::lazy(zeros(bytes)))
        }
        ("GET", b"/file") => match file.map(FileWrapper::open) {
            Some(Ok(file)) => {
                start.start("200 OK", octets.into())?;
                Ok(Body::file(file))
            }
            _ => {
                start.start(
                    "404 Not Found",
                    [("Content-Type", "text/plain; charset=utf-8")].into(),
                )?;
                Ok(Body::from("no such file\n"))
            }
        },
        ("POST", b"/upload") => {
            let mut buf = vec![0; CHUNK];
            let mut total: u64 = 0;
            loop {
                match env.input().read(&mut buf)? {
                    0 => break,
                    n => total += n as u64,
                }
            }
            start.start(
                "200 OK",
                [("Content-Type", "text/plain; charset=utf-8")].into(),
            )?;
            Ok(Body::from(format!("{total}\n")))
        }
        (method, _) => {
            start.start(
                "404 Not Found",
                [("Content-Type", "text/plain; charset=utf-8")].into(),
            )?;
            if method == "HEAD" {
                return Ok(Body::empty()); // BODY-007
            }
            Ok(Body::from(
                "GET /stream?bytes=N, GET /file or POST /upload\n",
            ))
        }
    }
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let address = args.next().unwrap_or_else(|| "localhost:8000".to_owned());
    let file: Arc<Option<PathBuf>> = Arc::new(args.next().map(PathBuf::from));
    // Uploads of several GiB are the point here: raise the body cap.
    let config = Config::default().access_log(false).max_body_bytes(u64::MAX);
    let app = rgi::app(move |env, start| bulk(file.as_ref().as_ref(), env, start));
    let server = make_server_at_with(&address, app, config)?;
    println!("Listening on http://{}/", server.server_address());
    server.serve_forever()
}
