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
#[path = "../../tests/programs/mod.rs"]
mod programs;

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

/// `custom_server` over the wire (hello and base64_app are checked the same
/// way in validator_cli.rs, cgi_hello through --cgi and lighttpd).
#[test]
fn custom_server_passes_the_catalogue_over_the_wire() {
    let program = programs::example_path("custom_server");
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
