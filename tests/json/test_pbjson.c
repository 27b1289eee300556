/*
 * Unit tests of src/json/pbjson.c against the test-only messages of
 * tests/json/test_messages.proto (proto2) and test_messages3.proto (proto3).
 * Expected outputs are what MLflow's message_to_json / ParseDict give for the
 * same messages (checked against Python's protobuf when they were written).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "json/pbjson.h"
#include "test_messages.pb-c.h"
#include "test_messages3.pb-c.h"

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

static const ProtobufCMessageDescriptor *const everything = &mlftest__everything__descriptor;

static mlf_json *jparse(mlf_pool *pool, const char *text)
{
    mlf_json *v = NULL;
    mlf_error err = {0};
    if (mlf_json_parse(pool, text, strlen(text), &v, &err) != 0)
        fail_msg("bad test JSON: %s (%s)", text, err.message);
    return v;
}

/* Decodes text as desc; res may be NULL. */
static ProtobufCMessage *decode_as(mlf_pool *pool, const ProtobufCMessageDescriptor *desc, const char *text,
                                   mlf_pbjson_result *res)
{
    ProtobufCMessage *m = NULL;
    mlf_error err = {0};
    int rc = mlf_pbjson_from_json(pool, desc, jparse(pool, text), &m, res, &err);
    if (rc != 0)
        fail_msg("from_json failed: %s", err.message);
    assert_non_null(m);
    assert_ptr_equal(m->descriptor, desc);
    return m;
}

static Mlftest__Everything *decode(mlf_pool *pool, const char *text, mlf_pbjson_result *res)
{
    return (Mlftest__Everything *)decode_as(pool, everything, text, res);
}

/* Decodes text and expects no type error. */
static Mlftest__Everything *decode_ok(mlf_pool *pool, const char *text)
{
    mlf_pbjson_result res;
    Mlftest__Everything *m = decode(pool, text, &res);
    if (res.n_type_errors != 0)
        fail_msg("unexpected type error on %s: %s", res.type_errors[0].field, res.type_errors[0].json_value);
    return m;
}

static const char *out_indent(mlf_pool *pool, const void *msg, int indent)
{
    mlf_buf b;
    mlf_buf_init(&b, pool, 64);
    mlf_pbjson_write_indent(&b, msg, indent);
    return b.data;
}

/* compact output: one line, no spaces */
static const char *out(mlf_pool *pool, const void *msg)
{
    return out_indent(pool, msg, 0);
}

/* decode then re-encode compactly */
static const char *recode(mlf_pool *pool, const char *text)
{
    return out(pool, decode_ok(pool, text));
}

/* Expects exactly one type error, on field, with that json_value and py_type. */
static void expect_type_error(mlf_pool *pool, const char *text, const char *field, const char *json_value,
                              const char *py_type)
{
    mlf_pbjson_result res;
    decode(pool, text, &res);
    if (res.n_type_errors != 1)
        fail_msg("%s: %zu type errors, expected 1", text, res.n_type_errors);
    assert_string_equal(res.type_errors[0].field, field);
    assert_string_equal(res.type_errors[0].json_value, json_value);
    assert_string_equal(res.type_errors[0].py_type, py_type);
}

/* ------------------------------------------------------------------ decode */

static void test_decode_scalars(void **state)
{
    mlf_pool *pool = *state;
    Mlftest__Everything *m = decode_ok(
        pool, "{\"scalars\": {\"f_int32\": -3, \"f_int64\": \"9007199254740993\", \"f_uint32\": 4000000000, "
              "\"f_uint64\": 18446744073709551615, \"f_sint32\": 7, \"f_sint64\": -8, \"f_fixed32\": 9, "
              "\"f_fixed64\": 10, \"f_sfixed32\": -11, \"f_sfixed64\": -9223372036854775808, \"f_float\": 0.1, "
              "\"f_double\": 1e16, \"f_bool\": true, \"f_string\": \"h\xc3\xa9llo\", \"f_bytes\": \"aGVsbG8=\", "
              "\"f_enum\": \"BLUE\"}}");
    Mlftest__Scalars *s = m->scalars;
    assert_non_null(s);
    assert_true(s->has_f_int32 && s->f_int32 == -3);
    assert_true(s->has_f_int64 && s->f_int64 == 9007199254740993LL);
    assert_true(s->has_f_uint32 && s->f_uint32 == 4000000000U);
    assert_true(s->has_f_uint64 && s->f_uint64 == UINT64_MAX);
    assert_true(s->has_f_sint32 && s->f_sint32 == 7);
    assert_true(s->has_f_sint64 && s->f_sint64 == -8);
    assert_true(s->has_f_fixed32 && s->f_fixed32 == 9);
    assert_true(s->has_f_fixed64 && s->f_fixed64 == 10);
    assert_true(s->has_f_sfixed32 && s->f_sfixed32 == -11);
    assert_true(s->has_f_sfixed64 && s->f_sfixed64 == INT64_MIN);
    assert_true(s->has_f_float && s->f_float == 0.1f);
    assert_true(s->has_f_double && s->f_double == 1e16);
    assert_true(s->has_f_bool && s->f_bool);
    assert_string_equal(s->f_string, "h\xc3\xa9llo");
    assert_true(s->has_f_bytes && s->f_bytes.len == 5 && memcmp(s->f_bytes.data, "hello", 5) == 0);
    assert_true(s->has_f_enum && s->f_enum == MLFTEST__COLOR__BLUE);
    /* untouched fields keep their defaults */
    assert_false(m->has_start_time);
    assert_null(m->experiment_id);
    assert_false(m->has_color);
    assert_int_equal(m->color, MLFTEST__COLOR__GREEN);
    assert_string_equal(m->with_default, "dflt");
    assert_int_equal(m->int_with_default, 42);
}

static void test_decode_names(void **state)
{
    mlf_pool *pool = *state;
    /* proto names and lowerCamelCase json names; unknown keys ignored */
    Mlftest__Everything *m =
        decode_ok(pool, "{\"startTime\": 5, \"experimentIds\": [\"a\"], \"update_mask\": \"x\", \"choiceText\": \"t\", "
                        "\"unknown\": {\"deep\": [1]}, \"start-time\": 9, \"StartTime\": 9, \"starttime\": 9}");
    assert_true(m->has_start_time && m->start_time == 5);
    assert_int_equal(m->n_experiment_ids, 1);
    assert_string_equal(m->experiment_ids[0], "a");
    assert_non_null(m->update_mask);
    assert_int_equal(m->choice_case, MLFTEST__EVERYTHING__CHOICE_CHOICE_TEXT);
    assert_string_equal(m->choice_text, "t");
}

static void test_decode_integers(void **state)
{
    mlf_pool *pool = *state;
    /* numbers, integral floats, numeric strings (also integral float strings) */
    Mlftest__Everything *m =
        decode_ok(pool, "{\"numbers\": [1, \"2\", 3.0, 4e2, \"5e1\", \"6.0\", \"-7\", \"\\t8\\n\", "
                        "\"1_000\", 9223372036854775807, \"-9223372036854775808\"]}");
    static const int64_t want[] = {1, 2, 3, 400, 50, 6, -7, 8, 1000, INT64_MAX, INT64_MIN};
    assert_int_equal(m->n_numbers, 11);
    for (size_t i = 0; i < 11; i++)
        assert_true(m->numbers[i] == want[i]);
    /* exact, no double rounding */
    m = decode_ok(pool, "{\"start_time\": 9007199254740993}");
    assert_true(m->start_time == 9007199254740993LL);
    m = decode_ok(pool, "{\"start_time\": \"1700000000000000001\"}");
    assert_true(m->start_time == 1700000000000000001LL);

    expect_type_error(pool, "{\"start_time\": 1.5}", "start_time", "1.5", "float");
    expect_type_error(pool, "{\"start_time\": true}", "start_time", "true", "bool");
    expect_type_error(pool, "{\"start_time\": \"abc\"}", "start_time", "\"abc\"", "str");
    expect_type_error(pool, "{\"start_time\": \" 1\"}", "start_time", "\" 1\"", "str");
    expect_type_error(pool, "{\"start_time\": \"1.5\"}", "start_time", "\"1.5\"", "str");
    expect_type_error(pool, "{\"start_time\": \"\"}", "start_time", "\"\"", "str");
    expect_type_error(pool, "{\"start_time\": 9223372036854775808}", "start_time", "9223372036854775808", "int");
    expect_type_error(pool, "{\"start_time\": -9223372036854775809}", "start_time", "-9223372036854775809", "int");
    expect_type_error(pool, "{\"start_time\": 1e19}", "start_time", "1e+19", "float");
    expect_type_error(pool, "{\"start_time\": NaN}", "start_time", "NaN", "float");
    expect_type_error(pool, "{\"start_time\": Infinity}", "start_time", "Infinity", "float");
    expect_type_error(pool, "{\"start_time\": [1]}", "start_time", "[1]", "list");
    expect_type_error(pool, "{\"start_time\": {}}", "start_time", "{}", "dict");
    expect_type_error(pool, "{\"start_time\": \"inf\"}", "start_time", "\"inf\"", "str");
    expect_type_error(pool, "{\"start_time\": \"0x10\"}", "start_time", "\"0x10\"", "str");
    expect_type_error(pool, "{\"scalars\": {\"f_int32\": 2147483648}}", "scalars", "{\"f_int32\":2147483648}", "dict");
    expect_type_error(pool, "{\"scalars\": {\"f_int32\": -2147483649}}", "scalars", "{\"f_int32\":-2147483649}",
                      "dict");
    expect_type_error(pool, "{\"scalars\": {\"f_uint32\": -1}}", "scalars", "{\"f_uint32\":-1}", "dict");
    expect_type_error(pool, "{\"scalars\": {\"f_uint32\": 4294967296}}", "scalars", "{\"f_uint32\":4294967296}",
                      "dict");
    expect_type_error(pool, "{\"scalars\": {\"f_uint64\": 18446744073709551616}}", "scalars",
                      "{\"f_uint64\":18446744073709551616}", "dict");
    m = decode_ok(pool, "{\"scalars\": {\"f_int32\": -2147483648, \"f_uint32\": 4294967295, \"f_uint64\": \"-0\"}}");
    assert_int_equal(m->scalars->f_int32, INT32_MIN);
    assert_true(m->scalars->f_uint32 == UINT32_MAX);
    assert_true(m->scalars->has_f_uint64 && m->scalars->f_uint64 == 0);
}

static void test_decode_floats(void **state)
{
    mlf_pool *pool = *state;
    Mlftest__Everything *m = decode_ok(pool, "{\"values\": [1, 2.5, \"3.25\", \"NaN\", \"Infinity\", \"-Infinity\", "
                                             "\"-inf\", \"nAn\", \"1_0.5\", \" 7 \", true, false, 1e308]}");
    assert_int_equal(m->n_values, 13);
    assert_true(m->values[0] == 1.0);
    assert_true(m->values[1] == 2.5);
    assert_true(m->values[2] == 3.25);
    assert_true(isnan(m->values[3]));
    assert_true(isinf(m->values[4]) && m->values[4] > 0);
    assert_true(isinf(m->values[5]) && m->values[5] < 0);
    assert_true(isinf(m->values[6]) && m->values[6] < 0);
    assert_true(isnan(m->values[7]));
    assert_true(m->values[8] == 10.5);
    assert_true(m->values[9] == 7.0);
    assert_true(m->values[10] == 1.0); /* Python's float(True) */
    assert_true(m->values[11] == 0.0);
    assert_true(m->values[12] == 1e308);
    /* bare NaN/Infinity must be quoted; "nan" exactly is refused by json_format */
    expect_type_error(pool, "{\"values\": [NaN]}", "values", "[NaN]", "list");
    expect_type_error(pool, "{\"values\": [-Infinity]}", "values", "[-Infinity]", "list");
    expect_type_error(pool, "{\"values\": [1e400]}", "values", "[Infinity]", "list");
    expect_type_error(pool, "{\"values\": [\"nan\"]}", "values", "[\"nan\"]", "list");
    expect_type_error(pool, "{\"values\": [\"1e\"]}", "values", "[\"1e\"]", "list");
    expect_type_error(pool, "{\"values\": [\"\"]}", "values", "[\"\"]", "list");
    expect_type_error(pool, "{\"values\": [null]}", "values", "[null]", "list");
    expect_type_error(pool, "{\"scalars\": {\"f_float\": 1e39}}", "scalars", "{\"f_float\":1e+39}", "dict");
    m = decode_ok(pool, "{\"scalars\": {\"f_float\": 3.4028234e38, \"f_double\": -0.0}}");
    assert_true(m->scalars->f_float == 3.4028234e38f);
    assert_true(m->scalars->has_f_double && signbit(m->scalars->f_double));
}

static void test_decode_bool_string_bytes(void **state)
{
    mlf_pool *pool = *state;
    Mlftest__Everything *m = decode_ok(pool, "{\"flag\": false, \"flags\": [true, false, true]}");
    assert_true(m->has_flag && !m->flag);
    assert_int_equal(m->n_flags, 3);
    assert_true(m->flags[0] && !m->flags[1] && m->flags[2]);
    expect_type_error(pool, "{\"flag\": \"true\"}", "flag", "\"true\"", "str");
    expect_type_error(pool, "{\"flag\": 1}", "flag", "1", "int");
    expect_type_error(pool, "{\"experiment_ids\": [\"a\", true]}", "experiment_ids", "[\"a\",true]", "list");
    expect_type_error(pool, "{\"scalars\": {\"f_string\": {}}}", "scalars", "{\"f_string\":{}}", "dict");
    /* a C string cannot hold U+0000 */
    expect_type_error(pool, "{\"scalars\": {\"f_string\": \"a\\u0000b\"}}", "scalars", "{\"f_string\":\"a\\u0000b\"}",
                      "dict");

    /* bytes: standard and URL-safe base64, padding optional */
    m = decode_ok(pool, "{\"blob\": \"-_-_\"}");
    assert_true(m->has_blob && m->blob.len == 3 && memcmp(m->blob.data, "\xfb\xff\xbf", 3) == 0);
    m = decode_ok(pool, "{\"blob\": \"aGVsbG8\"}");
    assert_true(m->blob.len == 5 && memcmp(m->blob.data, "hello", 5) == 0);
    m = decode_ok(pool, "{\"blob\": \"+/+/\"}");
    assert_true(m->blob.len == 3 && memcmp(m->blob.data, "\xfb\xff\xbf", 3) == 0);
    m = decode_ok(pool, "{\"blob\": \"\"}");
    assert_true(m->has_blob && m->blob.len == 0);
    expect_type_error(pool, "{\"blob\": \"a\"}", "blob", "\"a\"", "str");
    expect_type_error(pool, "{\"blob\": 12}", "blob", "12", "int");
}

static void test_decode_enums(void **state)
{
    mlf_pool *pool = *state;
    Mlftest__Everything *m = decode_ok(pool, "{\"colors\": [\"RED\", 2, \"5\", 1.7, \"0\"], \"color\": \"BLUE\"}");
    assert_int_equal(m->n_colors, 5);
    assert_int_equal(m->colors[0], MLFTEST__COLOR__RED);
    assert_int_equal(m->colors[1], MLFTEST__COLOR__GREEN);
    assert_int_equal(m->colors[2], MLFTEST__COLOR__BLUE);
    assert_int_equal(m->colors[3], MLFTEST__COLOR__RED); /* int(1.7) */
    assert_int_equal(m->colors[4], MLFTEST__COLOR__COLOR_UNSPECIFIED);
    assert_true(m->has_color && m->color == MLFTEST__COLOR__BLUE);
    /* an unknown name is dropped (ParseDict's ignore_unknown_fields), an unknown number is an error */
    m = decode_ok(pool, "{\"color\": \"PURPLE\", \"colors\": [\"RED\", \"red\", \"BLUE\"]}");
    assert_false(m->has_color);
    assert_int_equal(m->n_colors, 2);
    assert_int_equal(m->colors[1], MLFTEST__COLOR__BLUE);
    expect_type_error(pool, "{\"color\": 3}", "color", "3", "int");
    expect_type_error(pool, "{\"color\": \"3\"}", "color", "\"3\"", "str");
    expect_type_error(pool, "{\"color\": 4294967297}", "color", "4294967297", "int");
    expect_type_error(pool, "{\"color\": []}", "color", "[]", "list");
}

static void test_decode_null_and_unset(void **state)
{
    mlf_pool *pool = *state;
    /* null leaves a field unset (a Value field gets null_value) */
    Mlftest__Everything *m = decode_ok(pool, "{\"start_time\": null, \"experiment_id\": null, \"scalars\": null, "
                                             "\"numbers\": null, \"tags\": null, \"color\": null, \"value\": null}");
    assert_false(m->has_start_time);
    assert_null(m->experiment_id);
    assert_null(m->scalars);
    assert_int_equal(m->n_numbers, 0);
    assert_int_equal(m->n_tags, 0);
    assert_false(m->has_color);
    assert_non_null(m->value);
    assert_int_equal(m->value->kind_case, GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE);
    assert_string_equal(out(pool, m), "{\"value\":null}");
    /* a later alias of the same field clears it */
    m = decode_ok(pool, "{\"startTime\": 5, \"start_time\": null}");
    assert_false(m->has_start_time);
    assert_string_equal(out(pool, m), "{}");
}

static void test_decode_nested_and_repeated(void **state)
{
    mlf_pool *pool = *state;
    Mlftest__Everything *m =
        decode_ok(pool, "{\"inner\": {\"name\": \"x\", \"value\": \"7\", \"children\": [{\"name\": \"y\"}, {}]}, "
                        "\"inners\": [{\"name\": \"a\"}, {\"value\": 1}], \"numbers\": []}");
    assert_string_equal(m->inner->name, "x");
    assert_true(m->inner->has_value && m->inner->value == 7);
    assert_int_equal(m->inner->n_children, 2);
    assert_string_equal(m->inner->children[0]->name, "y");
    assert_null(m->inner->children[1]->name);
    assert_int_equal(m->n_inners, 2);
    assert_int_equal(m->n_numbers, 0);
    assert_string_equal(out(pool, m), "{\"inner\":{\"name\":\"x\",\"value\":7,\"children\":[{\"name\":\"y\"},{}]},"
                                      "\"inners\":[{\"name\":\"a\"},{\"value\":1}]}");
    /* repeated fields need arrays; a message field takes an object, or what json_format walks as an object's
       keys: a string (its characters) or a list of strings, none of them a field's name (an empty message) */
    expect_type_error(pool, "{\"numbers\": 1}", "numbers", "1", "int");
    expect_type_error(pool, "{\"experiment_ids\": \"abc\"}", "experiment_ids", "\"abc\"", "str");
    mlf_pbjson_result res;
    m = decode(pool, "{\"inner\": \"abc\", \"inners\": [\"xyz\", [], [\"other\"]]}", &res);
    assert_int_equal(res.n_type_errors, 0);
    assert_string_equal(out(pool, m), "{\"inner\":{},\"inners\":[{},{},{}]}");
    expect_type_error(pool, "{\"inner\": [\"name\"]}", "inner", "[\"name\"]", "list");
    expect_type_error(pool, "{\"inner\": [1]}", "inner", "[1]", "list");
    expect_type_error(pool, "{\"inner\": 5}", "inner", "5", "int");
    expect_type_error(pool, "{\"inners\": [null]}", "inners", "[null]", "list");
    expect_type_error(pool, "{\"inners\": {\"name\": \"a\"}}", "inners", "{\"name\":\"a\"}", "dict");
}

static void test_decode_map(void **state)
{
    mlf_pool *pool = *state;
    Mlftest__Everything *m = decode_ok(pool, "{\"tags\": {\"a\": \"b\", \"c\": \"\"}, \"counters\": {\"k\": \"7\", "
                                             "\"j\": -1}, \"by_id\": {\"3\": {\"name\": \"x\"}, \"-4\": {}}}");
    assert_int_equal(m->n_tags, 2);
    assert_string_equal(m->tags[0]->key, "a");
    assert_string_equal(m->tags[0]->value, "b");
    assert_string_equal(m->tags[1]->value, "");
    assert_int_equal(m->n_counters, 2);
    assert_true(m->counters[0]->value == 7);
    assert_int_equal(m->n_by_id, 2);
    assert_int_equal(m->by_id[0]->key, 3);
    assert_string_equal(m->by_id[0]->value->name, "x");
    assert_int_equal(m->by_id[1]->key, -4);
    assert_string_equal(out(pool, m), "{\"tags\":{\"a\":\"b\",\"c\":\"\"},\"counters\":{\"k\":7,\"j\":-1},"
                                      "\"by_id\":{\"3\":{\"name\":\"x\"},\"-4\":{}}}");
    expect_type_error(pool, "{\"tags\": [\"a\"]}", "tags", "[\"a\"]", "list");
    expect_type_error(pool, "{\"tags\": {\"a\": 1}}", "tags", "{\"a\":1}", "dict");
    expect_type_error(pool, "{\"tags\": {\"a\": null}}", "tags", "{\"a\":null}", "dict");
    expect_type_error(pool, "{\"counters\": {\"k\": \"x\"}}", "counters", "{\"k\":\"x\"}", "dict");
    expect_type_error(pool, "{\"by_id\": {\"x\": {}}}", "by_id", "{\"x\":{}}", "dict");
    expect_type_error(pool, "{\"by_id\": {\"1\": null}}", "by_id", "{\"1\":null}", "dict");
}

static void test_decode_oneof(void **state)
{
    mlf_pool *pool = *state;
    Mlftest__Everything *m = decode_ok(pool, "{\"choice_number\": 5}");
    assert_int_equal(m->choice_case, MLFTEST__EVERYTHING__CHOICE_CHOICE_NUMBER);
    assert_int_equal(m->choice_number, 5);
    m = decode_ok(pool, "{\"choice_inner\": {\"name\": \"n\"}}");
    assert_int_equal(m->choice_case, MLFTEST__EVERYTHING__CHOICE_CHOICE_INNER);
    assert_string_equal(m->choice_inner->name, "n");
    /* null members do not count */
    m = decode_ok(pool, "{\"choice_text\": null, \"choice_number\": 3}");
    assert_int_equal(m->choice_case, MLFTEST__EVERYTHING__CHOICE_CHOICE_NUMBER);
    /* two members: the second is refused, the first stays */
    mlf_pbjson_result res;
    m = decode(pool, "{\"choice_text\": \"a\", \"choice_number\": 3}", &res);
    assert_int_equal(res.n_type_errors, 1);
    assert_string_equal(res.type_errors[0].field, "choice_number");
    assert_int_equal(m->choice_case, MLFTEST__EVERYTHING__CHOICE_CHOICE_TEXT);
    assert_string_equal(m->choice_text, "a");
    expect_type_error(pool, "{\"choice_number\": \"x\"}", "choice_number", "\"x\"", "str");
}

static void test_decode_defaults(void **state)
{
    mlf_pool *pool = *state;
    Mlftest__Everything *m = decode_ok(pool, "{}");
    assert_string_equal(out(pool, m), "{}");
    assert_string_equal(out_indent(pool, m, 2), "{}");
    /* explicitly given, defaults are set and printed */
    m = decode_ok(pool, "{\"with_default\": \"dflt\", \"int_with_default\": 42, \"color\": \"GREEN\"}");
    assert_true(m->has_int_with_default && m->has_color);
    assert_string_equal(out(pool, m), "{\"color\":\"GREEN\",\"with_default\":\"dflt\",\"int_with_default\":42}");
    /* a failing value restores the default */
    m = decode(pool, "{\"with_default\": 5, \"int_with_default\": \"x\"}", NULL);
    assert_string_equal(m->with_default, "dflt");
    assert_false(m->has_int_with_default);
    assert_int_equal(m->int_with_default, 42);
    assert_string_equal(out(pool, m), "{}");
}

static void test_type_errors(void **state)
{
    mlf_pool *pool = *state;
    mlf_pbjson_result res;
    /* ParseDict stops at the first misfit (reported on its top-level field): what came before stays, partly
       filled messages included, and later members are unset */
    Mlftest__Everything *m = decode(
        pool,
        "{\"experiment_id\": \"e\", \"scalars\": {\"f_string\": \"ok\", \"f_int32\": \"a\", \"f_bool\": true}, "
        "\"start_time\": \"x\", \"flag\": true}",
        &res);
    assert_int_equal(res.n_type_errors, 1);
    assert_string_equal(res.type_errors[0].field, "scalars");
    assert_string_equal(res.type_errors[0].json_value, "{\"f_bool\":true,\"f_int32\":\"a\",\"f_string\":\"ok\"}");
    assert_string_equal(res.type_errors[0].py_type, "dict");
    assert_string_equal(m->experiment_id, "e");
    assert_non_null(m->scalars);
    assert_string_equal(m->scalars->f_string, "ok");
    assert_false(m->scalars->has_f_int32);
    assert_false(m->scalars->has_f_bool);
    assert_false(m->has_start_time);
    assert_false(m->has_flag);
    /* a list keeps the elements before the misfit and the message element it is in */
    m = decode(pool,
               "{\"inners\": [{\"name\": \"a\"}, {\"name\": \"b\", \"value\": [], \"children\": []}, "
               "{\"name\": \"c\"}], \"flag\": true}",
               &res);
    assert_int_equal(res.n_type_errors, 1);
    assert_string_equal(res.type_errors[0].field, "inners");
    assert_string_equal(res.type_errors[0].py_type, "list");
    assert_int_equal(m->n_inners, 2);
    assert_string_equal(m->inners[1]->name, "b");
    assert_false(m->inners[1]->has_value);
    assert_false(m->has_flag);
    m = decode(pool, "{\"experiment_ids\": [\"a\", 5, \"c\"]}", &res);
    assert_int_equal(res.n_type_errors, 1);
    assert_int_equal(m->n_experiment_ids, 1);
    assert_string_equal(m->experiment_ids[0], "a");

    /* camelCase keys report the proto name; non-ASCII values are quoted as Python does */
    expect_type_error(pool, "{\"startTime\": \"\xc3\xa9\"}", "start_time", "\"\\u00e9\"", "str");
    /* res may be NULL */
    m = decode(pool, "{\"flag\": true, \"start_time\": \"x\"}", NULL);
    assert_true(m->flag);
}

static void test_root(void **state)
{
    mlf_pool *pool = *state;
    ProtobufCMessage *m = NULL;
    mlf_error err = {0};
    mlf_pbjson_result res;
    assert_int_equal(mlf_pbjson_from_json(pool, everything, jparse(pool, "[1]"), &m, &res, &err),
                     -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_int_equal(err.code, MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_non_null(err.message);
    assert_int_equal(mlf_pbjson_from_json(pool, everything, jparse(pool, "\"x\""), &m, &res, &err),
                     -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_int_equal(mlf_pbjson_from_json(pool, everything, jparse(pool, "3"), &m, NULL, NULL),
                     -MLF_ERR_INVALID_PARAMETER_VALUE);
    /* a missing body (NULL) and a JSON null are {} */
    assert_int_equal(mlf_pbjson_from_json(pool, everything, NULL, &m, &res, &err), 0);
    assert_string_equal(out(pool, m), "{}");
    assert_int_equal(mlf_pbjson_from_json(pool, everything, jparse(pool, "null"), &m, &res, &err), 0);
    assert_string_equal(out(pool, m), "{}");
    assert_int_equal(res.n_type_errors, 0);
    assert_int_equal(res.json->type, MLF_JSON_OBJECT);
}

static void test_experiment_ids_not_stringified(void **state)
{
    /* MLflow 3.18 dropped _stringify_all_experiment_ids: a number does not fit a string field */
    mlf_pool *pool = *state;
    mlf_pbjson_result res;
    /* MLflow 3.18's ParseDict takes numbers under experiment_id(s) as they are: they do not fit a string */
    expect_type_error(pool, "{\"experiment_id\": 12}", "experiment_id", "12", "int");
    expect_type_error(pool, "{\"experiment_ids\": [1, \"2\"]}", "experiment_ids", "[1,\"2\"]", "list");
    Mlftest__Everything *m = decode(pool, "{\"experiment_id\": \"12\", \"experiment_ids\": [\"1\"]}", &res);
    assert_int_equal(res.n_type_errors, 0);
    assert_string_equal(m->experiment_id, "12");
    assert_string_equal(m->experiment_ids[0], "1");
    /* res->json is the body as sent */
    const char *text = "{\"experiment_id\": 12}";
    mlf_json *root = jparse(pool, text);
    ProtobufCMessage *pm;
    assert_int_equal(mlf_pbjson_from_json(pool, everything, root, &pm, &res, NULL), 0);
    assert_ptr_equal(res.json, root);
    assert_null(((Mlftest__Everything *)pm)->experiment_id);
}

/* MLflow 3.18's _reject_conflicting_field_aliases: one field spelled both ways, at any message depth */
static void test_conflicting_aliases(void **state)
{
    mlf_pool *pool = *state;
    mlf_error err = {0};
    assert_int_equal(mlf_pbjson_check_aliases(pool, everything, jparse(pool, "{\"start_time\": 1, \"startTime\": 2}"),
                                              &err),
                     -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_string_equal(err.message, "Request specifies both 'start_time' and 'startTime'; provide only one of them.");
    assert_int_equal(mlf_pbjson_check_aliases(
                         pool, everything,
                         jparse(pool, "{\"inners\": [{}, {\"children\": [{\"x_y\": 1}]}], \"inner\": \"s\"}"), &err),
                     0);
    /* one spelling, a name without an underscore, non-objects: fine */
    assert_int_equal(mlf_pbjson_check_aliases(pool, everything, jparse(pool, "{\"startTime\": 1, \"flag\": true}"), &err),
                     0);
    assert_int_equal(mlf_pbjson_check_aliases(pool, everything, jparse(pool, "[1]"), &err), 0);
}

/* ------------------------------------------------------------------ encode */

static void test_encode_order_and_types(void **state)
{
    mlf_pool *pool = *state;
    Mlftest__Everything m = MLFTEST__EVERYTHING__INIT;
    Mlftest__Scalars s = MLFTEST__SCALARS__INIT;
    /* set in an order unlike the field numbers */
    m.experiment_id = "3";
    m.has_start_time = 1;
    m.start_time = -5;
    char *ids[] = {"a", "b"};
    m.n_experiment_ids = 2;
    m.experiment_ids = ids;
    m.scalars = &s;
    s.has_f_uint64 = 1;
    s.f_uint64 = UINT64_MAX;
    s.has_f_float = 1;
    s.f_float = 0.1f;
    s.has_f_double = 1;
    s.f_double = 3.0;
    s.has_f_bool = 1;
    s.f_bool = 0;
    s.has_f_enum = 1;
    s.f_enum = 3; /* no such value: its number */
    s.has_f_bytes = 1;
    s.f_bytes.data = (uint8_t *)"\xfb\xff\xbf\x00";
    s.f_bytes.len = 4;
    s.f_string = "\"q\"\n\xc3\xa9\xf0\x9f\x98\x80";
    assert_string_equal(out(pool, &m),
                        "{\"start_time\":-5,\"experiment_ids\":[\"a\",\"b\"],\"experiment_id\":\"3\","
                        "\"scalars\":{\"f_uint64\":18446744073709551615,\"f_float\":0.1,\"f_double\":3.0,"
                        "\"f_bool\":false,\"f_string\":\"\\\"q\\\"\\n\\u00e9\\ud83d\\ude00\","
                        "\"f_bytes\":\"+/+/AA==\",\"f_enum\":3}}");
    /* MLflow's layout: json.dumps(indent=2) */
    assert_string_equal(out_indent(pool, &m, 2),
                        "{\n  \"start_time\": -5,\n  \"experiment_ids\": [\n    \"a\",\n    \"b\"\n  ],\n"
                        "  \"experiment_id\": \"3\",\n  \"scalars\": {\n    \"f_uint64\": 18446744073709551615,\n"
                        "    \"f_float\": 0.1,\n    \"f_double\": 3.0,\n    \"f_bool\": false,\n"
                        "    \"f_string\": \"\\\"q\\\"\\n\\u00e9\\ud83d\\ude00\",\n    \"f_bytes\": \"+/+/AA==\",\n"
                        "    \"f_enum\": 3\n  }\n}");
    mlf_buf b;
    mlf_buf_init(&b, pool, 16);
    mlf_pbjson_write(&b, &m.base);
    assert_string_equal(b.data, out_indent(pool, &m, 2));
}

static void test_encode_numbers(void **state)
{
    mlf_pool *pool = *state;
    Mlftest__Scalars s = MLFTEST__SCALARS__INIT;
    s.has_f_double = 1;
    s.has_f_float = 1;
    static const struct {
        double d;
        const char *json;
    } dbl[] = {
        {NAN, "\"NaN\""},
        {INFINITY, "\"Infinity\""},
        {-INFINITY, "\"-Infinity\""},
        {1e16, "1e+16"},
        {123456789012345.0, "123456789012345.0"},
        {-0.0, "-0.0"},
        {0.1 + 0.2, "0.30000000000000004"},
        {1e-7, "1e-07"},
    };
    for (size_t i = 0; i < sizeof(dbl) / sizeof(dbl[0]); i++) {
        s.f_double = dbl[i].d;
        s.f_float = 0.5f;
        char want[128];
        snprintf(want, sizeof(want), "{\"f_float\":0.5,\"f_double\":%s}", dbl[i].json);
        assert_string_equal(out(pool, &s), want);
    }
    /* floats print the shortest decimal that reads back as the same float */
    static const struct {
        float f;
        const char *json;
    } flt[] = {
        {0.1f, "0.1"},
        {0.3f, "0.3"},
        {1.0f, "1.0"},
        {16777216.0f, "16777216.0"},
        {3.4028235e38f, "3.4028235e+38"},
        {1e-7f, "1e-07"},
        {1.17549435e-38f, "1.1754944e-38"},
        {NAN, "\"NaN\""},
        {-INFINITY, "\"-Infinity\""},
    };
    s.has_f_double = 0;
    for (size_t i = 0; i < sizeof(flt) / sizeof(flt[0]); i++) {
        s.f_float = flt[i].f;
        char want[128];
        snprintf(want, sizeof(want), "{\"f_float\":%s}", flt[i].json);
        assert_string_equal(out(pool, &s), want);
    }
}

static void test_encode_presence(void **state)
{
    mlf_pool *pool = *state;
    Mlftest__Everything *m = (Mlftest__Everything *)mlf_pbjson_new_message(pool, everything);
    assert_string_equal(m->with_default, "dflt");
    assert_int_equal(m->color, MLFTEST__COLOR__GREEN);
    assert_string_equal(out(pool, m), "{}");
    /* values equal to the default but set (has_ flag, or another pointer) are printed */
    m->has_int_with_default = 1;
    m->with_default = mlf_pool_strdup(pool, "dflt");
    m->has_start_time = 1; /* zero, but set */
    m->experiment_id = "";
    assert_string_equal(out(pool, m), "{\"start_time\":0,\"experiment_id\":\"\",\"with_default\":\"dflt\","
                                      "\"int_with_default\":42}");
    /* an empty submessage is {} */
    Mlftest__Inner inner = MLFTEST__INNER__INIT;
    m = (Mlftest__Everything *)mlf_pbjson_new_message(pool, everything);
    m->inner = &inner;
    assert_string_equal(out(pool, m), "{\"inner\":{}}");
    assert_string_equal(out_indent(pool, m, 2), "{\n  \"inner\": {}\n}");
    /* oneof: only the member named by the case */
    m->choice_case = MLFTEST__EVERYTHING__CHOICE_CHOICE_NUMBER;
    m->choice_number = 0;
    assert_string_equal(out(pool, m), "{\"inner\":{},\"choice_number\":0}");
}

static void test_encode_proto3(void **state)
{
    mlf_pool *pool = *state;
    Mlftest3__Span s = MLFTEST3__SPAN__INIT;
    assert_string_equal(out(pool, &s), "{}");
    /* zero values are not printed */
    s.name = "";
    s.ratio = 0.0;
    s.count = 0;
    assert_string_equal(out(pool, &s), "{}");
    uint8_t id[16];
    for (int i = 0; i < 16; i++)
        id[i] = (uint8_t)i;
    s.trace_id.data = id;
    s.trace_id.len = 16;
    s.name = "n";
    s.start_time_unix_nano = 1700000000000000000ULL;
    s.kind = MLFTEST3__SPAN__KIND__KIND_SERVER;
    s.sampled = 1;
    s.count = -1;
    Mlftest3__Event ev = MLFTEST3__EVENT__INIT, first = MLFTEST3__EVENT__INIT;
    Mlftest3__Event *evs[] = {&ev};
    ev.name = "e";
    ev.time = 5;
    s.n_events = 1;
    s.events = evs;
    s.first = &first;
    assert_string_equal(out(pool, &s), "{\"trace_id\":\"AAECAwQFBgcICQoLDA0ODw==\",\"name\":\"n\","
                                       "\"start_time_unix_nano\":1700000000000000000,\"kind\":\"KIND_SERVER\","
                                       "\"sampled\":true,\"events\":[{\"name\":\"e\",\"time\":5}],\"first\":{},"
                                       "\"count\":-1}");
    /* proto3 enums are open: an unknown number is kept and printed as a number */
    mlf_pbjson_result res;
    Mlftest3__Span *d = (Mlftest3__Span *)decode_as(pool, &mlftest3__span__descriptor,
                                                    "{\"kind\": 7, \"traceId\": \"AAE=\", \"ratio\": -0.0}", &res);
    assert_int_equal(res.n_type_errors, 0);
    assert_int_equal(d->kind, 7);
    assert_string_equal(out(pool, d), "{\"trace_id\":\"AAE=\",\"kind\":7,\"ratio\":-0.0}");
    /* an unknown enum name is dropped, as ParseDict(ignore_unknown_fields=True) drops it */
    d = (Mlftest3__Span *)decode_as(pool, &mlftest3__span__descriptor, "{\"kind\": \"NOPE\"}", &res);
    assert_int_equal(res.n_type_errors, 0);
    assert_int_equal(d->kind, 0);
}

/* --------------------------------------------------------- well-known types */

static void test_timestamp(void **state)
{
    mlf_pool *pool = *state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"2025-04-15T08:49:18.699Z", "2025-04-15T08:49:18.699Z"},
        {"2025-04-15T08:49:18Z", "2025-04-15T08:49:18Z"},
        {"2025-04-15T08:49:18.000Z", "2025-04-15T08:49:18Z"},
        {"2025-04-15T08:49:18.5Z", "2025-04-15T08:49:18.500Z"},
        {"2025-04-15T08:49:18.000001Z", "2025-04-15T08:49:18.000001Z"},
        {"2025-04-15T08:49:18.123456789Z", "2025-04-15T08:49:18.123456789Z"},
        {"2025-04-15T08:49:18.12345678Z", "2025-04-15T08:49:18.123456780Z"},
        {"2025-04-15T08:49:18+02:00", "2025-04-15T06:49:18Z"},
        {"2025-04-15T08:49:18.25-05:30", "2025-04-15T14:19:18.250Z"},
        {"1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z"},
        {"1969-12-31T23:59:59.999999999Z", "1969-12-31T23:59:59.999999999Z"},
        {"0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"},
        {"9999-12-31T23:59:59.999999999Z", "9999-12-31T23:59:59.999999999Z"},
        {"2024-02-29T12:00:00Z", "2024-02-29T12:00:00Z"},
        {"2025-4-5T8:9:7Z", "2025-04-05T08:09:07Z"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char in[128], want[128];
        snprintf(in, sizeof(in), "{\"created\": \"%s\"}", cases[i].in);
        snprintf(want, sizeof(want), "{\"created\":\"%s\"}", cases[i].out);
        assert_string_equal(recode(pool, in), want);
    }
    Mlftest__Everything *m = decode_ok(pool, "{\"created\": \"2025-04-15T08:49:18.699Z\"}");
    assert_true(m->created->seconds == 1744706958);
    assert_int_equal(m->created->nanos, 699000000);
    static const char *const bad[] = {
        "2025-04-15t08:49:18Z",     "2025-04-15T08:49:18z",
        "2025-04-15T08:49:18",      "2025-04-15 08:49:18Z",
        "2025-02-30T00:00:00Z",     "2025-13-01T00:00:00Z",
        "2025-04-15T24:00:00Z",     "2025-04-15T08:60:00Z",
        "2025-04-15T08:49:60Z",     "2025-04-15T08:49:18.1234567891Z",
        "2025-04-15T08:49:18Zx",    "0000-01-01T00:00:00Z",
        "2025-04-15T08:49:18+0200", "",
        "25-04-15T08:49:18Z",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char in[128];
        snprintf(in, sizeof(in), "{\"created\": \"%s\"}", bad[i]);
        mlf_pbjson_result res;
        m = decode(pool, in, &res);
        if (res.n_type_errors != 1)
            fail_msg("accepted timestamp %s", bad[i]);
        assert_null(m->created);
    }
    expect_type_error(pool, "{\"created\": 5}", "created", "5", "int");
    expect_type_error(pool, "{\"created\": {\"seconds\": 5}}", "created", "{\"seconds\":5}", "dict");

    /* nanos out of range are carried into the seconds when printing */
    Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
    Mlftest__Everything e = MLFTEST__EVERYTHING__INIT;
    e.created = &ts;
    ts.seconds = 0;
    ts.nanos = -1;
    assert_string_equal(out(pool, &e), "{\"created\":\"1969-12-31T23:59:59.999999999Z\"}");
    ts.seconds = -62135596800LL; /* 0001-01-01 */
    ts.nanos = 1000;
    assert_string_equal(out(pool, &e), "{\"created\":\"0001-01-01T00:00:00.000001Z\"}");
    /* hostile extremes print something, without overflow */
    ts.seconds = INT64_MIN;
    ts.nanos = INT32_MIN;
    const char *s = out(pool, &e);
    assert_non_null(strstr(s, "Z\"}"));
    ts.seconds = INT64_MAX;
    ts.nanos = INT32_MAX;
    s = out(pool, &e);
    assert_non_null(strstr(s, "Z\"}"));
}

static void test_duration(void **state)
{
    mlf_pool *pool = *state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"1.5s", "1.500s"},
        {"1s", "1s"},
        {"0s", "0s"},
        {"-0.5s", "-0.500s"},
        {"-3.000001s", "-3.000001s"},
        {"0.000000001s", "0.000000001s"},
        {"1.s", "1s"},
        {"315576000000s", "315576000000s"},
        {"-315576000000.999999999s", "-315576000000.999999999s"},
        {"+2s", "2s"},
        {"1.0000000004s", "1s"},
        {"1 s", "1s"}, /* int("1 ") strips blanks */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char in[128], want[128];
        snprintf(in, sizeof(in), "{\"elapsed\": \"%s\"}", cases[i].in);
        snprintf(want, sizeof(want), "{\"elapsed\":\"%s\"}", cases[i].out);
        assert_string_equal(recode(pool, in), want);
    }
    Mlftest__Everything *m = decode_ok(pool, "{\"elapsed\": \"-1.25s\"}");
    assert_true(m->elapsed->seconds == -1);
    assert_int_equal(m->elapsed->nanos, -250000000);
    static const char *const bad[] = {"1", "s", "1.5", "315576000001s", "1.x5s", ".5s", "-.5s", "1.5S", "", "1_s"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char in[128];
        snprintf(in, sizeof(in), "{\"elapsed\": \"%s\"}", bad[i]);
        mlf_pbjson_result res;
        decode(pool, in, &res);
        if (res.n_type_errors != 1)
            fail_msg("accepted duration %s", bad[i]);
    }
    expect_type_error(pool, "{\"elapsed\": 1.5}", "elapsed", "1.5", "float");
    /* printing: 0, 3, 6 or 9 digits; extremes without overflow */
    Google__Protobuf__Duration d = GOOGLE__PROTOBUF__DURATION__INIT;
    Mlftest__Everything e = MLFTEST__EVERYTHING__INIT;
    e.elapsed = &d;
    d.seconds = 0;
    d.nanos = -1000;
    assert_string_equal(out(pool, &e), "{\"elapsed\":\"-0.000001s\"}");
    d.seconds = INT64_MIN;
    d.nanos = INT32_MIN;
    assert_non_null(strstr(out(pool, &e), "s\"}"));
}

static void test_field_mask(void **state)
{
    mlf_pool *pool = *state;
    Mlftest__Everything *m = decode_ok(pool, "{\"update_mask\": \"fooBar,baz,a.bC\"}");
    assert_int_equal(m->update_mask->n_paths, 3);
    assert_string_equal(m->update_mask->paths[0], "foo_bar");
    assert_string_equal(m->update_mask->paths[1], "baz");
    assert_string_equal(m->update_mask->paths[2], "a.b_c");
    assert_string_equal(out(pool, m), "{\"update_mask\":\"fooBar,baz,a.bC\"}");
    m = decode_ok(pool, "{\"updateMask\": \"\"}");
    assert_non_null(m->update_mask);
    assert_int_equal(m->update_mask->n_paths, 0);
    assert_string_equal(out(pool, m), "{\"update_mask\":\"\"}");
    expect_type_error(pool, "{\"update_mask\": \"foo_bar\"}", "update_mask", "\"foo_bar\"", "str");
    expect_type_error(pool, "{\"update_mask\": [\"a\"]}", "update_mask", "[\"a\"]", "list");
}

static void test_struct_value(void **state)
{
    mlf_pool *pool = *state;
    /* any JSON in, the same JSON out (numbers as Python floats) */
    assert_string_equal(recode(pool, "{\"attributes\": {\"x\": 1, \"y\": [true, null, \"s\", {\"z\": 1.5}, []], "
                                     "\"n\": NaN, \"e\": {}}}"),
                        "{\"attributes\":{\"x\":1.0,\"y\":[true,null,\"s\",{\"z\":1.5},[]],\"n\":\"NaN\",\"e\":{}}}");
    assert_string_equal(recode(pool, "{\"value\": {\"a\": [1, 2]}}"), "{\"value\":{\"a\":[1.0,2.0]}}");
    assert_string_equal(recode(pool, "{\"value\": \"s\"}"), "{\"value\":\"s\"}");
    assert_string_equal(recode(pool, "{\"value\": false}"), "{\"value\":false}");
    assert_string_equal(recode(pool, "{\"value\": -2.5e-7}"), "{\"value\":-2.5e-07}");
    assert_string_equal(recode(pool, "{\"value\": []}"), "{\"value\":[]}");
    assert_string_equal(recode(pool, "{\"list\": [1, \"a\", null, {\"b\": []}]}"),
                        "{\"list\":[1.0,\"a\",null,{\"b\":[]}]}");
    assert_string_equal(recode(pool, "{\"values_list\": [1, null, {}]}"), "{\"values_list\":[1.0,null,{}]}");
    Mlftest__Everything *m = decode_ok(pool, "{\"value\": {\"k\": \"v\"}}");
    assert_int_equal(m->value->kind_case, GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE);
    assert_int_equal(m->value->struct_value->n_fields, 1);
    assert_string_equal(m->value->struct_value->fields[0]->key, "k");
    assert_string_equal(m->value->struct_value->fields[0]->value->string_value, "v");
    expect_type_error(pool, "{\"attributes\": [1]}", "attributes", "[1]", "list");
    expect_type_error(pool, "{\"list\": {}}", "list", "{}", "dict");
    /* 1e400 is Python's float('inf'), which a Value takes; an int too large for a float is refused */
    assert_string_equal(recode(pool, "{\"value\": 1e400}"), "{\"value\":\"Infinity\"}");
    mlf_buf big;
    mlf_buf_init(&big, pool, 512);
    mlf_buf_puts(&big, "{\"value\": 1");
    for (int i = 0; i < 400; i++)
        mlf_buf_putc(&big, '0');
    mlf_buf_putc(&big, '}');
    mlf_pbjson_result res;
    decode(pool, big.data, &res);
    assert_int_equal(res.n_type_errors, 1);
    assert_string_equal(res.type_errors[0].py_type, "int");
    /* deep Struct nesting within the parser's limit */
    mlf_buf b;
    mlf_buf_init(&b, pool, 1024);
    mlf_buf_puts(&b, "{\"value\":");
    for (int i = 0; i < MLF_JSON_MAX_DEPTH - 2; i++)
        mlf_buf_puts(&b, "{\"a\":");
    mlf_buf_puts(&b, "[1]");
    for (int i = 0; i < MLF_JSON_MAX_DEPTH - 2; i++)
        mlf_buf_putc(&b, '}');
    mlf_buf_putc(&b, '}');
    m = decode_ok(pool, b.data);
    assert_non_null(m->value);
    /* an unset Value prints null, an unset ListValue element too */
    Google__Protobuf__Value empty = GOOGLE__PROTOBUF__VALUE__INIT;
    Mlftest__Everything e = MLFTEST__EVERYTHING__INIT;
    e.value = &empty;
    assert_string_equal(out(pool, &e), "{\"value\":null}");
}

static void test_wrappers(void **state)
{
    mlf_pool *pool = *state;
    Mlftest__Everything *m = decode_ok(pool, "{\"wrapped_int64\": \"123\", \"wrapped_string\": \"s\", "
                                             "\"wrapped_bool\": false, \"wrapped_double\": \"NaN\"}");
    assert_true(m->wrapped_int64->value == 123);
    assert_string_equal(m->wrapped_string->value, "s");
    assert_false(m->wrapped_bool->value);
    assert_true(isnan(m->wrapped_double->value));
    /* MLflow's int64-as-number pass does not reach into wrappers: Int64Value stays a string */
    assert_string_equal(out(pool, m), "{\"wrapped_int64\":\"123\",\"wrapped_string\":\"s\",\"wrapped_bool\":false,"
                                      "\"wrapped_double\":\"NaN\"}");
    m = decode_ok(pool, "{\"wrapped_int64\": 5, \"wrapped_double\": 2}");
    assert_string_equal(out(pool, m), "{\"wrapped_int64\":\"5\",\"wrapped_double\":2.0}");
    expect_type_error(pool, "{\"wrapped_int64\": {\"value\": 1}}", "wrapped_int64", "{\"value\":1}", "dict");
    expect_type_error(pool, "{\"wrapped_bool\": \"true\"}", "wrapped_bool", "\"true\"", "str");
}

static void test_roundtrip(void **state)
{
    mlf_pool *pool = *state;
    const char *text =
        "{\"start_time\":1,\"experiment_ids\":[\"1\",\"2\"],\"experiment_id\":\"7\",\"scalars\":{\"f_int32\":-1,"
        "\"f_int64\":-9223372036854775808,\"f_uint32\":4294967295,\"f_uint64\":18446744073709551615,"
        "\"f_sint32\":-2,\"f_sint64\":3,\"f_fixed32\":4,\"f_fixed64\":5,\"f_sfixed32\":-6,\"f_sfixed64\":-7,"
        "\"f_float\":1.5,\"f_double\":\"-Infinity\",\"f_bool\":true,\"f_string\":\"\\u00e9\\n\",\"f_bytes\":\"AP8=\","
        "\"f_enum\":\"RED\"},\"inner\":{\"name\":\"n\",\"children\":[{}]},\"numbers\":[1,-2],\"values\":[0.5,\"NaN\"],"
        "\"colors\":[\"BLUE\"],\"tags\":{\"k\":\"v\"},\"choice_inner\":{\"value\":3},\"color\":\"RED\","
        "\"created\":\"2025-04-15T08:49:18.699Z\",\"elapsed\":\"-1.500s\",\"update_mask\":\"aB,c\","
        "\"attributes\":{\"a\":[1.0,null]},\"value\":\"x\",\"list\":[true],\"wrapped_int64\":\"-3\",\"flags\":[false],"
        "\"counters\":{\"c\":9},\"by_id\":{\"1\":{\"name\":\"i\"}},\"blob\":\"AAEC\"}";
    const char *once = recode(pool, text);
    assert_string_equal(once, text);
    assert_string_equal(recode(pool, once), text);
    /* and through the indented form */
    const char *pretty = out_indent(pool, decode_ok(pool, text), 2);
    assert_string_equal(recode(pool, pretty), text);
}

/* ------------------------------------------------------------------- query */

static Mlftest__Everything *query(mlf_pool *pool, const char *q, mlf_pbjson_result *res)
{
    ProtobufCMessage *m = NULL;
    mlf_error err = {0};
    int rc = mlf_pbjson_from_query(pool, everything, q, strlen(q), &m, res, &err);
    if (rc != 0)
        fail_msg("from_query failed: %s", err.message);
    return (Mlftest__Everything *)m;
}

static void test_query_basic(void **state)
{
    mlf_pool *pool = *state;
    mlf_pbjson_result res;
    Mlftest__Everything *m =
        query(pool,
              "start_time=12&experiment_ids=x+y&experiment_ids=%41%c3%a9&experiment_id=e1&experiment_id=e2"
              "&numbers=1&numbers=-2&color=BLUE&flag=TRUE&flags=true&unknown=1&startTime=9&&=x",
              &res);
    /* repeated bools stay strings (args.getlist), which ParseDict refuses */
    assert_int_equal(res.n_type_errors, 1);
    assert_string_equal(res.type_errors[0].field, "flags");
    assert_string_equal(res.type_errors[0].json_value, "[\"true\"]");
    assert_true(m->has_start_time && m->start_time == 12);
    assert_int_equal(m->n_experiment_ids, 2);
    assert_string_equal(m->experiment_ids[0], "x y");
    assert_string_equal(m->experiment_ids[1], "A\xc3\xa9");
    assert_string_equal(m->experiment_id, "e1"); /* args.get: the first value */
    assert_int_equal(m->n_numbers, 2);
    assert_true(m->numbers[1] == -2);
    assert_true(m->has_color && m->color == MLFTEST__COLOR__BLUE);
    assert_true(m->has_flag && m->flag);
    assert_int_equal(m->n_flags, 0);
    /* the dict MLflow validates */
    assert_non_null(res.json);
    mlf_buf b;
    mlf_buf_init(&b, pool, 64);
    mlf_json_write(&b, res.json);
    assert_string_equal(b.data,
                        "{\"start_time\":\"12\",\"experiment_ids\":[\"x y\",\"A\xc3\xa9\"],\"experiment_id\":"
                        "\"e1\",\"numbers\":[\"1\",\"-2\"],\"color\":\"BLUE\",\"flag\":true,\"flags\":[\"true\"]}");
}

static void test_query_decoding(void **state)
{
    mlf_pool *pool = *state;
    /* bad escapes stay literal; undecodable bytes are quoted back (werkzeug) */
    Mlftest__Everything *m = query(pool,
                                   "experiment_ids=%&experiment_ids=%4&experiment_ids=%zz1&experiment_ids=100%"
                                   "&experiment_ids=%ff%FE&experiment_ids=a%e2%82b&experiment_ids=%2B%20+"
                                   "&experiment_ids=&experiment_ids",
                                   NULL);
    assert_int_equal(m->n_experiment_ids, 9);
    assert_string_equal(m->experiment_ids[0], "%");
    assert_string_equal(m->experiment_ids[1], "%4");
    assert_string_equal(m->experiment_ids[2], "%zz1");
    assert_string_equal(m->experiment_ids[3], "100%");
    assert_string_equal(m->experiment_ids[4], "%FF%FE");
    assert_string_equal(m->experiment_ids[5], "a%E2%82b");
    assert_string_equal(m->experiment_ids[6], "+  ");
    assert_string_equal(m->experiment_ids[7], "");
    assert_string_equal(m->experiment_ids[8], "");
    /* keys are decoded too */
    m = query(pool, "experiment%5Fid=k&start+time=3", NULL);
    assert_string_equal(m->experiment_id, "k");
    assert_false(m->has_start_time);
    /* U+0000 cannot be in a string field */
    mlf_pbjson_result res;
    m = query(pool, "experiment_id=a%00b", &res);
    assert_int_equal(res.n_type_errors, 1);
    assert_null(m->experiment_id);
    m = query(pool, "", &res);
    assert_string_equal(out(pool, m), "{}");
    assert_int_equal(res.json->n, 0);
}

static void test_query_types(void **state)
{
    mlf_pool *pool = *state;
    mlf_pbjson_result res;
    /* strings for message fields do not fit, except well-known types with a string form */
    Mlftest__Everything *m = query(pool, "start_time=abc", &res);
    assert_int_equal(res.n_type_errors, 1);
    assert_string_equal(res.type_errors[0].field, "start_time");
    assert_string_equal(res.type_errors[0].json_value, "\"abc\"");
    assert_string_equal(res.type_errors[0].py_type, "str");
    /* a string for a message field is walked as its keys (json_format): characters that name no field make an
       empty message */
    m = query(pool, "inner=x&scalars=%7B%7D", &res);
    assert_int_equal(res.n_type_errors, 0);
    assert_non_null(m->inner);
    assert_non_null(m->scalars);
    m = query(pool, "created=2025-04-15T08:49:18Z&update_mask=aB&flag=false", &res);
    assert_int_equal(res.n_type_errors, 0);
    assert_true(m->created->seconds == 1744706958);
    assert_string_equal(m->update_mask->paths[0], "a_b");
    assert_true(m->has_flag && !m->flag);
    /* the first misfit in field order ends decoding */
    m = query(pool, "start_time=abc&inner=x&scalars=%7B%7D&flag=false", &res);
    assert_int_equal(res.n_type_errors, 1);
    assert_string_equal(res.type_errors[0].field, "start_time");
    assert_string_equal(res.type_errors[0].json_value, "\"abc\"");
    assert_string_equal(res.type_errors[0].py_type, "str");
    assert_false(m->has_flag);

    /* bools: true/false in any case, anything else is an error */
    static const char *const ok[] = {"flag=true", "flag=True", "flag=tRuE", "flag=FALSE", "flag=false&flag=x"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        m = query(pool, ok[i], &res);
        assert_true(m->has_flag);
        assert_int_equal(m->flag, strncasecmp(ok[i] + 5, "true", 4) == 0);
    }
    static const char *const bad[] = {"flag=1", "flag=yes", "flag=", "flag", "flag=true%20", "flag=x&flag=true"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ProtobufCMessage *pm = NULL;
        mlf_error err = {0};
        int rc = mlf_pbjson_from_query(pool, everything, bad[i], strlen(bad[i]), &pm, &res, &err);
        assert_int_equal(rc, -MLF_ERR_INVALID_PARAMETER_VALUE);
        assert_int_equal(err.code, MLF_ERR_INVALID_PARAMETER_VALUE);
    }
    ProtobufCMessage *pm = NULL;
    mlf_error err = {0};
    assert_int_equal(mlf_pbjson_from_query(pool, everything, "flag=yes", 8, &pm, NULL, &err),
                     -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_string_equal(err.message, "Invalid boolean value: yes, must be 'true' or 'false'.");
}

/* ------------------------------------------------------------ path values */

static void test_set_string_field(void **state)
{
    mlf_pool *pool = *state;
    Mlftest__Everything *m = (Mlftest__Everything *)mlf_pbjson_new_message(pool, everything);
    mlf_error err = {0};
    char buf[8];
    strcpy(buf, "exp1");
    assert_int_equal(mlf_pbjson_set_string_field(pool, &m->base, "experiment_id", buf, &err), 0);
    strcpy(buf, "zzzz"); /* the message owns a copy */
    assert_string_equal(m->experiment_id, "exp1");
    assert_int_equal(mlf_pbjson_set_string_field(pool, &m->base, "start_time", "-42", &err), 0);
    assert_true(m->has_start_time && m->start_time == -42);
    assert_int_equal(mlf_pbjson_set_string_field(pool, &m->base, "flag", "True", &err), 0);
    assert_true(m->has_flag && m->flag);
    assert_int_equal(mlf_pbjson_set_string_field(pool, &m->base, "color", "BLUE", &err), 0);
    assert_int_equal(m->color, MLFTEST__COLOR__BLUE);
    assert_int_equal(mlf_pbjson_set_string_field(pool, &m->base, "created", "2025-04-15T08:49:18Z", &err), 0);
    assert_true(m->created->seconds == 1744706958);
    assert_int_equal(mlf_pbjson_set_string_field(pool, &m->base, "experiment_ids", "a", &err), 0);
    assert_int_equal(mlf_pbjson_set_string_field(pool, &m->base, "experiment_ids", "b", &err), 0);
    assert_int_equal(m->n_experiment_ids, 2);
    assert_string_equal(m->experiment_ids[1], "b");
    assert_int_equal(mlf_pbjson_set_string_field(pool, &m->base, "choice_number", "3", &err), 0);
    assert_int_equal(m->choice_case, MLFTEST__EVERYTHING__CHOICE_CHOICE_NUMBER);

    assert_int_equal(mlf_pbjson_set_string_field(pool, &m->base, "start_time", "x\"y", &err),
                     -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_string_equal(err.message, "Invalid value \"x\\\"y\" for parameter 'start_time' supplied.");
    assert_true(m->start_time == -42);
    assert_int_equal(mlf_pbjson_set_string_field(pool, &m->base, "flag", "maybe", &err),
                     -MLF_ERR_INVALID_PARAMETER_VALUE);
    assert_int_equal(mlf_pbjson_set_string_field(pool, &m->base, "inner", "x", &err), 0); /* an empty message */
    assert_int_equal(mlf_pbjson_set_string_field(pool, &m->base, "no_such_field", "x", &err), -MLF_ERR_INTERNAL_ERROR);
    assert_int_equal(err.code, MLF_ERR_INTERNAL_ERROR);
    /* camelCase is not a field name here */
    assert_int_equal(mlf_pbjson_set_string_field(pool, &m->base, "startTime", "1", NULL), -MLF_ERR_INTERNAL_ERROR);
}

/* ------------------------------------------------------------- robustness */

/* n Inner messages, each the only child of the next; the outermost */
static Mlftest__Inner *inner_chain(mlf_pool *pool, int n)
{
    Mlftest__Inner *top = NULL;
    for (int i = 0; i < n; i++) {
        Mlftest__Inner *m = (Mlftest__Inner *)mlf_pbjson_new_message(pool, &mlftest__inner__descriptor);
        if (top != NULL) {
            m->n_children = 1;
            m->children = MLF_NEW_ARRAY(pool, Mlftest__Inner *, 1);
            m->children[0] = top;
        }
        top = m;
    }
    return top;
}

static void test_writer_depth(void **state)
{
    mlf_pool *pool = *state;
    /* a message nested far deeper than any JSON input could make is cut, not recursed into */
    Mlftest__Inner *top = inner_chain(pool, 100000);
    const char *s = out(pool, top);
    assert_int_equal(s[0], '{');
    assert_non_null(strstr(s, "{}"));
    /* still balanced JSON (too deep for our own parser, by design) */
    long depth = 0, max = 0;
    for (const char *c = s; *c; c++) {
        depth += (*c == '{' || *c == '[') - (*c == '}' || *c == ']');
        assert_true(depth >= 0);
        max = depth > max ? depth : max;
    }
    assert_int_equal(depth, 0);
    assert_true(max > MLF_JSON_MAX_DEPTH && max < 1000);
    Mlftest__Everything e = MLFTEST__EVERYTHING__INIT;
    e.inner = top;
    assert_non_null(out_indent(pool, &e, 2));
}

static void test_writer_nested(void **state)
{
    mlf_pool *pool = *state;
    /* a piece written as nested depth levels down is the bytes the whole message has for it, its depth
       limit included (a chain deeper than the limit is cut at the same place) */
    Mlftest__Inner *top = inner_chain(pool, 400);
    Mlftest__Everything e = MLFTEST__EVERYTHING__INIT;
    e.inner = top;
    const char *whole = out(pool, &e);
    mlf_buf b;
    mlf_buf_init(&b, pool, 64);
    mlf_buf_puts(&b, "{\"inner\":");
    mlf_pbjson_write_nested(&b, &top->base, 1);
    mlf_buf_putc(&b, '}');
    assert_string_equal(b.data, whole);
    mlf_buf_init(&b, pool, 64);
    mlf_pbjson_write_nested(&b, &top->base, 0);
    assert_string_equal(b.data, out(pool, top));
    /* not the same cut when written from the top: the test can tell */
    mlf_buf_init(&b, pool, 64);
    mlf_buf_puts(&b, "{\"inner\":");
    mlf_pbjson_write_nested(&b, &top->base, 0);
    mlf_buf_putc(&b, '}');
    assert_string_not_equal(b.data, whole);
}

static void test_decoder_depth(void **state)
{
    mlf_pool *pool = *state;
    /* messages nested to the parser's limit decode; ParseDict allows 100 levels of messages */
    mlf_buf b;
    mlf_buf_init(&b, pool, 4096);
    mlf_buf_puts(&b, "{\"inner\":");
    int levels = MLF_JSON_MAX_DEPTH / 2 - 1;
    for (int i = 0; i < levels; i++)
        mlf_buf_puts(&b, "{\"children\":[");
    mlf_buf_puts(&b, "{\"name\":\"leaf\"}");
    for (int i = 0; i < levels; i++)
        mlf_buf_puts(&b, "]}");
    mlf_buf_putc(&b, '}');
    Mlftest__Everything *m = decode_ok(pool, b.data);
    Mlftest__Inner *n = m->inner;
    for (int i = 0; i < levels; i++)
        n = n->children[0];
    assert_string_equal(n->name, "leaf");
    assert_string_equal(recode(pool, b.data), b.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_decode_scalars, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decode_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decode_integers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decode_floats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decode_bool_string_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decode_enums, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decode_null_and_unset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decode_nested_and_repeated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decode_map, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decode_oneof, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decode_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_type_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_root, setup, teardown),
        cmocka_unit_test_setup_teardown(test_experiment_ids_not_stringified, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conflicting_aliases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encode_order_and_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encode_numbers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encode_presence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encode_proto3, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timestamp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duration, setup, teardown),
        cmocka_unit_test_setup_teardown(test_field_mask, setup, teardown),
        cmocka_unit_test_setup_teardown(test_struct_value, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrappers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_query_basic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_query_decoding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_query_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_string_field, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writer_depth, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writer_nested, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decoder_depth, setup, teardown),
    };
    return cmocka_run_group_tests_name("pbjson", tests, NULL, NULL);
}
