//! # Proof of work (Bitcoin)
//!
//! Nakamoto's whitepaper ("Bitcoin: A Peer-to-Peer Electronic Cash System", 2008) orders
//! transactions without any membership or voting: whoever finds a block extends the chain, and
//! finding a block costs work that anybody can verify in one hash.
//!
//! **Blocks and hashes (§3–4).** A block's 80-byte header holds the previous block's hash, the
//! merkle root of its transaction ids, a time, the compact target `bits` and a nonce. Its hash
//! is the double SHA-256 of those bytes. A block is valid only if its hash, read as a 256-bit
//! number, is at most the target. Because each header names its parent's hash, changing any
//! old block changes its hash, which breaks its proof of work and every later link: rewriting
//! history means redoing the work of every block since. [`bitcoin`] holds the exact structures
//! and is tested against mainnet blocks; miners here hash real headers ([`Mode::Real`]), or,
//! to simulate days at real difficulty, draw the time to the next block from the exponential
//! distribution the real search follows ([`Mode::Statistical`]).
//!
//! **Most work wins (§5).** Nodes relay every valid block and follow the chain with the most
//! cumulative work (the sum over its blocks of 2²⁵⁶ / (target + 1)), not the most blocks. Two
//! blocks found within a propagation delay fork the network; the tie breaks when the next block
//! lands on one side, and nodes on the other side *reorganise*: they disconnect their blocks,
//! connect the winner's, and put the losing branch's transactions back into their mempools.
//! A block that ends off the best chain is *stale*. A node missing a block's parent asks the
//! sender for it, which is also how two halves of a healed partition catch up.
//!
//! **Ledger (§2, §9).** Coins are unspent transaction outputs. A transaction spends whole
//! outputs and creates new ones; the difference is its fee. Each block's coinbase creates the
//! subsidy plus the fees. A chain never spends an output twice; every block here stores the
//! UTXO set after it in a persistent map ([`crate::persist`]), so each branch has its own.
//!
//! **Retargeting.** Every `retarget` blocks the target is scaled by how long the last window
//! took over how long it should have, clamped to [¼, 4×], exactly as Bitcoin Core computes it
//! (including measuring the window from `interval − 1` blocks back). Double the hash power and
//! blocks come twice as fast until the next retarget halves the target.
//!
//! **Attacks.** *Double spending (§11):* an attacker with share `q` pays a merchant, mines a
//! private chain in which the coin pays itself back, and releases it once the payment has `z`
//! confirmations and the private chain has more work. The whitepaper's probability that it ever
//! catches up falls exponentially in `z` while `q < ½` ([`bitcoin::attacker_success`]); the lab
//! measures rounds against it. *Selfish mining* (Eyal and Sirer, "Majority is not Enough",
//! 2014): withholding blocks and releasing them to win races earns more than a fair share.
//!
//! **What the checker watches** ([`invariants`]), after every event, for every node's chain:
//! every block valid (proof of work, link, merkle root, required bits, coinbase ≤ subsidy +
//! fees); no output spent twice; coins conserved (what exists equals what coinbases created
//! minus fees paid); the node follows the most work it knows. Two teaching mutations switch
//! validation off: `skip_pow_check` (a block forged without work takes over the chain) and
//! `allow_double_spend` (a coin signed over twice ends up spent twice).

pub mod bitcoin;
pub mod chain;
pub mod invariants;
pub mod node;
pub mod store;
mod view;

pub use invariants::Ghost;
pub use node::{Msg, Node, Strategy, Timer};

use crate::model::{Ctx, Happened, Model, Nodes};
use crate::time::Time;
use crate::view::{params_from, check_param, CommandInfo, InvariantInfo, Layout, MetricInfo, ModelInfo, MsgInfo, NodeView, Param, ParamKind, ParamSpec, QueryInfo, Value, Violation};
use crate::NodeId;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use bitcoin::{bits_to_target, target_for_work, target_to_bits, RetargetParams, U256};

/// The genesis block's timestamp (Bitcoin's, 3 January 2009); virtual time adds to it.
pub const GENESIS_TIME: u32 = 1_231_006_505;
/// The easiest target allowed (regtest's `0x207fffff`), so that real hashing in a browser finds
/// blocks.
pub const POW_LIMIT_BITS: u32 = 0x207f_ffff;
/// Most miners.
pub const MINERS_MAX: u32 = chain::MINERS_MAX as u32;

/// How miners find blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// A real nonce search over real headers, a bounded slice of nonces per event.
    Real,
    /// Block discovery as a Poisson process at the rate hash power and difficulty give.
    Statistical,
}

/// The proof-of-work model's configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Pow {
    /// Number of miners (all nodes mine).
    pub miners: u32,
    /// Real hashing or statistical mining.
    pub mode: Mode,
    /// Intended seconds between blocks.
    pub spacing_s: u32,
    /// Blocks between retargets (0: never).
    pub retarget: u32,
    /// Hashes per second of one miner at 100 % power.
    pub miner_hs: f64,
    /// Payments each node makes per minute.
    pub tx_per_min: f64,
    /// Blocks between subsidy halvings (0: never).
    pub halving: u64,
    /// The double-spend attacker (−1: none).
    pub attacker: i64,
    /// Confirmations the merchant waits for.
    pub attack_z: u32,
    /// The selfish miner (−1: none).
    pub selfish: i64,
    /// Mutation: accept blocks without checking proof of work, merkle root and bits.
    pub skip_pow_check: bool,
    /// Mutation: accept transactions and blocks that spend missing or spent coins.
    pub allow_double_spend: bool,
}

impl Default for Pow {
    fn default() -> Self {
        Pow {
            miners: 4,
            mode: Mode::Real,
            spacing_s: 10,
            retarget: 20,
            miner_hs: 2_000.0,
            tx_per_min: 6.0,
            halving: 210,
            attacker: -1,
            attack_z: 2,
            selfish: -1,
            skip_pow_check: false,
            allow_double_spend: false,
        }
    }
}

impl Pow {
    /// The starting target: one block per `spacing_s` at everyone's full power.
    pub fn start_bits(&self) -> u32 {
        let work = self.miners as f64 * self.miner_hs * self.spacing_s as f64;
        let w = if work >= 1.8e19 {
            // Beyond u64: scale a power of two.
            let shift = (libm::log2(work) as u32).saturating_sub(62);
            U256::from_u64((work / libm::pow(2.0, shift as f64)) as u64).shl(shift)
        } else {
            U256::from_u64(work.max(2.0) as u64)
        };
        let limit = bits_to_target(POW_LIMIT_BITS).unwrap_or(U256::MAX);
        let t = target_for_work(&w);
        target_to_bits(if t > limit { &limit } else { &t })
    }

    /// Retarget rules for this run.
    pub fn retarget_params(&self) -> RetargetParams {
        RetargetParams { interval: self.retarget, timespan_s: self.retarget.max(1) * self.spacing_s, pow_limit: bits_to_target(POW_LIMIT_BITS).unwrap_or(U256::MAX) }
    }
}

/// A command given to a miner from the lab.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Set hash power, in percent of the configured rate.
    Power(u32),
    /// Pay coins to a node.
    Pay {
        /// Receiver.
        to: NodeId,
        /// Amount in satoshis.
        amount: u64,
    },
    /// Sign the same coin over twice.
    DoubleSpend(NodeId),
    /// Edit a block of the own chain (a local copy).
    Tamper(u64),
    /// Re-mine the first broken block of the tampered copy.
    Remine,
    /// Broadcast a block without proof of work.
    Forge,
}

static INVARIANTS: [InvariantInfo; 4] = [
    InvariantInfo { name: invariants::VALID_CHAIN, source: "Bitcoin whitepaper §4–5; Bitcoin Core CheckBlock, ContextualCheckBlockHeader", summary: "Every block on a node's chain meets its target, links to its parent, matches its merkle root and required bits, and claims at most subsidy plus fees." },
    InvariantInfo { name: invariants::NO_DOUBLE_SPEND, source: "Bitcoin whitepaper §2, §5", summary: "No chain spends an output that is not unspent on it: no coin is spent twice." },
    InvariantInfo { name: invariants::CONSERVATION, source: "Bitcoin whitepaper §6, §9", summary: "On every chain, the coins in existence are what coinbases created minus the fees paid, and coinbases created at most subsidies plus fees." },
    InvariantInfo { name: invariants::MOST_WORK, source: "Bitcoin whitepaper §5 (as amended: most cumulative work)", summary: "Every node follows a chain with at least as much work as any published block it has." },
];

static METRICS: [MetricInfo; 8] = [
    MetricInfo { name: "hashes_per_block", label: "Expected hashes per block (difficulty)", unit: "H" },
    MetricInfo { name: "block_interval_s", label: "Block interval (last 10)", unit: "s" },
    MetricInfo { name: "stale_rate", label: "Stale blocks", unit: "%" },
    MetricInfo { name: "height", label: "Best height", unit: "blocks" },
    MetricInfo { name: "attack_success", label: "Double spends: measured", unit: "%" },
    MetricInfo { name: "attack_formula", label: "Double spends: whitepaper §11", unit: "%" },
    MetricInfo { name: "selfish_revenue", label: "Selfish miner: share of blocks", unit: "%" },
    MetricInfo { name: "selfish_power", label: "Selfish miner: share of hash power", unit: "%" },
];

static QUERIES: [QueryInfo; 20] = [
    QueryInfo { name: "height", summary: "Height of the best chain among live honest nodes." },
    QueryInfo { name: "difficulty", summary: "Difficulty at the tip of the best chain." },
    QueryInfo { name: "difficulty_growth", summary: "Highest difficulty seen so far divided by the starting difficulty (cumulative)." },
    QueryInfo { name: "blocks_mined", summary: "Blocks found by all miners, withheld ones included (cumulative)." },
    QueryInfo { name: "stale_blocks", summary: "Blocks found that are not on the best chain." },
    QueryInfo { name: "forks", summary: "Heights at which the network saw two or more blocks (cumulative)." },
    QueryInfo { name: "reorgs", summary: "Reorganisations on all nodes (cumulative)." },
    QueryInfo { name: "max_reorg_depth", summary: "Deepest reorganisation on any node, in blocks (cumulative)." },
    QueryInfo { name: "tips_agree", summary: "1 if every live honest node follows the same tip, else 0." },
    QueryInfo { name: "double_spends", summary: "Double-spend rounds the attacker won: a payment reversed after z confirmations (cumulative)." },
    QueryInfo { name: "attack_rounds", summary: "Double-spend rounds finished, won or given up (cumulative)." },
    QueryInfo { name: "attack_formula", summary: "The whitepaper's §11 success probability for the attacker's current share and z." },
    QueryInfo { name: "attack_overtake", summary: "The same sum when the attacker must get one block ahead, which reversing a payment takes." },
    QueryInfo { name: "selfish_revenue", summary: "Share of the best chain's blocks mined by the selfish miner (0 to 1)." },
    QueryInfo { name: "rejected_blocks", summary: "Blocks refused as invalid, on all nodes (cumulative)." },
    QueryInfo { name: "tampered", summary: "Nodes holding a tampered copy of a block." },
    QueryInfo { name: "remined", summary: "Tampered blocks re-mined (cumulative)." },
    QueryInfo { name: "hashes", summary: "Header hashes computed by real hashing (cumulative)." },
    QueryInfo { name: "mempool_max", summary: "Largest mempool of a live node." },
    QueryInfo { name: "violations", summary: "Invariant violations detected so far (cumulative)." },
];

static COMMANDS: [CommandInfo; 6] = [
    CommandInfo { name: "power", arg: "percent", summary: "Set this miner's hash power, in percent of the configured rate (0–1000)." },
    CommandInfo { name: "pay", arg: "to:coins", summary: "Pay coins to another node, e.g. 2:1.5." },
    CommandInfo { name: "double_spend", arg: "to", summary: "Sign one coin over twice: to that node and back to yourself." },
    CommandInfo { name: "tamper", arg: "height", summary: "Edit the coinbase message of a block on this node's chain (a local copy)." },
    CommandInfo { name: "remine", arg: "", summary: "Re-mine the first broken block of the tampered copy." },
    CommandInfo { name: "forge", arg: "", summary: "Broadcast a block on the tip without doing the proof of work." },
];

/// What the proof-of-work model says about itself.
pub static INFO: ModelInfo = ModelInfo {
    name: "pow",
    title: "Proof of work (Bitcoin)",
    pitch: "Real Bitcoin headers and hashing, miners racing, forks and reorgs by most work, retargeting, double spends and selfish mining.",
    invariants: &INVARIANTS,
    metrics: &METRICS,
    queries: &QUERIES,
    commands: &COMMANDS,
    layout: Layout::Ring,
    node_noun: "miner",
};

const MODES: &[&str] = &["real", "statistical"];

/// The settings: key, label, help, type and range, whether it may change while running (their
/// values are in [`Pow::params`], in this order). A table, not code: much smaller in the page.
static PARAMS: [ParamSpec; 12] = [
    ("miners", "Miners", "Nodes in the network; every one mines.", ParamKind::Int { min: 2, max: MINERS_MAX as i64 }, false),
    ("mode", "Mining", "real: miners search nonces over real headers; statistical: blocks arrive as a Poisson process (fast, any difficulty).", ParamKind::Choice(MODES), false),
    ("spacing_s", "Block interval (s)", "Intended seconds between blocks; sets the starting difficulty and the retarget goal (Bitcoin: 600).", ParamKind::Int { min: 1, max: 3600 }, false),
    ("retarget", "Retarget every (blocks)", "Blocks between difficulty adjustments (Bitcoin: 2016); 0 never adjusts.", ParamKind::Int { min: 0, max: 2016 }, false),
    ("miner_hs", "Hash rate per miner (H/s)", "Hashes per virtual second of one miner at 100 % power. Real hashing tries up to 2,048 nonces per event (about a millisecond in a browser), more often for faster miners; at top speed the page hashes as fast as its frame budget allows and virtual time slows to match.", ParamKind::Float { min: 1.0, max: 1e24 }, false),
    ("tx_per_min", "Payments per minute", "Random payments each node makes per virtual minute.", ParamKind::Float { min: 0.0, max: 120.0 }, false),
    ("halving", "Halving every (blocks)", "Blocks between subsidy halvings (Bitcoin: 210,000); 0 never halves.", ParamKind::Int { min: 0, max: 1_000_000 }, false),
    ("attacker", "Double-spend attacker", "Node that runs double-spend rounds against the lowest other node (−1: none).", ParamKind::Int { min: -1, max: MINERS_MAX as i64 - 1 }, false),
    ("attack_z", "Confirmations waited (z)", "Confirmations the merchant waits for before treating a payment as final.", ParamKind::Int { min: 1, max: 10 }, false),
    ("selfish", "Selfish miner", "Node that mines selfishly, Eyal and Sirer's strategy (−1: none).", ParamKind::Int { min: -1, max: MINERS_MAX as i64 - 1 }, false),
    ("skip_pow_check", "Mutation: skip proof-of-work check", "Unsafe: accept blocks without checking their hash, merkle root or bits.", ParamKind::Bool, false),
    ("allow_double_spend", "Mutation: allow double spends", "Unsafe: accept transactions that spend coins already spent.", ParamKind::Bool, false),
];

impl Model for Pow {
    type Node = Node;
    type Durable = Node;
    type Msg = Msg;
    type Timer = Timer;
    type Cmd = Command;
    type Ghost = Ghost;

    fn info(&self) -> &'static ModelInfo {
        &INFO
    }

    fn params(&self) -> Vec<Param> {
        // The values, in the order of [`PARAMS`].
        let values = [
            Value::Num(self.miners as f64),
            Value::Text(String::from(if self.mode == Mode::Real { "real" } else { "statistical" })),
            Value::Num(self.spacing_s as f64),
            Value::Num(self.retarget as f64),
            Value::Num(self.miner_hs),
            Value::Num(self.tx_per_min),
            Value::Num(self.halving as f64),
            Value::Num(self.attacker as f64),
            Value::Num(self.attack_z as f64),
            Value::Num(self.selfish as f64),
            Value::Bool(self.skip_pow_check),
            Value::Bool(self.allow_double_spend),
        ];
        params_from(&PARAMS, values)
    }

    fn set_param(&mut self, key: &str, value: &Value) -> Result<(), String> {
        check_param(&PARAMS, key, value)?;
        // By position in [`PARAMS`] (checked above: the key exists and the value has its type).
        let (n, b) = match value {
            Value::Num(n) => (*n, false),
            Value::Bool(b) => (0.0, *b),
            Value::Text(t) => (0.0, t == "real"),
        };
        match PARAMS.iter().position(|p| p.0 == key) {
            Some(0) => self.miners = n as u32,
            Some(1) => self.mode = if b { Mode::Real } else { Mode::Statistical },
            Some(2) => self.spacing_s = n as u32,
            Some(3) => self.retarget = n as u32,
            Some(4) => self.miner_hs = n,
            Some(5) => self.tx_per_min = n,
            Some(6) => self.halving = n as u64,
            Some(7) => self.attacker = n as i64,
            Some(8) => self.attack_z = n as u32,
            Some(9) => self.selfish = n as i64,
            Some(10) => self.skip_pow_check = b,
            Some(11) => self.allow_double_spend = b,
            _ => return Err(format!("`{key}` has the wrong type")),
        }
        if self.attacker >= 0 && self.attacker == self.selfish {
            return Err(format!("`{key}`: one node cannot be both the attacker and the selfish miner"));
        }
        Ok(())
    }

    fn initial_nodes(&self) -> u32 {
        self.miners
    }

    fn max_nodes(&self) -> u32 {
        self.miners
    }

    fn init(&self, id: NodeId, ctx: &mut Ctx<Self>) -> Node {
        let mut n = Node::new(self, id);
        n.start(self, ctx);
        n
    }

    fn durable(&self, node: &Node) -> Node {
        node.durable()
    }

    fn restart(&self, _id: NodeId, durable: Node, ctx: &mut Ctx<Self>) -> Node {
        let mut n = durable;
        n.start(self, ctx);
        n
    }

    fn on_message(&self, node: &mut Node, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        node.on_message(self, from, msg, ctx);
    }

    fn on_timer(&self, node: &mut Node, timer: Timer, ctx: &mut Ctx<Self>) {
        node.on_timer(self, timer, ctx);
    }

    fn parse_command(&self, name: &str, arg: &str) -> Result<Command, String> {
        let arg = arg.trim();
        let node = |s: &str| -> Result<NodeId, String> { s.trim().parse::<NodeId>().ok().filter(|&n| n < self.miners).ok_or_else(|| format!("`{name}` needs a node id from 0 to {}, got \"{s}\"", self.miners - 1)) };
        // By position in [`COMMANDS`].
        match COMMANDS.iter().position(|c| c.name == name).unwrap_or(usize::MAX) {
            0 => arg.parse::<u32>().ok().filter(|&p| p <= 1000).map(Command::Power).ok_or_else(|| format!("`power` needs a whole percent from 0 to 1000, got \"{arg}\"")),
            1 => {
                let (to, coins) = arg.split_once(':').ok_or_else(|| format!("`pay` looks like to:coins, e.g. 2:1.5, got \"{arg}\""))?;
                let to = node(to)?;
                let coins: f64 = coins.trim().parse().ok().filter(|c: &f64| c.is_finite() && *c > 0.0 && *c <= 1000.0).ok_or_else(|| format!("`pay` needs an amount of coins above 0 and at most 1000, got \"{coins}\""))?;
                Ok(Command::Pay { to, amount: (coins * chain::COIN as f64) as u64 })
            }
            2 => node(arg).map(Command::DoubleSpend),
            3 => arg.parse::<u64>().ok().filter(|&h| (1..=1_000_000).contains(&h)).map(Command::Tamper).ok_or_else(|| format!("`tamper` needs a block height of 1 or more, got \"{arg}\"")),
            4 => Ok(Command::Remine),
            5 => Ok(Command::Forge),
            _ => Err(format!("unknown command `{name}` (known: power, pay, double_spend, tamper, remine, forge)")),
        }
    }

    fn on_command(&self, node: &mut Node, cmd: Command, ctx: &mut Ctx<Self>) {
        match cmd {
            Command::Power(p) => {
                node.power = p;
                ctx.note(format!("M{} hash power set to {p} %", node.id));
                node.restart_mining(self, ctx);
            }
            Command::Pay { to, amount } => {
                if to == node.id || !node.pay(self, to, amount, ctx) {
                    ctx.note(format!("M{} cannot pay M{to}: not enough unspent coins (or paying itself)", node.id));
                }
            }
            Command::DoubleSpend(to) => node.double_spend(self, to, ctx),
            Command::Tamper(h) => {
                if h >= node.chain.len() as u64 {
                    ctx.note(format!("M{} has no block #{h} on its chain yet", node.id));
                } else {
                    node.tamper(h, ctx);
                }
            }
            Command::Remine => node.remine(self, ctx),
            Command::Forge => node.forge(self, ctx),
        }
    }

    fn describe(&self, msg: &Msg) -> MsgInfo {
        view::describe(msg)
    }

    fn timer_label(&self, timer: &Timer) -> &'static str {
        match timer {
            Timer::Hash => "hash slice",
            Timer::Found => "block found",
            Timer::Pay => "payment",
        }
    }

    fn observe(&self, nodes: &Nodes<Self>, ghost: &mut Ghost, what: Happened, out: &mut Vec<Violation>) {
        invariants::observe(self, nodes, ghost, what, out);
    }

    fn metric_interval(&self) -> Time {
        crate::SEC * (self.spacing_s as u64 / 10).max(1)
    }

    fn sample(&self, nodes: &Nodes<Self>, ghost: &mut Ghost, out: &mut Vec<f64>) {
        view::sample(self, nodes, ghost, out);
    }

    fn query(&self, nodes: &Nodes<Self>, ghost: &Ghost, name: &str) -> Option<f64> {
        view::query(self, nodes, ghost, name)
    }

    fn node_view(&self, id: NodeId, node: Option<&Node>, durable: Option<&Node>, now: Time) -> NodeView {
        view::node_view(self, id, node, durable, now)
    }

    fn node_commands(&self, id: NodeId, node: Option<&Node>) -> Vec<(&'static str, String, String)> {
        view::node_commands(self, id, node)
    }

    fn figures(&self, nodes: &Nodes<Self>, ghost: &Ghost) -> Vec<crate::figure::Figure> {
        view::figures(self, nodes, ghost)
    }

    fn snapshot_bytes(&self, node: &Node) -> usize {
        core::mem::size_of::<Node>() + node.orphans.len() * 64 + node.job.as_ref().map_or(0, |j| j.block.txs.len() * 96)
    }
}
