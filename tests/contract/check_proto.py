#!/usr/bin/env python3
"""proto/ against the installed reference MLflow (tools/proto-check), as a test.

Runs tools/proto-check with the reference environment's interpreter,
$MLFLOW_C_REF_PYTHON (tools/ref-env.sh makes it; tools/test.sh sources
.ref/env.sh when it is there). Fails on any difference of the wire contract;
skips (exit 77) when no reference environment is set up, unless
MLFLOW_C_REQUIRE_REF is set (CI sets it: there the reference is required)."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
py = os.environ.get("MLFLOW_C_REF_PYTHON")
if not py or not os.path.exists(py):
    print("no reference MLflow (MLFLOW_C_REF_PYTHON unset: run tools/ref-env.sh)")
    sys.exit(1 if os.environ.get("MLFLOW_C_REQUIRE_REF") else 77)
sys.exit(subprocess.run([py, os.path.join(ROOT, "tools", "proto-check")]).returncode)
