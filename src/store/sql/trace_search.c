/*
 * Trace searches on both backends: the trace_count of
 * SqlAlchemyStore.query_trace_metrics (view TRACES) and search_traces with
 * _build_trace_infos_from_rows (MLflow 3.18).
 */
#include <inttypes.h>
#include <string.h>

#include "store/sql/trace.h"

static mlf_sql_store *mlf__store(mlf_store *store)
{
    return (mlf_sql_store *)store;
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
    mlf_sql_bind_text(st, p++, mlf_sql_trace_ids_json(pool, a->ids, a->n_ids));
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

static int mlf__search_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__search_args *a = arg;
    mlf_buf sql;
    mlf_buf_init(&sql, pool, 1024);
    mlf_buf_puts(&sql, "SELECT " MLF_SQL_TRACE_COLUMNS " FROM trace_info WHERE experiment_id IN "
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
    mlf_sql_bind_text(st, p++, mlf_sql_trace_ids_json(pool, a->ids, a->n_ids));
    mlf__sql_filter_bind(st, &p, a->conds, a->n_conds);
    mlf_sql_bind_int64(st, p++, a->max_results + 1);
    mlf_sql_bind_int64(st, p, a->offset);
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
                            const mlf_store_filter_cond *conds, size_t n_conds, const mlf_store_trace_order *orders,
                            size_t n_orders, bool by_timestamp, bool by_request_id, int64_t max_results,
                            int64_t offset, mlf_store_trace_page *ret, mlf_error *err)
{
    mlf__search_args a = {experiment_ids, n_ids, conds, n_conds, orders, n_orders, by_timestamp,
                          by_request_id, max_results, offset, ret};
    return mlf_sql_in_read(mlf__store(store), pool, mlf__search_tx, &a, err);
}
