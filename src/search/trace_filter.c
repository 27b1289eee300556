/*
 * Trace filters and orders: SearchTraceUtils (mlflow/utils/search_utils.py,
 * MLflow 3.18) parse_search_filter_for_search_traces and
 * parse_order_by_for_search_traces, followed by the checks
 * SqlAlchemyStore's _get_filter_clauses_for_search_traces and
 * _get_orderby_clauses_for_search_traces make before any SQL runs, so that
 * a filter MLflow refuses is refused here with the same message, in the same
 * order (every clause parsed, then each checked in turn).
 *
 * The token tree is sqlparse.c's, the one the other searches walk; the
 * grammar differs from the runs' in its identifiers (tag, request_metadata,
 * attribute, span, feedback, expectation, issue and their aliases), its
 * values, `timestamp <op> <int>` (a builtin name to sqlparse) and the keys
 * that stand for a tag, metadata or span field.
 *
 * Python prints its sets in an order that depends on string hashing; they
 * are printed here in the order the source lists them.
 */
#include <string.h>

#include "search/search.h"
#include "search/search_internal.h"
#include "search/sqlparse.h"
#include "store/pystr.h"

#define MLF__INVALID MLF_ERR_INVALID_PARAMETER_VALUE

#define MLF__SET_TRACE_IDENTIFIERS                                                                                     \
    "{'tag', 'request_metadata', 'attribute', 'span', 'feedback', 'expectation', 'issue', 'tags', 'attributes', "    \
    "'trace', 'metadata'}"
#define MLF__SET_TRACE_SEARCH_KEYS                                                                                     \
    "{'request_id', 'timestamp', 'timestamp_ms', 'execution_time', 'execution_time_ms', 'end_time', 'end_time_ms', "  \
    "'status', 'client_request_id', 'name', 'run_id', 'prompt', 'text'}"
#define MLF__SET_TRACE_ORDER_KEYS                                                                                      \
    "{'experiment_id', 'timestamp', 'timestamp_ms', 'execution_time', 'execution_time_ms', 'end_time', "             \
    "'end_time_ms', 'status', 'request_id', 'name', 'run_id'}"
#define MLF__SET_TRACE_NUMERIC                                                                                         \
    "{'timestamp_ms', 'timestamp', 'execution_time_ms', 'execution_time', 'end_time_ms', 'end_time'}"
#define MLF__SET_TRACE_IN_KEYS "{'name', 'status', 'request_id', 'run_id', 'client_request_id'}"
#define MLF__SET_TRACE_KV_CMPS "{'!=', '=', 'LIKE', 'ILIKE', 'RLIKE', 'IS NULL', 'IS NOT NULL'}"
#define MLF__SET_TRACE_STRING_CMPS "{'!=', '=', 'IN', 'NOT IN', 'LIKE', 'ILIKE', 'RLIKE'}"
#define MLF__SET_TRACE_ASSESSMENT_CMPS                                                                                 \
    "{'!=', '=', '>', '>=', '<', '<=', 'LIKE', 'ILIKE', 'RLIKE', 'IS NULL', 'IS NOT NULL'}"
#define MLF__SET_SPAN_CONTENT_CMPS "{'LIKE', 'ILIKE'}"

static const char *const mlf__search_keys[] = {"request_id", "timestamp",   "timestamp_ms",      "execution_time",
                                               "execution_time_ms", "end_time", "end_time_ms", "status",
                                               "client_request_id", "name",   "run_id",      "prompt",
                                               "text",       NULL};
static const char *const mlf__order_keys[] = {"experiment_id", "timestamp", "timestamp_ms", "execution_time",
                                              "execution_time_ms", "end_time", "end_time_ms", "status",
                                              "request_id",    "name",      "run_id",       NULL};
static const char *const mlf__numeric_keys[] = {"timestamp_ms", "timestamp", "execution_time_ms", "execution_time",
                                                "end_time_ms",  "end_time",  NULL};
static const char *const mlf__in_keys[] = {"name", "status", "request_id", "run_id", "client_request_id", NULL};
static const char *const mlf__kv_cmps[] = {"!=", "=", "LIKE", "ILIKE", "RLIKE", "IS NULL", "IS NOT NULL", NULL};
static const char *const mlf__string_cmps[] = {"!=", "=", "IN", "NOT IN", "LIKE", "ILIKE", "RLIKE", NULL};
static const char *const mlf__numeric_cmps[] = {">", ">=", "!=", "=", "<", "<=", NULL};
static const char *const mlf__assessment_cmps[] = {"!=",   "=",     ">",     ">=",      "<",           "<=",
                                                   "LIKE", "ILIKE", "RLIKE", "IS NULL", "IS NOT NULL", NULL};
static const char *const mlf__numeric_assessment_cmps[] = {">", ">=", "<", "<=", NULL};

static const char *const mlf__type_names[] = {"attribute", "tag",        "request_metadata", "span",
                                              "feedback",  "expectation", "issue"};

typedef struct mlf__tctx {
    mlf_pool *pool;
    const char *src;
    mlf_error *err;
} mlf__tctx;

static char *mlf__text(const mlf__tctx *c, const mlf__tok *t)
{
    return mlf__sql_text(c->pool, c->src, t);
}

static bool mlf__is_timestamp(const mlf__tctx *c, const mlf__tok *t)
{
    return mlf__sql_match(c->src, t, MLF__TT_NAME_BUILTIN, "timestamp") ||
           mlf__sql_match(c->src, t, MLF__TT_NAME_BUILTIN, "timestamp_ms");
}

/* SearchTraceUtils._valid_entity_type */
static int mlf__entity(const mlf__tctx *c, const char *raw, mlf_search_trace_type *out)
{
    static const struct {
        const char *name;
        mlf_search_trace_type type;
    } names[] = {
        {"tag", MLF_TRACE_TAG},           {"tags", MLF_TRACE_TAG},
        {"request_metadata", MLF_TRACE_METADATA}, {"metadata", MLF_TRACE_METADATA},
        {"attribute", MLF_TRACE_ATTRIBUTE}, {"attributes", MLF_TRACE_ATTRIBUTE},
        {"trace", MLF_TRACE_ATTRIBUTE},   {"span", MLF_TRACE_SPAN},
        {"feedback", MLF_TRACE_FEEDBACK}, {"expectation", MLF_TRACE_EXPECTATION},
        {"issue", MLF_TRACE_ISSUE},
    };
    const char *entity = mlf__search_trim_backticks(c->pool, raw);
    for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
        if (strcmp(entity, names[k].name) == 0) {
            *out = names[k].type;
            return 0;
        }
    return mlf_error_set(c->err, c->pool, MLF__INVALID, "Invalid entity type '%s'. Valid values are %s", entity,
                         MLF__SET_TRACE_IDENTIFIERS);
}

/* SearchUtils._get_identifier with the traces' entity types */
static int mlf__identifier(const mlf__tctx *c, const char *identifier, bool order_by, mlf_search_trace_type *type,
                           const char **key)
{
    const char *dot = strchr(identifier, '.');
    *type = MLF_TRACE_ATTRIBUTE;
    const char *k = identifier;
    if (dot != NULL) {
        int rc = mlf__entity(c, mlf_pool_strndup(c->pool, identifier, (size_t)(dot - identifier)), type);
        if (rc < 0)
            return rc;
        k = dot + 1;
    }
    k = mlf__search_trim_backticks(c->pool, mlf__search_strip_quotes(c->pool, k));
    if (*type == MLF_TRACE_ATTRIBUTE && !mlf__search_in(k, order_by ? mlf__order_keys : mlf__search_keys))
        return mlf_error_set(c->err, c->pool, MLF__INVALID,
                             "Invalid attribute key '%s' specified. Valid keys are '%s'", k,
                             order_by ? MLF__SET_TRACE_ORDER_KEYS : MLF__SET_TRACE_SEARCH_KEYS);
    *key = k;
    return 0;
}

/* _replace_key_to_tag_or_metadata (the key compared lower-cased; span keys are their own) */
static void mlf__replace_key(mlf_pool *pool, mlf_search_trace_type *type, const char **key)
{
    if (*type == MLF_TRACE_SPAN)
        return;
    char *lower = mlf_pool_strdup(pool, *key);
    for (char *p = lower; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p + 32);
    if (strcmp(lower, "name") == 0) {
        *type = MLF_TRACE_TAG;
        *key = "mlflow.traceName";
    } else if (strcmp(lower, "prompt") == 0) {
        *type = MLF_TRACE_TAG;
        *key = "mlflow.linkedPrompts";
    } else if (strcmp(lower, "run_id") == 0) {
        *type = MLF_TRACE_METADATA;
        *key = "mlflow.sourceRun";
    } else if (strcmp(lower, "text") == 0) {
        *type = MLF_TRACE_SPAN;
        *key = "content";
    } else if (strcmp(lower, "timestamp") == 0) {
        *key = "timestamp_ms";
    } else if (strcmp(lower, "execution_time") == 0) {
        *key = "execution_time_ms";
    } else if (strcmp(lower, "end_time") == 0) {
        *key = "end_time_ms";
    }
}

/* _strip_quotes(value, expect_quoted_value=True) */
static int mlf__set_string(const mlf__tctx *c, mlf_search_trace_clause *cl, const char *v)
{
    size_t n = strlen(v);
    if (n >= 2 && ((v[0] == '\'' && v[n - 1] == '\'') || (v[0] == '"' && v[n - 1] == '"'))) {
        cl->value_kind = MLF_VALUE_STRING;
        cl->str = mlf_pool_strndup(c->pool, v + 1, n - 2);
        return 0;
    }
    return mlf_error_set(c->err, c->pool, MLF__INVALID,
                         "Parameter value is either not quoted or unidentified quote types used for string value %s. "
                         "Use either single or double quotes.",
                         v);
}

static void mlf__set_number(const mlf__tctx *c, mlf_search_trace_clause *cl, const mlf__tok *t)
{
    cl->value_kind = MLF_VALUE_NUMBER;
    cl->num_is_float = t->tt == MLF__TT_NUM_FLOAT;
    cl->num_text = mlf__text(c, t);
    cl->num = mlf__search_number_value(c->pool, cl->num_text);
}

static int mlf__set_list(const mlf__tctx *c, mlf_search_trace_clause *cl, const mlf__tok *t)
{
    cl->value_kind = MLF_VALUE_LIST;
    return mlf__search_parse_list(c->pool, mlf__text(c, t), &cl->list, &cl->n_list, c->err);
}

/* SearchTraceUtils._get_value (type and key as _get_identifier gave them) */
static int mlf__value(const mlf__tctx *c, mlf_search_trace_type type, const char *key, const mlf__tok *t,
                      mlf_search_trace_clause *cl)
{
    char *v = mlf__text(c, t);
    bool paren = t->cls == MLF__C_PARENTHESIS;
    switch (type) {
    case MLF_TRACE_TAG:
    case MLF_TRACE_SPAN:
        if (mlf__sql_is_string_value(t))
            return mlf__set_string(c, cl, v);
        if (paren)
            return mlf__set_list(c, cl, t);
        return mlf_error_set(c->err, c->pool, MLF__INVALID,
                             "Expected a quoted string value for %s (e.g. 'my-value'). Got value %s",
                             mlf__type_names[type], v);
    case MLF_TRACE_ATTRIBUTE:
        if (mlf__sql_is_string_value(t))
            return mlf__set_string(c, cl, v);
        if (paren) {
            if (!mlf__search_in(key, mlf__in_keys))
                return mlf_error_set(c->err, c->pool, MLF__INVALID,
                                     "Only attributes in %s supports comparison with a list of quoted string values.",
                                     MLF__SET_TRACE_IN_KEYS);
            return mlf__set_list(c, cl, t);
        }
        if (mlf__sql_is_number_value(t)) {
            if (!mlf__search_in(key, mlf__numeric_keys))
                return mlf_error_set(c->err, c->pool, MLF__INVALID,
                                     "Only the '%s' attributes support comparison with numeric values.",
                                     MLF__SET_TRACE_NUMERIC);
            mlf__set_number(c, cl, t);
            return 0;
        }
        return mlf_error_set(c->err, c->pool, MLF__INVALID,
                             "Expected a quoted string value or a list of quoted string values for attributes. Got "
                             "value %s",
                             v);
    case MLF_TRACE_METADATA:
    case MLF_TRACE_ISSUE:
        if (mlf__sql_is_string_value(t))
            return mlf__set_string(c, cl, v);
        return mlf_error_set(c->err, c->pool, MLF__INVALID,
                             "Expected a quoted string value for %s (e.g. 'my-value'). Got value %s",
                             mlf__type_names[type], v);
    case MLF_TRACE_FEEDBACK:
    case MLF_TRACE_EXPECTATION:
        if (mlf__sql_is_string_value(t))
            return mlf__set_string(c, cl, v);
        if (mlf__sql_is_number_value(t)) {
            mlf__set_number(c, cl, t);
            return 0;
        }
        return mlf_error_set(c->err, c->pool, MLF__INVALID,
                             "Expected a quoted string value or numeric value for %s (e.g. 'my-value' or 0.8). Got "
                             "value %s",
                             mlf__type_names[type], v);
    }
    return 0;
}

/* _validate_assessment_comparison_value (the comparator as written) */
static int mlf__check_assessment_value(const mlf__tctx *c, mlf_search_trace_type type, const char *cmp,
                                       const mlf__tok *t)
{
    if (type != MLF_TRACE_FEEDBACK && type != MLF_TRACE_EXPECTATION)
        return 0;
    bool numeric = mlf__search_in(cmp, mlf__numeric_assessment_cmps);
    bool bad = mlf__sql_is_string_value(t) ? numeric : mlf__sql_is_number_value(t) ? !numeric : true;
    if (!bad)
        return 0;
    if (numeric)
        return mlf_error_set(c->err, c->pool, MLF__INVALID,
                             "Expected a numeric value for %s when using comparator '%s'. Got value %s",
                             mlf__type_names[type], cmp, mlf__text(c, t));
    return mlf_error_set(c->err, c->pool, MLF__INVALID,
                         "Expected a quoted string value for %s (e.g. 'my-value'). Got value %s",
                         mlf__type_names[type], mlf__text(c, t));
}

/* SearchTraceUtils.is_span (the comparator as given) */
static int mlf__check_span(const mlf__tctx *c, const char *key, const char *cmp)
{
    static const char *const span_fields[] = {"name", "type", "status", NULL};
    if (strncmp(key, "attributes.", 11) == 0) {
        if (key[11] == '\0')
            return mlf_error_set(c->err, c->pool, MLF__INVALID,
                                 "Span attribute name cannot be empty after 'attributes.'");
        if (!mlf__search_in(cmp, mlf__string_cmps))
            return mlf_error_set(c->err, c->pool, MLF__INVALID, "span.%s comparator '%s' not one of '%s'", key, cmp,
                                 MLF__SET_TRACE_STRING_CMPS);
    } else if (mlf__search_in(key, span_fields)) {
        if (!mlf__search_in(cmp, mlf__string_cmps))
            return mlf_error_set(c->err, c->pool, MLF__INVALID, "span.%s comparator '%s' not one of '%s'", key, cmp,
                                 MLF__SET_TRACE_STRING_CMPS);
    } else if (strcmp(key, "content") == 0) {
        static const char *const content_cmps[] = {"LIKE", "ILIKE", NULL};
        if (!mlf__search_in(cmp, content_cmps))
            return mlf_error_set(c->err, c->pool, MLF__INVALID, "span.%s comparator '%s' not one of '%s'", key, cmp,
                                 MLF__SET_SPAN_CONTENT_CMPS);
    } else {
        return mlf_error_set(c->err, c->pool, MLF__INVALID,
                             "Invalid span attribute '%s'. Supported attributes: name, status, type, "
                             "attributes.<attribute_name>.",
                             key);
    }
    return 0;
}

/* SearchTraceUtils._get_comparison over the comparison's non-whitespace tokens */
static int mlf__comparison(const mlf__tctx *c, mlf__tok **parts, size_t n, const char *comparator,
                           mlf_search_trace_clause *cl)
{
    /* _validate_comparison */
    if (n == 2) {
        const char *up = mlf__search_upper(c->pool, comparator != NULL ? comparator : mlf__text(c, parts[1]));
        if (strcmp(up, "IS NULL") == 0 || strcmp(up, "IS NOT NULL") == 0) {
            if (parts[0]->cls != MLF__C_IDENTIFIER)
                return mlf_error_set(c->err, c->pool, MLF__INVALID,
                                     "Invalid comparison clause. Expected 'Identifier' found '%s'",
                                     mlf__text(c, parts[0]));
            mlf_search_trace_type type;
            const char *key;
            int rc = mlf__identifier(c, mlf__text(c, parts[0]), false, &type, &key);
            if (rc < 0)
                return rc;
            cl->type = type;
            cl->key = key;
            cl->comparator = up;
            cl->value_kind = MLF_VALUE_STRING;
            cl->str = NULL;
            return 0;
        }
    }
    bool builtin = n == 3 && parts[0]->cls != MLF__C_IDENTIFIER && mlf__is_timestamp(c, parts[0]);
    if (!builtin) {
        if (n != 3)
            return mlf_error_set(c->err, c->pool, MLF__INVALID,
                                 "Invalid comparison clause. Expected 3 tokens found %zu", n);
        if (parts[0]->cls != MLF__C_IDENTIFIER)
            return mlf_error_set(c->err, c->pool, MLF__INVALID,
                                 "Invalid comparison clause. Expected 'Identifier' found '%s'",
                                 mlf__text(c, parts[0]));
    }
    mlf_search_trace_type type;
    const char *key;
    int rc = mlf__identifier(c, mlf__text(c, parts[0]), false, &type, &key);
    if (rc < 0)
        return rc;
    const char *cmp = comparator != NULL ? comparator : mlf__text(c, parts[1]);
    rc = mlf__check_assessment_value(c, type, cmp, parts[2]);
    if (rc == 0)
        rc = mlf__value(c, type, key, parts[2], cl);
    if (rc == 0 && type == MLF_TRACE_SPAN)
        rc = mlf__check_span(c, key, cmp);
    if (rc < 0)
        return rc;
    cl->type = type;
    cl->key = key;
    cl->comparator = cmp;
    return 0;
}

/* SearchUtils.parse_search_filter with SearchTraceUtils._process_statement */
static int mlf__parse(mlf_pool *pool, const char *filter, mlf_search_trace_clause **ret, size_t *ret_n,
                      mlf_error *err)
{
    *ret = NULL;
    *ret_n = 0;
    if (filter == NULL || filter[0] == '\0')
        return 0;
    mlf__tctx c = {pool, filter, err};
    size_t n_items, n_cmp;
    mlf__item *items;
    int prc = mlf__search_items(pool, filter, true, true, &items, &n_items, &n_cmp, err);
    if (prc < 0)
        return prc;
    mlf_search_trace_clause *cls = MLF_NEW_ARRAY(pool, mlf_search_trace_clause, n_cmp ? n_cmp : 1);
    size_t m = 0;
    for (size_t k = 0; k < n_items; k++) {
        mlf__tok *t = items[k].tok;
        if (t != NULL && t->cls != MLF__C_COMPARISON)
            continue;
        mlf_search_trace_clause *cl = &cls[m];
        memset(cl, 0, sizeof(*cl));
        int rc;
        if (t == NULL && items[k].null_cmp != NULL) {
            rc = mlf__comparison(&c, items[k].parts, 2, items[k].null_cmp, cl);
        } else if (t == NULL) {
            rc = mlf__comparison(&c, items[k].parts, 3,
                                 items[k].not_in ? "NOT IN" : mlf__text(&c, items[k].parts[1]), cl);
        } else {
            mlf__tok **parts = MLF_NEW_ARRAY(pool, mlf__tok *, t->n ? t->n : 1);
            size_t n = 0;
            for (size_t j = 0; j < t->n; j++)
                if (!mlf__sql_is_ws(t->kids[j]))
                    parts[n++] = t->kids[j];
            rc = mlf__comparison(&c, parts, n, NULL, cl);
        }
        if (rc < 0)
            return rc;
        m++;
    }
    for (size_t k = 0; k < m; k++)
        mlf__replace_key(pool, &cls[k].type, &cls[k].key);
    *ret = cls;
    *ret_n = m;
    return 0;
}

/* The store's checks of one clause (_get_filter_clauses_for_search_traces), the comparator upper-cased. */
static int mlf__check(const mlf__tctx *c, mlf_search_trace_clause *cl)
{
    const char *cmp = mlf__search_upper(c->pool, cl->comparator);
    cl->comparator = cmp;
    const char *key = cl->key;
    switch (cl->type) {
    case MLF_TRACE_ISSUE:
        if (strcmp(key, "id") != 0)
            return mlf_error_set(c->err, c->pool, MLF__INVALID,
                                 "Invalid issue attribute '%s'. Supported attributes: id", key);
        if (strcmp(cmp, "=") != 0)
            return mlf_error_set(c->err, c->pool, MLF__INVALID, "issue.%s comparator '%s' not one of '{'='}'", key,
                                 cmp);
        return 0;
    case MLF_TRACE_ATTRIBUTE:
        if (!mlf__search_in(key, mlf__numeric_keys)) {
            if (!mlf__search_in(cmp, mlf__string_cmps))
                return mlf_error_set(c->err, c->pool, MLF__INVALID, "Invalid comparator '%s' not one of '%s'", cmp,
                                     MLF__SET_TRACE_STRING_CMPS);
        } else if (!mlf__search_in(cmp, mlf__numeric_cmps)) {
            /* sic: the string comparators, without the closing quote */
            return mlf_error_set(c->err, c->pool, MLF__INVALID, "Invalid comparator '%s' not one of '%s", cmp,
                                 MLF__SET_TRACE_STRING_CMPS);
        }
        return 0;
    case MLF_TRACE_TAG:
        if (!mlf__search_in(cmp, mlf__kv_cmps))
            return mlf_error_set(c->err, c->pool, MLF__INVALID, "Invalid comparator '%s' not one of '%s", cmp,
                                 MLF__SET_TRACE_KV_CMPS);
        if (strcmp(key, "mlflow.linkedPrompts") == 0) {
            if (strcmp(cmp, "=") != 0)
                return mlf_error_set(c->err, c->pool, MLF__INVALID,
                                     "Invalid comparator '%s' for prompts filter. Only '=' is supported with format: "
                                     "prompt = \"name/version\"",
                                     cmp);
            size_t slashes = 0;
            for (const char *p = cl->str != NULL ? cl->str : ""; *p; p++)
                slashes += *p == '/';
            if (cl->value_kind != MLF_VALUE_STRING || slashes != 1)
                return mlf_error_set(c->err, c->pool, MLF__INVALID,
                                     "Invalid prompts filter value '%s'. Expected format: prompt = \"name/version\"",
                                     cl->str != NULL ? cl->str : "");
        }
        break;
    case MLF_TRACE_METADATA:
        if (!mlf__search_in(cmp, mlf__kv_cmps))
            return mlf_error_set(c->err, c->pool, MLF__INVALID, "Invalid comparator '%s' not one of '%s'", cmp,
                                 MLF__SET_TRACE_KV_CMPS);
        if ((strcmp(key, "mlflow.trace.tokenUsage") == 0 || strcmp(key, "mlflow.trace.cost") == 0) &&
            strcmp(cmp, "=") != 0 && strcmp(cmp, "!=") != 0 && strcmp(cmp, "IS NULL") != 0 &&
            strcmp(cmp, "IS NOT NULL") != 0)
            return mlf_error_set(c->err, c->pool, MLF__INVALID,
                                 "Comparator '%s' is not supported for reserved metadata '%s'. Only '=', '!=', "
                                 "'IS NULL', and 'IS NOT NULL' are supported.",
                                 cmp, key);
        break;
    case MLF_TRACE_SPAN: {
        int rc = mlf__check_span(c, key, cmp);
        if (rc < 0)
            return rc;
        break;
    }
    case MLF_TRACE_FEEDBACK:
    case MLF_TRACE_EXPECTATION:
        if (key[0] == '\0')
            return mlf_error_set(c->err, c->pool, MLF__INVALID, "Assessment field name cannot be empty");
        if (!mlf__search_in(cmp, mlf__assessment_cmps))
            return mlf_error_set(c->err, c->pool, MLF__INVALID, "assessment.%s comparator '%s' not one of '%s'", key,
                                 cmp, MLF__SET_TRACE_ASSESSMENT_CMPS);
        break;
    }
    /* SQLAlchemy's refusals, which MLflow answers as BAD_REQUEST: a span attribute's tuple pasted into a
     * pattern and given to in_(), a tuple bound as one value */
    bool in = strcmp(cmp, "IN") == 0 || strcmp(cmp, "NOT IN") == 0;
    if (in && cl->type == MLF_TRACE_SPAN && strncmp(key, "attributes.", 11) == 0) {
        mlf_buf b;
        mlf_buf_init(&b, c->pool, 64);
        mlf_buf_printf(&b, "%%\"%s\"(", mlf__search_trim_backticks(c->pool, key + 11));
        for (size_t i = 0; i < cl->n_list; i++)
            mlf_buf_printf(&b, "%s%s", i ? ", " : "", mlf_pystr_repr(c->pool, cl->list[i]));
        mlf_buf_puts(&b, cl->n_list == 1 ? ",)%" : ")%");
        return mlf_error_set(c->err, c->pool, MLF_ERR_BAD_REQUEST,
                             "IN expression list, SELECT construct, or bound parameter object expected, got %s.",
                             mlf_pystr_repr(c->pool, b.data));
    }
    if ((cl->value_kind == MLF_VALUE_LIST) != in)
        return mlf_error_set(c->err, c->pool, MLF_ERR_BAD_REQUEST,
                             "Error binding parameter: type 'tuple' is not supported (%s.%s %s)",
                             mlf__type_names[cl->type], key, cmp);
    return 0;
}

int mlf_search_parse_trace_filter(mlf_pool *pool, const char *filter, mlf_search_trace_clause **ret, size_t *ret_n,
                                  mlf_error *err)
{
    int rc = mlf__parse(pool, filter, ret, ret_n, err);
    if (rc < 0)
        return rc;
    mlf__tctx c = {pool, filter, err};
    for (size_t k = 0; k < *ret_n; k++) {
        rc = mlf__check(&c, &(*ret)[k]);
        if (rc < 0) {
            *ret = NULL;
            *ret_n = 0;
            return rc;
        }
    }
    return 0;
}

int mlf_search_parse_trace_order_by(mlf_pool *pool, char *const *order_by, size_t n, mlf_search_trace_order **ret,
                                    mlf_error *err)
{
    *ret = NULL;
    if (n == 0)
        return 0;
    mlf__tctx c = {pool, "", err};
    mlf_search_trace_order *out = MLF_NEW_ARRAY(pool, mlf_search_trace_order, n);
    for (size_t i = 0; i < n; i++) {
        const char *value;
        bool asc;
        int rc = mlf__search_order_token(pool, order_by[i], &value, &asc, err);
        if (rc < 0)
            return rc;
        mlf_search_trace_type type;
        const char *key;
        rc = mlf__identifier(&c, mlf_pystr_strip(pool, value), true, &type, &key);
        if (rc < 0)
            return rc;
        mlf__replace_key(pool, &type, &key);
        if (type == MLF_TRACE_METADATA &&
            (strcmp(key, "mlflow.trace.tokenUsage") == 0 || strcmp(key, "mlflow.trace.cost") == 0))
            return mlf_error_set(err, pool, MLF__INVALID,
                                 "Ordering by reserved metadata '%s' is not supported because it is represented by "
                                 "multiple columns.",
                                 key);
        if (type != MLF_TRACE_ATTRIBUTE && type != MLF_TRACE_TAG && type != MLF_TRACE_METADATA)
            return mlf_error_set(err, pool, MLF__INVALID, "Invalid identifier type '%s'", mlf__type_names[type]);
        for (size_t j = 0; j < i; j++)
            if (out[j].type == type && strcmp(out[j].key, key) == 0)
                /* raised without an error code: a 500 */
                return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "`order_by` contains duplicate fields: %s",
                                     mlf_pystr_repr_list(pool, (const char *const *)order_by, n));
        out[i].type = type;
        out[i].key = key;
        out[i].ascending = asc;
    }
    *ret = out;
    return 0;
}

/* ---- queryTraceMetrics filters: SearchTraceMetricsUtils.parse_search_filter ---- */

/* _validate_metrics_fields */
static int mlf__metrics_fields(const mlf__tctx *c, const char *view, const char *entity, const char *key,
                               mlf_search_metrics_filter *out)
{
    static const char *const trace_entities[] = {"status", "tag", "metadata", NULL};
    static const char *const span_entities[] = {"name", "status", "type", NULL};
    static const char *const assessment_entities[] = {"name", "type", NULL};
    view = mlf__search_trim_backticks(c->pool, view);
    const char *const *entities;
    const char *list;
    if (strcmp(view, "trace") == 0) {
        entities = trace_entities;
        list = "['status', 'tag', 'metadata']";
        out->view = MLF_METRICS_FILTER_TRACE;
    } else if (strcmp(view, "span") == 0) {
        entities = span_entities;
        list = "['name', 'status', 'type']";
        out->view = MLF_METRICS_FILTER_SPAN;
    } else if (strcmp(view, "assessment") == 0) {
        entities = assessment_entities;
        list = "['name', 'type']";
        out->view = MLF_METRICS_FILTER_ASSESSMENT;
    } else {
        return mlf_error_set(c->err, c->pool, MLF__INVALID,
                             "Invalid view type '%s'. Valid values are dict_keys(['trace', 'span', 'assessment'])",
                             view);
    }
    if (!mlf__search_in(entity, entities))
        return mlf_error_set(c->err, c->pool, MLF__INVALID,
                             "Invalid entity '%s' specified for view type '%s'. Valid entities are %s", entity, view,
                             list);
    bool key_required = out->view == MLF_METRICS_FILTER_TRACE && strcmp(entity, "status") != 0;
    if (key_required && key == NULL)
        return mlf_error_set(c->err, c->pool, MLF__INVALID,
                             "Filtering by %s requires a key, e.g. '%s.%s.<key> = <value>'", entity, view, entity);
    if (!key_required && key != NULL)
        return mlf_error_set(c->err, c->pool, MLF__INVALID,
                             "Filtering by %s does not require a key, use '%s.%s' instead", entity, view, entity);
    out->entity = entity;
    out->key = key != NULL && key[0] != '\0'
                   ? mlf__search_trim_backticks(c->pool, mlf__search_strip_quotes(c->pool, key))
                   : NULL;
    return 0;
}

/* SearchTraceMetricsUtils._get_identifier: `view.entity` or `view.entity.key` (split(".", 2)) */
static int mlf__metrics_identifier(const mlf__tctx *c, const char *ident, mlf_search_metrics_filter *out)
{
    const char *d1 = strchr(ident, '.');
    const char *d2 = d1 != NULL ? strchr(d1 + 1, '.') : NULL;
    if (d1 == NULL)
        return mlf_error_set(c->err, c->pool, MLF__INVALID,
                             "Invalid identifier %s. Columns should be specified as 'trace.<key>', 'span.<key>', "
                             "'assessment.<key>'.",
                             mlf_pystr_repr(c->pool, ident));
    const char *view = mlf_pool_strndup(c->pool, ident, (size_t)(d1 - ident));
    const char *entity = d2 != NULL ? mlf_pool_strndup(c->pool, d1 + 1, (size_t)(d2 - d1 - 1)) : d1 + 1;
    return mlf__metrics_fields(c, view, entity, d2 != NULL ? d2 + 1 : NULL, out);
}

int mlf_search_parse_trace_metrics_filter(mlf_pool *pool, const char *filter, mlf_search_metrics_filter *out,
                                          mlf_error *err)
{
    memset(out, 0, sizeof(*out));
    mlf__tctx c = {pool, filter != NULL ? filter : "", err};
    size_t n_found = 0;
    if (filter != NULL && filter[0] != '\0') {
        mlf__tok **stmts;
        size_t n_stmts;
        if (mlf__sql_parse(pool, filter, &stmts, &n_stmts) < 0)
            return mlf_error_set(err, pool, MLF__INVALID, "Error on parsing filter '%s'", filter);
        if (n_stmts == 0)
            return mlf_error_set(err, pool, MLF__INVALID, "Invalid filter '%s'. Could not be parsed.", filter);
        if (n_stmts > 1)
            return mlf_error_set(err, pool, MLF__INVALID,
                                 "Search filter contained multiple expression %s. Provide AND-ed expression list.",
                                 mlf_pystr_repr(pool, filter));
        const mlf__tok *st = stmts[0];
        /* every token but comparisons and whitespace is refused, AND included; str() of each, bare */
        mlf_buf bad;
        mlf_buf_init(&bad, pool, 64);
        size_t n_bad = 0;
        for (size_t k = 0; k < st->n; k++) {
            const mlf__tok *t = st->kids[k];
            if (t->cls == MLF__C_COMPARISON || mlf__sql_is_ws(t))
                continue;
            if (n_bad++)
                mlf_buf_puts(&bad, ", ");
            mlf_buf_puts(&bad, mlf__text(&c, t));
        }
        if (n_bad)
            return mlf_error_set(err, pool, MLF__INVALID, "Invalid clause(s) in filter string: %s", bad.data);
        for (size_t k = 0; k < st->n; k++) {
            const mlf__tok *t = st->kids[k];
            if (t->cls != MLF__C_COMPARISON)
                continue;
            mlf__tok **parts = MLF_NEW_ARRAY(pool, mlf__tok *, t->n ? t->n : 1);
            size_t n = 0;
            for (size_t j = 0; j < t->n; j++)
                if (!mlf__sql_is_ws(t->kids[j]))
                    parts[n++] = t->kids[j];
            /* SearchTraceUtils._validate_comparison (a `timestamp` builtin passes it, then fails as an identifier) */
            bool builtin = n == 3 && parts[0]->cls != MLF__C_IDENTIFIER && mlf__is_timestamp(&c, parts[0]);
            if (!builtin) {
                if (n != 3)
                    return mlf_error_set(err, pool, MLF__INVALID,
                                         "Invalid comparison clause. Expected 3 tokens found %zu", n);
                if (parts[0]->cls != MLF__C_IDENTIFIER)
                    return mlf_error_set(err, pool, MLF__INVALID,
                                         "Invalid comparison clause. Expected 'Identifier' found '%s'",
                                         mlf__text(&c, parts[0]));
            }
            int rc = mlf__metrics_identifier(&c, mlf__text(&c, parts[0]), out);
            if (rc < 0)
                return rc;
            const char *cmp = mlf__text(&c, parts[1]);
            if (strcmp(cmp, "=") != 0)
                return mlf_error_set(err, pool, MLF__INVALID,
                                     "Invalid comparator: '%s', only '=' operator is supported", cmp);
            char *v = mlf__text(&c, parts[2]);
            if (!mlf__sql_is_string_value(parts[2]))
                return mlf_error_set(err, pool, MLF__INVALID,
                                     "Expected a quoted string value for %s value (e.g. 'my-value'). Got value %s",
                                     out->entity, v);
            mlf_search_trace_clause tmp = {0};
            rc = mlf__set_string(&c, &tmp, v);
            if (rc < 0)
                return rc;
            out->value = tmp.str;
            n_found++;
        }
    }
    if (n_found != 1)
        return mlf_error_set(err, pool, MLF__INVALID, "Invalid filter: '%s'. Expected one filter clause.",
                             filter != NULL ? filter : "");
    return 0;
}
