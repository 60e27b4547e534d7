//! Seed 004, socketify's tour of `AppResponse` and `AppRequest`, on rgi-web.
//!
//! ```sh
//! cargo run -p rgi-web --example socketify [ADDR]   # default localhost:8000
//! ```

use rgi_web::cookie::time::{Duration, OffsetDateTime};
use rgi_web::{escape_html, App, Cookie, Error, Json, Request, Response, SameSite};
use serde_json::json;

/// The application: one route per snippet of the tour.
pub fn app() -> App {
    App::new()
        .get("/", || {
            Response::send(
                "Hello, World!",
                "text/plain",
                200,
                [("X-Example", "socketify")],
            )
        })
        .get("/send_in_parts", send_in_parts)
        .get("/empty", Response::end_without_body)
        // res.redirect("/redirected", 302)
        .get("/redirect", || Response::redirect("/redirected"))
        .get("/redirected", || "You were redirected here")
        .get("/not_found", || ("Not Found", 404))
        .get("/ok", || {
            Response::send("OK", "text/plain", 200, [("X-Status", "ok")])
        })
        .get("/json", || Json(json!({"Hello": "World!"})))
        .get("/with_headers", || {
            let res = Response::json(&json!({"Hello": "World!"}))?;
            Ok::<_, Error>(
                res.header("X-Rate-Limit-Remaining", "10")
                    .header("Another-Headers", "Value"),
            )
        })
        .get("/custom_header", || {
            Response::new("Downloaded this ;)")
                .content_type("application/octet-stream")
                .header(
                    "Content-Disposition",
                    "attachment; filename=\"message.txt\"",
                )
        })
        // app.get("/user/:id", user)
        .get("/user/:id", user)
        .get("/headers", headers)
        .get("/query", query)
        .get("/cookies", cookies)
        .get("/ip", ip)
        .get("/error", || -> Result<&'static str, Error> {
            Err(Error::internal("Oops!"))
        })
        .get("/panic", || -> &'static str { panic!("Oops!") })
        // app.on_start / app.on_shutdown: create and close pools here.
        .on_start(|_app: &App| {
            eprintln!("start!");
            Ok(())
        })
        .on_shutdown(|_app: &App| eprintln!("shutdown!"))
        .on_error(|error: &Error, _req: &mut Request| {
            // Logging already happened (the request's error stream); this
            // is the pretty page for the client.
            let status = if error.is_client_error() {
                error.status()
            } else {
                500
            };
            Response::text("Sorry we did something wrong").status(status)
        })
}

/// res.write(...) three times, then res.end(...); stops if the client left.
fn send_in_parts() -> Response {
    Response::stream(|mut res| {
        res.on_aborted(|| eprintln!("aborted!"));
        for part in ["I can", " send ", "messages"] {
            if res.write(part).is_err() {
                return;
            }
        }
        let _ = res.end(" in parts!");
    })
    .content_type("text/plain; charset=utf-8")
}

fn user(req: &mut Request) -> Result<String, Error> {
    if req.param_at(0).and_then(|id| id.parse::<u64>().ok()) == Some(1) {
        return Ok("Hello user with id 1!".to_owned());
    }
    let id: u64 = req.parse_param("id")?;
    Ok(format!("Hello user {id}! All params: {:?}", req.params()))
}

fn headers(req: &mut Request) -> String {
    let auth = req.header("authorization").unwrap_or("(none)").to_owned();
    let mut all = String::new();
    req.for_each_header(|key, value| all.push_str(&format!("Header {key}: {value}\n")));
    format!("Authorization: {auth}\n{all}")
}

fn query(req: &mut Request) -> String {
    let search = req.query("search").unwrap_or("(none)");
    format!("search: {search}\nAll queries: {:?}", req.queries())
}

fn cookies(req: &mut Request) -> Result<Response, Error> {
    let current = req.cookie("session_id")?.unwrap_or("(not set)").to_owned();
    let cookie = Cookie::build(("session_id", "1234567890"))
        .path("/")
        .http_only(true)
        .same_site(SameSite::None)
        .secure(true)
        .expires(OffsetDateTime::now_utc() + Duration::minutes(30));
    Ok(Response::text(format!("Your session_id cookie is: {current}")).cookie(cookie))
}

fn ip(req: &mut Request) -> Response {
    let proxied = req
        .proxied_remote_address()
        .unwrap_or_else(|| "(none)".to_owned());
    let direct = req.remote_address().unwrap_or("(unknown)");
    Response::html(format!(
        "<html><h1>Your proxied IP is: {}</h1><h1>Your IP as seen by the origin server is: {}</h1></html>",
        escape_html(&proxied),
        escape_html(direct)
    ))
}

fn main() -> std::io::Result<()> {
    rgi_web::run(app())
}
