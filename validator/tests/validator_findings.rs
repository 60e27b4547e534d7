//! One findings vocabulary: `rgi_validator` reports `rgi::validate`'s
//! `Finding`, `Severity` and `Side`, with the severity derived from the
//! rule's level everywhere, the side as a field, no rule twice for one
//! fixture, and failures blamed on the right rule.

use rgi::rules::{rule, Level};
use rgi::validate::{Severity, Side};
use rgi::{Body, Environ, StartResponse};
use rgi_validator::check_app;

/// Severity follows the level, for every finding of a run.
fn assert_levels(report: &rgi_validator::Report) {
    for (fixture, f) in report.findings() {
        let expected = match rule(f.rule).map(|r| r.level) {
            Some(Level::Must) | None => Severity::Error,
            Some(Level::Should) => Severity::Warning,
            Some(Level::May) => Severity::Advice,
        };
        assert_eq!(f.severity, expected, "{fixture}: {f}");
    }
}

#[test]
fn hygiene_should_rules_are_warnings_reported_once_on_the_application_side() {
    // HDR-014 (relative Location), HDR-012 (non-ASCII value), HDR-018 (two
    // cookies in one field), HDR-019 (no charset): SHOULD rules, so
    // warnings; each once per fixture, against the application.
    let app = rgi::app(|_env: &mut Environ, start: &mut dyn StartResponse| {
        start.start(
            302,
            [
                ("Content-Type", "text/plain"),
                ("Location", "elsewhere"),
                ("X-Name", "Zoë"),
                ("Set-Cookie", "a=1, b=2"),
            ]
            .into(),
        )?;
        Ok(Body::from("moved — here"))
    });
    let report = check_app(app);
    assert_levels(&report);
    let root = report
        .results
        .iter()
        .find(|r| r.fixture == "get-root")
        .unwrap();
    for id in ["HDR-012", "HDR-014", "HDR-018", "HDR-019"] {
        let found: Vec<_> = root.findings.iter().filter(|f| f.rule == id).collect();
        assert_eq!(found.len(), 1, "{id} once: {report}");
        assert_eq!(found[0].severity, Severity::Warning, "{id}: {report}");
        assert_eq!(found[0].side, Side::Application, "{id}: {report}");
    }
    // HDR-019's fix names the body's own media type.
    let charset = root.findings.iter().find(|f| f.rule == "HDR-019").unwrap();
    assert!(
        charset.fix.contains("text/plain; charset=utf-8"),
        "{charset}"
    );
}

#[test]
fn an_application_that_always_fails_is_app_007_not_app_009() {
    // APP-009 is about unusual input; an application that fails on every
    // request breaks APP-007 (a SHOULD: warning) on each, and no APP-009.
    let broken = rgi::app(|_env, _start| Err("down for maintenance".into()));
    let report = check_app(broken);
    assert_levels(&report);
    assert!(!report.cites("APP-009"), "{report}");
    assert!(!report.cites("APP-005"), "{report}");
    let failures: Vec<_> = report
        .findings()
        .filter(|(_, f)| f.rule == "APP-007")
        .collect();
    assert!(failures.len() > 20, "{report}");
    assert!(failures
        .iter()
        .all(|(_, f)| f.side == Side::Application && f.severity == Severity::Warning));
}

#[test]
fn an_application_failing_only_on_a_non_utf8_path_is_app_009() {
    let picky = rgi::app(|env: &mut Environ, start: &mut dyn StartResponse| {
        let path = env.path_info()?.to_owned();
        start.start(200, [("Content-Type", "text/plain")].into())?;
        Ok(Body::from(path))
    });
    let report = check_app(picky);
    let app_009: Vec<&str> = report
        .findings()
        .filter(|(_, f)| f.rule == "APP-009")
        .map(|(fixture, _)| fixture)
        .collect();
    assert_eq!(app_009, ["get-non-utf8-path"], "{report}");
}

#[test]
fn json_carries_the_side() {
    let app = rgi::app(|_env, start| {
        start.start(200, rgi::Headers::new())?;
        Ok(Body::from("no content type"))
    });
    let json = check_app(app).to_json();
    assert!(
        json.contains("\"rule\":\"HDR-010\",\"severity\":\"warning\",\"side\":\"application\""),
        "{json}"
    );
}
