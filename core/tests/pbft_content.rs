//! Every PBFT scenario in content/scenarios passes (the ones past the fault bound expect the
//! checker to catch the break), the same timelines within the bound stay safe, every
//! challenge is unsolved by its start and solved by its solution, and every lesson step names
//! an existing PBFT scenario.

use distlab_core::challenge;
use distlab_core::scenario::{run, Scenario};
use std::path::PathBuf;

fn content() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../content")
}

fn load(name: &str) -> Scenario {
    let path = content().join("scenarios").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Scenario::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn every_pbft_scenario_passes() {
    let mut names: Vec<String> = std::fs::read_dir(content().join("scenarios"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("pbft-") && n.ends_with(".json"))
        .collect();
    names.sort();
    assert!(names.len() >= 7, "{names:?}");
    let mut failed = Vec::new();
    for name in &names {
        let report = run(&load(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        if !report.passed() {
            failed.push(format!("{name}: {:?} {:?}", report.outcomes.iter().filter(|o| !o.passed).collect::<Vec<_>>(), report.violations));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[test]
fn every_pbft_challenge_is_unsolved_at_start_and_solved_by_its_solution() {
    let text = std::fs::read_to_string(content().join("challenges/pbft.json")).unwrap();
    let challenges = challenge::parse(&text).unwrap();
    assert!(challenges.len() >= 4);
    for c in &challenges {
        assert_eq!(c.start.model, "pbft");
        let (solved, outcomes) = challenge::attempt(c, false).unwrap();
        assert!(!solved, "{} is solved by doing nothing: {outcomes:?}", c.id);
        let (solved, outcomes) = challenge::attempt(c, true).unwrap();
        assert!(solved, "{} is not solved by its solution: {outcomes:?}", c.id);
    }
}

#[test]
fn the_lesson_names_existing_scenarios() {
    let text = std::fs::read_to_string(content().join("lessons/pbft.md")).unwrap();
    assert!(text.starts_with("# "));
    let steps: Vec<&str> = text.lines().filter(|l| l.starts_with("scenario: ")).collect();
    assert!(steps.len() >= 7, "{steps:?}");
    for line in text.lines().collect::<Vec<_>>().windows(2) {
        if line[0].starts_with("## ") {
            let file = line[1].strip_prefix("scenario: ").unwrap_or_else(|| panic!("step {:?} lacks a scenario line", line[0]));
            assert!(file.starts_with("pbft-"), "{file}");
            assert!(content().join("scenarios").join(file).exists(), "{file} missing");
        }
    }
}

#[test]
fn the_breaking_scenarios_are_safe_within_the_bound() {
    // Without the second traitor, or with n = 3f + 1, the same timelines break nothing.
    let mut s = load("pbft-two-traitors.json");
    s.timeline.retain(|step| step.node != Some(3));
    s.expect.clear();
    let report = run(&s).unwrap();
    assert!(report.violations.is_empty(), "{:?}", report.violations);
    let mut s = load("pbft-n-3f.json");
    s.config.remove("replicas");
    s.expect.clear();
    let report = run(&s).unwrap();
    assert!(report.violations.is_empty(), "{:?}", report.violations);
}

