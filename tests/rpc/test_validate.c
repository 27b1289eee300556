/* The validation rules of validations.def, with MLflow's handler semantics and messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "json/pbjson.h"
#include "rpc/rpc.h"
#include "service.pb-c.h"

#define SEE " See the API docs for more information about request parameters."

static const mlf_rule search_rules[] = {
    {"experiment_ids", MLF_RULE_TYPE_ARRAY, 0, 0, NULL, NULL},
    {"filter", MLF_RULE_TYPE_STRING, 0, 0, NULL, NULL},
    {"max_results", MLF_RULE_TYPE_INT, 0, 0, NULL, NULL},
    {"max_results", MLF_RULE_MAX, 50000, 0, NULL, NULL},
    {"order_by", MLF_RULE_TYPE_ARRAY, 0, 0, NULL, NULL},
    {"order_by", MLF_RULE_TYPE_ITEMS_STRING, 0, 0, NULL, NULL},
};

static const mlf_rule batch_rules[] = {
    {"run_id", MLF_RULE_TYPE_STRING, 0, 0, NULL, NULL},
    {"run_id", MLF_RULE_REQUIRED, 0, 0, NULL, NULL},
    {"metrics", MLF_RULE_TYPE_ARRAY, 0, 0, NULL, NULL},
    {"metrics", MLF_RULE_ELEM_REQUIRED, 0, 0, "key", NULL},
    {"metrics", MLF_RULE_ELEM_REQUIRED, 0, 0, "value", NULL},
    {"metrics", MLF_RULE_ELEM_REQUIRED, 0, 0, "timestamp", NULL},
};

static const mlf_rule bulk_rules[] = {
    {"run_ids", MLF_RULE_REQUIRED, 0, 0, NULL, NULL},
    {"run_ids", MLF_RULE_MAXITEMS, 2, 0, NULL, "at most 2 run_ids. Received {n} run_ids."},
    {"max_results", MLF_RULE_RANGE, 1, 2500, NULL, "max_results must be between 1 and 2500."},
};

static const mlf_rpc search_rpc = {"MlflowService", "searchRuns", "x", &mlflow__search_runs__descriptor,
                                   &mlflow__search_runs__response__descriptor, search_rules, 6, NULL, NULL};
static const mlf_rpc batch_rpc = {"MlflowService", "logBatch", "x", &mlflow__log_batch__descriptor,
                                  &mlflow__log_batch__response__descriptor, batch_rules, 6, NULL, NULL};
static const mlf_rpc bulk_rpc = {"MlflowService", "getMetricHistoryBulkInterval", "x",
                                 &mlflow__get_metric_history_bulk_interval__descriptor,
                                 &mlflow__get_metric_history_bulk_interval__response__descriptor, bulk_rules, 3, NULL,
                                 NULL};

/* Validates a JSON body as the HTTP layer does; returns the message or NULL when valid. */
static const char *check(mlf_pool *pool, const mlf_rpc *rpc, const char *body)
{
    mlf_json *root = NULL;
    assert_int_equal(mlf_json_parse(pool, body, strlen(body), &root, NULL), 0);
    ProtobufCMessage *msg = NULL;
    mlf_pbjson_result pr = {0};
    assert_int_equal(mlf_pbjson_from_json(pool, rpc->request, root, &msg, &pr, NULL), 0);
    mlf_rpc_request req = {.msg = msg, .raw = pr.json, .parse_failed = pr.n_type_errors > 0};
    mlf_error err = {0};
    int rc = mlf_rpc_validate(pool, rpc, &req, &err);
    if (rc == 0)
        return NULL;
    assert_int_equal(rc, -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_int_equal(err.code, MLF_ERR_INVALID_PARAMETER_VALUE);
    return err.message;
}

static void test_type_rules_only_when_parsing_failed(void **state)
{
    mlf_pool *pool = *state;
    assert_null(check(pool, &search_rpc, "{\"max_results\": 5, \"filter\": \"x\"}"));
    /* "5" parses into the int field: no type check runs */
    assert_null(check(pool, &search_rpc, "{\"max_results\": \"5\"}"));
    /* a failed parse makes every type check run, with the raw value */
    assert_string_equal(check(pool, &search_rpc, "{\"filter\": 7}"),
                        "Invalid value 7 for parameter 'filter' supplied:  Hint: Value was of type 'int'." SEE);
    assert_string_equal(check(pool, &search_rpc, "{\"max_results\": \"ab\"}"),
                        "Invalid value \"ab\" for parameter 'max_results' supplied:  Hint: Value was of type 'str'." SEE);
    assert_string_equal(check(pool, &search_rpc, "{\"order_by\": [\"a\", 1]}"),
                        "Invalid value [\"a\",1] for parameter 'order_by' supplied:  Hint: Value was of type 'list'." SEE);
    assert_string_equal(check(pool, &search_rpc, "{\"experiment_ids\": {\"b\": 1, \"a\": \"\\u00e9\"}}"),
                        "Invalid value {\"a\":\"\\u00e9\",\"b\":1} for parameter 'experiment_ids' supplied:  "
                        "Hint: Value was of type 'dict'." SEE);
}

static void test_max_and_range(void **state)
{
    mlf_pool *pool = *state;
    assert_null(check(pool, &search_rpc, "{\"max_results\": 50000}"));
    assert_string_equal(check(pool, &search_rpc, "{\"max_results\": 50001}"),
                        "Invalid value 50001 for parameter 'max_results' supplied:  Hint: Value was of type 'int'." SEE);
    assert_string_equal(check(pool, &bulk_rpc, "{\"run_ids\": [\"a\"], \"max_results\": 0}"),
                        "max_results must be between 1 and 2500." SEE);
    assert_null(check(pool, &bulk_rpc, "{\"run_ids\": [\"a\"], \"max_results\": 2500}"));
}

static void test_required_and_maxitems(void **state)
{
    mlf_pool *pool = *state;
    assert_string_equal(check(pool, &bulk_rpc, "{}"), "Missing value for required parameter 'run_ids'." SEE);
    assert_string_equal(check(pool, &bulk_rpc, "{\"run_ids\": [\"a\", \"b\", \"c\"]}"),
                        "at most 2 run_ids. Received 3 run_ids." SEE);
    assert_string_equal(check(pool, &batch_rpc, "{\"run_id\": \"\"}"), "Missing value for required parameter 'run_id'." SEE);
    /* the legacy run_uuid satisfies run_id */
    assert_null(check(pool, &batch_rpc, "{\"run_uuid\": \"abc\"}"));
}

static void test_per_element_rules_run_element_by_element(void **state)
{
    mlf_pool *pool = *state;
    assert_null(check(pool, &batch_rpc, "{\"run_id\": \"r\", \"metrics\": [{\"key\": \"a\", \"value\": 0, \"timestamp\": 1}]}"));
    assert_string_equal(
        check(pool, &batch_rpc, "{\"run_id\": \"r\", \"metrics\": [{\"key\": \"a\", \"timestamp\": 1}, {\"value\": 1}]}"),
        "Missing value for required parameter 'metrics[0].value'." SEE);
    assert_string_equal(check(pool, &batch_rpc,
                              "{\"run_id\": \"r\", \"metrics\": [{\"key\": \"a\", \"value\": 1, \"timestamp\": 1}, "
                              "{\"key\": \"\", \"value\": 1, \"timestamp\": 1}]}"),
                        "Missing value for required parameter 'metrics[1].key'." SEE);
}

static void test_protobuf_input_uses_message_presence(void **state)
{
    mlf_pool *pool = *state;
    Mlflow__GetMetricHistoryBulkInterval m = MLFLOW__GET_METRIC_HISTORY_BULK_INTERVAL__INIT;
    mlf_rpc_request req = {.msg = &m.base, .raw = NULL, .parse_failed = false};
    mlf_error err = {0};
    assert_int_equal(mlf_rpc_validate(pool, &bulk_rpc, &req, &err), -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_string_equal(err.message, "Missing value for required parameter 'run_ids'." SEE);
    char *ids[] = {"a"};
    m.run_ids = ids;
    m.n_run_ids = 1;
    m.has_max_results = 1;
    m.max_results = 3000;
    assert_int_equal(mlf_rpc_validate(pool, &bulk_rpc, &req, &err), -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_string_equal(err.message, "max_results must be between 1 and 2500." SEE);
    m.max_results = 10;
    assert_int_equal(mlf_rpc_validate(pool, &bulk_rpc, &req, &err), 0);
}

static int setup(void **state)
{
    *state = mlf_pool_create();
    return 0;
}

static int teardown(void **state)
{
    mlf_pool_destroy(*state);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_type_rules_only_when_parsing_failed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_and_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_required_and_maxitems, setup, teardown),
        cmocka_unit_test_setup_teardown(test_per_element_rules_run_element_by_element, setup, teardown),
        cmocka_unit_test_setup_teardown(test_protobuf_input_uses_message_presence, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
