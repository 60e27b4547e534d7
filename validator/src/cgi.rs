//! Running a CGI program once per fixture: the environ built from the fixture
//! as RFC 3875 describes, the body on standard input, and the `Status:`,
//! headers and body parsed from standard output.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::report::{finding, Finding, FixtureResult};
use crate::wire::{check_app_headers, WireResponse};
use crate::Fixture;

/// The CGI meta-variables for `fixture` (RFC 3875 section 4.1, and the rgi
/// environ rules for headers: names with `_` dropped, repeated fields joined,
/// Content-Type/Length only as `CONTENT_*`). `None` if the fixture's request
/// does not parse.
///
/// ```
/// let f = rgi_validator::Fixture::parse(
///     "t",
///     "name: t\nmount: /app\n---\nGET /app/caf%C3%A9?x=%41 HTTP/1.1\nHost: example.org:8080\nX_A: 1\nAccept: a\nAccept: b\n",
/// ).unwrap();
/// let vars = rgi_validator::cgi::environ(&f).unwrap();
/// let get = |k: &str| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
/// assert_eq!(get("SCRIPT_NAME").unwrap(), b"/app");
/// assert_eq!(get("PATH_INFO").unwrap(), "/café".as_bytes());
/// assert_eq!(get("QUERY_STRING").unwrap(), b"x=%41");
/// assert_eq!(get("SERVER_PORT").unwrap(), b"8080");
/// assert_eq!(get("HTTP_ACCEPT").unwrap(), b"a, b");
/// assert_eq!(get("HTTP_X_A"), None);
/// ```
pub fn environ(fixture: &Fixture) -> Option<Vec<(String, Vec<u8>)>> {
    let parts = fixture.parts()?;
    let mut vars: Vec<(String, Vec<u8>)> = Vec::new();
    let mut set = |k: &str, v: &[u8]| vars.push((k.to_owned(), v.to_vec()));
    set("GATEWAY_INTERFACE", b"CGI/1.1");
    set("SERVER_SOFTWARE", b"rgi-validator/0.1");
    set("REQUEST_METHOD", parts.method.as_bytes());
    let target = &parts.target;
    let (path, query) = match target.iter().position(|&b| b == b'?') {
        Some(q) => (&target[..q], &target[q + 1..]),
        None => (&target[..], &b""[..]),
    };
    let decoded: Vec<u8> = percent_encoding::percent_decode(path).collect();
    let mount = fixture.mount.as_deref().unwrap_or("");
    let path_info = if decoded == b"*" {
        b"*".to_vec()
    } else {
        decoded
            .strip_prefix(mount.as_bytes())
            .unwrap_or(&decoded)
            .to_vec()
    };
    set("SCRIPT_NAME", mount.as_bytes());
    set("PATH_INFO", &path_info);
    set("QUERY_STRING", query);
    set("REQUEST_URI", target);
    set(
        "SERVER_PROTOCOL",
        format!("HTTP/1.{}", parts.minor).as_bytes(),
    );
    let host = parts
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("host"))
        .map(|(_, v)| String::from_utf8_lossy(v).trim().to_owned())
        .unwrap_or_else(|| "127.0.0.1".to_owned());
    let (name, port) = match host.rsplit_once(':') {
        Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) && !p.is_empty() => {
            (h.to_owned(), p.to_owned())
        }
        _ => (host.clone(), "80".to_owned()),
    };
    set("SERVER_NAME", name.as_bytes());
    set("SERVER_PORT", port.as_bytes());
    set("REMOTE_ADDR", b"127.0.0.1");
    set("REMOTE_PORT", b"40000");
    let has_length = parts
        .headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("content-length"));
    if has_length || parts.chunked {
        // A CGI server de-chunks the body and passes its length.
        set("CONTENT_LENGTH", parts.body.len().to_string().as_bytes());
    }
    let mut http: Vec<(String, Vec<u8>)> = Vec::new();
    for (name, value) in &parts.headers {
        if name.contains('_') {
            continue;
        }
        let value = trim(value);
        if name.eq_ignore_ascii_case("content-type") {
            set("CONTENT_TYPE", value);
            continue;
        }
        if name.eq_ignore_ascii_case("content-length") {
            continue;
        }
        let key = format!("HTTP_{}", name.to_ascii_uppercase().replace('-', "_"));
        let separator: &[u8] = if key == "HTTP_COOKIE" { b"; " } else { b", " };
        match http.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => {
                v.extend_from_slice(separator);
                v.extend_from_slice(value);
            }
            None => http.push((key, value.to_vec())),
        }
    }
    vars.extend(http);
    Some(vars)
}

/// Environment values are bytes on Unix; elsewhere they are text.
#[cfg(unix)]
fn os_string(v: &[u8]) -> OsString {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::OsStr::from_bytes(v).to_owned()
}

#[cfg(not(unix))]
fn os_string(v: &[u8]) -> OsString {
    OsString::from(String::from_utf8_lossy(v).into_owned())
}

fn trim(v: &[u8]) -> &[u8] {
    let start = v
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t'))
        .unwrap_or(v.len());
    let end = v
        .iter()
        .rposition(|b| !matches!(b, b' ' | b'\t'))
        .map_or(start, |e| e + 1);
    &v[start..end]
}

/// Runs `program` once for `fixture` and checks its CGI response.
pub fn run_fixture(program: &Path, fixture: &Fixture, timeout: Duration) -> FixtureResult {
    let mut result = FixtureResult {
        fixture: fixture.name.clone(),
        status: None,
        findings: Vec::new(),
        elapsed: std::time::Duration::ZERO,
    };
    let Some(vars) = environ(fixture) else {
        return result;
    };
    let body = fixture.parts().map(|p| p.body).unwrap_or_default();
    let mut command = Command::new(program);
    command
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    for (k, v) in &vars {
        command.env(k, os_string(v));
    }
    let mut child = match command.spawn() {
        Ok(c) => c,
        Err(e) => {
            result.findings.push(finding(
                "SRV-001",
                format!("cannot run {}: {e}", program.display()),
                "give the path of an executable CGI program",
            ));
            return result;
        }
    };
    let mut stdin = child.stdin.take();
    let writer = std::thread::spawn(move || {
        if let Some(stdin) = stdin.as_mut() {
            // The program may exit without reading its input.
            let _ = stdin.write_all(&body);
        }
    });
    let mut stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        if let Some(s) = stdout.as_mut() {
            let _ = s.take(64 << 20).read_to_end(&mut out);
        }
        out
    });
    let mut stderr = child.stderr.take();
    let err_reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        if let Some(s) = stderr.as_mut() {
            let _ = s.take(1 << 20).read_to_end(&mut out);
        }
        out
    });
    let deadline = Instant::now() + timeout;
    let exit = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    let _ = writer.join();
    let out = reader.join().unwrap_or_default();
    let err = err_reader.join().unwrap_or_default();
    if exit.is_none() {
        result.findings.push(finding(
            "SRV-001",
            format!("the program did not finish within {timeout:?}"),
            "read at most CONTENT_LENGTH bytes of input, write the response and exit",
        ));
        return result;
    }
    let (response, findings) = check_output(&out, fixture.method());
    result.findings = findings;
    if let Some(response) = response {
        result.status = Some(response.code);
        crate::check_status(fixture, response.code, &mut result.findings);
    }
    if out.is_empty() && !err.is_empty() {
        let text = String::from_utf8_lossy(&err);
        if let Some(f) = result.findings.last_mut() {
            f.seen.push_str(&format!(
                "; stderr: {:?}",
                text.chars().take(300).collect::<String>()
            ));
        }
    }
    result
}

/// Parses and checks a CGI response (`Status:` and header lines, an empty
/// line, the body) for a request with `method`.
///
/// ```
/// let (r, findings) = rgi_validator::cgi::check_output(
///     b"Status: 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 4\r\n\r\nnope",
///     "GET",
/// );
/// assert_eq!(r.unwrap().code, 404);
/// assert!(findings.is_empty(), "{findings:?}");
/// ```
pub fn check_output(out: &[u8], method: &str) -> (Option<WireResponse>, Vec<Finding>) {
    let mut findings = Vec::new();
    if out.is_empty() {
        findings.push(finding(
            "APP-005",
            "the program wrote nothing to standard output",
            "always answer; when the application fails before output, write a `Status: 500` response",
        ));
        return (None, findings);
    }
    // The head ends at the first empty line (LF or CRLF line ends).
    let mut pos = 0;
    let mut lines = Vec::new();
    let body_start = loop {
        let Some(end) = out[pos..].iter().position(|&b| b == b'\n') else {
            findings.push(finding(
                "HTTP-019",
                "the output has no empty line ending the CGI header section",
                "write the header lines, then an empty line, then the body",
            ));
            return (None, findings);
        };
        let line = &out[pos..pos + end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        pos += end + 1;
        if line.is_empty() {
            break pos;
        }
        lines.push(line.to_vec());
    };
    let mut response = WireResponse {
        code: 200,
        reason: "OK".into(),
        ..WireResponse::default()
    };
    let mut status = None;
    for line in &lines {
        let shown = String::from_utf8_lossy(line);
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            findings.push(finding(
                "HDR-001",
                format!("the header line {shown:?} has no colon"),
                "write each header as `Name: value`",
            ));
            continue;
        };
        let name = String::from_utf8_lossy(&line[..colon]).into_owned();
        let value = trim(&line[colon + 1..]).to_vec();
        if !rgi::start_response::is_token(&name) {
            findings.push(finding(
                "HDR-001",
                format!("the header name {name:?} is not a token"),
                "use only letters, digits and !#$%&'*+-.^_`|~ in header names",
            ));
        }
        if let Some(&bad) = value
            .iter()
            .find(|&&b| (b < 0x20 && b != b'\t') || b == 0x7f)
        {
            findings.push(finding(
                "HDR-002",
                format!("the value of header {name:?} contains control byte 0x{bad:02x}"),
                "remove control characters (tab is allowed) from header values",
            ));
        }
        if name.eq_ignore_ascii_case("status") {
            status = Some(String::from_utf8_lossy(&value).into_owned());
            continue;
        }
        if rgi::start_response::HOP_BY_HOP
            .iter()
            .any(|h| h.eq_ignore_ascii_case(&name))
        {
            findings.push(finding(
                "HDR-003",
                format!("the program sent the hop-by-hop header {name:?}"),
                "leave connection management and transfer coding to the web server",
            ));
        }
        response.headers.push((name, value));
    }
    match status {
        Some(s) => match rgi::start_response::check_status(&s) {
            Ok(parsed) => {
                response.code = parsed.code;
                response.reason = parsed.reason.to_owned();
            }
            Err(e) => {
                findings.push(finding(
                    "START-003",
                    format!("the Status {s:?} is malformed: {e}"),
                    "write `Status: NNN Reason`, e.g. `Status: 200 OK`",
                ));
                return (None, findings);
            }
        },
        None if response.header("location").is_some() => {
            response.code = 302;
            response.reason = "Found".into();
        }
        None => {}
    }
    response.body = out[body_start..].to_vec();
    let code = response.code;
    let head_request = method == "HEAD";
    let bodiless = code < 200 || code == 204 || code == 304;
    if (head_request || bodiless) && !response.body.is_empty() {
        findings.push(finding(
            "BODY-006",
            format!(
                "{} body bytes in a response to {}",
                response.body.len(),
                if head_request {
                    "HEAD".to_owned()
                } else {
                    format!("a request, with status {code}")
                }
            ),
            "send no body for HEAD requests and for 1xx, 204 and 304 responses (RFC 3875 section 4.3.3)",
        ));
    }
    let lengths: Vec<String> = response
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
        .collect();
    for value in &lengths {
        match rgi::start_response::parse_content_length(value) {
            Err(_) => findings.push(finding(
                "HDR-006",
                format!("Content-Length {value:?} is not a plain decimal number"),
                "write the body size as ASCII digits only",
            )),
            Ok(n) if !head_request && code != 304 && n != response.body.len() as u64 => findings
                .push(finding(
                    "BODY-003",
                    format!(
                        "Content-Length says {n} but the body has {} bytes",
                        response.body.len()
                    ),
                    "make Content-Length equal the body's length, or leave it out",
                )),
            Ok(_) => {}
        }
    }
    if (code < 200 || code == 204)
        && (!lengths.is_empty() || response.header("content-type").is_some())
    {
        findings.push(finding(
            "HDR-008",
            format!("a {code} response carries Content-Length or Content-Type"),
            "leave both out of 1xx and 204 responses",
        ));
    }
    if !response.body.is_empty() && response.header("content-type").is_none() && !bodiless {
        findings.push(finding(
            "HDR-010",
            "the response has a body but no Content-Type",
            "set Content-Type",
        ));
    }
    check_app_headers(&response, &mut findings);
    (Some(response), findings)
}
