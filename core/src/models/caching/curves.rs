//! Hit-ratio curves: hit ratio against cache size for every policy (and OPT) on one workload.
//!
//! A [`CurveJob`] simulates 8 sizes × 9 policies on the same key stream, in slices of bounded
//! work ([`CurveJob::step`]), so the lab advances it a little per metric sample and never
//! stalls a frame. It runs in three phases: draw the trace, compute each request's next use
//! (one backward pass, for OPT), then feed every request to every cache.

use super::policy::opt::{next_uses, Opt};
use super::policy::{access, AnyPolicy, Key, Kind, Policy, KINDS};
use super::workload::Gen;
use crate::rng::Rng;
use alloc::vec::Vec;

/// Sizes per curve.
pub const SIZES: usize = 8;
/// Cache sizes as per-mille of the distinct keys.
pub const SIZE_PERMILLE: [u32; SIZES] = [10, 20, 50, 100, 200, 300, 500, 800];
/// Curves: the 8 online policies, then OPT.
pub const CURVES: usize = KINDS.len() + 1;

/// The 8 cache sizes for `distinct` keys (strictly increasing, at least 1).
pub fn sizes(distinct: u32) -> [u32; SIZES] {
    let mut out = [0u32; SIZES];
    let mut prev = 0;
    for (i, pm) in SIZE_PERMILLE.iter().enumerate() {
        let s = ((distinct as u64 * *pm as u64) / 1000) as u32;
        out[i] = s.max(prev + 1);
        prev = out[i];
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Draw,
    NextUse,
    Simulate,
    Done,
}

/// An incremental computation of every policy's hit-ratio curve.
#[derive(Clone)]
pub struct CurveJob {
    /// Fingerprint of the settings it was made for.
    pub fingerprint: u64,
    gen: Gen,
    rng: Rng,
    requests: u32,
    sizes: [u32; SIZES],
    trace: Vec<Key>,
    next: Vec<u64>,
    seen: super::policy::Map,
    caches: Vec<AnyPolicy>,
    opts: Vec<Opt>,
    hits: [[u64; SIZES]; CURVES],
    /// The hits as of the last checkpoint, and the requests they cover: what the figure
    /// shows, so it changes [`CHECKPOINTS`] times while the curves fill in, not every slice.
    shown: [[u64; SIZES]; CURVES],
    shown_n: u32,
    phase: Phase,
    pos: u32,
}

/// Only the settings it was made for: the job is a pure function of them and is shared by
/// every snapshot of a run, so its progress says nothing about a state. (The model checker
/// fingerprints the ghost by its `Debug` text; printing the job's tables made every step cost
/// thousands of entries and let states differ by how far the shared job had got.)
impl core::fmt::Debug for CurveJob {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CurveJob").field("fingerprint", &self.fingerprint).finish_non_exhaustive()
    }
}

/// Times the shown curves are brought up to date while the job runs.
pub const CHECKPOINTS: u32 = 20;

impl CurveJob {
    /// A job over `requests` keys from `gen`, drawn with `rng`.
    pub fn new(fingerprint: u64, gen: Gen, rng: Rng, requests: u32) -> CurveJob {
        let sizes = sizes(gen.distinct());
        let mut caches = Vec::new();
        for k in KINDS {
            for s in sizes {
                caches.push(AnyPolicy::new(k, s));
            }
        }
        let opts = sizes.iter().map(|s| Opt::new(*s)).collect();
        CurveJob {
            fingerprint,
            gen,
            rng,
            requests,
            sizes,
            trace: Vec::with_capacity(requests as usize),
            next: Vec::new(),
            seen: super::policy::Map::new(),
            caches,
            opts,
            hits: [[0; SIZES]; CURVES],
            shown: [[0; SIZES]; CURVES],
            shown_n: 0,
            phase: Phase::Draw,
            pos: 0,
        }
    }

    /// Does at most about `budget` cache operations; returns true once everything is done.
    pub fn step(&mut self, budget: u32) -> bool {
        let mut left = budget.max(1) as i64;
        while left > 0 {
            match self.phase {
                Phase::Draw => {
                    let n = (left as u32).min(self.requests - self.trace.len() as u32);
                    for _ in 0..n {
                        let k = self.gen.next(&mut self.rng);
                        self.trace.push(k);
                    }
                    left -= n.max(1) as i64;
                    if self.trace.len() as u32 >= self.requests {
                        self.phase = Phase::NextUse;
                        self.next = alloc::vec![super::policy::opt::NEVER; self.trace.len()];
                        self.pos = self.trace.len() as u32;
                    }
                }
                Phase::NextUse => {
                    let n = (left as u32).min(self.pos);
                    for _ in 0..n {
                        self.pos -= 1;
                        let i = self.pos as usize;
                        if let Some(&j) = self.seen.get(&(self.trace[i] as u64)) {
                            self.next[i] = j;
                        }
                        self.seen.insert(self.trace[i] as u64, i as u64);
                    }
                    left -= n.max(1) as i64;
                    if self.pos == 0 {
                        self.seen.clear();
                        self.phase = Phase::Simulate;
                    }
                }
                Phase::Simulate => {
                    if self.pos as usize >= self.trace.len() {
                        self.phase = Phase::Done;
                        continue;
                    }
                    let i = self.pos as usize;
                    let k = self.trace[i];
                    for (c, cache) in self.caches.iter_mut().enumerate() {
                        if access(cache, k, &mut self.rng) {
                            self.hits[c / SIZES][c % SIZES] += 1;
                        }
                    }
                    for (s, opt) in self.opts.iter_mut().enumerate() {
                        if opt.access(k, self.next[i]).0 {
                            self.hits[CURVES - 1][s] += 1;
                        }
                    }
                    self.pos += 1;
                    left -= (CURVES * SIZES) as i64;
                    let every = (self.trace.len() as u32 / CHECKPOINTS).max(1);
                    if self.pos % every == 0 || self.pos as usize == self.trace.len() {
                        self.shown = self.hits;
                        self.shown_n = self.pos;
                    }
                }
                Phase::Done => return true,
            }
        }
        self.phase == Phase::Done
    }

    /// Whether the curves are complete.
    pub fn done(&self) -> bool {
        self.phase == Phase::Done
    }

    /// Requests simulated so far (of [`CurveJob::requests`]).
    pub fn simulated(&self) -> u32 {
        if self.phase == Phase::Simulate || self.phase == Phase::Done {
            self.pos
        } else {
            0
        }
    }

    /// Requests the shown curves cover (see [`CurveJob::shown_ratio`]).
    pub fn shown_requests(&self) -> u32 {
        self.shown_n
    }

    /// Hit ratio of curve `c` at size index `s` as of the last checkpoint (what a figure
    /// shows: it moves in [`CHECKPOINTS`] steps, not every slice).
    pub fn shown_ratio(&self, c: usize, s: usize) -> f64 {
        if self.shown_n == 0 {
            0.0
        } else {
            self.shown[c][s] as f64 / self.shown_n as f64
        }
    }

    /// Length of the trace.
    pub fn requests(&self) -> u32 {
        self.requests
    }

    /// The cache sizes.
    pub fn sizes(&self) -> [u32; SIZES] {
        self.sizes
    }

    /// Hit ratio of curve `c` (index into [`KINDS`], or `KINDS.len()` for OPT) at size index `s`.
    pub fn ratio(&self, c: usize, s: usize) -> f64 {
        let n = self.simulated();
        if n == 0 {
            0.0
        } else {
            self.hits[c][s] as f64 / n as f64
        }
    }

    /// Label of curve `c`.
    pub fn label(c: usize) -> &'static str {
        if c < KINDS.len() {
            KINDS[c].label()
        } else {
            "OPT"
        }
    }

    /// Index of a policy's curve.
    pub fn index(kind: Kind) -> usize {
        KINDS.iter().position(|k| *k == kind).unwrap_or(0)
    }

    /// Whether every curve is at or below OPT's at every size (Belady's bound), a check for
    /// the tests.
    pub fn opt_bounds_all(&self) -> bool {
        (0..SIZES).all(|s| (0..KINDS.len()).all(|c| self.hits[c][s] <= self.hits[CURVES - 1][s]))
    }

    /// The caches' total size (for the tests).
    pub fn resident(&self) -> u64 {
        self.caches.iter().map(|c| c.len() as u64).sum()
    }
}

/// OPT's misses are computed from a trace at once (for tests and the bench).
pub fn opt_curve(trace: &[Key], sizes: &[u32]) -> Vec<u64> {
    let next = next_uses(trace);
    sizes
        .iter()
        .map(|s| {
            let mut o = Opt::new(*s);
            trace.iter().zip(&next).filter(|(k, n)| o.access(**k, **n).0).count() as u64
        })
        .collect()
}
