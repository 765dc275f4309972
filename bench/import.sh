#!/usr/bin/env bash
# Documents in. First without HTTP (cargo bench): parse time of report.txt against reading its
# lines, of 0.5/1/2 MB documents (linear time), and reading a 14,000-row 台账. Then through the
# API (release build, SQLite, the county data set): `POST /imports` of report.txt (pasted text)
# and of the county's own 14,505-row workbook (`/measures/export?format=xlsx`, the bureau's
# view), against `GET /healthz` in the same run.
#   bench/import.sh            (RUNS=100 requests for the report; BIN=path/to/rectify for another build)
#   targets: a 1 MB document parses in < 1 s.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${PORT:-18095}
RUNS=${RUNS:-100}
BASE="http://127.0.0.1:$PORT"
echo "== without HTTP"
RUNS=$RUNS cargo bench -q --locked -p rectify --bench documents 2>/dev/null | grep -v '^$'

if [ -z "${BIN:-}" ]; then
    cargo build --release -q --locked -p rectify
    BIN=./target/release/rectify
fi
DATA=$(mktemp -d)
SERVER=
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$DATA"' EXIT
export RECTIFY_DATABASE_URL="sqlite://$DATA/rectify.db" RECTIFY_DATA_DIR="$DATA" RECTIFY_BIND="127.0.0.1:$PORT" RUST_LOG=warn
$BIN demo seed --scale county | tail -1
$BIN serve >"$DATA/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 300); do curl -sf "$BASE/readyz" >/dev/null && break; sleep 0.1; done

login() { curl -sf -X POST "$BASE/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"Rectify@2021\"}" | sed -E 's/.*"access_token":"([^"]+)".*/\1/'; }
hwm() { awk '/^VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$SERVER/status"; }

# Sequential requests: median, p99 and max (ms). Arguments after the name go to curl.
measure() {
    local name=$1 runs=$2
    shift 2
    curl -sf -o /dev/null "$@" # warm up
    : >"$DATA/times"
    for _ in $(seq 1 "$runs"); do curl -sf -o "$DATA/body" -w '%{time_total}\n' "$@" >>"$DATA/times"; done
    sort -n "$DATA/times" | awk -v n="$name" -v hwm="$(hwm)" '
        { t[NR] = $1 * 1000 }
        END { printf "%-44s median %7.1f ms  p99 %7.1f ms  max %7.1f ms  peak RSS %s MiB\n",
              n, t[int((NR + 1) / 2)], t[int(NR * 0.99 + 0.5)], t[NR], hwm }'
}

echo "== through the API ($(nproc) cores)"
ZGB=$(login zgb)
ADMIN=$(login admin)
python3 -c 'import json,sys; print(json.dumps({"text": open(sys.argv[1]).read()}))' backend/fixtures/changyang-2021/report.txt >"$DATA/report.json"
measure "GET /healthz (baseline)" "$RUNS" "$BASE/healthz"
measure "POST /imports report.txt (text)" "$RUNS" -X POST "$BASE/api/v1/imports" -H "Authorization: Bearer $ZGB" \
    -H 'Content-Type: application/json' --data-binary @"$DATA/report.json"
curl -sf -o "$DATA/county.xlsx" -H "Authorization: Bearer $(login majp)" "$BASE/api/v1/measures/export?format=xlsx"
echo "county workbook: $(stat -c %s "$DATA/county.xlsx") bytes"
measure "POST /imports county workbook (xlsx)" 5 -X POST "$BASE/api/v1/imports" -H "Authorization: Bearer $ADMIN" \
    -F "file=@$DATA/county.xlsx"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["draft"]; c=d["categories"]; p=[x for k in c for x in k["problems"]]
print("  read: %d categories, %d problems, %d measures, %d warnings" % (len(c), len(p), sum(len(x["measures"]) for x in p), len(d["warnings"])))' "$DATA/body"
