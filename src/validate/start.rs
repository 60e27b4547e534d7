//! The checked `start_response`: status, headers, call order, `write`.

use super::core::{app, server, Exchange};
use super::finding::Finding;
use super::ids;
use crate::start_response::{
    check_status, check_switch, is_token, parse_content_length, required_hop_by_hop, HOP_BY_HOP,
};
use crate::{Error, Headers, StartResponse};

/// What a status and header list declare, and what is wrong with them.
#[derive(Debug, Default)]
pub(crate) struct Head {
    pub(crate) code: Option<u16>,
    pub(crate) content_length: Option<u64>,
    pub(crate) content_type: bool,
    /// A `text/*` Content-Type without a charset: judged when body bytes
    /// show whether the text is ASCII (HDR-019).
    pub(crate) charset_missing: Option<String>,
    /// Findings that a server's `start` must also refuse (START-006).
    pub(crate) refused: Vec<Finding>,
    /// Other findings (content type rules, HTTP hygiene).
    pub(crate) other: Vec<Finding>,
    /// A 101: Upgrade and Connection are the application's (UPG-002).
    pub(crate) switching: bool,
}

/// Response fields that take a single value, in lower case: sending one of
/// them twice is an HDR-013 finding (the over-the-wire checks of
/// `rgi-validator` use the same list).
pub const SINGLE_VALUED_FIELDS: [&str; 6] = [
    "content-type",
    "location",
    "etag",
    "last-modified",
    "date",
    "expires",
];

/// Checks a status and its headers (the application's side).
pub(crate) fn check_head(status: &str, headers: &Headers, switch: &Switch) -> Head {
    let mut head = Head::default();
    check_status_line(status, &mut head);
    if head.code == Some(101) {
        head.other.clear();
        head.refused.retain(|f| f.rule != ids::START_STATUS);
        check_switching(status, headers, switch, &mut head);
        head.switching = true;
    }
    let mut seen_single: Vec<&str> = Vec::new();
    for (name, value) in headers.iter() {
        check_field(name, value, &mut head);
        let lower = name.to_ascii_lowercase();
        if let Some(single) = SINGLE_VALUED_FIELDS.iter().find(|s| **s == lower) {
            if seen_single.contains(single) {
                head.other.push(app(
                    ids::HDR_SINGLE,
                    format!("{name} appears more than once"),
                    "send a single-valued field (Content-Type, Location, ETag, Last-Modified, Date, Expires) once",
                ));
            } else {
                seen_single.push(single);
            }
        }
    }
    if let Some(code) = head.code {
        check_status_headers(code, headers, &mut head);
    }
    head
}

fn check_status_line(status: &str, head: &mut Head) {
    let fix = "give three digits (100-599), one space and a reason phrase, e.g. \"200 OK\"";
    match check_status(status) {
        Ok(s) => {
            head.code = Some(s.code);
            if !s.reason.is_ascii() {
                head.other.push(app(
                    ids::START_REASON_ASCII,
                    format!("the reason phrase {:?} is not ASCII", s.reason),
                    "use an ASCII reason phrase (clients ignore it anyway)",
                ));
            }
            if s.code < 200 {
                // START-003: 1xx is interim; `start` refuses it.
                head.refused.push(app(
                    ids::START_STATUS,
                    format!("the response status is {status:?}, an interim (1xx) status"),
                    "give a final status (200-599); 100 Continue is sent by the server",
                ));
            }
        }
        Err(Error::InvalidStatus { reason, .. }) => head.refused.push(app(
            ids::START_STATUS,
            format!("status {status:?}: {reason}"),
            fix,
        )),
        Err(other) => head.refused.push(app(
            ids::START_STATUS,
            format!("status {status:?}: {other}"),
            fix,
        )),
    }
}

fn check_field(name: &str, value: &str, head: &mut Head) {
    if !is_token(name) {
        head.refused.push(app(
            ids::HDR_NAME,
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
            format!("header {name:?} has control byte 0x{byte:02x} in its value {value:?}"),
            "remove CR, LF, NUL and other control characters (tab is allowed) from header values",
        ));
    }
    // HDR-003: Upgrade on a 426 and Proxy-Authenticate on a 407 are required
    // there by RFC 9110, so allowed.
    let required = head
        .code
        .and_then(required_hop_by_hop)
        .is_some_and(|r| r.eq_ignore_ascii_case(name));
    let switch_field = head.switching
        && (name.eq_ignore_ascii_case("upgrade") || name.eq_ignore_ascii_case("connection"));
    if !required && !switch_field && HOP_BY_HOP.iter().any(|h| h.eq_ignore_ascii_case(name)) {
        head.refused.push(app(
            ids::HDR_HOP_BY_HOP,
            format!("hop-by-hop header {name:?}"),
            "remove it: the server manages the connection and the framing",
        ));
    }
    if name.eq_ignore_ascii_case("status") {
        head.refused.push(app(
            ids::HDR_STATUS,
            format!("a `Status` header ({value:?})"),
            "pass the status as the first argument of start",
        ));
    }
    if name.eq_ignore_ascii_case("content-length") {
        match parse_content_length(value) {
            Ok(n) if head.content_length.is_some_and(|l| l != n) => head.refused.push(app(
                ids::HDR_CONTENT_LENGTH,
                format!("several Content-Length headers that disagree (one is {value:?})"),
                "send one Content-Length with the exact body size",
            )),
            Ok(n) => head.content_length = Some(n),
            Err(_) => head.refused.push(app(
                ids::HDR_CONTENT_LENGTH,
                format!("Content-Length {value:?} is not a decimal number"),
                "give the exact body size as decimal digits, or leave the header out",
            )),
        }
    }
    if name.eq_ignore_ascii_case("content-type") {
        head.content_type = true;
        let media = value.trim_start().to_ascii_lowercase();
        if media.starts_with("text/") && !media.contains("charset=") {
            head.charset_missing = Some(value.to_owned());
        }
    }
    if value.starts_with([' ', '\t']) || value.ends_with([' ', '\t']) {
        head.other.push(app(
            ids::HDR_VALUE_SPACE,
            format!("header {name:?} value {value:?} begins or ends with whitespace"),
            "trim the value: HTTP strips surrounding whitespace",
        ));
    }
    if !value.is_ascii() {
        head.other.push(app(
            ids::HDR_VALUE_ASCII,
            format!("header {name:?} value {value:?} is not ASCII"),
            "keep header values ASCII (percent-encode URLs, use RFC 8187 encoding for filenames)",
        ));
    }
    if name.eq_ignore_ascii_case("location") && !is_absolute_uri(value) && !is_absolute_path(value)
    {
        head.other.push(app(
            ids::HDR_LOCATION,
            format!("Location {value:?} is neither an absolute URI nor an absolute path"),
            "send \"https://host/path\" (rgi::util::request_uri helps) or \"/path\"",
        ));
    }
    if name.eq_ignore_ascii_case("etag") && !is_entity_tag(value) {
        head.other.push(app(
            ids::HDR_ETAG,
            format!("ETag {value:?} is not a quoted entity tag"),
            "quote the tag: ETag: \"v1\" (or W/\"v1\" for a weak one)",
        ));
    }
    if name.eq_ignore_ascii_case("set-cookie") && joins_cookies(value) {
        head.other.push(app(
            ids::HDR_COOKIES,
            format!("Set-Cookie {value:?} seems to set several cookies"),
            "give each cookie its own Set-Cookie header (headers.add, not a joined value)",
        ));
    }
}

fn check_status_headers(code: u16, headers: &Headers, head: &mut Head) {
    if code < 200 || code == 204 {
        for field in ["Content-Type", "Content-Length"] {
            if headers.contains(field) {
                head.other.push(app(
                    ids::HDR_BODILESS,
                    format!("a {field} header in a {code} response"),
                    "leave Content-Type and Content-Length out of 1xx and 204 responses",
                ));
            }
        }
    }
    if code == 304 && head.content_type {
        head.other.push(app(
            ids::HDR_304_TYPE,
            "a Content-Type header in a 304 response".to_owned(),
            "leave Content-Type out of 304 responses",
        ));
    }
    if matches!(code, 301 | 302 | 303 | 307 | 308) && !headers.contains("Location") {
        head.other.push(app(
            ids::HDR_REDIRECT,
            format!("a {code} redirect without Location"),
            "say where to go with a Location header",
        ));
    }
    if code == 401 && !headers.contains("WWW-Authenticate") {
        head.other.push(app(
            ids::HDR_AUTH_ALLOW,
            "a 401 response without WWW-Authenticate".to_owned(),
            "add WWW-Authenticate with the challenge (or answer 403 if no authentication helps)",
        ));
    }
    if code == 405 && !headers.contains("Allow") {
        head.other.push(app(
            ids::HDR_AUTH_ALLOW,
            "a 405 response without Allow".to_owned(),
            "add Allow with the methods the resource supports",
        ));
    }
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

/// RFC 3986 path-absolute: `/`, not `//`.
fn is_absolute_path(value: &str) -> bool {
    value.starts_with('/') && !value.starts_with("//")
}

/// `"..."` or `W/"..."` (RFC 9110 entity-tag).
fn is_entity_tag(value: &str) -> bool {
    let tag = value.strip_prefix("W/").unwrap_or(value);
    tag.len() >= 2
        && tag.starts_with('"')
        && tag.ends_with('"')
        && !tag[1..tag.len() - 1].contains('"')
}

/// A Set-Cookie value holding `, name=` outside an Expires date.
fn joins_cookies(value: &str) -> bool {
    value.split(';').any(|part| {
        let part = part.trim();
        if part.len() >= 8 && part[..8].eq_ignore_ascii_case("expires=") {
            return false;
        }
        part.split(',').skip(1).any(|rest| {
            rest.trim_start()
                .split_once('=')
                .is_some_and(|(name, _)| is_token(name))
        })
    })
}

/// The server-side twin of an application finding the server should have
/// refused.
fn accepted_by_server(finding: &Finding) -> Finding {
    server(
        finding.rule,
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
    pub(crate) upgrade: Switch,
}

/// What the request allows of a `101 Switching Protocols` (spec section 12).
#[derive(Debug, Clone, Default)]
pub(crate) enum Switch {
    /// `rgi.upgrade` is false: a 101 is refused (UPG-003).
    #[default]
    Unavailable,
    /// `rgi.upgrade` is true; the protocols the client offered in
    /// `Upgrade` (UPG-004), lower-cased.
    Available(Vec<String>),
}

impl Switch {
    pub(crate) fn of(env: &crate::Environ) -> Switch {
        if !env.upgrade_available() {
            return Switch::Unavailable;
        }
        let offered = env.get_str("HTTP_UPGRADE").unwrap_or("");
        Switch::Available(
            offered
                .split(',')
                .map(|p| p.trim().to_ascii_lowercase())
                .filter(|p| !p.is_empty())
                .collect(),
        )
    }
}

/// UPG-003, UPG-004: a 101 is a switch the request allows, with what a
/// switch needs, to a protocol the client offered.
fn check_switching(status: &str, headers: &Headers, switch: &Switch, head: &mut Head) {
    let Switch::Available(offered) = switch else {
        head.refused.push(app(
            ids::UPG_SWITCH,
            format!("start({status:?}) on a request whose connection cannot be taken over (rgi.upgrade is false)"),
            "switch protocols only when Environ::upgrade_available() is true; otherwise answer 426 with Upgrade, or 400",
        ));
        return;
    };
    if let Err(err) = check_switch(status, headers) {
        head.refused.push(app(
            ids::UPG_SWITCH,
            format!("the 101 was refused: {err}"),
            "send Upgrade naming the protocol and Connection: upgrade, no Content-Length, and return Body::upgrade",
        ));
        return;
    }
    let chosen = headers
        .get("upgrade")
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if !offered.contains(&chosen) {
        head.other.push(app(
            ids::UPG_PROTOCOL,
            format!("the 101 switches to {chosen:?}, which the client did not offer (it offered {offered:?})"),
            "switch only to a protocol named in the request's Upgrade field",
        ));
    }
}

impl CheckedStart<'_> {
    /// `start` and `start_error` store; they never transmit (START-008).
    fn check_not_sent(&self, sent_before: bool) {
        if !sent_before && self.inner.headers_sent() {
            self.ex.emit(server(
                ids::START_STORES,
                "headers_sent() became true in start/start_error, before any write or body chunk".to_owned(),
                "store the status and headers in start; send the head with the first write, the first non-empty chunk, or at the end of an empty body",
            ));
        }
    }

    fn record(&self, head: &Head) {
        let mut state = self.ex.lock();
        state.started = true;
        state.must_fail_invalid = false;
        state.code = head.code;
        state.content_length = head.content_length;
        state.content_type = head.content_type;
        state.charset_missing = head.charset_missing.clone();
    }

    /// The server's answer to a head: it must refuse exactly the heads we
    /// found invalid, naming a rule (START-006).
    fn judge(&self, head: &Head, result: &Result<(), Error>) {
        match result {
            Ok(()) => {
                let twins: Vec<_> = head.refused.iter().map(accepted_by_server).collect();
                self.ex.emit_all(twins);
            }
            Err(err) if !head.refused.is_empty() => {
                let named = err.rule();
                if !head.refused.iter().any(|f| Some(f.rule) == named) {
                    self.ex.emit(server(
                        ids::START_REFUSAL,
                        format!(
                            "the server refused an invalid head with an error naming {named:?} (\"{err}\"), but the problem is {}",
                            head.refused[0].rule
                        ),
                        "return the rgi::Error of the failed check, whose rule() names the rule",
                    ));
                }
            }
            Err(_) => {}
        }
    }
}

impl StartResponse for CheckedStart<'_> {
    fn start_text(&mut self, status: &str, headers: Headers) -> Result<(), Error> {
        let head = check_head(status, &headers, &self.upgrade);
        let second = {
            let mut state = self.ex.lock();
            state.start_calls += 1;
            state.start_calls > 1
        };
        if second {
            self.ex.emit(app(
                ids::START_TWICE,
                "start was called a second time".to_owned(),
                "call start once; to replace a response that was not sent yet, use start_error",
            ));
        } else {
            self.ex.emit_all(head.refused.clone());
            self.ex.emit_all(head.other.clone());
        }
        let sent_before = self.inner.headers_sent();
        let result = self.inner.start(status, headers);
        self.check_not_sent(sent_before);
        if second {
            if result.is_ok() {
                self.ex.emit(server(
                    ids::START_TWICE,
                    "the server's StartResponse accepted a second start".to_owned(),
                    "return Err(rgi::Error::AlreadyStarted) from a second start",
                ));
                self.record(&head);
            }
        } else {
            self.judge(&head, &result);
            if result.is_ok() {
                self.record(&head);
            }
        }
        result
    }

    fn start_error_text(&mut self, status: &str, headers: Headers) -> Result<(), Error> {
        let head = check_head(status, &headers, &self.upgrade);
        if head.code.is_some_and(|code| code < 400) {
            self.ex.emit(app(
                ids::START_ERROR_USE,
                format!("start_error with the non-error status {status:?}"),
                "use start for ordinary responses; start_error is for replacing a response because of an error (4xx/5xx)",
            ));
        }
        self.ex.emit_all(head.refused.clone());
        self.ex.emit_all(head.other.clone());
        let sent = self.inner.headers_sent();
        let result = self.inner.start_error(status, headers);
        self.check_not_sent(sent);
        if sent {
            match &result {
                Ok(()) => self.ex.emit(server(
                    ids::START_AFTER_SENT,
                    "the server's start_error accepted a new head after the head was sent".to_owned(),
                    "return Err(rgi::Error::HeadersAlreadySent) from start_error once the head is out",
                )),
                Err(_) => self.ex.lock().must_fail_sent = true,
            }
        } else {
            self.judge(&head, &result);
            match &result {
                Ok(()) => self.record(&head),
                Err(_) => self.ex.lock().must_fail_invalid = true,
            }
        }
        result
    }

    fn write(&mut self, data: &[u8]) -> Result<(), Error> {
        let started = self.ex.lock().started;
        if !started {
            self.ex.emit(app(
                ids::WRITE_BEFORE_START,
                format!("write({} bytes) before a response was recorded", data.len()),
                "call start with the status and headers before write (or better: return the bytes as the body)",
            ));
        }
        self.ex.check_children_write();
        let failed_before = self.ex.lock().write_failed;
        let result = self.inner.write(data);
        match &result {
            Ok(()) if failed_before => self.ex.emit(server(
                ids::WRITE_FAILED,
                "write succeeded after an earlier write had failed with an I/O error".to_owned(),
                "once a write fails, fail every later write of the response and send nothing more",
            )),
            Err(Error::Io(_)) => self.ex.lock().write_failed = true,
            _ => {}
        }
        if !started && result.is_ok() {
            self.ex.emit(server(
                ids::WRITE_BEFORE_START,
                "the server's write accepted data before a response was recorded".to_owned(),
                "return Err(rgi::Error::NotStarted) from write before start",
            ));
        }
        if started {
            if result.is_ok() && !self.inner.headers_sent() {
                self.ex.emit(server(
                    ids::HEADERS_SENT,
                    "headers_sent() is false after a successful write".to_owned(),
                    "write sends the head first: report headers_sent() == true from then on",
                ));
            }
            let mut out = Vec::new();
            {
                let mut state = self.ex.lock();
                state.on_bytes(data.len() as u64, &mut out);
                state.on_content(data, &mut out);
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
        let head = check_head(status, &headers, &Switch::Unavailable);
        head.refused
            .iter()
            .chain(&head.other)
            .map(|f| f.rule)
            .collect()
    }

    const PLAIN: (&str, &str) = ("Content-Type", "text/plain; charset=utf-8");
    type Case = (
        &'static str,
        &'static [(&'static str, &'static str)],
        &'static str,
    );

    #[test]
    fn good_heads_pass() {
        assert!(rules("200 OK", &[PLAIN]).is_empty());
        assert!(rules("204 No Content", &[]).is_empty());
        assert!(rules(
            "302 Found",
            &[("Location", "https://x.example/a"), ("ETag", "W/\"1\"")]
        )
        .is_empty());
        assert!(rules("303 See Other", &[("Location", "/a")]).is_empty());
        // HDR-003: the hop-by-hop fields RFC 9110 requires on 426 and 407.
        assert!(rules("426 Upgrade Required", &[PLAIN, ("Upgrade", "websocket")]).is_empty());
        assert!(rules(
            "407 Proxy Authentication Required",
            &[PLAIN, ("Proxy-Authenticate", "Basic")]
        )
        .is_empty());
        assert_eq!(
            rules("200 OK", &[PLAIN, ("Upgrade", "websocket")]),
            [ids::HDR_HOP_BY_HOP]
        );
        assert!(rules(
            "200 OK",
            &[
                (
                    "Set-Cookie",
                    "a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT; Path=/"
                ),
                ("Set-Cookie", "b=2")
            ]
        )
        .is_empty());
    }

    #[test]
    fn each_bad_head_names_its_rule() {
        let cases: &[Case] = &[
            ("200", &[], ids::START_STATUS),
            ("200 Ok\u{e9}", &[PLAIN], ids::START_REASON_ASCII),
            ("103 Early Hints", &[], ids::START_STATUS),
            ("200 OK", &[PLAIN, ("Bad Name", "x")], ids::HDR_NAME),
            ("200 OK", &[PLAIN, ("X", "a\r\nb")], ids::HDR_VALUE),
            (
                "200 OK",
                &[PLAIN, ("Connection", "close")],
                ids::HDR_HOP_BY_HOP,
            ),
            ("200 OK", &[PLAIN, ("Status", "200 OK")], ids::HDR_STATUS),
            (
                "200 OK",
                &[PLAIN, ("Content-Length", "-1")],
                ids::HDR_CONTENT_LENGTH,
            ),
            (
                "204 No Content",
                &[("Content-Length", "0")],
                ids::HDR_BODILESS,
            ),
            ("304 Not Modified", &[PLAIN], ids::HDR_304_TYPE),
            ("200 OK", &[PLAIN, ("X", " padded")], ids::HDR_VALUE_SPACE),
            ("200 OK", &[PLAIN, ("X", "caf\u{e9}")], ids::HDR_VALUE_ASCII),
            ("200 OK", &[PLAIN, PLAIN], ids::HDR_SINGLE),
            ("301 Moved", &[("Location", "x/y")], ids::HDR_LOCATION),
            ("307 Temporary Redirect", &[], ids::HDR_REDIRECT),
            ("200 OK", &[PLAIN, ("ETag", "v1")], ids::HDR_ETAG),
            ("401 Unauthorized", &[PLAIN], ids::HDR_AUTH_ALLOW),
            ("405 Method Not Allowed", &[PLAIN], ids::HDR_AUTH_ALLOW),
            (
                "200 OK",
                &[PLAIN, ("Set-Cookie", "a=1, b=2")],
                ids::HDR_COOKIES,
            ),
        ];
        for (status, headers, rule) in cases {
            assert_eq!(rules(status, headers), [*rule], "{status} {headers:?}");
        }
    }

    #[test]
    fn a_repeated_single_valued_field_is_an_error() {
        // HDR-013 is a MUST NOT (RFC 9110 5.3), so its finding is an error.
        let head = check_head(
            "200 OK",
            &Headers::from([PLAIN, PLAIN]),
            &Switch::Unavailable,
        );
        let finding = head.other.iter().find(|f| f.rule == ids::HDR_SINGLE);
        assert_eq!(
            finding.map(|f| f.severity),
            Some(crate::validate::Severity::Error)
        );
    }

    #[test]
    fn finding_messages_say_what_and_how() {
        let head = check_head(
            "200 OK",
            &Headers::from([("Connection", "close")]),
            &Switch::Unavailable,
        );
        let text = head.refused[0].to_string();
        assert_eq!(
            text,
            "HDR-003: hop-by-hop header \"Connection\"; fix: remove it: the server manages the connection and the framing"
        );
        let server = accepted_by_server(&head.refused[0]);
        assert!(server.to_string().starts_with(
            "HDR-003: the server's StartResponse accepted what it must refuse: hop-by-hop"
        ));
    }
}
