//! The handoff when a shard whose disk failed rejoins: its empty disk must be refilled with
//! every key it owns in the new table, including keys it owned before it failed, and it must
//! serve none of them before that. Found by a sweep of R = 3 schedules (members and spares
//! failing and joining, the router crashing): a failed shard that rejoined before the rebuild
//! committed was taken back as if its disk still held its old keys, and served a preloaded key
//! at version 0.
//!
//! `cargo test --profile fast -p distlab-core --test sharding_handoff`

use distlab_core::models::sharding::invariants::full_check;
use distlab_core::models::sharding::{Index, Sharding, Strategy, STRATEGY_NAMES};
use distlab_core::world::{Violations, World};
use distlab_core::{Action, LinkConfig, NodeId, Rng, TimedAction, MS, SEC};

fn cmd(node: NodeId, name: &str) -> Action {
    Action::Command { node, name: name.into(), arg: String::new() }
}

fn at(ms: u64, action: Action) -> TimedAction {
    TimedAction { at: ms * MS, action }
}

/// Runs `model` with `actions` for `secs`, checking every invariant after every event and the
/// full durability check every 100 ms; returns the first problem found.
fn run(model: &Sharding, seed: u64, actions: &[TimedAction], secs: u64) -> Option<String> {
    let mut world = World::new(model.clone(), seed);
    world.tracing = false;
    let mut sink = Violations::default();
    while world.now() < secs * SEC {
        let t = world.now() + 100 * MS;
        world.run_until(t, actions, u64::MAX, &mut sink);
        if let Some(v) = sink.0.first() {
            return Some(format!("at {} ms: {}: {}", v.time / MS, v.invariant, v.detail));
        }
        if let Some(bad) = full_check(model, &world.nodes(), world.ghost()).first() {
            return Some(format!("at {} ms (full check): {bad}", world.now() / MS));
        }
    }
    None
}

#[test]
fn a_failed_member_that_rejoins_at_once_is_refilled_before_it_serves() {
    // R = 3 over four shards (nodes 3..=6): S0 loses its disk and rejoins 9 ms later, before
    // the router has committed the table that rebuilds its keys elsewhere.
    let model = Sharding { replicas: 3, ..Sharding::default() };
    for seed in 0..8 {
        for gap in [1, 9, 40, 200] {
            let actions = [at(1_000, cmd(3, "fail")), at(1_000 + gap, cmd(3, "join"))];
            if let Some(e) = run(&model, seed, &actions, 4) {
                panic!("seed {seed}, rejoin after {gap} ms: {e}");
            }
        }
    }
}

#[test]
fn a_spare_fails_a_member_rejoins_and_the_router_crashes() {
    let model = Sharding { replicas: 3, ..Sharding::default() };
    for seed in 0..6 {
        let actions = [at(500, cmd(7, "fail")), at(600, cmd(3, "fail")), at(610, cmd(3, "join")), at(650, Action::Crash(0)), at(1_200, Action::Restart(0)), at(1_500, cmd(7, "join"))];
        if let Some(e) = run(&model, seed, &actions, 5) {
            panic!("seed {seed}: {e}");
        }
    }
}

/// Random R = 3 schedules: members and spares fail (at most two disks, so a copy always
/// survives) and join, members are told to join again, shards and the router crash and
/// restart, links lose, duplicate and reorder, nodes are isolated. Zero violations.
#[test]
fn failures_joins_and_router_crashes_lose_no_acknowledged_write() {
    let seeds = if cfg!(debug_assertions) { 12 } else { 120 };
    for seed in 0..seeds {
        let mut r = Rng::stream(seed, 77);
        let model = Sharding {
            index: [Index::Off, Index::Local, Index::Global][r.below(3) as usize],
            replicas: 3,
            keys: 300 + r.below(1000),
            rate: 300.0 + r.range(0, 1000) as f64,
            strategy: Strategy::from_name(STRATEGY_NAMES[r.below(6) as usize]).unwrap(),
            read_replicas: r.chance(0.5),
            migrate_rate: 500.0 + r.range(0, 3000) as f64,
            shards: 3 + r.below(3),
            ..Sharding::default()
        };
        let first = model.first_shard();
        let (members, spares) = (model.shards, model.spares);
        let mut failed: Vec<NodeId> = Vec::new();
        let mut actions = Vec::new();
        for _ in 0..(3 + r.below(6)) {
            let shard = first + r.below(members + spares);
            let action = match r.below(12) {
                0 | 10 | 11 if failed.len() < 2 || failed.contains(&shard) => {
                    failed.push(shard);
                    cmd(shard, "fail")
                }
                0 | 10 | 11 => Action::Heal,
                1 => cmd(first + members + r.below(spares), "join"),
                2 => cmd(first + r.below(members), "join"),
                3 => Action::Crash(0),
                4 => Action::Restart(0),
                5 => Action::Crash(shard),
                6 => Action::Restart(shard),
                7 => Action::Net(LinkConfig { loss: r.unit() * 0.05, duplicate: r.unit() * 0.1, reorder: r.unit() * 0.3, ..LinkConfig::default() }),
                8 => Action::Isolate(r.below(first + members + spares)),
                _ => Action::Heal,
            };
            actions.push(TimedAction { at: r.range(100, 3000) * MS, action });
        }
        actions.push(at(3_100, Action::Restart(0)));
        actions.sort_by_key(|a| a.at);
        if let Some(e) = run(&model, seed, &actions, 6) {
            panic!("seed {seed}: {e}\nschedule: {actions:?}\nmodel: {model:?}");
        }
    }
}
