/*
 * searchLoggedModels filters: mlflow/utils/search_logged_model_utils.py
 * (parse_filter_string, Entity, Comparison). This grammar is not the runs'
 * one: operators are taken exactly as written, values are converted with
 * float() / str.strip("'") / ast.literal_eval(), and every error is raised
 * while walking the statement, so the first bad token wins.
 */
#include <ctype.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

#include "search/pyutil.h"
#include "core/text.h"
#include "store/pystr.h"
#include "search/search.h"
#include "search/search_internal.h"
#include "search/sqlparse.h"

#define MLF__INVALID MLF_ERR_INVALID_PARAMETER_VALUE
#define MLF__STRING_OPS "('=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN')"
#define MLF__NUMERIC_OPS "('<', '<=', '>', '>=', '=', '!=')"

/* SqlLoggedModel.ALIASES */
static const char *mlf__alias(const char *key)
{
    if (strcmp(key, "creation_time") == 0 || strcmp(key, "creation_timestamp") == 0)
        return "creation_timestamp_ms";
    if (strcmp(key, "last_updated_timestamp") == 0)
        return "last_updated_timestamp_ms";
    return key;
}

/* str.strip(chars) for one ASCII character. */
static char *mlf__strip_char(mlf_pool *pool, const char *s, char ch)
{
    size_t n = strlen(s), a = 0;
    while (a < n && s[a] == ch)
        a++;
    while (n > a && s[n - 1] == ch)
        n--;
    return mlf_pool_strndup(pool, s + a, n - a);
}

/* Entity.from_str: `^([a-z]+)\.(.+)$` (Python's re: `.` stops at a newline, `$` may precede a final one). */
static int mlf__entity(mlf_pool *pool, const char *s, mlf_search_clause *cl, mlf_error *err)
{
    size_t i = 0;
    while (s[i] >= 'a' && s[i] <= 'z')
        i++;
    bool match = i > 0 && s[i] == '.' && s[i + 1] != '\0' && s[i + 1] != '\n';
    size_t key_len = 0;
    if (match) {
        const char *rest = s + i + 1;
        const char *nl = strchr(rest, '\n');
        key_len = strlen(rest);
        if (nl != NULL) {
            if (nl[1] != '\0')
                match = false;
            else
                key_len--;
        }
    }
    if (!match) {
        cl->entity = MLF_ENTITY_ATTRIBUTE;
        cl->key = mlf__strip_char(pool, mlf__alias(s), '`');
        return 0;
    }
    char *type = mlf_pool_strndup(pool, s, i);
    if (strcmp(type, "attributes") == 0)
        cl->entity = MLF_ENTITY_ATTRIBUTE;
    else if (strcmp(type, "metrics") == 0)
        cl->entity = MLF_ENTITY_METRIC;
    else if (strcmp(type, "params") == 0)
        cl->entity = MLF_ENTITY_PARAM;
    else if (strcmp(type, "tags") == 0)
        cl->entity = MLF_ENTITY_TAG;
    else
        return mlf_error_set(err, pool, MLF__INVALID,
                             "Invalid entity type: %s. Expected one of ['attributes', 'metrics', 'params', 'tags'].",
                             mlf_pystr_repr(pool, type));
    cl->key = mlf__strip_char(pool, mlf_pool_strndup(pool, s + i + 1, key_len), '`');
    return 0;
}

static const char *mlf__entity_name(mlf_search_entity e)
{
    switch (e) {
    case MLF_ENTITY_METRIC:
        return "metrics";
    case MLF_ENTITY_PARAM:
        return "params";
    case MLF_ENTITY_TAG:
        return "tags";
    default:
        return "attributes";
    }
}

/* Entity.is_numeric */
static bool mlf__is_numeric(const mlf_search_clause *cl)
{
    if (cl->entity == MLF_ENTITY_METRIC)
        return true;
    if (cl->entity != MLF_ENTITY_ATTRIBUTE)
        return false;
    const char *k = mlf__alias(cl->key);
    return strcmp(k, "creation_timestamp_ms") == 0 || strcmp(k, "last_updated_timestamp_ms") == 0;
}

/* Entity.validate_op; the operator is compared as written. */
static int mlf__validate_op(mlf_pool *pool, mlf_search_clause *cl, const char *op, mlf_error *err)
{
    static const struct {
        const char *text;
        mlf_search_op op;
        bool numeric, string;
    } ops[] = {
        {"<", MLF_OP_LT, true, false},        {"<=", MLF_OP_LE, true, false},     {">", MLF_OP_GT, true, false},
        {">=", MLF_OP_GE, true, false},       {"=", MLF_OP_EQ, true, true},       {"!=", MLF_OP_NE, true, true},
        {"LIKE", MLF_OP_LIKE, false, true},   {"ILIKE", MLF_OP_ILIKE, false, true}, {"IN", MLF_OP_IN, false, true},
        {"NOT IN", MLF_OP_NOT_IN, false, true},
    };
    bool numeric = mlf__is_numeric(cl);
    for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++)
        if (strcmp(op, ops[k].text) == 0 && (numeric ? ops[k].numeric : ops[k].string)) {
            cl->op = ops[k].op;
            return 0;
        }
    return mlf_error_set(err, pool, MLF__INVALID, "Invalid comparison operator for %s.%s: %s. Expected one of %s.",
                         mlf__entity_name(cl->entity), cl->key, mlf_pystr_repr(pool, op),
                         numeric ? MLF__NUMERIC_OPS : MLF__STRING_OPS);
}

/* Appends ASCII digits with single underscores between them; returns how many digits were read. */
static size_t mlf__digits(const char **p, mlf_buf *out)
{
    size_t n = 0;
    const char *s = *p;
    while (isdigit((unsigned char)*s)) {
        mlf_buf_putc(out, *s++);
        n++;
        if (*s == '_' && isdigit((unsigned char)s[1]))
            s++;
    }
    *p = s;
    return n;
}

/* Python's float(str): whitespace around, a sign, digits with underscores, inf/infinity/nan. -1 for ValueError. */
static int mlf__py_float(mlf_pool *pool, const char *text, double *ret)
{
    size_t len = strlen(text);
    mlf_buf a;
    mlf_buf_init(&a, pool, len + 1);
    for (size_t i = 0; i < len;) {
        size_t cl;
        uint32_t cp = mlf_text_utf8_decode(text + i, len - i, MLF_TEXT_UTF8_SURROGATES, &cl);
        int d = mlf_pystr_digit_value(cp);
        if (d >= 0)
            mlf_buf_putc(&a, (char)('0' + d));
        else if (mlf_pystr_is_space(cp))
            mlf_buf_putc(&a, ' ');
        else if (cp < 0x80 && cp != 0)
            mlf_buf_putc(&a, (char)cp);
        else
            return -1;
        i += cl;
    }
    mlf_buf_putc(&a, '\0');
    const char *s = a.data;
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == ' ')
        n--;
    char *t = mlf_pool_strndup(pool, s, n);
    const char *p = t;
    mlf_buf num;
    mlf_buf_init(&num, pool, n + 2);
    if (*p == '+' || *p == '-')
        mlf_buf_putc(&num, *p++);
    if (strcasecmp(p, "inf") == 0 || strcasecmp(p, "infinity") == 0 || strcasecmp(p, "nan") == 0) {
        mlf_buf_puts(&num, p);
        *ret = strtod(num.data, NULL);
        return 0;
    }
    size_t digits = mlf__digits(&p, &num);
    if (*p == '.') {
        mlf_buf_putc(&num, *p++);
        digits += mlf__digits(&p, &num);
    }
    if (digits == 0)
        return -1;
    if (*p == 'e' || *p == 'E') {
        mlf_buf_putc(&num, *p++);
        if (*p == '+' || *p == '-')
            mlf_buf_putc(&num, *p++);
        if (mlf__digits(&p, &num) == 0)
            return -1;
    }
    if (*p != '\0')
        return -1;
    mlf_buf_putc(&num, '\0');
    *ret = strtod(num.data, NULL);
    return 0;
}

/* The value of a comparison, converted as parse_filter_string does. */
static int mlf__value(mlf_pool *pool, mlf_search_clause *cl, const char *value, mlf_error *err)
{
    if (mlf__is_numeric(cl)) {
        if (mlf__py_float(pool, value, &cl->num) < 0)
            /* a ValueError MLflow does not catch: the server answers 500 */
            return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "could not convert string to float: %s",
                                 mlf_pystr_repr(pool, value));
        cl->value_kind = MLF_VALUE_NUMBER;
        cl->num_text = value;
        return 0;
    }
    char *v = mlf__strip_char(pool, value, '\'');
    size_t n = strlen(v);
    if (n >= 1 && v[0] == '(' && v[n - 1] == ')') {
        const char **strs;
        size_t n_strs;
        const char *repr;
        switch (mlf__py_literal_tuple(pool, v, &strs, &n_strs, &repr)) {
        case MLF__PYLIT_SYNTAX_ERROR:
            return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "invalid syntax: %s", v);
        case MLF__PYLIT_VALUE_ERROR:
            return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "malformed node or string: %s", v);
        case MLF__PYLIT_OK:
            break;
        }
        cl->value_kind = MLF_VALUE_LIST;
        cl->list = strs;
        cl->n_list = n_strs;
        return 0;
    }
    cl->value_kind = MLF_VALUE_STRING;
    cl->str = v;
    return 0;
}

static int mlf__comparison(mlf_pool *pool, const char *ident, const char *op, const char *value,
                           mlf_search_clause *cl, mlf_error *err)
{
    int rc = mlf__entity(pool, ident, cl, err);
    if (rc < 0)
        return rc;
    rc = mlf__validate_op(pool, cl, op, err);
    if (rc < 0)
        return rc;
    return mlf__value(pool, cl, value, err);
}

int mlf_search_parse_logged_model_filter(mlf_pool *pool, const char *filter, mlf_search_clause **ret_clauses,
                                         size_t *ret_n, mlf_error *err)
{
    *ret_clauses = NULL;
    *ret_n = 0;
    if (filter == NULL || filter[0] == '\0')
        return 0;
    const char *repr = mlf_pystr_repr(pool, filter);
    mlf__tok **stmts;
    size_t n_stmts;
    if (mlf__sql_parse(pool, filter, &stmts, &n_stmts) < 0)
        return mlf_error_set(err, pool, MLF__INVALID, "Invalid filter string: %s. %s", repr,
                             "SQLParseError('Maximum recursion depth exceeded')");
    if (n_stmts != 1)
        return mlf_error_set(err, pool, MLF__INVALID, "Invalid filter string: %s. Expected a single SQL expression.",
                             repr);
    size_t n_items;
    mlf__item *items = mlf__search_join_in(pool, filter, stmts[0], &n_items);
    mlf_search_clause *clauses = MLF_NEW_ARRAY(pool, mlf_search_clause, n_items ? n_items : 1);
    size_t m = 0;
    for (size_t k = 0; k < n_items; k++) {
        const mlf__tok *t = items[k].tok;
        mlf_search_clause *cl = &clauses[m];
        memset(cl, 0, sizeof(*cl));
        int rc;
        if (t == NULL && items[k].null_cmp != NULL) {
            /* a joined `x IS NULL` has two tokens; str() of the joined group has no space between them */
            return mlf_error_set(err, pool, MLF__INVALID,
                                 "Invalid comparison: %s%s. Expected a comparison with 3 tokens.",
                                 mlf__sql_text(pool, filter, items[k].parts[0]), items[k].null_cmp);
        } else if (t == NULL) {
            const char *op = items[k].not_in ? "NOT IN" : mlf__sql_text(pool, filter, items[k].parts[1]);
            rc = mlf__comparison(pool, mlf__sql_text(pool, filter, items[k].parts[0]), op,
                                 mlf__sql_text(pool, filter, items[k].parts[2]), cl, err);
        } else if (t->cls == MLF__C_COMPARISON) {
            const char *parts[3];
            size_t n = 0;
            for (size_t j = 0; j < t->n; j++) {
                if (mlf__sql_is_ws(t->kids[j]))
                    continue;
                if (n < 3)
                    parts[n] = mlf__sql_text(pool, filter, t->kids[j]);
                n++;
            }
            if (n != 3)
                return mlf_error_set(err, pool, MLF__INVALID,
                                     "Invalid comparison: %s. Expected a comparison with 3 tokens.",
                                     mlf__sql_text(pool, filter, t));
            rc = mlf__comparison(pool, parts[0], parts[1], parts[2], cl, err);
        } else {
            char upper[8];
            char *text = mlf_pystr_strip(pool, mlf__sql_text(pool, filter, t));
            if (mlf_pystr_upper_ascii(text, strlen(text), upper, sizeof(upper)) >= 0 && strcmp(upper, "AND") == 0)
                continue;
            return mlf_error_set(err, pool, MLF__INVALID,
                                 "Invalid filter string: %s. Expected a list of comparisons separated by 'AND' "
                                 "(e.g. 'metrics.loss > 0.1 AND params.lr = 0.01').",
                                 repr);
        }
        if (rc < 0)
            return rc;
        m++;
    }
    *ret_clauses = clauses;
    *ret_n = m;
    return 0;
}
