#!/usr/bin/env bash
# Runs every distlab test, in the order a failure is cheapest to find. `make test` and .ci/run
# call this with no arguments (all steps). For local work, name steps to run only those:
#   scripts/test.sh native clippy e2e
# Steps: setup native nostd clippy wasm-test build subpath e2e
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

WEB=distlab-web
SUBPATH=/x/y/
SUBPATH_DIST="target/dist-subpath"

all_steps=(setup native nostd clippy wasm-test build subpath e2e)
if [ $# -gt 0 ]; then steps=("$@"); else steps=("${all_steps[@]}"); fi
for s in "${steps[@]}"; do
  [[ " ${all_steps[*]} " == *" $s "* ]] || { echo "unknown step '$s' (known: ${all_steps[*]})" >&2; exit 2; }
done

summary=()
current=""
started_all=$SECONDS
on_exit() {
  local rc=$?
  echo
  echo "==== test summary ===="
  for line in "${summary[@]}"; do echo "$line"; done
  if [ $rc -ne 0 ] && [ -n "$current" ]; then
    echo "FAILED in step: $current (exit $rc)"
  fi
  echo "total: $((SECONDS - started_all)) s"
}
trap on_exit EXIT

run_step() {
  local name="$1"; shift
  current="$name"
  echo
  echo "==== [$name] $* ===="
  local t0=$SECONDS
  "$@"
  local line
  printf -v line 'ok   %-10s %d s' "$name" $((SECONDS - t0))
  summary+=("$line")
  current=""
}

step_setup() {
  scripts/setup.sh test
  # Trunk runs cargo offline (Trunk.toml), so fetch every dependency first.
  cargo fetch
}

# Every native test, once, optimised: the `fast` profile (root Cargo.toml, opt-level 3), which heavy
# tests need. Tests size their seeded sweeps by
# cfg!(debug_assertions), so here they run at full size (>= 10,000 Raft schedules, >= 1,000
# over every model) and the speed figures some tests print mean something. Overflow checks
# stay on; LTO is off here only so that the many test binaries link quickly. (One optimised
# build instead of a debug build plus an optimised one: half the compile time on 2 cores.)
step_native() {
  export CARGO_PROFILE_FAST_OVERFLOW_CHECKS=true
  export CARGO_PROFILE_FAST_LTO=false CARGO_PROFILE_FAST_CODEGEN_UNITS=16
  cargo test --workspace --exclude "$WEB" --profile fast
  # The web crate's pure logic (routes, lesson parsing, pacing) and the native half of the
  # determinism check (its browser half runs in wasm-test).
  cargo test -p "$WEB" --profile fast --lib --test native
}

# The kernel is no_std + alloc: build it without default features (but with every model),
# natively and for wasm32.
step_nostd() {
  cargo build -p distlab-core --no-default-features --features all-models
  cargo build -p distlab-core --no-default-features --features all-models --target wasm32-unknown-unknown
}

step_clippy() {
  cargo clippy --workspace --all-targets -- -D warnings
  cargo clippy -p "$WEB" --target wasm32-unknown-unknown --all-targets -- -D warnings
  cargo clippy -p distlab-checker-worker --target wasm32-unknown-unknown -- -D warnings
}

# wasm-bindgen-test in headless Chromium (the runner is set in .cargo/config.toml).
step_wasm_test() {
  CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}" \
    cargo test -p "$WEB" --target wasm32-unknown-unknown
}

step_build() {
  trunk build --release
  scripts/size.sh dist
}

# A build for a sub-path (e.g. project pages); the e2e runner serves it under /x/y/ and loads it.
step_subpath() {
  trunk build --release --public-url "$SUBPATH" --dist "$SUBPATH_DIST"
}

step_e2e() {
  local args=(--dist dist)
  if [ -d "$SUBPATH_DIST" ]; then args+=(--subpath-dist "$SUBPATH_DIST" --subpath "$SUBPATH"); fi
  node tests/run.mjs "${args[@]}"
}

for s in "${steps[@]}"; do
  run_step "$s" "step_${s//-/_}"
done
