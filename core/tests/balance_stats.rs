//! Statistical checks over many seeds, with the tolerances stated next to each assertion.
//! Run in `--profile fast`; each check simulates a few hundred thousand requests.

use distlab_core::models::balance::{Algorithm, BalanceModel, CostDist, Speeds};
use distlab_core::world::{NullSink, World};
use distlab_core::{Lab, Sim, SEC};

fn run(model: BalanceModel, seed: u64, secs: u64) -> World<BalanceModel> {
    let mut w = World::new(model, seed);
    w.tracing = false;
    w.run_until(secs * SEC, &[], u64::MAX, &mut NullSink);
    w
}

/// Balls into bins, live: 50 servers with one worker each at 90 % utilisation. With one random
/// choice the busiest server's backlog grows like log n / log log n; with the better of two it
/// grows like log log n. We ask for a markedly lower mean of the per-sample maximum backlog:
/// at most 60 % of random's in aggregate, and lower in every one of 20 seeds.
#[test]
fn two_choices_beat_one_random_choice_on_max_load() {
    let base = BalanceModel { servers: 50, concurrency: 1, queue: 1_000, cost: CostDist::Exponential, cost_ms: 10.0, static_share: 0.0, rate: 4_500.0, health_checks: false, ..BalanceModel::default() };
    let (mut random_sum, mut p2c_sum) = (0.0, 0.0);
    for seed in 0..20 {
        let random = run(BalanceModel { algorithm: Algorithm::Random, ..base.clone() }, seed, 6).query("mean_max_held").unwrap();
        let p2c = run(BalanceModel { algorithm: Algorithm::PowerOfTwo, ..base.clone() }, seed, 6).query("mean_max_held").unwrap();
        assert!(p2c < random, "seed {seed}: p2c {p2c} vs random {random}");
        random_sum += random;
        p2c_sum += p2c;
    }
    eprintln!("mean max backlog: random {:.1}, p2c {:.1}", random_sum / 20.0, p2c_sum / 20.0);
    assert!(p2c_sum < 0.6 * random_sum, "p2c {p2c_sum} vs random {random_sum}");
}

/// Heterogeneous speeds (0.25× to 2×, mean 1) at about 70 % of total capacity: round robin
/// gives the 0.25× server an equal share, which it cannot serve, so its queue fills and p99
/// explodes; least connections sends it only what it can take. Over 10 seeds we require least
/// connections' p99 (largest over the run) to be lower in every seed and below half of round
/// robin's on average.
#[test]
fn least_connections_beats_round_robin_on_p99_with_uneven_servers() {
    let base = BalanceModel { servers: 8, concurrency: 2, queue: 100, speeds: Speeds::Mixed, cost_ms: 10.0, static_share: 0.0, rate: 1_100.0, health_checks: false, ..BalanceModel::default() };
    let (mut rr_sum, mut lc_sum) = (0.0, 0.0);
    for seed in 0..10 {
        let rr = run(BalanceModel { algorithm: Algorithm::RoundRobin, ..base.clone() }, seed, 8);
        let lc = run(BalanceModel { algorithm: Algorithm::LeastConnections, ..base.clone() }, seed, 8);
        let (rr99, lc99) = (rr.query("max_p99_ms").unwrap(), lc.query("max_p99_ms").unwrap());
        assert!(lc99 < rr99, "seed {seed}: lc {lc99} vs rr {rr99}");
        rr_sum += rr99;
        lc_sum += lc99;
    }
    eprintln!("mean max p99: round robin {:.0} ms, least connections {:.0} ms", rr_sum / 10.0, lc_sum / 10.0);
    assert!(lc_sum < 0.5 * rr_sum);
}

/// Peak EWMA notices a server that is slow but not busy. One server fails slowly (×10) and
/// p99 under peak EWMA stays well below round robin's (less than half, summed over 5 seeds).
#[test]
fn peak_ewma_avoids_a_slow_server() {
    use distlab_core::{Action, TimedAction};
    let base = BalanceModel { servers: 6, concurrency: 4, rate: 800.0, cost_ms: 10.0, health_checks: false, ..BalanceModel::default() };
    let slow = vec![TimedAction { at: SEC, action: Action::Slow(base.first_server(), 10) }];
    let (mut rr_sum, mut ewma_sum) = (0.0, 0.0);
    for seed in 0..5 {
        let mut rr = Sim::new(BalanceModel { algorithm: Algorithm::RoundRobin, ..base.clone() }, seed, slow.clone());
        rr.run_until(6 * SEC, u64::MAX);
        let mut ew = Sim::new(BalanceModel { algorithm: Algorithm::PeakEwma, ..base.clone() }, seed, slow.clone());
        ew.run_until(6 * SEC, u64::MAX);
        rr_sum += rr.query("p99_ms").unwrap();
        ewma_sum += ew.query("p99_ms").unwrap();
    }
    eprintln!("p99 with a slow server: round robin {:.0} ms, peak EWMA {:.0} ms", rr_sum / 5.0, ewma_sum / 5.0);
    assert!(ewma_sum < 0.5 * rr_sum);
}

/// The same seed and script give the same trace hash; another seed gives another.
#[test]
fn determinism() {
    use distlab_core::{Action, TimedAction};
    let model = BalanceModel { servers: 5, algorithm: Algorithm::PowerOfTwo, cost: CostDist::Pareto, outlier: true, ..BalanceModel::default() };
    let first = model.first_server();
    let script = vec![
        TimedAction { at: SEC, action: Action::Crash(first + 1) },
        TimedAction { at: SEC, action: Action::Slow(first + 2, 8) },
        TimedAction { at: 2 * SEC, action: Action::Set("algorithm".into(), distlab_core::Value::Text("peak_ewma".into())) },
        TimedAction { at: 2 * SEC, action: Action::AddNode },
        TimedAction { at: 3 * SEC, action: Action::Restart(first + 1) },
    ];
    let hash = |seed| {
        let mut sim = Sim::new(model.clone(), seed, script.clone());
        sim.run_until(5 * SEC, u64::MAX);
        assert!(sim.violations().is_empty(), "{:?}", sim.violations());
        (sim.trace_hash(), sim.query("completed").unwrap())
    };
    let a = hash(11);
    assert_eq!(a, hash(11));
    assert_ne!(a.0, hash(12).0);
}
