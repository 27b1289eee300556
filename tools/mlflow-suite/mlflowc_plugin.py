"""pytest plugin: run MLflow's own REST suites (tests/tracking/test_rest_tracking.py,
tests/tracking/test_model_registry.py, tests/tracking/test_mlflow_artifacts.py) against mlflow-c.

Loaded by tools/mlflow-suite/run_rest_suite.sh with `-p mlflowc_plugin` from inside an MLflow source
tree; nothing in that tree is edited. In the spirit of mlflow-go's conftest.py, it swaps the server
launchers the suite uses for ones that start `mlflow-c server` on the port, backend store URI and
artifact settings the test asked for:

- `mlflow_client` fixture: MLflow 3.x calls `initialize_backend_stores(backend_uri,
  default_artifact_root=...)` and then serves its app in-process with `ServerThread(app, port)`. We wrap
  `initialize_backend_stores` (to learn the URIs; the original still runs) and replace `ServerThread`
  in the test module with a launcher of `mlflow-c server --port PORT --backend-store-uri URI
  --default-artifact-root ROOT --no-serve-artifacts` (the in-process app does not serve artifacts).
- `tests/tracking/integration_test_utils.py::_init_server`: replaced (in that module and in every
  test module that imported it) by one that starts mlflow-c with the same backend URI, artifact
  root, extra environment and `_MLFLOW_SERVER_*` artifact settings.
- tests that start `python -m mlflow server` or `mlflow server` themselves through `subprocess.Popen`
  (test_mlflow_artifacts.py's artifacts_server): the command is rewritten to `mlflow-c server ...`
  with the same arguments (less --gunicorn-opts and the like) and environment.

With MLFLOWC_SUITE_TARGET=reference nothing is swapped (the suite runs against Python MLflow), except
that `python -m mlflow server` subprocesses are started in their own process group and stopped as a
group (upstream's test_create_model_version_with_validation_regex otherwise leaks its uvicorn).

Every failed or errored test is given a cause, printed grouped at the end and written to
$MLFLOWC_SUITE_LOGDIR/causes.json:
- "rpc not ported yet: <rpc>": during the test the client called an endpoint that
  `mlflow-c endpoints` lists as not implemented (the first such rpc is named);
- "route not served by mlflow-c: <path>": a 404 for a path that is no rpc of the table
  (artifact proxy, /graphql, /ajax-api extras, ...);
- "mlflow-c server did not start: ...";
- "MLflow's own store on the server's database": the test opened Python MLflow's SqlAlchemyStore on
  the database the server serves (see below);
- "other: <exception>: <first line>": anything else (wrong answer of an implemented rpc, etc.).

mlflow-c on SQLite gets one fresh file for each SQLite file the suite names (server_backend): with
MLflow 3.18 installed the suites' fixtures make those files at 3.18's alembic head, which mlflow-c
does not open yet; MLFLOWC_SUITE_SQLITE_AS_IS=1 turns that off. The plugin also supplies private
names an older tree imports that the installed MLflow dropped (_COMPAT_NAMES) and sets the client's
HTTP retries to one quick retry for both targets.

With MLFLOWC_SUITE_PG_URI (a maintenance URI of a PostgreSQL cluster, e.g.
postgresql://postgres@127.0.0.1:5432/postgres), every `sqlite:///<path>` backend store URI a server
is started on becomes a PostgreSQL database on that cluster instead: each distinct SQLite path gets
one fresh database (created on first use with psycopg2, dropped at the end of the session), so two
servers started on the same SQLite file share one database; other URIs (file:, http:, ...) are left
alone. For mlflow-c this applies to the three launchers above; for the reference (Python MLflow) to
the URIs given to `initialize_backend_stores` (the in-process server), `_init_server` and
`mlflow server --backend-store-uri` subprocesses. Stores the tests build themselves on a SQLite
file (`SqlAlchemyStore(...)` in a fixture or a test) are not redirected; see the README.
$MLFLOWC_SUITE_LOGDIR/pg-databases.txt lists which SQLite path became which database.

For each failed test causes.json also lists the error responses (status >= 400) the test got from
local servers, with the message of each, under "error_responses".

Environment: MLFLOW_C_BIN (default /work/main/build/mlflow-c), MLFLOWC_SUITE_TARGET (mlflow-c |
reference), MLFLOWC_SUITE_LOGDIR (server logs and causes.json; a temp dir if unset),
MLFLOWC_SUITE_PG_URI (see above).
"""

import collections
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import types
import urllib.parse

import pytest

TARGET = os.environ.get("MLFLOWC_SUITE_TARGET", "mlflow-c")
BIN = os.environ.get("MLFLOW_C_BIN", "/work/main/build/mlflow-c")
LOGDIR = os.environ.get("MLFLOWC_SUITE_LOGDIR") or tempfile.mkdtemp(prefix="mlflowc-suite-")
HOST = "127.0.0.1"
START_TIMEOUT = float(os.environ.get("MLFLOWC_SUITE_START_TIMEOUT", "15"))
PG_URI = os.environ.get("MLFLOWC_SUITE_PG_URI") or None

_ENV_BACKEND = "_MLFLOW_SERVER_FILE_STORE"
_ENV_REGISTRY = "_MLFLOW_SERVER_REGISTRY_STORE"
_ENV_ROOT = "_MLFLOW_SERVER_ARTIFACT_ROOT"
_ENV_DEST = "_MLFLOW_SERVER_ARTIFACT_DESTINATION"
_ENV_SERVE = "_MLFLOW_SERVER_SERVE_ARTIFACTS"
_ENV_ONLY = "_MLFLOW_SERVER_ARTIFACTS_ONLY"


class ServerStartError(RuntimeError):
    pass


# ---------------------------------------------------------------------------------------------
# the rpc table of mlflow-c (to tell "rpc not ported yet" from other failures)

_ENDPOINTS = []  # (rpc, method, compiled path regex, implemented)


def _load_endpoints():
    try:
        out = subprocess.run([BIN, "endpoints"], capture_output=True, text=True, timeout=30).stdout
    except OSError:
        return
    for line in out.splitlines():
        cols = [c.strip() for c in line.split("|")]
        if len(cols) != 4 or cols[0] == "SERVICE":
            continue
        _service, rpc, routes, impl = cols
        for route in routes.split(","):
            parts = route.split()
            if len(parts) != 2:
                continue
            method, path = parts
            m = re.match(r"^/(?:api|ajax-api)(/.*)$", path)
            tail = m.group(1) if m else path
            rx = re.sub(r"\\\{[^/]*?\\\}", "[^/]+", re.escape(tail))
            prefix = "/(?:api|ajax-api)" if m else ""
            _ENDPOINTS.append((rpc, method, re.compile(f"^{prefix}{rx}/?$"), impl == "yes"))


def _match_rpc(method, path):
    for rpc, m, rx, impl in _ENDPOINTS:
        if m == method and rx.match(path):
            return rpc, impl
    for rpc, m, rx, impl in _ENDPOINTS:  # same path, other method: still that rpc's route
        if rx.match(path):
            return rpc, impl
    return None, None


# ---------------------------------------------------------------------------------------------
# --pg-uri: one PostgreSQL database per SQLite file the suite names

_pg_dbs = {}  # realpath of the sqlite file -> database name
_pg_lock = threading.Lock()


def _pg_connect(dbname=None):
    import psycopg2

    u = urllib.parse.urlsplit(PG_URI)
    if dbname:
        u = u._replace(path="/" + dbname)
    conn = psycopg2.connect(urllib.parse.urlunsplit(u))
    conn.autocommit = True
    return conn


def _pg_db_uri(dbname, python=False):
    """The URI of database dbname on the cluster; python=True: the spelling Python MLflow needs
    (SQLAlchemy 2.1 takes a bare postgresql:// for psycopg 3, which the reference environment
    does not have; it has psycopg2)."""
    u = urllib.parse.urlsplit(PG_URI)
    return _for_python(urllib.parse.urlunsplit(u._replace(path="/" + dbname)), python)


def _for_python(uri, python=True):
    if python and isinstance(uri, str) and uri.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg2://" + uri.split("://", 1)[1]
    return uri


def _pg_uris():
    """Every spelling of the URIs of our databases."""
    return {_pg_db_uri(n, py) for n in _pg_dbs.values() for py in (False, True)}


def _sqlite_path(uri):
    """The file of a sqlite:/// URI (None for other URIs and for in-memory databases)."""
    if not isinstance(uri, str) or not uri.startswith("sqlite:///"):
        return None
    path = urllib.parse.unquote(uri[len("sqlite:///"):].split("?", 1)[0])
    if not path or path == ":memory:":
        return None
    return os.path.realpath(path)


def pg_backend(uri):
    """`uri` as the suite gave it, or, with a PostgreSQL cluster, the database standing for its
    SQLite file (created on first use)."""
    if not PG_URI:
        return uri
    path = _sqlite_path(uri)
    if path is None:
        return uri
    with _pg_lock:
        name = _pg_dbs.get(path)
        if name is None:
            name = f"mlflowc_suite_{os.getpid()}_{len(_pg_dbs) + 1}"
            conn = _pg_connect()
            try:
                with conn.cursor() as cur:
                    cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                    cur.execute(f'CREATE DATABASE "{name}"')
            finally:
                conn.close()
            _pg_dbs[path] = name
            with open(os.path.join(LOGDIR, "pg-databases.txt"), "a") as f:
                f.write(f"{name}\t{uri}\n")
    return _pg_db_uri(name, python=TARGET == "reference")  # the reference's servers are Python MLflow


# mlflow-c on SQLite: one fresh file per SQLite file the suite names. The suites' fixtures and
# initialize_backend_stores (which also runs in the test process) have Python MLflow make the file at
# its own alembic head, a revision mlflow-c does not open yet (it serves bf29a5ff90ea until the
# schema issue); MLFLOWC_SUITE_SQLITE_AS_IS=1 hands the suite's own file to mlflow-c instead.
SQLITE_AS_IS = os.environ.get("MLFLOWC_SUITE_SQLITE_AS_IS", "").lower() in ("1", "true", "yes", "on")
_sqlite_fresh = {}  # realpath of the suite's sqlite file -> the file mlflow-c gets


def server_backend(uri):
    """The backend store URI a server under test gets for `uri` as the suite gave it: on a
    PostgreSQL cluster (--pg-uri) the database standing for its SQLite file; for mlflow-c on SQLite
    a fresh file next to the suite's (see above); otherwise `uri` itself."""
    if PG_URI:
        return pg_backend(uri)
    if TARGET == "reference" or SQLITE_AS_IS:
        return uri
    path = _sqlite_path(uri)
    if path is None:
        return uri
    with _pg_lock:
        fresh = _sqlite_fresh.get(path)
        if fresh is None:
            fresh = f"{path}.mlflow-c-{len(_sqlite_fresh) + 1}.db"
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(fresh + suffix)
            _sqlite_fresh[path] = fresh
            with open(os.path.join(LOGDIR, "sqlite-databases.txt"), "a") as f:
                f.write(f"{fresh}\t{uri}\n")
    return "sqlite:///" + fresh


def _pg_map_args(args):
    """`--backend-store-uri URI` / `--registry-store-uri URI` (or `=URI`) of a server command line,
    mapped by server_backend."""
    out = list(args)
    for i, a in enumerate(out):
        a = str(a)
        for opt in ("--backend-store-uri", "--registry-store-uri"):
            if a == opt and i + 1 < len(out):
                out[i + 1] = server_backend(str(out[i + 1]))
            elif a.startswith(opt + "="):
                out[i] = opt + "=" + server_backend(a[len(opt) + 1:])
    return out


def _pg_release_python_stores():
    """Closes the connections Python MLflow's stores hold to our databases (the reference's
    in-process server keeps one SQLAlchemy engine per database otherwise)."""
    if not PG_URI or not _pg_dbs:
        return
    uris = _pg_uris()
    with contextlib.suppress(Exception):
        from mlflow.server import handlers

        for attr in ("_tracking_store", "_model_registry_store"):
            st = getattr(handlers, attr, None)
            eng = getattr(st, "engine", None)
            if eng is not None and str(getattr(st, "db_uri", "")) in uris:
                eng.dispose()
    with contextlib.suppress(Exception):
        from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

        m = SqlAlchemyStore._db_uri_sql_alchemy_engine_map
        for uri in [u for u in m if u in uris]:
            m.pop(uri).dispose()


def _pg_drop_all():
    if not PG_URI or not _pg_dbs:
        return
    _pg_release_python_stores()
    conn = _pg_connect()
    try:
        with conn.cursor() as cur:
            for name in _pg_dbs.values():
                cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        conn.close()
    _pg_dbs.clear()


# ---------------------------------------------------------------------------------------------
# launching mlflow-c

_servers = {}  # port -> _McServer of the running servers we started
_last_stores = {}  # what the test last passed to initialize_backend_stores


class _McServer:
    def __init__(self, port, backend_uri, artifact_root=None, env=None, serve_artifacts=False,
                 artifacts_destination=None, artifacts_only=False, extra_args=()):
        self.port = int(port)
        self.url = f"http://{HOST}:{self.port}"
        self.cmd = [BIN, "server", "--host", HOST, "--port", str(self.port)]
        if backend_uri:
            self.cmd += ["--backend-store-uri", str(backend_uri)]
        if artifact_root:
            self.cmd += ["--default-artifact-root", str(artifact_root)]
        self.cmd.append("--serve-artifacts" if serve_artifacts else "--no-serve-artifacts")
        if artifacts_destination:
            self.cmd += ["--artifacts-destination", str(artifacts_destination)]
        if artifacts_only:
            self.cmd.append("--artifacts-only")
        self.cmd += list(extra_args)
        self.env = dict(os.environ if env is None else env)
        self.env.pop("MLFLOW_TRACKING_URI", None)
        self.proc = None
        self.log_path = None

    def start(self):
        if not os.path.exists(BIN):
            raise ServerStartError(f"mlflow-c binary not found: {BIN} (set MLFLOW_C_BIN)")
        self.log_path = os.path.join(LOGDIR, f"server-{self.port}-{int(time.time() * 1000)}.log")
        log = open(self.log_path, "w")
        log.write(" ".join(self.cmd) + "\n")
        log.flush()
        self.proc = subprocess.Popen(self.cmd, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        deadline = time.time() + START_TIMEOUT
        import requests

        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise ServerStartError(f"exited with {self.proc.returncode}: {self._log_tail()}")
            try:
                if requests.get(f"{self.url}/health", timeout=0.5).ok:
                    _servers[self.port] = self
                    return self.url
            except requests.RequestException:
                pass
            time.sleep(0.05)
        self.stop()
        raise ServerStartError(f"not up on {self.url} within {START_TIMEOUT}s: {self._log_tail()}")

    def _log_tail(self):
        try:
            with open(self.log_path) as f:
                lines = [ln.strip() for ln in f.read().splitlines()[1:] if ln.strip()]
            return " | ".join(lines[-3:]) or "(no output)"
        except OSError:
            return "(no log)"

    def stop(self):
        _servers.pop(self.port, None)
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def _truthy(v):
    return str(v).lower() in ("1", "true", "yes", "on")


class McServerThread:
    """Stands in for tests.tracking.integration_test_utils.ServerThread(app, port)."""

    def __init__(self, app=None, port=None):
        from tests.helper_functions import get_safe_port

        self.host = HOST
        self.port = port or get_safe_port()
        self.url = f"http://{HOST}:{self.port}"
        self.health_url = f"{self.url}/health"
        self._server = None

    def __enter__(self):
        self._server = _McServer(self.port, server_backend(_last_stores.get("backend_store_uri")),
                                 _last_stores.get("default_artifact_root"))
        self._server.start()
        return self.url

    def __exit__(self, exc_type, exc, tb):
        if self._server:
            self._server.stop()
        return None

    # the Thread-like API of the original, should a test use it
    def start(self):
        self.__enter__()

    def shutdown(self):
        self.__exit__(None, None, None)

    def join(self, timeout=None):
        pass


@contextlib.contextmanager
def mc_init_server(backend_uri, root_artifact_uri, extra_env=None, app=None, server_type="fastapi"):
    """Stands in for tests.tracking.integration_test_utils._init_server."""
    import mlflow

    from tests.helper_functions import get_safe_port

    mlflow.set_tracking_uri(None)
    env = {**os.environ, _ENV_BACKEND: backend_uri, _ENV_ROOT: root_artifact_uri, **(extra_env or {})}
    env[_ENV_BACKEND] = server_backend(env[_ENV_BACKEND])
    srv = _McServer(
        get_safe_port(), env[_ENV_BACKEND], env.get(_ENV_ROOT), env=env,
        serve_artifacts=_truthy(env.get(_ENV_SERVE, "")),
        artifacts_destination=env.get(_ENV_DEST),
        artifacts_only=_truthy(env.get(_ENV_ONLY, "")),
    )
    url = srv.start()
    try:
        yield url
    finally:
        srv.stop()


def _wrap_initialize_backend_stores(orig):
    def initialize_backend_stores(backend_store_uri=None, registry_store_uri=None,
                                  default_artifact_root=None, **kwargs):
        _last_stores.update(backend_store_uri=backend_store_uri,
                            registry_store_uri=registry_store_uri,
                            default_artifact_root=default_artifact_root)
        if TARGET == "reference":  # Python MLflow serves this store itself: on PostgreSQL with --pg-uri
            backend_store_uri = pg_backend(backend_store_uri)
            registry_store_uri = pg_backend(registry_store_uri)
        _in_initialize.on = True  # the fixture's own stores, not the test's
        try:
            ret = orig(backend_store_uri, registry_store_uri, default_artifact_root, **kwargs)
        finally:
            _in_initialize.on = False
        if TARGET != "reference" and server_backend(backend_store_uri) != backend_store_uri:
            # The original has made this process's tracking URI the SQLite file, and code that uses
            # the default tracking store writes there directly, not through the server (the
            # `mlflow experiments` CLI of test_*_experiment_cli, despite its MLFLOW_TRACKING_URI):
            # those rows must go to the database mlflow-c serves.
            # (The registry URI stays unset: MlflowClient(url) sends registry calls to the server.)
            import mlflow

            mlflow.set_tracking_uri(_for_python(server_backend(backend_store_uri)))
        return ret

    initialize_backend_stores._mlflowc_wrapped = True
    return initialize_backend_stores


def _wrap_init_server(orig):
    """integration_test_utils._init_server of Python MLflow, its SQLite backend on PostgreSQL."""

    def _init_server(*args, **kwargs):
        if "backend_uri" in kwargs:
            kwargs["backend_uri"] = pg_backend(kwargs["backend_uri"])
        elif args:
            args = (pg_backend(args[0]), *args[1:])
        return orig(*args, **kwargs)

    _init_server._mlflowc_wrapped = True
    return _init_server


# subprocess.Popen of `python -m mlflow server ...` -> mlflow-c (or, for the reference, a process group)

def _is_mlflow_server_cmd(args):
    return (isinstance(args, (list, tuple)) and
            ((len(args) >= 4 and list(args[1:4]) == ["-m", "mlflow", "server"]) or
             (len(args) >= 2 and os.path.basename(str(args[0])) == "mlflow" and args[1] == "server")))


def _server_args(args):
    """The options after `server`, without the ones naming Python servers (--gunicorn-opts X, ...)."""
    rest = list(args[4:] if args[1] == "-m" else args[2:])
    out = []
    i = 0
    while i < len(rest):
        if rest[i] in ("--gunicorn-opts", "--waitress-opts", "--uvicorn-opts"):
            i += 2
            continue
        out.append(rest[i])
        i += 1
    return out


class _GroupPopen(subprocess.Popen):
    """A Popen in its own session whose terminate()/kill() reach the whole process group."""

    def __init__(self, args, *a, **kw):
        kw["start_new_session"] = True
        if TARGET != "reference" and _is_mlflow_server_cmd(args):
            args = [BIN, "server", *_pg_map_args(_server_args(args))]
            if "--host" not in args:
                args += ["--host", HOST]
        elif _is_mlflow_server_cmd(args):
            args = _pg_map_args(args)
        super().__init__(args, *a, **kw)

    def send_signal(self, sig):
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, sig)

    def terminate(self):
        self.send_signal(signal.SIGTERM)

    def kill(self):
        self.send_signal(signal.SIGKILL)


def _popen(args, *a, **kw):
    if _is_mlflow_server_cmd(args):
        return _GroupPopen(args, *a, **kw)
    return subprocess.Popen(args, *a, **kw)


def _subprocess_shim():
    shim = types.ModuleType("subprocess")
    shim.__dict__.update({k: v for k, v in vars(subprocess).items() if not k.startswith("__")})
    shim.Popen = _popen
    return shim


_patched_modules = set()


def _patch_module(mod):
    if mod is None or id(mod) in _patched_modules:
        return
    _patched_modules.add(id(mod))
    g = vars(mod)
    if g.get("subprocess") is subprocess:
        g["subprocess"] = _subprocess_shim()
    if TARGET == "reference":
        if PG_URI:  # the servers stay Python MLflow's, their SQLite backends become PostgreSQL
            f = g.get("_init_server")
            if callable(f) and not getattr(f, "_mlflowc_wrapped", False):
                g["_init_server"] = _wrap_init_server(f)
            f = g.get("initialize_backend_stores")
            if callable(f) and not getattr(f, "_mlflowc_wrapped", False):
                g["initialize_backend_stores"] = _wrap_initialize_backend_stores(f)
        return
    if "ServerThread" in g:
        g["ServerThread"] = McServerThread
    if "_init_server" in g:
        g["_init_server"] = mc_init_server
    f = g.get("initialize_backend_stores")
    if callable(f) and not getattr(f, "_mlflowc_wrapped", False):
        g["initialize_backend_stores"] = _wrap_initialize_backend_stores(f)


# ---------------------------------------------------------------------------------------------
# recording what each test asked the server (client side)

_calls = []  # (method, path, status or exception name, 404 with MLflow's JSON error) of the current test
_errors = []  # "METHOD path?query -> status: message" of the current test's error responses
_calls_lock = threading.Lock()


def _describe_error(request, u, resp):
    msg = ""
    with contextlib.suppress(Exception):
        body = resp.json()
        msg = f"{body.get('error_code', '')}: {body.get('message', '')}" if isinstance(body, dict) else ""
    if not msg:
        with contextlib.suppress(Exception):
            msg = resp.text
    target = u.path + (f"?{u.query}" if u.query else "")
    req = ""
    if request.body and request.method in ("POST", "PATCH", "PUT", "DELETE"):
        b = request.body
        if isinstance(b, bytes):
            b = b[:300].decode("utf-8", "replace")
        if isinstance(b, str):
            req = " " + (b if len(b) <= 300 else b[:297] + "...")
    return f"{request.method} {target}{req} -> {resp.status_code}: {_first_line(msg, 400)}"


def _is_mlflow_error(resp):
    with contextlib.suppress(Exception):
        body = resp.json()
        return isinstance(body, dict) and "error_code" in body
    return False


# Python MLflow's own SQL stores opened by a test on a database a server under test serves (e.g.
# `MlflowClient(sqlite_uri)` writing rows the test then reads through the server). For mlflow-c the
# server has a fresh database of its own (see server_backend), so such a test cannot pass until
# mlflow-c serves MLflow's current schema; it gets its own cause.
_own_store_uses = []  # the URIs of the current test
_in_initialize = threading.local()


def _names_server_database(db_uri):
    path = _sqlite_path(db_uri)
    if path is not None and (path in _sqlite_fresh or path in _sqlite_fresh.values() or path in _pg_dbs):
        return True
    return bool(PG_URI) and str(db_uri) in _pg_uris()


def _install_store_watch():
    import importlib

    for mod_name in ("mlflow.store.tracking.sqlalchemy_store", "mlflow.store.model_registry.sqlalchemy_store"):
        try:
            cls = importlib.import_module(mod_name).SqlAlchemyStore
        except (ImportError, AttributeError):
            continue
        orig = cls.__init__
        if getattr(orig, "_mlflowc_wrapped", False):
            continue

        def __init__(self, db_uri, *args, _orig=orig, **kwargs):
            if not getattr(_in_initialize, "on", False) and _names_server_database(db_uri):
                with _calls_lock:
                    _own_store_uses.append(str(db_uri))
            return _orig(self, db_uri, *args, **kwargs)

        __init__._mlflowc_wrapped = True
        cls.__init__ = __init__


def _install_request_recorder():
    import requests.adapters

    orig_send = requests.adapters.HTTPAdapter.send
    if getattr(orig_send, "_mlflowc_wrapped", False):
        return

    def send(self, request, *a, **kw):
        u = urllib.parse.urlsplit(request.url)
        local = u.hostname in ("127.0.0.1", "localhost", "::1")
        try:
            resp = orig_send(self, request, *a, **kw)
        except Exception as e:
            if local:
                with _calls_lock:
                    _calls.append((request.method, u.path, type(e).__name__, False))
            raise
        if local:
            with _calls_lock:
                _calls.append((request.method, u.path, resp.status_code,
                               resp.status_code == 404 and _is_mlflow_error(resp)))
                if resp.status_code >= 400 and len(_errors) < 50:
                    _errors.append(_describe_error(request, u, resp))
        return resp

    send._mlflowc_wrapped = True
    requests.adapters.HTTPAdapter.send = send


# ---------------------------------------------------------------------------------------------
# pytest hooks

_causes = {}  # nodeid -> (outcome, cause)
_error_responses = {}  # nodeid -> the error responses a failed test got
_outcomes = collections.Counter()


# Private names an older test tree imports that the installed MLflow no longer has (the tree is
# not edited): module -> {name: function giving the value the tree expects}.
def _litellm_available():
    import importlib.util

    return importlib.util.find_spec("litellm") is not None


_COMPAT_NAMES = {
    # v3.9.0's test_rest_tracking.py skips its LiteLLM gateway tests on it (gone by 3.11)
    "mlflow.utils.providers": {"_PROVIDER_BACKEND_AVAILABLE": _litellm_available},
}


def _install_compat_names():
    import importlib

    for mod_name, names in _COMPAT_NAMES.items():
        try:
            mod = importlib.import_module(mod_name)
        except ImportError:
            continue
        for name, value in names.items():
            if not hasattr(mod, name):
                setattr(mod, name, value())


def pytest_configure(config):
    os.makedirs(LOGDIR, exist_ok=True)
    os.environ.pop("MLFLOW_TRACKING_URI", None)
    # The client retries a failed request 7 times with a backoff doubling from 2 s; the trace
    # exporter does so in a background queue that a fixture's teardown flushes after the test's
    # server is gone (minutes per tracing test whose rpcs the server does not serve). One quick
    # retry, for both targets, as upstream's tracing-SDK tests do.
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "0")
    _install_compat_names()
    if TARGET != "reference":
        _load_endpoints()


def pytest_collection_modifyitems(session, config, items):
    _patch_module(sys.modules.get("tests.tracking.integration_test_utils"))
    for item in items:
        _patch_module(getattr(item, "module", None))
    with contextlib.suppress(ImportError):
        _install_request_recorder()
    if TARGET != "reference":
        _install_store_watch()


def pytest_runtest_setup(item):
    with _calls_lock:
        _calls.clear()
        _errors.clear()
        _own_store_uses.clear()


def _first_line(text, limit=160):
    for ln in str(text).splitlines():
        ln = ln.strip()
        if ln:
            return ln if len(ln) <= limit else ln[: limit - 3] + "..."
    return ""


def _classify(report, excinfo):
    with _calls_lock:
        calls = list(_calls)
        own_store = list(_own_store_uses)
    if TARGET != "reference":
        for method, path, _status, _json in calls:
            rpc, impl = _match_rpc(method, path)
            if rpc is not None and not impl:
                return f"rpc not ported yet: {rpc}"
        if excinfo is not None and excinfo.errisinstance(ServerStartError):
            return f"mlflow-c server did not start: {_first_line(excinfo.value, 120)}"
        for method, path, status, json_error in calls:
            rpc, _ = _match_rpc(method, path)
            # a 404 with MLflow's JSON error is a served route's "not found", not an unknown path
            if rpc is None and status == 404 and not json_error:
                norm = re.sub(r"/[0-9a-f]{32}(?=/|$)", "/{id}", path)
                norm = re.sub(r"/\d+(?=/|$)", "/{n}", norm)
                return f"route not served by mlflow-c: {method} {norm}"
        if own_store:
            return ("MLflow's own store on the server's database: the test reads or writes it with "
                    "Python MLflow's SqlAlchemyStore (MLflow's schema, not mlflow-c's yet)")
    if excinfo is not None:
        return f"other: {excinfo.typename}: {_first_line(excinfo.value)}"
    return f"other: {_first_line(report.longreprtext)}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" or report.failed or report.skipped:
        xfail = hasattr(report, "wasxfail")
        if report.when == "call" or report.failed:
            if report.passed:
                kind = "xpassed" if xfail else "passed"
            elif report.skipped:
                kind = "xfailed" if xfail else "skipped"
            else:
                kind = "failed" if report.when == "call" else "error"
        else:
            kind = "skipped"
        if kind in ("failed", "error"):
            _causes[report.nodeid] = (kind, _classify(report, call.excinfo))
            with _calls_lock:
                _error_responses[report.nodeid] = list(_errors)
        elif report.nodeid not in _causes:
            _causes[report.nodeid] = (kind, "")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield  # after the test's fixtures are torn down
    for srv in list(_servers.values()):  # a server a test left running
        srv.stop()
    _pg_release_python_stores()


def pytest_sessionfinish(session, exitstatus):
    _pg_drop_all()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    tr = terminalreporter
    bad = {k: v for k, v in _causes.items() if v[0] in ("failed", "error")}
    groups = collections.defaultdict(list)
    for nodeid, (_kind, cause) in bad.items():
        groups[cause].append(nodeid)

    def family(cause):
        return cause.split(":", 1)[0]

    tr.write_sep("=", f"failures by cause (target: {TARGET})")
    fams = collections.defaultdict(list)
    for cause, ids in groups.items():
        fams[family(cause)].append((cause, ids))
    if not bad:
        tr.write_line("no failures")
    for fam in ("rpc not ported yet", "route not served by mlflow-c", "mlflow-c server did not start",
                "MLflow's own store on the server's database", "other"):
        if fam not in fams:
            continue
        entries = sorted(fams[fam], key=lambda e: (-len(e[1]), e[0]))
        tr.write_line(f"{fam}: {sum(len(ids) for _, ids in entries)} tests")
        for cause, ids in entries:
            detail = cause.split(":", 1)[1].strip() if ":" in cause else cause
            tr.write_line(f"  {len(ids):4d}  {detail}")
    path = os.path.join(LOGDIR, "causes.json")
    with open(path, "w") as f:
        json.dump({"target": TARGET, "binary": BIN if TARGET != "reference" else None,
                   "postgresql": PG_URI,
                   "tests": {k: {"outcome": v[0], "cause": v[1],
                                 **({"error_responses": _error_responses[k]} if _error_responses.get(k) else {})}
                             for k, v in sorted(_causes.items())}},
                  f, indent=1)
    tr.write_line(f"per-test outcomes and causes: {path}")
