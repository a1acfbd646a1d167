//! The trace: one record per thing that happened, feeding the event log, the space-time
//! diagram, the narration, and the determinism hash.

use crate::time::Time;
use crate::{MsgId, NodeId};
use alloc::string::String;

/// What kind of thing happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceKind {
    /// A message was delivered to `node` from `peer`.
    Deliver,
    /// A message from `peer` to `node` was lost (partition, cut, loss, dropped, node down).
    Lost,
    /// A timer fired at `node`.
    Timer,
    /// A user action or fault.
    Action,
    /// Something a node noted while handling an event (became leader, committed...).
    Note,
}

/// One line of the trace.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceEntry {
    /// Index of the event this entry belongs to (several entries may share one).
    pub event: u64,
    /// Virtual time.
    pub time: Time,
    /// Kind.
    pub kind: TraceKind,
    /// Where it happened: the receiver, the timer's node, the action's node.
    pub node: Option<NodeId>,
    /// The sender of a message.
    pub peer: Option<NodeId>,
    /// For messages: when it was sent.
    pub sent_at: Time,
    /// For messages: its id.
    pub msg: Option<MsgId>,
    /// Short label, e.g. the message kind or "election timeout".
    pub label: &'static str,
    /// One-line human summary.
    pub text: String,
    /// Worth announcing to a screen reader (elections, commits, crashes).
    pub important: bool,
}

/// A stable 64-bit hash of the trace for determinism checks: FNV-1a's offset basis, folding
/// eight little-endian bytes at a time (xor, multiply by an odd constant, rotate), so the same
/// trace hashes the same on every platform. A word at a time because the hash runs after every
/// event: byte-wise FNV was the largest single cost of a loaded run.
#[derive(Clone, Copy, Debug)]
pub struct TraceHash(pub u64);

impl Default for TraceHash {
    fn default() -> Self {
        TraceHash(0xcbf2_9ce4_8422_2325)
    }
}

impl TraceHash {
    #[inline]
    fn word(&mut self, w: u64) {
        self.0 = (self.0 ^ w).wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(29);
    }

    fn bytes(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.word(u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]));
        }
        let mut last = [0u8; 8];
        let rest = chunks.remainder();
        last[..rest.len()].copy_from_slice(rest);
        // The length goes in too, so "a" and "a\0" differ.
        self.word(u64::from_le_bytes(last) ^ ((bytes.len() as u64) << 56));
    }

    /// Folds one entry into the hash.
    pub fn add(&mut self, e: &TraceEntry) {
        self.word(e.event);
        self.word(e.time);
        self.word((e.kind as u64) | (e.important as u64) << 8);
        self.word(e.node.map_or(u64::MAX, |n| n as u64));
        self.word(e.peer.map_or(u64::MAX, |n| n as u64));
        self.word(e.sent_at);
        self.word(e.msg.unwrap_or(u64::MAX));
        self.bytes(e.label.as_bytes());
        self.bytes(e.text.as_bytes());
    }
}
