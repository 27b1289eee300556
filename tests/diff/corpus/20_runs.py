"""Runs: create, update, delete, restore, get; params (log-parameter); tags (set-tag, delete-tag).

Every experiment made here is named `runs-...`; every run gets its name explicitly."""


def run(t):
    e = t.post("experiments/create", {"name": "runs-main"}, name="exp").get("experiment_id")
    e2 = t.post("experiments/create", {"name": "runs-deleted"}, name="exp-deleted").get("experiment_id")

    # ---- create ----
    r1 = t.post("runs/create", {"experiment_id": e, "run_name": "runs-one", "start_time": 1700000000000,
                                "user_id": "alice", "tags": [{"key": "t1", "value": "v1"}]},
                name="create").get("run", "info", "run_id")
    r2 = t.post("runs/create", {"experiment_id": e, "run_name": "runs-two ✓ ünï", "start_time": 1700000000001},
                name="create-unicode").get("run", "info", "run_id")
    t.post("runs/create", {"experiment_id": e, "start_time": 1700000000002,
                           "tags": [{"key": "mlflow.runName", "value": "runs-from-tag"}]}, name="create-name-tag")
    t.post("runs/create", {"experiment_id": e, "run_name": "runs-same", "start_time": 1700000000003,
                           "tags": [{"key": "mlflow.runName", "value": "runs-same"}]}, name="create-name-both-same")
    t.post("runs/create", {"experiment_id": e, "run_name": "runs-a", "start_time": 1700000000004,
                           "tags": [{"key": "mlflow.runName", "value": "runs-b"}]}, name="create-name-conflict")
    t.post("runs/create", {"experiment_id": e, "start_time": 1700000000005}, name="create-random-name",
           ignore=["run.info.run_name", "run.data.tags"])
    t.post("runs/create", {"experiment_id": e, "run_name": "runs-no-start"}, name="create-no-start-time")
    if t.backend == "sqlite":
        # no experiment_id: MLflow inserts "" and fails on the foreign key. On PostgreSQL its message quotes the
        # statement around the new run's id as the server cuts it (LINE 1: ...), which mlflow-c does not reproduce
        t.post("runs/create", {"run_name": "runs-default-exp", "start_time": 1700000000006},
               name="create-default-exp")
    t.post("runs/create", {"experiment_id": "987654", "run_name": "runs-x", "start_time": 1}, name="create-missing-exp")
    t.post("runs/create", {"experiment_id": "abc", "run_name": "runs-x", "start_time": 1}, name="create-bad-exp")
    t.post("runs/create", {"experiment_id": e, "run_name": "runs-x", "start_time": "soon"},
           name="create-start-time-string")
    t.post("runs/create", {"experiment_id": e, "run_name": "runs-x", "start_time": "1700000000007"},
           name="create-start-time-numeric-string")
    t.post("runs/create", {"experiment_id": e, "run_name": 42, "start_time": 1}, name="create-name-int")
    t.post("runs/create", {"experiment_id": int(e), "run_name": "runs-int-exp", "start_time": 1700000000008},
           name="create-exp-int")
    t.post("runs/create", {"experiment_id": e, "run_name": "runs-badtag", "start_time": 1,
                           "tags": [{"key": "bad key!", "value": "v"}]}, name="create-tag-bad-key")
    t.post("runs/create", {"experiment_id": e, "run_name": "runs-tags", "start_time": 1700000000009,
                           "tags": [{"key": "a", "value": "1"}, {"key": "b"}, {"key": "ключ", "value": "✓"}]},
           name="create-tags")
    t.post("runs/create", {"experiment_id": e, "run_name": "runs-tags-obj", "start_time": 1, "tags": {"a": "b"}},
           name="create-tags-object")
    t.get("runs/create", {"experiment_id": e, "run_name": "runs-get"}, name="create-wrong-method")
    # an unparsable body counts as {}: runs/create would draw a random run name, so update shows it
    t.request("POST", "runs/update", raw=b"{bad", content_type="application/json", name="update-bad-json")
    t.post("experiments/delete", {"experiment_id": e2}, name="exp-delete")
    t.post("runs/create", {"experiment_id": e2, "run_name": "runs-in-deleted", "start_time": 1},
           name="create-in-deleted-exp")

    # ---- get ----
    t.get("runs/get", {"run_id": r1}, name="get", unordered="run.data.tags")
    t.get("runs/get", {"run_uuid": r1}, name="get-run-uuid", unordered="run.data.tags")
    t.get("runs/get", {"run_id": r2}, name="get-unicode", unordered="run.data.tags")
    t.get("runs/get", {"run_id": "0" * 32}, name="get-missing")
    t.get("runs/get", {"run_id": "not-a-run"}, name="get-bad-id")
    t.get("runs/get", {}, name="get-no-id")
    t.get("runs/get", {"run_id": ""}, name="get-empty-id")
    t.post("runs/get", {"run_id": r1}, name="get-post")
    t.get("/ajax-api/2.0/mlflow/runs/get", {"run_id": r1}, name="get-ajax", unordered="run.data.tags")

    # ---- update ----
    u = "runs/update"
    t.post(u, {"run_id": r1, "status": "FINISHED", "end_time": 1700000001000}, name="update")
    t.post(u, {"run_id": r1, "run_name": "runs-one-renamed"}, name="update-name")
    t.get("runs/get", {"run_id": r1}, name="update-check", unordered="run.data.tags")
    t.post(u, {"run_uuid": r1, "status": "FAILED"}, name="update-run-uuid")
    t.post(u, {"run_id": r1, "status": "KILLED", "run_name": ""}, name="update-empty-name")
    t.post(u, {"run_id": r1, "status": "SCHEDULED"}, name="update-scheduled")
    t.post(u, {"run_id": r1, "status": "RUNNING"}, name="update-running")
    t.post(u, {"run_id": r1}, name="update-nothing")
    t.post(u, {"run_id": r1, "status": "BOGUS"}, name="update-bad-status")
    t.post(u, {"run_id": r1, "status": 3}, name="update-status-int")
    t.post(u, {"run_id": r1, "end_time": "later"}, name="update-end-time-string")
    t.post(u, {"run_id": r1, "end_time": -5}, name="update-end-time-negative")
    t.post(u, {"run_id": r1, "run_name": "runs-ユニコード"}, name="update-name-unicode")
    t.post(u, {"status": "FINISHED"}, name="update-no-id")
    t.post(u, {"run_id": "0" * 32, "status": "FINISHED"}, name="update-missing")
    t.post(u, {"run_id": r1, "run_name": 5}, name="update-name-int")
    t.post(u, {"run_id": r1, "status": "FINISHED", "end_time": 1700000002000, "run_name": "runs-one-final"},
           name="update-all")
    t.get("runs/get", {"run_id": r1}, name="update-all-check", unordered="run.data.tags")
    t.post(u, {"run_id": r1, "run_uuid": "0" * 32, "status": "FINISHED"}, name="update-id-and-uuid")
    t.post(u, {"run_uuid": r1, "run_id": "", "status": "FINISHED"}, name="update-empty-id-uuid")
    t.get(u, {"run_id": r1}, name="update-wrong-method")

    # ---- params ----
    lp = "runs/log-parameter"
    t.post(lp, {"run_id": r2, "key": "lr", "value": "0.01"}, name="param")
    t.post(lp, {"run_id": r2, "key": "lr", "value": "0.01"}, name="param-same-again")
    t.post(lp, {"run_id": r2, "key": "lr", "value": "0.02"}, name="param-change")
    t.post(lp, {"run_uuid": r2, "key": "by-uuid", "value": "1"}, name="param-run-uuid")
    t.post(lp, {"run_id": r2, "key": "emptyval", "value": ""}, name="param-empty-value")
    t.post(lp, {"run_id": r2, "key": "noval"}, name="param-no-value")
    t.post(lp, {"run_id": r2, "key": "ünï/cøde.key-1 x:y", "value": "值 ✓"}, name="param-unicode")
    t.post(lp, {"run_id": r2, "key": "p6000", "value": "v" * 6000}, name="param-value-6000")
    t.post(lp, {"run_id": r2, "key": "p6001", "value": "w" * 6001}, name="param-value-6001-truncated")
    t.post(lp, {"run_id": r2, "key": "k" * 250, "value": "x"}, name="param-key-250")
    t.post(lp, {"run_id": r2, "key": "k" * 251, "value": "x"}, name="param-key-251")
    t.post(lp, {"run_id": r2, "key": "bad key!", "value": "x"}, name="param-bad-key")
    t.post(lp, {"run_id": r2, "key": "a/../b", "value": "x"}, name="param-path-key")
    t.post(lp, {"run_id": r2, "key": "./a", "value": "x"}, name="param-dot-key")
    t.post(lp, {"run_id": r2, "key": "", "value": "x"}, name="param-empty-key")
    t.post(lp, {"run_id": r2, "value": "x"}, name="param-no-key")
    t.post(lp, {"key": "k", "value": "x"}, name="param-no-run")
    t.post(lp, {"run_id": "0" * 32, "key": "k", "value": "x"}, name="param-missing-run")
    t.post(lp, {"run_id": r2, "key": 5, "value": "x"}, name="param-key-int")
    t.post(lp, {"run_id": r2, "key": "k", "value": 5}, name="param-value-int")
    t.post(lp, {"run_id": r2, "key": "k", "value": None}, name="param-value-null")
    t.get(lp, {"run_id": r2, "key": "k", "value": "v"}, name="param-wrong-method")

    # ---- tags ----
    st = "runs/set-tag"
    dt = "runs/delete-tag"
    t.post(st, {"run_id": r2, "key": "color", "value": "blue"}, name="tag")
    t.post(st, {"run_id": r2, "key": "color", "value": "green"}, name="tag-overwrite")
    t.post(st, {"run_uuid": r2, "key": "by-uuid", "value": "1"}, name="tag-run-uuid")
    t.post(st, {"run_id": r2, "key": "empty"}, name="tag-no-value")
    t.post(st, {"run_id": r2, "key": "ключ.тег/x", "value": "ünï ✓ 日本"}, name="tag-unicode")
    t.post(st, {"run_id": r2, "key": "t8000", "value": "v" * 8000}, name="tag-value-8000")
    t.post(st, {"run_id": r2, "key": "t8001", "value": "w" * 8001}, name="tag-value-8001-truncated")
    t.post(st, {"run_id": r2, "key": "k" * 250, "value": "x"}, name="tag-key-250")
    t.post(st, {"run_id": r2, "key": "k" * 251, "value": "x"}, name="tag-key-251")
    t.post(st, {"run_id": r2, "key": "bad key!", "value": "x"}, name="tag-bad-key")
    t.post(st, {"run_id": r2, "key": "../up", "value": "x"}, name="tag-path-key")
    t.post(st, {"run_id": r2, "key": "", "value": "x"}, name="tag-empty-key")
    t.post(st, {"run_id": r2, "value": "x"}, name="tag-no-key")
    t.post(st, {"key": "k", "value": "x"}, name="tag-no-run")
    t.post(st, {"run_id": "0" * 32, "key": "k", "value": "x"}, name="tag-missing-run")
    t.post(st, {"run_id": r2, "key": "k", "value": 1.5}, name="tag-value-float")
    t.post(st, {"run_id": r2, "key": "mlflow.runName", "value": "runs-two-by-tag"}, name="tag-run-name")
    t.post(st, {"run_id": r2, "key": "mlflow.runName", "value": ""}, name="tag-run-name-empty")
    t.post(st, {"run_id": r2, "key": "ç" * 8001}, name="tag-key-long-unicode")
    t.post(st, {"run_id": r2, "key": "uni8001", "value": "ç" * 8001}, name="tag-value-8001-unicode-truncated")
    t.post(lp, {"run_id": r2, "key": "uni6001", "value": "ß" * 6001}, name="param-value-6001-unicode-truncated")
    t.get("runs/get", {"run_id": r2}, name="tag-check", unordered=["run.data.tags", "run.data.params"])
    t.post(dt, {"run_id": r2, "key": "color"}, name="delete-tag")
    t.post(dt, {"run_id": r2, "key": "color"}, name="delete-tag-again")
    t.post(dt, {"run_id": r2, "key": "never"}, name="delete-tag-missing")
    t.post(dt, {"run_id": r2}, name="delete-tag-no-key")
    t.post(dt, {"key": "color"}, name="delete-tag-no-run")
    t.post(dt, {"run_id": "0" * 32, "key": "color"}, name="delete-tag-missing-run")
    t.post(dt, {"run_uuid": r2, "key": "empty"}, name="delete-tag-run-uuid-only")
    t.get(st, {"run_id": r2, "key": "k", "value": "v"}, name="tag-wrong-method")
    t.get("runs/get", {"run_id": r2}, name="delete-tag-check", unordered=["run.data.tags", "run.data.params"])

    # ---- delete / restore ----
    r3 = t.post("runs/create", {"experiment_id": e, "run_name": "runs-del", "start_time": 1700000000010},
                name="create-del").get("run", "info", "run_id")
    t.post("runs/delete", {"run_id": r3}, name="delete")
    t.get("runs/get", {"run_id": r3}, name="delete-get", unordered="run.data.tags")
    t.post("runs/delete", {"run_id": r3}, name="delete-again")
    t.post(u, {"run_id": r3, "status": "FINISHED"}, name="update-deleted")
    t.post(lp, {"run_id": r3, "key": "k", "value": "v"}, name="param-deleted")
    t.post(st, {"run_id": r3, "key": "k", "value": "v"}, name="tag-deleted")
    t.post(dt, {"run_id": r3, "key": "mlflow.runName"}, name="delete-tag-deleted")
    t.post("runs/log-metric", {"run_id": r3, "key": "m", "value": 1, "timestamp": 1}, name="metric-deleted")
    t.post("runs/restore", {"run_id": r3}, name="restore")
    t.get("runs/get", {"run_id": r3}, name="restore-get", unordered="run.data.tags")
    t.post("runs/restore", {"run_id": r3}, name="restore-again")
    t.post("runs/delete", {}, name="delete-no-id")
    t.post("runs/delete", {"run_id": ""}, name="delete-empty-id")
    t.post("runs/delete", {"run_id": "0" * 32}, name="delete-missing")
    t.post("runs/delete", {"run_id": 12}, name="delete-id-int")
    t.post("runs/restore", {}, name="restore-no-id")
    t.post("runs/restore", {"run_id": "0" * 32}, name="restore-missing")
    t.get("runs/delete", {"run_id": r3}, name="delete-wrong-method")
    t.get("runs/restore", {"run_id": r3}, name="restore-wrong-method")
    t.post("experiments/restore", {"experiment_id": e2}, name="exp-restore")
