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
use alloc::string::String;
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

/// Text built from pieces: words and numbers. One small routine the labels share: a call
/// here is much smaller in the page than a `format!` at every site.
#[derive(Default)]
pub struct Say(pub String);

impl Say {
    /// Starts with `s`.
    #[inline(never)]
    pub fn new(s: &str) -> Say {
        Say(String::from(s))
    }
    /// Appends a word.
    #[inline(never)]
    pub fn s(&mut self, s: &str) -> &mut Say {
        self.0.push_str(s);
        self
    }
    /// Appends a whole number.
    #[inline(never)]
    pub fn n(&mut self, n: u64) -> &mut Say {
        crate::trace::push_decimal(&mut self.0, n);
        self
    }
    /// Appends a node's label: `R`, `C0`, `S0`…
    #[inline(never)]
    pub fn node(&mut self, m: &Sharding, id: NodeId) -> &mut Say {
        if id == Sharding::ROUTER {
            self.s("R")
        } else if id < m.first_shard() {
            self.s("C").n((id - 1) as u64)
        } else {
            self.s("S").n((id - m.first_shard()) as u64)
        }
    }
    /// Appends node labels with `sep` between them.
    pub fn nodes(&mut self, m: &Sharding, ids: &[NodeId], sep: &str) -> &mut Say {
        for (i, &id) in ids.iter().enumerate() {
            if i > 0 {
                self.s(sep);
            }
            self.node(m, id);
        }
        self
    }
    /// Appends a node's label, or "—" for none.
    pub fn owner(&mut self, m: &Sharding, id: Option<NodeId>) -> &mut Say {
        match id {
            Some(id) => self.node(m, id),
            None => self.s("—"),
        }
    }
    /// The text (leaves this empty).
    #[inline(never)]
    pub fn take(&mut self) -> String {
        core::mem::take(&mut self.0)
    }
}

/// Describes a message.
pub fn describe(m: &Sharding, msg: &Msg) -> MsgInfo {
    let mut l = Say::default();
    let op = |l: &mut Say, k: &OpKind| match *k {
        OpKind::Read(k) => {
            l.s("get k").n(k as u64);
            "read"
        }
        OpKind::Write(k) => {
            l.s("put k").n(k as u64);
            "write"
        }
        OpKind::Scan(a, b) => {
            l.s("scan k").n(a as u64).s("..k").n(b as u64);
            "scan"
        }
        OpKind::Find(t) => {
            l.s("find tag ").n(t as u64);
            "find"
        }
        OpKind::Put(e, v) => {
            let (k, t) = super::index::entry_of(e);
            l.s("index tag ").n(t as u64).s(" ← k").n(k as u64).s(" v").n(v);
            "index write"
        }
    };
    let (kind, ok) = match msg {
        Msg::Op(o) => {
            let kind = op(&mut l, &o.kind);
            l.s(" (e").n(o.epoch).s(")");
            (kind, None)
        }
        Msg::Reply(o, out) => {
            op(&mut l, &o.kind);
            match out {
                Outcome::Ok(v) => {
                    l.s(" → v").n(*v);
                    ("reply", Some(true))
                }
                Outcome::Redirect(t) => {
                    l.s(": not mine, table e").n(t.epoch);
                    ("redirect", Some(false))
                }
                Outcome::Retry => {
                    l.s(": retry");
                    ("retry", Some(false))
                }
            }
        }
        Msg::Replicate { key, version, .. } => {
            l.s("k").n(*key as u64).s(" v").n(*version);
            ("replicate", None)
        }
        Msg::ReplicaAck { .. } => {
            l.s("stored");
            ("replica ack", Some(true))
        }
        Msg::Prepare { table, .. } => {
            l.s("prepare e").n(table.epoch).s(" (").s(table.strategy.name()).s(")");
            ("prepare", None)
        }
        Msg::Ready(e) => {
            l.s("ready e").n(*e);
            ("ready", Some(true))
        }
        Msg::Commit(t) => {
            l.s("commit e").n(t.epoch);
            ("commit", None)
        }
        Msg::Committed(e) => {
            l.s("on e").n(*e);
            ("committed", Some(true))
        }
        Msg::Handoff { items, epoch, .. } => {
            l.n(items.len() as u64).s(" keys for e").n(*epoch);
            ("handoff", None)
        }
        Msg::HandoffAck { batch, .. } => {
            l.s("batch ").n(*batch as u64).s(" stored");
            ("handoff ack", Some(true))
        }
        Msg::GetTable => {
            l.s("table?");
            ("get table", None)
        }
        Msg::Member(c) => {
            match *c {
                MemberChange::Join(w) => l.s("join (weight ").n(w as u64).s(")"),
                MemberChange::Leave => l.s("leave"),
                MemberChange::Failed => l.s("failed: disk lost"),
                MemberChange::Weight(w) => l.s("weight ").n(w as u64),
            };
            ("membership", None)
        }
        Msg::Load { ops, .. } => {
            l.n(*ops as u64).s(" ops (").node(m, 0).s(")");
            ("load report", None)
        }
    };
    MsgInfo { kind, label: l.take(), ok }
}

/// Detail rows of whole numbers (one formatting loop for them all).
#[inline(never)]
fn numbers(rows: &[(&str, u64)]) -> Vec<(String, String)> {
    let mut out = Vec::with_capacity(rows.len());
    for &(name, n) in rows {
        out.push((String::from(name), Say::default().n(n).take()));
    }
    out
}

/// Draws a node.
pub fn node_view(m: &Sharding, id: NodeId, node: Option<&Node>, durable: Option<&Durable>, _now: Time) -> NodeView {
    let shard = |s: &super::Shard| s.table.index_of(id).is_some() || s.next.as_ref().is_some_and(|n| n.index_of(id).is_some());
    // Role, column and colour first, so that the view is built in one place.
    let (role, tier, color) = match node {
        Some(Node::Router(_)) => ("router", 1, 2),
        Some(Node::Client(_)) => ("client", 0, 4),
        Some(Node::Shard(s)) => (if shard(s) || s.member_req.is_some() { "shard" } else { "spare" }, 2, shard_color(m, id)),
        None if id == 0 => ("router", 1, 0),
        None if m.is_shard(id) => ("shard", 2, if matches!(durable, Some(Durable::Shard(_))) { shard_color(m, id) } else { 0 }),
        None => ("client", 0, 0),
    };
    let mut v = NodeView::new(id, Say::default().node(m, id).take(), role);
    v.tier = tier;
    v.color = color;
    let mut say = Say::default();
    match node {
        Some(Node::Router(r)) => {
            let t = r.table();
            v.headline = say.s("e").n(t.epoch).take();
            v.badges.push(t.strategy.name().into());
            v.badges.push(say.s("R=").n(t.r() as u64).take());
            if let Some(n) = &r.next {
                v.badges.push(say.s("moving → e").n(n.epoch).take());
            }
            v.details = numbers(&[("epoch", t.epoch)]);
            let rows: [(&str, String); 5] = [
                ("strategy", t.strategy.name().into()),
                ("members", say.nodes(m, &t.members, " ").take()),
                ("failed", say.nodes(m, &r.durable.failed, " ").take()),
                ("preparing", r.next.as_ref().map_or("—".into(), |n| Say::new("e").n(n.epoch).s(": ").n(r.ready.len() as u64).s(" of ").n(n.len() as u64).s(" ready").take())),
                ("ranges", say.n(t.ranges.len() as u64).take()),
            ];
            for (k, text) in rows {
                v.details.push((k.into(), text));
            }
        }
        Some(Node::Client(c)) => {
            v.headline = say.n(c.completed).take();
            v.badges.push(say.s("table e").n(c.table.epoch).take());
            v.details = numbers(&[
                ("table epoch", c.table.epoch),
                ("completed", c.completed),
                ("outstanding", c.pending.len() as u64),
                ("redirects", c.redirects),
                ("gave up", c.gave_up),
                ("shed", c.shed),
            ]);
        }
        Some(Node::Shard(s)) => {
            v.headline = say.n(s.data.size() as u64).s(" keys").take();
            v.member = shard(s);
            v.load = Some((s.queue.len() as f64 / 40.0).min(1.0));
            if s.failed {
                v.badges.push("failed".into());
            }
            if let Some(n) = &s.next {
                if s.ready {
                    say.s("frozen for e");
                } else {
                    say.s("sending ").n((s.pending.size() + s.inflight.len()) as u64).s(" → e");
                }
                v.badges.push(say.n(n.epoch).take());
            }
            if s.weight != 1 {
                v.badges.push(say.s("weight ").n(s.weight as u64).take());
            }
            v.details = numbers(&[
                ("keys held", s.data.size() as u64),
                ("table epoch", s.table.epoch),
                ("queue", s.queue.len() as u64),
                ("served", s.served_total),
                ("moving keys", s.moving.size() as u64),
                ("to send", s.pending.size() as u64),
                ("batches in flight", s.inflight.len() as u64),
                ("handed off", s.handed),
                ("writes awaiting backups", s.pending_writes.len() as u64),
            ]);
            v.details[2].1 = say.s(&v.details[2].1).s(" of ").n(QUEUE_MAX as u64).take();
        }
        None => {
            if let Some(Durable::Shard(d)) = durable {
                v.headline = say.n(d.data.size() as u64).s(" keys on disk").take();
            }
        }
    }
    v
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
                let w = (s.weight % 4 + 1) as u64;
                v.push(("weight", Say::default().n(w).take(), Say::new("Weight ").n(w).take()));
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
            alloc::vec![("split", Say::default().n(mid as u64).take(), Say::new("Split at key ").n(mid as u64).take())]
        }
        Some(Node::Client(c)) => {
            let mut v = alloc::vec![("write", "0".into(), "Write key 0".into()), ("read", "0".into(), "Read key 0".into())];
            if m.index != super::Index::Off {
                // A key nobody has written yet (past the preloaded ones, one per operation id and
                // client), and a query for the tag of the one offered before the last operation:
                // "write a new key, then find it" from the menu, by hand or by the model checker.
                let fresh = |id: u64| (m.keys as u64 + id * m.clients.max(1) as u64 + (c.id as u64).saturating_sub(1)).min(super::index::INDEXABLE as u64 - 1) as u32;
                let k = fresh(c.next_id);
                v.push(("write", Say::default().n(k as u64).take(), Say::new("Write new key ").n(k as u64).s(" (tag ").n(super::index::tag(k) as u64).s(")").take()));
                let t = match c.next_id.checked_sub(1) {
                    Some(prev) => super::index::tag(fresh(prev)),
                    None => (c.next_id % super::index::TAGS as u64) as u32,
                } as u64;
                v.push(("find", Say::default().n(t).take(), Say::new("Find tag ").n(t).s(" (through the ").s(m.index.name()).s(" index)").take()));
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
    let mut columns = Vec::new();
    for tag in 0..super::index::TAGS {
        let base = super::index::tag_base(tag);
        let (now, then) = (t.primary(base), next.and_then(|n| n.primary(base)));
        let moving = next.is_some() && then != now;
        let mut text = Say::default();
        let mut detail = Say::new("tag ");
        detail.n(tag as u64);
        text.owner(m, now);
        if moving {
            text.s("→").owner(m, then);
            detail.s(": entries moving from ").owner(m, now).s(" to ").owner(m, then);
        } else {
            detail.s(": entries on ").owner(m, now).s(" (copies on ").nodes(m, t.owners(base).as_slice(), ", ").s(")");
        }
        // Outlined in the owner's colour (not filled: small text on every palette colour would
        // not keep its contrast).
        cells.push(GridCell { text: text.take(), color: now.map_or(7, |id| shard_color(m, id)), filled: false, marked: moving, detail: detail.take(), ..GridCell::default() });
        columns.push(Say::new("tag ").n(tag as u64).take());
    }
    let grid = Grid { columns, rows: alloc::vec![GridRow { label: "index on".into(), node: None, cells }], lines: Vec::new() };
    Some(Figure {
        key: "index",
        title: "Global index: one shard per tag".into(),
        caption: "A query for a tag asks only the shard holding its entries; every write also updates the entry on its tag's shard. A shard holding several tags' entries gets their queries and index writes too.".into(),
        kind: FigureKind::Grid(grid),
    })
}

/// `x` with `digits` decimals (the one place the figures format a fraction).
#[inline(never)]
fn fixed(x: f64, digits: usize) -> String {
    format!("{x:.digits$}")
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
    let mut keys: Vec<(u32, bool)> = Vec::new();
    let n = FIGURE_KEYS.min(span.max(1));
    for i in 0..n {
        let k = (span as u64 * i as u64 / n as u64) as u32;
        keys.push((k, next.as_ref().is_some_and(|n| n.primary(k) != t.primary(k))));
    }
    if fresh {
        // An even sample of the moved keys, not just the lowest ids.
        let step = (g.recent_moves.len() / FIGURE_MOVES).max(1);
        for &(k, _) in g.recent_moves.iter().step_by(step).take(FIGURE_MOVES) {
            keys.push((k, true));
        }
    }
    let mut moved_now = 0u64;
    for k in &keys {
        moved_now += k.1 as u64;
    }
    let caption = {
        let mut c = Say::default();
        c.n(t.len() as u64).s(" shards, ").s(t.strategy.name()).s(" strategy, R = ").n(t.r() as u64).s(", epoch ").n(t.epoch).s(". Each dot is a key, coloured by its primary shard.");
        if let Some(n) = &next {
            c.s(" Moving to epoch ").n(n.epoch).s(": ").n(moved_now).s(" of the keys shown change owner (ringed).");
        } else if g.reconfigs > 0 {
            c.s(" Last change moved ").n(g.moved_keys).s(" keys (").s(&fixed(g.moved_fraction * 100.0, 1)).s(" %); the ideal is ").s(&fixed(g.ideal_fraction * 100.0, 1)).s(" %.");
        }
        match m.index {
            super::Index::Off => {}
            super::Index::Local => {
                c.s(" Local index: a query by tag asks all ").n(t.len() as u64).s(" shards; a write, one.");
            }
            super::Index::Global => {
                c.s(" Global index: each tag's entries sit on one shard (see the index figure); a query asks that shard, a write updates two.");
            }
        }
        c.take()
    };
    let mark = |k: u32, moving: bool, at: f64| RingMark { at, label: Say::new("k").n(k as u64).take(), color: color(next.as_ref().filter(|_| moving).map_or(t.primary(k), |n| n.primary(k))), major: false, moving };
    let kind = if t.strategy.hashed() {
        let mut ring = Ring::default();
        // Arcs: who owns each stretch of the circle, where that is contiguous. An arc's text is
        // written when it starts (a stretch merged into the one before adds none).
        let mut push = |start: f64, end: f64, id: NodeId, what: u8| {
            if let Some(last) = ring.arcs.last_mut() {
                if last.node == Some(id) && (last.end - start).abs() < 1e-12 {
                    last.end = end;
                    return;
                }
            }
            let mut detail = Say::default();
            match what {
                0 => detail.node(m, id).s(" (sampled)"),
                1 => detail.node(m, id).s(" up to ").s(&fixed(end, 3)),
                _ => detail.s("Maglev slots owned by ").node(m, id),
            };
            ring.arcs.push(RingArc { start, end, node: Some(id), color: shard_color(m, id), detail: detail.take() });
        };
        match t.strategy {
            super::Strategy::Ring if t.tokens().len() > ARCS_MAX => {
                // Too many tokens to draw one arc each: sample the ring at ARCS_MAX points and
                // colour each stretch by the owner of its middle (merged with its neighbours).
                for i in 0..ARCS_MAX {
                    let mid = ((i as f64 + 0.5) / ARCS_MAX as f64 * 18_446_744_073_709_551_615.0) as u64;
                    let idx = t.tokens()[super::ring::successor(t.tokens(), mid)].1;
                    push(i as f64 / ARCS_MAX as f64, (i + 1) as f64 / ARCS_MAX as f64, t.members[idx as usize], 0);
                }
            }
            super::Strategy::Ring => {
                let tok = t.tokens();
                for (i, &(pos, idx)) in tok.iter().enumerate() {
                    let prev = if i == 0 { tok[tok.len() - 1].0 } else { tok[i - 1].0 };
                    let s = super::hash::unit(prev) - if i == 0 { 1.0 } else { 0.0 };
                    push(s, super::hash::unit(pos), t.members[idx as usize], 1);
                }
                if let Some(first) = ring.arcs.first_mut() {
                    if first.start < 0.0 {
                        first.start += 1.0;
                    }
                }
                for &(pos, idx) in tok.iter().step_by((tok.len() / 256).max(1)).take(256) {
                    let id = t.members[idx as usize];
                    ring.marks.push(RingMark { at: super::hash::unit(pos), label: Say::default().node(m, id).take(), color: shard_color(m, id), major: true, moving: false });
                }
            }
            super::Strategy::Maglev => {
                let table = t.maglev_table();
                let len = table.len() as f64;
                for (i, &idx) in table.iter().enumerate() {
                    push(i as f64 / len, (i + 1) as f64 / len, t.members[idx as usize], 2);
                }
            }
            _ => {}
        }
        ring.arcs.truncate(ARCS_MAX);
        for &(k, moving) in &keys {
            ring.marks.push(mark(k, moving, super::hash::unit(super::hash::key_hash(k))));
        }
        FigureKind::Ring(ring)
    } else {
        let mut bar = RangeBar::default();
        // Operations each shard served since its last report, over the busiest one's.
        let mut served: Vec<(NodeId, u64)> = Vec::new();
        let mut top = 1u64;
        for (id, n) in nodes.live() {
            if let Node::Shard(s) = n {
                served.push((id, s.served as u64));
                top = top.max(s.served as u64);
            }
        }
        for (i, &(start, idx)) in t.ranges.iter().enumerate() {
            let end = super::range::end(&t.ranges, i).min(span as u64) as f64;
            let id = t.members[idx as usize];
            let mut load = None;
            for s in &served {
                if s.0 == id {
                    load = Some(s.1 as f64 / top as f64);
                    break;
                }
            }
            let mut label = Say::new("[k");
            label.n(start as u64).s(", ");
            if i + 1 == t.ranges.len() {
                label.s("∞");
            } else {
                label.s("k").n(end as u64);
            }
            bar.segments.push(Segment {
                start: (start as f64 / span as f64).min(1.0),
                end: (end / span as f64).min(1.0),
                label: label.s(") ").node(m, id).take(),
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
    let mut ids: Vec<NodeId> = Vec::new();
    for t in [Some(t), next, prev] {
        let Some(t) = t else { continue };
        ids.extend_from_slice(&t.members);
    }
    ids.sort_unstable();
    ids.dedup();
    let owner_of = |id: Option<NodeId>| id.and_then(|id| ids.binary_search(&id).ok()).map_or(ids.len() as u32, |i| i as u32);
    let mut owners: Vec<KeyOwner> = Vec::new();
    for &id in &ids {
        owners.push(KeyOwner { name: Say::default().node(m, id).take(), color: shard_color(m, id), node: Some(id) });
    }
    owners.push(KeyOwner { name: "no owner".into(), color: 7, node: None });
    let mut moving = 0u64;
    let mut moved = 0u64;
    let mut unowned = false;
    let mut cells: Vec<KeyCell> = Vec::with_capacity(n as usize);
    for i in 0..n {
        let k = (span as u64 * i as u64 / n as u64) as u32;
        let now = t.primary(k);
        let to = next.map(|n| n.primary(k)).filter(|&p| p != now).map(owner_of);
        let was = prev.is_some_and(|p| p.primary(k) != now);
        moving += to.is_some() as u64;
        moved += was as u64;
        unowned |= now.is_none();
        cells.push(KeyCell { key: k as u64, owner: owner_of(now), next: to, moved: was });
    }
    if !unowned {
        owners.pop();
    }
    let mut sample = Say::default();
    if n < span {
        sample.s("An even sample of ").n(n as u64).s(" of ");
    } else {
        sample.s("All ");
    }
    let mut headline = Say::default();
    if g.reconfigs == 0 {
        headline.s("No change yet: ").n(t.len() as u64).s(" shards. Add or remove one to see which keys move.");
    } else {
        let ideal = if g.ideal_fraction > 0.0 { fixed(g.ideal_fraction * 100.0, 1) + " %" } else { "—".into() };
        headline.s("Last change moved ").n(g.moved_keys).s(" keys (").s(&fixed(g.moved_fraction * 100.0, 1)).s(" %) · ideal 1/(n+1): ").s(&ideal);
    }
    if next.is_some() {
        headline.s(" · moving now: ").n(moving).s(" of the ").n(n as u64).s(" squares");
    } else if prev.is_some() && moved > 0 {
        headline.s(" · ringed: ").n(moved).s(" squares just moved");
    }
    let headline = headline.take();
    let caption = sample.n(span as u64).s(
        " keys in key order, left to right and top to bottom, each square in its primary shard's colour. A square showing a second colour inside is moving to that shard; a ringed one has just moved. Range partitioning shows as solid blocks, hashing as confetti.",
    ).take();
    (KeyGrid { columns: GRID_COLUMNS, prefix: "k".into(), owners, cells, headline }, caption)
}
