"""Two `mlflow-c server` processes on one PostgreSQL database, many clients writing to the same runs,
models and names through both at once (issue 7): latest metrics never go backwards, the metric history
keeps every row, model version numbers are exactly 1..N, each unique name is taken once (the others get
RESOURCE_ALREADY_EXISTS with MLflow's message), a param's first value stays, and no request gets a 5xx
(a deadlock or serialization failure must be retried inside the server, never reach the client). The
final state is read back through the API of both servers.

PostgreSQL only (MLFLOW_C_TEST_BACKEND=postgresql with MLFLOW_C_TEST_PG_URI)."""

import random
import threading
import urllib.parse

import pytest

from conftest import Server, pg_create_database, pg_database_uri, pg_drop_database, pg_only

pytestmark = pg_only

THREADS_PER_SERVER = 8
ROUNDS = 25  # operations of each kind per thread


class Recorder:
    """Every response of the run, for the no-5xx check."""

    def __init__(self):
        self.lock = threading.Lock()
        self.bad = []
        self.count = 0

    def call(self, server, method, path, body=None):
        try:
            status, _, resp = server.request(method, path, body)
        except Exception as e:  # a dropped connection or a timeout counts as a failure too
            status, resp = 0, repr(e)
        with self.lock:
            self.count += 1
            if status == 0 or status >= 500:
                self.bad.append((server.port, method, path, body, status, resp))
        return status, resp


def api(path):
    return "/api/2.0/mlflow/" + path


@pytest.fixture
def database():
    name = pg_create_database()
    yield pg_database_uri(name)
    pg_drop_database(name)


@pytest.fixture
def two_servers(database):
    first = Server(store_uri=database)  # makes the schema
    try:
        second = Server(store_uri=database)
    except BaseException:
        first.stop()
        raise
    yield first, second
    second.stop()
    first.stop()


def ok(resp):
    status, body = resp
    assert status == 200, body
    return body


def run_threads(servers, work):
    """work(thread_index, server) on THREADS_PER_SERVER threads per server, all started together."""
    n = THREADS_PER_SERVER * len(servers)
    barrier = threading.Barrier(n)
    errors = []

    def body(t):
        try:
            barrier.wait(timeout=60)
            work(t, servers[t % len(servers)])
        except Exception as e:  # reported below
            errors.append((t, e))

    threads = [threading.Thread(target=body, args=(t,)) for t in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=600)
        assert not th.is_alive(), "a client thread hung"
    assert errors == [], errors


def test_two_servers_start_together_on_an_empty_database(database):
    # both find the database empty: the schema is made once, and both serve
    servers, errors = [], []

    def start():
        try:
            servers.append(Server(store_uri=database))
        except Exception as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=start) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    try:
        assert errors == [], errors
        for s in servers:
            assert ok(Recorder().call(s, "GET", api("experiments/get?experiment_id=0")))["experiment"]["name"] \
                == "Default"
        body = ok(Recorder().call(servers[0], "POST", api("experiments/search"), {"max_results": 10}))
        assert [e["name"] for e in body["experiments"]] == ["Default"]
    finally:
        for s in servers:
            s.stop()


def test_concurrent_writers_on_two_servers(two_servers):
    s1, s2 = two_servers
    servers = [s1, s2]
    rec = Recorder()
    n_threads = THREADS_PER_SERVER * len(servers)

    exp = ok(rec.call(s1, "POST", api("experiments/create"), {"name": "pg-concurrency"}))["experiment_id"]
    runs = [ok(rec.call(servers[i % 2], "POST", api("runs/create"), {"experiment_id": exp}))["run"]["info"]["run_id"]
            for i in range(3)]
    ok(rec.call(s2, "POST", api("registered-models/create"), {"name": "shared-model"}))

    logged = {(r, k): [] for r in runs for k in ("m", "a", "b", "c")}  # (step, timestamp, value) per run and key
    logged_lock = threading.Lock()
    version_numbers = []
    exp_creates = {f"exp-{i}": [] for i in range(6)}
    model_creates = {f"model-{i}": [] for i in range(6)}
    param_statuses = {r: [] for r in runs}
    tag_values = {}  # (run, key) -> values written
    lock = threading.Lock()

    def work(t, s):
        rnd = random.Random(t)
        ops = (["metric"] * ROUNDS + ["batch"] * ROUNDS + ["version"] * ROUNDS + ["tag"] * ROUNDS
               + ["exp"] * len(exp_creates) + ["model"] * len(model_creates) + ["param"] * len(runs))
        rnd.shuffle(ops)
        exp_names = list(exp_creates)
        model_names = list(model_creates)
        param_runs = list(runs)
        for i, op in enumerate(ops):
            if op == "metric":
                run = runs[(t + i) % len(runs)]
                # few steps and timestamps: ties everywhere, decided by the value (unique per request)
                m = (rnd.randrange(4), 1000 + rnd.randrange(4), t * 10000 + i + 0.5)
                status, body = rec.call(s, "POST", api("runs/log-metric"),
                                        {"run_id": run, "key": "m", "value": m[2], "timestamp": m[1], "step": m[0]})
                assert status == 200, body
                with logged_lock:
                    logged[(run, "m")].append(m)
            elif op == "batch":
                run = runs[rnd.randrange(len(runs))]
                keys = ["a", "b", "c"]
                rnd.shuffle(keys)  # rows locked in different orders by different requests
                metrics = []
                for j, k in enumerate(keys):
                    m = (rnd.randrange(3), 2000 + rnd.randrange(3), t * 10000 + i * 10 + j + 0.25)
                    metrics.append({"key": k, "value": m[2], "timestamp": m[1], "step": m[0]})
                status, body = rec.call(s, "POST", api("runs/log-batch"), {"run_id": run, "metrics": metrics})
                assert status == 200, body
                with logged_lock:
                    for mm in metrics:
                        logged[(run, mm["key"])].append((mm["step"], mm["timestamp"], mm["value"]))
            elif op == "version":
                status, body = rec.call(s, "POST", api("model-versions/create"),
                                        {"name": "shared-model", "source": f"s3://bucket/{t}/{i}"})
                assert status == 200, body
                with lock:
                    version_numbers.append(int(body["model_version"]["version"]))
            elif op == "tag":
                run = runs[rnd.randrange(len(runs))]
                key = f"shared-{rnd.randrange(3)}" if rnd.random() < 0.5 else f"own-{t}"
                value = f"{t}-{i}"
                status, body = rec.call(s, "POST", api("runs/set-tag"), {"run_id": run, "key": key, "value": value})
                assert status == 200, body
                with lock:
                    tag_values.setdefault((run, key), []).append(value)
            elif op == "exp":
                name = exp_names.pop()
                status, body = rec.call(s, "POST", api("experiments/create"), {"name": name})
                with lock:
                    exp_creates[name].append((status, body))
            elif op == "model":
                name = model_names.pop()
                status, body = rec.call(s, "POST", api("registered-models/create"), {"name": name})
                with lock:
                    model_creates[name].append((status, body))
            elif op == "param":
                run = param_runs.pop()
                status, body = rec.call(s, "POST", api("runs/log-parameter"),
                                        {"run_id": run, "key": "p", "value": str(t)})
                with lock:
                    param_statuses[run].append((status, body, str(t)))

    run_threads(servers, work)
    assert rec.bad == [], rec.bad[:5]

    # ---- model versions: exactly 1..N, each number handed out once ----
    n_versions = n_threads * ROUNDS
    assert sorted(version_numbers) == list(range(1, n_versions + 1))
    for s in servers:
        body = ok(rec.call(s, "GET", api("model-versions/search?" + urllib.parse.urlencode(
            {"filter": "name='shared-model'", "max_results": 1000}))))
        assert sorted(int(v["version"]) for v in body["model_versions"]) == list(range(1, n_versions + 1))
        rm = ok(rec.call(s, "GET", api("registered-models/get?name=shared-model")))["registered_model"]
        assert [v["version"] for v in rm["latest_versions"]] == [str(n_versions)]
    # the next one continues after them
    assert ok(rec.call(s1, "POST", api("model-versions/create"), {"name": "shared-model", "source": "s3://bucket/next"})) \
        ["model_version"]["version"] == str(n_versions + 1)

    # ---- unique names: one winner each, the others RESOURCE_ALREADY_EXISTS with MLflow's message ----
    for what, creates, prefix in (("experiment", exp_creates, "Experiment(name={}) already exists."),
                                  ("registered model", model_creates, "Registered Model (name={}) already exists.")):
        for name, results in creates.items():
            assert len(results) == n_threads
            winners = [r for r in results if r[0] == 200]
            assert len(winners) == 1, (what, name, results)
            for status, body in results:
                if status != 200:
                    assert (status, body["error_code"]) == (400, "RESOURCE_ALREADY_EXISTS"), (what, name, body)
                    assert body["message"].startswith(prefix.format(name)), body["message"]
    names = [f"exp-{i}" for i in range(6)]
    for s in servers:
        body = ok(rec.call(s, "POST", api("experiments/search"),
                           {"max_results": 100, "filter": "name LIKE 'exp-%'"}))
        assert sorted(e["name"] for e in body["experiments"]) == names
        body = ok(rec.call(s, "GET", api("registered-models/search?" + urllib.parse.urlencode(
            {"filter": "name LIKE 'model-%'", "max_results": 100}))))
        assert sorted(m["name"] for m in body["registered_models"]) == [f"model-{i}" for i in range(6)]
    winner_ids = {r[1]["experiment_id"] for results in exp_creates.values() for r in results if r[0] == 200}
    assert len(winner_ids) == len(exp_creates)

    # ---- params: the first value stays, every later different value is refused with a 400 ----
    for run, results in param_statuses.items():
        assert len(results) == n_threads
        winners = [r for r in results if r[0] == 200]
        assert len(winners) == 1, results
        for status, body, value in results:
            if status != 200:
                assert (status, body["error_code"]) == (400, "INVALID_PARAMETER_VALUE"), body
        params = ok(rec.call(s2, "GET", api("runs/get?run_id=" + run)))["run"]["data"]["params"]
        assert params == [{"key": "p", "value": winners[0][2]}]

    # ---- metrics: latest == max by (step, timestamp, value), the history has every row ----
    for s in servers:
        for run in runs:
            data = ok(rec.call(s, "GET", api("runs/get?run_id=" + run)))["run"]["data"]
            latest = {m["key"]: m for m in data.get("metrics", [])}
            for key in ("m", "a", "b", "c"):
                sent = logged[(run, key)]
                if not sent:
                    assert key not in latest
                    continue
                want = max(sent)
                got = latest[key]
                assert (got["step"], got["timestamp"], got["value"]) == want, (run, key, got, want)
                hist = ok(rec.call(s, "GET", api("metrics/get-history?" + urllib.parse.urlencode(
                    {"run_id": run, "metric_key": key, "max_results": 25000}))))
                rows = sorted((int(m["step"]), int(m["timestamp"]), m["value"]) for m in hist.get("metrics", []))
                assert rows == sorted(sent), (run, key, len(rows), len(sent))
    assert sum(len(v) for v in logged.values()) == n_threads * ROUNDS * 4

    # ---- tags: every key written is there with one of the values written to it ----
    for run in runs:
        tags = {t["key"]: t["value"] for t in ok(rec.call(s1, "GET", api("runs/get?run_id=" + run)))
                ["run"]["data"].get("tags", []) if not t["key"].startswith("mlflow.")}
        assert set(tags) == {k for (r, k) in tag_values if r == run}
        for (r, k), values in tag_values.items():
            if r == run:
                assert tags[k] in values
                if k.startswith("own-"):  # one writer, in order: its last value
                    assert tags[k] == values[-1]
    assert rec.bad == []
