#!/usr/bin/env python3
"""Uploads and downloads one large artifact through `mlflow-c server` and reports the server's memory.

usage: tools/bench/artifacts_memory.py [--size-mib 2048] [--bin build/mlflow-c] [--dir DIR]

Starts the server on a free port with a fresh database and artifacts destination under DIR
(default: a temporary directory on the same disk as /tmp), writes a file of random blocks,
PUTs it to /api/2.0/mlflow-artifacts/artifacts/big.bin, GETs it back, compares SHA-256, and prints
the server's VmHWM (peak resident set) and VmRSS from /proc/<pid>/status after each step.
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


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mem(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmHWM", "VmRSS", "RssFile", "RssShmem", "RssAnon")):
                k, v = line.split(":")
                out[k] = int(v.split()[0]) // 1024
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mib", type=int, default=2048)
    ap.add_argument("--bin", default=os.environ.get("MLFLOW_C_BIN", os.path.join(ROOT, "build", "mlflow-c")))
    ap.add_argument("--dir", default=None)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="mlflow-c-artmem-", dir=args.dir)
    port = free_port()
    log = open(os.path.join(work, "server.log"), "w")
    proc = subprocess.Popen([args.bin, "server", "--port", str(port), "--workers", "2", "--no-access-log",
                             "--backend-store-uri", f"sqlite:///{work}/mlflow.db",
                             "--artifacts-destination", f"{work}/mlartifacts"],
                            stdout=log, stderr=subprocess.STDOUT, cwd=work)
    try:
        for _ in range(200):
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                c.request("GET", "/health")
                if c.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.05)
        src = os.path.join(work, "big.bin")
        size = args.size_mib << 20
        h = hashlib.sha256()
        block = os.urandom(1 << 20)
        with open(src, "wb") as f:
            for i in range(args.size_mib):
                b = i.to_bytes(8, "little") + block[8:]
                h.update(b)
                f.write(b)
        want = h.hexdigest()
        print(f"file: {args.size_mib} MiB; server at start: {mem(proc.pid)}")

        t0 = time.time()
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
        with open(src, "rb") as f:
            c.request("PUT", "/api/2.0/mlflow-artifacts/artifacts/big/big.bin", body=f,
                      headers={"Content-Length": str(size)})
            r = c.getresponse()
            body = r.read()
        up = time.time() - t0
        assert r.status == 200, (r.status, body)
        print(f"upload:   {up:.2f}s ({size / up / 2**20:.0f} MiB/s); server: {mem(proc.pid)}")

        t0 = time.time()
        c.request("GET", "/api/2.0/mlflow-artifacts/artifacts/big/big.bin")
        r = c.getresponse()
        assert r.status == 200, r.status
        h = hashlib.sha256()
        n = 0
        while True:
            b = r.read(1 << 20)
            if not b:
                break
            h.update(b)
            n += len(b)
        down = time.time() - t0
        print(f"download: {down:.2f}s ({size / down / 2**20:.0f} MiB/s); server: {mem(proc.pid)}")
        ok = n == size and h.hexdigest() == want
        print("content:", "identical" if ok else f"DIFFERENT ({n} bytes)")
        m = mem(proc.pid)
        print(f"peak RSS (VmHWM) over the run: {m['VmHWM']} MiB")
        return 0 if ok else 1
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
