//! # rgi-web — the small framework layer of rgi
//!
//! Routes, request and response helpers, cookies, JSON, streamed responses,
//! files and static directories, written only against rgi's public
//! interface: an [`App`] is an [`rgi::Application`], so it runs unchanged on
//! every rgi server (`rgi::simple_server`, the CGI handler, rgi-hyper).
//!
//! ```no_run
//! use rgi_web::{App, Json, Request, Response};
//!
//! let app = App::new()
//!     .route("/", ["GET", "POST"], || "Hello World!")
//!     .get("/user/{id}", |req: &mut Request| {
//!         let id: u32 = req.parse_param("id")?;
//!         Ok::<_, rgi_web::Error>(Json(serde_json::json!({ "id": id })))
//!     })
//!     .post("/login", |_req: &mut Request| {
//!         Response::redirect("/").cookie(("session", "s1"))
//!     });
//! rgi::simple_server::make_server("localhost", 8000, app)?.serve_forever()?;
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! | seed feature | here |
//! |---|---|
//! | PySGI `route('/user', methods=[...])` | [`App::route`], [`App::get`], … |
//! | PySGI `Response(body, content_type)`, `set_cookie`, `set_header` | [`Response`] |
//! | bareASGI `info`, `context`, `matches` | [`App::data`] / [`Request::data`], [`Request::context`], [`Request::param`] |
//! | socketify `res.write(...)`, `res.end(...)`, `res.aborted`, `on_aborted` | [`Response::stream`], [`StreamWriter`] |
//! | socketify `res.send(msg, content_type, status, headers)` | [`Response::send`] |
//! | socketify `sendfile`, static files | [`Response::file`], [`StaticDir`] |
//! | socketify `on_error` | [`App::on_error`] (also gets panics) |
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(missing_debug_implementations)]

mod app;
mod data;
mod error;
mod files;
mod gzip;
pub mod handler;
mod mount;
mod request;
mod response;
mod router;
mod run;
mod static_dir;
mod stream;
pub mod ws;

pub use app::App;
pub use error::{ok, Error, ErrorKind};
pub use files::content_type_for;
pub use handler::Handler;
pub use request::{Request, DEFAULT_BODY_LIMIT};
pub use response::{
    escape_html, IntoResponse, Json, Response, APPLICATION_JSON, TEXT_HTML, TEXT_PLAIN,
};
pub use run::{run, serve};
pub use static_dir::StaticDir;
pub use stream::{Aborted, StreamWriter, STREAM_QUEUE};
pub use ws::{Message, Topics, WebSocket, WsConfig, WsUpgrade};

/// The `cookie` crate, for building cookies with every option
/// ([`Cookie::build`]) and for its `time` types (`cookie::time::Duration`
/// for max-age, `OffsetDateTime` for expires).
pub use cookie;
pub use cookie::{Cookie, SameSite};
