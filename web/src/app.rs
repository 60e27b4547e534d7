//! [`App`]: routes, mounts, shared data, error and not-found handlers — an
//! [`rgi::Application`] that any rgi server runs.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use rgi::{Application, Body, Environ, StartResponse};

use crate::data::DataMap;
use crate::handler::{boxed, BoxedHandler, Handler};
use crate::mount::Mount;
use crate::request::{log_line, DEFAULT_BODY_LIMIT};
use crate::router::{Methods, Router, Selected};
use crate::ws::{Topics, WsUpgrade};
use crate::{Error, IntoResponse, Request, Response};

type ErrorHandler = Arc<dyn Fn(&Error, &mut Request) -> Result<Response, Error> + Send + Sync>;
type StartHook = Box<dyn Fn(&App) -> Result<(), rgi::AppError> + Send + Sync>;
type ShutdownHook = Box<dyn Fn(&App) + Send + Sync>;

/// A web application: routes by method and path, mounted applications,
/// shared data, and the handlers for errors and for paths no route has.
///
/// It is an [`rgi::Application`], so every rgi server runs it
/// (`rgi::simple_server`, the CGI handler, rgi-hyper), and it can be
/// mounted in another `App`.
///
/// ```
/// use rgi_web::{App, Json, Request, Response};
///
/// let app = App::new()
///     .route("/", ["GET", "POST"], || "Hello World!")
///     .route("/user", ["DELETE", "POST"], |req: &mut Request| format!("{} /user", req.method()))
///     .get("/user/{id}", |req: &mut Request| format!("user {}", req.param("id").unwrap_or("?")))
///     .get("/json", || Json(serde_json::json!({"ok": true})))
///     .on_not_found(|| Response::text("nothing here"));
///
/// let client = rgi::test::TestClient::new(app);
/// assert_eq!(client.get("/").text(), "Hello World!");
/// assert_eq!(client.delete("/user").text(), "DELETE /user");
/// assert_eq!(client.get("/user/7").text(), "user 7");
/// let refused = client.put("/user", "");
/// assert_eq!(refused.status(), 405);
/// assert_eq!(refused.header("allow"), Some("DELETE, POST, OPTIONS"));
/// assert_eq!(client.get("/nope").status(), 404);
/// ```
///
/// What it answers by itself:
/// * `404` for a path no route has (or the [not-found
///   handler](Self::on_not_found)'s response);
/// * `405` with `Allow` for a path whose routes lack the method;
/// * `HEAD` through the `GET` handler, with the body dropped (its
///   `Content-Length` kept);
/// * `OPTIONS` (when no handler takes it): `204` with `Allow`; `OPTIONS *`
///   lists every method of the application;
/// * the [error handler](Self::on_error)'s response for every error a
///   handler returns and every panic.
pub struct App {
    router: Router,
    mounts: Vec<Mount>,
    data: Arc<DataMap>,
    body_limit: u64,
    not_found: Option<BoxedHandler>,
    on_error: Option<ErrorHandler>,
    topics: Topics,
    start_hooks: Vec<StartHook>,
    shutdown_hooks: Vec<ShutdownHook>,
    gzip_min: Option<u64>,
}

impl Default for App {
    fn default() -> Self {
        App::new()
    }
}

impl App {
    /// An application with no routes.
    pub fn new() -> Self {
        App {
            router: Router::default(),
            mounts: Vec::new(),
            data: Arc::default(),
            body_limit: DEFAULT_BODY_LIMIT,
            not_found: None,
            on_error: None,
            topics: Topics::new(),
            start_hooks: Vec::new(),
            shutdown_hooks: Vec::new(),
            gzip_min: None,
        }
    }

    /// Adds `handler` for `methods` at `path`. An empty method list means
    /// `GET`. Paths take variables (`/user/{id}` or socketify's
    /// `/user/:id`) and a final catch-all (`/files/{*path}`); see
    /// [`Request::param`].
    ///
    /// Panics, when the application is built, on a path that conflicts with
    /// another route and on a method given twice for one path.
    pub fn route<Args, M, H>(mut self, path: &str, methods: M, handler: H) -> Self
    where
        M: IntoIterator,
        M::Item: AsRef<str>,
        H: Handler<Args>,
    {
        let mut list: Vec<String> = methods.into_iter().map(|m| m.as_ref().to_owned()).collect();
        if list.is_empty() {
            list.push("GET".to_owned());
        }
        self.router.add(path, Methods::Some(list), boxed(handler));
        self
    }

    /// A `GET` route (which answers `HEAD` too).
    pub fn get<Args, H: Handler<Args>>(self, path: &str, handler: H) -> Self {
        self.route(path, ["GET"], handler)
    }

    /// A `POST` route.
    pub fn post<Args, H: Handler<Args>>(self, path: &str, handler: H) -> Self {
        self.route(path, ["POST"], handler)
    }

    /// A `PUT` route.
    pub fn put<Args, H: Handler<Args>>(self, path: &str, handler: H) -> Self {
        self.route(path, ["PUT"], handler)
    }

    /// A `DELETE` route.
    pub fn delete<Args, H: Handler<Args>>(self, path: &str, handler: H) -> Self {
        self.route(path, ["DELETE"], handler)
    }

    /// A `PATCH` route.
    pub fn patch<Args, H: Handler<Args>>(self, path: &str, handler: H) -> Self {
        self.route(path, ["PATCH"], handler)
    }

    /// An `OPTIONS` route (replacing the automatic answer for this path).
    pub fn options<Args, H: Handler<Args>>(self, path: &str, handler: H) -> Self {
        self.route(path, ["OPTIONS"], handler)
    }

    /// A route for every method (methods that have their own route at the
    /// same path go there).
    pub fn any<Args, H: Handler<Args>>(mut self, path: &str, handler: H) -> Self {
        self.router.add(path, Methods::Any, boxed(handler));
        self
    }

    /// A WebSocket route at `path` (path variables as in [`route`](Self::route)).
    /// The handshake is checked first (RFC 6455 section 4.2.1): a request
    /// that is not a valid one gets `400`, a wrong `Sec-WebSocket-Version`
    /// `426` with the supported version, a server without the upgrade
    /// capability `501`, each logged with its reason. `handler` then gets
    /// the request and the [`WsUpgrade`]: it accepts with
    /// [`WsUpgrade::accept`] (choosing a subprotocol or none) or answers any
    /// other response to refuse. Sockets publish and subscribe to the
    /// application's [`topics`](Self::topics).
    ///
    /// ```
    /// use rgi_web::{App, Request, WsUpgrade};
    ///
    /// let app = App::new().ws("/chat/{room}", |req: &mut Request, ws: WsUpgrade| {
    ///     let room = req.param("room").unwrap_or("lobby").to_owned();
    ///     ws.accept(None, move |mut socket| {
    ///         socket.subscribe(&room);
    ///         while let Some(message) = socket.receive()? {
    ///             socket.topics().publish(&room, message);
    ///         }
    ///         Ok(())
    ///     })
    /// });
    /// // A plain GET is not a handshake: 400, and the reason.
    /// let res = rgi::test::TestClient::new(app).get("/chat/lobby");
    /// assert_eq!(res.status(), 400);
    /// ```
    pub fn ws<F, R>(mut self, path: &str, handler: F) -> Self
    where
        F: Fn(&mut Request, WsUpgrade) -> R + Send + Sync + 'static,
        R: IntoResponse,
    {
        let topics = self.topics.clone();
        let route = move |req: &mut Request| -> Result<Response, Error> {
            match WsUpgrade::from_environ(req.environ()) {
                Ok(upgrade) => handler(req, upgrade.topics(&topics)).into_response(),
                Err(rejection) => {
                    req.log(&format!(
                        "{} {}: not a WebSocket handshake: {rejection}",
                        req.method(),
                        req.path()
                    ));
                    Ok(rejection.into_response())
                }
            }
        };
        self.router
            .add(path, Methods::Some(vec!["GET".to_owned()]), Arc::new(route));
        self
    }

    /// The topics the application's WebSockets publish and subscribe to:
    /// publish from an HTTP handler too (keep a clone in [`data`](Self::data)).
    pub fn topics(&self) -> Topics {
        self.topics.clone()
    }

    /// Mounts any rgi application under `prefix` (`/static`, `/api/v1`):
    /// requests for the prefix and below go to it, with the prefix moved
    /// from `PATH_INFO` to `SCRIPT_NAME` (MW-005), before routes are tried.
    /// Longer prefixes win.
    ///
    /// ```
    /// use rgi_web::App;
    ///
    /// let api = App::new().get("/items", |req: &mut rgi_web::Request| {
    ///     let env = req.environ();
    ///     format!("{} {}", env.get_str("SCRIPT_NAME").unwrap(), env.get_str("PATH_INFO").unwrap())
    /// });
    /// let app = App::new().mount("/api/v1", api).get("/", || "home");
    /// let client = rgi::test::TestClient::new(app);
    /// assert_eq!(client.get("/api/v1/items").text(), "/api/v1 /items");
    /// assert_eq!(client.get("/").text(), "home");
    /// ```
    pub fn mount(mut self, prefix: &str, app: impl Application) -> Self {
        let mount = Mount::new(prefix, Box::new(app));
        let at = self.mounts.partition_point(|m| m.len() >= mount.len());
        self.mounts.insert(at, mount);
        self
    }

    /// Shares `value` with every request ([`Request::data`]); one value per
    /// type. Use a `Mutex` or `RwLock` inside for data that changes.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU64, Ordering};
    /// use rgi_web::{App, Request};
    ///
    /// let app = App::new().data(AtomicU64::new(0)).get("/hits", |req: &mut Request| {
    ///     let hits = req.data::<AtomicU64>()?.fetch_add(1, Ordering::SeqCst) + 1;
    ///     Ok::<_, rgi_web::Error>(hits.to_string())
    /// });
    /// let client = rgi::test::TestClient::new(app);
    /// client.get("/hits");
    /// assert_eq!(client.get("/hits").text(), "2");
    /// ```
    pub fn data<T: Any + Send + Sync>(mut self, value: T) -> Self {
        match Arc::get_mut(&mut self.data) {
            Some(map) => map.insert(value),
            None => unreachable!("the data map is shared only while serving"),
        }
        self
    }

    /// An application with no routes and `value` as shared data (bareASGI's
    /// `Application(info=...)`): `App::new().data(value)`.
    pub fn with_data<T: Any + Send + Sync>(value: T) -> Self {
        App::new().data(value)
    }

    /// The most request body a handler reads (default 2 MiB): past it,
    /// [`Request::body`] and the readers built on it answer `413`.
    pub fn body_limit(mut self, bytes: u64) -> Self {
        self.body_limit = bytes;
        self
    }

    /// The handler for paths no route or mount has (default: `404` with
    /// `Not Found`). Its response keeps the status it sets; a `200` becomes
    /// `404`.
    pub fn on_not_found<Args, H: Handler<Args>>(mut self, handler: H) -> Self {
        self.not_found = Some(boxed(handler));
        self
    }

    /// The error handler (socketify's `on_error`): called with every error a
    /// handler returns and every handler panic (as
    /// [`ErrorKind::Panic`](crate::ErrorKind::Panic)), after the error was
    /// logged to the request's error stream. If it fails or panics itself,
    /// the default answer is sent: the error's status with its message for
    /// 4xx, the reason phrase alone for 5xx.
    ///
    /// ```
    /// use rgi_web::{App, Error, Request, Response};
    ///
    /// let app = App::new()
    ///     .get("/", || -> Result<&'static str, Error> { Err(Error::internal("Oops!")) })
    ///     .get("/panic", || -> &'static str { panic!("boom") })
    ///     .on_error(|err: &Error, _req: &mut Request| {
    ///         Response::text("Sorry we did something wrong").status(err.status())
    ///     });
    /// let client = rgi::test::TestClient::new(app);
    /// let res = client.get("/");
    /// assert_eq!((res.status(), res.text().as_str()), (500, "Sorry we did something wrong"));
    /// assert_eq!(client.get("/panic").status(), 500);
    /// ```
    pub fn on_error<F, R>(mut self, handler: F) -> Self
    where
        F: Fn(&Error, &mut Request) -> R + Send + Sync + 'static,
        R: IntoResponse,
    {
        self.on_error = Some(Arc::new(move |err: &Error, req: &mut Request| {
            handler(err, req).into_response()
        }));
        self
    }

    /// Compresses responses with gzip when the client accepts it
    /// (`Accept-Encoding`) and they are worth it: a 2xx (not 204 or 206) of
    /// a text, JSON, JavaScript, XML or SVG type, without a coding yet, in
    /// memory and at least `min_bytes` long, or streamed (compressed part by
    /// part, each part flushed). Such responses get `Vary: Accept-Encoding`
    /// whether compressed or not, and a compressed one a weak `ETag`. File
    /// bodies and mounted applications' responses are left alone.
    ///
    /// ```
    /// use rgi::test::TestRequest;
    /// let app = rgi_web::App::new().gzip(1024).get("/", || "hello ".repeat(1000));
    /// let client = rgi::test::TestClient::new(app);
    /// let res = client.request(TestRequest::get("/").header("Accept-Encoding", "gzip"));
    /// assert_eq!(res.header("content-encoding"), Some("gzip"));
    /// assert!(res.body().len() < 200);
    /// assert_eq!(client.get("/").body().len(), 6000); // not asked for
    /// ```
    pub fn gzip(mut self, min_bytes: u64) -> Self {
        self.gzip_min = Some(min_bytes);
        self
    }

    /// The shared data of type `T` given to [`data`](Self::data), for
    /// lifecycle hooks.
    pub fn shared<T: Any + Send + Sync>(&self) -> Option<&T> {
        self.data.get::<T>()
    }

    /// Adds a start hook (socketify's `on_start`): run once by the server
    /// before the first request (spec APP-015), in the order added, then the
    /// mounted applications' own. A failure is logged by the server, which
    /// serves anyway unless the hook returns [`rgi::StopServing`] (APP-016).
    ///
    /// ```
    /// use std::sync::Mutex;
    /// use rgi::Application;
    /// use rgi_web::{App, Request};
    ///
    /// let app = App::with_data(Mutex::new(None::<String>))
    ///     .on_start(|app: &App| {
    ///         let pool = app.shared::<Mutex<Option<String>>>().expect("registered");
    ///         *pool.lock().unwrap_or_else(|e| e.into_inner()) = Some("pool of 4".to_owned());
    ///         Ok(())
    ///     })
    ///     .on_shutdown(|app: &App| {
    ///         if let Some(pool) = app.shared::<Mutex<Option<String>>>() {
    ///             pool.lock().unwrap_or_else(|e| e.into_inner()).take();
    ///         }
    ///     })
    ///     .get("/", |req: &mut Request| {
    ///         let pool = req.lock::<Option<String>>()?.clone().unwrap_or_default();
    ///         rgi_web::ok(pool)
    ///     });
    /// Application::on_start(&app).unwrap(); // what a server does
    /// assert_eq!(rgi::test::TestClient::new(app).get("/").text(), "pool of 4");
    /// ```
    pub fn on_start<F>(mut self, hook: F) -> Self
    where
        F: Fn(&App) -> Result<(), rgi::AppError> + Send + Sync + 'static,
    {
        self.start_hooks.push(Box::new(hook));
        self
    }

    /// Adds a shutdown hook (socketify's `on_shutdown`): run once by the
    /// server after the last request finished (APP-017): the mounted
    /// applications' first, then these in the reverse order of adding.
    pub fn on_shutdown<F>(mut self, hook: F) -> Self
    where
        F: Fn(&App) + Send + Sync + 'static,
    {
        self.shutdown_hooks.push(Box::new(hook));
        self
    }

    /// The response to one request (routes, not-found, errors), without
    /// the mounts.
    fn respond(&self, env: &mut Environ) -> Response {
        let method = env.get_str("REQUEST_METHOD").unwrap_or("GET").to_owned();
        if env.get_bytes("PATH_INFO") == Some(b"*") {
            return self.asterisk(&method);
        }
        if let Some(reason) = bad_escape(env) {
            log_line(env, &format!("{method}: 400: {reason}"));
            return Response::text(reason).status(400);
        }
        let path = match env.path_info() {
            Ok(path) => path.to_owned(),
            Err(_) => {
                let shown = env.get("PATH_INFO").map(|v| v.to_str_lossy().into_owned());
                let reason =
                    format!("{method} {shown:?}: the path is not UTF-8, so no route can match it");
                log_line(env, &reason);
                return self.with_request(env, Vec::new(), |app, req| app.not_found(req));
            }
        };
        match self.router.select(&method, &path) {
            Selected::Handler {
                handler, params, ..
            } => self.with_request(env, params, |app, req| {
                guarded(|| handler(req)).unwrap_or_else(|err| app.error(err, req))
            }),
            Selected::NotFound => self.with_request(env, Vec::new(), |app, req| app.not_found(req)),
            Selected::Options { allow } => Response::empty(204).header("Allow", allow),
            Selected::NotAllowed { allow } => Response::text("Method Not Allowed")
                .status(405)
                .header("Allow", allow),
        }
    }

    /// Runs `f` with a [`Request`] that owns the environ for the time, and
    /// gives the environ back.
    fn with_request(
        &self,
        env: &mut Environ,
        params: Vec<(String, String)>,
        f: impl FnOnce(&App, &mut Request) -> Response,
    ) -> Response {
        let mut req = Request::new(
            std::mem::take(env),
            params,
            self.data.clone(),
            self.body_limit,
        );
        let response = f(self, &mut req);
        *env = req.into_environ();
        response
    }

    /// `OPTIONS *` lists every method; any other method on `*` is 400.
    fn asterisk(&self, method: &str) -> Response {
        if method == "OPTIONS" {
            Response::empty(204).header("Allow", self.router.all_methods())
        } else {
            Response::text("the target * is only for OPTIONS").status(400)
        }
    }

    /// The not-found handler's response (404 unless it chose another
    /// non-200 status), or the default one.
    fn not_found(&self, req: &mut Request) -> Response {
        let Some(handler) = &self.not_found else {
            return Response::text("Not Found").status(404);
        };
        match guarded(|| handler(req)) {
            Ok(mut response) => {
                if response.status_code() == 200 {
                    response.set_status(404);
                }
                response
            }
            Err(err) => self.error(err, req),
        }
    }

    /// Logs `err` and answers with the error handler (or the default).
    fn error(&self, err: Error, req: &mut Request) -> Response {
        let line = format!("{} {}: {err}", req.method(), req.full_url());
        req.log(&line);
        if let Some(handler) = &self.on_error {
            match guarded(|| handler(&err, req)) {
                Ok(response) => return response,
                Err(second) => req.log(&format!("the error handler failed too: {second}")),
            }
        }
        default_error_response(&err)
    }
}

/// Why the request target's path is not a valid URI path, if it has a `%`
/// not followed by two hex digits (RFC 3986 section 2.1). rgi leaves such
/// escapes literal in `PATH_INFO` (TEXT-003), where a route could not tell
/// them from a real `%`; the router refuses them instead.
fn bad_escape(env: &Environ) -> Option<String> {
    let target = env.get_bytes("REQUEST_URI")?;
    let path = target.split(|&b| b == b'?').next().unwrap_or(b"");
    let at = path.iter().enumerate().position(|(i, &b)| {
        b == b'%' && !matches!(path.get(i + 1..i + 3), Some([a, b]) if a.is_ascii_hexdigit() && b.is_ascii_hexdigit())
    })?;
    let shown = String::from_utf8_lossy(&path[at..path.len().min(at + 3)]).into_owned();
    Some(format!(
        "the request path has an invalid percent-escape {shown:?} at byte {at}"
    ))
}

/// Runs `f`, turning a panic into an [`Error`] (status 500).
fn guarded(f: impl FnOnce() -> Result<Response, Error>) -> Result<Response, Error> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| Err(Error::panic(payload.as_ref())))
}

/// The answer when no error handler answered: the status and, for 4xx, the
/// message.
pub(crate) fn default_error_response(err: &Error) -> Response {
    let status = err.status();
    if err.is_client_error() {
        Response::text(err.message().to_owned()).status(status)
    } else {
        let reason = rgi::status::StatusCode::new(status).map_or("Server Error", |s| s.reason());
        Response::text(reason).status(status)
    }
}

impl Application for App {
    /// Runs the start hooks, then the mounted applications' `on_start`; all
    /// of them run. A [`StopServing`](rgi::StopServing) from any is
    /// returned; otherwise the failures, if any, are returned together.
    fn on_start(&self) -> Result<(), rgi::AppError> {
        let mut failures: Vec<rgi::AppError> = Vec::new();
        for hook in &self.start_hooks {
            if let Err(e) = hook(self) {
                failures.push(e);
            }
        }
        for mount in &self.mounts {
            if let Err(e) = mount.app().on_start() {
                failures.push(e);
            }
        }
        if let Some(at) = failures
            .iter()
            .position(|e| rgi::StopServing::is(e.as_ref()))
        {
            return Err(failures.swap_remove(at));
        }
        match failures.len() {
            0 => Ok(()),
            1 => Err(failures.remove(0)),
            n => {
                let all: Vec<String> = failures.iter().map(ToString::to_string).collect();
                Err(format!("{n} start hooks failed: {}", all.join("; ")).into())
            }
        }
    }

    /// Runs the mounted applications' `on_shutdown`, then the shutdown
    /// hooks in reverse order.
    fn on_shutdown(&self) {
        for mount in &self.mounts {
            mount.app().on_shutdown();
        }
        for hook in self.shutdown_hooks.iter().rev() {
            hook(self);
        }
    }

    fn call(
        &self,
        env: &mut Environ,
        start: &mut dyn StartResponse,
    ) -> Result<Body, rgi::AppError> {
        if let Some(mount) = self
            .mounts
            .iter()
            .find(|m| m.matches(env.get_bytes("PATH_INFO").unwrap_or(b"")))
        {
            return mount.call(env, start);
        }
        let mut response = self.respond(env);
        if let Some(min_bytes) = self.gzip_min {
            response = crate::gzip::maybe_compress(response, env, min_bytes);
        }
        let head = env.get_bytes("REQUEST_METHOD") == Some(b"HEAD");
        send(env, start, response, head)
    }
}

/// Gives `response` to `start` and returns its body (none for HEAD, with
/// the GET body's length kept in `Content-Length`). A status or header that
/// rgi refuses is logged and becomes a plain `500`.
pub(crate) fn send(
    env: &mut Environ,
    start: &mut dyn StartResponse,
    response: Response,
    head: bool,
) -> Result<Body, rgi::AppError> {
    let (status, mut headers, mut body) = response.into_parts();
    if status == 101 {
        return send_switch(env, start, headers, body);
    }
    if !(200..=599).contains(&status) {
        log_line(
            env,
            &format!("a handler set the status {status}, which is not a final status (200-599, START-003)"),
        );
        return send_plain_500(start);
    }
    let bodiless = status == 204 || status == 304;
    if head || bodiless {
        if !bodiless && !headers.contains("content-length") {
            if let Some(len) = body.known_length() {
                headers.set("Content-Length", len.to_string());
            }
        }
        body = Body::empty();
    }
    // Checked here, before the one `start` call, so that a refused
    // response can still become a plain 500 (rgi's checks, START-003,
    // HDR-001..006).
    let line = format!(
        "{status} {}",
        rgi::status::reason_phrase(status).unwrap_or("Unknown")
    );
    if let Err(e) = rgi::start_response::check_response(&line, &headers) {
        log_line(env, &format!("the response was refused: {e}"));
        return send_plain_500(start);
    }
    match start.start(status, headers) {
        Ok(()) => Ok(body),
        Err(e) => {
            log_line(env, &format!("the response was refused: {e}"));
            send_plain_500(start)
        }
    }
}

/// A `101 Switching Protocols` (a WebSocket accepted): only with an upgrade
/// body, on a request whose connection the server can hand over (spec
/// section 12, UPG-002, UPG-003, UPG-005).
fn send_switch(
    env: &mut Environ,
    start: &mut dyn StartResponse,
    headers: rgi::Headers,
    body: Body,
) -> Result<Body, rgi::AppError> {
    const LINE: &str = "101 Switching Protocols";
    let refused = if !body.is_upgrade() {
        Some("a 101 needs Body::upgrade (UPG-005)".to_owned())
    } else if !env.upgrade_available() {
        Some(
            "this server cannot hand the connection over (rgi.upgrade is false, UPG-003)"
                .to_owned(),
        )
    } else {
        rgi::start_response::check_switch(LINE, &headers)
            .err()
            .map(|e| e.to_string())
    };
    if let Some(reason) = refused {
        log_line(env, &format!("the response was refused: {reason}"));
        return send_plain_500(start);
    }
    match start.start(LINE, headers) {
        Ok(()) => Ok(body),
        Err(e) => {
            log_line(env, &format!("the response was refused: {e}"));
            send_plain_500(start)
        }
    }
}

fn send_plain_500(start: &mut dyn StartResponse) -> Result<Body, rgi::AppError> {
    start.start(500, [("Content-Type", crate::response::TEXT_PLAIN)].into())?;
    Ok(Body::from("Internal Server Error"))
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("mounts", &self.mounts.len())
            .field("data", &self.data)
            .field("body_limit", &self.body_limit)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rgi::test::{TestClient, TestRequest};

    #[test]
    fn head_uses_get_keeps_the_length_and_drops_the_body() {
        let client = TestClient::new(App::new().get("/", || "twelve bytes"));
        let res = client.head("/");
        assert_eq!(res.status(), 200);
        assert_eq!(res.header("content-length"), Some("12"));
        assert!(res.body().is_empty());
        assert!(res.findings().is_empty(), "{:?}", res.findings());
    }

    #[test]
    fn options_405_and_asterisk() {
        let app = App::new()
            .route("/a", ["GET", "PUT"], || "a")
            .post("/b", || "b");
        let client = TestClient::new(app);
        let res = client.options("/a");
        assert_eq!(
            (res.status(), res.header("allow")),
            (204, Some("GET, HEAD, PUT, OPTIONS"))
        );
        let res = client.delete("/a");
        assert_eq!(
            (res.status(), res.header("allow")),
            (405, Some("GET, HEAD, PUT, OPTIONS"))
        );
        let res = client.request(TestRequest::raw("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"));
        assert_eq!(
            (res.status(), res.header("allow")),
            (204, Some("GET, HEAD, PUT, POST, OPTIONS"))
        );
    }

    #[test]
    fn not_found_handler_keeps_a_chosen_status() {
        let client = TestClient::new(
            App::new().on_not_found(|req: &mut Request| format!("no {}", req.path())),
        );
        let res = client.get("/x");
        assert_eq!((res.status(), res.text().as_str()), (404, "no /x"));
        let client = TestClient::new(App::new().on_not_found(|| ("gone", 410)));
        assert_eq!(client.get("/x").status(), 410);
    }

    #[test]
    fn a_failing_error_handler_falls_back_to_the_default() {
        let app = App::new()
            .get("/bad", || -> Result<&'static str, Error> {
                Err(Error::bad_request("nope"))
            })
            .get("/boom", || -> &'static str { panic!("boom") })
            .on_error(|_err: &Error, _req: &mut Request| -> Response {
                panic!("the error handler too")
            });
        let client = TestClient::new(app);
        let res = client.get("/bad");
        assert_eq!((res.status(), res.text().as_str()), (400, "nope"));
        assert!(
            res.log().contains("the error handler failed too"),
            "{}",
            res.log()
        );
        let res = client.get("/boom");
        assert_eq!(
            (res.status(), res.text().as_str()),
            (500, "Internal Server Error")
        );
        assert!(res.log().contains("boom"), "{}", res.log());
    }

    #[test]
    fn lifecycle_hooks_run_in_order_through_mounts() {
        use std::sync::Mutex;
        type Log = Mutex<Vec<String>>;
        let log = Arc::new(Log::default());
        let note = |log: &Arc<Log>, what: &'static str| {
            let log = Arc::clone(log);
            move |_app: &App| {
                log.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(what.to_owned());
            }
        };
        let (a, b, c) = (
            note(&log, "start outer"),
            note(&log, "start inner"),
            note(&log, "stop inner"),
        );
        let inner = App::new()
            .on_start(move |app| {
                b(app);
                Err("inner failed".into())
            })
            .on_shutdown(c);
        let (d, e) = (note(&log, "stop outer 1"), note(&log, "stop outer 2"));
        let outer = App::new()
            .on_start(move |app| {
                a(app);
                Ok(())
            })
            .on_shutdown(d)
            .on_shutdown(e)
            .mount("/inner", inner);
        let err = Application::on_start(&outer).expect_err("the inner failure comes back");
        assert_eq!(err.to_string(), "inner failed");
        Application::on_shutdown(&outer);
        let seen = log.lock().unwrap_or_else(|e| e.into_inner()).clone();
        assert_eq!(
            seen,
            [
                "start outer",
                "start inner",
                "stop inner",
                "stop outer 2",
                "stop outer 1"
            ]
        );

        let stops = App::new()
            .on_start(|_| Err("plain".into()))
            .on_start(|_| Err(rgi::StopServing::new("no db").into()));
        let err = Application::on_start(&stops).expect_err("stop");
        assert!(rgi::StopServing::is(err.as_ref()), "{err}");
        let two = App::new()
            .on_start(|_| Err("a".into()))
            .on_start(|_| Err("b".into()));
        assert_eq!(
            Application::on_start(&two).unwrap_err().to_string(),
            "2 start hooks failed: a; b"
        );
    }

    #[test]
    fn what_rgi_refuses_becomes_a_logged_500() {
        let app = App::new()
            .get("/status", || Response::text("x").status(42))
            .get("/interim", || Response::text("x").status(101))
            .get("/header", || Response::text("x").header("Bad Name", "v"))
            .get("/hop", || Response::text("x").header("Connection", "close"));
        let client = TestClient::new(app).without_validation();
        for target in ["/status", "/interim", "/header", "/hop"] {
            let res = client.get(target);
            assert_eq!(
                (res.status(), res.text().as_str()),
                (500, "Internal Server Error"),
                "{target}"
            );
            assert!(res.log().contains("rgi-web:"), "{target}: {}", res.log());
        }
    }
}
