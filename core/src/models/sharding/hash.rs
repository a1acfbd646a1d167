//! The one key hash every strategy shares: SplitMix64's finaliser, a bijection on `u64` with
//! good avalanche, so consecutive key ids land far apart on the ring.

/// Mixes a 64-bit value (SplitMix64's finaliser; a bijection).
#[inline]
pub fn mix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The hash of key id `key`.
#[inline]
pub fn key_hash(key: u32) -> u64 {
    mix64(key as u64)
}

/// A hash of two values (a key and a node, a node and a virtual-node index).
#[inline]
pub fn pair_hash(a: u64, b: u64) -> u64 {
    mix64(mix64(a) ^ b.wrapping_mul(0xD6E8_FEB8_6659_FD93))
}

/// A hash as a fraction of the ring, in `0.0..1.0`.
#[inline]
pub fn unit(h: u64) -> f64 {
    (h >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}
