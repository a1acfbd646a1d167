//! Smoke checks of the load-balancing model through the generic `Lab` facade.

use distlab_core::models::new_lab;
use distlab_core::{Value, SEC};

fn lab(settings: &[(&str, Value)], seed: u64) -> Box<dyn distlab_core::Lab> {
    let settings: Vec<(String, Value)> = settings.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    new_lab("balance", &settings, seed, Vec::new()).expect("builds")
}

#[test]
fn runs_and_serves_requests_with_round_robin() {
    let mut l = lab(&[], 1);
    l.run_until(5 * SEC, u64::MAX);
    let completed = l.query("completed").unwrap();
    let issued = l.query("issued").unwrap();
    assert!(completed > 1_500.0, "completed {completed}");
    assert!(issued - completed < 50.0, "issued {issued} completed {completed}");
    assert!(l.violations().is_empty(), "{:?}", l.violations());
    let view = l.view();
    assert_eq!(view.nodes.len(), 1 + 1 + 6);
    assert_eq!(view.nodes[1].role, "balancer");
    assert!(l.query("p99_ms").unwrap() > 0.0);
    eprintln!("p50 {} p99 {} thr {} util {} imb {}", l.query("p50_ms").unwrap(), l.query("p99_ms").unwrap(), l.query("throughput").unwrap(), l.query("utilisation").unwrap(), l.query("imbalance").unwrap());
}

#[test]
fn the_catalogue_lists_balance() {
    assert!(distlab_core::models::catalog().iter().any(|m| m.name == "balance"));
}
