/*
 * listArtifacts: a run's artifacts under its artifact_uri
 * (mlflow/server/handlers.py list_artifacts_impl and
 * _list_artifacts_for_proxied_run_artifact_root). page_token is accepted and
 * ignored, as the local repositories do not page.
 */
#include <string.h>

#include "artifacts/local.h"
#include "generated/service_api.h"
#include "service/artifacts/artifact.h"
#include "store/uri.h"

/*
 * The files under artifact root uri at path (already checked), as
 * list_artifacts_impl and _list_logged_model_artifacts_impl answer them:
 * through the artifact destination for a proxied root (paths relative to
 * the root), the repository of the root otherwise.
 */
static int mlf__list(mlf_ctx *ctx, const char *uri, const char *path, Mlflow__FileInfo ***ret, size_t *ret_n,
                     mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    mlf_artifact_location loc;
    int rc;
    if ((rc = mlf_artifacts_locate(ctx, uri, path, &loc, err)) < 0)
        return rc;
    mlf_artifact_info *items;
    size_t n;
    if ((rc = mlf_artifacts_local_list(pool, loc.root, loc.rel, &items, &n, err)) < 0)
        return rc;
    if (loc.proxied) {
        /* paths relative to the root: join(path, basename) */
        for (size_t i = 0; i < n; i++) {
            const char *slash = strrchr(items[i].path, '/');
            const char *base = slash != NULL ? slash + 1 : items[i].path;
            items[i].path = path != NULL && path[0] != '\0' ? mlf_path_join(pool, path, base) : base;
        }
    }
    Mlflow__FileInfo **files = MLF_NEW_ARRAY(pool, Mlflow__FileInfo *, n > 0 ? n : 1);
    for (size_t i = 0; i < n; i++) {
        Mlflow__FileInfo *f = MLF_NEW(pool, Mlflow__FileInfo);
        mlflow__file_info__init(f);
        f->path = (char *)items[i].path;
        f->has_is_dir = 1;
        f->is_dir = items[i].is_dir;
        if (!items[i].is_dir && items[i].size != 0) { /* FileInfo.to_proto: a size of 0 is left out */
            f->has_file_size = 1;
            f->file_size = items[i].size;
        }
        files[i] = f;
    }
    *ret = files;
    *ret_n = n;
    return 0;
}

int mlf_tracking_list_artifacts(mlf_ctx *ctx, const Mlflow__ListArtifacts *req, Mlflow__ListArtifacts__Response *resp,
                                mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    const char *path = NULL;
    int rc;
    if (req->path != NULL && (rc = mlf_artifacts_check_path(pool, req->path, strlen(req->path), &path, err)) < 0)
        return rc;
    const char *run_id = req->run_id != NULL && req->run_id[0] != '\0' ? req->run_id
                         : req->run_uuid != NULL                       ? req->run_uuid
                                                                       : "";
    mlf_store *store = ctx->svc->store;
    Mlflow__Run *run = NULL;
    if ((rc = mlf_store_get_run(store, pool, run_id, &run, err)) < 0)
        return rc;
    const char *uri = run->info != NULL && run->info->artifact_uri != NULL ? run->info->artifact_uri : "";
    resp->root_uri = (char *)uri;
    return mlf__list(ctx, uri, path, &resp->files, &resp->n_files, err);
}

/* listLoggedModelArtifacts: the same, under the logged model's artifact_location. */
int mlf_tracking_list_logged_model_artifacts(mlf_ctx *ctx, const Mlflow__ListLoggedModelArtifacts *req,
                                             Mlflow__ListLoggedModelArtifacts__Response *resp, mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    const char *path = NULL;
    int rc;
    if (req->artifact_directory_path != NULL &&
        (rc = mlf_artifacts_check_path(pool, req->artifact_directory_path, strlen(req->artifact_directory_path), &path,
                                       err)) < 0)
        return rc;
    mlf_store *store = ctx->svc->store;
    Mlflow__LoggedModel *model = NULL;
    if ((rc = mlf_store_get_logged_model(store, pool, req->model_id != NULL ? req->model_id : "", false, &model,
                                         err)) < 0)
        return rc;
    const char *uri = model->info != NULL && model->info->artifact_uri != NULL ? model->info->artifact_uri : "";
    resp->root_uri = (char *)uri;
    return mlf__list(ctx, uri, path, &resp->files, &resp->n_files, err);
}
