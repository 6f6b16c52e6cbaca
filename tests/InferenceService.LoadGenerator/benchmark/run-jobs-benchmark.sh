#!/usr/bin/env bash
# The batch-job benchmark: builds the server, the load generator and the benchmarks (Release), and prints ratios
# measured in this one run, on this one machine:
#   (a) throughput: a job of BENCHMARK_JOB_ROWS rows (default 1,000,000) of the benchmark MLP (mlp_batched,
#       max_batch_size 64, one intra-op thread), uploaded as CSV, read, checked, run and written as JSON Lines by the
#       server, against ONNX Runtime called in process on ready-made tensors of the same batch size (64), with no
#       spinning (the server's setting) on one intra-op thread (the model's) and on every core (the server's default),
#       whichever is faster: rows/s ratio (target >= 0.8x). The job's rate is the server's own (rows / (finished -
#       started)), which includes counting the rows. ONNX Runtime's own defaults (idle threads spin) are measured too
#       and printed beside it.
#   (a') the same rows as a Parquet file (a string key column, 64 float columns), against the same baseline.
#       Beside each: what the server's garbage collector did over the job (bytes allocated a row, full collections,
#       seconds paused), which unlike the rates does not move with the rest of the machine's load.
#       Both are measured in BENCHMARK_JOB_ROUNDS rounds with the baseline, jobs and baseline taking turns (the
#       machine's speed drifts within minutes), after warm-up jobs; each side's rounds are pooled.
#   (b) isolation: online requests to the same model at a fixed rate (open loop), without and with a job running in
#       the job lane, in BENCHMARK_ONLINE_ROUNDS rounds (the order reversed each round, each side pooled): admitted
#       p99 ratio (target <= 1.5x), and beside it the server's own p99 ratio (its request-duration histogram, without
#       the load generator's own waits for a core on the shared machine).
# Ratios, not absolute figures: the server, the load generator and the baseline share the machine's cores.
#
# Usage, from anywhere:  tests/InferenceService.LoadGenerator/benchmark/run-jobs-benchmark.sh
# Environment (all optional):
#   BENCHMARK_PORT=18190            port of the server on 127.0.0.1
#   BENCHMARK_JOB_ROWS=1000000      rows of the throughput job
#   BENCHMARK_RATE=200              online requests per second in (b)
#   BENCHMARK_DURATION=20s          length of each online step of (b) (4,000 requests: with 2,000 the p99 of one step
#                                   moved by 2x between runs of the same build)
#   BENCHMARK_ONLINE_WARMUP=10s     unmeasured online load before the first step of (b) (5 s before the others: every
#                                   step is a new load generator, which needs seconds to reach its own steady speed)
#   BENCHMARK_ONLINE_ROUNDS=3       rounds of (b): a step without a job and one with a job, the order reversed each round
#   BENCHMARK_JOB_ROUNDS=3          rounds of (a) and (a'): a CSV job, a Parquet job, ONNX Runtime on one and on every core
#   BENCHMARK_WARMUP_JOBS=2         unmeasured CSV jobs before (a), so the job path is compiled (then one Parquet job)
#   BENCHMARK_WARMUP_ROWS=<all>     rows of each of those CSV jobs
#   BENCHMARK_OUT=<dir>             where the results, the dataset and the server log go (default: a new temporary folder)
# Exit status: 0 every target met, 1 a target missed, 2 the benchmark could not run.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
port="${BENCHMARK_PORT:-18190}"
job_rows="${BENCHMARK_JOB_ROWS:-1000000}"
rate="${BENCHMARK_RATE:-200}"
duration="${BENCHMARK_DURATION:-20s}"
online_warmup="${BENCHMARK_ONLINE_WARMUP:-10s}"
warmup_rows="${BENCHMARK_WARMUP_ROWS:-$job_rows}"
warmup_jobs="${BENCHMARK_WARMUP_JOBS:-2}"
rounds="${BENCHMARK_JOB_ROUNDS:-3}"
online_rounds="${BENCHMARK_ONLINE_ROUNDS:-3}"
out="${BENCHMARK_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/jobs-benchmark.XXXXXX")}"
base="http://127.0.0.1:$port"
model="mlp_batched"
batch=64

mkdir -p "$out"
command -v jq >/dev/null || { echo "jq is needed to read the results files" >&2; exit 2; }
# shellcheck source=benchmark-common.sh
. "$here/benchmark-common.sh"
cd "$root"

echo "== Building the server, the load generator and the benchmarks (Release)"
bench_build src/InferenceService tests/InferenceService.LoadGenerator tests/InferenceService.Benchmarks
bench_refuse_taken "$base"

echo "== Starting the server on $base (log: $out/server.log)"
# Jobs live under the benchmark's folder; the upload bound fits the dataset.
# (b) names the dataset as a file on the server (under $out): its six jobs are queued at once, with no upload between.
BENCHMARK_SERVER_ARGS="--Jobs:Directory=$out/jobs --Jobs:InputRoot=$out --Jobs:MaxUploadBytes=$((4 * 1024 * 1024 * 1024)) ${BENCHMARK_SERVER_ARGS:-}"
bench_start_service "$base" server
server_pid=$bench_pid
bench_wait_ready server "$server_pid" "$base/v2/health/ready"

features=$(curl -s "$base/v2/models/$model" | jq '.inputs[0].shape[-1]')
dataset="$out/dataset.csv"
echo "== Writing $job_rows rows of $features features to $dataset"
awk -v rows="$job_rows" -v f="$features" 'BEGIN {
  srand(1); printf "id"; for (j = 0; j < f; j++) printf ",f%d", j; printf "\n";
  for (i = 0; i < rows; i++) { printf "r%d", i; for (j = 0; j < f; j++) printf ",%.4f", rand(); printf "\n" } }' >"$dataset"

submit() { # [dataset, default the whole one]: prints the job's path
  curl -s -D - -o /dev/null -X POST "$base/v2/jobs?model=$model&key=id&batch_size=$batch&output_format=jsonl" \
    -H 'Content-Type: text/csv' --data-binary "@${1:-$dataset}" | awk 'tolower($1) == "location:" { print $2 }' | tr -d '\r'
}
wait_finished() { # <job path>: waits, prints the job
  local job
  while true; do
    job=$(curl -s "$base$1")
    case "$(jq -r .status <<<"$job")" in succeeded|failed|cancelled) echo "$job"; return ;; esac
    sleep 0.5
  done
}

parquet="$out/dataset.parquet"
echo "== Writing the same rows as Parquet to $parquet"
dotnet "$root/tests/InferenceService.Benchmarks/bin/Release/net10.0/InferenceService.Benchmarks.dll" parquet-dataset "$dataset" "$parquet"

submit_named() { # prints the job's path: a job of the dataset, named as a file on the server (no upload)
  curl -s -D - -o /dev/null -X POST "$base/v2/jobs" -H 'Content-Type: application/json' \
    -d "{\"model\": \"$model\", \"input\": {\"path\": \"$(basename "$dataset")\"}, \"key\": \"id\", \"batch_size\": $batch, \"output_format\": \"jsonl\"}" |
    awk 'tolower($1) == "location:" { print $2 }' | tr -d '\r'
}

submit_parquet() { # prints the job's path
  curl -s -D - -o /dev/null -X POST "$base/v2/jobs?model=$model&key=id&batch_size=$batch&output_format=jsonl" \
    -H 'Content-Type: application/vnd.apache.parquet' --data-binary "@$parquet" | awk 'tolower($1) == "location:" { print $2 }' | tr -d '\r'
}

# A server that has run no job yet compiles the job path while it runs the first ones (.NET's tiered compilation: a
# tenth of the CPU of a 10 s job; after a warm-up job of 100,000 rows, still 1.35 s of compiling during the next 1M-row
# job; the JIT's own thread still took 1.6, 0.3 and 0.2 s of CPU during the first three 1M-row jobs): jobs of each
# format first, not measured, as on a server that has run jobs.
echo
echo "== Warm-up jobs: $warmup_jobs of the first $warmup_rows rows, then the Parquet file (not measured)"
warmup="$dataset"
if [ "$warmup_rows" -lt "$job_rows" ]; then
  warmup="$out/warmup.csv"
  head -n "$((warmup_rows + 1))" "$dataset" >"$warmup"
fi
for ((i = 0; i < warmup_jobs; i++)); do
  wait_finished "$(submit "$warmup")" | jq -c '{status, rows, rows_per_second}'
done
wait_finished "$(submit_parquet)" | jq -c '{status, rows, rows_per_second}'

# The server's garbage collector over a job, from its /metrics (the .NET runtime's own meters): bytes allocated,
# full (gen2) collections and seconds paused. Unlike the rates, these do not depend on what else the machine does.
gc_reading() {
  curl -s "$base/metrics" | awk '
    /^dotnet_gc_heap_total_allocated_bytes_total/ { a = $NF }
    /^dotnet_gc_collections_total/ && /gen2/ { g = $NF }
    /^dotnet_gc_pause_time_seconds_total/ { p = $NF }
    END { print (a == "" ? "-" : a), (g == "" ? "-" : g), (p == "" ? "-" : p) }'
}

# The machine's speed drifts by a quarter within minutes, so the jobs and the baseline are measured in rounds, one
# after the other, the order reversed every round, and each side's rounds pooled (rows over the seconds they took).
ort_rows() { dotnet "$root/tests/InferenceService.Benchmarks/bin/Release/net10.0/InferenceService.Benchmarks.dll" ort-rows "$here/models/$model/1/model.onnx" "$job_rows" "$batch"; }
measure_job() { # <csv|parquet>: one measured job; sets measured (its rows/s, the server's own), adds its GC to the totals
  local before finished
  before=$(gc_reading)
  if [ "$1" = csv ]; then finished=$(wait_finished "$(submit)"); else finished=$(wait_finished "$(submit_parquet)"); fi
  gc_add "$1" "$before" "$(gc_reading)"
  [ "$(jq -r .status <<<"$finished")" = succeeded ] || { echo "the $1 job did not succeed: $finished" >&2; exit 2; }
  measured=$(jq -r .rows_per_second <<<"$finished")
}
declare -A gc_total=()
gc_add() { # <kind> <before> <after>: adds the job's allocations, full collections and pause to the kind's totals
  local a0 g0 p0 a1 g1 p1
  read -r a0 g0 p0 <<<"$2"
  read -r a1 g1 p1 <<<"$3"
  if [ "$a0" = - ] || [ "$a1" = - ]; then gc_total[$1]=unavailable; return; fi
  [ "${gc_total[$1]:-}" = unavailable ] && return
  local ta tg tp
  read -r ta tg tp <<<"${gc_total[$1]:-0 0 0}"
  gc_total[$1]="$((ta + a1 - a0)) $((tg + g1 - g0)) $(jq -n "$tp + $p1 - $p0")"
}
gc_per_row() { # <kind> <jobs>: the totals, per row
  [ "${gc_total[$1]}" = unavailable ] && { echo "unavailable (no runtime metrics in /metrics)"; return; }
  local a g p
  read -r a g p <<<"${gc_total[$1]}"
  awk -v a="$a" -v g="$g" -v p="$p" -v rows="$((job_rows * $2))" -v jobs="$2" \
    'BEGIN { printf "%.0f bytes allocated a row, %d full (gen2) collections in %d jobs, %.3f s paused", a / rows, g, jobs, p }'
}
pooled() { # <rates...>: rows/s of equal-sized runs pooled: runs over the sum of 1/rate
  printf '%s\n' "$@" | awk '{ n++; t += 1 / $1 } END { printf "%.1f", n / t }'
}

echo
echo "== (a) and (a'): $rounds rounds of a CSV job, a Parquet job and ONNX Runtime in process, $job_rows rows, batch $batch"
csv_rates=() parquet_rates=() single_rates=() every_rates=()
for ((round = 1; round <= rounds; round++)); do
  if ((round % 2 == 1)); then order="jobs ort"; else order="ort jobs"; fi
  for side in $order; do
    if [ "$side" = jobs ]; then
      measure_job csv
      csv_rates+=("$measured")
      measure_job parquet
      parquet_rates+=("$measured")
    else
      single_rates+=("$(BENCHMARK_ORT_THREADS=1 ort_rows)")
      every_rates+=("$(ort_rows)")
    fi
  done
  echo "round $round ($order): CSV job ${csv_rates[-1]}, Parquet job ${parquet_rates[-1]}, ONNX Runtime one intra-op thread ${single_rates[-1]}, every core ${every_rates[-1]} rows/s"
done
spinning=$(BENCHMARK_ORT_SPINNING=1 ort_rows)
server_rate=$(pooled "${csv_rates[@]}")
parquet_rate=$(pooled "${parquet_rates[@]}")
single=$(pooled "${single_rates[@]}")
every_core=$(pooled "${every_rates[@]}")
baseline=$(jq -n "[$single, $every_core] | max")
echo "pooled: baseline $baseline rows/s (one intra-op thread: $single; every core: $every_core; once, ONNX Runtime's defaults, spinning: $spinning); CSV job $server_rate; Parquet job $parquet_rate"
ratio=$(jq -n "$server_rate / $baseline")
parquet_ratio=$(jq -n "$parquet_rate / $baseline")
csv_gc=$(gc_per_row csv "$rounds")
parquet_gc=$(gc_per_row parquet "$rounds")

# (b) in rounds too: one step of online requests alone and one with a job running, alone first in one round and the job
# first in the next; each side's rounds pooled by the load generator (throughput over all the time, p99 the mean of
# the steps'): the p99 of one 20 s step is its 40th slowest request, and moved by 2x between runs of the same build.
online_alone() { # <round> <warm-up>
  echo "== (b) round $1: online requests at $rate requests/s, without a job"
  bench_step "online_alone.$1" "$base" -m "$model" -r "$rate" -d "$duration" --warmup "$2"
}
still_running=1
online_with_job() { # <round> <warm-up>: also clears still_running when the jobs ended within the step
  echo "== (b) round $1: online requests at $rate requests/s, with a job running"
  # Six jobs of the dataset: each waits as queued and starts when the one before ends, so that a job runs for the
  # whole step even when one job of the dataset takes far less time than the step (three did not always last it).
  local queued=() job status
  for _ in 1 2 3 4 5 6; do queued+=("$(submit_named)"); done
  while [ "$(curl -s "$base${queued[0]}" | jq -r .status)" = queued ]; do sleep 0.2; done
  bench_step "online_with_job.$1" "$base" -m "$model" -r "$rate" -d "$duration" --warmup "$2"
  [ "$(curl -s "$base${queued[5]}" | jq -r .status)" = succeeded ] && still_running=0 # all six ended within the step
  for job in "${queued[@]}"; do curl -s -X POST "$base$job/cancel" >/dev/null; done
  # Cancelled jobs keep their output until deleted: delete them (each round would leave hundreds of megabytes).
  for job in "${queued[@]}"; do
    while status=$(curl -s "$base$job" | jq -r .status); [ "$status" = queued ] || [ "$status" = running ]; do sleep 0.2; done
    curl -s -X DELETE "$base$job" >/dev/null
  done
}
echo
for ((round = 1; round <= online_rounds; round++)); do
  # Every step is a new load generator, which needs seconds to reach its own steady speed; the first warms the path.
  warm=5s
  ((round == 1)) && warm=$online_warmup
  if ((round % 2 == 1)); then online_alone "$round" "$warm"; online_with_job "$round" 5s; else online_with_job "$round" "$warm"; online_alone "$round" 5s; fi
done

echo
echo "-- (a) CSV job rows/s over ONNX Runtime in process: $(printf '%.2f' "$ratio")x (target >= 0.8x; over ONNX Runtime's defaults: $(jq -n "$server_rate / $spinning" | xargs printf '%.2f')x)"
if jq -e -n "$ratio < 0.8" >/dev/null; then missed=1; echo "   MISSED"; else echo "   met"; fi
echo "   the server's GC over the job: $csv_gc"
echo "-- (a') Parquet job rows/s over ONNX Runtime in process: $(printf '%.2f' "$parquet_ratio")x (target >= 0.8x; over ONNX Runtime's defaults: $(jq -n "$parquet_rate / $spinning" | xargs printf '%.2f')x)"
if jq -e -n "$parquet_ratio < 0.8" >/dev/null; then missed=1; echo "   MISSED"; else echo "   met"; fi
echo "   the server's GC over the job: $parquet_gc"
if [ "$still_running" = 0 ]; then echo "   note: in a round the six jobs ended before the online step did; that step was not all under load"; fi
mapfile -t alone_files < <(bench_round_files --baseline online_alone "$online_rounds")
mapfile -t with_job_files < <(bench_round_files --candidate online_with_job "$online_rounds")
bench_verdicts "(b) online p99 with a job over without, $online_rounds rounds pooled (target <= 1.5x)" compare "${alone_files[@]}" "${with_job_files[@]}" --max-p99-ratio 1.5
echo
echo "results: $out"
exit "$missed"
