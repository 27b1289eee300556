#!/usr/bin/python3
"""Writes a large MLflow database at the 2.10 revision (acf3f17fdcc7) for timing `mlflow-c db upgrade`.

The schema is copied from ../shared/fixtures/mlflow-2.10-fixture.db (what MLflow 2.10 made); the rows
are generated in SQL: RUNS runs over 10 experiments, each with METRICS/RUNS metric rows (5 keys over
steps), their latest_metrics, 10 params and 5 tags, plus a registered model with versions.

With --initial it writes MLflow's initial tables instead (the state before the root revision, no
alembic_version): the worst case, where the upgrade rebuilds metrics three times and computes
latest_metrics.

    tools/migrate/make_big_db.py OUT.db [--runs 20000] [--metrics 10000000] [--initial]
"""

import argparse
import os
import sqlite3
import sys
import time

FIXTURES = os.environ.get("MLF_FIXTURES_DIR", "/work/shared/fixtures")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--runs", type=int, default=20000)
    ap.add_argument("--metrics", type=int, default=10_000_000)
    ap.add_argument("--fixture", default=os.path.join(FIXTURES, "mlflow-2.10-fixture.db"))
    ap.add_argument("--initial", action="store_true", help="MLflow's initial tables, before the root revision")
    a = ap.parse_args()
    if os.path.exists(a.out):
        sys.exit(f"{a.out} exists")
    keys = 5
    steps = a.metrics // (a.runs * keys)
    t = time.time()
    src = sqlite3.connect(a.fixture)
    db = sqlite3.connect(a.out)
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -262144")
    # tables first, indexes after the rows (as fast as MLflow's would have been written over time)
    objs = src.execute("SELECT type, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type = 'index', rowid")
    indexes = []
    if a.initial:
        sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "server"))
        from test_db_upgrade import INITIAL
        for sql in INITIAL:
            db.execute(sql)
    else:
        for typ, sql in objs:
            (indexes.append if typ == "index" else db.execute)(sql)
        db.execute("INSERT INTO alembic_version VALUES ('acf3f17fdcc7')")
    db.execute("""WITH RECURSIVE e(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM e WHERE i < 9)
                  INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage)
                  SELECT i, CASE i WHEN 0 THEN 'Default' ELSE 'exp-' || i END,
                  'mlflow-artifacts:/' || i, 'active' FROM e""")
    db.execute(f"""WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r WHERE i < {a.runs - 1})
                  INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status,
                  start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id)
                  SELECT printf('%032x', i * 2654435761 % 4294967296 * 65536 + i), 'run-' || i, 'LOCAL', 'train.py',
                  '', 'user' || (i % 7), CASE i % 10 WHEN 0 THEN 'FAILED' ELSE 'FINISHED' END, 1700000000000 + i * 1000,
                  1700000000000 + i * 1000 + 500, '', 'active', 'mlflow-artifacts:/' || (i % 10) || '/' || i,
                  i % 10 FROM r""")
    db.execute("""INSERT INTO params SELECT 'p' || k.i, 'value-' || k.i || '-' || substr(run_uuid, 1, 8), run_uuid
                  FROM runs, (WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 9)
                  SELECT i FROM k) k""")
    db.execute("""INSERT INTO tags SELECT t.k, t.v || substr(run_uuid, 1, 6), run_uuid FROM runs,
                  (SELECT 'mlflow.runName' AS k, 'run-' AS v UNION ALL SELECT 'mlflow.user', 'user-'
                   UNION ALL SELECT 'mlflow.source.name', 'train.py#' UNION ALL SELECT 'mlflow.source.type', 'LOCAL-'
                   UNION ALL SELECT 'team', 'team-') t""")
    print(f"runs, params, tags: {time.time() - t:.1f}s", flush=True)
    # metric rows in primary-key order: the 6-column key index is then written sequentially
    step_cols = "" if a.initial else ", step, is_nan"
    step_vals = "" if a.initial else ", s.i, 0"
    db.execute(f"""INSERT INTO metrics (key, value, timestamp, run_uuid{step_cols})
                   SELECT 'metric_' || k.i, (s.i * 7919 % 1000) / 1000.0 + k.i, 1700000000000 + s.i * 10,
                   run_uuid{step_vals} FROM runs,
                   (WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < {keys - 1})
                    SELECT i FROM k) k,
                   (WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < {steps - 1})
                    SELECT i FROM s) s ORDER BY k.i, s.i, run_uuid""")
    if not a.initial:
        db.execute("""INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid)
                      SELECT key, value, timestamp, step, is_nan, run_uuid FROM metrics
                      WHERE step = (SELECT max(step) FROM metrics)""")
        db.execute("INSERT INTO registered_models VALUES ('big-model', 1700000000000, 1700000000001, 'many versions')")
        db.execute("""INSERT INTO model_versions SELECT 'big-model', rowid, 1700000000000 + rowid, NULL, NULL, NULL,
                      'None', artifact_uri || '/model', run_uuid, 'READY', NULL, NULL, NULL FROM runs
                      WHERE rowid <= 100""")
    print(f"metrics: {time.time() - t:.1f}s", flush=True)
    for sql in indexes:
        db.execute(sql)
    db.commit()
    db.execute("PRAGMA journal_mode = DELETE")
    db.close()
    size = os.path.getsize(a.out)
    print(f"{a.out}: {size / 1e9:.2f} GB, {a.runs} runs, {a.runs * keys * steps} metric rows, "
          f"{time.time() - t:.1f}s")


if __name__ == "__main__":
    main()
