#!/usr/bin/env bash
# Requests per second of the signed-in dashboard under gunicorn, against a bare Flask page
# rendering the same base layout with no database (bench/bare_app.py), in the same run:
# same workers, connections and duration. Prints both and their ratio (goal >= 0.5).
#
#   bench/wrk_ratio.sh                       # the database bench/pages.py built (SQLite, 100x)
#   DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/erbm_bench bench/wrk_ratio.sh
#   WORKERS=2 CONNECTIONS=8 DURATION=15 bench/wrk_ratio.sh
# Needs Debian's wrk and curl. A database that does not exist yet gets the demo (1x).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
WORKERS=${WORKERS:-2}
CONNECTIONS=${CONNECTIONS:-8}
THREADS=${THREADS:-2}
DURATION=${DURATION:-15}
APP_PORT=${APP_PORT:-8731}
BARE_PORT=${BARE_PORT:-8732}
export DATABASE_URL=${DATABASE_URL:-sqlite:////tmp/erbm-bench.sqlite3}
export ERBM_DEMO=1 MAIL_SEND_AFTER_RESPONSE=0 MAIL_BACKEND=file MAIL_FILE_DIR=/tmp/erbm-bench-mail
export LOGIN_RATE_LIMIT_IP="1000 per minute" LOGIN_RATE_LIMIT_ACCOUNT="1000 per minute"
EMAIL=${EMAIL:-partenaire@erbm-demo.fr}
PASSWORD=${ERBM_DEMO_PASSWORD:-bassin-minier-2017}
command -v wrk >/dev/null || { echo "wrk is missing (apt install wrk)" >&2; exit 2; }

if [[ $DATABASE_URL == sqlite:///* && ! -f ${DATABASE_URL#sqlite:///} ]]; then
  "$BIN/flask" --app wsgi db upgrade >/dev/null 2>&1
  "$BIN/flask" --app wsgi erbm seed-demo
fi

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
"$BIN/gunicorn" -w "$WORKERS" -b "127.0.0.1:$APP_PORT" --log-level warning wsgi:app & pids+=($!)
"$BIN/gunicorn" -w "$WORKERS" -b "127.0.0.1:$BARE_PORT" --log-level warning --chdir bench bare_app:app & pids+=($!)
for port in "$APP_PORT" "$BARE_PORT"; do
  for _ in $(seq 1 60); do curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null \
    || curl -fs -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && break; sleep 0.5; done
done

jar=$(mktemp)
token=$(curl -fs -c "$jar" -b "$jar" "http://127.0.0.1:$APP_PORT/connexion" \
        | sed -n 's/.*name="csrf_token" type="hidden" value="\([^"]*\)".*/\1/p' | head -1)
status=$(curl -s -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" --data-urlencode "email=$EMAIL" \
         --data-urlencode "password=$PASSWORD" --data-urlencode "csrf_token=$token" "http://127.0.0.1:$APP_PORT/connexion")
[[ $status == 303 ]] || { echo "login failed ($status)" >&2; exit 1; }
cookie=$(awk '$6 == "erbm_session" {print $7}' "$jar")
rm -f "$jar"
check=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: erbm_session=$cookie" "http://127.0.0.1:$APP_PORT/")
[[ $check == 200 ]] || { echo "signed-in dashboard answered $check" >&2; exit 1; }

run() {  # url, extra header -> requests/s (fails on any non-2xx answer)
  local out
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency ${2:+-H "$2"} "$1")
  echo "$out" >&2
  if grep -q "Non-2xx" <<<"$out"; then echo "non-2xx answers from $1" >&2; exit 1; fi
  awk '/Requests\/sec/ {print $2}' <<<"$out"
}
echo "== app: signed-in dashboard ($DATABASE_URL, $WORKERS workers, $CONNECTIONS connections, ${DURATION}s)" >&2
app_rps=$(run "http://127.0.0.1:$APP_PORT/" "Cookie: erbm_session=$cookie")
echo "== bare: base layout, no database" >&2
bare_rps=$(run "http://127.0.0.1:$BARE_PORT/")
ratio=$(awk -v a="$app_rps" -v b="$bare_rps" 'BEGIN {printf "%.2f", a / b}')
echo "dashboard: $app_rps req/s | bare layout: $bare_rps req/s | ratio: $ratio (goal >= 0.5)"
