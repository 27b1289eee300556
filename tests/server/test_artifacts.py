"""Artifacts over HTTP: the mlflow-artifacts proxy, run listings, the Flask artifact routes,
large files, the server modes and the path-safety refusals, against the real server."""

import hashlib
import json
import os
import socket
import time
import urllib.parse
import uuid

import pytest

from conftest import Server

API = "/api/2.0/mlflow-artifacts/artifacts"
INVALID = {"error_code": "INVALID_PARAMETER_VALUE", "message": "Invalid path", "sqlstate": "KAM00",
           "error_class": "INVALID_PARAMETER_VALUE"}


def put(s, path, data, prefix=API, headers=None):
    return s.request("PUT", f"{prefix}/{path}", body=data, headers=headers or {})


def get(s, path, prefix=API):
    return s.request("GET", f"{prefix}/{path}", raw=True)


def dest(s):
    return os.path.join(s.dir, "mlartifacts")


def tree(root):
    out = []
    for d, dirs, files in os.walk(root):
        for f in files:
            out.append(os.path.relpath(os.path.join(d, f), root))
    return sorted(out)


@pytest.fixture(scope="module")
def server():
    s = Server()
    yield s
    s.stop()


# --- the proxy rpcs -----------------------------------------------------------------------------


def test_upload_download_roundtrip(server):
    # MLflow 3.18 uploads through FastAPI: an empty 200 without a Content-Type
    status, h, body = put(server, "rt/a/b/hello.txt", b"hello\n")
    assert (status, body) == (200, b"")
    assert "content-type" not in h
    status, h, body = get(server, "rt/a/b/hello.txt")
    assert (status, body) == (200, b"hello\n")
    assert h["content-type"] == "text/plain"
    assert h["content-disposition"] == "attachment; filename=hello.txt"
    assert h["x-content-type-options"] == "nosniff"
    with open(os.path.join(dest(server), "rt/a/b/hello.txt"), "rb") as f:
        assert f.read() == b"hello\n"


@pytest.mark.parametrize("name,ctype", [
    ("x.json", "text/plain"), ("MLmodel", "text/plain"), ("y.png", "image/png"), ("p.html", "text/html"),
    ("m.pkl", "application/octet-stream"), ("noext", "application/octet-stream"), ("d.yaml", "text/plain"),
])
def test_download_content_type_as_mlflow_guesses(server, name, ctype):
    assert put(server, f"ct/{name}", b"x")[0] == 200
    status, h, _ = get(server, f"ct/{name}")
    assert status == 200 and h["content-type"] == ctype


def test_download_name_needing_quotes(server):
    assert put(server, "q/a%20b.txt", b"x")[0] == 200
    status, h, body = get(server, "q/a%20b.txt")
    assert status == 200 and body == b"x"
    assert h["content-disposition"] == 'attachment; filename="a b.txt"'


def test_upload_replaces_and_empty_file(server):
    assert put(server, "rep/f.bin", b"one")[0] == 200
    assert put(server, "rep/f.bin", b"")[0] == 200
    status, _, body = get(server, "rep/f.bin")
    assert (status, body) == (200, b"")


def test_download_missing_is_404_and_directory_400(server):
    # MLflow 3.18 (get_local_path): a client's download does not retry a 404, as it retried the 500 of 3.6
    status, _, body = server.request("GET", f"{API}/nope/missing.txt")
    assert (status, body["error_code"], body["message"]) == (404, "RESOURCE_DOES_NOT_EXIST",
                                                            "No such artifact: 'nope/missing.txt'")
    assert put(server, "dirs/sub/f.txt", b"x")[0] == 200
    # FastAPI's own HTTPException; HEAD goes to the Flask route, whose MlflowException has the same status
    status, _, body = server.request("GET", f"{API}/dirs/sub")
    assert (status, body) == (400, {"detail": "Artifact path refers to a directory, not a file: 'dirs/sub'"})
    assert server.request("HEAD", f"{API}/dirs/sub", raw=True)[0] == 400
    status, _, body = server.request("PUT", f"{API}/dirs/sub/", b"x")
    assert (status, body) == (400, {"detail": "Artifact path must include a filename (cannot end with '/')."})


def test_list_nested(server):
    for p in ("ls/top.txt", "ls/d1/a.txt", "ls/d1/d2/b.txt", "ls/d3/c.txt"):
        assert put(server, p, b"12345")[0] == 200
    status, _, body = server.request("GET", f"{API}?path=ls")
    assert status == 200
    assert body == {"files": [{"path": "d1", "is_dir": True}, {"path": "d3", "is_dir": True},
                              {"path": "top.txt", "is_dir": False, "file_size": 5}]}
    status, _, body = server.request("GET", f"{API}?path=ls/d1")
    assert body == {"files": [{"path": "a.txt", "is_dir": False, "file_size": 5},
                              {"path": "d2", "is_dir": True}]}
    status, _, body = server.request("GET", f"{API}?path=ls/d1/d2")
    assert body == {"files": [{"path": "b.txt", "is_dir": False, "file_size": 5}]}
    # a missing directory or a file lists as nothing; no path lists the root
    assert server.request("GET", f"{API}?path=ls/none")[2] == {}
    assert server.request("GET", f"{API}?path=ls/top.txt")[2] == {}
    status, _, body = server.request("GET", API)
    assert status == 200 and {"path": "ls", "is_dir": True} in body["files"]
    # the ajax twin
    assert server.request("GET", f"/ajax-api/2.0/mlflow-artifacts/artifacts?path=ls/d3")[2] == {
        "files": [{"path": "c.txt", "is_dir": False, "file_size": 5}]}


def test_list_logged_model_artifacts(server):
    _, _, exp = server.post("experiments/create", {"name": "lm-artifacts"})
    _, _, m = server.post("logged-models", {"experiment_id": exp["experiment_id"], "name": "m"})
    info = m["model"]["info"]
    root = info["artifact_uri"]
    assert root.startswith("mlflow-artifacts:/")
    rel = root[len("mlflow-artifacts:/"):]
    assert put(server, f"{rel}/MLmodel", b"flavors: {}\n")[0] == 200
    assert put(server, f"{rel}/data/model.pkl", b"12345")[0] == 200
    path = f"/api/2.0/mlflow/logged-models/{info['model_id']}/artifacts/directories"
    status, _, body = server.request("GET", path)
    assert status == 200 and body["root_uri"] == root
    assert sorted((f["path"], f["is_dir"]) for f in body["files"]) == [("MLmodel", False), ("data", True)]
    status, _, body = server.request("GET", path + "?artifact_directory_path=data")
    assert status == 200 and body["files"] == [{"path": "data/model.pkl", "is_dir": False, "file_size": 5}]
    status, _, body = server.request("GET", path + "?artifact_directory_path=../x")
    assert (status, body) == (400, INVALID)
    status, _, body = server.request("GET", "/api/2.0/mlflow/logged-models/m-nope/artifacts/directories")
    assert status == 404 and body["error_code"] == "RESOURCE_DOES_NOT_EXIST"


def test_delete_file_and_tree(server):
    for p in ("del/a.txt", "del/sub/b.txt", "del/sub/deeper/c.txt"):
        assert put(server, p, b"x")[0] == 200
    status, _, body = server.request("DELETE", f"{API}/del/a.txt")
    assert (status, body) == (200, {})
    assert not os.path.exists(os.path.join(dest(server), "del/a.txt"))
    assert server.request("DELETE", f"{API}/del/sub")[0] == 200
    assert not os.path.exists(os.path.join(dest(server), "del/sub"))
    # deleting what is not there is fine, as in MLflow
    assert server.request("DELETE", f"{API}/del/never")[:3:2] == (200, {})


def test_multipart_is_not_supported_locally(server):
    for op in ("create", "complete", "abort"):
        status, _, body = server.request("POST", f"/api/2.0/mlflow-artifacts/mpu/{op}/m/x.bin",
                                         {"path": "x.bin", "upload_id": "u", "num_parts": 2,
                                          "parts": [{"part_number": 1, "etag": "e"}]})
        assert status == 501, body
        assert body == {"error_code": "NOT_IMPLEMENTED",
                        "message": "Multipart upload is not supported for the current artifact repository"}
    status, _, body = server.request("POST", "/api/2.0/mlflow-artifacts/mpu/create/m/x.bin", {})
    assert status == 400
    assert body["message"].startswith("Missing value for required parameter 'path'.")
    status, _, body = server.request("POST", "/api/2.0/mlflow-artifacts/mpu/complete/m/x.bin", {"path": "x"})
    assert status == 400
    assert body["message"].startswith("Missing value for required parameter 'parts'.")
    status, _, body = server.request("POST", "/api/2.0/mlflow-artifacts/mpu/abort/m/x.bin", b"{}",
                                     {"Content-Type": "text/plain"})
    assert status == 400
    assert body["message"] == "Bad Request. Content-Type must be one of ['application/json']."
    # the route's path is checked first
    status, _, body = server.request("POST", "/api/2.0/mlflow-artifacts/mpu/create/a/%2E%2E/%2E%2E/x", {})
    assert (status, body) == (400, INVALID)


# --- large files ----------------------------------------------------------------------------------


def _big(path, mib):
    h = hashlib.sha256()
    block = os.urandom(1 << 20)
    with open(path, "wb") as f:
        for i in range(mib):
            b = i.to_bytes(8, "little") + block[8:]
            h.update(b)
            f.write(b)
    return h.hexdigest()


def test_large_upload_and_download_past_the_body_limit(server, tmp_path):
    # 80 MiB: past the 64 MiB limit of the other routes and past the 8 MiB spool threshold
    src = tmp_path / "big.bin"
    want = _big(src, 80)
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=300)
    with open(src, "rb") as f:
        c.request("PUT", f"{API}/large/big.bin", body=f, headers={"Content-Length": str(80 << 20)})
        r = c.getresponse()
        assert (r.status, r.read()) == (200, b"")
    c.request("GET", f"{API}/large/big.bin")
    r = c.getresponse()
    assert r.status == 200 and int(r.getheader("Content-Length")) == 80 << 20
    h = hashlib.sha256()
    while True:
        b = r.read(1 << 20)
        if not b:
            break
        h.update(b)
    assert h.hexdigest() == want
    c.close()
    assert os.listdir(os.path.join(dest(server), "large")) == ["big.bin"]


def test_chunked_upload(server):
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    c.request("PUT", f"{API}/chunked/c.bin", body=iter([b"abc", b"defg" * 1000, b"h"]),
              headers={"Transfer-Encoding": "chunked"}, encode_chunked=True)
    r = c.getresponse()
    assert (r.status, r.read()) == (200, b"")
    assert get(server, "chunked/c.bin")[2] == b"abc" + b"defg" * 1000 + b"h"


def test_interrupted_upload_leaves_nothing():
    s = Server()
    try:
        for size in (1 << 20, 40 << 20):  # in memory, and spooled to disk
            sock = socket.create_connection(("127.0.0.1", s.port))
            sock.sendall(f"PUT {API}/cut/part.bin HTTP/1.1\r\nHost: x\r\nContent-Length: {size}\r\n\r\n".encode())
            sock.sendall(b"z" * (size // 2))
            sock.close()
            time.sleep(0.5)
            assert not os.path.exists(os.path.join(dest(s), "cut")), tree(dest(s))
        # the server still works
        assert put(s, "cut/ok.txt", b"ok")[0] == 200
        assert tree(os.path.join(dest(s), "cut")) == ["ok.txt"]
    finally:
        s.stop()


def test_body_limit_applies_to_other_routes_only():
    s = Server(extra_args=("--max-body-size", str(1 << 20)))
    try:
        big = b"x" * (2 << 20)
        # refused on the announced length, before the body is read
        with socket.create_connection(("127.0.0.1", s.port), timeout=10) as c:
            c.sendall(b"POST /api/2.0/mlflow/experiments/create HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n{" % len(big))
            assert c.recv(4096).startswith(b"HTTP/1.1 413")
        with socket.create_connection(("127.0.0.1", s.port), timeout=10) as c:
            c.sendall(b"PUT /api/2.0/mlflow/experiments/create HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Length: %d\r\n\r\n{" % len(big))
            assert c.recv(4096).startswith(b"HTTP/1.1 413")
        assert put(s, "lim/big.bin", big)[0] == 200
        assert get(s, "lim/big.bin")[2] == big
    finally:
        s.stop()


# --- path safety -----------------------------------------------------------------------------------


TRAVERSALS = [
    "a/%2E%2E/%2E%2E/escape.txt",        # .. encoded once (the URL layer decodes it)
    "a/%252E%252E/%252E%252E/escape.txt",  # .. encoded twice
    "%2Fetc%2Fescape.txt",               # absolute
    "/etc/escape.txt",                   # absolute (double slash)
    "C:%5Cescape.txt",                   # Windows drive with a root
    "a%00b.txt",                         # NUL
    "a/b%23c.txt",                       # '#'
    "file:%2F%2F%2Fetc%2Fescape.txt",    # a file: URI to an absolute path
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_traversal_refused_on_every_proxy_rpc(server, path):
    before = tree(os.path.dirname(dest(server)))
    assert put(server, path, b"evil")[::2] == (400, INVALID)
    assert server.request("GET", f"{API}/{path}")[::2] == (400, INVALID)
    if urllib.parse.unquote(path).startswith("/"):
        # Flask's routes (DELETE, the multipart trio): Werkzeug redirects to the path with its slashes merged
        assert server.request("DELETE", f"{API}/{path}")[0] == 308
        assert server.request("POST", f"/api/2.0/mlflow-artifacts/mpu/create/{path}", {"path": "x"})[0] == 308
    else:
        assert server.request("DELETE", f"{API}/{path}")[::2] == (400, INVALID)
        assert server.request("POST", f"/api/2.0/mlflow-artifacts/mpu/create/{path}",
                              {"path": "x"})[::2] == (400, INVALID)
    assert tree(os.path.dirname(dest(server))) == before
    assert not os.path.exists("/etc/escape.txt")


@pytest.mark.parametrize("path", ["../x", "a/../../x", "%2E%2E/x", "/etc", "\\\\host\\share", "a%00b", "#x"])
def test_traversal_refused_in_list_query(server, path):
    q = urllib.parse.quote(path, safe="%")
    assert server.request("GET", f"{API}?path={q}")[::2] == (400, INVALID)


def test_backslash_is_a_plain_character(server):
    # validate_path_is_safe on POSIX (os.altsep None): "..\\x" is one name, inside the destination
    assert put(server, "bs/..%5C..%5Cx.txt", b"b")[0] == 200
    assert os.path.exists(os.path.join(dest(server), "bs", "..\\..\\x.txt"))
    assert server.request("GET", f"{API}?path=bs")[::2] == (200, {"files": [
        {"path": "..\\..\\x.txt", "is_dir": False, "file_size": 1}]})
    assert server.request("GET", f"{API}?path=..%5Cx")[::2] == (200, {})


def test_symlink_out_of_the_root_is_refused(server, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(b"secret")
    os.makedirs(dest(server), exist_ok=True)
    link = os.path.join(dest(server), "link")
    os.symlink(outside, link)
    os.symlink(outside / "secret.txt", os.path.join(dest(server), "filelink.txt"))
    try:
        assert put(server, "link/new.txt", b"evil")[::2] == (400, INVALID)
        assert put(server, "link/secret.txt", b"evil")[::2] == (400, INVALID)
        assert server.request("GET", f"{API}/link/secret.txt")[::2] == (400, INVALID)
        assert server.request("GET", f"{API}/filelink.txt")[::2] == (400, INVALID)
        assert server.request("GET", f"{API}?path=link")[::2] == (400, INVALID)
        assert server.request("DELETE", f"{API}/link")[::2] == (400, INVALID)
        assert server.request("DELETE", f"{API}/link/secret.txt")[::2] == (400, INVALID)
        assert sorted(os.listdir(outside)) == ["secret.txt"]
        assert (outside / "secret.txt").read_bytes() == b"secret"
        # a link that stays inside the root is followed
        assert put(server, "inside/real/f.txt", b"in")[0] == 200
        os.symlink(os.path.join(dest(server), "inside/real"), os.path.join(dest(server), "inside/alias"))
        assert get(server, "inside/alias/f.txt")[::2] == (200, b"in")
    finally:
        os.unlink(link)
        os.unlink(os.path.join(dest(server), "filelink.txt"))


# --- run artifacts: listArtifacts and the Flask routes ---------------------------------------------


def create_run(s, artifact_location=None):
    body = {"name": "exp-" + uuid.uuid4().hex[:8]}
    if artifact_location:
        body["artifact_location"] = artifact_location
    status, _, resp = s.post("experiments/create", body)
    assert status == 200, resp
    exp_id = resp["experiment_id"]
    status, _, resp = s.post("runs/create", {"experiment_id": exp_id})
    assert status == 200, resp
    return exp_id, resp["run"]["info"]


def test_list_run_artifacts_proxied(server):
    exp_id, info = create_run(server)
    assert info["artifact_uri"] == f"mlflow-artifacts:/{exp_id}/{info['run_id']}/artifacts"
    base = f"{exp_id}/{info['run_id']}/artifacts"
    for p in ("model/MLmodel", "model/data/w.bin", "metrics.json"):
        assert put(server, f"{base}/{p}", b"abc")[0] == 200
    status, _, body = server.get("artifacts/list", f"run_id={info['run_id']}")
    assert status == 200
    assert body == {"root_uri": info["artifact_uri"],
                    "files": [{"path": "metrics.json", "is_dir": False, "file_size": 3},
                              {"path": "model", "is_dir": True}]}
    status, _, body = server.get("artifacts/list", f"run_id={info['run_id']}&path=model")
    assert body["files"] == [{"path": "model/MLmodel", "is_dir": False, "file_size": 3},
                             {"path": "model/data", "is_dir": True}]
    status, _, body = server.get("artifacts/list", f"run_uuid={info['run_id']}&path=model/data&page_token=x")
    assert body["files"] == [{"path": "model/data/w.bin", "is_dir": False, "file_size": 3}]
    assert server.get("artifacts/list", f"run_id={info['run_id']}&path=none")[2] == {"root_uri": info["artifact_uri"]}
    # errors
    assert server.get("artifacts/list", f"run_id={info['run_id']}&path=../x")[::2] == (400, INVALID)
    status, _, body = server.get("artifacts/list", "run_id=nope")
    assert status == 404 and body["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    status, _, body = server.get("artifacts/list", "path=x")
    assert status == 400 and body["message"].startswith("Missing value for required parameter 'run_id'.")


def test_list_run_artifacts_local_root(server, tmp_path):
    root = tmp_path / "local-root"
    exp_id, info = create_run(server, artifact_location="file://" + str(root))
    run_dir = root / info["run_id"] / "artifacts"
    (run_dir / "sub").mkdir(parents=True)
    (run_dir / "sub" / "f.txt").write_bytes(b"12")
    (run_dir / "g.txt").write_bytes(b"1")
    status, _, body = server.get("artifacts/list", f"run_id={info['run_id']}")
    assert status == 200 and body["root_uri"] == info["artifact_uri"]
    assert body["files"] == [{"path": "g.txt", "is_dir": False, "file_size": 1},
                             {"path": "sub", "is_dir": True}]
    status, _, body = server.get("artifacts/list", f"run_id={info['run_id']}&path=sub")
    assert body["files"] == [{"path": "sub/f.txt", "is_dir": False, "file_size": 2}]
    # get-artifact reads the local root too
    status, h, data = server.request("GET", f"/get-artifact?run_id={info['run_id']}&path=sub/f.txt", raw=True)
    assert (status, data) == (200, b"12")
    assert h["content-disposition"] == "attachment; filename=f.txt"


def test_get_artifact(server):
    exp_id, info = create_run(server)
    base = f"{exp_id}/{info['run_id']}/artifacts"
    assert put(server, f"{base}/plots/p.png", b"\x89PNG")[0] == 200
    status, h, data = server.request("GET", f"/get-artifact?run_id={info['run_id']}&path=plots/p.png", raw=True)
    assert (status, data) == (200, b"\x89PNG")
    assert h["content-type"] == "image/png"
    assert h["content-disposition"] == "attachment; filename=p.png"
    assert h["x-content-type-options"] == "nosniff"
    status, _, data = server.request("GET", f"/get-artifact?run_uuid={info['run_id']}&path=plots/p.png", raw=True)
    assert (status, data) == (200, b"\x89PNG")
    assert server.request("GET", f"/get-artifact?run_id={info['run_id']}&path=../../x")[::2] == (400, INVALID)
    status, _, body = server.request("GET", f"/get-artifact?run_id={info['run_id']}&path=missing.txt")
    assert (status, body["message"]) == (404, f"No such artifact: '{base}/missing.txt'")
    status, _, body = server.request("GET", f"/get-artifact?run_id={info['run_id']}&path=plots")
    assert (status, body["message"]) == (400, f"Artifact path refers to a directory, not a file: '{base}/plots'")
    status, _, body = server.request("GET", f"/get-artifact?run_id={info['run_id']}", raw=True)
    assert status == 400 and b"Bad Request" in body
    status, _, body = server.request("GET", "/get-artifact?run_id=nope&path=x")
    assert status == 404 and body["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    assert server.request("POST", f"/get-artifact?run_id={info['run_id']}&path=x")[0] == 405


def test_model_version_get_artifact(server):
    exp_id, info = create_run(server)
    base = f"{exp_id}/{info['run_id']}/artifacts"
    assert put(server, f"{base}/model/MLmodel", b"flavors: {}\n")[0] == 200
    name = "mv-" + uuid.uuid4().hex[:8]
    assert server.post("registered-models/create", {"name": name})[0] == 200
    status, _, body = server.post("model-versions/create",
                                  {"name": name, "source": info["artifact_uri"] + "/model", "run_id": info["run_id"]})
    assert status == 200, body
    status, h, data = server.request("GET", f"/model-versions/get-artifact?name={name}&version=1&path=MLmodel",
                                     raw=True)
    assert (status, data) == (200, b"flavors: {}\n")
    assert h["content-type"] == "text/plain"
    assert server.request("GET", f"/model-versions/get-artifact?name={name}&version=1&path=..%2Fx")[::2] == (
        400, INVALID)
    status, _, body = server.request("GET", f"/model-versions/get-artifact?name={name}&version=9&path=MLmodel")
    assert status == 404 and body["error_code"] == "RESOURCE_DOES_NOT_EXIST"


def test_upload_artifact_ajax(server):
    exp_id, info = create_run(server)
    rid = info["run_id"]
    url = "/ajax-api/2.0/mlflow/upload-artifact"
    status, h, body = server.request("POST", f"{url}?run_uuid={rid}&path=dir/note.txt", b"note", raw=True)
    assert (status, body) == (200, b"")
    assert h["content-type"] == "application/json"
    assert os.path.exists(os.path.join(dest(server), exp_id, rid, "artifacts", "dir", "note.txt"))
    status, _, body = server.get("artifacts/list", f"run_id={rid}&path=dir")
    assert body["files"] == [{"path": "dir/note.txt", "is_dir": False, "file_size": 4}]

    def e(q, data):
        return server.request("POST", f"{url}?{q}", data)[::2]

    msg = lambda m: {"error_code": "INVALID_PARAMETER_VALUE", "message": m, "sqlstate": "KAM00",  # noqa: E731
                     "error_class": "INVALID_PARAMETER_VALUE"}
    assert e("path=x", b"d") == (400, msg("Request must specify run_id or run_uuid."))
    assert e(f"run_uuid={rid}", b"d") == (400, msg("Request must specify path."))
    assert e(f"run_uuid={rid}&path=../x", b"d") == (400, INVALID)
    assert e(f"run_uuid={rid}&path=x", b"") == (400, msg("Request must specify data."))
    assert e(f"run_uuid={rid}&path=x", b"y" * (10 * 1024 * 1024 + 1)) == (
        400, msg("Artifact size is too large. Max size is 10MB."))
    status, body = e("run_uuid=nope&path=x", b"d")
    assert status == 404 and body["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    assert server.request("GET", f"{url}?run_uuid={rid}&path=x")[0] == 405


def test_logged_model_artifact_files(server):
    exp_id, info = create_run(server)
    model_id = "m-" + uuid.uuid4().hex
    loc = f"mlflow-artifacts:/{exp_id}/models/{model_id}/artifacts"
    now = int(time.time() * 1000)
    server.sql("INSERT INTO logged_models (model_id, experiment_id, name, artifact_location, "
               "creation_timestamp_ms, last_updated_timestamp_ms, status, lifecycle_stage) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, 'active')", (model_id, int(exp_id), "lm", loc, now, now, 2))
    assert put(server, f"{exp_id}/models/{model_id}/artifacts/MLmodel", b"lm")[0] == 200
    url = f"/ajax-api/2.0/mlflow/logged-models/{model_id}/artifacts/files"
    status, h, data = server.request("GET", f"{url}?artifact_file_path=MLmodel", raw=True)
    assert (status, data) == (200, b"lm")
    assert h["content-disposition"] == "attachment; filename=MLmodel"
    status, _, body = server.request("GET", url)
    assert (status, body) == (400, {"error_code": "BAD_REQUEST", "message":
                                    'Request must include the "artifact_file_path" query parameter.',
                                    "sqlstate": "KAM00", "error_class": "INVALID_PARAMETER_VALUE"})
    assert server.request("GET", f"{url}?artifact_file_path=../../x")[::2] == (400, INVALID)
    status, _, body = server.request(
        "GET", "/ajax-api/2.0/mlflow/logged-models/m-nope/artifacts/files?artifact_file_path=x")
    assert (status, body) == (404, {"error_code": "RESOURCE_DOES_NOT_EXIST",
                                    "message": "Logged model with ID 'm-nope' not found.",
                                    "sqlstate": "KAM00", "error_class": "RESOURCE_NOT_FOUND"})


def test_static_prefix_routes(tmp_path):
    s = Server(extra_args=("--static-prefix", "/mlf"))
    try:
        exp_id, info = create_run(s)
        rid = info["run_id"]
        status, _, _ = s.request("POST", f"/mlf/ajax-api/2.0/mlflow/upload-artifact?run_uuid={rid}&path=a.txt", b"A",
                                 raw=True)
        assert status == 200
        assert s.request("GET", f"/mlf/get-artifact?run_id={rid}&path=a.txt", raw=True)[::2] == (200, b"A")
        assert s.request("GET", f"/get-artifact?run_id={rid}&path=a.txt")[0] == 404
        assert s.request("GET", f"/mlf/ajax-api/2.0/mlflow-artifacts/artifacts/{exp_id}/{rid}/artifacts/a.txt",
                         raw=True)[::2] == (200, b"A")
    finally:
        s.stop()


# --- server modes ----------------------------------------------------------------------------------


def test_no_serve_artifacts_mode(tmp_path):
    s = Server(extra_args=("--no-serve-artifacts", "--default-artifact-root", str(tmp_path / "roots")))
    try:
        # MLflow 3.18 serves the files' GET and PUT from FastAPI, with its own 503
        for method in ("PUT", "GET"):
            status, h, body = s.request(method, f"{API}/a/x.txt", b"x" if method == "PUT" else None, raw=True)
            assert (status, h["content-type"], json.loads(body)) == (503, "application/json", {
                "detail": "Artifact serving is disabled. Run `mlflow server` with `--serve-artifacts` to enable."})
        for method, path in (("DELETE", f"{API}/a/x.txt"), ("GET", API),
                             ("POST", "/api/2.0/mlflow-artifacts/mpu/create/a/x.txt")):
            status, h, body = s.request(method, path, b"x" if method in ("PUT", "POST") else None, raw=True)
            assert status == 503, (method, path)
            assert h["content-type"] == "text/html; charset=utf-8"
            rule = path.split("?")[0].replace("/a/x.txt", "/<path:artifact_path>")
            assert body.decode() == (f"Endpoint: {rule} disabled due to the mlflow server running with "
                                     "`--no-serve-artifacts`. To enable artifacts server functionality, run "
                                     "`mlflow server` with `--serve-artifacts`")
        assert not os.path.exists(os.path.join(s.dir, "mlartifacts"))
        # runs get local roots, and their listing and downloads work
        exp_id, info = create_run(s)
        assert info["artifact_uri"].startswith(str(tmp_path / "roots"))
        status, _, body = s.get("artifacts/list", f"run_id={info['run_id']}")
        assert (status, body) == (200, {"root_uri": info["artifact_uri"]})
    finally:
        s.stop()


def test_artifacts_only_mode():
    s = Server(extra_args=("--artifacts-only",))
    try:
        status, h, body = s.request("GET", "/api/2.0/mlflow/experiments/get?experiment_id=0", raw=True)
        assert status == 503 and h["content-type"] == "text/html; charset=utf-8"
        assert body.decode() == ("Endpoint: /api/2.0/mlflow/experiments/get disabled due to the mlflow server "
                                 "running in `--artifacts-only` mode. To enable tracking server functionality, run "
                                 "`mlflow server` without `--artifacts-only`")
        status, _, body = s.request("GET", "/api/2.0/mlflow/artifacts/list?run_id=x", raw=True)
        assert status == 503 and b"/api/2.0/mlflow/artifacts/list disabled" in body
        status, _, body = s.request("GET", "/ajax-api/2.0/mlflow/logged-models/m-1/artifacts/files"
                                           "?artifact_file_path=y", raw=True)
        assert status == 503 and body.startswith(
            b"Endpoint: /ajax-api/2.0/mlflow/logged-models/<model_id>/artifacts/files disabled")
        status, _, body = s.request("GET", "/model-versions/get-artifact?name=a&version=1&path=y", raw=True)
        assert status == 503
        status, _, body = s.request("GET", "/api/2.0/mlflow/registered-models/get?name=a", raw=True)
        assert status == 503 and b"/api/2.0/mlflow/registered-models/get disabled" in body
        # the proxy itself works
        assert put(s, "only/x.txt", b"x")[0] == 200
        assert get(s, "only/x.txt")[::2] == (200, b"x")
        assert s.request("GET", f"{API}?path=only")[2] == {"files": [{"path": "x.txt", "is_dir": False,
                                                                       "file_size": 1}]}
    finally:
        s.stop()


def test_default_artifact_root_when_serving(server):
    status, _, body = server.post("experiments/create", {"name": "root-" + uuid.uuid4().hex[:6]})
    exp = server.get("experiments/get", f"experiment_id={body['experiment_id']}")[2]["experiment"]
    assert exp["artifact_location"] == f"mlflow-artifacts:/{body['experiment_id']}"


def test_artifacts_destination_flag(tmp_path):
    d = tmp_path / "elsewhere"
    s = Server(extra_args=("--artifacts-destination", str(d)))
    try:
        assert put(s, "x/y.txt", b"y")[0] == 200
        assert (d / "x" / "y.txt").read_bytes() == b"y"
        assert not os.path.exists(os.path.join(s.dir, "mlartifacts"))
    finally:
        s.stop()
