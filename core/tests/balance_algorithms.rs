//! Exact behaviour of the deterministic algorithms: smooth weighted round robin sequences (as
//! pure functions and through the whole simulation), and which keys consistent hashing moves.

use distlab_core::models::balance::algorithms::{hash_key, Ring, SmoothWrr};
use distlab_core::models::balance::{Algorithm, BalanceModel, Speeds};
use distlab_core::{Action, LinkConfig, Sim, TimedAction, TraceKind, MS, SEC};

fn wrr(weights: &[u32], n: usize) -> String {
    let mut current = vec![0i64; weights.len()];
    (0..n)
        .map(|_| (b'a' + SmoothWrr::pick(weights.iter().copied().zip(current.iter_mut())).unwrap() as u8) as char)
        .collect()
}

#[test]
fn smooth_wrr_sequences() {
    assert_eq!(wrr(&[5, 1, 1], 7), "aabacaa");
    assert_eq!(wrr(&[1, 1, 1], 6), "abcabc");
    assert_eq!(wrr(&[2, 1], 6), "abaaba");
    assert_eq!(wrr(&[3, 2], 5), "ababa");
    assert_eq!(wrr(&[4, 2, 1], 7), "abacaba");
    assert_eq!(wrr(&[1, 4, 4], 9), "bcabcbcbc");
    // Over one full cycle every server is picked exactly `weight` times, and the state returns
    // to zero, so the cycle repeats.
    let weights = [8, 4, 2, 4, 1, 6, 4, 3];
    let total: u32 = weights.iter().sum();
    let seq = wrr(&weights, 2 * total as usize);
    for (i, &w) in weights.iter().enumerate() {
        let c = (b'a' + i as u8) as char;
        assert_eq!(seq[..total as usize].chars().filter(|&x| x == c).count(), w as usize);
    }
    assert_eq!(seq[..total as usize], seq[total as usize..]);
}

/// The simulated balancer follows the same sequence: eight servers with weights from their
/// speeds (8, 4, 2, 4, 1, 6, 4, 3), links at a fixed latency so arrival order is send order.
#[test]
fn simulated_wrr_follows_the_sequence() {
    let model = BalanceModel {
        servers: 8,
        speeds: Speeds::Mixed,
        weight_by_speed: true,
        algorithm: Algorithm::WeightedRoundRobin,
        rate: 200.0,
        health_checks: false,
        ..BalanceModel::default()
    };
    let fixed = LinkConfig { latency_min: MS, latency_max: MS, ..LinkConfig::default() };
    let actions = vec![TimedAction { at: 0, action: Action::Net(fixed) }];
    let mut sim = Sim::new(model.clone(), 3, actions);
    sim.run_until(SEC, u64::MAX);
    let first = model.first_server();
    let routed: String = sim
        .history()
        .trace
        .iter()
        .filter(|e| e.kind == TraceKind::Deliver && e.label.starts_with("request") && e.node.is_some_and(|n| n >= first))
        .map(|e| (b'a' + (e.node.unwrap() - first) as u8) as char)
        .collect();
    assert!(routed.len() > 100, "{routed}");
    let weights: Vec<u32> = (0..8).map(|i| model.profile(i).weight).collect();
    assert_eq!(weights, [8, 4, 2, 4, 1, 6, 4, 3]);
    assert_eq!(routed, wrr(&weights, routed.len()));
}

fn owners(ring: &Ring, keys: u32) -> Vec<u32> {
    (0..keys).map(|k| ring.lookup(hash_key(k)).unwrap()).collect()
}

#[test]
fn consistent_hashing_moves_only_the_keys_it_should() {
    let keys = 20_000;
    let ten: Vec<(u32, u32)> = (0..10).map(|s| (s, 1)).collect();
    let before = owners(&Ring::build(ten.iter().copied(), 100), keys);

    // Adding server 10: keys move only to it, about 1/11 of them.
    let eleven: Vec<(u32, u32)> = (0..11).map(|s| (s, 1)).collect();
    let after = owners(&Ring::build(eleven.iter().copied(), 100), keys);
    let moved: Vec<usize> = (0..keys as usize).filter(|&k| before[k] != after[k]).collect();
    assert!(moved.iter().all(|&k| after[k] == 10), "a key moved between old servers");
    let share = moved.len() as f64 / keys as f64;
    assert!((0.05..0.14).contains(&share), "moved {share}, expected about 1/11");

    // Removing server 3: only its keys move, and they spread over the others.
    let nine: Vec<(u32, u32)> = (0..10).filter(|&s| s != 3).map(|s| (s, 1)).collect();
    let after = owners(&Ring::build(nine.iter().copied(), 100), keys);
    for k in 0..keys as usize {
        if before[k] != 3 {
            assert_eq!(before[k], after[k], "key {k} moved though its server stayed");
        }
    }
    let targets: std::collections::BTreeSet<u32> = (0..keys as usize).filter(|&k| before[k] == 3).map(|k| after[k]).collect();
    assert!(targets.len() >= 5, "the removed server's keys went to only {targets:?}");

    // Mod-n hashing, for contrast, moves most keys when n changes from 10 to 11.
    let modn = (0..keys).filter(|&k| hash_key(k) % 10 != hash_key(k) % 11).count() as f64 / keys as f64;
    assert!(modn > 0.8, "mod-n moved {modn}");
}

#[test]
fn ring_spreads_keys_evenly_with_virtual_nodes() {
    let ring = Ring::build((0..10).map(|s| (s, 1)), 100);
    let mut counts = [0u32; 10];
    for k in owners(&ring, 50_000) {
        counts[k as usize] += 1;
    }
    let max = *counts.iter().max().unwrap() as f64;
    // With 100 virtual nodes each server's share is within roughly ±30 % of the mean.
    assert!(max / 5_000.0 < 1.3, "{counts:?}");
    // Weight doubles the share.
    let ring = Ring::build([(0, 2), (1, 1)].into_iter(), 200);
    let zero = owners(&ring, 30_000).iter().filter(|&&o| o == 0).count() as f64 / 30_000.0;
    assert!((0.6..0.73).contains(&zero), "{zero}");
}

/// In the running lab: a server leaving moves few sessions under consistent hashing, most
/// under mod-n source hashing.
#[test]
fn sessions_moved_by_a_leaving_server() {
    let run = |algorithm| {
        let model = BalanceModel { servers: 10, algorithm, rate: 2_000.0, sessions: 500, health_checks: false, ..BalanceModel::default() };
        let first = model.first_server();
        let actions = vec![TimedAction { at: 2 * SEC, action: Action::Command { node: first + 4, name: "leave".into(), arg: String::new() } }];
        let mut sim = Sim::new(model, 9, actions);
        sim.run_until(2 * SEC, u64::MAX);
        let before = distlab_core::Lab::query(&sim, "sessions_moved").unwrap();
        sim.run_until(4 * SEC, u64::MAX);
        distlab_core::Lab::query(&sim, "sessions_moved").unwrap() - before
    };
    let ring = run(Algorithm::ConsistentHash);
    let modn = run(Algorithm::SourceHash);
    assert!(ring < 70.0, "consistent hash moved {ring}");
    assert!(modn > 300.0, "source hash moved {modn}");
}
