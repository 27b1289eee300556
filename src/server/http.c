#include "server/http.h"

#include <string.h>

#include "core/text.h"
#include "core/version.h"
#include "generated/rpc_ids.h"
#include "json/pbjson.h"

void mlf_http_respond(mlf_http_response *ret, int status, const char *content_type, const char *body, size_t len)
{
    ret->status = status;
    ret->content_type = content_type;
    ret->body = body;
    ret->body_len = len;
}

void mlf_http_respond_error(mlf_pool *pool, mlf_http_response *ret, const mlf_error *err)
{
    int code = err->code ? err->code : MLF_ERR_INTERNAL_ERROR;
    mlf_buf b;
    mlf_buf_init(&b, pool, 128);
    mlf_buf_puts(&b, "{\"error_code\": ");
    const char *name = mlf_error_name(code);
    mlf_json_write_string_ascii(&b, name, strlen(name));
    mlf_buf_puts(&b, ", \"message\": ");
    const char *msg = err->message ? err->message : "";
    mlf_json_write_string_ascii(&b, msg, strlen(msg));
    mlf_buf_putc(&b, '}');
    mlf_http_respond(ret, mlf_error_http_status(code), "application/json", b.data, b.len);
}

void mlf_http_respond_405(mlf_http_response *ret)
{
    static const char body[] = "<!doctype html>\n<html lang=en>\n<title>405 Method Not Allowed</title>\n"
                               "<h1>Method Not Allowed</h1>\n<p>The method is not allowed for the requested URL.</p>\n";
    mlf_http_respond(ret, 405, "text/html; charset=utf-8", body, sizeof(body) - 1);
}


static mlf_json *mlf__json_new(mlf_pool *pool, mlf_json_type type)
{
    mlf_json *v = MLF_NEW(pool, mlf_json);
    v->type = type;
    return v;
}

/* Sets a path parameter into its field; `a.b` walks into message field a. */
static int mlf__set_path_param(mlf_pool *pool, ProtobufCMessage *msg, const char *name, const char *value,
                               mlf_error *err)
{
    const char *dot = strchr(name, '.');
    if (dot == NULL) {
        if (protobuf_c_message_descriptor_get_field_by_name(msg->descriptor, name) == NULL)
            return 0; /* not a field: the service reads it from the route */
        return mlf_pbjson_set_string_field(pool, msg, name, value, err);
    }
    char *head = mlf_pool_strndup(pool, name, (size_t)(dot - name));
    const ProtobufCFieldDescriptor *fd = protobuf_c_message_descriptor_get_field_by_name(msg->descriptor, head);
    if (fd == NULL || fd->type != PROTOBUF_C_TYPE_MESSAGE || fd->label == PROTOBUF_C_LABEL_REPEATED)
        return 0;
    ProtobufCMessage **sub = (ProtobufCMessage **)((char *)msg + fd->offset);
    if (*sub == NULL)
        *sub = mlf_pbjson_new_message(pool, fd->descriptor);
    return mlf__set_path_param(pool, *sub, dot + 1, value, err);
}

int mlf_http_check_json_content_type(mlf_pool *pool, const mlf_http_request *req, mlf_error *err)
{
    bool checks = (req->method_len == 4 && memcmp(req->method, "POST", 4) == 0) ||
                  (req->method_len == 3 && memcmp(req->method, "PUT", 3) == 0);
    if (!checks)
        return 0;
    if (req->content_type == NULL)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Bad Request. Content-Type header is missing.");
    size_t len = req->content_type_len;
    const char *semi = memchr(req->content_type, ';', len);
    if (semi != NULL)
        len = (size_t)(semi - req->content_type);
    if (len != 16 || memcmp(req->content_type, "application/json", 16) != 0)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Bad Request. Content-Type must be one of ['application/json'].");
    return 0;
}

mlf_json *mlf_http_body_json(mlf_pool *pool, const mlf_http_request *req)
{
    /* get_json(force=True, silent=True): a body that is not JSON counts as {} */
    mlf_json *raw = NULL;
    if (req->body != NULL && req->body_len > 0 && mlf_json_parse(pool, req->body, req->body_len, &raw, NULL) == 0 &&
        raw->type == MLF_JSON_STRING) {
        /* older clients double-encode their JSON */
        mlf_json *inner = NULL;
        raw = mlf_json_parse(pool, raw->text, raw->len, &inner, NULL) == 0 ? inner : NULL;
    }
    if (raw == NULL || raw->type != MLF_JSON_OBJECT)
        raw = mlf__json_new(pool, MLF_JSON_OBJECT);
    return raw;
}

bool mlf_http_is_ajax_route(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req, const char *route)
{
    /* most requests are told apart by their last segment without decoding the path */
    const char *tail = strrchr(route, '/');
    size_t tail_len = strlen(tail);
    bool escaped = memchr(req->path, '%', req->path_len) != NULL;
    if (!escaped && (req->path_len < tail_len || memcmp(req->path + req->path_len - tail_len, tail, tail_len) != 0))
        return false;
    size_t len;
    const char *path = mlf_text_percent_decode(pool, req->path, req->path_len, 0, &len);
    const char *prefix = app->static_prefix != NULL ? app->static_prefix : "";
    size_t plen = strlen(prefix), rlen = strlen(route);
    return len == plen + rlen && memcmp(path, prefix, plen) == 0 && memcmp(path + plen, route, rlen) == 0;
}

static void mlf__handle_rpc(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req,
                            const mlf_route_match *m, mlf_http_response *ret)
{
    const mlf_rpc *rpc = &mlf_rpcs[m->route->rpc];
    mlf_error err = {0};
    if (rpc->call == NULL) {
        /* MLflow's _not_implemented: 404, empty body */
        mlf_http_respond(ret, 404, NULL, "", 0);
        return;
    }
    /* artifact rpcs: their own 503s, path checks, raw bodies and file answers (route_artifacts.c) */
    mlf_ctx_http io = {.body_fd = -1, .file_fd = -1};
    bool artifact_rpc =
        strcmp(rpc->service, "MlflowArtifactsService") == 0 || m->route->rpc == MLF_RPC_TRACKING_LIST_ARTIFACTS;
    if (artifact_rpc) {
        if (mlf_http_artifact_rpc_gate(app, pool, req, m, &io, ret))
            return;
    } else if (app->artifacts_only) {
        mlf_http_respond_disabled(pool, ret, mlf_http_flask_rule(app, pool, m->route), true);
        return;
    }

    bool is_get = req->method_len == 3 && memcmp(req->method, "GET", 3) == 0;
    ProtobufCMessage *msg = NULL;
    mlf_pbjson_result pr = {0};
    if (m->route->rpc == MLF_RPC_ARTIFACTS_UPLOAD_ARTIFACT) {
        msg = mlf_pbjson_new_message(pool, rpc->request); /* the body is the file, not JSON */
    } else if (is_get && req->query != NULL && req->query_len > 0) {
        if (mlf_pbjson_from_query(pool, rpc->request, req->query, req->query_len, &msg, &pr, &err) != 0)
            goto fail;
    } else {
        if (mlf_http_check_json_content_type(pool, req, &err) != 0)
            goto fail;
        mlf_json *raw = mlf_http_body_json(pool, req);
        if (mlf_pbjson_from_json(pool, rpc->request, raw, &msg, &pr, &err) != 0)
            goto fail;
    }

    for (size_t i = 0; i < m->n_params; i++)
        if (mlf__set_path_param(pool, msg, m->param_names[i], m->param_values[i], &err) != 0)
            goto fail;

    mlf_ctx ctx = {.svc = app->svc, .pool = pool, .http = artifact_rpc ? &io : NULL};
    mlf_rpc_request rr = {.msg = msg, .raw = pr.json, .parse_failed = pr.n_type_errors > 0};
    ProtobufCMessage *resp = NULL;
    if (mlf_rpc_invoke(&ctx, rpc, &rr, &resp, &err) != 0)
        goto fail;
    if (io.file_fd >= 0) {
        mlf_http_artifact_rpc_file(pool, &io, ret);
        return;
    }
    mlf_buf b;
    mlf_buf_init(&b, pool, 256);
    mlf_pbjson_write(&b, resp);
    mlf_http_respond(ret, 200, "application/json", b.data, b.len);
    return;
fail:
    mlf_http_respond_error(pool, ret, &err);
}

bool mlf_http_may_write(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req)
{
    if (req->method_len == 3 && memcmp(req->method, "GET", 3) == 0)
        return false;
    size_t path_len = 0;
    const char *path = mlf_text_percent_decode(pool, req->path, req->path_len, 0, &path_len);
    mlf_route_match m;
    if (mlf_router_match(app->router, pool, req->method, req->method_len, path, path_len, &m) != MLF_ROUTE_FOUND)
        return false; /* the routes that write to the store are all rpcs */
    const mlf_rpc *rpc = &mlf_rpcs[m.route->rpc];
    if (strcmp(rpc->service, "MlflowService") != 0 && strcmp(rpc->service, "ModelRegistryService") != 0)
        return false; /* e.g. artifact uploads: files, not the store, and long ones must not hold up writes */
    const char *name = rpc->name;
    return strncmp(name, "search", 6) != 0 && strncmp(name, "get", 3) != 0 && strncmp(name, "list", 4) != 0;
}

static void mlf__handle(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req, mlf_http_response *ret);

void mlf_http_handle(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req, mlf_http_response *ret)
{
    bool repeated = false;
    for (size_t i = 1; i < req->path_len && !repeated; i++)
        repeated = req->path[i] == '/' && req->path[i - 1] == '/';
    if (repeated) {
        /* Werkzeug merges repeated slashes in a rule's fixed parts (redirecting to the merged path), never
           inside a <path:...> variable: answer as for the merged path, and keep an artifact path as sent
           (so that artifacts//etc/x stays absolute, and refused) */
        static const char *const vars[] = {"/mlflow-artifacts/artifacts/", "/mlflow-artifacts/mpu/create/",
                                           "/mlflow-artifacts/mpu/complete/", "/mlflow-artifacts/mpu/abort/"};
        char *merged = mlf_pool_alloc(pool, req->path_len + 1);
        size_t n = 0, i = 0;
        bool in_var = false;
        for (; i < req->path_len && !in_var; i++) {
            if (!(req->path[i] == '/' && n > 0 && merged[n - 1] == '/'))
                merged[n++] = req->path[i];
            for (size_t k = 0; k < sizeof(vars) / sizeof(vars[0]) && !in_var; k++) {
                size_t len = strlen(vars[k]);
                in_var = n >= len && memcmp(merged + n - len, vars[k], len) == 0;
            }
        }
        memcpy(merged + n, req->path + i, req->path_len - i);
        n += req->path_len - i;
        mlf_http_request copy = *req;
        copy.path = merged;
        copy.path_len = n;
        mlf__handle(app, pool, &copy, ret);
        return;
    }
    mlf__handle(app, pool, req, ret);
}

static void mlf__handle(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req, mlf_http_response *ret)
{
    size_t path_len = 0;
    const char *path = mlf_text_percent_decode(pool, req->path, req->path_len, 0, &path_len);
    bool is_get = req->method_len == 3 && memcmp(req->method, "GET", 3) == 0;

    if (strcmp(path, "/health") == 0) {
        if (is_get)
            mlf_http_respond(ret, 200, "text/plain; charset=utf-8", "OK", 2);
        else
            mlf_http_respond(ret, 405, "text/plain; charset=utf-8", "Method Not Allowed", 18);
        return;
    }
    if (strcmp(path, "/version") == 0) {
        if (is_get)
            mlf_http_respond(ret, 200, "text/plain; charset=utf-8", MLF_MLFLOW_VERSION, strlen(MLF_MLFLOW_VERSION));
        else
            mlf_http_respond(ret, 405, "text/plain; charset=utf-8", "Method Not Allowed", 18);
        return;
    }

    /* a Flask route of its own: SearchDatasets' rpc path is unreachable */
    if (mlf_http_search_datasets(app, pool, req, ret) == 0)
        return;
    /* a Flask route of its own, not an rpc: metrics/get-history-bulk */
    if (mlf_http_metrics_bulk(app, pool, req, ret) == 0)
        return;
    if (mlf_http_graphql(app, pool, req, ret) == 0)
        return;
    /* Flask routes of their own: get-artifact, upload-artifact, ... */
    if (mlf_http_artifact_routes(app, pool, req, ret) == 0)
        return;

    mlf_route_match m;
    switch (mlf_router_match(app->router, pool, req->method, req->method_len, path, path_len, &m)) {
    case MLF_ROUTE_FOUND:
        mlf__handle_rpc(app, pool, req, &m, ret);
        return;
    case MLF_ROUTE_BAD_METHOD: {
        mlf_http_respond_405(ret);
        return;
    }
    case MLF_ROUTE_NOT_FOUND:
    default: {
        static const char body[] =
            "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"
            "<p>The requested URL was not found on the server. If you entered the URL manually please check your "
            "spelling and try again.</p>\n";
        mlf_http_respond(ret, 404, "text/html; charset=utf-8", body, sizeof(body) - 1);
        return;
    }
    }
}
