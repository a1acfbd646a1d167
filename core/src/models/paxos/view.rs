//! How a Paxos cluster looks to the lab: node views, message labels, menus, metrics, queries
//! and the two grids (slots per replica; promises and acceptances per acceptor).

use super::invariants::Ghost;
use super::msg::{Ballot, Msg, Slot, Value};
use super::node::{Durable, Node, Phase};
use super::Paxos;
use crate::figure::{Figure, FigureKind, Grid, GridCell, GridRow, QuorumLine};
use crate::model::Nodes;
use crate::persist::PMap;
use crate::time::{fmt_time, Time};
use crate::view::{Cell, MsgInfo, NodeView};
use crate::NodeId;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// Most slot columns the pictures show (the latest ones).
pub const SLOTS_SHOWN: u64 = 12;

/// Kind and label of a message, with its phase and ballot, e.g. "2a Accept 3.1 s2 x=1".
pub fn describe(msg: &Msg) -> MsgInfo {
    let (kind, label, ok) = match msg {
        Msg::Prepare { ballot, from } => {
            let from = if *from > 1 { format!(" s{from}+") } else { String::new() };
            ("Prepare", format!("1a Prepare {}{from}", ballot.text()), None)
        }
        Msg::Promise { ballot, accepted, .. } => {
            let acc = match accepted.as_slice() {
                [] => String::new(),
                [a] if a.slot == 1 => format!(" had {}@{}", a.value.text(), a.ballot.text()),
                many => format!(" +{} accepted", many.len()),
            };
            ("Promise", format!("1b Promise {}{acc}", ballot.text()), Some(true))
        }
        Msg::Accept { ballot, slot, value } => ("Accept", format!("2a Accept {} s{slot} {}", ballot.text(), value.text()), None),
        Msg::Accepted { ballot, slot, value } => ("Accepted", format!("2b Accepted {} s{slot} {}", ballot.text(), value.text()), Some(true)),
        Msg::Reject { ballot, higher, phase } => ("Reject", format!("{phase}b Reject {} < {}", ballot.text(), higher.text()), Some(false)),
        Msg::Heartbeat { ballot, executed } => ("Heartbeat", format!("Heartbeat {} e{executed}", ballot.text()), None),
        Msg::CatchUp { from } => ("CatchUp", format!("CatchUp s{from}+"), None),
        Msg::Decided { entries } => {
            let label = match entries.as_slice() {
                [(s, v)] => format!("Decided s{s} {}", v.text()),
                _ => format!("Decided {} slots", entries.len()),
            };
            ("Decided", label, None)
        }
        Msg::Forward { cmd, .. } => ("Forward", format!("Forward {}={}", cmd.key, cmd.value), None),
    };
    MsgInfo { kind, label, ok }
}

fn ballot_color(b: Ballot) -> u32 {
    b.round
}

/// The slot columns to show: the latest [`SLOTS_SHOWN`] up to the highest slot anyone knows.
fn slot_window(top: Slot) -> (Slot, Slot) {
    let hi = top.max(1);
    (hi.saturating_sub(SLOTS_SHOWN - 1).max(1), hi)
}

fn role(cfg: &Paxos, n: &Node) -> &'static str {
    if n.is_proposer {
        match n.phase {
            Phase::Idle if cfg.multi => {
                if n.leader.is_some() {
                    "follower"
                } else {
                    "proposer"
                }
            }
            Phase::Idle => "proposer",
            p => p.name(),
        }
    } else if n.is_acceptor {
        "acceptor"
    } else {
        "learner"
    }
}

fn roles_text(cfg: &Paxos, id: NodeId) -> String {
    let mut r = Vec::new();
    if id < cfg.proposers {
        r.push("proposer");
    }
    if id < cfg.acceptors {
        r.push("acceptor");
    }
    r.push("learner");
    r.join(", ")
}

fn log_cells(learned: &PMap<Slot, Value>, accepted: &PMap<Slot, (Ballot, Value)>, executed: Slot, lo: Slot, hi: Slot) -> Vec<Cell> {
    (lo..=hi)
        .map(|s| match (learned.get(&s), accepted.get(&s)) {
            (Some(v), acc) => Cell { text: if v.is_noop() { "·".into() } else { v.text() }, color: acc.map_or(1, |(b, _)| ballot_color(*b)), solid: s <= executed, marked: false },
            (None, Some((b, v))) => Cell { text: if v.is_noop() { "·".into() } else { v.text() }, color: ballot_color(*b), solid: false, marked: false },
            (None, None) => Cell { text: String::new(), color: 0, solid: false, marked: false },
        })
        .collect()
}

/// Draws one node.
pub fn node_view(cfg: &Paxos, id: NodeId, node: Option<&Node>, durable: Option<&Durable>, _now: Time) -> NodeView {
    let mut v = NodeView::new(id, format!("N{id}"), "crashed");
    if let Some(n) = node {
        v.role = role(cfg, n).into();
        let active = n.is_proposer && !matches!(n.phase, Phase::Idle);
        let shown = if active { n.ballot } else { n.promised };
        v.headline = shown.text();
        v.color = ballot_color(shown);
        if n.is_acceptor {
            v.badges.push(format!("promised {}", n.promised.text()));
        }
        match n.phase {
            Phase::Preparing => v.badges.push(format!("promises {}/{}", n.promises.count_ones(), cfg.q1())),
            Phase::Leading => v.badges.push(format!("{} open", n.proposals.len())),
            _ => {}
        }
        if !cfg.multi {
            if let Some(own) = &n.own {
                v.badges.push(format!("wants {}", own.text()));
            }
            if let Some(d) = n.learned.get(&1) {
                v.badges.push(format!("learned {}", d.text()));
            }
        } else if let (Some((l, _)), false) = (n.leader, n.is_leader()) {
            v.badges.push(format!("leader N{l}"));
        }
        let d = &mut v.details;
        d.push(("roles".into(), roles_text(cfg, id)));
        if n.is_acceptor {
            d.push(("promised".into(), n.promised.text()));
            let acc: Vec<String> = n.accepted.iter().rev().take(6).map(|(s, (b, v))| format!("s{s}: {}@{}", v.text(), b.text())).collect();
            d.push(("accepted (latest)".into(), if acc.is_empty() { "nothing".into() } else { acc.join(", ") }));
        }
        if n.is_proposer {
            d.push(("proposer phase".into(), n.phase.name().into()));
            d.push(("ballot".into(), n.ballot.text()));
            d.push(("highest round used".into(), format!("{}", n.max_round)));
            if !n.queue.is_empty() {
                d.push(("queued commands".into(), format!("{}", n.queue.len())));
            }
        }
        d.push(("learned slots".into(), format!("{}", n.learned.size())));
        d.push(("executed up to".into(), format!("{}", n.executed)));
        let kv: Vec<String> = n.kv.iter().take(8).map(|(k, v)| format!("{k}={v}")).collect();
        d.push(("key-value store".into(), if kv.is_empty() { "(empty)".into() } else { kv.join(", ") }));
        let (lo, hi) = slot_window(n.top_slot());
        v.cells = log_cells(&n.learned, &n.accepted, n.executed, lo, hi);
        v.cells_offset = lo;
        if n.is_proposer && !n.is_leader() {
            v.timer = n.timer;
        }
    } else if let Some(d) = durable {
        v.headline = d.promised.text();
        v.color = ballot_color(d.promised);
        v.badges.push(format!("promised {}", d.promised.text()));
        v.details.push(("roles".into(), roles_text(cfg, id)));
        v.details.push(("promised (on disk)".into(), d.promised.text()));
        v.details.push(("accepted slots (on disk)".into(), format!("{}", d.accepted.size())));
        let top = d.accepted.last().map_or(1, |(s, _)| *s);
        let (lo, hi) = slot_window(top);
        v.cells = log_cells(&PMap::new(), &d.accepted, 0, lo, hi);
        v.cells_offset = lo;
    }
    v
}

/// The menu of a node.
pub fn node_commands(cfg: &Paxos, id: NodeId, node: Option<&Node>) -> Vec<(&'static str, String, String)> {
    let Some(n) = node else { return Vec::new() };
    let mut out = Vec::new();
    let next = n.top_slot() + 1;
    let arg = if cfg.multi { format!("{}={}", ["x", "y", "z"][(next % 3) as usize], next) } else { format!("v=N{id}") };
    out.push(("request", arg.clone(), format!("client request {arg}")));
    if n.is_proposer {
        let label = if cfg.multi && !n.is_leader() { format!("propose {arg} here (stand for leader)") } else { format!("propose {arg} here") };
        out.push(("propose", arg, label));
        if cfg.multi && !n.is_leader() {
            out.push(("timeout", String::new(), "stand for leader now".into()));
        }
    }
    out
}

/// The live leader with the highest ballot.
fn top_leader<'a>(nodes: &Nodes<'a, Paxos>) -> Option<(NodeId, &'a Node)> {
    nodes.live().filter(|(_, n)| n.is_leader()).max_by_key(|(_, n)| n.ballot)
}

/// One value per metric.
pub fn sample(_cfg: &Paxos, _nodes: &Nodes<Paxos>, g: &mut Ghost, out: &mut Vec<f64>) {
    let (sum, count) = core::mem::take(&mut g.latency);
    out.push(if count == 0 { f64::NAN } else { sum as f64 / count as f64 / crate::MS as f64 });
    out.push(g.chosen_count as f64);
    out.push(g.ballots as f64);
    out.push(msgs_per_cmd(g));
}

fn msgs_per_cmd(g: &Ghost) -> f64 {
    if g.commands_learned == 0 {
        f64::NAN
    } else {
        g.sent as f64 / g.commands_learned as f64
    }
}

/// Answers a named query.
pub fn query(_cfg: &Paxos, nodes: &Nodes<Paxos>, g: &Ghost, name: &str) -> Option<f64> {
    let v = match name {
        "leaders" => nodes.live().filter(|(_, n)| n.is_leader()).count() as f64,
        "leader" => top_leader(nodes).map_or(-1.0, |(id, _)| id as f64),
        "chosen" => g.chosen_count as f64,
        "noops_chosen" => g.noops_chosen as f64,
        "commands_chosen" => (g.chosen_count - g.noops_chosen) as f64,
        "learned" => nodes.live().map(|(_, n)| n.learned.size()).max().unwrap_or(0) as f64,
        "learned_all" => nodes.live().map(|(_, n)| n.learned.size()).min().unwrap_or(0) as f64,
        "executed" => nodes.live().map(|(_, n)| n.executed).max().unwrap_or(0) as f64,
        "executed_all" => nodes.live().map(|(_, n)| n.executed).min().unwrap_or(0) as f64,
        "unknown_chosen" => g.unknown.len() as f64,
        "chosen_unknown_ms" => g.unknown_ms(nodes.now()) as f64 / crate::MS as f64,
        "ballots" => g.ballots as f64,
        "duel_ballots" => g.duel_max as f64,
        "leader_changes" => g.leader_changes as f64,
        "max_round" => (0..nodes.len())
            .filter_map(|id| {
                let s = nodes.slot(id)?;
                s.state.as_ref().map(|n| n.max_round.max(n.promised.round)).or(s.durable.as_ref().map(|d| d.max_round.max(d.promised.round)))
            })
            .max()
            .unwrap_or(0) as f64,
        "messages" => g.sent as f64,
        "msgs_per_cmd" => msgs_per_cmd(g),
        "acked" => g.commands_learned as f64,
        "violations" => g.violations as f64,
        _ => return None,
    };
    Some(v)
}

/// The slots grid (chosen, then each replica's learned and executed slots) and the acceptors
/// grid (promise, then accepted value per slot, with the two quorum lines).
pub fn figures(cfg: &Paxos, nodes: &Nodes<Paxos>, g: &Ghost) -> Vec<Figure> {
    let now = nodes.now();
    let mut top = g.chosen.last().map_or(0, |(s, _)| *s);
    for (_, n) in nodes.live() {
        top = top.max(n.top_slot());
    }
    for id in 0..nodes.len() {
        if let Some(d) = nodes.slot(id).and_then(|s| s.durable.as_ref()) {
            top = top.max(d.accepted.last().map_or(0, |(s, _)| *s));
        }
    }
    let (lo, hi) = slot_window(top);
    let columns: Vec<String> = (lo..=hi).map(|s| format!("{s}")).collect();

    // Slots per replica, under the omniscient "chosen" row.
    let mut rows = Vec::new();
    let chosen_cells = (lo..=hi)
        .map(|s| match g.chosen.get(&s) {
            Some(c) => {
                let unknown = c.learned_at.is_none();
                let learners: Vec<String> = (0..16).filter(|i| c.learners & (1 << i) != 0).map(|i| format!("N{i}")).collect();
                let detail = format!(
                    "slot {s}: {} chosen in ballot {} at {}; {}",
                    c.value.text(),
                    c.ballot.text(),
                    fmt_time(c.at),
                    if unknown { String::from("no learner knows it yet") } else { format!("learned by {}", learners.join(", ")) }
                );
                GridCell { text: c.value.text(), color: ballot_color(c.ballot), filled: true, marked: unknown, detail, dashed: c.value.is_noop(), note: if unknown { "!".into() } else { String::new() } }
            }
            None => GridCell { detail: format!("slot {s}: nothing chosen"), ..GridCell::default() },
        })
        .collect();
    rows.push(GridRow { label: "chosen".into(), node: None, cells: chosen_cells });
    for id in 0..nodes.len() {
        let Some(n) = nodes.up(id) else {
            rows.push(GridRow { label: format!("N{id} (down)"), node: Some(id), cells: Vec::new() });
            continue;
        };
        let cells = (lo..=hi)
            .map(|s| match n.learned.get(&s) {
                Some(v) => {
                    let done = s <= n.executed;
                    let detail = format!("N{id} slot {s}: learned {}{}", v.text(), if done { ", executed" } else { ", not yet executed (a gap before it)" });
                    GridCell { text: v.text(), color: g.chosen.get(&s).map_or(1, |c| ballot_color(c.ballot)), filled: true, marked: false, detail, dashed: v.is_noop(), note: if done { "✓".into() } else { String::new() } }
                }
                None => match n.tallies.get(&s) {
                    Some((b, m, v)) => GridCell {
                        text: v.text(),
                        color: ballot_color(*b),
                        detail: format!("N{id} slot {s}: heard {} of {} Accepted for {} in ballot {}", m.count_ones(), cfg.q2(), v.text(), b.text()),
                        dashed: v.is_noop(),
                        note: format!("{}", m.count_ones()),
                        ..GridCell::default()
                    },
                    None => GridCell { detail: format!("N{id} slot {s}: nothing learned"), ..GridCell::default() },
                },
            })
            .collect();
        rows.push(GridRow { label: format!("N{id}"), node: Some(id), cells });
    }
    let slots = Grid { columns: columns.clone(), rows, lines: Vec::new() };

    // Acceptors: promise, then what each accepted per slot.
    type AcceptorRow = (NodeId, Ballot, PMap<Slot, (Ballot, Value)>, bool);
    let acceptors: Vec<AcceptorRow> = (0..cfg.acceptors.min(nodes.len()))
        .filter_map(|id| {
            let s = nodes.slot(id)?;
            match (&s.state, &s.durable) {
                (Some(n), _) => Some((id, n.promised, n.accepted.clone(), true)),
                (None, Some(d)) => Some((id, d.promised, d.accepted.clone(), false)),
                _ => None,
            }
        })
        .collect();
    let top_promise = acceptors.iter().map(|a| a.1).max().unwrap_or_default();
    let top_ballot = |s: Slot| acceptors.iter().filter_map(|a| a.2.get(&s).map(|(b, _)| *b)).max();
    let tops: Vec<Option<Ballot>> = (lo..=hi).map(top_ballot).collect();
    let mut acc_rows = Vec::new();
    for (id, promised, accepted, up) in &acceptors {
        let mut cells = Vec::with_capacity(columns.len() + 1);
        cells.push(GridCell {
            text: promised.text(),
            color: ballot_color(*promised),
            filled: !promised.is_zero() && *promised == top_promise,
            detail: format!("N{id} promised ballot {}{}", promised.text(), if *up { "" } else { " (on disk, crashed)" }),
            ..GridCell::default()
        });
        for (k, s) in (lo..=hi).enumerate() {
            cells.push(match accepted.get(&s) {
                Some((b, v)) => GridCell {
                    text: v.text(),
                    color: ballot_color(*b),
                    filled: Some(*b) == tops[k],
                    detail: format!(
                        "N{id} accepted {} in slot {s} in ballot {}{}",
                        v.text(),
                        b.text(),
                        if g.chosen.get(&s).is_some_and(|c| c.ballot == *b && c.value.ident() == v.ident()) { " (part of the quorum that chose it)" } else { "" }
                    ),
                    marked: false,
                    dashed: v.is_noop(),
                    note: b.text(),
                },
                None => GridCell { detail: format!("N{id} accepted nothing in slot {s}"), ..GridCell::default() },
            });
        }
        acc_rows.push(GridRow { label: if *up { format!("N{id}") } else { format!("N{id} (down)") }, node: Some(*id), cells });
    }
    let mut acc_columns = alloc::vec![String::from("promised")];
    acc_columns.extend(columns);
    let n_cols = acc_columns.len() as u32;
    let intersect = cfg.q1() + cfg.q2() > cfg.acceptors;
    let acc = Grid {
        columns: acc_columns,
        rows: acc_rows,
        lines: alloc::vec![
            QuorumLine { label: format!("phase-1 quorum: {} promises", cfg.q1()), count: cfg.q1(), columns: alloc::vec![0] },
            QuorumLine { label: format!("phase-2 quorum: {} accepts", cfg.q2()), count: cfg.q2(), columns: (1..n_cols).collect() },
        ],
    };
    let q_caption = if intersect {
        format!("Quorums: {} promises and {} accepts of {} acceptors; any two overlap.", cfg.q1(), cfg.q2(), cfg.acceptors)
    } else {
        format!("Quorums: {} promises and {} accepts of {} acceptors DO NOT overlap ({} + {} ≤ {}): safety is not guaranteed.", cfg.q1(), cfg.q2(), cfg.acceptors, cfg.q1(), cfg.q2(), cfg.acceptors)
    };
    let unknown = g.unknown.len();
    let slots_caption = if unknown > 0 {
        format!("The top row is the omniscient record: a value is chosen once a phase-2 quorum accepts it. {unknown} chosen slot(s) are marked: no learner knows them yet. ✓ = executed; dashed = no-op.")
    } else {
        String::from("The top row is the omniscient record: a value is chosen once a phase-2 quorum accepts it, before any learner hears. ✓ = executed; dashed = no-op.")
    };
    let _ = now;
    alloc::vec![
        Figure { key: "slots", title: "Slots: chosen, learned, executed".into(), caption: slots_caption, kind: FigureKind::Grid(slots) },
        Figure { key: "acceptors", title: "Acceptors: promises and accepted values".into(), caption: q_caption, kind: FigureKind::Grid(acc) },
    ]
}
