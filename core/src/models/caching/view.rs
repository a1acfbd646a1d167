//! How the caching service looks: clients, caches and the database in three columns; each
//! cache's contents as its policy orders them (a lists figure); the hit-ratio curves (a grid);
//! the hash ring of cache nodes.

use super::curves::{CurveJob, CURVES, SIZES};
use super::msg::Msg;
use super::policy::{Policy, KINDS};
use super::{CachingModel, Durable, Ghost, Key, Mode, Node};
use crate::figure::{Figure, FigureKind, Grid, GridCell, GridRow, Lists, NamedList, Ring, RingArc, RingMark};
use crate::model::Nodes;
use crate::time::Time;
use crate::view::{Cell, MsgInfo, NodeView};
use crate::NodeId;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// Most items drawn per list.
pub const ITEMS_MAX: usize = 24;
/// Most cached keys drawn on the ring, per cache.
pub const RING_KEYS_MAX: usize = 40;
/// Palette colours of the caches on the ring (grey, 7, is for a cache that is down).
const CACHE_COLORS: [u32; 7] = [4, 1, 2, 3, 0, 5, 6];
const DOWN_COLOR: u32 = 7;

const GREEN: u32 = 2;
const ORANGE: u32 = 1;
const RED: u32 = 3;
const GREY: u32 = 0;

/// Describes a message.
pub fn describe(msg: &Msg) -> MsgInfo {
    // (kind, label before the key, after it, ok): one `format!` for every message, not one each.
    let (kind, before, after, ok, key) = match msg {
        Msg::Get { key, .. } => ("get", "get ", "", None, *key),
        Msg::Value { key, hit: true, .. } => ("hit", "hit ", "", Some(true), *key),
        Msg::Value { key, hit: false, .. } => ("value", "", " from db", Some(true), *key),
        Msg::Miss { key, wait: true, .. } => ("miss: wait", "miss ", ": lease held, wait", Some(false), *key),
        Msg::Miss { key, lease: Some(_), .. } => ("miss + lease", "miss ", " + lease", Some(false), *key),
        Msg::Miss { key, .. } => ("miss", "miss ", "", Some(false), *key),
        Msg::Fail { key, .. } => ("fail", "fail ", "", Some(false), *key),
        Msg::Set { key, lease, .. } => ("set", "set ", if lease.is_some() { " (lease)" } else { "" }, None, *key),
        Msg::Delete { key, .. } => ("delete", "delete ", "", None, *key),
        Msg::Deleted { key, .. } => ("deleted", "deleted ", "", Some(true), *key),
        Msg::Put { key, .. } => ("put", "put ", "", None, *key),
        Msg::PutAck { key, .. } => ("put ack", "ack ", "", Some(true), *key),
        Msg::DbRead { key, .. } => ("db read", "read ", "", None, *key),
        Msg::DbValue { key, .. } => ("db value", "value ", "", Some(true), *key),
        Msg::DbWrite { key, .. } => ("db write", "write ", "", None, *key),
        Msg::DbAck { key, .. } => ("db ack", "written ", "", Some(true), *key),
        Msg::Flush(b) => ("flush", "flush ", " keys", None, b.len() as Key),
    };
    MsgInfo { kind, label: format!("{before}{key}{after}"), ok }
}

/// Detail rows of counts: one loop, not a `to_string` written out for each row.
#[inline(never)]
fn counts(rows: &[(&str, u64)]) -> Vec<(String, String)> {
    rows.iter().map(|&(label, n)| (String::from(label), n.to_string())).collect()
}

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

/// Draws a node.
pub fn node_view(model: &CachingModel, id: NodeId, node: Option<&Node>, _durable: Option<&Durable>, _now: Time) -> NodeView {
    let label = model.label(id);
    match node {
        Some(Node::Client(c)) => {
            let mut v = NodeView::new(id, label, "client");
            v.tier = 0;
            v.color = GREEN;
            let hr = if c.reads > 0 { c.hits as f64 / c.reads as f64 } else { 0.0 };
            v.headline = pct(hr);
            if c.gen.trace_len() > 0 {
                v.badges.push(format!("trace of {}", c.gen.trace_len()));
            }
            v.details = counts(&[("reads", c.reads), ("writes", c.writes), ("failed", c.failed), ("open requests", c.ops.len() as u64), ("shed", c.shed)]);
            v.details.insert(0, ("hit ratio".into(), pct(hr)));
            v
        }
        Some(Node::Cache(c)) => {
            let mut v = NodeView::new(id, label, "cache");
            v.tier = 1;
            let n = c.entries.len();
            v.headline = format!("{n}/{}", model.capacity);
            v.load = Some(n as f64 / model.capacity.max(1) as f64);
            v.color = if c.dirty.is_empty() { GREEN } else { ORANGE };
            v.badges.push(c.policy.kind().label().into());
            if !c.dirty.is_empty() {
                v.badges.push(format!("{} dirty", c.dirty.len()));
            }
            let total = c.hits + c.misses;
            v.details = counts(&[
                ("hits", c.hits),
                ("misses", c.misses),
                ("evictions", c.evictions),
                ("database fetches", c.fetches),
                ("fetches in flight", c.fills.len() as u64),
                ("dirty (not yet in the database)", c.dirty.len() as u64),
                ("leases out", c.leases.len() as u64),
                ("sets refused (void lease)", c.rejected_sets),
                ("early refreshes (XFetch)", c.early_refreshes),
            ]);
            v.details.insert(0, ("policy".into(), c.policy.kind().label().into()));
            v.details.insert(1, ("keys".into(), format!("{n} of {}", model.capacity)));
            v.details.insert(4, ("hit ratio".into(), if total > 0 { pct(c.hits as f64 / total as f64) } else { "—".into() }));
            // Plain loops, not an iterator chain: each adapter type is more code in the page.
            'lists: for l in c.policy.lists(ITEMS_MAX) {
                for i in l.items {
                    if v.cells.len() == 16 {
                        break 'lists;
                    }
                    if !i.ghost {
                        v.cells.push(Cell { text: i.text, color: if i.hot { GREEN } else { GREY }, solid: true, marked: false });
                    }
                }
            }
            v
        }
        Some(Node::Db(d)) => {
            let mut v = NodeView::new(id, label, "database");
            v.tier = 2;
            v.color = if d.ops.len() > model.db_workers as usize * 4 { RED } else { GREEN };
            v.headline = format!("{}", d.ops.len());
            v.load = Some((d.ops.len() as f64 / (model.db_workers as f64 * 8.0)).min(1.0));
            v.details = counts(&[
                ("in progress", d.ops.len() as u64),
                ("workers", model.db_workers as u64),
                ("reads", d.reads),
                ("writes", d.writes),
                ("flushed entries applied", d.flushed),
                ("refused (queue full)", d.refused),
            ]);
            v
        }
        None => {
            let role = if id < model.clients {
                "client"
            } else if model.is_cache(id) {
                "cache"
            } else {
                "database"
            };
            let mut v = NodeView::new(id, label, role);
            v.tier = if id < model.clients { 0 } else if model.is_cache(id) { 1 } else { 2 };
            v.headline = "down".into();
            v
        }
    }
}

/// Commands offered in a node's menu. A client offers reads of three keys and a write of one:
/// enough to fill a small cache by hand, and the choices the model checker gives as requests.
pub fn node_commands(model: &CachingModel, id: NodeId, node: Option<&Node>) -> Vec<(&'static str, String, String)> {
    match node {
        Some(Node::Client(_)) => alloc::vec![
            ("read", "0".into(), "Read key 0 (the hottest)".into()),
            ("read", "1".into(), "Read key 1".into()),
            ("read", "2".into(), "Read key 2".into()),
            ("write", "0".into(), "Write key 0".into()),
            // No argument here: the shell asks for the trace (a text box or a file).
            ("trace", String::new(), "Replay a trace of keys".into()),
        ],
        Some(Node::Cache(c)) if model.mode == Mode::WriteBehind || !c.dirty.is_empty() => {
            alloc::vec![("flush", String::new(), format!("Flush {} dirty keys now", c.dirty.len()))]
        }
        _ => {
            let _ = id;
            Vec::new()
        }
    }
}

/// The figures: cache contents, hit-ratio curves, the ring.
pub fn figures(model: &CachingModel, nodes: &Nodes<CachingModel>, g: &Ghost) -> Vec<Figure> {
    let mut out = Vec::new();
    // Contents of every cache, as its policy sees them.
    let mut lists: Vec<NamedList> = Vec::new();
    for i in 0..model.caches {
        let id = model.cache_id(i);
        match nodes.up(id) {
            Some(Node::Cache(c)) => {
                for mut l in c.policy.lists(ITEMS_MAX) {
                    l.name = format!("{} · {}", model.label(id), l.name);
                    lists.push(l);
                }
            }
            _ => lists.push(NamedList { name: format!("{} · down: it will restart empty", model.label(id)), items: Vec::new(), hand: None, capacity: Some(model.capacity), total: None }),
        }
    }
    out.push(Figure {
        key: "contents",
        title: format!("Cache contents under {}", model.policy.label()),
        caption: format!(
            "So far: {} reads, hit ratio {}, {} stale reads, {} acknowledged writes lost, stampede peak {} reads of one key ({} in the last 100 ms). Each cache's keys in the order its policy keeps them; the key just requested is highlighted, hollow keys are ghosts (remembered, not stored), the hand marks CLOCK's next frame.",
            g.reads,
            if g.reads > 0 { pct(g.hits as f64 / g.reads as f64) } else { "—".into() },
            g.stale,
            g.lost,
            g.herd_peak,
            // A count kept as a metric value: printed as an integer (no float formatter).
            g.last[3] as u64
        ),
        kind: FigureKind::Lists(Lists { lists }),
    });
    // Hit-ratio curves.
    if let Some(job) = &g.curves {
        let job = job.borrow();
        let sizes = job.sizes();
        let rows = (0..CURVES)
            .map(|c| {
                let chosen = c < KINDS.len() && KINDS[c] == model.policy;
                GridRow {
                    label: format!("{}{}", CurveJob::label(c), if chosen { " ◀" } else { "" }),
                    node: None,
                    cells: (0..SIZES)
                        .map(|s| {
                            let r = job.shown_ratio(c, s);
                            GridCell {
                                text: pct(r),
                                color: if chosen { 4 } else { 7 },
                                filled: job.done(),
                                marked: chosen,
                                detail: format!("{} with {} keys: hit ratio {}", CurveJob::label(c), sizes[s], pct(r)),
                                ..GridCell::default()
                            }
                        })
                        .collect(),
                }
            })
            .collect();
        let progress = if job.done() { String::from("complete") } else { format!("{} of {} requests replayed", job.shown_requests(), job.requests()) };
        out.push(Figure {
            key: "curves",
            title: "Hit ratio by cache size, every policy".into(),
            caption: format!("The current workload replayed through every policy at eight sizes (keys per cache in the column headings); OPT is the bound none can beat. {progress}."),
            kind: FigureKind::Grid(Grid { columns: sizes.iter().map(|s| s.to_string()).collect(), rows, lines: Vec::new() }),
        });
    }
    out.push(ring_figure(model, nodes));
    out
}

/// Where a ring point or key hash sits, as a fraction of the circle.
fn unit(h: u32) -> f64 {
    h as f64 / 4_294_967_296.0
}

/// The consistent-hash ring of cache nodes: each cache's arcs (32 virtual nodes each), a
/// sample of the keys each one holds at their hash, and, when a cache is down, its arcs in
/// grey and the keys its neighbours took over ringed.
pub fn ring_figure(model: &CachingModel, nodes: &Nodes<CachingModel>) -> Figure {
    let color = |c: u32| if nodes.up(model.cache_id(c)).is_some() { CACHE_COLORS[c as usize % CACHE_COLORS.len()] } else { DOWN_COLOR };
    let ring = &model.ring;
    let mut fig = Ring::default();
    for (i, &(point, c)) in ring.iter().enumerate() {
        let prev = ring[(i + ring.len() - 1) % ring.len()].0;
        let up = nodes.up(model.cache_id(c)).is_some();
        let detail = format!(
            "{} {}: keys hashing into {:.1}–{:.1} % of the ring",
            model.label(model.cache_id(c)),
            if up { "owns" } else { "is down; the next cache clockwise serves" },
            unit(prev) * 100.0,
            unit(point) * 100.0
        );
        fig.arcs.push(RingArc { start: unit(prev), end: unit(point), node: Some(model.cache_id(c)), color: color(c), detail });
    }
    // The owner of a key with every cache up: the first point clockwise from its hash.
    let home = |k: Key| -> u32 {
        let h = super::key_hash(k);
        let i = ring.partition_point(|p| p.0 < h);
        ring.get(i).or(ring.first()).map_or(0, |p| p.1)
    };
    let mut down = Vec::new();
    for c in 0..model.caches {
        let Some(Node::Cache(cache)) = nodes.up(model.cache_id(c)) else {
            down.push(model.label(model.cache_id(c)));
            continue;
        };
        let n = cache.entries.len();
        let step = n.div_ceil(RING_KEYS_MAX).max(1);
        for &k in cache.entries.keys().step_by(step) {
            let h = home(k);
            // A key held away from its home cache was taken over when the home went down.
            let moved = h != c;
            let label = if moved {
                format!("key {k} in {} (its home {} is down)", model.label(model.cache_id(c)), model.label(model.cache_id(h)))
            } else {
                format!("key {k} in {}", model.label(model.cache_id(c)))
            };
            fig.marks.push(RingMark { at: unit(super::key_hash(k)), label, color: color(c), major: false, moving: moved });
        }
    }
    let caption = if down.is_empty() {
        format!(
            "Each key belongs to the first cache clockwise from its hash; {} virtual nodes per cache spread each cache's share around the ring. Dots are a sample of the keys each cache holds.",
            super::VNODES
        )
    } else {
        format!(
            "{} down: its arcs are grey and the next cache clockwise serves its keys, starting cold, so the database takes their load until that cache warms up (ringed dots: keys taken over).",
            down.join(" and ")
        )
    };
    Figure { key: "ring", title: "Cache nodes on the hash ring".into(), caption, kind: FigureKind::Ring(fig) }
}
