/*
 * Metric rpcs and logBatch: mlflow/server/handlers.py (_log_metric,
 * _log_batch, _get_metric_history, get_metric_history_bulk_interval_impl)
 * and the validation SqlAlchemyStore runs before its queries
 * (log_metric -> _log_metrics, log_batch), in MLflow's order.
 */
#include <inttypes.h>
#include <string.h>

#include "generated/service_api.h"
#include "search/search.h"
#include "service/validate.h"

/* MAX_RESULTS_PER_RUN: the handler's default for get-history-bulk-interval */
#define MLF__MAX_RESULTS_PER_RUN 2500

/* `value or None` */
static char *mlf__or_null(char *s)
{
    return s != NULL && s[0] != '\0' ? s : NULL;
}

/* Metric.__init__: dataset_name and dataset_digest come together or not at all. */
static int mlf__check_dataset(mlf_pool *pool, const char *name, const char *digest, mlf_error *err)
{
    if ((mlf__or_null((char *)name) == NULL) == (mlf__or_null((char *)digest) == NULL))
        return 0;
    return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                         "Both dataset_name and dataset_digest must be provided if one is provided");
}

/* Logs one metric (history row, latest value, logged-model metric when model_id is set). */
int mlf_tracking_log_metric(mlf_ctx *ctx, const Mlflow__LogMetric *req, Mlflow__LogMetric__Response *resp,
                            mlf_error *err)
{
    (void)resp;
    mlf_pool *pool = ctx->pool;
    mlf_store *store = ctx->svc->store;
    int rc = mlf__check_dataset(pool, req->dataset_name, req->dataset_digest, err);
    if (rc < 0)
        return rc;
    const char *run_id = req->run_id != NULL && req->run_id[0] != '\0' ? req->run_id
                         : req->run_uuid != NULL                       ? req->run_uuid
                                                                       : "";
    Mlflow__Metric m;
    mlflow__metric__init(&m);
    m.key = req->key != NULL ? req->key : "";
    m.has_value = 1;
    m.value = req->value;
    m.has_timestamp = 1;
    m.timestamp = req->timestamp;
    m.has_step = 1;
    m.step = req->has_step ? req->step : 0;
    m.model_id = mlf__or_null(req->model_id);
    m.dataset_name = mlf__or_null(req->dataset_name);
    m.dataset_digest = mlf__or_null(req->dataset_digest);
    rc = mlf_validate_metric(pool, m.key, m.value, m.timestamp, "", err);
    if (rc < 0 && m.model_id != NULL) {
        /* with a model, MLflow looks the run up before it validates: its errors come first */
        Mlflow__Run *run;
        mlf_error run_err = {0};
        if (mlf_store_get_run(store, pool, run_id, &run, &run_err) < 0) {
            *err = run_err;
            return -run_err.code;
        }
        const char *stage = run->info->lifecycle_stage != NULL ? run->info->lifecycle_stage : "None";
        if (strcmp(stage, "active") != 0)
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                 "The run %s must be in the 'active' state. Current state is %s.", run_id, stage);
    }
    if (rc < 0)
        return rc;
    return mlf_store_log_metric(store, pool, run_id, &m, err);
}

/* Logs metrics, params and tags in one transaction after validating them all. */
int mlf_tracking_log_batch(mlf_ctx *ctx, const Mlflow__LogBatch *req, Mlflow__LogBatch__Response *resp, mlf_error *err)
{
    (void)resp;
    mlf_pool *pool = ctx->pool;
    const char *run_id = req->run_id != NULL ? req->run_id : "";
    /* the handler's Metric.from_proto */
    for (size_t i = 0; i < req->n_metrics; i++) {
        int rc = mlf__check_dataset(pool, req->metrics[i]->dataset_name, req->metrics[i]->dataset_digest, err);
        if (rc < 0)
            return rc;
    }
    /* SqlAlchemyStore.log_batch: run id, each entity, the limits, unique param keys */
    int rc = mlf_validate_run_id(pool, run_id, err);
    if (rc < 0)
        return rc;
    Mlflow__Metric **metrics = MLF_NEW_ARRAY(pool, Mlflow__Metric *, req->n_metrics + 1);
    for (size_t i = 0; i < req->n_metrics; i++) {
        const Mlflow__Metric *in = req->metrics[i];
        Mlflow__Metric *m = MLF_NEW(pool, Mlflow__Metric);
        *m = *in;
        m->has_value = m->has_timestamp = m->has_step = 1;
        m->model_id = mlf__or_null(in->model_id);
        m->dataset_name = mlf__or_null(in->dataset_name);
        m->dataset_digest = mlf__or_null(in->dataset_digest);
        rc = mlf_validate_metric(pool, in->key, in->value, in->timestamp, mlf_pool_sprintf(pool, "metrics[%zu]", i),
                                 err);
        if (rc < 0)
            return rc;
        metrics[i] = m;
    }
    Mlflow__Param **params = MLF_NEW_ARRAY(pool, Mlflow__Param *, req->n_params + 1);
    const char **keys = MLF_NEW_ARRAY(pool, const char *, req->n_params + 1);
    for (size_t i = 0; i < req->n_params; i++) {
        Mlflow__Param *p = MLF_NEW(pool, Mlflow__Param);
        mlflow__param__init(p);
        p->key = req->params[i]->key;
        const char *value;
        rc = mlf_validate_param(pool, p->key, req->params[i]->value != NULL ? req->params[i]->value : "",
                                mlf_pool_sprintf(pool, "params[%zu]", i), &value, err);
        if (rc < 0)
            return rc;
        p->value = (char *)value;
        params[i] = p;
        keys[i] = p->key;
    }
    Mlflow__RunTag **tags = MLF_NEW_ARRAY(pool, Mlflow__RunTag *, req->n_tags + 1);
    for (size_t i = 0; i < req->n_tags; i++) {
        Mlflow__RunTag *t = MLF_NEW(pool, Mlflow__RunTag);
        mlflow__run_tag__init(t);
        t->key = req->tags[i]->key;
        const char *value;
        rc = mlf_validate_tag(pool, t->key, req->tags[i]->value != NULL ? req->tags[i]->value : "",
                              mlf_pool_sprintf(pool, "tags[%zu]", i), &value, err);
        if (rc < 0)
            return rc;
        t->value = (char *)value;
        tags[i] = t;
    }
    rc = mlf_validate_batch_log_limits(pool, req->n_metrics, req->n_params, req->n_tags, err);
    if (rc == 0)
        rc = mlf_validate_param_keys_unique(pool, keys, req->n_params, err);
    if (rc < 0)
        return rc;
    mlf_store *store = ctx->svc->store;
    return mlf_store_log_batch(store, pool, run_id, metrics, req->n_metrics, params, req->n_params, tags, req->n_tags,
                               err);
}

/*
 * Fills resp with the metric's history. With max_results (at least 1), pages;
 * without it the whole history, as MLflow 2.x and 3.18 answer.
 */
int mlf_tracking_get_metric_history(mlf_ctx *ctx, const Mlflow__GetMetricHistory *req,
                                    Mlflow__GetMetricHistory__Response *resp, mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    const char *run_id = req->run_id != NULL && req->run_id[0] != '\0' ? req->run_id
                         : req->run_uuid != NULL                       ? req->run_uuid
                                                                       : "";
    /* the handler refuses an explicit page size below 1 before the store parses the token */
    int64_t max_results = req->max_results;
    if (req->has_max_results && max_results <= 0)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Invalid value %" PRId64 " for parameter 'max_results' supplied. It must be a positive "
                             "integer.",
                             max_results);
    int64_t offset = 0;
    int rc = mlf_search_page_token_decode(pool, req->page_token, &offset, err);
    if (rc < 0)
        return rc;
    mlf_store *store = ctx->svc->store;
    mlf_store_metric_page page = {0};
    rc = mlf_store_get_metric_history(store, pool, run_id, req->metric_key != NULL ? req->metric_key : "",
                                      req->has_max_results ? &max_results : NULL, offset, &page, err);
    if (rc < 0)
        return rc;
    resp->metrics = page.metrics;
    resp->n_metrics = page.n;
    if (page.next_page_token != NULL)
        resp->next_page_token = (char *)page.next_page_token;
    return 0;
}

/* Fills resp with the runs' values at sampled steps (get_metric_history_bulk_interval_impl). */
int mlf_tracking_get_metric_history_bulk_interval(mlf_ctx *ctx, const Mlflow__GetMetricHistoryBulkInterval *req,
                                                  Mlflow__GetMetricHistoryBulkInterval__Response *resp, mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    int64_t max_results = req->has_max_results ? req->max_results : MLF__MAX_RESULTS_PER_RUN;
    int64_t start = req->start_step, end = req->end_step;
    if (req->has_start_step && req->has_end_step) {
        if (start > end)
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                 "end_step must be greater than start_step. Found start_step=%" PRId64
                                 " and end_step=%" PRId64 ".",
                                 start, end);
    } else if (req->has_start_step || req->has_end_step) {
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "If either start step or end step are specified, both must be specified.");
    }
    bool both = req->has_start_step && req->has_end_step;
    mlf_store *store = ctx->svc->store;
    return mlf_store_get_metric_history_bulk_interval(
        store, pool, req->run_ids, req->n_run_ids, req->metric_key != NULL ? req->metric_key : "", max_results,
        both ? &start : NULL, both ? &end : NULL, &resp->metrics, &resp->n_metrics, err);
}
