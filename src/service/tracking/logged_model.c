/*
 * Logged models: mlflow/server/handlers.py (_create_logged_model,
 * _get_logged_model, _finalize_logged_model, _delete_logged_model,
 * _set_logged_model_tags, _delete_logged_model_tag, _log_logged_model_params,
 * _search_logged_models) and the checks SqlAlchemyStore makes before its
 * queries (_validate_logged_model_name, the `datasets` check, the page
 * token), in MLflow's order.
 */
#include <string.h>
#include <strings.h>

#include "core/text.h"
#include "generated/service_api.h"
#include "search/search.h"
#include "store/pystr.h"

/* SEARCH_LOGGED_MODEL_MAX_RESULTS_DEFAULT: the store's default when the handler passes None (max_results 0) */
#define MLF__LM_MAX_RESULTS_DEFAULT 100
/* the proto's default for an unset max_results */
#define MLF__LM_MAX_RESULTS_PROTO_DEFAULT 50

static const char *mlf__str(const char *s)
{
    return s != NULL ? s : "";
}

/* _validate_logged_model_name (name NULL: nothing to check). */
static int mlf__validate_name(mlf_pool *pool, const char *name, mlf_error *err)
{
    if (name == NULL)
        return 0;
    if (name[0] != '\0' && strpbrk(name, "/:.%\"'") == NULL)
        return 0;
    return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                         "Invalid model name (%s) provided. Model name must be a non-empty string and cannot contain "
                         "the following characters: ('/', ':', '.', '%%', '\"', \"'\")",
                         mlf_pystr_repr(pool, name));
}

/* _create_logged_model: the store half with the handler's `name or None` (the store itself refuses ""). */
int mlf_tracking_create_logged_model(mlf_ctx *ctx, const Mlflow__CreateLoggedModel *req,
                                     Mlflow__CreateLoggedModel__Response *resp, mlf_error *err)
{
    Mlflow__CreateLoggedModel shaped = *req;
    if (shaped.name != NULL && shaped.name[0] == '\0')
        shaped.name = NULL;
    return mlf_tracking_create_logged_model_store(ctx, &shaped, resp, err);
}

/* SqlAlchemyStore.create_logged_model: creates the model (status PENDING) in an active experiment and returns it. */
int mlf_tracking_create_logged_model_store(mlf_ctx *ctx, const Mlflow__CreateLoggedModel *req,
                                           Mlflow__CreateLoggedModel__Response *resp, mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    /* model_type and source_run_id go on as the proto gives them ("" when unset) */
    const char *name = req->name;
    int rc = mlf__validate_name(pool, name, err);
    if (rc < 0)
        return rc;
    mlf_store *store = ctx->svc->store;
    return mlf_store_create_logged_model(store, pool, mlf__str(req->experiment_id), name, mlf__str(req->model_type),
                                         mlf__str(req->source_run_id), req->params, req->n_params, req->tags,
                                         req->n_tags, &resp->model, err);
}

/* request.args.get("allow_deleted", "false").lower() == "true": the first allow_deleted of the query string. */
static bool mlf__allow_deleted(const mlf_ctx *ctx)
{
    const char *s = ctx->query, *end = s != NULL ? s + ctx->query_len : NULL;
    while (s != NULL && s < end) {
        const char *amp = memchr(s, '&', (size_t)(end - s));
        const char *stop = amp != NULL ? amp : end;
        const char *eq = memchr(s, '=', (size_t)(stop - s));
        const char *key_end = eq != NULL ? eq : stop;
        const char *key = mlf_text_percent_decode(ctx->pool, s, (size_t)(key_end - s), MLF_TEXT_PLUS_SPACE, NULL);
        if (strcmp(key, "allow_deleted") == 0) {
            const char *v = eq != NULL ? mlf_text_percent_decode(ctx->pool, eq + 1, (size_t)(stop - eq - 1),
                                                                 MLF_TEXT_PLUS_SPACE, NULL)
                                       : "";
            return strcasecmp(v, "true") == 0;
        }
        s = stop + 1;
    }
    return false;
}

/* The model; a deleted one only with ?allow_deleted=true. */
int mlf_tracking_get_logged_model(mlf_ctx *ctx, const Mlflow__GetLoggedModel *req,
                                  Mlflow__GetLoggedModel__Response *resp, mlf_error *err)
{
    mlf_store *store = ctx->svc->store;
    return mlf_store_get_logged_model(store, ctx->pool, mlf__str(req->model_id), mlf__allow_deleted(ctx), &resp->model,
                                      err);
}

/* Sets the status (any of the four) and returns the model. MLflow reads model_id from the body; here the
 * path's value wins when both are given (the HTTP layer sets path parameters into the message). */
int mlf_tracking_finalize_logged_model(mlf_ctx *ctx, const Mlflow__FinalizeLoggedModel *req,
                                       Mlflow__FinalizeLoggedModel__Response *resp, mlf_error *err)
{
    mlf_store *store = ctx->svc->store;
    return mlf_store_finalize_logged_model(store, ctx->pool, mlf__str(req->model_id), req->status, &resp->model, err);
}

/* Marks the model deleted (a deleted one too). */
int mlf_tracking_delete_logged_model(mlf_ctx *ctx, const Mlflow__DeleteLoggedModel *req,
                                     Mlflow__DeleteLoggedModel__Response *resp, mlf_error *err)
{
    (void)resp;
    mlf_store *store = ctx->svc->store;
    return mlf_store_delete_logged_model(store, ctx->pool, mlf__str(req->model_id), err);
}

/* Upserts the tags; the response has no model, as MLflow's. */
int mlf_tracking_set_logged_model_tags(mlf_ctx *ctx, const Mlflow__SetLoggedModelTags *req,
                                       Mlflow__SetLoggedModelTags__Response *resp, mlf_error *err)
{
    (void)resp;
    mlf_store *store = ctx->svc->store;
    return mlf_store_set_logged_model_tags(store, ctx->pool, mlf__str(req->model_id), req->tags, req->n_tags, err);
}

/* Deletes one tag; a missing tag is RESOURCE_DOES_NOT_EXIST. */
int mlf_tracking_delete_logged_model_tag(mlf_ctx *ctx, const Mlflow__DeleteLoggedModelTag *req,
                                         Mlflow__DeleteLoggedModelTag__Response *resp, mlf_error *err)
{
    (void)resp;
    mlf_store *store = ctx->svc->store;
    return mlf_store_delete_logged_model_tag(store, ctx->pool, mlf__str(req->model_id), mlf__str(req->tag_key), err);
}

/* Adds params (the path's model; the body's model_id is only required, as in MLflow's schema). */
int mlf_tracking_log_logged_model_params(mlf_ctx *ctx, const Mlflow__LogLoggedModelParamsRequest *req,
                                         Mlflow__LogLoggedModelParamsRequest__Response *resp, mlf_error *err)
{
    (void)resp;
    mlf_store *store = ctx->svc->store;
    return mlf_store_log_logged_model_params(store, ctx->pool, mlf__str(req->model_id), req->params, req->n_params,
                                             err);
}

/*
 * _search_logged_models: the store half, where each dataset dict the handler
 * builds has a dataset_digest key (None when empty), so none matches any digest.
 */
int mlf_tracking_search_logged_models(mlf_ctx *ctx, const Mlflow__SearchLoggedModels *req,
                                      Mlflow__SearchLoggedModels__Response *resp, mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    Mlflow__SearchLoggedModels shaped = *req;
    shaped.datasets = MLF_NEW_ARRAY(pool, Mlflow__SearchLoggedModels__Dataset *, req->n_datasets + 1);
    for (size_t i = 0; i < req->n_datasets; i++) {
        Mlflow__SearchLoggedModels__Dataset *d = MLF_NEW(pool, Mlflow__SearchLoggedModels__Dataset);
        *d = *req->datasets[i];
        d->dataset_digest = (char *)mlf__str(d->dataset_digest);
        shaped.datasets[i] = d;
    }
    return mlf_tracking_search_logged_models_store(ctx, &shaped, resp, err);
}

/*
 * SqlAlchemyStore.search_logged_models: one page of models and, when more
 * exist, the token of the next page. A dataset without a digest (the
 * caller's dict has no dataset_digest key) matches any digest.
 */
int mlf_tracking_search_logged_models_store(mlf_ctx *ctx, const Mlflow__SearchLoggedModels *req,
                                            Mlflow__SearchLoggedModels__Response *resp, mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    /* dataset_digest `or None`, order_by's dataset fields `or None` */
    mlf_store_logged_model_dataset *datasets =
        MLF_NEW_ARRAY(pool, mlf_store_logged_model_dataset, req->n_datasets ? req->n_datasets : 1);
    for (size_t i = 0; i < req->n_datasets; i++) {
        const Mlflow__SearchLoggedModels__Dataset *d = req->datasets[i];
        datasets[i].name = mlf__str(d->dataset_name);
        datasets[i].digest = d->dataset_digest != NULL && d->dataset_digest[0] != '\0' ? d->dataset_digest : NULL;
        datasets[i].any_digest = d->dataset_digest == NULL;
    }
    mlf_search_lm_order *orders = MLF_NEW_ARRAY(pool, mlf_search_lm_order, req->n_order_by ? req->n_order_by : 1);
    for (size_t i = 0; i < req->n_order_by; i++) {
        const Mlflow__SearchLoggedModels__OrderBy *o = req->order_by[i];
        orders[i].field_name = mlf__str(o->field_name);
        orders[i].ascending = o->has_ascending ? o->ascending : true;
        orders[i].dataset_name = o->dataset_name != NULL && o->dataset_name[0] != '\0' ? o->dataset_name : NULL;
        orders[i].dataset_digest = o->dataset_digest != NULL && o->dataset_digest[0] != '\0' ? o->dataset_digest : NULL;
    }
    const char *filter = req->filter != NULL && req->filter[0] != '\0' ? req->filter : NULL;

    for (size_t i = 0; i < req->n_datasets; i++)
        if (datasets[i].name[0] == '\0')
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                 "`dataset_name` in the `datasets` clause must be specified.");
    int64_t offset = 0;
    int rc;
    if (req->page_token != NULL && req->page_token[0] != '\0') {
        rc = mlf_search_logged_model_token_decode(pool, req->page_token, req->experiment_ids, req->n_experiment_ids,
                                                  filter, orders, req->n_order_by, &offset, err);
        if (rc < 0)
            return rc;
    }
    /* the handler passes `max_results or None`, the store `max_results or 100` */
    int64_t max_results = !req->has_max_results ? MLF__LM_MAX_RESULTS_PROTO_DEFAULT
                          : req->max_results != 0 ? req->max_results
                                                  : MLF__LM_MAX_RESULTS_DEFAULT;
    mlf_search_clause *clauses;
    size_t n_clauses;
    rc = mlf_search_parse_logged_model_filter(pool, filter, &clauses, &n_clauses, err);
    if (rc < 0)
        return rc;
    mlf_store_logged_model_query query = {
        .experiment_ids = req->experiment_ids,
        .n_experiment_ids = req->n_experiment_ids,
        .clauses = clauses,
        .n_clauses = n_clauses,
        .datasets = datasets,
        .n_datasets = req->n_datasets,
        .orders = orders,
        .n_orders = req->n_order_by,
        .max_results = max_results,
        .offset = offset,
    };
    mlf_store *store = ctx->svc->store;
    mlf_store_logged_model_page page = {0};
    rc = mlf_store_search_logged_models(store, pool, &query, &page, err);
    if (rc < 0)
        return rc;
    resp->models = page.models;
    resp->n_models = page.n;
    if (page.has_more)
        resp->next_page_token = mlf_search_logged_model_token_encode(
            pool, req->experiment_ids, req->n_experiment_ids, filter, orders, req->n_order_by, offset + max_results);
    return 0;
}
