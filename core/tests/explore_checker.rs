//! The model checker (`distlab_core::explore`): it finds every teaching mutation's violation in
//! a small configuration, shrinks the schedule deterministically, and the exported scenario
//! replays to the same violation through the scenario runner, the `Lab` facade and a share
//! link; the unmutated models explore many states without a violation and reach their goals.

use distlab_core::explore::{fingerprint, root_world, Budget, Checker, Config, Status, Strategy};
use distlab_core::models::{self, raft::Raft};
use distlab_core::scenario::{self, Scenario};
use distlab_core::{share, Value};

fn set(pairs: &[(&str, Value)]) -> Vec<(String, Value)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

/// A random-walk search of a mutated model.
struct Mutation {
    model: &'static str,
    settings: Vec<(String, Value)>,
    limit: Budget,
    depth: u32,
    /// The stated bound: the violation is found within this many steps.
    steps: u64,
    invariant: &'static str,
}

fn mutations() -> Vec<Mutation> {
    let b = Value::Bool(true);
    vec![
        Mutation {
            model: "raft",
            settings: set(&[("servers", Value::Num(3.0)), ("vote_without_log_check", b.clone())]),
            limit: Budget { commands: 1, ..Budget::default() },
            depth: 30,
            steps: 200_000,
            invariant: "Leader Completeness",
        },
        Mutation {
            model: "paxos",
            settings: set(&[("acceptors", Value::Num(3.0)), ("proposers", Value::Num(2.0)), ("ignore_promised_values", b.clone())]),
            limit: Budget { commands: 1, ..Budget::default() },
            depth: 30,
            steps: 100_000,
            invariant: "Agreement",
        },
        Mutation {
            model: "paxos",
            settings: set(&[("acceptors", Value::Num(3.0)), ("proposers", Value::Num(2.0)), ("forget_promise", b.clone())]),
            limit: Budget { commands: 1, crashes: 1, ..Budget::default() },
            depth: 30,
            steps: 100_000,
            invariant: "Promise Kept",
        },
    ]
}

fn search(m: &Mutation, seed: u64) -> Box<dyn Checker> {
    let config = Config { strategy: Strategy::Random, depth_max: m.depth, limit: m.limit, seed, states_max: m.steps, ..Config::default() };
    models::new_checker(m.model, &m.settings, config).expect("valid configuration")
}

#[test]
fn every_mutation_is_found_shrunk_and_replayed() {
    for m in mutations() {
        let mut c = search(&m, 1);
        let status = c.finish();
        assert_eq!(status, Status::Violation, "{} {:?}: no violation within {} steps", m.model, m.settings, m.steps);
        let found = c.counterexample().expect("a counterexample").clone();
        assert_eq!(found.invariant, m.invariant, "{}", found.detail);
        c.shrink(5_000);
        let small = c.counterexample().expect("still one").clone();
        assert!(small.shrunk && small.actions.len() <= found.actions.len(), "{} → {}", found.actions.len(), small.actions.len());
        assert_eq!(small.invariant, m.invariant);
        println!("{} {}: {} steps, shrunk to {}: {}", m.model, m.invariant, found.actions.len(), small.actions.len(), small.detail);

        // Shrinking is deterministic: a second search and shrink give the same schedule.
        let mut again = search(&m, 1);
        again.finish();
        again.shrink(5_000);
        assert_eq!(again.counterexample().map(|c| &c.actions), Some(&small.actions), "{}: shrinking is not deterministic", m.model);

        // The exported scenario replays to the violation: through the runner (what the CLI
        // does), after a JSON round trip and a share link.
        let s = c.scenario().expect("a scenario");
        let parsed = Scenario::parse(&s.to_json()).expect("the export parses");
        assert_eq!(parsed, s);
        for scenario in [parsed.clone(), share::decode(&share::encode(&parsed)).map(|mut d| {
            d.expect = parsed.expect.clone();
            d
        }).expect("the link decodes")] {
            let report = scenario::run(&scenario).expect("the scenario runs");
            assert!(report.passed(), "{}: {:?}", m.model, report.outcomes);
            assert_eq!(report.violations.first().map(|v| v.0.as_str()), Some(m.invariant));
            assert_eq!(report.violations[0].2, small.detail, "the same violation");
        }

        // Through the Lab facade, the violation is caught at the last step of the schedule.
        let mut lab = parsed.build().expect("builds");
        lab.run_until(parsed.duration(), u64::MAX);
        let v = &lab.violations()[0];
        assert_eq!(v.invariant, m.invariant);
        assert_eq!(v.time, small.actions.last().unwrap().at);
    }
}

#[test]
fn unmutated_models_explore_without_violations_and_reach_their_goals() {
    let steps = if cfg!(debug_assertions) { 20_000 } else { 200_000 };
    type Case = (&'static str, Vec<(String, Value)>, Budget);
    let cases: Vec<Case> = vec![
        ("raft", set(&[("servers", Value::Num(3.0))]), Budget { commands: 1, ..Budget::default() }),
        ("paxos", set(&[("acceptors", Value::Num(3.0)), ("proposers", Value::Num(2.0))]), Budget { commands: 1, ..Budget::default() }),
    ];
    for (model, settings, limit) in cases {
        for strategy in [Strategy::Bfs, Strategy::Dfs, Strategy::Random] {
            let config = Config { strategy, depth_max: 14, limit, seed: 3, states_max: steps, ..Config::default() };
            let mut c = models::new_checker(model, &settings, config).unwrap();
            let status = c.finish();
            let stats = c.stats();
            assert!(matches!(status, Status::Bounded | Status::Exhausted), "{model} {strategy:?}: {status:?} {:?}", c.counterexample().map(|c| &c.detail));
            assert!(stats.explored >= steps.min(1_000) && stats.distinct > 100, "{model} {strategy:?}: {stats:?}");
            let goals = c.goals();
            assert!(goals[0].1.is_some(), "{model} {strategy:?}: {goals:?}");
            println!("{model} {strategy:?}: {stats:?} goals {goals:?}");
        }
    }
}

#[test]
fn faults_within_budget_break_nothing_in_the_unmutated_models() {
    let steps = if cfg!(debug_assertions) { 20_000 } else { 300_000 };
    let limit = Budget { crashes: 1, drops: 1, duplicates: 1, partitions: 1, commands: 2 };
    for (model, settings) in [("raft", set(&[("servers", Value::Num(3.0))])), ("paxos", set(&[("acceptors", Value::Num(3.0)), ("proposers", Value::Num(2.0))]))] {
        let config = Config { strategy: Strategy::Random, depth_max: 40, limit, seed: 5, states_max: steps, ..Config::default() };
        let mut c = models::new_checker(model, &settings, config).unwrap();
        let status = c.finish();
        assert_eq!(status, Status::Bounded, "{model}: {:?}", c.counterexample().map(|x| (&x.detail, x.script(c.config()))));
    }
}

#[test]
fn a_search_resumed_in_slices_equals_one_run() {
    let m = &mutations()[0];
    let mut whole = search(m, 2);
    whole.run(u64::MAX);
    let mut sliced = search(m, 2);
    while sliced.run(37) == Status::Running {}
    assert_eq!(whole.stats(), sliced.stats());
    assert_eq!(whole.counterexample(), sliced.counterexample());
    // Breadth-first too.
    let config = Config { depth_max: 6, states_max: 5_000, ..Config::default() };
    let settings = set(&[("servers", Value::Num(3.0))]);
    let mut a = models::new_checker("raft", &settings, config.clone()).unwrap();
    a.run(5_000);
    let mut b = models::new_checker("raft", &settings, config).unwrap();
    while b.run(101) == Status::Running {}
    assert_eq!(a.stats(), b.stats());
}

#[test]
fn fingerprints_are_stable() {
    // The same values natively and in wasm32 (web/tests/browser.rs checks them in the browser,
    // bench/ the start state too): fingerprints hash Debug text or `Hash` through a hasher
    // that widens usize and isize to 64 bits and fixes the byte order, never pointers or
    // hash-map order.
    let world = root_world(Raft { servers: 3, ..Raft::default() }, 1);
    let fp = fingerprint::of_world(&world, true, 0);
    assert_eq!(fp, fingerprint::of_world(&world.clone(), true, 0));
    assert_eq!(fp, RAFT3_SEED1_ROOT, "got {fp:#x}");
    assert_eq!(fingerprint::of_debug(&(1u32, "a", [2u64, 3])), DEBUG_TUPLE, "got {:#x}", fingerprint::of_debug(&(1u32, "a", [2u64, 3])));
    let hashed = {
        use std::hash::Hash;
        let mut h = fingerprint::Hasher::default();
        (1usize, -2isize, "a", [2u64, 3], Some(4u32), vec![5u8; 3], u128::MAX - 6, -7i8).hash(&mut h);
        h.finish()
    };
    assert_eq!(hashed, HASH_TUPLE, "got {hashed:#x}");
    // A short search meets the same states.
    let mut e = distlab_core::explore::Explorer::new(Raft { servers: 3, ..Raft::default() }, Config { states_max: 3_000, ..Config::default() });
    e.run(3_000);
    let s = e.stats();
    assert_eq!((s.explored, s.distinct), RAFT3_BFS_3000, "got {:?}", (s.explored, s.distinct));
}

/// Fingerprint of 3-server Raft's start state with seed 1 (pinned; web/tests/browser.rs and
/// bench/ assert it in wasm).
const RAFT3_SEED1_ROOT: u64 = 0xa45f_ac31_fb4c_cd15;
/// Fingerprint of `(1u32, "a", [2u64, 3])`'s Debug text.
const DEBUG_TUPLE: u64 = 0xe512_b4e7_8b12_d0b7;
/// `fingerprint::Hasher` over the tuple hashed above.
const HASH_TUPLE: u64 = 0xa549_99b2_b1ac_0094;
/// States generated and distinct states of a breadth-first search of 3-server Raft, 3000 steps.
const RAFT3_BFS_3000: (u64, u64) = (3008, 1944);

#[test]
fn bad_configurations_are_refused_with_a_reason() {
    let bad = |config: Config| models::new_checker("raft", &[], config).err().unwrap();
    assert!(bad(Config { depth_max: 0, ..Config::default() }).contains("depth"));
    assert!(bad(Config { limit: Budget { crashes: 99, ..Budget::default() }, ..Config::default() }).contains("crashes"));
    let e = models::new_checker("nope", &[], Config::default()).err().unwrap();
    assert!(e.contains("unknown model"), "{e}");
    let e = models::new_checker("raft", &set(&[("servers", Value::Num(99.0))]), Config::default()).err().unwrap();
    assert!(e.contains("servers"), "{e}");
    // Manual-mode timeline entries name their missing fields.
    let e = Scenario::parse(r#"{"model":"raft","timeline":[{"at":"1ms","do":"fire","node":0}]}"#).unwrap().build().err().unwrap();
    assert!(e.0.contains("timer"), "{e}");
    let e = Scenario::parse(r#"{"model":"raft","timeline":[{"at":"1ms","do":"deliver"}]}"#).unwrap().build().err().unwrap();
    assert!(e.0.contains("msg"), "{e}");
}

#[test]
fn manual_mode_holds_every_event_until_the_timeline_picks_it() {
    let s = Scenario::parse(r#"{"model":"raft","config":{"servers":3},"run_for":"5s","timeline":[{"at":"0s","do":"manual"}]}"#).unwrap();
    let mut lab = s.build().unwrap();
    lab.run_until(5 * distlab_core::SEC, u64::MAX);
    assert_eq!(lab.query("leader_changes"), Some(0.0), "no timer fired by itself");
    // Firing and delivering with unknown ids is reported, never a panic.
    lab.act(distlab_core::Action::Fire(0, 999_999)).unwrap();
    lab.act(distlab_core::Action::Deliver(999_999)).unwrap();
    lab.act(distlab_core::Action::Duplicate(999_999)).unwrap();
    assert!(lab.trace().iter().any(|e| e.text.contains("not armed")));
}
