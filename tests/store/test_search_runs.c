/*
 * The store's search_runs (SQLite, and PostgreSQL as store-pg/) against SqlAlchemyStore._search_runs
 * (tests/store/tracking/test_sqlalchemy_store.py): filters on every entity,
 * MLflow's order (values, then NaN, then missing; start_time DESC and
 * run_uuid tie-breaks), paging, view types, experiment ids, errors, and the
 * query plans of the common filters. Runs are written with raw SQL, as
 * MLflow's store leaves them; clauses are built by hand as src/search
 * builds them. The file includes search_runs.c to reach its query builder
 * (the query plan test is SQLite's only).
 */
#include "helpers.h"

#include <math.h>

#include "store/sql/search_runs.c"
#include "store/store.h"

typedef mlf_test_store fixture;

static int setup(void **state)
{
    fixture *f = mlf_test_store_open();
    /*
     * Experiment 1 holds a..d (e deleted), experiment 2 holds f. Run uuids are
     * chosen so that c < d (the start_time tie).
     *   run start end  status    user  name   loss      acc   lr    opt   team env   dataset(context)
     *   a   1000 2000 FINISHED  alice alpha  0.5       0.9   0.1   adam  ml   Prod  train/aaa (training)
     *   b   2000 -    RUNNING   bob   beta   1.5       NaN   0.01  sgd   ML   -     eval/bbb (eval)
     *   c   3000 3500 FAILED    alice gamma  -1.8e308  1.8e308 0.1  -    -    -     -
     *   d   3000 4000 KILLED    carol delta  -         -     -     Adam  -    prod  train/aaa (training), Other/ccc
     *   e    500 -    RUNNING   dave  eps    0.1 (deleted)
     *   f   5000 -    RUNNING   alice phi    0.3 (experiment 2), lr 0.1
     */
    mlf_test_sql(f->db_path,
                 "INSERT INTO experiments (experiment_id, name, lifecycle_stage) VALUES (1, 'one', 'active'), "
                 "(2, 'two', 'active');"
                 "INSERT INTO runs (run_uuid, name, user_id, status, start_time, end_time, lifecycle_stage, "
                 "artifact_uri, experiment_id) VALUES "
                 "('aaaa', 'alpha', 'alice', 'FINISHED', 1000, 2000, 'active', 'file:///a/aaaa', 1),"
                 "('bbbb', 'beta', 'bob', 'RUNNING', 2000, NULL, 'active', 'file:///a/bbbb', 1),"
                 "('cccc', 'gamma', 'alice', 'FAILED', 3000, 3500, 'active', 'file:///a/cccc', 1),"
                 "('dddd', 'delta', 'carol', 'KILLED', 3000, 4000, 'active', 'file:///a/dddd', 1),"
                 "('eeee', 'eps', 'dave', 'RUNNING', 500, NULL, 'deleted', 'file:///a/eeee', 1),"
                 "('ffff', 'phi', 'alice', 'RUNNING', 5000, NULL, 'active', 'file:///a/ffff', 2);"
                 "INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES "
                 "('loss', 0.5, 1, 0, FALSE, 'aaaa'), ('acc', 0.9, 1, 0, FALSE, 'aaaa'),"
                 "('loss', 1.5, 1, 1, FALSE, 'bbbb'), ('acc', 0, 1, 0, TRUE, 'bbbb'),"
                 "('loss', -1.7976931348623157e308, 1, 0, FALSE, 'cccc'),"
                 "('acc', 1.7976931348623157e308, 1, 0, FALSE, 'cccc'),"
                 "('loss', 0.1, 1, 0, FALSE, 'eeee'), ('loss', 0.3, 1, 0, FALSE, 'ffff');"
                 "INSERT INTO params (key, value, run_uuid) VALUES ('lr', '0.1', 'aaaa'), ('opt', 'adam', 'aaaa'),"
                 "('lr', '0.01', 'bbbb'), ('opt', 'sgd', 'bbbb'), ('lr', '0.1', 'cccc'), ('opt', 'Adam', 'dddd'),"
                 "('lr', '0.1', 'ffff');"
                 "INSERT INTO tags (key, value, run_uuid) VALUES ('team', 'ml', 'aaaa'), ('env', 'Prod', 'aaaa'),"
                 "('team', 'ML', 'bbbb'), ('env', 'prod', 'dddd'),"
                 "('mlflow.runName', 'alpha', 'aaaa'), ('mlflow.runName', 'beta', 'bbbb'),"
                 "('mlflow.runName', 'gamma', 'cccc'), ('mlflow.runName', 'delta', 'dddd');"
                 "INSERT INTO datasets (dataset_uuid, experiment_id, name, digest, dataset_source_type, "
                 "dataset_source) VALUES ('ds1', 1, 'train', 'aaa', 'local', 's'), ('ds2', 1, 'eval', 'bbb', "
                 "'local', 's'), ('ds3', 1, 'Other', 'ccc', 'local', 's');"
                 "INSERT INTO inputs (input_uuid, source_type, source_id, destination_type, destination_id) VALUES "
                 "('in1', 'DATASET', 'ds1', 'RUN', 'aaaa'), ('in2', 'DATASET', 'ds2', 'RUN', 'bbbb'),"
                 "('in3', 'DATASET', 'ds1', 'RUN', 'dddd'), ('in4', 'DATASET', 'ds3', 'RUN', 'dddd'),"
                 "('in5', 'RUN_OUTPUT', 'aaaa', 'MODEL_OUTPUT', 'm-1');"
                 "INSERT INTO input_tags (input_uuid, name, value) VALUES ('in1', 'mlflow.data.context', 'training'),"
                 "('in2', 'mlflow.data.context', 'eval'), ('in3', 'mlflow.data.context', 'training'),"
                 "('in4', 'k', 'v');");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    mlf_test_store_close(*state);
    return 0;
}

static char *exp1[] = {"1"};
static char *both[] = {"1", "2"};

static mlf_search_clause cl_str(mlf_search_entity entity, const char *key, mlf_search_op op, const char *value)
{
    return (mlf_search_clause){.entity = entity, .key = key, .op = op, .value_kind = MLF_VALUE_STRING, .str = value};
}

static mlf_search_clause cl_num(mlf_search_entity entity, const char *key, mlf_search_op op, const char *text)
{
    return (mlf_search_clause){.entity = entity,
                               .key = key,
                               .op = op,
                               .value_kind = MLF_VALUE_NUMBER,
                               .num = strtod(text, NULL),
                               .num_text = text};
}

static mlf_search_clause cl_list(mlf_search_entity entity, const char *key, mlf_search_op op, const char **list,
                                 size_t n)
{
    return (mlf_search_clause){
        .entity = entity, .key = key, .op = op, .value_kind = MLF_VALUE_LIST, .list = list, .n_list = n};
}

/* The first letters of the found runs' uuids, in order ("abcd"). */
static char *search(fixture *f, char **ids, size_t n_ids, const mlf_search_clause *cl, size_t n_cl,
                    const mlf_search_order *ord, size_t n_ord, Mlflow__ViewType view, int64_t max, int64_t offset,
                    const char **ret_token)
{
    mlf_store_run_page page;
    mlf_error err = {0};
    int rc = mlf_store_search_runs(f->store, f->pool, ids, n_ids, cl, n_cl, view, max, ord, n_ord, offset, &page, &err);
    if (rc != 0)
        fail_msg("search_runs: %s", err.message);
    char *out = mlf_pool_alloc(f->pool, page.n + 1);
    for (size_t i = 0; i < page.n; i++) {
        assert_non_null(page.runs[i]);
        out[i] = page.runs[i]->info->run_id[0];
    }
    if (ret_token != NULL)
        *ret_token = page.next_page_token;
    return out;
}

static char *filter1(fixture *f, mlf_search_clause cl)
{
    return search(f, exp1, 1, &cl, 1, NULL, 0, MLFLOW__VIEW_TYPE__ACTIVE_ONLY, 1000, 0, NULL);
}

static char *order(fixture *f, const mlf_search_order *ord, size_t n)
{
    return search(f, exp1, 1, NULL, 0, ord, n, MLFLOW__VIEW_TYPE__ACTIVE_ONLY, 1000, 0, NULL);
}

static void test_filters(void **state)
{
    fixture *f = *state;
    const mlf_search_entity M = MLF_ENTITY_METRIC, P = MLF_ENTITY_PARAM, T = MLF_ENTITY_TAG, A = MLF_ENTITY_ATTRIBUTE,
                            D = MLF_ENTITY_DATASET;
    /* default order: start_time DESC, then run_uuid: c and d tie at 3000 */
    assert_string_equal(search(f, exp1, 1, NULL, 0, NULL, 0, MLFLOW__VIEW_TYPE__ACTIVE_ONLY, 1000, 0, NULL), "cdba");
    assert_string_equal(filter1(f, cl_num(M, "loss", MLF_OP_LT, "1")), "ca");
    assert_string_equal(filter1(f, cl_num(M, "loss", MLF_OP_GE, "1.5")), "b");
    assert_string_equal(filter1(f, cl_num(M, "loss", MLF_OP_NE, "0.5")), "cb");
    /* NaN (stored as 0 with is_nan) satisfies != only, as MLflow 3.18 filters it */
    assert_string_equal(filter1(f, cl_num(M, "acc", MLF_OP_EQ, "0")), "");
    assert_string_equal(filter1(f, cl_num(M, "acc", MLF_OP_GE, "0")), "ca");
    assert_string_equal(filter1(f, cl_num(M, "acc", MLF_OP_NE, "0.9")), "cb");
    assert_string_equal(filter1(f, cl_num(M, "acc", MLF_OP_GT, "1e308")), "c");
    assert_string_equal(filter1(f, cl_str(P, "lr", MLF_OP_EQ, "0.1")), "ca");
    assert_string_equal(filter1(f, cl_str(P, "lr", MLF_OP_NE, "0.1")), "b");
    assert_string_equal(filter1(f, cl_str(P, "opt", MLF_OP_LIKE, "a%")), "a"); /* LIKE is case-sensitive */
    assert_string_equal(filter1(f, cl_str(P, "opt", MLF_OP_ILIKE, "A%")), "da");
    assert_string_equal(filter1(f, cl_str(T, "team", MLF_OP_EQ, "ml")), "a");
    assert_string_equal(filter1(f, cl_str(T, "team", MLF_OP_ILIKE, "ml")), "ba");
    /* IS NULL / IS NOT NULL: whether the run has the key */
    assert_string_equal(filter1(f, cl_str(P, "opt", MLF_OP_IS_NULL, NULL)), "c");
    assert_string_equal(filter1(f, cl_str(P, "opt", MLF_OP_IS_NOT_NULL, NULL)), "dba");
    assert_string_equal(filter1(f, cl_str(T, "env", MLF_OP_IS_NULL, NULL)), "cb");
    mlf_search_clause env_and_lr[] = {cl_str(T, "env", MLF_OP_IS_NOT_NULL, NULL), cl_str(P, "lr", MLF_OP_EQ, "0.1")};
    assert_string_equal(search(f, exp1, 1, env_and_lr, 2, NULL, 0, MLFLOW__VIEW_TYPE__ACTIVE_ONLY, 1000, 0, NULL), "a");
    assert_string_equal(filter1(f, cl_str(T, "env", MLF_OP_NE, "prod")), "a");
    assert_string_equal(filter1(f, cl_str(T, "nope", MLF_OP_NE, "x")), "");
    /* run_name filters read the mlflow.runName tag, not runs.name */
    mlf_test_sql(f->db_path, "UPDATE runs SET name = 'renamed' WHERE run_uuid = 'aaaa'");
    assert_string_equal(filter1(f, cl_str(A, "run_name", MLF_OP_EQ, "alpha")), "a");
    assert_string_equal(filter1(f, cl_str(A, "run_name", MLF_OP_LIKE, "%ta")), "db");
    assert_string_equal(filter1(f, cl_str(A, "status", MLF_OP_NE, "RUNNING")), "cda");
    assert_string_equal(filter1(f, cl_str(A, "user_id", MLF_OP_ILIKE, "ALICE")), "ca");
    assert_string_equal(filter1(f, cl_str(A, "artifact_uri", MLF_OP_LIKE, "%bbbb")), "b");
    assert_string_equal(filter1(f, cl_num(A, "start_time", MLF_OP_GE, "2000")), "cdb");
    /* MLflow 3.18 binds float("1000.0") (3.6 bound the text, which PostgreSQL refused as a bigint) */
    mlf_search_clause at_1000 = cl_num(A, "start_time", MLF_OP_EQ, "1000.0");
    at_1000.num_is_float = true;
    assert_string_equal(filter1(f, at_1000), "a");
    mlf_search_clause after_2500 = cl_num(A, "start_time", MLF_OP_GT, "2500.5");
    after_2500.num_is_float = true;
    assert_string_equal(filter1(f, after_2500), "cd");
    assert_string_equal(filter1(f, cl_num(A, "end_time", MLF_OP_NE, "2000")), "cd"); /* NULL never matches */
    assert_string_equal(filter1(f, cl_str(A, "run_id", MLF_OP_EQ, "bbbb")), "b");
    const char *ids[] = {"aaaa", "CCCC", "dddd", "1234"};
    /* MLflow 3.18 keeps every value (3.6 dropped those not lower-case); = is case-sensitive */
    assert_string_equal(filter1(f, cl_list(A, "run_id", MLF_OP_IN, ids, 4)), "da");
    assert_string_equal(filter1(f, cl_list(A, "run_id", MLF_OP_NOT_IN, ids, 4)), "cb");
    assert_string_equal(filter1(f, cl_list(A, "run_id", MLF_OP_IN, ids + 1, 1)), "");
    assert_string_equal(filter1(f, cl_list(A, "run_id", MLF_OP_NOT_IN, ids + 1, 1)), "cdba");
    assert_string_equal(filter1(f, cl_str(D, "name", MLF_OP_EQ, "train")), "da");
    assert_string_equal(filter1(f, cl_str(D, "name", MLF_OP_LIKE, "O%")), "d");
    assert_string_equal(filter1(f, cl_str(D, "name", MLF_OP_NE, "train")), "db");
    assert_string_equal(filter1(f, cl_str(D, "digest", MLF_OP_EQ, "bbb")), "b");
    assert_string_equal(filter1(f, cl_str(D, "context", MLF_OP_EQ, "training")), "da");
    assert_string_equal(filter1(f, cl_str(D, "context", MLF_OP_ILIKE, "EV%")), "b");
    const char *names[] = {"eval", "Other"};
    assert_string_equal(filter1(f, cl_list(D, "name", MLF_OP_IN, names, 2)), "db");
    assert_string_equal(filter1(f, cl_list(D, "context", MLF_OP_NOT_IN, names, 1)), "da");

    mlf_search_clause two[] = {cl_num(M, "loss", MLF_OP_LT, "1"), cl_str(P, "lr", MLF_OP_EQ, "0.1")};
    assert_string_equal(search(f, exp1, 1, two, 2, NULL, 0, MLFLOW__VIEW_TYPE__ACTIVE_ONLY, 1000, 0, NULL), "ca");
    mlf_search_clause three[] = {cl_str(D, "context", MLF_OP_EQ, "training"), cl_str(T, "env", MLF_OP_ILIKE, "PROD"),
                                 cl_num(A, "end_time", MLF_OP_GT, "3000")};
    assert_string_equal(search(f, exp1, 1, three, 3, NULL, 0, MLFLOW__VIEW_TYPE__ACTIVE_ONLY, 1000, 0, NULL), "d");
}

static void test_view_types_and_experiments(void **state)
{
    fixture *f = *state;
    assert_string_equal(search(f, exp1, 1, NULL, 0, NULL, 0, MLFLOW__VIEW_TYPE__DELETED_ONLY, 1000, 0, NULL), "e");
    assert_string_equal(search(f, exp1, 1, NULL, 0, NULL, 0, MLFLOW__VIEW_TYPE__ALL, 1000, 0, NULL), "cdbae");
    assert_string_equal(search(f, both, 2, NULL, 0, NULL, 0, MLFLOW__VIEW_TYPE__ACTIVE_ONLY, 1000, 0, NULL), "fcdba");
    assert_string_equal(search(f, NULL, 0, NULL, 0, NULL, 0, MLFLOW__VIEW_TYPE__ALL, 1000, 0, NULL), "");
    /* more ids than are inlined go through one JSON array */
    char *many[40];
    for (int i = 0; i < 40; i++)
        many[i] = mlf_pool_sprintf(f->pool, "%d", 40 - i);
    assert_string_equal(search(f, many, 40, NULL, 0, NULL, 0, MLFLOW__VIEW_TYPE__ACTIVE_ONLY, 1000, 0, NULL), "fcdba");
    assert_string_equal(search(f, many, 38, NULL, 0, NULL, 0, MLFLOW__VIEW_TYPE__ACTIVE_ONLY, 1000, 0, NULL), "");
    char *odd[] = {" 2 ", "1_0"};
    assert_string_equal(search(f, odd, 2, NULL, 0, NULL, 0, MLFLOW__VIEW_TYPE__ACTIVE_ONLY, 1000, 0, NULL), "f");
}

static void test_order(void **state)
{
    fixture *f = *state;
    const mlf_search_entity M = MLF_ENTITY_METRIC, P = MLF_ENTITY_PARAM, T = MLF_ENTITY_TAG, A = MLF_ENTITY_ATTRIBUTE;
    /* values in order, then NaN, then missing, whatever the direction */
    assert_string_equal(order(f, &(mlf_search_order){M, "loss", true}, 1), "cabd");
    assert_string_equal(order(f, &(mlf_search_order){M, "loss", false}, 1), "bacd");
    assert_string_equal(order(f, &(mlf_search_order){M, "acc", true}, 1), "acbd");
    assert_string_equal(order(f, &(mlf_search_order){M, "acc", false}, 1), "cabd");
    /* ties fall to start_time DESC, then run_uuid */
    assert_string_equal(order(f, &(mlf_search_order){P, "lr", true}, 1), "bcad");
    assert_string_equal(order(f, &(mlf_search_order){P, "lr", false}, 1), "cabd");
    assert_string_equal(order(f, &(mlf_search_order){T, "env", true}, 1), "adcb");
    assert_string_equal(order(f, &(mlf_search_order){T, "env", false}, 1), "dacb");
    assert_string_equal(order(f, &(mlf_search_order){A, "end_time", true}, 1), "acdb");
    assert_string_equal(order(f, &(mlf_search_order){A, "end_time", false}, 1), "dcab");
    assert_string_equal(order(f, &(mlf_search_order){A, "status", true}, 1), "cadb");
    /* ordering on start_time drops the default start_time DESC: the tie goes to run_uuid ASC */
    assert_string_equal(order(f, &(mlf_search_order){A, "start_time", true}, 1), "abcd");
    assert_string_equal(order(f, &(mlf_search_order){A, "start_time", false}, 1), "cdba");
    assert_string_equal(order(f, &(mlf_search_order){A, "run_id", false}, 1), "dcba");
    /* run_name orders by runs.name */
    mlf_test_sql(f->db_path, "UPDATE runs SET name = 'zeta' WHERE run_uuid = 'aaaa'");
    assert_string_equal(order(f, &(mlf_search_order){A, "run_name", true}, 1), "bdca");
    mlf_search_order two[] = {{A, "user_id", false}, {M, "loss", true}};
    assert_string_equal(order(f, two, 2), "dbca");
    mlf_search_order three[] = {{T, "team", true}, {M, "loss", false}, {P, "opt", true}};
    assert_string_equal(order(f, three, 3), "bacd");
}

static void test_paging(void **state)
{
    fixture *f = *state;
    const char *token;
    assert_string_equal(search(f, exp1, 1, NULL, 0, NULL, 0, MLFLOW__VIEW_TYPE__ACTIVE_ONLY, 3, 0, &token), "cdb");
    assert_non_null(token);
    int64_t offset;
    mlf_error err = {0};
    assert_int_equal(mlf_search_page_token_decode(f->pool, token, &offset, &err), 0);
    assert_int_equal(offset, 3);
    assert_string_equal(search(f, exp1, 1, NULL, 0, NULL, 0, MLFLOW__VIEW_TYPE__ACTIVE_ONLY, 3, 3, &token), "a");
    assert_null(token);
    /* MLflow 3.18: a token only when a run follows the page (a full last page has none) */
    assert_string_equal(search(f, exp1, 1, NULL, 0, NULL, 0, MLFLOW__VIEW_TYPE__ACTIVE_ONLY, 2, 2, &token), "ba");
    assert_null(token);
    assert_string_equal(search(f, exp1, 1, NULL, 0, NULL, 0, MLFLOW__VIEW_TYPE__ACTIVE_ONLY, 4, 0, &token), "cdba");
    assert_null(token);
    assert_string_equal(search(f, exp1, 1, NULL, 0, NULL, 0, MLFLOW__VIEW_TYPE__ACTIVE_ONLY, 2, 4, &token), "");
    assert_null(token);
    if (mlf_test_pg()) { /* PostgreSQL refuses MLflow's negative OFFSET */
        mlf_store_run_page page;
        assert_error_prefix(mlf_store_search_runs(f->store, f->pool, exp1, 1, NULL, 0, MLFLOW__VIEW_TYPE__ACTIVE_ONLY,
                                                  2, NULL, 0, -1, &page, &err),
                            err, MLF_ERR_BAD_REQUEST,
                            "(psycopg2.errors.InvalidRowCountInResultOffsetClause) OFFSET must not be negative\n");
        return;
    }
    /* SQLite reads a negative offset as 0; the next token still adds to it, as MLflow's does */
    assert_string_equal(search(f, exp1, 1, NULL, 0, NULL, 0, MLFLOW__VIEW_TYPE__ACTIVE_ONLY, 2, -1, &token), "cd");
    assert_int_equal(mlf_search_page_token_decode(f->pool, token, &offset, &err), 0);
    assert_int_equal(offset, 1);
}

static void test_runs_are_full(void **state)
{
    fixture *f = *state;
    mlf_search_clause cl = cl_str(MLF_ENTITY_ATTRIBUTE, "run_id", MLF_OP_EQ, "aaaa");
    mlf_store_run_page page;
    mlf_error err = {0};
    assert_int_equal(mlf_store_search_runs(f->store, f->pool, exp1, 1, &cl, 1, MLFLOW__VIEW_TYPE__ACTIVE_ONLY, 10,
                                           NULL, 0, 0, &page, &err),
                     0);
    assert_int_equal(page.n, 1);
    Mlflow__Run *r = page.runs[0];
    assert_string_equal(r->info->run_id, "aaaa");
    assert_int_equal(r->data->n_metrics, 2);
    assert_int_equal(r->data->n_params, 2);
    assert_non_null(r->inputs);
    assert_int_equal(r->inputs->n_dataset_inputs, 1);
    assert_string_equal(r->inputs->dataset_inputs[0]->dataset->name, "train");
    assert_int_equal(r->inputs->n_model_inputs, 0);
    assert_non_null(r->outputs);
    assert_int_equal(r->outputs->n_model_outputs, 1);
}

static void test_errors(void **state)
{
    fixture *f = *state;
    mlf_store_run_page page;
    mlf_error err = {0};
    int rc = mlf_store_search_runs(f->store, f->pool, exp1, 1, NULL, 0, MLFLOW__VIEW_TYPE__ALL, 0, NULL, 0, 0, &page,
                                   &err);
    assert_error(rc, err, MLF_ERR_INVALID_PARAMETER_VALUE,
                 "Invalid value 0 for parameter 'max_results' supplied. It must be a positive integer");
    rc = mlf_store_search_runs(f->store, f->pool, exp1, 1, NULL, 0, MLFLOW__VIEW_TYPE__ALL, 50001, NULL, 0, 0, &page,
                               &err);
    assert_error(rc, err, MLF_ERR_INVALID_PARAMETER_VALUE,
                 "Invalid value 50001 for parameter 'max_results' supplied. It must be at most 50000");
    char *bad[] = {"1", "abc"};
    rc = mlf_store_search_runs(f->store, f->pool, bad, 2, NULL, 0, MLFLOW__VIEW_TYPE__ALL, 10, NULL, 0, 0, &page, &err);
    assert_error(rc, err, MLF_ERR_INVALID_PARAMETER_VALUE,
                 "Invalid experiment ID 'abc'. Experiment ID must be a valid integer.");
    char *big[] = {"99999999999999999999"};
    rc = mlf_store_search_runs(f->store, f->pool, big, 1, NULL, 0, MLFLOW__VIEW_TYPE__ALL, 10, NULL, 0, 0, &page, &err);
    if (mlf_test_pg()) { /* psycopg2 sends it as a numeric literal: no run is in that experiment */
        assert_int_equal(rc, 0);
        assert_int_equal(page.n, 0);
    } else {
        assert_error(rc, err, MLF_ERR_INTERNAL_ERROR, "Python int too large to convert to SQLite INTEGER");
    }
    mlf_search_order ds = {MLF_ENTITY_DATASET, "name", true};
    rc = mlf_store_search_runs(f->store, f->pool, exp1, 1, NULL, 0, MLFLOW__VIEW_TYPE__ALL, 10, &ds, 1, 0, &page, &err);
    assert_error(rc, err, MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid identifier type 'dataset'");
}

/* The plan of a query: every detail line joined with '|'. */
static char *plan(fixture *f, const mlf__query *q)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->db_path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    char *sql = mlf_pool_sprintf(f->pool, "EXPLAIN QUERY PLAN %s", q->sql.data);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("prepare: %s: %s", sql, sqlite3_errmsg(db));
    mlf_buf b;
    mlf_buf_init(&b, f->pool, 256);
    while (sqlite3_step(st) == SQLITE_ROW)
        mlf_buf_printf(&b, "%s|", (const char *)sqlite3_column_text(st, 3));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return b.data;
}

static void test_query_plans(void **state)
{
    fixture *f = *state;
    if (mlf_test_pg())
        skip(); /* SQLite's query planner */
    mlf_search_clause cl[] = {
        cl_num(MLF_ENTITY_METRIC, "loss", MLF_OP_LT, "1"), cl_str(MLF_ENTITY_PARAM, "lr", MLF_OP_EQ, "0.1"),
        cl_str(MLF_ENTITY_TAG, "team", MLF_OP_EQ, "ml"), cl_str(MLF_ENTITY_ATTRIBUTE, "run_name", MLF_OP_EQ, "alpha"),
        cl_str(MLF_ENTITY_DATASET, "context", MLF_OP_EQ, "training")};
    mlf_search_order ord[] = {{MLF_ENTITY_METRIC, "acc", false}, {MLF_ENTITY_PARAM, "opt", true}};
    mlf__query q;
    mlf__sort sort;
    mlf_error err = {0};
    int64_t exp_one[] = {1};
    assert_int_equal(
        mlf__build(f->pool, false, exp_one, 1, MLFLOW__VIEW_TYPE__ACTIVE_ONLY, cl, 5, ord, 2, &q, &sort, &err), 0);
    char *p = plan(f, &q);
    /* each filter and order join is a primary key (or inputs index) lookup per run: no scans but runs' own */
    if (strstr(p, "SCAN f") != NULL || strstr(p, "SCAN o") != NULL || strstr(p, "SCAN i") != NULL ||
        strstr(p, "SCAN d") != NULL || strstr(p, "SCAN t") != NULL)
        fail_msg("a scan in the plan: %s", p);
    assert_non_null(strstr(p, "SCAN r|"));
    assert_non_null(strstr(p, "SEARCH f0 USING INDEX sqlite_autoindex_latest_metrics_1 (key=? AND run_uuid=?)"));
    assert_non_null(strstr(p, "SEARCH f1 USING INDEX sqlite_autoindex_params_1 (key=? AND run_uuid=?)"));
    assert_non_null(strstr(p, "SEARCH f2 USING INDEX sqlite_autoindex_tags_1 (key=? AND run_uuid=?)"));
    assert_non_null(strstr(p, "SEARCH f3 USING INDEX sqlite_autoindex_tags_1 (key=? AND run_uuid=?)"));
    assert_non_null(strstr(p, "SEARCH o0 USING INDEX sqlite_autoindex_latest_metrics_1 (key=? AND run_uuid=?)"));
    assert_non_null(strstr(p, "index_inputs_destination_type_destination_id_source_type"));
    /* the page is picked in C: no sort in SQLite */
    assert_null(strstr(p, "TEMP B-TREE"));

    /* the default order walks runs newest rowid first, still without a sort */
    assert_int_equal(
        mlf__build(f->pool, false, exp_one, 1, MLFLOW__VIEW_TYPE__ACTIVE_ONLY, cl, 2, NULL, 0, &q, &sort, &err), 0);
    p = plan(f, &q);
    assert_non_null(strstr(p, "SCAN r|"));
    assert_non_null(strstr(q.sql.data, "ORDER BY r.rowid DESC"));
    assert_null(strstr(p, "TEMP B-TREE"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_view_types_and_experiments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paging, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runs_are_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_query_plans, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
