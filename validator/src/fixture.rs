//! Request fixtures: one representative request plus what to expect of the
//! response, stored as readable text files in `validator/fixtures/`.
//!
//! # File format
//!
//! ```text
//! name: post-form
//! description: A small url-encoded form POST with Content-Length.
//! rules: INPUT-001, BODY-003
//! status: any
//! ---
//! POST /form HTTP/1.1
//! Host: localhost
//! Content-Type: application/x-www-form-urlencoded
//! Content-Length: 7
//!
//! a=1&b=2
//! ```
//!
//! A header block of `key: value` expectations, a line `---`, then the raw
//! request. Lines starting with `#` in the header block are comments.
//!
//! Keys:
//! * `name` (required): a short unique name, used to select fixtures;
//! * `description`: one sentence;
//! * `rules`: the spec rule IDs the fixture exercises (comma-separated); the
//!   first one is cited when the status expectation fails;
//! * `status`: what the final status must be: `any` (the default), or
//!   space-separated codes and classes (`200`, `2xx`, `400 413`);
//! * `body-allowed`: `no` when the response must have no body (HEAD);
//! * `mount`: a SCRIPT_NAME prefix: in process and under `--cgi` the runner
//!   mounts the application there, so the request path starts with it;
//! * `expect-close`: `yes` when the server must close the connection after
//!   the response (checked over the wire only);
//! * `modes`: where the fixture applies, any of `inprocess wire cgi`
//!   (default: all); requests that only a server's parser sees, such as a
//!   malformed one, leave out `cgi`;
//! * `body-size`: generate a body of that many bytes (a repeating
//!   `a`..`z` pattern) after the written body; the token `{body-size}` in
//!   the request head is replaced by the total body length.
//!
//! The raw request: the head lines up to the first empty line are joined
//! with CRLF and ended with an empty line, whatever the file's line ends;
//! everything after that empty line is the body, without the file's final
//! line end, with LF line ends turned into CRLF (so chunked framing can be
//! written naturally). Escapes, applied after that: `\xHH` (any byte, e.g. a
//! non-UTF-8 path), `\r`, `\n`, `\t`, `\\`.
//!
//! Pipelined requests: write the second and later requests where the first
//! one's body would go, and end the file with an empty line; each request
//! gets its response, checked in order (HTTP-027; see `pipelined.txt`).

use std::fmt;

/// What final status a fixture expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusPattern {
    /// An exact code.
    Code(u16),
    /// A class: `2` for `2xx`.
    Class(u16),
}

/// One request fixture (see the module documentation for the file format).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fixture {
    /// The fixture's unique name.
    pub name: String,
    /// One sentence saying what it is.
    pub description: String,
    /// Spec rule IDs it exercises.
    pub rules: Vec<String>,
    /// Accepted statuses; empty means any.
    pub status: Vec<StatusPattern>,
    /// False when the response must have no body (HEAD).
    pub body_allowed: bool,
    /// SCRIPT_NAME prefix the application is mounted at, if any.
    pub mount: Option<String>,
    /// The server must close the connection after the response.
    pub expect_close: bool,
    /// Runs in process (through `rgi::test`).
    pub in_process: bool,
    /// Runs over the wire (`--url`, `--cmd`).
    pub wire: bool,
    /// Runs under `--cgi`.
    pub cgi: bool,
    /// The exact request bytes.
    pub request: Vec<u8>,
}

/// A fixture file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixtureError {
    /// Which file (or fixture) it was.
    pub source: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for FixtureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "fixture {}: {}", self.source, self.message)
    }
}

impl std::error::Error for FixtureError {}

impl Fixture {
    /// Parses a fixture file's text; `source` names it in errors.
    ///
    /// ```
    /// let f = rgi_validator::Fixture::parse(
    ///     "get.txt",
    ///     "name: get\nstatus: 2xx\n---\nGET /caf%E9 HTTP/1.1\nX-Name: caf\\xe9\n",
    /// ).unwrap();
    /// assert_eq!(f.request, b"GET /caf%E9 HTTP/1.1\r\nX-Name: caf\xe9\r\n\r\n");
    /// assert_eq!(f.method(), "GET");
    /// assert!(f.status_matches(204));
    /// assert!(!f.status_matches(404));
    /// ```
    pub fn parse(source: &str, text: &str) -> Result<Fixture, FixtureError> {
        let err = |message: String| FixtureError {
            source: source.to_owned(),
            message,
        };
        let text = text.replace("\r\n", "\n");
        let (meta, raw) = text
            .split_once("\n---\n")
            .ok_or_else(|| err("no `---` line between the expectations and the request".into()))?;
        let mut fixture = Fixture {
            name: String::new(),
            description: String::new(),
            rules: Vec::new(),
            status: Vec::new(),
            body_allowed: true,
            mount: None,
            expect_close: false,
            in_process: true,
            wire: true,
            cgi: true,
            request: Vec::new(),
        };
        let mut body_size = 0usize;
        for line in meta.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (key, value) = line
                .split_once(':')
                .ok_or_else(|| err(format!("expected `key: value`, got {line:?}")))?;
            let value = value.trim();
            let yes_no = |v: &str| match v {
                "yes" => Ok(true),
                "no" => Ok(false),
                _ => Err(err(format!("{key}: expected yes or no, got {v:?}"))),
            };
            match key.trim() {
                "name" => fixture.name = value.to_owned(),
                "description" => fixture.description = value.to_owned(),
                "rules" => {
                    fixture.rules = value
                        .split(',')
                        .map(|r| r.trim().to_owned())
                        .filter(|r| !r.is_empty())
                        .collect()
                }
                "status" => fixture.status = parse_status(value).map_err(err)?,
                "body-allowed" => fixture.body_allowed = yes_no(value)?,
                "expect-close" => fixture.expect_close = yes_no(value)?,
                "mount" => {
                    if !value.starts_with('/') || value.ends_with('/') {
                        return Err(err(format!(
                            "mount: {value:?} must start with `/` and not end with it"
                        )));
                    }
                    fixture.mount = Some(value.to_owned())
                }
                "modes" => {
                    fixture.in_process = false;
                    fixture.wire = false;
                    fixture.cgi = false;
                    for mode in value.split_whitespace() {
                        match mode {
                            "inprocess" => fixture.in_process = true,
                            "wire" => fixture.wire = true,
                            "cgi" => fixture.cgi = true,
                            other => return Err(err(format!("modes: unknown mode {other:?}"))),
                        }
                    }
                }
                "body-size" => {
                    body_size = value
                        .parse()
                        .map_err(|_| err(format!("body-size: {value:?} is not a number")))?
                }
                other => return Err(err(format!("unknown key {other:?}"))),
            }
        }
        if fixture.name.is_empty() {
            return Err(err("no `name:`".into()));
        }
        let (head, body) = match raw.split_once("\n\n") {
            Some((head, body)) => (head, body.strip_suffix('\n').unwrap_or(body)),
            None => (raw.trim_end_matches('\n'), ""),
        };
        let mut body = unescape(&body.replace('\n', "\r\n")).map_err(err)?;
        body.extend((0..body_size).map(|i| b'a' + (i % 26) as u8));
        let head = head.replace("{body-size}", &body.len().to_string());
        let mut request = unescape(&head.replace('\n', "\r\n")).map_err(err)?;
        request.extend_from_slice(b"\r\n\r\n");
        request.extend_from_slice(&body);
        fixture.request = request;
        if fixture.cgi && fixture.parts().is_none() {
            return Err(err(
                "the request does not parse; a malformed request must leave `cgi` out of `modes`"
                    .into(),
            ));
        }
        Ok(fixture)
    }

    /// The request parsed: method, target, minor version, headers and the
    /// body bytes (de-chunked), or `None` if it does not parse.
    pub fn parts(&self) -> Option<RequestParts> {
        let mut headers = [httparse::EMPTY_HEADER; 128];
        let mut req = httparse::Request::new(&mut headers);
        let httparse::Status::Complete(len) = req.parse(&self.request).ok()? else {
            return None;
        };
        let headers: Vec<(String, Vec<u8>)> = req
            .headers
            .iter()
            .map(|h| (h.name.to_owned(), h.value.to_vec()))
            .collect();
        let rest = &self.request[len..];
        let chunked = headers.iter().any(|(n, v)| {
            n.eq_ignore_ascii_case("transfer-encoding")
                && String::from_utf8_lossy(v)
                    .to_ascii_lowercase()
                    .contains("chunked")
        });
        let body = if chunked {
            dechunk(rest)?
        } else {
            let length = headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| std::str::from_utf8(v).ok()?.trim().parse::<usize>().ok())
                .unwrap_or(0);
            rest.get(..length)?.to_vec()
        };
        Some(RequestParts {
            method: req.method?.to_owned(),
            target: req.path?.as_bytes().to_vec(),
            minor: req.version?,
            headers,
            body,
            chunked,
        })
    }

    /// The same fixture with `prefix` put before its request target (when
    /// the target is a path): for an application that a server serves below
    /// a path, such as a CGI program at `/cgi-bin/app.cgi`.
    ///
    /// ```
    /// let f = rgi_validator::Fixture::parse("t", "name: t\n---\nGET /x?y HTTP/1.1\nHost: h\n").unwrap();
    /// assert!(f.with_prefix("/cgi-bin/a.cgi").request.starts_with(b"GET /cgi-bin/a.cgi/x?y HTTP/1.1\r\n"));
    /// ```
    pub fn with_prefix(&self, prefix: &str) -> Fixture {
        let mut fixture = self.clone();
        let prefix = prefix.trim_end_matches('/');
        let Some(space) = self.request.iter().position(|&b| b == b' ') else {
            return fixture;
        };
        if self.request.get(space + 1) != Some(&b'/') || prefix.is_empty() {
            return fixture;
        }
        let mut request = self.request[..=space].to_vec();
        request.extend_from_slice(prefix.as_bytes());
        request.extend_from_slice(&self.request[space + 1..]);
        fixture.request = request;
        fixture
    }

    /// What the response checks need to know about each request in the
    /// fixture: one entry, or one per pipelined request when the request
    /// bytes hold several (each delimited by Content-Length or nothing).
    pub fn request_infos(&self, origin: bool) -> Vec<crate::wire::RequestInfo> {
        let mut infos = Vec::new();
        let mut rest = &self.request[..];
        while !rest.is_empty() {
            let mut headers = [httparse::EMPTY_HEADER; 128];
            let mut req = httparse::Request::new(&mut headers);
            let Ok(httparse::Status::Complete(len)) = req.parse(rest) else {
                break;
            };
            let length = req
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                .and_then(|h| {
                    std::str::from_utf8(h.value)
                        .ok()?
                        .trim()
                        .parse::<usize>()
                        .ok()
                })
                .unwrap_or(0);
            let chunked = req
                .headers
                .iter()
                .any(|h| h.name.eq_ignore_ascii_case("transfer-encoding"));
            let connection = |token: &str| {
                req.headers.iter().any(|h| {
                    h.name.eq_ignore_ascii_case("connection")
                        && String::from_utf8_lossy(h.value)
                            .split(',')
                            .any(|t| t.trim().eq_ignore_ascii_case(token))
                })
            };
            let asks_close =
                connection("close") || (req.version == Some(0) && !connection("keep-alive"));
            infos.push(crate::wire::RequestInfo {
                method: req.method.unwrap_or("").to_owned(),
                minor: req.version,
                expect_close: false,
                origin,
                has_body: length > 0 || chunked,
                asks_close,
            });
            if chunked {
                break;
            }
            rest = rest.get(len.saturating_add(length)..).unwrap_or_default();
        }
        if infos.is_empty() {
            infos.push(crate::wire::RequestInfo {
                method: self.method().to_owned(),
                minor: self.http_version(),
                expect_close: false,
                origin,
                has_body: false,
                asks_close: self.http_version() == Some(0),
            });
        }
        if let Some(last) = infos.last_mut() {
            last.expect_close = self.expect_close;
        }
        infos
    }

    /// The request method (the first word of the request).
    pub fn method(&self) -> &str {
        let end = self.request.iter().position(|&b| b == b' ').unwrap_or(0);
        std::str::from_utf8(&self.request[..end]).unwrap_or("")
    }

    /// The request's HTTP version as `(1, minor)`, when the request line
    /// ends with `HTTP/1.x`.
    pub fn http_version(&self) -> Option<u8> {
        let line_end = self.request.windows(2).position(|w| w == b"\r\n")?;
        let line = &self.request[..line_end];
        match line.get(line.len().saturating_sub(8)..)? {
            b"HTTP/1.0" => Some(0),
            b"HTTP/1.1" => Some(1),
            _ => None,
        }
    }

    /// True if `code` is an accepted final status.
    pub fn status_matches(&self, code: u16) -> bool {
        self.status.is_empty()
            || self.status.iter().any(|p| match p {
                StatusPattern::Code(c) => *c == code,
                StatusPattern::Class(c) => code / 100 == *c,
            })
    }

    /// The status expectation as written (`"any"` when there is none).
    pub fn status_text(&self) -> String {
        if self.status.is_empty() {
            return "any".to_owned();
        }
        self.status
            .iter()
            .map(|p| match p {
                StatusPattern::Code(c) => c.to_string(),
                StatusPattern::Class(c) => format!("{c}xx"),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A fixture's request, parsed (see [`Fixture::parts`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestParts {
    /// The method.
    pub method: String,
    /// The request target, raw.
    pub target: Vec<u8>,
    /// The HTTP minor version.
    pub minor: u8,
    /// The header fields, in order.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body, without its framing.
    pub body: Vec<u8>,
    /// True when the body was chunked.
    pub chunked: bool,
}

/// Decodes a chunked body (lenient: the fixtures are trusted).
fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&data[..line_end]).ok()?;
        let size_text = size_text.split(';').next()?.trim();
        let size = usize::from_str_radix(size_text, 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size.checked_add(2)?..)?;
    }
}

fn parse_status(value: &str) -> Result<Vec<StatusPattern>, String> {
    if value == "any" {
        return Ok(Vec::new());
    }
    value
        .split_whitespace()
        .map(|word| {
            let bytes = word.as_bytes();
            if bytes.len() == 3 && bytes[1..] == *b"xx" && (b'1'..=b'5').contains(&bytes[0]) {
                Ok(StatusPattern::Class(u16::from(bytes[0] - b'0')))
            } else {
                match word.parse::<u16>() {
                    Ok(code) if (100..=599).contains(&code) => Ok(StatusPattern::Code(code)),
                    _ => Err(format!(
                        "status: {word:?} is not a code, a class like 2xx, or any"
                    )),
                }
            }
        })
        .collect()
}

/// Turns `\xHH`, `\r`, `\n`, `\t` and `\\` into bytes.
fn unescape(text: &str) -> Result<Vec<u8>, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        match bytes.get(i + 1) {
            Some(b'x') => {
                let hex = bytes
                    .get(i + 2..i + 4)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| format!("bad \\x escape at byte {i}"))?;
                out.push(hex);
                i += 4;
            }
            Some(b'r') => {
                out.push(b'\r');
                i += 2;
            }
            Some(b'n') => {
                out.push(b'\n');
                i += 2;
            }
            Some(b't') => {
                out.push(b'\t');
                i += 2;
            }
            Some(b'\\') => {
                out.push(b'\\');
                i += 2;
            }
            _ => {
                return Err(format!(
                    "unknown escape at byte {i} (use \\\\ for a backslash)"
                ))
            }
        }
    }
    Ok(out)
}

macro_rules! catalogue {
    ($($file:literal),* $(,)?) => {
        /// The file names of the built-in catalogue, in running order.
        pub const CATALOGUE_FILES: &[&str] = &[$($file),*];
        const CATALOGUE_TEXTS: &[&str] = &[$(include_str!(concat!("../fixtures/", $file))),*];
    };
}

catalogue!(
    "get-root.txt",
    "get-query.txt",
    "get-percent-path.txt",
    "get-encoded-slash.txt",
    "get-non-utf8-path.txt",
    "get-double-encoded.txt",
    "get-absolute-form.txt",
    "get-auth-long-header.txt",
    "get-http10.txt",
    "get-http10-keepalive.txt",
    "get-connection-close.txt",
    "pipelined.txt",
    "head-root.txt",
    "post-form.txt",
    "post-json.txt",
    "post-chunked.txt",
    "post-expect-continue.txt",
    "post-large.txt",
    "post-empty.txt",
    "put-body.txt",
    "delete.txt",
    "options-path.txt",
    "options-star.txt",
    "mounted-root.txt",
    "mounted-nested.txt",
    "repeated-headers.txt",
    "odd-header-names.txt",
    "if-none-match.txt",
    "if-modified-since.txt",
    "get-with-body.txt",
    "unknown-method.txt",
    "missing-host.txt",
    "te-and-cl.txt",
);

/// The built-in catalogue of fixtures, parsed.
///
/// ```
/// let all = rgi_validator::catalogue();
/// assert!(all.iter().any(|f| f.method() == "HEAD" && !f.body_allowed));
/// ```
pub fn catalogue() -> Vec<Fixture> {
    CATALOGUE_FILES
        .iter()
        .zip(CATALOGUE_TEXTS)
        .map(|(file, text)| match Fixture::parse(file, text) {
            Ok(fixture) => fixture,
            // The catalogue is part of the crate and tested; a broken file is
            // a bug in this crate, not in the caller.
            Err(e) => panic!("built-in {e}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_parses_and_names_are_unique() {
        let all = catalogue();
        let mut names: Vec<_> = all.iter().map(|f| f.name.clone()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), all.len());
        for f in &all {
            assert!(!f.description.is_empty(), "{}", f.name);
            assert!(!f.rules.is_empty(), "{}", f.name);
            for rule in &f.rules {
                assert!(rgi::rules::rule(rule).is_some(), "{}: {rule}", f.name);
            }
        }
    }

    #[test]
    fn every_file_in_the_directory_is_in_the_catalogue() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".txt"))
            .collect();
        files.sort();
        let mut listed: Vec<String> = CATALOGUE_FILES.iter().map(|s| s.to_string()).collect();
        listed.sort();
        assert_eq!(files, listed);
    }

    #[test]
    fn bodies_escapes_and_generated_sizes() {
        let f = Fixture::parse(
            "t",
            "name: t\nbody-size: 30\n---\nPOST / HTTP/1.1\nContent-Length: {body-size}\n\n\\xff\\\\\n",
        )
        .unwrap();
        let split = f.request.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        assert_eq!(
            &f.request[..split],
            b"POST / HTTP/1.1\r\nContent-Length: 32"
        );
        assert_eq!(&f.request[split + 4..split + 7], b"\xff\\a");
        assert_eq!(f.request.len(), split + 4 + 32);
        assert!(Fixture::parse("t", "name: t\n---\nGET /\\q HTTP/1.1\n").is_err());
        assert!(Fixture::parse("t", "name: t\nstatus: 2x\n---\nGET / HTTP/1.1\n").is_err());
        assert!(Fixture::parse("t", "GET / HTTP/1.1\n").is_err());
    }
}
