/*
 * Internal to the SQL store's traces (trace.c, trace_search.c, and the span
 * and assessment files that read trace rows): a trace_info row and its
 * children read into TraceInfoV3 exactly as SqlTraceInfo.to_mlflow_entity()
 * .to_proto() shapes it (MLflow 3.18: the name, session, token and cost
 * metadata live in trace_info's columns and are folded back in). Every
 * function runs inside a transaction the caller holds on c.
 */
#ifndef MLF_STORE_SQL_TRACE_H
#define MLF_STORE_SQL_TRACE_H

#include "store/sql/sql.h"

/** TraceTagKey.TRACE_NAME, and the metadata keys MLflow 3.18 keeps in trace_info's columns */
#define MLF_SQL_TRACE_NAME_TAG "mlflow.traceName"
#define MLF_SQL_TRACE_META_SESSION "mlflow.trace.session"
#define MLF_SQL_TRACE_META_TOKEN_USAGE "mlflow.trace.tokenUsage"
#define MLF_SQL_TRACE_META_COST "mlflow.trace.cost"

/** The trace_info columns mlf_sql_trace_from_row reads, in its order (unqualified). */
#define MLF_SQL_TRACE_COLUMNS                                                                                          \
    "request_id, experiment_id, timestamp_ms, execution_time_ms, status, client_request_id, request_preview, "         \
    "response_preview, trace_name, session_id, input_tokens, output_tokens, total_tokens, "                            \
    "cache_read_input_tokens, "                                                                                        \
    "cache_creation_input_tokens, cache_creation_input_tokens_above_1hr, input_cost, output_cost, total_cost"

/** A growing list of map entries (tags or metadata) of one trace; a dict: the last value of a key wins. */
typedef struct mlf_sql_trace_kv {
    char **keys, **values;
    size_t n, cap;
} mlf_sql_trace_kv;

/** One trace being read: its info without maps yet, and the maps being gathered. */
typedef struct mlf_sql_trace {
    Mlflow__TraceInfoV3 *info;
    mlf_sql_trace_kv tags, meta;
    char *name;        /* trace_info.trace_name: added after the stored tags, as to_mlflow_entity does */
    char *promoted[3]; /* session, token usage, cost: added after the stored metadata */
} mlf_sql_trace;

/**
 * Reads the current row of st (MLF_SQL_TRACE_COLUMNS from column 0) into *t (zeroed by the caller). Fails
 * with INTERNAL_ERROR on a status that is no TraceState, as MLflow's TraceState(status) raises.
 */
int mlf_sql_trace_from_row(mlf_pool *pool, mlf_sql_stmt *st, mlf_sql_trace *t, mlf_error *err);

/**
 * Completes the n traces read by mlf_sql_trace_from_row: their tags and request metadata (the promoted keys
 * from the columns), and fills the proto maps; and their assessments, as Assessment.to_proto shows them.
 */
int mlf_sql_trace_finish(mlf_sql_conn *c, mlf_pool *pool, mlf_sql_trace *ts, size_t n, mlf_error *err);

/** A JSON array of the experiment ids (for json_each). */
char *mlf_sql_trace_ids_json(mlf_pool *pool, const int64_t *ids, size_t n);

#endif
