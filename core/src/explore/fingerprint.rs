//! Stable state fingerprints.
//!
//! A model's types are only `Clone + Debug`, so the fingerprint hashes their `Debug` text as it
//! is written (no allocation): `Debug` output of integers, strings, floats, `BTreeMap`s and the
//! persistent collections is the same on every platform, so a fingerprint computed natively
//! equals the one computed in wasm32. The hash folds eight bytes at a time with a fixed odd
//! multiplier (the trace hash's mixing), finished with a SplitMix64 avalanche.
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

/// A streaming 64-bit hasher over bytes and `Debug` text.
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

/// Hash of a message as the explorer names it: sender, receiver, payload.
pub fn of_message<Msg: core::fmt::Debug>(from: u32, to: u32, msg: &Msg) -> u64 {
    let mut h = Hasher::default();
    h.u64(((from as u64) << 32) | to as u64);
    h.debug(msg);
    h.finish()
}

/// The fingerprint of a world (see the module documentation for what it covers). `extra` folds
/// in the explorer's own state (its used fault budget).
pub fn of_world<M: Model>(world: &World<M>, with_ghost: bool, extra: u64) -> u64 {
    let mut h = Hasher::default();
    let nodes = world.nodes();
    for id in 0..nodes.len() {
        let slot = nodes.slot(id).expect("id below len");
        h.debug(&slot.status);
        h.u64(slot.byzantine as u64);
        match (&slot.state, &slot.durable) {
            (Some(state), _) => h.debug(state),
            (None, Some(durable)) => h.debug(durable),
            (None, None) => h.u64(0),
        }
    }
    for (node, timer, _) in world.armed_timers() {
        h.u64(node as u64);
        h.debug(timer);
    }
    let mut msgs: Vec<u64> = nodes.in_flight().map(|(_, env)| of_message(env.from, env.to, &env.msg)).collect();
    msgs.sort_unstable();
    h.u64(msgs.len() as u64);
    for m in msgs {
        h.u64(m);
    }
    let net = world.network();
    h.debug(net.groups());
    for (a, b) in net.cuts() {
        h.u64(((a as u64) << 32) | b as u64);
    }
    if with_ghost {
        h.debug(world.ghost());
    }
    h.u64(extra);
    h.finish()
}
