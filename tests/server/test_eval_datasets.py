"""Evaluation datasets over HTTP (createDataset ... removeDatasetFromExperiments) on the backend under test:
MLflow 3.18's answers, input hashing (sha256 of json.dumps(inputs, sort_keys=True), byte for byte), merges,
the schema / profile / digest MLflow computes, record paging, and bad input answered with MLflow's error
and nothing half-written."""

import base64
import hashlib
import json

import time

import pytest

from conftest import Server, mlflow_error

D = "/api/3.0/mlflow/datasets"


@pytest.fixture(scope="module")
def server():
    s = Server()
    s.exp = s.post("experiments/create", {"name": "eds"})[2]["experiment_id"]
    s.exp2 = s.post("experiments/create", {"name": "eds-2"})[2]["experiment_id"]
    yield s
    s.stop()


def create(s, name, **kw):
    st, _, body = s.request("POST", f"{D}/create", dict(name=name, **kw))
    assert st == 200, body
    return body["dataset"]


def upsert(s, ds_id, records):
    return s.request("POST", f"{D}/{ds_id}/records", {"records": json.dumps(records)})


def records(s, ds_id, query=""):
    st, _, body = s.request("GET", f"{D}/{ds_id}/records" + (f"?{query}" if query else ""))
    assert st == 200, body
    return json.loads(body["records"]), body.get("next_page_token")


def test_create_get_delete(server):
    d = create(server, "ds", experiment_ids=[server.exp], tags=json.dumps({"mlflow.user": "ann", "k": "v"}))
    assert d["dataset_id"].startswith("d-") and len(d["dataset_id"]) == 34
    assert d["name"] == "ds" and d["created_by"] == "ann" and d["last_updated_by"] == "ann"
    assert d["experiment_ids"] == [server.exp]
    assert json.loads(d["tags"]) == {"mlflow.user": "ann", "k": "v"}
    assert d["digest"] == hashlib.sha256(f"ds:{d['created_time']}".encode()).hexdigest()[:8]
    st, _, got = server.request("GET", f"{D}/{d['dataset_id']}")
    assert st == 200 and "experiment_ids" not in got["dataset"] and got["dataset"]["tags"] == d["tags"]
    st, _, body = server.request("GET", f"{D}/d-missing")
    assert st == 404 and body == mlflow_error("RESOURCE_DOES_NOT_EXIST",
                                              "Evaluation dataset with id 'd-missing' not found")
    assert server.request("DELETE", f"{D}/{d['dataset_id']}")[:1] == (200,)
    assert server.request("GET", f"{D}/{d['dataset_id']}")[0] == 404
    assert server.query1("SELECT COUNT(*) FROM entity_associations WHERE source_id = ?", d["dataset_id"])[0] == 0
    assert server.request("DELETE", f"{D}/{d['dataset_id']}")[0] == 200


def test_tags(server):
    d = create(server, "tagged")
    i = d["dataset_id"]
    assert server.request("PATCH", f"{D}/{i}/tags", {"tags": json.dumps({"a": 1, "b": "x", "n": None})})[0] == 200
    assert json.loads(server.request("GET", f"{D}/{i}")[2]["dataset"]["tags"]) == {"a": "1", "b": "x"}
    assert server.request("DELETE", f"{D}/{i}/tags/a")[0] == 200
    assert server.request("DELETE", f"{D}/{i}/tags/a")[0] == 200
    assert json.loads(server.request("GET", f"{D}/{i}")[2]["dataset"]["tags"]) == {"b": "x"}
    st, _, body = server.request("PATCH", f"{D}/d-nope/tags", {"tags": "{}"})
    assert st == 404 and body["message"] == "Could not find evaluation dataset with ID d-nope"
    st, _, body = server.request("PATCH", f"{D}/{i}/tags", {"tags": "[1]"})
    assert st == 500 and body["message"] == "'list' object has no attribute 'items'"


def test_upsert_hash_merge_schema(server):
    d = create(server, "recs")
    i = d["dataset_id"]
    inputs = {"z": 1, "a": {"y": [1.5, None, True], "b": "\u00e9\u2603"}}
    st, _, body = upsert(server, i, [{"inputs": inputs, "expectations": {"e": 1}, "tags": {"mlflow.user": "u"}},
                                     {"inputs": {"q": 2}, "outputs": "text"}])
    assert st == 200 and body == {"inserted_count": 2, "updated_count": 0}
    want = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()
    assert server.query1("SELECT COUNT(*) FROM evaluation_dataset_records WHERE input_hash = ?", want)[0] == 1
    # the same inputs in another key order: the same record, merged
    st, _, body = upsert(server, i, [{"inputs": {"a": {"b": "\u00e9\u2603", "y": [1.5, None, True]}, "z": 1},
                                      "expectations": {"f": 2}, "tags": {"t": "v"}}])
    assert body == {"inserted_count": 0, "updated_count": 1}
    recs, token = records(server, i)
    assert token is None and len(recs) == 2
    r = next(x for x in recs if x["inputs"] == inputs)
    assert r["expectations"] == {"e": 1, "f": 2} and r["tags"] == {"mlflow.user": "u", "t": "v"}
    assert r["created_by"] == "u" and r["last_updated_by"] == "u" and r["outputs"] == {}
    assert list(r) == ["dataset_record_id", "dataset_id", "inputs", "expectations", "tags", "created_time",
                       "last_update_time", "created_by", "last_updated_by", "outputs"]
    got = server.request("GET", f"{D}/{i}")[2]["dataset"]
    assert json.loads(got["schema"]) == {"inputs": {"z": "integer", "a": "object", "q": "integer"},
                                         "outputs": "string", "expectations": {"e": "integer", "f": "integer"},
                                         "version": "1.0"}
    assert got["profile"] == '{"num_records": 2}'
    assert got["digest"] == hashlib.sha256(f"recs:{got['last_update_time']}".encode()).hexdigest()[:8]


def test_records_paging_and_delete(server):
    i = create(server, "paged")["dataset_id"]
    for n in range(5):
        time.sleep(0.003)  # a created_time each: records of one millisecond are ordered by their (random) ids
        assert upsert(server, i, [{"inputs": {"n": n}, "source": {"source_type": "trace",
                                                                   "source_data": {"trace_id": f"tr-{n}"}}}])[0] == 200
    seen, token = [], None
    while True:
        page, token = records(server, i, "max_results=2" + (f"&page_token={token}" if token else ""))
        seen += page
        if not token:
            break
        last = page[-1]
        assert base64.b64decode(token).decode() == f"{last['created_time']}:{last['dataset_record_id']}"
    assert [r["inputs"]["n"] for r in seen] == list(range(5))
    assert seen[0]["source"] == {"source_type": "TRACE", "source_data": {"trace_id": "tr-0"}}
    assert seen[0]["source_id"] == "tr-0" and seen[0]["source_type"] == "TRACE"
    ids = [seen[0]["dataset_record_id"], seen[1]["dataset_record_id"], "dr-none"]
    st, _, body = server.request("DELETE", f"{D}/{i}/records", {"dataset_record_ids": ids})
    assert st == 200 and body == {"deleted_count": 2}
    assert server.request("GET", f"{D}/{i}")[2]["dataset"]["profile"] == '{"num_records": 3}'
    st, _, body = server.request("DELETE", f"{D}/{i}/records", {"dataset_record_ids": ["dr-none"]})
    assert body == {"deleted_count": 0}


def test_bad_records_write_nothing(server):
    i = create(server, "bad")["dataset_id"]
    before = server.request("GET", f"{D}/{i}")[2]["dataset"]
    st, h, _ = server.request("POST", f"{D}/{i}/records", {"records": "[{not json"})
    assert st == 500 and h["content-type"].startswith("text/html")
    st, _, body = upsert(server, i, [{"inputs": {"ok": 1}}, {"inputs": None}])
    assert st == 500 and body["message"] == "inputs must be provided"
    st, _, body = upsert(server, i, [{"inputs": {"ok": 1}}, {"inputs": {"x": 1}, "source": {"source_type": "x"}}])
    assert st == 400 and body["error_code"] == "INVALID_PARAMETER_VALUE"
    st, _, body = upsert(server, i, [{"inputs": {"ok": 1}}, "s"])
    assert st == 500 and body["message"] == "'str' object has no attribute 'get'"
    assert records(server, i)[0] == []
    assert server.request("GET", f"{D}/{i}")[2]["dataset"] == before


def test_experiments(server):
    i = create(server, "linked")["dataset_id"]
    st, _, body = server.request("POST", f"{D}/{i}/add-experiments", {"experiment_ids": [server.exp2, server.exp]})
    assert st == 200 and body["dataset"]["dataset_id"] == i
    ids = server.request("GET", f"{D}/{i}/experiment-ids")[2]["experiment_ids"]
    assert sorted(ids) == sorted([server.exp, server.exp2])
    st, _, body = server.request("POST", f"{D}/{i}/add-experiments", {"experiment_ids": ["424242"]})
    assert st == 404 and body["message"] == "No Experiment with id=424242"
    assert server.request("POST", f"{D}/{i}/remove-experiments", {"experiment_ids": [server.exp2]})[0] == 200
    assert server.request("GET", f"{D}/{i}/experiment-ids")[2]["experiment_ids"] == [server.exp]
    st, _, body = server.request("POST", f"{D}/d-x/remove-experiments", {"experiment_ids": [server.exp]})
    assert st == 404 and body["message"] == "Dataset 'd-x' not found"
    st, _, body = server.request("POST", f"{D}/search", {"experiment_ids": [server.exp],
                                                          "filter_string": "name = 'linked'"})
    assert [d["dataset_id"] for d in body["datasets"]] == [i]


def test_many_records_one_request(server):
    i = create(server, "many")["dataset_id"]
    recs = [{"inputs": {"i": n}, "expectations": {"e": n}} for n in range(2000)]
    st, _, body = upsert(server, i, recs)
    assert st == 200 and body == {"inserted_count": 2000, "updated_count": 0}
    st, _, body = upsert(server, i, recs[:10] + [{"inputs": {"i": 5000}}])
    assert body == {"inserted_count": 1, "updated_count": 10}
    page, token = records(server, i, "max_results=1000")
    assert len(page) == 1000 and token
    assert server.request("GET", f"{D}/{i}")[2]["dataset"]["profile"] == '{"num_records": 2001}'
