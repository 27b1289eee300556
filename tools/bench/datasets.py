#!/usr/bin/env python3
"""Evaluation dataset benchmark: MLflow 3.18's `mlflow server` and `mlflow-c server` side by side in one run.

usage: tools/bench/datasets.py [--records 10000] [--batch 1000] [--rounds 3] [--datasets 1000]
                               [--duration 10] [--threads 2] [--connections 8] [--pg-uri MAINTENANCE_URI]
                               [--bin build/mlflow-c] [--ref-python PY] [--no-python] [--no-c] [--json FILE]

Scenarios:
  upsert-records  --records (10,000) evaluation records into a new dataset, sent as MLflow's client sends
                  them (EvaluationDataset.merge_records -> POST /api/3.0/mlflow/datasets/{id}/records, the
                  records as one JSON string), --batch (1,000) records a request, one request after the other;
                  each record has inputs (a question and a context), expectations and tags. --rounds times
                  (each on a new dataset), then the same records again (all merges: the update path).
                  Reported in records/s (the best round) and server CPU per record.
  search          POST /api/3.0/mlflow/datasets/search over --datasets (1,000) datasets of one experiment,
                  filter "name LIKE 'bench-ds-1%' AND tags.team = 'a'", max_results 100, ordered by name,
                  replayed by wrk -t2 -c8 for --duration seconds. Reported in searches/s.

Each server runs on its own fresh database (SQLite file, or with --pg-uri its own database on that
cluster); everything is seeded through the REST API. The servers, wrk runs and CPU accounting are
tools/bench/traces.py's (imported, not copied). Needs wrk and the reference environment (tools/ref-env.sh).
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from traces import (ROOT, BenchError, Server, call, cpu_seconds, free_port, lua_static, pg_exec, server_plan,  # noqa: E402
                    pg_with_db, run_wrk, tree_pids)

D = "/api/3.0/mlflow/datasets"
SEARCH = {"filter_string": "name LIKE 'bench-ds-1%' AND tags.team = 'a'", "max_results": 100,
          "order_by": ["name ASC"]}


def make_records(n, salt):
    return [{"inputs": {"question": f"what is {i} + {i}? ({salt})", "context": "c" * 64},
             "expectations": {"answer": str(2 * i), "score": 0.5},
             "tags": {"split": "train" if i % 5 else "test"}} for i in range(n)]


def upsert_round(s, exp, records, batch, label):
    ds = call(s.url, "POST", f"{D}/create", {"name": f"bench-up-{label}", "experiment_ids": [exp]})["dataset"]
    bodies = [json.dumps({"records": json.dumps(records[i:i + batch])}).encode()
              for i in range(0, len(records), batch)]
    out = []
    for phase in ("insert", "merge"):
        c0 = cpu_seconds(s.pids)
        t0 = time.perf_counter()
        got = {"inserted": 0, "updated": 0}
        for body in bodies:
            r = call(s.url, "POST", f"{D}/{ds['dataset_id']}/records", raw=body,
                     headers={"Content-Type": "application/json"})
            got["inserted"] += r.get("inserted_count", 0)
            got["updated"] += r.get("updated_count", 0)
        secs = time.perf_counter() - t0
        cpu = cpu_seconds(s.pids) - c0
        want = {"inserted": len(records), "updated": 0} if phase == "insert" else {"inserted": 0,
                                                                                   "updated": len(records)}
        if got != want:
            raise BenchError(f"upsert {phase}: {got}, want {want}")
        out.append((phase, len(records) / secs, cpu * 1e6 / len(records)))
    return out


def seed_search(s, exp, n):
    for i in range(n):
        call(s.url, "POST", f"{D}/create", {"name": f"bench-ds-{i}", "experiment_ids": [exp],
                                            "tags": json.dumps({"team": "ab"[i % 2], "i": str(i)})})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--records", type=int, default=10_000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--datasets", type=int, default=1000)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--pg-uri", help="PostgreSQL maintenance URI: both servers on databases of that cluster")
    ap.add_argument("--bin", default=os.environ.get("MLFLOW_C_BIN", os.path.join(ROOT, "build", "mlflow-c")))
    ap.add_argument("--ref-python", default=os.environ.get("MLFLOW_C_REF_PYTHON")
                    or os.path.join(ROOT, ".ref", "mlflow3", "bin", "python"))
    ap.add_argument("--no-python", action="store_true")
    ap.add_argument("--no-c", action="store_true")
    ap.add_argument("--json", help="also write the results here")
    a = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    work = tempfile.mkdtemp(prefix="bench-datasets-")
    env, plan = server_plan(a, work)
    results, dbs = {}, []
    try:
        for label, argv in plan:
            short = label.split()[0].lower().replace("-", "_")
            if a.pg_uri:
                name = f"bench_datasets_{os.getpid()}_{short}"
                pg_exec(a.ref_python, a.pg_uri, f'CREATE DATABASE "{name}"')
                dbs.append(name)
                uri = pg_with_db(a.pg_uri, name)
            else:
                uri = "sqlite:///" + os.path.join(work, f"{short}.db")
            s = Server(label, argv(uri, free_port()), work, env)
            try:
                s.pids = tree_pids(s.proc.pid)
                exp = call(s.url, "POST", "/api/2.0/mlflow/experiments/create", {"name": "bench-datasets"})[
                    "experiment_id"]
                best = {}
                for r in range(a.rounds):
                    for phase, rate, cpu in upsert_round(s, exp, make_records(a.records, r), a.batch, f"{r}"):
                        print(f"  [{label}] round {r} {phase}: {rate:.0f} records/s, {cpu:.0f} CPU us/record",
                              file=sys.stderr)
                        if rate > best.get(phase, (0, 0))[0]:
                            best[phase] = (rate, cpu)
                for phase, (rate, cpu) in best.items():
                    results[(f"upsert-records ({phase})", label)] = (rate, cpu, "records/s")
                seed_search(s, exp, a.datasets)
                body = dict(SEARCH, experiment_ids=[exp])
                n = len(call(s.url, "POST", f"{D}/search", body).get("datasets", []))
                script = os.path.join(work, f"search-{s.port}.lua")
                with open(script, "w") as f:
                    f.write(lua_static("POST", f"{D}/search", body))
                c0 = cpu_seconds(s.pids)
                rps, errors, done, lat = run_wrk(s.url + f"{D}/search", script, a, a.duration)
                cpu = (cpu_seconds(s.pids) - c0) * 1e6 / max(1, done)
                print(f"  [{label}] search: {rps:.1f}/s ({n} datasets an answer, {errors} errors, latency {lat})",
                      file=sys.stderr)
                results[("search", label)] = (rps if not errors else None, cpu, "searches/s")
            except BenchError as e:
                print(f"  [{label}] failed: {e}", file=sys.stderr)
            finally:
                s.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
        for d in dbs:
            try:
                pg_exec(a.ref_python, a.pg_uri, f'DROP DATABASE IF EXISTS "{d}" WITH (FORCE)')
            except BenchError as e:
                print(f"dropping {d}: {e}", file=sys.stderr)
    labels = [p[0] for p in plan]
    print(f"{'PostgreSQL' if a.pg_uri else 'SQLite'}; {a.records} records in requests of {a.batch} "
          f"(best of {a.rounds}); search over {a.datasets} datasets, wrk -t{a.threads} -c{a.connections} -d{a.duration}s")
    print(f"{'scenario':<26}{'unit':<12}" + "".join(f"{lbl:>14}" for lbl in labels)
          + (f"{'ratio':>9}" if len(labels) == 2 else "") + "".join(f"{lbl + ' CPU us':>20}" for lbl in labels))
    for name in ["upsert-records (insert)", "upsert-records (merge)", "search"]:
        row = [results.get((name, lbl)) for lbl in labels]
        unit = next((r[2] for r in row if r), "")
        line = f"{name:<26}{unit:<12}" + "".join(f"{(f'{r[0]:.1f}' if r and r[0] else 'n/a'):>14}" for r in row)
        if len(labels) == 2:
            line += f"{(f'{row[1][0] / row[0][0]:.1f}x' if all(r and r[0] for r in row) else '-'):>9}"
        line += "".join(f"{(f'{r[1]:.0f}' if r else '-'):>20}" for r in row)
        print(line)
    if a.json:
        with open(a.json, "w") as f:
            json.dump([{"scenario": n, "server": lbl, "rate": r[0], "cpu_us": r[1], "unit": r[2]}
                       for (n, lbl), r in results.items()], f, indent=1)


if __name__ == "__main__":
    main()
