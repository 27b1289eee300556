#!/usr/bin/env python3
"""The differential test: one corpus of HTTP requests replayed against the real
MLflow (the reference environment's `mlflow server`, tools/ref-env.sh) and
against `mlflow-c server`, each on a fresh database of the same backend; the
answers are compared after normalising what legitimately differs (ids,
timestamps, page tokens, the servers' own directories).

    tests/diff/run.py [--backend sqlite|postgresql] [--only NAME ...] [-v]

The corpus is tests/diff/corpus/*.py, run in file-name order; each file has
`run(t)`, which sends its requests through `t` (see Target). The corpus runs
once per server, so every request of one side has its counterpart at the same
place on the other; a file must not branch on an answer (it may read ids out of
one, which differ per side).

Deliberate differences are listed in tests/diff/deviations.md, each with its
reason; a listed difference that no longer happens is an error too (the table
stays true). Exit 0 when every difference is listed, 1 otherwise, 77 (meson's
SKIP) without the reference MLflow ($MLFLOW_C_REF_PYTHON) or, on postgresql,
without a cluster ($MLFLOW_C_TEST_PG_URI); with MLFLOW_C_REQUIRE_REF set (CI
sets it) a missing reference fails instead.
"""

import argparse
import fnmatch
import glob
import http.client
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
BIN = os.environ.get("MLFLOW_C_BIN", os.path.join(ROOT, "build", "mlflow-c"))
SKIP = 77
# a sanitizer build's server reports here (ASan+UBSan build-asan): the test fails on any
SANITIZER_REPORTS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "WARNING: ThreadSanitizer")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- the servers ----

class Server:
    """One server under test, on a fresh database, in its own directory."""

    def __init__(self, side, argv, workdir, store_uri, env=None, start_timeout=120):
        self.side = side
        self.dir = workdir
        self.store_uri = store_uri
        self.port = free_port()
        self.log_path = os.path.join(workdir, "server.log")
        self.log = open(self.log_path, "w+")
        self.proc = subprocess.Popen(argv + ["--host", "127.0.0.1", "--port", str(self.port)],
                                     stdout=self.log, stderr=subprocess.STDOUT, cwd=workdir,
                                     env=env, start_new_session=True)
        deadline = time.time() + start_timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{side} server exited:\n{self.logs()[-4000:]}")
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                c.request("GET", "/health")
                if c.getresponse().status == 200:
                    c.close()
                    break
                c.close()
            except OSError:
                pass
            if time.time() > deadline:
                self.stop()
                raise RuntimeError(f"{side} server did not start:\n{self.logs()[-4000:]}")
            time.sleep(0.2)

    def logs(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=30)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait()


def pg_admin(uri, sql):
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", uri, "-c", sql], check=True,
                   stdout=subprocess.DEVNULL)


def pg_uri_with_db(uri, name):
    u = urllib.parse.urlsplit(uri)
    return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + name, u.query, u.fragment))


# ---- the corpus side ----

class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        ctype = headers.get("content-type", "")
        self.json = None
        if "json" in ctype:
            try:
                self.json = json.loads(body)
            except ValueError:
                pass

    def get(self, *path, default=""):
        """The value at path in the JSON answer (keys and list indexes), or default."""
        v = self.json
        for p in path:
            try:
                v = v[p]
            except (KeyError, IndexError, TypeError):
                return default
        return v


class Target:
    """What a corpus file sends its requests through. Every request gets a name
    (file:n, or file:NAME when given) by which deviations.md refers to it.

    t.post(path, body, ...), t.get(path, params, ...), t.request(method, path, ...):
    a path not starting with "/" is under /api/2.0/mlflow/. body: a JSON value
    (sent as application/json), or raw= bytes with content_type=. Options:
      name=      a stable name for deviations.md
      unordered= a JSON path (dotted; "*" for any key) of lists compared as sets
      ignore=    JSON paths (fnmatch patterns over dotted paths) left out of the comparison
    """

    def __init__(self, server, area, records, ctx):
        self.server = server
        self.area = area
        self.records = records
        self.ctx = ctx  # per-side facts: backend, artifact root, ...
        self.n = 0
        self.conn = None

    @property
    def backend(self):
        return self.ctx["backend"]

    def _send(self, method, path, body, headers):
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=120)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
                hdrs = {k.lower(): v for k, v in resp.getheaders()}
                if hdrs.get("connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return resp.status, hdrs, data
            except (http.client.HTTPException, ConnectionError, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def request(self, method, path, body=None, params=None, raw=None, content_type=None, headers=None,
                name=None, unordered=None, ignore=None):
        self.n += 1
        if not path.startswith("/"):
            path = "/api/2.0/mlflow/" + path
        if params:
            path += ("&" if "?" in path else "?") + urllib.parse.urlencode(params, doseq=True)
        hdrs = dict(headers or {})
        data = None
        if raw is not None:
            data = raw if isinstance(raw, bytes) else raw.encode()
            if content_type:
                hdrs["Content-Type"] = content_type
        elif body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = content_type or "application/json"
        elif content_type:
            hdrs["Content-Type"] = content_type
        status, rh, rb = self._send(method, path, data, hdrs)
        if method not in ("GET", "HEAD", "OPTIONS"):
            # a write stamps times in milliseconds: let the clock move on, so that what one server makes
            # in the same millisecond (and orders by id) the other cannot make in two (and order by time)
            time.sleep(0.002)
        r = Response(status, rh, rb)
        self.records.append({
            "name": f"{self.area}:{name or self.n}", "method": method, "path": path,
            "body": (data or b"")[:300].decode("utf-8", "replace"),
            "status": status, "headers": rh, "raw": rb, "json": r.json,
            "unordered": [unordered] if isinstance(unordered, str) else list(unordered or []),
            "ignore": [ignore] if isinstance(ignore, str) else list(ignore or []),
        })
        return r

    def get(self, path, params=None, **kw):
        return self.request("GET", path, params=params, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body=body, **kw)

    def delete(self, path, body=None, params=None, **kw):
        return self.request("DELETE", path, body=body, params=params, **kw)

    def put(self, path, raw=b"", **kw):
        return self.request("PUT", path, raw=raw, **kw)


def load_corpus(only):
    files = sorted(glob.glob(os.path.join(HERE, "corpus", "*.py")))
    mods = []
    for f in files:
        area = os.path.basename(f)[:-3]
        if only and not any(o in area for o in only):
            continue
        spec = importlib.util.spec_from_file_location("mlfdiff_" + area, f)
        m = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(m)
        mods.append((area, m))
    return mods


def run_side(server, ctx, mods):
    records = []
    for area, m in mods:
        t = Target(server, area, records, ctx)
        m.run(t)
        if t.conn is not None:
            t.conn.close()
    return records


# ---- normalising ----

HEX32 = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")
# str(uuid.uuid4()), the webhooks' ids
UUID = re.compile(r"(?<![0-9a-f-])[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![0-9a-f-])")
# str() of a Python set of strings, as MLflow's messages print its key and comparator sets: the order
# follows string hashing, which is random per process, so both sides' are sorted
PYSET = re.compile(r"\{'[^'{}]*'(?:, '[^'{}]*')*\}")
TOKEN_KEYS = {"next_page_token", "page_token"}


class Normaliser:
    """Per side: ids become <id1>, <id2>... in order of first appearance within a corpus file (so the
    n-th id one side handed out lines up with the other's n-th), the side's own
    directories become <dir>, its address (host:port, as in a redirect's URL) <host>, and times within the
    run become <ts>."""

    def __init__(self, side_dirs, t0, t1, host=None):
        self.ids = {}
        self.dirs = sorted(side_dirs, key=len, reverse=True)
        self.t0, self.t1 = t0, t1
        self.host = host

    def text(self, s):
        for d in self.dirs:
            s = s.replace(d, "<dir>")
        if self.host:
            s = s.replace(self.host, "<host>")
        s = PYSET.sub(lambda m: "{" + ", ".join(sorted(m.group(0)[1:-1].split(", "))) + "}", s)
        return HEX32.sub(self._id, UUID.sub(self._id, s))

    def _id(self, m):
        v = m.group(0)
        if v not in self.ids:
            self.ids[v] = f"<id{len(self.ids) + 1}>"
        return self.ids[v]

    def _is_ts(self, v):
        return self.t0 <= v <= self.t1

    def value(self, v, key=None):
        if isinstance(v, dict):
            return {k: ("<token>" if k in TOKEN_KEYS and isinstance(x, str) and x else self.value(x, k))
                    for k, x in v.items()}
        if isinstance(v, list):
            return [self.value(x, key) for x in v]
        if isinstance(v, bool) or v is None:
            return v
        if isinstance(v, int):
            return "<ts>" if self._is_ts(v) else v
        if isinstance(v, float):
            return "<ts>" if self._is_ts(v) else v
        if isinstance(v, str):
            if v.isdigit() and len(v) >= 12 and self._is_ts(int(v)):
                return "<ts>"
            s = self.text(v)
            return re.sub(r"(?<!\d)1[6-9]\d{11}(?!\d)",
                          lambda m: "<ts>" if self._is_ts(int(m.group(0))) else m.group(0), s)
        return v


def dotted(path):
    return ".".join(str(p) for p in path)


def match_any(path, patterns):
    return any(fnmatch.fnmatchcase(path, p) for p in patterns)


def canon(v):
    return json.dumps(v, sort_keys=True, ensure_ascii=False)


def diff_json(a, b, path, out, unordered, ignore):
    """Appends (dotted path, a, b) for every difference of a (reference) and b (mlflow-c)."""
    p = dotted(path)
    if path and match_any(p, ignore):
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for k in list(a.keys()) + [k for k in b.keys() if k not in a]:
            kp = path + [k]
            if match_any(dotted(kp), ignore):
                continue
            if k not in a:
                out.append((dotted(kp), "<absent>", b[k]))
            elif k not in b:
                out.append((dotted(kp), a[k], "<absent>"))
            else:
                diff_json(a[k], b[k], kp, out, unordered, ignore)
        return
    if isinstance(a, list) and isinstance(b, list):
        if path and match_any(p, unordered):
            a = sorted(a, key=canon)
            b = sorted(b, key=canon)
        if len(a) != len(b):
            out.append((p + ".length", len(a), len(b)))
        for i, (x, y) in enumerate(zip(a, b)):
            diff_json(x, y, path + [i], out, unordered, ignore)
        return
    if a != b and not (isinstance(a, float) and isinstance(b, float) and a != a and b != b):  # NaN == NaN here
        out.append((p, a, b))


def compare(ref, mine, nref, nmine):
    """The differences of one request's two answers, as (field, reference, mlflow-c)."""
    out = []
    if ref["status"] != mine["status"]:
        out.append(("status", ref["status"], mine["status"]))
    ct_a = ref["headers"].get("content-type", "").split(";")[0].strip()
    ct_b = mine["headers"].get("content-type", "").split(";")[0].strip()
    if ct_a != ct_b:
        out.append(("content-type", ct_a, ct_b))
    if ref["json"] is not None and mine["json"] is not None:
        diff_json(nref.value(ref["json"]), nmine.value(mine["json"]), [], out,
                  ref["unordered"], ref["ignore"])
    elif "body" not in ref["ignore"]:
        a = nref.text(ref["raw"].decode("utf-8", "replace"))
        b = nmine.text(mine["raw"].decode("utf-8", "replace"))
        if a != b:
            out.append(("body", a[:400], b[:400]))
    return out


# ---- deviations.md ----

def load_deviations(backend):
    """The table of deliberate differences: rows `| request | field | backend | reason |`, where
    request and field are fnmatch patterns and backend is sqlite, postgresql or both."""
    rows = []
    path = os.path.join(HERE, "deviations.md")
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.startswith("| `"):
                continue
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) < 4:
                raise SystemExit(f"{path}:{lineno}: want | `request` | `field` | backend | reason |")
            req, field, be = cells[0].strip("`"), cells[1].strip("`"), cells[2]
            if be not in ("both", "sqlite", "postgresql"):
                raise SystemExit(f"{path}:{lineno}: backend is both, sqlite or postgresql, not {be!r}")
            if be in ("both", backend):
                rows.append({"req": req, "field": field, "where": f"{path}:{lineno}", "used": False})
    return rows


def fmt(v):
    s = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
    return s if len(s) <= 300 else s[:300] + "..."


# ---- main ----

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", default=os.environ.get("MLFLOW_C_TEST_BACKEND", "sqlite"),
                    choices=("sqlite", "postgresql"))
    ap.add_argument("--only", action="append", default=[], help="corpus files whose name contains this")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every request")
    ap.add_argument("--keep", action="store_true", help="keep the servers' directories")
    args = ap.parse_args()

    ref_python = os.environ.get("MLFLOW_C_REF_PYTHON", "")
    if not ref_python or not os.path.exists(ref_python):
        print("skipped: no reference MLflow ($MLFLOW_C_REF_PYTHON; tools/ref-env.sh makes it)")
        return 1 if os.environ.get("MLFLOW_C_REQUIRE_REF") else SKIP
    pg_uri = os.environ.get("MLFLOW_C_TEST_PG_URI", "")
    if args.backend == "postgresql" and not pg_uri:
        print("skipped: postgresql without $MLFLOW_C_TEST_PG_URI")
        return SKIP
    mods = load_corpus(args.only)
    if not mods:
        print("no corpus files match", args.only)
        return 1

    top = tempfile.mkdtemp(prefix="mlflow-c-diff-")
    rc = 1
    failed_server = False
    dbs = []
    servers = []
    t0 = int(time.time() * 1000) - 60_000
    try:
        sides = {}
        for side in ("mlflow", "mlflow-c"):
            d = os.path.join(top, side)
            os.makedirs(d)
            if args.backend == "sqlite":
                uri = "sqlite:///" + os.path.join(d, "mlflow.db")
            else:
                name = f"mlfc_diff_{os.getpid()}_{side.replace('-', '_')}"
                pg_admin(pg_uri, f'DROP DATABASE IF EXISTS "{name}"')
                pg_admin(pg_uri, f'CREATE DATABASE "{name}"')
                dbs.append(name)
                uri = pg_uri_with_db(pg_uri, name)
                if side == "mlflow" and uri.startswith("postgresql://"):
                    # SQLAlchemy 2.1 reads a bare postgresql:// as psycopg 3; the reference has psycopg2
                    uri = "postgresql+psycopg2://" + uri[len("postgresql://"):]
            art = os.path.join(d, "mlartifacts")
            if side == "mlflow":
                env = {k: v for k, v in os.environ.items()
                       if not k.startswith(("MLFLOW_", "LD_PRELOAD", "ASAN", "LSAN", "UBSAN", "TSAN"))}
                # SQLAlchemy 2.1 takes a bare postgresql:// to mean psycopg 3; the reference environment has
                # psycopg2 (whose error texts mlflow-c reproduces)
                if uri.startswith("postgresql://"):
                    uri = "postgresql+psycopg2://" + uri[len("postgresql://"):]
                argv = [ref_python, "-m", "mlflow", "server", "--backend-store-uri", uri,
                        "--artifacts-destination", art, "--workers", "1"]
            else:
                env = None
                argv = [BIN, "server", "--backend-store-uri", uri, "--artifacts-destination", art,
                        "--workers", "2", "--no-access-log"]
            sides[side] = (argv, d, uri, env)
        # start both before replaying anything: MLflow takes seconds to come up
        for side, (argv, d, uri, env) in sides.items():
            servers.append(Server(side, argv, d, uri, env))
        results = {}
        for s in servers:
            ctx = {"backend": args.backend, "side": s.side, "dir": s.dir}
            results[s.side] = run_side(s, ctx, mods)
        t1 = int(time.time() * 1000) + 60_000
        ref, mine = results["mlflow"], results["mlflow-c"]
        if [r["name"] for r in ref] != [r["name"] for r in mine]:
            print("the corpus sent different requests to the two servers (it branched on an answer)")
            return 1
        nref = Normaliser([servers[0].dir, os.path.realpath(servers[0].dir)], t0, t1,
                          f"127.0.0.1:{servers[0].port}")
        nmine = Normaliser([servers[1].dir, os.path.realpath(servers[1].dir)], t0, t1,
                           f"127.0.0.1:{servers[1].port}")
        devs = load_deviations(args.backend)
        unexplained = 0
        explained = 0
        area = None
        for a, b in zip(ref, mine):
            if a["name"].split(":")[0] != area:
                # ids are numbered per corpus file: an id only one side shows (in a listed deviation's
                # message, say) shifts the numbering of that file only
                area = a["name"].split(":")[0]
                nref.ids.clear()
                nmine.ids.clear()
            diffs = compare(a, b, nref, nmine)
            if args.verbose:
                print(f"{a['name']}: {a['method']} {a['path']} -> {a['status']}/{b['status']}")
            for field, x, y in diffs:
                hit = next((d for d in devs if fnmatch.fnmatchcase(a["name"], d["req"])
                            and fnmatch.fnmatchcase(field, d["field"])), None)
                if hit:
                    hit["used"] = True
                    explained += 1
                    continue
                unexplained += 1
                print(f"DIFF {a['name']}: {a['method']} {a['path']} {a['body'][:200]}\n"
                      f"     {field}: mlflow {fmt(x)}\n"
                      f"     {' ' * len(field)}  mlflow-c {fmt(y)}")
        stale = [d for d in devs if not d["used"]]
        for d in stale:
            print(f"{d['where']}: listed deviation did not happen: {d['req']} {d['field']}")
        areas = sorted({r["name"].split(":")[0] for r in ref})
        print(f"diff ({args.backend}): {len(ref)} requests in {len(areas)} corpus files; "
              f"{unexplained} unexplained differences, {explained} listed in deviations.md, "
              f"{len(stale)} stale deviations")
        rc = 0 if unexplained == 0 and not stale else 1
    except RuntimeError as e:
        print(e)
        rc = 1
    finally:
        for s in servers:
            s.stop()
        for s in servers:
            if s.side != "mlflow-c":
                continue
            log = s.logs()
            report = next((m for m in SANITIZER_REPORTS if m in log), None)
            if report or s.proc.returncode not in (0, -signal.SIGTERM, None):
                print(f"mlflow-c exited with {s.proc.returncode}{' after ' + report if report else ''}:\n"
                      f"{log[-6000:]}")
                failed_server = True
        for name in dbs:
            try:
                pg_admin(pg_uri, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except subprocess.CalledProcessError:
                pass
        if args.keep:
            print("kept", top)
        else:
            shutil.rmtree(top, ignore_errors=True)
    return 1 if failed_server else rc


if __name__ == "__main__":
    sys.exit(main())
