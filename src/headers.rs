//! [`Headers`]: an ordered list of response header fields with
//! case-insensitive helpers (parity with Python's `wsgiref.headers`).

use std::borrow::Cow;
use std::fmt;

use crate::Error;

/// A header name or value: borrowed for `'static` text, owned otherwise, so
/// that constant headers cost no allocation.
pub type HeaderText = Cow<'static, str>;

/// An ordered list of `(name, value)` header fields.
///
/// Names compare ASCII-case-insensitively (HDR-004); their spelling and
/// order are kept on output (HDR-007).
/// Duplicates are allowed and keep their order. This is the type passed to
/// [`start`](crate::StartResponse).
///
/// It does what Python's `wsgiref.headers.Headers` does, in Rust form:
///
/// | wsgiref | here |
/// |---|---|
/// | `h[name]`, `h.get(name, default)` | [`get`](Self::get) (`.unwrap_or(default)`) |
/// | `h.get_all(name)` | [`get_all`](Self::get_all) |
/// | `name in h` | [`contains`](Self::contains) |
/// | `h[name] = value` | [`set`](Self::set) |
/// | `del h[name]` | [`remove`](Self::remove) |
/// | `h.setdefault(name, value)` | [`setdefault`](Self::setdefault) |
/// | `h.add_header(name, value, **params)` | [`add_header`](Self::add_header), or [`add`](Self::add) without parameters |
/// | `keys()`, `values()`, `items()` | [`keys`](Self::keys), [`values`](Self::values), [`iter`](Self::iter) |
/// | `len(h)` | [`len`](Self::len) |
/// | `str(h)`, `bytes(h)` | [`Display`](fmt::Display) (`to_string()`), [`to_bytes`](Self::to_bytes) |
///
/// Differences, all deliberate:
/// * The list is owned, not a view of the caller's list; build one from a
///   `Vec` or an array and take it back with [`into_vec`](Self::into_vec).
///   Only lists of `(name, value)` pairs convert into `Headers`, so
///   wsgiref's `TypeError` for anything else is a compile error here:
///
///   ```compile_fail
///   let headers = rgi::Headers::from("foo");
///   ```
/// * Adding and setting never fail. wsgiref refuses control characters as
///   each field is set; here the whole list is checked by
///   [`validate`](Self::validate), which is the check that
///   [`start`](crate::StartResponse) runs anyway, so
///   the hot path stays cheap and a bad field is still refused before
///   anything is sent.
/// * Serialised bytes are UTF-8, not ISO-8859-1 (see [`to_bytes`](Self::to_bytes)).
///
/// ```
/// use rgi::Headers;
///
/// let mut headers = Headers::from([("Content-Type", "text/plain")]);
/// headers.add("Set-Cookie", "a=1");
/// headers.add("set-cookie", "b=2");
/// assert_eq!(headers.get("content-type"), Some("text/plain"));
/// assert_eq!(headers.get_all("SET-COOKIE").collect::<Vec<_>>(), ["a=1", "b=2"]);
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Headers {
    fields: Vec<(HeaderText, HeaderText)>,
}

impl Headers {
    /// An empty list.
    pub fn new() -> Self {
        Headers { fields: Vec::new() }
    }

    /// The number of fields, duplicates included.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True when there are no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The first value of the field `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }

    /// Every value of the field `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }

    /// True if a field `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Appends a field, keeping existing fields of the same name.
    pub fn add(&mut self, name: impl Into<HeaderText>, value: impl Into<HeaderText>) {
        self.fields.push((name.into(), value.into()));
    }

    /// Replaces every field `name` by one field with `value`, at the end.
    pub fn set(&mut self, name: impl Into<HeaderText>, value: impl Into<HeaderText>) {
        let name = name.into();
        self.remove(&name);
        self.fields.push((name, value.into()));
    }

    /// Removes every field `name`; returns how many were removed.
    pub fn remove(&mut self, name: &str) -> usize {
        let before = self.fields.len();
        self.fields.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        before - self.fields.len()
    }

    /// The value of the first field `name` if there is one; otherwise
    /// appends `(name, value)` and returns `value` (wsgiref's
    /// `Headers.setdefault`, H-12).
    ///
    /// ```
    /// use rgi::Headers;
    /// let mut headers = Headers::from([("Content-Type", "text/html")]);
    /// assert_eq!(headers.setdefault("content-type", "text/plain"), "text/html");
    /// assert_eq!(headers.setdefault("Cache-Control", "no-store"), "no-store");
    /// assert_eq!(headers.len(), 2);
    /// ```
    pub fn setdefault(
        &mut self,
        name: impl Into<HeaderText>,
        value: impl Into<HeaderText>,
    ) -> &str {
        let name = name.into();
        let index = match self.position(&name) {
            Some(index) => index,
            None => {
                self.fields.push((name, value.into()));
                self.fields.len() - 1
            }
        };
        &self.fields[index].1
    }

    /// Appends a field whose value is built from a main value and
    /// parameters, like `attachment; filename="my report.pdf"` (wsgiref's
    /// `Headers.add_header`, H-13).
    ///
    /// The parts are joined with `"; "`:
    /// * `value` comes first when it is `Some` (even `Some("")`, which gives
    ///   an empty first part, as in wsgiref);
    /// * then each parameter in order, its name with every `_` turned into
    ///   `-` (so Rust-friendly names like `"max_age"` work);
    /// * a parameter whose value is `None` or `Some("")` is written as its
    ///   bare name (`inline`, `HttpOnly`);
    /// * any other parameter is written `name=value`, and the value is
    ///   quoted only when it needs it (the rule of wsgiref's `_formatparam`
    ///   without its `quote=1` default, made exact): a value that is an
    ///   RFC 9110 token stays bare (`charset=utf-8`), any other ASCII value
    ///   becomes a quoted string with `\` and `"` escaped
    ///   (`filename="my report.pdf"`);
    /// * a value with characters outside ASCII is written in the RFC 8187
    ///   extended form, `name*=UTF-8''caf%C3%A9.txt`, which is how
    ///   `Content-Disposition` (RFC 6266) carries a UTF-8 file name;
    /// * for `Set-Cookie` the attributes are RFC 6265 `cookie-av`s, whose
    ///   values are never quoted (`Path=/; HttpOnly; SameSite=Lax`: quotes
    ///   would become part of the path). Such a value must not contain `;`
    ///   (nor control characters, which [`validate`](Self::validate)
    ///   refuses).
    ///
    /// Existing fields of the same name are kept (this appends, like
    /// [`add`](Self::add)). Nothing is checked here: call
    /// [`validate`](Self::validate) (or let `start` do it) to refuse control
    /// characters.
    ///
    /// ```
    /// use rgi::Headers;
    /// let mut headers = Headers::new();
    /// headers.add_header("Content-Disposition", Some("attachment"), &[("filename", Some("bud.gif"))]);
    /// headers.add_header("Set-Cookie", Some("id=42"), &[("Path", Some("/")), ("HttpOnly", None), ("SameSite", Some("Lax"))]);
    /// headers.add_header("X-Flags", None, &[("no_cache", None), ("level", Some(r#"say "hi""#))]);
    /// assert_eq!(headers.get("content-disposition"), Some("attachment; filename=bud.gif"));
    /// assert_eq!(headers.get("set-cookie"), Some("id=42; Path=/; HttpOnly; SameSite=Lax"));
    /// assert_eq!(headers.get("x-flags"), Some(r#"no-cache; level="say \"hi\"""#));
    /// ```
    pub fn add_header(
        &mut self,
        name: impl Into<HeaderText>,
        value: Option<&str>,
        params: &[(&str, Option<&str>)],
    ) {
        let name = name.into();
        let cookie = name.eq_ignore_ascii_case("set-cookie");
        let mut parts: Vec<String> = Vec::with_capacity(params.len() + 1);
        if let Some(value) = value {
            parts.push(value.to_owned());
        }
        for &(param, param_value) in params {
            let param: String = param
                .chars()
                .map(|c| if c == '_' { '-' } else { c })
                .collect();
            parts.push(match param_value {
                None | Some("") => param,
                Some(v) if cookie => format!("{param}={v}"),
                Some(v) => format_param(&param, v),
            });
        }
        self.fields.push((name, Cow::Owned(parts.join("; "))));
    }

    /// The names of the fields, in order, duplicates included (H-11).
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.fields.iter().map(|(n, _)| n.as_ref())
    }

    /// The values of the fields, in order, duplicates included (H-11).
    pub fn values(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.fields.iter().map(|(_, v)| v.as_ref())
    }

    /// Checks every field the way [`start`](crate::StartResponse)
    /// will (see [`check_headers`](crate::start_response::check_headers)):
    /// names are tokens, values have no control character but tab, no
    /// hop-by-hop or `Status` field, and `Content-Length` is a number (the
    /// same in every copy): HDR-001, HDR-002, HDR-003, HDR-005, HDR-006.
    /// Returns the first problem; [`Error::rule`] names its rule.
    ///
    /// wsgiref's `Headers` refuses control characters as each field is set
    /// (H-19). Here [`add`](Self::add), [`set`](Self::set),
    /// [`setdefault`](Self::setdefault) and [`add_header`](Self::add_header)
    /// stay infallible, because they are on every response's path and the
    /// server checks the whole list at `start` anyway; call `validate` to
    /// find a bad field earlier, e.g. in middleware or tests. Lookups
    /// (`get`, `remove`, ...) with a name containing control characters
    /// simply match nothing, where wsgiref raises.
    ///
    /// ```
    /// use rgi::Headers;
    /// let mut headers = Headers::from([("Content-Type", "text/plain")]);
    /// assert!(headers.validate().is_ok());
    /// headers.add("X-Evil", "a\r\nSet-Cookie: b=c");
    /// assert!(matches!(headers.validate(), Err(rgi::Error::InvalidHeaderValue { .. })));
    /// ```
    pub fn validate(&self) -> Result<(), Error> {
        crate::start_response::check_headers(self).map(|_| ())
    }

    /// The HTTP serialisation as bytes: the UTF-8 bytes of the
    /// [`Display`](fmt::Display) form (each field as `Name: value\r\n`,
    /// then a final `\r\n`).
    ///
    /// wsgiref encodes as ISO-8859-1 and fails on characters above U+00FF
    /// (H-15); Rust strings are UTF-8, so non-ASCII text is sent as its
    /// UTF-8 bytes (HDR-012) and this never fails.
    pub fn to_bytes(&self) -> Vec<u8> {
        let size = self
            .fields
            .iter()
            .map(|(n, v)| n.len() + v.len() + 4)
            .sum::<usize>()
            + 2;
        let mut out = Vec::with_capacity(size);
        for (name, value) in &self.fields {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.fields
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    /// The fields in order, as `(name, value)`.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + '_ {
        self.fields.iter().map(|(n, v)| (n.as_ref(), v.as_ref()))
    }

    /// The fields as a slice.
    pub fn as_slice(&self) -> &[(HeaderText, HeaderText)] {
        &self.fields
    }

    /// The fields, by value.
    pub fn into_vec(self) -> Vec<(HeaderText, HeaderText)> {
        self.fields
    }
}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl fmt::Display for Headers {
    /// The HTTP/1.x form: each field as `Name: value\r\n`, then `\r\n`
    /// (an empty list gives just `\r\n`), like `str()` of wsgiref's
    /// `Headers` (H-14).
    ///
    /// ```
    /// let headers = rgi::Headers::from([("Content-Type", "text/plain"), ("X-A", "1")]);
    /// assert_eq!(headers.to_string(), "Content-Type: text/plain\r\nX-A: 1\r\n\r\n");
    /// assert_eq!(rgi::Headers::new().to_string(), "\r\n");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, value) in self.iter() {
            write!(f, "{name}: {value}\r\n")?;
        }
        f.write_str("\r\n")
    }
}

/// `name=value` of a parameter outside `Set-Cookie`: bare when the value
/// is a token, quoted when it is other ASCII, RFC 8187 `name*=UTF-8''...`
/// when it is not ASCII.
fn format_param(name: &str, value: &str) -> String {
    if crate::start_response::is_token(value) {
        return format!("{name}={value}");
    }
    if !value.is_ascii() {
        let name = name.strip_suffix('*').unwrap_or(name);
        let encoded = percent_encoding::utf8_percent_encode(value, EXT_VALUE);
        return format!("{name}*=UTF-8''{encoded}");
    }
    let mut out = String::with_capacity(name.len() + value.len() + 3);
    out.push_str(name);
    out.push_str("=\"");
    for c in value.chars() {
        if c == '\\' || c == '"' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Everything but RFC 8187's `attr-char` (letters, digits and
/// ``!#$&+-.^_`|~``) is percent-encoded in an extended parameter value.
const EXT_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// From an array of pairs: constant text (`[("Content-Type",
/// "text/plain")]`, no allocation) or computed values
/// (`[("Content-Length", n.to_string())]`).
///
/// ```
/// let body = "hello";
/// let headers: rgi::Headers = [
///     ("Content-Type", "text/plain".to_owned()),
///     ("Content-Length", body.len().to_string()),
/// ].into();
/// assert_eq!(headers.get("content-length"), Some("5"));
/// ```
impl<const L: usize, N: Into<HeaderText>, V: Into<HeaderText>> From<[(N, V); L]> for Headers {
    fn from(fields: [(N, V); L]) -> Self {
        fields.into_iter().collect()
    }
}

/// From a `Vec` of pairs (`String`s, `&'static str`s or [`HeaderText`]s).
impl<N: Into<HeaderText>, V: Into<HeaderText>> From<Vec<(N, V)>> for Headers {
    fn from(fields: Vec<(N, V)>) -> Self {
        fields.into_iter().collect()
    }
}

impl<N: Into<HeaderText>, V: Into<HeaderText>> FromIterator<(N, V)> for Headers {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        Headers {
            fields: iter
                .into_iter()
                .map(|(n, v)| (n.into(), v.into()))
                .collect(),
        }
    }
}

impl IntoIterator for Headers {
    type Item = (HeaderText, HeaderText);
    type IntoIter = std::vec::IntoIter<(HeaderText, HeaderText)>;
    fn into_iter(self) -> Self::IntoIter {
        self.fields.into_iter()
    }
}

impl<N: Into<HeaderText>, V: Into<HeaderText>> Extend<(N, V)> for Headers {
    fn extend<I: IntoIterator<Item = (N, V)>>(&mut self, iter: I) {
        self.fields
            .extend(iter.into_iter().map(|(n, v)| (n.into(), v.into())));
    }
}

impl<'a> IntoIterator for &'a Headers {
    type Item = (&'a str, &'a str);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (HeaderText, HeaderText)>,
        fn(&'a (HeaderText, HeaderText)) -> (&'a str, &'a str),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.fields.iter().map(|(n, v)| (n.as_ref(), v.as_ref()))
    }
}

#[cfg(test)]
mod tests {
    //! Ports of CPython's `test_wsgiref.HeaderTests` and checks of every
    //! `wsgiref.headers` behaviour that applies to an owned Rust list, each
    //! citing the spec rule it checks. (Names like "T-20" or "H-12" in
    //! comments refer to the team's wsgiref parity checklist, not to spec
    //! rules.)
    use super::*;

    #[test]
    fn mapping_interface() {
        // HDR-004. wsgiref testMappingInterface (T-20; H-4..H-12).
        let test = [("x", "y")];
        assert_eq!(Headers::new().len(), 0);
        assert_eq!(Headers::from(Vec::<(String, String)>::new()).len(), 0);
        assert_eq!(Headers::from(test).len(), 1);
        let mut h = Headers::from(test);
        assert_eq!(h.keys().collect::<Vec<_>>(), ["x"]);
        assert_eq!(h.values().collect::<Vec<_>>(), ["y"]);
        assert_eq!(h.iter().collect::<Vec<_>>(), test);
        // items() is a copy: changing the copy does not change the headers.
        let mut items: Vec<(String, String)> =
            h.iter().map(|(n, v)| (n.into(), v.into())).collect();
        items.push(("z".into(), "w".into()));
        assert_eq!(h.len(), 1);
        // Removing a missing name is fine (H-6).
        assert_eq!(h.remove("Foo"), 0);
        assert!(h.contains("x") && h.contains("X"));
        assert_eq!(h.get("x"), Some("y"));
        assert_eq!(h.get("X"), Some("y"));
        assert_eq!(h.get_all("x").collect::<Vec<_>>(), ["y"]);
        assert_eq!(h.get_all("X").collect::<Vec<_>>(), ["y"]);
        // set replaces (H-5).
        h.set("x", "Z");
        assert_eq!(h.get("x"), Some("Z"));
        assert_eq!(h.len(), 1);
        // get with a default, on a missing name (H-7, H-9).
        assert_eq!(h.get("foo"), None);
        assert_eq!(h.get("foo").unwrap_or("whee"), "whee");
        assert_eq!(h.get("x").unwrap_or("whee"), "Z");
        assert_eq!(h.get_all("foo").count(), 0);
        assert!(!h.contains("foo"));
        // setdefault returns the existing value or the new one (H-12).
        assert_eq!(h.setdefault("x", "whee"), "Z");
        assert_eq!(h.setdefault("foo", "bar"), "bar");
        assert_eq!(h.get("foo"), Some("bar"));
        assert_eq!(h.len(), 2);
    }

    #[test]
    fn set_removes_every_match_and_appends_with_callers_spelling() {
        // HDR-004, HDR-007 (order kept). wsgiref setitem (H-5, H-18).
        let mut h = Headers::from([("A", "1"), ("b", "2"), ("a", "3")]);
        h.set("A", "4");
        assert_eq!(h.iter().collect::<Vec<_>>(), [("b", "2"), ("A", "4")]);
        h.set("B", "5");
        assert_eq!(h.iter().collect::<Vec<_>>(), [("A", "4"), ("B", "5")]);
    }

    #[test]
    fn remove_takes_every_case_insensitive_match() {
        // HDR-004. wsgiref delitem (H-6).
        let mut h = Headers::from([("Set-Cookie", "a"), ("X", "1"), ("set-COOKIE", "b")]);
        assert_eq!(h.remove("SET-cookie"), 2);
        assert_eq!(h.iter().collect::<Vec<_>>(), [("X", "1")]);
    }

    #[test]
    fn duplicates_keep_order_and_case() {
        // HDR-004, HDR-007, HDR-018: repeated fields stay separate, in order
        // and with their spelling (H-4, H-10, H-11, H-18).
        let mut h = Headers::new();
        h.add("Set-Cookie", "a=1");
        h.add("X-Other", "o");
        h.add("set-cookie", "b=2");
        assert_eq!(h.len(), 3);
        assert_eq!(h.get("SET-COOKIE"), Some("a=1"));
        assert_eq!(h.get_all("Set-Cookie").collect::<Vec<_>>(), ["a=1", "b=2"]);
        assert_eq!(
            h.keys().collect::<Vec<_>>(),
            ["Set-Cookie", "X-Other", "set-cookie"]
        );
        assert_eq!(h.values().collect::<Vec<_>>(), ["a=1", "o", "b=2"]);
        assert_eq!((&h).into_iter().count(), 3);
    }

    #[test]
    fn setdefault_does_not_replace_and_appends_at_end() {
        // HDR-004. wsgiref setdefault (H-12).
        let mut h = Headers::from([("A", "1"), ("a", "2")]);
        assert_eq!(h.setdefault("A", "x"), "1");
        assert_eq!(h.len(), 2);
        assert_eq!(h.setdefault("B", String::from("3")), "3");
        assert_eq!(h.keys().last(), Some("B"));
    }

    #[test]
    fn names_compare_ascii_case_insensitively_only() {
        // HDR-004: ASCII case only (names are tokens, HDR-001).
        let h = Headers::from([("X-Ä", "1")]);
        assert_eq!(h.get("x-ä"), None);
        assert_eq!(h.get("x-Ä"), Some("1"));
    }

    #[test]
    fn extras_serialisation_and_add_header() {
        // HDR-007 (serialised in order). wsgiref testExtras (T-22; H-13, H-14).
        let mut h = Headers::new();
        assert_eq!(h.to_string(), "\r\n");
        h.add_header("foo", Some("bar"), &[("baz", Some("spam"))]);
        // A token value stays bare (wsgiref quotes always: `baz="spam"`).
        assert_eq!(h.get("foo"), Some("bar; baz=spam"));
        assert_eq!(h.to_string(), "foo: bar; baz=spam\r\n\r\n");
        h.add_header("Foo", Some("bar"), &[("cheese", None)]);
        assert_eq!(
            h.get_all("foo").collect::<Vec<_>>(),
            ["bar; baz=spam", "bar; cheese"]
        );
        assert_eq!(
            h.to_string(),
            "foo: bar; baz=spam\r\nFoo: bar; cheese\r\n\r\n"
        );
        assert_eq!(h.to_bytes(), h.to_string().into_bytes());
    }

    #[test]
    fn add_header_parameter_forms() {
        // wsgiref add_header (H-13): the documentation example, `_` -> `-`,
        // bare names for None and "", quoting and escaping, and appending
        // (HDR-007: not replacing).
        let mut h = Headers::new();
        h.add_header(
            "content-disposition",
            Some("attachment"),
            &[("filename", Some("bud.gif"))],
        );
        assert_eq!(
            h.get("Content-Disposition"),
            Some("attachment; filename=bud.gif")
        );

        let mut h = Headers::new();
        h.add_header(
            "X",
            Some("v"),
            &[
                ("a_b_c", Some("1")),
                ("empty", Some("")),
                ("bare", None),
                ("q", Some(r#"say "hi" \ bye"#)),
            ],
        );
        assert_eq!(
            h.get("x"),
            Some(r#"v; a-b-c=1; empty; bare; q="say \"hi\" \\ bye""#)
        );

        // No main value: the parameters alone.
        let mut h = Headers::new();
        h.add_header("X", None, &[("a", None), ("b", Some("2"))]);
        assert_eq!(h.get("X"), Some("a; b=2"));
        // No value and no parameters: an empty value.
        h.add_header("Y", None, &[]);
        assert_eq!(h.get("Y"), Some(""));
        // An empty main value is still a part, as in wsgiref (observed:
        // add_header('X', '', a=None) gives "; a").
        h.add_header("Z", Some(""), &[("a", None)]);
        assert_eq!(h.get("Z"), Some("; a"));
        // Appends, keeping the earlier field.
        h.add_header("x", Some("again"), &[]);
        assert_eq!(h.get_all("X").collect::<Vec<_>>(), ["a; b=2", "again"]);
        // ASCII that is not a token is quoted.
        h.add_header("W", Some("a"), &[("p", Some(";,="))]);
        assert_eq!(h.get("W"), Some("a; p=\";,=\""));
    }

    #[test]
    fn add_header_quotes_only_what_needs_it() {
        // wsgiref's _formatparam rule made exact (quote a value that is not
        // an RFC 9110 token), Set-Cookie attributes never quoted (RFC 6265
        // 4.1.1), UTF-8 in the RFC 8187 extended form (RFC 6266 4.3).
        let mut h = Headers::new();
        h.add_header(
            "Set-Cookie",
            Some("session=abc123"),
            &[
                ("Path", Some("/")),
                ("Max_Age", Some("3600")),
                ("Expires", Some("Wed, 21 Oct 2026 07:28:00 GMT")),
                ("HttpOnly", None),
                ("Secure", None),
                ("SameSite", Some("Lax")),
            ],
        );
        assert_eq!(
            h.get("set-cookie"),
            Some("session=abc123; Path=/; Max-Age=3600; Expires=Wed, 21 Oct 2026 07:28:00 GMT; HttpOnly; Secure; SameSite=Lax")
        );
        h.add_header(
            "Content-Disposition",
            Some("attachment"),
            &[("filename", Some("annual report 2026.pdf"))],
        );
        h.add_header(
            "Content-Disposition",
            Some("inline"),
            &[("filename", Some("café menu.txt"))],
        );
        h.add_header(
            "Content-Type",
            Some("text/plain"),
            &[("charset", Some("utf-8"))],
        );
        assert_eq!(
            h.get_all("content-disposition").collect::<Vec<_>>(),
            [
                r#"attachment; filename="annual report 2026.pdf""#,
                "inline; filename*=UTF-8''caf%C3%A9%20menu.txt",
            ]
        );
        assert_eq!(h.get("content-type"), Some("text/plain; charset=utf-8"));
        // A name already ending in '*' is not starred twice.
        let mut h = Headers::new();
        h.add_header("X", None, &[("title*", Some("ü"))]);
        assert_eq!(h.get("x"), Some("title*=UTF-8''%C3%BC"));
        assert!(h.validate().is_ok());
    }

    #[test]
    fn headers_from_computed_values() {
        // `[("Content-Length", n.to_string())].into()` converts (no E0716).
        let n = 42;
        let name = String::from("X-Name");
        let h: Headers = [("Content-Length", n.to_string())].into();
        assert_eq!(h.get("content-length"), Some("42"));
        let h: Headers = [(name, format!("v{n}")), ("Y".to_owned(), "w".to_owned())].into();
        assert_eq!(
            h.iter().collect::<Vec<_>>(),
            [("X-Name", "v42"), ("Y", "w")]
        );
        let h = Headers::from(vec![("A", "1".to_owned())]);
        assert_eq!(h.get("a"), Some("1"));
    }

    #[test]
    fn serialisation_keeps_order_case_and_utf8() {
        // HDR-007, HDR-012: non-ASCII goes out as UTF-8 (wsgiref: Latin-1,
        // H-14, H-15).
        let h = Headers::from([("Content-Type", "text/plain"), ("x-B", "é")]);
        assert_eq!(h.to_string(), "Content-Type: text/plain\r\nx-B: é\r\n\r\n");
        assert_eq!(
            h.to_bytes(),
            b"Content-Type: text/plain\r\nx-B: \xc3\xa9\r\n\r\n".to_vec()
        );
        assert_eq!(Headers::new().to_bytes(), b"\r\n");
    }

    #[test]
    fn control_characters_are_refused_by_validate() {
        // HDR-001, HDR-002. wsgiref testRaisesControlCharacters (T-23; H-19):
        // in wsgiref setting the field raises; here the set is infallible
        // and `validate` (the same check `start` runs, START-006) refuses it.
        for byte in (0u8..0x20).chain([0x7f]) {
            let c = char::from(byte);
            let name = format!("X{c}Y");

            let mut h = Headers::new();
            h.set(name.clone(), "v");
            assert!(
                matches!(h.validate(), Err(Error::InvalidHeaderName { .. })),
                "name with {byte:#04x}"
            );
            let mut h = Headers::new();
            h.add_header(name.clone(), Some("v"), &[]);
            assert!(matches!(h.validate(), Err(Error::InvalidHeaderName { .. })));

            let value = format!("a{c}b");
            let refused = |h: &Headers| matches!(h.validate(), Err(Error::InvalidHeaderValue { byte: b, .. }) if b == byte);
            let mut set = Headers::new();
            set.set("X", value.clone());
            let mut added = Headers::new();
            added.add_header("X", Some(&value), &[]);
            let mut param = Headers::new();
            param.add_header("X", Some("v"), &[("p", Some(&value))]);
            let mut default = Headers::new();
            default.setdefault("X", value.clone());
            for h in [&set, &added, &param, &default] {
                if byte == b'\t' {
                    assert!(h.validate().is_ok(), "tab is allowed in values: {h:?}");
                } else {
                    assert!(refused(h), "value with {byte:#04x}: {h:?}");
                }
            }
        }
    }

    #[test]
    fn validate_is_the_start_time_check() {
        // START-006: the same checks as StartResponse::start: HDR-001,
        // HDR-002 (tab allowed), HDR-003, HDR-005, HDR-006.
        assert!(Headers::new().validate().is_ok());
        let good = Headers::from([
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", "12"),
            ("X-Tab", "a\tb"),
        ]);
        assert!(good.validate().is_ok());
        for (name, value) in [("Connection", "close"), ("Transfer-Encoding", "chunked")] {
            let h = Headers::from_iter([(name, value)]);
            assert!(matches!(h.validate(), Err(Error::HopByHopHeader { .. })));
        }
        let h = Headers::from([("Status", "200 OK")]);
        assert!(matches!(h.validate(), Err(Error::StatusHeader)));
        let h = Headers::from([("Content-Length", "12"), ("content-length", "13")]);
        assert!(matches!(
            h.validate(),
            Err(Error::InvalidContentLength { .. })
        ));
        let h = Headers::from([("Bad Name", "v")]);
        assert!(matches!(h.validate(), Err(Error::InvalidHeaderName { .. })));
    }

    #[test]
    fn lookups_with_control_characters_match_nothing() {
        // HDR-004 lookups. wsgiref raises (H-19); here they find nothing.
        let mut h = Headers::from([("X", "1")]);
        assert_eq!(h.get("X\r\n"), None);
        assert_eq!(h.remove("X\n"), 0);
        assert_eq!(h.len(), 1);
    }

    #[test]
    fn conversions_and_extend() {
        // An owned list, built from (and turned back into) vectors (wsgiref
        // wraps the caller's list instead, H-1, H-2).
        let from_strings = Headers::from(vec![("A".to_string(), "1".to_string())]);
        let from_iter: Headers = [("A", "1")].into_iter().collect();
        assert_eq!(from_strings, from_iter);
        let mut h = from_iter;
        h.extend([("B", String::from("2"))]);
        let fields = h.clone().into_vec();
        assert_eq!(fields.len(), 2);
        assert_eq!(Headers::from(fields), h);
        let names: Vec<_> = h.into_iter().map(|(n, _)| n.into_owned()).collect();
        assert_eq!(names, ["A", "B"]);
    }
}
