#!/bin/sh
# Builds the dashboard into client/dist; the client Dockerfile RUNs it, and it runs the same outside
# Docker (from a checkout, DRY_RUN=1 prints the commands without running them).
#   install   npm ci without install scripts: Vite needs no native addon, no Prisma client, no CUDA
#   build     vite build (npm run build:client), then checks that client/dist/index.html exists
set -eu
cd "$(dirname "$0")/.."

run() {
  printf '+ %s\n' "$*"
  if [ "${DRY_RUN:-0}" != 1 ]; then "$@"; fi
}

case "${1:-}" in
  install)
    run env ONNXRUNTIME_NODE_INSTALL=skip npm ci --ignore-scripts --no-audit --no-fund
    ;;
  build)
    run npm run build:client
    if [ "${DRY_RUN:-0}" != 1 ] && [ ! -f client/dist/index.html ]; then
      echo "build-client: client/dist/index.html is missing after the build: check client/vite.config.ts (build.outDir)" >&2
      exit 1
    fi
    ;;
  *)
    echo "usage: docker/build-client.sh install|build   (DRY_RUN=1 prints the commands)" >&2
    exit 2
    ;;
esac
