#!/usr/bin/env bash
# Makes the reference environment: the real MLflow from PyPI, installed into
# virtual environments under .ref/ at the repository root (ignored by git, never
# part of the source tree).
#
#   .ref/mlflow3   mlflow==$MLFLOW3_VERSION, psycopg2-binary, and the test
#                  tooling MLflow's server, REST and store suites use
#   .ref/mlflow2   mlflow==$MLFLOW2_VERSION (the last 2.x release), for the
#                  behaviour of 2.x clients
#   .ref/env.sh    source it: exports MLFLOW_C_REF_PYTHON, MLFLOW_C_REF2_PYTHON
#                  and MLFLOW_C_REF_DIR (it does not activate either venv)
#
# Safe to run again: a venv whose stamp matches its requirement list is left
# alone, so a second run takes well under a second. A changed list (a version
# bump below) reinstalls into the existing venv. Needs Debian's python3-venv
# (tools/deps.sh installs it) and access to PyPI. REF_DIR overrides .ref/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ref=${REF_DIR:-$root/.ref}
py=/usr/bin/python3

MLFLOW3_VERSION=3.18.0
MLFLOW2_VERSION=2.22.5

# What MLflow 3.x's tests/ needs to run its server, REST and store suites
# (tests/tracking, tests/store, tests/server): the pytest plugins named in
# its requirements/test-requirements.txt that those suites load, plus the
# packages they import. The ML-flavour and GenAI extras are left out.
mlflow3_reqs=(
    "mlflow==$MLFLOW3_VERSION"
    psycopg2-binary
    "pytest<10" pytest-asyncio pytest-repeat pytest-timeout pytest-xdist
    pytest-cov filelock httpx psutil "moto>=4.2.0,<5,!=4.2.5"
    opentelemetry-exporter-otlp-proto-http opentelemetry-exporter-otlp-proto-grpc
    "Flask-WTF<2" zstandard
)
mlflow2_reqs=(
    "mlflow==$MLFLOW2_VERSION"
    psycopg2-binary
)

# mlflow_reqs DIR VERSION: sets extra_reqs/nodeps for installing mlflow==VERSION.
# Normally that is just "mlflow==VERSION". MLflow 3.x's wheel pins
# mlflow-tracing==VERSION, a subset of the same `mlflow` package published
# separately; when PyPI does not (yet) have that release (3.18.0 in Dec 2026),
# mlflow is installed without it: its own Requires-Dist minus mlflow-tracing,
# then the wheel with --no-deps. mlflow-skinny==VERSION carries the whole
# `mlflow` package, so nothing is missing; an older mlflow-tracing must not be
# installed instead (it would overwrite 3.18's files with older ones).
extra_reqs=() nodeps=""
wheel_metadata() {
    "$py" -c 'import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
print(z.read(next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))).decode())' "$1"
}
mlflow_reqs() {
    local dir=$1 ver=$2 tmp
    extra_reqs=() nodeps=""
    tmp=$(mktemp -d)
    "$dir/bin/python" -m pip download -q --disable-pip-version-check --no-deps \
        -d "$tmp" "mlflow==$ver" >/dev/null
    if "$dir/bin/python" -m pip download -q --disable-pip-version-check --no-deps \
        -d "$tmp" "mlflow-tracing==$ver" >/dev/null 2>&1 ||
       ! wheel_metadata "$tmp"/mlflow-"$ver"-*.whl |
         grep -q '^Requires-Dist: mlflow-tracing'; then
        extra_reqs=("mlflow==$ver")
    else
        echo "ref-env: mlflow-tracing==$ver is not on the index: installing mlflow==$ver without it" >&2
        mapfile -t extra_reqs < <(wheel_metadata "$tmp"/mlflow-"$ver"-*.whl |
            sed -n 's/^Requires-Dist: //p' | grep -v 'extra ==' | grep -v '^mlflow-tracing')
        nodeps="mlflow==$ver"
    fi
    rm -rf "$tmp"
}

# make_venv DIR REQ... : creates DIR (a venv) if needed and installs REQ...
# unless DIR/.ref-stamp already records exactly this list.
make_venv() {
    local dir=$1; shift
    local want
    want=$(printf '%s\n' "$@")
    if [ -x "$dir/bin/python" ] && [ -f "$dir/.ref-stamp" ] &&
       [ "$(cat "$dir/.ref-stamp")" = "$want" ]; then
        return 0
    fi
    if [ ! -x "$dir/bin/python" ]; then
        "$py" -m venv "$dir" || {
            echo "ref-env: '$py -m venv' failed; install python3-venv (tools/deps.sh)" >&2
            exit 1
        }
    fi
    echo "ref-env: installing into $dir: $*" >&2
    local pip=("$dir/bin/python" -m pip -q --disable-pip-version-check)
    "${pip[@]}" install --upgrade pip
    local reqs=() r
    for r in "$@"; do
        case $r in
            mlflow==*) mlflow_reqs "$dir" "${r#mlflow==}" ;;
            *) reqs+=("$r") ;;
        esac
    done
    "${pip[@]}" install "${reqs[@]}" "${extra_reqs[@]}"
    [ -z "$nodeps" ] || "${pip[@]}" install --no-deps "$nodeps"
    # written last, so an interrupted install is redone on the next run
    printf '%s\n' "$want" >"$dir/.ref-stamp"
}

mkdir -p "$ref"
make_venv "$ref/mlflow3" "${mlflow3_reqs[@]}"
make_venv "$ref/mlflow2" "${mlflow2_reqs[@]}"

cat >"$ref/env.sh.tmp" <<ENV
# written by tools/ref-env.sh; source it
export MLFLOW_C_REF_DIR='$ref'
export MLFLOW_C_REF_PYTHON='$ref/mlflow3/bin/python'
export MLFLOW_C_REF2_PYTHON='$ref/mlflow2/bin/python'
ENV
mv "$ref/env.sh.tmp" "$ref/env.sh"

echo "mlflow $MLFLOW3_VERSION: $ref/mlflow3/bin/python"
echo "mlflow $MLFLOW2_VERSION: $ref/mlflow2/bin/python"
echo "source $ref/env.sh"
