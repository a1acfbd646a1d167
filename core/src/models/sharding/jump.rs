//! Jump consistent hash (Lamping and Veach, "A Fast, Minimal Memory, Consistent Hash
//! Algorithm", 2014).
//!
//! No table at all: a key follows a pseudo-random sequence of "jumps" through bucket numbers,
//! seeded by its hash, and stops at the last jump below n. Going from n to n + 1 buckets moves
//! a key exactly when it jumps to bucket n, which happens with probability 1 / (n + 1): the
//! minimum. The price is that buckets are numbered: only the last one can be removed without
//! renumbering (and so reshuffling) the others.

/// The bucket in `0..buckets` of `key` (the paper's `JumpConsistentHash`, bit for bit).
/// Returns 0 when `buckets` is 0.
pub fn bucket(key: u64, buckets: u32) -> u32 {
    let mut key = key;
    let mut b: i64 = -1;
    let mut j: i64 = 0;
    while j < buckets as i64 {
        b = j;
        key = key.wrapping_mul(2_862_933_555_777_941_757).wrapping_add(1);
        j = (((b + 1) as f64) * ((1u64 << 31) as f64 / ((key >> 33) + 1) as f64)) as i64;
    }
    b.max(0) as u32
}
