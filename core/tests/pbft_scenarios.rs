//! Scenario tests for PBFT: runs built in code, checked through queries and the ghost.

use distlab_core::models::pbft::{check_all, Pbft};
use distlab_core::world::{Sink, World};
use distlab_core::{Action, Time, TimedAction, TraceEntry, Violation, MS, SEC};

#[derive(Default)]
struct Log(Vec<Violation>);

impl Sink for Log {
    fn trace(&mut self, e: TraceEntry) {
        if std::env::var("PBFT_TRACE").is_ok() {
            eprintln!("{:>9.3} ms {:?} {}", e.time as f64 / MS as f64, e.kind, e.text);
        }
    }
    fn sample(&mut self, _: Time, _: &[f64]) {}
    fn violation(&mut self, v: Violation) {
        self.0.push(v);
    }
}

fn cmd(at: Time, node: u32, name: &str, arg: &str) -> TimedAction {
    TimedAction { at, action: Action::Command { node, name: name.into(), arg: arg.into() } }
}

fn run(cfg: Pbft, seed: u64, actions: &[TimedAction], until: Time) -> (World<Pbft>, Log) {
    let mut w = World::new(cfg.clone(), seed);
    w.tracing = std::env::var("PBFT_TRACE").is_ok();
    let mut log = Log::default();
    loop {
        let k = w.run_until(until, actions, 500, &mut log);
        let bad = check_all(&cfg, &w.nodes(), w.ghost());
        assert!(bad.is_empty(), "full re-check: {bad:?}");
        if k < 500 {
            break;
        }
    }
    (w, log)
}

fn q(w: &World<Pbft>, name: &str) -> f64 {
    w.query(name).unwrap()
}

#[test]
fn normal_case_commits_and_executes_in_order() {
    let (w, log) = run(Pbft::default(), 1, &[], 3 * SEC);
    assert!(log.0.is_empty(), "{:?}", log.0);
    assert!(q(&w, "accepted") >= 8.0, "accepted {}", q(&w, "accepted"));
    assert_eq!(q(&w, "executed"), q(&w, "executed_all"));
    assert_eq!(q(&w, "max_view"), 0.0);
    // Checkpoints every 4 requests: the log stays within the window.
    assert!(q(&w, "stable") >= 4.0);
    assert!(q(&w, "log_max") <= 8.0);
}

#[test]
fn silent_primary_is_replaced_by_a_view_change() {
    let acts = [cmd(500 * MS, 0, "byzantine", "silent")];
    let (w, log) = run(Pbft::default(), 2, &acts, 5 * SEC);
    assert!(log.0.is_empty(), "{:?}", log.0);
    assert!(q(&w, "max_view") >= 1.0);
    assert_ne!(q(&w, "primary"), 0.0);
    let before = q(&w, "accepted");
    assert!(before >= 10.0, "progress after the view change: {before}");
}

#[test]
fn equivocating_primary_prepares_at_most_one_digest() {
    let acts = [cmd(300 * MS, 0, "byzantine", "equivocate")];
    let (w, log) = run(Pbft::default(), 3, &acts, 6 * SEC);
    assert!(log.0.is_empty(), "{:?}", log.0);
    assert!(q(&w, "equivocations") >= 1.0);
    assert!(q(&w, "max_view") >= 1.0, "the equivocating primary is replaced");
    assert!(q(&w, "accepted") >= 5.0);
}

#[test]
fn f_plus_one_liars_make_a_client_accept_a_wrong_result() {
    let acts = [cmd(100 * MS, 1, "byzantine", "lie"), cmd(100 * MS, 2, "byzantine", "lie")];
    let (w, log) = run(Pbft::default(), 4, &acts, 2 * SEC);
    assert!(log.0.iter().any(|v| v.invariant == "Honest Results" && v.detail.contains("fault bound was exceeded")), "{:?}", log.0);
    assert!(q(&w, "wrong") >= 1.0);
    assert_eq!(q(&w, "bound_exceeded"), 1.0);
}

#[test]
fn one_liar_is_outvoted() {
    let acts = [cmd(100 * MS, 1, "byzantine", "lie")];
    let (w, log) = run(Pbft::default(), 4, &acts, 2 * SEC);
    assert!(log.0.is_empty(), "{:?}", log.0);
    assert_eq!(q(&w, "wrong"), 0.0);
}

#[test]
fn n_equal_3f_breaks_agreement_with_one_equivocator() {
    let cfg = Pbft { replicas: 3, ..Pbft::default() };
    let acts = [cmd(100 * MS, 0, "byzantine", "equivocate")];
    let (_, log) = run(cfg, 5, &acts, 2 * SEC);
    assert!(log.0.iter().any(|v| v.invariant == "Agreement" && v.detail.contains("n = 3 < 3f + 1")), "{:?}", log.0);
}

#[test]
fn two_traitors_break_agreement_at_n_4() {
    let acts = [cmd(100 * MS, 0, "byzantine", "equivocate"), cmd(100 * MS, 3, "byzantine", "conflict")];
    let (_, log) = run(Pbft::default(), 6, &acts, 2 * SEC);
    assert!(log.0.iter().any(|v| v.invariant == "Agreement" || v.invariant == "Prepared Uniqueness"), "{:?}", log.0);
}

#[test]
fn checkpoints_collect_garbage_under_load() {
    let cfg = Pbft { clients: 3, think_ms: 20, ..Pbft::default() };
    let (w, log) = run(cfg, 7, &[], 5 * SEC);
    assert!(log.0.is_empty(), "{:?}", log.0);
    assert!(q(&w, "executed") >= 60.0, "{}", q(&w, "executed"));
    assert!(q(&w, "stable_all") >= q(&w, "executed_all") - 8.0);
    assert!(q(&w, "log_max") <= 8.0, "log {}", q(&w, "log_max"));
}

#[test]
fn a_crashed_backup_catches_up_by_state_transfer() {
    let acts = [TimedAction { at: 200 * MS, action: Action::Crash(3) }, TimedAction { at: 2 * SEC, action: Action::Restart(3) }];
    let cfg = Pbft { clients: 2, think_ms: 40, ..Pbft::default() };
    let (w, log) = run(cfg, 8, &acts, 5 * SEC);
    assert!(log.0.is_empty(), "{:?}", log.0);
    assert!(q(&w, "transfers") >= 1.0);
    assert!(q(&w, "executed_all") + 10.0 >= q(&w, "executed"), "{} vs {}", q(&w, "executed_all"), q(&w, "executed"));
}

#[test]
fn slow_primary_stalls_without_a_view_change() {
    let acts = [cmd(100 * MS, 0, "byzantine", "slow")];
    let (w, log) = run(Pbft::default(), 9, &acts, 6 * SEC);
    assert!(log.0.is_empty(), "{:?}", log.0);
    assert_eq!(q(&w, "max_view"), 0.0, "the slow primary stays");
    assert!(q(&w, "accepted") >= 3.0);
}

#[test]
fn replays_are_harmless() {
    let acts = [cmd(100 * MS, 2, "byzantine", "replay")];
    let (w, log) = run(Pbft::default(), 10, &acts, 3 * SEC);
    assert!(log.0.is_empty(), "{:?}", log.0);
    assert!(q(&w, "accepted") >= 8.0);
}

#[test]
fn past_the_bound_the_checker_catches_the_break_on_every_seed() {
    // An equivocating primary and a voter for every digest: f + 1 traitors at n = 4.
    for seed in 0..20 {
        let acts = [cmd(50 * MS, 0, "byzantine", "equivocate"), cmd(50 * MS, 3, "byzantine", "conflict")];
        let (w, log) = run(Pbft::default(), seed, &acts, SEC);
        assert!(!log.0.is_empty(), "seed {seed}: no violation caught");
        assert!(log.0.iter().all(|v| v.detail.contains("fault bound was exceeded")), "seed {seed}: {:?}", log.0);
        assert_eq!(q(&w, "bound_exceeded"), 1.0);
    }
}
