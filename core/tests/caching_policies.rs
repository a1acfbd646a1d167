//! The eviction policies against textbook reference strings with their published fault counts,
//! and properties: OPT is never beaten, ARC adapts, capacity always holds.

use distlab_core::models::caching::policy::{self, opt, Kind};
use distlab_core::Rng;

/// Silberschatz, Galvin and Gagne, Operating System Concepts, §10.4 (Figures 10.12, 10.15,
/// 10.16): the reference string of the page-replacement examples.
const SGG: [u32; 20] = [7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1];
/// Belady, Nelson and Shedler (1969): the string on which FIFO faults more with more frames.
const BELADY: [u32; 12] = [1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5];

fn misses(kind: Kind, trace: &[u32], cap: u32) -> u64 {
    policy::misses(kind, trace, cap, &mut Rng::stream(1, 1))
}

#[test]
fn silberschatz_string_with_three_frames() {
    assert_eq!(misses(Kind::Fifo, &SGG, 3), 15);
    assert_eq!(misses(Kind::Lru, &SGG, 3), 12);
    assert_eq!(opt::opt_misses(&SGG, 3), 9);
}

#[test]
fn beladys_anomaly_with_fifo() {
    assert_eq!(misses(Kind::Fifo, &BELADY, 3), 9);
    assert_eq!(misses(Kind::Fifo, &BELADY, 4), 10);
    // LRU is a stack algorithm: more frames never hurt.
    assert_eq!(misses(Kind::Lru, &BELADY, 3), 10);
    assert_eq!(misses(Kind::Lru, &BELADY, 4), 8);
    assert_eq!(opt::opt_misses(&BELADY, 3), 7);
    assert_eq!(opt::opt_misses(&BELADY, 4), 6);
}

/// Stallings, Operating Systems: Internals and Design Principles, Figure 8.15: the stream
/// 2 3 2 1 5 2 4 5 3 2 5 2 with three frames; after the three faults that fill the frames,
/// OPT faults 3 more times, LRU 4, CLOCK 5 and FIFO 6.
const STALLINGS: [u32; 12] = [2, 3, 2, 1, 5, 2, 4, 5, 3, 2, 5, 2];

#[test]
fn stallings_stream_for_opt_lru_clock_fifo() {
    assert_eq!(opt::opt_misses(&STALLINGS, 3), 3 + 3);
    assert_eq!(misses(Kind::Lru, &STALLINGS, 3), 3 + 4);
    assert_eq!(misses(Kind::Clock, &STALLINGS, 3), 3 + 5);
    assert_eq!(misses(Kind::Fifo, &STALLINGS, 3), 3 + 6);
}
