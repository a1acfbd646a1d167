//! LRU: evict the key used least recently. The order is kept as a map from a logical clock
//! (a counter bumped on every use) to the key, and back, so every operation is O(log n).
//!
//! The same ordered list, without the move on a hit, is FIFO; ARC, SLRU and W-TinyLFU are
//! built from several of them. [`Order`] is that building block.

use super::{item, Key, Map, Policy};
use crate::figure::NamedList;
use crate::rng::Rng;
use alloc::string::String;
use alloc::vec::Vec;

/// An ordered set of keys, oldest (least recently placed) first, with O(log n) operations.
#[derive(Clone, Debug, Default)]
pub struct Order {
    /// Tick to key.
    by_tick: Map,
    /// Key to tick.
    tick_of: Map,
    clock: u64,
}

impl Order {
    /// Number of keys.
    pub fn len(&self) -> u32 {
        self.tick_of.len() as u32
    }

    /// Whether the order holds no key.
    pub fn is_empty(&self) -> bool {
        self.tick_of.is_empty()
    }

    /// Whether `k` is in the order.
    pub fn contains(&self, k: Key) -> bool {
        self.tick_of.contains_key(&(k as u64))
    }

    /// Places `k` at the newest end (moving it there if present).
    pub fn push_newest(&mut self, k: Key) {
        self.remove(k);
        self.clock += 1;
        self.by_tick.insert(self.clock, k as u64);
        self.tick_of.insert(k as u64, self.clock);
    }

    /// Removes `k`; false if it was not there.
    pub fn remove(&mut self, k: Key) -> bool {
        match self.tick_of.remove(&(k as u64)) {
            Some(t) => {
                self.by_tick.remove(&t);
                true
            }
            None => false,
        }
    }

    /// Removes and returns the oldest key.
    pub fn pop_oldest(&mut self) -> Option<Key> {
        let (_, k) = self.by_tick.pop_first()?;
        self.tick_of.remove(&k);
        Some(k as Key)
    }

    /// The oldest key.
    pub fn oldest(&self) -> Option<Key> {
        self.by_tick.first_key_value().map(|(_, k)| *k as Key)
    }

    /// A figure list of at most `max` keys, newest first, each with `badge(key)` if given.
    pub fn list(&self, name: String, capacity: Option<u32>, max: usize, ghost: bool, hot: Option<Key>, badge: Option<&dyn Fn(Key) -> String>) -> NamedList {
        let mut items = Vec::new();
        for (_, k) in self.by_tick.last_n(max) {
            let k = k as Key;
            items.push(item(k, badge.map(|b| b(k)), ghost, hot == Some(k)));
        }
        NamedList { name, items, hand: None, capacity, total: Some(self.len()) }
    }
}

/// Least recently used.
#[derive(Clone, Debug)]
pub struct Lru {
    cap: u32,
    order: Order,
    last: Option<Key>,
}

impl Lru {
    /// An empty LRU cache holding up to `cap` keys.
    pub fn new(cap: u32) -> Self {
        Lru { cap, order: Order::default(), last: None }
    }
}

impl Policy for Lru {
    fn capacity(&self) -> u32 {
        self.cap
    }
    fn len(&self) -> u32 {
        self.order.len()
    }
    fn contains(&self, k: Key) -> bool {
        self.order.contains(k)
    }
    fn touch(&mut self, k: Key) -> bool {
        self.last = Some(k);
        if self.order.contains(k) {
            self.order.push_newest(k);
            true
        } else {
            false
        }
    }
    fn insert(&mut self, k: Key, _rng: &mut Rng) -> Option<Key> {
        if self.cap == 0 {
            return Some(k);
        }
        let victim = if self.order.len() >= self.cap { self.order.pop_oldest() } else { None };
        self.order.push_newest(k);
        victim
    }
    fn remove(&mut self, k: Key) -> bool {
        self.order.remove(k)
    }
    fn lists(&self, max: usize) -> Vec<NamedList> {
        alloc::vec![self.order.list("most recent first".into(), Some(self.cap), max, false, self.last, None)]
    }
}

/// First in, first out: hits change nothing; the oldest arrival leaves.
#[derive(Clone, Debug)]
pub struct Fifo {
    cap: u32,
    order: Order,
    last: Option<Key>,
}

impl Fifo {
    /// An empty FIFO cache holding up to `cap` keys.
    pub fn new(cap: u32) -> Self {
        Fifo { cap, order: Order::default(), last: None }
    }
}

impl Policy for Fifo {
    fn capacity(&self) -> u32 {
        self.cap
    }
    fn len(&self) -> u32 {
        self.order.len()
    }
    fn contains(&self, k: Key) -> bool {
        self.order.contains(k)
    }
    fn touch(&mut self, k: Key) -> bool {
        self.last = Some(k);
        self.order.contains(k)
    }
    fn insert(&mut self, k: Key, _rng: &mut Rng) -> Option<Key> {
        if self.cap == 0 {
            return Some(k);
        }
        let victim = if self.order.len() >= self.cap { self.order.pop_oldest() } else { None };
        self.order.push_newest(k);
        victim
    }
    fn remove(&mut self, k: Key) -> bool {
        self.order.remove(k)
    }
    fn lists(&self, max: usize) -> Vec<NamedList> {
        alloc::vec![self.order.list("newest arrival first".into(), Some(self.cap), max, false, self.last, None)]
    }
}
