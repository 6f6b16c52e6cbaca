# shellcheck shell=bash disable=SC2034 # (missed is set here, read by the scripts that source this file)
# What the benchmark scripts beside this file share; sourced by them, never run. Before sourcing, the script sets
# `root` (the repository root) and `out` (the folder for logs and results, existing). Every server started with
# bench_start is stopped when the script exits, however it exits.
: "${root:?set root before sourcing benchmark-common.sh}" "${out:?set out before sourcing benchmark-common.sh}"

command -v curl >/dev/null || { echo "curl is needed to wait for the servers" >&2; exit 2; }

# The load generator, built by bench_build.
loadgen() { dotnet "$root/tests/InferenceService.LoadGenerator/bin/Release/net10.0/InferenceService.LoadGenerator.dll" "$@"; }

bench_build() { # <project folder, from the repository root>...: Release builds, quiet
  local project
  for project in "$@"; do
    dotnet build "$root/$project" -c Release -nologo -v quiet
  done
}

bench_pids=()
bench_stop_all() {
  local pid
  for pid in "${bench_pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${bench_pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  bench_pids=()
}
bench_stop() { # <pid>: stops one process started here, and forgets it
  local pid=$1 kept=() other
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for other in "${bench_pids[@]}"; do
    if [ "$other" != "$pid" ]; then kept+=("$other"); fi
  done
  bench_pids=("${kept[@]}")
}
trap bench_stop_all EXIT
trap 'exit 130' INT TERM

bench_refuse_taken() { # <base URL>: exit 2 when anything answers there already
  if curl -s -o /dev/null "$1/"; then
    echo "Something already answers on $1; set BENCHMARK_PORT to a free port." >&2
    exit 2
  fi
}

bench_start() { # <name> <folder> <command>...: starts a server from the folder, output in $out/<name>.log; sets bench_pid
  local name=$1 folder=$2
  shift 2
  (cd "$folder" && exec "$@") >"$out/$name.log" 2>&1 &
  bench_pid=$!
  bench_pids+=("$bench_pid")
}

bench_start_service() { # <base URL> [name]: the service in Release, serving the benchmark models; sets bench_pid
  # From its bin folder, so it finds its appsettings.json. Warnings only: a log line per request would be measured too.
  # BENCHMARK_SERVER_ARGS: more of the service's options, split at spaces (e.g. --Accuracy:MaxStoredPredictions=0).
  # BENCHMARK_GRPC_URL: where the V2 gRPC service listens; empty (the default here): no gRPC port.
  local extra=()
  read -ra extra <<<"${BENCHMARK_SERVER_ARGS:-}"
  bench_start "${2:-server}" "$root/src/InferenceService/bin/Release/net10.0" dotnet InferenceService.dll --urls "$1" \
    --ModelRepository:Path="$root/tests/InferenceService.LoadGenerator/benchmark/models" --Serilog:MinimumLevel:Default=Warning \
    --Grpc:Url="${BENCHMARK_GRPC_URL:-}" "${extra[@]}"
}

bench_wait_ready() { # <name> <pid> <URL answering 200 when ready> [seconds, default 60]
  local name=$1 pid=$2 url=$3 seconds=${4:-60} i
  for ((i = 0; i < seconds * 2; i++)); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "$url")" = 200 ]; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "The $name exited before it was ready:" >&2
      tail -n 20 "$out/$name.log" >&2
      exit 2
    fi
    sleep 0.5
  done
  echo "The $name was not ready after $seconds s ($url); its log: $out/$name.log" >&2
  exit 2
}

bench_step() { # <results name> <base URL> <load generator arguments>...: one measured run, results in $out/<name>.json
  local name=$1 url=$2
  shift 2
  echo
  echo "== $name"
  loadgen --url "$url" --json "$out/$name.json" "$@" 2>/dev/null
}

bench_round_files() { # <--baseline or --candidate> <results name> <rounds>: that option and $out/<name>.<round>.json, a line each, per round
  local round
  for ((round = 1; round <= $3; round++)); do printf '%s\n' "$1" "$out/$2.$round.json"; done
}

missed=0
bench_verdicts() { # <title> <compare or check arguments>...: prints the verdicts, remembers a missed target in `missed`
  local title=$1 status=0
  shift
  echo
  echo "-- $title"
  loadgen "$@" || status=$?
  if [ "$status" -eq 1 ]; then missed=1; elif [ "$status" -ne 0 ]; then exit 2; fi
}

bench_rss_kb() { # <pid>: the process's resident set size in KiB, from /proc/<pid>/status
  awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}
