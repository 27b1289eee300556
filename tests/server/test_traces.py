"""The trace info lifecycle rpcs over HTTP, as MLflow 3.18 answers them: startTraceV3 (the rows it writes,
the merge into a trace that is there), getTraceInfoV3, batchGetTraceInfos, the tag rpcs, deleteTraces(V3)
and what it deletes, the deprecated v2 rpcs, linkTracesToRun and linkPromptsToTrace."""

import json
import re

import pytest
from conftest import PG, mlflow_error

T3 = "/api/3.0/mlflow/traces"
T2 = "/api/2.0/mlflow/traces"
SEE = " See the API docs for more information about request parameters."


def req(server, method, path, body=None):
    return server.request(method, path, body)


def make_exp(server, name):
    status, _, body = server.post("experiments/create", {"name": name})
    assert status == 200, body
    return body["experiment_id"]


def info(eid, tid, **kw):
    d = {"trace_id": tid, "trace_location": {"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": eid}},
         "request_time": "2024-01-01T00:00:00.123Z", "execution_duration": "1.5s", "state": "OK"}
    d.update(kw)
    return {"trace": {"trace_info": d}}


def start(server, eid, tid, **kw):
    status, _, body = req(server, "POST", T3, info(eid, tid, **kw))
    assert status == 200, body
    return body["trace"]["trace_info"]


@pytest.fixture(scope="module")
def eid(server):
    return make_exp(server, "traces-exp")


def test_start_trace_shape_and_rows(server, eid):
    ti = start(server, eid, "tr-shape", client_request_id="c1", request_preview="req", response_preview="resp",
               tags={"t1": "v1", "mlflow.traceName": "my trace", "mlflow.artifactLocation": "client's"},
               trace_metadata={"m1": "v1", "mlflow.trace.session": "s1",
                               "mlflow.trace.tokenUsage": '{"input_tokens": 5, "output_tokens": 2.0, "x": 1}',
                               "mlflow.trace.cost": '{"input_cost": 0.5, "total_cost": 1}'})
    art = f"mlflow-artifacts:/{eid}/traces/tr-shape/artifacts"
    assert ti == {
        "trace_id": "tr-shape", "client_request_id": "c1",
        "trace_location": {"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": eid}},
        "request_preview": "req", "response_preview": "resp",
        "request_time": "2024-01-01T00:00:00.123Z", "execution_duration": "1.500s", "state": "OK",
        "trace_metadata": {"m1": "v1", "mlflow.trace.session": "s1", "mlflow.trace.infoFinalized": "true",
                           "mlflow.trace.tokenUsage": '{"input_tokens": 5, "output_tokens": 2}',
                           "mlflow.trace.cost": '{"input_cost": 0.5, "total_cost": 1.0}'},
        "tags": {"t1": "v1", "mlflow.traceName": "my trace", "mlflow.artifactLocation": art},
    }
    # the name, session, tokens and costs live in trace_info's columns, not in the child rows
    row = server.query1("SELECT experiment_id, timestamp_ms, execution_time_ms, status, trace_name, session_id, "
                        "input_tokens, output_tokens, total_tokens, input_cost, output_cost, total_cost, "
                        "db_payload_generation FROM trace_info WHERE request_id = ?", "tr-shape")
    assert tuple(row) == (int(eid), 1704067200123, 1500, "OK", "my trace", "s1", 5, 2, None, 0.5, None, 1.0, 0)
    tags = server.query("SELECT key, value FROM trace_tags WHERE request_id = ? ORDER BY key", ("tr-shape",))
    assert [tuple(r) for r in tags] == [("mlflow.artifactLocation", art), ("t1", "v1")]
    meta = server.query("SELECT key, value FROM trace_request_metadata WHERE request_id = ? ORDER BY key",
                        ("tr-shape",))
    assert [tuple(r) for r in meta] == [("m1", "v1"), ("mlflow.trace.infoFinalized", "true")]
    status, _, body = req(server, "GET", f"{T3}/tr-shape")
    assert status == 200 and body["trace"]["trace_info"] == ti


def test_start_trace_merges_into_existing(server, eid):
    start(server, eid, "tr-merge", tags={"a": "1"}, trace_metadata={"m": "1"})
    again = start(server, eid, "tr-merge", state="ERROR", tags={"b": "2", "mlflow.traceName": "n"},
                  trace_metadata={"m2": "2"})
    # MLflow answers with the tags its session had loaded before the merge (the name from the column)
    assert set(again["tags"]) == {"a", "mlflow.artifactLocation", "mlflow.traceName"}
    assert again["state"] == "ERROR" and again["trace_metadata"]["m2"] == "2"
    _, _, body = req(server, "GET", f"{T3}/tr-merge")
    assert body["trace"]["trace_info"]["tags"]["b"] == "2"
    assert server.query1("SELECT db_payload_generation FROM trace_info WHERE request_id = ?", "tr-merge")[0] == 1
    other = make_exp(server, "traces-other")
    status, _, body = req(server, "POST", T3, info(other, "tr-merge"))
    assert (status, body) == (400, mlflow_error("INVALID_PARAMETER_VALUE",
                                                "Trace with ID 'tr-merge' already exists in another experiment."))


@pytest.mark.parametrize("tid,message", [
    ("a/b", "must be a single path component"), ("", "must be a single path component"),
    ("x.", "must be a single path component"), ("a%b", "must not contain '%', '?', '#' or control characters"),
    ("a\nb", "must not contain '%', '?', '#' or control characters"),
])
def test_start_trace_bad_ids(server, eid, tid, message):
    status, _, body = req(server, "POST", T3, info(eid, tid))
    assert (status, body) == (400, mlflow_error(
        "INVALID_PARAMETER_VALUE", f"Invalid value {json.dumps(tid)} for parameter 'trace_id' supplied: {message}"))


def test_start_trace_checks(server, eid):
    status, _, body = req(server, "POST", T3, {})
    assert (status, body) == (400, mlflow_error("INVALID_PARAMETER_VALUE",
                                                "Missing value for required parameter 'trace'." + SEE))
    status, _, body = req(server, "POST", T3, info(eid, "tr-x", tags={"mlflow.traceName": "n" * 4097}))
    assert (status, body) == (400, mlflow_error("INVALID_PARAMETER_VALUE",
                                                "'Trace name' exceeds the maximum length of 4096 characters"))
    status, _, body = req(server, "POST", T3, info(eid, "tr-x", trace_metadata={"mlflow.trace.session": "s" * 251}))
    assert (status, body) == (400, mlflow_error("INVALID_PARAMETER_VALUE",
                                                "'Session ID' exceeds the maximum length of 250 characters"))
    status, _, body = req(server, "POST", T3, info("999999", "tr-x"))
    assert (status, body) == (404, mlflow_error("RESOURCE_DOES_NOT_EXIST", "No Experiment with id=999999 exists"))
    status, _, body = req(server, "POST", T3, {"trace": {"trace_info": {
        "trace_id": "tr-x", "trace_location": {"mlflow_experiment": {"experiment_id": eid}}}}})
    assert (status, body) == (400, mlflow_error(
        "INVALID_PARAMETER_VALUE", "Trace location type TraceLocationType.TRACE_LOCATION_TYPE_UNSPECIFIED does not "
        f"match the provided location MlflowExperimentLocation(experiment_id='{eid}')."))
    status, _, body = req(server, "POST", T3, {"trace": {"trace_info": {"trace_id": "tr-x"}}})
    assert status == 500 and body["message"].startswith("int() argument must be")
    assert server.query1("SELECT count(*) FROM trace_info WHERE request_id = 'tr-x'")[0] == 0


def test_get_and_batch(server, eid):
    for tid in ("tr-b1", "tr-b2", "tr-b3"):
        start(server, eid, tid)
    status, _, body = req(server, "GET", f"{T3}/tr-none")
    assert (status, body) == (404, mlflow_error("RESOURCE_DOES_NOT_EXIST", "Trace with ID 'tr-none' not found."))
    B = T3 + "/batchGetInfos"
    # ordered by the last mention of each id
    status, _, body = req(server, "POST", B, {"trace_ids": ["tr-b2", "tr-none", "tr-b1", "tr-b2", "tr-b3"]})
    assert status == 200 and [t["trace_id"] for t in body["trace_infos"]] == ["tr-b1", "tr-b2", "tr-b3"]
    status, _, body = req(server, "POST", B, {"trace_ids": ["tr-b1"], "experiment_ids": ["999"]})
    assert (status, body) == (200, {})
    status, _, body = req(server, "POST", B, {"trace_ids": ["tr-b1"], "experiment_ids": [eid]})
    assert [t["trace_id"] for t in body["trace_infos"]] == ["tr-b1"]
    status, _, body = req(server, "POST", B, {"trace_ids": ["tr-b1"], "experiment_ids": ["abc"]})
    assert (status, body) == (400, mlflow_error(
        "INVALID_PARAMETER_VALUE", "Invalid experiment ID 'abc'. Experiment ID must be a valid integer."))
    status, _, body = req(server, "POST", B, {})
    assert (status, body) == (400, mlflow_error("INVALID_PARAMETER_VALUE",
                                                "Missing value for required parameter 'trace_ids'." + SEE))


def test_tags(server, eid):
    start(server, eid, "tr-tags", tags={"mlflow.traceName": "n0"})
    P = f"{T3}/tr-tags/tags"
    assert req(server, "PATCH", P, {"key": "k", "value": "v"})[0] == 200
    assert req(server, "PATCH", P, {"key": "mlflow.traceName", "value": "n1"})[0] == 200
    assert req(server, "PATCH", f"{T2}/tr-tags/tags", {"key": "k2"})[0] == 200
    assert server.query1("SELECT trace_name FROM trace_info WHERE request_id = 'tr-tags'")[0] == "n1"
    assert server.query1("SELECT count(*) FROM trace_tags WHERE key = 'mlflow.traceName'")[0] == 0
    _, _, body = req(server, "GET", f"{T3}/tr-tags")
    assert body["trace"]["trace_info"]["tags"] == {
        "k": "v", "k2": "", "mlflow.traceName": "n1",
        "mlflow.artifactLocation": f"mlflow-artifacts:/{eid}/traces/tr-tags/artifacts"}
    status, _, body = req(server, "PATCH", P, {"key": "mlflow.artifactLocation", "value": "x"})
    assert (status, body) == (400, mlflow_error(
        "INVALID_PARAMETER_VALUE", "Tag 'mlflow.artifactLocation' is immutable and cannot be set on a trace."))
    status, _, body = req(server, "PATCH", f"{T3}/tr-none/tags", {"key": "mlflow.traceName", "value": "x"})
    assert (status, body) == (404, mlflow_error("RESOURCE_DOES_NOT_EXIST", "Trace with ID 'tr-none' not found."))
    status, _, body = req(server, "PATCH", f"{T3}/tr-none/tags", {"key": "k", "value": "v"})
    assert status == 400 and body["error_code"] == "BAD_REQUEST"
    if PG:
        assert "fk_trace_tags_request_id" in body["message"]
    else:
        assert body["message"] == (
            "(sqlite3.IntegrityError) FOREIGN KEY constraint failed\n[SQL: INSERT INTO trace_tags (\"key\", value, "
            "request_id) VALUES (?, ?, ?)]\n[parameters: ('k', 'v', 'tr-none')]\n(Background on this error at: "
            "https://sqlalche.me/e/21/gkpj)")
    assert req(server, "DELETE", P, {"key": "k"})[0] == 200
    status, _, body = req(server, "DELETE", P, {"key": "k"})
    assert (status, body) == (404, mlflow_error("RESOURCE_DOES_NOT_EXIST",
                                                "No trace tag with key 'k' for trace with ID 'tr-tags'"))
    assert req(server, "DELETE", f"{T2}/tr-tags/tags", {"key": "mlflow.traceName"})[0] == 200
    status, _, body = req(server, "DELETE", P, {"key": "mlflow.traceName"})
    assert (status, body) == (404, mlflow_error(
        "RESOURCE_DOES_NOT_EXIST", "No trace tag with key 'mlflow.traceName' for trace with ID 'tr-tags'"))
    status, _, body = req(server, "DELETE", P, {"key": "mlflow.trace.spansLocation"})
    assert (status, body) == (400, mlflow_error(
        "INVALID_PARAMETER_VALUE", "Tag 'mlflow.trace.spansLocation' is immutable and cannot be deleted on a trace."))


def test_delete_traces(server):
    e = make_exp(server, "traces-delete")
    for i in range(4):
        start(server, e, f"tr-d{i}", request_time=f"2024-01-0{i + 1}T00:00:00Z", tags={"k": "v"},
              trace_metadata={"m": "v"})
    # children MLflow's schema deletes with the trace, and a review queue item naming it
    server.sql("INSERT INTO trace_metrics (request_id, key, value) VALUES ('tr-d0', 'x', 1.0)")
    server.sql("INSERT INTO review_queues (queue_id, experiment_id, name, queue_type, creation_time_ms, "
               "last_update_time_ms, name_key) VALUES ('q1', ?, 'q', 'manual', 1, 1, 'q')", (int(e),))
    server.sql("INSERT INTO review_queue_items (queue_id, item_type, item_id, status, creation_time_ms, "
               "last_update_time_ms) VALUES ('q1', 'trace', 'tr-d0', 'pending', 1, 1)")
    D = T3 + "/delete-traces"
    for body, message in [
        ({"experiment_id": e}, "Either `max_timestamp_millis` or `trace_ids` must be specified."),
        ({"experiment_id": e, "max_timestamp_millis": 1, "request_ids": ["a"]},
         "Only one of `max_timestamp_millis` and `trace_ids` can be specified."),
        ({"experiment_id": e, "max_traces": 1, "request_ids": ["a"]},
         "`max_traces` can't be specified if `trace_ids` is specified."),
        ({"experiment_id": e, "max_timestamp_millis": 1, "max_traces": 0},
         "`max_traces` must be a positive integer, received 0."),
        ({"experiment_id": "abc", "request_ids": ["a"]},
         "Invalid experiment ID 'abc'. Experiment ID must be a valid integer."),
        ({}, "Missing value for required parameter 'experiment_id'." + SEE),
    ]:
        status, _, resp = req(server, "POST", D, body)
        assert (status, resp) == (400, mlflow_error("INVALID_PARAMETER_VALUE", message)), body
    # the oldest first, up to max_traces
    status, _, resp = req(server, "POST", D, {"experiment_id": e, "max_timestamp_millis": 1704153600000,
                                              "max_traces": 1})
    assert (status, resp) == (200, {"traces_deleted": 1})
    assert server.query1("SELECT count(*) FROM trace_info WHERE request_id = 'tr-d0'")[0] == 0
    for table, col in [("trace_tags", "request_id"), ("trace_request_metadata", "request_id"),
                       ("trace_metrics", "request_id"), ("review_queue_items", "item_id")]:
        assert server.query1(f"SELECT count(*) FROM {table} WHERE {col} = 'tr-d0'")[0] == 0, table
    status, _, resp = req(server, "POST", D, {"experiment_id": e, "request_ids": ["tr-d2", "tr-none"]})
    assert (status, resp) == (200, {"traces_deleted": 1})
    status, _, resp = req(server, "POST", T2 + "/delete-traces", {"experiment_id": e,
                                                                  "max_timestamp_millis": 9999999999999})
    assert (status, resp) == (200, {"traces_deleted": 2})
    status, _, resp = req(server, "POST", D, {"experiment_id": "999999", "request_ids": ["x"]})
    assert (status, resp) == (200, {"traces_deleted": 0})


def test_v2_start_end_get(server, eid):
    status, _, body = req(server, "POST", T2, {
        "experiment_id": eid, "timestamp_ms": 1700000000000,
        "request_metadata": [{"key": "m", "value": "1"}, {"key": "mlflow.trace.session", "value": "s"}],
        "tags": [{"key": "t", "value": "1"}, {"key": "mlflow.traceName", "value": "n"},
                 {"key": "mlflow.artifactLocation", "value": "zz"}]})
    assert status == 200, body
    ti = body["trace_info"]
    rid = ti["request_id"]
    assert re.fullmatch(r"[0-9a-f]{32}", rid)
    assert (ti["experiment_id"], ti["timestamp_ms"], ti["execution_time_ms"], ti["status"]) == (
        eid, 1700000000000, 0, "IN_PROGRESS")
    assert sorted((t["key"], t["value"]) for t in ti["tags"]) == [
        ("mlflow.artifactLocation", f"mlflow-artifacts:/{eid}/traces/{rid}/artifacts"), ("mlflow.traceName", "n"),
        ("t", "1")]
    assert sorted((m["key"], m["value"]) for m in ti["request_metadata"]) == [("m", "1"),
                                                                               ("mlflow.trace.session", "s")]
    status, _, body = req(server, "PATCH", f"{T2}/{rid}", {
        "timestamp_ms": 1700000000500, "status": "OK",
        "request_metadata": [{"key": "mlflow.trace.tokenUsage", "value": '{"input_tokens": 3}'}],
        "tags": [{"key": "mlflow.traceName", "value": "n2"}]})
    assert status == 200, body
    ti = body["trace_info"]
    assert (ti["execution_time_ms"], ti["status"]) == (500, "OK")
    assert ("mlflow.traceName", "n2") in [(t["key"], t["value"]) for t in ti["tags"]]
    status, _, body = req(server, "GET", f"{T2}/{rid}/info")
    assert status == 200 and body["trace_info"] == ti
    status, _, body = req(server, "PATCH", f"{T2}/{rid}", {})
    assert (status, body) == (500, mlflow_error(
        "INTERNAL_ERROR", "<TraceStatus.UNSPECIFIED: 'TRACE_STATUS_UNSPECIFIED'> is not a valid TraceState"))
    status, _, body = req(server, "PATCH", f"{T2}/tr-none", {"status": "OK"})
    assert (status, body) == (404, mlflow_error("RESOURCE_DOES_NOT_EXIST", "Trace with ID 'tr-none' not found."))
    status, _, body = req(server, "POST", T2, {"experiment_id": eid, "tags": [{"value": "1"}]})
    assert (status, body) == (400, mlflow_error(
        "INVALID_PARAMETER_VALUE",
        "Invalid value [{\"value\":\"1\"}] for parameter 'tags' supplied:  Hint: Value was of type 'list'." + SEE))


def test_links(server, eid):
    start(server, eid, "tr-l1")
    start(server, eid, "tr-l2")
    status, _, body = server.post("runs/create", {"experiment_id": eid})
    run_id = body["run"]["info"]["run_id"]
    L = T2 + "/link-to-run"
    assert req(server, "POST", L, {"trace_ids": ["tr-l1"], "run_id": run_id})[::2] == (200, {})
    # the links there already are left as they are
    assert req(server, "POST", L, {"trace_ids": ["tr-l1", "tr-l2"], "run_id": run_id})[::2] == (200, {})
    rows = server.query("SELECT source_type, source_id, destination_type, destination_id FROM entity_associations "
                        "WHERE destination_id = ? ORDER BY source_id", (run_id,))
    assert [tuple(r) for r in rows] == [("trace", "tr-l1", "run", run_id), ("trace", "tr-l2", "run", run_id)]
    status, _, body = req(server, "POST", L, {"trace_ids": ["x%d" % i for i in range(101)], "run_id": run_id})
    assert (status, body) == (400, mlflow_error(
        "INVALID_PARAMETER_VALUE", "Cannot link more than 100 traces to a run in a single request. Provided 101 traces."))
    status, _, body = req(server, "POST", L, {"trace_ids": ["tr-l9", "tr-l9"], "run_id": run_id})
    assert status == 400 and body["error_code"] == "BAD_REQUEST"
    assert server.query1("SELECT count(*) FROM entity_associations WHERE source_id = 'tr-l9'")[0] == 0
    P = T2 + "/link-prompts"
    status, _, body = req(server, "POST", P, {"trace_id": "tr-l1", "prompt_versions": [
        {"name": "p", "version": "1"}, {"name": "q", "version": "02"}]})
    assert (status, body) == (200, {})
    assert req(server, "POST", P, {"trace_id": "tr-l1", "prompt_versions": [{"name": "p", "version": "1"}]})[0] == 200
    rows = server.query("SELECT destination_type, destination_id FROM entity_associations WHERE source_id = "
                        "'tr-l1' AND destination_type = 'prompt_version' ORDER BY destination_id")
    assert [tuple(r) for r in rows] == [("prompt_version", "p/1"), ("prompt_version", "q/2")]
    status, _, body = req(server, "POST", P, {"trace_id": "tr-none", "prompt_versions": [{"name": "p",
                                                                                          "version": "1"}]})
    assert (status, body) == (404, mlflow_error("RESOURCE_DOES_NOT_EXIST", "Trace with ID 'tr-none' not found."))
    status, _, body = server.request("POST", P, {"trace_id": "tr-l1", "prompt_versions": [{"name": "p"}]}, raw=True)
    assert status == 500 and body.startswith(b"<!doctype html>")


def test_trace_answers_are_compact_json(server, eid):
    """MLflow writes the trace handlers' answers with message_to_json(pretty=False): json.dumps with
    separators (",", ":"); the other rpcs keep indent=2."""
    start(server, eid, "tr-compact", tags={"k": "v"})
    for method, path, body in [
        ("POST", T3, info(eid, "tr-compact-2")),
        ("GET", T3 + "/tr-compact", None),
        ("POST", T3 + "/batchGetInfos", {"trace_ids": ["tr-compact"]}),
        ("POST", T3 + "/search", {"locations": [{"type": "MLFLOW_EXPERIMENT",
                                                  "mlflow_experiment": {"experiment_id": eid}}]}),
    ]:
        status, _, raw = server.request(method, path, body, raw=True)
        assert status == 200, raw
        assert raw == json.dumps(json.loads(raw), separators=(",", ":")).encode(), (path, raw[:200])
    status, _, raw = server.request("GET", "/api/2.0/mlflow/experiments/get?experiment_id=" + eid, raw=True)
    assert status == 200 and raw.startswith(b"{\n  "), raw[:100]


def test_v2_info_lists_the_name_after_the_stored_tags(server, eid):
    """SqlTraceInfo.to_mlflow_entity adds the name (trace_info's column) after the stored tags, so the v2
    answer's tag list ends with it, in getTraceInfo and in searchTraces alike."""
    start(server, eid, "tr-name-last", tags={"mlflow.traceName": "named", "only": "one"})
    status, _, body = req(server, "GET", T2 + "/tr-name-last/info")
    assert status == 200, body
    assert body["trace_info"]["tags"][-1] == {"key": "mlflow.traceName", "value": "named"}
    status, _, body = server.get("traces", f"experiment_ids={eid}&filter=attributes.name%20%3D%20%27named%27")
    assert status == 200, body
    assert [t["tags"][-1] for t in body["traces"]] == [{"key": "mlflow.traceName", "value": "named"}]


def test_v2_info_lists_the_tags_in_insertion_order(server, eid):
    """MLflow reads a trace's tags with no ORDER BY, through the request_id index: in the order they were
    written (SQLite's rowid, PostgreSQL's heap order), which the v2 answer's tag list shows."""
    start(server, eid, "tr-tag-order")
    for key in ("zeta", "beta", "aaa"):
        assert req(server, "PATCH", f"{T3}/tr-tag-order/tags", {"key": key, "value": "v"})[0] == 200
    status, _, body = req(server, "GET", T2 + "/tr-tag-order/info")
    assert status == 200, body
    assert [t["key"] for t in body["trace_info"]["tags"]] == ["mlflow.artifactLocation", "zeta", "beta", "aaa"]
