use distlab_core::models::new_lab;
use distlab_core::{Value, SEC};
use std::collections::BTreeMap;
fn main() {
    let settings: Vec<(String, Value)> = [("servers", 5.0), ("load_rps", 100.0)].iter().map(|(k, v)| (k.to_string(), Value::Num(*v))).collect();
    let mut lab = new_lab("raft", &settings, 1, vec![]).unwrap();
    lab.run_until(10 * SEC, u64::MAX);
    let e0 = lab.events();
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let mut last = lab.trace().back().map(|e| e.event).unwrap_or(0);
    for _ in 0..100 { lab.run_until(lab.now() + 10_000, u64::MAX);
      for e in lab.trace().iter().filter(|e| e.event > last) { *counts.entry(format!("{:?} {}", e.kind, e.label)).or_default() += 1; }
      last = lab.trace().back().map(|e| e.event).unwrap_or(0);
    }
    println!("events in 1 s: {}", lab.events() - e0);
    for (k, v) in counts { println!("{v:6} {k}"); }
}
