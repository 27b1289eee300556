/*
 * The small settings routes MLflow 3.18's web UI asks for at start-up, answered
 * as `mlflow server` answers them with nothing configured: UI telemetry (Flask,
 * mlflow/server/__init__.py), the assistant's config and providers (FastAPI's
 * assistant router) and the AI gateway's discovery routes (Flask, gateway off). mlflow-c has
 * no telemetry, assistant or gateway: these answers keep the UI on its own
 * "not set up" states instead of an error banner.
 */
#include <string.h>

#include "server/http.h"
#include "json/json.h"

/* Flask's jsonify: sorted keys, compact, a trailing newline */
static const char tele_config[] = "{\"disable_ui_events\":[],\"disable_ui_telemetry\":true,\"ui_rollout_percentage\":0}\n";
static const char tele_success[] = "{\"status\":\"success\"}\n";
static const char tele_disabled[] = "{\"status\":\"disabled\"}\n";

void mlf_http_ui_telemetry_get(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req,
                               const mlf_route_match *m, mlf_http_response *ret)
{
    (void)app, (void)pool, (void)req, (void)m;
    /* what MLflow answers when the telemetry config cannot be fetched: the UI sends nothing */
    mlf_http_respond(ret, 200, "application/json", tele_config, sizeof(tele_config) - 1);
}

/* Python's truth value of a JSON value */
static bool truthy(const mlf_json *v)
{
    switch (v->type) {
    case MLF_JSON_NULL: return false;
    case MLF_JSON_BOOL: return v->boolean;
    case MLF_JSON_NUMBER: return v->number != 0;
    case MLF_JSON_STRING:
    case MLF_JSON_ARRAY:
    case MLF_JSON_OBJECT: return v->type == MLF_JSON_STRING ? v->len > 0 : v->n > 0;
    }
    return true;
}

/* Flask's request.is_json: application/json or application/<x>+json, parameters ignored */
static bool is_json_type(const mlf_http_request *req)
{
    if (req->content_type == NULL)
        return false;
    size_t n = 0;
    while (n < req->content_type_len && req->content_type[n] != ';')
        n++;
    while (n > 0 && (req->content_type[n - 1] == ' ' || req->content_type[n - 1] == '\t'))
        n--;
    const char *t = req->content_type;
    if (n == 16 && strncasecmp(t, "application/json", 16) == 0)
        return true;
    return n > 17 && strncasecmp(t, "application/", 12) == 0 && strncasecmp(t + n - 5, "+json", 5) == 0;
}

void mlf_http_ui_telemetry_post(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req,
                                const mlf_route_match *m, mlf_http_response *ret)
{
    (void)m;
    if (app->telemetry_disabled) { /* MLflow's first check, before it reads the body */
        mlf_http_respond(ret, 200, "application/json", tele_disabled, sizeof(tele_disabled) - 1);
        return;
    }
    /*
     * MLflow answers "success" to a JSON object without records and
     * "disabled" to anything else (records it would forward when its remote
     * config allows, which never happens without that config, and every body
     * it cannot read): mlflow-c keeps no records, so the same two answers.
     */
    bool ok = false;
    mlf_json *body = NULL;
    mlf_error err = {0};
    if (is_json_type(req) && req->body != NULL &&
        mlf_json_parse(pool, req->body, req->body_len, &body, &err) == 0 && body->type == MLF_JSON_OBJECT) {
        const mlf_json *records = mlf_json_get(body, "records");
        ok = records == NULL || !truthy(records);
    }
    if (ok)
        mlf_http_respond(ret, 200, "application/json", tele_success, sizeof(tele_success) - 1);
    else
        mlf_http_respond(ret, 200, "application/json", tele_disabled, sizeof(tele_disabled) - 1);
}

/*
 * The assistant's routes are FastAPI's GET routes (no HEAD): a request with
 * another method goes on to the Flask app, which answers its 404 page. True
 * when req is a GET; otherwise answers that 404 and returns false.
 */
static bool get_only(const mlf_http_request *req, mlf_http_response *ret)
{
    if (req->method_len == 3 && memcmp(req->method, "GET", 3) == 0)
        return true;
    mlf_http_respond_page(ret, 404);
    return false;
}

/* FastAPI's compact JSON, no trailing newline; nothing selected, nothing configured */
static const char assistant_config[] =
    "{\"providers\":{},\"projects\":{},\"remote_access_allowed\":false,\"can_edit_server_settings\":true}";

void mlf_http_assistant_config(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req,
                               const mlf_route_match *m, mlf_http_response *ret)
{
    (void)app, (void)pool, (void)m;
    if (!get_only(req, ret))
        return;
    mlf_http_respond(ret, 200, "application/json", assistant_config, sizeof(assistant_config) - 1);
}

/*
 * MLflow's provider list on a host without the Claude Code or Codex CLI and
 * without an assistant config (Ollama always counts as available, so it is
 * the one resolved). The UI shows its set-up page from it.
 */
#define PROVIDER(name, display, desc, avail, remote, delivery)                                                    \
    "{\"name\":\"" name "\",\"display_name\":\"" display "\",\"description\":\"" desc "\",\"available\":" avail \
    ",\"selected\":false,\"requires_api_key\":false,\"has_api_key\":false,\"allows_remote_access\":" remote           \
    ",\"client_tool_delivery\":\"" delivery "\",\"model_options\":[]}"
static const char assistant_providers[] =
    "{\"providers\":["
    PROVIDER("claude_code", "Claude Code", "AI-powered assistant using Claude Code CLI", "false", "false",
             "structured") ","
    PROVIDER("codex", "Codex", "AI-powered assistant using the Codex CLI", "false", "false", "structured") ","
    PROVIDER("mlflow_gateway", "MLflow AI Gateway",
             "AI-powered assistant backed by an MLflow AI Gateway endpoint configured on this server.", "false",
             "true", "tool") ","
    PROVIDER("ollama", "Ollama", "AI-powered assistant using a locally running Ollama server.", "true", "false",
             "tool")
    "],\"resolved\":{\"name\":\"ollama\",\"model\":null,\"auto_selected\":true,\"requires_api_key\":false"
    ",\"has_api_key\":false,\"client_tool_delivery\":\"tool\",\"model_provider\":null,\"model_options\":[]"
    ",\"provider_model\":null},\"gateway_vendor_options\":{\"openai\":[\"gpt-5.5\"],\"anthropic\":"
    "[\"claude-sonnet-5\"],\"gemini\":[\"gemini-3-pro\"]}}";

void mlf_http_assistant_providers(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req,
                                  const mlf_route_match *m, mlf_http_response *ret)
{
    (void)app, (void)pool, (void)m;
    if (!get_only(req, ret))
        return;
    mlf_http_respond(ret, 200, "application/json", assistant_providers, sizeof(assistant_providers) - 1);
}

/*
 * The gateway's secrets config, supported providers and models, provider
 * config: mlflow-c serves no AI gateway (server-info says
 * features_enabled.gateway is false), so MLflow's answer with
 * MLFLOW_ENABLE_AI_GATEWAY=false, its _disable_if_gateway_disabled error
 * (before any parameter is read).
 */
void mlf_http_gateway_disabled(const mlf_http_app *app, mlf_pool *pool, const mlf_http_request *req,
                                     const mlf_route_match *m, mlf_http_response *ret)
{
    (void)app, (void)req, (void)m;
    mlf_error err = {0};
    mlf_error_set(&err, pool, MLF_ERR_NOT_IMPLEMENTED,
                  "The AI Gateway feature is disabled. Set MLFLOW_ENABLE_AI_GATEWAY=true to enable it.");
    mlf_http_respond_error(pool, ret, &err);
}
