#!/usr/bin/env bash
# The unload memory benchmark: does unloading give the memory back? A fresh service (Release, on 127.0.0.1, control
# mode explicit, nothing loaded at startup) serves a repository of MODELS copies of the benchmark MLP
# (mlp_batched, 340 KB of weights each). Each of CYCLES cycles loads every copy through
# POST /v2/repository/models/<m>/load, reads the resident set size (VmRSS), unloads every copy and reads it again.
# The baseline is the RSS after one load and unload of one copy (ONNX Runtime's own start-up is not a model's).
# Targets: after each unload, at most half of what the loads added above the baseline stays resident (unloaded -
# baseline <= 0.50 x (loaded - baseline)), and the last cycle's loaded RSS within 10% of the first's (repeated loads
# and unloads do not accumulate).
#
# Usage, from anywhere:  tests/InferenceService.LoadGenerator/benchmark/run-unload-memory-benchmark.sh
# Environment (all optional): BENCHMARK_PORT=18230, UNLOAD_MODELS=40, UNLOAD_CYCLES=3, BENCHMARK_OUT=<dir>
# Exit status: 0 the targets met, 1 a target missed, 2 the benchmark could not run.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
port="${BENCHMARK_PORT:-18230}"
models="${UNLOAD_MODELS:-40}"
cycles="${UNLOAD_CYCLES:-3}"
out="${BENCHMARK_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/unload-benchmark.XXXXXX")}"
base="http://127.0.0.1:$port"

mkdir -p "$out"
# shellcheck source=benchmark-common.sh
. "$here/benchmark-common.sh"
cd "$root"

echo "== Building the service (Release)"
bench_build src/InferenceService
bench_refuse_taken "$base"

repository="$out/repository"
for i in $(seq -w 1 "$models"); do
  mkdir -p "$repository/m$i/1"
  cp "$here/models/mlp_batched/1/model.onnx" "$repository/m$i/1/model.onnx"
  # The configuration names its folder: the copy is named after its own.
  sed "s/\"mlp_batched\"/\"m$i\"/" "$here/models/mlp_batched/config.json" >"$repository/m$i/config.json"
done

bench_start server "$root/src/InferenceService/bin/Release/net10.0" dotnet InferenceService.dll --urls "$base" \
  --ModelRepository:Path="$repository" --ModelRepository:ControlMode=explicit --Serilog:MinimumLevel:Default=Warning
pid=$bench_pid
bench_wait_ready server "$pid" "$base/v2/health/ready"

call() { # <route>: POST, fail the run on anything but 200
  local status
  status=$(curl -s -o "$out/last.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{}' "$base$1")
  [ "$status" = 200 ] || { echo "POST $1 answered $status: $(cat "$out/last.json")" >&2; exit 2; }
}
mib() { awk -v kb="$1" 'BEGIN { printf "%.1f MiB", kb / 1024 }'; }

call /v2/repository/models/m01/load
call /v2/repository/models/m01/unload
sleep 1
baseline=$(bench_rss_kb "$pid")
echo "-- baseline (one load and unload done): $(mib "$baseline")"
missed=0
first_loaded=0
for cycle in $(seq 1 "$cycles"); do
  for i in $(seq -w 1 "$models"); do call "/v2/repository/models/m$i/load"; done
  loaded=$(bench_rss_kb "$pid")
  for i in $(seq -w 1 "$models"); do call "/v2/repository/models/m$i/unload"; done
  sleep 1
  unloaded=$(bench_rss_kb "$pid")
  [ "$first_loaded" -gt 0 ] || first_loaded=$loaded
  share=$(awk -v u="$unloaded" -v l="$loaded" -v b="$baseline" 'BEGIN { printf "%.2f", (u - b) / (l - b) }')
  verdict=$(awk -v s="$share" 'BEGIN { print (s <= 0.50) ? "met" : "MISSED" }')
  [ "$verdict" = met ] || missed=1
  echo "cycle $cycle: $models models loaded $(mib "$loaded"), all unloaded $(mib "$unloaded"); kept ${share} of the growth (target <= 0.50: $verdict)"
done
growth=$(awk -v a="$loaded" -v b="$first_loaded" 'BEGIN { printf "%.3f", a / b }')
verdict=$(awk -v g="$growth" 'BEGIN { print (g <= 1.10) ? "met" : "MISSED" }')
[ "$verdict" = met ] || missed=1
echo "loaded RSS, last cycle / first cycle: ${growth}x (target <= 1.10: $verdict)"
exit "$missed"
