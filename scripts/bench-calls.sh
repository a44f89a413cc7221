#!/usr/bin/env bash
# The live-call pipeline under load, measured (not asserted), on a release build over loopback, first on a fresh
# SQLite database, then on a throwaway PostgreSQL (scripts/with-postgres.sh):
#   - webhook ingest: `ava bench-calls --hold` seeds an organisation and serves while wrk (scripts/bench-ingest.lua:
#     80% transcripts, 15% status and speech updates, 5% end-of-call reports, every body unique) posts for 15 s
#     with 32 connections; prints events/s with p50/p99, then how many events were stored (acknowledged ≤ stored:
#     none lost);
#   - tool-calls checkAvailability with 200 calls in progress (scripts/bench-tools.lua), then assistant-request with
#     50 lines ringing (scripts/bench-assistant.lua), both from wrk so the figures are AVA's time alone.
# The machines are shared and their tails move from run to run: each database gets ROUNDS rounds (default 3), each on
# a fresh server and database; every round is printed, then the median of each figure over the rounds.
# PostgreSQL runs with its durable defaults (AVA_PG_DURABLE=1: a commit waits for the disk, as in production).
# Figures go in docs/PERFORMANCE.md. Usage: scripts/bench-calls.sh [ROUNDS]
set -euo pipefail
rounds=${1:-3}
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "installing wrk (Debian)"; apt-get install -y wrk >/dev/null; }
swift build -c release --product ava --scratch-path .build-release >/dev/null
export AVA_BIN=$PWD/.build-release/release/ava

cat > /tmp/ava-bench-round.sh <<'ROUND'
#!/usr/bin/env bash
set -euo pipefail
dir=$(mktemp -d); log=$dir/hold.log
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
AVA_DATA_DIR=$dir LOG_LEVEL=error "$AVA_BIN" bench-calls --hold 60 --port "$port" >"$log" 2>&1 &
for _ in $(seq 200); do grep -q '^webhook' "$log" 2>/dev/null && break; sleep 0.2; done
read -r _ url _ number < <(grep '^webhook' "$log")
wrk -t1 -c32 -d15s -s scripts/bench-ingest.lua "$url" -- "$number" | grep '^wrk:'
# 200 calls in progress, each asking for free slots every 0.2-1 s; then 50 lines ringing every 0.1-0.5 s.
wrk -t2 -c200 -d15s -s scripts/bench-tools.lua "$url" -- "$number" | grep '^wrk'
wrk -t1 -c50 -d15s -s scripts/bench-assistant.lua "$url" -- "$number" "$(date +%s)" | grep '^wrk'
wait
grep '^stored' "$log"
rm -rf "$dir"
ROUND
chmod +x /tmp/ava-bench-round.sh

# Median of each figure over the rounds printed above it.
summary() {
    python3 -c '
import re, statistics, sys
rows = {}
for line in sys.stdin:
    m = re.match(r"wrk( [a-z-]+)?: .*= (\d+) ?(?:events/s|/s), p50 ([\d.]+) ms, p99 ([\d.]+) ms", line)
    if m:
        rows.setdefault((m.group(1) or " ingest").strip(), []).append([float(m.group(i)) for i in (2, 3, 4)])
for name, values in rows.items():
    rate, p50, p99 = (statistics.median(column) for column in zip(*values))
    each = ", ".join("%.2f" % v[2] for v in values)
    print("median of %d: %s: %.0f/s, p50 %.2f ms, p99 %.2f ms (p99 of each round: %s)" % (len(values), name, rate, p50, p99, each))
'
}

echo "== SQLite (WAL) =="
for _ in $(seq "$rounds"); do /tmp/ava-bench-round.sh; done | tee /tmp/ava-bench-sqlite.txt
summary < /tmp/ava-bench-sqlite.txt
echo "== PostgreSQL =="
for _ in $(seq "$rounds"); do AVA_PG_DURABLE=1 scripts/with-postgres.sh /tmp/ava-bench-round.sh; done | tee /tmp/ava-bench-pg.txt
summary < /tmp/ava-bench-pg.txt
