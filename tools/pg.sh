#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests (and for trying the server by hand):
#
#   tools/pg.sh start DIR [PORT]   initdb into DIR/data and start it on 127.0.0.1:PORT
#                                  (default: a free port), its unix socket in DIR;
#                                  prints the maintenance URI (a stopped cluster of
#                                  DIR starts again on its port)
#   tools/pg.sh uri DIR            prints postgresql://postgres@127.0.0.1:PORT/postgres
#   tools/pg.sh stop DIR           stops it (DIR stays; remove it yourself)
#
# The cluster trusts every local connection (-A trust, user `postgres`), sorts
# text bytewise (C.UTF-8, as our SQLite store does) and skips fsync: it is for
# tests only. As root the server runs as the `postgres` user (runuser) and DIR
# is handed to it. The binaries are the newest /usr/lib/postgresql/*/bin, or
# $PG_BINDIR.
set -euo pipefail

usage() { echo "usage: $0 start DIR [PORT] | stop DIR | uri DIR" >&2; exit 2; }
[ $# -ge 2 ] || usage
cmd=$1
dir=$2

bindir=${PG_BINDIR:-}
if [ -z "$bindir" ]; then
    bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/pg_ctl" ]; then
    echo "pg.sh: no PostgreSQL binaries under /usr/lib/postgresql/*/bin (apt-get install postgresql)" >&2
    exit 1
fi

# runs a server binary as the cluster's owner
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

print_uri() {
    [ -f "$dir/port" ] || { echo "pg.sh: no cluster started in $dir" >&2; exit 1; }
    echo "postgresql://postgres@127.0.0.1:$(cat "$dir/port")/postgres"
}

case $cmd in
start)
    [ $# -le 3 ] || usage
    want_port=${3:-}
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ -e "$dir/data" ]; then
        # a cluster this script made and stopped: start it again on its port
        [ -f "$dir/port" ] || { echo "pg.sh: $dir/data exists already" >&2; exit 1; }
        want_port=$(cat "$dir/port")
        cd "$dir"
    else
        if [ "$(id -u)" -eq 0 ]; then
            id postgres >/dev/null 2>&1 || { echo "pg.sh: running as root needs the postgres user" >&2; exit 1; }
            chown postgres: "$dir"
        fi
        cd "$dir"  # runuser keeps the working directory: one the owner can enter
        as_owner "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
            --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    tries=1
    [ -n "$want_port" ] || tries=5
    for ((i = 0; i < tries; i++)); do
        port=${want_port:-$(free_port)}
        opts="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$dir'"
        opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        opts+=" -c max_connections=300 -c shared_buffers=64MB -c log_min_messages=warning"
        opts+=" -c log_line_prefix='%m [%p] %d '"
        if as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "$opts" -w -t 60 start >/dev/null; then
            echo "$port" >"$dir/port"
            print_uri
            exit 0
        fi
    done
    echo "pg.sh: the server did not start; $dir/server.log:" >&2
    tail -n 20 "$dir/server.log" >&2 || true
    exit 1
    ;;
stop)
    [ $# -eq 2 ] || usage
    [ -d "$dir/data" ] || { echo "pg.sh: no cluster in $dir" >&2; exit 1; }
    cd "$dir"
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
    ;;
uri)
    [ $# -eq 2 ] || usage
    print_uri
    ;;
*)
    usage
    ;;
esac
