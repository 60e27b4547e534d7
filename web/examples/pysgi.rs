//! Seed 000, PySGI's documentation, route by route on rgi-web.
//!
//! ```sh
//! cargo run -p rgi-web --example pysgi [ADDR]   # default localhost:8000
//! ```

use rgi_web::{App, Error, Json, Request, Response};
use serde_json::{json, Map, Value};

/// The application: every snippet of the PySGI documentation.
pub fn app() -> App {
    App::new()
        // @server.route('/', methods=['GET', 'POST'])
        // def index(request): return 'Hello World!'
        .route("/", ["GET", "POST"], |_request: &mut Request| {
            "Hello World!"
        })
        // The request argument is optional.
        .get("/no-request", || "Hello World!")
        // return 'Hello World', 200  (the body and the status)
        .get("/status", || ("Hello World", 200))
        // return Response('Hello World', content_type='text/plain')
        .get("/response", || {
            Response::new("Hello World").content_type("text/plain")
        })
        // response.set_cookie('Auth', ...); response.set_header('Authorization', ...)
        .get("/cookies", || {
            let mut response = Response::new("Hello World").content_type("text/plain");
            response.set_cookie(("Auth", "utokenAuth123"));
            response.set_header("Authorization", "utokenAuth123");
            response
        })
        // @server.route('/user', methods=['DELETE', 'POST'])
        .route("/user", ["DELETE", "POST"], |request: &mut Request| {
            format!("{} /user", request.method())
        })
        // request.body, .path, .args, .method, .cookies, .headers
        .route("/request", ["GET", "POST"], describe)
}

/// What the request argument holds, as JSON.
fn describe(request: &mut Request) -> Result<Json<Value>, Error> {
    let pairs = |list: &[(String, String)]| -> Map<String, Value> {
        list.iter()
            .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
            .collect()
    };
    let cookies = pairs(request.cookies()?);
    let args = pairs(request.queries());
    let headers: Map<String, Value> = request
        .headers()
        .into_iter()
        .map(|(k, v)| (k, Value::from(v)))
        .collect();
    let body = String::from_utf8_lossy(request.body()?).into_owned();
    Ok(Json(json!({
        "body": body,
        "path": request.path(),
        "args": args,
        "method": request.method(),
        "cookies": cookies,
        "headers": headers,
    })))
}

fn main() -> std::io::Result<()> {
    rgi_web::run(app())
}
