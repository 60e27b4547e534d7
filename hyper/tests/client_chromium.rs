//! The base64 demo on rgi-hyper, over HTTPS with a certificate the test
//! makes, in headless Chromium driven by the root suite's
//! `tests/client_chromium.py` (WebDriver through chromedriver). Skipped with
//! the reason printed when chromium, chromedriver or python3 is missing,
//! unless `CI=true`.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use base64::Engine as _;
use support::client_support::{run, tool};
use support::{hyper_example, programs, test_cert};

/// The example, started as a child process on a free port; killed on drop.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn chromium_uses_the_demo_over_https_and_http2() {
    let (Some(python), Some(driver)) = (tool("python3"), tool("chromedriver")) else {
        return;
    };
    let Some(chromium) = tool("chromium").or_else(|| tool("chromium-browser")) else {
        return;
    };
    let cert = test_cert();
    let mut child = Command::new(hyper_example("base64_app"))
        .arg("127.0.0.1:0")
        .arg("--tls")
        .args([&cert.cert, &cert.key])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the base64_app example");
    let stdout = child.stdout.take().unwrap();
    let child = Child(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("Listening on ")
        .expect("Listening on URL")
        .trim_end_matches('/');
    // The certificate names localhost.
    let base = url.replace("127.0.0.1", "localhost");
    assert!(base.starts_with("https://localhost:"), "{base}");
    let screenshot = concat!(
        env!("CARGO_TARGET_TMPDIR"),
        "/base64_app_hyper_chromium.png"
    );
    let text = "héllo <rgi> & ☃";
    let output = run(
        Command::new(python)
            .arg(programs::workspace_root().join("tests/client_chromium.py"))
            .arg(driver)
            .arg(chromium)
            .arg(&base)
            .arg(text)
            .arg(screenshot),
        Duration::from_secs(90),
    );
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{out}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let values = |key: &str| -> Vec<String> {
        out.lines()
            .filter_map(|l| l.strip_prefix(key)?.strip_prefix(' '))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(values("FRONT_TITLE"), ["base64_app"], "{out}");
    assert_eq!(values("PROTOCOL"), ["h2"], "{out}");
    assert_eq!(
        values("RESULT_URL"),
        [format!(
            "{base}/encode?mystring=h%C3%A9llo+%3Crgi%3E+%26+%E2%98%83"
        )],
        "{out}"
    );
    let expected = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    assert_eq!(values("TT"), [format!("{text:?}"), expected], "{out}");
    assert_eq!(values("HOME_URL"), [format!("{base}/")], "{out}");
    drop(child);
}
