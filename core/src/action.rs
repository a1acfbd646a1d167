//! User actions and faults. Each is an event in the run's timeline, so a run is replayed
//! exactly from its seed and its action script.

use crate::net::LinkConfig;
use crate::time::{fmt_time, Time};
use crate::view::Value;
use crate::{MsgId, NodeId};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// Something the user (or a scenario) does to a running world.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Crash a node: volatile state is lost, durable state kept.
    Crash(NodeId),
    /// Restart a crashed node from its durable state.
    Restart(NodeId),
    /// Freeze a node; its events wait.
    Pause(NodeId),
    /// Unfreeze a paused node.
    Resume(NodeId),
    /// Make a node `factor` times slower (1 = normal speed).
    Slow(NodeId, u32),
    /// Let a node misbehave in the model's Byzantine way, or stop.
    Byzantine(NodeId, bool),
    /// Split the network into groups; nodes not named form one more group.
    Partition(Vec<Vec<NodeId>>),
    /// Put one node in a group of its own, keeping other groups.
    Isolate(NodeId),
    /// Remove every partition and cut.
    Heal,
    /// Cut the one-way link `from -> to`.
    Cut(NodeId, NodeId),
    /// Restore the one-way link `from -> to`.
    Uncut(NodeId, NodeId),
    /// Set the behaviour of one directed link.
    Link(NodeId, NodeId, LinkConfig),
    /// Set the behaviour of every link without an override.
    Net(LinkConfig),
    /// Drop one message in flight.
    Drop(MsgId),
    /// A model command at a node, e.g. a client request.
    Command {
        /// Target node.
        node: NodeId,
        /// Command name (one of the model's `CommandInfo`).
        name: String,
        /// Argument text, e.g. "x=3".
        arg: String,
    },
    /// Change a model parameter.
    Set(String, Value),
    /// Add a node; the model decides what it is (a new server, a spare Raft server...).
    AddNode,
    /// From now on nothing happens by itself: messages and timers wait until a `Deliver` or
    /// `Fire` action picks them (the model checker's schedules replay this way).
    Manual,
    /// Deliver one message in flight now (to a crashed node it is lost).
    Deliver(MsgId),
    /// Put a second copy of a message in flight.
    Duplicate(MsgId),
    /// Fire a node's armed timer now, named by the id the kernel gave it when it was armed.
    Fire(NodeId, u64),
}

impl Action {
    /// A one-line description for the trace.
    pub fn describe(&self) -> String {
        match self {
            Action::Crash(n) => format!("crash node {n}"),
            Action::Restart(n) => format!("restart node {n}"),
            Action::Pause(n) => format!("pause node {n}"),
            Action::Resume(n) => format!("resume node {n}"),
            Action::Slow(n, 1) => format!("node {n} back to normal speed"),
            Action::Slow(n, k) => format!("node {n} becomes {k}× slower"),
            Action::Byzantine(n, on) => format!("node {n} Byzantine {}", if *on { "on" } else { "off" }),
            Action::Partition(groups) => format!("partition {groups:?}"),
            Action::Isolate(n) => format!("isolate node {n}"),
            Action::Heal => "heal the network".into(),
            Action::Cut(a, b) => format!("cut link {a}→{b}"),
            Action::Uncut(a, b) => format!("restore link {a}→{b}"),
            Action::Link(a, b, c) => format!(
                "link {a}→{b}: {}–{}, loss {}",
                fmt_time(c.latency_min),
                fmt_time(c.latency_max),
                c.loss
            ),
            Action::Net(c) => format!(
                "all links: {}–{}, loss {}",
                fmt_time(c.latency_min),
                fmt_time(c.latency_max),
                c.loss
            ),
            Action::Drop(m) => format!("drop message #{m}"),
            Action::Command { node, name, arg } if arg.is_empty() => format!("{name} at node {node}"),
            Action::Command { node, name, arg } => format!("{name} {arg} at node {node}"),
            Action::Set(k, v) => format!("set {k} = {}", v.to_text()),
            Action::AddNode => "add a node".into(),
            Action::Manual => "events now happen only when the timeline says".into(),
            Action::Deliver(m) => format!("deliver message #{m}"),
            Action::Duplicate(m) => format!("duplicate message #{m}"),
            Action::Fire(n, t) => format!("fire timer #{t} at node {n}"),
        }
    }

    /// The nodes this action is about (for the trace and highlighting).
    pub fn node(&self) -> Option<NodeId> {
        match self {
            Action::Crash(n)
            | Action::Restart(n)
            | Action::Pause(n)
            | Action::Resume(n)
            | Action::Slow(n, _)
            | Action::Byzantine(n, _)
            | Action::Isolate(n)
            | Action::Cut(n, _)
            | Action::Uncut(n, _)
            | Action::Link(n, _, _)
            | Action::Fire(n, _)
            | Action::Command { node: n, .. } => Some(*n),
            _ => None,
        }
    }
}

/// An action at a virtual time. It takes effect after every queued event at the same time.
#[derive(Clone, Debug, PartialEq)]
pub struct TimedAction {
    /// When.
    pub at: Time,
    /// What.
    pub action: Action,
}
