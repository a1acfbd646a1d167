//! Scenario-level checks of the sharding model through the generic `Lab` facade: it serves,
//! adding a shard moves about 1 / (n + 1) of the keys with a consistent strategy and most of
//! them with modulo, switching strategy migrates, and the teaching mutations are caught.

use distlab_core::models::new_lab;
use distlab_core::{Action, Lab, TimedAction, Value, SEC};

fn lab(settings: &[(&str, Value)], seed: u64, actions: Vec<TimedAction>) -> Box<dyn Lab> {
    let settings: Vec<(String, Value)> = settings.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    new_lab("sharding", &settings, seed, actions).expect("builds")
}

fn t(s: &str) -> Value {
    Value::Text(s.into())
}

fn n(x: f64) -> Value {
    Value::Num(x)
}

fn at(secs: f64, action: Action) -> TimedAction {
    TimedAction { at: (secs * SEC as f64) as u64, action }
}

fn cmd(node: u32, name: &str, arg: &str) -> Action {
    Action::Command { node, name: name.into(), arg: arg.into() }
}

#[test]
fn serves_without_violations() {
    let mut l = lab(&[], 1, Vec::new());
    l.run_until(3 * SEC, u64::MAX);
    let done = l.query("completed").unwrap();
    assert!(done > 900.0, "completed {done}");
    assert!(l.violations().is_empty(), "{:?}", l.violations());
    assert!(!l.view().figures.is_empty());
    eprintln!("p99 {:?} imbalance {:?} key_imbalance {:?}", l.query("p99_ms"), l.query("imbalance"), l.query("key_imbalance"));
}

#[test]
fn adding_a_shard_to_a_ring_moves_about_one_fifth() {
    let mut l = lab(&[("vnodes", n(100.0))], 2, vec![at(1.0, Action::AddNode)]);
    l.run_until(5 * SEC, u64::MAX);
    assert!(l.violations().is_empty(), "{:?}", l.violations());
    assert_eq!(l.query("members"), Some(5.0));
    let f = l.query("moved_fraction").unwrap();
    assert!((0.12..0.28).contains(&f), "moved {f}");
    assert!(l.query("handed_off").unwrap() > 200.0);
}

#[test]
fn adding_a_shard_to_modulo_moves_most_keys() {
    let mut l = lab(&[("strategy", t("modulo"))], 3, vec![at(1.0, Action::AddNode)]);
    l.run_until(6 * SEC, u64::MAX);
    assert!(l.violations().is_empty(), "{:?}", l.violations());
    let f = l.query("moved_fraction").unwrap();
    assert!(f > 0.7, "moved {f}");
}

#[test]
fn switching_strategy_migrates_and_keeps_writes() {
    let mut l = lab(&[("replicas", n(2.0))], 4, vec![at(1.0, Action::Set("strategy".into(), t("range"))), at(4.0, Action::Set("strategy".into(), t("maglev")))]);
    l.run_until(8 * SEC, u64::MAX);
    assert!(l.violations().is_empty(), "{:?}", l.violations());
    assert_eq!(l.query("reconfigs"), Some(2.0));
    assert!(l.query("redirects").unwrap() > 0.0);
}

#[test]
fn failing_a_shard_with_one_replica_loses_writes_and_is_caught() {
    let mut l = lab(&[], 5, vec![at(1.0, cmd(4, "fail", ""))]);
    l.run_until(3 * SEC, u64::MAX);
    assert!(l.violations().iter().any(|v| v.invariant == "Acknowledged writes stay readable"), "{:?}", l.violations());
}

#[test]
fn failing_a_shard_with_two_replicas_loses_nothing() {
    let mut l = lab(&[("replicas", n(2.0))], 6, vec![at(1.0, cmd(4, "fail", ""))]);
    l.run_until(5 * SEC, u64::MAX);
    assert!(l.violations().is_empty(), "{:?}", l.violations());
    assert_eq!(l.query("members"), Some(3.0));
}

#[test]
fn mutation_no_freeze_is_caught() {
    let mut caught = false;
    for seed in 0..6 {
        let mut l = lab(&[("mutation", t("no_freeze")), ("rate", n(3000.0)), ("read_share", n(0.3)), ("keys", n(200.0)), ("migrate_rate", n(500.0))], seed, vec![at(1.0, Action::AddNode), at(3.0, Action::AddNode), at(5.0, Action::AddNode)]);
        l.run_until(8 * SEC, u64::MAX);
        if l.violations().iter().any(|v| v.invariant == "Acknowledged writes stay readable") {
            caught = true;
            break;
        }
    }
    assert!(caught);
}

#[test]
fn mutation_ack_early_is_caught() {
    let mut l = lab(&[("mutation", t("ack_early")), ("replicas", n(2.0)), ("read_replicas", Value::Bool(true)), ("rate", n(3000.0)), ("read_share", n(0.5)), ("keys", n(100.0))], 7, Vec::new());
    l.run_until(3 * SEC, u64::MAX);
    assert!(l.violations().iter().any(|v| v.invariant == "Acknowledged writes stay readable"), "{:?}", l.violations());
}

#[test]
fn mutation_reseed_is_caught() {
    let mut l = lab(&[("mutation", t("reseed"))], 8, vec![at(1.0, Action::AddNode)]);
    l.run_until(4 * SEC, u64::MAX);
    assert!(l.violations().iter().any(|v| v.invariant == "Only keys that must move do"), "{:?}", l.violations());
}

#[test]
fn bad_settings_and_commands_are_refused_with_a_reason() {
    let settings = vec![("shards".to_string(), n(99.0))];
    let e = new_lab("sharding", &settings, 1, Vec::new()).err().unwrap();
    assert!(e.contains("shards"), "{e}");
    let mut l = lab(&[], 1, Vec::new());
    let e = l.act(cmd(0, "split", "abc")).err().unwrap();
    assert!(e.contains("key"), "{e}");
}

#[test]
fn a_big_range_is_split_on_size_without_any_load() {
    // No operations at all, so no shard is hot. Two of four shards leave and S1 takes over
    // their ranges: three quarters of the keys. The router splits it at its middle key and
    // gives the upper half to S0.
    let settings = [("strategy", t("range")), ("rate", n(0.0)), ("auto_split", Value::Bool(true)), ("split_factor", n(1.3)), ("spares", n(0.0))];
    let mut l = lab(&settings, 9, vec![at(0.5, cmd(5, "leave", "")), at(0.6, cmd(6, "leave", ""))]);
    l.run_until(8 * SEC, u64::MAX);
    assert!(l.violations().is_empty(), "{:?}", l.violations());
    assert_eq!(l.query("members"), Some(2.0));
    assert!(l.query("splits").unwrap() >= 1.0, "splits {:?}", l.query("splits"));
    let k = l.query("key_imbalance").unwrap();
    assert!(k < 1.3, "keys spread again after the split: max / mean {k}");
}

#[test]
fn the_key_grid_colours_keys_by_owner_and_marks_those_that_move() {
    use distlab_core::figure::{FigureKind, KeyGrid};
    let grid = |l: &dyn Lab| -> KeyGrid {
        match l.view().figures.into_iter().find(|f| f.key == "keygrid").expect("a key grid").kind {
            FigureKind::KeyGrid(g) => g,
            other => panic!("not a key grid: {other:?}"),
        }
    };
    // Range partitioning over 4 shards: keys in order, so four solid blocks.
    let mut l = lab(&[("strategy", t("range")), ("keys", n(4_000.0)), ("migrate_rate", n(300.0))], 11, vec![at(1.0, Action::AddNode)]);
    l.run_until(SEC / 2, u64::MAX);
    let g = grid(l.as_ref());
    assert_eq!(g.cells.len(), 1024, "an even sample of the keys");
    assert!(g.cells.windows(2).all(|w| w[0].key < w[1].key), "in key order");
    let counts = g.counts();
    assert_eq!(counts.iter().filter(|&&c| c > 0).count(), 4, "four owners: {counts:?}");
    let changes = g.cells.windows(2).filter(|w| w[0].owner != w[1].owner).count();
    assert_eq!(changes, 3, "contiguous blocks");
    assert!(g.cells.iter().all(|c| c.next.is_none() && !c.moved));
    assert!(g.headline.contains("No change yet"), "{}", g.headline);
    // A fifth shard joins: while the change is prepared some keys show their next owner, after
    // the commit they are marked as moved and the headline gives the share next to the ideal.
    let (mut saw_moving, mut saw_moved) = (false, false);
    while l.now() < 6 * SEC && !(saw_moving && saw_moved) {
        l.run_until(l.now() + 20 * distlab_core::MS, u64::MAX);
        let g = grid(l.as_ref());
        saw_moving |= g.cells.iter().any(|c| c.next.is_some());
        if g.cells.iter().any(|c| c.moved) {
            saw_moved = true;
            assert!(g.headline.contains("ideal 1/(n+1): 20.0 %"), "{}", g.headline);
            assert_eq!(g.counts().iter().filter(|&&c| c > 0).count(), 5);
        }
    }
    assert!(saw_moving && saw_moved, "moving {saw_moving}, moved {saw_moved}");
    assert!(l.violations().is_empty(), "{:?}", l.violations());
}
