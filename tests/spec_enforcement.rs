//! `spec/11-enforcement.md` lists, for every rule, what enforces it and which
//! tests cite it. The file is generated from `rgi::rules::RULES` and from
//! the rule IDs cited in `tests/`, `validator/tests/` and the unit tests in
//! `src/`; this test fails when it is out of date.
//!
//! Regenerate with `RGI_BLESS=1 cargo test --test spec_enforcement`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use rgi::rules::{Enforcement, RULES};

const GENERATED: &str = "spec/11-enforcement.md";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file below `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "target") {
                continue;
            }
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The rule IDs cited in `text`: an area name, "-", three digits, standing
/// alone (not part of a longer word or number).
fn cited_ids(text: &str) -> BTreeSet<String> {
    let bytes = text.as_bytes();
    let mut ids = BTreeSet::new();
    for rule in RULES {
        let area = rule.area();
        let mut from = 0;
        while let Some(pos) = text[from..].find(area) {
            let start = from + pos;
            from = start + area.len();
            let end = start + area.len() + 4;
            if end > bytes.len() || bytes[start + area.len()] != b'-' {
                continue;
            }
            let digits = &bytes[start + area.len() + 1..end];
            let before_ok = start == 0 || !bytes[start - 1].is_ascii_alphanumeric();
            let after_ok = end == bytes.len() || !bytes[end].is_ascii_alphanumeric();
            if before_ok && after_ok && digits.iter().all(u8::is_ascii_digit) {
                ids.insert(text[start..end].to_owned());
            }
        }
    }
    ids
}

/// Which test files cite each rule ID. Test files are those under `tests/`
/// and `validator/tests/`, and files under `src/` or `validator/src/` whose
/// text holds a `#[cfg(test)]` module (only the part after it counts).
fn citations() -> BTreeMap<String, BTreeSet<String>> {
    let root = root();
    let mut files = Vec::new();
    for dir in ["tests", "validator/tests", "src", "validator/src"] {
        rust_files(&root.join(dir), &mut files);
    }
    let mut map: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in files {
        let rel = path
            .strip_prefix(&root)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        if rel == "src/rules.rs" || rel == "tests/spec_enforcement.rs" {
            continue;
        }
        let Ok(text) = fs::read_to_string(&path) else {
            continue;
        };
        // A `tests.rs` module file in a crate's source is all unit tests.
        let is_test_dir = rel.starts_with("tests/")
            || rel.starts_with("validator/tests/")
            || rel.ends_with("/tests.rs");
        let tested_part = if is_test_dir {
            &text[..]
        } else {
            match text.find("#[cfg(test)]") {
                Some(at) => &text[at..],
                None => continue,
            }
        };
        for id in cited_ids(tested_part) {
            map.entry(id).or_default().insert(rel.clone());
        }
    }
    map
}

fn enforcement_label(e: Enforcement) -> (&'static str, &'static str) {
    match e {
        Enforcement::Types => ("types", ""),
        Enforcement::Server => ("server", ""),
        Enforcement::Validator => ("validator", ""),
        Enforcement::ServerAndValidator => ("server + validator", ""),
        Enforcement::NotCheckable(reason) => ("not checkable", reason),
    }
}

fn render() -> String {
    let cites = citations();
    let mut out = String::new();
    out.push_str(
        "# 11. What enforces each rule\n\n\
         This file is generated from `rgi::rules::RULES` and the rule IDs that the\n\
         tests cite; `tests/spec_enforcement.rs` fails when it is out of date\n\
         (regenerate with `RGI_BLESS=1 cargo test --test spec_enforcement`). It\n\
         defines no rules.\n\n\
         - **types**: the Rust types make a violation impossible (it does not compile).\n\
         - **server**: `rgi::simple_server` enforces it on the wire or at `start` time.\n\
         - **validator**: the `rgi::validate` middleware reports a violation at run\n\
         \x20 time, with the rule ID (and so do `rgi::test` and the `rgi-validator`\n\
         \x20 fixture runner, which use it).\n\
         - **server + validator**: both.\n\
         - **not checkable**: no run-time check can decide it; the reason is given.\n\n\
         \"Tests\" names the test files that cite the rule.\n\n",
    );
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for rule in RULES {
        *counts
            .entry(enforcement_label(rule.enforced_by).0)
            .or_default() += 1;
    }
    out.push_str("| enforced by | rules |\n| --- | --- |\n");
    for (label, n) in &counts {
        out.push_str(&format!("| {label} | {n} |\n"));
    }
    out.push_str(&format!("| all | {} |\n", RULES.len()));
    for area in rgi::rules::AREAS {
        out.push_str(&format!(
            "\n## {area}\n\n| rule | level | enforced by | tests |\n| --- | --- | --- | --- |\n"
        ));
        for rule in RULES.iter().filter(|r| r.area() == area) {
            let (label, reason) = enforcement_label(rule.enforced_by);
            let by = if reason.is_empty() {
                label.to_owned()
            } else {
                format!("{label}: {}", reason.replace('|', "\\|"))
            };
            let tests = cites
                .get(rule.id)
                .map(|files| {
                    files
                        .iter()
                        .map(|f| format!("`{f}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                rule.id, rule.level, by, tests
            ));
        }
    }
    out
}

#[test]
fn enforcement_table_is_up_to_date() {
    let path = root().join(GENERATED);
    let fresh = render();
    if std::env::var_os("RGI_BLESS").is_some() {
        fs::write(&path, &fresh).expect("write the enforcement table");
        return;
    }
    let current = fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == fresh,
        "{GENERATED} is out of date (a rule's enforcement changed, or a test now cites \
         another rule): run `RGI_BLESS=1 cargo test --test spec_enforcement` and commit the file"
    );
}

/// Enforced rules that no test cites yet, with what is missing. The list
/// may only shrink: a rule listed here that a test now cites fails too.
const KNOWN_GAPS: &[(&str, &str)] = &[];

/// A rule that a component claims to enforce is cited by at least one test,
/// so the claim is backed by something that can fail.
#[test]
fn every_enforced_rule_is_cited_by_a_test() {
    let cites = citations();
    let untested: Vec<&str> = RULES
        .iter()
        .filter(|r| {
            matches!(
                r.enforced_by,
                Enforcement::Server | Enforcement::Validator | Enforcement::ServerAndValidator
            )
        })
        .filter(|r| !cites.contains_key(r.id))
        .filter(|r| !KNOWN_GAPS.iter().any(|(id, _)| *id == r.id))
        .map(|r| r.id)
        .collect();
    let closed: Vec<&str> = KNOWN_GAPS
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| cites.contains_key(*id))
        .collect();
    assert!(
        closed.is_empty(),
        "tests now cite {closed:?}: remove them from KNOWN_GAPS"
    );
    assert!(
        untested.is_empty(),
        "rules marked as enforced by the server or the validator that no test cites: \
         {untested:?}; add a test that checks the rule and names its ID"
    );
}

#[test]
fn the_citation_scanner_takes_whole_ids_only() {
    let ids = cited_ids("ENV-004, XENV-005, ENV-0061, (HTTP-001) BODY-01");
    assert_eq!(ids.into_iter().collect::<Vec<_>>(), ["ENV-004", "HTTP-001"]);
}
