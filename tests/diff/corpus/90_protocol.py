"""Protocol-level behaviour across the API: methods (wrong ones, HEAD, OPTIONS), request bodies (bad JSON,
content types, non-objects, unknown fields, wrong JSON types, huge numbers, unicode and invalid UTF-8),
query strings of GET rpcs, slashes, unknown paths, rpcs not ported yet, and the liveness routes."""

JSON = "application/json"


def run(t):
    exp = t.post("experiments/create", {"name": "proto-exp"}, name="setup-exp").get("experiment_id")
    run_id = t.post("runs/create", {"experiment_id": exp, "run_name": "proto-run", "start_time": 1700000000000},
                    name="setup-run").get("run", "info", "run_id")

    # ---- liveness and server facts ----
    t.get("/health", name="health")
    t.request("HEAD", "/health", name="health-head")
    t.request("OPTIONS", "/health", name="health-options")
    t.post("/health", {}, name="health-post")
    t.get("/health/", name="health-slash")
    t.get("/health", {"x": "1"}, name="health-query")
    t.get("/version", name="version")
    t.request("HEAD", "/version", name="version-head")
    t.request("OPTIONS", "/version", name="version-options")
    t.request("DELETE", "/version", name="version-delete")
    t.get("/api/3.0/mlflow/server-info", name="server-info-get")
    t.request("HEAD", "/api/3.0/mlflow/server-info", name="server-info-head")
    t.get("/ajax-api/3.0/mlflow/server-info", name="server-info-ajax")
    t.request("OPTIONS", "/api/3.0/mlflow/server-info", name="server-info-options")
    t.post("/api/3.0/mlflow/server-info", {}, name="server-info-post")
    t.get("/api/2.0/mlflow/server-info", name="server-info-v2")

    # ---- wrong methods on rpc paths ----
    t.get("experiments/create", {"name": "proto-x"}, name="method-get-on-post")
    t.post("experiments/get", {"experiment_id": exp}, name="method-post-on-get")
    t.request("PUT", "experiments/create", body={"name": "proto-x"}, name="method-put")
    t.request("DELETE", "experiments/get", params={"experiment_id": exp}, name="method-delete")
    t.patch("runs/update", {"run_id": run_id}, name="method-patch")
    t.get("registered-models/update", {"name": "x"}, name="method-get-on-patch")
    t.post("registered-models/delete", {"name": "x"}, name="method-post-on-delete")
    t.request("TRACE", "experiments/get", name="method-trace")
    t.request("HEAD", "experiments/get", params={"experiment_id": exp}, name="head-get-rpc")
    t.request("HEAD", "experiments/get", params={"experiment_id": "999"}, name="head-get-rpc-missing")
    t.request("HEAD", "experiments/create", name="head-post-rpc")
    t.request("HEAD", "/ajax-api/2.0/mlflow/runs/get", params={"run_id": run_id}, name="head-ajax")
    t.request("OPTIONS", "experiments/get", name="options-get-rpc")
    t.request("OPTIONS", "experiments/create", name="options-post-rpc")
    t.request("OPTIONS", "/ajax-api/2.0/mlflow/runs/search", name="options-ajax")
    t.request("OPTIONS", "experiments/nope", name="options-unknown")
    t.request("OPTIONS", "/get-artifact", name="options-get-artifact")
    t.request("OPTIONS", "/graphql", name="options-graphql")

    # ---- bodies: JSON and content types ----
    t.post("experiments/create", raw=b"{", content_type=JSON, name="body-truncated")
    t.post("experiments/create", raw=b"not json at all", content_type=JSON, name="body-not-json")
    t.post("experiments/create", raw=b"", content_type=JSON, name="body-empty")
    t.post("experiments/create", raw=b"[1, 2]", content_type=JSON, name="body-array")
    t.post("experiments/create", raw=b"123", content_type=JSON, name="body-number")
    t.post("experiments/create", raw=b"null", content_type=JSON, name="body-null")
    t.post("experiments/create", raw=b'"just a string"', content_type=JSON, name="body-string")
    t.post("experiments/create", raw=b'"{\\"name\\": \\"proto-double\\"}"', content_type=JSON,
           name="body-double-encoded")
    t.post("experiments/create", raw=b'{"name": "proto-dup", "name": "proto-dup2"}', content_type=JSON,
           name="body-duplicate-key")
    t.post("experiments/create", raw=b'{"name": "proto-trailing"} x', content_type=JSON, name="body-trailing")
    t.post("experiments/create", raw=b'{"name": "proto-nan", "tags": NaN}', content_type=JSON, name="body-nan")
    t.post("experiments/create", raw=b'{"name": "proto-ct-none"}', name="ct-missing")
    t.post("experiments/create", raw=b'{"name": "proto-ct-text"}', content_type="text/plain", name="ct-text")
    t.post("experiments/create", raw=b"name=proto-form", content_type="application/x-www-form-urlencoded",
           name="ct-form")
    t.post("experiments/create", raw=b'{"name": "proto-ct-charset"}', content_type="application/json; charset=utf-8",
           name="ct-charset")
    t.post("experiments/create", raw=b'{"name": "proto-ct-upper"}', content_type="Application/JSON",
           name="ct-upper")
    t.post("experiments/create", raw=b'{"name": "proto-ct-space"}', content_type=" application/json",
           name="ct-space")
    t.post("experiments/create", raw=b'{"name": "proto-ct-vnd"}', content_type="application/vnd.api+json",
           name="ct-vnd")
    t.patch("registered-models/update", raw=b'{"name": "x"}', name="ct-missing-patch")
    t.delete("registered-models/delete", raw=b'{"name": "x"}', content_type="text/plain", name="ct-text-delete")
    t.get("experiments/get", body={"experiment_id": exp}, name="get-json-body")
    t.get("experiments/get", body={"experiment_id": exp}, params={"x": "1"}, name="get-body-and-query")

    # ---- fields: unknown, aliases, wrong types ----
    t.post("experiments/create", {"name": "proto-unknown", "bogus": 1, "more": {"a": [1]}}, name="field-unknown")
    t.post("runs/create", {"experimentId": exp, "runName": "proto-camel"}, name="field-camel-case")
    t.post("runs/create", {"experiment_id": exp, "experimentId": exp, "run_name": "proto-both"},
           name="field-both-spellings")
    t.post("experiments/create", {"name": "proto-alias", "artifact_location": "a", "artifactLocation": "b"},
           name="field-both-spellings-2")
    t.post("runs/log-batch", {"run_id": run_id, "metrics": [{"key": "m", "value": 1, "timestamp": 1, "step": 0,
                                                              "run_id": run_id, "runId": run_id}]},
           name="field-both-spellings-nested")
    t.post("experiments/create", {"name": 5}, name="type-int-for-string")
    t.post("experiments/create", {"name": {"a": 1}}, name="type-object-for-string")
    t.post("experiments/create", {"name": ["a"]}, name="type-array-for-string")
    t.post("experiments/create", {"name": True}, name="type-bool-for-string")
    t.post("experiments/create", {"name": None}, name="type-null-for-string")
    t.post("experiments/create", {"name": "proto-tags-obj", "tags": {"k": "v"}}, name="type-object-for-array")
    t.post("experiments/create", {"name": "proto-tags-str", "tags": "k=v"}, name="type-string-for-array")
    t.post("experiments/create", {"name": "proto-tags-items", "tags": ["k"]}, name="type-array-of-strings")
    t.post("runs/create", {"experiment_id": exp, "run_name": "proto-st", "start_time": "1700000000001"},
           name="type-string-for-int")
    t.post("runs/create", {"experiment_id": exp, "run_name": "proto-st2", "start_time": "soon"},
           name="type-bad-string-for-int")
    t.post("runs/create", {"experiment_id": exp, "run_name": "proto-st3", "start_time": 1.5},
           name="type-float-for-int")
    t.post("runs/create", {"experiment_id": exp, "run_name": "proto-st4", "start_time": 1700000000002.0},
           name="type-integral-float-for-int")
    t.post("runs/create", {"experiment_id": exp, "run_name": "proto-st5", "start_time": True},
           name="type-bool-for-int")
    t.post("runs/create", {"experiment_id": int(exp or 0), "run_name": "proto-eid"}, name="type-int-for-id")
    t.post("runs/create", {"experiment_id": exp, "run_name": "proto-big", "start_time": 2 ** 63},
           name="huge-int64-overflow")
    t.post("runs/create", {"experiment_id": exp, "run_name": "proto-max", "start_time": 2 ** 63 - 1},
           name="huge-int64-max")
    t.post("runs/create", {"experiment_id": exp, "run_name": "proto-neg", "start_time": -(2 ** 63)},
           name="huge-int64-min")
    t.post("runs/create", {"experiment_id": exp, "run_name": "proto-e", "start_time": 1e400},
           name="huge-float-inf")
    t.post("runs/log-metric", {"run_id": run_id, "key": "big", "value": 1e308, "timestamp": 1, "step": 0},
           name="huge-double")
    t.post("runs/log-metric", {"run_id": run_id, "key": "big2", "value": "NaN", "timestamp": 1, "step": 0},
           name="double-nan-string")
    t.post("runs/log-metric", {"run_id": run_id, "key": "big3", "value": "Infinity", "timestamp": 1, "step": 0},
           name="double-inf-string")
    t.post("runs/log-metric", {"run_id": run_id, "key": "big4", "value": "1.5", "timestamp": 1, "step": 0},
           name="double-numeric-string")
    t.post("runs/log-metric", {"run_id": run_id, "key": "big5", "value": 1, "timestamp": 1, "step": 2 ** 40},
           name="step-large")
    t.post("runs/log-metric", {"run_id": run_id, "key": "big6", "value": 1, "timestamp": 1, "step": 2 ** 64},
           name="step-overflow")
    t.get("metrics/get-history", {"run_id": run_id, "metric_key": "big"}, name="get-huge-double")
    # experiments made in the same millisecond tie on creation_time: compared as sets
    t.post("experiments/search", {"max_results": "5"}, name="type-string-max-results", unordered="experiments")
    t.post("experiments/search", {"max_results": 5.0}, name="type-float-max-results", unordered="experiments")
    t.post("experiments/search", {"max_results": 2 ** 40}, name="type-huge-max-results")
    t.post("experiments/search", {"view_type": 2}, name="type-enum-number")
    t.post("experiments/search", {"view_type": "NOPE"}, name="type-enum-unknown")
    t.post("experiments/search", {"view_type": "active_only"}, name="type-enum-lowercase")
    t.post("runs/update", {"run_id": run_id, "status": "FINISHED", "end_time": "1700000000005"},
           name="type-update-string-int")

    # ---- unicode and bytes ----
    t.post("experiments/create", raw=b'{"name": "proto-\\u00e9t\\u00e9"}', content_type=JSON, name="unicode-escape")
    t.post("experiments/create", raw=b'{"name": "proto-\\ud83d\\ude00"}', content_type=JSON,
           name="unicode-surrogate-pair")
    t.post("experiments/create", raw=b'{"name": "proto-\\ud800"}', content_type=JSON, name="unicode-lone-surrogate")
    t.get("experiments/get-by-name", body={"experiment_name": "proto-\u0000nul"}, name="unicode-nul")
    t.post("experiments/create", raw='{"name": "proto-raw-日本"}'.encode(), content_type=JSON, name="unicode-raw")
    t.post("experiments/create", raw=b'{"name": "proto-\xff\xfe"}', content_type=JSON, name="invalid-utf8")
    t.post("experiments/create", raw=b'{"name": "proto-\xc3"}', content_type=JSON, name="invalid-utf8-truncated")
    t.post("experiments/create", raw=b'\xef\xbb\xbf{"name": "proto-bom"}', content_type=JSON, name="utf8-bom")
    t.post("experiments/create", raw='{"name": "proto-utf16"}'.encode("utf-16"), content_type=JSON, name="utf16")
    t.get("experiments/get-by-name", {"experiment_name": "proto-été"}, name="query-unicode")
    t.get("/api/2.0/mlflow/experiments/get-by-name?experiment_name=proto-%E9t%E9", name="query-latin1")
    t.get("/api/2.0/mlflow/experiments/get-by-name?experiment_name=proto-%ZZ", name="query-bad-escape")
    t.get("/api/2.0/mlflow/experiments/get-by-name?experiment_name=proto-%00", name="query-nul")

    # ---- query strings of GET rpcs ----
    t.get(f"/api/2.0/mlflow/experiments/get?experiment_id={exp}&experiment_id=999", name="query-repeated")
    t.get(f"/api/2.0/mlflow/experiments/get?experiment_id=999&experiment_id={exp}", name="query-repeated-2")
    t.get("/api/2.0/mlflow/experiments/get?experiment_id=", name="query-empty-value")
    t.get("/api/2.0/mlflow/experiments/get?experiment_id", name="query-no-equals")
    t.get(f"/api/2.0/mlflow/experiments/get?&&experiment_id={exp}&&", name="query-extra-ampersands")
    t.get(f"/api/2.0/mlflow/experiments/get?experiment_id={exp}&bogus=1", name="query-unknown-param")
    t.get(f"/api/2.0/mlflow/experiments/get?experiment%5Fid={exp}", name="query-encoded-key")
    t.get(f"/api/2.0/mlflow/experiments/get?experiment_id={exp}#frag", name="query-fragment")
    t.get("/api/2.0/mlflow/experiments/get?experiment_id=1;x=2", name="query-semicolon")
    t.get("/api/2.0/mlflow/experiments/get-by-name?experiment_name=proto+exp", name="query-plus")
    t.get("/api/2.0/mlflow/experiments/get-by-name?experiment_name=proto%2Dexp", name="query-encoded-value")
    t.get("/api/2.0/mlflow/experiments/search?max_results=1&max_results=2", name="query-repeated-int")
    t.get("/api/2.0/mlflow/experiments/search?max_results=abc", name="query-bad-int")
    t.get("/api/2.0/mlflow/experiments/search?max_results=-1", name="query-negative-int")
    t.get("/api/2.0/mlflow/experiments/search?max_results=1.0", name="query-float-int")
    t.get("/api/2.0/mlflow/experiments/search?max_results=99999999999999999999", name="query-huge-int")
    t.get("/api/2.0/mlflow/experiments/search?view_type=ALL&max_results=3&order_by=name%20DESC&order_by=",
          name="query-order-by-repeated")
    t.get("/api/2.0/mlflow/experiments/search?view_type=1", name="query-enum-number")
    t.get("/api/2.0/mlflow/experiments/search?view_type=BOGUS", name="query-enum-bad")
    t.get(f"/api/2.0/mlflow/metrics/get-history?run_id={run_id}&metric_key=big&max_results=1&page_token=",
          name="query-empty-token")
    t.get(f"/api/2.0/mlflow/runs/get?run_id={run_id}&run_uuid={run_id}", name="query-run-id-and-uuid")
    t.get("/api/2.0/mlflow/registered-models/search?max_results=5&filter=name%3D%27none%27",
          name="query-filter")
    t.get("/api/2.0/mlflow/registered-models/search?max_results=true", name="query-bool-for-int")
    t.get("/api/2.0/mlflow/experiments/search?filter=name%20LIKE%20%27proto-%25%27&max_results=50"
          "&order_by=name", name="query-search-like")

    # ---- slashes and unknown paths ----
    t.get("experiments/get/", {"experiment_id": exp}, name="slash-trailing")
    t.get(f"/api/2.0//mlflow/experiments/get?experiment_id={exp}", name="slash-double")
    t.get(f"//api/2.0/mlflow/experiments/get?experiment_id={exp}", name="slash-double-leading")
    t.post("/api/2.0/mlflow/experiments//create", {"name": "proto-slashes"}, name="slash-double-post")
    t.get(f"/api/2.0/mlflow/experiments/./get?experiment_id={exp}", name="slash-dot-segment")
    t.get(f"/api/2.0/mlflow/experiments/%67et?experiment_id={exp}", name="slash-encoded-path")
    t.get(f"/API/2.0/mlflow/experiments/get?experiment_id={exp}", name="path-uppercase")
    t.get("/api/2.0/mlflow/", name="unknown-mlflow-root")
    t.get("/api/2.0/mlflow/experiments", name="unknown-experiments")
    t.post("/api/2.0/mlflow/experiments/nope", {}, name="unknown-post")
    t.get("/ajax-api/2.0/mlflow/nope", name="unknown-ajax")
    t.get("/ajax-api/", name="unknown-ajax-root")
    t.get("/api/3.0/mlflow/nope", name="unknown-v3")
    t.get("/api/3.0/mlflow/experiments/get", {"experiment_id": exp}, name="unknown-v3-v2-rpc")
    t.get("/api/2.1/mlflow/experiments/get", {"experiment_id": exp}, name="unknown-v21")
    t.get("/ajax-api/2.0/mlflow/experiments/get", {"experiment_id": exp}, name="ajax-v2-rpc")
    t.get("/api/2.0/preview/mlflow/experiments/get", {"experiment_id": exp}, name="preview-v2-rpc")
    t.delete("/api/2.0/mlflow/nope", name="unknown-delete")
    t.request("OPTIONS", "/api/3.0/mlflow/nope", name="unknown-options")

    # ---- trace rpcs (ported): unknown ids, empty locations, a GET search ----
    t.get("/api/3.0/mlflow/traces/batchGet", {"trace_ids": "tr-1"}, name="traces-batch-get")
    t.post("/api/3.0/mlflow/traces/search", {"locations": []}, name="traces-search-v3-no-locations")
    t.get("/api/2.0/mlflow/traces", {"experiment_ids": exp}, name="traces-search-v2")
    t.get("/api/3.0/mlflow/traces/tr-00000000000000000000000000000000", name="traces-get-info-v3-unknown")

    # ---- rpcs MLflow 3.18 serves that mlflow-c does not port yet: answered as unknown paths ----
    t.get("/api/3.0/mlflow/scorers/list", {"experiment_id": exp}, name="unported-list-scorers")
    t.get("/api/3.0/mlflow/datasets/d-none", name="unported-get-dataset")
    t.post("/api/3.0/mlflow/datasets/search", {"experiment_ids": [exp]}, name="unported-search-datasets")
    t.get("/api/3.0/mlflow/prompt-optimization/jobs/j-none", name="unported-get-optimization-job")
    t.get("/api/3.0/mlflow/workspaces", name="unported-list-workspaces")
    t.get("/api/3.0/mlflow/gateway/endpoints/list", name="unported-list-gateway-endpoints")
    t.get("/api/3.0/mlflow/label-schemas/list", name="unported-list-label-schemas")
    t.get("/api/3.0/mlflow/review-queues/list", name="unported-list-review-queues")
    t.post("/api/2.0/mlflow/artifacts/presigned-upload-url", {"run_id": run_id, "path": "x"},
           name="unported-presigned-upload")
