"""Seeds a tracking server with the data the browser scenarios walk, through MLflow's own Python client.

Run with the reference interpreter ($MLFLOW_C_REF_PYTHON): seed.py URL OUT.json
Writes OUT.json with the ids the scenarios open (experiment ids, run ids, model name...).
The same data goes to either server (real MLflow or mlflow-c), so a scenario that differs is the server's.
"""
import json
import os
import struct
import sys
import tempfile
import time
import zlib
from concurrent.futures import ThreadPoolExecutor

import mlflow
from mlflow.entities import Metric, Param, RunTag
from mlflow.tracking import MlflowClient

BIG_RUNS = 1000
LONG_METRIC_POINTS = 10000


def png_bytes(w=64, h=48):
    """A small gradient PNG made by hand (no PIL in the reference environment)."""
    rows = b"".join(b"\x00" + bytes(v for x in range(w) for v in (x * 4 % 256, y * 5 % 256, 160))
                    for y in range(h))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


class Echo(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return model_input


def seed_genai(client, info):
    """A GenAI experiment: traces made by the SDK (nested @mlflow.trace spans), a feedback on one of them,
    a registered scorer; an empty one for the datasets/scorers empty states."""
    exp = client.create_experiment("ui-genai", tags={"mlflow.experimentKind": "genai_development"})
    info["genai"] = exp
    info["genai_empty"] = client.create_experiment("ui-genai-empty",
                                                   tags={"mlflow.experimentKind": "genai_development"})
    mlflow.set_experiment(experiment_id=exp)

    @mlflow.trace(span_type="RETRIEVER")
    def ui_retrieve(question):
        return [f"doc about {question}"]

    @mlflow.trace(span_type="LLM")
    def ui_generate(question, docs):
        return f"answer to {question} from {len(docs)} doc"

    @mlflow.trace(name="ui_answer_question", span_type="CHAIN")
    def answer(question):
        return ui_generate(question, ui_retrieve(question))

    @mlflow.trace(name="ui_other_request")
    def other(x):
        return x * 2

    answer("what is mlflow-c")
    info["trace_id"] = mlflow.get_last_active_trace_id()
    other(21)
    info["other_trace_id"] = mlflow.get_last_active_trace_id()
    mlflow.flush_trace_async_logging() if hasattr(mlflow, "flush_trace_async_logging") else None
    mlflow.log_feedback(trace_id=info["trace_id"], name="ui_helpfulness", value=True,
                        rationale="seeded feedback rationale")
    mlflow.set_experiment(experiment_id=info["ui-alpha"])


def main():
    url, out = sys.argv[1], sys.argv[2]
    mlflow.set_tracking_uri(url)
    client = MlflowClient(url)
    t0 = time.time()
    info = {}

    # experiments for the list scenario: one to rename, one to delete and restore
    for name in ("ui-alpha", "ui-to-rename", "ui-to-delete"):
        info[name] = client.create_experiment(name, tags={"team": "browser"})
    seed_genai(client, info)
    # MLFLOW_C_BROWSER_SEED=genai: only the experiments above (the GenAI scenarios need no more)
    if os.environ.get("MLFLOW_C_BROWSER_SEED") == "genai":
        with open(out, "w") as f:
            json.dump(info, f, indent=1)
        return

    # the big experiment: 1,000 runs, each with 3 metrics, 4 params and 2 tags, sent as batches
    big = client.create_experiment("ui-big", tags={"mlflow.experimentKind": "custom_model_development"})
    info["big"] = big

    def make_run(i):
        r = client.create_run(big, run_name=f"run-{i:04d}", start_time=1_700_000_000_000 + i * 1000,
                              tags={"batch": str(i // 100)})
        rid = r.info.run_id
        ts = 1_700_000_000_000 + i * 1000
        client.log_batch(rid, metrics=[Metric("loss", 1.0 / (i + 1), ts, 0), Metric("accuracy", (i % 97) / 97.0, ts, 0),
                                       Metric("epoch_time", 10.0 + i % 13, ts, 0)],
                         params=[Param("lr", str(0.001 * (1 + i % 10))), Param("depth", str(2 + i % 7)),
                                 Param("optimizer", "adam" if i % 2 else "sgd"), Param("seed", str(i))],
                         tags=[RunTag("parity", "even" if i % 2 == 0 else "odd"), RunTag("group", f"g{i % 5}")])
        client.set_terminated(rid, end_time=ts + 500)
        return rid

    with ThreadPoolExecutor(4) as ex:
        big_runs = list(ex.map(make_run, range(BIG_RUNS)))
    info["big_runs"] = big_runs
    info["compare_runs"] = big_runs[:5]
    print(f"seed: {BIG_RUNS} runs in {time.time() - t0:.1f}s", file=sys.stderr)

    # the artifact run (in ui-alpha): text, image, a pyfunc model (a logged model with an MLmodel)
    mlflow.set_experiment(experiment_id=info["ui-alpha"])
    with mlflow.start_run(run_name="artifact-run", description="seeded description") as run:
        mlflow.log_params({"alpha": "0.5", "kind": "artifacts"})
        mlflow.log_metric("score", 0.75)
        mlflow.set_tag("purpose", "artifacts")
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "notes.txt"), "w") as f:
                f.write("hello from the browser seed\nsecond line\n")
            with open(os.path.join(d, "chart.png"), "wb") as f:
                f.write(png_bytes())
            mlflow.log_artifact(os.path.join(d, "notes.txt"))
            mlflow.log_artifact(os.path.join(d, "chart.png"), artifact_path="images")
        model_info = mlflow.pyfunc.log_model(name="model", python_model=Echo(), pip_requirements=["mlflow"])
        info["artifact_run"] = run.info.run_id
        info["logged_model_id"] = model_info.model_id
        info["model_uri"] = model_info.model_uri

    # a metric of 10,000 points, in batches of 1,000 (log_batch's limit)
    with mlflow.start_run(run_name="long-metric") as run:
        rid = run.info.run_id
        for start in range(0, LONG_METRIC_POINTS, 1000):
            client.log_batch(rid, metrics=[Metric("curve", (s % 500) / 500.0 + s / LONG_METRIC_POINTS,
                                                  1_700_000_000_000 + s, s) for s in range(start, start + 1000)])
        info["long_metric_run"] = rid

    # the registry: a model with 2 versions, an alias, tags, a stage
    name = "ui-model"
    client.create_registered_model(name, tags={"owner": "browser"}, description="seeded model")
    v1 = client.create_model_version(name, f"runs:/{info['artifact_run']}/model", run_id=info["artifact_run"],
                                     tags={"quality": "ok"})
    v2 = client.create_model_version(name, f"runs:/{info['artifact_run']}/model", run_id=info["artifact_run"])
    client.set_registered_model_alias(name, "champion", v1.version)
    client.transition_model_version_stage(name, v1.version, "Staging")
    client.create_registered_model("ui-model-other")
    info["model"] = name
    info["model_versions"] = [v1.version, v2.version]

    with open(out, "w") as f:
        json.dump(info, f, indent=1)
    print(f"seed: done in {time.time() - t0:.1f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
