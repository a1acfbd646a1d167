//! The model's persistent maps and sets, all one tree type underneath.
//!
//! A node's block tree, its blocks by height, its mempool, every block's UTXO set and the
//! checker's sets of blocks and heights are [`Map`]s: typed views of one `PMap<Key, Val>`. Keys
//! are packed into 40 bytes that, compared as bytes, order exactly as the keys they pack (so
//! iteration orders, and with them the traces, are those of a map over the original key);
//! values are one enum. Each distinct key and value type of a persistent map is a separate
//! copy of the red-black tree's insert, rebalance and iteration code in the page (a few
//! kilobytes each): seven maps, one copy.

use super::bitcoin::Hash;
use super::chain::{Entry, OutPoint, Tx, TxOut};
use crate::persist::PMap;
use alloc::rc::Rc;
use core::fmt;
use core::marker::PhantomData;

/// A key packed into 40 bytes.
pub type Key = [u8; 40];

/// A key type of the model's maps: packs into a [`Key`] whose byte order is the key's order.
pub trait MapKey: Sized {
    /// The packed key.
    fn pack(&self) -> Key;
    /// The key back from its packed form.
    fn unpack(k: &Key) -> Self;
}

fn hash_at(k: &Key, at: usize) -> Hash {
    let mut h = [0u8; 32];
    h.copy_from_slice(&k[at..at + 32]);
    h
}

fn u64_at(k: &Key, at: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&k[at..at + 8]);
    u64::from_be_bytes(b)
}

/// A hash: its 32 bytes, then zeros.
impl MapKey for Hash {
    fn pack(&self) -> Key {
        let mut k = [0u8; 40];
        k[..32].copy_from_slice(self);
        k
    }
    fn unpack(k: &Key) -> Hash {
        hash_at(k, 0)
    }
}

/// A number: big-endian (so byte order is numeric order), then zeros.
impl MapKey for u64 {
    fn pack(&self) -> Key {
        let mut k = [0u8; 40];
        k[..8].copy_from_slice(&self.to_be_bytes());
        k
    }
    fn unpack(k: &Key) -> u64 {
        u64_at(k, 0)
    }
}

/// A height and a hash: by height, then by hash.
impl MapKey for (u64, Hash) {
    fn pack(&self) -> Key {
        let mut k = [0u8; 40];
        k[..8].copy_from_slice(&self.0.to_be_bytes());
        k[8..].copy_from_slice(&self.1);
        k
    }
    fn unpack(k: &Key) -> (u64, Hash) {
        (u64_at(k, 0), hash_at(k, 8))
    }
}

/// An output: by transaction id, then by index (big-endian), as `OutPoint`'s own order.
impl MapKey for OutPoint {
    fn pack(&self) -> Key {
        let mut k = [0u8; 40];
        k[..32].copy_from_slice(&self.txid);
        k[32..].copy_from_slice(&(self.vout as u64).to_be_bytes());
        k
    }
    fn unpack(k: &Key) -> OutPoint {
        OutPoint { txid: hash_at(k, 0), vout: u64_at(k, 32) as u32 }
    }
}

/// The value of every map.
#[derive(Clone, Debug)]
pub enum Val {
    /// A set's entry.
    Unit,
    /// An unspent output.
    Out(TxOut),
    /// A mempool transaction.
    Tx(Rc<Tx>),
    /// A block in a node's tree (shared: an entry is large and publishing copies it).
    Entry(Rc<Entry>),
}

/// A value type of the model's maps.
pub trait MapVal: Sized {
    /// Into the common value.
    fn wrap(self) -> Val;
    /// Out of the common value (`None` for another kind, which a typed map never holds).
    fn peek(v: &Val) -> Option<&Self>;
}

impl MapVal for () {
    fn wrap(self) -> Val {
        Val::Unit
    }
    fn peek(v: &Val) -> Option<&()> {
        match v {
            Val::Unit => Some(&()),
            _ => None,
        }
    }
}

impl MapVal for TxOut {
    fn wrap(self) -> Val {
        Val::Out(self)
    }
    fn peek(v: &Val) -> Option<&TxOut> {
        match v {
            Val::Out(o) => Some(o),
            _ => None,
        }
    }
}

impl MapVal for Rc<Tx> {
    fn wrap(self) -> Val {
        Val::Tx(self)
    }
    fn peek(v: &Val) -> Option<&Rc<Tx>> {
        match v {
            Val::Tx(t) => Some(t),
            _ => None,
        }
    }
}

impl MapVal for Entry {
    fn wrap(self) -> Val {
        Val::Entry(Rc::new(self))
    }
    fn peek(v: &Val) -> Option<&Entry> {
        match v {
            Val::Entry(e) => Some(e),
            _ => None,
        }
    }
}

/// A persistent ordered map from `K` to `V` (a typed view of the one tree type).
pub struct Map<K, V> {
    tree: PMap<Key, Val>,
    kv: PhantomData<fn() -> (K, V)>,
}

/// A persistent ordered set.
pub type Set<K> = Map<K, ()>;

impl<K, V> Clone for Map<K, V> {
    fn clone(&self) -> Self {
        Map { tree: self.tree.clone(), kv: PhantomData }
    }
}

impl<K, V> Default for Map<K, V> {
    fn default() -> Self {
        Map { tree: PMap::new(), kv: PhantomData }
    }
}

/// `{key: value, ...}` in key order: the content, whatever shape the tree has (the model
/// checker tells states apart by this text).
impl<K: MapKey + fmt::Debug, V: MapVal + fmt::Debug> fmt::Debug for Map<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K: MapKey, V: MapVal> Map<K, V> {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// The value at `k`.
    pub fn get(&self, k: &K) -> Option<&V> {
        self.tree.get(&k.pack()).and_then(V::peek)
    }

    /// Whether `k` has a value.
    pub fn contains_key(&self, k: &K) -> bool {
        self.tree.contains_key(&k.pack())
    }

    /// Sets the value at `k`.
    pub fn insert_mut(&mut self, k: K, v: V) {
        self.tree.insert_mut(k.pack(), v.wrap());
    }

    /// Removes `k`; whether it was there.
    pub fn remove_mut(&mut self, k: &K) -> bool {
        self.tree.remove_mut(&k.pack())
    }

    /// Number of entries.
    pub fn size(&self) -> usize {
        self.tree.size()
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.tree.is_empty()
    }

    /// Entries in key order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (K, &V)> + '_ {
        self.tree.iter().filter_map(|(k, v)| Some((K::unpack(k), V::peek(v)?)))
    }

    /// Values in key order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + '_ {
        self.tree.values().filter_map(V::peek)
    }

    /// Entries from `k` on, in key order.
    pub fn range_from(&self, k: &K) -> impl Iterator<Item = (K, &V)> + '_ {
        self.tree.range(k.pack()..).filter_map(|(k, v)| Some((K::unpack(k), V::peek(v)?)))
    }
}

impl<K: MapKey> Map<K, ()> {
    /// Adds `k` to the set.
    pub fn add(&mut self, k: K) {
        self.tree.insert_mut(k.pack(), Val::Unit);
    }

    /// Whether `k` is in the set.
    pub fn contains(&self, k: &K) -> bool {
        self.tree.contains_key(&k.pack())
    }

    /// The last key.
    pub fn last(&self) -> Option<K> {
        self.tree.last().map(|(k, _)| K::unpack(k))
    }
}
