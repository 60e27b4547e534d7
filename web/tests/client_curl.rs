//! curl with a cookie jar through the pysgi, socketify and items examples,
//! each run as a program on `rgi::simple_server`. Needs curl; skipped with
//! the reason printed when it is missing, unless `CI=true`.

#[path = "../../tests/client_support/mod.rs"]
mod client_support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use client_support::{package_example_path, start_program, tool, Running};

/// A cookie jar file of its own for each test.
fn jar(tag: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("rgi-web-{tag}-{}.jar", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

/// Runs curl with `args` (silent, failing on no status) and returns stdout.
fn curl(curl: &Path, args: &[&str]) -> String {
    let output = client_support::run(
        Command::new(curl).arg("-sS").args(args),
        Duration::from_secs(30),
    );
    assert!(
        output.status.success(),
        "curl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn start(example: &str) -> Running {
    start_program(&package_example_path("rgi-web", example))
}

#[test]
fn pysgi_cookie_round_trip() {
    let Some(curl_path) = tool("curl") else {
        return;
    };
    let server = start("pysgi");
    let jar = jar("pysgi");
    let jar_s = jar.to_str().expect("a UTF-8 temp path");
    let head = curl(&curl_path, &["-i", "-c", jar_s, &server.url("/cookies")]);
    assert!(head.contains("Authorization: utokenAuth123"), "{head}");
    let stored = std::fs::read_to_string(&jar).expect("curl wrote the jar");
    assert!(
        stored.lines().any(|l| l.ends_with("\tAuth\tutokenAuth123")),
        "{stored}"
    );
    let seen = curl(
        &curl_path,
        &["-b", jar_s, "-d", "payload", &server.url("/request?x=1")],
    );
    let seen: serde_json::Value = serde_json::from_str(&seen).expect("JSON");
    assert_eq!(seen["cookies"]["Auth"], "utokenAuth123", "{seen}");
    assert_eq!(
        (seen["method"].as_str(), seen["body"].as_str()),
        (Some("POST"), Some("payload"))
    );
    assert_eq!(seen["args"]["x"], "1");
    let user = curl(&curl_path, &["-X", "DELETE", &server.url("/user")]);
    assert_eq!(user, "DELETE /user");
    let refused = curl(&curl_path, &["-i", &server.url("/user")]);
    assert!(refused.starts_with("HTTP/1.1 405"), "{refused}");
    assert!(
        refused.contains("Allow: DELETE, POST, OPTIONS"),
        "{refused}"
    );
    let _ = std::fs::remove_file(&jar);
}

#[test]
fn socketify_cookie_with_options() {
    let Some(curl_path) = tool("curl") else {
        return;
    };
    let server = start("socketify");
    let jar = jar("socketify");
    let jar_s = jar.to_str().expect("a UTF-8 temp path");
    let first = curl(&curl_path, &["-c", jar_s, &server.url("/cookies")]);
    assert_eq!(first, "Your session_id cookie is: (not set)");
    // The jar marks the cookie HttpOnly (#HttpOnly_ prefix), Secure (TRUE),
    // for path /, with an expiry in the future.
    let stored = std::fs::read_to_string(&jar).expect("curl wrote the jar");
    let line = stored
        .lines()
        .find(|l| l.contains("\tsession_id\t1234567890"))
        .unwrap_or_else(|| panic!("no session_id in the jar:\n{stored}"));
    let fields: Vec<&str> = line.split('\t').collect();
    assert!(fields[0].starts_with("#HttpOnly_"), "{line}");
    assert_eq!(
        (fields[2], fields[3]),
        ("/", "TRUE"),
        "path and secure: {line}"
    );
    let expires: u64 = fields[4].parse().expect("an expiry");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    assert!(
        expires > now && expires <= now + 31 * 60,
        "expires in about 30 minutes: {line}"
    );
    // Over plain http a Secure cookie goes back only to localhost-like hosts;
    // through a header the handler reads it like any other.
    let second = curl(
        &curl_path,
        &["-H", "Cookie: session_id=abc", &server.url("/cookies")],
    );
    assert_eq!(second, "Your session_id cookie is: abc");
    let followed = curl(&curl_path, &["-L", &server.url("/redirect")]);
    assert_eq!(followed, "You were redirected here");
    assert_eq!(
        curl(&curl_path, &[&server.url("/send_in_parts")]),
        "I can send messages in parts!"
    );
    let _ = std::fs::remove_file(&jar);
}

#[test]
fn items_session_through_a_jar() {
    let Some(curl_path) = tool("curl") else {
        return;
    };
    let server = start("items");
    let jar = jar("items");
    let jar_s = jar.to_str().expect("a UTF-8 temp path");
    // Log in (a form POST, 303 to /items, followed), keeping the cookie.
    let listed = curl(
        &curl_path,
        &["-L", "-c", jar_s, "-d", "name=ada", &server.url("/login")],
    );
    assert_eq!(listed, "[]");
    let created = curl(
        &curl_path,
        &[
            "-b",
            jar_s,
            "-H",
            "Content-Type: application/json",
            "-d",
            r#"{"name":"apple"}"#,
            &server.url("/items"),
        ],
    );
    assert_eq!(created, r#"{"id":1,"name":"apple","owner":"ada"}"#);
    assert_eq!(curl(&curl_path, &[&server.url("/items/1")]), created);
    let bad = curl(&curl_path, &["-i", "-d", "{oops", &server.url("/items")]);
    assert!(bad.starts_with("HTTP/1.1 400"), "{bad}");
    assert!(
        server.stderr().contains("not valid JSON"),
        "{}",
        server.stderr()
    );
    let _ = std::fs::remove_file(&jar);
}
