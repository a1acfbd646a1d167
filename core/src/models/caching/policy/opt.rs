//! Belady's OPT (MIN; Belady, "A study of replacement algorithms for a virtual-storage
//! computer", IBM Systems Journal 1966): evict the key whose next use lies furthest in the
//! future. It needs the future, so it only runs offline on a known trace, where it is the
//! bound no real policy can beat: no policy has fewer misses on any trace with the same space.

use super::Key;
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec;
use alloc::vec::Vec;

/// "Never used again".
pub const NEVER: u64 = u64::MAX;

/// For each position of `trace`, the position of the next request for the same key, or
/// [`NEVER`]. One backward pass.
pub fn next_uses(trace: &[Key]) -> Vec<u64> {
    let mut next = vec![NEVER; trace.len()];
    let mut seen: BTreeMap<Key, u64> = BTreeMap::new();
    for i in (0..trace.len()).rev() {
        if let Some(&j) = seen.get(&trace[i]) {
            next[i] = j;
        }
        seen.insert(trace[i], i as u64);
    }
    next
}

/// OPT fed one request at a time with the position of that key's next use.
#[derive(Clone, Debug, Default)]
pub struct Opt {
    cap: u32,
    next_of: BTreeMap<Key, u64>,
    by_next: BTreeSet<(u64, Key)>,
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
        if let Some(old) = self.next_of.insert(k, next) {
            self.by_next.remove(&(old, k));
            self.by_next.insert((next, k));
            return (true, None);
        }
        if self.cap == 0 {
            self.next_of.remove(&k);
            return (false, Some(k));
        }
        // Demand paging: the newcomer is always kept; the key needed furthest ahead leaves.
        let mut victim = None;
        if self.next_of.len() as u32 > self.cap {
            if let Some((n, v)) = self.by_next.pop_last() {
                self.next_of.remove(&v);
                victim = Some(v);
                let _ = n;
            }
        }
        self.by_next.insert((next, k));
        (false, victim)
    }
}

/// Misses of OPT with `cap` keys on `trace`.
pub fn opt_misses(trace: &[Key], cap: u32) -> u64 {
    let next = next_uses(trace);
    let mut opt = Opt::new(cap);
    trace.iter().zip(&next).filter(|(k, n)| !opt.access(**k, **n).0).count() as u64
}
