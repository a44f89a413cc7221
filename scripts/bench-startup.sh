#!/usr/bin/env bash
# Cold start and idle memory of the release binary, measured (not asserted):
#   - time from exec to the first answered request (GET /en, the landing page), on a fresh SQLite
#     database (migrations included) and again on the existing one;
#   - resident memory (VmRSS) after the server has idled for 3 seconds, and after 200 page requests.
# Usage: scripts/bench-startup.sh [rounds]   (builds `swift build -c release` into .build-release first)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
swift build -c release --product ava --scratch-path .build-release >/dev/null 2>&1
bin=.build-release/release/ava

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

measure() {  # $1 = data dir; prints "<ms to first answer> <pid>"
    local port; port=$(free_port)
    local start; start=$(date +%s%N)
    AVA_DATA_DIR=$1 LOG_LEVEL=warning "$bin" serve --port "$port" >/dev/null 2>&1 &
    local pid=$!
    until curl -fs -o /dev/null "http://127.0.0.1:$port/en"; do sleep 0.005; done
    local end; end=$(date +%s%N)
    echo "$(( (end - start) / 1000000 )) $pid $port"
}

rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

fresh=(); warm=(); idle=(); loaded=()
for _ in $(seq "$rounds"); do
    dir=$(mktemp -d)
    read -r ms pid port < <(measure "$dir"); fresh+=("$ms"); kill "$pid"; wait "$pid" 2>/dev/null || true
    read -r ms pid port < <(measure "$dir"); warm+=("$ms")
    sleep 3; idle+=("$(rss_kib "$pid")")
    for _ in $(seq 200); do curl -fs -o /dev/null "http://127.0.0.1:$port/fr/login"; done
    loaded+=("$(rss_kib "$pid")")
    kill "$pid"; wait "$pid" 2>/dev/null || true
    rm -rf "$dir"
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "release binary: $bin ($(du -h "$bin" | cut -f1)), $rounds rounds, medians"
echo "cold start to first answered request, new database (migrations run): $(median "${fresh[@]}") ms  [${fresh[*]}]"
echo "cold start to first answered request, existing database:            $(median "${warm[@]}") ms  [${warm[*]}]"
echo "idle resident memory after start:                                   $(( $(median "${idle[@]}") / 1024 )) MiB"
echo "resident memory after 200 page requests:                            $(( $(median "${loaded[@]}") / 1024 )) MiB"
