"""The real MLflow client (log_artifact, log_dict, sklearn models, download_artifacts) against
`mlflow-c server`: tools/mlflow-suite/client_artifacts.py in MLflow's environment.

Runs with the reference environment's interpreter, $MLFLOW_C_REF_PYTHON (MLflow 3.18.0, made by
tools/ref-env.sh; tools/test.sh sources .ref/env.sh), or else in an older MLflow environment
(MLFLOW_REF_ENV, else /opt/mlflow-ref/env.sh: a shell file that puts MLflow on /usr/bin/python3's
path); skips when there is neither."""

import os
import subprocess

import pytest

from conftest import Server

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "..", "tools", "mlflow-suite", "client_artifacts.py")
ENV = os.environ.get("MLFLOW_REF_ENV") or "/opt/mlflow-ref/env.sh"
REF_PYTHON = os.environ.get("MLFLOW_C_REF_PYTHON")
HAVE_REF = bool(REF_PYTHON) and os.path.exists(REF_PYTHON)


@pytest.mark.skipif(not HAVE_REF and not os.path.exists(ENV),
                    reason=f"no MLflow environment (MLFLOW_C_REF_PYTHON unset, {ENV} missing)")
def test_mlflow_client_artifacts():
    s = Server()
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LD_PRELOAD", "ASAN", "LSAN"))}
        env.pop("MLFLOW_TRACKING_URI", None)
        if HAVE_REF:
            cmd = f'exec "{REF_PYTHON}" "{SCRIPT}" http://127.0.0.1:{s.port}'
        else:
            cmd = f'. "{ENV}" && exec /usr/bin/python3 "{SCRIPT}" http://127.0.0.1:{s.port}'
        p = subprocess.run(["bash", "-c", cmd], cwd=s.dir, env=env, capture_output=True, text=True, timeout=900)
        out = p.stdout + p.stderr
        print(out)
        assert p.returncode == 0, out[-4000:]
        assert " 0 failed" in p.stdout
    finally:
        s.stop()
