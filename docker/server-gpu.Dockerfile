# The ASTRI server on NVIDIA GPUs: @tensorflow/tfjs-node-gpu 4.x (libtensorflow 2.9, CUDA 11.x, cuDNN 8)
# on the CUDA runtime image; the server picks it (inference.backend: auto) and falls back to the CPU
# runtimes when no GPU is visible. Needs the NVIDIA Container Toolkit on the host.
#   docker build -f docker/server-gpu.Dockerfile -t astri-server-gpu .     (or: make build backend gpu)
# Runs as uid 1000 like the CPU image, so both can share the state volume at /var/lib/astri.

FROM node:20-bookworm-slim AS nodejs

FROM nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04 AS base
# Node 20 from the official image: its binaries need only glibc 2.28, Ubuntu 22.04 has 2.35.
COPY --from=nodejs /usr/local/bin/node /usr/local/bin/node
COPY --from=nodejs /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx

FROM base AS build
# Compilers for better-sqlite3 and tfjs-node-gpu's addon where no prebuilt binary fits.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
COPY scripts/prisma-generate.js ./scripts/
COPY docker/build-server.sh ./docker/
ARG TFJS_NODE_GPU_VERSION=4.22.0
RUN sh docker/build-server.sh install \
 && TFJS_NODE_GPU_VERSION=${TFJS_NODE_GPU_VERSION} sh docker/build-server.sh gpu \
 && sh docker/build-server.sh prune

FROM base AS runtime
ENV NODE_ENV=production
RUN groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /usr/sbin/nologin --create-home node
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/server/data/generated ./server/data/generated
COPY package.json config.yaml tsconfig.json ./
COPY bin ./bin
COPY server ./server
COPY prisma ./prisma
COPY data/models ./data/models
COPY docker/healthcheck.js ./docker/
COPY docker/config.yaml /etc/astri/config.yaml
RUN mkdir -p /var/lib/astri && chown node:node /var/lib/astri
USER node
EXPOSE 4000
HEALTHCHECK --interval=15s --timeout=5s --start-period=15m --retries=3 CMD ["node", "docker/healthcheck.js"]
CMD ["node", "bin/astri.js", "--config", "/etc/astri/config.yaml", "serve"]
