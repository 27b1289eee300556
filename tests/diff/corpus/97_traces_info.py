"""The trace info lifecycle: startTraceV3 (new traces, the merge into one already there, the location and id
checks), getTraceInfoV3, batchGetTraceInfos, the tag rpcs (v3 and v2, the name kept in trace_info, the
system-managed tags), deleteTraces(V3) by age, count and ids with MLflow's checks, the deprecated v2
startTrace / endTrace / getTraceInfo, and linkTracesToRun / linkPromptsToTrace."""

T3 = "/api/3.0/mlflow/traces"
T2 = "/api/2.0/mlflow/traces"
# the v2 TraceInfo's tags and metadata are lists in the store's order
UNORD = ["trace_info.tags", "trace_info.request_metadata"]


def info(eid, tid, **kw):
    d = {"trace_id": tid, "trace_location": {"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": eid}},
         "request_time": "2024-01-01T00:00:00.123Z", "execution_duration": "1.5s", "state": "OK"}
    d.update(kw)
    return {"trace": {"trace_info": d}}


def run(t):
    eid = t.post("experiments/create", {"name": "ti-exp"}, name="setup-exp").get("experiment_id")
    eid2 = t.post("experiments/create", {"name": "ti-exp-2"}, name="setup-exp2").get("experiment_id")
    gone = t.post("experiments/create", {"name": "ti-gone"}, name="setup-gone").get("experiment_id")
    t.post("experiments/delete", {"experiment_id": gone}, name="setup-gone-del")

    # ---- startTraceV3 ----
    full = info(eid, "tr-full", trace_metadata={
        "m1": "v1", "mlflow.trace.session": "s1",
        "mlflow.trace.tokenUsage": '{"input_tokens": 5, "output_tokens": 2.0, "total_tokens": "7", "x": 1}',
        "mlflow.trace.cost": '{"input_cost": 0.5, "total_cost": 1, "output_cost": "bad"}',
        "long": "y" * 300},
        tags={"t1": "v1", "mlflow.traceName": "my trace", "mlflow.artifactLocation": "client's",
              "mlflow.trace.spansLocation": "X", "empty": ""},
        request_preview="req", response_preview="resp", client_request_id="c1")
    t.post(T3, full, name="start-full")
    t.post(T3, info(eid, "tr-min"), name="start-min")
    t.post(T3, info(eid, "tr-ip", state="IN_PROGRESS", execution_duration=None), name="start-in-progress")
    t.post(T3, info(eid, "tr-nostate", state=None, request_time=None, execution_duration=None), name="start-defaults")
    t.post(T3, info(eid, "tr-unicode", tags={"ключ": "值 ✓", "mlflow.traceName": "名前"},
                    trace_metadata={"π": "3.14"}), name="start-unicode")
    t.post(T3, info(eid, "tr-tokens", trace_metadata={
        "mlflow.trace.tokenUsage": '{"input_tokens": 1e3, "output_tokens": 1.5, "total_tokens": true, '
                                   '"cache_read_input_tokens": null, "cache_creation_input_tokens": " 12 "}',
        "mlflow.trace.cost": '{"input_cost": "1e-3", "output_cost": null, "total_cost": 2}'}), name="start-tokens")
    t.post(T3, info(eid, "tr-badjson", trace_metadata={"mlflow.trace.tokenUsage": "not json",
                                                       "mlflow.trace.cost": "[1, 2]"}), name="start-bad-json")
    # the same trace again: MLflow merges into the row that is there
    t.post(T3, info(eid, "tr-min", state="ERROR", tags={"t2": "v2"}, trace_metadata={"m2": "x"},
                    request_preview="again"), name="start-again")
    t.post(T3, info(eid, "tr-full", tags={"mlflow.traceName": "renamed"},
                    trace_metadata={"mlflow.trace.tokenUsage": '{"input_tokens": 9}'}), name="start-again-name")
    t.post(T3, info(eid2, "tr-min"), name="start-again-other-exp")
    t.post(T3, {}, name="start-missing")
    t.post(T3, {"trace": {}}, name="start-empty-trace")
    t.post(T3, {"trace": {"trace_info": {"trace_id": "tr-noloc"}}}, name="start-no-location")
    t.post(T3, {"trace": {"trace_info": {"trace_id": "tr-c", "trace_location": {
        "mlflow_experiment": {"experiment_id": eid}}}}}, name="start-location-type")
    t.post(T3, {"trace": {"trace_info": {"trace_id": "tr-c", "trace_location": {
        "type": "INFERENCE_TABLE", "mlflow_experiment": {"experiment_id": "it's"}}}}}, name="start-location-type-2")
    t.post(T3, {"trace": {"trace_info": {"trace_id": "tr-c", "trace_location": {
        "type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {}}}}}, name="start-location-no-id")
    t.post(T3, info("999999", "tr-x"), name="start-exp-missing")
    t.post(T3, info("abc", "tr-x"), name="start-exp-nonnum")
    t.post(T3, info(gone, "tr-x"), name="start-exp-deleted")
    for i, bad in enumerate(["a/b", "a%b", "a?b", "a#b", "a\tb", "", "x.", "x ", "..", "."]):
        t.post(T3, info(eid, bad), name=f"start-bad-id-{i}")
    t.post(T3, info(eid, "tr-longname", tags={"mlflow.traceName": "n" * 4097}), name="start-long-name")
    t.post(T3, info(eid, "tr-longname2", tags={"mlflow.traceName": "n" * 4096}), name="start-name-4096")
    t.post(T3, info(eid, "tr-longsession", trace_metadata={"mlflow.trace.session": "s" * 251}),
           name="start-long-session")
    t.post(T3, info(eid, "tr-badstate", state="NOPE"), name="start-bad-state")
    t.post(T3, info(eid, "tr-badtime", request_time="yesterday"), name="start-bad-time")
    t.post(T3, {"trace": "x"}, name="start-trace-str")
    t.post("/ajax-api/3.0/mlflow/traces", info(eid2, "tr-ajax"), name="start-ajax")
    # the new row's experiment id as the request spelled it; read back, the column's
    t.post(T3, info("0" + eid2, "tr-zero", tags={"mlflow.traceName": "z"}), name="start-exp-leading-zero")
    t.post(T3, info("0" + eid2, "tr-zero", state="ERROR"), name="start-exp-leading-zero-again")
    t.get(f"{T3}/tr-zero", name="get-exp-leading-zero")

    # ---- getTraceInfoV3 ----
    for tid in ["tr-full", "tr-min", "tr-ip", "tr-nostate", "tr-unicode", "tr-tokens", "tr-badjson", "tr-ajax",
                "tr-longname2"]:
        t.get(f"{T3}/{tid}", name=f"get-{tid}")
    t.get(f"{T3}/tr-nope", name="get-missing")
    t.get(f"/ajax-api/3.0/mlflow/traces/tr-full", name="get-ajax")

    # ---- batchGetTraceInfos ----
    B = T3 + "/batchGetInfos"
    t.post(B, {"trace_ids": ["tr-ip", "tr-nope", "tr-full", "tr-ip", "tr-ajax"]}, name="batch")
    t.post(B, {"trace_ids": ["tr-ip", "tr-ajax"], "experiment_ids": [eid]}, name="batch-scoped")
    t.post(B, {"trace_ids": ["tr-ip", "tr-ajax"], "experiment_ids": [eid, eid2, "999"]}, name="batch-scoped-2")
    t.post(B, {"trace_ids": ["tr-ip"], "experiment_ids": ["abc"]}, name="batch-exp-nonnum")
    t.post(B, {"trace_ids": [], "experiment_ids": ["abc"]}, name="batch-empty-exp-nonnum")
    t.post(B, {"trace_ids": ["tr-ip"], "experiment_ids": []}, name="batch-exp-empty")
    t.post(B, {"trace_ids": ["tr-ip"], "experiment_ids": ["99999999999999999999"]}, name="batch-exp-huge")
    t.post(B, {"trace_ids": []}, name="batch-none")
    t.post(B, {}, name="batch-missing")
    t.post(B, {"trace_ids": "x"}, name="batch-str")
    t.post(B, {"trace_ids": [1]}, name="batch-int")
    t.post(B, {"trace_ids": ["tr-ip"], "experiment_ids": "1"}, name="batch-exp-str")
    t.get(B, name="batch-get-method")

    # ---- tags (v3, then the v2 paths) ----
    t.patch(f"{T3}/tr-min/tags", {"key": "k", "value": "v"}, name="tag-set")
    t.patch(f"{T3}/tr-min/tags", {"key": "k", "value": "v2"}, name="tag-overwrite")
    t.patch(f"{T3}/tr-min/tags", {"key": "k2"}, name="tag-no-value")
    t.patch(f"{T3}/tr-min/tags", {"key": "mlflow.traceName", "value": "nn"}, name="tag-name")
    t.patch(f"{T3}/tr-min/tags", {"key": "mlflow.traceName", "value": "n" * 4097}, name="tag-name-long")
    t.patch(f"{T3}/tr-min/tags", {"key": "long", "value": "v" * 9000}, name="tag-value-long")
    for k in ["mlflow.artifactLocation", "mlflow.trace.spansLocation", "mlflow.trace.archiveLocation",
              "mlflow.trace.archivalFailure"]:
        t.patch(f"{T3}/tr-min/tags", {"key": k, "value": "v"}, name=f"tag-blocked-{k}")
    t.patch(f"{T3}/tr-min/tags", {"value": "v"}, name="tag-no-key")
    t.patch(f"{T3}/tr-min/tags", {"key": "a/../b", "value": "v"}, name="tag-bad-key")
    t.patch(f"{T3}/tr-min/tags", {"key": "k" * 251, "value": "v"}, name="tag-long-key")
    t.patch(f"{T3}/tr-min/tags", {"key": 5, "value": "v"}, name="tag-key-int")
    t.patch(f"{T3}/tr-nope/tags", {"key": "k", "value": "v"}, name="tag-missing-trace")
    t.patch(f"{T3}/tr-nope/tags", {"key": "mlflow.traceName", "value": "v"}, name="tag-name-missing-trace")
    t.patch(f"{T2}/tr-min/tags", {"key": "k3", "value": "v3"}, name="tag-v2-set")
    t.get(f"{T3}/tr-min", name="tag-get")
    t.delete(f"{T3}/tr-min/tags", {"key": "k"}, name="tag-delete")
    t.delete(f"{T3}/tr-min/tags", {"key": "k"}, name="tag-delete-again")
    t.delete(f"{T3}/tr-min/tags", {"key": "mlflow.traceName"}, name="tag-delete-name")
    t.delete(f"{T3}/tr-min/tags", {"key": "mlflow.traceName"}, name="tag-delete-name-again")
    t.delete(f"{T3}/tr-min/tags", {"key": "mlflow.trace.archivalFailure"}, name="tag-delete-archival-failure")
    t.delete(f"{T3}/tr-min/tags", {"key": "mlflow.artifactLocation"}, name="tag-delete-blocked")
    t.delete(f"{T3}/tr-nope/tags", {"key": "k"}, name="tag-delete-missing-trace")
    t.delete(f"{T3}/tr-nope/tags", {"key": "mlflow.traceName"}, name="tag-delete-name-missing-trace")
    t.delete(f"{T3}/tr-min/tags", {}, name="tag-delete-no-key")
    t.delete(f"{T2}/tr-min/tags", {"key": "k3"}, name="tag-v2-delete")
    t.delete(f"{T2}/tr-min/tags", {"key": "mlflow.trace.spansLocation"}, name="tag-v2-delete-blocked")
    t.get(f"{T3}/tr-min", name="tag-get-after")

    # ---- the deprecated v2 rpcs ----
    r = t.post(T2, {"experiment_id": eid, "timestamp_ms": 1700000000000,
                    "request_metadata": [{"key": "m", "value": "1"}, {"key": "mlflow.trace.session", "value": "s"},
                                         {"key": "m", "value": "2"}],
                    "tags": [{"key": "t", "value": "1"}, {"key": "mlflow.traceName", "value": "n"},
                             {"key": "mlflow.artifactLocation", "value": "zz"}]},
               name="v2-start", unordered=UNORD)
    rid = r.get("trace_info", "request_id")
    t.post(T2, {"experiment_id": eid}, name="v2-start-min", unordered=UNORD)
    r0 = t.post(T2, {"experiment_id": "0" + eid, "timestamp_ms": 5}, name="v2-start-exp-leading-zero",
                unordered=UNORD)
    t.get(f"{T2}/{r0.get('trace_info', 'request_id')}/info", name="v2-get-exp-leading-zero", unordered=UNORD)
    t.post(T2, {}, name="v2-start-no-exp")
    t.post(T2, {"experiment_id": "999999"}, name="v2-start-exp-missing")
    t.post(T2, {"experiment_id": gone}, name="v2-start-exp-deleted")
    t.post(T2, {"experiment_id": "x1"}, name="v2-start-exp-nonnum")
    t.post(T2, {"experiment_id": eid, "tags": [{"value": "1"}]}, name="v2-start-tag-no-key")
    t.post(T2, {"experiment_id": eid, "request_metadata": [{"key": "a", "value": "1"}, {"key": ""}]},
           name="v2-start-meta-no-key")
    t.post(T2, {"experiment_id": eid, "timestamp_ms": "x"}, name="v2-start-ts-str")
    t.post(T2, {"experiment_id": eid, "tags": [{"key": "mlflow.traceName", "value": "n" * 4097}]},
           name="v2-start-long-name")
    t.patch(f"{T2}/{rid}", {"timestamp_ms": 1700000000500, "status": "OK",
                            "request_metadata": [{"key": "m2", "value": "2"},
                                                 {"key": "mlflow.trace.tokenUsage", "value": '{"input_tokens": 3}'}],
                            "tags": [{"key": "t2", "value": "2"}, {"key": "mlflow.traceName", "value": "n2"},
                                     {"key": "mlflow.artifactLocation", "value": "zz"}]},
            name="v2-end", unordered=UNORD)
    t.patch(f"{T2}/tr-nope", {"timestamp_ms": 1, "status": "OK"}, name="v2-end-missing")
    t.patch(f"{T2}/{rid}", {}, name="v2-end-no-status")
    t.patch(f"{T2}/{rid}", {"status": "TRACE_STATUS_UNSPECIFIED"}, name="v2-end-unspecified")
    t.patch(f"{T2}/{rid}", {"status": "ERROR", "timestamp_ms": 1700000000100}, name="v2-end-again",
            unordered=UNORD)
    t.patch(f"{T2}/{rid}", {"status": "OK", "tags": [{"value": "x"}]}, name="v2-end-tag-no-key")
    t.patch(f"{T2}/{rid}", {"status": 5}, name="v2-end-status-int")
    t.get(f"{T2}/{rid}/info", name="v2-get", unordered=UNORD)
    t.get(f"{T2}/tr-full/info", name="v2-get-v3-trace", unordered=UNORD)
    t.get(f"{T2}/tr-nope/info", name="v2-get-missing")
    t.get(f"{T3}/{rid}", name="v2-get-as-v3")

    # ---- links ----
    run_id = t.post("runs/create", {"experiment_id": eid, "run_name": "ti-run", "start_time": 1},
                    name="setup-run").get("run", "info", "run_id")
    L = T2 + "/link-to-run"
    t.post(L, {"trace_ids": ["tr-full", "tr-min"], "run_id": run_id}, name="link")
    t.post(L, {"trace_ids": ["tr-full", "tr-ip"], "run_id": run_id}, name="link-some-again")
    t.post(L, {"trace_ids": ["tr-ip", "tr-ip"], "run_id": "run-x"}, name="link-dup")
    t.post(L, {"trace_ids": ["tr-nope"], "run_id": "nope"}, name="link-unknown")
    t.post(L, {"trace_ids": [], "run_id": run_id}, name="link-none")
    t.post(L, {"trace_ids": ["tr-ip"]}, name="link-no-run")
    t.post(L, {"run_id": run_id}, name="link-no-ids")
    t.post(L, {"trace_ids": "tr-ip", "run_id": run_id}, name="link-ids-str")
    t.post(L, {"trace_ids": ["x%d" % i for i in range(101)], "run_id": run_id}, name="link-too-many")
    t.post(L, {"trace_ids": ["x%d" % i for i in range(100)], "run_id": run_id}, name="link-100")
    t.post(T3 + "/link-to-run", {"trace_ids": ["tr-ip"], "run_id": run_id}, name="link-v3-path")
    P = T2 + "/link-prompts"
    t.post(P, {"trace_id": "tr-full", "prompt_versions": [{"name": "p", "version": "1"},
                                                          {"name": "q", "version": "02"}]}, name="prompts")
    t.post(P, {"trace_id": "tr-full", "prompt_versions": [{"name": "p", "version": "1"},
                                                          {"name": "r", "version": " 3 "}]}, name="prompts-again")
    t.post(P, {"trace_id": "tr-min", "prompt_versions": [{"name": "p", "version": "1"},
                                                         {"name": "p", "version": "1"}]}, name="prompts-dup")
    t.post(P, {"trace_id": "tr-full", "prompt_versions": [{"name": "p", "version": "x"}]}, name="prompts-bad-version")
    t.post(P, {"trace_id": "tr-full", "prompt_versions": [{"name": "p"}]}, name="prompts-no-version")
    t.post(P, {"trace_id": "tr-full", "prompt_versions": [{"version": "3"}]}, name="prompts-no-name")
    t.post(P, {"trace_id": "tr-nope", "prompt_versions": [{"name": "p", "version": "1"}]}, name="prompts-missing")
    t.post(P, {"trace_id": "tr-nope", "prompt_versions": []}, name="prompts-none-missing")
    t.post(P, {"trace_id": "tr-full"}, name="prompts-no-list")
    t.post(P, {"prompt_versions": [{"name": "p", "version": "1"}]}, name="prompts-no-trace")

    # ---- deleteTraces(V3) ----
    for i in range(4):
        t.post(T3, info(eid2, f"tr-d{i}", request_time=f"2024-01-0{i + 1}T00:00:00Z"), name=f"setup-d{i}")
    t.patch(f"{T3}/tr-d3/tags", {"key": "k", "value": "v"}, name="setup-d3-tag")
    D3 = T3 + "/delete-traces"
    t.post(D3, {"experiment_id": eid2}, name="del-nothing")
    t.post(D3, {}, name="del-no-exp")
    t.post(D3, {"experiment_id": eid2, "max_timestamp_millis": 1, "request_ids": ["a"]}, name="del-both")
    t.post(D3, {"experiment_id": eid2, "max_traces": 1, "request_ids": ["a"]}, name="del-count-ids")
    t.post(D3, {"experiment_id": eid2, "max_timestamp_millis": 1, "max_traces": 0}, name="del-count-0")
    t.post(D3, {"experiment_id": eid2, "max_timestamp_millis": 1, "max_traces": -1}, name="del-count-neg")
    t.post(D3, {"experiment_id": eid2, "max_traces": 1}, name="del-count-only")
    t.post(D3, {"experiment_id": eid2, "request_ids": []}, name="del-ids-empty")
    t.post(D3, {"experiment_id": "abc", "request_ids": ["x"]}, name="del-exp-nonnum")
    t.post(D3, {"experiment_id": "999999", "request_ids": ["x"]}, name="del-exp-missing")
    t.post(D3, {"experiment_id": eid2, "max_timestamp_millis": "x"}, name="del-ts-str")
    t.post(D3, {"experiment_id": eid2, "request_ids": "x"}, name="del-ids-str")
    t.post(D3, {"experiment_id": eid2, "max_timestamp_millis": 1704153600000, "max_traces": 1}, name="del-oldest")
    t.post(D3, {"experiment_id": eid2, "request_ids": ["tr-d2", "tr-nope", "tr-full"]}, name="del-ids")
    t.get(f"{T3}/tr-d2", name="del-get-deleted")
    t.get(f"{T3}/tr-full", name="del-get-other-exp")
    t.post(T2 + "/delete-traces", {"experiment_id": eid2, "max_timestamp_millis": 9999999999999}, name="del-v2")
    t.post(D3, {"experiment_id": eid2, "max_timestamp_millis": 9999999999999}, name="del-again")
    t.post(B, {"trace_ids": ["tr-d0", "tr-d1", "tr-d3", "tr-ajax"]}, name="del-batch-after")
    t.patch(f"{T3}/tr-d3/tags", {"key": "k", "value": "v"}, name="del-tag-after")
    t.post(D3, {"experiment_id": eid, "request_ids": ["tr-tokens", "tr-badjson"]}, name="del-ids-2")
