"""MLflow 3.18's tracing SDK and the OpenTelemetry SDK's OTLP/HTTP exporter against `mlflow-c server`,
compared with the same scenario against Python MLflow 3.18's own `mlflow server`.

tools/mlflow-suite/trace_scenario.py (run with $MLFLOW_C_REF_PYTHON, the reference environment's
MLflow 3.18.0 and opentelemetry-exporter-otlp-proto-http) drives the public API: `@mlflow.trace`
nested spans with attributes, `mlflow.start_span`, a raising function (ERROR status and its
exception event), trace tags, `mlflow.log_feedback` / `log_expectation` / get / update / override /
delete assessments, traces of a run and `link_traces_to_run`, the OTLP exporter posting to
`/v1/traces` with the x-mlflow-experiment-id header, `mlflow.get_trace`, `mlflow.search_traces()` to a
DataFrame and with filters, `MlflowClient.search_traces` pages, `delete_traces` by ids and by time.
It writes, per step, what the SDK returned (ids and times normalised), the exception it raised,
MLflow's logged warnings (a failed trace export is only logged) and every HTTP request it made.

Both servers start on fresh databases of the backend under test (the reference on a second
database of the same cluster on PostgreSQL), the scenario runs once against each, and each step is
its own test: `test_step[<step>]` fails with the step's name, the requests mlflow-c answered with an
error, and the differences from the reference. A step the reference itself fails is an error of the
scenario (it fails too). Skips without $MLFLOW_C_REF_PYTHON, fails then under MLFLOW_C_REQUIRE_REF."""

import difflib
import json
import os
import shutil
import subprocess
import tempfile
import time

import pytest

from conftest import PG, PG_MISSING, Server, free_port, pg_create_database, pg_database_uri, pg_drop_database

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "..", "tools", "mlflow-suite", "trace_scenario.py")
REF_PYTHON = os.environ.get("MLFLOW_C_REF_PYTHON", "")

# The scenario's steps, in order (trace_scenario.py); one test each.
STEPS = [
    "set_experiment",
    "decorated nested spans",
    "get_trace decorated",
    "start_span",
    "get_trace start_span",
    "exception",
    "get_trace exception",
    "set and delete trace tags",
    "log_feedback and log_expectation",
    "get, update, override and delete assessments",
    "get_trace with assessments",
    "traces linked to a run",
    "OTLP exporter to /v1/traces",
    "get_trace OTLP",
    "search_traces DataFrame",
    "search_traces filters",
    "MlflowClient.search_traces pages",
    "delete_traces by ids",
    "delete_traces by time",
    "get_trace of a deleted trace",
]


def _client_env():
    # the client is an ordinary program: none of the sanitizer runtime meant for our server
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LD_PRELOAD", "ASAN", "LSAN", "TSAN", "UBSAN"))}
    for k in ("MLFLOW_TRACKING_URI", "MLFLOW_EXPERIMENT_ID", "MLFLOW_EXPERIMENT_NAME"):
        env.pop(k, None)
    return env


class RefServer:
    """Python MLflow 3.18's `mlflow server` (one worker) on a fresh database of the backend under test."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="mlflow-c-ref-")
        self.pg_db = None
        if PG:
            self.pg_db = pg_create_database()
            uri = pg_database_uri(self.pg_db).replace("postgresql://", "postgresql+psycopg2://", 1)
        else:
            uri = "sqlite:///" + os.path.join(self.dir, "mlflow.db")
        self.port = free_port()
        self.log = open(os.path.join(self.dir, "server.log"), "w+")
        env = _client_env()
        env["MLFLOW_DISABLE_TELEMETRY"] = "true"
        self.proc = subprocess.Popen(
            [REF_PYTHON, "-m", "mlflow", "server", "--port", str(self.port), "--host", "127.0.0.1",
             "--workers", "1", "--backend-store-uri", uri,
             "--artifacts-destination", os.path.join(self.dir, "artifacts")],
            stdout=self.log, stderr=subprocess.STDOUT, cwd=self.dir, env=env)
        import urllib.request
        deadline = time.time() + 120
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("the reference server exited: " + self.logs()[-3000:])
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.time() > deadline:
                self.stop()
                raise RuntimeError("the reference server did not start: " + self.logs()[-3000:])
            time.sleep(0.3)

    def logs(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        if self.pg_db is not None:
            pg_drop_database(self.pg_db)
            self.pg_db = None


def run_scenario(port, outdir, name, script=SCRIPT):
    """Runs a scenario script (the reference's interpreter) against the server on port: its steps by name."""
    out = os.path.join(outdir, name + ".json")
    p = subprocess.run([REF_PYTHON, script, f"http://127.0.0.1:{port}", out], cwd=outdir, env=_client_env(),
                       capture_output=True, text=True, timeout=600)
    with open(os.path.join(outdir, name + ".log"), "w") as f:
        f.write(p.stdout + p.stderr)
    if p.returncode != 0 or not os.path.exists(out):
        return {"crashed": (p.stdout + p.stderr)[-4000:]}
    with open(out) as f:
        return {s["step"]: s for s in json.load(f)}


def run_both(script, prefix):
    """(reference steps, mlflow-c steps, output dir) of script run against MLflow 3.18's server and ours,
    each on a fresh database of the backend under test; skips (fails under MLFLOW_C_REQUIRE_REF) without
    the reference."""
    if not REF_PYTHON or not os.path.exists(REF_PYTHON):
        why = "$MLFLOW_C_REF_PYTHON unset or missing: run tools/ref-env.sh and source .ref/env.sh"
        if os.environ.get("MLFLOW_C_REQUIRE_REF"):  # CI: the reference is required there
            pytest.fail(why)
        pytest.skip(why)
    if PG_MISSING:
        pytest.skip("MLFLOW_C_TEST_BACKEND=postgresql without MLFLOW_C_TEST_PG_URI")
    # the two runs' outputs stay for a look after a failure (small JSON files)
    outdir = tempfile.mkdtemp(prefix=prefix)
    ref = RefServer()
    try:
        reference = run_scenario(ref.port, outdir, "reference", script)
    finally:
        ref.stop()
    ours = Server(extra_args=["--artifacts-destination", os.path.join(outdir, "mlflow-c-artifacts")])
    try:
        mine = run_scenario(ours.port, outdir, "mlflow-c", script)
    finally:
        ours.stop()
    print(f"\nscenario outputs: {outdir}/reference.json, {outdir}/mlflow-c.json")
    return reference, mine, outdir


@pytest.fixture(scope="module")
def runs():
    return run_both(SCRIPT, "mlflow-c-tracing-sdk-")


def diff(a, b, path="", out=None, limit=40):
    """The paths where b differs from a (reference, mlflow-c), as readable lines."""
    out = [] if out is None else out
    if len(out) >= limit:
        return out
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            if k not in b:
                out.append(f"{path}.{k}: missing on mlflow-c (reference: {json.dumps(a[k])[:200]})")
            elif k not in a:
                out.append(f"{path}.{k}: only on mlflow-c: {json.dumps(b[k])[:200]}")
            else:
                diff(a[k], b[k], f"{path}.{k}", out, limit)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{path}: {len(a)} items on the reference, {len(b)} on mlflow-c")
        for i, (x, y) in enumerate(zip(a, b)):
            diff(x, y, f"{path}[{i}]", out, limit)
    elif a != b:
        out.append(f"{path}: reference {json.dumps(a)[:300]}, mlflow-c {json.dumps(b)[:300]}")
    return out


def check_ran(runs, steps, script):
    """Fails unless both runs of run_both() ran to the end with the steps a test file lists."""
    reference, mine, outdir = runs
    assert "crashed" not in reference, "the scenario crashed against the reference:\n" + reference["crashed"]
    assert "crashed" not in mine, "the scenario crashed against mlflow-c:\n" + mine["crashed"]
    assert list(reference) == steps, f"{script}'s steps are not the test file's STEPS"


def step_outcomes(runs, name):
    """The reference's and mlflow-c's outcome of one step of run_both()'s runs, and their directory."""
    reference, mine, outdir = runs
    if "crashed" in reference or "crashed" in mine:
        pytest.fail("the scenario did not run (test_scenario_ran says why)")
    ref, got = reference.get(name), mine.get(name)
    assert ref is not None and got is not None, f"step {name!r} missing from a run (outputs in {outdir})"
    return ref, got, outdir


def test_scenario_ran(runs):
    check_ran(runs, STEPS, "trace_scenario.py")


@pytest.mark.parametrize("name", STEPS)
def test_step(runs, name):
    ref, got, outdir = step_outcomes(runs, name)
    assert ref["error"] is None and not ref["warnings"], (
        f"step {name!r} failed against Python MLflow itself (the scenario is wrong): {ref['error']} "
        f"{ref['warnings']}")
    failed = [r for r in got["requests"] if " -> " in r and not r.split(" -> ", 1)[1][:1] in ("1", "2", "3")]
    problems = []
    if got["error"]:
        problems.append(f"the SDK raised: {got['error']}")
    if got["warnings"]:
        problems.append("MLflow logged: " + "; ".join(got["warnings"]))
    if got["requests"] != ref["requests"]:
        if failed:
            problems.append("requests mlflow-c answered with an error:\n    " + "\n    ".join(failed))
        problems.append("the SDK's requests differ (- reference, + mlflow-c):\n    " + "\n    ".join(
            difflib.unified_diff(ref["requests"], got["requests"], lineterm="", n=1)))
    d = diff(ref["result"], got["result"], "result")
    if d:
        problems.append("results differ:\n    " + "\n    ".join(d))
    assert not problems, f"step {name!r} (outputs in {outdir}):\n  " + "\n  ".join(problems)
