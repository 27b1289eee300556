"""Evaluation datasets (MLflow 3.x): create, get, delete, search, tags, experiment links and records
(upsert with input hashing and merges, schema and profile, paging, deletion), with the errors of
unknown ids, malformed JSON in records and tags, records of the wrong shape and bad filters. The
digest is sha256 of the name and the update time, which differ per side: it is ignored."""

import json

D = "/api/3.0/mlflow/datasets"
IGN = ["dataset.digest", "datasets.*.digest"]


def run(t):
    e1 = t.post("experiments/create", {"name": "eds-exp-1"}, name="setup-exp1").get("experiment_id")
    e2 = t.post("experiments/create", {"name": "eds-exp-2"}, name="setup-exp2").get("experiment_id")

    # ---- create / get ----
    r = t.post(f"{D}/create", {"name": "ds-a", "experiment_ids": [e1],
                               "tags": json.dumps({"team": "x", "mlflow.user": "alice"})}, name="create", ignore=IGN)
    a = r.get("dataset", "dataset_id")
    b = t.post(f"{D}/create", {"name": "ds-b"}, name="create-bare", ignore=IGN).get("dataset", "dataset_id")
    c = t.post(f"{D}/create", {"name": "ds-c", "experiment_ids": [e1, e2], "tags": "{}"}, name="create-two",
               ignore=IGN).get("dataset", "dataset_id")
    t.post(f"{D}/create", {"name": "ds-num", "tags": json.dumps({"n": 5, "f": 1.5, "u": "\u00e9"})},
           name="create-tag-values", ignore=IGN)
    t.post(f"{D}/create", {}, name="create-no-name")
    t.post(f"{D}/create", {"name": 5}, name="create-name-int")
    t.post(f"{D}/create", {"name": "x", "experiment_ids": "1"}, name="create-ids-str")
    t.post(f"{D}/create", {"name": "x", "tags": "{bad"}, name="create-tags-malformed")
    t.post(f"{D}/create", {"name": "x", "tags": "[1, 2]"}, name="create-tags-list")
    t.post(f"{D}/create", {"name": "x", "tags": "7"}, name="create-tags-int")
    t.get(f"{D}/{a}", name="get", ignore=IGN)
    t.get(f"{D}/{b}", name="get-bare", ignore=IGN)
    t.get(f"{D}/d-00000000000000000000000000000000", name="get-unknown")
    t.get(f"/ajax-api/3.0/mlflow/datasets/{a}", name="get-ajax", ignore=IGN)

    # ---- tags ----
    t.post(f"{D}/{a}/tags", {"tags": json.dumps({"team": "y", "new": 3, "gone": None})}, name="set-tags")
    t.patch(f"{D}/{a}/tags", {"tags": json.dumps({"team": "y"})}, name="set-tags-patch")
    t.post(f"{D}/{a}/tags", {}, name="set-tags-missing")
    t.post(f"{D}/{a}/tags", {"tags": "nope"}, name="set-tags-malformed")
    t.post(f"{D}/{a}/tags", {"tags": "[]"}, name="set-tags-list")
    t.post(f"{D}/d-unknown/tags", {"tags": "{}"}, name="set-tags-unknown")
    t.get(f"{D}/{a}", name="get-after-tags", ignore=IGN)
    t.delete(f"{D}/{a}/tags/new", name="delete-tag")
    t.delete(f"{D}/{a}/tags/never", name="delete-tag-missing")
    t.delete(f"{D}/d-unknown/tags/new", name="delete-tag-unknown-ds")
    t.get(f"{D}/{a}", name="get-after-delete-tag", ignore=IGN)

    # ---- experiments ----
    t.get(f"{D}/{c}/experiment-ids", name="exp-ids")
    t.get(f"{D}/d-unknown/experiment-ids", name="exp-ids-unknown")
    t.post(f"{D}/{b}/add-experiments", {"experiment_ids": [e2, e1]}, name="add-exps", ignore=IGN)
    t.post(f"{D}/{b}/add-experiments", {"experiment_ids": [e1]}, name="add-exps-again", ignore=IGN)
    t.post(f"{D}/{b}/add-experiments", {"experiment_ids": ["99999"]}, name="add-exps-unknown-exp")
    t.post(f"{D}/{b}/add-experiments", {"experiment_ids": []}, name="add-exps-empty", ignore=IGN)
    t.post(f"{D}/d-unknown/add-experiments", {"experiment_ids": [e1]}, name="add-exps-unknown")
    t.get(f"{D}/{b}/experiment-ids", name="exp-ids-after-add")
    t.post(f"{D}/{b}/remove-experiments", {"experiment_ids": [e2, "12345"]}, name="remove-exps", ignore=IGN)
    t.post(f"{D}/{b}/remove-experiments", {"experiment_ids": ["12345"]}, name="remove-exps-none", ignore=IGN)
    t.post(f"{D}/d-unknown/remove-experiments", {"experiment_ids": [e1]}, name="remove-exps-unknown")
    t.get(f"{D}/{b}/experiment-ids", name="exp-ids-after-remove")

    # ---- records ----
    recs = [
        {"inputs": {"q": "what is 1+1?", "ctx": {"b": 1, "a": [1, 2.5, None, True]}},
         "expectations": {"answer": "2"}, "tags": {"mlflow.user": "bob"}},
        {"inputs": {"q": "caf\u00e9 \u2603"}, "outputs": {"t": "plain text"}, "expectations": {"score": 0.5}},
        {"inputs": {"q": "dict out"}, "outputs": {"text": "hi", "n": 3},
         "source": {"source_type": "trace", "source_data": {"trace_id": "tr-abc"}}},
        {"inputs": {"q": "human"}, "source": {"source_type": "HUMAN", "source_data": {"source_id": "u1"}}},
        {"inputs": {}},
        {"expectations": {"x": 1e-05, "big": 12345678901234567890}},
    ]
    # one record a request: records of one upsert share a created_time and are then ordered by their
    # (random) ids, which differ per side
    for i, rec in enumerate(recs):
        t.post(f"{D}/{a}/records", {"records": json.dumps([rec])}, name=f"upsert-{i}")
    t.get(f"{D}/{a}", name="get-after-upsert", ignore=IGN)
    merge = [
        {"inputs": {"ctx": {"a": [1, 2.5, None, True], "b": 1}, "q": "what is 1+1?"},
         "expectations": {"answer": "two", "extra": [1]}, "tags": {"k": "v"}, "outputs": None},
        {"inputs": {"q": "dict out"}, "outputs": 42, "tags": {"mlflow.user": "carol"}},
        {"inputs": {"q": "new one"}, "outputs": [1, 2]},
        {"inputs": {"q": "new one"}, "expectations": {"dup": True}},
    ]
    t.post(f"{D}/{a}/records", {"records": json.dumps(merge)}, name="upsert-merge")
    t.get(f"{D}/{a}", name="get-after-merge", ignore=IGN)
    t.get(f"{D}/{a}/records", name="records")
    tok = t.get(f"{D}/{a}/records", {"max_results": 3}, name="records-page1").get("next_page_token")
    t.get(f"{D}/{a}/records", {"max_results": 3, "page_token": tok}, name="records-page2")
    t.get(f"{D}/{a}/records", {"max_results": -1}, name="records-max-neg1")
    t.get(f"{D}/{a}/records", {"max_results": -3}, name="records-max-neg3")
    t.get(f"{D}/{a}/records", {"max_results": 0}, name="records-max0")
    t.get(f"{D}/{b}/records", name="records-empty")
    t.get(f"{D}/d-unknown/records", name="records-unknown")
    t.get(f"{D}/{a}/records", {"max_results": 2, "page_token": "2"}, name="records-offset-token")
    t.get(f"{D}/{a}/records", {"page_token": "not-a-token"}, name="records-bad-token")
    t.post(f"{D}/{a}/records", {"records": "[{bad json"}, name="upsert-malformed")
    t.post(f"{D}/{a}/records", {}, name="upsert-missing")
    t.post(f"{D}/{a}/records", {"records": json.dumps({"inputs": {}})}, name="upsert-dict")
    t.post(f"{D}/{a}/records", {"records": "[]"}, name="upsert-empty", ignore=IGN)
    t.post(f"{D}/{a}/records", {"records": "5"}, name="upsert-int")
    t.post(f"{D}/{a}/records", {"records": json.dumps([{"inputs": {"q": "ok"}}, "str"])}, name="upsert-str-item")
    t.post(f"{D}/{a}/records", {"records": json.dumps([{"inputs": None}])}, name="upsert-inputs-null")
    t.post(f"{D}/{a}/records", {"records": json.dumps([{"inputs": [1]}])}, name="upsert-inputs-list")
    t.post(f"{D}/{a}/records", {"records": json.dumps([{"inputs": {"q": 1}, "source": {"source_type": "x"}}])},
           name="upsert-bad-source-type")
    t.post(f"{D}/{a}/records", {"records": json.dumps([{"inputs": {"q": 1}, "source": {"source_data": {}}}])},
           name="upsert-source-no-type")
    t.post(f"{D}/{a}/records", {"records": json.dumps([{"inputs": {"q": 1}, "source": {"source_type": "CODE",
                                                                                       "zzz": 1}}])},
           name="upsert-source-extra-key")
    t.post(f"{D}/{a}/records", {"records": json.dumps([{"inputs": {"q": 1}, "tags": 5}])}, name="upsert-tags-int")
    # nothing half-written: the failed upserts left the records as they were
    t.get(f"{D}/{a}/records", name="records-after-errors")
    big = [{"inputs": {"i": i, "text": "x" * 200}, "expectations": {"e": i}} for i in range(300)]
    t.post(f"{D}/{c}/records", {"records": json.dumps(big)}, name="upsert-300")
    t.get(f"{D}/{c}", name="get-after-300", ignore=IGN)
    t.get(f"{D}/{c}/records", {"max_results": 1000}, name="records-300-all",
          ignore=["records", "next_page_token"])
    # a str output makes the schema's outputs a type name; a later dict output then fails
    t.post(f"{D}/{b}/records", {"records": json.dumps([{"inputs": {"s": 1}, "outputs": "text"}])},
           name="upsert-str-output")
    t.get(f"{D}/{b}", name="get-str-output", ignore=IGN)
    t.post(f"{D}/{b}/records", {"records": json.dumps([{"inputs": {"s": 2}, "outputs": {"zz": 1}}])},
           name="upsert-dict-after-str-output")
    t.post(f"{D}/{b}/records", {"records": json.dumps([{"inputs": {"s": 3}, "outputs": {"str": 1}}])},
           name="upsert-dict-substring-key", ignore=IGN)
    t.get(f"{D}/{b}/records", name="records-b")

    # ---- delete records ----
    t.delete(f"{D}/{a}/records", {"dataset_record_ids": ["dr-nope"]}, name="delete-records-none")
    t.delete(f"{D}/{a}/records", {"dataset_record_ids": []}, name="delete-records-empty")
    t.delete(f"{D}/{a}/records", {"dataset_record_ids": "x"}, name="delete-records-str")
    t.get(f"{D}/{a}", name="get-before-delete-records", ignore=IGN)

    # ---- search ----
    S = f"{D}/search"
    t.post(S, {"experiment_ids": [e1]}, name="search-e1", ignore=IGN)
    t.post(S, {"experiment_ids": [e1, e2], "order_by": ["name DESC"]}, name="search-two", ignore=IGN)
    t.post(S, {"experiment_ids": [e1], "filter_string": "name = 'ds-a'"}, name="search-name", ignore=IGN)
    t.post(S, {"experiment_ids": [e1], "filter_string": "name LIKE 'ds-%'", "max_results": 1}, name="search-page",
           ignore=IGN)
    t.post(S, {"experiment_ids": [e1], "filter_string": "tags.team = 'y'"}, name="search-tag", ignore=IGN)
    t.post(S, {"experiment_ids": [e1], "filter_string": "created_by = 'alice'"}, name="search-created-by",
           ignore=IGN)
    t.post(S, {"experiment_ids": [e1], "filter_string": "name = "}, name="search-bad-filter")
    t.post(S, {"experiment_ids": [e1], "filter_string": "bogus = 'x'"}, name="search-bad-attr")

    # ---- delete ----
    t.delete(f"{D}/{c}", name="delete")
    t.get(f"{D}/{c}", name="get-deleted")
    t.get(f"{D}/{c}/records", name="records-deleted")
    t.get(f"{D}/{c}/experiment-ids", name="exp-ids-deleted")
    t.delete(f"{D}/{c}", name="delete-again")
    t.post(f"{D}/{c}/records", {"records": "[]"}, name="upsert-deleted-empty")
