//! Helpers for applications, middleware and servers (parity with Python's
//! `wsgiref.util`): URL reconstruction ([`application_uri`],
//! [`request_uri`]), path dispatch ([`shift_path_info`]), test environs
//! ([`setup_testing_defaults`]), [`guess_scheme`], [`is_hop_by_hop`] and the
//! file body [`FileWrapper`]; and reading the request in one call: the
//! query ([`query_pairs`]), the body ([`read_body`]), an urlencoded form
//! ([`read_form`]) and the cookies ([`cookies`]).
//!
//! Environ values are bytes ([`EnvValue`]), so these functions work on bytes
//! too: a non-UTF-8 path segment is shifted, and percent-quoted, exactly.
//! Where they differ from `wsgiref.util`, the item's documentation says so.

use percent_encoding::{percent_encode, AsciiSet, CONTROLS, NON_ALPHANUMERIC};

pub use crate::file_wrapper::{FileWrapper, DEFAULT_BLOCK_SIZE};
pub use request::{cookies, parse_urlencoded, query_pairs, read_body, read_form, BodyError};

mod request;
use crate::{EnvValue, Environ};

/// What URL reconstruction leaves unquoted in `SCRIPT_NAME` and `PATH_INFO`:
/// ASCII letters, digits, `-._~` and `/` (URL-003; Python's `quote` with its
/// default `safe="/"`).
const PATH_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// What is escaped in values copied "verbatim" (host, port, query string):
/// only controls, space and non-ASCII bytes, which no URL can hold, so the
/// result is always a valid `String` and nothing is lost.
const VERBATIM_SET: &AsciiSet = &CONTROLS.add(b' ');

/// `"https"` if the environ's `HTTPS` value is exactly `yes`, `on` or `1`
/// (case-sensitive, like wsgiref's `guess_scheme`); otherwise `"http"`.
///
/// Servers use it to fill [`Environ::url_scheme`] from CGI-style variables.
///
/// ```
/// use rgi::{util::guess_scheme, Environ};
/// let mut env = Environ::new();
/// assert_eq!(guess_scheme(&env), "http");
/// env.set("HTTPS", "on");
/// assert_eq!(guess_scheme(&env), "https");
/// ```
pub fn guess_scheme(environ: &Environ) -> &'static str {
    match environ.get_bytes("HTTPS") {
        Some(b"yes" | b"on" | b"1") => "https",
        _ => "http",
    }
}

/// The base URL of the application (its mount point): scheme, host and the
/// quoted `SCRIPT_NAME`, without `PATH_INFO` or query (URL-005; wsgiref's
/// `application_uri`).
///
/// * The scheme is [`Environ::url_scheme`].
/// * The host is (URL-002) `HTTP_HOST` as given (a port in it is kept, even a default
///   one) when present and non-empty; otherwise `SERVER_NAME`, followed by
///   `:SERVER_PORT` unless the port is the scheme's default (443 for
///   `https`, 80 for anything else).
/// * Then `SCRIPT_NAME` (or `/` if it is empty or absent) percent-quoted
///   (URL-003):
///   only letters, digits, `-._~` and `/` stay as they are; other bytes,
///   including non-ASCII ones, become `%XX` (upper-case hex).
///
/// So the result always ends in at least `/`.
///
/// An IPv6 `SERVER_NAME` is bracketed as RFC 3986 requires (`[::1]`); one
/// given without brackets gets them here.
///
/// Differences from wsgiref: a missing `SERVER_NAME` counts as empty and a
/// missing `SERVER_PORT` adds no port (wsgiref raises `KeyError`); control,
/// space and non-ASCII bytes in the host or port are percent-escaped
/// (wsgiref copies its Latin-1 text as is).
///
/// ```
/// use rgi::{util::application_uri, Environ};
/// let mut env = Environ::new();
/// env.set("SERVER_NAME", "127.0.0.1");
/// env.set("SERVER_PORT", "8000");
/// env.set("SCRIPT_NAME", &b"/sp\xe4m"[..]);
/// assert_eq!(application_uri(&env), "http://127.0.0.1:8000/sp%E4m");
/// env.set("HTTP_HOST", "example.com");
/// assert_eq!(application_uri(&env), "http://example.com/sp%E4m");
/// ```
pub fn application_uri(environ: &Environ) -> String {
    let scheme = environ.url_scheme();
    let mut url = String::with_capacity(64);
    url.push_str(scheme);
    url.push_str("://");
    match environ.get_bytes("HTTP_HOST") {
        Some(host) if !host.is_empty() => push_verbatim(&mut url, host),
        _ => {
            let name = environ.get_bytes("SERVER_NAME").unwrap_or(b"");
            // URL-002, ENV-011: an IPv6 address goes in brackets, even from
            // a server that left them out.
            let bare_ipv6 = name.contains(&b':') && !name.starts_with(b"[");
            if bare_ipv6 {
                url.push('[');
            }
            push_verbatim(&mut url, name);
            if bare_ipv6 {
                url.push(']');
            }
            if let Some(port) = environ.get_bytes("SERVER_PORT") {
                let default: &[u8] = if scheme == "https" { b"443" } else { b"80" };
                if port != default {
                    url.push(':');
                    push_verbatim(&mut url, port);
                }
            }
        }
    }
    match environ.get_bytes("SCRIPT_NAME") {
        Some(script_name) if !script_name.is_empty() => {
            url.extend(percent_encode(script_name, PATH_SET));
        }
        _ => url.push('/'),
    }
    url
}

/// The full URL of the request (URL-001; wsgiref's `request_uri`):
/// [`application_uri`], then the quoted `PATH_INFO`, then `?QUERY_STRING` if
/// `include_query` is true and the query is non-empty.
///
/// `PATH_INFO` is percent-quoted exactly like `SCRIPT_NAME` (URL-003): only
/// ASCII letters, digits, `-._~` and `/` stay as they are, so `?`, `#`, `;`,
/// `=` and `,` in the path become `%3F`, `%23`, `%3B`, `%3D` and `%2C`.
/// When `SCRIPT_NAME` is empty, the base already ends in `/`, so the leading
/// `/` of `PATH_INFO` is not repeated. The query string is appended as it
/// came, never quoted again (URL-004): it is raw, still escaped; only
/// control, space and non-ASCII bytes, which no URL can hold, are escaped.
///
/// Differences from wsgiref:
/// * wsgiref leaves `;`, `=` and `,` unquoted in `PATH_INFO` (not in
///   `SCRIPT_NAME`); the rgi specification quotes both alike (URL-003 and
///   its rationale), so `/spam;ham` gives `/spam%3Bham`. Both forms decode
///   to the same `PATH_INFO`.
/// * With an empty `SCRIPT_NAME`, wsgiref drops the first character of the
///   quoted `PATH_INFO` whatever it is, so a malformed `PATH_INFO` of `x`
///   (no leading `/`, against ENV-005) gives `http://host/` and loses the
///   `x`. Here only a leading `/` is dropped, giving `http://host/x`.
///
/// ```
/// use rgi::{util::request_uri, Environ};
/// let mut env = Environ::new();
/// env.set("HTTP_HOST", "127.0.0.1");
/// env.set("SCRIPT_NAME", "");
/// env.set("PATH_INFO", "/spammity/sp am");
/// env.set("QUERY_STRING", "s%E4y=ni");
/// assert_eq!(request_uri(&env, true), "http://127.0.0.1/spammity/sp%20am?s%E4y=ni");
/// assert_eq!(request_uri(&env, false), "http://127.0.0.1/spammity/sp%20am");
/// ```
pub fn request_uri(environ: &Environ, include_query: bool) -> String {
    let mut url = application_uri(environ);
    let path_info = environ.get_bytes("PATH_INFO").unwrap_or(b"");
    let script_name_empty = environ
        .get_bytes("SCRIPT_NAME")
        .map_or(true, <[u8]>::is_empty);
    let path_info = match path_info {
        [b'/', rest @ ..] if script_name_empty => rest,
        _ => path_info,
    };
    url.extend(percent_encode(path_info, PATH_SET));
    if include_query {
        if let Some(query) = environ.get_bytes("QUERY_STRING") {
            if !query.is_empty() {
                url.push('?');
                push_verbatim(&mut url, query);
            }
        }
    }
    url
}

/// Moves the first segment of `PATH_INFO` to the end of `SCRIPT_NAME` and
/// returns it: one step of path-based dispatch (URL-008; wsgiref's
/// `shift_path_info`).
///
/// Returns `None`, changing nothing, when `PATH_INFO` is absent or empty.
/// Otherwise, exactly like `wsgiref.util.shift_path_info`:
/// * `PATH_INFO` is split on `/`; among the inner parts (not the first, not
///   the last) the empty ones and `.` are dropped, so `//x` and `/./x` shift
///   `x`;
/// * the segment shifted is the second part; it is removed, and the rest,
///   joined with `/`, becomes the new `PATH_INFO` (so a trailing `/` stays
///   in `PATH_INFO`: `/x/` leaves `/`);
/// * the new `SCRIPT_NAME` is the POSIX-normalised `SCRIPT_NAME + "/" +
///   segment` (so `..` goes up one level, never above the root) without a
///   trailing `/`, except that shifting an empty segment (`PATH_INFO` `/`)
///   leaves a trailing `/`: that is how `/app` and `/app/` are told apart;
/// * a final `.` segment is consumed but reported as `None`.
///
/// Following wsgiref to the letter (URL-008) keeps two of its corners:
/// shifting the last `/` of a root-mounted application gives `SCRIPT_NAME`
/// `/` (`("", "/")` becomes `("/", "")`), and a `SCRIPT_NAME` that is `/`
/// keeps the POSIX double slash (`("/", "/x")` becomes `("//x", "")`).
///
/// The segment is returned as an [`EnvValue`], like every environ value: it
/// is the raw bytes (`PATH_INFO` is already percent-decoded, so a segment
/// may be any bytes, not necessarily UTF-8); compare it with a `&str`
/// directly or use [`EnvValue::as_str`].
///
/// Difference from wsgiref: a non-empty `PATH_INFO` with no `/` at all
/// (`*` of an `OPTIONS *` request, ENV-005, or a malformed value) makes
/// wsgiref raise `IndexError`; here it returns `None` and leaves the
/// environ unchanged.
///
/// ```
/// use rgi::{util::shift_path_info, Environ};
/// let mut env = Environ::new();
/// env.set("SCRIPT_NAME", "/app");
/// env.set("PATH_INFO", "/users/42/");
/// assert_eq!(shift_path_info(&mut env).unwrap(), "users");
/// assert_eq!(env.get_str("SCRIPT_NAME"), Some("/app/users"));
/// assert_eq!(env.get_str("PATH_INFO"), Some("/42/"));
/// assert_eq!(shift_path_info(&mut env).unwrap(), "42");
/// assert_eq!(env.get_str("PATH_INFO"), Some("/"));
/// assert_eq!(shift_path_info(&mut env).unwrap(), "");
/// assert_eq!(env.get_str("SCRIPT_NAME"), Some("/app/users/42/"));
/// assert_eq!(env.get_str("PATH_INFO"), Some(""));
/// assert_eq!(shift_path_info(&mut env), None);
/// ```
pub fn shift_path_info(environ: &mut Environ) -> Option<EnvValue> {
    let path_info = environ.get_bytes("PATH_INFO").unwrap_or(b"");
    if path_info.is_empty() {
        return None;
    }
    let parts: Vec<&[u8]> = path_info.split(|&b| b == b'/').collect();
    if parts.len() < 2 {
        return None;
    }
    // Keep the first and last parts; drop empty and "." inner parts.
    let last = parts.len() - 1;
    let mut rest: Vec<&[u8]> = Vec::with_capacity(parts.len());
    rest.push(parts[0]);
    rest.extend(
        parts[1..last]
            .iter()
            .filter(|p| !p.is_empty() && **p != b"."),
    );
    rest.push(parts[last]);
    let name = rest.remove(1);
    let new_path_info = rest.join(&b'/');

    let script_name = environ.get_bytes("SCRIPT_NAME").unwrap_or(b"");
    let mut joined = Vec::with_capacity(script_name.len() + 1 + name.len());
    joined.extend_from_slice(script_name);
    joined.push(b'/');
    joined.extend_from_slice(name);
    let mut new_script_name = normpath(&joined);
    if new_script_name.last() == Some(&b'/') {
        new_script_name.pop();
    }
    if name.is_empty() && new_script_name.last() != Some(&b'/') {
        new_script_name.push(b'/');
    }
    let name = name.to_vec();

    environ.set("SCRIPT_NAME", new_script_name);
    environ.set("PATH_INFO", new_path_info);
    if name == b"." {
        None
    } else {
        Some(EnvValue::from(name))
    }
}

/// POSIX path normalisation on bytes, as Python's `posixpath.normpath`:
/// drops empty and `.` components, resolves `..` (never above the root of an
/// absolute path), keeps exactly two leading slashes (POSIX leaves `//` to
/// the implementation), reduces three or more to one, and gives `.` for an
/// empty result.
fn normpath(path: &[u8]) -> Vec<u8> {
    if path.is_empty() {
        return b".".to_vec();
    }
    let initial_slashes = match path {
        [b'/', b'/', b'/', ..] => 1,
        [b'/', b'/', ..] => 2,
        [b'/', ..] => 1,
        _ => 0,
    };
    let mut components: Vec<&[u8]> = Vec::new();
    for component in path.split(|&b| b == b'/') {
        if component.is_empty() || component == b"." {
            continue;
        }
        if component != b".."
            || (initial_slashes == 0 && components.is_empty())
            || components.last() == Some(&&b".."[..])
        {
            components.push(component);
        } else {
            components.pop();
        }
    }
    let mut out = vec![b'/'; initial_slashes];
    out.extend_from_slice(&components.join(&b'/'));
    if out.is_empty() {
        out.push(b'.');
    }
    out
}

/// Fills in what a test request needs, keeping every key already present
/// (even an empty one), like wsgiref's `setup_testing_defaults`:
/// `SERVER_NAME` `127.0.0.1`, `SERVER_PROTOCOL` `HTTP/1.0`, `HTTP_HOST`
/// (the value of `SERVER_NAME`), `REQUEST_METHOD` `GET`, `SCRIPT_NAME` `""`
/// and `PATH_INFO` `/` when both are absent, the URL scheme from
/// [`guess_scheme`], and `SERVER_PORT` `80` for `http` or `443` for
/// `https`. `CONTENT_TYPE` and `CONTENT_LENGTH` are not added (a request
/// without a body).
///
/// Differences from wsgiref, so that the result is a valid rgi environ:
/// * The keys the rgi specification requires are always there: when only
///   one of `SCRIPT_NAME` and `PATH_INFO` is given, the other is set to
///   `""` (ENV-004, ENV-005; wsgiref leaves it out), `QUERY_STRING` is
///   `""` (ENV-007; wsgiref leaves it out), and `REQUEST_URI` is made from
///   the quoted `SCRIPT_NAME` and `PATH_INFO` and the query (ENV-014;
///   `/` when the path is empty).
/// * The streams and flags are typed fields that [`Environ::new`] always
///   fills (empty input, `stderr` for errors, `false` flags where wsgiref
///   puts `0`), so they are not touched here.
/// * The URL scheme is a field too, so "missing" cannot be told from
///   `http`: it is set to `https` when `HTTPS` says so and otherwise left
///   as it is (a scheme the caller set stays).
/// * The keys a server SHOULD provide are filled too, so that a test
///   environ draws no warning from [`validate`](crate::validate):
///   `REMOTE_ADDR` `127.0.0.1`, `REMOTE_PORT` `49152` (ENV-024, ENV-025),
///   `GATEWAY_INTERFACE` `CGI/1.1` (ENV-026) and `SERVER_SOFTWARE`
///   `rgi-testing/0.1` (ENV-027).
///
/// ```
/// use rgi::{util::{request_uri, setup_testing_defaults}, Environ};
/// let mut env = Environ::new();
/// setup_testing_defaults(&mut env);
/// assert_eq!(env.get_str("REQUEST_METHOD"), Some("GET"));
/// assert_eq!(env.get_str("HTTP_HOST"), Some("127.0.0.1"));
/// assert_eq!(env.get_str("REQUEST_URI"), Some("/"));
/// assert_eq!(request_uri(&env, true), "http://127.0.0.1/");
/// ```
pub fn setup_testing_defaults(environ: &mut Environ) {
    set_default(environ, "SERVER_NAME", EnvValue::from("127.0.0.1"));
    set_default(environ, "SERVER_PROTOCOL", EnvValue::from("HTTP/1.0"));
    if !environ.contains("HTTP_HOST") {
        let host = environ.get("SERVER_NAME").cloned().unwrap_or_default();
        environ.set("HTTP_HOST", host);
    }
    set_default(environ, "REQUEST_METHOD", EnvValue::from("GET"));
    if !environ.contains("SCRIPT_NAME") && !environ.contains("PATH_INFO") {
        environ.set("SCRIPT_NAME", "");
        environ.set("PATH_INFO", "/");
    }
    set_default(environ, "SCRIPT_NAME", EnvValue::from(""));
    set_default(environ, "PATH_INFO", EnvValue::from(""));
    set_default(environ, "QUERY_STRING", EnvValue::from(""));
    if !environ.contains("REQUEST_URI") {
        let request_uri = testing_request_uri(environ);
        environ.set("REQUEST_URI", request_uri);
    }
    if guess_scheme(environ) == "https" {
        environ.set_url_scheme("https");
    }
    match environ.url_scheme() {
        "http" => set_default(environ, "SERVER_PORT", EnvValue::from("80")),
        "https" => set_default(environ, "SERVER_PORT", EnvValue::from("443")),
        _ => {}
    }
    set_default(environ, "REMOTE_ADDR", EnvValue::from("127.0.0.1"));
    set_default(environ, "REMOTE_PORT", EnvValue::from("49152"));
    set_default(environ, "GATEWAY_INTERFACE", EnvValue::from("CGI/1.1"));
    set_default(
        environ,
        "SERVER_SOFTWARE",
        EnvValue::from("rgi-testing/0.1"),
    );
}

/// A request target that decodes to `SCRIPT_NAME` + `PATH_INFO`, followed
/// by the query: what a client would have sent for this environ.
fn testing_request_uri(environ: &Environ) -> String {
    let script_name = environ.get_bytes("SCRIPT_NAME").unwrap_or(b"");
    let path_info = environ.get_bytes("PATH_INFO").unwrap_or(b"");
    let mut target = String::new();
    if script_name.is_empty() && path_info == b"*" {
        target.push('*');
    } else if script_name.is_empty() && path_info.is_empty() {
        target.push('/');
    } else {
        target.extend(percent_encode(script_name, PATH_SET));
        target.extend(percent_encode(path_info, PATH_SET));
    }
    let query = environ.get_bytes("QUERY_STRING").unwrap_or(b"");
    if !query.is_empty() {
        target.push('?');
        push_verbatim(&mut target, query);
    }
    target
}

fn set_default(environ: &mut Environ, key: &'static str, value: EnvValue) {
    if !environ.contains(key) {
        environ.set(key, value);
    }
}

/// True if `name` is a hop-by-hop header field (compared ASCII
/// case-insensitively): `Connection`, `Keep-Alive`, `Proxy-Authenticate`,
/// `Proxy-Authorization`, `TE`, `Trailer`, `Trailers`, `Transfer-Encoding`
/// or `Upgrade` (HDR-003; wsgiref's `is_hop_by_hop`).
///
/// These concern one connection only, so applications must not send them.
/// The list is [`HOP_BY_HOP`](crate::start_response::HOP_BY_HOP), which
/// `start` refuses, plus `Trailers`: wsgiref's list has `trailers` (from RFC
/// 2616 §13.5.1, whose header is in fact named `Trailer`), while RFC 9110
/// names the real field, `Trailer`, which wsgiref's `is_hop_by_hop` misses.
/// Both are reported here, so code ported from Python keeps working and the
/// real field is caught too.
///
/// ```
/// use rgi::util::is_hop_by_hop;
/// assert!(is_hop_by_hop("Transfer-Encoding"));
/// assert!(is_hop_by_hop("KEEP-ALIVE"));
/// assert!(!is_hop_by_hop("Content-Type"));
/// ```
pub fn is_hop_by_hop(name: &str) -> bool {
    name.eq_ignore_ascii_case("trailers")
        || crate::start_response::HOP_BY_HOP
            .iter()
            .any(|h| h.eq_ignore_ascii_case(name))
}

/// True when `value` is a valid Host field value (HTTP-005): `uri-host
/// [ ":" port ]` of RFC 9110 section 7.2, a bracketed IP literal or a
/// reg-name, then optionally ":" and digits; the empty value is valid.
/// simple_server's own check, for engines that get headers already parsed.
///
/// ```
/// use rgi::util::is_host_value;
/// assert!(is_host_value(b"example.com:8080") && is_host_value(b"[::1]") && is_host_value(b""));
/// assert!(!is_host_value(b"user@example.com") && !is_host_value(b"a b") && !is_host_value(b"[::1"));
/// ```
pub fn is_host_value(value: &[u8]) -> bool {
    crate::simple_server::head::is_host_value(value)
}

/// Appends `bytes` to `url` unchanged except for control, space and
/// non-ASCII bytes, which are percent-escaped.
fn push_verbatim(url: &mut String, bytes: &[u8]) {
    url.extend(percent_encode(bytes, VERBATIM_SET));
}

#[cfg(test)]
mod tests {
    //! Ports of CPython's `test_wsgiref.UtilityTests` and of the extra
    //! vectors observed by running wsgiref, each citing the spec rule it
    //! checks. (Names like "T-11" or "U-5" in comments refer to the sections
    //! of the team's wsgiref parity checklist, not to spec rules.)
    use super::*;
    use std::io::{Cursor, Read};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    /// An environ with the testing defaults and the given keys (set first,
    /// so the defaults do not override them).
    fn env_with(pairs: &[(&'static str, &'static str)]) -> Environ {
        let mut env = Environ::new();
        for &(k, v) in pairs {
            env.set(k, v);
        }
        setup_testing_defaults(&mut env);
        env
    }

    /// Shifts once from (SCRIPT_NAME, PATH_INFO) and checks the returned
    /// segment and both new values.
    fn check_shift(sn_in: &str, pi_in: &str, part: Option<&str>, sn_out: &str, pi_out: &str) {
        let mut env = Environ::new();
        env.set("SCRIPT_NAME", sn_in.to_owned());
        env.set("PATH_INFO", pi_in.to_owned());
        setup_testing_defaults(&mut env);
        let got = shift_path_info(&mut env);
        let case = format!("shift({sn_in:?}, {pi_in:?})");
        assert_eq!(
            got.as_ref().map(|v| v.as_bytes()),
            part.map(str::as_bytes),
            "{case}: part"
        );
        assert_eq!(
            env.get_str("SCRIPT_NAME"),
            Some(sn_out),
            "{case}: SCRIPT_NAME"
        );
        assert_eq!(env.get_str("PATH_INFO"), Some(pi_out), "{case}: PATH_INFO");
    }

    #[test]
    fn simple_shifts() {
        // URL-008. wsgiref testSimpleShifts (T-11).
        check_shift("", "/", Some(""), "/", "");
        check_shift("", "/x", Some("x"), "/x", "");
        check_shift("/", "", None, "/", "");
        check_shift("/a", "/x/y", Some("x"), "/a/x", "/y");
        check_shift("/a", "/x/", Some("x"), "/a/x", "/");
    }

    #[test]
    fn normalized_shifts() {
        // URL-008: "..", empty segments, ".", trailing slashes. wsgiref
        // testNormalizedShifts (T-12).
        check_shift("/a/b", "/../y", Some(".."), "/a", "/y");
        check_shift("", "/../y", Some(".."), "", "/y");
        check_shift("/a/b", "//y", Some("y"), "/a/b/y", "");
        check_shift("/a/b", "//y/", Some("y"), "/a/b/y", "/");
        check_shift("/a/b", "/./y", Some("y"), "/a/b/y", "");
        check_shift("/a/b", "/./y/", Some("y"), "/a/b/y", "/");
        check_shift("/a/b", "///./..//y/.//", Some(".."), "/a", "/y/");
        check_shift("/a/b", "///", Some(""), "/a/b/", "");
        check_shift("/a/b", "/.//", Some(""), "/a/b/", "");
        check_shift("/a/b", "/x//", Some("x"), "/a/b/x", "/");
        check_shift("/a/b", "/.", None, "/a/b", "");
    }

    #[test]
    fn observed_extra_shifts() {
        // URL-008, vectors observed under CPython (U-5): root "//", ".." at
        // the root, no percent-decoding, and a PATH_INFO without leading "/".
        check_shift("", "//", Some(""), "/", "");
        check_shift("/a", "/..", Some(".."), "", "");
        check_shift("/a", "/%2F", Some("%2F"), "/a/%2F", "");
        check_shift("", "x/y", Some("y"), "/y", "x");
        // More CPython observations: ".." never goes above the root,
        // SCRIPT_NAME is normalised too, POSIX keeps a leading "//", and a
        // final "." is consumed but not returned.
        check_shift("", "/..", Some(".."), "", "");
        check_shift("/..", "/x", Some("x"), "/x", "");
        check_shift("/a/..", "/b", Some("b"), "/b", "");
        check_shift("/a/", "/b", Some("b"), "/a/b", "");
        check_shift("a", "/b", Some("b"), "a/b", "");
        check_shift("/", "/x", Some("x"), "//x", "");
        check_shift("//a", "/b", Some("b"), "//a/b", "");
        check_shift("", "///", Some(""), "/", "");
        check_shift("", "/.", None, "", "");
    }

    #[test]
    fn shift_of_missing_or_empty_path_info_changes_nothing() {
        // URL-008: an empty or missing PATH_INFO returns None, environ
        // untouched.
        let mut env = Environ::new();
        assert_eq!(shift_path_info(&mut env), None);
        assert!(!env.contains("SCRIPT_NAME") && !env.contains("PATH_INFO"));
        env.set("SCRIPT_NAME", "/a");
        env.set("PATH_INFO", "");
        assert_eq!(shift_path_info(&mut env), None);
        assert_eq!(env.get_str("SCRIPT_NAME"), Some("/a"));
        assert_eq!(env.get_str("PATH_INFO"), Some(""));
    }

    #[test]
    fn shift_without_any_slash_changes_nothing() {
        // URL-008 / ENV-005. Deviation: wsgiref raises IndexError for a
        // PATH_INFO without "/", such as the "*" of OPTIONS *.
        for path_info in ["x", "*"] {
            let mut env = Environ::new();
            env.set("SCRIPT_NAME", "");
            env.set("PATH_INFO", path_info);
            assert_eq!(shift_path_info(&mut env), None);
            assert_eq!(env.get_str("SCRIPT_NAME"), Some(""));
            assert_eq!(env.get_str("PATH_INFO"), Some(path_info));
        }
    }

    #[test]
    fn shift_keeps_non_utf8_bytes() {
        // URL-008 with TEXT-001: PATH_INFO is decoded bytes; segments need
        // not be UTF-8 and are kept exactly.
        let mut env = Environ::new();
        env.set("SCRIPT_NAME", &b"/\xe9"[..]);
        env.set("PATH_INFO", &b"/caf\xe9/\xff"[..]);
        let part = shift_path_info(&mut env).unwrap();
        assert_eq!(part.as_bytes(), b"caf\xe9");
        assert_eq!(part.as_str(), None);
        assert_eq!(env.get_bytes("SCRIPT_NAME"), Some(&b"/\xe9/caf\xe9"[..]));
        assert_eq!(env.get_bytes("PATH_INFO"), Some(&b"/\xff"[..]));
    }

    #[test]
    fn shifting_to_the_end_walks_every_segment() {
        // URL-008.
        let mut env = env_with(&[("SCRIPT_NAME", ""), ("PATH_INFO", "/a/b/c")]);
        let mut parts = Vec::new();
        while let Some(part) = shift_path_info(&mut env) {
            parts.push(part.to_str_lossy().into_owned());
        }
        assert_eq!(parts, ["a", "b", "c"]);
        assert_eq!(env.get_str("SCRIPT_NAME"), Some("/a/b/c"));
        assert_eq!(env.get_str("PATH_INFO"), Some(""));
    }

    #[test]
    fn testing_defaults() {
        // wsgiref testDefaults (T-13), plus the keys the rgi spec requires:
        // ENV-003, ENV-004, ENV-005, ENV-007, ENV-011, ENV-012, ENV-013,
        // ENV-014, and the SHOULD keys ENV-024 to ENV-027; ENV-015 to
        // ENV-019 and ENV-023 come from Environ::new.
        let env = env_with(&[]);
        for (key, value) in [
            ("SERVER_NAME", "127.0.0.1"),
            ("SERVER_PROTOCOL", "HTTP/1.0"),
            ("HTTP_HOST", "127.0.0.1"),
            ("REQUEST_METHOD", "GET"),
            ("SCRIPT_NAME", ""),
            ("PATH_INFO", "/"),
            ("SERVER_PORT", "80"),
            ("QUERY_STRING", ""),
            ("REQUEST_URI", "/"),
            ("REMOTE_ADDR", "127.0.0.1"),
            ("REMOTE_PORT", "49152"),
            ("GATEWAY_INTERFACE", "CGI/1.1"),
            ("SERVER_SOFTWARE", "rgi-testing/0.1"),
        ] {
            assert_eq!(env.get_str(key), Some(value), "{key}");
        }
        assert_eq!(env.iter().count(), 13, "nothing else is added: {env:?}");
        // ENV-008, ENV-009: a request without a body has neither.
        for key in ["CONTENT_TYPE", "CONTENT_LENGTH"] {
            assert!(!env.contains(key), "{key}");
        }
        assert_eq!(env.url_scheme(), "http");
        assert_eq!(env.version(), (1, 0));
        assert!(!env.run_once() && !env.multithread() && !env.multiprocess());
        let mut env = env;
        let mut body = Vec::new();
        env.input().read_to_end(&mut body).unwrap();
        assert!(body.is_empty());
    }

    #[test]
    fn testing_defaults_keep_existing_values() {
        // wsgiref testDefaults (T-13): an existing value is kept, even an
        // empty one (U-6).
        for key in [
            "SERVER_NAME",
            "SERVER_PROTOCOL",
            "HTTP_HOST",
            "REQUEST_METHOD",
            "SCRIPT_NAME",
            "PATH_INFO",
            "SERVER_PORT",
            "QUERY_STRING",
            "REQUEST_URI",
        ] {
            for value in ["xyz", ""] {
                let mut env = Environ::new();
                env.set(key, value);
                setup_testing_defaults(&mut env);
                assert_eq!(env.get_str(key), Some(value), "{key}={value:?}");
            }
        }
        let mut env = Environ::new();
        env.set_url_scheme("https");
        setup_testing_defaults(&mut env);
        assert_eq!(env.url_scheme(), "https", "a scheme the caller set stays");
        assert_eq!(env.get_str("SERVER_PORT"), Some("443"));
    }

    #[test]
    fn testing_defaults_script_name_and_path_info_only_together() {
        // ENV-004, ENV-005: both are always present. Like wsgiref, "" and
        // "/" are used only when both are missing; unlike wsgiref (which
        // then leaves the other out), a lone missing one becomes "".
        let env = env_with(&[("SCRIPT_NAME", "/app")]);
        assert_eq!(env.get_str("SCRIPT_NAME"), Some("/app"));
        assert_eq!(env.get_str("PATH_INFO"), Some(""));
        assert_eq!(env.get_str("REQUEST_URI"), Some("/app"));
        let env = env_with(&[("PATH_INFO", "/x")]);
        assert_eq!(env.get_str("PATH_INFO"), Some("/x"));
        assert_eq!(env.get_str("SCRIPT_NAME"), Some(""));
        assert_eq!(env.get_str("REQUEST_URI"), Some("/x"));
    }

    #[test]
    fn testing_defaults_request_uri_decodes_to_the_path() {
        // ENV-014, ENV-006: REQUEST_URI is a target whose decoded path is
        // SCRIPT_NAME + PATH_INFO, with the query as it is.
        let mut env = Environ::new();
        env.set("SCRIPT_NAME", "/a b");
        env.set("PATH_INFO", &b"/%;\xff"[..]);
        env.set("QUERY_STRING", "x=%20");
        setup_testing_defaults(&mut env);
        assert_eq!(env.get_str("REQUEST_URI"), Some("/a%20b/%25%3B%FF?x=%20"));
        let env = env_with(&[("PATH_INFO", "*")]);
        assert_eq!(env.get_str("REQUEST_URI"), Some("*"));
    }

    #[test]
    fn testing_cross_defaults() {
        // wsgiref testCrossDefaults (T-14): HTTP_HOST follows SERVER_NAME;
        // HTTPS gives the scheme (ENV-016), and the scheme the port.
        let env = env_with(&[("SERVER_NAME", "foo.bar")]);
        assert_eq!(env.get_str("HTTP_HOST"), Some("foo.bar"));
        for on in ["on", "1", "yes"] {
            let mut env = Environ::new();
            env.set("HTTPS", on);
            setup_testing_defaults(&mut env);
            assert_eq!(env.url_scheme(), "https", "HTTPS={on}");
            assert_eq!(env.get_str("SERVER_PORT"), Some("443"), "HTTPS={on}");
        }
        let env = env_with(&[("HTTPS", "foo")]);
        assert_eq!(env.url_scheme(), "http");
        assert_eq!(env.get_str("SERVER_PORT"), Some("80"));
        // Any other scheme gets no default port.
        let mut env = Environ::new();
        env.set_url_scheme("gopher");
        setup_testing_defaults(&mut env);
        assert!(!env.contains("SERVER_PORT"));
    }

    #[test]
    fn guess_scheme_vectors() {
        // wsgiref testGuessScheme (T-15): exactly "yes", "on", "1",
        // case-sensitively (ENV-016, ENV-028).
        assert_eq!(guess_scheme(&Environ::new()), "http");
        for (value, scheme) in [
            ("foo", "http"),
            ("on", "https"),
            ("yes", "https"),
            ("1", "https"),
            ("ON", "http"),
            ("Yes", "http"),
            ("", "http"),
            ("off", "http"),
            ("0", "http"),
            (" on", "http"),
        ] {
            let mut env = Environ::new();
            env.set("HTTPS", value);
            assert_eq!(guess_scheme(&env), scheme, "HTTPS={value:?}");
        }
    }

    #[test]
    fn application_uri_vectors() {
        // URL-005, URL-002, URL-003. wsgiref testAppURIs (T-16).
        let uri = |pairs: &[(&'static str, &'static str)]| application_uri(&env_with(pairs));
        assert_eq!(uri(&[]), "http://127.0.0.1/");
        assert_eq!(uri(&[("SCRIPT_NAME", "/spam")]), "http://127.0.0.1/spam");
        let mut env = env_with(&[]);
        env.set("SCRIPT_NAME", &b"/sp\xe4m"[..]);
        assert_eq!(application_uri(&env), "http://127.0.0.1/sp%E4m");
        assert_eq!(
            uri(&[("SCRIPT_NAME", "/sp\u{e4}m")]),
            "http://127.0.0.1/sp%C3%A4m",
            "UTF-8 bytes are quoted byte by byte"
        );
        assert_eq!(
            uri(&[("HTTP_HOST", "spam.example.com:2071")]),
            "http://spam.example.com:2071/"
        );
        assert_eq!(
            uri(&[("SERVER_NAME", "spam.example.com"), ("SERVER_PORT", "2071")]),
            "http://spam.example.com/",
            "HTTP_HOST (defaulted from SERVER_NAME) wins over SERVER_NAME:PORT"
        );
        assert_eq!(
            uri(&[("HTTP_HOST", "spam.example.com:2071"), ("SERVER_NAME", "x")]),
            "http://spam.example.com:2071/"
        );
        assert_eq!(uri(&[("HTTPS", "on")]), "https://127.0.0.1/");
        // Without HTTP_HOST: SERVER_NAME and a non-default port.
        let mut env = env_with(&[("SERVER_PORT", "8000")]);
        env.remove("HTTP_HOST");
        assert_eq!(application_uri(&env), "http://127.0.0.1:8000/");
        // An empty HTTP_HOST counts as absent.
        env.set("HTTP_HOST", "");
        assert_eq!(application_uri(&env), "http://127.0.0.1:8000/");
    }

    #[test]
    fn application_uri_default_ports_and_quoting() {
        // URL-002: the default port depends on the scheme; HTTP_HOST's port
        // is kept as is. URL-003: SCRIPT_NAME keeps only "/", letters,
        // digits and "-._~". (Observed under CPython, U-3.)
        let mut env = Environ::new();
        env.set("SERVER_NAME", "x");
        for (scheme, port, expected) in [
            ("http", "80", "http://x/"),
            ("http", "443", "http://x:443/"),
            ("https", "443", "https://x/"),
            ("https", "80", "https://x:80/"),
        ] {
            env.set_url_scheme(scheme);
            env.set("SERVER_PORT", port);
            assert_eq!(application_uri(&env), expected);
        }
        env.set_url_scheme("http");
        env.set("HTTP_HOST", "x:80");
        assert_eq!(application_uri(&env), "http://x:80/");
        env.set("SCRIPT_NAME", "/a b;c=d,e?f#g~h-i_j.k%l/");
        assert_eq!(
            application_uri(&env),
            "http://x:80/a%20b%3Bc%3Dd%2Ce%3Ff%23g~h-i_j.k%25l/"
        );
    }

    #[test]
    fn ipv6_server_names_are_bracketed() {
        // URL-002, ENV-011: http://[::1]:8080/, never http://::1:8080/.
        let mut env = Environ::new();
        env.set("SERVER_PORT", "8080");
        for name in ["[::1]", "::1"] {
            env.set("SERVER_NAME", name);
            assert_eq!(application_uri(&env), "http://[::1]:8080/", "{name}");
        }
        env.set("SERVER_NAME", "127.0.0.1");
        assert_eq!(application_uri(&env), "http://127.0.0.1:8080/");
    }

    #[test]
    fn application_uri_without_server_name_or_port() {
        // URL-002 with ENV-011/ENV-012 broken. Deviation (wsgiref raises
        // KeyError): absent keys count as empty.
        let env = Environ::new();
        assert_eq!(application_uri(&env), "http:///");
        let mut env = Environ::new();
        env.set("SERVER_NAME", "h");
        assert_eq!(application_uri(&env), "http://h/");
    }

    #[test]
    fn request_uri_vectors() {
        // URL-001, URL-003, URL-004. wsgiref testReqURIs (T-17), in rgi form:
        // wsgiref keeps ";", "=" and "," in PATH_INFO, URL-003 quotes them.
        let uri = |pairs: &[(&'static str, &'static str)], q| request_uri(&env_with(pairs), q);
        assert_eq!(uri(&[], true), "http://127.0.0.1/");
        assert_eq!(
            uri(
                &[("SCRIPT_NAME", "/spammity"), ("PATH_INFO", "/spam")],
                true
            ),
            "http://127.0.0.1/spammity/spam"
        );
        assert_eq!(
            uri(
                &[("SCRIPT_NAME", "/spammity"), ("PATH_INFO", "/spam;ham")],
                true
            ),
            "http://127.0.0.1/spammity/spam%3Bham"
        );
        assert_eq!(
            uri(
                &[
                    ("SCRIPT_NAME", "/spammity"),
                    ("PATH_INFO", "/spam;cookie=1234,5678")
                ],
                true
            ),
            "http://127.0.0.1/spammity/spam%3Bcookie%3D1234%2C5678"
        );
        let query = [
            ("SCRIPT_NAME", "/spammity"),
            ("PATH_INFO", "/spam"),
            ("QUERY_STRING", "say=ni"),
        ];
        assert_eq!(uri(&query, true), "http://127.0.0.1/spammity/spam?say=ni");
        assert_eq!(uri(&query, false), "http://127.0.0.1/spammity/spam");
        assert_eq!(
            uri(
                &[
                    ("SCRIPT_NAME", "/spammity"),
                    ("PATH_INFO", "/spam"),
                    ("QUERY_STRING", "s%E4y=ni")
                ],
                true
            ),
            "http://127.0.0.1/spammity/spam?s%E4y=ni",
            "the query is passed through, not re-quoted"
        );
        let mut env = env_with(&[("SCRIPT_NAME", "/spammity")]);
        env.set("PATH_INFO", &b"/sp\xe4m"[..]);
        assert_eq!(request_uri(&env, true), "http://127.0.0.1/spammity/sp%E4m");
    }

    #[test]
    fn request_uri_edge_cases() {
        // URL-001, URL-003 (observed under CPython, U-4, except ";=,"): "?",
        // "#", ";", "=", "," escaped, "~" kept, no duplicate slash at an empty
        // SCRIPT_NAME, a SCRIPT_NAME ending in "/" gives "//", an empty query
        // adds no "?".
        let uri = |pairs: &[(&'static str, &'static str)]| request_uri(&env_with(pairs), true);
        assert_eq!(
            uri(&[("SCRIPT_NAME", ""), ("PATH_INFO", "/a?b#c;d=e,f~g h")]),
            "http://127.0.0.1/a%3Fb%23c%3Bd%3De%2Cf~g%20h"
        );
        assert_eq!(
            uri(&[("SCRIPT_NAME", ""), ("PATH_INFO", "/")]),
            "http://127.0.0.1/"
        );
        assert_eq!(
            uri(&[("SCRIPT_NAME", ""), ("PATH_INFO", "")]),
            "http://127.0.0.1/"
        );
        assert_eq!(uri(&[("SCRIPT_NAME", "/app")]), "http://127.0.0.1/app");
        assert_eq!(
            uri(&[("SCRIPT_NAME", "/app/"), ("PATH_INFO", "/x")]),
            "http://127.0.0.1/app//x"
        );
        assert_eq!(
            uri(&[
                ("SCRIPT_NAME", "/app"),
                ("PATH_INFO", "/x"),
                ("QUERY_STRING", "")
            ]),
            "http://127.0.0.1/app/x"
        );
        assert_eq!(
            uri(&[("PATH_INFO", "//x")]),
            "http://127.0.0.1//x",
            "only one leading slash is dropped"
        );
    }

    #[test]
    fn request_uri_keeps_a_path_info_without_leading_slash() {
        // URL-001 with ENV-005 broken. Deviation: wsgiref drops the first
        // character whatever it is and gives "http://h/" here, losing "x".
        let mut env = Environ::new();
        env.set("HTTP_HOST", "h");
        env.set("PATH_INFO", "x");
        assert_eq!(request_uri(&env, true), "http://h/x");
    }

    #[test]
    fn verbatim_parts_escape_only_what_a_url_cannot_hold() {
        // URL-002, URL-004: host and query as sent, except the bytes that
        // cannot be in a URL (the result is a String).
        let mut env = Environ::new();
        env.set("HTTP_HOST", &b"h\xe9:1"[..]);
        env.set("QUERY_STRING", &b"a=%20&b=\xff c\r"[..]);
        assert_eq!(request_uri(&env, true), "http://h%E9:1/?a=%20&b=%FF%20c%0D");
    }

    #[test]
    fn hop_by_hop_names() {
        // HDR-003, HDR-004. wsgiref testHopByHop (T-19): its 8 names, 4 case
        // variants each, and the names that are not hop-by-hop.
        for name in [
            "Connection",
            "Keep-Alive",
            "Proxy-Authenticate",
            "Proxy-Authorization",
            "TE",
            "Trailers",
            "Transfer-Encoding",
            "Upgrade",
        ] {
            for variant in [
                name.to_string(),
                name.to_ascii_lowercase(),
                name.to_ascii_uppercase(),
                name.chars()
                    .enumerate()
                    .map(|(i, c)| {
                        if i % 2 == 0 {
                            c.to_ascii_lowercase()
                        } else {
                            c.to_ascii_uppercase()
                        }
                    })
                    .collect(),
            ] {
                assert!(is_hop_by_hop(&variant), "{variant}");
            }
        }
        for name in [
            "Accept",
            "Cache-Control",
            "Date",
            "Pragma",
            "Via",
            "Warning",
            "Proxy-Connection",
            "Host",
            "Content-Length",
            "",
            "Connection ",
            "Connections",
            "X-Connection",
        ] {
            assert!(!is_hop_by_hop(name), "{name:?}");
        }
    }

    #[test]
    fn hop_by_hop_includes_the_real_trailer_field() {
        // HDR-003. Deviation from wsgiref (False for "Trailer"): RFC 9110's
        // field is "Trailer", which `start` refuses, so it is hop-by-hop here.
        for name in ["Trailer", "trailer", "TRAILER"] {
            assert!(is_hop_by_hop(name), "{name}");
        }
        for name in crate::start_response::HOP_BY_HOP {
            assert!(is_hop_by_hop(name), "{name}");
        }
    }

    #[test]
    fn file_wrapper_blocks_and_close() {
        // BODY-010. wsgiref testFileWrapper (T-18): blocks of the given size;
        // iterating to the end does not close the reader, dropping does.
        struct Tracked(Cursor<Vec<u8>>, Arc<AtomicBool>);
        impl Read for Tracked {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                self.0.read(buf)
            }
        }
        impl Drop for Tracked {
            fn drop(&mut self) {
                self.1.store(true, Ordering::SeqCst);
            }
        }
        let closed = Arc::new(AtomicBool::new(false));
        let reader = Tracked(Cursor::new(b"xyz".repeat(50)), closed.clone());
        let mut wrapper = FileWrapper::new(reader, 120);
        let blocks: Vec<Vec<u8>> = wrapper.by_ref().map(|b| b.unwrap()).collect();
        assert_eq!(blocks, [b"xyz".repeat(40), b"xyz".repeat(10)]);
        assert!(wrapper.next().is_none());
        assert!(!closed.load(Ordering::SeqCst), "iteration must not close");
        drop(wrapper);
        assert!(closed.load(Ordering::SeqCst), "dropping closes");
        assert_eq!(DEFAULT_BLOCK_SIZE, 8192);
    }

    #[test]
    fn normpath_matches_posixpath() {
        // URL-008 relies on Python's posixpath.normpath; values checked
        // against CPython.
        for (input, expected) in [
            ("", "."),
            ("/", "/"),
            ("//", "//"),
            ("///", "/"),
            ("a/./b", "a/b"),
            ("a/../..", ".."),
            ("/../a", "/a"),
            ("../../a", "../../a"),
            ("a/b/../../..", ".."),
            ("/a/b/", "/a/b"),
            ("//a/../b", "//b"),
        ] {
            assert_eq!(normpath(input.as_bytes()), expected.as_bytes(), "{input:?}");
        }
    }
}
