//! The proxy-headers middleware (`rgi::proxy`, spec 8.6): trusted peers
//! only, the chain walked from the right, malformed values ignored and
//! logged — and the spoofing attempts a client behind nginx can make.

use std::io::Write;
use std::sync::{Arc, Mutex};

use rgi::proxy::{self, Original, ProxyConfig, ProxyHeader, ProxyHeaders};
use rgi::simple_server::ConnInfo;
use rgi::test::TestClient;
use rgi::{Body, Environ};

/// An error stream the test can read back.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl Write for Log {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Log {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// The environ a server builds for a request from `peer` to backend:8000.
fn request(peer: &str, headers: &[(&str, &str)]) -> (Environ, Log) {
    let mut env = Environ::new();
    env.set("REQUEST_METHOD", "GET");
    env.set("SCRIPT_NAME", "");
    env.set("PATH_INFO", "/page");
    env.set("REQUEST_URI", "/page");
    env.set("REMOTE_ADDR", peer.to_owned());
    env.set("REMOTE_PORT", "40000");
    env.set("SERVER_NAME", "backend");
    env.set("SERVER_PORT", "8000");
    env.set("HTTP_HOST", "backend:8000");
    for (key, value) in headers {
        env.set(key.to_string(), value.to_string());
    }
    let log = Log::default();
    env.set_errors(Box::new(log.clone()));
    (env, log)
}

/// The defaults with every header read.
fn all() -> ProxyConfig {
    ProxyConfig::new().headers(&ProxyHeader::ALL)
}

fn rewritten(config: &ProxyConfig, peer: &str, headers: &[(&str, &str)]) -> (Environ, Log) {
    let (mut env, log) = request(peer, headers);
    proxy::apply(config, &mut env);
    (env, log)
}

fn get<'e>(env: &'e Environ, key: &str) -> &'e str {
    env.get_str(key).unwrap_or("<absent>")
}

/// The keys PROXY-006 may rewrite, as one line, for compact assertions.
fn summary(env: &Environ) -> String {
    format!(
        "{}:{} {} {} {}:{} [{}]",
        get(env, "REMOTE_ADDR"),
        get(env, "REMOTE_PORT"),
        env.url_scheme(),
        get(env, "HTTP_HOST"),
        get(env, "SERVER_NAME"),
        get(env, "SERVER_PORT"),
        get(env, "SCRIPT_NAME"),
    )
}

const UNTOUCHED: &str = "10.9.9.9:40000 http backend:8000 backend:8000 []";

#[test]
fn untrusted_peers_headers_are_ignored() {
    // PROXY-001: a client connecting directly sends every header it likes.
    let spoof = [
        ("HTTP_X_FORWARDED_FOR", "127.0.0.1"),
        ("HTTP_X_FORWARDED_PROTO", "https"),
        ("HTTP_X_FORWARDED_HOST", "bank.example"),
        ("HTTP_X_FORWARDED_PORT", "443"),
        ("HTTP_X_FORWARDED_PREFIX", "/admin"),
        (
            "HTTP_FORWARDED",
            "for=127.0.0.1;proto=https;host=bank.example",
        ),
        ("HTTP_X_REAL_IP", "127.0.0.1"),
    ];
    let (env, log) = rewritten(&all(), "10.9.9.9", &spoof);
    assert_eq!(summary(&env), UNTOUCHED);
    assert!(env.extensions().get::<Original>().is_none());
    assert_eq!(log.text(), "");
    // The headers themselves reach the application untouched.
    assert_eq!(get(&env, "HTTP_X_REAL_IP"), "127.0.0.1");
    assert_eq!(
        get(&env, "HTTP_FORWARDED"),
        "for=127.0.0.1;proto=https;host=bank.example"
    );
}

#[test]
fn loopback_is_the_default_trusted_set() {
    // PROXY-001: 127.0.0.0/8, ::1 and their IPv4-mapped forms.
    let config = ProxyConfig::new();
    for peer in ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"] {
        let (env, _) = rewritten(&config, peer, &[("HTTP_X_FORWARDED_FOR", "203.0.113.7")]);
        assert_eq!(get(&env, "REMOTE_ADDR"), "203.0.113.7", "peer {peer}");
    }
    for peer in ["10.0.0.1", "192.168.1.1", "::2", "not an address", ""] {
        let (env, _) = rewritten(&config, peer, &[("HTTP_X_FORWARDED_FOR", "203.0.113.7")]);
        assert_eq!(get(&env, "REMOTE_ADDR"), peer, "peer {peer}");
    }
}

#[test]
fn only_x_forwarded_for_and_proto_are_read_by_default() {
    // PROXY-009: what a proxy does not set, the client can.
    let headers = [
        ("HTTP_X_FORWARDED_FOR", "203.0.113.7"),
        ("HTTP_X_FORWARDED_PROTO", "https"),
        ("HTTP_X_FORWARDED_HOST", "forged.example"),
        ("HTTP_X_FORWARDED_PORT", "1"),
        ("HTTP_X_FORWARDED_PREFIX", "/forged"),
        ("HTTP_FORWARDED", "for=6.6.6.6;host=forged.example"),
    ];
    let (env, log) = rewritten(&ProxyConfig::new(), "127.0.0.1", &headers);
    assert_eq!(
        summary(&env),
        "203.0.113.7:40000 https backend:8000 backend:8000 []"
    );
    assert_eq!(log.text(), "");
}

#[test]
fn listed_ranges_replace_the_default() {
    let config = ProxyConfig::new()
        .trust_list("10.0.0.0/8, fd00::/8")
        .unwrap();
    let xff = [("HTTP_X_FORWARDED_FOR", "203.0.113.7")];
    assert_eq!(
        get(&rewritten(&config, "10.1.2.3", &xff).0, "REMOTE_ADDR"),
        "203.0.113.7"
    );
    assert_eq!(
        get(&rewritten(&config, "fd00::5", &xff).0, "REMOTE_ADDR"),
        "203.0.113.7"
    );
    assert_eq!(
        get(&rewritten(&config, "127.0.0.1", &xff).0, "REMOTE_ADDR"),
        "127.0.0.1"
    );
    let error = ProxyConfig::new()
        .trust_list("10.0.0.0/8, 10.0.0.0/40")
        .unwrap_err();
    assert!(error.to_string().contains("10.0.0.0/40"), "{error}");
}

#[test]
fn forged_entries_left_of_the_client_are_ignored() {
    // PROXY-002: nginx appends the address it saw to what the client sent.
    let config = ProxyConfig::new()
        .trust("127.0.0.1")
        .unwrap()
        .trust("10.0.0.0/8")
        .unwrap();
    let cases = [
        ("6.6.6.6, 203.0.113.7", "203.0.113.7"),
        // The client pretends to be a trusted proxy: the walk stops at the
        // first untrusted address, the one nginx saw.
        ("127.0.0.1, 203.0.113.7", "203.0.113.7"),
        ("127.0.0.1, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        // Every entry trusted: the first one.
        ("10.0.0.3, 10.0.0.2", "10.0.0.3"),
        ("203.0.113.7:5123", "203.0.113.7"),
        ("[2001:db8::1]:5123", "2001:db8::1"),
        ("2001:db8::1", "2001:db8::1"),
    ];
    for (xff, client) in cases {
        let (env, log) = rewritten(&config, "10.0.0.1", &[("HTTP_X_FORWARDED_FOR", xff)]);
        assert_eq!(get(&env, "REMOTE_ADDR"), client, "X-Forwarded-For: {xff}");
        assert_eq!(log.text(), "");
    }
    // A port from X-Forwarded-For becomes REMOTE_PORT (PROXY-006).
    let (env, _) = rewritten(
        &config,
        "10.0.0.1",
        &[("HTTP_X_FORWARDED_FOR", "203.0.113.7:5123")],
    );
    assert_eq!(get(&env, "REMOTE_PORT"), "5123");
}

#[test]
fn x_forwarded_headers_rewrite_scheme_host_port_and_prefix() {
    // PROXY-006: the full set, as nginx sends it.
    let headers = [
        ("HTTP_X_FORWARDED_FOR", "203.0.113.7"),
        ("HTTP_X_FORWARDED_PROTO", "https"),
        ("HTTP_X_FORWARDED_HOST", "shop.example"),
        ("HTTP_X_FORWARDED_PREFIX", "/store/"),
    ];
    let (env, log) = rewritten(&all(), "127.0.0.1", &headers);
    assert_eq!(
        summary(&env),
        "203.0.113.7:40000 https shop.example shop.example:443 [/store]"
    );
    assert_eq!(log.text(), "");
    // PATH_INFO and REQUEST_URI are left as they were; so are the headers.
    assert_eq!(get(&env, "PATH_INFO"), "/page");
    assert_eq!(get(&env, "REQUEST_URI"), "/page");
    assert_eq!(get(&env, "HTTP_X_FORWARDED_HOST"), "shop.example");
    // URL reconstruction now gives the URL the client used.
    assert_eq!(
        rgi::util::request_uri(&env, true),
        "https://shop.example/store/page"
    );

    // A port in the host, or X-Forwarded-Port (PROXY-003: the last value).
    let with_port = [("HTTP_X_FORWARDED_HOST", "shop.example:8443")];
    let (env, _) = rewritten(&all(), "127.0.0.1", &with_port);
    assert_eq!(
        summary(&env),
        "127.0.0.1:40000 http shop.example:8443 shop.example:8443 []"
    );
    let port = [
        ("HTTP_X_FORWARDED_HOST", "shop.example"),
        ("HTTP_X_FORWARDED_PROTO", "https"),
        ("HTTP_X_FORWARDED_PORT", "1234, 8443"),
    ];
    let (env, _) = rewritten(&all(), "127.0.0.1", &port);
    assert_eq!(
        summary(&env),
        "127.0.0.1:40000 https shop.example:8443 shop.example:8443 []"
    );
    let default_port = [
        ("HTTP_X_FORWARDED_PROTO", "https"),
        ("HTTP_X_FORWARDED_PORT", "443"),
    ];
    let (env, _) = rewritten(&all(), "127.0.0.1", &default_port);
    assert_eq!(
        summary(&env),
        "127.0.0.1:40000 https backend backend:443 []"
    );
}

#[test]
fn the_last_value_is_the_nearest_proxys() {
    // PROXY-003: the client sent "https", nginx appended the real "http".
    let headers = [
        ("HTTP_X_FORWARDED_PROTO", "https, http"),
        ("HTTP_X_FORWARDED_HOST", "bank.example, shop.example"),
    ];
    let (env, _) = rewritten(&all(), "127.0.0.1", &headers);
    assert_eq!(env.url_scheme(), "http");
    assert_eq!(get(&env, "HTTP_HOST"), "shop.example");
}

#[test]
fn forwarded_names_the_client_and_wins_over_x_forwarded() {
    // PROXY-002, PROXY-003, PROXY-004.
    let headers = [
        (
            "HTTP_FORWARDED",
            r#"for=6.6.6.6;proto=http;host=evil.example, for="[2001:db8::17]:4711";proto=https;host="shop.example", for=127.0.0.2"#,
        ),
        ("HTTP_X_FORWARDED_FOR", "198.51.100.1"),
        ("HTTP_X_FORWARDED_PROTO", "http"),
        ("HTTP_X_FORWARDED_HOST", "other.example"),
        ("HTTP_X_FORWARDED_PREFIX", "/app"),
    ];
    let (env, log) = rewritten(&all(), "127.0.0.1", &headers);
    assert_eq!(
        summary(&env),
        "2001:db8::17:4711 https shop.example shop.example:443 [/app]"
    );
    assert_eq!(log.text(), "");
    // `Forwarded` can be left out of the configuration.
    let config = ProxyConfig::new().headers(&[ProxyHeader::XForwardedFor]);
    let (env, _) = rewritten(&config, "127.0.0.1", &headers);
    assert_eq!(
        summary(&env),
        "198.51.100.1:40000 http backend:8000 backend:8000 []"
    );
}

#[test]
fn unknown_and_obfuscated_clients_keep_the_peer_address() {
    let headers = [("HTTP_FORWARDED", "for=unknown;proto=https")];
    let (env, _) = rewritten(&all(), "127.0.0.1", &headers);
    assert_eq!(get(&env, "REMOTE_ADDR"), "127.0.0.1");
    assert_eq!(env.url_scheme(), "https");
    let headers = [("HTTP_FORWARDED", "for=_gazonk")];
    let (env, _) = rewritten(&all(), "127.0.0.1", &headers);
    assert_eq!(get(&env, "REMOTE_ADDR"), "127.0.0.1");
}

#[test]
fn malformed_values_are_ignored_and_logged() {
    // PROXY-005 and PROXY-008: each bad value leaves its keys alone and
    // names the header in rgi.errors.
    let cases: [(&str, &str, &str); 12] = [
        (
            "HTTP_X_FORWARDED_FOR",
            "203.0.113.7, not-an-ip",
            "X-Forwarded-For",
        ),
        ("HTTP_X_FORWARDED_FOR", "", "X-Forwarded-For"),
        ("HTTP_X_FORWARDED_PROTO", "javascript", "X-Forwarded-Proto"),
        (
            "HTTP_X_FORWARDED_HOST",
            "user@bank.example",
            "X-Forwarded-Host",
        ),
        (
            "HTTP_X_FORWARDED_HOST",
            "shop.example/admin",
            "X-Forwarded-Host",
        ),
        ("HTTP_X_FORWARDED_HOST", "a\"b", "X-Forwarded-Host"),
        (
            "HTTP_X_FORWARDED_HOST",
            "shop.example:99999",
            "X-Forwarded-Host",
        ),
        ("HTTP_X_FORWARDED_PORT", "http", "X-Forwarded-Port"),
        ("HTTP_X_FORWARDED_PORT", "0", "X-Forwarded-Port"),
        ("HTTP_X_FORWARDED_PREFIX", "store", "X-Forwarded-Prefix"),
        ("HTTP_X_FORWARDED_PREFIX", "/a?b", "X-Forwarded-Prefix"),
        ("HTTP_FORWARDED", "for=1.2.3.4;for=5.6.7.8", "Forwarded"),
    ];
    for (key, value, name) in cases {
        let (env, log) = rewritten(&all(), "127.0.0.1", &[(key, value)]);
        assert_eq!(
            summary(&env),
            "127.0.0.1:40000 http backend:8000 backend:8000 []",
            "{key}: {value}"
        );
        let text = log.text();
        assert!(
            text.contains(name) && text.contains("PROXY-005"),
            "{key}: {value}: {text:?}"
        );
    }
    // A value that is not text.
    let (mut env, log) = request("127.0.0.1", &[]);
    env.set("HTTP_X_FORWARDED_FOR", &b"203.0.113.\xff"[..]);
    proxy::apply(&all(), &mut env);
    assert_eq!(get(&env, "REMOTE_ADDR"), "127.0.0.1");
    assert!(log.text().contains("X-Forwarded-For"));
}

#[test]
fn a_malformed_forwarded_falls_back_to_x_forwarded_for() {
    // PROXY-004 speaks of a well-formed Forwarded; PROXY-005 ignores the other.
    let headers = [
        ("HTTP_FORWARDED", "for=\"203.0.113.7"),
        ("HTTP_X_FORWARDED_FOR", "198.51.100.1"),
        ("HTTP_X_FORWARDED_PROTO", "https"),
    ];
    let (env, log) = rewritten(&all(), "127.0.0.1", &headers);
    assert_eq!(get(&env, "REMOTE_ADDR"), "198.51.100.1");
    assert_eq!(env.url_scheme(), "https");
    assert!(log.text().contains("Forwarded"), "{}", log.text());
}

#[test]
fn the_servers_values_stay_in_an_extension() {
    // PROXY-007.
    let headers = [
        ("HTTP_X_FORWARDED_FOR", "203.0.113.7"),
        ("HTTP_X_FORWARDED_PROTO", "https"),
    ];
    let (env, _) = rewritten(&ProxyConfig::new(), "127.0.0.1", &headers);
    let original = env
        .extensions()
        .get::<Original>()
        .expect("the Original extension");
    assert_eq!(original.remote_addr.as_ref().unwrap(), "127.0.0.1");
    assert_eq!(original.remote_port.as_ref().unwrap(), "40000");
    assert_eq!(original.url_scheme, "http");
    assert_eq!(original.http_host.as_ref().unwrap(), "backend:8000");
    assert_eq!(original.server_port.as_ref().unwrap(), "8000");
}

#[test]
fn through_the_middleware_garbage_never_becomes_a_500() {
    // PROXY-005 end to end, with the validator on both sides of the
    // middleware (TestClient validates) and the request from a loopback peer.
    let config = ProxyConfig::new().headers(&ProxyHeader::ALL);
    let app = ProxyHeaders::with_config(
        rgi::app(|env, start| {
            let seen = format!(
                "{} {} {}",
                get(env, "REMOTE_ADDR"),
                env.url_scheme(),
                get(env, "SCRIPT_NAME")
            );
            start.start("200 OK", [("Content-Type", "text/plain")].into())?;
            Ok(Body::from(seen))
        }),
        config,
    );
    let client = TestClient::new(app).conn_info(ConnInfo::default());
    let garbage = [
        "",
        ",,,",
        "\"",
        "for=",
        "[",
        "::::",
        "1.2.3.4:99999",
        "_",
        ";;",
        "for=\"[::1]\"",
    ];
    for value in garbage {
        for name in [
            "Forwarded",
            "X-Forwarded-For",
            "X-Forwarded-Proto",
            "X-Forwarded-Host",
            "X-Forwarded-Port",
            "X-Forwarded-Prefix",
        ] {
            let response = client.request(rgi::test::TestRequest::get("/").header(name, value));
            assert_eq!(response.status(), 200, "{name}: {value:?}");
        }
    }
    let response = client.request(
        rgi::test::TestRequest::get("/")
            .header("X-Forwarded-For", "203.0.113.7")
            .header("X-Forwarded-Proto", "https")
            .header("X-Forwarded-Prefix", "/mounted%20app"),
    );
    assert_eq!(response.text(), "203.0.113.7 https /mounted app");
}
