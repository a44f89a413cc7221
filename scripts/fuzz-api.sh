#!/usr/bin/env bash
# Fuzzes AVA's JSON API from its own OpenAPI document with Schemathesis (PyPI), as a signed-up owner:
# every /api/v1 operation gets generated inputs, valid and invalid (examples, coverage and fuzzing phases),
# and each answer is checked: no 5xx (`not_a_server_error`) and the body matches the documented schema
# (`response_schema_conformance`). Bounded: FUZZ_EXAMPLES cases per operation and FUZZ_SECONDS in all.
#
# Usage: scripts/fuzz-api.sh [BASE_URL]
#   With BASE_URL (e.g. http://127.0.0.1:8080): fuzzes that running server (scripts/soak.sh does, on PostgreSQL).
#     It must allow many sign-up attempts from this machine (AVA_AUTH_RATE_LIMIT=100000), or most auth
#     operations only get 429s.
#   Without: builds the release binary (or uses AVA_BIN), starts it on a fresh SQLite database in a temporary
#     folder, fuzzes it, stops it.
# Settings: FUZZ_EXAMPLES (default 20), FUZZ_SECONDS (default 150), FUZZ_WORKERS (default 1), FUZZ_SEED (a fixed
#   seed replays a run), FUZZ_SCHEMA (default: the server's /api/v1/openapi.json; a file path fuzzes with the
#   repository's document instead), FUZZ_REPORT_DIR (junit + ndjson reports; default a temporary folder).
# Prints `fuzz: ...` summary lines; exits 1 when a check failed.
# Left out: the two live streams (Server-Sent Events never end), logout and revoking a session (they would end
# the fuzzer's own session half-way).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

venv=${FUZZ_VENV:-$HOME/.cache/ava-fuzz-venv}
schemathesis_version=4.32.5
if ! "$venv/bin/st" --version 2>/dev/null | grep -q "$schemathesis_version"; then
    echo "fuzz: installing schemathesis $schemathesis_version in $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "schemathesis==$schemathesis_version"
fi

examples=${FUZZ_EXAMPLES:-20}
seconds=${FUZZ_SECONDS:-150}
workers=${FUZZ_WORKERS:-1}  # 2 workers sometimes crash Hypothesis itself ("AST constructor recursion depth")
report_dir=${FUZZ_REPORT_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/ava-fuzz-report.XXXXXX")}
mkdir -p "$report_dir"

server_pid=""
server_dir=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    if [ -n "$server_dir" ]; then rm -rf "$server_dir"; fi
}
trap cleanup EXIT

base=${1:-}
if [ -z "$base" ]; then
    if [ -z "${AVA_BIN:-}" ]; then
        swift build -c release --product ava --scratch-path .build-release >/dev/null
        AVA_BIN=$root/.build-release/release/ava
    fi
    server_dir=$(mktemp -d "${TMPDIR:-/tmp}/ava-fuzz.XXXXXX")
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    (cd "${AVA_WORKDIR:-$root}" && AVA_DATA_DIR=$server_dir AVA_AUTH_RATE_LIMIT=100000 LOG_LEVEL=${LOG_LEVEL:-warning} \
        exec "$AVA_BIN" serve --hostname 127.0.0.1 --port "$port") >"$server_dir/server.log" 2>&1 &
    server_pid=$!
    base=http://127.0.0.1:$port
    for _ in $(seq 150); do
        curl -fs -o /dev/null "$base/api/v1/openapi.json" && break
        sleep 0.2
    done
fi
base=${base%/}

# A fresh owner (and organisation) for this run; its bearer token lasts 15 minutes, longer than the run.
email="fuzz-$(date +%s)-$RANDOM@example.com"
signup=$(curl -s --max-time 30 -X POST "$base/api/v1/auth/signup" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$email\",\"name\":\"Fuzz Owner\",\"password\":\"fuzz-correct-horse-battery\",\"acceptTerms\":true}")
token=$(printf '%s' "$signup" | python3 -c 'import json,sys; print(json.load(sys.stdin)["tokens"]["accessToken"])') || {
    echo "fuzz: could not sign up at $base: $signup" >&2
    exit 1
}

schema=${FUZZ_SCHEMA:-$base/api/v1/openapi.json}
seed_args=()
[ -n "${FUZZ_SEED:-}" ] && seed_args=(--seed "$FUZZ_SEED")
echo "fuzz: schemathesis $schemathesis_version against $base, schema $schema, $examples examples per operation, at most ${seconds}s"
set +e
case $schema in http*) ;; *) schema=$(readlink -f "$schema") ;; esac
(cd "$report_dir" && "$venv/bin/st" --no-color run "$schema" --url "$base" \
    -H "Authorization: Bearer $token" \
    --checks not_a_server_error,response_schema_conformance \
    --max-examples "$examples" --max-time "$seconds" --request-timeout 15 --workers "$workers" \
    --exclude-operation-id watchCallsLive --exclude-operation-id watchCallLive \
    --exclude-operation-id logout --exclude-operation-id revokeAccountSession \
    --suppress-health-check all --generation-database none \
    --report junit,ndjson --report-dir "$report_dir" "${seed_args[@]}") >"$report_dir/schemathesis.txt" 2>&1
status=$?
set -e
# The end of Schemathesis' own summary: phases, failures by operation, totals.
sed -n '/^ *\(✅\|❌\|⏭\|🚫\|⚠\)/p; /FAILURES/,/SUMMARY/p' "$report_dir/schemathesis.txt" | tail -n 80
grep -A1 '^Test cases:' "$report_dir/schemathesis.txt" | tail -n 1 | sed 's/^ */fuzz: test cases: /' 
# A failed check fails the run. Schemathesis' own crashes ("Runtime Error", e.g. inside Hypothesis) are not answers
# from AVA: they are reported and do not fail it; any other error (a network error: AVA stopped answering) does.
verdict=$(python3 - "$report_dir/schemathesis.txt" "$status" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
status = int(sys.argv[2])
last = text.strip().splitlines()[-1] if text.strip() else ""
errors = re.findall(r"🚫 (.+?): (\d+)", text.split("Errors:", 1)[1].split("\n\n", 1)[0]) if "\nErrors:" in text else []
if status == 0:
    print("ok")
elif "failure" in last:
    print("failed")
elif errors and all(kind == "Runtime Error" for kind, _ in errors):
    print("tool-error " + ", ".join(f"{kind} x{n}" for kind, n in errors))
else:
    print("failed")
PY
)
case $verdict in
    ok) status=0 ;;
    tool-error*) echo "fuzz: no failure; Schemathesis itself crashed on a case (${verdict#tool-error }), a tool problem, not an answer from AVA"; status=0 ;;
    *) status=1 ;;
esac
echo "fuzz: $( [ $status = 0 ] && echo passed || echo FAILED ); full output $report_dir/schemathesis.txt, reports (junit, ndjson) in $report_dir"
exit "$status"
