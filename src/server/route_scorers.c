/*
 * The scorer routes of MLflow 3.18 that are no rpcs:
 * - GET [P]/{api,ajax-api}/3.0/mlflow/scorers/online-configs and
 *   PUT .../scorers/online-config (get_internal_online_scoring_endpoints),
 *   over service/tracking/online_scoring_config.c;
 * - the routes that need Python to run on the server (jobs, scorer and
 *   evaluation invocations, issue detection, demo data, prompt lab runs),
 *   answered as a default `mlflow server` (no job execution) answers the
 *   requests mlflow-c can answer the same way; see README "Server-side jobs".
 */
#include <string.h>

#include "core/text.h"
#include "server/http.h"
#include "service/tracking/online_scoring_config.h"
#include "service/tracking/scorer.h"

/*
 * The request dict of _get_validated_flask_request_json for the online-configs GET: with a query
 * string, its keys, scorer_ids always a list (its schema has _assert_array) and other keys a
 * value or, repeated, a list; without one, the JSON body.
 */
static mlf_json *mlf__request_dict(mlf_pool *pool, const mlf_http_request *req)
{
    if (req->query == NULL || req->query_len == 0)
        return mlf_http_body_json(pool, req);
    mlf_json *dict = MLF_NEW(pool, mlf_json);
    dict->type = MLF_JSON_OBJECT;
    size_t cap = 8;
    dict->keys = MLF_NEW_ARRAY(pool, const char *, cap);
    dict->items = MLF_NEW_ARRAY(pool, mlf_json *, cap);
    const char *p = req->query, *end = req->query + req->query_len;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp != NULL ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        if (stop > p) {
            const char *kend = eq != NULL ? eq : stop;
            char *key = mlf_text_percent_decode(pool, p, (size_t)(kend - p), MLF_TEXT_PLUS_SPACE | MLF_TEXT_UTF8_REQUOTE,
                                                NULL);
            size_t vlen;
            char *value = eq != NULL ? mlf_text_percent_decode(pool, eq + 1, (size_t)(stop - eq - 1),
                                                               MLF_TEXT_PLUS_SPACE | MLF_TEXT_UTF8_REQUOTE, &vlen)
                                     : "";
            if (eq == NULL)
                vlen = 0;
            mlf_json *v = MLF_NEW(pool, mlf_json);
            v->type = MLF_JSON_STRING;
            v->text = value;
            v->len = vlen;
            size_t i = 0;
            while (i < dict->n && strcmp(dict->keys[i], key) != 0)
                i++;
            if (i == dict->n) {
                if (dict->n == cap) {
                    const char **k2 = MLF_NEW_ARRAY(pool, const char *, cap * 2);
                    mlf_json **i2 = MLF_NEW_ARRAY(pool, mlf_json *, cap * 2);
                    memcpy(k2, dict->keys, cap * sizeof(*k2));
                    memcpy(i2, dict->items, cap * sizeof(*i2));
                    dict->keys = k2;
                    dict->items = i2;
                    cap *= 2;
                }
                mlf_json *list = MLF_NEW(pool, mlf_json);
                list->type = MLF_JSON_ARRAY;
                list->items = MLF_NEW_ARRAY(pool, mlf_json *, 1);
                list->items[0] = v;
                list->n = 1;
                dict->keys[dict->n] = key;
                dict->items[dict->n++] = list;
            } else {
                mlf_json *list = dict->items[i];
                mlf_json **items = MLF_NEW_ARRAY(pool, mlf_json *, list->n + 1);
                memcpy(items, list->items, list->n * sizeof(*items));
                items[list->n++] = v;
                list->items = items;
            }
        }
        p = stop + 1;
    }
    /* a single value of a key other than scorer_ids is a scalar */
    for (size_t i = 0; i < dict->n; i++)
        if (strcmp(dict->keys[i], "scorer_ids") != 0 && dict->items[i]->n == 1)
            dict->items[i] = dict->items[i]->items[0];
    return dict;
}

static void mlf__answer(mlf_pool *pool, mlf_http_response *ret, int rc, const char *json, const mlf_error *err)
{
    if (rc < 0)
        mlf_http_respond_error(pool, ret, err);
    else
        mlf_http_respond(ret, 200, "application/json", json, strlen(json));
}

void mlf_http_scorer_online_configs(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req,
                                    const mlf_route_match *m, mlf_http_response *ret)
{
    (void)m;
    mlf_error err = {0};
    mlf_ctx ctx = {.svc = app->svc, .pool = pool};
    const char *json = NULL;
    int rc = mlf_tracking_get_online_scoring_configs(&ctx, mlf__request_dict(pool, req), &json, &err);
    mlf__answer(pool, ret, rc, json, &err);
}

void mlf_http_scorer_online_config_put(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req,
                                       const mlf_route_match *m, mlf_http_response *ret)
{
    (void)m;
    mlf_error err = {0};
    mlf_ctx ctx = {.svc = app->svc, .pool = pool};
    const char *json = NULL;
    bool uncaught = false;
    int rc = mlf_http_check_json_content_type(pool, req, &err);
    if (rc == 0)
        rc = mlf_tracking_upsert_online_scoring_config(&ctx, mlf_http_body_json(pool, req), &json, &uncaught, &err);
    if (rc < 0 && uncaught)
        mlf_http_respond_page(ret, 500);
    else
        mlf__answer(pool, ret, rc, json, &err);
}

void mlf_http_scorer_invoke(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req,
                            const mlf_route_match *m, mlf_http_response *ret)
{
    (void)m;
    mlf_error err = {0};
    mlf_ctx ctx = {.svc = app->svc, .pool = pool};
    if (mlf_http_check_json_content_type(pool, req, &err) == 0)
        mlf_tracking_invoke_scorer(&ctx, mlf_http_body_json(pool, req), &err);
    mlf_http_respond_error(pool, ret, &err);
}
