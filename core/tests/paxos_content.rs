//! Every Paxos scenario in content/scenarios passes, the teaching mutations break the same
//! timelines (and the checker catches them), every challenge is unsolved by its start and
//! solved by its solution, and every lesson step names an existing Paxos scenario.

#[path = "support/content.rs"]
mod content;

use content::{caught, load};
use distlab_core::scenario::Scenario;

#[test]
fn every_paxos_scenario_passes() {
    content::every_scenario_passes("paxos", 7);
}

#[test]
fn every_paxos_challenge_is_unsolved_at_start_and_solved_by_its_solution() {
    content::every_challenge_is_graded("paxos", 4);
}

#[test]
fn the_paxos_lesson_names_existing_scenarios() {
    content::lesson_names_existing_scenarios("paxos", 7);
}

#[test]
fn ignoring_promised_values_is_caught_in_the_competing_proposers_scenario() {
    // The same timeline is safe without the mutation (every_paxos_scenario_passes).
    caught(load("paxos-competing.json"), "ignore_promised_values", serde_json::Value::Bool(true), &["Agreement"]);
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
    caught(s, "q1", serde_json::json!(3), &["Agreement"]);
}
