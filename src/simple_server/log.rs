//! The access log (Common Log Format, like wsgiref's) and error messages,
//! both on stderr (the error stream).

use std::fmt::Write as _;
use std::io::Write;

use super::date;

/// Appends `bytes` with control characters (C0, DEL, C1 when decoded) and
/// backslashes escaped as `\xHH` / `\\`, so that a request line cannot forge
/// log lines (wsgiref gh-100001).
pub(crate) fn escape_into(out: &mut String, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        let (valid, invalid) = match std::str::from_utf8(bytes) {
            Ok(text) => (text, &[][..]),
            Err(err) => {
                let (good, rest) = bytes.split_at(err.valid_up_to());
                let bad = err.error_len().unwrap_or(rest.len());
                // `good` is valid UTF-8 by construction.
                (std::str::from_utf8(good).unwrap_or_default(), &rest[..bad])
            }
        };
        for ch in valid.chars() {
            match ch {
                '\\' => out.push_str("\\\\"),
                '"' => out.push_str("\\x22"),
                c if c.is_control() => {
                    let _ = write!(out, "\\x{:02x}", c as u32);
                }
                c => out.push(c),
            }
        }
        for &b in invalid {
            let _ = write!(out, "\\x{b:02x}");
        }
        bytes = &bytes[valid.len() + invalid.len()..];
    }
}

/// Writes one access-log line:
/// `host - - [dd/Mon/yyyy:HH:MM:SS +0000] "request line" status bytes`.
/// `bytes` is `None` when no body was sent (logged as `-`).
pub(crate) fn access(remote: &str, request_line: &[u8], status: u16, bytes: Option<u64>) {
    let line = access_line(remote, request_line, status, bytes, date::now_secs());
    let _ = std::io::stderr().write_all(line.as_bytes());
}

/// The access-log line (SRV-014), newline included.
pub(crate) fn access_line(
    remote: &str,
    request_line: &[u8],
    status: u16,
    bytes: Option<u64>,
    now: u64,
) -> String {
    let mut line = String::with_capacity(96 + request_line.len());
    line.push_str(remote);
    line.push_str(" - - [");
    line.push_str(&date::clf_date(now));
    line.push_str("] \"");
    escape_into(&mut line, request_line);
    let _ = match bytes {
        Some(n) => writeln!(line, "\" {status} {n}"),
        None => writeln!(line, "\" {status} -"),
    };
    line
}

/// Writes one error line to stderr, in one write.
pub(crate) fn error(message: std::fmt::Arguments<'_>) {
    let line = format!("rgi.simple_server: {message}\n");
    let _ = std::io::stderr().write_all(line.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_lines_are_in_common_log_format() {
        // SRV-014, ERRS-006
        let line = access_line(
            "127.0.0.1",
            b"GET /\x1b HTTP/1.1",
            200,
            Some(13),
            971_185_336,
        );
        assert_eq!(
            line,
            "127.0.0.1 - - [10/Oct/2000:13:42:16 +0000] \"GET /\\x1b HTTP/1.1\" 200 13\n"
        );
        let line = access_line("::1", b"", 400, None, 0);
        assert_eq!(line, "::1 - - [01/Jan/1970:00:00:00 +0000] \"\" 400 -\n");
    }

    #[test]
    fn controls_and_backslashes_are_escaped() {
        let mut out = String::new();
        escape_into(&mut out, b"GET /\x1b[31m\\ \xff\n\x7f \xc2\x85");
        assert_eq!(out, "GET /\\x1b[31m\\\\ \\xff\\x0a\\x7f \\x85");
    }
}
