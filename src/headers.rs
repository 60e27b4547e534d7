//! [`Headers`]: an ordered list of response header fields with
//! case-insensitive helpers (parity with Python's `wsgiref.headers`).

use std::borrow::Cow;
use std::fmt;

/// A header name or value: borrowed for `'static` text, owned otherwise, so
/// that constant headers cost no allocation.
pub type HeaderText = Cow<'static, str>;

/// An ordered list of `(name, value)` header fields.
///
/// Names compare case-insensitively; their spelling is kept on output.
/// Duplicates are allowed and keep their order. This is the type passed to
/// [`StartResponse::start`](crate::StartResponse::start).
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

impl<const N: usize> From<[(&'static str, &'static str); N]> for Headers {
    fn from(fields: [(&'static str, &'static str); N]) -> Self {
        Headers {
            fields: fields
                .into_iter()
                .map(|(n, v)| (Cow::Borrowed(n), Cow::Borrowed(v)))
                .collect(),
        }
    }
}

impl From<Vec<(String, String)>> for Headers {
    fn from(fields: Vec<(String, String)>) -> Self {
        Headers {
            fields: fields
                .into_iter()
                .map(|(n, v)| (Cow::Owned(n), Cow::Owned(v)))
                .collect(),
        }
    }
}

impl From<Vec<(HeaderText, HeaderText)>> for Headers {
    fn from(fields: Vec<(HeaderText, HeaderText)>) -> Self {
        Headers { fields }
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
