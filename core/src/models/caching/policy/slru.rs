//! Segmented LRU (Karedla, Love and Wherry, 1994): a probationary segment for keys seen once
//! and a protected one (80 % of the space here) for keys hit again. A one-time scan only ever
//! passes through probation, so it cannot flush the keys that proved themselves.

use super::lru::Order;
use super::{Key, Policy};
use crate::figure::NamedList;
use crate::rng::Rng;
use alloc::format;
use alloc::vec::Vec;

/// Segmented LRU.
#[derive(Clone, Debug)]
pub struct Slru {
    cap: u32,
    protected_cap: u32,
    probation: Order,
    protected: Order,
    last: Option<Key>,
}

impl Slru {
    /// An empty SLRU cache of `cap` keys, 80 % of them protected.
    pub fn new(cap: u32) -> Self {
        Slru { cap, protected_cap: cap * 4 / 5, probation: Order::default(), protected: Order::default(), last: None }
    }

    /// Size of the protected segment.
    pub fn protected_capacity(&self) -> u32 {
        self.protected_cap
    }
}

impl Policy for Slru {
    fn capacity(&self) -> u32 {
        self.cap
    }
    fn len(&self) -> u32 {
        self.probation.len() + self.protected.len()
    }
    fn contains(&self, k: Key) -> bool {
        self.probation.contains(k) || self.protected.contains(k)
    }
    fn touch(&mut self, k: Key) -> bool {
        self.last = Some(k);
        if self.protected.contains(k) {
            self.protected.push_newest(k);
            true
        } else if self.probation.remove(k) {
            if self.protected_cap == 0 {
                self.probation.push_newest(k);
                return true;
            }
            self.protected.push_newest(k);
            if self.protected.len() > self.protected_cap {
                if let Some(d) = self.protected.pop_oldest() {
                    self.probation.push_newest(d);
                }
            }
            true
        } else {
            false
        }
    }
    fn insert(&mut self, k: Key, _rng: &mut Rng) -> Option<Key> {
        if self.cap == 0 {
            return Some(k);
        }
        let victim = if self.len() >= self.cap { self.probation.pop_oldest().or_else(|| self.protected.pop_oldest()) } else { None };
        self.probation.push_newest(k);
        victim
    }
    fn remove(&mut self, k: Key) -> bool {
        self.probation.remove(k) || self.protected.remove(k)
    }
    fn lists(&self, max: usize) -> Vec<NamedList> {
        alloc::vec![
            self.protected.list(format!("protected (hit twice), {} max", self.protected_cap), Some(self.protected_cap), max, false, self.last, None),
            self.probation.list("probation (seen once)".into(), Some(self.cap - self.protected_cap), max, false, self.last, None),
        ]
    }
}
