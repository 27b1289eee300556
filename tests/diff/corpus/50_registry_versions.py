"""Model registry, model versions: create (run_id / model_id / source checks), get, update,
transition-stage, delete, get-download-uri, search (grammar, order_by, paging), tags, and the
/model-versions/get-artifact route. Every model here is named dreg-v*."""

MV = "model-versions/"
RM = "registered-models/"
ART = "/api/2.0/mlflow-artifacts/artifacts/"


def run(t):
    # ---- fixtures: an experiment, two runs, a logged model, one artifact file ----
    exp = t.post("experiments/create", {"name": "dreg-versions"}, name="fx-exp").get("experiment_id")
    r1 = t.post("runs/create", {"experiment_id": exp, "run_name": "dreg-v-run1", "start_time": 1600000000000},
                name="fx-run1")
    r2 = t.post("runs/create", {"experiment_id": exp, "run_name": "dreg-v-run2", "start_time": 1600000000001},
                name="fx-run2")
    run1, art1 = r1.get("run", "info", "run_id"), r1.get("run", "info", "artifact_uri")
    run2, art2 = r2.get("run", "info", "run_id"), r2.get("run", "info", "artifact_uri")
    lm = t.post("logged-models", {"experiment_id": exp, "name": "dreg-lm", "source_run_id": run1}, name="fx-lm")
    model_id = lm.get("model", "info", "model_id")
    lm_art = lm.get("model", "info", "artifact_location")
    # the run's artifact file behind a version, for get-artifact
    rel1 = art1[len("mlflow-artifacts:/"):] if art1.startswith("mlflow-artifacts:/") else art1
    t.put(ART + rel1 + "/model/MLmodel", raw=b"flavors: {}\n", content_type="application/octet-stream",
          name="fx-upload")
    for n in ("dreg-v", "dreg-v2", "dreg-vs", "dreg-vt"):
        t.post(RM + "create", {"name": n}, name="fx-rm-" + n)

    # ---- create ----
    C = MV + "create"
    t.post(C, {"name": "dreg-v", "source": f"runs:/{run1}/model", "run_id": run1}, name="create-runs-uri")
    t.post(C, {"name": "dreg-v", "source": art1 + "/model", "run_id": run1, "description": "from artifacts",
               "run_link": "http://example.com/run", "tags": [{"key": "t1", "value": "a"}]},
           name="create-artifact-uri")
    t.post(C, {"name": "dreg-v", "source": art1 + "/model", "run_id": run1,
               "tags": [{"key": "dup", "value": "1"}, {"key": "dup", "value": "2"}]}, name="create-dup-tag-keys")
    t.post(C, {"name": "dreg-v", "source": art1 + "/model"}, name="create-artifact-no-run")
    t.post(C, {"name": "dreg-v", "source": art1 + "/model", "run_id": run2}, name="create-artifact-other-run")
    t.post(C, {"name": "dreg-v", "source": art1 + "/model", "run_id": "0" * 32}, name="create-artifact-unknown-run")
    t.post(C, {"name": "dreg-v", "source": f"runs:/{run1}/model"}, name="create-runs-no-run-id")
    t.post(C, {"name": "dreg-v", "source": f"runs:/{run1}/model", "run_id": run2}, name="create-runs-other-run")
    t.post(C, {"name": "dreg-v", "source": f"runs://host/{run1}/model", "run_id": run1}, name="create-runs-netloc")
    t.post(C, {"name": "dreg-v", "source": "/tmp/dreg/model"}, name="create-local-no-run")
    t.post(C, {"name": "dreg-v", "source": "/tmp/dreg/model", "run_id": run1}, name="create-local-with-run")
    t.post(C, {"name": "dreg-v", "source": "file:///tmp/dreg/model", "run_id": run1}, name="create-file-uri")
    t.post(C, {"name": "dreg-v", "source": "file:///tmp/dreg/model", "run_id": "f" * 32},
           name="create-file-uri-unknown-run")
    t.post(C, {"name": "dreg-v", "source": "/tmp/dreg/model", "model_id": "m-" + "f" * 32},
           name="create-local-unknown-model")
    t.post(C, {"name": "dreg-v", "source": "relative/model"}, name="create-relative")
    t.post(C, {"name": "dreg-v", "source": "s3://bucket/dreg/model"}, name="create-s3")
    t.post(C, {"name": "dreg-v", "source": "s3://bucket/dreg/../../model"}, name="create-s3-dotdot")
    t.post(C, {"name": "dreg-v", "source": "s3://bucket/dreg/%2E%2E/model"}, name="create-s3-quoted-dotdot")
    t.post(C, {"name": "dreg-v", "source": "gs://bucket/a//b/"}, name="create-gs-slashes")
    t.post(C, {"name": "dreg-v", "source": "http://example.com/model"}, name="create-http-host")
    t.post(C, {"name": "dreg-v", "source": "ftp://example.com/model"}, name="create-ftp-host")
    t.post(C, {"name": "dreg-v", "source": "mlflow-artifacts://example.com/x/model", "run_id": run1},
           name="create-mlflow-artifacts-host")
    t.post(C, {"name": "dreg-v", "source": "mlflow-artifacts:/elsewhere/model", "run_id": run1},
           name="create-mlflow-artifacts-outside")
    t.post(C, {"name": "dreg-v", "source": art1 + "/../../other", "run_id": run1}, name="create-artifact-dotdot")
    t.post(C, {"name": "dreg-v", "source": "models:/dreg-v/1"}, name="create-from-version")
    t.post(C, {"name": "dreg-v2", "source": "models:/dreg-v/2", "run_id": run1}, name="create-from-version-run")
    t.post(C, {"name": "dreg-v2", "source": "models:/dreg-v/2", "run_id": run2}, name="create-from-version-bad-run")
    t.post(C, {"name": "dreg-v2", "source": "models:/dreg-v/99"}, name="create-from-missing-version")
    t.post(C, {"name": "dreg-v2", "source": "models:/dreg-nope/1"}, name="create-from-missing-model")
    t.post(C, {"name": "dreg-v2", "source": "models:/dreg-v/latest"}, name="create-from-latest")
    t.post(C, {"name": "dreg-v2", "source": "models://host/dreg-v/1"}, name="create-from-models-netloc")
    t.post(C, {"name": "dreg-v2", "source": "models:/"}, name="create-from-models-empty")
    t.post(C, {"name": "dreg-v2", "source": f"models:/{model_id}", "model_id": model_id}, name="create-models-id")
    t.post(C, {"name": "dreg-v2", "source": f"models:/{model_id}"}, name="create-models-id-no-model-id")
    t.post(C, {"name": "dreg-v2", "source": lm_art, "model_id": model_id}, name="create-model-artifacts")
    t.post(C, {"name": "dreg-v2", "source": lm_art + "/sub", "model_id": model_id, "run_id": run2},
           name="create-model-artifacts-run")
    t.post(C, {"name": "dreg-v2", "source": art1 + "/model", "model_id": model_id}, name="create-model-wrong-root")
    t.post(C, {"name": "dreg-v2", "source": lm_art, "model_id": "m-" + "0" * 32}, name="create-model-unknown")
    t.post(C, {"name": "dreg-v2", "source": f"runs:/{run1}/model", "model_id": model_id}, name="create-model-runs")
    t.post(C, {"name": "dreg-v2", "source": "dummy-source", "tags": [{"key": "mlflow.prompt.is_prompt",
                                                                   "value": "true"}]}, name="create-prompt-bad-src")
    t.post(C, {"name": "dreg-missing", "source": f"runs:/{run1}/model", "run_id": run1}, name="create-model-missing")
    t.post(C, {"source": f"runs:/{run1}/model", "run_id": run1}, name="create-no-name")
    t.post(C, {"name": "dreg-v"}, name="create-no-source")
    t.post(C, {"name": "dreg-v", "source": ""}, name="create-empty-source")
    t.post(C, {"name": "dreg-v", "source": 12}, name="create-int-source")
    t.post(C, {"name": "dreg-v", "source": f"runs:/{run1}/m", "run_id": 5}, name="create-int-run-id")
    t.post(C, {"name": "dreg-v", "source": f"runs:/{run1}/m", "run_id": run1, "tags": {"a": "b"}},
           name="create-tags-dict")
    t.post(C, {"name": "dreg-v", "source": f"runs:/{run1}/m", "run_id": run1, "tags": [{"key": "a/../b"}]},
           name="create-tag-bad-key")
    t.post(C, {"name": "dreg-v", "source": f"runs:/{run1}/m", "run_id": run1,
               "tags": [{"key": "k", "value": "v" * 100001}]}, name="create-tag-value-long")
    t.post(C, {"name": "dreg-v", "source": f"runs:/{run1}/m", "run_id": run1,
               "tags": [{"key": "k" * 251, "value": "v"}]}, name="create-tag-key-long")
    t.post(C, {"name": "dreg-v", "source": f"runs:/{run1}/m", "run_id": run1, "description": 3},
           name="create-desc-int")
    t.post(C, {"name": "dreg-v", "source": f"runs:/{run1}/m", "run_id": run1, "description": "ëñ ✓ 模型",
               "tags": [{"key": "ключ", "value": "😀"}]}, name="create-unicode")
    t.post(C, {"name": "dreg/v", "source": f"runs:/{run1}/m", "run_id": run1}, name="create-bad-name")
    t.get(C, {"name": "dreg-v", "source": f"runs:/{run1}/m"}, name="create-get")
    t.post(C, raw=b"name=dreg-v", content_type="application/x-www-form-urlencoded", name="create-form")

    # ---- get ----
    G = MV + "get"
    t.get(G, {"name": "dreg-v", "version": "1"}, name="get")
    t.get(G, {"name": "dreg-v", "version": "2"}, name="get-2")
    t.get(G, {"name": "dreg-v", "version": "3"}, name="get-dup-tags")
    t.get(G, {"name": "dreg-v2", "version": "1"}, name="get-from-version")
    t.get(G, {"name": "dreg-v", "version": "99"}, name="get-missing-version")
    t.get(G, {"name": "dreg-missing", "version": "1"}, name="get-missing-model")
    t.get(G, {"name": "dreg-v", "version": "abc"}, name="get-version-text")
    t.get(G, {"name": "dreg-v", "version": "1.0"}, name="get-version-float")
    t.get(G, {"name": "dreg-v", "version": " 1 "}, name="get-version-spaces")
    t.get(G, {"name": "dreg-v", "version": "-1"}, name="get-version-negative")
    t.get(G, {"name": "dreg-v", "version": "٣"}, name="get-version-arabic-digit")
    t.get(G, {"name": "dreg-v"}, name="get-no-version")
    t.get(G, {"version": "1"}, name="get-no-name")
    t.post(G, {"name": "dreg-v", "version": "1"}, name="get-post")

    # ---- update ----
    U = MV + "update"
    t.patch(U, {"name": "dreg-v", "version": "1", "description": "new text"}, name="update")
    t.patch(U, {"name": "dreg-v", "version": "1", "description": ""}, name="update-empty")
    t.patch(U, {"name": "dreg-v", "version": "2"}, name="update-no-description")
    t.patch(U, {"name": "dreg-v", "version": "1", "description": "ümlaut 🎉"}, name="update-unicode")
    t.patch(U, {"name": "dreg-v", "version": "99", "description": "x"}, name="update-missing")
    t.patch(U, {"name": "dreg-v", "version": "x", "description": "x"}, name="update-bad-version")
    t.patch(U, {"name": "dreg-v", "description": "x"}, name="update-no-version")
    t.patch(U, {"name": "dreg-v", "version": "1", "description": ["x"]}, name="update-desc-list")
    t.post(U, {"name": "dreg-v", "version": "1", "description": "x"}, name="update-post")

    # ---- transition-stage ----
    T = MV + "transition-stage"
    t.post(T, {"name": "dreg-v", "version": "1", "stage": "Staging"}, name="stage-staging")
    t.post(T, {"name": "dreg-v", "version": "2", "stage": "production"}, name="stage-prod-lower")
    t.post(T, {"name": "dreg-v", "version": "3", "stage": "Production", "archive_existing_versions": True},
           name="stage-prod-archive")
    t.get(G, {"name": "dreg-v", "version": "2"}, name="get-archived")
    t.post(T, {"name": "dreg-v", "version": "1", "stage": "Archived", "archive_existing_versions": True},
           name="stage-archive-archiving")
    t.post(T, {"name": "dreg-v", "version": "1", "stage": "None", "archive_existing_versions": False},
           name="stage-none")
    t.post(T, {"name": "dreg-v", "version": "1", "stage": "Deleted"}, name="stage-deleted")
    t.post(T, {"name": "dreg-v", "version": "1", "stage": "Bogus"}, name="stage-bogus")
    t.post(T, {"name": "dreg-v", "version": "1", "stage": ""}, name="stage-empty")
    t.post(T, {"name": "dreg-v", "version": "1"}, name="stage-missing")
    t.post(T, {"name": "dreg-v", "version": "1", "stage": "Staging", "archive_existing_versions": "yes"},
           name="stage-archive-string")
    t.post(T, {"name": "dreg-v", "version": "99", "stage": "Staging"}, name="stage-version-missing")
    t.post(T, {"name": "dreg-missing", "version": "1", "stage": "Staging"}, name="stage-model-missing")
    t.post(T, {"name": "dreg-v", "version": "one", "stage": "Staging"}, name="stage-version-text")
    t.get(T, {"name": "dreg-v", "version": "1", "stage": "Staging"}, name="stage-get")
    t.post(RM + "get-latest-versions", {"name": "dreg-v"}, name="latest-after-stages", unordered="model_versions")
    # registering from a stage, an alias, or a prompt's version
    t.post(C, {"name": "dreg-v2", "source": "models:/dreg-v/Production"}, name="create-from-stage")
    t.post(C, {"name": "dreg-v2", "source": "models:/dreg-v/staging"}, name="create-from-stage-lower")
    t.post(C, {"name": "dreg-v2", "source": "models:/dreg-v/Nowhere"}, name="create-from-bad-stage")
    t.post(C, {"name": "dreg-v2", "source": "models:/dreg-v2/Archived"}, name="create-from-empty-stage")
    t.post(RM + "alias", {"name": "dreg-v", "alias": "champ", "version": "2"}, name="fx-alias-champ")
    t.post(C, {"name": "dreg-v2", "source": "models:/dreg-v@champ"}, name="create-from-alias")
    t.post(C, {"name": "dreg-v2", "source": "models:/dreg-v@nobody"}, name="create-from-unknown-alias")
    t.post(C, {"name": "dreg-v2", "source": "models:/dreg-v@bad alias"}, name="create-from-bad-alias")
    t.post(C, {"name": "dreg-v2", "source": "models:/dreg-v/1", "model_id": model_id},
           name="create-from-version-bad-model")
    t.post(C, {"name": "dreg-v2", "source": "models:/dreg-v/1", "run_id": ""}, name="create-from-version-empty-run")
    t.post(RM + "create", {"name": "dreg-vp", "tags": [{"key": "mlflow.prompt.is_prompt", "value": "true"}]},
           name="fx-prompt-rm")
    t.post(C, {"name": "dreg-vp", "source": "prompt-template",
               "tags": [{"key": "mlflow.prompt.is_prompt", "value": "true"},
                        {"key": "mlflow.prompt.text", "value": "Hello {{name}}"}]}, name="create-prompt",
           unordered="model_version.tags")
    t.post(C, {"name": "dreg-vp", "source": "dummy-source",
               "tags": [{"key": "mlflow.prompt.is_prompt", "value": "TRUE"}]}, name="create-prompt-upper")
    t.post(C, {"name": "dreg-vp", "source": "dummy-source",
               "tags": [{"key": "mlflow.prompt.is_prompt", "value": "false"}]}, name="create-prompt-false")
    t.post(C, {"name": "dreg-v2", "source": "models:/dreg-vp/1"}, name="create-from-prompt")
    t.get(RM + "get", {"name": "dreg-v"}, name="rm-latest-versions", unordered="registered_model.latest_versions")

    # ---- tags ----
    ST, DT = MV + "set-tag", MV + "delete-tag"
    t.post(ST, {"name": "dreg-v", "version": "1", "key": "k1", "value": "v1"}, name="set-tag")
    t.post(ST, {"name": "dreg-v", "version": "1", "key": "k1", "value": "v2"}, name="set-tag-overwrite")
    t.post(ST, {"name": "dreg-v", "version": "1", "key": "emoji😀", "value": "ü"}, name="set-tag-unicode-key")
    t.post(ST, {"name": "dreg-v", "version": "1", "key": "k2"}, name="set-tag-no-value")
    t.post(ST, {"name": "dreg-v", "version": "1", "key": "k3", "value": "v" * 100001}, name="set-tag-value-long")
    t.post(ST, {"name": "dreg-v", "version": "1", "key": "mlflow.prompt.text", "value": "v" * 100001},
           name="set-tag-prompt-text-long")
    t.post(ST, {"name": "dreg-v", "version": "1", "key": "k" * 251, "value": "v"}, name="set-tag-key-long")
    t.post(ST, {"name": "dreg-v", "version": "1", "key": "/abs", "value": "v"}, name="set-tag-abs-key")
    t.post(ST, {"name": "dreg-v", "version": "1", "key": "bad!key", "value": "v"}, name="set-tag-bad-char")
    t.post(ST, {"name": "dreg-v", "version": "1", "value": "v"}, name="set-tag-no-key")
    t.post(ST, {"name": "dreg-v", "version": "99", "key": "k", "value": "v"}, name="set-tag-version-missing")
    t.post(ST, {"name": "dreg-v", "version": "z", "key": "k", "value": "v"}, name="set-tag-version-text")
    t.post(ST, {"name": "dreg-missing", "version": "1", "key": "k", "value": "v"}, name="set-tag-model-missing")
    t.post(ST, {"name": "dreg-v", "version": "1", "key": "k", "value": 1.5}, name="set-tag-float-value")
    t.get(G, {"name": "dreg-v", "version": "1"}, name="get-tags", unordered="model_version.tags")
    t.delete(DT, {"name": "dreg-v", "version": "1", "key": "k1"}, name="delete-tag")
    t.delete(DT, {"name": "dreg-v", "version": "1", "key": "k1"}, name="delete-tag-again")
    t.delete(DT, {"name": "dreg-v", "version": "99", "key": "k1"}, name="delete-tag-version-missing")
    t.delete(DT, {"name": "dreg-v", "version": "1"}, name="delete-tag-no-key")
    t.delete(DT, {"name": "dreg-v", "version": "1", "key": "../x"}, name="delete-tag-bad-key")
    t.post(DT, {"name": "dreg-v", "version": "1", "key": "k2"}, name="delete-tag-post")
    t.get(G, {"name": "dreg-v", "version": "1"}, name="get-tags-after-delete", unordered="model_version.tags")

    # ---- get-download-uri and get-artifact ----
    D = MV + "get-download-uri"
    t.get(D, {"name": "dreg-v", "version": "1"}, name="download-uri-runs")
    t.get(D, {"name": "dreg-v", "version": "2"}, name="download-uri-artifacts")
    t.get(D, {"name": "dreg-v2", "version": "1"}, name="download-uri-from-version")
    t.get(D, {"name": "dreg-v", "version": "99"}, name="download-uri-missing")
    t.get(D, {"name": "dreg-v", "version": "x"}, name="download-uri-bad-version")
    t.get(D, {"name": "dreg-v"}, name="download-uri-no-version")
    t.get(D, {}, name="download-uri-nothing")
    t.post(D, {"name": "dreg-v", "version": "1"}, name="download-uri-post")
    A = "/model-versions/get-artifact"
    t.get(A, {"name": "dreg-v", "version": "2", "path": "MLmodel"}, name="artifact")
    t.get(A, {"name": "dreg-v", "version": "2", "path": "MLmodel", "presigned": "true"}, name="artifact-presigned")
    t.get(A, {"name": "dreg-v", "version": "2", "path": "MLmodel", "presigned": "false"},
          name="artifact-presigned-false")
    t.get(A, {"name": "dreg-v", "version": "1", "path": "MLmodel", "presigned": "true"},
          name="artifact-presigned-runs-uri")
    t.get(A, {"version": "2", "path": "MLmodel"}, name="artifact-no-name")
    t.get(A, {"name": "dreg-v", "path": "MLmodel"}, name="artifact-no-version")
    t.get(A, {"name": "dreg-v", "version": "two", "path": "MLmodel"}, name="artifact-version-text")
    t.get(A, {"name": "dreg-v", "version": "\u0662", "path": "MLmodel"}, name="artifact-version-arabic-digit")
    t.get(A, {"name": "dreg:v", "version": "2", "path": "MLmodel"}, name="artifact-bad-name")
    t.get("/ajax-api/2.0/mlflow/model-versions/get-artifact", {"name": "dreg-v", "version": "2", "path": "MLmodel"},
          name="artifact-ajax")
    t.get(A, {"name": "dreg-v", "version": "1", "path": "MLmodel"}, name="artifact-runs-uri")
    t.get(A, {"name": "dreg-v", "version": "2", "path": "nope.txt"}, name="artifact-missing-file")
    t.get(A, {"name": "dreg-v", "version": "2", "path": "../../secret"}, name="artifact-dotdot")
    t.get(A, {"name": "dreg-v", "version": "2", "path": "/etc/passwd"}, name="artifact-abs")
    t.get(A, {"name": "dreg-v", "version": "2"}, name="artifact-no-path")
    t.get(A, {"name": "dreg-v", "version": "99", "path": "MLmodel"}, name="artifact-version-missing")
    t.get(A, {"name": "dreg-missing", "version": "1", "path": "MLmodel"}, name="artifact-model-missing")
    t.post(A, {"name": "dreg-v", "version": "2", "path": "MLmodel"}, name="artifact-post")

    # ---- search ----
    for i in range(1, 6):
        t.post(C, {"name": "dreg-vs", "source": f"runs:/{run1 if i % 2 else run2}/m{i}",
                   "run_id": run1 if i % 2 else run2, "tags": [{"key": "i", "value": str(i)}]}, name=f"fx-vs{i}")
    t.post(C, {"name": "dreg-vt", "source": f"runs:/{run2}/only", "run_id": run2}, name="fx-vt1")
    t.post(C, {"name": "dreg-vt", "source": "s3://bucket/upper", "run_id": "RUN-UPPER"}, name="fx-vt2")
    t.post(T, {"name": "dreg-vs", "version": "4", "stage": "Staging"}, name="fx-vs-stage")
    t.delete(MV + "delete", {"name": "dreg-vs", "version": "5"}, name="fx-vs-delete")
    S = MV + "search"
    O = {"order_by": ["name", "version_number"]}
    tags = "model_versions.*.tags"
    t.get(S, {"filter": "name = 'dreg-vs'", **O}, name="search-name", unordered=tags)
    t.get(S, {"filter": "name = 'dreg-vs'", "order_by": "version_number DESC"}, name="search-version-desc",
          unordered=tags)
    t.get(S, {"filter": "name LIKE 'dreg-v%'", "order_by": ["name DESC", "version_number ASC"]},
          name="search-like", unordered=tags)
    t.get(S, {"filter": "name ILIKE 'DREG-VS'", **O}, name="search-ilike", unordered=tags)
    t.get(S, {"filter": "name IN ('dreg-vs', 'dreg-vt')", **O}, name="search-name-in", unordered=tags)
    t.get(S, {"filter": "name NOT IN ('dreg-vs') AND name LIKE 'dreg-v%'", **O}, name="search-name-not-in",
          unordered=tags)
    t.get(S, {"filter": f"run_id = '{run2}'", **O}, name="search-run-id", unordered=tags)
    t.get(S, {"filter": f"run_id IN ('{run1}', '{run2}') AND name = 'dreg-vs'", **O}, name="search-run-id-in",
          unordered=tags)
    t.get(S, {"filter": f"run_id IN ('{run1.upper()}', '{run2}') AND name = 'dreg-vs'", **O},
          name="search-run-id-in-upper", unordered=tags)
    t.get(S, {"filter": "name IN ('DREG-VS', 'dreg-vt')", **O}, name="search-name-in-upper", unordered=tags)
    t.get(S, {"filter": "run_id IN ('RUN-UPPER')", **O}, name="search-run-id-in-upper-only", unordered=tags)
    t.get(S, {"filter": "name NOT IN ('DREG-VS') AND name LIKE 'dreg-v%'", **O}, name="search-name-not-in-upper",
          unordered=tags)
    t.get(S, {"filter": f"run_id != '{run1}' AND name LIKE 'dreg-v%'", **O}, name="search-run-id-neq",
          unordered=tags)
    t.get(S, {"filter": "name = 'dreg-vs' AND version_number > 2", **O}, name="search-version-gt", unordered=tags)
    t.get(S, {"filter": "name = 'dreg-vs' AND version_number <= 2", **O}, name="search-version-le",
          unordered=tags)
    t.get(S, {"filter": "name = 'dreg-vs' AND version_number = 3", **O}, name="search-version-eq", unordered=tags)
    t.get(S, {"filter": "name = 'dreg-vs' AND version_number = '3'", **O}, name="search-version-string",
          unordered=tags)
    t.get(S, {"filter": "name = 'dreg-vs' AND version_number = 2.5", **O}, name="search-version-float")
    t.get(S, {"filter": "name = 'dreg-vs' AND version_number LIKE '1'", **O}, name="search-version-like")
    t.get(S, {"filter": "name = 'dreg-vs' AND source_path = 'runs:/" + run1 + "/m3'", **O},
          name="search-source-path", unordered=tags)
    t.get(S, {"filter": "name = 'dreg-vs' AND source_path LIKE '%/m1'", **O}, name="search-source-like",
          unordered=tags)
    t.get(S, {"filter": "name = 'dreg-vs' AND tags.i = '2'", **O}, name="search-tag", unordered=tags)
    t.get(S, {"filter": "name = 'dreg-vs' AND tags.`i` != '2'", **O}, name="search-tag-neq", unordered=tags)
    t.get(S, {"filter": "name = 'dreg-vs' AND tag.i LIKE '%3%'", **O}, name="search-tag-singular",
          unordered=tags)
    t.get(S, {"filter": "name = 'dreg-vs' AND tags.i IN ('1')", **O}, name="search-tag-in")
    t.get(S, {"filter": "name = 'dreg-vs' AND source_path IN ('x')", **O}, name="search-source-in")
    t.get(S, {"filter": "version_number IN ('1')", **O}, name="search-version-in")
    t.get(S, {"filter": "name = 'dreg-vs' AND run_id = 5", **O}, name="search-run-id-number",
          ignore="message")  # names a Python set: its order changes with the hash seed
    t.get(S, {"filter": "name = 'dreg-vs' AND tags.i = 2", **O}, name="search-tag-number")
    t.get(S, {"filter": "tags.`mlflow.prompt.is_prompt` = 'true'", **O}, name="search-prompt-versions",
          unordered=tags)
    t.get(S, {"filter": "current_stage = 'Staging'", **O}, name="search-bad-attr",
          ignore="message")  # names a Python set: its order changes with the hash seed
    t.get(S, {"filter": "name = 'dreg-vs' OR name = 'dreg-vt'", **O}, name="search-or")
    t.get(S, {"filter": "name = 'dreg-vs' AND version_number > 'x'", **O}, name="search-version-text")
    t.get(S, {"filter": "foo.bar = 'x'", **O}, name="search-bad-entity")
    t.get(S, {"filter": "name IS NULL", **O}, name="search-is-null")
    t.get(S, {"filter": "name = 'dreg-vs'", "order_by": "creation_timestamp DESC"}, name="search-order-created",
          unordered="model_versions")
    t.get(S, {"filter": "name = 'dreg-vs'", "order_by": "last_updated_timestamp"}, name="search-order-updated",
          unordered="model_versions")
    t.get(S, {"filter": "name = 'dreg-vs'", "order_by": "run_id"}, name="search-order-bad-key",
          ignore="message")
    t.get(S, {"filter": "name = 'dreg-vs'", "order_by": ["name", "name DESC"]}, name="search-order-dup")
    t.get(S, {"filter": "name = 'dreg-vs'", "order_by": "name UP"}, name="search-order-bad-dir")
    t.get(S, {"filter": "name = 'dreg-vs'", "max_results": 0}, name="search-max-0")
    t.get(S, {"filter": "name = 'dreg-vs'", "max_results": -3}, name="search-max-neg")
    t.get(S, {"filter": "name = 'dreg-vs'", "max_results": 200001}, name="search-max-over")
    t.get(S, {"filter": "name = 'dreg-vs'", "max_results": "x"}, name="search-max-text")
    p1 = t.get(S, {"filter": "name = 'dreg-vs'", "max_results": 2, **O}, name="search-page-1", unordered=tags)
    p2 = t.get(S, {"filter": "name = 'dreg-vs'", "max_results": 2, "page_token": p1.get("next_page_token"), **O},
               name="search-page-2", unordered=tags)
    t.get(S, {"filter": "name = 'dreg-vs'", "max_results": 2, "page_token": p2.get("next_page_token"), **O},
          name="search-page-3", unordered=tags)
    t.get(S, {"filter": "name = 'dreg-vs'", "page_token": "%%%"}, name="search-bad-token")
    t.post(S, {"filter": "name = 'dreg-vs'"}, name="search-post")

    # ---- delete ----
    DEL = MV + "delete"
    t.delete(DEL, {"name": "dreg-vt", "version": "1"}, name="delete")
    t.get(G, {"name": "dreg-vt", "version": "1"}, name="get-deleted")
    t.delete(DEL, {"name": "dreg-vt", "version": "1"}, name="delete-again")
    t.delete(DEL, {"name": "dreg-vt", "version": "x"}, name="delete-bad-version")
    t.delete(DEL, {"name": "dreg-vt"}, name="delete-no-version")
    t.delete(DEL, {"name": "dreg-missing", "version": "1"}, name="delete-model-missing")
    t.post(DEL, {"name": "dreg-vt", "version": "1"}, name="delete-post")
    t.post(C, {"name": "dreg-vt", "source": f"runs:/{run2}/again", "run_id": run2}, name="create-after-delete")
    t.get(RM + "get", {"name": "dreg-vt"}, name="rm-after-version-delete")
    t.post(RM + "rename", {"name": "dreg-vs", "new_name": "dreg-vs-renamed"}, name="rename-with-versions")
    t.get(G, {"name": "dreg-vs-renamed", "version": "4"}, name="get-after-rename", unordered="model_version.tags")
    t.get(D, {"name": "dreg-vs-renamed", "version": "4"}, name="download-uri-after-rename")
