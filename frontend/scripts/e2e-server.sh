#!/bin/sh
# The backend for the end-to-end tests: a fresh demo database, serving the built app (dist/).
set -e
cd "$(dirname "$0")/.."
data=test-results/e2e-data
rm -rf "$data" && mkdir -p "$data"
export RECTIFY_DATA_DIR="$PWD/$data" RECTIFY_BIND="127.0.0.1:$1" RECTIFY_WEB_DIR="$PWD/dist"
export RECTIFY_LOG_FORMAT=text RUST_LOG=warn
exec "${RECTIFY_BIN:-../target/debug/rectify}" serve --demo
