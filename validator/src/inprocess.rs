//! In process: each fixture through `rgi::test` (the server's pipeline over
//! an in-memory stream, the application under `rgi::validate`).

use std::io::Cursor;
use std::sync::Arc;

use rgi::test::{TestClient, TestResponse};

use rgi::validate::Severity as ValidateSeverity;

use crate::report::{Finding, FixtureResult, Severity};
use crate::wire::read_and_check_all;
use crate::Fixture;

pub(crate) fn run_fixture<A: rgi::Application>(app: Arc<A>, fixture: &Fixture) -> FixtureResult {
    let mut client = TestClient::new(app);
    if let Some(mount) = &fixture.mount {
        client = client.mount(mount);
    }
    let response = client.send_raw(&fixture.request);
    let infos = fixture.request_infos(true);
    let (parsed, mut findings) =
        read_and_check_all(&mut Cursor::new(response.raw().to_vec()), &infos, false);
    findings.splice(0..0, validation_findings(&response));
    let mut result = FixtureResult {
        fixture: fixture.name.clone(),
        status: parsed.first().map(|r| r.code),
        findings,
        elapsed: std::time::Duration::ZERO,
    };
    for response in &parsed {
        crate::check_status(fixture, response.code, &mut result.findings);
    }
    result
}

/// The `rgi::validate` findings of the request, as report findings.
fn validation_findings(response: &TestResponse) -> Vec<Finding> {
    response
        .findings()
        .iter()
        .map(|f| Finding {
            rule: f.rule.to_owned(),
            severity: match f.severity {
                ValidateSeverity::Error => Severity::Error,
                ValidateSeverity::Warning => Severity::Warning,
                _ => Severity::Note,
            },
            message: format!("{} (rgi::validate, {} side)", f.seen, f.side.as_str()),
            fix: f.fix.to_owned(),
        })
        .collect()
}
