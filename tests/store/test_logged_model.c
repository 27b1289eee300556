/*
 * The store's logged models (SQLite, and PostgreSQL as store-pg/) against
 * SqlAlchemyStore (create, get,
 * finalize, delete, tags, params, search_logged_models): rows written,
 * how models read back (tags and params by key, metrics in logging order),
 * the search's joins, dataset filters, metric ordering, repeated rows and
 * paging, and the errors with MLflow's codes and messages.
 */
#include "helpers.h"

#include "search/search.h"

typedef mlf_test_store fixture;

static int setup(void **state)
{
    fixture *f = mlf_test_store_open();
    mlf_test_sql(f->db_path,
                 "INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage) VALUES "
                 "(1, 'one', 's3://bucket/one?x=1', 'active'), (2, 'two', '/tmp/two', 'active'), "
                 "(3, 'gone', '/tmp/gone', 'deleted');"
                 "INSERT INTO runs (run_uuid, name, status, start_time, lifecycle_stage, experiment_id) VALUES "
                 "('r1', 'a', 'RUNNING', 1, 'active', 1);");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    mlf_test_store_close(*state);
    return 0;
}

static char *q1(fixture *f, const char *sql)
{
    return mlf_test_query1(f->pool, f->db_path, sql);
}

/* every row of a query: columns joined by ':', rows by ',' */
static char *qall(fixture *f, const char *sql)
{
    return mlf_test_query_all(f->pool, f->db_path, sql);
}

/* A LoggedModelTag or LoggedModelParameter (both are {key, value}). */
static void *kv(mlf_pool *pool, const ProtobufCMessageDescriptor *d, const char *key, const char *value)
{
    ProtobufCMessage *m = mlf_pool_alloc(pool, d->sizeof_message);
    protobuf_c_message_init(d, m);
    *(const char **)((char *)m + protobuf_c_message_descriptor_get_field_by_name(d, "key")->offset) = key;
    *(const char **)((char *)m + protobuf_c_message_descriptor_get_field_by_name(d, "value")->offset) = value;
    return m;
}

#define tag(pool, k, v) ((Mlflow__LoggedModelTag *)kv((pool), &mlflow__logged_model_tag__descriptor, (k), (v)))
#define param(pool, k, v)                                                                                              \
    ((Mlflow__LoggedModelParameter *)kv((pool), &mlflow__logged_model_parameter__descriptor, (k), (v)))

/* A model row with a fixed creation time, as another process would write it. */
static void raw_model(fixture *f, const char *id, int exp, const char *name, int64_t created, const char *stage)
{
    mlf_test_sql(f->db_path,
                 "INSERT INTO logged_models (model_id, experiment_id, name, artifact_location, creation_timestamp_ms, "
                 "last_updated_timestamp_ms, status, lifecycle_stage) VALUES ('%s', %d, '%s', '/a', %" PRId64
                 ", %" PRId64 ", 1, %s)",
                 id, exp, name, created, created, stage);
}

static void raw_metric(fixture *f, const char *model, const char *name, double value, int64_t ts, int64_t step,
                       const char *ds, const char *digest)
{
    mlf_test_sql(f->db_path,
                 "INSERT INTO logged_model_metrics (model_id, metric_name, metric_timestamp_ms, metric_step, "
                 "metric_value, experiment_id, run_id, dataset_name, dataset_digest) VALUES ('%s', '%s', %" PRId64
                 ", %" PRId64 ", %.17g, 1, 'r1', %s, %s)",
                 model, name, ts, step, value, ds, digest);
}

static void test_create(void **state)
{
    fixture *f = *state;
    mlf_error err = {0};
    Mlflow__LoggedModelParameter *params[] = {param(f->pool, "b", "2"), param(f->pool, "a", "1")};
    Mlflow__LoggedModelTag *tags[] = {tag(f->pool, "z", "1"), tag(f->pool, "y", NULL)};
    Mlflow__LoggedModel *m = NULL;
    assert_int_equal(mlf_store_create_logged_model(f->store, f->pool, "1", "mine", "sk", "", params, 2, tags, 2,
                                                   &m, &err),
                     0);
    const char *id = m->info->model_id;
    assert_int_equal(strlen(id), 34);
    assert_memory_equal(id, "m-", 2);
    assert_string_equal(m->info->experiment_id, "1");
    assert_string_equal(m->info->name, "mine");
    /* append_to_uri_path keeps the query after the path */
    assert_string_equal(m->info->artifact_uri, mlf_pool_sprintf(f->pool, "s3://bucket/one/models/%s/artifacts?x=1", id));
    assert_int_equal(m->info->status, MLFLOW__LOGGED_MODEL_STATUS__LOGGED_MODEL_PENDING);
    assert_string_equal(m->info->model_type, "sk");
    assert_string_equal(m->info->source_run_id, "");
    assert_int_equal(m->info->creation_timestamp_ms, m->info->last_updated_timestamp_ms);
    assert_int_equal(m->info->n_tags, 2);
    assert_string_equal(m->info->tags[0]->key, "y");
    assert_string_equal(m->info->tags[0]->value, "");
    assert_string_equal(m->info->tags[1]->key, "z");
    assert_int_equal(m->data->n_params, 2);
    assert_string_equal(m->data->params[0]->key, "a");
    assert_int_equal(m->data->n_metrics, 0);
    const char *where = mlf_pool_sprintf(f->pool, "WHERE model_id = '%s'", id);
    assert_string_equal(qall(f, mlf_pool_sprintf(f->pool,
                                                 "SELECT lifecycle_stage, status, %s(experiment_id) FROM "
                                                 "logged_models %s",
                                                 mlf_test_pg() ? "pg_typeof" : "typeof", where)),
                        "active:1:integer");
    assert_string_equal(
        qall(f, mlf_pool_sprintf(f->pool, "SELECT count(*), min(experiment_id) FROM logged_model_tags %s", where)),
        "2:1");
    assert_null(q1(f, mlf_pool_sprintf(f->pool, "SELECT status_message FROM logged_models %s", where)));

    /* no name: a generated one */
    assert_int_equal(mlf_store_create_logged_model(f->store, f->pool, "2", NULL, "", "", NULL, 0, NULL, 0, &m,
                                                   &err),
                     0);
    assert_non_null(strchr(m->info->name, '-'));
    assert_string_equal(m->info->artifact_uri, mlf_pool_sprintf(f->pool, "/tmp/two/models/%s/artifacts",
                                                                m->info->model_id));
}

static void test_create_errors(void **state)
{
    fixture *f = *state;
    mlf_error err = {0};
    Mlflow__LoggedModel *m = NULL;
    int rc = mlf_store_create_logged_model(f->store, f->pool, "9", NULL, "", "", NULL, 0, NULL, 0, &m, &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "No Experiment with id=9 exists");
    rc = mlf_store_create_logged_model(f->store, f->pool, "3", NULL, "", "", NULL, 0, NULL, 0, &m, &err);
    assert_error(rc, err, MLF_ERR_INVALID_PARAMETER_VALUE,
                 "The experiment 3 must be in the 'active' state. Current state is deleted.");
    rc = mlf_store_create_logged_model(f->store, f->pool, "x", NULL, "", "", NULL, 0, NULL, 0, &m, &err);
    assert_error(rc, err, MLF_ERR_INVALID_PARAMETER_VALUE,
                 "Invalid experiment ID 'x'. Experiment ID must be a valid integer.");
    /* a repeated param key fails the whole create */
    Mlflow__LoggedModelParameter *params[] = {param(f->pool, "a", "1"), param(f->pool, "a", "2")};
    rc = mlf_store_create_logged_model(f->store, f->pool, "1", "dup", "", "", params, 2, NULL, 0, &m, &err);
    assert_integrity_error_prefix(rc, err, MLF_ERR_BAD_REQUEST, "(sqlite3.IntegrityError) UNIQUE constraint failed",
                                  MLF_TEST_PG_UNIQUE "\"logged_model_params_pk\"\nDETAIL:  Key (model_id, param_key)=(m-");
    assert_string_equal(q1(f, "SELECT count(*) FROM logged_models"), "0");
}

static void test_get_reads_children_in_order(void **state)
{
    fixture *f = *state;
    mlf_error err = {0};
    raw_model(f, "m-1", 1, "one", 10, "'active'");
    raw_model(f, "m-null", 1, "null-stage", 10, "NULL");
    mlf_test_sql(f->db_path, "INSERT INTO logged_model_params VALUES ('m-1', 1, 'z', '1'), ('m-1', 1, 'a', '2');"
                             "INSERT INTO logged_model_tags VALUES ('m-1', 1, 'k2', 'v'), ('m-1', 1, 'k1', 'w');");
    raw_metric(f, "m-1", "late", 1.5, 9, 0, "'ds'", "'d'");
    raw_metric(f, "m-1", "early", 2.5, 1, 3, "NULL", "NULL");
    Mlflow__LoggedModel *m = NULL;
    assert_int_equal(mlf_store_get_logged_model(f->store, f->pool, "m-1", false, &m, &err), 0);
    assert_string_equal(m->info->tags[0]->key, "k1");
    assert_string_equal(m->data->params[0]->key, "a");
    assert_int_equal(m->data->n_metrics, 2);
    /* metrics in the order they were logged, with Metric.to_proto's fields */
    assert_string_equal(m->data->metrics[0]->key, "late");
    assert_string_equal(m->data->metrics[0]->dataset_digest, "d");
    assert_string_equal(m->data->metrics[0]->run_id, "r1");
    assert_string_equal(m->data->metrics[0]->model_id, "m-1");
    assert_null(m->data->metrics[1]->dataset_name);
    assert_true(m->data->metrics[1]->value == 2.5 && m->data->metrics[1]->step == 3);
    assert_null(m->info->model_type);
    /* `lifecycle_stage != 'deleted'` does not match NULL */
    int rc = mlf_store_get_logged_model(f->store, f->pool, "m-null", false, &m, &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Logged model with ID 'm-null' not found.");
}

static void test_finalize_delete(void **state)
{
    fixture *f = *state;
    mlf_error err = {0};
    raw_model(f, "m-1", 1, "one", 10, "'active'");
    Mlflow__LoggedModel *m = NULL;
    assert_int_equal(mlf_store_finalize_logged_model(f->store, f->pool, "m-1",
                                                     MLFLOW__LOGGED_MODEL_STATUS__LOGGED_MODEL_READY, &m, &err),
                     0);
    assert_int_equal(m->info->status, MLFLOW__LOGGED_MODEL_STATUS__LOGGED_MODEL_READY);
    assert_true(m->info->last_updated_timestamp_ms > 10);
    assert_int_equal(m->info->creation_timestamp_ms, 10);
    assert_int_equal(mlf_store_delete_logged_model(f->store, f->pool, "m-1", &err), 0);
    assert_string_equal(q1(f, "SELECT lifecycle_stage FROM logged_models"), "deleted");
    int rc = mlf_store_get_logged_model(f->store, f->pool, "m-1", false, &m, &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Logged model with ID 'm-1' not found.");
    /* allow_deleted (GET ?allow_deleted=true) finds it */
    assert_int_equal(mlf_store_get_logged_model(f->store, f->pool, "m-1", true, &m, &err), 0);
    assert_string_equal(m->info->name, "one");
    /* session.get finds a deleted model */
    assert_int_equal(mlf_store_delete_logged_model(f->store, f->pool, "m-1", &err), 0);
    assert_int_equal(mlf_store_finalize_logged_model(f->store, f->pool, "m-1",
                                                     MLFLOW__LOGGED_MODEL_STATUS__LOGGED_MODEL_UPLOAD_FAILED, &m,
                                                     &err),
                     0);
    assert_int_equal(m->info->status, MLFLOW__LOGGED_MODEL_STATUS__LOGGED_MODEL_UPLOAD_FAILED);
    rc = mlf_store_delete_logged_model(f->store, f->pool, "nope", &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Logged model with ID 'nope' not found.");
    rc = mlf_store_finalize_logged_model(f->store, f->pool, "nope", MLFLOW__LOGGED_MODEL_STATUS__LOGGED_MODEL_READY, &m,
                                         &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Logged model with ID 'nope' not found.");
}

static void test_tags_and_params(void **state)
{
    fixture *f = *state;
    mlf_error err = {0};
    raw_model(f, "m-1", 2, "one", 10, "'active'");
    Mlflow__LoggedModelTag *tags[] = {tag(f->pool, "a", "1"), tag(f->pool, "a", "2"), tag(f->pool, "b", "x")};
    assert_int_equal(mlf_store_set_logged_model_tags(f->store, f->pool, "m-1", tags, 3, &err), 0);
    assert_string_equal(qall(f, "SELECT tag_key, tag_value, experiment_id FROM logged_model_tags ORDER BY tag_key"),
                        "a:2:2,b:x:2");
    assert_int_equal(mlf_store_delete_logged_model_tag(f->store, f->pool, "m-1", "a", &err), 0);
    int rc = mlf_store_delete_logged_model_tag(f->store, f->pool, "m-1", "a", &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "No tag with key 'a' found for model with ID 'm-1'.");
    rc = mlf_store_delete_logged_model_tag(f->store, f->pool, "nope", "a", &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Logged model with ID 'nope' not found.");
    rc = mlf_store_set_logged_model_tags(f->store, f->pool, "nope", tags, 1, &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Logged model with ID 'nope' not found.");

    Mlflow__LoggedModelParameter *params[] = {param(f->pool, "p", "1"), param(f->pool, "q", NULL)};
    assert_int_equal(mlf_store_log_logged_model_params(f->store, f->pool, "m-1", params, 2, &err), 0);
    assert_string_equal(qall(f, "SELECT count(*), min(experiment_id) FROM logged_model_params"), "2:2");
    /* params are immutable: logging one again is the primary key's IntegrityError, and nothing of the batch stays */
    Mlflow__LoggedModelParameter *again[] = {param(f->pool, "r", "1"), param(f->pool, "p", "2")};
    rc = mlf_store_log_logged_model_params(f->store, f->pool, "m-1", again, 2, &err);
    assert_integrity_error_prefix(rc, err, MLF_ERR_BAD_REQUEST, "(sqlite3.IntegrityError) UNIQUE constraint failed",
                                  MLF_TEST_PG_UNIQUE "\"logged_model_params_pk\"\nDETAIL:  Key (model_id, param_key)=(m-1, "
                                                     "p) already exists.");
    assert_string_equal(q1(f, "SELECT count(*) FROM logged_model_params"), "2");
    rc = mlf_store_log_logged_model_params(f->store, f->pool, "nope", params, 1, &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Logged model with ID 'nope' not found.");
}

/* ---- search ---- */

/* Four models in experiment 1, one in 2, one deleted; metrics as below. */
static void search_world(fixture *f)
{
    raw_model(f, "m-a", 1, "a", 40, "'active'");
    raw_model(f, "m-b", 1, "b", 30, "'active'");
    raw_model(f, "m-c", 1, "c", 20, "'active'");
    raw_model(f, "m-d", 1, "d", 10, "'active'");
    raw_model(f, "m-e", 2, "e", 50, "'active'");
    raw_model(f, "m-x", 1, "x", 60, "'deleted'");
    /* acc: a 0.1 then 0.9 (latest by timestamp), b 0.5, c 0.7 at two steps of one timestamp (latest: step 2) */
    raw_metric(f, "m-a", "acc", 0.9, 5, 0, "'ds'", "'d1'");
    raw_metric(f, "m-a", "acc", 0.1, 1, 9, "'ds'", "'d1'");
    raw_metric(f, "m-b", "acc", 0.5, 1, 0, "'ds'", "'d2'");
    raw_metric(f, "m-c", "acc", 0.2, 3, 1, "NULL", "NULL");
    raw_metric(f, "m-c", "acc", 0.7, 3, 2, "NULL", "NULL");
    raw_metric(f, "m-x", "acc", 1.0, 1, 0, "NULL", "NULL");
    mlf_test_sql(f->db_path, "INSERT INTO logged_model_params VALUES ('m-a', 1, 'lr', '0.1'), ('m-b', 1, 'lr', '0.2');"
                             "INSERT INTO logged_model_tags VALUES ('m-d', 1, 't', 'v');");
}

typedef struct {
    const char *filter;
    const mlf_store_logged_model_dataset *datasets;
    size_t n_datasets;
    const mlf_search_lm_order *orders;
    size_t n_orders;
    int64_t max_results, offset;
    char **exp_ids;
    size_t n_exp_ids;
} search_args;

/* Runs the search; returns the model names joined by ',' ("+" appended when a next page exists), or NULL on error. */
static char *run_search(fixture *f, search_args a, mlf_error *err)
{
    static char *one[] = {"1"};
    mlf_search_clause *clauses;
    size_t n_clauses;
    if (mlf_search_parse_logged_model_filter(f->pool, a.filter, &clauses, &n_clauses, err) < 0)
        return NULL;
    mlf_store_logged_model_query q = {
        .experiment_ids = a.exp_ids != NULL ? a.exp_ids : one,
        .n_experiment_ids = a.exp_ids != NULL ? a.n_exp_ids : 1,
        .clauses = clauses,
        .n_clauses = n_clauses,
        .datasets = a.datasets,
        .n_datasets = a.n_datasets,
        .orders = a.orders,
        .n_orders = a.n_orders,
        .max_results = a.max_results ? a.max_results : 100,
        .offset = a.offset,
    };
    mlf_store_logged_model_page page = {0};
    if (mlf_store_search_logged_models(f->store, f->pool, &q, &page, err) < 0)
        return NULL;
    mlf_buf b;
    mlf_buf_init(&b, f->pool, 64);
    for (size_t i = 0; i < page.n; i++)
        mlf_buf_printf(&b, "%s%s", i ? "," : "", page.models[i]->info->name);
    if (page.has_more)
        mlf_buf_putc(&b, '+');
    return b.data;
}

#define assert_search(f, want, ...)                                                                                    \
    do {                                                                                                               \
        mlf_error e_ = {0};                                                                                            \
        char *got_ = run_search((f), (search_args){__VA_ARGS__}, &e_);                                                 \
        if (got_ == NULL)                                                                                              \
            fail_msg("search failed: %s", e_.message);                                                                 \
        assert_string_equal(got_, (want));                                                                             \
    } while (0)

static void test_search_filters(void **state)
{
    fixture *f = *state;
    search_world(f);
    assert_search(f, "a,b,c,d", .filter = NULL);
    char *both[] = {"1", "2"};
    assert_search(f, "e,a,b,c,d", .exp_ids = both, .n_exp_ids = 2);
    /* the latest value of the metric is compared (highest step, then timestamp): a's is 0.1 at step 9 */
    assert_search(f, "c", .filter = "metrics.acc > 0.6");
    assert_search(f, "a", .filter = "metrics.acc < 0.15");
    assert_search(f, "a", .filter = "params.lr = '0.1'");
    assert_search(f, "a,b", .filter = "params.lr LIKE '0.%'");
    assert_search(f, "d", .filter = "tags.t = 'v'");
    assert_search(f, "b", .filter = "name = 'b'");
    assert_search(f, "a,c", .filter = "name IN ('a', 'c', 'x')");
    assert_search(f, "b,d", .filter = "name NOT IN ('a', 'c')");
    assert_search(f, "", .filter = "name IN ()");
    assert_search(f, "a,b,c,d", .filter = "name NOT IN ()");
    assert_search(f, "a", .filter = "name ILIKE 'A'");
    assert_search(f, "", .filter = "name LIKE 'A'");
    assert_search(f, "a,b", .filter = "creation_timestamp >= 30");
    assert_search(f, "c,d", .filter = "last_updated_timestamp < 25");
    assert_search(f, "b", .filter = "experiment_id = '1' AND creation_time = 30");
    assert_search(f, "b", .filter = "metrics.acc > 0.4 AND params.lr != 'x'");
    /* status by name, compared as its number */
    assert_search(f, "a,b,c,d", .filter = "status = 'PENDING'");
    assert_search(f, "", .filter = "status IN ('READY', 'FAILED')");
    assert_search(f, "a,b,c,d", .filter = "status != 'READY'");
}

static void test_search_datasets(void **state)
{
    fixture *f = *state;
    search_world(f);
    mlf_store_logged_model_dataset d1[] = {{"ds", "d1", false}};
    mlf_store_logged_model_dataset ds_null[] = {{"ds", NULL, false}};
    mlf_store_logged_model_dataset ds_any[] = {{"ds", NULL, true}};
    mlf_store_logged_model_dataset two[] = {{"ds", "d1", false}, {"ds", "d2", false}};
    assert_search(f, "a", .datasets = d1, .n_datasets = 1);
    assert_search(f, "a,b", .datasets = two, .n_datasets = 2);
    /* the handler passes a missing digest as None: `dataset_digest IS NULL` */
    assert_search(f, "", .datasets = ds_null, .n_datasets = 1);
    /* a store caller's dict without the key: any digest */
    assert_search(f, "a,b", .datasets = ds_any, .n_datasets = 1);
    /* with a metric filter the datasets restrict the rows the latest value is taken from */
    assert_search(f, "b", .filter = "metrics.acc > 0.3", .datasets = two, .n_datasets = 2,
                  .orders = (mlf_search_lm_order[]){{"name", true, NULL, NULL}}, .n_orders = 1);
    assert_search(f, "", .filter = "metrics.acc < 0.5", .datasets = (mlf_store_logged_model_dataset[]){{"ds", "d2", false}},
                  .n_datasets = 1);
}

static void test_search_order_by(void **state)
{
    fixture *f = *state;
    search_world(f);
    /* the latest value (by step, then timestamp, then value) of each model; d has none and comes last either way */
    assert_search(f, "a,b,c,d", .orders = (mlf_search_lm_order[]){{"metrics.acc", true, NULL, NULL}}, .n_orders = 1);
    assert_search(f, "c,b,a,d", .orders = (mlf_search_lm_order[]){{"metrics.acc", false, NULL, NULL}}, .n_orders = 1);
    assert_search(f, "a,b,c,d", .orders = (mlf_search_lm_order[]){{"metrics.acc", true, "ds", NULL}}, .n_orders = 1);
    assert_search(f, "b,a,c,d", .orders = (mlf_search_lm_order[]){{"metrics.acc", true, NULL, "d2"}}, .n_orders = 1);
    assert_search(f, "d,c,b,a", .orders = (mlf_search_lm_order[]){{"name", false, NULL, NULL}}, .n_orders = 1);
    assert_search(f, "d,c,b,a", .orders = (mlf_search_lm_order[]){{"creation_time", true, NULL, NULL}},
                  .n_orders = 1);
    /* model_type is NULL everywhere: the creation time breaks the tie */
    assert_search(f, "a,b,c,d", .orders = (mlf_search_lm_order[]){{"model_type", true, NULL, NULL}}, .n_orders = 1);
    mlf_error err = {0};
    mlf_search_lm_order bad[] = {{"nope", true, NULL, NULL}};
    assert_null(run_search(f, (search_args){.orders = bad, .n_orders = 1}, &err));
    assert_int_equal(err.code, MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_string_equal(err.message, "Invalid order by field name: nope");
    assert_string_equal(err.error_class, "ATTRIBUTE_NOT_FOUND"); /* the attribute lookup failed */
    mlf_search_lm_order params[] = {{"params.lr", true, NULL, NULL}};
    assert_null(run_search(f, (search_args){.orders = params, .n_orders = 1}, &err));
    assert_string_equal(err.message, "Invalid order by field name: params.lr. Only metrics are supported.");
}

static void test_search_pages_and_repeats(void **state)
{
    fixture *f = *state;
    search_world(f);
    assert_search(f, "a,b+", .max_results = 2);
    assert_search(f, "c,d", .max_results = 2, .offset = 2);
    assert_search(f, "d", .max_results = 2, .offset = 3);
    /* a metric filter joins one row per model (its latest value) */
    assert_search(f, "a+", .filter = "metrics.acc > 0", .max_results = 1);
    assert_search(f, "a,b+", .filter = "metrics.acc > 0", .max_results = 2);
    assert_search(f, "a,b,c", .filter = "metrics.acc > 0", .max_results = 3);
    assert_search(f, "a,b,c", .filter = "metrics.acc > 0", .max_results = 4);
    /* Python's slicing of a negative max_results (LIMIT max_results + 1: none for -1, all for less) */
    assert_search(f, "+", .max_results = -1);
    if (mlf_test_pg()) { /* PostgreSQL refuses LIMIT -1 */
        mlf_error err = {0};
        assert_null(run_search(f, (search_args){.max_results = -2}, &err));
        assert_error_prefix(-err.code, err, MLF_ERR_BAD_REQUEST, MLF_TEST_PG_NEGATIVE_LIMIT);
    } else {
        assert_search(f, "a,b+", .max_results = -2);
    }
}

static void test_search_errors(void **state)
{
    fixture *f = *state;
    search_world(f);
    mlf_error err = {0};
    char *bad_ids[] = {"1", "x"};
    assert_null(run_search(f, (search_args){.exp_ids = bad_ids, .n_exp_ids = 2}, &err));
    assert_int_equal(err.code, MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_string_equal(err.message, "Invalid experiment ID 'x'. Experiment ID must be a valid integer.");
    assert_null(run_search(f, (search_args){.filter = "status = 'BOGUS'"}, &err));
    assert_int_equal(err.code, MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_string_equal(err.message, "Unknown model status in filter: 'BOGUS'");
    assert_null(run_search(f, (search_args){.filter = "status IN ('READY', 'X')"}, &err));
    assert_string_equal(err.message, "Unknown model status in filter: ('READY', 'X')");
    assert_null(run_search(f, (search_args){.filter = "status LIKE 'READY'"}, &err));
    assert_string_equal(err.message, "Invalid comparison operator for status: LIKE");
    assert_null(run_search(f, (search_args){.filter = "foo = 'a'"}, &err));
    assert_int_equal(err.code, MLF_ERR_INTERNAL_ERROR);
    assert_string_equal(err.message, "type object 'SqlLoggedModel' has no attribute 'foo'");
    assert_null(run_search(f, (search_args){.filter = "name = ('a')"}, &err));
    assert_int_equal(err.code, MLF_ERR_BAD_REQUEST);
    assert_null(run_search(f, (search_args){.filter = "metrics.acc = 'x'"}, &err));
    assert_int_equal(err.code, MLF_ERR_INTERNAL_ERROR);
    assert_string_equal(err.message, "could not convert string to float: \"'x'\"");
    assert_null(run_search(f, (search_args){.filter = "params.x < '1'"}, &err));
    assert_int_equal(err.code, MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_string_equal(err.message, "Invalid comparison operator for params.x: '<'. Expected one of "
                                     "('=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN').");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_reads_children_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_finalize_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tags_and_params, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_datasets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_order_by, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_pages_and_repeats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
