#!/bin/sh
# Installs the server's node_modules; the server Dockerfiles RUN it, and it runs the same outside Docker
# (from a checkout, DRY_RUN=1 prints the commands without running them).
#   install   npm ci with every dependency; the postinstall generates the Prisma client from prisma/
#   gpu       adds @tensorflow/tfjs-node-gpu (TFJS_NODE_GPU_VERSION), which downloads libtensorflow
#   prune     drops devDependencies, then onnxruntime-node's binaries for other platforms and source maps
set -eu
cd "$(dirname "$0")/.."

TFJS_NODE_GPU_VERSION=${TFJS_NODE_GPU_VERSION:-4.22.0}

run() {
  printf '+ %s\n' "$*"
  if [ "${DRY_RUN:-0}" != 1 ]; then "$@"; fi
}

case "${1:-}" in
  install)
    # onnxruntime-node would otherwise download CUDA libraries; its CPU runtime ships in the package.
    run env ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
    ;;
  gpu)
    # Saved as optional in this copy's package.json so that `prune` keeps it.
    run npm install --no-audit --no-fund --save-optional "@tensorflow/tfjs-node-gpu@${TFJS_NODE_GPU_VERSION}"
    ;;
  prune)
    run npm prune --omit=dev --no-audit --no-fund
    # onnxruntime-node ships binaries for every OS and CPU; keep this machine's only.
    platform=$(node -p process.platform)
    arch=$(node -p process.arch)
    for dir in node_modules/onnxruntime-node/bin/napi-v*/*/*; do
      [ -d "$dir" ] || continue
      case "$dir" in
        */"$platform"/"$arch") ;;
        *) run rm -rf "$dir" ;;
      esac
    done
    run find node_modules -name '*.map' -type f -delete
    run npm cache clean --force
    ;;
  *)
    echo "usage: docker/build-server.sh install|gpu|prune   (DRY_RUN=1 prints the commands)" >&2
    exit 2
    ;;
esac
