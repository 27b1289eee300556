"""The generator's input parsing: every kind of bad line is refused with file:line."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
GEN = os.path.join(ROOT, "codegen", "mlfgen.py")
DESC = os.environ.get("MLFLOW_C_DESC", os.path.join(ROOT, "build", "mlflow.desc"))


OK_R = "GET /health read mlf_http_health tracking\nGET,POST /graphql read mlf_http_graphql static-prefix\n"


def run(tmp_path, endpoints, validations, routes=OK_R):
    e = tmp_path / "endpoints.def"
    r = tmp_path / "routes.def"
    v = tmp_path / "validations.def"
    e.write_text(endpoints)
    r.write_text(routes)
    v.write_text(validations)
    out = tmp_path / "out"
    p = subprocess.run([sys.executable, GEN, DESC, str(e), str(r), str(v), str(out)], capture_output=True, text=True)
    return p.returncode, p.stderr, out


OK_E = "# c\nMlflowService createExperiment write\n\nModelRegistryService getModelVersion read\n"
OK_V = "CreateExperiment.name required string\nSearchRuns.max_results int max=50000\n"


def test_valid_input_generates_everything(tmp_path):
    rc, err, out = run(tmp_path, OK_E, OK_V)
    assert rc == 0, err
    names = sorted(os.listdir(out))
    assert names == ["ffi_exports.c", "ffi_exports.h", "route_handlers.h", "route_table.c", "rpc_ids.h", "rpc_table.c",
                     "service_api.h"]
    api = (out / "service_api.h").read_text()
    assert api.startswith("/* DO NOT EDIT")
    assert "int mlf_tracking_create_experiment(mlf_ctx *ctx, const Mlflow__CreateExperiment *req" in api
    assert "mlf_registry_get_model_version" in api
    assert "mlf_tracking_get_run" not in api
    table = (out / "rpc_table.c").read_text()
    assert '{"max_results", MLF_RULE_MAX, 50000, 0, NULL, NULL}' in table
    routes = (out / "route_table.c").read_text()
    assert ('{"POST", "/api/2.0/mlflow/experiments/create", MLF_RPC_TRACKING_CREATE_EXPERIMENT, 0, MLF_ROUTE_WRITE,'
            ' MLF_ROUTE_TRACKING, mlf_http_rpc}') in routes
    assert ('{"POST", "/ajax-api/2.0/mlflow/experiments/create", MLF_RPC_TRACKING_CREATE_EXPERIMENT, 1, MLF_ROUTE_WRITE,'
            ' MLF_ROUTE_TRACKING, mlf_http_rpc}') in routes
    assert ('{"GET", "/api/2.0/mlflow/model-versions/get", MLF_RPC_REGISTRY_GET_MODEL_VERSION, 0, MLF_ROUTE_READ,'
            ' MLF_ROUTE_TRACKING, mlf_http_rpc}') in routes
    assert '"/api/3.0/mlflow/traces/{assessment.trace_id}/assessments"' in routes
    assert '"/api/2.0/mlflow-artifacts/artifacts/{+artifact_path}"' in routes
    # the routes of routes.def, one entry a method, before the rpcs'
    assert '{"GET", "/health", -1, 0, MLF_ROUTE_READ, MLF_ROUTE_TRACKING, mlf_http_health}' in routes
    assert '{"POST", "/graphql", -1, 1, MLF_ROUTE_READ, 0, mlf_http_graphql}' in routes
    assert routes.index("mlf_http_health}") < routes.index("mlf_http_rpc}")
    handlers = (out / "route_handlers.h").read_text()
    for h in ("mlf_http_rpc", "mlf_http_health", "mlf_http_graphql"):
        assert f"mlf_route_fn {h};" in handlers
    assert "mlf_ffi_tracking_create_experiment" in (out / "ffi_exports.h").read_text()


def test_store_half_flag(tmp_path):
    rc, err, out = run(tmp_path, "MlflowService createExperiment write store-half\nMlflowService getExperiment read\n", "")
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
    ("MlflowService nope read\n", "", "endpoints.def:1: unknown rpc 'nope' in MlflowService"),
    ("\nNopeService createRun write\n", "", "endpoints.def:2: unknown service 'NopeService'"),
    ("MlflowService createRun\n", "", "endpoints.def:1: expected `<Service> <rpc> <class> [flag ...]`"),
    ("MlflowService createRun write\nMlflowService createRun write\n", "",
     "endpoints.def:2: rpc 'MlflowService createRun' listed twice"),
    ("# x\nMlflowService createRun wirte\n", "", "endpoints.def:2: unknown class 'wirte'"),
    ("MlflowService createRun write raw-bdy\n", "", "endpoints.def:1: unknown flag 'raw-bdy'"),
    ("MlflowService createRun write static-prefix\n", "", "endpoints.def:1: unknown flag 'static-prefix'"),
    ("MlflowService createRun write raw-body raw-body\n", "", "endpoints.def:1: flag 'raw-body' given twice"),
    ("MlflowService createRun write store-half store-half\n", "", "endpoints.def:1: flag 'store-half' given twice"),
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


@pytest.mark.parametrize("routes,message", [
    ("GET /health\n", "routes.def:1: expected `<METHOD>[,<METHOD>...] <path> <class> <handler> [flag ...]`"),
    ("\nGOT /health read mlf_http_health\n", "routes.def:2: unknown method 'GOT'"),
    ("GET,GET /health read mlf_http_health\n", "routes.def:1: method listed twice in 'GET,GET'"),
    ("GET health read mlf_http_health\n", "routes.def:1: path pattern 'health' must start with '/'"),
    ("GET /a/{b read mlf_http_a\n", "routes.def:1: bad capture in path pattern '/a/{b'"),
    ("GET /health reed mlf_http_health\n", "routes.def:1: unknown class 'reed'"),
    ("GET /health read mlf_http_health plain-404\n", "routes.def:1: unknown flag 'plain-404'"),
    ("GET /health read health\n", "routes.def:1: handler 'health' must be a C name mlf_http_<name>"),
    ("GET /health read mlf_http_a\n# x\nGET,HEAD /health read mlf_http_b\n",
     "routes.def:3: route GET /health is also served by line 1"),
    ("POST /api/2.0/mlflow/experiments/create write mlf_http_a\n",
     "routes.def:1: route POST /api/2.0/mlflow/experiments/create is also served by rpc MlflowService createExperiment"),
])
def test_bad_route_lines_are_refused_with_file_and_line(tmp_path, routes, message):
    rc, err, out = run(tmp_path, OK_E, OK_V, routes)
    assert rc == 1
    assert message in err
    assert not out.exists()


def test_classes_and_flags(tmp_path):
    rc, err, out = run(tmp_path, OK_E + "MlflowArtifactsService uploadArtifact transfer serve-artifacts raw-body"
                                        " unlimited-body\n", OK_V)
    assert rc == 0, err
    routes = (out / "route_table.c").read_text()
    assert ('{"PUT", "/api/2.0/mlflow-artifacts/artifacts/{+artifact_path}", MLF_RPC_ARTIFACTS_UPLOAD_ARTIFACT, 0,'
            ' MLF_ROUTE_TRANSFER, MLF_ROUTE_SERVE_ARTIFACTS | MLF_ROUTE_RAW_BODY | MLF_ROUTE_UNLIMITED_BODY,'
            ' mlf_http_rpc}') in routes


def test_per_element_and_custom_message_rules(tmp_path):
    rc, err, out = run(tmp_path, OK_E, 'LogBatch.metrics array elem.key:required\n'
                                       'GetMetricHistoryBulkInterval.run_ids maxitems=100:"at most 100, got {n}"\n')
    assert rc == 0, err
    table = (out / "rpc_table.c").read_text()
    assert '{"metrics", MLF_RULE_ELEM_REQUIRED, 0, 0, "key", NULL}' in table
    assert '{"run_ids", MLF_RULE_MAXITEMS, 100, 0, NULL, "at most 100, got {n}"}' in table
