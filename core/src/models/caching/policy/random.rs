//! Random replacement: the victim is drawn uniformly from the residents with the run's seeded
//! random stream. No bookkeeping on a hit at all; on loops larger than the cache it beats LRU,
//! which always evicts exactly the key needed next.

use super::{item, Key, Map, Policy};
use crate::figure::NamedList;
use crate::rng::Rng;
use alloc::vec::Vec;

/// Random eviction.
#[derive(Clone, Debug)]
pub struct Random {
    cap: u32,
    keys: Vec<Key>,
    index: Map,
    last: Option<Key>,
}

impl Random {
    /// An empty cache holding up to `cap` keys.
    pub fn new(cap: u32) -> Self {
        Random { cap, keys: Vec::new(), index: Map::new(), last: None }
    }
}

impl Policy for Random {
    fn capacity(&self) -> u32 {
        self.cap
    }
    fn len(&self) -> u32 {
        self.keys.len() as u32
    }
    fn contains(&self, k: Key) -> bool {
        self.index.contains_key(&(k as u64))
    }
    fn touch(&mut self, k: Key) -> bool {
        self.last = Some(k);
        self.index.contains_key(&(k as u64))
    }
    fn insert(&mut self, k: Key, rng: &mut Rng) -> Option<Key> {
        if self.cap == 0 {
            return Some(k);
        }
        let mut victim = None;
        if self.keys.len() as u32 >= self.cap {
            let i = rng.below(self.keys.len() as u32);
            let v = self.keys[i as usize];
            self.remove(v);
            victim = Some(v);
        }
        self.index.insert(k as u64, self.keys.len() as u64);
        self.keys.push(k);
        victim
    }
    fn remove(&mut self, k: Key) -> bool {
        let Some(i) = self.index.remove(&(k as u64)) else { return false };
        let last = self.keys.len() - 1;
        self.keys.swap(i as usize, last);
        self.keys.pop();
        if (i as usize) < self.keys.len() {
            self.index.insert(self.keys[i as usize] as u64, i);
        }
        true
    }
    fn lists(&self, max: usize) -> Vec<NamedList> {
        let items = self.keys.iter().take(max).map(|&k| item(k, None, false, self.last == Some(k))).collect();
        alloc::vec![NamedList { name: "residents (any may be the next victim)".into(), items, hand: None, capacity: Some(self.cap), total: Some(self.len()) }]
    }
}
