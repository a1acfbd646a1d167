//! Runs the model checker's `make bench` workload (3-server Raft, breadth-first) for a given
//! number of steps and prints its speed and its allocations: a target for `perf record` or
//! callgrind.
//!
//! `cargo run -p distlab-core --profile bench --example checker -- 200000 [threads] [batch window steal_min]`
//! (threads 0: the one-thread [`Explorer`]; N: [`Parallel`] on N threads, tuned as given.)

use distlab_core::explore::parallel::{Balance, Tuning};
use distlab_core::explore::{Config, Explorer, Parallel, Stats};
use distlab_core::models::raft::Raft;
use std::time::Instant;

#[path = "../benches/counting/mod.rs"]
mod counting;
use counting::{calls, in_use};

#[global_allocator]
static GLOBAL: counting::Counting = counting::Counting;

fn main() {
    let steps: u64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(200_000);
    let threads: usize = std::env::args().nth(2).and_then(|s| s.parse().ok()).unwrap_or(0);
    let arg = |i: usize| std::env::args().nth(i).and_then(|s| s.parse::<usize>().ok());
    let d = Tuning::default();
    let tuning = Tuning { batch: arg(3).unwrap_or(d.batch), window: arg(4).unwrap_or(d.window), steal_min: arg(5).unwrap_or(d.steal_min) };
    let model = Raft { servers: 3, ..Raft::default() };
    let config = Config { depth_max: 40, states_max: steps, ..Config::default() };
    let heap0 = in_use();
    let calls0 = calls();
    let cpu0 = cpu_s();
    let t0 = Instant::now();
    // Taken when the search ends, before it is dropped (its threads and worlds still alive).
    let end = |s: Stats| {
        let threads: Vec<String> = thread_cpu().iter().map(|(name, s)| format!("{name} {s:.3} s")).collect();
        (s, t0.elapsed().as_secs_f64(), cpu_s() - cpu0, in_use().wrapping_sub(heap0) as isize, threads.join(", "))
    };
    let mut balance: Option<Balance> = None;
    let (s, secs, cpu, held, per_thread) = if threads == 0 {
        let mut e = Explorer::new(model, config);
        e.run(steps);
        end(e.stats())
    } else {
        let mut e = Parallel::new(model, || Raft { servers: 3, ..Raft::default() }, config, threads);
        e.tune(tuning);
        e.run(steps);
        balance = Some(e.balance());
        end(e.stats())
    };
    let calls = calls() - calls0;
    println!("{} states generated, {} distinct, in {:.3} s: {:.0} states/s", s.explored, s.distinct, secs, s.explored as f64 / secs);
    println!("{:.3} s of CPU (all threads): {:.0} states per CPU s ({per_thread})", cpu, s.explored as f64 / cpu);
    println!("{:.1} allocations per state generated; {:.0} B of heap per distinct state", calls as f64 / s.explored as f64, held as f64 / s.distinct as f64);
    if let Some(b) = balance {
        println!("{tuning:?}\n{b:?}");
    }
}

/// CPU time of every thread of this process so far, in s (Linux: the scheduler's own count, in
/// ns, of each thread alive; 0 elsewhere).
fn cpu_s() -> f64 {
    thread_cpu().iter().map(|(_, s)| s).sum()
}

/// Each live thread's name and CPU time so far, in s.
fn thread_cpu() -> Vec<(String, f64)> {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else { return Vec::new() };
    dir.filter_map(|t| {
        let path = t.ok()?.path();
        let ns: f64 = std::fs::read_to_string(path.join("schedstat")).ok()?.split_whitespace().next()?.parse().ok()?;
        Some((std::fs::read_to_string(path.join("comm")).ok()?.trim().to_string(), ns / 1e9))
    })
    .collect()
}
