//! Share links: a run's scenario (model, settings, seed, action script) in the URL fragment,
//! as compact JSON, deflated, in URL-safe base64. Opening the link rebuilds the run exactly.
//!
//! Untrusted input: the text is bounded before decoding, inflation is bounded, and every
//! failure says what is wrong with the link, never panics.

use crate::scenario::{Scenario, ScenarioError, SCENARIO_BYTES_MAX};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use base64::Engine as _;

/// Longest share-link payload accepted, in characters.
pub const LINK_CHARS_MAX: usize = 200_000;
/// Version prefix of the payload, so a future format can be told apart.
const PREFIX: &str = "1.";

/// Encodes a scenario for a URL fragment.
pub fn encode(scenario: &Scenario) -> String {
    let mut s = scenario.clone();
    s.expect.clear();
    let json = serde_json::to_vec(&s).unwrap_or_default();
    let packed = deflate(&json);
    format!("{PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(packed))
}

/// Decodes a share-link payload. The error says how the link is damaged.
pub fn decode(payload: &str) -> Result<Scenario, ScenarioError> {
    let bad = |why: String| ScenarioError(format!("This share link is damaged: {why}"));
    if payload.len() > LINK_CHARS_MAX {
        return Err(bad(format!("it is {} characters long; the limit is {LINK_CHARS_MAX}", payload.len())));
    }
    let body = payload.strip_prefix(PREFIX).ok_or_else(|| bad("it does not start with a known version (\"1.\")".into()))?;
    let packed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(body.trim_end_matches('='))
        .map_err(|e| bad(format!("it is not valid base64 ({e})")))?;
    let json: Vec<u8> = miniz_oxide::inflate::decompress_to_vec_with_limit(&packed, SCENARIO_BYTES_MAX)
        .map_err(|e| bad(format!("it is truncated or corrupted (inflate: {:?})", e.status)))?;
    let text = core::str::from_utf8(&json).map_err(|_| bad("its content is not text".into()))?;
    let scenario = Scenario::parse(text).map_err(|e| bad(e.0))?;
    Ok(scenario)
}

/// Lengths 3..=258 as (first length of the code, extra bits), codes 257..=285 (RFC 1951 §3.2.5).
const LEN_BASE: [(u16, u8); 29] = [
    (3, 0), (4, 0), (5, 0), (6, 0), (7, 0), (8, 0), (9, 0), (10, 0), (11, 1), (13, 1), (15, 1), (17, 1), (19, 2), (23, 2), (27, 2),
    (31, 2), (35, 3), (43, 3), (51, 3), (59, 3), (67, 4), (83, 4), (99, 4), (115, 4), (131, 5), (163, 5), (195, 5), (227, 5), (258, 0),
];
/// Distances 1..=32768 as (first distance of the code, extra bits), codes 0..=29.
const DIST_BASE: [(u16, u8); 30] = [
    (1, 0), (2, 0), (3, 0), (4, 0), (5, 1), (7, 1), (9, 2), (13, 2), (17, 3), (25, 3), (33, 4), (49, 4), (65, 5), (97, 5), (129, 6),
    (193, 6), (257, 7), (385, 7), (513, 8), (769, 8), (1025, 9), (1537, 9), (2049, 10), (3073, 10), (4097, 11), (6145, 11),
    (8193, 12), (12289, 12), (16385, 13), (24577, 13),
];

/// Bits written least significant first, as DEFLATE packs them.
struct Bits {
    out: Vec<u8>,
    acc: u32,
    n: u32,
}

impl Bits {
    fn put(&mut self, value: u32, count: u32) {
        self.acc |= value << self.n;
        self.n += count;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    /// A Huffman code: sent most significant bit first.
    fn code(&mut self, code: u32, len: u32) {
        self.put(code.reverse_bits() >> (32 - len), len);
    }

    /// A literal/length symbol in the fixed code (RFC 1951 §3.2.6).
    fn sym(&mut self, s: u32) {
        match s {
            0..=143 => self.code(0x30 + s, 8),
            144..=255 => self.code(0x190 + s - 144, 9),
            256..=279 => self.code(s - 256, 7),
            _ => self.code(0xc0 + s - 280, 8),
        }
    }
}

/// Index of the last table entry whose base is at most `v`.
fn bucket(table: &[(u16, u8)], v: usize) -> usize {
    table.iter().rposition(|&(b, _)| b as usize <= v).unwrap_or(0)
}

/// Raw DEFLATE (one block, fixed Huffman codes, LZ77 with hash chains over a 32 KiB window).
/// Much smaller code than a full encoder; share links are short JSON, where fixed codes cost
/// little. Any inflater reads it.
fn deflate(data: &[u8]) -> Vec<u8> {
    const WINDOW: usize = 1 << 15;
    const HASH: usize = 1 << 12;
    const CHAIN: usize = 128;
    let mut w = Bits { out: Vec::new(), acc: 0, n: 0 };
    w.put(0b011, 3); // last block, fixed codes
    let hash = |i: usize| ((data[i] as usize) << 8 ^ (data[i + 1] as usize) << 4 ^ data[i + 2] as usize) & (HASH - 1);
    let mut head = alloc::vec![usize::MAX; HASH];
    let mut prev = alloc::vec![usize::MAX; data.len()];
    let mut i = 0;
    while i < data.len() {
        let (mut best, mut dist) = (0, 0);
        if i + 2 < data.len() {
            let mut j = head[hash(i)];
            let mut tries = CHAIN;
            while j != usize::MAX && i - j <= WINDOW && tries > 0 && best < 258 {
                let len = data[j..].iter().zip(&data[i..]).take(258).take_while(|(a, b)| a == b).count();
                if len > best {
                    (best, dist) = (len, i - j);
                }
                j = prev[j];
                tries -= 1;
            }
        }
        let step = if best >= 3 {
            let l = bucket(&LEN_BASE, best);
            w.sym(257 + l as u32);
            w.put((best - LEN_BASE[l].0 as usize) as u32, LEN_BASE[l].1 as u32);
            let d = bucket(&DIST_BASE, dist);
            w.code(d as u32, 5);
            w.put((dist - DIST_BASE[d].0 as usize) as u32, DIST_BASE[d].1 as u32);
            best
        } else {
            w.sym(data[i] as u32);
            1
        };
        for (k, p) in prev.iter_mut().enumerate().skip(i).take(step) {
            if k + 2 < data.len() {
                let h = hash(k);
                *p = head[h];
                head[h] = k;
            }
        }
        i += step;
    }
    w.sym(256);
    w.put(0, 7); // flush the last partial byte
    w.out
}

#[cfg(test)]
mod tests {
    use super::deflate;
    use alloc::vec::Vec;

    fn round_trip(data: &[u8]) -> usize {
        let packed = deflate(data);
        let back = miniz_oxide::inflate::decompress_to_vec(&packed).expect("valid deflate");
        assert_eq!(back, data);
        packed.len()
    }

    #[test]
    fn deflate_round_trips() {
        round_trip(b"");
        round_trip(b"a");
        round_trip(b"ab");
        round_trip(b"abc");
        round_trip(b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        // Every byte value, every match length and distances across the window edge.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut noise = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut data: Vec<u8> = (0..=255u8).collect();
        for len in 3..300 {
            let from = (noise() % data.len() as u64) as usize;
            let piece: Vec<u8> = data[from..].iter().copied().cycle().take(len).collect();
            data.extend(piece);
            data.push(noise() as u8);
        }
        while data.len() < 100_000 {
            let n = noise();
            if n % 3 == 0 {
                let from = data.len() - 1 - (noise() % 40_000.min(data.len() as u64)) as usize;
                let piece: Vec<u8> = data[from..].iter().copied().take((n % 400) as usize).collect();
                data.extend(piece);
            } else {
                data.push((n % 7) as u8 + b'a');
            }
        }
        let packed = round_trip(&data);
        assert!(packed < data.len() / 2, "{packed} of {}", data.len());
    }
}
