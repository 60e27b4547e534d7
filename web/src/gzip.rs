//! Optional gzip for compressible responses when the client accepts it
//! ([`App::gzip`](crate::App::gzip)): RFC 9110 sections 8.4 and 12.5.3.

use std::io::{self, Write};

use flate2::write::GzEncoder;
use flate2::Compression;
use rgi::{Body, Environ, Headers};

use crate::Response;

/// True if the request's `Accept-Encoding` accepts gzip: `gzip`, `x-gzip`
/// or `*` with a non-zero quality, and gzip not refused with `q=0`.
pub(crate) fn accepts_gzip(env: &Environ) -> bool {
    let Some(header) = env.get_str("HTTP_ACCEPT_ENCODING") else {
        return false;
    };
    let mut gzip = None;
    let mut star = None;
    for item in header.split(',') {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let quality = parts
            .filter_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .or_else(|| p.trim().strip_prefix("Q="))
            })
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        match coding.as_str() {
            "gzip" | "x-gzip" => gzip = Some(quality > 0.0),
            "*" => star = Some(quality > 0.0),
            _ => {}
        }
    }
    gzip.or(star).unwrap_or(false)
}

/// True for media types worth compressing: text, JSON, JavaScript, XML,
/// SVG and the `+json` / `+xml` families.
fn compressible(content_type: &str) -> bool {
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    media.starts_with("text/")
        || matches!(
            media.as_str(),
            "application/json" | "application/javascript" | "application/xml" | "image/svg+xml"
        )
        || media.ends_with("+json")
        || media.ends_with("+xml")
}

/// Whether `response` may be compressed at all: a 2xx other than 204 and
/// 206, a compressible type, no coding yet, not a file body.
fn eligible(response: &Response) -> bool {
    let headers = response.headers();
    let status = response.status_code();
    (200..300).contains(&status)
        && status != 204
        && status != 206
        && !headers.contains("content-encoding")
        && !headers.contains("content-range")
        && headers.get("content-type").is_some_and(compressible)
        && response.body().known_length().is_none_or(|len| len > 0)
}

/// Compresses `response` when it is eligible, at least `min_bytes` long
/// (streams always count) and the client accepts gzip; an eligible
/// response gets `Vary: Accept-Encoding` either way.
pub(crate) fn maybe_compress(response: Response, env: &Environ, min_bytes: u64) -> Response {
    if !eligible(&response) {
        return response;
    }
    let (status, mut headers, mut body) = response.into_parts();
    add_vary(&mut headers);
    let big_enough = body.known_length().is_none_or(|len| len >= min_bytes);
    let is_file = body.as_file_mut().is_some();
    if !big_enough || is_file || !accepts_gzip(env) {
        let mut out = Response::new(body).status(status);
        *out.headers_mut() = headers;
        return out;
    }
    headers.remove("content-length");
    headers.set("Content-Encoding", "gzip");
    if let Some(etag) = headers.get("etag").map(str::to_owned) {
        // Another representation: a strong tag would be wrong.
        if !etag.starts_with("W/") {
            headers.set("ETag", format!("W/{etag}"));
        }
    }
    let body = if body.known_length().is_some() {
        compress_in_memory(body)
    } else {
        Body::stream(GzipStream::new(body))
    };
    let mut out = Response::new(body).status(status);
    *out.headers_mut() = headers;
    out
}

/// Adds `Accept-Encoding` to `Vary` (once).
fn add_vary(headers: &mut Headers) {
    let present = headers
        .get_all("vary")
        .flat_map(|v| v.split(','))
        .any(|v| v.trim().eq_ignore_ascii_case("accept-encoding") || v.trim() == "*");
    if !present {
        headers.add("Vary", "Accept-Encoding");
    }
}

/// An in-memory body, compressed at once (its length is then known).
fn compress_in_memory(body: Body) -> Body {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    let result = body
        .into_bytes()
        .and_then(|bytes| encoder.write_all(&bytes))
        .and_then(|()| encoder.finish());
    match result {
        Ok(compressed) => Body::from(compressed),
        Err(e) => Body::stream(std::iter::once(Err::<Vec<u8>, _>(e))),
    }
}

/// A streamed body compressed chunk by chunk: each chunk is flushed, so
/// what the application wrote reaches the client without waiting for more.
struct GzipStream {
    inner: Option<Body>,
    encoder: Option<GzEncoder<Vec<u8>>>,
}

impl GzipStream {
    fn new(inner: Body) -> Self {
        GzipStream {
            inner: Some(inner),
            encoder: Some(GzEncoder::new(Vec::new(), Compression::default())),
        }
    }

    /// Takes what the encoder produced so far.
    fn drain(&mut self) -> Vec<u8> {
        self.encoder
            .as_mut()
            .map(|e| std::mem::take(e.get_mut()))
            .unwrap_or_default()
    }
}

impl Iterator for GzipStream {
    type Item = io::Result<Vec<u8>>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let inner = self.inner.as_mut()?;
            match inner.next_chunk() {
                Some(Ok(chunk)) => {
                    let encoder = self.encoder.as_mut()?;
                    if let Err(e) = encoder.write_all(&chunk).and_then(|()| encoder.flush()) {
                        self.inner = None;
                        return Some(Err(e));
                    }
                    let out = self.drain();
                    if !out.is_empty() {
                        return Some(Ok(out));
                    }
                }
                Some(Err(e)) => {
                    self.inner = None;
                    return Some(Err(e));
                }
                None => {
                    self.inner = None;
                    let encoder = self.encoder.take()?;
                    return Some(encoder.finish());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn env(accept: Option<&str>) -> Environ {
        let mut env = Environ::new();
        if let Some(a) = accept {
            env.set("HTTP_ACCEPT_ENCODING", a.to_owned());
        }
        env
    }

    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .expect("valid gzip");
        out
    }

    #[test]
    fn accept_encoding() {
        for (header, yes) in [
            ("gzip", true),
            ("deflate, gzip;q=0.5", true),
            ("br, *", true),
            ("gzip;q=0", false),
            ("*;q=0", false),
            ("gzip;q=0, *", false),
            ("identity", false),
            ("x-gzip", true),
        ] {
            assert_eq!(accepts_gzip(&env(Some(header))), yes, "{header}");
        }
        assert!(!accepts_gzip(&env(None)));
    }

    #[test]
    fn text_is_compressed_and_marked() {
        let text = "hello, gzip! ".repeat(200);
        let res = Response::text(text.clone()).header("ETag", "\"v1\"");
        let res = maybe_compress(res, &env(Some("gzip")), 1024);
        let (_, headers, body) = res.into_parts();
        assert_eq!(headers.get("content-encoding"), Some("gzip"));
        assert_eq!(headers.get("vary"), Some("Accept-Encoding"));
        assert_eq!(headers.get("etag"), Some("W/\"v1\""));
        let bytes = body.into_bytes().unwrap();
        assert!(bytes.len() < text.len() / 4, "{} bytes", bytes.len());
        assert_eq!(gunzip(&bytes), text.as_bytes());
    }

    #[test]
    fn streams_are_compressed_chunk_by_chunk() {
        let body = Body::lazy((0..50).map(|i| format!("line {i}\n")));
        let res = Response::new(body).content_type("text/plain");
        let (_, headers, mut body) = maybe_compress(res, &env(Some("gzip")), 1024).into_parts();
        assert_eq!(headers.get("content-encoding"), Some("gzip"));
        let first = body.next_chunk().unwrap().unwrap();
        assert!(!first.is_empty(), "the first line is flushed at once");
        let mut all = first.into_owned();
        all.extend(body.into_bytes().unwrap());
        let expected: String = (0..50).map(|i| format!("line {i}\n")).collect();
        assert_eq!(gunzip(&all), expected.as_bytes());
    }

    #[test]
    fn what_is_left_alone() {
        let big = "x".repeat(4096);
        let cases = [
            (Response::text(big.clone()), Some("identity"), true),
            (Response::text("short"), Some("gzip"), true),
            (
                Response::bytes(big.clone().into_bytes()),
                Some("gzip"),
                false,
            ),
            (Response::text(big.clone()).status(206), Some("gzip"), false),
            (
                Response::text(big.clone()).header("Content-Encoding", "br"),
                Some("gzip"),
                false,
            ),
            (
                Response::empty(204).content_type("text/plain"),
                Some("gzip"),
                false,
            ),
        ];
        for (i, (res, accept, vary)) in cases.into_iter().enumerate() {
            let (_, headers, _) = maybe_compress(res, &env(accept), 1024).into_parts();
            assert_ne!(headers.get("content-encoding"), Some("gzip"), "case {i}");
            assert_eq!(headers.get("vary").is_some(), vary, "case {i}");
        }
    }
}
