/*
 * The rules of validations.def, applied with the semantics of MLflow's
 * handler schemas: a field is checked when its key is in the request dict or
 * the rule list has `required`; type checks run only when the request did
 * not parse into the message; the first failure ends validation.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json/pbjson.h"
#include "rpc/rpc.h"

#define MLF__SEE_DOCS " See the API docs for more information about request parameters."

/* Python's json.dumps with ensure_ascii: non-ASCII as \uXXXX (surrogate pairs above the BMP). */
static void mlf__py_string(mlf_buf *buf, const char *s, size_t len)
{
    mlf_buf_putc(buf, '"');
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            switch (c) {
            case '"': mlf_buf_puts(buf, "\\\""); break;
            case '\\': mlf_buf_puts(buf, "\\\\"); break;
            case '\n': mlf_buf_puts(buf, "\\n"); break;
            case '\r': mlf_buf_puts(buf, "\\r"); break;
            case '\t': mlf_buf_puts(buf, "\\t"); break;
            case '\b': mlf_buf_puts(buf, "\\b"); break;
            case '\f': mlf_buf_puts(buf, "\\f"); break;
            default:
                if (c < 0x20)
                    mlf_buf_printf(buf, "\\u%04x", c);
                else
                    mlf_buf_putc(buf, (char)c);
            }
            i++;
            continue;
        }
        /* input is valid UTF-8 (the parser checked it) */
        unsigned cp;
        int n;
        if (c >= 0xF0) {
            cp = c & 0x07;
            n = 3;
        } else if (c >= 0xE0) {
            cp = c & 0x0F;
            n = 2;
        } else {
            cp = c & 0x1F;
            n = 1;
        }
        i++;
        for (int k = 0; k < n && i < len; k++, i++)
            cp = (cp << 6) | ((unsigned char)s[i] & 0x3F);
        if (cp >= 0x10000) {
            cp -= 0x10000;
            mlf_buf_printf(buf, "\\u%04x\\u%04x", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
        } else {
            mlf_buf_printf(buf, "\\u%04x", cp);
        }
    }
    mlf_buf_putc(buf, '"');
}

static int mlf__key_cmp(const void *a, const void *b)
{
    const char *ka = *(const char *const *)a, *kb = *(const char *const *)b;
    return strcmp(ka, kb);
}

void mlf_rpc_write_python_json(mlf_buf *buf, const mlf_json *v)
{
    switch (v->type) {
    case MLF_JSON_NULL:
        mlf_buf_puts(buf, "null");
        break;
    case MLF_JSON_BOOL:
        mlf_buf_puts(buf, v->boolean ? "true" : "false");
        break;
    case MLF_JSON_NUMBER:
        if (isnan(v->number))
            mlf_buf_puts(buf, "NaN");
        else if (isinf(v->number))
            mlf_buf_puts(buf, v->number > 0 ? "Infinity" : "-Infinity");
        else if (strpbrk(v->text, ".eE") == NULL)
            mlf_buf_append(buf, v->text, v->len); /* Python ints keep every digit */
        else
            mlf_json_write_double(buf, v->number);
        break;
    case MLF_JSON_STRING:
        mlf__py_string(buf, v->text, v->len);
        break;
    case MLF_JSON_ARRAY:
        mlf_buf_putc(buf, '[');
        for (size_t i = 0; i < v->n; i++) {
            if (i)
                mlf_buf_putc(buf, ',');
            mlf_rpc_write_python_json(buf, v->items[i]);
        }
        mlf_buf_putc(buf, ']');
        break;
    case MLF_JSON_OBJECT: {
        /* sort_keys=True; a repeated key keeps its last value, as a dict does */
        const char **keys = MLF_NEW_ARRAY(buf->pool, const char *, v->n + 1);
        size_t nk = 0;
        for (size_t i = 0; i < v->n; i++) {
            size_t j;
            for (j = 0; j < nk; j++)
                if (strcmp(keys[j], v->keys[i]) == 0)
                    break;
            if (j == nk)
                keys[nk++] = v->keys[i];
        }
        qsort(keys, nk, sizeof(*keys), mlf__key_cmp);
        mlf_buf_putc(buf, '{');
        for (size_t i = 0; i < nk; i++) {
            if (i)
                mlf_buf_putc(buf, ',');
            mlf__py_string(buf, keys[i], strlen(keys[i]));
            mlf_buf_putc(buf, ':');
            mlf_rpc_write_python_json(buf, mlf_json_get(v, keys[i]));
        }
        mlf_buf_putc(buf, '}');
        break;
    }
    }
}

static const char *mlf__py_type(const mlf_json *v)
{
    switch (v->type) {
    case MLF_JSON_NULL: return "NoneType";
    case MLF_JSON_BOOL: return "bool";
    case MLF_JSON_NUMBER:
        return (isfinite(v->number) && strpbrk(v->text, ".eE") == NULL) ? "int" : "float";
    case MLF_JSON_STRING: return "str";
    case MLF_JSON_ARRAY: return "list";
    case MLF_JSON_OBJECT: return "dict";
    }
    return "object";
}

/* Python's int(s) for a str: optional whitespace and sign, digits with single underscores. */
static bool mlf__py_int_string(const char *s, long double *ret)
{
    while (isspace((unsigned char)*s))
        s++;
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    if (!isdigit((unsigned char)*p))
        return false;
    char digits[64];
    size_t nd = 0;
    bool prev_us = false;
    for (; *p && !isspace((unsigned char)*p); p++) {
        if (*p == '_') {
            if (prev_us)
                return false;
            prev_us = true;
            continue;
        }
        if (!isdigit((unsigned char)*p))
            return false;
        prev_us = false;
        if (nd < sizeof(digits) - 1)
            digits[nd++] = *p;
    }
    if (prev_us)
        return false;
    while (isspace((unsigned char)*p))
        p++;
    if (*p)
        return false;
    digits[nd] = '\0';
    long double v = strtold(digits, NULL);
    *ret = (*s == '-') ? -v : v;
    return true;
}

/* The number int(x) gives, for the values where Python's int() succeeds. */
static bool mlf__py_int(const mlf_json *v, long double *ret)
{
    switch (v->type) {
    case MLF_JSON_BOOL:
        *ret = v->boolean;
        return true;
    case MLF_JSON_NUMBER:
        if (!isfinite(v->number))
            return false;
        *ret = truncl(strtold(v->text, NULL));
        return true;
    case MLF_JSON_STRING:
        return mlf__py_int_string(v->text, ret);
    default:
        return false;
    }
}

static bool mlf__py_float(const mlf_json *v)
{
    if (v->type == MLF_JSON_NUMBER || v->type == MLF_JSON_BOOL)
        return true;
    if (v->type != MLF_JSON_STRING)
        return false;
    const char *s = v->text;
    while (isspace((unsigned char)*s))
        s++;
    if (*s == '\0')
        return false;
    char *end;
    errno = 0;
    strtod(s, &end);
    if (end == s)
        return false;
    while (isspace((unsigned char)*end))
        end++;
    return *end == '\0';
}

static int mlf__invalid(mlf_pool *pool, const mlf_rule *rule, const char *param, const mlf_json *v, mlf_error *err)
{
    if (rule->message != NULL)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "%s" MLF__SEE_DOCS, rule->message);
    mlf_buf b;
    mlf_buf_init(&b, pool, 64);
    mlf_rpc_write_python_json(&b, v);
    return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                         "Invalid value %s for parameter '%s' supplied:  Hint: Value was of type '%s'." MLF__SEE_DOCS,
                         b.data, param, mlf__py_type(v));
}

static int mlf__missing(mlf_pool *pool, const mlf_rule *rule, const char *param, mlf_error *err)
{
    if (rule->message != NULL)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "%s" MLF__SEE_DOCS, rule->message);
    return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                         "Missing value for required parameter '%s'." MLF__SEE_DOCS, param);
}

static size_t mlf__utf8_chars(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

/* One rule against the raw request dict (MLflow's exact semantics). */
static int mlf__check_raw(mlf_pool *pool, const mlf_rule *rule, const mlf_json *v, const char *param, bool parse_failed,
                          mlf_error *err)
{
    static const mlf_json null_value = {.type = MLF_JSON_NULL};
    if (v == NULL)
        v = &null_value;
    switch (rule->kind) {
    case MLF_RULE_REQUIRED:
        if (v->type == MLF_JSON_NULL || (v->type == MLF_JSON_STRING && v->len == 0))
            return mlf__missing(pool, rule, param, err);
        return 0;
    case MLF_RULE_TYPE_STRING:
        return (!parse_failed || v->type == MLF_JSON_STRING) ? 0 : mlf__invalid(pool, rule, param, v, err);
    case MLF_RULE_TYPE_INT: {
        long double d;
        return (!parse_failed || mlf__py_int(v, &d)) ? 0 : mlf__invalid(pool, rule, param, v, err);
    }
    case MLF_RULE_TYPE_FLOAT:
        return (!parse_failed || mlf__py_float(v)) ? 0 : mlf__invalid(pool, rule, param, v, err);
    case MLF_RULE_TYPE_BOOL:
        return (!parse_failed || v->type == MLF_JSON_BOOL) ? 0 : mlf__invalid(pool, rule, param, v, err);
    case MLF_RULE_TYPE_ARRAY:
        return (!parse_failed || v->type == MLF_JSON_ARRAY) ? 0 : mlf__invalid(pool, rule, param, v, err);
    case MLF_RULE_TYPE_ITEMS_STRING:
        if (!parse_failed || v->type == MLF_JSON_STRING)
            return 0;
        if (v->type != MLF_JSON_ARRAY)
            return mlf__invalid(pool, rule, param, v, err);
        for (size_t i = 0; i < v->n; i++)
            if (v->items[i]->type != MLF_JSON_STRING)
                return mlf__invalid(pool, rule, param, v, err);
        return 0;
    case MLF_RULE_MAX:
    case MLF_RULE_RANGE: {
        long double d;
        if (!mlf__py_int(v, &d))
            return mlf__invalid(pool, rule, param, v, err);
        bool ok = rule->kind == MLF_RULE_MAX ? d <= (long double)rule->arg
                                             : (d >= (long double)rule->arg && d <= (long double)rule->arg2);
        return ok ? 0 : mlf__invalid(pool, rule, param, v, err);
    }
    case MLF_RULE_MAXLEN:
        if (v->type == MLF_JSON_STRING && mlf__utf8_chars(v->text, v->len) > (size_t)rule->arg) {
            if (rule->message != NULL)
                return mlf__invalid(pool, rule, param, v, err);
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                 "'%s' exceeds the maximum length of %lld characters", param, (long long)rule->arg);
        }
        return 0;
    case MLF_RULE_MAXITEMS:
        if (v->type == MLF_JSON_ARRAY && v->n > (size_t)rule->arg) {
            if (rule->message != NULL) {
                /* {n} in a custom message is the count */
                const char *at = strstr(rule->message, "{n}");
                const char *msg = rule->message;
                if (at != NULL)
                    msg = mlf_pool_sprintf(pool, "%.*s%zu%s", (int)(at - rule->message), rule->message, v->n, at + 3);
                return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "%s" MLF__SEE_DOCS, msg);
            }
            return mlf__invalid(pool, rule, param, v, err);
        }
        return 0;
    case MLF_RULE_ELEM_REQUIRED:
    case MLF_RULE_ELEM_MAXLEN:
        if (v->type != MLF_JSON_ARRAY)
            return 0;
        for (size_t i = 0; i < v->n; i++) {
            const mlf_json *e = v->items[i]->type == MLF_JSON_OBJECT ? mlf_json_get(v->items[i], rule->sub) : NULL;
            const char *path = mlf_pool_sprintf(pool, "%s[%zu].%s", param, i, rule->sub);
            if (rule->kind == MLF_RULE_ELEM_REQUIRED) {
                if (e == NULL || e->type == MLF_JSON_NULL || (e->type == MLF_JSON_STRING && e->len == 0))
                    return mlf__missing(pool, rule, path, err);
            } else if (e != NULL && e->type == MLF_JSON_STRING && mlf__utf8_chars(e->text, e->len) > (size_t)rule->arg) {
                return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                     "'%s' exceeds the maximum length of %lld characters", path, (long long)rule->arg);
            }
        }
        return 0;
    }
    return 0;
}

/* The request dict MLflow would have built from a protobuf message: only set fields. */
static const mlf_json *mlf__raw_from_message(mlf_pool *pool, const ProtobufCMessage *msg)
{
    mlf_buf b;
    mlf_buf_init(&b, pool, 256);
    mlf_pbjson_write(&b, msg);
    mlf_json *root = NULL;
    if (mlf_json_parse(pool, b.data, b.len, &root, NULL) != 0)
        return NULL;
    return root;
}

int mlf_rpc_validate(mlf_pool *pool, const mlf_rpc *rpc, const mlf_rpc_request *req, mlf_error *err)
{
    if (rpc->n_rules == 0)
        return 0;
    const mlf_json *raw = req->raw;
    if (raw == NULL)
        raw = mlf__raw_from_message(pool, req->msg);
    if (raw == NULL || raw->type != MLF_JSON_OBJECT)
        return 0;
    for (size_t i = 0; i < rpc->n_rules;) {
        /* the rules of one field are consecutive */
        const char *field = rpc->rules[i].field;
        size_t j = i;
        bool has_required = false;
        for (; j < rpc->n_rules && strcmp(rpc->rules[j].field, field) == 0; j++)
            if (rpc->rules[j].kind == MLF_RULE_REQUIRED)
                has_required = true;
        const mlf_json *v = mlf_json_get(raw, field);
        const mlf_json *present = v;
        if (strcmp(field, "run_id") == 0 && v == NULL)
            v = mlf_json_get(raw, "run_uuid"); /* the legacy alias, as MLflow checks it */
        if (present != NULL || has_required) {
            for (size_t k = i; k < j; k++) {
                int rc = mlf__check_raw(pool, &rpc->rules[k], v, field, req->parse_failed, err);
                if (rc != 0)
                    return rc;
            }
        }
        i = j;
    }
    return 0;
}
