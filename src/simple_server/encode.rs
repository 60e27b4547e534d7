//! Response encoding: the status line and header section, chunk framing,
//! and the server's own error responses.

use super::date;
use super::head::reason_phrase;
use crate::Headers;

/// Appends `n` in decimal.
pub(crate) fn push_decimal(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// Appends `n` in lower-case hex.
pub(crate) fn push_hex(out: &mut Vec<u8>, n: u64) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut digits = [0u8; 16];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = HEX[(n & 15) as usize];
        n >>= 4;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// What the server adds to the application's headers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HeadParts<'a> {
    pub status: &'a str,
    pub headers: &'a Headers,
    /// `Content-Length` to add (the application gave none).
    pub add_length: Option<u64>,
    pub chunked: bool,
    /// `Some(true)`: `Connection: close`; `Some(false)`: `Connection:
    /// keep-alive` (for HTTP/1.0 clients); `None`: nothing.
    pub connection: Option<bool>,
    pub server: &'a str,
}

/// Appends the status line and header section (SRV-005, SRV-006: `Date`
/// and `Server` unless the application gave them).
pub(crate) fn push_head(out: &mut Vec<u8>, parts: HeadParts<'_>) {
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(parts.status.as_bytes());
    out.extend_from_slice(b"\r\n");
    let mut has_date = false;
    let mut has_server = false;
    let mut has_upgrade = false;
    for (name, value) in parts.headers.iter() {
        has_date |= name.eq_ignore_ascii_case("date");
        has_upgrade |= name.eq_ignore_ascii_case("upgrade");
        has_server |= name.eq_ignore_ascii_case("server");
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if let Some(n) = parts.add_length {
        out.extend_from_slice(b"Content-Length: ");
        push_decimal(out, n);
        out.extend_from_slice(b"\r\n");
    }
    if parts.chunked {
        out.extend_from_slice(b"Transfer-Encoding: chunked\r\n");
    }
    // HDR-003, RFC 9110 7.8: a sender of Upgrade (on a 426) also sends the
    // "upgrade" connection option.
    let option: &[u8] = match parts.connection {
        Some(true) => b"close",
        Some(false) => b"keep-alive",
        None => b"",
    };
    if has_upgrade || !option.is_empty() {
        out.extend_from_slice(b"Connection: ");
        if has_upgrade {
            out.extend_from_slice(if option.is_empty() {
                b"upgrade"
            } else {
                b"upgrade, "
            });
        }
        out.extend_from_slice(option);
        out.extend_from_slice(b"\r\n");
    }
    if !has_date {
        out.extend_from_slice(b"Date: ");
        date::append_now(out);
        out.extend_from_slice(b"\r\n");
    }
    if !has_server {
        out.extend_from_slice(b"Server: ");
        out.extend_from_slice(parts.server.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
}

/// Appends a complete plain-text error response of the server's own
/// (`status` with a fixed body naming the problem). `connection` as in
/// [`HeadParts`]. Returns the body size.
pub(crate) fn push_error(
    out: &mut Vec<u8>,
    status: u16,
    detail: &str,
    connection: Option<bool>,
    head_only: bool,
    server: &str,
) -> u64 {
    let reason = reason_phrase(status);
    let mut status_line = String::with_capacity(40);
    status_line.push_str(&status.to_string());
    status_line.push(' ');
    status_line.push_str(reason);
    let body = format!("{reason}: {detail}\n");
    let headers = Headers::from([("Content-Type", "text/plain; charset=utf-8")]);
    push_head(
        out,
        HeadParts {
            status: &status_line,
            headers: &headers,
            add_length: Some(body.len() as u64),
            chunked: false,
            connection,
            server,
        },
    );
    if !head_only {
        out.extend_from_slice(body.as_bytes());
    }
    body.len() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        let mut v = Vec::new();
        push_decimal(&mut v, 0);
        push_decimal(&mut v, 1234567890);
        push_hex(&mut v, 0);
        push_hex(&mut v, 0xabc);
        assert_eq!(v, b"012345678900abc");
    }

    #[test]
    fn head_has_date_and_server() {
        let mut out = Vec::new();
        let headers = Headers::from([("Content-Type", "text/plain")]);
        push_head(
            &mut out,
            HeadParts {
                status: "200 OK",
                headers: &headers,
                add_length: Some(13),
                chunked: false,
                connection: None,
                server: "rgi",
            },
        );
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nDate: "
        ));
        assert!(text.ends_with(" GMT\r\nServer: rgi\r\n\r\n"));
    }
}
