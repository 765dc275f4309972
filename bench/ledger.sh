#!/usr/bin/env bash
# Ledger benchmark on the county data set (41 schools, 14,505 measures), on SQLite and
# PostgreSQL: requests/s of the measure list, the ledger and the statistics as a ratio to the
# plaintext baseline in the same run, p99 latency at a fixed 500 requests/s, and the query plans.
# The list is measured with its page cache (the steady state between changes) and without it
# (a second instance on the same database), which is what the first read after a change costs.
#   bench/ledger.sh                 both databases
#   DATABASES=sqlite bench/ledger.sh
# Needs wrk (apt) and oha (cargo install oha), installed here when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10}
PORT=${PORT:-18090}
BASE="http://127.0.0.1:$PORT"
PG_ADMIN=${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}
DATABASES=${DATABASES:-"sqlite postgres"}

command -v wrk >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk; }
command -v oha >/dev/null || cargo install oha --locked
cargo build --release -q -p rectify
BIN=./target/release/rectify

rps() { awk '/^Requests\/sec/ {print $2}'; }
# oha prints "99.00% in 12.3456 ms" with the unit it finds best.
p99() { awk '/ 99.00% in / { v = $3; u = $4; if (u ~ /^s/) v *= 1000; else if (u ~ /^(µs|us)/) v /= 1000; else if (u == "ns") v /= 1e6; printf "%.2f ms", v }'; }

for DB in $DATABASES; do
    DATA=$(mktemp -d)
    if [ "$DB" = postgres ]; then
        psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS rectify_bench WITH (FORCE)" -c "CREATE DATABASE rectify_bench" >/dev/null
        URL="${PG_ADMIN%/*}/rectify_bench"
    else
        URL="sqlite://$DATA/rectify.db"
    fi
    export RECTIFY_DATABASE_URL="$URL" RECTIFY_DATA_DIR="$DATA" RECTIFY_BIND="127.0.0.1:$PORT" RUST_LOG=warn
    echo "== $DB: seeding the county"
    $BIN demo seed --scale county | tail -1
    $BIN serve >"$DATA/server.log" 2>&1 &
    SERVER=$!
    # A second instance on the same database with the page cache off: what a page costs to build.
    RECTIFY_BIND="127.0.0.1:$((PORT + 1))" RECTIFY_PAGE_CACHE_ENTRIES=0 $BIN serve >"$DATA/uncached.log" 2>&1 &
    UNCACHED=$!
    for _ in $(seq 1 100); do curl -sf "$BASE/healthz" >/dev/null && curl -sf "http://127.0.0.1:$((PORT + 1))/healthz" >/dev/null && break; sleep 0.1; done
    login() { curl -sf -X POST "$BASE/api/v1/auth/login" -H 'Content-Type: application/json' \
        -d "{\"username\":\"$1\",\"password\":\"Rectify@2021\"}" | sed -E 's/.*"access_token":"([^"]+)".*/\1/'; }
    BUREAU=$(login majp)
    SCHOOL=$(login s17.zgb)
    INSP=$(curl -sf "$BASE/api/v1/inspections?limit=1" -H "Authorization: Bearer $SCHOOL" | sed -E 's/.*"items":\[\{"id":([0-9]+).*/\1/')
    LIST="$BASE/api/v1/measures?limit=50&status=in_progress&overdue=false&sort=deadline"
    LEDGER="$BASE/api/v1/inspections/$INSP/ledger?limit=50"
    STATS="$BASE/api/v1/inspections/$INSP/stats"

    BASELINE=$(wrk -t2 -c32 -d"${DURATION}s" "$BASE/healthz" | rps)
    echo "GET /healthz (baseline)                          $BASELINE req/s"
    NOCACHE_LIST="http://127.0.0.1:$((PORT + 1))${LIST#"$BASE"}"
    for what in "list (bureau, all 41 schools)|$BUREAU|$LIST" "list (one school)|$SCHOOL|$LIST" \
        "list (bureau), page cache off|$BUREAU|$NOCACHE_LIST" "list (one school), page cache off|$SCHOOL|$NOCACHE_LIST" \
        "ledger of one inspection|$SCHOOL|$LEDGER" "stats of one inspection|$SCHOOL|$STATS"; do
        IFS='|' read -r name token url <<<"$what"
        R=$(wrk -t2 -c32 -d"${DURATION}s" -H "Authorization: Bearer $token" "$url" | rps)
        awk -v n="$name" -v r="$R" -v b="$BASELINE" 'BEGIN { printf "%-45s %9.0f req/s  %5.1f%% of baseline\n", n, r, 100 * r / b }'
    done
    for what in "list (bureau)|$BUREAU|$LIST" "list (bureau), page cache off|$BUREAU|$NOCACHE_LIST" "ledger|$SCHOOL|$LEDGER" "stats|$SCHOOL|$STATS"; do
        IFS='|' read -r name token url <<<"$what"
        echo "p99 at a fixed 500 req/s, $name: $(oha --no-tui -z "${DURATION}s" -q 500 -c 16 -H "Authorization: Bearer $token" "$url" | p99)"
    done
    echo "targets: list ≥ 10% of baseline; stats p99 ≤ 20 ms"

    # The shapes the server sends (s17's school is organisation 20): one inspection's page in
    # ledger order, and the ids of one school's page in ledger order.
    for Q in "SELECT measures.id FROM measures WHERE measures.organisation_id IN (20) AND measures.inspection_id = $INSP ORDER BY measures.inspection_id, measures.problem_ordinal, measures.ordinal LIMIT 50" \
        "SELECT measures.id FROM measures WHERE measures.organisation_id IN (20) ORDER BY measures.inspection_id, measures.problem_ordinal, measures.ordinal LIMIT 50"; do
        echo "query plan ($DB): $Q"
        if [ "$DB" = postgres ]; then
            psql "$URL" -qAtc "EXPLAIN $Q" | sed 's/^/  /'
        else
            command -v sqlite3 >/dev/null && sqlite3 "$DATA/rectify.db" "EXPLAIN QUERY PLAN $Q" | sed 's/^/  /'
        fi
    done
    kill $SERVER $UNCACHED; wait $SERVER $UNCACHED 2>/dev/null || true
    [ "$DB" = postgres ] && psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS rectify_bench WITH (FORCE)" >/dev/null
    rm -rf "$DATA"
done
