#!/usr/bin/env python3
"""The web UI's static files: mlflow-c against Python MLflow, in one run (issue 16, point 5).

    tools/bench/ui_static.py [--mlflow-c build/mlflow-c] [--mlflow .ref/mlflow3/bin/mlflow]
                             [--python-workers 4] [--duration 10] [--threads 2] [--connections 16]

Starts both servers on scratch SQLite databases (Python MLflow with `--workers 4`, mlflow-c with the
same build via --ui-dir, found from the Python MLflow's interpreter), picks hashed assets that the UI
loads (the index's main script, and a small code-split chunk), and runs `wrk` (keep-alive) on each
asset against each server: once as a plain client, once with `Accept-Encoding: gzip, deflate, br` as
a browser sends (Python MLflow answers those uncompressed; mlflow-c with its gzip copy). Prints req/s,
the transfer rate wrk saw and mlflow-c's ratio to Python MLflow. Needs wrk (apt-get install wrk).
Sends load to loopback only and stops both servers at the end.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tracking import BenchError, free_port, health, run_wrk  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def ui_build(python):
    out = subprocess.run([python, "-c", "import importlib.util as u, os; s = u.find_spec('mlflow'); "
                          "print(os.path.join(os.path.dirname(s.origin), 'server', 'js', 'build'))"],
                         capture_output=True, text=True, timeout=60, check=True)
    return out.stdout.strip()


def assets(build):
    """(label, path) of the hashed assets to fetch: a chunk of about 20 KB and the index's main script."""
    with open(os.path.join(build, "index.html")) as f:
        main = re.search(r'src="\.?/?static-files/([^"]+\.js)"', f.read()).group(1)
    js = os.path.join(build, "static", "js")
    chunks = [n for n in os.listdir(js) if re.match(r"\d+\.[0-9a-f]{8}\.chunk\.js$", n)]
    small = min(chunks, key=lambda n: abs(os.path.getsize(os.path.join(js, n)) - 20000))
    out = []
    for rel in ("static/js/" + small, main):  # the small one first: Python MLflow is slow to warm up
        size = os.path.getsize(os.path.join(build, rel))
        out.append((f"{os.path.basename(rel)} ({size / 1024:.0f} KiB)", "/static-files/" + rel))
    return out


def start(label, cmd, port, work, procs):
    log = open(os.path.join(work, label + ".log"), "w")
    p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=work)
    procs.append(p)
    deadline = time.time() + 120
    while time.time() < deadline:
        if p.poll() is not None:
            raise BenchError(f"{label} exited: see {log.name}")
        if health(port):
            return
        time.sleep(0.5)
    raise BenchError(f"{label} did not start")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mlflow-c", default=os.path.join(ROOT, "build", "mlflow-c"))
    ap.add_argument("--mlflow", default=os.path.join(ROOT, ".ref", "mlflow3", "bin", "mlflow"))
    ap.add_argument("--python-workers", type=int, default=4)
    ap.add_argument("--duration", type=float, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--connections", type=int, default=16)
    a = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    python = os.path.join(os.path.dirname(os.path.abspath(a.mlflow)), "python")
    build = ui_build(python)
    work = tempfile.mkdtemp(prefix="bench-ui-static-")
    procs = []
    try:
        py_port, c_port = free_port(), free_port()
        start("python", [a.mlflow, "server", "--port", str(py_port), "--workers", str(a.python_workers),
                         "--backend-store-uri", f"sqlite:///{work}/py.db", "--artifacts-destination", f"{work}/pyart"],
              py_port, work, procs)
        start("mlflow-c", [a.mlflow_c, "server", "--port", str(c_port), "--no-access-log", "--ui-dir", build,
                           "--backend-store-uri", f"sqlite:///{work}/c.db", "--artifacts-destination", f"{work}/cart"],
              c_port, work, procs)
        scripts = {}
        for client, header in (("plain", None), ("browser", "gzip, deflate, br")):
            path = os.path.join(work, client + ".lua")
            with open(path, "w") as f:
                f.write(f'wrk.headers["Accept-Encoding"] = "{header}"\n' if header else "")
            scripts[client] = path
        print(f"wrk -t{a.threads} -c{a.connections} -d{a.duration:g}s (keep-alive); Python MLflow: "
              f"--workers {a.python_workers}; mlflow-c: its default workers; build: {build}\n")
        rows = []
        todo = assets(build)
        # Python MLflow's first seconds under load are slow (its workers warm up): 5 s of the small asset each
        for port in (py_port, c_port):
            run_wrk(f"http://127.0.0.1:{port}{todo[0][1]}", scripts["plain"], a, 5)
        for label, path in todo:
            for client in ("plain", "browser"):
                res = {}
                for name, port in (("python", py_port), ("mlflow-c", c_port)):
                    url = f"http://127.0.0.1:{port}{path}"
                    # warm-up: one request (mlflow-c reads the file on the first); a wrk warm-up would leave
                    # Python MLflow busy with the big answers to the connections it dropped
                    with urllib.request.urlopen(url, timeout=120) as r:
                        r.read()
                    rps, errors, lat, _ = run_wrk(url, scripts[client], a, a.duration)
                    res[name] = (rps, errors, lat)
                rows.append((label, client, res))
        print(f"| asset | client | Python MLflow req/s | mlflow-c req/s | ratio | latency py / c |")
        print("|---|---|---:|---:|---:|---|")
        for label, client, res in rows:
            py, c = res["python"], res["mlflow-c"]
            flag = lambda r: "!" if r[1] else ""  # noqa: E731
            print(f"| {label} | {client} | {py[0]:.1f}{flag(py)} | {c[0]:.1f}{flag(c)} | "
                  f"{c[0] / py[0] if py[0] else float('inf'):.1f}x | {py[2]} / {c[2]} |")
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    except BenchError as e:
        sys.exit(str(e))
