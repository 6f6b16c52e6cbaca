#!/usr/bin/env bash
# The binary tensor data benchmark: builds the server and the load generator (Release), serves the models beside this
# script on 127.0.0.1, and sends the benchmark CNN (cnn224_unbatched: input [1, 3, 224, 224] FP32, 150528 values) the
# same request two ways, the values identical:
#   json    an Open Inference Protocol JSON body (numbers of at most six characters, as the load generator writes them)
#   binary  the binary tensor data extension: the JSON header, then the 602112 raw little-endian bytes
# It prints, for each, end-to-end requests per second (closed loop) and the server's own time outside the Run per
# request, from the service's /metrics (inference_preprocess_duration_seconds: reading the body, decoding it into the
# input tensor and gathering the batch; inference_postprocess_duration_seconds: scattering and writing the answer),
# beside the Run itself (inference_compute_duration_seconds), and the ratios binary / JSON. Targets: binary's time
# outside the Run at most a tenth of JSON's, and binary's throughput not below JSON's. The two modes alternate
# (json, binary, binary, json, ...) so a change in what else the machine does falls on both.
#
# Usage, from anywhere:  tests/InferenceService.LoadGenerator/benchmark/run-binary-benchmark.sh
# Environment (all optional):
#   BENCHMARK_PORT=18190          port of the server on 127.0.0.1
#   BENCHMARK_ROUNDS=2            json/binary pairs
#   BENCHMARK_DURATION=5s         length of each measured step, after 1 s of warm-up
#   BENCHMARK_CONCURRENCY=1       requests in flight
#   BENCHMARK_SERVER_ARGS=...     more options for the server, split at spaces
#   BENCHMARK_OUT=<dir>           where the payloads, JSON results and server log go (default: a new temporary folder)
# Exit status: 0 every target met, 1 a target missed, 2 the benchmark could not run.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
port="${BENCHMARK_PORT:-18190}"
rounds="${BENCHMARK_ROUNDS:-2}"
duration="${BENCHMARK_DURATION:-5s}"
concurrency="${BENCHMARK_CONCURRENCY:-1}"
out="${BENCHMARK_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/binary-benchmark.XXXXXX")}"
base="http://127.0.0.1:$port"
model=cnn224_unbatched

mkdir -p "$out"
command -v jq >/dev/null || { echo "jq is needed to read the results files" >&2; exit 2; }
command -v python3 >/dev/null || { echo "python3 is needed to write the payloads" >&2; exit 2; }
# shellcheck source=benchmark-common.sh
. "$here/benchmark-common.sh"

bench_build src/InferenceService tests/InferenceService.LoadGenerator
bench_refuse_taken "$base"
bench_start_service "$base"
bench_wait_ready server "$bench_pid" "$base/v2/models/$model/ready"

# The same 150528 values both ways: three decimals in [-1, 1), which FP32 holds exactly as written.
python3 - "$out" <<'PY'
import json, random, struct, sys
out = sys.argv[1]
random.seed(1)
values = [round(random.uniform(-1, 1), 3) for _ in range(3 * 224 * 224)]
tensor = {"name": "input", "datatype": "FP32", "shape": [1, 3, 224, 224]}
with open(f"{out}/json.payload", "w") as f:
    json.dump({"inputs": [dict(tensor, data=values)]}, f, separators=(",", ":"))
header = json.dumps({"inputs": [dict(tensor, parameters={"binary_data_size": 4 * len(values)})]}, separators=(",", ":")).encode()
with open(f"{out}/binary.payload", "wb") as f:
    f.write(header + struct.pack(f"<{len(values)}f", *values))
PY

metrics_sums() { # prints: preprocess_sum postprocess_sum compute_sum requests (the model's, from /metrics)
  curl -s "$base/metrics" | awk -v m="model=\"$model\"" '
    index($0, m) == 0 { next }
    /^inference_preprocess_duration_seconds_sum/  { pre += $NF }
    /^inference_postprocess_duration_seconds_sum/ { post += $NF }
    /^inference_compute_duration_seconds_sum/     { run += $NF }
    /^inference_compute_duration_seconds_count/   { n += $NF }
    END { printf "%.9f %.9f %.9f %d\n", pre, post, run, n }'
}

for ((r = 1; r <= rounds; r++)); do
  if ((r % 2 == 1)); then order=(json binary); else order=(binary json); fi
  for mode in "${order[@]}"; do
    read -r pre0 post0 run0 n0 < <(metrics_sums)
    bench_step "${mode}_$r" "$base" -m "$model" --payload "$out/$mode.payload" -c "$concurrency" -d "$duration" --warmup 1s >/dev/null
    read -r pre1 post1 run1 n1 < <(metrics_sums)
    echo "$mode $(jq -r '.steps[0].requests_per_second' "$out/${mode}_$r.json") $(jq -n "($pre1 - $pre0) * 1000") $(jq -n "($post1 - $post0) * 1000") $(jq -n "($run1 - $run0) * 1000") $((n1 - n0))" >>"$out/split.txt"
  done
done

echo
echo "== $model, [1, 3, 224, 224] FP32, concurrency $concurrency, $rounds x $duration per mode (pooled)"
awk '
  { rps[$1] += $2; steps[$1]++; pre[$1] += $3; post[$1] += $4; run[$1] += $5; n[$1] += $6 }
  END {
    printf "%-7s %10s %14s %14s %14s %12s\n", "mode", "req/s", "outside ms/req", "pre ms/req", "post ms/req", "run ms/req"
    for (i = 1; i <= 2; i++) {
      m = i == 1 ? "json" : "binary"
      out[m] = (pre[m] + post[m]) / n[m]
      printf "%-7s %10.1f %14.3f %14.3f %14.3f %12.3f\n", m, rps[m] / steps[m], out[m], pre[m] / n[m], post[m] / n[m], run[m] / n[m]
    }
    ratio = out["binary"] / out["json"]
    speed = (rps["binary"] / steps["binary"]) / (rps["json"] / steps["json"])
    printf "\nbinary / json: throughput %.2fx (target >= 1), server time outside the Run %.3fx (target <= 0.1)\n", speed, ratio
    exit !(ratio <= 0.1 && speed >= 1)
  }' "$out/split.txt" && status=0 || status=$?
echo "Results, payloads and the server log: $out"
exit "$status"
