//! The README stays accurate: it starts with the two newcomer commands, and
//! every relative link and every example it names exists.

use std::path::Path;

const README: &str = include_str!("../README.md");

#[test]
fn readme_starts_with_the_two_commands() {
    let first_block = README.split("```").nth(1).expect("README has a code block");
    let commands: Vec<&str> = first_block
        .lines()
        .skip(1) // the language tag
        .map(|line| line.split('#').next().unwrap_or("").trim())
        .filter(|line| !line.is_empty())
        .collect();
    assert_eq!(
        commands,
        ["cargo run --example base64_app", "cargo test --workspace"]
    );
    let before: &str = README.split("```").next().unwrap_or("");
    assert!(
        before.lines().all(|l| l.is_empty() || l.starts_with('#')),
        "only the title comes before the commands"
    );
}

#[test]
fn readme_links_and_examples_exist() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    for part in README.split("](").skip(1) {
        let target = part.split(')').next().unwrap_or("");
        if target.starts_with("http") || target.starts_with('#') {
            continue;
        }
        let path = target.split('#').next().unwrap_or("");
        assert!(root.join(path).exists(), "README links to missing {target}");
        checked += 1;
    }
    assert!(checked > 10, "found only {checked} relative links");
    for part in README.split("--example ").skip(1) {
        let name: String = part
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let file = root.join("examples").join(format!("{name}.rs"));
        assert!(file.exists(), "README runs a missing example {name}");
    }
}
