#!/usr/bin/env bash
# Ten minutes of mixed load (logins, reads, writes, uploads, sign-offs) on the demo, printing
# errors, p50/p99 latencies and the server's RSS every minute: memory must stay flat.
#   bench/endurance.sh              (SECONDS_=120 for a shorter run; BIN=… for another build;
#                                    RECTIFY_DATABASE_URL=postgres://… for PostgreSQL)
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${PORT:-18087}
BASE="http://127.0.0.1:$PORT"
if [ -z "${BIN:-}" ]; then
    cargo build --release -q --locked -p rectify
    BIN=./target/release/rectify
fi
DATA=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$DATA"' EXIT
RECTIFY_DATA_DIR="$DATA" RECTIFY_BIND="127.0.0.1:$PORT" RUST_LOG=warn \
RECTIFY_LOGIN_MAX_FAILURES_PER_ACCOUNT=1000000000 RECTIFY_LOGIN_MAX_FAILURES_PER_ADDRESS=1000000000 \
    "$BIN" serve --demo >"$DATA/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 300); do curl -sf "$BASE/readyz" >/dev/null && break; sleep 0.1; done
sleep 3
python3 bench/endurance.py --base "$BASE" --pid "$SERVER" --seconds "${SECONDS_:-600}" --clients "${CLIENTS:-16}"
grep -c ' ERROR ' "$DATA/server.log" | sed 's/^/server log ERROR lines: /' || true
