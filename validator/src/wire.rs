//! Reading one HTTP/1.x response off a byte stream and checking its
//! HTTP-level conformance: status line, header syntax, framing, Content-Length
//! truthfulness, no body where none is allowed, Date.
//!
//! The same code checks responses read from a socket (`--url`, `--cmd`) and
//! the bytes the in-process test client produced.

use std::io::{self, Read};
use std::time::Duration;

use crate::report::{finding, Finding, Severity};

/// The largest response head accepted.
const MAX_HEAD: usize = 64 * 1024;
/// The largest response body read.
const MAX_BODY: usize = 64 * 1024 * 1024;

/// What the checker needs to know about the request.
#[derive(Debug, Clone)]
pub struct RequestInfo {
    /// The request method.
    pub method: String,
    /// The request's HTTP minor version (0 or 1), if it had one.
    pub minor: Option<u8>,
    /// The fixture expects the server to close the connection afterwards.
    pub expect_close: bool,
    /// The response comes from an origin server (Date required).
    pub origin: bool,
    /// The request carries a body (the server may close late, without
    /// `Connection: close`, when the application left it unread: HTTP-026).
    pub has_body: bool,
    /// The request itself asks for the close: HTTP/1.0 without
    /// `Connection: keep-alive`, or `Connection: close`. (Otherwise a close
    /// is expected only with the error status the fixture expects.)
    pub asks_close: bool,
}

/// A response as read and parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WireResponse {
    /// Interim (1xx) status codes received before the final response.
    pub interim: Vec<u16>,
    /// The minor version of the status line (`HTTP/1.0`: 0, `HTTP/1.1`: 1).
    pub minor: u8,
    /// The final status code.
    pub code: u16,
    /// The reason phrase.
    pub reason: String,
    /// The header fields, in order.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body, decoded from its framing.
    pub body: Vec<u8>,
    /// Whether the peer closed the connection after the response (`None`:
    /// not known).
    pub closed: Option<bool>,
}

impl WireResponse {
    /// The first value of header `name` (case-insensitive), as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| String::from_utf8_lossy(v).trim().to_owned())
            .collect()
    }
}

enum Fill {
    Data,
    Eof,
    Timeout,
    Failed(io::Error),
}

/// A readable connection whose read timeout can be shortened.
trait Source: Read + Probe {}
impl<T: Read + Probe> Source for T {}

/// A buffered reader that tells EOF from a timeout.
struct Input<'a> {
    inner: &'a mut dyn Source,
    buf: Vec<u8>,
    pos: usize,
}

impl Input<'_> {
    fn available(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    fn fill(&mut self) -> Fill {
        let mut chunk = [0u8; 16 * 1024];
        loop {
            match self.inner.read(&mut chunk) {
                Ok(0) => return Fill::Eof,
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    return Fill::Data;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return Fill::Timeout
                }
                Err(e) => return Fill::Failed(e),
            }
        }
    }

    fn consume(&mut self, n: usize) {
        self.pos += n;
    }
}

/// What the checks after the last response need from a live connection
/// (a socket); in-memory readers need nothing.
///
/// Whether a server keeps a connection open is learnt without waiting: a
/// probe request (`OPTIONS *`, answered and then closed) is sent after the
/// last response, and the next bytes tell the rest: the probe's status line
/// (the connection stayed open, nothing followed the response), other bytes
/// (they followed the response: BODY-006, BODY-004, HTTP-022) or the end of
/// the stream (the server had closed).
pub trait Probe {
    /// Sets the read timeout used after the response is complete.
    fn set_probe_timeout(&mut self, timeout: Duration);

    /// Sends the probe request, once the fixture's request was sent in
    /// full; false when it cannot be sent (then a short wait decides).
    fn send_probe(&mut self) -> bool {
        false
    }
}

/// The probe request: answered by any HTTP/1.1 server, and then the
/// connection closes.
pub const PROBE_REQUEST: &[u8] =
    b"OPTIONS * HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

impl Probe for std::net::TcpStream {
    fn set_probe_timeout(&mut self, timeout: Duration) {
        let _ = self.set_read_timeout(Some(timeout));
    }
}

impl<T> Probe for io::Cursor<T> {
    fn set_probe_timeout(&mut self, _: Duration) {}
}

/// Reads one response from `reader` and checks it. `wire` says the reader
/// is a live connection (whether it closes afterwards is then checked, with a
/// short probe); otherwise the reader holds all the output and its end is not
/// a close.
///
/// Returns the response, if its head could be parsed, and the findings.
pub fn read_and_check<R: Read + Probe>(
    reader: &mut R,
    request: &RequestInfo,
    wire: bool,
) -> (Option<WireResponse>, Vec<Finding>) {
    let (mut responses, findings) = read_and_check_all(reader, std::slice::from_ref(request), wire);
    (responses.pop(), findings)
}

/// Reads and checks one response per request, in order, from one
/// connection (pipelined requests, HTTP-027). Stops at the first response
/// that cannot be read; the checks after the last response (extra bytes, a
/// close) run once, after the last.
pub fn read_and_check_all<R: Read + Probe>(
    reader: &mut R,
    requests: &[RequestInfo],
    wire: bool,
) -> (Vec<WireResponse>, Vec<Finding>) {
    let mut findings = Vec::new();
    let mut responses = Vec::new();
    let mut input = Input {
        inner: reader,
        buf: Vec::new(),
        pos: 0,
    };
    for (i, request) in requests.iter().enumerate() {
        let last = i + 1 == requests.len();
        match read_one(&mut input, request, wire, last, &mut findings) {
            Some(response) if !last && announces_close(&response) => {
                // The server closes after this response, as it said: the
                // requests pipelined behind it go unanswered (RFC 9112
                // 9.3.2, HTTP-033), which is no fault.
                responses.push(response);
                break;
            }
            Some(response) => responses.push(response),
            None => {
                if i > 0 {
                    findings.push(finding(
                        "HTTP-027",
                        format!("no readable response {} of {} to pipelined requests", i + 1, requests.len()),
                        "answer pipelined requests one at a time, in order, each response framed exactly",
                    ));
                }
                break;
            }
        }
    }
    (responses, findings)
}

fn read_one(
    input: &mut Input<'_>,
    request: &RequestInfo,
    wire: bool,
    last: bool,
    findings: &mut Vec<Finding>,
) -> Option<WireResponse> {
    let mut interim = Vec::new();
    loop {
        let head_len = loop {
            if let Some(end) = head_end(input.available()) {
                break end;
            }
            if input.available().len() > MAX_HEAD {
                findings.push(finding(
                    "HTTP-019",
                    format!("the response head is longer than {MAX_HEAD} bytes or never ends"),
                    "end the status line and header section with an empty line (CRLF CRLF)",
                ));
                return None;
            }
            match input.fill() {
                Fill::Data => {}
                Fill::Eof => {
                    if input.available().is_empty() && interim.is_empty() {
                        findings.push(finding(
                            "APP-005",
                            "the connection closed without any response",
                            "a server answers every complete request before closing, with an error status if it cannot serve it (500 when the application behind it failed)",
                        ));
                    } else {
                        findings.push(finding(
                            "HTTP-019",
                            format!(
                                "the connection closed in the middle of the response head ({} bytes)",
                                input.available().len()
                            ),
                            "send a complete status line and header section ending with an empty line",
                        ));
                    }
                    return None;
                }
                Fill::Timeout => {
                    findings.push(finding(
                        "SRV-001",
                        if input.available().is_empty() {
                            "no response arrived before the timeout".to_owned()
                        } else {
                            "the response head did not complete before the timeout".to_owned()
                        },
                        "answer every complete request; check that the server reads the whole request (body included) and sends the head",
                    ));
                    return None;
                }
                Fill::Failed(e) => {
                    findings.push(finding(
                        "SRV-001",
                        format!("reading the response failed: {e}"),
                        "keep the connection open until the response is sent",
                    ));
                    return None;
                }
            }
        };
        let head = input.available()[..head_len].to_vec();
        input.consume(head_len);
        let code = status_code(&head);
        if matches!(code, Some(c) if (100..200).contains(&c) && c != 101) && interim.len() < 5 {
            check_interim(request, findings);
            interim.push(code.unwrap_or(100));
            continue;
        }
        return finish(input, head, interim, request, wire, last, findings);
    }
}

fn head_end(buf: &[u8]) -> Option<usize> {
    let crlf = buf.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4);
    let lf = buf.windows(2).position(|w| w == b"\n\n").map(|p| p + 2);
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn status_code(head: &[u8]) -> Option<u16> {
    let code = head.get(9..12)?;
    std::str::from_utf8(code).ok()?.parse().ok()
}

fn check_interim(request: &RequestInfo, findings: &mut Vec<Finding>) {
    if request.minor == Some(0) {
        findings.push(finding(
            "HTTP-019",
            "an interim 1xx response was sent to an HTTP/1.0 client",
            "never send 1xx responses (100 Continue included) to HTTP/1.0 clients",
        ));
    }
}

/// Checks the status line and each header line by hand, for precise
/// messages (httparse only says "invalid").
fn check_head_lines(head: &[u8], findings: &mut Vec<Finding>) -> bool {
    let mut ok = true;
    if head.windows(2).any(|w| w[1] == b'\n' && w[0] != b'\r') || head.starts_with(b"\n") {
        findings.push(finding(
            "HTTP-019",
            "a line of the response head ends with a bare LF",
            "end every line of the status line and header section with CRLF",
        ));
    }
    let text = head.strip_suffix(b"\r\n\r\n").unwrap_or(head);
    let mut lines = text
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let status_line = lines.next().unwrap_or_default();
    let status_text = String::from_utf8_lossy(status_line);
    let version_ok = status_line.starts_with(b"HTTP/1.1 ") || status_line.starts_with(b"HTTP/1.0 ");
    if !version_ok {
        ok = false;
        findings.push(finding(
            "HTTP-019",
            format!("the status line {status_text:?} does not begin with \"HTTP/1.1 \""),
            "send \"HTTP/1.1 NNN Reason\" as the status line",
        ));
    } else if let Err(e) = rgi::start_response::check_status(&status_text[9..]) {
        ok = false;
        findings.push(finding(
            "START-003",
            format!("the status line {status_text:?} is malformed: {e}"),
            "send three digits (100-599), one space and a non-empty reason phrase",
        ));
    }
    for line in lines {
        if line.is_empty() {
            continue;
        }
        let shown = String::from_utf8_lossy(line);
        if line[0] == b' ' || line[0] == b'\t' {
            ok = false;
            findings.push(finding(
                "HDR-002",
                format!("obsolete line folding: the header line {shown:?} begins with whitespace"),
                "never put CR or LF into a header value; send each field on one line",
            ));
            continue;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            ok = false;
            findings.push(finding(
                "HDR-001",
                format!("the header line {shown:?} has no colon"),
                "send each header as `Name: value`",
            ));
            continue;
        };
        let name = String::from_utf8_lossy(&line[..colon]);
        if !rgi::start_response::is_token(&name) {
            ok = false;
            findings.push(finding(
                "HDR-001",
                format!("the header name {name:?} is not a token"),
                "use only letters, digits and !#$%&'*+-.^_`|~ in header names, and no space before the colon",
            ));
        }
        if let Some(&bad) = line[colon + 1..]
            .iter()
            .find(|&&b| (b < 0x20 && b != b'\t') || b == 0x7f)
        {
            ok = false;
            findings.push(finding(
                "HDR-002",
                format!("the value of header {name:?} contains control byte 0x{bad:02x}"),
                "remove CR, LF, NUL and other control characters (tab is allowed) from header values",
            ));
        }
    }
    ok
}

/// Header fields as parsed: name and raw value.
type HeaderList = Vec<(String, Vec<u8>)>;

/// Parses a head that httparse refused: the status code and every line
/// that has a colon.
fn lenient_head(head: &[u8]) -> Option<(u16, String, HeaderList)> {
    let code = status_code(head)?;
    let mut lines = head
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let status_line = lines.next()?;
    let reason = String::from_utf8_lossy(status_line.get(13..).unwrap_or_default()).into_owned();
    let headers = lines
        .filter_map(|line| {
            let colon = line.iter().position(|&b| b == b':')?;
            let name = String::from_utf8_lossy(&line[..colon]).trim().to_owned();
            let value = line[colon + 1..].to_vec();
            let value = String::from_utf8_lossy(&value).trim().as_bytes().to_vec();
            Some((name, value))
        })
        .collect();
    Some((code, reason, headers))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    None,
    Length(u64),
    Chunked,
    Close,
}

fn finish(
    input: &mut Input<'_>,
    head: Vec<u8>,
    interim: Vec<u16>,
    request: &RequestInfo,
    wire: bool,
    last: bool,
    findings: &mut Vec<Finding>,
) -> Option<WireResponse> {
    let lines_ok = check_head_lines(&head, findings);
    let mut parsed_headers = [httparse::EMPTY_HEADER; 256];
    let mut parsed = httparse::Response::new(&mut parsed_headers);
    let mut response = match parsed.parse(&head) {
        Ok(httparse::Status::Complete(_)) => WireResponse {
            interim,
            minor: parsed.version.unwrap_or(1),
            code: parsed.code.unwrap_or(0),
            reason: parsed.reason.unwrap_or("").to_owned(),
            headers: parsed
                .headers
                .iter()
                .map(|h| (h.name.to_owned(), h.value.to_vec()))
                .collect(),
            body: Vec::new(),
            closed: None,
        },
        Ok(httparse::Status::Partial) | Err(_) => {
            if lines_ok {
                findings.push(finding(
                    "HTTP-019",
                    "the response head does not parse as HTTP/1.1",
                    "send a status line, header lines and an empty line, each ending with CRLF",
                ));
            }
            // Already reported line by line: carry on leniently, so that the
            // framing and the body are checked too.
            match lenient_head(&head) {
                Some((code, reason, headers)) => WireResponse {
                    interim,
                    minor: u8::from(!head.starts_with(b"HTTP/1.0")),
                    code,
                    reason,
                    headers,
                    body: Vec::new(),
                    closed: None,
                },
                None => return None,
            }
        }
    };
    let code = response.code;
    let head_request = request.method == "HEAD";
    let bodiless_status = code < 200 || code == 204 || code == 304;

    // Content-Length values.
    let lengths = response.all("content-length");
    let mut length = None;
    for value in &lengths {
        match rgi::start_response::parse_content_length(value) {
            Ok(n) if length.is_some_and(|l| l != n) => findings.push(finding(
                "HDR-006",
                format!("several Content-Length fields disagree: {lengths:?}"),
                "send one Content-Length with the exact body size",
            )),
            Ok(n) => length = Some(n),
            Err(_) => findings.push(finding(
                "HDR-006",
                format!("Content-Length {value:?} is not a plain decimal number"),
                "send the body size as ASCII digits only",
            )),
        }
    }
    let codings = response.all("transfer-encoding");
    let chunked = codings.last().is_some_and(|c| {
        c.rsplit(',')
            .next()
            .is_some_and(|l| l.trim().eq_ignore_ascii_case("chunked"))
    });
    if !codings.is_empty() && !lengths.is_empty() {
        findings.push(finding(
            "HTTP-020",
            "the response has both Transfer-Encoding and Content-Length",
            "frame a response one way: Content-Length when the length is known, chunked otherwise",
        ));
    }
    if !codings.is_empty() && !chunked {
        findings.push(finding(
            "HTTP-020",
            format!("Transfer-Encoding {codings:?} does not end with chunked"),
            "use Transfer-Encoding: chunked (last) or Content-Length",
        ));
    }
    if chunked && request.minor == Some(0) {
        findings.push(finding(
            "HTTP-019",
            "a chunked response was sent to an HTTP/1.0 client",
            "answer HTTP/1.0 clients with Content-Length or by closing the connection",
        ));
    }
    if code < 200 || code == 204 {
        if !lengths.is_empty() || !codings.is_empty() {
            findings.push(finding(
                "HTTP-021",
                format!("a {code} response carries Content-Length or Transfer-Encoding"),
                "send 1xx and 204 responses without Content-Length and Transfer-Encoding",
            ));
        }
        if response.header("content-type").is_some() {
            findings.push(finding(
                "HDR-008",
                format!("a {code} response carries Content-Type"),
                "leave Content-Type out of 1xx and 204 responses",
            ));
        }
    }
    if code == 304 && response.header("content-type").is_some() {
        findings.push(finding(
            "HDR-009",
            "a 304 response carries Content-Type",
            "leave Content-Type out of 304 responses",
        ));
    }
    if request.origin {
        match response.header("date") {
            None => findings.push(finding(
                "SRV-005",
                "the response has no Date header",
                "add `Date: <IMF-fixdate>` (e.g. \"Sun, 06 Nov 1994 08:49:37 GMT\") to every response",
            )),
            Some(date) if !is_imf_fixdate(date.trim()) => findings.push(finding(
                "SRV-005",
                format!("the Date header {date:?} is not in IMF-fixdate form"),
                "format Date as \"Sun, 06 Nov 1994 08:49:37 GMT\" (English names, GMT, correct weekday)",
            )),
            Some(_) => {}
        }
        if response.header("server").is_none() {
            findings.push(finding(
                "SRV-006",
                "the response has no Server header",
                "add a Server header naming the server software",
            ));
        }
    }
    for name in rgi::validate::SINGLE_VALUED_FIELDS {
        let n = response.all(name).len();
        if n > 1 {
            findings.push(finding(
                "HDR-013",
                format!("the single-valued header {name} appears {n} times"),
                "send it once",
            ));
        }
    }
    check_app_headers(&response, findings);

    // Framing.
    let framing = if head_request || bodiless_status {
        Framing::None
    } else if !codings.is_empty() {
        Framing::Chunked
    } else if let Some(n) = length {
        Framing::Length(n)
    } else {
        Framing::Close
    };
    let complete = match framing {
        Framing::None => true,
        Framing::Length(n) => read_length(input, n, &mut response, findings),
        Framing::Chunked => read_chunked(input, &mut response, findings),
        Framing::Close => read_to_close(input, &mut response, wire, findings),
    };
    if !complete {
        return Some(response);
    }
    if !response.body.is_empty() && response.header("content-type").is_none() && !bodiless_status {
        findings.push(finding(
            "HDR-010",
            format!(
                "the response has {} body bytes but no Content-Type",
                response.body.len()
            ),
            "set Content-Type (e.g. \"text/plain; charset=utf-8\")",
        ));
    }

    // Anything after the end of the message? Did the peer close? (Only
    // after the last response: before it, the bytes are the next response.)
    if !last {
        return Some(response);
    }
    if framing != Framing::Close {
        let extra_len = input.available().len();
        let mut extra = extra_len > 0;
        let mut closed = None;
        let will_close = announces_close(&response)
            || (request.expect_close && (request.asks_close || code >= 400));
        let mut probing = false;
        if wire && !extra {
            // A server that closes does so right after responding; one that
            // keeps the connection answers the probe.
            probing = !will_close && input.inner.send_probe();
            let wait = match (probing, will_close) {
                (true, _) => 5000,
                (false, true) => 1000,
                (false, false) => 200,
            };
            input.inner.set_probe_timeout(Duration::from_millis(wait));
        }
        if !extra {
            let fill = input.fill();
            if probing && matches!(fill, Fill::Data) {
                while input.available().len() < 5 && matches!(input.fill(), Fill::Data) {}
            }
            match fill {
                Fill::Data if probing && input.available().starts_with(b"HTTP/") => {
                    closed = Some(false);
                }
                Fill::Data => extra = true,
                Fill::Eof => closed = Some(true),
                Fill::Timeout => closed = Some(false),
                Fill::Failed(_) => closed = Some(true),
            }
        }
        if extra {
            let sample: Vec<u8> = input.available().iter().take(40).copied().collect();
            let sample = String::from_utf8_lossy(&sample);
            let (rule, what, fix) = match framing {
                Framing::None if head_request => (
                    "BODY-006",
                    "body bytes follow the head of a response to HEAD".to_owned(),
                    "send no body in a response to HEAD (keep the headers GET would have)",
                ),
                Framing::None => (
                    "BODY-006",
                    format!("body bytes follow the head of a {code} response"),
                    "send no body with 1xx, 204 and 304 responses",
                ),
                Framing::Length(n) => (
                    "BODY-004",
                    format!("more bytes follow the {n} bytes that Content-Length declared"),
                    "declare the true Content-Length and never send more than it",
                ),
                _ => (
                    "HTTP-022",
                    "bytes follow the last chunk of the chunked body".to_owned(),
                    "end a chunked body with `0\\r\\n\\r\\n` and send nothing after it",
                ),
            };
            findings.push(finding(rule, format!("{what}: {sample:?}"), fix));
        }
        if wire {
            response.closed = closed;
            // HTTP-026 allows a late close after a request body the
            // application may have left unread.
            if closed == Some(true) && request.minor == Some(1) && !will_close && !request.has_body
            {
                findings.push(finding(
                    "HTTP-026",
                    "the server closed the connection after the response without saying `Connection: close`",
                    "send `Connection: close` in the head of a response after which the connection will be closed",
                ));
            }
            // An HTTP/1.1 request that did not ask for the close must be
            // closed after the expected error status; a server that answered
            // otherwise (reported by the status check) may keep it.
            if request.expect_close && closed == Some(false) && (request.asks_close || code >= 400)
            {
                findings.push(finding(
                    "HTTP-025",
                    "the connection stayed open after this response, but it must be closed",
                    "close HTTP/1.0 connections after the response unless keep-alive was asked for and the response is delimited; close after error responses",
                ));
            }
        }
    } else if wire {
        response.closed = Some(true);
    }
    Some(response)
}

/// True when the response says the connection closes after it: an
/// HTTP/1.1 `Connection: close`, or an HTTP/1.0 response without
/// `Connection: keep-alive` (RFC 9112 9.3).
fn announces_close(response: &WireResponse) -> bool {
    let has = |token: &str| {
        response
            .all("connection")
            .iter()
            .any(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
    };
    has("close") || (response.minor == 0 && !has("keep-alive"))
}

fn read_length(
    input: &mut Input<'_>,
    n: u64,
    response: &mut WireResponse,
    findings: &mut Vec<Finding>,
) -> bool {
    let want = n.min(MAX_BODY as u64) as usize;
    loop {
        if input.available().len() >= want {
            response.body = input.available()[..want].to_vec();
            input.consume(want);
            return true;
        }
        match input.fill() {
            Fill::Data => {}
            Fill::Eof | Fill::Failed(_) => {
                findings.push(finding(
                    "BODY-003",
                    format!(
                        "the connection closed after {} of the {n} body bytes that Content-Length declared (a truncated response)",
                        input.available().len()
                    ),
                    "make Content-Length equal the bytes the body produces, or leave it out; a body that fails midway is aborted like this",
                ));
                response.body = input.available().to_vec();
                return false;
            }
            Fill::Timeout => {
                findings.push(finding(
                    "BODY-005",
                    format!(
                        "only {} of the {n} body bytes that Content-Length declared arrived, and the connection stayed open",
                        input.available().len()
                    ),
                    "when the body ends before Content-Length bytes, close the connection (and make the declared length true)",
                ));
                response.body = input.available().to_vec();
                return false;
            }
        }
    }
}

fn read_to_close(
    input: &mut Input<'_>,
    response: &mut WireResponse,
    wire: bool,
    findings: &mut Vec<Finding>,
) -> bool {
    loop {
        if input.available().len() > MAX_BODY {
            response.body = input.available().to_vec();
            return false;
        }
        match input.fill() {
            Fill::Data => {}
            Fill::Eof | Fill::Failed(_) => {
                response.body = input.available().to_vec();
                return true;
            }
            Fill::Timeout => {
                if wire {
                    findings.push(finding(
                        "HTTP-020",
                        "the response has neither Content-Length nor chunked coding, and the connection stayed open, so its end cannot be found",
                        "send Content-Length, or chunked coding (HTTP/1.1), or close the connection after the body",
                    ));
                }
                response.body = input.available().to_vec();
                return false;
            }
        }
    }
}

/// Decodes a chunked body strictly (RFC 9112 section 7.1).
fn read_chunked(
    input: &mut Input<'_>,
    response: &mut WireResponse,
    findings: &mut Vec<Finding>,
) -> bool {
    let bad = |findings: &mut Vec<Finding>, what: String| {
        findings.push(finding(
            "HTTP-022",
            format!("malformed chunked body: {what}"),
            "send each chunk as hex size, CRLF, data, CRLF, and end with `0\\r\\n\\r\\n`",
        ));
        false
    };
    loop {
        // The chunk-size line.
        let line = match take_line(input) {
            Ok(line) => line,
            Err(e) => return cut(e, response, findings),
        };
        let Some(line) = line.strip_suffix(b"\r") else {
            return bad(findings, "a chunk-size line ends with a bare LF".into());
        };
        let size_part = line.split(|&b| b == b';').next().unwrap_or_default();
        let size_text = String::from_utf8_lossy(size_part);
        let size_text = size_text.trim_end_matches([' ', '\t']);
        if size_text.is_empty() || !size_text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return bad(findings, format!("chunk size {size_text:?} is not hex"));
        }
        let Ok(size) = usize::from_str_radix(size_text, 16) else {
            return bad(findings, format!("chunk size {size_text:?} overflows"));
        };
        if size == 0 {
            // Trailer section, then the final CRLF.
            loop {
                let line = match take_line(input) {
                    Ok(line) => line,
                    Err(e) => return cut(e, response, findings),
                };
                if line == b"\r" {
                    return true;
                }
                if !line.ends_with(b"\r") {
                    return bad(findings, "a trailer line ends with a bare LF".into());
                }
            }
        }
        if size > MAX_BODY.saturating_sub(response.body.len()) {
            return bad(
                findings,
                format!("chunk size {size_text} is beyond {MAX_BODY} bytes"),
            );
        }
        while input.available().len() < size + 2 {
            match input.fill() {
                Fill::Data => {}
                other => return cut(other, response, findings),
            }
        }
        response.body.extend_from_slice(&input.available()[..size]);
        if &input.available()[size..size + 2] != b"\r\n" {
            return bad(findings, "chunk data is not followed by CRLF".into());
        }
        input.consume(size + 2);
    }
}

/// Takes one line including its LF, without the LF.
fn take_line(input: &mut Input<'_>) -> Result<Vec<u8>, Fill> {
    loop {
        if let Some(end) = input.available().iter().position(|&b| b == b'\n') {
            let line = input.available()[..end].to_vec();
            input.consume(end + 1);
            return Ok(line);
        }
        if input.available().len() > 8192 {
            return Ok(input.available().to_vec());
        }
        match input.fill() {
            Fill::Data => {}
            other => return Err(other),
        }
    }
}

fn cut(how: Fill, _response: &mut WireResponse, findings: &mut Vec<Finding>) -> bool {
    match how {
        Fill::Timeout => findings.push(finding(
            "HTTP-022",
            "the chunked body did not end (no last chunk) before the timeout",
            "end a chunked body with the zero-size last chunk `0\\r\\n\\r\\n`",
        )),
        _ => findings.push(finding(
            "BODY-015",
            "the connection closed before the last chunk: the response was aborted (the application or its body failed after the head was sent)",
            "find the error in the server log; return errors before calling start, or make the body not fail",
        )),
    }
    false
}

/// Application-level header checks that hold over any transport.
pub(crate) fn check_app_headers(response: &WireResponse, findings: &mut Vec<Finding>) {
    let code = response.code;
    if matches!(code, 301 | 302 | 303 | 307 | 308) && response.header("location").is_none() {
        findings.push(finding(
            "HDR-015",
            format!("a {code} redirect has no Location"),
            "add Location with the target URL",
        ));
    }
    if let Some(etag) = response.header("etag") {
        let tag = etag.trim();
        let tag = tag.strip_prefix("W/").unwrap_or(tag);
        if !(tag.len() >= 2 && tag.starts_with('"') && tag.ends_with('"')) {
            findings.push(finding(
                "HDR-016",
                format!("ETag {etag:?} is not a quoted string"),
                "quote the entity tag: ETag: \"abc\" (or W/\"abc\")",
            ));
        }
    }
    if code == 401 && response.header("www-authenticate").is_none() {
        findings.push(finding(
            "HDR-017",
            "a 401 response has no WWW-Authenticate",
            "add WWW-Authenticate naming the authentication scheme",
        ));
    }
    if code == 405 && response.header("allow").is_none() {
        findings.push(finding(
            "HDR-017",
            "a 405 response has no Allow",
            "add Allow listing the methods the resource supports",
        ));
    }
    if let Some(ct) = response.header("content-type") {
        let lower = ct.to_ascii_lowercase();
        if lower.trim_start().starts_with("text/")
            && !lower.contains("charset=")
            && !response.body.is_ascii()
        {
            findings.push(finding(
                "HDR-019",
                format!("Content-Type {ct:?} names no charset, and the body is not ASCII"),
                format!(
                    "add the charset: \"{}; charset=utf-8\"",
                    ct.split(';').next().unwrap_or("text/plain").trim()
                ),
            ));
        }
    }
    if let Some(location) = response.header("location") {
        let l = location.trim();
        let absolute_uri = l.split_once("://").is_some_and(|(scheme, _)| {
            !scheme.is_empty()
                && scheme
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
        });
        if !(absolute_uri || l.starts_with('/')) {
            findings.push(finding(
                "HDR-014",
                format!("Location {location:?} is neither an absolute URI nor an absolute path"),
                "use \"https://host/path\" or \"/path\"",
            ));
        }
    }
}

/// True for an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) whose weekday
/// matches its date.
///
/// ```
/// use rgi_validator::wire::is_imf_fixdate;
/// assert!(is_imf_fixdate("Sun, 06 Nov 1994 08:49:37 GMT"));
/// assert!(!is_imf_fixdate("Mon, 06 Nov 1994 08:49:37 GMT"));
/// assert!(!is_imf_fixdate("Sunday, 06-Nov-94 08:49:37 GMT"));
/// assert!(!is_imf_fixdate("Sun, 06 Növ 1994 08:49:37 GM")); // not ASCII, 29 bytes
/// ```
pub fn is_imf_fixdate(s: &str) -> bool {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let b = s.as_bytes();
    if !s.is_ascii()
        || b.len() != 29
        || &b[3..5] != b", "
        || b[7] != b' '
        || b[11] != b' '
        || b[16] != b' '
    {
        return false;
    }
    if b[19] != b':' || b[22] != b':' || &b[25..] != b" GMT" {
        return false;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let (Some(day), Some(year), Some(h), Some(m), Some(sec)) = (
        num(5..7),
        num(12..16),
        num(17..19),
        num(20..22),
        num(23..25),
    ) else {
        return false;
    };
    let Some(month) = MONTHS.iter().position(|&mo| mo == &s[8..11]) else {
        return false;
    };
    let Some(weekday) = DAYS.iter().position(|&d| d == &s[..3]) else {
        return false;
    };
    if !(1..=31).contains(&day) || h > 23 || m > 59 || sec > 60 {
        return false;
    }
    // Sakamoto's weekday algorithm (0 = Sunday).
    const T: [u32; 12] = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
    let y = if month < 2 { year - 1 } else { year };
    let computed = (y + y / 4 - y / 100 + y / 400 + T[month] + day) % 7;
    computed as usize == weekday
}

/// Checks a finding list for the first error, for convenience.
pub fn has_error(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(method: &str, bytes: &[u8]) -> (Option<WireResponse>, Vec<String>) {
        let info = RequestInfo {
            method: method.into(),
            minor: Some(1),
            expect_close: false,
            origin: true,
            has_body: false,
            asks_close: false,
        };
        let (r, f) = read_and_check(&mut io::Cursor::new(bytes.to_vec()), &info, false);
        (r, f.into_iter().map(|f| f.rule.to_owned()).collect())
    }

    const DATE: &str = "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\nServer: t\r\n";

    #[test]
    fn a_good_response_has_no_findings() {
        let raw = format!("HTTP/1.1 200 OK\r\n{DATE}Content-Type: text/plain; charset=utf-8\r\nContent-Length: 2\r\n\r\nhi");
        let (r, f) = check("GET", raw.as_bytes());
        assert_eq!(f, Vec::<String>::new());
        assert_eq!(r.unwrap().body, b"hi");
        let raw = format!("HTTP/1.1 200 OK\r\n{DATE}Content-Type: text/plain; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n2;x=y\r\nhi\r\n1\r\n!\r\n0\r\nT: 1\r\n\r\n");
        let (r, f) = check("GET", raw.as_bytes());
        assert_eq!(f, Vec::<String>::new());
        assert_eq!(r.unwrap().body, b"hi!");
        let raw = format!("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n{DATE}\r\n");
        let (r, f) = check("POST", raw.as_bytes());
        assert_eq!(f, Vec::<String>::new());
        assert_eq!(r.unwrap().interim, [100]);
    }

    #[test]
    fn pipelined_responses_are_read_in_order() {
        let info = |method: &str| RequestInfo {
            method: method.into(),
            minor: Some(1),
            expect_close: false,
            origin: true,
            has_body: false,
            asks_close: false,
        };
        let requests = [info("GET"), info("HEAD"), info("GET")];
        let good = format!(
            "HTTP/1.1 200 OK\r\n{DATE}Content-Length: 1\r\n\r\na\
             HTTP/1.1 200 OK\r\n{DATE}Content-Length: 5\r\n\r\n\
             HTTP/1.1 404 Not Found\r\n{DATE}Content-Length: 2\r\n\r\nno"
        );
        let (responses, findings) =
            read_and_check_all(&mut io::Cursor::new(good.into_bytes()), &requests, false);
        let codes: Vec<u16> = responses.iter().map(|r| r.code).collect();
        assert_eq!(codes, [200, 200, 404]);
        assert!(findings.iter().all(|f| f.rule == "HDR-010"), "{findings:?}");
        // A Content-Length one byte short: the next "response" starts with
        // a stray byte.
        let bad = format!(
            "HTTP/1.1 200 OK\r\n{DATE}Content-Length: 1\r\n\r\nab\
             HTTP/1.1 200 OK\r\n{DATE}Content-Length: 0\r\n\r\n"
        );
        let (_, findings) =
            read_and_check_all(&mut io::Cursor::new(bad.into_bytes()), &requests, false);
        let rules: Vec<&str> = findings.iter().map(|f| f.rule).collect();
        assert!(rules.contains(&"HTTP-019"), "{rules:?}");
    }

    #[test]
    fn violations_name_their_rules() {
        let cases: &[(&str, &str, &str)] = &[
            ("GET", "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 1\r\n\r\nx", "SRV-005"),
            ("GET", "HTTP/1.1 200 OK\r\nDATE\r\nContent-Length: 5\r\n\r\nx", "BODY-003"),
            ("GET", "HTTP/1.1 200 OK\r\nDATE\r\nContent-Length: 1\r\n\r\nxyz", "BODY-004"),
            ("HEAD", "HTTP/1.1 200 OK\r\nDATE\r\nContent-Length: 3\r\n\r\nxyz", "BODY-006"),
            ("GET", "HTTP/1.1 204 No Content\r\nDATE\r\nContent-Length: 0\r\n\r\n", "HTTP-021"),
            ("GET", "HTTP/1.1 200 OK\r\nDATE\r\nBad Name: x\r\nContent-Length: 0\r\n\r\n", "HDR-001"),
            ("GET", "HTTP/1.1 200 OK\r\nDATE\r\nX: a\x01b\r\nContent-Length: 0\r\n\r\n", "HDR-002"),
            ("GET", "HTTP/1.1 200\r\nDATE\r\nContent-Length: 0\r\n\r\n", "START-003"),
            ("GET", "HTTP/2 200 OK\r\nDATE\r\nContent-Length: 0\r\n\r\n", "HTTP-019"),
            ("GET", "HTTP/1.1 200 OK\r\nDATE\r\nContent-Length: 0x1\r\n\r\n", "HDR-006"),
            ("GET", "HTTP/1.1 200 OK\r\nDATE\r\nTransfer-Encoding: chunked\r\n\r\nz\r\n", "HTTP-022"),
            ("GET", "HTTP/1.1 200 OK\r\nDATE\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", "BODY-015"),
            ("GET", "HTTP/1.1 200 OK\r\nDate: Sun, 6 Nov 1994 08:49:37 GMT\r\nContent-Length: 0\r\n\r\n", "SRV-005"),
            ("GET", "HTTP/1.1 302 Found\r\nDATE\r\nContent-Length: 0\r\n\r\n", "HDR-015"),
            ("GET", "", "APP-005"),
            ("GET", "HTTP/1.1 200 OK\r\nDATE\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n", "HTTP-022"),
            ("GET", "HTTP/1.1 200 OK\r\nDate: Sun, 06 N\u{f6}v 1994 08:49:37 GM\r\nContent-Length: 0\r\n\r\n", "SRV-005"),
        ];
        for (method, raw, rule) in cases {
            let raw = raw.replace("DATE\r\n", DATE);
            let (_, f) = check(method, raw.as_bytes());
            assert!(
                f.iter().any(|r| r == rule),
                "{raw:?}: expected {rule}, got {f:?}"
            );
        }
    }
}
