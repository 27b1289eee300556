/*
 * Matches a request's method and decoded path against the generated route
 * table (plus --static-prefix for /ajax-api routes).
 */
#ifndef MLF_SERVER_ROUTER_H
#define MLF_SERVER_ROUTER_H

#include <stddef.h>

#include "core/pool.h"
#include "rpc/rpc.h"

#define MLF_ROUTER_MAX_PARAMS 4

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
    MLF_ROUTE_BAD_METHOD, /** the path exists for other methods */
} mlf_route_result;

/** Builds the router over mlf_routes; static_prefix (may be NULL or "") prefixes /ajax-api routes. */
mlf_router *mlf_router_create(const char *static_prefix);
/** NULL is a no-op. */
void mlf_router_destroy(mlf_router *router);
/** Looks up method and path (already percent-decoded, no query string). */
mlf_route_result mlf_router_match(const mlf_router *router, mlf_pool *pool, const char *method, size_t method_len,
                                  const char *path, size_t path_len, mlf_route_match *ret);

#endif
