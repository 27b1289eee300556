"""`mlflow-c db current` / `db upgrade` on PostgreSQL: the revision of a database mlflow-c made, nothing to do
at the head, and a database at an older revision or not MLflow's refused with exit status 3 and nothing
written (mlflow-c's steps are SQLite's so far; the message points at MLflow's own upgrade).

PostgreSQL only (MLFLOW_C_TEST_BACKEND=postgresql)."""

import subprocess

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
        conn.cursor().execute("UPDATE alembic_version SET version_num = '451aebb31d03'")
        conn.close()
        # the password never shows; the driver suffix SQLAlchemy URLs carry is accepted
        with_pw = uri.replace("postgresql://postgres@", "postgresql+psycopg2://postgres:secret@")
        p = cli("db", "upgrade", with_pw)
        assert p.returncode == 3, p.stderr
        assert "secret" not in p.stderr and "postgres:***@" in p.stderr
        assert "is at revision 451aebb31d03" in p.stderr and "mlflow db upgrade" in p.stderr
        assert revision(uri) == "451aebb31d03"  # nothing written
        # the server refuses it too, naming the upgrade
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
