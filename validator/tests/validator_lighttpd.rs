//! The whole chain over the wire: the cgi_hello example as a CGI program
//! under lighttpd (mod_cgi), checked by `rgi-validator --url --prefix`.
//!
//! Skipped (with a message) only when lighttpd is not installed and `CI` is
//! not `true`; in CI it must run (`apt-get install -y lighttpd`).

#[path = "../../tests/programs/mod.rs"]
mod programs;

use std::process::Command;

#[test]
fn cgi_hello_under_lighttpd_passes_over_the_wire() {
    let Some(lighttpd) = programs::lighttpd() else {
        return;
    };
    let program = programs::example_path("cgi_hello");
    let server = programs::Lighttpd::start(&lighttpd, &program, "validator-lighttpd");
    let port = server.port;
    let out = Command::new(env!("CARGO_BIN_EXE_rgi-validator"))
        .args([
            "--url",
            &format!("http://127.0.0.1:{port}"),
            "--prefix",
            "/cgi-bin/hello.cgi",
            "--timeout",
            "30",
        ])
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{report}");
    assert!(report.contains(", 0 error(s)"), "{report}");
    // The application answered (not lighttpd's own 404).
    assert!(
        report.contains("post-chunked                 200"),
        "{report}"
    );
}
