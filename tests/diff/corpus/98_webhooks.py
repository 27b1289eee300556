"""Webhooks: the 6 WebhookService rpcs and their errors, with MLflow's defaults (https only, public
addresses only, a random secret key). URLs are public IP literals so that no name is resolved; no
request reaches a receiver (testWebhook is only asked about unknown ids and bad events)."""

WH = "webhooks"
URL = "https://8.8.8.8/hook"


def ev(entity, action):
    return {"entity": entity, "action": action}


def run(t):
    # ---- create ----
    a = t.post(WH, {"name": "dwh-a", "url": URL, "events": [ev("REGISTERED_MODEL", "CREATED")]},
               name="create").get("webhook", "webhook_id")
    b = t.post(WH, {"name": "dwh-b", "url": URL + "/b", "description": "the b hook", "secret": "s3cret",
                    "status": "DISABLED",
                    "events": [ev("MODEL_VERSION", "CREATED"), ev("MODEL_VERSION_TAG", "SET"),
                               ev("MODEL_VERSION_ALIAS", "DELETED"), ev("PROMPT", "CREATED")]},
               name="create-full").get("webhook", "webhook_id")
    t.post(WH, {"name": "dwh-c", "url": "https://1.1.1.1:8443/x?y=1", "status": "ACTIVE", "secret": "",
                "description": "", "events": [ev("PROMPT_ALIAS", "CREATED"), ev("PROMPT_ALIAS", "DELETED")]},
           name="create-empty-secret-description")
    t.post(WH, {"name": "dwh-a", "url": URL, "events": [ev("BUDGET_POLICY", "EXCEEDED")]}, name="create-same-name")
    t.post(WH, {"url": URL, "events": [ev("PROMPT", "CREATED")]}, name="create-no-name")
    t.post(WH, {"name": "dwh-x", "events": [ev("PROMPT", "CREATED")]}, name="create-no-url")
    t.post(WH, {"name": "dwh-x", "url": URL}, name="create-no-events")
    t.post(WH, {"name": "dwh-x", "url": URL, "events": []}, name="create-empty-events")
    t.post(WH, {"name": 5, "url": URL, "events": [ev("PROMPT", "CREATED")]}, name="create-int-name")
    t.post(WH, {"name": "dwh-x", "url": URL, "events": "prompt.created"}, name="create-events-string")
    t.post(WH, {"name": "-dwh", "url": URL, "events": [ev("PROMPT", "CREATED")]}, name="create-bad-name")
    t.post(WH, {"name": "dwh x", "url": URL, "events": [ev("PROMPT", "CREATED")]}, name="create-name-space")
    t.post(WH, {"name": "d" * 64, "url": URL, "events": [ev("PROMPT", "CREATED")]}, name="create-name-long")
    t.post(WH, {"name": "d" * 63, "url": URL, "events": [ev("PROMPT", "CREATED")]}, name="create-name-63")
    t.post(WH, {"name": "dwh-x", "url": "http://8.8.8.8/hook", "events": [ev("PROMPT", "CREATED")]},
           name="create-http")
    t.post(WH, {"name": "dwh-x", "url": "ftp://8.8.8.8/hook", "events": [ev("PROMPT", "CREATED")]},
           name="create-ftp")
    t.post(WH, {"name": "dwh-x", "url": "8.8.8.8/hook", "events": [ev("PROMPT", "CREATED")]},
           name="create-no-scheme")
    t.post(WH, {"name": "dwh-x", "url": "   ", "events": [ev("PROMPT", "CREATED")]}, name="create-blank-url")
    t.post(WH, {"name": "dwh-x", "url": "https:///hook", "events": [ev("PROMPT", "CREATED")]},
           name="create-no-host")
    t.post(WH, {"name": "dwh-x", "url": "https://127.0.0.1/hook", "events": [ev("PROMPT", "CREATED")]},
           name="create-loopback")
    t.post(WH, {"name": "dwh-x", "url": "https://10.1.2.3/hook", "events": [ev("PROMPT", "CREATED")]},
           name="create-private")
    t.post(WH, {"name": "dwh-x", "url": "https://169.254.169.254/latest", "events": [ev("PROMPT", "CREATED")]},
           name="create-link-local")
    t.post(WH, {"name": "dwh-x", "url": "https://[::1]/hook", "events": [ev("PROMPT", "CREATED")]},
           name="create-ipv6-loopback")
    t.post(WH, {"name": "dwh-x", "url": "https://[::ffff:10.0.0.1]/hook", "events": [ev("PROMPT", "CREATED")]},
           name="create-ipv4-mapped-private")
    t.post(WH, {"name": "dwh-x", "url": "https://[::1/hook", "events": [ev("PROMPT", "CREATED")]},
           name="create-bad-ipv6")
    t.post(WH, {"name": "dwh-x", "url": URL, "events": [ev("REGISTERED_MODEL", "DELETED")]},
           name="create-bad-pair")
    t.post(WH, {"name": "dwh-x", "url": URL, "events": [ev("PROMPT_TAG", "CREATED")]}, name="create-bad-pair-tag")
    t.post(WH, {"name": "dwh-x", "url": URL, "events": [ev("MODEL_VERSION_ALIAS", "SET")]},
           name="create-bad-pair-alias")
    t.post(WH, {"name": "dwh-x", "url": URL, "events": [ev("PROMPT", "CREATED"), ev("BUDGET_POLICY", "SET")]},
           name="create-bad-second-pair")
    t.post(WH, {"name": "dwh-x", "url": "ftp://x", "events": [ev("PROMPT", "SET")]}, name="create-bad-pair-and-url")
    t.post(WH, {"name": "-x", "url": "ftp://x", "events": [ev("PROMPT", "CREATED")]}, name="create-bad-name-and-url")

    # ---- get ----
    t.get(WH + "/" + a, name="get")
    t.get(WH + "/" + b, name="get-full")
    t.get(WH + "/00000000-0000-0000-0000-000000000000", name="get-missing")
    t.get(WH + "/nope", name="get-missing-short")
    t.get("/ajax-api/2.0/mlflow/webhooks/" + a, name="get-ajax")

    # ---- list ----
    t.get(WH, name="list")
    first = t.get(WH, {"max_results": 2}, name="list-page-1")
    t.get(WH, {"max_results": 2, "page_token": first.get("next_page_token")}, name="list-page-2")
    t.get(WH, {"max_results": 0}, name="list-max-0")
    t.get(WH, {"max_results": 1000}, name="list-max-1000")
    t.get(WH, {"max_results": 1001}, name="list-max-1001")
    t.get(WH, {"max_results": -1}, name="list-max-negative")
    t.get(WH, {"max_results": "x"}, name="list-max-text")
    t.get(WH, {"page_token": "not-a-token"}, name="list-bad-token")
    t.request("OPTIONS", "/api/2.0/mlflow/webhooks", name="options-webhooks")

    # ---- update ----
    t.patch(WH + "/" + a, {"description": "now described"}, name="update-description")
    t.patch(WH + "/" + a, {"name": "dwh-a2", "status": "DISABLED"}, name="update-name-status")
    t.patch(WH + "/" + a, {"events": [ev("MODEL_VERSION_TAG", "DELETED"), ev("PROMPT_VERSION", "CREATED")]},
            name="update-events")
    t.patch(WH + "/" + a, {"events": []}, name="update-events-empty")
    t.patch(WH + "/" + a, {"url": "https://9.9.9.9/new", "secret": "x"}, name="update-url-secret")
    t.patch(WH + "/" + a, {"description": ""}, name="update-description-empty")
    t.patch(WH + "/" + a, {"name": ""}, name="update-name-empty")
    t.patch(WH + "/" + a, {}, name="update-nothing")
    t.patch(WH + "/" + a, {"status": "ACTIVE"}, name="update-active")
    t.patch(WH + "/" + a, {"url": "http://9.9.9.9/x"}, name="update-http")
    t.patch(WH + "/" + a, {"url": "https://192.168.0.1/x"}, name="update-private")
    t.patch(WH + "/" + a, {"name": "bad name"}, name="update-bad-name")
    t.patch(WH + "/" + a, {"events": [ev("PROMPT", "DELETED")]}, name="update-bad-pair")
    t.patch(WH + "/" + a, {"name": 7}, name="update-int-name")
    t.get(WH + "/" + a, name="get-after-updates")
    t.patch(WH + "/00000000-0000-0000-0000-000000000000", {"name": "n"}, name="update-missing")
    t.patch(WH + "/00000000-0000-0000-0000-000000000000", {"name": "bad name"}, name="update-missing-bad-name")
    t.patch(WH + "/00000000-0000-0000-0000-000000000000", {"events": [ev("PROMPT", "DELETED")]},
            name="update-missing-bad-pair")

    # ---- test ----
    t.post(WH + "/00000000-0000-0000-0000-000000000000/test", {}, name="test-missing")
    t.post(WH + "/" + a + "/test", {"event": ev("PROMPT", "SET")}, name="test-bad-pair")
    t.post(WH + "/00000000-0000-0000-0000-000000000000/test", {"event": ev("PROMPT", "SET")},
           name="test-missing-bad-pair")

    # ---- delete ----
    t.delete(WH + "/" + b, name="delete")
    t.get(WH + "/" + b, name="get-deleted")
    t.delete(WH + "/" + b, name="delete-again")
    t.patch(WH + "/" + b, {"name": "n"}, name="update-deleted")
    t.post(WH + "/" + b + "/test", {}, name="test-deleted")
    t.get(WH, name="list-after-delete")
    t.delete(WH + "/00000000-0000-0000-0000-000000000000", name="delete-missing")
