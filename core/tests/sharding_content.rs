//! Every sharding scenario passes, every sharding challenge is unsolved by its start alone and
//! solved by its reference solution, and the lesson refers only to existing scenarios.

#[path = "support/content.rs"]
mod content;

#[test]
fn every_sharding_scenario_passes() {
    content::every_scenario_passes("sharding", 8);
}

#[test]
fn every_sharding_challenge_is_unsolved_at_start_and_solved_by_its_solution() {
    content::every_challenge_is_graded("sharding", 4);
}

#[test]
fn the_sharding_lesson_names_existing_scenarios() {
    content::lesson_names_existing_scenarios("sharding", 6);
}
