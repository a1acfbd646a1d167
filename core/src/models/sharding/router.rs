//! The router (a config service): the authoritative table, and reconfiguration in two phases.
//!
//! The router keeps what the cluster *should* look like (members, weights, failed shards,
//! range boundaries) and compares it on every tick with the committed table and the model's
//! settings (strategy, R, virtual nodes). When they differ it builds the next table with a new
//! epoch and sends *prepare* to every shard involved (old and new members, minus failed ones
//! that have not rejoined; a rejoined one stays *failed* until a table with it commits, so its
//! empty disk is refilled with every key it owns, even those it owned before it failed),
//! resending until each reports ready, then *commits*. A change that arrives mid-migration
//! supersedes the table being prepared with a newer epoch; shards restart their handoff from it.

use super::range::{self, Ranges};
use super::{Cmd, MemberChange, Msg, Mutation, Obs, Sharding, Strategy, Table, Timer, ROUTER_TICK};
use crate::model::Ctx;
use crate::NodeId;
use crate::small::SmallMap;
use super::view::Say;
use alloc::rc::Rc;
use alloc::vec::Vec;

/// What the router keeps across a crash.
#[derive(Clone, Debug, PartialEq)]
pub struct RouterDurable {
    /// The committed table.
    pub committed: Rc<Table>,
    /// Highest epoch ever handed out (a restarted router never reuses one).
    pub epoch_hi: u64,
    /// Members the cluster should have, in bucket order, with weights.
    pub want: Vec<(NodeId, u32)>,
    /// Shards whose data is gone.
    pub failed: Vec<NodeId>,
    /// Desired ranges, by node id (range strategy).
    pub ranges: Vec<(u32, NodeId)>,
    /// Ranges split so far.
    pub splits: u32,
}

impl RouterDurable {
    /// The state at the start of a run.
    pub fn new(table: Rc<Table>) -> Self {
        let mut want = Vec::new();
        for (i, &m) in table.members.iter().enumerate() {
            let Some(&w) = table.weights.get(i) else { break };
            want.push((m, w));
        }
        let mut ranges = Vec::new();
        for &(s, i) in &table.ranges {
            ranges.push((s, table.members[i as usize]));
        }
        RouterDurable { epoch_hi: table.epoch, committed: table, want, failed: Vec::new(), ranges, splits: 0 }
    }
}

/// The router's state.
#[derive(Clone, Debug)]
pub struct Router {
    /// Durable part.
    pub durable: RouterDurable,
    /// The table being prepared.
    pub next: Option<Rc<Table>>,
    /// Shards ready for `next` (each once).
    pub ready: Vec<NodeId>,
    /// Shards that have not confirmed the committed table, in id order.
    pub unconfirmed: Vec<NodeId>,
    /// Last load report per shard: (ops, median key, largest key).
    pub loads: SmallMap<NodeId, (u32, u32, u32)>,
    /// Last size report per shard: (data keys held, middle key, 0) (the type of `loads`: one
    /// copy of the map's code in the page).
    pub sizes: SmallMap<NodeId, (u32, u32, u32)>,
    /// Tables committed since this router started.
    pub reconfigs: u32,
    /// Observations of the last handler.
    pub obs: Vec<Obs>,
    /// Handler sequence number.
    pub obs_seq: u64,
}

impl Router {
    /// Starts (or restarts) the router.
    #[inline(never)]
    pub fn start(_m: &Sharding, durable: RouterDurable, ctx: &mut Ctx<Sharding>) -> Router {
        ctx.set_timer(Timer::Tick, ROUTER_TICK);
        Router { durable, next: None, ready: Vec::new(), unconfirmed: Vec::new(), loads: SmallMap::new(), sizes: SmallMap::new(), reconfigs: 0, obs: Vec::new(), obs_seq: 0 }
    }

    /// The committed table.
    pub fn table(&self) -> &Rc<Table> {
        &self.durable.committed
    }

    /// The members the cluster should have, in bucket order.
    fn want_ids(&self) -> Vec<NodeId> {
        let mut ids = Vec::with_capacity(self.durable.want.len());
        for w in &self.durable.want {
            ids.push(w.0);
        }
        ids
    }

    /// Largest key the cluster is known to hold (for range widths).
    fn span(&self, m: &Sharding) -> u32 {
        let mut reported = 0;
        for l in self.loads.values() {
            if l.2 < super::SALT_BASE {
                reported = reported.max(l.2);
            }
        }
        m.keys.max(reported.saturating_add(1))
    }

    /// Brings the desired ranges in line with the desired members: ranges of departed members
    /// go to a neighbour, each member without a range gets the upper half of the widest one.
    fn fix_ranges(&mut self, m: &Sharding) {
        let members = self.want_ids();
        let span = self.span(m);
        let r = &mut self.durable.ranges;
        if r.is_empty() || r[0].0 != 0 || members.is_empty() {
            r.clear();
            for (s, i) in range::even(span, members.len() as u32) {
                r.push((s, members[i as usize]));
            }
            return;
        }
        for i in 0..r.len() {
            if !members.contains(&r[i].1) {
                let neighbour = if i > 0 { r[i - 1].1 } else { r.iter().map(|x| x.1).find(|o| members.contains(o)).unwrap_or(members[0]) };
                r[i].1 = neighbour;
            }
        }
        r.dedup_by(|b, a| a.1 == b.1);
        for &id in &members {
            if r.iter().any(|x| x.1 == id) {
                continue;
            }
            // The widest range (capped at the known keys) gives up its upper half.
            let (mut best, mut width) = (0usize, 0u64);
            for i in 0..r.len() {
                let end = range::end(r, i).min(span as u64);
                let w = end.saturating_sub(r[i].0 as u64);
                if w > width {
                    best = i;
                    width = w;
                }
            }
            if width < 2 {
                continue;
            }
            let at = (r[best].0 as u64 + width / 2) as u32;
            r.insert(best + 1, (at, id));
        }
    }

    /// The table the cluster should have now (epoch left at 0).
    #[inline(never)]
    fn target(&mut self, m: &Sharding) -> Table {
        let members = self.want_ids();
        let mut weights: Vec<u32> = Vec::new();
        for w in &self.durable.want {
            weights.push(w.1);
        }
        let mut ranges: Ranges = Vec::new();
        if m.strategy == Strategy::Range {
            self.fix_ranges(m);
            for &(s, id) in &self.durable.ranges {
                if let Some(i) = members.iter().position(|&x| x == id) {
                    ranges.push((s, i as u32));
                }
            }
        }
        Table::build(0, m.strategy, members, weights, m.replicas as u8, m.vnodes, ranges, self.span(m), m.mutation == Mutation::Reseed)
    }

    /// Whether two tables place keys alike (everything but the epoch).
    pub fn same(a: &Table, b: &Table) -> bool {
        a.strategy == b.strategy
            && a.members == b.members
            && a.weights == b.weights
            && a.r() == b.r()
            && (a.strategy != Strategy::Ring || a.vnodes == b.vnodes)
            && a.ranges == b.ranges
    }

    /// Shards that must take part in moving from the committed table to `next`.
    fn involved(&self, next: &Table) -> Vec<NodeId> {
        // A failed shard takes part only once it rejoined (it is in `next`): to be refilled.
        let mut v: Vec<NodeId> = Vec::new();
        for list in [&self.durable.committed.members, &next.members] {
            for &id in list.iter() {
                if !self.durable.failed.contains(&id) || next.members.contains(&id) {
                    v.push(id);
                }
            }
        }
        v.sort_unstable();
        v.dedup();
        v
    }

    /// One round: start, supersede, push or commit a reconfiguration.
    pub fn step(&mut self, m: &Sharding, ctx: &mut Ctx<Sharding>) {
        if self.durable.want.is_empty() {
            return;
        }
        let target = self.target(m);
        let base = match &self.next {
            Some(n) => n.clone(),
            None => self.durable.committed.clone(),
        };
        if !Self::same(&target, &base) {
            self.durable.epoch_hi += 1;
            let mut t = target;
            t.epoch = self.durable.epoch_hi;
            ctx.note(Say::new("router: prepare epoch ").n(t.epoch).s(" (").s(t.strategy.name()).s(", ").n(t.len() as u64).s(" shards, R=").n(t.r() as u64).s(")").take());
            self.next = Some(Rc::new(t));
            self.ready.clear();
        }
        let Some(next) = self.next.clone() else {
            self.resend_commits(ctx);
            return;
        };
        let involved = self.involved(&next);
        if involved.iter().all(|id| self.ready.contains(id)) {
            self.durable.committed = next.clone();
            // Rejoined failed shards are refilled now: from here on their disks count.
            self.durable.failed.retain(|f| !next.members.contains(f));
            self.next = None;
            self.ready.clear();
            self.reconfigs += 1;
            self.unconfirmed = involved.clone();
            for &id in &involved {
                ctx.send(id, Msg::Commit(next.clone()));
            }
            for c in 1..m.first_shard() {
                ctx.send(c, Msg::Commit(next.clone()));
            }
            ctx.announce(Say::new("router: committed epoch ").n(next.epoch).take());
            self.obs.push(Obs::NewTable);
            return;
        }
        let failed = Rc::new(self.durable.failed.clone());
        for &id in &involved {
            if !self.ready.contains(&id) {
                ctx.send(id, Msg::Prepare { base: self.durable.committed.clone(), table: next.clone(), failed: failed.clone() });
            }
        }
    }

    fn resend_commits(&mut self, ctx: &mut Ctx<Sharding>) {
        for &id in &self.unconfirmed {
            ctx.send(id, Msg::Commit(self.durable.committed.clone()));
        }
    }

    /// Splits the busiest shard's range at its median key when it is hot (range strategy);
    /// failing that, the biggest shard's at its middle key when it is big.
    fn auto_split(&mut self, m: &Sharding) {
        if !m.auto_split || m.strategy != Strategy::Range || self.next.is_some() || self.durable.want.len() < 2 {
            return;
        }
        if !self.split_busiest(m, false) {
            self.split_busiest(m, true);
        }
    }

    /// A split on load (the last load reports: operations served, median key) or on size (the
    /// last size reports: keys held, middle key): the shard with the highest count, if it has
    /// `split_factor` times the mean, gives the range above its key to the shard with the
    /// lowest. On size only if the taker ends up smaller than the giver was (otherwise the
    /// split just swaps which shard is big). Whether it split.
    fn split_busiest(&mut self, m: &Sharding, by_size: bool) -> bool {
        let reports = if by_size { &self.sizes } else { &self.loads };
        // (count, split key, id) per member; every member must have reported.
        let mut counts: Vec<(u32, u32, NodeId)> = Vec::new();
        for &(id, _) in &self.durable.want {
            match reports.get(&id) {
                Some(r) => counts.push((r.0, r.1, id)),
                None => return false,
            }
        }
        let total: u64 = counts.iter().map(|c| c.0 as u64).sum();
        let mean = total as f64 / counts.len() as f64;
        let (mut hot, mut cold) = (counts[0], counts[0]);
        for &c in &counts {
            // Ties go to the lower id, both ways.
            if c.0 > hot.0 || (c.0 == hot.0 && c.2 < hot.2) {
                hot = c;
            }
            if c.0 < cold.0 || (c.0 == cold.0 && c.2 < cold.2) {
                cold = c;
            }
        }
        if (hot.0 as f64) < m.split_factor * mean || hot.0 < 20 || cold.2 == hot.2 || (by_size && 2 * cold.0 >= hot.0) {
            return false;
        }
        let done = self.split_at(m, hot.1, cold.2);
        if by_size {
            self.sizes.clear();
        } else {
            self.loads.clear();
        }
        done
    }

    fn split_at(&mut self, m: &Sharding, key: u32, owner: NodeId) -> bool {
        if m.strategy != Strategy::Range {
            return false;
        }
        self.fix_ranges(m);
        let mut r: Ranges = self.durable.ranges.clone();
        if key == 0 || !range::split(&mut r, key, owner) {
            return false;
        }
        self.durable.ranges = r;
        self.durable.splits += 1;
        true
    }

    /// Handles a message.
    #[inline(never)]
    pub fn on_message(&mut self, m: &Sharding, from: NodeId, msg: Msg, ctx: &mut Ctx<Sharding>) {
        match msg {
            Msg::Ready(epoch) if self.next.as_ref().is_some_and(|n| n.epoch == epoch) => {
                if !self.ready.contains(&from) {
                    self.ready.push(from);
                }
                self.step(m, ctx);
            }
            Msg::Committed(epoch) if epoch >= self.durable.committed.epoch => {
                self.unconfirmed.retain(|&id| id != from);
            }
            Msg::GetTable => ctx.send(from, Msg::Commit(self.durable.committed.clone())),
            Msg::Load { ops, median_key, max_key, size } => {
                self.loads.insert(from, (ops, median_key, max_key));
                if size.0 > 0 {
                    self.sizes.insert(from, (size.0, size.1, 0));
                }
            }
            Msg::Member(change) => {
                let d = &mut self.durable;
                match change {
                    MemberChange::Join(w) => {
                        // A failed shard stays in `failed` until a table with it commits: its
                        // disk is empty, so every key it will own must be sent to it, including
                        // those it owned before it failed (which no table change would move).
                        if !d.want.iter().any(|x| x.0 == from) {
                            d.want.push((from, w));
                            ctx.announce(Say::new("router: ").node(m, from).s(" joins").take());
                        }
                    }
                    MemberChange::Leave | MemberChange::Failed => {
                        if change == MemberChange::Failed && !d.failed.contains(&from) {
                            d.failed.push(from);
                        }
                        if d.want.len() > 1 || change == MemberChange::Failed {
                            d.want.retain(|x| x.0 != from);
                            ctx.announce(Say::new("router: ").node(m, from).s(if change == MemberChange::Failed { " failed" } else { " leaves" }).take());
                        } else {
                            ctx.note(Say::new("router: ").node(m, from).s(" is the last shard and stays").take());
                        }
                    }
                    MemberChange::Weight(w) => {
                        if let Some(x) = d.want.iter_mut().find(|x| x.0 == from) {
                            x.1 = w;
                        }
                    }
                }
                self.step(m, ctx);
            }
            _ => {}
        }
    }

    /// Handles a timer.
    #[inline(never)]
    pub fn on_timer(&mut self, m: &Sharding, timer: Timer, ctx: &mut Ctx<Sharding>) {
        if timer == Timer::Tick {
            self.auto_split(m);
            self.step(m, ctx);
            ctx.set_timer(Timer::Tick, ROUTER_TICK);
        }
    }

    /// Handles a command (split, merge).
    #[inline(never)]
    pub fn on_command(&mut self, m: &Sharding, cmd: Cmd, ctx: &mut Ctx<Sharding>) {
        match cmd {
            Cmd::Split(key) => {
                // The new range goes to the least loaded member (by the last reports).
                let members = self.want_ids();
                let owner = *members.iter().min_by_key(|id| (self.loads.get(id).map_or(0, |l| l.0), **id)).unwrap_or(&m.first_shard());
                if self.split_at(m, key, owner) {
                    ctx.announce(Say::new("router: split at key ").n(key as u64).s(", upper part to ").node(m, owner).take());
                } else {
                    ctx.note(Say::new("router: cannot split at key ").n(key as u64).s(" (not the range strategy, or already a boundary)").take());
                }
            }
            Cmd::Merge(key) => {
                self.fix_ranges(m);
                let mut r: Ranges = self.durable.ranges.clone();
                if m.strategy == Strategy::Range && range::merge(&mut r, key) {
                    self.durable.ranges = r;
                    ctx.announce(Say::new("router: merged the range at key ").n(key as u64).s(" into the one before").take());
                } else {
                    ctx.note(Say::new("router: no range starts at key ").n(key as u64).take());
                }
            }
            _ => {}
        }
        self.step(m, ctx);
    }
}
