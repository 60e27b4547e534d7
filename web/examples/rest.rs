//! Seed 001, bareASGI's examples on rgi-web: the simple `/test` callback
//! and the REST server — `GET /info` answers the shared info object as
//! JSON, `POST /info` replaces it from the JSON body and answers `204`.
//!
//! ```sh
//! cargo run -p rgi-web --example rest [ADDR]   # default localhost:8000
//! curl -d '{"name": "Michael Caine"}' http://localhost:8000/info
//! ```

use std::sync::{PoisonError, RwLock};

use rgi_web::{App, Error, Json, Request, Response};
use serde_json::{json, Value};

/// The client data passed into the application (bareASGI's `info`).
pub struct Info(RwLock<Value>);

/// The application.
pub fn app() -> App {
    let info = json!({"message": "This is not a test", "name": "Michael Caine"});
    App::new()
        .data(Info(RwLock::new(info)))
        // The simple example: the message from the info, as plain text.
        .get("/test", |req: &mut Request| {
            let info = req
                .data::<Info>()?
                .0
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            Ok::<_, Error>(info["message"].as_str().unwrap_or_default().to_owned())
        })
        .get("/info", |req: &mut Request| {
            let info = req
                .data::<Info>()?
                .0
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            Ok::<_, Error>(Json(info.clone()))
        })
        .post("/info", |req: &mut Request| {
            let new: Value = req.json()?;
            *req.data::<Info>()?
                .0
                .write()
                .unwrap_or_else(PoisonError::into_inner) = new;
            Ok::<_, Error>(Response::empty(204))
        })
}

fn main() -> std::io::Result<()> {
    rgi_web::run(app())
}
