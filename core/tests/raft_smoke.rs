use distlab_core::models::new_lab;
use distlab_core::{Action, MS};

#[test]
fn elects_a_leader_and_commits() {
    let mut lab = new_lab("raft", &[], 1, vec![]).unwrap();
    lab.run_until(1000 * MS, u64::MAX);
    assert_eq!(lab.query("leaders"), Some(1.0));
    let leader = lab.query("leader").unwrap() as u32;
    lab.act(Action::Command { node: (leader + 1) % 5, name: "request".into(), arg: "x=1".into() }).unwrap();
    lab.run_until(1500 * MS, u64::MAX);
    assert_eq!(lab.query("acked"), Some(1.0));
    assert!(lab.violations().is_empty(), "{:?}", lab.violations());
    for l in lab.trace().iter().filter(|e| e.important) { println!("{} {}", e_time(l.time), l.text); }
}
fn e_time(t: u64) -> String { format!("{:.1}ms", t as f64 / 1000.0) }
