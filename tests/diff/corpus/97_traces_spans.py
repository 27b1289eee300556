"""Spans: POST /v1/traces (OTLP/HTTP, protobuf and JSON bodies, gzip and deflate, the experiment header,
bad bodies and unknown experiments), then getTrace, batchGetTraces and get-trace-artifact of what was
logged. The protobuf bodies are encoded here by hand (no OTel package needed)."""

import gzip
import json
import struct
import zlib

OTLP = "/v1/traces"
GET = "/api/3.0/mlflow/traces/get"
BATCH = "/api/3.0/mlflow/traces/batchGet"
ART = "/ajax-api/2.0/mlflow/get-trace-artifact"
PB = "application/x-protobuf"


# ---- a minimal protobuf writer for the OTLP messages ----

def varint(n):
    n &= (1 << 64) - 1
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out


def field(num, wire, payload):
    key = varint((num << 3) | wire)
    if wire == 2:
        return key + varint(len(payload)) + payload
    return key + payload


def ld(num, payload):
    return field(num, 2, payload if isinstance(payload, bytes) else payload.encode())


def anyvalue(v):
    if isinstance(v, bool):
        return field(2, 0, varint(int(v)))
    if isinstance(v, str):
        return ld(1, v)
    if isinstance(v, int):
        return field(3, 0, varint(v))
    if isinstance(v, float):
        return field(4, 1, struct.pack("<d", v))
    if isinstance(v, bytes):
        return ld(7, v)
    if isinstance(v, list):
        return ld(5, b"".join(ld(1, anyvalue(x)) for x in v))
    if isinstance(v, dict):
        return ld(6, b"".join(ld(1, kv(k, x)) for k, x in v.items()))
    return b""


def kv(k, v):
    return ld(1, k) + ld(2, anyvalue(v))


def span(tid, sid, name, start, end, parent=None, attrs=None, status=0, message="", kind=0, events=()):
    out = ld(1, bytes.fromhex(tid)) + ld(2, bytes.fromhex(sid))
    if parent:
        out += ld(4, bytes.fromhex(parent))
    out += ld(5, name)
    if kind:
        out += field(6, 0, varint(kind))
    out += field(7, 1, struct.pack("<Q", start)) + field(8, 1, struct.pack("<Q", end))
    for k, v in (attrs or {}).items():
        out += ld(9, kv(k, v))
    for ename, etime, eattrs in events:
        ev = field(1, 1, struct.pack("<Q", etime)) + ld(2, ename)
        for k, v in eattrs.items():
            ev += ld(3, kv(k, v))
        out += ld(11, ev)
    st = b""
    if message:
        st += ld(2, message)
    if status:
        st += field(3, 0, varint(status))
    out += ld(15, st)
    return out


def request(spans, resource=None):
    res = b"".join(ld(1, kv(k, v)) for k, v in (resource or {}).items())
    scope = b"".join(ld(2, s) for s in spans)
    return ld(1, ld(1, res) + ld(2, scope))


T1 = "0123456789abcdef0123456789abcdef"
T2 = "fedcba9876543210fedcba9876543210"
T3 = "00000000000000000000000000000abc"
S = 1700000000000000000


def run(t):
    eid = t.post("experiments/create", {"name": "spans-exp"}, name="setup-exp").get("experiment_id")
    hdr = {"x-mlflow-experiment-id": eid}

    root = span(T1, "1111111111111111", "root", S, S + 1_500_000_000, kind=2, status=1, attrs={
        "mlflow.spanInputs": json.dumps({"messages": [{"role": "user", "content": "héllo"}]}),
        "mlflow.spanOutputs": '"answer"', "n": 3, "f": 1.5, "b": True, "mlflow.spanType": '"CHAIN"',
        "lst": [1, "a", 2.5], "d": {"x": 1}, "raw": "plain text", "mlflow.traceTag.team": "core",
        "mlflow.traceTag.mlflow.traceName": "my-trace", "mlflow.traceTag.mlflow.artifactLocation": "x",
        "session.id": '"sess-1"', "user.id": "alice"})
    child = span(T1, "2222222222222222", "child", S + 100_000_000, S + 900_000_000, parent="1111111111111111",
                 status=2, message="bad", attrs={
                     "mlflow.chat.tokenUsage": json.dumps({"input_tokens": 10, "output_tokens": 5,
                                                           "total_tokens": 15}),
                     "mlflow.llm.cost": json.dumps({"input_cost": 0.5, "output_cost": 0.25, "total_cost": 0.75}),
                     "mlflow.spanInputs": json.dumps({"model": "gpt-x", "q": 1})},
                 events=[("exception", S + 200_000_000, {"exception.message": "boom", "n": 2})])
    body = request([root, child], resource={"service.name": "svc", "deployment": "prod", "n": 7,
                                            "telemetry.sdk.name": "x", "mlflow.x": "y"})
    t.post(OTLP, raw=body, content_type=PB, headers=hdr, name="pb-two-spans")
    t.get(GET, {"trace_id": "tr-" + T1}, name="get-1")
    t.get(GET, {"trace_id": "tr-" + T1, "allow_partial": "true"}, name="get-1-partial")

    # a second batch for the same trace: a later span, more tokens (recomputed over the tree)
    late = span(T1, "3333333333333333", "late", S - 50_000_000, S + 3_000_000_000, parent="1111111111111111",
                status=1, attrs={"mlflow.chat.tokenUsage": json.dumps({"input_tokens": 1, "output_tokens": 2,
                                                                        "total_tokens": 3})})
    t.post(OTLP, raw=gzip.compress(request([late])), content_type=PB,
           headers={**hdr, "Content-Encoding": "gzip"}, name="pb-gzip-late")
    t.get(GET, {"trace_id": "tr-" + T1}, name="get-1-after")

    # an in-progress trace (no root), deflate (zlib and raw)
    lone = span(T2, "4444444444444444", "lone", S, S + 10, parent="9999999999999999")
    t.post(OTLP, raw=zlib.compress(request([lone])), content_type=PB,
           headers={**hdr, "Content-Encoding": "deflate"}, name="pb-deflate")
    co = zlib.compressobj(wbits=-15)
    raw_deflate = co.compress(request([lone])) + co.flush()
    t.post(OTLP, raw=raw_deflate, content_type=PB, headers={**hdr, "Content-Encoding": "DEFLATE"},
           name="pb-raw-deflate")
    t.get(GET, {"trace_id": "tr-" + T2}, name="get-2")

    # JSON bodies (hex ids)
    js = {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name",
                                                          "value": {"stringValue": "claude-code"}}]},
                             "scopeSpans": [{"spans": [{
                                 "traceId": T3, "spanId": "5555555555555555", "name": "json-root",
                                 "startTimeUnixNano": str(S), "endTimeUnixNano": str(S + 5_000_000),
                                 "kind": "SPAN_KIND_CLIENT", "status": {"code": "STATUS_CODE_ERROR", "message": "x"},
                                 "attributes": [{"key": "k", "value": {"intValue": "5"}},
                                                {"key": "s", "value": {"stringValue": "v"}}]}]}]}]}
    t.post(OTLP, js, headers=hdr, name="json-one")
    t.get(GET, {"trace_id": "tr-" + T3}, name="get-3")
    t.post(OTLP, raw=json.dumps(js), content_type="application/json; charset=utf-8", headers=hdr,
           name="json-charset")

    # batchGetTraces
    t.get(BATCH, {"trace_ids": ["tr-" + T1, "tr-" + T3, "tr-nope", "tr-" + T1]}, name="batch")
    t.get(BATCH, {"trace_ids": ["tr-" + T1], "experiment_ids": [eid]}, name="batch-exp")
    t.get(BATCH, {"trace_ids": ["tr-" + T1], "experiment_ids": ["0"]}, name="batch-other-exp")
    t.get(BATCH, {}, name="batch-no-ids")
    t.get(BATCH, {"trace_ids": ["tr-" + T1], "experiment_ids": [""]}, name="batch-exp-blank")

    # get-trace-artifact
    t.get(ART, {"request_id": "tr-" + T1}, name="artifact-1")
    t.get(ART, {}, name="artifact-no-id")
    t.get(ART, {"request_id": "tr-nope"}, name="artifact-missing")

    # getTrace errors
    t.get(GET, {}, name="get-no-id")
    t.get(GET, {"trace_id": "tr-nope"}, name="get-missing")

    # errors of the ingest
    t.post(OTLP, raw=request([root]), content_type=PB, name="no-header")
    t.post(OTLP, raw=request([root]), content_type="text/plain", headers=hdr, name="bad-content-type")
    t.post(OTLP, raw=request([root]), headers=hdr, name="no-content-type")
    t.post(OTLP, raw=b"\xff\xff\xff", content_type=PB, headers=hdr, name="bad-protobuf")
    t.post(OTLP, raw=b"", content_type=PB, headers=hdr, name="empty-protobuf")
    t.post(OTLP, raw=b"not gzip", content_type=PB, headers={**hdr, "Content-Encoding": "gzip"}, name="bad-gzip")
    t.post(OTLP, raw=b"not deflate", content_type=PB, headers={**hdr, "Content-Encoding": "deflate"},
           name="bad-deflate")
    t.post(OTLP, raw=request([root]), content_type=PB, headers={**hdr, "Content-Encoding": "br"}, name="bad-encoding")
    t.post(OTLP, raw="{nope", content_type="application/json", headers=hdr, name="bad-json")
    t.post(OTLP, {"resourceSpans": []}, headers=hdr, name="json-no-spans")
    t.post(OTLP, {"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "zz", "spanId": "11"}]}]}]},
           headers=hdr, name="json-bad-hex")
    t.post(OTLP, raw=request([span(T1, "1111111111111111", "x", S, S)])[:0] + ld(1, ld(2, ld(2, ld(5, "x")))),
           content_type=PB, headers=hdr, name="span-no-ids")
    t.post(OTLP, raw=request([span("0000000000000000000000000000abcd", "6666666666666666", "r", S, S + 1)]),
           content_type=PB, headers={"x-mlflow-experiment-id": "123456"}, name="unknown-experiment")
    t.post(OTLP, raw=request([span("0000000000000000000000000000abce", "6666666666666666", "r", S, S + 1)]),
           content_type=PB, headers={"x-mlflow-experiment-id": "abc"}, name="bad-experiment")
    t.post(OTLP, raw=request([span(T1, "7777777777777777", "r", S, S + 1)]), content_type=PB,
           headers={"x-mlflow-experiment-id": "0"}, name="other-experiment")
    t.post(OTLP, raw=ld(1, b""), content_type=PB, headers=hdr, name="resource-no-spans")

    # ---- value shapes, several traces and resources in one request, re-sent spans ----
    T4, T5 = "44444444444444444444444444444444", "55555555555555555555555555555555"
    shapes = span(T4, "aaaaaaaaaaaaaaaa", "shapes", S, S + 2_000_000, status=0, message="ignored", attrs={
        "nan": float("nan"), "inf": float("-inf"), "tiny": 1e-7, "big": 1e22, "neg": -5, "bytes": b"\x00\xffab",
        "empty": None, "nested": {"a": [1, {"b": None}], "c": "é"}, "dup": "first", "json-str": '{"a": [1, 2]}',
        "json-num": "1", "json-quoted": '"quoted"', "ctrl": "line\nbreak\t\u0001", "mlflow.spanType": "LLM",
        "mlflow.spanInputs": json.dumps({"choices": [{"message": {"role": "assistant", "content": "hi"}}]}),
        "mlflow.spanOutputs": json.dumps({"messages": [{"role": "user", "content": [{"type": "text", "text": "t"}]},
                                                       {"role": "assistant", "content": "x" * 1200}]}),
        "mlflow.llm.model": '"m' + "x" * 600 + '"', "mlflow.llm.provider": "openai",
        "gen_ai.conversation.id": "conv-9"})
    shapes = shapes.replace(b"first", b"first")
    dup = ld(9, kv("dup", "second"))
    other = span(T5, "bbbbbbbbbbbbbbbb", "other-root", S + 5, S + 7, status=1,
                 attrs={"mlflow.traceTag.mlflow.traceName": "n" * 10, "mlflow.traceTag.bad/../key": "v",
                        "mlflow.traceTag.k2": 5})
    two = (ld(1, ld(1, ld(1, kv("service.name", "codex_cli_rs")) + ld(1, kv("r", [1, 2])) + ld(1, kv("rb", True)))
                 + ld(2, ld(2, shapes + dup)))
           + ld(1, ld(1, ld(1, kv("service.name", "other")) + ld(1, kv("zone", "z\u00e9"))) + ld(2, ld(2, other))))
    t.post(OTLP, raw=two, content_type=PB, headers=hdr, name="pb-two-traces")
    t.get(GET, {"trace_id": "tr-" + T4}, name="get-4")
    t.get(GET, {"trace_id": "tr-" + T5}, name="get-5")
    t.get(ART, {"request_id": "tr-" + T4}, name="artifact-4")
    resent = span(T5, "bbbbbbbbbbbbbbbb", "renamed-root", S + 1, S + 9, status=2, message="now bad")
    t.post(OTLP, raw=request([resent]), content_type=PB, headers=hdr, name="pb-resent")
    t.get(GET, {"trace_id": "tr-" + T5}, name="get-5-resent")

    # odd ids: short, with leading zero bytes, too long, zero parent, links
    t.post(OTLP, raw=request([span("0102030405060708", "0102", "short-ids", S, S + 1,
                                   parent="0000000000000000")]), content_type=PB, headers=hdr, name="short-ids")
    t.get(GET, {"trace_id": "tr-00000000000000000102030405060708"}, name="get-short")
    t.post(OTLP, raw=request([span("00" + T4, "00" + "cccccccccccccccc", "padded", S, S + 1)]), content_type=PB,
           headers=hdr, name="padded-ids")
    t.post(OTLP, raw=request([span("01" + T4, "cccccccccccccccc", "long", S, S + 1)]), content_type=PB,
           headers=hdr, name="long-trace-id")
    link = ld(1, bytes.fromhex(T1)) + ld(2, bytes.fromhex("1111111111111111")) + ld(4, kv("lk", b"\x01\x02"))
    linked = span("66666666666666666666666666666666", "dddddddddddddddd", "linked", S, S + 1) + ld(13, link)
    t.post(OTLP, raw=request([linked]), content_type=PB, headers=hdr, name="links")
    t.get(GET, {"trace_id": "tr-66666666666666666666666666666666"}, name="get-links")

    # bad strings, bad JSON shapes, experiments
    bad_utf8 = request([span("77777777777777777777777777777777", "eeeeeeeeeeeeeeee", "ok", S, S + 1)]).replace(
        b"ok", b"\xff\xfe")
    t.post(OTLP, raw=bad_utf8, content_type=PB, headers=hdr, name="bad-utf8")
    t.post(OTLP, raw="[1, 2]", content_type="application/json", headers=hdr, name="json-list")
    t.post(OTLP, {"resourceSpans": {"a": 1}}, headers=hdr, name="json-rs-dict")
    t.post(OTLP, {"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": T4, "spanId": "1234567812345678",
                                                                 "name": 5}]}]}]}, headers=hdr, name="json-bad-type")
    t.post(OTLP, {"resource_spans": [{"scope_spans": [{"spans": [{"trace_id": "qrvM3e7/ABEiM0RVZneImQ==",
                                                                    "span_id": "ESIzRFVmd4g=", "name": "snake",
                                                                    "start_time_unix_nano": 5,
                                                                    "end_time_unix_nano": 9}]}]}]},
           headers=hdr, name="json-snake")
    t.post(OTLP, {"resourceSpans": [{}], "extra": 1}, headers=hdr, name="json-empty-rs")
    dead = t.post("experiments/create", {"name": "spans-dead"}, name="setup-dead").get("experiment_id")
    t.post("experiments/delete", {"experiment_id": dead}, name="setup-dead-delete")
    t.post(OTLP, raw=request([span("99999999999999999999999999999999", "eeeeeeeeeeeeeeee", "d", S, S + 1)]),
           content_type=PB, headers={"x-mlflow-experiment-id": dead}, name="deleted-experiment")
    t.get(GET, {"trace_id": "tr-99999999999999999999999999999999"}, name="get-deleted-exp")
    t.post(OTLP, raw=request([span(T1, "1111111111111111", "root", S, S + 1)]), content_type=PB,
           headers={**hdr, "x-mlflow-run-id": "nope"}, name="run-header-unknown")
    t.post("/ajax-api/2.0/mlflow/get-trace-artifact", {}, name="artifact-post")
    for method in ("GET", "PUT", "DELETE", "PATCH"):
        t.request(method, OTLP, name=f"otlp-{method.lower()}")
    run_translations(t, hdr)
    run_depths(t, hdr)
    run_attachments(t, eid)
    run_link_header(t, eid, hdr)
    # last: PostgreSQL's message of this one names the trace id (its rendered INSERT, deviations.md)
    t.post(OTLP, raw=request([span("88888888888888888888888888888888", "eeeeeeeeeeeeeeee", "e", S, S + 1)]),
           content_type=PB, headers={"x-mlflow-experiment-id": ""}, name="empty-experiment-header")


def run_translations(t, hdr):
    """OTel schema conventions MLflow translates when storing: span types, inputs/outputs, token usage,
    tools, model and provider (OpenInference, GenAI semantic conventions, Traceloop)."""
    TT = "12121212121212121212121212121212"
    oi = span(TT, "0000000000000001", "oi", S, S + 10, attrs={
        "openinference.span.kind": "LLM", "input.value": '{"messages": [{"role": "user", "content": "q"}]}',
        "output.value": "plain answer", "llm.token_count.prompt": 12, "llm.token_count.completion": 8,
        "llm.token_count.prompt_details.cache_read": 2, "llm.model_name": "gpt-oi", "llm.provider": "openai"})
    ga = span(TT, "0000000000000002", "ga", S + 1, S + 20, parent="0000000000000001", attrs={
        "gen_ai.operation.name": "chat", "gen_ai.input.messages": '[{"role": "user", "parts": []}]',
        "gen_ai.output.messages": "", "gen_ai.usage.input_tokens": "7", "gen_ai.usage.output_tokens": 3,
        "gen_ai.usage.cache_creation.input_tokens": 1, "gen_ai.request.model": "claude-x",
        "gen_ai.response.model": "claude-x-2024", "gen_ai.provider.name": "anthropic",
        "gen_ai.tool.definitions": '[{"name": "f"}]', "mlflow.spanType": '"UNKNOWN"'})
    tl = span(TT, "0000000000000003", "tl", S + 2, S + 30, parent="0000000000000001", attrs={
        "traceloop.span.kind": "workflow", "gen_ai.prompt.0.content": "hello", "gen_ai.completion.0.content": "bye",
        "gen_ai.usage.prompt_tokens": 4, "gen_ai.usage.completion_tokens": 5, "llm.usage.total_tokens": 10,
        "gen_ai.system": "OpenAI"})
    typed = span(TT, "0000000000000004", "typed", S + 3, S + 40, parent="0000000000000001", attrs={
        "openinference.span.kind": "TOOL", "mlflow.spanType": '"RETRIEVER"', "gen_ai.operation.name": "nope",
        "gen_ai.usage.input_tokens": "x"})
    adk = span(TT, "0000000000000005", "adk", S + 4, S + 50, parent="0000000000000001", attrs={
        "gcp.vertex.agent.llm_request": '{"contents": []}', "gcp.vertex.agent.tool_response": '{"r": 1}'})
    lmnr = span(TT, "0000000000000006", "lmnr", S + 5, S + 60, parent="0000000000000001", attrs={
        "lmnr.span.type": "EXECUTOR", "lmnr.span.input": '["x"]', "gen_ai.usage.input_tokens": 2,
        "gen_ai.system": "acme"})
    lf = span(TT, "0000000000000007", "lf", S + 6, S + 70, parent="0000000000000001", attrs={
        "langfuse.observation.type": "generation", "langfuse.observation.input": "in",
        "langfuse.observation.output": "{}"})
    t.post(OTLP, raw=request([oi, ga, tl, typed, adk, lmnr, lf]), content_type=PB, headers=hdr, name="translate")
    t.get(GET, {"trace_id": "tr-" + TT}, name="translate-get")
    t.get(ART, {"request_id": "tr-" + TT}, name="translate-artifact")


def run_attachments(t, eid):
    """A span's attachment (get-trace-artifact?path=<uuid>): uploaded through the artifact proxy to the
    trace's artifact location (mlflow-artifacts:/<exp>/traces/<id>/artifacts/attachments/<uuid>)."""
    u = "12345678-1234-4234-8234-123456789abc"
    t.put(f"/api/2.0/mlflow-artifacts/artifacts/{eid}/traces/tr-{T1}/artifacts/attachments/{u}", raw=b"\x89PNG data",
          name="attach-put")
    t.get(ART, {"request_id": "tr-" + T1, "path": u}, name="attach-get")
    t.get(ART, {"request_id": "tr-" + T1, "path": u[:-1] + "d"}, name="attach-missing")
    t.get(ART, {"request_id": "tr-" + T1, "path": u.upper()}, name="attach-upper")
    t.get(ART, {"request_id": "tr-" + T1, "path": "../x"}, name="attach-unsafe")
    t.get(ART, {"request_id": "tr-nope", "path": u}, name="attach-no-trace")
    t.get(ART, {"request_id": "tr-" + T1, "path": ""}, name="attach-empty-path")


def run_depths(t, hdr):
    """Attribute values nested at the depth Python's protobuf still reads (31 kvlists: 93 messages under the
    span) and one deeper, in protobuf and in JSON."""
    for n in (31, 32):
        v = anyvalue("leaf")
        for _ in range(n):
            v = ld(6, ld(1, ld(1, "k") + ld(2, v)))
        tid = f"{n:032x}"
        sp = ld(1, bytes.fromhex(tid)) + ld(2, bytes.fromhex("1111111111111111")) + ld(5, "deep")
        sp += ld(9, ld(1, "d") + ld(2, v))
        t.post(OTLP, raw=ld(1, ld(2, ld(2, sp))), content_type=PB, headers=hdr, name=f"pb-depth-{n}")
        deep = '{"kvlistValue":{"values":[{"key":"k","value":' * n + '{"stringValue":"x"}' + "}]}}" * n
        js = ('{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"' + f"{n + 100:032x}" +
              '","spanId":"1111111111111111","attributes":[{"key":"d","value":' + deep + "}]}]}]}]}")
        t.post(OTLP, raw=js, content_type="application/json", headers=hdr, name=f"json-depth-{n}")
    t.get(GET, {"trace_id": f"tr-{31:032x}"}, name="get-depth-31")


def run_link_header(t, eid, hdr):
    """x-mlflow-run-id: the traces whose root span came are linked to the run (found by its run_id filter);
    a child span alone links nothing; an unknown run links nothing and the spans are stored."""
    run_id = t.post("runs/create", {"experiment_id": eid, "run_name": "linked", "start_time": 1},
                    name="link-setup-run").get("run", "info", "run_id")
    linked, child_only, unknown = "5" * 32, "6" * 32, "7" * 32
    t.post(OTLP, raw=request([span(linked, "1111111111111111", "r", S, S + 1)]), content_type=PB,
           headers={**hdr, "x-mlflow-run-id": run_id}, name="link-root")
    t.post(OTLP, raw=request([span(child_only, "2222222222222222", "c", S, S + 1, parent="1111111111111111")]),
           content_type=PB, headers={**hdr, "x-mlflow-run-id": run_id}, name="link-child-only")
    t.post(OTLP, raw=request([span(unknown, "1111111111111111", "r", S, S + 1)]), content_type=PB,
           headers={**hdr, "x-mlflow-run-id": "no-such-run"}, name="link-unknown-run")
    t.post("/api/3.0/mlflow/traces/search", {"locations": [{"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {
        "experiment_id": eid}}], "filter": f"run_id = '{run_id}'"}, name="link-search-by-run")
    t.get(GET, {"trace_id": "tr-" + unknown}, name="link-unknown-run-get")
