//! ARC, the adaptive replacement cache (Megiddo and Modha, "ARC: A Self-Tuning, Low Overhead
//! Replacement Cache", FAST 2003).
//!
//! Four LRU lists: T1 holds keys seen once recently, T2 keys seen at least twice; B1 and B2
//! remember (as ghosts, without data) the keys recently evicted from T1 and T2. |T1| + |T2| ≤ c
//! and the four together at most 2c. A target `p` for T1's size moves with the workload: a
//! miss that hits the ghost list B1 says "T1 was too small", so p grows; a hit in B2 says the
//! frequency side was too small, so p shrinks. Scans fill T1 and are evicted from there, while
//! T2 keeps the keys that came back: ARC tracks recency and frequency at once and adapts
//! between them, with no parameter to tune.
//!
//! The cases below are the paper's Figure 4, split into a hit (`touch`) and the insertion
//! after a miss (`insert`); `REPLACE` only runs when the cache is full, because this cache's
//! keys can also be invalidated (the paper's cache is always full once warm).

use super::lru::Order;
use super::{Key, Policy};
use crate::figure::NamedList;
use crate::rng::Rng;
use alloc::format;
use alloc::vec::Vec;

/// Adaptive replacement cache.
#[derive(Clone, Debug)]
pub struct Arc {
    c: u32,
    p: u32,
    t1: Order,
    t2: Order,
    b1: Order,
    b2: Order,
    last: Option<Key>,
}

impl Arc {
    /// An empty ARC of `c` keys.
    pub fn new(c: u32) -> Self {
        Arc { c, p: 0, t1: Order::default(), t2: Order::default(), b1: Order::default(), b2: Order::default(), last: None }
    }

    /// The target size of T1.
    pub fn target(&self) -> u32 {
        self.p
    }

    /// Sizes of T1, T2, B1, B2.
    pub fn sizes(&self) -> [u32; 4] {
        [self.t1.len(), self.t2.len(), self.b1.len(), self.b2.len()]
    }

    /// The paper's REPLACE(x, p): evicts T1's or T2's LRU key into its ghost list.
    fn replace(&mut self, in_b2: bool) -> Option<Key> {
        let t1 = self.t1.len();
        if t1 >= 1 && (t1 > self.p || (in_b2 && t1 == self.p)) {
            let v = self.t1.pop_oldest()?;
            self.b1.push_newest(v);
            Some(v)
        } else if let Some(v) = self.t2.pop_oldest() {
            self.b2.push_newest(v);
            Some(v)
        } else {
            let v = self.t1.pop_oldest()?;
            self.b1.push_newest(v);
            Some(v)
        }
    }

    fn full(&self) -> bool {
        self.t1.len() + self.t2.len() >= self.c
    }
}

impl Policy for Arc {
    fn capacity(&self) -> u32 {
        self.c
    }
    fn len(&self) -> u32 {
        self.t1.len() + self.t2.len()
    }
    fn contains(&self, k: Key) -> bool {
        self.t1.contains(k) || self.t2.contains(k)
    }
    fn touch(&mut self, k: Key) -> bool {
        // Case I: a hit in T1 or T2 moves the key to T2's MRU end.
        self.last = Some(k);
        if self.t1.remove(k) || self.t2.contains(k) {
            self.t2.push_newest(k);
            true
        } else {
            false
        }
    }
    fn insert(&mut self, k: Key, _rng: &mut Rng) -> Option<Key> {
        if self.c == 0 {
            return Some(k);
        }
        let (b1, b2) = (self.b1.len().max(1), self.b2.len().max(1));
        if self.b1.contains(k) {
            // Case II: recency would have helped: grow T1's target.
            self.p = (self.p + (b2 / b1).max(1)).min(self.c);
            let v = if self.full() { self.replace(false) } else { None };
            self.b1.remove(k);
            self.t2.push_newest(k);
            return v;
        }
        if self.b2.contains(k) {
            // Case III: frequency would have helped: shrink T1's target.
            self.p = self.p.saturating_sub((b1 / b2).max(1));
            let v = if self.full() { self.replace(true) } else { None };
            self.b2.remove(k);
            self.t2.push_newest(k);
            return v;
        }
        // Case IV: a key in none of the lists.
        let mut victim = None;
        let l1 = self.t1.len() + self.b1.len();
        let total = l1 + self.t2.len() + self.b2.len();
        if l1 >= self.c {
            if self.t1.len() < self.c {
                self.b1.pop_oldest();
                if self.full() {
                    victim = self.replace(false);
                }
            } else {
                victim = self.t1.pop_oldest();
            }
        } else if total >= self.c {
            if total >= 2 * self.c {
                self.b2.pop_oldest();
            }
            if self.full() {
                victim = self.replace(false);
            }
        }
        self.t1.push_newest(k);
        victim
    }
    fn remove(&mut self, k: Key) -> bool {
        let was = self.t1.remove(k) || self.t2.remove(k);
        self.b1.remove(k);
        self.b2.remove(k);
        was
    }
    fn lists(&self, max: usize) -> Vec<NamedList> {
        alloc::vec![
            self.t1.list(format!("T1 recent, seen once (target size p = {})", self.p), None, max, false, self.last, None),
            self.t2.list(format!("T2 frequent, seen twice or more (T1 + T2 ≤ {})", self.c), None, max, false, self.last, None),
            self.b1.list("B1 ghosts evicted from T1".into(), None, max, true, self.last, None),
            self.b2.list("B2 ghosts evicted from T2".into(), None, max, true, self.last, None),
        ]
    }
}
