# syntax=docker/dockerfile:1.7
# agent-sim: a simulated agent team on the dialer's AgentService (demo clusters only)
# Build from the repository root: docker build -f deploy/docker/agent-sim.Dockerfile -t outbound/agent-sim .
# (scripts/build-images builds every service). tests/deploy checks this file against the repo.
ARG NODE_IMAGE=node:20-bookworm-slim

# Every workspace's package.json and the lockfile: enough for npm ci, and a layer that changes only
# when dependencies do.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY packages ./packages
COPY services ./services
COPY tests ./tests
RUN mkdir /out && find packages services tests -mindepth 2 -maxdepth 2 -name package.json -exec cp --parents {} /out/ \;

# Compile: proto generation (buf + ts-proto), then this service and the packages it references.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY --from=manifests /out/ ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.base.json ./
COPY proto ./proto
COPY packages ./packages
COPY services ./services
RUN npm run build -w packages/proto && npx tsc -b services/agent-sim

# Production dependencies of this service's workspace only (its @outbound/* packages are links).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=manifests /out/ ./
RUN npm ci --omit=dev --no-audit --no-fund -w services/agent-sim && npm cache clean --force

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app ./
COPY --from=build /src/packages/config/dist/src ./packages/config/dist/src
COPY --from=build /src/packages/errors/dist/src ./packages/errors/dist/src
COPY --from=build /src/packages/phone/dist/src ./packages/phone/dist/src
COPY --from=build /src/packages/proto/dist/src ./packages/proto/dist/src
COPY --from=build /src/packages/proto/dist/descriptor.binpb ./packages/proto/dist/descriptor.binpb
COPY --from=build /src/packages/rpc/dist/src ./packages/rpc/dist/src
COPY --from=build /src/packages/telemetry/dist/src ./packages/telemetry/dist/src
COPY --from=build /src/services/agent-sim/dist/src ./services/agent-sim/dist/src
COPY deploy/docker/tools ./tools
# The node image's unprivileged user, by number so Kubernetes' runAsNonRoot can check it.
USER 1000:1000
# A client only (no port): its liveness is the process itself.
HEALTHCHECK NONE
STOPSIGNAL SIGTERM
CMD ["node", "services/agent-sim/dist/src/main.js"]
