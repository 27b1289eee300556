"""Trace searches (searchTracesV3, searchTraces v2, calculateTraceFilterCorrelation) of traces written
by Python MLflow 3.18 (tests/server/trace_seed.py with $MLFLOW_C_REF_PYTHON), answered by mlflow-c and
by the reference server on the same database, compared answer by answer: the results, their order,
pages, and every error (messages compared up to a Python set, whose order is the interpreter's).

On SQLite each server reads its own copy of the seeded file; on PostgreSQL both read one database the
reference wrote. Skips without the reference environment (tools/ref-env.sh, .ref/env.sh)."""

import os
import shutil
import subprocess
import tempfile
import time
import http.client
import json

import pytest

from conftest import PG, PG_MISSING, Server, free_port, pg_create_database, pg_database_uri, pg_drop_database

HERE = os.path.dirname(os.path.abspath(__file__))
REF = os.environ.get("MLFLOW_C_REF_PYTHON", "")


class RefServer:
    """MLflow 3.18's own server on store_uri (one worker)."""

    def __init__(self, store_uri, workdir):
        self.port = free_port()
        mlflow_bin = os.path.join(os.path.dirname(REF), "mlflow")
        self.log = open(os.path.join(workdir, "ref.log"), "w+")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LD_PRELOAD", "ASAN", "LSAN", "UBSAN"))}
        self.proc = subprocess.Popen(
            [mlflow_bin, "server", "--port", str(self.port), "--backend-store-uri", store_uri,
             "--artifacts-destination", os.path.join(workdir, "refart"), "--workers", "1"],
            stdout=self.log, stderr=subprocess.STDOUT, cwd=workdir, env=env)
        deadline = time.time() + 90
        while time.time() < deadline:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError("reference server exited: " + self.log.read()[-3000:])
            try:
                if self.request("GET", "/health")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("reference server did not start")

    def request(self, method, path, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        hdrs = {}
        if body is not None:
            body = json.dumps(body)
            hdrs["Content-Type"] = "application/json"
        conn.request(method, path, body=body, headers=hdrs)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        try:
            data = json.loads(data)
        except ValueError:
            pass
        return resp.status, None, data

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


@pytest.fixture(scope="module")
def pair():
    if not REF or not os.path.exists(REF):
        why = "$MLFLOW_C_REF_PYTHON unset or missing: run tools/ref-env.sh and source .ref/env.sh"
        if os.environ.get("MLFLOW_C_REQUIRE_REF"):
            pytest.fail(why)
        pytest.skip(why)
    if PG_MISSING:
        pytest.skip("MLFLOW_C_TEST_BACKEND=postgresql without MLFLOW_C_TEST_PG_URI")
    work = tempfile.mkdtemp(prefix="mlflow-c-trace-search-")
    pg_db = None
    if PG:
        pg_db = pg_create_database()
        # the reference's driver is psycopg2 (SQLAlchemy's default for postgresql:// is psycopg 3)
        seed_uri = pg_database_uri(pg_db).replace("postgresql://", "postgresql+psycopg2://", 1)
    else:
        seed_uri = "sqlite:///" + os.path.join(work, "seed.db")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LD_PRELOAD", "ASAN", "LSAN", "UBSAN"))}
    env.pop("MLFLOW_TRACKING_URI", None)
    env["MLFLOW_ENABLE_ASYNC_TRACE_LOGGING"] = "false"
    p = subprocess.run([REF, os.path.join(HERE, "trace_seed.py"), seed_uri], cwd=work, env=env,
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, (p.stdout + p.stderr)[-4000:]
    plain, assessed = p.stdout.split()[-2:]
    if PG:
        ref_uri, c_uri = seed_uri, pg_database_uri(pg_db)
    else:
        shutil.copy(os.path.join(work, "seed.db"), os.path.join(work, "ref.db"))
        shutil.copy(os.path.join(work, "seed.db"), os.path.join(work, "c.db"))
        ref_uri = "sqlite:///" + os.path.join(work, "ref.db")
        c_uri = "sqlite:///" + os.path.join(work, "c.db")
    ref = RefServer(ref_uri, work)
    ours = None
    try:
        ours = Server(store_uri=c_uri)
        yield ref, ours, plain, assessed
    finally:
        if ours is not None:
            ours.stop()
        ref.stop()
        if pg_db is not None:
            pg_drop_database(pg_db)
        shutil.rmtree(work, ignore_errors=True)


def _norm(status, body):
    """An answer to compare: an error's message up to the first Python set (hash order) or dict."""
    if isinstance(body, dict) and "error_code" in body:
        msg = body.get("message", "")
        for cut in ("{'", '{"'):
            if cut in msg:
                msg = msg[:msg.index(cut)]
        return status, body["error_code"], msg
    return status, body


def _sort_v2(body):
    """searchTraces (v2) lists tags and metadata in the order Python read the rows (no ORDER BY: SQLite's
    insertion order); mlflow-c reads them by key. The order of the list is not compared."""
    if isinstance(body, dict):
        for t in body.get("traces", []):
            for f in ("tags", "request_metadata"):
                if f in t:
                    t[f] = sorted(t[f], key=lambda e: e["key"])
    return body


def same(pair, method, path, body=None):
    ref, ours = pair[0], pair[1]
    want = ref.request(method, path, body)
    got = ours.request(method, path, body)
    if path.startswith("/api/2.0/mlflow/traces?"):
        _sort_v2(want[2])
        _sort_v2(got[2])
    assert _norm(got[0], got[2]) == _norm(want[0], want[2]), (method, path, body)
    return got[2]


def v3(pair, exp, **kw):
    body = {"locations": [{"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": exp}}]}
    body.update(kw)
    return same(pair, "POST", "/api/3.0/mlflow/traces/search", body)


PLAIN_FILTERS = [
    None, "",
    "name = 'predict'", "trace.name = 'chain'", "attributes.name != 'predict'", "name LIKE 'pre%'",
    "name ILIKE 'PRE%'", "name RLIKE '^ch'", "name RLIKE 'ai'", "name IN ('chain', 'other')",
    "name NOT IN ('chain')", "tags.name = 'other'",
    "tags.env RLIKE '(?i)^prod$'", "name RLIKE 'p.*?t'", "span.name RLIKE '^[a-z]+$'",
    "metadata.custom RLIKE '^m\\d$'", "name RLIKE '(?:ch|ot)'", "metadata.`mlflow.trace.sizeBytes` RLIKE '^\\d{4}$'",
    "status = 'ERROR'", "status = 'OK'", "trace.status != 'OK'", "status IN ('OK', 'ERROR')",
    "timestamp > 0", "timestamp_ms >= 0", "timestamp < 0", "execution_time >= 0", "execution_time_ms < 1000000",
    "end_time > 0", "end_time_ms <= 1", "timestamp > 1.5",
    "tags.env = 'prod'", "tags.env ILIKE 'prod'", "tags.env != 'prod'", "tags.env LIKE '%ev'",
    "tags.env RLIKE '^P'", "tags.env IS NULL", "tags.env IS NOT NULL", "tags.`env` = 'dev'",
    "tag.team = 'a' AND tags.env = 'prod'", "tags.unicode = 'é'",
    "metadata.custom = 'm1'", "request_metadata.custom != 'm1'", "metadata.custom IS NULL",
    "metadata.custom IS NOT NULL", "metadata.`mlflow.trace.session` = 's1'",
    "metadata.`mlflow.trace.session` IS NULL", "metadata.`mlflow.trace.session` LIKE 's%'",
    "metadata.`mlflow.user` RLIKE 'o+t'",
    "metadata.`mlflow.trace.tokenUsage` IS NULL", "metadata.`mlflow.trace.cost` IS NOT NULL",
    """metadata.`mlflow.trace.tokenUsage` = '{"input_tokens": 5, "output_tokens": 2, "total_tokens": 7}'""",
    """metadata.`mlflow.trace.tokenUsage` != '{"input_tokens": 5, "output_tokens": 2, "total_tokens": 7}'""",
    """metadata.`mlflow.trace.tokenUsage` = '{"input_tokens": 5.0, "output_tokens": 2, "total_tokens": 7}'""",
    """metadata.`mlflow.trace.tokenUsage` = '{"output_tokens": 2}'""", "metadata.`mlflow.trace.tokenUsage` = 'x'",
    """metadata.`mlflow.trace.cost` = '{"input_cost": 0.5, "output_cost": 0.25, "total_cost": 0.75}'""",
    """metadata.`mlflow.trace.cost` != '{"input_cost": 0.5, "output_cost": 0.25, "total_cost": 0.75}'""",
    """metadata.`mlflow.trace.cost` = '{"input_cost": 0.5, "bogus": 1}'""", "metadata.`mlflow.trace.cost` != '{}'",
    "span.name = 'retriever'", "span.name LIKE 'ret%'", "span.type = 'RETRIEVER'", "span.type IN ('LLM', 'CHAIN')",
    "span.type != 'CHAIN'", "span.status = 'ERROR'", "span.name ILIKE 'PREDICT%'", "span.name RLIKE 'er$'",
    "span.name = 'retriever' AND span.type = 'RETRIEVER'", "span.name = 'retriever' AND span.type = 'LLM'",
    "span.attributes.model LIKE '%gpt%'", "span.attributes.top_k ILIKE '%3%'", "span.attributes.index RLIKE 'docs'",
    "span.attributes.index RLIKE '^docs$'", "span.content LIKE '%mlflow%'", "span.content ILIKE '%CAFÉ%'",
    "text LIKE '%hello%'", "text ILIKE '%HELLO%'",
    "span.name = 'retriever' AND timestamp > 0",
    "client_request_id IS NULL", "request_id LIKE 'tr-%'", "trace.request_id != 'x'",
    "prompt = 'p/1'", "prompt = 'greet/1'", "prompt = 'greet/2'", "name = 'a' AND", "issue.name = 'chain'", "feedback.name = 'chain'", "tags.timestamp = 'x'",
]

BAD_FILTERS = [
    "   ", "name = 'a'; name = 'b'", "name = 'a' OR name = 'b'", "foo = 'a'", "attribute.foo = 'a'",
    "unknown.x = 'a'", "name = 5", "status = 5", "timestamp = 'a'", "timestamp > 'x'", "name > 'a'",
    "tags.x = 5", "tags.x IN ('a')", "tags.x > 'a'", "metadata.x = 5", "metadata.x IN ('a')",
    "span.foo = 'a'", "span.name = 5", "span.name > 'a'", "span.content = 'a'", "span.attributes. = 'a'",
    "span.name like 'a'", "feedback.x > 'a'", "feedback.x = 5", "feedback.x IN ('a')", "feedback.x = ('a')",
    "issue.id != 'a'", "issue.id = 5", "prompt != 'a/1'", "prompt = 'abc'",
    "metadata.`mlflow.trace.cost` LIKE 'a'", "timestamp IN (1, 2)", "status IN ('a', 1)", "status IN ()",
    "name = ", "name", "'a' = name", "timestamp >", "status IS NULL", "timestamp IS NULL",
    "run_id IN ('a')", "tags.x = 'a' tags.y = 'b'", "execution_time = 1e3", "name ILIKE 5",
    "span.attributes.x IN ('a')", "span.attributes.x > 'a'", "feedback. = 'a'", "expectation.x RLIKE 5",
]


def test_filters_plain(pair):
    plain = pair[2]
    for f in PLAIN_FILTERS:
        kw = {} if f is None else {"filter": f}
        v3(pair, plain, **kw)


def test_prompt_filter(pair):
    body = v3(pair, pair[2], filter="prompt = 'greet/1'")
    assert [t["tags"]["mlflow.traceName"] for t in body["traces"]] == ["Predict_Upper"]


def test_bad_regexp(pair):
    """A pattern the database cannot compile: no match on SQLite (MLflow's regexp() returns False), the
    database's error on PostgreSQL (whose message MLflow follows with the SQL text: status and code compared)."""
    body = {"locations": [{"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": pair[2]}}],
            "filter": "name RLIKE '['"}
    want = pair[0].request("POST", "/api/3.0/mlflow/traces/search", body)
    got = pair[1].request("POST", "/api/3.0/mlflow/traces/search", body)
    assert _norm(got[0], got[2])[:2] == _norm(want[0], want[2])[:2]


def test_bad_filters(pair):
    plain = pair[2]
    errors = 0
    for f in BAD_FILTERS:
        body = v3(pair, plain, filter=f)
        errors += "error_code" in body
    assert errors >= len(BAD_FILTERS) - 3


def test_order_by_and_pages(pair):
    plain = pair[2]
    for ob in (["name"], ["name DESC"], ["timestamp"], ["timestamp_ms ASC"], ["execution_time DESC"],
               ["end_time"], ["status", "name DESC"], ["request_id"], ["experiment_id"],
               ["tags.env"], ["tags.env DESC", "name"], ["metadata.custom"], ["metadata.`mlflow.trace.session`"],
               ["run_id"], ["`name` desc"], ["trace.name"]):
        v3(pair, plain, order_by=ob)
    for ob in (["name", "name"], ["name", "tags.mlflow.traceName"], ["foo"], ["name sideways"], ["span.name"],
               ["feedback.x"], ["metadata.`mlflow.trace.tokenUsage`"], ["name ASC DESC"], ["tags.x", "tag.x"]):
        body = v3(pair, plain, order_by=ob)
        assert "error_code" in body, ob
    body = v3(pair, plain, max_results=2, order_by=["name"])
    assert len(body["traces"]) == 2
    while "next_page_token" in body:
        body = v3(pair, plain, max_results=2, order_by=["name"], page_token=body["next_page_token"])
    for mr in (0, -1, 501, 1):
        v3(pair, plain, max_results=mr)
    for tok in ("x", "eyJvZmZzZXQiOiAxfQ==", "bm90IGpzb24="):
        v3(pair, plain, page_token=tok)


def test_locations(pair):
    plain, assessed = pair[2], pair[3]
    same(pair, "POST", "/api/3.0/mlflow/traces/search", {"locations": []})
    for exp in ("1.2", "abc", "999999", "-1", "a.b.c.d.e.f.g.h.i.j.k.l.m.n"):
        v3(pair, exp)
    body = {"locations": [{"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": plain}},
                          {"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": "0"}}],
            "filter": "name = 'other'"}
    same(pair, "POST", "/api/3.0/mlflow/traces/search", body)
    del assessed


def test_run_id(pair):
    ref = pair[0]
    plain = pair[2]
    # the run the seed's fifth trace ran in
    runs = ref.request("POST", "/api/2.0/mlflow/runs/search", {"experiment_ids": [plain]})[2]["runs"]
    run_id = runs[0]["info"]["run_id"]
    for f in (f"run_id = '{run_id}'", f"metadata.`mlflow.sourceRun` = '{run_id}'", "run_id = 'nope'",
              f"run_id != '{run_id}'", f"run_id LIKE '{run_id[:4]}%'", f"run_id = '{run_id}' AND name = 'chain'"):
        v3(pair, plain, filter=f)


def test_search_traces_v2(pair):
    plain = pair[2]
    for q in (f"experiment_ids={plain}", f"experiment_ids={plain}&filter=name%20%3D%20%27chain%27",
              f"experiment_ids={plain}&order_by=name&max_results=2", f"experiment_ids={plain}&filter=bad",
              f"experiment_ids={plain}&max_results=501", "experiment_ids=1.5", ""):
        same(pair, "GET", "/api/2.0/mlflow/traces?" + q)


def corr(pair, exps, f1, f2, base=None):
    body = {"experiment_ids": exps, "filter_string1": f1, "filter_string2": f2}
    if base is not None:
        body["base_filter"] = base
    return same(pair, "POST", "/api/3.0/mlflow/traces/calculate-filter-correlation", body)


def test_correlation_and_assessments(pair):
    plain, assessed = pair[2], pair[3]
    corr(pair, [plain], "name = 'chain'", "status = 'ERROR'")
    corr(pair, [plain], "name = 'chain'", "name = 'chain'")
    corr(pair, [plain], "name = 'predict'", "name = 'chain'")
    corr(pair, [plain], "name = 'nothing'", "name = 'chain'")
    corr(pair, [plain], "span.type = 'LLM'", "tags.env = 'prod'", base="timestamp > 0")
    corr(pair, [plain, assessed], "tags.env IS NULL", "status = 'OK'")
    corr(pair, [plain], "bad filter", "name = 'a'")
    corr(pair, ["x"], "name = 'a'", "name = 'a'")
    same(pair, "POST", "/api/3.0/mlflow/traces/calculate-filter-correlation", {"experiment_ids": [plain]})
    # assessment filters, counted (the traces' assessments are another rpc's)
    for f in ("feedback.quality = 'true'", "feedback.quality = 'false'", "feedback.quality != 'true'",
              "feedback.score > 0.5", "feedback.score <= 0.5", "feedback.score >= 1", "feedback.tone = 'polite'",
              "feedback.tone LIKE 'pol%'", "feedback.tone ILIKE 'POL%'", "feedback.tone RLIKE 'ite$'",
              "feedback.quality IS NULL", "feedback.quality IS NOT NULL", "expectation.answer = '42'",
              "expectation.answer IS NULL", "expectation.answer LIKE '%forty%'", "feedback.coherent = 'true'",
              "feedback.coherent IS NOT NULL", "feedback.coherent IS NULL", "feedback.nothing IS NULL",
              "issue.id = 'i-1'", "name = 'judged0'", "metadata.`mlflow.trace.session` = 'sess-a'"):
        corr(pair, [assessed], f, "name = 'judged0'")


def metrics(pair, exps, view, metric, aggs, **kw):
    body = {"experiment_ids": exps, "view_type": view, "metric_name": metric,
            "aggregations": [a if isinstance(a, dict) else {"aggregation_type": a} for a in aggs]}
    body.update(kw)
    return same(pair, "POST", "/api/3.0/mlflow/traces/metrics", body)


def test_query_trace_metrics(pair):
    plain, assessed = pair[2], pair[3]
    both = [plain, assessed]
    p50 = {"aggregation_type": "PERCENTILE", "percentile_value": 50}
    p90 = {"aggregation_type": "PERCENTILE", "percentile_value": 90.5}
    stats = ["AVG", "MIN", "MAX", p50, p90]
    day = {"time_interval_seconds": 86400, "start_time_ms": 0, "end_time_ms": 4102444800000}
    # TRACES
    metrics(pair, both, "TRACES", "trace_count", ["COUNT"])
    metrics(pair, both, "TRACES", "trace_count", ["COUNT"], dimensions=["trace_name", "trace_status"])
    metrics(pair, both, "TRACES", "trace_count", ["COUNT"], dimensions=["trace_status"], **day)
    metrics(pair, both, "TRACES", "session_count", ["COUNT"])
    metrics(pair, both, "TRACES", "session_count", ["COUNT"], **day)
    metrics(pair, both, "TRACES", "latency", stats, dimensions=["trace_name"])
    metrics(pair, both, "TRACES", "input_tokens", ["SUM", "AVG", p50], dimensions=["trace_name"])
    metrics(pair, both, "TRACES", "total_tokens", ["SUM", "MAX"])
    metrics(pair, both, "TRACES", "output_tokens", ["SUM"], filters=["trace.status = 'OK'"])
    for f in ("trace.status = 'ERROR'", "trace.tag.env = 'prod'", "trace.tag.mlflow.traceName = 'chain'",
              "trace.metadata.`mlflow.trace.session` = 's2'", "trace.metadata.custom = 'm1'",
              "trace.metadata.`mlflow.sourceRun` = 'nope'",
              """trace.metadata.`mlflow.trace.tokenUsage` = '{"input_tokens": 5, "output_tokens": 2, "total_tokens": 7}'""",
              "trace.tag.`mlflow.traceName` = 'predict'"):
        metrics(pair, both, "TRACES", "trace_count", ["COUNT"], filters=[f])
    metrics(pair, both, "TRACES", "trace_count", ["COUNT"], filters=["trace.status = 'OK'", "trace.tag.env = 'dev'"])
    # SPANS
    metrics(pair, both, "SPANS", "span_count", ["COUNT"])
    metrics(pair, both, "SPANS", "span_count", ["COUNT"], dimensions=["span_type", "span_name", "span_status"])
    metrics(pair, both, "SPANS", "span_count", ["COUNT"], dimensions=["span_model_name"])
    metrics(pair, both, "SPANS", "latency", stats, dimensions=["span_name"])
    metrics(pair, both, "SPANS", "span_count", ["COUNT"], dimensions=["span_type"], **day)
    metrics(pair, both, "SPANS", "total_cost", ["SUM", "AVG"])
    metrics(pair, both, "SPANS", "input_cost", ["SUM"], **day)
    for f in ("span.name = 'retriever'", "span.type = 'LLM'", "span.status = 'ERROR'", "trace.status = 'OK'"):
        metrics(pair, both, "SPANS", "span_count", ["COUNT"], filters=[f])
    # ASSESSMENTS
    metrics(pair, both, "ASSESSMENTS", "assessment_count", ["COUNT"])
    metrics(pair, both, "ASSESSMENTS", "assessment_count", ["COUNT"], dimensions=["assessment_name", "assessment_value"])
    metrics(pair, both, "ASSESSMENTS", "assessment_value", stats, dimensions=["assessment_name"])
    metrics(pair, both, "ASSESSMENTS", "assessment_count", ["COUNT"], dimensions=["assessment_name"], **day)
    for f in ("assessment.name = 'score'", "assessment.type = 'expectation'", "trace.status = 'OK'",
              "trace.tag.mlflow.traceName = 'judged0'", "trace.metadata.`mlflow.trace.session` = 'sess-a'"):
        metrics(pair, both, "ASSESSMENTS", "assessment_count", ["COUNT"], filters=[f])
    # errors
    for kw in ({"filters": ["span.name = 'x'"]}, {"filters": ["assessment.name = 'x'"]}, {"filters": ["x = 'a'"]},
               {"filters": ["trace.status != 'a'"]}, {"filters": ["trace.tag = 'a'"]}, {"filters": ["trace.status.x = 'a'"]},
               {"filters": ["foo.status = 'a'"]}, {"filters": ["trace.foo = 'a'"]}, {"filters": ["trace.status = 5"]},
               {"filters": ["trace.status = 'a' AND trace.status = 'b'"]}, {"filters": [""]},
               {"filters": ["trace.status = 'a' OR 1"]}, {"time_interval_seconds": 60}):
        metrics(pair, both, "TRACES", "trace_count", ["COUNT"], **kw)
    metrics(pair, both, "TRACES", "latency", [{"aggregation_type": "PERCENTILE"}])
    metrics(pair, both, "TRACES", "latency", [{"aggregation_type": "PERCENTILE", "percentile_value": 101}])
    metrics(pair, both, "TRACES", "latency", [{"aggregation_type": "AVG", "percentile_value": 5}])
    metrics(pair, both, "SPANS", "span_count", ["SUM"])
    metrics(pair, both, "ASSESSMENTS", "nope", ["COUNT"])
    metrics(pair, ["x"], "TRACES", "trace_count", ["COUNT"])
