//! Shared by the native and the browser tests: the determinism fixture and its expected hash.

use distlab_core::scenario::Scenario;

/// The fixture scenario.
pub const FIXTURE: &str = include_str!("../fixtures/determinism.json");
/// Its expected trace hash, as 16 hex digits.
pub const EXPECTED_HASH: &str = include_str!("../fixtures/determinism.hash");

/// Runs the fixture to its end the way the shell does (frame-sized chunks) and returns the
/// trace hash as 16 hex digits.
pub fn fixture_hash() -> String {
    let s = Scenario::parse(FIXTURE).expect("fixture parses");
    let mut lab = s.build().expect("fixture builds");
    let end = s.duration();
    // Uneven chunks, like animation frames: the result must not depend on them.
    let mut t = 0;
    let mut k = 1;
    while t < end {
        t = (t + 7_919 * k).min(end);
        lab.run_until(t, u64::MAX);
        k = k % 13 + 1;
    }
    format!("{:016x}", lab.trace_hash())
}
