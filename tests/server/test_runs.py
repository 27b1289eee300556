"""The run rpcs (create, get, update, delete, restore) over HTTP, with MLflow's errors."""

import re
import time

from conftest import mlflow_error

SEE = " See the API docs for more information about request parameters."
MISSING_RUN_ID = "Missing value for required parameter 'run_id'." + SEE


def create_run(server, **kw):
    body = {"experiment_id": "0", **kw}
    status, _, resp = server.post("runs/create", body)
    assert status == 200, resp
    return resp["run"]


def get_run(server, run_id):
    status, _, body = server.get("runs/get", "run_id=" + run_id)
    assert status == 200, body
    return body["run"]


def db_row(server, sql, *args):
    return server.query1(sql, *args)


def test_create_run_shape(server):
    run = create_run(server, user_id="alice", tags=[{"key": "mlflow.user", "value": "alice"}, {"key": "k", "value": "v"}])
    info = run["info"]
    assert re.fullmatch(r"[0-9a-f]{32}", info["run_id"]) and info["run_uuid"] == info["run_id"]
    # a generated name: adjective-noun-number, at most 20 characters
    assert re.fullmatch(r"[a-z]+-[a-z]+-\d{1,4}", info["run_name"]) and len(info["run_name"]) <= 20
    assert info["experiment_id"] == "0" and info["user_id"] == "alice"
    assert info["status"] == "RUNNING" and info["lifecycle_stage"] == "active"
    assert info["start_time"] == 0  # _create_run passes the unset field on: 0, not now
    assert "end_time" not in info
    assert info["artifact_uri"] == "mlflow-artifacts:/0/" + info["run_id"] + "/artifacts"
    assert run["data"] == {"tags": [{"key": "mlflow.user", "value": "alice"}, {"key": "k", "value": "v"},
                                    {"key": "mlflow.runName", "value": info["run_name"]}]}
    # create_run's Run has empty inputs and no outputs
    assert run["inputs"] == {} and "outputs" not in run
    assert set(run) == {"info", "data", "inputs"}


def test_create_run_fields(server):
    run = create_run(server, run_name="my-run", start_time=1234)
    assert run["info"]["run_name"] == "my-run" and run["info"]["start_time"] == 1234
    assert run["info"]["user_id"] == ""
    assert {"key": "mlflow.runName", "value": "my-run"} in run["data"]["tags"]
    assert db_row(server, "SELECT name, source_type, status, experiment_id FROM runs WHERE run_uuid = ?",
                  run["info"]["run_id"]) == ("my-run", "UNKNOWN", "RUNNING", 0)
    # the name tag alone names the run and is not added twice
    run = create_run(server, tags=[{"key": "mlflow.runName", "value": "from-tag"}])
    assert run["info"]["run_name"] == "from-tag"
    assert run["data"]["tags"] == [{"key": "mlflow.runName", "value": "from-tag"}]
    # nested runs: the parent is a tag
    parent = run["info"]["run_id"]
    child = create_run(server, tags=[{"key": "mlflow.parentRunId", "value": parent}])
    assert {"key": "mlflow.parentRunId", "value": parent} in get_run(server, child["info"]["run_id"])["data"]["tags"]
    # ajax-api twin
    status, _, body = server.post("runs/create", {"experiment_id": "0"}, prefix="/ajax-api/2.0/mlflow/")
    assert status == 200 and body["run"]["info"]["status"] == "RUNNING"


def test_create_run_errors(server):
    status, _, body = server.post("runs/create", {"experiment_id": "0", "run_name": "a",
                                                  "tags": [{"key": "mlflow.runName", "value": "b"}]})
    assert (status, body) == (400, mlflow_error("INVALID_PARAMETER_VALUE", "Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values "
        "(run_name='a', mlflow.runName='b')."))
    status, _, body = server.post("runs/create", {"experiment_id": "424242"})
    assert (status, body) == (404, mlflow_error("RESOURCE_DOES_NOT_EXIST", "No Experiment with id=424242 exists"))
    status, _, body = server.post("experiments/create", {"name": "run-exp-deleted"})
    eid = body["experiment_id"]
    server.post("experiments/delete", {"experiment_id": eid})
    status, _, body = server.post("runs/create", {"experiment_id": eid})
    assert (status, body) == (400, mlflow_error("INVALID_PARAMETER_VALUE", f"The experiment {eid} must be in the 'active' state. Current state is deleted."))
    # a number where MLflow wants a string: the type check's message (MLflow 3.18 no longer stringifies ids)
    status, _, body = server.post("runs/create", {"experiment_id": "0", "run_name": 5})
    assert status == 400 and body["message"] == (
        "Invalid value 5 for parameter 'run_name' supplied:  Hint: Value was of type 'int'." + SEE)
    status, _, body = server.post("runs/create", {"experiment_id": 0})
    assert status == 400 and body["message"] == (
        "Invalid value 0 for parameter 'experiment_id' supplied:  Hint: Value was of type 'int'." + SEE)
    status, _, body = server.post("runs/create", {"experiment_id": "abc"})
    assert (status, body) == (400, mlflow_error("INVALID_PARAMETER_VALUE",
                                                "Invalid experiment ID 'abc'. Experiment ID must be a valid integer."))
    status, _, body = server.post("runs/create", {"experiment_id": "0", "start_time": "soon"})
    assert status == 400 and body["error_code"] == "INVALID_PARAMETER_VALUE"


def test_create_run_in_experiment(server):
    status, _, body = server.post("experiments/create", {"name": "run-exp", "artifact_location": "s3://bucket/path?x=1"})
    eid = body["experiment_id"]
    run = create_run(server, experiment_id=eid)
    assert run["info"]["experiment_id"] == eid
    # append_to_uri_path keeps the query after the path
    assert run["info"]["artifact_uri"] == f"s3://bucket/path/{run['info']['run_id']}/artifacts?x=1"


def test_get_run(server):
    run = create_run(server, run_name="full")
    rid = run["info"]["run_id"]
    server.post("runs/log-batch", {"run_id": rid, "metrics": [{"key": "m", "value": 1.5, "timestamp": 10, "step": 2}],
                                   "params": [{"key": "p", "value": "x"}], "tags": [{"key": "t", "value": "y"}]})
    got = get_run(server, rid)
    assert got["info"] == run["info"]
    assert got["data"] == {
        "metrics": [{"key": "m", "value": 1.5, "timestamp": 10, "step": 2}],
        "params": [{"key": "p", "value": "x"}],
        "tags": [{"key": "mlflow.runName", "value": "full"}, {"key": "t", "value": "y"}],
    }
    assert got["inputs"] == {} and got["outputs"] == {}
    # run_uuid is the legacy alias of run_id
    status, _, body = server.get("runs/get", "run_uuid=" + rid)
    assert status == 200 and body["run"]["info"]["run_id"] == rid
    status, _, body = server.get("runs/get", "run_id=" + rid, prefix="/ajax-api/2.0/mlflow/")
    assert status == 200 and body["run"]["info"]["run_id"] == rid


def test_get_run_errors(server):
    status, _, body = server.get("runs/get", "run_id=0123456789abcdef0123456789abcdef")
    assert (status, body) == (404, mlflow_error("RESOURCE_DOES_NOT_EXIST", "Run with id=0123456789abcdef0123456789abcdef not found"))
    status, _, body = server.get("runs/get", "")
    assert (status, body) == (400, mlflow_error("INVALID_PARAMETER_VALUE", MISSING_RUN_ID))
    status, _, body = server.post("runs/get", {})
    assert status == 405


def test_update_run(server):
    rid = create_run(server)["info"]["run_id"]
    status, _, body = server.post("runs/update", {"run_id": rid, "status": "FINISHED", "end_time": 5000,
                                                  "run_name": "renamed"})
    assert status == 200
    info = body["run_info"]
    assert info["status"] == "FINISHED" and info["end_time"] == 5000 and info["run_name"] == "renamed"
    assert set(body) == {"run_info"}
    got = get_run(server, rid)
    assert got["info"] == info
    assert {"key": "mlflow.runName", "value": "renamed"} in got["data"]["tags"]
    # only what is given changes
    status, _, body = server.post("runs/update", {"run_uuid": rid, "status": "KILLED"})
    assert status == 200 and body["run_info"]["status"] == "KILLED" and body["run_info"]["end_time"] == 5000
    assert body["run_info"]["run_name"] == "renamed"


def test_update_run_errors(server):
    rid = create_run(server)["info"]["run_id"]
    status, _, body = server.post("runs/update", {"status": "FINISHED"})
    assert (status, body["message"]) == (400, MISSING_RUN_ID)
    status, _, body = server.post("runs/update", {"run_id": "nope", "status": "FINISHED"})
    assert (status, body) == (404, mlflow_error("RESOURCE_DOES_NOT_EXIST", "Run with id=nope not found"))
    server.post("runs/delete", {"run_id": rid})
    status, _, body = server.post("runs/update", {"run_id": rid, "status": "FINISHED"})
    assert (status, body) == (400, mlflow_error("INVALID_PARAMETER_VALUE", f"The run {rid} must be in the 'active' state. Current state is deleted."))


def test_delete_restore_run(server):
    rid = create_run(server)["info"]["run_id"]
    before = int(time.time() * 1000)
    status, _, body = server.post("runs/delete", {"run_id": rid})
    assert (status, body) == (200, {})
    assert get_run(server, rid)["info"]["lifecycle_stage"] == "deleted"
    stage, deleted_time = db_row(server, "SELECT lifecycle_stage, deleted_time FROM runs WHERE run_uuid = ?", rid)
    assert stage == "deleted" and deleted_time >= before - 1
    # writes to a deleted run fail
    status, _, body = server.post("runs/log-metric", {"run_id": rid, "key": "m", "value": 1, "timestamp": 1})
    assert (status, body) == (400, mlflow_error("INVALID_PARAMETER_VALUE", f"The run {rid} must be in the 'active' state. Current state is deleted."))
    status, _, body = server.post("runs/restore", {"run_id": rid})
    assert (status, body) == (200, {})
    assert db_row(server, "SELECT lifecycle_stage, deleted_time FROM runs WHERE run_uuid = ?", rid) == ("active", None)
    assert get_run(server, rid)["info"]["lifecycle_stage"] == "active"


def test_delete_restore_errors(server):
    for path in ("runs/delete", "runs/restore"):
        status, _, body = server.post(path, {})
        assert (status, body["message"]) == (400, MISSING_RUN_ID)
        status, _, body = server.post(path, {"run_id": "missing"})
        assert (status, body) == (404, mlflow_error("RESOURCE_DOES_NOT_EXIST", "Run with id=missing not found"))


def test_experiment_delete_cascades_to_runs(server):
    status, _, body = server.post("experiments/create", {"name": "cascade"})
    eid = body["experiment_id"]
    rid = create_run(server, experiment_id=eid)["info"]["run_id"]
    server.post("experiments/delete", {"experiment_id": eid})
    assert get_run(server, rid)["info"]["lifecycle_stage"] == "deleted"
    server.post("experiments/restore", {"experiment_id": eid})
    assert get_run(server, rid)["info"]["lifecycle_stage"] == "active"
