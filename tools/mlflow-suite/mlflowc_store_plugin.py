"""pytest plugin: run MLflow's own store suites against mlflow-c's Python store.

Loaded by tools/mlflow-suite/run_store_suite.sh with `-p mlflowc_store_plugin` from inside an MLflow
source tree (nothing in the tree is edited), for tests/store/tracking/test_sqlalchemy_store.py and
tests/store/model_registry/test_sqlalchemy_store.py. Like mlflow-go's conftest.py it swaps
`mlflow.store.tracking.sqlalchemy_store.SqlAlchemyStore` and
`mlflow.store.model_registry.sqlalchemy_store.SqlAlchemyStore` for our store classes
(python/mlflow_c/store: mlflow-c's C store in front of MLflow's SQL store on the same database)
before the test modules import them.

- Tests that can only pass on MLflow's own store are skipped with their reason: EXCLUDED below,
  the one list of them.
- Store methods whose rpcs mlflow-c has not ported yet run MLflow's SQL code; every test that
  called one is reported under "used unported store methods" with the methods, so the passes that
  rest on mlflow-c alone are counted apart.
- At the end: per file, pytest's outcomes split into "C only" and "with unported methods", and
  every failure with its first error line. $MLFLOWC_SUITE_LOGDIR/store-outcomes.json holds the same.

With MLFLOWC_SUITE_TARGET=reference nothing is swapped (MLflow against itself, for the counts).
"""

import collections
import contextlib
import functools
import json
import os
import sys
import tempfile

import pytest

TARGET = os.environ.get("MLFLOWC_SUITE_TARGET", "mlflow-c")
LOGDIR = os.environ.get("MLFLOWC_SUITE_LOGDIR") or tempfile.mkdtemp(prefix="mlflowc-store-suite-")
REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

_TRACKING = "tests/store/tracking/test_sqlalchemy_store.py"
_REGISTRY = "tests/store/model_registry/test_sqlalchemy_store.py"
# where the tracking suite lives from 3.11 on (split into a folder)
_TRACKING_DIR_FILE = "tests/store/tracking/sqlalchemy_store/test_sqlalchemy_store.py"

# The tests that can only pass on MLflow's own store, with the reason. Keyed by
# "file::test name" (every parametrization of the test).
EXCLUDED = {
    _TRACKING + "::test_log_batch_internal_error":
        "patches SqlAlchemyStore._log_metrics/_log_params/_set_tags (private Python methods) to raise; "
        "log_batch runs in C and never calls them",
    _REGISTRY + "::test_create_model_version_with_model_id_and_no_run_id":
        "patches MlflowClient inside MLflow's registry store module to fake a logged model; the C store "
        "looks the logged model up in its own database",
}
# scorers (sc18): these register gateway-model scorers with SqlAlchemyStore.get_gateway_endpoint patched
# to fake the endpoint (a Python seam inside register_scorer); the C store looks the endpoint up in its
# own database (tests/server/test_scorers.py registers one with a real endpoint row)
EXCLUDED.update({
    _TRACKING + "::" + name: "patches SqlAlchemyStore.get_gateway_endpoint to fake a gateway endpoint; the C "
                             "store's register_scorer looks the endpoint up in its own database"
    for name in ("test_get_active_online_scorers_filters_by_sample_rate",
                 "test_get_active_online_scorers_filters_non_gateway_model",
                 "test_get_active_online_scorers_returns_scorer_fields",
                 "test_get_online_scoring_configs_batch",
                 "test_scorer_deletion_cascades_to_online_configs",
                 "test_upsert_online_scoring_config_creates_config",
                 "test_upsert_online_scoring_config_overwrites",
                 "test_upsert_online_scoring_config_rejects_scorer_requiring_expectations",
                 "test_upsert_online_scoring_config_validates_filter_string",
                 "test_upsert_online_scoring_config_validates_sample_rate")
})

_current = {"test": None}
_unported_calls = collections.defaultdict(set)  # nodeid -> {method}
_outcomes = {}  # nodeid -> (outcome, first error line)


def _record(method_name, func):
    @functools.wraps(func)
    def wrapper(self, *args, **kwargs):
        if _current["test"] is not None:
            _unported_calls[_current["test"]].add(method_name)
        return func(self, *args, **kwargs)

    return wrapper


_TIME_SOURCES = (
    # (module, attribute): the clocks MLflow's store suites mock
    ("time", "time"),
    ("mlflow.store.model_registry.sqlalchemy_store", "get_current_time_millis"),
    ("mlflow.store.tracking.sqlalchemy_store", "get_current_time_millis"),
    ("mlflow.store.tracking.dbmodels.models", "get_current_time_millis"),
)


def _mocked_now_ms():
    """The time a test pinned with mock.patch, in ms, or None."""
    from unittest import mock

    for mod_name, attr in _TIME_SOURCES:
        mod = sys.modules.get(mod_name)
        f = getattr(mod, attr, None) if mod is not None else None
        if isinstance(f, mock.NonCallableMock):
            v = f()
            return int(v * 1000) if attr == "time" else int(v)
    return None


def _with_test_clock(c_call):
    """The suites fake time in Python; the C store stamps rows with its own clock,
    so the faked time is pinned in the library for the call."""
    from mlflow_c import pin_clock_ms

    from mlflow_c.store._base import NotPorted

    @functools.wraps(c_call)
    def wrapper(self, rpc, request):
        now = _mocked_now_ms()
        if now is not None:
            pin_clock_ms(now)
        try:
            return c_call(self, rpc, request)
        except NotPorted:
            # a method of ours whose rpc the library does not implement: MLflow's SQL code runs
            if _current["test"] is not None:
                _unported_calls[_current["test"]].add(f"{rpc} (rpc not implemented)")
            raise
        finally:
            if now is not None:
                pin_clock_ms(None)

    return wrapper


def _swap(module_name, c_store_class, mixin, abstract):
    import importlib

    mod = importlib.import_module(module_name)
    base = mod.SqlAlchemyStore
    cls = c_store_class(base)
    # Store-interface methods (AbstractStore's) that MLflow's SQL store implements and we do not
    # serve: calls to them are recorded.
    ported = {n for n, f in vars(mixin).items() if getattr(f, "_mlflow_c_rpc", False)}
    for name, f in list(vars(base).items()):
        if (not name.startswith("_") and callable(f) and name not in ported and hasattr(abstract, name)
                and not isinstance(f, (staticmethod, classmethod))):
            setattr(cls, name, _record(name, f))
    cls._c_call = _with_test_clock(mixin._c_call)
    _take_read_db_uri(cls)
    mod.SqlAlchemyStore = cls
    return cls


def _take_read_db_uri(cls):
    """traces: real clients. MLflow 3.18's server makes its stores with a `read_db_uri` keyword (a read
    replica, from $_MLFLOW_SERVER_READ_REPLICA_BACKEND_STORE; handlers._get_sqlalchemy_store), which our store
    classes do not take: the in-process servers of tests/tracing/test_otel_logging.py and
    test_otel_loading.py then fail before any test. Without a replica (None, or the same URI) the
    keyword means nothing, so it is dropped here; a real replica is refused."""
    init = cls.__init__

    @functools.wraps(init)
    def __init__(self, db_uri, *args, read_db_uri=None, **kwargs):
        if read_db_uri is not None and read_db_uri != db_uri:
            raise NotImplementedError("mlflow-c's store has no read replica (read_db_uri)")
        init(self, db_uri, *args, **kwargs)

    cls.__init__ = __init__


def _c_schema_revision():
    """The alembic revision mlflow-c's schema is at (the last of src/store/migrations.def)."""
    import re

    with open(os.path.join(REPO, "src", "store", "migrations.def")) as f:
        revs = re.findall(r"^MLF_MIGRATION\(([0-9a-f]+),", f.read(), re.M)
    return revs[-1]


def _open_on_mlflow_schema(mixin):
    """MLflow 3.18's SQL store needs its own schema (its ORM maps columns mlflow-c's schema has
    not, e.g. experiments.workspace) and migrates every database it opens to its head; mlflow-c
    opens only a database at its own revision (bf29a5ff90ea until the schema issue). So that the
    suites run at all, the C library opens the database while its alembic_version reads mlflow-c's
    revision (the table is restored at once): the C store then runs its SQL on MLflow's current
    schema, a superset of its own. What this measures is the C store's queries on that schema,
    ahead of the schema issue; the database mlflow-c creates itself is at its own revision."""
    import sqlite3
    import urllib.parse

    rev = _c_schema_revision()
    orig = mixin._c_open

    def _c_open(self, store_uri, default_artifact_root=None):
        from mlflow_c.store._base import c_store_uri

        uri = c_store_uri(store_uri)
        path = None
        if uri.startswith("sqlite:///"):
            path = urllib.parse.unquote(uri[len("sqlite:///"):].split("?", 1)[0])
        found = None
        if path and os.path.exists(path):
            with contextlib.closing(sqlite3.connect(path)) as db:
                with contextlib.suppress(sqlite3.Error):
                    row = db.execute("SELECT version_num FROM alembic_version").fetchone()
                    found = row[0] if row else None
                if found and found != rev:
                    with db:
                        db.execute("UPDATE alembic_version SET version_num = ?", (rev,))
        try:
            return orig(self, store_uri, default_artifact_root)
        finally:
            if found and found != rev:
                with contextlib.closing(sqlite3.connect(path)) as db, db:
                    db.execute("UPDATE alembic_version SET version_num = ?", (found,))

    mixin._c_open = _c_open


_swapped = {}  # MLflow's original class -> ours


def _install():
    if TARGET != "mlflow-c" or _swapped:
        return
    import importlib

    sys.path.insert(0, os.path.join(REPO, "python"))
    from mlflow_c.store import model_registry, tracking

    from mlflow.store.model_registry.abstract_store import AbstractStore as RegistryAbstractStore
    from mlflow.store.tracking.abstract_store import AbstractStore as TrackingAbstractStore

    for mixin in (tracking.TrackingStoreMixin, model_registry.ModelRegistryStoreMixin):
        _open_on_mlflow_schema(mixin)
    for mod, c_store_class, mixin, abstract in (
        ("mlflow.store.tracking.sqlalchemy_store", tracking.c_store_class, tracking.TrackingStoreMixin,
         TrackingAbstractStore),
        ("mlflow.store.model_registry.sqlalchemy_store", model_registry.c_store_class,
         model_registry.ModelRegistryStoreMixin, RegistryAbstractStore),
    ):
        base = importlib.import_module(mod).SqlAlchemyStore
        _swapped[base] = _swap(mod, c_store_class, mixin, abstract)


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    # Before the conftests of the paths given (tests/store/tracking/conftest.py imports
    # SqlAlchemyStore by name when it loads, before pytest_configure).
    _install()


def pytest_configure(config):
    _install()
    # any module that bound MLflow's class by name before the swap gets ours
    for mod in list(sys.modules.values()):
        g = getattr(mod, "__dict__", None)
        if not g or not str(getattr(mod, "__name__", "")).startswith("tests."):
            continue
        cur = g.get("SqlAlchemyStore")
        if cur in _swapped:
            g["SqlAlchemyStore"] = _swapped[cur]


def _key(item):
    path = item.nodeid.split("::")[0]
    if path == _TRACKING_DIR_FILE:
        path = _TRACKING
    return f"{path}::{item.originalname or item.name}"


def pytest_collection_modifyitems(config, items):
    if TARGET != "mlflow-c":
        return
    for item in items:
        reason = EXCLUDED.get(_key(item))
        if reason:
            item.add_marker(pytest.mark.skip(reason="mlflow-c exclusion: " + reason))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    _current["test"] = item.nodeid
    yield
    _current["test"] = None


def pytest_runtest_logreport(report):
    prev = _outcomes.get(report.nodeid)
    if report.when == "call" or report.outcome != "passed":
        if prev is None or prev[0] == "passed":
            line = ""
            if report.failed and report.longrepr is not None:
                crash = getattr(report.longrepr, "reprcrash", None)
                line = crash.message.splitlines()[0] if crash is not None and crash.message else str(
                    report.longrepr).splitlines()[-1]
            outcome = report.outcome
            if report.when != "call" and report.failed:
                outcome = "error"
            _outcomes[report.nodeid] = (outcome, line[:300])


def pytest_terminal_summary(terminalreporter):
    w = terminalreporter.write_line
    files = collections.OrderedDict()
    for nodeid, (outcome, line) in sorted(_outcomes.items()):
        files.setdefault(nodeid.split("::")[0], []).append((nodeid, outcome, line))
    w("")
    w("=" * 20 + " mlflow-c store suite summary (" + TARGET + ")")
    data = {}
    for f, rows in files.items():
        counts = collections.Counter(o for _, o, _ in rows)
        c_only = sum(1 for n, o, _ in rows if o == "passed" and not _unported_calls.get(n))
        with_unported = sum(1 for n, o, _ in rows if o == "passed" and _unported_calls.get(n))
        w(f"{f}: " + ", ".join(f"{counts[k]} {k}" for k in ("passed", "failed", "error", "skipped") if counts[k]))
        if TARGET == "mlflow-c":
            w(f"  passed on mlflow-c's rpcs alone: {c_only}; passed using unported store methods: {with_unported}")
        data[f] = {"counts": dict(counts), "passed_c_only": c_only, "passed_with_unported": with_unported,
                   "tests": {n: {"outcome": o, "error": line, "unported": sorted(_unported_calls.get(n, ()))}
                             for n, o, line in rows}}
    if TARGET == "mlflow-c":
        by_methods = collections.defaultdict(list)
        for n, methods in _unported_calls.items():
            by_methods[", ".join(sorted(methods))].append(n)
        w("")
        w("tests that used unported store methods (MLflow's SQL code ran for them):")
        for methods, tests in sorted(by_methods.items()):
            w(f"  [{methods}]: {len(tests)} tests")
            for t in sorted(tests):
                w(f"      {t} ({_outcomes.get(t, ('?',))[0]})")
    w("")
    w("failures:")
    for f, rows in files.items():
        for n, o, line in rows:
            if o in ("failed", "error"):
                extra = f" [unported: {', '.join(sorted(_unported_calls[n]))}]" if _unported_calls.get(n) else ""
                w(f"  {o.upper()} {n}: {line}{extra}")
    with open(os.path.join(LOGDIR, "store-outcomes.json"), "w") as fh:
        json.dump(data, fh, indent=1, sort_keys=True)
    w(f"outcomes: {os.path.join(LOGDIR, 'store-outcomes.json')}")
