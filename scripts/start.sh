#!/usr/bin/env bash
# Starts the whole service (API + worker) on local defaults: installs and builds, makes sure
# PostgreSQL and Redis run, prepares the database, then runs both processes in the
# foreground (Ctrl-C stops both). Every default can be overridden from the environment.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

bootstrap
bash "$ROOT/scripts/ensure-services.sh"

mkdir -p "$ROOT/.run"
if [ -z "${MSR_ADMIN_PASSWORD:-}" ]; then
  [ -s "$ROOT/.run/admin-password" ] || head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$ROOT/.run/admin-password"
  MSR_ADMIN_PASSWORD="$(cat "$ROOT/.run/admin-password")"
fi

export DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/msr_webhooks}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
export PORT="${PORT:-8080}"
export HOST="${HOST:-127.0.0.1}"
export REGISTRY_HOST="${REGISTRY_HOST:-localhost:5000}"
export MSR_ADMIN_USERNAME="${MSR_ADMIN_USERNAME:-admin}"
export MSR_ADMIN_PASSWORD
# A local install calls local receivers: allow loopback (production denies it by default).
export OUTBOUND_ALLOW_CIDRS="${OUTBOUND_ALLOW_CIDRS:-127.0.0.0/8,::1/128}"
export LOG_LEVEL="${LOG_LEVEL:-info}"
export WORKER_HTTP_PORT="${WORKER_HTTP_PORT:-8081}"

log "preparing the database"
(cd "$ROOT/packages/db" && node dist/cli/prepare.js)

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

# Something already answering on a port would pass the readiness check below in place of our API.
for port in "$PORT" "$WORKER_HTTP_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/${port}") 2>/dev/null; then
    log "port ${port} is already in use (an earlier start still running?): stop it, or set PORT / WORKER_HTTP_PORT"
    exit 1
  fi
done

# The worker runs with its start script's node flags (apps/worker/package.json), as its image does.
read -r -a worker_flags < <(node -p 'require(process.argv[1]).scripts.start.split(/\s+/).slice(1, -1).join(" ")' "$ROOT/apps/worker/package.json")
(cd "$ROOT/apps/worker" && exec node "${worker_flags[@]}" dist/index.js) >>"$ROOT/.run/worker.log" 2>&1 &
pids+=($!)
# As in its image: scrypt's 16 MiB per password check is given back, not kept by glibc per thread.
(cd "$ROOT/apps/api" && MALLOC_MMAP_THRESHOLD_=1048576 exec node --heap-growing-percent=50 dist/index.js) >>"$ROOT/.run/api.log" 2>&1 &
pids+=($!)

for _ in $(seq 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/${PORT}") 2>/dev/null; then break; fi
  if ! kill -0 "${pids[1]}" 2>/dev/null; then log "the API failed to start:"; tail -n 20 "$ROOT/.run/api.log"; exit 1; fi
  sleep 0.2
done

base="http://127.0.0.1:${PORT}"
cat <<MSG

msr-webhooks is running.
  Console:      ${base}/   (sign in with the admin below)
  API:          ${base}/api/v0   (Swagger explorer: ${base}/api/v0/docs)
  Admin:        ${MSR_ADMIN_USERNAME} / ${MSR_ADMIN_PASSWORD}
  Logs:         .run/api.log, .run/worker.log
  Try it:
    curl -u ${MSR_ADMIN_USERNAME}:${MSR_ADMIN_PASSWORD} ${base}/api/v0/webhooks
    curl -u ${MSR_ADMIN_USERNAME}:${MSR_ADMIN_PASSWORD} -X POST ${base}/api/v0/api_tokens \\
      -H 'Content-Type: application/json' -d '{"tokenLabel":"ci"}'
  README.md walks through creating a repository and a webhook. Ctrl-C stops both processes.

MSG
# The admin is created only while none exists: a database an earlier checkout (or run) set up keeps
# that one's password, and the line above would be wrong. Say so, and how to set this one.
status=$(curl -s -o /dev/null -w '%{http_code}' -u "${MSR_ADMIN_USERNAME}:${MSR_ADMIN_PASSWORD}" "${base}/api/v0/webhooks" || true)
if [ "$status" = "401" ]; then
  log "this database already has a system admin with another password (set by an earlier run against it)."
  log "to use the password above, run in ${ROOT}: MSR_ADMIN_USERNAME=${MSR_ADMIN_USERNAME} MSR_ADMIN_PASSWORD=$(printf %q "$MSR_ADMIN_PASSWORD") DATABASE_URL=${DATABASE_URL} REDIS_URL=${REDIS_URL} node apps/api/dist/cli/create-admin.js"
fi
wait -n "${pids[@]}"
log "a process exited; stopping"
