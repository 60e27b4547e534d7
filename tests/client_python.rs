//! Python's `http.client` against `rgi::simple_server` (serving the echo
//! application in-process): keep-alive with several requests on one
//! connection, a chunked upload, non-UTF-8 path bytes, HEAD. The checks live
//! in `tests/client_python.py`. Skipped with a reason when `python3` is
//! missing, unless `CI=true`.

mod client_support;

use std::process::Command;
use std::time::Duration;

use client_support::{echo_app, serve_in_process, tool};

#[test]
fn python_http_client() {
    let Some(python) = tool("python3") else {
        return;
    };
    let url = serve_in_process(echo_app);
    let (host, port) = url
        .trim_start_matches("http://")
        .rsplit_once(':')
        .expect("http://HOST:PORT");
    let output = client_support::run(
        Command::new(python)
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/client_python.py"
            ))
            .args([host, port]),
        Duration::from_secs(60),
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "stdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for check in ["keep_alive", "chunked_upload", "non_utf8_path", "head"] {
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with(&format!("OK {check}"))),
            "{check} did not pass:\n{stdout}"
        );
    }
    print!("{stdout}");
}
