//! Test support shared by the test suites of both workspace packages (`rgi`
//! includes it as `mod programs;`, `rgi-validator` with `#[path]`): the
//! example binaries, and the external programs some tests need.
#![allow(dead_code)] // each test binary uses a different subset

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// True under CI (`CI=true`): a missing program is then a failure, not a
/// skip.
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// The workspace root (the directory holding `spec/` and the root
/// `Cargo.toml`), found from the including package's manifest directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .find(|dir| dir.join("spec").is_dir() && dir.join("Cargo.toml").is_file())
        .expect("the workspace root above CARGO_MANIFEST_DIR")
        .to_path_buf()
}

/// `target/<profile>`, from this test binary's path
/// (`target/<profile>/deps/<binary>`).
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps layout")
        .to_path_buf()
}

/// Builds the example `name` of the `rgi` package in this test's profile (a
/// no-op when it is up to date; `cargo test --test X` does not build
/// examples) and returns the path of its binary.
pub fn example_path(name: &str) -> PathBuf {
    static BUILT: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    let path = profile_dir().join("examples").join(name);
    if !built.iter().any(|b| b == name) {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let mut cmd = Command::new(cargo);
        cmd.args(["build", "--quiet", "-p", "rgi", "--example", name])
            .current_dir(workspace_root());
        if profile_dir().ends_with("release") {
            cmd.arg("--release");
        }
        let output = cmd.output().expect("run cargo build");
        assert!(
            output.status.success(),
            "building example {name} failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        built.push(name.to_owned());
    }
    path
}

/// The lighttpd binary. When it is missing the test is skipped (`None`,
/// with the reason printed) unless `CI=true`, where it fails: `.ci/run`
/// installs it (`apt-get install -y lighttpd`).
pub fn lighttpd() -> Option<PathBuf> {
    let found = [
        "/usr/sbin/lighttpd",
        "/usr/local/sbin/lighttpd",
        "/usr/bin/lighttpd",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists());
    if found.is_none() {
        assert!(
            !under_ci(),
            "lighttpd is required in CI (apt-get install -y lighttpd)"
        );
        eprintln!("SKIPPED: lighttpd is not installed (apt-get install -y lighttpd)");
    }
    found
}
