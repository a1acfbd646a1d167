//! The network model. Nodes never see it: the kernel decides here, for every message sent,
//! whether it is lost, duplicated, and when each copy arrives.
//!
//! - Every directed link has a [`LinkConfig`]: a latency range, loss and duplication
//!   probabilities and a reordering probability (a reordered message takes an extra delay of up
//!   to `reorder_delay`, so later messages overtake it). Unless overridden per link, a link uses
//!   the network's default.
//! - A partition splits nodes into groups; messages between groups are lost. Nodes not named in
//!   any group form one more group together.
//! - A cut is one-way: `a -> b` loses messages from `a` to `b` only.
//!
//! All of it can change while the simulation runs: changes are actions in the event queue.

use crate::rng::Rng;
use crate::time::{Time, MS};
use crate::NodeId;
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

/// The behaviour of one directed link.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct LinkConfig {
    /// Lowest one-way latency, in µs.
    pub latency_min: Time,
    /// Highest one-way latency, in µs. Each message draws uniformly in between.
    pub latency_max: Time,
    /// Probability that a message is lost, in `[0, 1]`.
    pub loss: f64,
    /// Probability that a message is delivered twice, in `[0, 1]`.
    pub duplicate: f64,
    /// Probability that a message is held back by up to `reorder_delay`, in `[0, 1]`.
    pub reorder: f64,
    /// The largest extra delay of a reordered message, in µs.
    pub reorder_delay: Time,
}

impl Default for LinkConfig {
    fn default() -> Self {
        LinkConfig {
            latency_min: 2 * MS,
            latency_max: 6 * MS,
            loss: 0.0,
            duplicate: 0.0,
            reorder: 0.0,
            reorder_delay: 50 * MS,
        }
    }
}

/// The largest latency a link may be given (one minute), so schedules stay bounded.
pub const LATENCY_MAX_US: Time = 60_000_000;

impl LinkConfig {
    /// Checks every field is in range; the error names the field.
    pub fn validate(&self) -> Result<(), &'static str> {
        if self.latency_min > self.latency_max {
            return Err("latency_min must not exceed latency_max");
        }
        if self.latency_max > LATENCY_MAX_US || self.reorder_delay > LATENCY_MAX_US {
            return Err("latency_max and reorder_delay must be at most 60 s");
        }
        for (name, p) in [("loss", self.loss), ("duplicate", self.duplicate), ("reorder", self.reorder)] {
            if !(0.0..=1.0).contains(&p) {
                return Err(match name {
                    "loss" => "loss must be between 0 and 1",
                    "duplicate" => "duplicate must be between 0 and 1",
                    _ => "reorder must be between 0 and 1",
                });
            }
        }
        Ok(())
    }
}

/// Why the network did not deliver a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loss {
    /// The two ends are in different partition groups.
    Partitioned,
    /// The link is cut in this direction.
    Cut,
    /// The link's random loss.
    Random,
    /// The receiver was crashed when the message arrived.
    NodeDown,
    /// The user dropped it in flight.
    Dropped,
}

/// The network: default link behaviour, per-link overrides, partitions and cuts.
#[derive(Clone, Debug, Default)]
pub struct Network {
    /// Behaviour of every link without an override.
    pub default: LinkConfig,
    /// Per directed link overrides.
    pub links: BTreeMap<(NodeId, NodeId), LinkConfig>,
    /// Partition group of each node named in the current partition.
    group: BTreeMap<NodeId, u32>,
    /// The partition as given, for display.
    groups: Vec<Vec<NodeId>>,
    /// One-way cuts.
    cuts: BTreeSet<(NodeId, NodeId)>,
}

/// The outcome of sending one message: arrival delays of each delivered copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Lost, and why.
    Lost(Loss),
    /// Delivered once after the delay.
    Once(Time),
    /// Delivered twice.
    Twice(Time, Time),
}

impl Network {
    /// Applies a network action (partition, isolate, heal, cut, uncut, link, net); any other
    /// action leaves the network as it is. Not generic: one copy serves every model.
    pub fn apply(&mut self, action: &crate::action::Action) {
        use crate::action::Action;
        match action {
            Action::Partition(groups) => self.partition(groups),
            Action::Isolate(id) => {
                let mut groups: Vec<Vec<NodeId>> = self
                    .groups()
                    .iter()
                    .map(|g| g.iter().copied().filter(|n| n != id).collect::<Vec<_>>())
                    .filter(|g| !g.is_empty())
                    .collect();
                groups.push(alloc::vec![*id]);
                self.partition(&groups);
            }
            Action::Heal => self.heal(),
            Action::Cut(a, b) => self.set_cut(*a, *b, true),
            Action::Uncut(a, b) => self.set_cut(*a, *b, false),
            Action::Link(a, b, c) => {
                self.links.insert((*a, *b), *c);
            }
            Action::Net(c) => self.default = *c,
            _ => {}
        }
    }

    /// The configuration of the directed link `from -> to`.
    pub fn link(&self, from: NodeId, to: NodeId) -> &LinkConfig {
        self.links.get(&(from, to)).unwrap_or(&self.default)
    }

    /// Whether `from` can currently reach `to` at all (ignoring random loss).
    pub fn connected(&self, from: NodeId, to: NodeId) -> bool {
        self.partition_of(from) == self.partition_of(to) && !self.cuts.contains(&(from, to))
    }

    fn partition_of(&self, node: NodeId) -> u32 {
        // Nodes not named in any group share group u32::MAX.
        self.group.get(&node).copied().unwrap_or(u32::MAX)
    }

    /// Replaces the partition. Groups must be disjoint (checked by the caller's validation).
    pub fn partition(&mut self, groups: &[Vec<NodeId>]) {
        self.group.clear();
        self.groups.clear();
        for (i, g) in groups.iter().enumerate() {
            for &n in g {
                self.group.insert(n, i as u32);
            }
            self.groups.push(g.clone());
        }
    }

    /// Removes every partition and cut.
    pub fn heal(&mut self) {
        self.group.clear();
        self.groups.clear();
        self.cuts.clear();
    }

    /// The current partition groups as given (empty when healed).
    pub fn groups(&self) -> &[Vec<NodeId>] {
        &self.groups
    }

    /// Cuts or restores the one-way link `from -> to`.
    pub fn set_cut(&mut self, from: NodeId, to: NodeId, cut: bool) {
        if cut {
            self.cuts.insert((from, to));
        } else {
            self.cuts.remove(&(from, to));
        }
    }

    /// The current one-way cuts.
    pub fn cuts(&self) -> impl Iterator<Item = (NodeId, NodeId)> + '_ {
        self.cuts.iter().copied()
    }

    /// Decides the fate of one message. Draws a fixed number of random numbers per call
    /// whatever the outcome, so one setting change does not reshuffle every later draw.
    pub fn fate(&self, from: NodeId, to: NodeId, rng: &mut Rng) -> Fate {
        let link = *self.link(from, to);
        let lost = rng.chance(link.loss);
        let dup = rng.chance(link.duplicate);
        let delay = rng.range(link.latency_min, link.latency_max);
        let delay2 = rng.range(link.latency_min, link.latency_max);
        let reordered = rng.chance(link.reorder);
        let extra = rng.range(0, link.reorder_delay);
        if from != to {
            if self.partition_of(from) != self.partition_of(to) {
                return Fate::Lost(Loss::Partitioned);
            }
            if self.cuts.contains(&(from, to)) {
                return Fate::Lost(Loss::Cut);
            }
            if lost {
                return Fate::Lost(Loss::Random);
            }
        }
        let delay = if reordered { delay + extra } else { delay };
        if dup {
            Fate::Twice(delay, delay2)
        } else {
            Fate::Once(delay)
        }
    }
}
