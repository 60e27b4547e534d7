//! `rgi-validator --cmd` against rgi-hyper serving each of its examples:
//! the whole wire catalogue, 0 errors and 0 warnings — except HTTP-009's
//! `te-and-cl` fixture, which hyper answers the other way RFC 9112
//! section 6.3 allows (see `known_engine_difference`).

mod support;

use std::process::Command;
use std::time::Duration;

use support::client_support::run;
use support::{hyper_example, programs};

/// The validator binary, built in this test's profile.
fn validator() -> std::path::PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let profile = programs::profile_dir();
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "--quiet", "-p", "rgi-validator"])
        .current_dir(programs::workspace_root());
    if profile.ends_with("release") {
        cmd.arg("--release");
    }
    let output = cmd.output().expect("run cargo build");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    profile.join("rgi-validator")
}

/// hyper reads a request with both Transfer-Encoding and Content-Length by
/// Transfer-Encoding alone, drops the Content-Length and closes the
/// connection after the response (RFC 9112 section 6.3's second choice);
/// HTTP-009 asks for a 400. hyper gives no way to see the dropped field, so
/// this one finding is expected until the spec settles which choice an
/// engine on a third-party parser may make.
fn known_engine_difference(line: &str) -> bool {
    line.contains("HTTP-009") || line.contains("te-and-cl")
}

fn check_example(name: &str) {
    let example = hyper_example(name);
    let cmd = format!("{} {{addr}}", example.display());
    let output = run(
        Command::new(validator()).args(["--cmd", &cmd]),
        Duration::from_secs(120),
    );
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    let summary = text
        .lines()
        .find(|l| l.contains("fixture(s),"))
        .unwrap_or_else(|| panic!("no summary:\n{text}"));
    assert!(
        summary.contains(" 0 warning(s)"),
        "{name}: {summary}\n{text}"
    );
    let unexpected: Vec<&str> = text
        .lines()
        .filter(|l| l.trim_start().starts_with("error") && !known_engine_difference(l))
        .collect();
    assert!(unexpected.is_empty(), "{name}: {unexpected:#?}\n{text}");
    let errors: usize = summary
        .split(" error(s)")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(usize::MAX);
    assert!(errors <= 1, "{name}: {summary}\n{text}");
}

#[test]
fn hello_passes_the_wire_catalogue() {
    check_example("hello");
}

#[test]
fn base64_app_passes_the_wire_catalogue() {
    check_example("base64_app");
}
