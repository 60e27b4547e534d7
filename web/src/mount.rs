//! Mounting an rgi application under a path prefix: the request's
//! `SCRIPT_NAME` grows by the prefix and `PATH_INFO` loses it (MW-005), as
//! werkzeug's `DispatcherMiddleware` and Rack's `URLMap` do.

use rgi::{Application, Environ};

/// One mounted application.
pub(crate) struct Mount {
    prefix: String,
    app: Box<dyn Application>,
}

impl Mount {
    /// `app` under `prefix`, which must begin with `/` and name at least one
    /// segment (`/static`, `/api/v1`); a trailing `/` is ignored. Panics
    /// (when the application is built) on a prefix that is not of that form.
    pub(crate) fn new(prefix: &str, app: Box<dyn Application>) -> Mount {
        let trimmed = prefix.trim_end_matches('/');
        assert!(
            trimmed.starts_with('/') && !trimmed.contains("//"),
            "rgi-web: mount prefix {prefix:?} must begin with '/' and name a path such as \"/static\""
        );
        Mount {
            prefix: trimmed.to_owned(),
            app,
        }
    }

    /// The prefix's length, to try longer prefixes first.
    pub(crate) fn len(&self) -> usize {
        self.prefix.len()
    }

    /// True if `path_info` is the prefix or lies below it (`/static`,
    /// `/static/…`, not `/staticx`).
    pub(crate) fn matches(&self, path_info: &[u8]) -> bool {
        let prefix = self.prefix.as_bytes();
        path_info.starts_with(prefix) && matches!(path_info.get(prefix.len()), None | Some(b'/'))
    }

    /// Moves the prefix from `PATH_INFO` to the end of `SCRIPT_NAME`
    /// (MW-005: both keep their forms: `SCRIPT_NAME` begins with `/` and is
    /// never `/`; `PATH_INFO` is empty or begins with `/`; `REQUEST_URI` is
    /// left as it was), then calls the application.
    /// The mounted application (for its lifecycle hooks).
    pub(crate) fn app(&self) -> &dyn Application {
        &*self.app
    }

    pub(crate) fn call(
        &self,
        env: &mut Environ,
        start: &mut dyn rgi::StartResponse,
    ) -> Result<rgi::Body, rgi::AppError> {
        shift(env, &self.prefix);
        self.app.call(env, start)
    }
}

/// The shift itself; `prefix` matches `PATH_INFO` (see [`Mount::matches`]).
fn shift(env: &mut Environ, prefix: &str) {
    let path_info = env.get_bytes("PATH_INFO").unwrap_or(b"");
    let rest = path_info.get(prefix.len()..).unwrap_or(b"").to_vec();
    let mut script_name = env.get_bytes("SCRIPT_NAME").unwrap_or(b"").to_vec();
    script_name.extend_from_slice(prefix.as_bytes());
    env.set("SCRIPT_NAME", script_name);
    env.set("PATH_INFO", rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shifted(script: &str, path: &str, prefix: &str) -> (String, String) {
        let mut env = Environ::new();
        env.set("SCRIPT_NAME", script.to_owned());
        env.set("PATH_INFO", path.to_owned());
        env.set("REQUEST_URI", "/unchanged");
        shift(&mut env, prefix);
        assert_eq!(env.get_str("REQUEST_URI"), Some("/unchanged"));
        (
            env.get_str("SCRIPT_NAME").unwrap().to_owned(),
            env.get_str("PATH_INFO").unwrap().to_owned(),
        )
    }

    #[test]
    fn the_prefix_moves_from_path_info_to_script_name() {
        // MW-005
        assert_eq!(
            shifted("", "/static/css/a.css", "/static"),
            ("/static".into(), "/css/a.css".into())
        );
        assert_eq!(
            shifted("", "/static", "/static"),
            ("/static".into(), "".into())
        );
        assert_eq!(
            shifted("", "/static/", "/static"),
            ("/static".into(), "/".into())
        );
        assert_eq!(
            shifted("/app", "/api/v1/x", "/api/v1"),
            ("/app/api/v1".into(), "/x".into())
        );
    }

    #[test]
    fn matching_is_by_whole_segments() {
        let mount = Mount::new(
            "/static/",
            Box::new(rgi::app(|_, _| Ok(rgi::Body::empty()))),
        );
        assert!(mount.matches(b"/static"));
        assert!(mount.matches(b"/static/x"));
        assert!(!mount.matches(b"/staticx"));
        assert!(!mount.matches(b"/stati"));
        assert!(!mount.matches(b""));
        assert_eq!(mount.len(), 7);
    }

    #[test]
    #[should_panic(expected = "must begin with '/'")]
    fn the_root_is_not_a_prefix() {
        let _ = Mount::new("/", Box::new(rgi::app(|_, _| Ok(rgi::Body::empty()))));
    }
}
