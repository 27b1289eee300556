#!/usr/bin/env python3
"""The web UI's pages on a big experiment: server time of each page's API requests, mlflow-c against
Python MLflow, in one run on the same data (issue 16, point 4).

    tools/bench/ui_pages.py [--mlflow-c build/mlflow-c] [--python .ref/mlflow3/bin/python]
                            [--runs 5000] [--metrics 20] [--steps 100] [--params 50] [--repeat 3]
                            [--work DIR] [--keep]

Builds one SQLite database: the schema made by Python MLflow's own store (MLflow 3.18 head), one
experiment of --runs runs, each with --params params, --metrics metrics of --steps steps (their
history and latest values) and a few tags, written straight into the tables in one transaction (the
REST API would take an hour at this size). Each server then gets its own copy of that file (Python
MLflow with one worker, as `mlflow server` by default), is warmed up with one pass over every page,
and the pages are replayed --repeat times; a page's time is the sum of its requests' times (one at a
time, keep-alive, as measured by the client on loopback), and the table gives each page's median.

The requests are the ones the UI (MLflow 3.18's build) sends for each page, with the bodies it builds:
  experiments   the experiments list: searchExperiments
  runs          the experiment's runs table: the experiment (GraphQL MlflowGetExperimentQuery), the first
                page of runs (searchRuns, 100 runs, newest first), the "latest run" probe (searchRuns
                max_results 1), then the next page with its token (scrolling)
  runs-sorted   the runs table sorted by a metric (searchRuns order_by metrics.`m0` DESC)
  runs-filter   the runs table with a search string on a metric and a param
  charts        the runs page's chart view: for the 10 runs shown, get-history-bulk-interval of every
                metric (one request per metric, as the UI sends them, max_results 320)
  run           a run's page: GraphQL GetRun, its artifacts' list, the history of its metrics
  compare       compare 5 runs: searchRuns run_id IN (...), the experiment, each run's history of one metric
With --playwright-core DIR (an npm install of playwright-core) and Debian's chromium, it also times
page-ready in headless Chromium, the median of --repeat loads after a warm-up load (the UI's files
cached): the runs page until the newest run's name is drawn in its table, a run's model-metrics tab
until its first chart is drawn.
"""

import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import http.client
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tracking import BenchError, free_port, health  # noqa: E402
from ui_static import ui_build  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

GQL_EXPERIMENT = """
  query MlflowGetExperimentQuery($input: MlflowGetExperimentInput!) @component(name: "MLflow.ExperimentRunTracking") {
    mlflowGetExperiment(input: $input) {
      apiError { code message }
      experiment { artifactLocation creationTime effectiveTraceArchivalRetention experimentId lastUpdateTime
                   lifecycleStage name tags { key value } }
    }
  }
"""

GQL_GET_RUN = """
  query GetRun($data: MlflowGetRunInput!) @component(name: "MLflow.ExperimentRunTracking") {
    mlflowGetRun(input: $data) {
      apiError { helpUrl code message }
      run {
        info { runName status runUuid experimentId artifactUri endTime lifecycleStage startTime userId }
        experiment { experimentId name tags { key value } artifactLocation lifecycleStage lastUpdateTime }
        modelVersions { status version name source }
        data { metrics { key value step timestamp } params { key value } tags { key value } }
        inputs { datasetInputs { dataset { digest name profile schema source sourceType } tags { key value } }
                 modelInputs { modelId } }
        outputs { modelOutputs { modelId step } }
      }
    }
  }
"""


# ---------------------------------------------------------------------------------------------------
# the data


def build_db(python, path, art, a):
    """The 3.18 schema from Python MLflow's store, one experiment, then the runs in bulk. Returns the
    experiment id."""
    code = ("import sys; from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore as S; "
            "s = S('sqlite:///' + sys.argv[1], sys.argv[2]); print(s.create_experiment('bench-ui-pages'))")
    out = subprocess.run([python, "-c", code, path, art], capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        raise BenchError("making the schema failed: " + out.stderr[-2000:])
    exp_id = out.stdout.strip().splitlines()[-1]
    rng = random.Random(16)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    cols = {t: [r[1] for r in db.execute(f"PRAGMA table_info({t})")] for t in
            ("runs", "params", "tags", "metrics", "latest_metrics")}
    t0 = 1_700_000_000_000
    run_rows, param_rows, tag_rows, metric_rows, latest_rows = [], [], [], [], []
    for i in range(a.runs):
        rid = "%032x" % rng.getrandbits(128)
        start = t0 + i * 1000
        run = {"run_uuid": rid, "name": f"run-{i:05d}", "source_type": "LOCAL", "source_name": "bench.py",
               "entry_point_name": "", "user_id": "bench", "status": "FINISHED", "start_time": start,
               "end_time": start + 500, "source_version": "", "lifecycle_stage": "active",
               "artifact_uri": f"{art}/{exp_id}/{rid}/artifacts", "experiment_id": int(exp_id),
               "deleted_time": None}
        run_rows.append(tuple(run.get(c) for c in cols["runs"]))
        for p in range(a.params):
            param_rows.append((f"p{p:02d}", str(rng.randint(0, 1000)), rid))
        for k, v in (("mlflow.runName", f"run-{i:05d}"), ("mlflow.user", "bench"),
                     ("mlflow.source.name", "bench.py"), ("mlflow.source.type", "LOCAL")):
            tag_rows.append((k, v, rid))
        for m in range(a.metrics):
            key = f"m{m:02d}"
            v = 0.0
            for s in range(a.steps):
                v = rng.random()
                metric_rows.append({"key": key, "value": v, "timestamp": start + s, "run_uuid": rid, "step": s,
                                    "is_nan": False})
            latest_rows.append({"key": key, "value": v, "timestamp": start + a.steps - 1, "step": a.steps - 1,
                                "is_nan": False, "run_uuid": rid})
        if len(metric_rows) >= 200_000 or i == a.runs - 1:
            _insert(db, "runs", cols["runs"], run_rows)
            _insert(db, "params", ["key", "value", "run_uuid"], param_rows)
            _insert(db, "tags", ["key", "value", "run_uuid"], tag_rows)
            _insert(db, "metrics", cols["metrics"], [tuple(r.get(c) for c in cols["metrics"]) for r in metric_rows])
            _insert(db, "latest_metrics", cols["latest_metrics"],
                    [tuple(r.get(c) for c in cols["latest_metrics"]) for r in latest_rows])
            run_rows, param_rows, tag_rows, metric_rows, latest_rows = [], [], [], [], []
    db.commit()
    db.execute("ANALYZE")
    db.close()
    return exp_id


def _insert(db, table, cols, rows):
    if rows:
        db.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows)


# ---------------------------------------------------------------------------------------------------
# the servers


class Client:
    """One keep-alive connection; request() returns (seconds, parsed JSON answer)."""

    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def request(self, method, path, body=None, query=None):
        if query:
            path += "?" + urllib.parse.urlencode(query, doseq=True)
        data = json.dumps(body).encode() if body is not None else None
        hdrs = {"Content-Type": "application/json"} if data is not None else {}
        t = time.perf_counter()
        self.conn.request(method, path, body=data, headers=hdrs)
        r = self.conn.getresponse()
        raw = r.read()
        dt = time.perf_counter() - t
        if r.status != 200:
            raise BenchError(f"{method} {path} on :{self.port}: {r.status} {raw[:300]!r}")
        return dt, json.loads(raw) if raw else None


def start(label, cmd, port, work, procs):
    log = open(os.path.join(work, label + ".log"), "w")
    p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=work, start_new_session=True)
    procs.append(p)
    deadline = time.time() + 180
    while time.time() < deadline:
        if p.poll() is not None:
            raise BenchError(f"{label} exited: see {log.name}")
        if health(port):
            return
        time.sleep(0.5)
    raise BenchError(f"{label} did not start")


# ---------------------------------------------------------------------------------------------------
# the pages: each returns the list of (label, seconds) of its requests

AJAX = "/ajax-api/2.0/mlflow/"


def search_body(exp_id, **kw):
    body = {"experiment_ids": [exp_id], "filter": "", "run_view_type": "ACTIVE_ONLY", "max_results": 100,
            "order_by": ["attributes.start_time DESC"]}
    body.update(kw)
    return body


def page_experiments(c, ctx):
    dt, _ = c.request("POST", AJAX + "experiments/search",
                      {"max_results": 25, "order_by": ["last_update_time DESC"], "view_type": "ACTIVE_ONLY"})
    return [("experiments/search", dt)]


def page_runs(c, ctx):
    out = []
    dt, _ = c.request("POST", "/graphql", {"query": GQL_EXPERIMENT, "operationName": "MlflowGetExperimentQuery",
                                           "variables": {"input": {"experimentId": ctx["exp"]}}})
    out.append(("graphql experiment", dt))
    dt, r = c.request("POST", AJAX + "runs/search", search_body(ctx["exp"]))
    out.append(("runs/search 100", dt))
    token = r.get("next_page_token")
    dt, _ = c.request("POST", AJAX + "runs/search",
                      search_body(ctx["exp"], filter="tags.`mlflow.runSourceType` = 'PROMPT_ENGINEERING'",
                                  max_results=1))
    out.append(("runs/search latest", dt))
    dt, _ = c.request("POST", AJAX + "runs/search", search_body(ctx["exp"], page_token=token))
    out.append(("runs/search page 2", dt))
    return out


def page_runs_sorted(c, ctx):
    dt, _ = c.request("POST", AJAX + "runs/search", search_body(ctx["exp"], order_by=["metrics.`m00` DESC"]))
    return [("runs/search by metric", dt)]


def page_runs_filter(c, ctx):
    dt, _ = c.request("POST", AJAX + "runs/search",
                      search_body(ctx["exp"], filter="metrics.m00 > 0.5 and params.p00 != '7'"))
    return [("runs/search filtered", dt)]


def page_charts(c, ctx):
    out = []
    for m in range(ctx["metrics"]):
        dt, _ = c.request("GET", AJAX + "metrics/get-history-bulk-interval",
                          {"run_ids": ctx["run_ids"][:10], "metric_key": f"m{m:02d}", "max_results": 320})
        out.append((f"bulk-interval m{m:02d}", dt))
    return out


def page_run(c, ctx):
    rid = ctx["run_ids"][0]
    out = []
    dt, _ = c.request("POST", "/graphql", {"query": GQL_GET_RUN, "operationName": "GetRun",
                                           "variables": {"data": {"runId": rid}}})
    out.append(("graphql GetRun", dt))
    dt, _ = c.request("GET", AJAX + "artifacts/list", {"run_uuid": rid})
    out.append(("artifacts/list", dt))
    for m in range(ctx["metrics"]):
        dt, _ = c.request("GET", AJAX + "metrics/get-history", {"run_uuid": rid, "metric_key": f"m{m:02d}"})
        out.append((f"get-history m{m:02d}", dt))
    return out


def page_compare(c, ctx):
    ids = ctx["run_ids"][:5]
    out = []
    dt, _ = c.request("POST", AJAX + "runs/search",
                      {"experiment_ids": [ctx["exp"]], "filter": "run_id IN (%s)" % ",".join(f"'{i}'" for i in ids),
                       "run_view_type": "ALL", "max_results": len(ids)})
    out.append(("runs/search IN", dt))
    dt, _ = c.request("GET", AJAX + "experiments/get", {"experiment_id": ctx["exp"]})
    out.append(("experiments/get", dt))
    for rid in ids:
        dt, _ = c.request("GET", AJAX + "metrics/get-history", {"run_uuid": rid, "metric_key": "m00"})
        out.append(("get-history", dt))
    return out


PAGES = [("experiments", page_experiments), ("runs", page_runs), ("runs-sorted", page_runs_sorted),
         ("runs-filter", page_runs_filter), ("charts", page_charts), ("run", page_run), ("compare", page_compare)]


BROWSER_JS = r"""
const { chromium } = require(process.env.PW_CORE);
const [base, exp, run, repeat] = process.argv.slice(2);
const PAGES = [
  ["runs table", `${base}/#/experiments/${exp}/runs?workflowType=machine_learning`, (p) => p.getByText(process.env.NEWEST, { exact: true }).first()],
  ["metric chart", `${base}/#/experiments/${exp}/runs/${run}/model-metrics`,
   (p) => p.locator(".js-plotly-plot .main-svg, .js-plotly-plot canvas").first()],
];
(async () => {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--headless=new", "--run-all-compositor-stages-before-draw"] });
  const ctx = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  const out = {};
  for (const [name, url, target] of PAGES) {
    out[name] = [];
    for (let i = 0; i <= Number(repeat); i++) {
      const page = await ctx.newPage();
      const t = Date.now();
      await page.goto(url);
      await target(page).waitFor({ state: "visible", timeout: 600000 });
      if (i) out[name].push(Date.now() - t);
      await page.close();
    }
  }
  await browser.close();
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
"""


def browser_times(a, work, port, ctx, newest):
    """{page: [ms, ...]} of the page-ready loads in headless Chromium."""
    js = os.path.join(work, "page_ready.js")
    with open(js, "w") as f:
        f.write(BROWSER_JS)
    env = dict(os.environ, PW_CORE=os.path.join(os.path.abspath(a.playwright_core)), NEWEST=newest)
    out = subprocess.run(["node", js, f"http://127.0.0.1:{port}", ctx["exp"], ctx["run_ids"][0], str(a.repeat)],
                         capture_output=True, text=True, timeout=3600, env=env)
    if out.returncode != 0:
        raise BenchError("page-ready in chromium failed: " + out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mlflow-c", default=os.path.join(ROOT, "build", "mlflow-c"))
    ap.add_argument("--python", default=os.path.join(ROOT, ".ref", "mlflow3", "bin", "python"))
    ap.add_argument("--runs", type=int, default=5000)
    ap.add_argument("--metrics", type=int, default=20)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--params", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--work", help="scratch directory (default: a new one under $TMPDIR)")
    ap.add_argument("--keep", action="store_true", help="keep the databases")
    ap.add_argument("--playwright-core", help="playwright-core's package directory: also time page-ready in chromium")
    a = ap.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="bench-ui-pages-")
    os.makedirs(work, exist_ok=True)
    procs = []
    try:
        art = os.path.join(work, "art")
        seed = os.path.join(work, "seed.db")
        t = time.time()
        exp_id = build_db(a.python, seed, art, a)
        print(f"data: {a.runs} runs x {a.metrics} metrics x {a.steps} steps, {a.params} params "
              f"({os.path.getsize(seed) / 2**20:.0f} MiB SQLite, made in {time.time() - t:.0f} s)", flush=True)
        ports = {}
        for side in ("python", "mlflow-c"):
            db = os.path.join(work, side + ".db")
            shutil.copyfile(seed, db)
            ports[side] = free_port()
            uri = "sqlite:///" + db
            mlflow = os.path.join(os.path.dirname(a.python), "mlflow")
            cmd = ([mlflow, "server", "--port", str(ports[side]), "--backend-store-uri", uri,
                    "--artifacts-destination", art, "--workers", "1"] if side == "python" else
                   [a.mlflow_c, "server", "--port", str(ports[side]), "--backend-store-uri", uri,
                    "--artifacts-destination", art, "--ui-dir", ui_build(a.python)])
            start(side, cmd, ports[side], work, procs)
        os.remove(seed)
        clients = {side: Client(port) for side, port in ports.items()}
        # the runs the UI shows first: the newest
        _, r = clients["mlflow-c"].request("POST", AJAX + "runs/search", search_body(exp_id, max_results=10))
        ctx = {"exp": exp_id, "metrics": a.metrics, "run_ids": [x["info"]["run_id"] for x in r["runs"]]}
        times = {side: {name: [] for name, _ in PAGES} for side in clients}
        for rep in range(a.repeat + 1):  # the first pass warms both servers up and is not counted
            for name, fn in PAGES:
                for side, c in clients.items():
                    total = sum(dt for _, dt in fn(c, ctx))
                    if rep:
                        times[side][name].append(total)
        print(f"\npage server time (sum of the page's API requests, median of {a.repeat}; ms)")
        print(f"{'page':<14}{'requests':>9}{'Python MLflow':>15}{'mlflow-c':>12}{'ratio':>9}")
        tot = {side: 0.0 for side in clients}
        for name, fn in PAGES:
            n = len(fn(clients["mlflow-c"], ctx))
            py = statistics.median(times["python"][name]) * 1000
            mc = statistics.median(times["mlflow-c"][name]) * 1000
            tot["python"] += py
            tot["mlflow-c"] += mc
            print(f"{name:<14}{n:>9}{py:>15.1f}{mc:>12.1f}{py / mc:>8.1f}x")
        print(f"{'all pages':<14}{'':>9}{tot['python']:>15.1f}{tot['mlflow-c']:>12.1f}"
              f"{tot['python'] / tot['mlflow-c']:>8.1f}x", flush=True)
        if a.playwright_core:
            newest = r["runs"][0]["info"]["run_name"]
            ready = {side: browser_times(a, work, port, ctx, newest) for side, port in ports.items()}
            print(f"\npage-ready in headless Chromium (median of {a.repeat} loads, UI files cached; ms)")
            print(f"{'page':<14}{'Python MLflow':>15}{'mlflow-c':>12}{'ratio':>9}")
            for name in ready["python"]:
                py = statistics.median(ready["python"][name])
                mc = statistics.median(ready["mlflow-c"][name])
                print(f"{name:<14}{py:>15.0f}{mc:>12.0f}{py / mc:>8.1f}x")
    finally:
        for p in procs:
            try:
                os.killpg(p.pid, 15)
                p.wait(30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(p.pid, 9)
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("kept:", work)


if __name__ == "__main__":
    try:
        main()
    except BenchError as e:
        print("bench failed:", e, file=sys.stderr)
        sys.exit(1)
