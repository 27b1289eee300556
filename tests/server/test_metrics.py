"""Metrics over HTTP: log-metric, log-batch's metrics and limits, the history reads (get-history,
get-history-bulk-interval and the get-history-bulk route), with MLflow's errors."""

import json
import math

import pytest

from conftest import mlflow_error, NEGATIVE_LIMIT, PG, Server

SEE = " See the API docs for more information about request parameters."
BAD_CHARS = ("Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), "
             "colon(:) and slashes (/).")
AJAX = "/ajax-api/2.0/mlflow/"


def new_run(server):
    status, _, body = server.post("runs/create", {"experiment_id": "0"})
    assert status == 200
    return body["run"]["info"]["run_id"]


def log(server, rid, key, value, ts, step=0):
    status, _, body = server.post("runs/log-metric", {"run_id": rid, "key": key, "value": value, "timestamp": ts,
                                                      "step": step})
    assert (status, body) == (200, {}), body
    return body


def history(server, rid, key, query=""):
    status, _, body = server.get("metrics/get-history", f"run_id={rid}&metric_key={key}" + query)
    assert status == 200, body
    return body


def latest(server, rid):
    status, _, body = server.get("runs/get", "run_id=" + rid)
    return {m["key"]: m for m in body["run"]["data"].get("metrics", [])}


def test_log_metric_and_latest(server):
    rid = new_run(server)
    log(server, rid, "m", 5.0, 100, 2)
    log(server, rid, "m", 9.0, 999, 1)  # lower step loses
    assert latest(server, rid)["m"] == {"key": "m", "value": 5.0, "timestamp": 100, "step": 2}
    log(server, rid, "m", 1.0, 101, 2)  # same step, later timestamp wins
    log(server, rid, "m", 3.0, 101, 2)  # same step and timestamp, higher value wins
    log(server, rid, "m", 2.0, 101, 2)
    assert latest(server, rid)["m"]["value"] == 3.0
    assert len(history(server, rid, "m")["metrics"]) == 5
    # re-logging an existing row succeeds and adds nothing
    log(server, rid, "m", 3.0, 101, 2)
    assert len(history(server, rid, "m")["metrics"]) == 5
    # run_uuid alias; step defaults to 0
    status, _, body = server.post("runs/log-metric", {"run_uuid": rid, "key": "s", "value": 1, "timestamp": 1})
    assert status == 200 and latest(server, rid)["s"]["step"] == 0


def test_nan_and_infinity(server):
    rid = new_run(server)
    log(server, rid, "nan", "NaN", 1)
    log(server, rid, "inf", "Infinity", 1)
    log(server, rid, "ninf", "-Infinity", 1)
    metrics = latest(server, rid)
    assert metrics["nan"]["value"] == "NaN"
    assert metrics["inf"]["value"] == 1.7976931348623157e308
    assert metrics["ninf"]["value"] == -1.7976931348623157e308
    assert history(server, rid, "nan")["metrics"] == [{"key": "nan", "value": "NaN", "timestamp": 1, "step": 0}]


def test_log_metric_errors(server):
    rid = new_run(server)

    def err(body):
        status, _, resp = server.post("runs/log-metric", {"run_id": rid, "value": 1, "timestamp": 1, **body})
        assert status == 400, resp
        assert resp["error_code"] == "INVALID_PARAMETER_VALUE"
        return resp["message"]

    assert err({"key": "bad!name"}) == f'Invalid value "bad!name" for parameter \'name\' supplied: {BAD_CHARS}'
    assert err({"key": "../up"}) == (
        "Invalid value \"../up\" for parameter 'name' supplied: Names may be treated as files in certain cases, and "
        "must not resolve to other names when treated as such. This name would resolve to '../up'")
    assert err({"key": "m", "timestamp": -5}) == (
        "Invalid value -5 for parameter 'timestamp' supplied: metric 'm' (value=1.0). "
        "Timestamp must be a nonnegative long (64-bit integer) ")
    assert err({"key": "k" * 251}) == "'Metric name' exceeds the maximum length of 250 characters"
    assert err({"key": "m", "dataset_name": "d"}) == (
        "Both dataset_name and dataset_digest must be provided if one is provided")
    assert err({}) == "Missing value for required parameter 'key'." + SEE
    status, _, body = server.post("runs/log-metric", {"run_id": rid, "key": "m", "timestamp": 1})
    assert (status, body["message"]) == (400, "Missing value for required parameter 'value'." + SEE)
    status, _, body = server.post("runs/log-metric", {"run_id": rid, "key": "m", "value": 1})
    assert (status, body["message"]) == (400, "Missing value for required parameter 'timestamp'." + SEE)
    status, _, body = server.post("runs/log-metric", {"run_id": "nope", "key": "m", "value": 1, "timestamp": 1})
    assert (status, body) == (404, mlflow_error("RESOURCE_DOES_NOT_EXIST", "Run with id=nope not found"))


def test_log_batch_metrics(server):
    rid = new_run(server)
    metrics = [{"key": f"m{i}", "value": i, "timestamp": 10, "step": 1} for i in range(10)]
    for _ in range(3):  # re-sent rows are fine
        status, _, body = server.post("runs/log-batch", {"run_id": rid, "metrics": metrics})
        assert (status, body) == (200, {})
    assert len(latest(server, rid)) == 10
    assert len(history(server, rid, "m3")["metrics"]) == 1


def test_log_batch_errors(server):
    rid = new_run(server)

    def err(body, status=400):
        got, _, resp = server.post("runs/log-batch", {"run_id": rid, **body})
        assert got == status, resp
        return resp["message"]

    ok = {"key": "m", "value": 1, "timestamp": 1}
    assert err({"metrics": [ok, {"key": "m", "timestamp": 1}]}) == (
        "Missing value for required parameter 'metrics[1].value'." + SEE)
    assert err({"metrics": [{"value": 1, "timestamp": 1}]}) == (
        "Missing value for required parameter 'metrics[0].key'." + SEE)
    assert err({"metrics": [ok, {"key": "a b!", "value": 1, "timestamp": 1}]}) == (
        f'Invalid value "a b!" for parameter \'metrics[1].name\' supplied: {BAD_CHARS}')
    assert err({"metrics": [{"key": "m", "value": 2.5, "timestamp": -1}]}) == (
        "Invalid value -1 for parameter 'metrics[0].timestamp' supplied: metric 'm' (value=2.5). "
        "Timestamp must be a nonnegative long (64-bit integer) ")
    many = [{"key": "m", "value": i, "timestamp": 1} for i in range(1001)]
    assert err({"metrics": many}) == (
        "A batch logging request can contain at most 1000 metrics. Got 1001 metrics. Please split up metrics "
        "across multiple requests and try again.")
    assert err({"metrics": many[:950], "params": [{"key": f"p{i}", "value": "v"} for i in range(51)]}) == (
        "A batch logging request can contain at most 1000 metrics, params, and tags. Got 1001 metrics, params, "
        "and tags. Please split up metrics, params, and tags across multiple requests and try again.")
    got, _, resp = server.post("runs/log-batch", {"run_id": "bad id!", "metrics": [ok]})
    assert (got, resp["message"]) == (400, "Invalid value \"bad id!\" for parameter 'run_id' supplied.")
    got, _, resp = server.post("runs/log-batch", {"metrics": [ok]})
    assert (got, resp["message"]) == (400, "Missing value for required parameter 'run_id'." + SEE)
    got, _, resp = server.post("runs/log-batch", {"run_id": "0" * 32, "metrics": [ok]})
    assert (got, resp["message"]) == (404, f"Run with id={'0' * 32} not found")
    # nothing of a failed batch is kept
    assert "m" not in latest(server, rid)


def test_get_history_paging(server):
    rid = new_run(server)
    server.post("runs/log-batch", {"run_id": rid, "metrics": [
        {"key": "h", "value": i, "timestamp": 1000 - i, "step": i} for i in range(25)]})
    # without max_results: the whole history, ordered by timestamp
    whole = history(server, rid, "h")
    assert [m["step"] for m in whole["metrics"]] == list(range(24, -1, -1))
    assert "next_page_token" not in whole
    pages, token = [], None
    while True:
        body = history(server, rid, "h", "&max_results=10" + (f"&page_token={token}" if token else ""))
        pages.append(len(body["metrics"]))
        token = body.get("next_page_token")
        if not token:
            break
    assert pages == [10, 10, 5]
    # unknown runs and keys have an empty history
    assert history(server, "nope", "h") == {}
    status, _, body = server.get("metrics/get-history", f"run_id={rid}&metric_key=h&max_results=5&page_token=zzz")
    assert (status, body["error_code"]) == (400, "INVALID_PARAMETER_VALUE")
    status, _, body = server.get("metrics/get-history", f"run_id={rid}")
    assert (status, body["message"]) == (400, "Missing value for required parameter 'metric_key'." + SEE)


def test_get_history_large(server):
    rid = new_run(server)
    for start in range(0, 10000, 1000):
        status, _, _ = server.post("runs/log-batch", {"run_id": rid, "metrics": [
            {"key": "big", "value": i / 3, "timestamp": i, "step": i} for i in range(start, start + 1000)]})
        assert status == 200
    body = history(server, rid, "big")
    assert len(body["metrics"]) == 10000
    assert body["metrics"][9999] == {"key": "big", "value": 9999 / 3, "timestamp": 9999, "step": 9999}
    body = history(server, rid, "big", "&max_results=25000")
    assert len(body["metrics"]) == 10000 and "next_page_token" not in body


def test_get_history_bulk_interval(server):
    a, b = new_run(server), new_run(server)
    server.post("runs/log-batch", {"run_id": a, "metrics": [
        {"key": "loss", "value": i, "timestamp": 1000 + i, "step": i} for i in range(100)]})
    for step in (5, 50, 120):
        log(server, b, "loss", step, 1, step)
    status, _, body = server.get("metrics/get-history-bulk-interval",
                                 f"run_ids={a}&run_ids={b}&metric_key=loss&max_results=10")
    assert status == 200
    got = [("a" if m["run_id"] == a else "b", m["step"]) for m in body["metrics"]]
    # MLflow 3.18 samples each run's rows: NTILE(10) buckets' first rows, the last row in place of the last one
    assert got == [("a", s) for s in (0, 10, 20, 30, 40, 50, 60, 70, 80, 99)] + [
        ("b", 5), ("b", 50), ("b", 120)]
    assert body["metrics"][0] == {"key": "loss", "value": 0.0, "timestamp": 1000, "step": 0, "run_id": a}
    status, _, body = server.get("metrics/get-history-bulk-interval",
                                 f"run_ids={a}&metric_key=loss&max_results=5&start_step=40&end_step=60",
                                 prefix=AJAX)
    # 21 rows in 5 buckets of 5, 4, 4, 4, 4
    assert [m["step"] for m in body["metrics"]] == [40, 45, 49, 53, 60]


def test_get_history_bulk_interval_errors(server):
    rid = new_run(server)

    def err(query):
        status, _, body = server.get("metrics/get-history-bulk-interval", query)
        assert status == 400, body
        return body["message"]

    assert err(f"run_ids={rid}&metric_key=m&start_step=1") == (
        "If either start step or end step are specified, both must be specified.")
    assert err(f"run_ids={rid}&metric_key=m&start_step=5&end_step=1") == (
        "end_step must be greater than start_step. Found start_step=5 and end_step=1.")
    assert err(f"run_ids={rid}&metric_key=m&max_results=0") == "max_results must be between 1 and 2500." + SEE
    assert err(f"run_ids={rid}&metric_key=m&max_results=2501") == "max_results must be between 1 and 2500." + SEE
    assert err("&".join(f"run_ids=r{i}" for i in range(101)) + "&metric_key=m") == (
        "GetMetricHistoryBulkInterval request must specify at most 100 run_ids. Received 101 run_ids." + SEE)
    assert err("metric_key=m") == "Missing value for required parameter 'run_ids'." + SEE
    assert err(f"run_ids={rid}") == "Missing value for required parameter 'metric_key'." + SEE


def bulk(server, query, prefix=AJAX):
    return server.request("GET", prefix + "metrics/get-history-bulk" + ("?" + query if query else ""), raw=True)


def test_get_history_bulk_route(server):
    a, b = sorted([new_run(server), new_run(server)])
    log(server, b, "m", 2.5, 7, 1)
    log(server, a, "m", "NaN", 9, 0)
    log(server, a, "m", 1, 3, 2)
    status, headers, raw = bulk(server, f"run_id={b}&run_id={a}&metric_key=m")
    assert status == 200 and headers["content-type"] == "application/json"
    # Flask's JSON: sorted keys, no spaces, NaN as a bare token, a trailing newline
    assert raw == (
        '{"metrics":[' +
        f'{{"key":"m","run_id":"{a}","step":2,"timestamp":3,"value":1.0}},' +
        f'{{"key":"m","run_id":"{a}","step":0,"timestamp":9,"value":NaN}},' +
        f'{{"key":"m","run_id":"{b}","step":1,"timestamp":7,"value":2.5}}' + ']}\n').encode()
    body = json.loads(raw)
    assert math.isnan(body["metrics"][1]["value"])
    status, _, raw = bulk(server, f"run_id={a}&run_id={b}&metric_key=m&max_results=2")
    assert len(json.loads(raw)["metrics"]) == 2
    # a negative max_results drops that many from the end (Python's slice); PostgreSQL refuses a negative LIMIT
    status, _, raw = bulk(server, f"run_id={a}&run_id={b}&metric_key=m&max_results=-1")
    if PG:
        body = json.loads(raw)
        assert (status, body["error_code"]) == (400, "BAD_REQUEST") and body["message"].startswith(NEGATIVE_LIMIT)
    else:
        assert len(json.loads(raw)["metrics"]) == 2
    status, _, raw = bulk(server, f"run_id={a}&metric_key=nothing")
    assert raw == b'{"metrics":[]}\n'


def test_get_history_bulk_route_errors(server):
    def err(query):
        status, headers, raw = bulk(server, query)
        assert status == 400 and headers["content-type"] == "application/json"
        body = json.loads(raw)
        assert body["error_code"] == "INVALID_PARAMETER_VALUE"
        return body["message"]

    assert err("metric_key=m") == "GetMetricHistoryBulk request must specify at least one run_id."
    assert err("run_id=a") == "GetMetricHistoryBulk request must specify a metric_key."
    assert err("&".join(f"run_id=r{i}" for i in range(101)) + "&metric_key=m") == (
        "GetMetricHistoryBulk request cannot specify more than 100 run_ids. Received 101 run_ids.")
    status, _, _ = bulk(server, "run_id=a&metric_key=m&max_results=lots")
    assert status == 500
    status, _, _ = server.request("POST", AJAX + "metrics/get-history-bulk?run_id=a&metric_key=m", body={})
    assert status == 405
    # only the ajax-api path exists
    status, _, _ = bulk(server, "run_id=a&metric_key=m", prefix="/api/2.0/mlflow/")
    assert status == 404


@pytest.fixture(scope="module")
def prefixed_server():
    s = Server(extra_args=("--static-prefix", "/pfx"))
    yield s
    s.stop()


def test_get_history_bulk_with_static_prefix(prefixed_server):
    s = prefixed_server
    status, _, body = s.post("runs/create", {"experiment_id": "0"}, prefix="/pfx/ajax-api/2.0/mlflow/")
    assert status == 200
    rid = body["run"]["info"]["run_id"]
    s.post("runs/log-metric", {"run_id": rid, "key": "m", "value": 1, "timestamp": 1})
    status, _, raw = bulk(s, f"run_id={rid}&metric_key=m", prefix="/pfx" + AJAX)
    assert status == 200 and len(json.loads(raw)["metrics"]) == 1
    status, _, _ = bulk(s, f"run_id={rid}&metric_key=m")
    assert status == 404
