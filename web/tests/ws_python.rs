//! Python's `websockets` client (`python/ws_client.py`) against the chat
//! example on `rgi::simple_server`: text, binary, fragments, ping, 1 MiB, the
//! close handshake, 100 sockets. The client comes from the venv that
//! `.ci/run` makes (`target/python-venv`, or `$RGI_PYTHON_VENV`) from
//! `python/requirements.txt`; without it the test is skipped with the reason
//! printed, unless `CI=true`.

#[path = "../../tests/client_support/mod.rs"]
mod client_support;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use client_support::{package_example_path, start_program};

fn venv_python() -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let venv = std::env::var_os("RGI_PYTHON_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/python-venv"));
    let python = venv.join("bin/python");
    let has_websockets = python.is_file()
        && Command::new(&python)
            .args(["-c", "import websockets"])
            .status()
            .is_ok_and(|s| s.success());
    if !has_websockets {
        let reason = format!(
            "no venv with `websockets` at {} (python3 -m venv target/python-venv && target/python-venv/bin/pip install -r web/tests/python/requirements.txt; .ci/run does it)",
            venv.display()
        );
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but {reason}"
        );
        eprintln!("SKIPPED: {reason}");
        return None;
    }
    Some(python)
}

#[test]
fn the_python_websockets_client_talks_to_the_chat_example() {
    let Some(python) = venv_python() else {
        return;
    };
    let server = start_program(&package_example_path("rgi-web", "chat"));
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/ws_client.py");
    let output = client_support::run(
        Command::new(python).arg(script).arg(&server.addr),
        Duration::from_secs(120),
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.trim() == "ok",
        "ws_client.py failed:\n{stdout}\n{}\nserver log:\n{}",
        String::from_utf8_lossy(&output.stderr),
        server.stderr()
    );
}
