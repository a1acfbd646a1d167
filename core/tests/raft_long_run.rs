//! A loaded Raft run for a long virtual time, driven through the `Lab` facade exactly as the
//! page drives it (time travel on): the history must stay within its memory budget by the
//! kernel's own accounting, and jumping to random moments must land on exactly the state a
//! straight replay reaches.
//!
//! Optimised (`--profile fast`, as `make test` runs it) this is one virtual hour of 100 client
//! requests a second on 5 servers: 360,000 log entries on every server. In debug, two minutes.

use distlab_core::lab::HISTORY_BUDGET_BYTES;
use distlab_core::models::new_lab;
use distlab_core::view::Value;
use distlab_core::{Lab, Rng, SEC};

fn loaded(seed: u64) -> Box<dyn Lab> {
    let settings = [("servers".to_string(), Value::Num(5.0)), ("load_rps".to_string(), Value::Num(100.0))];
    new_lab("raft", &settings, seed, Vec::new()).expect("valid settings")
}

fn run_time() -> u64 {
    if cfg!(debug_assertions) {
        120 * SEC
    } else {
        3_600 * SEC
    }
}

#[test]
fn a_long_loaded_run_keeps_its_history_within_budget_and_seeks_exactly() {
    let end = run_time();
    let mut lab = loaded(7);
    let slice = 60 * SEC;
    let mut t = 0;
    while t < end {
        t = (t + slice).min(end);
        lab.run_until(t, u64::MAX);
        let (bytes, snapshots) = lab.history_size();
        assert!(bytes <= HISTORY_BUDGET_BYTES, "at {} s the history holds {bytes} bytes, over its budget", t / SEC);
        assert!(snapshots > 0, "at {} s no snapshot is left", t / SEC);
    }
    assert!(lab.query("acked").unwrap() > (end / SEC) as f64 * 90.0, "the load was served: {:?} acked", lab.query("acked"));
    assert_eq!(lab.violations().len(), 0, "{:?}", lab.violations().first());

    // Random jumps land where a straight replay does.
    let mut rng = Rng::stream(7, 99);
    for _ in 0..4 {
        let target = rng.range(0, end);
        lab.seek_time(target);
        let mut fresh = loaded(7);
        fresh.run_until(target, u64::MAX);
        assert_eq!((lab.events(), lab.trace_hash()), (fresh.events(), fresh.trace_hash()), "seek to {target} µs");
    }
}

#[test]
fn a_small_budget_thins_snapshots_instead_of_growing() {
    let mut lab = loaded(3);
    // The trace and samples (bounded by their own caps) take about 3 MB of this.
    let budget = 8 << 20;
    lab.set_history_budget(budget);
    let end = run_time() / 10;
    let mut t = 0;
    while t < end {
        t = (t + 10 * SEC).min(end);
        lab.run_until(t, u64::MAX);
        let (bytes, _) = lab.history_size();
        assert!(bytes <= budget, "at {} s: {bytes} bytes over a {budget}-byte budget", t / SEC);
    }
    let (_, snapshots) = lab.history_size();
    assert!(snapshots > 0, "thinning keeps some snapshots");
    // Seeking still works, only slower.
    lab.seek_time(end / 3);
    let mut fresh = loaded(3);
    fresh.run_until(end / 3, u64::MAX);
    assert_eq!(lab.trace_hash(), fresh.trace_hash());
}
