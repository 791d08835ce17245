#!/usr/bin/env bash
# A bounded load run of the dashboard's GET /api/vault/status over loopback: CLIENTS clients at once (default 4), each
# sending REQUESTS requests one after another (default 250). Prints the request count, failures, requests per second
# and the p50, p99 and max latency from curl's own per-request timings (time_total). Start the server first
# (`dotnet run -c Release --project samples/MissionHost -- serve --db …`). No assertion: the numbers go in
# docs/benchmarks.md. Usage: benchmarks/status-load.sh URL [CLIENTS] [REQUESTS]
set -euo pipefail
url=${1:?usage: benchmarks/status-load.sh URL [CLIENTS] [REQUESTS]}
clients=${2:-4}
requests=${3:-250}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

started=$(date +%s.%N)
for client in $(seq "$clients"); do
  (for _ in $(seq "$requests"); do
     curl -s -o /dev/null -w '%{http_code} %{time_total}\n' "$url/api/vault/status" || echo "000 0"
   done > "$out/$client") &
done
wait
finished=$(date +%s.%N)

# Sorted by latency, so the percentiles are plain line numbers (no gawk needed).
cat "$out"/* | sort -k2,2g | awk -v started="$started" -v finished="$finished" '
  { n++; if ($1 != 200) failed++; t[n] = $2 * 1000 }
  END {
    p50 = t[int((n - 1) * 0.50) + 1]; p99 = t[int((n - 1) * 0.99) + 1]
    printf "%d requests, %d failed, %.1f requests/s, p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", n, failed + 0, n / (finished - started), p50, p99, t[n]
  }'
