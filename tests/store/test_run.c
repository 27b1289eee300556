/*
 * The store's run functions (SQLite, and PostgreSQL as store-pg/) against MLflow's behaviour
 * (SqlAlchemyStore and tests/store/tracking/test_sqlalchemy_store.py):
 * create/get/update/delete/restore, metrics (NaN, Inf, latest values,
 * re-logged rows), params (immutable), tags (run name), log_batch
 * (atomic), the history reads and the bulk loader of Run messages.
 */
#include "helpers.h"

#include <math.h>
#include <pthread.h>
#include <regex.h>

#include "store/sql/sql.h"
#include "store/store.h"

typedef struct {
    mlf_pool *pool;
    mlf_store *store;
    char *db_path; /* a file path or a postgresql:// URI (helpers.h) */
    char *root;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    f->pool = mlf_pool_create();
    mlf_test_make_tmpdir();
    char *uri = mlf_test_store_uri(f->pool, &f->db_path);
    f->root = mlf_test_path(f->pool, "artifacts");
    mlf_store_config cfg = {.default_artifact_root = f->root};
    mlf_error err = {0};
    if (mlf_store_open(uri, &cfg, f->pool, &f->store, &err) != 0)
        fail_msg("open %s: %s", uri, err.message);
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

#define Q(f, ...) mlf_test_query1((f)->pool, (f)->db_path, mlf_pool_sprintf((f)->pool, __VA_ARGS__))
#define QALL(f, ...) mlf_test_query_all((f)->pool, (f)->db_path, mlf_pool_sprintf((f)->pool, __VA_ARGS__))

static Mlflow__RunTag *mk_tag(mlf_pool *pool, const char *key, const char *value)
{
    Mlflow__RunTag *t = MLF_NEW(pool, Mlflow__RunTag);
    mlflow__run_tag__init(t);
    t->key = (char *)key;
    t->value = (char *)value;
    return t;
}

static Mlflow__Param *mk_param(mlf_pool *pool, const char *key, const char *value)
{
    Mlflow__Param *p = MLF_NEW(pool, Mlflow__Param);
    mlflow__param__init(p);
    p->key = (char *)key;
    p->value = (char *)value;
    return p;
}

static Mlflow__Metric *mk_metric(mlf_pool *pool, const char *key, double value, int64_t ts, int64_t step)
{
    Mlflow__Metric *m = MLF_NEW(pool, Mlflow__Metric);
    mlflow__metric__init(m);
    m->key = (char *)key;
    m->has_value = m->has_timestamp = m->has_step = 1;
    m->value = value;
    m->timestamp = ts;
    m->step = step;
    return m;
}

static Mlflow__Run *create_run_in(fixture *f, const char *exp, const char *name)
{
    Mlflow__Run *run = NULL;
    mlf_error err = {0};
    int64_t start = 1000;
    if (mlf_store_create_run(f->store, f->pool, exp, "alice", &start, NULL, 0, name, &run, &err) != 0)
        fail_msg("create_run: %s", err.message);
    return run;
}

static const char *create_run(fixture *f)
{
    return create_run_in(f, "0", "")->info->run_id;
}

static Mlflow__Run *get_run(fixture *f, const char *id)
{
    Mlflow__Run *run = NULL;
    mlf_error err = {0};
    if (mlf_store_get_run(f->store, f->pool, id, &run, &err) != 0)
        fail_msg("get_run %s: %s", id, err.message);
    return run;
}

static const char *run_tag(const Mlflow__Run *run, const char *key)
{
    for (size_t i = 0; i < run->data->n_tags; i++)
        if (strcmp(run->data->tags[i]->key, key) == 0)
            return run->data->tags[i]->value;
    return NULL;
}

static const Mlflow__Metric *latest(const Mlflow__Run *run, const char *key)
{
    for (size_t i = 0; i < run->data->n_metrics; i++)
        if (strcmp(run->data->metrics[i]->key, key) == 0)
            return run->data->metrics[i];
    return NULL;
}

static void log_metric(fixture *f, const char *run_id, const char *key, double value, int64_t ts, int64_t step)
{
    mlf_error err = {0};
    if (mlf_store_log_metric(f->store, f->pool, run_id, mk_metric(f->pool, key, value, ts, step), &err) != 0)
        fail_msg("log_metric: %s", err.message);
}

static bool matches(const char *re, const char *s)
{
    regex_t r;
    assert_int_equal(regcomp(&r, re, REG_EXTENDED | REG_NOSUB), 0);
    bool ok = regexec(&r, s, 0, NULL, 0) == 0;
    regfree(&r);
    return ok;
}

/* ---- create / get ---- */

static void test_create_run(void **state)
{
    fixture *f = *state;
    Mlflow__RunTag *tags[] = {mk_tag(f->pool, "mlflow.user", "alice"), mk_tag(f->pool, "t", "v")};
    Mlflow__Run *run = NULL;
    mlf_error err = {0};
    int64_t start = 12345;
    assert_int_equal(mlf_store_create_run(f->store, f->pool, "0", "alice", &start, tags, 2, "", &run, &err), 0);
    Mlflow__RunInfo *info = run->info;
    assert_true(matches("^[0-9a-f]{32}$", info->run_id));
    assert_string_equal(info->run_id, info->run_uuid);
    /* a generated name: adjective-noun-number, at most 20 characters */
    assert_true(matches("^[a-z]+-[a-z]+-[0-9]{1,4}$", info->run_name));
    assert_true(strlen(info->run_name) <= 20);
    assert_string_equal(info->experiment_id, "0");
    assert_string_equal(info->user_id, "alice");
    assert_int_equal(info->status, MLFLOW__RUN_STATUS__RUNNING);
    assert_int_equal(info->start_time, 12345);
    assert_false(info->has_end_time);
    assert_string_equal(info->lifecycle_stage, "active");
    assert_string_equal(info->artifact_uri, mlf_pool_sprintf(f->pool, "%s/0/%s/artifacts", f->root, info->run_id));
    /* the name tag is appended after the given tags; no outputs on create */
    assert_int_equal(run->data->n_tags, 3);
    assert_string_equal(run->data->tags[2]->key, "mlflow.runName");
    assert_string_equal(run->data->tags[2]->value, info->run_name);
    assert_non_null(run->inputs);
    assert_null(run->outputs);

    Mlflow__Run *got = get_run(f, info->run_id);
    assert_string_equal(got->info->run_name, info->run_name);
    assert_int_equal(got->data->n_tags, 3);
    assert_string_equal(got->data->tags[0]->key, "mlflow.user");
    assert_string_equal(run_tag(got, "t"), "v");
    assert_non_null(got->inputs);
    assert_non_null(got->outputs);
    assert_string_equal(
        QALL(f, "SELECT source_type, status, lifecycle_stage, deleted_time FROM runs WHERE run_uuid = '%s'",
             info->run_id),
        "UNKNOWN:RUNNING:active:null");
}

static void test_create_run_start_time_defaults_to_now(void **state)
{
    fixture *f = *state;
    Mlflow__Run *run = NULL;
    mlf_error err = {0};
    int64_t before = mlf_sql_now_ms();
    assert_int_equal(mlf_store_create_run(f->store, f->pool, "0", "", NULL, NULL, 0, "named", &run, &err), 0);
    assert_true(run->info->start_time >= before && run->info->start_time <= mlf_sql_now_ms());
    assert_string_equal(run->info->run_name, "named");
    assert_string_equal(run_tag(get_run(f, run->info->run_id), "mlflow.runName"), "named");
}

static void test_create_run_name_rules(void **state)
{
    fixture *f = *state;
    mlf_error err = {0};
    Mlflow__Run *run = NULL;
    Mlflow__RunTag *tags[] = {mk_tag(f->pool, "mlflow.runName", "from-tag")};
    /* the tag alone names the run and is not duplicated */
    assert_int_equal(mlf_store_create_run(f->store, f->pool, "0", "", NULL, tags, 1, "", &run, &err), 0);
    assert_string_equal(run->info->run_name, "from-tag");
    assert_int_equal(run->data->n_tags, 1);
    /* the same name twice is fine */
    assert_int_equal(mlf_store_create_run(f->store, f->pool, "0", "", NULL, tags, 1, "from-tag", &run, &err), 0);
    /* different ones are refused */
    int rc = mlf_store_create_run(f->store, f->pool, "0", "", NULL, tags, 1, "other", &run, &err);
    assert_error(rc, err, MLF_ERR_INVALID_PARAMETER_VALUE,
                 "Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values "
                 "(run_name='other', mlflow.runName='from-tag').");
    /* an empty name tag counts as none: MLflow appends another one, which collides */
    Mlflow__RunTag *empty[] = {mk_tag(f->pool, "mlflow.runName", "")};
    rc = mlf_store_create_run(f->store, f->pool, "0", "", NULL, empty, 1, "x", &run, &err);
    assert_integrity_error_prefix(rc, err, MLF_ERR_BAD_REQUEST, "(sqlite3.IntegrityError) UNIQUE constraint failed",
                                  MLF_TEST_AUTOFLUSH MLF_TEST_PG_UNIQUE
                                  "\"tag_pk\"\nDETAIL:  Key (key, run_uuid)=(mlflow.runName, ");
    assert_string_equal(Q(f, "SELECT count(*) FROM runs"), "2");
}

static void test_create_run_experiment_errors(void **state)
{
    fixture *f = *state;
    mlf_error err = {0};
    Mlflow__Run *run = NULL;
    int rc = mlf_store_create_run(f->store, f->pool, "42", "", NULL, NULL, 0, "", &run, &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "No Experiment with id=42 exists");
    rc = mlf_store_create_run(f->store, f->pool, "abc", "", NULL, NULL, 0, "", &run, &err);
    assert_error(rc, err, MLF_ERR_INVALID_PARAMETER_VALUE,
                 "Invalid experiment ID 'abc'. Experiment ID must be a valid integer.");
    const char *id = NULL;
    assert_int_equal(mlf_store_create_experiment(f->store, f->pool, "e", NULL, NULL, 0, &id, &err), 0);
    assert_int_equal(mlf_store_delete_experiment(f->store, f->pool, id, &err), 0);
    rc = mlf_store_create_run(f->store, f->pool, id, "", NULL, NULL, 0, "", &run, &err);
    assert_error(
        rc, err, MLF_ERR_INVALID_PARAMETER_VALUE,
        mlf_pool_sprintf(f->pool, "The experiment %s must be in the 'active' state. Current state is deleted.", id));
}

static void test_get_run_not_found(void **state)
{
    fixture *f = *state;
    Mlflow__Run *run = NULL;
    mlf_error err = {0};
    int rc = mlf_store_get_run(f->store, f->pool, "0123456789abcdef0123456789abcdef", &run, &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Run with id=0123456789abcdef0123456789abcdef not found");
}

/* ---- update / delete / restore ---- */

static void test_update_run_info(void **state)
{
    fixture *f = *state;
    const char *id = create_run(f);
    Mlflow__RunInfo *info = NULL;
    mlf_error err = {0};
    Mlflow__RunStatus st = MLFLOW__RUN_STATUS__FINISHED;
    int64_t end = 5000;
    assert_int_equal(mlf_store_update_run_info(f->store, f->pool, id, &st, &end, "renamed", &info, &err), 0);
    assert_int_equal(info->status, MLFLOW__RUN_STATUS__FINISHED);
    assert_int_equal(info->end_time, 5000);
    assert_string_equal(info->run_name, "renamed");
    Mlflow__Run *run = get_run(f, id);
    assert_string_equal(run->info->run_name, "renamed");
    assert_string_equal(run_tag(run, "mlflow.runName"), "renamed");
    assert_int_equal(run->data->n_tags, 1);
    /* nothing given: nothing changes; an empty name is ignored */
    assert_int_equal(mlf_store_update_run_info(f->store, f->pool, id, NULL, NULL, "", &info, &err), 0);
    assert_int_equal(info->status, MLFLOW__RUN_STATUS__FINISHED);
    assert_string_equal(info->run_name, "renamed");
    /* end_time 0 is stored but not shown (RunInfo.to_proto writes it only when truthy) */
    end = 0;
    assert_int_equal(mlf_store_update_run_info(f->store, f->pool, id, NULL, &end, NULL, &info, &err), 0);
    assert_false(info->has_end_time);
    assert_string_equal(Q(f, "SELECT end_time FROM runs WHERE run_uuid = '%s'", id), "0");

    int rc = mlf_store_update_run_info(f->store, f->pool, "nope", &st, NULL, NULL, &info, &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Run with id=nope not found");
    assert_int_equal(mlf_store_delete_run(f->store, f->pool, id, &err), 0);
    rc = mlf_store_update_run_info(f->store, f->pool, id, &st, NULL, NULL, &info, &err);
    assert_error(rc, err, MLF_ERR_INVALID_PARAMETER_VALUE,
                 mlf_pool_sprintf(f->pool, "The run %s must be in the 'active' state. Current state is deleted.", id));
}

static void test_delete_restore_run(void **state)
{
    fixture *f = *state;
    const char *id = create_run(f);
    mlf_error err = {0};
    int64_t before = mlf_sql_now_ms();
    assert_int_equal(mlf_store_delete_run(f->store, f->pool, id, &err), 0);
    assert_string_equal(get_run(f, id)->info->lifecycle_stage, "deleted");
    int64_t deleted = atoll(Q(f, "SELECT deleted_time FROM runs WHERE run_uuid = '%s'", id));
    assert_true(deleted >= before);
    /* deleting again is allowed and moves deleted_time */
    assert_int_equal(mlf_store_delete_run(f->store, f->pool, id, &err), 0);
    assert_int_equal(mlf_store_restore_run(f->store, f->pool, id, &err), 0);
    assert_string_equal(get_run(f, id)->info->lifecycle_stage, "active");
    assert_null(Q(f, "SELECT deleted_time FROM runs WHERE run_uuid = '%s'", id));
    int rc = mlf_store_delete_run(f->store, f->pool, "missing", &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Run with id=missing not found");
    rc = mlf_store_restore_run(f->store, f->pool, "missing", &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Run with id=missing not found");
}

/* ---- metrics ---- */

static void test_log_metric_nan_inf(void **state)
{
    fixture *f = *state;
    const char *id = create_run(f);
    log_metric(f, id, "nan", NAN, 1, 0);
    log_metric(f, id, "pinf", INFINITY, 1, 0);
    log_metric(f, id, "ninf", -INFINITY, 1, 0);
    const char *nan_row = mlf_test_pg() ? "0:t" : "0.0:1"; /* float8 0 and a boolean on PostgreSQL */
    assert_string_equal(QALL(f, "SELECT value, is_nan FROM metrics WHERE \"key\" = 'nan'"), nan_row);
    assert_string_equal(QALL(f, "SELECT value, is_nan FROM latest_metrics WHERE \"key\" = 'nan'"), nan_row);
    assert_string_equal(Q(f, "SELECT value = 1.7976931348623157e308 FROM metrics WHERE \"key\" = 'pinf'"),
                        MLF_TEST_TRUE);
    assert_string_equal(Q(f, "SELECT value = -1.7976931348623157e308 FROM metrics WHERE \"key\" = 'ninf'"),
                        MLF_TEST_TRUE);
    Mlflow__Run *run = get_run(f, id);
    assert_true(isnan(latest(run, "nan")->value));
    assert_true(latest(run, "pinf")->value == 1.7976931348623157e308);
    /* in logging order */
    assert_string_equal(run->data->metrics[0]->key, "nan");
    assert_string_equal(run->data->metrics[2]->key, "ninf");
}

static void test_latest_metric_rules(void **state)
{
    fixture *f = *state;
    const char *id = create_run(f);
    log_metric(f, id, "m", 5.0, 100, 2);
    /* lower step loses even with a later timestamp */
    log_metric(f, id, "m", 9.0, 999, 1);
    const Mlflow__Metric *m = latest(get_run(f, id), "m");
    assert_true(m->value == 5.0 && m->step == 2 && m->timestamp == 100);
    /* same step: later timestamp wins */
    log_metric(f, id, "m", 1.0, 101, 2);
    m = latest(get_run(f, id), "m");
    assert_true(m->value == 1.0 && m->timestamp == 101);
    /* same step and timestamp: higher value wins, lower loses */
    log_metric(f, id, "m", 3.0, 101, 2);
    log_metric(f, id, "m", 2.0, 101, 2);
    m = latest(get_run(f, id), "m");
    assert_true(m->value == 3.0);
    /* NaN compares as 0 */
    log_metric(f, id, "m", NAN, 101, 3);
    assert_true(isnan(latest(get_run(f, id), "m")->value));
    log_metric(f, id, "m", -1.0, 101, 3);
    assert_true(isnan(latest(get_run(f, id), "m")->value));
    log_metric(f, id, "m", 0.5, 101, 3);
    assert_true(latest(get_run(f, id), "m")->value == 0.5);
    assert_string_equal(Q(f, "SELECT count(*) FROM metrics"), "8");
}

static void test_relog_existing_metric_rows(void **state)
{
    fixture *f = *state;
    const char *id = create_run(f);
    Mlflow__Metric *ms[] = {mk_metric(f->pool, "a", 1.0, 10, 0), mk_metric(f->pool, "b", 2.0, 10, 0),
                            mk_metric(f->pool, "a", 1.0, 10, 0)};
    mlf_error err = {0};
    for (int round = 0; round < 3; round++)
        assert_int_equal(mlf_store_log_batch(f->store, f->pool, id, ms, 3, NULL, 0, NULL, 0, &err), 0);
    assert_string_equal(Q(f, "SELECT count(*) FROM metrics"), "2");
    /* a new row beside an old one in the same batch still lands */
    Mlflow__Metric *more[] = {mk_metric(f->pool, "a", 1.0, 10, 0), mk_metric(f->pool, "a", 7.0, 11, 1)};
    assert_int_equal(mlf_store_log_batch(f->store, f->pool, id, more, 2, NULL, 0, NULL, 0, &err), 0);
    assert_string_equal(Q(f, "SELECT count(*) FROM metrics"), "3");
    assert_true(latest(get_run(f, id), "a")->value == 7.0);
}

static void test_log_metric_errors(void **state)
{
    fixture *f = *state;
    const char *id = create_run(f);
    mlf_error err = {0};
    int rc = mlf_store_log_metric(f->store, f->pool, "nope", mk_metric(f->pool, "m", 1, 1, 0), &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Run with id=nope not found");
    assert_int_equal(mlf_store_delete_run(f->store, f->pool, id, &err), 0);
    rc = mlf_store_log_metric(f->store, f->pool, id, mk_metric(f->pool, "m", 1, 1, 0), &err);
    assert_error(rc, err, MLF_ERR_INVALID_PARAMETER_VALUE,
                 mlf_pool_sprintf(f->pool, "The run %s must be in the 'active' state. Current state is deleted.", id));
}

static void test_log_model_metric(void **state)
{
    fixture *f = *state;
    const char *id = create_run(f);
    mlf_test_sql(f->db_path,
                 "INSERT INTO logged_models (model_id, experiment_id, name, artifact_location, creation_timestamp_ms, "
                 "last_updated_timestamp_ms, status, lifecycle_stage) VALUES ('m-1', 0, 'model', 'loc', 1, 1, 1, "
                 "'active')");
    Mlflow__Metric *m = mk_metric(f->pool, "acc", 0.9, 5, 1);
    m->model_id = "m-1";
    m->dataset_name = "ds";
    m->dataset_digest = "dg";
    mlf_error err = {0};
    assert_int_equal(mlf_store_log_metric(f->store, f->pool, id, m, &err), 0);
    assert_int_equal(mlf_store_log_metric(f->store, f->pool, id, m, &err), 0);
    assert_string_equal(
        QALL(f, "SELECT metric_value, dataset_name, experiment_id FROM logged_model_metrics WHERE run_id = '%s'", id),
        "0.9:ds:0"); /* one row */
    assert_string_equal(Q(f, "SELECT count(*) FROM metrics"), "1");
    /* an unknown model breaks the foreign key, as in MLflow */
    m->model_id = "m-404";
    int rc = mlf_store_log_metric(f->store, f->pool, id, m, &err);
    assert_integrity_error_prefix(rc, err, MLF_ERR_BAD_REQUEST, "(sqlite3.IntegrityError) FOREIGN KEY constraint failed",
                                  "(psycopg2.errors.ForeignKeyViolation) insert or update on table "
                                  "\"logged_model_metrics\" violates foreign key constraint "
                                  "\"fk_logged_model_metrics_model_id\"\nDETAIL:  Key (model_id)=(m-404) is not present "
                                  "in table \"logged_models\".");
}

/* ---- params ---- */

static void test_log_param(void **state)
{
    fixture *f = *state;
    const char *id = create_run(f);
    mlf_error err = {0};
    assert_int_equal(mlf_store_log_param(f->store, f->pool, id, mk_param(f->pool, "lr", "0.1"), &err), 0);
    assert_int_equal(mlf_store_log_param(f->store, f->pool, id, mk_param(f->pool, "lr", "0.1"), &err), 0);
    int rc = mlf_store_log_param(f->store, f->pool, id, mk_param(f->pool, "lr", "0.2"), &err);
    assert_error(rc, err, MLF_ERR_INVALID_PARAMETER_VALUE,
                 mlf_pool_sprintf(f->pool,
                                  "Changing param values is not allowed. Param with key='lr' was already logged with "
                                  "value='0.1' for run ID='%s'. Attempted logging new value '0.2'.",
                                  id));
    Mlflow__Run *run = get_run(f, id);
    assert_int_equal(run->data->n_params, 1);
    assert_string_equal(run->data->params[0]->value, "0.1");
    rc = mlf_store_log_param(f->store, f->pool, "nope", mk_param(f->pool, "lr", "0.1"), &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Run with id=nope not found");
}

/* ---- tags ---- */

static void test_set_and_delete_tag(void **state)
{
    fixture *f = *state;
    const char *id = create_run(f);
    mlf_error err = {0};
    assert_int_equal(mlf_store_set_tag(f->store, f->pool, id, mk_tag(f->pool, "k", "v1"), &err), 0);
    assert_int_equal(mlf_store_set_tag(f->store, f->pool, id, mk_tag(f->pool, "k", "v2"), &err), 0);
    assert_string_equal(run_tag(get_run(f, id), "k"), "v2");
    /* the run name tag renames the run; an empty one changes nothing */
    assert_int_equal(mlf_store_set_tag(f->store, f->pool, id, mk_tag(f->pool, "mlflow.runName", "nm"), &err), 0);
    assert_int_equal(mlf_store_set_tag(f->store, f->pool, id, mk_tag(f->pool, "mlflow.runName", ""), &err), 0);
    Mlflow__Run *run = get_run(f, id);
    assert_string_equal(run->info->run_name, "nm");
    assert_string_equal(run_tag(run, "mlflow.runName"), "nm");
    assert_string_equal(Q(f, "SELECT name FROM runs WHERE run_uuid = '%s'", id), "nm");

    assert_int_equal(mlf_store_delete_tag(f->store, f->pool, id, "k", &err), 0);
    assert_null(run_tag(get_run(f, id), "k"));
    int rc = mlf_store_delete_tag(f->store, f->pool, id, "k", &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST,
                 mlf_pool_sprintf(f->pool, "No tag with name: k in run with id %s", id));
    assert_int_equal(mlf_store_delete_run(f->store, f->pool, id, &err), 0);
    rc = mlf_store_set_tag(f->store, f->pool, id, mk_tag(f->pool, "k", "v"), &err);
    assert_error_prefix(rc, err, MLF_ERR_INVALID_PARAMETER_VALUE, "The run ");
    rc = mlf_store_delete_tag(f->store, f->pool, id, "mlflow.runName", &err);
    assert_error_prefix(rc, err, MLF_ERR_INVALID_PARAMETER_VALUE, "The run ");
}

static void test_run_name_falls_back_to_tag(void **state)
{
    fixture *f = *state;
    const char *id = create_run(f);
    mlf_test_sql(f->db_path, "UPDATE runs SET name = '' WHERE run_uuid = '%s'", id);
    mlf_test_sql(f->db_path, "UPDATE tags SET value = 'tagged' WHERE run_uuid = '%s'", id);
    assert_string_equal(get_run(f, id)->info->run_name, "tagged");
    Mlflow__RunInfo *info = NULL;
    mlf_error err = {0};
    assert_int_equal(mlf_store_update_run_info(f->store, f->pool, id, NULL, NULL, NULL, &info, &err), 0);
    assert_string_equal(info->run_name, "tagged");
}

/* ---- log_batch ---- */

static void test_log_batch(void **state)
{
    fixture *f = *state;
    const char *id = create_run(f);
    Mlflow__Metric *ms[] = {mk_metric(f->pool, "m1", 1, 10, 0), mk_metric(f->pool, "m2", 2, 10, 0)};
    Mlflow__Param *ps[] = {mk_param(f->pool, "p1", "a"), mk_param(f->pool, "p2", "b")};
    Mlflow__RunTag *ts[] = {mk_tag(f->pool, "t1", "x"), mk_tag(f->pool, "mlflow.runName", "batch-name"),
                            mk_tag(f->pool, "t1", "y")};
    mlf_error err = {0};
    assert_int_equal(mlf_store_log_batch(f->store, f->pool, id, ms, 2, ps, 2, ts, 3, &err), 0);
    Mlflow__Run *run = get_run(f, id);
    assert_int_equal(run->data->n_metrics, 2);
    assert_int_equal(run->data->n_params, 2);
    assert_string_equal(run->info->run_name, "batch-name");
    /* a repeated key keeps its last value */
    assert_string_equal(run_tag(run, "t1"), "y");
    assert_int_equal(run->data->n_tags, 2);
}

static void test_log_batch_is_atomic(void **state)
{
    fixture *f = *state;
    const char *id = create_run(f);
    mlf_error err = {0};
    Mlflow__Param *first[] = {mk_param(f->pool, "p1", "a"), mk_param(f->pool, "p2", "b")};
    assert_int_equal(mlf_store_log_batch(f->store, f->pool, id, NULL, 0, first, 2, NULL, 0, &err), 0);
    Mlflow__Metric *ms[] = {mk_metric(f->pool, "m1", 1, 10, 0)};
    Mlflow__Param *ps[] = {mk_param(f->pool, "new", "n"), mk_param(f->pool, "p1", "changed"),
                           mk_param(f->pool, "p2", "b"), mk_param(f->pool, "p2x", "c")};
    Mlflow__RunTag *ts[] = {mk_tag(f->pool, "t", "v")};
    int rc = mlf_store_log_batch(f->store, f->pool, id, ms, 1, ps, 4, ts, 1, &err);
    assert_error(rc, err, MLF_ERR_INVALID_PARAMETER_VALUE,
                 mlf_pool_sprintf(f->pool,
                                  "Changing param values is not allowed. Params were already logged='[{'key': 'p1', "
                                  "'old_value': 'a', 'new_value': 'changed'}]' for run ID='%s'.",
                                  id));
    /* nothing of the failed batch was written */
    assert_string_equal(Q(f, "SELECT count(*) FROM params"), "2");
    assert_string_equal(Q(f, "SELECT count(*) FROM metrics"), "0");
    assert_string_equal(Q(f, "SELECT count(*) FROM tags WHERE \"key\" = 't'"), "0");
}

/* ---- history ---- */

static void test_metric_history(void **state)
{
    fixture *f = *state;
    const char *id = create_run(f);
    /* logged out of order: read back by timestamp, step, value */
    log_metric(f, id, "h", 3.0, 30, 2);
    log_metric(f, id, "h", 1.0, 10, 0);
    log_metric(f, id, "h", NAN, 20, 1);
    log_metric(f, id, "h", 0.5, 20, 1);
    log_metric(f, id, "other", 1.0, 5, 0);
    mlf_store_metric_page page = {0};
    mlf_error err = {0};
    assert_int_equal(mlf_store_get_metric_history(f->store, f->pool, id, "h", NULL, 0, &page, &err), 0);
    assert_int_equal(page.n, 4);
    assert_null(page.next_page_token);
    assert_true(page.metrics[0]->value == 1.0);
    assert_true(isnan(page.metrics[1]->value)); /* stored as 0, before 0.5 */
    assert_true(page.metrics[2]->value == 0.5);
    assert_true(page.metrics[3]->value == 3.0 && page.metrics[3]->step == 2 && page.metrics[3]->timestamp == 30);
    assert_string_equal(page.metrics[3]->key, "h");
    assert_null(page.metrics[3]->run_id);

    int64_t max = 3;
    assert_int_equal(mlf_store_get_metric_history(f->store, f->pool, id, "h", &max, 0, &page, &err), 0);
    assert_int_equal(page.n, 3);
    assert_non_null(page.next_page_token);
    int64_t offset;
    assert_int_equal(mlf_search_page_token_decode(f->pool, page.next_page_token, &offset, &err), 0);
    assert_int_equal(offset, 3);
    assert_int_equal(mlf_store_get_metric_history(f->store, f->pool, id, "h", &max, 3, &page, &err), 0);
    assert_int_equal(page.n, 1);
    assert_null(page.next_page_token);
    /* max_results 0, as MLflow 3 reads an absent one: an empty page and a token */
    max = 0;
    assert_int_equal(mlf_store_get_metric_history(f->store, f->pool, id, "h", &max, 0, &page, &err), 0);
    assert_int_equal(page.n, 0);
    assert_non_null(page.next_page_token);
    /* -1: LIMIT 0, and a token for offset -1, as MLflow's arithmetic gives */
    max = -1;
    assert_int_equal(mlf_store_get_metric_history(f->store, f->pool, id, "h", &max, 0, &page, &err), 0);
    assert_int_equal(page.n, 0);
    assert_string_equal(page.next_page_token, "eyJvZmZzZXQiOiAtMX0=");
    /* below -1: no limit at all */
    max = -5;
    assert_int_equal(mlf_store_get_metric_history(f->store, f->pool, id, "h", &max, 0, &page, &err), 0);
    assert_int_equal(page.n, 4);
    assert_null(page.next_page_token);
    /* an unknown run or key is an empty history, not an error */
    assert_int_equal(mlf_store_get_metric_history(f->store, f->pool, "nope", "h", NULL, 0, &page, &err), 0);
    assert_int_equal(page.n, 0);
}

static void test_metric_history_bulk(void **state)
{
    fixture *f = *state;
    const char *a = create_run(f), *b = create_run(f);
    const char *lo = strcmp(a, b) < 0 ? a : b, *hi = lo == a ? b : a;
    for (int i = 0; i < 3; i++) {
        log_metric(f, hi, "m", i, 100 - i, i);
        log_metric(f, lo, "m", i, 100 + i, i);
    }
    char *ids[] = {(char *)hi, (char *)lo, (char *)"missing"};
    Mlflow__MetricWithRunId **ms = NULL;
    size_t n = 0;
    mlf_error err = {0};
    assert_int_equal(mlf_store_get_metric_history_bulk(f->store, f->pool, ids, 3, "m", 25000, &ms, &n, &err), 0);
    assert_int_equal(n, 6);
    /* by run id, then timestamp */
    assert_string_equal(ms[0]->run_id, lo);
    assert_int_equal(ms[0]->timestamp, 100);
    assert_string_equal(ms[3]->run_id, hi);
    assert_int_equal(ms[3]->timestamp, 98);
    assert_int_equal(mlf_store_get_metric_history_bulk(f->store, f->pool, ids, 3, "m", 4, &ms, &n, &err), 0);
    assert_int_equal(n, 4);
}

static void test_metric_history_bulk_interval(void **state)
{
    fixture *f = *state;
    const char *a = create_run(f), *b = create_run(f);
    mlf_error err = {0};
    /* run a: steps 0..99; run b: steps 5, 50, 120 */
    Mlflow__Metric *ms[100];
    for (int i = 0; i < 100; i++)
        ms[i] = mk_metric(f->pool, "loss", i, 1000 + i, i);
    assert_int_equal(mlf_store_log_batch(f->store, f->pool, a, ms, 100, NULL, 0, NULL, 0, &err), 0);
    log_metric(f, b, "loss", 5, 1, 5);
    log_metric(f, b, "loss", 50, 1, 50);
    log_metric(f, b, "loss", 120, 1, 120);
    char *ids[] = {(char *)a, (char *)b};
    Mlflow__MetricWithRunId **out = NULL;
    size_t n = 0;
    /* each run on its own: NTILE(10)'s bucket starts, the last row in place of the last one (a: 100 rows of 10;
       b: 3 rows, all kept) */
    assert_int_equal(
        mlf_store_get_metric_history_bulk_interval(f->store, f->pool, ids, 2, "loss", 10, NULL, NULL, &out, &n,
                                                   &err), 0);
    mlf_buf got;
    mlf_buf_init(&got, f->pool, 256);
    for (size_t i = 0; i < n; i++)
        mlf_buf_printf(&got, "%s%c%" PRId64, i ? "," : "", strcmp(out[i]->run_id, a) == 0 ? 'a' : 'b', out[i]->step);
    assert_string_equal(got.data, "a0,a10,a20,a30,a40,a50,a60,a70,a80,a99,b5,b50,b120");
    /* a range: a's 21 rows in buckets of 5, 4, 4, 4, 4, the last row in place of the last; b: its one row there, 50 */
    int64_t s = 40, e = 60;
    assert_int_equal(
        mlf_store_get_metric_history_bulk_interval(f->store, f->pool, ids, 2, "loss", 5, &s, &e, &out, &n, &err), 0);
    mlf_buf_init(&got, f->pool, 256);
    for (size_t i = 0; i < n; i++)
        mlf_buf_printf(&got, "%s%c%" PRId64, i ? "," : "", strcmp(out[i]->run_id, a) == 0 ? 'a' : 'b', out[i]->step);
    assert_string_equal(got.data, "a40,a45,a49,a53,a60,b50");
    /* no data: nothing */
    assert_int_equal(
        mlf_store_get_metric_history_bulk_interval(f->store, f->pool, ids, 2, "none", 10, NULL, NULL, &out, &n,
                                                   &err), 0);
    assert_int_equal(n, 0);
}

/* ---- the bulk loader ---- */

static void test_load_runs_bulk(void **state)
{
    fixture *f = *state;
    enum { N = 300 };
    const char *ids[N + 3];
    mlf_error err = {0};
    for (int i = 0; i < N; i++) {
        ids[i] = create_run(f);
        Mlflow__Metric *ms[] = {mk_metric(f->pool, "m", i, 1, 0)};
        Mlflow__Param *ps[] = {mk_param(f->pool, "i", mlf_pool_sprintf(f->pool, "%d", i))};
        assert_int_equal(mlf_store_log_batch(f->store, f->pool, ids[i], ms, 1, ps, 1, NULL, 0, &err), 0);
    }
    ids[N] = "no-such-run";
    ids[N + 1] = ids[7];
    ids[N + 2] = ids[0];
    /* a dataset input with two tags and a model output on run 7 */
    mlf_test_sql(f->db_path,
                 "INSERT INTO datasets VALUES ('d-uuid', 0, 'ds', 'dg', 'local', '{\"uri\": \"x\"}', 'sch', NULL);"
                 "INSERT INTO inputs VALUES ('in-1', 'DATASET', 'd-uuid', 'RUN', '%s', 0);"
                 "INSERT INTO input_tags VALUES ('in-1', 'zeta', 'z'), ('in-1', 'mlflow.data.context', 'train');"
                 "INSERT INTO inputs VALUES ('in-2', 'RUN_OUTPUT', '%s', 'MODEL_OUTPUT', 'model-b', 3);"
                 "INSERT INTO inputs VALUES ('in-3', 'RUN_INPUT', '%s', 'MODEL_INPUT', 'model-a', 0);",
                 ids[7], ids[7], ids[7]);
    mlf_sql_store *s = (mlf_sql_store *)f->store;
    mlf_sql_conn *c;
    assert_int_equal(mlf_sql_read_begin(s, f->pool, &c, &err), 0);
    Mlflow__Run **runs = MLF_NEW_ARRAY(f->pool, Mlflow__Run *, N + 3);
    int rc = mlf__sql_load_runs(c, f->pool, ids, N + 3, runs, &err);
    mlf_sql_read_end(s, c);
    assert_int_equal(rc, 0);
    for (int i = 0; i < N; i++) {
        assert_non_null(runs[i]);
        assert_string_equal(runs[i]->info->run_id, ids[i]);
        assert_int_equal(runs[i]->data->n_metrics, 1);
        assert_true(runs[i]->data->metrics[0]->value == i);
        assert_string_equal(runs[i]->data->params[0]->value, mlf_pool_sprintf(f->pool, "%d", i));
        assert_int_equal(runs[i]->data->n_tags, 1);
        assert_non_null(runs[i]->inputs);
        assert_non_null(runs[i]->outputs);
        assert_int_equal(runs[i]->inputs->n_model_inputs, 0); /* search_runs leaves them out */
    }
    assert_null(runs[N]);
    assert_ptr_equal(runs[N + 1], runs[7]);
    assert_ptr_equal(runs[N + 2], runs[0]);
    Mlflow__RunInputs *in = runs[7]->inputs;
    assert_int_equal(in->n_dataset_inputs, 1);
    Mlflow__DatasetInput *di = in->dataset_inputs[0];
    assert_string_equal(di->dataset->name, "ds");
    assert_string_equal(di->dataset->source, "{\"uri\": \"x\"}");
    assert_string_equal(di->dataset->schema, "sch");
    assert_null(di->dataset->profile);
    assert_int_equal(di->n_tags, 2);
    assert_string_equal(di->tags[0]->key, "mlflow.data.context");
    assert_string_equal(di->tags[1]->key, "zeta");
    assert_int_equal(runs[7]->outputs->n_model_outputs, 1);
    assert_string_equal(runs[7]->outputs->model_outputs[0]->model_id, "model-b");
    assert_int_equal(runs[7]->outputs->model_outputs[0]->step, 3);
    assert_int_equal(runs[8]->inputs->n_dataset_inputs, 0);

    /* get_run adds the model inputs */
    Mlflow__Run *run = get_run(f, ids[7]);
    assert_int_equal(run->inputs->n_model_inputs, 1);
    assert_string_equal(run->inputs->model_inputs[0]->model_id, "model-a");
    assert_int_equal(run->inputs->n_dataset_inputs, 1);
}

/* ---- concurrency ---- */

typedef struct {
    mlf_store *store;
    const char *run_id;
    int thread;
    int failures;
    char last_error[256];
} worker_arg;

static void *metric_worker(void *p)
{
    worker_arg *a = p;
    mlf_pool *pool = mlf_pool_create();
    for (int i = 0; i < 100; i++) {
        mlf_pool_reset(pool);
        mlf_error err = {0};
        Mlflow__Metric *ms[] = {mk_metric(pool, "m", i, a->thread * 1000 + i, i)};
        int rc = mlf_store_log_batch(a->store, pool, a->run_id, ms, 1, NULL, 0, NULL, 0, &err);
        Mlflow__Run *run = NULL;
        if (rc == 0)
            rc = mlf_store_get_run(a->store, pool, a->run_id, &run, &err);
        if (rc != 0) {
            a->failures++;
            snprintf(a->last_error, sizeof(a->last_error), "%s", err.message);
        }
    }
    mlf_pool_destroy(pool);
    return NULL;
}

static void test_concurrent_logging(void **state)
{
    fixture *f = *state;
    const char *id = create_run(f);
    enum { N = 8 };
    pthread_t th[N];
    worker_arg args[N];
    for (int i = 0; i < N; i++) {
        args[i] = (worker_arg){.store = f->store, .run_id = id, .thread = i};
        assert_int_equal(pthread_create(&th[i], NULL, metric_worker, &args[i]), 0);
    }
    for (int i = 0; i < N; i++) /* all of them before any check: a failed check ends the test */
        pthread_join(th[i], NULL);
    for (int i = 0; i < N; i++)
        if (args[i].failures != 0)
            fail_msg("thread %d: %d failures, last: %s", i, args[i].failures, args[i].last_error);
    assert_string_equal(Q(f, "SELECT count(*) FROM metrics"), "800");
    /* the highest step wins, then the latest timestamp: thread 7's step 99 */
    const Mlflow__Metric *m = latest(get_run(f, id), "m");
    assert_int_equal(m->step, 99);
    assert_int_equal(m->timestamp, 7099);
}

/* ---- group commit (SQLite): concurrent writers share one transaction ---- */

enum { GROUP_N = 6 };

typedef struct group_member {
    mlf_sql_store *s;
    const char *run_id;
    int index;
    int kind;                    /* 0: tag row, 1: tag row then fail, 2: deferred foreign-key violation, 3: blocker */
    int wait_for;                /* blocker: writers queued before it returns */
    pthread_t ran_on;            /* the thread that ran the member's fn */
    pthread_t self;
    pthread_barrier_t *returned; /* every member has its answer */
    int rc;
    int code;
    char message[256];
} group_member;

static int insert_tag(mlf_sql_conn *c, mlf_pool *pool, const char *run_id, const char *key, mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, "INSERT INTO tags (\"key\", value, run_uuid) VALUES (?, 'v', ?)", &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, key);
    mlf_sql_bind_text(st, 2, run_id);
    rc = mlf_sql_step(st);
    mlf_sql_reset(st);
    return rc == MLF_SQL_DONE ? 0 : mlf_sql_error(pool, c, rc, err);
}

/* Writers queued on s, the running group's included (read under the queue's lock, as the store writes it). */
static int queued(mlf_sql_store *s)
{
    pthread_mutex_lock(&s->queue_mu);
    int n = s->queue_len;
    pthread_mutex_unlock(&s->queue_mu);
    return n;
}

static int member_fn(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    group_member *m = arg;
    m->ran_on = pthread_self();
    const char *key = mlf_pool_sprintf(pool, "g%d", m->index);
    switch (m->kind) {
    case 1: {
        int rc = insert_tag(c, pool, m->run_id, key, err);
        return rc < 0 ? rc : mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "member %d fails", m->index);
    }
    case 2: {
        /* checked at COMMIT only: the whole group's commit fails */
        int rc = mlf_sql_exec(c, pool, "PRAGMA defer_foreign_keys = ON", err);
        return rc < 0 ? rc : insert_tag(c, pool, "no-such-run", key, err);
    }
    case 3:
        while (queued(m->s) < m->wait_for)
            usleep(1000);
        return insert_tag(c, pool, m->run_id, key, err);
    default:
        return insert_tag(c, pool, m->run_id, key, err);
    }
}

static void *member_thread(void *p)
{
    group_member *m = p;
    mlf_pool *pool = mlf_pool_create();
    mlf_error err = {0};
    m->self = pthread_self();
    m->rc = mlf_sql_in_write(m->s, pool, member_fn, m, &err);
    m->code = err.code;
    /* the leader's pool goes first: a member's error must live in its own */
    bool led = pthread_equal(m->ran_on, m->self);
    if (led)
        mlf_pool_destroy(pool);
    pthread_barrier_wait(m->returned);
    if (!led) {
        snprintf(m->message, sizeof(m->message), "%s", err.message != NULL ? err.message : "");
        mlf_pool_destroy(pool);
    }
    return NULL;
}

/* Starts a blocker that holds the writer until GROUP_N members queued behind it, then those; joins all. */
static void run_group(fixture *f, const char *run_id, const int *kinds, group_member *ms)
{
    mlf_sql_store *s = (mlf_sql_store *)f->store;
    pthread_barrier_t returned;
    pthread_barrier_init(&returned, NULL, GROUP_N + 1);
    pthread_t th[GROUP_N + 1];
    for (int i = 0; i <= GROUP_N; i++)
        ms[i] = (group_member){.s = s, .run_id = run_id, .index = i, .kind = i == 0 ? 3 : kinds[i - 1],
                               .wait_for = GROUP_N + 1, .returned = &returned};
    assert_int_equal(pthread_create(&th[0], NULL, member_thread, &ms[0]), 0);
    while (queued(s) < 1)
        usleep(1000);
    for (int i = 1; i <= GROUP_N; i++)
        assert_int_equal(pthread_create(&th[i], NULL, member_thread, &ms[i]), 0);
    for (int i = 0; i <= GROUP_N; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&returned);
    /* the blocker began alone; the others queued while it ran and joined its transaction, run on its thread */
    for (int i = 0; i <= GROUP_N; i++)
        assert_true(pthread_equal(ms[i].ran_on, ms[0].self));
}

/* N writers at once: one group transaction; a failing member undoes only itself, the others commit. */
static void test_group_commit_member_fails_alone(void **state)
{
    fixture *f = *state;
    if (mlf_test_pg()) /* group commit is SQLite's (one writer); PostgreSQL writes on many connections */
        return;
    const char *id = create_run(f);
    const int kinds[GROUP_N] = {0, 0, 1, 0, 0, 0};
    group_member ms[GROUP_N + 1];
    run_group(f, id, kinds, ms);
    assert_int_equal(ms[0].rc, 0);
    for (int i = 1; i <= GROUP_N; i++) {
        if (kinds[i - 1] == 1) {
            assert_int_equal(ms[i].rc, -MLF_ERR_INVALID_PARAMETER_VALUE);
            assert_string_equal(ms[i].message, mlf_pool_sprintf(f->pool, "member %d fails", i));
        } else {
            assert_int_equal(ms[i].rc, 0);
        }
    }
    assert_string_equal(QALL(f, "SELECT \"key\" FROM tags WHERE \"key\" LIKE 'g%%' ORDER BY \"key\""),
                        "g0,g1,g2,g4,g5,g6");
    /* a writer alone afterwards commits alone */
    group_member last = {.s = (mlf_sql_store *)f->store, .run_id = id, .index = 7};
    mlf_error err = {0};
    assert_int_equal(mlf_sql_in_write(last.s, f->pool, member_fn, &last, &err), 0);
    assert_true(pthread_equal(last.ran_on, pthread_self()));
    assert_string_equal(Q(f, "SELECT count(*) FROM tags WHERE \"key\" = 'g7'"), "1");
}

/* A failed COMMIT fails every member that had succeeded, each with the commit's error, and keeps nothing. */
static void test_group_commit_failure_reaches_every_member(void **state)
{
    fixture *f = *state;
    if (mlf_test_pg())
        return;
    const char *id = create_run(f);
    const int kinds[GROUP_N] = {0, 1, 0, 2, 0, 0};
    group_member ms[GROUP_N + 1];
    run_group(f, id, kinds, ms);
    for (int i = 0; i <= GROUP_N; i++) {
        if (i > 0 && kinds[i - 1] == 1) {
            assert_int_equal(ms[i].rc, -MLF_ERR_INVALID_PARAMETER_VALUE); /* its own failure, not the commit's */
            continue;
        }
        assert_int_equal(ms[i].rc, -MLF_ERR_BAD_REQUEST);
        assert_int_equal(ms[i].code, MLF_ERR_BAD_REQUEST);
        if (!pthread_equal(ms[i].ran_on, ms[i].self))
            assert_string_equal(ms[i].message, "(sqlite3.IntegrityError) FOREIGN KEY constraint failed");
    }
    assert_string_equal(Q(f, "SELECT count(*) FROM tags WHERE \"key\" LIKE 'g%%'"), "0");
    /* the writer is usable again */
    group_member last = {.s = (mlf_sql_store *)f->store, .run_id = id, .index = 7};
    mlf_error err = {0};
    assert_int_equal(mlf_sql_in_write(last.s, f->pool, member_fn, &last, &err), 0);
    assert_string_equal(Q(f, "SELECT count(*) FROM tags WHERE \"key\" = 'g7'"), "1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_run_start_time_defaults_to_now, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_run_name_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_run_experiment_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_run_not_found, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_run_info, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_restore_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_metric_nan_inf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_latest_metric_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relog_existing_metric_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_metric_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_model_metric, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_param, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_and_delete_tag, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_name_falls_back_to_tag, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_batch_is_atomic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metric_history, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metric_history_bulk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metric_history_bulk_interval, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_runs_bulk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_logging, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_commit_member_fails_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_commit_failure_reaches_every_member, setup, teardown),
    };
    return cmocka_run_group_tests_name("store/run", tests, NULL, NULL);
}
