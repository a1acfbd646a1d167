//! `make bench`, native half: kernel events per second on fixed workloads, and the time to jump
//! to an arbitrary moment of a one-hour virtual run. Prints figures, asserts nothing.
//!
//! Run with `cargo bench -p distlab-core --bench kernel`. Lines starting with `BENCH|` are read
//! by scripts/bench.sh to build the summary table.

mod workloads;

use distlab_core::SEC;
use std::time::Instant;
use workloads::{all, measure, seeks, stats};

fn now_ms() -> f64 {
    thread_local!(static START: Instant = Instant::now());
    START.with(|s| s.elapsed().as_secs_f64() * 1000.0)
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` would pass nothing useful either.
    let quick = std::env::args().any(|a| a == "--quick");
    println!("native kernel throughput (Sim through the Lab facade, as the web shell drives it)");
    println!("{:<16} {:>12} {:>10} {:>14}  what", "workload", "events", "wall ms", "events/s");
    for w in all() {
        match measure(&w, now_ms) {
            Ok(f) => {
                println!("{:<16} {:>12} {:>10.0} {:>14.0}  {}", w.name, f.events, f.wall_ms, f.events_per_sec(), w.what);
                println!("BENCH|native events/s {}|{:.0}|events/s|{} events, trace {:016x}", w.name, f.events_per_sec(), f.events, f.trace_hash);
            }
            Err(e) => {
                println!("{:<16} {:>12} {:>10} {:>14}  {}", w.name, "-", "-", "n/a", e);
                println!("BENCH|native events/s {}|n/a||{}", w.name, e);
            }
        }
    }

    println!();
    caching_figures(quick);

    let hour = if quick { 60 * SEC } else { 3_600 * SEC };
    let (jumps, budget_ms) = if quick { (20, 5_000.0) } else { (100, 60_000.0) };
    println!();
    println!(
        "time travel: raft-5 with a client request every second for {} s of virtual time, then up to {jumps} random seek_time jumps (stops after {:.0} s of jumping)",
        hour / SEC,
        budget_ms / 1000.0
    );
    match workloads::raft_load(5, 1, SEC, hour) {
        Ok(lab) => {
            let s = seeks(lab, hour, jumps, budget_ms, now_ms);
            println!("  the run: {} events simulated in {:.0} ms", s.events, s.run_ms);
            for (label, pick) in [("all jumps", None), ("backward", Some(true)), ("forward", Some(false))] {
                let (n, mean, max) = stats(&s.jumps, |b| pick.is_none_or(|p| p == b));
                println!("  {label:<10} n={n:<4} mean {mean:>8.2} ms   max {max:>8.2} ms");
            }
            let (_, mean, max) = stats(&s.jumps, |_| true);
            println!("BENCH|seek in 1 h run (native), mean|{mean:.2}|ms|{} random targets", s.jumps.len());
            println!("BENCH|seek in 1 h run (native), max|{max:.2}|ms|{} events in the run", s.events);
        }
        Err(e) => println!("  n/a: {e}\nBENCH|seek in 1 h run (native), mean|n/a||{e}"),
    }
}

/// Requests per second through one cache (the service lab, and each bare policy), and the
/// hit-ratio curves over 1 M requests in the lab's slices.
fn caching_figures(quick: bool) {
    use distlab_core::models::caching::{Kind, KINDS};
    match workloads::caching_requests(now_ms) {
        Ok((n, ms)) => {
            println!("caching service, one cache node: {n:.0} requests in {ms:.0} ms");
            println!("BENCH|native caching requests/s (service, 1 cache)|{:.0}|req/s|every message, timer and check", n / (ms / 1000.0));
        }
        Err(e) => println!("BENCH|native caching requests/s (service, 1 cache)|n/a||{e}"),
    }
    for k in KINDS {
        let rate = workloads::policy_accesses(k, now_ms);
        println!("BENCH|native policy accesses/s {}|{rate:.0}|req/s|capacity 1000, zipf 10k keys", k.label());
    }
    let _ = Kind::Lru;
    let n = if quick { 100_000 } else { 1_000_000 };
    let (total, worst, slices) = workloads::curves(n, now_ms);
    println!("hit-ratio curves, 8 sizes x 9 policies over {n} requests: {total:.0} ms in {slices} slices, longest slice {worst:.2} ms");
    println!("BENCH|native curves 8x9 over {n} requests, total|{total:.0}|ms|{slices} slices");
    println!("BENCH|native curves slice, longest|{worst:.2}|ms|one slice per 100 ms metric sample");
}
