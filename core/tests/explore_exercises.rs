//! Find-the-bug exercises (challenges with a `checker` part, in content/challenges/*.json):
//! for each, the model checker finds the mutation's violation within the exercise's stated
//! bound, shrinks it the same way twice, and the shrunk scenario replayed by the CLI reproduces
//! it; the control (the same search with the mutation off) finds nothing within the same bound.
//! A last test lists every teaching mutation the models have and checks each has an exercise,
//! apart from the gaps it names.

use distlab_core::challenge::{self, Challenge};
use distlab_core::explore::Status;
use distlab_core::models;
use distlab_core::scenario::Scenario;
use distlab_core::Value;
use std::path::PathBuf;
use std::process::Command;

fn content() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../content")
}

fn exercises() -> Vec<Challenge> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(content().join("challenges")).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let list = challenge::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        out.extend(list.into_iter().filter(|c| c.checker.is_some()));
    }
    out
}

/// The models with exercises, each checked by its own test below (so they run in parallel).
const MODELS: &[&str] = &["raft", "paxos", "caching", "pow", "sharding"];

#[test]
fn every_exercise_belongs_to_a_model_tested_here() {
    let all = exercises();
    assert!(all.len() >= 10, "{} exercises", all.len());
    for ex in &all {
        assert!(MODELS.contains(&ex.start.model.as_str()), "{}: no test runs the {} exercises", ex.id, ex.start.model);
    }
}

#[test]
fn raft_exercises_are_found_shrunk_and_replayed() {
    check_model("raft");
}

#[test]
fn paxos_exercises_are_found_shrunk_and_replayed() {
    check_model("paxos");
}

#[test]
fn caching_exercises_are_found_shrunk_and_replayed() {
    check_model("caching");
}

#[test]
fn pow_exercises_are_found_shrunk_and_replayed() {
    check_model("pow");
}

#[test]
fn sharding_exercises_are_found_shrunk_and_replayed() {
    check_model("sharding");
}

/// Every exercise of `model`: the checker finds the violation within the exercise's bound, the
/// shrunk schedule is the same on a second search, the CLI replays it, and the control finds
/// nothing within the same bound.
fn check_model(model: &str) {
    let all: Vec<Challenge> = exercises().into_iter().filter(|c| c.start.model == model).collect();
    assert!(!all.is_empty(), "no {model} exercise");
    for ex in &all {
        let t0 = std::time::Instant::now();
        let spec = ex.checker.as_ref().unwrap();
        // The hand part: the learner's half is an ordinary graded challenge.
        let (solved, outcomes) = challenge::attempt(ex, true).unwrap();
        assert!(solved, "{}: the solution does not break the protocol: {outcomes:?}", ex.id);

        let mut c = spec.checker(&ex.start, false).unwrap_or_else(|e| panic!("{}: {e}", ex.id));
        let status = c.finish();
        let found = c.counterexample().cloned();
        assert_eq!(status, Status::Violation, "{}: nothing found within {} steps ({:?})", ex.id, spec.states, c.stats());
        assert!(c.stats().explored <= spec.states);
        let found = found.unwrap();
        assert_eq!(found.invariant, spec.invariant, "{}: {}", ex.id, found.detail);
        c.shrink(5_000);
        let small = c.counterexample().unwrap().clone();
        assert!(small.actions.len() <= found.actions.len());
        println!("{}: found after {} steps ({} actions), shrunk to {}: {}", ex.id, c.stats().explored, found.actions.len(), small.actions.len(), small.detail);

        // Deterministic: the same search and shrink again give the same schedule.
        let mut again = spec.checker(&ex.start, false).unwrap();
        again.finish();
        again.shrink(5_000);
        assert_eq!(again.counterexample().map(|c| &c.actions), Some(&small.actions), "{}: shrinking is not deterministic", ex.id);

        // The CLI replays the exported scenario to the same violation (exit code 0: the
        // scenario expects it).
        let scenario = c.scenario().unwrap();
        let path = std::env::temp_dir().join(format!("distlab-exercise-{}-{}.json", ex.id, std::process::id()));
        std::fs::write(&path, scenario.to_json()).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_distlab")).arg("run").arg(&path).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let _ = std::fs::remove_file(&path);
        assert!(out.status.success(), "{}: the CLI did not reproduce it:\n{text}", ex.id);
        assert!(text.contains(&format!("{}: {}", spec.invariant, small.detail)), "{}:\n{text}", ex.id);

        // The control: the protocol as published, the same search, nothing found.
        let mut control = spec.checker(&ex.start, true).unwrap();
        let status = control.finish();
        assert!(matches!(status, Status::Exhausted | Status::Bounded), "{}: the control breaks: {:?}", ex.id, control.counterexample().map(|c| &c.detail));
        let stats = control.stats();
        // It explored something: exhaustively, or a thousand steps at least; and it reached a goal.
        assert!(status == Status::Exhausted || stats.explored >= 1_000.min(spec.states), "{}: the control explored too little: {stats:?}", ex.id);
        assert!(control.goals().iter().any(|g| g.1.is_some()), "{}: the control reached no goal: {:?}", ex.id, control.goals());
        println!("{}: control {:?} after {} steps, {} distinct ({:.1} s in all)", ex.id, status, stats.explored, stats.distinct, t0.elapsed().as_secs_f64());
    }
}

#[test]
fn an_exercise_scenario_opens_with_its_prefix_and_settings() {
    let ex = exercises().into_iter().find(|c| c.id == "raft-figure8-bug").expect("the Figure 8 exercise");
    let spec = ex.checker.as_ref().unwrap();
    let s = spec.scenario(&ex.start, false);
    assert_eq!(s.timeline.len(), spec.prefix.len());
    let c = spec.scenario(&ex.start, true);
    assert_eq!(c.config.get("commit_old_terms"), Some(&serde_json::Value::Bool(false)));
    let config = spec.config(&s).unwrap();
    assert_eq!(config.start, 800 * distlab_core::MS);
    assert!(config.rounds);
    // Bad fields are named.
    let mut bad = spec.clone();
    bad.strategy = "sideways".into();
    assert!(bad.config(&s).unwrap_err().0.contains("checker.strategy"));
    let mut bad = spec.clone();
    bad.depth = 0;
    assert!(bad.config(&s).unwrap_err().0.contains("depth"));
    let _ = Scenario::parse(&s.to_json()).unwrap();
}

/// Teaching mutations without an exercise yet: (model, setting=value).
const GAPS: &[&str] = &[];

#[test]
fn every_teaching_mutation_has_an_exercise_but_the_named_gaps() {
    // A mutation is a Bool setting labelled "Mutation…" or "Bug…", or a value of a Choice
    // setting named `mutation` other than "none".
    let mut mutations = Vec::new();
    for m in models::catalog() {
        let lab = models::new_lab(m.name, &[], 1, Vec::new()).unwrap();
        for p in lab.params() {
            match &p.kind {
                distlab_core::view::ParamKind::Bool if p.label.starts_with("Mutation") || p.label.starts_with("Bug") => mutations.push(format!("{} {}=true", m.name, p.key)),
                distlab_core::view::ParamKind::Choice(names) if p.key == "mutation" => {
                    mutations.extend(names.iter().filter(|n| **n != "none").map(|n| format!("{} mutation={n}", m.name)))
                }
                _ => {}
            }
        }
    }
    assert!(mutations.len() >= 12, "{mutations:?}");
    let covered: Vec<String> = exercises()
        .iter()
        .map(|c| {
            let spec = c.checker.as_ref().unwrap();
            let v = &c.start.config[&spec.mutation];
            let v = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            format!("{} {}={v}", c.start.model, spec.mutation)
        })
        .collect();
    let mut missing: Vec<&String> = mutations.iter().filter(|m| !covered.contains(m)).collect();
    missing.sort();
    let mut expected: Vec<String> = GAPS.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(missing, expected.iter().collect::<Vec<_>>(), "mutations without an exercise (update GAPS when you add one)");
    let _ = Value::Bool(true);
}
