//! What the lab shows: nodes, messages, metrics, queries and the block-tree, merkle-tree and
//! tamper figures.

use super::bitcoin::{attacker_overtakes, attacker_success, bits_to_target, block_work, difficulty, hash_hex, merkle_levels, Hash};
use super::chain::COIN;
use super::invariants::Ghost;
use super::node::{short, Msg, Node, Strategy};
use super::Pow;
use crate::figure::{Figure, FigureKind, Tree, TreeNode};
use crate::model::Nodes;
use crate::time::Time;
use crate::view::{Cell, MsgInfo, NodeView};
use crate::NodeId;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// Heights of recent blocks the block-tree figure shows.
const TREE_HEIGHTS: u64 = 10;

pub fn describe(msg: &Msg) -> MsgInfo {
    match msg {
        Msg::Block(b) => MsgInfo { kind: "Block", label: format!("block {} by M{}", short(&b.hash), b.miner), ok: None },
        Msg::GetBlock(h) => MsgInfo { kind: "GetBlock", label: format!("getblock {}", short(h)), ok: None },
        Msg::Tx(t) => MsgInfo { kind: "Tx", label: format!("tx {:.2} BTC", t.output_value() as f64 / COIN as f64), ok: None },
    }
}

/// A node's state, live or as it survives a crash.
fn any<'a>(nodes: &Nodes<'a, Pow>, id: NodeId) -> Option<&'a Node> {
    nodes.up(id).or_else(|| nodes.slot(id).and_then(|s| s.durable.as_ref()))
}

/// The live honest node with the most work (lowest id on ties): whose chain is "the" chain.
fn reference<'a>(nodes: &Nodes<'a, Pow>) -> Option<&'a Node> {
    let mut best: Option<&Node> = None;
    for (_, n) in nodes.live() {
        if n.strategy != Strategy::Honest {
            continue;
        }
        if best.is_none_or(|b| n.tip_entry().work > b.tip_entry().work) {
            best = Some(n);
        }
    }
    best.or_else(|| nodes.live().map(|(_, n)| n).next())
}

/// A count summed over every node, live or crashed (a function pointer, not a closure: one copy
/// of the loop in the page).
fn sum(nodes: &Nodes<Pow>, f: fn(&Node) -> u64) -> u64 {
    let mut total = 0;
    for i in 0..nodes.len() {
        if let Some(n) = any(nodes, i) {
            total += f(n);
        }
    }
    total
}

/// The largest of a count over every node, live or crashed (0 if none).
fn max_of(nodes: &Nodes<Pow>, f: fn(&Node) -> u64) -> u64 {
    let mut max = 0;
    for i in 0..nodes.len() {
        if let Some(n) = any(nodes, i) {
            max = max.max(f(n));
        }
    }
    max
}

/// Share of all hash power, per node.
fn total_power(nodes: &Nodes<Pow>) -> u64 {
    sum(nodes, |n| n.power as u64)
}

fn attacker_share(cfg: &Pow, nodes: &Nodes<Pow>) -> Option<f64> {
    if cfg.attacker < 0 {
        return None;
    }
    let total = total_power(nodes) as f64;
    let a = any(nodes, cfg.attacker as NodeId)?.power as f64;
    Some(if total > 0.0 { a / total } else { 0.0 })
}

pub fn query(cfg: &Pow, nodes: &Nodes<Pow>, g: &Ghost, name: &str) -> Option<f64> {
    // By position in [`super::QUERIES`]: one string comparison loop instead of twenty.
    let i = super::QUERIES.iter().position(|q| q.name == name)?;
    Some(query_at(cfg, nodes, g, i))
}

/// Query number `i` of [`super::QUERIES`].
fn query_at(cfg: &Pow, nodes: &Nodes<Pow>, g: &Ghost, i: usize) -> f64 {
    let r = reference(nodes);
    let height = r.map_or(0, |n| n.height());
    match i {
        Q_HEIGHT => height as f64,
        1 => r.map_or(0.0, |n| difficulty(n.tip_entry().block.header.bits)),
        2 => if g.start_difficulty > 0.0 { g.max_difficulty / g.start_difficulty } else { 1.0 },
        Q_MINED => sum(nodes, |n| n.mined) as f64,
        Q_STALE => sum(nodes, |n| n.mined).saturating_sub(height) as f64,
        5 => g.fork_heights.size() as f64,
        6 => sum(nodes, |n| n.reorgs) as f64,
        7 => max_of(nodes, |n| n.reorg_max) as f64,
        8 => {
            let mut first = None;
            for (_, n) in nodes.live() {
                if n.strategy == Strategy::Honest && *first.get_or_insert(n.tip) != n.tip {
                    return 0.0;
                }
            }
            1.0
        }
        Q_WON => sum(nodes, |n| n.attack_wins) as f64,
        Q_ROUNDS => sum(nodes, |n| n.attack_wins + n.attack_losses) as f64,
        Q_FORMULA => attacker_share(cfg, nodes).map_or(0.0, |q| attacker_success(q, cfg.attack_z)),
        12 => attacker_share(cfg, nodes).map_or(0.0, |q| attacker_overtakes(q, cfg.attack_z)),
        Q_SELFISH => match (cfg.selfish, r) {
            (s, Some(n)) if s >= 0 && height > 0 => n.tip_entry().by_miner.get(s as usize).copied().unwrap_or(0) as f64 / height as f64,
            _ => 0.0,
        },
        14 => sum(nodes, |n| n.rejected) as f64,
        15 => nodes.live().filter(|(_, n)| n.bench.is_some()).count() as f64,
        16 => sum(nodes, |n| n.remined) as f64,
        17 => sum(nodes, |n| n.hashes) as f64,
        18 => {
            let mut max = 0;
            for (_, n) in nodes.live() {
                max = max.max(n.mempool.size());
            }
            max as f64
        }
        _ => g.violations as f64,
    }
}

// Positions in [`super::QUERIES`] that [`sample`] reads.
const Q_HEIGHT: usize = 0;
const Q_MINED: usize = 3;
const Q_STALE: usize = 4;
const Q_WON: usize = 9;
const Q_ROUNDS: usize = 10;
const Q_FORMULA: usize = 11;
const Q_SELFISH: usize = 13;

pub fn sample(cfg: &Pow, nodes: &Nodes<Pow>, g: &mut Ghost, out: &mut Vec<f64>) {
    let r = reference(nodes);
    let q = |i: usize| query_at(cfg, nodes, g, i);
    out.push(r.map_or(0.0, |n| bits_to_target(n.tip_entry().block.header.bits).map_or(0.0, |t| block_work(&t).to_f64())));
    let interval = r.map_or(0.0, |n| {
        let h = n.chain.len();
        let k = (h.saturating_sub(1)).min(10);
        match (n.chain.get(h - 1).and_then(|x| n.tree.get(x)), n.chain.get(h - 1 - k).and_then(|x| n.tree.get(x))) {
            (Some(a), Some(b)) if k > 0 => (a.block.header.time as f64 - b.block.header.time as f64) / k as f64,
            _ => 0.0,
        }
    });
    out.push(interval);
    let mined = q(Q_MINED);
    out.push(if mined > 0.0 { 100.0 * q(Q_STALE) / mined } else { 0.0 });
    out.push(q(Q_HEIGHT));
    let rounds = q(Q_ROUNDS);
    out.push(if rounds > 0.0 { 100.0 * q(Q_WON) / rounds } else { 0.0 });
    out.push(100.0 * q(Q_FORMULA));
    out.push(100.0 * q(Q_SELFISH));
    let total = total_power(nodes) as f64;
    let selfish = if cfg.selfish >= 0 { any(nodes, cfg.selfish as NodeId).map_or(0.0, |n| n.power as f64) } else { 0.0 };
    out.push(if total > 0.0 { 100.0 * selfish / total } else { 0.0 });
}

/// The node details' labels, in order ([`node_view`] gives the values).
const DETAILS: [&str; 13] = ["tip", "height", "bits", "difficulty", "chain work", "hash rate", "hashes computed", "hash rate measured", "blocks found", "reorgs (deepest)", "blocks rejected", "balance", "double spends won / given up"];

pub fn node_view(cfg: &Pow, id: NodeId, node: Option<&Node>, durable: Option<&Node>, now: Time) -> NodeView {
    let mut v = NodeView::new(id, format!("M{id}"), "miner");
    v.color = id;
    let Some(n) = node.or(durable) else { return v };
    v.role = String::from(match n.strategy {
        Strategy::Honest => "miner",
        Strategy::Selfish => "selfish miner",
        Strategy::Attacker => "attacker",
    });
    let tip = n.tip_entry();
    v.headline = format!("#{}", tip.height);
    v.badges.push(format!("power {}%", n.power));
    if node.is_some() {
        v.badges.push(format!("mempool {}", n.mempool.size()));
    }
    if let Some(p) = &n.private {
        if !p.unpublished.is_empty() {
            v.badges.push(format!("{} withheld", p.unpublished.len()));
        }
    }
    if n.attack.is_some() {
        v.badges.push(String::from("double-spending"));
    }
    if n.bench.is_some() {
        v.badges.push(String::from("tampered copy"));
    }
    let bits = tip.block.header.bits;
    // (label, value) rows, labels from one table: one loop instead of a `String::from` per row.
    let measured = (cfg.mode == super::Mode::Real && now > 0).then(|| rate_text(n.hashes as f64 * crate::SEC as f64 / now as f64));
    let attacker = n.strategy == Strategy::Attacker;
    let values = [
        Some(hash_hex(&tip.block.hash)),
        Some(format!("{}", tip.height)),
        Some(format!("{bits:08x}")),
        Some(format!("{:.6}", difficulty(bits))),
        Some(format!("{:.0}", tip.work.to_f64())),
        Some(rate_text(n.rate(cfg))),
        Some(format!("{}", n.hashes)),
        // Counted, not configured: real double SHA-256 header hashes per virtual second.
        measured,
        Some(format!("{}", n.mined)),
        Some(format!("{} ({})", n.reorgs, n.reorg_max)),
        Some(format!("{}", n.rejected)),
        Some(format!("{:.4} BTC", n.balance() as f64 / COIN as f64)),
        attacker.then(|| format!("{} / {}", n.attack_wins, n.attack_losses)),
    ];
    for (label, value) in DETAILS.iter().zip(values) {
        if let Some(value) = value {
            v.details.push((String::from(*label), value));
        }
    }
    let len = n.chain.len();
    let from = len.saturating_sub(8);
    v.cells_offset = from as u64;
    for h in n.chain.range(from..) {
        if let Some(e) = n.tree.get(h) {
            v.cells.push(Cell { text: format!("{} {}", e.height, &hash_hex(&e.block.hash)[58..]), color: e.block.miner.min(31), solid: tip.height - e.height + 1 >= 6, marked: false });
        }
    }
    v
}

pub fn node_commands(cfg: &Pow, id: NodeId, node: Option<&Node>) -> Vec<(&'static str, String, String)> {
    let Some(n) = node else { return Vec::new() };
    let mut c = Vec::new();
    let double = (n.power * 2).clamp(1, 1000);
    c.push(("power", format!("{double}"), format!("Double hash power ({double}%)")));
    let half = n.power / 2;
    c.push(("power", format!("{half}"), format!("Halve hash power ({half}%)")));
    let to = if id == 0 { 1 } else { 0 };
    c.push(("pay", format!("{to}:1"), format!("Pay M{to} 1 BTC")));
    c.push(("double_spend", format!("{to}"), format!("Spend one coin twice (to M{to} and back)")));
    let h = n.height().saturating_sub(2).max(1);
    if n.height() >= 1 {
        c.push(("tamper", format!("{h}"), format!("Tamper with block #{h}")));
    }
    if n.bench.is_some() {
        c.push(("remine", String::new(), String::from("Re-mine the broken block")));
    }
    if cfg.miners > 1 {
        c.push(("forge", String::new(), String::from("Broadcast a block without proof of work")));
    }
    c
}

fn block_label(height: u64, hash: &Hash) -> String {
    format!("#{height} {}", short(hash))
}

pub fn figures(cfg: &Pow, nodes: &Nodes<Pow>, _g: &Ghost) -> Vec<Figure> {
    let mut figs = Vec::new();
    let Some(r) = reference(nodes) else { return figs };
    figs.push(block_tree(cfg, nodes, r));
    figs.push(power_bar(nodes));
    figs.push(power_grid(cfg, nodes, r));
    if let Some(f) = merkle_figure(r) {
        figs.push(f);
    }
    if let Some(f) = tamper_figure(nodes) {
        figs.push(f);
    }
    figs
}

/// "M0, M2, M3".
fn miners(ids: &[NodeId]) -> String {
    let mut s = String::new();
    for (k, id) in ids.iter().enumerate() {
        if k > 0 {
            s.push_str(", ");
        }
        s.push('M');
        s.push_str(&format!("{id}"));
    }
    s
}

/// Every block any live node has at the last few heights, best chain highlighted.
fn block_tree(_cfg: &Pow, nodes: &Nodes<Pow>, r: &Node) -> Figure {
    let top = nodes.live().map(|(_, n)| n.by_height.last().map_or(0, |x| x.0)).max().unwrap_or(0);
    let from = top.saturating_sub(TREE_HEIGHTS - 1);
    // One entry per block, sorted by (height, hash): a vector and a binary search (no map type
    // of its own in the page).
    struct B {
        key: (u64, Hash),
        parent: Hash,
        miner: NodeId,
        public: bool,
        holders: Vec<NodeId>,
        tips: Vec<NodeId>,
    }
    let mut blocks: Vec<B> = Vec::new();
    for (id, n) in nodes.live() {
        for (key, _) in n.by_height.range_from(&(from, [0u8; 32])) {
            let Some(e) = n.tree.get(&key.1) else { continue };
            let i = blocks.binary_search_by(|b| b.key.cmp(&key)).unwrap_or_else(|i| {
                blocks.insert(i, B { key, parent: e.block.header.prev, miner: e.block.miner, public: false, holders: Vec::new(), tips: Vec::new() });
                i
            });
            let b = &mut blocks[i];
            b.public |= !e.private;
            b.holders.push(id);
            if n.tip == key.1 {
                b.tips.push(id);
            }
        }
    }
    let best: Vec<Hash> = r.chain.range(from as usize..).copied().collect();
    let mut tree = Tree::default();
    let mut forks = 0;
    for b in &blocks {
        let (height, hash) = b.key;
        let on_best = best.contains(&hash);
        forks += !on_best as usize;
        // The parent is one height lower, so it is an earlier entry (and tree node) if shown.
        let parent = height.checked_sub(1).and_then(|h| blocks.binary_search_by(|x| x.key.cmp(&(h, b.parent))).ok()).map(|i| i as u32);
        let mut tags: Vec<String> = Vec::new();
        for t in &b.tips {
            tags.push(format!("M{t}"));
        }
        if !b.public {
            tags.push(String::from("withheld"));
        }
        let genesis = b.miner == u32::MAX;
        let who = if genesis { String::from("genesis") } else { format!("M{}", b.miner) };
        let state = if on_best { "on the best chain" } else if b.public { "stale: off the best chain" } else { "withheld by its miner" };
        let mut detail = format!("block #{height} {} mined by {who}; {state}; held by {}", hash_hex(&hash), miners(&b.holders));
        if !b.tips.is_empty() {
            detail.push_str("; tip of ");
            detail.push_str(&miners(&b.tips));
        }
        tree.nodes.push(TreeNode { parent, label: block_label(height, &hash), detail, color: if genesis { 0 } else { b.miner }, highlighted: on_best, marked: false, faded: !on_best, tags });
    }
    let (s, verb) = if forks == 1 { ("", "is") } else { ("s", "are") };
    Figure {
        key: "blocks",
        title: String::from("Block tree"),
        caption: format!(
            "The last {TREE_HEIGHTS} heights of every block the live miners hold. The highlighted path is the chain with the most work (#{} at M{}); {forks} block{s} off it {verb} stale or withheld. Tags name the miners whose tip a block is.",
            r.height(),
            r.id,
        ),
        kind: FigureKind::Tree(tree),
    }
}

/// A hash rate for people: "2.0 MH/s", "850 kH/s", "40 H/s".
pub fn rate_text(hs: f64) -> String {
    if hs >= 1e6 {
        format!("{:.1} MH/s", hs / 1e6)
    } else if hs >= 1e4 {
        format!("{:.0} kH/s", hs / 1e3)
    } else {
        format!("{hs:.0} H/s")
    }
}

/// The hash-power bar: one bar split between the miners by their share of all hash power.
fn power_bar(nodes: &Nodes<Pow>) -> Figure {
    use crate::figure::{RangeBar, Segment};
    let total = total_power(nodes).max(1) as f64;
    let mut bar = RangeBar::default();
    let mut at = 0.0;
    for id in 0..nodes.len() {
        let Some(n) = any(nodes, id) else { continue };
        let share = n.power as f64 / total;
        if share <= 0.0 {
            continue;
        }
        let down = if nodes.up(id).is_some() { "" } else { " (crashed)" };
        bar.segments.push(Segment { start: at, end: (at + share).min(1.0), label: format!("{:.0} % of the hash power{down}: M{id}", share * 100.0), node: Some(id), color: id, load: None });
        at += share;
    }
    Figure {
        key: "power-bar",
        title: String::from("Hash power share"),
        caption: String::from("Each miner's share of all hash power. A miner finds the next block with about this probability; a share above half can outrun everyone else."),
        kind: FigureKind::RangeBar(bar),
    }
}

/// Hash power per miner, its share, and its share of the best chain's blocks.
fn power_grid(cfg: &Pow, nodes: &Nodes<Pow>, r: &Node) -> Figure {
    use crate::figure::{Grid, GridCell, GridRow};
    let total = total_power(nodes).max(1) as f64;
    let height = r.height().max(1) as f64;
    let by = r.tip_entry().by_miner;
    let mut rows = Vec::new();
    for id in 0..nodes.len() {
        let Some(n) = any(nodes, id) else { continue };
        let share = 100.0 * n.power as f64 / total;
        let blocks = 100.0 * by.get(id as usize).copied().unwrap_or(0) as f64 / height;
        let up = nodes.up(id).is_some();
        let cells = [
            (rate_text(n.rate(cfg)), format!("M{id} hashes {:.0} times per second at {} % power{}", n.rate(cfg), n.power, if up { "" } else { " (crashed: not mining)" })),
            (format!("{share:.0} %"), format!("M{id} has {share:.1} % of the hash power")),
            (format!("{blocks:.0} %"), format!("M{id} mined {blocks:.1} % of the best chain's blocks")),
        ];
        let mut row = GridRow { label: format!("M{id}"), node: Some(id), cells: Vec::new() };
        for (text, detail) in cells {
            row.cells.push(GridCell { text, color: id, filled: up, marked: false, detail, ..GridCell::default() });
        }
        rows.push(row);
    }
    Figure {
        key: "power",
        title: String::from("Hash power"),
        caption: String::from("Each miner's hash rate, its share of all hash power, and its share of the blocks on the best chain. Over time an honest miner's two shares agree."),
        kind: FigureKind::Grid(Grid { columns: alloc::vec![String::from("hash rate"), String::from("power share"), String::from("blocks share")], rows, lines: Vec::new() }),
    }
}

/// The merkle tree of the best tip's transactions.
fn merkle_figure(r: &Node) -> Option<Figure> {
    let tip = r.tip_entry();
    let levels = merkle_levels(&tip.block.txids);
    if levels.is_empty() {
        return None;
    }
    let mut tree = Tree::default();
    // Root first, then each level down; a node at level L index i hangs under index i/2 of
    // level L+1. A level with an odd count shows the duplicated last hash, faded.
    let mut prev_index: Vec<u32> = Vec::new();
    for (depth, level) in levels.iter().rev().enumerate() {
        let is_leaves = depth + 1 == levels.len();
        let mut cur = Vec::new();
        let shown = if level.len() > 1 && level.len() % 2 == 1 { level.len() + 1 } else { level.len() };
        for i in 0..shown {
            let dup = i >= level.len();
            let h = level[i.min(level.len() - 1)];
            let parent = prev_index.get(i / 2).copied();
            cur.push(tree.nodes.len() as u32);
            let hex = hash_hex(&h);
            let prefix = if depth == 0 {
                String::from("root ")
            } else if is_leaves {
                format!("tx{i} ")
            } else {
                String::new()
            };
            let label = prefix + &hex[..8];
            let detail = if dup {
                format!("copy of {hex} (odd level: the last hash is paired with itself)")
            } else if is_leaves {
                let tx = &tip.block.txs[i];
                format!("{} {hex}: {}", if i == 0 { "coinbase" } else { "transaction" }, if tx.memo.is_empty() { format!("{} in, {} out", tx.inputs.len(), tx.outputs.len()) } else { tx.memo.clone() })
            } else {
                format!("hash of its two children: {hex}")
            };
            tree.nodes.push(TreeNode { parent, label, detail, color: depth as u32, highlighted: depth == 0, marked: false, faded: dup, tags: Vec::new() });
        }
        prev_index = cur;
    }
    Some(Figure {
        key: "merkle",
        title: format!("Merkle tree of block #{}", tip.height),
        caption: format!("{} transaction ids hashed in pairs up to the root the header commits to. Faded boxes are Bitcoin's duplicate of the last hash on an odd level.", tip.block.txids.len()),
        kind: FigureKind::Tree(tree),
    })
}

/// A node's tampered copy: the edited block and the ones after it, broken where they are.
fn tamper_figure(nodes: &Nodes<Pow>) -> Option<Figure> {
    let (_, n) = nodes.live().find(|(_, n)| n.bench.is_some())?;
    let bench = n.bench.as_ref()?;
    let parent_hash = *n.chain.get(bench.height as usize - 1)?;
    let status = bench.status(parent_hash);
    let mut tree = Tree::default();
    tree.nodes.push(TreeNode { parent: None, label: block_label(bench.height - 1, &parent_hash), detail: format!("block #{} {} (untouched)", bench.height - 1, hash_hex(&parent_hash)), color: 0, highlighted: true, ..Default::default() });
    let mut broken = 0;
    for (i, (b, (pow, link))) in bench.blocks.iter().zip(status).enumerate() {
        let height = bench.height + i as u64;
        let mut tags = Vec::new();
        if !pow {
            tags.push(String::from("hash misses target"));
        }
        if !link {
            tags.push(String::from("broken link"));
        }
        if pow && link {
            tags.push(String::from("valid"));
        } else {
            broken += 1;
        }
        let memo = b.txs.first().map(|t| t.memo.clone()).unwrap_or_default();
        tree.nodes.push(TreeNode {
            parent: Some(i as u32),
            label: block_label(height, &b.hash),
            detail: format!(
                "block #{height} {}: coinbase says \"{memo}\"; {}{}",
                hash_hex(&b.hash),
                if pow { "meets its target" } else { "its hash does not meet the target" },
                if link { "" } else { "; its previous-block hash no longer matches the block before it" }
            ),
            color: b.miner.min(31),
            highlighted: pow && link,
            marked: !(pow && link),
            faded: false,
            tags,
        });
    }
    Some(Figure {
        key: "tamper",
        title: format!("M{}'s tampered copy", n.id),
        caption: format!("M{} edited block #{}. {broken} of {} blocks are broken: an edit changes the hash, so the proof of work fails and the next block's link no longer matches. Re-mine to repair them one at a time.", n.id, bench.height, bench.blocks.len()),
        kind: FigureKind::Tree(tree),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_positions_name_the_queries_sample_reads() {
        let name = |i: usize| super::super::QUERIES[i].name;
        assert_eq!([Q_HEIGHT, Q_MINED, Q_STALE, Q_WON, Q_ROUNDS, Q_FORMULA, Q_SELFISH].map(name), ["height", "blocks_mined", "stale_blocks", "double_spends", "attack_rounds", "attack_formula", "selfish_revenue"]);
        assert_eq!(name(19), "violations");
    }
}
