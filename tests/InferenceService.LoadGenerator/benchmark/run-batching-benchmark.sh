#!/usr/bin/env bash
# The batching benchmark: builds the server and the load generator (Release), serves the models beside this script
# on 127.0.0.1, and prints ratios measured in this one run, on this one machine:
#   (a) MLP at concurrency 32, dynamic batching on vs off: throughput ratio (target >= 4x) and p99 ratio (target <= 1x)
#   (b) CNN at concurrency 8, batching on vs off: throughput ratio (target >= 0.95x: batching must not cost compute models)
#   (c) overload: 4x the sustainable rate, open loop, against a model with a 16-request queue: no 5xx other than
#       503/504 and no transport errors (target 0 each), 503 p99 (target < 10 ms), admitted p99 (reported)
#   (d) MLP with only a queue delay (2 ms, no preferred sizes) vs no batching at concurrency 1, 8 and 32: throughput
#       ratio (target >= 1x at each: waiting must never lose) and p50 at concurrency 1 (target: within 0.1 ms)
# Ratios, not absolute figures: the server and the load generator share the machine's cores. Each configuration of
# (a), (b) and (d) runs BENCHMARK_ROUNDS times, interleaved with its counterpart in ABBA order, so a change in what
# else the machine is doing falls on both sides; the comparison pools the rounds.
#
# Usage, from anywhere:  tests/InferenceService.LoadGenerator/benchmark/run-batching-benchmark.sh
# Environment (all optional):
#   BENCHMARK_PORT=18180             port of the server on 127.0.0.1
#   BENCHMARK_ROUNDS=4               runs of each configuration in (a), (b) and (d)
#   BENCHMARK_DURATION=5s            length of each measured step of (a), (b) and (d)
#   BENCHMARK_WARMUP=10s             load on each model before the first round, not measured
#   BENCHMARK_STEP_WARMUP=5s         load before each measured step, not measured (every step is a new load generator
#                                    process, which needs seconds to reach its own steady speed)
#   BENCHMARK_OVERLOAD_DURATION=30s  length of the overload step of (c)
#   BENCHMARK_SERVER_ARGS=...        more options for the server, split at spaces
#   BENCHMARK_OUT=<dir>              where the JSON results and the server log go (default: a new temporary folder)
# Exit status: 0 every target met, 1 a target missed, 2 the benchmark could not run.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
port="${BENCHMARK_PORT:-18180}"
rounds="${BENCHMARK_ROUNDS:-4}"
duration="${BENCHMARK_DURATION:-5s}"
warmup="${BENCHMARK_WARMUP:-10s}"
step_warmup="${BENCHMARK_STEP_WARMUP:-5s}"
overload_duration="${BENCHMARK_OVERLOAD_DURATION:-30s}"
out="${BENCHMARK_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/batching-benchmark.XXXXXX")}"
base="http://127.0.0.1:$port"
# A request of 64 rows (the models' max_batch_size) costs the server far more than it costs the generator, so on a
# small machine the generator can still offer 4x what the server sustains.
overload_rows=64

mkdir -p "$out"
command -v jq >/dev/null || { echo "jq is needed to read the results files" >&2; exit 2; }
# shellcheck source=benchmark-common.sh
. "$here/benchmark-common.sh"
cd "$root"

echo "== Building the server and the load generator (Release)"
bench_build src/InferenceService tests/InferenceService.LoadGenerator
bench_refuse_taken "$base"

echo "== Starting the server on $base (log: $out/server.log)"
bench_start_service "$base"
bench_wait_ready server "$bench_pid" "$base/v2/health/ready"

run_step() { bench_step "$1" "$base" "${@:2}"; } # <results name> <load generator arguments...>
verdicts() { bench_verdicts "$@"; }

# <off model> <on model> <concurrency> [tag]: rounds of off/on, the order flipped every round (ABBA); results in
# <model><tag>.<round>.json.
interleave() {
  local off=$1 on=$2 concurrency=$3 tag=${4:-} round pair
  for round in $(seq 1 "$rounds"); do
    if [ $((round % 2)) -eq 1 ]; then pair="$off $on"; else pair="$on $off"; fi
    for model in $pair; do
      run_step "$model$tag.$round" -m "$model" -c "$concurrency" -d "$duration" --warmup "$step_warmup"
    done
  done
}
# <model><tag>: the mean over the rounds of the admitted p50, in ms.
mean_p50() {
  local files=() round
  for round in $(seq 1 "$rounds"); do files+=("$out/$1.$round.json"); done
  jq -s '[.[].steps[0].admitted.p50_ms] | add / length' "${files[@]}"
}

# The server's first seconds under load are slower (JIT tiers, ONNX Runtime's first allocations): spend them on
# every model before anything is measured, or the first rounds would carry them. The request path takes 12 to 20 s of
# load to be compiled at its best (see the README's "Warm-up and steady state"); the models share it.
echo
echo "== Warming the server up for $warmup on each model (not measured)"
for model in mlp_unbatched mlp_batched cnn_unbatched cnn_batched mlp_overload mlp_delay; do
  loadgen --url "$base" -m "$model" -c 8 -d "$warmup" --warmup 0 >/dev/null 2>&1
done

interleave mlp_unbatched mlp_batched 32
interleave cnn_unbatched cnn_batched 8
for concurrency in 1 8 32; do
  interleave mlp_unbatched mlp_delay "$concurrency" ".c$concurrency"
done
run_step overload_sustainable -m mlp_overload -b "$overload_rows" -c 32 -d 5s
rate=$(( $(loadgen throughput --result "$out/overload_sustainable.json") * 4 ))
run_step overload -m mlp_overload -b "$overload_rows" -r "$rate" -d "$overload_duration"

echo
echo "==================== Batching benchmark: ratios measured in this run ===================="
mlp_rounds=()
cnn_rounds=()
for round in $(seq 1 "$rounds"); do
  mlp_rounds+=(--baseline "$out/mlp_unbatched.$round.json" --candidate "$out/mlp_batched.$round.json")
  cnn_rounds+=(--baseline "$out/cnn_unbatched.$round.json" --candidate "$out/cnn_batched.$round.json")
done
verdicts "(a) MLP, concurrency 32: batching on / off ($rounds rounds each)" \
  compare "${mlp_rounds[@]}" --min-throughput-ratio 4 --max-p99-ratio 1
verdicts "(b) CNN, concurrency 8: batching on / off ($rounds rounds each)" \
  compare "${cnn_rounds[@]}" --min-throughput-ratio 0.95
verdicts "(c) Overload: $rate req/s of $overload_rows rows (4x the sustained closed-loop rate) for $overload_duration, queue of 16" \
  check --result "$out/overload.json" --max-other-5xx 0 --max-transport-errors 0 --max-503-p99-ms 10
delay_rounds=()
for concurrency in 1 8 32; do
  for round in $(seq 1 "$rounds"); do
    delay_rounds+=(--baseline "$out/mlp_unbatched.c$concurrency.$round.json" --candidate "$out/mlp_delay.c$concurrency.$round.json")
  done
done
verdicts "(d) MLP, 2 ms queue delay and no preferred sizes / no batching, concurrency 1, 8, 32 ($rounds rounds each)" \
  compare "${delay_rounds[@]}" --min-throughput-ratio 1
p50_off=$(mean_p50 mlp_unbatched.c1)
p50_on=$(mean_p50 mlp_delay.c1)
p50_gap=$(jq -n "$p50_on - $p50_off")
verdict=met
if jq -e -n "$p50_gap > 0.1" >/dev/null; then verdict=MISSED; missed=1; fi
printf 'c=1: p50 (mean of the rounds) %.3f vs %.3f ms: %+.3f ms (target: at most +0.1 ms) %s\n' "$p50_on" "$p50_off" "$p50_gap" "$verdict"
echo
echo "Results: $out"
if [ "$missed" -ne 0 ]; then
  echo "At least one target was missed."
  exit 1
fi
echo "Every target was met."
