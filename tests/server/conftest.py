"""Starts the real `mlflow-c server` on a free port with a fresh database.

The backend comes from MLFLOW_C_TEST_BACKEND: `sqlite` (the default; a new
file in the server's temp dir) or `postgresql`: a new database on the cluster
at MLFLOW_C_TEST_PG_URI (a maintenance URI such as
postgresql://postgres@127.0.0.1:5432/postgres; tools/pg.sh starts a throwaway
one and tools/test.sh always sets it), dropped when the server stops. On
postgresql without MLFLOW_C_TEST_PG_URI every test skips; a PostgreSQL run
in which nothing passed (all skipped) exits 77, meson's SKIP.

Server.sql / Server.query run SQL on the server's database with `?`
placeholders on either backend; tests about SQLite files themselves are
marked `sqlite_only`."""

import http.client
import itertools
import json
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse

import pytest

BIN = os.environ.get("MLFLOW_C_BIN", os.path.join(os.path.dirname(__file__), "..", "..", "build", "mlflow-c"))
BACKEND = os.environ.get("MLFLOW_C_TEST_BACKEND", "sqlite") or "sqlite"
PG_URI = os.environ.get("MLFLOW_C_TEST_PG_URI", "")
if BACKEND not in ("sqlite", "postgresql"):
    raise RuntimeError(f"MLFLOW_C_TEST_BACKEND={BACKEND}: want sqlite or postgresql")
PG = BACKEND == "postgresql"
PG_MISSING = PG and not PG_URI

# A sanitizer report in a server's stderr fails the test that stopped it (the TSan build, build-tsan, and the
# ASan build): TSan's own exit status (66) says so too, but only once the process exits.
SANITIZER_REPORTS = ("WARNING: ThreadSanitizer", "ERROR: AddressSanitizer", "ERROR: LeakSanitizer")
# a sanitized server takes longer to stop (TSan checks every access the shutdown makes)
SHUTDOWN_TIMEOUT = 30

sqlite_only = pytest.mark.skipif(PG, reason="about SQLite database files")
pg_only = pytest.mark.skipif(not PG, reason="PostgreSQL only (MLFLOW_C_TEST_BACKEND=postgresql)")

# The start of a unique-constraint failure's message, as MLflow's SQLAlchemy store words it.
UNIQUE_VIOLATION = ("(psycopg2.errors.UniqueViolation) duplicate key value violates unique constraint" if PG
                    else "(sqlite3.IntegrityError) UNIQUE constraint failed")


# MLflow's answer to a negative LIMIT on PostgreSQL (SQLite's means none)
NEGATIVE_LIMIT = "(psycopg2.errors.InvalidRowCountInLimitClause) LIMIT must not be negative\n"


# The sqlstate and error_class MLflow 3.18 adds to an error of each code (src/core/errors.def)
ERROR_CLASSES = {
    "INTERNAL_ERROR": ("XXM00", "CLIENT_INTERNAL_ERROR"),
    "BAD_REQUEST": ("KAM00", "INVALID_PARAMETER_VALUE"),
    "INVALID_PARAMETER_VALUE": ("KAM00", "INVALID_PARAMETER_VALUE"),
    "RESOURCE_DOES_NOT_EXIST": ("KAM00", "RESOURCE_NOT_FOUND"),
    "RESOURCE_ALREADY_EXISTS": ("KAM00", "RESOURCE_ALREADY_EXISTS"),
    "INVALID_STATE": ("XXM00", "CLIENT_INTERNAL_ERROR"),
}


def mlflow_error(code, message):
    """The JSON of an MLflow 3.18 error whose raise site names no error class."""
    sqlstate, error_class = ERROR_CLASSES[code]
    return {"error_code": code, "message": message, "sqlstate": sqlstate, "error_class": error_class}


def assert_unique_violation(msg, sqlite_text, before=""):
    """msg is MLflow's IntegrityError message: on SQLite it starts with before + sqlite_text
    (`(sqlite3.IntegrityError) UNIQUE constraint failed: t.c`), on PostgreSQL with before + psycopg2's
    UniqueViolation text."""
    want = before + (sqlite_text if not PG else UNIQUE_VIOLATION)
    assert msg.startswith(want), f"{msg!r} does not start with {want!r}"


def has_unique_violation(msg, sqlite_text):
    """sqlite_text (`UNIQUE constraint failed: t.c`) is in msg on SQLite; psycopg2's UniqueViolation on PostgreSQL."""
    return (UNIQUE_VIOLATION if PG else sqlite_text) in msg


def pytest_collection_modifyitems(config, items):
    if PG_MISSING:
        skip = pytest.mark.skip(reason="MLFLOW_C_TEST_BACKEND=postgresql without MLFLOW_C_TEST_PG_URI")
        for item in items:
            item.add_marker(skip)


def pytest_sessionfinish(session, exitstatus):
    # meson's SKIP (77) for a PostgreSQL run that ran nothing: no cluster, or a file about SQLite only
    if not PG or exitstatus not in (0, 5):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    stats = reporter.stats if reporter is not None else {}
    if PG_MISSING or not stats.get("passed"):
        session.exitstatus = 77


# ---- PostgreSQL databases on the test cluster ----

_db_counter = itertools.count(1)


def pg_connect(uri=None):
    import psycopg2
    conn = psycopg2.connect(uri or PG_URI, connect_timeout=30)
    conn.autocommit = True
    return conn


def pg_database_uri(name, uri=None):
    """The maintenance URI with its database replaced by name (query arguments kept)."""
    u = urllib.parse.urlsplit(uri or PG_URI)
    return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + name, u.query, u.fragment))


def pg_create_database():
    """A new empty database on the test cluster; returns its name."""
    name = f"mlfc_t_{os.getpid()}_{next(_db_counter)}_{secrets.token_hex(3)}"
    conn = pg_connect()
    try:
        conn.cursor().execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()
    return name


def pg_drop_database(name):
    conn = pg_connect()
    try:
        conn.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        conn.close()


def _pg_sql(statement, params):
    if params:
        statement = statement.replace("%", "%%").replace("?", "%s")
    return statement


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`mlflow-c server` on a free port. db_path: that SQLite file (sqlite only, whatever the backend);
    store_uri: that backend store, not made or dropped here (two servers on one database); else a fresh
    database of the backend under test, removed at stop(). env: the server's environment (default: ours)."""

    def __init__(self, db_path=None, extra_args=(), store_uri=None, env=None):
        self.dir = tempfile.mkdtemp(prefix="mlflow-c-test-")
        self.pg_db = None
        self.db = None
        if store_uri is not None:
            self.store_uri = store_uri
            self.backend = "postgresql" if store_uri.startswith("postgresql") else "sqlite"
            if self.backend == "sqlite":
                self.db = store_uri[len("sqlite:///"):]
        elif db_path is not None or not PG:
            self.backend = "sqlite"
            self.db = db_path or os.path.join(self.dir, "mlflow.db")
            self.store_uri = "sqlite:///" + self.db
        else:
            if PG_MISSING:
                pytest.skip("MLFLOW_C_TEST_BACKEND=postgresql without MLFLOW_C_TEST_PG_URI")
            self.backend = "postgresql"
            self.pg_db = pg_create_database()
            self.store_uri = pg_database_uri(self.pg_db)
        self.port = free_port()
        self.log = open(os.path.join(self.dir, "server.log"), "w+")
        self.proc = subprocess.Popen(
            [BIN, "server", "--port", str(self.port), "--workers", "2",
             "--backend-store-uri", self.store_uri, *extra_args],
            stdout=self.log, stderr=subprocess.STDOUT, cwd=self.dir, env=env)
        try:
            self._wait_started()
        except BaseException:
            self._cleanup(kill=True)
            raise

    def _wait_started(self):
        deadline = time.time() + (60 if self.backend == "postgresql" else 20)
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited: " + self.logs())
            try:
                if self.request("GET", "/health")[0] == 200:
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not start: " + self.logs())

    def logs(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def request(self, method, path, body=None, headers=None, raw=False):
        """Returns (status, headers dict, body bytes or parsed JSON)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        hdrs = dict(headers or {})
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
            hdrs.setdefault("Content-Type", "application/json")
        conn.request(method, path, body=body, headers=hdrs)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        h = {k.lower(): v for k, v in resp.getheaders()}
        if not raw and h.get("content-type", "").startswith("application/json"):
            data = json.loads(data)
        return resp.status, h, data

    def post(self, rpc_path, body, prefix="/api/2.0/mlflow/"):
        return self.request("POST", prefix + rpc_path, body)

    def get(self, rpc_path, query="", prefix="/api/2.0/mlflow/"):
        return self.request("GET", prefix + rpc_path + (("?" + query) if query else ""))

    def sql(self, statement, params=()):
        """Runs one statement (`?` placeholders) on the server's database and commits."""
        self.query(statement, params, fetch=False)

    def query(self, statement, params=(), fetch=True):
        """The rows (tuples) of a query with `?` placeholders, on either backend."""
        if self.backend == "sqlite":
            import sqlite3
            db = sqlite3.connect(self.db, timeout=30)
            try:
                rows = db.execute(statement, tuple(params)).fetchall()
                db.commit()
                return rows
            finally:
                db.close()
        conn = pg_connect(self.store_uri)
        try:
            cur = conn.cursor()
            cur.execute(_pg_sql(statement, params), tuple(params) or None)
            return cur.fetchall() if fetch and cur.description is not None else []
        finally:
            conn.close()

    def query1(self, statement, *params):
        """The first row of a query, or None."""
        rows = self.query(statement, params)
        return rows[0] if rows else None

    def stop(self):
        rc = 0
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                rc = self.proc.wait(timeout=SHUTDOWN_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                rc = self.proc.wait()
        logs = self.logs()
        self._cleanup()
        assert rc == 0, "server did not shut down cleanly: " + logs
        reports = [m for m in SANITIZER_REPORTS if m in logs]
        assert not reports, f"{reports[0]} in the server's stderr: " + logs

    def _cleanup(self, kill=False):
        if kill and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        if self.pg_db is not None:
            name, self.pg_db = self.pg_db, None
            pg_drop_database(name)


@pytest.fixture(scope="module")
def server():
    s = Server()
    yield s
    s.stop()


@pytest.fixture
def fresh_server():
    s = Server()
    yield s
    s.stop()
