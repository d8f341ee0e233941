# syntax=docker/dockerfile:1
# The worker image: a pruned workspace (turbo prune --docker) built in one stage, production
# dependencies installed in another, and only the built output copied into a slim runtime that
# runs as the unprivileged `node` user. Stateless: run as many replicas as you like
# (docker compose up --scale worker=N). Its small HTTP port serves /healthz, /readyz, /metrics.
# Build from the repository root: docker build -f docker/worker.Dockerfile -t msr-webhooks-worker .
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS tools
ENV TURBO_TELEMETRY_DISABLED=1 PNPM_HOME=/pnpm PATH=/pnpm:$PATH
# corepack cannot verify pnpm's signature on air-gapped mirrors: the pinned pnpm comes from npm.
RUN npm install -g pnpm@12.21.0 turbo@2.11.11 && npm cache clean --force

# Only the worker and the packages it uses (package.json files apart, so installs cache well).
FROM tools AS prune
WORKDIR /repo
COPY . .
RUN turbo prune @msr-webhooks/worker --docker --out-dir /pruned

FROM tools AS build
WORKDIR /repo
COPY --from=prune /pruned/json/ ./
RUN pnpm install --frozen-lockfile
COPY --from=prune /pruned/full/ ./
# Root files prune leaves out: the shared compiler settings, and the Prisma schema and
# migrations (at the root, outside every workspace package).
COPY tsconfig.base.json ./
COPY prisma/ ./prisma/
# `prisma generate` reads DATABASE_URL but never connects: any value will do.
RUN DATABASE_URL=postgresql://build@localhost/unused turbo run build --filter=@msr-webhooks/worker

FROM tools AS deps
WORKDIR /app
COPY --from=prune /pruned/json/ ./
# Production dependencies only. No install scripts: the Prisma client is generated in `build`
# and copied below; msgpackr's prebuilt binary comes as an optional dependency.
RUN pnpm install --frozen-lockfile --prod --ignore-scripts && rm -rf /pnpm/store /root/.cache /root/.local/share/pnpm

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production WORKER_HTTP_PORT=8081
WORKDIR /app
COPY --from=deps /app/ ./
COPY --from=build /repo/packages/db/generated/ ./packages/db/generated/
COPY --from=build /repo/packages/db/dist/ ./packages/db/dist/
COPY --from=build /repo/packages/db/prisma.config.ts ./packages/db/prisma.config.ts
COPY --from=build /repo/packages/config/dist/ ./packages/config/dist/
COPY --from=build /repo/packages/events/dist/ ./packages/events/dist/
COPY --from=build /repo/packages/queue/dist/ ./packages/queue/dist/
COPY --from=build /repo/packages/delivery/dist/ ./packages/delivery/dist/
COPY --from=build /repo/packages/observability/dist/ ./packages/observability/dist/
COPY --from=build /repo/apps/worker/dist/ ./apps/worker/dist/
COPY prisma/ ./prisma/
# Files stay root-owned and read-only to the process.
USER node
EXPOSE 8081
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.WORKER_HTTP_PORT||8081)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM: stop taking jobs, finish attempts in flight within SHUTDOWN_GRACE_MS (compose gives 30 s).
STOPSIGNAL SIGTERM
# The node flags of the worker's start script (apps/worker/package.json), measured in bench/.
CMD ["node", "--max-semi-space-size=32", "--heap-growing-percent=50", "apps/worker/dist/index.js"]
