//! The CLI against servers that are not rgi: gunicorn (sync and gthread
//! workers) and Python's `wsgiref.simple_server`, serving a plain WSGI
//! hello application (`python/hello_wsgi.py`). Only their real RFC
//! violations may be reported, each under its rule.
//!
//! gunicorn comes from a venv: `target/python-venv` (or `$RGI_PYTHON_VENV`),
//! which `.ci/run` creates from `python/requirements.txt`. Without it (or
//! without python3) the tests are skipped with the reason printed, unless
//! `CI=true`, where they fail.

#[path = "../../tests/programs/mod.rs"]
mod programs;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

/// `(fixture, rule)` pairs, one per finding of the given severity.
type Found = BTreeSet<(String, String)>;

/// Runs `rgi-validator --cmd COMMAND`; returns its errors, its warnings and
/// its standard error.
fn run_cli(command: &str) -> (Found, Found, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rgi-validator"))
        .current_dir(programs::workspace_root())
        .args(["--timeout", "20", "--cmd", command])
        .output()
        .expect("run rgi-validator");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let (mut errors, mut warnings) = (Found::new(), Found::new());
    let mut fixture = String::new();
    for line in stdout.lines() {
        if let Some(rest) = ["  FAIL  ", "  warn  ", "  note  "]
            .iter()
            .find_map(|tag| line.strip_prefix(tag))
        {
            fixture = rest.split_whitespace().next().unwrap_or("").to_owned();
        } else if let Some(rest) = line.strip_prefix("          ") {
            let mut words = rest.split_whitespace();
            let (Some(severity), Some(rule)) = (words.next(), words.next()) else {
                continue;
            };
            let Some(rule) = rule.strip_suffix(':') else {
                continue;
            };
            let entry = (fixture.clone(), rule.to_owned());
            match severity {
                "error" => errors.insert(entry),
                "warning" => warnings.insert(entry),
                _ => false,
            };
        }
    }
    assert!(
        stdout.contains("33 fixture(s)") || stdout.contains(" fixture(s), "),
        "no report: {stdout}\n{stderr}"
    );
    (errors, warnings, stdout, stderr)
}

fn pairs(list: &[(&str, &str)]) -> Found {
    list.iter()
        .map(|(f, r)| ((*f).to_owned(), (*r).to_owned()))
        .collect()
}

fn python_dir() -> PathBuf {
    programs::workspace_root().join("validator/tests/python")
}

/// The venv's gunicorn, or `None` (skipped outside CI).
fn gunicorn() -> Option<PathBuf> {
    let venv = std::env::var_os("RGI_PYTHON_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| programs::workspace_root().join("target/python-venv"));
    let gunicorn = venv.join("bin/gunicorn");
    if gunicorn.is_file() {
        return Some(gunicorn);
    }
    let how = format!(
        "python3 -m venv {0} && {0}/bin/pip install -r validator/tests/python/requirements.txt",
        venv.display()
    );
    assert!(
        !programs::under_ci(),
        "gunicorn is required in CI; .ci/run creates the venv: {how}"
    );
    eprintln!("SKIPPED: no gunicorn at {} ({how})", gunicorn.display());
    None
}

/// gunicorn's real violations of the catalogue: a missing Host answered
/// with 200 (HTTP-005), and its own 400 for Transfer-Encoding with
/// Content-Length carries no Date (SRV-005, an error) and no Server
/// (SRV-006, a SHOULD: a warning).
fn check_gunicorn(worker_args: &str) {
    let Some(gunicorn) = gunicorn() else {
        return;
    };
    let command = format!(
        "{} --chdir {} {worker_args} --graceful-timeout 1 -b {{addr}} hello_wsgi:application",
        gunicorn.display(),
        python_dir().display()
    );
    let (errors, warnings, stdout, stderr) = run_cli(&command);
    assert_eq!(
        errors,
        pairs(&[("missing-host", "HTTP-005"), ("te-and-cl", "SRV-005")]),
        "{stdout}"
    );
    assert_eq!(warnings, pairs(&[("te-and-cl", "SRV-006")]), "{stdout}");
    // The server's log is kept apart: on the CLI's stderr, after a header,
    // never inside the report.
    assert!(!stdout.contains("Booting worker"), "{stdout}");
    assert!(
        stderr.contains("--- standard error of the server ---")
            && stderr.contains("Booting worker"),
        "{stderr}"
    );
    // The whole process group was stopped: no worker outlives the run.
    let workers: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.split("Booting worker with pid: ").nth(1))
        .map(str::trim)
        .collect();
    assert!(!workers.is_empty(), "{stderr}");
    for pid in workers {
        assert!(
            !std::path::Path::new(&format!("/proc/{pid}")).exists()
                || std::fs::read_to_string(format!("/proc/{pid}/stat"))
                    .is_ok_and(|s| s.contains(") Z ")),
            "gunicorn worker {pid} outlived the run"
        );
    }
}

#[test]
fn gunicorn_sync_workers_get_only_their_real_violations() {
    check_gunicorn("-w 2 -k sync");
}

#[test]
fn gunicorn_gthread_workers_get_only_their_real_violations() {
    check_gunicorn("-w 1 -k gthread --threads 4");
}

#[test]
fn wsgiref_gets_only_its_real_violations() {
    // wsgiref answers with HTTP/1.0 and closes after every response (no
    // HTTP-026 for that), and does not support pipelining (no HTTP-027
    // once it said so). Its real violations: a body on HEAD (BODY-006), a
    // missing Host answered with 200 (HTTP-005), Transfer-Encoding with
    // Content-Length answered with 200 (HTTP-009).
    let python = ["python3", "/usr/bin/python3"].into_iter().find(|p| {
        Command::new(p)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    let Some(python) = python else {
        assert!(
            !programs::under_ci(),
            "python3 is required in CI (.ci/run installs it)"
        );
        eprintln!("SKIPPED: python3 is not installed");
        return;
    };
    let command = format!(
        "{python} {} {{host}} {{port}}",
        python_dir().join("wsgiref_server.py").display()
    );
    let (errors, warnings, stdout, _) = run_cli(&command);
    assert_eq!(
        errors,
        pairs(&[
            ("head-root", "BODY-006"),
            ("missing-host", "HTTP-005"),
            ("te-and-cl", "HTTP-009"),
        ]),
        "{stdout}"
    );
    assert_eq!(warnings, Found::new(), "{stdout}");
}
