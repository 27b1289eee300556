#!/usr/bin/python3
"""Checks `mlflow-c db upgrade` on PostgreSQL against MLflow's own alembic, revision by revision.

For each start state, on the cluster behind a maintenance URI: "None" (MLflow's initial tables, before
the root revision), every revision of the chain but the head, and the shared fixtures made by MLflow
2.10 and 3.5 (`fixture-2.10`, `fixture-3.5`: SQLite files, whose rows are copied into PostgreSQL):

1. the reference MLflow 3.18 (.ref/mlflow3, or $MLFLOW_C_REF_PYTHON) makes a database at that
   revision (its initial tables, then its alembic up to it; only the tables for "None"), and the
   sample rows of verify_upgrade.py are written through the columns that revision has (for a
   fixture: the database at the fixture's revision gets the fixture's rows);
2. a copy (CREATE DATABASE ... TEMPLATE) is upgraded by `mlflow-c db upgrade`, the original by
   MLflow's alembic;
3. `pg_dump -s` of both must be equal, and so must the rows of every table (jobs' last_update_time
   aside, which revision dc11669786a5 sets to the time of the upgrade); MLflow 3.18's MlflowClient
   must read the same entities from both (verify_upgrade.py's reader; --no-read skips it); MLflow's
   own upgrade must then find nothing to do on ours.

    tools/migrate/verify_pg_upgrade.py --pg-uri postgresql://postgres@127.0.0.1:PORT/postgres \\
        [--pg-dump /usr/lib/postgresql/15/bin/pg_dump] [--bin build/mlflow-c] [REVISION ...]
"""

import argparse
import json
import os
import re
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import verify_upgrade as vu  # noqa: E402

ROOT = vu.ROOT

MAKE = r"""
import sys, sqlalchemy
from alembic import command
from mlflow.store.db.utils import _get_alembic_config
from mlflow.store.tracking.dbmodels.initial_models import Base as InitialBase
url, rev = sys.argv[1].replace("postgresql://", "postgresql+psycopg2://", 1), sys.argv[2]
engine = sqlalchemy.create_engine(url)
cfg = _get_alembic_config(url)
if rev.startswith("make-"):
    with engine.begin() as conn:
        InitialBase.metadata.create_all(conn)
    rev = rev[5:]
if rev == "None":
    print("ok")
    sys.exit(0)
with engine.begin() as conn:
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, rev)
print("ok")
"""


# verify_upgrade.py's MlflowClient reader, on a PostgreSQL URI
READ = vu.READ.replace('tracking_uri="sqlite:///" + sys.argv[1]',
                       'tracking_uri=sys.argv[1].replace("postgresql://", "postgresql+psycopg2://", 1)')
assert READ != vu.READ


def with_db(uri, name):
    u = urllib.parse.urlsplit(uri)
    return urllib.parse.urlunsplit(("postgresql", u.netloc, "/" + name, u.query, u.fragment))


class PgShim:
    """Just enough of sqlite3's connection for verify_upgrade.populate, on psycopg2."""

    def __init__(self, conn):
        self.conn = conn

    def execute(self, sql, params=()):
        cur = self.conn.cursor()
        if sql.startswith("SELECT name FROM sqlite_master"):
            cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        elif sql.startswith("PRAGMA table_info"):
            t = re.search(r'"(\w+)"', sql).group(1)
            cur.execute("SELECT ordinal_position, column_name FROM information_schema.columns WHERE table_name = %s "
                        "ORDER BY ordinal_position", (t,))
        else:
            cur.execute(sql.replace("?", "%s"), list(params))
        return cur

    def commit(self):
        self.conn.commit()

    def close(self):
        self.conn.close()


def load_fixture(conn, path):
    """The rows of a SQLite fixture into the PostgreSQL database MLflow made at the fixture's revision (booleans
    from SQLite's 0/1; foreign keys are not checked while copying, the fixture being consistent)."""
    import sqlite3
    src = sqlite3.connect(path)
    with conn.cursor() as cur:
        cur.execute("SET session_replication_role = replica")
        for (t,) in src.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'alembic_version'"):
            cur.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' "
                        "AND table_name = %s", (t,))
            types = dict(cur.fetchall())
            cols = [r[1] for r in src.execute(f'PRAGMA table_info("{t}")')]
            for row in src.execute(f'SELECT {", ".join(chr(34) + c + chr(34) for c in cols)} FROM "{t}"'):
                vals = [bool(v) if v is not None and types[c] == "boolean" else v for c, v in zip(cols, row)]
                cur.execute(f'INSERT INTO "{t}" ({", ".join(chr(34) + c + chr(34) for c in cols)}) VALUES '
                            f'({", ".join(["%s"] * len(cols))})', vals)
        cur.execute("SET session_replication_role = DEFAULT")
        cur.execute("SELECT setval(pg_get_serial_sequence('experiments', 'experiment_id'), max(experiment_id)) "
                    "FROM experiments")
    conn.commit()
    src.close()


def rows_of(psycopg2, uri):
    conn = psycopg2.connect(uri)
    out = {}
    with conn.cursor() as cur:
        cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1")
        for (t,) in cur.fetchall():
            cur.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY "
                        "ordinal_position", (t,))
            cols = [c for (c,) in cur.fetchall() if not (t == "jobs" and c == "last_update_time")]
            cur.execute(f'SELECT {", ".join(chr(34) + c + chr(34) for c in cols)} FROM "{t}"')
            out[t] = sorted(repr(r) for r in cur.fetchall())
    conn.close()
    return out


def pg_dump(bin_, uri):
    out = subprocess.run([bin_, "-s", "--no-owner", "--no-privileges", "-d", uri], capture_output=True, text=True,
                         check=True).stdout
    return [l for l in out.splitlines() if l.strip() and not l.startswith("--") and not l.startswith("\\")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pg-uri", default=os.environ.get("MLF_PG_URI") or os.environ.get("MLFLOW_C_TEST_PG_URI"))
    ap.add_argument("--pg-dump", default="pg_dump")
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "mlflow-c"))
    ap.add_argument("--no-read", action="store_true", help="skip the MlflowClient comparison")
    ap.add_argument("revisions", nargs="*")
    a = ap.parse_args()
    if not os.path.exists(vu.PY) or not a.pg_uri:
        print("SKIP: needs the reference environment and --pg-uri")
        # 77: meson's "skipped"; CI (MLFLOW_C_REQUIRE_REF) requires the reference
        return 1 if os.environ.get("MLFLOW_C_REQUIRE_REF") and not os.path.exists(vu.PY) else 77
    import psycopg2
    chain = vu.chain()
    fixtures = {f: p for f, p in vu.FIXTURES.items() if os.path.exists(p)}
    revs = ["None"] + chain[:-1] + list(fixtures)
    if a.revisions:
        unknown = [r for r in a.revisions if r not in revs and r not in vu.FIXTURES]
        if unknown:  # a typo must not verify nothing and pass
            print(f"unknown start revision(s): {' '.join(unknown)}")
            return 2
        revs = [r for r in revs if r in a.revisions]
    admin = psycopg2.connect(a.pg_uri)
    admin.autocommit = True
    failures = 0
    for rev in revs:
        tag = rev.replace("-", "_").replace(".", "_")
        names = {"mlflow": f"mlfc_vpu_{tag}_m", "ours": f"mlfc_vpu_{tag}_o"}
        uris = {k: with_db(a.pg_uri, v) for k, v in names.items()}
        with admin.cursor() as cur:
            for n in names.values():
                cur.execute(f'DROP DATABASE IF EXISTS "{n}"')
            cur.execute(f'CREATE DATABASE "{names["mlflow"]}"')
        problems = []
        try:
            if rev in fixtures:
                import sqlite3
                with sqlite3.connect(fixtures[rev]) as src:
                    at = src.execute("SELECT version_num FROM alembic_version").fetchone()[0]
                vu.ref(MAKE, uris["mlflow"], "make-" + at)
                conn = psycopg2.connect(uris["mlflow"])
                load_fixture(conn, fixtures[rev])
                conn.close()
            else:
                vu.ref(MAKE, uris["mlflow"], "make-" + rev)
                conn = psycopg2.connect(uris["mlflow"])
                vu.populate_with(PgShim(conn))
            with admin.cursor() as cur:
                cur.execute(f'CREATE DATABASE "{names["ours"]}" TEMPLATE "{names["mlflow"]}"')
            p = subprocess.run([a.bin, "db", "upgrade", uris["ours"]], capture_output=True, text=True)
            if p.returncode != 0:
                problems.append(f"mlflow-c db upgrade exited {p.returncode}: {p.stderr.strip()[-800:]}")
            vu.ref(MAKE, uris["mlflow"], "head")
            if not problems:
                d_ours, d_theirs = pg_dump(a.pg_dump, uris["ours"]), pg_dump(a.pg_dump, uris["mlflow"])
                if d_ours != d_theirs:
                    import difflib
                    problems.append("pg_dump -s differs:\n" + "\n".join(list(difflib.unified_diff(
                        d_theirs, d_ours, "mlflow", "ours", lineterm=""))[:40]))
                ours, theirs = rows_of(psycopg2, uris["ours"]), rows_of(psycopg2, uris["mlflow"])
                for t in sorted(set(ours) | set(theirs)):
                    if ours.get(t) != theirs.get(t):
                        problems.append(f"rows of {t} differ: ours {ours.get(t)} mlflow {theirs.get(t)}")
                if not a.no_read:
                    read_ours = vu.ref(READ, uris["ours"], check=False)
                    read_theirs = vu.ref(READ, uris["mlflow"])
                    if read_ours.returncode != 0:
                        problems.append("MLflow 3.18 cannot read our upgrade: " + read_ours.stderr.strip()[-800:])
                    elif json.loads(read_ours.stdout) != json.loads(read_theirs.stdout):
                        problems.append("MlflowClient reads different entities from our upgrade than from MLflow's")
                up = vu.ref(MAKE, uris["ours"], "head", check=False)
                if up.returncode != 0 or "Running upgrade" in up.stderr:
                    problems.append("MLflow's upgrade did something to ours: " + up.stderr.strip()[-500:])
            n_rows = sum(len(r) for r in rows_of(psycopg2, uris["mlflow"]).values())
        finally:
            with admin.cursor() as cur:
                for n in names.values():
                    cur.execute(f'DROP DATABASE IF EXISTS "{n}"')
        print(f"{rev:14} {'OK  ' if not problems else 'FAIL'} ({n_rows} rows)")
        for pr in problems:
            print("    " + pr[:3000])
        failures += bool(problems)
    print(f"{len(revs) - failures} of {len(revs)} revisions upgrade like MLflow's alembic on PostgreSQL")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
