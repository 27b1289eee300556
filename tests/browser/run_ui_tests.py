"""Runs the browser scenarios of run.js on a fresh server: starts it, seeds it (seed.py, MLflow's own
Python client), walks the UI in headless Chromium, stops it.

    run_ui_tests.py --server mlflow-c --bin build/mlflow-c [--ui-dir DIR] [--out DIR] [--inventory FILE]
    run_ui_tests.py --server mlflow [--out DIR] [--inventory FILE]        # the reference MLflow 3.18
    run_ui_tests.py --url URL --seed-file seed.json [--target mlflow-c]   # a server already up and seeded

mlflow-c serves the UI with --ui-dir (default: the build inside the reference environment's mlflow
package).
Needs $MLFLOW_C_REF_PYTHON (the reference MLflow), chromium, node and tests/browser/node_modules (`npm ci`):
without one of them it exits 77 (skip), or 1 when MLFLOW_C_REQUIRE_REF=1.
"""
import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url, proc, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"server at {url} did not answer /health in {seconds}s")


def skip(msg):
    if os.environ.get("MLFLOW_C_REQUIRE_REF") == "1":
        print(f"FAIL (MLFLOW_C_REQUIRE_REF=1): {msg}", file=sys.stderr)
        sys.exit(1)
    print(f"SKIP: {msg}", file=sys.stderr)
    sys.exit(77)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", choices=["mlflow-c", "mlflow"])
    ap.add_argument("--bin", help="the mlflow-c executable")
    ap.add_argument("--ui-dir", help="MLflow's UI build (default: the reference environment's)")
    ap.add_argument("--url", help="a server already running (and seeded: --seed-file)")
    ap.add_argument("--seed-file")
    ap.add_argument("--target", help="what --url is: mlflow or mlflow-c (default mlflow-c)")
    ap.add_argument("--out", default=None, help="screenshots and results.json (default: a temporary dir)")
    ap.add_argument("--inventory", help="write the UI's API requests there (markdown)")
    ap.add_argument("--only", help="scenario names, comma-separated")
    ap.add_argument("--chromium", default=os.environ.get("MLFLOW_C_CHROMIUM", "/usr/bin/chromium"))
    ap.add_argument("--keep", action="store_true", help="keep the server's data directory")
    a = ap.parse_args()
    if not a.url and not a.server:
        ap.error("--server or --url")

    ref_py = os.environ.get("MLFLOW_C_REF_PYTHON")
    if not ref_py or not os.path.exists(ref_py):
        skip("no reference MLflow ($MLFLOW_C_REF_PYTHON; tools/ref-env.sh)")
    if not os.path.exists(a.chromium):
        skip(f"no chromium at {a.chromium} (tools/deps.sh installs it)")
    node = shutil.which("node")
    if not node:
        skip("no node (tools/deps.sh installs nodejs)")
    if not os.path.isdir(os.path.join(HERE, "node_modules", "playwright-core")):
        skip("no tests/browser/node_modules (`npm ci` in tests/browser; tools/deps.sh does it)")
    ui_dir = a.ui_dir
    if not ui_dir:
        out = subprocess.run([ref_py, "-c", "import mlflow.server, os; print(os.path.join(os.path.dirname("
                              "mlflow.server.__file__), 'js', 'build'))"], capture_output=True, text=True)
        ui_dir = out.stdout.strip()
    if a.server == "mlflow-c" and not os.path.isfile(os.path.join(ui_dir, "index.html")):
        skip(f"no UI build at {ui_dir}")

    work = tempfile.mkdtemp(prefix="mlflow-c-browser-")
    out_dir = a.out or os.path.join(work, "out")
    os.makedirs(out_dir, exist_ok=True)
    procs = []
    status = 1
    try:
        url = a.url
        target = a.target or "mlflow-c"
        if not url:
            port = free_port()
            log = open(os.path.join(out_dir, "server.log"), "w")
            env = dict(os.environ, MLFLOW_ENABLE_TELEMETRY="false")
            db = f"sqlite:///{work}/store.db"
            art = os.path.join(work, "artifacts")
            if a.server == "mlflow":
                target = "mlflow"
                mlflow_cli = os.path.join(os.path.dirname(ref_py), "mlflow")
                cmd = [mlflow_cli, "server", "--host", "127.0.0.1", "--port", str(port), "--backend-store-uri", db,
                       "--artifacts-destination", art, "--workers", "1"]
                procs.append(subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env))
                url = f"http://127.0.0.1:{port}"
            else:
                target = "mlflow-c"
                exe = os.path.abspath(a.bin or "build/mlflow-c")
                cmd = [exe, "server", "--host", "127.0.0.1", "--port", str(port), "--backend-store-uri", db,
                       "--artifacts-destination", art, "--ui-dir", ui_dir]
                procs.append(subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env))
                url = f"http://127.0.0.1:{port}"
            wait_up(url, procs[-1])
        seed_file = a.seed_file
        if not seed_file:
            seed_file = os.path.join(out_dir, "seed.json")
            t0 = time.time()
            # the client prints a line or two for every run it ends: those go to seed.log
            with open(os.path.join(out_dir, "seed.log"), "w") as seed_log:
                rc = subprocess.run([ref_py, os.path.join(HERE, "seed.py"), url, seed_file], stdout=seed_log,
                                    stderr=subprocess.STDOUT, env=dict(os.environ, MLFLOW_ENABLE_TELEMETRY="false")).returncode
            if rc != 0:
                with open(os.path.join(out_dir, "seed.log")) as f:
                    sys.stderr.write("".join(f.readlines()[-30:]))
                raise SystemExit(f"seeding {url} failed ({rc})")
            print(f"seeded {url} in {time.time() - t0:.0f}s", file=sys.stderr)
        cmd = [node, os.path.join(HERE, "run.js"), "--url", url, "--seed", seed_file, "--out", out_dir,
               "--target", target, "--chromium", a.chromium]
        if a.inventory:
            cmd += ["--inventory", os.path.abspath(a.inventory)]
        if a.only:
            cmd += ["--only", a.only]
        # Chromium's own stderr (dbus, vulkan) is noise here: run.js prints the verdicts on stdout
        status = subprocess.run(cmd, stderr=subprocess.DEVNULL if not os.environ.get("MLFLOW_C_BROWSER_DEBUG")
                                else None).returncode
        print(f"screenshots and results.json in {out_dir}", file=sys.stderr)
    finally:
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        if not a.keep:
            if a.out:  # nothing of value in work: the outputs are elsewhere
                shutil.rmtree(work, ignore_errors=True)
            else:  # the outputs are in work/out: only the server's data goes
                shutil.rmtree(os.path.join(work, "artifacts"), ignore_errors=True)
                for f in ("store.db", "store.db-wal", "store.db-shm"):
                    try:
                        os.remove(os.path.join(work, f))
                    except OSError:
                        pass
    sys.exit(status)


if __name__ == "__main__":
    main()
