/*
 * Registered model rpcs of ModelRegistryService: mlflow/server/handlers.py
 * (_create_registered_model ... _get_model_version_by_alias) plus the checks
 * the model registry's SqlAlchemyStore makes before its queries, in MLflow's
 * order so that the first error reported is MLflow's. After a committed write
 * the handlers' webhook events are queued (service/registry/webhook.h).
 */
#include <string.h>

#include "generated/service_api.h"
#include "search/search.h"
#include "service/registry/webhook.h"
#include "service/validate.h"

/* SEARCH_REGISTERED_MODEL_MAX_RESULTS_THRESHOLD */
#define MLF__RM_MAX_RESULTS 1000

/* An unset proto2 string reads as "" in Python. */
static const char *mlf__str(const char *s)
{
    return s != NULL ? s : "";
}

int mlf_registry_create_registered_model(mlf_ctx *ctx, const Mlflow__CreateRegisteredModel *req,
                                         Mlflow__CreateRegisteredModel__Response *resp, mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    const char *name = mlf__str(req->name);
    int rc = mlf_validate_model_name(pool, name, err);
    if (rc < 0)
        return rc;
    /* RegisteredModelTag protos: unset key or value is "" */
    Mlflow__RegisteredModelTag **tags = MLF_NEW_ARRAY(pool, Mlflow__RegisteredModelTag *, req->n_tags + 1);
    for (size_t i = 0; i < req->n_tags; i++) {
        Mlflow__RegisteredModelTag *t = MLF_NEW(pool, Mlflow__RegisteredModelTag);
        mlflow__registered_model_tag__init(t);
        t->key = (char *)mlf__str(req->tags[i] != NULL ? req->tags[i]->key : NULL);
        t->value = (char *)mlf__str(req->tags[i] != NULL ? req->tags[i]->value : NULL);
        rc = mlf_validate_registered_model_tag(pool, t->key, t->value, err);
        if (rc < 0)
            return rc;
        tags[i] = t;
    }
    mlf_store *store = ctx->svc->store;
    rc = mlf_store_create_registered_model(store, pool, name, tags, req->n_tags, mlf__str(req->description),
                                           &resp->registered_model, err);
    if (rc == 0)
        mlf_webhooks_emit_registered_model_created(ctx, req);
    return rc;
}

int mlf_registry_get_registered_model(mlf_ctx *ctx, const Mlflow__GetRegisteredModel *req,
                                      Mlflow__GetRegisteredModel__Response *resp, mlf_error *err)
{
    const char *name = mlf__str(req->name);
    int rc = mlf_validate_model_name(ctx->pool, name, err);
    if (rc < 0)
        return rc;
    mlf_store *store = ctx->svc->store;
    return mlf_store_get_registered_model(store, ctx->pool, name, &resp->registered_model, err);
}

int mlf_registry_update_registered_model(mlf_ctx *ctx, const Mlflow__UpdateRegisteredModel *req,
                                         Mlflow__UpdateRegisteredModel__Response *resp, mlf_error *err)
{
    const char *name = mlf__str(req->name);
    int rc = mlf_validate_model_name(ctx->pool, name, err);
    if (rc < 0)
        return rc;
    /* the handler passes the field as read: an absent description becomes "" */
    mlf_store *store = ctx->svc->store;
    return mlf_store_update_registered_model(store, ctx->pool, name, mlf__str(req->description),
                                             &resp->registered_model, err);
}

int mlf_registry_rename_registered_model(mlf_ctx *ctx, const Mlflow__RenameRegisteredModel *req,
                                         Mlflow__RenameRegisteredModel__Response *resp, mlf_error *err)
{
    const char *name = mlf__str(req->name);
    const char *new_name = mlf__str(req->new_name);
    int rc = mlf_validate_model_renaming(ctx->pool, new_name, err);
    if (rc == 0)
        rc = mlf_validate_model_name(ctx->pool, name, err);
    if (rc < 0)
        return rc;
    mlf_store *store = ctx->svc->store;
    return mlf_store_rename_registered_model(store, ctx->pool, name, new_name, &resp->registered_model, err);
}

int mlf_registry_delete_registered_model(mlf_ctx *ctx, const Mlflow__DeleteRegisteredModel *req,
                                         Mlflow__DeleteRegisteredModel__Response *resp, mlf_error *err)
{
    (void)resp;
    const char *name = mlf__str(req->name);
    int rc = mlf_validate_model_name(ctx->pool, name, err);
    if (rc < 0)
        return rc;
    mlf_store *store = ctx->svc->store;
    return mlf_store_delete_registered_model(store, ctx->pool, name, err);
}

int mlf_registry_search_registered_models(mlf_ctx *ctx, const Mlflow__SearchRegisteredModels *req,
                                          Mlflow__SearchRegisteredModels__Response *resp, mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    /* max_results as read (the proto default 100 when absent); only the upper bound is checked */
    int64_t max_results = req->max_results;
    if (max_results > MLF__RM_MAX_RESULTS)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Invalid value for request parameter max_results. It must be at most %d, but got value "
                             "%lld",
                             MLF__RM_MAX_RESULTS, (long long)max_results);
    mlf_search_clause *clauses;
    size_t n_clauses;
    int rc = mlf_search_parse_filter(pool, MLF_SEARCH_REGISTERED_MODELS, req->filter, &clauses, &n_clauses, err);
    if (rc < 0)
        return rc;
    mlf_search_order *orders = NULL;
    size_t n_orders = 0;
    rc = mlf_search_parse_order_by(pool, MLF_SEARCH_REGISTERED_MODELS, req->order_by, req->n_order_by, &orders,
                                   &n_orders, err);
    if (rc < 0)
        return rc;
    int64_t offset;
    rc = mlf_search_page_token_decode(pool, req->page_token, &offset, err);
    if (rc < 0)
        return rc;
    mlf_store *store = ctx->svc->store;
    mlf_store_registered_model_page page = {0};
    rc = mlf_store_search_registered_models(store, pool, max_results, clauses, n_clauses, orders, n_orders, offset,
                                            &page, err);
    if (rc < 0)
        return rc;
    resp->registered_models = page.models;
    resp->n_registered_models = page.n;
    if (page.next_page_token != NULL && page.next_page_token[0] != '\0')
        resp->next_page_token = (char *)page.next_page_token;
    return 0;
}

int mlf_registry_get_latest_versions(mlf_ctx *ctx, const Mlflow__GetLatestVersions *req,
                                     Mlflow__GetLatestVersions__Response *resp, mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    const char *name = mlf__str(req->name);
    int rc = mlf_validate_model_name(pool, name, err);
    if (rc < 0)
        return rc;
    mlf_store *store = ctx->svc->store;
    const char **stages = MLF_NEW_ARRAY(pool, const char *, req->n_stages + 1);
    for (size_t i = 0; i < req->n_stages; i++) {
        rc = mlf_validate_model_stage(pool, mlf__str(req->stages[i]), &stages[i], err);
        if (rc < 0) {
            /* MLflow looks the model up before it reads the stages: a missing model is the error then */
            mlf_error lookup = {0};
            Mlflow__RegisteredModel *rm;
            if (mlf_store_get_registered_model(store, pool, name, &rm, &lookup) < 0) {
                *err = lookup;
                return -lookup.code;
            }
            return rc;
        }
    }
    return mlf_store_get_latest_versions(store, pool, name, stages, req->n_stages, &resp->model_versions,
                                         &resp->n_model_versions, err);
}

int mlf_registry_set_registered_model_tag(mlf_ctx *ctx, const Mlflow__SetRegisteredModelTag *req,
                                          Mlflow__SetRegisteredModelTag__Response *resp, mlf_error *err)
{
    (void)resp;
    const char *name = mlf__str(req->name);
    const char *key = mlf__str(req->key);
    const char *value = mlf__str(req->value);
    int rc = mlf_validate_model_name(ctx->pool, name, err);
    if (rc == 0)
        rc = mlf_validate_registered_model_tag(ctx->pool, key, value, err);
    if (rc < 0)
        return rc;
    mlf_store *store = ctx->svc->store;
    rc = mlf_store_set_registered_model_tag(store, ctx->pool, name, key, value, err);
    if (rc == 0)
        mlf_webhooks_emit_fields(ctx, NULL, "prompt_tag", name, "set", (const char *[]){"name", "key", "value"},
                                 (const char *[]){name, key, value}, 3);
    return rc;
}

int mlf_registry_delete_registered_model_tag(mlf_ctx *ctx, const Mlflow__DeleteRegisteredModelTag *req,
                                             Mlflow__DeleteRegisteredModelTag__Response *resp, mlf_error *err)
{
    (void)resp;
    const char *name = mlf__str(req->name);
    const char *key = mlf__str(req->key);
    int rc = mlf_validate_model_name(ctx->pool, name, err);
    if (rc == 0)
        rc = mlf_validate_tag_name(ctx->pool, key, "key", err);
    if (rc < 0)
        return rc;
    mlf_store *store = ctx->svc->store;
    rc = mlf_store_delete_registered_model_tag(store, ctx->pool, name, key, err);
    if (rc == 0)
        mlf_webhooks_emit_fields(ctx, NULL, "prompt_tag", name, "deleted", (const char *[]){"name", "key"},
                                 (const char *[]){name, key}, 2);
    return rc;
}

int mlf_registry_set_registered_model_alias(mlf_ctx *ctx, const Mlflow__SetRegisteredModelAlias *req,
                                            Mlflow__SetRegisteredModelAlias__Response *resp, mlf_error *err)
{
    (void)resp;
    mlf_pool *pool = ctx->pool;
    const char *name = mlf__str(req->name);
    const char *alias = mlf__str(req->alias);
    const char *version = mlf__str(req->version);
    const char *asked = version; /* the payload's version is the request's text */
    int rc = mlf_validate_model_name(pool, name, err);
    if (rc == 0)
        rc = mlf_validate_model_alias_name(pool, alias, err);
    if (rc == 0)
        rc = mlf_validate_model_alias_name_reserved(pool, alias, err);
    if (rc == 0)
        rc = mlf_validate_model_version(pool, version, &version, err);
    if (rc < 0)
        return rc;
    mlf_store *store = ctx->svc->store;
    rc = mlf_store_set_registered_model_alias(store, pool, name, alias, version, err);
    if (rc == 0)
        mlf_webhooks_emit_fields(ctx, "model_version_alias", "prompt_alias", name, "created",
                                 (const char *[]){"name", "alias", "version"}, (const char *[]){name, alias, asked}, 3);
    return rc;
}

int mlf_registry_delete_registered_model_alias(mlf_ctx *ctx, const Mlflow__DeleteRegisteredModelAlias *req,
                                               Mlflow__DeleteRegisteredModelAlias__Response *resp, mlf_error *err)
{
    (void)resp;
    const char *name = mlf__str(req->name);
    const char *alias = mlf__str(req->alias);
    int rc = mlf_validate_model_name(ctx->pool, name, err);
    if (rc == 0)
        rc = mlf_validate_model_alias_name(ctx->pool, alias, err);
    if (rc < 0)
        return rc;
    mlf_store *store = ctx->svc->store;
    rc = mlf_store_delete_registered_model_alias(store, ctx->pool, name, alias, err);
    if (rc == 0)
        mlf_webhooks_emit_fields(ctx, "model_version_alias", "prompt_alias", name, "deleted",
                                 (const char *[]){"name", "alias"}, (const char *[]){name, alias}, 2);
    return rc;
}

int mlf_registry_get_model_version_by_alias(mlf_ctx *ctx, const Mlflow__GetModelVersionByAlias *req,
                                            Mlflow__GetModelVersionByAlias__Response *resp, mlf_error *err)
{
    const char *name = mlf__str(req->name);
    const char *alias = mlf__str(req->alias);
    int rc = mlf_validate_model_name(ctx->pool, name, err);
    if (rc == 0)
        rc = mlf_validate_model_alias_name(ctx->pool, alias, err);
    if (rc < 0)
        return rc;
    mlf_store *store = ctx->svc->store;
    return mlf_store_get_model_version_by_alias(store, ctx->pool, name, alias, &resp->model_version, err);
}
