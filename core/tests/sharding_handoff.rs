//! exploratory
use distlab_core::models::sharding::invariants::full_check;
use distlab_core::models::sharding::Sharding;
use distlab_core::world::{Sink, World};
use distlab_core::{Action, Rng, TimedAction, TraceEntry, Violation, MS, SEC};

#[derive(Default)]
struct V(Vec<Violation>);
impl Sink for V {
    fn trace(&mut self, _: TraceEntry) {}
    fn sample(&mut self, _: u64, _: &[f64]) {}
    fn violation(&mut self, v: Violation) {
        self.0.push(v);
    }
}

fn cmd(node: u32, name: &str) -> Action {
    Action::Command { node, name: name.into(), arg: String::new() }
}

#[test]
fn explore() {
    let mut bad = 0;
    let seeds: u64 = std::env::var("SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(200);
    for seed in 0..seeds {
        let mut r = Rng::stream(seed, 77);
        let strategy = distlab_core::models::sharding::Strategy::from_name(distlab_core::models::sharding::STRATEGY_NAMES[r.below(6) as usize]).unwrap();
        let model = Sharding { index: [distlab_core::models::sharding::Index::Off, distlab_core::models::sharding::Index::Local, distlab_core::models::sharding::Index::Global][r.below(3) as usize], replicas: 3, keys: 300 + r.below(1000), rate: 300.0 + r.range(0, 1000) as f64, strategy, read_replicas: r.chance(0.5), migrate_rate: 500.0 + r.range(0, 3000) as f64, shards: 3 + r.below(3), ..Sharding::default() };
        let first = model.first_shard();
        let (members, spares) = (model.shards, model.spares);
        let mut acts = Vec::new();
        for _ in 0..(3 + r.below(6)) {
            let at = r.range(100, 3000) * MS;
            let a = match r.below(10) {
                7 => Action::Net(distlab_core::LinkConfig { loss: r.unit() * 0.05, duplicate: r.unit() * 0.1, reorder: r.unit() * 0.3, ..distlab_core::LinkConfig::default() }),
                8 => Action::Isolate(r.below(first + members + spares)),
                9 => Action::Heal,
                0 => cmd(first + members + r.below(spares), "fail"),
                1 => cmd(first + members + r.below(spares), "join"),
                2 => cmd(first + r.below(members), "join"),
                3 => Action::Crash(0),
                4 => Action::Restart(0),
                5 => Action::Crash(first + r.below(members + spares)),
                _ => Action::Restart(first + r.below(members + spares)),
            };
            acts.push(TimedAction { at, action: a });
        }
        acts.push(TimedAction { at: 3100 * MS, action: Action::Restart(0) });
        acts.sort_by_key(|a| a.at);
        let mut w = World::new(model.clone(), seed);
        w.tracing = false;
        let mut sink = V::default();
        let mut fc = Vec::new();
        while w.now() < 6 * SEC {
            let t = w.now() + 100 * MS;
            w.run_until(t, &acts, u64::MAX, &mut sink);
            if fc.is_empty() {
                fc = full_check(&model, &w.nodes(), w.ghost());
            }
        }
        if !sink.0.is_empty() || !fc.is_empty() {
            bad += 1;
            eprintln!("seed {seed}: {:?} {:?}\n  {acts:?}", sink.0.first().map(|v| &v.detail), fc.first());
        }
    }
    eprintln!("bad {bad}");
}
