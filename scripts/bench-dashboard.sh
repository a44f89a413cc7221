#!/usr/bin/env bash
# The signed-in pages at scale, measured (not asserted), on a release build over loopback, on SQLite then on a
# throwaway PostgreSQL (scripts/with-postgres.sh):
#   1. `ava seed` fills a fresh database: by default 10,000 organisations and 1,000,000 calls over 90 days, one
#      organisation holding 100,000 of them (its owner is who signs in);
#   2. `ava serve --env production` (templates cached) serves it; the script signs in through
#      POST /api/v1/auth/login and sends the access token as `Authorization: Bearer` (pages accept it too);
#   3. wrk (scripts/bench-dashboard.lua prints p50/p95/p99) hits each route for a few seconds after a warm-up:
#      the dashboard (7 and 30 days, page and API), the calls list (page 1 and page 2 through its cursor, page and
#      API), searches for a common and a rare word of the big organisation's transcripts, one call's page, and the
#      messages page. A route that does not answer 200 is skipped.
# Figures go in docs/PERFORMANCE.md.
#
# Usage: scripts/bench-dashboard.sh [--orgs N] [--calls M] [--big-org-calls K] [--only sqlite|postgres]
#                                   [--duration S] [--connections "C ..."] [--sqlite-dir DIR]
#   --connections "1 8"  measure every route with 1, then 8 requests at once (default 8).
#   --sqlite-dir DIR  use (and keep) the SQLite database in DIR: seeded when empty, reused as it is otherwise.
#   AVA_BIN=path      use this binary instead of building the release one.
set -euo pipefail
cd "$(dirname "$0")/.."

orgs=10000 calls=1000000 big=100000 only="" duration=10 connection_counts=8 sqlite_dir="" round=""
while [ $# -gt 0 ]; do
    case "$1" in
        --orgs) orgs=$2; shift 2 ;;
        --calls) calls=$2; shift 2 ;;
        --big-org-calls) big=$2; shift 2 ;;
        --only) only=$2; shift 2 ;;
        --duration) duration=$2; shift 2 ;;
        --connections) connection_counts=$2; shift 2 ;;
        --sqlite-dir) sqlite_dir=$2; shift 2 ;;
        --round) round=1; shift ;;
        *) echo "unknown option $1 (see the head of $0)" >&2; exit 2 ;;
    esac
done
password=ava-seed-password

if [ -z "$round" ]; then
    command -v wrk >/dev/null || { echo "installing wrk (Debian)"; apt-get install -y wrk >/dev/null; }
    if [ -z "${AVA_BIN:-}" ]; then
        swift build -c release --product ava --scratch-path .build-release >/dev/null
        export AVA_BIN=$PWD/.build-release/release/ava
    fi
    args=(--orgs "$orgs" --calls "$calls" --big-org-calls "$big" --duration "$duration" --connections "$connection_counts")
    if [ "$only" != postgres ]; then
        echo "== SQLite (WAL) =="
        "$0" --round "${args[@]}" ${sqlite_dir:+--sqlite-dir "$sqlite_dir"}
    fi
    if [ "$only" != sqlite ]; then
        echo "== PostgreSQL =="
        AVA_PG_DURABLE=1 scripts/with-postgres.sh "$0" --round "${args[@]}"
    fi
    exit 0
fi

# One round, on DATABASE_URL when set, else on SQLite in a data directory.
bin=${AVA_BIN:?}
dir=${sqlite_dir:-$(mktemp -d)}
mkdir -p "$dir"
export AVA_DATA_DIR=$dir LOG_LEVEL=error
AVA_SECRET_KEY=$(head -c 48 /dev/urandom | base64 | tr -d '\n')
export AVA_SECRET_KEY
server=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    [ -z "$sqlite_dir" ] && rm -rf "$dir"
    return 0
}
trap cleanup EXIT

if [ -n "${DATABASE_URL:-}" ] || [ ! -s "$dir/seed.log" ]; then
    echo "seeding: ava seed --orgs $orgs --calls $calls --big-org-calls $big --seed 1"
    "$bin" seed --orgs "$orgs" --calls "$calls" --big-org-calls "$big" --seed 1 --password "$password" >"$dir/seed.log.tmp"
    mv "$dir/seed.log.tmp" "$dir/seed.log"
    # What autovacuum does soon after a bulk load on a live server: statistics for the planner and the visibility
    # map that index-only scans rely on. Measuring before it runs would measure the load, not the steady state.
    if [ -n "${DATABASE_URL:-}" ]; then
        echo "VACUUM ANALYZE (as autovacuum would after the load)"
        psql -q "$DATABASE_URL" -c "VACUUM (ANALYZE)" >/dev/null
    fi
fi
grep -E '^seeded|^  (calls|orgs|appointments|owner_messages|call_transcript_lines):' "$dir/seed.log" | tr '\n' ' '; echo
[ -z "${DATABASE_URL:-}" ] && echo "SQLite file: $(du -h "$dir/ava.sqlite" | cut -f1)"
email=$(sed -n 's/^big organisation: .* owner \([^,]*\),.*/\1/p' "$dir/seed.log")
[ -n "$email" ] || email=$(sed -n 's/^owners: owner<N>-s\([0-9]*\)@.*/owner1-s\1@seed.ava.test/p' "$dir/seed.log")

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
"$bin" serve --env production --port "$port" >"$dir/serve.log" 2>&1 &
server=$!
for _ in $(seq 600); do curl -fs -o /dev/null "$base/en" && break; sleep 0.1; done

token=$(curl -fsS -X POST "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"identifier\":\"$email\",\"password\":\"$password\"}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["tokens"]["accessToken"])')
auth="Authorization: Bearer $token"
echo "signed in as $email; ${duration} s per route after 2 s of warm-up"

# From page 1 of the API: the cursor of page 2 (whatever the API calls it) and the newest ended call's id.
read -r cursor call_id < <(curl -fsS -H "$auth" "$base/api/v1/calls" 2>/dev/null | python3 -c '
import json, sys
def find(value):
    if isinstance(value, dict):
        for key, item in value.items():
            if "cursor" in key.lower() and isinstance(item, str) and item:
                return item
        for item in value.values():
            found = find(item)
            if found: return found
    return None
def first_id(value):
    rows = next((v for v in value.values() if isinstance(v, list)), []) if isinstance(value, dict) else []
    ended = [r for r in rows if isinstance(r, dict) and r.get("status") == "ended"] or rows
    return ended[0].get("id", "-") if ended and isinstance(ended[0], dict) else "-"
try:
    page = json.load(sys.stdin)
    print(find(page) or "-", first_id(page))
except Exception:
    print("- -")' || echo "- -")
[ "$cursor" = "-" ] && cursor=""
[ "$call_id" = "-" ] && call_id=""
encoded_cursor=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$cursor")

measure() {  # $1 = label, $2 = path
    local code
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "$auth" "$base$2")
    if [ "$code" != 200 ]; then printf '  %-44s skipped: HTTP %s\n' "$1" "$code"; return; fi
    wrk -t1 -c"$connections" -d2s --timeout 10s -H "$auth" "$base$2" >/dev/null
    wrk -t1 -c"$connections" -d"${duration}s" --timeout 10s -s scripts/bench-dashboard.lua -H "$auth" "$base$2" |
        sed -n "s|^wrk: |$(printf '  %-44s ' "$1")|p"
}

for connections in $connection_counts; do
    echo "-- $connections connection(s) at once"
    measure "GET /en/dashboard" "/en/dashboard"
    measure "GET /en/dashboard?period=30d" "/en/dashboard?period=30d"
    measure "GET /api/v1/dashboard" "/api/v1/dashboard"
    measure "GET /en/calls" "/en/calls"
    measure "GET /api/v1/calls" "/api/v1/calls"
    if [ -n "$cursor" ]; then
        measure "GET /en/calls?cursor= (page 2)" "/en/calls?cursor=$encoded_cursor"
        measure "GET /api/v1/calls?cursor= (page 2)" "/api/v1/calls?cursor=$encoded_cursor"
    else
        echo "  page 2: skipped (no cursor in /api/v1/calls)"
    fi
    measure "GET /en/calls?q=warranty (common word)" "/en/calls?q=warranty"
    measure "GET /en/calls?q=podiatrist (rare word)" "/en/calls?q=podiatrist"
    measure "GET /api/v1/calls?q=warranty" "/api/v1/calls?q=warranty"
    if [ -n "$call_id" ]; then
        measure "GET /en/calls/{id}" "/en/calls/$call_id"
        measure "GET /api/v1/calls/{id}" "/api/v1/calls/$call_id"
    fi
    measure "GET /en/messages" "/en/messages"
done
