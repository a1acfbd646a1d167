//! A seeded sweep of random fault schedules over the proof-of-work model.
//!
//! Each schedule runs a random network (2–6 miners, real or statistical mining, sometimes a
//! double-spend attacker or a selfish miner) through a few minutes of virtual time with random
//! crashes, restarts, pauses, partitions, one-way cuts, slow and lossy links, payments, double
//! spends, hash-power changes, tampering, re-mining and forged blocks, checking every invariant
//! after every event and cross-checking the incremental checker with a full re-check from
//! genesis. Then faults stop: everything restarts, the network heals, and the honest nodes
//! must agree on one tip again.
//!
//! `POW_SWEEP` sets the number of schedules (default 300 optimised, 40 in debug); `POW_SEED`
//! runs one seed. A failure prints the seed that reproduces it.

#[path = "support/sweep.rs"]
mod sweep;

use distlab_core::models::pow::{invariants, Mode, Pow};
use distlab_core::world::World;
use distlab_core::{Action, Rng, TimedAction, MS, SEC};
use sweep::{Checked, Weather};

/// A wide-area network: up to 3 s, 30% loss, reordering by up to 500 ms.
const WEATHER: Weather = Weather { latency_max: 3_000 * MS, loss: 0.3, reorder_delay: 500 * MS };

fn random_config(rng: &mut Rng) -> Pow {
    let miners = rng.range(2, 7) as u32;
    let real = rng.chance(0.25);
    let special = rng.below(4);
    Pow {
        miners,
        mode: if real { Mode::Real } else { Mode::Statistical },
        spacing_s: [2, 5, 10][rng.below(3) as usize],
        retarget: [0, 5, 10, 20][rng.below(4) as usize],
        miner_hs: if real { 500.0 } else { [1_000.0, 1e9, 1e18][rng.below(3) as usize] },
        tx_per_min: [0.0, 6.0, 30.0][rng.below(3) as usize],
        halving: [0, 10, 210][rng.below(3) as usize],
        attacker: if special == 1 { rng.below(miners) as i64 } else { -1 },
        attack_z: rng.range(1, 4) as u32,
        selfish: if special == 2 { rng.below(miners) as i64 } else { -1 },
        ..Pow::default()
    }
}

fn random_action(world: &World<Pow>, rng: &mut Rng) -> Action {
    let n = world.node_count();
    let node = rng.below(n);
    let other = rng.below(n);
    let cmd = |name: &str, arg: String| Action::Command { node, name: name.into(), arg };
    match rng.below(22) {
        0..=14 => sweep::network_fault(world, rng, n, &WEATHER),
        15 => cmd("power", format!("{}", [0, 50, 100, 200, 400][rng.below(5) as usize])),
        16 => cmd("pay", format!("{other}:{}", rng.range(1, 30))),
        17 => cmd("double_spend", format!("{other}")),
        18 => cmd("tamper", format!("{}", rng.range(1, 12))),
        19 => cmd("remine", String::new()),
        20 => cmd("forge", String::new()),
        _ => Action::Slow(node, rng.range(1, 5) as u32),
    }
}

fn full_check(cfg: &Pow, world: &World<Pow>) -> Option<String> {
    invariants::full_check(cfg, &world.nodes()).first().map(|v| format!("{}: {}", v.invariant, v.detail))
}

/// Runs one schedule; `Err` describes what went wrong.
fn schedule(seed: u64) -> Result<u64, String> {
    let mut rng = Rng::stream(seed, 4243);
    let cfg = random_config(&mut rng);
    let spacing = cfg.spacing_s as u64 * SEC;
    let mut world = World::new(cfg.clone(), seed);
    let mut sink = Checked::new("POW", &cfg);
    world.tracing = sink.tracing();
    let mut actions: Vec<TimedAction> = Vec::new();
    let mut t = 0;
    let fault_end = 30 * spacing;
    let mut step = 0;
    while t < fault_end {
        t += rng.range(spacing / 4, 3 * spacing);
        let action = random_action(&world, &mut rng);
        actions.push(TimedAction { at: t, action });
        step += 1;
        // The full re-check every fifth action.
        let check = |w: &World<Pow>| if step % 5 == 0 { full_check(&cfg, w) } else { None };
        sweep::run_checked(&mut world, t, &actions, &mut sink, 2_000_000, 20_000_000, check)?;
    }
    // Liveness: faults stop, everything comes back, honest power is restored.
    t += MS;
    sweep::recover(&mut actions, t, world.node_count());
    for id in 0..world.node_count() {
        for (a, b) in [(id, (id + 1) % world.node_count()), ((id + 1) % world.node_count(), id)] {
            actions.push(TimedAction { at: t, action: Action::Uncut(a, b) });
        }
        actions.push(TimedAction { at: t, action: Action::Command { node: id, name: "power".into(), arg: "100".into() } });
    }
    world.run_until(t, &actions, 2_000_000, &mut sink);
    let height_at_heal = world.query("height").unwrap_or(0.0);
    let mut agreed = false;
    for _ in 0..60 {
        t += spacing;
        world.run_until(t, &actions, 5_000_000, &mut sink);
        sink.first()?;
        if world.query("tips_agree") == Some(1.0) && world.query("height").unwrap_or(0.0) > height_at_heal {
            agreed = true;
            break;
        }
    }
    if !agreed {
        return Err(format!("{cfg:?}: honest nodes did not converge after healing (height {:?})", world.query("height")));
    }
    if let Some(bad) = full_check(&cfg, &world) {
        return Err(format!("{cfg:?}: full re-check at the end: {bad}"));
    }
    Ok(world.events())
}

#[test]
fn random_fault_schedules_keep_pow_safe_and_live() {
    sweep::sweep("POW", 300, 40, schedule);
}
