/*
 * Spans on both backends (MLflow 3.18's SqlAlchemyStore.log_spans / _log_spans_once, get_trace and
 * batch_get_traces): the spans table, and the trace_info row a batch of spans makes or updates, with the
 * same columns, tags and metadata as MLflow writes; getTrace's reads of a trace and its spans' contents.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "store/pystr.h"
#include "store/sql/trace.h"
#include "store/uri.h"

#define MLF__SPANS_LOCATION_TAG "mlflow.trace.spansLocation"
#define MLF__TRACKING_STORE "TRACKING_STORE"
#define MLF__ARTIFACT_LOCATION_TAG "mlflow.artifactLocation"
#define MLF__FINALIZED_META "mlflow.trace.infoFinalized"
#define MLF__USER_META "mlflow.trace.user"
#define MLF__PREVIEW_MAX 1000

static mlf_sql_store *mlf__store(mlf_store *store)
{
    return (mlf_sql_store *)store;
}

/* TOKEN_COLUMN_BY_KEY (the first three always summed, the cache keys when present) and COST_COLUMN_BY_KEY */
static const char *const mlf__token_keys[] = {"input_tokens", "output_tokens", "total_tokens",
                                              "cache_read_input_tokens", "cache_creation_input_tokens",
                                              "cache_creation_input_tokens_above_1hr"};
static const char *const mlf__cost_keys[] = {"input_cost", "output_cost", "total_cost"};

static const char *mlf__attr(const mlf_store_span *s, const char *key)
{
    for (size_t i = s->n_attributes; i-- > 0;)
        if (strcmp(s->attributes[i].key, key) == 0)
            return s->attributes[i].value;
    return NULL;
}

/* json.loads of an attribute text that must give a dict (try_json_loads, then isinstance(dict)), else NULL */
static const mlf_json *mlf__json_object(mlf_pool *pool, const char *text)
{
    mlf_json *v = NULL;
    if (text == NULL || mlf_json_parse_ex(pool, text, strlen(text), MLF_JSON_LOADS, &v, NULL) != 0)
        return NULL;
    return v->type == MLF_JSON_OBJECT ? v : NULL;
}

/** One span of the tree-aware aggregation (SpanAggregationNode). */
typedef struct {
    const char *span_id, *parent_id;
    const mlf_json *data;
} mlf__node;

/*
 * _aggregate_from_nodes: sums the data of every node no ancestor of which has data (rollup parents are not
 * counted twice); keys [0, n_always) count from 0, the others when present. Returns false when no node
 * has data (None).
 */
static bool mlf__aggregate(mlf_pool *pool, const mlf__node *nodes, size_t n, const char *const *keys, size_t n_keys,
                           size_t n_always, double *totals, bool *present)
{
    for (size_t k = 0; k < n_keys; k++) {
        totals[k] = 0;
        present[k] = k < n_always;
    }
    /* each node's parent among the nodes (-1: a root here), then whether some ancestor has data, memoized so
       that deep trees stay linear */
    long *parent = MLF_NEW_ARRAY(pool, long, n ? n : 1);
    signed char *covered = MLF_NEW_ARRAY(pool, signed char, n ? n : 1);
    long *path = MLF_NEW_ARRAY(pool, long, n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        parent[i] = -1;
        covered[i] = -1;
        for (size_t j = 0; nodes[i].parent_id != NULL && j < n; j++)
            if (strcmp(nodes[j].span_id, nodes[i].parent_id) == 0) {
                parent[i] = (long)j;
                break;
            }
    }
    for (size_t i = 0; i < n; i++) {
        /* walk up to a node whose answer is known (or a root), then fill the path back down */
        size_t len = 0;
        long at = (long)i;
        while (at >= 0 && covered[at] < 0 && len < n) {
            path[len++] = at;
            at = parent[at];
        }
        signed char above = at >= 0 && covered[at] >= 0 ? covered[at] : 0;
        if (at >= 0 && covered[at] >= 0 && nodes[at].data != NULL)
            above = 1;
        while (len-- > 0) {
            long node = path[len];
            covered[node] = above;
            if (nodes[node].data != NULL)
                above = 1;
        }
    }
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        if (nodes[i].data == NULL || covered[i] == 1)
            continue;
        any = true;
        for (size_t k = 0; k < n_keys; k++) {
            const mlf_json *v = mlf_json_get(nodes[i].data, keys[k]);
            if (v != NULL && v->type == MLF_JSON_NUMBER) {
                totals[k] += v->number;
                present[k] = true;
            } else if (v != NULL && v->type == MLF_JSON_BOOL) {
                totals[k] += v->boolean;
                present[k] = true;
            } else if (v != NULL && k >= n_always) {
                present[k] = true;
            }
        }
    }
    return any;
}

/* Per trace of the batch: the aggregates _log_spans_once computes before it touches the database. */
typedef struct {
    const char *trace_id;
    const mlf_store_span **spans;
    size_t n, cap;
    int64_t min_start_ms, max_end_ms;
    bool has_end; /* a span of the batch has an end time (max_end_ms is not None) */
    const char *root_status; /* "OK" / "ERROR", or NULL without a root span */
    const mlf_store_span *root;
    const char *session_id, *user_id;
    /* state of the trace_info row */
    bool exists, created;
    int64_t experiment_id;
    char *status, *request_preview, *response_preview, *session_col;
    bool finalized;
    bool has_tokens_col, has_costs_col;
    bool dropped; /* could not be made: its spans are left out */
} mlf__trace;

typedef struct {
    const char *experiment_id;
    const mlf_store_span *spans;
    size_t n;
    bool *unexpected;
} mlf__log_args;

/* _get_truncated_preview's message extraction: the last message of role (else the last), its text. */
static bool mlf__is_message(const mlf_json *v)
{
    return v != NULL && v->type == MLF_JSON_OBJECT && mlf_json_get(v, "role") != NULL &&
           mlf_json_get(v, "content") != NULL;
}

static const char *mlf__message_text(mlf_pool *pool, const mlf_json *obj, const char *role, int depth)
{
    if (obj == NULL || obj->type != MLF_JSON_OBJECT || depth > 32)
        return NULL;
    const mlf_json *list = NULL;
    const mlf_json *single = NULL;
    const mlf_json *v = mlf_json_get(obj, "messages");
    if (mlf_json_truthy(v) && v->type == MLF_JSON_ARRAY) {
        list = v;
    } else {
        const mlf_json *ch = mlf_json_get(obj, "choices");
        const mlf_json *msg = NULL;
        if (mlf_json_truthy(ch) && ch->type == MLF_JSON_ARRAY && ch->items[0]->type == MLF_JSON_OBJECT)
            msg = mlf_json_get(ch->items[0], "message");
        if (mlf_json_truthy(msg) && mlf__is_message(msg)) {
            single = msg;
        } else if (mlf_json_truthy(v = mlf_json_get(obj, "input")) && v->type == MLF_JSON_ARRAY) {
            list = v;
        } else if (mlf_json_truthy(v = mlf_json_get(obj, "output")) && v->type == MLF_JSON_ARRAY) {
            list = v;
        } else if ((v = mlf_json_get(obj, "request")) != NULL) {
            return mlf__message_text(pool, v, role, depth + 1);
        } else {
            return NULL;
        }
    }
    const mlf_json *msg = single;
    if (msg == NULL) {
        const mlf_json *last = NULL;
        for (size_t i = list->n; i-- > 0;) {
            if (!mlf__is_message(list->items[i]))
                continue;
            if (last == NULL)
                last = list->items[i];
            const mlf_json *r = mlf_json_get(list->items[i], "role");
            if (r->type == MLF_JSON_STRING && strcmp(r->text, role) == 0) {
                msg = list->items[i];
                break;
            }
        }
        if (msg == NULL)
            msg = last;
        if (msg == NULL) /* no messages: the whole text */
            return NULL;
    }
    const mlf_json *content = mlf_json_get(msg, "content");
    if (content->type == MLF_JSON_STRING)
        return content->text;
    if (content->type == MLF_JSON_ARRAY) {
        for (size_t i = 0; i < content->n; i++) {
            const mlf_json *part = content->items[i];
            if (part->type == MLF_JSON_STRING)
                return part->text;
            const mlf_json *t = part->type == MLF_JSON_OBJECT ? mlf_json_get(part, "type") : NULL;
            if (t != NULL && t->type == MLF_JSON_STRING &&
                (strcmp(t->text, "text") == 0 || strcmp(t->text, "output_text") == 0)) {
                const mlf_json *text = mlf_json_get(part, "text");
                return text != NULL && text->type == MLF_JSON_STRING ? text->text : NULL;
            }
        }
    }
    return "";
}

/* _get_truncated_preview(text, role): a chat message's text when the JSON holds messages, else the text;
 * NULs replaced, cut to 1000 code points with "...". */
static char *mlf__preview(mlf_pool *pool, const char *text, const char *role)
{
    const char *content = NULL;
    mlf_json *obj = NULL;
    if (mlf_json_parse_ex(pool, text, strlen(text), MLF_JSON_LOADS, &obj, NULL) == 0)
        content = mlf__message_text(pool, obj, role, 0);
    if (content == NULL || content[0] == '\0')
        content = text;
    size_t n = mlf_pystr_len(content);
    if (n <= MLF__PREVIEW_MAX)
        return mlf_pool_strdup(pool, content);
    const char *p = content;
    for (size_t i = 0; i < MLF__PREVIEW_MAX - 3; i++) {
        uint32_t cp;
        p += mlf_pystr_utf8_next(p, &cp);
    }
    return mlf_pool_sprintf(pool, "%.*s...", (int)(p - content), content);
}

static int mlf__run(mlf_sql_conn *c, mlf_pool *pool, const char *sql, const char *types, const void *const *args,
                    mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, sql, &st, err);
    if (rc < 0)
        return rc;
    for (int i = 0; types[i]; i++) {
        if (types[i] == 't')
            mlf_sql_bind_text(st, i + 1, args[i]);
        else
            mlf_sql_bind_int64(st, i + 1, *(const int64_t *)args[i]);
    }
    return mlf__sql_step_done(c, pool, st, err);
}

static int mlf__upsert_tag(mlf_sql_conn *c, mlf_pool *pool, const char *trace_id, const char *key,
                           const char *value, mlf_error *err)
{
    return mlf__run(c, pool,
                    "INSERT INTO trace_tags (\"key\", value, request_id) VALUES (?, ?, ?) "
                    "ON CONFLICT (\"key\", request_id) DO UPDATE SET value = excluded.value",
                    "ttt", (const void *[]){key, value, trace_id}, err);
}

/* The trace_info columns _log_spans_once reads of the batch's traces (Phase 1). */
#define MLF__EXISTING_SQL                                                                                            \
    "SELECT request_id, experiment_id, status, request_preview, response_preview, session_id, "                    \
    "COALESCE(input_tokens, output_tokens, total_tokens, cache_read_input_tokens, cache_creation_input_tokens, "    \
    "cache_creation_input_tokens_above_1hr) IS NOT NULL, COALESCE(input_cost, output_cost, total_cost) IS NOT NULL, " \
    "EXISTS (SELECT 1 FROM trace_request_metadata m WHERE m.request_id = trace_info.request_id "                   \
    "AND m.\"key\" = '" MLF__FINALIZED_META "') FROM trace_info WHERE request_id IN (SELECT value FROM json_each(?1))"

/*
 * The batch's existing traces. On PostgreSQL their rows are locked, in one order, so that concurrent batches
 * of a trace take turns (MLflow's _trace_row_lock_query) and each one's token and cost sums see the spans
 * the others committed; SQLite has one writer.
 */
static int mlf__load_existing(mlf_sql_conn *c, mlf_pool *pool, mlf__trace *ts, size_t nt, const char *ids_json,
                              mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool,
                             mlf_sql_dialect_of(c) == MLF_SQL_POSTGRES
                                 ? MLF__EXISTING_SQL " ORDER BY request_id FOR UPDATE"
                                 : MLF__EXISTING_SQL,
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, ids_json);
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        const char *id = (const char *)mlf_sql_column_text(st, 0);
        for (size_t i = 0; i < nt; i++) {
            if (strcmp(ts[i].trace_id, id) != 0)
                continue;
            mlf__trace *t = &ts[i];
            t->exists = true;
            t->experiment_id = mlf_sql_column_int64(st, 1);
            t->status = mlf_sql_column_text_dup(pool, st, 2);
            t->request_preview = mlf_sql_column_text_dup(pool, st, 3);
            t->response_preview = mlf_sql_column_text_dup(pool, st, 4);
            t->session_col = mlf_sql_column_text_dup(pool, st, 5);
            t->has_tokens_col = mlf_sql_column_int64(st, 6) != 0;
            t->has_costs_col = mlf_sql_column_int64(st, 7) != 0;
            t->finalized = mlf_sql_column_int64(st, 8) != 0;
        }
    }
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    mlf_sql_reset(st);
    return 0;
}

/* The usage or cost nodes of a trace's already stored spans (those the batch does not replace). */
static int mlf__stored_nodes(mlf_sql_conn *c, mlf_pool *pool, const mlf__trace *t, const char *attr_key,
                             mlf__node **nodes, size_t *n, mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, "SELECT span_id, parent_span_id, content FROM spans WHERE trace_id = ?",
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, t->trace_id);
    size_t cap = *n + 16;
    mlf__node *out = MLF_NEW_ARRAY(pool, mlf__node, cap);
    memcpy(out, *nodes, *n * sizeof(*out));
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        const char *sid = (const char *)mlf_sql_column_text(st, 0);
        bool in_batch = false;
        for (size_t i = 0; i < t->n && !in_batch; i++)
            in_batch = strcmp(t->spans[i]->span_id, sid) == 0;
        if (in_batch)
            continue;
        if (*n == cap) {
            mlf__node *o2 = MLF_NEW_ARRAY(pool, mlf__node, cap * 2);
            memcpy(o2, out, *n * sizeof(*out));
            out = o2;
            cap *= 2;
        }
        mlf__node *nd = &out[(*n)++];
        nd->span_id = mlf_pool_strdup(pool, sid);
        nd->parent_id = mlf_sql_column_text_dup(pool, st, 1);
        nd->data = NULL;
        const char *content = (const char *)mlf_sql_column_text(st, 2);
        mlf_json *cj = NULL;
        if (mlf_json_parse_ex(pool, content, strlen(content), MLF_JSON_LOADS, &cj, NULL) == 0 &&
            cj->type == MLF_JSON_OBJECT) {
            const mlf_json *attrs = mlf_json_get(cj, "attributes");
            const mlf_json *v = attrs != NULL && attrs->type == MLF_JSON_OBJECT ? mlf_json_get(attrs, attr_key) : NULL;
            if (v != NULL && v->type == MLF_JSON_STRING)
                nd->data = mlf__json_object(pool, v->text);
            else if (v != NULL && v->type == MLF_JSON_OBJECT)
                nd->data = v;
        }
    }
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    mlf_sql_reset(st);
    *nodes = out;
    return 0;
}

/* token_count_or_none / finite_float_or_none of an aggregated value, bound as the column's value */
static void mlf__set_number(mlf_buf *sql, mlf_buf *vals, const char *column, double v, bool integer, bool *any)
{
    if (!isfinite(v))
        return;
    if (integer) {
        if (v != floor(v) || v < -9223372036854775808.0 || v >= 9223372036854775808.0)
            return;
        mlf_buf_printf(vals, "%" PRId64, (int64_t)v);
    } else {
        mlf_buf_puts(vals, mlf_pystr_repr_float(vals->pool, v));
    }
    mlf_buf_printf(sql, "%s%s = %s", *any ? ", " : "", column, vals->data);
    vals->len = 0;
    vals->data[0] = '\0';
    *any = true;
}

/* Phase 5 for one trace: the UPDATE of trace_info, the user metadata, the assessments' trace time. */
static int mlf__update_trace(mlf_sql_conn *c, mlf_pool *pool, mlf__trace *t, mlf_error *err)
{
    mlf_buf sql, vals;
    mlf_buf_init(&sql, pool, 512);
    mlf_buf_init(&vals, pool, 32);
    mlf_buf_puts(&sql, "UPDATE trace_info SET ");
    bool any = false;
    const char *texts[8];
    size_t nt = 0;
    if (!t->finalized) {
        /* the database takes min and max itself, against concurrent writers (MLflow's case expressions) */
        mlf_buf_printf(&sql, "timestamp_ms = CASE WHEN timestamp_ms > %" PRId64 " THEN %" PRId64
                             " ELSE timestamp_ms END",
                       t->min_start_ms, t->min_start_ms);
        /* no span of the batch ended (max_end_ms None): the duration stays */
        if (t->has_end)
            mlf_buf_printf(&sql, ", execution_time_ms = CASE WHEN timestamp_ms + execution_time_ms > %" PRId64
                                 " THEN timestamp_ms + execution_time_ms ELSE %" PRId64 " END - CASE WHEN timestamp_ms > %"
                                 PRId64 " THEN %" PRId64 " ELSE timestamp_ms END",
                           t->max_end_ms, t->max_end_ms, t->min_start_ms, t->min_start_ms);
        any = true;
    }
    if (t->status != NULL && (strcmp(t->status, "IN_PROGRESS") == 0 || strcmp(t->status, "STATE_UNSPECIFIED") == 0) &&
        t->root_status != NULL) {
        mlf_buf_printf(&sql, "%sstatus = ?", any ? ", " : "");
        texts[nt++] = t->root_status;
        any = true;
    }
    if (t->root != NULL) {
        const char *in = mlf__attr(t->root, "mlflow.spanInputs");
        const char *out = mlf__attr(t->root, "mlflow.spanOutputs");
        if (t->request_preview == NULL && in != NULL && in[0] != '\0') {
            mlf_buf_printf(&sql, "%srequest_preview = ?", any ? ", " : "");
            texts[nt++] = mlf__preview(pool, in, "user");
            any = true;
        }
        if (t->response_preview == NULL && out != NULL && out[0] != '\0') {
            mlf_buf_printf(&sql, "%sresponse_preview = ?", any ? ", " : "");
            texts[nt++] = mlf__preview(pool, out, "assistant");
            any = true;
        }
        if (t->root->trace_name != NULL) {
            mlf_buf_printf(&sql, "%strace_name = ?", any ? ", " : "");
            texts[nt++] = t->root->trace_name;
            any = true;
        }
    }
    /* token usage and cost: the tree-aware sums over the batch (a new trace) or over all its spans */
    for (int which = 0; which < 2; which++) {
        const char *key = which == 0 ? "mlflow.chat.tokenUsage" : "mlflow.llm.cost";
        size_t nn = t->n;
        mlf__node *nodes = MLF_NEW_ARRAY(pool, mlf__node, nn ? nn : 1);
        bool batch_has = false;
        for (size_t i = 0; i < t->n; i++) {
            nodes[i].span_id = t->spans[i]->span_id;
            nodes[i].parent_id = t->spans[i]->parent_id;
            nodes[i].data = mlf__json_object(pool, mlf__attr(t->spans[i], key));
            batch_has = batch_has || nodes[i].data != NULL;
        }
        double totals[6];
        bool present[6];
        const char *const *keys = which == 0 ? mlf__token_keys : mlf__cost_keys;
        size_t nk = which == 0 ? 6 : 3;
        if (!batch_has || !mlf__aggregate(pool, nodes, nn, keys, nk, 3, totals, present))
            continue;
        bool authoritative = t->finalized && (which == 0 ? t->has_tokens_col : t->has_costs_col);
        if (authoritative)
            continue;
        if (!t->created) {
            int rc = mlf__stored_nodes(c, pool, t, key, &nodes, &nn, err);
            if (rc < 0)
                return rc;
            if (!mlf__aggregate(pool, nodes, nn, keys, nk, 3, totals, present))
                continue;
        }
        for (size_t k = 0; k < nk; k++)
            if (present[k])
                mlf__set_number(&sql, &vals, keys[k], totals[k], which == 0, &any);
    }
    if (t->session_id != NULL && t->session_col == NULL) {
        mlf_buf_printf(&sql, "%ssession_id = ?", any ? ", " : "");
        texts[nt++] = t->session_id;
        any = true;
    }
    int rc;
    if (t->user_id != NULL) {
        rc = mlf__run(c, pool,
                      "INSERT INTO trace_request_metadata (\"key\", value, request_id) VALUES ('" MLF__USER_META
                      "', ?, ?) ON CONFLICT (\"key\", request_id) DO NOTHING",
                      "tt", (const void *[]){t->user_id, t->trace_id}, err);
        if (rc < 0)
            return rc;
    }
    if (any) {
        mlf_buf_puts(&sql, " WHERE request_id = ?");
        mlf_sql_stmt *st;
        rc = mlf_sql_prepare(c, pool, sql.data, &st, err);
        if (rc < 0)
            return rc;
        for (size_t i = 0; i < nt; i++)
            mlf_sql_bind_text(st, (int)i + 1, texts[i]);
        mlf_sql_bind_text(st, (int)nt + 1, t->trace_id);
        rc = mlf__sql_step_done(c, pool, st, err);
        if (rc < 0)
            return rc;
    }
    if (!t->finalized && !t->created) /* the trace's time may move earlier: its assessments follow it */
        return mlf__run(c, pool,
                        "UPDATE assessments SET trace_timestamp_ms = ? WHERE trace_id = ? AND EXISTS "
                        "(SELECT 1 FROM trace_info WHERE request_id = ? AND timestamp_ms = ?)",
                        "itti", (const void *[]){&t->min_start_ms, t->trace_id, t->trace_id, &t->min_start_ms}, err);
    return 0;
}

static int mlf__cmp_trace(const void *a, const void *b)
{
    return strcmp(((const mlf__trace *)a)->trace_id, ((const mlf__trace *)b)->trace_id);
}

static int mlf__log_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__log_args *a = arg;
    /* spans grouped by trace, in the order the traces first appear */
    mlf__trace *ts = MLF_NEW_ARRAY(pool, mlf__trace, a->n ? a->n : 1);
    size_t nt = 0;
    for (size_t i = 0; i < a->n; i++) {
        const mlf_store_span *s = &a->spans[i];
        mlf__trace *t = NULL;
        for (size_t j = 0; j < nt; j++)
            if (strcmp(ts[j].trace_id, s->trace_id) == 0) {
                t = &ts[j];
                break;
            }
        if (t == NULL) {
            t = &ts[nt++];
            memset(t, 0, sizeof(*t));
            t->trace_id = s->trace_id;
            t->min_start_ms = INT64_MAX;
            t->max_end_ms = INT64_MIN;
        }
        if (t->n == t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 8;
            const mlf_store_span **s2 = MLF_NEW_ARRAY(pool, const mlf_store_span *, cap);
            if (t->n)
                memcpy(s2, t->spans, t->n * sizeof(*s2));
            t->spans = s2;
            t->cap = cap;
        }
        t->spans[t->n++] = s;
        /* Python's // floors */
        int64_t st_ms = s->start_ns / 1000000 - (s->start_ns % 1000000 < 0);
        int64_t en_ms = s->end_ns / 1000000 - (s->end_ns % 1000000 < 0);
        if (st_ms < t->min_start_ms)
            t->min_start_ms = st_ms;
        if (!s->no_end) {
            t->has_end = true;
            if (en_ms > t->max_end_ms)
                t->max_end_ms = en_ms;
        }
        if (s->parent_id == NULL) {
            if (t->root_status == NULL)
                t->root_status = strcmp(s->status, "ERROR") == 0 ? "ERROR" : "OK";
            t->root = s;
        }
        if (t->session_id == NULL && s->session_id != NULL)
            t->session_id = s->session_id;
        if (t->user_id == NULL && s->user_id != NULL)
            t->user_id = s->user_id;
    }
    mlf_buf ids;
    mlf_buf_init(&ids, pool, 64);
    mlf_buf_putc(&ids, '[');
    for (size_t i = 0; i < nt; i++) {
        if (i > 0)
            mlf_buf_putc(&ids, ',');
        mlf_json_write_string(&ids, ts[i].trace_id, strlen(ts[i].trace_id));
    }
    mlf_buf_putc(&ids, ']');

    /* Phase 1 and 2: the existing rows, then the missing traces made in the location */
    int rc = mlf__load_existing(c, pool, ts, nt, ids.data, err);
    if (rc < 0)
        return rc;
    int64_t exp_id = 0;
    char *exp_location = NULL, *exp_stage; /* get_experiment takes deleted experiments too */
    for (size_t i = 0; i < nt; i++) {
        mlf__trace *t = &ts[i];
        if (t->exists)
            continue;
        /* _get_experiment takes "" as the Default experiment */
        const char *lookup = a->experiment_id[0] != '\0' ? a->experiment_id : "0";
        if (exp_location == NULL &&
            (rc = mlf__sql_get_experiment(c, pool, lookup, &exp_id, &exp_location, &exp_stage, err)) < 0)
            return rc;
        if (a->experiment_id[0] == '\0') {
            if (mlf_sql_dialect_of(c) == MLF_SQL_POSTGRES) /* the driver's error, as MLflow's session wraps it */
                return mlf_error_set(err, pool, MLF_ERR_BAD_REQUEST, "(psycopg2.errors.InvalidTextRepresentation) "
                                                                     "invalid input syntax for type integer: \"\"");
            t->dropped = true; /* the trace's insert fails its foreign key: MLflow drops its spans */
            continue;
        }
        const char *status = t->root_status != NULL ? t->root_status : "IN_PROGRESS";
        mlf_sql_stmt *st;
        rc = mlf_sql_prepare(c, pool,
                             "INSERT INTO trace_info (request_id, experiment_id, timestamp_ms, execution_time_ms, status, "
                             "client_request_id) VALUES (?, ?, ?, ?, ?, NULL) ON CONFLICT (request_id) DO NOTHING",
                             &st, err);
        if (rc < 0)
            return rc;
        mlf_sql_bind_text(st, 1, t->trace_id);
        mlf_sql_bind_int64(st, 2, exp_id);
        mlf_sql_bind_int64(st, 3, t->min_start_ms);
        if (t->has_end && t->max_end_ms != 0) /* MLflow's `if agg.max_end_ms` */
            mlf_sql_bind_int64(st, 4, t->max_end_ms - t->min_start_ms);
        else
            mlf_sql_bind_null(st, 4);
        mlf_sql_bind_text(st, 5, status);
        if ((rc = mlf__sql_step_done(c, pool, st, err)) < 0)
            return rc;
        if (mlf_sql_changes(c) == 0) {
            /* a concurrent start_trace or log_spans made it first (MLflow's IntegrityError retry): it exists */
            mlf_buf one;
            mlf_buf_init(&one, pool, 48);
            mlf_buf_putc(&one, '[');
            mlf_json_write_string(&one, t->trace_id, strlen(t->trace_id));
            mlf_buf_putc(&one, ']');
            if ((rc = mlf__load_existing(c, pool, t, 1, one.data, err)) < 0)
                return rc;
            if (!t->exists)
                return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "trace %s vanished while logging spans",
                                     t->trace_id);
            continue;
        }
        char *uri;
        rc = mlf_uri_append_path(pool, exp_location,
                                 mlf_pool_sprintf(pool, "traces/%s/artifacts", t->trace_id), &uri, err);
        if (rc < 0)
            return rc;
        rc = mlf__run(c, pool, "INSERT INTO trace_tags (\"key\", value, request_id) VALUES (?, ?, ?)", "ttt",
                      (const void *[]){MLF__ARTIFACT_LOCATION_TAG, uri, t->trace_id}, err);
        if (rc < 0)
            return rc;
        t->created = true;
        t->exists = true;
        t->experiment_id = exp_id;
        t->status = (char *)status;
    }
    size_t kept = 0;
    for (size_t i = 0; i < nt; i++)
        if (!ts[i].dropped)
            ts[kept++] = ts[i];
    nt = kept;
    if (nt == 0)
        return 0;
    ids.len = 0;
    mlf_buf_putc(&ids, '[');
    for (size_t i = 0; i < nt; i++) {
        if (i > 0)
            mlf_buf_putc(&ids, ',');
        mlf_json_write_string(&ids, ts[i].trace_id, strlen(ts[i].trace_id));
    }
    mlf_buf_putc(&ids, ']');
    /* a trace of another experiment is never written into */
    qsort(ts, nt, sizeof(*ts), mlf__cmp_trace);
    for (size_t i = 0; i < nt; i++) {
        if (ts[i].created)
            continue;
        if (strcmp(mlf_pool_sprintf(pool, "%" PRId64, ts[i].experiment_id), a->experiment_id) != 0)
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                 "Trace with ID '%s' already exists in another experiment.", ts[i].trace_id);
    }

    /* Phase 3: the spans, upserted */
    mlf_sql_stmt *st;
    rc = mlf_sql_prepare(c, pool,
                         "INSERT INTO spans (trace_id, experiment_id, span_id, parent_span_id, name, type, status, "
                         "start_time_unix_nano, end_time_unix_nano, content, input_cost, output_cost, total_cost, "
                         "model_name, model_provider) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
                         "?15) ON CONFLICT (trace_id, span_id) DO UPDATE SET experiment_id = excluded.experiment_id, "
                         "parent_span_id = excluded.parent_span_id, name = excluded.name, type = excluded.type, "
                         "status = excluded.status, start_time_unix_nano = excluded.start_time_unix_nano, "
                         "end_time_unix_nano = excluded.end_time_unix_nano, content = excluded.content, "
                         "input_cost = excluded.input_cost, output_cost = excluded.output_cost, "
                         "total_cost = excluded.total_cost, model_name = excluded.model_name, "
                         "model_provider = excluded.model_provider",
                         &st, err);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < nt; i++)
        for (size_t j = 0; j < ts[i].n; j++) {
            const mlf_store_span *s = ts[i].spans[j];
            mlf_sql_clear_bindings(st);
            mlf_sql_bind_text(st, 1, s->trace_id);
            mlf_sql_bind_int64(st, 2, ts[i].experiment_id);
            mlf_sql_bind_text(st, 3, s->span_id);
            mlf_sql_bind_text(st, 4, s->parent_id);
            mlf_sql_bind_text(st, 5, s->name);
            mlf_sql_bind_text(st, 6, s->type);
            mlf_sql_bind_text(st, 7, s->status);
            mlf_sql_bind_int64(st, 8, s->start_ns);
            if (s->no_end)
                mlf_sql_bind_null(st, 9);
            else
                mlf_sql_bind_int64(st, 9, s->end_ns);
            mlf_sql_bind_text(st, 10, s->content);
            const double *costs[3] = {s->input_cost, s->output_cost, s->total_cost};
            for (int k = 0; k < 3; k++) {
                if (costs[k] != NULL)
                    mlf_sql_bind_double(st, 11 + k, *costs[k]);
                else
                    mlf_sql_bind_null(st, 11 + k);
            }
            mlf_sql_bind_text(st, 14, s->model_name);
            mlf_sql_bind_text(st, 15, s->model_provider);
            if ((rc = mlf__sql_step_done(c, pool, st, err)) < 0)
                return rc;
        }

    /* Phase 5: each trace's row, in trace id order */
    for (size_t i = 0; i < nt; i++)
        if ((rc = mlf__update_trace(c, pool, &ts[i], err)) < 0)
            return rc;

    /* the payload generation moves on for traces whose spans live in this store; others refuse the spans */
    rc = mlf_sql_prepare(c, pool,
                         "UPDATE trace_info SET db_payload_generation = db_payload_generation + 1 "
                         "WHERE request_id IN (SELECT value FROM json_each(?1)) AND NOT EXISTS (SELECT 1 FROM trace_tags g "
                         "WHERE g.request_id = trace_info.request_id AND g.\"key\" = '" MLF__SPANS_LOCATION_TAG "' "
                         "AND g.value != '" MLF__TRACKING_STORE "')",
                         &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, ids.data);
    if ((rc = mlf__sql_step_done(c, pool, st, err)) < 0)
        return rc;
    if (mlf_sql_changes(c) != (int64_t)nt) {
        mlf_buf l;
        mlf_buf_init(&l, pool, 64);
        for (size_t i = 0; i < nt; i++)
            mlf_buf_printf(&l, "%s'%s'", i ? ", " : "", ts[i].trace_id);
        return mlf_error_set(err, pool, MLF_ERR_INVALID_STATE, "Cannot log spans to archived traces: %s.", l.data);
    }

    /* tags: spans location, the resource's attributes, then the root span's trace tags (which win) */
    for (size_t i = 0; i < nt; i++) {
        mlf__trace *t = &ts[i];
        if ((rc = mlf__upsert_tag(c, pool, t->trace_id, MLF__SPANS_LOCATION_TAG, MLF__TRACKING_STORE, err)) < 0)
            return rc;
        for (size_t j = 0; j < t->n; j++) {
            if (!t->spans[j]->has_resource)
                continue;
            for (size_t k = 0; k < t->spans[j]->n_resource_tags; k++) {
                const mlf_store_span_kv *kv = &t->spans[j]->resource_tags[k];
                if ((rc = mlf__upsert_tag(c, pool, t->trace_id, kv->key, kv->value, err)) < 0)
                    return rc;
            }
            break;
        }
        if (t->root != NULL)
            for (size_t k = 0; k < t->root->n_trace_tags; k++) {
                const mlf_store_span_kv *kv = &t->root->trace_tags[k];
                if ((rc = mlf__upsert_tag(c, pool, t->trace_id, kv->key, kv->value, err)) < 0)
                    return rc;
            }
    }
    return 0;
}

int mlf_store_log_spans(mlf_store *store, mlf_pool *pool, const char *experiment_id, const mlf_store_span *spans,
                        size_t n, bool *ret_unexpected, mlf_error *err)
{
    *ret_unexpected = false;
    if (n == 0)
        return 0;
    mlf__log_args a = {experiment_id != NULL ? experiment_id : "", spans, n, ret_unexpected};
    return mlf_sql_in_write(mlf__store(store), pool, mlf__log_tx, &a, err);
}

/* ---- reads ---- */

typedef struct {
    const char *const *ids;
    size_t n_ids;
    bool has_exps;
    const char *const *exps;
    size_t n_exps;
    bool single;
    mlf_store_trace_data *ret;
    size_t ret_n;
} mlf__read_args;

static bool mlf__in_store(const Mlflow__TraceInfoV3 *ti)
{
    for (size_t i = 0; i < ti->n_tags; i++)
        if (strcmp(ti->tags[i]->key, MLF__SPANS_LOCATION_TAG) == 0)
            return strcmp(ti->tags[i]->value, MLF__TRACKING_STORE) == 0;
    return false;
}

/* The stored contents of the traces' spans (not cleared by archival), root spans first, then by start. */
static int mlf__load_spans(mlf_sql_conn *c, mlf_pool *pool, mlf_store_trace_data *d, mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool,
                             "SELECT content FROM spans WHERE trace_id = ? AND content != '' "
                             "ORDER BY CASE WHEN parent_span_id IS NULL THEN 0 ELSE 1 END, start_time_unix_nano",
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, d->info->trace_id);
    size_t cap = 16, n = 0;
    const char **out = MLF_NEW_ARRAY(pool, const char *, cap);
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        if (n == cap) {
            const char **o2 = MLF_NEW_ARRAY(pool, const char *, cap * 2);
            memcpy(o2, out, n * sizeof(*out));
            out = o2;
            cap *= 2;
        }
        out[n++] = mlf_sql_column_text_dup(pool, st, 0);
    }
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    mlf_sql_reset(st);
    d->contents = out;
    d->n_spans = n;
    return 0;
}

static int mlf__read_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    mlf__read_args *a = arg;
    mlf_buf ids;
    mlf_buf_init(&ids, pool, 64);
    mlf_buf_putc(&ids, '[');
    for (size_t i = 0; i < a->n_ids; i++) {
        if (i > 0)
            mlf_buf_putc(&ids, ',');
        mlf_json_write_string(&ids, a->ids[i], strlen(a->ids[i]));
    }
    mlf_buf_putc(&ids, ']');
    mlf_buf sql;
    mlf_buf_init(&sql, pool, 256);
    mlf_buf_puts(&sql, "SELECT " MLF_SQL_TRACE_COLUMNS " FROM trace_info WHERE request_id IN "
                       "(SELECT value FROM json_each(?1))");
    mlf_buf exps;
    mlf_buf_init(&exps, pool, 32);
    if (a->has_exps) {
        /* _parse_experiment_ids: int() of each (a bad one: INVALID_PARAMETER_VALUE) */
        mlf_buf_putc(&exps, '[');
        for (size_t i = 0; i < a->n_exps; i++) {
            int64_t v;
            if (mlf_pystr_parse_int(a->exps[i], &v) != 0)
                return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                     "Invalid experiment ID '%s'. Experiment ID must be a valid integer.", a->exps[i]);
            mlf_buf_printf(&exps, "%s%" PRId64, i ? "," : "", v);
        }
        mlf_buf_putc(&exps, ']');
        mlf_buf_puts(&sql, " AND experiment_id IN (SELECT CAST(value AS BIGINT) FROM json_each(?2))");
    }
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, sql.data, &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, ids.data);
    if (a->has_exps)
        mlf_sql_bind_text(st, 2, exps.data);
    size_t cap = a->n_ids ? a->n_ids : 1, n = 0;
    mlf_sql_trace *rows = MLF_NEW_ARRAY(pool, mlf_sql_trace, cap);
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW && n < cap) {
        memset(&rows[n], 0, sizeof(rows[n]));
        if ((rc = mlf_sql_trace_from_row(pool, st, &rows[n], err)) < 0) {
            mlf_sql_reset(st);
            return rc;
        }
        n++;
    }
    if (rc != MLF_SQL_DONE && rc != MLF_SQL_ROW)
        return mlf_sql_error(pool, c, rc, err);
    mlf_sql_reset(st);
    if (a->single && n == 0)
        return mlf_error_set(err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Trace with ID %s is not found.", a->ids[0]);
    if ((rc = mlf_sql_trace_finish(c, pool, rows, n, err)) < 0)
        return rc;
    /* the order of ids, a repeated id at its last place (MLflow's {id: index} dict) */
    a->ret = MLF_NEW_ARRAY(pool, mlf_store_trace_data, n ? n : 1);
    a->ret_n = 0;
    for (size_t i = 0; i < a->n_ids; i++) {
        bool later = false;
        for (size_t j = i + 1; j < a->n_ids && !later; j++)
            later = strcmp(a->ids[j], a->ids[i]) == 0;
        if (later)
            continue;
        for (size_t j = 0; j < n; j++) {
            if (strcmp(rows[j].info->trace_id, a->ids[i]) != 0)
                continue;
            mlf_store_trace_data *d = &a->ret[a->ret_n++];
            memset(d, 0, sizeof(*d));
            d->info = rows[j].info;
            if (mlf__in_store(d->info) && (rc = mlf__load_spans(c, pool, d, err)) < 0)
                return rc;
            break;
        }
    }
    return 0;
}

int mlf_store_get_trace(mlf_store *store, mlf_pool *pool, const char *trace_id, mlf_store_trace_data *ret,
                        mlf_error *err)
{
    const char *ids[1] = {trace_id != NULL ? trace_id : ""};
    mlf__read_args a = {.ids = ids, .n_ids = 1, .single = true};
    int rc = mlf_sql_in_read(mlf__store(store), pool, mlf__read_tx, &a, err);
    if (rc < 0)
        return rc;
    *ret = a.ret[0];
    return 0;
}

int mlf_store_batch_get_traces(mlf_store *store, mlf_pool *pool, const char *const *ids, size_t n_ids,
                               bool has_experiment_ids, const char *const *experiment_ids, size_t n_experiment_ids,
                               mlf_store_trace_data **ret, size_t *ret_n, mlf_error *err)
{
    *ret = NULL;
    *ret_n = 0;
    if (n_ids == 0)
        return 0;
    mlf__read_args a = {ids, n_ids, has_experiment_ids, experiment_ids, n_experiment_ids, false, NULL, 0};
    int rc = mlf_sql_in_read(mlf__store(store), pool, mlf__read_tx, &a, err);
    if (rc < 0)
        return rc;
    *ret = a.ret;
    *ret_n = a.ret_n;
    return 0;
}
