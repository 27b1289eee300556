/* The HTTP request path without sockets: mlf_http_handle over an in-memory store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "server/http.h"
#include "server/server.h"

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
    f.app.skill_content_max = 26214400; /* main.c's default */
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
                        "{\"error_code\": \"RESOURCE_DOES_NOT_EXIST\", \"message\": \"No Experiment with id=99999 exists\", "
                        "\"sqlstate\": \"KAM00\", \"error_class\": \"RESOURCE_NOT_FOUND\"}");
    r = call(f, "POST", "/api/2.0/mlflow/experiments/create", NULL, "{}");
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "Content-Type header is missing"));
    r = call(f, "POST", "/api/2.0/mlflow/experiments/create", "application/json", "{\"name\": 5}");
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "Invalid value 5 for parameter 'name' supplied:  Hint: Value was of type 'int'."));
    r = call(f, "GET", "/api/3.0/mlflow/workspaces", NULL, NULL); /* not ported yet (workspaces): as a path MLflow does not have */
    assert_int_equal(r.status, 404);
    assert_non_null(strstr(r.body, "<title>404 Not Found</title>"));
    r = call(f, "GET", "/api/2.0/mlflow/get-online-trace-details", NULL, NULL); /* MLflow has no handler */
    assert_int_equal(r.status, 404);
    assert_int_equal(r.body_len, 0);
    r = call(f, "PUT", "/api/2.0/mlflow/experiments/get", NULL, NULL);
    assert_int_equal(r.status, 405);
    r = call(f, "GET", "/nope", NULL, NULL);
    assert_int_equal(r.status, 404);
    /* an unknown enum name is dropped (MLflow 3.18's ParseDict ignores it) */
    r = call(f, "GET", "/api/2.0/mlflow/experiments/search?max_results=2&view_type=sometimes", NULL, NULL);
    assert_int_equal(r.status, 200);
}

static int lane(const mlf_http_app *app, mlf_pool *pool, const char *method, const char *path)
{
    mlf_http_request req = {.method = method, .method_len = strlen(method), .path = path, .path_len = strlen(path)};
    const mlf_http_match *m = NULL;
    int rc = mlf_http_route(app, pool, &req, &m);
    assert_non_null(m);
    return rc;
}

/* Where the server runs each request: decided once, by the route's class and the method. */
static void test_lanes(void **state)
{
    fixture *f = *state;
    const mlf_http_app *a = &f->app;
    mlf_pool *p = f->pool;
    /* writes */
    assert_int_equal(lane(a, p, "POST", "/api/2.0/mlflow/runs/log-batch"), MLF_LANE_STORE);
    assert_int_equal(lane(a, p, "POST", "/ajax-api/2.0/mlflow/runs/create"), MLF_LANE_STORE);
    assert_int_equal(lane(a, p, "PATCH", "/api/2.0/mlflow/registered-models/update"), MLF_LANE_STORE);
    assert_int_equal(lane(a, p, "DELETE", "/api/2.0/mlflow/registered-models/delete"), MLF_LANE_STORE);
    /* reads: GET on the loop, POST (searches) on the store threads */
    assert_int_equal(lane(a, p, "POST", "/api/2.0/mlflow/runs/search"), MLF_LANE_STORE);
    assert_int_equal(lane(a, p, "GET", "/api/2.0/mlflow/runs/search"), MLF_LANE_LOOP);
    assert_int_equal(lane(a, p, "POST", "/api/2.0/mlflow/registered-models/get-latest-versions"), MLF_LANE_STORE);
    assert_int_equal(lane(a, p, "GET", "/api/2.0/mlflow/runs/get"), MLF_LANE_LOOP);
    assert_int_equal(lane(a, p, "GET", "/api/2.0/mlflow/logged-models/m-1"), MLF_LANE_LOOP);
    /* the routes that are no rpc's */
    assert_int_equal(lane(a, p, "GET", "/health"), MLF_LANE_LOOP);
    assert_int_equal(lane(a, p, "GET", "/version"), MLF_LANE_LOOP);
    assert_int_equal(lane(a, p, "GET", "/graphql"), MLF_LANE_LOOP);
    assert_int_equal(lane(a, p, "POST", "/graphql"), MLF_LANE_STORE);
    assert_int_equal(lane(a, p, "POST", "/ajax-api/2.0/mlflow/experiments/search-datasets"), MLF_LANE_STORE);
    assert_int_equal(lane(a, p, "GET", "/ajax-api/2.0/mlflow/metrics/get-history-bulk"), MLF_LANE_LOOP);
    assert_int_equal(lane(a, p, "GET", "/get-artifact"), MLF_LANE_TRANSFER);
    assert_int_equal(lane(a, p, "HEAD", "/model-versions/get-artifact"), MLF_LANE_TRANSFER);
    assert_int_equal(lane(a, p, "GET", "/ajax-api/2.0/mlflow/logged-models/m-1/artifacts/files"), MLF_LANE_TRANSFER);
    assert_int_equal(lane(a, p, "POST", "/ajax-api/2.0/mlflow/upload-artifact"), MLF_LANE_TRANSFER);
    /* artifact rpcs */
    assert_int_equal(lane(a, p, "GET", "/api/2.0/mlflow/artifacts/list"), MLF_LANE_TRANSFER);
    f->svc->serve_artifacts = 1;
    assert_int_equal(lane(a, p, "PUT", "/api/2.0/mlflow-artifacts/artifacts/a/b.txt"), MLF_LANE_TRANSFER);
    assert_int_equal(lane(a, p, "GET", "/ajax-api/2.0/mlflow-artifacts/artifacts/a/b.txt"), MLF_LANE_TRANSFER);
    f->svc->serve_artifacts = 0;
    /* answers that touch nothing stay on the loop: 503, 404, 405, unimplemented rpcs */
    assert_int_equal(lane(a, p, "PUT", "/api/2.0/mlflow-artifacts/artifacts/a/b.txt"), MLF_LANE_LOOP);
    assert_int_equal(lane(a, p, "POST", "/no/such/path"), MLF_LANE_LOOP);
    assert_int_equal(lane(a, p, "POST", "/health"), MLF_LANE_LOOP);
    assert_int_equal(lane(a, p, "DELETE", "/api/2.0/mlflow/runs/log-batch"), MLF_LANE_LOOP);
    assert_int_equal(lane(a, p, "POST", "/api/3.0/mlflow/workspaces"), MLF_LANE_LOOP);
    /* leading slashes count as one; repeated ones inside are Werkzeug's 308 to the merged path (touches nothing) */
    assert_int_equal(lane(a, p, "POST", "//api/2.0/mlflow/runs/log-batch"), MLF_LANE_STORE);
    assert_int_equal(lane(a, p, "POST", "/api/2.0/mlflow//runs/log-batch"), MLF_LANE_LOOP);
}

/* One request and what its answer must be: the status and, unless NULL, a part of the body. */
typedef struct expect {
    const char *method, *target, *ctype, *body;
    int status;
    const char *contains;
} expect;

static void check(fixture *f, const expect *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        mlf_http_response r = call(f, e[i].method, e[i].target, e[i].ctype, e[i].body);
        if (r.status != e[i].status || (e[i].contains != NULL && strstr(r.body, e[i].contains) == NULL))
            fail_msg("%s %s: %d %.*s", e[i].method, e[i].target, r.status, (int)r.body_len, r.body);
    }
}

#define JSON "application/json"

/* The routes of routes.def: their methods, 405s, and the rpcs' neighbours. */
static void test_routes(void **state)
{
    fixture *f = *state;
    static const char werkzeug_405[] = "<title>405 Method Not Allowed</title>";
    static const expect e[] = {
        {"GET", "/health", NULL, NULL, 200, "OK"},
        {"GET", "//health", NULL, NULL, 200, "OK"},
        {"POST", "/health", NULL, NULL, 405, werkzeug_405},
        {"PUT", "/version", NULL, NULL, 405, werkzeug_405},
        {"HEAD", "/version", NULL, NULL, 200, NULL},
        {"GET", "/version", NULL, NULL, 200, "3.18.0"},
        {"GET", "/api/3.0/mlflow/server-info", NULL, NULL, 200, "\"store_type\":\"SqlStore\""},
        {"GET", "/ajax-api/3.0/mlflow/server-info", NULL, NULL, 200, "\"artifact_serving_enabled\":false"},
        {"GET", "/api/3.0/mlflow/server-info", NULL, NULL, 200, "\"skill_content_max_size\":26214400,"},
        /* the web UI: without a build, `/` says how to get one (tests/server/test_ui.py serves one) */
        {"GET", "/", NULL, NULL, 200, "pip install mlflow"},
        {"HEAD", "/", NULL, NULL, 200, NULL},
        {"POST", "/", NULL, NULL, 405, werkzeug_405},
        {"GET", "/static-files/index.html", NULL, NULL, 404, "<title>404 Not Found</title>"},
        {"GET", "/build/index.html", NULL, NULL, 404, "<title>404 Not Found</title>"},
        {"GET", "/foo", NULL, NULL, 404, "<title>404 Not Found</title>"},
        {"POST", "/api/3.0/mlflow/server-info", NULL, NULL, 405, werkzeug_405},
        /* parse(None): an exception _graphql lets escape, Werkzeug's page */
        {"POST", "/graphql", JSON, "{}", 500, "<title>500 Internal Server Error</title>"},
        {"PUT", "/graphql", NULL, NULL, 405, werkzeug_405},
        {"POST", "/ajax-api/2.0/mlflow/experiments/search-datasets", JSON, "{\"experiment_ids\": [\"0\"]}", 200, NULL},
        {"GET", "/ajax-api/2.0/mlflow/experiments/search-datasets", NULL, NULL, 405, werkzeug_405},
        {"POST", "/api/2.0/mlflow/experiments/search-datasets", JSON, "{}", 404, NULL}, /* under /ajax-api only */
        /* OPTIONS: Flask's 200 on every path it has, MLflow's 204 under /api and /ajax-api; HEAD runs GET */
        {"OPTIONS", "/ajax-api/2.0/mlflow/metrics/get-history-bulk", NULL, NULL, 204, ""},
        {"OPTIONS", "/api/2.0/mlflow/experiments/create", NULL, NULL, 204, ""},
        {"OPTIONS", "/get-artifact", NULL, NULL, 200, ""},
        {"OPTIONS", "/api/2.0/mlflow/no-such-rpc", NULL, NULL, 404, "<title>404 Not Found"},
        {"OPTIONS", "/api/3.0/mlflow/workspaces", NULL, NULL, 404, "<title>404 Not Found"}, /* not ported yet */
        {"GET", "/api/3.0/mlflow/workspaces", NULL, NULL, 404, "<title>404 Not Found"},
        {"HEAD", "/api/2.0/mlflow/experiments/get", NULL, NULL, 400, "experiment_id"},
        /* Werkzeug's redirect for repeated slashes, to the request's host */
        {"GET", "/api/2.0/mlflow//experiments/get?experiment_id=0&a=%3C", NULL, NULL, 308,
         "<a href=\"http://localhost/api/2.0/mlflow/experiments/get?experiment_id=0&amp;a=%3C\">"},
        /* the proxy's GET and PUT are FastAPI's: any rest of the path, checked */
        {"GET", "/api/2.0/mlflow-artifacts/artifacts//etc/passwd", NULL, NULL, 503, NULL},
        {"POST", "/ajax-api/2.0/mlflow/metrics/get-history-bulk", NULL, NULL, 405, werkzeug_405},
        {"GET", "/ajax-api/2.0/mlflow/metrics/get-history-bulk?metric_key=m", NULL, NULL, 400, "at least one run_id"},
        {"GET", "/get-artifact", NULL, NULL, 400, "<title>400 Bad Request</title>"}, /* no path */
        {"DELETE", "/get-artifact", NULL, NULL, 405, werkzeug_405},
        {"POST", "/model-versions/get-artifact", NULL, NULL, 405, werkzeug_405},
        {"GET", "/ajax-api/2.0/mlflow/logged-models/m-1/artifacts/files", NULL, NULL, 400, "artifact_file_path"},
        {"PUT", "/ajax-api/2.0/mlflow/logged-models/m-1/artifacts/files", NULL, NULL, 405, werkzeug_405},
        {"GET", "/ajax-api/2.0/mlflow/logged-models/a/b/artifacts/files", NULL, NULL, 404, "<title>404 Not Found"},
        {"GET", "/ajax-api/2.0/mlflow/upload-artifact", NULL, NULL, 405, werkzeug_405},
        {"POST", "/ajax-api/2.0/mlflow/upload-artifact?path=a", NULL, "data", 400, "Request must specify run_id or run_uuid."},
        /* the artifact proxy without --serve-artifacts */
        {"DELETE", "/api/2.0/mlflow-artifacts/artifacts/a/b.txt", NULL, NULL, 503,
         "Endpoint: /api/2.0/mlflow-artifacts/artifacts/<path:artifact_path> disabled due to the mlflow server "
         "running with `--no-serve-artifacts`"},
        {"GET", "/api/2.0/mlflow-artifacts/artifacts/a/b.txt", NULL, NULL, 503,
         "{\"detail\":\"Artifact serving is disabled. Run `mlflow server` with `--serve-artifacts` to enable.\"}"},
        /* an artifact rpc's gate: a NUL in the query */
        {"GET", "/api/2.0/mlflow/artifacts/list?run_id=x&path=%00", NULL, NULL, 400, "Invalid path"},
    };
    check(f, e, sizeof(e) / sizeof(e[0]));
}

/* --static-prefix: before /ajax-api and most Flask routes, never before /api, /health, /version. */
static void test_static_prefix(void **state)
{
    fixture *f = *state;
    mlf_http_app plain = f->app;
    f->app.static_prefix = "/mlflow";
    f->app.router = mlf_router_create("/mlflow");
    static const expect e[] = {
        {"GET", "/mlflow/ajax-api/2.0/mlflow/experiments/get?experiment_id=0", NULL, NULL, 200, NULL},
        {"GET", "/ajax-api/2.0/mlflow/experiments/get?experiment_id=0", NULL, NULL, 404, NULL},
        /* the UI's index is "<prefix>/"; "<prefix>" is Werkzeug's strict-slashes 308 to it */
        {"GET", "/mlflow/", NULL, NULL, 200, "pip install mlflow"},
        {"GET", "/mlflow", NULL, NULL, 308, "http://localhost/mlflow/"},
        {"GET", "/", NULL, NULL, 404, "<title>404 Not Found"},
        {"GET", "/mlflow/static-files/index.html", NULL, NULL, 404, "<title>404 Not Found"},
        {"GET", "/api/2.0/mlflow/experiments/get?experiment_id=0", NULL, NULL, 200, NULL},
        {"GET", "/mlflow/api/2.0/mlflow/experiments/get?experiment_id=0", NULL, NULL, 404, NULL},
        {"GET", "/health", NULL, NULL, 200, NULL},
        {"GET", "/mlflow/health", NULL, NULL, 404, NULL},
        {"POST", "/mlflow/graphql", JSON, "{}", 500, NULL},
        {"POST", "/graphql", JSON, "{}", 404, NULL},
        {"GET", "/mlflow/get-artifact", NULL, NULL, 400, NULL},
        {"GET", "/get-artifact", NULL, NULL, 404, NULL},
        {"GET", "/mlflow//get-artifact", NULL, NULL, 308, "http://localhost/mlflow/get-artifact"},
        {"POST", "/mlflow/ajax-api/2.0/mlflow/experiments/search-datasets", JSON, "{}", 400, "experiment_id"},
        {"GET", "/mlflow/ajax-api/2.0/mlflow/logged-models/m-1/artifacts/files", NULL, NULL, 400, NULL},
    };
    check(f, e, sizeof(e) / sizeof(e[0]));
    /* the 503's rule names the prefix */
    f->app.artifacts_only = true;
    static const expect e503[] = {
        {"GET", "/mlflow/ajax-api/2.0/mlflow/logged-models/m-1/artifacts/files", NULL, NULL, 503,
         "Endpoint: /mlflow/ajax-api/2.0/mlflow/logged-models/<model_id>/artifacts/files disabled due to the mlflow "
         "server running in `--artifacts-only` mode"},
    };
    check(f, e503, 1);
    mlf_router_destroy(f->app.router);
    f->app = plain;
}

/* --artifacts-only: the tracking routes answer 503, the others are served. */
static void test_artifacts_only(void **state)
{
    fixture *f = *state;
    f->app.artifacts_only = true;
    static const expect e[] = {
        {"POST", "/api/2.0/mlflow/experiments/create", JSON, "{}", 503,
         "Endpoint: /api/2.0/mlflow/experiments/create disabled"},
        {"GET", "/ajax-api/2.0/mlflow/metrics/get-history-bulk", NULL, NULL, 503, NULL},
        {"OPTIONS", "/ajax-api/2.0/mlflow/metrics/get-history-bulk", NULL, NULL, 204, NULL},
        {"GET", "/model-versions/get-artifact", NULL, NULL, 503, NULL},
        {"POST", "/ajax-api/2.0/mlflow/experiments/search-datasets", JSON, "{}", 503, NULL},
        {"GET", "/api/2.0/mlflow/artifacts/list", NULL, NULL, 503, NULL},
        {"GET", "/get-artifact", NULL, NULL, 400, NULL},
        {"POST", "/graphql", JSON, "{}", 500, NULL},
        {"GET", "/health", NULL, NULL, 200, NULL},
        {"GET", "/api/3.0/mlflow/workspaces", NULL, NULL, 404, NULL}, /* not implemented comes first */
    };
    check(f, e, sizeof(e) / sizeof(e[0]));
    f->app.artifacts_only = false;
}

/* Only a route flagged unlimited-body (artifact uploads) takes a body over max_body_size. */
static void test_body_limit(void **state)
{
    fixture *f = *state;
    f->app.max_body_size = 8;
    mlf_http_response r = call(f, "POST", "/api/2.0/mlflow/experiments/create", "application/json",
                               "{\"name\":\"too-long\"}");
    assert_int_equal(r.status, 413);
    assert_true(r.close_connection);
    r = call(f, "POST", "/no/such/route", "application/json", "0123456789");
    assert_int_equal(r.status, 413);
    r = call(f, "POST", "/api/2.0/mlflow/experiments/create", "application/json", "{}");
    assert_int_not_equal(r.status, 413);
    assert_false(r.close_connection);
    /* the upload route is past the limit (here it answers 503: the fixture does not serve artifacts) */
    r = call(f, "PUT", "/api/2.0/mlflow-artifacts/artifacts/a/b.txt", "application/octet-stream", "0123456789");
    assert_int_not_equal(r.status, 413);
    f->app.max_body_size = 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_then_get),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_lanes),
        cmocka_unit_test(test_routes),
        cmocka_unit_test(test_static_prefix),
        cmocka_unit_test(test_artifacts_only),
        cmocka_unit_test(test_body_limit),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
