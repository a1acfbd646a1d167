//! A miner: its block tree, the chain it follows, its mempool, its mining job, and its
//! strategy (honest, selfish, double-spend attacker). Also the tamper workbench.

use super::bitcoin::{bits_to_target, block_work, hash_hex, next_bits, retarget_first_height, Hash, Header, HeaderHasher, U256};
use super::chain::{connect, genesis, pow_ok, Amount, Block, Checks, Entry, OutPoint, Tx, TxOut, COIN};
use super::{Mode, Pow, GENESIS_TIME};
use crate::model::Ctx;
use super::store::{Map, Set};
use crate::persist::PVec;
use crate::{NodeId, Time, MS, SEC};
use crate::small::SmallMap;
use alloc::format;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;

/// Most transactions in the mempool.
pub const MEMPOOL_MAX: usize = 48;
/// Most transactions (besides the coinbase) a miner puts in a block.
pub const BLOCK_TXS_MAX: usize = 7;
/// Most blocks kept while their parent is being fetched.
pub const ORPHANS_MAX: usize = 32;
/// Most nonces tried in one event (real hashing): about a millisecond of hashing in a browser,
/// so that an event stays short next to the page's frame budget while its fixed costs (timer,
/// trace line, invariant check) are shared by thousands of hashes.
pub const SLICE_HASHES_MAX: u32 = 2_048;
/// Longest virtual time between hashing slices.
pub const SLICE: u64 = 100 * MS;

/// Real hashing at `rate` hashes per virtual second: how many nonces each slice tries and the
/// virtual time between slices. Very slow miners hash one nonce at a time (at most 1,000 s
/// apart); slow ones a few nonces every [`SLICE`]; fast ones hash
/// [`SLICE_HASHES_MAX`] nonces at shorter intervals (at least 1 µs apart), so the rate holds
/// up to 2,048 × 10⁹ hashes per virtual second.
pub fn slice_plan(rate: f64) -> (u32, Time) {
    let per_slice = rate * SLICE as f64 / SEC as f64;
    if per_slice < 1.0 {
        // Slower than one hash per slice: one nonce at a time, further apart.
        (1, (libm::round(SEC as f64 / rate.max(1e-6)) as Time).min(1_000 * SEC))
    } else if per_slice <= SLICE_HASHES_MAX as f64 {
        ((libm::round(per_slice) as u32).max(1), SLICE)
    } else {
        // Whole microseconds apart; the nonce count absorbs the rounding so the rate holds.
        let every = (libm::floor(SLICE_HASHES_MAX as f64 * SEC as f64 / rate) as Time).max(1);
        let n = libm::round(rate * every as f64 / SEC as f64).clamp(1.0, SLICE_HASHES_MAX as f64) as u32;
        (n, every)
    }
}
/// Fee of each payment.
pub const FEE: Amount = 10_000;
/// Blocks an attacker may fall behind before giving a round up.
pub const GIVE_UP: u64 = 8;
/// Most blocks on the tamper workbench.
pub const BENCH_MAX: usize = 5;

/// What a node's miner does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Mine on the most-work chain, publish at once.
    Honest,
    /// Eyal and Sirer's selfish mining: withhold blocks, publish to win races.
    Selfish,
    /// Double-spend: pay a merchant, mine a private chain that spends the coin back.
    Attacker,
}

/// Messages between nodes.
#[derive(Clone, Debug)]
pub enum Msg {
    /// A block (announced or asked for).
    Block(Rc<Block>),
    /// Please send this block (its child arrived first).
    GetBlock(Hash),
    /// A transaction to relay.
    Tx(Rc<Tx>),
}

/// Timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Timer {
    /// Real hashing: try the next slice of nonces.
    Hash,
    /// Statistical mining: the Poisson clock says a block is found now.
    Found,
    /// Make a payment.
    Pay,
}

/// The current mining job.
#[derive(Clone, Debug)]
pub struct Job {
    /// The block template (nonce 0).
    pub block: Block,
    /// Its target.
    pub target: U256,
    /// The midstate hasher (real hashing).
    pub hasher: HeaderHasher,
    /// Next nonce to try.
    pub next: u32,
    /// Re-mining workbench block `i` rather than extending a chain.
    pub bench: Option<usize>,
}

/// Withheld blocks of a selfish miner or attacker.
#[derive(Clone, Debug, Default)]
pub struct Private {
    /// Tip of the private branch (where the node mines).
    pub tip: Hash,
    /// Eyal–Sirer's `privateBranchLen`.
    pub len: u32,
    /// Blocks not yet published, oldest first.
    pub unpublished: Vec<Hash>,
}

/// A double-spend round.
#[derive(Clone, Debug)]
pub struct Attack {
    /// The payment to the merchant.
    pub pay: Hash,
    /// The conflicting transaction paying the coin back.
    pub spend: Rc<Tx>,
    /// The public tip when the round started.
    pub base: Hash,
}

/// A tampered copy of part of a chain (the Blockchain Demo, inside the network).
#[derive(Clone, Debug)]
pub struct Bench {
    /// Height of the first (tampered) block.
    pub height: u64,
    /// The edited block and the ones after it, as this node holds them.
    pub blocks: Vec<Block>,
}

impl Bench {
    /// For each block: (proof of work holds, links to the block before it).
    pub fn status(&self, parent: Hash) -> Vec<(bool, bool)> {
        let mut prev = parent;
        self.blocks
            .iter()
            .map(|b| {
                let s = (pow_ok(b), b.header.prev == prev);
                prev = b.hash;
                s
            })
            .collect()
    }
}

/// A node's whole state.
#[derive(Clone, Debug)]
pub struct Node {
    /// Own id.
    pub id: NodeId,
    /// Strategy.
    pub strategy: Strategy,
    /// Every valid block it knows, by hash.
    pub tree: Map<Hash, Entry>,
    /// The same blocks by (height, hash), for the recent-blocks picture.
    pub by_height: Set<(u64, Hash)>,
    /// Arrival order of blocks (for the invariant checker's incremental scan).
    pub added: PVec<Hash>,
    /// Tip of the chain it follows (most work among published blocks).
    pub tip: Hash,
    /// That chain, by height.
    pub chain: PVec<Hash>,
    /// Unconfirmed transactions.
    pub mempool: Map<Hash, Rc<Tx>>,
    /// Blocks whose parent it is still fetching.
    pub orphans: SmallMap<Hash, Rc<Block>>,
    /// Hash power, in percent of the configured per-miner rate.
    pub power: u32,
    /// What it is mining.
    pub job: Option<Job>,
    /// Withheld branch.
    pub private: Option<Private>,
    /// Double-spend round in progress.
    pub attack: Option<Attack>,
    /// Tamper workbench.
    pub bench: Option<Bench>,
    /// Hashes computed (real hashing).
    pub hashes: u64,
    /// Blocks it found.
    pub mined: u64,
    /// Reorgs it went through, and the deepest.
    pub reorgs: u64,
    /// Deepest reorg (blocks disconnected).
    pub reorg_max: u64,
    /// Blocks refused as invalid.
    pub rejected: u64,
    /// Double-spend rounds won and lost.
    pub attack_wins: u64,
    /// Rounds given up.
    pub attack_losses: u64,
    /// Workbench blocks re-mined.
    pub remined: u64,
    /// Counter for payment ids and arrival order.
    pub counter: u64,
}

impl Node {
    /// A fresh node holding only the genesis block.
    pub fn new(cfg: &Pow, id: NodeId) -> Node {
        let g = genesis(cfg.miners, cfg.start_bits());
        let gh = g.block.hash;
        let mut chain = PVec::new();
        chain.push(gh);
        let mut added = PVec::new();
        added.push(gh);
        let strategy = if cfg.attacker == id as i64 {
            Strategy::Attacker
        } else if cfg.selfish == id as i64 {
            Strategy::Selfish
        } else {
            Strategy::Honest
        };
        let mut tree = Map::new();
        tree.insert_mut(gh, g);
        let mut by_height = Set::new();
        by_height.add((0, gh));
        Node {
            id,
            strategy,
            tree,
            by_height,
            added,
            tip: gh,
            chain,
            mempool: Map::new(),
            orphans: SmallMap::new(),
            power: 100,
            job: None,
            private: None,
            attack: None,
            bench: None,
            hashes: 0,
            mined: 0,
            reorgs: 0,
            reorg_max: 0,
            rejected: 0,
            attack_wins: 0,
            attack_losses: 0,
            remined: 0,
            counter: 0,
        }
    }

    /// What survives a crash: the block tree (on disk) and the counters.
    pub fn durable(&self) -> Node {
        let mut d = self.clone();
        d.mempool = Map::new();
        d.orphans.clear();
        d.job = None;
        d.private = None;
        d.attack = None;
        d
    }

    /// The entry at the tip.
    pub fn tip_entry(&self) -> &Entry {
        self.tree.get(&self.tip).expect("the tip is in the tree")
    }

    /// Height of the tip.
    pub fn height(&self) -> u64 {
        self.tip_entry().height
    }

    /// Coins this node owns on its chain.
    pub fn balance(&self) -> Amount {
        let mut total = 0;
        for (_, o) in self.tip_entry().utxo.iter() {
            if o.owner == self.id {
                total += o.value;
            }
        }
        total
    }

    /// Starts mining and paying (at init and restart).
    pub fn start(&mut self, cfg: &Pow, ctx: &mut Ctx<Pow>) {
        if self.strategy == Strategy::Selfish {
            self.private = Some(Private { tip: self.tip, ..Default::default() });
        }
        self.arm_pay(cfg, ctx);
        self.restart_mining(cfg, ctx);
        self.attack_step(cfg, ctx);
    }

    fn arm_pay(&self, cfg: &Pow, ctx: &mut Ctx<Pow>) {
        if cfg.tx_per_min > 0.0 {
            let secs = ctx.rng().exp(60.0 / cfg.tx_per_min);
            ctx.set_timer(Timer::Pay, (secs * SEC as f64) as u64 + 1);
        }
    }

    // ---- the chain ----

    /// The `bits` the retarget rule requires for a child of `parent`.
    pub fn expected_bits(cfg: &Pow, tree: &Map<Hash, Entry>, parent: &Entry) -> u32 {
        let height = parent.height + 1;
        let interval = cfg.retarget as u64;
        if interval == 0 || height % interval != 0 {
            return parent.block.header.bits;
        }
        let first_height = retarget_first_height(parent.height, cfg.retarget);
        let mut e = parent;
        while e.height > first_height {
            match tree.get(&e.block.header.prev) {
                Some(p) => e = p,
                None => break,
            }
        }
        next_bits(parent.block.header.bits, parent.block.header.time as i64, e.block.header.time as i64, &cfg.retarget_params())
    }

    fn checks(cfg: &Pow) -> Checks {
        Checks { pow: !cfg.skip_pow_check, spends: !cfg.allow_double_spend }
    }

    /// Validates and stores a block whose parent is known. `Ok(true)` if it is new.
    fn add_block(&mut self, cfg: &Pow, block: Rc<Block>, private: bool) -> Result<bool, String> {
        if self.tree.contains_key(&block.hash) {
            return Ok(false);
        }
        let parent = self.tree.get(&block.header.prev).ok_or_else(|| String::from("unknown parent"))?;
        let want = Self::expected_bits(cfg, &self.tree, parent);
        self.counter += 1;
        let mut entry = connect(parent, block, want, cfg.halving, Self::checks(cfg), self.counter).map_err(|r| r.describe())?;
        entry.private = private;
        let hash = entry.block.hash;
        self.by_height.add((entry.height, hash));
        self.tree.insert_mut(hash, entry);
        self.added.push(hash);
        Ok(true)
    }

    /// Among published blocks, whether `hash` has more work than the tip.
    fn better(&self, hash: &Hash) -> bool {
        match (self.tree.get(hash), self.tree.get(&self.tip)) {
            (Some(e), Some(t)) => !e.private && e.work > t.work,
            _ => false,
        }
    }

    /// Follows `new` as the chain: reorganises the chain and the mempool.
    fn set_tip(&mut self, cfg: &Pow, new: Hash, ctx: &mut Ctx<Pow>) {
        if new == self.tip {
            return;
        }
        // Walk back from the new tip to the chain.
        let mut path = Vec::new();
        let mut h = new;
        loop {
            let Some(e) = self.tree.get(&h) else { return };
            if self.chain.get(e.height as usize) == Some(&h) {
                break;
            }
            path.push(h);
            h = e.block.header.prev;
        }
        let fork = self.tree.get(&h).map(|e| e.height).unwrap_or(0);
        let old_height = self.height();
        let disconnected: Vec<Hash> = self.chain.range(fork as usize + 1..).copied().collect();
        self.chain.truncate(fork as usize + 1);
        for hash in path.iter().rev() {
            self.chain.push(*hash);
        }
        self.tip = new;
        let depth = old_height.saturating_sub(fork);
        if !disconnected.is_empty() {
            self.reorgs += 1;
            self.reorg_max = self.reorg_max.max(depth);
            ctx.announce(format_args!("M{} reorganises: {} block{} replaced, new tip #{} {}", self.id, depth, if depth == 1 { "" } else { "s" }, self.height(), short(&new)));
        }
        // Mempool: drop what the new chain confirms or conflicts with, return the losing
        // branch's transactions.
        let mut pool: Vec<Rc<Tx>> = Vec::new();
        for h in &disconnected {
            if let Some(e) = self.tree.get(h) {
                for tx in e.block.txs.iter().skip(1) {
                    pool.push(Rc::new(tx.clone()));
                }
            }
        }
        for tx in self.mempool.values() {
            pool.push(tx.clone());
        }
        self.mempool = Map::new();
        for tx in pool {
            self.accept_tx(cfg, tx);
        }
    }

    /// Adds a transaction to the mempool if it is valid on the chain and conflicts with nothing
    /// there. Returns whether it was added.
    fn accept_tx(&mut self, cfg: &Pow, tx: Rc<Tx>) -> bool {
        if self.mempool.size() >= MEMPOOL_MAX || tx.is_coinbase() {
            return false;
        }
        let id = tx.txid();
        if self.mempool.contains_key(&id) || self.confirmed_recently(&id) {
            return false;
        }
        let utxo = &self.tip_entry().utxo;
        if !cfg.allow_double_spend {
            let mut input: Amount = 0;
            for i in &tx.inputs {
                match utxo.get(i) {
                    Some(o) => input += o.value,
                    None => return false,
                }
                if self.mempool.values().any(|m| m.inputs.contains(i)) {
                    return false;
                }
            }
            if input < tx.output_value() {
                return false;
            }
        }
        self.mempool.insert_mut(id, tx);
        true
    }

    /// Whether a transaction is in one of the last blocks of the chain (a cheap check that
    /// keeps relayed copies out of the mempool; older ones fail on their spent inputs).
    fn confirmed_recently(&self, id: &Hash) -> bool {
        let n = self.chain.len();
        self.chain.range(n.saturating_sub(12)..).filter_map(|h| self.tree.get(h)).any(|e| e.block.txids.contains(id))
    }

    /// Handles a block from the network or from the own miner (`from` is `None`).
    pub fn on_block(&mut self, cfg: &Pow, from: Option<NodeId>, block: Rc<Block>, ctx: &mut Ctx<Pow>) {
        if self.tree.contains_key(&block.hash) {
            return;
        }
        if !self.tree.contains_key(&block.header.prev) {
            if let Some(peer) = from {
                if self.orphans.len() >= ORPHANS_MAX {
                    let first = self.orphans.keys().next().copied();
                    if let Some(k) = first {
                        self.orphans.remove(&k);
                    }
                }
                let prev = block.header.prev;
                self.orphans.insert(block.hash, block);
                ctx.send(peer, Msg::GetBlock(prev));
            }
            return;
        }
        let old_tip = self.tip;
        let old_mining = self.mining_parent();
        let mut queue = alloc::vec![block];
        let mut others_extended = false;
        while let Some(b) = queue.pop() {
            let hash = b.hash;
            let theirs = b.miner != self.id;
            match self.add_block(cfg, b.clone(), false) {
                Ok(true) => {
                    // Relay to everyone else.
                    for peer in 0..cfg.miners {
                        if peer != self.id && Some(peer) != from {
                            ctx.send(peer, Msg::Block(b.clone()));
                        }
                    }
                    others_extended |= theirs;
                    if self.better(&hash) {
                        self.set_tip(cfg, hash, ctx);
                    }
                    let mut children: Vec<Hash> = Vec::new();
                    for (k, o) in self.orphans.iter() {
                        if o.header.prev == hash {
                            children.push(*k);
                        }
                    }
                    for c in children {
                        if let Some(o) = self.orphans.remove(&c) {
                            queue.push(o);
                        }
                    }
                }
                Ok(false) => {}
                Err(why) => {
                    self.rejected += 1;
                    ctx.note(format!("M{} rejects block {}: {why}", self.id, short(&hash)));
                }
            }
        }
        if others_extended && self.tip != old_tip {
            self.react_to_public(cfg, ctx);
        }
        let remining = self.job.as_ref().is_some_and(|j| j.bench.is_some());
        if !remining && (self.mining_parent() != old_mining || self.job.is_none()) {
            self.restart_mining(cfg, ctx);
        }
    }

    /// Handles a message.
    pub fn on_message(&mut self, cfg: &Pow, from: NodeId, msg: Msg, ctx: &mut Ctx<Pow>) {
        match msg {
            Msg::Block(b) => self.on_block(cfg, Some(from), b, ctx),
            Msg::GetBlock(h) => {
                if let Some(e) = self.tree.get(&h) {
                    if !e.private {
                        ctx.send(from, Msg::Block(e.block.clone()));
                    }
                }
            }
            Msg::Tx(tx) => {
                let attack_spend = self.attack.as_ref().is_some_and(|a| a.pay == tx.txid());
                if !attack_spend && self.accept_tx(cfg, tx.clone()) {
                    for peer in 0..cfg.miners {
                        if peer != self.id && peer != from {
                            ctx.send(peer, Msg::Tx(tx.clone()));
                        }
                    }
                    self.refresh_template(cfg, ctx);
                }
            }
        }
    }

    // ---- mining ----

    /// The block the miner extends.
    pub fn mining_parent(&self) -> Hash {
        match &self.private {
            Some(p) => p.tip,
            None => self.tip,
        }
    }

    /// A block template on `parent`: coinbase to self, then mempool transactions that are
    /// valid in order.
    fn template(&self, cfg: &Pow, parent: &Hash, now: crate::Time, forced: Option<&Rc<Tx>>) -> Option<Block> {
        let pe = self.tree.get(parent)?;
        let bits = Self::expected_bits(cfg, &self.tree, pe);
        let mut utxo = pe.utxo.clone();
        let mut txs: Vec<Tx> = Vec::new();
        let mut fees: Amount = 0;
        let excluded = self.attack.as_ref().map(|a| a.pay);
        let mut candidates: Vec<(Hash, Rc<Tx>)> = Vec::new();
        if let Some(t) = forced {
            candidates.push((t.txid(), t.clone()));
        }
        for (id, t) in self.mempool.iter() {
            candidates.push((id, t.clone()));
        }
        for (id, tx) in candidates {
            if txs.len() >= BLOCK_TXS_MAX {
                break;
            }
            if Some(id) == excluded {
                continue;
            }
            let mut trial = utxo.clone();
            if let Ok(fee) = super::chain::apply_tx(&mut trial, &tx, &id, !cfg.allow_double_spend) {
                utxo = trial;
                fees += fee;
                txs.push((*tx).clone());
            }
        }
        let height = pe.height + 1;
        let coinbase = Tx { inputs: Vec::new(), outputs: alloc::vec![TxOut { owner: self.id, value: super::chain::subsidy(height, cfg.halving) + fees }], memo: format!("M{} block {}", self.id, height), nonce: height };
        txs.insert(0, coinbase);
        let time = (GENESIS_TIME as u64 + now / SEC).max(pe.block.header.time as u64 + 1).min(u32::MAX as u64) as u32;
        let header = Header { version: 0x2000_0000, prev: *parent, merkle: [0; 32], time, bits, nonce: 0 };
        Some(Block::new(header, txs, self.id, false))
    }

    /// Hash rate in hashes per virtual second.
    pub fn rate(&self, cfg: &Pow) -> f64 {
        cfg.miner_hs * self.power as f64 / 100.0
    }

    /// (Re)starts the mining job on the current parent.
    pub fn restart_mining(&mut self, cfg: &Pow, ctx: &mut Ctx<Pow>) {
        self.job = None;
        ctx.cancel_timer(Timer::Hash);
        ctx.cancel_timer(Timer::Found);
        if self.power == 0 {
            return;
        }
        let forced = self.attack.as_ref().filter(|a| self.private.as_ref().is_some_and(|p| p.tip == a.base)).map(|a| a.spend.clone());
        let parent = self.mining_parent();
        let Some(block) = self.template(cfg, &parent, ctx.now(), forced.as_ref()) else { return };
        self.begin(cfg, block, None, ctx);
    }

    /// Puts newly arrived transactions into the block being mined (the search goes on; in
    /// statistical mode the Poisson clock keeps running, which is exact for a memoryless search).
    fn refresh_template(&mut self, cfg: &Pow, ctx: &mut Ctx<Pow>) {
        let Some(job) = self.job.as_ref() else { return };
        if job.bench.is_some() || job.block.txs.len() > BLOCK_TXS_MAX {
            return;
        }
        let parent = job.block.header.prev;
        let forced = self.attack.as_ref().filter(|a| a.base == parent).map(|a| a.spend.clone());
        let Some(block) = self.template(cfg, &parent, ctx.now(), forced.as_ref()) else { return };
        if let Some(job) = self.job.as_mut() {
            if block.txs.len() > job.block.txs.len() {
                job.hasher = HeaderHasher::new(&block.header);
                job.block = block;
                job.next = 0;
            }
        }
    }

    fn begin(&mut self, cfg: &Pow, block: Block, bench: Option<usize>, ctx: &mut Ctx<Pow>) {
        let target = bits_to_target(block.header.bits).unwrap_or(U256::MAX);
        let hasher = HeaderHasher::new(&block.header);
        match cfg.mode {
            Mode::Real => ctx.set_timer(Timer::Hash, slice_plan(self.rate(cfg)).1),
            Mode::Statistical => {
                let mean_s = block_work(&target).to_f64() / self.rate(cfg).max(1e-9);
                let secs = ctx.rng().exp(mean_s).min(1e9);
                ctx.set_timer(Timer::Found, (secs * SEC as f64) as u64 + 1);
            }
        }
        self.job = Some(Job { block, target, hasher, next: 0, bench });
    }

    /// Real hashing: one slice of nonces.
    fn hash_slice(&mut self, cfg: &Pow, ctx: &mut Ctx<Pow>) {
        let (slice, every) = slice_plan(self.rate(cfg));
        let Some(job) = self.job.as_mut() else { return };
        let (found, tried) = job.hasher.search(job.next, slice, &job.target);
        self.hashes += tried as u64;
        match found {
            Some(nonce) => {
                let block = job.block.with_nonce(nonce);
                let bench = job.bench;
                self.job = None;
                self.found(cfg, block, bench, ctx);
            }
            None => {
                job.next = job.next.wrapping_add(tried);
                if job.next == 0 || tried < slice {
                    // Nonce space exhausted: a new time makes a new header.
                    job.block.header.time = job.block.header.time.wrapping_add(1);
                    job.hasher = HeaderHasher::new(&job.block.header);
                    job.next = 0;
                }
                ctx.set_timer(Timer::Hash, every);
            }
        }
    }

    /// Handles a timer.
    pub fn on_timer(&mut self, cfg: &Pow, timer: Timer, ctx: &mut Ctx<Pow>) {
        match timer {
            Timer::Hash => self.hash_slice(cfg, ctx),
            Timer::Found => {
                if let Some(job) = self.job.take() {
                    let mut block = job.block.with_nonce(ctx.rng().next_u64() as u32);
                    block.sealed = true;
                    self.found(cfg, block, job.bench, ctx);
                }
            }
            Timer::Pay => {
                let n = cfg.miners;
                if n > 1 {
                    let mut to = ctx.rng().below(n - 1);
                    if to >= self.id {
                        to += 1;
                    }
                    let amount = COIN / 10 * ctx.rng().range(1, 20);
                    self.pay(cfg, to, amount, ctx);
                }
                self.arm_pay(cfg, ctx);
            }
        }
    }

    /// A block was found by this node's miner.
    fn found(&mut self, cfg: &Pow, block: Block, bench: Option<usize>, ctx: &mut Ctx<Pow>) {
        let block = Rc::new(block);
        if let Some(i) = bench {
            self.remined += 1;
            if let Some(b) = self.bench.as_mut() {
                if let Some(slot) = b.blocks.get_mut(i) {
                    *slot = (*block).clone();
                }
            }
            ctx.announce(format_args!("M{} re-mined the tampered block: {}", self.id, short(&block.hash)));
            self.on_block(cfg, None, block.clone(), ctx);
            for peer in 0..cfg.miners {
                if peer != self.id {
                    ctx.send(peer, Msg::Block(block.clone()));
                }
            }
            self.restart_mining(cfg, ctx);
            return;
        }
        self.mined += 1;
        match self.strategy {
            Strategy::Honest => {
                ctx.note(format!("M{} mines block #{} {}", self.id, self.tree.get(&block.header.prev).map(|e| e.height + 1).unwrap_or(0), short(&block.hash)));
                self.on_block(cfg, None, block, ctx);
            }
            Strategy::Selfish | Strategy::Attacker => {
                let Some(mut p) = self.private.take() else {
                    // An attacker between rounds mines honestly.
                    self.on_block(cfg, None, block, ctx);
                    self.attack_step(cfg, ctx);
                    return;
                };
                let hash = block.hash;
                let public_height = self.height();
                let delta_prev = self.tree.get(&p.tip).map(|e| e.height as i64).unwrap_or(0) - public_height as i64;
                if self.add_block(cfg, block, true).unwrap_or(false) {
                    p.tip = hash;
                    p.len += 1;
                    p.unpublished.push(hash);
                }
                self.private = Some(p);
                if self.strategy == Strategy::Selfish {
                    let publish_all = delta_prev == 0 && self.private.as_ref().is_some_and(|p| p.len == 2);
                    if publish_all {
                        self.publish(cfg, u64::MAX, ctx);
                        if let Some(p) = self.private.as_mut() {
                            p.len = 0;
                        }
                    } else if self.private.as_ref().is_some_and(|p| p.unpublished.len() > 64) {
                        let h = self.tree.get(&self.private.as_ref().map(|p| p.unpublished[0]).unwrap_or(self.tip)).map(|e| e.height).unwrap_or(0);
                        self.publish(cfg, h, ctx);
                    }
                    self.restart_mining(cfg, ctx);
                } else {
                    self.attack_step(cfg, ctx);
                    self.restart_mining(cfg, ctx);
                }
            }
        }
    }

    /// Publishes withheld blocks up to `max_height`, oldest first.
    fn publish(&mut self, cfg: &Pow, max_height: u64, ctx: &mut Ctx<Pow>) {
        let Some(mut p) = self.private.take() else { return };
        let mut keep = Vec::new();
        let mut published = 0;
        for h in core::mem::take(&mut p.unpublished) {
            let Some(e) = self.tree.get(&h).cloned() else { continue };
            if e.height > max_height {
                keep.push(h);
                continue;
            }
            let mut e2 = e.clone();
            e2.private = false;
            self.tree.insert_mut(h, e2);
            for peer in 0..cfg.miners {
                if peer != self.id {
                    ctx.send(peer, Msg::Block(e.block.clone()));
                }
            }
            published += 1;
            if self.better(&h) {
                self.set_tip(cfg, h, ctx);
            }
        }
        p.unpublished = keep;
        self.private = Some(p);
        if published > 0 {
            ctx.note(format!("M{} publishes {published} withheld block{}", self.id, if published == 1 { "" } else { "s" }));
        }
    }

    /// A selfish miner or attacker sees the public chain grow.
    fn react_to_public(&mut self, cfg: &Pow, ctx: &mut Ctx<Pow>) {
        match self.strategy {
            Strategy::Honest => {}
            Strategy::Attacker => self.attack_step(cfg, ctx),
            Strategy::Selfish => {
                let Some(p) = self.private.as_ref() else { return };
                let hv = self.tree.get(&p.tip).map(|e| e.height).unwrap_or(0);
                let hp = self.height();
                if hv < hp || (hv == hp && p.unpublished.is_empty()) {
                    // The others are ahead: adopt their chain.
                    self.private = Some(Private { tip: self.tip, len: 0, unpublished: Vec::new() });
                } else if hv == hp + 1 {
                    // Lead was 2, now 1: publish everything and win.
                    self.publish(cfg, u64::MAX, ctx);
                    if let Some(p) = self.private.as_mut() {
                        p.len = 0;
                    }
                } else if hv == hp {
                    // Lead was 1: publish it and race.
                    self.publish(cfg, u64::MAX, ctx);
                } else {
                    // Far ahead: publish as much as the others have.
                    self.publish(cfg, hp, ctx);
                }
            }
        }
    }

    // ---- double spending ----

    /// Every coin the mempool's transactions spend.
    fn mempool_inputs(&self) -> Vec<OutPoint> {
        let mut spent = Vec::new();
        for t in self.mempool.values() {
            spent.extend_from_slice(&t.inputs);
        }
        spent
    }

    fn merchant(&self, cfg: &Pow) -> NodeId {
        (0..cfg.miners).find(|&m| m != self.id).unwrap_or(0)
    }

    /// Confirmations of transaction `id` on the followed chain since `base` (0 if absent).
    fn confirmations(&self, base: &Hash, id: &Hash) -> u64 {
        let from = self.tree.get(base).map(|e| e.height + 1).unwrap_or(1) as usize;
        for (i, h) in self.chain.range(from..).enumerate() {
            if self.tree.get(h).is_some_and(|e| e.block.txids.contains(id)) {
                return self.height() + 1 - (from + i) as u64;
            }
        }
        0
    }

    /// Advances the attacker's round: start, release or give up.
    fn attack_step(&mut self, cfg: &Pow, ctx: &mut Ctx<Pow>) {
        if self.strategy != Strategy::Attacker {
            return;
        }
        let Some((base, pay)) = self.attack.as_ref().map(|a| (a.base, a.pay)) else {
            self.start_attack(cfg, ctx);
            return;
        };
        let Some(private_tip) = self.private.as_ref().map(|p| p.tip) else { return };
        // Only the two tips' work and heights are needed: no copies of their entries.
        let ((pv_work, pv_height), (pub_work, pub_height)) = match (self.tree.get(&private_tip), self.tree.get(&self.tip)) {
            (Some(x), Some(y)) => ((x.work, x.height), (y.work, y.height)),
            _ => return,
        };
        let conf = self.confirmations(&base, &pay);
        if conf >= cfg.attack_z as u64 && pv_work > pub_work {
            self.attack = None;
            self.publish(cfg, u64::MAX, ctx);
            self.private = None;
            self.attack_wins += 1;
            ctx.announce(format_args!("M{} releases its private chain: the payment with {conf} confirmation{} is reversed", self.id, if conf == 1 { "" } else { "s" }));
        } else if pub_height >= pv_height + GIVE_UP {
            self.attack = None;
            self.private = None;
            self.attack_losses += 1;
            ctx.note(format!("M{} gives up a double-spend round {} blocks behind", self.id, pub_height - pv_height));
        }
    }

    fn start_attack(&mut self, cfg: &Pow, ctx: &mut Ctx<Pow>) {
        let merchant = self.merchant(cfg);
        let spent = self.mempool_inputs();
        let coin = self.tip_entry().utxo.iter().find(|(k, o)| o.owner == self.id && o.value > FEE && !spent.contains(k)).map(|(k, o)| (k, *o));
        let Some((op, out)) = coin else { return };
        self.counter += 1;
        let pay = Tx { inputs: alloc::vec![op], outputs: alloc::vec![TxOut { owner: merchant, value: out.value - FEE }], memo: format!("M{} pays M{merchant}", self.id), nonce: self.counter };
        let spend = Tx { inputs: alloc::vec![op], outputs: alloc::vec![TxOut { owner: self.id, value: out.value - FEE }], memo: format!("M{} pays itself back", self.id), nonce: self.counter };
        let pay = Rc::new(pay);
        let pay_id = pay.txid();
        for peer in 0..cfg.miners {
            if peer != self.id {
                ctx.send(peer, Msg::Tx(pay.clone()));
            }
        }
        self.attack = Some(Attack { pay: pay_id, spend: Rc::new(spend), base: self.tip });
        self.private = Some(Private { tip: self.tip, len: 0, unpublished: Vec::new() });
        ctx.note(format!("M{} pays M{merchant} and starts mining a private chain that spends the coin back", self.id));
        self.restart_mining(cfg, ctx);
    }

    // ---- commands ----

    /// Pays `amount` to `to` from own coins on the chain; `false` if there are not enough.
    pub fn pay(&mut self, cfg: &Pow, to: NodeId, amount: Amount, ctx: &mut Ctx<Pow>) -> bool {
        let spent = self.mempool_inputs();
        let mut inputs = Vec::new();
        let mut total: Amount = 0;
        for (k, o) in self.tip_entry().utxo.iter() {
            if total >= amount + FEE {
                break;
            }
            if o.owner == self.id && !spent.contains(&k) {
                inputs.push(k);
                total += o.value;
            }
        }
        if total < amount + FEE {
            return false;
        }
        self.counter += 1;
        let mut outputs = alloc::vec![TxOut { owner: to, value: amount }];
        if total > amount + FEE {
            outputs.push(TxOut { owner: self.id, value: total - amount - FEE });
        }
        let tx = Rc::new(Tx { inputs, outputs, memo: String::new(), nonce: self.counter });
        self.broadcast_tx(cfg, tx, ctx);
        true
    }

    fn broadcast_tx(&mut self, cfg: &Pow, tx: Rc<Tx>, ctx: &mut Ctx<Pow>) {
        if self.accept_tx(cfg, tx.clone()) {
            for peer in 0..cfg.miners {
                if peer != self.id {
                    ctx.send(peer, Msg::Tx(tx.clone()));
                }
            }
            self.refresh_template(cfg, ctx);
        }
    }

    /// Spends one coin twice: to `to`, and back to self.
    pub fn double_spend(&mut self, cfg: &Pow, to: NodeId, ctx: &mut Ctx<Pow>) {
        let coin = self.tip_entry().utxo.iter().find(|(_, o)| o.owner == self.id && o.value > FEE).map(|(k, o)| (k, *o));
        let Some((op, out)) = coin else { return };
        self.counter += 1;
        let a = Rc::new(Tx { inputs: alloc::vec![op], outputs: alloc::vec![TxOut { owner: to, value: out.value - FEE }], memo: String::new(), nonce: self.counter });
        let b = Rc::new(Tx { inputs: alloc::vec![op], outputs: alloc::vec![TxOut { owner: self.id, value: out.value - FEE }], memo: String::new(), nonce: self.counter });
        ctx.note(format!("M{} signs two payments of the same coin", self.id));
        self.broadcast_tx(cfg, a, ctx);
        self.broadcast_tx(cfg, b, ctx);
        self.restart_mining(cfg, ctx);
    }

    /// Edits the coinbase message of the block at `height` of the chain (a local copy).
    pub fn tamper(&mut self, height: u64, ctx: &mut Ctx<Pow>) {
        let end = (height as usize + BENCH_MAX).min(self.chain.len());
        let mut blocks: Vec<Block> = Vec::new();
        for h in self.chain.range(height as usize..end) {
            if let Some(e) = self.tree.get(h) {
                blocks.push((*e.block).clone());
            }
        }
        let Some(first) = blocks.first() else { return };
        let mut txs = first.txs.clone();
        if let Some(cb) = txs.first_mut() {
            cb.memo = format!("tampered by M{}", self.id);
        }
        let edited = Block::new(first.header, txs, first.miner, false);
        ctx.announce(format_args!("M{} edits block #{height}: its hash changes from {} to {}", self.id, short(&first.hash), short(&edited.hash)));
        blocks[0] = edited;
        self.bench = Some(Bench { height, blocks });
    }

    /// Re-mines the first broken block on the workbench.
    pub fn remine(&mut self, cfg: &Pow, ctx: &mut Ctx<Pow>) {
        let Some(bench) = self.bench.as_mut() else { return };
        let parent = self.chain.get(bench.height as usize - 1).copied().unwrap_or([0; 32]);
        let status = bench.status(parent);
        let Some(i) = status.iter().position(|&(p, l)| !p || !l) else { return };
        let prev = if i == 0 { parent } else { bench.blocks[i - 1].hash };
        if !self.tree.contains_key(&prev) {
            return;
        }
        let old = &bench.blocks[i];
        let mut header = old.header;
        header.prev = prev;
        header.nonce = 0;
        if let Some(pe) = self.tree.get(&prev) {
            header.bits = Self::expected_bits(cfg, &self.tree, pe);
        }
        let block = Block::new(header, old.txs.clone(), old.miner, false);
        bench.blocks[i] = block.clone();
        self.job = None;
        ctx.cancel_timer(Timer::Hash);
        ctx.cancel_timer(Timer::Found);
        let power_saved = self.power;
        self.power = self.power.max(1);
        self.begin(cfg, block, Some(i), ctx);
        self.power = power_saved;
    }

    /// Broadcasts a block on the tip without doing the work.
    pub fn forge(&mut self, cfg: &Pow, ctx: &mut Ctx<Pow>) {
        let Some(mut block) = self.template(cfg, &self.tip.clone(), ctx.now(), None) else { return };
        block.miner = self.id;
        let block = Rc::new(block);
        ctx.note(format!("M{} broadcasts block {} without proof of work", self.id, short(&block.hash)));
        for peer in 0..cfg.miners {
            if peer != self.id {
                ctx.send(peer, Msg::Block(block.clone()));
            }
        }
    }
}

/// The first eight hex digits of a hash as Bitcoin prints it, leading zeros included.
pub fn short(h: &Hash) -> String {
    let hex = hash_hex(h);
    // Show the zeros the work bought, then a few digits.
    let zeros = hex.bytes().take_while(|&c| c == b'0').count().min(56);
    String::from(&hex[..(zeros + 6).min(64)])
}
