/*
 * Trace reads of the web UI: queryTraceMetrics (mlflow/server/handlers.py
 * _query_trace_metrics, SqlAlchemyStore.query_trace_metrics with
 * validate_query_trace_metrics_params) and searchTracesV3 (_search_traces_v3,
 * SqlAlchemyStore.search_traces), MLflow 3.18.
 *
 * Ported so far: view TRACES, metric trace_count with COUNT, its
 * dimensions and time buckets, without filters; searchTracesV3 with the filters
 * mlf__parse_trace_filter takes and order_by on trace_info's own columns. What MLflow would answer otherwise is
 * refused with an error naming what is missing (never ignored): MLflow's own
 * validation errors first, as it makes them.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "generated/service_api.h"
#include "search/search.h"
#include "service/validate.h"
#include "store/pystr.h"

/* SEARCH_MAX_RESULTS_THRESHOLD, MAX_RESULTS_QUERY_TRACE_METRICS */
#define MLF__TRACE_MAX_RESULTS 50000
#define MLF__METRICS_MAX_RESULTS 1000

/* MLflow's names of the proto enums (MetricViewType, AggregationType). */
static const char *mlf__view_name(Mlflow__MetricViewType v)
{
    switch (v) {
    case MLFLOW__METRIC_VIEW_TYPE__TRACES:
        return "TRACES";
    case MLFLOW__METRIC_VIEW_TYPE__SPANS:
        return "SPANS";
    default:
        return "ASSESSMENTS";
    }
}

static const char *const mlf__agg_names[] = {"", "COUNT", "SUM", "AVG", "PERCENTILE", "MIN", "MAX"};

/* VIEW_TYPE_CONFIGS: per view, its metrics in the dict's order with their aggregations and dimensions (sorted). */
typedef struct {
    const char *metric;
    const char *aggs;       /* sorted([a.value ...]) */
    const char *const *dims; /* sorted, NULL-terminated */
} mlf__metric_cfg;

static const char *const mlf__no_dims[] = {NULL};
static const char *const mlf__trace_count_dims[] = {"trace_name", "trace_status", NULL};
static const char *const mlf__trace_name_dim[] = {"trace_name", NULL};
static const char *const mlf__span_count_dims[] = {"span_model_name", "span_model_provider", "span_name", "span_status",
                                                   "span_type", NULL};
static const char *const mlf__span_latency_dims[] = {"span_name", "span_status", NULL};
static const char *const mlf__span_cost_dims[] = {"span_model_name", "span_model_provider", NULL};
static const char *const mlf__assessment_count_dims[] = {"assessment_name", "assessment_value", NULL};
static const char *const mlf__assessment_name_dim[] = {"assessment_name", NULL};

#define MLF__AGGS_COUNT "['COUNT']"
#define MLF__AGGS_STATS "['AVG', 'MAX', 'MIN', 'PERCENTILE']"
#define MLF__AGGS_SUMS "['AVG', 'MAX', 'MIN', 'PERCENTILE', 'SUM']"

static const mlf__metric_cfg mlf__traces_cfg[] = {
    {"trace_count", MLF__AGGS_COUNT, mlf__trace_count_dims},
    {"session_count", MLF__AGGS_COUNT, mlf__no_dims},
    {"latency", MLF__AGGS_STATS, mlf__trace_name_dim},
    {"input_tokens", MLF__AGGS_SUMS, mlf__trace_name_dim},
    {"output_tokens", MLF__AGGS_SUMS, mlf__trace_name_dim},
    {"total_tokens", MLF__AGGS_SUMS, mlf__trace_name_dim},
    {"cache_read_input_tokens", MLF__AGGS_SUMS, mlf__trace_name_dim},
    {"cache_creation_input_tokens", MLF__AGGS_SUMS, mlf__trace_name_dim},
    {NULL, NULL, NULL},
};
static const mlf__metric_cfg mlf__spans_cfg[] = {
    {"span_count", MLF__AGGS_COUNT, mlf__span_count_dims}, {"latency", MLF__AGGS_STATS, mlf__span_latency_dims},
    {"input_cost", MLF__AGGS_SUMS, mlf__span_cost_dims},   {"output_cost", MLF__AGGS_SUMS, mlf__span_cost_dims},
    {"total_cost", MLF__AGGS_SUMS, mlf__span_cost_dims},   {NULL, NULL, NULL},
};
static const mlf__metric_cfg mlf__assessments_cfg[] = {
    {"assessment_count", MLF__AGGS_COUNT, mlf__assessment_count_dims},
    {"assessment_value", MLF__AGGS_STATS, mlf__assessment_name_dim},
    {NULL, NULL, NULL},
};

static int mlf__cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* sorted(set(items)) */
static size_t mlf__sorted_set(const char **items, size_t n)
{
    qsort(items, n, sizeof(*items), mlf__cmp_str);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || strcmp(items[k - 1], items[i]) != 0)
            items[k++] = items[i];
    return k;
}

/* validate_query_trace_metrics_params, with its messages. */
static int mlf__validate_metrics(mlf_pool *pool, const Mlflow__QueryTraceMetrics *req, const mlf__metric_cfg **ret,
                                 mlf_error *err)
{
    const mlf__metric_cfg *cfgs = req->view_type == MLFLOW__METRIC_VIEW_TYPE__TRACES  ? mlf__traces_cfg
                                  : req->view_type == MLFLOW__METRIC_VIEW_TYPE__SPANS ? mlf__spans_cfg
                                                                                      : mlf__assessments_cfg;
    const char *metric = req->metric_name != NULL ? req->metric_name : "";
    const mlf__metric_cfg *cfg = NULL;
    size_t n_cfgs = 0;
    for (; cfgs[n_cfgs].metric != NULL; n_cfgs++)
        if (strcmp(cfgs[n_cfgs].metric, metric) == 0)
            cfg = &cfgs[n_cfgs];
    if (cfg == NULL) {
        const char **names = MLF_NEW_ARRAY(pool, const char *, n_cfgs);
        for (size_t i = 0; i < n_cfgs; i++)
            names[i] = cfgs[i].metric;
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "metric_name must be one of %s, got '%s'",
                             mlf_pystr_repr_list(pool, names, n_cfgs), metric);
    }
    const char **bad = MLF_NEW_ARRAY(pool, const char *, req->n_aggregations + 1);
    size_t n_bad = 0;
    for (size_t i = 0; i < req->n_aggregations; i++) {
        const char *name = mlf__agg_names[req->aggregations[i]->aggregation_type];
        char *quoted = mlf_pool_sprintf(pool, "'%s'", name);
        if (strstr(cfg->aggs, quoted) == NULL)
            bad[n_bad++] = name;
    }
    if (n_bad > 0) {
        n_bad = mlf__sorted_set(bad, n_bad);
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Found invalid aggregation_type(s): %s. Supported aggregation types: %s",
                             mlf_pystr_repr_list(pool, bad, n_bad), cfg->aggs);
    }
    bad = MLF_NEW_ARRAY(pool, const char *, req->n_dimensions + 1);
    for (size_t i = 0; i < req->n_dimensions; i++) {
        bool ok = false;
        for (const char *const *d = cfg->dims; *d != NULL; d++)
            ok = ok || strcmp(*d, req->dimensions[i]) == 0;
        if (!ok)
            bad[n_bad++] = req->dimensions[i];
    }
    if (n_bad > 0) {
        n_bad = mlf__sorted_set(bad, n_bad);
        size_t n_dims = 0;
        while (cfg->dims[n_dims] != NULL)
            n_dims++;
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Found invalid dimension(s): %s. Supported dimensions: %s",
                             mlf_pystr_repr_list(pool, bad, n_bad),
                             mlf_pystr_repr_list(pool, cfg->dims, n_dims));
    }
    *ret = cfg;
    return 0;
}

/* _parse_experiment_ids: int() of each, MLflow's message when one is not an integer. */
static int mlf__parse_ids(mlf_pool *pool, char *const *ids, size_t n, int64_t **ret, mlf_error *err)
{
    int64_t *out = MLF_NEW_ARRAY(pool, int64_t, n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        int rc = mlf_pystr_parse_int(ids[i], &out[i]);
        if (rc == -1)
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                 "Invalid experiment ID '%s'. Experiment ID must be a valid integer.", ids[i]);
        if (rc < 0) /* beyond int64: no experiment has it */
            out[i] = INT64_MIN;
    }
    *ret = out;
    return 0;
}

int mlf_tracking_query_trace_metrics(mlf_ctx *ctx, const Mlflow__QueryTraceMetrics *req,
                                     Mlflow__QueryTraceMetrics__Response *resp, mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    for (size_t i = 0; i < req->n_aggregations; i++)
        if (req->aggregations[i]->aggregation_type == MLFLOW__AGGREGATION_TYPE__PERCENTILE)
            /* MetricAggregation.from_proto's checks (a ValueError, a 500 in MLflow) are not ported */
            return mlf_error_set(err, pool, MLF_ERR_NOT_IMPLEMENTED,
                                 "PERCENTILE aggregations are not supported by mlflow-c's queryTraceMetrics yet");
    const mlf__metric_cfg *cfg;
    int rc = mlf__validate_metrics(pool, req, &cfg, err);
    if (rc < 0)
        return rc;
    (void)cfg;
    if (req->has_time_interval_seconds && req->time_interval_seconds != 0 &&
        (!req->has_start_time_ms || !req->has_end_time_ms))
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "start_time_ms and end_time_ms are required if time_interval_seconds is set");
    int64_t *ids = NULL;
    rc = mlf__parse_ids(pool, req->experiment_ids, req->n_experiment_ids, &ids, err);
    if (rc < 0)
        return rc;
    int64_t interval = req->has_time_interval_seconds ? req->time_interval_seconds : 0;
    if (req->view_type != MLFLOW__METRIC_VIEW_TYPE__TRACES || strcmp(req->metric_name, "trace_count") != 0 ||
        req->n_filters > 0 || interval < 0 || interval > INT64_MAX / 1000)
        return mlf_error_set(err, pool, MLF_ERR_NOT_IMPLEMENTED,
                             "queryTraceMetrics supports only view_type TRACES, metric_name trace_count, without "
                             "filters in mlflow-c yet (view_type %s, metric_name '%s')",
                             mlf__view_name(req->view_type), req->metric_name);
    /* the dimensions (validated: trace_name, trace_status) as columns, each once (a dict's keys) */
    const char *dims[2], *labels[2];
    size_t n_dims = 0;
    for (size_t i = 0; i < req->n_dimensions; i++) {
        const char *label = strcmp(req->dimensions[i], "trace_name") == 0 ? "trace_name" : "trace_status";
        bool seen = false;
        for (size_t j = 0; j < n_dims; j++)
            seen = seen || strcmp(labels[j], label) == 0;
        if (!seen) {
            labels[n_dims] = label;
            dims[n_dims++] = strcmp(label, "trace_name") == 0 ? "trace_name" : "status";
        }
    }
    if (req->n_aggregations == 0 && n_dims == 0 && interval == 0)
        /* SQLAlchemy refuses the query of no columns; MLflow's session maps its error to BAD_REQUEST */
        return mlf_error_set(err, pool, MLF_ERR_BAD_REQUEST, "Query contains no columns with which to SELECT from.");
    int64_t max_results = req->has_max_results ? req->max_results : MLF__METRICS_MAX_RESULTS;
    mlf_store_trace_count_row *rows;
    size_t n_rows;
    rc = mlf_store_count_traces(ctx->svc->store, pool, ids, req->n_experiment_ids,
                                req->has_start_time_ms ? &req->start_time_ms : NULL,
                                req->has_end_time_ms ? &req->end_time_ms : NULL, interval * 1000, dims, n_dims,
                                max_results, &rows, &n_rows, err);
    if (rc < 0)
        return rc;
    if (req->n_aggregations == 0)
        /* rows of no values: convert_results_to_metric_data_points skips them */
        return 0;
    resp->data_points = MLF_NEW_ARRAY(pool, Mlflow__MetricDataPoint *, n_rows ? n_rows : 1);
    for (size_t r = 0; r < n_rows; r++) {
        Mlflow__MetricDataPoint *dp = MLF_NEW(pool, Mlflow__MetricDataPoint);
        mlflow__metric_data_point__init(dp);
        dp->metric_name = req->metric_name;
        size_t nd = n_dims + (interval > 0 ? 1 : 0);
        dp->dimensions = MLF_NEW_ARRAY(pool, Mlflow__MetricDataPoint__DimensionsEntry *, nd ? nd : 1);
        if (interval > 0) {
            /* datetime.fromtimestamp(ms / 1000, tz=utc).isoformat(): buckets are whole seconds */
            int64_t ms = rows[r].bucket_ms;
            time_t sec = (time_t)(ms / 1000 - (ms % 1000 < 0 ? 1 : 0));
            struct tm tm;
            gmtime_r(&sec, &tm);
            Mlflow__MetricDataPoint__DimensionsEntry *e = MLF_NEW(pool, Mlflow__MetricDataPoint__DimensionsEntry);
            mlflow__metric_data_point__dimensions_entry__init(e);
            e->key = (char *)"time_bucket";
            e->value = mlf_pool_sprintf(pool, "%04d-%02d-%02dT%02d:%02d:%02d+00:00", tm.tm_year + 1900, tm.tm_mon + 1,
                                        tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
            dp->dimensions[dp->n_dimensions++] = e;
        }
        for (size_t i = 0; i < n_dims; i++) {
            Mlflow__MetricDataPoint__DimensionsEntry *e = MLF_NEW(pool, Mlflow__MetricDataPoint__DimensionsEntry);
            mlflow__metric_data_point__dimensions_entry__init(e);
            e->key = (char *)labels[i];
            e->value = (char *)rows[r].dims[i];
            dp->dimensions[dp->n_dimensions++] = e;
        }
        /* one value per label: every aggregation of trace_count is COUNT */
        Mlflow__MetricDataPoint__ValuesEntry *v = MLF_NEW(pool, Mlflow__MetricDataPoint__ValuesEntry);
        mlflow__metric_data_point__values_entry__init(v);
        v->key = (char *)"COUNT";
        v->has_value = 1;
        v->value = (double)rows[r].count;
        dp->n_values = 1;
        dp->values = MLF_NEW_ARRAY(pool, Mlflow__MetricDataPoint__ValuesEntry *, 1);
        dp->values[0] = v;
        resp->data_points[resp->n_data_points++] = dp;
    }
    return 0;
}

/* The trace_info column an order_by key sorts by, or NULL (tags, metadata: not ported yet). */
static const char *mlf__order_column(const char *key, bool *nullable, const char **canonical)
{
    static const struct {
        const char *key, *canonical, *expr;
        bool nullable;
    } cols[] = {
        {"experiment_id", "experiment_id", "experiment_id", false},
        {"timestamp", "timestamp_ms", "timestamp_ms", false},
        {"timestamp_ms", "timestamp_ms", "timestamp_ms", false},
        {"execution_time", "execution_time_ms", "execution_time_ms", true},
        {"execution_time_ms", "execution_time_ms", "execution_time_ms", true},
        /* end_time = timestamp_ms + coalesce(execution_time_ms, 0), never NULL */
        {"end_time", "end_time_ms", "(timestamp_ms + coalesce(execution_time_ms, 0))", false},
        {"end_time_ms", "end_time_ms", "(timestamp_ms + coalesce(execution_time_ms, 0))", false},
        {"status", "status", "status", false},
        {"request_id", "request_id", "request_id", false},
        /* the mlflow.traceName tag, which 3.18 keeps in trace_info */
        {"name", "name", "trace_name", true},
    };
    for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
        if (strcmp(cols[i].key, key) == 0) {
            *nullable = cols[i].nullable;
            *canonical = cols[i].canonical;
            return cols[i].expr;
        }
    return NULL;
}

/* A simple order_by clause: `key`, `key ASC|DESC` (any case), single spaces; else NULL. */
static int mlf__parse_trace_order(mlf_pool *pool, const char *text, mlf_store_trace_order *o, const char **canonical,
                                  mlf_error *err)
{
    const char *sp = strchr(text, ' ');
    const char *key = sp != NULL ? mlf_pool_strndup(pool, text, (size_t)(sp - text)) : text;
    const char *dir = sp != NULL ? sp + 1 : NULL;
    bool nullable = false;
    const char *expr = mlf__order_column(key, &nullable, canonical);
    bool ok = expr != NULL;
    o->ascending = true;
    if (ok && dir != NULL) {
        if (strcasecmp(dir, "DESC") == 0)
            o->ascending = false;
        else
            ok = strcasecmp(dir, "ASC") == 0;
    }
    if (!ok)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "order_by clause '%s' is not supported by mlflow-c's searchTracesV3 yet (only "
                             "trace attributes, optionally followed by ASC or DESC)",
                             text);
    o->expr = expr;
    o->nullable = nullable;
    return 0;
}

/*
 * searchTracesV3's filter, the part ported so far: comparisons joined by AND, each
 * `[entity.]key op value` where entity is attributes/attribute/trace (the default), tags/tag or
 * metadata/request_metadata, the key plain or in backticks or double quotes, op one of = != < <=
 * > >= LIKE ILIKE, and the value a quoted string or an integer:
 *   - numeric attributes timestamp(_ms), execution_time(_ms), end_time(_ms) with an integer;
 *   - string attributes status, request_id, client_request_id, name (the mlflow.traceName tag)
 *     with =, !=, LIKE or ILIKE and a string;
 *   - tags.KEY and metadata.KEY with =, !=, LIKE or ILIKE and a string (mlflow.traceName and
 *     mlflow.trace.session read trace_info's columns, as MLflow 3.18 keeps them there).
 * Anything else (RLIKE, IN, IS NULL, spans, assessments, run_id, other metadata MLflow keeps in
 * columns, or text this small parser does not take) is refused with INVALID_PARAMETER_VALUE, never
 * ignored.
 */
static int mlf__unsupported_filter(mlf_pool *pool, const char *filter, mlf_error *err)
{
    return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                         "Invalid filter '%s': mlflow-c's searchTracesV3 does not support this filter yet (only "
                         "comparisons of trace attributes, tags and metadata with =, !=, LIKE, ILIKE and, for times, "
                         "< <= > >=, "
                         "joined by AND)",
                         filter);
}

static int mlf__parse_trace_filter(mlf_pool *pool, const char *filter, mlf_store_filter_cond **ret, size_t *ret_n,
                                   mlf_error *err)
{
    mlf_search_simple *cmps;
    size_t n;
    if (mlf_search_parse_simple(pool, filter, &cmps, &n) < 0)
        return mlf__unsupported_filter(pool, filter, err);
    mlf_store_filter_cond *conds = MLF_NEW_ARRAY(pool, mlf_store_filter_cond, n);
    for (size_t i = 0; i < n; i++) {
        const char *entity = cmps[i].entity != NULL ? cmps[i].entity : "attribute", *key = cmps[i].key;
        const char *op = cmps[i].op, *value = cmps[i].value;
        bool quoted = cmps[i].value_quoted;
        mlf_store_filter_cond c = {0};
        c.op = op;
        /* the string comparisons: =, != and the patterns */
        bool eq = strcmp(op, "=") == 0 || strcmp(op, "!=") == 0 || strcmp(op, "LIKE") == 0 || strcmp(op, "ILIKE") == 0;
        if (strcmp(entity, "attributes") == 0 || strcmp(entity, "attribute") == 0 || strcmp(entity, "trace") == 0)
            entity = "attribute";
        else if (strcmp(entity, "tags") == 0 || strcmp(entity, "tag") == 0)
            entity = "tag";
        else if (strcmp(entity, "metadata") == 0 || strcmp(entity, "request_metadata") == 0)
            entity = "metadata";
        else
            return mlf__unsupported_filter(pool, filter, err);
        if (strcmp(entity, "attribute") == 0 && strcmp(key, "name") == 0) {
            entity = "tag";
            key = "mlflow.traceName";
        }
        if (strcmp(entity, "attribute") == 0) {
            static const struct {
                const char *key, *column;
                bool numeric;
            } attrs[] = {
                {"timestamp", "timestamp_ms", true},
                {"timestamp_ms", "timestamp_ms", true},
                {"execution_time", "execution_time_ms", true},
                {"execution_time_ms", "execution_time_ms", true},
                {"end_time", "(timestamp_ms + coalesce(execution_time_ms, 0))", true},
                {"end_time_ms", "(timestamp_ms + coalesce(execution_time_ms, 0))", true},
                {"status", "status", false},
                {"request_id", "request_id", false},
                {"client_request_id", "client_request_id", false},
            };
            for (size_t k = 0; k < sizeof(attrs) / sizeof(attrs[0]) && c.column == NULL; k++)
                if (strcmp(attrs[k].key, key) == 0) {
                    c.column = attrs[k].column;
                    c.numeric = attrs[k].numeric;
                }
            if (c.column == NULL || (c.numeric == quoted) || (!c.numeric && !eq) ||
                (c.numeric && (strcmp(op, "LIKE") == 0 || strcmp(op, "ILIKE") == 0)))
                return mlf__unsupported_filter(pool, filter, err);
            if (c.numeric && mlf_pystr_parse_int(value, &c.num) != 0)
                return mlf__unsupported_filter(pool, filter, err);
            c.str = value;
        } else {
            if (!quoted || !eq || strcmp(key, "mlflow.trace.tokenUsage") == 0 ||
                strcmp(key, "mlflow.trace.cost") == 0 || strcmp(key, "mlflow.sourceRun") == 0)
                return mlf__unsupported_filter(pool, filter, err);
            c.str = value;
            if (strcmp(entity, "tag") == 0 && strcmp(key, "mlflow.traceName") == 0)
                c.column = "trace_name";
            else if (strcmp(entity, "metadata") == 0 && strcmp(key, "mlflow.trace.session") == 0)
                c.column = "session_id";
            else {
                c.table = strcmp(entity, "tag") == 0 ? "trace_tags" : "trace_request_metadata";
                c.key = key;
            }
        }
        conds[i] = c;
    }
    *ret = conds;
    *ret_n = n;
    return 0;
}

int mlf_tracking_search_traces_v3(mlf_ctx *ctx, const Mlflow__SearchTracesV3 *req,
                                  Mlflow__SearchTracesV3__Response *resp, mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    /* the experiment ids of the locations that name one */
    char **locs = MLF_NEW_ARRAY(pool, char *, req->n_locations ? req->n_locations : 1);
    size_t n_locs = 0;
    for (size_t i = 0; i < req->n_locations; i++)
        if (req->locations[i]->identifier_case == MLFLOW__TRACE_LOCATION__IDENTIFIER_MLFLOW_EXPERIMENT) {
            const char *id = req->locations[i]->mlflow_experiment->experiment_id;
            locs[n_locs++] = (char *)(id != NULL ? id : "");
        }
    /* _resolve_experiment_ids_and_locations */
    mlf_buf bad;
    mlf_buf_init(&bad, pool, 32);
    for (size_t i = 0; i < n_locs; i++)
        if (strchr(locs[i], '.') != NULL) {
            if (bad.len > 0)
                mlf_buf_puts(&bad, ", ");
            mlf_buf_puts(&bad, locs[i]);
        }
    if (bad.len > 0) {
        const char *shown = bad.data;
        if (mlf_pystr_len(shown) > 20) {
            /* the first 20 characters (code points) */
            size_t off = 0;
            for (int k = 0; k < 20; k++) {
                uint32_t cp;
                off += mlf_pystr_utf8_next(shown + off, &cp);
            }
            shown = mlf_pool_sprintf(pool, "%.*s...", (int)off, shown);
        }
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Locations must be a list of experiment IDs. Found invalid experiment IDs: %s.", shown);
    }
    int64_t max_results = req->has_max_results ? req->max_results : 100;
    int rc = mlf_validate_max_results(pool, true, (long long)max_results, MLF__TRACE_MAX_RESULTS, err);
    if (rc < 0)
        return rc;
    int64_t *ids = MLF_NEW_ARRAY(pool, int64_t, n_locs ? n_locs : 1);
    for (size_t i = 0; i < n_locs; i++) {
        rc = mlf_pystr_parse_int(locs[i], &ids[i]);
        if (rc == -1)
            /* int(e) raises a ValueError MLflow does not catch */
            return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                                 "invalid literal for int() with base 10: %s", mlf_pystr_repr(pool, locs[i]));
        if (rc < 0)
            ids[i] = INT64_MIN;
    }
    mlf_store_trace_order *orders = MLF_NEW_ARRAY(pool, mlf_store_trace_order, req->n_order_by ? req->n_order_by : 1);
    const char **seen = MLF_NEW_ARRAY(pool, const char *, req->n_order_by ? req->n_order_by : 1);
    bool by_timestamp = false, by_request_id = false;
    for (size_t i = 0; i < req->n_order_by; i++) {
        rc = mlf__parse_trace_order(pool, req->order_by[i], &orders[i], &seen[i], err);
        if (rc < 0)
            return rc;
        for (size_t j = 0; j < i; j++)
            if (strcmp(seen[j], seen[i]) == 0)
                /* raised without an error code: a 500 */
                return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "`order_by` contains duplicate fields: %s",
                                     mlf_pystr_repr_list(pool, (const char *const *)req->order_by, req->n_order_by));
        by_timestamp = by_timestamp || strcmp(seen[i], "timestamp_ms") == 0;
        by_request_id = by_request_id || strcmp(seen[i], "request_id") == 0;
    }
    mlf_store_filter_cond *conds = NULL;
    size_t n_conds = 0;
    if (req->filter != NULL && req->filter[0] != '\0') {
        rc = mlf__parse_trace_filter(pool, req->filter, &conds, &n_conds, err);
        if (rc < 0)
            return rc;
    }
    int64_t offset;
    rc = mlf_search_page_token_decode(pool, req->page_token, &offset, err);
    if (rc < 0)
        return rc;
    mlf_store_trace_page page = {0};
    rc = mlf_store_search_traces(ctx->svc->store, pool, ids, n_locs, conds, n_conds, orders, req->n_order_by,
                                 by_timestamp, by_request_id, max_results, offset, &page, err);
    if (rc < 0)
        return rc;
    resp->traces = page.traces;
    resp->n_traces = page.n;
    if (page.next_page_token != NULL)
        resp->next_page_token = (char *)page.next_page_token;
    return 0;
}
