#!/usr/bin/env bash
# The shared-state benchmark: what keeping predictions for feedback in Redis (Accuracy:Store=redis) costs the online
# path against keeping them in memory (the default). Two services run side by side on 127.0.0.1 from the same build
# and benchmark models, one with each store; a redis-server (Debian's, from PATH) runs on loopback with its own
# temporary folder and nothing persisted. The tiny MLP (mlp_unbatched) is sent closed-loop load at concurrency 32 in
# interleaved rounds (memory then Redis, Redis then memory, ...), so both see the same machine. Every answered
# prediction is kept for feedback (its id, its ten output values) by both.
# Target: Redis throughput at least 0.9x memory's (the p99 ratio is reported too). Because a busy machine makes
# throughput noisy, the CPU time each service process (and redis-server) spent per answered request is reported too,
# from /proc/<pid>/stat over the measured steps.
# About 1 minute with the defaults, plus the builds. Server, Redis and load generator share the machine's cores.
#
# Usage, from anywhere:  tests/InferenceService.LoadGenerator/benchmark/run-shared-state-benchmark.sh
# Environment (all optional):
#   BENCHMARK_PORT=18230           the memory service's port on 127.0.0.1; the Redis service uses the next, redis-server the one after
#   BENCHMARK_ROUNDS=3             rounds per store
#   BENCHMARK_DURATION=5s          length of each measured step
#   BENCHMARK_CONCURRENCY=32       requests in flight
#   BENCHMARK_MIN_RATIO=0.9        the target: Redis throughput / memory throughput
#   BENCHMARK_OUT=<dir>            where the results and the logs go (default: a new temporary folder)
# Exit status: 0 the target met, 1 missed, 2 the benchmark could not run.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
port="${BENCHMARK_PORT:-18230}"
rounds="${BENCHMARK_ROUNDS:-3}"
duration="${BENCHMARK_DURATION:-5s}"
concurrency="${BENCHMARK_CONCURRENCY:-32}"
min_ratio="${BENCHMARK_MIN_RATIO:-0.9}"
out="${BENCHMARK_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/shared-state-benchmark.XXXXXX")}"
memory="http://127.0.0.1:$port"
shared="http://127.0.0.1:$((port + 1))"
redis_port=$((port + 2))

mkdir -p "$out"
command -v redis-server >/dev/null || { echo "redis-server is needed: bash .ci/install-redis installs Debian's" >&2; exit 2; }
command -v jq >/dev/null || { echo "jq is needed to read the results files" >&2; exit 2; }
command -v redis-cli >/dev/null || { echo "redis-cli is needed (Debian's redis-tools, installed with redis-server)" >&2; exit 2; }
# shellcheck source=benchmark-common.sh
. "$here/benchmark-common.sh"
cd "$root"

echo "== Building the service and the load generator (Release)"
bench_build src/InferenceService tests/InferenceService.LoadGenerator
bench_refuse_taken "$memory"
bench_refuse_taken "$shared"

mkdir -p "$out/redis"
echo "== Starting redis-server on 127.0.0.1:$redis_port (log: $out/redis.log)"
bench_start redis "$out/redis" redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$out/redis" --save "" --appendonly no
redis_server_pid=$bench_pid
for _ in $(seq 1 40); do
  if [ "$(redis-cli -p "$redis_port" ping 2>/dev/null)" = PONG ]; then break; fi
  sleep 0.25
done
[ "$(redis-cli -p "$redis_port" ping 2>/dev/null)" = PONG ] || { echo "redis-server did not answer; its log: $out/redis.log" >&2; exit 2; }

echo "== Starting the services: memory store on $memory, Redis store on $shared"
bench_start_service "$memory" memory.server
memory_pid=$bench_pid
BENCHMARK_SERVER_ARGS="${BENCHMARK_SERVER_ARGS:-} --Accuracy:Store=redis --Accuracy:Redis:Configuration=127.0.0.1:$redis_port" \
  bench_start_service "$shared" redis.server
redis_pid=$bench_pid
bench_wait_ready memory.server "$memory_pid" "$memory/v2/health/ready"
bench_wait_ready redis.server "$redis_pid" "$shared/v2/health/ready"

echo "== Warming both up (not measured)"
for url in "$memory" "$shared"; do
  loadgen --url "$url" -m mlp_unbatched -c 8 -d 2s --warmup 0 >/dev/null 2>&1
done

cpu_ticks() { # <pid>: user + system CPU time of a process, in clock ticks
  awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}
answered() { # <results file>: 2xx answers of its steps
  jq '[.steps[].succeeded] | add' "$1"
}
declare -A ticks=([memory]=0 [redis]=0 [redis-server]=0) requests=([memory]=0 [redis]=0)
pairs=()
for round in $(seq 1 "$rounds"); do
  if [ $((round % 2)) -eq 1 ]; then order="memory redis"; else order="redis memory"; fi
  for store in $order; do
    if [ "$store" = memory ]; then url=$memory; pid=$memory_pid; else url=$shared; pid=$redis_pid; fi
    service_before=$(cpu_ticks "$pid")
    redis_before=$(cpu_ticks "${redis_server_pid:-0}")
    bench_step "$store.$round" "$url" -m mlp_unbatched -c "$concurrency" -d "$duration" --warmup 1s
    ticks[$store]=$(( ticks[$store] + $(cpu_ticks "$pid") - service_before ))
    if [ "$store" = redis ]; then ticks[redis-server]=$(( ticks[redis-server] + $(cpu_ticks "${redis_server_pid:-0}") - redis_before )); fi
    requests[$store]=$(( requests[$store] + $(answered "$out/$store.$round.json") ))
  done
  pairs+=(--baseline "$out/memory.$round.json" --candidate "$out/redis.$round.json")
done

kept=$(redis-cli -p "$redis_port" llen inference:accuracy:kept)
writes=$(curl -s "$shared/metrics" | awk '/^inference_accuracy_store_writes_total/ { print }')

echo
echo "==================== Shared-state benchmark: Accuracy:Store=redis / memory, measured in this run ===================="
echo "mlp_unbatched, concurrency $concurrency, $rounds rounds of $duration each; service, redis-server and load generator on the same $(nproc) cores."
echo "Predictions kept in Redis at the end: $kept (bound: Accuracy:MaxStoredPredictions). The Redis service's writes:"
echo "${writes:-  (none)}"
hz=$(getconf CLK_TCK)
per_request() { awk -v t="$1" -v n="$2" -v hz="$hz" 'BEGIN { if (n > 0) printf "%.1f", t / hz / n * 1e6; else printf "n/a" }'; }
echo "CPU per answered request (includes the warm-up second of each step): memory-store service $(per_request "${ticks[memory]}" "${requests[memory]}") us;" \
  "Redis-store service $(per_request "${ticks[redis]}" "${requests[redis]}") us, plus redis-server $(per_request "${ticks[redis-server]}" "${requests[redis]}") us."
bench_verdicts "MLP online path, Redis store / memory store" compare "${pairs[@]}" --min-throughput-ratio "$min_ratio"
echo
echo "Results: $out"
if [ "$missed" -ne 0 ]; then
  echo "The target was missed."
  exit 1
fi
echo "The target was met."
