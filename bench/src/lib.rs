//! Shared workloads for the wasm bench (see tests/wasm.rs); the code lives in core/benches.
#![allow(missing_docs)]

#[path = "../../core/benches/workloads/mod.rs"]
pub mod workloads;
