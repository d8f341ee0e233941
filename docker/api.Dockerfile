# syntax=docker/dockerfile:1
# The API image: a pruned workspace (turbo prune --docker) built in one stage, production
# dependencies installed in another, and only the built output copied into a slim runtime that
# runs as the unprivileged `node` user. The same image runs the one-shot database migration
# (compose's `migrate` service): `node packages/db/dist/cli/prepare.js --migrate-only`.
# Build from the repository root: docker build -f docker/api.Dockerfile -t msr-webhooks-api .
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS tools
ENV TURBO_TELEMETRY_DISABLED=1 PNPM_HOME=/pnpm PATH=/pnpm:$PATH
# corepack cannot verify pnpm's signature on air-gapped mirrors: the pinned pnpm comes from npm.
RUN npm install -g pnpm@12.21.0 turbo@2.11.11 && npm cache clean --force

# Only the API and the packages it uses (package.json files apart, so installs cache well).
FROM tools AS prune
WORKDIR /repo
COPY . .
RUN turbo prune @msr-webhooks/api --docker --out-dir /pruned

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
RUN DATABASE_URL=postgresql://build@localhost/unused turbo run build --filter=@msr-webhooks/api

# The web console's static files, built from its own pruned workspace (it builds against the API's
# OpenAPI document); only apps/web/dist reaches the runtime, where the API serves it at `/`.
FROM tools AS console-prune
WORKDIR /repo
COPY . .
RUN turbo prune @msr-webhooks/web --docker --out-dir /pruned

FROM tools AS console
WORKDIR /repo
COPY --from=console-prune /pruned/json/ ./
RUN pnpm install --frozen-lockfile
COPY --from=console-prune /pruned/full/ ./
COPY tsconfig.base.json ./
COPY prisma/ ./prisma/
RUN DATABASE_URL=postgresql://build@localhost/unused turbo run build --filter=@msr-webhooks/web

FROM tools AS deps
WORKDIR /app
COPY --from=prune /pruned/json/ ./
# Production dependencies only. No install scripts: the Prisma client is generated in `build`
# and copied below, and Prisma's JS schema engine needs no downloaded binary.
RUN pnpm install --frozen-lockfile --prod --ignore-scripts && rm -rf /pnpm/store /root/.cache /root/.local/share/pnpm

FROM ${NODE_IMAGE} AS runtime
# Allocations of 1 MiB and more are mapped and given back when freed: scrypt's 16 MiB per password
# check (identity/secret-hash.ts), on each of libuv's threads, stays in glibc's per-thread arena
# otherwise (docs/operations.md, "Sizing": the API's password checks and glibc).
ENV NODE_ENV=production PORT=8080 HOST=0.0.0.0 MALLOC_MMAP_THRESHOLD_=1048576
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
COPY --from=build /repo/apps/api/dist/ ./apps/api/dist/
# Where CONSOLE_DIR points by default (apps/api/dist/../../web/dist).
COPY --from=console /repo/apps/web/dist/ ./apps/web/dist/
COPY prisma/ ./prisma/
# Files stay root-owned and read-only to the process.
USER node
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
# The node flags of the API's start script (apps/api/package.json), measured in bench/ (tls-memory).
CMD ["node", "--heap-growing-percent=50", "apps/api/dist/index.js"]
