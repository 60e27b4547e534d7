//! Files as responses ([`Response::file`]): Content-Type from the name,
//! `ETag` and `Last-Modified`, conditional requests (`304`, `412`) and one
//! byte range (`206`, `416`), per RFC 9110 sections 13 and 14.

use std::fs::File;
use std::io::{Seek, SeekFrom};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use rgi::util::FileWrapper;
use rgi::Body;

use crate::{Error, Request, Response};

/// What a file's validators are: its length, modification time and the
/// entity tag made of both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Validators {
    pub(crate) len: u64,
    pub(crate) modified: Option<SystemTime>,
    pub(crate) etag: String,
}

impl Validators {
    fn of(meta: &std::fs::Metadata) -> Validators {
        let modified = meta.modified().ok();
        let since = modified
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .unwrap_or_default();
        Validators {
            len: meta.len(),
            modified,
            etag: format!(
                "\"{:x}-{:x}.{:x}\"",
                meta.len(),
                since.as_secs(),
                since.subsec_nanos()
            ),
        }
    }

    /// The modification time in whole seconds (HTTP dates have no finer
    /// resolution).
    fn modified_secs(&self) -> Option<u64> {
        Some(self.modified?.duration_since(UNIX_EPOCH).ok()?.as_secs())
    }
}

/// The outcome of the conditional headers (RFC 9110 section 13.2.2).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Precondition {
    /// Send the file (perhaps a range of it).
    Proceed,
    /// `304 Not Modified` (GET and HEAD).
    NotModified,
    /// `412 Precondition Failed`.
    Failed,
}

/// Evaluates `If-Match`, `If-Unmodified-Since`, `If-None-Match` and
/// `If-Modified-Since`, in the order RFC 9110 section 13.2.2 gives.
pub(crate) fn precondition(req: &Request, v: &Validators) -> Precondition {
    let safe = matches!(req.method(), "GET" | "HEAD");
    if let Some(if_match) = req.header("if-match") {
        if !etag_list_matches(if_match, &v.etag, true) {
            return Precondition::Failed;
        }
    } else if let Some(date) = req.header("if-unmodified-since").and_then(parse_date) {
        if v.modified_secs().is_some_and(|m| m > date) {
            return Precondition::Failed;
        }
    }
    if let Some(if_none_match) = req.header("if-none-match") {
        if etag_list_matches(if_none_match, &v.etag, false) {
            return if safe {
                Precondition::NotModified
            } else {
                Precondition::Failed
            };
        }
    } else if safe {
        if let Some(date) = req.header("if-modified-since").and_then(parse_date) {
            if v.modified_secs().is_some_and(|m| m <= date) {
                return Precondition::NotModified;
            }
        }
    }
    Precondition::Proceed
}

/// True if the comma-separated entity-tag list (or `*`) matches `etag`;
/// `strong` asks for the strong comparison (weak tags never match).
fn etag_list_matches(list: &str, etag: &str, strong: bool) -> bool {
    let list = list.trim();
    if list == "*" {
        return true;
    }
    list.split(',').map(str::trim).any(|tag| {
        let (weak, opaque) = match tag.strip_prefix("W/") {
            Some(rest) => (true, rest),
            None => (false, tag),
        };
        if strong && weak {
            return false;
        }
        opaque == etag
    })
}

/// Seconds since the epoch of an HTTP date, if it is one.
fn parse_date(text: &str) -> Option<u64> {
    let time = httpdate::parse_http_date(text.trim()).ok()?;
    Some(time.duration_since(UNIX_EPOCH).ok()?.as_secs())
}

/// What the `Range` header asks of a representation of `len` bytes.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum RangeAsk {
    /// The whole representation (no Range, or one this server ignores: not
    /// `bytes`, several ranges, malformed — RFC 9110 section 14.2 allows
    /// ignoring it).
    Full,
    /// Bytes `first..=last`.
    Part { first: u64, last: u64 },
    /// No byte of the range exists: `416`.
    Unsatisfiable,
}

/// Parses one `bytes=first-last`, `bytes=first-` or `bytes=-suffix` range.
pub(crate) fn parse_range(header: &str, len: u64) -> RangeAsk {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return RangeAsk::Full;
    };
    if spec.contains(',') {
        return RangeAsk::Full;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeAsk::Full;
    };
    let number = |s: &str| -> Option<u64> {
        let s = s.trim();
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
    };
    match (first.trim().is_empty(), number(first), number(last)) {
        // bytes=-N: the last N bytes.
        (true, _, Some(suffix)) => {
            if suffix == 0 || len == 0 {
                RangeAsk::Unsatisfiable
            } else {
                RangeAsk::Part {
                    first: len.saturating_sub(suffix),
                    last: len - 1,
                }
            }
        }
        (false, Some(first), last) if last.is_some() || last_is_empty(spec) => {
            if first >= len {
                return RangeAsk::Unsatisfiable;
            }
            match last {
                Some(last) if last < first => RangeAsk::Full,
                Some(last) => RangeAsk::Part {
                    first,
                    last: last.min(len - 1),
                },
                None => RangeAsk::Part {
                    first,
                    last: len - 1,
                },
            }
        }
        _ => RangeAsk::Full,
    }
}

/// True for `first-` (an open range), as opposed to `first-junk`.
fn last_is_empty(spec: &str) -> bool {
    spec.split_once('-')
        .is_some_and(|(_, last)| last.trim().is_empty())
}

/// True if an `If-Range` header lets the range apply: it names the current
/// entity tag (strongly) or the exact modification date.
fn if_range_allows(req: &Request, v: &Validators) -> bool {
    let Some(value) = req.header("if-range") else {
        return true;
    };
    let value = value.trim();
    if value.starts_with('"') {
        return value == v.etag;
    }
    match (parse_date(value), v.modified_secs()) {
        (Some(date), Some(modified)) => date == modified,
        _ => false,
    }
}

/// The `Content-Type` for `path`: from its extension, `charset=utf-8` added
/// for text; `application/octet-stream` when unknown.
pub fn content_type_for(path: &Path) -> String {
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    if mime.type_() == mime_guess::mime::TEXT && mime.get_param("charset").is_none() {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_string()
    }
}

impl Response {
    /// The file at `path` as the response to `req`: `Content-Type` from the
    /// name, `ETag`, `Last-Modified` and `Accept-Ranges: bytes`; `304` when
    /// `If-None-Match` or `If-Modified-Since` says the client has it, `412`
    /// when `If-Match` or `If-Unmodified-Since` fails; one `Range` gives
    /// `206` with `Content-Range` (or `416` when no byte of it exists;
    /// several ranges get the whole file). The body is a file body, which
    /// servers send natively.
    ///
    /// A missing file or a directory is `404`; the reasons of `412` and `416`
    /// are logged to the request's error stream.
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("rgi-web-doc-file-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # std::fs::write(dir.join("hello.txt"), "hello, file").unwrap();
    /// use rgi::test::TestRequest;
    /// use rgi_web::{App, Request, Response};
    ///
    /// let file = dir.join("hello.txt");
    /// let app = App::new().get("/hello", move |req: &mut Request| Response::file(req, &file));
    /// let client = rgi::test::TestClient::new(app);
    /// let full = client.get("/hello");
    /// assert_eq!(full.header("content-type"), Some("text/plain; charset=utf-8"));
    /// let etag = full.header("etag").unwrap().to_owned();
    /// let again = client.request(TestRequest::get("/hello").header("If-None-Match", &etag));
    /// assert_eq!(again.status(), 304);
    /// let part = client.request(TestRequest::get("/hello").header("Range", "bytes=7-"));
    /// assert_eq!((part.status(), part.text().as_str()), (206, "file"));
    /// assert_eq!(part.header("content-range"), Some("bytes 7-10/11"));
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn file(req: &mut Request, path: impl AsRef<Path>) -> Result<Response, Error> {
        let path = path.as_ref();
        let not_found = || Error::not_found("no such file");
        let mut file = File::open(path).map_err(|_| not_found())?;
        let meta = file.metadata().map_err(|_| not_found())?;
        if !meta.is_file() {
            return Err(not_found());
        }
        let v = Validators::of(&meta);
        let mut res = Response::empty(200)
            .header("ETag", v.etag.clone())
            .header("Accept-Ranges", "bytes");
        if let Some(modified) = v.modified {
            res.set_header("Last-Modified", httpdate::fmt_http_date(modified));
        }
        match precondition(req, &v) {
            Precondition::NotModified => return Ok(res.status(304)),
            Precondition::Failed => {
                let url = req.url().into_owned();
                req.log(&format!("{url}: 412: a precondition (If-Match, If-Unmodified-Since, If-None-Match) failed"));
                return Ok(Response::text("Precondition Failed")
                    .status(412)
                    .header("ETag", v.etag));
            }
            Precondition::Proceed => {}
        }
        res.set_header("Content-Type", content_type_for(path));
        let ask = match req.header("range") {
            Some(range) if if_range_allows(req, &v) => parse_range(range, v.len),
            _ => RangeAsk::Full,
        };
        match ask {
            RangeAsk::Full => {
                res.set_body(Body::file(FileWrapper::from_file(file)?));
                Ok(res)
            }
            RangeAsk::Part { first, last } => {
                file.seek(SeekFrom::Start(first))?;
                let wrapper = FileWrapper::from_file(file)?.with_length(last - first + 1);
                res.set_body(Body::file(wrapper));
                res.set_header("Content-Range", format!("bytes {first}-{last}/{}", v.len));
                Ok(res.status(206))
            }
            RangeAsk::Unsatisfiable => {
                let (url, range) = (
                    req.url().into_owned(),
                    req.header("range").unwrap_or_default().to_owned(),
                );
                req.log(&format!(
                    "{url}: 416: the Range {range:?} has no byte in a file of {} bytes",
                    v.len
                ));
                Ok(Response::text("Range Not Satisfiable")
                    .status(416)
                    .header("Content-Range", format!("bytes */{}", v.len)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(headers: &[(&str, &str)], method: &str) -> Request {
        let mut env = rgi::Environ::new();
        env.set("REQUEST_METHOD", method.to_owned());
        for (name, value) in headers {
            env.set(
                format!("HTTP_{}", name.to_ascii_uppercase().replace('-', "_")),
                (*value).to_owned(),
            );
        }
        Request::from_environ(env)
    }

    fn validators() -> Validators {
        Validators {
            len: 100,
            modified: Some(UNIX_EPOCH + std::time::Duration::from_secs(784_111_777)),
            etag: "\"64-2ebc1e21.0\"".to_owned(),
        }
    }

    #[test]
    fn ranges() {
        use RangeAsk::*;
        assert_eq!(parse_range("bytes=0-9", 100), Part { first: 0, last: 9 });
        assert_eq!(
            parse_range("bytes=90-", 100),
            Part {
                first: 90,
                last: 99
            }
        );
        assert_eq!(
            parse_range("bytes=90-1000", 100),
            Part {
                first: 90,
                last: 99
            }
        );
        assert_eq!(
            parse_range("bytes=-10", 100),
            Part {
                first: 90,
                last: 99
            }
        );
        assert_eq!(parse_range("bytes=-1000", 100), Part { first: 0, last: 99 });
        assert_eq!(parse_range("bytes=100-", 100), Unsatisfiable);
        assert_eq!(parse_range("bytes=500-600", 100), Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 100), Unsatisfiable);
        assert_eq!(parse_range("bytes=0-", 0), Unsatisfiable);
        // Ignored: several ranges, other units, malformed, reversed.
        for ignored in [
            "bytes=0-1,5-6",
            "items=0-1",
            "bytes=a-b",
            "bytes=5",
            "bytes=9-3",
            "bytes=1-x",
            "bytes=+1-2",
        ] {
            assert_eq!(parse_range(ignored, 100), Full, "{ignored}");
        }
    }

    #[test]
    fn conditional_requests() {
        use Precondition::*;
        let v = validators();
        let date = "Sun, 06 Nov 1994 08:49:37 GMT"; // = the modification time
        let later = "Sun, 06 Nov 1994 08:49:38 GMT";
        let earlier = "Sun, 06 Nov 1994 08:49:36 GMT";
        let check =
            |headers: &[(&str, &str)], method: &str| precondition(&request(headers, method), &v);
        assert_eq!(check(&[], "GET"), Proceed);
        assert_eq!(check(&[("If-None-Match", &v.etag)], "GET"), NotModified);
        assert_eq!(
            check(
                &[("If-None-Match", &format!("\"x\", W/{}", v.etag))],
                "HEAD"
            ),
            NotModified
        );
        assert_eq!(check(&[("If-None-Match", "*")], "GET"), NotModified);
        assert_eq!(check(&[("If-None-Match", "\"other\"")], "GET"), Proceed);
        assert_eq!(check(&[("If-None-Match", &v.etag)], "PUT"), Failed);
        assert_eq!(check(&[("If-Modified-Since", date)], "GET"), NotModified);
        assert_eq!(check(&[("If-Modified-Since", later)], "GET"), NotModified);
        assert_eq!(check(&[("If-Modified-Since", earlier)], "GET"), Proceed);
        assert_eq!(
            check(&[("If-Modified-Since", "not a date")], "GET"),
            Proceed
        );
        // If-None-Match wins over If-Modified-Since.
        assert_eq!(
            check(
                &[("If-None-Match", "\"other\""), ("If-Modified-Since", later)],
                "GET"
            ),
            Proceed
        );
        assert_eq!(check(&[("If-Modified-Since", date)], "POST"), Proceed);
        assert_eq!(check(&[("If-Match", &v.etag)], "GET"), Proceed);
        assert_eq!(
            check(&[("If-Match", &format!("W/{}", v.etag))], "GET"),
            Failed
        );
        assert_eq!(check(&[("If-Match", "\"other\"")], "PUT"), Failed);
        assert_eq!(check(&[("If-Unmodified-Since", earlier)], "PUT"), Failed);
        assert_eq!(check(&[("If-Unmodified-Since", date)], "PUT"), Proceed);
    }

    #[test]
    fn if_range() {
        let v = validators();
        assert!(if_range_allows(&request(&[], "GET"), &v));
        assert!(if_range_allows(
            &request(&[("If-Range", &v.etag)], "GET"),
            &v
        ));
        assert!(!if_range_allows(
            &request(&[("If-Range", "\"old\"")], "GET"),
            &v
        ));
        assert!(if_range_allows(
            &request(&[("If-Range", "Sun, 06 Nov 1994 08:49:37 GMT")], "GET"),
            &v
        ));
        assert!(!if_range_allows(
            &request(&[("If-Range", "Sun, 06 Nov 1994 08:49:38 GMT")], "GET"),
            &v
        ));
    }

    #[test]
    fn content_types() {
        assert_eq!(
            content_type_for(Path::new("a.html")),
            "text/html; charset=utf-8"
        );
        assert_eq!(
            content_type_for(Path::new("a.css")),
            "text/css; charset=utf-8"
        );
        assert_eq!(content_type_for(Path::new("a.png")), "image/png");
        assert_eq!(content_type_for(Path::new("a.json")), "application/json");
        assert_eq!(
            content_type_for(Path::new("noext")),
            "application/octet-stream"
        );
    }
}
