//! Scenario-level tests of the caching service through the `Lab` facade: every write policy's
//! stale reads and lost writes, stampedes with and without each cure, a node failure on the
//! ring, the teaching mutations caught.

use distlab_core::models::new_lab;
use distlab_core::{Action, Lab, TimedAction, Value, MS, SEC};

fn lab_with(settings: &[(&str, Value)], seed: u64, actions: Vec<TimedAction>) -> Box<dyn Lab> {
    // Short curves: these tests are about the service, caching_curves tests the curves.
    let mut settings: Vec<(String, Value)> = settings.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    if !settings.iter().any(|(k, _)| k == "curve_requests") {
        settings.push(("curve_requests".into(), Value::Num(1_000.0)));
    }
    new_lab("caching", &settings, seed, actions).expect("builds")
}

fn t(s: &str) -> Value {
    Value::Text(s.into())
}
fn n(x: f64) -> Value {
    Value::Num(x)
}

fn q(l: &dyn Lab, name: &str) -> f64 {
    l.query(name).unwrap_or_else(|| panic!("query {name}"))
}

fn report(l: &dyn Lab) -> String {
    ["reads", "hits", "hit_ratio", "failed", "stale_reads", "acked_writes", "lost_writes", "db_reads", "herd_peak", "evictions", "rejected_sets", "capacity_peak"]
        .iter()
        .map(|k| format!("{k}={:.3}", q(l, k)))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn default_lab_serves_and_hits() {
    let mut l = lab_with(&[], 1, Vec::new());
    l.run_until(10 * SEC, u64::MAX);
    eprintln!("{} events={}", report(l.as_ref()), l.events());
    assert!(q(l.as_ref(), "reads") > 4_000.0);
    assert!(q(l.as_ref(), "hit_ratio") > 0.2);
    assert!(l.violations().is_empty(), "{:?}", l.violations());
    assert!(q(l.as_ref(), "capacity_peak") <= 50.0);
    let v = l.view();
    assert_eq!(v.nodes.len(), 7);
    assert!(v.figures.iter().any(|f| f.key == "contents"));
}

fn run(settings: &[(&str, Value)], seed: u64, actions: Vec<TimedAction>, until: u64) -> Box<dyn Lab> {
    let mut l = lab_with(settings, seed, actions);
    l.run_until(until, u64::MAX);
    eprintln!("{settings:?}\n  {} events={} violations={}", report(l.as_ref()), l.events(), l.violations().len());
    l
}

fn at(ms: u64, action: Action) -> TimedAction {
    TimedAction { at: ms * MS, action }
}

#[test]
fn write_behind_loses_acknowledged_writes_in_a_crash_write_through_does_not() {
    let crash = || vec![at(1_500, Action::Crash(3)), at(2_500, Action::Restart(3))];
    let common = [("write_share", n(0.3)), ("flush_ms", n(2_000.0))];
    let wb = run(&[common[0].clone(), common[1].clone(), ("mode", t("write_behind"))], 3, crash(), 5 * SEC);
    assert!(q(wb.as_ref(), "lost_writes") >= 1.0);
    assert!(wb.violations().is_empty(), "{:?}", wb.violations());
    let wt = run(&[common[0].clone(), common[1].clone(), ("mode", t("write_through"))], 3, crash(), 5 * SEC);
    assert_eq!(q(wt.as_ref(), "lost_writes"), 0.0);
    assert_eq!(q(wt.as_ref(), "stale_reads"), 0.0);
    assert!(wt.violations().is_empty(), "{:?}", wt.violations());
    // Without a crash nothing is lost either way.
    let calm = run(&[common[0].clone(), common[1].clone(), ("mode", t("write_behind"))], 3, Vec::new(), 5 * SEC);
    assert_eq!(q(calm.as_ref(), "lost_writes"), 0.0);
}

#[test]
fn stale_reads_per_write_policy() {
    let hot = [("keys", n(20.0)), ("alpha", n(1.0)), ("write_share", n(0.2)), ("rate", n(1_000.0)), ("db_ms", n(5.0))];
    let mut stale = Vec::new();
    for mode in ["cache_aside", "read_through", "write_through", "write_behind", "write_around"] {
        let mut s = hot.to_vec();
        s.push(("mode", t(mode)));
        let l = run(&s, 5, Vec::new(), 5 * SEC);
        assert!(l.violations().is_empty(), "{mode}: {:?}", l.violations());
        stale.push((mode, q(l.as_ref(), "stale_reads")));
    }
    eprintln!("{stale:?}");
    let get = |m: &str| stale.iter().find(|x| x.0 == m).unwrap().1;
    assert!(get("write_around") > 10.0, "write-around never invalidates");
    assert!(get("cache_aside") >= 1.0, "the stale-set race happens");
    assert_eq!(get("write_through"), 0.0);
}

#[test]
fn leases_cure_the_stale_set_race() {
    let hot = [("keys", n(20.0)), ("alpha", n(1.0)), ("write_share", n(0.2)), ("rate", n(1_000.0)), ("db_ms", n(5.0)), ("mode", t("cache_aside"))];
    let mut s = hot.to_vec();
    s.push(("cure", t("leases")));
    let l = run(&s, 5, Vec::new(), 5 * SEC);
    assert_eq!(q(l.as_ref(), "stale_reads"), 0.0);
    assert!(q(l.as_ref(), "rejected_sets") >= 1.0, "a void lease refused a set");
}

/// The stampede setting: every key fits in the caches, a TTL of 2 s, a database that handles
/// 400 reads a second and a hot key asked for about 400 times a second.
pub const STAMPEDE: [(&str, &str); 8] = [("keys", "200"), ("capacity", "100"), ("rate", "2000"), ("alpha", "1.1"), ("ttl_ms", "2000"), ("db_ms", "20"), ("write_share", "0"), ("timeout_ms", "2000")];

fn stampede(mode: &str, cure: &str) -> (f64, f64) {
    let mut s: Vec<(&str, Value)> = STAMPEDE.iter().map(|(k, v)| (*k, n(v.parse().unwrap()))).collect();
    s.push(("mode", t(mode)));
    s.push(("cure", t(cure)));
    // The cold start is a stampede of its own; the herd measured here is the one at expiry.
    let mut l = lab_with(&s, 9, Vec::new());
    l.run_until(1_500 * MS, u64::MAX);
    let cold = q(l.as_ref(), "herd_peak");
    let before = l.samples().len();
    l.run_until(8 * SEC, u64::MAX);
    let herd_idx = l.metrics().iter().position(|m| m.name == "herd").unwrap();
    let later = l.samples().iter().skip(before).map(|s| s.1[herd_idx]).fold(0.0, f64::max);
    eprintln!("{mode}/{cure}: cold herd {cold}, herd after 1.5 s {later}; {}", report(l.as_ref()));
    assert!(l.violations().is_empty());
    assert!(q(l.as_ref(), "failed") < 50.0, "{mode}/{cure}: the database keeps up");
    (later, q(l.as_ref(), "db_reads"))
}

#[test]
fn stampede_at_expiry_and_each_cure() {
    let (none, _) = stampede("read_through", "none");
    assert!(none >= 5.0, "a hot key's expiry sends a herd to the database: {none}");
    for cure in ["single_flight", "leases"] {
        let (h, _) = stampede("read_through", cure);
        assert!(h <= 1.0, "{cure} coalesces: {h}");
    }
    let (x, _) = stampede("read_through", "xfetch");
    assert!(x * 2.0 <= none, "xfetch refreshes the hot keys before they expire: {x} vs {none}");
    let (ca, _) = stampede("cache_aside", "none");
    assert!(ca >= 5.0, "cache-aside herds too: {ca}");
    let (cal, _) = stampede("cache_aside", "leases");
    assert!(cal <= 1.0, "leases make the others wait: {cal}");
    let (cax, _) = stampede("cache_aside", "xfetch");
    assert!(cax < ca, "xfetch: {cax}");
}

#[test]
fn no_evict_mutation_breaks_capacity() {
    let l = run(&[("bug_no_evict", Value::Bool(true)), ("capacity", n(10.0))], 2, Vec::new(), 2 * SEC);
    assert!(l.violations().iter().any(|v| v.invariant == "Capacity"), "{:?}", l.violations().first());
}

/// Write-through on a hot key with reads in flight when writes land: a fetch a write overtook
/// must not be stored. The blind-fill mutation stores it and the checker catches the old read.
#[test]
fn blind_fill_mutation_breaks_read_your_writes() {
    let s = [("mode", t("write_through")), ("keys", n(10.0)), ("alpha", n(0.5)), ("capacity", n(1.0)), ("write_share", n(0.3)), ("rate", n(2_000.0)), ("db_ms", n(2.0))];
    let ok = run(&s, 4, Vec::new(), 3 * SEC);
    assert!(ok.violations().is_empty(), "{:?}", ok.violations().first());
    let mut bad = s.to_vec();
    bad.push(("bug_blind_fill", Value::Bool(true)));
    let l = run(&bad, 4, Vec::new(), 3 * SEC);
    assert!(l.violations().iter().any(|v| v.invariant.starts_with("Write-through")), "not caught");
}

#[test]
fn a_failed_node_sends_its_keys_to_the_database_then_they_warm_up() {
    let s = [("keys", n(300.0)), ("capacity", n(150.0)), ("rate", n(1_000.0)), ("write_share", n(0.0)), ("down_ms", n(60_000.0)), ("timeout_ms", n(200.0))];
    let mut l = lab_with(&s, 6, vec![at(4_000, Action::Crash(4))]);
    let idx = l.metrics().iter().position(|m| m.name == "db_reads").unwrap();
    l.run_until(4 * SEC, u64::MAX);
    let calm: f64 = l.samples().iter().rev().take(10).map(|s| s.1[idx]).sum::<f64>() / 10.0;
    l.run_until(5 * SEC, u64::MAX);
    let storm: f64 = l.samples().iter().rev().take(10).map(|s| s.1[idx]).fold(0.0, f64::max);
    l.run_until(12 * SEC, u64::MAX);
    let warm: f64 = l.samples().iter().rev().take(10).map(|s| s.1[idx]).sum::<f64>() / 10.0;
    eprintln!("db reads/s: calm {calm:.0}, after the crash {storm:.0}, warmed up {warm:.0}; {}", report(l.as_ref()));
    assert!(storm > 3.0 * calm.max(10.0), "the failed node's keys go cold");
    assert!(warm < storm / 2.0, "the survivors warm up");
    assert!(l.violations().is_empty());
}

#[test]
fn the_ring_figure_shows_every_cache_arc_and_the_keys_a_failed_node_hands_over() {
    use distlab_core::figure::FigureKind;
    let s = [("keys", n(300.0)), ("capacity", n(150.0)), ("rate", n(1_000.0)), ("write_share", n(0.0)), ("down_ms", n(60_000.0)), ("timeout_ms", n(200.0))];
    let mut l = lab_with(&s, 6, vec![at(4_000, Action::Crash(4))]);
    let ring = |l: &dyn Lab| match l.view().figures.into_iter().find(|f| f.key == "ring").expect("a ring figure").kind {
        FigureKind::Ring(r) => r,
        other => panic!("not a ring: {other:?}"),
    };
    l.run_until(4 * SEC - 1, u64::MAX);
    let before = ring(l.as_ref());
    // Three caches, 32 virtual nodes each; the arcs tile the circle.
    assert_eq!(before.arcs.len(), 96);
    let covered: f64 = before.arcs.iter().map(|a| if a.end > a.start { a.end - a.start } else { a.end + 1.0 - a.start }).sum();
    assert!((covered - 1.0).abs() < 1e-9, "{covered}");
    assert!(before.arcs.iter().all(|a| a.color != 7), "no cache is down yet");
    assert!(!before.marks.is_empty() && before.marks.iter().all(|m| !m.moving), "keys at home");
    l.run_until(6 * SEC, u64::MAX);
    let after = ring(l.as_ref());
    // K2 (node 4) is down: its 32 arcs are grey, and survivors hold keys whose home was K2.
    assert_eq!(after.arcs.iter().filter(|a| a.node == Some(4) && a.color == 7).count(), 32);
    let moved: Vec<_> = after.marks.iter().filter(|m| m.moving).collect();
    assert!(!moved.is_empty(), "keys taken over are marked");
    assert!(moved.iter().all(|m| m.label.contains("its home K2 is down")), "{:?}", moved.first());
    let caption = l.view().figures.into_iter().find(|f| f.key == "ring").unwrap().caption;
    assert!(caption.starts_with("K2 down"), "{caption}");
}

#[test]
fn switching_the_policy_moves_the_hit_ratio() {
    // One-off scans flush LRU; ARC keeps its frequent keys in T2.
    let s = [("workload", t("scan")), ("scan_share", n(0.5)), ("keys", n(200.0)), ("alpha", n(1.0)), ("capacity", n(30.0)), ("write_share", n(0.0))];
    let mut l = lab_with(&s, 8, vec![at(5_000, Action::Set("policy".into(), t("arc")))]);
    l.run_until(5 * SEC, u64::MAX);
    let (h0, r0) = (q(l.as_ref(), "hits"), q(l.as_ref(), "reads"));
    l.run_until(10 * SEC, u64::MAX);
    let lru = h0 / r0;
    let arc = (q(l.as_ref(), "hits") - h0) / (q(l.as_ref(), "reads") - r0);
    eprintln!("lru {lru:.3} arc {arc:.3}");
    assert!(arc > lru + 0.03, "lru {lru} arc {arc}");
    assert!(l.violations().is_empty());
}

#[test]
fn a_trace_command_is_validated_and_replayed() {
    let mut l = lab_with(&[("workload", t("trace"))], 1, Vec::new());
    let bad = l.act(Action::Command { node: 0, name: "trace".into(), arg: "1\n2\nx y\n3\n$\n".into() });
    let e = bad.unwrap_err();
    assert!(e.contains("line 3") && e.contains("line 5"), "{e}");
    l.act(Action::Command { node: 0, name: "trace".into(), arg: "1\n2\n3\n4\n1\n2\n5\n1\n2\n3\n4\n5\n".into() }).unwrap();
    l.run_until(3 * SEC, u64::MAX);
    assert!(l.violations().is_empty());
    assert!(l.view().nodes[0].badges.iter().any(|b| b.contains("trace of 12")));
}
