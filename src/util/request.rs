//! Reading the request: the query string, an urlencoded form, the body and
//! cookies, each in one call.

use std::fmt;
use std::io::{self, Read};

use crate::Environ;

/// Decodes `application/x-www-form-urlencoded` bytes (a query string or a
/// form body) into `(name, value)` pairs, in order, duplicates kept: `+` is
/// a space, `%XX` a byte, and bytes that are not UTF-8 become U+FFFD (use
/// the raw `QUERY_STRING` bytes when that matters).
///
/// ```
/// let pairs = rgi::util::parse_urlencoded(b"q=rust+web&tag=a&tag=b&e=%C3%A9");
/// assert_eq!(pairs, [("q", "rust web"), ("tag", "a"), ("tag", "b"), ("e", "é")]
///     .map(|(n, v)| (n.to_owned(), v.to_owned())));
/// ```
pub fn parse_urlencoded(bytes: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(bytes)
        .map(|(n, v)| (n.into_owned(), v.into_owned()))
        .collect()
}

/// The `QUERY_STRING` as `(name, value)` pairs (see [`parse_urlencoded`]);
/// empty when there is none.
///
/// Parsing a query:
///
/// ```
/// use rgi::{Body, Environ, StartResponse};
///
/// fn search(env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, rgi::AppError> {
///     let query = rgi::util::query_pairs(env);
///     let term = query.iter().find(|(k, _)| k == "q").map_or("", |(_, v)| v.as_str());
///     start.start(200, [("Content-Type", "text/plain; charset=utf-8")].into())?;
///     Ok(Body::from(format!("searching for {term:?}")))
/// }
///
/// let client = rgi::test::TestClient::new(rgi::app(search));
/// assert_eq!(client.get("/?q=caf%C3%A9+au+lait").text(), r#"searching for "café au lait""#);
/// ```
pub fn query_pairs(environ: &Environ) -> Vec<(String, String)> {
    environ
        .get_bytes("QUERY_STRING")
        .map(parse_urlencoded)
        .unwrap_or_default()
}

/// Why [`read_body`] or [`read_form`] gave no result.
#[derive(Debug)]
pub enum BodyError {
    /// The body is longer than the limit the application set; answer
    /// `413 Content Too Large`.
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// [`read_form`] on a body whose `Content-Type` is not
    /// `application/x-www-form-urlencoded`; answer `415 Unsupported Media
    /// Type`.
    NotUrlencoded {
        /// The request's `CONTENT_TYPE` as text (lossy).
        content_type: String,
    },
    /// Reading `rgi.input` failed (the client went away, a malformed
    /// chunked body: INPUT-003).
    Io(io::Error),
}

impl BodyError {
    /// The status to answer with: 413, 415, or 400 for a failed read.
    pub fn status(&self) -> u16 {
        match self {
            BodyError::TooLarge { .. } => 413,
            BodyError::NotUrlencoded { .. } => 415,
            BodyError::Io(_) => 400,
        }
    }
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyError::TooLarge { limit } => write!(
                f,
                "the request body is longer than the {limit} bytes allowed; answer 413 or raise the limit"
            ),
            BodyError::NotUrlencoded { content_type } => write!(
                f,
                "the request body is {content_type:?}, not application/x-www-form-urlencoded; answer 415"
            ),
            BodyError::Io(err) => write!(f, "reading the request body failed: {err}"),
        }
    }
}

impl std::error::Error for BodyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BodyError::Io(err) => Some(err),
            _ => None,
        }
    }
}

/// Reads the whole request body from `rgi.input`, refusing more than
/// `limit` bytes (the server's stream ends at the end of the body:
/// INPUT-001, chunked or not).
///
/// Reading a POST body:
///
/// ```
/// use rgi::{Body, Environ, StartResponse};
///
/// fn echo(env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, rgi::AppError> {
///     match rgi::util::read_body(env, 64 * 1024) {
///         Ok(body) => {
///             start.start(200, [("Content-Type", "application/octet-stream")].into())?;
///             Ok(Body::from(body))
///         }
///         Err(err) => {
///             start.start(err.status(), [("Content-Type", "text/plain")].into())?;
///             Ok(Body::from(err.to_string()))
///         }
///     }
/// }
///
/// let client = rgi::test::TestClient::new(rgi::app(echo));
/// assert_eq!(client.post("/", "ping").body(), b"ping");
/// assert_eq!(client.post("/", vec![b'x'; 70_000]).status(), 413);
/// ```
pub fn read_body(environ: &mut Environ, limit: usize) -> Result<Vec<u8>, BodyError> {
    let mut body = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    environ
        .input()
        .take(cap)
        .read_to_end(&mut body)
        .map_err(BodyError::Io)?;
    if body.len() > limit {
        return Err(BodyError::TooLarge { limit });
    }
    Ok(body)
}

/// Reads an `application/x-www-form-urlencoded` body (an HTML form's
/// POST) into `(name, value)` pairs (see [`parse_urlencoded`]), refusing a
/// body over `limit` bytes or of another `Content-Type` (a missing one is
/// accepted).
///
/// ```
/// use rgi::test::{TestClient, TestRequest};
/// use rgi::{Body, Environ, StartResponse};
///
/// fn signup(env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, rgi::AppError> {
///     let form = match rgi::util::read_form(env, 16 * 1024) {
///         Ok(form) => form,
///         Err(err) => {
///             start.start(err.status(), [("Content-Type", "text/plain")].into())?;
///             return Ok(Body::from(err.to_string()));
///         }
///     };
///     let name = form.iter().find(|(k, _)| k == "name").map_or("?", |(_, v)| v.as_str());
///     start.start(200, [("Content-Type", "text/plain; charset=utf-8")].into())?;
///     Ok(Body::from(format!("welcome, {name}")))
/// }
///
/// let client = TestClient::new(rgi::app(signup));
/// let form = TestRequest::post("/signup")
///     .header("Content-Type", "application/x-www-form-urlencoded")
///     .body("name=Ada+Lovelace&lang=en");
/// assert_eq!(client.request(form).text(), "welcome, Ada Lovelace");
/// let json = TestRequest::post("/signup").header("Content-Type", "application/json").body("{}");
/// assert_eq!(client.request(json).status(), 415);
/// ```
pub fn read_form(environ: &mut Environ, limit: usize) -> Result<Vec<(String, String)>, BodyError> {
    if let Some(content_type) = environ.get_bytes("CONTENT_TYPE") {
        let essence = String::from_utf8_lossy(content_type);
        let essence = essence.split(';').next().unwrap_or("").trim();
        if !essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            return Err(BodyError::NotUrlencoded {
                content_type: String::from_utf8_lossy(content_type).into_owned(),
            });
        }
    }
    read_body(environ, limit).map(|body| parse_urlencoded(&body))
}

/// The request's cookies (the `Cookie` header, RFC 6265 section 5.4) as
/// `(name, value)` pairs, in order; a value in double quotes loses them.
/// Values are not decoded further.
///
/// Reading a cookie:
///
/// ```
/// use rgi::test::{TestClient, TestRequest};
/// use rgi::{Body, Environ, StartResponse};
///
/// fn whoami(env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, rgi::AppError> {
///     let cookies = rgi::util::cookies(env);
///     let user = cookies.iter().find(|(k, _)| k == "user").map(|(_, v)| v.clone());
///     start.start(200, [("Content-Type", "text/plain")].into())?;
///     Ok(Body::from(user.unwrap_or_else(|| "anonymous".to_owned())))
/// }
///
/// let client = TestClient::new(rgi::app(whoami));
/// let request = TestRequest::get("/").header("Cookie", "theme=dark; user=ada");
/// assert_eq!(client.request(request).text(), "ada");
/// assert_eq!(client.get("/").text(), "anonymous");
/// ```
pub fn cookies(environ: &Environ) -> Vec<(String, String)> {
    let Some(header) = environ.get_bytes("HTTP_COOKIE") else {
        return Vec::new();
    };
    // Several Cookie lines reach the environ joined (ENV-019); both "; "
    // and ", " then separate pairs.
    String::from_utf8_lossy(header)
        .split([';', ','])
        .filter_map(|pair| {
            let (name, value) = pair.split_once('=')?;
            let name = name.trim();
            let value = value.trim();
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value);
            (!name.is_empty()).then(|| (name.to_owned(), value.to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_pairs_decode_and_keep_order() {
        let mut env = Environ::new();
        assert!(query_pairs(&env).is_empty());
        env.set("QUERY_STRING", "a=1&b=&c&a=2&sp=x+y%20z&bad=%FF");
        let pairs = query_pairs(&env);
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(n, v)| (&**n, &**v)).collect();
        assert_eq!(
            pairs,
            [
                ("a", "1"),
                ("b", ""),
                ("c", ""),
                ("a", "2"),
                ("sp", "x y z"),
                ("bad", "\u{fffd}")
            ]
        );
    }

    #[test]
    fn body_limits_and_content_type() {
        let mut env = Environ::new();
        env.set_input(Box::new(io::Cursor::new(b"abc".to_vec())));
        assert_eq!(read_body(&mut env, 3).unwrap(), b"abc");
        env.set_input(Box::new(io::Cursor::new(b"abcd".to_vec())));
        assert!(matches!(
            read_body(&mut env, 3),
            Err(BodyError::TooLarge { limit: 3 })
        ));
        env.set(
            "CONTENT_TYPE",
            "Application/X-WWW-Form-Urlencoded; charset=utf-8",
        );
        env.set_input(Box::new(io::Cursor::new(b"k=v".to_vec())));
        assert_eq!(read_form(&mut env, 10).unwrap(), [("k".into(), "v".into())]);
        env.set("CONTENT_TYPE", "multipart/form-data; boundary=x");
        let err = read_form(&mut env, 10).unwrap_err();
        assert_eq!(err.status(), 415);
        assert!(err.to_string().contains("multipart/form-data"));
    }

    #[test]
    fn cookie_pairs() {
        let mut env = Environ::new();
        assert!(cookies(&env).is_empty());
        env.set("HTTP_COOKIE", "a=1; b=\"two\";c=x=y, d=4; junk; =e");
        let got = cookies(&env);
        let got: Vec<(&str, &str)> = got.iter().map(|(n, v)| (&**n, &**v)).collect();
        assert_eq!(got, [("a", "1"), ("b", "two"), ("c", "x=y"), ("d", "4")]);
    }
}
