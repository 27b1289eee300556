"""Run inputs and outputs: logInputs (datasets with tags, model inputs), logOutputs, the old logModel rpc, and
the ajax search-datasets route."""

SD = "/ajax-api/2.0/mlflow/experiments/search-datasets"
# a run's dataset inputs, their tags and model inputs/outputs come back in the store's order
UNORD = ["run.inputs.dataset_inputs", "run.inputs.dataset_inputs.*.tags", "run.inputs.model_inputs",
         "run.outputs.model_outputs", "run.data.tags", "runs.*.data.tags", "runs.*.inputs.dataset_inputs",
         "runs.*.outputs.model_outputs", "dataset_summaries"]


def ds(name, digest="abc123", source_type="local", source="{\"uri\": \"/data\"}", **extra):
    d = {"name": name, "digest": digest, "source_type": source_type, "source": source}
    d.update(extra)
    return d


def run(t):
    eid = t.post("experiments/create", {"name": "io-exp"}, name="setup-exp").get("experiment_id")
    eid2 = t.post("experiments/create", {"name": "io-exp-2"}, name="setup-exp2").get("experiment_id")
    rid = t.post("runs/create", {"experiment_id": eid, "run_name": "io-run", "start_time": 1700000000000},
                 name="setup-run").get("run", "info", "run_id")
    rid2 = t.post("runs/create", {"experiment_id": eid2, "run_name": "io-run-2", "start_time": 1700000000000},
                  name="setup-run2").get("run", "info", "run_id")
    dead = t.post("runs/create", {"experiment_id": eid, "run_name": "io-dead", "start_time": 1700000000000},
                  name="setup-dead").get("run", "info", "run_id")
    t.post("runs/delete", {"run_id": dead}, name="setup-dead-del")
    mid = t.post("logged-models", {"experiment_id": eid, "name": "io-model"}, name="setup-model").get(
        "model", "info", "model_id")
    mid2 = t.post("logged-models", {"experiment_id": eid, "name": "io-model-2"}, name="setup-model2").get(
        "model", "info", "model_id")
    mid3 = t.post("logged-models", {"experiment_id": eid, "name": "io-model-3"}, name="setup-model3").get(
        "model", "info", "model_id")

    # ---- logInputs ----
    t.post("runs/log-inputs", {"run_id": rid, "datasets": [
        {"dataset": ds("train", schema="{\"cols\": [\"a\"]}", profile="{\"rows\": 10}"),
         "tags": [{"key": "mlflow.data.context", "value": "training"}]},
        {"dataset": ds("eval", digest="e1"), "tags": [{"key": "mlflow.data.context", "value": "eval"},
                                                      {"key": "other", "value": "x"}]},
    ]}, name="inputs")
    t.post("runs/log-inputs", {"run_id": rid, "datasets": [
        {"dataset": ds("train", schema="{\"cols\": [\"a\"]}", profile="{\"rows\": 10}"),
         "tags": [{"key": "mlflow.data.context", "value": "again"}]},
    ]}, name="inputs-again")
    t.post("runs/log-inputs", {"run_id": rid, "datasets": [
        {"dataset": ds("dup", digest="d"), "tags": [{"key": "mlflow.data.context", "value": "first"}]},
        {"dataset": ds("dup", digest="d"), "tags": [{"key": "mlflow.data.context", "value": "second"}]},
    ]}, name="inputs-dup-in-request")
    t.post("runs/log-inputs", {"run_id": rid, "datasets": [{"dataset": ds("no-tags", digest="nt")}]},
           name="inputs-no-tags")
    t.post("runs/log-inputs", {"run_id": rid, "datasets": [
        {"dataset": ds("数据-ü", digest="ü1", source="源"), "tags": [{"key": "ключ", "value": "值"}]}]},
           name="inputs-unicode")
    t.post("runs/log-inputs", {"run_id": rid, "models": [{"model_id": mid}]}, name="inputs-model")
    t.post("runs/log-inputs", {"run_id": rid, "models": [{"model_id": "m-not-a-model"}]},
           name="inputs-model-unknown")
    t.post("runs/log-inputs", {"run_id": rid, "models": [{}]}, name="inputs-model-empty")
    t.post("runs/log-inputs", {"run_id": rid}, name="inputs-nothing")
    t.post("runs/log-inputs", {"run_id": rid, "datasets": []}, name="inputs-empty-list")
    t.post("runs/log-inputs", {"run_id": rid2, "datasets": [
        {"dataset": ds("train", schema="{\"cols\": [\"a\"]}"),
         "tags": [{"key": "mlflow.data.context", "value": "training"}]}]}, name="inputs-run2")
    t.get("runs/get", {"run_id": rid}, name="inputs-get-run", unordered=UNORD)

    # validation
    t.post("runs/log-inputs", {"datasets": [{"dataset": ds("x")}]}, name="inputs-no-run")
    t.post("runs/log-inputs", {"run_id": 5, "datasets": []}, name="inputs-run-int")
    t.post("runs/log-inputs", {"run_id": "nope", "datasets": [{"dataset": ds("x")}]}, name="inputs-run-missing")
    t.post("runs/log-inputs", {"run_id": "a" * 40, "datasets": [{"dataset": ds("x")}]}, name="inputs-run-bad-id")
    t.post("runs/log-inputs", {"run_id": dead, "datasets": [{"dataset": ds("x")}]}, name="inputs-run-deleted")
    t.post("runs/log-inputs", {"run_id": rid, "datasets": {"dataset": ds("x")}}, name="inputs-datasets-obj")
    t.post("runs/log-inputs", {"run_id": rid, "models": "m"}, name="inputs-models-str")
    t.post("runs/log-inputs", {"run_id": rid, "datasets": [{}]}, name="inputs-no-dataset")
    t.post("runs/log-inputs", {"run_id": rid, "datasets": [{"dataset": {"name": "n", "digest": "d"}}]},
           name="inputs-partial-dataset")
    t.post("runs/log-inputs", {"run_id": rid, "datasets": [{"dataset": ds("")}]}, name="inputs-empty-name")
    t.post("runs/log-inputs", {"run_id": rid, "datasets": [{"dataset": ds("n", digest="")}]},
           name="inputs-empty-digest")
    t.post("runs/log-inputs", {"run_id": rid, "datasets": [{"dataset": ds("n", source_type="")}]},
           name="inputs-empty-source-type")
    t.post("runs/log-inputs", {"run_id": rid, "datasets": [{"dataset": ds("n", source="")}]},
           name="inputs-empty-source")
    t.post("runs/log-inputs", {"run_id": rid, "datasets": [{"dataset": ds("n" * 501)}]}, name="inputs-long-name")
    t.post("runs/log-inputs", {"run_id": rid, "datasets": [{"dataset": ds("n" * 500, digest="long-ok")}]},
           name="inputs-name-500")
    t.post("runs/log-inputs", {"run_id": rid, "datasets": [{"dataset": ds("n", digest="d" * 37)}]},
           name="inputs-long-digest")
    t.post("runs/log-inputs", {"run_id": rid, "datasets": [{"dataset": ds("n36", digest="d" * 36)}]},
           name="inputs-digest-36")
    t.post("runs/log-inputs", {"run_id": rid, "datasets": [{"dataset": ds("n", source="s" * 65536)}]},
           name="inputs-long-source")
    t.post("runs/log-inputs", {"run_id": rid, "datasets": [{"dataset": ds("n", schema="s" * 1048576)}]},
           name="inputs-long-schema")
    t.post("runs/log-inputs", {"run_id": rid, "datasets": [{"dataset": ds("n"), "tags": [
        {"key": "k" * 256, "value": "v"}]}]}, name="inputs-long-tag-key")
    t.post("runs/log-inputs", {"run_id": rid, "datasets": [{"dataset": ds("n"), "tags": [
        {"key": "k", "value": "v" * 501}]}]}, name="inputs-long-tag-value")
    t.post("runs/log-inputs", {"run_id": rid, "datasets": [{"dataset": ds("n"), "tags": [{"key": "", "value": "v"}]}]},
           name="inputs-empty-tag-key")
    t.post("runs/log-inputs", {"run_id": rid, "datasets": [{"dataset": ds("n"), "tags": [{"key": "k"}]}]},
           name="inputs-tag-no-value")
    t.post("runs/log-inputs", {"run_id": rid, "datasets": [{"dataset": ds("n", digest="x" * 40)},
                                                            {"dataset": ds("m" * 600)}]},
           name="inputs-first-bad-wins")
    t.post("runs/log-inputs", {"run_id": rid, "datasets": [{"dataset": ds(5)}]}, name="inputs-name-int")
    t.get("runs/log-inputs", {"run_id": rid}, name="inputs-get-method")
    t.post("runs/log-inputs", raw=b"{", content_type="application/json", name="inputs-bad-json")
    t.post("runs/log-inputs", raw=b'{"run_id": "x"}', content_type="text/plain", name="inputs-text-ct")

    # ---- logOutputs ----
    t.post("runs/outputs", {"run_id": rid, "models": [{"model_id": mid, "step": 3}]}, name="outputs")
    # (the same output twice is the inputs table's IntegrityError, whose text in MLflow carries the new row's
    # uuid: not sent, so that the ids of both sides stay in step)
    t.post("runs/outputs", {"run_id": rid, "models": [{"model_id": mid2}]}, name="outputs-no-step")
    t.post("runs/outputs", {"run_id": rid, "models": [{"model_id": "m-unknown", "step": 1}]},
           name="outputs-unknown-model")
    t.post("runs/outputs", {"run_id": rid, "models": []}, name="outputs-empty")
    t.post("runs/outputs", {"run_id": rid}, name="outputs-no-models")
    t.post("runs/outputs", {"models": [{"model_id": mid}]}, name="outputs-no-run")
    t.post("runs/outputs", {"run_id": "nope", "models": [{"model_id": mid}]}, name="outputs-run-missing")
    t.post("runs/outputs", {"run_id": dead, "models": [{"model_id": mid}]}, name="outputs-run-deleted")
    t.post("runs/outputs", {"run_id": rid, "models": {"model_id": mid}}, name="outputs-models-obj")
    t.post("runs/outputs", {"run_id": rid, "models": [{"model_id": mid3, "step": "x"}]}, name="outputs-step-str")
    t.post("runs/outputs", {"run_id": 7, "models": []}, name="outputs-run-int")
    t.get("runs/outputs", {"run_id": rid}, name="outputs-get-method")
    t.get("runs/get", {"run_id": rid}, name="outputs-get-run", unordered=UNORD)
    t.post("runs/search", {"experiment_ids": [eid, eid2], "order_by": ["attributes.run_name"]},
           name="outputs-search-runs", unordered=UNORD)

    # ---- search-datasets (its own ajax route) ----
    t.post(SD, {"experiment_ids": [eid]}, name="sd", unordered=UNORD)
    t.post(SD, {"experiment_ids": [eid, eid2]}, name="sd-two", unordered=UNORD)
    t.post(SD, {"experiment_ids": ["99999"]}, name="sd-unknown-exp")
    t.post(SD, {"experiment_ids": []}, name="sd-empty")
    t.post(SD, {}, name="sd-none")
    t.post(SD, {"experiment_ids": [str(i) for i in range(21)]}, name="sd-too-many")
    t.post(SD, {"experiment_ids": [str(i) for i in range(20)]}, name="sd-twenty", unordered=UNORD)
    t.post(SD, {"experiment_ids": ["abc"]}, name="sd-nonnum")
    t.post(SD, {"experiment_ids": eid}, name="sd-str")
    t.post(SD, raw=b'{"experiment_ids": ["1"]}', content_type="text/plain", name="sd-text-ct")
    t.post(SD, raw=b"not json", content_type="application/json", name="sd-bad-json")
    t.get(SD, {"experiment_ids": eid}, name="sd-get")
    t.post("/api/2.0/mlflow/experiments/search-datasets", {"experiment_ids": [eid]}, name="sd-api-path")
    t.post("/ajax-api/2.0/mlflow/experiments/search-datasets/", {"experiment_ids": [eid]}, name="sd-slash")

    # ---- logModel (the run's mlflow.log-model.history tag) ----
    model = {"artifact_path": "model", "flavors": {"python_function": {"loader_module": "m", "config": {"a": 1}},
                                                    "sklearn": {"version": "1.0"}},
             "utc_time_created": "2024-01-02 03:04:05.000006", "run_id": rid, "model_uuid": "uuid-1"}
    import json
    t.post("runs/log-model", {"run_id": rid, "model_json": json.dumps(model)}, name="logmodel")
    m2 = dict(model, artifact_path="model2", model_uuid=None, flavors={})
    t.post("runs/log-model", {"run_id": rid, "model_json": json.dumps(m2)}, name="logmodel-second")
    t.get("runs/get", {"run_id": rid}, name="logmodel-get-run", unordered=UNORD)
    t.post("runs/log-model", {"run_id": rid, "model_json": "{not json"}, name="logmodel-bad-json")
    t.post("runs/log-model", {"run_id": rid, "model_json": json.dumps({k: v for k, v in model.items()
                                                                        if k != "flavors"})},
           name="logmodel-missing-flavors")
    t.post("runs/log-model", {"run_id": rid, "model_json": "[1, 2]"}, name="logmodel-list")
    t.post("runs/log-model", {"run_id": rid, "model_json": "5"}, name="logmodel-number")
    t.post("runs/log-model", {"run_id": rid, "model_json": json.dumps(dict(model, flavors=[1]))},
           name="logmodel-flavors-list")
    t.post("runs/log-model", {"run_id": rid}, name="logmodel-no-json")
    t.post("runs/log-model", {"model_json": json.dumps(model)}, name="logmodel-no-run")
    t.post("runs/log-model", {"run_id": "nope", "model_json": json.dumps(model)}, name="logmodel-run-missing")
    t.post("runs/log-model", {"run_id": dead, "model_json": json.dumps(model)}, name="logmodel-run-deleted")
    t.post("runs/log-model", {"run_id": rid, "model_json": {"a": 1}}, name="logmodel-json-obj")
    t.post("runs/log-model", {"run_id": rid, "model_json": json.dumps(dict(model, utc_time_created=None))},
           name="logmodel-no-time")
    t.post("runs/log-model", {"run_id": rid2, "model_json": json.dumps(dict(model, run_id=rid2, extra={"ü": 1}))},
           name="logmodel-extra")
    t.get("runs/get", {"run_id": rid2}, name="logmodel-get-run2", unordered=UNORD)
    t.get("runs/log-model", {"run_id": rid}, name="logmodel-get-method")
