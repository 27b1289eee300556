/*
 * `db upgrade` on SQLite (store/migrate.c, store/sqlite/migrate.c): the
 * MLflow 2.10 fixture and a database of MLflow's initial tables reach the
 * head schema with every row kept; a failing step leaves the database at the
 * previous revision; bad inputs are refused with nothing written.
 */
#include "helpers.h"

#include <ctype.h>

#include "store/migrate.h"
#include "store/sqlite/sqlite.h"
#include "store/store.h"

typedef struct {
    mlf_pool *pool;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    f->pool = mlf_pool_create();
    mlf_test_make_tmpdir();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    mlf_pool_destroy(f->pool);
    mlf_test_remove_tmpdir();
    free(f);
    return 0;
}

static char *uri_of(fixture *f, const char *path)
{
    return mlf_pool_sprintf(f->pool, "sqlite:///%s", path);
}

static int upgrade(fixture *f, const char *path, bool backup, const char **from, int *steps, mlf_error *err)
{
    mlf_migrate_options opts = {.no_backup = !backup};
    return mlf_db_upgrade(uri_of(f, path), &opts, f->pool, from, steps, err);
}

static char *normalize(mlf_pool *pool, const char *s)
{
    mlf_buf b;
    mlf_buf_init(&b, pool, strlen(s) + 1);
    bool space = false;
    for (; *s != '\0'; s++) {
        if (isspace((unsigned char)*s)) {
            space = b.len > 0;
            continue;
        }
        if (space)
            mlf_buf_putc(&b, ' ');
        space = false;
        mlf_buf_putc(&b, *s);
    }
    return b.data;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The rows of sql (every column quoted with its type), sorted, as one string. */
static char *rows_of(mlf_pool *pool, const char *path, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    size_t n = 0, cap = 1024;
    char **rows = malloc(cap * sizeof(*rows));
    while (sqlite3_step(st) == SQLITE_ROW) {
        mlf_buf b;
        mlf_buf_init(&b, pool, 128);
        for (int i = 0; i < sqlite3_column_count(st); i++) {
            int t = sqlite3_column_type(st, i);
            if (t == SQLITE_FLOAT)
                mlf_buf_printf(&b, "%.17g", sqlite3_column_double(st, i));
            else if (t != SQLITE_NULL)
                mlf_buf_puts(&b, (const char *)sqlite3_column_text(st, i));
            mlf_buf_printf(&b, ":%d|", t);
        }
        if (n == cap)
            rows = realloc(rows, (cap *= 2) * sizeof(*rows));
        rows[n++] = b.data;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    qsort(rows, n, sizeof(*rows), cmp_str);
    mlf_buf out;
    mlf_buf_init(&out, pool, 4096);
    for (size_t i = 0; i < n; i++) {
        mlf_buf_puts(&out, rows[i]);
        mlf_buf_putc(&out, '\n');
    }
    free(rows);
    return out.data;
}

/* Whether every line of a (sorted rows) is among the lines of b. */
static bool lines_within(const char *a, const char *b)
{
    while (*a != '\0') {
        size_t n = strcspn(a, "\n") + 1;
        const char *p = b;
        bool found = false;
        for (; *p != '\0' && !found; p += strcspn(p, "\n") + 1)
            found = strncmp(p, a, n) == 0;
        if (!found)
            return false;
        a += n;
    }
    return true;
}

/*
 * Asserts that every row of every table of before is in after, unchanged
 * (same columns, values and types); after may have more rows where a data
 * migration adds them.
 */
static void assert_rows_kept(fixture *f, const char *before, const char *after)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(before, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT name, (SELECT group_concat('\"' || name || '\"') FROM "
                                        "pragma_table_info(m.name)) FROM sqlite_master m WHERE type = 'table' AND "
                                        "name != 'alembic_version'",
                                        -1, &st, NULL),
                     SQLITE_OK);
    int n_tables = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *sql =
            mlf_pool_sprintf(f->pool, "SELECT %s FROM \"%s\"", sqlite3_column_text(st, 1), sqlite3_column_text(st, 0));
        char *a = rows_of(f->pool, before, sql);
        char *b = rows_of(f->pool, after, sql);
        if (!lines_within(a, b))
            fail_msg("rows of %s changed:\n%s\n---\n%s", sqlite3_column_text(st, 0), a, b);
        n_tables++;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    assert_true(n_tables >= 5);
}

/*
 * A schema statement, whitespace collapsed, with a table's constraint
 * clauses sorted: MLflow's alembic writes a rebuilt table's CHECK, FOREIGN
 * KEY and UNIQUE clauses in an order that varies between runs.
 */
static char *canonical(mlf_pool *pool, const char *sql)
{
    char *copy = mlf_pool_strdup(pool, sql);
    char *lines[256];
    size_t n = 0;
    for (char *save = NULL, *l = strtok_r(copy, "\n", &save); l != NULL && n < 256; l = strtok_r(NULL, "\n", &save)) {
        char *t = normalize(pool, l);
        size_t len = strlen(t);
        if (len > 0 && t[len - 1] == ',')
            t[len - 1] = '\0';
        lines[n++] = t;
    }
    size_t first = n;
    for (size_t i = 0; i < n && first == n; i++)
        if (strncmp(lines[i], "CONSTRAINT ", 11) == 0 || strncmp(lines[i], "CHECK ", 6) == 0 ||
            strncmp(lines[i], "FOREIGN KEY", 11) == 0 || strncmp(lines[i], "UNIQUE ", 7) == 0 ||
            strncmp(lines[i], "PRIMARY KEY", 11) == 0)
            first = i;
    if (first < n && strcmp(lines[n - 1], ")") == 0)
        qsort(lines + first, n - 1 - first, sizeof(*lines), cmp_str);
    mlf_buf b;
    mlf_buf_init(&b, pool, strlen(sql) + 1);
    for (size_t i = 0; i < n; i++)
        mlf_buf_printf(&b, "%s%s", i ? " " : "", lines[i]);
    return b.data;
}

/* Every schema statement of the database at path, canonical, sorted, one a line. */
static char *schema_lines(fixture *f, const char *path)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL", -1, &st, NULL),
                     SQLITE_OK);
    char *rows[512];
    size_t n = 0;
    while (sqlite3_step(st) == SQLITE_ROW && n < 512)
        rows[n++] = canonical(f->pool, (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    qsort(rows, n, sizeof(*rows), cmp_str);
    mlf_buf out;
    mlf_buf_init(&out, f->pool, 65536);
    for (size_t i = 0; i < n; i++)
        mlf_buf_printf(&out, "%s\n", rows[i]);
    return out.data;
}

/*
 * The database's schema equals the head's, up to the order of a table's
 * constraint clauses: that of a database mlflow-c creates, whose text
 * test_sqlite_schema holds byte for byte against the one MLflow 3.18 creates.
 */
static void assert_head_schema(fixture *f, const char *path)
{
    char *fresh = mlf_test_path(f->pool, "fresh-head.db");
    mlf_store_config cfg = {.default_artifact_root = mlf_test_path(f->pool, "art")};
    mlf_store *s = NULL;
    mlf_error err = {0};
    assert_int_equal(mlf_store_open(uri_of(f, fresh), &cfg, f->pool, &s, &err), 0);
    mlf_store_destroy(s);
    assert_string_equal(schema_lines(f, path), schema_lines(f, fresh));
    assert_string_equal(mlf_test_query1(f->pool, path, "SELECT group_concat(name) FROM workspaces"), "default");
}

static char *file_bytes(fixture *f, const char *path, size_t *len)
{
    FILE *in = fopen(path, "rb");
    if (in == NULL)
        return NULL;
    mlf_buf b;
    mlf_buf_init(&b, f->pool, 65536);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
        for (size_t i = 0; i < n; i++)
            mlf_buf_putc(&b, buf[i]);
    fclose(in);
    *len = b.len;
    return b.data;
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void test_mlflow_2_10_fixture_upgrades_to_head(void **state)
{
    fixture *f = *state;
    char *path = mlf_test_fixture(f->pool, "mlflow-2.10-fixture.db");
    if (path == NULL)
        skip();
    char *orig = mlf_test_copy(f->pool, path, "orig.db");
    const char *from = NULL;
    int steps = -1;
    mlf_error err = {0};
    int rc = upgrade(f, path, true, &from, &steps, &err);
    if (rc != 0)
        fail_msg("upgrade: %s", err.message);
    assert_string_equal(from, "acf3f17fdcc7");
    assert_int_equal(steps, 47);
    assert_string_equal(mlf_test_query1(f->pool, path, "SELECT group_concat(version_num) FROM alembic_version"),
                        "f4a9b2c7d1e6");
    assert_head_schema(f, path);
    assert_rows_kept(f, orig, path);
    /* new column defaults, as MLflow's server_default gives them */
    assert_string_equal(mlf_test_query1(f->pool, path, "SELECT count(*) || '/' || sum(step = 0) FROM inputs"), "16/16");
    /* the backup is the database as it was */
    char *bak = mlf_pool_sprintf(f->pool, "%s.bak-acf3f17fdcc7", path);
    assert_string_equal(mlf_test_query1(f->pool, bak, "SELECT version_num FROM alembic_version"), "acf3f17fdcc7");
    assert_rows_kept(f, orig, bak);

    /* the store opens it and reads it */
    mlf_store_config cfg = {.default_artifact_root = mlf_test_path(f->pool, "art")};
    mlf_store *store = NULL;
    assert_int_equal(mlf_store_open(uri_of(f, path), &cfg, f->pool, &store, &err), 0);
    Mlflow__Experiment *e = NULL;
    assert_int_equal(mlf_store_get_experiment(store, f->pool, "1", &e, &err), 0);
    assert_string_equal(e->name, "fixture-classifier");
    mlf_store_destroy(store);

    /* a second run has nothing to do and writes no backup */
    assert_int_equal(unlink(bak), 0);
    assert_int_equal(upgrade(f, path, true, &from, &steps, &err), 0);
    assert_int_equal(steps, 0);
    assert_string_equal(from, "f4a9b2c7d1e6");
    assert_false(exists(mlf_pool_sprintf(f->pool, "%s.bak-f4a9b2c7d1e6", path)));

    const char *cur = NULL;
    assert_int_equal(mlf_db_current(uri_of(f, path), f->pool, &cur, &err), 0);
    assert_string_equal(cur, "f4a9b2c7d1e6");
}

/* MLflow's initial_models tables (before the root revision), with rows that the data migrations move. */
static void make_initial_database(const char *path)
{
    mlf_test_sql(path,
                 "CREATE TABLE experiments (\n\texperiment_id INTEGER NOT NULL, \n\tname VARCHAR(256) NOT NULL, \n"
                 "\tartifact_location VARCHAR(256), \n\tlifecycle_stage VARCHAR(32), \n"
                 "\tCONSTRAINT experiment_pk PRIMARY KEY (experiment_id), \n"
                 "\tCONSTRAINT experiments_lifecycle_stage CHECK (lifecycle_stage IN ('active', 'deleted')), \n"
                 "\tUNIQUE (name)\n);"
                 "CREATE TABLE runs (\n\trun_uuid VARCHAR(32) NOT NULL, \n\tname VARCHAR(250), \n"
                 "\tsource_type VARCHAR(20), \n\tsource_name VARCHAR(500), \n\tentry_point_name VARCHAR(50), \n"
                 "\tuser_id VARCHAR(256), \n\tstatus VARCHAR(20), \n\tstart_time BIGINT, \n\tend_time BIGINT, \n"
                 "\tsource_version VARCHAR(50), \n\tlifecycle_stage VARCHAR(20), \n\tartifact_uri VARCHAR(200), \n"
                 "\texperiment_id INTEGER, \n\tCONSTRAINT run_pk PRIMARY KEY (run_uuid), \n"
                 "\tCONSTRAINT source_type CHECK (source_type IN ('NOTEBOOK', 'JOB', 'LOCAL', 'UNKNOWN', "
                 "'PROJECT')), \n"
                 "\tCONSTRAINT status CHECK (status IN ('SCHEDULED', 'FAILED', 'FINISHED', 'RUNNING')), \n"
                 "\tCONSTRAINT runs_lifecycle_stage CHECK (lifecycle_stage IN ('active', 'deleted')), \n"
                 "\tFOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id)\n);"
                 "CREATE TABLE tags (\n\t\"key\" VARCHAR(250) NOT NULL, \n\tvalue VARCHAR(250), \n"
                 "\trun_uuid VARCHAR(32) NOT NULL, \n\tCONSTRAINT tag_pk PRIMARY KEY (\"key\", run_uuid), \n"
                 "\tFOREIGN KEY(run_uuid) REFERENCES runs (run_uuid)\n);"
                 "CREATE TABLE metrics (\n\t\"key\" VARCHAR(250) NOT NULL, \n\tvalue FLOAT NOT NULL, \n"
                 "\ttimestamp BIGINT NOT NULL, \n\trun_uuid VARCHAR(32) NOT NULL, \n"
                 "\tCONSTRAINT metric_pk PRIMARY KEY (\"key\", timestamp, run_uuid), \n"
                 "\tFOREIGN KEY(run_uuid) REFERENCES runs (run_uuid)\n);"
                 "CREATE TABLE params (\n\t\"key\" VARCHAR(250) NOT NULL, \n\tvalue VARCHAR(250) NOT NULL, \n"
                 "\trun_uuid VARCHAR(32) NOT NULL, \n\tCONSTRAINT param_pk PRIMARY KEY (\"key\", run_uuid), \n"
                 "\tFOREIGN KEY(run_uuid) REFERENCES runs (run_uuid)\n);"
                 "INSERT INTO experiments VALUES (0, 'Default', '/a/0', 'active'), (1, 'old', '/a/1', 'deleted');"
                 "INSERT INTO runs VALUES ('r1', 'one', 'LOCAL', 'x.py', 'main', 'alice', 'FINISHED', 10, 20, 'v', "
                 "'active', '/a/1/r1', 1), ('r2', 'two', 'JOB', 'y.py', '', 'bob', 'FAILED', 11, NULL, NULL, "
                 "'deleted', '/a/1/r2', 1), ('r3', '', 'LOCAL', '', '', '', 'RUNNING', 12, NULL, NULL, 'active', "
                 "'/a/0/r3', 0);"
                 "INSERT INTO tags VALUES ('mlflow.user', 'robert', 'r2'), ('note', 'hi', 'r1');"
                 "INSERT INTO params VALUES ('lr', '0.1', 'r1');"
                 "INSERT INTO metrics VALUES ('loss', 3.0, 100, 'r1'), ('loss', 2.0, 300, 'r1'), "
                 "('loss', 2.5, 200, 'r1'), ('acc', 1e308 * 10, 100, 'r1'), ('acc', 0.5, 50, 'r2');");
}

static void test_initial_tables_upgrade_through_the_whole_chain(void **state)
{
    fixture *f = *state;
    char *path = mlf_test_path(f->pool, "initial.db");
    make_initial_database(path);
    char *orig = mlf_test_copy(f->pool, path, "initial-orig.db");
    const char *from = NULL;
    int steps = -1;
    mlf_error err = {0};
    const char *cur = NULL;
    assert_int_equal(mlf_db_current(uri_of(f, path), f->pool, &cur, &err), 0);
    assert_string_equal(cur, "None");
    int rc = upgrade(f, path, true, &from, &steps, &err);
    if (rc != 0)
        fail_msg("upgrade: %s", err.message);
    assert_string_equal(from, "None");
    assert_int_equal(steps, (int)mlf_migrations_count);
    assert_int_equal(mlf_migrations_count, 70);
    assert_true(exists(mlf_pool_sprintf(f->pool, "%s.bak-None", path)));
    assert_head_schema(f, path);
    assert_rows_kept(f, orig, path);
    /* 451aebb31d03 and 181f10493468: step and is_nan 0 on old rows */
    assert_string_equal(mlf_test_query1(f->pool, path,
                                        "SELECT count(*) || '/' || sum(step = 0 AND is_nan = 0) FROM "
                                        "metrics"),
                        "5/5");
    /* 90e64c465722: user_id became mlflow.user where the tag was missing (not for r2, nor the empty user) */
    assert_string_equal(mlf_test_query1(f->pool, path,
                                        "SELECT group_concat(run_uuid || '=' || value, ',') FROM (SELECT * FROM tags "
                                        "WHERE \"key\" = 'mlflow.user' ORDER BY run_uuid)"),
                        "r1=alice,r2=robert");
    /* 89d4b8295536: the latest value of each (run, key): max step, then max timestamp */
    assert_string_equal(mlf_test_query1(f->pool, path,
                                        "SELECT group_concat(run_uuid || ':' || \"key\" || '=' || value || '@' || "
                                        "timestamp || '/' || step || '/' || is_nan, ',') FROM (SELECT * FROM "
                                        "latest_metrics ORDER BY run_uuid, \"key\")"),
                        "r1:acc=Inf@100/0/0,r1:loss=2.0@300/0/0,r2:acc=0.5@50/0/0");
    /* 97727af70f4d adds no times to existing experiments; the store still opens it */
    assert_null(mlf_test_query1(f->pool, path, "SELECT creation_time FROM experiments WHERE experiment_id = 1"));
    mlf_store_config cfg = {.default_artifact_root = mlf_test_path(f->pool, "art")};
    mlf_store *store = NULL;
    assert_int_equal(mlf_store_open(uri_of(f, path), &cfg, f->pool, &store, &err), 0);
    mlf_store_destroy(store);
}

/* A step that fails rolls back alone: the database stays at the revision before it, and a rerun continues. */
static void test_failed_step_leaves_the_previous_revision(void **state)
{
    fixture *f = *state;
    char *path = mlf_test_fixture(f->pool, "mlflow-2.10-fixture.db");
    if (path == NULL)
        skip();
    mlf_test_sql(path, "CREATE TABLE spans (x INTEGER)"); /* in the way of a1b2c3d4e5f6 */
    const char *from = NULL;
    int steps = -1;
    mlf_error err = {0};
    int rc = upgrade(f, path, false, &from, &steps, &err);
    assert_int_equal(rc, MLF_MIGRATE_EFAILED);
    assert_int_equal(steps, 10);
    if (strstr(err.message, "upgrade 770bee3ae1dd -> a1b2c3d4e5f6 failed") == NULL ||
        strstr(err.message, "the database stays at revision 770bee3ae1dd") == NULL)
        fail_msg("message: %s", err.message);
    assert_string_equal(mlf_test_query1(f->pool, path, "SELECT group_concat(version_num) FROM alembic_version"),
                        "770bee3ae1dd");
    assert_string_equal(mlf_test_query1(f->pool, path,
                                        "SELECT count(*) FROM sqlite_master WHERE name LIKE "
                                        "'index_spans%' OR name LIKE '_mlf_old%'"),
                        "0");
    assert_non_null(mlf_test_query1(f->pool, path, "SELECT sql FROM sqlite_master WHERE name = 'assessments'"));
    assert_false(exists(mlf_pool_sprintf(f->pool, "%s.bak-acf3f17fdcc7", path)));

    mlf_test_sql(path, "DROP TABLE spans");
    rc = upgrade(f, path, true, &from, &steps, &err);
    if (rc != 0)
        fail_msg("rerun: %s", err.message);
    assert_string_equal(from, "770bee3ae1dd");
    assert_int_equal(steps, 37);
    assert_true(exists(mlf_pool_sprintf(f->pool, "%s.bak-770bee3ae1dd", path)));
    assert_head_schema(f, path);
}

/* Runs an upgrade that must be refused: the message, and the file and its directory untouched. */
static void assert_refused(fixture *f, const char *path, int want_rc, const char *want_substr)
{
    size_t len_before = 0, len_after = 0;
    char *before = path ? file_bytes(f, path, &len_before) : NULL;
    char *uri = strchr(path ? path : "", ':') ? (char *)path : uri_of(f, path);
    mlf_migrate_options opts = {0};
    const char *from = NULL;
    int steps = -1;
    mlf_error err = {0};
    int rc = mlf_db_upgrade(uri, &opts, f->pool, &from, &steps, &err);
    assert_int_equal(rc, want_rc);
    assert_int_equal(steps, 0);
    assert_non_null(err.message);
    if (strstr(err.message, want_substr) == NULL)
        fail_msg("message '%s' lacks '%s'", err.message, want_substr);
    assert_null(strchr(err.message, '\n'));
    if (before != NULL) {
        char *after = file_bytes(f, path, &len_after);
        assert_int_equal(len_after, len_before);
        assert_memory_equal(after, before, len_before);
    }
    /* no backup, journal or WAL left beside it */
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "ls '%s' | grep -q -e '\\.bak-' -e '-journal' -e '-wal'", mlf_test_tmpdir);
    assert_int_not_equal(system(cmd), 0);
}

static void test_bad_inputs_are_refused_and_untouched(void **state)
{
    fixture *f = *state;
    mlf_error err = {0};

    char *text = mlf_test_path(f->pool, "notes.txt");
    FILE *out = fopen(text, "w");
    fputs("these are not the tables you are looking for\n", out);
    for (int i = 0; i < 200; i++)
        fputs("0123456789abcdef0123456789abcdef\n", out);
    fclose(out);
    assert_refused(f, text, MLF_MIGRATE_EREFUSED, "is not a SQLite database");

    char *other = mlf_test_path(f->pool, "other.db");
    mlf_test_sql(other,
                 "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, 'a')");
    assert_refused(f, other, MLF_MIGRATE_EREFUSED, "is not an MLflow database (it has no alembic_version table)");

    char *empty = mlf_test_path(f->pool, "empty.db");
    fclose(fopen(empty, "w"));
    assert_refused(f, empty, MLF_MIGRATE_EREFUSED, "is an empty database");

    assert_refused(f, mlf_test_path(f->pool, "missing.db"), MLF_MIGRATE_EREFUSED, "No such file or directory");
    assert_false(exists(mlf_test_path(f->pool, "missing.db")));

    char *fx = mlf_test_fixture(f->pool, "mlflow-2.10-fixture.db");
    if (fx != NULL) {
        mlf_test_sql(fx, "UPDATE alembic_version SET version_num = '0123456789ab'");
        assert_refused(f, fx, MLF_MIGRATE_EREFUSED,
                       "is at revision 0123456789ab, which is not in MLflow's migration "
                       "chain");
        mlf_test_sql(fx, "UPDATE alembic_version SET version_num = 'acf3f17fdcc7'");

        assert_int_equal(chmod(fx, 0444), 0);
        assert_refused(f, fx, MLF_MIGRATE_EREFUSED, "is read-only: nothing was changed");
        assert_int_equal(chmod(fx, 0644), 0);
        unlink(fx);
    }

    /* a database newer than ours: any unknown revision over all of our tables */
    char *head = mlf_test_path(f->pool, "head.db");
    mlf_store_config cfg = {.default_artifact_root = mlf_test_path(f->pool, "art")};
    mlf_store *s = NULL;
    assert_int_equal(mlf_store_open(uri_of(f, head), &cfg, f->pool, &s, &err), 0);
    mlf_store_destroy(s);
    mlf_test_sql(head, "PRAGMA journal_mode = DELETE; UPDATE alembic_version SET version_num = 'ffffffffffff'");
    assert_refused(f, head, MLF_MIGRATE_EREFUSED, "is at revision ffffffffffff, newer than mlflow-c's f4a9b2c7d1e6");
    const char *cur = NULL;
    assert_int_equal(mlf_db_current(uri_of(f, head), f->pool, &cur, &err), MLF_MIGRATE_EREFUSED);

    assert_refused(f, "postgresql://u:pw@127.0.0.1:1/db", MLF_MIGRATE_EREFUSED, "could not connect to postgresql://u:***@127.0.0.1:1/db");
    assert_refused(f, "sqlite://", MLF_MIGRATE_EUSAGE, "in-memory database");
    assert_refused(f, "mysql://h/db", MLF_MIGRATE_EUSAGE, "unsupported backend store URI");
}

static void test_chain_is_linear(void **state)
{
    (void)state;
    assert_int_equal(mlf_migrations_count, 70);
    assert_string_equal(mlf_migrations[0].revision, "451aebb31d03");
    assert_string_equal(mlf_migrations[0].down_revision, "");
    for (size_t i = 1; i < mlf_migrations_count; i++)
        assert_string_equal(mlf_migrations[i].down_revision, mlf_migrations[i - 1].revision);
    assert_string_equal(mlf_migrations[mlf_migrations_count - 1].revision, MLF_SQL_SCHEMA_REVISION);
    assert_int_equal(mlf_migration_index("acf3f17fdcc7"), 22);
    assert_int_equal(mlf_migration_index("nope"), -1);
    assert_int_equal(mlf_migration_index(NULL), -1);
}

/* The server's refusal names the command that fixes it. */
static void test_store_refusal_names_db_upgrade(void **state)
{
    fixture *f = *state;
    char *path = mlf_test_fixture(f->pool, "mlflow-2.10-fixture.db");
    if (path == NULL)
        skip();
    mlf_store_config cfg = {.default_artifact_root = mlf_test_path(f->pool, "art")};
    mlf_store *s = NULL;
    mlf_error err = {0};
    assert_true(mlf_store_open(uri_of(f, path), &cfg, f->pool, &s, &err) < 0);
    if (strstr(err.message, "found version acf3f17fdcc7, but expected f4a9b2c7d1e6") == NULL ||
        strstr(err.message, mlf_pool_sprintf(f->pool, "run 'mlflow-c db upgrade sqlite:///%s'", path)) == NULL)
        fail_msg("message: %s", err.message);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain_is_linear),
        cmocka_unit_test_setup_teardown(test_mlflow_2_10_fixture_upgrades_to_head, setup, teardown),
        cmocka_unit_test_setup_teardown(test_initial_tables_upgrade_through_the_whole_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_step_leaves_the_previous_revision, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_inputs_are_refused_and_untouched, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_refusal_names_db_upgrade, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
