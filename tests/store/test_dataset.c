/*
 * The store's run inputs and outputs (SQLite, and PostgreSQL as store-pg/) against SqlAlchemyStore
 * (log_inputs, _log_inputs_impl, log_outputs, record_logged_model,
 * _search_datasets): rows written, deduplication, atomicity, errors with
 * MLflow's messages, and the dataset summaries.
 */
#include "helpers.h"

#include <ctype.h>

#include "store/sql/sql.h"
#include "store/store.h"

typedef mlf_test_store fixture;

static int setup(void **state)
{
    fixture *f = mlf_test_store_open();
    mlf_test_sql(f->db_path,
                 "INSERT INTO experiments (experiment_id, name, lifecycle_stage) VALUES (1, 'one', 'active'), "
                 "(2, 'two', 'active');"
                 "INSERT INTO runs (run_uuid, name, status, start_time, lifecycle_stage, experiment_id) VALUES "
                 "('r1', 'a', 'RUNNING', 1, 'active', 1), ('r2', 'b', 'RUNNING', 2, 'active', 1),"
                 "('r3', 'c', 'RUNNING', 3, 'active', 2), ('gone', 'd', 'RUNNING', 4, 'deleted', 1);");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    mlf_test_store_close(*state);
    return 0;
}

static Mlflow__DatasetInput *input(mlf_pool *pool, const char *name, const char *digest, const char *ctx_key,
                                   const char *ctx_value)
{
    Mlflow__Dataset *d = MLF_NEW(pool, Mlflow__Dataset);
    mlflow__dataset__init(d);
    d->name = (char *)name;
    d->digest = (char *)digest;
    d->source_type = "local";
    d->source = "src";
    Mlflow__DatasetInput *in = MLF_NEW(pool, Mlflow__DatasetInput);
    mlflow__dataset_input__init(in);
    in->dataset = d;
    if (ctx_key != NULL) {
        Mlflow__InputTag *t = MLF_NEW(pool, Mlflow__InputTag);
        mlflow__input_tag__init(t);
        t->key = (char *)ctx_key;
        t->value = (char *)ctx_value;
        in->tags = MLF_NEW_ARRAY(pool, Mlflow__InputTag *, 1);
        in->tags[0] = t;
        in->n_tags = 1;
    }
    return in;
}

static int log_inputs(fixture *f, const char *run, Mlflow__DatasetInput **ins, size_t n, mlf_error *err)
{
    return mlf_store_log_inputs(f->store, f->pool, run, ins, n, NULL, 0, err);
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

static void test_log_inputs_rows(void **state)
{
    fixture *f = *state;
    mlf_error err = {0};
    Mlflow__DatasetInput *ins[] = {input(f->pool, "a", "1", "mlflow.data.context", "train"),
                                   input(f->pool, "a", "1", "mlflow.data.context", "dup"),
                                   input(f->pool, "b", "2", NULL, NULL)};
    ins[2]->dataset->schema = "sch";
    assert_int_equal(log_inputs(f, "r1", ins, 3, &err), 0);
    assert_string_equal(q1(f, "SELECT count(*) FROM datasets"), "2");
    assert_string_equal(qall(f, "SELECT name, digest, experiment_id, dataset_schema, dataset_profile FROM datasets "
                                "ORDER BY name"),
                        "a:1:1:null:null,b:2:1:sch:null");
    assert_string_equal(q1(f, "SELECT count(*) FROM inputs WHERE source_type = 'DATASET' AND destination_type = 'RUN' "
                              "AND destination_id = 'r1' AND step = 0"),
                        "2");
    assert_string_equal(qall(f, "SELECT value FROM input_tags"), "train");
    /* uuids are uuid4 hex */
    char *u = q1(f, "SELECT dataset_uuid FROM datasets WHERE name = 'a'");
    assert_int_equal(strlen(u), 32);
    assert_int_equal(u[12], '4');
    assert_non_null(strchr("89ab", u[16]));
    for (size_t i = 0; i < 32; i++)
        assert_true(isxdigit((unsigned char)u[i]) && !isupper((unsigned char)u[i]));

    /* logged again: no new dataset, edge or tag */
    Mlflow__DatasetInput *again[] = {input(f->pool, "a", "1", "mlflow.data.context", "other")};
    assert_int_equal(log_inputs(f, "r1", again, 1, &err), 0);
    assert_string_equal(q1(f, "SELECT count(*) FROM inputs"), "2");
    assert_string_equal(q1(f, "SELECT count(*) FROM input_tags"), "1");
    /* another run of the experiment shares the dataset; a run of another experiment gets its own */
    assert_int_equal(log_inputs(f, "r2", again, 1, &err), 0);
    assert_int_equal(log_inputs(f, "r3", again, 1, &err), 0);
    assert_string_equal(q1(f, "SELECT count(*) FROM datasets"), "3");
    assert_string_equal(q1(f, "SELECT count(DISTINCT source_id) FROM inputs WHERE destination_id IN ('r1','r2') "
                              "AND source_id IN (SELECT dataset_uuid FROM datasets WHERE name = 'a')"),
                        "1");
    assert_string_equal(q1(f, "SELECT count(DISTINCT source_id) FROM inputs WHERE destination_id IN ('r1','r3') "
                              "AND source_id IN (SELECT dataset_uuid FROM datasets WHERE name = 'a')"),
                        "2");
    assert_string_equal(q1(f, "SELECT count(*) FROM input_tags"), "3");
}

static void test_log_inputs_models(void **state)
{
    fixture *f = *state;
    mlf_error err = {0};
    Mlflow__ModelInput m1 = MLFLOW__MODEL_INPUT__INIT, m2 = MLFLOW__MODEL_INPUT__INIT;
    m1.model_id = "m-1";
    m2.model_id = "m-2";
    Mlflow__ModelInput *models[] = {&m1, &m2, &m1};
    assert_int_equal(mlf_store_log_inputs(f->store, f->pool, "r1", NULL, 0, models, 3, &err), 0);
    assert_string_equal(qall(f,
                             "SELECT destination_id FROM inputs WHERE source_type = 'RUN_INPUT' AND source_id = 'r1' "
                             "AND destination_type = 'MODEL_INPUT' ORDER BY destination_id"),
                        "m-1,m-2");
    char *before = q1(f, "SELECT input_uuid FROM inputs WHERE destination_id = 'm-1'");
    assert_int_equal(mlf_store_log_inputs(f->store, f->pool, "r1", NULL, 0, models, 1, &err), 0);
    /* a merge: the same edge with a new input_uuid */
    assert_string_equal(q1(f, "SELECT count(*) FROM inputs"), "2");
    assert_string_not_equal(q1(f, "SELECT input_uuid FROM inputs WHERE destination_id = 'm-1'"), before);
}

static void test_log_inputs_errors(void **state)
{
    fixture *f = *state;
    mlf_error err = {0};
    Mlflow__DatasetInput *ins[] = {input(f->pool, "a", "1", NULL, NULL)};
    int rc = log_inputs(f, "nope", ins, 1, &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Run with id=nope not found");
    rc = log_inputs(f, "gone", ins, 1, &err);
    assert_error(rc, err, MLF_ERR_INVALID_PARAMETER_VALUE,
                 "The run gone must be in the 'active' state. Current state is deleted.");
    /* a tag key twice in one input: the whole call is rolled back */
    Mlflow__DatasetInput *dup = input(f->pool, "x", "9", "k", "1");
    Mlflow__InputTag *t2 = MLF_NEW(f->pool, Mlflow__InputTag);
    mlflow__input_tag__init(t2);
    t2->key = "k";
    t2->value = "2";
    Mlflow__InputTag **tags = MLF_NEW_ARRAY(f->pool, Mlflow__InputTag *, 2);
    tags[0] = dup->tags[0];
    tags[1] = t2;
    dup->tags = tags;
    dup->n_tags = 2;
    Mlflow__DatasetInput *both[] = {ins[0], dup};
    rc = log_inputs(f, "r1", both, 2, &err);
    assert_integrity_error_prefix(rc, err, MLF_ERR_BAD_REQUEST,
                                  "(sqlite3.IntegrityError) UNIQUE constraint failed: input_tags.input_uuid, "
                                  "input_tags.name",
                                  MLF_TEST_PG_UNIQUE "\"input_tags_pk\"\nDETAIL:  Key (input_uuid, name)=(");
    assert_string_equal(q1(f, "SELECT count(*) FROM datasets"), "0");
    assert_string_equal(q1(f, "SELECT count(*) FROM inputs"), "0");
}

static void test_log_outputs(void **state)
{
    fixture *f = *state;
    mlf_error err = {0};
    Mlflow__ModelOutput a = MLFLOW__MODEL_OUTPUT__INIT, b = MLFLOW__MODEL_OUTPUT__INIT;
    a.model_id = "m-a";
    a.has_step = 1;
    a.step = 7;
    b.model_id = "m-b";
    Mlflow__ModelOutput *models[] = {&a, &b};
    assert_int_equal(mlf_store_log_outputs(f->store, f->pool, "r1", models, 2, &err), 0);
    assert_string_equal(qall(f, "SELECT destination_id, step FROM inputs WHERE source_type = 'RUN_OUTPUT' AND "
                                "source_id = 'r1' AND destination_type = 'MODEL_OUTPUT' ORDER BY destination_id"),
                        "m-a:7,m-b:0");
    int rc = mlf_store_log_outputs(f->store, f->pool, "r1", models, 1, &err);
    assert_integrity_error_prefix(rc, err, MLF_ERR_BAD_REQUEST, "(sqlite3.IntegrityError) UNIQUE constraint failed: inputs.",
                                  MLF_TEST_PG_UNIQUE "\"inputs_pk\"\nDETAIL:  Key (source_type, source_id, "
                                                     "destination_type, destination_id)=(RUN_OUTPUT, r1, MODEL_OUTPUT, "
                                                     "m-a) already exists.");
    rc = mlf_store_log_outputs(f->store, f->pool, "nope", models, 0, &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Run with id=nope not found");
    rc = mlf_store_log_outputs(f->store, f->pool, "gone", models, 0, &err);
    assert_error(rc, err, MLF_ERR_INVALID_PARAMETER_VALUE,
                 "The run gone must be in the 'active' state. Current state is deleted.");
}

static mlf_json *parse(fixture *f, const char *text)
{
    mlf_json *v;
    mlf_error err = {0};
    if (mlf_json_parse(f->pool, text, strlen(text), &v, &err) != 0)
        fail_msg("parse %s: %s", text, err.message);
    return v;
}

static void test_record_logged_model(void **state)
{
    fixture *f = *state;
    mlf_error err = {0};
    const char *history = "SELECT value FROM tags WHERE run_uuid = 'r1' AND key = 'mlflow.log-model.history'";
    mlf_test_sql(f->db_path, "INSERT INTO tags (key, value, run_uuid) VALUES ('first', 'x', 'r1')");
    mlf_json *m = parse(f, "{\"run_id\":\"r1\",\"artifact_path\":\"p\",\"n\":[1.5,-0,1E2,true,null,\"\\u00e9\"]}");
    assert_int_equal(mlf_store_record_logged_model(f->store, f->pool, "r1", m, &err), 0);
    assert_string_equal(
        q1(f, history),
        "[{\"run_id\": \"r1\", \"artifact_path\": \"p\", \"n\": [1.5, 0, 100.0, true, null, \"\\u00e9\"]}]");
    /* the previous list is read back and written as json.dumps writes it */
    mlf_test_sql(f->db_path, "UPDATE tags SET value = '[{\"a\":1},2]' WHERE key = 'mlflow.log-model.history'");
    assert_int_equal(mlf_store_record_logged_model(f->store, f->pool, "r1", parse(f, "{}"), &err), 0);
    assert_string_equal(q1(f, history), "[{\"a\": 1}, 2, {}]");
    /* the tag keeps its place among the run's tags (SQLite's rowid) */
    if (!mlf_test_pg())
        assert_string_equal(qall(f, "SELECT key FROM tags WHERE run_uuid = 'r1' ORDER BY rowid"),
                            "first,mlflow.log-model.history");
    /* cut at 8000 characters */
    mlf_buf big;
    mlf_buf_init(&big, f->pool, 9100);
    mlf_buf_puts(&big, "{\"p\":\"");
    for (int i = 0; i < 9000; i++)
        mlf_buf_puts(&big, "\xC3\xA9");
    mlf_buf_puts(&big, "\"}");
    assert_int_equal(mlf_store_record_logged_model(f->store, f->pool, "r2", parse(f, big.data), &err), 0);
    assert_string_equal(q1(f, "SELECT length(value) FROM tags WHERE run_uuid = 'r2'"), "8000");
    /* a history that is not a JSON list fails as Python does: a 500 */
    mlf_test_sql(f->db_path, "UPDATE tags SET value = '{}' WHERE run_uuid = 'r1' AND key = 'mlflow.log-model.history'");
    int rc = mlf_store_record_logged_model(f->store, f->pool, "r1", parse(f, "{}"), &err);
    assert_error(rc, err, MLF_ERR_INTERNAL_ERROR, "can only concatenate list (not \"dict\") to list");
    rc = mlf_store_record_logged_model(f->store, f->pool, "nope", parse(f, "{}"), &err);
    assert_error(rc, err, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Run with id=nope not found");
}

static void test_search_datasets(void **state)
{
    fixture *f = *state;
    mlf_error err = {0};
    Mlflow__DatasetInput *r1[] = {input(f->pool, "a", "1", "mlflow.data.context", "train"),
                                  input(f->pool, "b", "2", "other", "x")};
    Mlflow__DatasetInput *r2[] = {input(f->pool, "a", "1", "mlflow.data.context", "eval"),
                                  input(f->pool, "c", "3", "mlflow.data.context", "")};
    Mlflow__DatasetInput *r3[] = {input(f->pool, "z", "9", "mlflow.data.context", "train")};
    assert_int_equal(log_inputs(f, "r1", r1, 2, &err), 0);
    assert_int_equal(log_inputs(f, "r2", r2, 2, &err), 0);
    assert_int_equal(log_inputs(f, "r3", r3, 1, &err), 0);
    char *ids[] = {"1"};
    Mlflow__DatasetSummary **s;
    size_t n;
    assert_int_equal(mlf_store_search_datasets(f->store, f->pool, ids, 1, &s, &n, &err), 0);
    assert_int_equal(n, 4);
    mlf_buf got;
    mlf_buf_init(&got, f->pool, 64);
    for (size_t i = 0; i < n; i++)
        mlf_buf_printf(&got, "%s/%s/%s/%s ", s[i]->experiment_id, s[i]->name, s[i]->digest,
                       s[i]->context != NULL ? s[i]->context : "-");
    const char *want[] = {"1/a/1/train ", "1/a/1/eval ", "1/b/2/- ", "1/c/3/- "};
    for (size_t i = 0; i < 4; i++)
        if (strstr(got.data, want[i]) == NULL)
            fail_msg("missing %s in %s", want[i], got.data);
    char *two[] = {"1", " 2"};
    assert_int_equal(mlf_store_search_datasets(f->store, f->pool, two, 2, &s, &n, &err), 0);
    assert_int_equal(n, 5);
    char *bad[] = {"1", "x"};
    int rc = mlf_store_search_datasets(f->store, f->pool, bad, 2, &s, &n, &err);
    assert_error(rc, err, MLF_ERR_INVALID_PARAMETER_VALUE,
                 "Invalid experiment ID 'x'. Experiment ID must be a valid integer.");
}

static void test_search_datasets_limit(void **state)
{
    fixture *f = *state;
    mlf_error err = {0};
    size_t n_in = 1010;
    Mlflow__DatasetInput **ins = MLF_NEW_ARRAY(f->pool, Mlflow__DatasetInput *, n_in);
    for (size_t i = 0; i < n_in; i++)
        ins[i] = input(f->pool, mlf_pool_sprintf(f->pool, "n%zu", i), mlf_pool_sprintf(f->pool, "d%zu", i),
                       "mlflow.data.context", mlf_pool_sprintf(f->pool, "%zu", i));
    assert_int_equal(log_inputs(f, "r1", ins, n_in, &err), 0);
    assert_string_equal(q1(f, "SELECT count(*) FROM datasets"), "1010");
    char *ids[] = {"1"};
    Mlflow__DatasetSummary **s;
    size_t n;
    assert_int_equal(mlf_store_search_datasets(f->store, f->pool, ids, 1, &s, &n, &err), 0);
    assert_int_equal(n, 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_log_inputs_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_inputs_models, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_inputs_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_outputs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_record_logged_model, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_datasets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_datasets_limit, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
