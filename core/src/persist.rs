//! Persistent collections: the way every model stores state that grows.
//!
//! Time travel keeps a snapshot of the world every few hundred events, and a snapshot is a
//! clone. A log in a plain `Vec` costs its whole length at every snapshot, so a long run costs
//! the square of its length and a loaded hour of Raft runs the tab out of memory. The
//! collections here share structure between clones: a clone is a few reference-count bumps,
//! and a change after a clone copies only the path to what changed. Snapshots then cost what
//! changed between them, not what exists.
//!
//! - [`PVec`]: an append-mostly vector (logs, chains, histories). A 32-way trie of leaves with
//!   a tail buffer, after Clojure's persistent vector: `push` and `get` are O(1) in practice
//!   (the trie is at most five levels deep below 33 M entries), `truncate` and `set` copy one
//!   path, `drop_front` forgets a compacted prefix and frees its leaves.
//! - [`PMap`]: an ordered map (`rpds`' red-black tree with reference-counted nodes): `insert`,
//!   `remove` and `get` are O(log n), a clone is O(1).
//!
//! **Rule for models.** Anything that grows with the length of a run (a log, a block tree, the
//! ghost's record of every commit, cache contents over a large key space) lives in one of these,
//! never in a `Vec` or a `BTreeMap` that the snapshot clones. Small, bounded state (a node's
//! role, a map of peers' progress) stays in ordinary collections: cloning it is cheap.
//!
//! Both are `no_std` + `alloc` and single-threaded (`Rc`): worlds never cross threads (a Web
//! Worker gets its own world).

use alloc::rc::Rc;
use alloc::vec::Vec;
use core::fmt;
use core::ops::{Bound, RangeBounds};

/// A persistent ordered map: clones share structure (see the module notes).
///
/// Use the `_mut` methods (`insert_mut`, `remove_mut`) to change a map in place; they copy only
/// the path to the changed node when it is shared with a snapshot.
pub type PMap<K, V> = rpds::RedBlackTreeMap<K, V>;

/// A persistent ordered set: clones share structure.
pub type PSet<K> = rpds::RedBlackTreeSet<K>;

/// What a [`PVec`] of pointer-sized elements costs a clone once either side changes: its tail
/// and one copied path of the trie (for a model's [`snapshot_bytes`](crate::Model::snapshot_bytes)).
pub const PVEC_PATH_BYTES: usize = 3 * WIDTH * core::mem::size_of::<usize>();

const BITS: u32 = 5;
const WIDTH: usize = 1 << BITS;
const MASK: usize = WIDTH - 1;

#[derive(Clone)]
enum Node<T> {
    /// Children; a child of a node at level `L` covers `1 << L` elements.
    Branch(Vec<Rc<Node<T>>>),
    /// Exactly `WIDTH` elements (a leaf before the front may be emptied to free it).
    Leaf(Vec<T>),
}

/// A persistent, append-mostly vector: clones share structure (see the module notes).
///
/// Indexes are logical: after `drop_front(k)`, index 0 is what used to be index `k`.
pub struct PVec<T> {
    /// Physical length: elements ever kept, including the dropped front.
    len: usize,
    /// Physical index of logical index 0.
    front: usize,
    /// Level of the root: its children are indexed by `(i >> shift) & MASK`.
    shift: u32,
    /// Full leaves for physical indexes `0..tail_offset()`.
    root: Rc<Node<T>>,
    /// The last, partly filled leaf: physical indexes `tail_offset()..len`.
    tail: Rc<Vec<T>>,
}

impl<T> Clone for PVec<T> {
    fn clone(&self) -> Self {
        PVec { len: self.len, front: self.front, shift: self.shift, root: Rc::clone(&self.root), tail: Rc::clone(&self.tail) }
    }
}

impl<T> Default for PVec<T> {
    fn default() -> Self {
        PVec::new()
    }
}

impl<T> PVec<T> {
    /// An empty vector.
    pub fn new() -> Self {
        PVec { len: 0, front: 0, shift: BITS, root: Rc::new(Node::Branch(Vec::new())), tail: Rc::new(Vec::new()) }
    }

    /// Number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        self.len - self.front
    }

    /// Whether there are no elements.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == self.front
    }

    #[inline]
    fn tail_offset(&self) -> usize {
        self.len - self.tail.len()
    }

    /// The leaf (or tail) holding physical index `p`, and the physical index of its first element.
    fn chunk(&self, p: usize) -> (&[T], usize) {
        let tail_offset = self.tail_offset();
        if p >= tail_offset {
            return (&self.tail, tail_offset);
        }
        let mut node = &*self.root;
        let mut level = self.shift;
        loop {
            match node {
                Node::Branch(children) => {
                    node = &children[(p >> level) & MASK];
                    level -= BITS;
                }
                Node::Leaf(items) => return (items, p & !MASK),
            }
        }
    }

    /// The element at `index`, if there is one.
    #[inline]
    pub fn get(&self, index: usize) -> Option<&T> {
        if index >= self.len() {
            return None;
        }
        let p = self.front + index;
        let (chunk, start) = self.chunk(p);
        chunk.get(p - start)
    }

    /// The first element.
    pub fn first(&self) -> Option<&T> {
        self.get(0)
    }

    /// The last element.
    #[inline]
    pub fn last(&self) -> Option<&T> {
        if self.is_empty() {
            None
        } else {
            self.tail.last().or_else(|| self.get(self.len() - 1))
        }
    }

    /// The elements in order.
    pub fn iter(&self) -> Iter<'_, T> {
        self.range(..)
    }

    /// The elements whose indexes fall in `range` (clamped to the vector).
    pub fn range(&self, range: impl RangeBounds<usize>) -> Iter<'_, T> {
        let n = self.len();
        let start = match range.start_bound() {
            Bound::Included(&a) => a,
            Bound::Excluded(&a) => a.saturating_add(1),
            Bound::Unbounded => 0,
        }
        .min(n);
        let end = match range.end_bound() {
            Bound::Included(&b) => b.saturating_add(1),
            Bound::Excluded(&b) => b,
            Bound::Unbounded => n,
        }
        .clamp(start, n);
        Iter { vec: self, pos: self.front + start, end: self.front + end, chunk: &[], chunk_start: 0 }
    }

    /// Heap bytes of the elements, not counting what they point to: a size estimate for
    /// history accounting (shared or not).
    pub fn element_bytes(&self) -> usize {
        self.len() * core::mem::size_of::<T>()
    }
}

impl<T: Clone> PVec<T> {
    /// Appends an element.
    pub fn push(&mut self, value: T) {
        if self.tail.len() == WIDTH {
            let at = self.tail_offset();
            let leaf = core::mem::replace(Rc::make_mut(&mut self.tail), Vec::with_capacity(WIDTH));
            self.push_leaf(at, leaf);
        }
        Rc::make_mut(&mut self.tail).push(value);
        self.len += 1;
    }

    /// Moves a full leaf into the trie; it covers physical indexes `at..at + WIDTH`.
    fn push_leaf(&mut self, at: usize, leaf: Vec<T>) {
        debug_assert_eq!(leaf.len(), WIDTH);
        let leaf = Rc::new(Node::Leaf(leaf));
        if at >> BITS >= 1 << self.shift {
            // The root is full: grow a level.
            let old = core::mem::replace(&mut self.root, Rc::new(Node::Branch(Vec::new())));
            let path = Self::path(self.shift, leaf);
            self.root = Rc::new(Node::Branch(alloc::vec![old, path]));
            self.shift += BITS;
            return;
        }
        let mut node = Rc::make_mut(&mut self.root);
        let mut level = self.shift;
        loop {
            let Node::Branch(children) = node else { unreachable!("a leaf above level 0") };
            let i = (at >> level) & MASK;
            if i == children.len() {
                children.push(Self::path(level - BITS, leaf));
                return;
            }
            node = Rc::make_mut(&mut children[i]);
            level -= BITS;
        }
    }

    /// A chain of branches from level `level` down to `leaf`.
    fn path(level: u32, leaf: Rc<Node<T>>) -> Rc<Node<T>> {
        let mut node = leaf;
        let mut l = 0;
        while l < level {
            node = Rc::new(Node::Branch(alloc::vec![node]));
            l += BITS;
        }
        node
    }

    /// Replaces the element at `index`; returns false if there is none.
    pub fn set(&mut self, index: usize, value: T) -> bool {
        match self.get_mut(index) {
            Some(slot) => {
                *slot = value;
                true
            }
            None => false,
        }
    }

    /// The element at `index`, to change in place (copies its path if shared).
    pub fn get_mut(&mut self, index: usize) -> Option<&mut T> {
        if index >= self.len() {
            return None;
        }
        let p = self.front + index;
        let tail_offset = self.tail_offset();
        if p >= tail_offset {
            return Rc::make_mut(&mut self.tail).get_mut(p - tail_offset);
        }
        let mut node = Rc::make_mut(&mut self.root);
        let mut level = self.shift;
        loop {
            match node {
                Node::Branch(children) => {
                    node = Rc::make_mut(&mut children[(p >> level) & MASK]);
                    level -= BITS;
                }
                Node::Leaf(items) => return items.get_mut(p & MASK),
            }
        }
    }

    /// Removes and returns the last element.
    pub fn pop(&mut self) -> Option<T> {
        let last = self.last()?.clone();
        self.truncate(self.len() - 1);
        Some(last)
    }

    /// Keeps the first `len` elements.
    pub fn truncate(&mut self, len: usize) {
        if len >= self.len() {
            return;
        }
        if len == 0 {
            self.clear();
            return;
        }
        let new_len = self.front + len;
        let tail_offset = self.tail_offset();
        if new_len > tail_offset {
            Rc::make_mut(&mut self.tail).truncate(new_len - tail_offset);
            self.len = new_len;
            return;
        }
        // The leaf holding the new last element becomes the tail; the trie keeps what is before.
        let leaf_start = (new_len - 1) & !MASK;
        let (chunk, start) = self.chunk(leaf_start);
        debug_assert_eq!(start, leaf_start);
        let tail: Vec<T> = chunk[..new_len - leaf_start].to_vec();
        Self::prune(&mut self.root, self.shift, leaf_start);
        self.tail = Rc::new(tail);
        self.len = new_len;
    }

    /// Keeps the first `keep` elements (a multiple of `WIDTH`) under `node` at `level`.
    fn prune(node: &mut Rc<Node<T>>, level: u32, keep: usize) {
        let span = 1usize << level;
        let count = keep.div_ceil(span);
        let Node::Branch(children) = Rc::make_mut(node) else { return };
        children.truncate(count);
        if let Some(last) = children.last_mut() {
            let keep_last = keep - (count - 1) * span;
            if keep_last < span && level > BITS {
                Self::prune(last, level - BITS, keep_last);
            }
        }
    }

    /// Removes every element.
    pub fn clear(&mut self) {
        *self = PVec::new();
    }

    /// Forgets the first `n` elements (a compacted log prefix) and frees the leaves that held
    /// only them. Indexes shift down by `n`.
    pub fn drop_front(&mut self, n: usize) {
        if n == 0 {
            return;
        }
        if n >= self.len() {
            self.clear();
            return;
        }
        let old_front = self.front;
        self.front += n;
        let tail_offset = self.tail_offset();
        if self.front >= tail_offset {
            // Everything left is in the tail: start afresh from it.
            let rest: Vec<T> = self.tail[self.front - tail_offset..].to_vec();
            *self = PVec::new();
            for v in rest {
                self.push(v);
            }
            return;
        }
        let (from, upto) = (old_front & !MASK, self.front & !MASK);
        if upto > from {
            Self::free_prefix(&mut self.root, self.shift, upto);
        }
    }

    /// Empties every leaf under `node` (at `level`) that lies wholly before physical index
    /// `upto`; only called with whole leaves to free.
    fn free_prefix(node: &mut Rc<Node<T>>, level: u32, upto: usize) {
        let span = 1usize << level;
        let Node::Branch(children) = Rc::make_mut(node) else { return };
        for (i, child) in children.iter_mut().enumerate() {
            let (start, end) = (i * span, (i + 1) * span);
            if start >= upto {
                break;
            }
            let empty = match &**child {
                Node::Leaf(items) => items.is_empty(),
                Node::Branch(c) => c.is_empty(),
            };
            if empty {
                continue;
            }
            if end <= upto {
                *child = Rc::new(if level == BITS { Node::Leaf(Vec::new()) } else { Node::Branch(Vec::new()) });
            } else if level > BITS {
                Self::free_prefix(child, level - BITS, upto - start);
            }
        }
    }

    /// Appends every element of `iter`.
    pub fn extend(&mut self, iter: impl IntoIterator<Item = T>) {
        for v in iter {
            self.push(v);
        }
    }

    /// The elements, copied into a `Vec`.
    pub fn to_vec(&self) -> Vec<T> {
        self.iter().cloned().collect()
    }
}

impl<T: Clone> FromIterator<T> for PVec<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut v = PVec::new();
        v.extend(iter);
        v
    }
}

impl<T: Clone> From<Vec<T>> for PVec<T> {
    fn from(items: Vec<T>) -> Self {
        items.into_iter().collect()
    }
}

impl<T> core::ops::Index<usize> for PVec<T> {
    type Output = T;
    fn index(&self, index: usize) -> &T {
        match self.get(index) {
            Some(v) => v,
            None => panic!("index {index} out of range for a PVec of length {}", self.len()),
        }
    }
}

impl<T: PartialEq> PartialEq for PVec<T> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<T: Eq> Eq for PVec<T> {}

/// The length, then every element in order (as a slice hashes).
impl<T: core::hash::Hash> core::hash::Hash for PVec<T> {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        state.write_usize(self.len());
        for x in self.iter() {
            x.hash(state);
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for PVec<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Iterator over a [`PVec`] range, a leaf at a time.
pub struct Iter<'a, T> {
    vec: &'a PVec<T>,
    /// Next physical index.
    pos: usize,
    /// Physical end (exclusive).
    end: usize,
    chunk: &'a [T],
    chunk_start: usize,
}

impl<'a, T> Iterator for Iter<'a, T> {
    type Item = &'a T;

    #[inline]
    fn next(&mut self) -> Option<&'a T> {
        if self.pos >= self.end {
            return None;
        }
        let i = self.pos.wrapping_sub(self.chunk_start);
        if i >= self.chunk.len() {
            let (chunk, start) = self.vec.chunk(self.pos);
            self.chunk = chunk;
            self.chunk_start = start;
        }
        let item = &self.chunk[self.pos - self.chunk_start];
        self.pos += 1;
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.end - self.pos;
        (n, Some(n))
    }
}

impl<T> ExactSizeIterator for Iter<'_, T> {}

impl<'a, T> DoubleEndedIterator for Iter<'a, T> {
    fn next_back(&mut self) -> Option<&'a T> {
        if self.pos >= self.end {
            return None;
        }
        self.end -= 1;
        let (chunk, start) = self.vec.chunk(self.end);
        Some(&chunk[self.end - start])
    }
}

impl<'a, T> IntoIterator for &'a PVec<T> {
    type Item = &'a T;
    type IntoIter = Iter<'a, T>;
    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reference model: every operation on a PVec mirrored on a Vec.
    fn check(p: &PVec<u32>, v: &[u32]) {
        assert_eq!(p.len(), v.len());
        assert_eq!(p.to_vec(), v);
        for (i, x) in v.iter().enumerate() {
            assert_eq!(p.get(i), Some(x), "index {i}");
        }
        assert_eq!(p.get(v.len()), None);
        assert_eq!(p.last(), v.last());
        assert_eq!(p.iter().rev().copied().collect::<Vec<_>>(), v.iter().rev().copied().collect::<Vec<_>>());
    }

    #[test]
    fn push_get_across_levels() {
        let mut p = PVec::new();
        let mut v = Vec::new();
        for i in 0..40_000u32 {
            p.push(i);
            v.push(i);
        }
        check(&p, &v);
        assert_eq!(p.range(100..140).copied().collect::<Vec<_>>(), v[100..140]);
        assert_eq!(p.range(39_990..).count(), 10);
    }

    #[test]
    fn clones_are_independent() {
        let mut a: PVec<u32> = (0..5000).collect();
        let snapshot = a.clone();
        a.push(9);
        a.set(17, 1000);
        a.truncate(4000);
        assert_eq!(snapshot.len(), 5000);
        assert_eq!(snapshot[17], 17);
        assert_eq!(snapshot[4999], 4999);
        assert_eq!(a[17], 1000);
        assert_eq!(a.len(), 4000);
    }

    #[test]
    fn random_operations_match_a_vec() {
        // A small deterministic generator (xorshift) drives pushes, truncations, sets, front
        // drops and clones against a Vec.
        let mut s = 0x9e37_79b9_7f4a_7c15u64;
        let mut rnd = |m: u64| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s % m.max(1)
        };
        let mut p = PVec::new();
        let mut v: Vec<u32> = Vec::new();
        let mut saved: Vec<(PVec<u32>, Vec<u32>)> = Vec::new();
        for step in 0..20_000u32 {
            match rnd(100) {
                0..=69 => {
                    p.push(step);
                    v.push(step);
                }
                70..=74 => {
                    let n = rnd(v.len() as u64 + 1) as usize;
                    p.truncate(n);
                    v.truncate(n);
                }
                75..=84 if !v.is_empty() => {
                    let i = rnd(v.len() as u64) as usize;
                    p.set(i, step);
                    v[i] = step;
                }
                85..=87 => {
                    let n = rnd(v.len() as u64 / 2 + 1) as usize;
                    p.drop_front(n);
                    v.drain(..n);
                }
                88..=92 => saved.push((p.clone(), v.clone())),
                _ => {
                    if let Some(x) = p.pop() {
                        assert_eq!(Some(x), v.pop());
                    }
                }
            }
            if step % 97 == 0 {
                check(&p, &v);
            }
        }
        check(&p, &v);
        for (p, v) in &saved {
            check(p, v);
        }
    }

    #[test]
    fn drop_front_frees_leaves() {
        let mut p: PVec<u32> = (0..10_000).collect();
        p.drop_front(9_000);
        assert_eq!(p.first(), Some(&9_000));
        assert_eq!(p.len(), 1_000);
        p.push(1);
        assert_eq!(p[1_000], 1);
        // Only the leaves at or after the new front still hold elements.
        fn held(n: &Node<u32>) -> usize {
            match n {
                Node::Leaf(v) => usize::from(!v.is_empty()),
                Node::Branch(c) => c.iter().map(|c| held(c)).sum(),
            }
        }
        let kept = held(&p.root);
        assert!(kept <= 1_000 / WIDTH + 1, "{kept} leaves still held");
    }

    #[test]
    fn pmap_clones_share() {
        let mut m: PMap<u32, u32> = PMap::new();
        for i in 0..1000 {
            m.insert_mut(i, i * 2);
        }
        let snap = m.clone();
        m.insert_mut(5, 0);
        m.remove_mut(&6);
        assert_eq!(snap.get(&5), Some(&10));
        assert_eq!(snap.get(&6), Some(&12));
        assert_eq!(m.get(&5), Some(&0));
        assert_eq!(m.get(&6), None);
        assert_eq!(m.range(10..13).map(|(k, _)| *k).collect::<Vec<_>>(), [10, 11, 12]);
    }
}
