"""The settings routes MLflow 3.18's web UI asks for that are no rpcs (src/server/route_ui_config.c): UI
telemetry, the assistant's config and providers, the AI gateway's secrets config. The answers asserted are
MLflow 3.18's with nothing configured (telemetry config unreachable, no assistant, gateway off)."""

import os

import pytest

from conftest import PG, Server

# none of these touches the store
pytestmark = pytest.mark.skipif(PG, reason="these routes do not depend on the backend")

TELE = "/ajax-api/3.0/mlflow/ui-telemetry"
NOT_FOUND = b"<title>404 Not Found</title>"


# what makes MLflow's is_telemetry_disabled() true (pytest itself sets PYTEST_CURRENT_TEST, CI sets CI)
TELEMETRY_OFF = ("MLFLOW_DISABLE_TELEMETRY", "DO_NOT_TRACK", "PYTEST_CURRENT_TEST", "GITHUB_ACTIONS", "CI",
                 "CIRCLECI", "GITLAB_CI", "JENKINS_URL", "TRAVIS", "TF_BUILD", "BITBUCKET_BUILD_NUMBER",
                 "CODEBUILD_BUILD_ARN", "BUILDKITE", "TEAMCITY_VERSION", "CLOUD_RUN_EXECUTION", "RUNBOT_HOST_URL",
                 "RUNBOT_BUILD_NAME", "RUNBOT_WORKER_ID")


def telemetry_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in TELEMETRY_OFF}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def srv():
    s = Server(env=telemetry_env())
    yield s
    s.stop()


def test_telemetry_config(srv):
    status, h, raw = srv.request("GET", TELE, raw=True)
    assert status == 200 and h["content-type"] == "application/json"
    assert raw == b'{"disable_ui_events":[],"disable_ui_telemetry":true,"ui_rollout_percentage":0}\n'
    status, _, raw = srv.request("HEAD", TELE, raw=True)
    assert status == 200 and raw == b""


@pytest.mark.parametrize("body,ctype,answer", [
    ('{}', "application/json", "success"),
    ('{"records": []}', "application/json", "success"),
    ('{"records": null}', "application/json", "success"),
    ('{"records": 0}', "application/json", "success"),
    ('{"records": ""}', "application/json", "success"),
    ('{"records": []}', "application/json; charset=utf-8", "success"),
    ('{"records": []}', "application/vnd.x+json", "success"),
    ('{"records": [{"event_name": "e"}]}', "application/json", "disabled"),
    ('{"records": "x"}', "application/json", "disabled"),
    ('[1]', "application/json", "disabled"),
    ('not json', "application/json", "disabled"),
    ('{}', "text/plain", "disabled"),
    ('{}', None, "disabled"),
])
def test_telemetry_post(srv, body, ctype, answer):
    status, h, raw = srv.request("POST", TELE, body=body.encode(), headers={"Content-Type": ctype} if ctype else {},
                                 raw=True)
    assert status == 200 and h["content-type"] == "application/json"
    assert raw == b'{"status":"%s"}\n' % answer.encode()


@pytest.mark.parametrize("extra", [{"CI": "true"}, {"PYTEST_CURRENT_TEST": "x"}, {"DO_NOT_TRACK": "TRUE"},
                                   {"MLFLOW_DISABLE_TELEMETRY": "1"}])
def test_telemetry_post_disabled(extra):
    # telemetry off in the server's environment: "disabled" even where it would say "success"
    s = Server(env=telemetry_env(**extra))
    try:
        for body in (b"{}", b'{"records": []}', b"not json"):
            status, _, raw = s.request("POST", TELE, body=body, headers={"Content-Type": "application/json"},
                                       raw=True)
            assert status == 200 and raw == b'{"status":"disabled"}\n'
    finally:
        s.stop()
    s = Server(env=telemetry_env(DO_NOT_TRACK="false", MLFLOW_DISABLE_TELEMETRY="false"))
    try:
        assert s.request("POST", TELE, body=b"{}", headers={"Content-Type": "application/json"},
                         raw=True)[2] == b'{"status":"success"}\n'
    finally:
        s.stop()


def test_telemetry_other_methods(srv):
    assert srv.request("PUT", TELE, body=b"{}")[0] == 405
    assert srv.request("DELETE", TELE)[0] == 405


def test_assistant_config(srv):
    status, h, body = srv.request("GET", "/ajax-api/3.0/mlflow/assistant/config")
    assert status == 200 and h["content-type"] == "application/json"
    assert body == {"providers": {}, "projects": {}, "remote_access_allowed": False, "can_edit_server_settings": True}


def test_assistant_providers(srv):
    status, _, body = srv.request("GET", "/ajax-api/3.0/mlflow/assistant/providers")
    assert status == 200
    assert [(p["name"], p["available"], p["selected"]) for p in body["providers"]] == [
        ("claude_code", False, False), ("codex", False, False), ("mlflow_gateway", False, False),
        ("ollama", True, False)]
    assert body["resolved"]["name"] == "ollama" and body["resolved"]["auto_selected"] is True
    assert set(body["gateway_vendor_options"]) == {"openai", "anthropic", "gemini"}


@pytest.mark.parametrize("method", ["HEAD", "POST", "PUT", "PATCH", "DELETE"])
def test_assistant_other_methods_fall_through(srv, method):
    # FastAPI's GET routes: another method reaches the Flask app, which has no such path
    for path in ("/ajax-api/3.0/mlflow/assistant/config", "/ajax-api/3.0/mlflow/assistant/providers"):
        status, _, raw = srv.request(method, path, body=b"{}" if method in ("POST", "PUT", "PATCH") else None,
                                     raw=True)
        assert status == 404
        if method != "HEAD":
            assert NOT_FOUND in raw


@pytest.mark.parametrize("path", ["secrets/config", "supported-providers", "supported-models?provider=openai",
                                  "provider-config", "provider-config?provider=openai"])
def test_gateway_off(srv, path):
    status, _, body = srv.request("GET", "/ajax-api/3.0/mlflow/gateway/" + path)
    assert status == 501
    assert body["error_code"] == "NOT_IMPLEMENTED"
    assert body["message"] == ("The AI Gateway feature is disabled. "
                               "Set MLFLOW_ENABLE_AI_GATEWAY=true to enable it.")
    assert srv.request("POST", "/ajax-api/3.0/mlflow/gateway/" + path, body={})[0] == 405


def test_static_prefix():
    s = Server(extra_args=("--static-prefix", "/mlflow"))
    try:
        assert s.request("GET", "/mlflow" + TELE)[0] == 200
        assert s.request("GET", TELE)[0] == 404
        assert s.request("GET", "/mlflow/ajax-api/3.0/mlflow/assistant/config")[0] == 200
        assert s.request("GET", "/ajax-api/3.0/mlflow/assistant/config")[0] == 404
    finally:
        s.stop()
