# syntax=docker/dockerfile:1.7
# dialer: campaigns, hoppers, agents and pacing (gRPC CampaignService, AgentService)
# Build from the repository root: docker build -f deploy/docker/dialer.Dockerfile -t outbound/dialer .
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
RUN npm run build -w packages/proto && npx tsc -b services/dialer

# Production dependencies of this service's workspace only (its @outbound/* packages are links).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=manifests /out/ ./
RUN npm ci --omit=dev --no-audit --no-fund -w services/dialer && npm cache clean --force

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app ./
COPY --from=build /src/packages/bus/dist/src ./packages/bus/dist/src
COPY --from=build /src/packages/config/dist/src ./packages/config/dist/src
COPY --from=build /src/packages/errors/dist/src ./packages/errors/dist/src
COPY --from=build /src/packages/phone/dist/src ./packages/phone/dist/src
COPY --from=build /src/packages/proto/dist/src ./packages/proto/dist/src
COPY --from=build /src/packages/proto/dist/descriptor.binpb ./packages/proto/dist/descriptor.binpb
COPY --from=build /src/packages/redis/dist/src ./packages/redis/dist/src
COPY --from=build /src/packages/rpc/dist/src ./packages/rpc/dist/src
COPY --from=build /src/packages/store/dist/src ./packages/store/dist/src
COPY --from=build /src/packages/telemetry/dist/src ./packages/telemetry/dist/src
COPY --from=build /src/packages/testkit/dist/src ./packages/testkit/dist/src
COPY --from=build /src/services/dialer/dist/src ./services/dialer/dist/src
COPY services/dialer/migrations ./services/dialer/migrations
COPY services/dialer/redis ./services/dialer/redis
COPY deploy/docker/tools ./tools
# The node image's unprivileged user, by number so Kubernetes' runAsNonRoot can check it.
USER 1000:1000
ENV GRPC_ADDRESS=0.0.0.0:50051
EXPOSE 50051 9464
# grpc.health.v1 on the gRPC port (Kubernetes uses its native grpc probe instead).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s CMD ["node", "tools/grpc-health.mjs", "127.0.0.1:50051"]
STOPSIGNAL SIGTERM
CMD ["node", "services/dialer/dist/src/main.js"]
