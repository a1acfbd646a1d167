//! Checks every lab's content must pass: its scenarios run green, its challenges are graded
//! right, its lesson points at scenarios that exist, its mutations are caught. Each lab's
//! `<lab>_content.rs` calls these and adds what only that lab claims.
#![allow(dead_code)] // each test binary uses its own subset

use distlab_core::challenge;
use distlab_core::scenario::{run, Scenario};
use std::path::PathBuf;

/// The `content/` folder.
pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../content")
}

/// Parses `content/scenarios/<name>`.
pub fn load(name: &str) -> Scenario {
    let path = dir().join("scenarios").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Scenario::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The names of the lab's scenario files (`<lab>-*.json`), sorted.
pub fn scenario_names(lab: &str) -> Vec<String> {
    let prefix = format!("{lab}-");
    let mut names: Vec<String> = std::fs::read_dir(dir().join("scenarios"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with(&prefix) && n.ends_with(".json"))
        .collect();
    names.sort();
    names
}

/// Runs every scenario of the lab (at least `min`); each must meet its own expectations.
pub fn every_scenario_passes(lab: &str, min: usize) {
    let names = scenario_names(lab);
    assert!(names.len() >= min, "only {} {lab} scenarios: {names:?}", names.len());
    let mut failed = Vec::new();
    for name in &names {
        let report = run(&load(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        if !report.passed() {
            failed.push(format!("{name}: {:?} {:?}", report.outcomes.iter().filter(|o| !o.passed).collect::<Vec<_>>(), report.violations));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

/// Every challenge of the lab (at least `min`) is unsolved by its start alone and solved by
/// its reference solution.
pub fn every_challenge_is_graded(lab: &str, min: usize) {
    let text = std::fs::read_to_string(dir().join(format!("challenges/{lab}.json"))).unwrap();
    let challenges = challenge::parse(&text).unwrap_or_else(|e| panic!("challenges/{lab}.json: {e}"));
    assert!(challenges.len() >= min, "only {} {lab} challenges", challenges.len());
    for c in &challenges {
        assert_eq!(c.start.model, lab, "{} starts in another lab", c.id);
        let (solved, outcomes) = challenge::attempt(c, false).unwrap();
        assert!(!solved, "{} is solved by doing nothing: {outcomes:?}", c.id);
        let (solved, outcomes) = challenge::attempt(c, true).unwrap();
        assert!(solved, "{} is not solved by its solution: {outcomes:?}", c.id);
    }
}

/// The lab's lesson has at least `min_steps` steps, and each names an existing scenario of
/// the lab on the line after its heading.
pub fn lesson_names_existing_scenarios(lab: &str, min_steps: usize) {
    let text = std::fs::read_to_string(dir().join(format!("lessons/{lab}.md"))).unwrap();
    assert!(text.starts_with("# "));
    let steps: Vec<&str> = text.lines().filter(|l| l.starts_with("scenario: ")).collect();
    assert!(steps.len() >= min_steps, "{steps:?}");
    for line in text.lines().collect::<Vec<_>>().windows(2) {
        if line[0].starts_with("## ") {
            let file = line[1].strip_prefix("scenario: ").unwrap_or_else(|| panic!("step {:?} lacks a scenario line", line[0]));
            assert!(file.starts_with(&format!("{lab}-")), "{file}");
            assert!(dir().join("scenarios").join(file).exists(), "{file} missing");
        }
    }
}

/// Runs `s` with `config[key] = value` (its own expectations dropped) and asserts that every
/// invariant in `invariants` is reported broken.
pub fn caught(mut s: Scenario, key: &str, value: serde_json::Value, invariants: &[&str]) {
    s.config.insert(key.into(), value);
    s.expect.clear();
    let report = run(&s).unwrap();
    for inv in invariants {
        assert!(report.violations.iter().any(|(name, _, _)| name == inv), "{key}: {inv} not caught; got {:?}", report.violations);
    }
}
