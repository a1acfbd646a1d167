//! W-TinyLFU (Einziger, Friedman and Manes, "TinyLFU: A Highly Efficient Cache Admission
//! Policy", ACM TOS 2017; the policy of Caffeine).
//!
//! A small LRU *window* (1 % of the space) takes every new key, so a burst of new keys still
//! gets hits. The key pushed out of the window is a *candidate* for the main space, a segmented
//! LRU; it is admitted only if a frequency sketch says it has been asked for more often than
//! the main space's own victim. The sketch is a count-min sketch of 4-bit counters over the
//! recent past: every access increments it, and after `10 × capacity` increments every counter
//! is halved, so the history fades (the paper's "reset"). Popular keys are kept, one-hit
//! wonders never displace them, and the memory for the history is a few bits per key.

use super::lru::Order;
use super::{Key, Policy};
use crate::figure::NamedList;
use crate::rng::Rng;
use alloc::format;
use alloc::vec;
use alloc::vec::Vec;

const ROWS: usize = 4;
const SEEDS: [u64; ROWS] = [0x9E37_79B9_7F4A_7C15, 0xC2B2_AE3D_27D4_EB4F, 0x1656_67B1_9E37_79F9, 0x85EB_CA77_C2B2_AE63];

/// A count-min sketch of 4-bit counters with periodic halving.
#[derive(Clone, Debug)]
pub struct Sketch {
    rows: Vec<u8>,
    width: u32,
    additions: u32,
    sample: u32,
}

impl Sketch {
    /// A sketch for a cache of `cap` keys.
    pub fn new(cap: u32) -> Self {
        let width = (cap.max(8)).next_power_of_two().min(1 << 20);
        Sketch { rows: vec![0; ROWS * width as usize], width, additions: 0, sample: cap.max(1).saturating_mul(10) }
    }

    fn index(&self, k: Key, row: usize) -> usize {
        let h = (k as u64 ^ SEEDS[row]).wrapping_mul(SEEDS[(row + 1) % ROWS]);
        row * self.width as usize + ((h >> 32) as u32 & (self.width - 1)) as usize
    }

    /// Estimated recent accesses of `k` (0..=15).
    pub fn estimate(&self, k: Key) -> u8 {
        (0..ROWS).map(|r| self.rows[self.index(k, r)]).min().unwrap_or(0)
    }

    /// Counts one access of `k`; halves everything every `sample` additions.
    pub fn increment(&mut self, k: Key) {
        for r in 0..ROWS {
            let i = self.index(k, r);
            if self.rows[i] < 15 {
                self.rows[i] += 1;
            }
        }
        self.additions += 1;
        if self.additions >= self.sample {
            for c in self.rows.iter_mut() {
                *c >>= 1;
            }
            self.additions /= 2;
        }
    }
}

/// Window TinyLFU.
#[derive(Clone, Debug)]
pub struct TinyLfu {
    cap: u32,
    window_cap: u32,
    protected_cap: u32,
    window: Order,
    probation: Order,
    protected: Order,
    sketch: Sketch,
    last: Option<Key>,
    /// Candidates refused admission so far.
    pub rejected: u64,
}

impl TinyLfu {
    /// An empty W-TinyLFU of `cap` keys: a 1 % window (at least one key) and an SLRU main space.
    pub fn new(cap: u32) -> Self {
        let window_cap = (cap / 100).max(1).min(cap);
        let main = cap - window_cap;
        TinyLfu {
            cap,
            window_cap,
            protected_cap: main * 4 / 5,
            window: Order::default(),
            probation: Order::default(),
            protected: Order::default(),
            sketch: Sketch::new(cap),
            last: None,
            rejected: 0,
        }
    }

    fn main_len(&self) -> u32 {
        self.probation.len() + self.protected.len()
    }
}

impl Policy for TinyLfu {
    fn capacity(&self) -> u32 {
        self.cap
    }
    fn len(&self) -> u32 {
        self.window.len() + self.main_len()
    }
    fn contains(&self, k: Key) -> bool {
        self.window.contains(k) || self.probation.contains(k) || self.protected.contains(k)
    }
    fn touch(&mut self, k: Key) -> bool {
        self.last = Some(k);
        self.sketch.increment(k);
        if self.window.contains(k) {
            self.window.push_newest(k);
        } else if self.protected.contains(k) {
            self.protected.push_newest(k);
        } else if self.probation.remove(k) {
            self.protected.push_newest(k);
            if self.protected.len() > self.protected_cap {
                if let Some(d) = self.protected.pop_oldest() {
                    self.probation.push_newest(d);
                }
            }
        } else {
            return false;
        }
        true
    }
    fn insert(&mut self, k: Key, _rng: &mut Rng) -> Option<Key> {
        if self.cap == 0 {
            return Some(k);
        }
        self.window.push_newest(k);
        if self.window.len() <= self.window_cap {
            return None;
        }
        let candidate = self.window.pop_oldest()?;
        let main_cap = self.cap - self.window_cap;
        if self.main_len() < main_cap {
            self.probation.push_newest(candidate);
            return None;
        }
        let victim = self.probation.oldest().or_else(|| self.protected.oldest());
        let Some(victim) = victim else { return Some(candidate) };
        if self.sketch.estimate(candidate) > self.sketch.estimate(victim) {
            if !self.probation.remove(victim) {
                self.protected.remove(victim);
            }
            self.probation.push_newest(candidate);
            Some(victim)
        } else {
            self.rejected += 1;
            Some(candidate)
        }
    }
    fn remove(&mut self, k: Key) -> bool {
        self.window.remove(k) || self.probation.remove(k) || self.protected.remove(k)
    }
    fn lists(&self, max: usize) -> Vec<NamedList> {
        let badge = |k: Key| format!("~{}", self.sketch.estimate(k));
        let list = |o: &Order, name: alloc::string::String, cap: u32| o.list(name, Some(cap), max, false, self.last, Some(&badge));
        vec![
            list(&self.window, "window (every new key enters here)".into(), self.window_cap),
            list(&self.protected, "main: protected".into(), self.protected_cap),
            list(&self.probation, format!("main: probation (admission refused {} times)", self.rejected), self.cap - self.window_cap - self.protected_cap),
        ]
    }
}
