//! How the sharding lab looks: clients on the left, the router in the middle, shards on the
//! right with their key counts; and the key space as a ring (hashed strategies) or a range bar
//! (range partitioning), keys coloured by their primary, moving keys marked.

use super::{invariants, Durable, MemberChange, Msg, Node, OpKind, Outcome, Sharding, Table, QUEUE_MAX};
use crate::figure::{Figure, FigureKind, Grid, GridCell, GridRow, KeyCell, KeyGrid, KeyOwner, RangeBar, Ring, RingArc, RingMark, Segment};
use crate::model::Nodes;
use crate::time::Time;
use crate::view::{MsgInfo, NodeView};
use crate::NodeId;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// Keys drawn on a figure (evenly spaced over the key space).
pub const FIGURE_KEYS: u32 = 160;
/// Moved keys drawn on top of those, after a commit.
pub const FIGURE_MOVES: usize = 80;
/// Most ring arcs drawn (one degree each when sampled: finer is invisible at the figure's size,
/// and every arc is an SVG element to build and diff).
pub const ARCS_MAX: usize = 360;
/// Squares in the key grid (keys sampled evenly when there are more), and per row.
pub const GRID_KEYS: u32 = 1024;
/// Squares per row of the key grid.
pub const GRID_COLUMNS: u32 = 32;
/// How long keys moved by a commit stay marked, µs.
pub const MOVED_MARK_US: Time = 3_000_000;

/// Palette index of a shard (node colours and figures agree).
pub fn shard_color(m: &Sharding, id: NodeId) -> u32 {
    id.saturating_sub(m.first_shard()) % 8
}

/// Describes a message.
pub fn describe(m: &Sharding, msg: &Msg) -> MsgInfo {
    let op = |k: &OpKind| match k {
        OpKind::Read(k) => ("read", format!("get k{k}")),
        OpKind::Write(k) => ("write", format!("put k{k}")),
        OpKind::Scan(a, b) => ("scan", format!("scan k{a}..k{b}")),
        OpKind::Find(t) => ("find", format!("find tag {t}")),
        OpKind::Put(e, v) => {
            let (k, t) = super::index::entry_of(*e);
            ("index write", format!("index tag {t} ← k{k} v{v}"))
        }
    };
    match msg {
        Msg::Op(o) => {
            let (kind, label) = op(&o.kind);
            MsgInfo { kind, label: format!("{label} (e{})", o.epoch), ok: None }
        }
        Msg::Reply(o, out) => {
            let (_, label) = op(&o.kind);
            match out {
                Outcome::Ok(v) => MsgInfo { kind: "reply", label: format!("{label} → v{v}"), ok: Some(true) },
                Outcome::Redirect(t) => MsgInfo { kind: "redirect", label: format!("{label}: not mine, table e{}", t.epoch), ok: Some(false) },
                Outcome::Retry => MsgInfo { kind: "retry", label: format!("{label}: retry"), ok: Some(false) },
            }
        }
        Msg::Replicate { key, version, .. } => MsgInfo { kind: "replicate", label: format!("k{key} v{version}"), ok: None },
        Msg::ReplicaAck { .. } => MsgInfo { kind: "replica ack", label: "stored".to_string(), ok: Some(true) },
        Msg::Prepare { table, .. } => MsgInfo { kind: "prepare", label: format!("prepare e{} ({})", table.epoch, table.strategy.name()), ok: None },
        Msg::Ready(e) => MsgInfo { kind: "ready", label: format!("ready e{e}"), ok: Some(true) },
        Msg::Commit(t) => MsgInfo { kind: "commit", label: format!("commit e{}", t.epoch), ok: None },
        Msg::Committed(e) => MsgInfo { kind: "committed", label: format!("on e{e}"), ok: Some(true) },
        Msg::Handoff { items, epoch, .. } => MsgInfo { kind: "handoff", label: format!("{} keys for e{epoch}", items.len()), ok: None },
        Msg::HandoffAck { batch, .. } => MsgInfo { kind: "handoff ack", label: format!("batch {batch} stored"), ok: Some(true) },
        Msg::GetTable => MsgInfo { kind: "get table", label: "table?".to_string(), ok: None },
        Msg::Member(c) => MsgInfo {
            kind: "membership",
            label: match c {
                MemberChange::Join(w) => format!("join (weight {w})"),
                MemberChange::Leave => "leave".to_string(),
                MemberChange::Failed => "failed: disk lost".to_string(),
                MemberChange::Weight(w) => format!("weight {w}"),
            },
            ok: None,
        },
        Msg::Load { ops, .. } => MsgInfo { kind: "load report", label: format!("{ops} ops ({})", m.label(0)), ok: None },
    }
}

/// Detail rows of whole numbers (one formatting loop for them all).
#[inline(never)]
fn numbers(rows: &[(&str, u64)]) -> Vec<(String, String)> {
    rows.iter().map(|&(name, n)| (name.to_string(), n.to_string())).collect()
}

/// Draws a node.
#[inline(never)]
pub fn node_view(m: &Sharding, id: NodeId, node: Option<&Node>, durable: Option<&Durable>, _now: Time) -> NodeView {
    let label = m.label(id);
    match node {
        Some(Node::Router(r)) => {
            let mut v = NodeView::new(id, label, "router");
            v.tier = 1;
            v.color = 2;
            let t = r.table();
            v.headline = format!("e{}", t.epoch);
            v.badges.push(t.strategy.name().to_string());
            v.badges.push(format!("R={}", t.r()));
            if let Some(n) = &r.next {
                v.badges.push(format!("moving → e{}", n.epoch));
            }
            v.details = alloc::vec![
                ("epoch".into(), t.epoch.to_string()),
                ("strategy".into(), t.strategy.name().into()),
                ("members".into(), t.members.iter().map(|&s| m.label(s)).collect::<Vec<_>>().join(" ")),
                ("failed".into(), r.durable.failed.iter().map(|&s| m.label(s)).collect::<Vec<_>>().join(" ")),
                ("preparing".into(), r.next.as_ref().map_or("—".into(), |n| format!("e{}: {} of {} ready", n.epoch, r.ready.len(), n.len()))),
                ("ranges".into(), t.ranges.len().to_string()),
            ];
            v
        }
        Some(Node::Client(c)) => {
            let mut v = NodeView::new(id, label, "client");
            v.tier = 0;
            v.color = 4;
            v.headline = c.completed.to_string();
            v.badges.push(format!("table e{}", c.table.epoch));
            v.details = numbers(&[
                ("table epoch", c.table.epoch),
                ("completed", c.completed),
                ("outstanding", c.pending.len() as u64),
                ("redirects", c.redirects),
                ("gave up", c.gave_up),
                ("shed", c.shed),
            ]);
            v
        }
        Some(Node::Shard(s)) => {
            let member = s.table.index_of(id).is_some() || s.next.as_ref().is_some_and(|n| n.index_of(id).is_some());
            let mut v = NodeView::new(id, label, if member || s.member_req.is_some() { "shard" } else { "spare" });
            v.tier = 2;
            v.color = shard_color(m, id);
            v.headline = format!("{} keys", s.data.size());
            v.member = s.table.index_of(id).is_some() || s.next.as_ref().is_some_and(|n| n.index_of(id).is_some());
            v.load = Some((s.queue.len() as f64 / 40.0).min(1.0));
            if s.failed {
                v.badges.push("failed".into());
            }
            if let Some(n) = &s.next {
                v.badges.push(if s.ready { format!("frozen for e{}", n.epoch) } else { format!("sending {} → e{}", s.pending.size() + s.inflight.len(), n.epoch) });
            }
            if s.weight != 1 {
                v.badges.push(format!("weight {}", s.weight));
            }
            v.details = numbers(&[("keys held", s.data.size() as u64), ("table epoch", s.table.epoch)]);
            v.details.push(("queue".into(), format!("{} of {QUEUE_MAX}", s.queue.len())));
            v.details.extend(numbers(&[
                ("served", s.served_total),
                ("moving keys", s.moving.size() as u64),
                ("to send", s.pending.size() as u64),
                ("batches in flight", s.inflight.len() as u64),
                ("handed off", s.handed),
                ("writes awaiting backups", s.pending_writes.len() as u64),
            ]));
            v
        }
        None => {
            let mut v = NodeView::new(id, label, if id == 0 { "router" } else if m.is_shard(id) { "shard" } else { "client" });
            v.tier = if id == 0 { 1 } else if m.is_shard(id) { 2 } else { 0 };
            if let Some(Durable::Shard(d)) = durable {
                v.headline = format!("{} keys on disk", d.data.size());
                v.color = shard_color(m, id);
            }
            v
        }
    }
}

/// Commands offered in a node's menu.
#[inline(never)]
pub fn node_commands(m: &Sharding, id: NodeId, node: Option<&Node>) -> Vec<(&'static str, String, String)> {
    match node {
        Some(Node::Shard(s)) => {
            let mut v = Vec::new();
            if s.failed || s.table.index_of(id).is_none() {
                v.push(("join", String::new(), "Join the cluster".into()));
            } else {
                v.push(("leave", String::new(), "Leave (hand off keys)".into()));
                // Offered once every key has a second copy: with R = 1 a lost disk loses data
                // (a scenario or the command line can still do it, to show exactly that).
                if s.table.r() >= 2 {
                    v.push(("fail", String::new(), "Fail (lose the disk)".into()));
                }
                v.push(("weight", (s.weight % 4 + 1).to_string(), format!("Weight {}", s.weight % 4 + 1)));
            }
            v
        }
        Some(Node::Router(r)) => {
            let t = r.table();
            let mid = t.ranges.first().map_or(m.keys / 2, |_| {
                let i = t.ranges.len() - 1;
                let end = super::range::end(&t.ranges, i).min(m.keys.max(1) as u64 * 2);
                ((t.ranges[i].0 as u64 + end) / 2) as u32
            });
            alloc::vec![("split", mid.to_string(), format!("Split at key {mid}"))]
        }
        Some(Node::Client(c)) => {
            let mut v = alloc::vec![("write", "0".into(), "Write key 0".into()), ("read", "0".into(), "Read key 0".into())];
            if m.index != super::Index::Off {
                // A key nobody has written yet (past the preloaded ones, one per operation id and
                // client), and a query for the tag of the one offered before the last operation:
                // "write a new key, then find it" from the menu, by hand or by the model checker.
                let fresh = |id: u64| (m.keys as u64 + id * m.clients.max(1) as u64 + (c.id as u64).saturating_sub(1)).min(super::index::INDEXABLE as u64 - 1) as u32;
                let k = fresh(c.next_id);
                v.push(("write", k.to_string(), format!("Write new key {k} (tag {})", super::index::tag(k))));
                let t = match c.next_id.checked_sub(1) {
                    Some(prev) => super::index::tag(fresh(prev)),
                    None => (c.next_id % super::index::TAGS as u64) as u32,
                }
                .to_string();
                v.push(("find", t.clone(), format!("Find tag {t} (through the {} index)", m.index.name())));
            }
            v
        }
        None => Vec::new(),
    }
}

/// With a global index, where each tag's entries live: one cell per tag in its primary's
/// colour, marked while the entries move to a new owner.
#[inline(never)]
fn index_figure(m: &Sharding, t: &Table, next: Option<&Table>) -> Option<Figure> {
    if m.index != super::Index::Global {
        return None;
    }
    let mut cells = Vec::new();
    for tag in 0..super::index::TAGS {
        let base = super::index::tag_base(tag);
        let (now, then) = (t.primary(base), next.and_then(|n| n.primary(base)));
        let moving = next.is_some() && then != now;
        let name = |id: Option<NodeId>| id.map_or(String::from("—"), |id| m.label(id));
        let text = if moving { format!("{}→{}", name(now), name(then)) } else { name(now) };
        let owners: Vec<String> = t.owners(base).as_slice().iter().map(|&id| m.label(id)).collect();
        let detail = if moving {
            format!("tag {tag}: entries moving from {} to {}", name(now), name(then))
        } else {
            format!("tag {tag}: entries on {} (copies on {})", name(now), owners.join(", "))
        };
        // Outlined in the owner's colour (not filled: small text on every palette colour would
        // not keep its contrast).
        cells.push(GridCell { text, color: now.map_or(7, |id| shard_color(m, id)), filled: false, marked: moving, detail, ..GridCell::default() });
    }
    let grid = Grid { columns: (0..super::index::TAGS).map(|t| format!("tag {t}")).collect(), rows: alloc::vec![GridRow { label: "index on".into(), node: None, cells }], lines: Vec::new() };
    Some(Figure {
        key: "index",
        title: "Global index: one shard per tag".into(),
        caption: "A query for a tag asks only the shard holding its entries; every write also updates the entry on its tag's shard. A shard holding several tags' entries gets their queries and index writes too.".into(),
        kind: FigureKind::Grid(grid),
    })
}

fn sample_keys(span: u32) -> impl Iterator<Item = u32> {
    let n = FIGURE_KEYS.min(span.max(1));
    (0..n).map(move |i| (span as u64 * i as u64 / n as u64) as u32)
}

/// The key-space figure.
#[inline(never)]
pub fn figures(m: &Sharding, nodes: &Nodes<Sharding>, g: &invariants::Ghost) -> Vec<Figure> {
    let Some(t) = invariants::committed(nodes) else { return Vec::new() };
    let next: Option<alloc::rc::Rc<Table>> = match nodes.up(Sharding::ROUTER) {
        Some(Node::Router(r)) => r.next.clone(),
        _ => None,
    };
    let fresh = nodes.now().saturating_sub(g.last_commit) < MOVED_MARK_US && g.reconfigs > 0;
    // The largest key is kept by the ghost: scanning the acknowledged keys here cost O(keys)
    // every frame.
    let span = m.keys.max(g.max_key.saturating_add(1));
    let color = |id: Option<NodeId>| id.map_or(7, |id| shard_color(m, id));
    let mut keys: Vec<(u32, bool)> = sample_keys(span).map(|k| (k, next.as_ref().is_some_and(|n| n.primary(k) != t.primary(k)))).collect();
    if fresh {
        // An even sample of the moved keys, not just the lowest ids.
        let step = (g.recent_moves.len() / FIGURE_MOVES).max(1);
        keys.extend(g.recent_moves.iter().step_by(step).take(FIGURE_MOVES).map(|&(k, _)| (k, true)));
    }
    let moved_now = keys.iter().filter(|k| k.1).count();
    let caption = {
        let mut c = format!(
            "{} shards, {} strategy, R = {}, epoch {}. Each dot is a key, coloured by its primary shard.",
            t.len(),
            t.strategy.name(),
            t.r(),
            t.epoch
        );
        if let Some(n) = &next {
            c.push_str(&format!(" Moving to epoch {}: {moved_now} of the keys shown change owner (ringed).", n.epoch));
        } else if g.reconfigs > 0 {
            c.push_str(&format!(
                " Last change moved {} keys ({:.1} %); the ideal is {:.1} %.",
                g.moved_keys,
                g.moved_fraction * 100.0,
                g.ideal_fraction * 100.0
            ));
        }
        match m.index {
            super::Index::Off => {}
            super::Index::Local => c.push_str(&format!(" Local index: a query by tag asks all {} shards; a write, one.", t.len())),
            super::Index::Global => c.push_str(" Global index: each tag's entries sit on one shard (see the index figure); a query asks that shard, a write updates two."),
        }
        c
    };
    let mark = |k: u32, moving: bool, at: f64| RingMark { at, label: format!("k{k}"), color: color(next.as_ref().filter(|_| moving).map_or(t.primary(k), |n| n.primary(k))), major: false, moving };
    let kind = if t.strategy.hashed() {
        let mut ring = Ring::default();
        // Arcs: who owns each stretch of the circle, where that is contiguous.
        let mut push = |start: f64, end: f64, id: NodeId, detail: String| {
            if let Some(last) = ring.arcs.last_mut() {
                if last.node == Some(id) && (last.end - start).abs() < 1e-12 {
                    last.end = end;
                    return;
                }
            }
            ring.arcs.push(RingArc { start, end, node: Some(id), color: shard_color(m, id), detail });
        };
        match t.strategy {
            super::Strategy::Ring if t.tokens().len() > ARCS_MAX => {
                // Too many tokens to draw one arc each: sample the ring at ARCS_MAX points and
                // colour each stretch by the owner of its middle (merged with its neighbours).
                for i in 0..ARCS_MAX {
                    let mid = ((i as f64 + 0.5) / ARCS_MAX as f64 * 18_446_744_073_709_551_615.0) as u64;
                    let idx = t.tokens()[super::ring::successor(t.tokens(), mid)].1;
                    let id = t.members[idx as usize];
                    push(i as f64 / ARCS_MAX as f64, (i + 1) as f64 / ARCS_MAX as f64, id, format!("{} (sampled)", m.label(id)));
                }
            }
            super::Strategy::Ring => {
                let tok = t.tokens();
                for (i, &(pos, idx)) in tok.iter().enumerate() {
                    let prev = if i == 0 { tok[tok.len() - 1].0 } else { tok[i - 1].0 };
                    let (s, e) = (super::hash::unit(prev), super::hash::unit(pos));
                    let id = t.members[idx as usize];
                    if i == 0 {
                        push(s - 1.0, e, id, format!("{} up to {:.3}", m.label(id), e));
                    } else {
                        push(s, e, id, format!("{} up to {:.3}", m.label(id), e));
                    }
                }
                if let Some(first) = ring.arcs.first_mut() {
                    if first.start < 0.0 {
                        first.start += 1.0;
                    }
                }
                for &(pos, idx) in tok.iter().step_by((tok.len() / 256).max(1)).take(256) {
                    let id = t.members[idx as usize];
                    ring.marks.push(RingMark { at: super::hash::unit(pos), label: m.label(id), color: shard_color(m, id), major: true, moving: false });
                }
            }
            super::Strategy::Maglev => {
                let table = t.maglev_table();
                let len = table.len() as f64;
                for (i, &idx) in table.iter().enumerate() {
                    let id = t.members[idx as usize];
                    push(i as f64 / len, (i + 1) as f64 / len, id, format!("Maglev slots owned by {}", m.label(id)));
                }
            }
            _ => {}
        }
        if ring.arcs.len() > ARCS_MAX {
            ring.arcs.truncate(ARCS_MAX);
        }
        for &(k, moving) in &keys {
            ring.marks.push(mark(k, moving, super::hash::unit(super::hash::key_hash(k))));
        }
        FigureKind::Ring(ring)
    } else {
        let mut bar = RangeBar::default();
        let loads = &g.last;
        let _ = loads;
        let mut served: Vec<(NodeId, u64)> = Vec::new();
        for (id, n) in nodes.live() {
            if let Node::Shard(s) = n {
                served.push((id, s.served as u64));
            }
        }
        let top = served.iter().map(|s| s.1).max().unwrap_or(0).max(1) as f64;
        for (i, &(start, idx)) in t.ranges.iter().enumerate() {
            let end = super::range::end(&t.ranges, i).min(span as u64) as f64;
            let id = t.members[idx as usize];
            let load = served.iter().find(|s| s.0 == id).map(|s| s.1 as f64 / top);
            bar.segments.push(Segment {
                start: (start as f64 / span as f64).min(1.0),
                end: (end / span as f64).min(1.0),
                label: format!("[k{start}, {}) {}", if i + 1 == t.ranges.len() { "∞".to_string() } else { format!("k{}", end as u64) }, m.label(id)),
                node: Some(id),
                color: shard_color(m, id),
                load,
            });
        }
        for &(k, moving) in &keys {
            bar.marks.push(mark(k, moving, (k as f64 / span as f64).min(1.0)));
        }
        FigureKind::RangeBar(bar)
    };
    let mut out = alloc::vec![Figure { key: "keyspace", title: "Key space".into(), caption, kind }];
    out.push(key_grid(m, &t, next.as_deref(), fresh.then_some(()).and(g.figure.prev_table.as_deref()), span, g));
    out.extend(index_figure(m, &t, next.as_deref()));
    out
}

/// The key grid: keys in order (an even sample of up to [`GRID_KEYS`]), one square each in its
/// primary's colour; while a change is being prepared, the keys whose primary changes show
/// their next owner; for a moment after a commit, the keys it moved are ringed (and their
/// colour change is animated). Over it: the share of keys the last change moved, next to the
/// ideal |Δn| / max(n) (1 / (n + 1) when one shard joins n).
#[inline(never)]
pub fn key_grid(m: &Sharding, t: &Table, next: Option<&Table>, prev: Option<&Table>, span: u32, g: &invariants::Ghost) -> Figure {
    // A thousand owner look-ups (for rendezvous, 32 hashes each) per table, every frame, cost
    // about a millisecond; the grid changes only with the tables, so it is kept until they do.
    let mut h = Fnv::default();
    for t in [Some(t), next, prev] {
        match t {
            Some(t) => placement(&mut h, t),
            None => h.add(u64::MAX),
        }
    }
    for x in [span as u64, g.reconfigs, g.moved_keys, g.moved_fraction.to_bits(), g.ideal_fraction.to_bits()] {
        h.add(x);
    }
    // Only the grid and its caption are kept and cloned (cloning a whole `Figure` would bring
    // in the clone code of every figure kind).
    let cached = g.figure.grid.borrow().as_ref().filter(|c| c.0 == h.0).map(|c| (c.1.clone(), c.2.clone()));
    let (grid, caption) = cached.unwrap_or_else(|| {
        let built = build_key_grid(m, t, next, prev, span, g);
        *g.figure.grid.borrow_mut() = Some((h.0, built.0.clone(), built.1.clone()));
        built
    });
    Figure { key: "keygrid", title: "Keys by owner".into(), caption, kind: FigureKind::KeyGrid(grid) }
}

/// FNV-1a over 64-bit words.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn add(&mut self, x: u64) {
        for b in x.to_le_bytes() {
            self.0 = (self.0 ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// Everything about a table that decides where keys go (not its epoch).
fn placement(h: &mut Fnv, t: &Table) {
    h.add(t.strategy as u64);
    h.add(t.r() as u64);
    h.add(t.vnodes as u64);
    h.add(t.reseed as u64);
    for (&id, &w) in t.members.iter().zip(t.weights.iter()) {
        h.add(((id as u64) << 32) | w as u64);
    }
    h.add(u64::MAX - 1);
    for &(start, i) in &t.ranges {
        h.add(((start as u64) << 32) | i as u64);
    }
}

#[inline(never)]

fn build_key_grid(m: &Sharding, t: &Table, next: Option<&Table>, prev: Option<&Table>, span: u32, g: &invariants::Ghost) -> (KeyGrid, String) {
    let n = GRID_KEYS.min(span.max(1));
    // Owners: every shard of the committed and next tables, in id order.
    let mut ids: Vec<NodeId> = t.members.iter().chain(next.map_or(&[][..], |n| &n.members[..])).chain(prev.map_or(&[][..], |p| &p.members[..])).copied().collect();
    ids.sort_unstable();
    ids.dedup();
    let owner_of = |id: Option<NodeId>| id.and_then(|id| ids.binary_search(&id).ok()).map_or(ids.len() as u32, |i| i as u32);
    let mut owners: Vec<KeyOwner> = ids.iter().map(|&id| KeyOwner { name: m.label(id), color: shard_color(m, id), node: Some(id) }).collect();
    owners.push(KeyOwner { name: "no owner".into(), color: 7, node: None });
    let mut moving = 0u32;
    let mut moved = 0u32;
    let cells: Vec<KeyCell> = (0..n)
        .map(|i| {
            let k = (span as u64 * i as u64 / n as u64) as u32;
            let now = t.primary(k);
            let to = next.map(|n| n.primary(k)).filter(|&p| p != now).map(owner_of);
            let was = prev.is_some_and(|p| p.primary(k) != now);
            moving += u32::from(to.is_some());
            moved += u32::from(was);
            KeyCell { key: k as u64, owner: owner_of(now), next: to, moved: was }
        })
        .collect();
    if !cells.iter().any(|c| c.owner as usize == ids.len()) {
        owners.pop();
    }
    let sample = if n < span { format!("An even sample of {n} of {span} keys") } else { format!("All {span} keys") };
    let headline = if g.reconfigs == 0 {
        format!("No change yet: {} shards. Add or remove one to see which keys move.", t.len())
    } else {
        let ideal = if g.ideal_fraction > 0.0 { format!("{:.1} %", g.ideal_fraction * 100.0) } else { "—".into() };
        format!("Last change moved {} keys ({:.1} %) · ideal 1/(n+1): {ideal}", g.moved_keys, g.moved_fraction * 100.0)
    };
    let mut headline = headline;
    if next.is_some() {
        headline.push_str(&format!(" · moving now: {moving} of the {n} squares"));
    } else if prev.is_some() && moved > 0 {
        headline.push_str(&format!(" · ringed: {moved} squares just moved"));
    }
    let caption = format!(
        "{sample} in key order, left to right and top to bottom, each square in its primary shard's colour. A square showing a second colour inside is moving to that shard; a ringed one has just moved. Range partitioning shows as solid blocks, hashing as confetti."
    );
    (KeyGrid { columns: GRID_COLUMNS, prefix: "k".into(), owners, cells, headline }, caption)
}
