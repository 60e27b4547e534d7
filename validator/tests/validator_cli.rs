//! The `rgi-validator` command line: `--cgi` against the cgi_hello example,
//! and a deliberately broken server and CGI program that it must catch, each
//! with the expected rule ID.

#[path = "../../tests/programs/mod.rs"]
mod programs;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output};

fn validator(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rgi-validator"))
        .args(args)
        .output()
        .expect("the validator runs")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn cgi_hello_passes_the_catalogue() {
    let program = programs::example_path("cgi_hello");
    let out = validator(&["--cgi", program.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let out = validator(&["--cgi", program.to_str().unwrap(), "--format", "json"]);
    let json = String::from_utf8(out.stdout).unwrap();
    assert!(json.starts_with("{\"target\":"), "{json}");
    assert!(json.contains("\"errors\":0,"), "{json}");
    assert!(json.contains("\"name\":\"post-chunked\""), "{json}");
}

/// A fake HTTP server on a free loopback port: for each request it reads the
/// head (never the body), writes `response`, then keeps the connection open
/// for `hold` before dropping it. Returns its URL.
fn fake_server(response: &'static [u8], hold: std::time::Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut chunk) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let _ = stream.write_all(response);
                std::thread::sleep(hold);
            });
        }
    });
    format!("http://{addr}")
}

/// A fake server whose every response is broken: a Content-Length larger
/// than the body (then close), a header name with a space, no Date, and a
/// body even for HEAD.
fn broken_server() -> String {
    fake_server(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\
          Bad Header: x\r\nContent-Length: 10\r\n\r\nhello",
        std::time::Duration::ZERO,
    )
}

#[test]
fn a_broken_server_is_caught_with_rule_ids() {
    let url = broken_server();
    let out = validator(&[
        "--url",
        &url,
        "--only",
        "get-root,head-root",
        "--timeout",
        "30",
    ]);
    let report = text(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    for rule in ["BODY-003", "HDR-001", "SRV-005", "BODY-006"] {
        assert!(report.contains(rule), "expected {rule} in:\n{report}");
    }
    assert!(report.contains("fix: "), "{report}");

    let out = validator(&["--url", &url, "--only", "head-root", "--format", "json"]);
    let json = String::from_utf8(out.stdout).unwrap();
    assert!(json.contains("\"rule\":\"BODY-006\""), "{json}");
    assert!(json.contains("\"ok\":false"), "{json}");
}

#[test]
fn a_broken_cgi_program_is_caught() {
    let dir = std::env::temp_dir().join(format!("rgi-validator-cgi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("broken.cgi");
    std::fs::write(
        &script,
        "#!/bin/sh\nprintf 'Status: 200\\r\\nContent-Type: text/plain; charset=utf-8\\r\\nContent-Length: 99\\r\\n\\r\\nhi'\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let out = validator(&["--cgi", script.to_str().unwrap(), "--only", "get-root"]);
    let report = text(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(report.contains("START-003"), "{report}");

    std::fs::write(
        &script,
        "#!/bin/sh\nprintf 'Status: 200 OK\\r\\nContent-Type: text/plain; charset=utf-8\\r\\nContent-Length: 99\\r\\n\\r\\nhi'\n",
    )
    .unwrap();
    let out = validator(&[
        "--cgi",
        script.to_str().unwrap(),
        "--only",
        "get-root,head-root",
    ]);
    let report = text(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(report.contains("BODY-003"), "{report}");
    assert!(report.contains("BODY-006"), "{report}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(validator(&[]).status.code(), Some(2));
    assert_eq!(
        validator(&["--cgi", "/nonexistent", "--only", "no-such-fixture"])
            .status
            .code(),
        Some(2)
    );
    let unused = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let out = validator(&["--url", &format!("http://{unused}")]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("cannot connect"), "{}", text(&out));
    let out = validator(&["--list"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("options-star"));
}

#[test]
fn cmd_checks_the_hello_example_over_the_wire() {
    let program = programs::example_path("hello");
    let command = format!("{} {{addr}}", program.display());
    let out = validator(&["--cmd", &command, "--format", "json", "--timeout", "30"]);
    let json = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{}", text(&out));
    assert!(json.contains("\"errors\":0,"), "{json}");
    // Every fixture that runs over the wire got a response.
    assert!(!json.contains("\"status\":null"), "{json}");
    assert!(
        json.contains("\"name\":\"missing-host\",\"status\":400,"),
        "{json}"
    );
}

#[test]
fn the_base64_example_has_no_finding_at_all() {
    let program = programs::example_path("base64_app");
    let command = format!("{} {{addr}}", program.display());
    let out = validator(&[
        "--cmd",
        &command,
        "--format",
        "json",
        "--strict",
        "--timeout",
        "30",
    ]);
    let json = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{}", text(&out));
    assert!(json.contains("\"errors\":0,\"warnings\":0,"), "{json}");
}

#[test]
fn cmd_reports_a_program_that_does_not_listen() {
    let out = validator(&["--cmd", "/bin/true {addr}"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("exited"), "{}", text(&out));
}

#[test]
fn a_server_that_answers_before_reading_the_body_is_not_waited_for() {
    // Answers as soon as the head is in, never reads the 1 MiB body, and
    // keeps the connection open: the runner must not sit in a blocked write.
    let url = fake_server(
        b"HTTP/1.1 413 Content Too Large\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n\
          Server: fake\r\nContent-Type: text/plain; charset=utf-8\r\n\
          Content-Length: 9\r\nConnection: close\r\n\r\ntoo large",
        std::time::Duration::from_secs(40),
    );
    let started = std::time::Instant::now();
    let out = validator(&["--url", &url, "--only", "post-large", "--timeout", "30"]);
    let report = text(&out);
    assert!(report.contains("413"), "{report}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "took {:?}: {report}",
        started.elapsed()
    );
}
