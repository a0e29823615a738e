#!/usr/bin/env bash
# A throw-away PostgreSQL + PostGIS server for the visit-log tests.
#
# Source it for the install function (scripts/setup.sh does, with --browser):
#     source scripts/postgres_test_server.sh && install_postgres_test_server
# or run it:
#     scripts/postgres_test_server.sh install        # apt-get install (root)
#     scripts/postgres_test_server.sh start          # prints: URL<TAB>DATADIR
#     scripts/postgres_test_server.sh stop DATADIR   # stops it and removes DATADIR
#
# "start" runs initdb into a fresh temporary folder and starts the server on 127.0.0.1 on a
# free port, as the user "postgres" when we are root (PostgreSQL refuses to run as root),
# else as the current user. Durability is off (fsync=off): test data only.

PG_TEST_DB=${PG_TEST_DB:-geo_outreach_test}

postgres_bin_dir() {
    # newest installed server's bin folder (Debian: /usr/lib/postgresql/<major>/bin)
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r) ; do
        if [[ -x $d/initdb && -x $d/pg_ctl ]]; then echo "$d"; return 0; fi
    done
    if command -v pg_ctl >/dev/null 2>&1; then dirname "$(command -v pg_ctl)"; return 0; fi
    return 1
}

install_postgres_test_server() {
    # Debian's PostgreSQL 15 and PostGIS 3 (bookworm). Needs root; idempotent.
    if postgres_bin_dir >/dev/null && ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
        return 0
    fi
    if [[ $(id -u) != 0 ]]; then
        echo "warning: PostgreSQL/PostGIS missing and not root; PostgreSQL tests will be skipped" >&2
        return 0
    fi
    echo "installing Debian postgresql + postgis for the visit-log tests"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        postgresql postgresql-15-postgis-3 >/dev/null) \
        || echo "warning: could not install PostgreSQL/PostGIS; PostgreSQL tests will be skipped" >&2
    # Debian starts a cluster on port 5432; the tests do not need it
    if command -v pg_ctlcluster >/dev/null 2>&1; then
        pg_ctlcluster 15 main stop >/dev/null 2>&1 || true
    fi
}

_pg_as() {
    # run a command as the server's owner
    if [[ $(id -u) == 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

_free_port() {
    python3 - <<'EOF'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

start_postgres_test_server() {
    local bin dir port
    bin=$(postgres_bin_dir) || { echo "error: PostgreSQL binaries not found" >&2; return 3; }
    if [[ $(id -u) == 0 ]] && ! id postgres >/dev/null 2>&1; then
        echo "error: running as root but there is no 'postgres' user" >&2; return 3
    fi
    dir=$(mktemp -d /tmp/geo_outreach_pg.XXXXXX)
    chmod 700 "$dir"
    [[ $(id -u) == 0 ]] && chown postgres: "$dir"
    _pg_as "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; return 4; }
    for _ in 1 2 3 4 5; do
        port=$(_free_port)
        if _pg_as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
            -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100 -c shared_buffers=32MB" \
            start >/dev/null 2>&1; then
            _pg_as "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -q \
                -c "CREATE DATABASE $PG_TEST_DB" >/dev/null || return 5
            printf 'postgresql://postgres@127.0.0.1:%s/%s\t%s\n' "$port" "$PG_TEST_DB" "$dir"
            return 0
        fi
    done
    cat "$dir/server.log" >&2
    return 4
}

stop_postgres_test_server() {
    local dir=$1 bin
    [[ -n $dir && -d $dir ]] || return 0
    bin=$(postgres_bin_dir) || return 0
    _pg_as "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    case "$dir" in /tmp/geo_outreach_pg.*) rm -rf "$dir" ;; esac
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    set -euo pipefail
    case "${1:-}" in
        install) install_postgres_test_server ;;
        start) start_postgres_test_server ;;
        stop) stop_postgres_test_server "${2:?usage: $0 stop DATADIR}" ;;
        bin) postgres_bin_dir ;;
        *) echo "usage: $0 install|start|stop DATADIR|bin" >&2; exit 2 ;;
    esac
fi
