//! Findings and reports: what the runner found, as text for people and as
//! JSON for CI.

use std::fmt::{self, Write as _};

pub use rgi::validate::{Finding, Severity, Side};

/// A finding of the fixture runner: the side follows from the rule's area
/// (over the wire the server and the application behind it are seen
/// together; the application's own rules are charged to it), the severity
/// from the rule's level.
pub(crate) fn finding(
    rule: &'static str,
    message: impl Into<String>,
    fix: impl Into<String>,
) -> Finding {
    Finding::new(rule, side_of(rule), message, fix)
}

/// The side a rule binds: the application for APP, START and the
/// application's header rules, the server otherwise.
pub(crate) fn side_of(rule: &str) -> Side {
    let area = rule.split('-').next().unwrap_or("");
    let app_headers = [
        "HDR-010", "HDR-011", "HDR-012", "HDR-013", "HDR-014", "HDR-015", "HDR-016", "HDR-017",
        "HDR-018", "HDR-019",
    ];
    match area {
        // APP-005 is the server's duty when the application fails.
        "APP" if rule == "APP-005" => Side::Server,
        "APP" | "START" => Side::Application,
        "HDR" if app_headers.contains(&rule) => Side::Application,
        "MW" => Side::Middleware,
        _ => Side::Server,
    }
}

/// The `&'static` ID of a rule named at run time (a fixture's `rules:`
/// line); `SRV-001` for an ID the specification does not have (the fixture
/// tests catch those).
pub(crate) fn static_rule(id: &str) -> &'static str {
    rgi::rules::rule(id).map_or("SRV-001", |r| r.id)
}

/// The outcome of one fixture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixtureResult {
    /// The fixture's name.
    pub fixture: String,
    /// The final status code received, if a response was parsed.
    pub status: Option<u16>,
    /// What was wrong.
    pub findings: Vec<Finding>,
    /// How long the fixture took (sending, the response, the checks).
    pub elapsed: std::time::Duration,
}

/// The outcome of a run: one [`FixtureResult`] per fixture.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    /// What was checked (`"in-process application"`, a URL, a command, a CGI
    /// program).
    pub target: String,
    /// One entry per fixture, in running order.
    pub results: Vec<FixtureResult>,
    /// What a server started with `--cmd` wrote to standard error during
    /// the run (empty otherwise); kept apart from the findings.
    pub server_stderr: String,
}

impl Report {
    /// Every finding with its fixture's name.
    pub fn findings(&self) -> impl Iterator<Item = (&str, &Finding)> + '_ {
        self.results
            .iter()
            .flat_map(|r| r.findings.iter().map(move |f| (r.fixture.as_str(), f)))
    }

    /// The number of errors.
    pub fn error_count(&self) -> usize {
        self.findings().filter(|(_, f)| f.is_error()).count()
    }

    /// The number of warnings.
    pub fn warning_count(&self) -> usize {
        self.findings()
            .filter(|(_, f)| f.severity == Severity::Warning)
            .count()
    }

    /// True when there is no error (warnings are allowed).
    pub fn is_ok(&self) -> bool {
        self.error_count() == 0
    }

    /// True when some finding cites `rule`.
    pub fn cites(&self, rule: &str) -> bool {
        self.findings().any(|(_, f)| f.rule == rule)
    }

    /// Panics with the readable report if there is any error: one line in a
    /// test suite.
    #[track_caller]
    pub fn assert_ok(&self) {
        if !self.is_ok() {
            panic!(
                "rgi-validator found {} error(s):\n{}",
                self.error_count(),
                self.to_text()
            );
        }
    }

    /// [`assert_ok`](Self::assert_ok) under the name `rgi::validate::Report`
    /// uses: panics if there is any error.
    #[track_caller]
    pub fn assert_no_errors(&self) {
        self.assert_ok();
    }

    /// Panics unless there is no finding at all, warnings included.
    #[track_caller]
    pub fn assert_clean(&self) {
        if self.findings().next().is_some() {
            panic!("rgi-validator findings:\n{}", self.to_text());
        }
    }

    /// The readable report: one block per fixture with findings (fixture ×
    /// rule, message and fix), then a summary line.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "rgi-validator: {}", self.target);
        for result in &self.results {
            let status = format!(
                "{:<11} {:>6} ms",
                result
                    .status
                    .map_or_else(|| "no response".to_owned(), |s| s.to_string()),
                result.elapsed.as_millis()
            );
            if result.findings.is_empty() {
                let _ = writeln!(out, "  ok    {:<28} {status}", result.fixture);
                continue;
            }
            let worst = result
                .findings
                .iter()
                .map(|f| f.severity)
                .max()
                .unwrap_or(Severity::Advice);
            let tag = match worst {
                Severity::Error => "FAIL",
                Severity::Warning => "warn",
                Severity::Advice => "note",
            };
            let _ = writeln!(out, "  {tag:<5} {:<28} {status}", result.fixture);
            for finding in &result.findings {
                let _ = writeln!(
                    out,
                    "          {} {}: {} ({} side)",
                    finding.severity,
                    finding.rule,
                    finding.seen,
                    finding.side.as_str()
                );
                if !finding.fix.is_empty() {
                    let _ = writeln!(out, "            fix: {}", finding.fix);
                }
            }
        }
        // The same findings by rule, each with the rule's text.
        let mut rules: Vec<(std::cmp::Reverse<Severity>, &str, Vec<&str>)> = Vec::new();
        for (fixture, finding) in self.findings() {
            match rules.iter_mut().find(|(_, r, _)| *r == finding.rule) {
                Some((severity, _, fixtures)) => {
                    severity.0 = severity.0.max(finding.severity);
                    if !fixtures.contains(&fixture) {
                        fixtures.push(fixture);
                    }
                }
                None => rules.push((
                    std::cmp::Reverse(finding.severity),
                    finding.rule,
                    vec![fixture],
                )),
            }
        }
        rules.sort();
        if !rules.is_empty() {
            let _ = writeln!(out, "by rule:");
        }
        for (severity, rule, fixtures) in &rules {
            let _ = writeln!(
                out,
                "  {:<7} {rule:<9} {} fixture(s): {}",
                severity.0.as_str(),
                fixtures.len(),
                fixtures.join(", ")
            );
            if let Some(r) = rgi::rules::rule(rule) {
                let _ = writeln!(out, "          {} {}", r.level, r.summary);
            }
        }
        let _ = writeln!(
            out,
            "{} fixture(s), {} error(s), {} warning(s)",
            self.results.len(),
            self.error_count(),
            self.warning_count()
        );
        out
    }

    /// The report as JSON: `{"target", "fixtures": [{"name", "status", "ms",
    /// "findings": [{"rule", "severity", "side", "message", "fix"}]}],
    /// "server_stderr", "errors",
    /// "warnings", "ok"}`.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        out.push_str("{\"target\":");
        json_string(&mut out, &self.target);
        out.push_str(",\"fixtures\":[");
        for (i, result) in self.results.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"name\":");
            json_string(&mut out, &result.fixture);
            out.push_str(",\"status\":");
            match result.status {
                Some(s) => {
                    let _ = write!(out, "{s}");
                }
                None => out.push_str("null"),
            }
            let _ = write!(out, ",\"ms\":{}", result.elapsed.as_millis());
            out.push_str(",\"findings\":[");
            for (j, f) in result.findings.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                out.push_str("{\"rule\":");
                json_string(&mut out, f.rule);
                out.push_str(",\"severity\":");
                json_string(&mut out, f.severity.as_str());
                out.push_str(",\"side\":");
                json_string(&mut out, f.side.as_str());
                out.push_str(",\"message\":");
                json_string(&mut out, &f.seen);
                out.push_str(",\"fix\":");
                json_string(&mut out, &f.fix);
                out.push('}');
            }
            out.push_str("]}");
        }
        out.push_str("],\"server_stderr\":");
        json_string(&mut out, &self.server_stderr);
        let _ = write!(
            out,
            ",\"errors\":{},\"warnings\":{},\"ok\":{}}}",
            self.error_count(),
            self.warning_count(),
            self.is_ok()
        );
        out
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

/// Appends `s` as a JSON string literal.
fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' || c == '\u{2028}' || c == '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes_and_shape() {
        let report = Report {
            target: "t\"1\n".into(),
            results: vec![FixtureResult {
                fixture: "get".into(),
                status: Some(200),
                findings: vec![finding("BODY-006", "a\u{1}b", "fix it")],
                elapsed: std::time::Duration::from_millis(7),
            }],
            server_stderr: String::new(),
        };
        assert_eq!(
            report.to_json(),
            "{\"target\":\"t\\\"1\\n\",\"fixtures\":[{\"name\":\"get\",\"status\":200,\"ms\":7,\"findings\":[{\"rule\":\"BODY-006\",\"severity\":\"error\",\"side\":\"server\",\"message\":\"a\\u0001b\",\"fix\":\"fix it\"}]}],\"server_stderr\":\"\",\"errors\":1,\"warnings\":0,\"ok\":false}"
        );
        assert!(!report.is_ok());
        assert!(report.to_text().contains("BODY-006"));
    }

    #[test]
    fn sides_follow_the_rule() {
        assert_eq!(side_of("APP-005"), Side::Server);
        assert_eq!(side_of("APP-009"), Side::Application);
        assert_eq!(side_of("HDR-019"), Side::Application);
        assert_eq!(side_of("HDR-003"), Side::Server);
        assert_eq!(side_of("HTTP-026"), Side::Server);
    }

    #[test]
    fn severity_follows_the_rule_level() {
        assert_eq!(Severity::of_rule("SRV-005"), Severity::Error);
        assert_eq!(Severity::of_rule("SRV-006"), Severity::Warning);
    }
}
