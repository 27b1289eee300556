/*
 * raw_sqlite_probe: the raw-SQLite limit for the log-batch scenario of tools/bench/tracking.py.
 *
 * Each "request" is one transaction that inserts 10 metric rows (keys m0..m9, a new step each time)
 * into `metrics` and upserts them into `latest_metrics` (kept only when newer by step, timestamp,
 * value, as MLflow does), rotating over 8 runs: the rows a log-batch request with 10 metrics writes,
 * with no HTTP, JSON or validation around it. Prepared statements, one connection, one thread.
 * Prints rows/s and "requests"/s.
 *
 * usage: raw_sqlite_probe [--seconds N] [--journal wal|delete] [--sync off|normal|full] [--group N]
 *                          [--autocheckpoint PAGES] [--schema 3.18|3.6] [--cache-kib N] [DB]
 *
 *   --group N         commit every N "requests" (default 1); the server commits the writes in flight
 *                     together, at most one per connection: --group 8 is the ceiling at c=8
 *   --autocheckpoint  wal_autocheckpoint (default SQLite's 1000; mlflow-c runs 8192)
 *   --schema  3.18 (default): metrics has MLflow 3.18's index_metrics_run_uuid_key_step (run_uuid, key,
 *             step), one more b-tree every row goes into; 3.6: without it (dropped from DB if there):
 *             the two give the index's cost on this disk
 *   --cache-kib  the connection's page cache (PRAGMA cache_size = -N; SQLite's default 2000)
 *   DB      a SQLite file with MLflow's schema (e.g. a copy of a database made by `mlflow server`
 *           or `mlflow-c server`), or a new/empty file: the probe then creates the four tables it
 *           needs (experiments, runs, metrics, latest_metrics, as in MLflow's schema). Without DB,
 *           a temporary file is used and removed. The 8 runs are added to the database (in a new
 *           experiment).
 *   Defaults: 5 seconds, journal WAL, synchronous NORMAL, foreign_keys ON (mlflow-c's settings);
 *   `--journal delete --sync full` is SQLite's default, which Python MLflow runs with.
 *
 * build:  gcc -O2 -Wall -o build/raw_sqlite_probe tools/bench/raw_sqlite_probe.c -lsqlite3
 */
#define _POSIX_C_SOURCE 200809L
#include <sqlite3.h>
#include <sys/resource.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define METRICS_PER_REQUEST 10
#define RUNS 8

static const char *const schema =
    "CREATE TABLE IF NOT EXISTS experiments (\n"
    "  experiment_id INTEGER NOT NULL, name VARCHAR(256) NOT NULL, artifact_location VARCHAR(256),\n"
    "  lifecycle_stage VARCHAR(32), creation_time BIGINT, last_update_time BIGINT,\n"
    "  CONSTRAINT experiment_pk PRIMARY KEY (experiment_id),\n"
    "  CONSTRAINT experiments_lifecycle_stage CHECK (lifecycle_stage IN ('active', 'deleted')),\n"
    "  UNIQUE (name));\n"
    "CREATE TABLE IF NOT EXISTS \"runs\" (\n"
    "  run_uuid VARCHAR(32) NOT NULL, name VARCHAR(250), source_type VARCHAR(20), source_name VARCHAR(500),\n"
    "  entry_point_name VARCHAR(50), user_id VARCHAR(256), status VARCHAR(9), start_time BIGINT,\n"
    "  end_time BIGINT, source_version VARCHAR(50), lifecycle_stage VARCHAR(20), artifact_uri VARCHAR(200),\n"
    "  experiment_id INTEGER, deleted_time BIGINT,\n"
    "  CONSTRAINT run_pk PRIMARY KEY (run_uuid),\n"
    "  CONSTRAINT source_type CHECK (source_type IN ('NOTEBOOK', 'JOB', 'LOCAL', 'UNKNOWN', 'PROJECT')),\n"
    "  CONSTRAINT runs_lifecycle_stage CHECK (lifecycle_stage IN ('active', 'deleted')),\n"
    "  CHECK (status IN ('SCHEDULED', 'FAILED', 'FINISHED', 'RUNNING', 'KILLED')),\n"
    "  FOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id));\n"
    "CREATE TABLE IF NOT EXISTS \"latest_metrics\" (\n"
    "  \"key\" VARCHAR(250) NOT NULL, value FLOAT NOT NULL, timestamp BIGINT, step BIGINT NOT NULL,\n"
    "  is_nan BOOLEAN NOT NULL, run_uuid VARCHAR(32) NOT NULL,\n"
    "  CONSTRAINT latest_metric_pk PRIMARY KEY (\"key\", run_uuid), CHECK (is_nan IN (0, 1)),\n"
    "  FOREIGN KEY(run_uuid) REFERENCES runs (run_uuid));\n"
    "CREATE TABLE IF NOT EXISTS \"metrics\" (\n"
    "  \"key\" VARCHAR(250) NOT NULL, value FLOAT NOT NULL, timestamp BIGINT NOT NULL,\n"
    "  run_uuid VARCHAR(32) NOT NULL, step BIGINT DEFAULT '0' NOT NULL, is_nan BOOLEAN DEFAULT '0' NOT NULL,\n"
    "  CONSTRAINT metric_pk PRIMARY KEY (\"key\", timestamp, step, run_uuid, value, is_nan),\n"
    "  CHECK (is_nan IN (0, 1)), FOREIGN KEY(run_uuid) REFERENCES runs (run_uuid));\n"
    "CREATE INDEX IF NOT EXISTS index_metrics_run_uuid ON metrics (run_uuid);\n"
    "CREATE INDEX IF NOT EXISTS index_latest_metrics_run_uuid ON latest_metrics (run_uuid);\n";

static const char *const insert_metric =
    "INSERT INTO metrics (\"key\", value, timestamp, run_uuid, step, is_nan) VALUES (?1, ?2, ?3, ?4, ?5, 0)";
static const char *const upsert_latest =
    "INSERT INTO latest_metrics (\"key\", value, timestamp, step, is_nan, run_uuid) VALUES (?1, ?2, ?3, ?5, 0, ?4)\n"
    "ON CONFLICT (\"key\", run_uuid) DO UPDATE SET value = excluded.value, timestamp = excluded.timestamp,\n"
    "  step = excluded.step, is_nan = excluded.is_nan\n"
    "WHERE excluded.step > latest_metrics.step\n"
    "   OR (excluded.step = latest_metrics.step AND excluded.timestamp > latest_metrics.timestamp)\n"
    "   OR (excluded.step = latest_metrics.step AND excluded.timestamp = latest_metrics.timestamp\n"
    "       AND excluded.value > latest_metrics.value)";

static sqlite3 *db;

static void die(const char *what) {
    fprintf(stderr, "raw_sqlite_probe: %s: %s\n", what, db ? sqlite3_errmsg(db) : "?");
    exit(1);
}

static void exec(const char *sql) {
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "raw_sqlite_probe: %s\n  in: %.120s\n", msg ? msg : "?", sql);
        exit(1);
    }
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void usage(void) {
    fprintf(stderr, "usage: raw_sqlite_probe [--seconds N] [--journal wal|delete] [--sync off|normal|full] [--group N] "
                    "[--autocheckpoint PAGES] [--schema 3.18|3.6] [--cache-kib N] [DB]\n");
    exit(2);
}

int main(int argc, char **argv) {
    double seconds = 5;
    int group = 1, autockpt = 1000, cache_kib = 2000;
    const char *journal = "wal", *sync = "normal", *path = NULL, *schema_version = "3.18";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) seconds = atof(argv[++i]);
        else if (strcmp(argv[i], "--group") == 0 && i + 1 < argc && atoi(argv[i + 1]) > 0) group = atoi(argv[++i]);
        else if (strcmp(argv[i], "--autocheckpoint") == 0 && i + 1 < argc) autockpt = atoi(argv[++i]);
        else if (strcmp(argv[i], "--journal") == 0 && i + 1 < argc) journal = argv[++i];
        else if (strcmp(argv[i], "--sync") == 0 && i + 1 < argc) sync = argv[++i];
        else if (strcmp(argv[i], "--schema") == 0 && i + 1 < argc) schema_version = argv[++i];
        else if (strcmp(argv[i], "--cache-kib") == 0 && i + 1 < argc) cache_kib = atoi(argv[++i]);
        else if (argv[i][0] == '-') usage();
        else path = argv[i];
    }
    if (strcmp(journal, "wal") && strcmp(journal, "delete")) usage();
    if (strcmp(sync, "off") && strcmp(sync, "normal") && strcmp(sync, "full")) usage();
    if (strcmp(schema_version, "3.18") && strcmp(schema_version, "3.6")) usage();

    char tmpl[] = "/tmp/raw_sqlite_probe.XXXXXX";
    int temp = path == NULL;
    if (temp) {
        int fd = mkstemp(tmpl);
        if (fd < 0) { perror("mkstemp"); return 1; }
        close(fd);
        path = tmpl;
    }
    if (sqlite3_open(path, &db) != SQLITE_OK) die("open");
    sqlite3_busy_timeout(db, 5000);
    char pragmas[200];
    snprintf(pragmas, sizeof pragmas, "PRAGMA foreign_keys = ON; PRAGMA journal_mode = %s; PRAGMA synchronous = %s; "
             "PRAGMA wal_autocheckpoint = %d; PRAGMA cache_size = -%d;",
             journal, sync, autockpt, cache_kib);
    exec(pragmas);
    exec(schema);
    exec(strcmp(schema_version, "3.18") == 0
             ? "CREATE INDEX IF NOT EXISTS index_metrics_run_uuid_key_step ON metrics (run_uuid, \"key\", step)"
             : "DROP INDEX IF EXISTS index_metrics_run_uuid_key_step");

    /* a new experiment and 8 runs */
    int64_t t0 = now_ms();
    char sql[1024];
    exec("BEGIN");
    snprintf(sql, sizeof sql,
             "INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, "
             "last_update_time) VALUES ((SELECT COALESCE(MAX(experiment_id), 0) + 1 FROM experiments), "
             "'raw-sqlite-probe-%lld-%d', '', 'active', %lld, %lld)",
             (long long)t0, (int)getpid(), (long long)t0, (long long)t0);
    exec(sql);
    sqlite3_int64 exp_id = 0;
    {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db, "SELECT MAX(experiment_id) FROM experiments", -1, &st, NULL) != SQLITE_OK) die("prepare");
        if (sqlite3_step(st) == SQLITE_ROW) exp_id = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    char runs[RUNS][33];
    srand((unsigned)(t0 ^ getpid()));
    for (int r = 0; r < RUNS; r++) {
        for (int k = 0; k < 32; k++) runs[r][k] = "0123456789abcdef"[rand() % 16];
        runs[r][32] = 0;
        snprintf(sql, sizeof sql,
                 "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, "
                 "start_time, source_version, lifecycle_stage, artifact_uri, experiment_id) VALUES "
                 "('%s', 'probe-%d', 'UNKNOWN', '', '', 'probe', 'RUNNING', %lld, '', 'active', '', %lld)",
                 runs[r], r, (long long)t0, (long long)exp_id);
        exec(sql);
    }
    exec("COMMIT");

    sqlite3_stmt *ins, *ups, *begin, *commit;
    if (sqlite3_prepare_v2(db, insert_metric, -1, &ins, NULL) != SQLITE_OK) die("prepare insert");
    if (sqlite3_prepare_v2(db, upsert_latest, -1, &ups, NULL) != SQLITE_OK) die("prepare upsert");
    if (sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, NULL) != SQLITE_OK) die("prepare begin");
    if (sqlite3_prepare_v2(db, "COMMIT", -1, &commit, NULL) != SQLITE_OK) die("prepare commit");
    static const char *const keys[METRICS_PER_REQUEST] = {"m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9"};

    long long requests = 0;
    double start = now_s(), elapsed = 0;
    while (elapsed < seconds) {
        long long n = requests;
        const char *run = runs[n % RUNS];
        if (n % group == 0) {
            if (sqlite3_step(begin) != SQLITE_DONE) die("begin");
            sqlite3_reset(begin);
        }
        for (int k = 0; k < METRICS_PER_REQUEST; k++) {
            sqlite3_stmt *sts[2] = {ins, ups};
            for (int s = 0; s < 2; s++) {
                sqlite3_stmt *st = sts[s];
                sqlite3_bind_text(st, 1, keys[k], -1, SQLITE_STATIC);
                sqlite3_bind_double(st, 2, (double)(n % 1000) + 0.25);
                sqlite3_bind_int64(st, 3, t0 + n);
                sqlite3_bind_text(st, 4, run, 32, SQLITE_STATIC);
                sqlite3_bind_int64(st, 5, n);
                if (sqlite3_step(st) != SQLITE_DONE) die(s ? "upsert latest_metrics" : "insert metrics");
                sqlite3_reset(st);
            }
        }
        requests++;
        if (requests % group == 0) {
            if (sqlite3_step(commit) != SQLITE_DONE) die("commit");
            sqlite3_reset(commit);
        }
        if ((requests & 63) == 0) elapsed = now_s() - start;
    }
    if (requests % group != 0 && sqlite3_step(commit) != SQLITE_DONE) die("commit");
    elapsed = now_s() - start;
    sqlite3_finalize(ins);
    sqlite3_finalize(ups);
    sqlite3_finalize(begin);
    sqlite3_finalize(commit);
    sqlite3_close(db);
    if (temp) {
        char side[sizeof tmpl + 8];
        unlink(path);
        snprintf(side, sizeof side, "%s-wal", path);
        unlink(side);
        snprintf(side, sizeof side, "%s-shm", path);
        unlink(side);
        snprintf(side, sizeof side, "%s-journal", path);
        unlink(side);
    }
    printf("raw SQLite %s (journal %s, synchronous %s): %lld \"requests\" of %d metrics in %.2fs\n",
           sqlite3_libversion(), journal, sync, requests, METRICS_PER_REQUEST, elapsed);
    printf("  %.0f \"requests\"/s   %.0f metric rows/s (each row into metrics + latest_metrics)\n",
           requests / elapsed, requests * METRICS_PER_REQUEST / elapsed);
    /* CPU time is what a loaded machine does not blur (the wall clock includes waiting for a core) */
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    printf("  %.1f CPU us/\"request\" (the whole process, setup included)\n", requests > 0 ? cpu * 1e6 / requests : 0.0);
    return 0;
}
