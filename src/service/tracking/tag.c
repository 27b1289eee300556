/*
 * Run tag rpcs: mlflow/server/handlers.py (_set_tag, _delete_tag) and
 * SqlAlchemyStore.set_tag's _validate_tag (values cut to 8000 characters
 * unless MLFLOW_TRUNCATE_LONG_VALUES is false).
 */
#include "generated/service_api.h"
#include "service/validate.h"

/* Sets one tag; mlflow.runName renames the run. */
int mlf_tracking_set_tag(mlf_ctx *ctx, const Mlflow__SetTag *req, Mlflow__SetTag__Response *resp, mlf_error *err)
{
    (void)resp;
    mlf_pool *pool = ctx->pool;
    const char *run_id = req->run_id != NULL && req->run_id[0] != '\0' ? req->run_id
                         : req->run_uuid != NULL                       ? req->run_uuid
                                                                       : "";
    const char *value;
    int rc =
        mlf_validate_tag(pool, req->key != NULL ? req->key : "", req->value != NULL ? req->value : "", "", &value, err);
    if (rc < 0)
        return rc;
    Mlflow__RunTag t;
    mlflow__run_tag__init(&t);
    t.key = req->key != NULL ? req->key : "";
    t.value = (char *)value;
    mlf_store *store = ctx->svc->store;
    return mlf_store_set_tag(store, pool, run_id, &t, err);
}

/* Deletes one tag ("No tag with name: ..." when absent). */
int mlf_tracking_delete_tag(mlf_ctx *ctx, const Mlflow__DeleteTag *req, Mlflow__DeleteTag__Response *resp,
                            mlf_error *err)
{
    (void)resp;
    mlf_store *store = ctx->svc->store;
    return mlf_store_delete_tag(store, ctx->pool, req->run_id != NULL ? req->run_id : "",
                                req->key != NULL ? req->key : "", err);
}
