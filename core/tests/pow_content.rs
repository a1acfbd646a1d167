//! Every proof-of-work scenario in content/scenarios passes, the teaching mutations are caught
//! on lesson scenarios, every lesson step names a scenario that exists, and every challenge is
//! unsolved by its start and solved by its solution.

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
fn every_pow_scenario_passes() {
    let mut names: Vec<String> = std::fs::read_dir(content().join("scenarios"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("pow-") && n.ends_with(".json"))
        .collect();
    names.sort();
    assert!(names.len() >= 8, "{names:?}");
    let mut failed = Vec::new();
    for name in &names {
        let report = run(&load(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        if !report.passed() {
            failed.push(format!("{name}: {:?} {:?}", report.outcomes.iter().filter(|o| !o.passed).collect::<Vec<_>>(), report.violations));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

fn caught(mut s: Scenario, mutation: &str, invariants: &[&str]) {
    s.config.insert(mutation.into(), serde_json::Value::Bool(true));
    s.expect.clear();
    let report = run(&s).unwrap();
    for inv in invariants {
        assert!(report.violations.iter().any(|(name, _, _)| name == inv), "{mutation}: {inv} not caught; got {:?}", report.violations);
    }
}

#[test]
fn mutations_are_caught_on_lesson_scenarios() {
    // A double spend signed during the tamper scenario; a block forged without work.
    let mut s = load("pow-mining.json");
    s.timeline.push(serde_json::from_str(r#"{ "at": "20s", "do": "double_spend", "node": 1, "arg": "2" }"#).unwrap());
    caught(s, "allow_double_spend", &["No Double Spend", "Coins Conserved"]);
    let mut s = load("pow-mining.json");
    s.timeline.push(serde_json::from_str(r#"{ "at": "30s", "do": "forge", "node": 2 }"#).unwrap());
    caught(s, "skip_pow_check", &["Valid Chain"]);
}

#[test]
fn every_lesson_step_names_an_existing_pow_scenario() {
    let text = std::fs::read_to_string(content().join("lessons/pow.md")).unwrap();
    let steps: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("scenario: ")).collect();
    assert!(steps.len() >= 8, "{steps:?}");
    for name in steps {
        let s = load(name.trim());
        assert_eq!(s.model, "pow", "{name}");
    }
    assert!(text.lines().filter(|l| l.starts_with("## ")).count() >= 8);
}

#[test]
fn every_pow_challenge_is_unsolved_at_start_and_solved_by_its_solution() {
    let text = std::fs::read_to_string(content().join("challenges/pow.json")).unwrap();
    let challenges = challenge::parse(&text).unwrap();
    assert!(challenges.len() >= 4);
    for c in &challenges {
        let (solved, outcomes) = challenge::attempt(c, false).unwrap();
        assert!(!solved, "{} is solved by doing nothing: {outcomes:?}", c.id);
        let (solved, outcomes) = challenge::attempt(c, true).unwrap();
        assert!(solved, "{} is not solved by its solution: {outcomes:?}", c.id);
    }
}
