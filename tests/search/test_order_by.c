/*
 * order_by, table-driven: each row is one order_by list (entries separated by
 * \037) and either the orders it must give ("entity|key|asc; ...") or MLflow's
 * error code and message. The rows include the cases of MLflow's
 * test_search_utils.py and test_sqlalchemy_store.py (tracking and model
 * registry), all checked against MLflow 3.6 on sqlparse 0.5.3.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "search/search.h"

#define RUNS MLF_SEARCH_RUNS
#define EXP MLF_SEARCH_EXPERIMENTS
#define RM MLF_SEARCH_REGISTERED_MODELS
#define MV MLF_SEARCH_MODEL_VERSIONS
#define EDS MLF_SEARCH_EVAL_DATASETS
#define EDS_KEYS "{'name', 'created_time', 'last_update_time'}"

typedef struct order_case {
    mlf_search_kind kind;
    const char *order_by; /* entries separated by \037 */
    int code;             /* 0: success */
    const char *expect;
} order_case;

static const order_case cases[] = {
    /* searchEvaluationDatasets (checked against MLflow 3.18's _get_search_datasets_order_by_clauses) */
    {EDS, "name DESC", 0, "attribute|name|desc"},
    {EDS, "\"created_time\" asc", 0, "attribute|created_time|asc"},
    {EDS, "name\037name", 0, "attribute|name|asc; attribute|name|asc"},
    {EDS, "`name`", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid attribute key '`name`' specified. Valid keys are: " EDS_KEYS},
    {EDS, "dataset_id", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid attribute key 'dataset_id' specified. Valid keys are: " EDS_KEYS},
    {EDS, "tags.x", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid order_by entity: tag"},
    {EDS, "attributes.name", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid identifier token 'attributes' specified"},
    {EDS, "name up", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid ordering key in order_by clause 'name up'."},
    {EDS, "name ASC DESC", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid order_by clause 'name ASC DESC'. Could not be parsed."},
    {EDS, "name, x", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid order_by clause 'name, x'. Could not be parsed."},
    {RUNS, "m.acc", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid entity type 'm'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']"},
    {RUNS, "acc", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid attribute key 'acc' specified. Valid keys are '{'artifact_uri', 'end_time', 'run_id', 'run_name', 'start_time', 'status', 'user_id', 'created', 'Created'}'"},
    {RUNS, "attri.x", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid entity type 'attri'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']"},
    {RUNS, "`metrics.A", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid order_by clause '`metrics.A'. Could not be parsed."},
    {RUNS, "`metrics.A`", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid entity type '`metrics'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']"},
    {RUNS, "attribute.start", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid attribute key 'start' specified. Valid keys are '{'artifact_uri', 'end_time', 'run_id', 'run_name', 'start_time', 'status', 'user_id', 'created', 'Created'}'"},
    {RUNS, "attribute.experiment_id", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid attribute key 'experiment_id' specified. Valid keys are '{'artifact_uri', 'end_time', 'run_id', 'run_name', 'start_time', 'status', 'user_id', 'created', 'Created'}'"},
    {RUNS, "metrics.A != 1", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid order_by clause 'metrics.A != 1'. Could not be parsed."},
    {RUNS, "params.my_param ", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid order_by clause 'params.my_param '. Could not be parsed."},
    {RUNS, "attribute.run_id ACS", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid ordering key in order_by clause 'attribute.run_id ACS'."},
    {RUNS, "attribute.run_id decs", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid ordering key in order_by clause 'attribute.run_id decs'."},
    {RUNS, "metrics.`Mean Square Error`", 0, "metric|Mean Square Error|asc"},
    {RUNS, "metrics.`Mean Square Error` ASC", 0, "metric|Mean Square Error|asc"},
    {RUNS, "metrics.`Mean Square Error` DESC", 0, "metric|Mean Square Error|desc"},
    {RUNS, "tags.noSuchTag", 0, "tag|noSuchTag|asc"},
    {RUNS, "attributes.status", 0, "attribute|status|asc"},
    {RUNS, "metrics.key1 asc", 0, "metric|key1|asc"},
    {RUNS, "metrics.\"key1\"  desc", 0, "metric|key1|desc"},
    {RUNS, "params.my_param aSc", 0, "param|my_param|asc"},
    {RUNS, "attributes.status  ASC", 0, "attribute|status|asc"},
    {RUNS, "params.`my_param` DESC", 0, "param|my_param|desc"},
    {RUNS, "tags.tag1    DESC", 0, "tag|tag1|desc"},
    {RUNS, "attributes.created ASC", 0, "attribute|start_time|asc"},
    {RUNS, "attributes.Created DESC", 0, "attribute|start_time|desc"},
    {RUNS, "attribute.start_time", 0, "attribute|start_time|asc"},
    {RUNS, "dataset.name", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid identifier type 'dataset'"},
    {RUNS, "datasets.profile", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid dataset key 'profile' specified. Valid keys are '{'name', 'digest', 'context'}'"},
    {RUNS, "attributes.`run name`", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid attribute key 'run name' specified. Valid keys are '{'artifact_uri', 'end_time', 'run_id', 'run_name', 'start_time', 'status', 'user_id', 'created', 'Created'}'"},
    {RUNS, "timestamp", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid attribute key 'timestamp' specified. Valid keys are '{'artifact_uri', 'end_time', 'run_id', 'run_name', 'start_time', 'status', 'user_id', 'created', 'Created'}'"},
    {RUNS, "metrics.a b", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid ordering key in order_by clause 'metrics.a b'."},
    {RUNS, "metrics.a DESC NULLS LAST", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid order_by clause 'metrics.a DESC NULLS LAST'. Could not be parsed."},
    {RUNS, "", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid order_by clause ''. Could not be parsed."},
    {RUNS, "metrics.a; metrics.b", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid order_by clause 'metrics.a; metrics.b'. Could not be parsed."},
    {RUNS, "metrics.`a\"b`", MLF_ERR_INTERNAL_ERROR, "No closing quotation"},
    {RUNS, "metrics.a\tDESC", 0, "metric|a|desc"},
    {RUNS, "attribute.start_time\037attribute.start_time", MLF_ERR_INTERNAL_ERROR, "`order_by` contains duplicate fields: ['attribute.start_time', 'attribute.start_time']"},
    {RUNS, "param.p\037param.p", MLF_ERR_INTERNAL_ERROR, "`order_by` contains duplicate fields: ['param.p', 'param.p']"},
    {RUNS, "metric.m\037metric.m", MLF_ERR_INTERNAL_ERROR, "`order_by` contains duplicate fields: ['metric.m', 'metric.m']"},
    {RUNS, "tag.t\037tag.t", MLF_ERR_INTERNAL_ERROR, "`order_by` contains duplicate fields: ['tag.t', 'tag.t']"},
    {RUNS, "attributes.created\037attributes.start_time DESC", MLF_ERR_INTERNAL_ERROR, "`order_by` contains duplicate fields: ['attributes.created', 'attributes.start_time DESC']"},
    {RUNS, "metric.m\037param.m\037tag.m\037attribute.status", 0, "metric|m|asc; param|m|asc; tag|m|asc; attribute|status|asc"},
    {EXP, "name", 0, "attribute|name|asc"},
    {EXP, "name ASC", 0, "attribute|name|asc"},
    {EXP, "name DESC", 0, "attribute|name|desc"},
    {EXP, "experiment_id DESC", 0, "attribute|experiment_id|desc"},
    {EXP, "creation_time", 0, "attribute|creation_time|asc"},
    {EXP, "last_update_time", 0, "attribute|last_update_time|asc"},
    {EXP, "attribute.name DESC", 0, "attribute|name|desc"},
    {EXP, "attributes.experiment_id", 0, "attribute|experiment_id|asc"}, /* 3.18 */
    {EXP, "tags.x", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid order_by entity: tag"},
    {EXP, "tag.x DESC", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid order_by entity: tag"},
    {EXP, "run_id", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid attribute key 'run_id' specified. Valid keys are '{'name', 'experiment_id', 'creation_time', 'last_update_time'}'"},
    {EXP, "foo.name", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid entity type 'foo'. Valid entity types are ('attribute', 'attributes', 'tag', 'tags')"},
    {EXP, "name\037name", 0, "attribute|name|asc; attribute|name|asc"},
    {EXP, "name\037experiment_id", 0, "attribute|name|asc; attribute|experiment_id|asc"},
    {RM, "name", 0, "attribute|name|asc"},
    {RM, "name DESC", 0, "attribute|name|desc"},
    {RM, "timestamp", 0, "attribute|last_updated_timestamp|asc"},
    {RM, "timestamp  deSc", 0, "attribute|last_updated_timestamp|desc"},
    {RM, "last_updated_timestamp DESC", 0, "attribute|last_updated_timestamp|desc"},
    {RM, "creation_timestamp DESC", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid order by key 'creation_timestamp' specified. Valid keys are '{'name', 'timestamp'}'"},
    {RM, "last_updated_timestamp DESC blah", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid order_by clause 'last_updated_timestamp DESC blah'. Could not be parsed."},
    {RM, "", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid order_by clause ''. Could not be parsed."},
    {RM, "timestamp somerandomstuff ASC", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid order_by clause 'timestamp somerandomstuff ASC'. Could not be parsed."},
    {RM, "timestamp somerandomstuff", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid order_by clause 'timestamp somerandomstuff'. Could not be parsed."},
    {RM, "timestamp decs", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid order_by clause 'timestamp decs'. Could not be parsed."},
    {RM, "timestamp ACS", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid order_by clause 'timestamp ACS'. Could not be parsed."},
    {RM, "name aCs", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid ordering key in order_by clause 'name aCs'."},
    {RM, "TIMESTAMP", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid order_by clause 'TIMESTAMP'. Could not be parsed."},
    {RM, "attribute.name", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid order by key 'attribute.name' specified. Valid keys are '{'name', 'timestamp'}'"},
    {RM, "name ASC\037creation_timestamp DESC", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid order by key 'creation_timestamp' specified. Valid keys are '{'name', 'timestamp'}'"},
    {RM, "name ASC\037last_updated_timestamp DESC blah", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid order_by clause 'last_updated_timestamp DESC blah'. Could not be parsed."},
    {RM, "last_updated_timestamp\037last_updated_timestamp", MLF_ERR_INTERNAL_ERROR, "`order_by` contains duplicate fields: ['last_updated_timestamp', 'last_updated_timestamp']"},
    {RM, "timestamp\037timestamp", MLF_ERR_INTERNAL_ERROR, "`order_by` contains duplicate fields: ['timestamp', 'timestamp']"},
    {RM, "timestamp\037last_updated_timestamp", MLF_ERR_INTERNAL_ERROR, "`order_by` contains duplicate fields: ['timestamp', 'last_updated_timestamp']"},
    {RM, "last_updated_timestamp ASC\037last_updated_timestamp DESC", MLF_ERR_INTERNAL_ERROR, "`order_by` contains duplicate fields: ['last_updated_timestamp ASC', 'last_updated_timestamp DESC']"},
    {RM, "timestamp  deSc\037name deSc", 0, "attribute|last_updated_timestamp|desc; attribute|name|desc"},
    {MV, "name", 0, "attribute|name|asc"},
    {MV, "name DESC", 0, "attribute|name|desc"},
    {MV, "version_number DESC", 0, "attribute|version_number|desc"},
    {MV, "creation_timestamp DESC", 0, "attribute|creation_timestamp|desc"},
    {MV, "last_updated_timestamp ASC", 0, "attribute|last_updated_timestamp|asc"},
    {MV, "name ASC\037run_id DESC", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid attribute key 'run_id' specified. Valid keys are '{'name', 'version_number', 'creation_timestamp', 'last_updated_timestamp'}'"},
    {MV, "name ASC\037last_updated_timestamp DESC blah", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid order_by clause 'last_updated_timestamp DESC blah'. Could not be parsed."},
    {MV, "tags.name DESC", 0, "attribute|name|desc"},
    {MV, "tags.foo", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid order by key 'foo' specified. Valid keys are {'name', 'version_number', 'creation_timestamp', 'last_updated_timestamp'}"},
    {MV, "foo.bar", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid entity type 'foo'. Valid entity types are ('attribute', 'tag', 'tags')"},
    {MV, "version_number\037version_number DESC", MLF_ERR_INTERNAL_ERROR, "`order_by` contains duplicate fields: ['version_number', 'version_number DESC']"},
    {MV, "timestamp", MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid attribute key 'timestamp' specified. Valid keys are '{'name', 'version_number', 'creation_timestamp', 'last_updated_timestamp'}'"},
};

static const char *const entity_names[] = {"attribute", "metric", "param", "tag", "dataset"};

static void test_case(void **state)
{
    const order_case *tc = *state;
    mlf_pool *pool = mlf_pool_create();
    char *all = mlf_pool_strdup(pool, tc->order_by);
    char *entries[16];
    size_t n = 0;
    for (char *s = all;;) {
        char *sep = strchr(s, '\037');
        entries[n++] = s;
        if (sep == NULL)
            break;
        *sep = '\0';
        s = sep + 1;
    }
    mlf_search_order *orders = NULL;
    size_t n_orders = 0;
    mlf_error err = {0};
    int rc = mlf_search_parse_order_by(pool, tc->kind, entries, n, &orders, &n_orders, &err);
    if (tc->code == 0) {
        if (rc != 0)
            fail_msg("order_by %s: unexpected error %s", tc->order_by, err.message);
        mlf_buf b;
        mlf_buf_init(&b, pool, 64);
        for (size_t i = 0; i < n_orders; i++)
            mlf_buf_printf(&b, "%s%s|%s|%s", i ? "; " : "", entity_names[orders[i].entity], orders[i].key,
                           orders[i].ascending ? "asc" : "desc");
        assert_string_equal(b.data, tc->expect);
    } else {
        assert_int_equal(rc, -tc->code);
        assert_int_equal(err.code, tc->code);
        assert_string_equal(err.message, tc->expect);
    }
    mlf_pool_destroy(pool);
}

static void test_no_order_by(void **state)
{
    (void)state;
    mlf_pool *pool = mlf_pool_create();
    mlf_search_order *orders = (mlf_search_order *)1;
    size_t n = 7;
    mlf_error err = {0};
    for (int kind = RUNS; kind <= MV; kind++) {
        assert_int_equal(mlf_search_parse_order_by(pool, (mlf_search_kind)kind, NULL, 0, &orders, &n, &err), 0);
        assert_int_equal(n, 0);
    }
    mlf_pool_destroy(pool);
}

int main(void)
{
    size_t n = sizeof(cases) / sizeof(cases[0]);
    struct CMUnitTest tests[sizeof(cases) / sizeof(cases[0]) + 1];
    static char names[sizeof(cases) / sizeof(cases[0])][96];
    for (size_t i = 0; i < n; i++) {
        snprintf(names[i], sizeof(names[i]), "order_by %zu: %s", i, cases[i].order_by);
        for (char *c = names[i]; *c; c++) /* one line per test in the report */
            if ((unsigned char)*c < 0x20)
                *c = '?';
        tests[i] = (struct CMUnitTest){names[i], test_case, NULL, NULL, (void *)&cases[i]};
    }
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_no_order_by);
    return _cmocka_run_group_tests("search_order_by", tests, n, NULL, NULL);
}
