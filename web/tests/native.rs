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
