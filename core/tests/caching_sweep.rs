//! The caching service under seeded fault schedules: crashes and restarts of caches, clients
//! and the database, pauses, partitions, lossy, duplicating and reordering links, and the
//! policy, write mode, cure and TTL switched while running. Zero violations and zero panics;
//! the incremental checks are cross-checked by a full re-check every 500 events; then a
//! liveness phase: everything healed and restarted, requests must succeed again. A failure
//! prints the seed that reproduces it.
//!
//! `cargo test --profile fast -p distlab-core --test caching_sweep`

use distlab_core::models::caching::invariants::check_all;
use distlab_core::models::caching::policy::KIND_NAMES;
use distlab_core::models::caching::{CachingModel, Kind, MODE_NAMES};
use distlab_core::world::{Violations, World};
use distlab_core::{Action, LinkConfig, Model, NodeId, Rng, TimedAction, Value, MS, SEC};

fn schedule(seed: u64) -> (CachingModel, Vec<TimedAction>) {
    let mut r = Rng::stream(seed, 0xCAC4E);
    let mut model = CachingModel {
        clients: 1 + r.below(3),
        capacity: 1 + r.below(60),
        policy: Kind::from_name(KIND_NAMES[r.below(KIND_NAMES.len() as u32) as usize]).unwrap(),
        keys: 5 + r.below(400),
        rate: 200.0 + r.range(0, 800) as f64,
        write_share: r.unit() * 0.4,
        ttl_ms: if r.chance(0.5) { 0.0 } else { 50.0 + r.range(0, 1_000) as f64 },
        db_ms: 1.0 + r.range(0, 5) as f64,
        flush_ms: 50.0 + r.range(0, 500) as f64,
        timeout_ms: 50.0 + r.range(0, 400) as f64,
        down_ms: r.range(0, 1_000) as f64,
        curve_requests: 1_000,
        ..CachingModel::default()
    };
    model.set_param("caches", &Value::Num((1 + r.below(4)) as f64)).unwrap();
    model.set_param("mode", &Value::Text(MODE_NAMES[r.below(5) as usize].into())).unwrap();
    model.set_param("cure", &Value::Text(["none", "single_flight", "xfetch", "leases"][r.below(4) as usize].into())).unwrap();
    let nodes = model.initial_nodes();
    let db = model.db_id();
    let cache = |r: &mut Rng| model.cache_id(r.below(model.caches));
    let mut actions = Vec::new();
    for _ in 0..3 + r.below(12) {
        let at = r.range(0, 2_500) * MS;
        let any = r.below(nodes) as NodeId;
        let action = match r.below(16) {
            0..=2 => Action::Crash(cache(&mut r)),
            3 | 4 => Action::Restart(cache(&mut r)),
            5 => Action::Crash(if r.chance(0.5) { db } else { r.below(model.clients) }),
            6 => Action::Restart(if r.chance(0.5) { db } else { r.below(model.clients) }),
            7 => {
                if r.chance(0.5) {
                    Action::Pause(any)
                } else {
                    Action::Resume(any)
                }
            }
            8 => {
                if r.chance(0.5) {
                    Action::Isolate(any)
                } else {
                    Action::Heal
                }
            }
            9 => Action::Net(LinkConfig { loss: r.unit() * 0.1, duplicate: r.unit() * 0.1, reorder: r.unit() * 0.3, ..LinkConfig::default() }),
            10 => Action::Set("policy".into(), Value::Text(KIND_NAMES[r.below(8) as usize].into())),
            11 => Action::Set("mode".into(), Value::Text(MODE_NAMES[r.below(5) as usize].into())),
            12 => Action::Set("cure".into(), Value::Text(["none", "single_flight", "xfetch", "leases"][r.below(4) as usize].into())),
            13 => Action::Set("capacity".into(), Value::Num((1 + r.below(60)) as f64)),
            14 => Action::Slow(any, [1, 3, 10][r.below(3) as usize]),
            _ => Action::Command { node: r.below(model.clients), name: "write".into(), arg: format!("{}", r.below(10)) },
        };
        actions.push(TimedAction { at, action });
    }
    actions.sort_by_key(|a| a.at);
    // Liveness: heal, resume, restart everything at 3 s.
    let end = 3 * SEC;
    actions.push(TimedAction { at: end, action: Action::Heal });
    actions.push(TimedAction { at: end, action: Action::Net(LinkConfig::default()) });
    for id in 0..nodes {
        actions.push(TimedAction { at: end, action: Action::Resume(id) });
        actions.push(TimedAction { at: end, action: Action::Slow(id, 1) });
    }
    (model, actions)
}

#[test]
fn no_violation_under_seeded_fault_schedules_then_service_resumes() {
    let seeds = if cfg!(debug_assertions) { 30 } else { 250 };
    let mut events = 0u64;
    for seed in 0..seeds {
        let (model, actions) = schedule(seed);
        let nodes = model.initial_nodes();
        let mut world = World::new(model.clone(), seed);
        world.tracing = false;
        let mut sink = Violations::default();
        // The fault phase, with a full re-check every 500 events.
        while world.now() < 3 * SEC {
            let before = world.events();
            world.run_until(3 * SEC, &actions, 500, &mut sink);
            let full = check_all(&model, &world.nodes(), world.ghost());
            assert!(full.is_empty(), "seed {seed}: the full re-check found {:?}\nschedule: {actions:?}", full.first());
            if world.events() == before {
                break;
            }
        }
        assert!(sink.0.is_empty(), "seed {seed}: {:?}\nschedule: {actions:?}", sink.0.first());
        // Restart whatever is down, then the liveness phase.
        let mut restart = Vec::new();
        for id in 0..nodes {
            if world.nodes().up(id).is_none() {
                restart.push(TimedAction { at: 3 * SEC + MS, action: Action::Restart(id) });
            }
        }
        let mut all = actions.clone();
        all.extend(restart);
        world.run_until(3 * SEC + 2 * MS, &all, u64::MAX, &mut sink);
        let before = world.query("requests").unwrap() - world.query("failed").unwrap();
        world.run_until(6 * SEC, &all, u64::MAX, &mut sink);
        let after = world.query("requests").unwrap() - world.query("failed").unwrap();
        assert!(sink.0.is_empty(), "seed {seed}: {:?}", sink.0.first());
        if after - before <= 20.0 {
            eprintln!("model {:?} {:?} {:?} clients {} caches {} rate {} requests {} failed {} shed? view {:?}", model.mode, model.cure, model.policy, model.clients, model.caches, model.rate, world.query("requests").unwrap(), world.query("failed").unwrap(), world.view().nodes.iter().map(|n| (n.label.clone(), n.status, n.details.clone())).collect::<Vec<_>>());
        }
        assert!(after - before > 20.0, "seed {seed}: only {} requests succeeded after healing\nschedule: {all:?}", after - before);
        events += world.events();
    }
    eprintln!("{seeds} schedules, {events} events, no violations");
}
