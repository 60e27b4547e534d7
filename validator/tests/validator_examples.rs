//! Every example application passes the whole fixture catalogue with zero
//! findings — errors, warnings and advice — in-process under
//! `rgi::validate`, and the server examples pass it over the wire too.

#[allow(dead_code)] // the example's `main` is not used here
#[path = "../../examples/base64_app.rs"]
mod base64_app;
#[allow(dead_code)]
#[path = "../../examples/cgi_hello.rs"]
mod cgi_hello;
#[allow(dead_code)]
#[path = "../../examples/custom_server.rs"]
mod custom_server;
#[allow(dead_code)]
#[path = "../../examples/hello.rs"]
mod hello;

use std::path::PathBuf;
use std::process::Command;

use rgi_validator::check_app;

#[test]
fn hello_passes_the_catalogue_in_process() {
    check_app(rgi::app(hello::hello)).assert_clean();
}

#[test]
fn base64_app_passes_the_catalogue_in_process() {
    check_app(rgi::app(base64_app::base64_app)).assert_clean();
}

#[test]
fn custom_server_passes_the_catalogue_in_process() {
    check_app(rgi::app(custom_server::app)).assert_clean();
}

#[test]
fn cgi_hello_passes_the_catalogue_in_process() {
    check_app(rgi::app(cgi_hello::hello)).assert_clean();
}

/// The example binary `name`, built if needed.
fn example(name: &str) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let status = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "-p", "rgi", "--example", name])
        .current_dir(&root)
        .status()
        .expect("run cargo build");
    assert!(status.success(), "cargo build --example {name} failed");
    let exe = std::env::current_exe().expect("test binary path");
    // target/<profile>/deps/<test> -> target/<profile>/examples/<name>
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>");
    profile_dir.join("examples").join(name)
}

/// `custom_server` over the wire (hello and base64_app are checked the same
/// way in validator_cli.rs, cgi_hello through --cgi and lighttpd).
#[test]
fn custom_server_passes_the_catalogue_over_the_wire() {
    let program = example("custom_server");
    let out = Command::new(env!("CARGO_BIN_EXE_rgi-validator"))
        .args([
            "--cmd",
            &format!("{} {{addr}}", program.display()),
            "--strict",
            "--format",
            "json",
            "--timeout",
            "30",
        ])
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
