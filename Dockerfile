# syntax=docker/dockerfile:1
#
# InferenceService images, CPU (default) and GPU, from one file:
#   docker build -t inferenceservice:cpu .
#   docker build -t inferenceservice:gpu --build-arg FLAVOR=gpu .
# Both serve the model repository mounted read-only at /models on port 8080, run as UID 1654 and stop on SIGTERM.
# tests/InferenceService.Deployment.Tests reads this file: the port, health check, user, entry point and settings below
# are checked against the app there, so keep them literal.

ARG FLAVOR=cpu
ARG ONNXRUNTIME_VERSION=1.30.0
# ONNX Runtime 1.30's GPU build needs CUDA 12.x and cuDNN 9.x (any 12.x minor release, by CUDA's minor version compatibility).
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04

# ---- build ------------------------------------------------------------------------------------------------------
# The build fetches ONNX Runtime's CPU library with `npm pack`: only the node binary and npm are taken from this image.
FROM node:22-bookworm-slim AS node

FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS restore
WORKDIR /src
# Project files first, so the restore layer is rebuilt only when a dependency changes, not on every source edit.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/InferenceService/InferenceService.csproj src/InferenceService/
COPY src/InferenceService.Engine/InferenceService.Engine.csproj src/InferenceService.Engine/
COPY src/InferenceService.OnnxRuntime/InferenceService.OnnxRuntime.csproj src/InferenceService.OnnxRuntime/
COPY src/InferenceService.OnnxRuntime/build/ src/InferenceService.OnnxRuntime/build/
RUN dotnet restore src/InferenceService/InferenceService.csproj

FROM restore AS publish-cpu
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm
COPY src/ src/
# The fetched library is verified against its pinned SHA-256 by the build; the cache only saves the download.
RUN --mount=type=cache,target=/root/.cache/inferenceservice \
    dotnet publish src/InferenceService/InferenceService.csproj -c Release -o /app --no-restore -p:UseAppHost=false

FROM restore AS publish-gpu
COPY src/ src/
# No CPU library in the GPU image: the official GPU build is installed below and named by OnnxRuntime__LibraryPath.
RUN dotnet publish src/InferenceService/InferenceService.csproj -c Release -o /app --no-restore -p:UseAppHost=false \
    -p:OnnxRuntimeSkipNative=true

# ---- CPU runtime ------------------------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble AS runtime-cpu
LABEL org.opencontainers.image.title="InferenceService" \
      org.opencontainers.image.description="ONNX model inference server (Open Inference Protocol / KServe V2), CPU" \
      org.opencontainers.image.base.name="mcr.microsoft.com/dotnet/aspnet:10.0-noble"
ENV ASPNETCORE_HTTP_PORTS=8080 \
    ModelRepository__Path=/models
WORKDIR /app
# Owned by root and not writable by the service: the app never changes its own files.
COPY --from=publish-cpu /app .
EXPOSE 8080
USER 1654
# Kubernetes ignores HEALTHCHECK (it has its own probes); Docker and compose use it. See HealthCheckCommand for why
# the app checks itself instead of curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["dotnet", "/app/InferenceService.dll", "--healthcheck", "http://127.0.0.1:8080/health/live"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["dotnet", "InferenceService.dll"]

# ---- GPU runtime ------------------------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble AS aspnet

# The official ONNX Runtime GPU release: libonnxruntime plus its CUDA, TensorRT and shared provider libraries, which
# ONNX Runtime loads from its own folder. Pass --build-arg ONNXRUNTIME_GPU_SHA256=<hash> to pin the archive.
FROM aspnet AS onnxruntime-gpu
ARG ONNXRUNTIME_VERSION
ARG ONNXRUNTIME_GPU_SHA256=""
USER root
ADD https://github.com/microsoft/onnxruntime/releases/download/v${ONNXRUNTIME_VERSION}/onnxruntime-linux-x64-gpu-${ONNXRUNTIME_VERSION}.tgz /tmp/onnxruntime.tgz
RUN set -eu; \
    if [ -n "$ONNXRUNTIME_GPU_SHA256" ]; then \
        echo "$ONNXRUNTIME_GPU_SHA256  /tmp/onnxruntime.tgz" | sha256sum -c -; \
    else \
        echo "warning: the ONNX Runtime GPU archive is not pinned; its SHA-256 is $(sha256sum /tmp/onnxruntime.tgz | cut -d' ' -f1)"; \
    fi; \
    mkdir -p /opt/onnxruntime; \
    tar -xzf /tmp/onnxruntime.tgz -C /opt/onnxruntime --strip-components=1 --wildcards '*/lib/libonnxruntime*'; \
    test -e /opt/onnxruntime/lib/libonnxruntime.so.1; \
    test -e /opt/onnxruntime/lib/libonnxruntime_providers_cuda.so; \
    test -e /opt/onnxruntime/lib/libonnxruntime_providers_shared.so

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
COPY --from=onnxruntime-gpu /opt/onnxruntime/lib /opt/onnxruntime/lib
LABEL org.opencontainers.image.title="InferenceService" \
      org.opencontainers.image.description="ONNX model inference server (Open Inference Protocol / KServe V2), CUDA 12 + cuDNN 9" \
      org.opencontainers.image.base.name="${CUDA_IMAGE}"
ENV ASPNETCORE_HTTP_PORTS=8080 \
    DOTNET_RUNNING_IN_CONTAINER=true \
    ModelRepository__Path=/models \
    OnnxRuntime__LibraryPath=/opt/onnxruntime/lib/libonnxruntime.so.1 \
    OnnxRuntime__ExecutionProviders=cuda
WORKDIR /app
COPY --from=publish-gpu /app .
EXPOSE 8080
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
