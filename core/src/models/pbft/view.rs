//! How a PBFT cluster looks to the lab: node views, message labels, menus, metrics, queries,
//! and two grids: the quorum grid (whose PREPAREs and COMMITs each replica holds for one
//! sequence number, against the 2f and 2f + 1 lines) and the replicas' logs with watermarks.

use super::invariants::{digest_text, Ghost};
use super::msg::{primary, prepare_quorum, quorum, Digest, Msg, Seq, NULL};
use super::{Node, Pbft};
use crate::figure::{Figure, FigureKind, Grid, GridCell, GridRow, QuorumLine};
use crate::model::Nodes;
use crate::time::Time;
use crate::view::{Cell, MsgInfo, NodeView};
use crate::NodeId;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// Sequence-number columns the log grid shows.
pub const SEQS_SHOWN: u64 = 12;

/// Kind and label of a message.
pub fn describe(msg: &Msg) -> MsgInfo {
    let (kind, label, ok) = match msg {
        Msg::Request(r) => ("Request", format!("Request {} t{}", r.text(), r.ts), None),
        Msg::PrePrepare { view, seq, digest, req } => ("PrePrepare", format!("Pre-prepare v{view} n{seq} {}", req.map_or("null".into(), |r| r.text())), if *digest == NULL { Some(false) } else { None }),
        Msg::Prepare { view, seq, digest } => ("Prepare", format!("Prepare v{view} n{seq} {}", digest_text(*digest)), None),
        Msg::Commit { view, seq, digest } => ("Commit", format!("Commit v{view} n{seq} {}", digest_text(*digest)), Some(true)),
        Msg::Reply { ts, result, .. } => ("Reply", format!("Reply t{ts} = {result}"), Some(true)),
        Msg::Checkpoint { seq, state } => ("Checkpoint", format!("Checkpoint n{seq} {}", digest_text(*state)), None),
        Msg::ViewChange(vc) => ("ViewChange", format!("View-change → v{} ({} prepared)", vc.view, vc.prepared.len()), Some(false)),
        Msg::NewView { view, pps, .. } => ("NewView", format!("New-view v{view} ({} re-issued)", pps.len()), Some(true)),
        Msg::Fetch { seq } => ("Fetch", format!("Fetch state n{seq}"), None),
        Msg::State { seq, .. } => ("State", format!("State n{seq}"), None),
    };
    MsgInfo { kind, label, ok }
}

fn entry_cell(cfg: &Pbft, r: &super::Replica, s: Seq) -> Cell {
    let none = Cell { text: String::new(), color: 0, solid: false, marked: false };
    if s <= r.executed {
        return Cell { text: "✓".into(), color: r.view, solid: true, marked: false };
    }
    let Some(e) = r.log.get(&s) else { return none };
    let text = if e.committed.is_some() {
        "C"
    } else if e.prepared.is_some_and(|c| c.view == r.view) {
        "P"
    } else if e.pp.is_some() {
        "pp"
    } else if !e.votes.is_empty() {
        "·"
    } else {
        return none;
    };
    let _ = cfg;
    Cell { text: text.into(), color: r.view, solid: false, marked: false }
}

/// Draws one node.
pub fn node_view(cfg: &Pbft, id: NodeId, node: Option<&Node>, _now: Time) -> NodeView {
    let n = cfg.n();
    let is_replica = id < n;
    let label = if is_replica { format!("R{id}") } else { format!("C{}", id - n) };
    let mut v = NodeView::new(id, label, if is_replica { "replica" } else { "client" });
    match node {
        Some(Node::Replica(r)) => {
            v.role = (if r.changing { "view change" } else if r.is_primary(cfg) { "primary" } else { "backup" }).into();
            v.headline = format!("v{}", r.view);
            v.color = r.view;
            if r.byzantine() {
                v.badges.push(format!("Byzantine: {}", r.effective().name()));
            }
            v.badges.push(format!("exec {}", r.executed));
            v.badges.push(format!("h {} · H {}", r.low, r.low + cfg.window()));
            if r.fetching.is_some() {
                v.badges.push("fetching state".into());
            }
            let d = &mut v.details;
            d.push(("behaviour".into(), if r.byzantine() { format!("Byzantine ({})", r.effective().name()) } else { "honest".into() }));
            d.push(("view".into(), format!("{} (primary R{}){}", r.view, primary(r.view, n), if r.changing { ", changing" } else { "" })));
            d.push(("watermarks".into(), format!("low {} (stable checkpoint), high {}", r.low, r.low + cfg.window())));
            d.push(("executed up to".into(), format!("{}", r.executed)));
            d.push(("log entries".into(), format!("{}", r.log.size())));
            d.push(("waiting requests".into(), format!("{}", r.pending.len())));
            let kv: Vec<String> = super::msg::KEYS.iter().zip(r.store.kv.iter()).map(|(k, x)| format!("{k}={x}")).collect();
            d.push(("key-value store".into(), kv.join(", ")));
            v.cells = (r.low + 1..=r.low + cfg.window().min(SEQS_SHOWN)).map(|s| entry_cell(cfg, r, s)).collect();
            v.cells_offset = r.low + 1;
            v.timer = r.timer;
        }
        Some(Node::Client(c)) => {
            v.headline = format!("{}", c.done);
            v.badges.push(format!("{} done", c.done));
            v.color = 6;
            if let Some(r) = c.outstanding {
                v.badges.push(format!("waits {} t{}", r.text(), r.ts));
                if c.retries > 0 {
                    v.badges.push(format!("retried {}×", c.retries));
                }
            }
            v.details.push(("requests completed".into(), format!("{}", c.done)));
            v.details.push(("believes primary".into(), format!("R{} (view {})", primary(c.view, n), c.view)));
            if let Some((ts, res)) = c.last {
                v.details.push(("last accepted".into(), format!("t{ts} → {res}")));
            }
            let replies: Vec<String> = c.replies.iter().map(|(r, x)| format!("R{r}: {x}")).collect();
            if !replies.is_empty() {
                v.details.push(("replies so far".into(), replies.join(", ")));
            }
            v.timer = c.timer;
            v.tier = 1;
        }
        None => {}
    }
    v
}

/// The menu of a node (Byzantine behaviours are listed by the shell from the model's modes).
pub fn node_commands(cfg: &Pbft, id: NodeId, node: Option<&Node>) -> Vec<(&'static str, String, String)> {
    match node {
        Some(Node::Replica(r)) if !r.is_primary(cfg) || r.changing => alloc::vec![("view_change", String::new(), String::from("suspect the primary: start a view change"))],
        Some(Node::Client(c)) if c.outstanding.is_none() => {
            let arg = format!("{}={}", super::msg::KEYS[(c.ts % 3) as usize], c.ts + 1);
            alloc::vec![("request", arg.clone(), format!("send request {arg}"))]
        }
        _ => {
            let _ = id;
            Vec::new()
        }
    }
}

fn msgs_per_req(g: &Ghost) -> f64 {
    if g.accepted == 0 {
        f64::NAN
    } else {
        g.sent as f64 / g.accepted as f64
    }
}

/// One value per metric.
pub fn sample(cfg: &Pbft, _nodes: &Nodes<Pbft>, g: &mut Ghost, out: &mut Vec<f64>) {
    let (sum, count) = core::mem::take(&mut g.latency);
    out.push(if count == 0 { f64::NAN } else { sum as f64 / count as f64 / crate::MS as f64 });
    out.push(msgs_per_req(g));
    out.push(raft_msgs(cfg));
    out.push(g.accepted as f64);
}

/// Messages Raft needs for one request with the same n: request, n − 1 appends, n − 1
/// acknowledgements, reply.
pub fn raft_msgs(cfg: &Pbft) -> f64 {
    2.0 * cfg.n() as f64
}

/// Answers a named query.
pub fn query(cfg: &Pbft, nodes: &Nodes<Pbft>, g: &Ghost, name: &str) -> Option<f64> {
    let honest = || {
        nodes.live().filter_map(move |(id, n)| match n {
            Node::Replica(r) if g.faulty & (1 << id) == 0 && !r.byzantine() => Some(r),
            _ => None,
        })
    };
    let v = match name {
        "view" => honest().map(|r| r.view).max().unwrap_or(0) as f64,
        "max_view" => g.max_view as f64,
        "primary" => honest().filter(|r| !r.changing).map(|r| r.view).max().map_or(-1.0, |v| primary(v, cfg.n()) as f64),
        "executed" => honest().map(|r| r.executed).max().unwrap_or(0) as f64,
        "executed_all" => honest().map(|r| r.executed).min().unwrap_or(0) as f64,
        "committed" => g.committed_count as f64,
        "nulls" => g.nulls as f64,
        "stable" => honest().map(|r| r.low).max().unwrap_or(0) as f64,
        "stable_all" => honest().map(|r| r.low).min().unwrap_or(0) as f64,
        "log_max" => honest().map(|r| r.log.size()).max().unwrap_or(0) as f64,
        "new_views" => g.new_views as f64,
        "accepted" => g.accepted as f64,
        "wrong" => g.wrong as f64,
        "equivocations" => g.equivocations as f64,
        "transfers" => g.transfers as f64,
        "faulty" => g.faulty_count() as f64,
        "bound_exceeded" => g.bound_exceeded(cfg) as u8 as f64,
        "messages" => g.sent as f64,
        "msgs_per_req" => msgs_per_req(g),
        "violations" => g.violations as f64,
        _ => return None,
    };
    Some(v)
}

/// The quorum grid for the latest sequence number in flight, and the replicas' logs.
pub fn figures(cfg: &Pbft, nodes: &Nodes<Pbft>, g: &Ghost) -> Vec<Figure> {
    let n = cfg.n();
    let reps: Vec<(NodeId, Option<&super::Replica>)> = (0..n)
        .map(|id| match nodes.up(id) {
            Some(Node::Replica(r)) => (id, Some(r)),
            _ => (id, None),
        })
        .collect();
    let faulty = |id: NodeId| g.faulty & (1 << id) != 0 || reps[id as usize].1.is_some_and(|r| r.byzantine());
    // Built once: the grid names every replica in 2n column headings and n row headings.
    let names: Vec<String> = (0..n).map(|id| if faulty(id) { format!("R{id} ⚠") } else { format!("R{id}") }).collect();
    let name = |id: NodeId| names[id as usize].clone();
    // The latest sequence number any replica holds a pre-prepare for.
    let focus: Seq = reps.iter().filter_map(|(_, r)| r.and_then(|r| r.log.iter().rev().find(|(_, e)| e.pp.is_some()).map(|(s, _)| *s))).max().unwrap_or(0);
    let (pq, cq) = (prepare_quorum(n, cfg.f), quorum(n, cfg.f));
    let mut columns = Vec::with_capacity(2 * n as usize);
    for (id, _) in &reps {
        columns.push(format!("{} P", names[*id as usize]));
        columns.push(format!("{} C", names[*id as usize]));
    }
    // Each replica's entry for the focus, looked up once rather than once per row.
    let entries: Vec<_> = reps.iter().map(|(_, r)| r.and_then(|r| r.log.get(&focus).map(|e| (r, e)))).collect();
    let mut rows = Vec::with_capacity(n as usize);
    for j in 0..n {
        let mut cells = Vec::with_capacity(2 * n as usize);
        for ((i, _), e) in reps.iter().zip(&entries) {
            let Some((r, e)) = *e else {
                cells.push(GridCell { detail: format!("R{i} holds nothing for sequence {focus}"), ..GridCell::default() });
                cells.push(GridCell::default());
                continue;
            };
            let target: Option<(u32, Digest)> = e.pp.map(|(v, d, _)| (v, d)).filter(|(v, _)| *v == r.view);
            for prepare in [true, false] {
                let has = |d: Digest| e.votes.iter().any(|x| x.digest == d && x.view == r.view && (if prepare { x.prepares } else { x.commits }) & (1 << j) != 0);
                let phase = if prepare { "PREPARE" } else { "COMMIT" };
                let cell = match target {
                    Some((v, d)) if prepare && j == primary(v, n) => GridCell { text: "pp".into(), color: v, detail: format!("R{i} holds the primary R{j}'s PRE-PREPARE for {} (the primary sends no PREPARE)", digest_text(d)), ..GridCell::default() },
                    Some((v, d)) if has(d) => GridCell { text: "✓".into(), color: v, filled: true, detail: format!("R{i} holds R{j}'s {phase} for {} in view {v}", digest_text(d)), ..GridCell::default() },
                    _ => match e.votes.iter().find(|x| x.view == r.view && (if prepare { x.prepares } else { x.commits }) & (1 << j) != 0) {
                        Some(x) => GridCell { text: "≠".into(), color: 1, marked: true, detail: format!("R{i} holds R{j}'s {phase} for a different digest, {}", digest_text(x.digest)), ..GridCell::default() },
                        None => GridCell { detail: format!("R{i} holds no {phase} from R{j}"), ..GridCell::default() },
                    },
                };
                cells.push(cell);
            }
        }
        rows.push(GridRow { label: name(j), node: Some(j), cells });
    }
    let cols = 2 * n;
    let quorum_grid = Grid {
        columns,
        rows,
        lines: alloc::vec![
            QuorumLine { label: format!("prepared: 2f = {pq} prepares"), count: pq, columns: (0..cols).step_by(2).collect() },
            QuorumLine { label: format!("committed: 2f+1 = {cq} commits"), count: cq, columns: (1..cols).step_by(2).collect() },
        ],
    };
    let mut caption = format!(
        "Sequence {focus}. Each pair of columns is what one replica holds: the PREPAREs (P) and COMMITs (C) from each replica (rows) for the digest of its own pre-prepare. It is prepared with the pre-prepare plus {pq} PREPAREs from backups, committed with {cq} COMMITs. ≠ marks a vote for another digest."
    );
    if g.bound_exceeded(cfg) {
        caption += &format!(" The fault bound is exceeded ({} Byzantine, f = {}, n = {}): safety is not guaranteed.", g.faulty_count(), cfg.f, n);
    }

    // Logs: a row per replica, its entries with checkpoints and watermarks.
    let top = reps.iter().filter_map(|(_, r)| r.map(|r| r.log.last().map_or(r.executed, |(s, _)| *s).max(r.executed))).max().unwrap_or(0);
    let lo = top.saturating_sub(SEQS_SHOWN - 1).max(1);
    let mut log_rows = Vec::new();
    for (id, r) in &reps {
        let Some(r) = r else {
            log_rows.push(GridRow { label: format!("{} (down)", name(*id)), node: Some(*id), cells: Vec::new() });
            continue;
        };
        let cells = (lo..=top.max(lo))
            .map(|s| {
                let c = entry_cell(cfg, r, s);
                let state = match c.text.as_str() {
                    "✓" => "executed",
                    "C" => "committed, waiting for an earlier one",
                    "P" => "prepared",
                    "pp" => "pre-prepared",
                    "·" => "votes only",
                    _ if s <= r.low => "discarded (below the low watermark)",
                    _ if s > r.low + cfg.window() => "above the high watermark",
                    _ => "empty",
                };
                let ck = if s % cfg.checkpoint == 0 { if s <= r.low { ", stable checkpoint" } else { ", checkpoint" } } else { "" };
                GridCell {
                    text: c.text.clone(),
                    color: c.color,
                    filled: c.solid,
                    marked: false,
                    dashed: s > r.low + cfg.window(),
                    note: if s == r.low { "h".into() } else if s % cfg.checkpoint == 0 { "◆".into() } else { String::new() },
                    detail: format!("R{id} sequence {s}: {state}{ck}"),
                }
            })
            .collect();
        log_rows.push(GridRow { label: format!("{} h{}", name(*id), r.low), node: Some(*id), cells });
    }
    let logs = Grid { columns: (lo..=top.max(lo)).map(|s| format!("{s}")).collect(), rows: log_rows, lines: Vec::new() };
    let logs_caption = format!(
        "✓ executed, C committed, P prepared, pp pre-prepared. ◆ every {} requests is a checkpoint; h marks a replica's last stable checkpoint, its low watermark (also in the row label). Sequence numbers above h + {} (dashed) are outside the window.",
        cfg.checkpoint,
        cfg.window()
    );
    alloc::vec![
        Figure { key: "quorum", title: format!("Quorum grid: sequence {focus}"), caption, kind: FigureKind::Grid(quorum_grid) },
        Figure { key: "logs", title: "Replica logs, checkpoints and watermarks".into(), caption: logs_caption, kind: FigureKind::Grid(logs) },
    ]
}
