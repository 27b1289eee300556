/*
 * The store's experiment functions (SQLite, and PostgreSQL as store-pg/) against MLflow's behaviour
 * (SqlAlchemyStore and tests/store/tracking/test_sqlalchemy_store.py):
 * results, side effects on runs, every error with its message, and search
 * with filters, order, paging. Filters are built by hand as the parser in
 * src/search would build them.
 */
#include "helpers.h"

#include <pthread.h>
#include <time.h>

#include "store/store.h"

typedef struct {
    mlf_pool *pool;
    mlf_store *store;
    char *db_path; /* a file path or a postgresql:// URI (helpers.h) */
    char *uri;
    char *root;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    f->pool = mlf_pool_create();
    mlf_test_make_tmpdir();
    f->uri = mlf_test_store_uri(f->pool, &f->db_path);
    f->root = mlf_test_path(f->pool, "artifacts");
    mlf_store_config cfg = {.default_artifact_root = f->root};
    mlf_error err = {0};
    if (mlf_store_open(f->uri, &cfg, f->pool, &f->store, &err) != 0)
        fail_msg("open: %s", err.message);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    mlf_store_destroy(f->store);
    mlf_pool_destroy(f->pool);
    mlf_test_remove_tmpdir();
    free(f);
    return 0;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = 0, .tv_nsec = ms * 1000000L};
    nanosleep(&ts, NULL);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *create(fixture *f, const char *name)
{
    const char *id = NULL;
    mlf_error err = {0};
    int rc = mlf_store_create_experiment(f->store, f->pool, name, NULL, NULL, 0, &id, &err);
    if (rc != 0)
        fail_msg("create %s: %s", name, err.message);
    return id;
}

/* Creates experiments one or two milliseconds apart so creation_time orders them. */
static void create_spaced(fixture *f, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        sleep_ms(2);
        create(f, names[i]);
    }
}

static Mlflow__Experiment *get(fixture *f, const char *id)
{
    Mlflow__Experiment *e = NULL;
    mlf_error err = {0};
    int rc = mlf_store_get_experiment(f->store, f->pool, id, &e, &err);
    if (rc != 0)
        fail_msg("get %s: %s", id, err.message);
    return e;
}

static Mlflow__ExperimentTag *mk_tag(mlf_pool *pool, const char *key, const char *value)
{
    Mlflow__ExperimentTag *t = MLF_NEW(pool, Mlflow__ExperimentTag);
    mlflow__experiment_tag__init(t);
    t->key = (char *)key;
    t->value = (char *)value;
    return t;
}

static const char *tag_value(const Mlflow__Experiment *e, const char *key)
{
    for (size_t i = 0; i < e->n_tags; i++)
        if (strcmp(e->tags[i]->key, key) == 0)
            return e->tags[i]->value;
    return NULL;
}

static mlf_search_clause attr(const char *key, mlf_search_op op, const char *value)
{
    return (mlf_search_clause){.entity = MLF_ENTITY_ATTRIBUTE, .key = key, .op = op, .value_kind = MLF_VALUE_STRING,
                               .str = value};
}

static mlf_search_clause attr_num(const char *key, mlf_search_op op, const char *num_text)
{
    return (mlf_search_clause){.entity = MLF_ENTITY_ATTRIBUTE, .key = key, .op = op, .value_kind = MLF_VALUE_NUMBER,
                               .num = atof(num_text), .num_text = num_text};
}

static mlf_search_clause tag(const char *key, mlf_search_op op, const char *value)
{
    return (mlf_search_clause){.entity = MLF_ENTITY_TAG, .key = key, .op = op, .value_kind = MLF_VALUE_STRING,
                               .str = value};
}

static mlf_search_order order(const char *key, bool ascending)
{
    return (mlf_search_order){.entity = MLF_ENTITY_ATTRIBUTE, .key = key, .ascending = ascending};
}

typedef struct {
    Mlflow__ViewType view;
    int64_t max_results;
    const mlf_search_clause *clauses;
    size_t n_clauses;
    const mlf_search_order *orders;
    size_t n_orders;
    int64_t offset;
} search_args;

static mlf_store_experiment_page search_page(fixture *f, search_args a)
{
    mlf_store_experiment_page page = {0};
    mlf_error err = {0};
    if (a.view == 0)
        a.view = MLFLOW__VIEW_TYPE__ACTIVE_ONLY;
    if (a.max_results == 0)
        a.max_results = 1000;
    int rc = mlf_store_search_experiments(f->store, f->pool, a.view, a.max_results, a.clauses, a.n_clauses, a.orders,
                                          a.n_orders, a.offset, &page, &err);
    if (rc != 0)
        fail_msg("search: %s", err.message);
    return page;
}

/* The names of a page joined by commas. */
static char *names(fixture *f, mlf_store_experiment_page page)
{
    mlf_buf b;
    mlf_buf_init(&b, f->pool, 64);
    for (size_t i = 0; i < page.n; i++) {
        if (i > 0)
            mlf_buf_putc(&b, ',');
        mlf_buf_puts(&b, page.experiments[i]->name);
    }
    return b.data;
}

static char *ids(fixture *f, mlf_store_experiment_page page)
{
    mlf_buf b;
    mlf_buf_init(&b, f->pool, 64);
    for (size_t i = 0; i < page.n; i++) {
        if (i > 0)
            mlf_buf_putc(&b, ',');
        mlf_buf_puts(&b, page.experiments[i]->experiment_id);
    }
    return b.data;
}

#define SEARCH(f, ...) search_page((f), (search_args){__VA_ARGS__})
#define CLAUSES(...) .clauses = (const mlf_search_clause[]){__VA_ARGS__},                                              \
                     .n_clauses = sizeof((const mlf_search_clause[]){__VA_ARGS__}) / sizeof(mlf_search_clause)
#define ORDERS(...) .orders = (const mlf_search_order[]){__VA_ARGS__},                                                 \
                    .n_orders = sizeof((const mlf_search_order[]){__VA_ARGS__}) / sizeof(mlf_search_order)

/* ---- create / get ---- */

static void test_create_experiment(void **state)
{
    fixture *f = *state;
    int64_t before = now_ms();
    const char *id = create(f, "test exp");
    assert_string_equal(id, "1");
    Mlflow__Experiment *e = get(f, id);
    assert_string_equal(e->experiment_id, "1");
    assert_string_equal(e->name, "test exp");
    assert_string_equal(e->lifecycle_stage, "active");
    assert_string_equal(e->artifact_location, mlf_pool_sprintf(f->pool, "%s/1", f->root));
    assert_true(e->has_creation_time && e->creation_time >= before);
    assert_true(e->has_last_update_time && e->last_update_time == e->creation_time);
    assert_int_equal(e->n_tags, 0);
    assert_string_equal(create(f, "second"), "2");
}

static void test_create_experiment_with_tags_and_location(void **state)
{
    fixture *f = *state;
    Mlflow__ExperimentTag *tags[] = {mk_tag(f->pool, "key1", "val1"), mk_tag(f->pool, "key2", "val2")};
    const char *id;
    mlf_error err = {0};
    assert_int_equal(mlf_store_create_experiment(f->store, f->pool, "tagged", "s3://bucket/some/where", tags, 2,
                                                 &id, &err),
                     0);
    Mlflow__Experiment *e = get(f, id);
    assert_string_equal(e->artifact_location, "s3://bucket/some/where");
    assert_int_equal(e->n_tags, 2);
    assert_string_equal(tag_value(e, "key1"), "val1");
    assert_string_equal(tag_value(e, "key2"), "val2");

    /* a relative local location is made absolute against the working directory */
    char cwd[1024];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(mlf_store_create_experiment(f->store, f->pool, "relative", "some location", NULL, 0, &id,
                                                 &err),
                     0);
    assert_string_equal(get(f, id)->artifact_location, mlf_pool_sprintf(f->pool, "%s/some location", cwd));
    assert_int_equal(mlf_store_create_experiment(f->store, f->pool, "file-rel", "file:rel/dir?x=1", NULL, 0, &id,
                                                 &err),
                     0);
    assert_string_equal(get(f, id)->artifact_location, mlf_pool_sprintf(f->pool, "file://%s/rel/dir?x=1", cwd));
    /* remote file: URIs are refused as MLflow's is_local_uri does */
    assert_error(mlf_store_create_experiment(f->store, f->pool, "remote", "file://otherhost/x", NULL, 0, &id,
                                             &err),
                 err, MLF_ERR_INTERNAL_ERROR,
                 "file://otherhost/x is not a valid remote uri. For remote access on windows, please consider using "
                 "a different scheme such as SMB (e.g. smb://<hostname>/<path>).");
}

static void test_create_duplicate_name(void **state)
{
    fixture *f = *state;
    create(f, "test");
    const char *id;
    mlf_error err = {0};
    int rc = mlf_store_create_experiment(f->store, f->pool, "test", NULL, NULL, 0, &id, &err);
    assert_integrity_error(rc, err, MLF_ERR_RESOURCE_ALREADY_EXISTS,
                           "Experiment(name=test) already exists. Error: (sqlite3.IntegrityError) UNIQUE constraint "
                           "failed: experiments.workspace, experiments.name",
                           "Experiment(name=test) already exists. Error: " MLF_TEST_AUTOFLUSH MLF_TEST_PG_UNIQUE
                           "\"uq_experiments_workspace_name\"\nDETAIL:  Key (workspace, name)=(default, test) already "
                           "exists.");
    /* also with an explicit location (MLflow's regression test) */
    rc = mlf_store_create_experiment(f->store, f->pool, "test", "/tmp/x", NULL, 0, &id, &err);
    assert_int_equal(rc, -MLF_ERR_RESOURCE_ALREADY_EXISTS);
    /* duplicate tag keys fail the same way and leave nothing behind */
    Mlflow__ExperimentTag *tags[] = {mk_tag(f->pool, "k", "1"), mk_tag(f->pool, "k", "2")};
    rc = mlf_store_create_experiment(f->store, f->pool, "dup-tags", NULL, tags, 2, &id, &err);
    assert_integrity_error(rc, err, MLF_ERR_RESOURCE_ALREADY_EXISTS,
                           "Experiment(name=dup-tags) already exists. Error: (sqlite3.IntegrityError) UNIQUE constraint "
                           "failed: experiment_tags.key, experiment_tags.experiment_id",
                           "Experiment(name=dup-tags) already exists. Error: " MLF_TEST_AUTOFLUSH MLF_TEST_PG_UNIQUE
                           "\"experiment_tag_pk\"\nDETAIL:  Key (key, experiment_id)=(k, ");
    Mlflow__Experiment *e = NULL;
    assert_int_equal(mlf_store_get_experiment_by_name(f->store, f->pool, "dup-tags", &e, &err), 0);
    assert_null(e);
    /* SQLite reuses the ids of the failed inserts; a PostgreSQL sequence does not (as with MLflow there) */
    const char *next = create(f, "next");
    if (mlf_test_pg())
        assert_true(atoi(next) >= 2);
    else
        assert_string_equal(next, "2");
}

static void test_get_experiment_errors(void **state)
{
    fixture *f = *state;
    Mlflow__Experiment *e = NULL;
    mlf_error err = {0};
    assert_error(mlf_store_get_experiment(f->store, f->pool, "100", &e, &err), err,
                 MLF_ERR_RESOURCE_DOES_NOT_EXIST, "No Experiment with id=100 exists");
    assert_error(mlf_store_get_experiment(f->store, f->pool, "-1", &e, &err), err,
                 MLF_ERR_RESOURCE_DOES_NOT_EXIST, "No Experiment with id=-1 exists");
    /* int() of a non-integer: _parse_experiment_id's INVALID_PARAMETER_VALUE */
    assert_error(mlf_store_get_experiment(f->store, f->pool, "abc", &e, &err), err, MLF_ERR_INVALID_PARAMETER_VALUE,
                 "Invalid experiment ID 'abc'. Experiment ID must be a valid integer.");
    assert_error(mlf_store_get_experiment(f->store, f->pool, "1'; DROP TABLE x", &e, &err), err,
                 MLF_ERR_INVALID_PARAMETER_VALUE,
                 "Invalid experiment ID '1'; DROP TABLE x'. Experiment ID must be a valid integer.");
    /* too large for SQLite's INTEGER; psycopg2 sends it as a numeric literal, which matches no row */
    if (mlf_test_pg())
        assert_error(mlf_store_get_experiment(f->store, f->pool, "99999999999999999999", &e, &err), err,
                     MLF_ERR_RESOURCE_DOES_NOT_EXIST, "No Experiment with id=99999999999999999999 exists");
    else
        assert_error(mlf_store_get_experiment(f->store, f->pool, "99999999999999999999", &e, &err), err,
                     MLF_ERR_INTERNAL_ERROR, "Python int too large to convert to SQLite INTEGER");
    /* what int() accepts finds the experiment, and the message keeps the id as given */
    assert_string_equal(get(f, " 0 ")->name, "Default");
    assert_string_equal(get(f, "+0")->name, "Default");
    assert_error(mlf_store_get_experiment(f->store, f->pool, "0_1", &e, &err), err,
                 MLF_ERR_RESOURCE_DOES_NOT_EXIST, "No Experiment with id=0_1 exists");
    /* `experiment_id or "0"` */
    assert_string_equal(get(f, "")->name, "Default");
    assert_string_equal(get(f, NULL)->name, "Default");
}

static void test_get_experiment_by_name(void **state)
{
    fixture *f = *state;
    const char *id = create(f, "goku");
    Mlflow__Experiment *e = NULL;
    mlf_error err = {0};
    assert_int_equal(mlf_store_get_experiment_by_name(f->store, f->pool, "goku", &e, &err), 0);
    assert_non_null(e);
    assert_string_equal(e->experiment_id, id);
    assert_int_equal(mlf_store_get_experiment_by_name(f->store, f->pool, "idontexist", &e, &err), 0);
    assert_null(e);
    assert_int_equal(mlf_store_get_experiment_by_name(f->store, f->pool, "GOKU", &e, &err), 0);
    assert_null(e); /* names are case-sensitive */
    assert_int_equal(mlf_store_delete_experiment(f->store, f->pool, id, &err), 0);
    assert_int_equal(mlf_store_get_experiment_by_name(f->store, f->pool, "goku", &e, &err), 0);
    assert_non_null(e);
    assert_string_equal(e->lifecycle_stage, "deleted");
}

/* ---- delete / restore ---- */

static void insert_run(fixture *f, const char *run_id, const char *experiment_id, const char *stage)
{
    mlf_test_sql(f->db_path,
                 "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, "
                 "start_time, source_version, lifecycle_stage, artifact_uri, experiment_id, deleted_time) "
                 "VALUES ('%s', 'run', 'LOCAL', '', '', 'me', 'RUNNING', 1, '', '%s', 'a', %s, %s)",
                 run_id, stage, experiment_id, strcmp(stage, "deleted") == 0 ? "5" : "NULL");
}

static void test_delete_and_restore(void **state)
{
    fixture *f = *state;
    const char *id = create(f, "morty");
    create(f, "rick");
    insert_run(f, "r1", id, "active");
    insert_run(f, "r2", id, "deleted");
    insert_run(f, "r3", "2", "active");
    Mlflow__Experiment *before = get(f, id);
    sleep_ms(5);
    mlf_error err = {0};
    assert_int_equal(mlf_store_delete_experiment(f->store, f->pool, id, &err), 0);
    Mlflow__Experiment *deleted = get(f, id);
    assert_string_equal(deleted->lifecycle_stage, "deleted");
    assert_true(deleted->last_update_time > before->last_update_time);
    assert_int_equal(deleted->creation_time, before->creation_time);
    /* every run of the experiment is marked deleted with a deleted_time; others are untouched */
    assert_string_equal(mlf_test_query_all(f->pool, f->db_path,
                                           "SELECT run_uuid, lifecycle_stage, CASE WHEN deleted_time IS NULL THEN "
                                           "'null' WHEN deleted_time >= 1700000000000 THEN '1' ELSE '0' END "
                                           "FROM runs ORDER BY run_uuid"),
                        "r1:deleted:1,r2:deleted:1,r3:active:null");
    /* deleting again: only active experiments can be deleted */
    assert_error(mlf_store_delete_experiment(f->store, f->pool, id, &err), err, MLF_ERR_RESOURCE_DOES_NOT_EXIST,
                 "No Experiment with id=1 exists");
    assert_string_equal(names(f, SEARCH(f, .view = MLFLOW__VIEW_TYPE__ACTIVE_ONLY)), "rick,Default");

    sleep_ms(5);
    assert_int_equal(mlf_store_restore_experiment(f->store, f->pool, id, &err), 0);
    Mlflow__Experiment *restored = get(f, id);
    assert_string_equal(restored->lifecycle_stage, "active");
    assert_true(restored->last_update_time > deleted->last_update_time);
    /* restore reactivates every run of the experiment and clears deleted_time */
    assert_string_equal(mlf_test_query_all(f->pool, f->db_path,
                                           "SELECT run_uuid, lifecycle_stage, deleted_time FROM runs ORDER BY run_uuid"),
                        "r1:active:null,r2:active:null,r3:active:null");
    assert_error(mlf_store_restore_experiment(f->store, f->pool, id, &err), err, MLF_ERR_RESOURCE_DOES_NOT_EXIST,
                 "No Experiment with id=1 exists");
    assert_error(mlf_store_delete_experiment(f->store, f->pool, "42", &err), err, MLF_ERR_RESOURCE_DOES_NOT_EXIST,
                 "No Experiment with id=42 exists");
    assert_error(mlf_store_delete_experiment(f->store, f->pool, "x", &err), err, MLF_ERR_INVALID_PARAMETER_VALUE,
                 "Invalid experiment ID 'x'. Experiment ID must be a valid integer.");
}

static void test_delete_default_experiment(void **state)
{
    fixture *f = *state;
    create(f, "aNothEr");
    mlf_error err = {0};
    assert_int_equal(mlf_store_delete_experiment(f->store, f->pool, "0", &err), 0);
    assert_string_equal(names(f, SEARCH(f, 0)), "aNothEr");
    assert_string_equal(get(f, "0")->lifecycle_stage, "deleted");
    /* `experiment_id or "0"` finds Default, then _parse_experiment_id("") of the run lookup fails as in MLflow */
    assert_int_equal(mlf_store_restore_experiment(f->store, f->pool, "0", &err), 0);
    assert_error(mlf_store_delete_experiment(f->store, f->pool, "", &err), err, MLF_ERR_INVALID_PARAMETER_VALUE,
                 "Invalid experiment ID ''. Experiment ID must be a valid integer.");
    assert_string_equal(get(f, "0")->lifecycle_stage, "active"); /* rolled back */
}

/* ---- rename ---- */

static void test_rename_experiment(void **state)
{
    fixture *f = *state;
    const char *id = create(f, "test name");
    Mlflow__Experiment *before = get(f, id);
    sleep_ms(5);
    mlf_error err = {0};
    assert_int_equal(mlf_store_rename_experiment(f->store, f->pool, id, "new name", &err), 0);
    Mlflow__Experiment *after = get(f, id);
    assert_string_equal(after->name, "new name");
    assert_true(after->last_update_time > before->last_update_time);

    create(f, "taken");
    assert_integrity_error(mlf_store_rename_experiment(f->store, f->pool, id, "taken", &err), err,
                           MLF_ERR_BAD_REQUEST,
                           "(sqlite3.IntegrityError) UNIQUE constraint failed: experiments.workspace, experiments.name",
                           MLF_TEST_PG_UNIQUE "\"uq_experiments_workspace_name\"\nDETAIL:  Key (workspace, name)=(default, "
                                              "taken) already exists.\n"
                                              "\n[SQL: UPDATE experiments SET name=%(name)s, last_update_time="
                                              "%(last_update_time)s WHERE experiments.experiment_id = "
                                              "%(experiments_experiment_id)s]\n[parameters: {'name': 'taken', ");
    assert_string_equal(get(f, id)->name, "new name");
    /* renaming to its own name is fine */
    assert_int_equal(mlf_store_rename_experiment(f->store, f->pool, id, "new name", &err), 0);

    assert_int_equal(mlf_store_delete_experiment(f->store, f->pool, id, &err), 0);
    assert_error(mlf_store_rename_experiment(f->store, f->pool, id, "again", &err), err, MLF_ERR_INVALID_STATE,
                 "Cannot rename a non-active experiment.");
    assert_error(mlf_store_rename_experiment(f->store, f->pool, "77", "again", &err), err,
                 MLF_ERR_RESOURCE_DOES_NOT_EXIST, "No Experiment with id=77 exists");
}

/* ---- tags ---- */

static void test_set_experiment_tag(void **state)
{
    fixture *f = *state;
    const char *id = create(f, "setExperimentTagExp");
    mlf_error err = {0};
    assert_int_equal(mlf_store_set_experiment_tag(f->store, f->pool, id, "tag0", "value0", &err), 0);
    assert_string_equal(tag_value(get(f, id), "tag0"), "value0");
    assert_int_equal(mlf_store_set_experiment_tag(f->store, f->pool, id, "tag0", "value00000", &err), 0);
    assert_string_equal(tag_value(get(f, id), "tag0"), "value00000");
    assert_int_equal(get(f, id)->n_tags, 1);

    const char *id2 = create(f, "setExperimentTagExp2");
    assert_int_equal(get(f, id2)->n_tags, 0);
    assert_int_equal(mlf_store_set_experiment_tag(f->store, f->pool, id2, "tag0", "differentValue", &err), 0);
    assert_string_equal(tag_value(get(f, id), "tag0"), "value00000");
    assert_string_equal(tag_value(get(f, id2), "tag0"), "differentValue");

    assert_int_equal(mlf_store_set_experiment_tag(f->store, f->pool, id, "multiline tag", "v2\nv2\nv2", &err), 0);
    assert_string_equal(tag_value(get(f, id), "multiline tag"), "v2\nv2\nv2");
    /* setting a tag does not touch last_update_time (as in MLflow) */
    Mlflow__Experiment *e = get(f, id);
    assert_int_equal(e->last_update_time, e->creation_time);

    assert_error(mlf_store_set_experiment_tag(f->store, f->pool, "55", "k", "v", &err), err,
                 MLF_ERR_RESOURCE_DOES_NOT_EXIST, "No Experiment with id=55 exists");
    /* "" fetches the Default experiment, then the tag row's experiment_id "" is refused by the database */
    assert_error(mlf_store_set_experiment_tag(f->store, f->pool, "", "k", "v", &err), err, MLF_ERR_BAD_REQUEST,
                 mlf_test_pg() ? "(psycopg2.errors.InvalidTextRepresentation) invalid input syntax for type integer: "
                                 "\"\""
                               : "(sqlite3.IntegrityError) FOREIGN KEY constraint failed");
    assert_int_equal(mlf_store_delete_experiment(f->store, f->pool, id, &err), 0);
    assert_error(mlf_store_set_experiment_tag(f->store, f->pool, id, "should", "notset", &err), err,
                 MLF_ERR_INVALID_PARAMETER_VALUE,
                 "The experiment 1 must be in the 'active' state. Current state is deleted.");
    /* the message names the stored id, not the text given */
    assert_error(mlf_store_set_experiment_tag(f->store, f->pool, "01", "should", "notset", &err), err,
                 MLF_ERR_INVALID_PARAMETER_VALUE,
                 "The experiment 1 must be in the 'active' state. Current state is deleted.");
}

static void test_delete_experiment_tag(void **state)
{
    fixture *f = *state;
    const char *id = create(f, "tags");
    mlf_error err = {0};
    assert_int_equal(mlf_store_set_experiment_tag(f->store, f->pool, id, "tag0", "value0", &err), 0);
    assert_int_equal(mlf_store_set_experiment_tag(f->store, f->pool, id, "tag1", "value1", &err), 0);
    assert_int_equal(mlf_store_delete_experiment_tag(f->store, f->pool, id, "tag0", &err), 0);
    Mlflow__Experiment *e = get(f, id);
    assert_null(tag_value(e, "tag0"));
    assert_string_equal(tag_value(e, "tag1"), "value1");
    assert_error(mlf_store_delete_experiment_tag(f->store, f->pool, id, "tag0", &err), err,
                 MLF_ERR_RESOURCE_DOES_NOT_EXIST, "No tag with name: tag0 in experiment with id 1");
    assert_error(mlf_store_delete_experiment_tag(f->store, f->pool, "9", "tag1", &err), err,
                 MLF_ERR_RESOURCE_DOES_NOT_EXIST, "No Experiment with id=9 exists");
    assert_int_equal(mlf_store_delete_experiment(f->store, f->pool, id, &err), 0);
    assert_error(mlf_store_delete_experiment_tag(f->store, f->pool, id, "tag1", &err), err,
                 MLF_ERR_INVALID_PARAMETER_VALUE,
                 "The experiment 1 must be in the 'active' state. Current state is deleted.");
}

/* ---- search ---- */

static void test_search_view_type(void **state)
{
    fixture *f = *state;
    const char *const n[] = {"a", "b"};
    create_spaced(f, n, 2);
    mlf_error err = {0};
    assert_int_equal(mlf_store_delete_experiment(f->store, f->pool, "2", &err), 0);
    assert_string_equal(names(f, SEARCH(f, .view = MLFLOW__VIEW_TYPE__ACTIVE_ONLY)), "a,Default");
    assert_string_equal(names(f, SEARCH(f, .view = MLFLOW__VIEW_TYPE__DELETED_ONLY)), "b");
    assert_string_equal(names(f, SEARCH(f, .view = MLFLOW__VIEW_TYPE__ALL)), "b,a,Default");
    assert_string_equal(names(f, SEARCH(f, .view = (Mlflow__ViewType)7)), "");
}

static void test_search_filter_by_attribute(void **state)
{
    fixture *f = *state;
    const char *const n[] = {"a", "ab", "Abc"};
    create_spaced(f, n, 3);
    assert_string_equal(names(f, SEARCH(f, CLAUSES(attr("name", MLF_OP_EQ, "a")))), "a");
    assert_string_equal(names(f, SEARCH(f, CLAUSES(attr("name", MLF_OP_NE, "a")))), "Abc,ab,Default");
    /* LIKE is case-sensitive, ILIKE is not (MLflow runs SQLite with case_sensitive_like) */
    assert_string_equal(names(f, SEARCH(f, CLAUSES(attr("name", MLF_OP_LIKE, "a%")))), "ab,a");
    assert_string_equal(names(f, SEARCH(f, CLAUSES(attr("name", MLF_OP_ILIKE, "a%")))), "Abc,ab,a");
    assert_string_equal(names(f, SEARCH(f, CLAUSES(attr("name", MLF_OP_ILIKE, "a%"), attr("name", MLF_OP_ILIKE, "%b")))),
                        "ab");
    assert_string_equal(names(f, SEARCH(f, CLAUSES(attr("name", MLF_OP_LIKE, "_b%")))), "Abc,ab");
    assert_string_equal(names(f, SEARCH(f, CLAUSES(attr("name", MLF_OP_EQ, "A")))), "");
    /* values only ever reach SQL as bound parameters */
    assert_string_equal(names(f, SEARCH(f, CLAUSES(attr("name", MLF_OP_EQ, "a' OR '1'='1")))), "");
}

static void test_search_filter_by_time_attribute(void **state)
{
    fixture *f = *state;
    sleep_ms(2);
    int64_t before1 = now_ms();
    const char *id1 = create(f, "1");
    Mlflow__Experiment *e1 = get(f, id1);
    sleep_ms(2);
    int64_t before2 = now_ms();
    const char *id2 = create(f, "2");
    Mlflow__Experiment *e2 = get(f, id2);
    char *t1 = mlf_pool_sprintf(f->pool, "%" PRId64, e1->creation_time);

    assert_string_equal(ids(f, SEARCH(f, CLAUSES(attr_num("creation_time", MLF_OP_EQ, t1)))), "1");
    assert_string_equal(ids(f, SEARCH(f, CLAUSES(attr_num("creation_time", MLF_OP_NE, t1)))), "2,0");
    assert_string_equal(
        ids(f, SEARCH(f, CLAUSES(attr_num("creation_time", MLF_OP_GE, mlf_pool_sprintf(f->pool, "%" PRId64, before1))))),
        "2,1");
    assert_string_equal(
        ids(f, SEARCH(f, CLAUSES(attr_num("creation_time", MLF_OP_LT, mlf_pool_sprintf(f->pool, "%" PRId64, before2))))),
        "1,0");
    sleep_ms(2);
    assert_string_equal(
        ids(f, SEARCH(f, CLAUSES(attr_num("creation_time", MLF_OP_GE, mlf_pool_sprintf(f->pool, "%" PRId64, now_ms()))))),
        "");
    /* MLflow 3.18 binds int() of the literal (a float literal is refused by the filter's checks): beyond int64,
       sqlite3 cannot bind it and psycopg2 sends a numeric that no time reaches */
    mlf_search_clause huge = attr_num("creation_time", MLF_OP_LE, "99999999999999999999");
    if (mlf_test_pg()) {
        assert_string_equal(ids(f, SEARCH(f, CLAUSES(huge))), "2,1,0");
    } else {
        mlf_store_experiment_page page = {0};
        mlf_error err = {0};
        assert_int_equal(mlf_store_search_experiments(f->store, f->pool, MLFLOW__VIEW_TYPE__ACTIVE_ONLY, 1000, &huge,
                                                      1, NULL, 0, 0, &page, &err),
                         -MLF_ERR_INTERNAL_ERROR);
        assert_string_equal(err.message, "Python int too large to convert to SQLite INTEGER");
    }

    sleep_ms(2);
    int64_t before_rename = now_ms();
    mlf_error err = {0};
    assert_int_equal(mlf_store_rename_experiment(f->store, f->pool, id1, "new_name", &err), 0);
    assert_string_equal(ids(f, SEARCH(f, CLAUSES(attr_num("last_update_time", MLF_OP_GE,
                                                          mlf_pool_sprintf(f->pool, "%" PRId64, before_rename))))),
                        "1");
    assert_string_equal(ids(f, SEARCH(f, CLAUSES(attr_num("last_update_time", MLF_OP_EQ,
                                                          mlf_pool_sprintf(f->pool, "%" PRId64, e2->last_update_time))))),
                        "2");
    assert_string_equal(ids(f, SEARCH(f, CLAUSES(attr_num("last_update_time", MLF_OP_GT, "0")))), "2,1,0");
}

static void test_search_filter_by_tag(void **state)
{
    fixture *f = *state;
    const char *id;
    mlf_error err = {0};
    struct {
        const char *name;
        Mlflow__ExperimentTag *tags[2];
        size_t n;
    } exps[] = {
        {"exp1", {mk_tag(f->pool, "key1", "value"), mk_tag(f->pool, "key2", "value")}, 2},
        {"exp2", {mk_tag(f->pool, "key1", "vaLue"), mk_tag(f->pool, "key2", "vaLue")}, 2},
        {"exp3", {mk_tag(f->pool, "k e y 1", "value")}, 1},
    };
    for (size_t i = 0; i < 3; i++) {
        sleep_ms(2);
        assert_int_equal(mlf_store_create_experiment(f->store, f->pool, exps[i].name, NULL, exps[i].tags,
                                                     exps[i].n, &id, &err),
                         0);
    }
    assert_string_equal(names(f, SEARCH(f, CLAUSES(tag("key1", MLF_OP_EQ, "value")))), "exp1");
    assert_string_equal(names(f, SEARCH(f, CLAUSES(tag("k e y 1", MLF_OP_EQ, "value")))), "exp3");
    assert_string_equal(names(f, SEARCH(f, CLAUSES(tag("key1", MLF_OP_NE, "value")))), "exp2");
    assert_string_equal(names(f, SEARCH(f, CLAUSES(tag("key1", MLF_OP_NE, "VALUE")))), "exp2,exp1");
    assert_string_equal(names(f, SEARCH(f, CLAUSES(tag("key1", MLF_OP_LIKE, "val%")))), "exp1");
    assert_string_equal(names(f, SEARCH(f, CLAUSES(tag("key1", MLF_OP_LIKE, "%Lue")))), "exp2");
    assert_string_equal(names(f, SEARCH(f, CLAUSES(tag("key1", MLF_OP_ILIKE, "%alu%")))), "exp2,exp1");
    assert_string_equal(names(f, SEARCH(f, CLAUSES(tag("key1", MLF_OP_LIKE, "va%"), tag("key2", MLF_OP_LIKE, "%Lue")))),
                        "exp2");
    assert_string_equal(names(f, SEARCH(f, CLAUSES(tag("KEY", MLF_OP_EQ, "value")))), "");
    /* attribute and tag together */
    assert_string_equal(names(f, SEARCH(f, CLAUSES(attr("name", MLF_OP_ILIKE, "EXP%"), tag("key2", MLF_OP_EQ, "value")))),
                        "exp1");
    /* results carry all their tags, not only the matched one */
    mlf_store_experiment_page page = SEARCH(f, CLAUSES(tag("key1", MLF_OP_EQ, "vaLue")));
    assert_int_equal(page.n, 1);
    assert_int_equal(page.experiments[0]->n_tags, 2);
    assert_string_equal(tag_value(page.experiments[0], "key2"), "vaLue");
}

static void test_search_order_by(void **state)
{
    fixture *f = *state;
    const char *const n[] = {"x", "y", "z"};
    create_spaced(f, n, 3);
    assert_string_equal(names(f, SEARCH(f, ORDERS(order("name", true)))), "Default,x,y,z");
    assert_string_equal(names(f, SEARCH(f, ORDERS(order("name", false)))), "z,y,x,Default");
    assert_string_equal(names(f, SEARCH(f, ORDERS(order("experiment_id", false)))), "z,y,x,Default");
    assert_string_equal(names(f, SEARCH(f, ORDERS(order("name", true), order("experiment_id", true)))), "Default,x,y,z");
    assert_string_equal(ids(f, SEARCH(f, ORDERS(order("creation_time", true)))), "0,1,2,3");
    assert_string_equal(ids(f, SEARCH(f, ORDERS(order("creation_time", false)))), "3,2,1,0");
    assert_string_equal(ids(f, SEARCH(f, ORDERS(order("last_update_time", true)))), "0,1,2,3");
    mlf_error err = {0};
    sleep_ms(2);
    assert_int_equal(mlf_store_rename_experiment(f->store, f->pool, "1", "new_name", &err), 0);
    assert_string_equal(ids(f, SEARCH(f, ORDERS(order("last_update_time", true)))), "0,2,3,1");

    /* ties: without experiment_id in the order, experiment_id DESC breaks them */
    mlf_test_sql(f->db_path, "UPDATE experiments SET creation_time = 1000");
    assert_string_equal(ids(f, SEARCH(f, ORDERS(order("creation_time", true)))), "3,2,1,0");
    /* the default order's own tie-breaker is experiment_id ASC */
    assert_string_equal(ids(f, SEARCH(f, 0)), "0,1,2,3");
}

static void test_search_max_results_and_paging(void **state)
{
    fixture *f = *state;
    const char *const n[] = {"0", "1", "2", "3", "4", "5", "6", "7", "8"};
    create_spaced(f, n, 9);
    assert_string_equal(names(f, SEARCH(f, 0)), "8,7,6,5,4,3,2,1,0,Default");
    assert_string_equal(names(f, SEARCH(f, .max_results = 3)), "8,7,6");

    mlf_store_experiment_page p = SEARCH(f, .max_results = 4);
    assert_string_equal(names(f, p), "8,7,6,5");
    assert_string_equal(p.next_page_token, "eyJvZmZzZXQiOiA0fQ=="); /* base64 of {"offset": 4} */
    p = SEARCH(f, .max_results = 4, .offset = 4);
    assert_string_equal(names(f, p), "4,3,2,1");
    assert_string_equal(p.next_page_token, "eyJvZmZzZXQiOiA4fQ==");
    p = SEARCH(f, .max_results = 4, .offset = 8);
    assert_string_equal(names(f, p), "0,Default");
    assert_null(p.next_page_token);
    /* an exactly full last page has no token: the store asks for one row more */
    p = SEARCH(f, .max_results = 5, .offset = 5);
    assert_int_equal(p.n, 5);
    assert_null(p.next_page_token);
    p = SEARCH(f, .max_results = 5, .offset = 50);
    assert_int_equal(p.n, 0);
    assert_null(p.next_page_token);
    /* tags of every paged result are loaded */
    mlf_error err = {0};
    assert_int_equal(mlf_store_set_experiment_tag(f->store, f->pool, "6", "t", "five", &err), 0); /* named "5" */
    p = SEARCH(f, .max_results = 2, .offset = 3);
    assert_string_equal(names(f, p), "5,4");
    assert_string_equal(tag_value(p.experiments[0], "t"), "five");
    assert_int_equal(p.experiments[1]->n_tags, 0);
}

static void test_search_errors(void **state)
{
    fixture *f = *state;
    mlf_store_experiment_page page = {0};
    mlf_error err = {0};
    mlf_store *s = f->store;
    assert_error(mlf_store_search_experiments(s, f->pool, MLFLOW__VIEW_TYPE__ALL, 0, NULL, 0, NULL, 0, 0, &page, &err),
                 err, MLF_ERR_INVALID_PARAMETER_VALUE,
                 "Invalid value 0 for parameter 'max_results' supplied. It must be a positive integer");
    assert_error(mlf_store_search_experiments(s, f->pool, MLFLOW__VIEW_TYPE__ALL, 1000000, NULL, 0, NULL, 0, 0, &page,
                                              &err),
                 err, MLF_ERR_INVALID_PARAMETER_VALUE,
                 "Invalid value 1000000 for parameter 'max_results' supplied. It must be at most 50000");
    assert_int_equal(
        mlf_store_search_experiments(s, f->pool, MLFLOW__VIEW_TYPE__ALL, 50000, NULL, 0, NULL, 0, 0, &page, &err), 0);

    mlf_search_clause bad_string = attr("name", MLF_OP_LT, "a");
    assert_error(mlf_store_search_experiments(s, f->pool, MLFLOW__VIEW_TYPE__ALL, 10, &bad_string, 1, NULL, 0, 0, &page,
                                              &err),
                 err, MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid comparator for string attribute: <");
    mlf_search_clause bad_numeric = attr_num("creation_time", MLF_OP_LIKE, "1");
    assert_error(mlf_store_search_experiments(s, f->pool, MLFLOW__VIEW_TYPE__ALL, 10, &bad_numeric, 1, NULL, 0, 0, &page,
                                              &err),
                 err, MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid comparator for numeric attribute: LIKE");
    mlf_search_clause bad_tag = tag("k", MLF_OP_GT, "a");
    assert_error(mlf_store_search_experiments(s, f->pool, MLFLOW__VIEW_TYPE__ALL, 10, &bad_tag, 1, NULL, 0, 0, &page,
                                              &err),
                 err, MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid comparator for tag: >");
    mlf_search_clause metric = {.entity = MLF_ENTITY_METRIC, .key = "m", .op = MLF_OP_EQ,
                                .value_kind = MLF_VALUE_NUMBER, .num_text = "1"};
    assert_error(mlf_store_search_experiments(s, f->pool, MLFLOW__VIEW_TYPE__ALL, 10, &metric, 1, NULL, 0, 0, &page,
                                              &err),
                 err, MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid token type: metric");
    mlf_search_clause unknown = attr("experiment_id; DROP TABLE experiments", MLF_OP_EQ, "1");
    int rc = mlf_store_search_experiments(s, f->pool, MLFLOW__VIEW_TYPE__ALL, 10, &unknown, 1, NULL, 0, 0, &page, &err);
    assert_int_equal(rc, -MLF_ERR_INVALID_PARAMETER_VALUE);
    mlf_search_order bad_order = {.entity = MLF_ENTITY_TAG, .key = "k", .ascending = true};
    assert_error(mlf_store_search_experiments(s, f->pool, MLFLOW__VIEW_TYPE__ALL, 10, NULL, 0, &bad_order, 1, 0, &page,
                                              &err),
                 err, MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid order_by entity: tag");
    assert_string_equal(mlf_test_query1(f->pool, f->db_path, "SELECT count(*) FROM experiments"), "1");
}

/* ---- concurrency ---- */

typedef struct {
    mlf_store *store;
    int thread;
    int failures;
    char last_error[256];
} worker_arg;

static void *worker(void *p)
{
    worker_arg *a = p;
    mlf_pool *pool = mlf_pool_create();
    for (int i = 0; i < 25; i++) {
        mlf_pool_reset(pool);
        mlf_error err = {0};
        const char *id;
        char *name = mlf_pool_sprintf(pool, "t%d-%d", a->thread, i);
        int rc = mlf_store_create_experiment(a->store, pool, name, NULL, NULL, 0, &id, &err);
        if (rc == 0)
            rc = mlf_store_set_experiment_tag(a->store, pool, id, "k", name, &err);
        Mlflow__Experiment *e = NULL;
        if (rc == 0)
            rc = mlf_store_get_experiment(a->store, pool, id, &e, &err);
        mlf_store_experiment_page page = {0};
        if (rc == 0)
            rc = mlf_store_search_experiments(a->store, pool, MLFLOW__VIEW_TYPE__ALL, 50, NULL, 0, NULL, 0, 0, &page,
                                              &err);
        if (rc != 0) {
            a->failures++;
            snprintf(a->last_error, sizeof(a->last_error), "%s", err.message);
        } else if (e == NULL || strcmp(e->name, name) != 0 || e->n_tags != 1) {
            a->failures++;
            snprintf(a->last_error, sizeof(a->last_error), "bad read of %s", name);
        }
    }
    mlf_pool_destroy(pool);
    return NULL;
}

/* Threads on one store, and a second store on the same database (as a second process would be), never fail on locks. */
static void test_concurrent_writers_and_readers(void **state)
{
    fixture *f = *state;
    mlf_store_config cfg = {.default_artifact_root = f->root};
    mlf_store *second;
    mlf_error err = {0};
    assert_int_equal(mlf_store_open(f->uri, &cfg, f->pool, &second, &err), 0);
    enum { N = 12 };
    pthread_t th[N];
    worker_arg args[N];
    for (int i = 0; i < N; i++) {
        args[i] = (worker_arg){.store = i % 3 == 0 ? second : f->store, .thread = i};
        assert_int_equal(pthread_create(&th[i], NULL, worker, &args[i]), 0);
    }
    for (int i = 0; i < N; i++) /* all of them before any check: a failed check ends the test */
        pthread_join(th[i], NULL);
    mlf_store_destroy(second);
    for (int i = 0; i < N; i++)
        if (args[i].failures != 0)
            fail_msg("thread %d: %d failures, last: %s", i, args[i].failures, args[i].last_error);
    assert_string_equal(mlf_test_query1(f->pool, f->db_path, "SELECT count(*) FROM experiments"), "301");
    assert_string_equal(mlf_test_query1(f->pool, f->db_path, "SELECT max(experiment_id) FROM experiments"), "300");
}

static void test_in_memory_store_threads(void **state)
{
    fixture *f = *state;
    if (mlf_test_pg())
        skip(); /* sqlite:// */
    mlf_store_config cfg = {.default_artifact_root = "mlflow-artifacts:/"};
    mlf_store *mem;
    mlf_error err = {0};
    assert_int_equal(mlf_store_open("sqlite://", &cfg, f->pool, &mem, &err), 0);
    enum { N = 4 };
    pthread_t th[N];
    worker_arg args[N];
    for (int i = 0; i < N; i++) {
        args[i] = (worker_arg){.store = mem, .thread = i};
        assert_int_equal(pthread_create(&th[i], NULL, worker, &args[i]), 0);
    }
    for (int i = 0; i < N; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < N; i++)
        assert_int_equal(args[i].failures, 0);
    mlf_store_experiment_page page = {0};
    assert_int_equal(mlf_store_search_experiments(mem, f->pool, MLFLOW__VIEW_TYPE__ALL, 1000, NULL, 0, NULL, 0, 0, &page,
                                                  &err),
                     0);
    assert_int_equal(page.n, 101);
    /* Default is there once (its creation time may tie with the workers', so not by position) */
    int defaults = 0;
    for (size_t i = 0; i < page.n; i++)
        defaults += strcmp(page.experiments[i]->artifact_location, "mlflow-artifacts:/0") == 0;
    assert_int_equal(defaults, 1);
    mlf_store_destroy(mem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_experiment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_experiment_with_tags_and_location, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_duplicate_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_experiment_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_experiment_by_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_and_restore, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_default_experiment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rename_experiment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_experiment_tag, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_experiment_tag, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_view_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_filter_by_attribute, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_filter_by_time_attribute, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_filter_by_tag, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_order_by, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_max_results_and_paging, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_writers_and_readers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_in_memory_store_threads, setup, teardown),
    };
    return cmocka_run_group_tests_name("store/experiment", tests, NULL, NULL);
}
