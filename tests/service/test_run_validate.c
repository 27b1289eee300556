/*
 * The run validation of src/service/validate.c (metrics, params, tags,
 * log-batch limits) against MLflow's messages; the expected texts were
 * produced by mlflow/utils/validation.py itself.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "service/validate.h"
#include "store/pystr.h"

static int setup(void **state)
{
    unsetenv("MLFLOW_TRUNCATE_LONG_VALUES");
    *state = mlf_pool_create();
    return 0;
}

static int teardown(void **state)
{
    unsetenv("MLFLOW_TRUNCATE_LONG_VALUES");
    mlf_pool_destroy(*state);
    return 0;
}

#define assert_fails(call, want)                                                                                       \
    do {                                                                                                               \
        mlf_error err_ = {0};                                                                                          \
        mlf_error *err = &err_;                                                                                        \
        int rc_ = (call);                                                                                              \
        assert_int_equal(rc_, -MLF_ERR_INVALID_PARAMETER_VALUE);                                                       \
        assert_string_equal(err_.message, (want));                                                                     \
    } while (0)

#define TS_TAIL ". Timestamp must be a nonnegative long (64-bit integer) "

static char *repeat(mlf_pool *pool, const char *unit, size_t n)
{
    size_t len = strlen(unit);
    char *s = mlf_pool_alloc(pool, len * n + 1);
    for (size_t i = 0; i < n; i++)
        memcpy(s + i * len, unit, len);
    return s;
}

static void test_json_path(void **state)
{
    mlf_pool *pool = *state;
    assert_string_equal(mlf_validate_json_path(pool, "", "key"), "key");
    assert_string_equal(mlf_validate_json_path(pool, NULL, "key"), "key");
    assert_string_equal(mlf_validate_json_path(pool, "tags[0]", "key"), "tags[0].key");
    assert_string_equal(mlf_validate_json_path(pool, "tags", "[3]"), "tags[3]");
}

static void test_metric(void **state)
{
    mlf_pool *pool = *state;
    mlf_error e = {0};
    assert_int_equal(mlf_validate_metric(pool, "a/b c:d-e.f_g", 1.0, 0, "", &e), 0);
    assert_fails(mlf_validate_metric(pool, NULL, 1.0, 1, "", err),
                 "Invalid value null for parameter 'name' supplied: Metric name cannot be None. A key name must be "
                 "provided.");
    assert_fails(mlf_validate_metric(pool, "m", 1.0, -3, "metrics[2]", err),
                 "Invalid value -3 for parameter 'metrics[2].timestamp' supplied: metric 'm' (value=1.0)" TS_TAIL);
    assert_fails(mlf_validate_metric(pool, "m", NAN, -3, "", err),
                 "Invalid value -3 for parameter 'timestamp' supplied: metric 'm' (value=nan)" TS_TAIL);
    assert_fails(mlf_validate_metric(pool, "m", INFINITY, -3, "", err),
                 "Invalid value -3 for parameter 'timestamp' supplied: metric 'm' (value=inf)" TS_TAIL);
    assert_fails(mlf_validate_metric(pool, "m", 1e20, -3, "", err),
                 "Invalid value -3 for parameter 'timestamp' supplied: metric 'm' (value=1e+20)" TS_TAIL);
    assert_fails(mlf_validate_metric(pool, "m", 0.1, -3, "", err),
                 "Invalid value -3 for parameter 'timestamp' supplied: metric 'm' (value=0.1)" TS_TAIL);
    assert_fails(mlf_validate_metric(pool, "m", -2.5e-7, -3, "", err),
                 "Invalid value -3 for parameter 'timestamp' supplied: metric 'm' (value=-2.5e-07)" TS_TAIL);
    assert_fails(mlf_validate_metric(pool, repeat(pool, "m", 251), 1.0, 3, "", err),
                 "'Metric name' exceeds the maximum length of 250 characters");
    assert_fails(mlf_validate_metric(pool, "x?", 1.0, 3, "metrics[0]", err),
                 "Invalid value \"x?\" for parameter 'metrics[0].name' supplied: Names may only contain "
                 "alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).");
    /* 250 multi-byte characters are within the limit */
    assert_int_equal(mlf_validate_metric(pool, repeat(pool, "\xc3\xa9", 250), 1.0, 3, "", &e), 0);
}

static void test_param_and_tag(void **state)
{
    mlf_pool *pool = *state;
    const char *out = NULL;
    mlf_error e = {0};
    assert_int_equal(mlf_validate_param(pool, "k", "v", "", &out, &e), 0);
    assert_string_equal(out, "v");
    assert_fails(mlf_validate_param(pool, NULL, "v", "params[1]", &out, err),
                 "Invalid value \"\" for parameter 'params[1].key' supplied: A key name must be provided.");
    assert_fails(mlf_validate_param(pool, repeat(pool, "k", 251), "v", "params[1]", &out, err),
                 "'Param key' exceeds the maximum length of 250 characters");
    assert_fails(mlf_validate_tag(pool, NULL, "v", "tags[0]", &out, err),
                 "Missing value for required parameter 'tags[0].key'.");
    assert_fails(mlf_validate_tag(pool, repeat(pool, "k", 251), "v", "tags[0]", &out, err),
                 "'tags[0].key' exceeds the maximum length of 250 characters");
    assert_fails(mlf_validate_tag(pool, repeat(pool, "k", 251), "v", "", &out, err),
                 "'key' exceeds the maximum length of 250 characters");
    assert_fails(mlf_validate_tag(pool, "a//b", "v", "", &out, err),
                 "Invalid value \"a//b\" for parameter 'key' supplied: Names may be treated as files in certain "
                 "cases, and must not resolve to other names when treated as such. This name would resolve to 'a/b'");
}

static void test_truncation(void **state)
{
    mlf_pool *pool = *state;
    const char *out = NULL;
    mlf_error e = {0};
    /* counted in code points: 6001 two-byte characters become 6000 */
    char *long_param = repeat(pool, "\xc3\xa9", 6001);
    assert_int_equal(mlf_validate_param(pool, "k", long_param, "", &out, &e), 0);
    assert_int_equal(mlf_pystr_len(out), 6000);
    assert_int_equal(strlen(out), 12000);
    char *exact = repeat(pool, "x", 8000);
    assert_int_equal(mlf_validate_tag(pool, "k", exact, "", &out, &e), 0);
    assert_ptr_equal(out, exact);
    assert_int_equal(mlf_validate_tag(pool, "k", repeat(pool, "x", 9000), "", &out, &e), 0);
    assert_int_equal(strlen(out), 8000);

    setenv("MLFLOW_TRUNCATE_LONG_VALUES", "False", 1);
    assert_fails(mlf_validate_param(pool, "k", long_param, "", &out, err),
                 "'Param value' exceeds the maximum length of 6000 characters");
    assert_fails(mlf_validate_tag(pool, "k", repeat(pool, "x", 8001), "tags[3]", &out, err),
                 "'tags[3].value' exceeds the maximum length of 8000 characters");
    assert_int_equal(mlf_validate_tag(pool, "k", exact, "", &out, &e), 0);
    setenv("MLFLOW_TRUNCATE_LONG_VALUES", "1", 1);
    assert_int_equal(mlf_validate_param(pool, "k", long_param, "", &out, &e), 0);
    setenv("MLFLOW_TRUNCATE_LONG_VALUES", "maybe", 1);
    int rc = mlf_validate_tag(pool, "k", repeat(pool, "x", 8001), "tags[3]", &out, &e);
    assert_int_equal(rc, -MLF_ERR_INTERNAL_ERROR);
    assert_string_equal(e.message, "MLFLOW_TRUNCATE_LONG_VALUES value must be one of ['true', 'false', '1', '0'] "
                                   "(case-insensitive), but got maybe");
    /* read only when a value is too long */
    assert_int_equal(mlf_validate_tag(pool, "k", "short", "", &out, &e), 0);
}

static void test_batch_limits(void **state)
{
    mlf_pool *pool = *state;
    mlf_error e = {0};
    assert_int_equal(mlf_validate_batch_log_limits(pool, 1000, 0, 0, &e), 0);
    assert_int_equal(mlf_validate_batch_log_limits(pool, 800, 100, 100, &e), 0);
    assert_fails(mlf_validate_batch_log_limits(pool, 1001, 0, 0, err),
                 "A batch logging request can contain at most 1000 metrics. Got 1001 metrics. Please split up "
                 "metrics across multiple requests and try again.");
    assert_fails(mlf_validate_batch_log_limits(pool, 0, 101, 101, err),
                 "A batch logging request can contain at most 100 params. Got 101 params. Please split up params "
                 "across multiple requests and try again.");
    assert_fails(mlf_validate_batch_log_limits(pool, 0, 0, 101, err),
                 "A batch logging request can contain at most 100 tags. Got 101 tags. Please split up tags across "
                 "multiple requests and try again.");
    assert_fails(mlf_validate_batch_log_limits(pool, 801, 100, 100, err),
                 "A batch logging request can contain at most 1000 metrics, params, and tags. Got 1001 metrics, "
                 "params, and tags. Please split up metrics, params, and tags across multiple requests and try "
                 "again.");
}

static void test_param_keys_unique(void **state)
{
    mlf_pool *pool = *state;
    mlf_error e = {0};
    const char *ok[] = {"a", "b", "c"};
    assert_int_equal(mlf_validate_param_keys_unique(pool, ok, 3, &e), 0);
    assert_int_equal(mlf_validate_param_keys_unique(pool, NULL, 0, &e), 0);
    const char *keys[] = {"a", "b", "a", "b", "a", "c'd", "c'd"};
    assert_fails(mlf_validate_param_keys_unique(pool, keys, 7, err),
                 "Duplicate parameter keys have been submitted: ['a', 'b', 'a', \"c'd\"]. Please ensure the request "
                 "contains only one param value per param key.");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_json_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metric, setup, teardown),
        cmocka_unit_test_setup_teardown(test_param_and_tag, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_param_keys_unique, setup, teardown),
    };
    return cmocka_run_group_tests_name("service/run_validate", tests, NULL, NULL);
}
