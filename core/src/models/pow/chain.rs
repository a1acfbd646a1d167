//! Transactions, blocks, the UTXO ledger and block validation.
//!
//! Transactions follow Bitcoin's UTXO model (inputs name earlier outputs, outputs carry a value
//! and an owner) but with a small serialisation of our own and no scripts: an output's owner is
//! a node id and only that node spends it. Ids are the double SHA-256 of that serialisation,
//! and blocks commit to them through the real merkle tree and the real 80-byte header.
//!
//! Every block in a node's tree stores the UTXO set *after* it, in a persistent map that shares
//! structure with its parent's: a reorg is switching to another block's set, and validating a
//! block on a side branch uses its parent's set, without undo logs.

use super::bitcoin::{bits_to_target, block_work, merkle_root, sha256d, Hash, Header, U256};
use super::store::Map;
use crate::NodeId;
use alloc::format;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;

/// Amounts in satoshis.
pub type Amount = u64;
/// One bitcoin.
pub const COIN: Amount = 100_000_000;
/// Most miners a run may have (size of the per-miner counters).
pub const MINERS_MAX: usize = 8;

/// A reference to one output of an earlier transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct OutPoint {
    /// The transaction.
    pub txid: Hash,
    /// Index of the output.
    pub vout: u32,
}

/// An output: who may spend it and how much it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TxOut {
    /// The owning node.
    pub owner: NodeId,
    /// Value in satoshis.
    pub value: Amount,
}

/// A transaction; a coinbase has no inputs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tx {
    /// Coins spent.
    pub inputs: Vec<OutPoint>,
    /// Coins created.
    pub outputs: Vec<TxOut>,
    /// Free text (a coinbase's message; what the tamper demo edits).
    pub memo: String,
    /// Makes ids unique (a coinbase's height, a payment's counter).
    pub nonce: u64,
}

impl Tx {
    /// Whether this is a coinbase (creates the subsidy).
    pub fn is_coinbase(&self) -> bool {
        self.inputs.is_empty()
    }

    /// Total output value.
    pub fn output_value(&self) -> Amount {
        self.outputs.iter().fold(0u64, |a, o| a.saturating_add(o.value))
    }

    /// The id: double SHA-256 of the serialisation.
    pub fn txid(&self) -> Hash {
        let mut b: Vec<u8> = Vec::with_capacity(16 + 36 * self.inputs.len() + 12 * self.outputs.len() + self.memo.len());
        b.extend_from_slice(&(self.inputs.len() as u32).to_le_bytes());
        for i in &self.inputs {
            b.extend_from_slice(&i.txid);
            b.extend_from_slice(&i.vout.to_le_bytes());
        }
        b.extend_from_slice(&(self.outputs.len() as u32).to_le_bytes());
        for o in &self.outputs {
            b.extend_from_slice(&o.value.to_le_bytes());
            b.extend_from_slice(&o.owner.to_le_bytes());
        }
        b.extend_from_slice(&(self.memo.len() as u32).to_le_bytes());
        b.extend_from_slice(self.memo.as_bytes());
        b.extend_from_slice(&self.nonce.to_le_bytes());
        sha256d(&b)
    }
}

/// A block: header and transactions (the first is the coinbase).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// The header that is hashed.
    pub header: Header,
    /// Transactions.
    pub txs: Vec<Tx>,
    /// Their ids, in order.
    pub txids: Vec<Hash>,
    /// The header's hash.
    pub hash: Hash,
    /// Who mined it (for colours and revenue counts).
    pub miner: NodeId,
    /// Statistical mining: the proof of work was simulated for exactly this hash.
    pub sealed: bool,
}

impl Block {
    /// Assembles a block; the header's merkle root is computed from `txs`.
    pub fn new(mut header: Header, txs: Vec<Tx>, miner: NodeId, sealed: bool) -> Block {
        let mut txids: Vec<Hash> = Vec::with_capacity(txs.len());
        for tx in &txs {
            txids.push(tx.txid());
        }
        header.merkle = merkle_root(&txids);
        Block { hash: header.hash(), header, txs, txids, miner, sealed }
    }

    /// The same block with a new nonce (hash recomputed).
    pub fn with_nonce(&self, nonce: u32) -> Block {
        let mut b = self.clone();
        b.header.nonce = nonce;
        b.hash = b.header.hash();
        b
    }
}

/// The UTXO set.
pub type Utxo = Map<OutPoint, TxOut>;

/// A block in a node's tree, with what connecting it produced.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The block.
    pub block: Rc<Block>,
    /// Height (genesis 0).
    pub height: u64,
    /// Cumulative work from genesis up to and including this block.
    pub work: U256,
    /// UTXO set after this block.
    pub utxo: Utxo,
    /// Total value in `utxo`.
    pub utxo_value: Amount,
    /// Total coinbase value on the chain up to here.
    pub minted: Amount,
    /// Total subsidy the chain up to here was entitled to.
    pub subsidies: Amount,
    /// Total fees paid by transactions on the chain up to here.
    pub fees: Amount,
    /// Order in which this node first had the block (ties in work go to the earlier).
    pub seq: u64,
    /// Mined by this node and not yet published (attackers and selfish miners).
    pub private: bool,
    /// Blocks on the chain up to here mined by each miner.
    pub by_miner: [u32; MINERS_MAX],
}

/// Why a block (or transaction) is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reject {
    /// The hash does not meet the target.
    ProofOfWork,
    /// The previous block is unknown or not the one given.
    Link,
    /// The header's merkle root does not match the transactions.
    Merkle,
    /// `bits` differs from what the retarget rule requires.
    Bits {
        /// Required.
        want: u32,
        /// Found.
        got: u32,
    },
    /// The first transaction is not a coinbase, or another is.
    Coinbase,
    /// The coinbase claims more than subsidy plus fees.
    CoinbaseValue {
        /// Claimed.
        claimed: Amount,
        /// Allowed.
        allowed: Amount,
    },
    /// An input is not an unspent output on this chain.
    Spent(OutPoint),
    /// A transaction spends a coin its signer does not own, or outputs exceed inputs.
    Overspend,
}

impl Reject {
    /// One-line explanation.
    pub fn describe(&self) -> String {
        match self {
            Reject::ProofOfWork => "its hash does not meet the target".into(),
            Reject::Link => "its previous-block hash does not match".into(),
            Reject::Merkle => "its merkle root does not match its transactions".into(),
            Reject::Bits { want, got } => format!("bits {got:08x} where the retarget rule requires {want:08x}"),
            Reject::Coinbase => "it does not start with exactly one coinbase".into(),
            Reject::CoinbaseValue { claimed, allowed } => format!("its coinbase claims {claimed} sat, more than subsidy plus fees ({allowed} sat)"),
            Reject::Spent(o) => format!("it spends {}:{}, which is not unspent on this chain", super::bitcoin::hash_hex(&o.txid).get(..8).unwrap_or(""), o.vout),
            Reject::Overspend => "a transaction spends more than its inputs hold".into(),
        }
    }
}

/// Which checks to run (teaching mutations turn some off).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checks {
    /// Proof of work, merkle root and bits.
    pub pow: bool,
    /// Inputs exist and are unspent.
    pub spends: bool,
}

impl Checks {
    /// Everything.
    pub const ALL: Checks = Checks { pow: true, spends: true };
}

/// The block subsidy at `height`: 50 coins, halving every `halving` blocks (0: never).
pub fn subsidy(height: u64, halving: u64) -> Amount {
    let halvings = height.checked_div(halving).unwrap_or(0);
    if halvings >= 64 {
        0
    } else {
        (50 * COIN) >> halvings
    }
}

/// Whether a block's proof of work holds: its hash meets its target, or (statistical mining)
/// its hash is exactly the one the simulated work was done for.
pub fn pow_ok(block: &Block) -> bool {
    let hash = block.header.hash();
    if hash != block.hash {
        return false;
    }
    if block.sealed {
        return true;
    }
    match bits_to_target(block.header.bits) {
        Some(t) => U256::from_le_bytes(&hash) <= t,
        None => false,
    }
}

/// Applies a non-coinbase transaction to `utxo`; returns its fee. With `spends` off, a missing
/// input counts as worth what is needed (the double-spend mutation).
pub fn apply_tx(utxo: &mut Utxo, tx: &Tx, txid: &Hash, spends: bool) -> Result<Amount, Reject> {
    let mut input_value: Amount = 0;
    let mut owner: Option<NodeId> = None;
    for i in &tx.inputs {
        match utxo.get(i) {
            Some(o) => {
                if owner.is_some_and(|w| w != o.owner) {
                    return Err(Reject::Overspend);
                }
                owner = Some(o.owner);
                input_value = input_value.saturating_add(o.value);
            }
            None if !spends => {}
            None => return Err(Reject::Spent(*i)),
        }
    }
    let out = tx.output_value();
    if !spends && input_value < out {
        input_value = out;
    }
    if out > input_value {
        return Err(Reject::Overspend);
    }
    for i in &tx.inputs {
        utxo.remove_mut(i);
    }
    for (vout, o) in tx.outputs.iter().enumerate() {
        utxo.insert_mut(OutPoint { txid: *txid, vout: vout as u32 }, *o);
    }
    Ok(input_value - out)
}

/// Validates `block` on top of `parent` and builds its entry. `want_bits` is what the retarget
/// rule requires at its height; `seq` its arrival order.
pub fn connect(parent: &Entry, block: Rc<Block>, want_bits: u32, halving: u64, checks: Checks, seq: u64) -> Result<Entry, Reject> {
    if block.header.prev != parent.block.hash {
        return Err(Reject::Link);
    }
    if checks.pow {
        if block.header.bits != want_bits {
            return Err(Reject::Bits { want: want_bits, got: block.header.bits });
        }
        if merkle_root(&block.txids) != block.header.merkle || block.txids.iter().zip(&block.txs).any(|(id, tx)| *id != tx.txid()) || block.txids.len() != block.txs.len() {
            return Err(Reject::Merkle);
        }
        if !pow_ok(&block) {
            return Err(Reject::ProofOfWork);
        }
    }
    let height = parent.height + 1;
    let Some((coinbase, rest)) = block.txs.split_first() else { return Err(Reject::Coinbase) };
    if !coinbase.is_coinbase() || rest.iter().any(Tx::is_coinbase) {
        return Err(Reject::Coinbase);
    }
    let mut utxo = parent.utxo.clone();
    let mut value = parent.utxo_value;
    let mut fees: Amount = 0;
    for (tx, txid) in rest.iter().zip(block.txids.iter().skip(1)) {
        let mut before: Amount = 0;
        for i in &tx.inputs {
            if let Some(o) = utxo.get(i) {
                before = before.saturating_add(o.value);
            }
        }
        let fee = apply_tx(&mut utxo, tx, txid, checks.spends)?;
        fees = fees.saturating_add(fee);
        value = value.saturating_sub(before).saturating_add(tx.output_value());
    }
    let sub = subsidy(height, halving);
    let claimed = coinbase.output_value();
    if claimed > sub.saturating_add(fees) {
        return Err(Reject::CoinbaseValue { claimed, allowed: sub + fees });
    }
    let cb_id = block.txids.first().copied().unwrap_or_else(|| coinbase.txid());
    for (vout, o) in coinbase.outputs.iter().enumerate() {
        utxo.insert_mut(OutPoint { txid: cb_id, vout: vout as u32 }, *o);
    }
    value = value.saturating_add(claimed);
    let mut by_miner = parent.by_miner;
    if let Some(c) = by_miner.get_mut(block.miner as usize) {
        *c += 1;
    }
    let target = bits_to_target(block.header.bits).unwrap_or(U256::MAX);
    Ok(Entry {
        height,
        work: parent.work.saturating_add(&block_work(&target)),
        utxo,
        utxo_value: value,
        minted: parent.minted.saturating_add(claimed),
        subsidies: parent.subsidies.saturating_add(sub),
        fees: parent.fees.saturating_add(fees),
        seq,
        private: false,
        by_miner,
        block,
    })
}

/// The genesis entry: a coinbase paying each of `miners` ten coins of 5 BTC, at `bits`.
pub fn genesis(miners: u32, bits: u32) -> Entry {
    let mut outputs = Vec::new();
    for owner in 0..miners.min(MINERS_MAX as u32) {
        for _ in 0..10 {
            outputs.push(TxOut { owner, value: 5 * COIN });
        }
    }
    let coinbase = Tx { inputs: Vec::new(), outputs, memo: "The Times 03/Jan/2009 Chancellor on brink of second bailout for banks".into(), nonce: 0 };
    let header = Header { version: 1, prev: super::bitcoin::ZERO_HASH, merkle: super::bitcoin::ZERO_HASH, time: super::GENESIS_TIME, bits, nonce: 2083236893 };
    let block = Block::new(header, alloc::vec![coinbase], u32::MAX, true);
    let mut utxo = Utxo::new();
    let minted = block.txs[0].output_value();
    for (vout, o) in block.txs[0].outputs.iter().enumerate() {
        utxo.insert_mut(OutPoint { txid: block.txids[0], vout: vout as u32 }, *o);
    }
    Entry { height: 0, work: U256::ZERO, utxo, utxo_value: minted, minted, subsidies: minted, fees: 0, seq: 0, private: false, by_miner: [0; MINERS_MAX], block: Rc::new(block) }
}
