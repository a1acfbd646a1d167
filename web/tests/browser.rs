//! Browser tests (wasm-bindgen-test in headless Chromium):
//! `cargo test -p distlab-web --target wasm32-unknown-unknown`.
#![cfg(target_arch = "wasm32")]

mod common;

use distlab_core::scenario::Scenario;
use distlab_core::{share, Action, SEC};
use distlab_web::components::lab_page::{LabPage, LabPageProps};
use distlab_web::route::Route;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn determinism_same_hash_as_native() {
    assert_eq!(common::fixture_hash(), common::EXPECTED_HASH.trim(), "wasm trace hash differs from the native constant");
}

/// The model checker's fingerprints are the same in wasm32 as natively (the constants are
/// those of core/tests/explore_checker.rs, `fingerprints_are_stable`).
#[wasm_bindgen_test]
fn checker_fingerprints_same_as_native() {
    use distlab_core::explore::{fingerprint, root_world, Config, Explorer};
    use distlab_core::models::raft::Raft;
    use std::hash::Hash;
    let world = root_world(Raft { servers: 3, ..Raft::default() }, 1);
    assert_eq!(fingerprint::of_world(&world, true, 0), 0xa45f_ac31_fb4c_cd15, "raft-3 start state");
    assert_eq!(fingerprint::of_debug(&(1u32, "a", [2u64, 3])), 0xe512_b4e7_8b12_d0b7, "Debug text");
    let mut h = fingerprint::Hasher::default();
    (1usize, -2isize, "a", [2u64, 3], Some(4u32), vec![5u8; 3], u128::MAX - 6, -7i8).hash(&mut h);
    assert_eq!(h.finish(), 0xa549_99b2_b1ac_0094, "Hash through the stable hasher");
    let mut e = Explorer::new(Raft { servers: 3, ..Raft::default() }, Config { states_max: 3_000, ..Config::default() });
    e.run(3_000);
    let s = e.stats();
    assert_eq!((s.explored, s.distinct), (3008, 1944), "a short breadth-first search");
}

fn played_scenario() -> (Scenario, u64) {
    let mut lab = distlab_core::models::new_lab("raft", &[], 9, Vec::new()).unwrap();
    lab.run_until(SEC, u64::MAX);
    lab.act(Action::Crash(1)).unwrap();
    lab.run_until(SEC + SEC / 2, u64::MAX);
    lab.act(Action::Command { node: 2, name: "request".into(), arg: "k=v".into() }).unwrap();
    lab.act(Action::Partition(vec![vec![0, 1], vec![2, 3, 4]])).unwrap();
    lab.run_until(3 * SEC, u64::MAX);
    let mut s = Scenario::of_lab(lab.as_ref());
    s.run_for = Some(distlab_core::scenario::Dur(lab.now()));
    (s, lab.trace_hash())
}

#[wasm_bindgen_test]
fn share_link_round_trip_reproduces_the_run() {
    let (s, hash) = played_scenario();
    let payload = share::encode(&s);
    let back = share::decode(&payload).expect("own link decodes");
    let mut lab = back.build().expect("builds");
    lab.seek_time(back.run_for.unwrap().0);
    assert_eq!(lab.trace_hash(), hash);
}

#[wasm_bindgen_test]
fn tampered_and_truncated_links_are_clear_errors() {
    let (s, _) = played_scenario();
    let payload = share::encode(&s);
    let truncated = &payload[..payload.len() / 2];
    let e = share::decode(truncated).unwrap_err();
    assert!(e.0.contains("damaged"), "{}", e.0);
    let mut bytes: Vec<char> = payload.chars().collect();
    let mid = bytes.len() / 2;
    bytes[mid] = if bytes[mid] == 'A' { 'B' } else { 'A' };
    let tampered: String = bytes.into_iter().collect();
    assert!(share::decode(&tampered).is_err());
    assert!(share::decode("9.nope").unwrap_err().0.contains("version"));
    assert!(share::decode("1.!!!").is_err());
}

async fn mount(route: Route) -> web_sys::Element {
    let doc = web_sys::window().unwrap().document().unwrap();
    let root = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<LabPage>::with_root_and_props(root.clone(), LabPageProps { route }).render();
    yew::platform::time::sleep(std::time::Duration::from_millis(300)).await;
    root
}

#[wasm_bindgen_test]
async fn lab_page_shows_every_node() {
    let root = mount(Route::Lab { model: "raft".into(), share: None }).await;
    let nodes = root.query_selector_all("[data-testid^=node-]").unwrap();
    let expected = distlab_core::models::new_lab("raft", &[], 1, Vec::new()).unwrap().view().nodes.len();
    assert!(expected > 0);
    assert_eq!(nodes.length() as usize, expected);
    for id in ["play", "step", "step-back", "time", "event-log", "violations", "chart", "share", "partition-editor", "spacetime"] {
        assert!(root.query_selector(&format!("[data-testid={id}]")).unwrap().is_some(), "missing data-testid={id}");
    }
}

#[wasm_bindgen_test]
async fn tiers_lab_mounts() {
    let root = mount(Route::Lab { model: "balance".into(), share: None }).await;
    assert!(root.query_selector("[data-testid=node-0]").unwrap().is_some());
}

#[wasm_bindgen_test]
async fn bad_share_link_shows_a_message_and_a_usable_lab() {
    let root = mount(Route::Lab { model: "raft".into(), share: Some("1.this-is-not-a-link".into()) }).await;
    let notice = root.query_selector("[data-testid=notice]").unwrap().expect("a notice is shown");
    assert!(notice.text_content().unwrap_or_default().contains("damaged"));
    assert!(root.query_selector("[data-testid=node-0]").unwrap().is_some());
}

#[wasm_bindgen_test]
async fn good_share_link_opens_at_its_moment() {
    let (s, _) = played_scenario();
    let root = mount(Route::Lab { model: "raft".into(), share: Some(share::encode(&s)) }).await;
    assert!(root.query_selector("[data-testid=notice]").unwrap().is_none());
    let clock = root.query_selector("[data-testid=clock]").unwrap().unwrap().text_content().unwrap();
    assert!(clock.starts_with("3.000 s"), "{clock}");
}
