//! The rgi fixture runner: a catalogue of representative requests replayed
//! against an rgi application in process (under [`rgi::validate`]), against
//! a running server over the wire, or against a CGI program, with every
//! violation reported under its spec rule ID.
//!
//! See `README.md` ("Validate your app") for the command-line tool.
//!
//! **Which checker?** [`rgi::validate`] is middleware: it wraps one
//! application and checks, at run time, every request that reaches it
//! (from your tests, [`rgi::test::TestClient`], or a real server). This
//! crate *drives* checks: it sends its catalogue of representative
//! requests ([`catalogue`]) through an application in process (under
//! `rgi::validate`), to a server over the wire, or to a CGI program, and
//! gathers every [`Finding`] — the same type, with the same severities and
//! sides, as `rgi::validate`'s — into a [`Report`] per run, one
//! [`FixtureResult`] per fixture. `check_app(app).assert_clean()` is the one
//! line for a test suite.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::path::Path;
use std::time::Duration;

pub mod cgi;
pub mod client;
pub mod fixture;
mod inprocess;
pub mod report;
pub mod wire;

pub use fixture::{catalogue, Fixture, RequestParts};
pub use report::{Finding, FixtureResult, Report, Severity, Side};

/// Runs the whole catalogue in process against `app` (see
/// [`Runner::run_app`]): one line in a test suite.
///
/// ```
/// use rgi::{Body, Environ, StartResponse};
///
/// fn hello(_env: &mut Environ, start: &mut dyn StartResponse) -> Result<Body, rgi::AppError> {
///     start.start("200 OK", [("Content-Type", "text/plain; charset=utf-8")].into())?;
///     Ok(Body::from("Hello, world!"))
/// }
///
/// rgi_validator::check_app(hello).assert_clean();
/// ```
pub fn check_app<A: rgi::Application>(app: A) -> Report {
    Runner::new().run_app(app)
}

/// Runs fixtures against a target. [`Runner::new`] takes the whole
/// catalogue; [`Runner::only`] and [`Runner::skip`] select by name.
#[derive(Debug, Clone)]
pub struct Runner {
    fixtures: Vec<Fixture>,
    timeout: Duration,
    prefix: String,
}

impl Default for Runner {
    fn default() -> Self {
        Runner::new()
    }
}

impl Runner {
    /// A runner over the built-in catalogue, with a 10-second timeout per
    /// fixture.
    pub fn new() -> Runner {
        Runner {
            fixtures: catalogue(),
            timeout: Duration::from_secs(10),
            prefix: String::new(),
        }
    }

    /// A runner over the given fixtures.
    pub fn with_fixtures(fixtures: Vec<Fixture>) -> Runner {
        Runner {
            fixtures,
            ..Runner::new()
        }
    }

    /// Keeps only the fixtures with these names.
    pub fn only(mut self, names: &[&str]) -> Runner {
        self.fixtures.retain(|f| names.contains(&f.name.as_str()));
        self
    }

    /// Leaves out the fixtures with these names.
    pub fn skip(mut self, names: &[&str]) -> Runner {
        self.fixtures.retain(|f| !names.contains(&f.name.as_str()));
        self
    }

    /// Sets the time allowed for each response.
    pub fn timeout(mut self, timeout: Duration) -> Runner {
        self.timeout = timeout;
        self
    }

    /// Over the wire, puts `prefix` before every request path: for an
    /// application served below a path (`/cgi-bin/app.cgi`, `/app`).
    pub fn prefix(mut self, prefix: &str) -> Runner {
        self.prefix = prefix.to_owned();
        self
    }

    /// The fixtures this runner runs.
    pub fn fixtures(&self) -> &[Fixture] {
        &self.fixtures
    }

    /// Runs the fixtures in process against `app`, through the reference
    /// server's pipeline ([`rgi::test::TestClient`]) with the application
    /// under [`rgi::validate`]: the validator's findings and the HTTP-level
    /// checks of the response bytes both go into the report.
    pub fn run_app<A: rgi::Application>(&self, app: A) -> Report {
        let app = std::sync::Arc::new(app);
        finished(Report {
            target: "in-process application".to_owned(),
            results: self
                .fixtures
                .iter()
                .filter(|f| f.in_process)
                .map(|f| timed(|| inprocess::run_fixture(app.clone(), f)))
                .collect(),
            server_stderr: String::new(),
        })
    }

    /// Runs the fixtures over the wire against the server at `url`
    /// (`http://host:port`), one connection per fixture. Fails (without a
    /// report) when nothing accepts connections there.
    pub fn run_url(&self, url: &str) -> Result<Report, String> {
        let target = client::Target::parse(url)?;
        target.reachable(self.timeout)?;
        Ok(finished(Report {
            target: format!("server at {url}"),
            results: self
                .fixtures
                .iter()
                .filter(|f| f.wire)
                .map(|f| {
                    timed(|| {
                        client::run_fixture(&target, &f.with_prefix(&self.prefix), self.timeout)
                    })
                })
                .collect(),
            server_stderr: String::new(),
        }))
    }

    /// Starts `command` on a free loopback port (`{addr}` in the command
    /// becomes `127.0.0.1:PORT`; `{host}` and `{port}` work too), runs the
    /// fixtures against it over the wire, and stops its whole process group.
    /// Its standard error goes to [`Report::server_stderr`], not the
    /// terminal.
    pub fn run_command(&self, command: &str) -> Result<Report, String> {
        let server = client::spawn_server(command, Duration::from_secs(60))?;
        let url = format!("http://{}", server.addr);
        let report = self.run_url(&url);
        let stderr = server.stop();
        let mut report = report?;
        report.target = format!("command `{command}` at {url}");
        report.server_stderr = stderr;
        Ok(report)
    }

    /// Runs the CGI program at `program` once per fixture.
    pub fn run_cgi(&self, program: &Path) -> Report {
        finished(Report {
            target: format!("CGI program {}", program.display()),
            results: self
                .fixtures
                .iter()
                .filter(|f| f.cgi)
                .map(|f| timed(|| cgi::run_fixture(program, f, self.timeout)))
                .collect(),
            server_stderr: String::new(),
        })
    }
}

/// The run's cross-fixture judgements ([`blame_failures`]).
fn finished(mut report: Report) -> Report {
    blame_failures(&mut report.results);
    report
}

fn timed(run: impl FnOnce() -> FixtureResult) -> FixtureResult {
    let started = std::time::Instant::now();
    let mut result = run();
    result.elapsed = started.elapsed();
    result
}

/// Checks the final status against the fixture's expectation, and flags a
/// 500 (the application failed: APP-007, or APP-009 on a fixture of
/// malformed input; see [`blame_failures`]).
pub(crate) fn check_status(fixture: &Fixture, code: u16, findings: &mut Vec<Finding>) {
    if !fixture.status_matches(code) {
        let rule = fixture
            .rules
            .first()
            .map_or("SRV-001", |r| report::static_rule(r));
        findings.push(report::finding(
            rule,
            format!("expected status {}, got {code}", fixture.status_text()),
            format!("see {rule}: {}", fixture.description),
        ));
    } else if code == 500 {
        if fixture.rules.iter().any(|r| r == "APP-009") {
            findings.push(report::finding(
                "APP-009",
                "500 Internal Server Error: the application failed on this request of unusual but valid input",
                "handle request data that is not UTF-8 or otherwise unexpected (answer 400 or decode lossily) instead of failing",
            ));
        } else {
            findings.push(report::finding(
                "APP-007",
                "500 Internal Server Error: the application failed on this request",
                "see the server's log for the application's error; answer every request of the catalogue, with a helpful error response where it cannot serve it",
            ));
        }
    }
}

/// APP-009 blames the application for failing on unusual input; when it
/// fails on the plain `get-root` request too, it fails on everything, and
/// the failure is APP-007's, not the input's.
pub(crate) fn blame_failures(results: &mut [FixtureResult]) {
    let fails_always = results
        .iter()
        .find(|r| r.fixture == "get-root")
        .is_some_and(|r| r.status == Some(500));
    if !fails_always {
        return;
    }
    for finding in results.iter_mut().flat_map(|r| r.findings.iter_mut()) {
        if finding.rule == "APP-009" {
            *finding = report::finding(
                "APP-007",
                "500 Internal Server Error: the application failed on this request (it fails on get-root as well)",
                "see the server's log for the application's error; answer every request of the catalogue",
            );
        }
    }
}
