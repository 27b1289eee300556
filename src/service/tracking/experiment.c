/*
 * Experiment rpcs: mlflow/server/handlers.py (_create_experiment ...
 * _delete_experiment_tag) plus the validation SqlAlchemyStore runs before
 * its queries, in MLflow's order so the first error reported is MLflow's.
 */
#include "service/tracking/experiment.h"

#include <stdlib.h>
#include <string.h>

#include "search/search.h"
#include "service/validate.h"
#include "store/pystr.h"
#include "store/uri.h"

/* An unset proto2 string reads as "" in Python. */
static const char *mlf__str(const char *s)
{
    return s != NULL ? s : "";
}

/* MLFLOW_CUSTOM_VIEW_TAG_PREFIX and MAX_CUSTOM_VIEWS_PER_EXPERIMENT */
#define MLF__CUSTOM_VIEW_PREFIX "mlflow.customView.view"
#define MLF__MAX_CUSTOM_VIEWS 50

static bool mlf__is_custom_view(const char *key)
{
    return strncmp(key, MLF__CUSTOM_VIEW_PREFIX, sizeof(MLF__CUSTOM_VIEW_PREFIX) - 1) == 0;
}

/* _raise_custom_view_limit_exceeded: experiment_id NULL on create */
static int mlf__custom_view_limit(mlf_pool *pool, const char *experiment_id, mlf_error *err)
{
    return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                         "Unable to create another custom view%s%s; the maximum number of custom views per experiment "
                         "is %d. Delete an existing custom view before creating a new one.",
                         experiment_id != NULL ? " for experiment " : "", experiment_id != NULL ? experiment_id : "",
                         MLF__MAX_CUSTOM_VIEWS);
}

int mlf_tracking_create_experiment(mlf_ctx *ctx, const Mlflow__CreateExperiment *req,
                                   Mlflow__CreateExperiment__Response *resp, mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    const char *location = mlf__str(req->artifact_location);
    /* ExperimentTag(tag.key, tag.value): unset fields are "" */
    Mlflow__ExperimentTag **tags = MLF_NEW_ARRAY(pool, Mlflow__ExperimentTag *, req->n_tags + 1);
    size_t views = 0;
    for (size_t i = 0; i < req->n_tags; i++) {
        Mlflow__ExperimentTag *t = MLF_NEW(pool, Mlflow__ExperimentTag);
        mlflow__experiment_tag__init(t);
        t->key = (char *)mlf__str(req->tags[i] != NULL ? req->tags[i]->key : NULL);
        t->value = (char *)mlf__str(req->tags[i] != NULL ? req->tags[i]->value : NULL);
        tags[i] = t;
        views += mlf__is_custom_view(t->key);
    }
    /* handler: the custom-view cap, then _validate_storage_location_uri of a non-empty location */
    if (views > MLF__MAX_CUSTOM_VIEWS)
        return mlf__custom_view_limit(pool, NULL, err);
    int rc;
    if (location[0] != '\0') {
        rc = mlf_validate_artifact_location_url(pool, location, err);
        if (rc == 0) {
            /* _validate_artifact_uri_scheme: no host other than the server's own artifact storage's */
            const char *trusted[] = {ctx->svc->default_artifact_root, ctx->svc->artifacts_destination};
            rc = mlf_validate_uri_host(pool, location, "artifact_location", trusted, 2, err);
        }
        if (rc == 0 && strncmp(location, "runs:", 5) == 0)
            rc = mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                               "Artifact location cannot be a runs:/ URI. Given: '%s'", location);
        if (rc == 0)
            rc = mlf_validate_artifact_location_length(pool, location, err);
        if (rc < 0)
            return rc;
    }
    /* store: name, then the resolved location's length, then every tag */
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
    for (size_t i = 0; i < req->n_tags; i++) {
        rc = mlf_validate_experiment_tag(pool, tags[i]->key, tags[i]->value, err);
        if (rc < 0)
            return rc;
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
    rc = mlf_search_parse_order_by(pool, MLF_SEARCH_EXPERIMENTS, req->order_by, req->n_order_by, &orders,
                                   &n_orders, err);
    if (rc < 0)
        return rc;
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
    /* the handler renames only when new_name is non-empty; the store validates the name first */
    if (req->new_name == NULL || req->new_name[0] == '\0')
        return 0;
    int rc = mlf_validate_experiment_name(ctx->pool, req->new_name, err);
    if (rc < 0)
        return rc;
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
    mlf_store *store = ctx->svc->store;
    /* handler: a new custom view must stay within the cap (an existing one may be overwritten) */
    if (mlf__is_custom_view(key)) {
        Mlflow__Experiment *e;
        int rc = mlf_store_get_experiment(store, ctx->pool, mlf__str(req->experiment_id), &e, err);
        if (rc < 0)
            return rc;
        size_t views = 0;
        bool exists = false;
        for (size_t i = 0; i < e->n_tags; i++) {
            exists = exists || strcmp(e->tags[i]->key, key) == 0;
            views += mlf__is_custom_view(e->tags[i]->key);
        }
        if (!exists && views >= MLF__MAX_CUSTOM_VIEWS)
            return mlf__custom_view_limit(ctx->pool, e->experiment_id, err);
    }
    int rc = mlf_validate_experiment_tag(ctx->pool, key, value, err);
    if (rc < 0)
        return rc;
    return mlf_store_set_experiment_tag(store, ctx->pool, mlf__str(req->experiment_id), key, value, err);
}

int mlf_tracking_delete_experiment_tag(mlf_ctx *ctx, const Mlflow__DeleteExperimentTag *req,
                                       Mlflow__DeleteExperimentTag__Response *resp, mlf_error *err)
{
    (void)resp;
    mlf_store *store = ctx->svc->store;
    return mlf_store_delete_experiment_tag(store, ctx->pool, mlf__str(req->experiment_id), mlf__str(req->key), err);
}
