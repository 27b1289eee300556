/*
 * POST [static prefix]/v1/traces: MLflow 3.18's OTLP/HTTP trace ingest (mlflow/server/otel_api.py, a
 * FastAPI route): an ExportTraceServiceRequest in protobuf or JSON, optionally gzip or deflate, for the
 * experiment named by x-mlflow-experiment-id; the spans go to the store in one log_spans. Errors are
 * FastAPI's ({"detail": ...}) or, from the store, MLflow's JSON; success is an empty
 * ExportTraceServiceResponse in the request's encoding.
 *
 * GET [static prefix]/ajax-api/2.0/mlflow/get-trace-artifact: handlers.get_trace_artifact_handler, the
 * traces.json of a trace from its stored spans, or else the file in its artifact location (local or
 * mlflow-artifacts roots, as route_artifacts.c serves them). Attachments (`path=<uuid>`): attachments/<uuid> there.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "core/text.h"
#include "artifacts/local.h"
#include "json/pbjson.h"
#include "server/http.h"
#include "service/artifacts/artifact.h"
#include "service/tracking/span.h"

/* A decompressed body is held to this size (MLflow has no limit; a small gzip can inflate without end). */
#define MLF__INFLATE_MAX ((size_t)1 << 30)

/* zlib's inflate of in with window bits wbits (31: gzip, 15: zlib, -15: raw deflate); false on failure. */
static bool mlf__inflate(mlf_pool *pool, const char *in, size_t len, int wbits, char **out, size_t *out_len)
{
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    if (inflateInit2(&zs, wbits) != Z_OK)
        return false;
    size_t cap = len < ((size_t)1 << 20) ? len * 4 + 1024 : ((size_t)1 << 22), n = 0;
    char *buf = mlf_pool_alloc_uninit(pool, cap);
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)len;
    int rc;
    for (;;) {
        if (n == cap) {
            if (cap >= MLF__INFLATE_MAX) {
                inflateEnd(&zs);
                return false;
            }
            char *b2 = mlf_pool_alloc_uninit(pool, cap * 2);
            memcpy(b2, buf, n);
            buf = b2;
            cap *= 2;
        }
        zs.next_out = (Bytef *)buf + n;
        zs.avail_out = (uInt)(cap - n);
        rc = inflate(&zs, Z_NO_FLUSH);
        n = cap - zs.avail_out;
        if (rc == Z_STREAM_END)
            break;
        if (rc != Z_OK && !(rc == Z_BUF_ERROR && zs.avail_out == 0)) {
            inflateEnd(&zs);
            return false;
        }
        if (zs.avail_in == 0 && zs.avail_out > 0) { /* truncated */
            inflateEnd(&zs);
            return false;
        }
    }
    /* gzip.decompress reads further members; zlib.decompress refuses trailing data */
    bool ok = zs.avail_in == 0 || wbits == 31;
    if (wbits == 31 && zs.avail_in > 0) {
        char *more;
        size_t more_len;
        ok = mlf__inflate(pool, (const char *)zs.next_in, zs.avail_in, 31, &more, &more_len);
        if (ok) {
            char *b2 = mlf_pool_alloc(pool, n + more_len + 1);
            memcpy(b2, buf, n);
            memcpy(b2 + n, more, more_len);
            buf = b2;
            n += more_len;
        }
    }
    inflateEnd(&zs);
    *out = buf;
    *out_len = n;
    return ok;
}

/*
 * What a `for x in v` over a member gives, where each x must then be a dict (its .get is called): the items of
 * a list; nothing for an empty str or dict; anything else fails in Python (iterating a number or None, or
 * calling .get on a str) with an error MLflow does not catch: false.
 */
static bool mlf__dicts(const mlf_json *v, mlf_json *const **items, size_t *n)
{
    *items = NULL;
    *n = 0;
    if (v == NULL)
        return true;
    if (v->type == MLF_JSON_ARRAY) {
        for (size_t i = 0; i < v->n; i++)
            if (v->items[i]->type != MLF_JSON_OBJECT)
                return false;
        *items = v->items;
        *n = v->n;
        return true;
    }
    return (v->type == MLF_JSON_STRING || v->type == MLF_JSON_OBJECT) && !mlf_json_truthy(v);
}

/* bytes.fromhex: pairs of hex digits, whitespace allowed between pairs; false for a ValueError */
static bool mlf__fromhex(mlf_pool *pool, const char *s, size_t len, unsigned char **ret, size_t *ret_n)
{
    unsigned char *out = mlf_pool_alloc(pool, len / 2 + 1);
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '\v' || s[i] == '\f') {
            i++;
            continue;
        }
        if (i + 1 >= len)
            return false;
        int hi = mlf_text_hex_value(s[i]), lo = mlf_text_hex_value(s[i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[n++] = (unsigned char)(hi * 16 + lo);
        i += 2;
    }
    *ret = out;
    *ret_n = n;
    return true;
}

/*
 * _convert_otlp_json_ids_to_base64: the hex ids of resourceSpans[].scopeSpans[].spans[] (and their links)
 * into base64, in place. Returns 0, 1 for a ValueError (MLflow's 400) or 2 for an error MLflow does not
 * catch (its 500).
 */
static int mlf__json_ids(mlf_pool *pool, mlf_json *root)
{
    static const char *const fields[] = {"traceId", "spanId", "parentSpanId"};
    if (root->type != MLF_JSON_OBJECT)
        return 2;
    mlf_json *const *rss, *const *sss, *const *spans, *const *links;
    size_t nr, ns, nsp, nl;
    if (!mlf__dicts(mlf_json_get(root, "resourceSpans"), &rss, &nr))
        return 2;
    for (size_t r = 0; r < nr; r++) {
        if (!mlf__dicts(mlf_json_get(rss[r], "scopeSpans"), &sss, &ns))
            return 2;
        for (size_t s = 0; s < ns; s++) {
            if (!mlf__dicts(mlf_json_get(sss[s], "spans"), &spans, &nsp))
                return 2;
            for (size_t i = 0; i < nsp; i++) {
                const mlf_json *lv = mlf_json_get(spans[i], "links");
                if (lv != NULL && !mlf_json_truthy(lv))
                    lv = NULL;
                if (!mlf__dicts(lv, &links, &nl))
                    return 2;
                for (size_t k = 0; k <= nl; k++) {
                    mlf_json *o = k == 0 ? spans[i] : links[k - 1];
                    for (size_t f = 0; f < 3; f++)
                        for (size_t m = 0; m < o->n; m++) {
                            if (strcmp(o->keys[m], fields[f]) != 0 || !mlf_json_truthy(o->items[m]))
                                continue;
                            mlf_json *v = o->items[m];
                            if (v->type != MLF_JSON_STRING)
                                return 2; /* bytes.fromhex of no str: a TypeError */
                            unsigned char *bytes;
                            size_t nb;
                            if (!mlf__fromhex(pool, v->text, v->len, &bytes, &nb))
                                return 1;
                            mlf_json *nv = MLF_NEW(pool, mlf_json);
                            memset(nv, 0, sizeof(*nv));
                            nv->type = MLF_JSON_STRING;
                            nv->text = mlf_text_b64_encode(pool, bytes, nb);
                            nv->len = strlen(nv->text);
                            o->items[m] = nv;
                        }
                }
            }
        }
    }
    return 0;
}

/*
 * x-mlflow-run-id: the traces whose root span came in this request are linked to the run
 * (link_traces_to_run); a failure is only logged, the spans are stored.
 */
static void mlf__link_to_run(const mlf_http_app *app, mlf_pool *pool, const mlf_store_span *spans, size_t n,
                             const char *run_id)
{
    const char **ids = MLF_NEW_ARRAY(pool, const char *, n);
    size_t n_ids = 0;
    for (size_t i = 0; i < n; i++) {
        if (spans[i].parent_id != NULL)
            continue;
        bool seen = false;
        for (size_t k = 0; k < n_ids && !seen; k++)
            seen = strcmp(ids[k], spans[i].trace_id) == 0;
        if (!seen)
            ids[n_ids++] = spans[i].trace_id;
    }
    if (n_ids == 0)
        return;
    mlf_error err = {0};
    if (mlf_store_link_traces_to_run(app->svc->store, pool, ids, n_ids, run_id, &err) < 0)
        fprintf(stderr, "mlflow-c: Failed to link OpenTelemetry traces to MLflow run %s: %s\n", run_id,
                err.message != NULL ? err.message : "");
}

void mlf_http_otlp_traces(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req,
                          const mlf_route_match *m, mlf_http_response *ret)
{
    (void)m;
    if (req->method_len != 4 || memcmp(req->method, "POST", 4) != 0) { /* Flask's app, which has no such path */
        mlf_http_respond_page(ret, 404);
        return;
    }
    if (req->mlflow_experiment_id == NULL) { /* FastAPI's validation of the required header */
        static const char missing[] = "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"header\",\"x-mlflow-experiment-id\"],"
                                      "\"msg\":\"Field required\",\"input\":null}]}";
        mlf_http_respond(ret, 422, "application/json", missing, sizeof(missing) - 1);
        return;
    }
    /* the media type without parameters */
    const char *ct = req->content_type;
    char *media = NULL;
    if (ct != NULL) {
        const char *semi = strchr(ct, ';');
        size_t len = semi != NULL ? (size_t)(semi - ct) : strlen(ct);
        while (len > 0 && (ct[0] == ' ' || ct[0] == '\t'))
            ct++, len--;
        while (len > 0 && (ct[len - 1] == ' ' || ct[len - 1] == '\t'))
            len--;
        media = mlf_pool_strndup(pool, ct, len);
    }
    bool json = media != NULL && strcmp(media, "application/json") == 0;
    if (!json && (media == NULL || strcmp(media, "application/x-protobuf") != 0)) {
        mlf_http_respond_detail(pool, ret, 400,
                    mlf_pool_sprintf(pool,
                                     "Invalid Content-Type: %s. Expected: application/x-protobuf or application/json",
                                     req->content_type != NULL ? req->content_type : "None"));
        return;
    }
    const char *body = req->body != NULL ? req->body : "";
    size_t len = req->body_len;
    if (req->content_encoding != NULL && req->content_encoding[0] != '\0') {
        char *enc = mlf_pool_strdup(pool, req->content_encoding);
        for (char *p = enc; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
        char *out;
        size_t out_len;
        if (strcmp(enc, "gzip") == 0) {
            if (!mlf__inflate(pool, body, len, 31, &out, &out_len)) {
                mlf_http_respond_detail(pool, ret, 400, "Failed to decompress gzip payload");
                return;
            }
        } else if (strcmp(enc, "deflate") == 0) {
            if (!mlf__inflate(pool, body, len, 15, &out, &out_len) && !mlf__inflate(pool, body, len, -15, &out, &out_len)) {
                mlf_http_respond_detail(pool, ret, 400, "Failed to decompress deflate payload");
                return;
            }
        } else {
            mlf_http_respond_detail(pool, ret, 400, mlf_pool_sprintf(pool, "Unsupported Content-Encoding: %s", enc));
            return;
        }
        body = out;
        len = out_len;
    }

    Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest *msg = NULL;
    if (json) {
        mlf_json *root = NULL;
        mlf_error jerr = {0};
        int jrc = mlf_json_parse_ex(pool, body, len, MLF_JSON_LOADS, &root, &jerr) != 0 ? 1 : mlf__json_ids(pool, root);
        if (jrc == 2) { /* an AttributeError or TypeError in MLflow's id conversion: FastAPI's 500 */
            mlf_http_respond(ret, 500, "text/plain; charset=utf-8", "Internal Server Error", 21);
            ret->log_message = "the OTLP JSON body is not shaped as ExportTraceServiceRequest";
            return;
        }
        if (jrc != 0) {
            mlf_http_respond_detail(pool, ret, 400, "Invalid OpenTelemetry format");
            return;
        }
        ProtobufCMessage *pm = NULL;
        mlf_pbjson_result pr = {0};
        mlf_error perr = {0};
        if (mlf_pbjson_from_json(pool, &opentelemetry__proto__collector__trace__v1__export_trace_service_request__descriptor,
                                 root, &pm, &pr, &perr) != 0 ||
            pr.n_type_errors > 0) {
            mlf_http_respond_detail(pool, ret, 400, "Invalid OpenTelemetry format");
            return;
        }
        /* json_format's own limit: messages nested deeper than 100 are its ParseError */
        size_t packed = protobuf_c_message_get_packed_size(pm);
        uint8_t *wire = mlf_pool_alloc_uninit(pool, packed ? packed : 1);
        protobuf_c_message_pack(pm, wire);
        if (!mlf_span_wire_depth_ok(pm->descriptor, wire, packed, 100)) {
            mlf_http_respond_detail(pool, ret, 400, "Invalid OpenTelemetry format");
            return;
        }
        msg = (Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest *)pm;
    } else {
        /* the message's memory comes from the request's pool */
        /* nesting beyond Python protobuf's recursion limit is its DecodeError, and would overflow our stack */
        if (mlf_span_wire_depth_ok(&opentelemetry__proto__collector__trace__v1__export_trace_service_request__descriptor,
                                   (const uint8_t *)body, len, 100))
            msg = opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
                mlf_pool_pb_allocator(pool), len, (const uint8_t *)body);
        if (msg == NULL || !mlf_span_request_utf8_ok(msg)) {
            mlf_http_respond_detail(pool, ret, 400, "Invalid OpenTelemetry format");
            return;
        }
    }
    if (msg->n_resource_spans == 0) {
        mlf_http_respond_detail(pool, ret, 400, "Invalid OpenTelemetry format - no spans found");
        return;
    }
    mlf_store_span *spans;
    size_t n;
    int crc = mlf_span_from_otlp(pool, msg, true, false, &spans, &n);
    if (crc == -1) {
        mlf_http_respond_detail(pool, ret, 422, "Cannot convert OpenTelemetry span to MLflow span");
        return;
    }
    if (crc == -2) {
        mlf_http_respond_detail(pool, ret, 422, "Failed to log OpenTelemetry spans");
        return;
    }
    if (n > 0) {
        mlf_ctx ctx = {.svc = app->svc, .pool = pool};
        mlf_error err = {0};
        bool unexpected = false;
        if (mlf_span_log(&ctx, req->mlflow_experiment_id, spans, n, &unexpected, &err) < 0) {
            if (unexpected) {
                mlf_http_respond_detail(pool, ret, 422, "Failed to log OpenTelemetry spans");
                ret->log_message = err.message;
                return;
            }
            mlf_http_respond_error(pool, ret, &err);
            return;
        }
        if (req->mlflow_run_id != NULL && req->mlflow_run_id[0] != '\0')
            mlf__link_to_run(app, pool, spans, n, req->mlflow_run_id);
    }
    if (json)
        mlf_http_respond(ret, 200, "application/json", "{}", 2);
    else
        mlf_http_respond(ret, 200, "application/x-protobuf", "", 0);
}

/* request.args.get(key): the first value, '+' as space; NULL when absent */
static const char *mlf__arg(mlf_pool *pool, const mlf_http_request *req, const char *key)
{
    const char *q = req->query != NULL ? req->query : "";
    for (const char *p = q; *p;) {
        const char *amp = strchr(p, '&');
        size_t seg = amp != NULL ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', seg);
        size_t klen = eq != NULL ? (size_t)(eq - p) : seg;
        char *k = mlf_text_percent_decode(pool, p, klen, MLF_TEXT_PLUS_SPACE, NULL);
        if (strcmp(k, key) == 0)
            return eq != NULL ? mlf_text_percent_decode(pool, eq + 1, seg - klen - 1, MLF_TEXT_PLUS_SPACE, NULL) : "";
        p += seg + (amp != NULL);
    }
    return NULL;
}

/* _validate_attachment_path: the canonical (lower-case, hyphenated) text of a UUID */
static bool mlf__is_uuid(const char *s)
{
    if (strlen(s) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    }
    return true;
}

/* Answers with the local file rel under the artifact location uri, named name; false when it is missing. */
static bool mlf__send_local(mlf_ctx *ctx, const char *uri, const char *rel, const char *name, mlf_http_response *ret,
                            mlf_error *err)
{
    mlf_artifact_location loc;
    int fd;
    uint64_t size;
    if (mlf_artifacts_locate(ctx, uri, rel, &loc, err) < 0)
        return false;
    if (mlf_artifacts_local_open(ctx->pool, loc.root, loc.rel, &fd, &size, err) < 0)
        return false;
    memset(ret, 0, sizeof(*ret));
    ret->status = 200;
    ret->content_type = mlf_artifacts_mime_type(name);
    ret->content_disposition = mlf_pool_sprintf(ctx->pool, "attachment; filename=%s", name);
    ret->send_file = true;
    ret->file_fd = fd;
    ret->file_size = size;
    ret->body = "";
    return true;
}

static const char *mlf__artifact_uri(const Mlflow__TraceInfoV3 *info)
{
    for (size_t i = 0; info != NULL && i < info->n_tags; i++)
        if (strcmp(info->tags[i]->key, "mlflow.artifactLocation") == 0)
            return info->tags[i]->value;
    return NULL;
}

void mlf_http_get_trace_artifact(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req,
                                 const mlf_route_match *m, mlf_http_response *ret)
{
    (void)m;
    mlf_error err = {0};
    const char *request_id = mlf__arg(pool, req, "request_id");
    const char *path = mlf__arg(pool, req, "path");
    if (request_id == NULL || request_id[0] == '\0') {
        mlf_error_set(&err, pool, MLF_ERR_BAD_REQUEST, "Request must include the \"request_id\" query parameter.");
        mlf_http_respond_error(pool, ret, &err);
        return;
    }
    mlf_ctx ctx = {.svc = app->svc, .pool = pool};
    if (path != NULL && path[0] != '\0') { /* a span's attachment: attachments/<uuid> of the trace's location */
        const char *safe;
        if (mlf_artifacts_check_path(pool, path, strlen(path), &safe, &err) < 0) {
            mlf_http_respond_error(pool, ret, &err);
            return;
        }
        if (!mlf__is_uuid(path)) {
            mlf_error_set(&err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                          "Invalid attachment path: '%s'. Attachment path must be a valid UUID.", path);
            err.error_class = "ATTRIBUTE_NOT_FOUND";
            mlf_http_respond_error(pool, ret, &err);
            return;
        }
        mlf_store_trace_data d;
        if (mlf_store_get_trace(app->svc->store, pool, request_id, &d, &err) < 0) {
            if (err.code == MLF_ERR_RESOURCE_DOES_NOT_EXIST) /* get_trace_info's message */
                mlf_error_set(&err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Trace with ID '%s' not found.", request_id);
            mlf_http_respond_error(pool, ret, &err);
            return;
        }
        const char *uri = mlf__artifact_uri(d.info);
        const char *rel = mlf_pool_sprintf(pool, "attachments/%s", path);
        if (uri == NULL) {
            mlf_error_set(&err, pool, MLF_ERR_INTERNAL_ERROR, "Unable to determine trace artifact location.");
            mlf_http_respond_error(pool, ret, &err);
            return;
        }
        if (!mlf__send_local(&ctx, uri, rel, path, ret, &err)) {
            mlf_error nf = {0};
            mlf_error_set(&nf, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "No such artifact: '%s'", rel);
            mlf_http_respond_error(pool, ret, &nf);
        }
        return;
    }
    char *data;
    size_t len;
    Mlflow__TraceInfoV3 *info = NULL;
    if (mlf_span_trace_data_json(&ctx, request_id, &data, &len, &info, &err) < 0) {
        mlf_http_respond_error(pool, ret, &err);
        return;
    }
    if (data == NULL) {
        /* spans not in the store: the traces.json the client uploaded to the trace's artifact location */
        const char *uri = mlf__artifact_uri(info);
        if (uri == NULL) { /* get_artifact_uri_for_trace */
            mlf_error_set(&err, pool, MLF_ERR_INTERNAL_ERROR, "Unable to determine trace artifact location.");
            mlf_http_respond_error(pool, ret, &err);
            return;
        }
        if (!mlf__send_local(&ctx, uri, "traces.json", "traces.json", ret, &err)) {
            /* the repository's download_trace_data_to_file finds nothing */
            mlf_error nf = {0};
            mlf_error_set(&nf, pool, MLF_ERR_NOT_FOUND, "Trace data not found for path=traces.json");
            mlf_http_respond_error(pool, ret, &nf);
        }
        return;
    }
    mlf_http_respond(ret, 200, "text/plain", data, len);
    ret->content_disposition = "attachment; filename=traces.json";
}
