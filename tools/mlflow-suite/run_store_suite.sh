#!/usr/bin/env bash
# Runs MLflow's own store suites against mlflow-c's Python store (python/mlflow_c/store):
#   tests/store/tracking/test_sqlalchemy_store.py (3.11: tests/store/tracking/sqlalchemy_store/)
#   tests/store/model_registry/test_sqlalchemy_store.py
# with MLflow's SqlAlchemyStore classes swapped for ours (the mlflow-go way, `mage test:python`).
#
# usage: tools/mlflow-suite/run_store_suite.sh [options] [MLFLOW_TREE] [-- extra pytest args]
#
#   MLFLOW_TREE      an MLflow source tree, or just its tests/, pyproject.toml and requirements/
#                    (measured: tag v3.9.0 of spicyubi/mlflow against MLflow 3.18.0; see
#                    README.md here). Also taken from $MLFLOW_TREE.
#                    Without one, or without the suites in it, prints "skipped: ..." and exits 0.
#   --reference      run the suites against Python MLflow itself (nothing swapped), for the counts
#   --both           ours, then Python MLflow's, counts side by side
#   --lib PATH       libmlflow-c.so (default $MLFLOW_C_LIB, else <repo>/build/libmlflow-c.so)
#   --env FILE       a shell file sourced first that puts MLflow's Python dependencies on the path
#                    (default $MLFLOW_REF_ENV, else /opt/mlflow-ref/env.sh when it exists)
#   --python PY      the interpreter (default $MLFLOW_SUITE_PYTHON, else $MLFLOW_C_REF_PYTHON, else
#                    <repo>/.ref/mlflow3/bin/python (tools/ref-env.sh) when present, else
#                    /usr/bin/python3). A virtual environment's bin/ goes first on PATH, so that
#                    the suites' `mlflow server` subprocesses run its MLflow.
#   --only tracking|registry   one suite
#   -k EXPR          pytest selection
#   --traces         the tracking suite's trace, span and assessment tests only (traces: real
#                    clients): --only tracking -k "(trace or span or assessment or feedback or
#                    expectation) and not workspace-enabled", plus the tree's
#                    tests/store/tracking/sqlalchemy_store/test_sqlalchemy_store_query_trace_metrics.py
#                    (3.11+) when it has one
#   --scorers        the tracking suite's scorer and online scoring configuration tests only (sc18):
#                    --only tracking -k "(scorer or online_scoring) and not workspace-enabled"
#   --datasets       the tracking suite's evaluation dataset tests only: --only tracking -k
#                    "test_dataset_ or test_sql_dataset_record" (create/get/delete, tags, records
#                    upsert/paging/delete, schema/profile/digest, experiment associations)
#   --logdir DIR     where pytest output and store-outcomes.json go (default: a temp dir)
#   --report-only    exit 0 whatever the tests did (the counts are still printed)
#
# How: pytest runs inside the tree with our plugin (`-p mlflowc_store_plugin`, from this folder;
# the tree is not modified). The plugin swaps the store classes, skips the few tests listed in its
# EXCLUDED table (tests that can only pass on MLflow's own store, each with its reason), records
# every test that used a store method whose rpc mlflow-c has not ported (MLflow's SQL code runs
# those on the same database), and prints per file: pytest's counts, how many passes rested on
# mlflow-c's rpcs alone, the tests that used unported methods, and every failure.
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
traces=0
only=""
logdir=""
report_only=0
tree=${MLFLOW_TREE:-}
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --reference) target=reference ;;
        --both) both=1 ;;
        --lib) lib=$2; shift ;;
        --env) envfile=$2; shift ;;
        --python) py=$2; shift ;;
        --only) only=$2; shift ;;
        -k) kexpr=$2; shift ;;
        # traces: real clients (the trace, span and assessment tests of the tracking suite)
        --traces) traces=1; only=tracking
                  kexpr="(trace or span or assessment or feedback or expectation) and not workspace-enabled" ;;
        # scorers (sc18): the scorer and online scoring configuration tests of the tracking suite
        --scorers) only=tracking; kexpr="(scorer or online_scoring) and not workspace-enabled" ;;
        # evaluation datasets
        --datasets) only=tracking; kexpr="test_dataset_ or test_sql_dataset_record" ;;
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
suites=()
case "$only" in
    ""|tracking|registry) ;;
    *) echo "--only takes tracking or registry" >&2; exit 2 ;;
esac
if [ "$only" != registry ]; then
    # 3.11 moved the tracking suite into a folder
    if [ ! -f "$tree/tests/store/tracking/test_sqlalchemy_store.py" ] &&
        [ -f "$tree/tests/store/tracking/sqlalchemy_store/test_sqlalchemy_store.py" ]; then
        suites+=(tests/store/tracking/sqlalchemy_store/test_sqlalchemy_store.py)
    else
        suites+=(tests/store/tracking/test_sqlalchemy_store.py)
    fi
fi
[ "$only" != tracking ] && suites+=(tests/store/model_registry/test_sqlalchemy_store.py)
# traces: real clients (3.11 put the trace-metrics store tests in a file of their own)
metrics_suite=tests/store/tracking/sqlalchemy_store/test_sqlalchemy_store_query_trace_metrics.py
[ $traces = 1 ] && [ -f "$tree/$metrics_suite" ] && suites+=("$metrics_suite")
for s in "${suites[@]}"; do
    if [ ! -f "$tree/$s" ]; then
        echo "skipped: $tree has no $s"
        exit 0
    fi
done
if [ -n "$envfile" ]; then
    # shellcheck disable=SC1090
    . "$envfile"
fi
pybin=$(dirname "$py")
# a virtual environment's interpreter: its scripts (`mlflow`, ...) first on PATH
[ -f "$pybin/activate" ] && export PATH="$pybin:$PATH"
unset MLFLOW_TRACKING_URI   # MLflow's store tests would take it as their database
export PYTHONPATH="$here:$tree${PYTHONPATH:+:$PYTHONPATH}"
if ! "$py" -c 'import mlflow, mlflow.store.tracking.sqlalchemy_store, pytest' >/dev/null 2>&1; then
    echo "skipped: MLflow from $tree does not import with $py (its dependencies are missing; see --env)"
    "$py" -c 'import mlflow, mlflow.store.tracking.sqlalchemy_store' 2>&1 | tail -1
    exit 0
fi
timeout_opt=()
"$py" -c 'import pytest_timeout' >/dev/null 2>&1 && timeout_opt=(--timeout=600)
[ -n "$logdir" ] || logdir=$(mktemp -d /tmp/mlflow-store-suite.XXXXXX)
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
        echo "== MLflow's store suites against mlflow-c's Python store ($lib)"
    else
        echo "== MLflow's store suites against Python MLflow $("$py" -c 'import mlflow; print(mlflow.__version__)' 2>/dev/null) ($tree)"
    fi
    (
        cd "$tree" &&
        MLFLOWC_SUITE_TARGET=$t MLFLOW_C_LIB=$lib MLFLOWC_SUITE_LOGDIR=$dir \
        "$py" -m pytest "${suites[@]}" -p mlflowc_store_plugin -p no:cacheprovider \
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
    counts[$t]=$(grep -E '^tests/store/.*: [0-9]+ ' "$dir/pytest.log" | tr '\n' ';')
    return $rc
}

status=0
if [ $both = 1 ]; then
    run_one mlflow-c; s1=$?
    run_one reference; s2=$?
    echo
    for t in mlflow-c reference; do
        echo "$t:"
        echo "${counts[$t]:-}" | tr ';' '\n' | sed '/^$/d; s/^/  /'
    done
    status=$s1
    [ $s1 = 0 ] && status=$s2
else
    run_one $target; status=$?
fi
[ $status = 2 ] && exit 2
[ $report_only = 1 ] && exit 0
exit $status
