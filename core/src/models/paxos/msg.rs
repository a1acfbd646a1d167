//! Ballots, values and the messages of both phases ("Paxos Made Simple" §2.2–2.3; "Paxos Made
//! Moderately Complex" §3 for the slot-numbered messages of Multi-Paxos).

use crate::time::Time;
use crate::NodeId;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// A log position (Multi-Paxos); single-decree Paxos uses slot 1 only. Slots start at 1.
pub type Slot = u64;

/// A proposal number: a round, then the proposer's id to break ties, so two proposers never
/// share one ("Paxos Made Simple" §2.5: "different proposers choose their numbers from
/// disjoint sets"). Round 0 is the bottom ballot: nothing promised, nothing accepted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ballot {
    /// The round; compared first.
    pub round: u32,
    /// The proposer that owns the ballot; compared second.
    pub proposer: NodeId,
}

impl Ballot {
    /// The bottom ballot (below every real one).
    pub const ZERO: Ballot = Ballot { round: 0, proposer: 0 };

    /// A ballot.
    pub const fn new(round: u32, proposer: NodeId) -> Ballot {
        Ballot { round, proposer }
    }

    /// Whether this is the bottom ballot.
    pub fn is_zero(&self) -> bool {
        self.round == 0
    }

    /// Short text: `3.1` is round 3 of proposer 1, `—` the bottom ballot.
    pub fn text(&self) -> String {
        if self.is_zero() {
            "—".into()
        } else {
            format!("{}.{}", self.round, self.proposer)
        }
    }
}

/// A client command: write `key=value` into the replicas' key-value store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    /// Unique id (drawn from the submitting node's random stream).
    pub id: u64,
    /// Key.
    pub key: String,
    /// Value.
    pub value: String,
    /// Node the client talked to.
    pub origin: NodeId,
    /// When the client submitted it.
    pub submitted_at: Time,
}

/// What a slot can hold: a client command, or a no-op a new leader uses to fill a gap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// A client command.
    Cmd(Command),
    /// Does nothing when executed ("Paxos Made Simple" §3: gaps are filled with no-ops).
    Noop,
}

impl Value {
    /// Identity for the checker: the command id, 0 for a no-op.
    pub fn ident(&self) -> u64 {
        match self {
            Value::Cmd(c) => c.id,
            Value::Noop => 0,
        }
    }

    /// Short text: `x=1` or `no-op`.
    pub fn text(&self) -> String {
        match self {
            Value::Cmd(c) => format!("{}={}", c.key, c.value),
            Value::Noop => "no-op".into(),
        }
    }

    /// Whether this is a no-op.
    pub fn is_noop(&self) -> bool {
        matches!(self, Value::Noop)
    }
}

/// A value an acceptor accepted in a slot, as reported in a promise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accepted {
    /// The slot.
    pub slot: Slot,
    /// The ballot it was accepted in.
    pub ballot: Ballot,
    /// The value.
    pub value: Value,
}

/// Messages between roles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    /// Phase 1a: "promise to ignore ballots below `ballot` (for every slot from `from` on) and
    /// tell me what you accepted".
    Prepare {
        /// The proposer's ballot.
        ballot: Ballot,
        /// First slot the proposer does not already know to be chosen.
        from: Slot,
    },
    /// Phase 1b: the promise, with every value accepted at or after `from` (at most
    /// [`PROMISE_MAX`] of them; `truncated` says there were more).
    Promise {
        /// The ballot promised.
        ballot: Ballot,
        /// Accepted values, one per slot (the highest-ballot one the acceptor holds).
        accepted: Vec<Accepted>,
        /// The list was cut short: the proposer is too far behind and must catch up first.
        truncated: bool,
    },
    /// Phase 2a: "accept `value` in `slot` in ballot `ballot`".
    Accept {
        /// The proposer's ballot.
        ballot: Ballot,
        /// The slot.
        slot: Slot,
        /// The value.
        value: Value,
    },
    /// Phase 2b, sent to every learner (and so to the proposer, which is one).
    Accepted {
        /// The ballot accepted.
        ballot: Ballot,
        /// The slot.
        slot: Slot,
        /// The value (learners need it).
        value: Value,
    },
    /// A refusal: the acceptor promised `higher`, above `ballot` ("Paxos Made Simple" §2.3
    /// suggests telling the proposer so it can give up early).
    Reject {
        /// The ballot refused.
        ballot: Ballot,
        /// The acceptor's promise.
        higher: Ballot,
        /// Which phase was refused (1 or 2).
        phase: u8,
    },
    /// Multi-Paxos: the leader is alive; `executed` is how far its log runs without a gap.
    Heartbeat {
        /// The leader's ballot.
        ballot: Ballot,
        /// The leader's executed prefix.
        executed: Slot,
    },
    /// A lagging replica asks for chosen values from `from` on.
    CatchUp {
        /// First slot wanted.
        from: Slot,
    },
    /// Chosen values, for a lagging replica (or every replica once a single decree is known).
    Decided {
        /// (slot, value), in slot order.
        entries: Vec<(Slot, Value)>,
    },
    /// A client command passed on to the node believed to lead.
    Forward {
        /// The command.
        cmd: Command,
        /// Nodes it has passed through.
        hops: u8,
    },
}

/// Most accepted values one promise carries (twice the leader's window, so a proposer that
/// is caught up always gets all of them).
pub const PROMISE_MAX: usize = 64;
