//! Belady's OPT (MIN; Belady, "A study of replacement algorithms for a virtual-storage
//! computer", IBM Systems Journal 1966): evict the key whose next use lies furthest in the
//! future. It needs the future, so it only runs offline on a known trace, where it is the
//! bound no real policy can beat: no policy has fewer misses on any trace with the same space.

use super::{Key, Map};
use alloc::vec;
use alloc::vec::Vec;

/// "Never used again".
pub const NEVER: u64 = u64::MAX;

/// For each position of `trace`, the position of the next request for the same key, or
/// [`NEVER`]. One backward pass.
pub fn next_uses(trace: &[Key]) -> Vec<u64> {
    let mut next = vec![NEVER; trace.len()];
    let mut seen = Map::new();
    for i in (0..trace.len()).rev() {
        if let Some(&j) = seen.get(&(trace[i] as u64)) {
            next[i] = j;
        }
        seen.insert(trace[i] as u64, i as u64);
    }
    next
}

/// OPT fed one request at a time with the position of that key's next use.
#[derive(Clone, Debug, Default)]
pub struct Opt {
    cap: u32,
    /// Key to its next use.
    next_of: Map,
    /// (next use, key) packed by [`by_next`], to the key: the last is the next victim.
    by_next: Map,
}

/// The order of OPT's residents: next use, then key, in one `u64`. Positions of a trace fit in
/// 32 bits (a trace of 2³² keys would not fit in memory); [`NEVER`] and anything as far sorts
/// last, ties broken by key, as the pair would.
fn by_next(next: u64, k: Key) -> u64 {
    (next.min(u32::MAX as u64) << 32) | k as u64
}

impl Opt {
    /// An empty OPT cache of `cap` keys.
    pub fn new(cap: u32) -> Self {
        Opt { cap, ..Opt::default() }
    }

    /// Number of keys held.
    pub fn len(&self) -> u32 {
        self.next_of.len() as u32
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.next_of.is_empty()
    }

    /// A request for `k`, whose next request comes at position `next` ([`NEVER`] if none).
    /// Returns whether it hit, and the key evicted if any.
    pub fn access(&mut self, k: Key, next: u64) -> (bool, Option<Key>) {
        if let Some(old) = self.next_of.insert(k as u64, next) {
            self.by_next.remove(&by_next(old, k));
            self.by_next.insert(by_next(next, k), k as u64);
            return (true, None);
        }
        if self.cap == 0 {
            self.next_of.remove(&(k as u64));
            return (false, Some(k));
        }
        // Demand paging: the newcomer is always kept; the key needed furthest ahead leaves.
        let mut victim = None;
        if self.next_of.len() as u32 > self.cap {
            if let Some((_, v)) = self.by_next.pop_last() {
                self.next_of.remove(&v);
                victim = Some(v as Key);
            }
        }
        self.by_next.insert(by_next(next, k), k as u64);
        (false, victim)
    }
}

/// Misses of OPT with `cap` keys on `trace`.
pub fn opt_misses(trace: &[Key], cap: u32) -> u64 {
    let next = next_uses(trace);
    let mut opt = Opt::new(cap);
    trace.iter().zip(&next).filter(|(k, n)| !opt.access(**k, **n).0).count() as u64
}
