//! Range partitioning: the key space is cut at boundaries into contiguous ranges, each owned by
//! one shard (Bigtable's tablets, HBase's regions, CockroachDB's ranges).
//!
//! Keys keep their order, so a scan of neighbouring keys touches one or two shards instead of
//! all of them. The price: keys that arrive in order (timestamps, auto-increment ids) all land
//! in the last range, which gets every insert however often it is split. Ranges are split when
//! they grow too big or too hot, and merged when they shrink.

use alloc::vec::Vec;

/// Ranges as sorted start keys with an owner each; range `i` is `[start_i, start_{i+1})` and
/// the last one runs to the end of the key space. The first start is always 0.
pub type Ranges = Vec<(u32, u32)>;

/// `n` equal ranges over `0..span` (the last one open-ended), owned by `0..n` in order.
pub fn even(span: u32, n: u32) -> Ranges {
    let n = n.max(1);
    let mut out = Vec::with_capacity(n as usize);
    for i in 0..n {
        out.push(((span as u64 * i as u64 / n as u64) as u32, i));
    }
    out
}

/// Index of the range holding `key`.
#[inline]
pub fn find(ranges: &[(u32, u32)], key: u32) -> usize {
    ranges.partition_point(|&(s, _)| s <= key).saturating_sub(1)
}

/// Splits the range holding `at` there, giving `[at, end)` to `owner`. Returns false when `at`
/// is already a boundary.
pub fn split(ranges: &mut Ranges, at: u32, owner: u32) -> bool {
    let i = find(ranges, at);
    if ranges[i].0 == at {
        return false;
    }
    ranges.insert(i + 1, (at, owner));
    true
}

/// Merges the range starting at `start` into the one before it. Returns false when there is no
/// such boundary (or it is the first).
pub fn merge(ranges: &mut Ranges, start: u32) -> bool {
    match ranges.iter().position(|&(s, _)| s == start) {
        Some(i) if i > 0 => {
            ranges.remove(i);
            true
        }
        _ => false,
    }
}

/// Joins neighbouring ranges with the same owner.
pub fn coalesce(ranges: &mut Ranges) {
    ranges.dedup_by(|b, a| a.1 == b.1);
}

/// End (exclusive, as u64 so the last range can end at 2^32) of range `i`.
pub fn end(ranges: &[(u32, u32)], i: usize) -> u64 {
    ranges.get(i + 1).map_or(1u64 << 32, |r| r.0 as u64)
}
