"""MLflow 3's tracing SDK and the OpenTelemetry SDK's OTLP/HTTP exporter against one tracking server.

usage: python trace_scenario.py TRACKING_URI OUT.json

Run with the reference environment's interpreter (MLflow 3.18.0, opentelemetry-exporter-otlp-proto-http).
tests/server/test_tracing_sdk.py runs it once against Python MLflow 3.18's `mlflow server` and once
against `mlflow-c server` and compares the two files.

Each step uses the SDK's public API only (`@mlflow.trace`, `mlflow.start_span`, `mlflow.search_traces`,
`mlflow.get_trace`, `mlflow.log_feedback`, `MlflowClient.delete_traces`, ...). OUT.json gets, per step:
  result    what the SDK returned, normalised: trace / span / run / assessment ids become placeholders
            numbered in order of appearance, times and durations become "<time>" / "<dur>"
  error     the exception the step raised ("Type: message", normalised), or null
  warnings  what MLflow logged at WARNING or above during the step (a failed trace export is only
            logged by the SDK, never raised)
  requests  every HTTP request the step made ("METHOD /path?query -> status", ids normalised), and
            for a status >= 400 the start of the answer's body
  bodies    the requests' bodies (JSON as sent, protobuf as its size), for the record only
Trace export is synchronous (MLFLOW_ENABLE_ASYNC_TRACE_LOGGING=false), so a step's requests are its own.
A trace's assessments are compared in an order of their content (MLflow gives them in its query
plan's order, on PostgreSQL the table's physical order). The process prints one line per step ("ok <step>" / "ERROR <step>: ...") and exits 0 whatever happened:
the comparison is the caller's.
"""

import base64
import datetime
import json
import logging
import os
import re
import sys
import time
import traceback
import urllib.parse

os.environ.setdefault("MLFLOW_ENABLE_ASYNC_TRACE_LOGGING", "false")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "0")
# no telemetry: its requests go elsewhere and are not the server's
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")

import requests  # noqa: E402

import mlflow  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import AssessmentSource, SpanType  # noqa: E402

URI = sys.argv[1].rstrip("/")
OUT = sys.argv[2]


# ---- normalisation ----

class Normaliser:
    """Replaces what differs between two servers given the same calls: ids (numbered by first
    appearance, so the same structure gets the same placeholders on both) and times."""

    ID_PATTERNS = [
        ("tr", re.compile(r"tr-[0-9a-f]{32}")),
        ("uuid", re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")),
        ("a", re.compile(r"a-[0-9a-f]{32}")),
        ("hex32", re.compile(r"(?<![0-9a-zA-Z])[0-9a-f]{32}(?![0-9a-zA-Z])")),
        ("hex16", re.compile(r"(?<![0-9a-zA-Z])[0-9a-f]{16}(?![0-9a-zA-Z])")),
    ]
    TIME_PATTERNS = [
        re.compile(r"(?<![0-9.])1[5-9]\d{17}(?![0-9])"),  # ns
        re.compile(r"(?<![0-9.])1[5-9]\d{14}(?![0-9])"),  # us
        re.compile(r"(?<![0-9.])1[5-9]\d{11}(?![0-9])"),  # ms
        re.compile(r"(?<![0-9.])1[5-9]\d{8}\.\d+(?![0-9])"),  # s, float
        re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?"),  # ISO
    ]
    DURATION_KEYS = ("duration", "execution_time", "executionTime")
    # the SDK's own measure of the trace's JSON, which varies with the digits of its times
    SIZE_KEYS = ("mlflow.trace.sizeBytes", "mlflow.trace.sizeStats")

    def __init__(self):
        self.ids = {}

    def _id(self, kind, m):
        v = m.group(0)
        if v not in self.ids:
            self.ids[v] = f"<{kind}-{sum(1 for k in self.ids.values() if k.startswith('<' + kind + '-')) + 1}>"
        return self.ids[v]

    def text(self, s):
        for kind, rx in self.ID_PATTERNS:
            s = rx.sub(lambda m, k=kind: self._id(k, m), s)
        for rx in self.TIME_PATTERNS:
            s = rx.sub("<time>", s)
        return s

    def value(self, v, key=None):
        if key is not None and any(k in key for k in self.DURATION_KEYS) and v is not None:
            return "<dur>"
        if key in self.SIZE_KEYS:
            return "<size>"
        if isinstance(v, dict):
            return {self.text(str(k)): self.value(x, str(k)) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [self.value(x) for x in v]
        if isinstance(v, bool) or v is None:
            return v
        if isinstance(v, float) and v != v:  # NaN (pandas' missing value)
            return None
        if isinstance(v, (int, float)):
            s = self.text(repr(v))
            return v if s == repr(v) else s
        if isinstance(v, (datetime.datetime, datetime.date)):
            return "<time>"
        if isinstance(v, str):
            return self.text(v)
        return self.text(repr(v))


N = Normaliser()


# ---- recording: HTTP requests and MLflow's warnings ----

_requests = []
_bodies = []  # the request bodies, for the record (not compared: they carry the client's own timings)
_orig_send = requests.Session.send


def _send(self, request, **kwargs):
    u = urllib.parse.urlsplit(request.url)
    here = urllib.parse.urlsplit(URI).netloc
    line = f"{request.method} {'' if u.netloc == here else u.scheme + '://' + u.netloc}{u.path}" + (
        f"?{u.query}" if u.query else "")
    extra = ""
    exp_header = request.headers.get("x-mlflow-experiment-id")
    if exp_header is not None:
        extra += f" [x-mlflow-experiment-id: {exp_header}]"
    ctype = request.headers.get("Content-Type")
    if ctype and request.method in ("POST", "PUT", "PATCH"):
        extra += f" [{ctype}]"
    try:
        resp = _orig_send(self, request, **kwargs)
    except Exception as e:
        _requests.append(f"{line}{extra} -> {type(e).__name__}")
        raise
    body = request.body
    if isinstance(body, bytes) and ctype and "json" in ctype:
        body = body.decode("utf-8", "replace")
    if body:
        _bodies.append(f"{line}: " + (body[:400] if isinstance(body, str) else f"<{len(body)} bytes>"))
    rec = f"{line}{extra} -> {resp.status_code}"
    if resp.status_code >= 400:
        body = resp.content[:400].decode("utf-8", "replace") if not kwargs.get("stream") else "<stream>"
        rec += " " + " ".join(body.split())[:200]
    _requests.append(rec)
    return resp


requests.Session.send = _send


class _Warnings(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records = []

    def emit(self, record):
        msg = record.getMessage().splitlines()[0][:300]
        self.records.append(f"{record.name}: {msg}")


_warn = _Warnings()
logging.getLogger("mlflow").addHandler(_warn)


# ---- results ----

def span_view(span, by_id):
    parent = by_id.get(span.parent_id)
    attrs = dict(span.attributes or {})
    return {
        "name": span.name,
        "span_type": span.span_type,
        "parent": parent.name if parent is not None else None,
        "status": [str(span.status.status_code), span.status.description],
        "inputs": span.inputs,
        "outputs": span.outputs,
        "attributes": attrs,
        "events": [{"name": e.name, "attributes": {k: v for k, v in (e.attributes or {}).items()
                                                   if k != "exception.stacktrace"}}
                   for e in span.events],
        "start_time_ns": span.start_time_ns,
        "end_time_ns": span.end_time_ns,
        "span_id": span.span_id,
        "trace_id": span.trace_id,
    }


def trace_view(trace):
    """A Trace as data: its info (as the SDK's TraceInfo.to_dict gives it) and its spans, in the
    order the SDK returns them."""
    if trace is None:
        return None
    spans = list(trace.data.spans)
    by_id = {s.span_id: s for s in spans}
    info = _hex_ids_deep(trace.info.to_dict())
    return {"info": info, "spans": [span_view(s, by_id) for s in spans],
            "request": trace.data.request, "response": trace.data.response}


def frame_view(df):
    """search_traces' DataFrame: its columns and rows, each cell as data."""
    rows = []
    for rec in df.to_dict(orient="records"):
        row = {}
        for k, v in rec.items():
            if k == "spans" and isinstance(v, list):
                by_id = {s.span_id: s for s in v if hasattr(s, "span_id")}
                v = [span_view(s, by_id) if hasattr(s, "span_id") else _hex_ids(s) for s in v]
            elif hasattr(v, "to_dict"):
                v = v.to_dict()
            elif isinstance(v, list):
                v = [x.to_dict() if hasattr(x, "to_dict") else x for x in v]
                if k == "assessments":
                    v = sorted(v, key=_assessment_key)
            elif isinstance(v, str) and v[:1] in ("{", "["):
                # the `trace` column is the Trace as a JSON text: compared as data, so that neither
                # its key order nor the ids and durations inside the text count
                try:
                    v = _hex_ids_deep(json.loads(v))
                except ValueError:
                    pass
            row[k] = v
        rows.append(row)
    return {"columns": list(df.columns), "rows": rows}


def _hex_ids(d):
    """A span dict as Span.to_dict gives it (OTLP JSON: base64 ids) with its ids in hex, as the
    normaliser knows them."""
    if not isinstance(d, dict):
        return d
    out = dict(d)
    for k in ("trace_id", "span_id", "parent_span_id"):
        v = out.get(k)
        if isinstance(v, str) and v:
            try:
                out[k] = base64.b64decode(v, validate=True).hex()
            except (ValueError, TypeError):
                pass
    return out


def _assessment_key(a):
    """an order of assessments by their content, not their ids: MLflow returns a trace's assessments
    in the order its query plan gives (on PostgreSQL the table's physical order)"""
    if not isinstance(a, dict):
        return ("", repr(a))
    return (str(a.get("assessment_name") or a.get("name") or ""), json.dumps(a.get("source"), sort_keys=True),
            json.dumps({k: a.get(k) for k in ("feedback", "expectation", "value", "valid", "overrides")}
                       if "overrides" not in a else {"overrides": True}, sort_keys=True, default=str))


def _hex_ids_deep(v):
    """_hex_ids on every dict with a span_id inside v; lists of assessments in their content order"""
    if isinstance(v, dict):
        v = {k: _hex_ids_deep(x) for k, x in v.items()}
        if isinstance(v.get("assessments"), list):
            v["assessments"] = sorted(v["assessments"], key=_assessment_key)
        return _hex_ids(v) if "span_id" in v else v
    if isinstance(v, list):
        return [_hex_ids_deep(x) for x in v]
    return v


def assessment_view(a):
    return a.to_dictionary() if hasattr(a, "to_dictionary") else a.to_dict()


steps = []


def step(name):
    def run(fn):
        _requests.clear()
        _bodies.clear()
        _warn.records.clear()
        result, error = None, None
        try:
            result = fn()
        except Exception as e:
            error = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:500]
            traceback.print_exc()
        rec = {"step": name, "result": N.value(_jsonable(result)), "error": N.text(error) if error else None,
               "warnings": [N.text(w) for w in _warn.records], "requests": [N.text(r) for r in _requests],
               "bodies": [N.text(b) for b in _bodies]}
        steps.append(rec)
        print(("ok " if error is None else "ERROR ") + name + (f": {error}" if error else ""), flush=True)
        return result
    return run


def _jsonable(v):
    return json.loads(json.dumps(v, default=lambda o: o.to_dict() if hasattr(o, "to_dict") else repr(o)))


# ---- the scenario ----

mlflow.set_tracking_uri(URI)
client = MlflowClient(URI)
ctx = {}


@step("set_experiment")
def _():
    exp = mlflow.set_experiment("tracing-sdk")
    ctx["exp"] = exp.experiment_id
    return {"experiment_id": exp.experiment_id, "name": exp.name}


@mlflow.trace(span_type=SpanType.TOOL)
def leaf(x):
    return x * 2


@mlflow.trace(name="middle", attributes={"layer": "middle"})
def middle(x):
    span = mlflow.get_current_active_span()
    span.set_attribute("seen", x)
    return leaf(x) + leaf(x + 1)


@mlflow.trace(span_type=SpanType.CHAIN)
def outer(question, n=2):
    mlflow.update_current_trace(tags={"topic": "math", "fluent": "yes"}, metadata={"origin": "scenario"})
    return {"answer": middle(n), "question": question}


@mlflow.trace
def failing(x):
    raise ValueError(f"bad input {x}")


@step("decorated nested spans")
def _():
    out = outer("what is it?", n=3)
    ctx["t_decorated"] = mlflow.get_last_active_trace_id()
    return out


@step("get_trace decorated")
def _():
    return trace_view(mlflow.get_trace(ctx["t_decorated"]))


@step("start_span")
def _():
    with mlflow.start_span(name="manual-root", span_type=SpanType.AGENT) as root:
        root.set_inputs({"query": "hello", "k": 5})
        root.set_attributes({"model": "m1", "temperature": 0.5, "flags": [1, 2]})
        with mlflow.start_span(name="manual-retriever", span_type=SpanType.RETRIEVER) as child:
            child.set_inputs("hello")
            child.set_outputs([{"page_content": "doc", "metadata": {"id": 1}}])
            child.add_event(mlflow.entities.SpanEvent(name="fetched", attributes={"count": 1}))
        root.set_outputs({"text": "world"})
    ctx["t_manual"] = root.trace_id
    return {"trace_id": root.trace_id, "span_id_is_hex16": bool(re.fullmatch(r"[0-9a-f]{16}", root.span_id))}


@step("get_trace start_span")
def _():
    return trace_view(mlflow.get_trace(ctx["t_manual"]))


@step("exception")
def _():
    try:
        failing(7)
    except ValueError as e:
        ctx["t_error"] = mlflow.get_last_active_trace_id()
        return {"raised": str(e)}
    raise AssertionError("failing() did not raise")


@step("get_trace exception")
def _():
    return trace_view(mlflow.get_trace(ctx["t_error"]))


@step("set and delete trace tags")
def _():
    mlflow.set_trace_tag(ctx["t_manual"], "reviewed", "no")
    client.set_trace_tag(ctx["t_manual"], "reviewed", "yes")
    client.set_trace_tag(ctx["t_manual"], "temp", "x")
    mlflow.delete_trace_tag(ctx["t_manual"], "temp")
    return client.get_trace_info(ctx["t_manual"]).tags if hasattr(client, "get_trace_info") else \
        mlflow.get_trace(ctx["t_manual"]).info.tags


@step("log_feedback and log_expectation")
def _():
    fb = mlflow.log_feedback(trace_id=ctx["t_decorated"], name="correct", value=True, rationale="looks right",
                             source=AssessmentSource(source_type="HUMAN", source_id="alice"),
                             metadata={"round": "1"})
    fb2 = mlflow.log_feedback(trace_id=ctx["t_decorated"], name="score", value=0.75,
                              source=AssessmentSource(source_type="LLM_JUDGE", source_id="judge-1"))
    ex = mlflow.log_expectation(trace_id=ctx["t_decorated"], name="expected", value={"answer": 14},
                                source=AssessmentSource(source_type="HUMAN", source_id="bob"))
    ctx["fb"], ctx["fb2"], ctx["ex"] = fb.assessment_id, fb2.assessment_id, ex.assessment_id
    return [assessment_view(fb), assessment_view(fb2), assessment_view(ex)]


@step("get, update, override and delete assessments")
def _():
    got = mlflow.get_assessment(ctx["t_decorated"], ctx["fb"])
    upd = mlflow.update_assessment(trace_id=ctx["t_decorated"], assessment_id=ctx["ex"],
                                   assessment=mlflow.entities.Expectation(name="expected", value={"answer": 15}))
    ov = mlflow.override_feedback(trace_id=ctx["t_decorated"], assessment_id=ctx["fb2"], value=0.9,
                                  rationale="re-judged",
                                  source=AssessmentSource(source_type="HUMAN", source_id="carol"))
    mlflow.delete_assessment(trace_id=ctx["t_decorated"], assessment_id=ctx["fb"])
    return {"got": assessment_view(got), "updated": assessment_view(upd), "override": assessment_view(ov)}


@step("get_trace with assessments")
def _():
    t = mlflow.get_trace(ctx["t_decorated"])
    return {"assessments": sorted((assessment_view(a) for a in t.info.assessments),
                                  key=lambda d: (d.get("assessment_name") or "", str(d.get("valid"))))}


@step("traces linked to a run")
def _():
    with mlflow.start_run(run_name="traced-run") as run:
        outer("inside a run", n=1)
        ctx["t_in_run"] = mlflow.get_last_active_trace_id()
    ctx["run"] = run.info.run_id
    client.link_traces_to_run([ctx["t_manual"]], run_id=ctx["run"])
    got = mlflow.search_traces(run_id=ctx["run"], return_type="list", order_by=["timestamp_ms ASC"])
    return {"run_id": ctx["run"], "traces": [t.info.trace_id for t in got],
            "source_run": mlflow.get_trace(ctx["t_in_run"]).info.trace_metadata.get("mlflow.sourceRun")}


@step("OTLP exporter to /v1/traces")
def _():
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.trace import Status, StatusCode

    exporter = OTLPSpanExporter(endpoint=f"{URI}/v1/traces", headers={"x-mlflow-experiment-id": ctx["exp"]})
    results = []
    orig_export = exporter.export

    def export(spans):
        r = orig_export(spans)
        results.append([len(spans), r.name])
        return r

    exporter.export = export
    provider = TracerProvider(resource=Resource.create({"service.name": "trace-scenario"}))
    provider.add_span_processor(BatchSpanProcessor(exporter, max_export_batch_size=100))
    tracer = provider.get_tracer("trace-scenario")
    with tracer.start_as_current_span("otel-root") as root:
        root.set_attribute("app", "scenario")
        root.set_attribute("n", 3)
        with tracer.start_as_current_span("otel-child") as c:
            c.set_attribute("gen_ai.operation.name", "chat")
            c.add_event("thinking", {"step": 1})
        with tracer.start_as_current_span("otel-failed") as f:
            f.set_status(Status(StatusCode.ERROR, "it broke"))
    provider.force_flush()
    provider.shutdown()
    ctx["t_otel"] = "tr-" + format(root.get_span_context().trace_id, "032x")
    return {"exports": results, "trace_id": ctx["t_otel"]}


@step("get_trace OTLP")
def _():
    return trace_view(mlflow.get_trace(ctx["t_otel"]))


@step("search_traces DataFrame")
def _():
    df = mlflow.search_traces(locations=[ctx["exp"]], order_by=["timestamp_ms ASC"])
    return frame_view(df)


@step("search_traces filters")
def _():
    out = {}
    for f in ("tags.topic = 'math'", "attributes.status = 'ERROR'", "trace.status = 'OK'",
              "metadata.origin = 'scenario'", "span.name = 'manual-retriever'",
              "feedback.score = '0.9'", "tags.reviewed != 'no'", "trace.name LIKE 'manual%'"):
        try:
            got = mlflow.search_traces(locations=[ctx["exp"]], filter_string=f, return_type="list",
                                       order_by=["timestamp_ms ASC"], include_spans=False)
            out[f] = [t.info.trace_id for t in got]
        except Exception as e:
            out[f] = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
    return out


@step("MlflowClient.search_traces pages")
def _():
    pages, token = [], None
    while True:
        page = client.search_traces(locations=[ctx["exp"]], max_results=2, page_token=token,
                                    order_by=["timestamp_ms DESC"], include_spans=False)
        pages.append([t.info.trace_id for t in page])
        token = page.token
        if not token or len(pages) > 10:
            break
    return pages


@step("delete_traces by ids")
def _():
    n = client.delete_traces(ctx["exp"], trace_ids=[ctx["t_error"], ctx["t_otel"]])
    left = mlflow.search_traces(locations=[ctx["exp"]], return_type="list", include_spans=False,
                                order_by=["timestamp_ms ASC"])
    return {"deleted": n, "left": [t.info.trace_id for t in left]}


@step("delete_traces by time")
def _():
    n = client.delete_traces(ctx["exp"], max_timestamp_millis=int(time.time() * 1000) + 1000, max_traces=2)
    left = mlflow.search_traces(locations=[ctx["exp"]], return_type="list", include_spans=False)
    return {"deleted": n, "left": len(left)}


@step("get_trace of a deleted trace")
def _():
    return trace_view(mlflow.get_trace(ctx["t_error"], silent=True))


with open(OUT, "w") as f:
    json.dump(steps, f, indent=1, sort_keys=True)
print(f"{sum(1 for s in steps if not s['error'])} steps ok, {sum(1 for s in steps if s['error'])} raised")
