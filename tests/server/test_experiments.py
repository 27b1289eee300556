"""Every experiment rpc over HTTP against the real server, with MLflow's errors."""

import pytest

from conftest import mlflow_error, has_unique_violation

SEE = " See the API docs for more information about request parameters."


def create(server, name, **kw):
    status, _, body = server.post("experiments/create", {"name": name, **kw})
    assert status == 200, body
    return body["experiment_id"]


def get(server, eid):
    return server.get("experiments/get", "experiment_id=" + eid)


def test_default_experiment_exists(server):
    status, _, body = get(server, "0")
    assert status == 200
    exp = body["experiment"]
    assert exp["experiment_id"] == "0" and exp["name"] == "Default" and exp["lifecycle_stage"] == "active"
    assert exp["artifact_location"].endswith("/0")


def test_create_and_get(server):
    eid = create(server, "exp-a", tags=[{"key": "team", "value": "ml"}])
    status, _, body = get(server, eid)
    assert status == 200
    exp = body["experiment"]
    assert exp["name"] == "exp-a" and exp["lifecycle_stage"] == "active"
    assert exp["tags"] == [{"key": "team", "value": "ml"}]
    assert exp["artifact_location"] == "mlflow-artifacts:/" + eid
    assert isinstance(exp["creation_time"], int) and exp["creation_time"] == exp["last_update_time"]
    status, _, body = server.get("experiments/get-by-name", "experiment_name=exp-a")
    assert status == 200 and body["experiment"]["experiment_id"] == eid


def test_create_errors(server):
    status, _, body = server.post("experiments/create", {})
    assert (status, body["error_code"]) == (400, "INVALID_PARAMETER_VALUE")
    assert body["message"] == "Missing value for required parameter 'name'." + SEE
    status, _, body = server.post("experiments/create", {"name": ""})
    assert status == 400 and body["message"] == "Missing value for required parameter 'name'." + SEE
    create(server, "dup")
    status, _, body = server.post("experiments/create", {"name": "dup"})
    assert (status, body["error_code"]) == (400, "RESOURCE_ALREADY_EXISTS")
    assert body["message"].startswith("Experiment(name=dup) already exists.")
    status, _, body = server.post("experiments/create", {"name": "x" * 501})
    assert (status, body["error_code"]) == (400, "INVALID_PARAMETER_VALUE")
    assert "'name' exceeds the maximum length of 500 characters" in body["message"]
    status, _, body = server.post("experiments/create", {"name": "frag", "artifact_location": "s3://b/p#frag"})
    assert status == 400


def test_get_errors(server):
    status, _, body = get(server, "987654")
    assert (status, body) == (404, mlflow_error("RESOURCE_DOES_NOT_EXIST", "No Experiment with id=987654 exists"))
    status, _, body = server.get("experiments/get", "")
    assert status == 400 and body["message"] == "Missing value for required parameter 'experiment_id'." + SEE
    status, _, body = server.get("experiments/get-by-name", "experiment_name=nope-nope")
    assert (status, body) == (404, mlflow_error("RESOURCE_DOES_NOT_EXIST", "Could not find experiment with name 'nope-nope'"))


def test_delete_restore(server):
    eid = create(server, "to-delete")
    status, _, body = server.post("experiments/delete", {"experiment_id": eid})
    assert (status, body) == (200, {})
    status, _, body = get(server, eid)
    assert body["experiment"]["lifecycle_stage"] == "deleted"
    status, _, body = server.post("experiments/set-experiment-tag", {"experiment_id": eid, "key": "k", "value": "v"})
    assert status == 400 and "must be in the 'active' state" in body["message"]
    status, _, body = server.post("experiments/update", {"experiment_id": eid, "new_name": "x"})
    assert (status, body["error_code"]) == (500, "INVALID_STATE")
    status, _, body = server.post("experiments/restore", {"experiment_id": eid})
    assert (status, body) == (200, {})
    status, _, body = get(server, eid)
    assert body["experiment"]["lifecycle_stage"] == "active"
    status, _, body = server.post("experiments/delete", {"experiment_id": "424242"})
    assert status == 404 and body["error_code"] == "RESOURCE_DOES_NOT_EXIST"


def test_update(server):
    eid = create(server, "old-name")
    status, _, body = server.post("experiments/update", {"experiment_id": eid, "new_name": "new-name"})
    assert (status, body) == (200, {})
    assert get(server, eid)[2]["experiment"]["name"] == "new-name"
    status, _, body = server.post("experiments/update", {"experiment_id": eid})
    assert status == 400 and body["message"] == "Missing value for required parameter 'new_name'." + SEE
    create(server, "taken-name")
    status, _, body = server.post("experiments/update", {"experiment_id": eid, "new_name": "taken-name"})
    # MLflow's session wrapper turns the IntegrityError into BAD_REQUEST
    assert (status, body["error_code"]) == (400, "BAD_REQUEST")
    assert has_unique_violation(body["message"], "UNIQUE constraint failed: experiments.workspace, experiments.name"), \
        body["message"]


def test_tags(server):
    eid = create(server, "tagged")
    for k, v in (("a", "1"), ("b", "2"), ("a", "3")):
        status, _, body = server.post("experiments/set-experiment-tag", {"experiment_id": eid, "key": k, "value": v})
        assert (status, body) == (200, {})
    tags = {t["key"]: t["value"] for t in get(server, eid)[2]["experiment"]["tags"]}
    assert tags == {"a": "3", "b": "2"}
    status, _, body = server.post("experiments/delete-experiment-tag", {"experiment_id": eid, "key": "a"})
    assert (status, body) == (200, {})
    tags = {t["key"]: t["value"] for t in get(server, eid)[2]["experiment"]["tags"]}
    assert tags == {"b": "2"}
    status, _, body = server.post("experiments/delete-experiment-tag", {"experiment_id": eid, "key": "zz"})
    assert (status, body["error_code"]) == (404, "RESOURCE_DOES_NOT_EXIST")
    status, _, body = server.post("experiments/set-experiment-tag", {"experiment_id": eid, "key": "k" * 251, "value": "v"})
    assert status == 400 and body["error_code"] == "INVALID_PARAMETER_VALUE"
    status, _, body = server.post("experiments/set-experiment-tag", {"experiment_id": eid, "key": "k", "value": "v" * 20001})
    assert (status, body) == (400, mlflow_error("INVALID_PARAMETER_VALUE",
                                                "'value' exceeds the maximum length of 20000 characters"))
    status, _, body = server.post("experiments/set-experiment-tag", {"experiment_id": eid, "key": "../x", "value": "v"})
    assert status == 400
    status, _, body = server.post("experiments/set-experiment-tag", {"experiment_id": eid, "value": "v"})
    assert status == 400 and body["message"] == "Missing value for required parameter 'key'." + SEE


def test_search(fresh_server):
    s = fresh_server
    ids = [create(s, f"search-{i}", tags=[{"key": "parity", "value": "even" if i % 2 == 0 else "odd"}])
           for i in range(7)]
    status, _, body = s.post("experiments/search", {"max_results": 100})
    assert status == 200
    names = [e["name"] for e in body["experiments"]]
    # default order: creation_time DESC, then experiment_id
    assert names[-1] == "Default" and len(names) == 8
    status, _, body = s.post("experiments/search", {"max_results": 100, "filter": "name LIKE 'search-%'",
                                                    "order_by": ["name ASC"]})
    assert [e["name"] for e in body["experiments"]] == [f"search-{i}" for i in range(7)]
    status, _, body = s.post("experiments/search", {"max_results": 100, "filter": "tags.parity = 'odd'"})
    assert sorted(e["name"] for e in body["experiments"]) == ["search-1", "search-3", "search-5"]
    status, _, body = s.post("experiments/search", {"max_results": 100, "filter": "name ILIKE 'SEARCH-1'"})
    assert [e["name"] for e in body["experiments"]] == ["search-1"]
    status, _, body = s.post("experiments/search", {"max_results": 100, "filter": "name LIKE 'SEARCH-1'"})
    assert body == {}

    # paging
    seen = []
    token = None
    while True:
        req = {"max_results": 3, "order_by": ["name"]}
        if token:
            req["page_token"] = token
        status, _, body = s.post("experiments/search", req)
        assert status == 200
        seen += [e["name"] for e in body.get("experiments", [])]
        token = body.get("next_page_token")
        if not token:
            break
    assert seen == sorted(seen) and len(seen) == 8

    # view types
    s.post("experiments/delete", {"experiment_id": ids[0]})
    status, _, body = s.post("experiments/search", {"max_results": 100, "view_type": "DELETED_ONLY"})
    assert [e["name"] for e in body["experiments"]] == ["search-0"]
    status, _, body = s.post("experiments/search", {"max_results": 100, "view_type": "ALL"})
    assert len(body["experiments"]) == 8
    status, _, body = s.get("experiments/search", "max_results=100&view_type=ACTIVE_ONLY")
    assert len(body["experiments"]) == 7

    # errors
    status, _, body = s.post("experiments/search", {"max_results": 100, "filter": "name = 'a' OR name = 'b'"})
    assert (status, body["error_code"]) == (400, "INVALID_PARAMETER_VALUE")
    status, _, body = s.post("experiments/search", {"max_results": 100, "filter": "foo = 'a'"})
    assert status == 400 and "Invalid attribute key" in body["message"]
    status, _, body = s.post("experiments/search", {"max_results": 0})
    assert status == 400 and body["message"] == (
        "Invalid value 0 for parameter 'max_results' supplied. It must be a positive integer")
    status, _, body = s.post("experiments/search", {"max_results": 50001})
    assert status == 400 and "It must be at most 50000" in body["message"]
    status, _, body = s.post("experiments/search", {"max_results": 10, "page_token": "not-a-token"})
    assert status == 400 and body["error_code"] == "INVALID_PARAMETER_VALUE"
    status, _, body = s.post("experiments/search", {"max_results": 10, "order_by": ["nope DESC"]})
    assert status == 400 and body["error_code"] == "INVALID_PARAMETER_VALUE"
