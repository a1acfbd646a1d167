//! `make bench`, native half: kernel events per second on fixed workloads, and the time to jump
//! to an arbitrary moment of a one-hour virtual run. Prints figures, asserts nothing.
//!
//! Run with `cargo bench -p distlab-core --bench kernel`. Lines starting with `BENCH|` are read
//! by scripts/bench.sh to build the summary table.

mod counting;
mod workloads;

use distlab_core::SEC;
use std::time::Instant;
use workloads::{all, measure};

#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

fn now_ms() -> f64 {
    thread_local!(static START: Instant = Instant::now());
    START.with(|s| s.elapsed().as_secs_f64() * 1000.0)
}

/// CPU time this thread has run, in ms (Linux: the scheduler's own count, in ns), so a figure
/// can be taken on a loaded machine; `None` where it cannot be read.
fn thread_cpu_ms() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = text.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e6)
}

fn cpu_ms() -> f64 {
    thread_cpu_ms().unwrap_or(0.0)
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` would pass nothing useful either.
    let quick = std::env::args().any(|a| a == "--quick");
    // `-- --checker`: only the model checker's figures (to iterate on the explorer's speed).
    let checker_only = std::env::args().any(|a| a == "--checker");
    println!("native kernel throughput (Sim through the Lab facade, as the web shell drives it)");
    println!("{:<16} {:>12} {:>10} {:>14}  what", "workload", "events", "wall ms", "events/s");
    for w in all().into_iter().filter(|_| !checker_only) {
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

    let steps = if quick { 20_000 } else { 200_000 };
    let c = workloads::explore_raft3(steps, now_ms, counting::in_use);
    println!();
    println!(
        "model checker, raft-3 breadth-first: {:.0} states generated/s ({} generated: successors computed and checked, new or not), {:.0} distinct states/s ({} distinct, {} left in the frontier); start fingerprint {:016x}",
        c.rate, c.generated, c.distinct_rate, c.distinct, c.frontier, c.root
    );
    println!(
        "  memory: {:.0} B of heap per distinct state (worlds in the frontier included), {:.1} B of bookkeeping per distinct state (visited table, trail, frontier slots), {} B World::snapshot_bytes of the start state",
        c.heap_per_state, c.bookkeeping_per_state, c.state_bytes
    );
    println!("BENCH|native checker states/s (raft-3 BFS, one-thread Explorer)|{:.0}|states/s|wall clock, load {}; states generated (successors computed and checked) over {} steps; start fingerprint {:016x}", c.rate, load(), c.generated, c.root);
    println!("BENCH|native checker distinct states/s (raft-3 BFS)|{:.0}|states/s|{} distinct of {} generated", c.distinct_rate, c.distinct, c.generated);
    println!("BENCH|checker heap bytes per distinct state (raft-3)|{:.0}|B|heap in use after the search / distinct states; worlds waiting in the frontier included", c.heap_per_state);
    println!("BENCH|checker bookkeeping bytes per distinct state (raft-3)|{:.1}|B|visited table + trail + frontier slots, without the worlds", c.bookkeeping_per_state);
    println!("BENCH|checker bytes per stored state (raft-3)|{}|B|World::snapshot_bytes of the start state", c.state_bytes);
    if thread_cpu_ms().is_some() {
        // The same search again, timed by this thread's CPU time: on a shared machine the wall
        // clock also counts the time other processes had the CPU.
        let cpu = workloads::explore_raft3(steps, cpu_ms, counting::in_use);
        println!("  per CPU second (this thread's CPU time, not wall time): {:.0} states generated/s, {:.0} distinct states/s", cpu.rate, cpu.distinct_rate);
        println!("BENCH|native checker states per CPU s (raft-3 BFS)|{:.0}|states/s|this thread's CPU time (/proc/thread-self/schedstat), steadier than wall time on a loaded machine", cpu.rate);
    }
    // The CLI's default (one thread per core, at most 4) gives the headline figure.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let default = cores.min(4);
    let threads = cores.clamp(2, 8);
    let mut counts = vec![1, threads, default];
    counts.sort_unstable();
    counts.dedup();
    for n in counts {
        let p = explore_raft3_threads(steps, n);
        let b = p.5;
        println!(
            "  on {n} thread{}: {:.0} states generated/s wall (load {}), {:.0} per CPU second of all its threads, {:.0} distinct states/s ({} generated, {} distinct)",
            if n == 1 { "" } else { "s" },
            p.0, load(), p.1, p.2, p.3, p.4
        );
        println!(
            "    states expanded here / on the others: {} / {}; rebuilt by a thread that did not hold them: {} ({} steps replayed); duplicates dropped by the thread that made them: {}; waits of the calling thread: {} ({:.1} ms); the others idle: {:.1} ms",
            b.expanded_here, b.expanded_there, b.rebuilt, b.replayed, b.seen, b.waits, b.wait_us as f64 / 1000.0, b.idle_us as f64 / 1000.0
        );
        println!("BENCH|native checker states/s (raft-3 BFS, {n} thread{})|{:.0}|states/s|wall clock, load {}; {:.0} per CPU second of its threads; {} generated, {} distinct; {} of {} states rebuilt", if n == 1 { "" } else { "s" }, p.0, load(), p.1, p.3, p.4, b.rebuilt, b.expanded_here + b.expanded_there);
        if n == default {
            println!("BENCH|native checker states/s (raft-3 BFS)|{:.0}|states/s|target >= 1000000; as the CLI searches by default, on {n} thread{} (one per core, at most 4); wall clock, load {}", p.0, if n == 1 { "" } else { "s" }, load());
        }
    }
    if checker_only {
        return;
    }

    let n = if quick { 200_000 } else { 2_000_000 };
    let (mid, plain) = workloads::header_hashes(n, now_ms);
    println!();
    println!("header hashes (double SHA-256 of 80 bytes): {mid:.0}/s reusing the midstate, {plain:.0}/s with plain sha256d");
    println!("BENCH|native header hashes/s (midstate)|{mid:.0}|H/s|midstate, 2 compressions per nonce, 4 nonces at a time");
    println!("BENCH|native header hashes/s (plain sha256d)|{plain:.0}|H/s|double SHA-256 of all 80 bytes, 3 compressions per nonce");

    println!();
    println!("keys routed per second (owners of a key, R = 2, 32 shards)");
    for (name, rate) in workloads::route_keys(now_ms) {
        println!("  {name:<12} {rate:>14.0} keys/s");
        println!("BENCH|native keys/s routed, {name}|{rate:.0}|keys/s|32 shards, R = 2");
    }

    println!();
    println!("one frame's picture: Lab::view() with the model's figures (the shell builds it every frame)");
    for line in workloads::view_cost_lines("native", now_ms) {
        println!("{line}");
    }

    println!();
    caching_figures(quick);

    let hour = if quick { 60 * SEC } else { 3_600 * SEC };
    let jumps = if quick { 20 } else { 100 };
    println!();
    println!("history: raft-5 under a steady 100 requests/s for {} s of virtual time, time travel on, then {jumps} random seeks", hour / SEC);
    match workloads::long_run(hour, jumps, now_ms, counting::in_use) {
        Ok(r) => {
            for line in workloads::long_run_lines("native", &r) {
                let mut parts = line.split('|').skip(1);
                if let (Some(name), Some(value), Some(unit)) = (parts.next(), parts.next(), parts.next()) {
                    println!("  {name:<48} {value:>10} {unit}");
                }
                println!("{line}");
            }
        }
        Err(e) => println!("  n/a: {e}\nBENCH|loaded raft virtual s per wall s (native)|n/a||{e}"),
    }
}

/// The one-minute load average (`uptime`'s first figure), to print next to wall-clock figures.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg").ok().and_then(|t| t.split_whitespace().next().map(String::from)).unwrap_or_else(|| "?".into())
}

/// CPU time of the whole process (every thread), in ms, from /proc/self/stat (in clock ticks,
/// 10 ms each); 0 where it cannot be read.
fn process_cpu_ms() -> f64 {
    let Ok(text) = std::fs::read_to_string("/proc/self/stat") else { return 0.0 };
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = text.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    (ticks(11) + ticks(12)) * 10.0
}

/// The raft-3 breadth-first search of `workloads::explore_raft3` on `threads` threads (the
/// parallel search, same result as on one): states generated per wall second, per CPU second
/// of all the process's threads, distinct per wall second, generated, distinct, and how the
/// threads shared the work.
fn explore_raft3_threads(steps: u64, threads: usize) -> (f64, f64, f64, u64, u64, distlab_core::explore::parallel::Balance) {
    use distlab_core::explore::{Config, Parallel};
    use distlab_core::models::raft::Raft;
    let model = Raft { servers: 3, ..Raft::default() };
    let build = move || Raft { servers: 3, ..Raft::default() };
    let (t0, c0) = (now_ms(), process_cpu_ms());
    let mut e = Parallel::new(model, build, Config { depth_max: 40, states_max: steps, ..Config::default() }, threads);
    e.run(steps);
    let (ms, cpu) = ((now_ms() - t0).max(1e-6), (process_cpu_ms() - c0).max(1e-6));
    let (s, balance) = (e.stats(), e.balance());
    drop(e);
    (s.explored as f64 / (ms / 1000.0), s.explored as f64 / (cpu / 1000.0), s.distinct as f64 / (ms / 1000.0), s.explored, s.distinct, balance)
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
