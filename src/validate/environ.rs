//! Checks of the environ a server (or a middleware) hands to the
//! application, made before the application is called.

use super::core::server;
use super::finding::Finding;
use super::ids;
use crate::start_response::is_token;
use crate::Environ;

/// The CGI keys every environ carries, with the rule that requires each.
pub(crate) const REQUIRED_KEYS: [(&str, &str); 8] = [
    ("REQUEST_METHOD", ids::ENV_METHOD),
    ("SCRIPT_NAME", ids::ENV_SCRIPT_NAME),
    ("PATH_INFO", ids::ENV_PATH_INFO),
    ("QUERY_STRING", ids::ENV_QUERY_STRING),
    ("SERVER_NAME", ids::ENV_SERVER_NAME),
    ("SERVER_PORT", ids::ENV_SERVER_PORT),
    ("SERVER_PROTOCOL", ids::ENV_PROTOCOL),
    ("REQUEST_URI", ids::ENV_REQUEST_URI),
];

fn digits(value: &[u8]) -> bool {
    !value.is_empty() && value.iter().all(u8::is_ascii_digit)
}

/// `HTTP/` digit `.` digit.
fn protocol_form(value: &[u8]) -> bool {
    match value.strip_prefix(b"HTTP/") {
        Some([major, b'.', minor]) => major.is_ascii_digit() && minor.is_ascii_digit(),
        _ => false,
    }
}

/// A CGI-style key: ASCII upper-case letters, digits and `_`.
fn cgi_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// Every environ finding, in a fixed order.
pub(crate) fn check_environ(env: &Environ) -> Vec<Finding> {
    let mut out = Vec::new();
    for (key, rule) in REQUIRED_KEYS {
        if !env.contains(key) {
            out.push(server(
                rule,
                format!("the environ has no {key}"),
                "set every required CGI key, with \"\" where the value is empty (SCRIPT_NAME, PATH_INFO, QUERY_STRING)",
            ));
        }
    }
    if let Some(method) = env.get("REQUEST_METHOD") {
        if !method.as_str().is_some_and(is_token) {
            out.push(server(
                ids::ENV_METHOD,
                format!("REQUEST_METHOD is {method:?}, not an HTTP token"),
                "pass the request method exactly as the client sent it (a non-empty token such as \"GET\")",
            ));
        }
    }
    if let Some(script) = env.get("SCRIPT_NAME") {
        let bytes = script.as_bytes();
        if bytes == b"/" || (!bytes.is_empty() && bytes[0] != b'/') {
            out.push(server(
                ids::ENV_SCRIPT_NAME,
                format!("SCRIPT_NAME is {script:?}"),
                "SCRIPT_NAME is \"\" for an application at the root, otherwise it starts with \"/\" and is not \"/\" itself (the slash goes to PATH_INFO)",
            ));
        }
    }
    if let Some(path) = env.get("PATH_INFO") {
        let bytes = path.as_bytes();
        let asterisk = bytes == b"*"
            && env.get_bytes("REQUEST_METHOD") == Some(b"OPTIONS")
            && env.get_bytes("SCRIPT_NAME").is_some_and(<[u8]>::is_empty);
        if !bytes.is_empty() && bytes[0] != b'/' && !asterisk {
            out.push(server(
                ids::ENV_PATH_INFO,
                format!("PATH_INFO is {path:?}"),
                "PATH_INFO is \"\" or starts with \"/\" (or is \"*\" for OPTIONS * with an empty SCRIPT_NAME)",
            ));
        }
    }
    if let Some(length) = env.get("CONTENT_LENGTH") {
        if !digits(length.as_bytes()) {
            out.push(server(
                ids::ENV_CONTENT_LENGTH,
                format!("CONTENT_LENGTH is {length:?}"),
                "CONTENT_LENGTH is absent or the decimal digits of the request body's length",
            ));
        }
    }
    if let Some(name) = env.get("SERVER_NAME") {
        if name.is_empty() {
            out.push(server(
                ids::ENV_SERVER_NAME,
                "SERVER_NAME is empty".to_owned(),
                "set SERVER_NAME to the host name (or address) the server is reached at",
            ));
        } else if name.as_bytes().contains(&b':') && !name.as_bytes().starts_with(b"[") {
            // ENV-011 (RFC 3875 4.1.14): an IPv6 address goes in brackets.
            out.push(server(
                ids::ENV_SERVER_NAME,
                format!("SERVER_NAME is {name:?}, an IPv6 address without brackets"),
                "write an IPv6 SERVER_NAME in brackets, e.g. \"[::1]\", so that URLs rebuilt from it stay valid",
            ));
        }
    }
    if let Some(port) = env.get("SERVER_PORT") {
        if !digits(port.as_bytes()) {
            out.push(server(
                ids::ENV_SERVER_PORT,
                format!("SERVER_PORT is {port:?}"),
                "SERVER_PORT is the port number in decimal digits, e.g. \"8080\"",
            ));
        }
    }
    if let Some(protocol) = env.get("SERVER_PROTOCOL") {
        if !protocol_form(protocol.as_bytes()) {
            out.push(server(
                ids::ENV_PROTOCOL,
                format!("SERVER_PROTOCOL is {protocol:?}"),
                "SERVER_PROTOCOL is the protocol version of the request, e.g. \"HTTP/1.1\"",
            ));
        }
    }
    for key in ["HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"] {
        if env.contains(key) {
            out.push(server(
                ids::ENV_NO_HTTP_CONTENT,
                format!("the environ has {key}"),
                "put the Content-Type and Content-Length request headers in CONTENT_TYPE and CONTENT_LENGTH, never in HTTP_*",
            ));
        }
    }
    if env.input_terminated() && env.contains("CONTENT_LENGTH") {
        out.push(server(
            ids::ENV_TERMINATED,
            "input_terminated() is true and CONTENT_LENGTH is present".to_owned(),
            "for a chunked request body set input_terminated and leave CONTENT_LENGTH out; for a Content-Length body set CONTENT_LENGTH and leave input_terminated false",
        ));
    }
    for (key, rule, what) in [
        ("REMOTE_ADDR", ids::ENV_REMOTE_ADDR, "the peer's IP address"),
        ("REMOTE_PORT", ids::ENV_REMOTE_PORT, "the peer's port"),
        ("GATEWAY_INTERFACE", ids::ENV_GATEWAY, "\"CGI/1.1\""),
        (
            "SERVER_SOFTWARE",
            ids::ENV_SOFTWARE,
            "the server's name/version",
        ),
    ] {
        if !env.contains(key) {
            out.push(server(
                rule,
                format!("the environ has no {key} ({what})"),
                "set REMOTE_ADDR, REMOTE_PORT (digits), GATEWAY_INTERFACE (\"CGI/1.1\") and SERVER_SOFTWARE",
            ));
        }
    }
    if let Some(port) = env.get("REMOTE_PORT") {
        if !digits(port.as_bytes()) {
            out.push(server(
                ids::ENV_REMOTE_PORT,
                format!("REMOTE_PORT is {port:?}"),
                "REMOTE_PORT is the peer's port in decimal digits",
            ));
        }
    }
    if let Some(gateway) = env.get("GATEWAY_INTERFACE") {
        if gateway != "CGI/1.1" {
            out.push(server(
                ids::ENV_GATEWAY,
                format!("GATEWAY_INTERFACE is {gateway:?}"),
                "set GATEWAY_INTERFACE to \"CGI/1.1\"",
            ));
        }
    }
    for key in ["REMOTE_USER", "HTTPS", "AUTH_TYPE", "REMOTE_HOST"] {
        if env.get(key).is_some_and(|v| v.is_empty()) {
            out.push(server(
                ids::ENV_NOT_EMPTY,
                format!("{key} is present but empty"),
                "leave out keys that do not apply to the request instead of setting them to \"\"",
            ));
        }
    }
    if env.url_scheme() == "https" && env.get("HTTPS").is_some_and(|v| v != "on") {
        out.push(server(
            ids::ENV_NOT_EMPTY,
            format!("the scheme is https but HTTPS is {:?}", env.get("HTTPS")),
            "over TLS set HTTPS to \"on\"",
        ));
    }
    if let Some((key, value)) = env.iter().find(|(k, v)| {
        k.starts_with("HTTP_")
            && (v
                .as_bytes()
                .first()
                .is_some_and(|b| *b == b' ' || *b == b'\t')
                || v.as_bytes()
                    .last()
                    .is_some_and(|b| *b == b' ' || *b == b'\t'))
    }) {
        out.push(server(
            ids::ENV_TRIMMED,
            format!("{key} is {value:?}, with surrounding whitespace"),
            "remove leading and trailing spaces and tabs from header values before putting them in the environ",
        ));
    }
    if let Some((key, _)) = env.iter().find(|(k, _)| !cgi_key(k)) {
        out.push(server(
            ids::ENV_KEYS,
            format!("the CGI map has the key {key:?}"),
            "put only CGI-style keys (A-Z, 0-9, _) in the map; rgi.* entries are typed fields, other data goes into extensions()",
        ));
    }
    let scheme = env.url_scheme();
    if scheme != "http" && scheme != "https" {
        out.push(server(
            ids::ENV_URL_SCHEME,
            format!("rgi.url_scheme is {scheme:?}"),
            "set the URL scheme to \"http\" or \"https\"",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> Environ {
        let mut env = Environ::new();
        for (k, v) in [
            ("REQUEST_METHOD", "GET"),
            ("SCRIPT_NAME", ""),
            ("PATH_INFO", "/"),
            ("QUERY_STRING", ""),
            ("SERVER_NAME", "localhost"),
            ("SERVER_PORT", "80"),
            ("SERVER_PROTOCOL", "HTTP/1.1"),
            ("REQUEST_URI", "/"),
            ("REMOTE_ADDR", "127.0.0.1"),
            ("REMOTE_PORT", "5000"),
            ("GATEWAY_INTERFACE", "CGI/1.1"),
            ("SERVER_SOFTWARE", "test/1"),
        ] {
            env.set(k, v);
        }
        env
    }

    fn rules(env: &Environ) -> Vec<&'static str> {
        check_environ(env).into_iter().map(|f| f.rule).collect()
    }

    #[test]
    fn a_good_environ_passes() {
        assert!(rules(&good()).is_empty());
    }

    #[test]
    fn each_bad_value_names_its_rule() {
        let cases: [(&str, &'static str, &str); 9] = [
            ("REQUEST_METHOD", "GE T", ids::ENV_METHOD),
            ("SCRIPT_NAME", "/", ids::ENV_SCRIPT_NAME),
            ("SCRIPT_NAME", "app", ids::ENV_SCRIPT_NAME),
            ("PATH_INFO", "x", ids::ENV_PATH_INFO),
            ("CONTENT_LENGTH", "-1", ids::ENV_CONTENT_LENGTH),
            ("SERVER_NAME", "", ids::ENV_SERVER_NAME),
            ("SERVER_PORT", "http", ids::ENV_SERVER_PORT),
            ("SERVER_PROTOCOL", "HTTP/1.1.1", ids::ENV_PROTOCOL),
            ("HTTP_CONTENT_TYPE", "text/plain", ids::ENV_NO_HTTP_CONTENT),
        ];
        for (key, value, rule) in cases {
            let mut env = good();
            env.set(key, value);
            assert_eq!(rules(&env), [rule], "{key}={value:?}");
        }
        let mut env = good();
        env.remove("SERVER_PORT");
        assert_eq!(rules(&env), [ids::ENV_SERVER_PORT]);
        for (key, value, rule) in [
            ("REMOTE_PORT", "x", ids::ENV_REMOTE_PORT),
            ("GATEWAY_INTERFACE", "CGI/1.0", ids::ENV_GATEWAY),
            ("REMOTE_USER", "", ids::ENV_NOT_EMPTY),
            ("HTTP_ACCEPT", " text/html", ids::ENV_TRIMMED),
        ] {
            let mut env = good();
            env.set(key, value);
            assert_eq!(rules(&env), [rule], "{key}={value:?}");
        }
        for (key, rule) in [
            ("REMOTE_ADDR", ids::ENV_REMOTE_ADDR),
            ("SERVER_SOFTWARE", ids::ENV_SOFTWARE),
        ] {
            let mut env = good();
            env.remove(key);
            assert_eq!(rules(&env), [rule], "{key} missing");
        }
        let mut env = good();
        env.set("rgi.version", "1.0");
        assert_eq!(rules(&env), [ids::ENV_KEYS]);
        let mut env = good();
        env.set("CONTENT_LENGTH", "5");
        env.set_input_terminated(true);
        assert_eq!(rules(&env), [ids::ENV_TERMINATED]);
        let mut env = good();
        env.set("REQUEST_METHOD", "OPTIONS");
        env.set("PATH_INFO", "*");
        assert!(rules(&env).is_empty());
        let mut env = good();
        env.set_url_scheme("ftp");
        assert_eq!(rules(&env), [ids::ENV_URL_SCHEME]);
    }

    #[test]
    fn protocol_forms() {
        for ok in ["HTTP/1.0", "HTTP/1.1", "HTTP/2.0"] {
            assert!(protocol_form(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "",
            "HTTP/",
            "http/1.1",
            "HTTP/1.",
            "HTTP/11",
            "HTTP/1.1 ",
            "HTTP/2",
        ] {
            assert!(!protocol_form(bad.as_bytes()), "{bad}");
        }
    }
}
