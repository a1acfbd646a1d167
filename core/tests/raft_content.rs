//! Every Raft scenario in content/scenarios passes, every teaching mutation is caught by the
//! checker, and every challenge is unsolved by its start and solved by its solution.

#[path = "support/content.rs"]
mod content;

use content::{caught, load};
use distlab_core::scenario::{run, Scenario};

#[test]
fn every_raft_scenario_passes() {
    content::every_scenario_passes("raft", 9);
}

#[test]
fn every_raft_challenge_is_unsolved_at_start_and_solved_by_its_solution() {
    content::every_challenge_is_graded("raft", 3);
}

#[test]
fn the_raft_lesson_names_existing_scenarios() {
    content::lesson_names_existing_scenarios("raft", 8);
}

#[test]
fn commit_old_terms_is_caught_in_figure_8() {
    // The same timeline is safe without the mutation (every_raft_scenario_passes).
    caught(load("raft-figure8.json"), "commit_old_terms", true.into(), &["Leader Completeness", "State Machine Safety"]);
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
    caught(s, "vote_without_log_check", true.into(), &["Leader Completeness", "State Machine Safety"]);
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
