"""The settings routes MLflow 3.18's web UI asks for that are no rpcs: UI telemetry (GET, and POST with
and without records, bodies that are not JSON objects, other content types), the assistant's config and
providers, the AI gateway's discovery routes (the gateway is off in mlflow-c), their wrong methods."""

JSON = "application/json"
TELE = "/ajax-api/3.0/mlflow/ui-telemetry"


def run(t):
    # ---- UI telemetry ----
    t.get(TELE, name="tele-get")
    t.request("HEAD", TELE, name="tele-head")
    t.get(TELE, {"x": "1"}, name="tele-get-query")
    t.post(TELE, {}, name="tele-post-empty")
    t.post(TELE, {"records": []}, name="tele-post-no-records")
    t.post(TELE, {"records": None}, name="tele-post-null-records")
    t.post(TELE, {"records": ""}, name="tele-post-empty-string")
    t.post(TELE, {"records": 0}, name="tele-post-zero")
    t.post(TELE, {"other": [1]}, name="tele-post-other-key")
    t.post(TELE, {"records": [{"event_name": "page_view", "timestamp_ns": 1, "params": {},
                               "installation_id": "i", "session_id": "s"}]}, name="tele-post-record")
    t.post(TELE, {"records": [{}]}, name="tele-post-bad-record")
    t.post(TELE, {"records": "x"}, name="tele-post-records-string")
    t.post(TELE, [1, 2], name="tele-post-array")
    t.request("POST", TELE, raw="not json", content_type=JSON, name="tele-post-bad-json")
    t.request("POST", TELE, raw="{}", content_type="text/plain", name="tele-post-text")
    t.request("POST", TELE, raw="{}", name="tele-post-no-type")
    t.request("POST", TELE, raw='{"records": []}', content_type="application/json; charset=utf-8",
              name="tele-post-charset")
    t.request("POST", TELE, name="tele-post-no-body")
    t.request("PUT", TELE, raw="{}", content_type=JSON, name="tele-put")
    t.delete(TELE, name="tele-delete")
    t.get("/api/3.0/mlflow/ui-telemetry", name="tele-api-path")

    # ---- the assistant (none configured) ----
    t.get("/ajax-api/3.0/mlflow/assistant/config", name="assistant-config")
    t.get("/ajax-api/3.0/mlflow/assistant/providers", name="assistant-providers")
    t.request("HEAD", "/ajax-api/3.0/mlflow/assistant/config", name="assistant-config-head")
    t.get("/ajax-api/3.0/mlflow/assistant/config", {"x": "1"}, name="assistant-config-query")
    t.request("PUT", "/ajax-api/3.0/mlflow/assistant/providers", raw="{}", content_type=JSON,
              name="assistant-providers-put")
    t.post("/ajax-api/3.0/mlflow/assistant/providers", {}, name="assistant-providers-post")
    t.delete("/ajax-api/3.0/mlflow/assistant/config", name="assistant-config-delete")

    # ---- the AI gateway's secrets config ----
    t.get("/ajax-api/3.0/mlflow/gateway/secrets/config", name="gateway-secrets-config")
    t.request("HEAD", "/ajax-api/3.0/mlflow/gateway/secrets/config", name="gateway-secrets-config-head")
    t.post("/ajax-api/3.0/mlflow/gateway/secrets/config", {}, name="gateway-secrets-config-post")
    t.get("/ajax-api/3.0/mlflow/gateway/supported-providers", name="gateway-supported-providers")
    t.get("/ajax-api/3.0/mlflow/gateway/supported-models", {"provider": "openai"}, name="gateway-supported-models")
    t.get("/ajax-api/3.0/mlflow/gateway/provider-config", name="gateway-provider-config-no-provider")
    t.get("/ajax-api/3.0/mlflow/gateway/provider-config", {"provider": "openai"}, name="gateway-provider-config")
