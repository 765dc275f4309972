# The two commands of the README, and the pieces they are made of.
.PHONY: run test web web-deps openapi

# Builds the web app and the server, migrates, seeds the demo data once and serves both on
# http://127.0.0.1:8080.
run: web
	cargo run --release --locked -p rectify -- serve --demo

# Every test: the server's (SQLite, and PostgreSQL/S3 when configured, see README), the API
# contract against a live server (schemathesis, a generated client), then the web app's checks,
# unit tests and end-to-end tests in Chromium against the real server.
test: web-deps
	cargo test --workspace --locked
	cargo build --locked -p rectify
	backend/tests/contract/run.sh
	cd frontend && npm test

web-deps:
	cd frontend && { [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund; }

web: web-deps
	cd frontend && npm run build

# Regenerates the OpenAPI document and the web app's types from the code.
openapi:
	cargo run --locked -q -p rectify -- openapi --output openapi/openapi.json
	cd frontend && npm run api:gen
