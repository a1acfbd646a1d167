//! Every Raft scenario in content/scenarios passes, every teaching mutation is caught by the
//! checker, and every challenge is unsolved by its start and solved by its solution.

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
fn every_raft_scenario_passes() {
    let mut names: Vec<String> = std::fs::read_dir(content().join("scenarios"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("raft-") && n.ends_with(".json"))
        .collect();
    names.sort();
    assert!(names.len() >= 9, "{names:?}");
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
    let report = run(&s).unwrap();
    for inv in invariants {
        assert!(report.violations.iter().any(|(name, _, _)| name == inv), "{mutation}: {inv} not caught; got {:?}", report.violations);
    }
}

#[test]
fn commit_old_terms_is_caught_in_figure_8() {
    // The same timeline is safe without the mutation (every_raft_scenario_passes).
    caught(load("raft-figure8.json"), "commit_old_terms", &["Leader Completeness", "State Machine Safety"]);
}

#[test]
fn vote_without_log_check_is_caught() {
    // S4 misses three committed writes while isolated, then wins an election it must lose.
    let text = r#"{
      "model": "raft", "seed": 11,
      "config": { "election_min_ms": 10000, "election_max_ms": 10000 },
      "run_for": "2s",
      "timeline": [
        { "at": "10ms", "do": "timeout", "node": 0 },
        { "at": "100ms", "do": "isolate", "node": 4 },
        { "at": "200ms", "do": "request", "node": 0, "arg": "x=1" },
        { "at": "300ms", "do": "request", "node": 1, "arg": "x=2" },
        { "at": "400ms", "do": "request", "node": 2, "arg": "x=3" },
        { "at": "600ms", "do": "timeout", "node": 4 },
        { "at": "800ms", "do": "heal" },
        { "at": "900ms", "do": "timeout", "node": 4 },
        { "at": "1200ms", "do": "request", "node": 4, "arg": "y=1" }
      ],
      "expect": [ { "query": "acked", "ge": 3, "by": "800ms" }, { "query": "leader", "ne": 4, "at": "1500ms" }, { "no_violations": true } ]
    }"#;
    let s = Scenario::parse(text).unwrap();
    let report = run(&s).unwrap();
    assert!(report.passed(), "without the mutation S4 cannot win: {:?}", report.outcomes);
    caught(s, "vote_without_log_check", &["Leader Completeness", "State Machine Safety"]);
}

#[test]
fn every_raft_challenge_is_unsolved_at_start_and_solved_by_its_solution() {
    let text = std::fs::read_to_string(content().join("challenges/raft.json")).unwrap();
    let challenges = challenge::parse(&text).unwrap();
    assert!(challenges.len() >= 3);
    for c in &challenges {
        let (solved, outcomes) = challenge::attempt(c, false).unwrap();
        assert!(!solved, "{} is solved by doing nothing: {outcomes:?}", c.id);
        let (solved, outcomes) = challenge::attempt(c, true).unwrap();
        assert!(solved, "{} is not solved by its solution: {outcomes:?}", c.id);
    }
}

#[test]
fn without_prevote_the_returning_server_disrupts_the_leader() {
    // The lesson's claim for raft-prevote.json, checked the other way round.
    let mut s = load("raft-prevote.json");
    s.config.insert("prevote".into(), serde_json::Value::Bool(false));
    s.expect.clear();
    let mut lab = s.build().unwrap();
    lab.run_until(s.duration(), u64::MAX);
    assert!(lab.query("leader_changes").unwrap() >= 2.0, "the old leader was not deposed");
    assert!(lab.query("max_term").unwrap() >= 3.0);
    assert!(lab.violations().is_empty());
}
