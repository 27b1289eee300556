/*
 * The SQLite store's schema handling: creation on an empty database (exact
 * DDL, alembic row, Default experiment), opening MLflow's own 3.5 database,
 * refusing other revisions, and the store URI forms.
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

static mlf_store *open_ok(fixture *f, const char *uri)
{
    mlf_store_config cfg = {.default_artifact_root = mlf_test_path(f->pool, "artifacts")};
    mlf_store *store = NULL;
    mlf_error err = {0};
    int rc = mlf_store_open(uri, &cfg, f->pool, &store, &err);
    if (rc != 0)
        fail_msg("open %s: %s", uri, err.message);
    assert_non_null(store);
    return store;
}

static char *file_uri(fixture *f, const char *path)
{
    return mlf_pool_sprintf(f->pool, "sqlite:///%s", path); /* path is absolute: sqlite:////abs */
}

/* Collapses whitespace runs to one space and trims, as the comparison with the reference needs. */
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

/* All schema SQL of a database file, normalized and sorted. */
static char **schema_of(mlf_pool *pool, const char *path, size_t *n)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL", -1, &st, NULL),
                     SQLITE_OK);
    char **out = MLF_NEW_ARRAY(pool, char *, 256);
    *n = 0;
    while (sqlite3_step(st) == SQLITE_ROW && *n < 256)
        out[(*n)++] = normalize(pool, (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    qsort(out, *n, sizeof(*out), cmp_str);
    return out;
}

static void test_fresh_database_has_every_table(void **state)
{
    fixture *f = *state;
    char *path = mlf_test_path(f->pool, "fresh.db");
    mlf_store *store = open_ok(f, file_uri(f, path));
    mlf_store_destroy(store);

    assert_string_equal(mlf_test_query1(f->pool, path,
                                        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name != "
                                        "'alembic_version'"),
                        "70");
    assert_string_equal(mlf_test_query1(f->pool, path, "SELECT group_concat(version_num) FROM alembic_version"),
                        "f4a9b2c7d1e6");
    assert_string_equal(mlf_test_query1(f->pool, path, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"),
                        "163");
    assert_string_equal(mlf_test_query1(f->pool, path, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"),
                        "1");
    /* the workspaces catalog row MLflow's revision 1b5f0d9ad7c1 writes */
    assert_string_equal(mlf_test_query1(f->pool, path, "SELECT name || '|' || description FROM workspaces"),
                        "default|Default workspace for legacy resources");
    assert_string_equal(mlf_test_query1(f->pool, path, "PRAGMA journal_mode"), "wal");
    /* the Default experiment as _create_default_experiment writes it */
    assert_string_equal(mlf_test_query1(f->pool, path,
                                        "SELECT experiment_id || '|' || name || '|' || artifact_location || '|' || "
                                        "lifecycle_stage || '|' || (creation_time = last_update_time) || '|' || "
                                        "(creation_time > 1700000000000) FROM experiments"),
                        mlf_pool_sprintf(f->pool, "0|Default|%s/artifacts/0|active|1|1", mlf_test_tmpdir));
    struct stat st;
    /* as MLflow 3.18's store: the local root waits for the first artifact written */
    assert_int_equal(stat(mlf_test_path(f->pool, "artifacts"), &st), -1);
}

static void test_fresh_schema_matches_reference(void **state)
{
    fixture *f = *state;
    char *ref_path = mlf_test_copy(f->pool, mlf_test_dir("MLF_SCHEMA_SQL", "tools/migrate/mlflow-3.18-schema-sqlite.sql"),
                                   "reference.sql");
    if (ref_path == NULL)
        skip();
    char *path = mlf_test_path(f->pool, "fresh.db");
    mlf_store_destroy(open_ok(f, file_uri(f, path)));

    /* the reference is `.schema` output: statements end with ";\n", comments start with "--" */
    FILE *in = fopen(ref_path, "rb");
    assert_non_null(in);
    mlf_buf text;
    mlf_buf_init(&text, f->pool, 65536);
    char line[4096];
    while (fgets(line, sizeof(line), in) != NULL)
        if (strncmp(line, "--", 2) != 0)
            mlf_buf_puts(&text, line);
    fclose(in);
    char **ref = MLF_NEW_ARRAY(f->pool, char *, 256);
    size_t n_ref = 0;
    for (char *p = text.data; *p != '\0';) {
        /* a trigger's body has statements of its own: it ends at END; */
        char *end = strncmp(p, "CREATE TRIGGER ", 15) == 0 ? strstr(p, "END;\n") : NULL;
        end = end != NULL ? end + 3 : strstr(p, ";\n");
        if (end == NULL)
            end = p + strlen(p);
        char *stmt = normalize(f->pool, mlf_pool_strndup(f->pool, p, (size_t)(end - p)));
        const char *ine = "CREATE TABLE IF NOT EXISTS ";
        if (strncmp(stmt, ine, strlen(ine)) == 0)
            stmt = mlf_pool_sprintf(f->pool, "CREATE TABLE %s", stmt + strlen(ine));
        if (stmt[0] != '\0')
            ref[n_ref++] = stmt;
        p = *end != '\0' ? end + 2 : end;
    }
    qsort(ref, n_ref, sizeof(*ref), cmp_str);

    size_t n_ours;
    char **ours = schema_of(f->pool, path, &n_ours);
    assert_int_equal(n_ours, n_ref);
    for (size_t i = 0; i < n_ref; i++)
        assert_string_equal(ours[i], ref[i]);
}

/* Byte for byte, in creation order: our sqlite_master text equals what MLflow 3.18 left in its own database. */
static void test_fresh_schema_text_equals_mlflow_database(void **state)
{
    fixture *f = *state;
    char *ref_path = mlf_test_copy(f->pool, mlf_test_dir("MLF_SCHEMA_SQL", "tools/migrate/mlflow-3.18-schema-sqlite.sql"),
                                   "reference.sql");
    if (ref_path == NULL)
        skip();
    char *path = mlf_test_path(f->pool, "fresh.db");
    mlf_store_destroy(open_ok(f, file_uri(f, path)));
    FILE *in = fopen(ref_path, "rb");
    assert_non_null(in);
    mlf_buf ref;
    mlf_buf_init(&ref, f->pool, 65536);
    char line[4096];
    while (fgets(line, sizeof(line), in) != NULL)
        mlf_buf_puts(&ref, line);
    fclose(in);
    const char *q = "SELECT group_concat(sql, ';' || char(10)) || ';' || char(10) FROM "
                    "(SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid)";
    assert_string_equal(mlf_test_query1(f->pool, path, q), ref.data);
    assert_int_equal(mlf_sqlite_schema_ddl_count, 162); /* 161 objects and the workspaces row */
}

static void test_reopen_keeps_data_and_deleted_default(void **state)
{
    fixture *f = *state;
    char *path = mlf_test_path(f->pool, "reopen.db");
    char *uri = file_uri(f, path);
    mlf_store *store = open_ok(f, uri);
    mlf_error err = {0};
    assert_int_equal(mlf_store_delete_experiment(store, f->pool, "0", &err), 0);
    mlf_store_destroy(store);

    store = open_ok(f, uri);
    Mlflow__Experiment *e;
    assert_int_equal(mlf_store_get_experiment(store, f->pool, "0", &e, &err), 0);
    assert_string_equal(e->lifecycle_stage, "deleted"); /* not reactivated */
    mlf_store_destroy(store);
    assert_string_equal(mlf_test_query1(f->pool, path, "SELECT count(*) FROM experiments"), "1");
}

static void test_missing_default_experiment_is_recreated(void **state)
{
    fixture *f = *state;
    char *path = mlf_test_path(f->pool, "nodefault.db");
    char *uri = file_uri(f, path);
    mlf_store_destroy(open_ok(f, uri));
    mlf_test_sql(path, "DELETE FROM experiments WHERE experiment_id = 0");
    mlf_store_destroy(open_ok(f, uri));
    assert_string_equal(mlf_test_query1(f->pool, path, "SELECT name FROM experiments WHERE experiment_id = 0"),
                        "Default");
}

static void test_mlflow_35_fixture_reads_back(void **state)
{
    fixture *f = *state;
    char *fx = mlf_test_fixture(f->pool, "mlflow-3.5-fixture.db");
    if (fx == NULL)
        skip();
    /* at 3.5's head: mlflow-c serves it once upgraded to 3.18's */
    const char *from;
    int steps;
    mlf_error uerr = {0};
    if (mlf_db_upgrade(file_uri(f, fx), &(mlf_migrate_options){.no_backup = true}, f->pool, &from, &steps, &uerr) != 0)
        fail_msg("upgrade: %s", uerr.message);
    assert_string_equal(from, "bf29a5ff90ea");
    assert_int_equal(steps, 30);
    mlf_store *store = open_ok(f, file_uri(f, fx));
    mlf_error err = {0};

    static const struct {
        const char *id, *name, *stage;
        size_t n_tags;
    } want[] = {
        {"0", "Default", "active", 0},
        {"1", "fixture-classifier", "active", 3},
        {"2", "fixture-regression", "active", 2},
        {"3", "fixture-tuning", "active", 2},
        {"4", "fixture-deleted", "deleted", 1},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        Mlflow__Experiment *e = NULL;
        int rc = mlf_store_get_experiment(store, f->pool, want[i].id, &e, &err);
        if (rc != 0)
            fail_msg("get %s: %s", want[i].id, err.message);
        assert_string_equal(e->experiment_id, want[i].id);
        assert_string_equal(e->name, want[i].name);
        assert_string_equal(e->lifecycle_stage, want[i].stage);
        assert_string_equal(e->artifact_location, mlf_pool_sprintf(f->pool, "mlflow-artifacts:/%s", want[i].id));
        assert_true(e->has_creation_time && e->creation_time > 0);
        assert_true(e->has_last_update_time && e->last_update_time >= e->creation_time);
        assert_int_equal(e->n_tags, want[i].n_tags);

        Mlflow__Experiment *by_name = NULL;
        assert_int_equal(mlf_store_get_experiment_by_name(store, f->pool, want[i].name, &by_name, &err), 0);
        assert_non_null(by_name);
        assert_string_equal(by_name->experiment_id, want[i].id);
    }
    Mlflow__Experiment *e1;
    assert_int_equal(mlf_store_get_experiment(store, f->pool, "1", &e1, &err), 0);
    assert_string_equal(e1->tags[0]->key, "team");
    assert_string_equal(e1->tags[0]->value, "vision");
    assert_string_equal(e1->tags[2]->key, "mlflow.note.content");
    assert_string_equal(e1->tags[2]->value, "Image classifier experiments");

    mlf_store_experiment_page page = {0};
    assert_int_equal(mlf_store_search_experiments(store, f->pool, MLFLOW__VIEW_TYPE__ALL, 1000, NULL, 0, NULL, 0, 0,
                                                  &page, &err),
                     0);
    assert_int_equal(page.n, 5);
    assert_string_equal(page.experiments[0]->name, "fixture-deleted"); /* creation_time DESC */
    assert_string_equal(page.experiments[4]->name, "Default");
    assert_int_equal(page.experiments[1]->n_tags, 2);

    /* writes work on MLflow's file too: the next id follows MLflow's */
    const char *id;
    assert_int_equal(mlf_store_create_experiment(store, f->pool, "after-fixture", NULL, NULL, 0, &id, &err), 0);
    assert_string_equal(id, "5");
    mlf_store_destroy(store);
}

static void test_other_revision_is_refused(void **state)
{
    fixture *f = *state;
    char *fx = mlf_test_fixture(f->pool, "mlflow-2.10-fixture.db");
    if (fx == NULL)
        skip();
    char *uri = file_uri(f, fx);
    mlf_store_config cfg = {.default_artifact_root = mlf_test_path(f->pool, "artifacts")};
    mlf_store *store = NULL;
    mlf_error err = {0};
    int rc = mlf_store_open(uri, &cfg, f->pool, &store, &err);
    assert_int_equal(rc, -MLF_ERR_INTERNAL_ERROR);
    assert_null(store);
    assert_non_null(strstr(err.message, "found version acf3f17fdcc7, but expected f4a9b2c7d1e6"));
    assert_non_null(strstr(err.message, mlf_pool_sprintf(f->pool, "'mlflow-c db upgrade %s'", uri)));
    /* nothing was written to the refused database */
    assert_string_equal(mlf_test_query1(f->pool, fx, "SELECT version_num FROM alembic_version"), "acf3f17fdcc7");
}

static void test_hand_made_revision_and_foreign_database_are_refused(void **state)
{
    fixture *f = *state;
    mlf_store_config cfg = {.default_artifact_root = mlf_test_path(f->pool, "artifacts")};
    mlf_store *store = NULL;
    mlf_error err = {0};

    char *path = mlf_test_path(f->pool, "old.db");
    mlf_store_destroy(open_ok(f, file_uri(f, path)));
    mlf_test_sql(path, "UPDATE alembic_version SET version_num = '0584bdc529eb'");
    int rc = mlf_store_open(file_uri(f, path), &cfg, f->pool, &store, &err);
    assert_int_equal(rc, -MLF_ERR_INTERNAL_ERROR);
    assert_non_null(strstr(err.message, "found version 0584bdc529eb, but expected f4a9b2c7d1e6"));
    assert_non_null(strstr(err.message, "mlflow-c db upgrade"));

    char *other = mlf_test_path(f->pool, "other.db");
    mlf_test_sql(other, "CREATE TABLE things (id INTEGER PRIMARY KEY)");
    rc = mlf_store_open(file_uri(f, other), &cfg, f->pool, &store, &err);
    assert_int_equal(rc, -MLF_ERR_INTERNAL_ERROR);
    assert_non_null(strstr(err.message, "found version None, but expected f4a9b2c7d1e6"));
    assert_string_equal(mlf_test_query1(f->pool, other, "SELECT count(*) FROM sqlite_master"), "1");
}

static void test_not_a_database_file(void **state)
{
    fixture *f = *state;
    char *path = mlf_test_path(f->pool, "junk.db");
    FILE *out = fopen(path, "wb");
    assert_non_null(out);
    fputs("this is not a database, just text long enough to have a header........................\n", out);
    fclose(out);
    mlf_store_config cfg = {.default_artifact_root = mlf_test_path(f->pool, "artifacts")};
    mlf_store *store = NULL;
    mlf_error err = {0};
    int rc = mlf_store_open(file_uri(f, path), &cfg, f->pool, &store, &err);
    assert_true(rc < 0);
    assert_null(store);
    assert_non_null(strstr(err.message, "file is not a database"));
}

static void test_uri_forms(void **state)
{
    fixture *f = *state;
    mlf_error err = {0};
    const char *id;
    /* in-memory forms */
    const char *memory[] = {"sqlite://", "sqlite:///:memory:", "sqlite+pysqlite://"};
    for (size_t i = 0; i < 3; i++) {
        mlf_store *store = open_ok(f, memory[i]);
        assert_string_equal(store->ops->backend, "sqlite");
        assert_int_equal(mlf_store_create_experiment(store, f->pool, "m", NULL, NULL, 0, &id, &err), 0);
        assert_string_equal(id, "1");
        mlf_store_destroy(store);
    }
    /* a relative path is relative to the working directory */
    char cwd[1024];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(chdir(mlf_test_tmpdir), 0);
    mlf_store *store = open_ok(f, "sqlite:///relative.db?timeout=20");
    mlf_store_destroy(store);
    assert_int_equal(chdir(cwd), 0);
    struct stat st;
    assert_int_equal(stat(mlf_test_path(f->pool, "relative.db"), &st), 0);

    mlf_store_config cfg = {.default_artifact_root = mlf_test_path(f->pool, "artifacts")};
    store = NULL;
    /* nothing listens on port 1: a 503-class error naming the database without its password */
    int rc = mlf_store_open("postgresql+psycopg2://user:secret@127.0.0.1:1/mlflow", &cfg, f->pool, &store, &err);
    assert_int_equal(rc, -MLF_ERR_TEMPORARILY_UNAVAILABLE);
    assert_non_null(strstr(err.message, "Could not connect to the database of "
                                        "postgresql+psycopg2://user:***@127.0.0.1:1/mlflow"));
    assert_null(strstr(err.message, "secret"));
    rc = mlf_store_open("mysql://h/db", &cfg, f->pool, &store, &err);
    assert_error(rc, err, MLF_ERR_INVALID_PARAMETER_VALUE,
                 "unsupported backend store URI 'mysql://h/db': supported are sqlite:///<path>, sqlite:// "
                 "(in-memory) and postgresql://<user>:<password>@<host>:<port>/<database>");
    rc = mlf_store_open("./mlruns", &cfg, f->pool, &store, &err);
    assert_int_equal(rc, -MLF_ERR_INVALID_PARAMETER_VALUE);
    rc = mlf_store_open("sqlite://host/x.db", &cfg, f->pool, &store, &err);
    assert_int_equal(rc, -MLF_ERR_INVALID_PARAMETER_VALUE);
    rc = mlf_store_open("sqlite:relative.db", &cfg, f->pool, &store, &err);
    assert_int_equal(rc, -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_null(store);
    mlf_store_destroy(NULL);
}

static void test_default_experiment_location_for_proxied_root(void **state)
{
    fixture *f = *state;
    mlf_store_config cfg = {.default_artifact_root = "mlflow-artifacts:/"};
    mlf_store *store = NULL;
    mlf_error err = {0};
    assert_int_equal(mlf_store_open("sqlite://", &cfg, f->pool, &store, &err), 0);
    Mlflow__Experiment *e;
    assert_int_equal(mlf_store_get_experiment(store, f->pool, "0", &e, &err), 0);
    assert_string_equal(e->artifact_location, "mlflow-artifacts:/0");
    mlf_store_destroy(store);

    cfg.default_artifact_root = "s3://bucket/root?x=1";
    assert_int_equal(mlf_store_open("sqlite://", &cfg, f->pool, &store, &err), 0);
    assert_int_equal(mlf_store_get_experiment(store, f->pool, "0", &e, &err), 0);
    assert_string_equal(e->artifact_location, "s3://bucket/root/0?x=1");
    mlf_store_destroy(store);

    cfg.default_artifact_root = "s3://bucket/root?x=..";
    store = NULL;
    assert_error(mlf_store_open("sqlite://", &cfg, f->pool, &store, &err), err, MLF_ERR_INVALID_PARAMETER_VALUE,
                 "Invalid query string");
    assert_null(store);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fresh_database_has_every_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fresh_schema_matches_reference, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fresh_schema_text_equals_mlflow_database, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_keeps_data_and_deleted_default, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_default_experiment_is_recreated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mlflow_35_fixture_reads_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_revision_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hand_made_revision_and_foreign_database_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_database_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uri_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_experiment_location_for_proxied_root, setup, teardown),
    };
    return cmocka_run_group_tests_name("store/sqlite_schema", tests, NULL, NULL);
}
