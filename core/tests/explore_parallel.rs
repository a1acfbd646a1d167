//! The parallel breadth-first search (`distlab_core::explore::parallel`) gives exactly the
//! one-thread result for any number of threads: steps, distinct states, depth, frontier, the
//! goals with the step at which each was reached, the counterexample and its shrunk form, and
//! the same again when the search is run in slices.

use distlab_core::explore::parallel::Tuning;
use distlab_core::explore::{Budget, Checker, Config, Parallel, Status, Strategy};
use distlab_core::models;
use distlab_core::Value;

fn set(pairs: &[(&str, Value)]) -> Vec<(String, Value)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

/// Everything a search reports, shrunk counterexample included.
fn outcome(mut c: Box<dyn Checker>, slice: u64) -> String {
    let status = loop {
        let s = c.run(slice);
        if s != Status::Running {
            break s;
        }
    };
    let before = format!("{:?}", c.counterexample());
    c.shrink(500);
    format!("{status:?} {:?} {:?}\n{before}\n{:?}\n{:?}", c.stats(), c.goals(), c.counterexample(), c.describe_steps())
}

/// A model, its settings, a search.
type Case = (&'static str, Vec<(String, Value)>, Config);

fn cases() -> Vec<Case> {
    let faults = Budget { crashes: 1, drops: 1, duplicates: 1, partitions: 1, commands: 1 };
    let scale = if cfg!(debug_assertions) { 1 } else { 4 };
    vec![
        ("raft", set(&[("servers", Value::Num(3.0))]), Config { depth_max: 40, states_max: 5_000 * scale, ..Config::default() }),
        ("raft", set(&[("servers", Value::Num(3.0))]), Config { depth_max: 4, states_max: 5_000 * scale, limit: faults, ..Config::default() }),
        ("raft", set(&[("servers", Value::Num(3.0))]), Config { depth_max: 3, states_max: 1_000_000, ..Config::default() }),
        ("raft", set(&[("servers", Value::Num(3.0))]), Config { depth_max: 12, states_max: 3_000 * scale, rounds: true, limit: Budget { crashes: 1, partitions: 1, commands: 2, ..Budget::default() }, ..Config::default() }),
        (
            "raft",
            set(&[("servers", Value::Num(3.0)), ("vote_without_log_check", Value::Bool(true))]),
            Config { depth_max: 30, states_max: 300_000, limit: Budget { commands: 1, crashes: 1, ..Budget::default() }, rounds: true, ..Config::default() },
        ),
        (
            "paxos",
            set(&[("acceptors", Value::Num(3.0)), ("proposers", Value::Num(2.0)), ("ignore_promised_values", Value::Bool(true))]),
            Config { depth_max: 30, states_max: 20_000, ..Config::default() },
        ),
        ("caching", Vec::new(), Config { depth_max: 30, states_max: 100, ..Config::default() }),
        ("pbft", Vec::new(), Config { depth_max: 30, states_max: 2_000 * scale, ..Config::default() }),
    ]
}

#[test]
fn any_thread_count_gives_the_one_thread_result() {
    for (model, settings, config) in cases() {
        let t = std::time::Instant::now();
        let one = outcome(models::new_checker(model, &settings, config.clone()).unwrap(), u64::MAX);
        for threads in [2, 3] {
            let many = outcome(models::new_checker_threads(model, &settings, config.clone(), threads).unwrap(), u64::MAX);
            assert_eq!(one, many, "{model} {config:?} on {threads} threads");
        }
        // Resumed in slices of odd sizes, as the CLI and the page drive it.
        let sliced = outcome(models::new_checker_threads(model, &settings, config.clone(), 2).unwrap(), 777);
        assert_eq!(one, sliced, "{model} {config:?} in slices");
        println!("{model} {:.1} s: {}", t.elapsed().as_secs_f64(), one.lines().next().unwrap_or(""));
    }
}

/// A parallel search of `make()` configured with `settings`, on `threads` threads, tuned.
fn tuned<M: distlab_core::Model>(make: fn() -> M, settings: &[(String, Value)], config: Config, threads: usize, tuning: Tuning) -> Box<dyn Checker> {
    let model = distlab_core::lab::configure(make(), settings).unwrap();
    let settings = settings.to_vec();
    let mut p = Parallel::new(model, move || distlab_core::lab::configure(make(), &settings).unwrap(), config, threads);
    p.tune(tuning);
    Box::new(p)
}

/// However the work is shared — one state per job, a window of one state (every other
/// thread waits for the merge), taking others' states at once (rebuilds everywhere) — and
/// however the search is sliced, the result is the one-thread result. Violations found
/// while the next states are out, states expanded ahead and kept across slices, the state
/// bound reached with work outstanding.
#[test]
fn any_sharing_of_the_work_gives_the_one_thread_result() {
    use distlab_core::models::{paxos::Paxos, pbft::Pbft, raft::Raft};
    let tunings = [
        Tuning { batch: 1, window: 1, steal_min: 0 },
        Tuning { batch: 1, window: 3, steal_min: 0 },
        Tuning { batch: 3, window: 8, steal_min: 1 },
        Tuning { batch: 8, window: 40, steal_min: 4 },
        Tuning::default(),
    ];
    let raft3 = set(&[("servers", Value::Num(3.0))]);
    let faults = Budget { crashes: 1, drops: 1, duplicates: 1, partitions: 1, commands: 1 };
    let bug = set(&[("acceptors", Value::Num(3.0)), ("proposers", Value::Num(2.0)), ("ignore_promised_values", Value::Bool(true))]);
    let raft_bug = set(&[("servers", Value::Num(3.0)), ("vote_without_log_check", Value::Bool(true))]);
    let raft_cases = [
        (raft3.clone(), Config { depth_max: 40, states_max: 3_000, ..Config::default() }),
        (raft3.clone(), Config { depth_max: 4, states_max: 3_000, limit: faults, ..Config::default() }),
        (raft3.clone(), Config { depth_max: 3, states_max: 1_000_000, ..Config::default() }),
        (raft_bug, Config { depth_max: 30, states_max: 300_000, limit: Budget { commands: 1, crashes: 1, ..Budget::default() }, rounds: true, ..Config::default() }),
    ];
    for (i, tuning) in tunings.into_iter().enumerate() {
        for threads in [2, 3] {
            for (slice, (settings, config)) in [u64::MAX, 1, 777].into_iter().zip(raft_cases.iter().cycle().skip(i)).chain(raft_cases.iter().map(|c| (97, c))) {
                let one = outcome(models::new_checker("raft", settings, config.clone()).unwrap(), u64::MAX);
                let many = outcome(tuned(Raft::default, settings, config.clone(), threads, tuning), slice);
                assert_eq!(one, many, "raft {config:?} on {threads} threads, {tuning:?}, slices of {slice}");
            }
            let config = Config { depth_max: 30, states_max: 20_000, ..Config::default() };
            let one = outcome(models::new_checker("paxos", &bug, config.clone()).unwrap(), u64::MAX);
            for slice in [u64::MAX, 5] {
                let many = outcome(tuned(Paxos::default, &bug, config.clone(), threads, tuning), slice);
                assert_eq!(one, many, "paxos on {threads} threads, {tuning:?}, slices of {slice}");
            }
            let config = Config { depth_max: 30, states_max: 1_500, ..Config::default() };
            let one = outcome(models::new_checker("pbft", &[], config.clone()).unwrap(), u64::MAX);
            let many = outcome(tuned(Pbft::default, &[], config.clone(), threads, tuning), 13);
            assert_eq!(one, many, "pbft on {threads} threads, {tuning:?}");
        }
    }
}

#[test]
fn other_strategies_run_on_one_thread() {
    let config = Config { strategy: Strategy::Dfs, depth_max: 20, states_max: 2_000, ..Config::default() };
    let settings = set(&[("servers", Value::Num(3.0))]);
    let one = outcome(models::new_checker("raft", &settings, config.clone()).unwrap(), u64::MAX);
    let many = outcome(models::new_checker_threads("raft", &settings, config, 2).unwrap(), u64::MAX);
    assert_eq!(one, many);
}

/// Timings, by hand: `cargo test --profile fast --test explore_parallel -- --ignored --nocapture`.
#[test]
#[ignore]
fn timings() {
    use distlab_core::explore::Explorer;
    use distlab_core::models::raft::Raft;
    let config = Config { depth_max: 40, states_max: 200_000, ..Config::default() };
    let raft = || Raft { servers: 3, ..Raft::default() };
    let cpu = || {
        let text = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        let rest = text.rsplit_once(')').map_or("", |(_, r)| r).to_string();
        let f: Vec<f64> = rest.split_whitespace().map(|x| x.parse().unwrap_or(0.0)).collect();
        (f.get(11).unwrap_or(&0.0) + f.get(12).unwrap_or(&0.0)) / 100.0
    };
    for round in 0..3 {
        let (t, c) = (std::time::Instant::now(), cpu());
        let mut e = Explorer::new(raft(), config.clone());
        e.run(u64::MAX);
        let n = e.stats().explored as f64;
        println!("round {round} sequential: {:.0} states/s wall, {:.0} per CPU s", n / t.elapsed().as_secs_f64(), n / (cpu() - c));
        for threads in [1, 2] {
            for window in [64, 512] {
                let (t, c) = (std::time::Instant::now(), cpu());
                let mut p = Parallel::new(raft(), raft, config.clone(), threads);
                p.tune(Tuning { window, ..Tuning::default() });
                p.run(u64::MAX);
                let n = p.stats().explored as f64;
                println!("round {round} {threads} threads, window {window}: {:.0} states/s wall, {:.0} per CPU s; {:?}", n / t.elapsed().as_secs_f64(), n / (cpu() - c), p.balance());
            }
        }
    }
}
