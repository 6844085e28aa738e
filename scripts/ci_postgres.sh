#!/usr/bin/env bash
# A private, throw-away PostgreSQL 15 cluster for the store tests.
#
#   URL=$(bash scripts/ci_postgres.sh start)   # prints postgresql+psycopg://postgres@127.0.0.1:PORT/tracer_test
#   TRACER_TEST_POSTGRES_URL=$URL .venv/bin/pytest tests/db -q
#   bash scripts/ci_postgres.sh stop           # stops it and deletes its directory
#
# PostgreSQL refuses to run as root, so when run as root the server runs as the `postgres` user (runuser).
# Trust auth on 127.0.0.1 only. State (directory, port) is kept in $TRACER_PG_STATE
# (default /tmp/tracer-ci-postgres.state) so that `stop` finds the cluster; `start` with a live
# cluster just prints its URL again. Only the URL goes to stdout; progress goes to stderr.
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
STATE=${TRACER_PG_STATE:-/tmp/tracer-ci-postgres.state}
DB=tracer_test

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

url_for() { echo "postgresql+psycopg://postgres@127.0.0.1:$1/${DB}"; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
  if [ -f "$STATE" ]; then
    # shellcheck disable=SC1090
    . "$STATE"
    if [ -n "${PGROOT:-}" ] && as_pg "$PGBIN/pg_ctl" -D "$PGROOT/data" status >/dev/null 2>&1; then
      url_for "$PORT"
      return 0
    fi
    rm -f "$STATE"
  fi
  [ -x "$PGBIN/initdb" ] || { echo "PostgreSQL 15 binaries not found in $PGBIN" >&2; exit 1; }
  PGROOT=$(mktemp -d /tmp/tracer-pg.XXXXXX)
  chmod 755 "$PGROOT"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$PGROOT"; fi
  PORT=$(free_port)
  echo "initdb in $PGROOT (port $PORT)" >&2
  as_pg "$PGBIN/initdb" -D "$PGROOT/data" -U postgres --auth=trust -E UTF8 --no-locale >"$PGROOT/initdb.log" 2>&1 \
    || { cat "$PGROOT/initdb.log" >&2; exit 1; }
  as_pg "$PGBIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/server.log" -w -t 30 \
    -o "-p $PORT -k $PGROOT -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" start >&2 \
    || { cat "$PGROOT/server.log" >&2; exit 1; }
  printf 'PGROOT=%q\nPORT=%q\n' "$PGROOT" "$PORT" >"$STATE"
  as_pg "$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -qAt -c "CREATE DATABASE ${DB};" >&2
  url_for "$PORT"
}

stop() {
  if [ ! -f "$STATE" ]; then
    echo "no private PostgreSQL recorded in $STATE" >&2
    return 0
  fi
  # shellcheck disable=SC1090
  . "$STATE"
  as_pg "$PGBIN/pg_ctl" -D "$PGROOT/data" -m fast -w stop >&2 || true
  case "$PGROOT" in
    /tmp/tracer-pg.*) rm -rf "$PGROOT" ;;
    *) echo "not removing unexpected directory $PGROOT" >&2 ;;
  esac
  rm -f "$STATE"
  echo "stopped PostgreSQL on port $PORT" >&2
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
