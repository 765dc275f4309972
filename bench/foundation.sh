#!/usr/bin/env bash
# Foundation benchmark: GET /api/v1/me against the plaintext baseline, and /me latency during a
# login storm. Prints figures; asserts nothing (these machines are noisy).
#   bench/foundation.sh            (DURATION=10 CONNECTIONS=64 to change the load)
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
PORT=${PORT:-18080}
BASE="http://127.0.0.1:$PORT"

command -v wrk >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk; }
cargo build --release -q -p rectify

DATA=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$DATA"' EXIT
# Throttling is lifted so that the storm really costs an argon2 hash per attempt: the worst case.
RECTIFY_DATA_DIR="$DATA" RECTIFY_BIND="127.0.0.1:$PORT" RUST_LOG=warn \
RECTIFY_LOGIN_MAX_FAILURES_PER_ACCOUNT=1000000000 RECTIFY_LOGIN_MAX_FAILURES_PER_ADDRESS=1000000000 \
    ./target/release/rectify serve --demo >"$DATA/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.1; done

TOKEN=$(curl -sf -X POST "$BASE/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d '{"username":"zhanghc","password":"Rectify@2021"}' | sed -E 's/.*"access_token":"([^"]+)".*/\1/')

rps() { awk '/^Requests\/sec/ {print $2}'; }
echo "machine: $(nproc) cores; wrk -t2 -c$CONNECTIONS -d${DURATION}s; SQLite; release build"

BASELINE=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" "$BASE/healthz" | rps)
echo "GET /healthz (plaintext baseline):  $BASELINE req/s"
ME_OUT=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/me")
ME=$(echo "$ME_OUT" | rps)
echo "GET /api/v1/me (valid token):       $ME req/s"
awk -v a="$ME" -v b="$BASELINE" 'BEGIN { printf "ratio /me ÷ baseline:               %.1f%%  (target ≥ 30%%)\n", 100 * a / b }'
echo "$ME_OUT" | awk '/^ +(50|99)%/ {printf "  /me latency p%s %s\n", $1, $2}'

echo
echo "during a login storm (32 clients, wrong passwords, throttling lifted):"
wrk -t1 -c32 -d"$((DURATION + 4))s" --timeout 10s -s bench/login-storm.lua "$BASE/api/v1/auth/login" >"$DATA/storm.txt" &
STORM=$!
sleep 2
DURING=$(wrk -t1 -c4 -d"${DURATION}s" --latency -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/me")
wait $STORM
echo "$DURING" | awk '/^ +(50|75|90|99)%/ {printf "  /me latency p%s %s\n", $1, $2} /^Requests\/sec/ {printf "  /me throughput %s req/s\n", $2}'
echo "  /me p99 target: < 50ms"
awk '/^Requests\/sec/ {printf "  login attempts answered: %s req/s\n", $2} /Non-2xx/ {printf "  non-2xx (401/429) answers: %s\n", $NF}' "$DATA/storm.txt"
