#!/usr/bin/env bash
# The comparison benchmark: the service against two baselines measured in this same run, on this same machine, with
# the same request bodies and the same load tool (our load generator):
#   - the bare Kestrel floor (floor/): an ASP.NET Core app that reads the infer body, discards it and answers a fixed
#     10-float response: the most any ASP.NET Core server can do here;
#   - a minimal Node.js server (node/server.js) on onnxruntime-node: the same models, the same V2 JSON route.
# It prints:
#   (a) MLP (mlp_unbatched), concurrency 32: service / floor throughput (target >= 0.5x)
#   (b) MLP, concurrency 32: service / Node.js throughput (target >= 2x)
#   (c) CNN (cnn_unbatched), concurrency 8: service / Node.js throughput (target >= 1.5x)
#   (c') the same network with the service's dynamic batching (cnn_batched: same file, config.json batches), against
#        the same Node.js figures: what a user gets by turning batching on, which the Node.js server cannot do
#   and the p50 and p99 latency of each server in each, as ratios and in milliseconds.
# Ratios, not absolute figures: the servers and the load generator share the machine's cores. Each server runs
# BENCHMARK_ROUNDS rounds per comparison, interleaved with the others' (the order reversed every round: ABC CBA ...),
# so a change in what else the machine is doing falls on every side; the comparison pools the rounds.
#
# Usage, from anywhere:  tests/InferenceService.LoadGenerator/benchmark/run-comparison-benchmark.sh
# Needs: the .NET SDK, curl, Node.js 18 or newer and npm (onnxruntime-node is installed into node/node_modules from
# node/package-lock.json when it is missing there; install scripts are off, see node/.npmrc).
# Environment (all optional):
#   BENCHMARK_PORT=18200       the service's port on 127.0.0.1; the floor listens on the next one, Node.js on the one after
#   BENCHMARK_ROUNDS=4         rounds of each server in each comparison
#   BENCHMARK_DURATION=5s      length of each measured step
#   BENCHMARK_WARMUP=20s       load on each server and model before the first round, not measured
#   BENCHMARK_STEP_WARMUP=5s   load before each measured step, not measured: every step is a new load generator
#                              process, whose own code needs seconds under load to reach its steady speed
#   BENCHMARK_SERVER_ARGS=...  more options for the service, split at spaces
#   BENCHMARK_OUT=<dir>        where the JSON results and the servers' logs go (default: a new temporary folder)
# About 7 minutes with the defaults on a 2-core machine (the warm-up, 6 x 20 s, and the rounds, 4 x (3 + 3) steps of 10 s,
# plus the load generator's start-up), plus the builds when the sources changed (2 to 3 minutes from clean).
# Exit status: 0 every target met, 1 a target missed, 2 the benchmark could not run.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
port="${BENCHMARK_PORT:-18200}"
rounds="${BENCHMARK_ROUNDS:-4}"
duration="${BENCHMARK_DURATION:-5s}"
warmup="${BENCHMARK_WARMUP:-20s}"
step_warmup="${BENCHMARK_STEP_WARMUP:-5s}"
out="${BENCHMARK_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/comparison-benchmark.XXXXXX")}"
service="http://127.0.0.1:$port"
floor="http://127.0.0.1:$((port + 1))"
nodejs="http://127.0.0.1:$((port + 2))"

mkdir -p "$out"
# shellcheck source=benchmark-common.sh
. "$here/benchmark-common.sh"
for tool in node npm; do
  command -v "$tool" >/dev/null || { echo "$tool is needed for the Node.js baseline" >&2; exit 2; }
done
cd "$root"

echo "== Building the service, the Kestrel floor and the load generator (Release)"
bench_build src/InferenceService tests/InferenceService.LoadGenerator tests/InferenceService.LoadGenerator/benchmark/floor

echo "== onnxruntime-node for the Node.js baseline"
wanted=$(cd "$here/node" && node -p "require('./package-lock.json').packages['node_modules/onnxruntime-node'].version")
installed=""
if [ -f "$here/node/node_modules/onnxruntime-node/package.json" ]; then
  installed=$(cd "$here/node" && node -p "require('./node_modules/onnxruntime-node/package.json').version")
fi
if [ "$installed" != "$wanted" ]; then
  (cd "$here/node" && npm ci --no-audit --no-fund)
fi
echo "Node.js $(node --version), onnxruntime-node $wanted"

for url in "$service" "$floor" "$nodejs"; do bench_refuse_taken "$url"; done

echo "== Starting the service on $service, the floor on $floor, Node.js on $nodejs (logs in $out)"
bench_start_service "$service" service
service_pid=$bench_pid
bench_start floor "$root/tests/InferenceService.LoadGenerator/benchmark/floor/bin/Release/net10.0" \
  dotnet KestrelFloor.dll --urls "$floor"
floor_pid=$bench_pid
# onnxruntime-node's library sends usage telemetry unless told not to; the service turns its own off (README, "Telemetry
# of ONNX Runtime itself"), and Node.js gets the same.
bench_start node "$here/node" env ORT_DISABLE_TELEMETRY=1 node server.js "$((port + 2))" "$here/models"
node_pid=$bench_pid
bench_wait_ready service "$service_pid" "$service/v2/health/ready"
bench_wait_ready floor "$floor_pid" "$floor/v2/models/mlp_unbatched/ready"
bench_wait_ready node "$node_pid" "$nodejs/v2/models/cnn_unbatched/ready"

url_of() { # <server>
  case $1 in service) echo "$service" ;; floor) echo "$floor" ;; node) echo "$nodejs" ;; esac
}

# <model> <concurrency> <server>...: rounds of every server, the order reversed every round. A server given as
# server@model is sent that model instead (the service's batched configuration of the same network, say).
interleave() {
  local model=$1 concurrency=$2 round server order i
  shift 2
  local forward=("$@") backward=()
  for ((i = $# - 1; i >= 0; i--)); do backward+=("${forward[i]}"); done
  for round in $(seq 1 "$rounds"); do
    if [ $((round % 2)) -eq 1 ]; then order=("${forward[@]}"); else order=("${backward[@]}"); fi
    for server in "${order[@]}"; do
      local name=${server%@*} sent=$model
      [ "$server" = "$name" ] || sent=${server#*@}
      bench_step "$name.$sent.$round" "$(url_of "$name")" -m "$sent" -c "$concurrency" -d "$duration" --warmup "$step_warmup"
    done
  done
}

# The first seconds under load are slower (JIT tiers, ONNX Runtime's first allocations, V8's optimizer): spend them
# on every server and model before anything is measured, or the first rounds would carry them. The service takes the
# longest: its request path is the most code, and .NET's tiered compilation with dynamic PGO (instrumented code
# first, then optimized from what it saw) needs 12 to 20 s of load on 2 busy cores before its rate stops rising.
echo
echo "== Warming the servers up for $warmup each, at the concurrency measured (not measured)"
for target in service:mlp_unbatched:32 floor:mlp_unbatched:32 node:mlp_unbatched:32 service:cnn_unbatched:8 service:cnn_batched:8 node:cnn_unbatched:8; do
  IFS=: read -r name model concurrency <<<"$target"
  loadgen --url "$(url_of "$name")" -m "$model" -c "$concurrency" -d "$warmup" --warmup 0 >/dev/null 2>&1
done

interleave mlp_unbatched 32 service floor node
interleave cnn_unbatched 8 service node service@cnn_batched

# Every server describes a model with the same metadata, so the load generator (same seed) sends each the same bytes.
for model in mlp_unbatched cnn_unbatched; do
  if [ "$(grep -h '"payload_bytes"' "$out"/*."$model".*.json | sort -u | wc -l)" -ne 1 ]; then
    echo "The $model request bodies differ in size between the servers; the comparison is void." >&2
    exit 2
  fi
done

echo
echo "==================== Comparison benchmark: ratios measured in this run ===================="
echo "Servers and load generator on the same $(nproc) cores; $rounds rounds of $duration per server, interleaved."
echo "Node.js $(node --version), onnxruntime-node $wanted; the service on ONNX Runtime $(sed -n 's/.*Microsoft.ML.OnnxRuntime.Managed" Version="\([^"]*\)".*/\1/p' "$root/Directory.Packages.props")."
mapfile -t floor_mlp < <(bench_round_files --baseline floor.mlp_unbatched "$rounds")
mapfile -t node_mlp < <(bench_round_files --baseline node.mlp_unbatched "$rounds")
mapfile -t node_cnn < <(bench_round_files --baseline node.cnn_unbatched "$rounds")
mapfile -t service_mlp < <(bench_round_files --candidate service.mlp_unbatched "$rounds")
mapfile -t service_cnn < <(bench_round_files --candidate service.cnn_unbatched "$rounds")
mapfile -t batched_cnn < <(bench_round_files --candidate service.cnn_batched "$rounds")
bench_verdicts "(a) MLP, concurrency 32: service / bare Kestrel floor" \
  compare "${floor_mlp[@]}" "${service_mlp[@]}" --min-throughput-ratio 0.5
bench_verdicts "(b) MLP, concurrency 32: service / Node.js" \
  compare "${node_mlp[@]}" "${service_mlp[@]}" --min-throughput-ratio 2
bench_verdicts "(c) CNN, concurrency 8: service / Node.js, both running each request alone" \
  compare "${node_cnn[@]}" "${service_cnn[@]}" --min-throughput-ratio 1.5
bench_verdicts "(c') CNN, concurrency 8: service with dynamic batching (cnn_batched) / Node.js (no batching)" \
  compare "${node_cnn[@]}" "${batched_cnn[@]}" --min-throughput-ratio 1.5
echo
echo "Results: $out"
if [ "$missed" -ne 0 ]; then
  echo "At least one target was missed."
  exit 1
fi
echo "Every target was met."
