/*
 * The server's route table (generated/route_table.c, from endpoints.def and
 * routes.def: every rpc's routes and the routes that are no rpc's) and the
 * matching of a request's method and decoded path against it (plus
 * --static-prefix for the routes it applies to).
 */
#ifndef MLF_SERVER_ROUTER_H
#define MLF_SERVER_ROUTER_H

#include <stddef.h>

#include "core/pool.h"
#include "rpc/rpc.h"

#define MLF_ROUTER_MAX_PARAMS 4

/** What a request does (the class in endpoints.def and routes.def); decides where it runs. */
typedef enum mlf_route_class {
    MLF_ROUTE_READ,     /** reads the store only */
    MLF_ROUTE_WRITE,    /** writes to the store */
    MLF_ROUTE_TRANSFER, /** works on artifact files: streamed or raw bodies, file answers */
} mlf_route_class;

/* A route's flags (the flag words of endpoints.def and routes.def). */
#define MLF_ROUTE_RAW_BODY 0x1        /** the body is data, not JSON */
#define MLF_ROUTE_UNLIMITED_BODY 0x2  /** the body may exceed --max-body-size */
#define MLF_ROUTE_SERVE_ARTIFACTS 0x4 /** 503 without --serve-artifacts */
#define MLF_ROUTE_TRACKING 0x8        /** 503 under --artifacts-only */
#define MLF_ROUTE_EMPTY_404 0x40      /** an rpc MLflow has no handler for: 404, empty body */
#define MLF_ROUTE_COMPACT 0x80        /** the answer is compact JSON (message_to_json(pretty=False)) */

struct mlf_http_app;
struct mlf_http_request;
struct mlf_http_response;
struct mlf_route_match;

/** Answers a request routed to its route (server/http.h); generated/route_handlers.h declares each one with it. */
typedef void mlf_route_fn(const struct mlf_http_app *app, mlf_pool *pool, const struct mlf_http_request *req,
                          const struct mlf_route_match *m, struct mlf_http_response *ret);

/** One HTTP route: pattern segments `{name}` (or `{a.b}`) capture one path segment, `{+name}` the rest of the path. */
typedef struct mlf_route {
    const char *method;
    const char *pattern;
    int rpc;               /** index into mlf_rpcs, or -1 for a route of routes.def */
    int prefixed;          /** 1 when --static-prefix goes before pattern (/ajax-api routes, most of routes.def) */
    mlf_route_class cls;
    unsigned flags;        /** MLF_ROUTE_* */
    mlf_route_fn *handler;
} mlf_route;

extern const mlf_route mlf_routes[];
extern const size_t mlf_n_routes;

typedef struct mlf_router mlf_router;

typedef struct mlf_route_match {
    const mlf_route *route;
    size_t n_params;
    const char *param_names[MLF_ROUTER_MAX_PARAMS];  /** field path, e.g. "assessment.trace_id" */
    const char *param_values[MLF_ROUTER_MAX_PARAMS]; /** from the pool */
} mlf_route_match;

typedef enum mlf_route_result {
    MLF_ROUTE_FOUND,
    MLF_ROUTE_NOT_FOUND,
    MLF_ROUTE_BAD_METHOD, /** the path exists for other methods (the match's route is one of them, no params) */
} mlf_route_result;

/** Builds the router over mlf_routes; static_prefix (may be NULL or "") prefixes the prefixed routes. */
mlf_router *mlf_router_create(const char *static_prefix);
/** NULL is a no-op. */
void mlf_router_destroy(mlf_router *router);
/**
 * Looks up method and path (already percent-decoded, no query string) as
 * Werkzeug does: HEAD also finds a GET route, `{+name}` does not start with
 * a slash, and a path that only rpcs not ported yet have is NOT_FOUND for
 * other methods too.
 */
mlf_route_result mlf_router_match(const mlf_router *router, mlf_pool *pool, const char *method, size_t method_len,
                                  const char *path, size_t path_len, mlf_route_match *ret);

#endif
