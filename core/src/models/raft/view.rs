//! How a Raft cluster looks to the lab: node views, message labels, menus, metrics, queries.

use super::invariants::Ghost;
use super::msg::{Msg, Shared};
use crate::persist::PVec;
use super::node::{Durable, Node, Role};
use super::Raft;
use crate::model::{Model, Nodes};
use crate::time::Time;
use crate::text;
use crate::trace::Text;
use crate::view::{Cell, MsgInfo, NodeView};
use crate::NodeId;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

/// Kind, trace text and success flag of a message. The text is lazy: a loaded run delivers
/// about a thousand messages per virtual second and the page reads a few of their labels.
pub fn trace_msg(msg: &Msg) -> (&'static str, Text, Option<bool>) {
    match msg {
        Msg::RequestVote { term, last_index, last_term, pre } => {
            let kind = if *pre { "PreVote" } else { "RequestVote" };
            (kind, Text::lazy(request_vote, kind, [*term, *last_index, *last_term, 0]), None)
        }
        Msg::Vote { term, granted, pre } => {
            let kind = if *pre { "PreVoteReply" } else { "Vote" };
            (kind, Text::lazy(vote, kind, [*term, *granted as u64, 0, 0]), Some(*granted))
        }
        Msg::AppendEntries { term, prev_index, entries, commit, .. } => {
            ("AppendEntries", Text::lazy(append, "AppendEntries", [*term, *prev_index, entries.len() as u64, *commit]), None)
        }
        Msg::AppendReply { term, success: true, match_index, .. } => {
            ("AppendReply", Text::lazy(append_ok, "AppendReply", [*term, *match_index, 0, 0]), Some(true))
        }
        Msg::AppendReply { term, conflict_index, conflict_term, .. } => {
            let args = [*term, *conflict_index, conflict_term.unwrap_or(0), conflict_term.is_some() as u64];
            ("AppendReply", Text::lazy(append_refused, "AppendReply", args), Some(false))
        }
        Msg::InstallSnapshot { term, snapshot } => {
            ("InstallSnapshot", Text::lazy(install, "InstallSnapshot", [*term, snapshot.last_index, snapshot.last_term, 0]), None)
        }
        Msg::SnapshotReply { term, last_index } => {
            ("SnapshotReply", Text::lazy(snapshot_reply, "SnapshotReply", [*term, *last_index, 0, 0]), Some(*last_index > 0))
        }
        Msg::Forward { request, .. } => ("Forward", text!("Forward {}={}", request.key, request.value), None),
        Msg::Join => ("Join", Text::Static("Join"), None),
    }
}

/// Kind and label of a message, e.g. "AppendEntries t3 [4..6] c5".
pub fn describe(msg: &Msg) -> MsgInfo {
    let (kind, text, ok) = trace_msg(msg);
    MsgInfo { kind, label: text.to_string(), ok }
}

fn request_vote(kind: &str, [term, index, at, _]: &[u64; 4], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    write!(f, "{kind} t{term} last {index}@{at}")
}

fn vote(kind: &str, [term, granted, ..]: &[u64; 4], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    write!(f, "{kind} t{term} {}", if *granted == 1 { "✓" } else { "✗" })
}

fn append(kind: &str, [term, prev, n, commit]: &[u64; 4], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    write!(f, "{kind} t{term} ")?;
    match n {
        0 => f.write_str("[]")?,
        1 => write!(f, "[{}]", prev + 1)?,
        _ => write!(f, "[{}..{}]", prev + 1, prev + n)?,
    }
    write!(f, " c{commit}")
}

fn append_ok(kind: &str, [term, index, ..]: &[u64; 4], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    write!(f, "{kind} t{term} ✓ {index}")
}

fn append_refused(kind: &str, [term, index, at, has_term]: &[u64; 4], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    write!(f, "{kind} t{term} ✗ back to {index}")?;
    if *has_term == 1 {
        write!(f, " (t{at})")?;
    }
    Ok(())
}

fn install(kind: &str, [term, index, at, _]: &[u64; 4], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    write!(f, "{kind} t{term} ≤{index}@{at}")
}

fn snapshot_reply(kind: &str, [term, index, ..]: &[u64; 4], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    write!(f, "{kind} t{term} {index}")
}

/// Most log cells a node's view carries: the newest ones. The panel shows fewer, and a loaded
/// run's logs hold hundreds of thousands of entries that must not be copied every frame.
pub const CELLS_MAX: usize = 64;

/// The newest [`CELLS_MAX`] entries of a log whose first entry has index `first`, and the
/// index of the first cell.
fn cells(log: &PVec<Shared>, first: u64, commit: u64) -> (Vec<Cell>, u64) {
    let skip = log.len().saturating_sub(CELLS_MAX);
    let offset = first + skip as u64;
    let cells = log
        .range(skip..)
        .enumerate()
        .map(|(k, e)| Cell { text: e.text(), color: e.term as u32, solid: offset + k as u64 <= commit, marked: false })
        .collect();
    (cells, offset)
}

fn kv_text(kv: &super::msg::Store) -> String {
    if kv.is_empty() {
        return "(empty)".into();
    }
    kv.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", ")
}

/// Draws one server.
pub fn node_view(id: NodeId, node: Option<&Node>, durable: Option<&Durable>, _now: Time) -> NodeView {
    let mut v = NodeView::new(id, format!("S{id}"), "crashed");
    if let Some(n) = node {
        v.member = n.is_member();
        v.role = if v.member { n.role.name().into() } else { "spare".into() };
        v.headline = format!("{}", n.term);
        v.color = n.term as u32;
        if let Some(c) = n.voted_for {
            v.badges.push(format!("voted S{c}"));
        }
        match n.role {
            Role::Leader => {}
            Role::Candidate | Role::PreCandidate => v.badges.push(format!("votes {}/{}", n.votes.len(), n.config.len())),
            Role::Follower => {
                if let Some(l) = n.leader {
                    v.badges.push(format!("leader S{l}"));
                }
            }
        }
        let d = &mut v.details;
        d.push(("term".into(), format!("{}", n.term)));
        d.push(("voted for".into(), n.voted_for.map_or("nobody".into(), |c| format!("S{c}"))));
        d.push(("commit index".into(), format!("{}", n.commit)));
        d.push(("last applied".into(), format!("{}", n.applied)));
        d.push(("last log index".into(), format!("{} (term {})", n.last_index(), n.last_term())));
        if n.snapshot.last_index > 0 {
            d.push(("snapshot".into(), format!("up to {} (term {})", n.snapshot.last_index, n.snapshot.last_term)));
        }
        d.push(("members".into(), super::msg::members_text(&n.config)));
        for (p, pr) in &n.progress {
            d.push((format!("S{p} next / match"), format!("{} / {}", pr.next, pr.matched)));
        }
        d.push(("key-value store".into(), kv_text(&n.kv)));
        (v.cells, v.cells_offset) = cells(&n.log, n.snapshot.last_index + 1, n.commit);
        if n.role != Role::Leader && v.member {
            v.timer = n.election;
        }
    } else if let Some(d) = durable {
        v.headline = format!("{}", d.term);
        v.color = d.term as u32;
        let config = d.log.iter().rev().find_map(|e| match &e.op {
            super::Op::Config(m) => Some(m),
            _ => None,
        });
        v.member = config.unwrap_or(&d.snapshot.config).contains(&id);
        if let Some(c) = d.voted_for {
            v.badges.push(format!("voted S{c}"));
        }
        v.details.push(("term".into(), format!("{}", d.term)));
        v.details.push(("voted for".into(), d.voted_for.map_or("nobody".into(), |c| format!("S{c}"))));
        (v.cells, v.cells_offset) = cells(&d.log, d.snapshot.last_index + 1, d.snapshot.last_index);
    }
    v
}

/// The menu of a server.
pub fn node_commands(cfg: &Raft, _id: NodeId, node: Option<&Node>) -> Vec<(&'static str, String, String)> {
    menu(cfg, node, None)
}

/// The commands named in `only`, without labels: what the model checker tries in each state.
pub fn command_args(cfg: &Raft, node: Option<&Node>, only: &[String]) -> Vec<(&'static str, String)> {
    menu(cfg, node, Some(only)).into_iter().map(|(name, arg, _)| (name, arg)).collect()
}

/// The menu: every command with its label, or (`only`) those named, with empty labels.
fn menu(cfg: &Raft, node: Option<&Node>, only: Option<&[String]>) -> Vec<(&'static str, String, String)> {
    let Some(n) = node else { return Vec::new() };
    let wanted = |name: &str| only.is_none_or(|o| o.iter().any(|x| x == name));
    let label = |text: &dyn Fn() -> String| if only.is_none() { text() } else { String::new() };
    let mut out = Vec::new();
    if wanted("request") {
        let next = n.last_index() + 1;
        let mut arg = String::with_capacity(22);
        arg.push_str(["x=", "y=", "z="][(next % 3) as usize]);
        crate::trace::push_decimal(&mut arg, next);
        let text = label(&|| format!("client request {arg}"));
        out.push(("request", arg, text));
    }
    if wanted("timeout") && n.role != Role::Leader && n.is_member() {
        out.push(("timeout", String::new(), label(&|| "time out now".into())));
    }
    if n.role == Role::Leader {
        if wanted("remove_server") {
            for &m in n.config.iter() {
                out.push(("remove_server", format!("{m}"), label(&|| format!("remove S{m} from the cluster"))));
            }
        }
        if wanted("add_server") {
            let candidates = (0..cfg.servers).chain(n.known.iter().copied());
            let mut seen = alloc::collections::BTreeSet::new();
            for s in candidates {
                if !n.config.contains(&s) && seen.insert(s) {
                    out.push(("add_server", format!("{s}"), label(&|| format!("add S{s} to the cluster"))));
                }
            }
        }
    }
    out
}

/// The live leader with the highest term.
fn top_leader<'a>(nodes: &Nodes<'a, Raft>) -> Option<(NodeId, &'a Node)> {
    nodes.live().filter(|(_, n)| n.role == Role::Leader).max_by_key(|(id, n)| (n.term, core::cmp::Reverse(*id)))
}

/// Whether a leader has heard from a majority of its members within the minimum election
/// timeout, so it can commit.
fn can_commit(cfg: &Raft, n: &Node, now: Time) -> bool {
    let window = cfg.election_min_ms * crate::MS;
    let mut alive = alloc::collections::BTreeSet::new();
    alive.insert(n.id);
    for (p, pr) in &n.progress {
        if pr.heard_at.is_some_and(|t| t + window >= now) {
            alive.insert(*p);
        }
    }
    let count = n.config.iter().filter(|m| alive.contains(m)).count();
    2 * count > n.config.len()
}

/// One value per metric.
pub fn sample(cfg: &Raft, nodes: &Nodes<Raft>, g: &mut Ghost, out: &mut Vec<f64>) {
    let now = nodes.now();
    let (sum, count) = core::mem::take(&mut g.latency);
    out.push(if count == 0 { f64::NAN } else { sum as f64 / count as f64 / crate::MS as f64 });
    out.push(count as f64 * crate::SEC as f64 / cfg.metric_interval().max(1) as f64);
    out.push(g.leader_changes() as f64);
    let available = nodes.live().any(|(_, n)| n.role == Role::Leader && can_commit(cfg, n, now));
    out.push(if available { 1.0 } else { 0.0 });
    out.push(nodes.live().map(|(_, n)| n.commit).max().unwrap_or(0) as f64);
    for (_, n) in nodes.live() {
        if n.role == Role::Leader {
            g.watch_leader(cfg, n, now);
        }
    }
}

/// Answers a named query.
pub fn query(_cfg: &Raft, nodes: &Nodes<Raft>, g: &Ghost, name: &str) -> Option<f64> {
    let v = match name {
        "leaders" => match top_leader(nodes) {
            Some((_, top)) => nodes.live().filter(|(_, n)| n.role == Role::Leader && n.term == top.term).count() as f64,
            None => 0.0,
        },
        "leader" => top_leader(nodes).map_or(-1.0, |(id, _)| id as f64),
        "max_term" => (0..nodes.len())
            .filter_map(|id| {
                let s = nodes.slot(id)?;
                s.state.as_ref().map(|n| n.term).or(s.durable.as_ref().map(|d| d.term))
            })
            .max()
            .unwrap_or(0) as f64,
        "committed" => nodes.live().map(|(_, n)| n.commit).max().unwrap_or(0) as f64,
        "committed_all" => nodes.live().filter(|(_, n)| n.is_member()).map(|(_, n)| n.commit).min().unwrap_or(0) as f64,
        "acked" => g.acked as f64,
        "acked_lost" => g.acked_lost as f64,
        "leader_changes" => g.leader_changes() as f64,
        "elections" => g.candidates.len() as f64,
        "split_votes" => g.split_votes() as f64,
        "overwritten_uncommitted" => g.overwritten as f64,
        "stale_leaders" => g.stale.len() as f64,
        "members" => top_leader(nodes).map_or(0, |(_, n)| n.config.len()) as f64,
        "snapshots_installed" => g.snapshots_installed as f64,
        "violations" => g.violations as f64,
        _ => return None,
    };
    Some(v)
}
