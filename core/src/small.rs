//! [`SmallMap`]: a map kept as a sorted vector, for the small bounded tables models keep per
//! node (one entry per client, per replica, per request in flight, per checkpoint in the
//! window).
//!
//! Why not a `BTreeMap`: each `BTreeMap<K, V>` a model names is a separate copy of the B-tree's
//! insert, remove, rebalancing and clone code in the page (several kilobytes each), which buys
//! nothing on a handful of entries. A `SmallMap` is a `Vec` plus a binary search: a few hundred
//! bytes per key and value type, and cloning it (every time-travel snapshot does) is one copy.
//! Lookups are O(log n) and inserts and removals O(n), so keep it to maps that stay small or
//! bounded by a setting; state that grows with the length of a run belongs in
//! [`crate::persist`] (`PMap`, `PVec`), which snapshots share instead of copy.
//!
//! Prefer integer keys (`u32`, `u64`, [`crate::NodeId`]): maps whose keys and values have the
//! same types share their code.

use alloc::vec::Vec;

/// A map over a sorted vector; iteration is in key order, like a `BTreeMap`, and its `Debug`
/// text is a `BTreeMap`'s (`{k: v, ...}`), so swapping one for the other changes no output.
#[derive(PartialEq, Eq)]
pub struct SmallMap<K, V>(Vec<(K, V)>);

impl<K: Clone, V: Clone> Clone for SmallMap<K, V> {
    fn clone(&self) -> Self {
        SmallMap(self.0.clone())
    }
    /// Reuses this map's vector.
    fn clone_from(&mut self, src: &Self) {
        self.0.clone_from(&src.0);
    }
}

impl<K: core::fmt::Debug, V: core::fmt::Debug> core::fmt::Debug for SmallMap<K, V> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_map().entries(self.0.iter().map(|(k, v)| (k, v))).finish()
    }
}

impl<K: Ord, V> core::ops::Index<&K> for SmallMap<K, V> {
    type Output = V;
    /// The value at `k`; panics if there is none (as a `BTreeMap` does; for tests).
    fn index(&self, k: &K) -> &V {
        self.get(k).expect("no entry for the key")
    }
}

impl<K, V> IntoIterator for SmallMap<K, V> {
    type Item = (K, V);
    type IntoIter = alloc::vec::IntoIter<(K, V)>;
    /// (key, value) pairs in key order.
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a, K, V> IntoIterator for &'a SmallMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = core::iter::Map<core::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;
    /// (key, value) pairs in key order.
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

/// The words a `BTreeMap` with the same entries feeds a hasher (its length, then each key
/// and value in key order), so swapping one for the other keeps every fingerprint.
impl<K: core::hash::Hash, V: core::hash::Hash> core::hash::Hash for SmallMap<K, V> {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        state.write_usize(self.0.len());
        for (k, v) in &self.0 {
            k.hash(state);
            v.hash(state);
        }
    }
}

impl<K, V> Default for SmallMap<K, V> {
    fn default() -> Self {
        SmallMap(Vec::new())
    }
}

impl<K: Ord, V> SmallMap<K, V> {
    /// An empty map.
    pub fn new() -> Self {
        SmallMap(Vec::new())
    }

    fn find(&self, k: &K) -> Result<usize, usize> {
        self.0.binary_search_by(|(x, _)| x.cmp(k))
    }

    /// The value at `k` (or at a key that borrows as `k`, as with a `BTreeMap`: a `&str` for
    /// string-like keys).
    pub fn get<Q: Ord + ?Sized>(&self, k: &Q) -> Option<&V>
    where
        K: core::borrow::Borrow<Q>,
    {
        self.0.binary_search_by(|(x, _)| x.borrow().cmp(k)).ok().map(|i| &self.0[i].1)
    }

    /// The value at `k`, to change it.
    pub fn get_mut(&mut self, k: &K) -> Option<&mut V> {
        self.find(k).ok().map(|i| &mut self.0[i].1)
    }

    /// Sets the value at `k`; returns the value it replaces, if any.
    pub fn insert(&mut self, k: K, v: V) -> Option<V> {
        match self.find(&k) {
            Ok(i) => Some(core::mem::replace(&mut self.0[i].1, v)),
            Err(i) => {
                self.0.insert(i, (k, v));
                None
            }
        }
    }

    /// (key, value) pairs with keys in `range`, in key order.
    pub fn range(&self, range: impl core::ops::RangeBounds<K>) -> impl DoubleEndedIterator<Item = (&K, &V)> {
        use core::ops::Bound;
        let lo = match range.start_bound() {
            Bound::Included(k) => self.0.partition_point(|(x, _)| x < k),
            Bound::Excluded(k) => self.0.partition_point(|(x, _)| x <= k),
            Bound::Unbounded => 0,
        };
        let hi = match range.end_bound() {
            Bound::Included(k) => self.0.partition_point(|(x, _)| x <= k),
            Bound::Excluded(k) => self.0.partition_point(|(x, _)| x < k),
            Bound::Unbounded => self.0.len(),
        };
        self.0[lo..hi.max(lo)].iter().map(|(k, v)| (k, v))
    }

    /// The value at `k`, inserting `v` first if there is none.
    pub fn get_or_insert(&mut self, k: K, v: V) -> &mut V {
        let i = match self.find(&k) {
            Ok(i) => i,
            Err(i) => {
                self.0.insert(i, (k, v));
                i
            }
        };
        &mut self.0[i].1
    }

    /// The entry with the smallest key.
    pub fn first_key_value(&self) -> Option<(&K, &V)> {
        self.0.first().map(|(k, v)| (k, v))
    }

    /// The entry with the largest key.
    pub fn last_key_value(&self) -> Option<(&K, &V)> {
        self.0.last().map(|(k, v)| (k, v))
    }

    /// Removes and returns the value at `k`.
    pub fn remove(&mut self, k: &K) -> Option<V> {
        self.find(k).ok().map(|i| self.0.remove(i).1)
    }

    /// Whether `k` has a value.
    pub fn contains_key(&self, k: &K) -> bool {
        self.find(k).is_ok()
    }

    /// Entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// (key, value) pairs in key order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&K, &V)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    /// Keys in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> {
        self.0.iter().map(|(k, _)| k)
    }

    /// Values in key order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> {
        self.0.iter().map(|(_, v)| v)
    }

    /// Values in key order, to change them.
    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut V> {
        self.0.iter_mut().map(|(_, v)| v)
    }

    /// Keeps the entries `f` accepts.
    pub fn retain(&mut self, mut f: impl FnMut(&K, &mut V) -> bool) {
        self.0.retain_mut(|(k, v)| f(k, v));
    }

    /// The entries, in key order.
    pub(crate) fn as_slice(&self) -> &[(K, V)] {
        &self.0
    }

    /// The entries, in key order, to change their values (not their keys: that would break
    /// the order).
    pub(crate) fn as_mut_slice(&mut self) -> &mut [(K, V)] {
        &mut self.0
    }

    /// Removes and returns the entry at position `i` in key order.
    pub(crate) fn remove_at(&mut self, i: usize) -> (K, V) {
        self.0.remove(i)
    }
}

/// A set over a sorted vector ([`SmallMap`] with no values); `Debug` prints like a `BTreeSet`.
#[derive(Clone, PartialEq, Eq)]
pub struct SmallSet<K>(SmallMap<K, ()>);

/// The words a `BTreeSet` with the same members feeds a hasher (its length, then each member
/// in order).
impl<K: core::hash::Hash> core::hash::Hash for SmallSet<K> {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        state.write_usize(self.0 .0.len());
        for (k, _) in &self.0 .0 {
            k.hash(state);
        }
    }
}

impl<K> Default for SmallSet<K> {
    fn default() -> Self {
        SmallSet(SmallMap::default())
    }
}

impl<K: core::fmt::Debug> core::fmt::Debug for SmallSet<K> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_set().entries(self.0 .0.iter().map(|(k, _)| k)).finish()
    }
}

impl<K: Ord> SmallSet<K> {
    /// An empty set.
    pub fn new() -> Self {
        SmallSet(SmallMap::new())
    }

    /// Adds `k`; false if it was there already.
    pub fn insert(&mut self, k: K) -> bool {
        self.0.insert(k, ()).is_none()
    }

    /// Removes `k`; false if it was not there.
    pub fn remove(&mut self, k: &K) -> bool {
        self.0.remove(k).is_some()
    }

    /// Whether `k` is in the set.
    pub fn contains(&self, k: &K) -> bool {
        self.0.contains_key(k)
    }

    /// Members.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Removes every member.
    pub fn clear(&mut self) {
        self.0.clear()
    }

    /// Members in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &K> {
        self.0.keys()
    }

    /// Members in `range`, in order.
    pub fn range(&self, range: impl core::ops::RangeBounds<K>) -> impl DoubleEndedIterator<Item = &K> {
        self.0.range(range).map(|(k, _)| k)
    }
}

/// A map from `u64` keys handed out in increasing order (message ids), for the messages in
/// flight: a queue of (key, value) slots sorted by key. Inserting a key above every other is a
/// push; removing marks the slot empty, and empty slots leave from the front (messages mostly
/// arrive in the order they were sent) or, if too many pile up behind an old one, in one sweep.
/// Lookups are a binary search. Iteration is in key order, like the `BTreeMap` it replaces,
/// whose code was copied into the page once per model's message type; this one is a few
/// hundred bytes per type.
///
/// Each value sits behind an `Rc`, shared by the map's copies: copying the messages in flight of
/// a world (a time-travel snapshot, a successor state in the model checker) copies pointers,
/// and removing a value another copy still holds clones that one value.
pub struct SeqMap<V> {
    slots: alloc::collections::VecDeque<(u64, Option<alloc::rc::Rc<V>>)>,
    live: usize,
}

impl<V> Clone for SeqMap<V> {
    fn clone(&self) -> Self {
        self.clone_with_room(0)
    }
}

impl<V> Default for SeqMap<V> {
    fn default() -> Self {
        SeqMap { slots: alloc::collections::VecDeque::new(), live: 0 }
    }
}

impl<V: core::fmt::Debug> core::fmt::Debug for SeqMap<V> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<V> core::ops::Index<&u64> for SeqMap<V> {
    type Output = V;
    /// The value at `k`; panics if there is none (as a `BTreeMap` does).
    fn index(&self, k: &u64) -> &V {
        self.get(k).expect("no entry for the key")
    }
}

impl<V> SeqMap<V> {
    /// An empty map.
    pub fn new() -> Self {
        SeqMap::default()
    }

    fn find(&self, k: u64) -> Result<usize, usize> {
        self.slots.binary_search_by(|(x, _)| x.cmp(&k))
    }

    /// Sets the value at `k` (a push when `k` is above every key); returns the value it
    /// replaces, if any.
    pub fn insert(&mut self, k: u64, v: V) -> Option<V>
    where
        V: Clone,
    {
        let v = alloc::rc::Rc::new(v);
        if self.slots.back().is_none_or(|b| b.0 < k) {
            self.slots.push_back((k, Some(v)));
            self.live += 1;
            return None;
        }
        match self.find(k) {
            Ok(i) => {
                let old = self.slots[i].1.replace(v);
                if old.is_none() {
                    self.live += 1;
                }
                old.map(alloc::rc::Rc::unwrap_or_clone)
            }
            Err(i) => {
                self.slots.insert(i, (k, Some(v)));
                self.live += 1;
                None
            }
        }
    }

    /// The value at `k`.
    pub fn get(&self, k: &u64) -> Option<&V> {
        self.find(*k).ok().and_then(|i| self.slots[i].1.as_deref())
    }

    /// Whether `k` has a value.
    pub fn contains_key(&self, k: &u64) -> bool {
        self.get(k).is_some()
    }

    /// Removes and returns the value at `k`.
    pub fn remove(&mut self, k: &u64) -> Option<V>
    where
        V: Clone,
    {
        let i = self.find(*k).ok()?;
        let v = self.slots[i].1.take()?;
        self.live -= 1;
        while self.slots.front().is_some_and(|s| s.1.is_none()) {
            self.slots.pop_front();
        }
        if self.slots.len() > 2 * self.live + 64 {
            self.slots.retain(|s| s.1.is_some());
        }
        Some(alloc::rc::Rc::unwrap_or_clone(v))
    }

    /// A copy without the empty slots, with room for `extra` more entries before it grows (a
    /// world copied to take one more step sends a message or two).
    pub fn clone_with_room(&self, extra: usize) -> Self {
        let mut slots = alloc::collections::VecDeque::with_capacity(self.live + extra);
        slots.extend(self.slots.iter().filter(|s| s.1.is_some()).cloned());
        SeqMap { slots, live: self.live }
    }

    /// [`SeqMap::clone_with_room`] into this map's buffer.
    pub fn clone_from_with_room(&mut self, src: &Self, extra: usize) {
        self.slots.clear();
        self.slots.reserve(src.live + extra);
        self.slots.extend(src.slots.iter().filter(|s| s.1.is_some()).cloned());
        self.live = src.live;
    }

    /// Entries.
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// (key, value) pairs in key order (an exact-size iterator).
    pub fn iter(&self) -> SeqIter<'_, V> {
        SeqIter { slots: self.slots.iter(), left: self.live }
    }

    /// Values in key order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.iter().map(|(_, v)| v)
    }
}

/// The iterator of [`SeqMap::iter`].
pub struct SeqIter<'a, V> {
    slots: alloc::collections::vec_deque::Iter<'a, (u64, Option<alloc::rc::Rc<V>>)>,
    left: usize,
}

impl<'a, V> Iterator for SeqIter<'a, V> {
    type Item = (&'a u64, &'a V);
    fn next(&mut self) -> Option<Self::Item> {
        for (k, v) in self.slots.by_ref() {
            if let Some(v) = v {
                self.left -= 1;
                return Some((k, &**v));
            }
        }
        None
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<V> ExactSizeIterator for SeqIter<'_, V> {}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::{BTreeMap, BTreeSet};
    use alloc::format;

    /// Swapping a `BTreeMap` or `BTreeSet` for these keeps every model checker fingerprint.
    #[test]
    fn hashes_like_a_btree_map_and_set() {
        use core::hash::Hash;
        let hash = |x: &dyn Fn(&mut crate::explore::fingerprint::Hasher)| {
            let mut h = crate::explore::fingerprint::Hasher::default();
            x(&mut h);
            h.finish()
        };
        for n in [0u32, 1, 2, 7, 40] {
            let entries: Vec<(u32, u64)> = (0..n).map(|i| (i * 7 % 41, u64::from(i) << 33 | 5)).collect();
            let (mut m, mut b) = (SmallMap::new(), BTreeMap::new());
            let (mut s, mut t) = (SmallSet::new(), BTreeSet::new());
            for &(k, v) in entries.iter().rev() {
                m.insert(k, v);
                b.insert(k, v);
                s.insert(k);
                t.insert(k);
            }
            assert_eq!(hash(&|h| m.hash(h)), hash(&|h| b.hash(h)), "map of {n}");
            assert_eq!(hash(&|h| s.hash(h)), hash(&|h| t.hash(h)), "set of {n}");
            // And unlike a map with one value changed.
            if let Some(&(k, v)) = entries.first() {
                m.insert(k, v + 1);
                assert_ne!(hash(&|h| m.hash(h)), hash(&|h| b.hash(h)));
            }
        }
    }

    #[test]
    fn behaves_like_a_btree_map() {
        let mut m = SmallMap::new();
        let mut b = BTreeMap::new();
        let mut x = 7u32;
        for i in 0..400u32 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let k = (x >> 8) % 64;
            if i % 3 == 0 {
                assert_eq!(m.remove(&k), b.remove(&k));
            } else {
                assert_eq!(m.insert(k, i), b.insert(k, i));
            }
            assert_eq!(m.len(), b.len());
            assert_eq!(m.get(&k), b.get(&k));
        }
        assert!(m.iter().eq(b.iter()));
        assert!(m.range(10..20).eq(b.range(10..20)));
        assert!(m.range(10..=20).eq(b.range(10..=20)));
        assert!(m.range(..5).eq(b.range(..5)));
        assert!(m.range(60..).eq(b.range(60..)));
        assert_eq!(format!("{m:?}"), format!("{b:?}"));
        m.retain(|k, _| k % 2 == 0);
        b.retain(|k, _| k % 2 == 0);
        assert!(m.iter().eq(b.iter()));
    }

    #[test]
    fn seq_map_behaves_like_a_btree_map() {
        let mut m = SeqMap::new();
        let mut b = BTreeMap::new();
        let mut x = 3u64;
        let mut next = 0u64;
        for i in 0..3000u32 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            if (x >> 60) < 7 {
                // Mostly fresh keys, sometimes an old one again.
                let k = if (x >> 33) % 10 == 0 { next / 2 } else { next };
                next += 1;
                assert_eq!(m.insert(k, i), b.insert(k, i));
            } else {
                // Remove mostly old keys, sometimes a recent one, sometimes a missing one.
                let k = match (x >> 40) % 4 {
                    0 => next.saturating_sub(1),
                    1 => next + 5,
                    _ => b.keys().next().copied().unwrap_or(0) + (x >> 20) % 3,
                };
                assert_eq!(m.remove(&k), b.remove(&k));
            }
            assert_eq!(m.len(), b.len());
            assert_eq!(m.iter().size_hint(), (b.len(), Some(b.len())));
        }
        assert!(m.iter().eq(b.iter()));
        assert_eq!(format!("{m:?}"), format!("{b:?}"));
        // An old entry kept while many newer ones come and go does not keep them all.
        let mut m = SeqMap::new();
        m.insert(0, 0u32);
        for k in 1..10_000u64 {
            m.insert(k, 1);
            m.remove(&k);
        }
        assert_eq!(m.len(), 1);
        assert!(m.slots.len() < 200, "{} slots", m.slots.len());
    }

    #[test]
    fn set_behaves_like_a_btree_set() {
        let mut s = SmallSet::new();
        let mut b = BTreeSet::new();
        for k in [5u64, 3, 9, 3, 1, 9, 7] {
            assert_eq!(s.insert(k), b.insert(k));
        }
        assert_eq!(s.remove(&9), b.remove(&9));
        assert_eq!(s.remove(&9), b.remove(&9));
        assert!(s.iter().eq(b.iter()));
        assert!(s.range(2..=5).eq(b.range(2..=5)));
        assert_eq!(format!("{s:?}"), format!("{b:?}"));
        assert!(s.contains(&7) && !s.contains(&9));
    }
}
