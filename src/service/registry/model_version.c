/*
 * Model version rpcs of ModelRegistryService: mlflow/server/handlers.py
 * (_create_model_version, _get_model_version, _update_model_version,
 * _transition_stage, _delete_model_version, _get_model_version_download_uri,
 * _search_model_versions, _set/_delete_model_version_tag) plus the checks the
 * model registry's SqlAlchemyStore makes before its queries, in MLflow's
 * order. After a committed write the handlers' webhook events are queued
 * (service/registry/webhook.h).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "generated/service_api.h"
#include "search/search.h"
#include "service/registry/source.h"
#include "service/registry/webhook.h"
#include "service/validate.h"

/* IS_PROMPT_TAG_KEY */
#define MLF__PROMPT_TAG "mlflow.prompt.is_prompt"
/* SEARCH_MODEL_VERSION_MAX_RESULTS_THRESHOLD */
#define MLF__MV_MAX_RESULTS 200000

/* An unset proto2 string reads as "" in Python. */
static const char *mlf__str(const char *s)
{
    return s != NULL ? s : "";
}

/* _validate_model_name then _validate_model_version, as _get_sql_model_version starts; *version becomes the int's text. */
static int mlf__check_name_version(mlf_pool *pool, const char *name, const char **version, mlf_error *err)
{
    int rc = mlf_validate_model_name(pool, name, err);
    if (rc == 0)
        rc = mlf_validate_model_version(pool, *version, version, err);
    return rc;
}

/* _is_prompt_request: tags collapse by key (the last value wins), and only a true-valued prompt tag counts. */
static bool mlf__is_prompt(const Mlflow__CreateModelVersion *req)
{
    const char *value = NULL;
    for (size_t i = 0; i < req->n_tags; i++)
        if (req->tags[i] != NULL && req->tags[i]->key != NULL && strcmp(req->tags[i]->key, MLF__PROMPT_TAG) == 0)
            value = req->tags[i]->value != NULL ? req->tags[i]->value : "";
    return value != NULL && strcasecmp(value, "true") == 0;
}

/*
 * _create_model_version: the source checks, which are the handler's and not
 * the store's (regex, prompt placeholder, host, the lineage of a models:/
 * source, the owner of the source), then the store half with the proto's ""
 * for an unset description, then the logged model's tags naming the version.
 */
int mlf_registry_create_model_version(mlf_ctx *ctx, const Mlflow__CreateModelVersion *req,
                                      Mlflow__CreateModelVersion__Response *resp, mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    const char *source = mlf__str(req->source);
    const char *run_id = mlf__str(req->run_id);
    const char *model_id = mlf__str(req->model_id);
    int rc = mlf_registry_check_source_regex(pool, source, err);
    if (rc < 0)
        return rc;
    bool is_prompt = mlf__is_prompt(req);
    if (is_prompt) {
        rc = mlf_registry_check_prompt_source(pool, source, err);
        if (rc < 0)
            return rc;
    }
    const char *trusted[] = {ctx->svc->default_artifact_root, ctx->svc->artifacts_destination};
    rc = mlf_validate_uri_host(pool, source, "source", trusted, 2, err);
    if (rc < 0)
        return rc;
    if (!is_prompt) {
        rc = mlf_registry_resolve_lineage(ctx, &source, &run_id, &model_id, req->run_id != NULL,
                                          req->model_id != NULL, err);
        if (rc == 0)
            rc = mlf_registry_validate_source(ctx, source, run_id, model_id, err);
        if (rc < 0)
            return rc;
    }
    Mlflow__CreateModelVersion shaped = *req;
    shaped.source = (char *)source;
    shaped.description = (char *)mlf__str(req->description);
    shaped.run_id = (char *)run_id; /* NULL when the lineage gave None */
    shaped.model_id = (char *)model_id;
    rc = mlf_registry_create_model_version_store(ctx, &shaped, resp, err);
    if (rc < 0)
        return rc;
    if (!is_prompt && model_id != NULL && model_id[0] != '\0') {
        /* the logged model records the versions made from it (a second transaction, as in MLflow) */
        mlf_store *store = ctx->svc->store;
        rc = mlf_store_set_model_versions_tags(store, pool, mlf__str(req->name),
                                               strtoll(resp->model_version->version, NULL, 10), model_id, err);
        if (rc < 0)
            return rc;
    }
    mlf_webhooks_emit_model_version_created(ctx, req, is_prompt, resp->model_version->version, source, run_id);
    return 0;
}

/*
 * SqlAlchemyStore.create_model_version: no source checks, and a caller's
 * None (an unset description or run_id) stays NULL.
 */
int mlf_registry_create_model_version_store(mlf_ctx *ctx, const Mlflow__CreateModelVersion *req,
                                            Mlflow__CreateModelVersion__Response *resp, mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    mlf_store *store = ctx->svc->store;
    const char *name = mlf__str(req->name);
    const char *source = mlf__str(req->source);
    const char *run_id = mlf__str(req->run_id);
    const char *model_id = mlf__str(req->model_id);
    Mlflow__ModelVersionTag **tags = MLF_NEW_ARRAY(pool, Mlflow__ModelVersionTag *, req->n_tags + 1);
    for (size_t i = 0; i < req->n_tags; i++) {
        Mlflow__ModelVersionTag *t = MLF_NEW(pool, Mlflow__ModelVersionTag);
        mlflow__model_version_tag__init(t);
        t->key = (char *)mlf__str(req->tags[i] != NULL ? req->tags[i]->key : NULL);
        t->value = (char *)mlf__str(req->tags[i] != NULL ? req->tags[i]->value : NULL);
        tags[i] = t;
    }
    int rc = mlf_validate_model_name(pool, name, err);
    for (size_t i = 0; rc == 0 && i < req->n_tags; i++)
        rc = mlf_validate_model_version_tag(pool, tags[i]->key, tags[i]->value, err);
    if (rc < 0)
        return rc;
    mlf_store_new_model_version mv = {
        .name = name,
        .source = source,
        .run_link = mlf__str(req->run_link),
        .description = req->description,
        .tags = tags,
        .n_tags = req->n_tags,
    };
    rc = mlf_registry_resolve_source(ctx, source, run_id, &mv.storage_location, &mv.run_id, err);
    if (rc < 0)
        return rc;
    if ((mv.run_id == NULL || mv.run_id[0] == '\0') && model_id[0] != '\0') {
        rc = mlf_store_get_source_logged_model(store, pool, model_id, NULL, &mv.run_id, err);
        if (rc < 0)
            return rc;
    }
    if (req->run_id == NULL && mv.run_id != NULL && mv.run_id[0] == '\0')
        mv.run_id = NULL; /* as for the description */
    return mlf_store_create_model_version(store, pool, &mv, &resp->model_version, err);
}

int mlf_registry_get_model_version(mlf_ctx *ctx, const Mlflow__GetModelVersion *req,
                                   Mlflow__GetModelVersion__Response *resp, mlf_error *err)
{
    const char *name = mlf__str(req->name);
    const char *version = mlf__str(req->version);
    int rc = mlf__check_name_version(ctx->pool, name, &version, err);
    if (rc < 0)
        return rc;
    mlf_store *store = ctx->svc->store;
    return mlf_store_get_model_version(store, ctx->pool, name, version, &resp->model_version, err);
}

int mlf_registry_update_model_version(mlf_ctx *ctx, const Mlflow__UpdateModelVersion *req,
                                      Mlflow__UpdateModelVersion__Response *resp, mlf_error *err)
{
    const char *name = mlf__str(req->name);
    const char *version = mlf__str(req->version);
    int rc = mlf__check_name_version(ctx->pool, name, &version, err);
    if (rc < 0)
        return rc;
    /* only a description that is present is written; an absent one clears it (None) */
    mlf_store *store = ctx->svc->store;
    return mlf_store_update_model_version(store, ctx->pool, name, version, req->description, &resp->model_version, err);
}

int mlf_registry_transition_model_version_stage(mlf_ctx *ctx, const Mlflow__TransitionModelVersionStage *req,
                                                Mlflow__TransitionModelVersionStage__Response *resp, mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    const char *name = mlf__str(req->name);
    const char *version = mlf__str(req->version);
    const char *stage = mlf__str(req->stage);
    const char *canonical;
    int rc = mlf_validate_model_stage(pool, stage, &canonical, err);
    if (rc < 0)
        return rc;
    bool archive = req->has_archive_existing_versions && req->archive_existing_versions;
    if (archive && strcmp(canonical, "Staging") != 0 && strcmp(canonical, "Production") != 0)
        /* raised without an error code: INTERNAL_ERROR */
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                             "Model version transition cannot archive existing model versions because '%s' is not an "
                             "Active stage. Valid stages are ['Staging', 'Production']",
                             stage);
    rc = mlf__check_name_version(pool, name, &version, err);
    if (rc < 0)
        return rc;
    mlf_store *store = ctx->svc->store;
    return mlf_store_transition_model_version_stage(store, pool, name, version, canonical, archive,
                                                    &resp->model_version, err);
}

int mlf_registry_delete_model_version(mlf_ctx *ctx, const Mlflow__DeleteModelVersion *req,
                                      Mlflow__DeleteModelVersion__Response *resp, mlf_error *err)
{
    (void)resp;
    const char *name = mlf__str(req->name);
    const char *version = mlf__str(req->version);
    int rc = mlf__check_name_version(ctx->pool, name, &version, err);
    if (rc < 0)
        return rc;
    mlf_store *store = ctx->svc->store;
    return mlf_store_delete_model_version(store, ctx->pool, name, version, err);
}

int mlf_registry_get_model_version_download_uri(mlf_ctx *ctx, const Mlflow__GetModelVersionDownloadUri *req,
                                                Mlflow__GetModelVersionDownloadUri__Response *resp, mlf_error *err)
{
    /* no request schema: the store's checks are the only ones */
    const char *name = mlf__str(req->name);
    const char *version = mlf__str(req->version);
    int rc = mlf__check_name_version(ctx->pool, name, &version, err);
    if (rc < 0)
        return rc;
    mlf_store *store = ctx->svc->store;
    const char *uri;
    rc = mlf_store_get_model_version_download_uri(store, ctx->pool, name, version, &uri, err);
    if (rc < 0)
        return rc;
    resp->artifact_uri = (char *)uri;
    return 0;
}

int mlf_registry_search_model_versions(mlf_ctx *ctx, const Mlflow__SearchModelVersions *req,
                                       Mlflow__SearchModelVersions__Response *resp, mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    /* max_results as read (the proto default 200000 when absent) */
    int64_t max_results = req->max_results;
    if (max_results < 1)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Invalid value for max_results. It must be a positive integer, but got %lld",
                             (long long)max_results);
    if (max_results > MLF__MV_MAX_RESULTS)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Invalid value for request parameter max_results. It must be at most %d, but got value "
                             "%lld",
                             MLF__MV_MAX_RESULTS, (long long)max_results);
    mlf_search_clause *clauses;
    size_t n_clauses;
    int rc = mlf_search_parse_filter(pool, MLF_SEARCH_MODEL_VERSIONS, req->filter, &clauses, &n_clauses, err);
    if (rc < 0)
        return rc;
    mlf_search_order *orders = NULL;
    size_t n_orders = 0;
    rc = mlf_search_parse_order_by(pool, MLF_SEARCH_MODEL_VERSIONS, req->order_by, req->n_order_by, &orders,
                                   &n_orders, err);
    if (rc < 0)
        return rc;
    int64_t offset;
    rc = mlf_search_page_token_decode(pool, req->page_token, &offset, err);
    if (rc < 0)
        return rc;
    mlf_store *store = ctx->svc->store;
    mlf_store_model_version_page page = {0};
    rc = mlf_store_search_model_versions(store, pool, max_results, clauses, n_clauses, orders, n_orders, offset, &page,
                                         err);
    if (rc < 0)
        return rc;
    resp->model_versions = page.versions;
    resp->n_model_versions = page.n;
    if (page.next_page_token != NULL && page.next_page_token[0] != '\0')
        resp->next_page_token = (char *)page.next_page_token;
    return 0;
}

int mlf_registry_set_model_version_tag(mlf_ctx *ctx, const Mlflow__SetModelVersionTag *req,
                                       Mlflow__SetModelVersionTag__Response *resp, mlf_error *err)
{
    (void)resp;
    const char *name = mlf__str(req->name);
    const char *version = mlf__str(req->version);
    const char *key = mlf__str(req->key);
    const char *value = mlf__str(req->value);
    const char *asked = version; /* the payload's version is the request's text */
    int rc = mlf__check_name_version(ctx->pool, name, &version, err);
    if (rc == 0)
        rc = mlf_validate_model_version_tag(ctx->pool, key, value, err);
    if (rc < 0)
        return rc;
    mlf_store *store = ctx->svc->store;
    rc = mlf_store_set_model_version_tag(store, ctx->pool, name, version, key, value, err);
    if (rc == 0)
        mlf_webhooks_emit_fields(ctx, "model_version_tag", "prompt_version_tag", name, "set",
                                 (const char *[]){"name", "version", "key", "value"},
                                 (const char *[]){name, asked, key, value}, 4);
    return rc;
}

int mlf_registry_delete_model_version_tag(mlf_ctx *ctx, const Mlflow__DeleteModelVersionTag *req,
                                          Mlflow__DeleteModelVersionTag__Response *resp, mlf_error *err)
{
    (void)resp;
    const char *name = mlf__str(req->name);
    const char *version = mlf__str(req->version);
    const char *key = mlf__str(req->key);
    const char *asked = version;
    int rc = mlf__check_name_version(ctx->pool, name, &version, err);
    if (rc == 0)
        rc = mlf_validate_tag_name(ctx->pool, key, "key", err);
    if (rc < 0)
        return rc;
    mlf_store *store = ctx->svc->store;
    rc = mlf_store_delete_model_version_tag(store, ctx->pool, name, version, key, err);
    if (rc == 0)
        mlf_webhooks_emit_fields(ctx, "model_version_tag", "prompt_version_tag", name, "deleted",
                                 (const char *[]){"name", "version", "key"}, (const char *[]){name, asked, key}, 3);
    return rc;
}
