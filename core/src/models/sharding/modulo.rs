//! Modulo hashing: shard = hash(key) mod n.
//!
//! Perfectly even on average and free to compute, but the owner of almost every key depends
//! on n: going from n to n + 1 shards keeps a key in place only when `h mod n == h mod (n+1)`,
//! which is true for about 1 / (n + 1) of keys. So about n / (n + 1) of the data moves, the
//! exact opposite of what a consistent strategy achieves.

/// The bucket of hash `h` among `n` buckets (`n > 0`).
#[inline]
pub fn bucket(h: u64, n: u32) -> u32 {
    debug_assert!(n > 0);
    (h % n.max(1) as u64) as u32
}
