//! The same `App` on another engine (the CGI handler, in process) and
//! mounted below a server prefix, with applications mounted inside it: the
//! router sees `PATH_INFO` only, `SCRIPT_NAME` grows by each prefix, and
//! `REQUEST_URI` stays as the client sent it (MW-005).

use rgi::test::{TestClient, TestRequest};
use rgi_web::{App, Request, Response};

/// Answers `SCRIPT_NAME PATH_INFO REQUEST_URI`.
fn where_am_i(req: &mut Request) -> String {
    let env = req.environ();
    let text = |key: &str| {
        env.get(key)
            .map(|v| v.to_str_lossy().into_owned())
            .unwrap_or_default()
    };
    format!(
        "{} {} {}",
        text("SCRIPT_NAME"),
        text("PATH_INFO"),
        text("REQUEST_URI")
    )
}

fn nested_app() -> App {
    let raw = rgi::app(|env, start| {
        let script = env
            .get("SCRIPT_NAME")
            .map(|v| v.to_str_lossy().into_owned())
            .unwrap_or_default();
        let path = env
            .get("PATH_INFO")
            .map(|v| v.to_str_lossy().into_owned())
            .unwrap_or_default();
        start.start(200, [("Content-Type", "text/plain")].into())?;
        Ok(rgi::Body::from(format!("raw {script} {path}")))
    });
    let api = App::new()
        .get("/items/{id}", where_am_i)
        .get("/", where_am_i);
    App::new()
        .mount("/api", api)
        .mount("/api/raw", raw)
        .get("/here", where_am_i)
        .get("/cookie", || Response::text("set").cookie(("k", "v")))
}

#[test]
fn prefixes_shift_at_every_level() {
    // MW-005
    let client = TestClient::new(nested_app()).mount("/site");
    let cases = [
        ("/site/here", "/site /here /site/here"),
        (
            "/site/api/items/7?x=1",
            "/site/api /items/7 /site/api/items/7?x=1",
        ),
        ("/site/api", "/site/api  /site/api"),
        ("/site/api/", "/site/api / /site/api/"),
        ("/site/api/raw/x/y", "raw /site/api/raw /x/y"),
        ("/site/api/raw", "raw /site/api/raw "),
    ];
    for (target, expected) in cases {
        let res = client.request(TestRequest::get(target));
        assert!(res.findings().is_empty(), "{target}: {:?}", res.findings());
        assert_eq!(res.text(), expected, "{target}");
    }
    assert_eq!(client.get("/site/apix").status(), 404);
    assert_eq!(client.get("/site/api/nothing").status(), 404);
}

#[test]
fn the_nested_app_passes_the_catalogue() {
    rgi_validator::check_app(nested_app()).assert_clean();
}

#[test]
fn the_same_app_runs_under_the_cgi_handler() {
    let vars = [
        ("GATEWAY_INTERFACE", "CGI/1.1"),
        ("REQUEST_METHOD", "GET"),
        ("SCRIPT_NAME", "/cgi-bin/app.cgi"),
        ("PATH_INFO", "/api/items/3"),
        ("QUERY_STRING", ""),
        ("SERVER_NAME", "localhost"),
        ("SERVER_PORT", "80"),
        ("SERVER_PROTOCOL", "HTTP/1.1"),
        ("REQUEST_URI", "/cgi-bin/app.cgi/api/items/3"),
    ];
    let mut out = Vec::new();
    rgi::handlers::cgi::run_with(
        &nested_app(),
        vars,
        std::io::empty(),
        &mut out,
        std::io::sink(),
    )
    .expect("the CGI handler runs");
    let out = String::from_utf8(out).expect("UTF-8 output");
    assert!(out.starts_with("Status: 200 OK\r\n"), "{out}");
    assert!(
        out.ends_with("\r\n\r\n/cgi-bin/app.cgi/api /items/3 /cgi-bin/app.cgi/api/items/3"),
        "{out}"
    );

    let mut out = Vec::new();
    let mut missing = vars;
    missing[3] = ("PATH_INFO", "/missing");
    rgi::handlers::cgi::run_with(
        &nested_app(),
        missing,
        std::io::empty(),
        &mut out,
        std::io::sink(),
    )
    .expect("the CGI handler runs");
    assert!(String::from_utf8_lossy(&out).starts_with("Status: 404 Not Found\r\n"));
}
