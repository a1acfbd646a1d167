#!/usr/bin/env bash
# `make bench`: prints figures, asserts nothing (a slow machine must not fail CI).
#   1. native kernel events/s on fixed workloads; a 1 h loaded Raft run: speed, memory, seeks (core/benches)
#   2. the same workloads in wasm32 in headless Chromium (bench/, wasm-bindgen-test)
#   3. release transfer size, gzip -9, of everything the page loads (dist/)
#   4. p95 frame time while a lab animates at top speed in headless Chromium, and the model
#      checker's speed in the page's Web Worker (tests/bench.mjs)
#   5. each lab's share of the release transfer size (scripts/size-labs.sh: one build without
#      each lab; slow, about 3-4 min a build)
# Then one table of every figure next to the project's target.
# Parts can be chosen: scripts/bench.sh native wasm size frames labs
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(native wasm size frames labs)
want() { [[ " ${parts[*]} " == *" $1 "* ]]; }

out_dir="$root/target/bench"
mkdir -p "$out_dir"
results="$out_dir/results.txt"
: >"$results"
collect() { grep -a '^BENCH|' | tee -a "$results" >/dev/null || true; }

scripts/setup.sh test
cargo fetch

if want native; then
  echo "==== native: cargo bench -p distlab-core --bench kernel ===="
  cargo bench -p distlab-core --bench kernel 2>&1 | tee "$out_dir/native.log" | sed '/BENCH|/d'
  collect <"$out_dir/native.log"
fi

if want wasm; then
  echo "==== wasm32 in headless Chromium: bench/ (wasm-bindgen-test, release) ===="
  wasm_bench() {
    (
      cd bench
      CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}" WASM_BINDGEN_TEST_TIMEOUT=900 \
        cargo test --release --target wasm32-unknown-unknown \
        --target-dir "${CARGO_TARGET_DIR:-$root/target}/bench-wasm" -- "$@" --nocapture
    )
  }
  # Linear memory only grows, so the long run's memory figures are its own only in a page of
  # its own: run it alone first, then everything else (dropping the long run's second lines).
  wasm_bench wasm_long_loaded_raft 2>&1 | tee "$out_dir/wasm-long.log" | sed '/BENCH|/d' | tail -n 3
  wasm_bench 2>&1 | tee "$out_dir/wasm.log" | sed '/BENCH|/d' | tail -n 5
  # The runner may prefix console lines; keep what starts at BENCH|.
  sed -n 's/.*\(BENCH|.*\)/\1/p' "$out_dir/wasm-long.log" | collect
  sed -n 's/.*\(BENCH|.*\)/\1/p' "$out_dir/wasm.log" | grep -v -e '^BENCH|loaded raft' -e '^BENCH|seek in 1 h run' | collect
fi

if want size || want frames; then
  echo "==== release build (trunk build --release) ===="
  trunk build --release 2>&1 | tail -n 3
fi

if want size; then
  echo "==== transfer size of dist/ ===="
  scripts/size.sh dist
  echo "BENCH|release transfer size, gzip -9|$(awk "BEGIN{printf \"%.1f\", $(scripts/size.sh --total dist)/1024}")|KB|first load: index.html + js + wasm + css" >>"$results"
  echo "BENCH|checker worker transfer size, gzip -9|$(awk "BEGIN{printf \"%.1f\", $(scripts/size.sh --total-worker dist)/1024}")|KB|fetched when the model checker is first used" >>"$results"
fi

if want frames; then
  echo "==== frame times in headless Chromium (tests/bench.mjs) ===="
  node tests/bench.mjs --dist dist 2>&1 | tee "$out_dir/frames.log" | sed '/BENCH|/d'
  collect <"$out_dir/frames.log"
fi

if want labs; then
  echo "==== each lab's share of the release size (scripts/size-labs.sh) ===="
  scripts/size-labs.sh 2>&1 | tee "$out_dir/labs.log" | sed '/BENCH|/d'
  collect <"$out_dir/labs.log"
fi

# The summary: figure, value, unit, target, note. Frame intervals come from requestAnimationFrame
# timestamps, which land on a 60 Hz display's vsync (16.67 ms apart, give or take about 0.1 ms of
# jitter): a p95 of 16.7 or 16.8 ms is every frame on time; 33.3 ms is a missed frame.
target_for() {
  case "$1" in
    "native events/s"*) echo ">= 1000000" ;;
    "wasm events/s"*) echo ">= 40% of native" ;;
    "native checker states/s (raft-3 BFS)") echo ">= 1000000" ;;
    "wasm checker states/s (raft-3 BFS, in the worker)") echo ">= 40% of native" ;;
    "release transfer size"*) echo "<= 250 KB" ;;
    "lab size delta"*) echo "<= 40 KB" ;;
    "p95 frame time"*) echo "one 60 Hz frame" ;;
    "seek in 1 h run"*", p95") echo "<= 16 ms" ;;
    "loaded raft virtual s per wall s (wasm)") echo ">= 1500 (10x RaftScope)" ;;
    "loaded raft memory after 1 h"*) echo "<= 64 MB" ;;
    *) echo "" ;;
  esac
}
echo
echo "==================================== distlab bench ===================================="
printf '%-44s %14s %-9s %-17s %s\n' "figure" "value" "unit" "target" "note"
printf '%-44s %14s %-9s %-17s %s\n' "------" "-----" "----" "------" "----"
while IFS='|' read -r _ name value unit note; do
  tgt="$(target_for "$name")"
  # wasm vs native ratio, when both are known.
  if [[ "$name" == "wasm events/s "* ]]; then
    native="$(awk -F'|' -v n="native events/s ${name#wasm events/s }" '$2==n{print $3}' "$results")"
    if [[ "$native" =~ ^[0-9.]+$ && "$value" =~ ^[0-9.]+$ ]]; then
      note="$(awk "BEGIN{printf \"%.0f%% of native\", 100*$value/$native}"); $note"
    fi
    native_note="$(awk -F'|' -v n="native events/s ${name#wasm events/s }" '$2==n{print $5}' "$results")"
    nt="$(sed -n 's/.*trace \([0-9a-f]*\).*/\1/p' <<<"$native_note")"
    wt="$(sed -n 's/.*trace \([0-9a-f]*\).*/\1/p' <<<"$note")"
    if [ -n "$nt" ] && [ -n "$wt" ]; then
      if [ "$nt" = "$wt" ]; then note="$note (same trace as native)"; else note="$note (TRACE DIFFERS from native $nt)"; fi
    fi
  fi
  # The checker in the page's worker against the native searches it compares with: a second
  # search against the CLI's default threads and against one thread (both measured after
  # earlier searches in their process), a first search against the native process's first.
  ratio() {
    local v
    v="$(awk -F'|' -v n="$1" '$2==n{print $3}' "$results")"
    [[ "$v" =~ ^[0-9.]+$ && "$value" =~ ^[0-9.]+$ ]] && awk "BEGIN{printf \"%.0f%% of $2\", 100*$value/$v}"
  }
  if [[ "$name" == "wasm checker states/s (raft-3 BFS, in the worker)" ]]; then
    note="$(ratio "native checker states/s (raft-3 BFS)" "native (CLI default threads)"), $(ratio "native checker states/s (raft-3 BFS, 1 thread)" "native on 1 thread"); $note"
  elif [[ "$name" == "wasm checker states/s (raft-3 BFS, first search in a fresh worker)" ]]; then
    note="$(ratio "native checker states/s (raft-3 BFS, one-thread Explorer)" "native's first search in its process"); $note"
  fi
  printf '%-44s %14s %-9s %-17s %s\n' "$name" "$value" "$unit" "$tgt" "$note"
done <"$results"
echo "(raw lines: $results)"
