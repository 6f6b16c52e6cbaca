#!/usr/bin/env bash
# The memory benchmark: is the service's memory flat under load? For each model, a fresh service (Release, the
# benchmark models, on 127.0.0.1) gets a fixed number of infer requests, closed loop, and its resident set size
# (VmRSS in /proc/<pid>/status) is read after the first tenth of them and after all of them:
#   MLP (mlp_unbatched), concurrency 32: 1,000,000 requests, RSS after 100,000 and after 1,000,000
#   CNN (cnn_unbatched), concurrency 8:     50,000 requests, RSS after   5,000 and after    50,000
#     (a CNN request costs this service 1 to 5 ms on a 2-core machine, depending on what else runs there: 1,000,000
#     would take 20 minutes or more; the two readings span the same tenfold count)
# Target, each model: RSS after all the requests within 10% of RSS after the first tenth (ratio <= 1.10).
# It also samples the RSS every second (peak reported; the samples stay in BENCHMARK_OUT/<model>.rss.tsv).
# About 8 minutes with the defaults on a busy 2-core machine (the MLP's million requests about 3), plus the builds.
# The service and the load generator share the machine's cores; RSS is the service's alone.
#
# Usage, from anywhere:  tests/InferenceService.LoadGenerator/benchmark/run-memory-benchmark.sh
# Environment (all optional):
#   BENCHMARK_PORT=18210           the service's port on 127.0.0.1
#   MEMORY_MLP_REQUESTS=1000000    MLP requests in all (the first reading comes after a tenth); 0 skips the MLP
#   MEMORY_CNN_REQUESTS=50000      CNN requests in all; 0 skips the CNN
#   MEMORY_MAX_GROWTH=1.10         the target: largest ratio of the last reading to the first
#   MEMORY_STEP_TIMEOUT=600        seconds a load step may take before the run is abandoned
#   BENCHMARK_SERVER_ARGS=...      more options for the service, split at spaces (e.g. --Accuracy:MaxStoredPredictions=0)
#   BENCHMARK_OUT=<dir>            where the results, the RSS samples and the service's logs go (default: a new
#                                  temporary folder)
# Exit status: 0 every target met, 1 a target missed, 2 the benchmark could not run (or a step ran out of time).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
port="${BENCHMARK_PORT:-18210}"
mlp_requests="${MEMORY_MLP_REQUESTS:-1000000}"
cnn_requests="${MEMORY_CNN_REQUESTS:-50000}"
max_growth="${MEMORY_MAX_GROWTH:-1.10}"
step_timeout="${MEMORY_STEP_TIMEOUT:-600}"
out="${BENCHMARK_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/memory-benchmark.XXXXXX")}"
base="http://127.0.0.1:$port"

mkdir -p "$out"
# shellcheck source=benchmark-common.sh
. "$here/benchmark-common.sh"
cd "$root"

echo "== Building the service and the load generator (Release)"
bench_build src/InferenceService tests/InferenceService.LoadGenerator
bench_refuse_taken "$base"

mib() { awk -v kb="$1" 'BEGIN { printf "%.1f MiB", kb / 1024 }'; }

load() { # <results name> <model> <concurrency> <requests>: closed loop, no warm-up, within MEMORY_STEP_TIMEOUT
  local status=0 name
  timeout "$step_timeout" dotnet "$root/tests/InferenceService.LoadGenerator/bin/Release/net10.0/InferenceService.LoadGenerator.dll" \
    --url "$base" -m "$2" -c "$3" -n "$4" --warmup 0 --json "$out/$1.json" 2>/dev/null || status=$?
  if [ "$status" -eq 124 ]; then
    name=${2%%_*}
    echo "$2: $4 requests took longer than $step_timeout s (MEMORY_STEP_TIMEOUT); lower MEMORY_${name^^}_REQUESTS." >&2
    exit 2
  elif [ "$status" -ne 0 ]; then
    exit 2
  fi
}

summary=()
# <model> <concurrency> <requests in all>: a fresh service, a tenth of the requests, RSS, the rest, RSS.
measure() {
  local model=$1 concurrency=$2 total=$3 first pid sampler rss_ready rss_first rss_last peak ratio verdict
  first=$((total / 10))
  echo
  echo "== $model: $total requests at concurrency $concurrency (log: $out/$model.server.log)"
  bench_start_service "$base" "$model.server"
  pid=$bench_pid
  bench_wait_ready "$model.server" "$pid" "$base/v2/health/ready"
  rss_ready=$(bench_rss_kb "$pid")

  # One RSS sample a second, "<seconds since the service was ready> <KiB>", until the service is stopped.
  (
    start=$SECONDS
    while [ -r "/proc/$pid/status" ]; do
      echo "$((SECONDS - start)) $(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)"
      sleep 1
    done
  ) >"$out/$model.rss.tsv" 2>/dev/null &
  sampler=$!
  bench_pids+=("$sampler")

  load "$model.first" "$model" "$concurrency" "$first"
  rss_first=$(bench_rss_kb "$pid")
  echo "-- RSS after $first requests: $(mib "$rss_first")"
  load "$model.rest" "$model" "$concurrency" "$((total - first))"
  rss_last=$(bench_rss_kb "$pid")
  echo "-- RSS after $total requests: $(mib "$rss_last")"
  bench_stop "$pid"
  bench_stop "$sampler"

  peak=$(awk -v p="$rss_last" '$2 > p { p = $2 } END { print p }' "$out/$model.rss.tsv")
  ratio=$(awk -v a="$rss_last" -v b="$rss_first" 'BEGIN { printf "%.3f", a / b }')
  if awk -v r="$ratio" -v m="$max_growth" 'BEGIN { exit !(r <= m) }'; then verdict=PASS; else verdict=FAIL; missed=1; fi
  summary+=("$model, concurrency $concurrency: RSS after $total / after $first requests ${ratio}x ($(mib "$rss_last") vs $(mib "$rss_first"); $(mib "$rss_ready") when ready, peak $(mib "$peak")) (target <= ${max_growth}x: $verdict)")
  summary+=("  throughput: $(loadgen throughput --result "$out/$model.first.json") req/s over the first $first, $(loadgen throughput --result "$out/$model.rest.json") over the rest")
}

if [ "$mlp_requests" -gt 0 ]; then measure mlp_unbatched 32 "$mlp_requests"; fi
if [ "$cnn_requests" -gt 0 ]; then measure cnn_unbatched 8 "$cnn_requests"; fi

echo
echo "==================== Memory benchmark: the service's RSS under load ===================="
echo "Service and load generator on the same $(nproc) cores; a fresh service for each model${BENCHMARK_SERVER_ARGS:+, with $BENCHMARK_SERVER_ARGS}."
printf '%s\n' "${summary[@]}"
echo
echo "Results: $out"
if [ "$missed" -ne 0 ]; then
  echo "At least one target was missed."
  exit 1
fi
echo "Every target was met."
