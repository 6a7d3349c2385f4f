#!/usr/bin/env bash
# oneDNN's convolutions against ours on the CBR-Small (28 px) and ResNet-18 (64 px) shapes, batch 32:
# builds dnnl-conv-bench.cpp (needs g++ and libdnnl-dev: `apt-get install libdnnl-dev`), then, shape
# by shape, times oneDNN and our addon back to back and prints one table (median ms per call).
#
#   packages/native/bench/dnnl-conv-bench.sh [shape ...]     # default: every shape
#   THREADS=2 (default)   threads for both: OMP_NUM_THREADS for oneDNN, MEDTRANSFER_THREADS for ours
#   OUT=/tmp/medtransfer-dnnl-conv-bench (default)   where the binary and the raw RESULT lines go
# Ours needs the addon built (npm ci / npm run build -w @medtransfer/native).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
threads=${THREADS:-2}
out=${OUT:-/tmp/medtransfer-dnnl-conv-bench}
mkdir -p "$out"
g++ -O3 -march=native -std=c++17 "$here/dnnl-conv-bench.cpp" -ldnnl -o "$out/dnnl-conv-bench"
if [ $# -gt 0 ]; then shapes=("$@"); else shapes=(cbr1 cbr2 cbr3 cbr4 r18s2 r18s3 r18s4 r18s5); fi
raw="$out/results.txt"
: > "$raw"
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $threads threads; load before: $(cat /proc/loadavg)"
for s in "${shapes[@]}"; do
  OMP_NUM_THREADS=$threads "$out/dnnl-conv-bench" "$s" | tee -a "$raw"
  (cd "$root" && MEDTRANSFER_THREADS=$threads npx ts-node --project tsconfig.json packages/native/bench/our-conv-bench.ts "$s") | tee -a "$raw"
done
echo "# load after: $(cat /proc/loadavg)"
# ratio = ours / oneDNN: above 1, oneDNN is faster. "nhwc" includes the weights reorders a drop-in
# replacement would pay; "any" is oneDNN in its own layouts, reorders excluded (its best case).
# Two tables: the median call, then the fastest of the timed calls (less sensitive to other load).
table() {
  awk -v col="$1" -v title="$2" '
    $1 == "RESULT" { key = $2 " " $3; ms[key, $4] = $col; if (!(key in seen)) { seen[key] = 1; order[n++] = key } }
    END {
      print ""
      print title
      print ""
      print "| shape | direction | ours ms | oneDNN nhwc ms | ours / nhwc | oneDNN any ms | ours / any |"
      print "|---|---|---:|---:|---:|---:|---:|"
      for (i = 0; i < n; i++) {
        split(order[i], p, " "); k = order[i]
        printf "| %s | %s | %.2f | %.2f | %.2f | %.2f | %.2f |\n", p[1], p[2], ms[k, "ours"], ms[k, "nhwc"], ms[k, "ours"] / ms[k, "nhwc"], ms[k, "any"], ms[k, "ours"] / ms[k, "any"]
      }
    }' "$raw"
}
table 5 "Median ms per call:"
table 6 "Fastest call, ms:"
# Per training step (medians): every conv once, each direction it needs. CBR-Small: cbr1..cbr4,
# without cbr1's input gradient (the image's; never computed). ResNet-18: its stride-1 C→C 3×3
# convs, 4 at 16 px (r18s2) and 3 at each of 8, 4 and 2 px; the stem, stride-2 and 1×1 convs are
# not measured here.
awk '
  $1 == "RESULT" {
    net = $2 ~ /^cbr/ ? "CBR-Small" : "ResNet-18 (3x3 stride-1)"
    if ($2 == "cbr1" && $3 == "backward-data") next
    times = $2 == "r18s2" ? 4 : ($2 ~ /^r18/ ? 3 : 1)
    sum[net, $4] += times * $5; nets[net] = 1
  }
  END {
    print ""
    print "Per training step (medians, ms): net, ours, oneDNN nhwc, ours / nhwc, oneDNN any, ours / any"
    for (net in nets) if (sum[net, "ours"] && sum[net, "nhwc"] && sum[net, "any"])
      printf "| %s | %.1f | %.1f | %.2f | %.1f | %.2f |\n", net, sum[net, "ours"], sum[net, "nhwc"], sum[net, "ours"] / sum[net, "nhwc"], sum[net, "any"], sum[net, "ours"] / sum[net, "any"]
  }' "$raw"
