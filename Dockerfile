# syntax=docker/dockerfile:1
#
# InferenceService images, CPU (default) and GPU, from one file:
#   docker build -t inferenceservice:cpu .
#   docker build -t inferenceservice:gpu --build-arg FLAVOR=gpu .
# Both serve the model repository mounted read-only at /models, the HTTP API on port 8080 and the V2 gRPC service on
# port 8001 (Triton's ports), run as UID 1654 and stop on SIGTERM.
# tests/InferenceService.Deployment.Tests reads this file: the port, health check, user, entry point and settings below
# are checked against the app there, so keep them literal.
#
# ONNX Runtime comes from NuGet like every other package: the build's OnnxRuntimePackage property picks the native
# package (Cpu: Microsoft.ML.OnnxRuntime, Gpu: Microsoft.ML.OnnxRuntime.Gpu, versions in Directory.Packages.props).

ARG FLAVOR=cpu
# ONNX Runtime 1.31's CUDA provider links CUDA 13 (libcudart.so.13, libcublas.so.13, libcublasLt.so.13, libcurand.so.10)
# and loads cuDNN 9 at run time: any CUDA 13.x runtime image with cuDNN 9 (CUDA's minor version compatibility).
ARG CUDA_IMAGE=nvidia/cuda:13.0.2-cudnn-runtime-ubuntu24.04

# ---- build ------------------------------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS restore
WORKDIR /src
# Project files first, so each flavour's restore layer is rebuilt only when a dependency changes, not on every source edit.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/InferenceService/InferenceService.csproj src/InferenceService/
COPY src/InferenceService.Engine/InferenceService.Engine.csproj src/InferenceService.Engine/

# Linux x64 only (-r linux-x64): the native libraries land next to the app. The ONNX Runtime packages' build files
# also copy their Windows DLLs (onnxruntime*.dll, 200 MB and more for the GPU build) whatever the target; they are
# removed, so only Linux natives ship. Microsoft.ML.OnnxRuntime.dll, the managed binding, is not matched.
FROM restore AS publish-cpu
RUN dotnet restore src/InferenceService/InferenceService.csproj -r linux-x64 -p:OnnxRuntimePackage=Cpu
COPY src/ src/
RUN dotnet publish src/InferenceService/InferenceService.csproj -c Release -o /app --no-restore -r linux-x64 --self-contained false \
        -p:UseAppHost=false -p:OnnxRuntimePackage=Cpu \
    && rm -f /app/onnxruntime*.dll \
    && test -e /app/libonnxruntime.so

FROM restore AS publish-gpu
RUN dotnet restore src/InferenceService/InferenceService.csproj -r linux-x64 -p:OnnxRuntimePackage=Gpu
COPY src/ src/
RUN dotnet publish src/InferenceService/InferenceService.csproj -c Release -o /app --no-restore -r linux-x64 --self-contained false \
        -p:UseAppHost=false -p:OnnxRuntimePackage=Gpu \
    && rm -f /app/onnxruntime*.dll \
    && test -e /app/libonnxruntime.so \
    && test -e /app/libonnxruntime_providers_shared.so \
    && test -e /app/libonnxruntime_providers_cuda.so

# ---- CPU runtime ------------------------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble AS runtime-cpu
LABEL org.opencontainers.image.title="InferenceService" \
      org.opencontainers.image.description="ONNX model inference server (Open Inference Protocol / KServe V2), CPU" \
      org.opencontainers.image.base.name="mcr.microsoft.com/dotnet/aspnet:10.0-noble"
ENV ASPNETCORE_HTTP_PORTS=8080 \
    Grpc__Url=http://+:8001 \
    ModelRepository__Path=/models
WORKDIR /app
# Owned by root and not writable by the service: the app never changes its own files.
COPY --from=publish-cpu /app .
# HTTP, then gRPC (HTTP/2 without TLS).
EXPOSE 8080 8001
USER 1654
# Kubernetes ignores HEALTHCHECK (it has its own probes); Docker and compose use it. See HealthCheckCommand for why
# the app checks itself instead of curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["dotnet", "/app/InferenceService.dll", "--healthcheck", "http://127.0.0.1:8080/health/live"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["dotnet", "InferenceService.dll"]

# ---- GPU runtime ------------------------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble AS aspnet

# NVIDIA's CUDA runtime image (CUDA runtime, cuBLAS, cuRAND, ...) with cuDNN; the driver (libcuda.so.1) is the host's,
# mounted by the NVIDIA container runtime. TensorRT is not included: the TensorRT provider falls back without it.
FROM ${CUDA_IMAGE} AS runtime-gpu
ARG CUDA_IMAGE
# What the .NET runtime needs beyond the CUDA image (globalization is invariant, so no ICU).
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates libssl3t64 tzdata zlib1g \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 1654 app \
    && useradd --uid 1654 --gid 1654 --create-home --shell /usr/sbin/nologin app
COPY --from=aspnet /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
LABEL org.opencontainers.image.title="InferenceService" \
      org.opencontainers.image.description="ONNX model inference server (Open Inference Protocol / KServe V2), CUDA 13 + cuDNN 9" \
      org.opencontainers.image.base.name="${CUDA_IMAGE}"
ENV ASPNETCORE_HTTP_PORTS=8080 \
    Grpc__Url=http://+:8001 \
    DOTNET_RUNNING_IN_CONTAINER=true \
    ModelRepository__Path=/models \
    OnnxRuntime__ExecutionProviders=cuda
WORKDIR /app
COPY --from=publish-gpu /app .
# The build fails here, not at the first request, when the CUDA image does not match ONNX Runtime's CUDA provider:
# every library the provider links must resolve (but the driver's libcuda.so.1), and cuDNN 9 must be installed.
RUN missing="$(ldd /app/libonnxruntime_providers_cuda.so | grep 'not found' | grep -v 'libcuda\.so\.1' || true)"; \
    if [ -n "$missing" ]; then echo "${CUDA_IMAGE} lacks libraries ONNX Runtime's CUDA provider links:"; echo "$missing"; exit 1; fi; \
    ldconfig -p | grep -q 'libcudnn\.so\.9' || { echo "${CUDA_IMAGE} has no cuDNN 9 (libcudnn.so.9)"; exit 1; }
# HTTP, then gRPC (HTTP/2 without TLS).
EXPOSE 8080 8001
USER 1654
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["dotnet", "/app/InferenceService.dll", "--healthcheck", "http://127.0.0.1:8080/health/live"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["dotnet", "InferenceService.dll"]

# ---- the image FLAVOR selects -------------------------------------------------------------------------------------
FROM runtime-${FLAVOR} AS final
# CI passes the release version and commit (and adds the creation time and source through its own labels).
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
