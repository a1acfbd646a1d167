//! Stable state fingerprints.
//!
//! Each part of a state (node, durable state, message, timer key, ghost) goes in through
//! [`Model::fingerprint`]. By default that hashes the part's `Debug` text as it is written (no
//! allocation), which works for any model: `Debug` output of integers, strings, `BTreeMap`s and
//! the persistent collections is the same on every platform. A model whose types implement
//! [`core::hash::Hash`] overrides it with [`Part::hash_into`], a structural hash many times faster
//! (no formatting). [`Hasher`] is a `core::hash::Hasher` that makes both stable: `usize` and
//! `isize` are widened to 64 bits and every integer is folded in little-endian, so a
//! fingerprint computed natively equals the one computed in wasm32. The hash folds eight bytes
//! at a time with a fixed odd multiplier (the trace hash's mixing), finished with a SplitMix64
//! avalanche.
//!
//! What goes in: every node's status, Byzantine switch and live (or durable) state, the armed
//! timers by node and key, the messages in flight as a *multiset* of (sender, receiver,
//! payload) — message ids and send times are left out, so two schedules that leave the same
//! messages in flight meet — the partition and cuts, optionally the ghost history, and the
//! explorer's used fault budget. Virtual time is left out: it is an abstraction (two states
//! that differ only in the clock are one state), sound for the safety properties the models
//! check, which never read the clock.

use crate::model::Model;
use crate::world::World;
use alloc::vec::Vec;
use core::fmt::Write;

/// A streaming 64-bit hasher over bytes, numbers and `Debug` text; as a [`core::hash::Hasher`]
/// it gives the same value on every platform (see the module documentation).
#[derive(Clone, Debug)]
pub struct Hasher {
    state: u64,
    buf: [u8; 8],
    len: usize,
}

impl Default for Hasher {
    fn default() -> Self {
        Hasher { state: 0xcbf2_9ce4_8422_2325, buf: [0; 8], len: 0 }
    }
}

impl Hasher {
    #[inline]
    fn word(&mut self, w: u64) {
        self.state = (self.state ^ w).wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(29);
    }

    /// Folds bytes in.
    #[inline]
    pub fn bytes(&mut self, mut bytes: &[u8]) {
        // Top up a partly filled word first, then whole words straight from the slice, then
        // keep the tail: the same words as feeding byte by byte, without a branch per byte.
        if self.len > 0 {
            let take = (8 - self.len).min(bytes.len());
            self.buf[self.len..self.len + take].copy_from_slice(&bytes[..take]);
            self.len += take;
            bytes = &bytes[take..];
            if self.len < 8 {
                return;
            }
            self.word(u64::from_le_bytes(self.buf));
            self.len = 0;
        }
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            self.word(u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]));
        }
        let rest = words.remainder();
        self.buf[..rest.len()].copy_from_slice(rest);
        self.len = rest.len();
    }

    /// Folds a number in.
    #[inline]
    pub fn u64(&mut self, x: u64) {
        self.flush();
        self.word(x);
    }

    /// Folds a value's `Debug` text in, followed by a separator.
    pub fn debug<T: core::fmt::Debug + ?Sized>(&mut self, value: &T) {
        let _ = write!(self, "{value:?}");
        self.bytes(&[0xff]);
    }

    #[inline]
    fn flush(&mut self) {
        if self.len > 0 {
            let mut last = [0u8; 8];
            last[..self.len].copy_from_slice(&self.buf[..self.len]);
            self.word(u64::from_le_bytes(last) ^ ((self.len as u64) << 56));
            self.len = 0;
        }
    }

    /// The hash so far.
    pub fn finish(&self) -> u64 {
        let mut h = self.clone();
        h.flush();
        let mut z = h.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// Every integer is one little-endian word, `usize` and `isize` widened to 64 bits, so a
/// `Hash` implementation feeds the same words natively and in wasm32.
impl core::hash::Hasher for Hasher {
    #[inline]
    fn finish(&self) -> u64 {
        Hasher::finish(self)
    }
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        self.bytes(bytes);
    }
    #[inline]
    fn write_u8(&mut self, x: u8) {
        self.u64(x as u64);
    }
    #[inline]
    fn write_u16(&mut self, x: u16) {
        self.u64(x as u64);
    }
    #[inline]
    fn write_u32(&mut self, x: u32) {
        self.u64(x as u64);
    }
    #[inline]
    fn write_u64(&mut self, x: u64) {
        self.u64(x);
    }
    #[inline]
    fn write_u128(&mut self, x: u128) {
        self.u64(x as u64);
        self.u64((x >> 64) as u64);
    }
    #[inline]
    fn write_usize(&mut self, x: usize) {
        self.u64(x as u64);
    }
    #[inline]
    fn write_i8(&mut self, x: i8) {
        self.u64(x as i64 as u64);
    }
    #[inline]
    fn write_i16(&mut self, x: i16) {
        self.u64(x as i64 as u64);
    }
    #[inline]
    fn write_i32(&mut self, x: i32) {
        self.u64(x as i64 as u64);
    }
    #[inline]
    fn write_i64(&mut self, x: i64) {
        self.u64(x as u64);
    }
    #[inline]
    fn write_i128(&mut self, x: i128) {
        self.write_u128(x as u128);
    }
    #[inline]
    fn write_isize(&mut self, x: isize) {
        self.u64(x as i64 as u64);
    }
}

/// One part of a world's state, as [`Model::fingerprint`] is given it.
pub enum Part<'a, M: Model> {
    /// A live node's state.
    Node(&'a M::Node),
    /// A crashed node's durable state.
    Durable(&'a M::Durable),
    /// A message's payload.
    Msg(&'a M::Msg),
    /// A timer key.
    Timer(&'a M::Timer),
    /// The ghost history.
    Ghost(&'a M::Ghost),
}

impl<M: Model> Part<'_, M> {
    /// Folds the part's `Debug` text in (the default of [`Model::fingerprint`]).
    pub fn debug(&self, h: &mut Hasher) {
        match self {
            Part::Node(x) => h.debug(*x),
            Part::Durable(x) => h.debug(*x),
            Part::Msg(x) => h.debug(*x),
            Part::Timer(x) => h.debug(*x),
            Part::Ghost(x) => h.debug(*x),
        }
    }

    /// Folds the part in by its [`core::hash::Hash`] implementation: what a model whose types
    /// all implement `Hash` gives as its [`Model::fingerprint`]. The `Hash` implementations
    /// must tell apart what the states' `Debug` text does (derived ones do).
    pub fn hash_into(&self, h: &mut Hasher)
    where
        M::Node: core::hash::Hash,
        M::Durable: core::hash::Hash,
        M::Msg: core::hash::Hash,
        M::Timer: core::hash::Hash,
        M::Ghost: core::hash::Hash,
    {
        use core::hash::Hash;
        match self {
            Part::Node(x) => x.hash(h),
            Part::Durable(x) => x.hash(h),
            Part::Msg(x) => x.hash(h),
            Part::Timer(x) => x.hash(h),
            Part::Ghost(x) => x.hash(h),
        }
    }
}

impl Write for Hasher {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.bytes(s.as_bytes());
        Ok(())
    }
}

/// Hash of one value's `Debug` text.
pub fn of_debug<T: core::fmt::Debug + ?Sized>(value: &T) -> u64 {
    let mut h = Hasher::default();
    h.debug(value);
    h.finish()
}

/// Hash of a message as the explorer names it: sender, receiver, payload (by the model's
/// [`Model::fingerprint`]).
pub fn of_message<M: Model>(model: &M, from: u32, to: u32, msg: &M::Msg) -> u64 {
    let mut h = Hasher::default();
    h.u64(((from as u64) << 32) | to as u64);
    model.fingerprint(Part::Msg(msg), &mut h);
    h.finish()
}

/// Hash of a timer key (by the model's [`Model::fingerprint`]).
pub fn of_timer<M: Model>(model: &M, timer: &M::Timer) -> u64 {
    let mut h = Hasher::default();
    model.fingerprint(Part::Timer(timer), &mut h);
    h.finish()
}

/// The fingerprint of a world (see the module documentation for what it covers). `extra` folds
/// in the explorer's own state (its used fault budget).
pub fn of_world<M: Model>(world: &World<M>, with_ghost: bool, extra: u64) -> u64 {
    let mut nodes = NodeHashes::default();
    nodes.fill(world, None);
    of_world_with(world, with_ghost, extra, &nodes)
}

/// Most nodes whose hashes [`NodeHashes`] keeps inline.
const NODES_INLINE: usize = 8;

/// Each node's hash (status, Byzantine switch, state), which [`of_world_with`] combines. A
/// transition changes at most one node (the kernel hands a handler one node), so the search
/// keeps its parent's hashes and computes one again instead of all ([`NodeHashes::fill`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct NodeHashes {
    hashes: [u64; NODES_INLINE],
    len: u8,
}

impl NodeHashes {
    /// Hashes of `world`'s nodes: those of `parent` (the state it was reached from) except
    /// node `changed`, which is hashed again; every node without a parent. A world with more
    /// nodes than fit inline, or a different number than the parent, is hashed whole.
    pub fn fill<M: Model>(&mut self, world: &World<M>, parent: Option<(&NodeHashes, Option<crate::NodeId>)>) {
        let n = world.node_count() as usize;
        if n > NODES_INLINE {
            self.len = 0;
            return;
        }
        match parent {
            Some((p, changed)) if p.len as usize == n => {
                *self = *p;
                if let Some(id) = changed {
                    self.hashes[id as usize] = node_hash(world, id);
                }
            }
            _ => {
                self.len = n as u8;
                for id in 0..n {
                    self.hashes[id] = node_hash(world, id as crate::NodeId);
                }
            }
        }
    }
}

/// One node's hash: status, Byzantine switch, live (or durable) state.
pub fn node_hash<M: Model>(world: &World<M>, id: crate::NodeId) -> u64 {
    let mut h = Hasher::default();
    let slot = world.nodes().slot(id).expect("id below len");
    h.u64(status_word(slot.status));
    h.u64(slot.byzantine as u64);
    match (&slot.state, &slot.durable) {
        (Some(state), _) => world.model.fingerprint(Part::Node(state), &mut h),
        (None, Some(durable)) => world.model.fingerprint(Part::Durable(durable), &mut h),
        (None, None) => h.u64(0),
    }
    h.finish()
}

/// [`of_world`] given the nodes' hashes (from [`NodeHashes::fill`] on this very world).
pub fn of_world_with<M: Model>(world: &World<M>, with_ghost: bool, extra: u64, node_hashes: &NodeHashes) -> u64 {
    of_world_known(world, with_ghost, extra, node_hashes, &[])
}

/// The hashes ([`of_message`]) of a world's messages in flight, by message id, in id order.
pub fn message_hashes<M: Model>(world: &World<M>, out: &mut Vec<(crate::MsgId, u64)>) {
    out.clear();
    out.extend(world.nodes().in_flight().map(|(id, env)| (id, of_message(&world.model, env.from, env.to, &env.msg))));
}

/// [`of_world_with`], reusing the hashes of messages already known by id (`known`, in id
/// order, from [`message_hashes`] of the state this one was reached from: a message keeps its
/// id and payload while in flight, and a step sends or removes only one or two).
pub fn of_world_known<M: Model>(world: &World<M>, with_ghost: bool, extra: u64, node_hashes: &NodeHashes, known: &[(crate::MsgId, u64)]) -> u64 {
    let model = &world.model;
    let mut h = Hasher::default();
    let nodes = world.nodes();
    let n = nodes.len() as usize;
    h.u64(n as u64);
    if node_hashes.len as usize == n {
        for &x in &node_hashes.hashes[..n] {
            h.u64(x);
        }
    } else {
        for id in 0..n {
            h.u64(node_hash(world, id as crate::NodeId));
        }
    }
    for (node, timer, _) in world.armed_timers() {
        h.u64(node as u64);
        model.fingerprint(Part::Timer(timer), &mut h);
    }
    // The messages as a multiset: their hashes, sorted (on the stack for the usual few).
    let mut msgs: SmallVec = SmallVec::default();
    // Both in id order: walk `known` alongside.
    let mut k = 0;
    for (id, env) in nodes.in_flight() {
        while k < known.len() && known[k].0 < id {
            k += 1;
        }
        match known.get(k) {
            Some(&(kid, h)) if kid == id => msgs.push(h),
            _ => msgs.push(of_message(model, env.from, env.to, &env.msg)),
        }
    }
    let msgs = msgs.sorted();
    h.u64(msgs.len() as u64);
    for &m in msgs {
        h.u64(m);
    }
    let net = world.network();
    let groups = net.groups();
    h.u64(groups.len() as u64);
    for g in groups {
        h.u64(g.len() as u64);
        for &n in g {
            h.u64(n as u64);
        }
    }
    for (a, b) in net.cuts() {
        h.u64(((a as u64) << 32) | b as u64);
    }
    if with_ghost {
        model.fingerprint(Part::Ghost(world.ghost()), &mut h);
    }
    h.u64(extra);
    h.finish()
}

/// A node status as one word.
fn status_word(s: crate::view::NodeStatus) -> u64 {
    use crate::view::NodeStatus::*;
    match s {
        Up => 1,
        Crashed => 2,
        Paused => 3,
        Slow(k) => 4 | (k as u64) << 8,
    }
}

/// Up to 32 message hashes inline, more on the heap.
#[derive(Default)]
struct SmallVec {
    inline: [u64; 32],
    len: usize,
    heap: Vec<u64>,
}

impl SmallVec {
    #[inline]
    fn push(&mut self, x: u64) {
        if self.len < self.inline.len() {
            self.inline[self.len] = x;
        } else {
            if self.heap.is_empty() {
                self.heap.extend_from_slice(&self.inline);
            }
            self.heap.push(x);
        }
        self.len += 1;
    }

    fn sorted(&mut self) -> &[u64] {
        let all = if self.len <= self.inline.len() { &mut self.inline[..self.len] } else { &mut self.heap[..] };
        all.sort_unstable();
        all
    }
}
