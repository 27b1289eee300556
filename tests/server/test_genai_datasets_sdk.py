"""MLflow 3.18's `mlflow.genai.datasets` (the real client) against `mlflow-c server`, compared with the
same scenario against Python MLflow 3.18's own `mlflow server`.

tools/mlflow-suite/dataset_scenario.py (run with $MLFLOW_C_REF_PYTHON) creates a dataset, merges
records from a DataFrame, from traces and again (a merge), reads them back with to_df(), gets,
searches, tags, deletes records, moves the dataset between experiments and deletes it. Both servers
start on fresh databases of the backend under test; each step is its own test and must give what it
gives against Python MLflow. The reference server and the comparison are test_tracing_sdk.py's.
Skips without $MLFLOW_C_REF_PYTHON."""

import os
import tempfile

import pytest

from conftest import PG_MISSING, Server
import test_tracing_sdk as tracing_sdk
from test_tracing_sdk import REF_PYTHON, RefServer, diff

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "..", "tools", "mlflow-suite", "dataset_scenario.py")
STEPS = ["set_experiment", "create_dataset", "merge_records DataFrame", "merge_records traces",
         "merge_records again", "get_dataset", "search_datasets", "set and delete tags", "delete_records",
         "experiment associations", "delete_dataset", "get_dataset deleted"]


def run_scenario(port, outdir, name):
    return tracing_sdk.run_scenario(port, outdir, name, SCRIPT)


@pytest.fixture(scope="module")
def runs():
    if not REF_PYTHON or not os.path.exists(REF_PYTHON):
        pytest.skip("no reference MLflow ($MLFLOW_C_REF_PYTHON)")
    if PG_MISSING:
        pytest.skip("postgresql without $MLFLOW_C_TEST_PG_URI")
    outdir = tempfile.mkdtemp(prefix="mlflow-c-genai-datasets-")
    ref = RefServer()
    try:
        theirs = run_scenario(ref.port, outdir, "reference")
    finally:
        ref.stop()
    ours_server = Server()
    try:
        ours = run_scenario(ours_server.port, outdir, "mlflow-c")
    finally:
        ours_server.stop()
    return theirs, ours


def test_scenario_ran(runs):
    theirs, ours = runs
    assert "crashed" not in theirs, theirs.get("crashed")
    assert "crashed" not in ours, ours.get("crashed")


@pytest.mark.parametrize("name", STEPS)
def test_step(runs, name):
    theirs, ours = runs
    if "crashed" in theirs or "crashed" in ours:
        pytest.fail("the scenario crashed (test_scenario_ran)")
    assert "error" not in theirs[name] or name == "get_dataset deleted", theirs[name]
    differences = diff(theirs[name], ours[name])
    assert not differences, "\n".join(differences)
