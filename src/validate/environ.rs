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
