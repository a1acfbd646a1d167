//! Every registered model under random fault schedules: no panics, no invariant violations,
//! and every run built live (as a user clicking would) replays exactly from its script, which
//! is what share links and exported scenarios rely on.
//!
//! `DISTLAB_SCHEDULES` sets the number of schedules (default 1,000 across all models).

use distlab_core::models::{catalog, new_lab};
use distlab_core::scenario::Scenario;
use distlab_core::{Action, Lab, LinkConfig, Rng, MS};

fn random_action(lab: &dyn Lab, rng: &mut Rng) -> Action {
    let n = lab.view().nodes.len() as u32;
    let node = rng.below(n.max(1));
    let other = rng.below(n.max(1));
    match rng.below(16) {
        0 | 1 => Action::Crash(node),
        2 | 3 => Action::Restart(node),
        4 => {
            let mut groups = vec![vec![], vec![]];
            for id in 0..n {
                groups[rng.below(2) as usize].push(id);
            }
            Action::Partition(groups)
        }
        5 | 6 => Action::Heal,
        7 => Action::Isolate(node),
        8 => Action::Cut(node, other),
        9 => Action::Net(LinkConfig {
            latency_min: rng.range(0, 5) * MS,
            latency_max: rng.range(5, 40) * MS,
            loss: rng.unit() * 0.3,
            duplicate: rng.unit() * 0.1,
            reorder: rng.unit() * 0.2,
            reorder_delay: rng.range(0, 100) * MS,
        }),
        10 => Action::Pause(node),
        11 => Action::Resume(node),
        12 => Action::Slow(node, rng.range(1, 8) as u32),
        13 | 14 => {
            let commands = lab.node_commands(node);
            match commands.get(rng.below(commands.len().max(1) as u32) as usize) {
                Some((name, arg, _)) => Action::Command { node, name: (*name).into(), arg: arg.clone() },
                None => Action::Heal,
            }
        }
        _ => match lab.view().messages.first() {
            Some(m) => Action::Drop(m.id),
            None => Action::Heal,
        },
    }
}

#[test]
fn random_fault_schedules_on_every_model() {
    let models = catalog();
    assert!(!models.is_empty(), "no model registered");
    let schedules: u64 = std::env::var("DISTLAB_SCHEDULES").ok().and_then(|s| s.parse().ok()).unwrap_or(1_000);
    let mut failures = Vec::new();
    for seed in 0..schedules {
        let info = models[(seed % models.len() as u64) as usize];
        let mut rng = Rng::stream(seed, 999);
        let mut lab = new_lab(info.name, &[], seed, vec![]).unwrap();
        let steps = rng.range(3, 12);
        let mut t = 0;
        for _ in 0..steps {
            t += rng.range(50, 600) * MS;
            lab.run_until(t, u64::MAX);
            let action = random_action(lab.as_ref(), &mut rng);
            // Refusals are fine (e.g. restarting a running node is a no-op); panics are not.
            let _ = lab.act(action);
        }
        let end = t + 1_000 * MS;
        lab.run_until(end, u64::MAX);
        if let Some(v) = lab.violations().first() {
            failures.push(format!("{} seed {seed}: {} violated: {}", info.name, v.invariant, v.detail));
            continue;
        }
        // The live run's script replays to the same trace.
        let scenario = Scenario::of_lab(lab.as_ref());
        let mut replay = scenario.build().unwrap_or_else(|e| panic!("{} seed {seed}: script does not rebuild: {e}", info.name));
        replay.run_until(end, u64::MAX);
        if replay.trace_hash() != lab.trace_hash() {
            failures.push(format!("{} seed {seed}: replay diverged", info.name));
        }
    }
    assert!(failures.is_empty(), "{} of {schedules} schedules failed; reproduce with the seed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_model_is_deterministic_across_runs() {
    for info in catalog() {
        let run = || {
            let mut lab = new_lab(info.name, &[], 2024, vec![]).unwrap();
            lab.run_until(3_000 * MS, u64::MAX);
            (lab.events(), lab.trace_hash())
        };
        let (events, hash) = run();
        assert!(events > 100, "{} is idle", info.name);
        assert_eq!(run(), (events, hash), "{}", info.name);
    }
}
