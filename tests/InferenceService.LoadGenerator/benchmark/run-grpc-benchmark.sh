#!/usr/bin/env bash
# gRPC against HTTP on the tiny MLP (mlp_unbatched), one service serving both, measured in this same run:
#   the same requests (the load generator's generated inputs, same seed) sent as JSON over HTTP and as raw tensors
#   over gRPC (through the C# client), closed loop at BENCHMARK_CONCURRENCY, BENCHMARK_ROUNDS rounds of each,
#   interleaved (the order reversed every round: HG GH ...), so what else the machine does falls on both.
# It prints gRPC / HTTP throughput and latency ratios (the load generator's compare, rounds pooled), and where the
# CPU went: the service's and the load generator's CPU time per answered request for each protocol (from
# /proc/<pid>/stat and /usr/bin/time around each step; warm-up and the load generator's start included, so the
# figures are rough, but they tell the server's cost from the client's).
# Ratios, not absolute figures: the service and the load generator share the machine's cores.
#
# Usage, from anywhere:  tests/InferenceService.LoadGenerator/benchmark/run-grpc-benchmark.sh
# Environment (all optional):
#   BENCHMARK_PORT=18300       the service's HTTP port on 127.0.0.1; gRPC listens on the next one
#   BENCHMARK_ROUNDS=3         rounds of each protocol
#   BENCHMARK_DURATION=5s      length of each measured step, after 1 s of warm-up
#   BENCHMARK_CONCURRENCY=16   requests in flight
#   BENCHMARK_GRPC_CONNECTIONS=1  HTTP/2 connections the gRPC client spreads its calls over (--grpc-connections)
#   BENCHMARK_OUT=<dir>        where the JSON results and the service's log go (default: a new temporary folder)
# About a minute with the defaults, plus the builds when the sources changed.
# Exit status: 0 done (there is no target: the figures are reported), 2 the benchmark could not run.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
port="${BENCHMARK_PORT:-18300}"
rounds="${BENCHMARK_ROUNDS:-3}"
duration="${BENCHMARK_DURATION:-5s}"
concurrency="${BENCHMARK_CONCURRENCY:-16}"
connections="${BENCHMARK_GRPC_CONNECTIONS:-1}"
out="${BENCHMARK_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/grpc-benchmark.XXXXXX")}"
service="http://127.0.0.1:$port"
grpc="http://127.0.0.1:$((port + 1))"
model=mlp_unbatched

mkdir -p "$out"
# shellcheck source=benchmark-common.sh
. "$here/benchmark-common.sh"
cd "$root"

echo "== Building the service and the load generator (Release)"
bench_build src/InferenceService tests/InferenceService.LoadGenerator
bench_refuse_taken "$service"

echo "== Starting the service on $service, gRPC on $grpc (log in $out)"
BENCHMARK_GRPC_URL="$grpc" bench_start_service "$service" service
service_pid=$bench_pid
bench_wait_ready service "$service_pid" "$service/v2/health/ready"

args_of() { # <protocol>
  case $1 in http) echo "--protocol http" ;; grpc) echo "--protocol grpc --grpc-url $grpc --grpc-connections $connections" ;; esac
}

echo
echo "== Warming up (not measured)"
for protocol in http grpc; do
  # shellcheck disable=SC2046
  loadgen --url "$service" $(args_of "$protocol") -m "$model" -c "$concurrency" -d 2s --warmup 0 >/dev/null 2>&1
done

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # user + system, in clock ticks
ticks_per_second=$(getconf CLK_TCK)
for round in $(seq 1 "$rounds"); do
  if [ $((round % 2)) -eq 1 ]; then order=(http grpc); else order=(grpc http); fi
  for protocol in "${order[@]}"; do
    name="$protocol.$round"
    before=$(cpu_ticks "$service_pid")
    echo
    echo "== $name (load average $(cut -d' ' -f1 /proc/loadavg))"
    # shellcheck disable=SC2046
    /usr/bin/time -f "%U %S" -o "$out/$name.loadgen-cpu" \
      dotnet "$root/tests/InferenceService.LoadGenerator/bin/Release/net10.0/InferenceService.LoadGenerator.dll" \
      --url "$service" --json "$out/$name.json" $(args_of "$protocol") -m "$model" -c "$concurrency" -d "$duration" --warmup 1s 2>/dev/null
    echo $(($(cpu_ticks "$service_pid") - before)) >"$out/$name.service-ticks"
  done
done

cpu_per_request() { # <protocol>: "service µs  load generator µs" of CPU per answered request, rounds pooled
  local protocol=$1 r service=0 client=0 answered=0
  for r in $(seq 1 "$rounds"); do
    service=$((service + $(cat "$out/$protocol.$r.service-ticks")))
    client=$(awk -v c="$client" '{ print c + $1 + $2 }' "$out/$protocol.$r.loadgen-cpu")
    answered=$((answered + $(sed -n 's/^ *"answered": *\([0-9]*\).*/\1/p' "$out/$protocol.$r.json" | head -n 1)))
  done
  awk -v s="$service" -v t="$ticks_per_second" -v c="$client" -v n="$answered" \
    'BEGIN { printf "service %.0f us, load generator %.0f us", s / t / n * 1e6, c / n * 1e6 }'
}

pooled() { # <--baseline or --candidate> <protocol>
  local side=$1 protocol=$2 r
  for r in $(seq 1 "$rounds"); do printf '%s\n' "$side" "$out/$protocol.$r.json"; done
}
mapfile -t http_runs < <(pooled --baseline http)
mapfile -t grpc_runs < <(pooled --candidate grpc)
echo
echo "==================== gRPC / HTTP on $model, concurrency $concurrency: ratios measured in this run ===================="
echo "Service and load generator on the same $(nproc) cores; $rounds rounds of $duration per protocol, interleaved."
loadgen compare "${http_runs[@]}" "${grpc_runs[@]}" || { status=$?; [ "$status" -eq 1 ] || exit 2; }
echo "CPU per answered request (rough: warm-up and start-up included), HTTP: $(cpu_per_request http)"
echo "CPU per answered request (rough: warm-up and start-up included), gRPC over $connections connection(s): $(cpu_per_request grpc)"
echo
echo "Results: $out"
