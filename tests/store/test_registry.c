/*
 * The store's model registry functions (SQLite: registered_model.c,
 * model_version.c, registry_search.c; and PostgreSQL as store-pg/) against MLflow 3.6's SqlAlchemyStore
 * (tests/store/model_registry/test_sqlalchemy_store.py): entities as
 * to_proto shapes them, cascades, version numbering (also under concurrent
 * writers), stages, aliases, searches with hand-built clauses, the tracking
 * reads source resolution needs, and the registry of MLflow 3.5's fixture.
 */
#include "helpers.h"

#include "store/migrate.h"

#include <pthread.h>
#include <time.h>

#include "store/store.h"

typedef mlf_test_store fixture;

static int setup(void **state)
{
    fixture *f = mlf_test_store_open();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    mlf_test_store_close(*state);
    return 0;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = 0, .tv_nsec = ms * 1000000L};
    nanosleep(&ts, NULL);
}

static Mlflow__RegisteredModelTag *rm_tag(mlf_pool *pool, const char *key, const char *value)
{
    Mlflow__RegisteredModelTag *t = MLF_NEW(pool, Mlflow__RegisteredModelTag);
    mlflow__registered_model_tag__init(t);
    t->key = (char *)key;
    t->value = (char *)value;
    return t;
}

static Mlflow__ModelVersionTag *mv_tag(mlf_pool *pool, const char *key, const char *value)
{
    Mlflow__ModelVersionTag *t = MLF_NEW(pool, Mlflow__ModelVersionTag);
    mlflow__model_version_tag__init(t);
    t->key = (char *)key;
    t->value = (char *)value;
    return t;
}

static Mlflow__RegisteredModel *create_model(fixture *f, const char *name)
{
    Mlflow__RegisteredModel *rm = NULL;
    mlf_error err = {0};
    if (mlf_store_create_registered_model(f->store, f->pool, name, NULL, 0, "", &rm, &err) != 0)
        fail_msg("create model %s: %s", name, err.message);
    return rm;
}

static Mlflow__RegisteredModel *get_model(fixture *f, const char *name)
{
    Mlflow__RegisteredModel *rm = NULL;
    mlf_error err = {0};
    if (mlf_store_get_registered_model(f->store, f->pool, name, &rm, &err) != 0)
        fail_msg("get model %s: %s", name, err.message);
    return rm;
}

static Mlflow__ModelVersion *create_version_with(fixture *f, mlf_store_new_model_version mv)
{
    Mlflow__ModelVersion *ret = NULL;
    mlf_error err = {0};
    if (mv.source == NULL)
        mv.source = "s3://bucket/model";
    if (mv.storage_location == NULL)
        mv.storage_location = mv.source;
    if (mlf_store_create_model_version(f->store, f->pool, &mv, &ret, &err) != 0)
        fail_msg("create version of %s: %s", mv.name, err.message);
    return ret;
}

static Mlflow__ModelVersion *create_version(fixture *f, const char *name)
{
    return create_version_with(
        f, (mlf_store_new_model_version){.name = name, .run_id = "", .run_link = "", .description = ""});
}

static Mlflow__ModelVersion *get_version(fixture *f, const char *name, const char *version)
{
    Mlflow__ModelVersion *mv = NULL;
    mlf_error err = {0};
    if (mlf_store_get_model_version(f->store, f->pool, name, version, &mv, &err) != 0)
        fail_msg("get version %s/%s: %s", name, version, err.message);
    return mv;
}

static void transition(fixture *f, const char *name, const char *version, const char *stage, bool archive)
{
    Mlflow__ModelVersion *mv;
    mlf_error err = {0};
    if (mlf_store_transition_model_version_stage(f->store, f->pool, name, version, stage, archive, &mv, &err) != 0)
        fail_msg("transition %s/%s: %s", name, version, err.message);
}

static void set_alias(fixture *f, const char *name, const char *alias, const char *version)
{
    mlf_error err = {0};
    if (mlf_store_set_registered_model_alias(f->store, f->pool, name, alias, version, &err) != 0)
        fail_msg("alias %s: %s", alias, err.message);
}

/* "version:stage,..." of a list of versions. */
static char *versions_str(fixture *f, Mlflow__ModelVersion *const *mvs, size_t n, bool with_stage)
{
    mlf_buf b;
    mlf_buf_init(&b, f->pool, 64);
    for (size_t i = 0; i < n; i++) {
        mlf_buf_printf(&b, "%s%s", i > 0 ? "," : "", mvs[i]->version);
        if (with_stage)
            mlf_buf_printf(&b, ":%s", mvs[i]->current_stage);
    }
    return b.data;
}

/* ---- registered models ---- */

static void test_create_and_get_registered_model(void **state)
{
    fixture *f = *state;
    Mlflow__RegisteredModelTag *tags[] = {rm_tag(f->pool, "a", "1"), rm_tag(f->pool, "b", "2"),
                                          rm_tag(f->pool, "a", "3")};
    Mlflow__RegisteredModel *rm = NULL;
    mlf_error err = {0};
    assert_int_equal(mlf_store_create_registered_model(f->store, f->pool, "m", tags, 3, "desc", &rm, &err), 0);
    assert_string_equal(rm->name, "m");
    assert_string_equal(rm->description, "desc");
    assert_true(rm->has_creation_timestamp && rm->has_last_updated_timestamp);
    assert_int_equal(rm->creation_timestamp, rm->last_updated_timestamp);
    assert_int_equal(rm->n_tags, 2);
    /* SQLite keeps an upserted row in place; PostgreSQL writes a new row version, so order is the heap's */
    int a = mlf_test_pg() && strcmp(rm->tags[0]->key, "a") != 0 ? 1 : 0;
    assert_string_equal(rm->tags[a]->key, "a");
    assert_string_equal(rm->tags[a]->value, "3");
    assert_string_equal(rm->tags[1 - a]->key, "b");
    Mlflow__RegisteredModel *got = get_model(f, "m");
    assert_int_equal(got->creation_timestamp, rm->creation_timestamp);
    assert_int_equal(got->n_tags, 2);
    assert_string_equal(got->tags[0]->value, "3");
    assert_int_equal(got->n_latest_versions, 0);
    assert_int_equal(got->n_aliases, 0);
    /* "" descriptions are stored, and left out of the entity */
    rm = create_model(f, "plain");
    assert_null(rm->description);
    assert_string_equal(mlf_test_query1(f->pool, f->db_path,
                                        "SELECT description FROM registered_models WHERE "
                                        "name = 'plain'"),
                        "");
}

static void test_create_registered_model_conflicts(void **state)
{
    fixture *f = *state;
    mlf_error err = {0};
    Mlflow__RegisteredModel *rm;
    create_model(f, "model");
    int rc = mlf_store_create_registered_model(f->store, f->pool, "model", NULL, 0, "", &rm, &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_ALREADY_EXISTS, "Registered Model (name=model) already exists.");
    Mlflow__RegisteredModelTag *prompt_tags[] = {rm_tag(f->pool, "mlflow.prompt.is_prompt", "true")};
    rc = mlf_store_create_registered_model(f->store, f->pool, "model", prompt_tags, 1, "", &rm, &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_ALREADY_EXISTS,
                 "Tried to create a prompt with name 'model', but the name is already taken by a registered model. "
                 "MLflow does not allow creating a model and a prompt with the same name.");
    assert_int_equal(mlf_store_create_registered_model(f->store, f->pool, "it's", prompt_tags, 1, "", &rm, &err), 0);
    rc = mlf_store_create_registered_model(f->store, f->pool, "it's", NULL, 0, "", &rm, &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_ALREADY_EXISTS,
                 "Tried to create a registered model with name \"it's\", but the name is already taken by a prompt. "
                 "MLflow does not allow creating a model and a prompt with the same name.");
    rc = mlf_store_create_registered_model(f->store, f->pool, "it's", prompt_tags, 1, "", &rm, &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_ALREADY_EXISTS, "Prompt (name=it's) already exists.");
    assert_string_equal(mlf_test_query1(f->pool, f->db_path, "SELECT count(*) FROM registered_models"), "2");
}

static void test_update_and_errors(void **state)
{
    fixture *f = *state;
    mlf_error err = {0};
    Mlflow__RegisteredModel *rm;
    create_model(f, "m");
    sleep_ms(2);
    assert_int_equal(mlf_store_update_registered_model(f->store, f->pool, "m", "new", &rm, &err), 0);
    assert_string_equal(rm->description, "new");
    assert_true(rm->last_updated_timestamp > rm->creation_timestamp);
    int rc = mlf_store_update_registered_model(f->store, f->pool, "nope", "x", &rm, &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Registered Model with name=nope not found");
    rc = mlf_store_get_registered_model(f->store, f->pool, "nope", &rm, &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Registered Model with name=nope not found");
    rc = mlf_store_delete_registered_model(f->store, f->pool, "nope", &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Registered Model with name=nope not found");
    /* names are exact */
    rc = mlf_store_get_registered_model(f->store, f->pool, "M", &rm, &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Registered Model with name=M not found");
}

static void test_rename_cascades(void **state)
{
    fixture *f = *state;
    mlf_error err = {0};
    Mlflow__RegisteredModel *rm;
    create_model(f, "old");
    assert_int_equal(mlf_store_set_registered_model_tag(f->store, f->pool, "old", "t", "1", &err), 0);
    create_version(f, "old");
    create_version(f, "old");
    assert_int_equal(mlf_store_set_model_version_tag(f->store, f->pool, "old", "1", "vt", "x", &err), 0);
    set_alias(f, "old", "champ", "2");
    assert_int_equal(mlf_store_delete_model_version(f->store, f->pool, "old", "1", &err), 0);
    sleep_ms(2);
    assert_int_equal(mlf_store_rename_registered_model(f->store, f->pool, "old", "new", &rm, &err), 0);
    assert_string_equal(rm->name, "new");
    assert_int_equal(rm->n_tags, 1);
    assert_int_equal(rm->n_aliases, 1);
    assert_string_equal(rm->aliases[0]->alias, "champ");
    assert_int_equal(rm->n_latest_versions, 1);
    assert_string_equal(rm->latest_versions[0]->name, "new");
    assert_int_equal(rm->latest_versions[0]->last_updated_timestamp, rm->last_updated_timestamp);
    /* every row moved, the deleted version and its tags too */
    assert_string_equal(mlf_test_query1(f->pool, f->db_path, "SELECT count(*) FROM model_versions WHERE name = 'new'"),
                        "2");
    assert_string_equal(
        mlf_test_query1(f->pool, f->db_path, "SELECT count(*) FROM model_version_tags WHERE name = 'new'"), "1");
    assert_string_equal(mlf_test_query1(f->pool, f->db_path,
                                        "SELECT count(*) FROM model_versions WHERE last_updated_time = "
                                        "(SELECT last_updated_time FROM registered_models WHERE name = 'new')"),
                        "2");
    int rc = mlf_store_get_registered_model(f->store, f->pool, "old", &rm, &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Registered Model with name=old not found");
    assert_string_equal(create_version(f, "new")->version, "3");
    create_model(f, "taken");
    rc = mlf_store_rename_registered_model(f->store, f->pool, "new", "taken", &rm, &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_ALREADY_EXISTS,
                 mlf_test_pg()
                     ? "Registered Model (name=taken) already exists. Error: " MLF_TEST_AUTOFLUSH MLF_TEST_PG_UNIQUE
                       "\"registered_model_pk\"\nDETAIL:  Key (workspace, name)=(default, taken) already exists.\n\n"
                       "[SQL: UPDATE registered_models SET name=%(name)s WHERE registered_models.workspace = "
                       "%(registered_models_workspace)s AND registered_models.name = %(registered_models_name)s]\n"
                       "[parameters: {'name': 'taken', 'registered_models_workspace': 'default', "
                       "'registered_models_name': 'new'}]\n"
                       "(Background on this error at: https://sqlalche.me/e/21/gkpj)"
                     : "Registered Model (name=taken) already exists. Error: " MLF_TEST_AUTOFLUSH
                       "(sqlite3.IntegrityError) UNIQUE constraint failed: registered_models.workspace, "
                       "registered_models.name\n"
                       "[SQL: UPDATE registered_models SET name=? WHERE registered_models.workspace = ? AND "
                       "registered_models.name = ?]\n"
                       "[parameters: ('taken', 'default', 'new')]\n(Background on this error at: "
                       "https://sqlalche.me/e/21/gkpj)");
    /* SQLAlchemy cuts long parameters in the middle */
    char *long_name = mlf_pool_alloc(f->pool, 402);
    memset(long_name, 'x', 400);
    Mlflow__RegisteredModel *tmp;
    rc = mlf_store_create_registered_model(f->store, f->pool, long_name, NULL, 0, "", &tmp, &err);
    if (mlf_test_pg()) { /* name is a VARCHAR(256), which PostgreSQL enforces */
        assert_error_prefix(rc, err, MLF_ERR_BAD_REQUEST,
                            "(psycopg2.errors.StringDataRightTruncation) value too long for type character "
                            "varying(256)\n");
    } else {
        assert_int_equal(rc, 0);
        rc = mlf_store_rename_registered_model(f->store, f->pool, long_name, "taken", &rm, &err);
        assert_int_equal(rc, -MLF_ERR_RESOURCE_ALREADY_EXISTS);
        char *want = mlf_pool_sprintf(
            f->pool, "[parameters: ('taken', 'default', '%.149s ... (102 characters truncated) ... %.149s')]", long_name,
            long_name);
        if (strstr(err.message, want) == NULL)
            fail_msg("no '%s' in '%s'", want, err.message);
    }
    rc = mlf_store_rename_registered_model(f->store, f->pool, "gone", "x", &rm, &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Registered Model with name=gone not found");
}

static void test_delete_cascades(void **state)
{
    fixture *f = *state;
    mlf_error err = {0};
    create_model(f, "m");
    create_model(f, "keep");
    assert_int_equal(mlf_store_set_registered_model_tag(f->store, f->pool, "m", "t", "1", &err), 0);
    create_version(f, "m");
    create_version(f, "keep");
    assert_int_equal(mlf_store_set_model_version_tag(f->store, f->pool, "m", "1", "vt", "x", &err), 0);
    set_alias(f, "m", "a", "1");
    assert_int_equal(mlf_store_delete_registered_model(f->store, f->pool, "m", &err), 0);
    static const char *const tables[] = {"registered_models", "registered_model_tags", "model_versions",
                                         "model_version_tags", "registered_model_aliases"};
    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
        assert_string_equal(
            mlf_test_query1(f->pool, f->db_path,
                            mlf_pool_sprintf(f->pool, "SELECT count(*) FROM %s WHERE name = 'm'", tables[i])),
            "0");
    assert_string_equal(get_version(f, "keep", "1")->version, "1");
}

static void test_registered_model_tags(void **state)
{
    fixture *f = *state;
    mlf_error err = {0};
    create_model(f, "m");
    assert_int_equal(mlf_store_set_registered_model_tag(f->store, f->pool, "m", "a", "1", &err), 0);
    assert_int_equal(mlf_store_set_registered_model_tag(f->store, f->pool, "m", "b", "2", &err), 0);
    assert_int_equal(mlf_store_set_registered_model_tag(f->store, f->pool, "m", "a", "3", &err), 0);
    Mlflow__RegisteredModel *rm = get_model(f, "m");
    assert_int_equal(rm->n_tags, 2);
    /* SQLite keeps an upserted row in place; PostgreSQL writes a new row version, so order is the heap's */
    int a = mlf_test_pg() && strcmp(rm->tags[0]->key, "a") != 0 ? 1 : 0;
    assert_string_equal(rm->tags[a]->key, "a");
    assert_string_equal(rm->tags[a]->value, "3");
    assert_int_equal(mlf_store_delete_registered_model_tag(f->store, f->pool, "m", "a", &err), 0);
    assert_int_equal(mlf_store_delete_registered_model_tag(f->store, f->pool, "m", "missing", &err), 0);
    assert_int_equal(get_model(f, "m")->n_tags, 1);
    int rc = mlf_store_set_registered_model_tag(f->store, f->pool, "x", "k", "v", &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Registered Model with name=x not found");
    rc = mlf_store_delete_registered_model_tag(f->store, f->pool, "x", "k", &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Registered Model with name=x not found");
}

/* ---- model versions ---- */

static void test_create_model_version(void **state)
{
    fixture *f = *state;
    mlf_error err = {0};
    create_model(f, "m");
    int64_t before = get_model(f, "m")->last_updated_timestamp;
    sleep_ms(2);
    Mlflow__ModelVersionTag *tags[] = {mv_tag(f->pool, "k", "1"), mv_tag(f->pool, "k", "2"), mv_tag(f->pool, "j", "x")};
    Mlflow__ModelVersion *mv = create_version_with(f, (mlf_store_new_model_version){.name = "m",
                                                                                    .source = "models:/m-1",
                                                                                    .storage_location = "s3://loc",
                                                                                    .run_id = "r1",
                                                                                    .run_link = "",
                                                                                    .description = "d",
                                                                                    .tags = tags,
                                                                                    .n_tags = 3});
    assert_string_equal(mv->name, "m");
    assert_string_equal(mv->version, "1");
    assert_string_equal(mv->current_stage, "None");
    assert_string_equal(mv->source, "models:/m-1");
    assert_string_equal(mv->run_id, "r1");
    assert_string_equal(mv->run_link, "");
    assert_string_equal(mv->description, "d");
    assert_null(mv->user_id);
    assert_null(mv->status_message);
    assert_true(mv->has_status && mv->status == MLFLOW__MODEL_VERSION_STATUS__READY);
    assert_int_equal(mv->creation_timestamp, mv->last_updated_timestamp);
    assert_int_equal(mv->n_tags, 2);
    assert_string_equal(mv->tags[0]->value, "2");
    assert_string_equal(mv->tags[1]->key, "j");
    assert_int_equal(mv->n_aliases, 0);
    assert_true(get_model(f, "m")->last_updated_timestamp > before);
    const char *uri = NULL;
    assert_int_equal(mlf_store_get_model_version_download_uri(f->store, f->pool, "m", "1", &uri, &err), 0);
    assert_string_equal(uri, "s3://loc");
    /* an empty storage location falls back to the source */
    create_version_with(f, (mlf_store_new_model_version){.name = "m", .source = "s3://src", .storage_location = ""});
    assert_int_equal(mlf_store_get_model_version_download_uri(f->store, f->pool, "m", "2", &uri, &err), 0);
    assert_string_equal(uri, "s3://src");
    mlf_store_new_model_version missing = {.name = "nope", .source = "s3://x"};
    int rc = mlf_store_create_model_version(f->store, f->pool, &missing, &mv, &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Registered Model with name=nope not found");
}

static void test_versions_never_reused(void **state)
{
    fixture *f = *state;
    mlf_error err = {0};
    create_model(f, "m");
    for (int i = 0; i < 3; i++)
        create_version(f, "m");
    assert_int_equal(mlf_store_delete_model_version(f->store, f->pool, "m", "3", &err), 0);
    assert_string_equal(create_version(f, "m")->version, "4");
    create_model(f, "other");
    assert_string_equal(create_version(f, "other")->version, "1");
}

typedef struct {
    mlf_store *store;
    const char *name;
    int n;
    int failures;
    char last_error[256];
    int64_t versions[32];
} worker_args;

static void *worker(void *p)
{
    worker_args *a = p;
    mlf_pool *pool = mlf_pool_create();
    for (int i = 0; i < a->n; i++) {
        mlf_error err = {0};
        Mlflow__ModelVersion *mv;
        mlf_store_new_model_version spec = {.name = a->name, .source = "s3://b/p", .storage_location = "s3://b/p"};
        if (mlf_store_create_model_version(a->store, pool, &spec, &mv, &err) != 0) {
            a->failures++;
            snprintf(a->last_error, sizeof(a->last_error), "%s", err.message != NULL ? err.message : "");
        } else
            a->versions[i] = strtoll(mv->version, NULL, 10);
        mlf_pool_reset(pool);
    }
    mlf_pool_destroy(pool);
    return NULL;
}

static void test_concurrent_create_model_version(void **state)
{
    fixture *f = *state;
    create_model(f, "busy");
    enum { N = 8, PER = 25 };
    pthread_t th[N];
    worker_args args[N];
    for (int i = 0; i < N; i++) {
        args[i] = (worker_args){.store = f->store, .name = "busy", .n = PER};
        assert_int_equal(pthread_create(&th[i], NULL, worker, &args[i]), 0);
    }
    for (int i = 0; i < N; i++) /* all of them before any check: a failed check ends the test */
        pthread_join(th[i], NULL);
    bool seen[N * PER + 1] = {false};
    for (int i = 0; i < N; i++) {
        if (args[i].failures != 0)
            fail_msg("thread %d: %d failures, last: %s", i, args[i].failures, args[i].last_error);
        for (int k = 0; k < PER; k++) {
            int64_t v = args[i].versions[k];
            assert_true(v >= 1 && v <= N * PER);
            assert_false(seen[v]);
            seen[v] = true;
        }
    }
    assert_string_equal(mlf_test_query1(f->pool, f->db_path, "SELECT max(version) FROM model_versions"), "200");
}

static void test_get_model_version_lookup(void **state)
{
    fixture *f = *state;
    mlf_error err = {0};
    Mlflow__ModelVersion *mv;
    create_model(f, "m");
    create_version(f, "m");
    /* the text is bound as MLflow's driver binds it: integer affinity makes "01" and "1.0" version 1 (the
     * service refuses "1.0" first, as MLflow's int() does), "1_0" stays text */
    assert_string_equal(get_version(f, "m", "01")->version, "1");
    assert_string_equal(get_version(f, "m", "1.0")->version, "1");
    int rc = mlf_store_get_model_version(f->store, f->pool, "m", "1_0", &mv, &err);
    if (mlf_test_pg()) /* psycopg2's text in an integer comparison, refused as MLflow's query is */
        assert_error_prefix(rc, err, MLF_ERR_BAD_REQUEST,
                            "(psycopg2.errors.InvalidTextRepresentation) invalid input syntax for type integer: "
                            "\"1_0\"\n");
    else
        assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Model Version (name=m, version=1_0) not found");
    rc = mlf_store_get_model_version(f->store, f->pool, "m", "2", &mv, &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Model Version (name=m, version=2) not found");
    rc = mlf_store_get_model_version(f->store, f->pool, "x", "1", &mv, &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Model Version (name=x, version=1) not found");
}

static void test_update_model_version(void **state)
{
    fixture *f = *state;
    mlf_error err = {0};
    Mlflow__ModelVersion *mv;
    create_model(f, "m");
    create_version(f, "m");
    sleep_ms(2);
    assert_int_equal(mlf_store_update_model_version(f->store, f->pool, "m", "1", "new", &mv, &err), 0);
    assert_string_equal(mv->description, "new");
    assert_true(mv->last_updated_timestamp > mv->creation_timestamp);
    assert_int_equal(mlf_store_update_model_version(f->store, f->pool, "m", "1", NULL, &mv, &err), 0);
    assert_null(mv->description);
    int rc = mlf_store_update_model_version(f->store, f->pool, "m", "5", "x", &mv, &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Model Version (name=m, version=5) not found");
}

static void test_stages_and_latest_versions(void **state)
{
    fixture *f = *state;
    mlf_error err = {0};
    create_model(f, "m");
    for (int i = 0; i < 6; i++)
        create_version(f, "m");
    transition(f, "m", "2", "Staging", false);
    transition(f, "m", "3", "Production", false);
    transition(f, "m", "4", "Staging", false);
    transition(f, "m", "5", "Archived", false);
    assert_int_equal(mlf_store_delete_model_version(f->store, f->pool, "m", "6", &err), 0);
    Mlflow__RegisteredModel *rm = get_model(f, "m");
    /* None first (v1), then Staging (first seen at v2, latest v4), Production, Archived */
    assert_string_equal(versions_str(f, rm->latest_versions, rm->n_latest_versions, true),
                        "1:None,4:Staging,3:Production,5:Archived");
    Mlflow__ModelVersion **mvs;
    size_t n;
    const char *stages[] = {"Production", "None"};
    assert_int_equal(mlf_store_get_latest_versions(f->store, f->pool, "m", stages, 2, &mvs, &n, &err), 0);
    assert_string_equal(versions_str(f, mvs, n, false), "1,3");
    /* archive_existing_versions moves the others of the target stage only */
    transition(f, "m", "1", "Staging", true);
    assert_string_equal(get_version(f, "m", "2")->current_stage, "Archived");
    assert_string_equal(get_version(f, "m", "4")->current_stage, "Archived");
    assert_string_equal(get_version(f, "m", "3")->current_stage, "Production");
    assert_string_equal(get_version(f, "m", "1")->current_stage, "Staging");
    assert_int_equal(mlf_store_get_latest_versions(f->store, f->pool, "m", NULL, 0, &mvs, &n, &err), 0);
    assert_string_equal(versions_str(f, mvs, n, true), "1:Staging,5:Archived,3:Production");
    /* a failed lookup rolls the archiving back */
    Mlflow__ModelVersion *mv;
    int rc = mlf_store_transition_model_version_stage(f->store, f->pool, "m", "9", "Production", true, &mv, &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Model Version (name=m, version=9) not found");
    assert_string_equal(get_version(f, "m", "3")->current_stage, "Production");
    rc = mlf_store_get_latest_versions(f->store, f->pool, "x", NULL, 0, &mvs, &n, &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Registered Model with name=x not found");
}

static void test_delete_model_version(void **state)
{
    fixture *f = *state;
    mlf_error err = {0};
    create_model(f, "m");
    Mlflow__ModelVersionTag *tags[] = {mv_tag(f->pool, "k", "v")};
    create_version_with(
        f, (mlf_store_new_model_version){
               .name = "m", .run_id = "r", .run_link = "l", .description = "d", .tags = tags, .n_tags = 1});
    create_version(f, "m");
    set_alias(f, "m", "one", "1");
    set_alias(f, "m", "two", "2");
    assert_int_equal(mlf_store_delete_model_version(f->store, f->pool, "m", "1", &err), 0);
    assert_string_equal(
        mlf_test_query1(
            f->pool, f->db_path,
            "SELECT current_stage || '|' || source || '|' || run_id || '|' || run_link || '|' || "
            "coalesce(description, 'NULL') || '|' || storage_location FROM model_versions WHERE version = 1"),
        "Deleted_Internal|REDACTED-SOURCE-PATH|REDACTED-RUN-ID|REDACTED-RUN-LINK|NULL|s3://bucket/model");
    /* tags are kept, aliases of the version go */
    assert_string_equal(mlf_test_query1(f->pool, f->db_path, "SELECT count(*) FROM model_version_tags"), "1");
    Mlflow__RegisteredModel *rm = get_model(f, "m");
    assert_int_equal(rm->n_aliases, 1);
    assert_string_equal(rm->aliases[0]->alias, "two");
    Mlflow__ModelVersion *mv;
    int rc = mlf_store_get_model_version(f->store, f->pool, "m", "1", &mv, &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Model Version (name=m, version=1) not found");
    rc = mlf_store_delete_model_version(f->store, f->pool, "m", "1", &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Model Version (name=m, version=1) not found");
    const char *uri;
    rc = mlf_store_get_model_version_download_uri(f->store, f->pool, "m", "1", &uri, &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Model Version (name=m, version=1) not found");
    rc = mlf_store_set_model_version_tag(f->store, f->pool, "m", "1", "k", "v", &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Model Version (name=m, version=1) not found");
}

static void test_model_version_tags(void **state)
{
    fixture *f = *state;
    mlf_error err = {0};
    create_model(f, "m");
    create_version(f, "m");
    assert_int_equal(mlf_store_set_model_version_tag(f->store, f->pool, "m", "1", "a", "1", &err), 0);
    assert_int_equal(mlf_store_set_model_version_tag(f->store, f->pool, "m", "01", "b", "2", &err), 0);
    assert_int_equal(mlf_store_set_model_version_tag(f->store, f->pool, "m", "1", "a", "3", &err), 0);
    Mlflow__ModelVersion *mv = get_version(f, "m", "1");
    assert_int_equal(mv->n_tags, 2);
    /* SQLite keeps an upserted row in place; PostgreSQL writes a new row version, so order is the heap's */
    int a = mlf_test_pg() && strcmp(mv->tags[0]->key, "a") != 0 ? 1 : 0;
    assert_string_equal(mv->tags[a]->key, "a");
    assert_string_equal(mv->tags[a]->value, "3");
    assert_string_equal(mv->tags[1 - a]->key, "b");
    assert_string_equal(mlf_test_query1(f->pool, f->db_path,
                                        mlf_test_pg() ? "SELECT pg_typeof(version) FROM model_version_tags LIMIT 1"
                                                      : "SELECT typeof(version) FROM model_version_tags LIMIT 1"),
                        "integer");
    assert_int_equal(mlf_store_delete_model_version_tag(f->store, f->pool, "m", "1", "a", &err), 0);
    assert_int_equal(mlf_store_delete_model_version_tag(f->store, f->pool, "m", "1", "zz", &err), 0);
    assert_int_equal(get_version(f, "m", "1")->n_tags, 1);
    int rc = mlf_store_delete_model_version_tag(f->store, f->pool, "m", "2", "a", &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Model Version (name=m, version=2) not found");
}

static void test_aliases(void **state)
{
    fixture *f = *state;
    mlf_error err = {0};
    Mlflow__ModelVersion *mv;
    create_model(f, "m");
    create_version(f, "m");
    create_version(f, "m");
    set_alias(f, "m", "zeta", "1");
    set_alias(f, "m", "alpha", "1");
    set_alias(f, "m", "moving", "1");
    set_alias(f, "m", "moving", "2");
    Mlflow__RegisteredModel *rm = get_model(f, "m");
    assert_int_equal(rm->n_aliases, 3);
    assert_string_equal(rm->aliases[0]->alias, "alpha");
    assert_string_equal(rm->aliases[1]->alias, "moving");
    assert_string_equal(rm->aliases[1]->version, "2");
    assert_string_equal(rm->aliases[2]->alias, "zeta");
    mv = get_version(f, "m", "1");
    assert_int_equal(mv->n_aliases, 2);
    assert_string_equal(mv->aliases[0], "alpha");
    assert_string_equal(mv->aliases[1], "zeta");
    assert_int_equal(mlf_store_get_model_version_by_alias(f->store, f->pool, "m", "moving", &mv, &err), 0);
    assert_string_equal(mv->version, "2");
    assert_int_equal(mv->n_aliases, 1);
    assert_int_equal(mlf_store_delete_registered_model_alias(f->store, f->pool, "m", "moving", &err), 0);
    assert_int_equal(mlf_store_delete_registered_model_alias(f->store, f->pool, "m", "moving", &err), 0);
    int rc = mlf_store_get_model_version_by_alias(f->store, f->pool, "m", "moving", &mv, &err);
    assert_error(rc, err, MLF_ERR_INVALID_PARAMETER_VALUE, "Registered model alias moving not found.");
    rc = mlf_store_set_registered_model_alias(f->store, f->pool, "m", "x", "3", &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Model Version (name=m, version=3) not found");
    rc = mlf_store_delete_registered_model_alias(f->store, f->pool, "q", "x", &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Registered Model with name=q not found");
    /* "latest": the highest of the latest versions of each stage */
    assert_int_equal(mlf_store_get_model_version_by_alias(f->store, f->pool, "m", "latest", &mv, &err), 0);
    assert_string_equal(mv->version, "2");
    transition(f, "m", "1", "Production", false);
    assert_int_equal(mlf_store_get_model_version_by_alias(f->store, f->pool, "m", "LATEST", &mv, &err), 0);
    assert_string_equal(mv->version, "2");
    assert_int_equal(mv->n_aliases, 0);
    transition(f, "m", "2", "Archived", false);
    assert_int_equal(mlf_store_get_model_version_by_alias(f->store, f->pool, "m", "latest", &mv, &err), 0);
    assert_string_equal(mv->version, "2");
    transition(f, "m", "2", "Production", false);
    assert_int_equal(mlf_store_get_model_version_by_alias(f->store, f->pool, "m", "latest", &mv, &err), 0);
    assert_string_equal(mv->version, "2");
    assert_int_equal(mlf_store_get_model_version_by_alias(f->store, f->pool, "m", "alpha", &mv, &err), 0);
    assert_string_equal(mv->version, "1");
    assert_int_equal(mv->n_aliases, 2);
    create_model(f, "empty");
    rc = mlf_store_get_model_version_by_alias(f->store, f->pool, "empty", "latest", &mv, &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Latest version not found for model empty.");
    rc = mlf_store_get_model_version_by_alias(f->store, f->pool, "none", "latest", &mv, &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Registered Model with name=none not found");
}

/* ---- search ---- */

static mlf_search_clause attr(const char *key, mlf_search_op op, const char *value)
{
    return (mlf_search_clause){
        .entity = MLF_ENTITY_ATTRIBUTE, .key = key, .op = op, .value_kind = MLF_VALUE_STRING, .str = value};
}

static mlf_search_clause attr_num(const char *key, mlf_search_op op, const char *num_text)
{
    return (mlf_search_clause){.entity = MLF_ENTITY_ATTRIBUTE,
                               .key = key,
                               .op = op,
                               .value_kind = MLF_VALUE_NUMBER,
                               .num = atof(num_text),
                               .num_text = num_text};
}

static mlf_search_clause tag(const char *key, mlf_search_op op, const char *value)
{
    return (mlf_search_clause){
        .entity = MLF_ENTITY_TAG, .key = key, .op = op, .value_kind = MLF_VALUE_STRING, .str = value};
}

static mlf_search_order order(const char *key, bool ascending)
{
    return (mlf_search_order){.entity = MLF_ENTITY_ATTRIBUTE, .key = key, .ascending = ascending};
}

typedef struct {
    int64_t max_results;
    const mlf_search_clause *clauses;
    size_t n_clauses;
    const mlf_search_order *orders;
    size_t n_orders;
    int64_t offset;
} search_args;

#define CLAUSES(...)                                                                                                   \
    .clauses = (const mlf_search_clause[]){__VA_ARGS__},                                                               \
    .n_clauses = sizeof((const mlf_search_clause[]){__VA_ARGS__}) / sizeof(mlf_search_clause)
#define ORDERS(...)                                                                                                    \
    .orders = (const mlf_search_order[]){__VA_ARGS__},                                                                 \
    .n_orders = sizeof((const mlf_search_order[]){__VA_ARGS__}) / sizeof(mlf_search_order)

static mlf_store_registered_model_page rm_search(fixture *f, search_args a)
{
    mlf_store_registered_model_page page = {0};
    mlf_error err = {0};
    if (mlf_store_search_registered_models(f->store, f->pool, a.max_results, a.clauses, a.n_clauses, a.orders,
                                           a.n_orders, a.offset, &page, &err) != 0)
        fail_msg("search models: %s", err.message);
    return page;
}

static char *rm_names(fixture *f, mlf_store_registered_model_page page)
{
    mlf_buf b;
    mlf_buf_init(&b, f->pool, 64);
    for (size_t i = 0; i < page.n; i++)
        mlf_buf_printf(&b, "%s%s", i > 0 ? "," : "", page.models[i]->name);
    return b.data;
}

#define RM_SEARCH(f, ...) rm_names((f), rm_search((f), (search_args){.max_results = 100, __VA_ARGS__}))

static void test_search_registered_models(void **state)
{
    fixture *f = *state;
    mlf_error err = {0};
    const char *names[] = {"b-model", "a-model", "C-model", "prompt"};
    for (size_t i = 0; i < 4; i++) {
        create_model(f, names[i]);
        sleep_ms(2);
    }
    assert_int_equal(
        mlf_store_set_registered_model_tag(f->store, f->pool, "prompt", "mlflow.prompt.is_prompt", "true", &err), 0);
    assert_int_equal(mlf_store_set_registered_model_tag(f->store, f->pool, "a-model", "team", "x", &err), 0);
    assert_int_equal(mlf_store_set_registered_model_tag(f->store, f->pool, "a-model", "env", "prod", &err), 0);
    assert_int_equal(mlf_store_set_registered_model_tag(f->store, f->pool, "b-model", "team", "x", &err), 0);
    create_version(f, "b-model");
    set_alias(f, "b-model", "al", "1");

    assert_string_equal(RM_SEARCH(f), "C-model,a-model,b-model");
    assert_string_equal(RM_SEARCH(f, CLAUSES(attr("name", MLF_OP_LIKE, "%-model"))), "C-model,a-model,b-model");
    assert_string_equal(RM_SEARCH(f, CLAUSES(attr("name", MLF_OP_LIKE, "c%"))), "");
    assert_string_equal(RM_SEARCH(f, CLAUSES(attr("name", MLF_OP_ILIKE, "c%"))), "C-model");
    assert_string_equal(RM_SEARCH(f, CLAUSES(attr("name", MLF_OP_NE, "a-model"))), "C-model,b-model");
    assert_string_equal(RM_SEARCH(f, CLAUSES(tag("team", MLF_OP_EQ, "x"))), "a-model,b-model");
    assert_string_equal(RM_SEARCH(f, CLAUSES(tag("team", MLF_OP_EQ, "x"), tag("env", MLF_OP_LIKE, "pr%"))), "a-model");
    assert_string_equal(RM_SEARCH(f, CLAUSES(tag("team", MLF_OP_EQ, "x"), tag("team", MLF_OP_NE, "x"))), "");
    /* prompts: asked for with = 'true' (any case) or != 'false'; other clauses on the tag are dropped */
    assert_string_equal(RM_SEARCH(f, CLAUSES(tag("mlflow.prompt.is_prompt", MLF_OP_EQ, "TRUE"))), "");
    assert_string_equal(RM_SEARCH(f, CLAUSES(tag("mlflow.prompt.is_prompt", MLF_OP_EQ, "true"))), "prompt");
    assert_string_equal(RM_SEARCH(f, CLAUSES(tag("mlflow.prompt.is_prompt", MLF_OP_NE, "FALSE"))), "prompt");
    assert_string_equal(RM_SEARCH(f, CLAUSES(tag("mlflow.prompt.is_prompt", MLF_OP_EQ, "false"))),
                        "C-model,a-model,b-model");
    assert_string_equal(RM_SEARCH(f, CLAUSES(tag("mlflow.prompt.is_prompt", MLF_OP_LIKE, "%"))),
                        "C-model,a-model,b-model");
    /* order: updates move b-model last by time */
    assert_string_equal(RM_SEARCH(f, ORDERS(order("name", false))), "b-model,a-model,C-model");
    assert_string_equal(RM_SEARCH(f, ORDERS(order("last_updated_timestamp", false))), "b-model,C-model,a-model");
    assert_string_equal(RM_SEARCH(f, ORDERS(order("timestamp", true))), "a-model,C-model,b-model");
    /* entities are complete */
    mlf_store_registered_model_page page =
        rm_search(f, (search_args){.max_results = 100, CLAUSES(attr("name", MLF_OP_EQ, "b-model"))});
    assert_int_equal(page.n, 1);
    assert_int_equal(page.models[0]->n_tags, 1);
    assert_int_equal(page.models[0]->n_aliases, 1);
    assert_int_equal(page.models[0]->n_latest_versions, 1);
    page = rm_search(f, (search_args){.max_results = 100, CLAUSES(attr("name", MLF_OP_EQ, "a-model"))});
    assert_int_equal(page.models[0]->n_tags, 2);
    assert_string_equal(page.models[0]->tags[0]->key, "team");
    /* paging: max_results + 1 rows decide the token */
    page = rm_search(f, (search_args){.max_results = 2});
    assert_string_equal(rm_names(f, page), "C-model,a-model");
    assert_non_null(page.next_page_token);
    int64_t offset;
    assert_int_equal(mlf_search_page_token_decode(f->pool, page.next_page_token, &offset, &err), 0);
    assert_int_equal(offset, 2);
    page = rm_search(f, (search_args){.max_results = 2, .offset = 2});
    assert_string_equal(rm_names(f, page), "b-model");
    assert_null(page.next_page_token);
    page = rm_search(f, (search_args){.max_results = 3});
    assert_null(page.next_page_token);
    /* max_results below 1 is not refused: LIMIT max_results + 1 (negative: none), then Python's rows[:max_results] */
    page = rm_search(f, (search_args){.max_results = 0});
    assert_int_equal(page.n, 0);
    assert_string_equal(page.next_page_token, mlf_search_page_token_encode(f->pool, 0));
    page = rm_search(f, (search_args){.max_results = -1});
    assert_int_equal(page.n, 0);
    assert_string_equal(page.next_page_token, mlf_search_page_token_encode(f->pool, -1));
    if (mlf_test_pg()) { /* LIMIT -2: PostgreSQL refuses a negative LIMIT */
        mlf_error err = {0};
        int rc = mlf_store_search_registered_models(f->store, f->pool, -3, NULL, 0, NULL, 0, 0, &page, &err);
        assert_error_prefix(rc, err, MLF_ERR_BAD_REQUEST, MLF_TEST_PG_NEGATIVE_LIMIT);
    } else {
        page = rm_search(f, (search_args){.max_results = -3});
        assert_string_equal(rm_names(f, page), "");
        page = rm_search(f, (search_args){.max_results = -2, .offset = 0});
        assert_string_equal(rm_names(f, page), "C-model");
    }
}

static mlf_store_model_version_page mv_search(fixture *f, search_args a)
{
    mlf_store_model_version_page page = {0};
    mlf_error err = {0};
    if (mlf_store_search_model_versions(f->store, f->pool, a.max_results, a.clauses, a.n_clauses, a.orders, a.n_orders,
                                        a.offset, &page, &err) != 0)
        fail_msg("search versions: %s", err.message);
    return page;
}

static char *mv_names(fixture *f, mlf_store_model_version_page page)
{
    mlf_buf b;
    mlf_buf_init(&b, f->pool, 64);
    for (size_t i = 0; i < page.n; i++)
        mlf_buf_printf(&b, "%s%s/%s", i > 0 ? "," : "", page.versions[i]->name, page.versions[i]->version);
    return b.data;
}

#define MV_SEARCH(f, ...) mv_names((f), mv_search((f), (search_args){.max_results = 10000, __VA_ARGS__}))

static void test_search_model_versions(void **state)
{
    fixture *f = *state;
    mlf_error err = {0};
    create_model(f, "a");
    create_model(f, "b");
    create_model(f, "p");
    static const char *const runs[] = {"run1", "run2", "RUN3"};
    for (int i = 0; i < 6; i++) {
        sleep_ms(2);
        Mlflow__ModelVersionTag *tags[] = {mv_tag(f->pool, "i", mlf_pool_sprintf(f->pool, "%d", i))};
        create_version_with(
            f, (mlf_store_new_model_version){.name = i < 4 ? "a" : "b",
                                             .run_id = runs[i % 3],
                                             .source = mlf_pool_sprintf(f->pool, "s3://bucket/%d/model", i),
                                             .run_link = "",
                                             .description = "",
                                             .tags = tags,
                                             .n_tags = 1});
    }
    Mlflow__ModelVersionTag *prompt_tags[] = {mv_tag(f->pool, "mlflow.prompt.is_prompt", "true")};
    create_version_with(f, (mlf_store_new_model_version){.name = "p", .tags = prompt_tags, .n_tags = 1});
    assert_int_equal(mlf_store_delete_model_version(f->store, f->pool, "a", "2", &err), 0);

    /* default order: last update DESC, name ASC, version DESC; deleted versions and prompts left out */
    assert_string_equal(MV_SEARCH(f), "b/2,b/1,a/4,a/3,a/1");
    mlf_store_model_version_page page = mv_search(f, (search_args){.max_results = 1});
    assert_int_equal(page.versions[0]->n_tags, 1);
    assert_string_equal(page.versions[0]->tags[0]->value, "5");
    assert_int_equal(page.versions[0]->n_aliases, 0);
    assert_string_equal(MV_SEARCH(f, CLAUSES(attr("name", MLF_OP_EQ, "a"))), "a/4,a/3,a/1");
    assert_string_equal(MV_SEARCH(f, CLAUSES(attr("name", MLF_OP_ILIKE, "B"))), "b/2,b/1");
    assert_string_equal(MV_SEARCH(f, CLAUSES(attr("run_id", MLF_OP_EQ, "RUN3"))), "b/2,a/3");
    assert_string_equal(MV_SEARCH(f, CLAUSES(attr("run_id", MLF_OP_NE, "run1"))), "b/2,b/1,a/3");
    /* IN and NOT IN keep every value, upper-case ones too */
    static const char *in_list[] = {"run1", "RUN3"};
    static const char *upper_only[] = {"RUN3"};
    mlf_search_clause in = {.entity = MLF_ENTITY_ATTRIBUTE,
                            .key = "run_id",
                            .op = MLF_OP_IN,
                            .value_kind = MLF_VALUE_LIST,
                            .list = in_list,
                            .n_list = 2};
    assert_string_equal(MV_SEARCH(f, CLAUSES(in)), "b/2,a/4,a/3,a/1");
    in.list = upper_only;
    in.n_list = 1;
    assert_string_equal(MV_SEARCH(f, CLAUSES(in)), "b/2,a/3");
    in.op = MLF_OP_NOT_IN;
    assert_string_equal(MV_SEARCH(f, CLAUSES(in)), "b/1,a/4,a/1");
    assert_string_equal(MV_SEARCH(f, CLAUSES(attr_num("version_number", MLF_OP_GT, "2"))), "a/4,a/3");
    assert_string_equal(MV_SEARCH(f, CLAUSES(attr("version_number", MLF_OP_LE, "1"))), "b/1,a/1");
    assert_string_equal(MV_SEARCH(f, CLAUSES(attr("version_number", MLF_OP_EQ, " 0_1 "))), "b/1,a/1");
    /* version_number is compared as an int: a float literal or a string int() refuses is an error */
    mlf_search_clause bad = attr_num("version_number", MLF_OP_EQ, "1.0");
    int rc = mlf_store_search_model_versions(f->store, f->pool, 10, &bad, 1, NULL, 0, 0, &page, &err);
    assert_error(rc, err, MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid value for numeric attribute 'version_number': 1.0");
    bad = attr("version_number", MLF_OP_GT, "1.0");
    rc = mlf_store_search_model_versions(f->store, f->pool, 10, &bad, 1, NULL, 0, 0, &page, &err);
    assert_error(rc, err, MLF_ERR_INVALID_PARAMETER_VALUE,
                 "Invalid value for numeric attribute 'version_number': '1.0'");
    assert_string_equal(MV_SEARCH(f, CLAUSES(attr("source", MLF_OP_LIKE, "%/5/%"))), "b/2");
    assert_string_equal(MV_SEARCH(f, CLAUSES(tag("i", MLF_OP_EQ, "3"))), "a/4");
    assert_string_equal(MV_SEARCH(f, CLAUSES(tag("i", MLF_OP_LIKE, "%"), attr("name", MLF_OP_EQ, "b"))), "b/2,b/1");
    assert_string_equal(MV_SEARCH(f, CLAUSES(tag("mlflow.prompt.is_prompt", MLF_OP_EQ, "true"))), "p/1");
    assert_string_equal(MV_SEARCH(f, ORDERS(order("version_number", true))), "a/1,b/1,b/2,a/3,a/4");
    assert_string_equal(MV_SEARCH(f, ORDERS(order("name", false))), "b/2,b/1,a/4,a/3,a/1");
    assert_string_equal(MV_SEARCH(f, ORDERS(order("creation_timestamp", true))), "a/1,a/3,a/4,b/1,b/2");
    page = mv_search(f, (search_args){.max_results = 2, ORDERS(order("creation_timestamp", true))});
    assert_string_equal(mv_names(f, page), "a/1,a/3");
    int64_t offset;
    assert_int_equal(mlf_search_page_token_decode(f->pool, page.next_page_token, &offset, &err), 0);
    page = mv_search(f, (search_args){.max_results = 2, .offset = offset, ORDERS(order("creation_timestamp", true))});
    assert_string_equal(mv_names(f, page), "a/4,b/1");
    page = mv_search(f, (search_args){.max_results = 2, .offset = 4, ORDERS(order("creation_timestamp", true))});
    assert_string_equal(mv_names(f, page), "b/2");
    assert_null(page.next_page_token);
    rc = mlf_store_search_model_versions(f->store, f->pool, 0, NULL, 0, NULL, 0, 0, &page, &err);
    assert_error(rc, err, MLF_ERR_INVALID_PARAMETER_VALUE,
                 "Invalid value for max_results. It must be a positive integer, but got 0");
    rc = mlf_store_search_model_versions(f->store, f->pool, 200001, NULL, 0, NULL, 0, 0, &page, &err);
    assert_error(rc, err, MLF_ERR_INVALID_PARAMETER_VALUE,
                 "Invalid value for request parameter max_results. It must be at most 200000, but got value 200001");
    mlf_search_clause huge = attr_num("version_number", MLF_OP_EQ, "99999999999999999999");
    rc = mlf_store_search_model_versions(f->store, f->pool, 10, &huge, 1, NULL, 0, 0, &page, &err);
    if (mlf_test_pg()) { /* psycopg2 sends it as a numeric literal: no version equals it */
        assert_int_equal(rc, 0);
        assert_int_equal(page.n, 0);
    } else {
        assert_error(rc, err, MLF_ERR_INTERNAL_ERROR, "Python int too large to convert to SQLite INTEGER");
    }
}

/* ---- the tracking rows source resolution reads ---- */

static void test_source_lookups(void **state)
{
    fixture *f = *state;
    mlf_error err = {0};
    mlf_test_sql(f->db_path, "INSERT INTO runs (run_uuid, lifecycle_stage, artifact_uri, experiment_id, status, "
                             "source_type) VALUES ('r1', 'active', 'file:///data/r1', 0, 'FINISHED', 'LOCAL')");
    mlf_test_sql(f->db_path,
                 "INSERT INTO logged_models (model_id, experiment_id, name, artifact_location, creation_timestamp_ms, "
                 "last_updated_timestamp_ms, status, lifecycle_stage, source_run_id) VALUES "
                 "('m-1', 0, 'lm', 's3://lm/1', 1, 1, 2, 'active', 'r1'), "
                 "('m-2', 0, 'lm', 's3://lm/2', 1, 1, 2, 'deleted', NULL), "
                 "('m-3', 0, 'lm', 's3://lm/3', 1, 1, 2, 'active', NULL)");
    const char *uri, *location, *run_id;
    assert_int_equal(mlf_store_get_source_run_artifact_uri(f->store, f->pool, "r1", &uri, &err), 0);
    assert_string_equal(uri, "file:///data/r1");
    int rc = mlf_store_get_source_run_artifact_uri(f->store, f->pool, "r2", &uri, &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Run with id=r2 not found");
    assert_int_equal(mlf_store_get_source_logged_model(f->store, f->pool, "m-1", &location, &run_id, &err), 0);
    assert_string_equal(location, "s3://lm/1");
    assert_string_equal(run_id, "r1");
    assert_int_equal(mlf_store_get_source_logged_model(f->store, f->pool, "m-3", &location, &run_id, &err), 0);
    assert_null(run_id);
    rc = mlf_store_get_source_logged_model(f->store, f->pool, "m-2", &location, &run_id, &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Logged model with ID 'm-2' not found.");
    /* mlflow.modelVersions: json.dumps of the list, entries appended once */
    assert_int_equal(mlf_store_set_model_versions_tags(f->store, f->pool, "m\u00e9", 1, "m-1", &err), 0);
    assert_int_equal(mlf_store_set_model_versions_tags(f->store, f->pool, "other", 3, "m-1", &err), 0);
    assert_int_equal(mlf_store_set_model_versions_tags(f->store, f->pool, "other", 3, "m-1", &err), 0);
    assert_string_equal(mlf_test_query1(f->pool, f->db_path,
                                        "SELECT tag_value FROM logged_model_tags WHERE model_id = 'm-1' AND "
                                        "tag_key = 'mlflow.modelVersions'"),
                        "[{\"name\": \"m\\u00e9\", \"version\": 1}, {\"name\": \"other\", \"version\": 3}]");
    rc = mlf_store_set_model_versions_tags(f->store, f->pool, "x", 1, "m-2", &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Logged model with ID 'm-2' not found.");
}

/* ---- MLflow 3.5's own database ---- */

static void test_fixture_registry(void **state)
{
    fixture *f = *state;
    if (mlf_test_pg())
        skip(); /* a SQLite file */
    char *path = mlf_test_fixture(f->pool, "mlflow-3.5-fixture.db");
    if (path == NULL)
        skip();
    mlf_store *store;
    mlf_error err = {0};
    mlf_store_config cfg = {.default_artifact_root = mlf_test_path(f->pool, "fx-artifacts")};
    /* the fixture is at 3.5's head: upgraded to 3.18's first, as mlflow-c serves it */
    const char *fx_uri = mlf_pool_sprintf(f->pool, "sqlite:///%s", path), *from;
    int steps;
    if (mlf_db_upgrade(fx_uri, &(mlf_migrate_options){.no_backup = true}, f->pool, &from, &steps, &err) != 0)
        fail_msg("upgrade fixture: %s", err.message);
    if (mlf_store_open(fx_uri, &cfg, f->pool, &store, &err) != 0)
        fail_msg("open fixture: %s", err.message);
    Mlflow__RegisteredModel *rm;
    assert_int_equal(mlf_store_get_registered_model(store, f->pool, "fixture-classifier-model", &rm, &err), 0);
    assert_string_equal(rm->description, "Classifier promoted from fixture-classifier");
    assert_int_equal(rm->creation_timestamp, 1795793264103);
    assert_int_equal(rm->last_updated_timestamp, 1795793264744);
    assert_int_equal(rm->n_tags, 2);
    assert_string_equal(rm->tags[0]->key, "task");
    assert_string_equal(rm->tags[1]->value, "vision");
    assert_int_equal(rm->n_aliases, 2);
    assert_string_equal(rm->aliases[0]->alias, "challenger");
    assert_string_equal(rm->aliases[0]->version, "3");
    assert_string_equal(rm->aliases[1]->alias, "champion");
    assert_string_equal(versions_str(f, rm->latest_versions, rm->n_latest_versions, true),
                        "1:Production,2:None,3:Staging");
    Mlflow__ModelVersion *mv = rm->latest_versions[0];
    assert_string_equal(mv->source, "models:/m-1d46a9aac2a84a539c59a8efb90bbbfc");
    assert_string_equal(mv->run_id, "85feb0bfe31e48f891d4eb45c4c947d6");
    assert_string_equal(mv->description, "version 1");
    assert_string_equal(mv->run_link, "");
    assert_null(mv->user_id);
    assert_int_equal(mv->n_tags, 1);
    assert_int_equal(mv->n_aliases, 0);
    assert_int_equal(
        mlf_store_get_model_version_by_alias(store, f->pool, "fixture-classifier-model", "challenger", &mv, &err), 0);
    assert_string_equal(mv->version, "3");
    assert_int_equal(mv->n_tags, 2);
    assert_string_equal(mv->tags[1]->key, "reviewed_by");
    assert_int_equal(mv->n_aliases, 1);
    const char *uri;
    assert_int_equal(
        mlf_store_get_model_version_download_uri(store, f->pool, "fixture-classifier-model", "1", &uri, &err), 0);
    assert_string_equal(uri, "mlflow-artifacts:/1/models/m-1d46a9aac2a84a539c59a8efb90bbbfc/artifacts");
    assert_int_equal(
        mlf_store_get_model_version_download_uri(store, f->pool, "fixture-regressor-model", "2", &uri, &err), 0);
    assert_string_equal(uri, "runs:/704a9405513544f3a0b633e4b01b2083/model");
    assert_int_equal(mlf_store_get_registered_model(store, f->pool, "fixture-regressor-model", &rm, &err), 0);
    assert_string_equal(versions_str(f, rm->latest_versions, rm->n_latest_versions, true), "2:None");
    assert_int_equal(rm->n_aliases, 1);
    assert_string_equal(rm->aliases[0]->alias, "prod");
    mlf_store_registered_model_page page = {0};
    assert_int_equal(mlf_store_search_registered_models(store, f->pool, 100, NULL, 0, NULL, 0, 0, &page, &err), 0);
    assert_string_equal(rm_names(f, page), "fixture-classifier-model,fixture-regressor-model");
    mlf_store_model_version_page versions = {0};
    assert_int_equal(mlf_store_search_model_versions(store, f->pool, 100, NULL, 0, NULL, 0, 0, &versions, &err), 0);
    assert_string_equal(mv_names(f, versions),
                        "fixture-regressor-model/1,fixture-regressor-model/2,fixture-classifier-model/3,"
                        "fixture-classifier-model/1,fixture-classifier-model/2");
    /* the registry keeps numbering after MLflow's versions */
    mlf_store_new_model_version spec = {
        .name = "fixture-classifier-model", .source = "s3://x", .storage_location = "s3://x"};
    assert_int_equal(mlf_store_create_model_version(store, f->pool, &spec, &mv, &err), 0);
    assert_string_equal(mv->version, "4");
    mlf_store_destroy(store);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_and_get_registered_model, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_registered_model_conflicts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_and_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rename_cascades, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_cascades, setup, teardown),
        cmocka_unit_test_setup_teardown(test_registered_model_tags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_model_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_versions_never_reused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_create_model_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_model_version_lookup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_model_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stages_and_latest_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_model_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_model_version_tags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aliases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_registered_models, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_model_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_lookups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fixture_registry, setup, teardown),
    };
    return cmocka_run_group_tests_name("store/registry", tests, NULL, NULL);
}
