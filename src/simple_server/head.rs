//! Request heads: finding the end of a head in a buffer, parsing it with
//! `httparse`, and deciding the message framing (RFC 9112 §6.3). Pure
//! functions over bytes, no I/O.

use super::Config;

/// How the request body is delimited (RFC 9112 §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// `Content-Length: n` (no body at all is `Length(0)`: requests are never
    /// close-delimited, HTTP-013).
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

/// A parsed request head, borrowing the connection's buffer.
#[derive(Debug)]
pub(crate) struct Head<'h, 'b> {
    pub method: &'b str,
    pub target: &'b [u8],
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    pub minor: u8,
    pub headers: &'h [httparse::Header<'b>],
    pub framing: Framing,
    /// The connection may stay open after this exchange (as far as the
    /// request says).
    pub keep_alive: bool,
    /// A Content-Length field delimits the body (ENV-009: `CONTENT_LENGTH`).
    pub has_length_field: bool,
    /// `Expect: 100-continue` (only honoured on HTTP/1.1).
    pub expect_continue: bool,
}

/// Why a head was refused: the status to answer with (the connection is
/// then closed) and a short explanation naming the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Reject {
    pub status: u16,
    pub reason: &'static str,
}

const fn reject(status: u16, reason: &'static str) -> Reject {
    Reject { status, reason }
}

pub(crate) use crate::gateway::reason_phrase;

/// Incremental search for the end of a head: scans only bytes not scanned
/// before (HTTP-001). Also refuses, as soon as it is seen, a bare LF line
/// end (we require CRLF), and reports a request line or head that is
/// already over its limit without waiting for the rest.
#[derive(Debug, Default)]
pub(crate) struct HeadScanner {
    scanned: usize,
    /// Index of the first LF (end of the request line), once seen.
    first_lf: Option<usize>,
}

impl HeadScanner {
    /// Forgets the previous head (the buffer now starts at a new request).
    pub fn reset(&mut self) {
        *self = HeadScanner::default();
    }

    /// Scans `buf` (which starts at the first byte of the request and may
    /// have grown since the last call). `Ok(Some(n))`: the head is the first
    /// `n` bytes. `Ok(None)`: need more bytes.
    pub fn scan(&mut self, buf: &[u8], config: &Config) -> Result<Option<usize>, Reject> {
        let mut i = self.scanned;
        while let Some(off) = buf[i..].iter().position(|&b| b == b'\n') {
            let lf = i + off;
            if lf == 0 || buf[lf - 1] != b'\r' {
                // HTTP-001: lines end with CRLF; a bare LF is refused.
                return Err(reject(400, "bare LF in the request head (HTTP-001)"));
            }
            if self.first_lf.is_none() {
                self.first_lf = Some(lf);
            }
            if lf >= 3 && &buf[lf - 3..=lf] == b"\r\n\r\n" {
                self.scanned = lf + 1;
                return Ok(Some(lf + 1));
            }
            i = lf + 1;
        }
        self.scanned = buf.len();
        if self.first_lf.is_none() && buf.len() > config.max_target_bytes + 32 {
            return Err(reject(414, "request target too long (HTTP-007)"));
        }
        if buf.len() >= config.max_head_bytes {
            return Err(reject(431, "request head too large (HTTP-007)"));
        }
        Ok(None)
    }
}

/// Parses a complete head (`buf[..len]` as found by [`HeadScanner`]).
pub(crate) fn parse<'h, 'b>(
    buf: &'b [u8],
    storage: &'h mut [httparse::Header<'b>],
    config: &Config,
) -> Result<Head<'h, 'b>, Reject> {
    let mut req = httparse::Request::new(storage);
    match req.parse(buf) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => {
            return Err(reject(400, "incomplete request head (HTTP-001)"))
        }
        Err(httparse::Error::TooManyHeaders) => {
            return Err(reject(431, "too many header fields (HTTP-007)"))
        }
        Err(httparse::Error::Version) => return Err(version_error(buf)),
        Err(httparse::Error::HeaderName) => {
            // Covers obs-fold, whitespace before the colon, NUL/CR in names.
            return Err(reject(400, "malformed header field name (HTTP-004)"));
        }
        Err(httparse::Error::HeaderValue) => {
            return Err(reject(400, "malformed header field value (HTTP-004)"))
        }
        Err(_) => return Err(reject(400, "malformed request line (HTTP-001)")),
    }
    let (Some(method), Some(path), Some(minor)) = (req.method, req.path, req.version) else {
        return Err(reject(400, "malformed request line (HTTP-001)"));
    };
    if method.len() > config.max_method_bytes {
        // HTTP-030 (RFC 9112 §3): longer than any method we could implement.
        return Err(reject(501, "request method too long (HTTP-030)"));
    }
    let target = path.as_bytes();
    if target.len() > config.max_target_bytes {
        return Err(reject(414, "request target too long (HTTP-007)"));
    }
    // HTTP-001: "#" is not a request-target character (RFC 9112 3.2: a
    // fragment stays in the client); accepting it would put it in PATH_INFO.
    if target.contains(&b'#') {
        return Err(reject(
            400,
            "a fragment (\"#\") in the request target (HTTP-001)",
        ));
    }
    // HTTP-006: origin-form for every method, absolute-form accepted,
    // asterisk-form only with OPTIONS, CONNECT not implemented.
    if method == "CONNECT" {
        return Err(reject(501, "CONNECT is not supported (HTTP-006)"));
    }
    let form_ok = target[0] == b'/'
        || (target == b"*" && method == "OPTIONS")
        || absolute_authority(target).is_some();
    if !form_ok {
        return Err(reject(400, "unsupported request-target form (HTTP-006)"));
    }
    // HTTP-006, HTTP-005: the authority of an absolute-form target replaces
    // Host, so it is held to the same rules as a Host value (no userinfo,
    // no characters a Host field could not carry).
    if absolute_authority(target).is_some_and(|a| !is_host_value(a)) {
        return Err(reject(
            400,
            "invalid authority in an absolute-form target (HTTP-006)",
        ));
    }
    let headers: &'h [httparse::Header<'b>] = req.headers;
    let mut head = Head {
        method,
        target,
        minor,
        headers,
        framing: Framing::Length(0),
        keep_alive: minor == 1,
        has_length_field: false,
        expect_continue: false,
    };
    decide(&mut head)?;
    Ok(head)
}

/// HTTP-003 (RFC 9110 §2.5, RFC 9112 §2.3): a request line ending in
/// `HTTP/1.x` with a digit x above 1 is handled as HTTP/1.1, the highest
/// minor version of major version 1 this server implements. Rewrites the
/// version's minor digit in place (the head keeps its length) and returns
/// true if it did; `head` is a complete head as found by [`HeadScanner`].
pub(crate) fn downgrade_minor(head: &mut [u8]) -> bool {
    let Some(cr) = head.iter().position(|&b| b == b'\r') else {
        return false;
    };
    let line = &head[..cr];
    match line {
        [.., b' ', b'H', b'T', b'T', b'P', b'/', b'1', b'.', minor]
            if (b'2'..=b'9').contains(minor) =>
        {
            head[cr - 1] = b'1';
            true
        }
        _ => false,
    }
}

/// An unsupported version is 505 when it is well-formed (`HTTP/d.d`),
/// otherwise the request line is malformed: 400 (HTTP-003).
fn version_error(buf: &[u8]) -> Reject {
    let line_end = buf.iter().position(|&b| b == b'\r').unwrap_or(buf.len());
    let line = &buf[..line_end];
    let parts: Vec<&[u8]> = line.split(|&b| b == b' ').collect();
    let version = match parts.as_slice() {
        [_, _, version] => *version,
        _ => return reject(400, "malformed request line (HTTP-001)"),
    };
    match version {
        [b'H', b'T', b'T', b'P', b'/', major, b'.', minor]
            if major.is_ascii_digit() && minor.is_ascii_digit() =>
        {
            reject(505, "HTTP version not supported (HTTP-003)")
        }
        _ => reject(400, "malformed HTTP version (HTTP-003)"),
    }
}

pub(crate) use crate::gateway::{absolute_authority, list_elements, trim_ows};

/// Parses a request Content-Length: ASCII digits only, no sign, no list,
/// no overflow (HTTP-010). Leading zeros are allowed: the value must fit
/// in 64 bits, not the digit count.
pub(crate) fn parse_length(value: &[u8]) -> Option<u64> {
    let digits = trim_ows(value);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let significant = &digits[digits.iter().take_while(|&&b| b == b'0').count()..];
    if significant.len() > 20 {
        // More than 20 significant digits never fit in a u64.
        return None;
    }
    let mut n: u64 = 0;
    for &b in significant {
        n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(n)
}

/// Decides framing, keep-alive and expectations from the header fields.
fn decide(head: &mut Head<'_, '_>) -> Result<(), Reject> {
    let mut length: Option<u64> = None;
    let mut length_digits: &[u8] = b"";
    let mut te_seen = false;
    let mut chunked_last = false;
    let mut unknown_coding = false;
    let mut hosts = 0;
    let mut close = false;
    let mut keep_alive_token = false;
    for h in head.headers {
        let name = h.name;
        if name.eq_ignore_ascii_case("content-length") {
            // HTTP-010: digits only; duplicates must agree.
            let n =
                parse_length(h.value).ok_or(reject(400, "malformed Content-Length (HTTP-010)"))?;
            // "Carry the same digits": `5` and `05` conflict too.
            let digits = trim_ows(h.value);
            if length.is_some() && digits != length_digits {
                return Err(reject(400, "conflicting Content-Length fields (HTTP-010)"));
            }
            length = Some(n);
            length_digits = digits;
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            // HTTP-012: the codings of every Transfer-Encoding field, in
            // order; the final one must be chunked, and chunked only once.
            te_seen = true;
            for coding in list_elements(h.value) {
                if chunked_last {
                    // chunked followed by anything (even another chunked)
                    return Err(reject(
                        400,
                        "chunked is not the final transfer coding (HTTP-012)",
                    ));
                }
                if coding.eq_ignore_ascii_case(b"chunked") {
                    chunked_last = true;
                } else if coding.is_empty() || !coding.iter().all(|&b| is_tchar(b)) {
                    return Err(reject(400, "malformed Transfer-Encoding (HTTP-012)"));
                } else {
                    unknown_coding = true;
                }
            }
        } else if name.eq_ignore_ascii_case("connection") {
            // HTTP-025: tokens, compared case-insensitively, over all fields.
            for token in list_elements(h.value) {
                if token.eq_ignore_ascii_case(b"close") {
                    close = true;
                } else if token.eq_ignore_ascii_case(b"keep-alive") {
                    keep_alive_token = true;
                }
            }
        } else if name.eq_ignore_ascii_case("host") {
            hosts += 1;
            if !is_host_value(h.value) {
                return Err(reject(400, "invalid Host value (HTTP-005)"));
            }
        } else if name.eq_ignore_ascii_case("expect") && head.minor == 1 {
            // HTTP-016: only 100-continue is understood; anything else 417
            // on HTTP/1.1; Expect on HTTP/1.0 is ignored.
            for exp in list_elements(h.value) {
                if exp.eq_ignore_ascii_case(b"100-continue") {
                    head.expect_continue = true;
                } else if !exp.is_empty() {
                    return Err(reject(417, "unsupported expectation (HTTP-016)"));
                }
            }
        }
    }
    if head.minor == 1 && hosts != 1 {
        // HTTP-005 (RFC 9112 §3.2): exactly one Host field in an HTTP/1.1 request.
        return Err(reject(
            400,
            "an HTTP/1.1 request needs exactly one Host field (HTTP-005)",
        ));
    }
    if hosts > 1 {
        return Err(reject(400, "more than one Host field (HTTP-005)"));
    }
    if te_seen {
        if head.minor == 0 {
            return Err(reject(
                400,
                "Transfer-Encoding in an HTTP/1.0 request (HTTP-011)",
            ));
        }
        if length.is_some() {
            return Err(reject(
                400,
                "both Transfer-Encoding and Content-Length (HTTP-009)",
            ));
        }
        if !chunked_last {
            return Err(reject(
                400,
                "the final transfer coding is not chunked (HTTP-012)",
            ));
        }
        if unknown_coding {
            return Err(reject(501, "unsupported transfer coding (HTTP-012)"));
        }
        head.framing = Framing::Chunked;
    } else {
        head.framing = Framing::Length(length.unwrap_or(0));
        head.has_length_field = length.is_some();
    }
    head.keep_alive = !close && (head.minor == 1 || keep_alive_token);
    Ok(())
}

/// A Host value: `uri-host [ ":" port ]` (RFC 9110 §7.2, RFC 3986 §3.2.2):
/// a bracketed IP literal, or a reg-name (which covers IPv4 addresses) of
/// unreserved characters, sub-delims and well-formed percent escapes;
/// then optionally ":" and a port of digits. It may be empty (HTTP-005).
pub(crate) fn is_host_value(value: &[u8]) -> bool {
    let (host, port) = if value.first() == Some(&b'[') {
        let Some(close) = value.iter().position(|&b| b == b']') else {
            return false;
        };
        if !is_ip_literal(&value[1..close]) {
            return false;
        }
        match &value[close + 1..] {
            [] => return true,
            [b':', port @ ..] => (&value[..0], port),
            _ => return false,
        }
    } else {
        match value.iter().position(|&b| b == b':') {
            Some(colon) => (&value[..colon], &value[colon + 1..]),
            None => (value, &value[value.len()..]),
        }
    };
    is_reg_name(host) && port.iter().all(u8::is_ascii_digit)
}

/// `IPv6address / IPvFuture` inside the brackets, by their characters.
fn is_ip_literal(inner: &[u8]) -> bool {
    match inner {
        [] => false,
        [b'v' | b'V', rest @ ..] => {
            let dot = rest.iter().position(|&b| b == b'.').unwrap_or(0);
            dot > 0
                && rest[..dot].iter().all(u8::is_ascii_hexdigit)
                && rest.len() > dot + 1
                && rest[dot + 1..]
                    .iter()
                    .all(|&b| is_unreserved(b) || is_sub_delim(b) || b == b':')
        }
        _ => {
            inner.contains(&b':')
                && inner
                    .iter()
                    .all(|&b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        }
    }
}

/// `reg-name = *( unreserved / pct-encoded / sub-delims )`.
fn is_reg_name(host: &[u8]) -> bool {
    let mut i = 0;
    while i < host.len() {
        let b = host[i];
        if b == b'%' {
            let hex = |at: usize| host.get(at).is_some_and(u8::is_ascii_hexdigit);
            if !(hex(i + 1) && hex(i + 2)) {
                return false;
            }
            i += 3;
        } else if is_unreserved(b) || is_sub_delim(b) {
            i += 1;
        } else {
            return false;
        }
    }
    true
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~".contains(&b)
}

fn is_sub_delim(b: u8) -> bool {
    b"!$&'()*+,;=".contains(&b)
}

pub(crate) fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(raw: &[u8]) -> Result<(Framing, bool, bool), Reject> {
        let config = Config::default();
        let mut scanner = HeadScanner::default();
        let n = scanner.scan(raw, &config)?.expect("complete head");
        let mut storage = [httparse::EMPTY_HEADER; 100];
        let head = parse(&raw[..n], &mut storage, &config)?;
        Ok((head.framing, head.keep_alive, head.expect_continue))
    }

    #[test]
    fn simple_get() {
        let r = run(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        assert_eq!(r, (Framing::Length(0), true, false));
        let r = run(b"GET / HTTP/1.0\r\n\r\n").unwrap();
        assert_eq!(r, (Framing::Length(0), false, false));
        let r = run(b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").unwrap();
        assert_eq!(r, (Framing::Length(0), true, false));
        let r = run(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: a\r\nConnection: b, CLOSE\r\n\r\n")
            .unwrap();
        assert!(!r.1);
    }

    #[test]
    fn higher_minor_versions_are_served_as_http11() {
        // HTTP-003: HTTP/1.2 .. HTTP/1.9 become HTTP/1.1; others are left.
        for (line, rewritten) in [
            (&b"GET / HTTP/1.2\r\nHost: x\r\n\r\n"[..], true),
            (b"GET / HTTP/1.9\r\n\r\n", true),
            (b"GET / HTTP/1.1\r\n\r\n", false),
            (b"GET / HTTP/1.0\r\n\r\n", false),
            (b"GET / HTTP/2.0\r\n\r\n", false),
            (b"GET / HTTP/1.10\r\n\r\n", false),
            (b"GET /HTTP/1.2\r\n\r\n", false),
        ] {
            let mut head = line.to_vec();
            assert_eq!(
                downgrade_minor(&mut head),
                rewritten,
                "{}",
                line.escape_ascii()
            );
            if rewritten {
                assert!(head.starts_with(b"GET / HTTP/1.1\r\n"));
            } else {
                assert_eq!(head, line);
            }
        }
        assert_eq!(
            run(b"GET / HTTP/1.10\r\nHost: x\r\n\r\n")
                .unwrap_err()
                .status,
            400
        );
        assert_eq!(
            run(b"GET / HTTP/3.0\r\nHost: x\r\n\r\n")
                .unwrap_err()
                .status,
            505
        );
    }

    #[test]
    fn scanner_is_incremental() {
        let config = Config::default();
        let raw = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        let mut scanner = HeadScanner::default();
        for end in 1..raw.len() {
            assert_eq!(scanner.scan(&raw[..end], &config), Ok(None), "{end}");
        }
        assert_eq!(scanner.scan(raw, &config), Ok(Some(raw.len())));
    }

    #[test]
    fn framing_matrix() {
        let bad = |raw: &[u8], status| {
            assert_eq!(
                run(raw).map(|_| ()).unwrap_err().status,
                status,
                "{}",
                raw.escape_ascii()
            )
        };
        bad(
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\n",
            400,
        );
        bad(
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5,5\r\n\r\n",
            400,
        );
        bad(
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
            400,
        );
        bad(
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
            400,
        );
        bad(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 400);
        bad(
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
            400,
        );
        bad(
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            501,
        );
        bad(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
        bad(
            b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
            400,
        );
        bad(b"GET / HTTP/1.1\r\nHost: x\r\nExpect: nothing\r\n\r\n", 417);
        bad(b"GET / HTTP/1.1\r\n\r\n", 400);
        bad(b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505);
        bad(b"GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400);
        bad(b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400);
        bad(b"GET / HTTP/1.1\r\nHost: evil.com/x\r\n\r\n", 400);
        bad(b"GET / HTTP/1.1\r\nHost: user@evil.com\r\n\r\n", 400);
        // HTTP-005: Host syntax (RFC 9110 7.2, RFC 3986 3.2.2), any version.
        for host in [
            &b"a:b"[..],
            b"a:80:81",
            b"[::1",
            b"::1",
            b"[::1]x",
            b"[]",
            b"[::g]",
            b"a%zz",
            b"a%4",
            b"a]",
            b"[v1]",
        ] {
            let mut raw = b"GET / HTTP/1.1\r\nHost: ".to_vec();
            raw.extend_from_slice(host);
            raw.extend_from_slice(b"\r\n\r\n");
            bad(&raw, 400);
            raw[13] = b'0';
            bad(&raw, 400);
        }
        bad(b"GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400);
        bad(b"GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n", 400);
        for good in [
            &b"example.com:8080"[..],
            b"[::1]:80",
            b"[::1]",
            b"[v7.x:y]",
            b"127.0.0.1",
            b"",
            b"a%41b",
            b"x:",
            b"xn--bcher-kva.example",
        ] {
            let mut raw = b"GET / HTTP/1.1\r\nHost: ".to_vec();
            raw.extend_from_slice(good);
            raw.extend_from_slice(b"\r\n\r\n");
            assert!(run(&raw).is_ok(), "{}", good.escape_ascii());
        }
        let ok = run(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n").unwrap();
        assert_eq!(ok.0, Framing::Chunked);
        let ok =
            run(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\n")
                .unwrap();
        assert_eq!(ok.0, Framing::Length(5));
    }
}
