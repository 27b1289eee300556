/*
 * A service instance: one store plus the server's settings. The HTTP server
 * has one; the FFI creates one per store URI. Each request gets an mlf_ctx
 * with its own pool.
 */
#ifndef MLF_SERVICE_SERVICE_H
#define MLF_SERVICE_SERVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "core/pool.h"
#include "store/store.h"

typedef struct mlf_service_config {
    const char *backend_store_uri;     /** default sqlite:///mlflow.db */
    const char *default_artifact_root; /** NULL: derived as `mlflow server` does */
    const char *artifacts_destination; /** default ./mlartifacts */
    int serve_artifacts;               /** 1 unless --no-serve-artifacts */
} mlf_service_config;

struct mlf_webhook_settings;
struct mlf_webhook_delivery;

typedef struct mlf_service {
    mlf_store *store;
    struct mlf_webhook_settings *webhooks;     /** the webhook environment and secret key (src/webhook/) */
    struct mlf_webhook_delivery *deliveries;  /** the delivery threads; NULL unless started (the server) */
    char *default_artifact_root;
    char *artifacts_destination; /** absolute local directory of the proxied artifacts */
    int serve_artifacts;
} mlf_service;

/**
 * What the HTTP layer gives the artifact rpcs beside the message: the route's
 * artifact path, the raw request body, and a slot for a file to send back.
 */
typedef struct mlf_ctx_http {
    const char *artifact_path; /** <path:artifact_path>, already through validate_path_is_safe */
    const char *body;          /** the request body in memory, or NULL */
    int body_fd;               /** or in this file from body_off (-1: none) */
    uint64_t body_off;
    uint64_t body_len;
    int file_fd;               /** out: a file to answer with (-1: the JSON response); the HTTP layer closes it */
    uint64_t file_size;
    const char *file_name;     /** out: its name, for Content-Type and Content-Disposition */
    bool fastapi;              /** MLflow serves this request from its FastAPI artifact routes (proxy GET/PUT) */
    bool detail;               /** out: the error is a FastAPI HTTPException, answered {"detail": message} */
    bool no_body;              /** out: success is a 200 with no body and no Content-Type (FastAPI's Response()) */
} mlf_ctx_http;

/** The context every service function gets: the instance and the request's pool. */
typedef struct mlf_ctx {
    mlf_service *svc;
    mlf_pool *pool;
    mlf_ctx_http *http; /** NULL outside the HTTP server (the FFI) */
    /** the request's query string (undecoded, without '?'), for the few handlers that read request.args
     *  beside the message (getLoggedModel's allow_deleted); NULL outside the HTTP server */
    const char *query;
    size_t query_len;
    /** the route's path parameters that are no field of the request (updateAssessment's {trace_id} and
     *  {assessment_id}), by name; none outside the HTTP server */
    size_t n_path_params;
    const char *const *path_param_names, *const *path_param_values;
    /** the request dict (JSON body or query args) as the client sent it, for the handlers that tell an
     *  empty repeated field from an absent one (_raw_request_has_field); NULL outside the HTTP server */
    const struct mlf_json *raw;
    /** the HTTP server's buffer (empty) on routes answered in compact JSON, else NULL: a service function
     *  may write its whole answer there itself, as mlf_pbjson_write would write its response (then the
     *  response message is not written); left empty, the response message is the answer */
    mlf_buf *json_out;
} mlf_ctx;

/**
 * _raw_request_has_field: whether the request named the field (by its name or json_name), even empty or
 * null. Outside the HTTP server (no request dict), whether the message holds n > 0 values of it.
 */
bool mlf_ctx_has_field(const mlf_ctx *ctx, const char *name, const char *json_name, size_t n);

/**
 * Opens the store and builds an instance. Returns 0, or a negative code with
 * the reason in err (message allocated from pool).
 */
int mlf_service_create(const mlf_service_config *config, mlf_pool *pool, mlf_service **ret, mlf_error *err);
/**
 * Starts the webhook delivery threads (the HTTP server does; the FFI does
 * not: MLflow's own handlers deliver there). Returns 0 or -1.
 */
int mlf_service_start_deliveries(mlf_service *svc);
/** Stops the delivery threads (if started), closes the instance; NULL is a no-op. */
void mlf_service_destroy(mlf_service *svc);

#endif
