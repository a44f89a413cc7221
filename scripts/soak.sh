#!/usr/bin/env bash
# Proves AVA's reliability claims on this machine, over loopback, with two AVA processes sharing one throwaway
# PostgreSQL (scripts/with-postgres.sh), each phase bounded in time:
#   a. load held: webhook events (scripts/soak-ingest.lua, realistic Vapi events, every body unique) sent by wrk
#      to processes A and B for SOAK_SECONDS; events/s, p99, and zero loss: acknowledged (2xx) <= stored
#      (counted with psql in call_events, per organisation); memory of A before and after;
#   b. kill -9 of B mid-load: every event B acknowledged is stored; A's load sees no error; B restarted serves
#      the same webhook again;
#   c. PostgreSQL stopped (fast) for PG_DOWN_SECONDS mid-load, then started: requests during the outage get an
#      error status or a bounded wait (never a hang), none is acknowledged without being stored, and both
#      processes serve again by themselves (time to the first 2xx is printed);
#   d. Vapi down (closed port) and slow (a server that waits 30 s): PUT /api/v1/assistant answers in bounded time
#      with a localized error, other requests are not held up, and the call-reconcile job (GET /call at Vapi)
#      fails, is kept with attempts/last_error and is retried with backoff;
#   e. bad webhook input: malformed JSON, a body over 2 MB, a wrong token, a replayed body: statuses and rows;
#   f. scripts/fuzz-api.sh (Schemathesis) against one process;
#   s. scale out: a burst of failed sign-ins for one account split across A and B hits the limit (429) at the
#      same count as on one process; a session opened on A works on B, and its end on B is seen on A;
#   g. SOAK_SWIFT_TESTS=1 also runs `swift test --filter TenantIsolation` on the same PostgreSQL.
# Prints `soak:` lines and a summary (pasted into docs/RELIABILITY.md); exits 1 if a check failed.
#
# Usage: scripts/soak.sh            (about 13 minutes with the defaults, most of it phase a)
# Settings: SOAK_SECONDS (300, phase a), FAULT_SECONDS (30, load during phases b and c), PG_DOWN_SECONDS (5),
#   SOAK_CONNECTIONS (16 per process), FUZZ_SECONDS (90; 0 skips the fuzz), SOAK_PHASES (default "a b c d e f s"),
#   AVA_BIN (a release binary to use instead of building one), AVA_WORKDIR (where it runs: it reads Resources/
#   and Public/ from there; default the repository), SOAK_KEEP=1 (keep the logs folder).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if [ -z "${AVA_SOAK_INNER:-}" ]; then
    command -v wrk >/dev/null || { echo "installing wrk (Debian)"; apt-get install -y wrk >/dev/null; }
    command -v curl >/dev/null || { echo "installing curl (Debian)"; apt-get install -y curl >/dev/null; }
    if ! command -v pg_ctl >/dev/null && ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
        echo "installing postgresql (Debian)"; apt-get install -y postgresql >/dev/null
    fi
    if [ -z "${AVA_BIN:-}" ]; then
        echo "soak: building the release binary"
        swift build -c release --product ava --scratch-path .build-release >/dev/null
        AVA_BIN=$root/.build-release/release/ava
    fi
    export AVA_BIN AVA_SOAK_INNER=1
    exec scripts/with-postgres.sh "$0" "$@"
fi

# ---------------------------------------------------------------------------------------------------------------
# Inside: DATABASE_URL and PGHOST/PGPORT/PGUSER/PGDATABASE point at the throwaway cluster.
SOAK_SECONDS=${SOAK_SECONDS:-300}
FAULT_SECONDS=${FAULT_SECONDS:-30}
PG_DOWN_SECONDS=${PG_DOWN_SECONDS:-5}
CONNECTIONS=${SOAK_CONNECTIONS:-16}
FUZZ_SECONDS=${FUZZ_SECONDS:-90}
PHASES=" ${SOAK_PHASES:-a b c d e f s} "
workdir=${AVA_WORKDIR:-$root}
work=$(mktemp -d "${TMPDIR:-/tmp}/ava-soak.XXXXXX")
summary=$work/summary.txt
failures=0
pids=()
# One signing key for every process, so a token made by one is valid on the others (as in production).
export AVA_SECRET_KEY=${AVA_SECRET_KEY:-$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')}
export LOG_LEVEL=${LOG_LEVEL:-warning}

cleanup() {
    local status=$?
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [ "${SOAK_KEEP:-}" = 1 ] || [ "$status" -ne 0 ]; then echo "soak: logs kept in $work" >&2; else rm -rf "$work"; fi
    exit "$status"
}
trap cleanup EXIT

say() { echo "soak: $*" | tee -a "$summary"; }
check() { # check NAME CONDITION-EXIT-STATUS
    if [ "$2" -eq 0 ]; then say "PASS $1"; else say "FAIL $1"; failures=$((failures + 1)); fi
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$2"; }
sql() { psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }
stored_for() { sql "select count(*) from call_events e join orgs o on o.id = e.org_id where o.webhook_token = '$1'"; }
json_field() { python3 -c 'import json,sys
d=json.load(sys.stdin)
for k in sys.argv[1].split("."): d=d[k]
print(d)' "$1"; }

# as_owner, pg_ctl: as in scripts/with-postgres.sh (the cluster belongs to `postgres` when we are root).
pg_ctl_bin=$(command -v pg_ctl || ls -d /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -1)
as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_data=$(sql 'show data_directory')

# start_hold NAME SECONDS PORT [ENV=VALUE...]: `ava bench-calls --hold` (seeds an organisation with a number and
# serves); sets NAME_pid, NAME_url, NAME_number, NAME_token.
start_hold() {
    local name=$1 seconds=$2 port=$3; shift 3
    local log=$work/$name.log
    (cd "$workdir" && exec env AVA_DATA_DIR="$work" AVA_AUTH_RATE_LIMIT=100000 "$@" "$AVA_BIN" bench-calls --hold "$seconds" --port "$port") >"$log" 2>&1 &
    local pid=$!
    pids+=("$pid")
    for _ in $(seq 300); do grep -q '^webhook' "$log" 2>/dev/null && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    grep -q '^webhook' "$log" || { echo "soak: $name did not start:"; tail -20 "$log"; exit 1; }
    local url number
    read -r _ url _ number < <(grep '^webhook' "$log")
    printf -v "${name}_pid" '%s' "$pid"
    printf -v "${name}_url" '%s' "$url"
    printf -v "${name}_number" '%s' "$number"
    printf -v "${name}_token" '%s' "${url##*/}"
}

# start_serve NAME PORT [ENV=VALUE...]: `ava serve` (with its job worker); sets NAME_pid and NAME_base.
start_serve() {
    local name=$1 port=$2; shift 2
    local log=$work/$name.log
    (cd "$workdir" && exec env AVA_DATA_DIR="$work" "$@" "$AVA_BIN" serve --hostname 127.0.0.1 --port "$port") >>"$log" 2>&1 &
    local pid=$!
    pids+=("$pid")
    for _ in $(seq 300); do
        curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:$port/api/v1/openapi.json" && break
        kill -0 "$pid" 2>/dev/null || { echo "soak: $name exited:"; tail -20 "$log"; exit 1; }
        sleep 0.2
    done
    printf -v "${name}_pid" '%s' "$pid"
    printf -v "${name}_base" '%s' "http://127.0.0.1:$port"
}

stop() { # stop PID...: TERM, then KILL after 10 s
    for pid in "$@"; do kill "$pid" 2>/dev/null || true; done
    for pid in "$@"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}

# wrk_line FILE FIELD: a figure from a `soak-wrk:` line (requests, ok, statuses, connect, read, write, timeout,
# events/s, p50, p99).
wrk_field() {
    python3 - "$1" "$2" <<'PY'
import re, sys
line = next((l for l in open(sys.argv[1]) if l.startswith("soak-wrk:")), "")
m = re.search(r"requests (\d+) ok (\d+) statuses (\S+) errors connect (\d+) read (\d+) write (\d+) timeout (\d+) "
              r"events/s (\d+) p50 ([\d.]+) ms p99 ([\d.]+) ms", line)
keys = ["requests", "ok", "statuses", "connect", "read", "write", "timeout", "events/s", "p50", "p99"]
print(dict(zip(keys, m.groups()))[sys.argv[2]] if m else "?")
PY
}
non2xx() { # non2xx FILE: answers that were not 2xx
    python3 -c 'import sys
s=sys.argv[1]
print(0 if s in ("none","?") else sum(int(n) for k,n in (p.split("=") for p in s.split(",")) if not k.startswith("2")))' "$(wrk_field "$1" statuses)"
}
run_wrk() { # run_wrk OUT URL NUMBER SECONDS TAG: in the background; sets wrk_pid
    wrk -t1 -c"$CONNECTIONS" -d"$4s" --timeout 10s -s scripts/soak-ingest.lua "$2" -- "$3" "$5" >"$1" 2>&1 &
    wrk_pid=$!
}
# post_event URL NUMBER TAG: one unique status-update; prints the status code.
post_event() {
    curl -s -o /dev/null -w '%{http_code}' --max-time 15 -X POST "$1" -H 'Content-Type: application/json' \
        -d "{\"message\":{\"type\":\"status-update\",\"status\":\"in-progress\",\"timestamp\":$(date +%s%3N),\"call\":{\"id\":\"probe-$3-$RANDOM$RANDOM\"},\"phoneNumber\":{\"number\":\"$2\"}}}" || true
}

echo "soak: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), binary $AVA_BIN" | tee -a "$summary"
echo "soak: logs in $work"

# ---------------------------------------------------------------------------------------------------------------
if [[ $PHASES == *" a "* ]]; then
    say "== a. load held: A and B on one PostgreSQL, ${SOAK_SECONDS}s, $CONNECTIONS connections each =="
    start_hold A $((SOAK_SECONDS + 60)) "$(free_port)"
    start_hold B $((SOAK_SECONDS + 60)) "$(free_port)"
    rss_before=$(ps -o rss= -p "$A_pid" | tr -d ' ')
    run_wrk "$work/a-A.wrk" "$A_url" "$A_number" "$SOAK_SECONDS" "a-A"; wa=$wrk_pid
    run_wrk "$work/a-B.wrk" "$B_url" "$B_number" "$SOAK_SECONDS" "a-B"; wb=$wrk_pid
    sleep $((SOAK_SECONDS / 2)); load_mid=$(cut -d' ' -f1-3 /proc/loadavg)
    wait "$wa" "$wb" || true
    sleep 1
    rss_after=$(ps -o rss= -p "$A_pid" | tr -d ' ')
    sA=$(stored_for "$A_token"); sB=$(stored_for "$B_token")
    for p in A B; do say "a: $p $(grep '^soak-wrk' "$work/a-$p.wrk" | sed 's/^soak-wrk: //')"; done
    okA=$(wrk_field "$work/a-A.wrk" ok); okB=$(wrk_field "$work/a-B.wrk" ok)
    say "a: together $(python3 -c "print(round(($okA + $okB) / $SOAK_SECONDS))") events/s acknowledged over ${SOAK_SECONDS}s; load average at mid-run $load_mid"
    say "a: A acknowledged $okA stored $sA; B acknowledged $okB stored $sB (stored - acknowledged = requests in flight when wrk stopped)"
    say "a: A resident memory ${rss_before} KiB at start, ${rss_after} KiB at end"
    check "a: nothing acknowledged was lost (A $okA <= $sA, B $okB <= $sB)" $(( okA <= sA && okB <= sB ? 0 : 1 ))
    errs=0
    for p in A B; do
        f=$work/a-$p.wrk
        errs=$(( errs + $(non2xx "$f") + $(wrk_field "$f" connect) + $(wrk_field "$f" read) + $(wrk_field "$f" write) + $(wrk_field "$f" timeout) ))
    done
    check "a: no error answer, no timeout (10 s) under load ($errs)" $(( errs == 0 ? 0 : 1 ))
    stop "$A_pid" "$B_pid"
fi

# ---------------------------------------------------------------------------------------------------------------
if [[ $PHASES == *" b "* ]]; then
    say "== b. kill -9 of B mid-load (${FAULT_SECONDS}s of load, B killed after $((FAULT_SECONDS / 3))s) =="
    portB=$(free_port)
    start_hold A $((FAULT_SECONDS + 60)) "$(free_port)"
    start_hold B $((FAULT_SECONDS + 60)) "$portB"
    run_wrk "$work/b-A.wrk" "$A_url" "$A_number" "$FAULT_SECONDS" "b-A"; wa=$wrk_pid
    run_wrk "$work/b-B.wrk" "$B_url" "$B_number" "$FAULT_SECONDS" "b-B"; wb=$wrk_pid
    sleep $((FAULT_SECONDS / 3))
    kill -9 "$B_pid"; wait "$B_pid" 2>/dev/null || true
    say "b: B (pid $B_pid) killed with SIGKILL at $(date -u +%H:%M:%S)"
    sleep 2
    kill -INT "$wb" 2>/dev/null || true   # wrk prints its figures on SIGINT; hammering a dead port helps nobody
    wait "$wa" "$wb" || true
    sleep 1
    okA=$(wrk_field "$work/b-A.wrk" ok); okB=$(wrk_field "$work/b-B.wrk" ok)
    sB=$(stored_for "$B_token")
    for p in A B; do say "b: $p $(grep '^soak-wrk' "$work/b-$p.wrk" | sed 's/^soak-wrk: //')"; done
    say "b: B acknowledged $okB before dying, $sB of B's events are in the database"
    check "b: every event B acknowledged is stored ($okB <= $sB)" $(( okB <= sB ? 0 : 1 ))
    errsA=$(( $(non2xx "$work/b-A.wrk") + $(wrk_field "$work/b-A.wrk" connect) + $(wrk_field "$work/b-A.wrk" read) + $(wrk_field "$work/b-A.wrk" timeout) ))
    check "b: A carried on without an error ($okA acknowledged, $errsA errors)" $(( errsA == 0 && okA > 0 ? 0 : 1 ))
    sA=$(stored_for "$A_token")
    check "b: nothing A acknowledged was lost ($okA <= $sA)" $(( okA <= sA ? 0 : 1 ))
    t0=$(now)
    start_serve B2 "$portB" AVA_AUTH_RATE_LIMIT=100000
    code=$(post_event "$B_url" "$B_number" b-restart)
    t1=$(now)
    sB2=$(stored_for "$B_token")
    say "b: B restarted (ava serve, same port) in $(elapsed "$t0" "$t1")s; B's webhook answered $code; B's events stored $sB -> $sB2"
    check "b: B serves again after the restart" $(( code == 200 && sB2 == sB + 1 ? 0 : 1 ))
    stop "$A_pid" "$B2_pid"
fi

# ---------------------------------------------------------------------------------------------------------------
if [[ $PHASES == *" c "* ]]; then
    say "== c. PostgreSQL stopped for ${PG_DOWN_SECONDS}s mid-load (${FAULT_SECONDS}s of load), then started =="
    # JSON logs: each line has its timestamp, to line the processes' errors up with the outage.
    start_hold A $((FAULT_SECONDS + 200)) "$(free_port)" AVA_LOG_FORMAT=json
    start_hold B $((FAULT_SECONDS + 200)) "$(free_port)" AVA_LOG_FORMAT=json
    # pg_ctl start needs the options the cluster was started with (port, socket folder, settings).
    pg_opts=$(python3 -c 'import shlex,sys
args=shlex.split(open(sys.argv[1]).read())[1:]
out=[]; skip=False
for a in args:
    if skip: skip=False; continue
    if a=="-D": skip=True; continue
    out.append(a)
print(" ".join(shlex.quote(a) for a in out))' "$pg_data/postmaster.opts")
    run_wrk "$work/c-A.wrk" "$A_url" "$A_number" "$FAULT_SECONDS" "c-A"; wa=$wrk_pid
    run_wrk "$work/c-B.wrk" "$B_url" "$B_number" "$FAULT_SECONDS" "c-B"; wb=$wrk_pid
    sleep $((FAULT_SECONDS / 4))
    t_stop=$(now)
    as_owner "$pg_ctl_bin" -D "$pg_data" stop -m fast -w >/dev/null
    say "c: PostgreSQL stopped (fast) at $(date -u +%H:%M:%S)"
    # Probes while the database is down: status and time of each answer (curl gives up after 12 s: 000).
    : >"$work/c-probes.txt"
    while python3 -c "import sys,time; sys.exit(0 if time.time() - float(sys.argv[1]) < $PG_DOWN_SECONDS else 1)" "$t_stop"; do
        curl -s -o /dev/null -w '%{http_code} %{time_total}\n' --max-time 12 -X POST "$A_url" -H 'Content-Type: application/json' \
            -d "{\"message\":{\"type\":\"status-update\",\"status\":\"in-progress\",\"call\":{\"id\":\"outage-$RANDOM$RANDOM\"},\"phoneNumber\":{\"number\":\"$A_number\"}}}" \
            >>"$work/c-probes.txt" || true
        sleep 0.5
    done
    as_owner "$pg_ctl_bin" -D "$pg_data" -l "$pg_data/../log" -w -t 60 -o "$pg_opts" start >/dev/null
    t_start=$(now)
    say "c: PostgreSQL started again at $(date -u +%H:%M:%S), down $(elapsed "$t_stop" "$t_start")s"
    say "c: probes during the outage (status seconds): $(sort "$work/c-probes.txt" | awk '{print $1}' | uniq -c | awk '{printf "%s x%s ", $2, $1}')max $(sort -k2 -n "$work/c-probes.txt" | tail -1 | awk '{print $2}')s"
    # Both processes must serve again by themselves: first 2xx after the start.
    for p in A B; do
        url_var=${p}_url; number_var=${p}_number
        code=000
        # At most 60 s in all (each probe gives up after 5 s).
        while python3 -c "import sys,time; sys.exit(0 if time.time() - float(sys.argv[1]) < 60 else 1)" "$t_start"; do
            code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X POST "${!url_var}" -H 'Content-Type: application/json' \
                -d "{\"message\":{\"type\":\"status-update\",\"status\":\"in-progress\",\"call\":{\"id\":\"after-$RANDOM$RANDOM\"},\"phoneNumber\":{\"number\":\"${!number_var}\"}}}" || true)
            [ "$code" = 200 ] && break
            sleep 0.5
        done
        say "c: $p answered $code $(elapsed "$t_start" "$(now)")s after PostgreSQL was back"
        check "c: $p reconnected by itself" $([ "$code" = 200 ]; echo $?)
    done
    wait "$wa" "$wb" || true
    sleep 1
    for p in A B; do
        say "c: $p $(grep '^soak-wrk' "$work/c-$p.wrk" | sed 's/^soak-wrk: //')"
        tok_var=${p}_token
        ok=$(wrk_field "$work/c-$p.wrk" ok); st=$(stored_for "${!tok_var}")
        # The probes after the restart are stored but not counted by wrk: stored >= acknowledged still holds.
        say "c: $p acknowledged $ok (wrk) stored $st (includes this phase's 2xx probes)"
        check "c: nothing $p acknowledged was lost ($ok <= $st)" $(( ok <= st ? 0 : 1 ))
        s5=$(python3 -c 'import sys
s=sys.argv[1]
print(0 if s in ("none","?") else sum(int(n) for k,n in (p.split("=") for p in s.split(",")) if k.startswith("5")))' "$(wrk_field "$work/c-$p.wrk" statuses)")
        say "c: $p 5xx during the outage: $s5, timeouts (10 s): $(wrk_field "$work/c-$p.wrk" timeout)"
    done
    hung=$(awk '$1 == "000"' "$work/c-probes.txt" | wc -l)
    ok_down=$(awk '$1 ~ /^2/' "$work/c-probes.txt" | wc -l)
    check "c: no probe hung past 12 s during the outage ($hung)" $(( hung == 0 ? 0 : 1 ))
    say "c: probes answered 2xx during the outage: $ok_down (each such answer is counted in stored above)"
    for p in A B; do
        grep -i -m3 'error' "$work/$p.log" | cut -c1-300 | sed "s/^/soak: c: $p log: /" | tee -a "$summary" || true
    done
    stop "$A_pid" "$B_pid"
fi

# ---------------------------------------------------------------------------------------------------------------
if [[ $PHASES == *" d "* ]]; then
    say "== d. Vapi down (closed port) and slow (answers after 30 s) =="
    slow_port=$(free_port)
    cat >"$work/slow_vapi.py" <<'PY'
import sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class Slow(BaseHTTPRequestHandler):
    def slow(self):
        time.sleep(30)
        self.send_response(503); self.send_header("Content-Type", "application/json"); self.end_headers()
        self.wfile.write(b'{"message":"slow fake","statusCode":503}')
    do_GET = do_POST = do_PATCH = do_DELETE = slow
    def log_message(self, *args): pass
ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Slow).serve_forever()
PY
    python3 "$work/slow_vapi.py" "$slow_port" & slow_pid=$!; pids+=("$slow_pid")
    for mode in down slow; do
        if [ "$mode" = down ]; then vapi_url=http://127.0.0.1:$(free_port); else vapi_url=http://127.0.0.1:$slow_port; fi
        start_serve V "$(free_port)" VAPI_API_KEY=test VAPI_BASE_URL="$vapi_url" AVA_AUTH_RATE_LIMIT=100000
        email="vapi-$mode-$RANDOM$RANDOM@example.com"
        signup=$(curl -s --max-time 30 -X POST "$V_base/api/v1/auth/signup" -H 'Content-Type: application/json' \
            -d "{\"email\":\"$email\",\"name\":\"Vapi $mode\",\"password\":\"soak-correct-horse-battery\",\"acceptTerms\":true,\"locale\":\"fr\"}")
        token=$(printf '%s' "$signup" | json_field tokens.accessToken)
        # Twice: first the assistant is created at Vapi (POST, never retried), then, as if it existed there, updated
        # (PATCH, retried: three tries). While a PUT waits on Vapi, another request on the same process must not.
        org_of_user="(select ou.org_id from org_users ou join users u on u.id = ou.user_id where u.email = '$email')"
        for step in create update; do
            [ "$step" = update ] && sql "update avas set vapi_assistant_id = 'soak-existing-assistant' where org_id = $org_of_user" >/dev/null
            curl -s -o "$work/d-$mode-put.json" -w '%{http_code} %{time_total}' --max-time 120 -X PUT "$V_base/api/v1/assistant" \
                -H "Authorization: Bearer $token" -H 'Accept-Language: fr' -H 'Content-Type: application/json' \
                -d '{"name":"Camille"}' >"$work/d-$mode-put.txt" &
            put_pid=$!
            sleep 1
            me=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 30 "$V_base/api/v1/me" -H "Authorization: Bearer $token")
            wait "$put_pid" || true
            read -r put_code put_time <"$work/d-$mode-put.txt" || true  # curl writes no newline
            body=$(cat "$work/d-$mode-put.json")
            say "d: Vapi $mode, assistant $step: PUT /api/v1/assistant -> $put_code in ${put_time}s: $body"
            say "d: Vapi $mode, assistant $step: GET /api/v1/me during that PUT -> $me"
            check "d: Vapi $mode, assistant $step: PUT answers a localized error in bounded time (< 75 s), not 500" \
                $([ "$put_code" != 500 ] && [ "$put_code" != 000 ] && [ "${put_code:0:1}" = 5 -o "${put_code:0:1}" = 4 ] \
                  && python3 -c "import sys; sys.exit(0 if float('$put_time') < 75 else 1)" \
                  && printf '%s' "$body" | python3 -c 'import json,sys; e=json.load(sys.stdin)["error"]; sys.exit(0 if e["code"] and e["message"] else 1)'; echo $?)
        done
        if [ "$mode" = down ]; then
            # The load phases left tens of thousands of queued jobs (an email job per end-of-call report, a reconcile
            # job per call) for organisations already deleted; the reconcile job below must not wait behind them.
            say "d: clearing $(sql "select count(*) from jobs where status = 'queued'") queued jobs left by earlier phases"
            sql "delete from jobs where status = 'queued'" >/dev/null
            # A call whose end-of-call report never came: the reconcile job asks Vapi (GET /call/{id}) and must retry.
            org_token=$(sql "select o.webhook_token from orgs o join org_users ou on ou.org_id = o.id join users u on u.id = ou.user_id where u.email = '$email'")
            if [ -z "$org_token" ]; then
                sql "update orgs set webhook_token = 'soak-$RANDOM$RANDOM$RANDOM' where id = (select ou.org_id from org_users ou join users u on u.id = ou.user_id where u.email = '$email')"
                org_token=$(sql "select o.webhook_token from orgs o join org_users ou on ou.org_id = o.id join users u on u.id = ou.user_id where u.email = '$email'")
            fi
            vcall="soak-reconcile-$RANDOM$RANDOM"
            code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 15 -X POST "$V_base/api/v1/webhooks/vapi/$org_token" -H 'Content-Type: application/json' \
                -d "{\"message\":{\"type\":\"status-update\",\"status\":\"in-progress\",\"call\":{\"id\":\"$vcall\"}}}")
            call_id=$(sql "select id from calls where vapi_call_id = '$vcall'")
            say "d: webhook status-update for Vapi call $vcall -> $code; AVA call $call_id"
            job_where="kind = 'call.reconcile' and payload ilike '%$call_id%'"
            for round in 1 2; do
                sql "update jobs set run_at = now() - interval '1 second' where $job_where" >/dev/null
                for _ in $(seq 120); do  # one try against a closed port takes about 3 x 10 s (connect retries)
                    [ "$(sql "select attempts from jobs where $job_where")" -ge "$round" ] && \
                        [ "$(sql "select status from jobs where $job_where")" != running ] && break
                    sleep 0.5
                done
                say "d: reconcile job after try $round: $(sql "select 'status=' || status || ' attempts=' || attempts || '/' || max_attempts || ' last_error=' || coalesce(last_error, '-') || ' next try ' || round(extract(epoch from run_at - updated_at)) || 's after that failure' from jobs where $job_where")"
            done
            attempts=$(sql "select attempts from jobs where $job_where")
            jstatus=$(sql "select status from jobs where $job_where")
            check "d: the reconcile job failed on Vapi down, was kept and retried ($attempts tries, $jstatus)" \
                $(( attempts >= 2 ? 0 : 1 ))
        fi
        stop "$V_pid"
    done
    stop "$slow_pid"
fi

# ---------------------------------------------------------------------------------------------------------------
if [[ $PHASES == *" e "* ]]; then
    say "== e. bad webhook input =="
    start_hold E 120 "$(free_port)"
    before=$(stored_for "$E_token")
    post() { curl -s -o "$work/e-body.txt" -w '%{http_code}' --max-time 30 -X POST "$@" || true; }
    results=()
    c1=$(post "$E_url" -H 'Content-Type: application/json' -d '{"message": {"type": "transcript", ')
    c2=$(post "$E_url" -H 'Content-Type: application/json' -d '{"hello":"world"}')
    c3=$(post "$E_url" -H 'Content-Type: application/json' --data-binary '')
    c4=$(post "$E_url" -H 'Content-Type: text/plain' -d 'not json at all')
    python3 -c "import json; print(json.dumps({'message': {'type': 'transcript', 'transcript': 'x' * 3_000_000, 'call': {'id': 'big'}}}))" >"$work/big.json"
    c5=$(post "$E_url" -H 'Content-Type: application/json' --data-binary @"$work/big.json")
    c6=$(post "${E_url%/*}/wrong-token-$RANDOM" -H 'Content-Type: application/json' -d '{"message":{"type":"status-update","status":"in-progress","call":{"id":"x"}}}')
    c7=$(post "$E_url" -H 'Content-Type: application/json' -d '{"message":{"type":"unknown-kind","call":{"id":"weird"}}}')
    mid=$(stored_for "$E_token")
    replay="{\"message\":{\"type\":\"transcript\",\"role\":\"user\",\"transcriptType\":\"final\",\"transcript\":\"Bonjour\",\"timestamp\":$(date +%s%3N),\"call\":{\"id\":\"replay-$RANDOM\"},\"phoneNumber\":{\"number\":\"$E_number\"}}}"
    r1=$(post "$E_url" -H 'Content-Type: application/json' -d "$replay")
    r2=$(post "$E_url" -H 'Content-Type: application/json' -d "$replay")
    after=$(stored_for "$E_token")
    say "e: malformed JSON -> $c1; JSON without message -> $c2; empty body -> $c3; text/plain -> $c4; 3 MB body -> $c5; wrong token -> $c6; unknown message type -> $c7"
    say "e: rows: $before before, $mid after the bad inputs (the unknown type is stored as an event), $after after one body sent twice ($r1, $r2)"
    bad=0
    for c in $c1 $c2 $c3 $c4 $c5 $c6 $c7 $r1 $r2; do [[ $c == 5* || $c == 000 ]] && bad=1; done
    check "e: no 5xx and no hang on bad input" $bad
    check "e: malformed, oversized and wrong-token bodies are refused with 4xx" \
        $([[ $c1 == 4* && $c5 == 4* && $c6 == 4* && $c3 == 4* ]]; echo $?)
    check "e: a replayed body is acknowledged twice and stored once ($r1 $r2, +$((after - mid)))" \
        $([[ $r1 == 200 && $r2 == 200 && $((after - mid)) -eq 1 ]]; echo $?)
    stop "$E_pid"
fi

# ---------------------------------------------------------------------------------------------------------------
if [[ $PHASES == *" f "* ]] && [ "$FUZZ_SECONDS" != 0 ]; then
    say "== f. fuzz: scripts/fuzz-api.sh (Schemathesis), ${FUZZ_SECONDS}s =="
    start_serve F "$(free_port)" AVA_AUTH_RATE_LIMIT=100000
    set +e
    FUZZ_SECONDS=$FUZZ_SECONDS FUZZ_REPORT_DIR=$work/fuzz scripts/fuzz-api.sh "$F_base" | tee "$work/fuzz.txt"
    fstatus=${PIPESTATUS[0]}
    set -e
    grep -E '^ *(✅|❌|🚫) +[A-Z][a-z]+ \(in|^fuzz: ' "$work/fuzz.txt" | sed 's/^ */soak: f: /' >>"$summary" || true
    check "f: Schemathesis found no 5xx and no answer off its schema (see $work/fuzz)" "$fstatus"
    stop "$F_pid"
fi

# ---------------------------------------------------------------------------------------------------------------
if [[ $PHASES == *" s "* ]]; then
    say "== s. scale out: the sign-in limit and sessions shared by A and B (AVA_AUTH_RATE_LIMIT=5 per minute) =="
    start_serve A "$(free_port)" AVA_AUTH_RATE_LIMIT=5 AVA_TRUST_PROXY=true
    start_serve B "$(free_port)" AVA_AUTH_RATE_LIMIT=5 AVA_TRUST_PROXY=true
    n=0
    signup_on() { # signup_on BASE EMAIL: prints the JSON answer (from its own client address)
        n=$((n + 1))
        curl -s --max-time 30 -X POST "$1/api/v1/auth/signup" -H 'Content-Type: application/json' -H "X-Forwarded-For: 10.9.0.$n" \
            -d "{\"email\":\"$2\",\"name\":\"Soak\",\"password\":\"soak-correct-horse-battery\",\"acceptTerms\":true}"
    }
    # Failed sign-ins for one account, each from another client address, so only the account's own limit counts.
    burst() { # burst EMAIL BASE...: 8 wrong passwords, cycling over the processes; prints the statuses
        local email=$1; shift
        local bases=("$@") out=() i
        for i in $(seq 0 7); do
            out+=("$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -X POST "${bases[$((i % ${#bases[@]}))]}/api/v1/auth/login" \
                -H 'Content-Type: application/json' -H "X-Forwarded-For: 10.$((RANDOM % 200)).$((RANDOM % 250)).$((i + 1))" \
                -d "{\"identifier\":\"$email\",\"password\":\"wrong-password-$i\"}")")
        done
        echo "${out[*]}"
    }
    first429() { local i=1; for c in $1; do [ "$c" = 429 ] && { echo "$i"; return; }; i=$((i + 1)); done; echo none; }
    u1="limit-one-$RANDOM$RANDOM@example.com"; u2="limit-two-$RANDOM$RANDOM@example.com"
    signup_on "$A_base" "$u1" >/dev/null; signup_on "$B_base" "$u2" >/dev/null
    one=$(burst "$u1" "$A_base")
    two=$(burst "$u2" "$A_base" "$B_base")
    say "s: 8 failed sign-ins on A only:          $one (first 429 at attempt $(first429 "$one"))"
    say "s: 8 failed sign-ins alternating A and B: $two (first 429 at attempt $(first429 "$two"))"
    check "s: the limit is hit at the same count with two processes as with one" \
        $([ "$(first429 "$one")" = "$(first429 "$two")" ] && [ "$(first429 "$two")" != none ]; echo $?)
    # Sessions: open on A, use and renew on B, end on B, refused on A.
    u3="session-$RANDOM$RANDOM@example.com"
    signup_on "$A_base" "$u3" >/dev/null
    login=$(curl -s --max-time 30 -X POST "$A_base/api/v1/auth/login" -H 'Content-Type: application/json' -H 'X-Forwarded-For: 10.8.0.1' \
        -d "{\"identifier\":\"$u3\",\"password\":\"soak-correct-horse-battery\"}")
    access=$(printf '%s' "$login" | json_field tokens.accessToken); refresh=$(printf '%s' "$login" | json_field tokens.refreshToken)
    meB=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 "$B_base/api/v1/me" -H "Authorization: Bearer $access")
    renewed=$(curl -s --max-time 30 -X POST "$B_base/api/v1/auth/refresh" -H 'Content-Type: application/json' -d "{\"refreshToken\":\"$refresh\"}")
    access2=$(printf '%s' "$renewed" | json_field accessToken 2>/dev/null || printf '%s' "$renewed" | json_field tokens.accessToken)
    meA2=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 "$A_base/api/v1/me" -H "Authorization: Bearer $access2")
    logoutB=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -X POST "$B_base/api/v1/auth/logout" -H "Authorization: Bearer $access2")
    meA3=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 "$A_base/api/v1/me" -H "Authorization: Bearer $access2")
    say "s: signed in on A; GET /me on B -> $meB; refresh on B, new token on A -> $meA2; logout on B -> $logoutB; that token on A -> $meA3"
    check "s: a session opened on A works on B, and its end on B holds on A" \
        $([ "$meB" = 200 ] && [ "$meA2" = 200 ] && [ "$logoutB" = 204 ] && [ "$meA3" = 401 ]; echo $?)
    stop "$A_pid" "$B_pid"
fi

# ---------------------------------------------------------------------------------------------------------------
if [ "${SOAK_SWIFT_TESTS:-}" = 1 ]; then
    say "== g. tenant isolation: swift test --filter TenantIsolation (PostgreSQL) =="
    set +e
    swift test --filter TenantIsolation 2>&1 | tail -n 5 | tee -a "$summary"
    gstatus=${PIPESTATUS[0]}
    set -e
    check "g: TenantIsolation tests pass on PostgreSQL" "$gstatus"
fi

echo
echo "== summary =="
cat "$summary"
say "done at $(date -u '+%H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg), $failures failed check(s)"
[ "$failures" -eq 0 ]
