"""searchRuns: the filter grammar (attributes, metrics, params, tags, datasets; every comparator; IN / NOT IN;
IS NULL; quoting; numbers vs strings; malformed filters), order_by, run_view_type, max_results bounds, paging
with tokens, experiment_ids missing / empty / unknown, GET vs POST, and the runs' inputs / outputs in answers.

Runs get explicit names and distinct start_times, so that every ordering is decided without run ids (which
are random per side).
"""

NAN = "NaN"


def run(t):
    def search(body, name, **kw):
        return t.post("runs/search", body, name=name, **kw)

    def sget(params, name, **kw):
        return t.get("runs/search", params, name=name, **kw)

    ea = t.post("experiments/create", {"name": "dsr-main"}, name="create-exp-main").get("experiment_id")
    eb = t.post("experiments/create", {"name": "dsr-other"}, name="create-exp-other").get("experiment_id")
    ec = t.post("experiments/create", {"name": "dsr-empty"}, name="create-exp-empty").get("experiment_id")

    runs = {}

    def mkrun(exp, name, start, user, metrics=(), params=(), tags=()):
        r = t.post("runs/create", {"experiment_id": exp, "run_name": name, "start_time": start, "user_id": user,
                                   "tags": [{"key": k, "value": v} for k, v in tags]}, name="create-" + name)
        rid = r.get("run", "info", "run_id")
        runs[name] = rid
        if metrics or params:
            t.post("runs/log-batch", {
                "run_id": rid,
                "metrics": [{"key": k, "value": v, "timestamp": 100, "step": 0} for k, v in metrics],
                "params": [{"key": k, "value": v} for k, v in params],
            }, name="log-" + name)
        return rid

    mkrun(ea, "r-one", 1000, "alice", [("loss", 0.5), ("acc", 0.9)], [("lr", "0.01"), ("model", "cnn")],
          [("team", "red")])
    mkrun(ea, "r-two", 2000, "bob", [("loss", 0.3), ("acc", 0.9)], [("lr", "0.1")], [("team", "blue")])
    mkrun(ea, "r-three", 3000, "alice", [("loss", NAN)], [("model", "rnn")], [("with space", "x y")])
    mkrun(ea, "r-four", 4000, "carol", [], [], [("team", "Red")])
    mkrun(ea, "r-five-ünï", 5000, "bob", [("loss", -2), ("acc", 0.5)], [("lr", "ü-0.5")], [("lang", "日本語")])
    mkrun(ea, "r-six", 6000, "alice", [("loss", 7)], [("lr", "1")], [("team", "red")])
    mkrun(eb, "r-seven", 7000, "dave", [("loss", 0.4)], [("lr", "0.01")], [("team", "red")])
    mkrun(ea, "r-eight", 8000, "erin", [("loss", 0.2)], [("lr", "0.2%")], [("team", "red%")])
    t.post("runs/update", {"run_id": runs["r-one"], "status": "FINISHED", "end_time": 9000}, name="finish-one")
    t.post("runs/update", {"run_id": runs["r-four"], "status": "FAILED", "end_time": 9500}, name="fail-four")
    t.post("runs/delete", {"run_id": runs["r-six"]}, name="delete-six")
    t.post("runs/log-inputs", {"run_id": runs["r-one"], "datasets": [{
        "dataset": {"name": "ds-train", "digest": "abc123", "source_type": "local", "source": "{}"},
        "tags": [{"key": "mlflow.data.context", "value": "training"}]}]}, name="inputs-one")
    t.post("runs/log-inputs", {"run_id": runs["r-two"], "datasets": [{
        "dataset": {"name": "ds-eval", "digest": "def456", "source_type": "local", "source": "{}"},
        "tags": [{"key": "mlflow.data.context", "value": "eval"}]}]}, name="inputs-two")
    t.post("runs/log-inputs", {"run_id": runs["r-four"], "datasets": [{
        "dataset": {"name": "DS-Upper", "digest": "123456", "source_type": "local", "source": "{}"},
        "tags": [{"key": "mlflow.data.context", "value": "Test"}]}]}, name="inputs-four")
    m = t.post("logged-models", {"experiment_id": ea, "name": "dsr-model"}, name="create-model")
    mid = m.get("model", "info", "model_id")
    t.post("runs/outputs", {"run_id": runs["r-one"], "models": [{"model_id": mid, "step": 3}]}, name="outputs-one")

    A = [ea]

    # ---- plain, GET vs POST, outputs in answers ----
    search({"experiment_ids": A}, "all-main")
    sget({"experiment_ids": A}, "get-all-main")
    sget({"experiment_ids": [ea, eb]}, "get-two-exps")
    search({"experiment_ids": [ea, eb]}, "two-exps")
    search({"experiment_ids": [ec]}, "empty-exp")
    search({"experiment_ids": A, "filter": "attributes.run_name = 'r-one'"}, "run-with-outputs")
    search({"experiment_ids": A, "filter": "attributes.run_name = 'r-two'"}, "run-without-outputs")
    t.get("runs/get", {"run_id": runs["r-two"]}, name="get-run-without-outputs")

    # ---- experiment_ids ----
    search({}, "no-exp-ids")
    search({"experiment_ids": []}, "empty-exp-ids")
    search({"experiment_ids": ["999999"]}, "unknown-exp-id")
    search({"experiment_ids": ["abc"]}, "exp-id-not-int")
    search({"experiment_ids": [ea, "999999"]}, "exp-ids-known-unknown")
    search({"experiment_ids": ea}, "exp-ids-not-list")
    search({"experiment_ids": [int(ea)]}, "exp-ids-int-items")
    search({"experiment_ids": ["99999999999999999999"]}, "exp-id-huge")
    sget({}, "get-no-params")
    sget({"experiment_ids": "999999"}, "get-unknown-exp")

    # ---- run_view_type ----
    for vt in ("ACTIVE_ONLY", "DELETED_ONLY", "ALL"):
        search({"experiment_ids": A, "run_view_type": vt}, "view-" + vt)
    search({"experiment_ids": A, "run_view_type": 2}, "view-int-2")
    search({"experiment_ids": A, "run_view_type": "BAD"}, "view-bad")
    sget({"experiment_ids": A, "run_view_type": "DELETED_ONLY"}, "get-view-deleted")
    sget({"experiment_ids": A, "run_view_type": "3"}, "get-view-3")
    search({"experiment_ids": A, "run_view_type": "ALL", "filter": "attributes.run_name = 'r-six'"},
           "view-all-deleted-run")

    # ---- max_results bounds ----
    for mr in (0, -1, 1, 50000, 50001, 100000):
        search({"experiment_ids": A, "max_results": mr}, f"max-{mr}")
    search({"experiment_ids": A, "max_results": "2"}, "max-string")
    search({"experiment_ids": A, "max_results": "two"}, "max-string-bad")
    search({"experiment_ids": A, "max_results": 1.5}, "max-float")
    sget({"experiment_ids": A, "max_results": "0"}, "get-max-0")
    sget({"experiment_ids": A, "max_results": "50001"}, "get-max-50001")
    sget({"experiment_ids": A, "max_results": "x"}, "get-max-bad")

    # ---- paging ----
    r = search({"experiment_ids": A, "max_results": 2}, "page-1")
    r = search({"experiment_ids": A, "max_results": 2, "page_token": r.get("next_page_token")}, "page-2")
    r = search({"experiment_ids": A, "max_results": 2, "page_token": r.get("next_page_token")}, "page-3")
    r = search({"experiment_ids": A, "max_results": 2, "page_token": r.get("next_page_token")}, "page-4")
    r = search({"experiment_ids": A, "max_results": 5}, "page-exact")
    r = search({"experiment_ids": A, "max_results": 3, "order_by": ["metrics.loss DESC"]}, "page-metric-1")
    search({"experiment_ids": A, "max_results": 3, "order_by": ["metrics.loss DESC"],
            "page_token": r.get("next_page_token")}, "page-metric-2")
    r = sget({"experiment_ids": A, "max_results": "2", "order_by": "attributes.run_name"}, "get-page-1")
    sget({"experiment_ids": A, "max_results": "2", "order_by": "attributes.run_name",
          "page_token": r.get("next_page_token")}, "get-page-2")
    for tok, nm in [("notbase64!", "tok-not-b64"), ("bm90IGpzb24=", "tok-not-json"), ("e30=", "tok-empty-obj"),
                    ("eyJvZmZzZXQiOiAiYWJjIn0=", "tok-offset-str"), ("eyJvZmZzZXQiOiAwfQ==", "tok-offset-0"),
                    ("eyJvZmZzZXQiOiAzfQ==", "tok-offset-3"), ("eyJvZmZzZXQiOiAxMDAwfQ==", "tok-offset-1000"),
                    ("eyJvZmZzZXQiOiAtMX0=", "tok-offset-neg"), ("abc", "tok-bad-pad")]:
        search({"experiment_ids": A, "page_token": tok}, nm)
    # a negative offset: SQLite reads it as 0 (the next token adds to it), PostgreSQL refuses it
    r = search({"experiment_ids": A, "max_results": 2, "page_token": "eyJvZmZzZXQiOiAtMX0="}, "tok-offset-neg-paged")
    search({"experiment_ids": A, "max_results": 2, "page_token": r.get("next_page_token")}, "tok-offset-neg-next")

    def f(flt, nm, **kw):
        return search({"experiment_ids": A, "filter": flt, **kw}, "f-" + nm)

    # ---- filter: metrics ----
    f("metrics.loss > 0.3", "m-gt")
    f("metrics.loss >= 0.3", "m-ge")
    f("metrics.loss < 0.5", "m-lt")
    f("metrics.loss <= 0.5", "m-le")
    f("metrics.loss = 0.5", "m-eq")
    f("metrics.loss != 0.5", "m-ne")
    f("metrics.loss > -3", "m-negative")
    f("metrics.loss > 1e-1", "m-exponent")
    f("metric.loss > 0", "m-singular")
    f("metrics.`loss` > 0", "m-backtick")
    f("metrics.\"loss\" > 0", "m-double-quoted-key")
    f("metrics.loss > 0 AND metrics.acc >= 0.9", "m-two")
    f("metrics.acc = 0.9 AND params.lr = '0.1'", "m-and-param")
    f("metrics.loss > '0.3'", "m-string-value")
    f("metrics.loss LIKE 0.3", "m-like")
    f("metrics.loss IN (0.3)", "m-in")
    f("metrics.loss IS NULL", "m-is-null")
    f("metrics.nope > 0", "m-missing-key")
    f("metrics.loss > 0.3 and metrics.acc > 0", "m-and-lower")
    f("metrics.loss != 0.3", "m-ne-nan")
    f("metrics.loss = 0", "m-eq-zero-nan")
    f("metrics.loss >= 0", "m-ge-zero-nan")

    # ---- filter: params ----
    f("params.lr = '0.01'", "p-eq")
    f("param.lr = '0.01'", "p-singular")
    f("parameter.lr = '0.01'", "p-parameter")
    f("parameters.lr = '0.01'", "p-parameters")
    f("params.lr != '0.01'", "p-ne")
    f("params.lr LIKE '0.%'", "p-like")
    f("params.lr ILIKE 'Ü%'", "p-ilike-unicode")
    f("params.lr LIKE '%\\%'", "p-like-escape")
    f("params.lr = \"0.1\"", "p-double-quoted")
    f("params.lr IS NULL", "p-is-null")
    f("params.lr IS NOT NULL", "p-is-not-null")
    f("params.model is not null", "p-is-not-null-lower")
    f("params.lr > '0'", "p-gt")
    f("params.lr = 0.01", "p-number")
    f("params.lr IN ('0.01')", "p-in")
    f("params.lr = lr", "p-unquoted")

    # ---- filter: tags ----
    f("tags.team = 'red'", "t-eq")
    f("tag.team = 'red'", "t-singular")
    f("tags.team != 'red'", "t-ne")
    f("tags.team LIKE 'r%'", "t-like")
    f("tags.team ILIKE 'r%'", "t-ilike")
    f("tags.`with space` = 'x y'", "t-backtick")
    f("tags.\"with space\" = 'x y'", "t-double-quoted-key")
    f("tags.lang = '日本語'", "t-unicode")
    f("tags.team IS NULL", "t-is-null")
    f("tags.team IS NOT NULL", "t-is-not-null")
    f("tags.`mlflow.runName` = 'r-two'", "t-runname-tag")
    f("tags.mlflow.user = 'bob'", "t-dotted-key")
    f("tags.team < 'z'", "t-lt")
    f("tags.team = 3", "t-number")
    f("tags.team NOT IN ('red')", "t-not-in")
    f("tags.team IS NULL AND params.lr IS NOT NULL", "t-is-null-and-p")
    f("tags.`with space` IS NOT NULL", "t-is-not-null-backtick")
    f("tags.team IS NOT  NULL", "t-is-not-null-two-spaces")
    f("attributes.run_name IS NULL", "a-is-null")
    f("tags.nope IS NULL", "t-is-null-missing-key")

    # ---- filter: attributes ----
    f("attributes.run_name = 'r-one'", "a-run-name")
    f("attribute.run_name = 'r-two'", "a-attribute")
    f("attr.run_name = 'r-two'", "a-attr")
    f("run.run_name = 'r-two'", "a-run")
    f("run_name = 'r-three'", "a-bare")
    f("`Run name` = 'r-three'", "a-alias-run-name")
    f("attributes.`Run Name` LIKE 'r-t%'", "a-alias-run-name-2")
    f("attributes.run_name ILIKE 'R-F%'", "a-run-name-ilike")
    f("attributes.run_name != 'r-one'", "a-run-name-ne")
    f("attributes.run_name IN ('r-one', 'r-two')", "a-run-name-in")
    f("attributes.status = 'FINISHED'", "a-status")
    f("attributes.status != 'RUNNING'", "a-status-ne")
    f("attributes.status IN ('FAILED', 'FINISHED')", "a-status-in")
    f("attributes.user_id = 'alice'", "a-user")
    f("attributes.user_id LIKE 'b%'", "a-user-like")
    f("attributes.artifact_uri LIKE '%artifacts%'", "a-artifact-uri")
    f("attributes.start_time > 2500", "a-start-gt")
    f("attributes.start_time >= 2000 AND attributes.start_time <= 4000", "a-start-range")
    f("attributes.start_time = 1000", "a-start-eq")
    f("attributes.start_time != 1000", "a-start-ne")
    f("attributes.created < 3000", "a-created")
    f("attributes.Created < 3000", "a-Created")
    f("attributes.end_time > 0", "a-end-time")
    f("attributes.start_time > 2500.5", "a-start-float")
    f("attributes.start_time > '2500'", "a-start-string")
    f("attributes.start_time LIKE 1", "a-start-like")
    f("attributes.start_time IN (1000)", "a-start-in")
    f("attributes.lifecycle_stage = 'active'", "a-bad-key")
    f("attributes.experiment_id = '1'", "a-experiment-id")
    f("attributes.status > 'A'", "a-status-gt")
    f("attributes.run_name = 5", "a-run-name-number")
    f("attributes.status IN ('FINISHED')", "a-status-in-list")
    f("attributes.run_id = '" + runs["r-two"] + "'", "a-run-id")
    f("attributes.run_id IN ('" + runs["r-one"] + "', '" + runs["r-two"] + "')", "a-run-id-in")
    f("attributes.run_id NOT IN ('" + runs["r-one"] + "')", "a-run-id-not-in")
    f("attributes.run_id IN ('" + runs["r-one"].upper() + "')", "a-run-id-in-upper")
    f("attributes.run_id IN ()", "a-run-id-in-empty")
    f("attributes.run_id IN (1, 2)", "a-run-id-in-numbers")
    f("attributes.run_id IN ('a', 'b'", "a-run-id-in-unclosed")
    f("attributes.run_id IN 'abc'", "a-run-id-in-string")

    # ---- more values ----
    f("metrics.loss > 1e400", "m-overflow-float")
    f("metrics.loss < -1e400", "m-overflow-neg-float")
    f("attributes.start_time > 99999999999999999999", "a-start-huge-int")
    f("attributes.start_time < -5", "a-start-negative")
    f("attributes.status = 'finished'", "a-status-lower")
    f("params.lr LIKE '0._1'", "p-like-underscore")
    f("params.lr = ''", "p-empty-value")
    f("tags.team = 'red' AND tags.team != 'blue' AND params.lr LIKE '%' AND metrics.loss >= -10", "four-clauses")
    f("attributes.run_name LIKE '%ünï'", "a-run-name-unicode")
    f("attributes.run_id = '" + runs["r-one"] + "' AND attributes.run_id IN ('" + runs["r-one"] + "')",
      "a-run-id-eq-and-in")
    f("attributes.run_id != 'nope'", "a-run-id-ne")
    f("tags.\"mlflow.runName\" ILIKE 'R-T%'", "t-runname-double-quoted")
    f("`metrics`.loss > 0", "m-backtick-entity")
    f("metrics.loss>0.3", "m-no-spaces")
    f("  metrics.loss   >   0.3  ", "m-extra-spaces")
    f("METRICS.loss > 0", "m-upper-entity")
    f("metrics.loss > 0 AND", "m-and-end")

    # ---- filter: datasets ----
    f("datasets.name = 'ds-train'", "d-name")
    f("dataset.name = 'ds-eval'", "d-singular")
    f("datasets.digest = 'def456'", "d-digest")
    f("datasets.context = 'training'", "d-context")
    f("datasets.name LIKE 'ds-%'", "d-like")
    f("datasets.name ILIKE 'DS-T%'", "d-ilike")
    f("datasets.name != 'ds-train'", "d-ne")
    f("datasets.name IN ('ds-train', 'ds-eval')", "d-in")
    f("datasets.name NOT IN ('ds-train')", "d-not-in")
    f("datasets.context IN ('training')", "d-context-in")
    f("datasets.name = 'ds-train' AND datasets.context = 'training'", "d-two")
    f("datasets.source = 'x'", "d-bad-key")
    f("datasets.name > 'a'", "d-gt")
    f("datasets.name = 5", "d-number")
    f("datasets.name IS NULL", "d-is-null")
    f("datasets.name IN ('DS-Upper')", "d-in-upper")
    f("datasets.name NOT IN ('DS-Upper', 'ds-eval')", "d-not-in-upper")
    f("datasets.digest IN ('123456')", "d-in-digits")
    f("datasets.context IN ('Test', 'eval')", "d-context-in-upper")
    f("datasets.name = 'DS-Upper'", "d-eq-upper")

    # ---- malformed filters ----
    for flt, nm in [
        ("foo.bar = 'x'", "bad-entity"),
        ("metrics.loss > 0 OR metrics.acc > 0", "or"),
        ("metrics.loss > 0 AND", "trailing-and"),
        ("metrics.loss", "identifier-only"),
        ("metrics.loss >", "no-value"),
        ("> 1", "no-identifier"),
        ("   ", "whitespace"),
        ("metrics.loss > 0; metrics.acc > 0", "two-statements"),
        ("(metrics.loss > 0)", "parenthesised"),
        ("params.lr = 'unterminated", "unterminated"),
        ("metrics.loss == 0.5", "double-eq"),
        ("metrics.loss <> 0.5", "diamond"),
        ("metrics.loss > 0 metrics.acc > 0", "missing-and"),
        ("tags.team IS", "is-only"),
        ("tags.team IS NOT", "is-not-only"),
        ("tags.team IS 'red'", "is-value"),
        ("params.lr LIKE", "like-no-value"),
        ("attributes.run_name NOT LIKE 'r%'", "not-like"),
        ("metrics.loss BETWEEN 0 AND 1", "between"),
        ("tags.team = 'red' AND AND tags.team = 'red'", "and-and"),
        ("metrics.", "empty-key"),
        ("metrics.loss > 0x10", "hex-number"),
    ]:
        f(flt, nm)
    search({"experiment_ids": A, "filter": 3}, "filter-int")
    search({"experiment_ids": A, "filter": ["tags.team = 'red'"]}, "filter-list")
    sget({"experiment_ids": A, "filter": "tags.team = 'red'"}, "get-filter")
    sget({"experiment_ids": A, "filter": "metrics.loss > 0.3 AND params.lr = '0.01'"}, "get-filter-two")

    # ---- order_by ----
    def o(ob, nm, unordered=None, **kw):
        return search({"experiment_ids": A, "order_by": ob, **kw}, "o-" + nm, unordered=unordered)

    o(["metrics.loss"], "metric")
    o(["metrics.loss DESC"], "metric-desc")
    o(["metrics.loss ASC"], "metric-asc")
    o(["metrics.acc DESC", "metrics.loss ASC"], "two-metrics")
    o(["params.lr"], "param")
    o(["params.lr DESC"], "param-desc")
    o(["tags.team"], "tag")
    o(["tags.team DESC"], "tag-desc")
    o(["tags.`with space` DESC"], "tag-backtick")
    o(["attributes.start_time"], "start-asc")
    o(["attributes.start_time DESC"], "start-desc")
    o(["start_time"], "bare-start")
    o(["created"], "created-alias")
    o(["attributes.end_time DESC"], "end-desc")
    o(["attributes.run_name"], "run-name")
    o(["`Run name` DESC"], "run-name-alias")
    o(["attributes.status", "attributes.run_name DESC"], "status-then-name")
    o(["attributes.user_id DESC"], "user-desc")
    o(["attributes.artifact_uri"], "artifact-uri", unordered="runs")
    o(["metrics.loss desc"], "desc-lower")
    o(["metrics.nope"], "missing-metric")
    o(["metrics.loss", "metrics.loss DESC"], "dup")
    o(["attributes.start_time", "created"], "dup-alias")
    o(["datasets.name"], "dataset")
    o(["attributes.lifecycle_stage"], "bad-attr")
    # which is reported first: the order_by or the filter's comparator
    o(["foo.bar"], "bad-order-and-comparator", filter="metrics.loss LIKE 1")
    o(["foo.bar"], "bad-order-and-value", filter="metrics.loss > 'x'")
    o(["metrics.loss UP"], "bad-direction")
    o(["metrics.loss ASC DESC"], "three-tokens")
    o([""], "empty")
    o(["metrics.loss, params.lr"], "comma")
    o(["foo.bar"], "bad-entity")
    # run ids (and the artifact uris holding them) are random per side: the order cannot be compared
    o(["attributes.run_id"], "run-id", unordered="runs")
    o(["metrics.`loss` DESC"], "backtick-key")
    o("metrics.loss", "not-a-list")
    o([5], "int-item")
    sget({"experiment_ids": A, "order_by": ["metrics.loss DESC", "attributes.run_name"]}, "o-get-two")
    search({"experiment_ids": A, "order_by": ["metrics.loss DESC"], "filter": "params.lr LIKE '%'"},
           "o-with-filter")
    search({"experiment_ids": A, "order_by": ["tags.team"], "run_view_type": "ALL"}, "o-tag-all")

    # ---- the other prefixes ----
    t.post("/ajax-api/2.0/mlflow/runs/search", {"experiment_ids": A, "max_results": 2}, name="ajax-post")
    t.get("/ajax-api/2.0/mlflow/runs/search", {"experiment_ids": A, "filter": "tags.team = 'red'"}, name="ajax-get")
    t.post("/api/2.0/preview/mlflow/runs/search", {"experiment_ids": A}, name="preview-post")
    t.post("/api/3.0/mlflow/runs/search", {"experiment_ids": A}, name="v3-post")

    # MLflow's JSON parser stops at the first value that does not fit: later fields keep their defaults
    search({"experiment_ids": A, "run_view_type": 7, "filter": "tags.team = 'red'"}, "misfit-then-filter")
    search({"experiment_ids": A, "filter": "tags.team = 'red'", "run_view_type": 7}, "filter-then-misfit")
    sget({"experiment_ids": A, "filter": "tags.team = 'red'", "run_view_type": "7"}, "get-misfit-view-type")
    sget({"experiment_ids": A, "filter": "tags.team = 'red'", "max_results": "x", "order_by": "metrics.loss"},
         "get-misfit-max-results")

    # ---- wrong types, methods ----
    search({"experiment_ids": A, "page_token": 5}, "token-int")
    search({"experiment_ids": A, "unknown_field": 1}, "unknown-field")
    t.post("runs/search", raw=b"{not json", content_type="application/json", name="bad-json")
    t.post("runs/search", raw=b'{"experiment_ids": ["1"]}', content_type="text/plain", name="text-plain")
    t.request("PUT", "runs/search", body={}, name="put")
    t.delete("runs/search", name="delete-method")
