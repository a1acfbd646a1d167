//! The placement strategies against published vectors and their defining properties.

use distlab_core::models::sharding::{hash, jump, maglev, modulo, range, rendezvous, ring, Strategy, Table};

/// Jump consistent hash against outputs of the paper's reference C++ code, as published with
/// the Go port (github.com/dgryski/go-jump, jump_test.go): bucket for 1..=n buckets.
#[test]
fn jump_hash_matches_the_reference_implementation() {
    let vectors: [(u64, &[u32]); 4] = [
        (0, &[0; 20]),
        (1, &[0, 0, 0, 0, 0, 0, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 17, 17]),
        (0xdeadbeef, &[0, 1, 2, 3, 3, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 16, 16, 16]),
        (0x0ddc0ffeebadf00d, &[0, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 15, 15, 15, 15]),
    ];
    for (key, want) in vectors {
        for (i, &w) in want.iter().enumerate() {
            assert_eq!(jump::bucket(key, i as u32 + 1), w, "key {key:#x}, {} buckets", i + 1);
        }
    }
}

/// Jump hash moves a key only to the new bucket, about 1 / (n + 1) of them.
#[test]
fn jump_hash_is_monotone() {
    for n in 1..40u32 {
        let mut moved = 0;
        for k in 0..20_000u32 {
            let h = hash::key_hash(k);
            let (a, b) = (jump::bucket(h, n), jump::bucket(h, n + 1));
            if a != b {
                assert_eq!(b, n, "key {k} moved from {a} to {b} going {n}→{}", n + 1);
                moved += 1;
            }
        }
        let f = moved as f64 / 20_000.0;
        let ideal = 1.0 / (n + 1) as f64;
        assert!((f - ideal).abs() < 0.02 + ideal * 0.15, "n {n}: moved {f}, ideal {ideal}");
    }
}

/// Maglev, Table 1 of Eisenbud et al. (NSDI 2016): three backends with the permutations given
/// in the paper, M = 7; the lookup table before and after B1 is removed.
#[test]
fn maglev_reproduces_table_1_of_the_paper() {
    // (offset, skip) giving the paper's permutation rows: B0 3 0 4 1 5 2 6, B1 0 2 4 6 1 3 5,
    // B2 3 4 5 6 0 1 2.
    let b0 = (3, 4);
    let b1 = (0, 2);
    let b2 = (3, 1);
    let perm = |(o, s): (u32, u32)| (0..7).map(|j| (o + j * s) % 7).collect::<Vec<_>>();
    assert_eq!(perm(b0), [3, 0, 4, 1, 5, 2, 6]);
    assert_eq!(perm(b1), [0, 2, 4, 6, 1, 3, 5]);
    assert_eq!(perm(b2), [3, 4, 5, 6, 0, 1, 2]);
    // Before: B1 B0 B1 B0 B2 B2 B0.
    assert_eq!(maglev::populate(&[b0, b1, b2], 7), [1, 0, 1, 0, 2, 2, 0]);
    // After B1 is removed (indexes now 0 = B0, 1 = B2): B0 B0 B0 B0 B2 B2 B2.
    assert_eq!(maglev::populate(&[b0, b2], 7), [0, 0, 0, 0, 1, 1, 1]);
}

#[test]
fn maglev_balances_within_one_slot_and_disrupts_little() {
    for n in [3u32, 8, 13, 32] {
        let m = maglev::prime_at_least(n * 64 + 1);
        let perms: Vec<(u32, u32)> = (0..n).map(|i| maglev::offset_skip(i as u64 + 100, m)).collect();
        let t = maglev::populate(&perms, m);
        let mut count = vec![0u32; n as usize];
        for &b in &t {
            count[b as usize] += 1;
        }
        let (lo, hi) = (*count.iter().min().unwrap(), *count.iter().max().unwrap());
        assert!(hi - lo <= 1, "n {n}: slots {count:?}");
        // Remove the last backend: slots of the others mostly keep their backend.
        let t2 = maglev::populate(&perms[..n as usize - 1], m);
        let kept = t.iter().zip(&t2).filter(|(a, b)| **a != n - 1 && a == b).count();
        let others = t.iter().filter(|&&a| a != n - 1).count();
        assert!(kept as f64 / others as f64 > 0.9, "n {n}: kept {kept} of {others}");
    }
    assert_eq!(maglev::prime_at_least(7), 7);
    assert_eq!(maglev::prime_at_least(8), 11);
    assert_eq!(maglev::prime_at_least(65_536), 65_537);
}

#[test]
fn modulo_moves_almost_everything() {
    let moved = (0..10_000u32).filter(|&k| modulo::bucket(hash::key_hash(k), 8) != modulo::bucket(hash::key_hash(k), 9)).count();
    assert!(moved > 8_500, "{moved}");
}

#[test]
fn rendezvous_moves_only_the_removed_nodes_keys_and_follows_weights() {
    let nodes: Vec<(u64, u32)> = (0..6).map(|i| (i + 10, 1)).collect();
    let fewer: Vec<(u64, u32)> = nodes.iter().copied().filter(|n| n.0 != 12).collect();
    let mut out = [0u32; 1];
    for k in 0..5_000u32 {
        let h = hash::key_hash(k);
        rendezvous::top(h, &nodes, 1, &mut out);
        let before = nodes[out[0] as usize].0;
        rendezvous::top(h, &fewer, 1, &mut out);
        let after = fewer[out[0] as usize].0;
        if before != 12 {
            assert_eq!(before, after, "key {k} moved though its node stayed");
        }
    }
    // Weights 1, 2, 3, 4: shares about 0.1, 0.2, 0.3, 0.4.
    let weighted: Vec<(u64, u32)> = (0..4).map(|i| (i + 1, i as u32 + 1)).collect();
    let mut count = [0u32; 4];
    for k in 0..40_000u32 {
        rendezvous::top(hash::key_hash(k), &weighted, 1, &mut out);
        count[out[0] as usize] += 1;
    }
    for (i, &c) in count.iter().enumerate() {
        let share = c as f64 / 40_000.0;
        let want = (i + 1) as f64 / 10.0;
        assert!((share - want).abs() < 0.02, "weight {}: share {share}", i + 1);
    }
    // Top-3 is three distinct nodes, best first.
    let mut three = [0u32; 3];
    assert_eq!(rendezvous::top(hash::key_hash(7), &nodes, 3, &mut three), 3);
    assert!(three[0] != three[1] && three[1] != three[2] && three[0] != three[2]);
}

#[test]
fn ring_adds_only_take_from_the_new_node_and_preference_lists_are_distinct() {
    let nodes: Vec<(u64, u32)> = (0..5).map(|i| (i, 1)).collect();
    let more: Vec<(u64, u32)> = (0..6).map(|i| (i, 1)).collect();
    let (a, b) = (ring::tokens(&nodes, 50, 0), ring::tokens(&more, 50, 0));
    assert_eq!(a.len(), 250);
    for k in 0..5_000u32 {
        let h = hash::key_hash(k);
        let (x, y) = (a[ring::successor(&a, h)].1, b[ring::successor(&b, h)].1);
        assert!(x == y || y == 5, "key {k} moved from {x} to {y}");
        let mut pref = [0u32; 3];
        assert_eq!(ring::preference(&b, h, &mut pref), 3);
        assert!(pref[0] != pref[1] && pref[1] != pref[2] && pref[0] != pref[2]);
        assert_eq!(pref[0], y);
    }
    // Weight 2 places twice the tokens.
    let w = ring::tokens(&[(1, 2), (2, 1)], 10, 0);
    assert_eq!(w.iter().filter(|t| t.1 == 0).count(), 20);
}

#[test]
fn ranges_split_merge_and_find() {
    let mut r = range::even(1_000, 4);
    assert_eq!(r, vec![(0, 0), (250, 1), (500, 2), (750, 3)]);
    assert_eq!(range::find(&r, 0), 0);
    assert_eq!(range::find(&r, 749), 2);
    assert_eq!(range::find(&r, u32::MAX), 3);
    assert!(range::split(&mut r, 900, 1));
    assert!(!range::split(&mut r, 900, 1));
    assert_eq!(range::find(&r, 950), 4);
    assert!(range::merge(&mut r, 900));
    assert!(!range::merge(&mut r, 0));
    assert_eq!(range::end(&r, 3), 1 << 32);
}

#[test]
fn tables_give_r_distinct_owners_for_every_strategy() {
    for s in [Strategy::Modulo, Strategy::Range, Strategy::Ring, Strategy::Jump, Strategy::Rendezvous, Strategy::Maglev] {
        for n in [1u32, 2, 5, 9] {
            for r in 1..=3u8 {
                let t = Table::build(1, s, (10..10 + n).collect(), vec![1; n as usize], r, 16, Vec::new(), 1_000, false);
                for k in 0..1_000 {
                    let o = t.owners(k);
                    assert_eq!(o.len as usize, (r as usize).min(n as usize), "{s:?} n {n} r {r} key {k}");
                    let ids = o.as_slice();
                    for i in 0..ids.len() {
                        assert!(!ids[..i].contains(&ids[i]));
                        assert!(t.members.contains(&ids[i]));
                    }
                    assert_eq!(o.primary(), t.primary(k));
                }
            }
        }
    }
}
