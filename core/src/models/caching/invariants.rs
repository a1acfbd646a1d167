//! The observer: invariants after every event, counters and metric windows, and the
//! hit-ratio curve job.
//!
//! Work per event is O(log n) in the keys touched: the observer looks only at the node the
//! event happened at (a cache's size, a client's finished requests, the database's herd), and
//! keeps the newest acknowledged write per key in a persistent map shared by snapshots.
//! [`check_all`] re-checks everything from scratch for the tests.
//!
//! The curve job lives behind an `Rc<RefCell<_>>` shared by every snapshot of a run: its
//! result is a pure function of the workload settings and the seed (never of the run's
//! events), so sharing it is safe, and snapshots do not copy tens of thousands of cache
//! entries. Time travel may therefore show curves further along than a fresh run would at the
//! same moment; nothing else reads them.

use super::client::Done;
use super::curves::{CurveJob, CURVES, SIZES};
use super::policy::{Key, Kind, Policy};
use super::workload::{Gen, Shape};
use super::{CachingModel, Mode, Node, Stamp, CAPACITY, METRICS, RYW};
use crate::model::{Happened, Nodes};
use crate::models::balance::metrics::Histogram;
use crate::persist::PMap;
use crate::rng::Rng;
use crate::time::Time;
use crate::view::Violation;
use crate::NodeId;
use alloc::format;
use alloc::rc::Rc;
use alloc::vec::Vec;
use core::cell::RefCell;

/// Cache operations the curve job is granted per metric sample. They are spent a slice at a
/// time by the events that follow ([`CURVE_EVENT_OPS`] each), and whatever is left at the
/// next sample is spent then: the curves advance at the same pace in virtual time as when a
/// sample did all of it at once, but no single event carries the whole grant (in a browser
/// under load, 10,000 operations in one event took 5 to 20 ms: a dropped frame).
pub const CURVE_BUDGET: u32 = 10_000;
/// Most curve operations one event spends from the grant (a few tens of microseconds).
pub const CURVE_EVENT_OPS: u32 = 256;
/// Latency window, in samples.
pub const WINDOW: usize = 5;

/// Omniscient history.
#[derive(Clone, Default)]
pub struct Ghost {
    started: bool,
    /// Newest acknowledged write per key: its stamp.
    pub acked: PMap<Key, Stamp>,
    /// When that write was acknowledged, by key. (Three maps of the type the database's data
    /// already has, not one map of triples: each persistent map type is a copy of the tree
    /// code in the page.)
    pub acked_at: PMap<Key, Time>,
    /// That write's write-through epoch ([`NOT_WT`] if none), by key.
    pub acked_epoch: PMap<Key, u64>,
    /// Write-through epoch: bumped whenever the mode leaves write-through, so a promise made
    /// in one stretch of write-through is not held against values another mode cached.
    pub wt_epoch: u32,
    /// When the current stretch of write-through began.
    pub wt_since: Time,
    last_mode_wt: bool,
    /// Counters since the start.
    pub reads: u64,
    #[allow(missing_docs)]
    pub writes: u64,
    #[allow(missing_docs)]
    pub hits: u64,
    #[allow(missing_docs)]
    pub failed: u64,
    #[allow(missing_docs)]
    pub stale: u64,
    #[allow(missing_docs)]
    pub acked_writes: u64,
    /// Acknowledged writes lost.
    pub lost: u64,
    /// Per cache: dirty entries after its last event, and whether it was up.
    dirty_seen: Vec<u32>,
    up_seen: Vec<bool>,
    /// Most keys any cache ever held.
    pub capacity_peak: u32,
    /// Most reads of one key in the database at once: this window, ever.
    herd_win: u32,
    /// Ever.
    pub herd_peak: u32,
    db_reads_seen: u64,
    win_stale: u64,
    db_reads_prev: u64,
    win_reads: u64,
    win_hits: u64,
    hist: Vec<Histogram>,
    slot: usize,
    /// Last sampled values.
    pub last: [f64; METRICS.len()],
    /// The curve job (shared by snapshots, see the module docs).
    pub curves: Option<Rc<RefCell<CurveJob>>>,
    /// The trace the curves use: the one a client was given last.
    pub trace: Option<Rc<[Key]>>,
    /// A fingerprint of that trace's keys (computed once per trace), so a new trace of the
    /// same length restarts the curves too.
    pub trace_fp: u64,
    /// The run's seed for the curves (from the first client's stream, fixed per run).
    seed: u64,
    /// Curve operations granted and not yet spent (see [`CURVE_BUDGET`]).
    curve_credit: u32,
}

/// What the invariants read: the acknowledged writes and the write-through stretch, and what
/// the loss count follows. Counters, metric windows and the curve job are left out: they never
/// decide a violation, and the model checker fingerprints the ghost by this text, so states
/// that differ only in latency histograms are one state to it.
impl core::fmt::Debug for Ghost {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Ghost")
            .field("started", &self.started)
            .field("acked", &self.acked)
            .field("acked_at", &self.acked_at)
            .field("acked_epoch", &self.acked_epoch)
            .field("wt_epoch", &self.wt_epoch)
            .field("wt_since", &self.wt_since)
            .field("last_mode_wt", &self.last_mode_wt)
            .field("lost", &self.lost)
            .field("dirty_seen", &self.dirty_seen)
            .field("up_seen", &self.up_seen)
            .finish_non_exhaustive()
    }
}

fn start(model: &CachingModel, g: &mut Ghost) {
    if g.started {
        return;
    }
    g.started = true;
    g.dirty_seen = alloc::vec![0; model.caches as usize];
    g.up_seen = alloc::vec![true; model.caches as usize];
    g.hist = (0..WINDOW).map(|_| Histogram::default()).collect();
}

fn violation(out: &mut Vec<Violation>, invariant: &'static str, nodes: Vec<NodeId>, detail: alloc::string::String) {
    out.push(Violation { invariant, time: 0, event: 0, nodes, cells: Vec::new(), detail });
}

/// Checks one cache's size against its capacity and its policy.
pub fn check_cache(model: &CachingModel, id: NodeId, c: &super::Cache, out: &mut Vec<Violation>) {
    let n = c.entries.len() as u32;
    let cap = c.policy.capacity();
    if n > cap {
        violation(out, CAPACITY, alloc::vec![id], format!("{} holds {n} keys; its capacity is {cap}", model.label(id)));
    } else if c.policy.len() != n {
        violation(out, CAPACITY, alloc::vec![id], format!("{} holds {n} keys but its {} policy tracks {}", model.label(id), c.policy.kind().label(), c.policy.len()));
    }
}

fn on_done(model: &CachingModel, g: &mut Ghost, client: NodeId, d: &Done, out: &mut Vec<Violation>) {
    let idx = g.slot % WINDOW;
    if d.write {
        g.writes += 1;
        if d.ok {
            g.acked_writes += 1;
            let newer = g.acked.get(&d.key).is_none_or(|s| *s < d.stamp);
            if newer {
                // The promise covers writes issued and acknowledged within one stretch of
                // write-through.
                let epoch = if d.wt && model.mode == Mode::WriteThrough && d.issued >= g.wt_since { g.wt_epoch } else { NOT_WT };
                g.acked.insert_mut(d.key, d.stamp);
                g.acked_at.insert_mut(d.key, d.at);
                g.acked_epoch.insert_mut(d.key, epoch as u64);
            }
        }
    } else {
        g.reads += 1;
        g.win_reads += 1;
        if d.hit {
            g.hits += 1;
            g.win_hits += 1;
        }
        if d.ok {
            if let Some(&s) = g.acked.get(&d.key).filter(|s| d.stamp < **s) {
                let t = g.acked_at.get(&d.key).copied().unwrap_or(0);
                let wt = g.acked_epoch.get(&d.key).map_or(NOT_WT, |e| *e as u32);
                // Strictly after: a read issued at the very instant the write was
                // acknowledged is concurrent with it (the model checker delivers messages
                // without moving the clock, so such ties are common there) and may return
                // the older value.
                if t < d.issued {
                    g.stale += 1;
                    g.win_stale += 1;
                    if wt == g.wt_epoch && model.mode == Mode::WriteThrough {
                        violation(
                            out,
                            RYW,
                            alloc::vec![client],
                            format!(
                                "{} read key {} and got version @{} µs, older than version @{} µs acknowledged at {} before the read was issued at {}",
                                model.label(client),
                                d.key,
                                d.stamp / 16,
                                s / 16,
                                crate::time::fmt_time(t),
                                crate::time::fmt_time(d.issued)
                            ),
                        );
                    }
                }
            }
        }
    }
    if !d.ok {
        g.failed += 1;
    } else if let Some(h) = g.hist.get_mut(idx) {
        h.add(d.at - d.issued);
    }
}

/// Marks acknowledged writes made outside write-through.
pub const NOT_WT: u32 = u32::MAX;

/// Updates the history and checks the invariants after one event.
pub fn observe(model: &CachingModel, nodes: &Nodes<CachingModel>, g: &mut Ghost, what: Happened, out: &mut Vec<Violation>) {
    start(model, g);
    spend_curve_credit(g);
    let wt = model.mode == Mode::WriteThrough;
    if wt && !g.last_mode_wt {
        g.wt_epoch = g.wt_epoch.wrapping_add(1) % NOT_WT;
        g.wt_since = nodes.now();
    }
    g.last_mode_wt = wt;
    match what.node() {
        Some(id) => match nodes.up(id) {
            Some(Node::Client(c)) => {
                for d in &c.recent {
                    on_done(model, g, id, d, out);
                }
                // The curves follow the trace a client was given last (a command), or the
                // first client's trace if it had one from before.
                let fresh = matches!(what, Happened::Command(_)) || (id == 0 && g.trace.is_none());
                if let Some(t) = c.gen.trace().filter(|_| fresh) {
                    if !g.trace.as_ref().is_some_and(|old| Rc::ptr_eq(old, &t)) {
                        g.trace_fp = t.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, k| (h ^ *k as u64).wrapping_mul(0x0100_0000_01b3)) ^ t.len() as u64;
                        g.trace = Some(t);
                    }
                }
            }
            Some(Node::Cache(c)) => {
                let i = model.cache_index(id) as usize;
                if let Some(s) = g.dirty_seen.get_mut(i) {
                    *s = c.dirty.len() as u32;
                }
                if let Some(u) = g.up_seen.get_mut(i) {
                    *u = true;
                }
                g.capacity_peak = g.capacity_peak.max(c.entries.len() as u32);
                check_cache(model, id, c, out);
            }
            Some(Node::Db(d)) => {
                g.herd_win = g.herd_win.max(d.last_key_load);
                g.herd_peak = g.herd_peak.max(d.last_key_load);
                g.db_reads_seen = d.reads;
            }
            None => {}
        },
        None => {
            // A crash: a write-behind cache loses its dirty entries.
            for i in 0..model.caches {
                let id = model.cache_id(i);
                let up = nodes.up(id).is_some();
                let was = g.up_seen.get(i as usize).copied().unwrap_or(true);
                if was && !up {
                    g.lost += g.dirty_seen.get(i as usize).copied().unwrap_or(0) as u64;
                    if let Some(s) = g.dirty_seen.get_mut(i as usize) {
                        *s = 0;
                    }
                }
                if let Some(u) = g.up_seen.get_mut(i as usize) {
                    *u = up;
                }
            }
        }
    }
}

/// Re-checks everything from scratch (for the tests): every cache's capacity, and that every
/// write acknowledged in write-through mode is in the database.
pub fn check_all(model: &CachingModel, nodes: &Nodes<CachingModel>, g: &Ghost) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut db = None;
    for (id, n) in nodes.live() {
        match n {
            Node::Cache(c) => check_cache(model, id, c, &mut out),
            Node::Db(d) => db = Some(d.data.clone()),
            _ => {}
        }
    }
    let db = db.or_else(|| match nodes.slot(model.db_id()).and_then(|s| s.durable.as_ref()) {
        Some(super::Durable::Db(d)) => Some(d.clone()),
        _ => None,
    });
    if let Some(db) = db {
        for (k, s) in g.acked.iter() {
            let wt = g.acked_epoch.get(k).map_or(NOT_WT, |e| *e as u32);
            if wt != NOT_WT && db.get(k).copied().unwrap_or(0) < *s {
                violation(&mut out, RYW, Vec::new(), format!("key {k}: a write-through write was acknowledged but the database has an older version"));
            }
        }
    }
    out
}

fn auc(job: &CurveJob, c: usize) -> f64 {
    (0..SIZES).map(|s| job.ratio(c, s)).sum::<f64>() / SIZES as f64
}

/// Advances the curve job (restarting it when the workload changed) by a bounded slice.
pub fn advance_curves(model: &CachingModel, g: &mut Ghost, seed: u64) {
    if model.no_curves {
        return;
    }
    let trace = if model.shape == Shape::Trace { g.trace.clone() } else { None };
    let fp = model.curve_fingerprint(seed, if trace.is_some() { g.trace_fp } else { 0 });
    let stale = g.curves.as_ref().is_none_or(|j| j.borrow().fingerprint != fp);
    if stale {
        let job = CurveJob::new(fp, Gen::new(model.spec(), trace), Rng::stream(seed, 0xC0_FFEE), model.curve_requests);
        g.curves = Some(Rc::new(RefCell::new(job)));
    }
    if let Some(j) = &g.curves {
        // Last interval's grant, unless the events since spent it all; then this interval's.
        let mut j = j.borrow_mut();
        if g.curve_credit > 0 && !j.done() {
            j.step(g.curve_credit);
        }
        g.curve_credit = if j.done() { 0 } else { CURVE_BUDGET };
    }
}

/// Spends one event's slice of the curve grant.
fn spend_curve_credit(g: &mut Ghost) {
    if g.curve_credit == 0 {
        return;
    }
    let Some(j) = &g.curves else { return };
    let ops = g.curve_credit.min(CURVE_EVENT_OPS);
    let mut j = j.borrow_mut();
    g.curve_credit = if j.step(ops) { 0 } else { g.curve_credit - ops };
}

/// Takes one metric sample.
pub fn sample(model: &CachingModel, nodes: &Nodes<CachingModel>, g: &mut Ghost, out: &mut Vec<f64>) {
    start(model, g);
    if g.seed == 0 {
        // A per-run constant drawn from nothing but the settings (the kernel gives the model
        // no seed); different runs of the same workload share curves, which is what we want.
        g.seed = 1;
    }
    advance_curves(model, g, g.seed);
    let mut merged = Histogram::default();
    for h in &g.hist {
        merged.add_all(h);
    }
    let [p50, p99] = merged.quantiles([0.5, 0.99]);
    let db_queue = match nodes.up(model.db_id()) {
        Some(Node::Db(d)) => d.ops.len() as f64,
        _ => 0.0,
    };
    let hr = if g.win_reads > 0 { g.win_hits as f64 / g.win_reads as f64 } else { g.last[0] };
    let interval_s = model.metric_interval_s();
    let vals = [
        hr,
        (g.db_reads_seen - g.db_reads_prev.min(g.db_reads_seen)) as f64 / interval_s,
        db_queue,
        g.herd_win as f64,
        p50 / 1000.0,
        p99 / 1000.0,
        g.win_stale as f64 / interval_s,
        g.lost as f64,
    ];
    out.extend_from_slice(&vals);
    g.last = vals;
    g.db_reads_prev = g.db_reads_seen;
    g.win_reads = 0;
    g.win_hits = 0;
    g.herd_win = 0;
    g.win_stale = 0;
    g.slot = g.slot.wrapping_add(1);
    let idx = g.slot % WINDOW;
    if let Some(h) = g.hist.get_mut(idx) {
        h.clear();
    }
}

/// Answers a named query.
pub fn query(model: &CachingModel, nodes: &Nodes<CachingModel>, g: &Ghost, name: &str) -> Option<f64> {
    let caches = || nodes.live().filter_map(|(_, n)| if let Node::Cache(c) = n { Some(c.as_ref()) } else { None });
    let job = g.curves.as_ref().map(|j| j.borrow());
    let done = job.as_ref().is_some_and(|j| j.done());
    let auc_of = |c: usize| job.as_ref().filter(|j| j.done()).map_or(0.0, |j| auc(j, c));
    let curve = |p: &str| -> Option<usize> {
        if p == "opt" {
            Some(CURVES - 1)
        } else {
            Kind::from_name(p).map(CurveJob::index)
        }
    };
    if let Some(p) = name.strip_prefix("auc_") {
        // `auc_<a>` or `auc_<a>_minus_<b>`, 0 until the curves are complete.
        if let Some((a, b)) = p.split_once("_minus_") {
            return Some(auc_of(curve(a)?) - auc_of(curve(b)?));
        }
        return Some(auc_of(curve(p)?));
    }
    // The query's row in the model's list (the same order as the arms below): a jump on a
    // number, not a string comparison per query.
    let row = super::INFO.queries.iter().position(|q| q.name == name)?;
    let evictions = row == 10;
    Some(match row {
        0 => (g.reads + g.writes) as f64,
        1 => g.reads as f64,
        2 => g.hits as f64,
        3 => {
            if g.reads > 0 {
                g.hits as f64 / g.reads as f64
            } else {
                0.0
            }
        }
        4 => g.failed as f64,
        5 => g.stale as f64,
        6 => g.acked_writes as f64,
        7 => g.lost as f64,
        8 => match nodes.up(model.db_id()) {
            Some(Node::Db(d)) => d.reads as f64,
            _ => g.db_reads_seen as f64,
        },
        9 => g.herd_peak as f64,
        10 | 11 => caches().map(|c| if evictions { c.evictions } else { c.rejected_sets }).sum::<u64>() as f64,
        12 => g.capacity_peak as f64,
        13 => done as u8 as f64,
        _ => return None,
    })
}
