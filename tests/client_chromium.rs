//! The base64 demo in a real browser: headless Chromium driven through
//! chromedriver's WebDriver HTTP API by `tests/client_chromium.py` (standard
//! library only, so no new dependency). Needs Debian's `chromium`,
//! `chromium-driver` and `python3`; skipped with a reason when they are
//! missing, unless `CI=true`.

mod client_support;

use std::process::Command;
use std::time::Duration;

use base64::Engine as _;
use client_support::{start_example, tool};

#[test]
fn chromium_submits_the_form_and_reads_the_encoding() {
    let (Some(python), Some(driver)) = (tool("python3"), tool("chromedriver")) else {
        return;
    };
    let Some(chromium) = tool("chromium").or_else(|| tool("chromium-browser")) else {
        return;
    };
    let server = start_example("base64_app");
    let text = "héllo <rgi> & ☃";
    let screenshot = concat!(env!("CARGO_TARGET_TMPDIR"), "/base64_app_chromium.png");
    let _ = std::fs::remove_file(screenshot);

    let output = client_support::run(
        Command::new(python)
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/client_chromium.py"
            ))
            .arg(driver)
            .arg(chromium)
            .arg(server.url(""))
            .arg(text)
            .arg(screenshot),
        Duration::from_secs(60),
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the browser run failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    let values = |key: &str| -> Vec<String> {
        stdout
            .lines()
            .filter_map(|line| line.strip_prefix(key)?.strip_prefix(' '))
            .map(str::to_owned)
            .collect()
    };

    assert_eq!(values("FRONT_TITLE"), ["base64_app"], "{stdout}");
    assert_eq!(
        values("FRONT_TEXT"),
        ["Welcome! Enter a string:"],
        "{stdout}"
    );
    // The browser encodes the form as UTF-8 because the page says so.
    assert_eq!(
        values("RESULT_URL"),
        [server.url("/encode?mystring=h%C3%A9llo+%3Crgi%3E+%26+%E2%98%83")],
        "{stdout}"
    );
    let expected = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    assert_eq!(expected, "aMOpbGxvIDxyZ2k+ICYg4piD");
    // What the page shows: the quoted string (escaped in HTML, so the
    // browser renders it as typed) and its base64.
    assert_eq!(values("TT"), [format!("{text:?}"), expected], "{stdout}");
    assert_eq!(values("HOME_URL"), [server.url("/")], "{stdout}");
    let png = std::fs::read(screenshot).expect("screenshot written");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 1000,
        "a PNG image"
    );
}
