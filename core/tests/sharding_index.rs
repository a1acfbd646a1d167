//! The secondary index: a local one scatters every query to every shard and writes one shard;
//! a global one asks one shard per query but writes two shards per write; a global index
//! survives rebalancing; acknowledging before the index entry is written (`index_async`) is
//! caught by the index invariant. Handler-level: the pure entry and tag functions.
//!
//! `cargo test -p distlab-core --test sharding_index`

use distlab_core::models::new_lab;
use distlab_core::models::sharding::index::{self, Index};
use distlab_core::models::sharding::invariants::full_check;
use distlab_core::models::sharding::{Sharding, Workload};
use distlab_core::world::{Violations, World};
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

#[test]
fn entries_are_placed_by_tag() {
    for k in [0u32, 7, 1_234, 99_999] {
        let e = index::entry(k);
        assert!(index::is_entry(e));
        assert_eq!(index::entry_of(e), (k, index::tag(k)));
        assert_eq!(index::route(e), index::tag_base(index::tag(k)));
    }
    // Every entry of a tag has the owners of the tag's base key, under every strategy.
    for strategy in ["modulo", "range", "ring", "jump", "rendezvous", "maglev"] {
        let m = Sharding { shards: 6, replicas: 2, strategy: distlab_core::models::sharding::Strategy::from_name(strategy).unwrap(), ..Sharding::default() };
        let table = m.initial_table();
        for k in 0..500 {
            let e = index::entry(k);
            assert_eq!(table.owners(e), table.owners(index::tag_base(index::tag(k))), "{strategy}: key {k}");
        }
    }
}

#[test]
fn local_index_asks_every_shard_and_writes_one() {
    let mut l = lab(&[("index", t("local")), ("shards", n(5.0)), ("index_share", n(0.5))], 1, Vec::new());
    l.run_until(3 * SEC, u64::MAX);
    assert!(l.violations().is_empty(), "{:?}", l.violations());
    assert!(l.query("finds").unwrap() > 50.0, "finds {:?}", l.query("finds"));
    assert_eq!(l.query("find_fanout"), Some(5.0));
    assert_eq!(l.query("write_fanout"), Some(1.0));
    assert!(l.query("find_p99_ms").unwrap() > 0.0);
}

#[test]
fn global_index_asks_one_shard_and_writes_two() {
    let mut l = lab(&[("index", t("global")), ("shards", n(5.0)), ("index_share", n(0.5))], 2, Vec::new());
    l.run_until(3 * SEC, u64::MAX);
    assert!(l.violations().is_empty(), "{:?}", l.violations());
    assert!(l.query("finds").unwrap() > 50.0);
    assert_eq!(l.query("find_fanout"), Some(1.0));
    assert_eq!(l.query("write_fanout"), Some(2.0));
}

#[test]
fn a_query_by_tag_counts_exactly_the_keys_with_that_tag() {
    // A quiet cluster (no workload): one query through each kind of index.
    for kind in ["local", "global"] {
        let mut l = lab(&[("index", t(kind)), ("rate", n(0.0)), ("keys", n(800.0)), ("replicas", n(2.0))], 3, vec![at(0.5, Action::Command { node: 1, name: "find".into(), arg: "3".into() })]);
        l.run_until(2 * SEC, u64::MAX);
        assert!(l.violations().is_empty(), "{kind}: {:?}", l.violations());
        assert_eq!(l.query("finds"), Some(1.0), "{kind}");
        let want = (0..800).filter(|&k| index::tag(k) == 3).count();
        assert_eq!(l.query("last_found"), Some(want as f64), "{kind}");
    }
}

#[test]
fn global_index_survives_rebalancing_with_monotonic_inserts() {
    let model = Sharding { index: Index::Global, index_share: 0.4, workload: Workload::Monotonic, read_share: 0.5, rate: 1_500.0, keys: 400, replicas: 2, ..Sharding::default() };
    let actions = vec![at(0.5, Action::AddNode), at(1.5, Action::Set("strategy".into(), t("rendezvous"))), at(2.5, Action::Command { node: 4, name: "leave".into(), arg: String::new() })];
    let mut world = World::new(model.clone(), 4);
    world.tracing = false;
    let mut sink = Violations::default();
    for step in 1..=12 {
        world.run_until(step * SEC / 2, &actions, u64::MAX, &mut sink);
        let bad = full_check(&model, &world.nodes(), world.ghost());
        assert!(bad.is_empty(), "at {}: {bad:?}", world.now());
    }
    assert!(sink.0.is_empty(), "{:?}", sink.0.first());
    assert!(world.query("reconfigs").unwrap() >= 3.0);
    assert!(world.query("finds").unwrap() > 100.0);
}

#[test]
fn local_index_stays_exact_through_rebalancing() {
    let model = Sharding { index: Index::Local, index_share: 0.4, workload: Workload::Monotonic, read_share: 0.5, rate: 1_500.0, keys: 400, ..Sharding::default() };
    let actions = vec![at(0.5, Action::AddNode), at(1.5, Action::Set("strategy".into(), t("jump")))];
    let mut world = World::new(model.clone(), 5);
    world.tracing = false;
    let mut sink = Violations::default();
    for step in 1..=8 {
        world.run_until(step * SEC / 2, &actions, u64::MAX, &mut sink);
        let bad = full_check(&model, &world.nodes(), world.ghost());
        assert!(bad.is_empty(), "at {}: {bad:?}", world.now());
    }
    assert!(sink.0.is_empty(), "{:?}", sink.0.first());
}

#[test]
fn mutation_index_async_is_caught() {
    let mut l = lab(&[("index", t("global")), ("mutation", t("index_async")), ("workload", t("monotonic")), ("read_share", n(0.5)), ("index_share", n(1.0)), ("rate", n(3000.0))], 6, Vec::new());
    l.run_until(3 * SEC, u64::MAX);
    assert!(l.violations().iter().any(|v| v.invariant == "Index queries see acknowledged writes"), "{:?}", l.violations());
}

#[test]
fn find_without_an_index_or_with_a_bad_tag_is_refused() {
    let mut l = lab(&[], 1, Vec::new());
    let e = l.act(Action::Command { node: 1, name: "find".into(), arg: "2".into() }).err().unwrap();
    assert!(e.contains("index"), "{e}");
    let mut l = lab(&[("index", t("local"))], 1, Vec::new());
    let e = l.act(Action::Command { node: 1, name: "find".into(), arg: "9".into() }).err().unwrap();
    assert!(e.contains("tag"), "{e}");
    let e = new_lab("sharding", &[("index".to_string(), t("sideways"))], 1, Vec::new()).err().unwrap();
    assert!(e.contains("index"), "{e}");
}
