"""Starts the real `mlflow-c server` on a free port with a fresh database."""

import http.client
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

BIN = os.environ.get("MLFLOW_C_BIN", os.path.join(os.path.dirname(__file__), "..", "..", "build", "mlflow-c"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, db_path=None, extra_args=()):
        self.dir = tempfile.mkdtemp(prefix="mlflow-c-test-")
        self.db = db_path or os.path.join(self.dir, "mlflow.db")
        self.port = free_port()
        self.log = open(os.path.join(self.dir, "server.log"), "w+")
        self.proc = subprocess.Popen(
            [BIN, "server", "--port", str(self.port), "--workers", "2",
             "--backend-store-uri", "sqlite:///" + self.db, *extra_args],
            stdout=self.log, stderr=subprocess.STDOUT, cwd=self.dir)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited: " + self.logs())
            try:
                if self.request("GET", "/health")[0] == 200:
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not start: " + self.logs())

    def logs(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def request(self, method, path, body=None, headers=None, raw=False):
        """Returns (status, headers dict, body bytes or parsed JSON)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        hdrs = dict(headers or {})
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
            hdrs.setdefault("Content-Type", "application/json")
        conn.request(method, path, body=body, headers=hdrs)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        h = {k.lower(): v for k, v in resp.getheaders()}
        if not raw and h.get("content-type", "").startswith("application/json"):
            data = json.loads(data)
        return resp.status, h, data

    def post(self, rpc_path, body, prefix="/api/2.0/mlflow/"):
        return self.request("POST", prefix + rpc_path, body)

    def get(self, rpc_path, query="", prefix="/api/2.0/mlflow/"):
        return self.request("GET", prefix + rpc_path + (("?" + query) if query else ""))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                rc = self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                rc = self.proc.wait()
            assert rc == 0, "server did not shut down cleanly: " + self.logs()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def server():
    s = Server()
    yield s
    s.stop()


@pytest.fixture
def fresh_server():
    s = Server()
    yield s
    s.stop()
