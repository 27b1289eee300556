"""The Python store classes (python/mlflow_c/store) inside MLflow: skipped when
MLflow does not import (it is no dependency of the repo; see
tools/mlflow-suite/run_store_suite.sh for MLflow's own store suites)."""

import os
import sys

import pytest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "python"))

try:
    from mlflow.entities import Metric, Param, RunTag
    from mlflow.exceptions import MlflowException
except ImportError as e:  # a module-level skip would leave pytest with no test (exit 5)
    _no_mlflow = f"MLflow is not importable ({e}): run it with tests/ref_pytest.py"
else:
    _no_mlflow = None


@pytest.fixture(autouse=True)
def _needs_mlflow():
    if _no_mlflow:
        pytest.skip(_no_mlflow)


@pytest.fixture
def uri(tmp_path):
    return "sqlite:///" + str(tmp_path / "store.db")


def test_tracking_store_round_trip(uri, tmp_path):
    from mlflow_c.store.tracking import CTrackingStore

    store = CTrackingStore(uri, (tmp_path / "artifacts").as_uri())
    eid = store.create_experiment("e")
    run = store.create_run(eid, "u", 1000, [RunTag("k", "v")], None)
    assert run.info.run_name  # MLflow's own name generator
    store.log_batch(run.info.run_id, [Metric("m", 1.5, 2000, 3)], [Param("p", "x")], [])
    got = store.get_run(run.info.run_id)
    assert got.data.metrics == {"m": 1.5} and got.data.params == {"p": "x"} and got.data.tags["k"] == "v"
    assert [r.info.run_id for r in store.search_runs([eid], "metrics.m > 1", 1)] == [run.info.run_id]
    with pytest.raises(MlflowException) as e:
        store.get_experiment("12345")
    assert e.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert str(e.value.message) == "No Experiment with id=12345 exists"


def test_registry_store_round_trip(uri):
    from mlflow_c.store.model_registry import CModelRegistryStore

    store = CModelRegistryStore(uri)
    store.create_registered_model("m", description="d")
    mv = store.create_model_version("m", "s3://b/m")
    assert mv.version == 1 and mv.run_id is None and mv.description is None
    store.set_registered_model_alias("m", "champion", 1)
    assert store.get_model_version_by_alias("m", "champion").version == 1
    rm = store.get_registered_model("m")
    assert rm.description == "d" and rm.aliases == {"champion": 1}


def test_plugin_schemes(uri, tmp_path, monkeypatch):
    from mlflow.tracking._model_registry.utils import _get_store_registry
    from mlflow.tracking._tracking_service.utils import _tracking_store_registry

    import mlflow_c.store
    from mlflow_c.store.model_registry import ModelRegistryStoreMixin
    from mlflow_c.store.tracking import TrackingStoreMixin

    mlflow_c.store.register()
    c_uri = "mlflowc+" + uri
    assert isinstance(_tracking_store_registry.get_store(c_uri, "/tmp/a"), TrackingStoreMixin)
    assert isinstance(_get_store_registry().get_store(c_uri), ModelRegistryStoreMixin)
    monkeypatch.delenv("MLFLOW_C_STORE", raising=False)
    assert not isinstance(_tracking_store_registry.get_store(uri, "/tmp/a"), TrackingStoreMixin)
    monkeypatch.setenv("MLFLOW_C_STORE", "1")
    uri2 = "sqlite:///" + str(tmp_path / "switched.db")  # MLflow caches stores per URI
    assert isinstance(_tracking_store_registry.get_store(uri2, "/tmp/a"), TrackingStoreMixin)
    assert isinstance(_get_store_registry().get_store(uri2), ModelRegistryStoreMixin)


# traces: info lifecycle (tracecore)
def test_trace_info_methods_match_mlflow(tmp_path):
    """start_trace ... link_prompts_to_trace on the C store answer as MLflow's own SqlAlchemyStore does."""
    from mlflow.entities import TraceInfo, TraceLocation, TraceState
    from mlflow.entities.model_registry import PromptVersion
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    from mlflow_c.store.tracking import CTrackingStore

    def scenario(store):
        out = []
        eid = store.create_experiment("traces")
        ti = TraceInfo(trace_id="tr-1", trace_location=TraceLocation.from_experiment_id(eid), request_time=1000,
                       execution_duration=5, state=TraceState.OK, request_preview="q", client_request_id="c",
                       trace_metadata={"m": "1", "mlflow.trace.session": "s",
                                       "mlflow.trace.tokenUsage": '{"input_tokens": 3}'},
                       tags={"t": "v", "mlflow.traceName": "n"})
        out.append(store.start_trace(ti).to_dict())
        store.start_trace(TraceInfo(trace_id="tr-2", trace_location=TraceLocation.from_experiment_id(eid),
                                    request_time=2000, state=TraceState.IN_PROGRESS))
        store.set_trace_tag("tr-1", "k", "v2")
        store.set_trace_tag("tr-1", "mlflow.traceName", "n2")
        store.delete_trace_tag("tr-1", "t")
        out.append(store.get_trace_info("tr-1").to_dict())
        out.append([t.trace_id for t in store.batch_get_trace_infos(["tr-2", "tr-x", "tr-1"])])
        out.append(store.batch_get_trace_infos(["tr-1"], experiment_ids=[]))
        out.append([t.trace_id for t in store.batch_get_trace_infos(["tr-1"], experiment_ids=[eid])])
        for call in (lambda: store.get_trace_info("tr-x"), lambda: store.delete_trace_tag("tr-1", "nope"),
                     lambda: store.delete_traces(eid), lambda: store.link_traces_to_run(["x"] * 101, "r")):
            try:
                call()
                out.append(None)
            except MlflowException as e:
                out.append((e.error_code, e.message))
        run = store.create_run(eid, "u", 0, [], "r")
        store.link_traces_to_run(["tr-1", "tr-2"], run.info.run_id)
        store.link_prompts_to_trace("tr-1", [PromptVersion(name="p", version=1, template="")])
        out.append(store.delete_traces(eid, max_timestamp_millis=1500, max_traces=5))
        out.append(store.delete_traces(eid, trace_ids=["tr-2", "tr-x"]))
        return out

    def norm(v):
        # the artifact location names each store's own root
        if isinstance(v, dict):
            return {k: norm(x) for k, x in v.items() if k != "mlflow.artifactLocation"}
        if isinstance(v, list):
            return [norm(x) for x in v]
        return v

    ref = scenario(SqlAlchemyStore("sqlite:///" + str(tmp_path / "ref.db"), (tmp_path / "a1").as_uri()))
    c_store = CTrackingStore("sqlite:///" + str(tmp_path / "c.db"), (tmp_path / "a2").as_uri())
    mine = scenario(c_store)
    assert norm(mine) == norm(ref)
    # served by the C store, none falling back to MLflow's SQL code
    assert not type(c_store)._c_not_ported


def test_metric_history_bulk_interval_matches_mlflow(uri, tmp_path):
    # 3.18's SqlAlchemyStore samples rows with NTILE (its own method, not AbstractStore's by-step one)
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    from mlflow_c.store.tracking import CTrackingStore

    store = CTrackingStore(uri, (tmp_path / "artifacts").as_uri())
    run = store.create_run("0", "u", 1, [], None)
    store.log_batch(run.info.run_id, [Metric("m", float(i), i, i) for i in range(10)], [], [])
    store.log_batch(run.info.run_id, [Metric("m", 0.5, 20 + i, 4) for i in range(3)], [], [])
    sql_store = SqlAlchemyStore(uri, (tmp_path / "artifacts").as_uri())
    for args in ((3, None, None), (3, 2, 8), (100, 0, 4), (1, None, None), (4, 4, 4)):
        ours = store.get_metric_history_bulk_interval([run.info.run_id], "m", *args)
        python = sql_store.get_metric_history_bulk_interval([run.info.run_id], "m", *args)
        assert [(m.run_id, m.step, m.value, m.timestamp) for m in ours] == \
            [(m.run_id, m.step, m.value, m.timestamp) for m in python]


# spans: log_spans (mlf_ffi_log_spans), get_trace and batch_get_traces through the store plugin
def _spans():
    import json

    from mlflow.entities import Span

    def span(sid, parent, name, start, end, attrs, status="STATUS_CODE_OK"):
        attrs = {"mlflow.traceRequestId": json.dumps("tr-" + "ab" * 16), **{k: json.dumps(v) for k, v in attrs.items()}}
        return Span.from_dict({
            "trace_id": "q6urq6urq6urq6urq6urqw==", "span_id": sid, "parent_span_id": parent, "name": name,
            "kind": "SPAN_KIND_INTERNAL", "start_time_unix_nano": start, "end_time_unix_nano": end, "events": [],
            "status": {"code": status, "message": ""}, "attributes": attrs, "links": []})

    return [
        span("AAAAAAAAAAE=", None, "root", 1_000_000_000, 5_000_000_000,
             {"mlflow.spanType": "CHAIN", "mlflow.spanInputs": {"q": "é"}, "mlflow.spanOutputs": "a",
              "session.id": "s-1", "mlflow.traceTag.team": "x"}),
        span("AAAAAAAAAAI=", "AAAAAAAAAAE=", "llm", 2_000_000_000, 3_000_000_000,
             {"mlflow.chat.tokenUsage": {"input_tokens": 3, "output_tokens": 4, "total_tokens": 7},
              "weird": [1, 2.5, None, {"k": True}]}, status="STATUS_CODE_ERROR"),
    ]


def test_log_spans_writes_mlflows_rows(tmp_path):
    import sqlite3

    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    from mlflow_c.store.tracking import CTrackingStore

    art = (tmp_path / "art").as_uri()
    py = SqlAlchemyStore("sqlite:///" + str(tmp_path / "py.db"), art)
    c = CTrackingStore("sqlite:///" + str(tmp_path / "c.db"), art)
    for store in (py, c):
        eid = store.create_experiment("spans")
        store.log_spans(eid, _spans())

    def rows(name):
        db = sqlite3.connect(str(tmp_path / name))
        try:
            return [db.execute(q).fetchall() for q in (
                "SELECT * FROM spans ORDER BY span_id",
                "SELECT * FROM trace_info",
                "SELECT key, value FROM trace_tags ORDER BY key",
                "SELECT key, value FROM trace_request_metadata ORDER BY key")]
        finally:
            db.close()

    assert rows("c.db") == rows("py.db")
    trace = c.get_trace("tr-" + "ab" * 16)
    assert [s.name for s in trace.data.spans] == ["root", "llm"]
    assert trace.data.spans[0].inputs == {"q": "é"} and trace.info.trace_metadata["mlflow.trace.session"] == "s-1"
    assert [t.info.trace_id for t in c.batch_get_traces(["tr-" + "ab" * 16, "tr-nope"])] == ["tr-" + "ab" * 16]
    assert c.batch_get_traces(["tr-" + "ab" * 16], experiment_ids=[]) == []
    with pytest.raises(MlflowException) as e:
        c.log_spans("0", [_spans()[1]])  # the trace is another experiment's
    assert (e.value.error_code, e.value.message) == (
        "INVALID_PARAMETER_VALUE", "Trace with ID 'tr-" + "ab" * 16 + "' already exists in another experiment.")


def test_trace_search_methods(uri, tmp_path):
    """traces: search. search_traces, calculate_trace_filter_correlation and query_trace_metrics run on the C
    store (rows inserted with SQL: the trace writes are other rpcs')."""
    import math
    import sqlite3

    from mlflow.entities.trace_metrics import AggregationType, MetricAggregation, MetricViewType

    from mlflow_c.store.tracking import CTrackingStore

    store = CTrackingStore(uri, (tmp_path / "artifacts").as_uri())
    eid = store.create_experiment("traces")
    db = sqlite3.connect(uri[len("sqlite:///"):])
    for rid, ts, status, name in (("tr-1", 1000, "OK", "a"), ("tr-2", 2000, "ERROR", "b"), ("tr-3", 3000, "OK", "a")):
        db.execute("INSERT INTO trace_info (request_id, experiment_id, timestamp_ms, execution_time_ms, status, "
                   "trace_name) VALUES (?, ?, ?, 10, ?, ?)", (rid, int(eid), ts, status, name))
    db.execute("INSERT INTO trace_tags (key, value, request_id) VALUES ('env', 'prod', 'tr-3')")
    db.commit()
    db.close()
    traces, token = store.search_traces(locations=[eid], filter_string="name = 'a'", max_results=1)
    assert [t.trace_id for t in traces] == ["tr-3"] and token
    traces, token = store.search_traces(experiment_ids=[eid], filter_string="tags.env IS NULL", order_by=["timestamp"])
    assert [t.trace_id for t in traces] == ["tr-1", "tr-2"] and token is None
    with pytest.raises(MlflowException, match="Invalid span attribute 'x'"):
        store.search_traces(locations=[eid], filter_string="span.x = 'a'")
    r = store.calculate_trace_filter_correlation([eid], "name = 'a'", "status = 'OK'")
    assert (r.filter1_count, r.filter2_count, r.joint_count, r.total_count) == (2, 2, 2, 3)
    from mlflow.store.analytics.trace_correlation import calculate_npmi_from_counts

    want = calculate_npmi_from_counts(2, 2, 2, 3)
    assert (r.npmi, r.npmi_smoothed) == (want.npmi, want.npmi_smoothed) and not math.isnan(r.npmi)
    points = store.query_trace_metrics([eid], MetricViewType.TRACES, "trace_count",
                                       [MetricAggregation(AggregationType.COUNT)], dimensions=["trace_status"])
    assert [(p.dimensions, p.values) for p in points] == [({"trace_status": "ERROR"}, {"COUNT": 1.0}),
                                                          ({"trace_status": "OK"}, {"COUNT": 2.0})]


# traces: assessments

def _assessment_scenario(store):
    """create/get/update/delete_assessment and a trace's assessments, as the store suite calls them."""
    from mlflow.entities import AssessmentError, AssessmentSource, Expectation, Feedback, TraceInfo, TraceState
    from mlflow.entities.assessment import ExpectationValue, FeedbackValue
    from mlflow.entities.trace_location import TraceLocation

    eid = store.create_experiment("e")
    tid = "tr-" + "0" * 31 + "1"
    store.start_trace(TraceInfo(trace_id=tid, trace_location=TraceLocation.from_experiment_id(eid),
                                request_time=1700000000000, state=TraceState.OK, execution_duration=5))
    out = []
    f = store.create_assessment(Feedback(name="f", value={"a": [1, 2.5]}, trace_id=tid, rationale="r",
                                         source=AssessmentSource("HUMAN", "me"), metadata={"k": "v"},
                                         error=AssessmentError("E", "m")))
    e = store.create_assessment(Expectation(name="x", value=["a", 1], trace_id=tid))
    o = store.create_assessment(Feedback(name="o", value=True, trace_id=tid, overrides=f.assessment_id))
    out.append(store.get_assessment(tid, f.assessment_id).valid)
    u = store.update_assessment(tid, f.assessment_id, name="f2", feedback=FeedbackValue(0.5), rationale="r2",
                                metadata={"k2": "v2"})
    u2 = store.update_assessment(tid, e.assessment_id, expectation=ExpectationValue({"b": 1}))
    for bad in (dict(feedback=FeedbackValue(1)), dict(expectation=ExpectationValue(1), feedback=FeedbackValue(1))):
        with pytest.raises(MlflowException) as ex:
            store.update_assessment(tid, e.assessment_id, **bad)
        out.append((ex.value.error_code, ex.value.message))
    with pytest.raises(MlflowException) as ex:
        store.get_assessment(tid, "a-nope")
    out.append((ex.value.error_code, ex.value.message))
    store.delete_assessment(tid, o.assessment_id)
    out.append(store.get_assessment(tid, f.assessment_id).valid)
    for a in [f, e, o, u, u2] + store.get_trace_info(tid).assessments:
        d = a.to_dictionary()
        for k in ("assessment_id", "create_time", "last_update_time", "overrides"):
            d.pop(k, None)
        out.append(d)
    return out


def test_assessments_match_mlflow(tmp_path):
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    from mlflow_c.store.tracking import CTrackingStore

    ours = _assessment_scenario(CTrackingStore("sqlite:///" + str(tmp_path / "c.db"), str(tmp_path / "a")))
    python = _assessment_scenario(SqlAlchemyStore("sqlite:///" + str(tmp_path / "p.db"), str(tmp_path / "b")))
    assert ours == python


# traces: what the store suite checks beyond the rpcs (the store methods' own answers)

def _trace_store_edges(store, db_path):
    import json
    import sqlite3

    from mlflow.entities import Span, TraceInfo, TraceState
    from mlflow.entities.trace_location import TraceLocation
    from mlflow.entities.trace_metrics import AggregationType, MetricAggregation, MetricViewType
    from mlflow.exceptions import MlflowTracingException

    out = []
    eid = store.create_experiment("edges")
    rid = "tr-" + "12" * 16  # the request id of the spans, not derived from their OTel trace id

    def span(sid, start, end):
        return Span.from_dict({
            "trace_id": "AAAAAAAAAAAAAAAAAAAwOQ==", "span_id": sid, "parent_span_id": None, "name": sid,
            "kind": "SPAN_KIND_INTERNAL", "start_time_unix_nano": start, "end_time_unix_nano": end, "events": [],
            "status": {"code": "STATUS_CODE_UNSET", "message": ""}, "links": [],
            "attributes": {"mlflow.traceRequestId": json.dumps(rid), "mlflow.spanType": json.dumps("LLM")}})

    store.log_spans(eid, [span("AAAAAAAAAAE=", 1_000_000_000, None)])  # no end time yet
    store.log_spans(eid, [span("AAAAAAAAAAI=", 500_000_000, None)])
    db = sqlite3.connect(str(db_path))
    try:
        out.append(db.execute("SELECT timestamp_ms, execution_time_ms FROM trace_info").fetchall())
        out.append(db.execute("SELECT span_id, end_time_unix_nano, content FROM spans ORDER BY span_id").fetchall())
    finally:
        db.close()
    store.log_spans(eid, [span("AAAAAAAAAAM=", 2_000_000_000, 3_000_000_000)])
    trace = store.get_trace(rid)
    out.append(sorted((s.trace_id, s.span_id) for s in trace.data.spans))
    out.append([sorted(s.trace_id for s in t.data.spans) for t in store.batch_get_traces([rid])])

    bare = "tr-" + "34" * 16  # start_trace only: its spans are not in the tracking store
    store.start_trace(TraceInfo(trace_id=bare, trace_location=TraceLocation.from_experiment_id(eid),
                                request_time=1000, execution_duration=5, state=TraceState.OK))
    with pytest.raises(MlflowTracingException) as e:
        store.batch_get_traces([bare])
    out.append(e.value.message)

    for n in (50001, -1):
        with pytest.raises(MlflowException) as e:
            store.search_traces(locations=[], max_results=n)
        out.append((e.value.error_code, e.value.message))
    out.append(store.search_traces(locations=[]))
    r = store.calculate_trace_filter_correlation([], "name = 'a'", "status = 'OK'")
    out.append(repr(r))
    points = store.query_trace_metrics([eid], MetricViewType.TRACES, "latency",
                                       [MetricAggregation(AggregationType.PERCENTILE, 50),
                                        MetricAggregation(AggregationType.PERCENTILE, 99.5),
                                        MetricAggregation(AggregationType.AVG)])
    out.append([(p.dimensions, sorted(p.values)) for p in points])
    return out


def _on_both_stores(tmp_path, scenario):
    """scenario(store, its SQLite file) on our store and on MLflow's SqlAlchemyStore: (ours, MLflow's)."""
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    from mlflow_c.store.tracking import CTrackingStore

    return tuple(scenario(cls("sqlite:///" + str(tmp_path / db), str(tmp_path / art)), tmp_path / db)
                 for cls, db, art in ((CTrackingStore, "c.db", "a"), (SqlAlchemyStore, "p.db", "b")))


def test_trace_store_edges_match_mlflow(tmp_path):
    ours, python = _on_both_stores(tmp_path, _trace_store_edges)
    assert ours == python


def _assessment_extras_scenario(store, db_path):
    """What the Assessment proto cannot carry: run_id (set on the entity, not in its metadata) and the value's
    Python type (5, not 5.0), in the row and in what the store reads back."""
    import sqlite3

    from mlflow.entities import AssessmentSource, Expectation, Feedback, TraceInfo, TraceState
    from mlflow.entities.trace_location import TraceLocation

    eid = store.create_experiment("extras")
    tid = "tr-" + "0" * 31 + "2"
    store.start_trace(TraceInfo(trace_id=tid, trace_location=TraceLocation.from_experiment_id(eid),
                                request_time=1700000000000, state=TraceState.OK, execution_duration=5))
    run = store.create_run(eid, "u", 1, [], "r")
    f = Feedback(trace_id=tid, name="f", value=5, source=AssessmentSource("HUMAN", "me"))
    f.run_id = run.info.run_id
    out = []
    created = [store.create_assessment(f), store.create_assessment(Expectation(trace_id=tid, name="x", value=150)),
               store.create_assessment(Feedback(trace_id=tid, name="g", value=2.0))]
    for a in created:
        got = store.get_assessment(tid, a.assessment_id)
        out.append((a.run_id == run.info.run_id, got.run_id == run.info.run_id, repr(got.value)))
    out.append([a.run_id == run.info.run_id for a in store.get_trace_info(tid).assessments])
    out.append(len(store.search_traces([eid], filter_string='feedback.f = "5"')[0]))
    db = sqlite3.connect(str(db_path))
    try:
        out.append(db.execute("SELECT name, value, run_id IS NOT NULL FROM assessments ORDER BY name").fetchall())
    finally:
        db.close()
    return out


def test_assessment_extras_match_mlflow(tmp_path):
    ours, python = _on_both_stores(tmp_path, _assessment_extras_scenario)
    assert ours == python


def test_issues_through_the_c_store(uri, tmp_path):
    """create_issue, get_issue, update_issue and search_issues served by issue.c, as MLflow's store answers."""
    from mlflow.entities.issue import IssueSeverity, IssueStatus
    from mlflow.exceptions import MlflowException
    from mlflow_c.store.tracking import CTrackingStore

    store = CTrackingStore(uri, (tmp_path / "artifacts").as_uri())
    eid = store.create_experiment("issues")
    a = store.create_issue(eid, "Slow", "answers are slow", severity=IssueSeverity.HIGH, categories=["Latency"],
                           metadata={"k": "v"}, issue_id="iss-a", last_seen_timestamp=5)
    assert (a.issue_id, a.status, a.severity, a.categories, a.metadata) == (
        "iss-a", IssueStatus.PENDING, IssueSeverity.HIGH, ["Latency"], {"k": "v"})
    assert a.last_seen_timestamp == 5
    store.create_issue(eid, "Wrong tool", "d", status="resolved", issue_id="iss-b")
    assert store.get_issue("iss-b").status == IssueStatus.RESOLVED
    with pytest.raises(MlflowException, match="Issue with ID 'iss-x' not found"):
        store.get_issue("iss-x")
    with pytest.raises(MlflowException, match="Issue ID already exists"):
        store.create_issue(eid, "dup", "d", issue_id="iss-a")
    with pytest.raises(MlflowException, match="Invalid issue status"):
        store.create_issue(eid, "n", "d", status="open")
    u = store.update_issue("iss-a", status=IssueStatus.REJECTED, metadata={"m": "x"}, delete_metadata_keys=["k"],
                           last_seen_timestamp=3)
    assert (u.status, u.metadata, u.last_seen_timestamp) == (IssueStatus.REJECTED, {"m": "x"}, 5)
    page = store.search_issues(experiment_id=eid, max_results=1, order_by=["name"], include_total_count=True)
    assert [i.issue_id for i in page] == ["iss-a"] and page.total_count == 2 and page.token
    rest = store.search_issues(experiment_id=eid, max_results=1, order_by=["name"], include_total_count=True,
                               page_token=page.token)
    assert [i.issue_id for i in rest] == ["iss-b"] and rest.token is None
    assert [i.issue_id for i in store.search_issues(experiment_id=eid, statuses=["resolved"])] == ["iss-b"]
    assert [i.trace_count for i in store.search_issues(experiment_id=eid, include_trace_count=True)] == [0, 0]
