//! Bitcoin's proof-of-work structures, exactly as Bitcoin Core computes them.
//!
//! - [`Header`]: the 80-byte block header (version, previous block hash, merkle root, time,
//!   compact target `bits`, nonce), serialised little-endian as on the wire.
//! - [`sha256d`]: double SHA-256, Bitcoin's hash for headers and transactions (tested against
//!   the [`sha2`] crate and FIPS 180-4's examples).
//! - [`HeaderHasher`]: the miner's loop. The first 64 header bytes do not change while the
//!   nonce does, so their SHA-256 state (the *midstate*) is computed once and each nonce costs
//!   two compression rounds instead of three.
//!
//! In wasm32 one SHA-256 compression function (four lanes at a time) serves the mining loop,
//! the midstate and every other hash: the page ships one copy of SHA-256, not three.
//! - [`U256`], [`bits_to_target`], [`target_to_bits`]: `arith_uint256` and its compact
//!   encoding (`SetCompact` / `GetCompact`); [`block_work`] (`GetBlockProof`) and
//!   [`difficulty`] (`GetDifficulty`).
//! - [`merkle_root`]: the merkle tree of transaction ids, duplicating the last hash of a level
//!   with an odd count.
//! - [`next_bits`]: difficulty retargeting (`CalculateNextWorkRequired`), with the clamp to
//!   [¼, 4×] of the target timespan, and [`retarget_first_height`], Core's off-by-one in
//!   choosing the block the timespan is measured from.
//! - [`attacker_success`]: the whitepaper's §11 probability that an attacker with hash share
//!   `q` ever catches up from `z` blocks behind.
//!
//! Hashes are kept in *internal* byte order (as SHA-256 outputs them); Bitcoin displays them
//! reversed, which [`hash_hex`] does.

use alloc::string::String;
use alloc::vec::Vec;
use core::cmp::Ordering;

/// A 32-byte hash in internal byte order.
pub type Hash = [u8; 32];

/// The all-zero hash (the genesis block's "previous block").
pub const ZERO_HASH: Hash = [0; 32];

/// SHA-256 of `data` (FIPS 180-4), as its eight state words.
fn sha256_words(data: &[u8]) -> [u32; 8] {
    let mut state = IV;
    let mut blocks = data.chunks_exact(64);
    for b in &mut blocks {
        compress(&mut state, &be_words(b));
    }
    // Padding: a 1 bit, zeros, and the length in bits, in one block or two.
    let rest = blocks.remainder();
    let mut tail = [0u8; 128];
    tail[..rest.len()].copy_from_slice(rest);
    tail[rest.len()] = 0x80;
    let n = if rest.len() < 56 { 64 } else { 128 };
    tail[n - 8..n].copy_from_slice(&(data.len() as u64 * 8).to_be_bytes());
    for b in tail[..n].chunks_exact(64) {
        compress(&mut state, &be_words(b));
    }
    state
}

fn words_to_hash(words: &[u32; 8]) -> Hash {
    let mut out = [0u8; 32];
    for (i, w) in words.iter().enumerate() {
        out[4 * i..4 * i + 4].copy_from_slice(&w.to_be_bytes());
    }
    out
}

/// SHA-256 of a 32-byte digest, from its state words: one compression.
fn sha256_of_digest(first: &[u32; 8]) -> [u32; 8] {
    let mut block = [0u32; 16];
    block[..8].copy_from_slice(first);
    block[8] = 0x8000_0000;
    block[15] = 32 * 8;
    let mut state = IV;
    compress(&mut state, &block);
    state
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> Hash {
    words_to_hash(&sha256_words(data))
}

/// Double SHA-256 of `data`.
pub fn sha256d(data: &[u8]) -> Hash {
    words_to_hash(&sha256_of_digest(&sha256_words(data)))
}

/// A hash as Bitcoin prints it: bytes reversed, lowercase hex.
pub fn hash_hex(hash: &Hash) -> String {
    let mut s = String::with_capacity(64);
    for b in hash.iter().rev() {
        s.push(char::from_digit((b >> 4) as u32, 16).unwrap_or('0'));
        s.push(char::from_digit((b & 15) as u32, 16).unwrap_or('0'));
    }
    s
}

/// Parses a hash printed the Bitcoin way (64 hex digits, reversed); `None` if malformed.
pub fn hash_from_hex(hex: &str) -> Option<Hash> {
    let bytes = hex.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for i in 0..32 {
        let hi = (bytes[2 * i] as char).to_digit(16)?;
        let lo = (bytes[2 * i + 1] as char).to_digit(16)?;
        out[31 - i] = (hi * 16 + lo) as u8;
    }
    Some(out)
}

/// A block header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Block version.
    pub version: i32,
    /// Hash of the previous block's header.
    pub prev: Hash,
    /// Merkle root of the block's transaction ids.
    pub merkle: Hash,
    /// Timestamp, seconds since 1970.
    pub time: u32,
    /// The target in compact form.
    pub bits: u32,
    /// The nonce miners vary.
    pub nonce: u32,
}

impl Header {
    /// The 80 bytes that are hashed.
    pub fn to_bytes(&self) -> [u8; 80] {
        let mut b = [0u8; 80];
        b[0..4].copy_from_slice(&self.version.to_le_bytes());
        b[4..36].copy_from_slice(&self.prev);
        b[36..68].copy_from_slice(&self.merkle);
        b[68..72].copy_from_slice(&self.time.to_le_bytes());
        b[72..76].copy_from_slice(&self.bits.to_le_bytes());
        b[76..80].copy_from_slice(&self.nonce.to_le_bytes());
        b
    }

    /// Parses 80 header bytes.
    pub fn from_bytes(b: &[u8; 80]) -> Header {
        let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let mut prev = [0u8; 32];
        prev.copy_from_slice(&b[4..36]);
        let mut merkle = [0u8; 32];
        merkle.copy_from_slice(&b[36..68]);
        Header { version: u32_at(0) as i32, prev, merkle, time: u32_at(68), bits: u32_at(72), nonce: u32_at(76) }
    }

    /// The block hash: double SHA-256 of the 80 bytes.
    pub fn hash(&self) -> Hash {
        sha256d(&self.to_bytes())
    }
}

const IV: [u32; 8] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/// SHA-256's round constants (FIPS 180-4 §4.2.2).
const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// One SHA-256 round on the eight working variables, renamed rather than moved: the caller
/// rotates the names, so no variable is copied between rounds. The words are four lanes of
/// `u32`s ([`lanes::Lanes`]), or natively plain `u32`s.
macro_rules! sha_round {
    ($a:ident, $b:ident, $c:ident, $d:ident, $e:ident, $f:ident, $g:ident, $h:ident, $k:expr, $w:expr) => {
        let t1 = $h.wadd($e.rotr(6).xor($e.rotr(11)).xor($e.rotr(25))).wadd($e.and($f).xor($g.andnot($e))).wadd($w).addk($k);
        let t2 = $a.rotr(2).xor($a.rotr(13)).xor($a.rotr(22)).wadd($a.and($b).xor($a.and($c)).xor($b.and($c)));
        $d = $d.wadd(t1);
        $h = t1.wadd(t2);
    };
}

/// Message schedule word `i` (≥ 16) in a 16-word circular buffer (FIPS 180-4 §6.2.2 step 1).
macro_rules! sha_schedule {
    ($w:ident, $i:expr) => {{
        let w15 = $w[($i + 1) & 15];
        let w2 = $w[($i + 14) & 15];
        let s0 = w15.rotr(7).xor(w15.rotr(18)).xor(w15.shift(3));
        let s1 = w2.rotr(17).xor(w2.rotr(19)).xor(w2.shift(10));
        $w[$i & 15] = $w[$i & 15].wadd(s0).wadd($w[($i + 9) & 15]).wadd(s1);
        $w[$i & 15]
    }};
}

/// Sixteen rounds from `base` (a multiple of 16); `$sched` says whether the words come from
/// the schedule (rounds 16..64) or straight from the block (rounds 0..16).
macro_rules! sha_16_rounds {
    ($v:ident, $w:ident, $base:expr, $sched:expr) => {{
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = $v;
        macro_rules! word {
            ($r:expr) => {
                if $sched {
                    sha_schedule!($w, $r)
                } else {
                    $w[$r]
                }
            };
        }
        sha_round!(a, b, c, d, e, f, g, h, K[$base], word!(0));
        sha_round!(h, a, b, c, d, e, f, g, K[$base + 1], word!(1));
        sha_round!(g, h, a, b, c, d, e, f, K[$base + 2], word!(2));
        sha_round!(f, g, h, a, b, c, d, e, K[$base + 3], word!(3));
        sha_round!(e, f, g, h, a, b, c, d, K[$base + 4], word!(4));
        sha_round!(d, e, f, g, h, a, b, c, K[$base + 5], word!(5));
        sha_round!(c, d, e, f, g, h, a, b, K[$base + 6], word!(6));
        sha_round!(b, c, d, e, f, g, h, a, K[$base + 7], word!(7));
        sha_round!(a, b, c, d, e, f, g, h, K[$base + 8], word!(8));
        sha_round!(h, a, b, c, d, e, f, g, K[$base + 9], word!(9));
        sha_round!(g, h, a, b, c, d, e, f, K[$base + 10], word!(10));
        sha_round!(f, g, h, a, b, c, d, e, K[$base + 11], word!(11));
        sha_round!(e, f, g, h, a, b, c, d, K[$base + 12], word!(12));
        sha_round!(d, e, f, g, h, a, b, c, K[$base + 13], word!(13));
        sha_round!(c, d, e, f, g, h, a, b, K[$base + 14], word!(14));
        sha_round!(b, c, d, e, f, g, h, a, K[$base + 15], word!(15));
        $v = [a, b, c, d, e, f, g, h];
    }};
}

/// The whole compression of `$block` into `$state` (arrays of eight and sixteen words).
macro_rules! sha_compress {
    ($state:ident, $block:expr) => {{
        let mut w = $block;
        let mut v = $state;
        sha_16_rounds!(v, w, 0, false);
        for pass in 1..4 {
            let base = pass * 16;
            sha_16_rounds!(v, w, base, true);
        }
        for i in 0..8 {
            $state[i] = $state[i].wadd(v[i]);
        }
    }};
}

/// The SHA-256 compression function (FIPS 180-4 §6.2.2) on one block of sixteen big-endian
/// words: what [`sha2::compress256`] does. In wasm32 (the page) it runs [`compress4`] with the
/// same block in every lane, so the page holds a single copy of the compression code.
#[cfg(target_arch = "wasm32")]
pub fn compress(state: &mut [u32; 8], block: &[u32; 16]) {
    let mut s = state.map(|x| Lanes::splat(x));
    compress4(&mut s, &block.map(|x| Lanes::splat(x)));
    for (w, l) in state.iter_mut().zip(s) {
        *w = l.lanes()[0];
    }
}

/// The SHA-256 compression function (FIPS 180-4 §6.2.2) on one block of sixteen big-endian
/// words: what [`sha2::compress256`] does. Natively the four-lane fallback is much slower than
/// plain words, and size does not matter, so the same rounds run on `u32`s.
#[cfg(not(target_arch = "wasm32"))]
pub fn compress(state: &mut [u32; 8], block: &[u32; 16]) {
    let mut st = *state;
    sha_compress!(st, *block);
    *state = st;
}

/// The word operations the round macros call, on plain `u32`s (native [`compress`]).
#[cfg(not(target_arch = "wasm32"))]
trait Word: Copy {
    fn rotr(self, n: u32) -> Self;
    fn shift(self, n: u32) -> Self;
    fn wadd(self, o: Self) -> Self;
    fn addk(self, k: u32) -> Self;
    fn xor(self, o: Self) -> Self;
    fn and(self, o: Self) -> Self;
    /// `self & !o`.
    fn andnot(self, o: Self) -> Self;
}

#[cfg(not(target_arch = "wasm32"))]
impl Word for u32 {
    #[inline(always)]
    fn rotr(self, n: u32) -> u32 {
        self.rotate_right(n)
    }
    #[inline(always)]
    fn shift(self, n: u32) -> u32 {
        self >> n
    }
    #[inline(always)]
    fn wadd(self, o: u32) -> u32 {
        self.wrapping_add(o)
    }
    #[inline(always)]
    fn addk(self, k: u32) -> u32 {
        self.wrapping_add(k)
    }
    #[inline(always)]
    fn xor(self, o: u32) -> u32 {
        self ^ o
    }
    #[inline(always)]
    fn and(self, o: u32) -> u32 {
        self & o
    }
    #[inline(always)]
    fn andnot(self, o: u32) -> u32 {
        self & !o
    }
}

/// Four SHA-256 compressions side by side, one per lane: written out so that it stays fast in
/// a build optimised for size (the page's): sixteen rounds unrolled per loop pass, the working
/// variables renamed instead of shifted, the schedule kept in the block itself. Never inlined:
/// it is the crate's one copy of SHA-256 (the mining loop calls it twice per four nonces).
#[inline(never)]
#[cfg_attr(target_arch = "wasm32", target_feature(enable = "simd128"))]
fn compress4(state: &mut [Lanes; 8], block: &[Lanes; 16]) {
    let mut st = *state;
    sha_compress!(st, *block);
    *state = st;
}

/// Four SHA-256 computations side by side, one per lane: in wasm32 one SIMD register
/// (`v128`, enabled for the mining loop only), elsewhere four plain words. The hashes are the
/// same either way; only the speed differs.
pub mod lanes {
    /// Four 32-bit words.
    #[cfg(target_arch = "wasm32")]
    #[derive(Clone, Copy, Debug)]
    pub struct Lanes(core::arch::wasm32::v128);

    #[cfg(target_arch = "wasm32")]
    #[allow(missing_docs)]
    impl Lanes {
        #[inline]
        #[target_feature(enable = "simd128")]
        pub fn new(a: u32, b: u32, c: u32, d: u32) -> Lanes {
            Lanes(core::arch::wasm32::u32x4(a, b, c, d))
        }
        #[inline]
        #[target_feature(enable = "simd128")]
        pub fn splat(x: u32) -> Lanes {
            Lanes(core::arch::wasm32::u32x4_splat(x))
        }
        #[inline]
        #[target_feature(enable = "simd128")]
        pub fn lanes(self) -> [u32; 4] {
            use core::arch::wasm32::u32x4_extract_lane as x;
            [x::<0>(self.0), x::<1>(self.0), x::<2>(self.0), x::<3>(self.0)]
        }
        #[inline]
        #[target_feature(enable = "simd128")]
        pub fn rotr(self, n: u32) -> Lanes {
            use core::arch::wasm32::*;
            Lanes(v128_or(u32x4_shr(self.0, n), u32x4_shl(self.0, 32 - n)))
        }
        #[inline]
        #[target_feature(enable = "simd128")]
        pub fn shift(self, n: u32) -> Lanes {
            Lanes(core::arch::wasm32::u32x4_shr(self.0, n))
        }
        #[inline]
        #[target_feature(enable = "simd128")]
        pub fn wadd(self, o: Lanes) -> Lanes {
            Lanes(core::arch::wasm32::u32x4_add(self.0, o.0))
        }
        #[inline]
        #[target_feature(enable = "simd128")]
        pub fn addk(self, k: u32) -> Lanes {
            self.wadd(Lanes::splat(k))
        }
        #[inline]
        #[target_feature(enable = "simd128")]
        pub fn xor(self, o: Lanes) -> Lanes {
            Lanes(core::arch::wasm32::v128_xor(self.0, o.0))
        }
        #[inline]
        #[target_feature(enable = "simd128")]
        pub fn and(self, o: Lanes) -> Lanes {
            Lanes(core::arch::wasm32::v128_and(self.0, o.0))
        }
        #[inline]
        #[target_feature(enable = "simd128")]
        pub fn andnot(self, o: Lanes) -> Lanes {
            Lanes(core::arch::wasm32::v128_andnot(self.0, o.0))
        }
    }

    /// Four 32-bit words.
    #[cfg(not(target_arch = "wasm32"))]
    #[derive(Clone, Copy, Debug)]
    pub struct Lanes([u32; 4]);

    #[cfg(not(target_arch = "wasm32"))]
    #[allow(missing_docs)]
    impl Lanes {
        #[inline(always)]
        fn map(self, f: impl Fn(u32) -> u32) -> Lanes {
            Lanes(self.0.map(f))
        }
        #[inline(always)]
        fn zip(self, o: Lanes, f: impl Fn(u32, u32) -> u32) -> Lanes {
            Lanes([f(self.0[0], o.0[0]), f(self.0[1], o.0[1]), f(self.0[2], o.0[2]), f(self.0[3], o.0[3])])
        }
        pub fn new(a: u32, b: u32, c: u32, d: u32) -> Lanes {
            Lanes([a, b, c, d])
        }
        pub fn splat(x: u32) -> Lanes {
            Lanes([x; 4])
        }
        pub fn lanes(self) -> [u32; 4] {
            self.0
        }
        #[inline(always)]
        pub fn rotr(self, n: u32) -> Lanes {
            self.map(|x| x.rotate_right(n))
        }
        #[inline(always)]
        pub fn shift(self, n: u32) -> Lanes {
            self.map(|x| x >> n)
        }
        #[inline(always)]
        pub fn wadd(self, o: Lanes) -> Lanes {
            self.zip(o, u32::wrapping_add)
        }
        #[inline(always)]
        pub fn addk(self, k: u32) -> Lanes {
            self.map(|x| x.wrapping_add(k))
        }
        #[inline(always)]
        pub fn xor(self, o: Lanes) -> Lanes {
            self.zip(o, |a, b| a ^ b)
        }
        #[inline(always)]
        pub fn and(self, o: Lanes) -> Lanes {
            self.zip(o, |a, b| a & b)
        }
        #[inline(always)]
        pub fn andnot(self, o: Lanes) -> Lanes {
            self.zip(o, |a, b| a & !b)
        }
    }
}

use lanes::Lanes;

fn be_words(bytes: &[u8]) -> [u32; 16] {
    let mut w = [0u32; 16];
    for (i, c) in bytes.chunks_exact(4).take(16).enumerate() {
        w[i] = u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
    }
    w
}

/// Hashes one header with many nonces, reusing the SHA-256 state of its first 64 bytes.
///
/// Each nonce costs two compressions: the header's second block (its last 16 bytes and the
/// padding) from the midstate, and the second SHA-256 of the 32-byte digest. Nothing is
/// allocated or formatted per nonce; [`HeaderHasher::search`] reads only the word of the hash
/// that decides most comparisons with the target.
#[derive(Clone, Debug)]
pub struct HeaderHasher {
    mid: [u32; 8],
    /// The second 64-byte block of the first hash as big-endian words: header bytes 64..80
    /// (word 3 is the nonce), then padding.
    tail: [u32; 16],
}

impl HeaderHasher {
    /// Prepares to hash `header` with varying nonces.
    pub fn new(header: &Header) -> HeaderHasher {
        let bytes = header.to_bytes();
        let mut mid = IV;
        compress(&mut mid, &be_words(&bytes[0..64]));
        let mut tail = [0u32; 16];
        tail[..4].copy_from_slice(&be_words(&bytes[64..80])[..4]);
        tail[4] = 0x8000_0000;
        tail[15] = 80 * 8;
        HeaderHasher { mid, tail }
    }

    /// The second hash's state words for `nonce` (big-endian words of the block hash).
    fn words(&mut self, nonce: u32) -> [u32; 8] {
        // The nonce is stored little-endian; the block's words are big-endian.
        self.tail[3] = nonce.swap_bytes();
        let mut s1 = self.mid;
        compress(&mut s1, &self.tail);
        sha256_of_digest(&s1)
    }

    /// The block hash with this nonce.
    pub fn hash(&mut self, nonce: u32) -> Hash {
        words_to_hash(&self.words(nonce))
    }

    /// The last state word of the block hash (its top 32 bits, byte-swapped) for four nonces
    /// at once, one per lane.
    #[cfg_attr(target_arch = "wasm32", target_feature(enable = "simd128"))]
    fn top_words4(&self, nonce: u32) -> [u32; 4] {
        let s = |x: u32| Lanes::splat(x);
        let t = &self.tail;
        let first = [s(t[0]), s(t[1]), s(t[2]), Lanes::new(nonce.swap_bytes(), (nonce + 1).swap_bytes(), (nonce + 2).swap_bytes(), (nonce + 3).swap_bytes()), s(t[4]), s(0), s(0), s(0), s(0), s(0), s(0), s(0), s(0), s(0), s(0), s(t[15])];
        let m = &self.mid;
        let mut s1 = [s(m[0]), s(m[1]), s(m[2]), s(m[3]), s(m[4]), s(m[5]), s(m[6]), s(m[7])];
        compress4(&mut s1, &first);
        let second = [s1[0], s1[1], s1[2], s1[3], s1[4], s1[5], s1[6], s1[7], s(0x8000_0000), s(0), s(0), s(0), s(0), s(0), s(0), s(32 * 8)];
        let mut s2 = [s(IV[0]), s(IV[1]), s(IV[2]), s(IV[3]), s(IV[4]), s(IV[5]), s(IV[6]), s(IV[7])];
        compress4(&mut s2, &second);
        s2[7].lanes()
    }

    /// Tries nonces `start, start + 1, ...` (at most `count`, stopping before wrapping past
    /// `u32::MAX`) and returns the first whose hash meets `target`, and how many were tried.
    ///
    /// Four nonces are hashed at once (SIMD lanes in wasm32), and only the last word of each
    /// hash is compared first: read as a little-endian number, the hash's top 32 bits are that
    /// word byte-swapped, and most nonces fail on it alone. A nonce that passes is hashed in
    /// full and compared exactly.
    pub fn search(&mut self, start: u32, count: u32, target: &U256) -> (Option<u32>, u32) {
        let top = target.0[3] >> 32;
        let count = count.min(u32::MAX - start);
        let mut i = 0;
        while i < count {
            let nonce = start + i;
            let tops = if count - i >= 4 { self.top_words4(nonce) } else { [self.words(nonce)[7], 0, 0, 0] };
            let n = (count - i).min(4);
            for (j, w) in tops.iter().take(n as usize).enumerate() {
                if w.swap_bytes() as u64 > top {
                    continue;
                }
                let nonce = nonce + j as u32;
                let h = self.hash(nonce);
                if U256::from_le_bytes(&h) <= *target {
                    return (Some(nonce), i + j as u32 + 1);
                }
            }
            i += if count - i >= 4 { 4 } else { 1 };
        }
        (None, count)
    }
}

/// An unsigned 256-bit integer (little-endian 64-bit limbs), as Bitcoin Core's `arith_uint256`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Hash)]
pub struct U256(pub [u64; 4]);

impl Ord for U256 {
    fn cmp(&self, other: &Self) -> Ordering {
        for i in (0..4).rev() {
            match self.0[i].cmp(&other.0[i]) {
                Ordering::Equal => continue,
                o => return o,
            }
        }
        Ordering::Equal
    }
}

impl PartialOrd for U256 {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl U256 {
    /// Zero.
    pub const ZERO: U256 = U256([0; 4]);
    /// The largest value.
    pub const MAX: U256 = U256([u64::MAX; 4]);

    /// A small value.
    pub const fn from_u64(v: u64) -> U256 {
        U256([v, 0, 0, 0])
    }

    /// Reads 32 bytes as a little-endian number (how Bitcoin compares a hash with a target).
    pub fn from_le_bytes(b: &[u8; 32]) -> U256 {
        let mut l = [0u64; 4];
        for (i, limb) in l.iter_mut().enumerate() {
            let mut w = [0u8; 8];
            w.copy_from_slice(&b[8 * i..8 * i + 8]);
            *limb = u64::from_le_bytes(w);
        }
        U256(l)
    }

    /// Number of significant bits.
    pub fn bits(&self) -> u32 {
        for i in (0..4).rev() {
            if self.0[i] != 0 {
                return 64 * i as u32 + 64 - self.0[i].leading_zeros();
            }
        }
        0
    }

    /// The low 64 bits.
    pub fn low_u64(&self) -> u64 {
        self.0[0]
    }

    /// Shift left by `n` bits (bits shifted out are lost).
    pub fn shl(&self, n: u32) -> U256 {
        let mut r = [0u64; 4];
        let (limbs, bits) = ((n / 64) as usize, n % 64);
        for i in (limbs..4).rev() {
            let src = i - limbs;
            r[i] = self.0[src] << bits;
            if bits > 0 && src > 0 {
                r[i] |= self.0[src - 1] >> (64 - bits);
            }
        }
        U256(r)
    }

    /// Shift right by `n` bits.
    pub fn shr(&self, n: u32) -> U256 {
        let mut r = [0u64; 4];
        let (limbs, bits) = ((n / 64) as usize, n % 64);
        for (i, limb) in r.iter_mut().enumerate().take(4usize.saturating_sub(limbs)) {
            let src = i + limbs;
            *limb = self.0[src] >> bits;
            if bits > 0 && src + 1 < 4 {
                *limb |= self.0[src + 1] << (64 - bits);
            }
        }
        U256(r)
    }

    /// Wrapping addition.
    pub fn wrapping_add(&self, o: &U256) -> U256 {
        let mut r = [0u64; 4];
        let mut carry = 0u64;
        for (i, limb) in r.iter_mut().enumerate() {
            let (a, c1) = self.0[i].overflowing_add(o.0[i]);
            let (b, c2) = a.overflowing_add(carry);
            *limb = b;
            carry = (c1 as u64) + (c2 as u64);
        }
        U256(r)
    }

    /// Saturating addition (cumulative chain work never wraps).
    pub fn saturating_add(&self, o: &U256) -> U256 {
        let r = self.wrapping_add(o);
        if r < *self {
            U256::MAX
        } else {
            r
        }
    }

    /// Wrapping subtraction.
    pub fn wrapping_sub(&self, o: &U256) -> U256 {
        let mut r = [0u64; 4];
        let mut borrow = 0u64;
        for (i, limb) in r.iter_mut().enumerate() {
            let (a, b1) = self.0[i].overflowing_sub(o.0[i]);
            let (b, b2) = a.overflowing_sub(borrow);
            *limb = b;
            borrow = (b1 as u64) + (b2 as u64);
        }
        U256(r)
    }

    /// Bitwise not.
    pub fn not(&self) -> U256 {
        U256([!self.0[0], !self.0[1], !self.0[2], !self.0[3]])
    }

    /// Integer division (`None` when dividing by zero).
    pub fn div(&self, d: &U256) -> Option<U256> {
        if *d == U256::ZERO {
            return None;
        }
        let mut q = U256::ZERO;
        let mut r = U256::ZERO;
        for i in (0..self.bits()).rev() {
            r = r.shl(1);
            r.0[0] |= (self.0[(i / 64) as usize] >> (i % 64)) & 1;
            if r >= *d {
                r = r.wrapping_sub(d);
                q.0[(i / 64) as usize] |= 1 << (i % 64);
            }
        }
        Some(q)
    }

    /// `self * m / d`, exact, saturating at [`U256::MAX`] (`None` when `d` is zero).
    ///
    /// In 64-bit arithmetic only (32-bit digits, a bitwise long division): 128-bit multiplies
    /// and divides would bring their compiler helpers into the page for this one use.
    pub fn mul_div(&self, m: u64, d: u64) -> Option<U256> {
        if d == 0 {
            return None;
        }
        // The product, at most 320 bits, in ten 32-bit digits.
        let mut prod = [0u32; 10];
        for i in 0..8 {
            let a = (self.0[i / 2] >> (32 * (i % 2))) & 0xffff_ffff;
            for (at, part) in [(i, a * (m & 0xffff_ffff)), (i + 1, a * (m >> 32))] {
                let mut carry = part;
                let mut j = at;
                while carry != 0 {
                    let sum = prod[j] as u64 + (carry & 0xffff_ffff);
                    prod[j] = sum as u32;
                    carry = (carry >> 32) + (sum >> 32);
                    j += 1;
                }
            }
        }
        // Bit by bit; the remainder stays below `d`, its bit shifted out is kept in `over`.
        let mut q = [0u32; 10];
        let mut rem = 0u64;
        for bit in (0..320).rev() {
            let over = rem >> 63;
            rem = (rem << 1) | ((prod[bit / 32] >> (bit % 32)) & 1) as u64;
            if over == 1 || rem >= d {
                rem = rem.wrapping_sub(d);
                q[bit / 32] |= 1 << (bit % 32);
            }
        }
        if q[8] != 0 || q[9] != 0 {
            return Some(U256::MAX);
        }
        Some(U256([0, 1, 2, 3].map(|i| q[2 * i] as u64 | (q[2 * i + 1] as u64) << 32)))
    }

    /// An approximation as a float.
    pub fn to_f64(&self) -> f64 {
        let mut x = 0.0;
        for i in (0..4).rev() {
            x = x * 18446744073709551616.0 + self.0[i] as f64;
        }
        x
    }
}

/// Decodes a compact target (`SetCompact`): `(target, negative, overflow)`.
pub fn bits_to_target_full(bits: u32) -> (U256, bool, bool) {
    let size = bits >> 24;
    let mut word = bits & 0x007f_ffff;
    let target = if size <= 3 {
        word >>= 8 * (3 - size);
        U256::from_u64(word as u64)
    } else {
        U256::from_u64(word as u64).shl(8 * (size - 3))
    };
    let negative = word != 0 && bits & 0x0080_0000 != 0;
    let overflow = word != 0 && (size > 34 || (word > 0xff && size > 33) || (word > 0xffff && size > 32));
    (target, negative, overflow)
}

/// Decodes a compact target; `None` if it is negative, zero or overflows (Bitcoin rejects those).
pub fn bits_to_target(bits: u32) -> Option<U256> {
    let (t, negative, overflow) = bits_to_target_full(bits);
    (!negative && !overflow && t != U256::ZERO).then_some(t)
}

/// Encodes a target in compact form (`GetCompact`), losing all but its top 23 bits.
pub fn target_to_bits(target: &U256) -> u32 {
    let mut size = target.bits().div_ceil(8);
    let mut compact = if size <= 3 { (target.low_u64() << (8 * (3 - size))) as u32 } else { target.shr(8 * (size - 3)).low_u64() as u32 };
    if compact & 0x0080_0000 != 0 {
        compact >>= 8;
        size += 1;
    }
    compact | (size << 24)
}

/// Expected number of hashes to find a block at `target`: 2²⁵⁶ / (target + 1) (`GetBlockProof`).
pub fn block_work(target: &U256) -> U256 {
    // 2^256 does not fit, but 2^256 / (t+1) = (~t / (t+1)) + 1.
    let plus_one = target.wrapping_add(&U256::from_u64(1));
    match target.not().div(&plus_one) {
        Some(q) => q.wrapping_add(&U256::from_u64(1)),
        None => U256::from_u64(1),
    }
}

/// The target at which one block takes `work` hashes on average: 2²⁵⁶ / work − 1.
pub fn target_for_work(work: &U256) -> U256 {
    if work.bits() <= 1 {
        return U256::MAX;
    }
    // (2^256 - 1) / work is within one of 2^256 / work.
    U256::MAX.div(work).unwrap_or(U256::MAX)
}

/// Difficulty: how many times harder than the minimum target `0x1d00ffff` (`GetDifficulty`).
pub fn difficulty(bits: u32) -> f64 {
    let mut shift = (bits >> 24) & 0xff;
    let mantissa = bits & 0x00ff_ffff;
    if mantissa == 0 {
        return 0.0;
    }
    let mut d = 65535.0 / mantissa as f64;
    while shift < 29 {
        d *= 256.0;
        shift += 1;
    }
    while shift > 29 {
        d /= 256.0;
        shift -= 1;
    }
    d
}

/// The merkle root of transaction ids. A level with an odd count pairs its last hash with
/// itself. One transaction is its own root; no transactions give the zero hash.
pub fn merkle_root(txids: &[Hash]) -> Hash {
    merkle_levels(txids).last().and_then(|l| l.first().copied()).unwrap_or(ZERO_HASH)
}

/// Every level of the merkle tree, leaves first, root last (each level before duplication).
pub fn merkle_levels(txids: &[Hash]) -> Vec<Vec<Hash>> {
    let mut levels = Vec::new();
    if txids.is_empty() {
        return levels;
    }
    let mut level: Vec<Hash> = txids.to_vec();
    while level.len() > 1 {
        let next: Vec<Hash> = level
            .chunks(2)
            .map(|pair| {
                let mut buf = [0u8; 64];
                buf[..32].copy_from_slice(&pair[0]);
                buf[32..].copy_from_slice(pair.get(1).unwrap_or(&pair[0]));
                sha256d(&buf)
            })
            .collect();
        levels.push(level);
        level = next;
    }
    levels.push(level);
    levels
}

/// Retargeting rules.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetargetParams {
    /// Blocks between retargets (2016 on mainnet).
    pub interval: u32,
    /// Seconds those blocks should take (two weeks on mainnet).
    pub timespan_s: u32,
    /// The easiest allowed target.
    pub pow_limit: U256,
}

impl RetargetParams {
    /// Bitcoin mainnet: 2016 blocks, two weeks, limit `0x1d00ffff`.
    pub fn mainnet() -> RetargetParams {
        RetargetParams { interval: 2016, timespan_s: 14 * 24 * 60 * 60, pow_limit: bits_to_target(0x1d00_ffff).unwrap_or(U256::MAX) }
    }
}

/// The height of the block whose time starts the measured timespan, for a retarget computed
/// after block `last_height`. Bitcoin Core goes back `interval - 1` blocks, not `interval`, so
/// each window measures only 2015 block intervals while expecting two weeks for 2016 (a quirk
/// kept for consensus).
pub fn retarget_first_height(last_height: u64, interval: u32) -> u64 {
    last_height.saturating_sub(interval.saturating_sub(1) as u64)
}

/// The compact target after a retarget (`CalculateNextWorkRequired`): the old target scaled by
/// the measured timespan over the intended one, the timespan clamped to [¼, 4×] first, the
/// result capped at the limit.
pub fn next_bits(last_bits: u32, last_time: i64, first_time: i64, p: &RetargetParams) -> u32 {
    let t = p.timespan_s.max(1) as i64;
    let actual = (last_time - first_time).clamp(t / 4, t * 4);
    let old = bits_to_target_full(last_bits).0;
    let mut new = old.mul_div(actual as u64, t as u64).unwrap_or(p.pow_limit);
    if new > p.pow_limit {
        new = p.pow_limit;
    }
    target_to_bits(&new)
}

/// The whitepaper's §11 probability that an attacker with hash share `q` (honest share
/// `p = 1 − q`) ever overtakes the honest chain after the payment has `z` confirmations:
/// 1 − Σₖ₌₀ᶻ (λᵏ e⁻λ / k!) (1 − (q/p)^(z−k)), with λ = z q / p. It is 1 when q ≥ p.
pub fn attacker_success(q: f64, z: u32) -> f64 {
    catch_up(q, z, 0)
}

/// Like [`attacker_success`], but the attacker must get *ahead* (one block more than the honest
/// chain), which is what reversing the payment under the most-work rule takes: each deficit is
/// one block larger, (q/p)^(z−k+1).
pub fn attacker_overtakes(q: f64, z: u32) -> f64 {
    catch_up(q, z, 1)
}

fn catch_up(q: f64, z: u32, extra: u32) -> f64 {
    let p = 1.0 - q;
    if q >= p {
        return 1.0;
    }
    if q <= 0.0 {
        return 0.0;
    }
    let lambda = z as f64 * (q / p);
    let mut sum = 1.0;
    for k in 0..=z {
        let mut poisson = libm::exp(-lambda);
        for i in 1..=k {
            poisson *= lambda / i as f64;
        }
        sum -= poisson * (1.0 - libm::pow(q / p, (z - k + extra) as f64));
    }
    sum.clamp(0.0, 1.0)
}

/// Eyal and Sirer's relative revenue of a selfish pool with hash share `alpha` when a share
/// `gamma` of the honest miners mine on its block during a tie ("Majority is not Enough", 2014,
/// eq. 8): (α(1−α)²(4α + γ(1−2α)) − α³) / (1 − α(1 + (2−α)α)). Above 1/3 (γ = 0) it exceeds α.
pub fn selfish_revenue(alpha: f64, gamma: f64) -> f64 {
    let a = alpha;
    let num = a * (1.0 - a) * (1.0 - a) * (4.0 * a + gamma * (1.0 - 2.0 * a)) - a * a * a;
    let den = 1.0 - a * (1.0 + (2.0 - a) * a);
    if den <= 0.0 {
        1.0
    } else {
        (num / den).clamp(0.0, 1.0)
    }
}
