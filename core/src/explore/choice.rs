//! The choices open in a state, and applying one.
//!
//! A choice names what it acts on by content, not by id: "deliver the message from 1 to 2
//! whose payload hashes to h", "fire node 0's timer whose key hashes to k". Ids depend on how
//! many messages and timers were created before, so a schedule with a step removed (as the
//! shrinker tries) would otherwise point at the wrong message; by content, each step finds its
//! message again or is known to be impossible. Equal messages on the same link are
//! interchangeable, so they give one choice, not several.
//!
//! Time: a delivery happens at the current time (the network may be as fast as it likes); a
//! timer fires at its deadline, or now if that has passed (everything else may be as slow as
//! it likes). So any order of pending events is a possible run, and the clock never goes back.

use super::fingerprint::{of_message, of_timer};
use super::Budget;
use crate::action::{Action, TimedAction};
use crate::model::Model;
use crate::time::Time;
use crate::view::NodeStatus;
use crate::world::World;
use crate::NodeId;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// One thing the explorer may make happen next.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Choice {
    /// Deliver a message in flight (to a crashed node it is lost).
    Deliver {
        /// Sender.
        from: NodeId,
        /// Receiver.
        to: NodeId,
        /// Hash of the payload ([`of_message`]).
        msg: u64,
    },
    /// Lose a message in flight (uses the drop budget).
    Drop {
        /// Sender.
        from: NodeId,
        /// Receiver.
        to: NodeId,
        /// Hash of the payload.
        msg: u64,
    },
    /// Put a second copy of a message in flight (uses the duplicate budget).
    Duplicate {
        /// Sender.
        from: NodeId,
        /// Receiver.
        to: NodeId,
        /// Hash of the payload.
        msg: u64,
    },
    /// Fire an armed timer.
    Fire {
        /// The node.
        node: NodeId,
        /// Hash of the timer key ([`of_timer`]).
        timer: u64,
    },
    /// Crash a live node (uses the crash budget).
    Crash(NodeId),
    /// Restart a crashed node.
    Restart(NodeId),
    /// Cut a node off from the others (uses the partition budget).
    Isolate(NodeId),
    /// Remove every partition.
    Heal,
    /// A model command from a node's menu (uses the command budget).
    Command {
        /// The node.
        node: NodeId,
        /// Command name.
        name: String,
        /// Its argument.
        arg: String,
    },
}

impl Choice {
    /// The budget this choice uses, if any.
    pub(crate) fn spend(&self, used: &mut Budget) {
        match self {
            Choice::Drop { .. } => used.drops += 1,
            Choice::Duplicate { .. } => used.duplicates += 1,
            Choice::Crash(_) => used.crashes += 1,
            Choice::Isolate(_) => used.partitions += 1,
            Choice::Command { .. } => used.commands += 1,
            _ => {}
        }
    }
}

/// Every choice open in `world` given the budget left, in a fixed order, each with the kernel
/// action that makes it happen there (what [`resolve`] would give, without searching again).
/// With `rounds`, messages give no choices (the network delivers them all after each choice).
pub fn choices<M: Model>(world: &World<M>, limit: &Budget, used: &Budget, commands: &[String], rounds: bool, out: &mut Vec<(Choice, TimedAction)>) {
    out.clear();
    let now = world.now();
    let at_now = |action: Action| TimedAction { at: now, action };
    let nodes = world.nodes();
    for (id, env) in nodes.in_flight().filter(|_| !rounds) {
        let h = of_message(&world.model, env.from, env.to, &env.msg);
        // Equal messages on a link give one choice: the first one's.
        let twin = |(c, _): &(Choice, TimedAction)| matches!(c, Choice::Deliver { from, to, msg } if (*from, *to, *msg) == (env.from, env.to, h));
        if out.iter().any(twin) {
            continue;
        }
        out.push((Choice::Deliver { from: env.from, to: env.to, msg: h }, at_now(Action::Deliver(id))));
        if used.drops < limit.drops {
            out.push((Choice::Drop { from: env.from, to: env.to, msg: h }, at_now(Action::Drop(id))));
        }
        if used.duplicates < limit.duplicates {
            out.push((Choice::Duplicate { from: env.from, to: env.to, msg: h }, at_now(Action::Duplicate(id))));
        }
    }
    for (node, timer, id) in world.armed_timers() {
        let at: Time = world.timer_deadline(id).unwrap_or(now).max(now);
        out.push((Choice::Fire { node, timer: of_timer(&world.model, timer) }, TimedAction { at, action: Action::Fire(node, id) }));
    }
    let n = nodes.len();
    for id in 0..n {
        let status = nodes.slot(id).map(|s| s.status);
        match status {
            Some(NodeStatus::Crashed) => out.push((Choice::Restart(id), at_now(Action::Restart(id)))),
            Some(_) if used.crashes < limit.crashes => out.push((Choice::Crash(id), at_now(Action::Crash(id)))),
            _ => {}
        }
    }
    if used.partitions < limit.partitions {
        let groups = world.network().groups();
        for id in 0..n {
            let alone = groups.iter().any(|g| g.len() == 1 && g[0] == id);
            if !alone {
                out.push((Choice::Isolate(id), at_now(Action::Isolate(id))));
            }
        }
    }
    if !world.network().groups().is_empty() {
        out.push((Choice::Heal, at_now(Action::Heal)));
    }
    if used.commands < limit.commands && !commands.is_empty() {
        for id in 0..n {
            for (name, arg) in world.command_args(id, commands) {
                let action = Action::Command { node: id, name: name.into(), arg: arg.clone() };
                out.push((Choice::Command { node: id, name: name.into(), arg }, at_now(action)));
            }
        }
    }
}

/// The message the network delivers next in a round: the earliest to arrive (then the oldest),
/// as a choice and its kernel action; `None` when nothing is in flight.
pub fn next_in_round<M: Model>(world: &World<M>) -> Option<(Choice, TimedAction)> {
    let (id, env) = world.nodes().in_flight().min_by_key(|(id, e)| (e.arrives_at, *id))?;
    let choice = Choice::Deliver { from: env.from, to: env.to, msg: of_message(&world.model, env.from, env.to, &env.msg) };
    Some((choice, TimedAction { at: world.now(), action: Action::Deliver(id) }))
}

/// The kernel action that makes `choice` happen in `world`, at the time it happens; `None` if
/// it is not possible there (the message is not in flight, the timer is not armed...).
pub fn resolve<M: Model>(world: &World<M>, choice: &Choice) -> Option<TimedAction> {
    let now = world.now();
    let find = |from: NodeId, to: NodeId, msg: u64| {
        world.nodes().in_flight().find(|(_, e)| e.from == from && e.to == to && of_message(&world.model, e.from, e.to, &e.msg) == msg).map(|(id, _)| id)
    };
    let status = |n: NodeId| world.status(n);
    let action = match choice {
        Choice::Deliver { from, to, msg } => Action::Deliver(find(*from, *to, *msg)?),
        Choice::Drop { from, to, msg } => Action::Drop(find(*from, *to, *msg)?),
        Choice::Duplicate { from, to, msg } => Action::Duplicate(find(*from, *to, *msg)?),
        Choice::Fire { node, timer } => {
            let (_, _, id) = world.armed_timers().find(|(n, t, _)| n == node && of_timer(&world.model, *t) == *timer)?;
            let at: Time = world.timer_deadline(id).unwrap_or(now).max(now);
            return Some(TimedAction { at, action: Action::Fire(*node, id) });
        }
        Choice::Crash(n) => {
            if matches!(status(*n)?, NodeStatus::Crashed) {
                return None;
            }
            Action::Crash(*n)
        }
        Choice::Restart(n) => {
            if !matches!(status(*n)?, NodeStatus::Crashed) {
                return None;
            }
            Action::Restart(*n)
        }
        Choice::Isolate(n) => {
            status(*n)?;
            Action::Isolate(*n)
        }
        Choice::Heal => Action::Heal,
        Choice::Command { node, name, arg } => {
            status(*node)?;
            Action::Command { node: *node, name: name.clone(), arg: arg.clone() }
        }
    };
    Some(TimedAction { at: now, action })
}

/// A short description of a choice in `world` (before it is applied), for progress output.
pub fn describe<M: Model>(world: &World<M>, choice: &Choice) -> String {
    match choice {
        Choice::Deliver { from, to, msg } | Choice::Drop { from, to, msg } | Choice::Duplicate { from, to, msg } => {
            let label = world
                .nodes()
                .in_flight()
                .find(|(_, e)| e.from == *from && e.to == *to && of_message(&world.model, e.from, e.to, &e.msg) == *msg)
                .map_or_else(|| "message".into(), |(_, e)| world.model.describe(&e.msg).label);
            let verb = match choice {
                Choice::Deliver { .. } => "deliver",
                Choice::Drop { .. } => "drop",
                _ => "duplicate",
            };
            format!("{verb} {label} {from}→{to}")
        }
        Choice::Fire { node, timer } => {
            let label = world.armed_timers().find(|(n, t, _)| n == node && of_timer(&world.model, *t) == *timer).map_or("timer", |(_, t, _)| world.model.timer_label(t));
            format!("{label} at {node}")
        }
        Choice::Crash(n) => format!("crash {n}"),
        Choice::Restart(n) => format!("restart {n}"),
        Choice::Isolate(n) => format!("isolate {n}"),
        Choice::Heal => "heal".into(),
        Choice::Command { node, name, arg } => format!("{name} {arg} at {node}"),
    }
}
