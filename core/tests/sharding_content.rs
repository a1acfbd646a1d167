//! Every sharding scenario passes, every sharding challenge is unsolved by its start alone and
//! solved by its reference solution, and the lesson refers only to existing scenarios.

use distlab_core::challenge;
use distlab_core::scenario::{self, Scenario};
use std::path::PathBuf;

fn content() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../content")
}

fn scenarios() -> Vec<(String, Scenario)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(content().join("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.starts_with("sharding-") && name.ends_with(".json") {
            let text = std::fs::read_to_string(&path).unwrap();
            out.push((name.clone(), Scenario::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"))));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn every_sharding_scenario_passes() {
    let all = scenarios();
    assert!(all.len() >= 8, "only {} scenarios", all.len());
    let mut failed = Vec::new();
    for (name, s) in &all {
        let report = scenario::run(s).unwrap_or_else(|e| panic!("{name}: {e}"));
        for o in &report.outcomes {
            eprintln!("{name}: {} {} ({})", if o.passed { "ok  " } else { "FAIL" }, o.what, o.observed);
        }
        if !report.passed() {
            failed.push(name.clone());
        }
    }
    assert!(failed.is_empty(), "failed: {failed:?}");
}

#[test]
fn every_sharding_challenge_is_unsolved_at_start_and_solved_by_its_solution() {
    let text = std::fs::read_to_string(content().join("challenges/sharding.json")).unwrap();
    let all = challenge::parse(&text).unwrap();
    assert!(all.len() >= 4);
    for c in &all {
        let (solved, outcomes) = challenge::attempt(c, false).unwrap();
        assert!(!solved, "{} is solved by doing nothing: {outcomes:?}", c.id);
        let (solved, outcomes) = challenge::attempt(c, true).unwrap();
        assert!(solved, "{} is not solved by its solution: {outcomes:?}", c.id);
    }
}

#[test]
fn the_lesson_names_existing_scenarios() {
    let text = std::fs::read_to_string(content().join("lessons/sharding.md")).unwrap();
    assert!(text.starts_with("# "));
    let steps: Vec<&str> = text.lines().filter(|l| l.starts_with("scenario: ")).collect();
    assert!(steps.len() >= 6);
    for line in text.lines().collect::<Vec<_>>().windows(2) {
        if line[0].starts_with("## ") {
            let file = line[1].strip_prefix("scenario: ").unwrap_or_else(|| panic!("step {:?} lacks a scenario line", line[0]));
            assert!(file.starts_with("sharding-"), "{file}");
            assert!(content().join("scenarios").join(file).exists(), "{file} missing");
        }
    }
}
