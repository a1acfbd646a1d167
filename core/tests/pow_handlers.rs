//! Handler-level tests of a miner: build its state, deliver one message, timer or command
//! through `Ctx::new`, check the state and the effects. Then a seeded property test of the
//! most-work rule over random block trees with differing difficulty, delivered in random orders.

use distlab_core::model::Effect;
use distlab_core::models::pow::bitcoin::{block_work, bits_to_target, Header};
use distlab_core::models::pow::chain::{Block, Tx, TxOut, COIN};
use distlab_core::models::pow::{Command, Mode, Msg, Node, Pow, Timer};
use distlab_core::{Ctx, Model, NodeId, Rng, Time, SEC};
use std::rc::Rc;

fn cfg() -> Pow {
    Pow { mode: Mode::Statistical, tx_per_min: 0.0, ..Pow::default() }
}

fn fresh(cfg: &Pow, id: NodeId) -> Node {
    let mut rng = Rng::stream(7, id as u64);
    let mut out = Vec::new();
    cfg.init(id, &mut Ctx::new(0, id, &mut rng, &mut out))
}

fn deliver(cfg: &Pow, n: &mut Node, from: NodeId, msg: Msg) -> Vec<Effect<Pow>> {
    let mut rng = Rng::stream(9, n.id as u64);
    let mut out = Vec::new();
    cfg.on_message(n, from, msg, &mut Ctx::new(SEC, n.id, &mut rng, &mut out));
    out
}

fn command(cfg: &Pow, n: &mut Node, cmd: Command, now: Time) -> Vec<Effect<Pow>> {
    let mut rng = Rng::stream(9, n.id as u64);
    let mut out = Vec::new();
    cfg.on_command(n, cmd, &mut Ctx::new(now, n.id, &mut rng, &mut out));
    out
}

fn timer(cfg: &Pow, n: &mut Node, t: Timer, now: Time) -> Vec<Effect<Pow>> {
    let mut rng = Rng::stream(9, n.id as u64);
    let mut out = Vec::new();
    cfg.on_timer(n, t, &mut Ctx::new(now, n.id, &mut rng, &mut out));
    out
}

fn sent(effects: &[Effect<Pow>]) -> Vec<(NodeId, Msg)> {
    effects.iter().filter_map(|e| if let Effect::Send(to, m) = e { Some((*to, m.clone())) } else { None }).collect()
}

/// A sealed (statistically mined) child of `parent` as `oracle` knows it.
fn child(cfg: &Pow, oracle: &Node, parent: [u8; 32], time_s: u32, miner: NodeId) -> Block {
    let pe = oracle.tree.get(&parent).unwrap();
    let bits = Node::expected_bits(cfg, &oracle.tree, pe);
    let height = pe.height + 1;
    let cb = Tx { inputs: vec![], outputs: vec![TxOut { owner: miner, value: 50 * COIN }], memo: format!("{miner}/{height}/{time_s}"), nonce: height };
    let header = Header { version: 1, prev: parent, merkle: [0; 32], time: pe.block.header.time + time_s, bits, nonce: 0 };
    Block::new(header, vec![cb], miner, true)
}

#[test]
fn a_found_block_extends_the_chain_and_is_broadcast() {
    let c = cfg();
    let mut n = fresh(&c, 1);
    let effects = timer(&c, &mut n, Timer::Found, 5 * SEC);
    assert_eq!(n.height(), 1);
    assert_eq!(n.mined, 1);
    let to: Vec<NodeId> = sent(&effects).iter().filter(|(_, m)| matches!(m, Msg::Block(_))).map(|(t, _)| *t).collect();
    assert_eq!(to, vec![0, 2, 3]);
    // And mining restarts on the new tip.
    assert!(effects.iter().any(|e| matches!(e, Effect::SetTimer(Timer::Found, _))));
    assert_eq!(n.job.as_ref().unwrap().block.header.prev, n.tip);
}

#[test]
fn a_block_with_an_unknown_parent_waits_and_its_parent_is_fetched() {
    let c = cfg();
    let mut oracle = fresh(&c, 0);
    let mut n = fresh(&c, 1);
    let b1 = child(&c, &oracle, oracle.tip, 10, 2);
    deliver(&c, &mut oracle, 2, Msg::Block(Rc::new(b1.clone())));
    let b2 = child(&c, &oracle, b1.hash, 10, 2);
    let effects = deliver(&c, &mut n, 2, Msg::Block(Rc::new(b2.clone())));
    assert_eq!(n.height(), 0);
    assert!(matches!(sent(&effects).as_slice(), [(2, Msg::GetBlock(h))] if *h == b1.hash));
    deliver(&c, &mut n, 2, Msg::Block(Rc::new(b1)));
    assert_eq!(n.height(), 2, "the orphan connects once its parent arrives");
    assert_eq!(n.tip, b2.hash);
}

#[test]
fn invalid_blocks_are_rejected_with_a_reason() {
    let c = cfg();
    let oracle = fresh(&c, 0);
    let mut n = fresh(&c, 1);
    // Not sealed and not meeting the target.
    let mut bad = child(&c, &oracle, oracle.tip, 10, 2);
    bad.sealed = false;
    let effects = deliver(&c, &mut n, 2, Msg::Block(Rc::new(bad)));
    assert_eq!((n.height(), n.rejected), (0, 1));
    assert!(effects.iter().any(|e| matches!(e, Effect::Note(t, _) if t.contains("does not meet the target"))));
    // Wrong bits.
    let mut b = child(&c, &oracle, oracle.tip, 10, 2);
    b.header.bits = 0x1f00ffff;
    let b = Block::new(b.header, b.txs, 2, true);
    deliver(&c, &mut n, 2, Msg::Block(Rc::new(b)));
    assert_eq!(n.rejected, 2);
    // A coinbase claiming too much.
    let mut b = child(&c, &oracle, oracle.tip, 10, 2);
    b.txs[0].outputs[0].value = 51 * COIN;
    let b = Block::new(b.header, b.txs, 2, true);
    deliver(&c, &mut n, 2, Msg::Block(Rc::new(b)));
    assert_eq!((n.height(), n.rejected), (0, 3));
}

#[test]
fn a_payment_spends_own_coins_and_a_conflicting_one_is_refused() {
    let c = cfg();
    let mut n = fresh(&c, 1);
    let before = n.tip_entry().utxo.size();
    let effects = command(&c, &mut n, Command::Pay { to: 2, amount: 7 * COIN }, SEC);
    assert_eq!(n.mempool.size(), 1);
    assert_eq!(sent(&effects).iter().filter(|(_, m)| matches!(m, Msg::Tx(_))).count(), 3);
    let tx = n.mempool.values().next().unwrap().clone();
    assert_eq!(tx.output_value() + 10_000, 10 * COIN, "two 5-coin inputs, 7 out, change, fee");
    assert_eq!(before, n.tip_entry().utxo.size(), "nothing confirmed yet");
    // The same coins spent again are refused by the mempool.
    let mut twice = (*tx).clone();
    twice.outputs = vec![TxOut { owner: 1, value: 9 * COIN }];
    let effects = deliver(&c, &mut n, 3, Msg::Tx(Rc::new(twice)));
    assert_eq!(n.mempool.size(), 1);
    assert!(sent(&effects).is_empty());
    // Mining includes it; the mempool empties.
    timer(&c, &mut n, Timer::Found, 5 * SEC);
    assert_eq!(n.mempool.size(), 0);
    assert_eq!(n.tip_entry().block.txs.len(), 2);
    assert_eq!(n.tip_entry().block.txs[0].output_value(), 50 * COIN + 10_000, "subsidy plus fee");
}

#[test]
fn a_reorg_returns_the_losing_branchs_transactions_to_the_mempool() {
    let c = cfg();
    let mut n = fresh(&c, 1);
    let mut oracle = fresh(&c, 0);
    command(&c, &mut n, Command::Pay { to: 2, amount: COIN }, SEC);
    timer(&c, &mut n, Timer::Found, 5 * SEC);
    assert_eq!((n.height(), n.mempool.size()), (1, 0));
    // A competing branch of two blocks without the payment.
    let a = child(&c, &oracle, oracle.tip, 10, 3);
    deliver(&c, &mut oracle, 3, Msg::Block(Rc::new(a.clone())));
    let b = child(&c, &oracle, a.hash, 10, 3);
    deliver(&c, &mut n, 3, Msg::Block(Rc::new(a)));
    assert_eq!(n.reorgs, 0, "equal work: the first seen stays");
    deliver(&c, &mut n, 3, Msg::Block(Rc::new(b.clone())));
    assert_eq!(n.tip, b.hash);
    assert_eq!((n.reorgs, n.reorg_max), (1, 1));
    assert_eq!(n.mempool.size(), 1, "the payment is back in the mempool");
}

#[test]
fn tamper_breaks_the_hash_and_the_next_link() {
    let c = Pow { mode: Mode::Real, tx_per_min: 0.0, ..Pow::default() };
    let mut n = fresh(&c, 1);
    let mut oracle = fresh(&c, 0);
    for i in 0..3 {
        let b = child(&c, &oracle, oracle.tip, 10, 2);
        deliver(&c, &mut oracle, 2, Msg::Block(Rc::new(b.clone())));
        deliver(&c, &mut n, 2, Msg::Block(Rc::new(b)));
        assert_eq!(n.height(), i + 1);
    }
    command(&c, &mut n, Command::Tamper(1), SEC);
    let bench = n.bench.as_ref().unwrap();
    let status = bench.status(n.chain.get(0).copied().unwrap());
    assert_eq!(status, vec![(false, true), (true, false), (true, true)]);
    assert_eq!(n.height(), 3, "the node's own chain is untouched");
    // Re-mining searches nonces in bounded slices.
    let effects = command(&c, &mut n, Command::Remine, SEC);
    assert!(effects.iter().any(|e| matches!(e, Effect::SetTimer(Timer::Hash, _))));
    assert!(n.job.as_ref().unwrap().bench == Some(0));
    let mut now = SEC;
    while n.remined == 0 {
        now += SEC / 5;
        let before = n.hashes;
        timer(&c, &mut n, Timer::Hash, now);
        assert!(n.hashes - before <= 256, "one slice is bounded");
        assert!(now < 10_000 * SEC);
    }
    let status = n.bench.as_ref().unwrap().status(n.chain.get(0).copied().unwrap());
    assert_eq!(status[0], (true, true));
    assert!(!status[1].1, "the next block still points at the old hash");
    assert_eq!(n.height(), 3);
}

#[test]
fn bad_commands_are_refused_with_a_reason() {
    let c = cfg();
    for (name, arg, want) in [("power", "2000", "0 to 1000"), ("pay", "9:1", "node id"), ("pay", "1", "to:coins"), ("pay", "1:-3", "above 0"), ("tamper", "0", "height"), ("nope", "", "unknown command")] {
        let e = c.parse_command(name, arg).unwrap_err();
        assert!(e.contains(want), "{name} {arg}: {e}");
    }
    let mut p = Pow::default();
    assert!(p.set_param("miners", &distlab_core::Value::Num(9.0)).unwrap_err().contains("between 2 and 8"));
    assert!(p.set_param("mode", &distlab_core::Value::Text("fast".into())).unwrap_err().contains("real, statistical"));
}

/// The most-work rule: whatever order blocks arrive in, a node's tip has the most cumulative
/// work of the blocks it has (ties: the first seen), and never fewer blocks' work because a
/// longer chain of easier blocks exists.
#[test]
fn property_most_work_wins_in_any_delivery_order() {
    // Retarget every 2 blocks with random times, so branches have different difficulties.
    let c = Pow { retarget: 2, spacing_s: 10, ..cfg() };
    for seed in 0..200u64 {
        let mut rng = Rng::stream(seed, 1);
        let mut oracle = fresh(&c, 0);
        let mut blocks: Vec<Block> = Vec::new();
        let mut hashes = vec![oracle.tip];
        for _ in 0..rng.range(3, 14) {
            let parent = hashes[rng.below(hashes.len() as u32) as usize];
            let b = child(&c, &oracle, parent, rng.range(1, 60) as u32, rng.below(4));
            deliver(&c, &mut oracle, 3, Msg::Block(Rc::new(b.clone())));
            hashes.push(b.hash);
            blocks.push(b);
        }
        let max_work = oracle.tree.values().map(|e| e.work).max().unwrap();
        for order in 0..3 {
            let mut shuffled = blocks.clone();
            let mut r = Rng::stream(seed, 100 + order);
            for i in (1..shuffled.len()).rev() {
                shuffled.swap(i, r.below(i as u32 + 1) as usize);
            }
            let mut n = fresh(&c, 1);
            for b in &shuffled {
                deliver(&c, &mut n, 3, Msg::Block(Rc::new(b.clone())));
                let tip = n.tip_entry().work;
                assert!(n.tree.values().all(|e| e.work <= tip), "seed {seed}: tip is not the most work");
            }
            assert_eq!(n.tree.size(), oracle.tree.size(), "seed {seed}: every block connected");
            assert_eq!(n.tip_entry().work, max_work, "seed {seed}");
            // The chain index matches the tip's ancestry.
            let mut h = n.tip;
            for height in (0..n.chain.len()).rev() {
                assert_eq!(n.chain.get(height), Some(&h));
                h = n.tree.get(&h).unwrap().block.header.prev;
            }
        }
        // Work is summed per block from its target, not counted in blocks.
        let e = oracle.tree.get(&oracle.tip).unwrap();
        let parent = oracle.tree.get(&e.block.header.prev);
        if let Some(p) = parent {
            assert_eq!(e.work, p.work.saturating_add(&block_work(&bits_to_target(e.block.header.bits).unwrap())));
        }
    }
}

#[test]
fn hashing_slices_keep_the_configured_rate_and_stay_bounded() {
    use distlab_core::models::pow::node::{slice_plan, SLICE, SLICE_HASHES_MAX};
    use distlab_core::MS;
    // Slow miners: a few nonces every 100 ms.
    assert_eq!(slice_plan(2_000.0), (200, SLICE));
    assert_eq!(slice_plan(1.0), (1, SEC));
    // Fast miners: 2,048 nonces, more often; the rate holds.
    assert_eq!(slice_plan(1e6), (SLICE_HASHES_MAX, 2_048));
    assert_eq!(slice_plan(5e4), (SLICE_HASHES_MAX, 40_960));
    assert_eq!(slice_plan(1e13), (SLICE_HASHES_MAX, 1));
    for rate in [3.0, 700.0, 20_480.0, 20_481.0, 3e5, 7.7e7] {
        let (n, every) = slice_plan(rate);
        assert!(n <= SLICE_HASHES_MAX && every >= 1 && (every <= 100 * MS || n == 1));
        let got = n as f64 * SEC as f64 / every as f64;
        assert!((got - rate).abs() / rate < 0.01, "{rate} H/s configured, {got} H/s hashed");
    }
}

#[test]
fn a_fast_real_miner_hashes_its_rate_and_the_page_shows_it_measured() {
    use distlab_core::figure::FigureKind;
    use distlab_core::models::new_lab;
    use distlab_core::Value;
    let settings = vec![("miner_hs".to_string(), Value::Num(5e4)), ("tx_per_min".to_string(), Value::Num(0.0))];
    let mut lab = new_lab("pow", &settings, 3, vec![]).unwrap();
    lab.run_until(SEC / 2, u64::MAX);
    // 4 miners × 50,000 H/s × 0.5 s, in slices of 2,048 nonces every 40.96 ms.
    let hashes = lab.query("hashes").unwrap();
    assert!((hashes - 1e5).abs() <= 4.0 * 2_048.0, "{hashes}");
    let v = lab.view();
    let measured = &v.nodes[0].details.iter().find(|(k, _)| k == "hash rate measured").expect("measured rate shown").1;
    assert!(measured.ends_with("kH/s"), "{measured}");
    let bar = v.figures.iter().find(|f| f.key == "power-bar").expect("hash-power bar");
    let FigureKind::RangeBar(b) = &bar.kind else { panic!("a bar") };
    assert_eq!(b.segments.len(), 4);
    assert!((b.segments.last().unwrap().end - 1.0).abs() < 1e-9);
    assert!(b.segments.iter().all(|s| (s.end - s.start - 0.25).abs() < 1e-9), "equal power, equal shares");
    assert!(lab.violations().is_empty());
}
