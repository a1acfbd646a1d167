#!/usr/bin/env bash
# Prints the transfer size of a built site: raw and `gzip -9` bytes of every file the page
# loads (index.html, JS, wasm, CSS), and the gzip total. Usage: scripts/size.sh [dist-dir]
# With --total, prints only the gzip total in bytes (for scripts).
set -euo pipefail
total_only=false
if [ "${1:-}" = --total ]; then total_only=true; shift; fi
dist="${1:-dist}"
[ -f "$dist/index.html" ] || { echo "no $dist/index.html: run trunk build --release first" >&2; exit 1; }
raw_sum=0; gz_sum=0; rows=()
while IFS= read -r -d '' f; do
  raw=$(stat -c %s "$f")
  gz=$(gzip -9 -c "$f" | wc -c)
  raw_sum=$((raw_sum + raw)); gz_sum=$((gz_sum + gz))
  rows+=("$(printf '%-48s %10d %10d' "${f#"$dist"/}" "$raw" "$gz")")
done < <(find "$dist" -type f \( -name '*.html' -o -name '*.js' -o -name '*.wasm' -o -name '*.css' \) \
           -not -path '*/.stage/*' -print0 | sort -z)
if $total_only; then echo "$gz_sum"; exit 0; fi
printf '%-48s %10s %10s\n' "file" "raw B" "gzip-9 B"
for r in "${rows[@]}"; do echo "$r"; done
printf '%-48s %10d %10d  (%.1f KB gzip)\n' "TOTAL" "$raw_sum" "$gz_sum" "$(awk "BEGIN{print $gz_sum/1024}")"
