//! Compare mode, the canvas cluster view and partitions by dragging, in headless Chromium:
//! `cargo test -p distlab-web --target wasm32-unknown-unknown`.
#![cfg(target_arch = "wasm32")]

use distlab_core::{Action, Value, SEC};
use distlab_web::components::compare::{CompareSpec, CompareState, ComparePage, ComparePageProps};
use distlab_web::components::partition_drag::{drop_action, key_action, Target};
use distlab_web::state::{Frame, LabAction, LAB_BUDGET_MS};
use std::rc::Rc;
use wasm_bindgen_test::*;
use yew::Reducible;

wasm_bindgen_test_configure!(run_in_browser);

fn balance_spec() -> CompareSpec {
    CompareSpec::parse("balance", Some("a=algorithm=round_robin&b=algorithm=least_connections&set=speeds=mixed&set=rate=1500&seed=7")).expect("parses")
}

fn play(st: Rc<CompareState>, frames: usize) -> Rc<CompareState> {
    let st = st.reduce(LabAction::Speed(1.0)).reduce(LabAction::TogglePlay);
    (0..frames).fold(st, |s, _| s.reduce(LabAction::Tick(Frame::fixed(16.7, LAB_BUDGET_MS))))
}

#[wasm_bindgen_test]
fn spec_parses_and_round_trips() {
    let s = balance_spec();
    assert_eq!(s.seed, 7);
    assert_eq!(s.a, vec![("algorithm".to_string(), Value::Text("round_robin".into()))]);
    assert_eq!(s.b, vec![("algorithm".to_string(), Value::Text("least_connections".into()))]);
    assert_eq!(s.shared.len(), 2);
    assert_eq!(CompareSpec::parse("balance", Some(&s.to_query())).unwrap(), s);
    // Defaults: the preferred pair for a model that has it, the first switch otherwise.
    let d = CompareSpec::default_for("balance").unwrap();
    assert_eq!(d.describe(false), "algorithm = round_robin");
    assert_eq!(d.describe(true), "algorithm = least_connections");
    let r = CompareSpec::default_for("raft").unwrap();
    assert!(!r.a.is_empty() && r.a[0].0 == r.b[0].0 && r.a[0].1 != r.b[0].1);
    // Bad input is an error, not a panic.
    assert!(CompareSpec::parse("balance", Some("a=nope=1")).is_err());
    assert!(CompareSpec::parse("balance", Some("a=servers=1000")).is_err());
    assert!(CompareSpec::parse("balance", Some("a=algorithm")).is_err());
}

#[wasm_bindgen_test]
fn both_runs_share_the_seed_and_stay_in_lockstep() {
    let st = play(Rc::new(CompareState::new(balance_spec().build().unwrap())), 60);
    let (a, b) = (st.runs[0].lab.borrow(), st.runs[1].lab.borrow());
    assert_eq!(a.seed(), 7);
    assert_eq!(b.seed(), 7);
    assert!(a.now() > SEC / 2, "virtual time moved: {}", a.now());
    assert_eq!(a.now(), b.now(), "the two runs are at the same virtual time");
    // Same setting on both sides: identical runs (same seed, same workload).
    let same = CompareSpec::parse("balance", Some("a=algorithm=p2c&b=algorithm=p2c")).unwrap();
    let st2 = play(Rc::new(CompareState::new(same.build().unwrap())), 40);
    assert_eq!(st2.runs[0].lab.borrow().trace_hash(), st2.runs[1].lab.borrow().trace_hash());
}

#[wasm_bindgen_test]
fn a_different_setting_gives_a_different_run() {
    let st = play(Rc::new(CompareState::new(balance_spec().build().unwrap())), 40);
    let (a, b) = (st.runs[0].lab.borrow(), st.runs[1].lab.borrow());
    assert_ne!(a.trace_hash(), b.trace_hash());
}

#[wasm_bindgen_test]
fn an_action_reaches_both_runs() {
    let st = play(Rc::new(CompareState::new(balance_spec().build().unwrap())), 20);
    let st = st.reduce(LabAction::Act(Action::Crash(3)));
    for r in &st.runs {
        let lab = r.lab.borrow();
        assert_eq!(lab.actions().len(), 1);
        assert_eq!(lab.actions()[0].action, Action::Crash(3));
        assert_eq!(lab.view().nodes[3].status, distlab_core::NodeStatus::Crashed);
    }
    assert_eq!(st.runs[0].lab.borrow().actions()[0].at, st.runs[1].lab.borrow().actions()[0].at, "applied at the same moment");
    // A partition built by dragging goes to both too.
    let view = st.views[0].clone();
    let part = drop_action(&view, 0, Target::Node(1)).expect("a partition");
    let st = st.reduce(LabAction::Act(part.clone()));
    for r in &st.runs {
        assert_eq!(r.lab.borrow().actions().last().unwrap().action, part);
    }
    // Reset returns both to the start, still with the same seed.
    let st = st.reduce(LabAction::Reset);
    assert_eq!(st.runs[0].lab.borrow().now(), 0);
    assert!(st.runs[1].lab.borrow().actions().is_empty());
}

#[wasm_bindgen_test]
fn step_keeps_the_runs_together() {
    let mut st = Rc::new(CompareState::new(balance_spec().build().unwrap()));
    for _ in 0..50 {
        st = st.reduce(LabAction::Step);
    }
    assert_eq!(st.runs[0].lab.borrow().now(), st.runs[1].lab.borrow().now());
    let t = st.now();
    st = st.reduce(LabAction::SeekTime(t / 2));
    assert_eq!(st.runs[0].lab.borrow().now(), t / 2);
    assert_eq!(st.runs[1].lab.borrow().now(), t / 2);
}

#[wasm_bindgen_test]
fn partition_rules() {
    let lab = distlab_core::models::new_lab("raft", &[], 1, Vec::new()).unwrap();
    let v = lab.view();
    // Whole network: dropping S0 on S1 splits {S0, S1} off.
    assert_eq!(drop_action(&v, 0, Target::Node(1)), Some(Action::Partition(vec![vec![2, 3, 4], vec![0, 1]])));
    assert_eq!(drop_action(&v, 0, Target::Heal), None);
    assert_eq!(key_action(&v, 2, "b"), Some(Some(Action::Partition(vec![vec![0, 1, 3, 4], vec![2]]))));
    assert_eq!(key_action(&v, 2, "x"), None);
}

async fn mount(model: &str, query: Option<&str>) -> web_sys::Element {
    let doc = web_sys::window().unwrap().document().unwrap();
    let root = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&root).unwrap();
    let props = ComparePageProps { model: model.into(), query: query.map(str::to_string) };
    yew::Renderer::<ComparePage>::with_root_and_props(root.clone(), props).render();
    yew::platform::time::sleep(std::time::Duration::from_millis(400)).await;
    root
}

#[wasm_bindgen_test]
async fn compare_page_shows_both_runs() {
    let root = mount("balance", Some("a=algorithm=round_robin&b=algorithm=least_connections")).await;
    for id in ["compare", "compare-run-a", "compare-run-b", "compare-chart", "compare-table", "compare-metric", "compare-param", "compare-a", "compare-b", "compare-apply", "play", "speed"] {
        assert!(root.query_selector(&format!("[data-testid={id}]")).unwrap().is_some(), "missing data-testid={id}");
    }
    let a = root.query_selector("[data-testid=compare-run-a]").unwrap().unwrap();
    let b = root.query_selector("[data-testid=compare-run-b]").unwrap().unwrap();
    assert_eq!(a.get_attribute("data-seed"), b.get_attribute("data-seed"));
    assert!(root.query_selector("[data-testid=compare-row-p99_ms]").unwrap().is_some());
    let bad = mount("balance", Some("a=nope=1")).await;
    assert!(bad.query_selector("[data-testid=notice]").unwrap().is_some());
}

#[wasm_bindgen_test]
async fn dense_labs_draw_on_a_canvas_with_an_accessible_node_list() {
    use distlab_web::components::lab_page::{LabPage, LabPageProps};
    use distlab_web::route::Route;
    let s = distlab_core::scenario::Scenario::parse(r#"{"model":"balance","seed":1,"config":{"servers":60}}"#).unwrap();
    let doc = web_sys::window().unwrap().document().unwrap();
    let root = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&root).unwrap();
    let route = Route::Lab { model: "balance".into(), share: Some(distlab_core::share::encode(&s)) };
    yew::Renderer::<LabPage>::with_root_and_props(root.clone(), LabPageProps { route }).render();
    yew::platform::time::sleep(std::time::Duration::from_millis(400)).await;
    let cluster = root.query_selector("[data-testid=cluster]").unwrap().unwrap();
    assert_eq!(cluster.get_attribute("data-renderer").as_deref(), Some("canvas"));
    let node = root.query_selector("button[data-testid=node-5]").unwrap().expect("node 5 is a button in the list");
    assert!(node.get_attribute("aria-label").unwrap_or_default().contains("S"));
}
