//! Sliding-window statistics: a log-linear latency histogram and per-slot counters.
//!
//! The window is [`SLOTS`] slots of one sample interval each (10 × 100 ms = the last second).
//! Every completed request adds its latency to the current slot's histogram and to the running
//! window sum; when a sample is taken the oldest slot is subtracted and cleared. Percentiles
//! are read from the window sum in one pass over the buckets, so the cost per request is O(1)
//! and per sample O(buckets), with no sorting and no allocation.

/// Slots in the sliding window.
pub const SLOTS: usize = 10;
/// Sub-buckets per power of two: relative resolution about 1/16 (≈ 6 %).
const SUB_BITS: u32 = 4;
const SUB: u64 = 1 << SUB_BITS;
/// Largest latency tracked exactly enough (≈ 19 hours); larger ones share the last bucket.
const TOP_BIT: u32 = 36;
/// Number of buckets.
pub const BUCKETS: usize = ((TOP_BIT - SUB_BITS + 2) as usize) * SUB as usize;

/// The bucket of a latency in µs.
#[inline]
pub fn bucket(us: u64) -> usize {
    if us < SUB {
        return us as usize;
    }
    let e = (63 - us.leading_zeros()).min(TOP_BIT);
    let us = us.min((1u64 << (TOP_BIT + 1)) - 1);
    let mant = (us >> (e - SUB_BITS)) & (SUB - 1);
    ((e - SUB_BITS + 1) as u64 * SUB + mant) as usize
}

/// The midpoint of a bucket's range, µs.
pub fn bucket_value(b: usize) -> f64 {
    let b = b as u64;
    if b < SUB {
        return b as f64;
    }
    let e = b / SUB + SUB_BITS as u64 - 1;
    let mant = b % SUB;
    let lo = (SUB + mant) << (e - SUB_BITS as u64);
    let width = 1u64 << (e - SUB_BITS as u64);
    lo as f64 + width as f64 / 2.0
}

/// A latency histogram.
#[derive(Clone, Debug)]
pub struct Histogram {
    counts: alloc::boxed::Box<[u32; BUCKETS]>,
    total: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram { counts: alloc::boxed::Box::new([0; BUCKETS]), total: 0 }
    }
}

impl Histogram {
    /// Adds one latency.
    #[inline]
    pub fn add(&mut self, us: u64) {
        self.counts[bucket(us)] += 1;
        self.total += 1;
    }

    /// Adds every count of `other`.
    pub fn add_all(&mut self, other: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(other.counts.iter()) {
            *a += *b;
        }
        self.total += other.total;
    }

    /// Subtracts every count of `other` (which must have been added before).
    pub fn sub_all(&mut self, other: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(other.counts.iter()) {
            *a = a.saturating_sub(*b);
        }
        self.total = self.total.saturating_sub(other.total);
    }

    /// Empties it.
    pub fn clear(&mut self) {
        if self.total > 0 {
            self.counts.fill(0);
            self.total = 0;
        }
    }

    /// Number of latencies.
    pub fn len(&self) -> u64 {
        self.total
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Several quantiles (ascending, in `(0, 1]`) in one pass, µs; 0 when empty.
    pub fn quantiles<const N: usize>(&self, qs: [f64; N]) -> [f64; N] {
        let mut out = [0.0; N];
        if self.total == 0 {
            return out;
        }
        let mut k = 0;
        let mut seen = 0u64;
        for (b, &c) in self.counts.iter().enumerate() {
            seen += c as u64;
            while k < N && seen as f64 >= libm::ceil(qs[k] * self.total as f64) {
                out[k] = bucket_value(b);
                k += 1;
            }
            if k == N {
                break;
            }
        }
        while k < N {
            out[k] = bucket_value(BUCKETS - 1);
            k += 1;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_monotone_and_accurate() {
        let mut last = 0;
        for us in [0u64, 1, 15, 16, 17, 31, 32, 100, 1_000, 12_345, 1_000_000, 60_000_000] {
            let b = bucket(us);
            assert!(b >= last, "{us}");
            last = b;
            let v = bucket_value(b);
            assert!((v - us as f64).abs() <= us as f64 / 16.0 + 1.0, "{us} -> {v}");
        }
        assert!(bucket(u64::MAX) < BUCKETS);
    }

    #[test]
    fn quantiles_of_uniform() {
        let mut h = Histogram::default();
        for i in 1..=1000u64 {
            h.add(i * 1000);
        }
        let [p50, p99] = h.quantiles([0.5, 0.99]);
        assert!((p50 - 500_000.0).abs() < 35_000.0, "{p50}");
        assert!((p99 - 990_000.0).abs() < 70_000.0, "{p99}");
    }
}
