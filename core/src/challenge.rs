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
    /// A find-the-bug exercise: the start turns a teaching mutation on, the learner breaks the
    /// protocol by hand, then runs the model checker on the same start (see [`CheckerSpec`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checker: Option<CheckerSpec>,
}

/// The model checker's half of a find-the-bug exercise: how it searches the challenge's start,
/// the bound within which it must find the violation, and the setting that turns the mutation
/// off for the control search, which must find nothing within the same bound.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckerSpec {
    /// The setting that holds the mutation (e.g. `commit_old_terms`).
    pub mutation: String,
    /// Its value in the control (the protocol as published), e.g. `false` or `"none"`.
    pub control: serde_json::Value,
    /// The invariant the search must break.
    pub invariant: String,
    /// `bfs`, `dfs` or `random`.
    pub strategy: String,
    /// Longest schedule (choices) explored.
    pub depth: u32,
    /// The stated bound: steps within which the violation is found (and the control explores
    /// without finding one).
    pub states: u64,
    /// Fault and command budget.
    #[serde(default)]
    pub crashes: u32,
    /// Messages the explorer may drop.
    #[serde(default)]
    pub drops: u32,
    /// Messages the explorer may duplicate.
    #[serde(default)]
    pub duplicates: u32,
    /// Nodes the explorer may isolate.
    #[serde(default)]
    pub partitions: u32,
    /// Commands (client requests) the explorer may give.
    #[serde(default)]
    pub commands: u32,
    /// Names of the node commands it may give (default: `request`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub menu: Vec<String>,
    /// The network delivers every message after each choice (see `explore::Config::rounds`).
    #[serde(default)]
    pub rounds: bool,
    /// A scripted start (run with the clock up to `until`), appended to the start's timeline.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prefix: Vec<Step>,
    /// When the explorer takes over (default: the last prefix step).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<crate::scenario::Dur>,
    /// Settings changed for the search (a smaller configuration of the same start).
    #[serde(default, skip_serializing_if = "alloc::collections::BTreeMap::is_empty")]
    pub set: alloc::collections::BTreeMap<String, serde_json::Value>,
}

impl CheckerSpec {
    /// As JSON (what the page sends its worker).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// From JSON; the error names the field.
    pub fn from_json(text: &str) -> Result<CheckerSpec, ScenarioError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let path = alloc::string::ToString::to_string(e.path());
            ScenarioError(format!("`checker.{path}`: {}", e.into_inner()))
        })
    }

    /// The scenario the checker searches: the challenge's start with the prefix as its timeline
    /// (with the mutation turned off when `control`).
    pub fn scenario(&self, start: &Scenario, control: bool) -> Scenario {
        let mut s = start.clone();
        s.timeline.extend(self.prefix.iter().cloned());
        s.timeline.sort_by_key(|step| step.at);
        s.expect.clear();
        s.run_for = None;
        for (k, v) in &self.set {
            s.config.insert(k.clone(), v.clone());
        }
        if control {
            s.config.insert(self.mutation.clone(), self.control.clone());
        }
        s
    }

    /// The search's configuration for `scenario` (from [`CheckerSpec::scenario`]); the error
    /// names the bad field.
    pub fn config(&self, scenario: &Scenario) -> Result<crate::explore::Config, ScenarioError> {
        use crate::explore::{Budget, Config, Strategy};
        let strategy = Strategy::parse(&self.strategy).map_err(|e| ScenarioError(format!("`checker.strategy`: {e}")))?;
        let prefix = scenario.actions()?;
        let start = self.until.map_or_else(|| prefix.iter().map(|a| a.at).max().unwrap_or(0), |d| d.0);
        let config = Config {
            strategy,
            depth_max: self.depth,
            limit: Budget { crashes: self.crashes, drops: self.drops, duplicates: self.duplicates, partitions: self.partitions, commands: self.commands },
            commands: if self.menu.is_empty() { alloc::vec!["request".into()] } else { self.menu.clone() },
            seed: scenario.seed,
            states_max: self.states,
            rounds: self.rounds,
            prefix: prefix.into_iter().filter(|a| a.at <= start).collect(),
            start,
            ..Config::default()
        };
        config.validate().map_err(|e| ScenarioError(format!("`checker`: {e}")))?;
        Ok(config)
    }

    /// A boxed search of the exercise (or of its control).
    pub fn checker(&self, start: &Scenario, control: bool) -> Result<Box<dyn crate::explore::Checker>, ScenarioError> {
        let scenario = self.scenario(start, control);
        let config = self.config(&scenario)?;
        let settings = scenario.settings()?;
        crate::models::new_checker(&scenario.model, &settings, config).map_err(ScenarioError)
    }
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
