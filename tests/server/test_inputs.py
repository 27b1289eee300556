"""logInputs, logOutputs, logModel and the search-datasets route over HTTP,
with MLflow's limits and messages."""

import json
import uuid

import pytest

from conftest import Server, assert_unique_violation

SEE = " See the API docs for more information about request parameters."
CTX = "mlflow.data.context"
HISTORY = "mlflow.log-model.history"


def ok(server, path, body):
    status, _, resp = server.post(path, body)
    assert status == 200, (path, body, resp)
    return resp


def new_experiment(server, name):
    return ok(server, "experiments/create", {"name": name})["experiment_id"]


def new_run(server, exp, name="r"):
    return ok(server, "runs/create", {"experiment_id": exp, "run_name": name, "start_time": 1})["run"]["info"]["run_id"]


def get_run(server, run_id):
    status, _, resp = server.get("runs/get", "run_id=" + run_id)
    assert status == 200, resp
    return resp["run"]


def dataset(name="ds", digest="d1", tags=(), **extra):
    d = {"name": name, "digest": digest, "source_type": "local", "source": '{"uri": "/tmp/x"}', **extra}
    return {"dataset": d, "tags": [{"key": k, "value": v} for k, v in tags]}


def error(server, path, body, status, code, message=None):
    got, _, resp = server.post(path, body)
    assert (got, resp.get("error_code")) == (status, code), resp
    if message is not None:
        assert resp["message"] == message
    return resp["message"]


def search_datasets(server, body, prefix="/ajax-api/2.0/mlflow/", headers=None):
    hdrs = {"Content-Type": "application/json"} if headers is None else headers
    return server.request("POST", prefix + "experiments/search-datasets", json.dumps(body), headers=hdrs)


# ---- logInputs ----

def test_log_inputs_and_get_run(server):
    exp = new_experiment(server, "inputs-basic")
    run = new_run(server, exp)
    ds = dataset("train", "abc", [(CTX, "training"), ("k", "v")], schema='{"cols": 1}', profile='{"rows": 2}')
    assert ok(server, "runs/log-inputs", {"run_id": run, "datasets": [ds]}) == {}
    inputs = get_run(server, run)["inputs"]["dataset_inputs"]
    assert len(inputs) == 1
    assert inputs[0]["dataset"] == {"name": "train", "digest": "abc", "source_type": "local",
                                    "source": '{"uri": "/tmp/x"}', "schema": '{"cols": 1}', "profile": '{"rows": 2}'}
    assert sorted((t["key"], t["value"]) for t in inputs[0]["tags"]) == [("k", "v"), (CTX, "training")]


def test_log_inputs_dedup_and_relog(server):
    exp = new_experiment(server, "inputs-dedup")
    run = new_run(server, exp)
    # the same (name, digest) twice in one request: the first one wins
    ok(server, "runs/log-inputs", {"run_id": run, "datasets": [dataset("a", "1", [(CTX, "first")]),
                                                               dataset("a", "1", [(CTX, "second")]),
                                                               dataset("a", "2", [(CTX, "other")])]})
    inputs = get_run(server, run)["inputs"]["dataset_inputs"]
    got = sorted((i["dataset"]["name"], i["dataset"]["digest"], i["tags"][0]["value"]) for i in inputs)
    assert got == [("a", "1", "first"), ("a", "2", "other")]
    # logged again: the existing input keeps its tags
    ok(server, "runs/log-inputs", {"run_id": run, "datasets": [dataset("a", "1", [(CTX, "third")])]})
    inputs = get_run(server, run)["inputs"]["dataset_inputs"]
    assert sorted(i["tags"][0]["value"] for i in inputs) == ["first", "other"]
    # another run of the experiment shares the dataset, with its own tags
    run2 = new_run(server, exp, "r2")
    ok(server, "runs/log-inputs", {"run_id": run2, "datasets": [dataset("a", "1", [(CTX, "eval")])]})
    status, _, resp = search_datasets(server, {"experiment_ids": [exp]})
    assert status == 200
    got = sorted((d["experiment_id"], d["name"], d["digest"], d.get("context")) for d in resp["dataset_summaries"])
    assert got == [(exp, "a", "1", "eval"), (exp, "a", "1", "first"), (exp, "a", "2", "other")]


def test_log_inputs_dataset_of_other_experiment_is_not_reused(server):
    # MLflow 3.18 looks datasets up by (name, digest) in the run's experiment only
    exp1 = new_experiment(server, "inputs-shared-1")
    exp2 = new_experiment(server, "inputs-shared-2")
    run1, run2 = new_run(server, exp1), new_run(server, exp2)
    ok(server, "runs/log-inputs", {"run_id": run1, "datasets": [dataset("shared", "s1", [(CTX, "x")], profile="p")]})
    ok(server, "runs/log-inputs", {"run_id": run2, "datasets": [dataset("shared", "s1", [(CTX, "y")])]})
    ds2 = get_run(server, run2)["inputs"]["dataset_inputs"][0]["dataset"]
    assert ds2["name"] == "shared" and "profile" not in ds2
    status, _, resp = search_datasets(server, {"experiment_ids": [exp2]})
    assert (status, resp) == (200, {"dataset_summaries": [{"experiment_id": exp2, "name": "shared", "digest": "s1",
                                                           "context": "y"}]})
    status, _, resp = search_datasets(server, {"experiment_ids": [exp1, exp2]})
    assert sorted(d["context"] for d in resp["dataset_summaries"]) == ["x", "y"]


def test_log_inputs_empty_and_unset_fields(server):
    exp = new_experiment(server, "inputs-empty")
    run = new_run(server, exp)
    assert ok(server, "runs/log-inputs", {"run_id": run}) == {}
    assert ok(server, "runs/log-inputs", {"run_id": run, "datasets": []}) == {}
    # a dataset input without a dataset is an empty dataset, as Dataset.from_proto reads it
    assert ok(server, "runs/log-inputs", {"run_id": run, "datasets": [{}]}) == {}
    inputs = get_run(server, run)["inputs"]["dataset_inputs"]
    assert len(inputs) == 1 and inputs[0]["dataset"].get("name", "") == ""


def test_log_inputs_models(server):
    exp = new_experiment(server, "inputs-models")
    run = new_run(server, exp)
    ok(server, "runs/log-inputs", {"run_id": run, "models": [{"model_id": "m-1"}, {"model_id": "m-2"}]})
    # logging a model input again is a merge, not an error
    ok(server, "runs/log-inputs", {"run_id": run, "models": [{"model_id": "m-1"}]})
    models = get_run(server, run)["inputs"].get("model_inputs", [])
    assert sorted(m["model_id"] for m in models) == ["m-1", "m-2"]
    # searchRuns returns no model inputs, as MLflow's does
    resp = ok(server, "runs/search", {"experiment_ids": [exp]})
    assert "model_inputs" not in resp["runs"][0].get("inputs", {})


LIMITS = [
    (dataset("n" * 501), "'name' exceeds the maximum length of 500 characters"),
    (dataset(digest="d" * 37), "'digest' exceeds the maximum length of 36 characters"),
    (dataset(source="s" * 65536), "'source' exceeds the maximum length of 65535 characters"),
    (dataset(schema="s" * 1048576), "'schema' exceeds the maximum length of 1048575 characters"),
    (dataset(tags=[("k" * 256, "v")]), "'key' exceeds the maximum length of 255 characters"),
    (dataset(tags=[("k", "v" * 501)]), "'value' exceeds the maximum length of 500 characters"),
    (dataset("é" * 501), "'name' exceeds the maximum length of 500 characters"),
]


@pytest.mark.parametrize("ds,message", LIMITS)
def test_log_inputs_limits(server, ds, message):
    exp = new_experiment(server, "inputs-limits-" + uuid.uuid4().hex)
    run = new_run(server, exp)
    # the checks come before the run is looked up
    error(server, "runs/log-inputs", {"run_id": run, "datasets": [ds]}, 400, "INVALID_PARAMETER_VALUE", message)
    error(server, "runs/log-inputs", {"run_id": "no-such-run", "datasets": [ds]}, 400, "INVALID_PARAMETER_VALUE",
          message)


def test_log_inputs_sizes_at_limits(server):
    exp = new_experiment(server, "inputs-at-limits")
    run = new_run(server, exp)
    ds = dataset("é" * 500, "d" * 36, [("k" * 255, "v" * 500)], source="s" * 65535)
    ok(server, "runs/log-inputs", {"run_id": run, "datasets": [ds]})


def test_log_inputs_errors(server):
    exp = new_experiment(server, "inputs-errors")
    run = new_run(server, exp)
    error(server, "runs/log-inputs", {}, 400, "INVALID_PARAMETER_VALUE",
          "Missing value for required parameter 'run_id'." + SEE)
    error(server, "runs/log-inputs", {"run_id": "bad id!"}, 400, "INVALID_PARAMETER_VALUE",
          "Invalid value \"bad id!\" for parameter 'run_id' supplied.")
    error(server, "runs/log-inputs", {"run_id": "_x"}, 400, "INVALID_PARAMETER_VALUE",
          "Invalid value \"_x\" for parameter 'run_id' supplied.")
    error(server, "runs/log-inputs", {"run_id": "a" * 257}, 400, "INVALID_PARAMETER_VALUE",
          "Invalid value \"" + "a" * 257 + "\" for parameter 'run_id' supplied.")
    error(server, "runs/log-inputs", {"run_id": "deadbeef", "datasets": [dataset()]}, 404,
          "RESOURCE_DOES_NOT_EXIST", "Run with id=deadbeef not found")
    error(server, "runs/log-inputs", {"run_id": run, "datasets": "x"}, 400, "INVALID_PARAMETER_VALUE",
          "Invalid value \"x\" for parameter 'datasets' supplied:  Hint: Value was of type 'str'." + SEE)
    error(server, "runs/log-inputs", {"run_id": run, "models": {"a": 1}}, 400, "INVALID_PARAMETER_VALUE",
          "Invalid value {\"a\":1} for parameter 'models' supplied:  Hint: Value was of type 'dict'." + SEE)
    # one input with a tag key twice: the input_tags primary key refuses it, nothing is written
    msg = error(server, "runs/log-inputs", {"run_id": run, "datasets": [dataset(tags=[("k", "1"), ("k", "2")])]},
                400, "BAD_REQUEST")
    assert_unique_violation(msg, "(sqlite3.IntegrityError) UNIQUE constraint failed: input_tags.input_uuid, input_tags.name")
    assert "dataset_inputs" not in get_run(server, run).get("inputs", {})
    ok(server, "runs/delete", {"run_id": run})
    error(server, "runs/log-inputs", {"run_id": run, "datasets": [dataset()]}, 400, "INVALID_PARAMETER_VALUE",
          f"The run {run} must be in the 'active' state. Current state is deleted.")


# ---- logOutputs ----

def test_log_outputs(server):
    exp = new_experiment(server, "outputs")
    run = new_run(server, exp)
    assert ok(server, "runs/outputs", {"run_id": run, "models": [{"model_id": "m-a", "step": 3},
                                                                 {"model_id": "m-b"}]}) == {}
    outputs = get_run(server, run)["outputs"]["model_outputs"]
    assert sorted((o["model_id"], o["step"]) for o in outputs) == [("m-a", 3), ("m-b", 0)]
    resp = ok(server, "runs/search", {"experiment_ids": [exp]})
    assert sorted(o["model_id"] for o in resp["runs"][0]["outputs"]["model_outputs"]) == ["m-a", "m-b"]
    # an empty list is fine: only the run is checked
    assert ok(server, "runs/outputs", {"run_id": run, "models": []}) == {}


def test_log_outputs_errors(server):
    exp = new_experiment(server, "outputs-errors")
    run = new_run(server, exp)
    error(server, "runs/outputs", {"run_id": run}, 400, "INVALID_PARAMETER_VALUE",
          "Missing value for required parameter 'models'." + SEE)
    error(server, "runs/outputs", {"models": []}, 400, "INVALID_PARAMETER_VALUE",
          "Missing value for required parameter 'run_id'." + SEE)
    error(server, "runs/outputs", {"run_id": "nope", "models": []}, 404, "RESOURCE_DOES_NOT_EXIST",
          "Run with id=nope not found")
    ok(server, "runs/outputs", {"run_id": run, "models": [{"model_id": "m", "step": 1}]})
    msg = error(server, "runs/outputs", {"run_id": run, "models": [{"model_id": "m", "step": 2}]}, 400, "BAD_REQUEST")
    assert_unique_violation(msg, "(sqlite3.IntegrityError) UNIQUE constraint failed: inputs.source_type")
    ok(server, "runs/delete", {"run_id": run})
    error(server, "runs/outputs", {"run_id": run, "models": []}, 400, "INVALID_PARAMETER_VALUE",
          f"The run {run} must be in the 'active' state. Current state is deleted.")
    # the rpc's /api/2.0 path is the only one
    status, _, _ = server.post("runs/log-outputs", {"run_id": run, "models": []})
    assert status == 404


# ---- logModel ----

def history(server, run):
    tags = {t["key"]: t["value"] for t in get_run(server, run)["data"].get("tags", [])}
    return tags.get(HISTORY)


def model_json(run_id, **extra):
    m = {"artifact_path": "model", "run_id": run_id, "utc_time_created": "2024-01-02 03:04:05.000006",
         "flavors": {"python_function": {"loader_module": "x", "config": {"a": 1}}, "sklearn": {"v": "1"}}}
    m.update(extra)
    return json.dumps(m)


def test_log_model_appends_history(server):
    exp = new_experiment(server, "log-model")
    run = new_run(server, exp)
    assert ok(server, "runs/log-model", {"run_id": run, "model_json": model_json(run, model_uuid="u1")}) == {}
    first = {"run_id": run, "artifact_path": "model", "utc_time_created": "2024-01-02 03:04:05.000006",
             "model_uuid": "u1", "flavors": {"python_function": {"loader_module": "x"}, "sklearn": {"v": "1"}}}
    assert history(server, run) == json.dumps([first])
    ok(server, "runs/log-model", {"run_id": run, "model_json": model_json(run, artifact_path="m2")})
    second = {"run_id": run, "artifact_path": "m2", "utc_time_created": "2024-01-02 03:04:05.000006",
              "model_uuid": None, "flavors": first["flavors"]}
    assert history(server, run) == json.dumps([first, second])


def test_log_model_value_conversions(server):
    exp = new_experiment(server, "log-model-values")
    run = new_run(server, exp)
    body = json.dumps({"artifact_path": None, "run_id": None, "utc_time_created": 12.5, "flavors": None,
                       "extra": "ignored", "model_uuid": 7})
    ok(server, "runs/log-model", {"run_id": run, "model_json": body})
    assert json.loads(history(server, run)) == [{"utc_time_created": "12.5", "model_uuid": 7, "flavors": {}}]
    # a falsy time becomes the current UTC time, as str(datetime) writes it
    ok(server, "runs/log-model", {"run_id": run, "model_json": model_json(run, utc_time_created="")})
    created = json.loads(history(server, run))[1]["utc_time_created"]
    assert len(created) in (19, 26) and created[4] == "-" and created[10] == " "
    ok(server, "runs/log-model", {"run_id": run, "model_json": model_json(run, utc_time_created=["a", True])})
    assert json.loads(history(server, run))[2]["utc_time_created"] == "['a', True]"


def test_log_model_errors(server):
    exp = new_experiment(server, "log-model-errors")
    run = new_run(server, exp)
    error(server, "runs/log-model", {"run_id": run}, 400, "INVALID_PARAMETER_VALUE",
          "Missing value for required parameter 'model_json'." + SEE)
    error(server, "runs/log-model", {"model_json": "{}"}, 400, "INVALID_PARAMETER_VALUE",
          "Missing value for required parameter 'run_id'." + SEE)
    error(server, "runs/log-model", {"run_id": run, "model_json": "{nope"}, 400, "INVALID_PARAMETER_VALUE",
          "Malformed model info. \n {nope \n is not a valid JSON.")
    error(server, "runs/log-model", {"run_id": run, "model_json": json.dumps({"artifact_path": "a", "run_id": "r",
                                                                               "utc_time_created": "t"})},
          400, "INVALID_PARAMETER_VALUE", "Model json is missing mandatory fields: {'flavors'}")
    msg = error(server, "runs/log-model", {"run_id": run, "model_json": "{}"}, 400, "INVALID_PARAMETER_VALUE")
    assert msg.startswith("Model json is missing mandatory fields: {")
    for field in ("'artifact_path'", "'flavors'", "'utc_time_created'", "'run_id'"):
        assert field in msg
    # json that is not an object, or flavors that are not one: the AttributeError escapes, Werkzeug's 500 page
    for mj in ("[1]", model_json(run, flavors=[1])):
        status, headers, resp = server.post("runs/log-model", {"run_id": run, "model_json": mj})
        assert status == 500 and headers["content-type"].startswith("text/html"), resp
    error(server, "runs/log-model", {"run_id": "nope", "model_json": model_json("nope")}, 404,
          "RESOURCE_DOES_NOT_EXIST", "Run with id=nope not found")
    ok(server, "runs/delete", {"run_id": run})
    error(server, "runs/log-model", {"run_id": run, "model_json": model_json(run)}, 400, "INVALID_PARAMETER_VALUE",
          f"The run {run} must be in the 'active' state. Current state is deleted.")


def test_log_model_history_is_truncated(server):
    exp = new_experiment(server, "log-model-long")
    run = new_run(server, exp)
    big = model_json(run, artifact_path="p" * 9000)
    ok(server, "runs/log-model", {"run_id": run, "model_json": big})
    assert len(history(server, run)) == 8000


# ---- search-datasets route ----

def test_search_datasets_route(server):
    exp = new_experiment(server, "sd-route")
    run = new_run(server, exp)
    # names of their own: datasets are shared across experiments by (name, digest)
    ok(server, "runs/log-inputs", {"run_id": run, "datasets": [dataset("sd-a", "1", [(CTX, "train")]),
                                                               dataset("sd-b", "2", [("other", "x")]),
                                                               dataset("sd-c", "3", [(CTX, "")])]})
    status, headers, resp = search_datasets(server, {"experiment_ids": [exp]})
    assert status == 200 and headers["content-type"] == "application/json"
    got = sorted((d["name"], d["digest"], d.get("context")) for d in resp["dataset_summaries"])
    # an empty context is left out, as DatasetSummary.to_proto does
    assert got == [("sd-a", "1", "train"), ("sd-b", "2", None), ("sd-c", "3", None)]
    # a charset parameter, a double-encoded body; experiment ids as numbers do not parse (MLflow 3.18)
    status, _, resp2 = search_datasets(server, {"experiment_ids": [exp]},
                                       headers={"Content-Type": "application/json; charset=utf-8"})
    assert status == 200 and len(resp2["dataset_summaries"]) == 3
    status, _, resp2 = search_datasets(server, {"experiment_ids": [int(exp)]})
    assert status == 400 and resp2["message"] == "SearchDatasets request must specify at least one experiment_id."
    status, _, resp3 = server.request("POST", "/ajax-api/2.0/mlflow/experiments/search-datasets",
                                      json.dumps(json.dumps({"experiment_ids": [exp]})),
                                      headers={"Content-Type": "application/json"})
    assert status == 200 and len(resp3["dataset_summaries"]) == 3


def test_search_datasets_route_errors(server):
    status, _, resp = search_datasets(server, {})
    assert (status, resp) == (400, {"error_code": "INVALID_PARAMETER_VALUE",
                                    "message": "SearchDatasets request must specify at least one experiment_id.",
                                    "sqlstate": "KAM00", "error_class": "INVALID_PARAMETER_VALUE"})
    status, _, resp = search_datasets(server, {"experiment_ids": [str(i) for i in range(21)]})
    assert (status, resp["message"]) == (400, "SearchDatasets request cannot specify more than 20 experiment_ids. "
                                              "Received 21 experiment_ids.")
    status, _, resp = search_datasets(server, {"experiment_ids": [str(i) for i in range(20)]})
    assert status == 200
    status, _, resp = search_datasets(server, {"experiment_ids": ["x"]})
    assert (status, resp["message"]) == (400, "Invalid experiment ID 'x'. Experiment ID must be a valid integer.")
    status, _, resp = search_datasets(server, {"experiment_ids": ["0"]}, headers={})
    assert (status, resp["message"]) == (400, "Bad Request. Content-Type header is missing.")
    status, _, resp = search_datasets(server, {"experiment_ids": ["0"]}, headers={"Content-Type": "text/plain"})
    assert (status, resp["message"]) == (400, "Bad Request. Content-Type must be one of ['application/json'].")
    # not JSON: an empty request
    status, _, resp = server.request("POST", "/ajax-api/2.0/mlflow/experiments/search-datasets", "nope",
                                     headers={"Content-Type": "application/json"})
    assert status == 400 and resp["message"] == "SearchDatasets request must specify at least one experiment_id."
    status, headers, _ = server.request("GET", "/ajax-api/2.0/mlflow/experiments/search-datasets")
    assert status == 405 and headers["content-type"].startswith("text/html")
    # the rpc's own paths lack a slash (and a handler): never this route
    status, _, _ = search_datasets(server, {"experiment_ids": ["0"]}, prefix="/api/2.0/mlflow/")
    assert status == 404
    status, _, body = server.request("POST", "/ajax-api/2.0mlflow/experiments/search-datasets", "{}",
                                     headers={"Content-Type": "application/json"})
    assert (status, body) == (404, b"")


def test_search_datasets_route_static_prefix():
    s = Server(extra_args=("--static-prefix", "/pfx"))
    try:
        status, _, resp = search_datasets(s, {"experiment_ids": ["0"]}, prefix="/pfx/ajax-api/2.0/mlflow/")
        assert (status, resp) == (200, {})
        status, _, _ = search_datasets(s, {"experiment_ids": ["0"]})
        assert status == 404
    finally:
        s.stop()


def test_search_datasets_route_artifacts_only():
    s = Server(extra_args=("--artifacts-only",))
    try:
        status, headers, body = search_datasets(s, {"experiment_ids": ["0"]})
        assert status == 503 and headers["content-type"] == "text/html; charset=utf-8"
        assert body == (b"Endpoint: /ajax-api/2.0/mlflow/experiments/search-datasets disabled due to the mlflow "
                        b"server running in `--artifacts-only` mode. To enable tracking server functionality, "
                        b"run `mlflow server` without `--artifacts-only`")
    finally:
        s.stop()
