//! Eviction policies: small, pure, deterministic data structures, each its own public module.
//!
//! Every policy answers two questions. [`Policy::touch`]: a request for `k`: is it here? (A
//! hit updates the policy's bookkeeping: recency, a count, a reference bit.) And
//! [`Policy::insert`]: `k` was missing and has been fetched: where does it go, and which key
//! leaves? Splitting the two lets a cache node answer a miss at once and insert the value when
//! the database replies, while a trace simulation just calls [`access`]. Belady's OPT needs the
//! future and so has its own interface ([`opt::Opt`]).
//!
//! Every operation is O(log n) or better, with no unbounded loop; random choices use the
//! kernel's [`Rng`], never a `usize` from it.

pub mod arc;
pub mod clock;
pub mod lfu;
pub mod lru;
pub mod map;
pub mod opt;
pub mod random;
pub mod slru;
pub mod tinylfu;

use crate::figure::{ListItem, NamedList};
use crate::rng::Rng;
use alloc::format;
use alloc::vec::Vec;

/// A cache key.
pub type Key = u32;

/// The one ordered map the policies (and the curves, OPT, the database's per-key counts) are
/// built from: keys and values are `u64`, and a composite order (LFU's priority then recency,
/// OPT's next use then key) is packed into one key. A chunked sorted vector ([`map`]), not a
/// `BTreeMap`: each `BTreeMap<K, V>` type is its own copy of the B-tree code in the page.
pub use map::Map;

/// An online eviction policy.
pub trait Policy {
    /// Most keys it holds.
    fn capacity(&self) -> u32;
    /// Keys it holds now.
    fn len(&self) -> u32;
    /// Whether it holds none.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Whether `k` is resident (no bookkeeping).
    fn contains(&self, k: Key) -> bool;
    /// A request for `k`: true on a hit (bookkeeping updated). A miss inserts nothing.
    fn touch(&mut self, k: Key) -> bool;
    /// Inserts `k` (not resident) after a miss. Returns the key that left, if one did: a
    /// resident, or `k` itself when the policy declines to keep it (capacity 0, or W-TinyLFU's
    /// admission filter refusing the candidate).
    fn insert(&mut self, k: Key, rng: &mut Rng) -> Option<Key>;
    /// Forgets `k` (an invalidation); false if it was not resident.
    fn remove(&mut self, k: Key) -> bool;
    /// The policy's lists as a figure shows them, at most `max` items each.
    fn lists(&self, max: usize) -> Vec<NamedList>;
}

/// One request against `p` as a trace simulation sees it: true on a hit; a miss inserts `k`.
pub fn access<P: Policy + ?Sized>(p: &mut P, k: Key, rng: &mut Rng) -> bool {
    if p.touch(k) {
        true
    } else {
        p.insert(k, rng);
        false
    }
}

/// Misses of an online policy over a trace.
pub fn misses(kind: Kind, trace: &[Key], cap: u32, rng: &mut Rng) -> u64 {
    let mut p = AnyPolicy::new(kind, cap);
    trace.iter().filter(|&&k| !access(&mut p, k, rng)).count() as u64
}

pub(crate) fn item(k: Key, badge: Option<alloc::string::String>, ghost: bool, hot: bool) -> ListItem {
    ListItem { text: format!("{k}"), badge, color: k % 8, hot, ghost }
}

/// The online policies by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// [`lru::Fifo`].
    Fifo,
    /// [`lru::Lru`].
    Lru,
    /// [`lfu::Lfu`] (with dynamic aging).
    Lfu,
    /// [`clock::Clock`].
    Clock,
    /// [`random::Random`].
    Random,
    /// [`slru::Slru`].
    Slru,
    /// [`arc::Arc`].
    Arc,
    /// [`tinylfu::TinyLfu`].
    TinyLfu,
}

/// Every online policy, in menu order.
pub const KINDS: [Kind; 8] = [Kind::Lru, Kind::Fifo, Kind::Lfu, Kind::Clock, Kind::Random, Kind::Slru, Kind::Arc, Kind::TinyLfu];
/// Their setting names, in the same order.
pub const KIND_NAMES: &[&str] = &["lru", "fifo", "lfu", "clock", "random", "slru", "arc", "tinylfu"];

impl Kind {
    /// Setting name.
    pub fn name(self) -> &'static str {
        KIND_NAMES[KINDS.iter().position(|k| *k == self).unwrap_or(0)]
    }
    /// From a setting name.
    pub fn from_name(s: &str) -> Option<Kind> {
        KIND_NAMES.iter().position(|n| *n == s).map(|i| KINDS[i])
    }
    /// Short label for charts.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Fifo => "FIFO",
            Kind::Lru => "LRU",
            Kind::Lfu => "LFU-DA",
            Kind::Clock => "CLOCK",
            Kind::Random => "Random",
            Kind::Slru => "SLRU",
            Kind::Arc => "ARC",
            Kind::TinyLfu => "W-TinyLFU",
        }
    }
}

/// Any online policy (enum dispatch: no trait objects, cheap to clone for snapshots).
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub enum AnyPolicy {
    Fifo(lru::Fifo),
    Lru(lru::Lru),
    Lfu(lfu::Lfu),
    Clock(clock::Clock),
    Random(random::Random),
    Slru(slru::Slru),
    Arc(arc::Arc),
    TinyLfu(alloc::boxed::Box<tinylfu::TinyLfu>),
}

macro_rules! each {
    ($self:expr, $p:ident => $e:expr) => {
        match $self {
            AnyPolicy::Fifo($p) => $e,
            AnyPolicy::Lru($p) => $e,
            AnyPolicy::Lfu($p) => $e,
            AnyPolicy::Clock($p) => $e,
            AnyPolicy::Random($p) => $e,
            AnyPolicy::Slru($p) => $e,
            AnyPolicy::Arc($p) => $e,
            AnyPolicy::TinyLfu($p) => $e,
        }
    };
}

impl AnyPolicy {
    /// An empty policy of the given kind and capacity.
    pub fn new(kind: Kind, cap: u32) -> Self {
        match kind {
            Kind::Fifo => AnyPolicy::Fifo(lru::Fifo::new(cap)),
            Kind::Lru => AnyPolicy::Lru(lru::Lru::new(cap)),
            Kind::Lfu => AnyPolicy::Lfu(lfu::Lfu::new(cap)),
            Kind::Clock => AnyPolicy::Clock(clock::Clock::new(cap)),
            Kind::Random => AnyPolicy::Random(random::Random::new(cap)),
            Kind::Slru => AnyPolicy::Slru(slru::Slru::new(cap)),
            Kind::Arc => AnyPolicy::Arc(arc::Arc::new(cap)),
            Kind::TinyLfu => AnyPolicy::TinyLfu(alloc::boxed::Box::new(tinylfu::TinyLfu::new(cap))),
        }
    }

    /// Which kind it is.
    pub fn kind(&self) -> Kind {
        match self {
            AnyPolicy::Fifo(_) => Kind::Fifo,
            AnyPolicy::Lru(_) => Kind::Lru,
            AnyPolicy::Lfu(_) => Kind::Lfu,
            AnyPolicy::Clock(_) => Kind::Clock,
            AnyPolicy::Random(_) => Kind::Random,
            AnyPolicy::Slru(_) => Kind::Slru,
            AnyPolicy::Arc(_) => Kind::Arc,
            AnyPolicy::TinyLfu(_) => Kind::TinyLfu,
        }
    }
}

impl Policy for AnyPolicy {
    fn capacity(&self) -> u32 {
        each!(self, p => p.capacity())
    }
    fn len(&self) -> u32 {
        each!(self, p => p.len())
    }
    fn contains(&self, k: Key) -> bool {
        each!(self, p => p.contains(k))
    }
    fn touch(&mut self, k: Key) -> bool {
        each!(self, p => p.touch(k))
    }
    fn insert(&mut self, k: Key, rng: &mut Rng) -> Option<Key> {
        each!(self, p => p.insert(k, rng))
    }
    fn remove(&mut self, k: Key) -> bool {
        each!(self, p => p.remove(k))
    }
    fn lists(&self, max: usize) -> Vec<NamedList> {
        each!(self, p => p.lists(max))
    }
}
