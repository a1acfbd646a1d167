//! A seeded sweep of random fault schedules over the PBFT model.
//!
//! Each schedule runs a random cluster (f = 1..3 with n = 3f + 1 or 3f + 2, 1–3 clients,
//! checkpoint interval 2–6, steady client load) through about 1.5 s of virtual time in which
//! up to f replicas turn Byzantine in random modes (silent, equivocate, lie, conflict, replay,
//! slow) while any replica may crash, restart, pause or be cut off, links lose, duplicate,
//! reorder and delay messages, and backups force view changes. Every invariant is checked after
//! every event, and the full re-check cross-checks the incremental one every 256 events. Then
//! the faults stop (the Byzantine replicas stay Byzantine): the network heals, every replica
//! restarts, client load stops, each client sends one request, and within 10 s every client
//! must have completed a request.
//!
//! Run it with `cargo test --profile fast -p distlab-core --test pbft_sweep`.
//! `PBFT_SWEEP` sets the number of schedules (default 10,000 optimised, 300 in debug);
//! `PBFT_SEED` runs one seed, `PBFT_DEBUG` prints its script and final state.
//! A failure prints the seed that reproduces it.

#[path = "support/sweep.rs"]
mod sweep;

use distlab_core::models::pbft::{check_all, Mode, Node, Pbft};
use distlab_core::world::World;
use distlab_core::{Action, Rng, Time, TimedAction, Value, MS};
use sweep::{Checked, Weather};

/// Replicas' links: up to 40 ms, 20% loss.
const WEATHER: Weather = Weather { latency_max: 40 * MS, loss: 0.2, reorder_delay: 100 * MS };

fn random_config(rng: &mut Rng) -> Pbft {
    let f = [1, 1, 1, 2, 2, 3][rng.below(6) as usize];
    let replicas = if rng.chance(0.2) { 3 * f + 2 } else { 0 };
    Pbft {
        f,
        replicas,
        clients: 1 + rng.below(3),
        checkpoint: 2 + rng.below(5) as u64,
        think_ms: [50, 100, 200][rng.below(3) as usize],
        vc_ms: [150, 300][rng.below(2) as usize],
        retry_ms: [60, 120][rng.below(2) as usize],
    }
}

fn random_action(world: &World<Pbft>, cfg: &Pbft, traitors: &[u32], rng: &mut Rng) -> Action {
    let n = cfg.n();
    let replica = rng.below(n);
    match rng.below(22) {
        0..=13 => sweep::network_fault(world, rng, n, &WEATHER),
        14 | 15 => Action::Command { node: replica, name: "view_change".into(), arg: String::new() },
        16..=18 if !traitors.is_empty() => {
            let t = traitors[rng.below(traitors.len() as u32) as usize];
            let (_, name) = Mode::BYZANTINE[rng.below(Mode::BYZANTINE.len() as u32) as usize];
            Action::Command { node: t, name: "byzantine".into(), arg: name.into() }
        }
        19 if !traitors.is_empty() => Action::Byzantine(traitors[0], rng.chance(0.5)),
        _ => Action::Command { node: n + rng.below(cfg.clients), name: "request".into(), arg: format!("x={}", rng.below(100)) },
    }
}

/// Runs to `t`, cross-checking the incremental checker with the full one every 256 events.
fn run_checked(world: &mut World<Pbft>, cfg: &Pbft, t: Time, actions: &[TimedAction], sink: &mut Checked) -> Result<(), String> {
    sweep::run_checked(world, t, actions, sink, 256, 3_000_000, |w| check_all(cfg, &w.nodes(), w.ghost()).first().map(|b| b.to_string()))
}

fn schedule(seed: u64) -> Result<u64, String> {
    let mut rng = Rng::stream(seed, 1010);
    let cfg = random_config(&mut rng);
    let n = cfg.n();
    // Up to f traitors, chosen now; they turn Byzantine at random times.
    let k = rng.below(cfg.f + 1);
    let mut traitors = Vec::new();
    while (traitors.len() as u32) < k {
        let t = rng.below(n);
        if !traitors.contains(&t) {
            traitors.push(t);
        }
    }
    let mut world = World::new(cfg.clone(), seed);
    let mut sink = Checked::new("PBFT", &cfg);
    world.tracing = sink.tracing();
    let mut actions: Vec<TimedAction> = Vec::new();
    let mut t = 0;
    for &tr in &traitors {
        let (_, name) = Mode::BYZANTINE[rng.below(Mode::BYZANTINE.len() as u32) as usize];
        actions.push(TimedAction { at: rng.range(0, 300) * MS, action: Action::Command { node: tr, name: "byzantine".into(), arg: name.into() } });
    }
    actions.sort_by_key(|a| a.at);
    let fault_end = 1_500 * MS;
    while t < fault_end {
        t += rng.range(20, 200) * MS;
        let action = random_action(&world, &cfg, &traitors, &mut rng);
        actions.push(TimedAction { at: t, action });
        actions.sort_by_key(|a| a.at);
        run_checked(&mut world, &cfg, t, &actions, &mut sink)?;
    }
    // Liveness: faults stop; traitors stay Byzantine (at most f of them).
    t += MS;
    sweep::recover(&mut actions, t, world.node_count());
    actions.push(TimedAction { at: t, action: Action::Set("think_ms".into(), Value::Num(0.0)) });
    run_checked(&mut world, &cfg, t + MS, &actions, &mut sink)?;
    let done_before: Vec<u64> = (n..world.node_count())
        .map(|id| match world.nodes().up(id) {
            Some(Node::Client(c)) => c.done,
            _ => 0,
        })
        .collect();
    // Clients that are idle get a request to make sure each has one outstanding.
    for c in 0..cfg.clients {
        actions.push(TimedAction { at: t + 2 * MS, action: Action::Command { node: n + c, name: "request".into(), arg: "y=7".into() } });
    }
    let end = t + 10_000 * MS;
    run_checked(&mut world, &cfg, end, &actions, &mut sink)?;
    if std::env::var("PBFT_DEBUG").is_ok() {
        for a in &actions {
            eprintln!("{:>8} {}", a.at / MS, a.action.describe());
        }
        for (id, node) in world.nodes().live() {
            match node {
                Node::Replica(r) => eprintln!("R{id} {:?} view {} changing {} low {} exec {} next {} pending {:?} log {} vcs {:?} fetching {:?} timer {:?} top {:?}", r.effective(), r.view, r.changing, r.low, r.executed, r.next_seq, r.pending.values().map(|p| (p.client, p.ts)).collect::<Vec<_>>(), r.log.size(), r.vcs.iter().map(|(k, v)| (*k, v.view)).collect::<Vec<_>>(), r.fetching, r.timer, r.log.last()),
                Node::Client(c) => eprintln!("C{id} done {} outstanding {:?} view {} retries {}", c.done, c.outstanding, c.view, c.retries),
            }
        }
    }
    for (i, id) in (n..world.node_count()).enumerate() {
        let done = match world.nodes().up(id) {
            Some(Node::Client(c)) => c.done,
            _ => 0,
        };
        if done <= done_before[i] {
            return Err(format!("{cfg:?} traitors {traitors:?}: client {id} completed only {} requests in 10 s after the faults stopped", done - done_before[i]));
        }
    }
    Ok(world.events())
}

#[test]
fn random_fault_schedules_keep_pbft_safe_and_live() {
    sweep::sweep("PBFT", 10_000, 300, schedule);
}
