//! Runs the model checker's `make bench` workload (3-server Raft, breadth-first) for a given
//! number of steps and prints its speed and its allocations: a target for `perf record` or
//! callgrind.
//!
//! `cargo run -p distlab-core --profile bench --example checker -- 200000 [threads] [batch window steal_min]`
//! (threads 0: the one-thread [`Explorer`]; N: [`Parallel`] on N threads, tuned as given.)

use distlab_core::explore::parallel::{Balance, Tuning};
use distlab_core::explore::{Config, Explorer, Parallel, Stats};
use distlab_core::models::raft::Raft;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

/// The system allocator, counting calls and the bytes in use.
struct Counting;
static CALLS: AtomicUsize = AtomicUsize::new(0);
static IN_USE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        CALLS.fetch_add(1, Relaxed);
        IN_USE.fetch_add(layout.size(), Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        IN_USE.fetch_sub(layout.size(), Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new: usize) -> *mut u8 {
        CALLS.fetch_add(1, Relaxed);
        IN_USE.fetch_add(new, Relaxed);
        IN_USE.fetch_sub(layout.size(), Relaxed);
        unsafe { System.realloc(ptr, layout, new) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn main() {
    let steps: u64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(200_000);
    let threads: usize = std::env::args().nth(2).and_then(|s| s.parse().ok()).unwrap_or(0);
    let arg = |i: usize| std::env::args().nth(i).and_then(|s| s.parse::<usize>().ok());
    let d = Tuning::default();
    let tuning = Tuning { batch: arg(3).unwrap_or(d.batch), window: arg(4).unwrap_or(d.window), steal_min: arg(5).unwrap_or(d.steal_min) };
    let model = Raft { servers: 3, ..Raft::default() };
    let config = Config { depth_max: 40, states_max: steps, ..Config::default() };
    let heap0 = IN_USE.load(Relaxed);
    let calls0 = CALLS.load(Relaxed);
    let cpu0 = cpu_s();
    let t0 = Instant::now();
    // Taken when the search ends, before it is dropped (its threads and worlds still alive).
    let end = |s: Stats| (s, t0.elapsed().as_secs_f64(), cpu_s() - cpu0, IN_USE.load(Relaxed).wrapping_sub(heap0) as isize);
    let mut balance: Option<Balance> = None;
    let (s, secs, cpu, held) = if threads == 0 {
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
    let calls = CALLS.load(Relaxed) - calls0;
    println!("{} states generated, {} distinct, in {:.3} s: {:.0} states/s", s.explored, s.distinct, secs, s.explored as f64 / secs);
    println!("{:.3} s of CPU (all threads): {:.0} states per CPU s", cpu, s.explored as f64 / cpu);
    println!("{:.1} allocations per state generated; {:.0} B of heap per distinct state", calls as f64 / s.explored as f64, held as f64 / s.distinct as f64);
    if let Some(b) = balance {
        println!("{tuning:?}\n{b:?}");
    }
}

/// CPU time of every thread of this process so far, in s (Linux: the scheduler's own count, in
/// ns, of each thread alive; 0 elsewhere).
fn cpu_s() -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else { return 0.0 };
    dir.filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("schedstat")).ok())
        .filter_map(|text| text.split_whitespace().next()?.parse::<f64>().ok())
        .sum::<f64>()
        / 1e9
}
