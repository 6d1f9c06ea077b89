#!/usr/bin/env bash
# Load test on a fresh demo database: bench/load.sh sqlite|postgres [options of bench/load.py]
#   sqlite:   SQLite in WAL, gunicorn with 2 workers
#   postgres: PostgreSQL ($LOAD_PG_URL, default database erbm_load), gunicorn with 4 workers
# Prepares the database (db upgrade + erbm seed-demo + bench/load_prepare.py), starts gunicorn,
# runs bench/load.py, stops the server, then checks its logs: exits 1 on any "database is locked",
# traceback or 5xx answer. Outputs in $LOAD_OUT (default /tmp/erbm-load-<db>).
set -euo pipefail
cd "$(dirname "$0")/.."
kind="${1:?usage: bench/load.sh sqlite|postgres [load.py options]}"; shift
out="${LOAD_OUT:-/tmp/erbm-load-$kind}"
py="${PYTHON:-.venv/bin/python}"
clients="${LOAD_CLIENTS:-50}"
port="${LOAD_PORT:-8765}"
mkdir -p "$out"
rm -f "$out"/access.log "$out"/error.log "$out"/summary.json

case "$kind" in
  sqlite)
    export DATABASE_URL="sqlite:///$out/load.sqlite3"
    rm -f "$out"/load.sqlite3*
    workers="${LOAD_WORKERS:-2}" ;;
  postgres)
    export DATABASE_URL="${LOAD_PG_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/erbm_load}"
    "$py" -c "
import sqlalchemy as sa, sys
e = sa.create_engine(sys.argv[1])
with e.begin() as c:
    c.execute(sa.text('DROP SCHEMA public CASCADE')); c.execute(sa.text('CREATE SCHEMA public'))
" "$DATABASE_URL"
    workers="${LOAD_WORKERS:-4}" ;;
  *) echo "unknown database kind: $kind (sqlite|postgres)" >&2; exit 2 ;;
esac

# Demo mode only for plain-http cookies; production settings otherwise: mail goes through the
# outbox worker (not sent after the response), rate limits in Redis when it answers.
export ERBM_DEMO=1 SECRET_KEY="load-test-secret" MAIL_SEND_AFTER_RESPONSE=0 MAIL_BACKEND=console
redis_url="${REDIS_URL:-redis://127.0.0.1:6379/12}"
if "$py" -c "import redis, sys; redis.Redis.from_url(sys.argv[1]).ping()" "$redis_url" 2>/dev/null; then
  export RATELIMIT_STORAGE_URI="$redis_url"
  "$py" -c "import redis, sys; redis.Redis.from_url(sys.argv[1]).flushdb()" "$redis_url"
fi
# The bench signs in $clients accounts from one address within seconds: raise the login limits
# for this run only (the defaults stay 30/min per address, 10/min per account).
export LOGIN_RATE_LIMIT_IP="${LOAD_LOGIN_LIMIT_IP:-1000 per minute}"
export LOGIN_RATE_LIMIT_ACCOUNT="${LOAD_LOGIN_LIMIT_ACCOUNT:-100 per minute}"

echo "=== preparing $kind ($DATABASE_URL)"
"$py" -m flask --app wsgi db upgrade >"$out/prepare.log" 2>&1
"$py" -m flask --app wsgi erbm seed-demo >>"$out/prepare.log" 2>&1
"$py" bench/load_prepare.py --accounts "$clients" --out "$out/plan.json"

echo "=== gunicorn: $workers workers on 127.0.0.1:$port"
LOAD_BIND="127.0.0.1:$port" LOAD_WORKERS="$workers" LOAD_ACCESS_LOG="$out/access.log" \
  LOAD_ERROR_LOG="$out/error.log" "$py" -m gunicorn -c bench/gunicorn_load.py wsgi:app &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  "$py" -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=1)" \
    "http://127.0.0.1:$port/healthz" 2>/dev/null && break
  sleep 0.5
done

echo "=== load: $clients clients ($(nproc) CPU, load average $(cut -d' ' -f1-3 /proc/loadavg))"
status=0
"$py" bench/load.py --base "http://127.0.0.1:$port" --plan "$out/plan.json" --clients "$clients" \
  --json "$out/summary.json" --server-pid "$server" "$@" || status=1
echo "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
kill "$server"; wait "$server" 2>/dev/null || true
trap - EXIT

locked=$(grep -c "database is locked" "$out/error.log" || true)
tracebacks=$(grep -c "Traceback" "$out/error.log" || true)
server_5xx=$(grep -cE '" 5[0-9][0-9] ' "$out/access.log" || true)
echo "server log: 'database is locked': $locked, tracebacks: $tracebacks, 5xx answers: $server_5xx"
"$py" - "$out/access.log" <<'PY'
import re, sys
ms = sorted(int(m) for m in re.findall(r" (\d+)ms$", open(sys.argv[1]).read(), re.M))
if ms:
    pick = lambda p: ms[max(0, -(-p * len(ms) // 100) - 1)]
    print(f"server-side durations ({len(ms)} requests): p50 {pick(50)} ms, p95 {pick(95)} ms, p99 {pick(99)} ms")
PY
if [ "$locked" -gt 0 ] || [ "$tracebacks" -gt 0 ] || [ "$server_5xx" -gt 0 ]; then status=1; fi
exit $status
