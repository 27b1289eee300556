/*
 * Validation messages against MLflow's (mlflow/utils/validation.py and the
 * CreateExperiment handler); expected texts were produced by Python's json,
 * posixpath and re with MLflow's message templates. Also the Python-string
 * and URI helpers they rest on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/text.h"
#include "json/json.h"
#include "service/validate.h"
#include "store/pystr.h"
#include "store/uri.h"

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

#define BAD_CHARS                                                                                                      \
    "Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes " \
    "(/)."
#define BAD_PATH                                                                                                       \
    "Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This "  \
    "name would resolve to "

static void test_tag_names(void **state)
{
    mlf_pool *pool = *state;
    static const struct {
        const char *name, *message; /* NULL message: valid */
    } cases[] = {
        {"a#b", "Invalid value \"a#b\" for parameter 'key' supplied: " BAD_CHARS},
        {"a/../b", "Invalid value \"a/../b\" for parameter 'key' supplied: " BAD_PATH "'b'"},
        {"./a", "Invalid value \"./a\" for parameter 'key' supplied: " BAD_PATH "'a'"},
        {"/a", "Invalid value \"/a\" for parameter 'key' supplied: " BAD_PATH "'/a'"},
        {"..", "Invalid value \"..\" for parameter 'key' supplied: " BAD_PATH "'..'"},
        {"a/", "Invalid value \"a/\" for parameter 'key' supplied: " BAD_PATH "'a'"},
        {".", "Invalid value \".\" for parameter 'key' supplied: " BAD_PATH "'.'"},
        {"", "Invalid value \"\" for parameter 'key' supplied: " BAD_PATH "'.'"},
        {"..a", "Invalid value \"..a\" for parameter 'key' supplied: " BAD_PATH "'..a'"},
        {"a//b", "Invalid value \"a//b\" for parameter 'key' supplied: " BAD_PATH "'a/b'"},
        {"a\tb", "Invalid value \"a\\tb\" for parameter 'key' supplied: " BAD_CHARS},
        {"a\xe2\x80\x94" "b", "Invalid value \"a\\u2014b\" for parameter 'key' supplied: " BAD_CHARS},
        {"x\xc3\xa9\"", "Invalid value \"x\\u00e9\\\"\" for parameter 'key' supplied: " BAD_CHARS},
        {"\xc3\xbc#", "Invalid value \"\\u00fc#\" for parameter 'key' supplied: " BAD_CHARS},
        {"\xf0\x9f\x98\x80", "Invalid value \"\\ud83d\\ude00\" for parameter 'key' supplied: " BAD_CHARS},
        {"\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87", NULL}, /* Cyrillic letters are \w */
        {"\xc3\xa9", NULL},
        {"\xe6\x97\xa5\xe6\x9c\xac", NULL},
        {"a\n", NULL}, /* Python's $ matches before a final newline */
        {"a:b c-d.e/f_g", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        mlf_error err = {0};
        int rc = mlf_validate_tag_name(pool, cases[i].name, "key", &err);
        if (cases[i].message == NULL) {
            if (rc != 0)
                fail_msg("case %zu: unexpected error %s", i, err.message);
            continue;
        }
        assert_int_equal(rc, -MLF_ERR_INVALID_PARAMETER_VALUE);
        assert_string_equal(err.message, cases[i].message);
    }
    mlf_error err = {0};
    assert_int_equal(mlf_validate_tag_name(pool, NULL, "key", &err), -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_string_equal(err.message, "Missing value for required parameter 'key'.");
}

static void test_experiment_tag_limits(void **state)
{
    mlf_pool *pool = *state;
    mlf_error err = {0};
    char key[300], value[20100];
    memset(key, 'k', sizeof(key));
    memset(value, 'v', sizeof(value));
    key[250] = '\0';
    value[20000] = '\0';
    assert_int_equal(mlf_validate_experiment_tag(pool, key, value, &err), 0);
    key[250] = 'k';
    key[251] = '\0';
    assert_int_equal(mlf_validate_experiment_tag(pool, key, value, &err), -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_string_equal(err.message, "'key' exceeds the maximum length of 250 characters");
    key[250] = '\0';
    value[20000] = 'v';
    value[20001] = '\0';
    assert_int_equal(mlf_validate_experiment_tag(pool, key, value, &err), -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_string_equal(err.message, "'value' exceeds the maximum length of 20000 characters");
    /* limits count code points: 20000 two-byte characters pass */
    mlf_buf b;
    mlf_buf_init(&b, pool, 40001);
    for (int i = 0; i < 20000; i++)
        mlf_buf_puts(&b, "\xc3\xa9");
    assert_int_equal(mlf_validate_experiment_tag(pool, "k", b.data, &err), 0);
    mlf_buf_puts(&b, "x");
    assert_int_equal(mlf_validate_experiment_tag(pool, "k", b.data, &err), -MLF_ERR_INVALID_PARAMETER_VALUE);
    /* the name rule comes first */
    assert_int_equal(mlf_validate_experiment_tag(pool, "bad#", b.data, &err), -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_string_equal(err.message, "Invalid value \"bad#\" for parameter 'key' supplied: " BAD_CHARS);
}

static void test_experiment_name(void **state)
{
    mlf_pool *pool = *state;
    mlf_error err = {0};
    assert_int_equal(mlf_validate_experiment_name(pool, "ok", &err), 0);
    assert_int_equal(mlf_validate_experiment_name(pool, "", &err), -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_string_equal(err.message, "Invalid experiment name: ''");
    assert_int_equal(mlf_validate_experiment_name(pool, NULL, &err), -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_string_equal(err.message, "Invalid experiment name: 'None'");
    char name[502];
    memset(name, 'x', sizeof(name));
    name[500] = '\0';
    assert_int_equal(mlf_validate_experiment_name(pool, name, &err), 0);
    name[500] = 'x';
    name[501] = '\0';
    assert_int_equal(mlf_validate_experiment_name(pool, name, &err), -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_string_equal(err.message, "'name' exceeds the maximum length of 500 characters");
    /* any characters are allowed in names */
    assert_int_equal(mlf_validate_experiment_name(pool, "a/../b #?;", &err), 0);
}

static void test_experiment_id(void **state)
{
    mlf_pool *pool = *state;
    mlf_error err = {0};
    assert_int_equal(mlf_validate_experiment_id(pool, NULL, &err), 0);
    assert_int_equal(mlf_validate_experiment_id(pool, "123", &err), 0);
    assert_int_equal(mlf_validate_experiment_id(pool, "a-b_c", &err), 0);
    assert_int_equal(mlf_validate_experiment_id(pool, "_a", &err), -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_string_equal(err.message, "Invalid experiment ID: '_a'");
    assert_int_equal(mlf_validate_experiment_id(pool, "", &err), -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_int_equal(mlf_validate_experiment_id(pool, "a b", &err), -MLF_ERR_INVALID_PARAMETER_VALUE);
    char id[70];
    memset(id, '1', sizeof(id));
    id[64] = '\0';
    assert_int_equal(mlf_validate_experiment_id(pool, id, &err), 0);
    id[64] = '1';
    id[65] = '\0';
    assert_int_equal(mlf_validate_experiment_id(pool, id, &err), -MLF_ERR_INVALID_PARAMETER_VALUE);
}

static void test_artifact_location_url(void **state)
{
    mlf_pool *pool = *state;
    mlf_error err = {0};
    const char *frag = "'artifact_location' URL can't include fragments or params.";
    assert_int_equal(mlf_validate_artifact_location_url(pool, NULL, &err), 0);
    assert_int_equal(mlf_validate_artifact_location_url(pool, "", &err), 0);
    assert_int_equal(mlf_validate_artifact_location_url(pool, "s3://b/p?x=1", &err), 0);
    assert_int_equal(mlf_validate_artifact_location_url(pool, "s3://b/p#frag", &err), -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_string_equal(err.message, frag);
    assert_int_equal(mlf_validate_artifact_location_url(pool, "http://h/p;x", &err), -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_string_equal(err.message, frag);
    /* s3 is not a params scheme for urllib */
    assert_int_equal(mlf_validate_artifact_location_url(pool, "s3://b/p;x", &err), 0);
    assert_int_equal(mlf_validate_artifact_location_url(pool, "/local/path;x", &err), -MLF_ERR_INVALID_PARAMETER_VALUE);
    const char *traversal[] = {"s3://b/p?x=..", "s3://b/p?x=%2e%2e", "s3://b/p?x=%252E%252E/etc"};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(mlf_validate_artifact_location_url(pool, traversal[i], &err),
                         -MLF_ERR_INVALID_PARAMETER_VALUE);
        assert_string_equal(err.message, "Invalid query string");
    }
    assert_int_equal(mlf_validate_artifact_location_url(pool, "http://[::1/x", &err), -MLF_ERR_INTERNAL_ERROR);
    assert_string_equal(err.message, "Invalid IPv6 URL");
}

static void test_artifact_location_length(void **state)
{
    mlf_pool *pool = *state;
    mlf_error err = {0};
    char loc[2100];
    memset(loc, 'a', sizeof(loc));
    loc[0] = '/';
    loc[2048] = '\0';
    unsetenv("MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH");
    assert_int_equal(mlf_validate_artifact_location_length(pool, loc, &err), 0);
    loc[2048] = 'a';
    loc[2049] = '\0';
    assert_int_equal(mlf_validate_artifact_location_length(pool, loc, &err), -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_string_equal(err.message, "Invalid artifact path length. The length of the artifact path cannot be greater "
                                     "than 2048 characters. To configure this limit, please set the "
                                     "MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH environment variable.");
    setenv("MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH", "4096", 1);
    assert_int_equal(mlf_validate_artifact_location_length(pool, loc, &err), 0);
    setenv("MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH", "10", 1);
    assert_int_equal(mlf_validate_artifact_location_length(pool, "/a/b/c/d/e/f", &err),
                     -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_non_null(strstr(err.message, "cannot be greater than 10 characters"));
    unsetenv("MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH");
}

static void test_max_results(void **state)
{
    mlf_pool *pool = *state;
    mlf_error err = {0};
    assert_int_equal(mlf_validate_max_results(pool, true, 1, 50000, &err), 0);
    assert_int_equal(mlf_validate_max_results(pool, true, 50000, 50000, &err), 0);
    assert_int_equal(mlf_validate_max_results(pool, false, 0, 50000, &err), -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_string_equal(err.message,
                        "Invalid value None for parameter 'max_results' supplied. It must be a positive integer");
    assert_int_equal(mlf_validate_max_results(pool, true, -5, 50000, &err), -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_string_equal(err.message,
                        "Invalid value -5 for parameter 'max_results' supplied. It must be a positive integer");
    assert_int_equal(mlf_validate_max_results(pool, true, 1000000, 50000, &err), -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_string_equal(err.message,
                        "Invalid value 1000000 for parameter 'max_results' supplied. It must be at most 50000");
}

static void test_pystr(void **state)
{
    mlf_pool *pool = *state;
    assert_string_equal(mlf_pystr_repr(pool, "abc"), "'abc'");
    assert_string_equal(mlf_pystr_repr(pool, "it's"), "\"it's\"");
    assert_string_equal(mlf_pystr_repr(pool, "a'b\"c"), "'a\\'b\"c'");
    assert_string_equal(mlf_pystr_repr(pool, "t\tn\nb\\\x01\x7f"), "'t\\tn\\nb\\\\\\x01\\x7f'");
    assert_string_equal(mlf_pystr_repr(pool, "\xc3\xa9\xc2\xa0"), "'\xc3\xa9\\xa0'");
    assert_string_equal(mlf_pystr_json_dumps(pool, "a\"\\\n\x01\xc3\xa9\xf0\x9f\x98\x80"),
                        "\"a\\\"\\\\\\n\\u0001\\u00e9\\ud83d\\ude00\"");
    assert_int_equal(mlf_pystr_len("\xc3\xa9t\xe6\x97\xa5\xf0\x9f\x98\x80"), 4);
    int64_t v;
    assert_int_equal(mlf_pystr_parse_int(" 42 ", &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(mlf_pystr_parse_int("-1_000", &v), 0);
    assert_int_equal(v, -1000);
    assert_int_equal(mlf_pystr_parse_int("007", &v), 0);
    assert_int_equal(v, 7);
    assert_int_equal(mlf_pystr_parse_int("9223372036854775807", &v), 0);
    assert_int_equal(mlf_pystr_parse_int("-9223372036854775808", &v), 0);
    assert_true(v == INT64_MIN);
    assert_int_equal(mlf_pystr_parse_int("9223372036854775808", &v), -2);
    const char *bad[] = {"", " ", "1_", "_1", "1__2", "1.0", "0x1", "+", "1 2", "１"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(mlf_pystr_parse_int(bad[i], &v), -1);
}

/* The merged tools follow Python 3.11 (checked against it for every code point), not glibc's classes. */
static void test_pystr_python_classes(void **state)
{
    mlf_pool *pool = *state;
    /* str.isprintable(): format characters and U+00AD are escaped by repr() */
    assert_string_equal(mlf_pystr_repr(pool, "a\xe2\x80\x8b\xc2\xad"), "'a\\u200b\\xad'");
    assert_string_equal(mlf_pystr_repr(pool, "\xf0\x9f\x98\x80"), "'\xf0\x9f\x98\x80'");
    /* length-aware, NUL kept; a byte that is not UTF-8 as surrogateescape shows it */
    assert_string_equal(mlf_pystr_repr_n(pool, "a\0b\xff", 4), "'a\\x00b\\udcff'");
    assert_string_equal(mlf_pystr_repr_bytes(pool, "it's\x80", 5), "b\"it's\\x80\"");
    assert_string_equal(mlf_pystr_repr_float(pool, 1e16), "1e+16");
    assert_string_equal(mlf_pystr_repr_float(pool, -0.0), "-0.0");
    /* json.dumps escapes DEL */
    assert_string_equal(mlf_pystr_json_dumps(pool, "\x7f"), "\"\\u007f\"");
    /* re \w: str.isalnum() takes U+00B2 (a digit), not U+0345 (a combining mark) */
    assert_true(mlf_pystr_is_word_char(0xB2));
    assert_false(mlf_pystr_is_word_char(0x345));
    assert_int_equal(mlf_pystr_digit_value(0x0663), 3);
    assert_int_equal(mlf_pystr_digit_value(0xB2), -1);
    uint32_t cp;
    assert_int_equal(mlf_pystr_utf8_next("\xc0\xaf", &cp), 1);
    assert_true(cp == MLF_TEXT_CP_INVALID);
}

static void test_pystr_json_repr(void **state)
{
    mlf_pool *pool = *state;
    mlf_json *v = NULL;
    const char *text = "{\"a\\u0000b\": [null, true, -0, 1.5e300, 10, \"x'\"], \"n\": [[1]]}";
    assert_int_equal(mlf_json_parse_ex(pool, text, strlen(text), MLF_JSON_LOADS, &v, NULL), 0);
    mlf_buf b;
    mlf_buf_init(&b, pool, 64);
    mlf_pystr_put_json_repr(pool, &b, v, 100);
    assert_string_equal(b.data, "{'a\\x00b': [None, True, 0, 1.5e+300, 10, \"x'\"], 'n': [[1]]}");
    /* a value nested deeper than the limit (depth 3 here: the 1) prints as "..." */
    mlf_buf_init(&b, pool, 64);
    mlf_pystr_put_json_repr(pool, &b, v, 2);
    assert_string_equal(b.data, "{'a\\x00b': [None, True, 0, 1.5e+300, 10, \"x'\"], 'n': [[...]]}");
}

static void test_uri_helpers(void **state)
{
    mlf_pool *pool = *state;
    mlf_error err = {0};
    char *out;
    static const struct {
        const char *root, *want;
    } append[] = {
        {"s3://bucket/path/to/root", "s3://bucket/path/to/root/7"},
        {"s3://bucket/path/to/root?creds=mycreds", "s3://bucket/path/to/root/7?creds=mycreds"},
        {"dbscheme+driver://root@host/dbname?creds=mycreds#myfragment",
         "dbscheme+driver://root@host/dbname/7?creds=mycreds#myfragment"},
        {"dbscheme+driver://root:password@hostname.com?creds=mycreds#myfragment",
         "dbscheme+driver://root:password@hostname.com/7?creds=mycreds#myfragment"},
        {"mlflow-artifacts:/", "mlflow-artifacts:/7"},
        {"mlflow-artifacts:", "mlflow-artifacts:7"},
        {"/abs/path/", "/abs/path/7"},
        {"file:///path/to/local/folder?param=value#fragment", "file:///path/to/local/folder/7?param=value#fragment"},
    };
    for (size_t i = 0; i < sizeof(append) / sizeof(append[0]); i++) {
        assert_int_equal(mlf_uri_append_path(pool, append[i].root, "7", &out, &err), 0);
        assert_string_equal(out, append[i].want);
    }
    assert_string_equal(mlf_path_normpath(pool, "//a//b/./c/.."), "//a/b");
    assert_string_equal(mlf_path_normpath(pool, "///a/../.."), "/");
    assert_string_equal(mlf_path_normpath(pool, "a/../../b"), "../b");
}

/* _validate_model_name / _validate_model_renaming / _validate_model_version (MLflow 3.18) */
static void test_model_registry_names(void **state)
{
    mlf_pool *pool = *state;
    mlf_error err = {0};
    assert_int_equal(mlf_validate_model_name(pool, "my model.v2-ü", &err), 0);
    assert_int_equal(mlf_validate_model_name(pool, " \t ", &err), -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_string_equal(err.message, "Missing value for required parameter 'name'.");
    assert_int_equal(mlf_validate_model_name(pool, "a/b", &err), -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_string_equal(err.message, "Invalid model name 'a/b'. Names cannot contain '/' or ':'.");
    assert_int_equal(mlf_validate_model_name(pool, "c:d", &err), -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_string_equal(err.message, "Invalid model name 'c:d'. Names cannot contain '/' or ':'.");
    assert_int_equal(mlf_validate_model_name(pool, "..", &err), -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_string_equal(err.message, "Invalid value \"..\" for parameter 'name' supplied: " BAD_PATH "'..'");
    assert_int_equal(mlf_validate_model_renaming(pool, "  ", &err), -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_string_equal(err.message, "Missing value for required parameter 'new_name'.");
    assert_int_equal(mlf_validate_model_renaming(pool, "x:y", &err), -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_string_equal(err.message, "Invalid model name 'x:y'. Names cannot contain '/' or ':'.");
    /* a version reads as int() reads it: the store gets the integer's text */
    static const struct {
        const char *in, *want;
    } versions[] = {{"3", "3"}, {" 3 ", "3"}, {"0_3", "3"}, {"+3", "3"}, {"\xd9\xa3", "3"}, {"-1", "-1"}};
    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        const char *v = NULL;
        assert_int_equal(mlf_validate_model_version(pool, versions[i].in, &v, &err), 0);
        assert_string_equal(v, versions[i].want);
    }
    assert_int_equal(mlf_validate_model_version(pool, "1.0", NULL, &err), -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_string_equal(err.message, "Parameter 'version' must be an integer, got '1.0'.");
}

/* _validate_artifact_uri_scheme: hosts other than the server's own artifact storage are refused */
static void test_uri_host(void **state)
{
    mlf_pool *pool = *state;
    mlf_error err = {0};
    const char *none[] = {NULL, "/srv/mlartifacts"};
    static const char *const ok[] = {"s3://bucket/x", "mlflow-artifacts:/1/x", "/local/x", "runs:/abc/m", "gs://b/c"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        assert_int_equal(mlf_validate_uri_host(pool, ok[i], "source", none, 2, &err), 0);
    assert_int_equal(mlf_validate_uri_host(pool, "https://h.example/x", "source", none, 2, &err),
                     -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_string_equal(err.message,
                        "'source' cannot use the 'https' scheme: the 'https' scheme addresses a host other than the "
                        "tracking server's configured artifact storage, so the server would connect to the host named "
                        "in the URI. Set the MLFLOW_ALLOWED_HOST_ADDRESSED_ARTIFACT_SCHEMES environment variable on "
                        "the server to allow it.");
    /* the host of a trusted root, by scheme family and effective port */
    const char *trusted[] = {"http://store.example:80/root", NULL};
    assert_int_equal(mlf_validate_uri_host(pool, "mlflow-artifacts://store.example/x", "source", trusted, 2, &err), 0);
    assert_int_equal(mlf_validate_uri_host(pool, "http://STORE.example/y", "source", trusted, 2, &err), 0);
    assert_int_equal(mlf_validate_uri_host(pool, "https://store.example/y", "source", trusted, 2, &err),
                     -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_int_equal(mlf_validate_uri_host(pool, "ftp://store.example/y", "f", trusted, 2, &err),
                     -MLF_ERR_INVALID_PARAMETER_VALUE);
    setenv("MLFLOW_ALLOWED_HOST_ADDRESSED_ARTIFACT_SCHEMES", " FTP , sftp", 1);
    assert_int_equal(mlf_validate_uri_host(pool, "ftp://store.example/y", "f", trusted, 2, &err), 0);
    unsetenv("MLFLOW_ALLOWED_HOST_ADDRESSED_ARTIFACT_SCHEMES");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tag_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_experiment_tag_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_experiment_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_experiment_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_artifact_location_url, setup, teardown),
        cmocka_unit_test_setup_teardown(test_artifact_location_length, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_results, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pystr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pystr_python_classes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pystr_json_repr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uri_helpers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_model_registry_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uri_host, setup, teardown),
    };
    return cmocka_run_group_tests_name("service/validate", tests, NULL, NULL);
}
