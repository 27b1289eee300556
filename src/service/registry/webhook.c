/*
 * WebhookService: mlflow/server/handlers.py (_create_webhook, _list_webhooks,
 * _get_webhook, _update_webhook, _delete_webhook, _test_webhook), the checks
 * of the model registry's SqlAlchemyStore webhook methods
 * (_validate_webhook_name, _validate_webhook_url, _validate_webhook_events)
 * and entities/webhook.py's event conversions, in MLflow's order. Secrets go
 * to the store as Fernet tokens (EncryptedString) and never into an answer.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "generated/service_api.h"
#include "search/search.h"
#include "service/registry/webhook.h"
#include "store/pystr.h"
#include "webhook/delivery.h"

/* An unset proto2 string reads as "" in Python. */
static const char *mlf__str(const char *s)
{
    return s != NULL ? s : "";
}

/* VALID_ENTITY_ACTIONS: the actions of each entity, sorted as the error message lists them */
static const char *mlf__valid_actions(const char *entity)
{
    static const struct {
        const char *entity, *actions;
    } table[] = {
        {"registered_model", "created"},   {"model_version", "created"},       {"model_version_tag", "deleted set"},
        {"model_version_alias", "created deleted"}, {"prompt", "created"}, {"prompt_version", "created"},
        {"prompt_tag", "deleted set"},     {"prompt_version_tag", "deleted set"}, {"prompt_alias", "created deleted"},
        {"budget_policy", "exceeded"},
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (strcmp(table[i].entity, entity) == 0)
            return table[i].actions;
    return "";
}

/* WebhookEvent.from_proto: the enum names lower-cased, then the pair's check */
static int mlf__check_event(mlf_pool *pool, const Mlflow__WebhookEvent *e, mlf_error *err)
{
    int entity = e != NULL ? e->entity : 0, action = e != NULL ? e->action : 0;
    const char *en = mlf_webhook_enum_text(pool, &mlflow__webhook_entity__descriptor, entity);
    if (en == NULL || entity == 0) {
        int rc = mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "'%s' is not a valid WebhookEntity",
                               en != NULL ? en : "");
        err->uncaught = true; /* a ValueError escapes the handler */
        return rc;
    }
    const char *an = mlf_webhook_enum_text(pool, &mlflow__webhook_action__descriptor, action);
    if (an == NULL || action == 0) {
        int rc = mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "Unknown proto action: %s",
                               an != NULL ? "ACTION_UNSPECIFIED" : "");
        err->uncaught = true;
        return rc;
    }
    const char *valid = mlf__valid_actions(en);
    size_t n = strlen(an);
    for (const char *p = valid; *p;) {
        const char *sp = strchr(p, ' ');
        size_t len = sp != NULL ? (size_t)(sp - p) : strlen(p);
        if (len == n && strncmp(p, an, n) == 0)
            return 0;
        if (sp == NULL)
            break;
        p = sp + 1;
    }
    mlf_buf list;
    mlf_buf_init(&list, pool, 64);
    mlf_buf_puts(&list, "[");
    for (const char *p = valid; *p;) {
        const char *sp = strchr(p, ' ');
        size_t len = sp != NULL ? (size_t)(sp - p) : strlen(p);
        if (list.len > 1)
            mlf_buf_puts(&list, ", ");
        mlf_buf_printf(&list, "'%.*s'", (int)len, p);
        if (sp == NULL)
            break;
        p = sp + 1;
    }
    mlf_buf_puts(&list, "]");
    return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                         "Invalid action '%s' for entity '%s'. Valid actions are: %s", an, en, list.data);
}

static int mlf__check_events(mlf_pool *pool, Mlflow__WebhookEvent *const *events, size_t n, mlf_error *err)
{
    for (size_t i = 0; i < n; i++) {
        int rc = mlf__check_event(pool, events[i], err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* _validate_webhook_name */
static int mlf__check_name(mlf_pool *pool, const char *name, mlf_error *err)
{
    size_t n = strlen(name);
    bool ok = n >= 1 && n <= 63 && isalnum((unsigned char)name[0]) && isalnum((unsigned char)name[n - 1]);
    for (size_t i = 0; ok && i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        ok = c < 0x80 && (isalnum(c) || c == '.' || c == '_' || c == '-');
    }
    if (ok)
        return 0;
    return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                         "Webhook name %s is invalid. It must start and end with a letter or digit, be less than 63 "
                         "characters long, and contain only letters, digits, dots (.), underscores (_), and hyphens "
                         "(-).",
                         mlf_pystr_repr(pool, name));
}

/* _validate_webhook_events: an empty list (an update's events are None then, so only create reaches this) */
static int mlf__check_events_nonempty(mlf_pool *pool, size_t n, mlf_error *err)
{
    if (n > 0)
        return 0;
    return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                         "Webhook events must be a non-empty list of WebhookEvent objects: [].");
}

static const char *mlf__status_text(Mlflow__WebhookStatus s)
{
    return s == MLFLOW__WEBHOOK_STATUS__DISABLED ? "DISABLED" : "ACTIVE";
}

int mlf_webhooks_create_webhook(mlf_ctx *ctx, const Mlflow__CreateWebhook *req, Mlflow__CreateWebhook__Response *resp,
                                mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    mlf_service *svc = ctx->svc;
    int rc = mlf__check_events(pool, req->events, req->n_events, err);
    if (rc < 0)
        return rc;
    const char *name = mlf__str(req->name);
    const char *url = mlf__str(req->url);
    rc = mlf__check_name(pool, name, err);
    if (rc == 0)
        rc = mlf_webhook_validate_url(pool, svc->webhooks, url, err);
    if (rc == 0)
        rc = mlf__check_events_nonempty(pool, req->n_events, err);
    if (rc < 0)
        return rc;
    mlf_store_webhook_fields f = {
        .name = name,
        .url = url,
        .description = req->description != NULL && req->description[0] != '\0' ? req->description : NULL,
        .secret = req->secret != NULL && req->secret[0] != '\0'
                      ? mlf_fernet_encrypt(pool, &svc->webhooks->key, req->secret)
                      : NULL,
        .status = req->has_status && req->status != 0 ? mlf__status_text(req->status) : NULL,
        .events = req->events,
        .n_events = req->n_events,
        .set_events = true,
    };
    int wrc = mlf_store_create_webhook(svc->store, pool, &f, &resp->webhook, err);
    mlf_webhook_delivery_invalidate(svc->deliveries);
    return wrc;
}

int mlf_webhooks_list_webhooks(mlf_ctx *ctx, const Mlflow__ListWebhooks *req, Mlflow__ListWebhooks__Response *resp,
                               mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    int64_t max_results = req->has_max_results ? req->max_results : 100;
    if (max_results == 0)
        max_results = 100;
    if (max_results < 1 || max_results > 1000)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "max_results must be between 1 and 1000.");
    int64_t offset = 0;
    const char *token = req->page_token != NULL && req->page_token[0] != '\0' ? req->page_token : NULL;
    int rc = mlf_search_page_token_decode(pool, token, &offset, err);
    if (rc < 0)
        return rc;
    Mlflow__Webhook **hooks;
    size_t n;
    rc = mlf_store_list_webhooks(ctx->svc->store, pool, NULL, max_results + 1, token != NULL ? offset : 0, &hooks,
                                 NULL, &n, err);
    if (rc < 0)
        return rc;
    if ((int64_t)n > max_results) {
        n = (size_t)max_results;
        resp->next_page_token = mlf_search_page_token_encode(pool, offset + max_results);
    }
    resp->webhooks = hooks;
    resp->n_webhooks = n;
    return 0;
}

int mlf_webhooks_get_webhook(mlf_ctx *ctx, const Mlflow__GetWebhook *req, Mlflow__GetWebhook__Response *resp,
                             mlf_error *err)
{
    return mlf_store_get_webhook(ctx->svc->store, ctx->pool, mlf__str(req->webhook_id), &resp->webhook, NULL, err);
}

int mlf_webhooks_update_webhook(mlf_ctx *ctx, const Mlflow__UpdateWebhook *req, Mlflow__UpdateWebhook__Response *resp,
                                mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    mlf_service *svc = ctx->svc;
    int rc = mlf__check_events(pool, req->events, req->n_events, err);
    if (rc < 0)
        return rc;
    const char *id = mlf__str(req->webhook_id);
    Mlflow__Webhook *old;
    rc = mlf_store_get_webhook(svc->store, pool, id, &old, NULL, err);
    if (rc < 0)
        return rc;
    mlf_store_webhook_fields f = {
        .name = req->name != NULL && req->name[0] != '\0' ? req->name : NULL,
        .url = req->url != NULL && req->url[0] != '\0' ? req->url : NULL,
        .description = req->description,
        .secret = req->secret != NULL ? mlf_fernet_encrypt(pool, &svc->webhooks->key, req->secret) : NULL,
        .status = req->has_status ? mlf__status_text(req->status) : NULL,
        .events = req->events,
        .n_events = req->n_events,
        .set_events = req->n_events > 0,
    };
    if (f.name != NULL)
        rc = mlf__check_name(pool, f.name, err);
    if (rc == 0 && f.url != NULL)
        rc = mlf_webhook_validate_url(pool, svc->webhooks, f.url, err);
    if (rc < 0)
        return rc;
    rc = mlf_store_update_webhook(svc->store, pool, id, &f, &resp->webhook, err);
    mlf_webhook_delivery_invalidate(svc->deliveries);
    return rc;
}

int mlf_webhooks_delete_webhook(mlf_ctx *ctx, const Mlflow__DeleteWebhook *req, Mlflow__DeleteWebhook__Response *resp,
                                mlf_error *err)
{
    (void)resp;
    int rc = mlf_store_delete_webhook(ctx->svc->store, ctx->pool, mlf__str(req->webhook_id), err);
    mlf_webhook_delivery_invalidate(ctx->svc->deliveries);
    return rc;
}

/*
 * _test_webhook: the event asked for (else the webhook's first), its example
 * payload sent now, on this thread; a failure is the result's, not an error.
 */
int mlf_webhooks_test_webhook(mlf_ctx *ctx, const Mlflow__TestWebhook *req, Mlflow__TestWebhook__Response *resp,
                              mlf_error *err)
{
    mlf_pool *pool = ctx->pool;
    mlf_service *svc = ctx->svc;
    if (req->event != NULL) {
        int rc = mlf__check_event(pool, req->event, err);
        if (rc < 0)
            return rc;
    }
    Mlflow__Webhook *w;
    const char *secret_token;
    int rc = mlf_store_get_webhook(svc->store, pool, mlf__str(req->webhook_id), &w, &secret_token, err);
    if (rc < 0)
        return rc;
    char *secret = NULL;
    if (secret_token != NULL && mlf_fernet_decrypt(pool, &svc->webhooks->key, secret_token, &secret, NULL) < 0) {
        /* SqlWebhook's secret fails to load: cryptography's InvalidToken escapes the handler */
        rc = mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "InvalidToken");
        err->uncaught = true;
        return rc;
    }
    const Mlflow__WebhookEvent *ev = req->event != NULL ? req->event : (w->n_events > 0 ? w->events[0] : NULL);
    const char *entity = ev != NULL ? mlf_webhook_enum_text(pool, &mlflow__webhook_entity__descriptor, ev->entity) : "";
    const char *action = ev != NULL ? mlf_webhook_enum_text(pool, &mlflow__webhook_action__descriptor, ev->action) : "";
    mlf_webhook_result res;
    mlf_webhook_send(pool, svc->webhooks, w->url, secret, entity, action, mlf_webhook_example_data(entity, action),
                     NULL, &res);
    Mlflow__WebhookTestResult *r = MLF_NEW(pool, Mlflow__WebhookTestResult);
    mlflow__webhook_test_result__init(r);
    r->has_success = 1;
    if (res.status > 0) {
        r->success = res.status < 400;
        r->has_response_status = 1;
        r->response_status = res.status;
        r->response_body = (char *)res.body;
    } else {
        r->success = 0;
        r->error_message = mlf_pool_sprintf(pool, "Failed to test webhook: %s", res.error != NULL ? res.error : "");
    }
    resp->result = r;
    return 0;
}

/* ------------------------------------------------------------ events */

/* {t.key: t.value for t in tags} minus the skipped keys: first position, last value */
static void mlf__tags_dict(mlf_buf *buf, const char *const *keys, const char *const *values, size_t n,
                           const char *const *skip, size_t n_skip)
{
    mlf_buf_puts(buf, "{");
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        bool drop = false;
        for (size_t j = 0; j < i && !drop; j++)
            drop = strcmp(keys[j], keys[i]) == 0;
        for (size_t j = 0; j < n_skip && !drop; j++)
            drop = strcmp(skip[j], keys[i]) == 0;
        if (drop)
            continue;
        size_t last = i;
        for (size_t j = i + 1; j < n; j++)
            if (strcmp(keys[j], keys[i]) == 0)
                last = j;
        mlf_webhook_json_key(buf, keys[i], first);
        mlf_webhook_json_str(buf, values[last]);
        first = false;
    }
    mlf_buf_puts(buf, "}");
}

#define MLF__IS_PROMPT_TAG "mlflow.prompt.is_prompt"
#define MLF__PROMPT_TYPE_TAG "_mlflow_prompt_type"
#define MLF__PROMPT_TEXT_TAG "mlflow.prompt.text"

void mlf_webhooks_emit_registered_model_created(mlf_ctx *ctx, const Mlflow__CreateRegisteredModel *req)
{
    if (ctx->svc->deliveries == NULL)
        return;
    mlf_pool *pool = ctx->pool;
    const char **keys = MLF_NEW_ARRAY(pool, const char *, req->n_tags + 1);
    const char **values = MLF_NEW_ARRAY(pool, const char *, req->n_tags + 1);
    const char *is_prompt = "false";
    for (size_t i = 0; i < req->n_tags; i++) {
        keys[i] = mlf__str(req->tags[i] != NULL ? req->tags[i]->key : NULL);
        values[i] = mlf__str(req->tags[i] != NULL ? req->tags[i]->value : NULL);
        if (strcmp(keys[i], MLF__IS_PROMPT_TAG) == 0)
            is_prompt = values[i];
    }
    bool prompt = strcasecmp(is_prompt, "true") == 0; /* _is_prompt_request */
    static const char *const skip[] = {MLF__IS_PROMPT_TAG, MLF__PROMPT_TYPE_TAG};
    mlf_buf data;
    mlf_buf_init(&data, pool, 256);
    mlf_buf_puts(&data, "{");
    mlf_webhook_json_key(&data, "name", true);
    mlf_webhook_json_str(&data, mlf__str(req->name));
    mlf_webhook_json_key(&data, "tags", false);
    mlf__tags_dict(&data, keys, values, req->n_tags, skip, prompt ? 2 : 0);
    mlf_webhook_json_key(&data, "description", false);
    mlf_webhook_json_str(&data, mlf__str(req->description));
    mlf_buf_puts(&data, "}");
    mlf_webhook_delivery_emit(ctx->svc->deliveries, prompt ? "prompt" : "registered_model", NULL, NULL, "created",
                              data.data);
}

void mlf_webhooks_emit_model_version_created(mlf_ctx *ctx, const Mlflow__CreateModelVersion *req, bool is_prompt,
                                             const char *version, const char *source, const char *run_id)
{
    if (ctx->svc->deliveries == NULL)
        return;
    mlf_pool *pool = ctx->pool;
    const char **keys = MLF_NEW_ARRAY(pool, const char *, req->n_tags + 1);
    const char **values = MLF_NEW_ARRAY(pool, const char *, req->n_tags + 1);
    const char *template = NULL;
    for (size_t i = 0; i < req->n_tags; i++) {
        keys[i] = mlf__str(req->tags[i] != NULL ? req->tags[i]->key : NULL);
        values[i] = mlf__str(req->tags[i] != NULL ? req->tags[i]->value : NULL);
        if (strcmp(keys[i], MLF__PROMPT_TEXT_TAG) == 0)
            template = values[i];
    }
    const char *description = req->description != NULL && req->description[0] != '\0' ? req->description : NULL;
    static const char *const skip[] = {MLF__PROMPT_TEXT_TAG, MLF__IS_PROMPT_TAG, MLF__PROMPT_TYPE_TAG};
    mlf_buf data;
    mlf_buf_init(&data, pool, 256);
    mlf_buf_puts(&data, "{");
    mlf_webhook_json_key(&data, "name", true);
    mlf_webhook_json_str(&data, mlf__str(req->name));
    mlf_webhook_json_key(&data, "version", false);
    mlf_webhook_json_str(&data, version);
    if (is_prompt) {
        mlf_webhook_json_key(&data, "template", false);
        mlf_webhook_json_str(&data, template);
    } else {
        mlf_webhook_json_key(&data, "source", false);
        mlf_webhook_json_str(&data, source);
        mlf_webhook_json_key(&data, "run_id", false);
        mlf_webhook_json_str(&data, run_id != NULL && run_id[0] != '\0' ? run_id : NULL);
    }
    mlf_webhook_json_key(&data, "tags", false);
    mlf__tags_dict(&data, keys, values, req->n_tags, skip, is_prompt ? 3 : 0);
    mlf_webhook_json_key(&data, "description", false);
    mlf_webhook_json_str(&data, description);
    mlf_buf_puts(&data, "}");
    mlf_webhook_delivery_emit(ctx->svc->deliveries, is_prompt ? "prompt_version" : "model_version", NULL, NULL,
                              "created", data.data);
}

void mlf_webhooks_emit_fields(mlf_ctx *ctx, const char *entity, const char *prompt_entity, const char *name,
                              const char *action, const char *const *keys, const char *const *values, int n)
{
    if (ctx->svc->deliveries == NULL)
        return;
    mlf_buf data;
    mlf_buf_init(&data, ctx->pool, 256);
    mlf_buf_puts(&data, "{");
    for (int i = 0; i < n; i++) {
        mlf_webhook_json_key(&data, keys[i], i == 0);
        mlf_webhook_json_str(&data, values[i]);
    }
    mlf_buf_puts(&data, "}");
    mlf_webhook_delivery_emit(ctx->svc->deliveries, entity, prompt_entity, name, action, data.data);
}
