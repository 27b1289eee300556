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
    _no_mlflow = f"MLflow is not importable ({e}); source /opt/mlflow-ref/env.sh to run these"
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


def test_metric_history_bulk_interval_matches_mlflow(uri, tmp_path):
    from mlflow.store.tracking.abstract_store import AbstractStore

    from mlflow_c.store.tracking import CTrackingStore

    store = CTrackingStore(uri, (tmp_path / "artifacts").as_uri())
    run = store.create_run("0", "u", 1, [], None)
    store.log_batch(run.info.run_id, [Metric("m", float(i), i, i) for i in range(10)], [], [])
    for args in ((3, None, None), (3, 2, 8), (100, 0, 4)):
        ours = store.get_metric_history_bulk_interval([run.info.run_id], "m", *args)
        python = AbstractStore.get_metric_history_bulk_interval(store, [run.info.run_id], "m", *args)
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
