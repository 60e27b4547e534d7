//! The catalogue in process: example applications pass with no finding, and
//! broken applications are caught with the expected rule IDs.

use rgi::{Body, Environ, StartResponse};
use rgi_validator::{check_app, Runner};

/// A hello world that skips the body for HEAD (BODY-007 allows both).
fn hello(env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, rgi::AppError> {
    start.start(
        "200 OK",
        [("Content-Type", "text/plain; charset=utf-8")].into(),
    )?;
    if env.get_str("REQUEST_METHOD") == Some("HEAD") {
        return Ok(Body::empty());
    }
    Ok(Body::from("Hello, world!"))
}

/// A fuller application: reads the body, streams for some paths, answers
/// conditional requests with 304, redirects, and handles non-UTF-8 paths.
fn fuller(env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, rgi::AppError> {
    let mut input = Vec::new();
    env.input().read_to_end(&mut input)?;
    let path = env
        .get("PATH_INFO")
        .map(|v| v.to_str_lossy().into_owned())
        .unwrap_or_default();
    let method = env.get_str("REQUEST_METHOD").unwrap_or("").to_owned();
    let etag = "\"v1\"";
    if env
        .get_str("HTTP_IF_NONE_MATCH")
        .is_some_and(|v| v.contains(etag))
    {
        start.start("304 Not Modified", [("ETag", etag)].into())?;
        return Ok(Body::empty());
    }
    match method.as_str() {
        "GET" | "HEAD" | "POST" | "PUT" => {}
        "OPTIONS" => {
            start.start(
                "204 No Content",
                [("Allow", "GET, HEAD, POST, PUT, OPTIONS")].into(),
            )?;
            return Ok(Body::empty());
        }
        _ => {
            start.start(
                "405 Method Not Allowed",
                [
                    ("Allow", "GET, HEAD, POST, PUT, OPTIONS"),
                    ("Content-Type", "text/plain; charset=utf-8"),
                ]
                .into(),
            )?;
            return Ok(Body::from("method not allowed\n"));
        }
    }
    if path == "/hello" {
        start.start(
            "302 Found",
            [("Location", "/"), ("Content-Length", "0")].into(),
        )?;
        return Ok(Body::empty());
    }
    start.start(
        "200 OK",
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("ETag", etag),
        ]
        .into(),
    )?;
    let summary = format!("{method} {path:?} {} bytes\n", input.len());
    if method == "HEAD" {
        return Ok(Body::empty());
    }
    if path.starts_with("/upload") {
        Ok(Body::lazy(vec![summary, "streamed\n".to_owned()]))
    } else {
        Ok(Body::from(summary))
    }
}

#[test]
fn hello_passes_the_whole_catalogue() {
    check_app(hello).assert_clean();
}

#[test]
fn a_fuller_app_passes_the_whole_catalogue() {
    let report = check_app(fuller);
    report.assert_clean();
    assert!(report.results.len() >= 25, "{report}");
}

#[test]
fn demo_app_passes() {
    // The demo app returns its body for HEAD too, which BODY-007 allows.
    let report = check_app(rgi::simple_server::demo_app);
    report.assert_clean();
}

#[test]
fn the_readme_hello_passes_the_strictest_check() {
    // The README's hello, without a HEAD branch: BODY-007 lets the server
    // discard a HEAD body; its ASCII text/plain needs no charset (HDR-019).
    let example = rgi::app(|_env, start| {
        start.start("200 OK", [("Content-Type", "text/plain")].into())?;
        Ok(Body::from("Hello, world!"))
    });
    check_app(example).assert_clean();
}

#[test]
fn the_server_answers_malformed_requests_itself() {
    let report = Runner::new()
        .only(&["missing-host", "te-and-cl"])
        .run_app(hello);
    report.assert_clean();
    assert!(
        report.results.iter().all(|r| r.status == Some(400)),
        "{report}"
    );
}

#[test]
fn a_short_content_length_is_caught() {
    let liar = rgi::app(|_env, start| {
        start.start(
            "200 OK",
            [
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Length", "10"),
            ]
            .into(),
        )?;
        Ok(Body::from("short"))
    });
    let report = Runner::new().only(&["get-root"]).run_app(liar);
    assert!(!report.is_ok(), "{report}");
    assert!(report.cites("BODY-003"), "{report}");
}

#[test]
fn an_app_that_fails_on_non_utf8_paths_is_caught() {
    let fragile = rgi::app(|env, start| {
        let path = env
            .get_str("PATH_INFO")
            .ok_or("PATH_INFO is not UTF-8")?
            .to_owned();
        start.start(
            "200 OK",
            [("Content-Type", "text/plain; charset=utf-8")].into(),
        )?;
        Ok(Body::from(path))
    });
    let report = check_app(fragile);
    assert!(report.cites("APP-009"), "{report}");
    let failed: Vec<_> = report
        .results
        .iter()
        .filter(|r| r.findings.iter().any(|f| f.is_error()))
        .collect();
    assert_eq!(failed.len(), 1, "{report}");
    assert_eq!(failed[0].fixture, "get-non-utf8-path");
}

#[test]
fn missing_content_type_and_charset_are_warnings() {
    // HDR-019: text/* without a charset, and a body that is not ASCII.
    let sloppy = rgi::app(|_env, start| {
        start.start("200 OK", [("Content-Type", "text/html")].into())?;
        Ok(Body::from("<p>h\u{e9}</p>"))
    });
    let report = Runner::new().only(&["get-root"]).run_app(sloppy);
    assert!(report.is_ok(), "warnings only: {report}");
    assert!(report.cites("HDR-019"), "{report}");
}
