"""Metrics: log-metric, log-batch (and its limits), get-history (paging), get-history-bulk-interval and
the ajax get-history-bulk route.

Every experiment made here is named `met-...`; every run gets its name explicitly."""

T0 = 1700000000000


def run(t):
    e = t.post("experiments/create", {"name": "met-main"}, name="exp").get("experiment_id")

    def new_run(name):
        return t.post("runs/create", {"experiment_id": e, "run_name": name, "start_time": T0},
                      name="create-" + name).get("run", "info", "run_id")

    r = new_run("met-a")
    r2 = new_run("met-b")

    # ---- log-metric ----
    lm = "runs/log-metric"
    t.post(lm, {"run_id": r, "key": "loss", "value": 0.5, "timestamp": T0 + 1, "step": 0}, name="metric")
    t.post(lm, {"run_id": r, "key": "loss", "value": 0.4, "timestamp": T0 + 2, "step": 1}, name="metric-2")
    t.post(lm, {"run_id": r, "key": "loss", "value": 0.4, "timestamp": T0 + 2, "step": 1}, name="metric-dup")
    t.post(lm, {"run_id": r, "key": "loss", "value": 0.3, "timestamp": T0 + 3}, name="metric-no-step")
    t.post(lm, {"run_uuid": r, "key": "acc", "value": 1, "timestamp": T0 + 4, "step": 2}, name="metric-run-uuid")
    t.post(lm, {"run_id": r, "key": "big", "value": 1.7976931348623157e308, "timestamp": T0 + 5}, name="metric-max")
    t.post(lm, {"run_id": r, "key": "tiny", "value": -1e-300, "timestamp": T0 + 6, "step": -3}, name="metric-neg")
    t.post(lm, {"run_id": r, "key": "nan", "value": "NaN", "timestamp": T0 + 7}, name="metric-nan")
    t.post(lm, {"run_id": r, "key": "inf", "value": "Infinity", "timestamp": T0 + 8}, name="metric-inf")
    t.post(lm, {"run_id": r, "key": "ninf", "value": "-Infinity", "timestamp": T0 + 9}, name="metric-ninf")
    t.post(lm, {"run_id": r, "key": "ünï/cøde.m-1 x:y", "value": 2.5, "timestamp": T0 + 10}, name="metric-unicode")
    t.post(lm, {"run_id": r, "key": "zero-ts", "value": 1, "timestamp": 0}, name="metric-zero-ts")
    t.post(lm, {"run_id": r, "key": "strval", "value": "3.25", "timestamp": T0 + 11}, name="metric-value-string")
    t.post(lm, {"run_id": r, "key": "k" * 250, "value": 1, "timestamp": T0 + 12}, name="metric-key-250")
    t.post(lm, {"run_id": r, "key": "k" * 251, "value": 1, "timestamp": T0 + 12}, name="metric-key-251")
    t.post(lm, {"run_id": r, "key": "bad key!", "value": 1, "timestamp": T0}, name="metric-bad-key")
    t.post(lm, {"run_id": r, "key": "a/../b", "value": 1, "timestamp": T0}, name="metric-path-key")
    t.post(lm, {"run_id": r, "key": "", "value": 1, "timestamp": T0}, name="metric-empty-key")
    t.post(lm, {"run_id": r, "value": 1, "timestamp": T0}, name="metric-no-key")
    t.post(lm, {"run_id": r, "key": "m"}, name="metric-no-value")
    t.post(lm, {"run_id": r, "key": "m", "value": 1}, name="metric-no-timestamp")
    t.post(lm, {"run_id": r, "key": "m", "value": 1, "timestamp": -1}, name="metric-negative-ts")
    t.post(lm, {"run_id": r, "key": "m", "value": "abc", "timestamp": T0}, name="metric-value-word")
    t.post(lm, {"run_id": r, "key": "m", "value": True, "timestamp": T0}, name="metric-value-bool")
    t.post(lm, {"run_id": r, "key": "m", "value": 1, "timestamp": "now"}, name="metric-ts-word")
    t.post(lm, {"run_id": r, "key": "m", "value": 1, "timestamp": 1.5}, name="metric-ts-float")
    t.post(lm, {"run_id": r, "key": "m", "value": 1, "timestamp": T0, "step": "one"}, name="metric-step-word")
    t.post(lm, {"key": "m", "value": 1, "timestamp": T0}, name="metric-no-run")
    t.post(lm, {"run_id": "0" * 32, "key": "m", "value": 1, "timestamp": T0}, name="metric-missing-run")
    t.post(lm, {"run_id": r, "key": "m", "value": 1, "timestamp": T0, "dataset_name": "d"},
           name="metric-dataset-name-only")
    t.post(lm, {"run_id": r, "key": "m", "value": 1, "timestamp": T0, "dataset_digest": "x"},
           name="metric-dataset-digest-only")
    t.post(lm, {"run_id": r, "key": "m", "value": 1, "timestamp": T0, "model_id": 5}, name="metric-model-id-int")
    t.post(lm, {"run_id": r, "key": "m", "value": 1, "timestamp": -1, "model_id": "m-nope"},
           name="metric-model-id-bad-ts")
    t.post(lm, {"run_id": "0" * 32, "key": "m", "value": 1, "timestamp": -1, "model_id": "m-nope"},
           name="metric-model-id-missing-run")
    t.post(lm, {"run_id": r, "key": "m", "value": 1, "timestamp": T0, "step": 1.5}, name="metric-step-float")
    t.post(lm, {"run_id": r, "key": "m", "value": 1e400, "timestamp": T0}, name="metric-value-overflow")
    t.post(lm, {"run_id": r, "key": "m", "value": 1, "timestamp": 9223372036854775807}, name="metric-ts-max")
    t.post(lm, {"run_id": r, "key": "m", "value": 1, "timestamp": 9223372036854775808}, name="metric-ts-overflow")
    t.get(lm, {"run_id": r, "key": "m", "value": 1, "timestamp": T0}, name="metric-wrong-method")
    t.get("runs/get", {"run_id": r}, name="metric-check", unordered=["run.data.metrics", "run.data.tags"])

    # ---- get-history ----
    gh = "metrics/get-history"
    for i in range(12):
        t.post(lm, {"run_id": r2, "key": "h", "value": float(i) / 4, "timestamp": T0 + 100 + i, "step": i},
               name=f"history-log-{i}")
    t.get(gh, {"run_id": r2, "metric_key": "h"}, name="history-all")
    t.get(gh, {"run_uuid": r2, "metric_key": "h"}, name="history-run-uuid")
    p = t.get(gh, {"run_id": r2, "metric_key": "h", "max_results": 5}, name="history-page-1")
    p = t.get(gh, {"run_id": r2, "metric_key": "h", "max_results": 5, "page_token": p.get("next_page_token")},
              name="history-page-2")
    t.get(gh, {"run_id": r2, "metric_key": "h", "max_results": 5, "page_token": p.get("next_page_token")},
          name="history-page-3")
    t.get(gh, {"run_id": r2, "metric_key": "h", "max_results": 12}, name="history-exact")
    p = t.get(gh, {"run_id": r2, "metric_key": "h", "max_results": 4}, name="history-by-4")
    t.get(gh, {"run_id": r2, "metric_key": "h", "max_results": 7, "page_token": p.get("next_page_token")},
          name="history-token-other-size")
    t.get(gh, {"run_id": r2, "metric_key": "h", "page_token": p.get("next_page_token")}, name="history-token-no-max")
    t.get(gh, {"run_id": r2, "metric_key": "h", "max_results": 11}, name="history-one-short")
    t.get(gh, {"run_id": r2, "metric_key": "h", "max_results": 1}, name="history-max-1")
    t.get(gh, {"run_id": r2, "metric_key": "h", "max_results": 0}, name="history-max-0")
    t.get(gh, {"run_id": r2, "metric_key": "h", "max_results": -2}, name="history-max-negative")
    t.get(gh, {"run_id": r2, "metric_key": "h", "max_results": "many"}, name="history-max-word")
    t.get(gh, {"run_id": r2, "metric_key": "h", "max_results": 100000}, name="history-max-huge")
    t.get(gh, {"run_id": r2, "metric_key": "h", "page_token": "garbage"}, name="history-bad-token")
    t.get(gh, {"run_id": r2, "metric_key": "nope"}, name="history-no-such-key")
    t.get(gh, {"run_id": "0" * 32, "metric_key": "h"}, name="history-missing-run")
    t.get(gh, {"run_id": r2}, name="history-no-key")
    t.get(gh, {"metric_key": "h"}, name="history-no-run")
    t.get(gh, {"run_id": r, "metric_key": "nan"}, name="history-nan")
    t.get(gh, {"run_id": r, "metric_key": "zero-ts"}, name="history-zero-ts")
    t.get(gh, {"run_id": r, "metric_key": "inf"}, name="history-inf")
    t.get(gh, {"run_id": r, "metric_key": "ninf"}, name="history-ninf")
    t.get(gh, {"run_id": r, "metric_key": "loss"}, name="history-loss")
    t.get(gh, {"run_id": r, "metric_key": "ünï/cøde.m-1 x:y"}, name="history-unicode")
    t.post(gh, {"run_id": r2, "metric_key": "h"}, name="history-post")
    t.get("/ajax-api/2.0/mlflow/metrics/get-history", {"run_id": r2, "metric_key": "h", "max_results": 3},
          name="history-ajax")

    # ---- log-batch ----
    lb = "runs/log-batch"
    r3 = new_run("met-batch")
    t.post(lb, {"run_id": r3, "metrics": [{"key": "b", "value": i, "timestamp": T0 + i, "step": i} for i in range(5)],
                "params": [{"key": "p1", "value": "1"}, {"key": "p2", "value": "ünï ✓"}],
                "tags": [{"key": "t1", "value": "x"}, {"key": "t1", "value": "y"}]}, name="batch")
    t.post(lb, {"run_id": r3}, name="batch-empty")
    t.post(lb, {"run_id": r3, "params": [{"key": "p1", "value": "1"}]}, name="batch-param-same")
    t.post(lb, {"run_id": r3, "params": [{"key": "p1", "value": "2"}]}, name="batch-param-change")
    t.post(lb, {"run_id": r3, "params": [{"key": "p1", "value": "2"}, {"key": "p2", "value": "3"}]},
           name="batch-params-change-two")
    t.post(lb, {"run_id": r3, "params": [{"key": "d", "value": "1"}, {"key": "d", "value": "1"},
                                         {"key": "e", "value": "2"}, {"key": "e", "value": "3"}]},
           name="batch-param-duplicates")
    t.post(lb, {"run_id": r3, "params": [{"key": "nov"}]}, name="batch-param-no-value")
    t.post(lb, {"run_id": r3, "params": [{"key": "pl", "value": "x" * 6001}]}, name="batch-param-long-value")
    t.post(lb, {"run_id": r3, "params": [{"key": "k" * 251, "value": "x"}]}, name="batch-param-key-251")
    t.post(lb, {"run_id": r3, "params": [{"value": "x"}]}, name="batch-param-no-key")
    t.post(lb, {"run_id": r3, "params": [{"key": "ok", "value": "1"}, {"key": "bad key!", "value": "x"}]},
           name="batch-param-bad-key")
    t.post(lb, {"run_id": r3, "tags": [{"key": "tl", "value": "x" * 8001}]}, name="batch-tag-long-value")
    t.post(lb, {"run_id": r3, "tags": [{"key": "k" * 251, "value": "x"}]}, name="batch-tag-key-251")
    t.post(lb, {"run_id": r3, "tags": [{"value": "x"}]}, name="batch-tag-no-key")
    t.post(lb, {"run_id": r3, "tags": [{"key": "a/../b", "value": "x"}]}, name="batch-tag-path-key")
    t.post(lb, {"run_id": r3, "tags": [{"key": "mlflow.runName", "value": "met-batch-renamed"}]},
           name="batch-tag-run-name")
    t.post(lb, {"run_id": r3, "metrics": [{"key": "m", "value": 1}]}, name="batch-metric-no-timestamp")
    t.post(lb, {"run_id": r3, "metrics": [{"key": "m", "timestamp": 1}]}, name="batch-metric-no-value")
    t.post(lb, {"run_id": r3, "metrics": [{"value": 1, "timestamp": 1}]}, name="batch-metric-no-key")
    t.post(lb, {"run_id": r3, "metrics": [{"key": "ok", "value": 1, "timestamp": 1},
                                          {"key": "m", "value": 1, "timestamp": -1}]},
           name="batch-metric-negative-ts")
    t.post(lb, {"run_id": r3, "metrics": [{"key": "bad key!", "value": 1, "timestamp": 1}]},
           name="batch-metric-bad-key")
    t.post(lb, {"run_id": r3, "metrics": [{"key": "k" * 251, "value": 1, "timestamp": 1}]},
           name="batch-metric-key-251")
    t.post(lb, {"run_id": r3, "metrics": [{"key": "m", "value": "x", "timestamp": 1}]},
           name="batch-metric-value-word")
    t.post(lb, {"run_id": r3, "metrics": [{"key": "nm", "value": "NaN", "timestamp": 1, "step": 0},
                                          {"key": "nm", "value": "NaN", "timestamp": 1, "step": 0}]},
           name="batch-metric-nan-dup")
    t.post(lb, {"run_id": r3, "metrics": [{"key": "m", "value": 1, "timestamp": 1, "dataset_name": "d"}]},
           name="batch-metric-dataset-name-only")
    # ParseDict stops at the first misfit: MLflow logs what it had parsed (metric pa, pb without its value and
    # timestamp; not pc, nor the params after)
    rp = new_run("met-partial")
    t.post(lb, {"run_id": rp, "metrics": [{"key": "pa", "value": 1, "timestamp": 5},
                                          {"key": "pb", "value": "x", "timestamp": 5, "step": 2},
                                          {"key": "pc", "value": 3, "timestamp": 5}],
                "params": [{"key": "pp", "value": "1"}]}, name="batch-partial-parse")
    t.get("runs/get", {"run_id": rp}, name="batch-partial-parse-check", unordered="run.data.metrics")
    t.post(lb, {"run_id": r3, "metrics": {"key": "m"}}, name="batch-metrics-object")
    t.post(lb, {"run_id": r3, "params": "p"}, name="batch-params-string")
    t.post(lb, {"metrics": []}, name="batch-no-run")
    t.post(lb, {"run_id": ""}, name="batch-empty-run")
    t.post(lb, {"run_id": "bad id!"}, name="batch-bad-run-id")
    t.post(lb, {"run_id": "0" * 32, "params": [{"key": "p", "value": "v"}]}, name="batch-missing-run")
    t.post(lb, {"run_id": 7}, name="batch-run-int")
    # limits: 1000 metrics, 100 params, 100 tags, 1000 entities in total
    t.post(lb, {"run_id": r3, "metrics": [{"key": "lim", "value": i, "timestamp": T0, "step": i}
                                          for i in range(1000)]}, name="batch-1000-metrics")
    t.post(lb, {"run_id": r3, "metrics": [{"key": "lim2", "value": i, "timestamp": T0, "step": i}
                                          for i in range(1001)]}, name="batch-1001-metrics")
    t.post(lb, {"run_id": r3, "params": [{"key": f"lp{i}", "value": "v"} for i in range(100)]},
           name="batch-100-params")
    t.post(lb, {"run_id": r3, "params": [{"key": f"lq{i}", "value": "v"} for i in range(101)]},
           name="batch-101-params")
    t.post(lb, {"run_id": r3, "tags": [{"key": f"lt{i}", "value": "v"} for i in range(100)]},
           name="batch-100-tags")
    t.post(lb, {"run_id": r3, "tags": [{"key": f"lu{i}", "value": "v"} for i in range(101)]},
           name="batch-101-tags")
    t.post(lb, {"run_id": r3, "metrics": [{"key": "tot", "value": i, "timestamp": T0, "step": i} for i in range(900)],
                "params": [{"key": f"tp{i}", "value": "v"} for i in range(100)],
                "tags": [{"key": "tt", "value": "v"}]}, name="batch-1001-total")
    t.post(lb, {"run_id": r3, "params": [{"key": f"dd{i % 50}", "value": "v"} for i in range(101)]},
           name="batch-101-params-with-duplicates")
    t.get(lb, {"run_id": r3}, name="batch-wrong-method")
    t.post(lb, {"run_id": r3, "metrics": [{"key": "m", "value": 1, "timestamp": "x"}]}, name="batch-metric-ts-word")
    t.post(lb, {"run_id": r3, "metrics": [{"key": "m", "value": 1, "timestamp": 1, "step": "s"}]},
           name="batch-metric-step-word")
    t.post(lb, {"run_id": r3, "tags": [{"key": "mlflow.runName", "value": ""}]}, name="batch-tag-run-name-empty")
    t.post(lb, {"run_id": r3, "params": [{"key": "ok1", "value": "1"}, {"key": "ok2", "value": "2"}],
                "metrics": [{"key": "mm", "value": 1, "timestamp": 1, "step": 0}],
                "tags": [{"key": "tt2", "value": "x"}]}, name="batch-mixed")
    t.post(lb, {"run_id": r3, "params": [{"key": "ok1", "value": "1"}, {"key": "ok3", "value": "3"}]},
           name="batch-params-some-existing")
    rd = new_run("met-deleted")
    t.post("runs/delete", {"run_id": rd}, name="batch-delete-run")
    t.post(lb, {"run_id": rd, "params": [{"key": "p", "value": "v"}]}, name="batch-deleted-run")
    t.post(lb, {"run_id": rd}, name="batch-deleted-run-empty")
    t.get(gh, {"run_id": rd, "metric_key": "h"}, name="history-deleted-run")
    t.request("POST", lb, raw=b'{"run_id": ', content_type="application/json", name="batch-bad-json")
    t.request("POST", lb, raw=b'{"run_id": "x"}', content_type="text/plain", name="batch-text-plain")
    t.get(gh, {"run_id": r3, "metric_key": "lim", "max_results": 3}, name="batch-history-lim")
    t.get(gh, {"run_id": r3, "metric_key": "nm"}, name="batch-history-nan")
    t.get("runs/get", {"run_id": r3}, name="batch-check",
          unordered=["run.data.metrics", "run.data.params", "run.data.tags"])

    # ---- get-history-bulk-interval ----
    bi = "metrics/get-history-bulk-interval"
    r4 = new_run("met-bulk")
    for i in range(8):
        t.post(lm, {"run_id": r4, "key": "h", "value": i * 10, "timestamp": T0 + 200 + i, "step": i * 2},
               name=f"bulk-log-{i}")
    t.get(bi, {"run_ids": [r2, r4], "metric_key": "h"}, name="interval")
    t.get(bi, {"run_ids": [r2, r4], "metric_key": "h", "max_results": 3}, name="interval-max-3")
    t.get(bi, {"run_ids": [r4], "metric_key": "h", "max_results": 1}, name="interval-max-1")
    t.get(bi, {"run_ids": [r2], "metric_key": "h", "start_step": 2, "end_step": 6}, name="interval-steps")
    t.get(bi, {"run_ids": [r2, r4], "metric_key": "h", "start_step": 3, "end_step": 9, "max_results": 2},
          name="interval-steps-two-runs")
    t.get(bi, {"run_ids": [r2], "metric_key": "h", "start_step": 3, "end_step": 3, "max_results": 2},
          name="interval-one-step")
    t.get(bi, {"run_ids": [r2], "metric_key": "h", "start_step": 6, "end_step": 2}, name="interval-reversed")
    t.get(bi, {"run_ids": [r2], "metric_key": "h", "start_step": 2}, name="interval-start-only")
    t.get(bi, {"run_ids": [r2], "metric_key": "h", "end_step": 2}, name="interval-end-only")
    t.get(bi, {"run_ids": [r2], "metric_key": "h", "max_results": 0}, name="interval-max-0")
    t.get(bi, {"run_ids": [r2], "metric_key": "h", "max_results": 2501}, name="interval-max-2501")
    t.get(bi, {"run_ids": [r2], "metric_key": "h", "max_results": 2500}, name="interval-max-2500")
    t.get(bi, {"run_ids": [r2], "metric_key": "h", "max_results": "x"}, name="interval-max-word")
    t.get(bi, {"run_ids": [r2], "metric_key": "h", "start_step": "a", "end_step": "b"}, name="interval-steps-word")
    t.get(bi, {"run_ids": [r2]}, name="interval-no-key")
    t.get(bi, {"metric_key": "h"}, name="interval-no-runs")
    t.get(bi, {"run_ids": ["0" * 32], "metric_key": "h"}, name="interval-missing-run")
    t.get(bi, {"run_ids": [r2], "metric_key": "nope"}, name="interval-no-such-key")
    t.get(bi, {"run_ids": [f"{i:032x}" for i in range(101)], "metric_key": "h"}, name="interval-101-runs")
    t.get(bi, {"run_ids": [r, r], "metric_key": "nan"}, name="interval-nan-twice")
    t.post(bi, {"run_ids": [r2], "metric_key": "h"}, name="interval-post")
    t.get("/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval", {"run_ids": [r4], "metric_key": "h"},
          name="interval-ajax")

    # ---- ajax get-history-bulk ----
    hb = "/ajax-api/2.0/mlflow/metrics/get-history-bulk"
    # sorted by run id, which differs per side: compared as sets
    t.get(hb, {"run_id": [r2, r4], "metric_key": "h"}, name="bulk", unordered="metrics")
    t.get(hb, {"run_id": [r4], "metric_key": "h", "max_results": 5}, name="bulk-max-5")
    t.get(hb, {"run_id": [r], "metric_key": "nan"}, name="bulk-nan")
    t.get(hb, {"run_id": [r], "metric_key": "inf"}, name="bulk-inf")
    t.get(hb, {"run_id": [r], "metric_key": "ünï/cøde.m-1 x:y"}, name="bulk-unicode")
    t.get(hb, {"metric_key": "h"}, name="bulk-no-run")
    t.get(hb, {"run_id": [r2]}, name="bulk-no-key")
    t.get(hb, {"run_id": [r2], "metric_key": ""}, name="bulk-empty-key")
    t.get(hb, {"run_id": [f"{i:032x}" for i in range(101)], "metric_key": "h"}, name="bulk-101-runs")
    t.get(hb, {"run_id": ["0" * 32], "metric_key": "h"}, name="bulk-missing-run")
    t.get(hb, {"run_id": [r2], "metric_key": "h", "max_results": 0}, name="bulk-max-0")
    t.get(hb, {"run_id": [r2], "metric_key": "h", "max_results": 99999999}, name="bulk-max-huge")
    t.post(hb, {"run_id": [r2], "metric_key": "h"}, name="bulk-post")
    t.get("/api/2.0/mlflow/metrics/get-history-bulk", {"run_id": [r2], "metric_key": "h"}, name="bulk-api-path")
