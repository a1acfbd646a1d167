//! LFU with dynamic aging (LFU-DA; Arlitt, Cherkasova, Dilley, Friedrich and Jin, "Evaluating
//! content management techniques for Web proxy caches", 2000).
//!
//! Plain LFU evicts the key with the fewest uses, which keeps yesterday's favourites forever:
//! a key used a thousand times last hour outranks every new one. LFU-DA gives each key a
//! priority `K = uses + L`, where `L`, the cache's age, is set to the priority of the last key
//! evicted. New keys start at the current age, so old counts lose their edge as the age rises,
//! without ever walking the whole cache to halve counters. Ties go to the least recently used.

use super::{item, Key, Policy};
use crate::figure::NamedList;
use crate::rng::Rng;
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::vec::Vec;

/// LFU with dynamic aging.
#[derive(Clone, Debug)]
pub struct Lfu {
    cap: u32,
    /// key -> (priority, uses, tick)
    entry: BTreeMap<Key, (u64, u32, u64)>,
    /// (priority, tick, key), lowest first: the next victim is the first.
    order: BTreeSet<(u64, u64, Key)>,
    age: u64,
    clock: u64,
    last: Option<Key>,
}

impl Lfu {
    /// An empty LFU-DA cache holding up to `cap` keys.
    pub fn new(cap: u32) -> Self {
        Lfu { cap, entry: BTreeMap::new(), order: BTreeSet::new(), age: 0, clock: 0, last: None }
    }

    /// The cache's age `L` (priority of the last victim).
    pub fn age(&self) -> u64 {
        self.age
    }

    /// Uses counted for a resident key.
    pub fn uses(&self, k: Key) -> Option<u32> {
        self.entry.get(&k).map(|e| e.1)
    }
}

impl Policy for Lfu {
    fn capacity(&self) -> u32 {
        self.cap
    }
    fn len(&self) -> u32 {
        self.entry.len() as u32
    }
    fn contains(&self, k: Key) -> bool {
        self.entry.contains_key(&k)
    }
    fn touch(&mut self, k: Key) -> bool {
        self.last = Some(k);
        let Some(&(prio, uses, tick)) = self.entry.get(&k) else { return false };
        self.order.remove(&(prio, tick, k));
        self.clock += 1;
        let uses = uses.saturating_add(1);
        let prio = self.age + uses as u64;
        self.entry.insert(k, (prio, uses, self.clock));
        self.order.insert((prio, self.clock, k));
        true
    }
    fn insert(&mut self, k: Key, _rng: &mut Rng) -> Option<Key> {
        if self.cap == 0 {
            return Some(k);
        }
        let mut victim = None;
        if self.entry.len() as u32 >= self.cap {
            if let Some((prio, _, v)) = self.order.pop_first() {
                self.entry.remove(&v);
                self.age = prio;
                victim = Some(v);
            }
        }
        self.clock += 1;
        let prio = self.age + 1;
        self.entry.insert(k, (prio, 1, self.clock));
        self.order.insert((prio, self.clock, k));
        victim
    }
    fn remove(&mut self, k: Key) -> bool {
        match self.entry.remove(&k) {
            Some((prio, _, tick)) => {
                self.order.remove(&(prio, tick, k));
                true
            }
            None => false,
        }
    }
    fn lists(&self, max: usize) -> Vec<NamedList> {
        // Highest priority first; the last item shown is the next victim when all fit.
        let items = self
            .order
            .iter()
            .rev()
            .take(max)
            .map(|&(prio, _, k)| {
                let uses = self.entry.get(&k).map_or(0, |e| e.1);
                item(k, Some(format!("{uses}×·K{prio}")), false, self.last == Some(k))
            })
            .collect();
        alloc::vec![NamedList { name: format!("by priority K = uses + age (age L = {})", self.age), items, hand: None, capacity: Some(self.cap), total: Some(self.len()) }]
    }
}
