//! Every PBFT scenario in content/scenarios passes (the ones past the fault bound expect the
//! checker to catch the break), the same timelines within the bound stay safe, every
//! challenge is unsolved by its start and solved by its solution, and every lesson step names
//! an existing PBFT scenario.

#[path = "support/content.rs"]
mod content;

use content::load;
use distlab_core::scenario::run;

#[test]
fn every_pbft_scenario_passes() {
    content::every_scenario_passes("pbft", 7);
}

#[test]
fn every_pbft_challenge_is_unsolved_at_start_and_solved_by_its_solution() {
    content::every_challenge_is_graded("pbft", 4);
}

#[test]
fn the_pbft_lesson_names_existing_scenarios() {
    content::lesson_names_existing_scenarios("pbft", 7);
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
