#!/usr/bin/env python3
"""Upload and download throughput of one artifact through `mlflow-c server` and Python
`mlflow server`, in one run, against `cp` of the same file on the same disk (the limit).

usage: tools/bench/artifacts_throughput.py [--size-mib 256] [--repeat 3] [--bin build/mlflow-c]
                                           [--mlflow-env /opt/mlflow-ref/env.sh] [--dir DIR]
                                           [--python-server gunicorn|uvicorn|both] [--timeout 300]

Both servers get a fresh SQLite database and --artifacts-destination under DIR (default: a
temporary directory under /tmp). The client is the same for both: http.client, PUT with
Content-Length streamed from the file in 1 MiB blocks, GET written to a file in 1 MiB blocks.
Each figure is the best of --repeat runs, in MiB/s; the content is checked after each download.
Without the MLflow environment (a shell file putting MLflow on /usr/bin/python3's path) the Python
server is left out. `mlflow server` 3.x runs uvicorn with its FastAPI app wrapping the Flask app by
default; `--gunicorn-opts` makes it serve the Flask app with gunicorn (4 sync workers). A transfer
that takes longer than --timeout seconds is reported as "timeout".
"""
import argparse
import hashlib
import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PATH = "/api/2.0/mlflow-artifacts/artifacts/bench/file.bin"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(port, proc, timeout=90):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/health")
            if c.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("server did not start")


TIMEOUT = 300


def upload(port, src, size):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    t0 = time.perf_counter()
    with open(src, "rb") as f:
        c.putrequest("PUT", PATH)
        c.putheader("Content-Length", str(size))
        c.endheaders()
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            c.send(b)
            if time.perf_counter() - t0 > TIMEOUT:
                c.close()
                raise TimeoutError("upload")
        r = c.getresponse()
        r.read()
    dt = time.perf_counter() - t0
    c.close()
    assert r.status == 200, r.status
    return dt


def download(port, dst):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    t0 = time.perf_counter()
    c.request("GET", PATH)
    r = c.getresponse()
    assert r.status == 200, r.status
    with open(dst, "wb") as f:
        while True:
            b = r.read(1 << 20)
            if not b:
                break
            f.write(b)
            if time.perf_counter() - t0 > TIMEOUT:
                c.close()
                raise TimeoutError("download")
    dt = time.perf_counter() - t0
    c.close()
    return dt


def sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                return h.hexdigest()
            h.update(b)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mib", type=int, default=256)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--bin", default=os.environ.get("MLFLOW_C_BIN", os.path.join(ROOT, "build", "mlflow-c")))
    ap.add_argument("--mlflow-env", default=os.environ.get("MLFLOW_REF_ENV", "/opt/mlflow-ref/env.sh"))
    ap.add_argument("--dir", default=None)
    ap.add_argument("--python-server", choices=("gunicorn", "uvicorn", "both"), default="both")
    ap.add_argument("--timeout", type=float, default=300)
    args = ap.parse_args()
    global TIMEOUT
    TIMEOUT = args.timeout
    work = tempfile.mkdtemp(prefix="mlflow-artbench-", dir=args.dir)
    size = args.size_mib << 20
    src = os.path.join(work, "src.bin")
    with open(src, "wb") as f:
        for _ in range(args.size_mib):
            f.write(os.urandom(1 << 20))
    want = sha(src)
    dst = os.path.join(work, "dst.bin")
    rows = []

    # cp: the same bytes through the same disk, page cache warm as for the servers
    best = None
    for _ in range(args.repeat):
        if os.path.exists(dst):
            os.unlink(dst)
        t0 = time.perf_counter()
        subprocess.run(["cp", src, dst], check=True)
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    rows.append(("cp (same disk)", size / best / 2**20, size / best / 2**20))

    servers = [("mlflow-c server", lambda port, d: [args.bin, "server", "--port", str(port), "--no-access-log",
                                                     "--backend-store-uri", f"sqlite:///{d}/db.sqlite",
                                                     "--artifacts-destination", f"{d}/mlartifacts"])]
    if os.path.exists(args.mlflow_env):
        kinds = ("gunicorn", "uvicorn") if args.python_server == "both" else (args.python_server,)
        for kind in kinds:
            extra = "--gunicorn-opts '--timeout 600'" if kind == "gunicorn" else ""
            servers.append((f"mlflow server ({kind})", lambda port, d, extra=extra: [
                "bash", "-c", f'. "{args.mlflow_env}" && exec /usr/bin/python3 -m mlflow server --port {port} '
                              f'--backend-store-uri sqlite:///{d}/db.sqlite --artifacts-destination {d}/mlartifacts '
                              f'{extra}']))
    else:
        print(f"(no MLflow environment at {args.mlflow_env}: Python mlflow server left out)")
    for name, cmd in servers:
        d = os.path.join(work, name.replace(" ", "_").replace("(", "").replace(")", ""))
        os.makedirs(d)
        port = free_port()
        env = dict(os.environ)
        env.pop("MLFLOW_TRACKING_URI", None)
        proc = subprocess.Popen(cmd(port, d), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=d,
                                env=env, start_new_session=True)
        try:
            wait_up(port, proc)
            up = down = None
            for _ in range(args.repeat):
                try:
                    dt = upload(port, src, size)
                except (socket.timeout, TimeoutError, ConnectionError):
                    break  # nothing to download then
                up = dt if up is None else min(up, dt)
                if os.path.exists(dst):
                    os.unlink(dst)
                try:
                    dt = download(port, dst)
                except (socket.timeout, TimeoutError, ConnectionError):
                    break
                down = dt if down is None else min(down, dt)
                assert sha(dst) == want, f"{name}: downloaded bytes differ"
            rows.append((name, size / up / 2**20 if up else None, size / down / 2**20 if down else None))
            print(f"{name}: done", flush=True)
        finally:
            os.killpg(proc.pid, 15)
            proc.wait()
    print(f"{args.size_mib} MiB, best of {args.repeat}, MiB/s")
    print(f"{'':24} {'upload':>10} {'download':>10}")
    def fmt(v):
        return f"{v:10.0f}" if v is not None else f"{'timeout':>10}"

    for name, u, dn in rows:
        print(f"{name:24} {fmt(u)} {fmt(dn)}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
