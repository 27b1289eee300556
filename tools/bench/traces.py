#!/usr/bin/env python3
"""Tracing benchmark: MLflow 3.18's `mlflow server` and `mlflow-c server` side by side in one run.

usage: tools/bench/traces.py [--duration 10] [--scenario NAME ...] [--traces 100000] [--spans 1000]
                             [--batch 100] [--threads 2] [--connections 8] [--pg-uri MAINTENANCE_URI]
                             [--bin build/mlflow-c] [--ref-python PY] [--python-workers N] [--c-workers N]
                             [--no-python] [--no-c] [--keep] [--json FILE]

Scenarios (what MLflow's clients send, replayed by wrk -t2 -c8 -d10s with bodies made by Lua):
  otlp-ingest     POST /v1/traces, OTLP/HTTP protobuf (Content-Type application/x-protobuf,
                  x-mlflow-experiment-id), each request one new trace of --batch (100) spans: a root and
                  its children, with the attributes MLflow's SDK writes. Reported in spans/s.
  start-trace     what MLflow 3.18's SDK sends when a one-span @mlflow.trace function returns (recorded
                  from the SDK; see tests/server/test_tracing_sdk.py): POST /v1/traces with the span
                  (protobuf), then POST /api/3.0/mlflow/traces (StartTraceV3, the finished TraceInfo as
                  JSON), in that order on one connection, a new trace id each time (wrk runs
                  --connections threads of one connection each for it). Reported in traces/s (two
                  requests each).
  search-tag      POST /api/3.0/mlflow/traces/search (SearchTracesV3) with filter "tags.bench_group =
                  'g7'" (1 trace in 100 has it), max_results 100, over an experiment of --traces (100,000)
                  traces. Reported in searches/s.
  get-trace       GET /api/3.0/mlflow/traces/get (what mlflow.get_trace calls for a trace whose spans
                  are in the tracking store) of a trace of --spans (1,000) spans. Reported in gets/s.

Seeding is done once, as fast as it goes, through the reference's own store (MLflow 3.18's
SqlAlchemyStore, run by --ref-python, default $MLFLOW_C_REF_PYTHON): it makes the database (MLflow's
schema at its head), the experiments, one template trace (start_trace) whose rows are then copied
--traces times in SQL (trace_info, trace_tags, trace_request_metadata; ids and timestamps counting
up), and the 1,000-span trace through log_spans (what /v1/traces does). Each server then opens its
own copy of that SQLite file (or, with --pg-uri, its own database made from the seeded one as a
template), so both read the same rows, written by Python MLflow.

The table gives, per scenario, the rate on each server (a '!' marks non-2xx answers: the rate then
measures errors), the ratio mlflow-c / MLflow, and each server's CPU time (user + system of the
server's whole process tree, from /proc) per operation and that ratio, which other jobs on the
shared machine blur far less than the rates. A scenario a server cannot serve (an rpc or route not
there yet, a wrong answer on the first request) shows n/a for it with the reason under the table;
the others still run.

Needs wrk (apt-get install wrk) and Python 3 (standard library); the reference environment
(tools/ref-env.sh) for seeding and the Python server; psql is not needed (psycopg2 of the reference).
"""

import argparse
import json
import random
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MARK = b"TRACEIDMARKER000"  # 16 bytes: the trace id of a template body, replaced per request
HEXMARK = MARK.hex()  # the same id as MLflow writes it (tr-<32 hex>)
SEARCH_FILTER = "tags.bench_group = 'g7'"


class BenchError(Exception):
    pass


# ------------------------------------------------------------------------------------------------
# protobuf, by hand (OTLP's ExportTraceServiceRequest needs a few fields only)


def _varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field(num, wire, payload):
    key = _varint((num << 3) | wire)
    if wire == 2:
        return key + _varint(len(payload)) + payload
    return key + payload


def _bytes(num, b):
    return _field(num, 2, b)


def _str(num, s):
    return _field(num, 2, s.encode())


def _fixed64(num, v):
    return _field(num, 1, v.to_bytes(8, "little"))


def _enum(num, v):
    return _field(num, 0, _varint(v))


def _kv(key, value):
    """KeyValue with a string AnyValue (MLflow's SDK writes its attributes as JSON strings)"""
    return _str(1, key) + _bytes(2, _str(1, value))


def otlp_span(trace_id, span_id, parent_id, name, start_ns, end_ns, attrs, error=False):
    body = _bytes(1, trace_id) + _bytes(2, span_id)
    if parent_id:
        body += _bytes(4, parent_id)
    body += _str(5, name) + _enum(6, 1) + _fixed64(7, start_ns) + _fixed64(8, end_ns)
    for k, v in attrs.items():
        body += _bytes(9, _kv(k, v))
    body += _bytes(15, _enum(3, 2 if error else 1))  # Status.code: OK / ERROR
    return body


def otlp_request(spans):
    resource = _bytes(1, _kv("telemetry.sdk.language", "python")) + _bytes(1, _kv("telemetry.sdk.name", "mlflow")) \
        + _bytes(1, _kv("telemetry.sdk.version", "3.18.0")) + _bytes(1, _kv("service.name", "bench"))
    scope_spans = _bytes(1, _str(1, "mlflow.tracing")) + b"".join(_bytes(2, s) for s in spans)
    resource_spans = _bytes(1, resource) + _bytes(2, scope_spans)
    return _bytes(1, resource_spans)


def trace_spans(trace_id, n, start_ns, span_type="LLM"):
    """n spans of one trace: a root and n-1 children, with the attributes MLflow's SDK writes"""
    tid_hex = "tr-" + trace_id.hex()
    out = []
    for i in range(n):
        attrs = {
            "mlflow.traceRequestId": json.dumps(tid_hex),
            "mlflow.spanType": json.dumps("CHAIN" if i == 0 else span_type),
            "mlflow.spanFunctionName": json.dumps(f"step_{i}"),
            "mlflow.spanInputs": json.dumps({"question": f"what is {i} + {i}?", "context": "x" * 64}),
            "mlflow.spanOutputs": json.dumps({"answer": str(2 * i)}),
        }
        out.append(otlp_span(trace_id, (i + 1).to_bytes(8, "big"), (1).to_bytes(8, "big") if i else b"",
                             "root" if i == 0 else f"child_{i}", start_ns + i * 1000, start_ns + i * 1000 + 500_000,
                             attrs))
    return out


def start_trace_body(exp_id, trace_hex, now_ms):
    """StartTraceV3 as MLflow 3.18's SDK sends it at the end of a one-span trace (the recorded body)"""
    return {"trace": {"trace_info": {
        "trace_id": "tr-" + trace_hex,
        "trace_location": {"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": exp_id}},
        "request_time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now_ms / 1000)) + f".{now_ms % 1000:03d}Z",
        "execution_duration": "0.505s", "state": "OK",
        "trace_metadata": {
            "mlflow.traceInputs": "{\"x\": 1}", "mlflow.source.name": "bench", "mlflow.source.type": "LOCAL",
            "mlflow.trace.sizeStats": "{\"total_size_bytes\": 1205, \"num_spans\": 1, \"max\": 547, \"p25\": 547, "
                                      "\"p50\": 547, \"p75\": 547}",
            "mlflow.trace.sizeBytes": "1205", "mlflow.user": "bench", "mlflow.trace_schema.version": "3",
            "mlflow.traceOutputs": "2"},
        "tags": {"mlflow.traceName": "f"}, "request_preview": "{\"x\": 1}", "response_preview": "2"}}}


def lua_bytes(b):
    """a Lua string literal of any bytes"""
    out = []
    for c in b:
        ch = chr(c)
        out.append(ch if 32 <= c < 127 and ch not in '\\"' else f"\\{c:03d}")
    return '"' + "".join(out) + '"'


# every generated script gets its own stamp, the first 4 hex digits of its trace ids: two scenarios
# (or a rerun) on one server must never send the same trace id (MLflow refuses a trace id another
# experiment has)
_STAMPS = iter(range(random.randrange(1 << 15), 1 << 17))


def new_stamp():
    return next(_STAMPS) % 65536


LUA_IDS = r"""
local prefix = nil  -- made at the first request: setup() sets tid after the script loaded
local n = 0
local next_tid = 0
function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
end
local function new_id()
  if not prefix then prefix = string.format("%%04x%%04x", %(stamp)d, (tid or 0) + 1) end
  n = n + 1
  local id = prefix .. string.format("%%08x", n)
  local hex = (id:gsub(".", function(c) return string.format("%%02x", c:byte()) end))
  return id, hex
end
"""


def lua_otlp(exp_id, template, stamp):
    return (LUA_IDS % {"stamp": stamp}) + f"""
local body = {lua_bytes(template)}
local headers = {{["Content-Type"] = "application/x-protobuf", ["x-mlflow-experiment-id"] = "{exp_id}"}}
function request()
  local id, hex = new_id()
  local b = body:gsub("{MARK.decode()}", id):gsub("{HEXMARK}", hex)
  return wrk.format("POST", "/v1/traces", headers, b)
end
"""


def lua_start_trace(exp_id, otlp_template, json_template, stamp):
    """the span, then StartTraceV3 of the same trace, alternating on the thread's one connection (wrk
    runs one connection per thread here: a thread's next request leaves after the previous answer, so
    each trace's two requests arrive in the SDK's order; pipelining them instead stalls uvicorn)"""
    return (LUA_IDS % {"stamp": stamp}) + f"""
local otlp = {lua_bytes(otlp_template)}
local js = {lua_bytes(json_template)}
local h_otlp = {{["Content-Type"] = "application/x-protobuf", ["x-mlflow-experiment-id"] = "{exp_id}"}}
local h_json = {{["Content-Type"] = "application/json"}}
local pending = nil
function request()
  if pending then
    local j = pending
    pending = nil
    return wrk.format("POST", "/api/3.0/mlflow/traces", h_json, j)
  end
  local id, hex = new_id()
  pending = js:gsub("{HEXMARK}", hex)
  local o = otlp:gsub("{MARK.decode()}", id):gsub("{HEXMARK}", hex)
  return wrk.format("POST", "/v1/traces", h_otlp, o)
end
"""


def lua_static(method, path, body=None):
    s = f'wrk.method = "{method}"\nwrk.path = {json.dumps(path)}\n'
    if body is not None:
        s += f"wrk.body = {json.dumps(json.dumps(body))}\n" + 'wrk.headers["Content-Type"] = "application/json"\n'
    return s


# ------------------------------------------------------------------------------------------------
# seeding, with the reference's SqlAlchemyStore

SEED = r"""
import json, sys, time
args = json.load(open(sys.argv[1]))
from mlflow.entities import TraceInfo, TraceLocation, TraceState
from mlflow.entities.span import Span
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

t0 = time.time()
store = SqlAlchemyStore(args["uri"], args["artifacts"])
exp_search = store.create_experiment("bench-traces-search")
exp_get = store.create_experiment("bench-traces-get")
now = int(time.time() * 1000) - args["traces"] - 10_000
template = "tr-" + "0" * 32
store.start_trace(TraceInfo(
    trace_id=template, trace_location=TraceLocation.from_experiment_id(exp_search), request_time=now,
    execution_duration=42, state=TraceState.OK, request_preview='{"x": 1}', response_preview='2',
    client_request_id=None,
    trace_metadata={"mlflow.trace_schema.version": "3", "mlflow.user": "bench", "mlflow.source.type": "LOCAL",
                    "mlflow.traceInputs": '{"x": 1}', "mlflow.traceOutputs": "2"},
    tags={"mlflow.traceName": "f", "bench_group": "g0", "team": "search"}))
engine = store.engine
pg = engine.dialect.name == "postgresql"
with engine.begin() as conn:
    from sqlalchemy import text
    cols = list(conn.execute(text("SELECT * FROM trace_info WHERE 1 = 0")).keys())
    if pg:
        series = f"generate_series(1, {args['traces'] - 1}) AS n(i)"
        new_id = "'tr-' || lpad(to_hex(n.i), 32, '0')"
        grp = "'g' || (n.i % 100)::text"
    else:
        series = f"(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {args['traces'] - 1}) SELECT i FROM s) AS n"
        new_id = "'tr-' || printf('%032x', n.i)"
        grp = "'g' || (n.i % 100)"
    sel = ", ".join(new_id if c == "request_id" else ("t.timestamp_ms + n.i" if c == "timestamp_ms" else f't."{c}"')
                    for c in cols)
    collist = ", ".join(f'"{c}"' for c in cols)
    conn.execute(text(f"INSERT INTO trace_info ({collist}) SELECT {sel} FROM trace_info AS t, {series} "
                      f"WHERE t.request_id = :tpl"), {"tpl": template})
    for table in ("trace_tags", "trace_request_metadata"):
        conn.execute(text(f'INSERT INTO {table} ("key", value, request_id) '
                          f'SELECT t."key", CASE WHEN t."key" = \'bench_group\' THEN {grp} ELSE t.value END, {new_id} '
                          f'FROM {table} AS t, {series} WHERE t.request_id = :tpl'), {"tpl": template})
    got = conn.execute(text("SELECT count(*) FROM trace_info WHERE experiment_id = :e"), {"e": int(exp_search)}).scalar()
req = ExportTraceServiceRequest()
req.ParseFromString(bytes.fromhex(args["spans_hex"]))
spans = [Span.from_otel_proto(s, resource=rs.resource) for rs in req.resource_spans for ss in rs.scope_spans
         for s in ss.spans]
store.log_spans(exp_get, spans)
print(json.dumps({"exp_search": exp_search, "exp_get": exp_get, "traces": got, "seconds": round(time.time() - t0, 1)}))
"""


# ------------------------------------------------------------------------------------------------
# servers


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, method, path, body=None, raw=None, headers=None, timeout=300):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(base + path, data=data, method=method)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            out = r.read()
    except urllib.error.HTTPError as e:
        snippet = " ".join(e.read()[:200].decode(errors="replace").split()) or "(empty body)"
        raise BenchError(f"{method} {path.split('?')[0]} -> HTTP {e.code}: {snippet}") from None
    except (urllib.error.URLError, OSError) as e:
        raise BenchError(f"{method} {path.split('?')[0]} -> {getattr(e, 'reason', e)}") from None
    try:
        return json.loads(out or b"{}")
    except ValueError:
        return {}


def tree_pids(root):
    """root and its descendants (uvicorn's workers are children of the `mlflow server` process)"""
    children = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(d))
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def cpu_seconds(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


class Server:
    def __init__(self, label, argv, workdir, env=None):
        self.label = label
        self.port = int(argv[argv.index("--port") + 1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(workdir, f"{label}.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT, cwd=workdir, env=env,
                                     start_new_session=True)
        deadline = time.time() + 180
        while True:
            if self.proc.poll() is not None:
                raise BenchError(f"{label} exited: {self.tail()}")
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.time() > deadline:
                self.stop()
                raise BenchError(f"{label} did not start: {self.tail()}")
            time.sleep(0.3)
        time.sleep(1.0)  # uvicorn's workers come up after the first answers
        self.pids = tree_pids(self.proc.pid)

    def tail(self):
        self.log.flush()
        with open(self.log_path, errors="replace") as f:
            return " ".join(f.read()[-600:].split())

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


# ------------------------------------------------------------------------------------------------
# scenarios: each (target, ctx) -> (path, lua, check, unit, operations per request, wrk threads or
# None); check() sends one request the way the scenario does and raises BenchError when the answer is
# not the expected one


def scenario_otlp_ingest(t, ctx, a):
    exp = call(t.url, "POST", "/api/2.0/mlflow/experiments/create", {"name": f"bench-otlp-{ctx['stamp']}"})[
        "experiment_id"]
    template = otlp_request(trace_spans(MARK, a.batch, time.time_ns()))
    checks = iter(range(1, 1 << 30))

    def check():
        tid = f"o{ctx['stamp'] % 10000:04d}{next(checks):011d}".encode()
        body = template.replace(MARK, tid).replace(HEXMARK.encode(), tid.hex().encode())
        call(t.url, "POST", "/v1/traces", raw=body,
             headers={"Content-Type": "application/x-protobuf", "x-mlflow-experiment-id": exp})
        got = call(t.url, "GET", "/api/3.0/mlflow/traces/get?" + urllib.parse.urlencode(
            {"trace_id": "tr-" + tid.hex(), "allow_partial": "False"}))
        n = len(got.get("trace", {}).get("spans", []))
        if n != a.batch:
            raise BenchError(f"traces/get of an ingested trace gives {n} spans, not {a.batch}")
        return f"{a.batch} spans stored"

    return "/v1/traces", lua_otlp(exp, template, new_stamp()), check, "spans/s", a.batch, None


def scenario_start_trace(t, ctx, a):
    exp = call(t.url, "POST", "/api/2.0/mlflow/experiments/create", {"name": f"bench-sdk-{ctx['stamp']}"})[
        "experiment_id"]
    now_ms = int(time.time() * 1000)
    otlp = otlp_request(trace_spans(MARK, 1, time.time_ns(), span_type="UNKNOWN"))
    js = json.dumps(start_trace_body(exp, HEXMARK, now_ms)).encode()
    checks = iter(range(1, 1 << 30))

    def check():
        tid = f"s{ctx['stamp'] % 10000:04d}{next(checks):011d}".encode()
        call(t.url, "POST", "/v1/traces", raw=otlp.replace(MARK, tid).replace(HEXMARK.encode(), tid.hex().encode()),
             headers={"Content-Type": "application/x-protobuf", "x-mlflow-experiment-id": exp})
        r = call(t.url, "POST", "/api/3.0/mlflow/traces", raw=js.replace(HEXMARK.encode(), tid.hex().encode()),
                 headers={"Content-Type": "application/json"})
        state = r.get("trace", {}).get("trace_info", {}).get("state")
        if state != "OK":
            raise BenchError(f"StartTraceV3 answered state {state!r}: {json.dumps(r)[:200]}")
        return "trace OK"

    # two requests per trace: the rate wrk counts is twice the traces'; one connection per wrk thread
    return "/v1/traces", lua_start_trace(exp, otlp, js, new_stamp()), check, "traces/s", 0.5, \
        a.connections


def scenario_search_tag(t, ctx, a):
    body = {"locations": [{"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": ctx["exp_search"]}}],
            "filter": SEARCH_FILTER, "max_results": 100}
    path = "/api/3.0/mlflow/traces/search"

    def check():
        r = call(t.url, "POST", path, body)
        n = len(r.get("traces", []))
        want = min(100, ctx["traces"] // 100)
        if n != want:
            raise BenchError(f"the search found {n} traces, not {want}")
        return f"{n} traces, next_page_token {'set' if r.get('next_page_token') else 'none'}"

    return path, lua_static("POST", path, body), check, "searches/s", 1, None


def scenario_get_trace(t, ctx, a):
    path = "/api/3.0/mlflow/traces/get?" + urllib.parse.urlencode({"trace_id": ctx["trace_get"],
                                                                   "allow_partial": "False"})

    def check():
        n = len(call(t.url, "GET", path).get("trace", {}).get("spans", []))
        if n != a.spans:
            raise BenchError(f"traces/get gives {n} spans, not {a.spans}")
        return f"{n} spans"

    return path, lua_static("GET", path), check, "gets/s", 1, None


SCENARIOS = [
    # reads first: the writes grow the database the reads would then also scan
    ("search-tag", "searchTracesV3, tag filter, over the seeded traces", scenario_search_tag),
    ("get-trace", "getTrace of the seeded many-span trace", scenario_get_trace),
    ("otlp-ingest", "POST /v1/traces, protobuf, one new trace of --batch spans per request", scenario_otlp_ingest),
    ("start-trace", "the SDK's two requests for a one-span trace (OTLP span, StartTraceV3)", scenario_start_trace),
]


# ------------------------------------------------------------------------------------------------
# wrk


def run_wrk(url, script, a, duration, threads=None):
    cmd = ["wrk", f"-t{threads or a.threads}", f"-c{a.connections}", f"-d{max(1, round(duration))}s", "--timeout", "60s",
           "-s", script, url]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 180)
    out = p.stdout + p.stderr
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not m:
        raise BenchError("wrk: " + " ".join(out.split())[:300])
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors:(.*)", out)
    errors = int(non2xx.group(1)) if non2xx else 0
    if sock:
        errors += sum(int(x) for x in re.findall(r"\d+", sock.group(1)))
    done = re.search(r"(\d+) requests in", out)
    lat = re.search(r"Latency\s+(\S+)", out)
    return float(m.group(1)), errors, int(done.group(1)) if done else 0, lat.group(1) if lat else "?"


LUA_ERRORS = """
local threads_ = {}
local setup_ = setup
function setup(thread)
  table.insert(threads_, thread)
  if setup_ then setup_(thread) end
end
errs = ""
function response(status, headers, body)
  if status >= 300 and #errs < 600 then
    errs = errs .. status .. " " .. string.sub(body or "", 1, 200):gsub("%s+", " ") .. " | "
  end
end
function done(summary, latency, requests)
  for _, t in ipairs(threads_) do
    local e = t:get("errs")
    if e and #e > 0 then io.write("ERRORS: " .. e .. "\\n") end
  end
end
"""


def error_bodies(url, script, a, threads):
    """the first error answers of a short second run with a response() hook (kept out of the measured
    run: parsing every answer in Lua costs the client)"""
    with open(script) as f:
        lua = f.read()
    # new trace ids for the rerun: the measured run's are taken
    lua = re.sub(r'string.format\("%04x%04x", \d+,', lambda m: f'string.format("%04x%04x", {new_stamp()},', lua)
    diag = script + ".errors.lua"
    with open(diag, "w") as f:
        f.write(lua + LUA_ERRORS)
    cmd = ["wrk", f"-t{threads or a.threads}", f"-c{a.connections}", "-d3s", "--timeout", "60s", "-s", diag, url]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    found = re.findall(r"ERRORS: (.*)", p.stdout)
    return " ".join(found)[:600] if found else "(none in a 3 s rerun)"


def lat_seconds(lat):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", lat or "")
    return float(m.group(1)) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[m.group(2)] if m else 1.0


# ------------------------------------------------------------------------------------------------


def seed(a, work, ref_python):
    """the seeded database: (store uri for the Python server's copy, for mlflow-c's copy, ctx)"""
    trace_get = bytes.fromhex("6265" + "00" * 13 + "01")  # 16 bytes
    spans = trace_spans(trace_get, a.spans, time.time_ns() - 60_000_000_000)
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    env["MLFLOW_DISABLE_TELEMETRY"] = "true"
    if a.pg_uri:
        import uuid
        seed_db = f"bench_traces_seed_{uuid.uuid4().hex[:8]}"
        uri = pg_with_db(a.pg_uri, seed_db)
        pg_exec(ref_python, a.pg_uri, f'CREATE DATABASE "{seed_db}"')
        store_uri = uri.replace("postgresql://", "postgresql+psycopg2://", 1)
    else:
        seed_db = os.path.join(work, "seed.db")
        store_uri = "sqlite:///" + seed_db
    args = {"uri": store_uri, "artifacts": os.path.join(work, "seed-artifacts"), "traces": a.traces,
            "spans_hex": otlp_request(spans).hex()}
    print(f"seeding {a.traces} traces and a {a.spans}-span trace with MLflow's SqlAlchemyStore ...", file=sys.stderr)
    with open(os.path.join(work, "seed-args.json"), "w") as f:
        json.dump(args, f)
    p = subprocess.run([ref_python, "-c", SEED, os.path.join(work, "seed-args.json")], capture_output=True,
                       text=True, env=env,
                       cwd=work, timeout=3600)
    if p.returncode != 0:
        raise SystemExit("seeding failed:\n" + (p.stdout + p.stderr)[-3000:])
    info = json.loads(p.stdout.strip().splitlines()[-1])
    print(f"  seeded in {info['seconds']}s: {info['traces']} traces in experiment {info['exp_search']}",
          file=sys.stderr)
    ctx = {"exp_search": info["exp_search"], "traces": info["traces"], "trace_get": "tr-" + trace_get.hex(),
           "seed_db": seed_db}
    return ctx


def pg_with_db(uri, name):
    u = urllib.parse.urlsplit(uri)
    return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + name, u.query, u.fragment))


def pg_exec(ref_python, maint, sql):
    code = ("import sys, psycopg2\nc = psycopg2.connect(sys.argv[1]); c.autocommit = True\n"
            "c.cursor().execute(sys.argv[2]); c.close()")
    p = subprocess.run([ref_python, "-c", code, maint, sql], capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        raise BenchError(f"{sql}: {(p.stdout + p.stderr).strip().splitlines()[-1:]}")


def target_store(a, ctx, work, label, ref_python):
    """a copy of the seeded database for one server"""
    if a.pg_uri:
        name = f"{ctx['seed_db']}_{label.replace('-', '_')}"
        pg_exec(ref_python, a.pg_uri, f'CREATE DATABASE "{name}" TEMPLATE "{ctx["seed_db"]}"')
        ctx.setdefault("pg_dbs", []).append(name)
        return pg_with_db(a.pg_uri, name)
    path = os.path.join(work, f"{label}.db")
    shutil.copyfile(ctx["seed_db"], path)
    return "sqlite:///" + path


def server_plan(a, work, python_workers=None, c_workers=None):
    """The servers to compare (a.no_python / a.no_c leave one out): their environment, and (label,
    argv(uri, port)) for each; artifacts under work."""
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    env["MLFLOW_DISABLE_TELEMETRY"] = "true"
    plan = []
    if not a.no_python:
        plan.append(("MLflow 3.18", lambda uri, port: [a.ref_python, "-m", "mlflow", "server", "--host", "127.0.0.1",
                                                       "--port", str(port), "--backend-store-uri",
                                                       uri.replace("postgresql://", "postgresql+psycopg2://", 1),
                                                       "--artifacts-destination", os.path.join(work, "py-art")]
                     + (["--workers", str(python_workers)] if python_workers else [])))
    if not a.no_c:
        plan.append(("mlflow-c", lambda uri, port: [a.bin, "server", "--port", str(port), "--backend-store-uri", uri,
                                                    "--artifacts-destination", os.path.join(work, "c-art"),
                                                    "--no-access-log"]
                     + (["--workers", str(c_workers)] if c_workers else [])))
    return env, plan


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--duration", type=int, default=10, help="seconds per scenario and server (10)")
    ap.add_argument("--max-duration", type=int, default=120,
                    help="the longest a scenario runs on a server whose warm-up round took over DURATION/3")
    ap.add_argument("--scenario", action="append", default=[], help="only these (names or substrings)")
    ap.add_argument("--traces", type=int, default=100_000, help="traces in the searched experiment (100000)")
    ap.add_argument("--spans", type=int, default=1000, help="spans of the trace get-trace reads (1000)")
    ap.add_argument("--batch", type=int, default=100, help="spans per OTLP request of otlp-ingest (100)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--pg-uri", help="PostgreSQL maintenance URI: both servers on databases of that cluster")
    ap.add_argument("--bin", default=os.environ.get("MLFLOW_C_BIN", os.path.join(ROOT, "build", "mlflow-c")))
    ap.add_argument("--ref-python", default=os.environ.get("MLFLOW_C_REF_PYTHON")
                    or os.path.join(ROOT, ".ref", "mlflow3", "bin", "python"),
                    help="MLflow 3.18's interpreter (default $MLFLOW_C_REF_PYTHON, else .ref/mlflow3/bin/python)")
    ap.add_argument("--python-workers", type=int, help="--workers of MLflow's server (its default otherwise)")
    ap.add_argument("--c-workers", type=int, help="--workers of mlflow-c (its default otherwise: the cores)")
    ap.add_argument("--no-python", action="store_true", help="no MLflow 3.18 server")
    ap.add_argument("--no-c", action="store_true", help="no mlflow-c server")
    ap.add_argument("--keep", action="store_true", help="keep the work directory and databases")
    ap.add_argument("--json", help="also write the results here")
    a = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    if not os.path.exists(a.ref_python):
        sys.exit(f"no MLflow 3.18 interpreter at {a.ref_python} (tools/ref-env.sh; . .ref/env.sh)")
    names = [s[0] for s in SCENARIOS]
    chosen = [s for s in SCENARIOS if not a.scenario or any(f == s[0] or (f not in names and f in s[0])
                                                            for f in a.scenario)]
    if not chosen:
        sys.exit(f"no scenario matches {a.scenario}; known: {', '.join(names)}")

    work = tempfile.mkdtemp(prefix="bench-traces-")
    ctx = seed(a, work, a.ref_python)
    ctx["stamp"] = int(time.time()) % 100000
    servers = []
    not_started = []
    try:
        env, plan = server_plan(a, work, a.python_workers, a.c_workers)
        for label, argv in plan:
            uri = target_store(a, ctx, work, label.split()[0].lower(), a.ref_python)
            try:
                s = Server(label, argv(uri, free_port()), work, env)
            except BenchError as e:
                not_started.append((label, str(e)))
                print(f"  {label} not started: {e}", file=sys.stderr)
                continue
            v = ""
            try:
                v = urllib.request.urlopen(s.url + "/version", timeout=10).read().decode().strip()
            except OSError:
                pass
            print(f"server {label}: {s.url} (version {v[:30]}, pids {s.pids})", file=sys.stderr)
            servers.append(s)
        results = bench(a, chosen, servers, ctx, work)
    finally:
        for s in servers:
            s.stop()
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
            for d in ctx.get("pg_dbs", []) + ([ctx["seed_db"]] if a.pg_uri else []):
                try:
                    pg_exec(a.ref_python, a.pg_uri, f'DROP DATABASE IF EXISTS "{d}" WITH (FORCE)')
                except BenchError as e:
                    print(f"dropping {d}: {e}", file=sys.stderr)
        else:
            print(f"kept: {work} {' '.join(ctx.get('pg_dbs', []))}", file=sys.stderr)
    report(a, chosen, servers, results, not_started, ctx)


def bench(a, chosen, servers, ctx, work):
    results = {}  # (scenario, label) -> dict(rate, unit, errors, cpu_us, note)
    for name, desc, fn in chosen:
        print(f"== {name}: {desc}", file=sys.stderr)
        for s in servers:
            try:
                path, lua, check, unit, per_request, threads = fn(s, ctx, a)
                note = check()
                script = os.path.join(work, f"{name}-{s.port}.lua")
                with open(script, "w") as f:
                    f.write(lua)
                duration = a.duration
                t0 = time.time()
                for _ in range(2):
                    check()
                round_s = (time.time() - t0) / 2 * a.connections / max(1, a.threads)
                if 3 * round_s > duration and a.max_duration > duration:
                    duration = min(a.max_duration, math.ceil(3 * round_s))
                    note += f"; ran {duration}s (slow answers)"
                pids = tree_pids(s.proc.pid)
                c0 = cpu_seconds(pids)
                rps, errors, done, lat = run_wrk(s.url + path, script, a, duration, threads)
                c1 = cpu_seconds(pids)
                ops = done * per_request
                rate = rps * per_request
                cpu_us = (c1 - c0) * 1e6 / ops if ops else None
                if errors:
                    note += f"; {errors} non-2xx answers or socket errors; the first: " + error_bodies(
                        s.url + path, script, a, threads)
                results[(name, s.label)] = {"rate": rate, "unit": unit, "errors": errors, "cpu_us": cpu_us,
                                            "note": note, "latency": lat}
                print(f"  [{s.label}] {rate:.1f} {unit}, avg latency {lat}, {errors} errors ({note})"
                      + (f", {cpu_us:.0f} server CPU us per op" if cpu_us else ""), file=sys.stderr)
                time.sleep(min(60.0, 1.5 * lat_seconds(lat) + 0.3))
            except BenchError as e:
                results[(name, s.label)] = {"rate": None, "unit": None, "errors": 0, "cpu_us": None, "note": str(e)}
                print(f"  [{s.label}] n/a: {e}", file=sys.stderr)
    return results


def report(a, chosen, servers, results, not_started, ctx):
    labels = [s.label for s in servers]
    backend = "PostgreSQL" if a.pg_uri else "SQLite"
    print(f"wrk -t{a.threads} -c{a.connections} -d{a.duration}s; {backend}, each server on its own copy of one seeded "
          f"database ({ctx['traces']} traces; a {a.spans}-span trace)")
    w = max(len(s[0]) for s in chosen) + 2
    units = {n: next((r["unit"] for (sn, _), r in results.items() if sn == n and r["unit"]), "") for n, _, _ in chosen}
    print(f"{'scenario':<{w}}{'unit':<12}" + "".join(f"{lbl:>14}" for lbl in labels)
          + (f"{'ratio':>10}  " if len(labels) == 2 else "")
          + "".join(f"{lbl + ' CPU us':>20}" for lbl in labels) + (f"{'CPU ratio':>11}" if len(labels) == 2 else ""))
    for name, _d, _f in chosen:
        row = f"{name:<{w}}{units[name]:<12}"
        rates, cpus = [], []
        for lbl in labels:
            r = results.get((name, lbl), {"rate": None, "errors": 0, "cpu_us": None})
            ok = r["rate"] is not None and not r["errors"]
            rates.append(r["rate"] if ok else None)
            cpus.append(r["cpu_us"] if ok else None)
            cell = "n/a" if r["rate"] is None else f"{r['rate']:.1f}" + ("!" if r["errors"] else "")
            row += f"{cell:>14}"
        if len(labels) == 2:
            row += f"{(f'{rates[1] / rates[0]:.1f}x' if rates[0] and rates[1] else '-'):>10}  "
        row += "".join(f"{'-' if c is None else f'{c:.0f}':>20}" for c in cpus)
        if len(labels) == 2:
            row += f"{(f'{cpus[0] / cpus[1]:.1f}x' if cpus[0] and cpus[1] else '-'):>11}"
        print(row)
    if len(labels) == 2:
        print(f"ratio: {labels[1]} / {labels[0]} (rate); CPU ratio: {labels[0]}'s CPU per op / {labels[1]}'s "
              "(above 1: cheaper)")
    for (name, lbl), r in results.items():
        if r["rate"] is None or r["errors"]:
            print(f"  {name} [{lbl}]: {r['note']}")
    for lbl, why in not_started:
        print(f"  not started [{lbl}]: {why}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"backend": backend, "wrk": {"threads": a.threads, "connections": a.connections,
                                                   "duration": a.duration},
                       "traces": ctx["traces"], "spans": a.spans, "batch": a.batch,
                       "not_started": dict(not_started),
                       "results": [dict(scenario=n, server=lbl, **r) for (n, lbl), r in results.items()]},
                      f, indent=1)


if __name__ == "__main__":
    main()
