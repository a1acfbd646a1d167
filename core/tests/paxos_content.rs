//! Every Paxos scenario in content/scenarios passes, the teaching mutations break the same
//! timelines (and the checker catches them), every challenge is unsolved by its start and
//! solved by its solution, and every lesson step names an existing Paxos scenario.

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
fn every_paxos_scenario_passes() {
    let mut names: Vec<String> = std::fs::read_dir(content().join("scenarios"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("paxos-") && n.ends_with(".json"))
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

fn caught(mut s: Scenario, key: &str, value: serde_json::Value, invariant: &str) {
    s.config.insert(key.into(), value);
    s.expect.clear();
    let report = run(&s).unwrap();
    assert!(report.violations.iter().any(|(name, _, _)| name == invariant), "{key}: {invariant} not caught; got {:?}", report.violations);
}

#[test]
fn ignoring_promised_values_is_caught_in_the_competing_proposers_scenario() {
    // The same timeline is safe without the mutation (every_paxos_scenario_passes).
    caught(load("paxos-competing.json"), "ignore_promised_values", serde_json::Value::Bool(true), "Agreement");
}

#[test]
fn non_intersecting_quorums_are_caught_in_the_flexible_scenario() {
    // q1 = 4, q2 = 2 is safe; q1 = 3, q2 = 2 lets N2's three promises miss the two acceptors
    // (N0, N1) that chose x=1: the other side elects a leader on its own during the partition,
    // and with N1 cut off afterwards it puts a new command in slot 1.
    let mut s = load("paxos-flexible.json");
    let isolate = r#"{ "model": "paxos", "timeline": [ { "at": "550ms", "do": "isolate", "node": 1 }, { "at": "800ms", "do": "request", "node": 2, "arg": "y=2" } ] }"#;
    s.timeline.extend(Scenario::parse(isolate).unwrap().timeline);
    s.timeline.sort_by_key(|step| step.at);
    caught(s, "q1", serde_json::json!(3), "Agreement");
}

#[test]
fn every_paxos_challenge_is_unsolved_at_start_and_solved_by_its_solution() {
    let text = std::fs::read_to_string(content().join("challenges/paxos.json")).unwrap();
    let challenges = challenge::parse(&text).unwrap();
    assert!(challenges.len() >= 4);
    for c in &challenges {
        assert_eq!(c.start.model, "paxos");
        let (solved, outcomes) = challenge::attempt(c, false).unwrap();
        assert!(!solved, "{} is solved by doing nothing: {outcomes:?}", c.id);
        let (solved, outcomes) = challenge::attempt(c, true).unwrap();
        assert!(solved, "{} is not solved by its solution: {outcomes:?}", c.id);
    }
}

#[test]
fn the_lesson_names_existing_scenarios() {
    let text = std::fs::read_to_string(content().join("lessons/paxos.md")).unwrap();
    assert!(text.starts_with("# "));
    let steps: Vec<&str> = text.lines().filter(|l| l.starts_with("scenario: ")).collect();
    assert!(steps.len() >= 7, "{steps:?}");
    for line in text.lines().collect::<Vec<_>>().windows(2) {
        if line[0].starts_with("## ") {
            let file = line[1].strip_prefix("scenario: ").unwrap_or_else(|| panic!("step {:?} lacks a scenario line", line[0]));
            assert!(file.starts_with("paxos-"), "{file}");
            assert!(content().join("scenarios").join(file).exists(), "{file} missing");
        }
    }
}
