"""`mlflow-c db upgrade` / `db current` from the command line (src/server/main.c): the MLflow 2.10
fixture upgrades and every entity reads back through the API as its rows were before; the server
refuses the old revision naming the command; bad inputs get one line, an exit status, and no write."""

import hashlib
import json
import math
import os
import shutil
import sqlite3
import subprocess
import urllib.parse

import pytest

from conftest import BIN, Server, free_port, sqlite_only

pytestmark = sqlite_only  # upgrades of SQLite files

FIXTURES = os.environ.get("MLF_FIXTURES_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared",
                                                           "fixtures"))
if not os.path.isdir(FIXTURES):
    FIXTURES = "/work/shared/fixtures"
FIXTURE = os.path.join(FIXTURES, "mlflow-2.10-fixture.db")
HEAD = "f4a9b2c7d1e6"

needs_fixture = pytest.mark.skipif(not os.path.exists(FIXTURE), reason="the MLflow 2.10 fixture is not present")


def cli(*args):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=600)


def copy_fixture(tmp_path, name="mlflow.db"):
    dst = tmp_path / name
    shutil.copy(FIXTURE, dst)
    os.chmod(dst, 0o644)
    return str(dst)


def digest(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest() if os.path.exists(path) else None


@needs_fixture
def test_current_and_upgrade(tmp_path):
    db = copy_fixture(tmp_path)
    p = cli("db", "current", "sqlite:///" + db)
    assert (p.returncode, p.stdout) == (0, "acf3f17fdcc7\n")
    p = cli("db", "upgrade", "sqlite:///" + db)
    assert p.returncode == 0, p.stderr
    lines = p.stderr.splitlines()
    assert lines[0] == "Running upgrade acf3f17fdcc7 -> 867495a8f9d4, add trace tables"
    assert lines[-1] == f"Upgraded from acf3f17fdcc7 to {HEAD} in 47 steps"
    assert os.path.exists(db + ".bak-acf3f17fdcc7")
    assert cli("db", "current", "sqlite:///" + db).stdout == HEAD + "\n"
    p = cli("db", "upgrade", "--no-backup", "sqlite:///" + db)
    assert (p.returncode, p.stderr) == (0, f"Database is at revision {HEAD} (head): nothing to do\n")


@needs_fixture
def test_no_backup(tmp_path):
    db = copy_fixture(tmp_path)
    assert cli("db", "upgrade", "--no-backup", "sqlite:///" + db).returncode == 0
    assert sorted(os.listdir(tmp_path)) == ["mlflow.db"]


@needs_fixture
def test_server_refuses_the_old_revision_naming_the_command(tmp_path):
    db = copy_fixture(tmp_path)
    p = subprocess.run([BIN, "server", "--port", str(free_port()), "--backend-store-uri", "sqlite:///" + db], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode != 0
    assert f"found version acf3f17fdcc7, but expected {HEAD}" in p.stderr
    assert f"run 'mlflow-c db upgrade sqlite:///{db}'" in p.stderr


def rows(db, sql, *args):
    with sqlite3.connect(db) as c:
        c.row_factory = sqlite3.Row
        return [dict(r) for r in c.execute(sql, args)]


def same_number(got, want):
    if isinstance(want, float) and math.isnan(want):
        return isinstance(got, float) and math.isnan(got)
    return got == want


def metric_value(row):
    return float("nan") if row["is_nan"] else row["value"]


@pytest.fixture(scope="module")
def upgraded(tmp_path_factory):
    """(server on an upgraded copy of the fixture, path of an untouched copy)."""
    if not os.path.exists(FIXTURE):
        pytest.skip("the MLflow 2.10 fixture is not present")
    tmp = tmp_path_factory.mktemp("upgraded")
    before = copy_fixture(tmp, "before.db")
    db = copy_fixture(tmp, "mlflow.db")
    p = cli("db", "upgrade", "--no-backup", "sqlite:///" + db)
    assert p.returncode == 0, p.stderr
    s = Server(db_path=db)
    yield s, before
    s.stop()


def test_experiments_read_back(upgraded):
    s, before = upgraded
    st, _, body = s.post("experiments/search", {"view_type": "ALL", "max_results": 1000})
    assert st == 200
    got = {e["experiment_id"]: e for e in body["experiments"]}
    want = rows(before, "SELECT * FROM experiments")
    assert sorted(got) == sorted(str(e["experiment_id"]) for e in want)
    for e in want:
        g = got[str(e["experiment_id"])]
        assert (g["name"], g["artifact_location"], g["lifecycle_stage"]) == (
            e["name"], e["artifact_location"], e["lifecycle_stage"])
        assert (int(g["creation_time"]), int(g["last_update_time"])) == (e["creation_time"], e["last_update_time"])
        tags = {t["key"]: t["value"] for t in g.get("tags", [])}
        assert tags == {t["key"]: t["value"] for t in rows(before, "SELECT * FROM experiment_tags WHERE "
                                                           "experiment_id = ?", e["experiment_id"])}


def test_runs_params_tags_metrics_inputs_read_back(upgraded):
    s, before = upgraded
    exp_ids = [str(e["experiment_id"]) for e in rows(before, "SELECT experiment_id FROM experiments")]
    st, _, body = s.post("runs/search", {"experiment_ids": exp_ids, "run_view_type": "ALL", "max_results": 1000})
    assert st == 200
    got = {r["info"]["run_id"]: r for r in body["runs"]}
    want = rows(before, "SELECT * FROM runs")
    assert len(want) == 21 and sorted(got) == sorted(r["run_uuid"] for r in want)
    n_points = 0
    for r in want:
        g = got[r["run_uuid"]]
        info = g["info"]
        assert info["run_name"] == r["name"]
        assert (info["status"], info["lifecycle_stage"], info["user_id"], info["artifact_uri"]) == (
            r["status"], r["lifecycle_stage"], r["user_id"], r["artifact_uri"])
        assert int(info["start_time"]) == r["start_time"]
        assert int(info.get("end_time", 0) or 0) == (r["end_time"] or 0)
        assert info["experiment_id"] == str(r["experiment_id"])
        data = g["data"]
        assert {p["key"]: p["value"] for p in data.get("params", [])} == {
            p["key"]: p["value"] for p in rows(before, "SELECT * FROM params WHERE run_uuid = ?", r["run_uuid"])}
        assert {t["key"]: t["value"] for t in data.get("tags", [])} == {
            t["key"]: t["value"] for t in rows(before, "SELECT * FROM tags WHERE run_uuid = ?", r["run_uuid"])}
        latest = {m["key"]: m for m in rows(before, "SELECT * FROM latest_metrics WHERE run_uuid = ?", r["run_uuid"])}
        assert sorted(m["key"] for m in data.get("metrics", [])) == sorted(latest)
        for m in data.get("metrics", []):
            w = latest[m["key"]]
            assert same_number(m["value"], metric_value(w)), (m, w)
            assert (int(m["timestamp"]), int(m["step"])) == (w["timestamp"], w["step"])
        for key in latest:
            st, _, h = s.get("metrics/get-history", urllib.parse.urlencode(
                {"run_id": r["run_uuid"], "metric_key": key, "max_results": 25000}))
            assert st == 200
            hist = sorted((int(m["step"]), int(m["timestamp"]), repr(float(m["value"]))) for m in h["metrics"])
            wanted = sorted((m["step"], m["timestamp"], repr(metric_value(m))) for m in rows(
                before, "SELECT * FROM metrics WHERE run_uuid = ? AND key = ?", r["run_uuid"], key))
            assert hist == wanted
            n_points += len(hist)
        ins = rows(before, "SELECT d.name, d.digest, i.input_uuid FROM inputs i JOIN datasets d ON d.dataset_uuid = "
                           "i.source_id WHERE i.destination_id = ? AND i.source_type = 'DATASET'", r["run_uuid"])
        got_ins = sorted((d["dataset"]["name"], d["dataset"]["digest"], sorted((t["key"], t["value"]) for t in
                                                                                d.get("tags", [])))
                         for d in g.get("inputs", {}).get("dataset_inputs", []))
        assert got_ins == sorted((i["name"], i["digest"], sorted((t["name"], t["value"]) for t in rows(
            before, "SELECT * FROM input_tags WHERE input_uuid = ?", i["input_uuid"]))) for i in ins)
    assert n_points == 278  # every metric row of the fixture
    # NaN and +inf survived
    assert rows(before, "SELECT count(*) AS n FROM metrics WHERE is_nan")[0]["n"] > 0
    assert rows(before, "SELECT count(*) AS n FROM metrics WHERE value > 1e308")[0]["n"] > 0


def test_registry_reads_back(upgraded):
    s, before = upgraded
    st, _, body = s.get("registered-models/search", "max_results=1000")
    assert st == 200
    models = {m["name"]: m for m in body["registered_models"]}
    assert sorted(models) == sorted(m["name"] for m in rows(before, "SELECT name FROM registered_models"))
    for m in rows(before, "SELECT * FROM registered_models"):
        g = models[m["name"]]
        assert (int(g["creation_timestamp"]), int(g["last_updated_timestamp"]), g.get("description", "")) == (
            m["creation_time"], m["last_updated_time"], m["description"] or "")
        assert {t["key"]: t["value"] for t in g.get("tags", [])} == {
            t["key"]: t["value"] for t in rows(before, "SELECT * FROM registered_model_tags WHERE name = ?", m["name"])}
        assert sorted((a["alias"], a["version"]) for a in g.get("aliases", [])) == sorted(
            (a["alias"], str(a["version"])) for a in rows(before, "SELECT * FROM registered_model_aliases WHERE name = ?",
                                                          m["name"]))
        st, _, vb = s.get("model-versions/search", urllib.parse.urlencode({"filter": f"name='{m['name']}'"}))
        assert st == 200
        versions = {v["version"]: v for v in vb["model_versions"]}
        want = rows(before, "SELECT * FROM model_versions WHERE name = ?", m["name"])
        assert sorted(versions) == sorted(str(v["version"]) for v in want)
        for v in want:
            g = versions[str(v["version"])]
            assert (g["current_stage"], g["source"], g.get("run_id", ""), g["status"], g.get("description", "")) == (
                v["current_stage"], v["source"], v["run_id"] or "", v["status"], v["description"] or "")
            assert int(g["creation_timestamp"]) == v["creation_time"]
            assert {t["key"]: t["value"] for t in g.get("tags", [])} == {
                t["key"]: t["value"] for t in rows(before, "SELECT * FROM model_version_tags WHERE name = ? AND "
                                                   "version = ?", m["name"], v["version"])}


def refused(tmp_path, uri_or_path, want_status, want_text):
    path = uri_or_path if "://" not in uri_or_path else None
    before = digest(path) if path else None
    listing = sorted(os.listdir(tmp_path))
    p = cli("db", "upgrade", uri_or_path if "://" in uri_or_path else "sqlite:///" + uri_or_path)
    assert p.returncode == want_status, p.stderr
    assert p.stdout == ""
    lines = p.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("mlflow-c db upgrade: ") and want_text in lines[0], p.stderr
    if path:
        assert digest(path) == before
    assert sorted(os.listdir(tmp_path)) == listing  # no backup, journal or new file


def test_bad_inputs(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n" * 300)
    refused(tmp_path, str(text), 3, "is not a SQLite database")

    other = str(tmp_path / "other.db")
    with sqlite3.connect(other) as c:
        c.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY)")
    refused(tmp_path, other, 3, "is not an MLflow database")
    refused(tmp_path, str(tmp_path / "missing.db"), 3, "No such file or directory")
    refused(tmp_path, "postgresql://u@127.0.0.1:1/mlflow", 3, "could not connect to postgresql://u@127.0.0.1:1/mlflow")
    refused(tmp_path, "sqlite://", 2, "in-memory database")

    if os.path.exists(FIXTURE):
        db = copy_fixture(tmp_path, "old.db")
        with sqlite3.connect(db) as c:
            c.execute("UPDATE alembic_version SET version_num = '0123456789ab'")
        refused(tmp_path, db, 3, "is at revision 0123456789ab, which is not in MLflow's migration chain")
        with sqlite3.connect(db) as c:
            c.execute("UPDATE alembic_version SET version_num = 'acf3f17fdcc7'")
        os.chmod(db, 0o444)
        refused(tmp_path, db, 3, "is read-only: nothing was changed")
        os.chmod(db, 0o644)

    head = str(tmp_path / "head.db")
    Server(db_path=head).stop()  # a database at our head
    with sqlite3.connect(head) as c:
        c.execute("PRAGMA journal_mode = DELETE")
        c.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")
    refused(tmp_path, head, 3, f"is at revision ffffffffffff, newer than mlflow-c's {HEAD}")


def test_usage_errors():
    for args in (["db"], ["db", "downgrade", "sqlite:///x.db"], ["db", "upgrade"], ["db", "upgrade", "--force", "x"],
                 ["db", "current", "a", "b"]):
        p = cli(*args)
        assert p.returncode == 2, args
        assert len(p.stderr.splitlines()) == 1, p.stderr


# MLflow's initial_models tables (before the root revision).
INITIAL = [
    "CREATE TABLE experiments (\n\texperiment_id INTEGER NOT NULL, \n\tname VARCHAR(256) NOT NULL, \n"
    "\tartifact_location VARCHAR(256), \n\tlifecycle_stage VARCHAR(32), \n"
    "\tCONSTRAINT experiment_pk PRIMARY KEY (experiment_id), \n"
    "\tCONSTRAINT experiments_lifecycle_stage CHECK (lifecycle_stage IN ('active', 'deleted')), \n\tUNIQUE (name)\n)",
    "CREATE TABLE runs (\n\trun_uuid VARCHAR(32) NOT NULL, \n\tname VARCHAR(250), \n\tsource_type VARCHAR(20), \n"
    "\tsource_name VARCHAR(500), \n\tentry_point_name VARCHAR(50), \n\tuser_id VARCHAR(256), \n"
    "\tstatus VARCHAR(20), \n\tstart_time BIGINT, \n\tend_time BIGINT, \n\tsource_version VARCHAR(50), \n"
    "\tlifecycle_stage VARCHAR(20), \n\tartifact_uri VARCHAR(200), \n\texperiment_id INTEGER, \n"
    "\tCONSTRAINT run_pk PRIMARY KEY (run_uuid), \n"
    "\tCONSTRAINT source_type CHECK (source_type IN ('NOTEBOOK', 'JOB', 'LOCAL', 'UNKNOWN', 'PROJECT')), \n"
    "\tCONSTRAINT status CHECK (status IN ('SCHEDULED', 'FAILED', 'FINISHED', 'RUNNING')), \n"
    "\tCONSTRAINT runs_lifecycle_stage CHECK (lifecycle_stage IN ('active', 'deleted')), \n"
    "\tFOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id)\n)",
    "CREATE TABLE tags (\n\t\"key\" VARCHAR(250) NOT NULL, \n\tvalue VARCHAR(250), \n\trun_uuid VARCHAR(32) NOT NULL, \n"
    "\tCONSTRAINT tag_pk PRIMARY KEY (\"key\", run_uuid), \n\tFOREIGN KEY(run_uuid) REFERENCES runs (run_uuid)\n)",
    "CREATE TABLE metrics (\n\t\"key\" VARCHAR(250) NOT NULL, \n\tvalue FLOAT NOT NULL, \n\ttimestamp BIGINT NOT NULL, \n"
    "\trun_uuid VARCHAR(32) NOT NULL, \n\tCONSTRAINT metric_pk PRIMARY KEY (\"key\", timestamp, run_uuid), \n"
    "\tFOREIGN KEY(run_uuid) REFERENCES runs (run_uuid)\n)",
    "CREATE TABLE params (\n\t\"key\" VARCHAR(250) NOT NULL, \n\tvalue VARCHAR(250) NOT NULL, \n"
    "\trun_uuid VARCHAR(32) NOT NULL, \n\tCONSTRAINT param_pk PRIMARY KEY (\"key\", run_uuid), \n"
    "\tFOREIGN KEY(run_uuid) REFERENCES runs (run_uuid)\n)",
]


def make_initial_db(path, runs=100, points=600):
    with sqlite3.connect(path) as c:
        for sql in INITIAL:
            c.execute(sql)
        c.execute("INSERT INTO experiments VALUES (0, 'Default', '/a/0', 'active')")
        c.executemany("INSERT INTO runs VALUES (?, ?, 'LOCAL', 'x.py', '', ?, 'FINISHED', 1, 2, '', 'active', '', 0)",
                      [(f"{i:032x}", f"run{i}", f"user{i % 3}") for i in range(runs)])
        c.executemany("INSERT INTO params VALUES ('lr', ?, ?)", [(str(i), f"{i:032x}") for i in range(runs)])
        c.executemany("INSERT INTO metrics VALUES (?, ?, ?, ?)",
                      [(f"m{j % 3}", float(j), 1000 + j, f"{i:032x}") for i in range(runs) for j in range(points)])


def test_killed_upgrade_leaves_a_revision_and_resumes(tmp_path):
    """SIGKILL during the upgrade: the database is intact at some revision of the chain; a rerun finishes."""
    import signal
    import time
    src = str(tmp_path / "src.db")
    make_initial_db(src)
    with sqlite3.connect(src) as c:
        n_metrics = c.execute("SELECT count(*) FROM metrics").fetchone()[0]
    t = time.time()
    full = str(tmp_path / "full.db")
    shutil.copy(src, full)
    assert cli("db", "upgrade", "--no-backup", "sqlite:///" + full).returncode == 0
    took = time.time() - t
    seen = set()
    for frac in (0.1, 0.3, 0.5, 0.7):
        db = str(tmp_path / f"k{frac}.db")
        shutil.copy(src, db)
        p = subprocess.Popen([BIN, "db", "upgrade", "--no-backup", "sqlite:///" + db], stderr=subprocess.DEVNULL)
        time.sleep(took * frac)
        p.send_signal(signal.SIGKILL)
        p.wait()
        cur = cli("db", "current", "sqlite:///" + db)  # first to open it after the kill
        assert cur.returncode == 0, cur.stderr
        seen.add(cur.stdout.strip())
        with sqlite3.connect(db) as c:
            assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        p = cli("db", "upgrade", "--no-backup", "sqlite:///" + db)
        assert p.returncode == 0, p.stderr
        with sqlite3.connect(db) as c, sqlite3.connect(full) as f:
            q = "SELECT type, name, sql FROM sqlite_master ORDER BY name"
            assert c.execute(q).fetchall() == f.execute(q).fetchall()
            assert c.execute("SELECT count(*) FROM metrics").fetchone()[0] == n_metrics
            q = "SELECT * FROM latest_metrics ORDER BY run_uuid, key"
            assert c.execute(q).fetchall() == f.execute(q).fetchall()
    print("killed at revisions", seen)
