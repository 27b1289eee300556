"""Scorers, online scoring configurations and the job routes over HTTP, on the backend under test: what the
differential corpus (tests/diff/corpus/98_scorers*.py) cannot see — the stored rows (payloads stored as
sent, versions, configurations replaced and removed with their scorer), gateway models stored by endpoint
id and answered by name (or null once the endpoint is gone), and the answers of a server that runs no
jobs, which are MLflow 3.18's with MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false (recorded from it)."""

import json
import os

import pytest

from conftest import Server

S = "/api/3.0/mlflow/scorers/"
JOBS_DISABLED = ("Mlflow server job execution feature is not enabled, please set environment variable "
                 "'MLFLOW_SERVER_ENABLE_JOB_EXECUTION' to 'true' to enable it.")


@pytest.fixture(scope="module")
def srv():
    s = Server()
    yield s
    s.stop()


def one(srv, statement, *params):
    """The first column of the first row."""
    row = srv.query1(statement, *params)
    return row[0] if row else None


def exp(srv, name):
    status, _, body = srv.post("experiments/create", {"name": name})
    assert status == 200, body
    return body["experiment_id"]


def register(srv, eid, name, payload):
    status, _, body = srv.request("POST", S + "register", {"experiment_id": eid, "name": name,
                                                           "serialized_scorer": payload})
    assert status == 200, body
    return body


def test_register_stores_the_payload_as_sent_and_versions(srv):
    eid = exp(srv, "t-store")
    raw = '{"b":1,  "a":[1.50, "\\u00e9"]}'
    first = register(srv, eid, "s", raw)
    assert first["version"] == 1 and first["serialized_scorer"] == raw and first["experiment_id"] == eid
    second = register(srv, eid, "s", "{}")
    assert second["version"] == 2 and second["scorer_id"] == first["scorer_id"]
    rows = srv.query("SELECT v.scorer_version, v.serialized_scorer FROM scorer_versions v JOIN scorers s "
                     "ON s.scorer_id = v.scorer_id WHERE s.experiment_id = ? ORDER BY 1", (int(eid),))
    assert [tuple(r) for r in rows] == [(1, raw), (2, "{}")]
    # getScorer answers the stored text, the lists json.dumps of it (Python's separators, ASCII escapes)
    status, _, got = srv.get("scorers/get", f"experiment_id={eid}&name=s&version=1", prefix="/api/3.0/mlflow/")
    assert status == 200 and got["scorer"]["serialized_scorer"] == raw
    status, _, got = srv.get("scorers/versions", f"experiment_id={eid}&name=s", prefix="/api/3.0/mlflow/")
    assert [s["serialized_scorer"] for s in got["scorers"]] == ['{"b": 1, "a": [1.5, "\\u00e9"]}', "{}"]


def test_delete_removes_versions_scorer_and_its_configuration(srv):
    eid = exp(srv, "t-delete")
    sid = register(srv, eid, "s", "{}")["scorer_id"]
    register(srv, eid, "s", "{}")
    status, _, body = srv.request("PUT", S + "online-config", {"experiment_id": eid, "name": "s", "sample_rate": 0})
    assert status == 200 and body["config"]["scorer_id"] == sid and body["config"]["sample_rate"] == 0.0
    # a second configuration replaces the first
    status, _, body = srv.request("PUT", S + "online-config", {"experiment_id": eid, "name": "s", "sample_rate": 0,
                                                               "filter_string": "attributes.status = 'OK'"})
    assert status == 200
    assert one(srv, "SELECT COUNT(*) FROM online_scoring_configs WHERE scorer_id = ?", sid) == 1
    status, _, _ = srv.request("DELETE", S + "delete", {"experiment_id": eid, "name": "s", "version": 1})
    assert status == 200
    assert one(srv, "SELECT COUNT(*) FROM online_scoring_configs WHERE scorer_id = ?", sid) == 1
    status, _, _ = srv.request("DELETE", S + "delete", {"experiment_id": eid, "name": "s"})
    assert status == 200
    for table in ("scorer_versions", "scorers", "online_scoring_configs"):
        assert one(srv, f"SELECT COUNT(*) FROM {table} WHERE scorer_id = ?", sid) == 0


def test_gateway_model_stored_by_endpoint_id(srv):
    eid = exp(srv, "t-gateway")
    srv.sql("INSERT INTO endpoints (endpoint_id, name, created_at, last_updated_at) VALUES (?, ?, 1, 1)",
            ("e-123", "my-endpoint"))
    payload = json.dumps({"name": "j", "instructions_judge_pydantic_data": {"instructions": "x",
                                                                          "model": "gateway:/my-endpoint"}})
    got = register(srv, eid, "j", payload)
    # answered with the endpoint's name, stored with its id, bound to the scorer
    assert json.loads(got["serialized_scorer"])["instructions_judge_pydantic_data"]["model"] == "gateway:/my-endpoint"
    stored = one(srv, "SELECT serialized_scorer FROM scorer_versions WHERE scorer_id = ?", got["scorer_id"])
    assert json.loads(stored)["instructions_judge_pydantic_data"]["model"] == "gateway:/e-123"
    assert one(srv, "SELECT endpoint_id FROM endpoint_bindings WHERE resource_id = ?", got["scorer_id"]) == "e-123"
    # a gateway model may be scored online
    status, _, body = srv.request("PUT", S + "online-config", {"experiment_id": eid, "name": "j", "sample_rate": 0.25})
    assert status == 200 and body["config"]["sample_rate"] == 0.25, body
    # the endpoint gone, the model reads as null
    srv.sql("DELETE FROM endpoint_bindings WHERE endpoint_id = ?", ("e-123",))
    srv.sql("DELETE FROM endpoints WHERE endpoint_id = ?", ("e-123",))
    status, _, body = srv.get("scorers/get", f"experiment_id={eid}&name=j", prefix="/api/3.0/mlflow/")
    assert json.loads(body["scorer"]["serialized_scorer"])["instructions_judge_pydantic_data"]["model"] is None
    # deleting the scorer removes its bindings
    status, _, _ = srv.request("DELETE", S + "delete", {"experiment_id": eid, "name": "j"})
    assert status == 200


def test_list_scorers_across_experiments_in_id_then_name_order(srv):
    a, b = exp(srv, "t-list-a"), exp(srv, "t-list-b")
    for eid, name in [(b, "zeta"), (a, "beta"), (a, "Alpha"), (b, "alpha")]:
        register(srv, eid, name, "{}")
    status, _, body = srv.get("scorers/list", f"experiment_ids={b}&experiment_ids={a}", prefix="/api/3.0/mlflow/")
    assert status == 200
    assert [(s["experiment_id"], s["scorer_name"]) for s in body["scorers"]] == [
        (int(a), "Alpha"), (int(a), "beta"), (int(b), "alpha"), (int(b), "zeta")]


def test_custom_scorers_refused(srv):
    eid = exp(srv, "t-custom")
    payload = json.dumps({"name": "c", "call_source": "return True", "call_signature": "(outputs)",
                          "original_func_name": "c"})
    status, _, body = srv.request("POST", S + "register", {"experiment_id": eid, "name": "c",
                                                           "serialized_scorer": payload})
    assert status == 400 and body["message"].startswith("Custom scorer registration (using @scorer decorator)")


def test_custom_scorers_allowed_by_the_variable():
    s = Server(env=dict(os.environ, MLFLOW_SERVER_ENABLE_CUSTOM_SCORERS="true"))
    try:
        eid = exp(s, "t-custom-on")
        payload = json.dumps({"name": "c", "call_source": "return True"})
        assert register(s, eid, "c", payload)["version"] == 1
        # a blank source is refused whatever the variable says
        status, _, body = s.request("POST", S + "register", {"experiment_id": eid, "name": "c", "serialized_scorer":
                                                             json.dumps({"name": "c", "call_source": "  "})})
        assert status == 400 and body["message"].startswith("Scorer 'c' has no source code")
    finally:
        s.stop()


def test_jobs_answer_as_mlflow_without_job_execution(srv):
    # MLflow 3.18 with MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false answers these the same
    status, _, body = srv.request("POST", "/ajax-api/3.0/jobs/", {"job_name": "invoke_scorer", "params": {}})
    assert (status, body) == (500, {"detail": JOBS_DISABLED})
    eid = exp(srv, "t-invoke")
    register(srv, eid, "r", "{}")
    status, _, body = srv.request("POST", "/ajax-api/3.0/mlflow/scorer/invoke", {
        "experiment_id": eid, "serialized_scorer": "{}", "trace_ids": ["tr-1"], "scorer_name": "r", "scorer_version": 1})
    assert status == 500 and body["error_code"] == "INTERNAL_ERROR" and body["message"] == JOBS_DISABLED
    # a job that MLflow's runner wrote into the same database: mlflow-c says it does not run jobs
    srv.sql("INSERT INTO jobs (id, creation_time, job_name, params, status, retry_count, last_update_time) "
            "VALUES ('j-1', 1, 'invoke_scorer', '{}', 0, 0, 1)")
    try:
        status, _, body = srv.request("GET", "/ajax-api/3.0/mlflow/jobs/j-1")
        assert status == 501 and "mlflow-c does not run jobs" in body["message"]
        status, _, body = srv.request("GET", "/ajax-api/3.0/jobs/j-1")
        assert status == 501 and "mlflow-c does not run jobs" in body["detail"]
        status, _, body = srv.request("POST", "/ajax-api/3.0/jobs/search", {})
        assert status == 501
    finally:
        srv.sql("DELETE FROM jobs WHERE id = 'j-1'")
    status, _, body = srv.request("POST", "/ajax-api/3.0/jobs/search", {})
    assert (status, body) == (200, {"jobs": []})


def test_issue_schedule_state(srv):
    eid = exp(srv, "t-schedule")
    path = "/ajax-api/3.0/mlflow/issues/schedule/state"
    status, _, body = srv.request("POST", path, {"experiment_id": eid})
    assert (status, body) == (200, {"next_fire_time_ms": None})
    # a stored schedule would need MLflow's scheduler, which mlflow-c does not run
    srv.post("experiments/set-experiment-tag", {"experiment_id": eid, "key": "mlflow.issueDetection.schedule",
                                                "value": '{"version": 1, "cadence": "daily"}'})
    status, _, body = srv.request("POST", path, {"experiment_id": eid})
    assert status == 501 and "does not run issue detection" in body["message"]
    # MLflow's handler catches nothing: a refusal is Flask's HTML 500
    status, headers, _ = srv.request("POST", path, {})
    assert status == 500 and headers["content-type"].startswith("text/html")
