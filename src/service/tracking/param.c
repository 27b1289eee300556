/*
 * logParam: mlflow/server/handlers.py (_log_param) and
 * SqlAlchemyStore.log_param's _validate_param (long values cut to 6000
 * characters unless MLFLOW_TRUNCATE_LONG_VALUES is false).
 */
#include "generated/service_api.h"
#include "service/validate.h"

/* Logs one param; the store refuses a changed value. */
int mlf_tracking_log_param(mlf_ctx *ctx, const Mlflow__LogParam *req, Mlflow__LogParam__Response *resp, mlf_error *err)
{
    (void)resp;
    mlf_pool *pool = ctx->pool;
    const char *run_id = req->run_id != NULL && req->run_id[0] != '\0' ? req->run_id
                         : req->run_uuid != NULL                       ? req->run_uuid
                                                                       : "";
    const char *value;
    int rc = mlf_validate_param(pool, req->key != NULL ? req->key : "", req->value != NULL ? req->value : "", "",
                                &value, err);
    if (rc < 0)
        return rc;
    Mlflow__Param p;
    mlflow__param__init(&p);
    p.key = req->key != NULL ? req->key : "";
    p.value = (char *)value;
    mlf_store *store = ctx->svc->store;
    return mlf_store_log_param(store, pool, run_id, &p, err);
}
