"""The real MLflow Python clients against `mlflow-c server`: tools/mlflow-suite/client_scenario.py
(experiments, runs, log_batch, metric history, registry, artifacts, log_model/load_model) once with
MLflow 3.18's client and once with 2.x's (2.22.5), each on a fresh server of the backend under test.

The interpreters are the reference environment's (tools/ref-env.sh; tools/test.sh sources
.ref/env.sh): $MLFLOW_C_REF_PYTHON (3.18.0) and $MLFLOW_C_REF2_PYTHON (2.22.5). Each client's test
skips when its interpreter is not set."""

import os
import subprocess

import pytest

from conftest import Server

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "..", "tools", "mlflow-suite", "client_scenario.py")
CLIENTS = {"mlflow3": "MLFLOW_C_REF_PYTHON", "mlflow2": "MLFLOW_C_REF2_PYTHON"}


@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_mlflow_client(client):
    py = os.environ.get(CLIENTS[client])
    if not py or not os.path.exists(py):
        why = f"${CLIENTS[client]} unset or missing: run tools/ref-env.sh and source .ref/env.sh"
        if os.environ.get("MLFLOW_C_REQUIRE_REF"):  # CI: the reference is required there
            pytest.fail(why)
        pytest.skip(why)
    s = Server()
    try:
        # the client is an ordinary program: none of the sanitizer runtime meant for our server
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LD_PRELOAD", "ASAN", "LSAN", "TSAN"))}
        env.pop("MLFLOW_TRACKING_URI", None)
        # a server error should fail its check now, not after the client's minutes of retries
        env["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "1"
        p = subprocess.run([py, SCRIPT, f"http://127.0.0.1:{s.port}"], cwd=s.dir, env=env,
                           capture_output=True, text=True, timeout=600)
        out = p.stdout + p.stderr
        print(out)
        last = p.stdout.strip().splitlines()[-1:] or [""]
        assert p.returncode == 0, out[-6000:]
        assert last[0].endswith(" passed, 0 failed"), out[-6000:]
    finally:
        s.stop()
