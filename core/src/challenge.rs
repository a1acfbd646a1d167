//! Graded challenges: a starting scenario, goals the learner must reach by acting on the run,
//! and a reference solution (an action script) that tests use to prove every challenge can be
//! solved and is not solved by doing nothing.
//!
//! Goals use the scenario expectation language; they should be about things that, once they
//! happen, stay happened (cumulative queries with `by`, or `violation`), because the shell
//! grades them once per animation frame.

use crate::lab::Lab;
use crate::scenario::{Expect, Goal, Outcome, Scenario, ScenarioError, Step};
use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// One challenge.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Challenge {
    /// Stable id for URLs.
    pub id: String,
    /// Title.
    pub title: String,
    /// The task, in a few sentences.
    pub brief: String,
    /// A nudge for the stuck.
    #[serde(default)]
    pub hint: String,
    /// Where the learner starts (model, settings, seed, maybe a timeline).
    pub start: Scenario,
    /// What must happen.
    pub goals: Vec<Expect>,
    /// A script that solves it, appended to the start's timeline (used by tests).
    pub solution: Vec<Step>,
}

/// Parses a challenge file (a JSON list); errors name line, column and field.
pub fn parse(text: &str) -> Result<Vec<Challenge>, ScenarioError> {
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| { let path = alloc::string::ToString::to_string(e.path()); ScenarioError(format!("`{path}`: {}", e.into_inner())) })
}

/// Grades a live run against a challenge's goals.
#[derive(Clone, Debug)]
pub struct Grader {
    goals: Vec<Goal>,
}

impl Grader {
    /// Compiles the goals for this run's model.
    pub fn new(challenge: &Challenge, lab: &dyn Lab) -> Result<Grader, ScenarioError> {
        let goals = challenge
            .goals
            .iter()
            .enumerate()
            .map(|(i, g)| g.compile(lab).map_err(|e| ScenarioError(format!("`goals[{i}]`: {e}"))))
            .collect::<Result<_, _>>()?;
        Ok(Grader { goals })
    }

    /// Call after the run moved forward.
    pub fn progress(&mut self, lab: &dyn Lab) {
        for g in &mut self.goals {
            g.progress(lab);
        }
    }

    /// Each goal's text and state: met, failed, or still open.
    pub fn status(&self) -> Vec<(String, Option<bool>)> {
        self.goals.iter().map(|g| (g.what.clone(), g.state())).collect()
    }

    /// Whether every goal is met.
    pub fn solved(&self) -> bool {
        self.goals.iter().all(|g| g.state() == Some(true))
    }

    /// Settles open goals (end of a run) and reports.
    pub fn finish(&mut self, lab: &dyn Lab) -> Vec<Outcome> {
        self.goals.iter_mut().map(|g| g.finish(lab)).collect()
    }
}

/// Runs a challenge's start, optionally with its solution, for `run_for`, and grades it.
pub fn attempt(challenge: &Challenge, with_solution: bool) -> Result<(bool, Vec<Outcome>), ScenarioError> {
    let mut scenario = challenge.start.clone();
    if with_solution {
        scenario.timeline.extend(challenge.solution.iter().cloned());
    }
    let mut lab: Box<dyn Lab> = scenario.build()?;
    let mut grader = Grader::new(challenge, lab.as_ref())?;
    let end = scenario.duration();
    loop {
        grader.progress(lab.as_ref());
        let before = lab.events();
        lab.run_until(end, 1);
        if lab.events() == before {
            break;
        }
    }
    grader.progress(lab.as_ref());
    let outcomes = grader.finish(lab.as_ref());
    Ok((outcomes.iter().all(|o| o.passed), outcomes))
}
