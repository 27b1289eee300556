/*
 * A service instance: the store plus the server's settings.
 *
 * default_artifact_root, when not configured, is chosen as `mlflow server`
 * does (mlflow/utils/server_cli_utils.py resolve_default_artifact_root):
 * "mlflow-artifacts:/" when the server proxies artifacts; otherwise the
 * backend store URI itself when that is a local path (MLflow's file store;
 * never the case for our database URIs), else "./mlruns". The store then
 * makes a local root absolute against the working directory (and creates
 * it), as SqlAlchemyStore does, so experiments get "<cwd>/mlruns/<id>".
 */
#include "service/service.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json/json.h"
#include "store/uri.h"
#include "webhook/delivery.h"

#define MLF__DEFAULT_BACKEND_STORE_URI "sqlite:///mlflow.db"
#define MLF__DEFAULT_ARTIFACTS_URI "mlflow-artifacts:/"
#define MLF__DEFAULT_LOCAL_ARTIFACT_PATH "./mlruns"

static int mlf__default_artifact_root(const mlf_service_config *config, const char *backend_uri, mlf_pool *pool,
                                      const char **ret, mlf_error *err)
{
    if (config != NULL && config->default_artifact_root != NULL && config->default_artifact_root[0] != '\0') {
        *ret = config->default_artifact_root;
        return 0;
    }
    /* a NULL config is `mlflow server` with its defaults, which serve artifacts */
    bool serve = config == NULL || config->serve_artifacts;
    if (serve) {
        *ret = MLF__DEFAULT_ARTIFACTS_URI;
        return 0;
    }
    bool local;
    int rc = mlf_uri_is_local(pool, backend_uri, &local, err);
    if (rc < 0)
        return rc;
    *ret = local ? backend_uri : MLF__DEFAULT_LOCAL_ARTIFACT_PATH;
    return 0;
}

/* --artifacts-destination as an absolute local path (file: URIs too); the directory is made on first write. */
static char *mlf__artifacts_destination(const mlf_service_config *config, mlf_pool *pool)
{
    const char *dest = config != NULL && config->artifacts_destination != NULL && config->artifacts_destination[0]
                           ? config->artifacts_destination
                           : "./mlartifacts";
    char *local = NULL;
    mlf_error err = {0};
    if (mlf_uri_local_file_to_path(pool, dest, &local, &err) < 0 || local == NULL)
        local = (char *)dest;
    char *abs = NULL;
    if (local[0] == '/') {
        abs = strdup(mlf_path_normpath(pool, local));
    } else {
        char cwd[4096];
        if (getcwd(cwd, sizeof(cwd)) == NULL)
            strcpy(cwd, ".");
        abs = strdup(mlf_path_normpath(pool, mlf_path_join(pool, cwd, local)));
    }
    if (abs == NULL)
        abort();
    return abs;
}

int mlf_service_create(const mlf_service_config *config, mlf_pool *pool, mlf_service **ret, mlf_error *err)
{
    const char *uri = config != NULL && config->backend_store_uri != NULL ? config->backend_store_uri
                                                                          : MLF__DEFAULT_BACKEND_STORE_URI;
    const char *root;
    int rc = mlf__default_artifact_root(config, uri, pool, &root, err);
    if (rc < 0)
        return rc;
    mlf_webhook_settings *webhooks = calloc(1, sizeof(*webhooks));
    const char *bad_key = NULL;
    if (webhooks == NULL)
        abort();
    if (mlf_webhook_settings_from_env(webhooks, &bad_key) < 0) {
        free(webhooks);
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "%s", bad_key);
    }
    mlf_store_config store_config = {.default_artifact_root = root};
    mlf_store *store;
    rc = mlf_store_open(uri, &store_config, pool, &store, err);
    if (rc < 0) {
        free(webhooks);
        return rc;
    }
    mlf_service *svc = calloc(1, sizeof(*svc));
    if (svc == NULL)
        abort();
    svc->store = store;
    svc->webhooks = webhooks;
    svc->default_artifact_root = strdup(root);
    if (svc->default_artifact_root == NULL)
        abort();
    svc->serve_artifacts = config == NULL || config->serve_artifacts;
    svc->artifacts_destination = mlf__artifacts_destination(config, pool);
    *ret = svc;
    return 0;
}

void mlf_service_destroy(mlf_service *svc)
{
    if (svc == NULL)
        return;
    mlf_webhook_delivery_stop(svc->deliveries); /* before the store its threads read */
    mlf_store_destroy(svc->store);
    free(svc->webhooks);
    free(svc->default_artifact_root);
    free(svc->artifacts_destination);
    free(svc);
}

int mlf_service_start_deliveries(mlf_service *svc)
{
    svc->deliveries = mlf_webhook_delivery_start(svc->store, svc->webhooks);
    return svc->deliveries != NULL ? 0 : -1;
}

bool mlf_ctx_has_field(const mlf_ctx *ctx, const char *name, const char *json_name, size_t n)
{
    if (ctx->raw == NULL)
        return n > 0;
    return mlf_json_get(ctx->raw, name) != NULL || mlf_json_get(ctx->raw, json_name) != NULL;
}
