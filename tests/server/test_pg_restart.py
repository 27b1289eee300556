"""The PostgreSQL backend across a database restart (issue 7): while the database is down every
request gets MLflow's TEMPORARILY_UNAVAILABLE (503) at once, never a hang, a crash or another 5xx;
once it is back the server's pooled connections reconnect and the very next requests succeed.

Runs its own throwaway cluster (tools/pg.sh), so stopping it disturbs no other test.
PostgreSQL only (MLFLOW_C_TEST_BACKEND=postgresql)."""

import os
import shutil
import subprocess
import tempfile
import time

import pytest

from conftest import Server, pg_only

pytestmark = pg_only

PG_SH = os.path.join(os.path.dirname(__file__), "..", "..", "tools", "pg.sh")


def pg(*args):
    return subprocess.run([PG_SH, *args], check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def cluster():
    d = tempfile.mkdtemp(prefix="mlfc-pg-restart-")
    try:
        uri = pg("start", d)
        yield d, uri
    finally:
        subprocess.run([PG_SH, "stop", d], capture_output=True)
        shutil.rmtree(d, ignore_errors=True)


def test_requests_during_and_after_a_restart(cluster):
    d, uri = cluster
    server = Server(store_uri=uri)
    try:
        api = "/api/2.0/mlflow/"
        status, _, body = server.request("POST", api + "runs/create", {"experiment_id": "0"})
        assert status == 200, body
        run_id = body["run"]["info"]["run_id"]
        # several pooled connections: a few requests at once
        for i in range(4):
            assert server.request("POST", api + "runs/log-metric",
                                  {"run_id": run_id, "key": "m", "value": i, "timestamp": i, "step": i})[0] == 200

        pg("stop", d)
        for path, body in (("runs/get?run_id=" + run_id, None),
                           ("runs/log-metric", {"run_id": run_id, "key": "m", "value": 9, "timestamp": 9}),
                           ("experiments/search", {"max_results": 5})):
            t0 = time.monotonic()
            status, _, resp = server.request("GET" if body is None else "POST", api + path, body)
            assert time.monotonic() - t0 < 10, "a request hung while the database was down"
            assert status == 503, resp
            assert resp["error_code"] == "TEMPORARILY_UNAVAILABLE", resp
            assert resp["message"].startswith("(psycopg2.OperationalError)"), resp
        assert server.proc.poll() is None, "the server exited while the database was down"

        assert pg("start", d) == uri  # the same cluster, on its port
        # the first requests after the restart already succeed: stale connections reconnect before use
        for i in range(8):
            status, _, resp = server.request("POST", api + "runs/log-metric",
                                             {"run_id": run_id, "key": "m", "value": 10 + i, "timestamp": 10 + i,
                                              "step": 10 + i})
            assert status == 200, resp
        status, _, resp = server.request("GET", api + "metrics/get-history?run_id=" + run_id + "&metric_key=m")
        assert status == 200, resp
        assert [m["value"] for m in resp["metrics"]] == [float(v) for v in list(range(4)) + list(range(10, 18))]
    finally:
        server.stop()
