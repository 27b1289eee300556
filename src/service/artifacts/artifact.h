/*
 * Where artifacts named by an artifact URI live on this machine, as
 * mlflow/server/handlers.py resolves them: a proxied root (mlflow-artifacts:,
 * or http(s) to .../api/2.0/mlflow-artifacts/artifacts/) maps into
 * --artifacts-destination when the server serves artifacts; a local path or
 * file: URI is its own root. Other stores (s3:, gs:, ...) are not served.
 */
#ifndef MLF_SERVICE_ARTIFACTS_ARTIFACT_H
#define MLF_SERVICE_ARTIFACTS_ARTIFACT_H

#include <stdbool.h>

#include "service/service.h"

typedef struct mlf_artifact_location {
    const char *root; /** absolute local directory */
    const char *rel;  /** path under root ("" for root itself) */
    bool proxied;     /** root is --artifacts-destination */
} mlf_artifact_location;

/**
 * Locates artifact_uri joined with rel (NULL: the URI itself). rel must
 * have been through mlf_artifacts_check_path. Returns 0, or a negative code.
 */
int mlf_artifacts_locate(mlf_ctx *ctx, const char *artifact_uri, const char *rel, mlf_artifact_location *ret,
                         mlf_error *err);

#endif
