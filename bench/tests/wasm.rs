//! Kernel events per second in wasm32, in headless Chromium. Run by scripts/bench.sh:
//!   cargo test --release --target wasm32-unknown-unknown (in bench/)
//! Prints `BENCH|` lines on the console, which the runner forwards to stdout.
#![cfg(target_arch = "wasm32")]

use distlab_bench::workloads::{all, measure};
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
}

#[wasm_bindgen_test]
fn wasm_caching_figures() {
    use distlab_bench::workloads::{caching_requests, curves, policy_accesses};
    use distlab_core::models::caching::KINDS;
    match caching_requests(now_ms) {
        Ok((n, ms)) => console_log!("BENCH|wasm caching requests/s (service, 1 cache)|{:.0}|req/s|every message, timer and check", n / (ms / 1000.0)),
        Err(e) => console_log!("BENCH|wasm caching requests/s (service, 1 cache)|n/a||{}", e),
    }
    for k in KINDS {
        console_log!("BENCH|wasm policy accesses/s {}|{:.0}|req/s|capacity 1000, zipf 10k keys", k.label(), policy_accesses(k, now_ms));
    }
    let (total, worst, slices) = curves(1_000_000, now_ms);
    console_log!("BENCH|wasm curves 8x9 over 1000000 requests, total|{:.0}|ms|{} slices", total, slices);
    console_log!("BENCH|wasm curves slice, longest|{:.2}|ms|one slice per 100 ms metric sample", worst);
}
