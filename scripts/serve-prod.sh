#!/usr/bin/env bash
# `make serve-prod`: apply the migrations, make sure the search index is usable, then run gunicorn with
# several workers (matchmaker/gunicorn_conf.py). Every setting is an environment variable (README,
# "Production"). PostgreSQL (DATABASE_URL) and Redis (REDIS_URL) are what production runs on; without
# them this still starts, on the SQLite file and per-worker rate limits, for a trial on one machine.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
export LOG_FORMAT=${LOG_FORMAT:-json}

warn() { echo "serve-prod: WARNING: $*" >&2; }
case "${DATABASE_URL:-}" in
  postgres://* | postgresql://* | postgresql+psycopg://*) ;;
  "") warn "DATABASE_URL is not set: serving the SQLite file instance/matchmaker.db. Fine for a trial;" \
           "in production set DATABASE_URL=postgresql://user:password@host/dbname (several workers" \
           "writing to one SQLite file wait for each other)." ;;
  *) warn "DATABASE_URL is not PostgreSQL; production runs on PostgreSQL." ;;
esac
if [ -z "${REDIS_URL:-}" ]; then
  warn "REDIS_URL is not set: each worker counts rate limits on its own (a limit of 5 becomes 5 per worker)" \
       "and no job queue is reachable. Set REDIS_URL=redis://127.0.0.1:6379/0."
fi
if [ "${MATCHMAKER_ENV:-development}" != "production" ]; then
  warn "MATCHMAKER_ENV is not 'production': cookies are not Secure and a development secret key may be used."
fi

"$BIN/python" -m flask --app matchmaker db upgrade
"$BIN/python" -m flask --app matchmaker search check >/dev/null 2>&1 \
  || "$BIN/python" -m flask --app matchmaker search rebuild
exec "$BIN/gunicorn" -c python:matchmaker.gunicorn_conf "matchmaker:create_app()"
