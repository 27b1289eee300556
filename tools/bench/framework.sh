#!/usr/bin/env bash
# The framework benchmark (issue: GET experiments/get must reach >= 30 % of a
# bare h2o+libuv server answering {} on the same machine, same run).
#
# usage: tools/bench/framework.sh [BUILD_DIR] [SECONDS] [CONNECTIONS]
# Needs wrk (apt-get install wrk). Starts both servers on free loopback ports,
# runs wrk with keep-alive against each, prints a table, stops them.
set -euo pipefail
build=${1:-build}
secs=${2:-10}
conns=${3:-32}
threads=2
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }

tmp=$(mktemp -d)
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"; }
pids=()
trap cleanup EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_up() { for _ in $(seq 100); do curl -sf "http://127.0.0.1:$1$2" >/dev/null && return 0; sleep 0.1; done; return 1; }

bare_port=$(port)
"$build/bare-server" --port "$bare_port" >/dev/null 2>&1 & pids+=($!)
mlf_port=$(port)
"$build/mlflow-c" server --port "$mlf_port" --backend-store-uri "sqlite:///$tmp/bench.db" --no-access-log \
    >"$tmp/server.log" 2>&1 & pids+=($!)
wait_up "$bare_port" / && wait_up "$mlf_port" /health

rps() { wrk -t"$threads" -c"$conns" -d"${secs}s" "$1" | awk '/Requests\/sec/ {print $2}'; }
bare=$(rps "http://127.0.0.1:$bare_port/")
ours=$(rps "http://127.0.0.1:$mlf_port/api/2.0/mlflow/experiments/get?experiment_id=0")
ratio=$(python3 -c "print(f'{100*$ours/$bare:.1f}')")
printf '%-48s %12s\n' "scenario (wrk -t$threads -c$conns -d${secs}s)" "req/s"
printf '%-48s %12s\n' "bare h2o+libuv server answering {}" "$bare"
printf '%-48s %12s\n' "mlflow-c GET experiments/get" "$ours"
printf '%-48s %11s%%\n' "ratio" "$ratio"
