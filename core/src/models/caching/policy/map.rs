//! [`Map`]: the one ordered `u64` → `u64` map the policies, the curves, OPT and the database's
//! per-key counts are built from.
//!
//! A sorted vector cut into chunks of at most [`CHUNK`] entries: a lookup is a binary search
//! over the chunks' first keys, then one inside a chunk; an insert or a removal moves at most
//! a chunk's entries (and, once per [`CHUNK`] / 2 of them at most, the short list of chunks),
//! and a chunk that grows too long is split in two. On the tens of thousands of keys the
//! hit-ratio curves hold that is about as fast as a B-tree, for a fraction of its code:
//! `BTreeMap<u64, u64>` was about 8 KB of the page (insert, removal with its rebalancing,
//! clone, iteration) for this model alone. Cloning one (every time-travel snapshot of a cache
//! does) copies a few flat vectors.
//!
//! It behaves as a `BTreeMap<u64, u64>` does for everything the model calls (the unit tests
//! drive both side by side), and its `Debug` text is a `BTreeMap`'s.

use alloc::vec::Vec;

/// Most entries a chunk holds before it is split in two.
pub const CHUNK: usize = 128;

/// An ordered map from `u64` to `u64` (see the module docs).
#[derive(Default, PartialEq, Eq)]
pub struct Map {
    /// Sorted runs, none empty, each one's keys above the previous one's.
    chunks: Vec<Vec<(u64, u64)>>,
    len: usize,
}

/// One copy of the clone code, called by every policy's clone (not inlined into each).
impl Clone for Map {
    #[inline(never)]
    fn clone(&self) -> Self {
        Map { chunks: self.chunks.clone(), len: self.len }
    }
}

impl core::fmt::Debug for Map {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_map().entries(self.to_vec()).finish()
    }
}

impl Map {
    /// An empty map.
    pub fn new() -> Self {
        Map::default()
    }

    /// The chunk `k` belongs in (the last whose first key is at most `k`, or the first), and
    /// where in it: `Ok` if present, `Err` the place to insert it.
    #[inline(never)]
    fn find(&self, k: u64) -> (usize, Result<usize, usize>) {
        let c = self.chunks.partition_point(|ch| ch[0].0 <= k).saturating_sub(1);
        match self.chunks.get(c) {
            Some(ch) => (c, ch.binary_search_by(|e| e.0.cmp(&k))),
            None => (0, Err(0)),
        }
    }

    /// Entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.chunks.clear();
        self.len = 0;
    }

    /// The value at `k`.
    pub fn get(&self, k: &u64) -> Option<&u64> {
        match self.find(*k) {
            (c, Ok(i)) => Some(&self.chunks[c][i].1),
            _ => None,
        }
    }

    /// The value at `k`, to change it.
    pub fn get_mut(&mut self, k: &u64) -> Option<&mut u64> {
        match self.find(*k) {
            (c, Ok(i)) => Some(&mut self.chunks[c][i].1),
            _ => None,
        }
    }

    /// Whether `k` has a value.
    pub fn contains_key(&self, k: &u64) -> bool {
        self.find(*k).1.is_ok()
    }

    /// Sets the value at `k`; returns the value it replaces, if any.
    #[inline(never)]
    pub fn insert(&mut self, k: u64, v: u64) -> Option<u64> {
        let (c, at) = self.find(k);
        let i = match at {
            Ok(i) => return Some(core::mem::replace(&mut self.chunks[c][i].1, v)),
            Err(i) => i,
        };
        self.len += 1;
        let Some(ch) = self.chunks.get_mut(c) else {
            self.chunks.push(alloc::vec![(k, v)]);
            return None;
        };
        ch.insert(i, (k, v));
        if ch.len() > CHUNK {
            let tail = ch.split_off(CHUNK / 2);
            self.chunks.insert(c + 1, tail);
        }
        None
    }

    /// Removes entry `i` of chunk `c` (dropping the chunk if it empties).
    #[inline(never)]
    fn take(&mut self, c: usize, i: usize) -> (u64, u64) {
        let e = self.chunks[c].remove(i);
        if self.chunks[c].is_empty() {
            self.chunks.remove(c);
        }
        self.len -= 1;
        e
    }

    /// Removes and returns the value at `k`.
    pub fn remove(&mut self, k: &u64) -> Option<u64> {
        match self.find(*k) {
            (c, Ok(i)) => Some(self.take(c, i).1),
            _ => None,
        }
    }

    /// Removes and returns the entry with the smallest key.
    pub fn pop_first(&mut self) -> Option<(u64, u64)> {
        if self.len == 0 {
            return None;
        }
        Some(self.take(0, 0))
    }

    /// Removes and returns the entry with the largest key.
    pub fn pop_last(&mut self) -> Option<(u64, u64)> {
        let c = self.chunks.len().checked_sub(1)?;
        let i = self.chunks[c].len() - 1;
        Some(self.take(c, i))
    }

    /// The entry with the smallest key.
    pub fn first_key_value(&self) -> Option<(&u64, &u64)> {
        self.chunks.first().map(|ch| (&ch[0].0, &ch[0].1))
    }

    /// (key, value) pairs in key order.
    pub fn to_vec(&self) -> Vec<(u64, u64)> {
        self.chunks.concat()
    }

    /// The last `n` (key, value) pairs, largest key first (what a figure shows of an order).
    /// A loop, not an iterator chain: each adapter type is more code in the page.
    pub fn last_n(&self, n: usize) -> Vec<(u64, u64)> {
        let mut out = Vec::new();
        for ch in self.chunks.iter().rev() {
            for e in ch.iter().rev() {
                if out.len() == n {
                    return out;
                }
                out.push(*e);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::BTreeMap;
    use alloc::format;

    #[test]
    fn behaves_like_a_btree_map() {
        let mut m = Map::new();
        let mut b: BTreeMap<u64, u64> = BTreeMap::new();
        let mut x = 11u64;
        for i in 0..60_000u64 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            // Keys from a small range so that removals hit, with runs of increasing keys (as
            // the ticks of an LRU order are).
            let k = if (x >> 62) == 0 { 5_000 + i } else { (x >> 33) % 3_000 };
            match (x >> 20) % 8 {
                0 | 1 => assert_eq!(m.remove(&k), b.remove(&k)),
                2 => assert_eq!(m.pop_first(), b.pop_first()),
                3 if i % 5 == 0 => assert_eq!(m.pop_last(), b.pop_last()),
                4 => {
                    if let Some(v) = m.get_mut(&k) {
                        *v += 1;
                    }
                    if let Some(v) = b.get_mut(&k) {
                        *v += 1;
                    }
                }
                _ => assert_eq!(m.insert(k, i), b.insert(k, i)),
            }
            assert_eq!(m.len(), b.len());
            assert_eq!(m.get(&k), b.get(&k));
            assert_eq!(m.contains_key(&k), b.contains_key(&k));
            assert_eq!(m.first_key_value(), b.first_key_value());
            if i % 997 == 0 {
                assert!(m.to_vec().into_iter().eq(b.iter().map(|(k, v)| (*k, *v))));
                assert!(m.last_n(40).into_iter().eq(b.iter().rev().take(40).map(|(k, v)| (*k, *v))));
                assert!(m.chunks.iter().all(|c| !c.is_empty() && c.len() <= CHUNK));
            }
        }
        assert!(m.last_n(usize::MAX).into_iter().eq(b.iter().rev().map(|(k, v)| (*k, *v))));
        assert_eq!(format!("{m:?}"), format!("{b:?}"));
        while let Some(e) = b.pop_last() {
            assert_eq!(m.pop_last(), Some(e));
        }
        assert_eq!(m.pop_last(), None);
        assert_eq!(m.pop_first(), None);
        assert!(m.is_empty());
        m.insert(3, 4);
        m.clear();
        assert!(m.is_empty() && m.to_vec().is_empty());
    }
}
