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
    mlf_json_write_python(&b, v);
    return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                         "Invalid value %s for parameter '%s' supplied:  Hint: Value was of type '%s'." MLF__SEE_DOCS,
                         b.data, param, mlf_json_py_type(v));
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

/*
 * Per-element rules: the n consecutive elem rules starting at rules run
 * element by element (all of element 0's checks, then element 1's), as
 * MLflow's _assert_*_fields_present loops do.
 */
static int mlf__check_elems(mlf_pool *pool, const mlf_rule *rules, size_t n, const mlf_json *v, const char *param,
                            mlf_error *err)
{
    if (v == NULL || v->type != MLF_JSON_ARRAY)
        return 0;
    for (size_t i = 0; i < v->n; i++) {
        for (size_t k = 0; k < n; k++) {
            const mlf_rule *rule = &rules[k];
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
    }
    return 0;
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
        if (parse_failed && v->type == MLF_JSON_NUMBER && isinf(v->number)) {
            /* _assert_intlike's int(x) raises OverflowError, which nothing catches: Werkzeug's 500 page */
            int rc = mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "cannot convert float infinity to integer");
            if (err != NULL)
                err->uncaught = true;
            return rc;
        }
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
        return mlf__check_elems(pool, rule, 1, v, param, err);
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
                const mlf_rule *rule = &rpc->rules[k];
                int rc;
                if (rule->kind == MLF_RULE_ELEM_REQUIRED || rule->kind == MLF_RULE_ELEM_MAXLEN) {
                    size_t e = k;
                    while (e < j && (rpc->rules[e].kind == MLF_RULE_ELEM_REQUIRED ||
                                     rpc->rules[e].kind == MLF_RULE_ELEM_MAXLEN))
                        e++;
                    rc = mlf__check_elems(pool, rule, e - k, v, field, err);
                    k = e - 1;
                } else {
                    rc = mlf__check_raw(pool, rule, v, field, req->parse_failed, err);
                }
                if (rc != 0)
                    return rc;
            }
        }
        i = j;
    }
    return 0;
}
