"""MLflow's web UI as mlflow-c serves it (src/server/ui.c): `/`, `/static-files/<path>`, Flask's `/build/<path>`,
--static-prefix, caching headers and 304s, gzip, HEAD, traversal attempts, and where the build comes from
(--ui-dir, MLFLOW_C_UI_DIR, the interpreter of MLFLOW_C_PYTHON, else our page). The build here is a small one
made by the test (never MLflow's own files); the answers asserted are MLflow 3.18's (mlflow/server/__init__.py)."""

import gzip
import os
import stat

import pytest

from conftest import PG, Server

# the UI does not touch the store: once is enough
pytestmark = pytest.mark.skipif(PG, reason="the UI's files do not depend on the backend")

INDEX = (b'<!doctype html><html lang="en"><head><title>MLflow</title>'
         b'<script defer="defer" src="static-files/static/js/main.0123abcd.js"></script></head>'
         b'<body><div id="root"></div></body></html>')
MAIN_JS = b"/* the app */\n" + b"".join(b"function f%d(){return %d;}\n" % (i, i) for i in range(3000))
LICENSE = b"MIT License " * 40
PNG = bytes(range(256)) * 8
SMALL_CSS = b"a{color:red}"
SECRET = b"not part of the build"


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    root = tmp_path_factory.mktemp("ui")
    d = root / "build"
    (d / "static" / "js").mkdir(parents=True)
    (d / "static" / "media").mkdir()
    (d / "static" / "css").mkdir()
    (d / "index.html").write_bytes(INDEX)
    (d / "static" / "js" / "main.0123abcd.js").write_bytes(MAIN_JS)
    (d / "static" / "js" / "main.0123abcd.js.LICENSE.txt").write_bytes(LICENSE)
    (d / "static" / "media" / "logo.89abcdef01234567.png").write_bytes(PNG)
    (d / "static" / "css" / "tiny.css").write_bytes(SMALL_CSS)
    (d / "manifest.json").write_bytes(b'{"short_name": "MLflow", "icons": []}' + b" " * 300)
    # outside the build: what traversal attempts aim at
    (root / "secret.txt").write_bytes(SECRET)
    os.symlink(root / "secret.txt", d / "static" / "link.txt")
    return d


@pytest.fixture(scope="module")
def ui(build):
    s = Server(extra_args=("--ui-dir", str(build)))
    yield s
    s.stop()


def get(server, path, method="GET", **headers):
    return server.request(method, path, headers=headers, raw=True)


def assert_404(server, path, method="GET"):
    status, h, body = get(server, path, method)
    assert status == 404, (path, status, body)
    assert h["content-type"] == "text/html; charset=utf-8" and b"<title>404 Not Found</title>" in body, body


def test_index(ui):
    status, h, body = get(ui, "/")
    assert status == 200 and body == INDEX
    assert h["content-type"] == "text/html; charset=utf-8"
    assert h["cache-control"] == "no-cache"  # send_from_directory without max_age
    assert h["content-disposition"] == "inline; filename=index.html"
    assert h["etag"].startswith('"') and h["etag"].endswith('"')
    assert h["last-modified"].endswith(" GMT")
    assert "content-encoding" not in h
    # the same file under /static-files gets Flask's max_age (28 days), under /build Flask's default
    status, h2, body = get(ui, "/static-files/index.html")
    assert status == 200 and body == INDEX and h2["cache-control"] == "public, max-age=2419200"
    assert h2["etag"] == h["etag"]
    status, h3, body = get(ui, "/build/index.html")
    assert status == 200 and body == INDEX and h3["cache-control"] == "no-cache"


def test_assets(ui):
    status, h, body = get(ui, "/static-files/static/js/main.0123abcd.js")
    assert status == 200 and body == MAIN_JS
    assert h["content-type"] == "text/javascript; charset=utf-8"
    assert h["cache-control"] == "public, max-age=31536000, immutable"  # a hashed name never changes
    assert h["content-length"] == str(len(MAIN_JS))
    assert h["content-disposition"] == "inline; filename=main.0123abcd.js"
    status, h, body = get(ui, "/static-files/static/media/logo.89abcdef01234567.png")
    assert status == 200 and body == PNG and h["content-type"] == "image/png"
    status, h, body = get(ui, "/static-files/manifest.json")
    assert status == 200 and h["content-type"] == "application/json"
    assert h["cache-control"] == "public, max-age=2419200"  # no hash: MLflow's max_age
    status, h, body = get(ui, "/static-files/static/css/tiny.css")
    assert status == 200 and body == SMALL_CSS and h["content-type"] == "text/css; charset=utf-8"
    # percent-encoded names are decoded first
    status, _, body = get(ui, "/static-files/static/js/main%2E0123abcd.js")
    assert status == 200 and body == MAIN_JS


def test_conditional(ui):
    _, h, _ = get(ui, "/static-files/static/js/main.0123abcd.js")
    etag, lm = h["etag"], h["last-modified"]
    status, h2, body = get(ui, "/static-files/static/js/main.0123abcd.js", **{"If-None-Match": etag})
    assert status == 304 and body == b""
    assert h2["etag"] == etag and h2["cache-control"] == "public, max-age=31536000, immutable"
    assert get(ui, "/static-files/static/js/main.0123abcd.js", **{"If-None-Match": "W/" + etag})[0] == 304
    assert get(ui, "/static-files/static/js/main.0123abcd.js", **{"If-None-Match": '"x", ' + etag})[0] == 304
    assert get(ui, "/static-files/static/js/main.0123abcd.js", **{"If-None-Match": '"other"'})[0] == 200
    # If-Modified-Since, unless If-None-Match is there too
    assert get(ui, "/", **{"If-Modified-Since": lm})[0] == 304
    assert get(ui, "/", **{"If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"})[0] == 200
    assert get(ui, "/", **{"If-Modified-Since": "not a date"})[0] == 200
    assert get(ui, "/", **{"If-Modified-Since": lm, "If-None-Match": '"other"'})[0] == 200
    # the gzip copy's tag revalidates too
    _, hz, _ = get(ui, "/static-files/static/js/main.0123abcd.js", **{"Accept-Encoding": "gzip"})
    assert hz["etag"] != etag
    status, _, body = get(ui, "/static-files/static/js/main.0123abcd.js",
                          **{"Accept-Encoding": "gzip", "If-None-Match": hz["etag"]})
    assert status == 304 and body == b""


def test_gzip(ui):
    path = "/static-files/static/js/main.0123abcd.js"
    status, h, body = get(ui, path, **{"Accept-Encoding": "gzip, deflate, br"})
    assert status == 200 and h["content-encoding"] == "gzip" and h["vary"] == "Accept-Encoding"
    assert len(body) < len(MAIN_JS) // 3 and gzip.decompress(body) == MAIN_JS
    assert h["content-length"] == str(len(body))
    for refused in ("identity", "br", "gzip;q=0", ""):
        status, h, body = get(ui, path, **{"Accept-Encoding": refused})
        assert status == 200 and body == MAIN_JS and "content-encoding" not in h, refused
        assert h["vary"] == "Accept-Encoding"
    # not worth it: tiny files, images
    for p in ("/static-files/static/css/tiny.css", "/static-files/static/media/logo.89abcdef01234567.png"):
        status, h, body = get(ui, p, **{"Accept-Encoding": "gzip"})
        assert status == 200 and "content-encoding" not in h and "vary" not in h, p
    status, h, body = get(ui, "/", **{"Accept-Encoding": "gzip"})
    assert status == 200 and gzip.decompress(body) == INDEX if h.get("content-encoding") == "gzip" else body == INDEX


def test_head(ui):
    for path in ("/", "/static-files/static/js/main.0123abcd.js", "/build/index.html"):
        _, hg, bg = get(ui, path, **{"Accept-Encoding": "gzip"})
        status, hh, bh = get(ui, path, "HEAD", **{"Accept-Encoding": "gzip"})
        assert status == 200 and bh == b"", path
        for k in ("content-type", "content-length", "etag", "last-modified", "cache-control"):
            assert hh[k] == hg[k], (path, k)
    status, _, body = get(ui, "/static-files/nope.js", "HEAD")
    assert status == 404 and body == b""


def test_unknown_paths(ui):
    # the UI routes with the URL's #fragment: any other path is Werkzeug's 404, as with MLflow
    for path in ("/foo", "/experiments/0", "/static-files/", "/static-files/nope.js", "/static-files/static",
                 "/static-files/static/js", "/static/js/main.0123abcd.js", "/build/", "/build/nope",
                 "/index.html"):
        assert_404(ui, path)
    for path in ("/", "/static-files/index.html"):
        status, _, body = get(ui, path, "POST")
        assert status == 405 and b"Method Not Allowed" in body


def test_traversal(ui, build):
    for path in ("/static-files/../secret.txt", "/static-files/%2e%2e/secret.txt", "/static-files/%252e%252e/secret.txt",
                 "/static-files/static/../../secret.txt", "/static-files/..%2fsecret.txt",
                 "/static-files/..%5csecret.txt", "/static-files/%2fetc/passwd", "/static-files//etc/passwd",
                 "/static-files/" + str(build.parent / "secret.txt"), "/static-files/index.html%00.js",
                 "/static-files/static/link.txt", "/build/../secret.txt", "/build/%2e%2e/secret.txt"):
        status, _, body = get(ui, path)
        # 308: Werkzeug's merged slashes, whose target is a 404 in turn
        assert status in (404, 308) and SECRET not in body, (path, status, body)


def test_static_prefix(build):
    s = Server(extra_args=("--ui-dir", str(build), "--static-prefix", "/mlflow"))
    try:
        status, h, body = get(s, "/mlflow/")
        assert status == 200 and body == INDEX and h["cache-control"] == "no-cache"
        # Werkzeug's strict slashes
        status, h, _ = get(s, "/mlflow")
        assert status == 308 and h["location"] == f"http://127.0.0.1:{s.port}/mlflow/"
        status, _, body = get(s, "/mlflow/static-files/static/js/main.0123abcd.js")
        assert status == 200 and body == MAIN_JS
        assert_404(s, "/")
        assert_404(s, "/static-files/static/js/main.0123abcd.js")
        assert_404(s, "/mlflow/foo")
        # Flask's own static route has no prefix
        assert get(s, "/build/index.html")[0] == 200
        assert_404(s, "/mlflow/build/index.html")
    finally:
        s.stop()


NO_UI_WORDS = (b"pip install mlflow", b"--ui-dir", b"MLFLOW_C_UI_DIR")


def test_no_ui_page():
    s = Server(extra_args=("--ui-dir", "/nonexistent/mlflow-ui-build"))
    try:
        status, h, body = get(s, "/")
        assert status == 200 and h["content-type"] == "text/html; charset=utf-8"
        assert all(w in body for w in NO_UI_WORDS), body
        assert get(s, "/", "HEAD")[:3:2] == (200, b"")
        assert_404(s, "/static-files/index.html")
        assert_404(s, "/build/index.html")
        assert "no web UI" in s.logs()
    finally:
        s.stop()


def test_ui_dir_from_environment(build, monkeypatch):
    monkeypatch.setenv("MLFLOW_C_UI_DIR", str(build))
    s = Server()
    try:
        assert get(s, "/")[2] == INDEX
    finally:
        s.stop()
    # --ui-dir wins over the variable
    s = Server(extra_args=("--ui-dir", "/nonexistent/mlflow-ui-build"))
    try:
        assert NO_UI_WORDS[0] in get(s, "/")[2]
    finally:
        s.stop()


def fake_python(tmp_path, output, code=0):
    """An interpreter that answers the server's one question (where mlflow's build is) with output."""
    p = tmp_path / "python"
    p.write_text(f"#!/bin/sh\nprintf '%s\\n' '{output}'\nexit {code}\n")
    p.chmod(p.stat().st_mode | stat.S_IEXEC)
    return str(p)


def test_installed_mlflow(build, tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_C_UI_DIR", raising=False)
    monkeypatch.setenv("MLFLOW_C_PYTHON", fake_python(tmp_path, str(build)))
    s = Server()
    try:
        assert get(s, "/")[2] == INDEX
        assert f"serving MLflow's web UI from {build}" in s.logs()
    finally:
        s.stop()
    # no mlflow package (empty answer), a failing or a missing interpreter: our page
    for python in (fake_python(tmp_path, ""), fake_python(tmp_path, str(build), 1), "/nonexistent/python3"):
        monkeypatch.setenv("MLFLOW_C_PYTHON", python)
        s = Server()
        try:
            assert NO_UI_WORDS[0] in get(s, "/")[2], python
        finally:
            s.stop()


REF_PYTHON = os.environ.get("MLFLOW_C_REF_PYTHON") or os.path.join(
    os.path.dirname(__file__), "..", "..", ".ref", "mlflow3", "bin", "python")


@pytest.mark.skipif(not os.path.exists(REF_PYTHON), reason="the reference environment (tools/ref-env.sh) is not installed")
def test_reference_mlflow_build(monkeypatch):
    """The real thing: the build of the reference MLflow 3.18, found through its interpreter."""
    monkeypatch.delenv("MLFLOW_C_UI_DIR", raising=False)
    monkeypatch.setenv("MLFLOW_C_PYTHON", REF_PYTHON)
    s = Server()
    try:
        status, h, body = get(s, "/")
        assert status == 200 and b'<div id="root"' in body
        # every script and stylesheet the index names is there, with a long life
        import re
        for ref in re.findall(rb'(?:src|href)="\.?/?(static-files/[^"]+)"', body):
            status, h, _ = get(s, "/" + ref.decode(), **{"Accept-Encoding": "gzip"})
            assert status == 200, ref
    finally:
        s.stop()
