#!/usr/bin/env bash
# The GPU check: does ONNX Runtime's CUDA provider work on this machine, with this service, and does it compute what
# the CPU computes? Four steps, each printed as it runs, then one summary and a verdict line:
#   1. the GPU and the driver: nvidia-smi's output and the newest CUDA version the driver runs (13 or newer needed)
#   2. the service published with the Gpu flavour (-p:OnnxRuntimePackage=Gpu: Microsoft.ML.OnnxRuntime.Gpu)
#   3. ldd on the CUDA and TensorRT provider libraries of that build: every library they link, found or not, and
#      what to install for a missing one; cuDNN 9, which the CUDA provider loads at run time, is looked up too
#   4. the benchmark CNN served twice on 127.0.0.1, one copy on CUDA (require_gpu: it fails to load rather than fall
#      back to the CPU) and one on the CPU: the same request to both, the largest absolute difference of their
#      outputs, and each copy's throughput measured by the load generator (a few seconds each)
# Needs only the .NET SDK (global.json's), bash, coreutils, grep, sed, curl and ldd; no python, no jq.
#
# Usage, from anywhere:  tests/InferenceService.LoadGenerator/benchmark/gpu-check.sh [--app DIR] [--no-serve]
#   --app DIR     check this published service (InferenceService.dll and its native libraries, next to it or under
#                 runtimes/linux-x64/native) instead of publishing one
#   --no-serve    stop after step 3 (no server, no load)
# Environment (all optional):
#   GPU_CHECK_PORT=18190          port of the server on 127.0.0.1
#   GPU_CHECK_DURATION=3s         length of each throughput measurement, after 1 s of warm-up
#   GPU_CHECK_CONCURRENCY=8       requests in flight during the measurements
#   GPU_CHECK_TOLERANCE=0.001     largest absolute difference between the CUDA and CPU outputs that passes
#   GPU_CHECK_OUT=<dir>           where the build, the model repository, the results and the server log go
#                                 (default: a new temporary folder)
#   GPU_CHECK_NVIDIA_SMI=<path>   the nvidia-smi to run (default: the one on PATH)
#   OnnxRuntime__LibraryPath      a custom ONNX Runtime build: the service loads it, and step 3 checks the provider
#                                 libraries beside it
# Exit status: 0 the CUDA provider works and agrees with the CPU; 1 a check failed (the verdict line says which);
# 2 the check could not run (build failed, port taken, a tool missing).
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
port="${GPU_CHECK_PORT:-18190}"
duration="${GPU_CHECK_DURATION:-3s}"
concurrency="${GPU_CHECK_CONCURRENCY:-8}"
tolerance="${GPU_CHECK_TOLERANCE:-0.001}"
smi="${GPU_CHECK_NVIDIA_SMI:-nvidia-smi}"
base="http://127.0.0.1:$port"
app=""
serve=yes

while [ $# -gt 0 ]; do
  case "$1" in
    --app) [ $# -ge 2 ] || { echo "--app needs a folder" >&2; exit 2; }; app="$2"; shift 2 ;;
    --no-serve) serve=no; shift ;;
    -h|--help) sed -n '2,/^set -uo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "Unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

out="${GPU_CHECK_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/gpu-check.XXXXXX")}"
mkdir -p "$out" || exit 2
problems=()   # why the verdict is FAIL, one entry each
summary=()    # the summary's lines
section() { echo; echo "== $*"; }
fail_setup() { echo; echo "VERDICT: GPU check could not run: $*"; exit 2; }

# ---- 1. GPU and driver ---------------------------------------------------------------------------------------------
section "1/4 GPU and driver"
gpu_line="none visible"
if ! command -v "$smi" >/dev/null 2>&1; then
  echo "No nvidia-smi ($smi is not on PATH): there is no NVIDIA driver on this machine, or this container was started"
  echo "without the GPU (Docker: --gpus all with the NVIDIA Container Toolkit; Kubernetes: an nvidia.com/gpu limit)."
  echo "What that means: ONNX Runtime's CUDA provider cannot start here (it needs the driver's libcuda.so.1 and a GPU)."
  echo "The service still runs every model on the CPU (the Gpu build includes the CPU provider), and it refuses to load a"
  echo "model whose config.json sets require_gpu. Steps 2 and 3 still show what the build links and what is missing."
  problems+=("no NVIDIA GPU or driver visible (no nvidia-smi)")
elif ! smi_output="$("$smi" 2>&1)"; then
  printf '%s\n' "$smi_output"
  echo "nvidia-smi is installed but failed: the driver is not loaded, or no GPU is visible to this machine or container."
  problems+=("nvidia-smi failed: the NVIDIA driver is not working")
else
  printf '%s\n' "$smi_output"
  driver_cuda="$(printf '%s\n' "$smi_output" | grep -o 'CUDA Version: *[0-9][0-9.]*' | head -n 1 | grep -o '[0-9][0-9.]*$')"
  gpu_names="$("$smi" --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | sed 's/, / | /g')"
  echo
  if [ -z "$driver_cuda" ]; then
    echo "nvidia-smi did not print the driver's CUDA version."
    problems+=("the driver's CUDA version is unknown")
  else
    echo "The driver runs CUDA up to $driver_cuda. The Gpu build's CUDA provider needs CUDA 13 (driver R580 or newer)."
    if [ "${driver_cuda%%.*}" -lt 13 ]; then
      echo "This driver is too old for it: update the NVIDIA driver to R580 or newer."
      problems+=("the driver runs CUDA $driver_cuda; CUDA 13 needs driver R580 or newer")
    fi
  fi
  gpu_line="${gpu_names:-unknown GPU}; the driver runs CUDA up to ${driver_cuda:-?}"
fi
summary+=("GPU:                $gpu_line")

# ---- 2. The Gpu build ----------------------------------------------------------------------------------------------
command -v dotnet >/dev/null || fail_setup "no dotnet on PATH (the .NET SDK of global.json is needed)"
cd "$root" || exit 2
if [ -n "$app" ]; then
  section "2/4 The service: $app (--app, not built here)"
  app="$(cd "$app" 2>/dev/null && pwd)" || fail_setup "--app: no such folder"
else
  app="$out/app"
  section "2/4 Publishing the service with the Gpu flavour (Release, linux-x64) to $app"
  dotnet publish src/InferenceService/InferenceService.csproj -c Release -r linux-x64 --self-contained false \
    -p:UseAppHost=false -p:OnnxRuntimePackage=Gpu -o "$app" -nologo -v quiet || fail_setup "dotnet publish failed"
fi
if [ -n "${OnnxRuntime__LibraryPath:-}" ]; then
  native="$(dirname "$OnnxRuntime__LibraryPath")"
  echo "OnnxRuntime__LibraryPath names a custom build, $OnnxRuntime__LibraryPath: the service loads it, and its providers are checked."
elif [ -e "$app/libonnxruntime_providers_cuda.so" ] || [ ! -d "$app/runtimes/linux-x64/native" ]; then
  native="$app"
else
  native="$app/runtimes/linux-x64/native"
fi
package="$(grep -ho '"Microsoft\.ML\.OnnxRuntime[A-Za-z.]*/[0-9][^"]*"' "$app"/*.deps.json 2>/dev/null | tr -d '"' | sort -u | tr '\n' ' ' | sed 's/ $//')"
echo "ONNX Runtime packages in the build: ${package:-none listed in the deps.json}"
echo "Native libraries in $native:"
natives=0
for file in "$native"/libonnxruntime*.so*; do
  [ -e "$file" ] || continue
  natives=$((natives + 1))
  printf '  %-40s %s bytes\n' "$(basename "$file")" "$(stat -c %s "$file")"
done
[ "$natives" -gt 0 ] || echo "  none"
summary+=("Build:              ${package:-no ONNX Runtime package listed} (natives in $native)")

# ---- 3. What the providers link ------------------------------------------------------------------------------------
section "3/4 The libraries ONNX Runtime's GPU providers link (ldd)"
command -v ldd >/dev/null || fail_setup "no ldd on PATH"

# What to install for a library the providers need.
hint() {
  case "$1" in
    libcudart.so.13) echo "the CUDA 13 runtime: cuda-cudart-13-0 from NVIDIA's CUDA repository for Debian/Ubuntu (or every CUDA 13 library at once: cuda-libraries-13-0), or start from the nvidia/cuda:13.0.x-runtime-ubuntu24.04 image" ;;
    libcublas.so.13|libcublasLt.so.13) echo "cuBLAS 13: libcublas-13-0 (NVIDIA's CUDA repository; also in cuda-libraries-13-0 and the nvidia/cuda:13.0.x-runtime images)" ;;
    libcurand.so.10) echo "cuRAND 10, CUDA 13's: libcurand-13-0 (NVIDIA's CUDA repository; also in cuda-libraries-13-0 and the nvidia/cuda:13.0.x-runtime images)" ;;
    libcudnn.so.9) echo "cuDNN 9 for CUDA 13: libcudnn9-cuda-13 (NVIDIA's repository), or the nvidia/cuda:13.0.x-cudnn-runtime-ubuntu24.04 image" ;;
    libcuda.so.1) echo "the NVIDIA driver's CUDA library, R580 or newer: libnvidia-compute-580 (Ubuntu) or libcuda1 (Debian non-free); in a container it comes from the host when started with the GPU (--gpus all)" ;;
    libnvinfer.so.10|libnvonnxparser.so.10) echo "TensorRT 10 for CUDA 13: libnvinfer10 and libnvonnxparsers10 (NVIDIA's repository); only the tensorrt provider needs it" ;;
    *) echo "not a library this script knows; find its package with dpkg -S or apt-file search" ;;
  esac
}

# Where the loader finds a library that is loaded at run time rather than linked (dlopen): ldconfig's cache, then
# LD_LIBRARY_PATH.
find_library() {
  local name=$1 dir
  local IFS=:
  for dir in ${LD_LIBRARY_PATH:-}; do
    if [ -n "$dir" ] && [ -e "$dir/$name" ]; then echo "$dir/$name"; return 0; fi
  done
  ldconfig -p 2>/dev/null | grep -F " $name " | head -n 1 | sed 's/.* => //' | grep . && return 0
  return 1
}

# A library that exists but not on the loader's path: CUDA's own folder without an ld.so.conf entry, say.
off_path() {
  local name=$1 candidate
  for candidate in /usr/local/cuda*/lib64/"$name" /usr/local/cuda*/targets/x86_64-linux/lib/"$name" /usr/lib/x86_64-linux-gnu/"$name"; do
    if [ -e "$candidate" ]; then echo "$candidate"; return 0; fi
  done
  return 1
}

# <provider>: prints every library the provider links and whether the loader finds it; sets missing_libraries.
check_provider() {
  local provider=$1 library="$native/libonnxruntime_providers_$1.so" line name target found=0 where
  missing_libraries=()
  echo
  echo "-- $library"
  if [ ! -e "$library" ]; then
    echo "  not in the build"
    return 2
  fi
  while IFS= read -r line; do
    [[ "$line" == *"=>"* ]] || continue
    name="$(sed 's/^[[:space:]]*//; s/ =>.*//' <<<"$line")"
    target="$(sed 's/.*=> //; s/ (0x[0-9a-f]*)$//' <<<"$line")"
    if [ "$target" = "not found" ]; then
      missing_libraries+=("$name")
      printf '  %-28s MISSING  install %s\n' "$name" "$(hint "$name")"
      if where="$(off_path "$name")"; then
        printf '  %-28s          (it exists at %s, but not on the loader path: add its folder to LD_LIBRARY_PATH or /etc/ld.so.conf.d)\n' "" "$where"
      fi
    else
      found=$((found + 1))
      printf '  %-28s found    %s\n' "$name" "$target"
    fi
  done < <(ldd "$library" 2>&1)
  if [ "$provider" = cuda ]; then
    # The CUDA provider loads cuDNN when it creates a session: ldd cannot see it.
    if where="$(find_library libcudnn.so.9)"; then
      printf '  %-28s found    %s (loaded at run time, not linked)\n' "libcudnn.so.9" "$where"
    else
      missing_libraries+=("libcudnn.so.9")
      printf '  %-28s MISSING  (loaded at run time, not linked) install %s\n' "libcudnn.so.9" "$(hint libcudnn.so.9)"
    fi
  fi
  echo "  $found found, ${#missing_libraries[@]} missing"
  [ "${#missing_libraries[@]}" -eq 0 ]
}

check_provider cuda
case $? in
  0) summary+=("CUDA provider:      every library it needs is found") ;;
  2) summary+=("CUDA provider:      not in the build")
     problems+=("the build has no libonnxruntime_providers_cuda.so: it is not the Gpu flavour (-p:OnnxRuntimePackage=Gpu)") ;;
  *) summary+=("CUDA provider:      cannot load, missing ${missing_libraries[*]}")
     problems+=("the CUDA provider cannot load: missing ${missing_libraries[*]}") ;;
esac
check_provider tensorrt
case $? in
  0) summary+=("TensorRT provider:  every library it links is found") ;;
  2) summary+=("TensorRT provider:  not in the build") ;;
  # Optional: no image of this project ships TensorRT, and a model asking for it falls back to CUDA or the CPU.
  *) summary+=("TensorRT provider:  cannot load, missing ${missing_libraries[*]} (optional: the tensorrt provider falls back)") ;;
esac

# ---- 4. Serve the CNN on CUDA and on the CPU -----------------------------------------------------------------------
if [ "$serve" = no ]; then
  section "4/4 Serving skipped (--no-serve)"
  summary+=("Serving:            skipped (--no-serve)")
else
  section "4/4 The benchmark CNN on CUDA and on the CPU, served on $base"
  command -v curl >/dev/null || fail_setup "no curl on PATH (it waits for the server)"
  if curl -s -o /dev/null "$base/v2/health/live"; then
    fail_setup "something already answers on $base; set GPU_CHECK_PORT to a free port"
  fi
  dotnet build tests/InferenceService.LoadGenerator -c Release -nologo -v quiet >"$out/loadgen-build.log" 2>&1 \
    || { cat "$out/loadgen-build.log"; fail_setup "building the load generator failed"; }
  loadgen() { dotnet "$root/tests/InferenceService.LoadGenerator/bin/Release/net10.0/InferenceService.LoadGenerator.dll" "$@"; }

  # Two copies of one model: the CUDA one must run on the GPU or fail to load; the CPU one is the reference.
  repo="$out/models"
  model="$here/models/cnn_unbatched/1/model.onnx"
  write_copy() { # <name> <instance kind> <execution provider> <require_gpu>
    { mkdir -p "$repo/$1/1" && cp "$model" "$repo/$1/1/model.onnx"; } || fail_setup "cannot copy $model"
    cat >"$repo/$1/config.json" <<EOF
{
  "name": "$1",
  "platform": "onnxruntime_onnx",
  "max_batch_size": 64,
  "instance_group": [{ "count": 1, "kind": "$2" }],
  "parameters": {
    "execution_provider": { "string_value": "$3" },
    "require_gpu": { "string_value": "$4" }
  }
}
EOF
  }
  write_copy cnn_cuda KIND_GPU cuda true
  write_copy cnn_cpu KIND_CPU cpu false
  echo "Model repository: $repo (cnn_cuda: execution_provider cuda, require_gpu true; cnn_cpu: execution_provider cpu)"

  echo "Starting the server (log: $out/server.log)"
  (cd "$app" && exec dotnet InferenceService.dll --urls "$base" --ModelRepository:Path="$repo" \
    --Authentication:AnonymousLoopbackManagement=true --Serilog:MinimumLevel:Default=Warning --Grpc:Url=) >"$out/server.log" 2>&1 &
  server_pid=$!
  stop_server() {
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  }
  trap stop_server EXIT INT TERM

  # Each copy ends READY or FAILED (CUDA's first session can take a while: up to 3 minutes are allowed).
  declare -A state reason
  for _ in $(seq 1 360); do
    if ! kill -0 "$server_pid" 2>/dev/null; then
      tail -n 30 "$out/server.log"
      fail_setup "the server exited before its models were loaded"
    fi
    index="$(curl -s -X POST -H 'Content-Type: application/json' -d '{}' "$base/v2/repository/index" || true)"
    settled=0
    for m in cnn_cuda cnn_cpu; do
      entry="$(grep -o "{\"name\":\"$m\"[^}]*}" <<<"$index" | head -n 1)"
      state[$m]="$(grep -o '"state":"[A-Z]*"' <<<"$entry" | sed 's/.*:"//; s/"//')"
      reason[$m]="$(grep -o '"reason":"[^"]*' <<<"$entry" | sed 's/^"reason":"//')"
      case "${state[$m]}" in READY|FAILED) settled=$((settled + 1)) ;; esac
    done
    [ "$settled" -eq 2 ] && break
    sleep 0.5
  done
  for m in cnn_cuda cnn_cpu; do
    echo "  $m: ${state[$m]:-no answer}${reason[$m]:+ (${reason[$m]})}"
    # The summary and the verdict carry a long reason's start and end (where ONNX Runtime says what failed); the
    # line above has all of it.
    [ "${#reason[$m]}" -le 240 ] || reason[$m]="${reason[$m]:0:80} ... ${reason[$m]: -150}"
  done

  if [ "${state[cnn_cuda]:-}" != READY ]; then
    problems+=("the CUDA copy of the CNN did not load: ${reason[cnn_cuda]:-state ${state[cnn_cuda]:-unknown}}")
    summary+=("CUDA session:       not loaded (require_gpu): ${reason[cnn_cuda]:-state ${state[cnn_cuda]:-unknown}}")
  else
    summary+=("CUDA session:       loaded with require_gpu, so it runs on the GPU")
  fi
  [ "${state[cnn_cpu]:-}" = READY ] || problems+=("the CPU copy of the CNN did not load: ${reason[cnn_cpu]:-state ${state[cnn_cpu]:-unknown}}")

  if [ "${state[cnn_cuda]:-}" = READY ] && [ "${state[cnn_cpu]:-}" = READY ]; then
    echo
    echo "-- The same generated request to both copies (the CPU's answer is the reference)"
    status=0
    comparison="$(loadgen compare-outputs --url "$base" -m cnn_cpu -m cnn_cuda --max-abs-diff "$tolerance" 2>&1)" || status=$?
    printf '%s\n' "$comparison"
    summary+=("Outputs:            $(tail -n 1 <<<"$comparison")")
    case $status in
      0) ;;
      1) problems+=("the CUDA outputs differ from the CPU's by more than $tolerance") ;;
      *) problems+=("the outputs could not be compared") ;;
    esac
  else
    summary+=("Outputs:            not compared (both copies must be loaded)")
  fi

  throughput=()
  for m in cnn_cpu cnn_cuda; do
    [ "${state[$m]:-}" = READY ] || continue
    echo
    echo "-- Throughput of $m: concurrency $concurrency for $duration after 1 s of warm-up"
    if loadgen --url "$base" -m "$m" -c "$concurrency" -d "$duration" --warmup 1s --json "$out/$m.json" >"$out/$m.txt" 2>&1; then
      sed -n '/^step  *sent/,/^$/p' "$out/$m.txt"
      throughput+=("$m $(loadgen throughput --result "$out/$m.json") req/s")
    else
      cat "$out/$m.txt"
      problems+=("the load generator could not measure $m")
    fi
  done
  if [ -e "$out/cnn_cpu.json" ] && [ -e "$out/cnn_cuda.json" ]; then
    echo
    ratio="$(loadgen compare --baseline "$out/cnn_cpu.json" --candidate "$out/cnn_cuda.json" | grep 'throughput ratio' | sed 's/.*throughput ratio //')"
    summary+=("Throughput:         CUDA / CPU $ratio at concurrency $concurrency, $duration each")
  elif [ "${#throughput[@]}" -gt 0 ]; then
    summary+=("Throughput:         ${throughput[*]} (concurrency $concurrency, $duration)")
  fi
  stop_server
  trap - EXIT INT TERM
fi

# ---- Summary ------------------------------------------------------------------------------------------------------
echo
echo "==================== GPU check: summary ===================="
printf '%s\n' "${summary[@]}"
echo "Files:              $out"
if [ "${#problems[@]}" -gt 0 ]; then
  reasons="$(printf '%s; ' "${problems[@]}")"
  echo "VERDICT: FAIL: ${reasons%; }"
  exit 1
fi
if [ "$serve" = no ]; then
  echo "VERDICT: PASS: a GPU, a CUDA 13 driver and every library the CUDA provider needs are here (serving skipped)"
else
  echo "VERDICT: PASS: the CUDA provider loads, runs the CNN on the GPU and agrees with the CPU within $tolerance"
fi
exit 0
