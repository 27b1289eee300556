/*
 * searchEvaluationDatasets: mlflow/server/handlers.py
 * (_search_evaluation_datasets_handler) and the steps of
 * SqlAlchemyStore.search_datasets before its query, in MLflow's order:
 * max_results, the page token, the filter, the order_by.
 */
#include "generated/service_api.h"
#include "search/search.h"
#include "service/validate.h"

/* SEARCH_MAX_RESULTS_THRESHOLD */
#define MLF__EDS_MAX_RESULTS 50000

/* Fills resp with one page of datasets and, when more remain, the next page's token. */
int mlf_tracking_search_evaluation_datasets(mlf_ctx *ctx, const Mlflow__SearchEvaluationDatasets *req,
                                            Mlflow__SearchEvaluationDatasets__Response *resp, mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    /* the handler passes `max_results or None`: unset reads as the proto's default 1000, 0 as None */
    bool has_value = !(req->has_max_results && req->max_results == 0);
    int64_t max_results = req->has_max_results ? req->max_results : 1000;
    int rc = mlf_validate_max_results(pool, has_value, (long long)max_results, MLF__EDS_MAX_RESULTS, err);
    if (rc < 0)
        return rc;
    int64_t offset;
    rc = mlf_search_page_token_decode(pool, req->page_token, &offset, err);
    if (rc < 0)
        return rc;
    if (req->filter_string != NULL && req->filter_string[0] != '\0')
        /* SearchEvaluationDatasetsUtils' grammar is not ported yet: refuse rather than ignore it */
        return mlf_error_set(err, pool, MLF_ERR_NOT_IMPLEMENTED,
                             "filter_string is not supported by mlflow-c's searchEvaluationDatasets yet");
    mlf_search_order *orders = NULL;
    size_t n_orders = 0;
    if (req->n_order_by > 0) {
        rc = mlf_search_parse_order_by(pool, MLF_SEARCH_EVAL_DATASETS, req->order_by, req->n_order_by, &orders,
                                       &n_orders, err);
        if (rc < 0)
            return rc;
    }
    mlf_store_eval_dataset_page page = {0};
    rc = mlf_store_search_evaluation_datasets(ctx->svc->store, pool, req->experiment_ids, req->n_experiment_ids,
                                              max_results, orders, n_orders, offset, &page, err);
    if (rc < 0)
        return rc;
    resp->datasets = page.datasets;
    resp->n_datasets = page.n;
    if (page.next_page_token != NULL)
        resp->next_page_token = (char *)page.next_page_token;
    return 0;
}
