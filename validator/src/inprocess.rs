//! In process: each fixture through `rgi::test` (the server's pipeline over
//! an in-memory stream, the application under `rgi::validate`).

use std::io::Cursor;
use std::sync::Arc;

use rgi::test::TestClient;

use crate::report::{Finding, FixtureResult};
use crate::wire::read_and_check_all;
use crate::Fixture;

pub(crate) fn run_fixture<A: rgi::Application>(app: Arc<A>, fixture: &Fixture) -> FixtureResult {
    let mut client = TestClient::new(app);
    if let Some(mount) = &fixture.mount {
        client = client.mount(mount);
    }
    let response = client.send_raw(&fixture.request);
    let infos = fixture.request_infos(true);
    let (parsed, wire_findings) =
        read_and_check_all(&mut Cursor::new(response.raw().to_vec()), &infos, false);
    // rgi::validate saw the exchange from inside: its findings come first,
    // and a rule it reported is not reported again from the bytes.
    let mut findings: Vec<Finding> = response.findings().to_vec();
    for finding in wire_findings {
        if !findings.iter().any(|f| f.rule == finding.rule) {
            findings.push(finding);
        }
    }
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
