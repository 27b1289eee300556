/*
 * Page tokens: base64 of the JSON {"offset": N}, decoded as MLflow's
 * SearchUtils.parse_start_offset_from_page_token does (base64.b64decode,
 * json.loads, int()), with its messages. The JSON is read in json.loads mode
 * (MLF_JSON_LOADS); how Python prints the parsed value back (repr) in
 * "Invalid page token, parsed value=..." is mlf_pystr_put_json_repr.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "store/pystr.h"
#include "core/text.h"
#include "json/json.h"
#include "search/search.h"

#define MLF__INVALID MLF_ERR_INVALID_PARAMETER_VALUE

/* json.loads(bytes): NULL where Python raises ValueError. */
static mlf_json *mlf__json_loads(mlf_pool *pool, const unsigned char *b, size_t n)
{
    mlf_json *v = NULL;
    return mlf_json_parse_ex(pool, (const char *)b, n, MLF_JSON_LOADS, &v, NULL) == 0 ? v : NULL;
}

/* The value of key in a json.loads object (whose keys may hold U+0000), or NULL. */
static const mlf_json *mlf__jget(const mlf_json *dict, const char *key)
{
    size_t n = strlen(key);
    for (size_t k = 0; k < dict->n; k++)
        if (dict->key_lens[k] == n && memcmp(dict->keys[k], key, n) == 0)
            return dict->items[k];
    return NULL;
}

static bool mlf__jfalsy(const mlf_json *v)
{
    switch (v->type) {
    case MLF_JSON_NULL:
        return true;
    case MLF_JSON_BOOL:
        return !v->boolean;
    case MLF_JSON_NUMBER:
        return mlf_json_is_int(v) ? strcmp(v->text, "0") == 0 : v->number == 0;
    case MLF_JSON_STRING:
        return v->len == 0;
    default:
        return v->n == 0;
    }
}

/* Decimal digits (sign allowed) to int64; false when out of range. */
static bool mlf__to_int64(const char *digits, int64_t *out)
{
    bool neg = digits[0] == '-';
    uint64_t v = 0;
    const uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (const char *p = digits + (neg || digits[0] == '+'); *p; p++) {
        uint64_t d = (uint64_t)(*p - '0');
        if (v > (limit - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

/* Python's int(str): blanks around, a sign, decimal digits (any script) with
 * single underscores between them. Writes ASCII digits; false if invalid. */
static bool mlf__py_int_str(mlf_pool *pool, const char *s, char **digits)
{
    const char *t = mlf_pystr_strip(pool, s);
    size_t n = strlen(t), i = 0;
    mlf_buf b;
    mlf_buf_init(&b, pool, n + 2);
    if (i < n && (t[i] == '+' || t[i] == '-')) {
        if (t[i] == '-')
            mlf_buf_putc(&b, '-');
        i++;
    }
    bool any = false, last_us = false;
    while (i < n) {
        size_t cl;
        uint32_t cp = mlf_text_utf8_decode(t + i, n - i, MLF_TEXT_UTF8_SURROGATES, &cl);
        if (cp == '_') {
            if (!any || last_us)
                return false;
            last_us = true;
        } else {
            int d = mlf_pystr_digit_value(cp);
            if (d < 0)
                return false;
            mlf_buf_putc(&b, (char)('0' + d));
            any = true;
            last_us = false;
        }
        i += cl;
    }
    if (!any || last_us)
        return false;
    *digits = b.data;
    return true;
}

int mlf_search_page_token_decode(mlf_pool *pool, const char *token, int64_t *ret_offset, mlf_error *err)
{
    *ret_offset = 0;
    if (token == NULL || token[0] == '\0')
        return 0;
    size_t n = strlen(token);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)token[i] >= 0x80) /* base64.b64decode raises ValueError, uncaught: 500 */
            return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                                 "string argument should contain only ASCII characters");
    unsigned char *raw;
    size_t raw_n;
    if (mlf_text_b64_decode(pool, token, n, 0, &raw, &raw_n) != 0)
        return mlf_error_set(err, pool, MLF__INVALID, "Invalid page token, could not base64-decode");

    mlf_json *parsed = mlf__json_loads(pool, raw, raw_n);
    if (parsed == NULL)
        return mlf_error_set(err, pool, MLF__INVALID, "Invalid page token, decoded value=%s",
                             mlf_pystr_repr_bytes(pool, (const char *)raw, raw_n));
    if (parsed->type != MLF_JSON_OBJECT) /* AttributeError: no .get(), uncaught: 500 */
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "'%s' object has no attribute 'get'",
                             mlf_json_py_type(parsed));
    const mlf_json *offset = mlf__jget(parsed, "offset");
    if (offset == NULL || mlf__jfalsy(offset)) {
        mlf_buf b;
        mlf_buf_init(&b, pool, 64);
        mlf_pystr_put_json_repr(pool, &b, parsed, INT_MAX);
        return mlf_error_set(err, pool, MLF__INVALID, "Invalid page token, parsed value=%s", b.data);
    }

    const char *digits = NULL;
    switch (offset->type) {
    case MLF_JSON_NUMBER:
        if (mlf_json_is_int(offset)) {
            digits = offset->text;
            break;
        }
        if (isnan(offset->number))
            return mlf_error_set(err, pool, MLF__INVALID, "Invalid page token, not stringable nan");
        if (isinf(offset->number))
            return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "cannot convert float infinity to integer");
        if (offset->number >= 9223372036854775808.0 || offset->number < -9223372036854775808.0)
            return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "page token offset out of range");
        *ret_offset = (int64_t)offset->number; /* int() truncates toward zero */
        return 0;
    case MLF_JSON_BOOL:
        digits = "1";
        break;
    case MLF_JSON_STRING: {
        char *d;
        if (!mlf__py_int_str(pool, offset->text, &d))
            return mlf_error_set(err, pool, MLF__INVALID, "Invalid page token, not stringable %s", offset->text);
        digits = d;
        break;
    }
    default: /* TypeError from int(), uncaught: 500 */
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                             "int() argument must be a string, a bytes-like object or a real number, not '%s'",
                             mlf_json_py_type(offset));
    }
    /* Python has no limit; the database would reject an offset past int64. */
    if (!mlf__to_int64(digits, ret_offset))
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "page token offset out of range");
    return 0;
}

char *mlf_search_page_token_encode(mlf_pool *pool, int64_t offset)
{
    /* json.dumps({"offset": offset}) */
    char *json = mlf_pool_sprintf(pool, "{\"offset\": %lld}", (long long)offset);
    return mlf_text_b64_encode(pool, json, strlen(json));
}

/* ------------------------------------------------------------------ */
/* searchLoggedModels: SearchLoggedModelsPaginationToken               */
/* ------------------------------------------------------------------ */

static bool mlf__jstr_eq(const mlf_json *v, const char *s)
{
    if (s == NULL)
        return v == NULL || v->type == MLF_JSON_NULL;
    return v != NULL && v->type == MLF_JSON_STRING && v->len == strlen(s) && memcmp(v->text, s, v->len) == 0;
}

/* Python's == between a json.loads value and True/False (1 == True, 0.0 == False). */
static bool mlf__jbool_eq(const mlf_json *v, bool b)
{
    if (v == NULL)
        return false;
    switch (v->type) {
    case MLF_JSON_BOOL:
        return v->boolean == b;
    case MLF_JSON_NUMBER:
        if (mlf_json_is_int(v))
            return strcmp(v->text, b ? "1" : "0") == 0;
        return v->number == (b ? 1.0 : 0.0);
    default:
        return false;
    }
}

static void mlf__repr_opt_str(mlf_pool *pool, mlf_buf *b, const char *s)
{
    mlf_buf_puts(b, s != NULL ? mlf_pystr_repr(pool, s) : "None");
}

/* repr() of the handler's order_by list of dicts, or None. */
static char *mlf__orders_repr(mlf_pool *pool, const mlf_search_lm_order *orders, size_t n)
{
    if (n == 0)
        return "None";
    mlf_buf b;
    mlf_buf_init(&b, pool, 128);
    mlf_buf_putc(&b, '[');
    for (size_t i = 0; i < n; i++) {
        mlf_buf_puts(&b, i ? ", {'field_name': " : "{'field_name': ");
        mlf__repr_opt_str(pool, &b, orders[i].field_name);
        mlf_buf_puts(&b, orders[i].ascending ? ", 'ascending': True, 'dataset_name': "
                                             : ", 'ascending': False, 'dataset_name': ");
        mlf__repr_opt_str(pool, &b, orders[i].dataset_name);
        mlf_buf_puts(&b, ", 'dataset_digest': ");
        mlf__repr_opt_str(pool, &b, orders[i].dataset_digest);
        mlf_buf_putc(&b, '}');
    }
    mlf_buf_putc(&b, ']');
    return b.data;
}

static bool mlf__orders_eq(const mlf_json *v, const mlf_search_lm_order *orders, size_t n)
{
    if (n == 0)
        return v == NULL || mlf__jfalsy(v);
    if (v == NULL || v->type != MLF_JSON_ARRAY || v->n != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        const mlf_json *d = v->items[i];
        if (d->type != MLF_JSON_OBJECT || d->n != 4)
            return false;
        const mlf_json *asc = mlf__jget(d, "ascending");
        if (!mlf__jstr_eq(mlf__jget(d, "field_name"), orders[i].field_name) || !mlf__jbool_eq(asc, orders[i].ascending))
            return false;
        const mlf_json *name = mlf__jget(d, "dataset_name"), *digest = mlf__jget(d, "dataset_digest");
        if (name == NULL || digest == NULL || !mlf__jstr_eq(name, orders[i].dataset_name) ||
            !mlf__jstr_eq(digest, orders[i].dataset_digest))
            return false;
    }
    return true;
}

static char *mlf__jrepr_opt(mlf_pool *pool, const mlf_json *v)
{
    if (v == NULL)
        return "None";
    mlf_buf b;
    mlf_buf_init(&b, pool, 64);
    mlf_pystr_put_json_repr(pool, &b, v, INT_MAX);
    return b.data;
}

/* An exception the logged-model search lets escape (Werkzeug's HTML 500 page): rc with err marked. */
static int mlf__uncaught(mlf_error *err, int rc)
{
    if (err != NULL)
        err->uncaught = true;
    return rc;
}

int mlf_search_logged_model_token_decode(mlf_pool *pool, const char *token, char *const *experiment_ids, size_t n_ids,
                                         const char *filter, const mlf_search_lm_order *orders, size_t n_orders,
                                         int64_t *ret_offset, mlf_error *err)
{
    *ret_offset = 0;
    size_t n = strlen(token);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)token[i] >= 0x80) /* ValueError from b64decode, uncaught: 500 */
            return mlf__uncaught(err, mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                                                    "string argument should contain only ASCII characters"));
    unsigned char *raw;
    size_t raw_n;
    if (mlf_text_b64_decode(pool, token, n, 0, &raw, &raw_n) != 0) /* binascii.Error, uncaught: 500 */
        return mlf__uncaught(err, mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "Incorrect padding"));
    /* .decode("utf-8") before json.loads: a UnicodeDecodeError is not caught either */
    for (size_t i = 0; i < raw_n;) {
        size_t cl;
        if (mlf_text_utf8_decode((const char *)raw + i, raw_n - i, MLF_TEXT_UTF8_SURROGATES, &cl) ==
            MLF_TEXT_CP_INVALID)
            return mlf__uncaught(err, mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                                                    "'utf-8' codec can't decode byte 0x%02x", raw[i]));
        i += cl;
    }
    mlf_json *parsed = mlf__json_loads(pool, raw, raw_n);
    if (parsed == NULL) {
        /* JSONDecodeError: its position is reproduced only for a first character that starts no value */
        size_t i = 0;
        while (i < raw_n && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r'))
            i++;
        bool starts_value = i < raw_n && raw[i] != 0 && strchr("{[\"-0123456789", raw[i]) != NULL;
        static const char *const literals[] = {"true", "false", "null", "NaN", "Infinity"};
        for (size_t k = 0; k < 5 && !starts_value; k++)
            starts_value = raw_n - i >= strlen(literals[k]) &&
                           memcmp(raw + i, literals[k], strlen(literals[k])) == 0;
        return mlf_error_set(err, pool, MLF__INVALID, "Invalid page token: %s. %s", token,
                             starts_value ? "Invalid JSON"
                                          : mlf_pool_sprintf(pool, "Expecting value: line 1 column %zu (char %zu)",
                                                             i + 1, i));
    }
    if (parsed->type != MLF_JSON_OBJECT)
        return mlf__uncaught(err, mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "'%s' object has no attribute 'get'",
                                                parsed->type == MLF_JSON_ARRAY    ? "list"
                                                : parsed->type == MLF_JSON_STRING ? "str"
                                                                                  : "int"));

    /* validate(): experiment ids, filter string, order by, in that order */
    const mlf_json *ids = mlf__jget(parsed, "experiment_ids");
    bool same = ids != NULL && ids->type == MLF_JSON_ARRAY && ids->n == n_ids;
    for (size_t i = 0; same && i < n_ids; i++)
        same = mlf__jstr_eq(ids->items[i], experiment_ids[i] != NULL ? experiment_ids[i] : "");
    if (!same) {
        mlf_buf b;
        mlf_buf_init(&b, pool, 64);
        mlf_buf_putc(&b, '[');
        for (size_t i = 0; i < n_ids; i++) {
            if (i)
                mlf_buf_puts(&b, ", ");
            mlf__repr_opt_str(pool, &b, experiment_ids[i] != NULL ? experiment_ids[i] : "");
        }
        mlf_buf_putc(&b, ']');
        return mlf_error_set(err, pool, MLF__INVALID,
                             "Experiment IDs in the page token do not match the requested experiment IDs. "
                             "Expected: %s. Found: %s",
                             b.data, mlf__jrepr_opt(pool, ids));
    }
    const mlf_json *fs = mlf__jget(parsed, "filter_string");
    if (fs != NULL && mlf__jfalsy(fs))
        fs = NULL; /* `or None` */
    if (!mlf__jstr_eq(fs, filter)) {
        const char *found = fs == NULL ? "None" : fs->type == MLF_JSON_STRING ? fs->text : mlf__jrepr_opt(pool, fs);
        return mlf_error_set(err, pool, MLF__INVALID,
                             "Filter string in the page token does not match the requested filter string. "
                             "Expected: %s. Found: %s",
                             filter != NULL ? filter : "None", found);
    }
    const mlf_json *ob = mlf__jget(parsed, "order_by");
    if (!mlf__orders_eq(ob, orders, n_orders))
        return mlf_error_set(err, pool, MLF__INVALID,
                             "Order by in the page token does not match the requested order by. "
                             "Expected: %s. Found: %s",
                             mlf__orders_repr(pool, orders, n_orders),
                             ob == NULL || mlf__jfalsy(ob) ? "None" : mlf__jrepr_opt(pool, ob));
    const mlf_json *off = mlf__jget(parsed, "offset");
    if (off == NULL || mlf__jfalsy(off))
        return 0;
    /* `token.get("offset") or 0`, then SQLAlchemy's int() of it; what int() refuses is a 500 */
    char *digits = NULL;
    switch (off->type) {
    case MLF_JSON_BOOL:
        digits = "1";
        break;
    case MLF_JSON_STRING:
        if (!mlf__py_int_str(pool, off->text, &digits))
            return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "invalid literal for int() with base 10: %s",
                                 mlf_pystr_repr_n(pool, off->text, off->len));
        break;
    case MLF_JSON_NUMBER:
        if (mlf_json_is_int(off)) {
            digits = (char *)off->text;
            break;
        }
        if (isfinite(off->number) && fabs(off->number) < 9.2e18) {
            *ret_offset = (int64_t)off->number; /* int() truncates toward zero */
            return 0;
        }
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "cannot convert float %s to integer",
                             isnan(off->number) ? "NaN" : "infinity");
    default:
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                             "int() argument must be a string, a bytes-like object or a real number, not '%s'",
                             mlf_json_py_type(off));
    }
    if (!mlf__to_int64(digits, ret_offset))
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "page token offset out of range");
    return 0;
}

/* json.dumps of a str or None (ensure_ascii). */
static void mlf__dumps_opt_str(mlf_buf *b, const char *s)
{
    if (s == NULL)
        mlf_buf_puts(b, "null");
    else
        mlf_json_write_string_ascii(b, s, strlen(s));
}

char *mlf_search_logged_model_token_encode(mlf_pool *pool, char *const *experiment_ids, size_t n_ids,
                                           const char *filter, const mlf_search_lm_order *orders, size_t n_orders,
                                           int64_t offset)
{
    /* json.dumps(asdict(token)): experiment_ids, filter_string, order_by, offset */
    mlf_buf b;
    mlf_buf_init(&b, pool, 256);
    mlf_buf_puts(&b, "{\"experiment_ids\": [");
    for (size_t i = 0; i < n_ids; i++) {
        if (i)
            mlf_buf_puts(&b, ", ");
        mlf__dumps_opt_str(&b, experiment_ids[i] != NULL ? experiment_ids[i] : "");
    }
    mlf_buf_puts(&b, "], \"filter_string\": ");
    mlf__dumps_opt_str(&b, filter);
    mlf_buf_puts(&b, ", \"order_by\": ");
    if (n_orders == 0)
        mlf_buf_puts(&b, "null");
    else {
        mlf_buf_putc(&b, '[');
        for (size_t i = 0; i < n_orders; i++) {
            mlf_buf_puts(&b, i ? ", {\"field_name\": " : "{\"field_name\": ");
            mlf__dumps_opt_str(&b, orders[i].field_name);
            mlf_buf_puts(&b, orders[i].ascending ? ", \"ascending\": true, \"dataset_name\": "
                                                 : ", \"ascending\": false, \"dataset_name\": ");
            mlf__dumps_opt_str(&b, orders[i].dataset_name);
            mlf_buf_puts(&b, ", \"dataset_digest\": ");
            mlf__dumps_opt_str(&b, orders[i].dataset_digest);
            mlf_buf_putc(&b, '}');
        }
        mlf_buf_putc(&b, ']');
    }
    mlf_buf_printf(&b, ", \"offset\": %lld}", (long long)offset);
    return mlf_text_b64_encode(pool, b.data, b.len);
}
