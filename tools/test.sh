#!/usr/bin/env bash
# Installs what is missing, then builds and runs every test twice: in a
# normal build (build/) and in the sanitizer build (build-asan/, ASan+UBSan).
# Ends with one line `N passed, N failed`.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/deps.sh" || exit 1
export PYTHON=/usr/bin/python3

total_pass=0
total_fail=0
status=0
run_suite() {
    local dir=$1; shift
    if [ ! -f "$root/$dir/build.ninja" ]; then
        meson setup "$root/$dir" "$root" "$@" >/dev/null || { echo "meson setup $dir failed" >&2; status=1; return; }
    fi
    ninja -C "$root/$dir" || { echo "build in $dir failed" >&2; status=1; total_fail=$((total_fail + 1)); return; }
    meson test -C "$root/$dir" --print-errorlogs --num-processes 2 || status=1
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
echo
echo "tests: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ] || status=1
exit $status
