//! Every example application passes the whole fixture catalogue with zero
//! findings — errors, warnings and advice — in-process under
//! `rgi::validate`, and the server examples pass it over the wire too.

#[allow(dead_code)] // the example's `main` is not used here
#[path = "../../examples/base64_app.rs"]
mod base64_app;
#[allow(dead_code)]
#[path = "../../examples/bulk.rs"]
mod bulk;
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
fn bulk_passes_the_catalogue_in_process() {
    check_app(rgi::app(|env, start| bulk::bulk(None, env, start))).assert_clean();
}

/// The bulk example moves what it says: a streamed body of the asked size,
/// an upload counted to the byte (Content-Length and chunked), a file body.
#[test]
fn bulk_streams_counts_and_serves_files() {
    use rgi::test::{TestClient, TestRequest};
    let path = std::env::temp_dir().join(format!("rgi-bulk-{}.bin", std::process::id()));
    std::fs::write(&path, vec![7u8; 300_001]).expect("write the test file");
    let file = Some(path.clone());
    let client = TestClient::new(rgi::app(move |env, start| {
        bulk::bulk(file.as_ref(), env, start)
    }));
    let streamed = client.get("/stream?bytes=3000001");
    streamed.assert_ok();
    assert_eq!(streamed.body().len(), 3_000_001);
    assert!(streamed.body().iter().all(|&b| b == 0));
    let upload = vec![1u8; 1_000_003];
    client.post("/upload", &upload).assert_ok();
    assert_eq!(client.post("/upload", &upload).text(), "1000003\n");
    let chunked = client.request(TestRequest::post("/upload").body(&upload).chunked());
    assert_eq!(chunked.text(), "1000003\n");
    let served = client.get("/file");
    served.assert_ok();
    assert_eq!(served.body(), vec![7u8; 300_001].as_slice());
    let _ = std::fs::remove_file(&path);
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
