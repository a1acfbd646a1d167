//! A seeded sweep of random fault schedules over the Raft model.
//!
//! Each schedule runs a random cluster (1–7 servers, pre-vote on or off, snapshots on or off)
//! through about 1.5 s of virtual time with random crashes, restarts, pauses, partitions,
//! one-way cuts, lossy and reordering links, dropped messages, client requests, forced
//! timeouts and membership changes, checking every invariant after every event (and the full,
//! non-incremental check after every action, to prove the incremental one misses nothing). Then faults
//! stop: every server restarts, the network heals, and within 3 s there must be exactly one
//! leader and every acknowledged request must be committed on every live member.
//!
//! Run it with `cargo test --profile fast -p distlab-core --test raft_sweep`.
//! `RAFT_SWEEP` sets the number of schedules (default 10,000 optimised, 1,000 in debug);
//! `RAFT_SEED` runs one seed.
//! A failure prints the seed that reproduces it.

#[path = "support/sweep.rs"]
mod sweep;

use distlab_core::models::raft::{invariants, Node, Raft, Role};
use distlab_core::world::World;
use distlab_core::{Action, Rng, TimedAction, MS};
use sweep::{Checked, Weather};

fn random_config(rng: &mut Rng) -> Raft {
    Raft {
        servers: [1, 3, 3, 5, 5, 5, 7][rng.below(7) as usize],
        prevote: rng.chance(0.5),
        snapshot_threshold: [0, 0, 4, 10][rng.below(4) as usize],
        heartbeat_ms: [30, 50][rng.below(2) as usize],
        ..Raft::default()
    }
}

fn random_action(world: &World<Raft>, rng: &mut Rng) -> Action {
    let n = world.node_count();
    let node = rng.below(n);
    let leader = world.nodes().live().find(|(_, s)| s.role == Role::Leader).map(|(id, _)| id);
    match rng.below(20) {
        0..=13 => sweep::network_fault(world, rng, n, &Weather::LAN),
        14 | 15 => Action::Command { node, name: "timeout".into(), arg: String::new() },
        16 if n < 9 && rng.chance(0.3) => Action::AddNode,
        16 => match leader {
            Some(l) => {
                let name = if rng.chance(0.5) { "add_server" } else { "remove_server" };
                Action::Command { node: l, name: name.into(), arg: format!("{}", rng.below(n)) }
            }
            None => Action::Heal,
        },
        _ => {
            let key = ["x", "y", "z"][rng.below(3) as usize];
            Action::Command { node, name: "request".into(), arg: format!("{key}={}", rng.below(100)) }
        }
    }
}

fn full_check(world: &World<Raft>) -> Option<String> {
    invariants::check_all(&world.nodes(), world.ghost()).into_iter().next().map(|(inv, detail)| format!("{inv} violated ({detail})"))
}

/// Runs one schedule; `Err` describes what went wrong.
fn schedule(seed: u64) -> Result<u64, String> {
    let mut rng = Rng::stream(seed, 4242);
    let cfg = random_config(&mut rng);
    let mut world = World::new(cfg.clone(), seed);
    let mut sink = Checked::new("RAFT", &cfg);
    world.tracing = sink.tracing();
    let mut actions: Vec<TimedAction> = Vec::new();
    let mut t = 0;
    let fault_end = 1_500 * MS;
    while t < fault_end {
        t += rng.range(10, 150) * MS;
        let action = random_action(&world, &mut rng);
        actions.push(TimedAction { at: t, action });
        // Cross-check the incremental checks against the full one, every action (a few dozen
        // events): a check that drifted would show here first.
        sweep::run_checked(&mut world, t, &actions, &mut sink, 1_000_000, 1_000_000, full_check)?;
    }
    // Liveness: faults stop, everything comes back.
    t += MS;
    sweep::recover(&mut actions, t, world.node_count());
    let end = t + 3_000 * MS;
    world.run_until(end, &actions, 10_000_000, &mut sink);
    sink.first()?;
    if std::env::var("RAFT_DEBUG").is_ok() {
        for a in &actions {
            eprintln!("{:>8} {}", a.at / MS, a.action.describe());
        }
        for (id, n) in world.nodes().live() {
            eprintln!("S{id} {:?} t{} voted {:?} leader {:?} commit {} last {}@{} snap {} config {:?} ci {} progress {:?}", n.role, n.term, n.voted_for, n.leader, n.commit, n.last_index(), n.last_term(), n.snapshot.last_index, n.config, n.config_index, n.progress);
        }
    }
    if world.query("leaders") != Some(1.0) {
        return Err(format!("{cfg:?}: no single leader after recovery ({:?})", world.query("leaders")));
    }
    let nodes = world.nodes();
    let leader = nodes.live().find(|(_, n)| n.role == Role::Leader).map(|(_, n)| n).expect("one leader");
    let members: Vec<(u32, &Node)> = nodes.live().filter(|(id, _)| leader.config.contains(id)).collect();
    for (index, term) in world.ghost().acked_entries() {
        for (s, n) in &members {
            let has = n.commit >= index && (index <= n.snapshot.last_index || n.term_at(index) == Some(term));
            if !has {
                return Err(format!("{cfg:?}: acked entry {index}@{term} is not committed on S{s} (commit {})", n.commit));
            }
        }
    }
    if world.query("acked_lost") != Some(0.0) {
        return Err(format!("{cfg:?}: acknowledged writes lost"));
    }
    Ok(world.events())
}

#[test]
fn random_fault_schedules_keep_raft_safe_and_live() {
    sweep::sweep("RAFT", 10_000, 1_000, schedule);
}
