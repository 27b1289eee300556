/*
 * Experiment rpcs: mlflow/server/handlers.py (_create_experiment ...
 * _delete_experiment_tag) plus the validation SqlAlchemyStore runs before
 * its queries, in MLflow's order so the first error reported is MLflow's.
 */
#include "service/tracking/experiment.h"

#include "search/search.h"
#include "service/validate.h"
#include "store/uri.h"

/* An unset proto2 string reads as "" in Python. */
static const char *mlf__str(const char *s)
{
    return s != NULL ? s : "";
}

int mlf_tracking_create_experiment(mlf_ctx *ctx, const Mlflow__CreateExperiment *req,
                                   Mlflow__CreateExperiment__Response *resp, mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    const char *location = mlf__str(req->artifact_location);
    /* handler: no fragment, no params, no traversal in the query string */
    int rc = mlf_validate_artifact_location_url(pool, location, err);
    if (rc < 0)
        return rc;
    /* store: name, then the resolved location's length */
    rc = mlf_validate_experiment_name(pool, mlf__str(req->name), err);
    if (rc < 0)
        return rc;
    if (location[0] != '\0') {
        char *resolved;
        rc = mlf_uri_resolve_if_local(pool, location, &resolved, err);
        if (rc < 0)
            return rc;
        rc = mlf_validate_artifact_location_length(pool, resolved, err);
        if (rc < 0)
            return rc;
    }
    /* ExperimentTag(tag.key, tag.value): unset fields are "" (tags are not validated on create) */
    Mlflow__ExperimentTag **tags = MLF_NEW_ARRAY(pool, Mlflow__ExperimentTag *, req->n_tags + 1);
    for (size_t i = 0; i < req->n_tags; i++) {
        Mlflow__ExperimentTag *t = MLF_NEW(pool, Mlflow__ExperimentTag);
        mlflow__experiment_tag__init(t);
        t->key = (char *)mlf__str(req->tags[i] != NULL ? req->tags[i]->key : NULL);
        t->value = (char *)mlf__str(req->tags[i] != NULL ? req->tags[i]->value : NULL);
        tags[i] = t;
    }
    const char *id;
    mlf_store *store = ctx->svc->store;
    rc = mlf_store_create_experiment(store, pool, req->name, location, tags, req->n_tags, &id, err);
    if (rc < 0)
        return rc;
    resp->experiment_id = (char *)id;
    return 0;
}

int mlf_tracking_get_experiment(mlf_ctx *ctx, const Mlflow__GetExperiment *req, Mlflow__GetExperiment__Response *resp,
                                mlf_error *err)
{
    mlf_store *store = ctx->svc->store;
    return mlf_store_get_experiment(store, ctx->pool, mlf__str(req->experiment_id), &resp->experiment, err);
}

int mlf_tracking_get_experiment_by_name(mlf_ctx *ctx, const Mlflow__GetExperimentByName *req,
                                        Mlflow__GetExperimentByName__Response *resp, mlf_error *err)
{
    mlf_store *store = ctx->svc->store;
    const char *name = mlf__str(req->experiment_name);
    Mlflow__Experiment *e;
    int rc = mlf_store_get_experiment_by_name(store, ctx->pool, name, &e, err);
    if (rc < 0)
        return rc;
    if (e == NULL)
        return mlf_error_set(err, ctx->pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Could not find experiment with name '%s'",
                             name);
    resp->experiment = e;
    return 0;
}

int mlf_tracking_search_experiments(mlf_ctx *ctx, const Mlflow__SearchExperiments *req,
                                    Mlflow__SearchExperiments__Response *resp, mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    /* the handler passes the proto field as read: unset max_results is 0, unset view_type ACTIVE_ONLY */
    int64_t max_results = req->has_max_results ? req->max_results : 0;
    Mlflow__ViewType view_type = req->has_view_type ? req->view_type : MLFLOW__VIEW_TYPE__ACTIVE_ONLY;
    int rc = mlf_validate_max_results(pool, true, (long long)max_results, MLF_MAX_EXPERIMENTS_LISTED_PER_PAGE, err);
    if (rc < 0)
        return rc;
    mlf_search_clause *clauses;
    size_t n_clauses;
    rc = mlf_search_parse_filter(pool, MLF_SEARCH_EXPERIMENTS, req->filter, &clauses, &n_clauses, err);
    if (rc < 0)
        return rc;
    mlf_search_order *orders = NULL;
    size_t n_orders = 0;
    if (req->n_order_by > 0) {
        rc = mlf_search_parse_order_by(pool, MLF_SEARCH_EXPERIMENTS, req->order_by, req->n_order_by, &orders,
                                       &n_orders, err);
        if (rc < 0)
            return rc;
    }
    int64_t offset;
    rc = mlf_search_page_token_decode(pool, req->page_token, &offset, err);
    if (rc < 0)
        return rc;
    mlf_store *store = ctx->svc->store;
    mlf_store_experiment_page page = {0};
    rc = mlf_store_search_experiments(store, pool, view_type, max_results, clauses, n_clauses, orders, n_orders, offset,
                                      &page, err);
    if (rc < 0)
        return rc;
    resp->experiments = page.experiments;
    resp->n_experiments = page.n;
    if (page.next_page_token != NULL && page.next_page_token[0] != '\0')
        resp->next_page_token = (char *)page.next_page_token;
    return 0;
}

int mlf_tracking_update_experiment(mlf_ctx *ctx, const Mlflow__UpdateExperiment *req,
                                   Mlflow__UpdateExperiment__Response *resp, mlf_error *err)
{
    (void)resp;
    /* the handler renames only when new_name is non-empty; the store does not validate the name */
    if (req->new_name == NULL || req->new_name[0] == '\0')
        return 0;
    mlf_store *store = ctx->svc->store;
    return mlf_store_rename_experiment(store, ctx->pool, mlf__str(req->experiment_id), req->new_name, err);
}

int mlf_tracking_delete_experiment(mlf_ctx *ctx, const Mlflow__DeleteExperiment *req,
                                   Mlflow__DeleteExperiment__Response *resp, mlf_error *err)
{
    (void)resp;
    mlf_store *store = ctx->svc->store;
    return mlf_store_delete_experiment(store, ctx->pool, mlf__str(req->experiment_id), err);
}

int mlf_tracking_restore_experiment(mlf_ctx *ctx, const Mlflow__RestoreExperiment *req,
                                    Mlflow__RestoreExperiment__Response *resp, mlf_error *err)
{
    (void)resp;
    mlf_store *store = ctx->svc->store;
    return mlf_store_restore_experiment(store, ctx->pool, mlf__str(req->experiment_id), err);
}

int mlf_tracking_set_experiment_tag(mlf_ctx *ctx, const Mlflow__SetExperimentTag *req,
                                    Mlflow__SetExperimentTag__Response *resp, mlf_error *err)
{
    (void)resp;
    const char *key = mlf__str(req->key);
    const char *value = mlf__str(req->value);
    int rc = mlf_validate_experiment_tag(ctx->pool, key, value, err);
    if (rc < 0)
        return rc;
    mlf_store *store = ctx->svc->store;
    return mlf_store_set_experiment_tag(store, ctx->pool, mlf__str(req->experiment_id), key, value, err);
}

int mlf_tracking_delete_experiment_tag(mlf_ctx *ctx, const Mlflow__DeleteExperimentTag *req,
                                       Mlflow__DeleteExperimentTag__Response *resp, mlf_error *err)
{
    (void)resp;
    mlf_store *store = ctx->svc->store;
    return mlf_store_delete_experiment_tag(store, ctx->pool, mlf__str(req->experiment_id), mlf__str(req->key), err);
}
