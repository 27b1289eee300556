"""Spans over HTTP: POST /v1/traces (OTLP protobuf and JSON, gzip and deflate), the rows it writes as MLflow
3.18's log_spans writes them (spans, trace_info, tags, metadata; the expected texts are MLflow's own for
the same request), getTrace, batchGetTraces and get-trace-artifact, and bad input: MLflow's answer, nothing
stored, the server still up."""

import gzip
import importlib
import json
import os
import sys
import threading
import zlib

import pytest

from conftest import Server

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "diff", "corpus"))
otlp = importlib.import_module("97_traces_spans")  # the corpus's protobuf writer (request, span, ...)

PB = "application/x-protobuf"
S = otlp.S
T1 = "0123456789abcdef0123456789abcdef"

ROOT_CONTENT = (
    '{"trace_id": "ASNFZ4mrze8BI0VniavN7w==", "span_id": "ERERERERERE=", "parent_span_id": null, "name": "root", '
    '"kind": "SPAN_KIND_SERVER", "start_time_unix_nano": 1700000000000000000, "end_time_unix_nano": '
    '1700000001500000000, "events": [], "status": {"code": "STATUS_CODE_OK", "message": ""}, "attributes": '
    '{"mlflow.spanInputs": "{\\"q\\": \\"h\\\\u00e9llo\\"}", "mlflow.spanOutputs": "\\"answer\\"", "n": "3", '
    '"f": "1.5", "b": "true", "mlflow.spanType": "\\"CHAIN\\"", "mlflow.traceRequestId": '
    '"\\"tr-0123456789abcdef0123456789abcdef\\""}, "links": []}')
CHILD_CONTENT = (
    '{"trace_id": "ASNFZ4mrze8BI0VniavN7w==", "span_id": "IiIiIiIiIiI=", "parent_span_id": "ERERERERERE=", '
    '"name": "child", "kind": "SPAN_KIND_INTERNAL", "start_time_unix_nano": 1700000000100000000, '
    '"end_time_unix_nano": 1700000000900000000, "events": [{"name": "exception", "time_unix_nano": '
    '1700000000200000000, "attributes": {"exception.message": "boom"}}], "status": {"code": "STATUS_CODE_ERROR", '
    '"message": "bad"}, "attributes": {"mlflow.chat.tokenUsage": "{\\"input_tokens\\": 10, \\"output_tokens\\": 5, '
    '\\"total_tokens\\": 15}", "mlflow.traceRequestId": "\\"tr-0123456789abcdef0123456789abcdef\\""}, '
    '"links": []}')


def two_spans(tid=T1):
    root = otlp.span(tid, "1111111111111111", "root", S, S + 1_500_000_000, kind=2, status=1, attrs={
        "mlflow.spanInputs": json.dumps({"q": "héllo"}), "mlflow.spanOutputs": '"answer"', "n": 3, "f": 1.5,
        "b": True, "mlflow.spanType": '"CHAIN"'})
    child = otlp.span(tid, "2222222222222222", "child", S + 100_000_000, S + 900_000_000,
                      parent="1111111111111111", status=2, message="bad",
                      attrs={"mlflow.chat.tokenUsage": json.dumps({"input_tokens": 10, "output_tokens": 5,
                                                                   "total_tokens": 15})},
                      events=[("exception", S + 200_000_000, {"exception.message": "boom"})])
    return otlp.request([root, child], resource={"service.name": "svc", "deployment": "prod"})


def post(s, body, exp, content_type=PB, headers=None):
    h = {"Content-Type": content_type, "x-mlflow-experiment-id": exp, **(headers or {})}
    return s.request("POST", "/v1/traces", body, headers=h, raw=True)


def counts(s):
    return tuple(s.query1(f"SELECT count(*) FROM {t}")[0]
                 for t in ("trace_info", "spans", "trace_tags", "trace_request_metadata"))


@pytest.fixture(scope="module")
def server():
    s = Server()
    s.exp = s.post("experiments/create", {"name": "otlp"})[2]["experiment_id"]
    yield s
    s.stop()


def test_protobuf_rows_are_mlflows(server):
    st, h, body = post(server, two_spans(), server.exp)
    assert (st, h["content-type"], body) == (200, PB, b"")
    rows = server.query("SELECT span_id, parent_span_id, name, type, status, start_time_unix_nano, "
                        "end_time_unix_nano, content, experiment_id FROM spans WHERE trace_id = ? ORDER BY span_id",
                        ("tr-" + T1,))
    assert rows == [
        ("1111111111111111", None, "root", "CHAIN", "OK", S, S + 1_500_000_000, ROOT_CONTENT, int(server.exp)),
        ("2222222222222222", "1111111111111111", "child", None, "ERROR", S + 100_000_000, S + 900_000_000,
         CHILD_CONTENT, int(server.exp)),
    ]
    ti = server.query1("SELECT experiment_id, timestamp_ms, execution_time_ms, status, request_preview, "
                       "response_preview, input_tokens, output_tokens, total_tokens, db_payload_generation "
                       "FROM trace_info WHERE request_id = ?", "tr-" + T1)
    assert ti == (int(server.exp), S // 1_000_000, 1500, "OK", '{"q": "h\\u00e9llo"}', '"answer"', 10, 5, 15, 1)
    tags = dict(server.query("SELECT key, value FROM trace_tags WHERE request_id = ?", ("tr-" + T1,)))
    assert tags.pop("mlflow.artifactLocation").endswith(f"/{server.exp}/traces/tr-{T1}/artifacts")
    assert tags == {"mlflow.trace.spansLocation": "TRACKING_STORE", "service.name": "svc", "deployment": "prod"}


def test_get_trace(server):
    st, _, body = server.get("traces/get", "trace_id=tr-" + T1, prefix="/api/3.0/mlflow/")
    assert st == 200
    info, spans = body["trace"]["trace_info"], body["trace"]["spans"]
    assert info["state"] == "OK" and info["execution_duration"] == "1.500s"
    assert info["trace_metadata"] == {"mlflow.trace.tokenUsage":
                                      '{"input_tokens": 10, "output_tokens": 5, "total_tokens": 15}'}
    assert [s["name"] for s in spans] == ["root", "child"]
    assert spans[0]["attributes"][0] == {"key": "mlflow.spanInputs", "value": {"kvlist_value": {"values": [
        {"key": "q", "value": {"string_value": "héllo"}}]}}}
    assert spans[0]["attributes"][2:5] == [{"key": "n", "value": {"int_value": 3}},
                                           {"key": "f", "value": {"double_value": 1.5}},
                                           {"key": "b", "value": {"bool_value": True}}]
    assert spans[1]["status"] == {"message": "bad", "code": "STATUS_CODE_ERROR"}
    assert spans[1]["events"][0]["attributes"] == [{"key": "exception.message", "value": {"string_value": "boom"}}]
    st, _, body = server.get("traces/get", "trace_id=tr-nope", prefix="/api/3.0/mlflow/")
    assert (st, body["error_code"], body["message"]) == (404, "RESOURCE_DOES_NOT_EXIST",
                                                         "Trace with ID tr-nope is not found.")


def test_batch_get_and_artifact(server):
    st, _, body = server.get("traces/batchGet", f"trace_ids=tr-{T1}&trace_ids=tr-nope",
                             prefix="/api/3.0/mlflow/")
    assert st == 200 and [t["trace_info"]["trace_id"] for t in body["traces"]] == ["tr-" + T1]
    st, _, body = server.get("traces/batchGet", f"trace_ids=tr-{T1}&experiment_ids=0", prefix="/api/3.0/mlflow/")
    assert (st, body) == (200, {})
    st, h, data = server.request("GET", f"/ajax-api/2.0/mlflow/get-trace-artifact?request_id=tr-{T1}", raw=True)
    assert st == 200 and h["content-type"] == "text/plain"
    assert h["content-disposition"] == "attachment; filename=traces.json"
    assert data.decode() == '{"spans":[' + ROOT_CONTENT + "," + CHILD_CONTENT + "]}"
    st, _, body = server.request("GET", "/ajax-api/2.0/mlflow/get-trace-artifact")
    assert (st, body["error_code"]) == (400, "BAD_REQUEST")
    # the UI's trace drawer asks the 3.0 path, which MLflow serves with the same handler
    st, h, data3 = server.request("GET", f"/ajax-api/3.0/mlflow/get-trace-artifact?request_id=tr-{T1}", raw=True)
    assert (st, data3) == (200, data) and h["content-type"] == "text/plain"


def test_json_gzip_deflate(server):
    tid = "000000000000000000000000000000aa"
    js = {"resourceSpans": [{"scopeSpans": [{"spans": [{
        "traceId": tid, "spanId": "5555555555555555", "name": "json", "startTimeUnixNano": str(S),
        "endTimeUnixNano": str(S + 5_000_000), "attributes": [{"key": "k", "value": {"intValue": "5"}}]}]}]}]}
    st, h, body = post(server, json.dumps(js), server.exp, content_type="application/json")
    assert (st, h["content-type"], body) == (200, "application/json", b"{}")
    assert server.query1("SELECT content FROM spans WHERE trace_id = ?", "tr-" + tid)[0].count('"k": "5"') == 1
    for enc, data in (("gzip", gzip.compress(two_spans("bb" * 16))), ("deflate", zlib.compress(two_spans("cc" * 16)))):
        st, _, _ = post(server, data, server.exp, headers={"Content-Encoding": enc})
        assert st == 200
    assert server.query1("SELECT count(*) FROM spans WHERE trace_id IN (?, ?)", "tr-" + "bb" * 16,
                         "tr-" + "cc" * 16)[0] == 4


def test_more_spans_recompute_the_trace(server):
    tid = "dd" * 16
    assert post(server, two_spans(tid), server.exp)[0] == 200
    late = otlp.span(tid, "3333333333333333", "late", S - 50_000_000, S + 3_000_000_000,
                     parent="1111111111111111",
                     attrs={"mlflow.chat.tokenUsage": json.dumps({"input_tokens": 1, "output_tokens": 2,
                                                                  "total_tokens": 3})})
    assert post(server, otlp.request([late]), server.exp)[0] == 200
    # a re-sent span replaces its row and is not counted twice
    assert post(server, otlp.request([late]), server.exp)[0] == 200
    row = server.query1("SELECT timestamp_ms, execution_time_ms, input_tokens, output_tokens, total_tokens, "
                        "db_payload_generation FROM trace_info WHERE request_id = ?", "tr-" + tid)
    assert row == ((S - 50_000_000) // 1_000_000, 3050, 11, 7, 18, 3)


def test_bad_input_stores_nothing(server):
    before = counts(server)
    cases = [
        (dict(body=two_spans("ee" * 16), exp=None), 422),
        (dict(body=two_spans("ee" * 16), exp=server.exp, content_type="text/plain"), 400),
        (dict(body=b"\xff\xff\xff", exp=server.exp), 400),
        (dict(body=b"", exp=server.exp), 400),
        (dict(body=b"junk", exp=server.exp, headers={"Content-Encoding": "gzip"}), 400),
        (dict(body=b"junk", exp=server.exp, headers={"Content-Encoding": "deflate"}), 400),
        (dict(body=two_spans("ee" * 16), exp=server.exp, headers={"Content-Encoding": "br"}), 400),
        (dict(body=b"{nope", exp=server.exp, content_type="application/json"), 400),
        (dict(body=b"[1]", exp=server.exp, content_type="application/json"), 500),
        (dict(body=two_spans("ee" * 16), exp="123456"), 404),
        (dict(body=two_spans("ee" * 16), exp="abc"), 400),
        (dict(body=two_spans(T1), exp="0"), 400),  # T1 is in another experiment
        (dict(body=otlp.request([otlp.span("01" + "ee" * 16, "1111111111111111", "x", S, S)]), exp=server.exp), 422),
        (dict(body=otlp.ld(1, otlp.ld(2, otlp.ld(2, otlp.ld(5, "no-ids")))), exp=server.exp), 422),
        (dict(body=two_spans("ee" * 16).replace(b"child", b"\xff\xfe\xfd\xfc\xfb"), exp=server.exp), 400),
    ]
    for kw, status in cases:
        h = {"Content-Type": kw.get("content_type", PB), **kw.get("headers", {})}
        if kw["exp"] is not None:
            h["x-mlflow-experiment-id"] = kw["exp"]
        st, _, body = server.request("POST", "/v1/traces", kw["body"], headers=h, raw=True)
        assert st == status, (kw, body)
    assert counts(server) == before
    assert server.request("GET", "/health")[0] == 200


def test_too_large_body(server):
    # a body over --max-body-size (64 MiB): answered before it is read, nothing stored, the server fine
    import socket
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as c:
        c.sendall(b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
                  b"x-mlflow-experiment-id: %s\r\nContent-Length: %d\r\n\r\n\n" % (server.exp.encode(), 65 << 20))
        assert c.recv(4096).startswith(b"HTTP/1.1 413")
    assert server.request("GET", "/health")[0] == 200


def test_concurrent_batches_of_one_trace(server):
    tid = "ab" * 16
    errors = []

    def send(i):
        sp = otlp.span(tid, f"{i + 1:016x}", f"s{i}", S + i, S + 1000 + i, parent="00000000000000ff",
                       attrs={"mlflow.chat.tokenUsage": json.dumps({"input_tokens": 1, "output_tokens": 1,
                                                                    "total_tokens": 2})})
        st, _, body = post(server, otlp.request([sp]), server.exp)
        if st != 200:
            errors.append((st, body))

    threads = [threading.Thread(target=send, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    row = server.query1("SELECT status, input_tokens, total_tokens, (SELECT count(*) FROM spans WHERE trace_id = ?) "
                        "FROM trace_info WHERE request_id = ?", "tr-" + tid, "tr-" + tid)
    assert row == ("IN_PROGRESS", 16, 32, 16)


def test_trace_artifact_from_the_artifact_location(server, tmp_path):
    # a trace whose spans went to its artifact location (no spans-location tag): traces.json is read there
    d = tmp_path / "traces" / "tr-art" / "artifacts"
    d.mkdir(parents=True)
    (d / "traces.json").write_text('{"spans": []}')
    server.sql("INSERT INTO trace_info (request_id, experiment_id, timestamp_ms, execution_time_ms, status) "
               "VALUES ('tr-art', ?, 1, 1, 'OK')", (int(server.exp),))
    server.sql("INSERT INTO trace_tags (key, value, request_id) VALUES ('mlflow.artifactLocation', ?, 'tr-art')",
               (str(d),))
    st, h, data = server.request("GET", "/ajax-api/2.0/mlflow/get-trace-artifact?request_id=tr-art", raw=True)
    assert (st, h["content-type"], data) == (200, "text/plain", b'{"spans": []}')
    assert h["content-disposition"] == "attachment; filename=traces.json"
    # its spans are not in the store: getTrace says so as MLflow does (MlflowTracingException)
    st, _, body = server.get("traces/get", "trace_id=tr-art", prefix="/api/3.0/mlflow/")
    assert (st, body["error_code"], body["message"]) == (500, "INTERNAL_ERROR", "Trace data not stored in tracking store")
    (d / "traces.json").unlink()
    st, _, body = server.request("GET", "/ajax-api/2.0/mlflow/get-trace-artifact?request_id=tr-art")
    assert (st, body["error_code"], body["message"]) == (404, "NOT_FOUND", "Trace data not found for path=traces.json")


def test_rollup_usage_is_not_counted_twice(server):
    # a parent carrying its children's sum (a rollup) counts once; a deep chain stays fast
    tid = "cd" * 16
    usage = lambda n: {"mlflow.chat.tokenUsage": json.dumps({"input_tokens": n, "output_tokens": n,
                                                              "total_tokens": 2 * n})}
    spans = [otlp.span(tid, "0000000000000001", "agent", S, S + 10, attrs=usage(10))]
    spans += [otlp.span(tid, f"{i + 2:016x}", f"c{i}", S + i, S + 5, parent=f"{i + 1:016x}", attrs=usage(3))
              for i in range(2000)]
    spans.append(otlp.span(tid, "00000000000fffff", "side", S, S + 5, parent="0000000000000abc", attrs=usage(1)))
    assert post(server, otlp.request(spans), server.exp)[0] == 200
    row = server.query1("SELECT input_tokens, total_tokens FROM trace_info WHERE request_id = ?", "tr-" + tid)
    assert row == (11, 22)  # the agent's 10 and the orphan's 1 (its parent is not in the trace: a root)


def test_deep_nesting_is_refused_not_fatal(server):
    def nested(levels):
        # kvlist_value {values: [{key: "k", value: ...}]} nested levels deep, written outside-in in one pass
        leaf = otlp.anyvalue("leaf")
        inner = [len(leaf)]  # the size of each level's AnyValue, innermost first
        kvs = []
        for _ in range(levels):
            kv = len(otlp.ld(1, "k")) + 1 + len(otlp.varint(inner[-1])) + inner[-1]  # KeyValue
            kvl = 1 + len(otlp.varint(kv)) + kv  # KeyValueList
            kvs.append(kv)
            inner.append(1 + len(otlp.varint(kvl)) + kvl)  # AnyValue
        parts = []
        for lvl in range(levels - 1, -1, -1):
            kv = kvs[lvl]
            kvl = 1 + len(otlp.varint(kv)) + kv
            parts += [b"\x32", otlp.varint(kvl), b"\x0a", otlp.varint(kv), otlp.ld(1, "k"), b"\x12",
                      otlp.varint(inner[lvl])]
        return b"".join(parts) + leaf

    tid = "9a" * 16

    def body(levels):
        sp = otlp.ld(1, bytes.fromhex(tid)) + otlp.ld(2, bytes.fromhex("1111111111111111")) + otlp.ld(5, "deep")
        sp += otlp.ld(9, otlp.ld(1, "deep") + otlp.ld(2, nested(levels)))
        return otlp.ld(1, otlp.ld(2, otlp.ld(2, sp)))

    st, _, data = post(server, body(100000), server.exp)  # protobuf-c would recurse 300000 messages deep
    assert (st, json.loads(data)) == (400, {"detail": "Invalid OpenTelemetry format"})
    assert post(server, body(20), server.exp)[0] == 200
    deep = '{"kvlistValue":{"values":[{"key":"k","value":' * 5000 + '{"stringValue":"x"}' + "}]}}" * 5000
    js = ('{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"' + "9b" * 16 + '","spanId":"1111111111111111",'
          '"attributes":[{"key":"d","value":' + deep + "}]}]}]}]}")
    st, _, _ = post(server, js, server.exp, content_type="application/json")
    assert st in (400, 500)  # MLflow: json.loads' RecursionError (500); mlflow-c's reader refuses the depth (400)
    assert server.request("GET", "/health")[0] == 200


def test_run_header_links_complete_traces(server):
    """x-mlflow-run-id: the traces whose root span the request brings are linked to the run (child spans alone
    link nothing); a link that fails (an unknown run) is only logged, the spans are stored."""
    run = server.post("runs/create", {"experiment_id": server.exp})[2]["run"]["info"]["run_id"]
    t2, t3, t4 = "1" * 32, "2" * 32, "3" * 32
    child_only = otlp.request([otlp.span(t3, "3333333333333333", "c", S, S + 1, parent="4444444444444444")])
    for body in (two_spans(t2), child_only):
        st, _, out = post(server, body, server.exp, headers={"x-mlflow-run-id": run})
        assert st == 200, out
    links = server.query("SELECT source_id FROM entity_associations WHERE source_type = 'trace' AND "
                         "destination_type = 'run' AND destination_id = ?", (run,))
    assert links == [("tr-" + t2,)]
    st, _, out = post(server, two_spans(t4), server.exp, headers={"x-mlflow-run-id": "no-such-run"})
    assert st == 200, out
    assert server.query1("SELECT count(*) FROM spans WHERE trace_id = ?", "tr-" + t4)[0] == 2
