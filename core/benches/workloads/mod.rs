//! Fixed benchmark workloads, shared by the native bench (`core/benches/kernel.rs`) and the
//! wasm bench in headless Chromium (`bench/`), so both measure exactly the same runs.
//!
//! Each workload is a model, its settings, a seed and an action script, built through the same
//! registry the web shell uses (`models::new_lab`), and run through the `Lab` facade (the same
//! `Sim` with history, snapshots and invariant checks that the lab animates). A clock is passed
//! in as a function returning milliseconds, so this file needs neither `std::time` nor a browser.
#![allow(dead_code)]

#[path = "../../tests/support/ping.rs"]
mod ping;

use distlab_core::models::new_lab;
use distlab_core::view::Value;
use distlab_core::{Action, Lab, Sim, TimedAction, MS, SEC};
use std::boxed::Box;
use std::string::{String, ToString};
use std::vec::Vec;
use std::{format, vec};

/// A fixed run to measure.
pub struct Workload {
    /// Short name for the table.
    pub name: &'static str,
    /// What it is, in a few words.
    pub what: &'static str,
    /// Virtual time to simulate.
    pub virtual_time: u64,
    build: fn(u64) -> Result<Box<dyn Lab>, String>,
}

impl Workload {
    /// A fresh run of this workload.
    pub fn build(&self, seed: u64) -> Result<Box<dyn Lab>, String> {
        (self.build)(seed)
    }
}

fn settings(pairs: &[(&str, f64)]) -> Vec<(String, Value)> {
    pairs.iter().map(|(k, v)| (k.to_string(), Value::Num(*v))).collect()
}

/// Client requests to Raft node `i % servers` every `every` µs until `until`.
pub fn raft_requests(servers: u32, every: u64, until: u64) -> Vec<TimedAction> {
    let mut out = Vec::new();
    let mut t = SEC; // let a leader get elected first
    let mut i = 0u64;
    while t < until {
        out.push(TimedAction {
            at: t,
            action: Action::Command { node: (i % servers as u64) as u32, name: "request".into(), arg: format!("k{}={}", i % 16, i) },
        });
        t += every;
        i += 1;
    }
    out
}

fn ping5(seed: u64) -> Result<Box<dyn Lab>, String> {
    let m = ping::Ping { nodes: 5, ..ping::Ping::default() };
    Ok(Box::new(Sim::new(m, seed, vec![])))
}

/// Raft, 5 servers, a client request every 10 ms (100 requests per virtual second).
pub fn raft5(seed: u64) -> Result<Box<dyn Lab>, String> {
    raft_with(5, seed, 60 * SEC)
}

/// Raft with `servers` servers under the steady load, for `until` of virtual time.
pub fn raft_with(servers: u32, seed: u64, until: u64) -> Result<Box<dyn Lab>, String> {
    raft_load(servers, seed, 10 * MS, until)
}

/// Raft with `servers` servers and a client request every `every` µs until `until`.
pub fn raft_load(servers: u32, seed: u64, every: u64, until: u64) -> Result<Box<dyn Lab>, String> {
    new_lab("raft", &settings(&[("servers", servers as f64)]), seed, raft_requests(servers, every, until))
}

/// Multi-Paxos, 5 nodes (each proposer, acceptor and learner), a client request every 10 ms
/// through a rotating node (forwarded to the leader), the same script as `raft-5`.
pub fn paxos5(seed: u64) -> Result<Box<dyn Lab>, String> {
    new_lab("paxos", &[], seed, raft_requests(5, 10 * MS, 60 * SEC))
}

/// Multi-Paxos with `nodes` nodes under the steady load, for `until` of virtual time.
pub fn paxos_with(nodes: u32, seed: u64, until: u64) -> Result<Box<dyn Lab>, String> {
    let n = nodes as f64;
    new_lab("paxos", &settings(&[("acceptors", n), ("proposers", n.min(5.0))]), seed, raft_requests(nodes, 10 * MS, until))
}

/// PBFT, f = 1 (4 replicas), 3 clients under steady load (a new request 5–10 ms after each
/// reply), checkpoints every 4 requests.
pub fn pbft4(seed: u64) -> Result<Box<dyn Lab>, String> {
    new_lab("pbft", &settings(&[("clients", 3.0), ("think_ms", 10.0)]), seed, vec![])
}

/// PBFT, f = 3 (10 replicas), 3 clients under steady load.
pub fn pbft10(seed: u64) -> Result<Box<dyn Lab>, String> {
    new_lab("pbft", &settings(&[("f", 3.0), ("clients", 3.0), ("think_ms", 10.0)]), seed, vec![])
}

/// Load balancing, 100 servers at high load (about 90% utilisation).
pub fn balance100(seed: u64) -> Result<Box<dyn Lab>, String> {
    new_lab("balance", &settings(&[("servers", 100.0), ("rate", 10_000.0)]), seed, vec![])
}

/// Sharding, 32 shards, 100,000 keys, R = 2, 5,000 ops/s (the frame-time case).
pub fn sharding32(seed: u64) -> Result<Box<dyn Lab>, String> {
    new_lab("sharding", &settings(&[("shards", 32.0), ("keys", 100_000.0), ("replicas", 2.0), ("vnodes", 50.0), ("rate", 5_000.0)]), seed, vec![])
}

/// Keys routed per second (owners of each key, R = 2) by each sharding strategy over 32 shards.
pub fn route_keys(now_ms: fn() -> f64) -> Vec<(&'static str, f64)> {
    use distlab_core::models::sharding::{Strategy, Table, STRATEGY_NAMES};
    let members: Vec<u32> = (10..42).collect();
    let mut out = Vec::new();
    for name in STRATEGY_NAMES {
        let s = Strategy::from_name(name).expect("known");
        let t = Table::build(1, s, members.clone(), vec![1; members.len()], 2, 100, Vec::new(), 1_000_000, false);
        let n: u32 = 200_000;
        let start = now_ms();
        let mut sink = 0u64;
        for k in 0..n {
            sink = sink.wrapping_add(t.owners(k.wrapping_mul(2_654_435_761)).ids[0] as u64);
        }
        let ms = (now_ms() - start).max(1e-3);
        assert!(sink > 0);
        out.push((*name, n as f64 / ms * 1_000.0));
    }
    out
}

/// Proof of work, 4 miners mining statistically (10 s blocks, payments, retargets) for 30 min.
pub fn pow4(seed: u64) -> Result<Box<dyn Lab>, String> {
    let mut s = settings(&[("miners", 4.0), ("tx_per_min", 30.0)]);
    s.push(("mode".to_string(), Value::Text("statistical".into())));
    new_lab("pow", &s, seed, vec![])
}

/// Proof of work, 4 miners hashing real headers (2,000 H/s each) for 2 minutes.
pub fn pow4_real(seed: u64) -> Result<Box<dyn Lab>, String> {
    new_lab("pow", &settings(&[("miners", 4.0)]), seed, vec![])
}

/// Header hashes per second: double SHA-256 of an 80-byte header reusing the midstate of its
/// first 64 bytes, four nonces at a time (how the pow lab mines), and with a plain
/// `sha256d` of all 80 bytes for comparison. Hashes `n` nonces each way; returns (midstate H/s, plain H/s).
pub fn header_hashes(n: u32, now_ms: fn() -> f64) -> (f64, f64) {
    use distlab_core::models::pow::bitcoin::{sha256d, Header, HeaderHasher, U256};
    let header = Header { version: 1, prev: [7; 32], merkle: [9; 32], time: 1_231_006_505, bits: 0x1d00ffff, nonce: 0 };
    let mut hasher = HeaderHasher::new(&header);
    // A zero target is never met: every nonce is hashed.
    let t0 = now_ms();
    let (found, tried) = hasher.search(0, n, &U256::ZERO);
    let mid_ms = now_ms() - t0;
    assert!(found.is_none() && tried == n);
    let mut bytes = header.to_bytes();
    let t0 = now_ms();
    let mut acc = 0u8;
    for nonce in 0..n / 4 {
        bytes[76..80].copy_from_slice(&nonce.to_le_bytes());
        acc ^= sha256d(&bytes)[31];
    }
    let plain_ms = now_ms() - t0;
    // Keep the hashes observable so the loop is not optimised away.
    core::hint::black_box(acc);
    (n as f64 / (mid_ms / 1000.0), (n / 4) as f64 / (plain_ms / 1000.0))
}

/// The mining loop's answer equals plain double SHA-256's for every nonce it tries (an easy
/// target, about one nonce in sixteen): in wasm32 this checks the SIMD lanes.
pub fn header_search_agrees() -> bool {
    use distlab_core::models::pow::bitcoin::{sha256d, Header, HeaderHasher, U256};
    let header = Header { version: 1, prev: [3; 32], merkle: [5; 32], time: 1_231_006_505, bits: 0x207fffff, nonce: 0 };
    let mut hasher = HeaderHasher::new(&header);
    let target = U256::MAX.shr(4);
    let meets = |n: u32| {
        let mut x = header;
        x.nonce = n;
        U256::from_le_bytes(&sha256d(&x.to_bytes())) <= target
    };
    let mut start = 0;
    for _ in 0..100 {
        let (found, tried) = hasher.search(start, 1_000, &target);
        let Some(n) = found else { return false };
        if n != start + tried - 1 || !meets(n) || (start..n).any(meets) {
            return false;
        }
        start = n + 1;
    }
    true
}

/// Caching: 3 clients, one cache node, 5,000 requests/s (Zipf over 10,000 keys, W-TinyLFU).
pub fn caching1(seed: u64) -> Result<Box<dyn Lab>, String> {
    let mut s = settings(&[("caches", 1.0), ("capacity", 1_000.0), ("keys", 10_000.0), ("rate", 5_000.0), ("db_workers", 64.0), ("db_ms", 2.0), ("curve_requests", 1_000.0)]);
    s.push(("policy".to_string(), Value::Text("tinylfu".into())));
    new_lab("caching", &s, seed, vec![])
}

/// Requests per wall-clock second through one cache node: the service lab above (every
/// message, timer, invariant check and metric), as (requests, wall ms).
pub fn caching_requests(now_ms: fn() -> f64) -> Result<(f64, f64), String> {
    let mut lab = caching1(1)?;
    let t0 = now_ms();
    let mut t = 0;
    while t < 10 * SEC {
        t += 100 * MS;
        lab.run_until(t, u64::MAX);
    }
    let ms = now_ms() - t0;
    Ok((lab.query("requests").unwrap_or(0.0), ms))
}

/// Accesses per wall-clock second through one bare policy (capacity 1,000, Zipf over 10,000
/// keys): the eviction data structure alone.
pub fn policy_accesses(kind: distlab_core::models::caching::Kind, now_ms: fn() -> f64) -> f64 {
    use distlab_core::models::caching::policy::{access, AnyPolicy};
    use distlab_core::models::caching::workload::{Gen, Shape, Spec};
    let mut g = Gen::new(Spec { shape: Shape::Zipf, keys: 10_000, alpha: 0.9, scan_share: 0.0 }, None);
    let mut r = distlab_core::Rng::stream(1, 1);
    let keys: Vec<u32> = (0..500_000).map(|_| g.next(&mut r)).collect();
    let mut p = AnyPolicy::new(kind, 1_000);
    let t0 = now_ms();
    let mut hits = 0u64;
    for k in &keys {
        hits += access(&mut p, *k, &mut r) as u64;
    }
    let ms = (now_ms() - t0).max(1e-3);
    assert!(hits > 0);
    keys.len() as f64 / (ms / 1000.0)
}

/// The hit-ratio curves of 8 sizes × 9 policies (OPT included) over `requests` requests, in
/// the slices the lab runs per metric sample: (total ms, longest slice ms, slices).
pub fn curves(requests: u32, now_ms: fn() -> f64) -> (f64, f64, u32) {
    use distlab_core::models::caching::curves::CurveJob;
    use distlab_core::models::caching::invariants::CURVE_BUDGET;
    use distlab_core::models::caching::workload::{Gen, Shape, Spec};
    let spec = Spec { shape: Shape::Zipf, keys: 1_000, alpha: 0.9, scan_share: 0.0 };
    let mut job = CurveJob::new(1, Gen::new(spec, None), distlab_core::Rng::stream(1, 2), requests);
    let (mut total, mut worst, mut slices) = (0.0, 0.0f64, 0);
    loop {
        let t0 = now_ms();
        let done = job.step(CURVE_BUDGET);
        let ms = now_ms() - t0;
        total += ms;
        worst = worst.max(ms);
        slices += 1;
        if done {
            break;
        }
    }
    (total, worst, slices)
}

/// Cost of one frame's picture: `Lab::view()` (node views, messages and the model's figures,
/// which the shell builds every animation frame) in ms, p50 / p95 / max over `frames` frames,
/// after `warm` of virtual time, each frame advancing the run by `step`. The frame-time budget
/// is 16.7 ms for everything, so this part should be a small fraction of it.
pub fn view_cost(lab: &mut dyn Lab, warm: u64, step: u64, frames: usize, now_ms: fn() -> f64) -> (f64, f64, f64) {
    lab.run_until(warm, u64::MAX);
    let mut ms = Vec::with_capacity(frames);
    let mut sink = 0usize;
    for _ in 0..frames {
        let t = lab.now() + step;
        lab.run_until(t, u64::MAX);
        let t0 = now_ms();
        let v = lab.view();
        ms.push(now_ms() - t0);
        sink += v.figures.len() + v.nodes.len();
    }
    assert!(sink > 0);
    (percentile(&ms, 50.0), percentile(&ms, 95.0), percentile(&ms, 100.0))
}

/// A lab to measure, or why it could not be built.
pub type Built = Result<Box<dyn Lab>, String>;

/// The labs whose frame time the issues budget, for [`view_cost`]: (name, lab).
pub fn view_cases() -> Vec<(&'static str, Built)> {
    vec![
        ("paxos, 9 nodes, 100 req/s", paxos_with(9, 1, 40 * SEC)),
        ("sharding, 32 shards, 100k keys", sharding32(1)),
        (
            "sharding, 32 shards, 100k keys, global index",
            new_lab("sharding", &settings(&[("shards", 32.0), ("keys", 100_000.0), ("replicas", 2.0), ("vnodes", 50.0), ("rate", 5_000.0)]).into_iter().chain([("index".to_string(), Value::Text("global".into()))]).collect::<Vec<_>>(), 1, vec![]),
        ),
    ]
}

/// The `BENCH|` lines of [`view_cost`] for every case of [`view_cases`], `side` being "native"
/// or "wasm".
pub fn view_cost_lines(side: &str, now_ms: fn() -> f64) -> Vec<String> {
    let mut out = Vec::new();
    for (name, lab) in view_cases() {
        match lab {
            Ok(mut lab) => {
                let (p50, p95, max) = view_cost(lab.as_mut(), 5 * SEC, 20 * MS, 200, now_ms);
                out.push(format!("BENCH|view()+figures per frame ({side}), {name}, p95|{p95:.2}|ms|p50 {p50:.2}, max {max:.2}; 200 frames of 20 ms virtual each, after 5 s"));
            }
            Err(e) => out.push(format!("BENCH|view()+figures per frame ({side}), {name}, p95|n/a||{e}")),
        }
    }
    out
}

/// Every throughput workload, in table order.
pub fn all() -> Vec<Workload> {
    vec![
        Workload { name: "kernel/ping-5", what: "kernel baseline: 5 nodes pinging (test model)", virtual_time: 600 * SEC, build: ping5 },
        Workload { name: "raft-5", what: "Raft, 5 servers, 100 client requests/s", virtual_time: 60 * SEC, build: raft5 },
        Workload { name: "balance-100", what: "balance, 100 servers, 10k req/s", virtual_time: 10 * SEC, build: balance100 },
        Workload { name: "paxos-5", what: "Multi-Paxos, 5 nodes, 100 client requests/s", virtual_time: 60 * SEC, build: paxos5 },
        Workload { name: "sharding-32", what: "sharding, 32 shards, 100k keys, R=2, 5k op/s", virtual_time: 10 * SEC, build: sharding32 },
        Workload { name: "pow-4", what: "proof of work, 4 miners, statistical, 30 payments/min each", virtual_time: 1_800 * SEC, build: pow4 },
        Workload { name: "pow-4-real", what: "proof of work, 4 miners hashing real headers (8k H/s)", virtual_time: 60 * SEC, build: pow4_real },
        Workload { name: "caching-1", what: "caching, 1 cache node, 5k req/s", virtual_time: 10 * SEC, build: caching1 },
        Workload { name: "pbft-4", what: "PBFT, f = 1 (4 replicas), 3 clients, steady load", virtual_time: 10 * SEC, build: pbft4 },
        Workload { name: "pbft-10", what: "PBFT, f = 3 (10 replicas), 3 clients, steady load", virtual_time: 10 * SEC, build: pbft10 },
    ]
}

/// One measured run.
pub struct Figures {
    /// Events processed.
    pub events: u64,
    /// Wall-clock milliseconds.
    pub wall_ms: f64,
    /// Trace hash at the end (to compare native and wasm).
    pub trace_hash: u64,
}

impl Figures {
    /// Events per wall-clock second.
    pub fn events_per_sec(&self) -> f64 {
        self.events as f64 / (self.wall_ms / 1000.0)
    }
}

/// Runs a workload once (after a short warm-up run) and times it with `now_ms`.
pub fn measure(w: &Workload, now_ms: fn() -> f64) -> Result<Figures, String> {
    let mut warm = w.build(1)?;
    warm.run_until(w.virtual_time / 20, u64::MAX);
    let mut lab = w.build(1)?;
    let t0 = now_ms();
    // Drive it like the animation loop does: in slices of virtual time.
    let slice = 100 * MS;
    let mut t = 0;
    while t < w.virtual_time {
        t = (t + slice).min(w.virtual_time);
        lab.run_until(t, u64::MAX);
    }
    let wall_ms = now_ms() - t0;
    Ok(Figures { events: lab.events(), wall_ms, trace_hash: lab.trace_hash() })
}

/// Jump times over a long run: mean and max in ms, for backward and forward jumps.
pub struct Seeks {
    /// Virtual time of the run.
    pub run_time: u64,
    /// Events in the run.
    pub events: u64,
    /// Wall-clock ms to simulate the run in the first place.
    pub run_ms: f64,
    /// Every jump: (target, ms, backwards?).
    pub jumps: Vec<(u64, f64, bool)>,
}

/// Runs `lab` for `run_time`, then jumps to up to `n` pseudo-random moments in sequence (as a
/// user scrubbing the time slider would), timing each `seek_time`; stops early once the jumps
/// have taken `budget_ms` in total.
pub fn seeks(mut lab: Box<dyn Lab>, run_time: u64, n: u32, budget_ms: f64, now_ms: fn() -> f64) -> Seeks {
    let t0 = now_ms();
    lab.run_until(run_time, u64::MAX);
    let run_ms = now_ms() - t0;
    let events = lab.events();
    let mut rng = distlab_core::Rng::stream(42, 7);
    let mut jumps = Vec::new();
    let mut spent = 0.0;
    for _ in 0..n {
        if spent > budget_ms {
            break;
        }
        let target = rng.range(0, run_time);
        let back = target < lab.now();
        let t0 = now_ms();
        lab.seek_time(target);
        let ms = now_ms() - t0;
        spent += ms;
        jumps.push((target, ms, back));
    }
    Seeks { run_time, events, run_ms, jumps }
}

/// (count, mean, max) of the jump times matching `pick`.
pub fn stats(jumps: &[(u64, f64, bool)], pick: impl Fn(bool) -> bool) -> (usize, f64, f64) {
    let xs: Vec<f64> = jumps.iter().filter(|j| pick(j.2)).map(|j| j.1).collect();
    if xs.is_empty() {
        return (0, 0.0, 0.0);
    }
    let mean = xs.iter().sum::<f64>() / xs.len() as f64;
    let max = xs.iter().cloned().fold(0.0, f64::max);
    (xs.len(), mean, max)
}

/// Raft, 5 servers, the steady client load at 100 requests a second (the `load_rps` setting),
/// the workload of the history issue.
pub fn raft_loaded(seed: u64) -> Result<Box<dyn Lab>, String> {
    new_lab("raft", &settings(&[("servers", 5.0), ("load_rps", 100.0)]), seed, vec![])
}

/// Figures of one long loaded run.
pub struct LongRun {
    /// Virtual time simulated, µs.
    pub run_time: u64,
    /// Events in the run.
    pub events: u64,
    /// Wall-clock ms to simulate it.
    pub run_ms: f64,
    /// Heap bytes in use after 60 virtual seconds, and at the end.
    pub memory_60s: usize,
    /// Heap bytes in use at the end.
    pub memory_end: usize,
    /// The history's own accounting at the end: bytes, snapshots.
    pub history: (usize, usize),
    /// Every seek: wall ms.
    pub seeks: Vec<f64>,
}

impl LongRun {
    /// Virtual seconds per wall-clock second.
    pub fn speed(&self) -> f64 {
        (self.run_time as f64 / SEC as f64) / (self.run_ms / 1000.0)
    }
}

/// The `p`-th percentile (0..=100) of `xs`, nearest rank.
pub fn percentile(xs: &[f64], p: f64) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    let mut v = xs.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let rank = ((p / 100.0) * v.len() as f64).ceil().max(1.0) as usize;
    v[rank.min(v.len()) - 1]
}

/// Runs [`raft_loaded`] for `run_time` in 100 ms slices (as the page does), reading the heap
/// size with `memory` after 60 s and at the end, then times `jumps` random `seek_time`s.
pub fn long_run(run_time: u64, jumps: u32, now_ms: fn() -> f64, memory: fn() -> usize) -> Result<LongRun, String> {
    let mut lab = raft_loaded(1)?;
    let slice = 100 * MS;
    let mut t = 0;
    let mut memory_60s = 0;
    let t0 = now_ms();
    while t < run_time {
        t = (t + slice).min(run_time);
        lab.run_until(t, u64::MAX);
        if t == 60 * SEC {
            memory_60s = memory();
        }
    }
    let run_ms = now_ms() - t0;
    let memory_end = memory();
    let history = lab.history_size();
    let events = lab.events();
    let mut rng = distlab_core::Rng::stream(42, 7);
    let mut seeks = Vec::new();
    for _ in 0..jumps {
        let target = rng.range(0, run_time);
        let t0 = now_ms();
        lab.seek_time(target);
        seeks.push(now_ms() - t0);
    }
    Ok(LongRun { run_time, events, run_ms, memory_60s, memory_end, history, seeks })
}

/// The `BENCH|` lines for a long run, `side` being "native" or "wasm".
pub fn long_run_lines(side: &str, r: &LongRun) -> Vec<String> {
    let mb = |b: usize| b as f64 / (1 << 20) as f64;
    let hours = r.run_time as f64 / (3_600 * SEC) as f64;
    vec![
        format!("BENCH|loaded raft virtual s per wall s ({side})|{:.0}|x|5 servers, 100 req/s, {:.2} h of virtual time, {} events", r.speed(), hours, r.events),
        format!("BENCH|loaded raft memory after 60 s ({side})|{:.1}|MB|heap in use", mb(r.memory_60s)),
        format!("BENCH|loaded raft memory after 1 h ({side})|{:.1}|MB|heap in use; history {:.1} MB in {} snapshots by its own accounting", mb(r.memory_end), mb(r.history.0), r.history.1),
        format!("BENCH|seek in 1 h run ({side}), p50|{:.2}|ms|{} random jumps", percentile(&r.seeks, 50.0), r.seeks.len()),
        format!("BENCH|seek in 1 h run ({side}), p95|{:.2}|ms|", percentile(&r.seeks, 95.0)),
        format!("BENCH|seek in 1 h run ({side}), max|{:.2}|ms|", percentile(&r.seeks, 100.0)),
    ]
}

/// What [`explore_raft3`] measured.
pub struct CheckRun {
    /// States generated (successors computed and checked, new or not) per wall second.
    pub rate: f64,
    /// States generated.
    pub generated: u64,
    /// Distinct states (by fingerprint).
    pub distinct: u64,
    /// Distinct states per wall second.
    pub distinct_rate: f64,
    /// States waiting in the frontier at the end.
    pub frontier: u64,
    /// The start state's `World::snapshot_bytes`.
    pub state_bytes: u64,
    /// The search's bookkeeping (visited table, trail, frontier slots) per distinct state.
    pub bookkeeping_per_state: f64,
    /// Heap in use at the end minus at the start, per distinct state (0 if `heap` gives 0).
    pub heap_per_state: f64,
    /// The start state's fingerprint (the same natively and in wasm32).
    pub root: u64,
}

/// The model checker on 3-server Raft, breadth-first (the benchmark) over `steps`
/// steps. A step is a state generated: a successor computed (the kernel runs the handler),
/// checked (the model's invariants) and fingerprinted, new or not, as TLC counts "states
/// generated"; distinct states are counted apart. `heap` gives the bytes in use (natively the
/// bench's counting allocator), for the memory a stored state costs.
pub fn explore_raft3(steps: u64, now_ms: fn() -> f64, heap: fn() -> usize) -> CheckRun {
    use distlab_core::explore::{fingerprint, root_world, Config, Explorer};
    use distlab_core::models::raft::Raft;
    let model = Raft { servers: 3, ..Raft::default() };
    let root = fingerprint::of_world(&root_world(model.clone(), 1), true, 0);
    let heap0 = heap();
    let mut e = Explorer::new(model, Config { depth_max: 40, states_max: steps, ..Config::default() });
    let t0 = now_ms();
    e.run(steps);
    let ms = (now_ms() - t0).max(1e-6);
    let s = e.stats();
    let held = heap().saturating_sub(heap0);
    let per = |x: f64| x / s.distinct.max(1) as f64;
    CheckRun {
        rate: s.explored as f64 / (ms / 1000.0),
        generated: s.explored,
        distinct: s.distinct,
        distinct_rate: s.distinct as f64 / (ms / 1000.0),
        frontier: s.frontier,
        state_bytes: s.state_bytes,
        bookkeeping_per_state: per(e.bookkeeping_bytes() as f64),
        heap_per_state: per(held as f64),
        root,
    }
}
