# The ASTRI server (GraphQL API + inference) for CPUs: the server picks onnxruntime-node's CPU runtime
# (inference.backend: auto), with TensorFlow.js on WebAssembly as the fallback.
#   docker build -f docker/server.Dockerfile -t astri-server .     (or: make build backend)
# Runs as uid 1000; writes only to /var/lib/astri (mount a volume there). Config: docker/config.yaml.

FROM node:20-bookworm-slim AS build
# better-sqlite3 compiles from source where no prebuilt binary fits.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Dependencies before sources, so a source change reuses this layer. The postinstall needs prisma/.
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
COPY scripts/prisma-generate.js ./scripts/
COPY docker/build-server.sh ./docker/
RUN sh docker/build-server.sh install && sh docker/build-server.sh prune

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Application files stay root-owned: the server cannot change its own code.
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
