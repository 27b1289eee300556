/*
 * Page tokens: decoding table (the token, then the offset or MLflow's error
 * code and message) and encoding. The invalid tokens of MLflow's
 * test_search_utils.py are here, plus base64 and JSON corner cases, all
 * checked against SearchUtils.parse_start_offset_from_page_token (Python 3.11).
 * One deliberate difference: offsets beyond int64, which Python accepts and the
 * database then rejects, are an INTERNAL_ERROR here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "search/search.h"

typedef struct token_case {
    const char *token;
    int code; /* 0: success */
    long long offset;
    const char *message;
} token_case;

static const token_case cases[] = {
    {"", 0, 0LL, NULL},
    {"eyJvZmZzZXQiOiAxfQ==", 0, 1LL, NULL},
    {"eyJvZmZzZXQiOiAyfQ==", 0, 2LL, NULL},
    {"eyJvZmZzZXQiOiAxMjM0NTY3ODkwMX0=", 0, 12345678901LL, NULL},
    {"e30=", MLF_ERR_INVALID_PARAMETER_VALUE, 0, "Invalid page token, parsed value={}"},
    {"eyJvZmZzZXQiOiAiYSJ9", MLF_ERR_INVALID_PARAMETER_VALUE, 0, "Invalid page token, not stringable a"},
    {"eyJvZmZzb290IjogN30=", MLF_ERR_INVALID_PARAMETER_VALUE, 0, "Invalid page token, parsed value={'offsoot': 7}"},
    {"bm90IGpzb24=", MLF_ERR_INVALID_PARAMETER_VALUE, 0, "Invalid page token, decoded value=b'not json'"},
    {"not base64", MLF_ERR_INVALID_PARAMETER_VALUE, 0, "Invalid page token, could not base64-decode"},
    {"invalid_token", MLF_ERR_INVALID_PARAMETER_VALUE, 0, "Invalid page token, decoded value=b\"\\x8a{\\xda\\x96'm\\xa2G\\xa7\""},
    {"eyJvZmZzZXQiOiAwfQ==", MLF_ERR_INVALID_PARAMETER_VALUE, 0, "Invalid page token, parsed value={'offset': 0}"},
    {"eyJvZmZzZXQiOiBudWxsfQ==", MLF_ERR_INVALID_PARAMETER_VALUE, 0, "Invalid page token, parsed value={'offset': None}"},
    {"eyJvZmZzZXQiOiAiIn0=", MLF_ERR_INVALID_PARAMETER_VALUE, 0, "Invalid page token, parsed value={'offset': ''}"},
    {"eyJvZmZzZXQiOiBmYWxzZX0=", MLF_ERR_INVALID_PARAMETER_VALUE, 0, "Invalid page token, parsed value={'offset': False}"},
    {"eyJvZmZzZXQiOiB0cnVlfQ==", 0, 1LL, NULL},
    {"eyJvZmZzZXQiOiAyLjl9", 0, 2LL, NULL},
    {"eyJvZmZzZXQiOiAtMi45fQ==", 0, -2LL, NULL},
    {"eyJvZmZzZXQiOiAiMTIifQ==", 0, 12LL, NULL},
    {"eyJvZmZzZXQiOiAiIDEyXG4ifQ==", 0, 12LL, NULL},
    {"eyJvZmZzZXQiOiAiMV8wMDAifQ==", 0, 1000LL, NULL},
    {"eyJvZmZzZXQiOiAiKzcifQ==", 0, 7LL, NULL},
    {"eyJvZmZzZXQiOiAiMV9fMCJ9", MLF_ERR_INVALID_PARAMETER_VALUE, 0, "Invalid page token, not stringable 1__0"},
    {"eyJvZmZzZXQiOiAiMS41In0=", MLF_ERR_INVALID_PARAMETER_VALUE, 0, "Invalid page token, not stringable 1.5"},
    {"eyJvZmZzZXQiOiAiXHUwNjYzIn0=", 0, 3LL, NULL},
    {"eyJvZmZzZXQiOiAtNX0=", 0, -5LL, NULL},
    {"eyJvZmZzZXQiOiBbMV19", MLF_ERR_INTERNAL_ERROR, 0, "int() argument must be a string, a bytes-like object or a real number, not 'list'"},
    {"eyJvZmZzZXQiOiBbXX0=", MLF_ERR_INVALID_PARAMETER_VALUE, 0, "Invalid page token, parsed value={'offset': []}"},
    {"eyJvZmZzZXQiOiB7fX0=", MLF_ERR_INVALID_PARAMETER_VALUE, 0, "Invalid page token, parsed value={'offset': {}}"},
    {"WzEsIDJd", MLF_ERR_INTERNAL_ERROR, 0, "'list' object has no attribute 'get'"},
    {"InMi", MLF_ERR_INTERNAL_ERROR, 0, "'str' object has no attribute 'get'"},
    {"eyJvZmZzZXQiOiAxLCAib2Zmc2V0IjogMH0=", MLF_ERR_INVALID_PARAMETER_VALUE, 0, "Invalid page token, parsed value={'offset': 0}"},
    {"eyJvZmZzZXQiOiAwLCAib2Zmc2V0IjogM30=", 0, 3LL, NULL},
    {"eyJhIjogWzEsIDIuNSwgIngneSIsIG51bGwsIHRydWVdLCAib2Zmc2V0IjogMH0=", MLF_ERR_INVALID_PARAMETER_VALUE, 0, "Invalid page token, parsed value={'a': [1, 2.5, \"x'y\", None, True], 'offset': 0}"},
    {"eyJvZmZzZXQiOiBOYU59", MLF_ERR_INVALID_PARAMETER_VALUE, 0, "Invalid page token, not stringable nan"},
    {"eyJvZmZzZXQiOiBJbmZpbml0eX0=", MLF_ERR_INTERNAL_ERROR, 0, "cannot convert float infinity to integer"},
    {"eyJvZmZzZXQiOiAxZTJ9", 0, 100LL, NULL},
    {"eyJvZmZzZXQiOiAwLjB9", MLF_ERR_INVALID_PARAMETER_VALUE, 0, "Invalid page token, parsed value={'offset': 0.0}"},
    {"eyJvZmZzZXQiOiAtMH0=", MLF_ERR_INVALID_PARAMETER_VALUE, 0, "Invalid page token, parsed value={'offset': 0}"},
    {"77u/eyJvZmZzZXQiOiA0fQ==", 0, 4LL, NULL},
    {"eyJvZmZzZXQiOiA1fSB4", MLF_ERR_INVALID_PARAMETER_VALUE, 0, "Invalid page token, decoded value=b'{\"offset\": 5} x'"},
    {"eyJvZmZzZXQiOiA1LH0=", MLF_ERR_INVALID_PARAMETER_VALUE, 0, "Invalid page token, decoded value=b'{\"offset\": 5,}'"},
    {"eyJvZmZzZXQiOiAwNX0=", MLF_ERR_INVALID_PARAMETER_VALUE, 0, "Invalid page token, decoded value=b'{\"offset\": 05}'"},
    {"//4=", MLF_ERR_INVALID_PARAMETER_VALUE, 0, "Invalid page token, decoded value=b'\\xff\\xfe'"},
    {"eyJvZmZzZXQiOiAiXHUwMGU5In0=", MLF_ERR_INVALID_PARAMETER_VALUE, 0, "Invalid page token, not stringable é"},
    {"eyJvZmZzZXQiOiA5OTk5OTk5OTk5OTk5OTk5OTk5OX0=", MLF_ERR_INTERNAL_ERROR, 0, "page token offset out of range"},
    {"eyJvZmZzZXQiOiA5MjIzMzcyMDM2ODU0Nzc1ODA3fQ==", 0, 9223372036854775807LL, NULL},
    {"eyJvZmZzZXQiOiAtOTIyMzM3MjAzNjg1NDc3NTgwOH0=", 0, INT64_MIN, NULL},
    {"eyJvZmZzZXQiOiAxfQ", MLF_ERR_INVALID_PARAMETER_VALUE, 0, "Invalid page token, could not base64-decode"},
    {"eyJvZmZzZXQiOiAxfQ=", MLF_ERR_INVALID_PARAMETER_VALUE, 0, "Invalid page token, could not base64-decode"},
    {"eyJvZmZzZXQiOiAxfQ==", 0, 1LL, NULL},
    {"eyJvZmZz!ZXQiOiAxfQ==", 0, 1LL, NULL},
    {"eyJvZmZzZXQiOiAxfQ==garbage", 0, 1LL, NULL},
    {"e", MLF_ERR_INVALID_PARAMETER_VALUE, 0, "Invalid page token, could not base64-decode"},
    {"ey", MLF_ERR_INVALID_PARAMETER_VALUE, 0, "Invalid page token, could not base64-decode"},
    {"=", MLF_ERR_INVALID_PARAMETER_VALUE, 0, "Invalid page token, decoded value=b''"},
    {"====", MLF_ERR_INVALID_PARAMETER_VALUE, 0, "Invalid page token, decoded value=b''"},
    {"eyJvZmZzZXQiOiAxfQ==\n", 0, 1LL, NULL},
    {" eyJvZmZzZXQiOiAxfQ== ", 0, 1LL, NULL},
    {"eyJv\nZmZzZXQiOiAxfQ==", 0, 1LL, NULL},
    {"ZXl=Kv", MLF_ERR_INVALID_PARAMETER_VALUE, 0, "Invalid page token, decoded value=b'ey'"},
    {"tést", MLF_ERR_INTERNAL_ERROR, 0, "string argument should contain only ASCII characters"},
    {"//57ACIAbwBmAGYAcwBlAHQAIgA6ACAAMwB9AA==", 0, 3LL, NULL},
    {"ewAiAG8AZgBmAHMAZQB0ACIAOgAgADMAfQA=", 0, 3LL, NULL},
    {"//4AAHsAAAAiAAAAbwAAAGYAAABmAAAAcwAAAGUAAAB0AAAAIgAAADoAAAAgAAAAMwAAAH0AAAA=", 0, 3LL, NULL},
    {"eyJvZmZzZXQiOiAiwyJ9", MLF_ERR_INVALID_PARAMETER_VALUE, 0, "Invalid page token, decoded value=b'{\"offset\": \"\\xc3\"}'"},
    {"eyJvZmZzZXQiOgk3IH0=", 0, 7LL, NULL},
    {"eyJvZmZzZXQiOiAiXHVkODNkXHVkZTAwIn0=", MLF_ERR_INVALID_PARAMETER_VALUE, 0, "Invalid page token, not stringable 😀"},
    {"eyJvZmZzZXRcdTAwMDAiOiA3fQ==", MLF_ERR_INVALID_PARAMETER_VALUE, 0, "Invalid page token, parsed value={'offset\\x00': 7}"},
    {"eyJvZmZzZXQiOiAiXHVkODAwIn0=", MLF_ERR_INVALID_PARAMETER_VALUE, 0, "Invalid page token, not stringable \xed\xa0\x80"},
};

static void test_case(void **state)
{
    const token_case *tc = *state;
    mlf_pool *pool = mlf_pool_create();
    int64_t offset = -1;
    mlf_error err = {0};
    int rc = mlf_search_page_token_decode(pool, tc->token, &offset, &err);
    if (tc->code == 0) {
        if (rc != 0)
            fail_msg("token %s: unexpected error %s", tc->token, err.message);
        assert_int_equal(offset, tc->offset);
    } else {
        assert_int_equal(rc, -tc->code);
        assert_int_equal(err.code, tc->code);
        assert_string_equal(err.message, tc->message);
    }
    mlf_pool_destroy(pool);
}

static void test_null_token(void **state)
{
    (void)state;
    mlf_pool *pool = mlf_pool_create();
    int64_t offset = -1;
    mlf_error err = {0};
    assert_int_equal(mlf_search_page_token_decode(pool, NULL, &offset, &err), 0);
    assert_int_equal(offset, 0);
    mlf_pool_destroy(pool);
}

/* base64.b64encode(json.dumps({"offset": N})) */
static void test_encode(void **state)
{
    (void)state;
    static const struct {
        int64_t offset;
        const char *token;
    } enc[] = {
        {0, "eyJvZmZzZXQiOiAwfQ=="},
        {1, "eyJvZmZzZXQiOiAxfQ=="},
        {2, "eyJvZmZzZXQiOiAyfQ=="},
        {100, "eyJvZmZzZXQiOiAxMDB9"},
        {1000, "eyJvZmZzZXQiOiAxMDAwfQ=="},
        {-1, "eyJvZmZzZXQiOiAtMX0="},
        {INT64_MAX, "eyJvZmZzZXQiOiA5MjIzMzcyMDM2ODU0Nzc1ODA3fQ=="},
    };
    mlf_pool *pool = mlf_pool_create();
    for (size_t i = 0; i < sizeof(enc) / sizeof(enc[0]); i++) {
        char *token = mlf_search_page_token_encode(pool, enc[i].offset);
        assert_string_equal(token, enc[i].token);
        int64_t back = 0;
        mlf_error err = {0};
        if (enc[i].offset != 0) { /* {"offset": 0} reads back as an error, as in MLflow */
            assert_int_equal(mlf_search_page_token_decode(pool, token, &back, &err), 0);
            assert_int_equal(back, enc[i].offset);
        }
    }
    mlf_pool_destroy(pool);
}

int main(void)
{
    size_t n = sizeof(cases) / sizeof(cases[0]);
    struct CMUnitTest tests[sizeof(cases) / sizeof(cases[0]) + 2];
    static char names[sizeof(cases) / sizeof(cases[0])][80];
    for (size_t i = 0; i < n; i++) {
        snprintf(names[i], sizeof(names[i]), "token %zu: %s", i, cases[i].token);
        for (char *c = names[i]; *c; c++) /* one line per test in the report */
            if ((unsigned char)*c < 0x20)
                *c = '?';
        tests[i] = (struct CMUnitTest){names[i], test_case, NULL, NULL, (void *)&cases[i]};
    }
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_null_token);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_encode);
    return _cmocka_run_group_tests("search_page_token", tests, n, NULL, NULL);
}
