/*
 * Trace reads of the web UI: queryTraceMetrics (mlflow/server/handlers.py
 * _query_trace_metrics, SqlAlchemyStore.query_trace_metrics with
 * validate_query_trace_metrics_params) and searchTracesV3 (_search_traces_v3,
 * SqlAlchemyStore.search_traces), MLflow 3.18.
 *
 * searchTracesV3, searchTraces (v2: _deprecated_search_traces_v2, the same
 * store search answered as TraceInfo) and calculateTraceFilterCorrelation
 * take MLflow's whole trace filter grammar (src/search/trace_filter.c) and
 * order_by. queryTraceMetrics: every view, metric, aggregation (percentiles
 * too), dimension, time bucket and filter of query_metrics' raw path (the
 * rollups are MLflow's opt-in cache of the same numbers).
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "generated/service_api.h"
#include "search/search.h"
#include "service/tracking/trace.h"
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

/* MetricAggregation.from_proto: a ValueError (a 500 in MLflow) for a percentile missing, out of range or misplaced */
static int mlf__check_aggregations(mlf_pool *pool, const Mlflow__QueryTraceMetrics *req, mlf_error *err)
{
    int rc = 0;
    for (size_t i = 0; i < req->n_aggregations && rc == 0; i++) {
        const Mlflow__MetricAggregation *agg = req->aggregations[i];
        if (agg->aggregation_type == MLFLOW__AGGREGATION_TYPE__PERCENTILE) {
            if (!agg->has_percentile_value)
                rc = mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                                   "Percentile value is required for PERCENTILE aggregation");
            else if (agg->percentile_value > 100 || agg->percentile_value < 0)
                rc = mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                                   "Percentile value must be between 0 and 100, got %s",
                                   mlf_pystr_repr_float(pool, agg->percentile_value));
        } else if (agg->has_percentile_value) {
            rc = mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                               "Percentile value is only allowed for PERCENTILE aggregation type, got %s",
                               mlf__agg_names[agg->aggregation_type]);
        }
    }
    if (rc < 0 && err != NULL)
        err->uncaught = true; /* Flask's HTML 500 page */
    return rc;
}

int mlf_tracking_query_trace_metrics(mlf_ctx *ctx, const Mlflow__QueryTraceMetrics *req,
                                     Mlflow__QueryTraceMetrics__Response *resp, mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    int rc = mlf__check_aggregations(pool, req, err);
    if (rc < 0)
        return rc;
    const mlf__metric_cfg *cfg;
    rc = mlf__validate_metrics(pool, req, &cfg, err);
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
    if (interval < 0 || interval > INT64_MAX / 1000000000)
        return mlf_error_set(err, pool, MLF_ERR_NOT_IMPLEMENTED,
                             "queryTraceMetrics with time_interval_seconds %" PRId64 " is not supported by mlflow-c",
                             interval);
    /* _apply_filters: each parsed, then checked against the view */
    mlf_search_metrics_filter *filters = MLF_NEW_ARRAY(pool, mlf_search_metrics_filter, req->n_filters + 1);
    for (size_t i = 0; i < req->n_filters; i++) {
        rc = mlf_search_parse_trace_metrics_filter(pool, req->filters[i], &filters[i], err);
        if (rc < 0)
            return rc;
        if (filters[i].view == MLF_METRICS_FILTER_SPAN && req->view_type != MLFLOW__METRIC_VIEW_TYPE__SPANS)
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                 "Filtering by span is only supported for SPANS view type, got %s",
                                 mlf__view_name(req->view_type));
        if (filters[i].view == MLF_METRICS_FILTER_ASSESSMENT &&
            req->view_type != MLFLOW__METRIC_VIEW_TYPE__ASSESSMENTS)
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                 "Filtering by assessment is only supported for ASSESSMENTS view type, got %s",
                                 mlf__view_name(req->view_type));
    }
    /* the dimensions (validated) as columns, each once (a dict's keys) */
    const char **dims = MLF_NEW_ARRAY(pool, const char *, req->n_dimensions + 1);
    size_t n_dims = 0;
    for (size_t i = 0; i < req->n_dimensions; i++) {
        bool seen = false;
        for (size_t j = 0; j < n_dims; j++)
            seen = seen || strcmp(dims[j], req->dimensions[i]) == 0;
        if (!seen)
            dims[n_dims++] = req->dimensions[i];
    }
    if (req->n_aggregations == 0 && n_dims == 0 && interval == 0)
        /* SQLAlchemy refuses the query of no columns; MLflow's session maps its error to BAD_REQUEST */
        return mlf_error_set(err, pool, MLF_ERR_BAD_REQUEST, "Query contains no columns with which to SELECT from.");
    mlf_store_metrics_agg *aggs = MLF_NEW_ARRAY(pool, mlf_store_metrics_agg, req->n_aggregations + 1);
    const char **labels = MLF_NEW_ARRAY(pool, const char *, req->n_aggregations + 1);
    for (size_t i = 0; i < req->n_aggregations; i++) {
        aggs[i].type = (mlf_store_agg_type)req->aggregations[i]->aggregation_type;
        aggs[i].percentile = req->aggregations[i]->percentile_value;
        /* str(MetricAggregation) */
        labels[i] = aggs[i].type == MLF_STORE_AGG_PERCENTILE
                        ? mlf_pool_sprintf(pool, "P%s", mlf_pystr_repr_float(pool, aggs[i].percentile))
                        : mlf__agg_names[aggs[i].type];
    }
    mlf_store_metrics_query q = {
        .ids = ids,
        .n_ids = req->n_experiment_ids,
        .view = (mlf_store_metrics_view)req->view_type,
        .metric = req->metric_name,
        .aggs = aggs,
        .n_aggs = req->n_aggregations,
        .dims = dims,
        .n_dims = n_dims,
        .filters = filters,
        .n_filters = req->n_filters,
        .bucket_ms = interval * 1000,
        .start = req->has_start_time_ms ? &req->start_time_ms : NULL,
        .end = req->has_end_time_ms ? &req->end_time_ms : NULL,
        .max_results = req->has_max_results ? req->max_results : MLF__METRICS_MAX_RESULTS,
    };
    mlf_store_metrics_row *rows;
    size_t n_rows;
    rc = mlf_store_query_trace_metrics(ctx->svc->store, pool, &q, &rows, &n_rows, err);
    if (rc < 0)
        return rc;
    /* convert_results_to_metric_data_points */
    resp->data_points = MLF_NEW_ARRAY(pool, Mlflow__MetricDataPoint *, n_rows ? n_rows : 1);
    for (size_t r = 0; r < n_rows; r++) {
        if (interval > 0 && !rows[r].has_bucket)
            continue;
        Mlflow__MetricDataPoint *dp = MLF_NEW(pool, Mlflow__MetricDataPoint);
        mlflow__metric_data_point__init(dp);
        dp->metric_name = req->metric_name;
        /* the values: a dict by label (a repeated label keeps its first place), None left out */
        dp->values = MLF_NEW_ARRAY(pool, Mlflow__MetricDataPoint__ValuesEntry *, q.n_aggs + 1);
        for (size_t i = 0; i < q.n_aggs; i++) {
            if (!rows[r].has_value[i])
                continue;
            Mlflow__MetricDataPoint__ValuesEntry *v = NULL;
            for (size_t j = 0; j < dp->n_values && v == NULL; j++)
                if (strcmp(dp->values[j]->key, labels[i]) == 0)
                    v = dp->values[j];
            if (v == NULL) {
                v = MLF_NEW(pool, Mlflow__MetricDataPoint__ValuesEntry);
                mlflow__metric_data_point__values_entry__init(v);
                v->key = (char *)labels[i];
                dp->values[dp->n_values++] = v;
            }
            v->has_value = 1;
            v->value = rows[r].values[i];
        }
        if (dp->n_values == 0)
            continue; /* rows of no values are skipped */
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
            e->key = (char *)dims[i];
            e->value = (char *)rows[r].dims[i];
            dp->dimensions[dp->n_dimensions++] = e;
        }
        resp->data_points[resp->n_data_points++] = dp;
    }
    return 0;
}

/* _resolve_experiment_ids_and_locations: no location may hold a '.' (the message shows 20 characters of them) */
static int mlf__check_locations(mlf_pool *pool, char *const *locs, size_t n_locs, mlf_error *err)
{
    mlf_buf bad;
    mlf_buf_init(&bad, pool, 32);
    for (size_t i = 0; i < n_locs; i++)
        if (strchr(locs[i], '.') != NULL) {
            if (bad.len > 0)
                mlf_buf_puts(&bad, ", ");
            mlf_buf_puts(&bad, locs[i]);
        }
    if (bad.len == 0)
        return 0;
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

/*
 * SqlAlchemyStore.search_traces after the handler: the locations, max_results, int() of each
 * experiment id, the order_by, the filter, the page token, in MLflow's order; then one page.
 */
static int mlf__search(mlf_ctx *ctx, char *const *locs, size_t n_locs, int64_t max_results, const char *filter,
                       char *const *order_by, size_t n_order_by, const char *page_token, mlf_store_trace_page *page,
                       mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    int rc = mlf__check_locations(pool, locs, n_locs, err);
    if (rc < 0)
        return rc;
    rc = mlf_validate_max_results(pool, true, (long long)max_results, MLF__TRACE_MAX_RESULTS, err);
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
    mlf_search_trace_order *orders;
    rc = mlf_search_parse_trace_order_by(pool, order_by, n_order_by, &orders, err);
    if (rc < 0)
        return rc;
    mlf_search_trace_clause *clauses;
    size_t n_clauses;
    rc = mlf_search_parse_trace_filter(pool, filter, &clauses, &n_clauses, err);
    if (rc < 0)
        return rc;
    int64_t offset;
    rc = mlf_search_page_token_decode(pool, page_token, &offset, err);
    if (rc < 0)
        return rc;
    return mlf_store_search_traces(ctx->svc->store, pool, ids, n_locs, clauses, n_clauses, orders, n_order_by,
                                   max_results, offset, page, err);
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
    mlf_store_trace_page page = {0};
    int rc = mlf__search(ctx, locs, n_locs, req->has_max_results ? req->max_results : 100, req->filter,
                         req->order_by, req->n_order_by, req->page_token, &page, err);
    if (rc < 0)
        return rc;
    resp->traces = page.traces;
    resp->n_traces = page.n;
    if (page.next_page_token != NULL)
        resp->next_page_token = (char *)page.next_page_token;
    return 0;
}

int mlf_tracking_search_traces(mlf_ctx *ctx, const Mlflow__SearchTraces *req, Mlflow__SearchTraces__Response *resp,
                               mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    mlf_store_trace_page page = {0};
    int rc = mlf__search(ctx, req->experiment_ids, req->n_experiment_ids, req->has_max_results ? req->max_results : 100,
                         req->filter, req->order_by, req->n_order_by, req->page_token, &page, err);
    if (rc < 0)
        return rc;
    resp->traces = MLF_NEW_ARRAY(pool, Mlflow__TraceInfo *, page.n ? page.n : 1);
    for (size_t i = 0; i < page.n; i++)
        resp->traces[i] = mlf_tracking_trace_info_v2(pool, page.traces[i]);
    resp->n_traces = page.n;
    if (page.next_page_token != NULL)
        resp->next_page_token = (char *)page.next_page_token;
    return 0;
}

/* trace_correlation._calculate_npmi_core */
static double mlf__npmi_core(double n11, double n10, double n01, double n00, double smoothing)
{
    double n11s = n11 + smoothing, n10s = n10 + smoothing, n01s = n01 + smoothing, n00s = n00 + smoothing;
    double total = n11s + n10s + n01s + n00s, n1 = n11s + n10s, n2 = n11s + n01s;
    if (n1 <= 0 || n2 <= 0 || n11s <= 0)
        return NAN;
    if (n10 == 0 && n01 == 0 && n00 == 0)
        return 1.0;
    double log_n11 = log(n11s), log_n = log(total);
    double pmi = (log_n11 + log_n) - (log(n1) + log(n2));
    double npmi = pmi / -(log_n11 - log_n);
    return npmi < -1.0 ? -1.0 : npmi > 1.0 ? 1.0 : npmi;
}

int mlf_tracking_calculate_trace_filter_correlation(mlf_ctx *ctx, const Mlflow__CalculateTraceFilterCorrelation *req,
                                                    Mlflow__CalculateTraceFilterCorrelation__Response *resp,
                                                    mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    int64_t *ids;
    int rc = mlf__parse_ids(pool, req->experiment_ids, req->n_experiment_ids, &ids, err);
    if (rc < 0)
        return rc;
    /* the base filter is pasted before each filter, and parsed on its own only for the universe */
    const char *base = req->base_filter != NULL && req->base_filter[0] != '\0' ? req->base_filter : NULL;
    const char *f1 = base != NULL ? mlf_pool_sprintf(pool, "%s and %s", base, req->filter_string1)
                                  : req->filter_string1;
    const char *f2 = base != NULL ? mlf_pool_sprintf(pool, "%s and %s", base, req->filter_string2)
                                  : req->filter_string2;
    mlf_search_trace_clause *c1, *c2, *cb = NULL;
    size_t n1, n2, nb = 0;
    rc = mlf_search_parse_trace_filter(pool, f1, &c1, &n1, err);
    if (rc == 0)
        rc = mlf_search_parse_trace_filter(pool, f2, &c2, &n2, err);
    if (rc == 0 && base != NULL)
        rc = mlf_search_parse_trace_filter(pool, base, &cb, &nb, err);
    if (rc < 0)
        return rc;
    mlf_store_trace_filter sf1 = {c1, n1}, sf2 = {c2, n2}, sfb = {cb, nb};
    mlf_store_trace_correlation counts;
    rc = mlf_store_trace_filter_correlation(ctx->svc->store, pool, ids, req->n_experiment_ids, &sf1, &sf2,
                                            base != NULL ? &sfb : NULL, &counts, err);
    if (rc < 0)
        return rc;
    /* calculate_npmi_from_counts */
    double npmi = NAN, smoothed = NAN;
    int64_t n11 = counts.joint, n10 = counts.filter1 - counts.joint, n01 = counts.filter2 - counts.joint;
    int64_t n00 = counts.total - counts.filter1 - counts.filter2 + counts.joint;
    if (counts.total > 0 && counts.filter1 != 0 && counts.filter2 != 0 && n11 >= 0 && n10 >= 0 && n01 >= 0 &&
        n00 >= 0) {
        npmi = counts.joint == 0 ? -1.0 : mlf__npmi_core((double)n11, (double)n10, (double)n01, (double)n00, 0);
        smoothed = mlf__npmi_core((double)n11, (double)n10, (double)n01, (double)n00, 0.5);
    }
    if (!isnan(npmi)) {
        resp->has_npmi = 1;
        resp->npmi = npmi;
    }
    if (!isnan(smoothed)) {
        resp->has_npmi_smoothed = 1;
        resp->npmi_smoothed = smoothed;
    }
    resp->has_filter1_count = resp->has_filter2_count = resp->has_joint_count = resp->has_total_count = 1;
    resp->filter1_count = (int32_t)counts.filter1;
    resp->filter2_count = (int32_t)counts.filter2;
    resp->joint_count = (int32_t)counts.joint;
    resp->total_count = (int32_t)counts.total;
    return 0;
}
