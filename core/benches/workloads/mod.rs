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

/// Load balancing, 100 servers at high load (about 90% utilisation).
pub fn balance100(seed: u64) -> Result<Box<dyn Lab>, String> {
    new_lab("balance", &settings(&[("servers", 100.0), ("rate", 10_000.0)]), seed, vec![])
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

/// Every throughput workload, in table order.
pub fn all() -> Vec<Workload> {
    vec![
        Workload { name: "kernel/ping-5", what: "kernel baseline: 5 nodes pinging (test model)", virtual_time: 600 * SEC, build: ping5 },
        Workload { name: "raft-5", what: "Raft, 5 servers, 100 client requests/s", virtual_time: 60 * SEC, build: raft5 },
        Workload { name: "balance-100", what: "balance, 100 servers, 10k req/s", virtual_time: 10 * SEC, build: balance100 },
        Workload { name: "caching-1", what: "caching, 1 cache node, 5k req/s", virtual_time: 10 * SEC, build: caching1 },
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
