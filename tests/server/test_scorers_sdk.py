"""MLflow 3.18's scorer registry (mlflow.genai.scorers: builtin scorers and make_judge() judges registered,
listed, read by version, online scoring started and stopped, deleted; a custom @scorer refused) against
`mlflow-c server`, compared with the same scenario against Python MLflow 3.18's own `mlflow server`.

tools/mlflow-suite/scorer_scenario.py (run with $MLFLOW_C_REF_PYTHON) drives the public API and writes,
per step, what the client returned, the exception it raised and the HTTP requests it made. Both servers
start on fresh databases of the backend under test; each step is its own test, failing with the
differences from the reference. Skips without $MLFLOW_C_REF_PYTHON, fails then under MLFLOW_C_REQUIRE_REF."""

import os

import pytest

from test_tracing_sdk import check_ran, diff, run_both, step_outcomes

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "..", "tools", "mlflow-suite", "scorer_scenario.py")

STEPS = [
    "register builtin",
    "register builtin with a model",
    "register judge",
    "register judge again",
    "register custom scorer",
    "register to an unknown experiment",
    "list_scorers",
    "list_scorer_versions",
    "get_scorer latest",
    "get_scorer version 1",
    "get_scorer unknown",
    "get_scorer unknown version",
    "start online scoring (no gateway model)",
    "stop online scoring",
    "list_scorers after stop",
    "delete_scorer version",
    "list_scorer_versions after delete",
    "delete_scorer all versions",
    "get_scorer deleted",
    "delete_scorer unknown",
    "list_scorers at the end",
]


@pytest.fixture(scope="module")
def runs():
    return run_both(SCRIPT, "mlflow-c-scorers-sdk-")


def test_scenario_ran(runs):
    check_ran(runs, STEPS, "scorer_scenario.py")


@pytest.mark.parametrize("name", STEPS)
def test_step(runs, name):
    ref, got, outdir = step_outcomes(runs, name)
    differences = diff(ref, got)
    assert not differences, f"step {name!r} differs from Python MLflow (outputs in {outdir}):\n" + "\n".join(
        differences)
