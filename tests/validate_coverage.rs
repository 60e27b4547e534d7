//! Keeps the "enforced by the validator" marks of `rgi::rules::RULES` true:
//!
//! * every rule the validator can report (`validate::CHECKED_RULES`) exists
//!   and is marked `Validator` or `ServerAndValidator`;
//! * every rule marked `Validator` or `ServerAndValidator` is in
//!   `CHECKED_RULES`;
//! * every rule in `CHECKED_RULES` is actually produced by at least one
//!   application of the zoo (tests/validate_support), and the zoo produces
//!   no rule outside that list.
//!
//! Marking a rule without a zoo case that triggers it, or adding a check
//! without marking its rule, fails here.

mod validate_support;

use std::collections::BTreeSet;

use rgi::rules::{rule, Enforcement, RULES};
use rgi::validate::CHECKED_RULES;

fn marked_for_validator(enforcement: Enforcement) -> bool {
    matches!(
        enforcement,
        Enforcement::Validator | Enforcement::ServerAndValidator
    )
}

#[test]
fn checked_rules_exist_and_are_marked() {
    let mut problems = Vec::new();
    for id in CHECKED_RULES {
        match rule(id) {
            None => problems.push(format!("{id} is not in rules::RULES")),
            Some(r) if !marked_for_validator(r.enforced_by) => problems.push(format!(
                "{id} is checked by the validator but marked {:?}",
                r.enforced_by
            )),
            Some(r) if r.is_retired() => problems.push(format!("{id} is retired")),
            Some(_) => {}
        }
    }
    let unique: BTreeSet<_> = CHECKED_RULES.iter().collect();
    assert_eq!(
        unique.len(),
        CHECKED_RULES.len(),
        "duplicates in CHECKED_RULES"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_rule_marked_for_the_validator_is_checked() {
    let missing: Vec<_> = RULES
        .iter()
        .filter(|r| marked_for_validator(r.enforced_by))
        .filter(|r| !CHECKED_RULES.contains(&r.id))
        .map(|r| r.id)
        .collect();
    assert!(
        missing.is_empty(),
        "marked Validator/ServerAndValidator but not in validate::CHECKED_RULES: {missing:?}"
    );
}

#[test]
fn the_zoo_produces_every_checked_rule_and_nothing_else() {
    let mut produced = BTreeSet::new();
    let mut expected = BTreeSet::new();
    for case in validate_support::cases() {
        expected.insert(case.rule);
        let report = (case.run)();
        assert!(
            report.contains(case.rule),
            "zoo case {:?} did not produce {}:\n{report}",
            case.name,
            case.rule
        );
        produced.extend(report.rules());
    }
    let checked: BTreeSet<&str> = CHECKED_RULES.iter().copied().collect();
    let never: Vec<_> = checked.difference(&expected).collect();
    assert!(
        never.is_empty(),
        "no zoo case expects these checked rules: {never:?}"
    );
    let unlisted: Vec<_> = produced.difference(&checked).collect();
    assert!(
        unlisted.is_empty(),
        "the validator produced rules missing from CHECKED_RULES: {unlisted:?}"
    );
}
