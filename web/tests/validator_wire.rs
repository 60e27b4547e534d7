//! Every example, run as a program on `rgi::simple_server`, passes the
//! validator CLI's whole catalogue over the wire with no error and no
//! warning (`--strict`).

#[path = "../../tests/programs/mod.rs"]
mod programs;

use std::path::PathBuf;
use std::process::Command;

/// Builds the `rgi-validator` binary in this test's profile and returns
/// its path (a dependency's binary is not built for this package's tests).
fn validator() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut cmd = Command::new(cargo);
    cmd.args([
        "build",
        "--quiet",
        "-p",
        "rgi-validator",
        "--bin",
        "rgi-validator",
    ])
    .current_dir(programs::workspace_root());
    if programs::profile_dir().ends_with("release") {
        cmd.arg("--release");
    }
    let output = cmd.output().expect("run cargo build");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    programs::profile_dir().join("rgi-validator")
}

fn passes_over_the_wire(example: &str) {
    let program = programs::package_example_path("rgi-web", example);
    let out = Command::new(validator())
        .args(["--cmd", &format!("{} {{addr}}", program.display())])
        .args(["--strict", "--format", "json", "--timeout", "30"])
        .output()
        .expect("run rgi-validator");
    let json = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{json}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(json.contains("\"errors\":0,\"warnings\":0,"), "{json}");
}

#[test]
fn pysgi_over_the_wire() {
    passes_over_the_wire("pysgi");
}

#[test]
fn rest_over_the_wire() {
    passes_over_the_wire("rest");
}

#[test]
fn socketify_over_the_wire() {
    passes_over_the_wire("socketify");
}

#[test]
fn items_over_the_wire() {
    passes_over_the_wire("items");
}

#[test]
fn chat_over_the_wire() {
    passes_over_the_wire("chat");
}
