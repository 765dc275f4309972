#!/usr/bin/env bash
# Evidence upload benchmark: one 1 GiB upload (the server's peak RSS growth and MB/s, beside
# `dd` writing the same size to the same disk in the same run), then 20 concurrent 10 MiB
# uploads. Targets: RSS growth ≤ 64 MiB; upload ≥ 70% of dd; no error among the 20.
#   bench/evidence.sh            (SQLite, local storage, in a temporary data directory)
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${PORT:-18093}
BASE="http://127.0.0.1:$PORT"
cargo build --release -q -p rectify
BIN=./target/release/rectify
# Under target/: the same disk as the build, not a RAM-backed /tmp.
DATA=$(mktemp -d -p "$PWD/target" bench-evidence.XXXXXX)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$DATA"' EXIT

export RECTIFY_DATA_DIR="$DATA" RECTIFY_DATABASE_URL="sqlite://$DATA/rectify.db" RECTIFY_BIND="127.0.0.1:$PORT" RUST_LOG=warn
export RECTIFY_MAX_FILE_SIZE=$((2 * 1024 * 1024 * 1024)) RECTIFY_STORAGE_QUOTA=$((64 * 1024 * 1024 * 1024))
$BIN serve --demo >"$DATA/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.1; done
TOKEN=$(curl -sf -X POST "$BASE/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d '{"username":"zgb","password":"Rectify@2021"}' | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
MEASURE=$(curl -sf "$BASE/api/v1/measures?limit=1" -H "Authorization: Bearer $TOKEN" | sed -E 's/.*"items":\[\{"id":([0-9]+).*/\1/')
URL="$BASE/api/v1/measures/$MEASURE/evidence"

SIZE=$((1024 * 1024 * 1024))
{ printf '%%PDF-1.7\n'; head -c "$SIZE" /dev/zero; } >"$DATA/big.pdf"
kib() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$SERVER/status"; }

# dd before and after the upload; the upload is compared with the faster of the two.
dd_mbs() {
    sync
    dd if=/dev/zero of="$DATA/dd.bin" bs=1M count=1024 conv=fsync 2>&1 | tail -1 |
        awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^[MG]B\/s$/) { v = $(i-1); if ($i == "GB/s") v *= 1000; print v } }'
    rm -f "$DATA/dd.bin"
}
DD1=$(dd_mbs)
echo "dd, 1 GiB to the same disk with fsync: $DD1 MB/s"

echo "== one 1 GiB upload"
sync
BEFORE=$(kib VmRSS)
OUT=$(curl -s -o "$DATA/upload.json" -w '%{http_code} %{time_total}' -H "Authorization: Bearer $TOKEN" \
    -F "title=1 GiB 压力测试" -F "file=@$DATA/big.pdf;filename=big.pdf" "$URL")
PEAK=$(kib VmHWM)
read -r CODE SECS <<<"$OUT"
[ "$CODE" = 201 ] || { echo "upload failed: $CODE $(cat "$DATA/upload.json")"; exit 1; }
DD2=$(dd_mbs)
echo "dd again after the upload: $DD2 MB/s"
DD_MBS=$(awk -v a="$DD1" -v b="$DD2" 'BEGIN { print (a > b ? a : b) }')
awk -v s="$SIZE" -v t="$SECS" -v dd="$DD_MBS" -v b="$BEFORE" -v p="$PEAK" 'BEGIN {
    mbs = s / 1e6 / t
    printf "upload (spooled, hashed, fsynced, checked, renamed into place, recorded): %.0f MB/s (%.1f s), %.0f%% of the faster dd (target >= 70%%)\n", mbs, t, 100 * mbs / dd
    printf "server RSS: %.1f MiB before, peak %.1f MiB, growth %.1f MiB (target <= 64 MiB)\n", b / 1024, p / 1024, (p - b) / 1024
}'
grep -o '"sha256":"[0-9a-f]*"' "$DATA/upload.json" | head -1
echo "expected: \"sha256\":\"$(sha256sum "$DATA/big.pdf" | cut -c1-64)\""
rm -f "$DATA/big.pdf"

echo "== 20 concurrent 10 MiB uploads"
{ printf '%%PDF-1.7\n'; head -c $((10 * 1024 * 1024)) /dev/urandom; } >"$DATA/ten.pdf"
STARTED=$(date +%s.%N)
CODES=$(seq 1 20 | xargs -P 20 -I{} curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $TOKEN" \
    -F "title=并发 {}" -F "file=@$DATA/ten.pdf;filename=ten-{}.pdf" "$URL" | sort | uniq -c)
ENDED=$(date +%s.%N)
echo "$CODES" | sed 's/^/  HTTP /'
awk -v a="$STARTED" -v b="$ENDED" 'BEGIN { printf "  in %.2f s (%.0f MB/s together)\n", b - a, 20 * 10.49 / (b - a) }'
echo "$CODES" | grep -qv ' 201$' && { echo "some uploads failed"; exit 1; } || echo "  all 20 stored"
