#!/usr/bin/env bash
# Prints the transfer size of a built site: raw and `gzip -9` bytes of every file (index.html,
# JS, wasm, CSS), the gzip total of the first load (the page) and of the model checker's worker,
# which the page fetches only when the checker is first used, and each lab's content file
# (content/<lab>-<hash>.json), fetched when that lab's lesson, a challenge or a compare script
# first opens. Usage: scripts/size.sh [dist-dir]
# With --total, prints only the first load's gzip total in bytes; with --total-worker, only the
# worker's (for scripts).
set -euo pipefail
total_only=
case "${1:-}" in --total) total_only=page; shift ;; --total-worker) total_only=worker; shift ;; esac
dist="${1:-dist}"
[ -f "$dist/index.html" ] || { echo "no $dist/index.html: run trunk build --release first" >&2; exit 1; }
raw_sum=0; gz_sum=0; worker_sum=0; rows=()
while IFS= read -r -d '' f; do
  raw=$(stat -c %s "$f")
  gz=$(gzip -9 -c "$f" | wc -c)
  name="${f#"$dist"/}"
  if [[ "$name" == checker-worker* ]]; then
    worker_sum=$((worker_sum + gz)); name="$name (on first use)"
  else
    raw_sum=$((raw_sum + raw)); gz_sum=$((gz_sum + gz))
  fi
  rows+=("$(printf '%-48s %10d %10d' "$name" "$raw" "$gz")")
done < <(find "$dist" -type f \( -name '*.html' -o -name '*.js' -o -name '*.wasm' -o -name '*.css' \) \
           -not -path '*/.stage/*' -print0 | sort -z)
case "$total_only" in page) echo "$gz_sum"; exit 0 ;; worker) echo "$worker_sum"; exit 0 ;; esac
printf '%-48s %10s %10s\n' "file" "raw B" "gzip-9 B"
for r in "${rows[@]}"; do echo "$r"; done
printf '%-48s %10d %10d  (%.1f KB gzip)\n' "TOTAL first load" "$raw_sum" "$gz_sum" "$(awk "BEGIN{print $gz_sum/1024}")"
printf '%-48s %10s %10d  (%.1f KB gzip)\n' "checker worker, on first use" "" "$worker_sum" "$(awk "BEGIN{print $worker_sum/1024}")"
for f in "$dist"/content/*.json; do
  [ -f "$f" ] || continue
  printf '%-48s %10d %10d\n' "${f#"$dist"/} (on open)" "$(stat -c %s "$f")" "$(gzip -9 -c "$f" | wc -c)"
done
