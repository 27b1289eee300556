/*
 * The HTTP side of artifacts. The rpcs of class transfer (MlflowArtifactsService,
 * and MlflowService listArtifacts) go through the rpc table; this file gates
 * them (the route path through validate_path_is_safe) and turns a download
 * into a streamed file answer. The Flask routes that are not rpcs
 * (mlflow/server/__init__.py, routes.def) are served here too: get-artifact,
 * model-versions/get-artifact, upload-artifact and
 * logged-models/<id>/artifacts/files (handlers.py get_artifact_handler,
 * get_model_version_artifact_handler, upload_artifact_handler,
 * get_logged_model_artifact_handler).
 */
#include <string.h>

#include "artifacts/local.h"
#include "core/text.h"
#include "server/http.h"
#include "service/artifacts/artifact.h"
#include "service/validate.h"
#include "store/uri.h"

#define MLF__UPLOAD_MAX (10 * 1024 * 1024) /* upload_artifact_handler's 10MB cap */

void mlf_http_respond_disabled(mlf_pool *pool, mlf_http_response *ret, const char *rule, bool artifacts_only)
{
    mlf_buf b;
    mlf_buf_init(&b, pool, 256);
    if (artifacts_only)
        mlf_buf_printf(&b,
                       "Endpoint: %s disabled due to the mlflow server running in `--artifacts-only` mode. To enable "
                       "tracking server functionality, run `mlflow server` without `--artifacts-only`",
                       rule);
    else
        mlf_buf_printf(&b,
                       "Endpoint: %s disabled due to the mlflow server running with `--no-serve-artifacts`. To enable "
                       "artifacts server functionality, run `mlflow server` with `--serve-artifacts`",
                       rule);
    mlf_http_respond(ret, 503, "text/html; charset=utf-8", b.data, b.len);
}

/* The Flask rule of a route: {x} is <x>, {+x} is <path:x>. */
const char *mlf_http_flask_rule(const mlf_http_app *app, mlf_pool *pool, const mlf_route *rt)
{
    mlf_buf b;
    mlf_buf_init(&b, pool, 128);
    if (rt->prefixed && app->static_prefix != NULL)
        mlf_buf_puts(&b, app->static_prefix);
    for (const char *p = rt->pattern; *p; p++) {
        if (*p == '{') {
            mlf_buf_puts(&b, p[1] == '+' ? "<path:" : "<");
            p += p[1] == '+' ? 2 : 1;
            while (*p && *p != '}')
                mlf_buf_putc(&b, *p++);
            mlf_buf_putc(&b, '>');
            if (*p == '\0')
                break;
            continue;
        }
        mlf_buf_putc(&b, *p);
    }
    return b.data;
}

/* True when the percent-decoded text holds a NUL byte (which C strings would cut short). */
static bool mlf__has_nul(mlf_pool *pool, const char *s, size_t len)
{
    if (s == NULL)
        return false;
    size_t n;
    const char *d = mlf_text_percent_decode(pool, s, len, MLF_TEXT_PLUS_SPACE, &n);
    return memchr(d, '\0', n) != NULL;
}

bool mlf_http_artifact_rpc_gate(mlf_pool *pool, const mlf_http_request *req, const mlf_route_match *m,
                                mlf_ctx_http *io, mlf_http_response *ret)
{
    memset(io, 0, sizeof(*io));
    io->body_fd = -1;
    io->file_fd = -1;
    mlf_error err = {0};
    /* a NUL in the path or the query: refused like the other unsafe paths */
    if (mlf__has_nul(pool, req->path, req->path_len) || mlf__has_nul(pool, req->query, req->query_len)) {
        mlf_error_set(&err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid path");
        mlf_http_respond_error(pool, ret, &err);
        return true;
    }
    for (size_t i = 0; i < m->n_params; i++) {
        if (strcmp(m->param_names[i], "artifact_path") != 0)
            continue;
        const char *v = m->param_values[i];
        if (mlf_artifacts_check_path(pool, v, strlen(v), &io->artifact_path, &err) < 0) {
            mlf_http_respond_error(pool, ret, &err);
            return true;
        }
    }
    io->body = req->body;
    io->body_len = req->body_len;
    if (req->body_in_file) {
        io->body = NULL;
        io->body_fd = req->body_fd;
        io->body_off = req->body_off;
    }
    return false;
}

/* Content-Disposition as Flask/Werkzeug write it: a token as is, else quoted, non-ASCII as filename*. */
static const char *mlf__disposition(mlf_pool *pool, const char *name)
{
    const char *slash = strrchr(name, '/');
    const char *base = slash != NULL ? slash + 1 : name;
    bool ascii = true, token = true;
    for (const unsigned char *p = (const unsigned char *)base; *p; p++) {
        if (*p >= 128)
            ascii = false;
        if (*p <= 32 || *p >= 127 || strchr("()<>@,;:\\\"/[]?={}", *p) != NULL)
            token = false;
    }
    mlf_buf b;
    mlf_buf_init(&b, pool, strlen(base) * 3 + 32);
    mlf_buf_puts(&b, "attachment; filename");
    if (!ascii) {
        mlf_buf_puts(&b, "*=UTF-8''");
        for (const unsigned char *p = (const unsigned char *)base; *p; p++) {
            if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                strchr("-._~", *p) != NULL)
                mlf_buf_putc(&b, (char)*p);
            else
                mlf_buf_printf(&b, "%%%02X", *p);
        }
    } else if (token) {
        mlf_buf_printf(&b, "=%s", base);
    } else {
        mlf_buf_puts(&b, "=\"");
        for (const char *p = base; *p; p++) {
            if (*p == '"' || *p == '\\')
                mlf_buf_putc(&b, '\\');
            mlf_buf_putc(&b, *p);
        }
        mlf_buf_putc(&b, '"');
    }
    return b.data;
}

static void mlf__respond_file(mlf_pool *pool, mlf_http_response *ret, int fd, uint64_t size, const char *name)
{
    memset(ret, 0, sizeof(*ret));
    ret->status = 200;
    ret->content_type = mlf_artifacts_mime_type(name);
    ret->content_disposition = mlf__disposition(pool, name);
    ret->send_file = true;
    ret->file_fd = fd;
    ret->file_size = size;
    ret->body = "";
}

void mlf_http_artifact_rpc_file(mlf_pool *pool, const mlf_ctx_http *io, mlf_http_response *ret)
{
    mlf__respond_file(pool, ret, io->file_fd, io->file_size, io->file_name);
}

/* request.args: the first value of each key, '+' as space; len-aware so that NUL bytes are seen. */
typedef struct {
    const char *val;
    size_t len;
} mlf__arg;

static bool mlf__arg_get(mlf_pool *pool, const mlf_http_request *req, const char *key, mlf__arg *ret)
{
    const char *q = req->query;
    size_t qlen = req->query != NULL ? req->query_len : 0;
    for (size_t i = 0; i < qlen;) {
        size_t j = i;
        while (j < qlen && q[j] != '&')
            j++;
        if (j > i) {
            const char *eq = memchr(q + i, '=', j - i);
            size_t klen = eq != NULL ? (size_t)(eq - (q + i)) : j - i;
            size_t kn;
            const char *k = mlf_text_percent_decode(pool, q + i, klen, MLF_TEXT_PLUS_SPACE, &kn);
            if (kn == strlen(key) && memcmp(k, key, kn) == 0) {
                if (eq != NULL)
                    ret->val = mlf_text_percent_decode(pool, eq + 1, (size_t)(q + j - eq - 1), MLF_TEXT_PLUS_SPACE,
                                                       &ret->len);
                else
                    ret->val = "", ret->len = 0;
                return true;
            }
        }
        i = j + 1;
    }
    return false;
}

/* _send_artifact: a missing file is MLflow's 404, a directory or an unsafe path its 400; an unreadable file
   an OSError, Flask's 500 page. */
static void mlf__send_artifact(mlf_ctx *ctx, const char *uri, const char *path, mlf_http_response *ret)
{
    mlf_error err = {0};
    mlf_artifact_location loc;
    if (mlf_artifacts_locate(ctx, uri, path, &loc, &err) < 0) {
        mlf_http_respond_error(ctx->pool, ret, &err);
        return;
    }
    int fd;
    uint64_t size;
    if (mlf_artifacts_local_open(ctx->pool, loc.root, loc.rel, &fd, &size, &err) < 0) {
        if (err.code == MLF_ERR_INTERNAL_ERROR)
            mlf_http_respond_page(ret, 500);
        else
            mlf_http_respond_error(ctx->pool, ret, &err);
        return;
    }
    mlf__respond_file(ctx->pool, ret, fd, size, loc.rel);
}

/* GET [P]/get-artifact?run_id=&path= (not disabled by --artifacts-only, as in MLflow) */
void mlf_http_get_artifact(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req,
                           const mlf_route_match *m, mlf_http_response *ret)
{
    (void)m;
    mlf_ctx c = {.svc = app->svc, .pool = pool}, *ctx = &c;
    mlf__arg run_id = {0}, path = {0};
    if (!mlf__arg_get(pool, req, "run_id", &run_id) || run_id.len == 0)
        mlf__arg_get(pool, req, "run_uuid", &run_id);
    if (!mlf__arg_get(pool, req, "path", &path)) {
        mlf_http_respond_page(ret, 400);
        return;
    }
    mlf_error err = {0};
    const char *safe;
    if (mlf_artifacts_check_path(pool, path.val, path.len, &safe, &err) < 0) {
        mlf_http_respond_error(pool, ret, &err);
        return;
    }
    mlf_store *store = ctx->svc->store;
    Mlflow__Run *run = NULL;
    if (mlf_store_get_run(store, pool, run_id.val != NULL ? run_id.val : "None", &run, &err) < 0) {
        mlf_http_respond_error(pool, ret, &err);
        return;
    }
    mlf__send_artifact(ctx, run->info != NULL ? run->info->artifact_uri : "", safe, ret);
}

/*
 * presigned=true on a version's artifact: a runs:/ location is first resolved
 * to its run (no host, an existing run); then none of the artifact stores
 * mlflow-c serves can sign a URL (_UnsupportedPresignedDownloadException, 501).
 */
static int mlf__presigned_download(mlf_ctx *ctx, const mlf_http_request *req, const char *uri, mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    mlf__arg presigned = {0};
    if (!mlf__arg_get(pool, req, "presigned", &presigned) || strcmp(presigned.val, "true") != 0)
        return 0;
    mlf_url u;
    if (mlf_uri_parse(pool, uri, &u, err) < 0)
        return -err->code;
    if (strcmp(u.scheme, "runs") == 0) {
        if (u.netloc[0] != '\0')
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Run artifact sources cannot include a host.");
        const char *p = u.path[0] == '/' ? u.path + 1 : u.path;
        Mlflow__Run *run;
        int rc = mlf_store_get_run(ctx->svc->store, pool, mlf_pool_strndup(pool, p, strcspn(p, "/")), &run, err);
        if (rc < 0)
            return rc;
    }
    return mlf_error_set(err, pool, MLF_ERR_NOT_IMPLEMENTED,
                         "Presigned download is not supported for the current artifact repository");
}

/* GET [P]/model-versions/get-artifact?name=&version=&path=[&presigned=true] */
void mlf_http_model_version_artifact(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req,
                                     const mlf_route_match *m, mlf_http_response *ret)
{
    (void)m;
    mlf_ctx c = {.svc = app->svc, .pool = pool}, *ctx = &c;
    mlf__arg name = {0}, version = {0}, path = {0};
    mlf__arg_get(pool, req, "name", &name);
    mlf__arg_get(pool, req, "version", &version);
    if (!mlf__arg_get(pool, req, "path", &path)) {
        mlf_http_respond_page(ret, 400);
        return;
    }
    mlf_error err = {0};
    const char *safe, *uri = NULL, *ver = version.val;
    mlf_store *store = ctx->svc->store;
    /* the store's get_model_version_download_uri checks the name and reads the version as int() does */
    if (mlf_artifacts_check_path(pool, path.val, path.len, &safe, &err) < 0 ||
        mlf_validate_model_name(pool, name.val, &err) < 0 || mlf_validate_model_version(pool, ver, &ver, &err) < 0 ||
        mlf_store_get_model_version_download_uri(store, pool, name.val, ver, &uri, &err) < 0 ||
        mlf__presigned_download(ctx, req, uri, &err) < 0) {
        mlf_http_respond_error(pool, ret, &err);
        return;
    }
    mlf__send_artifact(ctx, uri, safe, ret);
}

/* GET [P]/ajax-api/2.0/mlflow/logged-models/<model_id>/artifacts/files?artifact_file_path= */
void mlf_http_logged_model_artifact(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req,
                                    const mlf_route_match *m, mlf_http_response *ret)
{
    const char *model_id = m->param_values[0]; /* the route's one capture, {model_id} */
    mlf_ctx c = {.svc = app->svc, .pool = pool}, *ctx = &c;
    mlf__arg path = {0};
    mlf_error err = {0};
    if (!mlf__arg_get(pool, req, "artifact_file_path", &path) || path.len == 0) {
        mlf_error_set(&err, pool, MLF_ERR_BAD_REQUEST, "Request must include the \"artifact_file_path\" query parameter.");
        mlf_http_respond_error(pool, ret, &err);
        return;
    }
    const char *safe, *location = NULL, *source_run = NULL;
    mlf_store *store = ctx->svc->store;
    if (mlf_artifacts_check_path(pool, path.val, path.len, &safe, &err) < 0 ||
        mlf_store_get_source_logged_model(store, pool, model_id, &location, &source_run, &err) < 0) {
        mlf_http_respond_error(pool, ret, &err);
        return;
    }
    mlf__send_artifact(ctx, location, safe, ret);
}

/* POST [P]/ajax-api/2.0/mlflow/upload-artifact?run_id=(or run_uuid=)&path= with the file as the raw body */
void mlf_http_upload_artifact(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req,
                              const mlf_route_match *m, mlf_http_response *ret)
{
    (void)m;
    mlf_ctx c = {.svc = app->svc, .pool = pool}, *ctx = &c;
    mlf__arg run_uuid = {0}, path = {0};
    mlf_error err = {0};
    const char *safe;
    if ((!mlf__arg_get(pool, req, "run_id", &run_uuid) || run_uuid.len == 0) &&
        (!mlf__arg_get(pool, req, "run_uuid", &run_uuid) || run_uuid.len == 0)) {
        mlf_error_set(&err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Request must specify run_id or run_uuid.");
        goto fail;
    }
    if (!mlf__arg_get(pool, req, "path", &path) || path.len == 0) {
        mlf_error_set(&err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Request must specify path.");
        goto fail;
    }
    if (mlf_artifacts_check_path(pool, path.val, path.len, &safe, &err) < 0)
        goto fail;
    if (req->body_len > MLF__UPLOAD_MAX) {
        mlf_error_set(&err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Artifact size is too large. Max size is 10MB.");
        goto fail;
    }
    if (req->body_len == 0) {
        mlf_error_set(&err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Request must specify data.");
        goto fail;
    }
    mlf_store *store = ctx->svc->store;
    Mlflow__Run *run = NULL;
    if (mlf_store_get_run(store, pool, run_uuid.val, &run, &err) < 0)
        goto fail;
    mlf_artifact_location loc;
    if (mlf_artifacts_locate(ctx, run->info != NULL ? run->info->artifact_uri : "", safe, &loc, &err) < 0)
        goto fail;
    mlf_artifact_source src = {.data = req->body, .fd = -1, .len = req->body_len};
    if (req->body_in_file) {
        src.fd = req->body_fd;
        src.off = req->body_off;
        src.data = NULL;
    }
    if (mlf_artifacts_local_write(pool, loc.root, loc.rel, &src, &err) < 0)
        goto fail;
    mlf_http_respond(ret, 200, "application/json", "", 0);
    return;
fail:
    mlf_http_respond_error(pool, ret, &err);
}
