//! Keeps the specification (`spec/*.md`) and `rgi::rules::RULES` in step, and
//! makes sure that every rule ID cited anywhere in the workspace exists.
//!
//! * `spec_and_rules_agree`: the rule lines of `spec/*.md` and `RULES` hold
//!   the same IDs, each defined once, with the same level and text; IDs are
//!   well formed and numbered without gaps.
//! * `cited_rule_ids_exist`: every `AREA-NNN` in `src/`, `tests/`,
//!   `validator/`, `examples/` and `spec/` names a rule of `RULES`.
//! * `not_checkable_rules_say_why`: every `NotCheckable` reason is non-empty.
//!
//! std only; the rule-line format is described in `spec/README.md`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use rgi::rules::{Enforcement, Level, AREAS, RULES};

const EM_DASH: &str = "\u{2014}";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `path` relative to the crate root, for messages.
fn show(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Must => "MUST",
        Level::Should => "SHOULD",
        Level::May => "MAY",
    }
}

/// Why `id` is not a well-formed rule ID, if it is not.
fn id_problem(id: &str) -> Option<String> {
    let Some((area, number)) = id.split_once('-') else {
        return Some("an ID is AREA-NNN, with a hyphen".into());
    };
    if !AREAS.contains(&area) {
        return Some(format!("unknown area {area:?}; the areas are {AREAS:?}"));
    }
    if number.len() != 3 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Some("the number must be exactly three digits".into());
    }
    if number == "000" {
        return Some("numbers start at 001".into());
    }
    None
}

/// One rule line of the specification.
#[derive(Debug)]
struct SpecRule {
    id: String,
    level: String,
    text: String,
    file: PathBuf,
    line: usize,
}

fn spec_files() -> Vec<PathBuf> {
    let dir = root().join("spec");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    files.sort();
    files
}

/// Parses every rule line of `spec/*.md`. Malformed rule lines go to
/// `problems`.
fn parse_spec(problems: &mut Vec<String>) -> Vec<SpecRule> {
    let mut rules = Vec::new();
    for file in spec_files() {
        let text = fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        let mut in_fence = false;
        for (index, line) in text.lines().enumerate() {
            let line_no = index + 1;
            let place = format!("{}:{line_no}", show(&file));
            if line.trim_start().starts_with("```") {
                in_fence = !in_fence;
                continue;
            }
            if in_fence {
                continue;
            }
            let Some(rest) = line.strip_prefix("- **") else {
                if let Some(id) = bold_id(line) {
                    problems.push(format!(
                        "{place}: {id} is in bold but this is not a rule line; bold IDs are reserved for \
                         definitions `- **{id}** LEVEL — text`. Write a reference as plain {id}."
                    ));
                }
                continue;
            };
            let Some((id, after)) = rest.split_once("** ") else {
                if looks_like_id(rest) {
                    problems.push(format!(
                        "{place}: malformed rule line; write `- **AREA-NNN** LEVEL — text` (see spec/README.md)"
                    ));
                }
                continue;
            };
            if !looks_like_id(id) {
                continue; // an ordinary bold list item
            }
            if let Some(why) = id_problem(id) {
                problems.push(format!("{place}: bad rule ID {id:?}: {why}"));
                continue;
            }
            let Some((level, text)) = after.split_once(&format!(" {EM_DASH} ")) else {
                problems.push(format!(
                    "{place}: {id}: after the ID write one level word, then \" — \" (an em dash, U+2014, \
                     with a space on each side), then the rule text"
                ));
                continue;
            };
            if !matches!(level, "MUST" | "SHOULD" | "MAY") {
                problems.push(format!(
                    "{place}: {id}: level {level:?} must be MUST, SHOULD or MAY (a MUST NOT rule has level \
                     MUST, a SHOULD NOT rule has level SHOULD)"
                ));
                continue;
            }
            if text.trim().is_empty() {
                problems.push(format!("{place}: {id}: the rule text is empty"));
                continue;
            }
            rules.push(SpecRule {
                id: id.to_owned(),
                level: level.to_owned(),
                text: text.to_owned(),
                file: file.clone(),
                line: line_no,
            });
        }
    }
    rules
}

/// True if `s` starts like a rule ID: upper-case letters, a hyphen, a digit.
fn looks_like_id(s: &str) -> bool {
    let letters = s.bytes().take_while(u8::is_ascii_uppercase).count();
    letters > 0
        && s[letters..].starts_with('-')
        && s[letters + 1..].starts_with(|c: char| c.is_ascii_digit())
}

/// The first `**AREA-NNN**` in `line`, if any.
fn bold_id(line: &str) -> Option<String> {
    let mut rest = line;
    while let Some(start) = rest.find("**") {
        let after = &rest[start + 2..];
        if let Some(end) = after.find("**") {
            let inner = &after[..end];
            if looks_like_id(inner) && !inner.contains(' ') {
                return Some(inner.to_owned());
            }
        }
        rest = after;
    }
    None
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Every rule ID cited in `text`, as `(line number, id)`: the equivalent of
/// the regex `\b(APP|ENV|...)-\d{3}\b`, written by hand.
fn cited_ids(text: &str) -> Vec<(usize, String)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut line = 1;
    for i in 0..bytes.len() {
        if bytes[i] == b'\n' {
            line += 1;
            continue;
        }
        if i > 0 && is_word_byte(bytes[i - 1]) {
            continue;
        }
        for area in AREAS {
            let end = i + area.len() + 4;
            if end > bytes.len() || !bytes[i..].starts_with(area.as_bytes()) {
                continue;
            }
            let tail = &bytes[i + area.len()..end];
            if tail[0] == b'-'
                && tail[1..].iter().all(u8::is_ascii_digit)
                && bytes.get(end).map_or(true, |&b| !is_word_byte(b))
            {
                found.push((line, String::from_utf8_lossy(&bytes[i..end]).into_owned()));
            }
        }
    }
    found
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return; // a missing directory (e.g. no examples yet) has nothing to cite
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') || name == "target" {
            continue;
        }
        if path.is_dir() {
            collect_files(&path, out);
        } else if path.is_file() {
            out.push(path);
        }
    }
}

#[test]
fn spec_and_rules_agree() {
    let mut problems = Vec::new();
    let spec = parse_spec(&mut problems);

    let mut in_spec: BTreeMap<&str, &SpecRule> = BTreeMap::new();
    for rule in &spec {
        if let Some(first) = in_spec.insert(&rule.id, rule) {
            problems.push(format!(
                "{}:{}: {} is defined again (first at {}:{}); define each ID once — give the new rule the \
                 next free number of its area",
                show(&rule.file),
                rule.line,
                rule.id,
                show(&first.file),
                first.line
            ));
        }
    }

    let mut in_code: BTreeMap<&str, &rgi::rules::Rule> = BTreeMap::new();
    for rule in RULES {
        if let Some(why) = id_problem(rule.id) {
            problems.push(format!("src/rules.rs: bad rule ID {:?}: {why}", rule.id));
        }
        if in_code.insert(rule.id, rule).is_some() {
            problems.push(format!(
                "src/rules.rs: {} appears more than once in RULES; keep one entry",
                rule.id
            ));
        }
    }

    for (id, s) in &in_spec {
        match in_code.get(id) {
            None => problems.push(format!(
                "{}:{}: {id} is defined in the spec but missing from RULES; add to src/rules.rs: \
                 Rule {{ id: {id:?}, level: {}, summary: {:?}, enforced_by: ... }}",
                show(&s.file),
                s.line,
                match s.level.as_str() {
                    "MUST" => "Must",
                    "SHOULD" => "Should",
                    _ => "May",
                },
                s.text
            )),
            Some(r) => {
                if level_name(r.level) != s.level {
                    problems.push(format!(
                        "{id}: level differs: spec ({}:{}) says {}, src/rules.rs says {}; make them the same",
                        show(&s.file),
                        s.line,
                        s.level,
                        level_name(r.level)
                    ));
                }
                if r.summary.trim() != s.text.trim() {
                    problems.push(format!(
                        "{id}: text differs; make src/rules.rs and {}:{} say the same thing\n  spec:  {}\n  rules: {}",
                        show(&s.file),
                        s.line,
                        s.text,
                        r.summary
                    ));
                }
            }
        }
    }
    for (id, r) in &in_code {
        if !in_spec.contains_key(id) {
            problems.push(format!(
                "{id} is in src/rules.rs but defined in no spec/*.md file; add this line to the file of \
                 area {}:\n  - **{id}** {} {EM_DASH} {}",
                r.area(),
                level_name(r.level),
                r.summary
            ));
        }
    }

    for area in AREAS {
        let mut numbers: Vec<u32> = in_code
            .keys()
            .filter_map(|id| id.strip_prefix(area)?.strip_prefix('-')?.parse().ok())
            .collect();
        numbers.sort_unstable();
        if numbers.is_empty() {
            problems.push(format!("area {area} has no rules"));
        }
        for (expected, n) in (1..).zip(&numbers) {
            if *n != expected {
                problems.push(format!(
                    "{area}-{expected:03} is missing: rules are numbered without gaps; never delete a rule, \
                     retire it (keep it and start its text with \"RETIRED:\")"
                ));
                break;
            }
        }
    }

    assert!(
        problems.is_empty(),
        "spec/*.md and src/rules.rs disagree ({} problems):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn cited_rule_ids_exist() {
    let root = root();
    let mut files = Vec::new();
    for dir in ["src", "tests", "validator", "examples", "spec"] {
        collect_files(&root.join(dir), &mut files);
    }
    assert!(
        !files.is_empty(),
        "found no files to scan under {}",
        root.display()
    );

    let mut problems = Vec::new();
    for file in &files {
        let Ok(bytes) = fs::read(file) else { continue };
        let text = String::from_utf8_lossy(&bytes);
        for (line, id) in cited_ids(&text) {
            match rgi::rules::rule(&id) {
                None => problems.push(format!(
                    "{}:{line}: cites {id}, which is not a rule; cite an existing ID (see spec/), or add the \
                     rule to spec/ and src/rules.rs in the same commit with the next free number of its area",
                    show(file)
                )),
                Some(r) if r.is_retired() && !file.starts_with(root.join("spec")) && !file.ends_with("rules.rs") => {
                    problems.push(format!(
                        "{}:{line}: cites {id}, which is retired ({}); cite the rule that replaced it",
                        show(file),
                        r.summary
                    ))
                }
                Some(_) => {}
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} citation(s) of unknown rule IDs:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn not_checkable_rules_say_why() {
    let missing: Vec<&str> = RULES
        .iter()
        .filter(
            |r| matches!(r.enforced_by, Enforcement::NotCheckable(why) if why.trim().is_empty()),
        )
        .map(|r| r.id)
        .collect();
    assert!(
        missing.is_empty(),
        "these rules are NotCheckable without a reason; in src/rules.rs write why nothing can check them, \
         e.g. NotCheckable(\"a property across server implementations\"): {missing:?}"
    );
}

#[test]
fn the_citation_scanner_matches_whole_ids_only() {
    // IDs are assembled at run time so that this file cites none that do not exist.
    let area = "ENV";
    let text = format!(
        "{area}-004 x{area}-005 {area}-0066 ({area}-007) {area}-8\n{area}_{}-009 HTTP/1.1 SRV-0x1 {area}-010.",
        "X"
    );
    let found: Vec<String> = cited_ids(&text).into_iter().map(|(_, id)| id).collect();
    assert_eq!(
        found,
        vec![
            format!("{area}-004"),
            format!("{area}-007"),
            format!("{area}-010")
        ]
    );
    assert_eq!(cited_ids(&format!("a\nb {area}-001"))[0].0, 2);
}

#[test]
fn the_spec_parser_reports_malformed_lines() {
    assert!(looks_like_id("ENV-004** MUST"));
    assert!(!looks_like_id("Note** x"));
    assert_eq!(bold_id("see **HDR-002** here").as_deref(), Some("HDR-002"));
    assert_eq!(bold_id("**bold** text"), None);
    assert!(id_problem("ENV-04").is_some());
    assert!(id_problem("FOO-001").is_some());
    assert!(id_problem(&format!("ENV-{}", "000")).is_some());
    assert!(id_problem("ENV-004").is_none());
}
