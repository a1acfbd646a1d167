//! Simulation speed of the load-balancing model at its largest advertised size: 100 servers
//! and 10,000 requests per virtual second. Prints the figures; asserts only a generous floor
//! (the point is "much faster than real time", measured in `--profile fast`).

use distlab_core::models::balance::{Algorithm, BalanceModel};
use distlab_core::world::{NullSink, World};
use distlab_core::{Lab, Sim, SEC};
use std::time::Instant;

fn big(algorithm: Algorithm) -> BalanceModel {
    BalanceModel { servers: 100, rate: 10_000.0, cost_ms: 8.0, concurrency: 1, algorithm, ..BalanceModel::default() }
}

#[test]
fn hundred_servers_ten_thousand_requests_per_second() {
    let virtual_s = 10;
    for algorithm in [Algorithm::RoundRobin, Algorithm::LeastConnections, Algorithm::ConsistentHash, Algorithm::PeakEwma, Algorithm::WeightedRoundRobin] {
        let mut w = World::new(big(algorithm), 1);
        w.tracing = false;
        let start = Instant::now();
        w.run_until(virtual_s * SEC, &[], u64::MAX, &mut NullSink);
        let wall = start.elapsed().as_secs_f64();
        let issued = w.query("issued").unwrap();
        let speedup = virtual_s as f64 / wall;
        eprintln!(
            "{:>20}: {:.0} requests in {wall:.2} s wall = {:.0} req/s, {:.0} events/s, {speedup:.1}× real time, util {:.2}",
            algorithm.name(),
            issued,
            issued / wall,
            w.events() as f64 / wall,
            w.query("utilisation").unwrap()
        );
        eprintln!("   completed {} dropped {} p99 {} in_rotation {} thr {}", w.query("completed").unwrap(), w.query("dropped").unwrap(), w.query("p99_ms").unwrap(), w.query("in_rotation").unwrap(), w.query("throughput").unwrap());
        assert!(speedup > 1.0, "slower than real time");
    }
    // The same through the time-travelling Sim the web shell uses (trace text, snapshots).
    let mut sim = Sim::new(big(Algorithm::LeastConnections), 1, Vec::new());
    let start = Instant::now();
    sim.run_until(virtual_s * SEC, u64::MAX);
    let wall = start.elapsed().as_secs_f64();
    eprintln!("Sim with trace and snapshots: {:.0} req/s, {:.1}× real time", sim.query("issued").unwrap() / wall, virtual_s as f64 / wall);
}
