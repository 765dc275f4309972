#!/usr/bin/env bash
# Ten minutes of mixed load (logins, reads, writes, uploads, sign-offs) on the demo, printing
# errors, p50/p99 latencies and the server's RSS every minute: memory must stay flat.
#   bench/endurance.sh              (SECONDS_=120 for a shorter run; BIN=… for another build;
#                                    RECTIFY_DATABASE_URL=postgres://… for PostgreSQL)
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${PORT:-18087}
. bench/lib.sh
serve_demo
sleep 3
python3 bench/endurance.py --base "$BASE" --pid "$SERVER" --seconds "${SECONDS_:-600}" --clients "${CLIENTS:-16}"
grep -c ' ERROR ' "$DATA/server.log" | sed 's/^/server log ERROR lines: /' || true
