#!/usr/bin/env bash
# Documents benchmark (release build, SQLite, the county data set with the demo school in it):
# time per request and the server's peak RSS for the report (DOCX and HTML, public edition of a
# draft, which is made from the ledger on every request) and the plan, of the demo inspection
# (105 measures) and of the largest inspection of the county (120 measures), against
# `GET /inspections/{id}/ledger?limit=200` of the same inspection in the same run.
#   bench/report.sh                 (RUNS=50 requests each; BIN=path/to/rectify for another build;
#                                    SCALE= for the demo school alone, without the county)
#   target: the demo report ≤ 100 ms.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${PORT:-18094}
RUNS=${RUNS:-50}
SCALE=${SCALE-county}
BASE="http://127.0.0.1:$PORT"
if [ -z "${BIN:-}" ]; then
    cargo build --release -q --locked -p rectify
    BIN=./target/release/rectify
fi
DATA=$(mktemp -d)
SERVER=
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$DATA"' EXIT
export RECTIFY_DATABASE_URL="sqlite://$DATA/rectify.db" RECTIFY_DATA_DIR="$DATA" RECTIFY_BIND="127.0.0.1:$PORT" RUST_LOG=warn
echo "seeding the demo${SCALE:+ and the $SCALE}…"
$BIN demo seed ${SCALE:+--scale "$SCALE"} | tail -1
$BIN serve >"$DATA/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 300); do curl -sf "$BASE/readyz" >/dev/null && break; sleep 0.1; done

login() { curl -sf -X POST "$BASE/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"Rectify@2021\"}" | sed -E 's/.*"access_token":"([^"]+)".*/\1/'; }
first_inspection() { curl -sf "$BASE/api/v1/inspections?limit=1" -H "Authorization: Bearer $1" | sed -E 's/.*"items":\[\{"id":([0-9]+).*/\1/'; }
new_report() { curl -sf -X POST "$BASE/api/v1/inspections/$2/reports" -H "Authorization: Bearer $1" | sed -E 's/.*"report":\{"id":([0-9]+).*/\1/'; }
rss() { awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$SERVER/status"; }
hwm() { awk '/^VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$SERVER/status"; }

# RUNS sequential requests: median, p95 and max time (ms) and the body's size.
measure() {
    local name=$1 token=$2 url=$3
    curl -sf -o /dev/null -H "Authorization: Bearer $token" "$url" # warm up
    : >"$DATA/times"
    for _ in $(seq 1 "$RUNS"); do
        curl -sf -o "$DATA/body" -w '%{time_total}\n' -H "Authorization: Bearer $token" "$url" >>"$DATA/times"
    done
    local size
    size=$(stat -c %s "$DATA/body")
    sort -n "$DATA/times" | awk -v n="$name" -v s="$size" -v hwm="$(hwm)" '
        { t[NR] = $1 * 1000 }
        END { printf "%-46s median %7.1f ms  p95 %7.1f ms  max %7.1f ms  %8d bytes  peak RSS %s MiB\n",
              n, t[int((NR + 1) / 2)], t[int(NR * 0.95 + 0.5)], t[NR], s, hwm }'
}

echo "machine: $(nproc) cores; $RUNS sequential requests each; RSS at start $(rss) MiB"
CASES=("demo inspection (105 measures)|zgb")
[ -n "$SCALE" ] && CASES+=("largest county inspection (120 measures)|s17.zgb")
for who in "${CASES[@]}"; do
    IFS='|' read -r name user <<<"$who"
    TOKEN=$(login "$user")
    INSP=$(first_inspection "$TOKEN")
    REPORT=$(new_report "$TOKEN" "$INSP")
    echo "== $name: inspection $INSP, report $REPORT"
    measure "ledger?limit=200 (baseline)" "$TOKEN" "$BASE/api/v1/inspections/$INSP/ledger?limit=200"
    measure "report DOCX (public)" "$TOKEN" "$BASE/api/v1/reports/$REPORT/document?format=docx"
    measure "report HTML (public)" "$TOKEN" "$BASE/api/v1/reports/$REPORT/document?format=html"
    measure "report HTML (internal)" "$TOKEN" "$BASE/api/v1/reports/$REPORT/document?format=html&edition=internal"
    measure "report model (GET /reports/{id}, JSON)" "$TOKEN" "$BASE/api/v1/reports/$REPORT"
    measure "plan DOCX" "$TOKEN" "$BASE/api/v1/inspections/$INSP/plan?format=docx"
    measure "plan HTML" "$TOKEN" "$BASE/api/v1/inspections/$INSP/plan?format=html"
done
echo "RSS at the end $(rss) MiB, peak $(hwm) MiB; target: the demo report ≤ 100 ms"
