//! Kernel events per second in wasm32, in headless Chromium. Run by scripts/bench.sh:
//!   cargo test --release --target wasm32-unknown-unknown (in bench/)
//! Prints `BENCH|` lines on the console, which the runner forwards to stdout.
#![cfg(target_arch = "wasm32")]

use distlab_bench::workloads::{all, header_hashes, long_run, long_run_lines, measure};
use distlab_core::SEC;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

fn now_ms() -> f64 {
    performance_now()
}

#[wasm_bindgen_test]
fn wasm_kernel_throughput() {
    for w in all() {
        match measure(&w, now_ms) {
            Ok(f) => console_log!(
                "BENCH|wasm events/s {}|{:.0}|events/s|{} events, trace {:016x}",
                w.name,
                f.events_per_sec(),
                f.events,
                f.trace_hash
            ),
            Err(e) => console_log!("BENCH|wasm events/s {}|n/a||{}", w.name, e),
        }
    }
    for (name, rate) in distlab_bench::workloads::route_keys(now_ms) {
        console_log!("BENCH|wasm keys/s routed, {}|{:.0}|keys/s|32 shards, R = 2", name, rate);
    }
}

#[wasm_bindgen_test]
fn wasm_view_cost() {
    for line in distlab_bench::workloads::view_cost_lines("wasm", now_ms) {
        console_log!("{}", line);
    }
}

/// The wasm heap: linear memory grows and never shrinks, so this is the peak.
fn wasm_memory() -> usize {
    core::arch::wasm32::memory_size(0) * 65_536
}

#[wasm_bindgen_test]
fn wasm_long_loaded_raft() {
    match long_run(3_600 * SEC, 100, now_ms, wasm_memory) {
        Ok(r) => {
            for line in long_run_lines("wasm", &r) {
                console_log!("{line}");
            }
        }
        Err(e) => console_log!("BENCH|loaded raft virtual s per wall s (wasm)|n/a||{e}"),
    }
}

#[wasm_bindgen_test]
fn wasm_header_hashes() {
    // The pow lab's mining loop; the target is 1.9 M/s (ten times CryptoJS's SHA-256).
    assert!(distlab_bench::workloads::header_search_agrees(), "the SIMD search disagrees with plain SHA-256");
    let _ = header_hashes(100_000, now_ms);
    let (mid, plain) = header_hashes(1_000_000, now_ms);
    console_log!("BENCH|wasm header hashes/s (midstate)|{:.0}|H/s|target >= 1900000 (10x the Blockchain Demo's CryptoJS); 4 nonces per SIMD pass", mid);
    console_log!("BENCH|wasm header hashes/s (plain sha256d)|{:.0}|H/s|double SHA-256 of all 80 bytes, 3 compressions per nonce", plain);
}

// The caching figures, one test each: a test runs without yielding to the browser, and the
// test runner gives up on a page that stays busy for 30 s (which a loaded machine reaches).
#[wasm_bindgen_test]
fn wasm_caching_requests() {
    use distlab_bench::workloads::caching_requests;
    match caching_requests(now_ms) {
        Ok((n, ms)) => console_log!("BENCH|wasm caching requests/s (service, 1 cache)|{:.0}|req/s|every message, timer and check", n / (ms / 1000.0)),
        Err(e) => console_log!("BENCH|wasm caching requests/s (service, 1 cache)|n/a||{}", e),
    }
}

#[wasm_bindgen_test]
fn wasm_caching_policies() {
    use distlab_bench::workloads::policy_accesses;
    use distlab_core::models::caching::KINDS;
    for k in KINDS {
        console_log!("BENCH|wasm policy accesses/s {}|{:.0}|req/s|capacity 1000, zipf 10k keys", k.label(), policy_accesses(k, now_ms));
    }
}

#[wasm_bindgen_test]
fn wasm_caching_curves() {
    use distlab_bench::workloads::curves;
    let (total, worst, slices) = curves(1_000_000, now_ms);
    console_log!("BENCH|wasm curves 8x9 over 1000000 requests, total|{:.0}|ms|{} slices", total, slices);
    console_log!("BENCH|wasm curves slice, longest|{:.2}|ms|one slice per 100 ms metric sample", worst);
}

#[wasm_bindgen_test]
fn wasm_checker_states() {
    // The model checker in wasm32, built as the page is (not as its worker, which has its own
    // profile and allocator: tests/bench.mjs measures that one); the fingerprint must equal
    // native's.
    let c = distlab_bench::workloads::explore_raft3(200_000, now_ms, || 0);
    console_log!("BENCH|wasm checker states/s (raft-3 BFS, bench/ crate)|{:.0}|states/s|opt-level s and Rust's default allocator, on the page's main thread (the worker's figure carries the target); states generated (successors computed and checked) over {} steps; start fingerprint {:016x}", c.rate, c.generated, c.root);
    console_log!("BENCH|wasm checker distinct states/s (raft-3 BFS)|{:.0}|states/s|{} distinct of {} generated; {:.1} B bookkeeping per distinct state, {} B/state snapshot", c.distinct_rate, c.distinct, c.generated, c.bookkeeping_per_state, c.state_bytes);
    let root = c.root;
    assert_eq!(root, 0xa45f_ac31_fb4c_cd15, "fingerprints differ between native and wasm32");
}
