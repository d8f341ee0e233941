# Shared shell helpers for the project's scripts (sourced, not run).
# shellcheck shell=bash

PNPM_VERSION="12.21.0"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '\033[1m[msr-webhooks]\033[0m %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = "0" ]; then "$@"; else sudo "$@"; fi
}

# pnpm is the workspace's package manager; a fresh machine has only Node.js and npm.
ensure_pnpm() {
  if ! command -v pnpm >/dev/null 2>&1; then
    log "installing pnpm ${PNPM_VERSION} with npm"
    npm install -g "pnpm@${PNPM_VERSION}" >/dev/null
  fi
}

# The console's end-to-end tests drive Debian's Chromium (apps/web/test); Playwright's own browser
# download does not work offline, so the distribution's package is installed when it is missing.
ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then return; fi
  log "installing chromium (the console's end-to-end tests run in it)"
  as_root apt-get update -qq >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
}

# Installs dependencies, generates the Prisma client and builds every package and app.
bootstrap() {
  ensure_pnpm
  cd "$ROOT"
  log "installing dependencies"
  pnpm install --frozen-lockfile --reporter=append-only >/dev/null
  log "building"
  pnpm exec turbo run build --output-logs=errors-only >/dev/null
}
