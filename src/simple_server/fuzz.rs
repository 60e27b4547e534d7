//! Entry points into the server's pure parts for property tests and
//! `cargo fuzz` targets (`fuzz/`). Not a stable API.

use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex};

use super::decode::{ChunkLimits, ChunkedDecoder};
use super::head::{self, Framing, HeadScanner};
use super::{serve_connection, Config, ConnInfo};
use crate::{Body, Environ, StartResponse};

/// What a parsed request head says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadSummary {
    /// The method token.
    pub method: String,
    /// The request target, raw.
    pub target: Vec<u8>,
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    pub minor: u8,
    /// The header fields, in order.
    pub headers: Vec<(String, Vec<u8>)>,
    /// `Some(n)` for a Content-Length body (0 when there is no body).
    pub content_length: Option<u64>,
    /// A chunked body.
    pub chunked: bool,
    /// The connection may stay open.
    pub keep_alive: bool,
    /// `Expect: 100-continue` on HTTP/1.1.
    pub expect_continue: bool,
    /// Bytes of the head, final CRLF included.
    pub head_len: usize,
}

/// Scans `bytes` for a head (fed `step` bytes at a time, as from a socket)
/// and parses it with the default [`Config`]. `Ok(None)`: incomplete;
/// `Err(status)`: refused with that status.
pub fn parse_head(bytes: &[u8], step: usize) -> Result<Option<HeadSummary>, u16> {
    parse_head_with(bytes, step, &Config::default())
}

/// [`parse_head`] with a [`Config`].
pub fn parse_head_with(
    bytes: &[u8],
    step: usize,
    config: &Config,
) -> Result<Option<HeadSummary>, u16> {
    let mut scanner = HeadScanner::default();
    let step = step.max(1);
    let mut end = 0;
    let len = loop {
        end = (end + step).min(bytes.len());
        match scanner.scan(&bytes[..end], config) {
            Ok(Some(n)) => break n,
            Ok(None) if end == bytes.len() => return Ok(None),
            Ok(None) => {}
            Err(reject) => return Err(reject.status),
        }
    };
    let mut storage = vec![httparse::EMPTY_HEADER; config.max_headers];
    let parsed = head::parse(&bytes[..len], &mut storage, config).map_err(|r| r.status)?;
    Ok(Some(HeadSummary {
        method: parsed.method.to_owned(),
        target: parsed.target.to_vec(),
        minor: parsed.minor,
        headers: parsed
            .headers
            .iter()
            .map(|h| (h.name.to_owned(), h.value.to_vec()))
            .collect(),
        content_length: match parsed.framing {
            Framing::Length(n) => Some(n),
            Framing::Chunked => None,
        },
        chunked: parsed.framing == Framing::Chunked,
        keep_alive: parsed.keep_alive,
        expect_continue: parsed.expect_continue,
        head_len: len,
    }))
}

/// Decodes a chunked body fed `step` bytes at a time into an output buffer
/// of `out_size` bytes. `Ok(Some((data, consumed)))` when complete,
/// `Ok(None)` when the input ends first, `Err(status)` when refused.
pub fn decode_chunked(
    input: &[u8],
    step: usize,
    out_size: usize,
    max_body: u64,
) -> Result<Option<(Vec<u8>, usize)>, u16> {
    let mut decoder = ChunkedDecoder::new(ChunkLimits {
        max_body,
        max_ext: 16 * 1024,
        max_trailer: 16 * 1024,
    });
    let mut out = vec![0u8; out_size.max(1)];
    let mut data = Vec::new();
    let mut pos = 0;
    let step = step.max(1);
    while !decoder.is_done() {
        if pos == input.len() {
            return Ok(None);
        }
        let end = (pos + step).min(input.len());
        let (used, produced) = decoder
            .decode(&input[pos..end], &mut out)
            .map_err(|r| r.status)?;
        if used == 0 && produced == 0 && !decoder.is_done() {
            // No progress with input available would be a hang.
            panic!("chunked decoder made no progress at {pos}");
        }
        data.extend_from_slice(&out[..produced]);
        pos += used;
    }
    Ok(Some((data, pos)))
}

/// An in-memory connection: reads `input`, collects the output.
struct Memory {
    input: io::Cursor<Vec<u8>>,
    output: Arc<Mutex<Vec<u8>>>,
}

impl Read for Memory {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // Small reads, to exercise every buffer boundary.
        let n = buf.len().min(61);
        self.input.read(&mut buf[..n])
    }
}

impl Write for Memory {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.output
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Serves `input` as one connection with an application that echoes the
/// method, path and body, and returns what the server wrote.
pub fn serve_bytes(input: &[u8]) -> Vec<u8> {
    let app = |env: &mut Environ, start: &mut dyn StartResponse| {
        let mut body = Vec::new();
        env.input().read_to_end(&mut body)?;
        let mut out = env.get_bytes("REQUEST_METHOD").unwrap_or_default().to_vec();
        out.push(b' ');
        out.extend_from_slice(env.get_bytes("PATH_INFO").unwrap_or_default());
        out.push(b' ');
        out.extend_from_slice(&body);
        start.start("200 OK", [("Content-Type", "text/plain")].into())?;
        Ok(Body::from(out))
    };
    let output = Arc::new(Mutex::new(Vec::new()));
    let memory = Memory {
        input: io::Cursor::new(input.to_vec()),
        output: Arc::clone(&output),
    };
    let config = Config::default().access_log(false).max_body_bytes(1 << 20);
    let _ = serve_connection(&crate::app(app), memory, &ConnInfo::default(), &config);
    let out = output
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    out
}
