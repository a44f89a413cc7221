#!/usr/bin/env bash
# The live-call pipeline under load, measured (not asserted): `ava bench-calls` on a release build, over
# loopback, first on a fresh SQLite database, then on a throwaway PostgreSQL (scripts/with-postgres.sh).
# Prints webhook ingest events/s with p50/p99 (and events lost: must be 0), tool-calls checkAvailability
# p50/p99 with 200 calls in progress, and assistant-request p50/p99. Figures go in docs/PERFORMANCE.md.
# Usage: scripts/bench-calls.sh [extra ava bench-calls options, e.g. --events 60000]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product ava --scratch-path .build-release >/dev/null
bin=$PWD/.build-release/release/ava

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
echo "== SQLite (WAL) =="
AVA_DATA_DIR=$dir LOG_LEVEL=error "$bin" bench-calls "$@"

echo "== PostgreSQL =="
AVA_DATA_DIR=$dir LOG_LEVEL=error scripts/with-postgres.sh "$bin" bench-calls "$@"
