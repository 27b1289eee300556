/*
 * POST [static prefix]/ajax-api/2.0/mlflow/experiments/search-datasets:
 * the Flask route MLflow serves SearchDatasets on (its rpc path in the proto
 * lacks the leading slash, so the rpc routes never reach it). The request
 * (routes.def) goes through _get_request_message without a schema, then
 * search_datasets_impl (src/service/tracking/dataset.c).
 */
#include <string.h>

#include "server/http.h"
#include "service/tracking/dataset.h"
#include "json/pbjson.h"

void mlf_http_search_datasets(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req,
                              const mlf_route_match *m, mlf_http_response *ret)
{
    (void)m;
    mlf_error err = {0};
    ProtobufCMessage *msg = NULL;
    mlf_pbjson_result pr = {0};
    Mlflow__SearchDatasets__Response *resp = MLF_NEW(pool, Mlflow__SearchDatasets__Response);
    mlflow__search_datasets__response__init(resp);
    mlf_ctx ctx = {.svc = app->svc, .pool = pool};
    /* a value that does not fit leaves its field unset, as ParseDict's partial message does */
    if (mlf_http_check_json_content_type(pool, req, &err) < 0 ||
        mlf_pbjson_from_json(pool, &mlflow__search_datasets__descriptor, mlf_http_body_json(pool, req), &msg, &pr, &err) < 0 ||
        mlf_tracking_search_datasets(&ctx, (const Mlflow__SearchDatasets *)msg, resp, &err) < 0) {
        mlf_http_respond_error(pool, ret, &err);
        return;
    }
    mlf_buf b;
    mlf_buf_init(&b, pool, 256);
    mlf_pbjson_write(&b, &resp->base);
    mlf_http_respond(ret, 200, "application/json", b.data, b.len);
}
