#include "server/http.h"

#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "core/version.h"
#include "json/pbjson.h"
#include "server/server.h"

void mlf_http_respond(mlf_http_response *ret, int status, const char *content_type, const char *body, size_t len)
{
    ret->status = status;
    ret->content_type = content_type;
    ret->body = body;
    ret->body_len = len;
}

void mlf_http_respond_error(mlf_pool *pool, mlf_http_response *ret, const mlf_error *err)
{
    if (err->uncaught) {
        mlf_http_respond_page(ret, 500);
        ret->log_message = err->message != NULL ? err->message : "";
        return;
    }
    int code = err->code ? err->code : MLF_ERR_INTERNAL_ERROR;
    mlf_buf b;
    mlf_buf_init(&b, pool, 128);
    mlf_buf_puts(&b, "{\"error_code\": ");
    const char *name = mlf_error_name(code);
    mlf_json_write_string_ascii(&b, name, strlen(name));
    mlf_buf_puts(&b, ", \"message\": ");
    const char *msg = err->message ? err->message : "";
    mlf_json_write_string_ascii(&b, msg, strlen(msg));
    const char *sqlstate, *error_class;
    mlf_error_classify(err, &sqlstate, &error_class);
    if (sqlstate != NULL) {
        mlf_buf_puts(&b, ", \"sqlstate\": ");
        mlf_json_write_string_ascii(&b, sqlstate, strlen(sqlstate));
    }
    if (error_class != NULL) {
        mlf_buf_puts(&b, ", \"error_class\": ");
        mlf_json_write_string_ascii(&b, error_class, strlen(error_class));
    }
    mlf_buf_putc(&b, '}');
    mlf_http_respond(ret, mlf_error_http_status(code), "application/json", b.data, b.len);
    ret->log_message = ret->status >= 500 ? msg : NULL; /* the server logs every 5xx with this */
}

void mlf_http_respond_page(mlf_http_response *ret, int status)
{
    static const char p400[] =
        "<!doctype html>\n<html lang=en>\n<title>400 Bad Request</title>\n<h1>Bad Request</h1>\n"
        "<p>The browser (or proxy) sent a request that this server could not understand.</p>\n";
    static const char p404[] =
        "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"
        "<p>The requested URL was not found on the server. If you entered the URL manually please check your "
        "spelling and try again.</p>\n";
    static const char p405[] = "<!doctype html>\n<html lang=en>\n<title>405 Method Not Allowed</title>\n"
                               "<h1>Method Not Allowed</h1>\n<p>The method is not allowed for the requested URL.</p>\n";
    static const char p500[] =
        "<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>\n"
        "<p>The server encountered an internal error and was unable to complete your request. Either the server is "
        "overloaded or there is an error in the application.</p>\n";
    const char *page = status == 400 ? p400 : status == 404 ? p404 : status == 405 ? p405 : p500;
    mlf_http_respond(ret, status == 400 || status == 404 || status == 405 ? status : 500, "text/html; charset=utf-8",
                     page, strlen(page));
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
    /* get_json(force=True, silent=True), which is json.loads(bytes) (UTF-16 and -32 detected, lone surrogates
       kept): a body that is not JSON counts as {} */
    mlf_json *raw = NULL;
    if (req->body != NULL && req->body_len > 0 &&
        mlf_json_parse_ex(pool, req->body, req->body_len, MLF_JSON_LOADS, &raw, NULL) == 0 &&
        raw->type == MLF_JSON_STRING) {
        /* older clients double-encode their JSON */
        mlf_json *inner = NULL;
        raw = mlf_json_parse_ex(pool, raw->text, raw->len, MLF_JSON_LOADS, &inner, NULL) == 0 ? inner : NULL;
    }
    if (raw == NULL || raw->type != MLF_JSON_OBJECT)
        raw = mlf__json_new(pool, MLF_JSON_OBJECT);
    return raw;
}

static bool mlf__method_is(const mlf_http_request *req, const char *method)
{
    size_t n = strlen(method);
    return req->method_len == n && memcmp(req->method, method, n) == 0;
}

/*
 * True when MLflow's handler raises on the body (Flask's 500 page): a JSON
 * string that is not JSON inside (the double-decoding); a number or a bool
 * (ParseDict fails, then the schema's `key in request_json` raises); a list
 * or a string when the rpc has a required field (the schema's
 * request_json.get raises). Without one, a list or a string counts as {}.
 */
static bool mlf__body_raises(mlf_pool *pool, const mlf_http_request *req, const mlf_rpc *rpc)
{
    mlf_json *raw = NULL;
    if (req->body == NULL || req->body_len == 0 ||
        mlf_json_parse_ex(pool, req->body, req->body_len, MLF_JSON_LOADS, &raw, NULL) != 0)
        return false; /* get_json(silent=True): not JSON is no body */
    if (raw->type == MLF_JSON_STRING) {
        mlf_json *inner = NULL;
        if (mlf_json_parse_ex(pool, raw->text, raw->len, MLF_JSON_LOADS, &inner, NULL) != 0)
            return true;
        raw = inner;
    }
    if (raw->type == MLF_JSON_OBJECT || raw->type == MLF_JSON_NULL)
        return false;
    if (raw->type != MLF_JSON_ARRAY && raw->type != MLF_JSON_STRING)
        return rpc->n_rules > 0;
    for (size_t i = 0; i < rpc->n_rules; i++)
        if (rpc->rules[i].kind == MLF_RULE_REQUIRED)
            return true;
    return false;
}

void mlf_http_rpc(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req, const mlf_route_match *m,
                  mlf_http_response *ret)
{
    const mlf_rpc *rpc = &mlf_rpcs[m->route->rpc];
    mlf_error err = {0};
    /* artifact rpcs: their path checks, raw bodies and file answers (route_artifacts.c) */
    mlf_ctx_http io = {.body_fd = -1, .file_fd = -1};
    bool transfer = m->route->cls == MLF_ROUTE_TRANSFER;
    if (transfer && mlf_http_artifact_rpc_gate(pool, req, m, &io, ret))
        return;
    /* the proxy's download and upload, which MLflow serves from FastAPI (HEAD goes to its Flask route) */
    io.fastapi = transfer && strcmp(rpc->service, "MlflowArtifactsService") == 0 &&
                 (strcmp(rpc->name, "downloadArtifact") == 0 || strcmp(rpc->name, "uploadArtifact") == 0) &&
                 (mlf__method_is(req, "GET") || mlf__method_is(req, "PUT"));

    ProtobufCMessage *msg = NULL;
    mlf_pbjson_result pr = {0};
    if (m->route->flags & MLF_ROUTE_RAW_BODY) {
        msg = mlf_pbjson_new_message(pool, rpc->request); /* the body is the file, not JSON */
    } else if (mlf__method_is(req, "GET") && req->query != NULL && req->query_len > 0) {
        if (mlf_pbjson_from_query(pool, rpc->request, req->query, req->query_len, &msg, &pr, &err) != 0)
            goto fail;
    } else {
        if (mlf_http_check_json_content_type(pool, req, &err) != 0)
            goto fail;
        if (mlf__body_raises(pool, req, rpc)) {
            mlf_http_respond_page(ret, 500);
            ret->log_message = "the request body is JSON but no object";
            return;
        }
        mlf_json *raw = mlf_http_body_json(pool, req);
        if (mlf_pbjson_check_aliases(pool, rpc->request, raw, &err) != 0 ||
            mlf_pbjson_from_json(pool, rpc->request, raw, &msg, &pr, &err) != 0)
            goto fail;
    }

    for (size_t i = 0; i < m->n_params; i++)
        if (mlf__set_path_param(pool, msg, m->param_names[i], m->param_values[i], &err) != 0)
            goto fail;

    mlf_ctx ctx = {.svc = app->svc, .pool = pool, .http = transfer ? &io : NULL, .query = req->query,
                   .query_len = req->query_len, .n_path_params = m->n_params, .path_param_names = m->param_names,
                   .path_param_values = m->param_values, .raw = pr.json};
    mlf_buf out;
    if (m->route->flags & MLF_ROUTE_COMPACT) {
        mlf_buf_init(&out, pool, 64);
        ctx.json_out = &out;
    }
    mlf_rpc_request rr = {.msg = msg, .raw = pr.json, .parse_failed = pr.n_type_errors > 0};
    ProtobufCMessage *resp = NULL;
    if (mlf_rpc_invoke(&ctx, rpc, &rr, &resp, &err) != 0)
        goto fail;
    if (io.file_fd >= 0) {
        mlf_http_artifact_rpc_file(pool, &io, ret);
        return;
    }
    if (io.no_body) {
        mlf_http_respond(ret, 200, NULL, "", 0);
        return;
    }
    if (ctx.json_out != NULL && out.len > 0) { /* written by the service (getTrace) */
        mlf_http_respond(ret, 200, "application/json", out.data, out.len);
        return;
    }
    mlf_buf b;
    mlf_buf_init(&b, pool, 256);
    mlf_pbjson_write_indent(&b, resp, (m->route->flags & MLF_ROUTE_COMPACT) ? 0 : 2);
    mlf_http_respond(ret, 200, "application/json", b.data, b.len);
    return;
fail:
    if (io.detail) { /* FastAPI's HTTPException */
        mlf_http_respond_detail(pool, ret, mlf_error_http_status(err.code), err.message != NULL ? err.message : "");
        return;
    }
    mlf_http_respond_error(pool, ret, &err);
}

void mlf_http_respond_detail(mlf_pool *pool, mlf_http_response *ret, int status, const char *message)
{
    mlf_buf b;
    mlf_buf_init(&b, pool, 64);
    mlf_buf_puts(&b, "{\"detail\":");
    mlf_json_write_string(&b, message, strlen(message));
    mlf_buf_putc(&b, '}');
    mlf_http_respond(ret, status, "application/json", b.data, b.len);
}

void mlf_http_health(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req, const mlf_route_match *m,
                     mlf_http_response *ret)
{
    (void)app, (void)pool, (void)m;
    /* MLflow 3.18 answers GET from FastAPI (text/plain), HEAD from its Flask route (text/html) */
    if (mlf__method_is(req, "HEAD"))
        mlf_http_respond(ret, 200, "text/html; charset=utf-8", "OK", 2);
    else
        mlf_http_respond(ret, 200, "text/plain; charset=utf-8", "OK", 2);
}

void mlf_http_version(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req, const mlf_route_match *m,
                      mlf_http_response *ret)
{
    (void)app, (void)pool, (void)req, (void)m;
    mlf_http_respond(ret, 200, "text/html; charset=utf-8", MLF_MLFLOW_VERSION, strlen(MLF_MLFLOW_VERSION));
}

void mlf_http_server_info(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req,
                          const mlf_route_match *m, mlf_http_response *ret)
{
    (void)req, (void)m;
    /*
     * MLflow's build_server_info_payload, key for key and in its order (FastAPI's
     * compact JSON). What mlflow-c does not serve is false: multipart and
     * presigned transfers, the AI gateway, scheduled issue detection, trace
     * archival, workspaces (tests/diff/deviations.md says why three differ).
     */
    const char *auth = app->tracking_auth;
    long long max_size = app->skill_content_max;
    mlf_buf b;
    mlf_buf_init(&b, pool, 640);
    mlf_buf_puts(&b, app->artifacts_only ? "{\"store_type\":null" : "{\"store_type\":\"SqlStore\"");
    mlf_buf_puts(&b, ",\"workspaces_enabled\":false,\"trace_archival_enabled\":false"
                     ",\"multipart_uploads_enabled\":false,\"multipart_downloads_enabled\":false");
    mlf_buf_puts(&b, app->svc->serve_artifacts ? ",\"artifact_serving_enabled\":true"
                                               : ",\"artifact_serving_enabled\":false");
    if (max_size > 0) /* MLflow leaves the limits out when the setting is not positive */
        mlf_buf_printf(&b, ",\"skill_content_max_size\":%lld,\"skill_content_max_files\":10000", max_size);
    mlf_buf_puts(&b, ",\"presigned_upload_run_id_supported\":false,\"presigned_upload_model_id_supported\":false"
                     ",\"model_artifact_presigned_downloads_supported\":false"
                     ",\"features_enabled\":{\"gateway\":false,\"scheduled_issue_detection\":false}"
                     ",\"tracking_auth\":");
    mlf_json_write_string(&b, auth ? auth : "", auth ? strlen(auth) : 0);
    mlf_buf_puts(&b, app->artifacts_presigned_only ? ",\"artifacts_presigned_only\":true}"
                                                                     : ",\"artifacts_presigned_only\":false}");
    mlf_http_respond(ret, 200, "application/json", b.data, b.len);
}

void mlf_http_gateway_proxy(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req,
                            const mlf_route_match *m, mlf_http_response *ret)
{
    (void)app, (void)req, (void)m;
    /*
     * MLflow's gateway_proxy_handler forwards to MLFLOW_DEPLOYMENTS_TARGET; without one it "pretends an
     * empty gateway service is running", whatever the method and arguments (Flask's jsonify: compact,
     * with a newline). mlflow-c forwards nowhere: with a target set it says so rather than pretend.
     */
    const char *target = getenv("MLFLOW_DEPLOYMENTS_TARGET");
    if (target != NULL && *target) {
        mlf_error err = {0};
        mlf_error_set(&err, pool, MLF_ERR_NOT_IMPLEMENTED,
                      "mlflow-c does not proxy to a deployments server (MLFLOW_DEPLOYMENTS_TARGET=%s)", target);
        mlf_http_respond_error(pool, ret, &err);
        return;
    }
    static const char body[] = "{\"endpoints\":[]}\n";
    mlf_http_respond(ret, 200, "application/json", body, sizeof body - 1);
}

/* The path with every run of slashes as one (Werkzeug's merge_slashes). */
static const char *mlf__merge_slashes(mlf_pool *pool, const char *path, size_t path_len, size_t *ret_len)
{
    char *merged = mlf_pool_alloc(pool, path_len + 1);
    size_t n = 0;
    for (size_t i = 0; i < path_len; i++)
        if (!(path[i] == '/' && n > 0 && merged[n - 1] == '/'))
            merged[n++] = path[i];
    merged[n] = '\0';
    *ret_len = n;
    return merged;
}

static bool mlf__has_repeated_slash(const char *path, size_t len)
{
    for (size_t i = 1; i < len; i++)
        if (path[i] == '/' && path[i - 1] == '/')
            return true;
    return false;
}

/*
 * MLflow 3.18 serves GET and PUT of the proxy's files from FastAPI, whose
 * {artifact_path:path} takes whatever follows the prefix: empty, or with
 * leading or repeated slashes (nothing merged, nothing redirected). Routes
 * such a request into hm and returns true; false when it is none of those.
 */
static bool mlf__route_fastapi_artifact(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req,
                                        const char *path, size_t len, mlf_http_match *hm)
{
    if (!mlf__method_is(req, "GET") && !mlf__method_is(req, "PUT"))
        return false;
    size_t sp = app->static_prefix != NULL ? strlen(app->static_prefix) : 0;
    static const char *const prefixes[] = {"/api/2.0/mlflow-artifacts/artifacts/",
                                           "/ajax-api/2.0/mlflow-artifacts/artifacts/"};
    for (size_t k = 0; k < sizeof(prefixes) / sizeof(prefixes[0]); k++) {
        size_t pl = strlen(prefixes[k]);
        size_t at = k == 0 ? 0 : sp; /* as the rpc table has them: /ajax-api under --static-prefix */
        if (len < at + pl || memcmp(path, app->static_prefix != NULL ? app->static_prefix : "", at) != 0 ||
            memcmp(path + at, prefixes[k], pl) != 0)
            continue;
        /* the route of a one-segment path, then the real rest as its parameter */
        char *probe = mlf_pool_alloc(pool, at + pl + 2);
        memcpy(probe, path, at + pl);
        memcpy(probe + at + pl, "_", 2);
        if (mlf_router_match(app->router, pool, req->method, req->method_len, probe, at + pl + 1, &hm->m) !=
                MLF_ROUTE_FOUND ||
            hm->m.n_params != 1)
            return false;
        hm->m.param_values[0] = mlf_pool_strndup(pool, path + at + pl, len - at - pl);
        hm->result = MLF_ROUTE_FOUND;
        hm->fastapi = true;
        return true;
    }
    return false;
}

/* True when the route answers 503 for how the server runs (--serve-artifacts, --artifacts-only). */
static bool mlf__disabled(const mlf_http_app *app, const mlf_route *rt, bool *ret_artifacts_only)
{
    *ret_artifacts_only = (rt->flags & MLF_ROUTE_TRACKING) && app->artifacts_only;
    return ((rt->flags & MLF_ROUTE_SERVE_ARTIFACTS) && !app->svc->serve_artifacts) || *ret_artifacts_only;
}

int mlf_http_route(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req,
                   const mlf_http_match **ret_match)
{
    mlf_http_match *hm = MLF_NEW(pool, mlf_http_match);
    memset(hm, 0, sizeof(*hm));
    *ret_match = hm;
    size_t path_len;
    const char *path = mlf_text_percent_decode(pool, req->path, req->path_len, 0, &path_len);
    if (!mlf__route_fastapi_artifact(app, pool, req, path, path_len, hm)) {
        /* leading slashes count as one, without a redirect (as MLflow's server takes "//api/...") */
        while (path_len > 1 && path[0] == '/' && path[1] == '/')
            path++, path_len--;
        hm->result = mlf_router_match(app->router, pool, req->method, req->method_len, path, path_len, &hm->m);
        /* Werkzeug: a path that matches only with its repeated slashes merged is a 308 to the merged path */
        if (hm->result != MLF_ROUTE_FOUND && mlf__has_repeated_slash(path, path_len)) {
            size_t mlen;
            const char *merged = mlf__merge_slashes(pool, path, path_len, &mlen);
            mlf_route_match mm;
            mlf_route_result r = mlf_router_match(app->router, pool, req->method, req->method_len, merged, mlen, &mm);
            if (r == MLF_ROUTE_FOUND)
                hm->redirect = merged;
            else if (r == MLF_ROUTE_BAD_METHOD && hm->result == MLF_ROUTE_NOT_FOUND)
                hm->result = r, hm->m = mm;
            if (hm->redirect != NULL)
                return MLF_LANE_LOOP;
        }
        /* Werkzeug's strict slashes: the UI's index is "<prefix>/", so "<prefix>" is a 308 to it */
        if (hm->result == MLF_ROUTE_NOT_FOUND && app->static_prefix != NULL &&
            path_len == strlen(app->static_prefix) && memcmp(path, app->static_prefix, path_len) == 0 &&
            (mlf__method_is(req, "GET") || mlf__method_is(req, "HEAD"))) {
            hm->redirect = mlf_pool_sprintf(pool, "%s/", app->static_prefix);
            return MLF_LANE_LOOP;
        }
    }
    /* only artifact uploads may be larger than --max-body-size (h2o's own limit is theirs) */
    if (app->max_body_size > 0 && req->body_len > app->max_body_size &&
        !(hm->result == MLF_ROUTE_FOUND && (hm->m.route->flags & MLF_ROUTE_UNLIMITED_BODY))) {
        hm->too_large = true;
        return MLF_LANE_LOOP;
    }
    if (hm->result != MLF_ROUTE_FOUND)
        return MLF_LANE_LOOP; /* 404, 405 */
    const mlf_route *rt = hm->m.route;
    bool artifacts_only;
    if ((rt->rpc >= 0 && mlf_rpcs[rt->rpc].call == NULL) || mlf__disabled(app, rt, &artifacts_only))
        return MLF_LANE_LOOP; /* a 404 or 503 that touches nothing */
    switch (rt->cls) {
    case MLF_ROUTE_TRANSFER:
        return MLF_LANE_TRANSFER;
    case MLF_ROUTE_WRITE:
        return MLF_LANE_STORE;
    case MLF_ROUTE_READ:
    default:
        /* a read without a body is cheap (an indexed lookup); a POST read is a search */
        return mlf__method_is(req, "GET") || mlf__method_is(req, "HEAD") || mlf__method_is(req, "OPTIONS")
                   ? MLF_LANE_LOOP
                   : MLF_LANE_STORE;
    }
}

/* Appends s %-quoted except for the bytes in safe (and Python's always-safe letters, digits, "_.-~"). */
static void mlf__quote(mlf_buf *b, const char *s, size_t len, const char *safe)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            (c != 0 && (strchr("_.-~", c) != NULL || strchr(safe, c) != NULL)))
            mlf_buf_putc(b, (char)c);
        else
            mlf_buf_printf(b, "%%%02X", c);
    }
}

/* Appends s with markupsafe's escape (& < > " '). */
static void mlf__html_escape(mlf_buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': mlf_buf_puts(b, "&amp;"); break;
        case '<': mlf_buf_puts(b, "&lt;"); break;
        case '>': mlf_buf_puts(b, "&gt;"); break;
        case '"': mlf_buf_puts(b, "&#34;"); break;
        case '\'': mlf_buf_puts(b, "&#39;"); break;
        default: mlf_buf_putc(b, *s);
        }
    }
}

/* Werkzeug's RequestRedirect: 308 to the merged path on the request's host, the query string as sent. */
static void mlf__respond_redirect(mlf_pool *pool, const mlf_http_request *req, const char *path,
                                  mlf_http_response *ret)
{
    mlf_buf url;
    mlf_buf_init(&url, pool, strlen(path) + req->query_len + 64);
    mlf_buf_puts(&url, "http://");
    if (req->host != NULL && req->host_len > 0)
        mlf_buf_printf(&url, "%.*s", (int)req->host_len, req->host);
    else
        mlf_buf_puts(&url, "localhost");
    mlf__quote(&url, path, strlen(path), "!$&'()*+,/:;=@");
    if (req->query != NULL && req->query_len > 0)
        mlf_buf_printf(&url, "?%.*s", (int)req->query_len, req->query);
    mlf_buf loc; /* the header as Werkzeug sends it (iri_to_uri) */
    mlf_buf_init(&loc, pool, url.len + 16);
    mlf__quote(&loc, url.data, url.len, "/:?#[]@!$&'()*+,;=%");
    mlf_buf page;
    mlf_buf_init(&page, pool, 2 * url.len + 256);
    mlf_buf_puts(&page, "<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n<h1>Redirecting...</h1>\n"
                        "<p>You should be redirected automatically to the target URL: <a href=\"");
    mlf__html_escape(&page, url.data);
    mlf_buf_puts(&page, "\">");
    mlf__html_escape(&page, url.data);
    mlf_buf_puts(&page, "</a>. If not, click the link.\n");
    mlf_http_respond(ret, 308, "text/html; charset=utf-8", page.data, page.len);
    ret->location = loc.data;
}

/* MLflow's is_api_endpoint: OPTIONS there answers 204 rather than Flask's 200. */
static bool mlf__is_api_path(const mlf_http_app *app, const mlf_http_request *req)
{
    size_t sp = app->static_prefix != NULL ? strlen(app->static_prefix) : 0;
    if (req->path_len < sp || (sp > 0 && memcmp(req->path, app->static_prefix, sp) != 0))
        return false;
    const char *p = req->path + sp;
    size_t n = req->path_len - sp;
    return (n >= 5 && memcmp(p, "/api/", 5) == 0) || (n >= 10 && memcmp(p, "/ajax-api/", 10) == 0);
}

void mlf_http_answer(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req,
                     const mlf_http_match *match, mlf_http_response *ret)
{
    const mlf_route *rt = match->m.route;
    if (match->too_large) {
        static const char msg[] = "request entity is too large";
        mlf_http_respond(ret, 413, "text/plain; charset=utf-8", msg, sizeof(msg) - 1);
        ret->close_connection = true;
        return;
    }
    if (match->redirect != NULL) {
        mlf__respond_redirect(pool, req, match->redirect, ret);
        return;
    }
    if (match->result == MLF_ROUTE_BAD_METHOD) {
        /* Flask answers OPTIONS on every path it has, MLflow's security layer makes that a 204 under the API */
        if (mlf__method_is(req, "OPTIONS"))
            mlf_http_respond(ret, mlf__is_api_path(app, req) ? 204 : 200, "text/html; charset=utf-8", "", 0);
        else
            mlf_http_respond_page(ret, 405);
        return;
    }
    if (match->result != MLF_ROUTE_FOUND) {
        mlf_http_respond_page(ret, 404);
        return;
    }
    if (rt->rpc >= 0 && mlf_rpcs[rt->rpc].call == NULL) {
        if (rt->flags & MLF_ROUTE_EMPTY_404) /* MLflow's _not_implemented */
            mlf_http_respond(ret, 404, NULL, "", 0);
        else /* not ported yet: as if MLflow had no such path */
            mlf_http_respond_page(ret, 404);
        return;
    }
    bool artifacts_only;
    if (mlf__disabled(app, rt, &artifacts_only)) {
        if (match->fastapi && !artifacts_only) { /* FastAPI's own 503 */
            static const char detail[] =
                "{\"detail\":\"Artifact serving is disabled. Run `mlflow server` with `--serve-artifacts` to enable.\"}";
            mlf_http_respond(ret, 503, "application/json", detail, sizeof(detail) - 1);
            return;
        }
        mlf_http_respond_disabled(pool, ret, mlf_http_flask_rule(app, pool, rt), artifacts_only);
        return;
    }
    rt->handler(app, pool, req, &match->m, ret);
}

void mlf_http_handle(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req, mlf_http_response *ret)
{
    const mlf_http_match *match;
    mlf_http_route(app, pool, req, &match);
    mlf_http_answer(app, pool, req, match, ret);
}
