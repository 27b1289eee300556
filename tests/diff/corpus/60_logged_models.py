"""Logged models: create, get (allow_deleted), finalize, delete, tags, params, and searchLoggedModels with
its filter grammar, order_by (attributes, metrics by dataset), datasets and paging."""

import time

LM = "logged-models"
# a model's tags and params come back in the store's order
UNORD = ["model.info.tags", "model.data.params", "models.*.info.tags", "models.*.data.params"]


def pause():
    # default order is creation time: keep the models of one search apart by at least a millisecond or two
    time.sleep(0.005)


def run(t):
    eid = t.post("experiments/create", {"name": "lm-exp"}, name="setup-exp").get("experiment_id")
    eid2 = t.post("experiments/create", {"name": "lm-exp-2"}, name="setup-exp2").get("experiment_id")
    gone = t.post("experiments/create", {"name": "lm-gone"}, name="setup-gone").get("experiment_id")
    t.post("experiments/delete", {"experiment_id": gone}, name="setup-gone-del")
    rid = t.post("runs/create", {"experiment_id": eid, "run_name": "lm-run", "start_time": 1700000000000},
                 name="setup-run").get("run", "info", "run_id")

    # ---- createLoggedModel ----
    a = t.post(LM, {"experiment_id": eid, "name": "lm-a", "model_type": "sklearn", "source_run_id": rid,
                    "params": [{"key": "alpha", "value": "0.1"}, {"key": "l1", "value": "x"}],
                    "tags": [{"key": "t1", "value": "v1"}, {"key": "t2", "value": ""}]},
               name="create-full", unordered=UNORD)
    mid = a.get("model", "info", "model_id")
    b = t.post(LM, {"experiment_id": eid, "name": "lm-b"}, name="create-min")
    mid_b = b.get("model", "info", "model_id")
    t.post(LM, {"experiment_id": eid}, name="create-noname", ignore=["model.info.name"])
    t.post(LM, {"experiment_id": eid, "name": ""}, name="create-emptyname", ignore=["model.info.name"])
    for i, bad in enumerate(["a/b", "a:b", "a.b", "a%b", 'a"b', "a'b", " ."]):
        t.post(LM, {"experiment_id": eid, "name": bad}, name=f"create-badname-{i}")
    t.post(LM, {"name": "lm-x"}, name="create-no-exp")
    t.post(LM, {"experiment_id": 5, "name": "lm-x"}, name="create-exp-int")
    t.post(LM, {"experiment_id": "999999", "name": "lm-x"}, name="create-exp-missing")
    t.post(LM, {"experiment_id": gone, "name": "lm-x"}, name="create-exp-deleted")
    t.post(LM, {"experiment_id": "abc", "name": "lm-x"}, name="create-exp-nonnum")
    t.post(LM, {"experiment_id": eid, "name": 12}, name="create-name-int")
    t.post(LM, {"experiment_id": eid, "name": "lm-x", "params": {"k": "v"}}, name="create-params-obj")
    t.post(LM, {"experiment_id": eid, "name": "lm-x", "tags": "t"}, name="create-tags-str")
    t.post(LM, {"experiment_id": eid, "name": "lm-x", "model_type": 3}, name="create-type-int")
    uni = t.post(LM, {"experiment_id": eid, "name": "模型-ü-😀", "model_type": "тип",
                      "tags": [{"key": "ключ", "value": "值 ✓"}], "params": [{"key": "π", "value": "3.14"}]},
                 name="create-unicode", unordered=UNORD)
    t.post(LM, {"experiment_id": eid, "name": "lm-long-" + "n" * 400}, name="create-long-name")
    t.post(LM, {"experiment_id": eid2, "name": "lm-dup", "params": [{"key": "k", "value": "1"},
                                                                      {"key": "k", "value": "2"}]},
           name="create-dup-params")
    t.post(LM, {"experiment_id": eid2, "name": "lm-dupt", "tags": [{"key": "k", "value": "1"},
                                                                     {"key": "k", "value": "2"}]},
           name="create-dup-tags")
    t.post(LM, {"experiment_id": eid2, "name": "lm-dup1", "params": [{"key": "a", "value": "1"}],
                "tags": [{"key": "k", "value": "1"}]}, name="create-dup-setup")
    t.post(LM, {"experiment_id": eid, "name": "lm-srcrun", "source_run_id": "not-a-run"},
           name="create-any-source-run")
    t.post("/ajax-api/2.0/mlflow/logged-models", {"experiment_id": eid2, "name": "lm-ajax"}, name="create-ajax")
    t.get(LM, name="create-get-method")
    t.put("/api/2.0/mlflow/logged-models", raw=b"{}", content_type="application/json", name="create-put")
    t.post(LM, raw=b'{"experiment_id": ', content_type="application/json", name="create-bad-json")
    t.post(LM, raw=b'{"experiment_id": "1", "name": "lm-ct"}', content_type="text/plain", name="create-text-ct")
    t.post(LM, raw=b'{"experiment_id": "1", "name": "lm-noct"}', name="create-no-ct")

    # ---- getLoggedModel ----
    t.get(f"{LM}/{mid}", name="get", unordered=UNORD)
    t.get(f"/ajax-api/2.0/mlflow/{LM}/{mid}", name="get-ajax", unordered=UNORD)
    t.get(f"{LM}/m-00000000000000000000000000000000", name="get-missing")
    t.get(f"{LM}/nonsense", name="get-nonsense")
    t.get(f"{LM}/{mid}", {"allow_deleted": "true"}, name="get-allow-deleted-live", unordered=UNORD)
    t.post(f"{LM}/{mid}", {}, name="get-post-method")

    # ---- finalizeLoggedModel ----
    t.patch(f"{LM}/{mid_b}", {"model_id": mid_b, "status": "LOGGED_MODEL_READY"}, name="finalize-ready")
    t.patch(f"{LM}/{mid_b}", {"model_id": mid_b, "status": 3}, name="finalize-failed-int")
    t.patch(f"{LM}/{mid_b}", {"model_id": mid_b, "status": 0}, name="finalize-unspecified")
    t.patch(f"{LM}/{mid_b}", {"model_id": mid_b, "status": 1}, name="finalize-pending")
    t.patch(f"{LM}/{mid_b}", {"model_id": mid_b}, name="finalize-no-status")
    t.patch(f"{LM}/{mid_b}", {"status": 2}, name="finalize-no-body-id")
    t.patch(f"{LM}/{mid_b}", {"model_id": mid_b, "status": 9}, name="finalize-status-9")
    t.patch(f"{LM}/{mid_b}", {"model_id": mid_b, "status": "READY"}, name="finalize-status-name")
    t.patch(f"{LM}/{mid_b}", {"model_id": mid_b, "status": "2"}, name="finalize-status-str")
    t.patch(f"{LM}/{mid_b}", {"model_id": mid_b, "status": 2.5}, name="finalize-status-float")
    t.patch(f"{LM}/{mid_b}", {"model_id": "m-other", "status": 2}, name="finalize-body-id-other")
    t.patch(f"{LM}/m-00000000000000000000000000000000",
            {"model_id": "m-00000000000000000000000000000000", "status": 2}, name="finalize-missing")
    t.patch(f"{LM}/{mid_b}", raw=b"status=2", content_type="application/x-www-form-urlencoded",
            name="finalize-form-ct")

    # ---- setLoggedModelTags / deleteLoggedModelTag ----
    t.patch(f"{LM}/{mid_b}/tags", {"tags": [{"key": "k1", "value": "v1"}, {"key": "k2", "value": "v2"}]},
            name="tags-set")
    t.patch(f"{LM}/{mid_b}/tags", {"tags": [{"key": "k1", "value": "new"}, {"key": "k3", "value": "a"},
                                            {"key": "k3", "value": "b"}]}, name="tags-upsert-dup")
    t.patch(f"{LM}/{mid_b}/tags", {"tags": []}, name="tags-empty")
    t.patch(f"{LM}/{mid_b}/tags", {}, name="tags-none")
    t.patch(f"{LM}/{mid_b}/tags", {"tags": {"key": "k"}}, name="tags-obj")
    t.patch(f"{LM}/{mid_b}/tags", {"tags": [{"key": "ключ/ü", "value": "✓"}]}, name="tags-unicode")
    t.patch(f"{LM}/{mid_b}/tags", {"tags": [{"key": "nov"}]}, name="tags-no-value")
    t.patch(f"{LM}/m-00000000000000000000000000000000/tags", {"tags": [{"key": "a", "value": "b"}]},
            name="tags-missing-model")
    t.post(f"{LM}/{mid_b}/tags", {"tags": []}, name="tags-post-method")
    t.get(f"{LM}/{mid_b}", name="tags-after", unordered=UNORD)
    t.delete(f"{LM}/{mid_b}/tags/k2", name="tag-delete")
    t.delete(f"{LM}/{mid_b}/tags/k2", name="tag-delete-again")
    t.delete(f"{LM}/{mid_b}/tags/%D0%BA%D0%BB%D1%8E%D1%87%2F%C3%BC", name="tag-delete-slash")
    t.delete(f"{LM}/{mid_b}/tags/nope%20tag", name="tag-delete-space")
    t.delete(f"{LM}/m-00000000000000000000000000000000/tags/k1", name="tag-delete-missing-model")
    t.get(f"{LM}/{mid_b}/tags/k1", name="tag-get-method")
    t.get(f"{LM}/{mid_b}", name="tags-after-delete", unordered=UNORD)

    # ---- LogLoggedModelParams ----
    t.post(f"{LM}/{mid_b}/params", {"model_id": mid_b, "params": [{"key": "p1", "value": "1"},
                                                                 {"key": "p2", "value": "ü"}]}, name="params-log")
    t.post(f"{LM}/{mid_b}/params", {"model_id": mid_b, "params": []}, name="params-empty")
    t.post(f"{LM}/{mid_b}/params", {"model_id": mid_b}, name="params-none")
    t.post(f"{LM}/{mid_b}/params", {"params": [{"key": "p3", "value": "3"}]}, name="params-no-body-id")
    t.post(f"{LM}/{mid_b}/params", {"model_id": mid_b, "params": {"key": "p"}}, name="params-obj")
    t.post(f"{LM}/{mid_b}/params", {"model_id": mid_b, "params": [{"key": "p1", "value": "again"}]},
           name="params-dup-existing")
    t.post(f"{LM}/m-00000000000000000000000000000000/params",
           {"model_id": "m-00000000000000000000000000000000", "params": [{"key": "a", "value": "b"}]},
           name="params-missing-model")
    t.get(f"{LM}/{mid_b}/params", name="params-get-method")
    t.get(f"{LM}/{mid_b}", name="params-after", unordered=UNORD)

    # ---- deleteLoggedModel ----
    d = t.post(LM, {"experiment_id": eid2, "name": "lm-del", "tags": [{"key": "a", "value": "b"}]},
               name="del-create").get("model", "info", "model_id")
    t.delete(f"{LM}/{d}", name="del")
    t.get(f"{LM}/{d}", name="del-get")
    t.get(f"{LM}/{d}", {"allow_deleted": "true"}, name="del-get-allowed")
    t.get(f"{LM}/{d}", {"allow_deleted": "True"}, name="del-get-allowed-case")
    t.get(f"{LM}/{d}", {"allow_deleted": "1"}, name="del-get-allowed-1")
    t.delete(f"{LM}/{d}", name="del-again")
    t.patch(f"{LM}/{d}", {"model_id": d, "status": 2}, name="del-finalize")
    t.patch(f"{LM}/{d}/tags", {"tags": [{"key": "x", "value": "y"}]}, name="del-set-tag")
    t.delete(f"{LM}/{d}/tags/a", name="del-delete-tag")
    t.post(f"{LM}/{d}/params", {"model_id": d, "params": [{"key": "x", "value": "y"}]}, name="del-params")
    t.get(f"{LM}/{d}", {"allow_deleted": "true"}, name="del-get-after")
    t.delete(f"{LM}/m-00000000000000000000000000000000", name="del-missing")

    # ---- searchLoggedModels: a fixed population ----
    se = t.post("experiments/create", {"name": "lm-search"}, name="s-exp").get("experiment_id")
    se2 = t.post("experiments/create", {"name": "lm-search-2"}, name="s-exp2").get("experiment_id")
    srun = t.post("runs/create", {"experiment_id": se, "run_name": "lm-s-run", "start_time": 1700000000000},
                  name="s-run").get("run", "info", "run_id")
    ids = []
    specs = [
        ("s1", "sklearn", [("alpha", "0.1")], [("team", "red")]),
        ("s2", "torch", [("alpha", "0.2")], [("team", "blue")]),
        ("s3", "sklearn", [("alpha", "0.3"), ("beta", "b")], [("team", "red"), ("stage", "dev")]),
        ("S4", "", [], []),
        ("s5", "xgb", [("alpha", "1.0")], [("team", "Red")]),
    ]
    for i, (nm, mt, params, tags) in enumerate(specs):
        pause()
        body = {"experiment_id": se, "name": nm, "source_run_id": srun,
                "params": [{"key": k, "value": v} for k, v in params],
                "tags": [{"key": k, "value": v} for k, v in tags]}
        if mt:
            body["model_type"] = mt
        ids.append(t.post(LM, body, name=f"s-create-{i}", unordered=UNORD).get("model", "info", "model_id"))
    pause()
    other = t.post(LM, {"experiment_id": se2, "name": "s-other"}, name="s-create-other").get("model", "info",
                                                                                                "model_id")
    pause()
    sdel = t.post(LM, {"experiment_id": se, "name": "s-deleted"}, name="s-create-deleted").get("model", "info",
                                                                                              "model_id")
    t.delete(f"{LM}/{sdel}", name="s-delete")
    t.patch(f"{LM}/{ids[0]}", {"model_id": ids[0], "status": 2}, name="s-ready-0")
    t.patch(f"{LM}/{ids[2]}", {"model_id": ids[2], "status": 2}, name="s-ready-2")
    t.patch(f"{LM}/{ids[3]}", {"model_id": ids[3], "status": 3}, name="s-failed-3")
    # metrics on the models: acc on datasets, loss without; s1's acc falls from 0.9 (step 0) to 0.4 (step 1)
    mets = [
        (0, "acc", 0.9, 0, 1700000001000, "ds1", "d1"),
        (0, "acc", 0.4, 1, 1700000002000, "ds1", "d1"),
        (1, "acc", 0.7, 0, 1700000001000, "ds1", "d1"),
        (2, "acc", 0.8, 0, 1700000001000, "ds2", "d2"),
        (2, "acc", 0.6, 0, 1700000001500, "ds1", "d1b"),
        (4, "acc", 0.55, 3, 1700000001000, "ds1", "d1"),
        (1, "loss", 1.5, 0, 1700000001000, None, None),
        (2, "loss", 0.5, 0, 1700000001000, None, None),
        (4, "loss", 2.5, 0, 1700000001000, None, None),
    ]
    for j, (i, k, v, step, ts, dn, dd) in enumerate(mets):
        body = {"run_id": srun, "key": k, "value": v, "timestamp": ts, "step": step, "model_id": ids[i]}
        if dn:
            body["dataset_name"] = dn
            body["dataset_digest"] = dd
        t.post("runs/log-metric", body, name=f"s-metric-{j}")
    t.get(f"{LM}/{ids[0]}", name="s-get-metrics", unordered=UNORD + ["model.data.metrics"])

    S = f"{LM}/search"
    U = UNORD + ["models.*.data.metrics"]

    def search(name, body, **kw):
        kw.setdefault("unordered", U)
        return t.post(S, body, name=name, **kw)

    search("s-all", {"experiment_ids": [se]})
    search("s-two-exps", {"experiment_ids": [se, se2]})
    search("s-no-exps", {})
    search("s-exps-empty", {"experiment_ids": []})
    search("s-exps-str", {"experiment_ids": se})
    search("s-exps-int", {"experiment_ids": [int(se) if str(se).isdigit() else 0]})
    search("s-exps-nonnum", {"experiment_ids": ["abc"]})
    search("s-exps-missing", {"experiment_ids": ["99999"]})
    t.post("/ajax-api/2.0/mlflow/logged-models/search", {"experiment_ids": [se], "max_results": 1},
           name="s-ajax-path", unordered=U)
    t.get(S, {"experiment_ids": se}, name="s-get-method")

    # filters
    filters = [
        "name = 's1'", "name != 's1'", "name LIKE 's%'", "name ILIKE 's%'", "name IN ('s1', 's3')",
        "name NOT IN ('s1', 's3')", "name IN ('s2')", "name = \"s2\"", "`name` = 's2'",
        "model_type = 'sklearn'", "model_type != 'sklearn'", "attributes.name = 's3'",
        "status = 'READY'", "status != 'READY'", "status IN ('READY', 'FAILED')", "status NOT IN ('PENDING')",
        "status = 'BOGUS'", "status LIKE 'READY'", "status = 'LOGGED_MODEL_READY'",
        "creation_timestamp > 0", "creation_time > 0", "creation_timestamp_ms >= 0",
        "last_updated_timestamp < 0", "creation_timestamp = 'abc'", "creation_timestamp LIKE '1%'",
        "metrics.acc > 0.5", "metrics.acc < 0.5", "metrics.acc >= 0.55", "metrics.acc = 0.8",
        "metrics.loss != 1.5", "metrics.acc LIKE '0.5'", "metrics.acc > 'x'", "metrics.nothing > 0",
        "params.alpha = '0.1'", "params.alpha LIKE '0.%'", "params.alpha IN ('0.2', '1.0')",
        "params.alpha > '0.1'", "params.beta != 'c'",
        "tags.team = 'red'", "tags.team ILIKE 'red'", "tags.team NOT IN ('red')", "tags.`team` = 'blue'",
        "tags.stage = 'dev' AND params.alpha = '0.3'", "name = 's1' and tags.team = 'red'",
        "name = 's1' OR name = 's2'", "name = 's1'; name = 's2'", "foo.bar = 'x'", "bogus = 'x'",
        "name", "name = ", "name == 's1'", "name = 's1' AND", "metrics.acc > 0.5 AND metrics.loss < 2",
        "source_run_id = 'none'", "model_id LIKE 'm-%'", "name IN ()", "name IN (1, 2)", "name = 1",
        "tags.team = 'red' AND tags.team = 'Red'", "params.alpha = '0.1' AND metrics.acc < 0.5",
        "name = 'ü'", "datasets.x = 'y'",
    ]
    for i, f in enumerate(filters):
        search(f"s-filter-{i}", {"experiment_ids": [se], "filter": f})

    # order_by
    orders = [
        [{"field_name": "name"}], [{"field_name": "name", "ascending": False}],
        [{"field_name": "creation_timestamp", "ascending": True}], [{"field_name": "creation_time"}],
        [{"field_name": "last_updated_timestamp", "ascending": False}],
        [{"field_name": "model_type"}, {"field_name": "name", "ascending": False}],
        [{"field_name": "status"}, {"field_name": "name"}], [{"field_name": "model_id"}],
        [{"field_name": "bogus"}], [{"field_name": "params.alpha"}], [{"field_name": "tags.team"}],
        [{"field_name": "metrics.acc"}], [{"field_name": "metrics.acc", "ascending": False}],
        [{"field_name": "metrics.acc", "dataset_name": "ds1"}],
        [{"field_name": "metrics.acc", "dataset_name": "ds1", "dataset_digest": "d1b", "ascending": False}],
        [{"field_name": "metrics.acc", "dataset_digest": "d2"}],
        [{"field_name": "metrics.loss"}, {"field_name": "name"}],
        [{"field_name": "metrics.nothing"}], [{"field_name": ""}], [{"ascending": True}],
        [{"field_name": "metrics."}], [{"field_name": "name.x"}],
    ]
    for i, o in enumerate(orders):
        # model ids are random: by model_id alone the two sides' orders differ
        search(f"s-order-{i}", {"experiment_ids": [se], "order_by": o},
               unordered=U + (["models"] if o == [{"field_name": "model_id"}] else []))
    search("s-order-not-list", {"experiment_ids": [se], "order_by": {"field_name": "name"}})
    search("s-order-str", {"experiment_ids": [se], "order_by": ["name"]})

    # datasets
    dsets = [
        [{"dataset_name": "ds1"}], [{"dataset_name": "ds1", "dataset_digest": "d1"}],
        [{"dataset_name": "ds2"}], [{"dataset_name": "ds1"}, {"dataset_name": "ds2", "dataset_digest": "d2"}],
        [{"dataset_digest": "d1"}], [{"dataset_name": ""}], [{"dataset_name": "nope"}],
    ]
    for i, ds in enumerate(dsets):
        search(f"s-datasets-{i}", {"experiment_ids": [se], "datasets": ds})
    search("s-datasets-metric", {"experiment_ids": [se], "datasets": [{"dataset_name": "ds1", "dataset_digest": "d1"}],
                                 "filter": "metrics.acc > 0.5"})
    search("s-datasets-order", {"experiment_ids": [se], "datasets": [{"dataset_name": "ds1"}],
                                "order_by": [{"field_name": "metrics.acc", "ascending": False}]})
    search("s-datasets-obj", {"experiment_ids": [se], "datasets": {"dataset_name": "ds1"}})

    # paging
    r = search("s-page-1", {"experiment_ids": [se], "max_results": 2, "order_by": [{"field_name": "name"}]})
    tok = r.get("next_page_token")
    r = search("s-page-2", {"experiment_ids": [se], "max_results": 2, "order_by": [{"field_name": "name"}],
                            "page_token": tok})
    tok2 = r.get("next_page_token")
    search("s-page-3", {"experiment_ids": [se], "max_results": 2, "order_by": [{"field_name": "name"}],
                        "page_token": tok2})
    search("s-page-other-order", {"experiment_ids": [se], "max_results": 2, "page_token": tok})
    search("s-page-other-filter", {"experiment_ids": [se], "max_results": 2, "filter": "name LIKE 's%'",
                                   "order_by": [{"field_name": "name"}], "page_token": tok})
    search("s-page-other-exps", {"experiment_ids": [se, se2], "max_results": 2,
                                 "order_by": [{"field_name": "name"}], "page_token": tok})
    search("s-page-bad-token", {"experiment_ids": [se], "page_token": "not-a-token"})
    search("s-page-b64-token", {"experiment_ids": [se], "page_token": "eyJhIjogMX0="})
    search("s-page-size-1", {"experiment_ids": [se], "max_results": 1})
    search("s-page-size-0", {"experiment_ids": [se], "max_results": 0})
    search("s-page-size-neg", {"experiment_ids": [se], "max_results": -1})
    search("s-page-size-str", {"experiment_ids": [se], "max_results": "3"})
    search("s-page-size-bad", {"experiment_ids": [se], "max_results": "x"})
    search("s-page-size-big", {"experiment_ids": [se], "max_results": 100000})
    search("s-filter-int", {"experiment_ids": [se], "filter": 5})
    search("s-token-int", {"experiment_ids": [se], "page_token": 5})
    t.post(S, raw=b"not json", content_type="application/json", name="s-bad-json")
    t.get(f"{LM}/{other}", name="s-get-other")
