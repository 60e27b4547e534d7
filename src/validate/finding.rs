//! [`Finding`], [`Severity`] and [`Report`]: what the validator produces.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

/// How serious a finding is: derived from the level of the rule it cites
/// ([`Severity::of_rule`]), the same way everywhere (`rgi::validate` at run
/// time, the `rgi-validator` fixture runner, over the wire).
///
/// A broken MUST is an [`Error`](Severity::Error), a broken SHOULD a
/// [`Warning`](Severity::Warning); a finding that cites a MAY rule (HTTP
/// hygiene no rule requires) is [`Advice`](Severity::Advice). In panic mode
/// only errors panic (unless
/// [`ValidatorBuilder::deny_warnings`](super::ValidatorBuilder::deny_warnings)
/// promotes warnings).
///
/// ```
/// use rgi::validate::Severity;
/// assert_eq!(Severity::of_rule("HDR-002"), Severity::Error); // a MUST
/// assert_eq!(Severity::of_rule("HDR-016"), Severity::Warning); // a SHOULD
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// A finding citing a MAY rule: worth knowing, not required.
    Advice,
    /// A SHOULD of the specification was not followed.
    Warning,
    /// A MUST of the specification was broken.
    Error,
}

impl Severity {
    /// The severity of a finding that cites `rule`: MUST → error, SHOULD →
    /// warning, MAY → advice (from [`rules::RULES`](crate::rules::RULES);
    /// an unknown ID counts as an error).
    pub fn of_rule(rule: &str) -> Severity {
        match crate::rules::rule(rule).map(|r| r.level) {
            Some(crate::rules::Level::Must) | None => Severity::Error,
            Some(crate::rules::Level::Should) => Severity::Warning,
            Some(crate::rules::Level::May) => Severity::Advice,
        }
    }

    /// The lower-case name: `"error"`, `"warning"` or `"advice"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Advice => "advice",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which side of the interface broke the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// The application (or a middleware acting as one).
    Application,
    /// The server (or a middleware acting as one towards the application).
    Server,
    /// A middleware between two validators.
    Middleware,
}

impl Side {
    /// The lower-case name: `"application"`, `"server"` or `"middleware"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Application => "application",
            Side::Server => "server",
            Side::Middleware => "middleware",
        }
    }
}

/// One violation, from `rgi::validate` at run time or from the
/// `rgi-validator` fixture runner: which rule, how serious (from the rule's
/// level), which side broke it, what was seen and how to fix it.
///
/// `Display` gives `RULE-ID: what was seen; fix: what to do`, the same text
/// that panic mode panics with (prefixed by `rgi::validate: `).
///
/// ```
/// use rgi::validate::{Finding, Severity, Side};
/// let f = Finding::new(
///     "HDR-005",
///     Side::Application,
///     "a `Status` header in the response headers",
///     "pass the status as the first argument of start",
/// );
/// assert_eq!(f.severity, Severity::Error); // HDR-005 is a MUST
/// assert_eq!(
///     f.to_string(),
///     "HDR-005: a `Status` header in the response headers; fix: pass the status as the first argument of start"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The ID of the specification rule (`src/rules.rs`, `spec/`).
    pub rule: &'static str,
    /// How serious it is (from the rule's level).
    pub severity: Severity,
    /// Who broke the rule.
    pub side: Side,
    /// What was seen.
    pub seen: String,
    /// How to fix it.
    pub fix: String,
}

impl Finding {
    /// A finding citing `rule`, with the severity its level gives
    /// ([`Severity::of_rule`]).
    pub fn new(
        rule: &'static str,
        side: Side,
        seen: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Finding {
            rule,
            severity: Severity::of_rule(rule),
            side,
            seen: seen.into(),
            fix: fix.into(),
        }
    }

    /// True for an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The line written to the environ's error stream:
    /// `rgi::validate: error (application): RULE-ID: seen; fix: ...`.
    pub fn log_line(&self) -> String {
        format!(
            "rgi::validate: {} ({}): {}\n",
            self.severity,
            self.side.as_str(),
            self
        )
    }

    /// The panic message of panic mode: `rgi::validate: RULE-ID: seen; fix: ...`.
    pub fn panic_message(&self) -> String {
        format!("rgi::validate: {self}")
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}; fix: {}", self.rule, self.seen, self.fix)
    }
}

/// The findings of one or more validators: a cheap, cloneable handle to a
/// shared list (`Arc<Mutex<Vec<Finding>>>`).
///
/// Get it from [`Validator::report`](super::Validator::report) before the
/// validator is handed to a server, and read it after the requests.
///
/// ```
/// use rgi::validate::{Finding, Report, Side};
/// let report = Report::new();
/// report.push(Finding::new("HDR-005", Side::Application, "x", "y"));
/// assert!(report.contains("HDR-005"));
/// assert_eq!(report.rules(), ["HDR-005"]);
/// assert_eq!(report.errors().len(), 1);
/// ```
#[derive(Clone, Default)]
pub struct Report {
    findings: Arc<Mutex<Vec<Finding>>>,
}

impl Report {
    /// An empty report.
    pub fn new() -> Self {
        Report::default()
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Finding>> {
        // A panic while the lock is held cannot leave the list half-updated
        // (push is the only mutation), so a poisoned lock is still usable.
        self.findings.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a finding.
    pub fn push(&self, finding: Finding) {
        self.lock().push(finding);
    }

    /// A copy of every finding so far, in the order they were made.
    pub fn findings(&self) -> Vec<Finding> {
        self.lock().clone()
    }

    /// Removes and returns every finding so far.
    pub fn take(&self) -> Vec<Finding> {
        std::mem::take(&mut *self.lock())
    }

    /// Forgets every finding.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// The number of findings.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// True when nothing was found.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// True if some finding has rule ID `rule`.
    pub fn contains(&self, rule: &str) -> bool {
        self.lock().iter().any(|f| f.rule == rule)
    }

    /// The distinct rule IDs found, sorted.
    pub fn rules(&self) -> Vec<&'static str> {
        let mut rules: Vec<_> = self.lock().iter().map(|f| f.rule).collect();
        rules.sort_unstable();
        rules.dedup();
        rules
    }

    /// Panics, listing every finding, unless the report is empty: for the
    /// end of a test.
    ///
    /// ```
    /// rgi::validate::Report::new().assert_clean();
    /// ```
    #[track_caller]
    pub fn assert_clean(&self) {
        if !self.is_empty() {
            panic!("rgi::validate: {} findings:\n{self}", self.len());
        }
    }

    /// Panics, listing them, if there are findings of severity
    /// [`Severity::Error`] (warnings and advice are allowed).
    #[track_caller]
    pub fn assert_no_errors(&self) {
        let errors = self.errors();
        if !errors.is_empty() {
            let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
            panic!(
                "rgi::validate: {} errors:\n{}",
                errors.len(),
                list.join("\n")
            );
        }
    }

    /// The findings of severity [`Severity::Error`].
    pub fn errors(&self) -> Vec<Finding> {
        self.lock()
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .cloned()
            .collect()
    }
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.lock().iter()).finish()
    }
}

impl fmt::Display for Report {
    /// One finding per line, with severity and side.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for finding in self.lock().iter() {
            writeln!(
                f,
                "{} ({}): {}",
                finding.severity,
                finding.side.as_str(),
                finding
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_formats() {
        let f = Finding::new(
            "HDR-003",
            Side::Application,
            "hop-by-hop header \"Connection\"",
            "remove it",
        );
        assert_eq!(
            f.to_string(),
            "HDR-003: hop-by-hop header \"Connection\"; fix: remove it"
        );
        assert_eq!(
            f.panic_message(),
            "rgi::validate: HDR-003: hop-by-hop header \"Connection\"; fix: remove it"
        );
        assert_eq!(
            f.log_line(),
            "rgi::validate: error (application): HDR-003: hop-by-hop header \"Connection\"; fix: remove it\n"
        );
    }

    #[test]
    fn report_is_shared_between_clones() {
        let a = Report::new();
        let b = a.clone();
        b.push(Finding::new("SRV-006", Side::Server, "s", "f"));
        assert_eq!(a.len(), 1);
        assert!(a.errors().is_empty());
        assert_eq!(a.to_string(), "warning (server): SRV-006: s; fix: f\n");
        assert_eq!(a.take().len(), 1);
        assert!(b.is_empty());
    }
}
