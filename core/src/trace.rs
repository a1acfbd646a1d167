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

/// FNV-1a, 64-bit: a stable hash of the trace for determinism checks.
#[derive(Clone, Copy, Debug)]
pub struct TraceHash(pub u64);

impl Default for TraceHash {
    fn default() -> Self {
        TraceHash(0xcbf2_9ce4_8422_2325)
    }
}

impl TraceHash {
    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= b as u64;
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    /// Folds one entry into the hash.
    pub fn add(&mut self, e: &TraceEntry) {
        self.bytes(&e.event.to_le_bytes());
        self.bytes(&e.time.to_le_bytes());
        self.bytes(&[e.kind as u8, e.important as u8]);
        self.bytes(&e.node.map_or(u64::MAX, |n| n as u64).to_le_bytes());
        self.bytes(&e.peer.map_or(u64::MAX, |n| n as u64).to_le_bytes());
        self.bytes(&e.sent_at.to_le_bytes());
        self.bytes(&e.msg.unwrap_or(u64::MAX).to_le_bytes());
        self.bytes(e.label.as_bytes());
        self.bytes(e.text.as_bytes());
    }
}
