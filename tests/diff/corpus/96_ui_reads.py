"""The reads the web UI makes on every experiment page: searchEvaluationDatasets, queryTraceMetrics
(trace_count) and searchTracesV3, with their validation errors. mlflow-c writes no traces or evaluation
datasets yet, so the answers with data are covered by tests/server/test_ui_reads.py (rows inserted with
SQL); here each search runs over this file's own (empty) experiments."""

DS = "/ajax-api/3.0/mlflow/datasets/search"
METRICS = "/ajax-api/3.0/mlflow/traces/metrics"
TRACES = "/ajax-api/3.0/mlflow/traces/search"


def loc(*ids):
    return [{"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": i}} for i in ids]


def run(t):
    eid = t.post("experiments/create", {"name": "ui-reads-exp"}, name="setup-exp").get("experiment_id")
    eid2 = t.post("experiments/create", {"name": "ui-reads-exp-2"}, name="setup-exp2").get("experiment_id")

    # ---- searchEvaluationDatasets ----
    t.post(DS, {"experiment_ids": [eid]}, name="ds-empty")
    t.post(DS, {"experiment_ids": [eid, eid2], "max_results": 5, "order_by": ["name ASC", "created_time"]},
           name="ds-order")
    t.post(DS, {"experiment_ids": [eid], "order_by": ["last_update_time DESC"]}, name="ds-order-desc")
    t.post("/api/3.0/mlflow/datasets/search", {"experiment_ids": [eid]}, name="ds-api")
    t.get(DS, {"experiment_ids": eid}, name="ds-get")
    t.post(DS, {"experiment_ids": [eid], "max_results": 0}, name="ds-max0")
    t.post(DS, {"experiment_ids": [eid], "max_results": -1}, name="ds-max-neg")
    t.post(DS, {"experiment_ids": [eid], "max_results": 50001}, name="ds-max-big")
    t.post(DS, {"experiment_ids": [eid], "max_results": "x"}, name="ds-max-str")
    t.post(DS, {"experiment_ids": "1"}, name="ds-ids-str")
    t.post(DS, {"experiment_ids": [eid], "order_by": "name"}, name="ds-order-str")
    t.post(DS, {"experiment_ids": [eid], "order_by": ["tags.a"]}, name="ds-order-tag")
    t.post(DS, {"experiment_ids": [eid], "order_by": ["x.a"]}, name="ds-order-ident")
    t.post(DS, {"experiment_ids": [eid], "order_by": ["name up"]}, name="ds-order-dir")
    t.post(DS, {"experiment_ids": [eid], "order_by": ["name ASC DESC"]}, name="ds-order-words")
    t.post(DS, {"experiment_ids": [eid], "page_token": "not a token"}, name="ds-token")
    t.post(DS, {"experiment_ids": [eid], "filter_string": 123}, name="ds-filter-type")
    for i, f in enumerate(["name = 'x'", "name LIKE 'x%' AND created_time > 5", "tags.a ILIKE 'b'",
                           "last_update_time <= 7 and created_by != 'me'"]):
        t.post(DS, {"experiment_ids": [eid], "filter_string": f}, name=f"ds-filter-{i}")

    # ---- queryTraceMetrics ----
    def count(**extra):
        body = {"experiment_ids": [eid], "view_type": "TRACES", "metric_name": "trace_count",
                "aggregations": [{"aggregation_type": "COUNT"}]}
        body.update(extra)
        return body

    t.post(METRICS, count(), name="m-count")
    t.post(METRICS, count(start_time_ms=0, end_time_ms=4102444800000), name="m-count-range")
    t.post(METRICS, count(experiment_ids=[eid, eid2], start_time_ms=5), name="m-count-two")
    t.post(METRICS, count(max_results=0), name="m-count-max0")
    t.post(METRICS, count(dimensions=["trace_status", "trace_name"]), name="m-count-dims")
    t.post(METRICS, count(time_interval_seconds=3600, start_time_ms=0, end_time_ms=4102444800000,
                          dimensions=["trace_name"]), name="m-count-buckets")
    t.post(METRICS, count(aggregations=[]), name="m-count-no-aggs")
    t.post(METRICS, count(aggregations=[], dimensions=["trace_name"]), name="m-count-no-aggs-dims")
    t.post("/api/3.0/mlflow/traces/metrics", count(), name="m-api")
    t.post(METRICS, count(metric_name="nope"), name="m-metric")
    t.post(METRICS, count(view_type="SPANS", metric_name="trace_count"), name="m-metric-spans")
    t.post(METRICS, count(aggregations=[{"aggregation_type": "SUM"}, {"aggregation_type": "AVG"}]), name="m-agg")
    t.post(METRICS, count(dimensions=["zz", "aa", "zz"]), name="m-dims")
    t.post(METRICS, count(experiment_ids=["abc"]), name="m-exp-id")
    t.post(METRICS, count(time_interval_seconds=60, end_time_ms=1), name="m-interval")
    t.post(METRICS, count(experiment_ids=[1]), name="m-exp-int")
    t.post(METRICS, count(metric_name=5), name="m-metric-type")
    t.post(METRICS, count(start_time_ms="x"), name="m-start-type")
    body = count()
    del body["view_type"]
    t.post(METRICS, body, name="m-no-view")
    body = count()
    del body["experiment_ids"]
    t.post(METRICS, body, name="m-no-ids")
    body = count()
    del body["aggregations"]
    t.post(METRICS, body, name="m-no-aggs")
    body = count()
    del body["metric_name"]
    t.post(METRICS, body, name="m-no-metric")

    # ---- searchTracesV3 ----
    t.post(TRACES, {"locations": loc(eid)}, name="t-empty")
    t.post(TRACES, {"locations": loc(eid, eid2), "max_results": 500, "order_by": ["timestamp_ms DESC"]},
           name="t-order")
    t.post(TRACES, {"locations": loc(eid), "order_by": ["execution_time ASC", "request_id"]}, name="t-order-2")
    for i, f in enumerate(["trace.status = 'OK'", "attributes.timestamp_ms > 5 AND execution_time <= 10",
                           "tags.k = 'v'", "tags.`mlflow.traceName` != 'x'", "name = 'n'", "metadata.m = 'x'",
                           "metadata.`mlflow.trace.session` = 's'", "request_id = 'tr-1' and end_time_ms < 7",
                           "status LIKE 'O%'", "name ILIKE '%x%' AND tags.k like 'v%'", "metadata.m ILIKE 'a'"]):
        t.post(TRACES, {"locations": loc(eid), "filter": f}, name=f"t-filter-{i}")
    t.post(TRACES, {"locations": []}, name="t-no-locations")
    t.post("/api/3.0/mlflow/traces/search", {"locations": loc(eid)}, name="t-api")
    t.post(TRACES, {}, name="t-missing")
    t.post(TRACES, {"locations": loc(eid), "max_results": 501}, name="t-max-big")
    t.post(TRACES, {"locations": loc(eid), "max_results": 0}, name="t-max0")
    t.post(TRACES, {"locations": loc(eid), "max_results": "x"}, name="t-max-str")
    t.post(TRACES, {"locations": loc(eid), "order_by": [1]}, name="t-order-int")
    t.post(TRACES, {"locations": loc("1.5", "22.5555555555555555")}, name="t-dotted")
    t.post(TRACES, {"locations": loc(eid), "page_token": "bad"}, name="t-token")
    t.post(TRACES, {"locations": loc(eid), "filter": 5}, name="t-filter-type")
