#!/usr/bin/env bash
# Two Tether instances on one PostgreSQL database and one Redis — a scale-out deployment without the load balancer.
# Ctrl-C sends SIGTERM to both, so they stop gracefully. See docs/deploy.md.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${DATABASE_URL:=postgres://postgres@127.0.0.1:5432/tether}"
: "${REDIS_URL:=redis://127.0.0.1:6379}"
: "${SESSION_SECRET:=local-two-instances-secret-not-for-production}"
: "${PORTS:=3001 3002}"
export DATABASE_URL REDIS_URL SESSION_SECRET NODE_ENV=production

# The database must exist; the instances create its tables themselves.
db_name="${DATABASE_URL##*/}"
db_name="${db_name%%\?*}"
admin_url="${DATABASE_URL%/*}/postgres"
if command -v psql >/dev/null; then
  if ! psql "$admin_url" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db_name'" | grep -q 1; then
    echo "creating database $db_name"
    psql "$admin_url" -qc "CREATE DATABASE \"$db_name\""
  fi
fi

[ -f .next/BUILD_ID ] || npm run build

pids=()
stop() {
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait
}
trap stop INT TERM
for port in $PORTS; do
  # The node flags of `npm start` (package.json), which docs/performance.md explains.
  PORT="$port" node --max-semi-space-size=64 --import tsx server.ts &
  pids+=("$!")
  echo "instance on http://localhost:$port (pid $!)"
done
wait
