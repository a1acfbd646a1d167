//! Runs the loaded-Raft workload of `make bench` (5 servers, 100 requests/s, time travel on)
//! for a given number of virtual seconds and prints the speed: a target for `perf record`.
//!
//! `cargo run -p distlab-core --profile bench --example loaded_raft -- 600`

use distlab_core::models::new_lab;
use distlab_core::{Value, MS, SEC};
use mimalloc::MiMalloc;
use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

/// The native CLI's allocator (mimalloc), counting the bytes in use and their peak.
struct Counting;
static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed straight to mimalloc; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = IN_USE.fetch_add(layout.size(), Relaxed) + layout.size();
        PEAK.fetch_max(now, Relaxed);
        unsafe { MiMalloc.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        IN_USE.fetch_sub(layout.size(), Relaxed);
        unsafe { MiMalloc.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn main() {
    let secs: u64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(300);
    let settings: Vec<(String, Value)> =
        [("servers", 5.0), ("load_rps", 100.0)].iter().map(|(k, v)| (k.to_string(), Value::Num(*v))).collect();
    if std::env::var("WORLD_ONLY").is_ok() {
        let mut model = distlab_core::models::raft::Raft::default();
        use distlab_core::Model;
        for (k, v) in &settings {
            model.set_param(k, v).unwrap();
        }
        let mut w = distlab_core::World::new(model, 1);
        w.run_until(secs * SEC, &[], u64::MAX, &mut distlab_core::world::NullSink);
        let before = IN_USE.load(Relaxed);
        let copy = w.clone();
        println!("one clone: {} B measured, {} B accounted", IN_USE.load(Relaxed) - before, copy.snapshot_bytes());
        drop(copy);
        println!("world only: heap in use {:.1} MB, {} events", IN_USE.load(Relaxed) as f64 / (1 << 20) as f64, w.events());
        return;
    }
    let mut lab = new_lab("raft", &settings, 1, vec![]).expect("raft lab");
    if let Some(mb) = std::env::var("BUDGET_MB").ok().and_then(|s| s.parse::<usize>().ok()) {
        lab.set_history_budget(mb << 20);
    }
    let start = Instant::now();
    let mut t = 0;
    while t < secs * SEC {
        t += 100 * MS;
        lab.run_until(t, u64::MAX);
    }
    let wall = start.elapsed().as_secs_f64();
    let mb = |b: usize| b as f64 / (1 << 20) as f64;
    println!("heap in use {:.1} MB, peak {:.1} MB", mb(IN_USE.load(Relaxed)), mb(PEAK.load(Relaxed)));
    let (bytes, snaps) = lab.history_size();
    println!(
        "{secs} virtual s in {wall:.2} wall s: {:.0} virtual s per wall s, {} events, history {:.1} MB in {snaps} snapshots",
        secs as f64 / wall,
        lab.events(),
        bytes as f64 / (1 << 20) as f64
    );
}

