"""Params and run tags over HTTP: log-parameter, set-tag, delete-tag and log-batch's params and tags
(immutable params, the run name tag, long values, MLflow's errors)."""

import pytest

from conftest import mlflow_error, Server

SEE = " See the API docs for more information about request parameters."
BAD_CHARS = ("Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), "
             "colon(:) and slashes (/).")


def new_run(server, **kw):
    status, _, body = server.post("runs/create", {"experiment_id": "0", **kw})
    assert status == 200
    return body["run"]["info"]["run_id"]


def data(server, rid):
    status, _, body = server.get("runs/get", "run_id=" + rid)
    assert status == 200
    return body["run"]["data"]


def params(server, rid):
    return {p["key"]: p["value"] for p in data(server, rid).get("params", [])}


def tags(server, rid):
    return {t["key"]: t["value"] for t in data(server, rid).get("tags", [])}


def test_log_param(server):
    rid = new_run(server)
    for _ in range(2):  # the same value again is fine
        status, _, body = server.post("runs/log-parameter", {"run_id": rid, "key": "lr", "value": "0.1"})
        assert (status, body) == (200, {})
    status, _, body = server.post("runs/log-parameter", {"run_id": rid, "key": "lr", "value": "0.2"})
    assert (status, body) == (400, mlflow_error("INVALID_PARAMETER_VALUE", f"Changing param values is not allowed. Param with key='lr' was already logged with value='0.1' for run "
        f"ID='{rid}'. Attempted logging new value '0.2'."))
    # an absent value is "", as the proto reads it; run_uuid is the legacy alias
    status, _, _ = server.post("runs/log-parameter", {"run_uuid": rid, "key": "empty"})
    assert status == 200
    assert params(server, rid) == {"lr": "0.1", "empty": ""}


def test_log_param_errors(server):
    rid = new_run(server)

    def err(body):
        status, _, resp = server.post("runs/log-parameter", {"run_id": rid, "value": "v", **body})
        assert status == 400, resp
        return resp["message"]

    assert err({"key": "a/b?"}) == f'Invalid value "a/b?" for parameter \'key\' supplied: {BAD_CHARS}'
    assert err({"key": "a//b"}) == (
        "Invalid value \"a//b\" for parameter 'key' supplied: Names may be treated as files in certain cases, and "
        "must not resolve to other names when treated as such. This name would resolve to 'a/b'")
    assert err({"key": "k" * 251}) == "'Param key' exceeds the maximum length of 250 characters"
    assert err({}) == "Missing value for required parameter 'key'." + SEE
    status, _, body = server.post("runs/log-parameter", {"key": "k", "value": "v"})
    assert (status, body["message"]) == (400, "Missing value for required parameter 'run_id'." + SEE)
    status, _, body = server.post("runs/log-parameter", {"run_id": "nope", "key": "k", "value": "v"})
    assert (status, body["message"]) == (404, "Run with id=nope not found")


def test_long_values_truncated(server):
    rid = new_run(server)
    long = "é" * 7000  # counted in characters, not bytes
    status, _, _ = server.post("runs/log-parameter", {"run_id": rid, "key": "p", "value": long})
    assert status == 200
    status, _, _ = server.post("runs/set-tag", {"run_id": rid, "key": "t", "value": "x" * 9000})
    assert status == 200
    status, _, _ = server.post("runs/log-batch", {"run_id": rid, "params": [{"key": "bp", "value": "y" * 6001}],
                                                  "tags": [{"key": "bt", "value": "z" * 8001}]})
    assert status == 200
    assert params(server, rid)["p"] == "é" * 6000
    assert params(server, rid)["bp"] == "y" * 6000
    assert tags(server, rid)["t"] == "x" * 8000
    assert tags(server, rid)["bt"] == "z" * 8000
    # re-logging the long value matches what was kept
    status, _, _ = server.post("runs/log-parameter", {"run_id": rid, "key": "p", "value": long})
    assert status == 200


@pytest.fixture(scope="module")
def strict_server():
    mp = pytest.MonkeyPatch()
    mp.setenv("MLFLOW_TRUNCATE_LONG_VALUES", "false")
    s = Server()
    mp.undo()
    yield s
    s.stop()


def test_long_values_refused_without_truncation(strict_server):
    s = strict_server
    rid = new_run(s)
    status, _, body = s.post("runs/log-parameter", {"run_id": rid, "key": "p", "value": "v" * 6001})
    assert (status, body) == (400, mlflow_error("INVALID_PARAMETER_VALUE", "'Param value' exceeds the maximum length of 6000 characters"))
    status, _, body = s.post("runs/set-tag", {"run_id": rid, "key": "t", "value": "v" * 8001})
    assert (status, body["message"]) == (400, "'value' exceeds the maximum length of 8000 characters")
    status, _, body = s.post("runs/log-batch", {"run_id": rid, "tags": [{"key": "ok", "value": "v"},
                                                                      {"key": "t", "value": "v" * 8001}]})
    assert (status, body["message"]) == (400, "'tags[1].value' exceeds the maximum length of 8000 characters")
    status, _, body = s.post("runs/log-parameter", {"run_id": rid, "key": "p", "value": "v" * 6000})
    assert status == 200


def test_set_tag(server):
    rid = new_run(server, run_name="first")
    for value in ("1", "2"):
        status, _, body = server.post("runs/set-tag", {"run_id": rid, "key": "k", "value": value})
        assert (status, body) == (200, {})
    assert tags(server, rid)["k"] == "2"
    # the run name tag renames the run
    status, _, _ = server.post("runs/set-tag", {"run_id": rid, "key": "mlflow.runName", "value": "second"})
    assert status == 200
    status, _, body = server.get("runs/get", "run_id=" + rid)
    assert body["run"]["info"]["run_name"] == "second" and tags(server, rid)["mlflow.runName"] == "second"
    # an empty one is ignored (update_run_info renames only to a non-empty name)
    status, _, _ = server.post("runs/set-tag", {"run_id": rid, "key": "mlflow.runName", "value": ""})
    assert status == 200 and tags(server, rid)["mlflow.runName"] == "second"
    # a tag without value is ""
    status, _, _ = server.post("runs/set-tag", {"run_uuid": rid, "key": "novalue"})
    assert status == 200 and tags(server, rid)["novalue"] == ""


def test_set_tag_errors(server):
    rid = new_run(server)
    status, _, body = server.post("runs/set-tag", {"run_id": rid, "key": "bad key!", "value": "v"})
    assert (status, body["message"]) == (400, f'Invalid value "bad key!" for parameter \'key\' supplied: {BAD_CHARS}')
    status, _, body = server.post("runs/set-tag", {"run_id": rid, "key": "k" * 251, "value": "v"})
    assert (status, body["message"]) == (400, "'key' exceeds the maximum length of 250 characters")
    status, _, body = server.post("runs/set-tag", {"run_id": rid, "value": "v"})
    assert (status, body["message"]) == (400, "Missing value for required parameter 'key'." + SEE)
    server.post("runs/delete", {"run_id": rid})
    status, _, body = server.post("runs/set-tag", {"run_id": rid, "key": "k", "value": "v"})
    assert (status, body["message"]) == (400, f"The run {rid} must be in the 'active' state. Current state is deleted.")


def test_delete_tag(server):
    rid = new_run(server)
    server.post("runs/set-tag", {"run_id": rid, "key": "k", "value": "v"})
    status, _, body = server.post("runs/delete-tag", {"run_id": rid, "key": "k"})
    assert (status, body) == (200, {})
    assert "k" not in tags(server, rid)
    status, _, body = server.post("runs/delete-tag", {"run_id": rid, "key": "k"})
    assert (status, body) == (404, mlflow_error("RESOURCE_DOES_NOT_EXIST", f"No tag with name: k in run with id {rid}"))
    status, _, body = server.post("runs/delete-tag", {"run_id": rid})
    assert (status, body["message"]) == (400, "Missing value for required parameter 'key'." + SEE)
    status, _, body = server.post("runs/delete-tag", {"run_id": "nope", "key": "k"})
    assert (status, body["message"]) == (404, "Run with id=nope not found")
    server.post("runs/delete", {"run_id": rid})
    status, _, body = server.post("runs/delete-tag", {"run_id": rid, "key": "mlflow.runName"})
    assert status == 400 and body["message"].endswith("must be in the 'active' state. Current state is deleted.")


def test_log_batch_params_and_tags(server):
    rid = new_run(server)
    status, _, body = server.post("runs/log-batch", {
        "run_id": rid,
        "params": [{"key": "a", "value": "1"}, {"key": "b", "value": "2"}],
        "tags": [{"key": "t", "value": "x"}, {"key": "mlflow.runName", "value": "batch"}, {"key": "t", "value": "y"}],
    })
    assert (status, body) == (200, {})
    assert params(server, rid) == {"a": "1", "b": "2"}
    got = tags(server, rid)
    assert got["t"] == "y" and got["mlflow.runName"] == "batch"
    status, _, body = server.get("runs/get", "run_id=" + rid)
    assert body["run"]["info"]["run_name"] == "batch"
    # re-sending the same params is fine
    status, _, _ = server.post("runs/log-batch", {"run_id": rid, "params": [{"key": "a", "value": "1"}]})
    assert status == 200


def test_log_batch_param_errors(server):
    rid = new_run(server)
    server.post("runs/log-batch", {"run_id": rid, "params": [{"key": "a", "value": "1"}, {"key": "b", "value": "2"}]})

    def err(body):
        status, _, resp = server.post("runs/log-batch", {"run_id": rid, **body})
        assert status == 400, resp
        return resp["message"]

    assert err({"params": [{"key": "a", "value": "9"}, {"key": "b", "value": "8"}, {"key": "c", "value": "3"}],
                "metrics": [{"key": "m", "value": 1, "timestamp": 1}]}) == (
        "Changing param values is not allowed. Params were already logged='[{'key': 'a', 'old_value': '1', "
        "'new_value': '9'}, {'key': 'b', 'old_value': '2', 'new_value': '8'}]' for run ID='" + rid + "'.")
    # the batch is all or nothing
    assert "c" not in params(server, rid) and "metrics" not in data(server, rid)
    assert err({"params": [{"key": "x", "value": "1"}, {"key": "x", "value": "1"}, {"key": "y"},
                           {"key": "x", "value": "2"}]}) == (
        "Duplicate parameter keys have been submitted: ['x', 'x']. Please ensure the request contains only one "
        "param value per param key.")
    assert err({"params": [{"value": "1"}]}) == "Missing value for required parameter 'params[0].key'." + SEE
    assert err({"tags": [{"key": "ok"}, {"value": "1"}]}) == "Missing value for required parameter 'tags[1].key'." + SEE
    assert err({"params": [{"key": "ok", "value": "1"}, {"key": "bad?", "value": "1"}]}) == (
        f'Invalid value "bad?" for parameter \'params[1].key\' supplied: {BAD_CHARS}')
    assert err({"tags": [{"key": "bad?", "value": "1"}]}) == (
        f'Invalid value "bad?" for parameter \'tags[0].key\' supplied: {BAD_CHARS}')
    assert err({"tags": [{"key": "k" * 251, "value": "1"}]}) == (
        "'tags[0].key' exceeds the maximum length of 250 characters")
    assert err({"params": [{"key": f"p{i}", "value": "1"} for i in range(101)]}) == (
        "A batch logging request can contain at most 100 params. Got 101 params. Please split up params across "
        "multiple requests and try again.")
    assert err({"tags": [{"key": f"t{i}", "value": "1"} for i in range(101)]}) == (
        "A batch logging request can contain at most 100 tags. Got 101 tags. Please split up tags across multiple "
        "requests and try again.")
