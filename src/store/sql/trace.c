/*
 * Traces on both backends, read side: the trace_count of
 * SqlAlchemyStore.query_trace_metrics (view TRACES) and
 * search_traces with _build_trace_infos_from_rows (MLflow 3.18), rows written
 * by Python MLflow included (the 3.18 schema: trace_name, session_id and the
 * token and cost columns on trace_info).
 */
#include <inttypes.h>
#include <string.h>

#include "store/pystr.h"
#include "store/sql/sql.h"

/* TraceTagKey.TRACE_NAME, and the metadata keys MLflow 3.18 keeps in trace_info's columns */
#define MLF__TRACE_NAME_TAG "mlflow.traceName"
#define MLF__META_SESSION "mlflow.trace.session"
#define MLF__META_TOKEN_USAGE "mlflow.trace.tokenUsage"
#define MLF__META_COST "mlflow.trace.cost"

#define MLF__TRACE_COLUMNS                                                                                             \
    "request_id, experiment_id, timestamp_ms, execution_time_ms, status, client_request_id, request_preview, "         \
    "response_preview, trace_name, session_id, input_tokens, output_tokens, total_tokens, "                            \
    "cache_read_input_tokens, "                                                                                        \
    "cache_creation_input_tokens, cache_creation_input_tokens_above_1hr, input_cost, output_cost, total_cost"

/* TOKEN_COLUMN_BY_KEY and COST_COLUMN_BY_KEY, in their order (the order of json.dumps' keys) */
static const char *const mlf__token_keys[] = {"input_tokens", "output_tokens", "total_tokens",
                                              "cache_read_input_tokens", "cache_creation_input_tokens",
                                              "cache_creation_input_tokens_above_1hr"};
static const char *const mlf__cost_keys[] = {"input_cost", "output_cost", "total_cost"};
#define MLF__COL_TOKENS 10
#define MLF__COL_COSTS 16

static mlf_sql_store *mlf__store(mlf_store *store)
{
    return (mlf_sql_store *)store;
}

static char *mlf__ids_json(mlf_pool *pool, const int64_t *ids, size_t n)
{
    mlf_buf b;
    mlf_buf_init(&b, pool, 32);
    mlf_buf_putc(&b, '[');
    for (size_t i = 0; i < n; i++)
        mlf_buf_printf(&b, "%s%" PRId64, i > 0 ? "," : "", ids[i]);
    mlf_buf_putc(&b, ']');
    return b.data;
}

typedef struct {
    const int64_t *ids;
    size_t n_ids;
    const int64_t *start, *end;
    int64_t bucket_ms;
    const char *const *dims;
    size_t n_dims;
    int64_t max_results;
    mlf_store_trace_count_row **rows;
    size_t *n_rows;
} mlf__count_args;

static int mlf__count_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__count_args *a = arg;
    /* the grouping columns: the bucket (floor(timestamp_ms / B) * B in integers, for either sign;
     * B is the service's number, not request text) then the dimension columns */
    mlf_buf group;
    mlf_buf_init(&group, pool, 128);
    if (a->bucket_ms > 0)
        mlf_buf_printf(&group, "(timestamp_ms - ((timestamp_ms %% %" PRId64 ") + %" PRId64 ") %% %" PRId64 ")",
                       a->bucket_ms, a->bucket_ms, a->bucket_ms);
    for (size_t i = 0; i < a->n_dims; i++)
        mlf_buf_printf(&group, "%s%s", group.len > 0 ? ", " : "", a->dims[i]);
    mlf_buf sql;
    mlf_buf_init(&sql, pool, 512);
    mlf_buf_printf(&sql, "SELECT %s%scount(request_id) FROM trace_info WHERE experiment_id IN "
                         "(SELECT CAST(value AS BIGINT) FROM json_each(?))",
                   group.data, group.len > 0 ? ", " : "");
    /* _build_time_range_predicate: inclusive bounds; the aggregated column and the dimensions must not be NULL */
    if (a->start != NULL)
        mlf_buf_puts(&sql, " AND timestamp_ms >= ?");
    if (a->end != NULL)
        mlf_buf_puts(&sql, " AND timestamp_ms <= ?");
    mlf_buf_puts(&sql, " AND request_id IS NOT NULL");
    for (size_t i = 0; i < a->n_dims; i++)
        mlf_buf_printf(&sql, " AND %s IS NOT NULL", a->dims[i]);
    if (group.len > 0)
        mlf_buf_printf(&sql, " GROUP BY %s ORDER BY %s", group.data, group.data);
    mlf_buf_puts(&sql, " LIMIT ?");
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, sql.data, &st, err);
    if (rc < 0)
        return rc;
    /* placeholders counted: PostgreSQL wants no unused numbered parameter */
    int p = 1;
    mlf_sql_bind_text(st, p++, mlf__ids_json(pool, a->ids, a->n_ids));
    if (a->start != NULL)
        mlf_sql_bind_int64(st, p++, *a->start);
    if (a->end != NULL)
        mlf_sql_bind_int64(st, p++, *a->end);
    mlf_sql_bind_int64(st, p, a->max_results);
    size_t cap = 8, n = 0;
    mlf_store_trace_count_row *rows = MLF_NEW_ARRAY(pool, mlf_store_trace_count_row, cap);
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        if (n == cap) {
            mlf_store_trace_count_row *r2 = MLF_NEW_ARRAY(pool, mlf_store_trace_count_row, cap * 2);
            memcpy(r2, rows, n * sizeof(*rows));
            rows = r2;
            cap *= 2;
        }
        mlf_store_trace_count_row *r = &rows[n++];
        memset(r, 0, sizeof(*r));
        int col = 0;
        if (a->bucket_ms > 0)
            r->bucket_ms = mlf_sql_column_int64(st, col++);
        for (size_t i = 0; i < a->n_dims; i++)
            r->dims[i] = mlf_sql_column_text_dup(pool, st, col++);
        r->count = mlf_sql_column_int64(st, col);
    }
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    mlf_sql_reset(st);
    *a->rows = rows;
    *a->n_rows = n;
    return 0;
}

int mlf_store_count_traces(mlf_store *store, mlf_pool *pool, const int64_t *experiment_ids, size_t n_ids,
                           const int64_t *start_time_ms, const int64_t *end_time_ms, int64_t bucket_ms,
                           const char *const *dim_columns, size_t n_dims, int64_t max_results,
                           mlf_store_trace_count_row **ret, size_t *ret_n, mlf_error *err)
{
    mlf__count_args a = {experiment_ids, n_ids, start_time_ms, end_time_ms, bucket_ms, dim_columns, n_dims,
                         max_results, ret, ret_n};
    *ret = NULL;
    *ret_n = 0;
    return mlf_sql_in_read(mlf__store(store), pool, mlf__count_tx, &a, err);
}

/* A growing list of map entries (tags or metadata) of one trace. */
typedef struct {
    char **keys, **values;
    size_t n, cap;
} mlf__kv;

static void mlf__kv_put(mlf_pool *pool, mlf__kv *kv, char *key, char *value)
{
    for (size_t i = 0; i < kv->n; i++)
        if (strcmp(kv->keys[i], key) == 0) { /* a dict: the last value of a key wins */
            kv->values[i] = value;
            return;
        }
    if (kv->n == kv->cap) {
        size_t cap = kv->cap ? kv->cap * 2 : 8;
        char **k2 = MLF_NEW_ARRAY(pool, char *, cap), **v2 = MLF_NEW_ARRAY(pool, char *, cap);
        if (kv->n > 0) {
            memcpy(k2, kv->keys, kv->n * sizeof(char *));
            memcpy(v2, kv->values, kv->n * sizeof(char *));
        }
        kv->keys = k2;
        kv->values = v2;
        kv->cap = cap;
    }
    kv->keys[kv->n] = key;
    kv->values[kv->n++] = value;
}

typedef struct {
    Mlflow__TraceInfoV3 *info;
    mlf__kv tags, meta;
    char *promoted[3]; /* session, token usage, cost: added after the stored metadata */
} mlf__trace;

typedef struct {
    const int64_t *ids;
    size_t n_ids;
    const mlf_store_filter_cond *conds;
    size_t n_conds;
    const mlf_store_trace_order *orders;
    size_t n_orders;
    bool by_timestamp, by_request_id;
    int64_t max_results, offset;
    mlf_store_trace_page *ret;
} mlf__search_args;

/* TraceState(row.status).to_proto() */
static int mlf__state(const char *status, Mlflow__TraceInfoV3__State *ret)
{
    static const struct {
        const char *name;
        Mlflow__TraceInfoV3__State state;
    } states[] = {{"STATE_UNSPECIFIED", MLFLOW__TRACE_INFO_V3__STATE__STATE_UNSPECIFIED},
                  {"OK", MLFLOW__TRACE_INFO_V3__STATE__OK},
                  {"ERROR", MLFLOW__TRACE_INFO_V3__STATE__ERROR},
                  {"IN_PROGRESS", MLFLOW__TRACE_INFO_V3__STATE__IN_PROGRESS}};
    for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
        if (strcmp(status, states[i].name) == 0) {
            *ret = states[i].state;
            return 0;
        }
    return -1;
}

/* compatibility_metadata_from_columns: json.dumps of the non-NULL token counts or costs. */
static char *mlf__promoted_json(mlf_pool *pool, mlf_sql_stmt *st, int col0, const char *const *keys, size_t n,
                                bool costs)
{
    mlf_buf b;
    mlf_buf_init(&b, pool, 64);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int col = col0 + (int)i;
        if (mlf_sql_column_type(st, col) == MLF_SQL_NULL)
            continue;
        mlf_buf_puts(&b, k++ == 0 ? "{" : ", ");
        mlf_buf_printf(&b, "\"%s\": ", keys[i]);
        if (costs)
            mlf_buf_puts(&b, mlf_pystr_repr_float(pool, mlf_sql_column_double(st, col)));
        else
            mlf_buf_printf(&b, "%" PRId64, mlf_sql_column_int64(st, col));
    }
    if (k == 0)
        return NULL;
    mlf_buf_putc(&b, '}');
    return b.data;
}

static int mlf__row(mlf_sql_conn *c, mlf_pool *pool, mlf_sql_stmt *st, mlf__trace *t, mlf_error *err)
{
    Mlflow__TraceInfoV3 *ti = MLF_NEW(pool, Mlflow__TraceInfoV3);
    mlflow__trace_info_v3__init(ti);
    ti->trace_id = mlf_sql_column_text_dup(pool, st, 0);
    Mlflow__TraceLocation *loc = MLF_NEW(pool, Mlflow__TraceLocation);
    mlflow__trace_location__init(loc);
    loc->has_type = 1;
    loc->type = MLFLOW__TRACE_LOCATION__TRACE_LOCATION_TYPE__MLFLOW_EXPERIMENT;
    Mlflow__TraceLocation__MlflowExperimentLocation *exp =
        MLF_NEW(pool, Mlflow__TraceLocation__MlflowExperimentLocation);
    mlflow__trace_location__mlflow_experiment_location__init(exp);
    exp->experiment_id = mlf_pool_sprintf(pool, "%" PRId64, mlf_sql_column_int64(st, 1));
    loc->identifier_case = MLFLOW__TRACE_LOCATION__IDENTIFIER_MLFLOW_EXPERIMENT;
    loc->mlflow_experiment = exp;
    ti->trace_location = loc;
    /* Timestamp.FromMilliseconds / Duration.FromMilliseconds: floor division, nanos >= 0 */
    int64_t ms = mlf_sql_column_int64(st, 2);
    Google__Protobuf__Timestamp *ts = MLF_NEW(pool, Google__Protobuf__Timestamp);
    google__protobuf__timestamp__init(ts);
    int64_t sec = ms / 1000, rem = ms % 1000;
    if (rem < 0) {
        sec--;
        rem += 1000;
    }
    ts->seconds = sec;
    ts->nanos = (int32_t)(rem * 1000000);
    ti->request_time = ts;
    if (mlf_sql_column_type(st, 3) != MLF_SQL_NULL) {
        int64_t d = mlf_sql_column_int64(st, 3);
        Google__Protobuf__Duration *du = MLF_NEW(pool, Google__Protobuf__Duration);
        google__protobuf__duration__init(du);
        /* a Duration's seconds and nanos share the sign */
        du->seconds = d / 1000;
        du->nanos = (int32_t)((d % 1000) * 1000000);
        ti->execution_duration = du;
    }
    const char *status = (const char *)mlf_sql_column_text(st, 4);
    ti->has_state = 1;
    if (mlf__state(status, &ti->state) < 0)
        /* TraceState(status) raises a ValueError MLflow does not catch */
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "'%s' is not a valid TraceState", status);
    ti->client_request_id = mlf_sql_column_text_dup(pool, st, 5);
    ti->request_preview = mlf_sql_column_text_dup(pool, st, 6);
    ti->response_preview = mlf_sql_column_text_dup(pool, st, 7);
    t->info = ti;
    char *name = mlf_sql_column_text_dup(pool, st, 8);
    if (name != NULL)
        mlf__kv_put(pool, &t->tags, (char *)MLF__TRACE_NAME_TAG, name);
    t->promoted[0] = mlf_sql_column_text_dup(pool, st, 9);
    t->promoted[1] = mlf__promoted_json(pool, st, MLF__COL_TOKENS, mlf__token_keys, 6, false);
    t->promoted[2] = mlf__promoted_json(pool, st, MLF__COL_COSTS, mlf__cost_keys, 3, true);
    (void)c;
    return 0;
}

static mlf__trace *mlf__find(mlf__trace *ts, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(ts[i].info->trace_id, id) == 0)
            return &ts[i];
    return NULL;
}

/* The tags (but the name, which trace_info holds) or metadata (but the promoted keys) of the page's traces. */
static int mlf__load_children(mlf_sql_conn *c, mlf_pool *pool, mlf__trace *ts, size_t n, const char *ids_json,
                              bool tags, mlf_error *err)
{
    const char *sql = tags ? "SELECT request_id, key, value FROM trace_tags WHERE request_id IN "
                             "(SELECT value FROM json_each(?1)) ORDER BY request_id, key"
                           : "SELECT request_id, key, value FROM trace_request_metadata WHERE request_id IN "
                             "(SELECT value FROM json_each(?1)) ORDER BY request_id, key";
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, sql, &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, ids_json);
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        mlf__trace *t = mlf__find(ts, n, (const char *)mlf_sql_column_text(st, 0));
        char *key = mlf_sql_column_text_dup(pool, st, 1);
        if (t == NULL || key == NULL)
            continue;
        if (tags ? strcmp(key, MLF__TRACE_NAME_TAG) == 0
                 : (strcmp(key, MLF__META_SESSION) == 0 || strcmp(key, MLF__META_TOKEN_USAGE) == 0 ||
                    strcmp(key, MLF__META_COST) == 0))
            continue;
        mlf__kv_put(pool, tags ? &t->tags : &t->meta, key, mlf_sql_column_text_dup(pool, st, 2));
    }
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    mlf_sql_reset(st);
    return 0;
}

static int mlf__count_assessments(mlf_sql_conn *c, mlf_pool *pool, const char *ids_json, int64_t *ret,
                                  mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, "SELECT count(*) FROM assessments WHERE trace_id IN "
                                      "(SELECT value FROM json_each(?1))", &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, ids_json);
    *ret = 0;
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW)
        *ret = mlf_sql_column_int64(st, 0);
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    mlf_sql_reset(st);
    return 0;
}

/* The maps of the proto; a NULL value is "None": MLflow's _truncate_* make str() of each value. */
static void mlf__fill_maps(mlf_pool *pool, mlf__trace *t)
{
    static const char *const promoted_keys[] = {MLF__META_SESSION, MLF__META_TOKEN_USAGE, MLF__META_COST};
    for (int i = 0; i < 3; i++)
        if (t->promoted[i] != NULL)
            mlf__kv_put(pool, &t->meta, (char *)promoted_keys[i], t->promoted[i]);
    Mlflow__TraceInfoV3 *ti = t->info;
    ti->n_tags = t->tags.n;
    ti->tags = MLF_NEW_ARRAY(pool, Mlflow__TraceInfoV3__TagsEntry *, t->tags.n ? t->tags.n : 1);
    for (size_t i = 0; i < t->tags.n; i++) {
        Mlflow__TraceInfoV3__TagsEntry *e = MLF_NEW(pool, Mlflow__TraceInfoV3__TagsEntry);
        mlflow__trace_info_v3__tags_entry__init(e);
        e->key = t->tags.keys[i];
        e->value = t->tags.values[i] != NULL ? t->tags.values[i] : (char *)"None";
        ti->tags[i] = e;
    }
    ti->n_trace_metadata = t->meta.n;
    ti->trace_metadata = MLF_NEW_ARRAY(pool, Mlflow__TraceInfoV3__TraceMetadataEntry *, t->meta.n ? t->meta.n : 1);
    for (size_t i = 0; i < t->meta.n; i++) {
        Mlflow__TraceInfoV3__TraceMetadataEntry *e = MLF_NEW(pool, Mlflow__TraceInfoV3__TraceMetadataEntry);
        mlflow__trace_info_v3__trace_metadata_entry__init(e);
        e->key = t->meta.keys[i];
        e->value = t->meta.values[i] != NULL ? t->meta.values[i] : (char *)"None";
        ti->trace_metadata[i] = e;
    }
}

static int mlf__search_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__search_args *a = arg;
    mlf_buf sql;
    mlf_buf_init(&sql, pool, 1024);
    mlf_buf_puts(&sql, "SELECT " MLF__TRACE_COLUMNS " FROM trace_info WHERE experiment_id IN "
                       "(SELECT CAST(value AS BIGINT) FROM json_each(?))");
    mlf__sql_filter_conds(c, &sql, a->conds, a->n_conds, "request_id");
    mlf_buf_puts(&sql, " ORDER BY ");
    for (size_t i = 0; i < a->n_orders; i++) {
        const mlf_store_trace_order *o = &a->orders[i];
        if (o->nullable)
            mlf_buf_printf(&sql, "CASE WHEN %s IS NULL THEN 1 ELSE 0 END, ", o->expr);
        mlf_buf_printf(&sql, "%s%s, ", o->expr, o->ascending ? "" : " DESC");
    }
    if (!a->by_timestamp)
        mlf_buf_puts(&sql, "timestamp_ms DESC, ");
    if (!a->by_request_id)
        mlf_buf_puts(&sql, "request_id, ");
    sql.len -= 2;
    sql.data[sql.len] = '\0';
    mlf_buf_puts(&sql, " LIMIT ? OFFSET ?");
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, sql.data, &st, err);
    if (rc < 0)
        return rc;
    int p = 1;
    mlf_sql_bind_text(st, p++, mlf__ids_json(pool, a->ids, a->n_ids));
    mlf__sql_filter_bind(st, &p, a->conds, a->n_conds);
    mlf_sql_bind_int64(st, p++, a->max_results + 1);
    mlf_sql_bind_int64(st, p, a->offset);
    size_t cap = 16, n = 0;
    mlf__trace *ts = MLF_NEW_ARRAY(pool, mlf__trace, cap);
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        if ((int64_t)n == a->max_results) { /* the look-ahead row: only counted */
            n++;
            continue;
        }
        if (n == cap) {
            mlf__trace *t2 = MLF_NEW_ARRAY(pool, mlf__trace, cap * 2);
            memcpy(t2, ts, n * sizeof(*ts));
            ts = t2;
            cap *= 2;
        }
        memset(&ts[n], 0, sizeof(ts[n]));
        rc = mlf__row(c, pool, st, &ts[n], err);
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
    if (n == 0)
        return 0;
    mlf_buf ids;
    mlf_buf_init(&ids, pool, 64);
    mlf_buf_putc(&ids, '[');
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            mlf_buf_putc(&ids, ',');
        mlf_json_write_string(&ids, ts[i].info->trace_id, strlen(ts[i].info->trace_id));
    }
    mlf_buf_putc(&ids, ']');
    rc = mlf__load_children(c, pool, ts, n, ids.data, true, err);
    if (rc == 0)
        rc = mlf__load_children(c, pool, ts, n, ids.data, false, err);
    int64_t n_assessments = 0;
    if (rc == 0)
        rc = mlf__count_assessments(c, pool, ids.data, &n_assessments, err);
    if (rc < 0)
        return rc;
    if (n_assessments > 0)
        /* Assessment.to_proto is not ported yet: refuse rather than answer traces without them */
        return mlf_error_set(err, pool, MLF_ERR_NOT_IMPLEMENTED,
                             "searchTracesV3 of traces with assessments is not supported by mlflow-c yet");
    for (size_t i = 0; i < n; i++) {
        mlf__fill_maps(pool, &ts[i]);
        a->ret->traces[i] = ts[i].info;
    }
    return 0;
}

int mlf_store_search_traces(mlf_store *store, mlf_pool *pool, const int64_t *experiment_ids, size_t n_ids,
                            const mlf_store_filter_cond *conds, size_t n_conds, const mlf_store_trace_order *orders,
                            size_t n_orders, bool by_timestamp, bool by_request_id, int64_t max_results,
                            int64_t offset, mlf_store_trace_page *ret, mlf_error *err)
{
    mlf__search_args a = {experiment_ids, n_ids, conds, n_conds, orders, n_orders, by_timestamp,
                          by_request_id, max_results, offset, ret};
    return mlf_sql_in_read(mlf__store(store), pool, mlf__search_tx, &a, err);
}
