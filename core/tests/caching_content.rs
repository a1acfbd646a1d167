//! Every caching scenario passes, every caching challenge is unsolved by its start alone and
//! solved by its reference solution, the lesson refers only to existing scenarios, and the
//! teaching mutations are caught on the lesson's own scenarios.

use distlab_core::challenge;
use distlab_core::scenario::{self, Scenario};
use std::path::PathBuf;

fn content() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../content")
}

fn load(name: &str) -> Scenario {
    let text = std::fs::read_to_string(content().join("scenarios").join(name)).unwrap();
    Scenario::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn scenarios() -> Vec<(String, Scenario)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(content().join("scenarios")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        if name.starts_with("caching-") && name.ends_with(".json") {
            out.push((name.clone(), load(&name)));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn every_caching_scenario_passes() {
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
fn every_caching_challenge_is_unsolved_at_start_and_solved_by_its_solution() {
    let text = std::fs::read_to_string(content().join("challenges/caching.json")).unwrap();
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
    let text = std::fs::read_to_string(content().join("lessons/caching.md")).unwrap();
    assert!(text.starts_with("# "));
    let steps: Vec<&str> = text.lines().filter(|l| l.starts_with("scenario: ")).collect();
    assert!(steps.len() >= 7);
    for line in text.lines().collect::<Vec<_>>().windows(2) {
        if line[0].starts_with("## ") {
            let file = line[1].strip_prefix("scenario: ").unwrap_or_else(|| panic!("step {:?} lacks a scenario line", line[0]));
            assert!(file.starts_with("caching-"), "{file}");
            assert!(content().join("scenarios").join(file).exists(), "{file} missing");
        }
    }
}

fn caught(mut s: Scenario, mutation: &str, invariant: &str) {
    s.config.insert(mutation.into(), serde_json::Value::Bool(true));
    let report = scenario::run(&s).unwrap();
    assert!(report.violations.iter().any(|(name, _, _)| name == invariant), "{mutation}: {invariant} not caught; got {:?}", report.violations);
}

#[test]
fn the_teaching_mutations_are_caught_on_lesson_scenarios() {
    caught(load("caching-why.json"), "bug_no_evict", "Capacity");
    let mut s = load("caching-write-through.json");
    s.config.insert("keys".into(), 10.into());
    s.config.insert("capacity".into(), 1.into());
    s.config.insert("rate".into(), 2000.into());
    s.config.insert("db_ms".into(), 2.into());
    caught(s, "bug_blind_fill", "Write-through: no read older than an acknowledged write");
}
