//! [`Environ`]: the request as the application sees it — a CGI-like map of
//! byte values plus the typed `rgi.*` entries.

use std::any::{Any, TypeId};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::io::{self, BufRead, Write};
use std::sync::Arc;

/// The request body stream handed to the application (`rgi.input`).
///
/// Anything that is [`BufRead`] + [`Send`] is an input stream, so
/// `read`, `read_to_end`, `read_line` and `lines` all work. A server's stream
/// ends (returns 0) at the end of the request body (INPUT-001).
pub trait InputStream: BufRead + Send {}
impl<T: BufRead + Send + ?Sized> InputStream for T {}

/// The error stream handed to the application (`rgi.errors`): where it logs.
pub trait ErrorStream: Write + Send {}
impl<T: Write + Send + ?Sized> ErrorStream for T {}

/// An environ value: bytes, kept exactly as they came from the request.
///
/// Most values are UTF-8 text; [`EnvValue::as_str`] gives it. Values that are
/// not UTF-8 (a Latin-1 path, say) stay available, losslessly, through
/// [`EnvValue::as_bytes`] (TEXT-001).
///
/// ```
/// use rgi::EnvValue;
/// let v = EnvValue::from(&b"/caf\xe9"[..]);
/// assert_eq!(v.as_str(), None);
/// assert_eq!(v.as_bytes(), b"/caf\xe9");
/// assert_eq!(v.to_str_lossy(), "/caf\u{fffd}");
/// assert_eq!(EnvValue::from("/x").as_str(), Some("/x"));
/// ```
#[derive(Clone, Default)]
pub struct EnvValue(Repr);

/// An environ value that is present but not UTF-8: returned by
/// [`Environ::get_text`] and [`Environ::path_info`], so that "missing" and
/// "not text" are different in the type. The bytes stay available
/// (TEXT-001).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotUtf8 {
    key: String,
    bytes: Vec<u8>,
}

impl NotUtf8 {
    /// The environ key (`"PATH_INFO"`).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The value's bytes, as they came.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl fmt::Display for NotUtf8 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} is not UTF-8 ({:?}); answer 400 Bad Request, or read it with get_bytes",
            self.key,
            String::from_utf8_lossy(&self.bytes)
        )
    }
}

impl std::error::Error for NotUtf8 {}

/// How an [`EnvValue`] holds its bytes: borrowed for `'static` data, owned,
/// or shared (a server hands the same per-connection value, such as
/// `REMOTE_ADDR`, to every request without copying it).
#[derive(Clone)]
enum Repr {
    Static(&'static [u8]),
    Owned(Vec<u8>),
    Shared(Arc<[u8]>),
}

impl Default for Repr {
    fn default() -> Self {
        Repr::Static(b"")
    }
}

impl EnvValue {
    /// The value as text, if it is UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(self.as_bytes()).ok()
    }

    /// The value's bytes, exactly.
    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Static(b) => b,
            Repr::Owned(v) => v,
            Repr::Shared(a) => a,
        }
    }

    /// The value as text, with invalid UTF-8 replaced by U+FFFD.
    pub fn to_str_lossy(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(self.as_bytes())
    }

    /// The value's bytes, by value.
    pub fn into_bytes(self) -> Vec<u8> {
        match self.0 {
            Repr::Owned(v) => v,
            other => EnvValue(other).as_bytes().to_vec(),
        }
    }

    /// The length in bytes.
    pub fn len(&self) -> usize {
        self.as_bytes().len()
    }

    /// True for the empty value.
    pub fn is_empty(&self) -> bool {
        self.as_bytes().is_empty()
    }
}

impl PartialEq for EnvValue {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}
impl Eq for EnvValue {}
impl PartialOrd for EnvValue {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for EnvValue {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}
impl std::hash::Hash for EnvValue {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

impl fmt::Debug for EnvValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_str() {
            Some(s) => fmt::Debug::fmt(s, f),
            None => write!(f, "b\"{}\"", self.as_bytes().escape_ascii()),
        }
    }
}

impl fmt::Display for EnvValue {
    /// Shows the value as text, replacing invalid UTF-8 by U+FFFD.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_str_lossy())
    }
}

impl From<&'static str> for EnvValue {
    fn from(s: &'static str) -> Self {
        EnvValue(Repr::Static(s.as_bytes()))
    }
}
impl From<String> for EnvValue {
    fn from(s: String) -> Self {
        EnvValue(Repr::Owned(s.into_bytes()))
    }
}
impl From<&'static [u8]> for EnvValue {
    fn from(b: &'static [u8]) -> Self {
        EnvValue(Repr::Static(b))
    }
}
impl From<Vec<u8>> for EnvValue {
    fn from(b: Vec<u8>) -> Self {
        EnvValue(Repr::Owned(b))
    }
}
/// A shared value: cloning it (and the [`EnvValue`]) copies no bytes.
impl From<Arc<[u8]>> for EnvValue {
    fn from(b: Arc<[u8]>) -> Self {
        EnvValue(Repr::Shared(b))
    }
}
impl PartialEq<str> for EnvValue {
    fn eq(&self, other: &str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}
impl PartialEq<&str> for EnvValue {
    fn eq(&self, other: &&str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

/// A key of the CGI part of the environ: ASCII text, usually upper case.
pub type EnvKey = Cow<'static, str>;

/// The request, as handed to [`Application::call`](crate::Application::call).
///
/// Two parts:
/// * a map from CGI-style keys (`REQUEST_METHOD`, `PATH_INFO`, `HTTP_HOST`,
///   ...) to [`EnvValue`]s, which middleware may read and rewrite;
/// * typed `rgi.*` entries: the input and error streams, the URL scheme, the
///   server's flags and capabilities, and a type-keyed map of server
///   extensions.
///
/// ```
/// use rgi::Environ;
/// let mut env = Environ::new();
/// env.set("REQUEST_METHOD", "GET");
/// env.set("PATH_INFO", "/hello");
/// assert_eq!(env.get_str("PATH_INFO"), Some("/hello"));
/// assert_eq!(env.version(), (1, 0));
/// assert_eq!(env.url_scheme(), "http");
/// ```
pub struct Environ {
    vars: Vec<(EnvKey, EnvValue)>,
    input: Box<dyn InputStream>,
    errors: Box<dyn ErrorStream>,
    url_scheme: Cow<'static, str>,
    multithread: bool,
    multiprocess: bool,
    run_once: bool,
    input_terminated: bool,
    file_wrapper: bool,
    upgrade: bool,
    extensions: Extensions,
}

impl Environ {
    /// The `rgi.version` of this crate: `(1, 0)`.
    pub const VERSION: (u16, u16) = (1, 0);

    /// An environ with no CGI keys, an empty input stream, `stderr` as the
    /// error stream, scheme `http` and every flag false.
    pub fn new() -> Self {
        Environ {
            // 20 entries (960 bytes) cover a typical request; staying under
            // glibc's 1 KiB tcache limit avoids a malloc_consolidate per request.
            vars: Vec::with_capacity(20),
            input: Box::new(io::empty()),
            errors: Box::new(ProcessStderr),
            url_scheme: Cow::Borrowed("http"),
            multithread: false,
            multiprocess: false,
            run_once: false,
            input_terminated: false,
            file_wrapper: false,
            upgrade: false,
            extensions: Extensions::default(),
        }
    }

    /// The value of the CGI key `key`.
    pub fn get(&self, key: &str) -> Option<&EnvValue> {
        self.vars.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The value of `key` as text; `None` if absent **or not UTF-8**.
    ///
    /// Fine for values that are ASCII by construction (`REQUEST_METHOD`,
    /// `SERVER_PORT`, `CONTENT_LENGTH`). Where a missing key and a value
    /// that is not UTF-8 must be told apart — routing on `PATH_INFO`, where
    /// `get_str("PATH_INFO").unwrap_or("/")` would send `GET /caf%E9` to
    /// the home page — use [`get_text`](Self::get_text) or
    /// [`path_info`](Self::path_info), which return the difference in
    /// their type.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(EnvValue::as_str)
    }

    /// The value of `key` as text: `Ok(None)` if the key is absent,
    /// `Err` (with the bytes, which stay readable through
    /// [`get_bytes`](Self::get_bytes): TEXT-001) if it is present but not
    /// UTF-8.
    ///
    /// ```
    /// let mut env = rgi::Environ::new();
    /// env.set("HTTP_X_NAME", &b"Jos\xe9"[..]);
    /// env.set("HTTP_X_CITY", "Paris");
    /// assert_eq!(env.get_text("HTTP_X_CITY"), Ok(Some("Paris")));
    /// assert_eq!(env.get_text("HTTP_X_MISSING"), Ok(None));
    /// let err = env.get_text("HTTP_X_NAME").unwrap_err();
    /// assert_eq!(err.bytes(), b"Jos\xe9");
    /// ```
    pub fn get_text(&self, key: &str) -> Result<Option<&str>, NotUtf8> {
        match self.get(key) {
            None => Ok(None),
            Some(value) => value.as_str().map(Some).ok_or_else(|| NotUtf8 {
                key: key.to_owned(),
                bytes: value.as_bytes().to_vec(),
            }),
        }
    }

    /// `PATH_INFO` as text, `""` when absent (the application root), or
    /// `Err` when the decoded path is not UTF-8 — answer `400 Bad Request`
    /// or route on [`get_bytes`](Self::get_bytes)`("PATH_INFO")` then,
    /// never fall back to another page (APP-009).
    ///
    /// Routing on `PATH_INFO`:
    ///
    /// ```
    /// use rgi::{Body, Environ, StartResponse};
    ///
    /// fn app(env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, rgi::AppError> {
    ///     let text = [("Content-Type", "text/plain; charset=utf-8")];
    ///     let (status, body) = match env.path_info() {
    ///         Ok("" | "/") => (200, "home".to_owned()),
    ///         Ok(path) => match path.strip_prefix("/hello/") {
    ///             Some(name) => (200, format!("hello, {name}")),
    ///             None => (404, "not found".to_owned()),
    ///         },
    ///         Err(_) => (400, "the path is not UTF-8".to_owned()),
    ///     };
    ///     start.start(status, text.into())?;
    ///     Ok(Body::from(body))
    /// }
    ///
    /// let client = rgi::test::TestClient::new(rgi::app(app));
    /// assert_eq!(client.get("/").text(), "home");
    /// assert_eq!(client.get("/hello/ada").text(), "hello, ada");
    /// assert_eq!(client.get("/caf%E9").status(), 400); // not the home page
    /// ```
    pub fn path_info(&self) -> Result<&str, NotUtf8> {
        self.get_text("PATH_INFO").map(Option::unwrap_or_default)
    }

    /// `SCRIPT_NAME` as text, `""` when absent; `Err` when not UTF-8 (see
    /// [`path_info`](Self::path_info)).
    pub fn script_name(&self) -> Result<&str, NotUtf8> {
        self.get_text("SCRIPT_NAME").map(Option::unwrap_or_default)
    }

    /// `REQUEST_METHOD`, `""` when absent (a method is a token, always
    /// ASCII: ENV-003).
    pub fn method(&self) -> &str {
        self.get_str("REQUEST_METHOD").unwrap_or_default()
    }

    /// The value of `key` as bytes; `None` if absent.
    pub fn get_bytes(&self, key: &str) -> Option<&[u8]> {
        self.get(key).map(EnvValue::as_bytes)
    }

    /// True if `key` is present.
    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Sets `key` to `value`, replacing any earlier value.
    pub fn set(&mut self, key: impl Into<EnvKey>, value: impl Into<EnvValue>) {
        let key = key.into();
        let value = value.into();
        match self.vars.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.vars.push((key, value)),
        }
    }

    /// Adds `key` without looking for an existing entry. For servers building
    /// a fresh environ whose keys they know to be distinct; faster than
    /// [`Environ::set`].
    pub fn insert_new(&mut self, key: impl Into<EnvKey>, value: impl Into<EnvValue>) {
        self.vars.push((key.into(), value.into()));
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<EnvValue> {
        let index = self.vars.iter().position(|(k, _)| k == key)?;
        Some(self.vars.remove(index).1)
    }

    /// The CGI keys and values, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &EnvValue)> + '_ {
        self.vars.iter().map(|(k, v)| (k.as_ref(), v))
    }

    /// The CGI keys and values, sorted by key.
    pub fn sorted(&self) -> Vec<(&str, &EnvValue)> {
        let mut all: Vec<_> = self.iter().collect();
        all.sort_by(|a, b| a.0.cmp(b.0));
        all
    }

    /// `rgi.version`: the interface version the server implements.
    pub fn version(&self) -> (u16, u16) {
        Self::VERSION
    }

    /// `rgi.input`: the request body.
    pub fn input(&mut self) -> &mut dyn InputStream {
        &mut *self.input
    }

    /// Replaces the input stream (a middleware wrapping it, a test feeding a
    /// body), returning the old one.
    pub fn set_input(&mut self, input: Box<dyn InputStream>) -> Box<dyn InputStream> {
        std::mem::replace(&mut self.input, input)
    }

    /// Takes the input stream out, leaving an empty one.
    pub fn take_input(&mut self) -> Box<dyn InputStream> {
        self.set_input(Box::new(io::empty()))
    }

    /// `rgi.errors`: where the application logs.
    pub fn errors(&mut self) -> &mut dyn ErrorStream {
        &mut *self.errors
    }

    /// Replaces the error stream, returning the old one.
    pub fn set_errors(&mut self, errors: Box<dyn ErrorStream>) -> Box<dyn ErrorStream> {
        std::mem::replace(&mut self.errors, errors)
    }

    /// `rgi.url_scheme`: `"http"` or `"https"`.
    pub fn url_scheme(&self) -> &str {
        &self.url_scheme
    }

    /// Sets `rgi.url_scheme`.
    pub fn set_url_scheme(&mut self, scheme: impl Into<Cow<'static, str>>) {
        self.url_scheme = scheme.into();
    }

    /// `rgi.multithread`: another thread may call the same application at
    /// the same time.
    pub fn multithread(&self) -> bool {
        self.multithread
    }

    /// Sets `rgi.multithread`.
    pub fn set_multithread(&mut self, value: bool) {
        self.multithread = value;
    }

    /// `rgi.multiprocess`: an equivalent application may run at the same time
    /// in another process.
    pub fn multiprocess(&self) -> bool {
        self.multiprocess
    }

    /// Sets `rgi.multiprocess`.
    pub fn set_multiprocess(&mut self, value: bool) {
        self.multiprocess = value;
    }

    /// `rgi.run_once`: the server expects (but does not promise) to call the
    /// application only once in this process (CGI).
    pub fn run_once(&self) -> bool {
        self.run_once
    }

    /// Sets `rgi.run_once`.
    pub fn set_run_once(&mut self, value: bool) {
        self.run_once = value;
    }

    /// `rgi.input_terminated`: the input stream ends at the end of the body,
    /// so it can be read to EOF without `CONTENT_LENGTH` (chunked uploads).
    pub fn input_terminated(&self) -> bool {
        self.input_terminated
    }

    /// Sets `rgi.input_terminated`.
    pub fn set_input_terminated(&mut self, value: bool) {
        self.input_terminated = value;
    }

    /// `rgi.file_wrapper`: the server transmits [`Body::file`](crate::Body::file)
    /// bodies natively (e.g. with `sendfile`). File bodies work either way.
    pub fn file_wrapper(&self) -> bool {
        self.file_wrapper
    }

    /// Sets `rgi.file_wrapper`.
    pub fn set_file_wrapper(&mut self, value: bool) {
        self.file_wrapper = value;
    }

    /// `rgi.upgrade`: the server can hand this request's connection over
    /// to the application (UPG-001): a `101` response with
    /// [`Body::upgrade`](crate::Body::upgrade) takes it (see
    /// [`crate::upgrade`]). False on servers without the capability (CGI).
    pub fn upgrade_available(&self) -> bool {
        self.upgrade
    }

    /// Sets `rgi.upgrade` (servers: UPG-001 says when it may be true).
    pub fn set_upgrade_available(&mut self, value: bool) {
        self.upgrade = value;
    }

    /// Server extensions, keyed by type.
    pub fn extensions(&self) -> &Extensions {
        &self.extensions
    }

    /// Server extensions, mutably.
    pub fn extensions_mut(&mut self) -> &mut Extensions {
        &mut self.extensions
    }
}

/// The process's stderr as an error stream. A unit struct, so that boxing it
/// in every new environ allocates nothing (`io::Stderr` holds a pointer).
struct ProcessStderr;

impl Write for ProcessStderr {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        io::stderr().write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        io::stderr().write_all(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        io::stderr().flush()
    }
}

impl Default for Environ {
    fn default() -> Self {
        Environ::new()
    }
}

impl fmt::Debug for Environ {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Environ")
            .field("vars", &self.vars)
            .field("url_scheme", &self.url_scheme)
            .field("multithread", &self.multithread)
            .field("multiprocess", &self.multiprocess)
            .field("run_once", &self.run_once)
            .field("input_terminated", &self.input_terminated)
            .field("file_wrapper", &self.file_wrapper)
            .field("extensions", &self.extensions)
            .finish_non_exhaustive()
    }
}

/// A map from a type to one value of that type: how servers hand extensions
/// (a TLS session, a connection id, ...) to applications (ENV-020).
///
/// ```
/// let mut ext = rgi::environ::Extensions::default();
/// #[derive(Debug, PartialEq)]
/// struct ConnectionId(u64);
/// ext.insert(ConnectionId(7));
/// assert_eq!(ext.get::<ConnectionId>(), Some(&ConnectionId(7)));
/// ```
#[derive(Default)]
pub struct Extensions {
    map: HashMap<TypeId, Box<dyn Any + Send + Sync>>,
}

impl Extensions {
    /// Inserts `value`, returning the previous value of its type.
    pub fn insert<T: Any + Send + Sync>(&mut self, value: T) -> Option<T> {
        self.map
            .insert(TypeId::of::<T>(), Box::new(value))
            .and_then(|old| old.downcast().ok().map(|b: Box<T>| *b))
    }

    /// The value of type `T`.
    pub fn get<T: Any + Send + Sync>(&self) -> Option<&T> {
        self.map.get(&TypeId::of::<T>())?.downcast_ref()
    }

    /// The value of type `T`, mutably.
    pub fn get_mut<T: Any + Send + Sync>(&mut self) -> Option<&mut T> {
        self.map.get_mut(&TypeId::of::<T>())?.downcast_mut()
    }

    /// Removes the value of type `T`.
    pub fn remove<T: Any + Send + Sync>(&mut self) -> Option<T> {
        self.map
            .remove(&TypeId::of::<T>())
            .and_then(|old| old.downcast().ok().map(|b: Box<T>| *b))
    }

    /// How many extensions there are.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

impl fmt::Debug for Extensions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Extensions({} entries)", self.map.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn set_replaces_and_remove_removes() {
        let mut env = Environ::new();
        env.set("A", "1");
        env.set("A", "2");
        assert_eq!(env.get_str("A"), Some("2"));
        assert_eq!(env.iter().count(), 1);
        assert_eq!(env.remove("A"), Some(EnvValue::from("2")));
        assert!(!env.contains("A"));
    }

    #[test]
    fn non_utf8_values_are_kept_exactly() {
        let mut env = Environ::new();
        env.set("PATH_INFO", vec![b'/', 0xff, 0x80]);
        assert_eq!(env.get_str("PATH_INFO"), None);
        assert_eq!(env.get_bytes("PATH_INFO"), Some(&[b'/', 0xff, 0x80][..]));
    }

    #[test]
    fn input_can_be_wrapped() {
        let mut env = Environ::new();
        env.set_input(Box::new(io::Cursor::new(b"body".to_vec())));
        let inner = env.take_input();
        env.set_input(Box::new(io::BufReader::new(inner.take(2))));
        let mut out = String::new();
        env.input().read_to_string(&mut out).unwrap();
        assert_eq!(out, "bo");
    }

    #[test]
    fn sorted_orders_by_key() {
        let mut env = Environ::new();
        env.set("B", "2");
        env.set("A", "1");
        let keys: Vec<_> = env.sorted().into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["A", "B"]);
    }
}
