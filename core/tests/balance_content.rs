//! Every balance scenario passes, every balance challenge is unsolved by its start alone and
//! solved by its reference solution, and the lesson refers only to existing scenarios.

#[path = "support/content.rs"]
mod content;

#[test]
fn every_balance_scenario_passes() {
    content::every_scenario_passes("balance", 10);
}

#[test]
fn every_balance_challenge_is_unsolved_at_start_and_solved_by_its_solution() {
    content::every_challenge_is_graded("balance", 3);
}

#[test]
fn the_balance_lesson_names_existing_scenarios() {
    content::lesson_names_existing_scenarios("balance", 6);
}
