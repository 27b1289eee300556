"""The generator's input parsing: every kind of bad line is refused with file:line."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
GEN = os.path.join(ROOT, "codegen", "mlfgen.py")
DESC = os.environ.get("MLFLOW_C_DESC", os.path.join(ROOT, "build", "mlflow.desc"))


def run(tmp_path, endpoints, validations):
    e = tmp_path / "endpoints.def"
    v = tmp_path / "validations.def"
    e.write_text(endpoints)
    v.write_text(validations)
    out = tmp_path / "out"
    p = subprocess.run([sys.executable, GEN, DESC, str(e), str(v), str(out)], capture_output=True, text=True)
    return p.returncode, p.stderr, out


OK_E = "# c\nMlflowService createExperiment\n\nModelRegistryService getModelVersion\n"
OK_V = "CreateExperiment.name required string\nSearchRuns.max_results int max=50000\n"


def test_valid_input_generates_everything(tmp_path):
    rc, err, out = run(tmp_path, OK_E, OK_V)
    assert rc == 0, err
    names = sorted(os.listdir(out))
    assert names == ["ffi_exports.c", "ffi_exports.h", "rpc_ids.h", "rpc_table.c", "service_api.h"]
    api = (out / "service_api.h").read_text()
    assert api.startswith("/* DO NOT EDIT")
    assert "int mlf_tracking_create_experiment(mlf_ctx *ctx, const Mlflow__CreateExperiment *req" in api
    assert "mlf_registry_get_model_version" in api
    assert "mlf_tracking_get_run" not in api
    table = (out / "rpc_table.c").read_text()
    assert '{"POST", "/api/2.0/mlflow/experiments/create", MLF_RPC_TRACKING_CREATE_EXPERIMENT, 0}' in table
    assert '{"POST", "/ajax-api/2.0/mlflow/experiments/create", MLF_RPC_TRACKING_CREATE_EXPERIMENT, 1}' in table
    assert '"/api/3.0/mlflow/traces/{assessment.trace_id}/assessments"' in table
    assert '"/api/2.0/mlflow-artifacts/artifacts/{+artifact_path}"' in table
    assert '{"max_results", MLF_RULE_MAX, 50000, 0, NULL, NULL}' in table
    assert "mlf_ffi_tracking_create_experiment" in (out / "ffi_exports.h").read_text()


def test_store_half_flag(tmp_path):
    rc, err, out = run(tmp_path, "MlflowService createExperiment store-half\nMlflowService getExperiment\n", "")
    assert rc == 0, err
    api = (out / "service_api.h").read_text()
    for func in ("mlf_tracking_create_experiment", "mlf_tracking_create_experiment_store"):
        assert f"int {func}(mlf_ctx *ctx, const Mlflow__CreateExperiment *req" in api
    assert "mlf_tracking_get_experiment_store" not in api
    # call (HTTP) then store_call (FFI): the store half when flagged, else the same function
    want = [" mlf__call_tracking_create_experiment, mlf__call_tracking_create_experiment_store},",
            " mlf__call_tracking_get_experiment, mlf__call_tracking_get_experiment},",
            "return mlf_tracking_create_experiment_store(ctx, "]
    table = (out / "rpc_table.c").read_text()
    assert [w for w in want if w not in table] == []


def test_output_is_deterministic(tmp_path):
    rc, _, out = run(tmp_path, OK_E, OK_V)
    first = {f: (out / f).read_text() for f in os.listdir(out)}
    rc, _, out = run(tmp_path, OK_E, OK_V)
    assert first == {f: (out / f).read_text() for f in os.listdir(out)}


@pytest.mark.parametrize("endpoints,validations,message", [
    ("MlflowService nope\n", "", "endpoints.def:1: unknown rpc 'nope' in MlflowService"),
    ("\nNopeService createRun\n", "", "endpoints.def:2: unknown service 'NopeService'"),
    ("MlflowService\n", "", "endpoints.def:1: expected `<Service> <rpc> [store-half]`"),
    ("MlflowService createRun extra\n", "", "endpoints.def:1: unknown flag word 'extra' (known: store-half)"),
    ("MlflowService createRun store-half extra\n", "", "endpoints.def:1: unknown flag word 'extra'"),
    ("MlflowService createRun store-half store-half\n", "", "endpoints.def:1: a flag word given twice"),
    ("MlflowService createRun\nMlflowService createRun\n", "", "endpoints.def:2: rpc 'MlflowService createRun' listed twice"),
    (OK_E, "Nope.name required\n", "validations.def:1: unknown message 'Nope'"),
    (OK_E, "# x\nCreateExperiment.nam required\n", "validations.def:2: unknown field 'nam' in message mlflow.CreateExperiment"),
    (OK_E, "CreateExperiment.name requird\n", "validations.def:1: unknown rule 'requird'"),
    (OK_E, "CreateExperiment.name max=5\n", "validations.def:1: rule 'max=5' needs an integer field"),
    (OK_E, "CreateExperiment.name items:string\n", "validations.def:1: rule 'items:string' needs a repeated field"),
    (OK_E, "LogBatch.metrics elem.nope:required\n", "validations.def:1: unknown field 'nope' in mlflow.Metric"),
    (OK_E, "ListArtifacts.path string\n", "validations.def:1: message 'ListArtifacts' is ambiguous"),
    (OK_E, "CreateExperiment.name\n", "validations.def:1: expected `<Message>.<field> <rule> [<rule> ...]`"),
    (OK_E, "CreateExperiment.name string\nCreateExperiment.name required\n", "validations.def:2: field 'mlflow.CreateExperiment.name' listed twice"),
    (OK_E, "mlflow.Experiment.name string\n", "is not the request of any rpc"),
])
def test_bad_lines_are_refused_with_file_and_line(tmp_path, endpoints, validations, message):
    rc, err, out = run(tmp_path, endpoints, validations)
    assert rc == 1
    assert message in err
    assert not out.exists()  # nothing written


def test_per_element_and_custom_message_rules(tmp_path):
    rc, err, out = run(tmp_path, OK_E, 'LogBatch.metrics array elem.key:required\n'
                                       'GetMetricHistoryBulkInterval.run_ids maxitems=100:"at most 100, got {n}"\n')
    assert rc == 0, err
    table = (out / "rpc_table.c").read_text()
    assert '{"metrics", MLF_RULE_ELEM_REQUIRED, 0, 0, "key", NULL}' in table
    assert '{"run_ids", MLF_RULE_MAXITEMS, 100, 0, NULL, "at most 100, got {n}"}' in table
