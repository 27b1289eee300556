"""`mlflow-c db current` / `db upgrade` on PostgreSQL: the revision of a database mlflow-c made, nothing to do
at the head, databases MLflow 3.18's alembic left at bf29a5ff90ea (MLflow 3.6's head) and with only MLflow's
initial tables (before the root revision) upgraded to the head with the schema and rows MLflow itself makes
there (with the reference environment; tools/migrate/verify_pg_upgrade.py checks every start revision), and a
database at a revision outside the chain or not MLflow's refused with exit status 3 and nothing written.

PostgreSQL only (MLFLOW_C_TEST_BACKEND=postgresql)."""

import os
import subprocess

import pytest

from conftest import BIN, Server, pg_connect, pg_create_database, pg_database_uri, pg_drop_database, pg_only

pytestmark = pg_only


def cli(*args):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=60)


def revision(uri):
    conn = pg_connect(uri)
    try:
        cur = conn.cursor()
        cur.execute("SELECT version_num FROM alembic_version")
        return cur.fetchone()[0]
    finally:
        conn.close()


def test_current_and_upgrade():
    name = pg_create_database()
    uri = pg_database_uri(name)
    try:
        # an empty database is not MLflow's
        p = cli("db", "current", uri)
        assert p.returncode == 3 and "is not an MLflow database" in p.stderr, p.stderr
        Server(store_uri=uri).stop()  # creates the schema
        p = cli("db", "current", uri)
        assert (p.returncode, p.stdout.strip()) == (0, "f4a9b2c7d1e6"), p.stderr
        p = cli("db", "upgrade", uri)
        assert p.returncode == 0 and "nothing to do" in p.stderr, p.stderr

        conn = pg_connect(uri)
        conn.cursor().execute("UPDATE alembic_version SET version_num = '0123456789ab'")
        conn.close()
        # the password never shows; the driver suffix SQLAlchemy URLs carry is accepted
        with_pw = uri.replace("postgresql://postgres@", "postgresql+psycopg2://postgres:secret@")
        p = cli("db", "upgrade", with_pw)
        assert p.returncode == 3, p.stderr
        assert "secret" not in p.stderr and "postgres:***@" in p.stderr
        assert "is at revision 0123456789ab, which is not in MLflow's migration chain" in p.stderr
        assert len(p.stderr.splitlines()) == 1
        assert revision(uri) == "0123456789ab"  # nothing written
        # the server refuses a chain revision before the head, naming the upgrade
        conn = pg_connect(uri)
        conn.cursor().execute("UPDATE alembic_version SET version_num = '451aebb31d03'")
        conn.close()
        p = subprocess.run([BIN, "server", "--port", "1", "--backend-store-uri", uri], capture_output=True,
                           text=True, timeout=60)
        assert p.returncode != 0 and "found version 451aebb31d03" in p.stderr, p.stderr
    finally:
        pg_drop_database(name)


def test_unreachable():
    p = cli("db", "upgrade", "postgresql://u:pw@127.0.0.1:1/mlflow")
    assert p.returncode == 3
    assert p.stderr.startswith("mlflow-c db upgrade: could not connect to postgresql://u:***@127.0.0.1:1/mlflow")
    assert len(p.stderr.splitlines()) == 1


REF_PYTHON = os.environ.get("MLFLOW_C_REF_PYTHON")

# in the reference environment: MLflow's initial tables, then its alembic up to a revision (or the head)
MAKE = r"""
import sys, sqlalchemy
from alembic import command
from mlflow.store.db.utils import _get_alembic_config
from mlflow.store.tracking.dbmodels.initial_models import Base as InitialBase
url, rev = sys.argv[1].replace("postgresql://", "postgresql+psycopg2://", 1), sys.argv[2]
engine = sqlalchemy.create_engine(url)
cfg = _get_alembic_config(url)
if rev != "head":
    with engine.begin() as conn:
        InitialBase.metadata.create_all(conn)
if rev == "None":
    sys.exit(0)
with engine.begin() as conn:
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, rev)
"""


def dump(uri):
    conn = pg_connect(uri)
    try:
        cur = conn.cursor()
        cur.execute("SELECT table_name, column_name, data_type, is_nullable, column_default FROM "
                    "information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2")
        cols = cur.fetchall()
        cur.execute("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE "
                    "connamespace = 'public'::regnamespace ORDER BY 1, 2")
        cons = cur.fetchall()
        cur.execute("SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1")
        return cols, cons, cur.fetchall()
    finally:
        conn.close()


@pytest.mark.skipif(not REF_PYTHON or not os.path.exists(REF_PYTHON), reason="no reference MLflow ($MLFLOW_C_REF_PYTHON)")
def test_upgrade_from_mlflow_36_head_matches_mlflow():
    ours, theirs = pg_create_database(), pg_create_database()
    try:
        for name in (ours, theirs):
            p = subprocess.run([REF_PYTHON, "-c", MAKE, pg_database_uri(name), "bf29a5ff90ea"], capture_output=True,
                               text=True, timeout=300)
            assert p.returncode == 0, p.stderr[-2000:]
        conn = pg_connect(pg_database_uri(ours))
        conn.cursor().execute("INSERT INTO registered_models (name, creation_time) VALUES ('m', 1)")
        conn.cursor().execute("INSERT INTO jobs (id, creation_time, function_fullname, params, status, retry_count, "
                              "last_update_time) VALUES ('j1', 1, 'f', '{}', 1, 0, 1)")
        conn.close()
        p = cli("db", "upgrade", pg_database_uri(ours))
        assert p.returncode == 0, p.stderr
        assert p.stderr.splitlines()[0] == "Running upgrade bf29a5ff90ea -> 1bd49d398cd23, add secrets tables"
        assert p.stderr.splitlines()[-1] == "Upgraded from bf29a5ff90ea to f4a9b2c7d1e6 in 30 steps"
        p = subprocess.run([REF_PYTHON, "-c", MAKE, pg_database_uri(theirs), "head"], capture_output=True, text=True,
                           timeout=300)
        assert p.returncode == 0, p.stderr[-2000:]
        assert dump(pg_database_uri(ours)) == dump(pg_database_uri(theirs))
        conn = pg_connect(pg_database_uri(ours))
        cur = conn.cursor()
        cur.execute("SELECT workspace, name FROM registered_models")
        assert cur.fetchall() == [("default", "m")]
        cur.execute("SELECT name, description FROM workspaces")
        assert cur.fetchall() == [("default", "Default workspace for legacy resources")]
        cur.execute("SELECT job_name, status FROM jobs")
        assert cur.fetchall() == [("f", 5)]  # a running job is canceled
        conn.close()
        # MLflow's own upgrade has nothing left to do, and mlflow-c serves the database
        p = subprocess.run([REF_PYTHON, "-c", MAKE, pg_database_uri(ours), "head"], capture_output=True, text=True,
                           timeout=300)
        assert p.returncode == 0 and "Running upgrade" not in p.stderr, p.stderr[-2000:]
        s = Server(store_uri=pg_database_uri(ours))
        try:
            st, _, body = s.get("registered-models/get", "name=m")
            assert st == 200 and body["registered_model"]["name"] == "m"
        finally:
            s.stop()
    finally:
        pg_drop_database(ours)
        pg_drop_database(theirs)



@pytest.mark.skipif(not REF_PYTHON or not os.path.exists(REF_PYTHON), reason="no reference MLflow ($MLFLOW_C_REF_PYTHON)")
def test_upgrade_from_initial_tables_matches_mlflow():
    ours, theirs = pg_create_database(), pg_create_database()
    rows = ["INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage) VALUES "
            "(0, 'Default', '/a/0', 'active')",
            "INSERT INTO runs (run_uuid, user_id, status, lifecycle_stage, experiment_id) VALUES "
            "('r1', 'alice', 'FINISHED', 'active', 0), ('r2', '', 'RUNNING', 'active', 0)",
            "INSERT INTO metrics (key, value, timestamp, run_uuid) VALUES ('loss', 2.0, 1, 'r1'), "
            "('loss', 1.0, 2, 'r1'), ('loss', 3.0, 1, 'r2')"]
    try:
        for name in (ours, theirs):
            p = subprocess.run([REF_PYTHON, "-c", MAKE, pg_database_uri(name), "None"], capture_output=True,
                               text=True, timeout=300)
            assert p.returncode == 0, p.stderr[-2000:]
            conn = pg_connect(pg_database_uri(name))
            for sql in rows:
                conn.cursor().execute(sql)
            conn.close()
        p = cli("db", "current", pg_database_uri(ours))
        assert (p.returncode, p.stdout.strip()) == (0, "None"), p.stderr
        p = cli("db", "upgrade", pg_database_uri(ours))
        assert p.returncode == 0, p.stderr
        assert p.stderr.splitlines()[0] == "Running upgrade None -> 451aebb31d03, add metric step"
        assert p.stderr.splitlines()[-1] == "Upgraded from None to f4a9b2c7d1e6 in 70 steps"
        p = subprocess.run([REF_PYTHON, "-c", MAKE, pg_database_uri(theirs), "head"], capture_output=True, text=True,
                           timeout=300)
        assert p.returncode == 0, p.stderr[-2000:]
        assert dump(pg_database_uri(ours)) == dump(pg_database_uri(theirs))
        for name in (ours, theirs):
            conn = pg_connect(pg_database_uri(name))
            cur = conn.cursor()
            cur.execute("SELECT run_uuid, key, value FROM tags ORDER BY 1, 2")
            tags = cur.fetchall()
            cur.execute("SELECT run_uuid, key, value, timestamp, step, is_nan FROM latest_metrics ORDER BY 1")
            latest = cur.fetchall()
            conn.close()
            assert tags == [("r1", "mlflow.user", "alice")]
            assert latest == [("r1", "loss", 1.0, 2, 0, False), ("r2", "loss", 3.0, 1, 0, False)]
        # MLflow's own upgrade has nothing left to do
        p = subprocess.run([REF_PYTHON, "-c", MAKE, pg_database_uri(ours), "head"], capture_output=True, text=True,
                           timeout=300)
        assert p.returncode == 0 and "Running upgrade" not in p.stderr, p.stderr[-2000:]
    finally:
        pg_drop_database(ours)
        pg_drop_database(theirs)
