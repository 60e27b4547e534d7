//! Headless Chromium's `WebSocket` (driven by `client_chromium_chat.py`
//! through chromedriver) in the chat example's page on `rgi::simple_server`:
//! the page's socket opens, a message typed into the form is published to
//! the room, and reaches both the page and a tungstenite client in the same
//! room. Needs Debian's `chromium`, `chromium-driver` and `python3`; skipped
//! with the reason printed when they are missing, unless `CI=true`.

#[path = "../../tests/client_support/mod.rs"]
mod client_support;

use std::process::Command;
use std::time::Duration;

use client_support::{package_example_path, start_program, tool};
use tungstenite::{connect, Message};

#[test]
fn chromium_chats_through_the_example() {
    let (Some(python), Some(driver)) = (tool("python3"), tool("chromedriver")) else {
        return;
    };
    let Some(chromium) = tool("chromium").or_else(|| tool("chromium-browser")) else {
        return;
    };
    let server = start_program(&package_example_path("rgi-web", "chat"));
    let (mut listener, _) = connect(format!("ws://{}/ws/browser", server.addr).as_str())
        .expect("a tungstenite client joins the room");
    let message = "hello from chromium";
    let output = client_support::run(
        Command::new(python)
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/client_chromium_chat.py"
            ))
            .arg(driver)
            .arg(chromium)
            .arg(&server.addr)
            .arg(message),
        Duration::from_secs(60),
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the browser run failed\nstdout:\n{stdout}\nstderr:\n{}\nserver:\n{}",
        String::from_utf8_lossy(&output.stderr),
        server.stderr()
    );
    let shown = stdout
        .lines()
        .find_map(|l| l.strip_prefix("LOG "))
        .expect("a LOG line");
    assert!(shown.contains(message), "{shown}");
    let got = loop {
        if let Message::Text(text) = listener.read().expect("the broadcast") {
            break text.to_string();
        }
    };
    assert_eq!(got, message, "the page's message reached the other client");
}
