"""Trace assessments (createAssessment, GetAssessment, updateAssessment, deleteAssessment, and the assessments
inside the TraceInfoV3 of searchTracesV3) against MLflow 3.18 itself.

The traces are written by MLflow's own SqlAlchemyStore (the reference environment's interpreter,
$MLFLOW_C_REF_PYTHON; tools/ref-env.sh) into mlflow-c's database of the backend under test and into a SQLite
file that the reference `mlflow server` serves; one scenario of requests then runs against both servers and
the answers must be equal after the ids and the current times are normalised, and so must the stored rows
(values, errors and metadata as MLflow serialises them). Skips without the reference."""

import json
import os
import re
import shutil
import subprocess
import tempfile
import time

import pytest

from conftest import Server, free_port

HERE = os.path.dirname(os.path.abspath(__file__))
REF_PY = os.environ.get("MLFLOW_C_REF_PYTHON", "")

TRACES = ["tr-00000000000000000000000000000001", "tr-00000000000000000000000000000002",
          "tr-00000000000000000000000000000003"]

# Writes an experiment and three traces with MLflow 3.18's store (fixed ids and times).
SEED = r'''
import sys
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
from mlflow.entities import TraceInfo, TraceState
from mlflow.entities.trace_location import TraceLocation
s = SqlAlchemyStore(sys.argv[1], sys.argv[2])
eid = s.create_experiment("assessments")
for i, tid in enumerate(sys.argv[3:]):
    s.start_trace(TraceInfo(trace_id=tid, trace_location=TraceLocation.from_experiment_id(eid),
                            request_time=1700000000000 + i * 1000, state=TraceState.OK, execution_duration=5,
                            tags={"k": "v"}, trace_metadata={"m": str(i)}))
print(eid)
'''


def py_uri(store_uri):
    """The store URI for MLflow's SqlAlchemyStore: psycopg2, the driver of the reference environment."""
    return store_uri.replace("postgresql://", "postgresql+psycopg2://", 1)


def seed(store_uri, art):
    store_uri = py_uri(store_uri)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LD_PRELOAD", "ASAN", "LSAN", "TSAN", "UBSAN"))}
    p = subprocess.run([REF_PY, "-c", SEED, store_uri, art, *TRACES], env=env, capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    return p.stdout.strip().splitlines()[-1]


class RefServer:
    """MLflow 3.18's `mlflow server` on a SQLite file seeded by its own store."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="mlflow-ref-")
        self.db = os.path.join(self.dir, "ref.db")
        self.store_uri = "sqlite:///" + self.db
        self.experiment_id = seed(self.store_uri, os.path.join(self.dir, "art"))
        self.port = free_port()
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("LD_PRELOAD", "ASAN", "LSAN", "TSAN", "UBSAN", "MLFLOW_"))}
        mlflow = os.path.join(os.path.dirname(REF_PY), "mlflow")
        self.log = open(os.path.join(self.dir, "server.log"), "w+")
        self.proc = subprocess.Popen([mlflow, "server", "--host", "127.0.0.1", "--port", str(self.port),
                                      "--backend-store-uri", self.store_uri, "--artifacts-destination",
                                      os.path.join(self.dir, "art"), "--workers", "1"],
                                     stdout=self.log, stderr=subprocess.STDOUT, cwd=self.dir, env=env,
                                     start_new_session=True)
        deadline = time.time() + 120
        while True:
            assert self.proc.poll() is None, "reference server exited"
            try:
                if self.request("GET", "/health")[0] == 200:
                    break
            except OSError:
                pass
            assert time.time() < deadline, "reference server did not start"
            time.sleep(0.2)

    request = Server.request

    def query(self, statement, params=()):
        import sqlite3
        db = sqlite3.connect(self.db)
        try:
            return db.execute(statement, tuple(params)).fetchall()
        finally:
            db.close()

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        try:  # its job consumers, should any outlive it
            os.killpg(self.proc.pid, 9)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def servers():
    if not REF_PY or not os.path.exists(REF_PY):
        why = "$MLFLOW_C_REF_PYTHON unset or missing: run tools/ref-env.sh and source .ref/env.sh"
        if os.environ.get("MLFLOW_C_REQUIRE_REF"):
            pytest.fail(why)
        pytest.skip(why)
    ref = RefServer()
    try:
        mine = Server()
    except BaseException:
        ref.stop()
        raise
    try:
        mine.experiment_id = seed(mine.store_uri, os.path.join(mine.dir, "art"))
        yield ref, mine
    finally:
        ref.stop()
        mine.stop()


API = "/api/3.0/mlflow/traces/"


def ajax(path):
    return path.replace("/api/", "/ajax-api/", 1)


class Side:
    """One server's run of a scenario: its answers, and the assessment ids it made, in order."""

    def __init__(self, server):
        self.s = server
        self.answers = []
        self.names = {}
        self.runs = {}

    @property
    def ids(self):
        return list(self.names.values()) + [v for r in self.runs.values() for v in (r, r.upper())]

    def send(self, method, path, body=None, save=None, save_run=None):
        path = path.format(**self.names)
        if body is not None:
            text = json.dumps(body).replace("{ov_of}", self.names.get("fb", "")).replace(
                "{ov2_of}", self.names.get("ov", ""))
            for k, v in self.runs.items():
                text = text.replace("{%s}" % k, v).replace("{%s}" % k.upper(), v.upper())
            body = json.loads(text)
        status, headers, data = self.s.request(method, path, body)
        if isinstance(data, dict):
            if save is not None and status == 200:
                self.names[save] = data["assessment"]["assessment_id"]
            if save_run is not None and status == 200:
                self.runs[save_run] = data["run"]["info"]["run_id"]
        else:
            data = headers.get("content-type", "")  # an HTML error page: its type only
        self.answers.append((method, path, body, status, data))
        return status, data


def typed_json(text):
    """A JSON text as a value that compares its objects without their key order (MLflow's is that of its
    proto maps, random per process) but its numbers as written (1.0 is not 1)."""
    try:
        return json.loads(text, parse_float=lambda s: ("float", s), parse_int=lambda s: ("int", s),
                          parse_constant=lambda s: ("const", s))
    except ValueError:
        return text


NOW_TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def normalize(v, ids, root=None):
    """Assessment ids by their creation index, the current times by a marker, the server's directory."""
    if isinstance(v, dict):
        if "serialization_format" in v and isinstance(v.get("value"), str):
            v = {**v, "value": typed_json(v["value"])}
        return {k: normalize(x, ids, root) for k, x in v.items()}
    if isinstance(v, list):
        return [normalize(x, ids, root) for x in v]
    if isinstance(v, str):
        if root is not None:
            v = v.replace(root, "<dir>")
        for i, a in enumerate(ids):
            v = v.replace(a, f"<a{i}>")
        if NOW_TS.match(v) and v[:4] > "2025":
            return "<now>"
    return v


def feedback(name, value, **kw):
    return {"assessment": {"assessment_name": name, "source": {"source_type": "HUMAN", "source_id": "bob"},
                           "feedback": {"value": value}, **kw}}


def expectation(name, value=None, serialized=None, **kw):
    x = {"value": value} if serialized is None else {"serialized_value": serialized}
    return {"assessment": {"assessment_name": name, "source": {"source_type": "CODE"}, "expectation": x, **kw}}


def scenario(t):
    """The requests, the same on both sides; {name} is the side's assessment saved as name."""
    t0, t1, t2 = TRACES
    c = API + t0 + "/assessments"
    # (1) create and get: feedback, expectations (values and serialized values), issues, sources, errors
    t.send("POST", c, feedback("fb", 1, rationale="r", metadata={"a": "1"}), save="fb")
    t.send("POST", c, expectation("ex", {"z": 1, "a": [1, 2.5, "x", True, None]}), save="ex")
    t.send("POST", c, expectation("ex2", serialized={"serialization_format": "JSON_FORMAT",
                                                      "value": '{"b": 1, "a": [2, 1e400, "\u00e9"]}'}), save="ex2")
    t.send("POST", c, feedback("fb2", {"k": "\u00e9\U0001F600"}, span_id="sp",
                               create_time="2020-01-01T00:00:00Z", last_update_time="2021-01-01T00:00:00.5Z",
                               metadata={"mlflow.assessment.sourceRunId": "r123"}), save="fb2")
    t.send("POST", c, {"assessment": {"assessment_name": "fb3", "source": {"source_type": "LLM_JUDGE"},
                                      "feedback": {"error": {"error_code": "E", "error_message": "m",
                                                             "stack_trace": "x" * 10050}},
                                      "rationale": "why"}}, save="fb3")
    t.send("POST", c, {"assessment": {"assessment_name": "iss", "issue": {"issue_name": "bad"},
                                      "rationale": "ri", "overrides": "ignored"}}, save="iss")
    t.send("POST", c, expectation("ex3", "yes", rationale="not kept", overrides="not kept"), save="ex3")
    t.send("POST", c, feedback("fb4", True, assessment_id="a-mine"))
    t.send("POST", c, feedback("fb4", " NO ", assessment_id="a-mine"))  # a duplicate id
    t.send("POST", API + t1 + "/assessments", feedback("other", 0.25), save="other")
    for i, value in enumerate(([1, "a"], "text", -0.0, 1e300)):
        t.send("POST", API + t2 + "/assessments", feedback("v", value), save=f"v{i}")
    for n in ("fb", "ex", "ex2", "fb2", "fb3", "iss", "ex3"):
        t.send("GET", API + t0 + "/assessments/{%s}" % n)
    t.send("GET", ajax(API + t0 + "/assessments/{fb}"))
    t.send("GET", API + t0 + "/assessments/a-mine")
    # errors
    t.send("POST", c, {})
    t.send("POST", c, {"assessment": {}})
    t.send("POST", c, {"assessment": {"assessment_name": "x"}})
    t.send("POST", c, expectation("x", None))
    t.send("POST", c, {"assessment": {"assessment_name": "x", "expectation": {}}})
    t.send("POST", c, expectation("x", serialized={"serialization_format": "XML", "value": "1"}))
    t.send("POST", c, expectation("x", serialized={"value": "1"}))
    t.send("POST", c, expectation("x", serialized={"serialization_format": "JSON_FORMAT", "value": "null"}))
    t.send("POST", c, expectation("x", serialized={"serialization_format": "JSON_FORMAT", "value": "{bad"}))
    t.send("POST", API + "tr-unknown/assessments", feedback("x", 1))
    t.send("POST", c, feedback("x", 1, overrides="a-unknown"))
    t.send("POST", API + t1 + "/assessments", feedback("x", 1, overrides="{ov_of}"))  # another trace's
    t.send("GET", API + t0 + "/assessments/a-unknown")
    t.send("GET", API + "tr-unknown/assessments/a-unknown")
    t.send("GET", API + t1 + "/assessments/{fb}")
    # (2) update
    u = API + t0 + "/assessments/{fb}"
    t.send("PATCH", u, {})
    t.send("PATCH", u, {"assessment": {}})
    t.send("PATCH", u, {"assessment": {"assessment_name": "fb-new", "rationale": "r2", "metadata": {"c": "3"},
                                       "feedback": {"value": "Yes"}},
                        "update_mask": "assessmentName,rationale,metadata,feedback"})
    t.send("PATCH", u, {"assessment": {"rationale": ""}, "update_mask": "rationale"})
    t.send("PATCH", u, {"assessment": {"metadata": {"a": "9"}}, "update_mask": "metadata,unknown"})
    t.send("PATCH", u, {"assessment": {"feedback": {"value": 2, "error": {"error_code": "X"}}},
                        "update_mask": "feedback"})
    t.send("PATCH", u, {"assessment": {"valid": False}, "update_mask": "valid"})
    t.send("PATCH", u, {"assessment": {"expectation": {"value": 1}}, "update_mask": "expectation"})
    t.send("PATCH", u, {"assessment": {"feedback": {"value": 1}}, "update_mask": "expectation"})
    t.send("PATCH", API + t0 + "/assessments/{ex}", {"assessment": {"feedback": {"value": 1}},
                                                    "update_mask": "feedback"})
    t.send("PATCH", API + t0 + "/assessments/{ex}", {"assessment": {"expectation": {"value": [1, {"b": 2}]}},
                                                    "update_mask": "expectation,rationale"})
    t.send("PATCH", API + t0 + "/assessments/{fb2}", {"assessment": {"assessment_name": "renamed"},
                                                    "update_mask": "assessmentName"})
    t.send("PATCH", API + t0 + "/assessments/{fb3}", {"assessment": {"metadata": {"m": "1"}},
                                                    "update_mask": "metadata"})
    t.send("PATCH", API + t0 + "/assessments/{iss}", {"assessment": {"rationale": "x"}, "update_mask": "rationale"})
    t.send("PATCH", API + t0 + "/assessments/{ex3}", {"assessment": {}, "update_mask": "assessmentName"})
    t.send("PATCH", API + t0 + "/assessments/a-unknown", {"assessment": {}, "update_mask": "rationale"})
    t.send("PATCH", API + "tr-unknown/assessments/a-unknown", {"assessment": {}, "update_mask": "rationale"})
    # overrides: the overridden one becomes invalid; deleting the override restores it
    t.send("POST", c, feedback("ov", 0, overrides="{ov_of}"), save="ov")
    t.send("GET", u)
    t.send("POST", c, feedback("ov2", 5, overrides="{ov2_of}"), save="ov2")
    t.send("GET", API + t0 + "/assessments/{ov}")
    t.send("DELETE", API + t0 + "/assessments/{ov}")
    t.send("GET", u)
    t.send("GET", API + t0 + "/assessments/{ov}")
    t.send("GET", API + t0 + "/assessments/{ov2}")
    t.send("DELETE", API + t0 + "/assessments/{ov}")
    t.send("DELETE", API + "tr-unknown/assessments/a-unknown")
    t.send("DELETE", API + t2 + "/assessments/{v0}")
    # deleting a run (or its experiment) deletes the assessments it is the source of
    t.send("POST", "/api/2.0/mlflow/runs/create", {"experiment_id": "1", "run_name": "r"}, save_run="run")
    t.send("POST", "/api/2.0/mlflow/experiments/create", {"name": "other"})
    t.send("POST", "/api/2.0/mlflow/runs/create", {"experiment_id": "2", "run_name": "r2"}, save_run="run2")
    src = "mlflow.assessment.sourceRunId"
    for n, r in (("by-run", "{run}"), ("by-run2", "{run2}"), ("by-RUN", "{RUN}")):
        t.send("POST", API + t1 + "/assessments", feedback(n, 1, metadata={src: r, "other": "x"}), save=n)
    t.send("POST", "/api/2.0/mlflow/runs/delete", {"run_id": "{run}"})
    t.send("POST", "/api/2.0/mlflow/experiments/delete", {"experiment_id": "2"})
    for n in ("by-run", "by-run2", "by-RUN"):
        t.send("GET", API + t1 + "/assessments/{%s}" % n)
    # (3) the assessments in every trace read
    body = {"locations": [{"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": "1"}}],
            "max_results": 2}
    t.send("POST", API + "search", body)
    t.send("POST", API + "search", {**body, "max_results": 10})


# the columns of the assessments table MLflow's rows and ours must agree on (ids and times aside)
ROW_COLUMNS = ("name, assessment_type, value, error, source_type, source_id, run_id, span_id, rationale, "
               "overrides, valid, assessment_metadata, experiment_id, trace_timestamp_ms, aggregate_value, "
               "is_numeric_value")


def rows(server):
    out = []
    for r in server.query(f"SELECT trace_id, {ROW_COLUMNS} FROM assessments ORDER BY trace_id, name, value"):
        r = list(r)
        r[11] = bool(r[11])
        r[16] = bool(r[16])
        for i in (3, 4, 12):  # JSON objects: MLflow's key order is its proto maps' (random per process)
            if isinstance(r[i], str):
                r[i] = typed_json(r[i])
        out.append(r)
    return out


def unordered_assessments(v):
    """v with each trace's assessments sorted: on PostgreSQL MLflow's order is its plan's (physical order for a
    page of traces), which the reference on SQLite cannot show (the diff corpus compares it on PostgreSQL)."""
    if isinstance(v, dict):
        return {k: (sorted((unordered_assessments(a) for a in x), key=json.dumps)
                    if k == "assessments" and isinstance(x, list) else unordered_assessments(x))
                for k, x in v.items()}
    if isinstance(v, list):
        return [unordered_assessments(x) for x in v]
    return v


def shorten(v):
    return re.sub(r"x{40,}", lambda m: f"x*{len(m.group(0))}", json.dumps(v))


def test_assessments_as_mlflow(servers):
    ref, mine = servers
    assert ref.experiment_id == mine.experiment_id == "1"
    a, b = Side(ref), Side(mine)
    scenario(a)
    scenario(b)
    assert len(a.ids) == len(b.ids) == 21, (a.names, b.names)
    diffs = []
    for x, y in zip(a.answers, b.answers):
        nx, ny = normalize(list(x[3:]), a.ids, ref.dir), normalize(list(y[3:]), b.ids, mine.dir)
        if mine.backend == "postgresql":
            nx, ny = unordered_assessments(nx), unordered_assessments(ny)
        if nx != ny:
            diffs.append(f"{x[0]} {normalize(x[1], a.ids)} {json.dumps(x[2])[:200]}\n  MLflow:  {shorten(nx)}"
                         f"\n  mlflow-c: {shorten(ny)}")
    assert not diffs, "\n".join(diffs)
    assert normalize(rows(ref), a.ids) == normalize(rows(mine), b.ids)


def test_rows_written_by_mlflow_are_served(servers):
    """An assessment row MLflow itself wrote (its own store, on our database) reads back as MLflow shows it."""
    ref, mine = servers
    script = r'''
import sys
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
from mlflow.entities import Feedback, Expectation, AssessmentSource
s = SqlAlchemyStore(sys.argv[1], sys.argv[2])
f = s.create_assessment(Feedback(name="py", value={"x": [1, 2]}, trace_id=sys.argv[3], rationale="r",
                                 source=AssessmentSource("HUMAN", "me"), metadata={"k": "v"}))
e = s.create_assessment(Expectation(name="pye", value=3, trace_id=sys.argv[3]))
print(f.assessment_id, e.assessment_id)
'''
    out = []
    for s in (ref, mine):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LD_PRELOAD", "ASAN", "LSAN", "TSAN"))}
        p = subprocess.run([REF_PY, "-c", script, py_uri(s.store_uri), s.dir, TRACES[2]], env=env, capture_output=True,
                           text=True, timeout=300)
        assert p.returncode == 0, p.stderr
        ids = p.stdout.split()
        answers = [s.request("GET", API + TRACES[2] + "/assessments/" + i)[2] for i in ids]
        out.append(normalize(answers, ids))
    assert out[0] == out[1]
