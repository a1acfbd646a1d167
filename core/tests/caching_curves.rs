//! Properties of the policies on generated workloads: OPT is never beaten, ARC adapts between
//! recency and frequency, capacity always holds; and the incremental curve job agrees with a
//! direct computation.

use distlab_core::models::caching::curves::{sizes, CurveJob, CURVES, SIZES};
use distlab_core::models::caching::policy::{self, access, arc::Arc, opt, AnyPolicy, Kind, Policy, KINDS};
use distlab_core::models::caching::workload::{Gen, Shape, Spec};
use distlab_core::Rng;

fn trace(shape: Shape, keys: u32, alpha: f64, n: usize, seed: u64) -> Vec<u32> {
    let mut g = Gen::new(Spec { shape, keys, alpha, scan_share: 0.5 }, None);
    let mut r = Rng::stream(seed, 3);
    (0..n).map(|_| g.next(&mut r)).collect()
}

/// Belady's bound: on any trace and any size, no online policy has fewer misses than OPT.
#[test]
fn opt_is_never_beaten() {
    let mut r = Rng::stream(77, 1);
    for case in 0..300u64 {
        let keys = 2 + r.below(30);
        let n = 10 + r.below(300) as usize;
        let t: Vec<u32> = (0..n).map(|_| r.below(keys)).collect();
        for cap in 1..=keys.min(12) {
            let best = opt::opt_misses(&t, cap);
            for k in KINDS {
                let m = policy::misses(k, &t, cap, &mut Rng::stream(case, 2));
                assert!(m >= best, "case {case}: {} misses {m} < OPT {best} with {cap} keys on {t:?}", k.label());
            }
        }
    }
    for shape in [Shape::Zipf, Shape::Scan, Shape::Loop, Shape::Uniform] {
        let t = trace(shape, 300, 1.0, 5_000, 9);
        for cap in [3, 30, 100] {
            let best = opt::opt_misses(&t, cap);
            for k in KINDS {
                assert!(policy::misses(k, &t, cap, &mut Rng::stream(1, 1)) >= best, "{shape:?} {}", k.label());
            }
        }
    }
}

/// Every policy stays within its capacity, and `len` and `contains` agree, under random
/// accesses and invalidations.
#[test]
fn capacity_holds_under_accesses_and_removals() {
    let mut r = Rng::stream(5, 5);
    for k in KINDS {
        for cap in [0, 1, 2, 7, 50] {
            let mut p = AnyPolicy::new(k, cap);
            let mut rng = Rng::stream(cap as u64, 9);
            let mut resident = std::collections::BTreeSet::new();
            for _ in 0..3_000 {
                let key = r.below(120);
                if r.chance(0.1) {
                    assert_eq!(p.remove(key), resident.remove(&key), "{} remove", k.label());
                    continue;
                }
                if p.touch(key) {
                    assert!(resident.contains(&key));
                } else {
                    assert!(!resident.contains(&key), "{} touch missed a resident", k.label());
                    if let Some(v) = p.insert(key, &mut rng) {
                        if v != key {
                            assert!(resident.remove(&v), "{} evicted a non-resident", k.label());
                            resident.insert(key);
                        }
                    } else {
                        resident.insert(key);
                    }
                }
                assert!(p.len() <= cap, "{} over capacity", k.label());
                assert_eq!(p.len() as usize, resident.len(), "{} len", k.label());
            }
            for key in 0..120 {
                assert_eq!(p.contains(key), resident.contains(&key), "{} contains {key}", k.label());
            }
        }
    }
}

/// ARC adapts: a frequent set under scans keeps its target for T1 low (the frequent keys
/// live in T2, and misses that hit the ghost list B2 push p down); then keys that are reused
/// once, soon, hit the ghost list B1 and push p up; then the frequent set pulls it down again.
/// In each phase it does about as well as the better of LRU and LFU.
#[test]
fn arc_adapts_between_recency_and_frequency() {
    let c = 100;
    let freq = trace(Shape::Scan, 400, 1.0, 40_000, 4);
    // Recency: every key is asked for twice, 60 distinct keys apart, then never again.
    let mut recency = Vec::new();
    for i in 0..20_000u32 {
        recency.push(5_000_000 + i);
        if i >= 60 {
            recency.push(5_000_000 + i - 60);
        }
    }
    let mut arc = Arc::new(c);
    let mut rng = Rng::stream(1, 1);
    let mut phase = |arc: &mut Arc, t: &[u32]| {
        for &k in t {
            access(arc, k, &mut rng);
        }
        arc.target()
    };
    let p1 = phase(&mut arc, &freq);
    let p2 = phase(&mut arc, &recency);
    let p3 = phase(&mut arc, &freq);
    eprintln!("ARC target p: {p1} after frequency, {p2} after recency, {p3} after frequency again");
    assert!(p1 < c / 4, "p {p1}");
    assert!(p2 > c / 2, "p {p2}");
    assert!(p3 < p2 / 2, "p {p3}");
    for t in [&recency, &freq] {
        let m = |k| policy::misses(k, t, c, &mut Rng::stream(1, 1)) as f64;
        let (arc, lru, lfu) = (m(Kind::Arc), m(Kind::Lru), m(Kind::Lfu));
        eprintln!("misses ARC {arc} LRU {lru} LFU {lfu}");
        assert!(arc <= lru.min(lfu) * 1.1, "ARC {arc} vs LRU {lru} LFU {lfu}");
    }
}

/// The incremental job, stepped in small slices, gives exactly the direct computation.
#[test]
fn curve_job_matches_direct_computation() {
    let spec = Spec { shape: Shape::Zipf, keys: 500, alpha: 0.8, scan_share: 0.0 };
    let mut job = CurveJob::new(1, Gen::new(spec, None), Rng::stream(3, 3), 5_000);
    let mut steps = 0;
    while !job.step(1_000) {
        steps += 1;
        assert!(steps < 100_000);
    }
    assert!(job.opt_bounds_all());
    let t = trace_from(spec, 5_000);
    let sz = sizes(500);
    assert_eq!(job.sizes(), sz);
    let opt = distlab_core::models::caching::curves::opt_curve(&t, &sz);
    for s in 0..SIZES {
        assert!((job.ratio(CURVES - 1, s) - opt[s] as f64 / 5_000.0).abs() < 1e-12);
        for (c, k) in KINDS.iter().enumerate() {
            if *k == Kind::Random {
                continue;
            }
            let misses = policy::misses(*k, &t, sz[s], &mut Rng::stream(0, 0));
            assert!((job.ratio(c, s) - (5_000 - misses) as f64 / 5_000.0).abs() < 1e-12, "{} size {}", k.label(), sz[s]);
        }
    }
}

fn trace_from(spec: Spec, n: usize) -> Vec<u32> {
    let mut g = Gen::new(spec, None);
    let mut r = Rng::stream(3, 3);
    (0..n).map(|_| g.next(&mut r)).collect()
}

#[test]
fn trace_parsing_errors_name_the_lines() {
    use distlab_core::models::caching::workload::parse_trace;
    assert_eq!(parse_trace("1\n2\n\n# comment\nuser:42\n1\nuser:42\n").unwrap().len(), 5);
    let e = parse_trace("1\nfoo bar\n3\n€\n").unwrap_err();
    assert!(e.contains("line 2") && e.contains("line 4"), "{e}");
    assert!(parse_trace("").unwrap_err().contains("empty"));
    assert!(parse_trace(&"7\n".repeat(100_001)).unwrap_err().contains("limit"));
    assert!(parse_trace(&"x".repeat(2_000_000)).unwrap_err().contains("bytes"));
    assert!(parse_trace("99999999999\n").unwrap_err().contains("below"));
}

#[test]
fn zipf_sampler_has_the_right_shape() {
    let spec = Spec { shape: Shape::Zipf, keys: 100, alpha: 1.0, scan_share: 0.0 };
    let t = trace_from(spec, 100_000);
    let count = |k| t.iter().filter(|&&x| x == k).count() as f64;
    // P(rank 1) = 1 / H(100) ≈ 0.193; rank 2 half of that.
    assert!((count(0) / 1e5 - 0.193).abs() < 0.01, "{}", count(0) / 1e5);
    assert!((count(0) / count(1) - 2.0).abs() < 0.15);
    assert!(t.iter().all(|&k| k < 100));
}

/// The claims the lesson and the challenges rest on: on Zipf traffic the admission filter of
/// W-TinyLFU beats LRU; on fresh keys reused soon it refuses exactly the keys that would hit,
/// and LRU wins; random beats LRU on a loop larger than the cache; ARC beats LRU under scans.
#[test]
fn which_workload_favours_which_policy() {
    let auc_of = |shape: Shape| {
        let spec = Spec { shape, keys: 200, alpha: 1.2, scan_share: 0.3 };
        let mut job = CurveJob::new(1, Gen::new(spec, None), Rng::stream(1, 0xC0FFEE), 20_000);
        while !job.step(100_000) {}
        let auc: Vec<f64> = (0..CURVES).map(|c| (0..SIZES).map(|s| job.ratio(c, s)).sum::<f64>() / SIZES as f64).collect();
        let line: Vec<String> = (0..CURVES).map(|c| format!("{} {:.3}", CurveJob::label(c), auc[c])).collect();
        eprintln!("{shape:?}: {}", line.join(", "));
        move |k: Kind| auc[CurveJob::index(k)]
    };
    let zipf = auc_of(Shape::Zipf);
    assert!(zipf(Kind::TinyLfu) > zipf(Kind::Lru) + 0.05);
    let recency = auc_of(Shape::Recency);
    assert!(recency(Kind::Lru) > recency(Kind::TinyLfu) + 0.05);
    let looped = auc_of(Shape::Loop);
    assert!(looped(Kind::Random) > looped(Kind::Lru) + 0.05);
    let scan = auc_of(Shape::Scan);
    assert!(scan(Kind::Arc) > scan(Kind::Lru) + 0.05);
}

/// What a figure shows moves in checkpoints (so it is not redrawn every slice), and ends equal
/// to the full result.
#[test]
fn shown_curves_move_in_checkpoints() {
    use distlab_core::models::caching::curves::CHECKPOINTS;
    let spec = Spec { shape: Shape::Zipf, keys: 300, alpha: 0.9, scan_share: 0.0 };
    let mut job = CurveJob::new(1, Gen::new(spec, None), Rng::stream(3, 3), 4_000);
    let mut seen = std::collections::BTreeSet::new();
    while !job.step(500) {
        seen.insert(job.shown_requests());
    }
    seen.insert(job.shown_requests());
    assert!(seen.len() as u32 <= CHECKPOINTS + 1, "{} distinct shown states", seen.len());
    assert!(seen.iter().all(|n| n % (4_000 / CHECKPOINTS) == 0), "{seen:?}");
    for c in 0..CURVES {
        for s in 0..SIZES {
            assert_eq!(job.shown_ratio(c, s), job.ratio(c, s));
        }
    }
}

/// In a run, the curves are paid for a slice per event, yet finish about when a whole grant per
/// metric sample would have finished them.
#[test]
fn a_run_finishes_its_curves_on_schedule() {
    use distlab_core::models::caching::invariants::CURVE_BUDGET;
    use distlab_core::{Value, MS};
    let requests = 20_000u64;
    let settings = vec![("curve_requests".to_string(), Value::Num(requests as f64))];
    let mut lab = distlab_core::models::new_lab("caching", &settings, 1, Vec::new()).unwrap();
    // Draw, next-use and simulate phases: about 2 + 72 operations per request.
    let ops = requests * (2 + (CURVES * SIZES) as u64);
    let due = (ops / CURVE_BUDGET as u64 + 3) * 100 * MS;
    while lab.query("curve_done") != Some(1.0) {
        assert!(lab.now() <= due, "curves not done by {} ms", due / MS);
        lab.run_until(lab.now() + 100 * MS, u64::MAX);
    }
}

/// A model-checker search runs without the curves (chart work no invariant reads, which made
/// every explored state replay the workload), while the lab computes them as before.
#[test]
fn the_checker_leaves_the_curves_out() {
    use distlab_core::explore::root_world;
    use distlab_core::model::Model;
    use distlab_core::models::caching::CachingModel;
    use distlab_core::world::NullSink;
    use distlab_core::MS;

    let mut lab = distlab_core::world::World::new(CachingModel::default(), 1);
    lab.run_until(500 * MS, &[], 100_000, &mut NullSink);
    assert!(lab.ghost().curves.is_some(), "the lab computes the curves");

    let mut explored = CachingModel::default();
    explored.exploring();
    assert!(explored.no_curves);
    let root = root_world(CachingModel::default(), 1);
    assert!(root.model.no_curves, "root_world hands the model to Model::exploring");
    let mut w = root.clone();
    w.run_until(500 * MS, &[], 100_000, &mut NullSink);
    assert!(w.ghost().curves.is_none(), "a search's world has no curve job");
}
