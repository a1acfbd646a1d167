//! Runs the model checker's `make bench` workload (3-server Raft, breadth-first) for a given
//! number of steps and prints its speed and its allocations: a target for `perf record` or
//! callgrind.
//!
//! `cargo run -p distlab-core --profile bench --example checker -- 200000 [threads] [batch]`

use distlab_core::explore::{Config, Explorer, Parallel};
use distlab_core::models::raft::Raft;
use mimalloc::MiMalloc;
use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

/// The native CLI's allocator (mimalloc), counting calls and the bytes in use.
struct Counting;
static CALLS: AtomicUsize = AtomicUsize::new(0);
static IN_USE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        CALLS.fetch_add(1, Relaxed);
        IN_USE.fetch_add(layout.size(), Relaxed);
        unsafe { MiMalloc.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        IN_USE.fetch_sub(layout.size(), Relaxed);
        unsafe { MiMalloc.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new: usize) -> *mut u8 {
        CALLS.fetch_add(1, Relaxed);
        IN_USE.fetch_add(new, Relaxed);
        IN_USE.fetch_sub(layout.size(), Relaxed);
        unsafe { MiMalloc.realloc(ptr, layout, new) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn main() {
    let steps: u64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(200_000);
    let threads: usize = std::env::args().nth(2).and_then(|s| s.parse().ok()).unwrap_or(0);
    let batch: Option<usize> = std::env::args().nth(3).and_then(|s| s.parse().ok());
    let model = Raft { servers: 3, ..Raft::default() };
    let config = Config { depth_max: 40, states_max: steps, ..Config::default() };
    let heap0 = IN_USE.load(Relaxed);
    let calls0 = CALLS.load(Relaxed);
    let t0 = Instant::now();
    let (s, secs, held) = if threads == 0 {
        let mut e = Explorer::new(model, config);
        e.run(steps);
        let out = (e.stats(), t0.elapsed().as_secs_f64(), IN_USE.load(Relaxed) - heap0);
        // The process ends here: freeing every world one by one is no part of the search (and
        // would blur a profile of it).
        std::mem::forget(e);
        out
    } else {
        let mut e = Parallel::new(model, || Raft { servers: 3, ..Raft::default() }, config, threads);
        if let Some(b) = batch {
            e.set_batch(b);
        }
        e.run(steps);
        (e.stats(), t0.elapsed().as_secs_f64(), IN_USE.load(Relaxed) - heap0)
    };
    let calls = CALLS.load(Relaxed) - calls0;
    println!("{} states generated, {} distinct, in {:.3} s: {:.0} states/s", s.explored, s.distinct, secs, s.explored as f64 / secs);
    println!("{:.1} allocations per state generated; {:.0} B of heap per distinct state", calls as f64 / s.explored as f64, held as f64 / s.distinct as f64);
}
