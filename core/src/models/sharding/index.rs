//! Secondary indexes: find keys by an attribute, not by their id.
//!
//! Every key has a fixed attribute, its *tag* (one of [`TAGS`]; think of a customer's country):
//! [`tag`]. A query "how many keys have tag t?" cannot be routed by key, since the keys with
//! tag t live on every shard. There are two classic answers (Bigtable/Megastore and DynamoDB
//! call them local and global secondary indexes; the literature says document-partitioned and
//! term-partitioned):
//!
//! - **Local** ([`Index::Local`]): each shard indexes only its own keys (here it keeps the count
//!   of its primary keys per tag, updated in the same step as the write). A write touches one
//!   shard, as before; a query must be scattered to *every* shard and waits for the slowest.
//! - **Global** ([`Index::Global`]): the index is itself partitioned, by tag: all entries for tag
//!   t live together on the owners of one index key. A query goes to one shard; but every write
//!   is now two writes on two shards: the key itself, then its index entry (a covering entry
//!   that carries the key's version). The write is acknowledged only when both are done, so a
//!   query never misses an acknowledged write. Acknowledge after the first half only (the
//!   `index_async` mutation) and a query can miss it: the index lags the data.
//!
//! Index entries are ordinary keys in a reserved range ([`INDEX_BASE`] up): the entry for key k
//! with tag t is [`entry`]`(t, k)`. [`route`] maps every entry of tag t to one placement key, so
//! the strategy puts them all on one shard, and the handoff moves them like any other key.

use super::hash::mix64;

/// Number of distinct tags.
pub const TAGS: u32 = 8;
/// First index entry key. Entries for tag t occupy `INDEX_BASE + t·2²⁴ ..`, below the salted keys.
pub const INDEX_BASE: u32 = 0xE000_0000;
/// Keys from here on have no index entry (they do not fit in an entry's low 24 bits).
pub const INDEXABLE: u32 = 1 << 24;
const LOW: u32 = INDEXABLE - 1;

/// Which secondary index the cluster keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Index {
    /// None: no index queries.
    Off,
    /// Document-partitioned: each shard indexes its own keys; queries scatter to all shards.
    Local,
    /// Term-partitioned: one shard holds a tag's entries; writes update two shards.
    Global,
}

/// Index names, as settings spell them.
pub const INDEX_NAMES: &[&str] = &["off", "local", "global"];
/// The kinds, in the order of [`INDEX_NAMES`].
pub const INDEXES: [Index; 3] = [Index::Off, Index::Local, Index::Global];

impl Index {
    /// The setting's name.
    pub fn name(self) -> &'static str {
        INDEX_NAMES[INDEXES.iter().position(|i| *i == self).unwrap_or(0)]
    }
}

/// The tag of a data key: fixed, spread evenly and independently of placement.
#[inline]
pub fn tag(key: u32) -> u32 {
    (mix64(key as u64 ^ 0x7A6_5D1C_u64) % TAGS as u64) as u32
}

/// Whether `key` is an index entry.
#[inline]
pub fn is_entry(key: u32) -> bool {
    (INDEX_BASE..INDEX_BASE + TAGS * INDEXABLE).contains(&key)
}

/// Whether a data key gets an index entry.
#[inline]
pub fn indexable(key: u32) -> bool {
    key < INDEXABLE
}

/// The index entry for data key `key` (which must be [`indexable`]).
#[inline]
pub fn entry(key: u32) -> u32 {
    INDEX_BASE + tag(key) * INDEXABLE + (key & LOW)
}

/// The first entry key of tag `t` (also the key every entry of `t` is placed by).
#[inline]
pub fn tag_base(t: u32) -> u32 {
    INDEX_BASE + t.min(TAGS - 1) * INDEXABLE
}

/// The data key an entry is for, and its tag.
#[inline]
pub fn entry_of(key: u32) -> (u32, u32) {
    (key & LOW, (key - INDEX_BASE) / INDEXABLE)
}

/// The key a strategy places `key` by: entries by their tag, everything else by itself.
#[inline]
pub fn route(key: u32) -> u32 {
    if is_entry(key) {
        key & !LOW
    } else {
        key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_route_by_tag_and_round_trip() {
        for k in [0u32, 1, 99_999, INDEXABLE - 1] {
            let e = entry(k);
            assert!(is_entry(e));
            assert_eq!(entry_of(e), (k, tag(k)));
            assert_eq!(route(e), tag_base(tag(k)));
            assert_eq!(route(route(e)), route(e));
            assert!(!is_entry(k));
            assert_eq!(route(k), k);
        }
        const { assert!(INDEX_BASE + TAGS * INDEXABLE <= super::super::SALT_BASE) };
        let mut count = [0u32; TAGS as usize];
        for k in 0..8_000 {
            count[tag(k) as usize] += 1;
        }
        assert!(count.iter().all(|&c| (800..1_200).contains(&c)), "tags spread evenly: {count:?}");
    }
}
