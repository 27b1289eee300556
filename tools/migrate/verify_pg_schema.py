#!/usr/bin/python3
"""Checks src/store/postgres/schema_ddl.c against the schema MLflow makes on PostgreSQL.

On the cluster behind a maintenance URI (a database we may CREATE DATABASE
from, e.g. postgresql://postgres@127.0.0.1:55432/postgres) it creates two
fresh databases:

- "ref": the reference MLflow 3.18 (.ref/mlflow3, or $MLFLOW_C_REF_PYTHON) initializes it as `mlflow
  server` does on an empty database: its initial tables, then alembic
  `upgrade heads` (`mlflow db upgrade` alone refuses an empty database);
- "ours": every statement of mlf_pg_schema_ddl, in order, each on its own
  (the array is printed by a tiny C program compiled against the .c file).

Then `pg_dump -s --no-owner --no-privileges` of both, normalized (comments,
blank lines and pg_dump's random \\restrict key dropped), must be equal, as
must the sequences' settings and state (pg_sequences), and MLflow's
alembic_version must hold the revision we implement. On a difference it
prints a unified diff and exits 1; 0 when they agree.

Reference environment only: without .ref/mlflow3 (tools/ref-env.sh), or without a URI
(--pg-uri or MLF_PG_URI), it prints "skipped: ..." and exits 0. Needs
psycopg2 (`apt-get install python3-psycopg2`), pg_dump and a C compiler.

    tools/migrate/verify_pg_schema.py --pg-uri postgresql://postgres@127.0.0.1:55432/postgres [--keep]
"""

import argparse
import difflib
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
REF_PY = os.environ.get("MLFLOW_C_REF_PYTHON", os.path.join(ROOT, ".ref", "mlflow3", "bin", "python"))
DDL_C = os.path.join(ROOT, "src", "store", "postgres", "schema_ddl.c")
HEAD = "f4a9b2c7d1e6"

PRINT_DDL_C = r"""
#include <stddef.h>
#include <stdio.h>
extern const char *const mlf_pg_schema_ddl[];
extern const size_t mlf_pg_schema_ddl_count;
int main(void)
{
    for (size_t i = 0; i < mlf_pg_schema_ddl_count; i++) {
        fputs(mlf_pg_schema_ddl[i], stdout);
        putchar('\0');
    }
    return 0;
}
"""

# Runs inside the reference environment: what `mlflow server` does to an empty database.
MAKE_REF = r"""
import sys
from mlflow.store.db.utils import _initialize_tables, create_sqlalchemy_engine_with_retry
# SQLAlchemy 2.1's postgresql:// means psycopg 3; the reference environment has psycopg2
engine = create_sqlalchemy_engine_with_retry(sys.argv[1].replace("postgresql://", "postgresql+psycopg2://", 1))
_initialize_tables(engine)
engine.dispose()
"""

SEQUENCES = """
SELECT sequencename, data_type::text, start_value, min_value, max_value, increment_by, cycle, cache_size,
       last_value
FROM pg_sequences WHERE schemaname = 'public' ORDER BY sequencename
"""


def ref_env():
    env = dict(os.environ)
    env.pop("MLFLOW_TRACKING_URI", None)
    return env


def with_db(uri, dbname):
    """The maintenance URI pointed at another database (and without a +driver suffix)."""
    u = urllib.parse.urlsplit(uri)
    scheme = u.scheme.split("+", 1)[0]
    if scheme == "postgres":
        scheme = "postgresql"
    return urllib.parse.urlunsplit((scheme, u.netloc, "/" + dbname, u.query, u.fragment))


def ddl_statements(cc):
    with tempfile.TemporaryDirectory(prefix="verify-pg-ddl-") as tmp:
        main_c = os.path.join(tmp, "print_ddl.c")
        exe = os.path.join(tmp, "print_ddl")
        with open(main_c, "w") as f:
            f.write(PRINT_DDL_C)
        subprocess.run([cc, "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-o", exe, main_c, DDL_C], check=True)
        out = subprocess.run([exe], check=True, capture_output=True).stdout.decode()
    stmts = out.split("\0")
    assert stmts[-1] == ""
    return stmts[:-1]


def normalize_dump(text):
    lines = []
    for line in text.splitlines():
        if line.startswith("--") or line.startswith("\\restrict") or line.startswith("\\unrestrict"):
            continue
        if not line.strip():
            continue
        lines.append(line.rstrip())
    return lines


def pg_dump(pg_dump_bin, uri):
    r = subprocess.run([pg_dump_bin, "-s", "--no-owner", "--no-privileges", "-d", uri],
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"pg_dump {uri} failed:\n{r.stderr}")
    return normalize_dump(r.stdout)


def query(psycopg2, uri, sql):
    conn = psycopg2.connect(uri)
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return [tuple(r) for r in cur.fetchall()]
    finally:
        conn.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pg-uri", default=os.environ.get("MLF_PG_URI"),
                    help="maintenance URI of a PostgreSQL cluster (default: $MLF_PG_URI)")
    ap.add_argument("--pg-dump", default=os.environ.get("PG_DUMP", "pg_dump"))
    ap.add_argument("--cc", default=os.environ.get("CC", "cc"))
    ap.add_argument("--keep", action="store_true", help="keep the two databases")
    args = ap.parse_args()

    if not os.path.exists(REF_PY):
        print(f"skipped: no reference MLflow at {REF_PY} (tools/ref-env.sh)")
        return 0
    if not args.pg_uri:
        print("skipped: no PostgreSQL URI (--pg-uri or MLF_PG_URI)")
        return 0
    try:
        import psycopg2
    except ImportError:
        sys.exit("psycopg2 is missing: apt-get install -y python3-psycopg2")

    stmts = ddl_statements(args.cc)
    maint = with_db(args.pg_uri, urllib.parse.urlsplit(args.pg_uri).path.lstrip("/") or "postgres")
    tag = f"{os.getpid()}"
    dbs = {"ref": f"mlfc_verify_ref_{tag}", "ours": f"mlfc_verify_ours_{tag}"}
    uris = {k: with_db(args.pg_uri, v) for k, v in dbs.items()}

    admin = psycopg2.connect(maint)
    admin.autocommit = True
    with admin.cursor() as cur:
        for name in dbs.values():
            cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cur.execute(f'CREATE DATABASE "{name}"')
    try:
        r = subprocess.run([REF_PY, "-c", MAKE_REF, uris["ref"]], env=ref_env(), capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"the reference MLflow failed to initialize {uris['ref']}:\n{r.stderr[-4000:]}")

        conn = psycopg2.connect(uris["ours"])
        conn.autocommit = True
        with conn.cursor() as cur:
            for i, stmt in enumerate(stmts):
                try:
                    cur.execute(stmt)
                except psycopg2.Error as e:
                    sys.exit(f"statement {i} failed: {e}\n{stmt}")
        conn.close()

        ok = True
        revision = query(psycopg2, uris["ref"], "SELECT version_num FROM alembic_version")
        if revision != [(HEAD,)]:
            print(f"MLflow's alembic head is {revision}, schema_ddl.c describes {HEAD}")
            ok = False

        dumps = {k: pg_dump(args.pg_dump, u) for k, u in uris.items()}
        if dumps["ref"] != dumps["ours"]:
            ok = False
            sys.stdout.writelines(l + "\n" for l in difflib.unified_diff(
                dumps["ref"], dumps["ours"], "mlflow (pg_dump -s)", "schema_ddl.c (pg_dump -s)", lineterm=""))

        seqs = {k: query(psycopg2, u, SEQUENCES) for k, u in uris.items()}
        if seqs["ref"] != seqs["ours"]:
            ok = False
            print(f"sequences differ:\n  mlflow: {seqs['ref']}\n  ours:   {seqs['ours']}")

        tables = len([l for l in dumps["ours"] if l.startswith("CREATE TABLE ")])
        indexes = len([l for l in dumps["ours"] if re.match(r"CREATE (UNIQUE )?INDEX ", l)])
        constraints = len([l for l in dumps["ours"] if "ADD CONSTRAINT" in l])
        if ok:
            print(f"ok: {len(stmts)} statements give MLflow's schema at {HEAD} on PostgreSQL "
                  f"({tables} tables, {constraints} constraints, {indexes} indexes, "
                  f"{len(dumps['ours'])} normalized pg_dump lines equal; sequences {seqs['ours']})")
        return 0 if ok else 1
    finally:
        if args.keep:
            print(f"kept: {uris['ref']} {uris['ours']}")
        else:
            with admin.cursor() as cur:
                for name in dbs.values():
                    cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


if __name__ == "__main__":
    sys.exit(main())
