//! The consistent-hash ring (Karger et al. 1997), with virtual nodes and weights.
//!
//! Each node places `vnodes × weight` tokens on a circle of 2^64 positions; a key belongs to the
//! first token clockwise from its hash, and its replicas to the next tokens of other nodes (the
//! preference list of Dynamo). Adding a node takes over only the arcs just before its tokens.
//! With one token per node the arcs are very uneven (the largest is about ln n / n of the
//! circle); many virtual nodes per node average that out, and weights give a bigger node more.

use super::hash::pair_hash;
use alloc::vec::Vec;

/// The tokens of a ring: sorted `(position, node index)`.
pub fn tokens(nodes: &[(u64, u32)], vnodes: u32, salt: u64) -> Vec<(u64, u32)> {
    let mut t: Vec<(u64, u32)> = Vec::new();
    for (i, &(id, w)) in nodes.iter().enumerate() {
        for v in 0..vnodes.max(1) as u64 * w.max(1) as u64 {
            t.push((pair_hash(id ^ salt, v), i as u32));
        }
    }
    t.sort_unstable();
    t
}

/// Index into `tokens` of the first token at or after `h` (clockwise, wrapping).
#[inline]
pub fn successor(tokens: &[(u64, u32)], h: u64) -> usize {
    let i = tokens.partition_point(|&(p, _)| p < h);
    if i == tokens.len() {
        0
    } else {
        i
    }
}

/// The first `out.len()` distinct node indexes clockwise from `h`; returns how many were found.
pub fn preference(tokens: &[(u64, u32)], h: u64, out: &mut [u32]) -> usize {
    if tokens.is_empty() {
        return 0;
    }
    let mut n = 0;
    let start = successor(tokens, h);
    for step in 0..tokens.len() {
        let node = tokens[(start + step) % tokens.len()].1;
        if !out[..n].contains(&node) {
            out[n] = node;
            n += 1;
            if n == out.len() {
                break;
            }
        }
    }
    n
}
