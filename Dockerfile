# Isengard for a GPU pod (RunPod style): the web UI and API on port 3000; the Temporal dev server, ComfyUI and
# ai-toolkit run inside the container under the all-in-one supervisor. README.md, "Production (GPU pod)".
#   docker build -t isengard .
#   docker run --gpus all -p 3000:3000 -v isengard-data:/workspace -e HF_TOKEN=hf_... isengard

# ---- base: CUDA runtime, Python, git, Node.js ------------------------------------------------------------------
FROM nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04 AS base

SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENV DEBIAN_FRONTEND=noninteractive \
    LANG=C.UTF-8 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONUNBUFFERED=1

# libgl1 and libglib2.0-0: OpenCV (ai-toolkit); ffmpeg: torchcodec and video datasets; tini: reaps the engines'
# orphaned subprocesses, which node as PID 1 would not.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates curl ffmpeg git libgl1 libglib2.0-0 python3 python3-pip python3-venv tini xz-utils \
 && rm -rf /var/lib/apt/lists/*

# Node.js 20 from the official release tarball, checked against the checksums published with the release.
ARG NODE_VERSION=20.20.2
RUN case "$(dpkg --print-architecture)" in amd64) arch=x64 ;; arm64) arch=arm64 ;; *) echo "no Node.js build for this CPU" >&2; exit 1 ;; esac \
 && tarball="node-v${NODE_VERSION}-linux-${arch}.tar.xz" \
 && curl -fsSL -o "/tmp/${tarball}" "https://nodejs.org/dist/v${NODE_VERSION}/${tarball}" \
 && curl -fsSL "https://nodejs.org/dist/v${NODE_VERSION}/SHASUMS256.txt" | grep " ${tarball}\$" | sed "s| ${tarball}\$| /tmp/${tarball}|" | sha256sum -c - \
 && tar -xJf "/tmp/${tarball}" -C /usr/local --strip-components=1 --no-same-owner \
      --exclude='*/CHANGELOG.md' --exclude='*/LICENSE' --exclude='*/README.md' \
 && rm "/tmp/${tarball}" \
 && node --version && npm --version

# ---- engines: ComfyUI and ai-toolkit at their pins, each with its own Python environment ----------------------
# A stage of its own: the compilers some Python packages need stay out of the final image, and the engines (the
# slowest layers by far) are rebuilt only when vendor/VENDOR_PINS.json or these scripts change.
FROM base AS engines
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential python3-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/isengard
COPY vendor/VENDOR_PINS.json vendor/
COPY scripts/vendor/ scripts/vendor/
COPY scripts/engines/ scripts/engines/
# sync verifies each checkout's commit against its pin; pin-status fails the build if one differs.
RUN scripts/vendor/sync && scripts/vendor/pin-status
RUN scripts/engines/create-env ai-toolkit --require-torch \
 && scripts/engines/create-env comfyui --require-torch

# ---- the application ---------------------------------------------------------------------------------------------
FROM base
WORKDIR /opt/isengard
RUN useradd --create-home --uid 1000 --shell /bin/bash isengard

# Engines write into their checkouts (ComfyUI's user/ and temp/, ai-toolkit's job database): owned by the app's user.
COPY --from=engines --chown=isengard:isengard /opt/isengard/vendor/ vendor/

ENV PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund && npm cache clean --force

# The Temporal CLI at its pinned version, into .tools/ where the supervisor looks for it.
COPY temporal-dev/ temporal-dev/
COPY scripts/setup/tools.mjs scripts/setup/
RUN node --input-type=module -e "const m = await import('./temporal-dev/obtain.mjs'); console.log('Temporal CLI:', await m.obtainTemporalCli());"

COPY . .
# The code stays root's; the app's user writes only data, logs, scratch and the engines.
RUN npm run build \
 && mkdir -p data logs tmp \
 && chown isengard:isengard data logs tmp

ENV ISENGARD_MODE=production \
    WORKFLOW_BUNDLE=dist/workflows/bundle.js \
    HOST=0.0.0.0 \
    PORT=3000

# Only the web UI and API are published. ComfyUI (8188), the Temporal frontend (7233) and the Temporal Web UI
# (8233) bind to 127.0.0.1 inside the container and are never reachable from outside it.
EXPOSE 3000

# Numeric, so that a platform enforcing "not root" can tell without reading /etc/passwd.
USER 1000:1000
# The first start applies migrations and starts Temporal and the engines; `degraded` (no GPU, an engine missing)
# still counts as healthy: the UI explains it.
HEALTHCHECK --interval=30s --timeout=10s --start-period=180s --retries=3 CMD ["/opt/isengard/scripts/runtime/health-check"]
# A stop lets a training run checkpoint first: give it time (docker stop -t 180; SHUTDOWN_GRACE_SECONDS is 120).
ENTRYPOINT ["/usr/bin/tini", "--", "/opt/isengard/scripts/runtime/entrypoint"]
