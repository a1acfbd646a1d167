//! Native half of the determinism check: the fixture's trace hash on this machine equals the
//! constant that the browser test (tests/browser.rs) also asserts in wasm32.
#![cfg(not(target_arch = "wasm32"))]

mod common;

#[test]
fn fixture_trace_hash_matches_native() {
    let got = common::fixture_hash();
    println!("determinism fixture trace hash: {got}");
    assert_eq!(got, common::EXPECTED_HASH.trim(), "native trace hash changed; see fixtures/determinism.json");
}

#[test]
fn fixture_hash_matches_the_scenario_runner() {
    let s = distlab_core::scenario::Scenario::parse(common::FIXTURE).unwrap();
    let report = distlab_core::scenario::run(&s).unwrap();
    assert_eq!(format!("{:016x}", report.trace_hash), common::EXPECTED_HASH.trim());
}

/// Prints share links for screenshots: `cargo test -p distlab-web --test native -- --ignored --nocapture`.
#[test]
#[ignore]
fn print_share_links() {
    use distlab_core::{models::new_lab, share, Action, MS, SEC};
    let mut lab = new_lab("raft", &[], 3, Vec::new()).unwrap();
    lab.run_until(SEC, u64::MAX);
    for i in 0..3 {
        lab.act(Action::Command { node: i, name: "request".into(), arg: format!("k{i}={i}") }).unwrap();
        lab.run_until(lab.now() + 30 * MS, u64::MAX);
    }
    lab.act(Action::Crash(4)).unwrap();
    lab.act(Action::Partition(vec![vec![0, 1], vec![2, 3, 4]])).unwrap();
    lab.run_until(lab.now() + 700 * MS + 3 * MS, u64::MAX);
    let mut s = distlab_core::scenario::Scenario::of_lab(lab.as_ref());
    s.run_for = Some(distlab_core::scenario::Dur(lab.now()));
    println!("RAFT #/lab/raft?s={}", share::encode(&s));
    let mut lab = new_lab("balance", &[], 3, Vec::new()).unwrap();
    lab.run_until(2 * SEC, u64::MAX);
    lab.act(Action::Slow(3, 8)).unwrap();
    lab.run_until(4 * SEC + 7 * MS, u64::MAX);
    let mut s = distlab_core::scenario::Scenario::of_lab(lab.as_ref());
    s.run_for = Some(distlab_core::scenario::Dur(lab.now()));
    println!("BALANCE #/lab/balance?s={}", share::encode(&s));
}
