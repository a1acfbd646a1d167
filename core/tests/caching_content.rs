//! Every caching scenario passes, every caching challenge is unsolved by its start alone and
//! solved by its reference solution, the lesson refers only to existing scenarios, and the
//! teaching mutations are caught on the lesson's own scenarios.

#[path = "support/content.rs"]
mod content;

use content::{caught, load};

#[test]
fn every_caching_scenario_passes() {
    content::every_scenario_passes("caching", 8);
}

#[test]
fn every_caching_challenge_is_unsolved_at_start_and_solved_by_its_solution() {
    content::every_challenge_is_graded("caching", 4);
}

#[test]
fn the_caching_lesson_names_existing_scenarios() {
    content::lesson_names_existing_scenarios("caching", 7);
}

#[test]
fn the_teaching_mutations_are_caught_on_lesson_scenarios() {
    caught(load("caching-why.json"), "bug_no_evict", true.into(), &["Capacity"]);
    let mut s = load("caching-write-through.json");
    s.config.insert("keys".into(), 10.into());
    s.config.insert("capacity".into(), 1.into());
    s.config.insert("rate".into(), 2000.into());
    s.config.insert("db_ms".into(), 2.into());
    caught(s, "bug_blind_fill", true.into(), &["Write-through: no read older than an acknowledged write"]);
}
