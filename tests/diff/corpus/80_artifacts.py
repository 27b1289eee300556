"""Artifacts: the mlflow-artifacts proxy (download, upload, list, delete, the multipart trio), a run's
listArtifacts, listLoggedModelArtifacts, /get-artifact, upload-artifact and the logged model's files route;
unsafe, missing and directory paths everywhere."""

PROXY = "/api/2.0/mlflow-artifacts/artifacts"
AJAX_PROXY = "/ajax-api/2.0/mlflow-artifacts/artifacts"
MPU = "/api/2.0/mlflow-artifacts/mpu"
UPLOAD = "/ajax-api/2.0/mlflow/upload-artifact"


def run(t):
    exp = t.post("experiments/create", {"name": "art-exp"}, name="setup-exp").get("experiment_id")
    r = t.post("runs/create", {"experiment_id": exp, "run_name": "art-run", "start_time": 1700000000000},
               name="setup-run")
    run_id = r.get("run", "info", "run_id")
    root = f"{exp}/{run_id}/artifacts"  # the run's place under --artifacts-destination
    # a second run in an experiment whose artifacts live in a local directory (not proxied)
    local_dir = t.ctx["dir"] + "/art-local-root"
    lexp = t.post("experiments/create", {"name": "art-local", "artifact_location": local_dir},
                  name="setup-local-exp").get("experiment_id")
    lrun = t.post("runs/create", {"experiment_id": lexp, "run_name": "art-local-run"},
                  name="setup-local-run").get("run", "info", "run_id")

    # ---- the proxy: uploads ----
    t.put(f"{PROXY}/{root}/hello.txt", raw=b"hello artifacts\n", name="put-text")
    t.put(f"{PROXY}/{root}/sub/data.json", raw=b'{"a": 1}', content_type="application/json", name="put-json")
    t.put(f"{PROXY}/{root}/sub/deeper/blob.bin", raw=bytes(range(256)), name="put-binary")
    t.put(f"{PROXY}/{root}/sub/deeper/image.png", raw=b"\x89PNG\r\n\x1a\n", name="put-png")
    t.put(f"{PROXY}/{root}/%C3%A9t%C3%A9.txt", raw="été".encode(), name="put-unicode")
    t.put(f"{PROXY}/{root}/a%20b.txt", raw=b"space", name="put-space")
    t.put(f"{PROXY}/{root}/empty.txt", raw=b"", name="put-empty")
    t.put(f"{PROXY}/{root}/MLmodel", raw=b"flavors: {}\n", name="put-mlmodel")
    t.put(f"{PROXY}/{root}/over.txt", raw=b"first", name="put-overwrite-1")
    t.put(f"{PROXY}/{root}/over.txt", raw=b"second", name="put-overwrite-2")
    t.put(f"{AJAX_PROXY}/{root}/ajax.txt", raw=b"via ajax", name="put-ajax")
    t.put(f"{PROXY}/{root}/sub/", raw=b"x", name="put-trailing-slash")
    t.put(f"{PROXY}/{root}/../escape.txt", raw=b"x", name="put-dotdot")
    t.put(f"{PROXY}/{root}/%2E%2E/escape.txt", raw=b"x", name="put-dotdot-encoded")
    t.put(f"{PROXY}/%252E%252E/escape.txt", raw=b"x", name="put-dotdot-double-encoded")
    t.put(f"{PROXY}//etc/escape.txt", raw=b"x", name="put-absolute")
    t.put(f"{PROXY}/%2Fetc/escape.txt", raw=b"x", name="put-absolute-encoded")
    t.put(f"{PROXY}/{root}/a%23b.txt", raw=b"x", name="put-hash")
    t.put(f"{PROXY}/{root}/..%5Cescape.txt", raw=b"x", name="put-backslash")
    t.put(f"{PROXY}/C:/escape.txt", raw=b"x", name="put-drive")
    t.put(f"{PROXY}/file:%2F%2F%2Fetc/escape.txt", raw=b"x", name="put-file-uri")

    # ---- the proxy: downloads ----
    t.get(f"{PROXY}/{root}/hello.txt", name="get-text")
    t.get(f"{PROXY}/{root}/sub/data.json", name="get-json")
    t.get(f"{PROXY}/{root}/sub/deeper/blob.bin", name="get-binary")
    t.get(f"{PROXY}/{root}/sub/deeper/image.png", name="get-png")
    t.get(f"{PROXY}/{root}/%C3%A9t%C3%A9.txt", name="get-unicode")
    t.get(f"{PROXY}/{root}/a%20b.txt", name="get-space")
    t.get(f"{PROXY}/{root}/empty.txt", name="get-empty")
    t.get(f"{PROXY}/{root}/MLmodel", name="get-mlmodel")
    t.get(f"{PROXY}/{root}/over.txt", name="get-overwritten")
    t.get(f"{AJAX_PROXY}/{root}/ajax.txt", name="get-ajax")
    t.get(f"{PROXY}/{root}/nope.txt", name="get-missing")
    t.get(f"{PROXY}/{root}/sub", name="get-directory")
    t.get(f"{PROXY}/{root}/sub/", name="get-directory-slash")
    t.get(f"{PROXY}/", name="get-root")
    t.get(f"{PROXY}/{root}/../hello.txt", name="get-dotdot")
    t.get(f"{PROXY}/{root}/%2E%2E/%2E%2E/x", name="get-dotdot-encoded")
    t.get(f"{PROXY}//etc/passwd", name="get-absolute")
    t.get(f"{PROXY}/{root}/hello.txt", params={"x": "1"}, name="get-with-query")
    t.request("HEAD", f"{PROXY}/{root}/hello.txt", name="head-text")
    t.request("HEAD", f"{PROXY}/{root}/nope.txt", name="head-missing")
    t.request("POST", f"{PROXY}/{root}/hello.txt", body={}, name="post-file-path")
    t.request("PATCH", f"{PROXY}/{root}/hello.txt", body={}, name="patch-file-path")

    # ---- the proxy: listing ----
    t.get(PROXY, name="list-top", unordered="files")
    t.get(PROXY, {"path": exp}, name="list-exp")
    t.get(PROXY, {"path": root}, name="list-run")
    t.get(PROXY, {"path": root + "/sub"}, name="list-sub")
    t.get(PROXY, {"path": root + "/sub/deeper"}, name="list-deeper")
    t.get(PROXY, {"path": root + "/hello.txt"}, name="list-file")
    t.get(PROXY, {"path": root + "/nope"}, name="list-missing")
    t.get(PROXY, {"path": ""}, name="list-empty-path", unordered="files")
    t.get(PROXY, {"path": "../"}, name="list-dotdot")
    t.get(PROXY, {"path": "/etc"}, name="list-absolute")
    t.get(PROXY, {"path": "a/../../b"}, name="list-dotdot-inner")
    t.get(PROXY, {"path": "%2E%2E"}, name="list-dotdot-encoded")
    t.get(PROXY, {"path": root, "path ": "x", "other": "y"}, name="list-unknown-param")
    t.get(AJAX_PROXY, {"path": root + "/sub"}, name="list-ajax")
    t.post(PROXY, {"path": root}, name="list-post")
    t.request("HEAD", PROXY, name="list-head")
    t.request("OPTIONS", PROXY, name="list-options")

    # ---- the proxy: delete ----
    t.put(f"{PROXY}/{root}/trash/one.txt", raw=b"1", name="put-trash-1")
    t.put(f"{PROXY}/{root}/trash/two/two.txt", raw=b"2", name="put-trash-2")
    t.delete(f"{PROXY}/{root}/trash/one.txt", name="delete-file")
    t.get(PROXY, {"path": root + "/trash"}, name="list-after-delete-file")
    t.delete(f"{PROXY}/{root}/trash", name="delete-dir")
    t.get(PROXY, {"path": root + "/trash"}, name="list-after-delete-dir")
    t.delete(f"{PROXY}/{root}/trash", name="delete-missing")
    t.delete(f"{PROXY}/{root}/../x", name="delete-dotdot")
    t.delete(f"{PROXY}//etc/x", name="delete-absolute")
    t.delete(f"{PROXY}/{root}/over.txt", body={"path": "ignored"}, name="delete-with-body")
    t.delete(PROXY, params={"path": root + "/empty.txt"}, name="delete-no-path")

    # ---- the proxy: multipart (a local destination has none) ----
    t.post(f"{MPU}/create/{root}", {"path": "big.bin", "num_parts": 2}, name="mpu-create")
    t.post(f"{MPU}/create/{root}", {"num_parts": 2}, name="mpu-create-no-path")
    t.post(f"{MPU}/create/{root}", {"path": "big.bin", "num_parts": "two"}, name="mpu-create-bad-parts")
    t.post(f"{MPU}/create/{root}", {"path": 5}, name="mpu-create-path-number")
    t.post(f"{MPU}/create/{root}", {"path": "../big.bin"}, name="mpu-create-dotdot-file")
    t.post(f"{MPU}/create/../etc", {"path": "big.bin"}, name="mpu-create-dotdot-route")
    t.post(f"{MPU}/create/{root}", raw=b"not json", content_type="application/json", name="mpu-create-bad-json")
    t.post(f"{MPU}/create/{root}", raw=b'{"path": "x"}', name="mpu-create-no-content-type")
    t.get(f"{MPU}/create/{root}", name="mpu-create-get")
    t.post(f"{MPU}/complete/{root}", {"path": "big.bin", "upload_id": "u1",
                                      "parts": [{"part_number": 1, "etag": "e1"}]}, name="mpu-complete")
    t.post(f"{MPU}/complete/{root}", {"path": "big.bin", "upload_id": "u1"}, name="mpu-complete-no-parts")
    t.post(f"{MPU}/complete/{root}", {"upload_id": "u1", "parts": []}, name="mpu-complete-no-path")
    t.post(f"{MPU}/complete/{root}", {"path": "big.bin", "upload_id": 7, "parts": []},
           name="mpu-complete-upload-id-number")
    t.post(f"{MPU}/abort/{root}", {"path": "big.bin", "upload_id": "u1"}, name="mpu-abort")
    t.post(f"{MPU}/abort/{root}", {"upload_id": "u1"}, name="mpu-abort-no-path")
    t.post(f"/ajax-api/2.0/mlflow-artifacts/mpu/abort/{root}", {"path": "big.bin"}, name="mpu-abort-ajax")
    t.post(f"{MPU}/create", {"path": "big.bin"}, name="mpu-create-no-route-path")

    # ---- MlflowService listArtifacts ----
    t.get("artifacts/list", {"run_id": run_id}, name="runs-list")
    t.get("artifacts/list", {"run_id": run_id, "path": "sub"}, name="runs-list-sub")
    t.get("artifacts/list", {"run_id": run_id, "path": "sub/deeper"}, name="runs-list-deeper")
    t.get("artifacts/list", {"run_id": run_id, "path": "sub/"}, name="runs-list-sub-slash")
    t.get("artifacts/list", {"run_id": run_id, "path": "./sub"}, name="runs-list-dot")
    t.get("artifacts/list", {"run_id": run_id, "path": ""}, name="runs-list-empty-path")
    t.get("artifacts/list", {"run_id": run_id, "path": "hello.txt"}, name="runs-list-file")
    t.get("artifacts/list", {"run_id": run_id, "path": "nope"}, name="runs-list-missing")
    t.get("artifacts/list", {"run_id": run_id, "path": "../"}, name="runs-list-dotdot")
    t.get("artifacts/list", {"run_id": run_id, "path": "sub/../.."}, name="runs-list-dotdot-inner")
    t.get("artifacts/list", {"run_id": run_id, "path": "/etc"}, name="runs-list-absolute")
    t.get("artifacts/list", {"run_id": run_id, "path": "%2e%2e/x"}, name="runs-list-dotdot-encoded")
    t.get("artifacts/list", {"run_id": run_id, "path": "..\\x"}, name="runs-list-backslash")
    t.get("artifacts/list", {"run_id": run_id, "path": "a#b"}, name="runs-list-hash")
    t.get("artifacts/list", {"run_id": run_id, "page_token": "whatever"}, name="runs-list-page-token")
    t.get("artifacts/list", {"run_uuid": run_id}, name="runs-list-run-uuid")
    t.get("artifacts/list", {}, name="runs-list-no-run")
    t.get("artifacts/list", {"run_id": "0" * 32}, name="runs-list-unknown-run")
    t.get("artifacts/list", {"run_id": "not-a-run"}, name="runs-list-bad-run")
    t.post("artifacts/list", {"run_id": run_id}, name="runs-list-post")
    t.get("/ajax-api/2.0/mlflow/artifacts/list", {"run_id": run_id, "path": "sub"}, name="runs-list-ajax")
    t.get("artifacts/list", {"run_id": lrun}, name="runs-list-local-empty")

    # ---- upload-artifact (the UI's upload) ----
    t.post(UPLOAD, raw=b"from the ui", params={"run_uuid": run_id, "path": "ui/note.txt"},
           content_type="text/plain", name="upload")
    t.post(UPLOAD, raw=b"by run_id", params={"run_id": run_id, "path": "ui/by-run-id.txt"},
           name="upload-run-id")
    t.post(UPLOAD, raw=b"x", params={"path": "ui/x.txt"}, name="upload-no-run")
    t.post(UPLOAD, raw=b"x", params={"run_uuid": run_id}, name="upload-no-path")
    t.post(UPLOAD, raw=b"x", params={"run_uuid": run_id, "path": ""}, name="upload-empty-path")
    t.post(UPLOAD, raw=b"", params={"run_uuid": run_id, "path": "ui/empty.txt"}, name="upload-no-data")
    t.post(UPLOAD, raw=b"x", params={"run_uuid": run_id, "path": "../x.txt"}, name="upload-dotdot")
    t.post(UPLOAD, raw=b"x", params={"run_uuid": run_id, "path": "/etc/x.txt"}, name="upload-absolute")
    t.post(UPLOAD, raw=b"x", params={"run_uuid": "0" * 32, "path": "x.txt"}, name="upload-unknown-run")
    t.post(UPLOAD, raw=b"local", params={"run_uuid": lrun, "path": "dir/local.txt"}, name="upload-local")
    t.get(UPLOAD, {"run_uuid": run_id, "path": "x.txt"}, name="upload-get")
    t.get("artifacts/list", {"run_id": run_id, "path": "ui"}, name="runs-list-ui")
    t.get("artifacts/list", {"run_id": lrun}, name="runs-list-local")
    t.get("artifacts/list", {"run_id": lrun, "path": "dir"}, name="runs-list-local-dir")
    t.get("artifacts/list", {"run_id": lrun, "path": "../"}, name="runs-list-local-dotdot")

    # ---- /get-artifact ----
    t.get("/get-artifact", {"run_id": run_id, "path": "hello.txt"}, name="get-artifact")
    t.get("/get-artifact", {"run_uuid": run_id, "path": "sub/data.json"}, name="get-artifact-run-uuid")
    t.get("/get-artifact", {"run_id": run_id, "path": "ui/note.txt"}, name="get-artifact-uploaded")
    t.get("/get-artifact", {"run_id": lrun, "path": "dir/local.txt"}, name="get-artifact-local")
    t.get("/get-artifact", {"run_id": run_id, "path": "nope.txt"}, name="get-artifact-missing")
    t.get("/get-artifact", {"run_id": lrun, "path": "nope.txt"}, name="get-artifact-local-missing")
    t.get("/get-artifact", {"run_id": run_id, "path": "sub"}, name="get-artifact-directory")
    t.get("/get-artifact", {"run_id": lrun, "path": "dir"}, name="get-artifact-local-directory")
    t.get("/get-artifact", {"run_id": run_id, "path": "../../x"}, name="get-artifact-dotdot")
    t.get("/get-artifact", {"run_id": run_id, "path": "/etc/passwd"}, name="get-artifact-absolute")
    t.get("/get-artifact", {"run_id": run_id}, name="get-artifact-no-path")
    t.get("/get-artifact", {"path": "hello.txt"}, name="get-artifact-no-run")
    t.get("/get-artifact", {"run_id": "0" * 32, "path": "hello.txt"}, name="get-artifact-unknown-run")
    t.request("HEAD", "/get-artifact?" + f"run_id={run_id}&path=hello.txt", name="get-artifact-head")
    t.post("/get-artifact", {"run_id": run_id, "path": "hello.txt"}, name="get-artifact-post")

    # ---- logged models: listing and files ----
    m = t.post("logged-models", {"experiment_id": exp, "name": "art-model"}, name="setup-model")
    model_id = m.get("model", "info", "model_id")
    mroot = f"{exp}/models/{model_id}/artifacts"
    t.put(f"{PROXY}/{mroot}/MLmodel", raw=b"artifact_path: model\n", name="put-model-mlmodel")
    t.put(f"{PROXY}/{mroot}/data/weights.bin", raw=b"\x00\x01", name="put-model-weights")
    lm = f"logged-models/{model_id}/artifacts/directories"
    t.get(lm, name="model-list")
    t.get(lm, {"artifact_directory_path": "data"}, name="model-list-dir")
    t.get(lm, {"artifact_directory_path": "nope"}, name="model-list-missing")
    t.get(lm, {"artifact_directory_path": "../.."}, name="model-list-dotdot")
    t.get(lm, {"artifact_directory_path": "/etc"}, name="model-list-absolute")
    t.get(lm, {"artifact_directory_path": ""}, name="model-list-empty")
    t.get("logged-models/m-00000000000000000000000000000000/artifacts/directories", name="model-list-unknown")
    t.post(lm, {}, name="model-list-post")
    files = f"/ajax-api/2.0/mlflow/logged-models/{model_id}/artifacts/files"
    t.get(files, {"artifact_file_path": "MLmodel"}, name="model-file")
    t.get(files, {"artifact_file_path": "data/weights.bin"}, name="model-file-binary")
    t.get(files, {"artifact_file_path": "nope"}, name="model-file-missing")
    t.get(files, {"artifact_file_path": "data"}, name="model-file-directory")
    t.get(files, {"artifact_file_path": "../../x"}, name="model-file-dotdot")
    t.get(files, {"artifact_file_path": "/etc/passwd"}, name="model-file-absolute")
    t.get(files, {"artifact_file_path": ""}, name="model-file-empty")
    t.get(files, name="model-file-no-param")
    t.get("/ajax-api/2.0/mlflow/logged-models/m-00000000000000000000000000000000/artifacts/files",
          {"artifact_file_path": "MLmodel"}, name="model-file-unknown-model")
    t.post(files, {"artifact_file_path": "MLmodel"}, name="model-file-post")
