#!/usr/bin/env bash
# Each lab's share of the release page: builds the site (trunk build --release) with every lab,
# then once without each lab (cargo features of web/, forwarded to distlab-core; a lab left out
# also leaves its content/ files out), and prints the gzip -9 difference of the first load
# (scripts/size.sh; the model checker's worker, fetched on first use, and the lab's content file
# (lesson, scenarios, challenges: dist/content/<lab>-<hash>.json), fetched when a page first needs
# it, are reported beside it).
# Also builds the page with no lab at all (the shared kernel + shell).
#   scripts/size-labs.sh            every lab (the `all-labs` feature of web/Cargo.toml)
#   scripts/size-labs.sh paxos pow  only these (plus the full build; no lab-less build)
#   --reuse                         keep builds already in target/size-labs/ (after an interruption)
# Prints a table, and `BENCH|lab size delta, gzip -9, <lab>|<KB>|KB|...` lines (scripts/bench.sh).
# Builds go to target/size-labs/<variant>/, with <variant>.names.wasm (the wasm with its function
# names, before wasm-bindgen and wasm-opt) for scripts/wasm-sizes.py (or twiggy): `scripts/wasm-sizes.py all.names.wasm no-pow.names.wasm`.
# About 3-4 min a build on an idle 2-core machine (10 min under heavy load).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PATH="$HOME/.cargo/bin:$PATH"

all=$(sed -n 's/^all-labs *= *\[\(.*\)\]/\1/p' web/Cargo.toml | tr -d '" ' | tr ',' ' ')
[ -n "$all" ] || { echo "no all-labs feature in web/Cargo.toml" >&2; exit 1; }
reuse=false
if [ "${1:-}" = --reuse ]; then reuse=true; shift; fi
labs=("$@")
subset=true
[ ${#labs[@]} -gt 0 ] || subset=false
[ ${#labs[@]} -gt 0 ] || read -r -a labs <<<"$all"
for l in "${labs[@]}"; do
  [[ " $all " == *" $l "* ]] || { echo "unknown lab \"$l\" (known: $all)" >&2; exit 1; }
done

out="$root/target/size-labs"
mkdir -p "$out"
cargo fetch -q

# build <variant> <features>: a release build of the page with exactly these labs; prints gzip bytes.
build() {
  local dist="$out/$1"
  if $reuse && [ -f "$dist/index.html" ]; then sizes "$dist"; return; fi
  rm -rf "$dist"
  if ! trunk build --release --no-default-features --features "$2" --dist "$dist" >"$out/$1.log" 2>&1; then
    echo "trunk build ($1, features \"$2\") failed: see $out/$1.log" >&2
    tail -n 20 "$out/$1.log" >&2
    exit 1
  fi
  # The wasm before wasm-bindgen and wasm-opt still has its function names: keep it for
  # twiggy (`twiggy top`, `twiggy diff`) or `wasm-opt --metrics`.
  cp "${CARGO_TARGET_DIR:-$root/target}/wasm32-unknown-unknown/web-release/distlab-web.wasm" "$out/$1.names.wasm" 2>/dev/null || true
  sizes "$dist"
}
# sizes <dist>: "<first-load gzip bytes> <checker worker gzip bytes>".
sizes() { echo "$(scripts/size.sh --total "$1") $(scripts/size.sh --total-worker "$1")"; }
kb() { awk "BEGIN{printf \"%.1f\", $1/1024}"; }
# content <lab>: gzip -9 bytes of the lab's content file in the full build (0 if it has none).
content() { local f; f=$(find "$out/all/content" -name "$1-*.json" 2>/dev/null | head -n 1); if [ -n "$f" ]; then gzip -9 -c "$f" | wc -c; else echo 0; fi; }

echo "building the page with every lab ($all) ..." >&2
read -r full full_worker <<<"$(build all "$(tr ' ' ',' <<<"$all")")"
none=
if ! $subset; then
  echo "building the page with no lab ..." >&2
  read -r none _ <<<"$(build none "")"
fi
declare -A delta worker_delta
for l in "${labs[@]}"; do
  echo "building the page without $l ..." >&2
  rest=$(tr ' ' '\n' <<<"$all" | grep -vx "$l" | paste -sd, -)
  read -r without without_worker <<<"$(build "no-$l" "$rest")"
  delta[$l]=$((full - without))
  worker_delta[$l]=$((full_worker - without_worker))
done

printf '%-28s %12s %10s\n' "page" "gzip-9 B" "KB"
printf '%-28s %12d %10s\n' "every lab" "$full" "$(kb "$full")"
[ -z "$none" ] || printf '%-28s %12d %10s\n' "no lab (kernel + shell)" "$none" "$(kb "$none")"
sum=0
for l in "${labs[@]}"; do
  printf '%-28s %12d %10s   (on open: content %s KB; checker worker, on first use: +%s KB)\n' "lab $l (delta)" "${delta[$l]}" "$(kb "${delta[$l]}")" "$(kb "$(content "$l")")" "$(kb "${worker_delta[$l]}")"
  sum=$((sum + delta[$l]))
done
# The page's wasm, not the checker worker's (fetched on first use, reported apart).
wasm_of() { find "$out/$1" -name 'distlab-web-*_bg.wasm' | head -n 1; }
if command -v python3 >/dev/null; then
  for l in "${labs[@]}"; do
    echo "  $l: $(scripts/wasm-sizes.py --sections "$(wasm_of all)" "$(wasm_of "no-$l")" | paste -sd';' -)"
  done
fi
if [ -n "$none" ]; then
  # What two or more labs share (e.g. one instance of a generic both use) is in no single delta.
  printf '%-28s %12d %10s\n' "shared by labs (rest)" "$((full - none - sum))" "$(kb $((full - none - sum)))"
fi

echo "BENCH|release size, every lab, gzip -9|$(kb "$full")|KB|first load: index.html + js + wasm + css; checker worker $(kb "$full_worker") KB on first use"
[ -z "$none" ] || echo "BENCH|release size, no lab, gzip -9|$(kb "$none")|KB|kernel + shell only"
for l in "${labs[@]}"; do
  echo "BENCH|lab size delta, gzip -9, $l|$(kb "${delta[$l]}")|KB|first load with every lab minus without $l; checker worker (on first use) +$(kb "${worker_delta[$l]}") KB"
  echo "BENCH|lab content on open, gzip -9, $l|$(kb "$(content "$l")")|KB|dist/content/$l-*.json, fetched when its lesson, a challenge or a compare script first opens"
done
