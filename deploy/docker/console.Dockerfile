# syntax=docker/dockerfile:1.7
# console: the web console's gateway (HTTP + server-sent events) and its built web app
# Build from the repository root: docker build -f deploy/docker/console.Dockerfile -t outbound/console .
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

# Compile: proto generation (buf + ts-proto), this service and the packages it references, then the
# web app's bundle (Vite, a build-stage dependency only).
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY --from=manifests /out/ ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.base.json ./
COPY proto ./proto
COPY packages ./packages
COPY services ./services
RUN npm run build -w packages/proto && npx tsc -b services/console && (cd services/console && npx vite build --logLevel warn)

# Production dependencies of this service's workspace only (its @outbound/* packages are links).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=manifests /out/ ./
RUN npm ci --omit=dev --no-audit --no-fund -w services/console && npm cache clean --force

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
COPY --from=build /src/packages/rpc/dist/src ./packages/rpc/dist/src
COPY --from=build /src/packages/telemetry/dist/src ./packages/telemetry/dist/src
COPY --from=build /src/services/console/dist/src ./services/console/dist/src
COPY --from=build /src/services/console/dist/web ./services/console/dist/web
COPY deploy/docker/tools ./tools
# The node image's unprivileged user, by number so Kubernetes' runAsNonRoot can check it.
USER 1000:1000
ENV HTTP_ADDRESS=0.0.0.0:8090
EXPOSE 8090
# The gateway speaks HTTP, not gRPC: its port accepting connections is its health.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s CMD ["node", "tools/tcp-check.mjs", "127.0.0.1:8090"]
STOPSIGNAL SIGTERM
CMD ["node", "services/console/dist/src/gateway/main.js"]
