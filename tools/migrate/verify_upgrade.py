#!/usr/bin/python3
"""Checks `mlflow-c db upgrade` against MLflow's own alembic, revision by revision.

For the start state before the root ("None": MLflow's initial tables),
each revision of MLflow's chain (src/store/migrations.def) but the head,
and the MLflow 2.10 and 3.5 fixtures (../shared/fixtures, taken as they
are in step 1):

1. the reference MLflow makes a database at that revision (its
   initial_models, then its alembic `upgrade <rev>`), and sample rows are
   written with the columns that revision has (runs with and without a
   user, metrics over steps and timestamps with +inf and NaN, long params,
   tags, registry, datasets and inputs, traces with the tags, metadata and
   metrics 3.18 moves into columns, spans, assessments, jobs, issues,
   gateway endpoints);
2. one copy is upgraded by `mlflow-c db upgrade`, another by MLflow's
   alembic (`upgrade head`);
3. ours must have exactly the head schema (sqlite_master against MLflow
   3.18's .schema, tools/migrate/mlflow-3.18-schema-sqlite.sql, whitespace
   and the order of a table's constraint clauses aside: MLflow's alembic
   writes those in an order that varies from run to run), the same rows as
   MLflow's copy in every table (values and SQLite types; jobs'
   last_update_time aside, which revision dc11669786a5 sets to the time of
   the upgrade), and MLflow 3.18 must open it, read the same entities from it
   through MlflowClient as from its own copy, and find nothing to do in
   `mlflow db upgrade`.

Needs the reference environment (.ref/mlflow3, tools/ref-env.sh, or
$MLFLOW_C_REF_PYTHON); without it the script says so and exits 0. It takes
about 30 seconds a revision. Usage:

    tools/migrate/verify_upgrade.py [--bin build/mlflow-c] [--keep DIR] [REVISION ...]
"""

import argparse
import json
import math
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PY = os.environ.get("MLFLOW_C_REF_PYTHON", os.path.join(ROOT, ".ref", "mlflow3", "bin", "python"))
REF_SCHEMA = os.path.join(ROOT, "tools", "migrate", "mlflow-3.18-schema-sqlite.sql")
FIXTURES_DIR = os.environ.get("MLF_FIXTURES_DIR", os.path.join(ROOT, "..", "shared", "fixtures"))
if not os.path.isdir(FIXTURES_DIR):
    FIXTURES_DIR = "/work/shared/fixtures"
FIXTURES = {"fixture-2.10": os.path.join(FIXTURES_DIR, "mlflow-2.10-fixture.db"),
            "fixture-3.5": os.path.join(FIXTURES_DIR, "mlflow-3.5-fixture.db")}


def chain():
    text = open(os.path.join(ROOT, "src", "store", "migrations.def")).read()
    return re.findall(r"^MLF_MIGRATION\((\w+),", text, re.M)


def ref_env():
    env = dict(os.environ)
    env.pop("MLFLOW_TRACKING_URI", None)
    return env


# Runs inside the reference environment: make a database at a revision, or upgrade one to the head.
MAKE = r"""
import sys, sqlalchemy
from alembic import command
from mlflow.store.db.utils import _get_alembic_config
from mlflow.store.tracking.dbmodels.initial_models import Base as InitialBase
path, rev = sys.argv[1], sys.argv[2]
url = "sqlite:///" + path
engine = sqlalchemy.create_engine(url)
if rev == "make-None":
    InitialBase.metadata.create_all(engine)
    sys.exit(0)
cfg = _get_alembic_config(url)
with engine.begin() as conn:
    cfg.attributes["connection"] = conn
    if rev.startswith("make-"):
        InitialBase.metadata.create_all(conn)
    command.upgrade(cfg, rev[5:] if rev.startswith("make-") else rev)
"""

# Runs inside the reference environment: everything MlflowClient reads from a database, as JSON.
READ = r"""
import json, math, sys
from mlflow.tracking import MlflowClient
from mlflow.entities import ViewType
def num(v):
    return repr(v) if isinstance(v, float) and (math.isnan(v) or math.isinf(v)) else v
out = {}
c = MlflowClient(tracking_uri="sqlite:///" + sys.argv[1])
exps = c.search_experiments(view_type=ViewType.ALL)
out["experiments"] = sorted([[e.experiment_id, e.name, e.artifact_location, e.lifecycle_stage, e.creation_time,
                              e.last_update_time, sorted(e.tags.items())] for e in exps])
ids = [e.experiment_id for e in exps]
runs = c.search_runs(ids, run_view_type=ViewType.ALL, max_results=1000)
out["runs"] = []
for r in sorted(runs, key=lambda r: r.info.run_id):
    d = r.to_dictionary()
    d["data"]["metrics"] = {k: num(v) for k, v in d["data"]["metrics"].items()}
    hist = {}
    for k in sorted(r.data.metrics):
        hist[k] = [[m.key, num(m.value), m.timestamp, m.step] for m in c.get_metric_history(r.info.run_id, k)]
    d["history"] = hist
    d["inputs"] = [[i.dataset.name, i.dataset.digest, sorted((t.key, t.value) for t in i.tags)]
                   for i in r.inputs.dataset_inputs]
    out["runs"].append(d)
out["models"] = []
for m in sorted(c.search_registered_models(), key=lambda m: m.name):
    out["models"].append([m.name, m.creation_timestamp, m.description, sorted(m.tags.items()), sorted(m.aliases.items())
                          if isinstance(m.aliases, dict) else m.aliases])
    for v in sorted(c.search_model_versions(f"name='{m.name}'"), key=lambda v: int(v.version)):
        out["models"].append([v.name, v.version, v.current_stage, v.run_id, v.source, v.status, v.description,
                              v.run_link, sorted(v.tags.items()), sorted(v.aliases)])
print(json.dumps(out, sort_keys=True))
"""


def ref(code, *args, check=True):
    p = subprocess.run([PY, "-c", code, *args], env=ref_env(), capture_output=True, text=True)
    if check and p.returncode != 0:
        raise RuntimeError(f"reference MLflow failed ({' '.join(args)}):\n{p.stderr[-3000:]}")
    return p


CLAUSE = re.compile(r"(CONSTRAINT |CHECK |FOREIGN KEY|UNIQUE |PRIMARY KEY)")


def normalize(s):
    """Whitespace collapsed, a table's constraint clauses sorted."""
    s = s.replace("CREATE TABLE IF NOT EXISTS ", "CREATE TABLE ")
    lines = [x for x in (" ".join(line.split()).rstrip(",") for line in s.split("\n")) if x]
    first = next((i for i, x in enumerate(lines) if CLAUSE.match(x)), len(lines))
    if first < len(lines) and lines[-1] == ")":
        lines = lines[:first] + sorted(lines[first:-1]) + [")"]
    return " ".join(lines)


def schema_of(path):
    with sqlite3.connect(path) as c:
        return sorted(normalize(s) for (s,) in c.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL"))


def ref_schema():
    text = "".join(line for line in open(REF_SCHEMA) if not line.startswith("--"))
    # a trigger's body has statements of its own: it ends at END;
    stmts = re.findall(r"CREATE TRIGGER .*?\nEND;\n|.*?;\n", text, re.S)
    return sorted(normalize(s.strip()[:-1]) for s in stmts if s.strip())


def rows_of(path):
    out = {}
    with sqlite3.connect(path) as c:
        for (t,) in c.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
            cols = [r[1] for r in c.execute(f'PRAGMA table_info("{t}")')]
            sel = ", ".join(f'"{x}", typeof("{x}")' for x in cols)
            if t == "jobs":  # dc11669786a5 stamps the canceled jobs with the time of the upgrade
                sel = ", ".join(f'"{x}", typeof("{x}")' for x in cols if x != "last_update_time")
            rows = [tuple(repr(v) for v in r) for r in c.execute(f'SELECT {sel} FROM "{t}"')]
            out[t] = (cols, sorted(rows))
    return out


def populate(path):
    """Sample rows through the columns the database has at its revision."""
    populate_with(sqlite3.connect(path))


def populate_with(c):
    """populate() on an open connection (sqlite3's, or verify_pg_upgrade.py's shim of it)."""
    tables = {t for (t,) in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    cols = {t: {r[1] for r in c.execute(f'PRAGMA table_info("{t}")')} for t in tables}

    def put(table, **row):
        if table not in tables:
            return
        row = {k: v for k, v in row.items() if k in cols[table]}
        names = ", ".join(f'"{k}"' for k in row)
        c.execute(f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(row))})', list(row.values()))

    t0 = 1700000000000
    for i, (name, stage) in enumerate([("Default", "active"), ("exp-one", "active"), ("exp-gone", "deleted")]):
        put("experiments", experiment_id=i, name=name, artifact_location=f"/tmp/art/{i}", lifecycle_stage=stage,
            creation_time=t0 + i, last_update_time=t0 + i)
        put("experiment_tags", experiment_id=i, key="team", value=f"t{i}")
    runs = [("a" * 32, "alice", "FINISHED", "active", 1), ("b" * 32, "bob", "FAILED", "active", 1),
            ("c" * 32, "", "RUNNING", "active", 0), ("d" * 32, "dave", "SCHEDULED", "deleted", 2)]
    for rid, user, status, stage, exp in runs:
        put("runs", run_uuid=rid, name=f"run-{rid[0]}", source_type="LOCAL", source_name="train.py",
            entry_point_name="main", user_id=user, status=status, start_time=t0, end_time=t0 + 500,
            source_version="abc", lifecycle_stage=stage, artifact_uri=f"/tmp/art/{exp}/{rid}", experiment_id=exp,
            deleted_time=t0 + 900 if stage == "deleted" else None)
        put("tags", key="mlflow.runName", value=f"run-{rid[0]}", run_uuid=rid)
        put("params", key="lr", value="0.01", run_uuid=rid)
    put("tags", key="mlflow.user", value="bobby", run_uuid="b" * 32)  # already tagged: not overwritten
    put("tags", key="note", value="n" * 240, run_uuid="a" * 32)
    put("params", key="big", value="p" * 240, run_uuid="a" * 32)
    metrics = [("loss", 1.5, t0 + 1, 0), ("loss", 1.25, t0 + 2, 1), ("loss", 0.75, t0 + 3, 2), ("loss", 0.5, t0 + 2, 2),
               ("acc", 0.1, t0 + 5, 0), ("acc", 0.2, t0 + 5, 0), ("inf", float("inf"), t0, 3), ("neg", -float("inf"), t0, 3)]
    for rid in ("a" * 32, "b" * 32):
        for i, (key, value, ts, step) in enumerate(metrics):
            # before metric_pk had step and value, (key, timestamp, run) had to differ
            put("metrics", key=key, value=value, timestamp=ts + (0 if "step" in cols["metrics"] else 100 * i),
                step=step, is_nan=False, run_uuid=rid)
    if "is_nan" in cols["metrics"]:
        put("metrics", key="nan", value=0.0, timestamp=t0, step=0, is_nan=True, run_uuid="a" * 32)
    if "latest_metrics" in tables:  # MLflow keeps it up to date on each write
        c.execute("""INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid)
                     SELECT key, value, timestamp, step, is_nan, run_uuid FROM metrics m WHERE NOT EXISTS
                     (SELECT 1 FROM metrics o WHERE o.run_uuid = m.run_uuid AND o.key = m.key AND
                      (o.step > m.step OR (o.step = m.step AND o.timestamp > m.timestamp) OR
                       (o.step = m.step AND o.timestamp = m.timestamp AND o.value > m.value)))""")
    put("registered_models", name="model-a", creation_time=t0, last_updated_time=t0 + 1, description="first")
    put("registered_model_tags", name="model-a", key="owner", value="ml")
    for v in (1, 2):
        put("model_versions", name="model-a", version=v, creation_time=t0 + v, last_updated_time=t0 + v,
            description=f"v{v}", user_id=None, current_stage="Production" if v == 1 else "None",
            source=f"/tmp/art/1/{'a' * 32}/artifacts/model", run_id="a" * 32, status="READY", status_message=None,
            run_link="" if v == 1 else None, storage_location=None)
        put("model_version_tags", name="model-a", version=v, key="k", value="w" * 300)
    put("registered_model_aliases", name="model-a", alias="champion", version=1)
    put("datasets", dataset_uuid="ds-uuid-1", experiment_id=1, name="train", digest="d1", dataset_source_type="local",
        dataset_source='{"uri": "/data"}', dataset_schema='{"cols": []}', dataset_profile='{"rows": 3}')
    put("inputs", input_uuid="in-1", source_type="DATASET", source_id="ds-uuid-1", destination_type="RUN",
        destination_id="a" * 32)
    put("input_tags", input_uuid="in-1", name="mlflow.data.context", value="training")
    put("trace_info", request_id="tr-1", experiment_id=1, timestamp_ms=t0, execution_time_ms=5, status="OK")
    put("trace_tags", key="mlflow.traceName", value="t", request_id="tr-1")
    put("trace_request_metadata", key="mlflow.sourceRun", value="a" * 32, request_id="tr-1")
    # what 75868b020152 promotes into columns: token usage, cost, session, gateway traces, span costs and models
    put("trace_info", request_id="tr-2", experiment_id=1, timestamp_ms=t0 + 10, execution_time_ms=7, status="OK")
    put("trace_info", request_id="tr-3", experiment_id=1, timestamp_ms=t0 + 20, execution_time_ms=9, status="ERROR")
    put("trace_request_metadata", key="mlflow.trace.tokenUsage", request_id="tr-1",
        value='{"input_tokens": 10, "output_tokens": 5.0, "total_tokens": "15", "cache_read_input_tokens": true}')
    put("trace_request_metadata", key="mlflow.trace.cost", request_id="tr-1",
        value='{"input_cost": 0.25, "output_cost": "0.5", "total_cost": 0.75}')
    put("trace_request_metadata", key="mlflow.trace.session", value="s" * 300, request_id="tr-1")
    put("trace_request_metadata", key="mlflow.trace.tokenUsage", value="not json", request_id="tr-2")
    put("trace_request_metadata", key="mlflow.gateway.endpointId", value="ep-1", request_id="tr-2")
    put("trace_tags", key="mlflow.traceName", value="n" * 5000, request_id="tr-2")
    put("trace_metrics", request_id="tr-2", key="input_tokens", value=42.0)
    put("trace_metrics", request_id="tr-2", key="output_tokens", value=1.5)
    put("trace_metrics", request_id="tr-2", key="latency", value=3.0)
    for i, (tid, dims) in enumerate([("tr-1", '{"mlflow.llm.model": "gpt", "mlflow.llm.provider": "openai"}'),
                                     ("tr-2", None), ("tr-2", '{"mlflow.llm.model": "m"}')]):
        put("spans", trace_id=tid, experiment_id=1, span_id=f"sp-{i}", parent_span_id=None, name=f"span{i}",
            type="LLM", status="OK", start_time_unix_nano=t0 * 1000000 + i, end_time_unix_nano=t0 * 1000000 + 100 + i,
            content="{}", dimension_attributes=dims)
        put("span_metrics", trace_id=tid, span_id=f"sp-{i}", key="total_cost", value=0.5 * (i + 1))
        put("span_metrics", trace_id=tid, span_id=f"sp-{i}", key="input_cost", value=0.1)
        put("span_metrics", trace_id=tid, span_id=f"sp-{i}", key="other", value=1.0)
    for i, value in enumerate(["true", "3.5", '"Yes"', '"maybe"', "no", "[1]"]):
        put("assessments", assessment_id=f"as-{i}", trace_id="tr-1" if i % 2 else "tr-3", name=f"q{i % 2}",
            assessment_type="feedback", value=value, created_timestamp=t0 + i, last_updated_timestamp=t0 + i,
            source_type="HUMAN", valid=True)
    for i, status in enumerate([0, 1, 2, 3]):
        put("jobs", id=f"job-{i}", creation_time=t0 + i, function_fullname="f", job_name="f", params="{}",
            status=status, retry_count=0, last_update_time=t0 + i)
    put("issues", issue_id="is-1", experiment_id=1, name="slow", description="d", status="OPEN",
        categories='["Latency", " latency ", "Cost"]', created_timestamp=t0, last_updated_timestamp=t0 + 1)
    put("issues", issue_id="is-2", experiment_id=1, name="none", description="d", status="OPEN",
        created_timestamp=t0, last_updated_timestamp=t0)
    put("endpoints", endpoint_id="ep-1", name="chat", created_at=t0, last_updated_at=t0)
    put("model_definitions", model_definition_id="md-1", name="gpt", provider="openai", model_name="gpt-4",
        created_at=t0, last_updated_at=t0)
    put("endpoint_model_mappings", mapping_id="map-1", endpoint_id="ep-1", model_definition_id="md-1", weight=1.0,
        created_at=t0)
    put("webhooks", webhook_id="wh-1", name="hook", url="https://example.com/h", status="ACTIVE")
    put("evaluation_datasets", dataset_id="ed-1", name="eval")
    c.commit()
    c.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "mlflow-c"))
    ap.add_argument("--keep", help="keep the databases in this directory")
    ap.add_argument("revisions", nargs="*")
    a = ap.parse_args()
    if not os.path.exists(PY):
        print(f"SKIP: the reference MLflow is not installed at {PY} (tools/ref-env.sh)")
        # 77: meson's "skipped"; CI (MLFLOW_C_REQUIRE_REF) requires the reference
        return 1 if os.environ.get("MLFLOW_C_REQUIRE_REF") else 77
    revs = ["None"] + chain()[:-1] + [f for f, p in FIXTURES.items() if os.path.exists(p)]
    if a.revisions:
        unknown = [r for r in a.revisions if r not in revs and r not in FIXTURES]
        for r in a.revisions:
            if r in FIXTURES and r not in revs:
                print(f"{r:14} SKIP (no {FIXTURES[r]})")
        if unknown:  # a typo must not verify nothing and pass
            print(f"unknown start revision(s): {' '.join(unknown)}")
            return 2
        revs = [r for r in revs if r in a.revisions]
    want_schema = ref_schema()
    work = a.keep or tempfile.mkdtemp(prefix="mlfc-verify-")
    os.makedirs(work, exist_ok=True)
    failures = 0
    for rev in revs:
        base = os.path.join(work, f"{rev}.db")
        for p in (base, base + ".ours", base + ".mlflow"):
            if os.path.exists(p):
                os.unlink(p)
        if rev in FIXTURES:
            shutil.copy(FIXTURES[rev], base)
            os.chmod(base, 0o644)
        else:
            ref(MAKE, base, "make-" + rev)
            populate(base)
        shutil.copy(base, base + ".ours")
        shutil.copy(base, base + ".mlflow")
        problems = []
        p = subprocess.run([a.bin, "db", "upgrade", "--no-backup", "sqlite:///" + base + ".ours"], capture_output=True,
                           text=True)
        if p.returncode != 0:
            problems.append(f"mlflow-c db upgrade exited {p.returncode}: {p.stderr.strip()[-500:]}")
        ref(MAKE, base + ".mlflow", "head")
        if not problems:
            got = schema_of(base + ".ours")
            if got != want_schema:
                extra = [s for s in got if s not in want_schema]
                missing = [s for s in want_schema if s not in got]
                problems.append(f"schema differs from the head: extra {extra[:2]} missing {missing[:2]}")
            ours, theirs = rows_of(base + ".ours"), rows_of(base + ".mlflow")
            for t in sorted(set(ours) | set(theirs)):
                if ours.get(t, (None, []))[1] != theirs.get(t, (None, []))[1]:
                    problems.append(f"rows of {t} differ from MLflow's upgrade: ours {ours.get(t)} mlflow {theirs.get(t)}")
            read_ours = ref(READ, base + ".ours", check=False)
            read_theirs = ref(READ, base + ".mlflow")
            if read_ours.returncode != 0:
                problems.append("MLflow 3.18 cannot read our upgrade: " + read_ours.stderr.strip()[-800:])
            elif json.loads(read_ours.stdout) != json.loads(read_theirs.stdout):
                problems.append("MlflowClient reads different entities from our upgrade than from MLflow's")
            before = schema_of(base + ".ours")
            up = ref("import sys; from mlflow.store.db.utils import _upgrade_db; import sqlalchemy; "
                     "_upgrade_db(sqlalchemy.create_engine('sqlite:///' + sys.argv[1]))", base + ".ours", check=False)
            if up.returncode != 0 or "Running upgrade" in up.stderr or schema_of(base + ".ours") != before:
                problems.append("MLflow's `db upgrade` did something to our upgrade: " + up.stderr.strip()[-500:])
        n_rows = sum(len(r[1]) for r in rows_of(base).values())
        print(f"{rev:14} {'OK  ' if not problems else 'FAIL'} ({n_rows} rows)")
        for pr in problems:
            print("    " + pr[:2000])
        failures += bool(problems)
    if not a.keep:
        shutil.rmtree(work)
    print(f"{len(revs) - failures} of {len(revs)} revisions upgrade like MLflow's alembic")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
