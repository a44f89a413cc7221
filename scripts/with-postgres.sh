#!/usr/bin/env bash
# Usage: scripts/with-postgres.sh <command...>
#
# Starts a throwaway PostgreSQL cluster on a free loopback port, creates the database `ava_test`,
# exports DATABASE_URL (and PGHOST/PGPORT/PGUSER/PGDATABASE for psql), runs the command, stops and
# deletes the cluster (also on failure or Ctrl-C) and exits with the command's status.
#
# initdb refuses to run as root: as root the cluster belongs to the `postgres` user.
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 <command...>" >&2
    exit 2
fi

# initdb and pg_ctl: from PATH, else from Debian's versioned folder (newest version first).
pg_bin=""
if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    pg_bin=$(dirname "$(readlink -f "$(command -v initdb)")")
else
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then pg_bin=$d; break; fi
    done
fi
if [ -z "$pg_bin" ]; then
    echo "with-postgres: initdb/pg_ctl not found; install PostgreSQL (apt-get install postgresql," \
         "or run scripts/test.sh --only postgres which does it)" >&2
    exit 1
fi
psql_bin=$pg_bin/psql
[ -x "$psql_bin" ] || psql_bin=$(command -v psql)

# Run a command as the cluster's owner: `postgres` when we are root, ourselves otherwise.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        if command -v runuser >/dev/null 2>&1; then
            runuser -u postgres -- "$@"
        else
            su -s /bin/sh postgres -c "$(printf '%q ' "$@")"
        fi
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/ava-pg.XXXXXX")
if [ "$(id -u)" -eq 0 ]; then
    if ! id postgres >/dev/null 2>&1; then
        echo "with-postgres: running as root but there is no 'postgres' user (apt-get install postgresql creates it)" >&2
        rm -rf "$pg_dir"
        exit 1
    fi
    chown postgres "$pg_dir"
fi

started=""
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [ -n "$started" ]; then
        as_owner "$pg_bin/pg_ctl" -D "$pg_dir/data" stop -m fast -w >/dev/null 2>&1 ||
            as_owner "$pg_bin/pg_ctl" -D "$pg_dir/data" stop -m immediate >/dev/null 2>&1 || true
        echo "with-postgres: stopped the cluster on port ${PGPORT:-?}" >&2
    fi
    rm -rf "$pg_dir"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

as_owner "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U ava -E UTF8 --locale=C.UTF-8 >"$pg_dir/initdb.log" 2>&1 ||
    as_owner "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U ava -E UTF8 --no-locale >"$pg_dir/initdb.log" 2>&1 || {
        echo "with-postgres: initdb failed:" >&2
        cat "$pg_dir/initdb.log" >&2
        exit 1
    }

# A free port can be taken between the check and the start: try a few.
# Durability is pointless for a throwaway test cluster; speed matters. Benchmarks set AVA_PG_DURABLE=1: PostgreSQL's
# own defaults (fsync, synchronous_commit, full_page_writes on), so a commit waits for the disk as in production.
# Tests may run in parallel: allow connections.
durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
[ "${AVA_PG_DURABLE:-}" = 1 ] && durability=""
port=""
for _ in 1 2 3 4 5; do
    candidate=$(free_port)
    if as_owner "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w -t 60 \
        -o "-p $candidate -k $pg_dir -c listen_addresses=127.0.0.1 -c max_connections=300 $durability" \
        start >/dev/null 2>&1; then
        port=$candidate
        break
    fi
    as_owner "$pg_bin/pg_ctl" -D "$pg_dir/data" stop -m immediate >/dev/null 2>&1 || true
done
if [ -z "$port" ]; then
    echo "with-postgres: could not start PostgreSQL; its log:" >&2
    cat "$pg_dir/log" >&2 || true
    exit 1
fi
started=1

export PGHOST=127.0.0.1 PGPORT=$port PGUSER=ava PGDATABASE=ava_test
"$psql_bin" -X -q -v ON_ERROR_STOP=1 -d postgres -c 'create database ava_test' >/dev/null
export DATABASE_URL="postgres://ava@127.0.0.1:$port/ava_test?sslmode=disable"
echo "with-postgres: PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port, DATABASE_URL=$DATABASE_URL" >&2

# The command runs in the background so that a TERM/INT sent to this script is handled at once
# (forwarded to the command) instead of after the command ends; its stdin stays ours.
set +e
"$@" <&0 &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' INT TERM
wait "$child"
status=$?
if kill -0 "$child" 2>/dev/null; then
    wait "$child"
    status=$?
fi
exit "$status"
