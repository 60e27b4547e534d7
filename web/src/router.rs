//! The route table: path patterns (with `matchit`) and, per pattern, the
//! handlers by method; what a request matches, and the `Allow` header of
//! 405 and OPTIONS answers.

use std::collections::HashMap;

use crate::handler::BoxedHandler;

/// The routes of an application.
#[derive(Default)]
pub(crate) struct Router {
    matcher: matchit::Router<usize>,
    routes: Vec<Route>,
    by_pattern: HashMap<String, usize>,
}

/// One path pattern and its handlers.
struct Route {
    methods: Vec<(String, BoxedHandler)>,
    any: Option<BoxedHandler>,
}

/// Which methods a route is registered for.
pub(crate) enum Methods {
    /// Exactly these (each a token, case-sensitive).
    Some(Vec<String>),
    /// Every method.
    Any,
}

/// What a request's method and path select.
pub(crate) enum Selected<'a> {
    /// A handler (for HEAD, the GET handler when there is no HEAD one; the
    /// application drops the body).
    Handler {
        handler: &'a BoxedHandler,
        params: Vec<(String, String)>,
    },
    /// An OPTIONS request for a path with no OPTIONS handler: `204` with
    /// this `Allow`.
    Options { allow: String },
    /// The path exists, the method does not: `405` with this `Allow`.
    NotAllowed { allow: String },
    /// No route has this path.
    NotFound,
}

impl Router {
    /// Adds `handler` for `methods` at `pattern`.
    ///
    /// Panics (when the application is built, never while serving) on a
    /// pattern that `matchit` refuses or that conflicts with another, and on
    /// a method registered twice for one pattern: both are programming
    /// errors that must not go unnoticed.
    pub(crate) fn add(&mut self, pattern: &str, methods: Methods, handler: BoxedHandler) {
        let pattern = normalize_pattern(pattern);
        let index = match self.by_pattern.get(&pattern) {
            Some(&index) => index,
            None => {
                let index = self.routes.len();
                if let Err(e) = self.matcher.insert(pattern.clone(), index) {
                    panic!("rgi-web: route {pattern:?} cannot be added: {e}");
                }
                self.routes.push(Route {
                    methods: Vec::new(),
                    any: None,
                });
                self.by_pattern.insert(pattern.clone(), index);
                index
            }
        };
        let route = &mut self.routes[index];
        match methods {
            Methods::Any => {
                assert!(
                    route.any.is_none(),
                    "rgi-web: route {pattern:?} has two `any` handlers"
                );
                route.any = Some(handler);
            }
            Methods::Some(list) => {
                for method in list {
                    assert!(
                        rgi::start_response::is_token(&method),
                        "rgi-web: route {pattern:?}: {method:?} is not a method name"
                    );
                    assert!(
                        !route.methods.iter().any(|(m, _)| *m == method),
                        "rgi-web: route {pattern:?} has two {method} handlers"
                    );
                    route.methods.push((method, handler.clone()));
                }
            }
        }
    }

    /// What `method` on `path` selects.
    pub(crate) fn select(&self, method: &str, path: &str) -> Selected<'_> {
        let path = if path.is_empty() { "/" } else { path };
        let Ok(found) = self.matcher.at(path) else {
            return Selected::NotFound;
        };
        let route = &self.routes[*found.value];
        let params = || {
            found
                .params
                .iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        };
        let by_name = |name: &str| {
            route
                .methods
                .iter()
                .find(|(m, _)| m == name)
                .map(|(_, h)| h)
        };
        if let Some(handler) = by_name(method) {
            return Selected::Handler {
                handler,
                params: params(),
            };
        }
        if method == "HEAD" {
            if let Some(handler) = by_name("GET") {
                return Selected::Handler {
                    handler,
                    params: params(),
                };
            }
        }
        if let Some(handler) = &route.any {
            return Selected::Handler {
                handler,
                params: params(),
            };
        }
        let allow = route.allow();
        if method == "OPTIONS" {
            Selected::Options { allow }
        } else {
            Selected::NotAllowed { allow }
        }
    }

    /// Every method some route answers (for `OPTIONS *`).
    pub(crate) fn all_methods(&self) -> String {
        let mut all: Vec<&str> = Vec::new();
        for route in &self.routes {
            for (method, _) in &route.methods {
                if !all.contains(&method.as_str()) {
                    all.push(method);
                }
            }
        }
        allow_header(all)
    }
}

impl Route {
    /// The `Allow` header of this route: its methods in the order they were
    /// registered, then `HEAD` (when GET answers it) and `OPTIONS`.
    fn allow(&self) -> String {
        allow_header(self.methods.iter().map(|(m, _)| m.as_str()).collect())
    }
}

/// `methods`, plus HEAD after GET and OPTIONS at the end when missing,
/// joined with `, `.
fn allow_header(methods: Vec<&str>) -> String {
    let mut out: Vec<&str> = Vec::with_capacity(methods.len() + 2);
    for method in &methods {
        out.push(method);
        if *method == "GET" && !methods.contains(&"HEAD") {
            out.push("HEAD");
        }
    }
    if !out.contains(&"OPTIONS") {
        out.push("OPTIONS");
    }
    out.join(", ")
}

/// socketify's `/user/:id` segments become matchit's `/user/{id}`; `{id}`
/// and the catch-all `{*rest}` are kept as written.
fn normalize_pattern(pattern: &str) -> String {
    let pattern = if pattern.starts_with('/') {
        pattern.to_owned()
    } else {
        format!("/{pattern}")
    };
    pattern
        .split('/')
        .map(|segment| match segment.strip_prefix(':') {
            Some(name) if !name.is_empty() => format!("{{{name}}}"),
            _ => segment.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Request, Response};
    use std::sync::Arc;

    fn handler(tag: &'static str) -> BoxedHandler {
        Arc::new(move |_req: &mut Request| Ok(Response::text(tag)))
    }

    fn methods(list: &[&str]) -> Methods {
        Methods::Some(list.iter().map(|m| (*m).to_owned()).collect())
    }

    fn run(router: &Router, method: &str, path: &str) -> String {
        match router.select(method, path) {
            Selected::Handler { handler, params } => {
                let mut req = Request::from_environ(rgi::Environ::new());
                let body = handler(&mut req)
                    .unwrap()
                    .into_parts()
                    .2
                    .into_bytes()
                    .unwrap();
                format!("{}{:?}", String::from_utf8(body).unwrap(), params)
            }
            Selected::Options { allow } => format!("options {allow}"),
            Selected::NotAllowed { allow } => format!("405 {allow}"),
            Selected::NotFound => "404".to_owned(),
        }
    }

    #[test]
    fn methods_paths_and_parameters() {
        let mut r = Router::default();
        r.add("/", methods(&["GET", "POST"]), handler("index"));
        r.add("/user", methods(&["DELETE", "POST"]), handler("user"));
        r.add("/user/{id}", methods(&["GET"]), handler("one"));
        r.add("/user/:id", methods(&["PUT"]), handler("put"));
        r.add("/files/{*path}", Methods::Any, handler("files"));
        assert_eq!(run(&r, "GET", "/"), "index[]");
        assert_eq!(run(&r, "POST", ""), "index[]");
        assert_eq!(run(&r, "HEAD", "/"), "index[]");
        assert_eq!(run(&r, "POST", "/user"), "user[]");
        assert_eq!(run(&r, "GET", "/user"), "405 DELETE, POST, OPTIONS");
        assert_eq!(run(&r, "OPTIONS", "/user"), "options DELETE, POST, OPTIONS");
        assert_eq!(run(&r, "GET", "/user/7"), r#"one[("id", "7")]"#);
        assert_eq!(run(&r, "PUT", "/user/7"), r#"put[("id", "7")]"#);
        assert_eq!(run(&r, "DELETE", "/user/7"), "405 GET, HEAD, PUT, OPTIONS");
        assert_eq!(
            run(&r, "PATCH", "/files/a/b.txt"),
            r#"files[("path", "a/b.txt")]"#
        );
        assert_eq!(run(&r, "GET", "/missing"), "404");
        assert_eq!(run(&r, "GET", "/user/7/extra"), "404");
        // Methods are case-sensitive (ENV-003).
        assert_eq!(run(&r, "get", "/"), "405 GET, HEAD, POST, OPTIONS");
        assert_eq!(r.all_methods(), "GET, HEAD, POST, DELETE, PUT, OPTIONS");
    }

    #[test]
    fn an_explicit_head_or_options_handler_wins() {
        let mut r = Router::default();
        r.add("/", methods(&["GET"]), handler("get"));
        r.add("/", methods(&["HEAD", "OPTIONS"]), handler("own"));
        assert_eq!(run(&r, "HEAD", "/"), "own[]");
        assert_eq!(run(&r, "OPTIONS", "/"), "own[]");
        assert_eq!(run(&r, "POST", "/"), "405 GET, HEAD, OPTIONS");
    }

    #[test]
    #[should_panic(expected = "two GET handlers")]
    fn a_method_twice_is_a_programming_error() {
        let mut r = Router::default();
        r.add("/", methods(&["GET"]), handler("a"));
        r.add("/", methods(&["GET"]), handler("b"));
    }

    #[test]
    #[should_panic(expected = "cannot be added")]
    fn conflicting_patterns_are_refused() {
        let mut r = Router::default();
        r.add("/user/{id}", methods(&["GET"]), handler("a"));
        r.add("/user/{name}", methods(&["POST"]), handler("b"));
    }

    #[test]
    fn patterns_are_normalized() {
        assert_eq!(normalize_pattern("user/:id/posts"), "/user/{id}/posts");
        assert_eq!(normalize_pattern("/{*rest}"), "/{*rest}");
        assert_eq!(normalize_pattern("/a:b"), "/a:b");
    }
}
