//! Maglev's lookup table (Eisenbud et al., "Maglev: A Fast and Reliable Software Network Load
//! Balancer", NSDI 2016, §3.4).
//!
//! A table of M entries (M prime, much larger than the number of backends) maps `hash mod M` to
//! a backend. Each backend has a permutation of the slots, `(offset + j × skip) mod M` with
//! `skip` in `1..M` (a full cycle because M is prime). Backends take turns claiming their next
//! preferred free slot until the table is full, so every backend gets M / N slots, give or take
//! one: near-perfect balance. When a backend goes away most slots keep their backend, but not
//! all: Maglev trades a little disruption for that balance.

use super::hash::pair_hash;
use alloc::vec;
use alloc::vec::Vec;

/// A backend's permutation parameters for a table of size `m`, from its id.
pub fn offset_skip(id: u64, m: u32) -> (u32, u32) {
    let m = m.max(2) as u64;
    let offset = pair_hash(id, 0x6d61_676c) % m;
    let skip = pair_hash(id, 0x736b_6970) % (m - 1) + 1;
    (offset as u32, skip as u32)
}

/// Fills a lookup table of size `m` (prime) from each backend's `(offset, skip)`; entry `i` is
/// the index of its backend. Returns an empty table when there are no backends.
pub fn populate(perms: &[(u32, u32)], m: u32) -> Vec<u32> {
    let n = perms.len();
    if n == 0 || m == 0 {
        return Vec::new();
    }
    let mut next = vec![0u32; n];
    let mut entry = vec![u32::MAX; m as usize];
    let mut filled = 0u32;
    loop {
        for (i, &(offset, skip)) in perms.iter().enumerate() {
            let mut c = (offset as u64 + next[i] as u64 * skip as u64) % m as u64;
            while entry[c as usize] != u32::MAX {
                next[i] += 1;
                c = (offset as u64 + next[i] as u64 * skip as u64) % m as u64;
            }
            entry[c as usize] = i as u32;
            next[i] += 1;
            filled += 1;
            if filled == m {
                return entry;
            }
        }
    }
}

/// The smallest prime at least `n` (trial division; n is small here).
pub fn prime_at_least(n: u32) -> u32 {
    let mut p = n.max(2);
    loop {
        if (2..).take_while(|d: &u32| (*d as u64) * (*d as u64) <= p as u64).all(|d| p % d != 0) {
            return p;
        }
        p += 1;
    }
}
