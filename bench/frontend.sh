#!/usr/bin/env bash
# Web app benchmark, from a production build served by the release server with the demo data:
# JS and CSS loaded by the login page and by the ledger page (gzip), and the time until the demo
# ledger (105 measures) is interactive in headless Chromium, beside a baseline navigation to a
# trivial page of the same server in the same run. Targets: login JS ≤ 250 kB gzip; ledger ≤ 1 s.
#   bench/frontend.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${PORT:-18094}
(cd frontend && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npx vite build >/dev/null)
cargo build --release -q -p rectify
DATA=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$DATA"' EXIT
RECTIFY_DATA_DIR="$DATA" RECTIFY_BIND="127.0.0.1:$PORT" RECTIFY_WEB_DIR="$PWD/frontend/dist" RUST_LOG=warn \
    ./target/release/rectify serve --demo >"$DATA/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done
(cd frontend && BASE="http://127.0.0.1:$PORT" node ../bench/frontend.mjs)
