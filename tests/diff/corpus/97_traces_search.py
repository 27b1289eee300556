"""Trace searches: searchTracesV3's filter grammar and order_by, searchTraces (v2) and
calculateTraceFilterCorrelation, queryTraceMetrics' views and filters, with their validation errors, over this file's own experiments (no
traces are written here yet: the answers with data are tests/server/test_trace_search.py's, on traces
Python MLflow wrote). The harness compares a message that prints a Python set up to its order."""

V3 = "/api/3.0/mlflow/traces/search"
CORR = "/api/3.0/mlflow/traces/calculate-filter-correlation"
METRICS = "/api/3.0/mlflow/traces/metrics"

FILTERS = [
    "name = 'predict'", "trace.name != 'x'", "name LIKE 'p%'", "name ILIKE 'P%'", "name RLIKE '^p'",
    "name IN ('a', 'b')", "name NOT IN ('a')", "status = 'OK'", "status IN ('OK')", "timestamp > 5",
    "timestamp_ms >= 5", "execution_time < 10", "end_time <= 3", "timestamp > 1.5", "timestamp_ms > '5'",
    "tags.env = 'prod'", "tags.env IS NULL", "tags.env IS NOT NULL", "tags.`a.b` RLIKE 'x'",
    "metadata.m = 'x'", "metadata.m IS NULL", "request_metadata.m LIKE '%'",
    "metadata.`mlflow.trace.session` = 's'", "metadata.`mlflow.trace.session` IS NOT NULL",
    "metadata.`mlflow.trace.tokenUsage` IS NULL", "metadata.`mlflow.trace.cost` = '{\"total_cost\": 1.0}'",
    "metadata.`mlflow.trace.tokenUsage` != 'x'", "span.name = 'a'", "span.type IN ('LLM')", "span.status != 'OK'",
    "span.name RLIKE 'a' AND span.type = 'LLM'", "span.attributes.model LIKE '%gpt%'",
    "span.attributes.`a.b` RLIKE '^x$'", "span.content ILIKE '%x%'", "text LIKE '%x%'",
    "feedback.quality = 'true'", "feedback.score > 0.5", "feedback.score <= 1", "feedback.x IS NULL",
    "expectation.answer IS NOT NULL", "expectation.answer LIKE 'a%'", "issue.id = 'i'", "prompt = 'p/1'",
    "run_id = 'r'", "run_id != 'r'", "client_request_id = 'c'", "request_id IN ('tr-1')", "name = 'a' AND",
    "issue.name = 'x'", "tags.x = 'a' tags.y = 'b'",
    # refused
    "   ", "name = 'a'; name = 'b'", "name = 'a' OR name = 'b'", "foo = 'a'", "unknown.x = 'a'", "name = 5",
    "timestamp = 'a'", "name > 'a'", "tags.x = 5", "tags.x IN ('a')", "tags.x > 'a'", "metadata.x = 5",
    "metadata.x IN ('a')", "span.foo = 'a'", "span.name = 5", "span.name > 'a'", "span.content = 'a'",
    "span.attributes. = 'a'", "span.name like 'a'", "feedback.x > 'a'", "feedback.x = 5", "feedback.x IN ('a')",
    "issue.id != 'a'", "issue.id = 5", "issue.x = 'a'", "prompt != 'a/1'", "prompt = 'abc'",
    "metadata.`mlflow.trace.cost` LIKE 'a'", "timestamp IN (1, 2)", "status IN ('a', 1)", "status IN ()",
    "name = ", "name", "'a' = name", "timestamp >", "status IS NULL", "timestamp IS NULL", "run_id IN ('a')",
    "execution_time = 1e3", "span.attributes.x IN ('a')", "feedback. = 'a'", "expectation.x RLIKE 5",
    "status = 'OK' OR 1",
]

ORDERS = [
    ["name"], ["name DESC"], ["timestamp"], ["timestamp_ms ASC"], ["execution_time DESC"], ["end_time"],
    ["status", "name DESC"], ["request_id"], ["experiment_id"], ["tags.env"], ["metadata.m DESC"],
    ["metadata.`mlflow.trace.session`"], ["run_id"], ["`name` desc"],
    ["name", "name"], ["name", "tags.mlflow.traceName"], ["foo"], ["name sideways"], ["span.name"],
    ["feedback.x"], ["metadata.`mlflow.trace.tokenUsage`"], ["name ASC DESC"], ["tags.x", "tag.x"],
]


def loc(*ids):
    return [{"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": i}} for i in ids]


def run(t):
    eid = t.post("experiments/create", {"name": "traces-search-exp"}, name="setup-exp").get("experiment_id")
    for i, f in enumerate(FILTERS):
        t.post(V3, {"locations": loc(eid), "filter": f}, name=f"v3-filter-{i}")
    for i, o in enumerate(ORDERS):
        t.post(V3, {"locations": loc(eid), "order_by": o}, name=f"v3-order-{i}")
    for i, tok in enumerate(["x", "eyJvZmZzZXQiOiAxfQ==", "bm90IGpzb24="]):
        t.post(V3, {"locations": loc(eid), "page_token": tok}, name=f"v3-token-{i}")
    for i, e in enumerate(["1.2", "abc", "999999", "-1"]):
        t.post(V3, {"locations": loc(e)}, name=f"v3-location-{i}")

    # searchTraces (v2)
    t.get("traces", {"experiment_ids": eid}, name="v2-empty")
    t.get("traces", {"experiment_ids": eid, "filter": "name = 'x'", "order_by": "name", "max_results": 2},
          name="v2-filter")
    t.get("traces", {"experiment_ids": eid, "filter": "bad"}, name="v2-bad-filter")
    t.get("traces", {"experiment_ids": eid, "max_results": 501}, name="v2-max-big")
    t.get("traces", {"experiment_ids": eid, "order_by": "foo"}, name="v2-bad-order")
    t.get("traces", {"experiment_ids": "1.5"}, name="v2-dotted")
    t.get("traces", {}, name="v2-missing")

    # calculateTraceFilterCorrelation
    t.post(CORR, {"experiment_ids": [eid], "filter_string1": "name = 'a'", "filter_string2": "status = 'OK'"},
           name="corr-empty")
    t.post(CORR, {"experiment_ids": [eid], "filter_string1": "span.type = 'LLM'", "filter_string2": "tags.x IS NULL",
                  "base_filter": "timestamp > 0"}, name="corr-base")
    t.post(CORR, {"experiment_ids": [eid], "filter_string1": "bad", "filter_string2": "name = 'a'"}, name="corr-bad1")
    t.post(CORR, {"experiment_ids": [eid], "filter_string1": "name = 'a'", "filter_string2": "x.y = 'a'"},
           name="corr-bad2")
    t.post(CORR, {"experiment_ids": [eid], "filter_string1": "name = 'a'", "filter_string2": "name = 'b'",
                  "base_filter": "nope"}, name="corr-bad-base")
    t.post(CORR, {"experiment_ids": ["x"], "filter_string1": "name = 'a'", "filter_string2": "name = 'a'"},
           name="corr-bad-id")
    t.post(CORR, {"experiment_ids": [eid]}, name="corr-missing")
    t.post(CORR, {"experiment_ids": [eid], "filter_string1": 1, "filter_string2": "a"}, name="corr-type")

    # queryTraceMetrics: every view, its filters, the aggregation checks
    def m(view, metric, aggs, name, **kw):
        body = {"experiment_ids": [eid], "view_type": view, "metric_name": metric,
                "aggregations": [a if isinstance(a, dict) else {"aggregation_type": a} for a in aggs]}
        body.update(kw)
        t.post(METRICS, body, name=name)

    p50 = {"aggregation_type": "PERCENTILE", "percentile_value": 50}
    m("TRACES", "latency", ["AVG", p50], "m-latency")
    m("TRACES", "session_count", ["COUNT"], "m-sessions")
    m("SPANS", "span_count", ["COUNT"], "m-spans", dimensions=["span_type"])
    m("SPANS", "total_cost", ["SUM", p50], "m-span-cost", time_interval_seconds=60, start_time_ms=0, end_time_ms=1)
    m("ASSESSMENTS", "assessment_value", ["MIN", "MAX"], "m-assessments", dimensions=["assessment_name"])
    for i, f in enumerate(["trace.status = 'OK'", "trace.tag.k = 'v'", "trace.metadata.`mlflow.sourceRun` = 'r'",
                           "span.name = 'x'", "assessment.type = 'feedback'", "trace.status != 'OK'", "x = 'a'",
                           "trace.tag = 'a'", "trace.status.x = 'a'", "foo.status = 'a'", "trace.foo = 'a'",
                           "trace.status = 5", "trace.status = 'a' AND trace.status = 'b'", "",
                           "trace.status = 'a' OR 1", "span.type = 'LLM'"]):
        m("SPANS" if i == 15 else "TRACES", "trace_count" if i != 15 else "span_count", ["COUNT"], f"m-filter-{i}",
          filters=[f])
    m("ASSESSMENTS", "assessment_count", ["COUNT"], "m-filter-assessment", filters=["assessment.name = 'q'"])
    m("TRACES", "latency", [{"aggregation_type": "PERCENTILE", "percentile_value": 101}], "m-p-range")
    m("TRACES", "latency", [{"aggregation_type": "AVG", "percentile_value": 5}], "m-p-misplaced")
    m("SPANS", "span_count", ["SUM"], "m-bad-agg")
