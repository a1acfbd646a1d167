//! Handler-level tests: build a cache, client or database, deliver one message or timer
//! through `Ctx::new`, then check the state and the effects. Each names the rule it checks.

use distlab_core::model::Effect;
use distlab_core::models::caching::{CachingModel, Cure, Kind, Mode, Msg, Node, Timer};
use distlab_core::{Ctx, Model, NodeId, Rng, Time, MS};

// Default layout: clients 0..3, caches 3..6, the database 6.
const CLIENT: NodeId = 0;
const CACHE: NodeId = 3;
const DB: NodeId = 6;

fn fresh(cfg: &CachingModel, id: NodeId) -> Node {
    let mut rng = Rng::stream(7, id as u64);
    let mut out = Vec::new();
    cfg.init(id, &mut Ctx::new(0, id, &mut rng, &mut out))
}

fn deliver_at(cfg: &CachingModel, n: &mut Node, id: NodeId, from: NodeId, msg: Msg, now: Time) -> Vec<Effect<CachingModel>> {
    let mut rng = Rng::stream(9, id as u64);
    let mut out = Vec::new();
    cfg.on_message(n, from, msg, &mut Ctx::new(now, id, &mut rng, &mut out));
    out
}

fn deliver(cfg: &CachingModel, n: &mut Node, id: NodeId, from: NodeId, msg: Msg) -> Vec<Effect<CachingModel>> {
    deliver_at(cfg, n, id, from, msg, 1_000 * MS)
}

fn timer(cfg: &CachingModel, n: &mut Node, id: NodeId, t: Timer, now: Time) -> Vec<Effect<CachingModel>> {
    let mut rng = Rng::stream(9, id as u64);
    let mut out = Vec::new();
    cfg.on_timer(n, t, &mut Ctx::new(now, id, &mut rng, &mut out));
    out
}

fn sent(effects: &[Effect<CachingModel>]) -> Vec<(NodeId, Msg)> {
    effects.iter().filter_map(|e| if let Effect::Send(to, m) = e { Some((*to, m.clone())) } else { None }).collect()
}

fn cache(n: &Node) -> &distlab_core::models::caching::Cache {
    match n {
        Node::Cache(c) => c,
        _ => panic!("not a cache"),
    }
}

fn cfg(mode: Mode, cure: Cure) -> CachingModel {
    CachingModel { mode, cure, ..CachingModel::default() }
}

#[test]
fn read_through_miss_fetches_and_stores_then_hits() {
    let m = cfg(Mode::ReadThrough, Cure::None);
    let mut c = fresh(&m, CACHE);
    let out = sent(&deliver(&m, &mut c, CACHE, CLIENT, Msg::Get { key: 7, req: 1 }));
    assert_eq!(out, vec![(DB, Msg::DbRead { key: 7, tag: 1 })]);
    let out = sent(&deliver(&m, &mut c, CACHE, DB, Msg::DbValue { key: 7, tag: 1, stamp: 160 }));
    assert_eq!(out, vec![(CLIENT, Msg::Value { key: 7, req: 1, stamp: 160, hit: false })]);
    let out = sent(&deliver(&m, &mut c, CACHE, CLIENT, Msg::Get { key: 7, req: 2 }));
    assert_eq!(out, vec![(CLIENT, Msg::Value { key: 7, req: 2, stamp: 160, hit: true })]);
    assert_eq!(cache(&c).hits, 1);
}

#[test]
fn single_flight_coalesces_concurrent_misses_into_one_fetch() {
    let m = cfg(Mode::ReadThrough, Cure::SingleFlight);
    let mut c = fresh(&m, CACHE);
    let mut fetches = 0;
    for req in 0..5 {
        fetches += sent(&deliver(&m, &mut c, CACHE, (req % 3) as NodeId, Msg::Get { key: 1, req })).iter().filter(|(to, _)| *to == DB).count();
    }
    assert_eq!(fetches, 1);
    let out = sent(&deliver(&m, &mut c, CACHE, DB, Msg::DbValue { key: 1, tag: 1, stamp: 16 }));
    assert_eq!(out.len(), 5, "every waiter is answered");
    // Without the cure every miss fetches.
    let m = cfg(Mode::ReadThrough, Cure::None);
    let mut c = fresh(&m, CACHE);
    let fetches: usize = (0..5).map(|req| sent(&deliver(&m, &mut c, CACHE, 0, Msg::Get { key: 1, req })).len()).sum();
    assert_eq!(fetches, 5);
}

#[test]
fn a_fetch_overtaken_by_a_write_is_not_stored() {
    // Write-through's promise: the fetched value may predate the write; storing it would
    // serve an old value after the write is acknowledged.
    let m = cfg(Mode::WriteThrough, Cure::None);
    let mut c = fresh(&m, CACHE);
    deliver(&m, &mut c, CACHE, CLIENT, Msg::Get { key: 4, req: 1 });
    let put = sent(&deliver(&m, &mut c, CACHE, 1, Msg::Put { key: 4, req: 9, stamp: 320 }));
    assert!(matches!(put[0], (DB, Msg::DbWrite { key: 4, stamp: 320, .. })));
    let Msg::DbWrite { tag, .. } = put[0].1 else { unreachable!() };
    let ack = sent(&deliver(&m, &mut c, CACHE, DB, Msg::DbAck { key: 4, tag, stamp: 320 }));
    assert_eq!(ack, vec![(1, Msg::PutAck { key: 4, req: 9, stamp: 320 })]);
    // The old fetch comes back late.
    deliver(&m, &mut c, CACHE, DB, Msg::DbValue { key: 4, tag: 1, stamp: 16 });
    assert_eq!(cache(&c).entries[&4].stamp, 320);
    // Even after the new value was evicted, the stale fetch would not be stored.
    let m2 = CachingModel { bug_blind_fill: true, ..m.clone() };
    let mut c = fresh(&m2, CACHE);
    deliver(&m2, &mut c, CACHE, CLIENT, Msg::Get { key: 4, req: 1 });
    let put = sent(&deliver(&m2, &mut c, CACHE, 1, Msg::Put { key: 4, req: 9, stamp: 320 }));
    let Msg::DbWrite { tag, .. } = put[0].1 else { unreachable!() };
    deliver(&m2, &mut c, CACHE, DB, Msg::DbAck { key: 4, tag, stamp: 320 });
    deliver(&m2, &mut c, CACHE, DB, Msg::DbValue { key: 4, tag: 1, stamp: 16 });
    assert_eq!(cache(&c).entries[&4].stamp, 16, "the mutation stores the old value");
}

#[test]
fn leases_refuse_a_set_after_a_delete() {
    // memcache at Facebook, §3.2.1: a delete invalidates the lease token; the late set fails.
    let m = cfg(Mode::CacheAside, Cure::Leases);
    let mut c = fresh(&m, CACHE);
    let out = sent(&deliver(&m, &mut c, CACHE, CLIENT, Msg::Get { key: 2, req: 1 }));
    let (_, Msg::Miss { lease: Some(token), wait: false, .. }) = out[0] else { panic!("{out:?}") };
    // A second reader is told to wait rather than go to the database.
    let out = sent(&deliver(&m, &mut c, CACHE, 1, Msg::Get { key: 2, req: 5 }));
    assert!(matches!(out[0].1, Msg::Miss { wait: true, lease: None, .. }));
    deliver(&m, &mut c, CACHE, 2, Msg::Delete { key: 2, req: 8 });
    deliver(&m, &mut c, CACHE, CLIENT, Msg::Set { key: 2, stamp: 16, lease: Some(token) });
    assert!(!cache(&c).entries.contains_key(&2));
    assert_eq!(cache(&c).rejected_sets, 1);
    // Without leases the late set lands: the stale-set race.
    let m = cfg(Mode::CacheAside, Cure::None);
    let mut c = fresh(&m, CACHE);
    deliver(&m, &mut c, CACHE, CLIENT, Msg::Get { key: 2, req: 1 });
    deliver(&m, &mut c, CACHE, 2, Msg::Delete { key: 2, req: 8 });
    deliver(&m, &mut c, CACHE, CLIENT, Msg::Set { key: 2, stamp: 16, lease: None });
    assert_eq!(cache(&c).entries[&2].stamp, 16);
}

#[test]
fn write_behind_acknowledges_at_once_and_flushes_later() {
    let m = cfg(Mode::WriteBehind, Cure::None);
    let mut c = fresh(&m, CACHE);
    let out = sent(&deliver(&m, &mut c, CACHE, CLIENT, Msg::Put { key: 3, req: 1, stamp: 48 }));
    assert_eq!(out, vec![(CLIENT, Msg::PutAck { key: 3, req: 1, stamp: 48 })]);
    assert_eq!(cache(&c).dirty.len(), 1);
    let out = sent(&timer(&m, &mut c, CACHE, Timer::Flush, 2_000 * MS));
    assert!(matches!(&out[0], (DB, Msg::Flush(b)) if b.as_slice() == [(3, 48)]));
    assert!(cache(&c).dirty.is_empty());
}

#[test]
fn ttl_expiry_turns_a_hit_into_a_miss() {
    let m = CachingModel { ttl_ms: 100.0, ..cfg(Mode::ReadThrough, Cure::None) };
    let mut c = fresh(&m, CACHE);
    deliver_at(&m, &mut c, CACHE, CLIENT, Msg::Get { key: 1, req: 1 }, 0);
    deliver_at(&m, &mut c, CACHE, DB, Msg::DbValue { key: 1, tag: 1, stamp: 16 }, 10 * MS);
    let hit = sent(&deliver_at(&m, &mut c, CACHE, CLIENT, Msg::Get { key: 1, req: 2 }, 100 * MS));
    assert!(matches!(hit[0].1, Msg::Value { hit: true, .. }));
    let miss = sent(&deliver_at(&m, &mut c, CACHE, CLIENT, Msg::Get { key: 1, req: 3 }, 111 * MS));
    assert!(matches!(miss[0], (DB, Msg::DbRead { .. })));
}

#[test]
fn the_policy_decides_the_victim_and_a_policy_switch_keeps_the_keys() {
    let m = CachingModel { capacity: 2, policy: Kind::Lru, ..cfg(Mode::ReadThrough, Cure::None) };
    let mut c = fresh(&m, CACHE);
    for (tag, key) in [(1u64, 1u32), (2, 2)] {
        deliver(&m, &mut c, CACHE, CLIENT, Msg::Get { key, req: tag });
        deliver(&m, &mut c, CACHE, DB, Msg::DbValue { key, tag, stamp: 16 });
    }
    deliver(&m, &mut c, CACHE, CLIENT, Msg::Get { key: 1, req: 3 }); // 1 is now most recent
    deliver(&m, &mut c, CACHE, CLIENT, Msg::Get { key: 3, req: 4 });
    deliver(&m, &mut c, CACHE, DB, Msg::DbValue { key: 3, tag: 3, stamp: 16 });
    let keys: Vec<u32> = cache(&c).entries.keys().copied().collect();
    assert_eq!(keys, vec![1, 3], "LRU evicted 2");
    let m = CachingModel { policy: Kind::Arc, ..m };
    deliver(&m, &mut c, CACHE, CLIENT, Msg::Get { key: 1, req: 5 });
    assert_eq!(cache(&c).policy.kind(), Kind::Arc);
    assert_eq!(cache(&c).entries.len(), 2);
}

#[test]
fn the_database_keeps_the_newest_stamp_and_counts_the_herd() {
    let m = CachingModel::default();
    let mut d = fresh(&m, DB);
    for tag in 0..3 {
        deliver(&m, &mut d, DB, CACHE, Msg::DbRead { key: 9, tag });
    }
    let Node::Db(db) = &d else { panic!() };
    assert_eq!(db.last_key_load, 3);
    deliver(&m, &mut d, DB, CACHE, Msg::DbWrite { key: 9, tag: 5, stamp: 100 });
    deliver(&m, &mut d, DB, CACHE, Msg::DbWrite { key: 9, tag: 6, stamp: 50 });
    let Node::Db(db) = &mut d else { panic!() };
    let ops: Vec<u64> = db.ops.keys().copied().collect();
    for op in ops {
        timer(&m, &mut d, DB, Timer::Done(op), 10 * distlab_core::SEC);
    }
    let Node::Db(db) = &d else { panic!() };
    assert_eq!(db.get(9), 100, "an older stamp never overwrites a newer one");
}

#[test]
fn a_write_through_client_fails_rather_than_use_a_substitute_node() {
    let m = cfg(Mode::WriteThrough, Cure::None);
    let mut n = fresh(&m, CLIENT);
    let Node::Client(c) = &mut n else { panic!() };
    for d in c.down_until.iter_mut() {
        *d = Time::MAX;
    }
    assert_eq!(c.route(&m, 1, 0), None);
    let m2 = cfg(Mode::CacheAside, Cure::None);
    c.down_until[0] = Time::MAX;
    c.down_until[1] = 0;
    c.down_until[2] = 0;
    assert!(c.route(&m2, 1, 0).is_some(), "other modes use the next node clockwise");
}
