//! [`Response`] and [`IntoResponse`]: what handlers return.

use std::borrow::Cow;

use cookie::Cookie;
use rgi::{Body, Headers};
use serde::Serialize;

use crate::Error;

/// `text/plain; charset=utf-8`, the type of string responses.
pub const TEXT_PLAIN: &str = "text/plain; charset=utf-8";
/// `text/html; charset=utf-8`.
pub const TEXT_HTML: &str = "text/html; charset=utf-8";
/// `application/json`.
pub const APPLICATION_JSON: &str = "application/json";

/// A response: a status (a number; the reason phrase is filled in), headers
/// (cookies among them) and a body.
///
/// Build it in one expression:
///
/// ```
/// use rgi_web::{Response, Cookie, SameSite};
///
/// let res = Response::text("Hello World")
///     .status(201)
///     .header("Authorization", "utokenAuth123")
///     .cookie(("Auth", "utokenAuth123"))
///     .cookie(Cookie::build(("session", "s1")).path("/").http_only(true).same_site(SameSite::Lax));
/// assert_eq!(res.status_code(), 201);
/// assert_eq!(res.headers().get_all("set-cookie").collect::<Vec<_>>(),
///            ["Auth=utokenAuth123", "session=s1; HttpOnly; SameSite=Lax; Path=/"]);
/// ```
///
/// or step by step, PySGI's way:
///
/// ```
/// let mut res = rgi_web::Response::new("Hello World").content_type("text/plain");
/// res.set_cookie(("Auth", "utokenAuth123"));
/// res.set_header("Authorization", "utokenAuth123");
/// # assert_eq!(res.headers().get("content-type"), Some("text/plain"));
/// ```
pub struct Response {
    status: u16,
    headers: Headers,
    body: Body,
}

impl Response {
    /// `200 OK` with `body` and no `Content-Type` (add one with
    /// [`content_type`](Self::content_type)).
    pub fn new(body: impl Into<Body>) -> Self {
        Response {
            status: 200,
            headers: Headers::new(),
            body: body.into(),
        }
    }

    /// `200 OK`, `text/plain; charset=utf-8`.
    pub fn text(body: impl Into<Body>) -> Self {
        Response::new(body).content_type(TEXT_PLAIN)
    }

    /// `200 OK`, `text/html; charset=utf-8`. Escape what you put in it
    /// ([`escape_html`](crate::escape_html)).
    pub fn html(body: impl Into<Body>) -> Self {
        Response::new(body).content_type(TEXT_HTML)
    }

    /// `200 OK`, `application/octet-stream`.
    pub fn bytes(body: impl Into<Body>) -> Self {
        Response::new(body).content_type("application/octet-stream")
    }

    /// `200 OK`, `application/json`, `value` serialized; a value that
    /// cannot be serialized (a map with non-string keys) is a `500`.
    ///
    /// ```
    /// let res = rgi_web::Response::json(&serde_json::json!({"Hello": "World!"})).unwrap();
    /// assert_eq!(res.headers().get("content-type"), Some("application/json"));
    /// ```
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<Self, Error> {
        let bytes = serde_json::to_vec(value).map_err(|e| {
            Error::internal(format!("the response could not be serialized as JSON: {e}"))
        })?;
        Ok(Response::new(bytes).content_type(APPLICATION_JSON))
    }

    /// An empty response with `status` (`204`, `201`…).
    pub fn empty(status: u16) -> Self {
        Response::new(Body::empty()).status(status)
    }

    /// `200 OK` with no body and no `Content-Type` (socketify's
    /// `end_without_body`).
    pub fn end_without_body() -> Self {
        Response::empty(200)
    }

    /// `302 Found` to `location`.
    pub fn redirect(location: &str) -> Self {
        Response::redirect_with(302, location)
    }

    /// A redirect with `status` (301, 302, 303, 307, 308…; a status that is
    /// not 3xx gives 302) to `location`.
    ///
    /// ```
    /// let res = rgi_web::Response::redirect_with(308, "/new");
    /// assert_eq!(res.status_code(), 308);
    /// assert_eq!(res.headers().get("location"), Some("/new"));
    /// ```
    pub fn redirect_with(status: u16, location: &str) -> Self {
        let status = if (300..=399).contains(&status) {
            status
        } else {
            302
        };
        Response::empty(status).header("Location", location.to_owned())
    }

    /// socketify's one-line `send(message, content_type, status, headers)`.
    ///
    /// ```
    /// let res = rgi_web::Response::send(
    ///     "Not Found", "text/plain", 404, [("X-Rate-Limit-Remaining", "10")]);
    /// assert_eq!(res.status_code(), 404);
    /// assert_eq!(res.headers().get("x-rate-limit-remaining"), Some("10"));
    /// ```
    pub fn send<N, V>(
        body: impl Into<Body>,
        content_type: &str,
        status: u16,
        headers: impl IntoIterator<Item = (N, V)>,
    ) -> Self
    where
        N: Into<Cow<'static, str>>,
        V: Into<Cow<'static, str>>,
    {
        let mut res = Response::new(body)
            .content_type(content_type)
            .status(status);
        for (name, value) in headers {
            res.add_header(name, value);
        }
        res
    }

    // ----- chainable ---------------------------------------------------

    /// The same response with status `code` (the reason phrase is filled
    /// in when it is sent).
    pub fn status(mut self, code: u16) -> Self {
        self.set_status(code);
        self
    }

    /// The same response with header `name` set to `value` (replacing
    /// earlier values).
    pub fn header(
        mut self,
        name: impl Into<Cow<'static, str>>,
        value: impl Into<Cow<'static, str>>,
    ) -> Self {
        self.set_header(name, value);
        self
    }

    /// The same response with `Content-Type: content_type`.
    pub fn content_type(self, content_type: &str) -> Self {
        self.header("Content-Type", content_type.to_owned())
    }

    /// The same response with a cookie set (see
    /// [`set_cookie`](Self::set_cookie)).
    pub fn cookie(mut self, cookie: impl Into<Cookie<'static>>) -> Self {
        self.set_cookie(cookie);
        self
    }

    // ----- in place ----------------------------------------------------

    /// Sets the status code.
    pub fn set_status(&mut self, code: u16) -> &mut Self {
        self.status = code;
        self
    }

    /// Sets header `name` to `value`, replacing earlier values.
    pub fn set_header(
        &mut self,
        name: impl Into<Cow<'static, str>>,
        value: impl Into<Cow<'static, str>>,
    ) -> &mut Self {
        self.headers.set(name, value);
        self
    }

    /// Adds a header field (keeping earlier ones of the same name).
    pub fn add_header(
        &mut self,
        name: impl Into<Cow<'static, str>>,
        value: impl Into<Cow<'static, str>>,
    ) -> &mut Self {
        self.headers.add(name, value);
        self
    }

    /// Adds a `Set-Cookie` header. Give a `(name, value)` pair, or a
    /// [`Cookie`] built with every option the `cookie` crate has: path,
    /// domain, max-age, expires, secure, httponly, samesite, partitioned.
    /// Name and value are percent-encoded as needed.
    ///
    /// ```
    /// use rgi_web::{Cookie, SameSite, Response, cookie::time::Duration};
    ///
    /// let mut res = Response::text("ok");
    /// res.set_cookie(
    ///     Cookie::build(("session_id", "1234567890"))
    ///         .path("/")
    ///         .domain("example.com")
    ///         .max_age(Duration::minutes(30))
    ///         .secure(true)
    ///         .http_only(true)
    ///         .same_site(SameSite::None)
    ///         .partitioned(true),
    /// );
    /// let set = res.headers().get("set-cookie").unwrap();
    /// for part in ["session_id=1234567890", "HttpOnly", "SameSite=None", "Partitioned",
    ///              "Secure", "Path=/", "Domain=example.com", "Max-Age=1800"] {
    ///     assert!(set.contains(part), "{set}");
    /// }
    /// ```
    pub fn set_cookie(&mut self, cookie: impl Into<Cookie<'static>>) -> &mut Self {
        let cookie = cookie.into();
        self.headers.add("Set-Cookie", cookie.encoded().to_string());
        self
    }

    /// Tells the client to delete a cookie: a `Set-Cookie` with an empty
    /// value, `Max-Age=0` and an expiry in the past. Give the same path and
    /// domain the cookie was set with (a bare name means path `/`).
    ///
    /// ```
    /// let mut res = rgi_web::Response::text("bye");
    /// res.delete_cookie("session");
    /// let set = res.headers().get("set-cookie").unwrap();
    /// assert!(set.starts_with("session=;") && set.contains("Max-Age=0") && set.contains("Path=/"), "{set}");
    /// ```
    pub fn delete_cookie(&mut self, cookie: impl Into<Cookie<'static>>) -> &mut Self {
        let mut cookie = cookie.into();
        if cookie.path().is_none() {
            cookie.set_path("/");
        }
        cookie.make_removal();
        self.set_cookie(cookie)
    }

    /// Replaces the body.
    pub fn set_body(&mut self, body: impl Into<Body>) -> &mut Self {
        self.body = body.into();
        self
    }

    // ----- reading -----------------------------------------------------

    /// The status code.
    pub fn status_code(&self) -> u16 {
        self.status
    }

    /// The headers.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The headers, mutably.
    pub fn headers_mut(&mut self) -> &mut Headers {
        &mut self.headers
    }

    /// The body.
    pub fn body(&self) -> &Body {
        &self.body
    }

    /// Splits the response into status, headers and body.
    pub fn into_parts(self) -> (u16, Headers, Body) {
        (self.status, self.headers, self.body)
    }
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &self.body)
            .finish()
    }
}

/// A value serialized as the JSON response body (`200`,
/// `application/json`).
///
/// ```
/// # use rgi_web::{App, Json};
/// let app = App::new().get("/", || Json(serde_json::json!({"Hello": "World!"})));
/// assert_eq!(rgi::test::TestClient::new(app).get("/").text(), r#"{"Hello":"World!"}"#);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

/// What a handler may return: anything that becomes a [`Response`] or an
/// [`Error`] (which goes to the [error handler](crate::App::on_error)).
///
/// | returned | response |
/// |---|---|
/// | `&'static str`, `String` | `200`, `text/plain; charset=utf-8` |
/// | `Vec<u8>` | `200`, `application/octet-stream` |
/// | `(body, status)` | the body's response with that status |
/// | [`Response`] | itself |
/// | [`Json`]`(value)` | `200`, `application/json` |
/// | `Result<R, E>` | `R`'s response, or the error `E` converts into |
/// | `Option<R>` | `R`'s response, or `404` (through the error handler) |
pub trait IntoResponse {
    /// Converts into a response, or the error to answer with.
    fn into_response(self) -> Result<Response, Error>;
}

impl IntoResponse for Response {
    fn into_response(self) -> Result<Response, Error> {
        Ok(self)
    }
}

impl IntoResponse for &'static str {
    fn into_response(self) -> Result<Response, Error> {
        Ok(Response::text(self))
    }
}

impl IntoResponse for String {
    fn into_response(self) -> Result<Response, Error> {
        Ok(Response::text(self))
    }
}

impl IntoResponse for Vec<u8> {
    fn into_response(self) -> Result<Response, Error> {
        Ok(Response::bytes(self))
    }
}

impl<B: IntoResponse> IntoResponse for (B, u16) {
    fn into_response(self) -> Result<Response, Error> {
        Ok(self.0.into_response()?.status(self.1))
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Result<Response, Error> {
        Response::json(&self.0)
    }
}

impl<R: IntoResponse, E: Into<Error>> IntoResponse for Result<R, E> {
    fn into_response(self) -> Result<Response, Error> {
        self.map_err(Into::into)?.into_response()
    }
}

impl<R: IntoResponse> IntoResponse for Option<R> {
    fn into_response(self) -> Result<Response, Error> {
        match self {
            Some(r) => r.into_response(),
            None => Err(Error::not_found("no such resource")),
        }
    }
}

/// Escapes `&`, `<`, `>`, `"` and `'` for use in HTML text and attribute
/// values.
///
/// ```
/// assert_eq!(rgi_web::escape_html("<a href='x'>&</a>"), "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;");
/// ```
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use cookie::time::{Duration, OffsetDateTime};
    use cookie::SameSite;

    #[test]
    fn return_values_become_responses() {
        let r = "hi".into_response().unwrap();
        assert_eq!(
            (r.status_code(), r.headers().get("content-type")),
            (200, Some(TEXT_PLAIN))
        );
        let r = ("made", 201).into_response().unwrap();
        assert_eq!(r.status_code(), 201);
        let r = Json(vec![1, 2]).into_response().unwrap();
        assert_eq!(r.into_parts().2.into_bytes().unwrap(), b"[1,2]");
        let e = Err::<&str, _>(Error::bad_request("no"))
            .into_response()
            .unwrap_err();
        assert_eq!(e.status(), 400);
        let e = None::<String>.into_response().unwrap_err();
        assert_eq!(e.status(), 404);
        let io: Result<&str, std::io::Error> = Err(std::io::Error::other("x"));
        assert_eq!(io.into_response().unwrap_err().status(), 500);
        let mut map = std::collections::HashMap::new();
        map.insert(vec![1u8], 1);
        assert_eq!(Json(map).into_response().unwrap_err().status(), 500);
    }

    #[test]
    fn cookie_options_all_reach_set_cookie() {
        let expires = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let res = Response::text("x")
            .cookie(
                Cookie::build(("sid", "a b;c"))
                    .path("/app")
                    .domain("example.org")
                    .max_age(Duration::hours(1))
                    .expires(expires)
                    .secure(true)
                    .http_only(true)
                    .same_site(SameSite::Strict)
                    .partitioned(true),
            )
            .cookie(("plain", "v"));
        let all: Vec<&str> = res.headers().get_all("Set-Cookie").collect();
        assert_eq!(all.len(), 2);
        let first = all[0];
        for part in [
            "sid=a%20b%3Bc",
            "HttpOnly",
            "SameSite=Strict",
            "Partitioned",
            "Secure",
            "Path=/app",
            "Domain=example.org",
            "Max-Age=3600",
            "Expires=Fri, 15 Jan 2027 08:00:00 GMT",
        ] {
            assert!(first.contains(part), "{part} in {first}");
        }
        assert_eq!(all[1], "plain=v");
        res.headers().validate().expect("valid header fields");
    }

    #[test]
    fn deleting_keeps_path_and_domain() {
        let mut res = Response::text("x");
        res.delete_cookie(Cookie::build("sid").path("/app").domain("example.org"));
        let set = res.headers().get("set-cookie").unwrap();
        assert!(set.starts_with("sid=;"), "{set}");
        for part in ["Path=/app", "Domain=example.org", "Max-Age=0", "Expires="] {
            assert!(set.contains(part), "{part} in {set}");
        }
    }

    #[test]
    fn redirects_and_send() {
        assert_eq!(Response::redirect("/x").status_code(), 302);
        assert_eq!(Response::redirect_with(200, "/x").status_code(), 302);
        assert_eq!(Response::redirect_with(303, "/x").status_code(), 303);
        let r = Response::send(
            "x",
            "application/octet-stream",
            202,
            [("A", "1"), ("A", "2")],
        );
        assert_eq!(r.headers().get_all("a").count(), 2);
        assert_eq!(r.status_code(), 202);
        assert!(Response::end_without_body().body().is_empty());
    }
}
