//! Rendezvous (highest random weight) hashing, Thaler and Ravishankar 1996, with weights.
//!
//! Every node scores every key with a hash of the pair; the key goes to the highest score and
//! its replicas to the next highest. Removing a node moves only the keys it won; adding one
//! moves only the keys it now wins. Weighted form: `score = -w / ln(u)` with `u` the pair hash
//! as a fraction in `(0, 1)`, which gives each node a share of keys proportional to its weight
//! (the score is an exponential race: the smallest `-ln(u) / w` wins).

use super::hash::{pair_hash, unit};

/// A node's weighted score for a key hash.
#[inline]
pub fn score(key_hash: u64, node: u64, weight: u32) -> f64 {
    let u = unit(pair_hash(key_hash, node)).max(f64::MIN_POSITIVE);
    // -ln(u) > 0; the smallest normalised race time wins, i.e. the largest -w / ln(u).
    -(weight.max(1) as f64) / libm::log(u).min(-f64::MIN_POSITIVE)
}

/// Indexes into `nodes` (id, weight) of the `r` highest scores for `key_hash`, best first.
/// Ties are broken by the lower index, so the result is deterministic.
pub fn top(key_hash: u64, nodes: &[(u64, u32)], r: usize, out: &mut [u32]) -> usize {
    let r = r.min(nodes.len()).min(out.len());
    let mut best: [(f64, u32); 8] = [(f64::NEG_INFINITY, u32::MAX); 8];
    let r = r.min(best.len());
    for (i, &(id, w)) in nodes.iter().enumerate() {
        let s = score(key_hash, id, w);
        // Insertion into the small sorted list of the best r.
        let mut pos = r;
        while pos > 0 && s > best[pos - 1].0 {
            pos -= 1;
        }
        if pos < r {
            let mut j = r - 1;
            while j > pos {
                best[j] = best[j - 1];
                j -= 1;
            }
            best[pos] = (s, i as u32);
        }
    }
    for (o, b) in out.iter_mut().zip(best.iter()).take(r) {
        *o = b.1;
    }
    r
}
