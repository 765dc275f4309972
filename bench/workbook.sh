#!/usr/bin/env bash
# Ledger workbook benchmark on the county data set (41 schools, 14,505 measures): the education
# bureau exports every school it supervises at once, as XLSX and as CSV. Prints the time of each
# request and the server's resident set (RSS) growth while it runs (sampled every 20 ms; the first
# export on a server that has read nothing yet), next to a baseline in the same run: the same
# rows as JSON, read page after page from GET /measures (200 a page, the most it gives). Release
# build; prints figures, asserts nothing.
#   bench/workbook.sh                  both databases
#   DATABASES=sqlite bench/workbook.sh
#   targets: county workbook ≤ 3 s with RSS growth ≤ 64 MiB.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${PORT:-18095}
BASE="http://127.0.0.1:$PORT"
PG_ADMIN=${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}
DATABASES=${DATABASES:-"sqlite postgres"}
RUNS=${RUNS:-3}

if [ -z "${BIN:-}" ]; then
    cargo build --release -q --locked -p rectify
    BIN=./target/release/rectify
fi

rss() { awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$SERVER/status"; }
# Samples RSS every 20 ms into $1 until $2 (a pid) ends.
sample() { while kill -0 "$2" 2>/dev/null; do rss >>"$1"; echo >>"$1"; sleep 0.02; done; }
peak() { sort -n "$1" | tail -1; }

# Times one GET (saved to $3) while sampling the server's RSS: prints "seconds peak-growth-MiB".
measure() {
    local token=$1 url=$2 out=$3
    local before
    before=$(rss)
    curl -sf -o "$out" -w '%{time_total}\n' -H "Authorization: Bearer $token" "$url" >"$DATA/time" &
    local load=$!
    : >"$DATA/rss"
    sample "$DATA/rss" $load
    wait $load
    awk -v t="$(cat "$DATA/time")" -v p="$(peak "$DATA/rss")" -v b="$before" 'BEGIN { printf "%.2f %+.1f\n", t, p - b }'
}

for DB in $DATABASES; do
    DATA=$(mktemp -d)
    if [ "$DB" = postgres ]; then
        psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS rectify_bench_workbook WITH (FORCE)" -c "CREATE DATABASE rectify_bench_workbook" >/dev/null
        URL="${PG_ADMIN%/*}/rectify_bench_workbook"
    else
        URL="sqlite://$DATA/rectify.db"
    fi
    export RECTIFY_DATABASE_URL="$URL" RECTIFY_DATA_DIR="$DATA" RECTIFY_BIND="127.0.0.1:$PORT" RUST_LOG=warn
    echo "== $DB: seeding the county"
    $BIN demo seed --scale county | tail -1
    # The page cache off: every JSON page is built from the database, as the export is.
    RECTIFY_PAGE_CACHE_ENTRIES=0 $BIN serve >"$DATA/server.log" 2>&1 &
    SERVER=$!
    trap 'kill $SERVER 2>/dev/null || true; rm -rf "$DATA"' EXIT
    for _ in $(seq 1 100); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.1; done
    # Another server on the port would answer instead.
    kill -0 $SERVER 2>/dev/null || { cat "$DATA/server.log"; exit 1; }
    TOKEN=$(curl -sf -X POST "$BASE/api/v1/auth/login" -H 'Content-Type: application/json' \
        -d '{"username":"majp","password":"Rectify@2021"}' | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
    TOTAL=$(curl -sf -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/measures?limit=1" | sed -E 's/.*"total":([0-9]+).*/\1/')
    sleep 1
    echo "machine: $(nproc) cores; bureau (majp) sees $TOTAL measures; idle RSS $(rss) MiB"

    # The exports first, on a server that has read nothing yet: the worst case for its memory.
    for FORMAT in xlsx csv; do
        for run in $(seq 1 "$RUNS"); do
            read -r secs growth < <(measure "$TOKEN" "$BASE/api/v1/measures/export?format=$FORMAT" "$DATA/export.$FORMAT")
            size=$(stat -c %s "$DATA/export.$FORMAT")
            printf "%-4s export of the county (run %d):          %6.2f s   RSS %+6.1f MiB   %5.1f MiB file\n" \
                "$FORMAT" "$run" "$secs" "$growth" "$(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1048576 }')"
        done
    done
    # Baseline: the same rows as JSON, every page of GET /measures in ledger order, one after another.
    cat >"$DATA/pages.sh" <<SH
for offset in \$(seq 0 200 $((TOTAL - 1))); do
    curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/measures?limit=200&offset=\$offset"
done
SH
    for run in $(seq 1 "$RUNS"); do
        before=$(rss)
        start=$(date +%s.%N)
        bash "$DATA/pages.sh" &
        load=$!
        : >"$DATA/rss"
        sample "$DATA/rss" $load
        wait $load
        end=$(date +%s.%N)
        awk -v s="$start" -v e="$end" -v p="$(peak "$DATA/rss")" -v b="$before" -v n="$TOTAL" -v r="$run" \
            'BEGIN { printf "baseline JSON, %d pages of 200 (run %d):   %6.2f s   RSS %+6.1f MiB\n", (n + 199) / 200, r, e - s, p - b }'
    done
    # The workbook holds every measure: rows of the ledger sheet below its four heading rows.
    python3 - "$DATA/export.xlsx" "$DATA/export.csv" <<'PY'
import csv, io, re, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    sheet = z.read("xl/worksheets/sheet1.xml").decode()
# Below the four heading rows: the measures, then the colours' legend.
rows = len(re.findall(r"<row ", sheet)) - 5
with open(sys.argv[2], encoding="utf-8-sig", newline="") as f:
    lines = sum(1 for _ in csv.reader(f)) - 1
print(f"check: the workbook's ledger sheet has {rows} measure rows, the CSV {lines}")
PY
    echo "idle RSS afterwards $(rss) MiB; targets: county workbook ≤ 3 s, RSS growth ≤ 64 MiB"
    kill $SERVER; wait $SERVER 2>/dev/null || true
    trap - EXIT
    [ "$DB" = postgres ] && psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS rectify_bench_workbook WITH (FORCE)" >/dev/null
    rm -rf "$DATA"
done
