/*
 * POST [P]/ajax-api/3.0/mlflow/issues/schedule/state (handlers.py
 * _sync_issue_detection_schedule_state_handler): the UI asks when an
 * experiment's issue detection next runs. Its handler catches nothing, so
 * every refusal is Flask's HTML 500. An experiment without a schedule tag has
 * no next run ({"next_fire_time_ms": null}), which is every experiment a
 * server without MLflow's scheduler sees; mlflow-c runs no issue detection,
 * so a stored schedule is answered 501 (README "Server-side jobs").
 */
#include <string.h>

#include "rpc/rpc.h"
#include "server/http.h"
#include "store/store.h"

#define MLF__SCHEDULE_TAG "mlflow.issueDetection.schedule"

void mlf_http_issue_schedule_state(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req,
                                   const mlf_route_match *m, mlf_http_response *ret)
{
    (void)m;
    static const mlf_rule rules[] = {
        {.field = "experiment_id", .kind = MLF_RULE_REQUIRED},
        {.field = "experiment_id", .kind = MLF_RULE_TYPE_STRING},
    };
    mlf_error err = {0};
    if (mlf_http_check_json_content_type(pool, req, &err) < 0) {
        mlf_http_respond_page(ret, 500);
        return;
    }
    mlf_json *body = mlf_http_body_json(pool, req);
    mlf_rpc rpc = {.rules = rules, .n_rules = sizeof(rules) / sizeof(rules[0])};
    mlf_rpc_request rreq = {.raw = body, .parse_failed = true};
    Mlflow__Experiment *e = NULL;
    if (body == NULL || body->type != MLF_JSON_OBJECT || mlf_rpc_validate(pool, &rpc, &rreq, &err) < 0 ||
        mlf_store_get_experiment(app->svc->store, pool, mlf_json_get(body, "experiment_id")->text, &e, &err) < 0) {
        mlf_http_respond_page(ret, 500);
        return;
    }
    for (size_t i = 0; i < e->n_tags; i++)
        if (e->tags[i]->key != NULL && strcmp(e->tags[i]->key, MLF__SCHEDULE_TAG) == 0) {
            mlf_error_set(&err, pool, MLF_ERR_NOT_IMPLEMENTED,
                          "mlflow-c does not run issue detection: experiment %s has a schedule", e->experiment_id);
            mlf_http_respond_error(pool, ret, &err);
            return;
        }
    static const char none[] = "{\"next_fire_time_ms\":null}\n";
    mlf_http_respond(ret, 200, "application/json", none, sizeof(none) - 1);
}
