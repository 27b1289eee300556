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

struct mlf_ui;

/** What the server answers with, all of it decided once at start-up (no environment reads per request). */
typedef struct mlf_http_app {
    mlf_service *svc;
    mlf_router *router;
    const char *static_prefix;
    bool artifacts_only;
    size_t max_body_size; /** bodies larger than this get 413 unless the route is unlimited-body; 0: no limit */
    struct mlf_ui *ui;    /** MLflow's web UI build (server/ui.h), or NULL: `/` says how to get one */
    /* server-info's settings (MLflow reads them from the environment) */
    const char *tracking_auth;   /** MLFLOW_SERVER_INFO_TRACKING_AUTH, or NULL */
    long long skill_content_max; /** MLFLOW_SKILL_CONTENT_MAX_DECOMPRESSED_SIZE (26214400 when unset) */
    bool artifacts_presigned_only; /** MLFLOW_ARTIFACTS_PRESIGNED_ONLY */
    bool telemetry_disabled; /** MLflow's is_telemetry_disabled(): MLFLOW_DISABLE_TELEMETRY, DO_NOT_TRACK, a CI */
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
    const char *host; /** the Host header (the authority), or NULL */
    size_t host_len;
    /* the headers of conditional and compressed answers (the UI's files), or NULL */
    const char *accept_encoding;
    size_t accept_encoding_len;
    const char *if_none_match;
    size_t if_none_match_len;
    const char *if_modified_since;
    size_t if_modified_since_len;
    /* spans: the headers of POST /v1/traces (route_otlp.c), or NULL */
    const char *content_encoding;
    size_t content_encoding_len;
    const char *mlflow_experiment_id; /** x-mlflow-experiment-id */
    size_t mlflow_experiment_id_len;
    const char *mlflow_run_id; /** x-mlflow-run-id: the run the request's complete traces are linked to */
    size_t mlflow_run_id_len;
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
    const char *location;            /** a redirect's Location, or NULL */
    const char *log_message;         /** for status >= 500: the error's text, which the server logs; else NULL */
    bool close_connection;           /** the server closes the connection after the answer (a refused body) */
    /* caching and encoding headers (the UI's files), each NULL for none */
    const char *etag;
    const char *last_modified;
    const char *cache_control;
    const char *content_encoding;
    const char *vary;
    bool body_static; /** body lives as long as the server (the UI's cached files): sent without a copy */
} mlf_http_response;

/** What routing found for a request: made by mlf_http_route, read by mlf_http_answer. */
typedef struct mlf_http_match {
    mlf_route_result result; /** FOUND, or a 404 (NOT_FOUND) or 405 (BAD_METHOD) to answer */
    mlf_route_match m;       /** the route and its path parameters (for BAD_METHOD: a route of the path) */
    bool too_large;          /** the body is over app->max_body_size and the route is not unlimited-body: 413 */
    const char *redirect;    /** Werkzeug's 308 to this path (repeated slashes merged), or NULL */
    bool fastapi;            /** a GET or PUT of the proxy's files, which MLflow serves from FastAPI */
} mlf_http_match;

/**
 * Routes req once, from the route table (Werkzeug's merging of repeated
 * slashes and the static prefix applied), into *ret_match (from pool).
 * Returns the lane it runs on, an mlf_server_lane (server/server.h): 404,
 * 405, and 404/503 answers that touch nothing, and reads without a body
 * (GET, HEAD, OPTIONS) on the loop; writes and other reads on the store
 * lane; artifact transfers on the transfer lane. Never fails.
 */
int mlf_http_route(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req,
                   const mlf_http_match **ret_match);

/**
 * Answers req into ret (memory from pool) with the match mlf_http_route
 * made for it: the 404/405, the 503 of a disabled route, or the route's
 * handler. Never fails; may run on any thread.
 */
void mlf_http_answer(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req,
                     const mlf_http_match *match, mlf_http_response *ret);

/** mlf_http_route then mlf_http_answer (for tests without sockets). Never fails. */
void mlf_http_handle(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req, mlf_http_response *ret);

/**
 * Before an rpc of class transfer (the artifact proxy's, MlflowService
 * listArtifacts) runs (its 503s came from the route's flags): answers 400
 * for a NUL in the path or query or an unsafe <path:artifact_path>, and
 * otherwise fills io (route path, body) and returns false. Returns true when
 * it answered.
 */
bool mlf_http_artifact_rpc_gate(mlf_pool *pool, const mlf_http_request *req, const mlf_route_match *m,
                                mlf_ctx_http *io, mlf_http_response *ret);
/** Turns a download an rpc asked for (io->file_fd) into ret. */
void mlf_http_artifact_rpc_file(mlf_pool *pool, const mlf_ctx_http *io, mlf_http_response *ret);
/** The Flask rule of a route, as request.url_rule prints it ({x} as <x>, {+x} as <path:x>, static prefix included). */
const char *mlf_http_flask_rule(const mlf_http_app *app, mlf_pool *pool, const mlf_route *route);
/** The 503 text MLflow's _disable_if_artifacts_only (or, when !artifacts_only, _disable_unless_serve_artifacts) answers for Flask rule. */
void mlf_http_respond_disabled(mlf_pool *pool, mlf_http_response *ret, const char *rule, bool artifacts_only);

/** Sets ret's fields (body memory must outlive the response: a pool or static). */
void mlf_http_respond(mlf_http_response *ret, int status, const char *content_type, const char *body, size_t len);
/** Answers err as MLflow's catch_mlflow_exception does: its JSON and HTTP status. */
void mlf_http_respond_error(mlf_pool *pool, mlf_http_response *ret, const mlf_error *err);
/** FastAPI's HTTPException(status, detail): {"detail": "<message>"} as application/json. */
void mlf_http_respond_detail(mlf_pool *pool, mlf_http_response *ret, int status, const char *message);
/** Werkzeug's HTML page for status 400, 404, 405 or (any other status) 500, as Flask answers the errors it raises itself. */
void mlf_http_respond_page(mlf_http_response *ret, int status);

/** MLflow's _validate_content_type(request, ["application/json"]) for POST and PUT. */
int mlf_http_check_json_content_type(mlf_pool *pool, const mlf_http_request *req, mlf_error *err);
/** The body as _get_request_message reads it: not JSON counts as {}, a JSON string is decoded once more. */
mlf_json *mlf_http_body_json(mlf_pool *pool, const mlf_http_request *req);

/* The handlers of the route table (routes.def's and mlf_http_rpc, which serves every rpc). */
#include "generated/route_handlers.h"

#endif
