//! The driver every seeded fault sweep shares: which seeds to run, both cores, panics caught,
//! failing seeds listed with the command that reproduces one.

/// Runs `schedule(seed)` for each seed and fails listing the seeds that failed or panicked.
///
/// `<NAME>_SEED=<n>` runs one seed; `<NAME>_SWEEP=<n>` sets how many (default `optimised` in
/// an optimised build such as `--profile fast`, `debug` in a debug build). `schedule` returns
/// the number of events it simulated. Seeds are split between threads (at most four) and the
/// results gathered in seed order; each thread stops after five failures.
pub fn sweep(name: &str, optimised: u64, debug: u64, schedule: fn(u64) -> Result<u64, String>) {
    let var = |suffix: &str| std::env::var(format!("{name}_{suffix}")).ok().and_then(|s| s.parse::<u64>().ok());
    let seeds: Vec<u64> = match var("SEED") {
        Some(one) => vec![one],
        None => (0..var("SWEEP").unwrap_or(if cfg!(debug_assertions) { debug } else { optimised })).collect(),
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(4);
    let chunk = seeds.len().div_ceil(threads).max(1);
    let results: Vec<(u64, Result<u64, String>)> = std::thread::scope(|s| {
        let handles: Vec<_> = seeds
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    let mut out = Vec::new();
                    let mut failed = 0;
                    for &seed in part {
                        let r = std::panic::catch_unwind(|| schedule(seed)).unwrap_or_else(|_| Err("panicked".into()));
                        failed += r.is_err() as usize;
                        out.push((seed, r));
                        if failed >= 5 {
                            break;
                        }
                    }
                    out
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let mut failures = Vec::new();
    let mut events = 0;
    for (seed, r) in results {
        match r {
            Ok(n) => events += n,
            Err(why) => failures.push(format!("seed {seed}: {why}")),
        }
    }
    println!("{} schedules, {events} events", seeds.len());
    assert!(failures.is_empty(), "reproduce with {name}_SEED=<seed>:\n{}", failures.join("\n"));
}

use distlab_core::world::{Sink, World};
use distlab_core::{Action, LinkConfig, Model, NodeId, Rng, Time, TimedAction, TraceEntry, Violation, MS};

/// The sink a sweep runs with: keeps the violations, and prints the trace from `<NAME>_TRACE=<ms>`
/// on (with `<NAME>_SEED`, to watch one failing schedule).
pub struct Checked {
    pub violations: Vec<Violation>,
    /// The configuration run, as failures name it.
    config: String,
    trace_from: Option<Time>,
}

impl Checked {
    pub fn new(name: &str, config: &impl std::fmt::Debug) -> Checked {
        let trace_from = std::env::var(format!("{name}_TRACE")).ok().and_then(|s| s.parse::<u64>().ok()).map(|ms| ms * MS);
        Checked { violations: Vec::new(), config: format!("{config:?}"), trace_from }
    }

    /// Whether the world should record its trace (someone asked to see it).
    pub fn tracing(&self) -> bool {
        self.trace_from.is_some()
    }

    /// `Err` naming the first violation and the configuration it happened in.
    pub fn first(&self) -> Result<(), String> {
        match self.violations.first() {
            Some(v) => Err(self.fail(format!("{} violated at {} µs: {}", v.invariant, v.time, v.detail))),
            None => Ok(()),
        }
    }

    /// A failure message naming the configuration.
    pub fn fail(&self, what: String) -> String {
        format!("{}: {what}", self.config)
    }
}

impl Sink for Checked {
    fn trace(&mut self, e: TraceEntry) {
        if self.trace_from.is_some_and(|from| e.time >= from) {
            eprintln!("{:>9.3} ms {:?} {}", e.time as f64 / MS as f64, e.kind, e.text);
        }
    }
    fn sample(&mut self, _: Time, _: &[f64]) {}
    fn violation(&mut self, v: Violation) {
        self.violations.push(v);
    }
}

/// How bad a network a sweep's link faults may make.
pub struct Weather {
    /// Latency is drawn up to this (and from at least a twelfth of it).
    pub latency_max: Time,
    /// Loss is drawn up to this; duplication up to 0.1, reordering up to 0.3.
    pub loss: f64,
    /// A reordered message is held back up to this.
    pub reorder_delay: Time,
}

impl Weather {
    /// A data centre: up to 60 ms, 30% loss, reordering by up to 200 ms.
    #[allow(dead_code)] // sweeps over a wider area use their own
    pub const LAN: Weather = Weather { latency_max: 60 * MS, loss: 0.3, reorder_delay: 200 * MS };

    pub fn draw(&self, rng: &mut Rng) -> LinkConfig {
        let floor = (self.latency_max / 12).max(2 * MS);
        LinkConfig {
            latency_min: rng.range(MS, floor),
            latency_max: rng.range(floor, self.latency_max),
            loss: rng.unit() * self.loss,
            duplicate: rng.unit() * 0.1,
            reorder: rng.unit() * 0.3,
            reorder_delay: rng.range(0, self.reorder_delay),
        }
    }
}

/// One of the faults every protocol sweep draws from: a crash or restart of one of the first
/// `crashable` nodes (more often than the rest), a random two-way partition, an isolated node,
/// a heal, a one-way cut, bad weather, a pause or resume, or one of the first messages in
/// flight dropped.
pub fn network_fault<M: Model>(world: &World<M>, rng: &mut Rng, crashable: u32, weather: &Weather) -> Action {
    let n = world.node_count();
    let node: NodeId = rng.below(n);
    match rng.below(15) {
        0..=2 => Action::Crash(rng.below(crashable)),
        3..=5 => Action::Restart(rng.below(crashable)),
        6 => {
            let mut groups = vec![vec![], vec![]];
            for id in 0..n {
                groups[rng.below(2) as usize].push(id);
            }
            Action::Partition(groups)
        }
        7 => Action::Isolate(node),
        8 | 9 => Action::Heal,
        10 => Action::Cut(node, rng.below(n)),
        11 => Action::Net(weather.draw(rng)),
        12 => Action::Pause(node),
        13 => Action::Resume(node),
        _ => match world.view().messages.get(rng.below(8) as usize) {
            Some(m) => Action::Drop(m.id),
            None => Action::Heal,
        },
    }
}

/// The end of the faults, at `at`: the network heals with default links, and every one of the
/// `nodes` nodes is resumed, restarted and back at full speed.
pub fn recover(actions: &mut Vec<TimedAction>, at: Time, nodes: u32) {
    actions.push(TimedAction { at, action: Action::Heal });
    actions.push(TimedAction { at, action: Action::Net(LinkConfig::default()) });
    for id in 0..nodes {
        for action in [Action::Resume(id), Action::Restart(id), Action::Slow(id, 1)] {
            actions.push(TimedAction { at, action });
        }
    }
}

/// Runs to `t` in slices of `slice` events, failing on the first violation and after each
/// slice comparing with `full_check` (the model's non-incremental re-check: `Some` names what
/// it finds that the incremental checks did not); at most `budget` events.
pub fn run_checked<M: Model>(
    world: &mut World<M>,
    t: Time,
    actions: &[TimedAction],
    sink: &mut Checked,
    slice: u64,
    budget: u64,
    full_check: impl Fn(&World<M>) -> Option<String>,
) -> Result<(), String> {
    let mut left = budget;
    loop {
        let k = world.run_until(t, actions, slice, sink);
        sink.first()?;
        if let Some(bad) = full_check(world) {
            return Err(sink.fail(format!("the full re-check at {} µs finds what the incremental checks did not: {bad}", world.now())));
        }
        left = left.saturating_sub(k);
        if left == 0 {
            return Err(sink.fail(format!("more than {budget} events")));
        }
        if k < slice {
            return Ok(());
        }
    }
}
