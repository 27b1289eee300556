/*
 * A service instance: one store plus the server's settings. The HTTP server
 * has one; the FFI creates one per store URI. Each request gets an mlf_ctx
 * with its own pool.
 */
#ifndef MLF_SERVICE_SERVICE_H
#define MLF_SERVICE_SERVICE_H

#include <stdbool.h>

#include "core/error.h"
#include "core/pool.h"
#include "store/store.h"

typedef struct mlf_service_config {
    const char *backend_store_uri;     /** default sqlite:///mlflow.db */
    const char *default_artifact_root; /** NULL: derived as `mlflow server` does */
    const char *artifacts_destination; /** default ./mlartifacts */
    int serve_artifacts;               /** 1 unless --no-serve-artifacts */
} mlf_service_config;

typedef struct mlf_service {
    mlf_store *store;
    char *default_artifact_root;
} mlf_service;

/** The context every service function gets: the instance and the request's pool. */
typedef struct mlf_ctx {
    mlf_service *svc;
    mlf_pool *pool;
    /* The caller is a store client (the Python store over the FFI), not an
     * HTTP client: checks MLflow makes in its request handlers rather than in
     * its store are the caller's, as they are for MLflow's SqlAlchemyStore. */
    bool store_semantics;
} mlf_ctx;

/**
 * Opens the store and builds an instance. Returns 0, or a negative code with
 * the reason in err (message allocated from pool).
 */
int mlf_service_create(const mlf_service_config *config, mlf_pool *pool, mlf_service **ret, mlf_error *err);
/** Closes the instance; NULL is a no-op. */
void mlf_service_destroy(mlf_service *svc);

#endif
