/*
 * The HTTP side of a request, independent of h2o so that it can be tested
 * without sockets: given method, path, query, headers and body, produce
 * status, content type and body, the way MLflow's Flask app answers.
 */
#ifndef MLF_SERVER_HTTP_H
#define MLF_SERVER_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/pool.h"
#include "json/json.h"
#include "server/router.h"
#include "service/service.h"

typedef struct mlf_http_app {
    mlf_service *svc;
    mlf_router *router;
    const char *static_prefix;
    bool artifacts_only;
} mlf_http_app;

typedef struct mlf_http_request {
    const char *method;
    size_t method_len;
    const char *path; /** raw path, without the query string */
    size_t path_len;
    const char *query; /** after '?', or NULL */
    size_t query_len;
    const char *content_type; /** NULL when the header is missing */
    size_t content_type_len;
    const char *body; /** NULL when there is none */
    size_t body_len;
    bool body_in_file; /** the body is body_len bytes of body_fd from body_off (a large upload), body is NULL */
    int body_fd;
    uint64_t body_off;
} mlf_http_request;

typedef struct mlf_http_response {
    int status;
    const char *content_type; /** NULL for no Content-Type */
    const char *body;
    size_t body_len;
    bool send_file;                  /** answer with file_size bytes of file_fd instead of body (the sender closes it) */
    int file_fd;
    uint64_t file_size;
    const char *content_disposition; /** NULL for none */
} mlf_http_response;

/** Answers one request; all memory comes from pool. Never fails. */
void mlf_http_handle(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req, mlf_http_response *ret);

/**
 * Whether the request may write to the store: false for GET, for the rpcs
 * that only read (search*, get*, list*, which MLflow names so), for rpcs of
 * services other than tracking and the registry (artifacts), and for
 * paths that are no rpc's (the routes that write to the store are all
 * rpcs); true otherwise.
 */
bool mlf_http_may_write(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req);

/**
 * POST [static prefix]/ajax-api/2.0/mlflow/experiments/search-datasets
 * (route_search_datasets.c): answers it into ret and returns 0, or returns -1
 * without touching ret when the path is another one.
 */
int mlf_http_search_datasets(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req,
                             mlf_http_response *ret);

/**
 * GET/POST [static prefix]/graphql (route_graphql.c): answers it into ret and
 * returns 0, or returns -1 without touching ret when the path is another one.
 */
int mlf_http_graphql(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req, mlf_http_response *ret);

/**
 * GET [static prefix]/ajax-api/2.0/mlflow/metrics/get-history-bulk
 * (route_metrics_bulk.c): answers it into ret and returns 0, or returns -1
 * without touching ret when the path is another one.
 */
int mlf_http_metrics_bulk(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req,
                          mlf_http_response *ret);

/**
 * The artifact routes that are not rpcs (route_artifacts.c): [P]/get-artifact,
 * [P]/model-versions/get-artifact, [P]/ajax-api/2.0/mlflow/upload-artifact and
 * [P]/ajax-api/2.0/mlflow/logged-models/<id>/artifacts/files. Answers into
 * ret and returns 0, or returns -1 without touching ret for other paths.
 */
int mlf_http_artifact_routes(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req,
                             mlf_http_response *ret);

/**
 * Before an artifact rpc (MlflowService listArtifacts or an
 * MlflowArtifactsService rpc) runs: answers 503 when the server does not
 * serve artifacts, 400 for an unsafe route path, and otherwise fills io
 * (route path, body) and returns false. Returns true when it answered.
 */
bool mlf_http_artifact_rpc_gate(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req,
                                const mlf_route_match *m, mlf_ctx_http *io, mlf_http_response *ret);
/** Turns a download an rpc asked for (io->file_fd) into ret. */
void mlf_http_artifact_rpc_file(mlf_pool *pool, const mlf_ctx_http *io, mlf_http_response *ret);
/** The Flask rule of a route, as request.url_rule prints it ({x} as <x>, {+x} as <path:x>, static prefix included). */
const char *mlf_http_flask_rule(const mlf_http_app *app, mlf_pool *pool, const mlf_route *route);
/** The Flask rule of an /ajax-api route: the static prefix, then route. */
const char *mlf_http_ajax_rule(const mlf_http_app *app, mlf_pool *pool, const char *route);
/** The 503 text MLflow's _disable_if_artifacts_only (or, when !artifacts_only, _disable_unless_serve_artifacts) answers for Flask rule. */
void mlf_http_respond_disabled(mlf_pool *pool, mlf_http_response *ret, const char *rule, bool artifacts_only);

/** Sets ret's fields (body memory must outlive the response: a pool or static). */
void mlf_http_respond(mlf_http_response *ret, int status, const char *content_type, const char *body, size_t len);
/** Answers err as MLflow's catch_mlflow_exception does: its JSON and HTTP status. */
void mlf_http_respond_error(mlf_pool *pool, mlf_http_response *ret, const mlf_error *err);
/** Werkzeug's 405 page, as Flask answers a method a route does not take. */
void mlf_http_respond_405(mlf_http_response *ret);

/** True when req's decoded path is route (an /ajax-api path) under app's static prefix. */
bool mlf_http_is_ajax_route(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req, const char *route);
/** MLflow's _validate_content_type(request, ["application/json"]) for POST and PUT. */
int mlf_http_check_json_content_type(mlf_pool *pool, const mlf_http_request *req, mlf_error *err);
/** The body as _get_request_message reads it: not JSON counts as {}, a JSON string is decoded once more. */
mlf_json *mlf_http_body_json(mlf_pool *pool, const mlf_http_request *req);

#endif
