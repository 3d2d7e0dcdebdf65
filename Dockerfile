# syntax=docker/dockerfile:1
# bend-replicator: build with dev dependencies, run with production dependencies only.
#
#   docker build -t bend-replicator .
#   docker run --rm -p 9464:9464 -e DATABEND_DSN=... -e SQS_QUEUE_URL=... \
#     -e S3_BUCKET=... -e AWS_REGION=... bend-replicator
#
# The image runs `node dist/main.js run` (with a heap flag, below) as the unprivileged `node` user
# (uid/gid 1000) under tini, which forwards SIGTERM to Node and reaps children; Node then stops
# gracefully (docs/deployment.md).

# The base image, pinned to one Node release on one Debian release. Pin it by digest as well where
# you build, so a re-pushed tag cannot change the image under you:
#   docker buildx imagetools inspect node:24.21.0-bookworm-slim   # prints "Digest: sha256:…"
#   ARG NODE_IMAGE=node:24.21.0-bookworm-slim@sha256:<that digest>
# To bump: take the Node 24 release the `node` dev dependency locks (npx node --version), look up
# its tag's digest the same way, change both here, and rebuild. The tini version below is
# bookworm's; `apt-cache policy tini` in the new base prints it.
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

# --- build: compile TypeScript to dist/ ---------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# `npm install` rather than `npm ci`: the lock records databend-driver's native library for
# linux-x64 only (see .ci/run), which `npm ci` rejects; the locked versions are still used.
RUN npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# --- deps: production dependencies only, installed apart so no dev tool or npm cache ships ------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime -------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini=0.19.0-1+b3 \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and read-only to the service user: the process cannot change its own code.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json package-lock.json ./
COPY config ./config
# The commit built, for bend_replicator_build_info and `--version`:
# docker build --build-arg REVISION=$(git rev-parse HEAD) .
ARG REVISION=unknown
RUN printf '{"commit":"%s"}\n' "$REVISION" > build-info.json
LABEL org.opencontainers.image.revision=$REVISION
# The `node` user of the base image, by number: Kubernetes' runAsNonRoot can only verify a numeric
# user, and a number needs no /etc/passwd lookup on the host.
USER 1000:1000
# /metrics, /healthz, /readyz (http.port).
EXPOSE 9464
# Liveness only: /healthz does not depend on Databend or SQS. No curl in the image: a small Node
# script asks /healthz on the port the service was configured with (BEND_REPLICATOR_CONFIG's
# http.port, or BEND_REPLICATOR_HTTP_PORT), not a fixed 9464.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "dist/http/healthcheck.js"]
ENTRYPOINT ["/usr/bin/tini", "--"]
# A young generation of at most 2 × 8 MiB: the service's live heap is small (under 50 MB) but it
# allocates steadily, and with V8's default semi-spaces the reserved heap grew to 106 MB and
# the process to 205 MB under load; with 8 MiB, 62 MB and 182 MB at the same CPU time
# (docs/benchmarks.md). The deploy examples and the benchmarks run this same command.
CMD ["node", "--max-semi-space-size=8", "dist/main.js", "run"]
