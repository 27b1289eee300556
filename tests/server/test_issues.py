"""Issues over HTTP on the backend under test: what the differential corpus (tests/diff/corpus/
97_traces_issues.py) cannot see — the stored rows (root_causes, categories and metadata as MLflow's
json.dumps text, one issue_categories row per distinct category hash), the page tokens' own text (MLflow's
base64 JSON with the query fingerprint), trace counts from issue assessments and searchTracesV3's issue
filter on issues the rpc made, and bad input answered without harm."""

import base64
import hashlib
import json

import pytest

from conftest import Server

API = "/api/3.0/mlflow/issues"
TRACES = "/api/3.0/mlflow/traces"


@pytest.fixture(scope="module")
def srv():
    s = Server()
    yield s
    s.stop()


def exp(srv, name):
    status, _, body = srv.post("experiments/create", {"name": name})
    assert status == 200, body
    return body["experiment_id"]


def create(srv, **fields):
    status, _, body = srv.request("POST", API, fields)
    assert status == 200, body
    return body["issue"]


def search(srv, **body):
    status, _, r = srv.request("POST", API + "/search", body)
    assert status == 200, r
    return r


def test_stored_as_mlflow_stores_it(srv):
    eid = exp(srv, "issues-stored")
    create(srv, issue_id="iss-s1", experiment_id=eid, name="n", description="d", categories=["Tone", " tone", "é"],
           root_causes=["r"], metadata={"k": "v"})
    row = srv.query1("SELECT status, severity, root_causes, categories, metadata, last_seen_timestamp, "
                     "created_timestamp FROM issues WHERE issue_id = ?", "iss-s1")
    assert row[:5] == ("pending", None, '["r"]', '["Tone", " tone", "\\u00e9"]', '{"k": "v"}')
    assert row[5] == row[6]
    rows = srv.query("SELECT category_hash, category FROM issue_categories WHERE issue_id = ? ORDER BY category",
                     ("iss-s1",))
    tone = hashlib.sha256(b"tone").hexdigest()
    assert sorted(rows) == sorted([(tone, " tone"), (hashlib.sha256("é".encode()).hexdigest(), "é")])
    status, _, body = srv.request("PATCH", API + "/iss-s1", {"issue_id": "iss-s1", "categories": []})
    assert status == 200 and "categories" not in body["issue"]
    assert srv.query1("SELECT categories FROM issues WHERE issue_id = ?", "iss-s1") == (None,)
    assert srv.query("SELECT * FROM issue_categories WHERE issue_id = ?", ("iss-s1",)) == []
    status, _, body = srv.request("PATCH", API + "/iss-s1", {"issue_id": "iss-s1", "delete_metadata_keys": ["k"]})
    assert status == 200 and srv.query1("SELECT metadata FROM issues WHERE issue_id = ?", "iss-s1") == ("{}",)


def test_page_tokens_are_mlflows(srv):
    eid = exp(srv, "issues-tokens")
    for i in range(3):
        create(srv, issue_id=f"iss-t{i}", experiment_id=eid, name=f"t{i}", description="d")
    legacy = json.loads(base64.b64decode(search(srv, experiment_id=eid, max_results=2)["next_page_token"]))
    assert legacy == {"offset": 2}
    query = {"categories": [], "experiment_id": eid, "filter_string": None, "include_total_count": False,
             "include_trace_count": False, "name": None, "order_by": ["name DESC"], "severities": [],
             "statuses": [], "view": None, "workspace": None}
    fp = hashlib.sha256(json.dumps(query, sort_keys=True).encode()).hexdigest()
    r = search(srv, experiment_id=eid, max_results=2, order_by=["name DESC"])
    assert [i["issue_id"] for i in r["issues"]] == ["iss-t2", "iss-t1"]
    assert json.loads(base64.b64decode(r["next_page_token"])) == {"version": 2, "after": ["t1", "iss-t1"],
                                                                   "query": fp}
    # a cursor, not an offset: an issue inserted before it does not shift the next page
    create(srv, issue_id="iss-t9", experiment_id=eid, name="t9", description="d")
    r = search(srv, experiment_id=eid, max_results=2, order_by=["name DESC"], page_token=r["next_page_token"])
    assert [i["issue_id"] for i in r["issues"]] == ["iss-t0"] and not r.get("next_page_token")
    # a token of another query is refused
    tok = search(srv, experiment_id=eid, max_results=1, include_total_count=True)["next_page_token"]
    status, _, body = srv.request("POST", API + "/search", {"experiment_id": eid, "max_results": 1,
                                                           "page_token": tok, "name": "t"})
    assert status == 400 and body["message"] == "Invalid page token or token does not match the issue query"


def test_trace_counts_and_trace_search(srv):
    eid = exp(srv, "issues-traces")
    create(srv, issue_id="iss-tr", experiment_id=eid, name="n", description="d")
    create(srv, issue_id="iss-none", experiment_id=eid, name="m", description="d")
    tids = [f"tr-7{i}00000000000000000000000000000{i}" for i in range(3)]
    for i, tid in enumerate(tids):
        status, _, body = srv.request("POST", TRACES, {"trace": {"trace_info": {
            "trace_id": tid, "trace_location": {"type": "MLFLOW_EXPERIMENT",
                                                "mlflow_experiment": {"experiment_id": eid}},
            "request_time": f"2024-01-0{i + 1}T00:00:00Z", "execution_duration": "1s", "state": "OK"}}})
        assert status == 200, body
    for tid in tids[:2] + tids[:1]:
        status, _, body = srv.request("POST", f"{TRACES}/{tid}/assessments", {"assessment": {
            "assessment_name": "iss-tr", "issue": {"issue_name": "iss-tr"},
            "source": {"source_type": "HUMAN", "source_id": "me"}}})
        assert status == 200, body
    counts = {i["issue_id"]: i["trace_count"] for i in search(srv, experiment_id=eid,
                                                              include_trace_count=True)["issues"]}
    assert counts == {"iss-tr": 2, "iss-none": 0}
    status, _, body = srv.request("POST", TRACES + "/search", {
        "locations": [{"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": eid}}],
        "filter": "issue.id = 'iss-tr'"})
    assert status == 200, body
    assert sorted(t["trace_id"] for t in body["traces"]) == sorted(tids[:2])


@pytest.mark.parametrize("body", [
    {"experiment_id": "0", "filter_string": "status = "},
    {"experiment_id": "0", "filter_string": "status = 'a' OR status = 'b'"},
    {"experiment_id": "0", "filter_string": "'; DROP TABLE issues; --"},
    {"experiment_id": "0", "page_token": "eyJ2ZXJzaW9uIjogMiwgImFmdGVyIjogWzEsIDJdLCAicXVlcnkiOiAieCJ9"},
    {"experiment_id": "0", "order_by": ["name; DROP TABLE issues"]},
    {"experiment_id": "0", "max_results": "many"},
])
def test_bad_search_input(srv, body):
    status, _, r = srv.request("POST", API + "/search", body)
    assert status in (400, 500) and r["error_code"] in ("INVALID_PARAMETER_VALUE", "BAD_REQUEST",
                                                        "INTERNAL_ERROR"), r
    assert srv.request("GET", API + "/iss-none-here")[0] == 404  # still up, table still there
