/* Route matching over the generated table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "server/router.h"

static mlf_route_result match(const mlf_router *r, mlf_pool *pool, const char *method, const char *path,
                              mlf_route_match *m)
{
    return mlf_router_match(r, pool, method, strlen(method), path, strlen(path), m);
}

static void test_literal_routes(void **state)
{
    (void)state;
    mlf_pool *pool = mlf_pool_create();
    mlf_router *r = mlf_router_create(NULL);
    mlf_route_match m;
    assert_int_equal(match(r, pool, "POST", "/api/2.0/mlflow/experiments/create", &m), MLF_ROUTE_FOUND);
    assert_string_equal(mlf_rpcs[m.route->rpc].name, "createExperiment");
    assert_int_equal(m.n_params, 0);
    assert_int_equal(match(r, pool, "POST", "/ajax-api/2.0/mlflow/experiments/create", &m), MLF_ROUTE_FOUND);
    /* GET and POST share a path */
    assert_int_equal(match(r, pool, "GET", "/api/2.0/mlflow/experiments/search", &m), MLF_ROUTE_FOUND);
    assert_int_equal(match(r, pool, "POST", "/api/2.0/mlflow/experiments/search", &m), MLF_ROUTE_FOUND);
    assert_int_equal(match(r, pool, "DELETE", "/api/2.0/mlflow/experiments/create", &m), MLF_ROUTE_BAD_METHOD);
    assert_int_equal(match(r, pool, "GET", "/api/2.0/mlflow/experiments/creat", &m), MLF_ROUTE_NOT_FOUND);
    assert_int_equal(match(r, pool, "GET", "/api/2.0/mlflow/experiments/createe", &m), MLF_ROUTE_NOT_FOUND);
    /* since 3.0 rpcs are only under /api/3.0 */
    assert_int_equal(match(r, pool, "POST", "/api/3.0/mlflow/traces/search", &m), MLF_ROUTE_FOUND);
    /* ... under 2.0 the path matches PATCH /traces/{request_id} (endTrace): another method is werkzeug's 405 */
    assert_int_equal(match(r, pool, "POST", "/api/2.0/mlflow/traces/search", &m), MLF_ROUTE_BAD_METHOD);
    /* HEAD finds a GET route, as werkzeug adds HEAD to every GET rule */
    assert_int_equal(match(r, pool, "HEAD", "/api/2.0/mlflow/experiments/get", &m), MLF_ROUTE_FOUND);
    assert_string_equal(mlf_rpcs[m.route->rpc].name, "getExperiment");
    assert_int_equal(match(r, pool, "HEAD", "/api/2.0/mlflow/experiments/create", &m), MLF_ROUTE_BAD_METHOD);
    assert_int_equal(match(r, pool, "POST", "/api/2.0/mlflow/traces/search/x", &m), MLF_ROUTE_NOT_FOUND);
    /* the same path is StartTrace under 2.0 and StartTraceV3 under 3.0 */
    assert_int_equal(match(r, pool, "POST", "/api/2.0/mlflow/traces", &m), MLF_ROUTE_FOUND);
    assert_string_equal(mlf_rpcs[m.route->rpc].name, "startTrace");
    assert_int_equal(match(r, pool, "POST", "/api/3.0/mlflow/traces", &m), MLF_ROUTE_FOUND);
    assert_string_equal(mlf_rpcs[m.route->rpc].name, "startTraceV3");
    mlf_router_destroy(r);
    mlf_pool_destroy(pool);
}

static void test_captures(void **state)
{
    (void)state;
    mlf_pool *pool = mlf_pool_create();
    mlf_router *r = mlf_router_create(NULL);
    mlf_route_match m;
    assert_int_equal(match(r, pool, "GET", "/api/2.0/mlflow/logged-models/m-123", &m), MLF_ROUTE_FOUND);
    assert_string_equal(mlf_rpcs[m.route->rpc].name, "getLoggedModel");
    assert_int_equal(m.n_params, 1);
    assert_string_equal(m.param_names[0], "model_id");
    assert_string_equal(m.param_values[0], "m-123");
    assert_int_equal(match(r, pool, "DELETE", "/api/2.0/mlflow/logged-models/m-1/tags/a.b", &m), MLF_ROUTE_FOUND);
    assert_int_equal(m.n_params, 2);
    assert_string_equal(m.param_values[1], "a.b");
    /* {assessment.trace_id} captures into the nested field */
    assert_int_equal(match(r, pool, "POST", "/api/3.0/mlflow/traces/tr-1/assessments", &m), MLF_ROUTE_FOUND);
    assert_string_equal(m.param_names[0], "assessment.trace_id");
    assert_string_equal(m.param_values[0], "tr-1");
    /* <path:...> takes the rest, slashes included */
    assert_int_equal(match(r, pool, "GET", "/api/2.0/mlflow-artifacts/artifacts/1/abc/model/MLmodel", &m),
                     MLF_ROUTE_FOUND);
    assert_string_equal(m.param_values[0], "1/abc/model/MLmodel");
    assert_int_equal(match(r, pool, "DELETE", "/api/2.0/mlflow-artifacts/artifacts/a//b", &m), MLF_ROUTE_FOUND);
    assert_string_equal(m.param_values[0], "a//b");
    /* ... but does not start with a slash (werkzeug's path converter): that path is merged and redirected */
    assert_int_equal(match(r, pool, "DELETE", "/api/2.0/mlflow-artifacts/artifacts//etc/x", &m), MLF_ROUTE_NOT_FOUND);
    /* an empty segment does not match */
    assert_int_equal(match(r, pool, "GET", "/api/2.0/mlflow/logged-models/", &m), MLF_ROUTE_NOT_FOUND);
    /* a literal route's path with another method falls through to a capture */
    assert_int_equal(match(r, pool, "GET", "/api/3.0/mlflow/traces/search", &m), MLF_ROUTE_FOUND);
    assert_string_equal(mlf_rpcs[m.route->rpc].name, "getTraceInfoV3");
    mlf_router_destroy(r);
    mlf_pool_destroy(pool);
}

static void test_static_prefix(void **state)
{
    (void)state;
    mlf_pool *pool = mlf_pool_create();
    mlf_router *r = mlf_router_create("/mlflow");
    mlf_route_match m;
    assert_int_equal(match(r, pool, "GET", "/mlflow/ajax-api/2.0/mlflow/experiments/get", &m), MLF_ROUTE_FOUND);
    assert_int_equal(match(r, pool, "GET", "/ajax-api/2.0/mlflow/experiments/get", &m), MLF_ROUTE_NOT_FOUND);
    assert_int_equal(match(r, pool, "GET", "/api/2.0/mlflow/experiments/get", &m), MLF_ROUTE_FOUND);
    mlf_router_destroy(r);
    mlf_pool_destroy(pool);
}

/* The routes of routes.def are in the same table; a wrong method names a route of the path. */
static void test_non_rpc_routes(void **state)
{
    (void)state;
    mlf_pool *pool = mlf_pool_create();
    mlf_router *r = mlf_router_create("/p");
    mlf_route_match m;
    assert_int_equal(match(r, pool, "GET", "/health", &m), MLF_ROUTE_FOUND);
    assert_int_equal(m.route->rpc, -1);
    assert_int_equal(m.route->prefixed, 0); /* liveness stays outside the static prefix */
    assert_int_equal(match(r, pool, "POST", "/health", &m), MLF_ROUTE_BAD_METHOD);
    assert_string_equal(m.route->pattern, "/health");
    assert_int_equal(match(r, pool, "HEAD", "/p/ajax-api/2.0/mlflow/logged-models/m-1/artifacts/files", &m),
                     MLF_ROUTE_FOUND);
    assert_int_equal(m.route->cls, MLF_ROUTE_TRANSFER);
    assert_string_equal(m.param_names[0], "model_id");
    assert_string_equal(m.param_values[0], "m-1");
    assert_int_equal(match(r, pool, "POST", "/p/graphql", &m), MLF_ROUTE_FOUND);
    assert_int_equal(match(r, pool, "POST", "/graphql", &m), MLF_ROUTE_NOT_FOUND);
    /* classes and flags of rpc routes */
    assert_int_equal(match(r, pool, "POST", "/api/2.0/mlflow/runs/log-batch", &m), MLF_ROUTE_FOUND);
    assert_int_equal(m.route->cls, MLF_ROUTE_WRITE);
    assert_int_equal(m.route->flags, MLF_ROUTE_TRACKING);
    assert_int_equal(match(r, pool, "PUT", "/api/2.0/mlflow-artifacts/artifacts/a", &m), MLF_ROUTE_FOUND);
    assert_int_equal(m.route->cls, MLF_ROUTE_TRANSFER);
    assert_int_equal(m.route->flags,
                     MLF_ROUTE_SERVE_ARTIFACTS | MLF_ROUTE_RAW_BODY | MLF_ROUTE_UNLIMITED_BODY);
    mlf_router_destroy(r);
    mlf_pool_destroy(pool);
}

static void test_table_counts(void **state)
{
    (void)state;
    size_t per_service[4] = {0};
    const char *names[4] = {"MlflowService", "ModelRegistryService", "MlflowArtifactsService", "WebhookService"};
    for (size_t i = 0; i < mlf_n_rpcs; i++)
        for (int s = 0; s < 4; s++)
            if (strcmp(mlf_rpcs[i].service, names[s]) == 0)
                per_service[s]++;
    assert_int_equal(per_service[0], 148);
    assert_int_equal(per_service[1], 21);
    assert_int_equal(per_service[2], 8);
    assert_int_equal(per_service[3], 6);
    assert_int_equal(mlf_n_rpcs, 183);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literal_routes),
        cmocka_unit_test(test_captures),
        cmocka_unit_test(test_static_prefix),
        cmocka_unit_test(test_non_rpc_routes),
        cmocka_unit_test(test_table_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
