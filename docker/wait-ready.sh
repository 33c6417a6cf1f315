#!/bin/sh
# Waits until URL answers 2xx (`make demo`: the stack's /readyz through the client), polling every
# WAIT_INTERVAL_S seconds (default 2); fails after TIMEOUT_S seconds (default 900: the first start
# generates the demo dataset). Needs curl or wget.
#   docker/wait-ready.sh URL [TIMEOUT_S]
set -eu
url=${1:?usage: docker/wait-ready.sh URL [TIMEOUT_S]}
timeout_s=${2:-900}
interval_s=${WAIT_INTERVAL_S:-2}

probe() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsS -o /dev/null --max-time 5 "$1" 2>/dev/null
  else
    wget -q -O /dev/null -T 5 "$1" 2>/dev/null
  fi
}

deadline=$(( $(date +%s) + timeout_s ))
until probe "$url"; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "wait-ready: $url is not ready after ${timeout_s}s; see \`make logs\`" >&2
    exit 1
  fi
  sleep "$interval_s"
done
echo "ready: $url"
