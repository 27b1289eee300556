/*
 * MlflowArtifactsService: the artifact proxy over --artifacts-destination
 * (mlflow/server/handlers.py _download_artifact, _upload_artifact,
 * _list_artifacts_mlflow_artifacts, _delete_artifact_mlflow_artifacts and the
 * multipart trio, which a local destination does not support). The HTTP
 * layer answers 503 when the server does not serve artifacts and checks the
 * route's path before these run (ctx->http->artifact_path).
 */
#include "service/artifacts/artifact.h"

#include <string.h>

#include "artifacts/local.h"
#include "generated/service_api.h"
#include "store/uri.h"

int mlf_artifacts_locate(mlf_ctx *ctx, const char *artifact_uri, const char *rel, mlf_artifact_location *ret,
                         mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    mlf_url u;
    int rc = mlf_uri_parse(pool, artifact_uri != NULL ? artifact_uri : "", &u, err);
    if (rc < 0)
        return rc;
    bool proxy_scheme =
        strcmp(u.scheme, "mlflow-artifacts") == 0 || strcmp(u.scheme, "http") == 0 || strcmp(u.scheme, "https") == 0;
    if (proxy_scheme && ctx->svc->serve_artifacts) {
        /* _get_proxied_run_artifact_destination_path */
        const char *path = u.path;
        if (strcmp(u.scheme, "mlflow-artifacts") == 0) {
            while (*path == '/')
                path++;
        } else {
            static const char anchor[] = "/api/2.0/mlflow-artifacts/artifacts/";
            const char *at = strstr(path, anchor);
            if (at == NULL)
                return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                     "The artifact location %s is not an mlflow-artifacts route", artifact_uri);
            path = at + sizeof(anchor) - 1;
        }
        ret->root = ctx->svc->artifacts_destination;
        ret->rel = rel != NULL && rel[0] != '\0' ? mlf_path_join(pool, path, rel) : path;
        ret->proxied = true;
        return 0;
    }
    if (u.scheme[0] == '\0' || strcmp(u.scheme, "file") == 0) {
        char *local = NULL;
        if ((rc = mlf_uri_local_file_to_path(pool, artifact_uri, &local, err)) < 0)
            return rc;
        ret->root = local;
        ret->rel = rel != NULL ? rel : "";
        ret->proxied = false;
        return 0;
    }
    return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                         "mlflow-c serves artifacts from local storage and --artifacts-destination only, not from %s",
                         artifact_uri);
}

/* The route's path, which only the HTTP server provides. */
static int mlf__route_path(mlf_ctx *ctx, const char **ret, mlf_error *err)
{
    if (ctx->http == NULL || ctx->http->artifact_path == NULL)
        return mlf_error_set(err, ctx->pool, MLF_ERR_NOT_IMPLEMENTED, "Artifact transfers are served over HTTP only");
    *ret = ctx->http->artifact_path;
    return 0;
}

int mlf_artifacts_download_artifact(mlf_ctx *ctx, const Mlflow__Artifacts__DownloadArtifact *req,
                                    Mlflow__Artifacts__DownloadArtifact__Response *resp, mlf_error *err)
{
    (void)req;
    (void)resp;
    const char *path = NULL;
    int rc = mlf__route_path(ctx, &path, err);
    if (rc < 0)
        return rc;
    /* MLflow's FastAPI download raises its own HTTPException for a directory (its Flask one an
       MlflowException, which local_open gives) */
    if (ctx->http->fastapi && mlf_artifacts_local_is_dir(ctx->pool, ctx->svc->artifacts_destination, path)) {
        ctx->http->detail = true;
        return mlf_error_set(err, ctx->pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Artifact path refers to a directory, not a file: '%s'", path);
    }
    if ((rc = mlf_artifacts_local_open(ctx->pool, ctx->svc->artifacts_destination, path, &ctx->http->file_fd,
                                       &ctx->http->file_size, err)) < 0)
        return rc;
    ctx->http->file_name = path;
    return 0;
}

int mlf_artifacts_upload_artifact(mlf_ctx *ctx, const Mlflow__Artifacts__UploadArtifact *req,
                                  Mlflow__Artifacts__UploadArtifact__Response *resp, mlf_error *err)
{
    (void)req;
    (void)resp;
    const char *path = NULL;
    int rc = mlf__route_path(ctx, &path, err);
    if (rc < 0)
        return rc;
    /* MLflow 3.18 uploads through FastAPI: a path without a file name is its HTTPException, and
       success an empty 200 */
    size_t n = strlen(path);
    if (n == 0 || path[n - 1] == '/') {
        ctx->http->detail = true;
        return mlf_error_set(err, ctx->pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Artifact path must include a filename (cannot end with '/').");
    }
    ctx->http->no_body = true;
    mlf_artifact_source src = {.data = ctx->http->body != NULL ? ctx->http->body : "",
                               .fd = ctx->http->body_fd,
                               .off = ctx->http->body_off,
                               .len = ctx->http->body_len};
    return mlf_artifacts_local_write(ctx->pool, ctx->svc->artifacts_destination, path, &src, err);
}

int mlf_artifacts_list_artifacts(mlf_ctx *ctx, const Mlflow__Artifacts__ListArtifacts *req,
                                 Mlflow__Artifacts__ListArtifacts__Response *resp, mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    const char *path = NULL;
    int rc;
    if (req->path != NULL && (rc = mlf_artifacts_check_path(pool, req->path, strlen(req->path), &path, err)) < 0)
        return rc;
    mlf_artifact_info *items;
    size_t n;
    if ((rc = mlf_artifacts_local_list(pool, ctx->svc->artifacts_destination, path, &items, &n, err)) < 0)
        return rc;
    resp->files = MLF_NEW_ARRAY(pool, Mlflow__Artifacts__FileInfo *, n > 0 ? n : 1);
    for (size_t i = 0; i < n; i++) {
        Mlflow__Artifacts__FileInfo *f = MLF_NEW(pool, Mlflow__Artifacts__FileInfo);
        mlflow__artifacts__file_info__init(f);
        const char *slash = strrchr(items[i].path, '/');
        f->path = (char *)(slash != NULL ? slash + 1 : items[i].path);
        f->has_is_dir = 1;
        f->is_dir = items[i].is_dir;
        if (!items[i].is_dir && items[i].size != 0) { /* FileInfo.to_proto: a size of 0 is left out */
            f->has_file_size = 1;
            f->file_size = items[i].size;
        }
        resp->files[i] = f;
    }
    resp->n_files = n;
    return 0;
}

int mlf_artifacts_delete_artifact(mlf_ctx *ctx, const Mlflow__Artifacts__DeleteArtifact *req,
                                  Mlflow__Artifacts__DeleteArtifact__Response *resp, mlf_error *err)
{
    (void)req;
    (void)resp;
    const char *path = NULL;
    int rc = mlf__route_path(ctx, &path, err);
    if (rc < 0)
        return rc;
    return mlf_artifacts_local_delete(ctx->pool, ctx->svc->artifacts_destination, path, err);
}

/* _validate_support_multipart_upload: LocalArtifactRepository is no MultipartUploadMixin. */
static int mlf__no_multipart(mlf_ctx *ctx, mlf_error *err)
{
    return mlf_error_set(err, ctx->pool, MLF_ERR_NOT_IMPLEMENTED,
                         "Multipart upload is not supported for the current artifact repository");
}

int mlf_artifacts_create_multipart_upload(mlf_ctx *ctx, const Mlflow__Artifacts__CreateMultipartUpload *req,
                                          Mlflow__Artifacts__CreateMultipartUpload__Response *resp, mlf_error *err)
{
    (void)req;
    (void)resp;
    return mlf__no_multipart(ctx, err);
}

int mlf_artifacts_complete_multipart_upload(mlf_ctx *ctx, const Mlflow__Artifacts__CompleteMultipartUpload *req,
                                            Mlflow__Artifacts__CompleteMultipartUpload__Response *resp, mlf_error *err)
{
    (void)req;
    (void)resp;
    return mlf__no_multipart(ctx, err);
}

int mlf_artifacts_abort_multipart_upload(mlf_ctx *ctx, const Mlflow__Artifacts__AbortMultipartUpload *req,
                                         Mlflow__Artifacts__AbortMultipartUpload__Response *resp, mlf_error *err)
{
    (void)req;
    (void)resp;
    return mlf__no_multipart(ctx, err);
}
