/*
 * POST [static prefix]/ajax-api/2.0/mlflow/experiments/search-datasets:
 * the Flask route MLflow serves SearchDatasets on (its rpc path in the proto
 * lacks the leading slash, so the rpc routes never reach it). The request
 * goes through _get_request_message without a schema, then
 * search_datasets_impl (src/service/tracking/dataset.c).
 */
#include <string.h>

#include "server/http.h"
#include "service/tracking/dataset.h"
#include "json/pbjson.h"

static const char mlf__route[] = "/ajax-api/2.0/mlflow/experiments/search-datasets";

static void mlf__respond(mlf_http_response *ret, int status, const char *content_type, const char *body, size_t len)
{
    ret->status = status;
    ret->content_type = content_type;
    ret->body = body;
    ret->body_len = len;
}

static void mlf__respond_error(mlf_pool *pool, mlf_http_response *ret, const mlf_error *err)
{
    int code = err->code != 0 ? err->code : MLF_ERR_INTERNAL_ERROR;
    const char *name = mlf_error_name(code);
    const char *msg = err->message != NULL ? err->message : "";
    mlf_buf b;
    mlf_buf_init(&b, pool, 128);
    mlf_buf_puts(&b, "{\"error_code\": ");
    mlf_json_write_string(&b, name, strlen(name));
    mlf_buf_puts(&b, ", \"message\": ");
    mlf_json_write_string(&b, msg, strlen(msg));
    mlf_buf_putc(&b, '}');
    mlf__respond(ret, mlf_error_http_status(code), "application/json", b.data, b.len);
}

/* Whether the decoded path is the route under app's static prefix. */
static bool mlf__is_route(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req)
{
    static const char tail[] = "/search-datasets";
    size_t tail_len = sizeof(tail) - 1;
    /* most requests are told apart without decoding the path */
    bool escaped = memchr(req->path, '%', req->path_len) != NULL;
    if (!escaped && (req->path_len < tail_len || memcmp(req->path + req->path_len - tail_len, tail, tail_len) != 0))
        return false;
    size_t len;
    const char *path = mlf_http_url_decode(pool, req->path, req->path_len, false, &len);
    const char *prefix = app->static_prefix != NULL ? app->static_prefix : "";
    size_t plen = strlen(prefix);
    return len == plen + sizeof(mlf__route) - 1 && memcmp(path, prefix, plen) == 0 &&
           memcmp(path + plen, mlf__route, sizeof(mlf__route) - 1) == 0;
}

/* _validate_content_type(request, ["application/json"]) for the POST. */
static int mlf__check_content_type(mlf_pool *pool, const mlf_http_request *req, mlf_error *err)
{
    if (req->content_type == NULL)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Bad Request. Content-Type header is missing.");
    size_t len = req->content_type_len;
    const char *semi = memchr(req->content_type, ';', len);
    if (semi != NULL)
        len = (size_t)(semi - req->content_type);
    if (len != 16 || memcmp(req->content_type, "application/json", 16) != 0)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Bad Request. Content-Type must be one of ['application/json'].");
    return 0;
}

/* The body as _get_request_message reads it: not JSON counts as {}, a JSON string is decoded once more. */
static const mlf_json *mlf__body(mlf_pool *pool, const mlf_http_request *req)
{
    mlf_json *raw = NULL;
    if (req->body != NULL && req->body_len > 0 && mlf_json_parse(pool, req->body, req->body_len, &raw, NULL) == 0 &&
        raw->type == MLF_JSON_STRING) {
        mlf_json *inner = NULL;
        raw = mlf_json_parse(pool, raw->text, raw->len, &inner, NULL) == 0 ? inner : NULL;
    }
    if (raw == NULL || raw->type != MLF_JSON_OBJECT) {
        raw = MLF_NEW(pool, mlf_json);
        raw->type = MLF_JSON_OBJECT;
    }
    return raw;
}

int mlf_http_search_datasets(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req,
                             mlf_http_response *ret)
{
    if (!mlf__is_route(app, pool, req))
        return -1;
    if (req->method_len != 4 || memcmp(req->method, "POST", 4) != 0) {
        static const char body[] =
            "<!doctype html>\n<html lang=en>\n<title>405 Method Not Allowed</title>\n"
            "<h1>Method Not Allowed</h1>\n<p>The method is not allowed for the requested URL.</p>\n";
        mlf__respond(ret, 405, "text/html; charset=utf-8", body, sizeof(body) - 1);
        return 0;
    }
    if (app->artifacts_only) {
        static const char msg[] = "Endpoint disabled due to the mlflow server running in `--artifacts-only` mode.";
        mlf__respond(ret, 503, "text/plain; charset=utf-8", msg, sizeof(msg) - 1);
        return 0;
    }
    mlf_error err = {0};
    ProtobufCMessage *msg = NULL;
    mlf_pbjson_result pr = {0};
    Mlflow__SearchDatasets__Response *resp = MLF_NEW(pool, Mlflow__SearchDatasets__Response);
    mlflow__search_datasets__response__init(resp);
    mlf_ctx ctx = {.svc = app->svc, .pool = pool};
    /* a value that does not fit leaves its field unset, as ParseDict's partial message does */
    if (mlf__check_content_type(pool, req, &err) < 0 ||
        mlf_pbjson_from_json(pool, &mlflow__search_datasets__descriptor, mlf__body(pool, req), &msg, &pr, &err) < 0 ||
        mlf_tracking_search_datasets(&ctx, (const Mlflow__SearchDatasets *)msg, resp, &err) < 0) {
        mlf__respond_error(pool, ret, &err);
        return 0;
    }
    mlf_buf b;
    mlf_buf_init(&b, pool, 256);
    mlf_pbjson_write(&b, &resp->base);
    mlf__respond(ret, 200, "application/json", b.data, b.len);
    return 0;
}
