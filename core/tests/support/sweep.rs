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
