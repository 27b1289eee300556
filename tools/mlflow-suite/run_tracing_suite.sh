#!/usr/bin/env bash
# Runs MLflow's own tests/tracing/ files that need only MLflow (the fluent API, the tracing client,
# assessments, OTLP logging and loading) with mlflow-c's store behind MLflow's: the tests' tracking
# URI is a SQLite file (tests/conftest.py's tracking_uri_mock), whose store is MLflow's
# SqlAlchemyStore, swapped for ours (python/mlflow_c/store) by the store suite's plugin
# (mlflowc_store_plugin.py). The in-process OTLP server of test_otel_logging.py gets ours the same way.
#
# usage: tools/mlflow-suite/run_tracing_suite.sh [options] [MLFLOW_TREE] [-- extra pytest args]
#
#   MLFLOW_TREE      an MLflow source tree, or just its tests/, pyproject.toml and requirements/
#                    (measured: HEAD of harupy/mlflow, 3.11.2.dev0, against MLflow 3.18.0; see
#                    README.md here). Also taken from $MLFLOW_TREE. Without one, or without any of
#                    the files in it, prints "skipped: ..." and exits 0.
#   --reference      run the files against Python MLflow itself (nothing swapped), for the counts
#   --both           ours, then Python MLflow's, counts side by side (per file)
#   --file PATH      a test file of the tree instead of the default list (repeat for more):
#                    tests/tracing/test_fluent.py tests/tracing/test_tracing_client.py
#                    tests/tracing/test_assessment.py tests/tracing/test_otel_logging.py
#                    tests/tracing/test_otel_loading.py
#   --lib PATH       libmlflow-c.so (default $MLFLOW_C_LIB, else <repo>/build/libmlflow-c.so)
#   --env FILE       a shell file sourced first that puts MLflow's Python dependencies on the path
#                    (default $MLFLOW_REF_ENV, else /opt/mlflow-ref/env.sh when it exists)
#   --python PY      the interpreter (default $MLFLOW_SUITE_PYTHON, else $MLFLOW_C_REF_PYTHON, else
#                    <repo>/.ref/mlflow3/bin/python when present, else /usr/bin/python3)
#   -k EXPR          pytest selection
#   --logdir DIR     where pytest output and store-outcomes.json go (default: a temp dir)
#   --report-only    exit 0 whatever the tests did (the counts are still printed)
#
# The plugin prints per file pytest's counts and, for mlflow-c, how many passes rested on mlflow-c's
# rpcs alone and which tests called a store method the C store does not serve (MLflow's SQL code
# ran those: "used unported store methods", grouped by method), then every failure with its first
# line. With --both the two runs' per-file counts are printed side by side at the end.
#
# Exit status: pytest's (0 = all selected tests passed or were skipped), unless --report-only;
# 0 when skipped; 2 for a usage error or a missing library.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

target=mlflow-c
both=0
lib=${MLFLOW_C_LIB:-$repo/build/libmlflow-c.so}
envfile=${MLFLOW_REF_ENV:-}
[ -z "$envfile" ] && [ -f /opt/mlflow-ref/env.sh ] && envfile=/opt/mlflow-ref/env.sh
py=${MLFLOW_SUITE_PYTHON:-${MLFLOW_C_REF_PYTHON:-}}
if [ -z "$py" ]; then
    py=/usr/bin/python3
    [ -x "$repo/.ref/mlflow3/bin/python" ] && py=$repo/.ref/mlflow3/bin/python
fi
kexpr=""
logdir=""
report_only=0
tree=${MLFLOW_TREE:-}
files=()
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --reference) target=reference ;;
        --both) both=1 ;;
        --file) files+=("$2"); shift ;;
        --lib) lib=$2; shift ;;
        --env) envfile=$2; shift ;;
        --python) py=$2; shift ;;
        -k) kexpr=$2; shift ;;
        --logdir) logdir=$2; shift ;;
        --report-only) report_only=1 ;;
        -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        --) shift; extra=("$@"); break ;;
        -*) echo "unknown option: $1" >&2; exit 2 ;;
        *) tree=$1 ;;
    esac
    shift
done

if [ -z "$tree" ]; then
    echo "skipped: no MLflow tree given (usage: $0 [--reference|--both] MLFLOW_TREE)"
    exit 0
fi
tree=$(cd "$tree" 2>/dev/null && pwd) || { echo "skipped: MLflow tree $tree does not exist"; exit 0; }
if [ ${#files[@]} = 0 ]; then
    files=(tests/tracing/test_fluent.py tests/tracing/test_tracing_client.py tests/tracing/test_assessment.py
           tests/tracing/test_otel_logging.py tests/tracing/test_otel_loading.py)
fi
present=()
for f in "${files[@]}"; do
    if [ -f "$tree/$f" ]; then present+=("$f"); else echo "(the tree has no $f: left out)"; fi
done
if [ ${#present[@]} = 0 ]; then
    echo "skipped: $tree has none of ${files[*]}"
    exit 0
fi
if [ -n "$envfile" ]; then
    # shellcheck disable=SC1090
    . "$envfile"
fi
pybin=$(dirname "$py")
[ -f "$pybin/activate" ] && export PATH="$pybin:$PATH"
unset MLFLOW_TRACKING_URI   # the tests' fixtures set their own
export PYTHONPATH="$here:$tree${PYTHONPATH:+:$PYTHONPATH}"
if ! "$py" -c 'import mlflow, mlflow.store.tracking.sqlalchemy_store, pytest' >/dev/null 2>&1; then
    echo "skipped: MLflow from $tree does not import with $py (its dependencies are missing; see --env)"
    "$py" -c 'import mlflow, mlflow.store.tracking.sqlalchemy_store' 2>&1 | tail -1
    exit 0
fi
timeout_opt=()
"$py" -c 'import pytest_timeout' >/dev/null 2>&1 && timeout_opt=(--timeout=300)
[ -n "$logdir" ] || logdir=$(mktemp -d /tmp/mlflow-tracing-suite.XXXXXX)
mkdir -p "$logdir"
kopt=()
[ -n "$kexpr" ] && kopt=(-k "$kexpr")

declare -A counts
run_one() {  # $1 = mlflow-c | reference
    local t=$1 dir="$logdir/$1" rc
    mkdir -p "$dir"
    if [ "$t" = mlflow-c ]; then
        if [ ! -f "$lib" ]; then
            echo "error: libmlflow-c.so not found at $lib (build it, or pass --lib / MLFLOW_C_LIB)" >&2
            return 2
        fi
        lib=$(cd "$(dirname "$lib")" && pwd)/$(basename "$lib")
        echo "== MLflow's tests/tracing/ files with mlflow-c's store ($lib)"
    else
        echo "== MLflow's tests/tracing/ files against Python MLflow $("$py" -c 'import mlflow; print(mlflow.__version__)' 2>/dev/null) ($tree)"
    fi
    (
        cd "$tree" &&
        MLFLOWC_SUITE_TARGET=$t MLFLOW_C_LIB=$lib MLFLOWC_SUITE_LOGDIR=$dir \
        MLFLOW_HTTP_REQUEST_MAX_RETRIES=1 MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR=0 \
        "$py" -m pytest "${present[@]}" -p mlflowc_store_plugin -p no:cacheprovider \
            -o addopts="-p no:legacypath --strict-markers" --color=no -q -rN \
            ${kopt[@]+"${kopt[@]}"} ${timeout_opt[@]+"${timeout_opt[@]}"} ${extra[@]+"${extra[@]}"}
    ) >"$dir/pytest.log" 2>&1
    rc=$?
    sed -n '/=* mlflow-c store suite summary/,/^outcomes:/p' "$dir/pytest.log"
    local c
    c=$(grep -E '^(=+ )?[0-9]+ (passed|failed|error|skipped|deselected)' "$dir/pytest.log" | tail -1 | sed -E 's/^=+ //; s/ =+$//')
    [ -n "$c" ] || { echo "pytest printed no counts (exit $rc); see $dir/pytest.log"; tail -20 "$dir/pytest.log"; }
    echo "$t: $c"
    echo "full output: $dir/pytest.log"
    # the plugin's per-file lines (pytest's warnings summary also starts lines with a file name)
    counts[$t]=$(grep -E '^tests/tracing/[^ ]*: [0-9]+ (passed|failed|error|skipped)|^  passed on mlflow-c' \
        "$dir/pytest.log" | tr '\n' '\t')
    return $rc
}

status=0
if [ $both = 1 ]; then
    run_one mlflow-c; s1=$?
    run_one reference; s2=$?
    echo
    for t in mlflow-c reference; do
        echo "$t:"
        echo "${counts[$t]:-}" | tr '\t' '\n' | sed '/^$/d; s/^/  /'
    done
    status=$s1
    [ $s1 = 0 ] && status=$s2
else
    run_one $target; status=$?
fi
[ $status = 2 ] && exit 2
[ $report_only = 1 ] && exit 0
exit $status
