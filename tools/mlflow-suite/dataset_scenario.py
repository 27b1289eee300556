#!/usr/bin/env python3
"""MLflow 3.18's `mlflow.genai.datasets` against a tracking server, step by step.

usage: dataset_scenario.py TRACKING_URI OUT.json

Run with the reference environment's interpreter ($MLFLOW_C_REF_PYTHON). Drives the public API:
create_dataset with tags and an experiment, merge_records from a pandas DataFrame, from traces
(logged first with mlflow.start_span) and again with new expectations (the merge), to_df(),
get_dataset, search_datasets, set_dataset_tags / delete_dataset_tag, delete_records, experiment
associations, delete_dataset and get_dataset of the deleted one. Writes per step what the API
returned (ids, times and digests normalised, rows sorted) or the exception it raised, for
tests/server/test_genai_datasets_sdk.py to compare between two servers.
"""

import json
import re
import sys
import traceback

import mlflow
import pandas as pd
from mlflow.genai import datasets

uri, out_path = sys.argv[1], sys.argv[2]
mlflow.set_tracking_uri(uri)
steps = []
ids = {}


def norm(v):
    if isinstance(v, dict):
        return {k: norm(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [norm(x) for x in v]
    if isinstance(v, str):
        v = re.sub(r"\b(d|dr|tr)-[0-9a-f]{32}\b", lambda m: ids.setdefault(m.group(0), f"<{m.group(1)}{len(ids)}>"), v)
        return v
    if isinstance(v, int) and not isinstance(v, bool) and v > 1_600_000_000_000:
        return "<ts>"
    return v


def dataset_view(ds):
    return {"name": ds.name, "tags": ds.tags, "schema": json.loads(ds.schema) if ds.schema else None,
            "profile": ds.profile, "created_by": ds.created_by, "last_updated_by": ds.last_updated_by,
            "digest_len": len(ds.digest or ""), "dataset_id": ds.dataset_id,
            "experiment_ids": sorted(ds.experiment_ids)}


def df_view(df):
    rows = json.loads(df.to_json(orient="records", date_format="iso"))
    for r in rows:
        for k in ("dataset_record_id", "created_time", "last_update_time"):
            r.pop(k, None)
    return {"columns": list(df.columns), "rows": sorted(rows, key=lambda r: json.dumps(r, sort_keys=True))}


def step(name, fn):
    try:
        steps.append({"step": name, "result": norm(fn())})
    except Exception as e:  # the exception is the step's answer
        steps.append(norm({"step": name, "error": type(e).__name__, "message": str(e)[:500],
                           "where": traceback.format_exc().splitlines()[-1][:300]}))


state = {}


def set_experiment():
    state["exp"] = mlflow.set_experiment("genai-datasets-sdk").experiment_id
    state["exp2"] = mlflow.create_experiment("genai-datasets-sdk-2")
    return "ok"


def create():
    state["ds"] = datasets.create_dataset(name="qa", experiment_id=[state["exp"]],
                                          tags={"team": "eval", "stage": "dev"})
    return dataset_view(state["ds"])


def merge_df():
    df = pd.DataFrame([
        {"inputs": {"question": "What is MLflow?"}, "expectations": {"expected_response": "A platform"},
         "tags": {"kind": "def"}},
        {"inputs": {"question": "What is 2+2?", "ctx": {"n": 2}}, "expectations": {"answer": 4},
         "tags": {"kind": "math"}},
        {"inputs": {"question": "caf\u00e9?"}, "expectations": {"score": 0.5}, "tags": {}},
    ])
    state["ds"].merge_records(df)
    return df_view(state["ds"].to_df())


def merge_traces():
    with mlflow.start_span(name="answer") as span:
        span.set_inputs({"question": "Traced question?"})
        span.set_outputs({"answer": "traced answer"})
    traces = mlflow.search_traces(locations=[state["exp"]], return_type="list")
    state["ds"].merge_records(traces)
    return df_view(state["ds"].to_df())


def merge_again():
    state["ds"].merge_records([
        {"inputs": {"question": "What is MLflow?"}, "expectations": {"expected_response": "An ML platform",
                                                                     "extra": True}},
        {"inputs": {"question": "New one"}},
    ])
    return df_view(state["ds"].to_df())


def get():
    return dataset_view(datasets.get_dataset(dataset_id=state["ds"].dataset_id))


def search():
    found = datasets.search_datasets(experiment_ids=[state["exp"]], filter_string="name = 'qa'")
    return [dataset_view(d) for d in found]


def tags():
    datasets.set_dataset_tags(dataset_id=state["ds"].dataset_id, tags={"stage": "prod", "owner": "me"})
    datasets.delete_dataset_tag(dataset_id=state["ds"].dataset_id, key="team")
    return dataset_view(datasets.get_dataset(dataset_id=state["ds"].dataset_id))


def delete_records():
    ds = datasets.get_dataset(dataset_id=state["ds"].dataset_id)
    df = ds.to_df()
    first = sorted(df.to_dict("records"), key=lambda r: json.dumps(r["inputs"], sort_keys=True))[0]
    n = ds.delete_records([first["dataset_record_id"]])
    ds = datasets.get_dataset(dataset_id=state["ds"].dataset_id)
    return {"deleted": n, "profile": ds.profile, "df": df_view(ds.to_df())}


def associations():
    ds = datasets.add_dataset_to_experiments(state["ds"].dataset_id, [state["exp2"]])
    a = sorted(ds.experiment_ids)
    ds = datasets.remove_dataset_from_experiments(state["ds"].dataset_id, [state["exp"]])
    return {"after_add": a, "after_remove": sorted(ds.experiment_ids)}


def delete():
    datasets.delete_dataset(dataset_id=state["ds"].dataset_id)
    return "deleted"


def get_deleted():
    return dataset_view(datasets.get_dataset(dataset_id=state["ds"].dataset_id))


for name, fn in [("set_experiment", set_experiment), ("create_dataset", create),
                 ("merge_records DataFrame", merge_df), ("merge_records traces", merge_traces),
                 ("merge_records again", merge_again), ("get_dataset", get), ("search_datasets", search),
                 ("set and delete tags", tags), ("delete_records", delete_records),
                 ("experiment associations", associations), ("delete_dataset", delete),
                 ("get_dataset deleted", get_deleted)]:
    step(name, fn)

with open(out_path, "w") as f:
    json.dump(steps, f, indent=1, sort_keys=True)
