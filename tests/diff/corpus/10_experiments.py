"""Experiments: create, get, get-by-name, update (rename), delete, restore, set-tag, delete-tag.

Every experiment made here is named `exp-...`. Search is another file's."""

CV = "mlflow.customView.view"


def run(t):
    # ---- create: happy paths ----
    a = t.post("experiments/create", {"name": "exp-alpha"}, name="create").get("experiment_id")
    tagged = t.post("experiments/create",
                    {"name": "exp-tagged", "tags": [{"key": "k1", "value": "v1"}, {"key": "k.2/x", "value": ""},
                                                    {"key": "ключ", "value": "значение ✓"}]},
                    name="create-tags").get("experiment_id")
    s3 = t.post("experiments/create", {"name": "exp-s3", "artifact_location": "s3://exp-bucket/some/path"},
                name="create-s3").get("experiment_id")
    t.post("experiments/create", {"name": "exp-mlart", "artifact_location": "mlflow-artifacts:/exp/mlart"},
           name="create-mlflow-artifacts")
    t.post("experiments/create", {"name": "exp-ユニコード 名前 ✓"}, name="create-unicode")
    t.post("experiments/create", {"name": "exp-" + "n" * 496}, name="create-name-500")
    t.post("experiments/create", {"name": "exp-space in name:and/slash"}, name="create-odd-chars")
    t.post("experiments/create", {"name": "exp-tag-no-value", "tags": [{"key": "only-key"}]},
           name="create-tag-no-value")

    # ---- create: errors ----
    t.post("experiments/create", {"name": "exp-alpha"}, name="create-duplicate")
    t.post("experiments/create", {}, name="create-no-name")
    t.post("experiments/create", {"name": ""}, name="create-empty-name")
    t.post("experiments/create", {"name": "   "}, name="create-blank-name")
    t.post("experiments/create", {"name": 17}, name="create-name-int")
    t.post("experiments/create", {"name": ["exp-x"]}, name="create-name-list")
    t.post("experiments/create", {"name": None}, name="create-name-null")
    t.post("experiments/create", {"name": "exp-" + "n" * 497}, name="create-name-501")
    t.post("experiments/create", {"name": "exp-badloc1", "artifact_location": "s3://b/p#frag"},
           name="create-loc-fragment")
    t.post("experiments/create", {"name": "exp-badloc2", "artifact_location": "s3://b/p;params"},
           name="create-loc-params")
    t.post("experiments/create", {"name": "exp-badloc3", "artifact_location": "s3://b/p?x=../y"},
           name="create-loc-query-traversal")
    t.post("experiments/create", {"name": "exp-badloc4", "artifact_location": "runs:/abc/model"},
           name="create-loc-runs-uri")
    t.post("experiments/create", {"name": "exp-badloc5", "artifact_location": "http://example.invalid/art"},
           name="create-loc-http")
    t.post("experiments/create", {"name": "exp-badloc6", "artifact_location": "ftp://example.invalid/art"},
           name="create-loc-ftp")
    t.post("experiments/create", {"name": "exp-badloc7", "artifact_location": "mlflow-artifacts://h.invalid/p"},
           name="create-loc-mlflow-artifacts-host")
    t.post("experiments/create", {"name": "exp-badloc10", "artifact_location": "HTTP://Example.invalid/x"},
           name="create-loc-http-upper")
    t.post("experiments/create", {"name": "exp-badloc11", "artifact_location": "hdfs://namenode/p"},
           name="create-loc-hdfs")
    t.post("experiments/create", {"name": "exp-badloc12", "artifact_location": "mlflow-artifacts://h:port/p"},
           name="create-loc-bad-port")
    t.post("experiments/create", {"name": "exp-file", "artifact_location": "file:///tmp/exp-file-loc"},
           name="create-loc-file")
    rel = t.post("experiments/create", {"name": "exp-relative", "artifact_location": "relative/exp-loc"},
                 name="create-loc-relative").get("experiment_id")
    t.get("experiments/get", {"experiment_id": rel}, name="get-loc-relative")
    t.post("experiments/create", {"name": "exp-badloc8", "artifact_location": "s3://b/" + "p" * 5000},
           name="create-loc-too-long")
    t.post("experiments/create", {"name": "exp-badloc9", "artifact_location": 5}, name="create-loc-int")
    t.post("experiments/create", {"name": "exp-badtags", "tags": {"k": "v"}}, name="create-tags-object")
    t.post("experiments/create", {"name": "exp-badtag1", "tags": [{"key": "bad key!", "value": "v"}]},
           name="create-tag-bad-key")
    t.post("experiments/create", {"name": "exp-badtag2", "tags": [{"key": "k" * 251, "value": "v"}]},
           name="create-tag-key-too-long")
    t.post("experiments/create", {"name": "exp-badtag3", "tags": [{"key": "k", "value": "v" * 20001}]},
           name="create-tag-value-too-long")
    t.post("experiments/create", {"name": "exp-badtag4", "tags": [{"value": "v"}]}, name="create-tag-no-key")
    t.post("experiments/create", {"name": "exp-badtag5", "tags": [{"key": "../up", "value": "v"}]},
           name="create-tag-path-key")
    t.post("experiments/create",
           {"name": "exp-views-51", "tags": [{"key": f"{CV}{i}", "value": "{}"} for i in range(51)]},
           name="create-custom-views-51")
    views50 = t.post("experiments/create",
                     {"name": "exp-views-50", "tags": [{"key": f"{CV}{i}", "value": "{}"} for i in range(50)]},
                     name="create-custom-views-50").get("experiment_id")
    t.request("POST", "experiments/create", raw=b"{not json", content_type="application/json",
              name="create-bad-json")
    t.request("POST", "experiments/create", raw=b'{"name": "exp-form"}', content_type="text/plain",
              name="create-text-plain")
    t.request("POST", "experiments/create", raw=b"", content_type="application/json", name="create-empty-body")
    t.request("POST", "experiments/create", raw=b'{"name": "exp-no-ctype"}', name="create-no-content-type")
    t.request("POST", "experiments/create", raw='{"name": "exp-charset-ü"}'.encode(),
              content_type="application/json; charset=utf-8", name="create-charset")
    t.request("POST", "experiments/create", raw=b'"{\\"name\\": \\"exp-double-encoded\\"}"',
              content_type="application/json", name="create-double-encoded")
    t.request("POST", "experiments/create", raw=b"[]", content_type="application/json", name="create-json-list")
    t.get("experiments/create", {"name": "exp-get-create"}, name="create-wrong-method")
    t.post("experiments/create", {"name": "exp-extra", "unknown_field": 1}, name="create-unknown-field")

    # ---- get ----
    t.get("experiments/get", {"experiment_id": a}, name="get")
    t.get("experiments/get", {"experiment_id": tagged}, name="get-tags", unordered="experiment.tags")
    t.get("experiments/get", {"experiment_id": s3}, name="get-s3")
    t.get("experiments/get", {"experiment_id": "0"}, name="get-default")
    t.get("experiments/get", {"experiment_id": "987654"}, name="get-missing")
    t.get("experiments/get", {"experiment_id": "abc"}, name="get-not-int")
    t.get("experiments/get", {"experiment_id": ""}, name="get-empty-id")
    t.get("experiments/get", {}, name="get-no-id")
    t.get("experiments/get", {"experiment_id": "-1"}, name="get-negative")
    t.get("experiments/get", {"experiment_id": "99999999999999999999"}, name="get-huge")
    t.post("experiments/get", {"experiment_id": a}, name="get-post")
    t.get("/ajax-api/2.0/mlflow/experiments/get", {"experiment_id": a}, name="get-ajax")
    t.get("experiments/get", {"experiment_id": views50}, name="get-views-50",
          unordered="experiment.tags")

    # ---- get-by-name ----
    t.get("experiments/get-by-name", {"experiment_name": "exp-alpha"}, name="by-name")
    t.get("experiments/get-by-name", {"experiment_name": "exp-ユニコード 名前 ✓"}, name="by-name-unicode")
    t.get("experiments/get-by-name", {"experiment_name": "Default"}, name="by-name-default")
    t.get("experiments/get-by-name", {"experiment_name": "exp-nope"}, name="by-name-missing")
    t.get("experiments/get-by-name", {"experiment_name": "EXP-ALPHA"}, name="by-name-case")
    t.get("experiments/get-by-name", {}, name="by-name-no-name")
    t.get("experiments/get-by-name", {"experiment_name": ""}, name="by-name-empty")
    t.post("experiments/get-by-name", {"experiment_name": "exp-alpha"}, name="by-name-post")

    # ---- update (rename) ----
    b = t.post("experiments/create", {"name": "exp-rename-me"}, name="create-rename").get("experiment_id")
    t.post("experiments/update", {"experiment_id": b, "new_name": "exp-renamed"}, name="update")
    t.get("experiments/get", {"experiment_id": b}, name="update-check")
    t.get("experiments/get-by-name", {"experiment_name": "exp-rename-me"}, name="update-old-name")
    t.post("experiments/update", {"experiment_id": b, "new_name": "exp-renamed ✓ ü"}, name="update-unicode")
    t.post("experiments/update", {"experiment_id": b, "new_name": "exp-alpha"}, name="update-to-existing")
    t.post("experiments/update", {"experiment_id": b}, name="update-no-new-name")
    t.post("experiments/update", {"experiment_id": b, "new_name": ""}, name="update-empty-new-name")
    t.post("experiments/update", {"experiment_id": b, "new_name": "  "}, name="update-blank-new-name")
    t.post("experiments/update", {"experiment_id": b, "new_name": "x" * 501}, name="update-name-501")
    t.post("experiments/update", {"new_name": "exp-x"}, name="update-no-id")
    t.post("experiments/update", {"experiment_id": "987654", "new_name": "exp-x"}, name="update-missing")
    t.post("experiments/update", {"experiment_id": "abc", "new_name": "exp-x"}, name="update-not-int")
    t.post("experiments/update", {"experiment_id": b, "new_name": 5}, name="update-name-int")
    t.post("experiments/update", {"experiment_id": int(b) if str(b).isdigit() else b, "new_name": "exp-y"},
           name="update-id-int")
    t.get("experiments/update", {"experiment_id": b, "new_name": "exp-z"}, name="update-wrong-method")

    # ---- set-experiment-tag / delete-experiment-tag ----
    st = "experiments/set-experiment-tag"
    dt = "experiments/delete-experiment-tag"
    t.post(st, {"experiment_id": a, "key": "team", "value": "core"}, name="set-tag")
    t.post(st, {"experiment_id": a, "key": "team", "value": "platform"}, name="set-tag-overwrite")
    t.post(st, {"experiment_id": a, "key": "note", "value": "ünïcødé ✓ 日本"}, name="set-tag-unicode")
    t.post(st, {"experiment_id": a, "key": "empty"}, name="set-tag-no-value")
    # on an experiment of its own: mlflow-c's PostgreSQL schema still has 3.6's varchar(5000) there
    t.post(st, {"experiment_id": s3, "key": "long", "value": "v" * 20000}, name="set-tag-value-20000")
    t.post(st, {"experiment_id": a, "key": "k" * 250, "value": "x"}, name="set-tag-key-250")
    t.post(st, {"experiment_id": a, "key": "mlflow.note.content", "value": "# hi"}, name="set-tag-note")
    t.get("experiments/get", {"experiment_id": a}, name="set-tag-check", unordered="experiment.tags")
    t.post(st, {"experiment_id": a, "key": "long2", "value": "v" * 20001}, name="set-tag-value-too-long")
    t.post(st, {"experiment_id": a, "key": "k" * 251, "value": "x"}, name="set-tag-key-too-long")
    t.post(st, {"experiment_id": a, "key": "bad key!", "value": "x"}, name="set-tag-bad-key")
    t.post(st, {"experiment_id": a, "key": "a/../b", "value": "x"}, name="set-tag-path-key")
    t.post(st, {"experiment_id": a, "key": "/abs", "value": "x"}, name="set-tag-abs-key")
    t.post(st, {"experiment_id": a, "key": "", "value": "x"}, name="set-tag-empty-key")
    t.post(st, {"experiment_id": a, "value": "x"}, name="set-tag-no-key")
    t.post(st, {"key": "k", "value": "x"}, name="set-tag-no-id")
    t.post(st, {"experiment_id": "987654", "key": "k", "value": "x"}, name="set-tag-missing-exp")
    t.post(st, {"experiment_id": "abc", "key": "k", "value": "x"}, name="set-tag-bad-id")
    t.post(st, {"experiment_id": a, "key": 5, "value": "x"}, name="set-tag-key-int")
    t.post(st, {"experiment_id": a, "key": "k", "value": 5}, name="set-tag-value-int")
    # custom views: at most 50 per experiment; overwriting one at the limit is allowed
    t.post(st, {"experiment_id": views50, "key": f"{CV}50", "value": "{}"}, name="set-tag-view-51st")
    t.post(st, {"experiment_id": views50, "key": f"{CV}7", "value": '{"x":1}'}, name="set-tag-view-overwrite")
    t.post(st, {"experiment_id": views50, "key": "plain", "value": "ok"}, name="set-tag-plain-at-view-limit")
    t.post(st, {"experiment_id": "987654", "key": f"{CV}1", "value": "{}"}, name="set-tag-view-missing-exp")
    t.post(dt, {"experiment_id": views50, "key": f"{CV}0"}, name="delete-tag-view")
    t.post(st, {"experiment_id": views50, "key": f"{CV}50", "value": "{}"}, name="set-tag-view-after-delete")

    t.post(dt, {"experiment_id": a, "key": "note"}, name="delete-tag")
    t.post(dt, {"experiment_id": a, "key": "note"}, name="delete-tag-again")
    t.post(dt, {"experiment_id": a, "key": "never-set"}, name="delete-tag-missing")
    t.post(dt, {"experiment_id": a}, name="delete-tag-no-key")
    t.post(dt, {"key": "team"}, name="delete-tag-no-id")
    t.post(dt, {"experiment_id": "987654", "key": "team"}, name="delete-tag-missing-exp")
    t.post(dt, {"experiment_id": "abc", "key": "team"}, name="delete-tag-bad-id")
    t.get("experiments/get", {"experiment_id": a}, name="delete-tag-check", unordered="experiment.tags")
    t.get(st, {"experiment_id": a, "key": "k", "value": "v"}, name="set-tag-wrong-method")

    # ---- delete / restore ----
    c = t.post("experiments/create", {"name": "exp-delete-me", "tags": [{"key": "t", "value": "1"}]},
               name="create-delete").get("experiment_id")
    run = t.post("runs/create", {"experiment_id": c, "run_name": "exp-run-in-deleted", "start_time": 1},
                 name="create-run-delete").get("run", "info", "run_id")
    t.post("experiments/delete", {"experiment_id": c}, name="delete")
    t.get("experiments/get", {"experiment_id": c}, name="delete-get")
    t.get("experiments/get-by-name", {"experiment_name": "exp-delete-me"}, name="delete-by-name")
    t.get("runs/get", {"run_id": run}, name="delete-run-cascade")
    t.post("experiments/delete", {"experiment_id": c}, name="delete-again")
    t.post("experiments/update", {"experiment_id": c, "new_name": "exp-deleted-rename"}, name="update-deleted")
    t.post(st, {"experiment_id": c, "key": "t2", "value": "x"}, name="set-tag-deleted")
    t.post(dt, {"experiment_id": c, "key": "t"}, name="delete-tag-deleted")
    t.post("runs/create", {"experiment_id": c, "run_name": "exp-run-2", "start_time": 1}, name="create-run-deleted")
    t.post("experiments/create", {"name": "exp-delete-me"}, name="create-same-as-deleted")
    t.post("experiments/restore", {"experiment_id": c}, name="restore")
    t.get("experiments/get", {"experiment_id": c}, name="restore-get")
    t.get("runs/get", {"run_id": run}, name="restore-run-cascade")
    t.post("experiments/restore", {"experiment_id": c}, name="restore-again")
    t.post("experiments/delete", {}, name="delete-no-id")
    t.post("experiments/delete", {"experiment_id": ""}, name="delete-empty-id")
    t.post("experiments/delete", {"experiment_id": "987654"}, name="delete-missing")
    t.post("experiments/delete", {"experiment_id": "abc"}, name="delete-not-int")
    t.post("experiments/delete", {"experiment_id": 5}, name="delete-id-int")
    t.post("experiments/restore", {}, name="restore-no-id")
    t.post("experiments/restore", {"experiment_id": "987654"}, name="restore-missing")
    t.post("experiments/restore", {"experiment_id": "abc"}, name="restore-not-int")
    t.get("experiments/delete", {"experiment_id": c}, name="delete-wrong-method")
    t.get("experiments/restore", {"experiment_id": c}, name="restore-wrong-method")
    t.request("PUT", "experiments/delete", raw=b"{}", content_type="application/json", name="delete-put")
    t.request("DELETE", "experiments/delete", name="delete-http-delete")
    d0 = t.post("experiments/create", {"name": "exp-delete-default-probe"}, name="create-probe").get("experiment_id")
    t.post("experiments/delete", {"experiment_id": d0}, name="delete-probe")
    t.get("experiments/get", {"experiment_id": d0}, name="delete-probe-get")
