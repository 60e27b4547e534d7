//! Reason phrases for status codes (RFC 9110 section 15), so that a
//! response's status can be given as a number.
//!
//! rgi's public interface takes a status line (`"404 Not Found"`) and has no
//! public reason table yet; when it gains one, this module becomes a thin
//! call to it.

/// The reason phrase of `code`: the RFC 9110 one for registered codes, else
/// a generic phrase for the class (`"Client Error"` for an unknown 4xx…).
///
/// ```
/// assert_eq!(rgi_web::reason_phrase(404), "Not Found");
/// assert_eq!(rgi_web::reason_phrase(299), "Success");
/// ```
pub fn reason_phrase(code: u16) -> &'static str {
    match code {
        100 => "Continue",
        101 => "Switching Protocols",
        103 => "Early Hints",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        421 => "Misdirected Request",
        422 => "Unprocessable Content",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => match code / 100 {
            1 => "Informational",
            2 => "Success",
            3 => "Redirection",
            4 => "Client Error",
            _ => "Server Error",
        },
    }
}

/// The status line rgi's `start` takes: `"404 Not Found"`. Codes outside
/// 100-599 are not statuses; callers check first.
pub(crate) fn status_line(code: u16) -> String {
    format!("{code} {}", reason_phrase(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_is_a_valid_rgi_status() {
        for code in 100..=599 {
            let line = status_line(code);
            let status = rgi::start_response::check_status(&line).expect("valid");
            assert_eq!(status.code, code);
        }
        assert_eq!(status_line(416), "416 Range Not Satisfiable");
        assert_eq!(reason_phrase(599), "Server Error");
    }
}
