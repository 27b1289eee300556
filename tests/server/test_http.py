"""The HTTP layer: routes, methods, JSON conventions and bad input."""

import json


def test_health_and_version(server):
    status, h, body = server.request("GET", "/health")
    assert (status, body) == (200, b"OK")
    status, h, body = server.request("GET", "/version")
    assert status == 200 and body.decode().startswith("3.")


def test_gateway_proxy_is_an_empty_gateway(server):
    # MLflow 3.18 without MLFLOW_DEPLOYMENTS_TARGET: {"endpoints": []} for GET and POST, whatever the arguments
    # (the UI lists the gateway's endpoints on every experiment's runs page)
    for method, body in (("GET", None), ("POST", {"gateway_path": "gateway/x/invocations"})):
        status, h, got = server.request(method, "/ajax-api/2.0/mlflow/gateway-proxy?gateway_path=api%2F2.0%2Fendpoints%2F",
                                        body)
        assert (status, got) == (200, {"endpoints": []}), method
    status, _, _ = server.request("PUT", "/ajax-api/2.0/mlflow/gateway-proxy")
    assert status == 405


def test_unknown_path_is_404(server):
    status, _, _ = server.request("GET", "/api/2.0/mlflow/nope")
    assert status == 404


def test_wrong_method_is_405(server):
    status, _, _ = server.request("GET", "/api/2.0/mlflow/experiments/create")
    assert status == 405


NOT_FOUND_PAGE = (b"<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"
                  b"<p>The requested URL was not found on the server. If you entered the URL manually please check "
                  b"your spelling and try again.</p>\n")


def test_rpc_not_ported_is_404_page(server):
    # a workspace rpc, not ported yet: answered, for every method, as a path MLflow does not have
    for method in ("GET", "POST", "OPTIONS", "DELETE"):
        status, h, body = server.request(method, "/api/3.0/mlflow/workspaces", raw=True)
        assert (status, body) == (404, NOT_FOUND_PAGE), method


def test_v3_rpcs_only_under_3_0(server):
    status, _, body = server.request("POST", "/api/3.0/mlflow/traces", {"trace": {}})
    assert (status, body["message"]) == (400, "Invalid value \"\" for parameter 'trace_id' supplied: must be a single "
                                              "path component")  # startTraceV3
    # a 3.0-only rpc: under 2.0 its path is endTrace's (PATCH /traces/{request_id}), as in MLflow's Flask routes
    status, _, _ = server.request("POST", "/api/2.0/mlflow/traces/batchGetInfos", {"trace_ids": []}, raw=True)
    assert status == 405
    status, _, _ = server.request("GET", "/api/3.0/mlflow/experiments/get?experiment_id=0")
    assert status == 404


def test_ajax_api_serves_rpcs(server):
    status, _, body = server.request("GET", "/ajax-api/2.0/mlflow/experiments/get?experiment_id=0")
    assert status == 200 and body["experiment"]["name"] == "Default"


def test_post_requires_json_content_type(server):
    status, _, body = server.request("POST", "/api/2.0/mlflow/experiments/create", b'{"name": "x"}')
    assert status == 400
    assert body == {"error_code": "INVALID_PARAMETER_VALUE",
                    "message": "Bad Request. Content-Type header is missing.", "sqlstate": "KAM00",
                    "error_class": "INVALID_PARAMETER_VALUE"}
    status, _, body = server.request("POST", "/api/2.0/mlflow/experiments/create", b'{"name": "x"}',
                                     {"Content-Type": "text/plain"})
    assert status == 400
    assert body["message"] == "Bad Request. Content-Type must be one of ['application/json']."
    status, _, body = server.request("POST", "/api/2.0/mlflow/experiments/create", b'{"name": "ct-params"}',
                                     {"Content-Type": "application/json; charset=utf-8"})
    assert status == 200


def test_malformed_json_counts_as_empty_body(server):
    for bad in (b"{", b"[1,2", b"\xff\xfe", b'{"name": "\xc3\x28"}', b"nul", b"{" * 100000):
        status, _, body = server.request("POST", "/api/2.0/mlflow/experiments/create", bad,
                                         {"Content-Type": "application/json"})
        assert status == 400, bad
        assert body["error_code"] == "INVALID_PARAMETER_VALUE"
        assert body["message"].startswith("Missing value for required parameter 'name'.")


def test_double_encoded_json_body(server):
    body = json.dumps(json.dumps({"name": "double-encoded"}))
    status, _, resp = server.request("POST", "/api/2.0/mlflow/experiments/create", body,
                                     {"Content-Type": "application/json"})
    assert status == 200 and "experiment_id" in resp


def test_wrong_type_gets_mlflow_message(server):
    status, _, body = server.post("experiments/create", {"name": 123})
    assert status == 400
    assert body == {
        "error_code": "INVALID_PARAMETER_VALUE",
        "message": "Invalid value 123 for parameter 'name' supplied:  Hint: Value was of type 'int'. "
                   "See the API docs for more information about request parameters.",
        "sqlstate": "KAM00", "error_class": "INVALID_PARAMETER_VALUE",
    }
    status, _, body = server.post("experiments/create", {"name": ["a", "é"]})
    assert status == 400
    assert body["message"].startswith("Invalid value [\"a\",\"\\u00e9\"] for parameter 'name' supplied:")


def test_absurd_numbers_are_rejected_not_crashing(server):
    for v in ("99999999999999999999999999", "-1", "1.5", "NaN"):
        status, _, body = server.request("POST", "/api/2.0/mlflow/experiments/search",
                                         b'{"max_results": ' + v.encode() + b"}",
                                         {"Content-Type": "application/json"})
        assert 400 <= status < 500, (v, status, body)
        assert body["error_code"] == "INVALID_PARAMETER_VALUE"
    # an infinite number: MLflow's int() validator raises OverflowError, uncaught: Werkzeug's 500 page
    status, _, body = server.request("POST", "/api/2.0/mlflow/experiments/search", b'{"max_results": 1e999999}',
                                     {"Content-Type": "application/json"}, raw=True)
    assert status == 500 and b"<title>500 Internal Server Error</title>" in body


def test_oversized_body_is_413(server):
    # announce a body over the limit; the server answers before reading it
    import socket
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(b"POST /api/2.0/mlflow/experiments/create HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n{" % (65 << 20))
        reply = s.recv(4096)
    assert reply.startswith(b"HTTP/1.1 413")
    # and the server is still fine
    assert server.request("GET", "/health")[0] == 200


def test_int64_as_string_and_camel_case_accepted(server):
    status, _, body = server.post("experiments/create", {"name": "camel", "artifactLocation": "/tmp/camel-art"})
    assert status == 200
    eid = body["experiment_id"]
    status, _, body = server.get("experiments/get", "experiment_id=" + eid)
    assert body["experiment"]["artifact_location"] == "/tmp/camel-art"
    status, _, body = server.post("experiments/search", {"max_results": "5"})
    assert status == 200 and len(body["experiments"]) <= 5
    # int64 fields come back as JSON numbers
    assert isinstance(body["experiments"][0]["creation_time"], int)


def test_experiment_id_as_number_is_a_type_error(server):
    # MLflow 3.18 no longer turns numeric experiment ids into strings before parsing
    status, _, body = server.post("experiments/set-experiment-tag", {"experiment_id": 0, "key": "k", "value": "v"})
    assert status == 400 and body["message"] == (
        "Invalid value 0 for parameter 'experiment_id' supplied:  Hint: Value was of type 'int'. "
        "See the API docs for more information about request parameters.")


def test_parse_stops_at_first_misfit(server):
    # ParseDict raises at the first value that does not fit; MLflow goes on with what it had set
    status, _, body = server.post("experiments/create", {"name": "misfit"})
    eid = body["experiment_id"]
    status, _, body = server.post("runs/create", {"experiment_id": eid, "run_name": "misfit", "start_time": 1})
    rid = body["run"]["info"]["run_id"]
    status, _, body = server.post("runs/log-batch", {"run_id": rid, "metrics": [
        {"key": "a", "value": 1, "timestamp": 5}, {"key": "b", "value": "x", "timestamp": 5},
        {"key": "c", "value": 3, "timestamp": 5}], "params": [{"key": "p", "value": "1"}]})
    assert status == 200
    status, _, body = server.get("runs/get", f"run_id={rid}")
    metrics = sorted((m["key"], m["value"], m["timestamp"]) for m in body["run"]["data"]["metrics"])
    assert metrics == [("a", 1.0, 5), ("b", 0.0, 0)]
    assert "params" not in body["run"]["data"]


def test_get_query_repeated_keys_and_unknown_params(server):
    status, _, body = server.get("experiments/search", "max_results=2&order_by=name&order_by=experiment_id&zzz=1")
    assert status == 200
    status, _, body = server.get("experiments/search", "max_results=abc")
    assert status == 400
    assert body["message"].startswith("Invalid value \"abc\" for parameter 'max_results' supplied:")


def test_unknown_fields_ignored(server):
    status, _, body = server.post("experiments/create", {"name": "unknown-fields", "whatever": {"a": [1]}})
    assert status == 200


def test_static_prefix(tmp_path):
    from conftest import Server
    s = Server(extra_args=("--static-prefix", "/mlflow"))
    try:
        assert s.request("GET", "/mlflow/ajax-api/2.0/mlflow/experiments/get?experiment_id=0")[0] == 200
        assert s.request("GET", "/ajax-api/2.0/mlflow/experiments/get?experiment_id=0")[0] == 404
        assert s.request("GET", "/api/2.0/mlflow/experiments/get?experiment_id=0")[0] == 200
    finally:
        s.stop()


def test_shutdown_with_idle_keepalive_connections():
    """Clients (requests sessions) keep idle connections open: SIGTERM still ends the server cleanly."""
    import http.client

    from conftest import Server

    s = Server()
    conns = []
    for _ in range(4):
        c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
        c.request("GET", "/api/2.0/mlflow/experiments/get?experiment_id=0")
        assert c.getresponse().read()
        conns.append(c)  # left open
    s.stop()  # asserts exit code 0
    for c in conns:
        c.close()


def test_repeated_slashes(server):
    # leading ones count as one (MLflow's own tests call //model-versions/get-artifact)
    status, _, body = server.request("GET", "//api/2.0/mlflow/experiments/get?experiment_id=0")
    assert status == 200 and body["experiment"]["experiment_id"] == "0"
    # inside the path: Werkzeug's 308 to the merged path, query string kept
    status, h, body = server.request("GET", "/api/2.0//mlflow/experiments/get?experiment_id=0", raw=True)
    url = f"http://127.0.0.1:{server.port}/api/2.0/mlflow/experiments/get?experiment_id=0"
    assert status == 308 and h["location"] == url
    assert f'<a href="{url}">{url}</a>'.encode() in body


def test_options_and_head(server):
    # Flask answers OPTIONS on every path it has; MLflow's security layer makes it a 204 under the API
    assert server.request("OPTIONS", "/api/2.0/mlflow/experiments/create", raw=True)[::2] == (204, b"")
    assert server.request("OPTIONS", "/ajax-api/2.0/mlflow/runs/get", raw=True)[::2] == (204, b"")
    assert server.request("OPTIONS", "/get-artifact", raw=True)[::2] == (200, b"")
    assert server.request("OPTIONS", "/api/2.0/mlflow/nope", raw=True)[::2] == (404, NOT_FOUND_PAGE)
    # HEAD runs a GET rpc, which reads the (empty) body rather than the query string, as Flask's HEAD does
    status, h, body = server.request("HEAD", "/api/2.0/mlflow/experiments/get?experiment_id=0", raw=True)
    assert (status, h["content-type"], body) == (400, "application/json", b"")
