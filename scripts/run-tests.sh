#!/usr/bin/env bash
# Runs the whole suite on SQLite and, at the same time, on PostgreSQL when TEST_DATABASE_URL is set or one
# answers on 127.0.0.1:5432. The suite creates its own database on that server and drops it afterwards.
set -u
cd "$(dirname "$0")/.."
PY=.venv/bin/python
pg_url=${TEST_DATABASE_URL:-}
if [ -z "$pg_url" ] && "$PY" -c "import socket; socket.create_connection(('127.0.0.1', 5432), 1)" 2>/dev/null; then
  pg_url="postgresql://127.0.0.1:5432/test"
fi

echo "=== known vulnerabilities of the installed packages (pip-audit) ==="
"$PY" scripts/audit.py --allow-offline
audit_rc=$?

pg_rc=skipped
if [ -z "$pg_url" ]; then
  echo "=== matchmaker tests on SQLite ==="
  TEST_DATABASE_URL= "$PY" -m pytest "$@"
  sqlite_rc=$?
else
  # Both databases at once, each run in its own process (the machine has two cores; one run leaves one idle):
  # the suite keeps them apart (its own PostgreSQL databases, a lock on the Redis jobs database, free ports).
  logs=$(mktemp -d)
  echo "=== matchmaker tests on SQLite and on PostgreSQL ($pg_url), at once; each one's output follows ==="
  TEST_DATABASE_URL= "$PY" -m pytest "$@" >"$logs/sqlite.log" 2>&1 &
  sqlite_pid=$!
  TEST_DATABASE_URL="$pg_url" "$PY" -m pytest "$@" >"$logs/postgresql.log" 2>&1 &
  pg_pid=$!
  trap 'kill $sqlite_pid $pg_pid 2>/dev/null' INT TERM
  wait $sqlite_pid
  sqlite_rc=$?
  wait $pg_pid
  pg_rc=$?
  echo "=== matchmaker tests on SQLite ==="
  cat "$logs/sqlite.log"
  echo "=== matchmaker tests on PostgreSQL ($pg_url) ==="
  cat "$logs/postgresql.log"
  rm -rf "$logs"
fi

word() { case "$1" in 0) echo passed ;; skipped) echo "not run (no server)" ;; *) echo "FAILED (exit $1)" ;; esac; }
echo
echo "Databases tested: SQLite $(word $sqlite_rc); PostgreSQL $(word $pg_rc)"
[ "$audit_rc" = 0 ] || echo "pip-audit: FAILED (unexplained known vulnerabilities, see above)"
[ "$audit_rc" = 0 ] && [ "$sqlite_rc" = 0 ] && { [ "$pg_rc" = 0 ] || [ "$pg_rc" = skipped ]; }
