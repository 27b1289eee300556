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


# MLflow's initial tables on PostgreSQL (initial_models: the experiments id is SERIAL), before the root revision.
INITIAL = [
    "CREATE TABLE experiments (experiment_id SERIAL NOT NULL, name VARCHAR(256) NOT NULL, artifact_location "
    "VARCHAR(256), lifecycle_stage VARCHAR(32), CONSTRAINT experiment_pk PRIMARY KEY (experiment_id), CONSTRAINT "
    "experiments_lifecycle_stage CHECK (lifecycle_stage IN ('active', 'deleted')), UNIQUE (name))",
    "CREATE TABLE runs (run_uuid VARCHAR(32) NOT NULL, name VARCHAR(250), source_type VARCHAR(20), source_name "
    "VARCHAR(500), entry_point_name VARCHAR(50), user_id VARCHAR(256), status VARCHAR(20), start_time BIGINT, "
    "end_time BIGINT, source_version VARCHAR(50), lifecycle_stage VARCHAR(20), artifact_uri VARCHAR(200), "
    "experiment_id INTEGER, CONSTRAINT run_pk PRIMARY KEY (run_uuid), CONSTRAINT source_type CHECK (source_type IN "
    "('NOTEBOOK', 'JOB', 'LOCAL', 'UNKNOWN', 'PROJECT')), CONSTRAINT status CHECK (status IN ('SCHEDULED', 'FAILED', "
    "'FINISHED', 'RUNNING')), CONSTRAINT runs_lifecycle_stage CHECK (lifecycle_stage IN ('active', 'deleted')), "
    "FOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id))",
    "CREATE TABLE tags (key VARCHAR(250) NOT NULL, value VARCHAR(250), run_uuid VARCHAR(32) NOT NULL, CONSTRAINT "
    "tag_pk PRIMARY KEY (key, run_uuid), FOREIGN KEY(run_uuid) REFERENCES runs (run_uuid))",
    "CREATE TABLE metrics (key VARCHAR(250) NOT NULL, value FLOAT NOT NULL, timestamp BIGINT NOT NULL, run_uuid "
    "VARCHAR(32) NOT NULL, CONSTRAINT metric_pk PRIMARY KEY (key, timestamp, run_uuid), FOREIGN KEY(run_uuid) "
    "REFERENCES runs (run_uuid))",
    "CREATE TABLE params (key VARCHAR(250) NOT NULL, value VARCHAR(250) NOT NULL, run_uuid VARCHAR(32) NOT NULL, "
    "CONSTRAINT param_pk PRIMARY KEY (key, run_uuid), FOREIGN KEY(run_uuid) REFERENCES runs (run_uuid))",
]


def make_initial_db(name, runs=100, points=600):
    conn = pg_connect(pg_database_uri(name))
    cur = conn.cursor()
    for sql in INITIAL:
        cur.execute(sql)
    cur.execute("INSERT INTO experiments VALUES (0, 'Default', '/a/0', 'active')")
    cur.execute("INSERT INTO runs SELECT lpad(to_hex(i), 32, '0'), 'run' || i, 'LOCAL', 'x.py', '', "
                "'user' || (i %% 3), 'FINISHED', 1, 2, '', 'active', '', 0 FROM generate_series(0, %s) i", (runs - 1,))
    cur.execute("INSERT INTO params SELECT 'lr', i::text, lpad(to_hex(i), 32, '0') FROM generate_series(0, %s) i",
                (runs - 1,))
    cur.execute("INSERT INTO metrics SELECT 'm' || (j %% 3), j, 1000 + j, lpad(to_hex(i), 32, '0') FROM "
                "generate_series(0, %s) i, generate_series(0, %s) j", (runs - 1, points - 1))
    conn.close()


def rows(uri, sql):
    conn = pg_connect(uri)
    try:
        cur = conn.cursor()
        cur.execute(sql)
        return cur.fetchall()
    finally:
        conn.close()


def test_killed_upgrade_leaves_a_revision_and_resumes():
    """SIGKILL during the upgrade: the database is at some revision of the chain, each step having been one
    transaction; a rerun finishes with the same schema and rows as an uninterrupted upgrade."""
    import signal
    import time
    full = pg_create_database()
    names = [full]
    try:
        make_initial_db(full)
        t = time.time()
        p = cli("db", "upgrade", pg_database_uri(full))
        assert p.returncode == 0, p.stderr
        took = time.time() - t
        want_rows = [rows(pg_database_uri(full), q) for q in (
            "SELECT * FROM latest_metrics ORDER BY run_uuid, key", "SELECT * FROM tags ORDER BY run_uuid, key",
            "SELECT count(*), sum(value), sum(step) FROM metrics")]
        seen = []
        for frac in (0.15, 0.35, 0.55, 0.75):
            name = pg_create_database()
            names.append(name)
            make_initial_db(name)
            p = subprocess.Popen([BIN, "db", "upgrade", pg_database_uri(name)], stderr=subprocess.DEVNULL)
            time.sleep(took * frac)
            p.send_signal(signal.SIGKILL)
            p.wait()
            cur = cli("db", "current", pg_database_uri(name))
            assert cur.returncode == 0, cur.stderr
            seen.append(cur.stdout.strip())
            p = cli("db", "upgrade", pg_database_uri(name))
            assert p.returncode == 0, p.stderr
            assert dump(pg_database_uri(name)) == dump(pg_database_uri(full))
            assert [rows(pg_database_uri(name), q) for q in (
                "SELECT * FROM latest_metrics ORDER BY run_uuid, key", "SELECT * FROM tags ORDER BY run_uuid, key",
                "SELECT count(*), sum(value), sum(step) FROM metrics")] == want_rows
        print("killed at revisions", seen)
    finally:
        for name in names:
            pg_drop_database(name)


def test_bad_inputs_write_nothing():
    name = pg_create_database()
    uri = pg_database_uri(name)
    role = "mlfc_ro_" + name[-6:]
    admin = pg_connect(uri)
    try:
        # not MLflow's
        admin.cursor().execute("CREATE TABLE customers (id INTEGER PRIMARY KEY)")
        p = cli("db", "upgrade", uri)
        assert (p.returncode, len(p.stderr.splitlines())) == (3, 1) and "is not an MLflow database" in p.stderr
        admin.cursor().execute("DROP TABLE customers")
        # a missing database
        p = cli("db", "upgrade", pg_database_uri(name + "_missing"))
        assert (p.returncode, len(p.stderr.splitlines())) == (3, 1) and "does not exist" in p.stderr, p.stderr
        make_initial_db(name, runs=3, points=3)
        # a role that may read but not alter the tables, and a read-only session
        admin.cursor().execute(f"CREATE ROLE {role} LOGIN")
        admin.cursor().execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
        p = cli("db", "upgrade", uri.replace("postgres@", f"{role}@", 1))
        assert (p.returncode, len(p.stderr.splitlines())) == (3, 1), p.stderr
        assert "nothing was changed" in p.stderr
        p = cli("db", "upgrade", uri + "?options=-c%20default_transaction_read_only%3Don")
        assert (p.returncode, len(p.stderr.splitlines())) == (3, 1), p.stderr
        assert "is read-only: nothing was changed" in p.stderr
        assert cli("db", "current", uri).stdout.strip() == "None"
        assert rows(uri, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'") == [(5,)]
        # a revision newer than ours (or not MLflow's)
        p = cli("db", "upgrade", uri)
        assert p.returncode == 0, p.stderr
        admin.cursor().execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")
        p = cli("db", "upgrade", uri)
        assert (p.returncode, len(p.stderr.splitlines())) == (3, 1), p.stderr
        assert "is at revision ffffffffffff, which is not in MLflow's migration chain" in p.stderr
        assert cli("db", "current", uri).stdout.strip() == "ffffffffffff"
    finally:
        admin.close()
        pg_drop_database(name)
        c = pg_connect()
        c.cursor().execute(f"DROP ROLE IF EXISTS {role}")
        c.close()
