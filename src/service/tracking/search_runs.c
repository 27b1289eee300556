/*
 * searchRuns: mlflow/server/handlers.py (_search_runs, search_runs_impl)
 * and the steps of SqlAlchemyStore._search_runs before its query, in
 * MLflow's order so the first error reported is MLflow's: max_results,
 * the filter's syntax, order_by, the filter's comparators, the page token;
 * the store then reads the experiment ids and runs the query.
 */
#include "generated/service_api.h"
#include "search/search.h"
#include "service/validate.h"

/* SEARCH_MAX_RESULTS_THRESHOLD (the handler's cap is the same) */
#define MLF__SEARCH_RUNS_MAX_RESULTS 50000

/* Fills resp with one page of runs and, when the page is full, the next page's token. */
int mlf_tracking_search_runs(mlf_ctx *ctx, const Mlflow__SearchRuns *req, Mlflow__SearchRuns__Response *resp,
                             mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    /* the proto's defaults apply: max_results 1000, run_view_type ACTIVE_ONLY */
    int64_t max_results = req->has_max_results ? req->max_results : 1000;
    Mlflow__ViewType view_type = req->has_run_view_type ? req->run_view_type : MLFLOW__VIEW_TYPE__ACTIVE_ONLY;
    int rc = mlf_validate_max_results(pool, true, (long long)max_results, MLF__SEARCH_RUNS_MAX_RESULTS, err);
    if (rc < 0)
        return rc;
    mlf_search_clause *clauses;
    size_t n_clauses;
    rc = mlf_search_parse_filter_syntax(pool, MLF_SEARCH_RUNS, req->filter, &clauses, &n_clauses, err);
    if (rc < 0)
        return rc;
    mlf_search_order *orders = NULL;
    size_t n_orders = 0;
    rc = mlf_search_parse_order_by(pool, MLF_SEARCH_RUNS, req->order_by, req->n_order_by, &orders, &n_orders, err);
    if (rc < 0)
        return rc;
    rc = mlf_search_check_filter(pool, MLF_SEARCH_RUNS, clauses, n_clauses, err);
    if (rc < 0)
        return rc;
    int64_t offset;
    /* the handler passes `page_token or None` */
    rc = mlf_search_page_token_decode(pool, req->page_token, &offset, err);
    if (rc < 0)
        return rc;
    mlf_store *store = ctx->svc->store;
    mlf_store_run_page page = {0};
    rc = mlf_store_search_runs(store, pool, req->experiment_ids, req->n_experiment_ids, clauses, n_clauses, view_type,
                               max_results, orders, n_orders, offset, &page, err);
    if (rc < 0)
        return rc;
    resp->runs = page.runs;
    resp->n_runs = page.n;
    if (page.next_page_token != NULL && page.next_page_token[0] != '\0')
        resp->next_page_token = (char *)page.next_page_token;
    return 0;
}
