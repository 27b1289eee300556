#!/usr/bin/env python3
"""Webhook delivery overhead: createModelVersion req/s with 0 and with 3 active webhooks subscribed to
model_version.created, on MLflow 3.18's `mlflow server` and `mlflow-c server` in one run.

usage: tools/bench/webhooks.py [--duration 10] [--threads 2] [--connections 8] [--bin build/mlflow-c]
                               [--receiver build/bare-server] [--ref-python PY] [--no-python] [--no-c]
                               [--json FILE]

Each server runs on a fresh SQLite database with MLFLOW_WEBHOOK_ALLOWED_SCHEMES=http,https and
MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS=true (the receivers are on loopback). The receivers are the
benchmark's bare h2o server (tools/bare_server.c: answers 200 `{}` at once), so they cost next to
nothing. For each server, after a warm-up run: --rounds times, `wrk` POSTing model-versions/create
(source s3://b/p, a new registered model per run) for --duration seconds with no webhook, then with
3 webhooks (one with a secret, so deliveries are signed), which are deleted again after the run.
The table gives the mean req/s of both phases and the overhead (1 - with/without). Deliveries run off the request path on both servers, but on
this 2-core machine their CPU competes with the writes'; the goal for mlflow-c is <= 5 %.

Needs wrk and the reference environment (tools/ref-env.sh) for the Python server.
"""

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from traces import cpu_seconds, tree_pids  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"} if data else {})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read() or b"{}")


def wait_up(base, proc, log, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {open(log).read()[-2000:]}")
        try:
            urllib.request.urlopen(base + "/health", timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def run_wrk(url, script, a):
    cmd = ["wrk", f"-t{a.threads}", f"-c{a.connections}", f"-d{a.duration}s", "--timeout", "60s", "-s", script, url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=a.duration + 180)
    text = out.stdout + out.stderr
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if not m:
        raise RuntimeError("wrk: " + " ".join(text.split())[:300])
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    total = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)", text)
    secs = float(total.group(2)) * {"ms": 0.001, "s": 1, "m": 60}[total.group(3)]
    return float(m.group(1)), int(non2xx.group(1)) if non2xx else 0, int(total.group(1)), secs


def drain_seconds(pid, quiet=0.5, step=0.1, limit=600):
    """How long after now the server's process tree kept working (its queued deliveries): the time of
    its last CPU use before `quiet` seconds in which it used under 5 % of a core."""
    pids = tree_pids(pid)
    t0 = last_busy = time.monotonic()
    before = cpu_seconds(pids)
    while time.monotonic() - last_busy < quiet and time.monotonic() - t0 < limit:
        time.sleep(step)
        now = cpu_seconds(pids)
        if now - before > 0.05 * step:
            last_busy = time.monotonic()
        before = now
    return last_busy - t0


def bench_server(label, argv, env, receiver_url, a, work):
    port = free_port()
    log = os.path.join(work, label + ".log")
    proc = subprocess.Popen(argv + ["--host", "127.0.0.1", "--port", str(port)], cwd=work, env=env,
                            stdout=open(log, "w"), stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_up(base, proc, log)
        results = {"0 webhooks": [], "3 webhooks": []}
        hook_ids = []

        def load(tag):
            model = f"bench-{tag}-{int(time.time() * 1000)}"
            call(base, "POST", "/api/2.0/mlflow/registered-models/create", {"name": model})
            script = os.path.join(work, f"{label}-{tag}.lua")
            with open(script, "w") as f:
                f.write('wrk.method = "POST"\nwrk.path = "/api/2.0/mlflow/model-versions/create"\n'
                        f'wrk.body = {json.dumps(json.dumps({"name": model, "source": "s3://b/p"}))}\n'
                        'wrk.headers["Content-Type"] = "application/json"\n')
            rate, errors, n, secs = run_wrk(base, script, a)
            # the deliveries still queued when wrk stops are part of the cost: the rate that counts is
            # the requests over the time until the server is idle again
            drain = drain_seconds(proc.pid)
            return rate, errors, n / (secs + drain), drain

        load("warmup")
        for rnd in range(a.rounds):
            results["0 webhooks"].append(load(f"0-{rnd}"))
            for i in range(3):
                body = {"name": f"bench-hook-{rnd}-{i}", "url": f"{receiver_url}/hook{i}",
                        "events": [{"entity": "MODEL_VERSION", "action": "CREATED"}]}
                if i == 0:
                    body["secret"] = "bench-secret"
                hook_ids.append(call(base, "POST", "/api/2.0/mlflow/webhooks", body)["webhook"]["webhook_id"])
            results["3 webhooks"].append(load(f"3-{rnd}"))
            while hook_ids:
                call(base, "DELETE", "/api/2.0/mlflow/webhooks/" + hook_ids.pop())
        results = {k: {"rps": sum(r[0] for r in v) / len(v), "errors": sum(r[1] for r in v),
                       "rps_drained": sum(r[2] for r in v) / len(v), "drain_s": max(r[3] for r in v),
                       "runs": [r[0] for r in v]}
                   for k, v in results.items()}
        return results
    finally:
        try:
            os.killpg(proc.pid, 15)
            proc.wait(timeout=30)
        except Exception:
            proc.kill()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=2, help="alternations of 0 and 3 webhooks (the mean is shown)")
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "mlflow-c"))
    ap.add_argument("--receiver", default=os.path.join(ROOT, "build", "bare-server"))
    ap.add_argument("--ref-python", default=os.environ.get("MLFLOW_C_REF_PYTHON", ""))
    ap.add_argument("--no-python", action="store_true")
    ap.add_argument("--no-c", action="store_true")
    ap.add_argument("--json")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="bench-webhooks-")
    rport = free_port()
    receiver = subprocess.Popen([a.receiver, "--port", str(rport), "--workers", "1"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
    receiver_url = f"http://127.0.0.1:{rport}"
    time.sleep(0.5)
    env = dict(os.environ, MLFLOW_WEBHOOK_ALLOWED_SCHEMES="http,https", MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS="true")
    table = {}
    try:
        if not a.no_python and a.ref_python:
            d = os.path.join(work, "mlflow")
            os.makedirs(d)
            penv = {k: v for k, v in env.items() if not k.startswith(("LD_PRELOAD", "ASAN", "LSAN", "UBSAN"))}
            # MLflow caches each event's webhook list for MLFLOW_WEBHOOK_CACHE_TTL (60) s: the phase with
            # 3 webhooks would still see the empty list of the phase before; 1 s keeps the cache nearly free
            penv["MLFLOW_WEBHOOK_CACHE_TTL"] = "1"
            table["MLflow 3.18"] = bench_server(
                "mlflow", [a.ref_python, "-m", "mlflow", "server", "--backend-store-uri",
                           "sqlite:///" + os.path.join(d, "mlflow.db"), "--workers", "1"], penv, receiver_url, a, d)
        if not a.no_c:
            d = os.path.join(work, "mlflow-c")
            os.makedirs(d)
            table["mlflow-c"] = bench_server(
                "mlflow-c", [a.bin, "server", "--backend-store-uri", "sqlite:///" + os.path.join(d, "mlflow.db"),
                             "--no-access-log"], env, receiver_url, a, d)
    finally:
        receiver.terminate()
        receiver.wait()
        shutil.rmtree(work, ignore_errors=True)
    print(f"createModelVersion, wrk -t{a.threads} -c{a.connections} -d{a.duration}s, SQLite")
    print("req/s: wrk's rate; drained: the requests over the time until the server was idle again (its queued"
          " deliveries done); overhead on the drained rates")
    print(f"{'server':<14}{'0 webhooks':>12}{'drained':>10}{'3 webhooks':>12}{'drained':>10}{'drain s':>9}"
          f"{'overhead':>10}{'errors':>8}")
    for label, r in table.items():
        z, t = r["0 webhooks"], r["3 webhooks"]
        r["overhead"] = 1 - t["rps_drained"] / z["rps_drained"] if z["rps_drained"] else None
        errs = z["errors"] + t["errors"]
        print(f"{label:<14}{z['rps']:>12.1f}{z['rps_drained']:>10.1f}{t['rps']:>12.1f}{t['rps_drained']:>10.1f}"
              f"{t['drain_s']:>9.1f}{100 * r['overhead']:>9.1f}%{errs:>8}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(table, f, indent=2)


if __name__ == "__main__":
    sys.exit(main())
