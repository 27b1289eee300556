"""The reads the web UI makes on every experiment page: searchEvaluationDatasets,
queryTraceMetrics and searchTracesV3, over rows written as MLflow 3.18 writes them
(inserted with SQL: mlflow-c has no trace or evaluation dataset writes yet), with
MLflow 3.18's answers and messages."""

import pytest

from conftest import Server

SEE = " See the API docs for more information about request parameters."
DS = "/ajax-api/3.0/mlflow/datasets/search"
METRICS = "/ajax-api/3.0/mlflow/traces/metrics"
TRACES = "/ajax-api/3.0/mlflow/traces/search"


@pytest.fixture(scope="module")
def server():
    s = Server()
    s.exp = s.post("experiments/create", {"name": "ui-reads"})[2]["experiment_id"]
    s.exp2 = s.post("experiments/create", {"name": "ui-reads-2"})[2]["experiment_id"]
    for i, (name, created) in enumerate([("ds-b", 200), ("ds-a", 300), ("ds-c", 100)]):
        s.sql("INSERT INTO evaluation_datasets (dataset_id, name, schema, profile, digest, created_time, "
              "last_update_time, created_by, last_updated_by) VALUES (?, ?, ?, NULL, ?, ?, ?, ?, NULL)",
              (f"d-{i}", name, '{"inputs": {}}' if i == 0 else None, f"dig{i}", created, created + 1, "me"))
    # tags in the order written, not the key's order
    s.sql("INSERT INTO evaluation_dataset_tags (dataset_id, key, value) VALUES ('d-0', 'z', 'é')")
    s.sql("INSERT INTO evaluation_dataset_tags (dataset_id, key, value) VALUES ('d-0', 'a', '1')")
    for src in ("d-0", "d-1"):
        s.sql("INSERT INTO entity_associations (association_id, source_type, source_id, destination_type, "
              "destination_id, created_time) VALUES (?, 'evaluation_dataset', ?, 'experiment', ?, 0)",
              ("a-" + src, src, s.exp))
    s.sql("INSERT INTO entity_associations (association_id, source_type, source_id, destination_type, "
          "destination_id, created_time) VALUES ('a-x', 'evaluation_dataset', 'd-2', 'experiment', ?, 0)",
          (s.exp2,))
    traces = [
        # request_id, timestamp_ms, execution_time_ms, status, trace_name
        ("tr-1", 1000, 20, "OK", "alpha"),
        ("tr-2", 3000, None, "ERROR", None),
        ("tr-3", 2000, 5, "IN_PROGRESS", "beta"),
        ("tr-4", 2000, 7, "OK", "gamma"),
    ]
    for rid, ts, ex, status, name in traces:
        s.sql("INSERT INTO trace_info (request_id, experiment_id, timestamp_ms, execution_time_ms, status, "
              "client_request_id, request_preview, response_preview, trace_name) VALUES (?, ?, ?, ?, ?, NULL, ?, "
              "NULL, ?)", (rid, int(s.exp), ts, ex, status, '{"q": 1}', name))
    s.sql("UPDATE trace_info SET session_id = 's1', input_tokens = 3, total_tokens = 5, output_cost = 0.25, "
          "total_cost = 1e-07 WHERE request_id = 'tr-1'")
    s.sql("INSERT INTO trace_tags (key, value, request_id) VALUES ('k', 'v', 'tr-1')")
    # the trace name is trace_info's: a stale tag row is not shown
    s.sql("INSERT INTO trace_tags (key, value, request_id) VALUES ('mlflow.traceName', 'old', 'tr-1')")
    s.sql("INSERT INTO trace_tags (key, value, request_id) VALUES ('n', NULL, 'tr-1')")
    s.sql("INSERT INTO trace_request_metadata (key, value, request_id) VALUES ('mlflow.user', 'me', 'tr-1')")
    # promoted keys come from the columns, not from stale rows
    s.sql("INSERT INTO trace_request_metadata (key, value, request_id) "
          "VALUES ('mlflow.trace.session', 'stale', 'tr-1')")
    s.sql("INSERT INTO trace_info (request_id, experiment_id, timestamp_ms, execution_time_ms, status) "
          "VALUES ('tr-other', ?, 5000, 1, 'OK')", (int(s.exp2),))
    yield s
    s.stop()


def post(server, path, body):
    status, _, resp = server.request("POST", path, body)
    return status, resp


def ok(server, path, body):
    status, resp = post(server, path, body)
    assert status == 200, (path, body, resp)
    return resp


def invalid(server, path, body, message, status=400, code="INVALID_PARAMETER_VALUE"):
    got, resp = post(server, path, body)
    assert (got, resp["error_code"], resp["message"]) == (status, code, message), resp


# ---- searchEvaluationDatasets ----

def test_datasets_default_order_and_rendering(server):
    resp = ok(server, DS, {})
    assert [d["dataset_id"] for d in resp["datasets"]] == ["d-1", "d-0", "d-2"]  # created_time DESC
    assert resp["datasets"][1] == {
        "dataset_id": "d-0", "name": "ds-b", "tags": '{"z": "\\u00e9", "a": "1"}', "schema": '{"inputs": {}}',
        "digest": "dig0", "created_time": 200, "last_update_time": 201, "created_by": "me"}
    # no tags: still the empty dict's JSON; no experiment ids in a search's answer
    assert resp["datasets"][0]["tags"] == "{}"
    assert "experiment_ids" not in resp["datasets"][0]
    assert "next_page_token" not in resp


def test_datasets_by_experiment_order_and_pages(server):
    resp = ok(server, DS, {"experiment_ids": [server.exp]})
    assert [d["dataset_id"] for d in resp["datasets"]] == ["d-1", "d-0"]
    assert ok(server, DS, {"experiment_ids": ["12345"]}) == {}
    resp = ok(server, DS, {"order_by": ["name ASC"], "max_results": 2})
    assert [d["name"] for d in resp["datasets"]] == ["ds-a", "ds-b"]
    resp2 = ok(server, DS, {"order_by": ["name ASC"], "max_results": 2, "page_token": resp["next_page_token"]})
    assert [d["name"] for d in resp2["datasets"]] == ["ds-c"] and "next_page_token" not in resp2
    resp = ok(server, DS, {"order_by": ["last_update_time"]})
    assert [d["dataset_id"] for d in resp["datasets"]] == ["d-2", "d-0", "d-1"]


def test_datasets_errors(server):
    invalid(server, DS, {"max_results": 0},
            "Invalid value None for parameter 'max_results' supplied. It must be a positive integer")
    invalid(server, DS, {"max_results": -2},
            "Invalid value -2 for parameter 'max_results' supplied. It must be a positive integer")
    invalid(server, DS, {"max_results": 50001},
            "Invalid value 50001 for parameter 'max_results' supplied. It must be at most 50000")
    invalid(server, DS, {"order_by": ["tags.x"]}, "Invalid order_by entity: tag")
    invalid(server, DS, {"order_by": ["a.b"]}, "Invalid identifier token 'a' specified")
    invalid(server, DS, {"order_by": ["name up"]}, "Invalid ordering key in order_by clause 'name up'.")
    status, resp = post(server, DS, {"order_by": ["digest"]})
    assert status == 400 and resp["message"].startswith("Invalid attribute key 'digest' specified. Valid keys are: {")
    invalid(server, DS, {"max_results": "x"},
            "Invalid value \"x\" for parameter 'max_results' supplied:  Hint: Value was of type 'str'." + SEE)
    # not ported yet: refused, never ignored
    status, resp = post(server, DS, {"filter_string": "digest = 'x'"})
    assert status == 400 and resp["message"].startswith("Invalid attribute key 'digest' specified. Valid keys are: {")
    for f in ("name IN ('ds-a')", "tags.`z` = 'x'", "created_time > '5'", "name = 1", "name = 'a' OR 1"):
        status, resp = post(server, DS, {"filter_string": f})
        assert status == 400 and "does not support this filter yet" in resp["message"], (f, resp)


def test_datasets_filter(server):
    def found(f, **extra):
        return [d["dataset_id"] for d in ok(server, DS, {"filter_string": f, **extra}).get("datasets", [])]

    assert found("name = 'ds-a'") == ["d-1"]
    assert found("name != 'ds-a'") == ["d-0", "d-2"]
    assert found("name LIKE 'ds-%' AND created_time >= 200") == ["d-1", "d-0"]
    assert found("name ILIKE 'DS-C'") == ["d-2"]
    assert found("last_update_time < 201") == ["d-2"]
    assert found("created_by = 'me'", experiment_ids=[server.exp2]) == ["d-2"]
    assert found("tags.z = 'é'") == found("tags.a != '2'") == ["d-0"]
    assert found("tags.a ILIKE '1'") == ["d-0"]


# ---- queryTraceMetrics ----

def count_body(server, **extra):
    return {"experiment_ids": [server.exp], "view_type": "TRACES", "metric_name": "trace_count",
            "aggregations": [{"aggregation_type": "COUNT"}], **extra}


def test_trace_count(server):
    point = lambda n: {"data_points": [{"metric_name": "trace_count", "values": {"COUNT": n}}]}
    assert ok(server, METRICS, count_body(server)) == point(4.0)
    assert ok(server, METRICS, count_body(server, start_time_ms=2000, end_time_ms=2000)) == point(2.0)
    assert ok(server, METRICS, count_body(server, start_time_ms=2001)) == point(1.0)
    assert ok(server, METRICS, count_body(server, experiment_ids=[server.exp, server.exp2])) == point(5.0)
    assert ok(server, METRICS, count_body(server, experiment_ids=["999"])) == point(0.0)
    # LIMIT 0 leaves out the aggregate's one row
    assert ok(server, METRICS, count_body(server, max_results=0)) == {}


def test_trace_count_dimensions_and_buckets(server):
    def points(**extra):
        resp = ok(server, METRICS, count_body(server, **extra))
        return [(p["dimensions"], p["values"]["COUNT"]) for p in resp.get("data_points", [])]

    # NULL names left out; ordered by the dimension's value
    assert points(dimensions=["trace_name"]) == [
        ({"trace_name": "alpha"}, 1.0), ({"trace_name": "beta"}, 1.0), ({"trace_name": "gamma"}, 1.0)]
    assert points(dimensions=["trace_status", "trace_name", "trace_status"]) == [
        ({"trace_status": "IN_PROGRESS", "trace_name": "beta"}, 1.0),
        ({"trace_status": "OK", "trace_name": "alpha"}, 1.0), ({"trace_status": "OK", "trace_name": "gamma"}, 1.0)]
    assert points(dimensions=["trace_name"], max_results=1) == [({"trace_name": "alpha"}, 1.0)]
    # buckets of the interval, as UTC ISO 8601 times
    assert points(time_interval_seconds=2, start_time_ms=0, end_time_ms=10000) == [
        ({"time_bucket": "1970-01-01T00:00:00+00:00"}, 1.0), ({"time_bucket": "1970-01-01T00:00:02+00:00"}, 3.0)]
    assert points(time_interval_seconds=2, start_time_ms=0, end_time_ms=2999, dimensions=["trace_status"]) == [
        ({"time_bucket": "1970-01-01T00:00:00+00:00", "trace_status": "OK"}, 1.0),
        ({"time_bucket": "1970-01-01T00:00:02+00:00", "trace_status": "IN_PROGRESS"}, 1.0),
        ({"time_bucket": "1970-01-01T00:00:02+00:00", "trace_status": "OK"}, 1.0)]
    # no aggregation: no values, no points; and no column at all is SQLAlchemy's error
    assert ok(server, METRICS, count_body(server, aggregations=[], dimensions=["trace_name"])) == {}
    invalid(server, METRICS, count_body(server, aggregations=[]),
            "Query contains no columns with which to SELECT from.", code="BAD_REQUEST")


def test_trace_metrics_errors(server):
    invalid(server, METRICS, count_body(server, metric_name="nope"),
            "metric_name must be one of ['trace_count', 'session_count', 'latency', 'input_tokens', "
            "'output_tokens', 'total_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens'], got 'nope'")
    invalid(server, METRICS, count_body(server, aggregations=[{"aggregation_type": "SUM"}, {"aggregation_type": "AVG"}]),
            "Found invalid aggregation_type(s): ['AVG', 'SUM']. Supported aggregation types: ['COUNT']")
    invalid(server, METRICS, count_body(server, dimensions=["x", "a", "x"]),
            "Found invalid dimension(s): ['a', 'x']. Supported dimensions: ['trace_name', 'trace_status']")
    invalid(server, METRICS, count_body(server, experiment_ids=["x"]),
            "Invalid experiment ID 'x'. Experiment ID must be a valid integer.")
    invalid(server, METRICS, count_body(server, time_interval_seconds=60, start_time_ms=1),
            "start_time_ms and end_time_ms are required if time_interval_seconds is set")
    body = count_body(server)
    del body["view_type"]
    invalid(server, METRICS, body, "Missing value for required parameter 'view_type'." + SEE)
    invalid(server, METRICS, {"view_type": "TRACES", "metric_name": "trace_count", "aggregations": []},
            "Missing value for required parameter 'experiment_ids'." + SEE)
    invalid(server, METRICS, count_body(server, filters=["span.name = 'x'"]),
            "Filtering by span is only supported for SPANS view type, got TRACES")
    invalid(server, METRICS, count_body(server, filters=["trace.status != 'x'"]),
            "Invalid comparator: '!=', only '=' operator is supported")


def test_trace_metrics_filters_and_stats(server):
    def values(**extra):
        resp = ok(server, METRICS, count_body(server, **extra))
        return [(p.get("dimensions"), p["values"]) for p in resp.get("data_points", [])]

    assert values(filters=["trace.status = 'OK'"]) == [(None, {"COUNT": 2.0})]
    assert values(filters=["trace.tag.mlflow.traceName = 'beta'"]) == [(None, {"COUNT": 1.0})]
    assert values(filters=["trace.tag.k = 'v'", "trace.metadata.`mlflow.user` = 'me'"]) == [(None, {"COUNT": 1.0})]
    # latency over the non-NULL execution times (20, 5, 7): the percentile interpolates
    assert values(metric_name="latency", aggregations=[{"aggregation_type": "AVG"}, {"aggregation_type": "MAX"},
                                                        {"aggregation_type": "PERCENTILE", "percentile_value": 50}]) \
        == [(None, {"AVG": 32 / 3, "MAX": 20.0, "P50.0": 7.0})]
    assert values(metric_name="session_count") == [(None, {"COUNT": 1.0})]


# ---- searchTracesV3 ----

def loc(*ids):
    return [{"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": i}} for i in ids]


def ids_of(resp):
    return [t["trace_id"] for t in resp.get("traces", [])]


def test_traces_rendering(server):
    resp = ok(server, TRACES, {"locations": loc(server.exp)})
    # timestamp_ms DESC, then request_id
    assert ids_of(resp) == ["tr-2", "tr-3", "tr-4", "tr-1"]
    t1 = resp["traces"][3]
    assert t1 == {
        "trace_id": "tr-1",
        "trace_location": {"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": server.exp}},
        "request_time": "1970-01-01T00:00:01Z",
        "execution_duration": "0.020s",
        "state": "OK",
        "trace_metadata": {
            "mlflow.user": "me",
            "mlflow.trace.session": "s1",
            "mlflow.trace.tokenUsage": '{"input_tokens": 3, "total_tokens": 5}',
            "mlflow.trace.cost": '{"output_cost": 0.25, "total_cost": 1e-07}',
        },
        "tags": {"mlflow.traceName": "alpha", "k": "v", "n": "None"},
        "request_preview": '{"q": 1}',
    }
    t2 = resp["traces"][0]
    assert t2["state"] == "ERROR" and "execution_duration" not in t2 and "tags" not in t2


def test_traces_order_and_pages(server):
    body = {"locations": loc(server.exp), "max_results": 3}
    resp = ok(server, TRACES, body)
    assert ids_of(resp) == ["tr-2", "tr-3", "tr-4"]
    resp2 = ok(server, TRACES, {**body, "page_token": resp["next_page_token"]})
    assert ids_of(resp2) == ["tr-1"] and "next_page_token" not in resp2
    # exactly a page: no token
    assert "next_page_token" not in ok(server, TRACES, {"locations": loc(server.exp), "max_results": 4})
    order = lambda *o: ids_of(ok(server, TRACES, {"locations": loc(server.exp), "order_by": list(o)}))
    assert order("timestamp ASC") == ["tr-1", "tr-3", "tr-4", "tr-2"]
    # NULLs last in either direction
    assert order("execution_time_ms") == ["tr-3", "tr-4", "tr-1", "tr-2"]
    assert order("execution_time DESC") == ["tr-1", "tr-4", "tr-3", "tr-2"]
    assert order("name DESC") == ["tr-4", "tr-3", "tr-1", "tr-2"]
    assert order("status", "request_id DESC") == ["tr-2", "tr-3", "tr-4", "tr-1"]
    assert order("end_time_ms DESC") == ["tr-2", "tr-4", "tr-3", "tr-1"]
    assert ids_of(ok(server, TRACES, {"locations": loc(server.exp, server.exp2), "max_results": 1})) == ["tr-other"]
    assert ok(server, TRACES, {"locations": []}) == {}
    assert ok(server, TRACES, {"locations": loc("424242")}) == {}


def test_traces_errors(server):
    invalid(server, TRACES, {}, "Missing value for required parameter 'locations'." + SEE)
    invalid(server, TRACES, {"locations": loc(server.exp), "max_results": 501},
            "Invalid value 501 for parameter 'max_results' supplied:  Hint: Value was of type 'int'." + SEE)
    invalid(server, TRACES, {"locations": loc(server.exp), "max_results": 0},
            "Invalid value 0 for parameter 'max_results' supplied. It must be a positive integer")
    invalid(server, TRACES, {"locations": loc("1.5", "2.25555555555555555")},
            "Locations must be a list of experiment IDs. Found invalid experiment IDs: 1.5, 2.2555555555555....")
    invalid(server, TRACES, {"locations": loc(server.exp), "page_token": "abc"},
            "Invalid page token, could not base64-decode")
    invalid(server, TRACES, {"locations": loc(server.exp), "filter": "status = 'OK' OR 1"},
            "Invalid clause(s) in filter string: 'OR', '1'")
    status, resp = post(server, TRACES, {"locations": loc(server.exp), "filter": "status = 5"})
    assert status == 400 and resp["message"].startswith("Only the '{"), resp
    assert resp["message"].endswith("}' attributes support comparison with numeric values."), resp
    invalid(server, TRACES, {"locations": loc(server.exp), "filter": "span.foo = 'x'"},
            "Invalid span attribute 'foo'. Supported attributes: name, status, type, attributes.<attribute_name>.")
    invalid(server, TRACES, {"locations": loc(server.exp), "order_by": ["metadata.`mlflow.trace.cost`"]},
            "Ordering by reserved metadata 'mlflow.trace.cost' is not supported because it is represented by "
            "multiple columns.")


def test_traces_filter_grammar(server):
    def found(f, order_by=()):
        return ids_of(ok(server, TRACES, {"locations": loc(server.exp), "filter": f, "order_by": list(order_by)}))

    assert found("status RLIKE '^O'") == ["tr-4", "tr-1"]
    assert found("tags.k IS NULL") == ["tr-2", "tr-3", "tr-4"]
    assert found("tags.k IS NOT NULL") == ["tr-1"]
    assert found("span.name = 'x'") == []
    assert found("status IN ('OK', 'ERROR')") == ["tr-2", "tr-4", "tr-1"]
    assert found("status NOT IN ('OK')") == ["tr-2", "tr-3"]
    assert found("run_id = 'r'") == []
    assert found("metadata.`mlflow.trace.cost` = '{\"output_cost\": 0.25, \"total_cost\": 1e-07}'") == ["tr-1"]
    assert found("metadata.`mlflow.trace.cost` != '{\"output_cost\": 0.25}'") == ["tr-1"]
    assert found("metadata.`mlflow.trace.tokenUsage` IS NULL") == ["tr-2", "tr-3", "tr-4"]
    assert found("timestamp_ms > '1500'") == ["tr-2", "tr-3", "tr-4"]
    assert found("", order_by=["tags.k"]) == ["tr-1", "tr-2", "tr-3", "tr-4"]


def test_traces_filter(server):
    def found(f):
        return ids_of(ok(server, TRACES, {"locations": loc(server.exp), "filter": f}))

    assert found("trace.status = 'OK'") == ["tr-4", "tr-1"]
    assert found('status != "OK"') == ["tr-2", "tr-3"]
    assert found("attributes.timestamp_ms > 1000 AND timestamp <= 2000") == ["tr-3", "tr-4"]
    assert found("execution_time_ms >= 7") == ["tr-4", "tr-1"]  # NULL matches no comparison
    assert found("end_time_ms = 1020") == ["tr-1"]
    assert found("name = 'beta'") == found("tags.mlflow.traceName = 'beta'") == ["tr-3"]
    assert found("trace.name != 'beta'") == ["tr-4", "tr-1"]
    assert found("tags.k = 'v'") == found("tags.`k` = 'v'") == ["tr-1"]
    assert found("tags.k != 'v'") == []  # only traces that have the tag
    assert found("metadata.`mlflow.user` = 'me'") == ["tr-1"]
    assert found("metadata.mlflow.trace.session = 's1'") == ["tr-1"]  # the column, not the stale row
    assert found("metadata.mlflow.trace.session = 'stale'") == []
    assert found("request_id = 'tr-3' and status = 'IN_PROGRESS'") == ["tr-3"]
    # patterns: LIKE as each database compares (case-sensitive on PostgreSQL), ILIKE ignoring case
    assert found("status LIKE 'O%'") == ["tr-4", "tr-1"]
    assert found("trace.status ILIKE 'in_%'") == ["tr-3"]
    assert found("name ILIKE '%A'") == ["tr-3", "tr-4", "tr-1"]
    assert found("tags.k LIKE 'v'") == found("tags.k ILIKE 'V'") == ["tr-1"]
    assert found("metadata.`mlflow.user` ILIKE 'M%'") == ["tr-1"]
    assert found("metadata.mlflow.trace.session like 's_'") == ["tr-1"]
