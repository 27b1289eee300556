/*
 * Trace searches on both backends: the trace_count of
 * SqlAlchemyStore.query_trace_metrics (view TRACES), search_traces with
 * _build_trace_infos_from_rows, and calculate_trace_filter_correlation's
 * counts (MLflow 3.18). A trace filter becomes the WHERE conditions of
 * _get_filter_clauses_for_search_traces / _apply_trace_filter_clauses over
 * trace_info `t`: each tag or metadata join an EXISTS (the key is unique per
 * trace), each joined subquery of trace ids an IN, the span filters one
 * EXISTS over the same span. Every request value is bound.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "store/pystr.h"

#include "store/sql/trace.h"

static mlf_sql_store *mlf__store(mlf_store *store)
{
    return (mlf_sql_store *)store;
}

/* A statement being written with its bound values, in text order (`?` placeholders). */
typedef struct mlf__bind {
    char kind; /* 't' text, 'i' int64, 'd' double */
    const char *s;
    int64_t i;
    double d;
} mlf__bind;

typedef struct mlf__q {
    mlf_pool *pool;
    bool pg;
    mlf_buf sql;
    mlf__bind *b;
    size_t n, cap;
} mlf__q;

static void mlf__q_init(mlf__q *q, mlf_pool *pool, bool pg)
{
    memset(q, 0, sizeof(*q));
    q->pool = pool;
    q->pg = pg;
    mlf_buf_init(&q->sql, pool, 1024);
}

static mlf__bind *mlf__q_add(mlf__q *q, char kind)
{
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 16;
        mlf__bind *b2 = MLF_NEW_ARRAY(q->pool, mlf__bind, cap);
        if (q->n)
            memcpy(b2, q->b, q->n * sizeof(*b2));
        q->b = b2;
        q->cap = cap;
    }
    mlf__bind *b = &q->b[q->n++];
    memset(b, 0, sizeof(*b));
    b->kind = kind;
    mlf_buf_putc(&q->sql, '?');
    return b;
}

static void mlf__q_text(mlf__q *q, const char *s)
{
    mlf__q_add(q, 't')->s = s;
}

static void mlf__q_int(mlf__q *q, int64_t v)
{
    mlf__q_add(q, 'i')->i = v;
}

/* a number of the filter: an int literal as an integer (Python's int), else a float */
static void mlf__q_num(mlf__q *q, const mlf_search_trace_clause *cl)
{
    int64_t v;
    if (!cl->num_is_float && cl->num_text != NULL && mlf_pystr_parse_int(cl->num_text, &v) == 0)
        mlf__q_int(q, v);
    else
        mlf__q_add(q, 'd')->d = cl->num;
}

static void mlf__q_value(mlf__q *q, const mlf_search_trace_clause *cl)
{
    if (cl->value_kind == MLF_VALUE_NUMBER)
        mlf__q_num(q, cl);
    else
        mlf__q_text(q, cl->str != NULL ? cl->str : "");
}

static void mlf__q_puts(mlf__q *q, const char *s)
{
    mlf_buf_puts(&q->sql, s);
}

static int mlf__q_prepare(mlf_sql_conn *c, mlf__q *q, mlf_sql_stmt **ret, mlf_error *err)
{
    int rc = mlf_sql_prepare(c, q->pool, q->sql.data, ret, err);
    if (rc < 0)
        return rc;
    for (size_t k = 0; k < q->n; k++) {
        int idx = (int)k + 1;
        if (q->b[k].kind == 't')
            mlf_sql_bind_text(*ret, idx, q->b[k].s);
        else if (q->b[k].kind == 'i')
            mlf_sql_bind_int64(*ret, idx, q->b[k].i);
        else
            mlf_sql_bind_double(*ret, idx, q->b[k].d);
    }
    return 0;
}

/* SearchUtils.get_sql_comparison_func(cmp, dialect)(col, value): ILIKE as SQLAlchemy renders it on SQLite
 * (lower() of both sides), RLIKE as REGEXP (the store's SQLite function) or PostgreSQL's `~`. */
static void mlf__q_cmp(mlf__q *q, const char *col, const char *cmp, const mlf_search_trace_clause *cl,
                       const char *value)
{
    if (strcmp(cmp, "IN") == 0 || strcmp(cmp, "NOT IN") == 0) {
        mlf_buf list;
        mlf_buf_init(&list, q->pool, 64);
        mlf_buf_putc(&list, '[');
        for (size_t k = 0; k < cl->n_list; k++) {
            if (k)
                mlf_buf_putc(&list, ',');
            mlf_json_write_string(&list, cl->list[k], strlen(cl->list[k]));
        }
        mlf_buf_putc(&list, ']');
        mlf_buf_printf(&q->sql, "%s %s (SELECT value FROM json_each(", col, cmp);
        mlf__q_text(q, list.data);
        mlf__q_puts(q, "))");
        return;
    }
    if (strcmp(cmp, "ILIKE") == 0 && !q->pg) {
        mlf_buf_printf(&q->sql, "lower(%s) LIKE lower(", col);
        value != NULL ? mlf__q_text(q, value) : mlf__q_value(q, cl);
        mlf__q_puts(q, ")");
        return;
    }
    const char *op = strcmp(cmp, "RLIKE") == 0 ? (q->pg ? "~" : "REGEXP") : cmp;
    mlf_buf_printf(&q->sql, "%s %s ", col, op);
    value != NULL ? mlf__q_text(q, value) : mlf__q_value(q, cl);
}

static const char *mlf__true(const mlf__q *q)
{
    return q->pg ? "true" : "1";
}

/* The experiments of a search (its locations). */
typedef struct mlf__exps {
    const int64_t *ids;
    size_t n;
} mlf__exps;

/*
 * The location filter: one experiment as `=`, so that the (experiment_id, timestamp_ms) index serves the
 * order and the LIMIT stops the scan early (an IN over json_each makes SQLite sort every match); several as
 * an IN over their JSON array.
 */
static void mlf__q_in_experiments(mlf__q *q, const char *alias, const mlf__exps *ids)
{
    if (ids->n == 1) {
        mlf_buf_printf(&q->sql, "%s.experiment_id = ", alias);
        mlf__q_int(q, ids->ids[0]);
        return;
    }
    mlf_buf_printf(&q->sql, "%s.experiment_id IN (SELECT CAST(value AS BIGINT) FROM json_each(", alias);
    mlf__q_text(q, mlf_sql_trace_ids_json(q->pool, ids->ids, ids->n));
    mlf__q_puts(q, "))");
}

/* SqlAssessments filters of one assessment clause: type, name, valid, and the value filter unless IS [NOT] NULL */
static void mlf__q_assessment(mlf__q *q, const mlf_search_trace_clause *cl, bool with_value)
{
    mlf__q_puts(q, "a.assessment_type = ");
    mlf__q_text(q, cl->type == MLF_TRACE_FEEDBACK ? "feedback" : "expectation");
    mlf__q_puts(q, " AND a.name = ");
    mlf__q_text(q, cl->key);
    mlf_buf_printf(&q->sql, " AND a.valid = %s", mlf__true(q));
    if (!with_value)
        return;
    const char *cmp = cl->comparator;
    mlf__q_puts(q, " AND ");
    if (strcmp(cmp, "<") == 0 || strcmp(cmp, "<=") == 0 || strcmp(cmp, ">") == 0 || strcmp(cmp, ">=") == 0) {
        mlf_buf_printf(&q->sql, "a.is_numeric_value = %s AND ", mlf__true(q));
        mlf__q_cmp(q, "a.aggregate_value", cmp, cl, NULL);
    } else if (strcmp(cmp, "=") == 0 || strcmp(cmp, "!=") == 0) {
        /* the stored JSON: a bare true/false/number, or a string with its quotes */
        mlf__q_puts(q, strcmp(cmp, "!=") == 0 ? "NOT (a.value = " : "(a.value = ");
        mlf__q_text(q, cl->str);
        mlf__q_puts(q, " OR a.value = ");
        mlf__q_text(q, mlf_pystr_json_dumps(q->pool, cl->str));
        mlf__q_puts(q, ")");
    } else {
        mlf__q_cmp(q, "a.value", cmp, cl, NULL);
    }
}

/* _get_session_scoped_trace_ids: the traces of the sessions that hold a session-scoped matching assessment */
static void mlf__q_session_covered(mlf__q *q, const mlf_search_trace_clause *cl, bool with_value, const mlf__exps *ids)
{
    mlf__q_puts(q, "SELECT t2.request_id FROM trace_info t2 WHERE ");
    mlf__q_in_experiments(q, "t2", ids);
    mlf__q_puts(q, " AND t2.session_id IN (SELECT t3.session_id FROM trace_info t3 JOIN assessments a ON "
                   "a.trace_id = t3.request_id WHERE ");
    mlf__q_in_experiments(q, "t3", ids);
    mlf__q_puts(q, " AND t3.session_id IS NOT NULL AND ");
    mlf__q_assessment(q, cl, with_value);
    mlf__q_puts(q, " AND a.assessment_metadata IS NOT NULL AND a.assessment_metadata LIKE "
                   "'%\"mlflow.trace.session\":%')");
}

/* trace_analytics: the columns of the token usage and cost metadata, in TOKEN/COST_COLUMN_BY_KEY's order */
static const char *const mlf__token_cols[] = {"input_tokens", "output_tokens", "total_tokens",
                                              "cache_read_input_tokens", "cache_creation_input_tokens",
                                              "cache_creation_input_tokens_above_1hr"};
static const char *const mlf__cost_cols[] = {"input_cost", "output_cost", "total_cost"};

/* token_count_or_none / finite_float_or_none of one JSON value: false for None */
static bool mlf__analytics_value(const mlf_json *v, bool costs, int64_t *i, double *d)
{
    const char *text;
    if (v->type == MLF_JSON_NUMBER || v->type == MLF_JSON_STRING)
        text = v->text;
    else
        return false; /* None, a bool, a list or dict */
    char *end;
    double x = strtod(text, &end);
    while (*end == ' ' || *end == '\t' || *end == '\n')
        end++;
    if (end == text || *end != '\0' || !isfinite(x))
        return false;
    if (costs) {
        *d = x;
        return true;
    }
    /* an integral value within BIGINT: exact from its digits where it has no fraction or exponent */
    if (x != floor(x) || x < -9.2233720368547758e18 || x >= 9.2233720368547758e18)
        return false;
    long long ll = strtoll(text, &end, 10);
    *i = *end == '\0' ? (int64_t)ll : (int64_t)x;
    return true;
}

/*
 * get_trace_analytics_metadata_filter's `=`: the value normalized (a JSON object of known keys, each
 * converted), and when it is that normalization's own json.dumps, every column equal to its item or
 * NULL; otherwise false.
 */
static void mlf__q_analytics(mlf__q *q, bool costs, const char *value)
{
    const char *const *cols = costs ? mlf__cost_cols : mlf__token_cols;
    size_t n_cols = costs ? 3 : 6;
    int64_t ints[6];
    double dbls[6];
    bool present[6] = {false};
    mlf_json *j = NULL;
    mlf_error e = {0};
    bool ok = value != NULL && mlf_json_parse(q->pool, value, strlen(value), &j, &e) == 0 &&
              j->type == MLF_JSON_OBJECT;
    for (size_t k = 0; ok && k < j->n; k++) {
        size_t c = 0;
        while (c < n_cols && strcmp(cols[c], j->keys[k]) != 0)
            c++;
        if (c == n_cols)
            ok = false; /* not a subset of the columns' keys */
        else
            present[c] = mlf__analytics_value(j->items[k], costs, &ints[c], &dbls[c]);
    }
    mlf_buf canon;
    mlf_buf_init(&canon, q->pool, 64);
    size_t n_present = 0;
    for (size_t c = 0; ok && c < n_cols; c++) {
        if (!present[c])
            continue;
        mlf_buf_puts(&canon, n_present++ == 0 ? "{" : ", ");
        mlf_buf_printf(&canon, "\"%s\": ", cols[c]);
        if (costs)
            mlf_buf_puts(&canon, mlf_pystr_repr_float(q->pool, dbls[c]));
        else
            mlf_buf_printf(&canon, "%" PRId64, ints[c]);
    }
    if (n_present > 0)
        mlf_buf_putc(&canon, '}');
    if (!ok || n_present == 0 || strcmp(canon.data, value) != 0) {
        mlf__q_puts(q, "1 = 0");
        return;
    }
    mlf__q_puts(q, "(");
    for (size_t c = 0; c < n_cols; c++) {
        mlf_buf_printf(&q->sql, "%st.%s", c ? " AND " : "", cols[c]);
        if (!present[c]) {
            mlf__q_puts(q, " IS NULL");
            continue;
        }
        mlf__q_puts(q, " = ");
        if (costs)
            mlf__q_add(q, 'd')->d = dbls[c];
        else
            mlf__q_int(q, ints[c]);
    }
    mlf__q_puts(q, ")");
}

/*
 * The WHERE conditions of a trace filter over trace_info t, each preceded by " AND " (the experiments'
 * condition is the caller's). ids: the search's experiments (sessions are scoped to them).
 */
static int mlf__q_filter(mlf__q *q, const mlf_search_trace_clause *cls, size_t n, const mlf__exps *ids, mlf_error *err)
{
    const mlf_search_trace_clause *run_id = NULL;
    bool have_bound = false, bound_is_str = false;
    double bound = 0;
    int64_t bound_i = 0;
    bool bound_int = true;
    size_t n_span = 0;
    for (size_t k = 0; k < n; k++) {
        const mlf_search_trace_clause *cl = &cls[k];
        const char *cmp = cl->comparator, *key = cl->key;
        bool is_null = strcmp(cmp, "IS NULL") == 0, not_null = strcmp(cmp, "IS NOT NULL") == 0;
        switch (cl->type) {
        case MLF_TRACE_ISSUE:
            mlf__q_puts(q, " AND t.request_id IN (SELECT a.trace_id FROM assessments a WHERE a.assessment_type = "
                           "'issue' AND a.name = ");
            mlf__q_text(q, cl->str);
            mlf__q_puts(q, ")");
            continue;
        case MLF_TRACE_ATTRIBUTE: {
            if (strcmp(key, "timestamp_ms") == 0 && (strcmp(cmp, ">") == 0 || strcmp(cmp, ">=") == 0)) {
                /* the lower bound the span filters start from: max() of the values */
                if (cl->value_kind != MLF_VALUE_NUMBER) {
                    bound_is_str = true;
                } else if (!have_bound || cl->num > bound) {
                    bound = cl->num;
                    bound_int = !cl->num_is_float && mlf_pystr_parse_int(cl->num_text, &bound_i) == 0;
                }
                have_bound = true;
            }
            const char *col = strcmp(key, "end_time_ms") == 0
                                  ? "(t.timestamp_ms + coalesce(t.execution_time_ms, 0))"
                                  : mlf_pool_sprintf(q->pool, "t.%s", key);
            mlf__q_puts(q, " AND ");
            mlf__q_cmp(q, col, cmp, cl, NULL);
            continue;
        }
        case MLF_TRACE_SPAN:
            n_span++;
            continue;
        default:
            break;
        }
        const char *column = NULL;
        if (cl->type == MLF_TRACE_TAG && strcmp(key, MLF_SQL_TRACE_NAME_TAG) == 0)
            column = "t.trace_name";
        else if (cl->type == MLF_TRACE_METADATA && strcmp(key, MLF_SQL_TRACE_META_SESSION) == 0)
            column = "t.session_id";
        if (column != NULL) {
            if (is_null || not_null)
                mlf_buf_printf(&q->sql, " AND %s IS %sNULL", column, not_null ? "NOT " : "");
            else {
                mlf__q_puts(q, " AND ");
                mlf__q_cmp(q, column, cmp, cl, NULL);
            }
            continue;
        }
        if (cl->type == MLF_TRACE_METADATA &&
            (strcmp(key, MLF_SQL_TRACE_META_TOKEN_USAGE) == 0 || strcmp(key, MLF_SQL_TRACE_META_COST) == 0)) {
            const char *exists = strcmp(key, MLF_SQL_TRACE_META_COST) == 0
                                     ? "(t.input_cost IS NOT NULL OR t.output_cost IS NOT NULL OR t.total_cost IS "
                                       "NOT NULL)"
                                     : "(t.input_tokens IS NOT NULL OR t.output_tokens IS NOT NULL OR t.total_tokens "
                                       "IS NOT NULL OR t.cache_read_input_tokens IS NOT NULL OR "
                                       "t.cache_creation_input_tokens IS NOT NULL OR "
                                       "t.cache_creation_input_tokens_above_1hr IS NOT NULL)";
            if (is_null || not_null) {
                mlf_buf_printf(&q->sql, " AND %s%s", is_null ? "NOT " : "", exists);
                continue;
            }
            if (strcmp(cmp, "!=") == 0)
                mlf_buf_printf(&q->sql, " AND %s AND NOT ", exists);
            else
                mlf__q_puts(q, " AND ");
            mlf__q_analytics(q, strcmp(key, MLF_SQL_TRACE_META_COST) == 0, cl->str);
            continue;
        }
        if (cl->type == MLF_TRACE_METADATA && strcmp(key, "mlflow.sourceRun") == 0 && strcmp(cmp, "=") == 0) {
            run_id = cl; /* the last one wins, as in MLflow */
            continue;
        }
        if (cl->type == MLF_TRACE_TAG && strcmp(key, "mlflow.linkedPrompts") == 0) {
            mlf__q_puts(q, " AND t.request_id IN (SELECT ea.source_id FROM entity_associations ea WHERE "
                           "ea.source_type = 'trace' AND ea.destination_type = 'prompt_version' AND "
                           "ea.destination_id = ");
            mlf__q_text(q, cl->str);
            mlf__q_puts(q, ")");
            continue;
        }
        if (cl->type == MLF_TRACE_TAG || cl->type == MLF_TRACE_METADATA) {
            const char *table = cl->type == MLF_TRACE_TAG ? "trace_tags" : "trace_request_metadata";
            mlf_buf_printf(&q->sql, " AND %sEXISTS (SELECT 1 FROM %s x WHERE x.request_id = t.request_id AND x.key = ",
                           is_null ? "NOT " : "", table);
            mlf__q_text(q, key);
            if (!is_null && !not_null) {
                mlf__q_puts(q, " AND ");
                mlf__q_cmp(q, "x.value", cmp, cl, NULL);
            }
            mlf__q_puts(q, ")");
            continue;
        }
        /* feedback / expectation */
        if (is_null) {
            mlf__q_puts(q, " AND NOT EXISTS (SELECT 1 FROM assessments a WHERE a.trace_id = t.request_id AND ");
            mlf__q_assessment(q, cl, false);
            mlf__q_puts(q, ") AND t.request_id NOT IN (");
            mlf__q_session_covered(q, cl, false, ids);
            mlf__q_puts(q, ")");
        } else {
            mlf__q_puts(q, " AND t.request_id IN (SELECT a.trace_id FROM assessments a WHERE ");
            mlf__q_assessment(q, cl, !not_null);
            mlf__q_puts(q, " UNION ");
            mlf__q_session_covered(q, cl, !not_null, ids);
            mlf__q_puts(q, ")");
        }
    }
    if (n_span > 0) {
        mlf__q_puts(q, " AND EXISTS (SELECT 1 FROM spans s WHERE s.trace_id = t.request_id AND s.experiment_id = "
                       "t.experiment_id");
        if (have_bound) {
            if (bound_is_str)
            {
                /* (value - tolerance) of a str: Python's TypeError, not caught (Flask's HTML 500 page) */
                int rc = mlf_error_set(err, q->pool, MLF_ERR_INTERNAL_ERROR,
                                       "unsupported operand type(s) for -: 'str' and 'int'");
                if (err != NULL)
                    err->uncaught = true;
                return rc;
            }
            /* _SPAN_SEARCH_TIMESTAMP_TOLERANCE_MS before the trace bound, in nanoseconds */
            mlf__q_puts(q, " AND s.start_time_unix_nano >= ");
            if (bound_int && bound_i > INT64_MIN / 2000000 && bound_i < INT64_MAX / 2000000)
                mlf__q_int(q, (bound_i - 10000) * 1000000);
            else
                mlf__q_add(q, 'd')->d = (bound - 10000) * 1e6;
        }
        for (size_t k = 0; k < n; k++) {
            const mlf_search_trace_clause *cl = &cls[k];
            if (cl->type != MLF_TRACE_SPAN)
                continue;
            const char *key = cl->key, *cmp = cl->comparator;
            mlf__q_puts(q, " AND ");
            if (strncmp(key, "attributes.", 11) == 0) {
                const char *attr = key + 11;
                size_t al = strlen(attr);
                if (al >= 2 && attr[0] == '`' && attr[al - 1] == '`')
                    attr = mlf_pool_strndup(q->pool, attr + 1, al - 2);
                const char *v = cl->str, *pattern;
                if (strcmp(cmp, "RLIKE") == 0) {
                    /* the pattern moved inside the JSON of the attributes: "<attr>": "\"<value>\"" */
                    size_t vl = strlen(v);
                    const char *prefix = "\"\\\\\".*", *suffix = "";
                    if (v[0] == '^') {
                        v++;
                        vl--;
                        prefix = "\"\\\\\"";
                    }
                    if (vl > 0 && v[vl - 1] == '$') {
                        vl--;
                        suffix = "\\\\\"";
                    }
                    pattern = mlf_pool_sprintf(q->pool, "\"%s\": %s%.*s%s", attr, prefix, (int)vl, v, suffix);
                } else {
                    pattern = mlf_pool_sprintf(q->pool, "%%\"%s\"%s%%", attr, v);
                }
                mlf__q_cmp(q, "s.content", cmp, cl, pattern);
            } else {
                mlf__q_cmp(q, mlf_pool_sprintf(q->pool, "s.%s", key), cmp, cl, NULL);
            }
        }
        mlf__q_puts(q, ")");
    }
    if (run_id != NULL) {
        mlf__q_puts(q, " AND (EXISTS (SELECT 1 FROM entity_associations ea WHERE ea.source_id = t.request_id AND "
                       "ea.source_type = 'trace' AND ea.destination_type = 'run' AND ea.destination_id = ");
        mlf__q_text(q, run_id->str);
        mlf__q_puts(q, ") OR EXISTS (SELECT 1 FROM trace_request_metadata m WHERE m.request_id = t.request_id AND "
                       "m.key = 'mlflow.sourceRun' AND m.value = ");
        mlf__q_text(q, run_id->str);
        mlf__q_puts(q, "))");
    }
    return 0;
}

typedef struct {
    const int64_t *ids;
    size_t n_ids;
    const mlf_search_trace_clause *clauses;
    size_t n_clauses;
    const mlf_search_trace_order *orders;
    size_t n_orders;
    int64_t max_results, offset;
    mlf_store_trace_page *ret;
} mlf__search_args;

/* _get_orderby_clauses_for_search_traces: each order (NULLs last via a CASE where the value may be NULL),
 * then timestamp_ms DESC and request_id unless ordered by already */
static void mlf__q_order(mlf__q *q, const mlf_search_trace_order *orders, size_t n)
{
    bool by_ts = false, by_id = false;
    mlf__q_puts(q, " ORDER BY ");
    for (size_t i = 0; i < n; i++) {
        const mlf_search_trace_order *o = &orders[i];
        const char *key = o->key;
        bool nullable = true;
        const char *expr = NULL;
        if (o->type == MLF_TRACE_ATTRIBUTE) {
            by_ts = by_ts || strcmp(key, "timestamp_ms") == 0;
            by_id = by_id || strcmp(key, "request_id") == 0;
            if (strcmp(key, "end_time_ms") == 0)
                expr = "(t.timestamp_ms + coalesce(t.execution_time_ms, 0))";
            else
                expr = mlf_pool_sprintf(q->pool, "t.%s", key);
            /* the nullable columns of SqlTraceInfo among the order keys */
            nullable = strcmp(key, "execution_time_ms") == 0;
        } else if (o->type == MLF_TRACE_TAG && strcmp(key, MLF_SQL_TRACE_NAME_TAG) == 0) {
            expr = "t.trace_name";
        } else if (o->type == MLF_TRACE_METADATA && strcmp(key, MLF_SQL_TRACE_META_SESSION) == 0) {
            expr = "t.session_id";
        }
        if (expr != NULL) {
            if (nullable)
                mlf_buf_printf(&q->sql, "CASE WHEN %s IS NULL THEN 1 ELSE 0 END, ", expr);
            mlf_buf_printf(&q->sql, "%s%s, ", expr, o->ascending ? "" : " DESC");
            continue;
        }
        /* a tag or metadata value (outer-joined in MLflow: NULL where the trace has none) */
        const char *table = o->type == MLF_TRACE_TAG ? "trace_tags" : "trace_request_metadata";
        for (int pass = 0; pass < 2; pass++) {
            mlf_buf_printf(&q->sql, "%s(SELECT x.value FROM %s x WHERE x.request_id = t.request_id AND x.key = ",
                           pass == 0 ? "CASE WHEN " : "", table);
            mlf__q_text(q, key);
            mlf_buf_printf(&q->sql, ")%s, ", pass == 0 ? " IS NULL THEN 1 ELSE 0 END" : (o->ascending ? "" : " DESC"));
        }
    }
    if (!by_ts)
        mlf__q_puts(q, "t.timestamp_ms DESC, ");
    if (!by_id)
        mlf__q_puts(q, "t.request_id, ");
    q->sql.len -= 2;
    q->sql.data[q->sql.len] = '\0';
}

static int mlf__search_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__search_args *a = arg;
    const mlf__exps exps = {a->ids, a->n_ids}, *ids = &exps;
    mlf__q q;
    mlf__q_init(&q, pool, mlf_sql_dialect_of(c) == MLF_SQL_POSTGRES);
    mlf__q_puts(&q, "SELECT t.request_id, t.experiment_id, t.timestamp_ms, t.execution_time_ms, t.status, "
                    "t.client_request_id, t.request_preview, t.response_preview, t.trace_name, t.session_id, "
                    "t.input_tokens, t.output_tokens, t.total_tokens, t.cache_read_input_tokens, "
                    "t.cache_creation_input_tokens, t.cache_creation_input_tokens_above_1hr, t.input_cost, "
                    "t.output_cost, t.total_cost FROM trace_info t WHERE ");
    mlf__q_in_experiments(&q, "t", ids);
    int rc = mlf__q_filter(&q, a->clauses, a->n_clauses, ids, err);
    if (rc < 0)
        return rc;
    mlf__q_order(&q, a->orders, a->n_orders);
    mlf__q_puts(&q, " LIMIT ");
    mlf__q_int(&q, a->max_results + 1);
    mlf__q_puts(&q, " OFFSET ");
    mlf__q_int(&q, a->offset);
    mlf_sql_stmt *st;
    rc = mlf__q_prepare(c, &q, &st, err);
    if (rc < 0)
        return rc;
    size_t cap = 16, n = 0;
    mlf_sql_trace *ts = MLF_NEW_ARRAY(pool, mlf_sql_trace, cap);
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        if ((int64_t)n == a->max_results) { /* the look-ahead row: only counted */
            n++;
            continue;
        }
        if (n == cap) {
            mlf_sql_trace *t2 = MLF_NEW_ARRAY(pool, mlf_sql_trace, cap * 2);
            memcpy(t2, ts, n * sizeof(*ts));
            ts = t2;
            cap *= 2;
        }
        memset(&ts[n], 0, sizeof(ts[n]));
        rc = mlf_sql_trace_from_row(pool, st, &ts[n], err);
        if (rc < 0) {
            mlf_sql_reset(st);
            return rc;
        }
        n++;
    }
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    mlf_sql_reset(st);
    a->ret->next_page_token = NULL;
    if ((int64_t)n > a->max_results) {
        n = (size_t)a->max_results;
        a->ret->next_page_token = mlf_search_page_token_encode(pool, a->offset + a->max_results);
    }
    a->ret->traces = MLF_NEW_ARRAY(pool, Mlflow__TraceInfoV3 *, n ? n : 1);
    a->ret->n = n;
    rc = mlf_sql_trace_finish(c, pool, ts, n, err);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++)
        a->ret->traces[i] = ts[i].info;
    return 0;
}

int mlf_store_search_traces(mlf_store *store, mlf_pool *pool, const int64_t *experiment_ids, size_t n_ids,
                            const mlf_search_trace_clause *clauses, size_t n_clauses,
                            const mlf_search_trace_order *orders, size_t n_orders, int64_t max_results,
                            int64_t offset, mlf_store_trace_page *ret, mlf_error *err)
{
    mlf__search_args a = {experiment_ids, n_ids, clauses, n_clauses, orders, n_orders, max_results, offset, ret};
    return mlf_sql_in_read(mlf__store(store), pool, mlf__search_tx, &a, err);
}

typedef struct {
    const int64_t *ids;
    size_t n_ids;
    const mlf_store_trace_filter *f1, *f2, *base;
    mlf_store_trace_correlation *ret;
} mlf__corr_args;

/* _build_trace_filter_subquery: the ids of the traces of the experiments matching the filter */
static int mlf__q_subquery(mlf__q *q, const mlf_store_trace_filter *f, const mlf__exps *ids, mlf_error *err)
{
    mlf__q_puts(q, "(SELECT t.request_id AS request_id FROM trace_info t WHERE ");
    mlf__q_in_experiments(q, "t", ids);
    int rc = mlf__q_filter(q, f->clauses, f->n, ids, err);
    mlf__q_puts(q, ")");
    return rc;
}

static int mlf__corr_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__corr_args *a = arg;
    const mlf__exps exps = {a->ids, a->n_ids}, *ids = &exps;
    mlf__q q;
    mlf__q_init(&q, pool, mlf_sql_dialect_of(c) == MLF_SQL_POSTGRES);
    const char *base_id = a->base != NULL ? "b.request_id" : "t.request_id";
    mlf_buf_printf(&q.sql,
                   "SELECT count(%s), count(f1.request_id), count(f2.request_id), count(CASE WHEN f1.request_id IS "
                   "NOT NULL AND f2.request_id IS NOT NULL THEN %s END) FROM ",
                   base_id, base_id);
    int rc = 0;
    if (a->base != NULL) {
        rc = mlf__q_subquery(&q, a->base, ids, err);
        mlf__q_puts(&q, " b");
    } else {
        mlf__q_puts(&q, "trace_info t");
    }
    mlf__q_puts(&q, " LEFT OUTER JOIN ");
    if (rc == 0)
        rc = mlf__q_subquery(&q, a->f1, ids, err);
    mlf_buf_printf(&q.sql, " f1 ON %s = f1.request_id LEFT OUTER JOIN ", base_id);
    if (rc == 0)
        rc = mlf__q_subquery(&q, a->f2, ids, err);
    mlf_buf_printf(&q.sql, " f2 ON %s = f2.request_id", base_id);
    if (rc < 0)
        return rc;
    if (a->base == NULL) {
        mlf__q_puts(&q, " WHERE ");
        mlf__q_in_experiments(&q, "t", ids);
    }
    mlf_sql_stmt *st;
    rc = mlf__q_prepare(c, &q, &st, err);
    if (rc < 0)
        return rc;
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        a->ret->total = mlf_sql_column_int64(st, 0);
        a->ret->filter1 = mlf_sql_column_int64(st, 1);
        a->ret->filter2 = mlf_sql_column_int64(st, 2);
        a->ret->joint = mlf_sql_column_int64(st, 3);
    }
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    mlf_sql_reset(st);
    return 0;
}

int mlf_store_trace_filter_correlation(mlf_store *store, mlf_pool *pool, const int64_t *experiment_ids, size_t n_ids,
                                       const mlf_store_trace_filter *filter1, const mlf_store_trace_filter *filter2,
                                       const mlf_store_trace_filter *base, mlf_store_trace_correlation *ret,
                                       mlf_error *err)
{
    memset(ret, 0, sizeof(*ret));
    mlf__corr_args a = {experiment_ids, n_ids, filter1, filter2, base, ret};
    return mlf_sql_in_read(mlf__store(store), pool, mlf__corr_tx, &a, err);
}

/* ---- queryTraceMetrics (sql_trace_metrics_utils.query_metrics, the raw path) ---- */

typedef struct {
    const mlf_store_metrics_query *mq;
    mlf_store_metrics_row **rows;
    size_t *n_rows;
} mlf__metrics_args;

/* the trace columns a filter of an assessment view reaches through its trace */
static void mlf__q_trace_pred(mlf__q *q, bool assessments, const char *pred_head)
{
    if (assessments)
        mlf_buf_printf(&q->sql, " AND EXISTS (SELECT 1 FROM trace_info t WHERE t.request_id = a.trace_id AND %s",
                       pred_head);
    else
        mlf_buf_printf(&q->sql, " AND %s", pred_head);
}

static void mlf__q_metrics_filter(mlf__q *q, const mlf_store_metrics_query *mq, const mlf_search_metrics_filter *f)
{
    bool assessments = mq->view == MLF_STORE_METRICS_ASSESSMENTS;
    const char *tid = assessments ? "a.trace_id" : "t.request_id";
    const char *close = assessments ? ")" : "";
    if (f->view == MLF_METRICS_FILTER_SPAN) {
        mlf_buf_printf(&q->sql, " AND s.%s = ", f->entity);
        mlf__q_text(q, f->value);
        return;
    }
    if (f->view == MLF_METRICS_FILTER_ASSESSMENT) {
        mlf_buf_printf(&q->sql, " AND a.%s = ", strcmp(f->entity, "type") == 0 ? "assessment_type" : "name");
        mlf__q_text(q, f->value);
        return;
    }
    const char *key = f->key;
    if (strcmp(f->entity, "status") == 0 ||
        (strcmp(f->entity, "metadata") == 0 && strcmp(key, MLF_SQL_TRACE_META_SESSION) == 0) ||
        (strcmp(f->entity, "tag") == 0 && strcmp(key, MLF_SQL_TRACE_NAME_TAG) == 0)) {
        const char *col = strcmp(f->entity, "status") == 0 ? "t.status = "
                          : strcmp(f->entity, "tag") == 0   ? "t.trace_name = "
                                                            : "t.session_id = ";
        mlf__q_trace_pred(q, assessments, col);
        mlf__q_text(q, f->value);
        mlf__q_puts(q, close);
        return;
    }
    if (strcmp(f->entity, "metadata") == 0 &&
        (strcmp(key, MLF_SQL_TRACE_META_TOKEN_USAGE) == 0 || strcmp(key, MLF_SQL_TRACE_META_COST) == 0)) {
        mlf__q_trace_pred(q, assessments, "");
        mlf__q_analytics(q, strcmp(key, MLF_SQL_TRACE_META_COST) == 0, f->value);
        mlf__q_puts(q, close);
        return;
    }
    bool tag = strcmp(f->entity, "tag") == 0;
    bool run = !tag && strcmp(key, "mlflow.sourceRun") == 0;
    mlf_buf_printf(&q->sql, " AND (EXISTS (SELECT 1 FROM %s x WHERE x.request_id = %s AND x.key = ",
                   tag ? "trace_tags" : "trace_request_metadata", tid);
    mlf__q_text(q, key);
    mlf__q_puts(q, " AND x.value = ");
    mlf__q_text(q, f->value);
    mlf__q_puts(q, ")");
    if (run) {
        mlf_buf_printf(&q->sql, " OR EXISTS (SELECT 1 FROM entity_associations ea WHERE ea.source_id = %s AND "
                                "ea.source_type = 'trace' AND ea.destination_type = 'run' AND ea.destination_id = ",
                       tid);
        mlf__q_text(q, f->value);
        mlf__q_puts(q, ")");
    }
    mlf__q_puts(q, ")");
}

static const char *mlf__metrics_col(mlf_pool *pool, const mlf_store_metrics_query *mq)
{
    const char *m = mq->metric;
    switch (mq->view) {
    case MLF_STORE_METRICS_TRACES:
        if (strcmp(m, "trace_count") == 0)
            return "t.request_id";
        if (strcmp(m, "session_count") == 0)
            return "t.session_id";
        if (strcmp(m, "latency") == 0)
            return "t.execution_time_ms";
        return mlf_pool_sprintf(pool, "t.%s", m); /* the token columns, named as the metrics */
    case MLF_STORE_METRICS_SPANS:
        if (strcmp(m, "span_count") == 0)
            return "s.span_id";
        if (strcmp(m, "latency") == 0)
            return "((s.end_time_unix_nano - s.start_time_unix_nano) / 1000000)";
        return mlf_pool_sprintf(pool, "s.%s", m); /* input_cost, output_cost, total_cost */
    default:
        return strcmp(m, "assessment_count") == 0 ? "a.assessment_id" : "a.aggregate_value";
    }
}

/* a dimension's column (validated names) */
static const char *mlf__metrics_dim(const char *dim)
{
    static const struct {
        const char *dim, *col;
    } cols[] = {
        {"trace_name", "t.trace_name"},         {"trace_status", "t.status"},          {"span_name", "s.name"},
        {"span_type", "s.type"},                {"span_status", "s.status"},          {"span_model_name", "s.model_name"},
        {"span_model_provider", "s.model_provider"}, {"assessment_name", "a.name"},   {"assessment_value", "a.value"},
    };
    for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
        if (strcmp(cols[i].dim, dim) == 0)
            return cols[i].col;
    return "NULL";
}

static int mlf__metrics_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__metrics_args *args = arg;
    const mlf_store_metrics_query *mq = args->mq;
    bool pg = mlf_sql_dialect_of(c) == MLF_SQL_POSTGRES;
    bool spans = mq->view == MLF_STORE_METRICS_SPANS, assessments = mq->view == MLF_STORE_METRICS_ASSESSMENTS;
    bool span_cost = spans && strstr(mq->metric, "_cost") != NULL;
    bool sessions = mq->view == MLF_STORE_METRICS_TRACES && strcmp(mq->metric, "session_count") == 0;
    const mlf__exps exps = {mq->ids, mq->n_ids}, *ids = &exps;
    const char *col = mlf__metrics_col(pool, mq);
    mlf__q q;
    mlf__q_init(&q, pool, pg);
    /* the grouping columns: the bucket (floor(ts / B) * B in integers, for either sign) then the dimensions */
    mlf_buf group;
    mlf_buf_init(&group, pool, 128);
    if (mq->bucket_ms > 0) {
        const char *ts = mq->view == MLF_STORE_METRICS_TRACES ? "t.timestamp_ms"
                         : spans                             ? "(s.start_time_unix_nano / 1000000)"
                                                             : "a.trace_timestamp_ms";
        mlf_buf_printf(&group, "(%s - ((%s %% %" PRId64 ") + %" PRId64 ") %% %" PRId64 ")", ts, ts, mq->bucket_ms,
                       mq->bucket_ms, mq->bucket_ms);
    }
    for (size_t i = 0; i < mq->n_dims; i++)
        mlf_buf_printf(&group, "%s%s", group.len > 0 ? ", " : "", mlf__metrics_dim(mq->dims[i]));
    mlf_buf_printf(&q.sql, "SELECT %s", group.data);
    for (size_t i = 0; i < mq->n_aggs; i++) {
        mlf__q_puts(&q, group.len > 0 || i > 0 ? ", " : "");
        switch (mq->aggs[i].type) {
        case MLF_STORE_AGG_COUNT:
            mlf_buf_printf(&q.sql, "count(%s%s)", sessions ? "DISTINCT " : "", col);
            break;
        case MLF_STORE_AGG_SUM:
            mlf_buf_printf(&q.sql, "sum(%s)", col);
            break;
        case MLF_STORE_AGG_AVG:
            mlf_buf_printf(&q.sql, "avg(%s)", col);
            break;
        case MLF_STORE_AGG_MIN:
            mlf_buf_printf(&q.sql, "min(%s)", col);
            break;
        case MLF_STORE_AGG_MAX:
            mlf_buf_printf(&q.sql, "max(%s)", col);
            break;
        case MLF_STORE_AGG_PERCENTILE:
            if (pg) {
                mlf__q_puts(&q, "percentile_cont(");
                mlf__q_add(&q, 'd')->d = mq->aggs[i].percentile / 100;
                mlf_buf_printf(&q.sql, ") WITHIN GROUP (ORDER BY %s)", col);
            } else {
                mlf_buf_printf(&q.sql, "mlf_percentile(%s, ", col);
                mlf__q_add(&q, 'd')->d = mq->aggs[i].percentile;
                mlf__q_puts(&q, ")");
            }
            break;
        }
    }
    if (assessments) {
        mlf__q_puts(&q, " FROM assessments a WHERE ");
        mlf__q_in_experiments(&q, "a", ids);
        mlf_buf_printf(&q.sql, " AND a.valid = %s", mlf__true(&q));
    } else {
        mlf__q_puts(&q, spans ? " FROM trace_info t JOIN spans s ON s.trace_id = t.request_id WHERE "
                              : " FROM trace_info t WHERE ");
        mlf__q_in_experiments(&q, "t", ids);
    }
    for (size_t i = 0; i < mq->n_filters; i++)
        mlf__q_metrics_filter(&q, mq, &mq->filters[i]);
    /* _build_time_range_predicate: inclusive bounds; a span cost by its span's start (nanoseconds) */
    const char *ts = assessments ? "a.trace_timestamp_ms" : "t.timestamp_ms";
    if (span_cost) {
        if (mq->start != NULL) {
            if (*mq->start > INT64_MAX / 1000000)
                mlf__q_puts(&q, " AND 1 = 0");
            else if (*mq->start > INT64_MIN / 1000000) {
                mlf__q_puts(&q, " AND s.start_time_unix_nano >= ");
                mlf__q_int(&q, *mq->start * 1000000);
            }
        }
        if (mq->end != NULL) {
            if (*mq->end < INT64_MIN / 1000000)
                mlf__q_puts(&q, " AND 1 = 0");
            else if (*mq->end < INT64_MAX / 1000000 - 1) {
                mlf__q_puts(&q, " AND s.start_time_unix_nano < ");
                mlf__q_int(&q, (*mq->end + 1) * 1000000);
            }
        }
    } else {
        if (mq->start != NULL) {
            mlf_buf_printf(&q.sql, " AND %s >= ", ts);
            mlf__q_int(&q, *mq->start);
        }
        if (mq->end != NULL) {
            mlf_buf_printf(&q.sql, " AND %s <= ", ts);
            mlf__q_int(&q, *mq->end);
        }
    }
    if (sessions)
        mlf__q_puts(&q, " AND t.session_id IS NOT NULL");
    else
        mlf_buf_printf(&q.sql, " AND %s IS NOT NULL", col);
    for (size_t i = 0; i < mq->n_dims; i++)
        mlf_buf_printf(&q.sql, " AND %s IS NOT NULL", mlf__metrics_dim(mq->dims[i]));
    if (group.len > 0)
        mlf_buf_printf(&q.sql, " GROUP BY %s ORDER BY %s", group.data, group.data);
    mlf__q_puts(&q, " LIMIT ");
    mlf__q_int(&q, mq->max_results);
    mlf_sql_stmt *st;
    int rc = mlf__q_prepare(c, &q, &st, err);
    if (rc < 0)
        return rc;
    size_t cap = 8, n = 0;
    mlf_store_metrics_row *rows = MLF_NEW_ARRAY(pool, mlf_store_metrics_row, cap);
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        if (n == cap) {
            mlf_store_metrics_row *r2 = MLF_NEW_ARRAY(pool, mlf_store_metrics_row, cap * 2);
            memcpy(r2, rows, n * sizeof(*rows));
            rows = r2;
            cap *= 2;
        }
        mlf_store_metrics_row *r = &rows[n++];
        memset(r, 0, sizeof(*r));
        int ci = 0;
        if (mq->bucket_ms > 0) {
            r->has_bucket = mlf_sql_column_type(st, ci) != MLF_SQL_NULL;
            r->bucket_ms = mlf_sql_column_int64(st, ci++);
        }
        r->dims = MLF_NEW_ARRAY(pool, const char *, mq->n_dims + 1);
        for (size_t i = 0; i < mq->n_dims; i++)
            r->dims[i] = mlf_sql_column_text_dup(pool, st, ci++);
        r->values = MLF_NEW_ARRAY(pool, double, mq->n_aggs + 1);
        r->has_value = MLF_NEW_ARRAY(pool, bool, mq->n_aggs + 1);
        for (size_t i = 0; i < mq->n_aggs; i++, ci++) {
            r->has_value[i] = mlf_sql_column_type(st, ci) != MLF_SQL_NULL;
            r->values[i] = mlf_sql_column_double(st, ci);
        }
    }
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    mlf_sql_reset(st);
    *args->rows = rows;
    *args->n_rows = n;
    return 0;
}

int mlf_store_query_trace_metrics(mlf_store *store, mlf_pool *pool, const mlf_store_metrics_query *query,
                                  mlf_store_metrics_row **ret, size_t *ret_n, mlf_error *err)
{
    mlf__metrics_args a = {query, ret, ret_n};
    *ret = NULL;
    *ret_n = 0;
    return mlf_sql_in_read(mlf__store(store), pool, mlf__metrics_tx, &a, err);
}
