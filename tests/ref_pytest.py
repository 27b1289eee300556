"""Runs pytest under the reference environment's Python (MLflow 3.18, see
docs/reference-env.md): `ref_pytest.py PYTEST-ARGS...`.

For the tests that import MLflow itself (tests/ffi/test_store.py), which the
repository's own Python cannot. Without MLFLOW_C_REF_PYTHON it exits 77, which
meson counts as a skip, unless MLFLOW_C_REQUIRE_REF is set (CI): then it fails,
so a missing reference can never pass for a green run."""

import os
import sys

ref = os.environ.get("MLFLOW_C_REF_PYTHON")
if not ref:
    if os.environ.get("MLFLOW_C_REQUIRE_REF"):
        sys.exit("MLFLOW_C_REF_PYTHON is not set and MLFLOW_C_REQUIRE_REF is: source .ref/env.sh")
    print("skipped: no reference environment (source .ref/env.sh)")
    sys.exit(77)
os.execv(ref, [ref, "-m", "pytest", *sys.argv[1:]])
