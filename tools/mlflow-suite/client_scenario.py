#!/usr/bin/env python3
"""The real MLflow Python client, 2.x or 3.x, against a running tracking server.

usage (with an interpreter that imports mlflow, e.g. $MLFLOW_C_REF_PYTHON or $MLFLOW_C_REF2_PYTHON):
    client_scenario.py TRACKING_URI

Drives the public `mlflow` / `MlflowClient` API the way a user does: experiments (create, get,
search, rename, tags, delete, restore), runs (start/end, params, tags, metrics, log_batch, metric
history, search with paging, nested runs, dataset inputs, delete, restore), the model registry
(models, versions, tags, aliases, stages, search, download URIs, delete), artifacts (log_artifact(s),
log_dict, log_text, a 20 MiB file, listing, downloads) and models (a pyfunc PythonModel and an
sklearn model logged, registered and loaded back from runs:/, models:/ and mlflow-artifacts:/ URIs).
The same script runs on MLflow 2.22 and 3.18; it branches on the client's major version only where
the public API differs (log_model's `name` against 2.x's `artifact_path`, 3.x's LoggedModel URIs).

Prints one line per check (`ok` or `FAIL`) and a last line `N passed, N failed`; exits 1 when a
check failed. Names are fixed: run it against a fresh server."""
import json
import os
import sys
import tempfile
import time
import traceback

results = []


def check(name):
    """Decorator: runs the function now as one check, recording and printing its outcome. A check
    whose prerequisite failed fails too (its AttributeError/KeyError says on what)."""
    def run(fn):
        try:
            fn()
            results.append((name, None))
            print(f"ok    {name}", flush=True)
        except Exception as e:  # noqa: BLE001
            results.append((name, e))
            print(f"FAIL  {name}: {type(e).__name__}: {e}", flush=True)
            traceback.print_exc(limit=4)
        return fn
    return run


def eq(got, want, what=""):
    if got != want:
        raise AssertionError(f"{what}: got {got!r}, want {want!r}")


class S:
    """State handed from one check to the next."""


def main(uri):
    import numpy as np
    import pandas as pd

    import mlflow
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param, RunTag, ViewType
    from mlflow.exceptions import MlflowException

    major = int(mlflow.__version__.split(".")[0])
    print(f"mlflow {mlflow.__version__} client against {uri}", flush=True)
    mlflow.set_tracking_uri(uri)
    client = MlflowClient(uri)
    tmp = tempfile.mkdtemp()

    def model_name_kw(path):
        # 3.x names the logged model (its artifacts live with the LoggedModel); 2.x gives a run path
        return {"name": path} if major >= 3 else {"artifact_path": path}

    def raises(fn, code):
        try:
            fn()
        except MlflowException as e:
            eq(e.error_code, code, "error_code")
            return e
        raise AssertionError(f"no MlflowException {code}")

    # ---------------------------------------------------------------- experiments
    @check("experiments: create (tags) / get / get_by_name")
    def _():
        S.exp_id = client.create_experiment("cs-exp", tags={"team": "c", "ünï": "çødé"})
        e = client.get_experiment(S.exp_id)
        eq(e.name, "cs-exp", "name")
        eq(e.lifecycle_stage, "active", "lifecycle_stage")
        eq(e.tags.get("team"), "c", "tag")
        eq(e.tags.get("ünï"), "çødé", "unicode tag")
        assert e.artifact_location, e.artifact_location
        eq(client.get_experiment_by_name("cs-exp").experiment_id, S.exp_id, "by name")
        eq(client.get_experiment_by_name("cs-no-such-exp"), None, "missing by name")
        raises(lambda: client.create_experiment("cs-exp"), "RESOURCE_ALREADY_EXISTS")

    @check("experiments: search (filter, order_by, paging)")
    def _():
        for i in range(3):
            client.create_experiment(f"cs-page-{i}", tags={"page": str(i)})
        got = client.search_experiments(filter_string="name LIKE 'cs-page-%'", order_by=["name DESC"])
        eq([e.name for e in got], ["cs-page-2", "cs-page-1", "cs-page-0"], "filtered")
        got = client.search_experiments(filter_string="tags.page = '1'")
        eq([e.name for e in got], ["cs-page-1"], "by tag")
        p1 = client.search_experiments(max_results=2, filter_string="name LIKE 'cs-page-%'", order_by=["name"])
        assert p1.token, "no page token"
        p2 = client.search_experiments(max_results=2, filter_string="name LIKE 'cs-page-%'", order_by=["name"],
                                       page_token=p1.token)
        eq([e.name for e in p1] + [e.name for e in p2], ["cs-page-0", "cs-page-1", "cs-page-2"], "pages")
        eq(p2.token, None, "last token")
        names = {e.name for e in mlflow.search_experiments()}
        assert {"Default", "cs-exp", "cs-page-0"} <= names, names

    @check("experiments: rename / set and delete tag")
    def _():
        client.rename_experiment(S.exp_id, "cs-exp-renamed")
        client.set_experiment_tag(S.exp_id, "stage", "dev")
        e = client.get_experiment(S.exp_id)
        eq(e.name, "cs-exp-renamed", "renamed")
        eq(e.tags.get("stage"), "dev", "tag")
        if hasattr(client, "delete_experiment_tag"):
            client.delete_experiment_tag(S.exp_id, "stage")
            assert "stage" not in client.get_experiment(S.exp_id).tags
        client.rename_experiment(S.exp_id, "cs-exp")

    @check("experiments: delete / search deleted / restore")
    def _():
        eid = client.create_experiment("cs-doomed")
        client.delete_experiment(eid)
        eq(client.get_experiment(eid).lifecycle_stage, "deleted", "lifecycle_stage")
        deleted = {e.name for e in client.search_experiments(view_type=ViewType.DELETED_ONLY)}
        assert "cs-doomed" in deleted, deleted
        active = {e.name for e in client.search_experiments()}
        assert "cs-doomed" not in active, active
        client.restore_experiment(eid)
        eq(client.get_experiment(eid).lifecycle_stage, "active", "restored")

    @check("experiments: mlflow.set_experiment")
    def _():
        e = mlflow.set_experiment("cs-exp")
        eq(e.experiment_id, S.exp_id, "id")
        e = mlflow.set_experiment("cs-fluent")
        eq(client.get_experiment_by_name("cs-fluent").experiment_id, e.experiment_id, "created")
        mlflow.set_experiment(experiment_id=S.exp_id)

    # ---------------------------------------------------------------- runs
    @check("runs: start_run / params / tags / metrics / end_run")
    def _():
        with mlflow.start_run(run_name="cs-run", tags={"kind": "fluent"}, description="a run") as run:
            S.run_id = run.info.run_id
            mlflow.log_param("lr", "0.1")
            mlflow.log_params({"layers": 3, "act": "relu"})
            mlflow.set_tag("owner", "clients")
            mlflow.set_tags({"a": "1", "ünï": "çødé"})
            mlflow.log_metric("loss", 0.9, step=0)
            mlflow.log_metric("loss", 0.4, step=1)
            mlflow.log_metrics({"acc": 0.75, "f1": 0.5}, step=1)
            eq(mlflow.active_run().info.run_id, S.run_id, "active run")
        r = client.get_run(S.run_id)
        eq(r.info.status, "FINISHED", "status")
        eq(r.info.run_name, "cs-run", "run_name")
        eq(r.info.experiment_id, S.exp_id, "experiment")
        assert r.info.end_time and r.info.end_time >= r.info.start_time, r.info
        eq(r.data.params, {"lr": "0.1", "layers": "3", "act": "relu"}, "params")
        eq(r.data.metrics, {"loss": 0.4, "acc": 0.75, "f1": 0.5}, "metrics")
        for k, v in {"kind": "fluent", "owner": "clients", "a": "1", "ünï": "çødé",
                     "mlflow.runName": "cs-run", "mlflow.note.content": "a run"}.items():
            eq(r.data.tags.get(k), v, f"tag {k}")
        raises(lambda: client.log_param(S.run_id, "lr", "0.2"), "INVALID_PARAMETER_VALUE")

    @check("runs: create_run / log_batch / set_terminated / update_run")
    def _():
        r = client.create_run(S.exp_id, run_name="cs-batch", tags={"kind": "client"})
        S.batch_id = rid = r.info.run_id
        eq(r.info.status, "RUNNING", "status")
        now = int(time.time() * 1000)
        client.log_batch(rid, metrics=[Metric("loss", 0.3, now, 0), Metric("loss", 0.2, now + 1, 1),
                                       Metric("acc", 0.8, now, 0)],
                         params=[Param("lr", "0.01"), Param("opt", "adam")],
                         tags=[RunTag("phase", "train"), RunTag("multi", "line\nvalue")])
        client.set_terminated(rid, status="FAILED")
        client.update_run(rid, name="cs-batch-renamed")
        r = client.get_run(rid)
        eq(r.info.status, "FAILED", "status")
        eq(r.info.run_name, "cs-batch-renamed", "renamed")
        eq(r.data.metrics, {"loss": 0.2, "acc": 0.8}, "metrics")
        eq(r.data.params, {"lr": "0.01", "opt": "adam"}, "params")
        eq(r.data.tags.get("multi"), "line\nvalue", "tag")

    @check("runs: get_metric_history (2,500 points, log_batch of 1,000)")
    def _():
        n = 2500
        now = int(time.time() * 1000)
        ms = [Metric("curve", i / 7.0, now + i, i) for i in range(n)]
        for i in range(0, n, 1000):
            client.log_batch(S.batch_id, metrics=ms[i:i + 1000])
        h = client.get_metric_history(S.batch_id, "curve")
        eq(len(h), n, "points")
        eq(sorted((m.step, m.value, m.timestamp) for m in h), [(m.step, m.value, m.timestamp) for m in ms],
           "history")
        h = client.get_metric_history(S.run_id, "loss")
        eq(sorted((m.step, m.value) for m in h), [(0, 0.9), (1, 0.4)], "fluent history")
        eq(client.get_metric_history(S.run_id, "no-such-metric"), [], "missing")

    @check("runs: nested run")
    def _():
        with mlflow.start_run(run_name="cs-parent") as parent:
            with mlflow.start_run(run_name="cs-child", nested=True) as child:
                mlflow.log_metric("m", 1.0)
        S.parent_id = parent.info.run_id
        c = client.get_run(child.info.run_id)
        eq(c.data.tags.get("mlflow.parentRunId"), parent.info.run_id, "parent tag")
        kids = client.search_runs([S.exp_id], f"tags.mlflow.parentRunId = '{parent.info.run_id}'")
        eq([r.info.run_id for r in kids], [child.info.run_id], "children")

    @check("runs: log_input (dataset)")
    def _():
        df = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [0, 1, 0]})
        ds = mlflow.data.from_pandas(df, name="cs-data", targets="y")
        with mlflow.start_run(run_id=S.run_id):
            mlflow.log_input(ds, context="training")
        inputs = client.get_run(S.run_id).inputs.dataset_inputs
        eq([(i.dataset.name, i.dataset.digest) for i in inputs], [("cs-data", ds.digest)], "dataset")
        eq({t.key: t.value for t in inputs[0].tags}.get("mlflow.data.context"), "training", "context")

    @check("runs: search_runs (filter, order_by, paging) / mlflow.search_runs")
    def _():
        got = client.search_runs([S.exp_id], "metrics.loss < 0.5 and params.lr = '0.1'")
        eq([r.info.run_id for r in got], [S.run_id], "filter")
        got = client.search_runs([S.exp_id], "metrics.loss > 0", order_by=["metrics.loss ASC"])
        eq([r.info.run_id for r in got], [S.batch_id, S.run_id], "order_by")
        got = client.search_runs([S.exp_id], "attributes.status = 'FAILED'")
        eq([r.info.run_id for r in got], [S.batch_id], "status")
        got = client.search_runs([S.exp_id], "tags.`ünï` = 'çødé'")
        eq([r.info.run_id for r in got], [S.run_id], "unicode tag")
        everything = client.search_runs([S.exp_id], order_by=["attributes.start_time DESC"])
        assert len(everything) >= 4, len(everything)
        page, ids = client.search_runs([S.exp_id], max_results=2, order_by=["attributes.start_time DESC"]), []
        while True:
            ids += [r.info.run_id for r in page]
            if not page.token:
                break
            page = client.search_runs([S.exp_id], max_results=2, order_by=["attributes.start_time DESC"],
                                      page_token=page.token)
        eq(ids, [r.info.run_id for r in everything], "pages")
        df = mlflow.search_runs([S.exp_id], filter_string="params.lr = '0.1'")
        eq(list(df["run_id"]), [S.run_id], "dataframe")
        eq(float(df["metrics.loss"][0]), 0.4, "dataframe metric")

    @check("runs: delete_tag / delete_run / restore_run")
    def _():
        client.delete_tag(S.run_id, "a")
        assert "a" not in client.get_run(S.run_id).data.tags
        client.delete_run(S.batch_id)
        eq(client.get_run(S.batch_id).info.lifecycle_stage, "deleted", "deleted")
        active = [r.info.run_id for r in client.search_runs([S.exp_id])]
        assert S.batch_id not in active, active
        gone = [r.info.run_id for r in client.search_runs([S.exp_id], run_view_type=ViewType.DELETED_ONLY)]
        eq(gone, [S.batch_id], "deleted only")
        client.restore_run(S.batch_id)
        eq(client.get_run(S.batch_id).info.lifecycle_stage, "active", "restored")
        raises(lambda: client.get_run("0" * 32), "RESOURCE_DOES_NOT_EXIST")

    # ---------------------------------------------------------------- artifacts
    src = os.path.join(tmp, "hello.txt")
    with open(src, "w") as f:
        f.write("hello from the client\n")
    big = os.path.join(tmp, "big.bin")
    with open(big, "wb") as f:
        f.write(os.urandom(20 << 20))
    tree = os.path.join(tmp, "tree")
    os.makedirs(os.path.join(tree, "sub"))
    for rel, body in {"a.txt": "A", "sub/b.txt": "B ünï"}.items():
        with open(os.path.join(tree, rel), "w", encoding="utf-8") as f:
            f.write(body)

    @check("artifacts: log_artifact / log_artifacts / log_dict / log_text / 20 MiB")
    def _():
        with mlflow.start_run(run_id=S.run_id):
            mlflow.log_artifact(src, artifact_path="texts")
            mlflow.log_artifacts(tree, artifact_path="tree")
            mlflow.log_dict({"a": 1, "b": [1, 2]}, "conf/config.json")
            mlflow.log_text("ünï text\n", "notes/readme.txt")
            mlflow.log_artifact(big)
        client.log_text(S.run_id, "from the client", "notes/client.txt")

    @check("artifacts: list_artifacts")
    def _():
        top = {f.path: f.is_dir for f in client.list_artifacts(S.run_id)}
        for p, d in {"texts": True, "tree": True, "conf": True, "notes": True, "big.bin": False}.items():
            eq(top.get(p), d, f"{p} is_dir")
        eq([f.path for f in client.list_artifacts(S.run_id, "texts")], ["texts/hello.txt"], "texts")
        f = client.list_artifacts(S.run_id, "conf")[0]
        eq((f.path, f.is_dir, f.file_size), ("conf/config.json", False, len(json.dumps({"a": 1, "b": [1, 2]},
                                                                                       indent=2))), "conf")
        eq(sorted((f.path, f.is_dir) for f in client.list_artifacts(S.run_id, "tree")),
           [("tree/a.txt", False), ("tree/sub", True)], "tree")
        eq([f.file_size for f in client.list_artifacts(S.run_id) if f.path == "big.bin"], [20 << 20], "size")
        eq(client.list_artifacts(S.run_id, "no/such/dir"), [], "missing dir")

    @check("artifacts: download_artifacts / load_dict / load_text")
    def _():
        d = mlflow.artifacts.download_artifacts(run_id=S.run_id, artifact_path="texts/hello.txt",
                                                dst_path=tmp + "/dl1")
        eq(open(d).read(), "hello from the client\n", "file")
        d = mlflow.artifacts.download_artifacts(f"runs:/{S.run_id}/conf", dst_path=tmp + "/dl2")
        eq(json.load(open(os.path.join(d, "config.json"))), {"a": 1, "b": [1, 2]}, "dir")
        d = mlflow.artifacts.download_artifacts(run_id=S.run_id, artifact_path="big.bin", dst_path=tmp + "/dl3")
        assert open(d, "rb").read() == open(big, "rb").read(), "20 MiB differ"
        os.makedirs(tmp + "/dl4")  # 2.x's MlflowClient.download_artifacts wants an existing directory
        d = client.download_artifacts(S.run_id, "tree", tmp + "/dl4")
        eq(open(os.path.join(d, "sub", "b.txt"), encoding="utf-8").read(), "B ünï", "tree")
        d = mlflow.artifacts.download_artifacts(run_id=S.run_id, dst_path=tmp + "/dl5")
        assert os.path.exists(os.path.join(d, "texts", "hello.txt")), os.listdir(d)
        eq(mlflow.artifacts.load_dict(f"runs:/{S.run_id}/conf/config.json"), {"a": 1, "b": [1, 2]}, "load_dict")
        eq(mlflow.artifacts.load_text(f"runs:/{S.run_id}/notes/readme.txt"), "ünï text\n", "load_text")

    # ---------------------------------------------------------------- models
    X = np.arange(20, dtype=float).reshape(-1, 2)
    y = X @ np.array([1.0, 2.0]) + 3

    class AddN(mlflow.pyfunc.PythonModel):
        def __init__(self, n):
            self.n = n

        def predict(self, context, model_input, params=None):
            return model_input.apply(lambda col: col + self.n)

    frame = pd.DataFrame({"v": [1.0, 2.0]})

    @check("models: pyfunc.log_model (PythonModel, registered) + load_model runs:/ and models:/")
    def _():
        with mlflow.start_run(run_id=S.run_id):
            info = mlflow.pyfunc.log_model(python_model=AddN(5), registered_model_name="cs-pyfunc",
                                           pip_requirements=["mlflow"], **model_name_kw("pyfunc_model"))
        S.pyfunc_info = info
        for u in (f"runs:/{S.run_id}/pyfunc_model", "models:/cs-pyfunc/1", info.model_uri):
            got = mlflow.pyfunc.load_model(u).predict(frame)
            eq(list(got["v"]), [6.0, 7.0], u)

    @check("models: sklearn.log_model (registered) + load_model runs:/, models:/")
    def _():
        from sklearn.linear_model import LinearRegression

        with mlflow.start_run(run_id=S.run_id):
            info = mlflow.sklearn.log_model(LinearRegression().fit(X, y), registered_model_name="cs-sklearn",
                                            **model_name_kw("model"))
        S.sk_info = info
        for u in (f"runs:/{S.run_id}/model", "models:/cs-sklearn/1", info.model_uri):
            assert np.allclose(mlflow.pyfunc.load_model(u).predict(X), y), u
        assert np.allclose(mlflow.sklearn.load_model("models:/cs-sklearn/1").predict(X), y)

    @check("models: sklearn.save_model + log_artifacts + create_model_version + load mlflow-artifacts:/")
    def _():
        # a model saved locally and logged as plain run artifacts, then registered from its
        # mlflow-artifacts location: no LoggedModel involved on either client
        from sklearn.linear_model import LinearRegression

        path = os.path.join(tmp, "saved-model")
        mlflow.sklearn.save_model(LinearRegression().fit(X, y), path)
        with mlflow.start_run(run_id=S.run_id):
            mlflow.log_artifacts(path, "saved_model")
        loc = client.get_run(S.run_id).info.artifact_uri + "/saved_model"
        assert loc.startswith("mlflow-artifacts:/"), loc
        client.create_registered_model("cs-saved")
        mv = client.create_model_version("cs-saved", loc, run_id=S.run_id)
        eq(mv.version, "1", "version")
        for u in ("models:/cs-saved/1", loc, f"runs:/{S.run_id}/saved_model"):
            assert np.allclose(mlflow.pyfunc.load_model(u).predict(X), y), u

    if major >= 3:
        @check("models (3.x): get_logged_model / search_logged_models")
        def _():
            m = client.get_logged_model(S.sk_info.model_id)
            eq((m.name, m.experiment_id, m.source_run_id), ("model", S.exp_id, S.run_id), "logged model")
            got = {m.model_id for m in mlflow.search_logged_models(experiment_ids=[S.exp_id], output_format="list")}
            eq(got, {S.sk_info.model_id, S.pyfunc_info.model_id}, "search")

    # ---------------------------------------------------------------- registry
    @check("registry: registered model create / get / update / rename / tags")
    def _():
        rm = client.create_registered_model("cs-reg", tags={"t": "1"}, description="first")
        eq(rm.name, "cs-reg", "name")
        raises(lambda: client.create_registered_model("cs-reg"), "RESOURCE_ALREADY_EXISTS")
        client.update_registered_model("cs-reg", description="second")
        client.set_registered_model_tag("cs-reg", "u", "ünï")
        client.delete_registered_model_tag("cs-reg", "t")
        client.rename_registered_model("cs-reg", "cs-registry")
        rm = client.get_registered_model("cs-registry")
        eq((rm.name, rm.description, rm.tags), ("cs-registry", "second", {"u": "ünï"}), "model")
        raises(lambda: client.get_registered_model("cs-reg"), "RESOURCE_DOES_NOT_EXIST")

    @check("registry: model versions create / get / update / tags")
    def _():
        src_uri = f"runs:/{S.run_id}/saved_model"
        v1 = client.create_model_version("cs-registry", src_uri, run_id=S.run_id, tags={"k": "v"},
                                         description="v one")
        v2 = client.create_model_version("cs-registry", src_uri, run_id=S.run_id)
        eq((v1.version, v2.version), ("1", "2"), "versions")
        eq(v1.status, "READY", "status")
        client.update_model_version("cs-registry", "1", description="v1 updated")
        client.set_model_version_tag("cs-registry", "1", "extra", "ünï")
        client.delete_model_version_tag("cs-registry", "1", "k")
        mv = client.get_model_version("cs-registry", "1")
        eq((mv.description, mv.tags, mv.run_id), ("v1 updated", {"extra": "ünï"}, S.run_id), "version 1")
        uri_ = client.get_model_version_download_uri("cs-registry", "1")
        assert uri_.endswith("saved_model"), uri_
        rm = client.get_registered_model("cs-registry")
        eq(sorted(v.version for v in rm.latest_versions), ["2"], "latest_versions")

    @check("registry: aliases")
    def _():
        client.set_registered_model_alias("cs-registry", "champion", "1")
        client.set_registered_model_alias("cs-registry", "challenger", "2")
        eq(client.get_model_version_by_alias("cs-registry", "champion").version, "1", "champion")
        eq(client.get_registered_model("cs-registry").aliases, {"champion": "1", "challenger": "2"}, "aliases")
        assert np.allclose(mlflow.pyfunc.load_model("models:/cs-registry@champion").predict(X), y)
        client.delete_registered_model_alias("cs-registry", "challenger")
        eq(client.get_registered_model("cs-registry").aliases, {"champion": "1"}, "after delete")
        raises(lambda: client.get_model_version_by_alias("cs-registry", "challenger"), "INVALID_PARAMETER_VALUE")

    @check("registry: stages (transition_model_version_stage, get_latest_versions)")
    def _():
        import warnings

        with warnings.catch_warnings():
            # deprecated since 2.9, still served (and still called by 2.x users)
            warnings.simplefilter("ignore")
            mv = client.transition_model_version_stage("cs-registry", "1", "Staging")
            eq(mv.current_stage, "Staging", "stage")
            client.transition_model_version_stage("cs-registry", "2", "Production", archive_existing_versions=True)
            eq([v.version for v in client.get_latest_versions("cs-registry", stages=["Staging"])], ["1"], "staging")
            eq([v.version for v in client.get_latest_versions("cs-registry", stages=["Production"])], ["2"],
               "production")
            client.transition_model_version_stage("cs-registry", "1", "Production", archive_existing_versions=True)
            eq(client.get_model_version("cs-registry", "2").current_stage, "Archived", "archived")
        assert np.allclose(mlflow.pyfunc.load_model("models:/cs-registry/Production").predict(X), y)

    @check("registry: search_registered_models / search_model_versions")
    def _():
        names = [m.name for m in client.search_registered_models(filter_string="name LIKE 'cs-%'",
                                                                   order_by=["name ASC"])]
        eq(names, ["cs-pyfunc", "cs-registry", "cs-saved", "cs-sklearn"], "models")
        p1 = client.search_registered_models(filter_string="name LIKE 'cs-%'", max_results=3, order_by=["name"])
        p2 = client.search_registered_models(filter_string="name LIKE 'cs-%'", max_results=3, order_by=["name"],
                                             page_token=p1.token)
        eq([m.name for m in p1] + [m.name for m in p2], names, "pages")
        got = client.search_registered_models(filter_string="tags.u = 'ünï'")
        eq([m.name for m in got], ["cs-registry"], "by tag")
        vs = client.search_model_versions("name = 'cs-registry'")
        eq(sorted(v.version for v in vs), ["1", "2"], "versions")
        vs = client.search_model_versions(f"run_id = '{S.run_id}' and name = 'cs-saved'")
        eq([(v.name, v.version) for v in vs], [("cs-saved", "1")], "by run")

    @check("registry: delete model version / registered model")
    def _():
        client.delete_model_version("cs-registry", "2")
        eq([v.version for v in client.search_model_versions("name = 'cs-registry'")], ["1"], "left")
        raises(lambda: client.get_model_version("cs-registry", "2"), "RESOURCE_DOES_NOT_EXIST")
        client.delete_registered_model("cs-registry")
        raises(lambda: client.get_registered_model("cs-registry"), "RESOURCE_DOES_NOT_EXIST")
        eq(client.search_model_versions("name = 'cs-registry'"), [], "versions gone")

    failed = [n for n, e in results if e is not None]
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
