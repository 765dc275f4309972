# Shared by the bench scripts: a release build (or $BIN) serving a fresh demo on 127.0.0.1:$PORT
# with login throttling lifted, stopped and cleaned up when the script exits. Sets BIN, BASE,
# DATA (a temporary data directory) and SERVER (its pid).
serve_demo() {
    BASE="http://127.0.0.1:$PORT"
    if [ -z "${BIN:-}" ]; then
        cargo build --release -q --locked -p rectify
        BIN=./target/release/rectify
    fi
    DATA=$(mktemp -d)
    trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$DATA"' EXIT
    # Throttling is lifted so that every login attempt really costs a hash: the worst case.
    RECTIFY_DATA_DIR="$DATA" RECTIFY_BIND="127.0.0.1:$PORT" RUST_LOG=warn \
    RECTIFY_LOGIN_MAX_FAILURES_PER_ACCOUNT=1000000000 RECTIFY_LOGIN_MAX_FAILURES_PER_ADDRESS=1000000000 \
        "$BIN" serve --demo >"$DATA/server.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 1 300); do curl -sf "$BASE/readyz" >/dev/null && break; sleep 0.1; done
    curl -sf "$BASE/readyz" >/dev/null
}
