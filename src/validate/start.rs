//! The checked `start_response`: status, headers, call order, `write`.

use super::core::{app, server, Exchange};
use super::finding::{Finding, Severity};
use super::ids;
use crate::start_response::{check_status, is_token, parse_content_length, HOP_BY_HOP};
use crate::{Error, Headers, StartResponse};

/// What a status and header list declare, and what is wrong with them.
#[derive(Debug, Default)]
pub(crate) struct Head {
    pub(crate) code: Option<u16>,
    pub(crate) content_length: Option<u64>,
    pub(crate) content_type: bool,
    /// Findings that a server's `start` must also refuse.
    pub(crate) refused: Vec<Finding>,
    /// Other findings (content type rules, advice).
    pub(crate) other: Vec<Finding>,
}

/// Checks a status and its headers (the application's side).
pub(crate) fn check_head(status: &str, headers: &Headers) -> Head {
    let mut head = Head::default();
    match check_status(status) {
        Ok(s) => head.code = Some(s.code),
        Err(Error::InvalidStatus { reason, .. }) => head.refused.push(app(
            ids::START_STATUS,
            Severity::Error,
            format!("status {status:?}: {reason}"),
            "give three digits (100-599), one space and a reason phrase, e.g. \"200 OK\"",
        )),
        Err(other) => head.refused.push(app(
            ids::START_STATUS,
            Severity::Error,
            format!("status {status:?}: {other}"),
            "give three digits (100-599), one space and a reason phrase, e.g. \"200 OK\"",
        )),
    }
    for (name, value) in headers.iter() {
        if !is_token(name) {
            head.refused.push(app(
                ids::HDR_NAME,
                Severity::Error,
                format!("header name {name:?} is not a token"),
                "use a name of letters, digits and !#$%&'*+-.^_`|~ only (no spaces, colons or controls)",
            ));
        }
        if let Some(byte) = value
            .bytes()
            .find(|&b| (b < 0x20 && b != b'\t') || b == 0x7f)
        {
            head.refused.push(app(
                ids::HDR_VALUE,
                Severity::Error,
                format!("header {name:?} has control byte 0x{byte:02x} in its value {value:?}"),
                "remove CR, LF, NUL and other control characters (tab is allowed) from header values",
            ));
        }
        if HOP_BY_HOP.iter().any(|h| h.eq_ignore_ascii_case(name)) {
            head.refused.push(app(
                ids::HDR_HOP_BY_HOP,
                Severity::Error,
                format!("hop-by-hop header {name:?}"),
                "remove it: the server manages the connection and the framing",
            ));
        }
        if name.eq_ignore_ascii_case("status") {
            head.refused.push(app(
                ids::HDR_STATUS,
                Severity::Error,
                format!("a `Status` header ({value:?})"),
                "pass the status as the first argument of start",
            ));
        }
        if name.eq_ignore_ascii_case("content-length") {
            match parse_content_length(value) {
                Ok(n) if head.content_length.is_some_and(|l| l != n) => head.refused.push(app(
                    ids::HDR_CONTENT_LENGTH,
                    Severity::Error,
                    format!("several Content-Length headers that disagree (… {value:?})"),
                    "send one Content-Length with the exact body size",
                )),
                Ok(n) => head.content_length = Some(n),
                Err(_) => head.refused.push(app(
                    ids::HDR_CONTENT_LENGTH,
                    Severity::Error,
                    format!("Content-Length {value:?} is not a decimal number"),
                    "give the exact body size as decimal digits, or leave the header out",
                )),
            }
        }
        if name.eq_ignore_ascii_case("content-type") {
            head.content_type = true;
        }
        if name.eq_ignore_ascii_case("location") && !is_absolute_uri(value) {
            head.other.push(app(
                ids::HTTP_LOCATION,
                Severity::Advice,
                format!("Location {value:?} is not an absolute URI"),
                "send an absolute URI (scheme://host/path; rgi::util can reconstruct the request URL) so that every client resolves it the same way",
            ));
        }
        if name.eq_ignore_ascii_case("etag") && !is_entity_tag(value) {
            head.other.push(app(
                ids::HTTP_ETAG,
                Severity::Advice,
                format!("ETag {value:?} is not a quoted entity tag"),
                "quote the tag: ETag: \"v1\" (or W/\"v1\" for a weak one)",
            ));
        }
    }
    if let Some(code) = head.code {
        let bodiless = code < 200 || code == 204 || code == 304;
        if bodiless && head.content_type {
            head.other.push(app(
                ids::HDR_BODILESS_TYPE,
                Severity::Error,
                format!("a Content-Type header in a {code} response, which has no body"),
                "leave Content-Type out of 1xx, 204 and 304 responses",
            ));
        }
    }
    head
}

/// `scheme ":" ...` per RFC 3986: a letter, then letters, digits, `+-.`.
fn is_absolute_uri(value: &str) -> bool {
    match value.split_once(':') {
        Some((scheme, _)) => {
            let mut chars = scheme.chars();
            chars.next().is_some_and(|c| c.is_ascii_alphabetic())
                && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

/// `"..."` or `W/"..."` (RFC 9110 entity-tag).
fn is_entity_tag(value: &str) -> bool {
    let tag = value.strip_prefix("W/").unwrap_or(value);
    tag.len() >= 2
        && tag.starts_with('"')
        && tag.ends_with('"')
        && !tag[1..tag.len() - 1].contains('"')
}

/// The server-side twin of an application finding the server should have
/// refused.
fn accepted_by_server(finding: &Finding) -> Finding {
    server(
        finding.rule,
        finding.severity,
        format!(
            "the server's StartResponse accepted what it must refuse: {}",
            finding.seen
        ),
        "check status and headers in StartResponse::start/start_error (rgi::start_response::check_status and check_headers) and return the rgi::Error",
    )
}

/// The `StartResponse` the application sees.
pub(crate) struct CheckedStart<'a> {
    pub(crate) inner: &'a mut dyn StartResponse,
    pub(crate) ex: &'a Exchange,
}

impl CheckedStart<'_> {
    fn record(&self, head: &Head) {
        let mut state = self.ex.lock();
        state.started = true;
        state.code = head.code;
        state.content_length = head.content_length;
        state.content_type = head.content_type;
    }
}

impl StartResponse for CheckedStart<'_> {
    fn start(&mut self, status: &str, headers: Headers) -> Result<(), Error> {
        let head = check_head(status, &headers);
        let second = {
            let mut state = self.ex.lock();
            state.start_calls += 1;
            state.start_calls > 1
        };
        if second {
            self.ex.emit(app(
                ids::START_TWICE,
                Severity::Error,
                "start was called a second time".to_owned(),
                "call start once; to replace a response that was not sent yet, use start_error",
            ));
        }
        self.ex.emit_all(head.refused.clone());
        self.ex.emit_all(head.other.clone());
        let result = self.inner.start(status, headers);
        if result.is_ok() {
            if second {
                self.ex.emit(server(
                    ids::START_TWICE,
                    Severity::Error,
                    "the server's StartResponse accepted a second start".to_owned(),
                    "return Err(rgi::Error::AlreadyStarted) from a second start",
                ));
            }
            let twins: Vec<_> = head.refused.iter().map(accepted_by_server).collect();
            self.ex.emit_all(twins);
            self.record(&head);
        }
        result
    }

    fn start_error(&mut self, status: &str, headers: Headers) -> Result<(), Error> {
        let head = check_head(status, &headers);
        self.ex.emit_all(head.refused.clone());
        self.ex.emit_all(head.other.clone());
        let sent = self.inner.headers_sent();
        let result = self.inner.start_error(status, headers);
        match &result {
            Ok(()) if sent => self.ex.emit(server(
                ids::START_AFTER_SENT,
                Severity::Error,
                "the server's start_error accepted a new head after the head was sent".to_owned(),
                "return Err(rgi::Error::HeadersAlreadySent) from start_error once the head is out",
            )),
            Ok(()) => {
                let twins: Vec<_> = head.refused.iter().map(accepted_by_server).collect();
                self.ex.emit_all(twins);
                self.ex.lock().start_calls += 1;
                self.record(&head);
            }
            Err(_) if sent => self.ex.lock().must_fail = true,
            Err(_) => {}
        }
        result
    }

    fn write(&mut self, data: &[u8]) -> Result<(), Error> {
        let started = self.ex.lock().started;
        if !started {
            self.ex.emit(app(
                ids::WRITE_BEFORE_START,
                Severity::Error,
                format!("write({} bytes) before start", data.len()),
                "call start with the status and headers before write (or better: return the bytes as the body)",
            ));
        }
        let result = self.inner.write(data);
        if !started && result.is_ok() {
            self.ex.emit(server(
                ids::WRITE_BEFORE_START,
                Severity::Error,
                "the server's write accepted data before start".to_owned(),
                "return Err(rgi::Error::NotStarted) from write before start",
            ));
        }
        if started {
            let mut out = Vec::new();
            {
                let mut state = self.ex.lock();
                state.written += data.len() as u64;
                state.on_bytes(data.len() as u64, &mut out);
            }
            self.ex.emit_all(out);
        }
        result
    }

    fn headers_sent(&self) -> bool {
        self.inner.headers_sent()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(status: &str, headers: &[(&'static str, &'static str)]) -> Vec<&'static str> {
        let headers = Headers::from(
            headers
                .iter()
                .map(|&(n, v)| (n.to_owned(), v.to_owned()))
                .collect::<Vec<_>>(),
        );
        let head = check_head(status, &headers);
        head.refused
            .iter()
            .chain(&head.other)
            .map(|f| f.rule)
            .collect()
    }

    #[test]
    fn good_heads_pass() {
        assert!(rules("200 OK", &[("Content-Type", "text/plain")]).is_empty());
        assert!(rules("204 No Content", &[]).is_empty());
        assert!(rules(
            "302 Found",
            &[("Location", "https://x.example/a"), ("ETag", "W/\"1\"")]
        )
        .is_empty());
    }

    #[test]
    fn each_bad_head_names_its_rule() {
        assert_eq!(rules("200", &[]), [ids::START_STATUS]);
        assert_eq!(rules("200 OK", &[("Bad Name", "x")]), [ids::HDR_NAME]);
        assert_eq!(rules("200 OK", &[("X", "a\r\nb")]), [ids::HDR_VALUE]);
        assert_eq!(
            rules("200 OK", &[("Connection", "close")]),
            [ids::HDR_HOP_BY_HOP]
        );
        assert_eq!(rules("200 OK", &[("Status", "200 OK")]), [ids::HDR_STATUS]);
        assert_eq!(
            rules("200 OK", &[("Content-Length", "-1")]),
            [ids::HDR_CONTENT_LENGTH]
        );
        assert_eq!(
            rules("304 Not Modified", &[("Content-Type", "text/plain")]),
            [ids::HDR_BODILESS_TYPE]
        );
        assert_eq!(
            rules("301 Moved", &[("Location", "/x")]),
            [ids::HTTP_LOCATION]
        );
        assert_eq!(rules("200 OK", &[("ETag", "v1")]), [ids::HTTP_ETAG]);
    }

    #[test]
    fn finding_messages_say_what_and_how() {
        let head = check_head("200 OK", &Headers::from([("Connection", "close")]));
        let text = head.refused[0].to_string();
        assert_eq!(
            text,
            format!(
                "{}: hop-by-hop header \"Connection\"; fix: remove it: the server manages the connection and the framing",
                ids::HDR_HOP_BY_HOP
            )
        );
    }
}
