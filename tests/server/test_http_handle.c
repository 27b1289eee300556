/* The HTTP request path without sockets: mlf_http_handle over an in-memory store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "server/http.h"

typedef struct fixture {
    mlf_service *svc;
    mlf_http_app app;
    mlf_pool *pool;
} fixture;

static int setup(void **state)
{
    static fixture f;
    mlf_pool *pool = mlf_pool_create();
    mlf_service_config cfg = {.backend_store_uri = "sqlite://", .default_artifact_root = "/tmp/mlf-art",
                              .serve_artifacts = 0};
    mlf_error err = {0};
    if (mlf_service_create(&cfg, pool, &f.svc, &err) != 0)
        return -1;
    mlf_pool_destroy(pool);
    f.app.svc = f.svc;
    f.app.router = mlf_router_create(NULL);
    f.pool = mlf_pool_create();
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    mlf_router_destroy(f->app.router);
    mlf_service_destroy(f->svc);
    mlf_pool_destroy(f->pool);
    return 0;
}

static mlf_http_response call(fixture *f, const char *method, const char *target, const char *ctype, const char *body)
{
    mlf_http_request req = {0};
    req.method = method;
    req.method_len = strlen(method);
    const char *q = strchr(target, '?');
    req.path = target;
    req.path_len = q ? (size_t)(q - target) : strlen(target);
    if (q) {
        req.query = q + 1;
        req.query_len = strlen(q + 1);
    }
    if (ctype) {
        req.content_type = ctype;
        req.content_type_len = strlen(ctype);
    }
    if (body) {
        req.body = body;
        req.body_len = strlen(body);
    }
    mlf_http_response res = {0};
    mlf_http_handle(&f->app, f->pool, &req, &res);
    return res;
}

static void test_create_then_get(void **state)
{
    fixture *f = *state;
    mlf_http_response r = call(f, "POST", "/api/2.0/mlflow/experiments/create", "application/json", "{\"name\":\"h1\"}");
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "application/json");
    assert_non_null(strstr(r.body, "\"experiment_id\""));
    r = call(f, "GET", "/api/2.0/mlflow/experiments/get-by-name?experiment_name=h1", NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"name\": \"h1\""));
    /* %XX and + in the query string */
    call(f, "POST", "/api/2.0/mlflow/experiments/create", "application/json", "{\"name\":\"a b/c\"}");
    r = call(f, "GET", "/api/2.0/mlflow/experiments/get-by-name?experiment_name=a+b%2Fc", NULL, NULL);
    assert_int_equal(r.status, 200);
}

static void test_errors(void **state)
{
    fixture *f = *state;
    mlf_http_response r = call(f, "GET", "/api/2.0/mlflow/experiments/get?experiment_id=99999", NULL, NULL);
    assert_int_equal(r.status, 404);
    assert_string_equal(r.body,
                        "{\"error_code\": \"RESOURCE_DOES_NOT_EXIST\", \"message\": \"No Experiment with id=99999 exists\"}");
    r = call(f, "POST", "/api/2.0/mlflow/experiments/create", NULL, "{}");
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "Content-Type header is missing"));
    r = call(f, "POST", "/api/2.0/mlflow/experiments/create", "application/json", "{\"name\": 5}");
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "Invalid value 5 for parameter 'name' supplied:  Hint: Value was of type 'int'."));
    r = call(f, "GET", "/api/2.0/mlflow/webhooks", NULL, NULL);
    assert_int_equal(r.status, 404);
    assert_int_equal(r.body_len, 0);
    r = call(f, "PUT", "/api/2.0/mlflow/experiments/get", NULL, NULL);
    assert_int_equal(r.status, 405);
    r = call(f, "GET", "/nope", NULL, NULL);
    assert_int_equal(r.status, 404);
    r = call(f, "GET", "/api/2.0/mlflow/experiments/search?max_results=2&view_type=sometimes", NULL, NULL);
    assert_int_equal(r.status, 400);
}

static bool may_write(fixture *f, const char *method, const char *path)
{
    mlf_http_request req = {.method = method, .method_len = strlen(method), .path = path, .path_len = strlen(path)};
    return mlf_http_may_write(&f->app, f->pool, &req);
}

/* Which requests the server hands to its writer thread. */
static void test_may_write(void **state)
{
    fixture *f = *state;
    assert_true(may_write(f, "POST", "/api/2.0/mlflow/runs/log-batch"));
    assert_true(may_write(f, "POST", "/ajax-api/2.0/mlflow/runs/create"));
    assert_true(may_write(f, "PATCH", "/api/2.0/mlflow/registered-models/update"));
    assert_true(may_write(f, "DELETE", "/api/2.0/mlflow/registered-models/delete"));
    assert_false(may_write(f, "POST", "/api/2.0/mlflow/runs/search"));
    assert_false(may_write(f, "POST", "/api/2.0/mlflow/registered-models/get-latest-versions"));
    assert_false(may_write(f, "GET", "/api/2.0/mlflow/runs/get"));
    assert_false(may_write(f, "POST", "/graphql"));
    assert_false(may_write(f, "POST", "/ajax-api/2.0/mlflow/experiments/search-datasets"));
    assert_false(may_write(f, "PUT", "/api/2.0/mlflow-artifacts/artifacts/a/b.txt"));
    assert_false(may_write(f, "POST", "/no/such/path"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_then_get),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_may_write),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
