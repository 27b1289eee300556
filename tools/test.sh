#!/usr/bin/env bash
# Installs what is missing, then builds and runs every test twice: in a
# normal build (build/) and in the sanitizer build (build-asan/, ASan+UBSan);
# then, in the ThreadSanitizer build (build-tsan/), the tests that run many
# threads: every HTTP suite (server/*, server-pg/*: the concurrency tests of
# both backends among them) and the store tests that write from threads.
# The store and HTTP suites run on SQLite and, as store-pg/* and server-pg/*,
# on PostgreSQL: on the cluster at $MLFLOW_C_TEST_PG_URI (a maintenance URI,
# postgresql://user@host:port/postgres) when it is set, else on a throwaway
# cluster started here (tools/pg.sh) and removed at exit. Each test makes and
# drops its own databases there.
# Ends with one line `N passed, N failed`.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/deps.sh" || exit 1
export PYTHON=/usr/bin/python3
# the reference MLflow (tools/ref-env.sh), for the tests that need it: they skip without it
if [ -f "$root/.ref/env.sh" ]; then
    . "$root/.ref/env.sh"
    echo "reference MLflow: $MLFLOW_C_REF_PYTHON" >&2
fi

total_pass=0
total_fail=0
status=0

pg_dir=""
stop_pg() {
    if [ -n "$pg_dir" ]; then
        "$root/tools/pg.sh" stop "$pg_dir" || true
        rm -rf "$pg_dir"
        pg_dir=""
    fi
}
trap stop_pg EXIT
trap 'exit 130' INT TERM
if [ -z "${MLFLOW_C_TEST_PG_URI:-}" ]; then
    if ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
        pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/mlflow-c-pg.XXXXXX")
        if uri=$("$root/tools/pg.sh" start "$pg_dir"); then
            export MLFLOW_C_TEST_PG_URI=$uri
        else
            echo "could not start a PostgreSQL cluster: the PostgreSQL tests will skip" >&2
            total_fail=$((total_fail + 1))
            status=1
        fi
    else
        echo "no PostgreSQL installed: the PostgreSQL tests will skip" >&2
    fi
fi
[ -n "${MLFLOW_C_TEST_PG_URI:-}" ] && echo "PostgreSQL tests on $MLFLOW_C_TEST_PG_URI" >&2
# run_suite DIR [MESON SETUP OPTIONS...] [-- TEST NAME REGEX]: builds DIR, runs its tests (those whose
# names match the regex, when one is given) and adds their counts to the totals.
run_suite() {
    local dir=$1; shift
    local opts=() only=""
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do opts+=("$1"); shift; done
    [ $# -gt 1 ] && only=$2
    if [ ! -f "$root/$dir/build.ninja" ]; then
        meson setup "$root/$dir" "$root" "${opts[@]}" >/dev/null || { echo "meson setup $dir failed" >&2; status=1; return; }
    fi
    ninja -C "$root/$dir" || { echo "build in $dir failed" >&2; status=1; total_fail=$((total_fail + 1)); return; }
    local names=()
    if [ -n "$only" ]; then
        mapfile -t names < <(meson test -C "$root/$dir" --list 2>/dev/null | sed -n 's/^[^ ]* \/ //p' | grep -E "$only")
        [ ${#names[@]} -gt 0 ] || { echo "no tests match $only in $dir" >&2; status=1; total_fail=$((total_fail + 1)); return; }
    fi
    meson test -C "$root/$dir" --print-errorlogs --num-processes 2 "${names[@]}" || status=1
    local counts
    counts=$(/usr/bin/python3 - "$root/$dir/meson-logs/testlog.json" <<'PY'
import json, sys
p = f = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["result"] in ("OK", "EXPECTEDFAIL", "SKIP"):
        p += 1
    else:
        f += 1
print(p, f)
PY
)
    total_pass=$((total_pass + ${counts% *}))
    total_fail=$((total_fail + ${counts#* }))
}

run_suite build
run_suite build-asan -Db_sanitize=address,undefined -Db_lundef=false
# a race is a failure: the tests fail on TSan's exit status and on a report in a server's stderr
run_suite build-tsan -Db_sanitize=thread -- '^(server|server-pg)/test_|^store(-pg)?/test_(run|registry|experiment)$'
echo
echo "tests: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ] || status=1
exit $status
