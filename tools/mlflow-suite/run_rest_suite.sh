#!/usr/bin/env bash
# Runs one of MLflow's own REST test suites against mlflow-c: by default
# tests/tracking/test_rest_tracking.py -k "not file" (the SQLAlchemy/SQLite half; mlflow-c has no
# file store); --file picks another file that starts its servers the same ways (e.g.
# tests/tracking/test_model_registry.py).
#
# usage: tools/mlflow-suite/run_rest_suite.sh [options] [MLFLOW_TREE] [-- extra pytest args]
#
#   MLFLOW_TREE      an MLflow source tree, or just its tests/, pyproject.toml and requirements/
#                    (measured: tag v3.9.0 of spicyubi/mlflow against MLflow 3.18.0; see
#                    README.md here). Also taken from $MLFLOW_TREE.
#                    Without one, or when it has no such test file, the script prints
#                    "skipped: ..." and exits 0.
#   --file PATH      the test file, relative to the tree (default tests/tracking/test_rest_tracking.py),
#                    e.g. tests/tracking/test_model_registry.py, tests/tracking/test_mlflow_artifacts.py
#   --suite PATH     the same as --file
#   --reference      run the same selection against Python MLflow itself (the tree's own
#                    server), for side-by-side counts
#   --both           run against mlflow-c, then against Python MLflow, and print both counts
#   --pg-uri URI     run every server on PostgreSQL: URI is a maintenance URI of a cluster
#                    (postgresql://user@host:port/postgres, e.g. what tools/pg.sh start prints).
#                    Each distinct sqlite:///<path> backend URI the suite starts a server on
#                    becomes one fresh database on that cluster (created on first use, dropped
#                    at the end); other URIs are left alone. Applies to mlflow-c and, with
#                    --reference/--both, to Python MLflow's servers. Needs psycopg2 for $py.
#                    Also $MLFLOWC_SUITE_PG_URI.
#   --bin PATH       the mlflow-c binary (default $MLFLOW_C_BIN, else <repo>/build/mlflow-c)
#   --env FILE       a shell file to source first that puts MLflow's Python dependencies on the
#                    path (default $MLFLOW_REF_ENV, else /opt/mlflow-ref/env.sh when it exists)
#   --python PY      the interpreter (default $MLFLOW_SUITE_PYTHON, else $MLFLOW_C_REF_PYTHON, else
#                    <repo>/.ref/mlflow3/bin/python (tools/ref-env.sh) when present, else
#                    /usr/bin/python3). A virtual environment's bin/ goes first on PATH, so that
#                    the suites' `mlflow server` subprocesses run its MLflow.
#   -k EXPR          pytest selection (default "not file")
#   --webhooks       MLflow's webhook end-to-end tests (tests/webhooks/test_e2e.py: its receiver app,
#                    a server started with `python -m mlflow server`, replaced by mlflow-c); the
#                    same as --file tests/webhooks/test_e2e.py
#   --datasets       the evaluation dataset tests only: -k "evaluation_dataset or
#                    dataset_to_experiments or dataset_from_experiments or
#                    dataset_experiment_association"
#   --traces         the trace, span and assessment tests only (traces: real clients):
#                    -k "not file and (trace or span or assessment or otel or otlp)"
#   --scorers        the scorer tests only (sc18): -k "not file and scorer"
#   --logdir DIR     where server logs, pytest output and causes.json go (default: a temp dir)
#   --report-only    exit 0 whatever the tests did (the counts are still printed)
#
# How: pytest runs inside the tree with our plugin (`-p mlflowc_plugin`, from this folder), which
# replaces the servers the suite starts (the in-process ServerThread behind the `mlflow_client`
# fixture, tests/tracking/integration_test_utils.py::_init_server, and `python -m mlflow server`
# subprocesses) with `mlflow-c server` on the same port, backend store URI and artifact settings.
# The tree is not modified. At the end it prints pytest's counts and every failed test's cause,
# grouped: "rpc not ported yet: <rpc>" (the test called an rpc that `mlflow-c endpoints` lists as
# not implemented), "route not served by mlflow-c", "mlflow-c server did not start", "other".
#
# With --pg-uri the databases are listed in pg-databases.txt of the log directory, and causes.json
# gives every failed test's error responses (request, status, message).
#
# Exit status: pytest's (0 = every selected test passed or was skipped/xfailed), unless
# --report-only; 0 when skipped; 2 for a usage error or a missing mlflow-c binary.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

target=mlflow-c
both=0
bin=${MLFLOW_C_BIN:-$repo/build/mlflow-c}
envfile=${MLFLOW_REF_ENV:-}
[ -z "$envfile" ] && [ -f /opt/mlflow-ref/env.sh ] && envfile=/opt/mlflow-ref/env.sh
py=${MLFLOW_SUITE_PYTHON:-${MLFLOW_C_REF_PYTHON:-}}
if [ -z "$py" ]; then
    py=/usr/bin/python3
    [ -x "$repo/.ref/mlflow3/bin/python" ] && py=$repo/.ref/mlflow3/bin/python
fi
kexpr="not file"
logdir=""
report_only=0
tree=${MLFLOW_TREE:-}
suite=tests/tracking/test_rest_tracking.py
pg_uri=${MLFLOWC_SUITE_PG_URI:-}
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --reference) target=reference ;;
        --both) both=1 ;;
        --bin) bin=$2; shift ;;
        --pg-uri) pg_uri=$2; shift ;;
        --file) suite=$2; shift ;;
        --env) envfile=$2; shift ;;
        --python) py=$2; shift ;;
        -k) kexpr=$2; shift ;;
        --webhooks) suite=tests/webhooks/test_e2e.py ;;
        # traces: real clients (the trace, span, assessment and OTLP tests of the file)
        # evaluation datasets
        --datasets) kexpr="evaluation_dataset or dataset_to_experiments or dataset_from_experiments or dataset_experiment_association" ;;
        --traces) kexpr="not file and (trace or span or assessment or otel or otlp)" ;;
        --suite) suite=$2; shift ;;
        # scorers (sc18): the scorer tests of the file
        --scorers) kexpr="not file and scorer" ;;
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
if [ ! -f "$tree/$suite" ]; then
    echo "skipped: $tree has no $suite"
    exit 0
fi
if [ -n "$envfile" ]; then
    # shellcheck disable=SC1090
    . "$envfile"
fi
pybin=$(dirname "$py")
# a virtual environment's interpreter: its scripts (`mlflow`, ...) first on PATH
[ -f "$pybin/activate" ] && export PATH="$pybin:$PATH"
unset MLFLOW_TRACKING_URI   # MLflow's tests would take it as their database
export PYTHONPATH="$here:$tree${PYTHONPATH:+:$PYTHONPATH}"
if ! "$py" -c 'import mlflow, mlflow.server.handlers, pytest' >/dev/null 2>&1; then
    echo "skipped: MLflow from $tree does not import with $py (its dependencies are missing; see --env)"
    "$py" -c 'import mlflow, mlflow.server.handlers' 2>&1 | tail -1
    exit 0
fi
if [ -n "$pg_uri" ]; then
    case "$pg_uri" in
        postgresql://*|postgres://*|postgresql+psycopg2://*) ;;
        *) echo "error: --pg-uri wants a postgresql:// URI, not $pg_uri" >&2; exit 2 ;;
    esac
    pg_uri=${pg_uri/#postgresql+psycopg2:/postgresql:}
    if ! err=$("$py" -c 'import sys, psycopg2; psycopg2.connect(sys.argv[1]).close()' "$pg_uri" 2>&1); then
        echo "error: cannot connect to $pg_uri with $py and psycopg2: $(echo "$err" | tail -1)" >&2
        exit 2
    fi
fi
timeout_opt=()
"$py" -c 'import pytest_timeout' >/dev/null 2>&1 && timeout_opt=(--timeout=300)
[ -n "$logdir" ] || logdir=$(mktemp -d /tmp/mlflow-rest-suite.XXXXXX)
mkdir -p "$logdir"

run_one() {  # $1 = mlflow-c | reference
    local t=$1 dir="$logdir/$1" rc on=""
    mkdir -p "$dir"
    [ -n "$pg_uri" ] && on=" on PostgreSQL ($pg_uri)"
    if [ "$t" = mlflow-c ]; then
        if [ ! -x "$bin" ]; then
            echo "error: mlflow-c binary not found at $bin (build it, or pass --bin / MLFLOW_C_BIN)" >&2
            return 2
        fi
        bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
        echo "== MLflow's $suite -k \"$kexpr\" against mlflow-c ($bin: $("$bin" --version 2>/dev/null))$on"
    else
        echo "== MLflow's $suite -k \"$kexpr\" against Python MLflow $("$py" -c 'import mlflow; print(mlflow.__version__)' 2>/dev/null) ($tree)$on"
    fi
    (
        cd "$tree" &&
        MLFLOWC_SUITE_TARGET=$t MLFLOW_C_BIN=$bin MLFLOWC_SUITE_LOGDIR=$dir MLFLOWC_SUITE_PG_URI=$pg_uri \
        "$py" -m pytest "$suite" -k "$kexpr" -p mlflowc_plugin -p no:cacheprovider \
            -o addopts="-p no:legacypath --strict-markers" --color=no -q -rN \
            ${timeout_opt[@]+"${timeout_opt[@]}"} ${extra[@]+"${extra[@]}"}
    ) >"$dir/pytest.log" 2>&1
    rc=$?
    # the grouped causes (printed by the plugin) and pytest's closing line
    sed -n '/=* failures by cause/,/^per-test outcomes/p' "$dir/pytest.log"
    counts=$(grep -E '^(=+ )?[0-9]+ (passed|failed|error|skipped|deselected|xfailed|xpassed)' "$dir/pytest.log" | tail -1 | sed -E 's/^=+ //; s/ =+$//')
    [ -n "$counts" ] || { echo "pytest printed no counts (exit $rc); see $dir/pytest.log"; tail -20 "$dir/pytest.log"; }
    echo "$t: $counts"
    echo "full output: $dir/pytest.log"
    if [ "$t" = mlflow-c ]; then counts_mlflow_c=$counts; else counts_reference=$counts; fi
    return $rc
}

status=0
counts_mlflow_c=""
counts_reference=""
if [ $both = 1 ]; then
    run_one mlflow-c; s1=$?
    run_one reference; s2=$?
    echo
    printf '%-10s %s\n' "mlflow-c" "$counts_mlflow_c" "python" "$counts_reference"
    status=$s1
    [ $s1 = 0 ] && status=$s2
else
    run_one $target; status=$?
fi
[ $status = 2 ] && exit 2
[ $report_only = 1 ] && exit 0
exit $status
