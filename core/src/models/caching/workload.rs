//! Workloads: the stream of keys the clients ask for.
//!
//! - *uniform*: every key equally likely; no policy can do better than capacity / keys.
//! - *zipf*: the key of rank r is asked for with probability proportional to 1 / r^α, the shape
//!   of web, CDN and key-value traffic (Breslau et al., "Web caching and Zipf-like
//!   distributions", INFOCOM 1999). Sampled by rejection-inversion (Hörmann and Derflinger,
//!   1996): O(1) per draw, no table.
//! - *loop*: keys 0, 1, …, n−1, 0, 1, … — with n larger than the cache, LRU and FIFO miss on
//!   every request, because the key they just evicted is always the next one needed.
//! - *scan*: a Zipf hot set with one-off keys mixed in (a share of requests walks through keys
//!   never seen before and never seen again), which flushes recency-only caches.
//! - *recency*: a stream of fresh keys, each asked for again soon and then forgotten, which
//!   rewards recency and punishes long memories of frequency.
//! - *trace*: keys a user supplies, one per line, replayed in a loop ([`parse_trace`]).

use super::policy::Key;
use crate::rng::Rng;
use alloc::format;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;

/// Longest accepted trace, in lines.
pub const TRACE_LINES_MAX: usize = 100_000;
/// Largest accepted trace, in bytes.
pub const TRACE_BYTES_MAX: usize = 1 << 20;
/// Longest key in a trace, in characters.
pub const TRACE_KEY_CHARS_MAX: usize = 64;
/// Recency keys wrap here (below the scan keys).
pub const RECENCY_WRAP: u32 = 1 << 29;
/// Scan keys start here, clear of every other workload's keys.
pub const SCAN_BASE: Key = 1 << 30;

/// Workload shapes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Uniform over the keys.
    Uniform,
    /// Zipf with skew α.
    Zipf,
    /// A cyclic scan of all keys.
    Loop,
    /// A Zipf hot set with one-off scan keys mixed in.
    Scan,
    /// Fresh keys, asked for again soon and then forgotten: half the requests are a key never
    /// seen before, the other half one of the last `keys` new keys (a news feed, a session).
    Recency,
    /// The user's trace (falls back to Zipf until one is loaded).
    Trace,
}

/// Setting names of the shapes.
pub const SHAPE_NAMES: &[&str] = &["zipf", "uniform", "loop", "scan", "recency", "trace"];
/// The shapes, in the order of their names.
pub const SHAPES: [Shape; 6] = [Shape::Zipf, Shape::Uniform, Shape::Loop, Shape::Scan, Shape::Recency, Shape::Trace];

impl Shape {
    /// Setting name.
    pub fn name(self) -> &'static str {
        SHAPE_NAMES[SHAPES.iter().position(|s| *s == self).unwrap_or(0)]
    }
    /// From a setting name.
    pub fn from_name(s: &str) -> Option<Shape> {
        SHAPE_NAMES.iter().position(|n| *n == s).map(|i| SHAPES[i])
    }
}

/// A workload's settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spec {
    /// Shape.
    pub shape: Shape,
    /// Distinct keys (the hot set for `scan`, the loop length for `loop`).
    pub keys: u32,
    /// Zipf skew.
    pub alpha: f64,
    /// Share of one-off keys for `scan`.
    pub scan_share: f64,
}

/// Zipf over ranks 1..=n by rejection-inversion (the Apache Commons RNG formulation).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Zipf {
    n: f64,
    s: f64,
    h_x1: f64,
    h_n: f64,
    cut: f64,
}

fn helper1(x: f64) -> f64 {
    if x.abs() > 1e-8 {
        libm::log1p(x) / x
    } else {
        1.0 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x))
    }
}

fn helper2(x: f64) -> f64 {
    if x.abs() > 1e-8 {
        libm::expm1(x) / x
    } else {
        1.0 + x * 0.5 * (1.0 + x * (1.0 / 3.0) * (1.0 + 0.25 * x))
    }
}

impl Zipf {
    /// Zipf over `n` ranks with exponent `s` (> 0).
    pub fn new(n: u32, s: f64) -> Zipf {
        let mut z = Zipf { n: n.max(1) as f64, s: s.max(1e-6), h_x1: 0.0, h_n: 0.0, cut: 0.0 };
        z.h_x1 = z.h_integral(1.5) - 1.0;
        z.h_n = z.h_integral(z.n + 0.5);
        z.cut = 2.0 - z.h_integral_inv(z.h_integral(2.5) - z.h(2.0));
        z
    }
    fn h(&self, x: f64) -> f64 {
        libm::exp(-self.s * libm::log(x))
    }
    fn h_integral(&self, x: f64) -> f64 {
        let lx = libm::log(x);
        helper2((1.0 - self.s) * lx) * lx
    }
    fn h_integral_inv(&self, x: f64) -> f64 {
        let t = (x * (1.0 - self.s)).max(-1.0);
        libm::exp(helper1(t) * x)
    }
    /// A rank in 1..=n.
    pub fn sample(&self, rng: &mut Rng) -> u32 {
        // Accepts with probability > 0.9 per round; the bound only guards against NaN.
        for _ in 0..64 {
            let u = self.h_n + rng.unit() * (self.h_x1 - self.h_n);
            let x = self.h_integral_inv(u);
            // Clamped to 1..=n by hand: `f64::clamp`'s assertion message formats floats with
            // `Debug`, which pulled the shortest-float printer into the page for this alone.
            let k = libm::floor(x + 0.5);
            let k = if k < 1.0 {
                1.0
            } else if k > self.n {
                self.n
            } else {
                k
            };
            if k - x <= self.cut || u >= self.h_integral(k + 0.5) - self.h(k) {
                return k as u32;
            }
        }
        1
    }
}

/// A key stream: a spec plus its position.
#[derive(Clone, Debug)]
pub struct Gen {
    spec: Spec,
    zipf: Zipf,
    cursor: u32,
    scan_next: Key,
    trace: Option<Rc<[Key]>>,
}

impl Gen {
    /// A fresh stream for `spec`; `trace` is used by the `trace` shape.
    pub fn new(spec: Spec, trace: Option<Rc<[Key]>>) -> Gen {
        Gen { spec, zipf: Zipf::new(spec.keys, spec.alpha), cursor: 0, scan_next: SCAN_BASE, trace }
    }

    /// Gives this stream its own range of one-off scan keys (one range per client, so two
    /// clients never share a "one-off" key).
    pub fn scan_range(mut self, index: u32) -> Gen {
        self.scan_next = SCAN_BASE + (index % 16) * (1 << 26);
        self
    }

    /// The spec.
    pub fn spec(&self) -> Spec {
        self.spec
    }

    /// The trace it replays, if one is loaded.
    pub fn trace(&self) -> Option<Rc<[Key]>> {
        self.trace.clone()
    }

    /// Length of the loaded trace (0 if none).
    pub fn trace_len(&self) -> usize {
        self.trace.as_ref().map_or(0, |t| t.len())
    }

    /// Distinct keys the stream revisits (sizes the hit-ratio curves).
    pub fn distinct(&self) -> u32 {
        match (&self.trace, self.spec.shape) {
            (Some(t), Shape::Trace) => distinct(t),
            _ => self.spec.keys.max(1),
        }
    }

    /// The next key.
    pub fn next(&mut self, rng: &mut Rng) -> Key {
        let keys = self.spec.keys.max(1);
        match self.spec.shape {
            Shape::Uniform => rng.below(keys),
            Shape::Zipf => self.zipf.sample(rng) - 1,
            Shape::Loop => {
                let k = self.cursor % keys;
                self.cursor = (k + 1) % keys;
                k
            }
            Shape::Scan => {
                if rng.chance(self.spec.scan_share) {
                    let k = self.scan_next;
                    self.scan_next = self.scan_next.wrapping_add(1).max(SCAN_BASE);
                    let _ = ();
                    k
                } else {
                    self.zipf.sample(rng) - 1
                }
            }
            Shape::Recency => {
                if self.cursor == 0 || rng.chance(0.5) {
                    self.cursor = self.cursor.wrapping_add(1);
                    self.cursor % RECENCY_WRAP
                } else {
                    let back = 1 + rng.below(keys.min(self.cursor));
                    (self.cursor - back) % RECENCY_WRAP
                }
            }
            Shape::Trace => match &self.trace {
                Some(t) if !t.is_empty() => {
                    let k = t[self.cursor as usize % t.len()];
                    self.cursor = ((self.cursor as usize + 1) % t.len()) as u32;
                    k
                }
                _ => self.zipf.sample(rng) - 1,
            },
        }
    }
}

/// Distinct keys in a trace.
pub fn distinct(trace: &[Key]) -> u32 {
    let mut v: Vec<Key> = trace.to_vec();
    v.sort_unstable();
    v.dedup();
    v.len() as u32
}

/// What a trace line longer than [`TRACE_KEY_CHARS_MAX`] characters is told.
const KEY_TOO_LONG: &str = "a key may have at most 64 characters";
/// What a numeric trace key too large is told.
const NUMBER_TOO_BIG: &str = "numeric keys must be below 536870912";
// The two texts above spell the limits out; they must stay in step with them.
const _: () = assert!(TRACE_KEY_CHARS_MAX == 64 && SCAN_BASE / 2 == 536_870_912);

fn key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '/' | '-')
}

/// Parses a user trace: one key per line. A key is a whole number below 2^30 (used as is) or a
/// name of letters, digits and `_ . : / -` (names get numbers in order of first appearance).
/// Blank lines and lines starting with `#` are skipped. The error lists the first bad lines by
/// number (up to five) and what is wrong with each, or the size limit exceeded.
pub fn parse_trace(text: &str) -> Result<Vec<Key>, String> {
    use core::fmt::Write as _;
    if text.len() > TRACE_BYTES_MAX {
        return Err(format!("the trace is {} bytes; the limit is {} bytes", text.len(), TRACE_BYTES_MAX));
    }
    let mut keys = Vec::new();
    // Named keys by a hash of the name (the policies' shared map type, not a map of strings:
    // one copy less of the map code), each slot holding an index into `named`; a slot taken
    // by another name moves on to the next slot, so a collision never merges two names.
    let mut names = super::policy::Map::new();
    let mut named: Vec<&str> = Vec::new();
    let first_name: Key = SCAN_BASE / 2;
    // The first five bad lines, written out as they are found, and how many there were.
    let mut errors = String::new();
    let mut bad = 0usize;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        // What is wrong with the line: fixed texts (each `format!` is code in the page), after
        // the character at fault if there is one.
        let mut at_fault = None;
        let problem = if line.chars().count() > TRACE_KEY_CHARS_MAX {
            Some(KEY_TOO_LONG)
        } else if line.chars().any(char::is_whitespace) {
            Some("one key per line, without spaces")
        } else if let Some(c) = line.chars().find(|c| !key_char(*c)) {
            at_fault = Some(c);
            Some(" is not allowed in a key (letters, digits and _ . : / - are)")
        } else if line.bytes().all(|b| b.is_ascii_digit()) {
            match line.parse::<u64>() {
                Ok(n) if n < (SCAN_BASE / 2) as u64 => {
                    keys.push(n as Key);
                    None
                }
                _ => Some(NUMBER_TOO_BIG),
            }
        } else {
            let mut slot = line.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3));
            let i = loop {
                match names.get(&slot) {
                    Some(&i) if named[i as usize] == line => break i,
                    Some(_) => slot = slot.wrapping_add(1),
                    None => {
                        names.insert(slot, named.len() as u64);
                        named.push(line);
                        break named.len() as u64 - 1;
                    }
                }
            };
            keys.push(first_name + i as Key);
            None
        };
        if let Some(p) = problem {
            bad += 1;
            if bad <= 5 {
                // The line as shown: its first 20 characters (the byte where the 21st starts).
                let mut chars = 0;
                let end = line.bytes().position(|b| {
                    chars += (b & 0xC0 != 0x80) as usize;
                    chars > 20
                });
                if bad > 1 {
                    errors.push_str("; ");
                }
                let _ = write!(errors, "line {}: \"{}\": ", i + 1, &line[..end.unwrap_or(line.len())]);
                if let Some(c) = at_fault {
                    let _ = write!(errors, "'{c}'");
                }
                errors.push_str(p);
            }
        }
        if keys.len() > TRACE_LINES_MAX {
            return Err(format!("the trace has more than {TRACE_LINES_MAX} keys; the limit is {TRACE_LINES_MAX}"));
        }
    }
    if bad > 0 {
        if bad > 5 {
            let _ = write!(errors, " (and {} more bad lines)", bad - 5);
        }
        errors.insert_str(0, "bad trace: ");
        return Err(errors);
    }
    if keys.is_empty() {
        return Err("the trace is empty: give one key per line".into());
    }
    Ok(keys)
}
