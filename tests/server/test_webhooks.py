"""WebhookService over HTTP against the real server (MLflow 3.18's answers and errors), and real
deliveries to receivers run by the test: payloads and signatures for every registry event, a receiver
that fails (retries counted), one that hangs (timeouts; registry writes stay fast meanwhile), a restart
with deliveries pending, and the secrets' Fernet tokens read and written by MLflow's own code."""

import base64
import hashlib
import hmac
import http.server
import json
import os
import subprocess
import threading
import time
import uuid

import pytest
from cryptography.fernet import Fernet

from conftest import Server

KEY = Fernet.generate_key().decode()
ENV = dict(os.environ,
           MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY=KEY,
           MLFLOW_WEBHOOK_ALLOWED_SCHEMES="http,https",
           MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS="true",
           MLFLOW_WEBHOOK_REQUEST_TIMEOUT="1",
           MLFLOW_WEBHOOK_REQUEST_MAX_RETRIES="2")
ALL_EVENTS = [
    ("REGISTERED_MODEL", "CREATED"), ("MODEL_VERSION", "CREATED"),
    ("MODEL_VERSION_TAG", "SET"), ("MODEL_VERSION_TAG", "DELETED"),
    ("MODEL_VERSION_ALIAS", "CREATED"), ("MODEL_VERSION_ALIAS", "DELETED"),
    ("PROMPT", "CREATED"), ("PROMPT_VERSION", "CREATED"), ("PROMPT_TAG", "SET"), ("PROMPT_TAG", "DELETED"),
    ("PROMPT_VERSION_TAG", "SET"), ("PROMPT_VERSION_TAG", "DELETED"),
    ("PROMPT_ALIAS", "CREATED"), ("PROMPT_ALIAS", "DELETED"),
]
SEE = " See the API docs for more information about request parameters."


class Receiver:
    """A local HTTP receiver: /ok answers 200 and records, /fail answers 500 (counted), /hang answers after
    `hang` seconds."""

    def __init__(self, hang=5.0):
        self.lock = threading.Lock()
        self.got = []
        self.fails = 0
        self.hangs = 0
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    if self.path.startswith("/fail"):
                        receiver.fails += 1
                    elif self.path.startswith("/hang"):
                        receiver.hangs += 1
                    else:
                        receiver.got.append((self.path, dict(self.headers), body))
                if self.path.startswith("/hang"):
                    time.sleep(hang)
                code = 500 if self.path.startswith("/fail") else 200
                out = b"nope" if code == 500 else b"ok"
                try:
                    self.send_response(code)
                    self.send_header("Content-Length", str(len(out)))
                    self.end_headers()
                    self.wfile.write(out)
                except OSError:
                    pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def wait(self, n, path=None, timeout=15):
        deadline = time.time() + timeout
        got = []
        while True:
            with self.lock:
                got = [g for g in self.got if path is None or g[0] == path]
            if len(got) >= n or time.time() >= deadline:
                return got
            time.sleep(0.05)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture(scope="module")
def server():
    s = Server(env=ENV)
    yield s
    s.stop()


def uniq(prefix="w"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def ev(entity, action):
    return {"entity": entity, "action": action}


def create(server, url, events=(("REGISTERED_MODEL", "CREATED"),), **kw):
    body = {"name": kw.pop("name", uniq()), "url": url, "events": [ev(*e) for e in events], **kw}
    return server.post("webhooks", body)


def ok(resp):
    status, _, body = resp
    assert status == 200, body
    return body


def err(resp, status, code, message):
    s, _, body = resp
    assert s == status, body
    assert body["error_code"] == code, body
    assert body["message"] == message, body


def verify(headers, body, secret):
    """MLflow's signature: v1,base64(HMAC-SHA256(secret, '<delivery id>.<timestamp>.<payload>'))."""
    did, ts = headers["X-MLflow-Delivery-Id"], headers["X-MLflow-Timestamp"]
    mac = hmac.new(secret.encode(), f"{did}.{ts}.".encode() + body, hashlib.sha256).digest()
    assert headers["X-MLflow-Signature"] == "v1," + base64.b64encode(mac).decode()
    assert abs(int(ts) - time.time()) < 60
    uuid.UUID(did)
    assert headers["Content-Type"] == "application/json"


# ----------------------------------------------------------------------------------- the rpcs

def test_crud_and_secret_never_returned(server, receiver):
    w = ok(create(server, receiver.url("/ok"), description="d", secret="s3cret",
                  events=[("MODEL_VERSION", "CREATED"), ("REGISTERED_MODEL", "CREATED")]))["webhook"]
    assert "secret" not in json.dumps(w)
    assert w["status"] == "ACTIVE" and w["description"] == "d" and w["url"] == receiver.url("/ok")
    assert w["creation_timestamp"] == w["last_updated_timestamp"]
    wid = w["webhook_id"]
    uuid.UUID(wid)
    got = ok(server.get(f"webhooks/{wid}"))["webhook"]
    assert got == w
    # stored encrypted with the key
    stored = server.query1("SELECT secret FROM webhooks WHERE webhook_id = ?", wid)[0]
    assert stored != "s3cret" and Fernet(KEY.encode()).decrypt(stored.encode()) == b"s3cret"
    up = ok(server.request("PATCH", f"/api/2.0/mlflow/webhooks/{wid}",
                           {"status": "DISABLED", "description": "", "name": "renamed.x"}))["webhook"]
    assert up["status"] == "DISABLED" and "description" not in up and up["name"] == "renamed.x"
    assert up["last_updated_timestamp"] >= w["last_updated_timestamp"]
    assert up["events"] == w["events"]
    up = ok(server.request("PATCH", f"/api/2.0/mlflow/webhooks/{wid}",
                           {"events": [ev("MODEL_VERSION_TAG", "SET")]}))["webhook"]
    assert up["events"] == [ev("MODEL_VERSION_TAG", "SET")]
    assert ok(server.request("DELETE", f"/api/2.0/mlflow/webhooks/{wid}")) == {}
    err(server.get(f"webhooks/{wid}"), 404, "RESOURCE_DOES_NOT_EXIST", f"Webhook with ID {wid} not found.")
    # soft delete: the row stays
    assert server.query1("SELECT deleted_timestamp FROM webhooks WHERE webhook_id = ?", wid)[0] is not None


def test_list_pages(fresh_env_server, receiver):
    s = fresh_env_server
    ids = []
    for i in range(5):
        ids.append(ok(create(s, receiver.url("/ok"), name=f"p{i}"))["webhook"]["webhook_id"])
        time.sleep(0.002)
    page = ok(s.get("webhooks", "max_results=2"))
    assert [w["webhook_id"] for w in page["webhooks"]] == ids[::-1][:2]
    page2 = ok(s.get("webhooks", "max_results=2&page_token=" + page["next_page_token"]))
    assert [w["webhook_id"] for w in page2["webhooks"]] == ids[::-1][2:4]
    page3 = ok(s.get("webhooks", "max_results=2&page_token=" + page2["next_page_token"]))
    assert [w["webhook_id"] for w in page3["webhooks"]] == ids[::-1][4:]
    assert "next_page_token" not in page3
    assert len(ok(s.get("webhooks"))["webhooks"]) == 5
    err(s.get("webhooks", "max_results=1001"), 400, "INVALID_PARAMETER_VALUE", "max_results must be between 1 and 1000.")
    err(s.get("webhooks", "max_results=-1"), 400, "INVALID_PARAMETER_VALUE", "max_results must be between 1 and 1000.")


@pytest.fixture
def fresh_env_server():
    s = Server(env=ENV)
    yield s
    s.stop()


def test_bad_input(server, receiver):
    before = server.query1("SELECT count(*) FROM webhooks")[0]
    err(create(server, "ftp://example.com/x"), 400, "INVALID_PARAMETER_VALUE",
        "Invalid webhook URL scheme: 'ftp'. Allowed schemes are: http, https.")
    err(create(server, "   "), 400, "INVALID_PARAMETER_VALUE", "Webhook URL cannot be empty or just whitespace: '   '")
    err(create(server, "http:///path"), 400, "INVALID_PARAMETER_VALUE", "Webhook URL must include a hostname: 'http:///path'")
    err(create(server, receiver.url("/ok"), name="-bad-"), 400, "INVALID_PARAMETER_VALUE",
        "Webhook name '-bad-' is invalid. It must start and end with a letter or digit, be less than 63 characters "
        "long, and contain only letters, digits, dots (.), underscores (_), and hyphens (-).")
    err(create(server, receiver.url("/ok"), events=[("REGISTERED_MODEL", "DELETED")]), 400, "INVALID_PARAMETER_VALUE",
        "Invalid action 'deleted' for entity 'registered_model'. Valid actions are: ['created']")
    err(create(server, receiver.url("/ok"), events=[("MODEL_VERSION_TAG", "CREATED")]), 400, "INVALID_PARAMETER_VALUE",
        "Invalid action 'created' for entity 'model_version_tag'. Valid actions are: ['deleted', 'set']")
    err(create(server, receiver.url("/ok"), events=[]), 400, "INVALID_PARAMETER_VALUE",
        "Webhook events must be a non-empty list of WebhookEvent objects: [].")
    # an unknown enum name is ignored by MLflow's parser (ignore_unknown_fields): the entity is unset
    s, _, _ = server.post("webhooks", {"name": "x", "url": receiver.url("/ok"), "events": [{"entity": "NOPE", "action": "SET"}]})
    assert s == 500
    # an unset entity: MLflow's ValueError escapes the handler (Werkzeug's 500 page)
    s, _, _ = server.post("webhooks", {"name": "x", "url": receiver.url("/ok"), "events": [{"action": "CREATED"}]})
    assert s == 500
    missing = "00000000-0000-0000-0000-000000000000"
    msg = f"Webhook with ID {missing} not found."
    err(server.get(f"webhooks/{missing}"), 404, "RESOURCE_DOES_NOT_EXIST", msg)
    err(server.request("PATCH", f"/api/2.0/mlflow/webhooks/{missing}", {"name": "n"}), 404, "RESOURCE_DOES_NOT_EXIST", msg)
    err(server.request("DELETE", f"/api/2.0/mlflow/webhooks/{missing}"), 404, "RESOURCE_DOES_NOT_EXIST", msg)
    err(server.post(f"webhooks/{missing}/test", {}), 404, "RESOURCE_DOES_NOT_EXIST", msg)
    wid = ok(create(server, receiver.url("/ok")))["webhook"]["webhook_id"]
    err(server.request("PATCH", f"/api/2.0/mlflow/webhooks/{wid}", {"url": "gopher://h"}), 400,
        "INVALID_PARAMETER_VALUE", "Invalid webhook URL scheme: 'gopher'. Allowed schemes are: http, https.")
    assert ok(server.get(f"webhooks/{wid}"))["webhook"]["url"] == receiver.url("/ok")  # nothing half-written
    assert server.query1("SELECT count(*) FROM webhooks")[0] == before + 1


def test_private_addresses_refused_by_default(receiver):
    env = dict(ENV)
    del env["MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS"]
    del env["MLFLOW_WEBHOOK_ALLOWED_SCHEMES"]
    s = Server(env=env)
    try:
        err(create(s, receiver.url("/ok")), 400, "INVALID_PARAMETER_VALUE",
            "Invalid webhook URL scheme: 'http'. Allowed schemes are: https.")
        err(create(s, "https://127.0.0.1/hook"), 400, "INVALID_PARAMETER_VALUE",
            "Webhook URL must not resolve to a non-public IP address. '127.0.0.1' resolves to 127.0.0.1.")
        err(create(s, "https://169.254.169.254/latest"), 400, "INVALID_PARAMETER_VALUE",
            "Webhook URL must not resolve to a non-public IP address. '169.254.169.254' resolves to 169.254.169.254.")
        assert s.query1("SELECT count(*) FROM webhooks")[0] == 0
    finally:
        s.stop()


# ----------------------------------------------------------------------------------- deliveries

def test_every_event_delivered_with_payload_and_signature(server, receiver):
    path = "/ok/" + uniq("all")
    ok(create(server, receiver.url(path), events=ALL_EVENTS, secret="topsecret"))
    m, p = uniq("model"), uniq("prompt")
    ok(server.post("registered-models/create", {"name": m, "tags": [{"key": "a", "value": "1"}], "description": "dm"}))
    mv = ok(server.post("model-versions/create", {"name": m, "source": "s3://b/p", "description": "v",
                                                 "tags": [{"key": "t", "value": "2"}]}))["model_version"]
    ok(server.post("model-versions/set-tag", {"name": m, "version": "1", "key": "k", "value": "v"}))
    ok(server.request("DELETE", "/api/2.0/mlflow/model-versions/delete-tag", {"name": m, "version": "1", "key": "k"}))
    ok(server.post("registered-models/alias", {"name": m, "alias": "champ", "version": "1"}))
    ok(server.request("DELETE", "/api/2.0/mlflow/registered-models/alias", {"name": m, "alias": "champ"}))
    ok(server.post("registered-models/set-tag", {"name": m, "key": "x", "value": "y"}))  # no event for models
    prompt_tags = [{"key": "mlflow.prompt.is_prompt", "value": "true"}, {"key": "_mlflow_prompt_type", "value": "text"}]
    ok(server.post("registered-models/create", {"name": p, "tags": prompt_tags + [{"key": "o", "value": "w"}]}))
    ok(server.post("model-versions/create", {"name": p, "source": "dummy-source", "tags": prompt_tags + [
        {"key": "mlflow.prompt.text", "value": "Hi {{x}}"}, {"key": "u", "value": "z"}]}))
    ok(server.post("registered-models/set-tag", {"name": p, "key": "pk", "value": "pv"}))
    ok(server.request("DELETE", "/api/2.0/mlflow/registered-models/delete-tag", {"name": p, "key": "pk"}))
    ok(server.post("model-versions/set-tag", {"name": p, "version": "1", "key": "vk", "value": "vv"}))
    ok(server.request("DELETE", "/api/2.0/mlflow/model-versions/delete-tag", {"name": p, "version": "1", "key": "vk"}))
    ok(server.post("registered-models/alias", {"name": p, "alias": "prod", "version": "1"}))
    ok(server.request("DELETE", "/api/2.0/mlflow/registered-models/alias", {"name": p, "alias": "prod"}))
    got = receiver.wait(14, path)
    assert len(got) == 14, got
    time.sleep(0.3)
    assert len(receiver.wait(15, path, timeout=0.1)) == 14  # nothing more (the model's set-tag has no event)
    seen = {}
    for _, headers, body in got:
        verify(headers, body, "topsecret")
        payload = json.loads(body)
        assert list(payload) == ["entity", "action", "timestamp", "data"]
        assert body.startswith(b'{"entity": "')  # json.dumps' spacing
        seen[(payload["entity"], payload["action"])] = payload["data"]
    assert seen == {
        ("registered_model", "created"): {"name": m, "tags": {"a": "1"}, "description": "dm"},
        ("model_version", "created"): {"name": m, "version": mv["version"], "source": "s3://b/p",
                                       "run_id": None, "tags": {"t": "2"}, "description": "v"},
        ("model_version_tag", "set"): {"name": m, "version": "1", "key": "k", "value": "v"},
        ("model_version_tag", "deleted"): {"name": m, "version": "1", "key": "k"},
        ("model_version_alias", "created"): {"name": m, "alias": "champ", "version": "1"},
        ("model_version_alias", "deleted"): {"name": m, "alias": "champ"},
        ("prompt", "created"): {"name": p, "tags": {"o": "w"}, "description": ""},
        ("prompt_version", "created"): {"name": p, "version": "1", "template": "Hi {{x}}", "tags": {"u": "z"},
                                        "description": None},
        ("prompt_tag", "set"): {"name": p, "key": "pk", "value": "pv"},
        ("prompt_tag", "deleted"): {"name": p, "key": "pk"},
        ("prompt_version_tag", "set"): {"name": p, "version": "1", "key": "vk", "value": "vv"},
        ("prompt_version_tag", "deleted"): {"name": p, "version": "1", "key": "vk"},
        ("prompt_alias", "created"): {"name": p, "alias": "prod", "version": "1"},
        ("prompt_alias", "deleted"): {"name": p, "alias": "prod"},
    }


def test_only_active_subscribed_webhooks_and_no_signature_without_secret(server, receiver):
    a, b, c = "/ok/" + uniq("a"), "/ok/" + uniq("b"), "/ok/" + uniq("c")
    ok(create(server, receiver.url(a)))  # no secret
    ok(create(server, receiver.url(b), status="DISABLED"))
    ok(create(server, receiver.url(c), events=[("MODEL_VERSION", "CREATED")]))
    ok(server.post("registered-models/create", {"name": uniq("m")}))
    got = receiver.wait(1, a)
    assert len(got) == 1 and "X-MLflow-Signature" not in got[0][1]
    time.sleep(0.5)
    assert receiver.wait(1, b, timeout=0.1) == [] and receiver.wait(1, c, timeout=0.1) == []


def test_failing_receiver_is_retried(server, receiver):
    with receiver.lock:
        receiver.fails = 0
    ok(create(server, receiver.url("/fail/" + uniq())))
    ok(server.post("registered-models/create", {"name": uniq("m")}))
    # MLFLOW_WEBHOOK_REQUEST_MAX_RETRIES=2: the first try and 2 retries (back-off 0 s, then 2 s + jitter)
    deadline = time.time() + 10
    while time.time() < deadline and receiver.fails < 3:
        time.sleep(0.1)
    time.sleep(1.5)
    assert receiver.fails == 3
    deleted = [w["webhook_id"] for w in ok(server.get("webhooks", "max_results=1000"))["webhooks"]
               if "/fail/" in w["url"]]
    for wid in deleted:
        ok(server.request("DELETE", f"/api/2.0/mlflow/webhooks/{wid}"))


def test_hanging_receiver_times_out_and_writes_stay_fast(server, receiver):
    wid = ok(create(server, receiver.url("/hang"), events=[("MODEL_VERSION", "CREATED")]))["webhook"]["webhook_id"]
    m = uniq("m")
    ok(server.post("registered-models/create", {"name": m}))
    t0 = time.time()
    for _ in range(20):
        ok(server.post("model-versions/create", {"name": m, "source": "s3://b/p"}))
    elapsed = time.time() - t0
    assert elapsed < 3.0, elapsed  # 20 writes while 20 deliveries wait on a receiver that hangs
    # testWebhook waits (timeout 1 s, 2 retries) and answers with the failure
    t0 = time.time()
    res = ok(server.post(f"webhooks/{wid}/test", {}))["result"]
    assert res["success"] is False and res["error_message"].startswith("Failed to test webhook: ConnectionError(")
    assert time.time() - t0 < 15
    ok(server.request("DELETE", f"/api/2.0/mlflow/webhooks/{wid}"))


def test_test_webhook(server, receiver):
    path = "/ok/" + uniq("t")
    wid = ok(create(server, receiver.url(path), events=[("MODEL_VERSION_ALIAS", "DELETED"), ("PROMPT", "CREATED")],
                    secret="ts"))["webhook"]["webhook_id"]
    res = ok(server.post(f"webhooks/{wid}/test", {}))["result"]
    assert res == {"success": True, "response_status": 200, "response_body": "ok"}
    _, headers, body = receiver.wait(1, path)[0]
    verify(headers, body, "ts")
    payload = json.loads(body)
    assert (payload["entity"], payload["action"]) == ("model_version_alias", "deleted")
    assert payload["data"] == {"name": "example_model", "alias": "example_alias"}
    res = ok(server.post(f"webhooks/{wid}/test", {"event": ev("PROMPT_VERSION", "CREATED")}))["result"]
    assert res["success"] is True
    payload = json.loads(receiver.wait(2, path)[1][2])
    assert payload["data"]["template"] == "Hello {{name}}!"
    err(server.post(f"webhooks/{wid}/test", {"event": ev("PROMPT", "SET")}), 400, "INVALID_PARAMETER_VALUE",
        "Invalid action 'set' for entity 'prompt'. Valid actions are: ['created']")
    fid = ok(create(server, receiver.url("/fail/t")))["webhook"]["webhook_id"]
    res = ok(server.post(f"webhooks/{fid}/test", {}))["result"]
    assert res == {"success": False, "response_status": 500, "response_body": "nope"}
    # a port nobody listens on
    import socket
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    dead = sock.getsockname()[1]
    sock.close()
    did = ok(create(server, f"http://127.0.0.1:{dead}/x"))["webhook"]["webhook_id"]
    res = ok(server.post(f"webhooks/{did}/test", {}))["result"]
    assert res["success"] is False and "response_status" not in res
    assert res["error_message"].startswith("Failed to test webhook: ConnectionError(")
    for w in (fid, did):
        ok(server.request("DELETE", f"/api/2.0/mlflow/webhooks/{w}"))


def test_restart_with_deliveries_pending(receiver):
    """MLflow's in-process executor loses queued deliveries when its process ends; so does mlflow-c. The
    server stops promptly even while deliveries hang, and the restarted server (same database, same key)
    has every webhook whole and delivers again."""
    s = Server(env=ENV)
    try:
        m = uniq("m")
        ok(create(s, receiver.url("/hang"), events=[("MODEL_VERSION", "CREATED")]))
        path = "/ok/" + uniq("r")
        wid = ok(create(s, receiver.url(path), events=[("MODEL_VERSION", "CREATED")], secret="rs"))["webhook"]["webhook_id"]
        ok(s.post("registered-models/create", {"name": m}))
        for _ in range(30):
            ok(s.post("model-versions/create", {"name": m, "source": "s3://b/p"}))
        t0 = time.time()
        s.proc.terminate()
        s.proc.wait(timeout=10)
        assert time.time() - t0 < 5, "shutdown waited for the deliveries"
        assert s.proc.returncode == 0, s.logs()
        store_uri = s.store_uri
        s2 = Server(store_uri=store_uri, env=ENV)
        try:
            assert len(ok(s2.get("webhooks"))["webhooks"]) == 2
            assert ok(s2.get(f"webhooks/{wid}"))["webhook"]["url"] == receiver.url(path)
            n = len(receiver.wait(0, path, timeout=0))
            ok(s2.post("model-versions/create", {"name": m, "source": "s3://b/p"}))
            got = receiver.wait(n + 1, path)
            assert len(got) >= n + 1
            verify(got[-1][1], got[-1][2], "rs")  # the secret survived the restart (same key)
            assert json.loads(got[-1][2])["data"]["version"] == "31"
        finally:
            s2.stop()
    finally:
        s._cleanup()


# ----------------------------------------------------------------------------------- MLflow's secrets

REF = os.environ.get("MLFLOW_C_REF_PYTHON")


def ref_encrypted_string(op, value):
    """MLflow 3.18's own EncryptedString column type (dbmodels/models.py) on value, with KEY."""
    code = ("import sys; from mlflow.store.model_registry.dbmodels.models import EncryptedString as E; "
            "t = E(); print(t.process_bind_param(sys.argv[2], None) if sys.argv[1] == 'enc' "
            "else t.process_result_value(sys.argv[2], None))")
    out = subprocess.run([REF, "-c", code, op, value], capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY=KEY))
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


@pytest.mark.skipif(not REF, reason="no reference environment (MLFLOW_C_REF_PYTHON)")
def test_secrets_readable_by_mlflow_and_back(server, receiver):
    path = "/ok/" + uniq("x")
    wid = ok(create(server, receiver.url(path), secret="from-c"))["webhook"]["webhook_id"]
    token = server.query1("SELECT secret FROM webhooks WHERE webhook_id = ?", wid)[0]
    assert ref_encrypted_string("dec", token) == "from-c"
    server.sql("UPDATE webhooks SET secret = ? WHERE webhook_id = ?", (ref_encrypted_string("enc", "from-py"), wid))
    assert ok(server.post(f"webhooks/{wid}/test", {}))["result"]["success"] is True
    _, headers, body = receiver.wait(1, path)[0]
    verify(headers, body, "from-py")
