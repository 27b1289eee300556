/*
 * Run rpcs: mlflow/server/handlers.py (_create_run, _update_run, _delete_run,
 * _restore_run, _get_run) and what SqlAlchemyStore checks before its queries.
 */
#include "generated/service_api.h"

/* An unset proto2 string reads as "" in Python. */
static const char *mlf__str(const char *s)
{
    return s != NULL ? s : "";
}

/* `request_message.run_id or request_message.run_uuid` */
static const char *mlf__run_id(const char *run_id, const char *run_uuid)
{
    return run_id != NULL && run_id[0] != '\0' ? run_id : mlf__str(run_uuid);
}

/* Fills resp->run with the new run. An absent start_time is 0, as MLflow's handler reads the unset field. */
int mlf_tracking_create_run(mlf_ctx *ctx, const Mlflow__CreateRun *req, Mlflow__CreateRun__Response *resp,
                            mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    /* RunTag(tag.key, tag.value): not validated on create, as in MLflow */
    Mlflow__RunTag **tags = MLF_NEW_ARRAY(pool, Mlflow__RunTag *, req->n_tags + 1);
    for (size_t i = 0; i < req->n_tags; i++) {
        Mlflow__RunTag *t = MLF_NEW(pool, Mlflow__RunTag);
        mlflow__run_tag__init(t);
        t->key = (char *)mlf__str(req->tags[i] != NULL ? req->tags[i]->key : NULL);
        t->value = (char *)mlf__str(req->tags[i] != NULL ? req->tags[i]->value : NULL);
        tags[i] = t;
    }
    mlf_store *store = ctx->svc->store;
    return mlf_store_create_run(store, pool, mlf__str(req->experiment_id), mlf__str(req->user_id), &req->start_time,
                                tags, req->n_tags, mlf__str(req->run_name), &resp->run, err);
}

/* Fills resp->run_info with the run after the update. */
int mlf_tracking_update_run(mlf_ctx *ctx, const Mlflow__UpdateRun *req, Mlflow__UpdateRun__Response *resp,
                            mlf_error *err)
{
    mlf_store *store = ctx->svc->store;
    return mlf_store_update_run_info(store, ctx->pool, mlf__run_id(req->run_id, req->run_uuid),
                                     req->has_status ? &req->status : NULL, req->has_end_time ? &req->end_time : NULL,
                                     req->run_name, &resp->run_info, err);
}

/* Marks the run deleted (deleted_time now); no active check, as in MLflow. */
int mlf_tracking_delete_run(mlf_ctx *ctx, const Mlflow__DeleteRun *req, Mlflow__DeleteRun__Response *resp,
                            mlf_error *err)
{
    (void)resp;
    mlf_store *store = ctx->svc->store;
    return mlf_store_delete_run(store, ctx->pool, mlf__str(req->run_id), err);
}

/* Marks the run active again (deleted_time cleared). */
int mlf_tracking_restore_run(mlf_ctx *ctx, const Mlflow__RestoreRun *req, Mlflow__RestoreRun__Response *resp,
                             mlf_error *err)
{
    (void)resp;
    mlf_store *store = ctx->svc->store;
    return mlf_store_restore_run(store, ctx->pool, mlf__str(req->run_id), err);
}

/* Fills resp->run with the full run. */
int mlf_tracking_get_run(mlf_ctx *ctx, const Mlflow__GetRun *req, Mlflow__GetRun__Response *resp, mlf_error *err)
{
    mlf_store *store = ctx->svc->store;
    return mlf_store_get_run(store, ctx->pool, mlf__run_id(req->run_id, req->run_uuid), &resp->run, err);
}
