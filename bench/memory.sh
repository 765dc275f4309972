#!/usr/bin/env bash
# Memory under bursts: the server's resident set (RSS) at idle after the demo seed, at its peak
# during 32 clients logging in for 15 s (an argon2id hash of 19 MiB each), right after, and a
# minute later; then the same for 15 s of ledger reads. Prints figures; asserts nothing.
#   bench/memory.sh                 (BIN=path/to/rectify to measure another build)
#   targets: a login flood moves RSS by ≤ 64 MiB; a minute later it is within 20 MiB of idle.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${PORT:-18086}
DURATION=${DURATION:-15}
SETTLE=${SETTLE:-60}

command -v wrk >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk; }
. bench/lib.sh
serve_demo

rss() { awk '/^VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$SERVER/status"; }
# Samples RSS every 100 ms into $1 until $2 (a pid) ends.
sample() { while kill -0 "$2" 2>/dev/null; do rss >>"$1"; echo >>"$1"; sleep 0.1; done; }
peak() { sort -n "$1" | tail -1; }
delta() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.1f", a - b }'; }

cat >"$DATA/login.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"username":"zhanghc","password":"Rectify@2021"}'
LUA
TOKEN=$(curl -sf -X POST "$BASE/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d '{"username":"majp","password":"Rectify@2021"}' | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
sleep 3
IDLE=$(rss)
echo "machine: $(nproc) cores; $("$BIN" --version 2>/dev/null || echo rectify); SQLite; demo data"
echo "idle after the demo seed:                 $IDLE MiB"

burst() {
    local name=$1
    shift
    wrk "$@" >"$DATA/$name.txt" &
    local load=$!
    : >"$DATA/$name.rss"
    sample "$DATA/$name.rss" $load
    wait $load
    local top after settled
    top=$(peak "$DATA/$name.rss")
    after=$(rss)
    sleep "$SETTLE"
    settled=$(rss)
    awk '/^Requests\/sec/ {printf "  %s req/s", $2} /Non-2xx/ {printf ", %s non-2xx", $NF} /Socket errors/ {printf ", socket errors: %s", $0} END {print ""}' "$DATA/$name.txt"
    echo "  peak RSS:              $top MiB ($(delta "$top" "$IDLE") MiB over idle; target ≤ +64)"
    echo "  right after:           $after MiB ($(delta "$after" "$IDLE"))"
    echo "  ${SETTLE} s later:           $settled MiB ($(delta "$settled" "$IDLE"); target within 20 MiB of idle)"
}

echo "login flood: wrk -t2 -c32 -d${DURATION}s POST /api/v1/auth/login (right password)"
burst login -t2 -c32 -d"${DURATION}s" --timeout 10s -s "$DATA/login.lua" "$BASE/api/v1/auth/login"
IDLE=$(rss)
echo "ledger reads: wrk -t2 -c32 -d${DURATION}s GET /api/v1/measures (bureau, 50 a page, varying offsets)"
cat >"$DATA/list.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $TOKEN"
local n = 0
request = function()
    n = n + 1
    return wrk.format("GET", "/api/v1/measures?limit=50&offset=" .. (n % 3) * 50 .. "&sort=deadline")
end
LUA
burst list -t2 -c32 -d"${DURATION}s" -s "$DATA/list.lua" "$BASE"
