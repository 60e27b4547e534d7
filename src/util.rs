//! Helpers for applications, middleware and servers (parity with Python's
//! `wsgiref.util`): URL reconstruction ([`application_uri`],
//! [`request_uri`]), path dispatch ([`shift_path_info`]), test environs
//! ([`setup_testing_defaults`]), [`guess_scheme`], [`is_hop_by_hop`] and the
//! file body [`FileWrapper`].
//!
//! Environ values are bytes ([`EnvValue`]), so these functions work on bytes
//! too: a non-UTF-8 path segment is shifted, and percent-quoted, exactly.
//! Where they differ from `wsgiref.util`, the item's documentation says so.

use percent_encoding::{percent_encode, AsciiSet, CONTROLS, NON_ALPHANUMERIC};

pub use crate::file_wrapper::{FileWrapper, DEFAULT_BLOCK_SIZE};
use crate::{EnvValue, Environ};

/// What `application_uri` leaves unquoted in `SCRIPT_NAME`: letters, digits,
/// `-._~` and `/` (Python's `quote` with its default `safe="/"`).
const SCRIPT_NAME_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// What `request_uri` leaves unquoted in `PATH_INFO`: as for `SCRIPT_NAME`
/// plus `;`, `=` and `,` (Python's `quote(path, safe="/;=,")`).
const PATH_INFO_SET: &AsciiSet = &SCRIPT_NAME_SET.remove(b';').remove(b'=').remove(b',');

/// What is escaped in values copied "verbatim" (host, port, query string):
/// only controls and non-ASCII bytes, so the result is always a valid
/// `String` and nothing is lost.
const VERBATIM_SET: &AsciiSet = &CONTROLS.add(b' ');

/// `"https"` if the environ's `HTTPS` value is exactly `yes`, `on` or `1`
/// (case-sensitive, like wsgiref); otherwise `"http"` (U-2).
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

/// The base URL of the application: scheme, host and the quoted
/// `SCRIPT_NAME` (URL-* rules), without `PATH_INFO` or query (U-3).
///
/// * The scheme is [`Environ::url_scheme`].
/// * The host is `HTTP_HOST` as given (a port in it is kept, even a default
///   one) when present and non-empty; otherwise `SERVER_NAME`, followed by
///   `:SERVER_PORT` unless the port is the scheme's default (443 for
///   `https`, 80 for anything else).
/// * Then `SCRIPT_NAME` (or `/` if it is empty or absent) percent-quoted:
///   only letters, digits, `-._~` and `/` stay as they are; other bytes,
///   including non-ASCII ones, become `%XX` (upper-case hex).
///
/// So the result always ends in at least `/`.
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
            push_verbatim(&mut url, environ.get_bytes("SERVER_NAME").unwrap_or(b""));
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
            url.extend(percent_encode(script_name, SCRIPT_NAME_SET));
        }
        _ => url.push('/'),
    }
    url
}

/// The full URL of the request: [`application_uri`], then the quoted
/// `PATH_INFO`, then `?QUERY_STRING` if `include_query` is true and the
/// query is non-empty (U-4).
///
/// `PATH_INFO` is percent-quoted like `SCRIPT_NAME` except that `;`, `=` and
/// `,` also stay as they are (so `?` and `#` in the path become `%3F` and
/// `%23`). When `SCRIPT_NAME` is empty, the base already ends in `/`, so
/// the leading `/` of `PATH_INFO` is not repeated. The query string is
/// appended as it came (it is raw, still escaped); only control, space and
/// non-ASCII bytes, which cannot appear in a URL, are escaped.
///
/// Difference from wsgiref: with an empty `SCRIPT_NAME`, wsgiref drops the
/// first character of the quoted `PATH_INFO` whatever it is, so a malformed
/// `PATH_INFO` of `x` (no leading `/`) gives `http://host/` and loses the
/// `x`. Here only a leading `/` is dropped, giving `http://host/x`.
///
/// ```
/// use rgi::{util::request_uri, Environ};
/// let mut env = Environ::new();
/// env.set("HTTP_HOST", "127.0.0.1");
/// env.set("SCRIPT_NAME", "");
/// env.set("PATH_INFO", "/spammity/spam;cookie=1234,5678");
/// env.set("QUERY_STRING", "s%E4y=ni");
/// assert_eq!(request_uri(&env, true), "http://127.0.0.1/spammity/spam;cookie=1234,5678?s%E4y=ni");
/// assert_eq!(request_uri(&env, false), "http://127.0.0.1/spammity/spam;cookie=1234,5678");
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
    url.extend(percent_encode(path_info, PATH_INFO_SET));
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
/// returns it: one step of path-based dispatch (U-5).
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
/// The segment is returned as an [`EnvValue`], like every environ value: it
/// is the raw bytes (`PATH_INFO` is already percent-decoded, so a segment
/// may be any bytes, not necessarily UTF-8); compare it with a `&str`
/// directly or use [`EnvValue::as_str`].
///
/// Difference from wsgiref: a non-empty `PATH_INFO` with no `/` at all
/// (malformed: it should start with `/`) makes wsgiref raise `IndexError`;
/// here it returns `None` and leaves the environ unchanged.
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
/// (U-6): `SERVER_NAME` `127.0.0.1`, `SERVER_PROTOCOL` `HTTP/1.0`,
/// `HTTP_HOST` (the value of `SERVER_NAME`), `REQUEST_METHOD` `GET`,
/// `SCRIPT_NAME` `""` and `PATH_INFO` `/` (only when *both* are absent: one
/// without the other is left alone), the URL scheme from [`guess_scheme`],
/// and `SERVER_PORT` `80` for `http` or `443` for `https`.
///
/// Like wsgiref, `QUERY_STRING`, `CONTENT_TYPE` and `CONTENT_LENGTH` are not
/// added.
///
/// Differences from wsgiref, which come from the typed `rgi.*` entries: the
/// streams and flags are fields that [`Environ::new`] always fills (empty
/// input, `stderr` for errors, `false` flags where wsgiref puts `0`), so
/// they are not touched here. The URL scheme is a field too, so "missing"
/// cannot be told from `http`: it is set to `https` when `HTTPS` says so and
/// otherwise left as it is (a scheme the caller set stays).
///
/// ```
/// use rgi::{util::{request_uri, setup_testing_defaults}, Environ};
/// let mut env = Environ::new();
/// setup_testing_defaults(&mut env);
/// assert_eq!(env.get_str("REQUEST_METHOD"), Some("GET"));
/// assert_eq!(env.get_str("HTTP_HOST"), Some("127.0.0.1"));
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
    if guess_scheme(environ) == "https" {
        environ.set_url_scheme("https");
    }
    match environ.url_scheme() {
        "http" => set_default(environ, "SERVER_PORT", EnvValue::from("80")),
        "https" => set_default(environ, "SERVER_PORT", EnvValue::from("443")),
        _ => {}
    }
}

fn set_default(environ: &mut Environ, key: &'static str, value: EnvValue) {
    if !environ.contains(key) {
        environ.set(key, value);
    }
}

/// True if `name` is a hop-by-hop header field (compared ASCII
/// case-insensitively): `Connection`, `Keep-Alive`, `Proxy-Authenticate`,
/// `Proxy-Authorization`, `TE`, `Trailer`, `Trailers`, `Transfer-Encoding`
/// or `Upgrade` (U-7, HDR-003).
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

/// Appends `bytes` to `url` unchanged except for control, space and
/// non-ASCII bytes, which are percent-escaped.
fn push_verbatim(url: &mut String, bytes: &[u8]) {
    url.extend(percent_encode(bytes, VERBATIM_SET));
}

#[cfg(test)]
mod tests {
    //! Ports of CPython's `test_wsgiref.UtilityTests` (T-11..T-19) and the
    //! observed extra vectors of the parity reference (U-1..U-7).
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
        // T-11; U-5.
        check_shift("", "/", Some(""), "/", "");
        check_shift("", "/x", Some("x"), "/x", "");
        check_shift("/", "", None, "/", "");
        check_shift("/a", "/x/y", Some("x"), "/a/x", "/y");
        check_shift("/a", "/x/", Some("x"), "/a/x", "/");
    }

    #[test]
    fn normalized_shifts() {
        // T-12; U-5: "..", empty segments, ".", trailing slashes.
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
        // U-5 (observed under CPython): root "//", ".." at the root, no
        // percent-decoding, and a PATH_INFO without a leading "/".
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
        // U-5: an empty or missing PATH_INFO returns None, environ untouched.
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
        // Deviation: wsgiref raises IndexError for a PATH_INFO without "/".
        let mut env = Environ::new();
        env.set("SCRIPT_NAME", "/a");
        env.set("PATH_INFO", "x");
        assert_eq!(shift_path_info(&mut env), None);
        assert_eq!(env.get_str("SCRIPT_NAME"), Some("/a"));
        assert_eq!(env.get_str("PATH_INFO"), Some("x"));
    }

    #[test]
    fn shift_keeps_non_utf8_bytes() {
        // PATH_INFO is decoded bytes; segments need not be UTF-8.
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
        // T-13; U-6.
        let env = env_with(&[]);
        for (key, value) in [
            ("SERVER_NAME", "127.0.0.1"),
            ("SERVER_PROTOCOL", "HTTP/1.0"),
            ("HTTP_HOST", "127.0.0.1"),
            ("REQUEST_METHOD", "GET"),
            ("SCRIPT_NAME", ""),
            ("PATH_INFO", "/"),
            ("SERVER_PORT", "80"),
        ] {
            assert_eq!(env.get_str(key), Some(value), "{key}");
        }
        assert_eq!(env.iter().count(), 7, "nothing else is added: {env:?}");
        for key in ["QUERY_STRING", "CONTENT_TYPE", "CONTENT_LENGTH"] {
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
        // T-13 (an existing value is kept), U-6 (even when empty).
        for key in [
            "SERVER_NAME",
            "SERVER_PROTOCOL",
            "HTTP_HOST",
            "REQUEST_METHOD",
            "SCRIPT_NAME",
            "PATH_INFO",
            "SERVER_PORT",
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
        // U-6: only if neither is present are both added.
        let env = env_with(&[("SCRIPT_NAME", "/app")]);
        assert_eq!(env.get_str("SCRIPT_NAME"), Some("/app"));
        assert!(!env.contains("PATH_INFO"));
        let env = env_with(&[("PATH_INFO", "/x")]);
        assert_eq!(env.get_str("PATH_INFO"), Some("/x"));
        assert!(!env.contains("SCRIPT_NAME"));
    }

    #[test]
    fn testing_cross_defaults() {
        // T-14; U-6: HTTP_HOST follows SERVER_NAME; HTTPS gives the scheme,
        // and the scheme the port.
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
        // T-15; U-2: exactly "yes", "on", "1", case-sensitively.
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
        // T-16; U-3.
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
        // U-3 (observed): the default port depends on the scheme; HTTP_HOST's
        // port is kept as is; SCRIPT_NAME keeps only "/", letters, digits
        // and "-._~".
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
    fn application_uri_without_server_name_or_port() {
        // Deviation (wsgiref raises KeyError): absent keys count as empty.
        let env = Environ::new();
        assert_eq!(application_uri(&env), "http:///");
        let mut env = Environ::new();
        env.set("SERVER_NAME", "h");
        assert_eq!(application_uri(&env), "http://h/");
    }

    #[test]
    fn request_uri_vectors() {
        // T-17; U-4.
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
            "http://127.0.0.1/spammity/spam;ham"
        );
        assert_eq!(
            uri(
                &[
                    ("SCRIPT_NAME", "/spammity"),
                    ("PATH_INFO", "/spam;cookie=1234,5678")
                ],
                true
            ),
            "http://127.0.0.1/spammity/spam;cookie=1234,5678"
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
        // U-4 (observed): "?" and "#" escaped, ";=," and "~" kept, no
        // duplicate slash at an empty SCRIPT_NAME, a SCRIPT_NAME ending in
        // "/" gives "//", an empty query adds no "?".
        let uri = |pairs: &[(&'static str, &'static str)]| request_uri(&env_with(pairs), true);
        assert_eq!(
            uri(&[("SCRIPT_NAME", ""), ("PATH_INFO", "/a?b#c;d=e,f~g h")]),
            "http://127.0.0.1/a%3Fb%23c;d=e,f~g%20h"
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
        // Deviation: wsgiref drops the first character whatever it is and
        // gives "http://h/" here, losing the "x".
        let mut env = Environ::new();
        env.set("HTTP_HOST", "h");
        env.set("PATH_INFO", "x");
        assert_eq!(request_uri(&env, true), "http://h/x");
    }

    #[test]
    fn verbatim_parts_escape_only_what_a_url_cannot_hold() {
        let mut env = Environ::new();
        env.set("HTTP_HOST", &b"h\xe9:1"[..]);
        env.set("QUERY_STRING", &b"a=%20&b=\xff c\r"[..]);
        assert_eq!(request_uri(&env, true), "http://h%E9:1/?a=%20&b=%FF%20c%0D");
    }

    #[test]
    fn hop_by_hop_names() {
        // T-19; U-7: the 8 names of wsgiref, 4 case variants each.
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
        // Deviation from T-19 (wsgiref says False for "Trailer"): RFC 9110's
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
        // T-18; U-1: blocks of the given size; iterating to the end does not
        // close the reader, dropping the wrapper does.
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
