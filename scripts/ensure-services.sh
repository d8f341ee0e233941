#!/usr/bin/env bash
# Makes sure PostgreSQL (127.0.0.1:5432, user postgres, trust on loopback) and Redis
# (127.0.0.1:6379) are running: uses what is there, starts what is stopped, installs
# what is missing (Debian packages).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq >/dev/null; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

redis_up() { (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; }
pg_up() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }

ensure_redis() {
  if redis_up; then return; fi
  if ! command -v redis-server >/dev/null 2>&1; then
    log "installing Redis"
    apt_install redis-server
  fi
  log "starting Redis"
  as_root mkdir -p /var/lib/redis /var/log/redis
  as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 50); do redis_up && return; sleep 0.1; done
  log "Redis did not start"; exit 1
}

trust_loopback() {
  local hba="$1"
  if ! grep -q "msr-webhooks" "$hba"; then
    as_root sed -i '1i # msr-webhooks: trust loopback for local development and tests\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  fi
}

ensure_postgres() {
  if pg_up; then return; fi
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    log "installing PostgreSQL"
    apt_install postgresql
  fi
  local version
  version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1 || true)"
  if [ -z "$version" ]; then
    version="$(ls /usr/lib/postgresql | sort -V | tail -n1)"
    log "creating PostgreSQL ${version} cluster"
    as_root pg_createcluster "$version" main >/dev/null
  fi
  trust_loopback "/etc/postgresql/${version}/main/pg_hba.conf"
  log "starting PostgreSQL ${version}"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 100); do pg_up && return; sleep 0.2; done
  log "PostgreSQL did not start"; exit 1
}

# The registry end-to-end test runs Debian's CNCF Distribution registry and pushes with skopeo.
ensure_registry_tools() {
  local missing=()
  command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
  command -v skopeo >/dev/null 2>&1 || missing+=(skopeo)
  if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]}"
    apt_install "${missing[@]}"
  fi
}

# The Redis Cluster test starts redis-server nodes of its own and joins them with redis-cli (even
# where the shared Redis runs elsewhere); the PgBouncer test runs Debian's pgbouncer.
ensure_pool_tools() {
  local missing=()
  { command -v redis-server && command -v redis-cli; } >/dev/null 2>&1 || missing+=(redis-server redis-tools)
  { command -v pgbouncer || [ -x /usr/sbin/pgbouncer ]; } >/dev/null 2>&1 || missing+=(pgbouncer)
  if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]}"
    apt_install "${missing[@]}"
  fi
}

ensure_redis
ensure_postgres
ensure_registry_tools
ensure_pool_tools
