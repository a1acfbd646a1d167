//! Every proof-of-work scenario in content/scenarios passes, the teaching mutations are caught
//! on lesson scenarios, every lesson step names a scenario that exists, and every challenge is
//! unsolved by its start and solved by its solution.

#[path = "support/content.rs"]
mod content;

use content::{caught, load};

#[test]
fn every_pow_scenario_passes() {
    content::every_scenario_passes("pow", 8);
}

#[test]
fn every_pow_challenge_is_unsolved_at_start_and_solved_by_its_solution() {
    content::every_challenge_is_graded("pow", 4);
}

#[test]
fn the_pow_lesson_names_existing_scenarios() {
    content::lesson_names_existing_scenarios("pow", 8);
}

#[test]
fn mutations_are_caught_on_lesson_scenarios() {
    // A double spend signed during the tamper scenario; a block forged without work.
    let mut s = load("pow-mining.json");
    s.timeline.push(serde_json::from_str(r#"{ "at": "20s", "do": "double_spend", "node": 1, "arg": "2" }"#).unwrap());
    caught(s, "allow_double_spend", true.into(), &["No Double Spend", "Coins Conserved"]);
    let mut s = load("pow-mining.json");
    s.timeline.push(serde_json::from_str(r#"{ "at": "30s", "do": "forge", "node": 2 }"#).unwrap());
    caught(s, "skip_pow_check", true.into(), &["Valid Chain"]);
}
