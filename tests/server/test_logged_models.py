"""Logged models over HTTP: create, get, finalize, delete, tags, params and
searchLoggedModels (filter grammar, datasets, order_by, page tokens,
max_results), with MLflow's codes and messages."""

import base64
import json
import time

import pytest

from conftest import NEGATIVE_LIMIT, PG, has_unique_violation

SEE = " See the API docs for more information about request parameters."
LM = "logged-models"


def ok(server, method, path, body=None):
    status, _, resp = server.request(method, "/api/2.0/mlflow/" + path, body)
    assert status == 200, (method, path, body, resp)
    return resp


def error(server, method, path, body, status, code, message=None):
    got, _, resp = server.request(method, "/api/2.0/mlflow/" + path, body)
    if status == 500 and not isinstance(resp, dict):
        return None  # MLflow's own 500 page for an exception it does not catch
    assert (got, resp.get("error_code")) == (status, code), resp
    if message is not None:
        assert resp["message"] == message
    return resp["message"]


def new_experiment(server, name):
    return ok(server, "POST", "experiments/create", {"name": name})["experiment_id"]


def create(server, exp, **fields):
    return ok(server, "POST", LM, {"experiment_id": exp, **fields})["model"]


def get(server, model_id):
    return ok(server, "GET", LM + "/" + model_id)["model"]


def search(server, body):
    return ok(server, "POST", LM + "/search", body)


def names(resp):
    return [m["info"]["name"] for m in resp.get("models", [])]


def search_error(server, body, status, code, message=None):
    return error(server, "POST", LM + "/search", body, status, code, message)


# ---- create / get ----

def test_create_and_get(server):
    exp = new_experiment(server, "lm-create")
    model = create(server, exp, name="m1", model_type="sk", source_run_id="r1",
                   params=[{"key": "b", "value": "2"}, {"key": "a", "value": "1"}],
                   tags=[{"key": "z", "value": "1"}, {"key": "y", "value": "2"}])
    info = model["info"]
    assert info["model_id"].startswith("m-") and len(info["model_id"]) == 34
    assert info["experiment_id"] == exp
    assert info["name"] == "m1"
    assert info["status"] == "LOGGED_MODEL_PENDING"
    assert info["model_type"] == "sk" and info["source_run_id"] == "r1"
    assert info["creation_timestamp_ms"] == info["last_updated_timestamp_ms"] > 0
    assert info["artifact_uri"].endswith("/%s/models/%s/artifacts" % (exp, info["model_id"]))
    # tags and params come back by key, as SQLite reads them through the primary key
    assert info["tags"] == [{"key": "y", "value": "2"}, {"key": "z", "value": "1"}]
    assert model["data"] == {"params": [{"key": "a", "value": "1"}, {"key": "b", "value": "2"}]}
    assert get(server, info["model_id"]) == model


def test_create_defaults(server):
    exp = new_experiment(server, "lm-defaults")
    info = create(server, exp)["info"]
    # a generated name; model_type and source_run_id are the proto's "" (the handler passes them on)
    assert len(info["name"].split("-")) == 3
    assert info["model_type"] == "" and info["source_run_id"] == ""
    assert "tags" not in info
    assert create(server, exp, name="")["info"]["name"] != ""


@pytest.mark.parametrize("name", ["a/b", "a:b", "a.b", "a%b", 'a"b', "a'b"])
def test_create_bad_name(server, name):
    exp = new_experiment(server, "lm-badname-" + str(abs(hash(name))))
    msg = error(server, "POST", LM, {"experiment_id": exp, "name": name}, 400, "INVALID_PARAMETER_VALUE")
    assert msg.startswith("Invalid model name (%r) provided. Model name must be a non-empty string" % name)
    assert msg.endswith("cannot contain the following characters: ('/', ':', '.', '%', '\"', \"'\")")


def test_create_errors(server):
    error(server, "POST", LM, {}, 400, "INVALID_PARAMETER_VALUE",
          "Missing value for required parameter 'experiment_id'." + SEE)
    error(server, "POST", LM, {"experiment_id": "98765"}, 404, "RESOURCE_DOES_NOT_EXIST",
          "No Experiment with id=98765 exists")
    exp = new_experiment(server, "lm-deleted-exp")
    ok(server, "POST", "experiments/delete", {"experiment_id": exp})
    error(server, "POST", LM, {"experiment_id": exp}, 400, "INVALID_PARAMETER_VALUE",
          "The experiment %s must be in the 'active' state. Current state is deleted." % exp)
    # a number where a string is expected: MLflow 3.18's type check (ids are no longer stringified)
    eid = int(new_experiment(server, "lm-int-id"))
    error(server, "POST", LM, {"experiment_id": eid}, 400, "INVALID_PARAMETER_VALUE",
          f"Invalid value {eid} for parameter 'experiment_id' supplied:  Hint: Value was of type 'int'. "
          "See the API docs for more information about request parameters.")
    exp = new_experiment(server, "lm-dup-param")
    msg = error(server, "POST", LM, {"experiment_id": exp, "params": [{"key": "a", "value": "1"}] * 2},
                400, "BAD_REQUEST")
    assert has_unique_violation(msg, "UNIQUE constraint failed: logged_model_params"), msg


def test_get_missing(server):
    error(server, "GET", LM + "/nope", None, 404, "RESOURCE_DOES_NOT_EXIST", "Logged model with ID 'nope' not found.")


# ---- finalize ----

def test_finalize(server):
    exp = new_experiment(server, "lm-finalize")
    model_id = create(server, exp)["info"]["model_id"]
    before = get(server, model_id)["info"]["last_updated_timestamp_ms"]
    model = ok(server, "PATCH", LM + "/" + model_id, {"model_id": model_id, "status": "LOGGED_MODEL_READY"})["model"]
    assert model["info"]["status"] == "LOGGED_MODEL_READY"
    assert model["info"]["last_updated_timestamp_ms"] >= before
    assert get(server, model_id) == model
    model = ok(server, "PATCH", LM + "/" + model_id, {"model_id": model_id, "status": 3})["model"]
    assert model["info"]["status"] == "LOGGED_MODEL_UPLOAD_FAILED"


def test_finalize_errors(server):
    exp = new_experiment(server, "lm-finalize-errors")
    model_id = create(server, exp)["info"]["model_id"]
    # the handler reads model_id from the body, not the path
    error(server, "PATCH", LM + "/" + model_id, {"status": 2}, 400, "INVALID_PARAMETER_VALUE",
          "Missing value for required parameter 'model_id'." + SEE)
    error(server, "PATCH", LM + "/nope", {"model_id": "nope", "status": 2}, 404, "RESOURCE_DOES_NOT_EXIST",
          "Logged model with ID 'nope' not found.")
    # an unknown status name is dropped by ParseDict (MLflow 3.18): the status stays unset
    model = ok(server, "PATCH", LM + "/" + model_id, {"model_id": model_id, "status": "BAD"})["model"]
    assert model["info"]["status"] == "LOGGED_MODEL_STATUS_UNSPECIFIED"
    error(server, "PATCH", LM + "/" + model_id, {"model_id": model_id}, 400, "INVALID_PARAMETER_VALUE",
          "Missing value for required parameter 'status'." + SEE)
    model = ok(server, "PATCH", LM + "/" + model_id, {"model_id": model_id, "status": 0})["model"]
    assert model["info"]["status"] == "LOGGED_MODEL_STATUS_UNSPECIFIED"


# ---- delete ----

def test_delete(server):
    exp = new_experiment(server, "lm-delete")
    model_id = create(server, exp)["info"]["model_id"]
    assert ok(server, "DELETE", LM + "/" + model_id) == {}
    error(server, "GET", LM + "/" + model_id, None, 404, "RESOURCE_DOES_NOT_EXIST",
          "Logged model with ID '%s' not found." % model_id)
    # ?allow_deleted=true (any case) finds it; other values do not
    assert ok(server, "GET", LM + "/" + model_id + "?allow_deleted=TRUE")["model"]["info"]["model_id"] == model_id
    error(server, "GET", LM + "/" + model_id + "?allow_deleted=1", None, 404, "RESOURCE_DOES_NOT_EXIST")
    # session.get finds deleted models: deleting again, tagging and finalizing still work
    assert ok(server, "DELETE", LM + "/" + model_id) == {}
    ok(server, "PATCH", LM + "/" + model_id + "/tags", {"tags": [{"key": "k", "value": "v"}]})
    error(server, "DELETE", LM + "/nope", None, 404, "RESOURCE_DOES_NOT_EXIST",
          "Logged model with ID 'nope' not found.")
    assert names(search(server, {"experiment_ids": [exp]})) == []


# ---- tags ----

def test_set_and_delete_tags(server):
    exp = new_experiment(server, "lm-tags")
    model_id = create(server, exp, tags=[{"key": "a", "value": "1"}])["info"]["model_id"]
    path = LM + "/" + model_id + "/tags"
    assert ok(server, "PATCH", path, {"tags": [{"key": "b", "value": "1"}, {"key": "b", "value": "2"},
                                              {"key": "a", "value": "3"}]}) == {}
    assert get(server, model_id)["info"]["tags"] == [{"key": "a", "value": "3"}, {"key": "b", "value": "2"}]
    assert ok(server, "DELETE", path + "/a") == {}
    assert get(server, model_id)["info"]["tags"] == [{"key": "b", "value": "2"}]
    error(server, "DELETE", path + "/a", None, 404, "RESOURCE_DOES_NOT_EXIST",
          "No tag with key 'a' found for model with ID '%s'." % model_id)
    error(server, "DELETE", LM + "/nope/tags/a", None, 404, "RESOURCE_DOES_NOT_EXIST",
          "Logged model with ID 'nope' not found.")
    error(server, "PATCH", LM + "/nope/tags", {"tags": [{"key": "a", "value": "1"}]}, 404,
          "RESOURCE_DOES_NOT_EXIST", "Logged model with ID 'nope' not found.")
    error(server, "PATCH", path, {"tags": "x"}, 400, "INVALID_PARAMETER_VALUE")


# ---- params ----

def test_log_params(server):
    exp = new_experiment(server, "lm-params")
    model_id = create(server, exp)["info"]["model_id"]
    path = LM + "/" + model_id + "/params"
    assert ok(server, "POST", path, {"model_id": model_id, "params": [{"key": "p", "value": "1"}]}) == {}
    assert ok(server, "POST", path, {"model_id": model_id}) == {}
    assert get(server, model_id)["data"]["params"] == [{"key": "p", "value": "1"}]
    msg = error(server, "POST", path, {"model_id": model_id, "params": [{"key": "p", "value": "2"}]}, 400,
                "BAD_REQUEST")
    assert has_unique_violation(msg, "UNIQUE constraint failed"), msg
    error(server, "POST", path, {"params": [{"key": "q", "value": "1"}]}, 400, "INVALID_PARAMETER_VALUE",
          "Missing value for required parameter 'model_id'." + SEE)
    error(server, "POST", LM + "/nope/params", {"model_id": "nope", "params": []}, 404,
          "RESOURCE_DOES_NOT_EXIST", "Logged model with ID 'nope' not found.")


# ---- search ----

@pytest.fixture(scope="module")
def world(server):
    """Two experiments; alpha (ready, metrics on ds/d1), beta (metric without dataset), gamma in e2."""
    e1 = new_experiment(server, "lm-search-1")
    e2 = new_experiment(server, "lm-search-2")
    run = ok(server, "POST", "runs/create", {"experiment_id": e1, "start_time": 1})["run"]["info"]["run_id"]
    # models created in the same millisecond would tie in the default order
    alpha = create(server, e1, name="alpha", model_type="sk", params=[{"key": "lr", "value": "0.1"}],
                   tags=[{"key": "t", "value": "x"}])["info"]["model_id"]
    time.sleep(0.01)
    beta = create(server, e1, name="beta", params=[{"key": "lr", "value": "0.2"}])["info"]["model_id"]
    time.sleep(0.01)
    gamma = create(server, e2, name="gamma")["info"]["model_id"]
    ok(server, "PATCH", LM + "/" + alpha, {"model_id": alpha, "status": "LOGGED_MODEL_READY"})
    for value, ts, step, model, ds in [(0.5, 1, 0, alpha, ("ds", "d1")), (0.7, 2, 1, alpha, ("ds", "d1")),
                                       (0.9, 1, 0, beta, None)]:
        metric = {"run_id": run, "key": "acc", "value": value, "timestamp": ts, "step": step, "model_id": model}
        if ds:
            metric.update(dataset_name=ds[0], dataset_digest=ds[1])
        ok(server, "POST", "runs/log-metric", metric)
    ok(server, "POST", "runs/log-metric", {"run_id": run, "key": "loss", "value": 0.3, "timestamp": 1, "step": 0,
                                          "model_id": beta, "dataset_name": "ds2", "dataset_digest": "d2"})
    return {"e1": e1, "e2": e2, "run": run, "alpha": alpha, "beta": beta, "gamma": gamma}


def test_search_basic(server, world):
    resp = search(server, {"experiment_ids": [world["e1"], world["e2"]]})
    # newest first
    assert names(resp) == ["gamma", "beta", "alpha"]
    assert "next_page_token" not in resp
    alpha = resp["models"][2]
    assert alpha == get(server, world["alpha"])
    metrics = alpha["data"]["metrics"]
    assert [(m["value"], m["step"]) for m in metrics] == [(0.5, 0), (0.7, 1)]
    assert metrics[0] == {"key": "acc", "value": 0.5, "timestamp": 1, "step": 0, "dataset_name": "ds",
                          "dataset_digest": "d1", "model_id": world["alpha"], "run_id": world["run"]}
    assert "dataset_name" not in resp["models"][1]["data"]["metrics"][0]


@pytest.mark.parametrize("flt, want", [
    ("metrics.acc > 0.6", ["beta", "alpha"]),
    ("metrics.acc >= 0.9", ["beta"]),
    ("metrics.loss < 1", ["beta"]),
    ("params.lr = '0.1'", ["alpha"]),
    ("params.lr LIKE '0.%' AND name = 'beta'", ["beta"]),
    ("tags.t = 'x'", ["alpha"]),
    ("tags.t != 'x'", []),
    ("name = 'alpha'", ["alpha"]),
    ("attributes.name = 'alpha'", ["alpha"]),
    ("name != 'alpha'", ["beta"]),
    ("name IN ('alpha', 'beta')", ["beta", "alpha"]),
    ("name NOT IN ('alpha')", ["beta"]),
    ("name IN ('alpha')", ["alpha"]),
    ("name LIKE 'a%'", ["alpha"]),
    ("name LIKE 'A%'", []),
    ("name ILIKE 'ALP%'", ["alpha"]),
    ("model_type = 'sk'", ["alpha"]),
    ("status = 'READY'", ["alpha"]),
    ("status IN ('PENDING', 'FAILED')", ["beta"]),
    ("creation_time > 0", ["beta", "alpha"]),
    ("creation_timestamp > 1e3 AND last_updated_timestamp < inf", ["beta", "alpha"]),
    ("`name` = 'beta'", ["beta"]),
    ("metrics.`acc` > 0.8", ["beta"]),
    ("name = \"alpha\"", []),
])
def test_search_filter(server, world, flt, want):
    assert names(search(server, {"experiment_ids": [world["e1"]], "filter": flt})) == want


@pytest.mark.parametrize("flt, status, code, message", [
    ("bad.x = 'a'", 400, "INVALID_PARAMETER_VALUE",
     "Invalid entity type: 'bad'. Expected one of ['attributes', 'metrics', 'params', 'tags']."),
    ("name > 'a'", 400, "INVALID_PARAMETER_VALUE",
     "Invalid comparison operator for attributes.name: '>'. Expected one of "
     "('=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN')."),
    ("metrics.acc LIKE 'a'", 400, "INVALID_PARAMETER_VALUE",
     "Invalid comparison operator for metrics.acc: 'LIKE'. Expected one of "
     "('<', '<=', '>', '>=', '=', '!=')."),
    ("status = '2'", 400, "INVALID_PARAMETER_VALUE", "Unknown model status in filter: '2'"),
    ("status LIKE 'READY'", 400, "INVALID_PARAMETER_VALUE", "Invalid comparison operator for status: LIKE"),
    ("name like 'a%'", 400, "INVALID_PARAMETER_VALUE",
     "Invalid comparison operator for attributes.name: 'like'. Expected one of "
     "('=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN')."),
    ("name = 'a' OR name = 'b'", 400, "INVALID_PARAMETER_VALUE",
     "Invalid filter string: \"name = 'a' OR name = 'b'\". Expected a list of comparisons separated by 'AND' "
     "(e.g. 'metrics.loss > 0.1 AND params.lr = 0.01')."),
    ("name = 'a'; name = 'b'", 400, "INVALID_PARAMETER_VALUE",
     "Invalid filter string: \"name = 'a'; name = 'b'\". Expected a single SQL expression."),
    ("name", 400, "INVALID_PARAMETER_VALUE",
     "Invalid filter string: 'name'. Expected a list of comparisons separated by 'AND' "
     "(e.g. 'metrics.loss > 0.1 AND params.lr = 0.01')."),
    ("name = ('alpha')", 400, "BAD_REQUEST", None),
    # Python exceptions MLflow does not catch
    ("metrics.acc > 'a'", 500, "INTERNAL_ERROR", None),
    ("foo = 'a'", 500, "INTERNAL_ERROR", None),
    ("attributes.creation_time > 1", 500, "INTERNAL_ERROR", None),
])
def test_search_filter_errors(server, world, flt, status, code, message):
    search_error(server, {"experiment_ids": [world["e1"]], "filter": flt}, status, code, message)


def test_search_datasets(server, world):
    e1 = world["e1"]
    body = {"experiment_ids": [e1], "filter": "metrics.acc > 0.4"}
    # without a digest the handler passes None: only metrics logged without a digest match
    assert names(search(server, {**body, "datasets": [{"dataset_name": "ds"}]})) == []
    assert names(search(server, {**body, "datasets": [{"dataset_name": "ds", "dataset_digest": "d1"}]})) == ["alpha"]
    assert names(search(server, {"experiment_ids": [e1], "datasets": [{"dataset_name": "ds2"}]})) == []
    assert names(search(server, {"experiment_ids": [e1],
                                 "datasets": [{"dataset_name": "ds2", "dataset_digest": "d2"}]})) == ["beta"]
    assert names(search(server, {"experiment_ids": [e1],
                                 "datasets": [{"dataset_name": "ds", "dataset_digest": "d1"},
                                              {"dataset_name": "ds2", "dataset_digest": "d2"}]})) == ["beta", "alpha"]
    search_error(server, {"experiment_ids": [e1], "datasets": [{"dataset_digest": "d1"}]}, 400,
                 "INVALID_PARAMETER_VALUE", "`dataset_name` in the `datasets` clause must be specified.")


@pytest.mark.parametrize("order_by, want", [
    ([{"field_name": "metrics.acc", "ascending": False}], ["beta", "alpha"]),
    # alpha's latest acc is 0.7 (timestamp 2)
    ([{"field_name": "metrics.acc"}], ["alpha", "beta"]),
    ([{"field_name": "metrics.acc", "dataset_name": "ds"}], ["alpha", "beta"]),
    ([{"field_name": "metrics.loss"}], ["beta", "alpha"]),
    ([{"field_name": "metrics.loss", "ascending": False}], ["beta", "alpha"]),
    ([{"field_name": "name"}], ["alpha", "beta"]),
    ([{"field_name": "name", "ascending": False}], ["beta", "alpha"]),
    ([{"field_name": "creation_time", "ascending": True}], ["alpha", "beta"]),
    ([{"field_name": "model_type"}], ["beta", "alpha"]),
])
def test_search_order_by(server, world, order_by, want):
    assert names(search(server, {"experiment_ids": [world["e1"]], "order_by": order_by})) == want


def test_search_order_by_errors(server, world):
    e1 = world["e1"]
    search_error(server, {"experiment_ids": [e1], "order_by": [{"field_name": "foo"}]}, 400,
                 "INVALID_PARAMETER_VALUE", "Invalid order by field name: foo")
    _, _, resp = server.request("POST", "/api/2.0/mlflow/" + LM + "/search",
                                {"experiment_ids": [e1], "order_by": [{"field_name": "foo"}]})
    assert (resp["error_class"], resp["sqlstate"]) == ("ATTRIBUTE_NOT_FOUND", "KAM04")
    search_error(server, {"experiment_ids": [e1], "order_by": [{"field_name": "params.lr"}]}, 400,
                 "INVALID_PARAMETER_VALUE", "Invalid order by field name: params.lr. Only metrics are supported.")
    search_error(server, {"experiment_ids": [e1], "order_by": [{"ascending": True}]}, 400,
                 "INVALID_PARAMETER_VALUE", "Invalid order by field name: ")


def test_search_pages(server, world):
    e1 = world["e1"]
    first = search(server, {"experiment_ids": [e1], "max_results": 1})
    assert names(first) == ["beta"]
    token = first["next_page_token"]
    decoded = json.loads(base64.b64decode(token))
    assert decoded == {"experiment_ids": [e1], "filter_string": None, "order_by": None, "offset": 1}
    second = search(server, {"experiment_ids": [e1], "max_results": 1, "page_token": token})
    assert names(second) == ["alpha"] and "next_page_token" not in second
    # the token carries the filter and order_by, which must match the request's
    body = {"experiment_ids": [e1], "max_results": 1, "filter": "params.lr LIKE '0.%'",
            "order_by": [{"field_name": "name"}]}
    token = search(server, body)["next_page_token"]
    assert json.loads(base64.b64decode(token))["order_by"] == [
        {"field_name": "name", "ascending": True, "dataset_name": None, "dataset_digest": None}]
    assert names(search(server, {**body, "page_token": token})) == ["beta"]
    search_error(server, {**body, "page_token": token, "filter": "name = 'a'"}, 400, "INVALID_PARAMETER_VALUE",
                 "Filter string in the page token does not match the requested filter string. "
                 "Expected: name = 'a'. Found: params.lr LIKE '0.%'")
    search_error(server, {**body, "page_token": token, "order_by": []}, 400, "INVALID_PARAMETER_VALUE",
                 "Order by in the page token does not match the requested order by. Expected: None. Found: "
                 "[{'field_name': 'name', 'ascending': True, 'dataset_name': None, 'dataset_digest': None}]")
    search_error(server, {**body, "page_token": token, "experiment_ids": [world["e2"]]}, 400,
                 "INVALID_PARAMETER_VALUE",
                 "Experiment IDs in the page token do not match the requested experiment IDs. "
                 "Expected: ['%s']. Found: ['%s']" % (world["e2"], e1))


def test_search_metric_filter_latest_value(server, world):
    # a metric filter compares each model's latest value (alpha: 0.7 at step 1), one row per model
    body = {"experiment_ids": [world["e1"]], "max_results": 1, "filter": "metrics.acc > 0.4",
            "order_by": [{"field_name": "name"}]}
    resp = search(server, body)
    assert names(resp) == ["alpha"] and "next_page_token" in resp
    resp = search(server, {**body, "max_results": 2})
    assert names(resp) == ["alpha", "beta"] and "next_page_token" not in resp
    assert names(search(server, {**body, "filter": "metrics.acc < 0.6"})) == []


def test_search_page_token_errors(server, world):
    e1 = world["e1"]
    search_error(server, {"experiment_ids": [e1], "page_token": base64.b64encode(b"not json").decode()}, 400,
                 "INVALID_PARAMETER_VALUE", "Invalid page token: bm90IGpzb24=. Expecting value: line 1 column 1 "
                 "(char 0)")
    search_error(server, {"experiment_ids": [e1], "page_token": "e30="}, 400, "INVALID_PARAMETER_VALUE",
                 "Experiment IDs in the page token do not match the requested experiment IDs. "
                 "Expected: ['%s']. Found: None" % e1)
    # b64decode's binascii.Error escapes the handler: Werkzeug's HTML page
    status, _, resp = server.request("POST", "/api/2.0/mlflow/" + LM + "/search",
                                     {"experiment_ids": [e1], "page_token": "abc"})
    assert status == 500 and b"<title>500 Internal Server Error</title>" in resp
    # the offset goes through int(): a string of digits works, another string is a 500
    token = base64.b64encode(json.dumps({"experiment_ids": [e1], "offset": "1"}).encode()).decode()
    assert names(search(server, {"experiment_ids": [e1], "page_token": token})) == ["alpha"]
    token = base64.b64encode(json.dumps({"experiment_ids": [e1], "offset": "x"}).encode()).decode()
    search_error(server, {"experiment_ids": [e1], "page_token": token}, 500, "INTERNAL_ERROR",
                 "invalid literal for int() with base 10: 'x'")


def test_search_max_results(server, world):
    e1 = world["e1"]
    assert names(search(server, {"experiment_ids": [e1], "max_results": 0})) == ["beta", "alpha"]
    # LIMIT max_results + 1, then Python's slicing models[:max_results]
    resp = search(server, {"experiment_ids": [e1], "max_results": -1})
    assert names(resp) == [] and "next_page_token" in resp
    for n in (-2, -3):
        if PG:  # LIMIT -1 and less: PostgreSQL refuses them, and MLflow answers its error
            msg = search_error(server, {"experiment_ids": [e1], "max_results": n}, 400, "BAD_REQUEST")
            assert msg.startswith(NEGATIVE_LIMIT), msg
        else:
            resp = search(server, {"experiment_ids": [e1], "max_results": n})
            assert names(resp) == [] and "next_page_token" in resp


def test_search_request_errors(server, world):
    search_error(server, {}, 400, "INVALID_PARAMETER_VALUE",
                 "Missing value for required parameter 'experiment_ids'." + SEE)
    search_error(server, {"experiment_ids": ["abc"]}, 400, "INVALID_PARAMETER_VALUE",
                 "Invalid experiment ID 'abc'. Experiment ID must be a valid integer.")
    search_error(server, {"experiment_ids": [world["e1"]], "max_results": "x"}, 400, "INVALID_PARAMETER_VALUE")
    search_error(server, {"experiment_ids": [world["e1"]], "order_by": "x"}, 400, "INVALID_PARAMETER_VALUE")


def test_ajax_routes(server, world):
    status, _, resp = server.request("POST", "/ajax-api/2.0/mlflow/logged-models/search",
                                     {"experiment_ids": [world["e2"]]})
    assert status == 200 and names(resp) == ["gamma"]
    status, _, resp = server.request("GET", "/ajax-api/2.0/mlflow/logged-models/" + world["gamma"])
    assert status == 200 and resp["model"]["info"]["name"] == "gamma"
