/*
 * Unit tests of src/json/json.c: the parser (valid and invalid documents,
 * UTF-8, escapes, depth, numbers) and the writers (strings, doubles as
 * Python's repr, compact and Python-style re-serialization).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "json/json.h"

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

static mlf_json *parse_n(mlf_pool *pool, const char *text, size_t len)
{
    mlf_json *v = NULL;
    mlf_error err = {0};
    int rc = mlf_json_parse(pool, text, len, &v, &err);
    if (rc != 0) {
        assert_int_equal(rc, -MLF_ERR_MALFORMED_REQUEST);
        assert_int_equal(err.code, MLF_ERR_MALFORMED_REQUEST);
        assert_non_null(err.message);
        return NULL;
    }
    assert_non_null(v);
    return v;
}

static mlf_json *parse(mlf_pool *pool, const char *text)
{
    return parse_n(pool, text, strlen(text));
}

/* v written compactly (mlf_json_write) */
static const char *compact(mlf_pool *pool, const mlf_json *v)
{
    mlf_buf b;
    mlf_buf_init(&b, pool, 16);
    mlf_json_write(&b, v);
    return b.data;
}

/* v written as Python's json.dumps(sort_keys=True, separators=(",", ":")) */
static const char *py(mlf_pool *pool, const mlf_json *v)
{
    mlf_buf b;
    mlf_buf_init(&b, pool, 16);
    mlf_json_write_python(&b, v);
    return b.data;
}

static const char *dbl(mlf_pool *pool, double d)
{
    mlf_buf b;
    mlf_buf_init(&b, pool, 16);
    mlf_json_write_double(&b, d);
    return b.data;
}

/* ------------------------------------------------------------------ parser */

static void test_parse_scalars(void **state)
{
    mlf_pool *pool = *state;
    mlf_json *v = parse(pool, "null");
    assert_int_equal(v->type, MLF_JSON_NULL);
    v = parse(pool, " true ");
    assert_int_equal(v->type, MLF_JSON_BOOL);
    assert_true(v->boolean);
    v = parse(pool, "\t\r\nfalse\n");
    assert_int_equal(v->type, MLF_JSON_BOOL);
    assert_false(v->boolean);
    v = parse(pool, "\"abc\"");
    assert_int_equal(v->type, MLF_JSON_STRING);
    assert_string_equal(v->text, "abc");
    assert_int_equal(v->len, 3);
    v = parse(pool, "\"\"");
    assert_int_equal(v->type, MLF_JSON_STRING);
    assert_int_equal(v->len, 0);
    assert_string_equal(v->text, "");
}

static void test_parse_containers(void **state)
{
    mlf_pool *pool = *state;
    mlf_json *v = parse(pool, "{\"a\": [1, {\"b\": null}, []], \"c\": {}, \"d\": \"x\"}");
    assert_int_equal(v->type, MLF_JSON_OBJECT);
    assert_int_equal(v->n, 3);
    assert_string_equal(v->keys[0], "a");
    assert_string_equal(v->keys[1], "c");
    assert_string_equal(v->keys[2], "d");
    const mlf_json *a = mlf_json_get(v, "a");
    assert_int_equal(a->type, MLF_JSON_ARRAY);
    assert_int_equal(a->n, 3);
    assert_int_equal(a->items[0]->type, MLF_JSON_NUMBER);
    assert_int_equal(a->items[1]->type, MLF_JSON_OBJECT);
    assert_int_equal(mlf_json_get(a->items[1], "b")->type, MLF_JSON_NULL);
    assert_int_equal(a->items[2]->type, MLF_JSON_ARRAY);
    assert_int_equal(a->items[2]->n, 0);
    assert_int_equal(mlf_json_get(v, "c")->n, 0);
    assert_null(mlf_json_get(v, "zz"));
    assert_null(mlf_json_get(a, "a"));
    assert_null(mlf_json_get(NULL, "a"));
    assert_string_equal(compact(pool, v), "{\"a\":[1,{\"b\":null},[]],\"c\":{},\"d\":\"x\"}");
}

static void test_parse_duplicate_keys(void **state)
{
    mlf_pool *pool = *state;
    /* Python's dict: the key keeps its first position and takes the last value */
    mlf_json *v = parse(pool, "{\"a\": 1, \"b\": 2, \"a\": 3, \"c\": 4, \"a\": 5}");
    assert_int_equal(v->n, 3);
    assert_string_equal(v->keys[0], "a");
    assert_string_equal(mlf_json_get(v, "a")->text, "5");
    assert_string_equal(compact(pool, v), "{\"a\":5,\"b\":2,\"c\":4}");

    /* large objects take the sorting path */
    mlf_buf b;
    mlf_buf_init(&b, pool, 256);
    mlf_buf_putc(&b, '{');
    for (int i = 0; i < 100; i++)
        mlf_buf_printf(&b, "%s\"k%d\": %d", i ? ", " : "", i % 40, i);
    mlf_buf_putc(&b, '}');
    v = parse(pool, b.data);
    assert_int_equal(v->n, 40);
    for (int k = 0; k < 40; k++) {
        char key[16];
        snprintf(key, sizeof(key), "k%d", k);
        assert_string_equal(v->keys[k], key);
        char want[16];
        snprintf(want, sizeof(want), "%d", k >= 20 ? 40 + k : 80 + k);
        assert_string_equal(mlf_json_get(v, key)->text, want);
    }
}

static void test_parse_numbers(void **state)
{
    mlf_pool *pool = *state;
    static const struct {
        const char *text;
        double value;
        bool is_int;
    } cases[] = {
        {"0", 0, true},
        {"-0", 0, true},
        {"12", 12, true},
        {"-12", -12, true},
        {"1.5", 1.5, false},
        {"-0.0", -0.0, false},
        {"1e3", 1000, false},
        {"1E+3", 1000, false},
        {"2.5e-3", 0.0025, false},
        {"123456789012345", 123456789012345.0, true},
        {"9007199254740993", 9007199254740992.0, true},
        {"12345678901234567890123", 1.2345678901234568e22, true},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        mlf_json *v = parse(pool, cases[i].text);
        assert_int_equal(v->type, MLF_JSON_NUMBER);
        assert_string_equal(v->text, cases[i].text);
        assert_int_equal(v->len, strlen(cases[i].text));
        assert_true(v->number == cases[i].value);
        assert_int_equal(mlf_json_is_int(v), cases[i].is_int);
        assert_string_equal(mlf_json_py_type(v), cases[i].is_int ? "int" : "float");
    }
    assert_false(signbit(parse(pool, "-0")->number)); /* Python's int has no -0 */
    assert_true(signbit(parse(pool, "-0.0")->number));
    assert_true(isinf(parse(pool, "1e400")->number));
    assert_true(parse(pool, "-1e400")->number < 0);
    assert_true(parse(pool, "1e-400")->number == 0);
}

static void test_parse_nan_tokens(void **state)
{
    mlf_pool *pool = *state;
    mlf_json *v = parse(pool, "[NaN, Infinity, -Infinity]");
    assert_int_equal(v->n, 3);
    assert_true(isnan(v->items[0]->number));
    assert_string_equal(v->items[0]->text, "NaN");
    assert_true(isinf(v->items[1]->number) && v->items[1]->number > 0);
    assert_string_equal(v->items[1]->text, "Infinity");
    assert_true(isinf(v->items[2]->number) && v->items[2]->number < 0);
    assert_string_equal(v->items[2]->text, "-Infinity");
    assert_false(mlf_json_is_int(v->items[0]));
    assert_string_equal(mlf_json_py_type(v->items[1]), "float");
    assert_string_equal(compact(pool, v), "[NaN,Infinity,-Infinity]");
    assert_string_equal(py(pool, v), "[NaN,Infinity,-Infinity]");
}

static void test_parse_invalid(void **state)
{
    mlf_pool *pool = *state;
    static const char *const bad[] = {
        "",
        " ",
        "[",
        "{",
        "]",
        "[1,]",
        "{\"a\":1,}",
        "[1 2]",
        "{\"a\" 1}",
        "{1: 2}",
        "{'a': 1}",
        "{\"a\"}",
        "01",
        "1.",
        ".5",
        "+1",
        "-",
        "1e",
        "1e+",
        "--1",
        "tru",
        "nul",
        "True",
        "nan",
        "NAN",
        "infinity",
        "-NaN",
        "\"abc",
        "\"\\x\"",
        "\"\\u12g4\"",
        "\"\\u12\"",
        "\"\\",
        "1 2",
        "[] x",
        "{}{}",
        "\"a\"\"b\"",
        "[\"\\ud800\"]",
        "\x01",
        "'a'",
        "[,1]",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        mlf_json *v = NULL;
        mlf_error err = {0};
        int rc = mlf_json_parse(pool, bad[i], strlen(bad[i]), &v, &err);
        if (rc == 0)
            fail_msg("accepted invalid document #%zu: %s", i, bad[i]);
        assert_int_equal(rc, -MLF_ERR_MALFORMED_REQUEST);
        assert_int_equal(err.code, MLF_ERR_MALFORMED_REQUEST);
        assert_null(v);
    }
    /* NULL err is allowed */
    mlf_json *v = NULL;
    assert_int_equal(mlf_json_parse(pool, "[", 1, &v, NULL), -MLF_ERR_MALFORMED_REQUEST);
}

static void test_parse_error_message(void **state)
{
    mlf_pool *pool = *state;
    mlf_json *v;
    mlf_error err = {0};
    assert_int_equal(mlf_json_parse(pool, "{\"a\": 1,\n \"b\" 2}", 16, &v, &err), -MLF_ERR_MALFORMED_REQUEST);
    assert_string_equal(err.message, "Malformed JSON: Expecting ':' delimiter: line 2 column 6 (char 14)");
    assert_int_equal(mlf_json_parse(pool, "\"\xc3\xa9\x01\"", 5, &v, &err), -MLF_ERR_MALFORMED_REQUEST);
    /* columns count characters, not bytes */
    assert_string_equal(err.message, "Malformed JSON: Invalid control character at: line 1 column 3 (char 2)");
    assert_int_equal(mlf_json_parse(pool, "[1] 2", 5, &v, &err), -MLF_ERR_MALFORMED_REQUEST);
    assert_string_equal(err.message, "Malformed JSON: Extra data: line 1 column 5 (char 4)");
}

static void test_parse_escapes(void **state)
{
    mlf_pool *pool = *state;
    mlf_json *v = parse(pool, "\"a\\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti\"");
    assert_string_equal(v->text, "a\"b\\c/d\be\ff\ng\rh\ti");
    v = parse(pool, "\"\\u00e9\\u00E9\\u20ac\"");
    assert_string_equal(v->text, "\xc3\xa9\xc3\xa9\xe2\x82\xac");
    v = parse(pool, "\"\\ud83d\\ude00x\"");
    assert_string_equal(v->text, "\xf0\x9f\x98\x80x");
    assert_int_equal(v->len, 5);
    v = parse(pool, "\"\\uDBFF\\uDFFF\"");
    assert_string_equal(v->text, "\xf4\x8f\xbf\xbf");
    /* U+0000 is kept in values (len tells) */
    v = parse(pool, "\"a\\u0000b\"");
    assert_int_equal(v->len, 3);
    assert_memory_equal(v->text, "a\0b", 4);
    /* unpaired surrogates */
    assert_null(parse(pool, "\"\\ud800\""));
    assert_null(parse(pool, "\"\\udc00\""));
    assert_null(parse(pool, "\"\\ud800x\""));
    assert_null(parse(pool, "\"\\ud800\\u0041\""));
    assert_null(parse(pool, "\"\\ud800\\ud800\""));
    assert_null(parse(pool, "\"\\ude00\\ud83d\""));
    /* but keys may not hold U+0000 */
    assert_null(parse(pool, "{\"a\\u0000b\": 1}"));
    assert_non_null(parse(pool, "{\"a\": \"\\u0000\"}"));
}

static void test_parse_utf8(void **state)
{
    mlf_pool *pool = *state;
    static const char *const good[] = {
        "\"\xc2\x80\"",         /* U+0080 */
        "\"\xdf\xbf\"",         /* U+07FF */
        "\"\xe0\xa0\x80\"",     /* U+0800 */
        "\"\xed\x9f\xbf\"",     /* U+D7FF */
        "\"\xee\x80\x80\"",     /* U+E000 */
        "\"\xef\xbf\xbf\"",     /* U+FFFF */
        "\"\xf0\x90\x80\x80\"", /* U+10000 */
        "\"\xf4\x8f\xbf\xbf\"", /* U+10FFFF */
        "\"\x7f\"",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        mlf_json *v = parse(pool, good[i]);
        if (v == NULL)
            fail_msg("rejected valid UTF-8 #%zu", i);
        assert_int_equal(v->len, strlen(good[i]) - 2);
    }
    static const char *const bad[] = {
        "\"\x80\"",             /* continuation without lead */
        "\"\xbf\"",             /* continuation without lead */
        "\"\xc0\x80\"",         /* overlong U+0000 */
        "\"\xc1\xbf\"",         /* overlong */
        "\"\xe0\x80\x80\"",     /* overlong 3-byte */
        "\"\xe0\x9f\xbf\"",     /* overlong 3-byte */
        "\"\xf0\x80\x80\x80\"", /* overlong 4-byte */
        "\"\xf0\x8f\xbf\xbf\"", /* overlong 4-byte */
        "\"\xed\xa0\x80\"",     /* U+D800 encoded */
        "\"\xed\xbf\xbf\"",     /* U+DFFF encoded */
        "\"\xf4\x90\x80\x80\"", /* U+110000 */
        "\"\xf5\x80\x80\x80\"", /* lead beyond F4 */
        "\"\xff\"",
        "\"\xfe\"",
        "\"\xe2\x82\"",  /* truncated */
        "\"\xe2\x82x\"", /* truncated */
        "\"\xf0\x9f\x98\"",
        "\"\xc3\"",
        "\xc3\xa9", /* outside a string */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (parse(pool, bad[i]) != NULL)
            fail_msg("accepted invalid UTF-8 #%zu", i);
    /* a truncated buffer in the middle of a sequence */
    assert_null(parse_n(pool, "\"\xe2\x82\xac\"", 3));
}

static void test_parse_bom(void **state)
{
    mlf_pool *pool = *state;
    mlf_json *v = parse(pool, "\xef\xbb\xbf{\"a\": 1}");
    assert_non_null(v);
    assert_int_equal(v->type, MLF_JSON_OBJECT);
    assert_null(parse(pool, "{\"a\": 1}\xef\xbb\xbf"));
    assert_null(parse(pool, "\xef\xbb\xbf"));
}

static mlf_json *loads_n(mlf_pool *pool, const char *text, size_t len)
{
    mlf_json *v = NULL;
    return mlf_json_parse_ex(pool, text, len, MLF_JSON_LOADS, &v, NULL) == 0 ? v : NULL;
}

static mlf_json *loads(mlf_pool *pool, const char *text)
{
    return loads_n(pool, text, strlen(text));
}

/* MLF_JSON_LOADS: what json.loads(bytes) takes that the strict reader refuses */
static void test_parse_loads(void **state)
{
    mlf_pool *pool = *state;
    /* lone surrogates are kept (three-byte form); pairs still combine */
    mlf_json *v = loads(pool, "\"\\ud800x\\udc00\"");
    assert_non_null(v);
    assert_int_equal(v->len, 7);
    assert_memory_equal(v->text, "\xed\xa0\x80x\xed\xb0\x80", 7);
    v = loads(pool, "\"\\ud83d\\ude00\"");
    assert_non_null(v);
    assert_string_equal(v->text, "\xf0\x9f\x98\x80");
    assert_null(parse(pool, "\"\\ud800\""));
    /* an encoded surrogate ('surrogatepass') */
    assert_non_null(loads(pool, "\"\xed\xa0\x80\""));
    assert_null(loads(pool, "\"\xc3\""));
    /* keys holding U+0000, with their lengths */
    v = loads(pool, "{\"a\\u0000b\": 1, \"c\": 2}");
    assert_non_null(v);
    assert_int_equal(v->n, 2);
    assert_non_null(v->key_lens);
    assert_int_equal(v->key_lens[0], 3);
    assert_memory_equal(v->keys[0], "a\0b", 3);
    assert_int_equal(v->key_lens[1], 1);
    assert_null(parse(pool, "{\"a\\u0000b\": 1}"));
    /* repeated keys: first position, last value */
    v = loads(pool, "{\"k\": 1, \"j\": 2, \"k\": 3}");
    assert_int_equal(v->n, 2);
    assert_string_equal(v->keys[0], "k");
    assert_string_equal(v->items[0]->text, "3");
    /* an int -0 is 0; NaN, Infinity and big ints as the strict reader reads them */
    assert_string_equal(loads(pool, "-0")->text, "0");
    assert_string_equal(loads(pool, "-0.0")->text, "-0.0");
    assert_true(isnan(loads(pool, "NaN")->number));
    assert_true(isinf(loads(pool, "-Infinity")->number));
    assert_string_equal(loads(pool, "123456789012345678901234567890")->text, "123456789012345678901234567890");
    /* UTF-16 and UTF-32, with and without a BOM; odd lengths are refused */
    v = loads_n(pool, "\xff\xfe{\0\"\0a\0\"\0:\0" "1\0}\0", 16);
    assert_non_null(v);
    assert_string_equal(mlf_json_get(v, "a")->text, "1");
    v = loads_n(pool, "\0[\0" "1\0]", 6);
    assert_non_null(v);
    assert_int_equal(v->type, MLF_JSON_ARRAY);
    v = loads_n(pool, "\"\0\0\0\xe9\0\0\0\"\0\0\0", 12);
    assert_non_null(v);
    assert_string_equal(v->text, "\xc3\xa9");
    assert_null(loads_n(pool, "\0[\0" "1\0", 5));
    /* a UTF-8 BOM is skipped */
    assert_non_null(loads(pool, "\xef\xbb\xbf[]"));
    /* nesting to Python's recursion limit, a scalar counting one level */
    char *doc = mlf_pool_alloc(pool, 2 * MLF_JSON_LOADS_MAX_DEPTH + 2);
    size_t n = 0;
    for (int i = 0; i < MLF_JSON_LOADS_MAX_DEPTH; i++)
        doc[n++] = '[';
    for (int i = 0; i < MLF_JSON_LOADS_MAX_DEPTH; i++)
        doc[n++] = ']';
    assert_non_null(loads_n(pool, doc, n));
    memmove(doc + MLF_JSON_LOADS_MAX_DEPTH + 1, doc + MLF_JSON_LOADS_MAX_DEPTH, MLF_JSON_LOADS_MAX_DEPTH);
    doc[MLF_JSON_LOADS_MAX_DEPTH] = '1';
    assert_null(loads_n(pool, doc, n + 1));
    assert_non_null(loads_n(pool, doc + 1, n - 1));
    assert_null(parse_n(pool, doc + 1, n - 1));
}

static void test_parse_depth(void **state)
{
    mlf_pool *pool = *state;
    char doc[512];
    size_t n = 0;
    for (int i = 0; i < MLF_JSON_MAX_DEPTH; i++)
        doc[n++] = '[';
    for (int i = 0; i < MLF_JSON_MAX_DEPTH; i++)
        doc[n++] = ']';
    assert_non_null(parse_n(pool, doc, n));

    n = 0;
    for (int i = 0; i <= MLF_JSON_MAX_DEPTH; i++)
        doc[n++] = '[';
    for (int i = 0; i <= MLF_JSON_MAX_DEPTH; i++)
        doc[n++] = ']';
    mlf_json *v;
    mlf_error err = {0};
    assert_int_equal(mlf_json_parse(pool, doc, n, &v, &err), -MLF_ERR_MALFORMED_REQUEST);
    assert_non_null(strstr(err.message, "nesting depth"));

    /* objects count too */
    mlf_buf b;
    mlf_buf_init(&b, pool, 1024);
    for (int i = 0; i <= MLF_JSON_MAX_DEPTH; i++)
        mlf_buf_puts(&b, "{\"a\":");
    mlf_buf_putc(&b, '1');
    for (int i = 0; i <= MLF_JSON_MAX_DEPTH; i++)
        mlf_buf_putc(&b, '}');
    assert_null(parse(pool, b.data));

    /* a hostile document far deeper than the limit fails fast, without deep recursion */
    mlf_buf_init(&b, pool, 1 << 20);
    for (int i = 0; i < 500000; i++)
        mlf_buf_putc(&b, '[');
    assert_null(parse_n(pool, b.data, b.len));
}

static void test_parse_large(void **state)
{
    mlf_pool *pool = *state;
    mlf_buf b;
    mlf_buf_init(&b, pool, 1 << 20);
    mlf_buf_putc(&b, '[');
    for (int i = 0; i < 100000; i++)
        mlf_buf_printf(&b, "%s{\"key\": \"value %d\", \"n\": %d.5}", i ? "," : "", i, i);
    mlf_buf_putc(&b, ']');
    mlf_json *v = parse_n(pool, b.data, b.len);
    assert_non_null(v);
    assert_int_equal(v->n, 100000);
    assert_string_equal(mlf_json_get(v->items[99999], "key")->text, "value 99999");
    assert_true(mlf_json_get(v->items[7], "n")->number == 7.5);
}

/* ------------------------------------------------------------------ writer */

static void test_write_string(void **state)
{
    mlf_pool *pool = *state;
    mlf_buf b;
    mlf_buf_init(&b, pool, 16);
    const char s[] = "a\"b\\c\n\r\t\b\f\x01\x1f\x7f/\xc3\xa9\xf0\x9f\x98\x80";
    mlf_json_write_string(&b, s, sizeof(s) - 1);
    assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f\x7f/\xc3\xa9\xf0\x9f\x98\x80\"");

    mlf_buf_init(&b, pool, 16);
    mlf_json_write_string_ascii(&b, s, sizeof(s) - 1);
    assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f\\u007f/\\u00e9\\ud83d\\ude00\"");

    /* U+0000 inside (len given) */
    mlf_buf_init(&b, pool, 16);
    mlf_json_write_string(&b, "a\0b", 3);
    assert_string_equal(b.data, "\"a\\u0000b\"");

    /* bytes that are not UTF-8 (stored data) become U+FFFD */
    mlf_buf_init(&b, pool, 16);
    mlf_json_write_string(&b, "x\xffy\xe2\x82z\xc3", 7);
    assert_string_equal(b.data, "\"x\xef\xbf\xbdy\xef\xbf\xbdz\xef\xbf\xbd\"");
    mlf_buf_init(&b, pool, 16);
    mlf_json_write_string_ascii(&b, "\xed\xa0\x80", 3);
    assert_string_equal(b.data, "\"\\ufffd\\ufffd\\ufffd\"");

    mlf_buf_init(&b, pool, 16);
    mlf_json_write_string(&b, "", 0);
    assert_string_equal(b.data, "\"\"");
}

static void test_write_string_roundtrip(void **state)
{
    mlf_pool *pool = *state;
    /* every code point class survives writer -> parser, in both modes */
    char s[64];
    size_t n = 0;
    for (int c = 1; c < 0x80; c++)
        if (n < 40)
            s[n++] = (char)(c % 0x7f + 1);
    memcpy(s + n, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9);
    n += 9;
    for (int ascii = 0; ascii < 2; ascii++) {
        mlf_buf b;
        mlf_buf_init(&b, pool, 16);
        if (ascii)
            mlf_json_write_string_ascii(&b, s, n);
        else
            mlf_json_write_string(&b, s, n);
        mlf_json *v = parse_n(pool, b.data, b.len);
        assert_non_null(v);
        assert_int_equal(v->len, n);
        assert_memory_equal(v->text, s, n);
    }
}

static void test_write_double(void **state)
{
    mlf_pool *pool = *state;
    static const struct {
        double d;
        const char *repr;
    } cases[] = {
        {0.0, "0.0"},
        {-0.0, "-0.0"},
        {1.0, "1.0"},
        {3.0, "3.0"},
        {-2.0, "-2.0"},
        {0.1, "0.1"},
        {1.5, "1.5"},
        {1.0 / 3.0, "0.3333333333333333"},
        {2.0 / 3.0, "0.6666666666666666"},
        {100.0, "100.0"},
        {123456789012345.0, "123456789012345.0"},
        {1e15, "1000000000000000.0"},
        {9999999999999998.0, "9999999999999998.0"},
        {1e16, "1e+16"},
        {1e20, "1e+20"},
        {1.5e16, "1.5e+16"},
        {1e22, "1e+22"},
        {1e23, "1e+23"},
        {1e100, "1e+100"},
        {0.0001, "0.0001"},
        {0.00012345, "0.00012345"},
        {1e-5, "1e-05"},
        {1.5e-7, "1.5e-07"},
        {1e-100, "1e-100"},
        {5e-324, "5e-324"},
        {2.2250738585072014e-308, "2.2250738585072014e-308"},
        {1.7976931348623157e308, "1.7976931348623157e+308"},
        {9007199254740993.0, "9007199254740992.0"},
        {0.30000000000000004, "0.30000000000000004"},
        {1234.5678, "1234.5678"},
        {-1e-7, "-1e-07"},
        {5e-5, "5e-05"},
        {1.7e-3, "0.0017"},
        {4.35, "4.35"},
        {2.5e-5, "2.5e-05"},
        {1152921504606846976.0, "1.152921504606847e+18"}, /* 2**60 */
        {9.5367431640625e-07, "9.5367431640625e-07"},     /* 2**-20 */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_string_equal(dbl(pool, cases[i].d), cases[i].repr);
    assert_string_equal(dbl(pool, NAN), "NaN");
    assert_string_equal(dbl(pool, INFINITY), "Infinity");
    assert_string_equal(dbl(pool, -INFINITY), "-Infinity");
}

static void test_write_double_roundtrip(void **state)
{
    mlf_pool *pool = *state;
    /* every written double reads back exactly */
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double d;
        memcpy(&d, &x, sizeof(d));
        if (!isfinite(d))
            continue;
        const char *s = dbl(pool, d);
        mlf_json *v = parse(pool, s);
        assert_non_null(v);
        assert_memory_equal(&v->number, &d, sizeof(d));
        mlf_pool_reset(pool);
    }
}

static void test_write_compact(void **state)
{
    mlf_pool *pool = *state;
    const char *doc = "{\"b\":[1,2.50,-0,1E3,true,false,null,\"\xc3\xa9\\n\"],\"a\":{},\"c\":[],\"n\":NaN}";
    mlf_json *v = parse(pool, doc);
    /* numbers keep their literal text, keys their order, non-ASCII stays UTF-8 */
    assert_string_equal(compact(pool, v), doc);
    mlf_json *v2 = parse(pool, compact(pool, v));
    assert_string_equal(compact(pool, v2), doc);
}

/* json.dumps(v) with its defaults, sorted keys or not (evaluation datasets' input hash and stored columns) */
static void test_write_dumps(void **state)
{
    mlf_pool *pool = *state;
    mlf_json *v = parse(pool, "{\"z\": [1, 2.50, 1E3, true, null], \"a\": {\"\xc3\xa9\": \"\xe2\x98\x83\", \"b\": -0}}");
    mlf_buf b;
    mlf_buf_init(&b, pool, 64);
    mlf_json_write_dumps(&b, v, 0);
    assert_string_equal(b.data, "{\"z\": [1, 2.5, 1000.0, true, null], \"a\": {\"\\u00e9\": \"\\u2603\", \"b\": 0}}");
    mlf_buf_init(&b, pool, 64);
    mlf_json_write_dumps(&b, v, MLF_JSON_DUMPS_SORT_KEYS);
    assert_string_equal(b.data, "{\"a\": {\"b\": 0, \"\\u00e9\": \"\\u2603\"}, \"z\": [1, 2.5, 1000.0, true, null]}");
    mlf_buf_init(&b, pool, 8);
    mlf_json_write_dumps(&b, parse(pool, "{}"), MLF_JSON_DUMPS_SORT_KEYS);
    assert_string_equal(b.data, "{}");
}

static void test_write_python(void **state)
{
    mlf_pool *pool = *state;
    mlf_json *v =
        parse(pool, "{\"b\": [1, 2.50, -0, 1E3, 1e16, true, null], \"a\": \"\xc3\xa9\\u0001\", \"B\": {\"y\": 1, "
                    "\"x\": Infinity}, \"\xc3\xa9\": 0, \"\": -0.0}");
    /* json.dumps(v, sort_keys=True, separators=(",", ":")) of what json.loads gives */
    assert_string_equal(py(pool, v),
                        "{\"\":-0.0,\"B\":{\"x\":Infinity,\"y\":1},\"a\":\"\\u00e9\\u0001\",\"b\":[1,2.5,0,"
                        "1000.0,1e+16,true,null],\"\\u00e9\":0}");
    assert_string_equal(py(pool, parse(pool, "\"abc\"")), "\"abc\"");
    assert_string_equal(py(pool, parse(pool, "123")), "123");
    assert_string_equal(py(pool, parse(pool, "12345678901234567890123")), "12345678901234567890123");
    assert_string_equal(py(pool, parse(pool, "[1, 2]")), "[1,2]");
    assert_string_equal(py(pool, parse(pool, "{}")), "{}");
    assert_string_equal(py(pool, parse(pool, "NaN")), "NaN");
    assert_string_equal(py(pool, parse(pool, "\"\\ud83d\\ude00\"")), "\"\\ud83d\\ude00\"");
}

/* json.dumps(json.loads(text)) with Python's defaults: keys in order, ", " and ": ", ASCII escapes */
static void test_write_dumps_defaults(void **state)
{
    mlf_pool *pool = *state;
    mlf_json *v =
        parse(pool, "{\"b\":[1,2.50,-0,1E3,true,null],\"a\":\"\xc3\xa9\",\"B\":{\"y\":1,\"x\":{}},\"b\":[]}");
    mlf_buf b;
    mlf_buf_init(&b, pool, 16);
    mlf_json_write_dumps(&b, v, 0);
    /* a repeated key keeps its first place and takes the last value, as a dict does */
    assert_string_equal(b.data, "{\"b\": [], \"a\": \"\\u00e9\", \"B\": {\"y\": 1, \"x\": {}}}");
    mlf_buf_init(&b, pool, 16);
    mlf_json_write_dumps(&b, parse(pool, "[1, 2.50, -0, 1E3, \"x\", [], {\"k\": null}]"), 0);
    assert_string_equal(b.data, "[1, 2.5, 0, 1000.0, \"x\", [], {\"k\": null}]");
}

static void test_py_type(void **state)
{
    mlf_pool *pool = *state;
    assert_string_equal(mlf_json_py_type(parse(pool, "null")), "NoneType");
    assert_string_equal(mlf_json_py_type(parse(pool, "true")), "bool");
    assert_string_equal(mlf_json_py_type(parse(pool, "1")), "int");
    assert_string_equal(mlf_json_py_type(parse(pool, "1.0")), "float");
    assert_string_equal(mlf_json_py_type(parse(pool, "1e2")), "float");
    assert_string_equal(mlf_json_py_type(parse(pool, "\"1\"")), "str");
    assert_string_equal(mlf_json_py_type(parse(pool, "[]")), "list");
    assert_string_equal(mlf_json_py_type(parse(pool, "{}")), "dict");
    assert_string_equal(mlf_json_py_type(NULL), "NoneType");
    assert_false(mlf_json_is_int(parse(pool, "\"1\"")));
    assert_false(mlf_json_is_int(NULL));
}

static void test_write_built_trees(void **state)
{
    mlf_pool *pool = *state;
    /* trees built by code: numbers without text, and nesting beyond any parser limit */
    mlf_json num = {.type = MLF_JSON_NUMBER, .number = 2.0};
    assert_string_equal(compact(pool, &num), "2.0");
    assert_string_equal(py(pool, &num), "2.0");
    mlf_json *chain = MLF_NEW(pool, mlf_json);
    chain->type = MLF_JSON_NULL;
    for (int i = 0; i < 2000; i++) {
        mlf_json *a = MLF_NEW(pool, mlf_json);
        a->type = MLF_JSON_ARRAY;
        a->items = MLF_NEW_ARRAY(pool, mlf_json *, 1);
        a->items[0] = chain;
        a->n = 1;
        chain = a;
    }
    const char *out = compact(pool, chain);
    assert_int_equal(out[0], '[');
    assert_non_null(strstr(out, "null"));
    assert_non_null(py(pool, chain));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_parse_scalars, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_containers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_duplicate_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_numbers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_nan_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_error_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_escapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_utf8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_bom, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_loads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_depth, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_large, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_string, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_string_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_double, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_double_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_compact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_dumps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_python, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_dumps_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_py_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_built_trees, setup, teardown),
    };
    return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
