//! The cookie attributes that browsers enforce, in a real browser: headless
//! Chromium (driven by `client_chromium_cookies.py` through chromedriver)
//! keeps an `HttpOnly` cookie from scripts, sends a `Path=/app` cookie only
//! below `/app`, and keeps `SameSite=Strict` cookies from cross-site
//! requests and `SameSite=Lax` ones from cross-site subresources. Needs
//! Debian's `chromium`, `chromium-driver` and `python3`; skipped with the
//! reason printed when they are missing, unless `CI=true`.

#[path = "../../tests/client_support/mod.rs"]
mod client_support;

use std::collections::HashMap;
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

use client_support::{serve_in_process, tool};
use rgi_web::{escape_html, App, Cookie, Request, Response, SameSite};

/// Sets the cookies, shows what the browser sends and what scripts see, and
/// records the Cookie header of requests coming from another site.
fn cookie_app() -> App {
    let show = |req: &mut Request| {
        let cookies = req.header("cookie").unwrap_or_default();
        Response::html(format!(
            "<!doctype html><title>show</title><pre id=server>{}</pre><pre id=js></pre>\
             <script>document.getElementById('js').textContent = document.cookie</script>",
            escape_html(cookies)
        ))
    };
    App::with_data(Mutex::new(HashMap::<String, String>::new()))
        .get("/set", || {
            Response::html("<!doctype html><title>set</title><p>set</p>")
                .cookie(Cookie::build(("plain", "p")).path("/"))
                .cookie(Cookie::build(("secret", "s")).path("/").http_only(true))
                .cookie(Cookie::build(("scoped", "a")).path("/app"))
                .cookie(
                    Cookie::build(("strict", "t"))
                        .path("/")
                        .same_site(SameSite::Strict),
                )
                .cookie(
                    Cookie::build(("lax", "l"))
                        .path("/")
                        .same_site(SameSite::Lax),
                )
        })
        .get("/show", show)
        .get("/app/show", show)
        .get("/cross", |req: &mut Request| {
            // Served as http://localhost:PORT; the links lead to 127.0.0.1.
            let port = req
                .environ()
                .get_str("SERVER_PORT")
                .unwrap_or("0")
                .to_owned();
            Response::html(format!(
                "<!doctype html><title>cross</title>\
                 <img src=\"http://127.0.0.1:{port}/record/img\" alt=x>\
                 <a id=go href=\"http://127.0.0.1:{port}/record/link\">go</a>"
            ))
        })
        .get("/record/{via}", |req: &mut Request| {
            let via = req.param("via").unwrap_or_default().to_owned();
            let cookies = req.header("cookie").unwrap_or_default().to_owned();
            req.lock::<HashMap<String, String>>()?
                .insert(via, cookies.clone());
            rgi_web::ok(Response::html(format!(
                "<!doctype html><title>record</title><pre id=server>{}</pre>",
                escape_html(&cookies)
            )))
        })
        .get("/recorded/{via}", |req: &mut Request| {
            let via = req.param("via").unwrap_or_default().to_owned();
            rgi_web::ok(req.lock::<HashMap<String, String>>()?.get(&via).cloned())
        })
}

#[test]
fn chromium_enforces_httponly_path_and_samesite() {
    let (Some(python), Some(driver)) = (tool("python3"), tool("chromedriver")) else {
        return;
    };
    let Some(chromium) = tool("chromium").or_else(|| tool("chromium-browser")) else {
        return;
    };
    let url = serve_in_process(cookie_app());
    let port = url.rsplit(':').next().expect("a port").to_owned();
    let output = client_support::run(
        Command::new(python)
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/client_chromium_cookies.py"
            ))
            .arg(driver)
            .arg(chromium)
            .arg(&port),
        Duration::from_secs(60),
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the browser run failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    let value = |key: &str| -> Vec<String> {
        let found: Vec<&str> = stdout
            .lines()
            .filter_map(|line| line.strip_prefix(key)?.strip_prefix(' '))
            .collect();
        assert_eq!(found.len(), 1, "one {key} line in\n{stdout}");
        found[0]
            .split("; ")
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let has = |list: &[String], cookie: &str| list.iter().any(|c| c == cookie);

    // Same site, below /: every cookie but the /app one; scripts do not see
    // the HttpOnly one.
    let server = value("SHOW_SERVER");
    for cookie in ["plain=p", "secret=s", "strict=t", "lax=l"] {
        assert!(has(&server, cookie), "{cookie} sent to /show: {server:?}");
    }
    assert!(
        !has(&server, "scoped=a"),
        "Path=/app cookie sent to /show: {server:?}"
    );
    let js = value("SHOW_JS");
    for cookie in ["plain=p", "strict=t", "lax=l"] {
        assert!(has(&js, cookie), "{cookie} visible to scripts: {js:?}");
    }
    assert!(
        !has(&js, "secret=s"),
        "an HttpOnly cookie is visible to scripts: {js:?}"
    );

    // Below /app the Path=/app cookie is there too.
    assert!(has(&value("APP_SERVER"), "scoped=a"), "{stdout}");
    let app_js = value("APP_JS");
    assert!(
        has(&app_js, "scoped=a") && !has(&app_js, "secret=s"),
        "{app_js:?}"
    );

    // From another site: an image gets neither Strict nor Lax cookies; a
    // followed link (top-level GET) gets Lax but not Strict ones.
    let img = value("IMG");
    assert!(
        !has(&img, "strict=t") && !has(&img, "lax=l"),
        "cross-site image: {img:?}"
    );
    let link = value("LINK");
    assert!(
        has(&link, "lax=l"),
        "Lax cookie on a cross-site link: {link:?}"
    );
    assert!(
        !has(&link, "strict=t"),
        "Strict cookie on a cross-site link: {link:?}"
    );
}
