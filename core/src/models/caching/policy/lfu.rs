//! LFU with dynamic aging (LFU-DA; Arlitt, Cherkasova, Dilley, Friedrich and Jin, "Evaluating
//! content management techniques for Web proxy caches", 2000).
//!
//! Plain LFU evicts the key with the fewest uses, which keeps yesterday's favourites forever:
//! a key used a thousand times last hour outranks every new one. LFU-DA gives each key a
//! priority `K = uses + L`, where `L`, the cache's age, is set to the priority of the last key
//! evicted. New keys start at the current age, so old counts lose their edge as the age rises,
//! without ever walking the whole cache to halve counters. Ties go to the least recently used.

use super::{item, Key, Map, Policy};
use crate::figure::NamedList;
use crate::rng::Rng;
use alloc::format;
use alloc::vec::Vec;

/// LFU with dynamic aging.
///
/// A resident's place in the order is its priority then its tick (a counter bumped on every
/// placement, so ties go to the least recently used), packed into one `u64` (32 bits each):
/// [`Map`] is the one ordered map type the policies share. Both numbers grow by at most one
/// per request, so they fit for four billion requests; before either would overflow, the
/// order is renumbered (priorities less the age, ticks from 1) without changing it.
#[derive(Clone, Debug)]
pub struct Lfu {
    cap: u32,
    /// key -> its place (priority << 32 | tick)
    entry: Map,
    /// place -> (uses << 32 | key), lowest first: the next victim is the first.
    order: Map,
    age: u64,
    clock: u64,
    last: Option<Key>,
}

const LOW: u64 = u32::MAX as u64;

impl Lfu {
    /// An empty LFU-DA cache holding up to `cap` keys.
    pub fn new(cap: u32) -> Self {
        Lfu { cap, entry: Map::new(), order: Map::new(), age: 0, clock: 0, last: None }
    }

    /// The cache's age `L` (priority of the last victim).
    pub fn age(&self) -> u64 {
        self.age
    }

    /// How many times `k` has been used since it came in, if resident.
    pub fn uses(&self, k: Key) -> Option<u32> {
        let place = self.entry.get(&(k as u64))?;
        self.order.get(place).map(|info| (info >> 32) as u32)
    }

    /// Places `k` with `uses` at priority `age + uses`, newest among its equals.
    fn place(&mut self, k: Key, uses: u32) {
        if self.age + uses as u64 > LOW || self.clock >= LOW {
            self.renumber();
        }
        self.clock += 1;
        let place = ((self.age + uses as u64) << 32) | self.clock;
        self.entry.insert(k as u64, place);
        self.order.insert(place, ((uses as u64) << 32) | k as u64);
    }

    /// The same order with priorities less the age (every resident's priority is at least the
    /// age: the age is the lowest priority ever evicted) and ticks 1, 2, ...
    fn renumber(&mut self) {
        let order = core::mem::take(&mut self.order);
        self.entry.clear();
        for (i, (place, info)) in order.to_vec().into_iter().enumerate() {
            let place = (((place >> 32) - self.age) << 32) | (i as u64 + 1);
            self.entry.insert(info & LOW, place);
            self.order.insert(place, info);
        }
        self.clock = self.order.len() as u64;
        self.age = 0;
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
        self.entry.contains_key(&(k as u64))
    }
    fn touch(&mut self, k: Key) -> bool {
        self.last = Some(k);
        let Some(place) = self.entry.get(&(k as u64)).copied() else { return false };
        let info = self.order.remove(&place).unwrap_or(0);
        self.place(k, ((info >> 32) as u32).saturating_add(1));
        true
    }
    fn insert(&mut self, k: Key, _rng: &mut Rng) -> Option<Key> {
        if self.cap == 0 {
            return Some(k);
        }
        let mut victim = None;
        if self.entry.len() as u32 >= self.cap {
            if let Some((place, info)) = self.order.pop_first() {
                self.entry.remove(&(info & LOW));
                self.age = place >> 32;
                victim = Some(info as Key);
            }
        }
        self.place(k, 1);
        victim
    }
    fn remove(&mut self, k: Key) -> bool {
        match self.entry.remove(&(k as u64)) {
            Some(place) => {
                self.order.remove(&place);
                true
            }
            None => false,
        }
    }
    fn lists(&self, max: usize) -> Vec<NamedList> {
        // Highest priority first; the last item shown is the next victim when all fit.
        let mut items = Vec::new();
        for (place, info) in self.order.last_n(max) {
            let (k, uses, prio) = (info as Key, info >> 32, place >> 32);
            items.push(item(k, Some(format!("{uses}×·K{prio}")), false, self.last == Some(k)));
        }
        alloc::vec![NamedList { name: format!("by priority K = uses + age (age L = {})", self.age), items, hand: None, capacity: Some(self.cap), total: Some(self.len()) }]
    }
}
