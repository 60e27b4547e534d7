//! [`StaticDir`]: an rgi application serving the files of one directory,
//! never anything outside it.

use std::path::{Path, PathBuf};

use rgi::{Application, Body, Environ, StartResponse};

use crate::app::{default_error_response, send};
use crate::request::log_line;
use crate::{Request, Response};

/// Serves the files below a directory (`GET` and `HEAD`; `OPTIONS` answered,
/// other methods `405`), with everything [`Response::file`] does: content
/// types, `ETag`, `Last-Modified`, `304`, one `Range`.
///
/// It never serves outside its root: a `..` segment, an encoded slash or
/// backslash (`%2F`, `%5C`) in the request, a NUL byte, a hidden name
/// (beginning with `.`) and a symbolic link that leads out of the root are
/// all `404`, with the reason in the error log. A directory is served by its
/// `index.html` (after a `301` that adds the final `/`), else `404`.
///
/// Mount it under a prefix:
///
/// ```no_run
/// let app = rgi_web::App::new()
///     .mount("/static", rgi_web::StaticDir::new("public")?)
///     .get("/", || "home");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct StaticDir {
    root: PathBuf,
    index: Option<String>,
}

/// Where a request path leads.
#[derive(Debug, PartialEq, Eq)]
enum Resolved {
    /// This file (canonical, inside the root).
    File(PathBuf),
    /// A directory asked for without its final `/`.
    AddSlash,
}

impl StaticDir {
    /// Serves `root`, which must be an existing directory (its canonical
    /// path is kept, so later symlink checks compare real paths).
    pub fn new(root: impl AsRef<Path>) -> std::io::Result<StaticDir> {
        let root = std::fs::canonicalize(root.as_ref())?;
        if !root.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("{} is not a directory", root.display()),
            ));
        }
        Ok(StaticDir {
            root,
            index: Some("index.html".to_owned()),
        })
    }

    /// The file served for a directory (default `index.html`; `None`: a
    /// directory is `404`).
    pub fn index_file(mut self, name: Option<&str>) -> StaticDir {
        self.index = name.map(str::to_owned);
        self
    }

    /// The canonical root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where `env`'s path leads, or why it leads nowhere.
    fn resolve(&self, env: &Environ) -> Result<Resolved, String> {
        let target = env.get_bytes("REQUEST_URI").unwrap_or(b"");
        let target_path = target.split(|&b| b == b'?').next().unwrap_or(b"");
        let lower = target_path.to_ascii_lowercase();
        if lower.windows(3).any(|w| w == b"%2f" || w == b"%5c") {
            return Err("an encoded slash or backslash in the request path".to_owned());
        }
        let path_info = env.get_bytes("PATH_INFO").unwrap_or(b"");
        let mut candidate = self.root.clone();
        for segment in path_info.split(|&b| b == b'/') {
            match segment {
                b"" | b"." => continue,
                b".." => return Err("a `..` segment".to_owned()),
                _ if segment.starts_with(b".") => return Err("a hidden name".to_owned()),
                _ if segment.iter().any(|&b| b == b'\\' || b == 0) => {
                    return Err("a backslash or NUL byte".to_owned())
                }
                _ => candidate.push(segment_path(segment)?),
            }
        }
        let real = std::fs::canonicalize(&candidate).map_err(|_| "no such file".to_owned())?;
        if !real.starts_with(&self.root) {
            return Err("a symbolic link that leads outside the root".to_owned());
        }
        if !real.is_dir() {
            return Ok(Resolved::File(real));
        }
        if !path_info.ends_with(b"/") {
            return Ok(Resolved::AddSlash);
        }
        let index = self
            .index
            .as_deref()
            .ok_or_else(|| "a directory".to_owned())?;
        let real = std::fs::canonicalize(real.join(index))
            .map_err(|_| "a directory without index".to_owned())?;
        if real.starts_with(&self.root) && real.is_file() {
            Ok(Resolved::File(real))
        } else {
            Err("a directory without a usable index".to_owned())
        }
    }

    /// The response to a GET or HEAD.
    fn serve(&self, env: &mut Environ) -> Response {
        match self.resolve(env) {
            Err(reason) => {
                let path = env
                    .get("PATH_INFO")
                    .map(|v| v.to_str_lossy().into_owned())
                    .unwrap_or_default();
                log_line(env, &format!("static {path:?}: 404: {reason}"));
                Response::text("Not Found").status(404)
            }
            Ok(Resolved::AddSlash) => {
                let req = Request::from_environ(std::mem::take(env));
                let query = req.query_string().to_owned();
                let mut location = format!("{}/", req.url());
                if !query.is_empty() {
                    location = format!("{location}?{query}");
                }
                *env = req.into_environ();
                Response::redirect_with(301, &location)
            }
            Ok(Resolved::File(path)) => {
                let mut req = Request::from_environ(std::mem::take(env));
                let result = Response::file(&mut req, &path);
                *env = req.into_environ();
                result.unwrap_or_else(|e| default_error_response(&e))
            }
        }
    }
}

/// A path segment as a file name: any bytes on Unix, UTF-8 elsewhere.
fn segment_path(segment: &[u8]) -> Result<PathBuf, String> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Ok(PathBuf::from(std::ffi::OsStr::from_bytes(segment)))
    }
    #[cfg(not(unix))]
    {
        std::str::from_utf8(segment)
            .map(PathBuf::from)
            .map_err(|_| "a file name that is not UTF-8".to_owned())
    }
}

impl Application for StaticDir {
    fn call(
        &self,
        env: &mut Environ,
        start: &mut dyn StartResponse,
    ) -> Result<Body, rgi::AppError> {
        let method = env.get_str("REQUEST_METHOD").unwrap_or("GET").to_owned();
        let allow = "GET, HEAD, OPTIONS";
        let response = match method.as_str() {
            "GET" | "HEAD" => self.serve(env),
            "OPTIONS" => Response::empty(204).header("Allow", allow),
            _ => Response::text("Method Not Allowed")
                .status(405)
                .header("Allow", allow),
        };
        send(env, start, response, method == "HEAD")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rgi::test::{TestClient, TestRequest};

    /// A root with a file, a hidden file, a subdirectory with an index, and
    /// a secret outside it (reached by a symlink on Unix).
    fn fixture(tag: &str) -> (PathBuf, StaticDir) {
        let base =
            std::env::temp_dir().join(format!("rgi-web-static-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let root = base.join("root");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("a.txt"), "alpha").unwrap();
        std::fs::write(root.join(".env"), "hidden").unwrap();
        std::fs::write(root.join("sub/index.html"), "<p>index</p>").unwrap();
        std::fs::write(base.join("secret.txt"), "secret").unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(base.join("secret.txt"), root.join("link.txt")).unwrap();
            std::os::unix::fs::symlink(root.join("a.txt"), root.join("inside.txt")).unwrap();
        }
        let dir = StaticDir::new(&root).unwrap();
        (base, dir)
    }

    #[test]
    fn serves_files_and_indexes() {
        let (base, dir) = fixture("serve");
        let client = TestClient::new(crate::App::new().mount("/static", dir));
        let res = client.get("/static/a.txt");
        assert_eq!((res.status(), res.text().as_str()), (200, "alpha"));
        assert_eq!(
            res.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
        let res = client.get("/static/sub/");
        assert_eq!((res.status(), res.text().as_str()), (200, "<p>index</p>"));
        let res = client.get("/static/sub?x=1");
        assert_eq!(
            (res.status(), res.header("location")),
            (301, Some("/static/sub/?x=1"))
        );
        let res = client.head("/static/a.txt");
        assert_eq!(
            (res.status(), res.header("content-length"), res.body()),
            (200, Some("5"), &b""[..])
        );
        assert_eq!(client.post("/static/a.txt", "").status(), 405);
        assert_eq!(
            client.options("/static/a.txt").header("allow"),
            Some("GET, HEAD, OPTIONS")
        );
        #[cfg(unix)]
        assert_eq!(client.get("/static/inside.txt").text(), "alpha");
        std::fs::remove_dir_all(base).unwrap();
    }

    #[test]
    fn never_serves_outside_the_root() {
        let (base, dir) = fixture("escape");
        let client = TestClient::new(crate::App::new().mount("/static", dir));
        for target in [
            "/static/../secret.txt",
            "/static/sub/../../secret.txt",
            "/static/%2e%2e/secret.txt",
            "/static/..%2fsecret.txt",
            "/static/..%2Fsecret.txt",
            "/static/..%5csecret.txt",
            "/static/sub%2f..%2f..%2fsecret.txt",
            "/static/.env",
            "/static/a.txt%00",
            "/static/link.txt",
            "/static/missing",
            "/static/",
        ] {
            let res = client.request(TestRequest::get(target));
            assert_eq!(res.status(), 404, "{target}: {}", res.text());
            assert!(!res.text().contains("secret"), "{target}");
            assert!(
                res.log().contains("404"),
                "{target}: the reason is logged: {}",
                res.log()
            );
        }
        std::fs::remove_dir_all(base).unwrap();
    }

    #[test]
    fn a_missing_root_is_an_error() {
        assert!(StaticDir::new("/nonexistent/rgi-web").is_err());
    }
}
