#!/usr/bin/env python3
"""Tracking-server benchmark: the same wrk scenarios against one or more running servers.

usage: tools/bench/tracking.py --url [LABEL=]URL [--url [LABEL=]URL ...] [--duration SECONDS]
                               [--max-duration 120] [--scenario NAME_OR_SUBSTRING ...]
                               [--threads 2] [--connections 8]
                               [--warmup ROUNDS] [--runs 1000] [--history-points 10000]
                               [--versions 10000] [--seed-db LABEL=SQLITE_FILE ...] [--json FILE]
       tools/bench/tracking.py [--pg-uri MAINTENANCE_URI] [--c-processes 1,2,4] [--no-python]
                               [--bin build/mlflow-c] [--mlflow-env /opt/mlflow-ref/env.sh]
                               [--c-workers N] [--python-workers N] [--keep-dbs] [options above]

  e.g. tools/bench/tracking.py --url python=http://127.0.0.1:5001 --url mlflow-c=http://127.0.0.1:5002
       tools/bench/tracking.py --pg-uri postgresql://postgres@127.0.0.1:5432/postgres --c-processes 1,2,4

Any server that speaks MLflow's REST API works (Python `mlflow server`, `mlflow-c server`); start
them yourself, each on its own empty or scratch database. Or let the script start them: with
--pg-uri and/or --c-processes it starts a Python `mlflow server` (label python; unless --no-python
or there is no --mlflow-env) and, for each N of --c-processes (default 1), N `mlflow-c server`
processes sharing one port through SO_REUSEPORT (label c-<N>proc), each target on a fresh database
of its own: a new database on the cluster of --pg-uri (created with psql, dropped at the end unless
--keep-dbs), or without --pg-uri a new SQLite file. The first process of a target creates the
schema before the others start. The registry versions of such targets are inserted directly (as
--seed-db does). A target that does not come up is left out, with its reason under the table.
Every run of the script seeds its own
data through the REST API into new experiments named bench-<time>-<pid>[-suffix] (only what the
selected scenarios need), then runs each scenario with `wrk -t2 -c8 -d<duration>s` (keep-alive;
bodies made by Lua scripts generated into a temp dir) against each target in turn, and prints:
scenario, req/s per target, and the ratio of each target to the first. A value is marked '!' when
wrk saw non-2xx answers or socket errors (then it measures errors, not the scenario), and
'~' when fewer requests completed than there are connections (raise --duration).

Scenarios (--scenario takes names, or substrings of names; default all):
  log-batch            POST runs/log-batch, 10 metrics per request (new step each time) to 8 runs
  runs-search          POST runs/search over 1,000 runs, max_results 100
  runs-search-filter   the same with filter "metrics.loss < 1 and params.lr = '0.1'",
                       order_by ["metrics.acc DESC"]
  get-history          GET metrics/get-history of a 10,000-point metric, max_results=25000
                       (what the Python client sends)
  get-history-bulk-interval
                       GET metrics/get-history-bulk-interval over 100 runs (metric 'loss', 100
                       points each, server's default max_results)
  registry-create-version
                       POST model-versions/create of one registered model (source runs:/<run>/model
                       with its run_id and a git_sha tag, as a CI/CD pipeline registers a build)
  registry-get-by-alias
                       GET registered-models/alias: the version a "champion" alias names, on a
                       model of 10,000 versions (what a deployment step asks)
  registry-search-versions
                       GET model-versions/search with filter name='<model>' over that model's
                       10,000 versions, max_results 10000 (what MlflowClient.search_model_versions
                       sends by default): every version, with its tag, in one answer
  runs-create          POST runs/create into an experiment of its own (last: the runs it adds would
                       make every later search scan them, runs.experiment_id having no index)

The 10,000 versions are made through the REST API like everything else, unless --seed-db
LABEL=FILE names that target's SQLite database: then version 1 is registered through the API and
versions 2..N are copies of its rows (model_versions, model_version_tags) inserted straight into
FILE in one transaction, versions and timestamps counting up (FILE may also be a target's
postgresql:// database URI). Python MLflow needs that: its
createModelVersion reads every version of the model to number the next one, so 10,000 calls
take the better part of an hour on a busy 2-core machine.

Needs wrk (apt-get install wrk) and Python 3 (standard library only); psql for PostgreSQL. Targets should be on
loopback: this sends load to every URL given.
"""

import argparse
import concurrent.futures
import itertools
import json
import math
import os
import random
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
API = "/api/2.0/mlflow"
SEARCH_FILTER = "metrics.loss < 1 and params.lr = '0.1'"
SEARCH_ORDER = ["metrics.acc DESC"]


class BenchError(Exception):
    pass


# ------------------------------------------------------------------------------------------------
# REST helpers (seeding and checks)


def call(base, method, path, body=None, query=None, timeout=120):
    url = base.rstrip("/") + path
    if query:
        url += "?" + urllib.parse.urlencode(query, doseq=True)
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw = r.read()
    except urllib.error.HTTPError as e:
        snippet = " ".join(e.read()[:200].decode(errors="replace").split()) or "(empty body)"
        raise BenchError(f"{method} {path} -> HTTP {e.code}: {snippet}") from None
    except urllib.error.URLError as e:
        raise BenchError(f"{method} {path} -> {e.reason}") from None
    try:
        return json.loads(raw or b"{}")
    except ValueError:
        raise BenchError(f"{method} {path} -> not JSON: {raw[:100]!r}") from None


def pmap(fn, items, workers=8):
    with concurrent.futures.ThreadPoolExecutor(workers) as ex:
        return list(ex.map(fn, items))


class Target:
    def __init__(self, label, url):
        self.label = label
        self.url = url.rstrip("/")
        self.stamp = f"bench-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
        self.data = {}
        self.failed = {}  # seed name -> error
        self.seed_db = None  # its SQLite file, when --seed-db names one
        self.pids = []  # its server processes, when known (--pid, or mlflow-c servers started here)

    def experiment(self, suffix):
        name = self.stamp + (f"-{suffix}" if suffix else "")
        return call(self.url, "POST", f"{API}/experiments/create", {"name": name})["experiment_id"]

    def create_runs(self, exp_id, n, prefix):
        now = int(time.time() * 1000)

        def one(i):
            body = {"experiment_id": exp_id, "start_time": now + i, "run_name": f"{prefix}-{i}"}
            return call(self.url, "POST", f"{API}/runs/create", body)["run"]["info"]["run_id"]

        return pmap(one, range(n))

    def log_batch(self, run_id, metrics=(), params=(), tags=()):
        body = {"run_id": run_id, "metrics": list(metrics), "params": list(params), "tags": list(tags)}
        call(self.url, "POST", f"{API}/runs/log-batch", body)

    # --- seeds, made once per target and only when a selected scenario needs them
    def seed(self, name, *args):
        if name in self.data:
            return self.data[name]
        if name in self.failed:
            raise BenchError(self.failed[name])
        t0 = time.time()
        try:
            val = getattr(self, f"_seed_{name}")(*args)
        except BenchError as e:
            self.failed[name] = str(e)
            raise
        print(f"  [{self.label}] seeded {name} in {time.time() - t0:.1f}s", file=sys.stderr)
        self.data[name] = val
        return val

    def _seed_search(self, n_runs, _h, bulk_points):
        """n_runs runs with params lr/batch_size and metrics loss/acc; the first 100 runs also get
        a 'loss' history of bulk_points steps (for get-history-bulk-interval)."""
        exp = self.experiment("")
        runs = self.create_runs(exp, n_runs, "search")
        rnd = random.Random(42)
        now = int(time.time() * 1000)
        lrs = ["0.1", "0.01", "0.001"]

        def one(i):
            metrics = []
            if i < 100:
                for s in range(bulk_points - 1):
                    metrics.append({"key": "loss", "value": 2.0 - 2.0 * s / bulk_points + rnd.random() * 0.01,
                                    "timestamp": now + s, "step": s})
            step = max(bulk_points - 1, 0) if i < 100 else 0
            metrics.append({"key": "loss", "value": rnd.uniform(0, 2), "timestamp": now + step, "step": step})
            metrics.append({"key": "acc", "value": rnd.uniform(0, 1), "timestamp": now, "step": 0})
            params = [{"key": "lr", "value": lrs[i % 3]}, {"key": "batch_size", "value": str(16 << (i % 4))}]
            tags = [{"key": "team", "value": f"t{i % 5}"}]
            self.log_batch(runs[i], metrics, params, tags)

        pmap(one, range(n_runs))
        return {"experiment_id": exp, "run_ids": runs}

    def _seed_logbatch(self, *_):
        exp = self.experiment("logbatch")
        return {"experiment_id": exp, "run_ids": self.create_runs(exp, 8, "logbatch")}

    def _seed_create(self, *_):
        return {"experiment_id": self.experiment("create")}

    def _seed_history(self, _n, history_points, _b):
        exp = self.experiment("history")
        run = self.create_runs(exp, 1, "history")[0]
        now = int(time.time() * 1000)
        chunks = [range(s, min(s + 1000, history_points)) for s in range(0, history_points, 1000)]

        def one(chunk):
            self.log_batch(run, [{"key": "loss", "value": 1.0 / (1 + s), "timestamp": now + s, "step": s}
                                 for s in chunk])

        pmap(one, chunks, workers=4)
        return {"experiment_id": exp, "run_id": run}

    def registered_model(self, suffix):
        name = f"{self.stamp}-{suffix}"
        call(self.url, "POST", f"{API}/registered-models/create", {"name": name})
        return name

    def _seed_registry_run(self):
        """the run whose model every registry scenario registers"""
        exp = self.experiment("registry")
        return self.create_runs(exp, 1, "registry")[0]

    def _seed_registry_create(self, _versions):
        run = self.seed("registry_run")
        return {"name": self.registered_model("create"), "run_id": run}

    def _seed_registry_versions(self, versions):
        """one model with `versions` versions (each with a git_sha tag), alias champion on the last"""
        run = self.seed("registry_run")
        name = self.registered_model("versions")
        if self.seed_db:
            call(self.url, "POST", f"{API}/model-versions/create", version_body(name, run, 0))
            copy_versions(self.seed_db, name, versions)
        else:
            pmap(lambda i: call(self.url, "POST", f"{API}/model-versions/create", version_body(name, run, i)),
                 range(versions))
        last = str(versions)
        call(self.url, "POST", f"{API}/registered-models/alias",
             {"name": name, "alias": "champion", "version": last})
        return {"name": name, "run_id": run, "champion": last}


def copy_versions(db_path, name, versions):
    """versions 2..versions of `name` as copies of its version 1 (and its tags), straight into the
    database; each copy is 1 ms newer than the previous one and gets its own tag values"""
    if db_path.startswith("postgresql://"):
        return copy_versions_pg(db_path, name, versions)
    import sqlite3

    db = sqlite3.connect(db_path, timeout=60)
    try:
        with db:
            db.execute(
                "WITH RECURSIVE n(v) AS (SELECT 2 UNION ALL SELECT v + 1 FROM n WHERE v < ?) "
                "INSERT INTO model_versions (name, version, creation_time, last_updated_time, description, "
                "user_id, current_stage, source, run_id, status, status_message, run_link, storage_location) "
                "SELECT mv.name, n.v, mv.creation_time + n.v - 1, mv.last_updated_time + n.v - 1, mv.description, "
                "mv.user_id, mv.current_stage, mv.source, mv.run_id, mv.status, mv.status_message, mv.run_link, "
                "mv.storage_location FROM n, model_versions AS mv WHERE mv.name = ? AND mv.version = 1",
                (versions, name))
            db.execute(
                "INSERT INTO model_version_tags (\"key\", value, name, version) "
                "SELECT t.\"key\", printf('%08x', (mv.version - 1) * 2654435761 % 4294967296), t.name, mv.version "
                "FROM model_version_tags AS t CROSS JOIN model_versions AS mv ON mv.name = t.name "
                "WHERE t.name = ? AND t.version = 1 AND mv.version > 1", (name,))
            got = db.execute("SELECT count(*) FROM model_versions WHERE name = ?", (name,)).fetchone()[0]
    except sqlite3.Error as e:
        raise BenchError(f"seeding versions into {db_path}: {e}") from None
    finally:
        db.close()
    if got != versions:
        raise BenchError(f"{db_path} holds {got} versions of {name}, not {versions} (is it this target's database?)")


COPY_VERSIONS_PG = r"""
INSERT INTO model_versions (name, version, creation_time, last_updated_time, description, user_id, current_stage,
                            source, run_id, status, status_message, run_link, storage_location)
SELECT mv.name, n.v, mv.creation_time + n.v - 1, mv.last_updated_time + n.v - 1, mv.description, mv.user_id,
       mv.current_stage, mv.source, mv.run_id, mv.status, mv.status_message, mv.run_link, mv.storage_location
FROM generate_series(2, :versions) AS n(v), model_versions AS mv WHERE mv.name = :'name' AND mv.version = 1;
INSERT INTO model_version_tags (key, value, name, version)
SELECT t.key, lpad(to_hex((mv.version - 1)::bigint * 2654435761 % 4294967296), 8, '0'), t.name, mv.version
FROM model_version_tags AS t JOIN model_versions AS mv ON mv.name = t.name
WHERE t.name = :'name' AND t.version = 1 AND mv.version > 1;
SELECT count(*) FROM model_versions WHERE name = :'name';
"""


def copy_versions_pg(uri, name, versions):
    """copy_versions on a PostgreSQL database (through psql, in one transaction)"""
    out = psql(uri, COPY_VERSIONS_PG, single_transaction=True, variables={"name": name, "versions": str(versions)})
    got = int(out.split()[-1])
    if got != versions:
        raise BenchError(f"{uri} holds {got} versions of {name}, not {versions} (is it this target's database?)")


def version_body(name, run_id, i):
    return {"name": name, "source": f"runs:/{run_id}/model", "run_id": run_id,
            "tags": [{"key": "git_sha", "value": f"{i * 2654435761 % (1 << 32):08x}"}]}


# ------------------------------------------------------------------------------------------------
# scenarios: each returns (method, path, query or None, body or lua-source, check)


def lua_static(method, body):
    return (f'wrk.method = "{method}"\n'
            + (f'wrk.body = {json.dumps(json.dumps(body))}\n' if body is not None else "")
            + 'wrk.headers["Content-Type"] = "application/json"\n')


def lua_log_batch(path, run_ids):
    runs = ", ".join(json.dumps(r) for r in run_ids)
    base_ts = int(time.time() * 1000)
    return f"""
local runs = {{ {runs} }}
local base_ts = {base_ts}
local path = "{path}"
local next_tid = 0
function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
end
local counter = 0
function request()
  counter = counter + 1
  local n = counter * 64 + (tid or 0)   -- unique per request across up to 64 wrk threads
  local run = runs[(n % #runs) + 1]
  local parts = {{}}
  for k = 0, 9 do
    parts[#parts + 1] = string.format('{{"key":"m%d","value":%d.25,"timestamp":%d,"step":%d}}',
                                      k, n % 1000, base_ts + n, n)
  end
  local body = '{{"run_id":"' .. run .. '","metrics":[' .. table.concat(parts, ",") .. ']}}'
  return wrk.format("POST", path, {{["Content-Type"] = "application/json"}}, body)
end
"""


def scenario_log_batch(t, a):
    s = t.seed("logbatch", a.runs, a.history_points, a.bulk_points)
    path = f"{API}/runs/log-batch"

    steps = itertools.count(1)

    def check():  # rows of their own (negative steps): never a re-send of existing rows
        step = -next(steps)
        t.log_batch(s["run_ids"][-step % 8],
                    [{"key": f"m{k}", "value": 0.5, "timestamp": 1, "step": step} for k in range(10)])
        return "10 metrics ok"

    return path, lua_log_batch(path, s["run_ids"]), check


def scenario_runs_create(t, a):
    s = t.seed("create", a.runs, a.history_points, a.bulk_points)
    body = {"experiment_id": s["experiment_id"], "start_time": int(time.time() * 1000), "run_name": "bench"}
    path = f"{API}/runs/create"

    def check():
        return "run " + call(t.url, "POST", path, body)["run"]["info"]["run_id"][:8]

    return path, lua_static("POST", body), check


def _search(t, a, with_filter):
    s = t.seed("search", a.runs, a.history_points, a.bulk_points)
    body = {"experiment_ids": [s["experiment_id"]], "max_results": 100}
    if with_filter:
        body.update(filter=SEARCH_FILTER, order_by=SEARCH_ORDER)
    path = f"{API}/runs/search"

    def check():
        r = call(t.url, "POST", path, body)
        return f"{len(r.get('runs', []))} runs, next_page_token {'set' if r.get('next_page_token') else 'none'}"

    return path, lua_static("POST", body), check


def scenario_runs_search(t, a):
    return _search(t, a, False)


def scenario_runs_search_filter(t, a):
    return _search(t, a, True)


def scenario_get_history(t, a):
    s = t.seed("history", a.runs, a.history_points, a.bulk_points)
    q = {"run_id": s["run_id"], "metric_key": "loss", "max_results": 25000}
    path = f"{API}/metrics/get-history?" + urllib.parse.urlencode(q)

    def check():
        return f"{len(call(t.url, 'GET', path).get('metrics', []))} points"

    return path, lua_static("GET", None), check


def scenario_bulk_interval(t, a):
    s = t.seed("search", a.runs, a.history_points, a.bulk_points)
    q = [("run_ids", r) for r in s["run_ids"][:100]] + [("metric_key", "loss")]
    path = f"{API}/metrics/get-history-bulk-interval?" + urllib.parse.urlencode(q)

    def check():
        return f"{len(call(t.url, 'GET', path).get('metrics', []))} points"

    return path, lua_static("GET", None), check


def scenario_registry_create(t, a):
    s = t.seed("registry_create", a.versions)
    body = version_body(s["name"], s["run_id"], 0)
    path = f"{API}/model-versions/create"

    def check():
        return "version " + call(t.url, "POST", path, body)["model_version"]["version"]

    return path, lua_static("POST", body), check


def scenario_registry_by_alias(t, a):
    s = t.seed("registry_versions", a.versions)
    path = f"{API}/registered-models/alias?" + urllib.parse.urlencode({"name": s["name"], "alias": "champion"})

    def check():
        v = call(t.url, "GET", path)["model_version"]["version"]
        if v != s["champion"]:
            raise BenchError(f"alias champion names version {v}, not {s['champion']}")
        return f"version {v}"

    return path, lua_static("GET", None), check


def scenario_registry_search(t, a):
    s = t.seed("registry_versions", a.versions)
    q = {"filter": f"name='{s['name']}'", "max_results": 10000}
    path = f"{API}/model-versions/search?" + urllib.parse.urlencode(q)

    def check():
        r = call(t.url, "GET", path)
        return f"{len(r.get('model_versions', []))} versions, next_page_token {'set' if r.get('next_page_token') else 'none'}"

    return path, lua_static("GET", None), check


# runs-create runs last: it adds tens of thousands of runs to a fast server's database, and MLflow's
# schema has no index on runs.experiment_id, so every search after it would scan them all.
SCENARIOS = [
    ("log-batch", "log-batch, 10 metrics, 8 runs", scenario_log_batch),
    ("runs-search", "runs/search, 1,000 runs, max_results 100", scenario_runs_search),
    ("runs-search-filter", "runs/search, filter + order by metric", scenario_runs_search_filter),
    ("get-history", "get-history, 10,000 points, max_results 25000", scenario_get_history),
    ("get-history-bulk-interval", "get-history-bulk-interval, 100 runs", scenario_bulk_interval),
    ("registry-create-version", "model-versions/create, runs:/ source", scenario_registry_create),
    ("registry-get-by-alias", "registered-models/alias, model of 10,000 versions", scenario_registry_by_alias),
    ("registry-search-versions", "model-versions/search name='m', 10,000 versions", scenario_registry_search),
    ("runs-create", "runs/create", scenario_runs_create),
]


# ------------------------------------------------------------------------------------------------
# servers the script starts itself (--pg-uri, --c-processes)


def psql(uri, sql, single_transaction=False, variables=None):
    """run SQL (from stdin, so :'var' interpolation works) through psql; its unaligned output"""
    cmd = ["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d", uri]
    if single_transaction:
        cmd.insert(1, "-1")
    for k, v in (variables or {}).items():
        cmd += ["-v", f"{k}={v}"]
    try:
        p = subprocess.run(cmd, input=sql, capture_output=True, text=True, timeout=600)
    except FileNotFoundError:
        raise BenchError("psql is not installed (apt-get install postgresql-client)") from None
    if p.returncode != 0:
        raise BenchError(f"psql {uri}: {' '.join(p.stderr.split())[:300]}")
    return p.stdout


def pg_with_db(uri, dbname):
    """a PostgreSQL URI pointed at another database, as plain postgresql:// (no +driver)"""
    u = urllib.parse.urlsplit(uri)
    scheme = u.scheme.split("+", 1)[0]
    if scheme not in ("postgresql", "postgres"):
        raise BenchError(f"--pg-uri {uri}: want postgresql://user@host:port/maintenance-db")
    return urllib.parse.urlunsplit(("postgresql", u.netloc, "/" + dbname, u.query, u.fragment))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def health(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
            return r.status == 200
    except (OSError, ValueError):
        return False


class Servers:
    """Starts each target on a fresh database of its own: on PostgreSQL (a new database on the
    cluster of --pg-uri, dropped afterwards unless --keep-dbs) or else a new SQLite file."""

    def __init__(self, a):
        self.a = a
        self.work = tempfile.mkdtemp(prefix="bench-tracking-servers-")
        self.maint = pg_with_db(a.pg_uri, urllib.parse.urlsplit(a.pg_uri).path.lstrip("/") or "postgres") \
            if a.pg_uri else None
        self.procs = []  # (label, Popen)
        self.dbs = []  # PostgreSQL databases made
        self.failed = []  # (label, reason)
        self.backend = "postgresql" if a.pg_uri else "sqlite"

    def database(self, label):
        """a fresh, empty database for one target: (store URI, what copy_versions writes to)"""
        if self.maint:
            name = re.sub(r"[^a-z0-9_]", "_", f"bench_{label}_{os.getpid()}".lower())
            psql(self.maint, f'DROP DATABASE IF EXISTS "{name}";')
            psql(self.maint, f'CREATE DATABASE "{name}";')
            self.dbs.append(name)
            uri = pg_with_db(self.maint, name)
            return uri, uri
        path = os.path.join(self.work, label, "db.sqlite")
        return "sqlite:///" + path, path

    def spawn(self, label, i, cmd, cwd):
        log = open(os.path.join(cwd, f"server-{i}.log"), "w")
        env = dict(os.environ)
        env.pop("MLFLOW_TRACKING_URI", None)
        p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=cwd, env=env, start_new_session=True)
        log.close()
        self.procs.append((label, p))
        return p

    def wait(self, label, port, procs, cwd, timeout=180):
        """every process alive and the port answering /health; for several processes, each has
        also said it listens (they share the port, so /health alone cannot tell)"""
        deadline = time.time() + timeout
        while time.time() < deadline:
            for i, p in enumerate(procs):
                if p.poll() is not None:
                    raise BenchError(f"process {i} exited with {p.returncode}: {self.log_tail(cwd, i)}")
            listening = all("listening" in open(os.path.join(cwd, f"server-{i}.log")).read()
                            for i in range(len(procs))) if len(procs) > 1 else True
            if listening and health(port):
                return
            time.sleep(0.3)
        raise BenchError(f"not up after {timeout}s: {self.log_tail(cwd, 0)}")

    @staticmethod
    def log_tail(cwd, i):
        try:
            lines = open(os.path.join(cwd, f"server-{i}.log"), errors="replace").read().splitlines()
        except OSError:
            return "(no log)"
        return " | ".join(lines[-3:]) or "(empty log)"

    def start(self, label, kind, nprocs=1):
        """a Target for a new server (kind 'python' or 'c') of nprocs processes on one port, or
        None when it did not come up (the reason goes under the table)"""
        cwd = os.path.join(self.work, label)
        os.makedirs(cwd, exist_ok=True)
        try:
            uri, seed = self.database(label)
            port = free_port()
            common = ["--host", "127.0.0.1", "--port", str(port), "--backend-store-uri", uri,
                      "--artifacts-destination", os.path.join(cwd, "mlartifacts")]
            if kind == "python":
                workers = f" --workers {self.a.python_workers}" if self.a.python_workers else ""
                cmd = ["bash", "-c", f'. "{self.a.mlflow_env}" && exec /usr/bin/python3 -m mlflow server '
                                     + " ".join(shlex.quote(c) for c in common) + workers]
            else:
                cmd = [self.a.bin, "server", *common, "--no-access-log"]
                if self.a.c_workers:
                    cmd += ["--workers", str(self.a.c_workers)]
            # the first process makes the schema on the empty database; the others join it then
            procs = [self.spawn(label, 0, cmd, cwd)]
            self.wait(label, port, procs, cwd)
            for i in range(1, nprocs):
                procs.append(self.spawn(label, i, cmd, cwd))
            self.wait(label, port, procs, cwd)
        except BenchError as e:
            self.failed.append((label, str(e)))
            print(f"target {label} not started: {e}", file=sys.stderr)
            return None
        t = Target(label, f"http://127.0.0.1:{port}")
        t.seed_db = seed
        if kind == "c":  # Python's workers are children of its pid, whose times /proc/PID/stat leaves out
            t.pids = [p.pid for p in procs]
        return t

    def stop(self):
        for _label, p in self.procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for _label, p in self.procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        if self.a.keep_dbs:
            where = [pg_with_db(self.maint, d) for d in self.dbs] if self.maint else [self.work]
            print(f"kept: {' '.join(where)}", file=sys.stderr)
            return
        for d in self.dbs:
            try:
                psql(self.maint, f'DROP DATABASE IF EXISTS "{d}" WITH (FORCE);')
            except BenchError as e:
                print(f"dropping {d}: {e}", file=sys.stderr)
        shutil.rmtree(self.work, ignore_errors=True)


# ------------------------------------------------------------------------------------------------
# wrk


def lat_seconds(lat, default):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", lat or "")
    if not m or float(m.group(1)) == 0:
        return float(default)
    return float(m.group(1)) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[m.group(2)]


def cpu_seconds(pids):
    """user + system CPU time of the processes (all their threads) so far, or None if one is gone"""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / os.sysconf("SC_CLK_TCK")


def run_wrk(url, script, a, duration):
    cmd = ["wrk", f"-t{a.threads}", f"-c{a.connections}", f"-d{max(1, round(duration))}s", "--timeout", "60s",
           "-s", script, url]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 120)
    out = p.stdout + p.stderr
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not m:
        raise BenchError("wrk: " + " ".join(out.split())[:200])
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors:(.*)", out)
    errors = int(non2xx.group(1)) if non2xx else 0
    if sock:
        errors += sum(int(x) for x in re.findall(r"\d+", sock.group(1)))
    if errors:
        print(f"    wrk: {'; '.join(x.group(0).strip() for x in (non2xx, sock) if x)}", file=sys.stderr)
    lat = re.search(r"Latency\s+(\S+)", out)
    done = re.search(r"(\d+) requests in", out)
    return float(m.group(1)), errors, lat.group(1) if lat else "?", int(done.group(1)) if done else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--url", action="append", default=[], metavar="[LABEL=]URL",
                    help="base URL of a running tracking server (repeat for more targets)")
    ap.add_argument("--duration", type=int, default=10, help="seconds per scenario and target (10)")
    ap.add_argument("--max-duration", type=int, default=120,
                    help="the longest a scenario runs on a target whose warm-up round of CONNECTIONS requests "
                         "took over DURATION/3 (120; 0: never longer than --duration)")
    ap.add_argument("--scenario", action="append", default=[], help="run only these (names or substrings)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--warmup", type=int, default=1,
                    help="rounds of CONNECTIONS concurrent requests, all completed, before each measurement (1)")
    ap.add_argument("--runs", type=int, default=1000, help="runs in the searched experiment (1000)")
    ap.add_argument("--history-points", type=int, default=10000)
    ap.add_argument("--bulk-points", type=int, default=100, help="'loss' points of each of the 100 bulk runs")
    ap.add_argument("--versions", type=int, default=10000,
                    help="versions of the model the registry alias/search scenarios read (10000)")
    ap.add_argument("--seed-db", action="append", default=[], metavar="LABEL=SQLITE_FILE",
                    help="insert the registry scenarios' versions 2..N into this target's database directly")
    ap.add_argument("--pid", action="append", default=[], metavar="LABEL=PID[,PID...]",
                    help="the server processes of a --url target: also report their CPU time per request, "
                         "which other jobs on the machine blur far less than req/s (mlflow-c servers the "
                         "script starts are measured anyway)")
    ap.add_argument("--json", help="also write the results here")
    g = ap.add_argument_group("servers the script starts (with --pg-uri or --c-processes; --url targets come after)")
    g.add_argument("--pg-uri", metavar="URI",
                   help="maintenance URI of a PostgreSQL cluster (postgresql://postgres@127.0.0.1:5432/postgres): "
                        "start the targets on fresh databases made there")
    g.add_argument("--c-processes", metavar="N[,N...]",
                   help="an mlflow-c target of N server processes on one port for each N (default 1)")
    g.add_argument("--no-python", action="store_true", help="do not start a Python MLflow target")
    g.add_argument("--bin", default=os.environ.get("MLFLOW_C_BIN", os.path.join(ROOT, "build", "mlflow-c")),
                   help="the mlflow-c binary (build/mlflow-c)")
    g.add_argument("--mlflow-env", default=os.environ.get("MLFLOW_REF_ENV", "/opt/mlflow-ref/env.sh"),
                   help="sourced before `python3 -m mlflow server` (/opt/mlflow-ref/env.sh)")
    g.add_argument("--c-workers", type=int, help="--workers of each mlflow-c process (its default: the cores)")
    g.add_argument("--python-workers", type=int, help="--workers of Python MLflow (its default: 4 uvicorn workers)")
    g.add_argument("--keep-dbs", action="store_true", help="keep the databases (and SQLite files) made")
    a = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    try:
        c_processes = [int(n) for n in (a.c_processes or "1").split(",")]
    except ValueError:
        c_processes = [0]
    if min(c_processes) < 1:
        sys.exit(f"--c-processes {a.c_processes}: want positive counts, e.g. 1,2,4")
    if not a.url and not a.pg_uri and not a.c_processes:
        sys.exit("no target: give --url, or --pg-uri / --c-processes to start servers")

    targets = []
    servers = None
    if a.pg_uri or a.c_processes:
        servers = Servers(a)
        try:
            if not a.no_python:
                if os.path.exists(a.mlflow_env):
                    targets.append(servers.start("python", "python"))
                else:
                    print(f"(no MLflow environment at {a.mlflow_env}: no Python target)", file=sys.stderr)
            for n in c_processes:
                targets.append(servers.start(f"c-{n}proc", "c", n))
        except BaseException:
            servers.stop()
            raise
        targets = [t for t in targets if t]
    try:
        run(a, targets, servers)
    finally:
        if servers:
            servers.stop()


def run(a, targets, servers):
    for i, spec in enumerate(a.url):
        label, _, url = spec.partition("=") if "=" in spec.split("://")[0] else ("", "", spec)
        url = url if "://" in url else "http://" + url
        targets.append(Target(label or urllib.parse.urlsplit(url).netloc or f"t{i}", url))
    if not targets:
        sys.exit("no target is up" + "".join(f"\n  {lbl}: {why}" for lbl, why in (servers.failed if servers else [])))
    for spec in a.seed_db:
        label, sep, path = spec.partition("=")
        match = [t for t in targets if t.label == label]
        if not sep or not match or not (path.startswith("postgresql://") or os.path.exists(path)):
            sys.exit(f"--seed-db {spec}: want LABEL=FILE (or LABEL=postgresql://...) with a target's label "
                     "and its existing database")
        match[0].seed_db = path
    for spec in a.pid:
        label, sep, pids = spec.partition("=")
        match = [t for t in targets if t.label == label]
        try:
            match[0].pids = [int(x) for x in pids.split(",")]
        except (IndexError, ValueError):
            sys.exit(f"--pid {spec}: want LABEL=PID[,PID...] with a target's label")
    names = [s[0] for s in SCENARIOS]
    wanted = set()
    for f in a.scenario:  # an exact name selects itself only; anything else selects by substring
        wanted |= {f} if f in names else {n for n in names if f in n}
    chosen = [s for s in SCENARIOS if not a.scenario or s[0] in wanted]
    if not chosen:
        sys.exit(f"no scenario matches {a.scenario}; known: {', '.join(s[0] for s in SCENARIOS)}")

    for t in targets:
        try:
            v = urllib.request.urlopen(t.url + "/version", timeout=10).read().decode().strip()
        except Exception as e:  # noqa: BLE001
            v = f"? ({e})"
        print(f"target {t.label}: {t.url} (version {v[:40]})", file=sys.stderr)

    tmp = tempfile.mkdtemp(prefix="bench-tracking-")
    results = {}  # (scenario, label) -> (rps or None, errors, note)
    cpu = {}  # (scenario, label) -> server CPU microseconds per completed request
    try:
        for name, desc, fn in chosen:
            print(f"== {name}: {desc}", file=sys.stderr)
            for t in targets:
                try:
                    path, lua, check = fn(t, a)
                    note = check()
                    script = os.path.join(tmp, f"{name}-{t.label}.lua".replace("/", "_"))
                    with open(script, "w") as f:
                        f.write(lua)
                    duration = a.duration
                    if a.warmup > 0:  # complete requests on every connection's worth of workers
                        t0 = time.time()
                        pmap(lambda _i: check(), range(a.warmup * a.connections), workers=a.connections)
                        # a target this slow gets time for 3 rounds of CONNECTIONS requests (wrk
                        # counts none of those still in flight when it stops)
                        round_s = (time.time() - t0) / a.warmup
                        if 3 * round_s > duration and a.max_duration > duration:
                            duration = min(a.max_duration, math.ceil(3 * round_s))
                            note += f"; ran {duration}s: a round of {a.connections} requests took {round_s:.1f}s"
                    c0 = cpu_seconds(t.pids) if t.pids else None
                    rps, errors, lat, done = run_wrk(t.url + path, script, a, duration)
                    c1 = cpu_seconds(t.pids) if t.pids else None
                    if c0 is not None and c1 is not None and done > 0:
                        cpu[(name, t.label)] = (c1 - c0) * 1e6 / done
                    if errors:
                        note += f"; {errors} non-2xx answers or socket errors"
                    if done < a.connections:
                        note += f"; only {done} requests completed in {duration}s: raise --duration"
                    # wrk stops with requests in flight that the server still works through: let
                    # them finish before the next measurement (targets share the machine)
                    time.sleep(min(60.0, 1.5 * lat_seconds(lat, a.duration) + 0.2))
                    results[(name, t.label)] = (rps, errors, note)
                    print(f"  [{t.label}] {rps:.1f} req/s, avg latency {lat}, {errors} errors ({note})"
                          + (f", {cpu[(name, t.label)]:.0f} CPU us/request" if (name, t.label) in cpu else ""),
                          file=sys.stderr)
                except BenchError as e:
                    results[(name, t.label)] = (None, 0, str(e))
                    print(f"  [{t.label}] n/a: {e}", file=sys.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    # the table
    w = max(len(s[0]) for s in chosen) + 2
    head = f"{'scenario':<{w}}" + "".join(f"{t.label + ' req/s':>18}" for t in targets)
    head += "".join(f"{t.label + '/' + targets[0].label:>18}" for t in targets[1:])
    print(f"wrk -t{a.threads} -c{a.connections} -d{a.duration:g}s"
          + (f"; servers started on {servers.backend}, a fresh database each" if servers else ""))
    print(head)
    for name, _desc, _fn in chosen:
        row = f"{name:<{w}}"
        vals = []
        for t in targets:
            rps, errors, note = results[(name, t.label)]
            vals.append(rps if rps is not None and not errors else None)
            mark = "!" if errors else ("~" if "raise --duration" in note else "")
            row += f"{'n/a' if rps is None else f'{rps:.1f}' + mark:>18}"
        for v in vals[1:]:
            row += f"{(f'{v / vals[0]:.2f}x' if v and vals[0] else '-'):>18}"
        print(row)
    if cpu:  # the servers' CPU time per request: lower is better, so each ratio is first / target
        print("server CPU us per request (user + system, all threads; the ratios are "
              f"{targets[0].label}'s CPU / the target's: above 1 is cheaper)")
        print(f"{'scenario':<{w}}" + "".join(f"{t.label + ' us':>18}" for t in targets)
              + "".join(f"{targets[0].label + '/' + t.label:>18}" for t in targets[1:]))
        for name, _desc, _fn in chosen:
            vals = [cpu.get((name, t.label)) for t in targets]
            print(f"{name:<{w}}" + "".join(f"{'-' if v is None else f'{v:.0f}':>18}" for v in vals)
                  + "".join(f"{(f'{vals[0] / v:.2f}x' if v and vals[0] else '-'):>18}" for v in vals[1:]))
    notes = [(n, lbl, r[2]) for (n, lbl), r in results.items()
             if r[0] is None or r[1] or "raise --duration" in r[2]]
    for n, lbl, note in notes:
        print(f"  {n} [{lbl}]: {note}")
    for lbl, why in servers.failed if servers else []:
        print(f"  not started [{lbl}]: {why}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"wrk": {"threads": a.threads, "connections": a.connections, "duration": a.duration},
                       "backend": servers.backend if servers else None,
                       "targets": {t.label: t.url for t in targets},
                       "not_started": dict(servers.failed) if servers else {},
                       "results": [{"scenario": n, "target": lbl, "rps": r[0], "errors": r[1], "note": r[2],
                                    "cpu_us_per_request": cpu.get((n, lbl))}
                                   for (n, lbl), r in results.items()]}, f, indent=1)


if __name__ == "__main__":
    main()
