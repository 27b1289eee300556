"""Issue 13 point 7: every answer with status >= 500 is logged to the server's stderr with its request line
and the error's text, with or without the access log; answers below 500 are not (without the access log)."""

import time

import pytest

from conftest import Server


@pytest.fixture(scope="module")
def quiet_server():
    s = Server(extra_args=["--no-access-log"])
    yield s
    s.stop()


def wait_for_line(server, line, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        logs = server.logs()
        if line in logs.splitlines():
            return logs
        time.sleep(0.05)
    raise AssertionError(f"{line!r} not in the server's stderr: {server.logs()!r}")


# A page token that is not ASCII: MLflow's base64 decoding raises, an INTERNAL_ERROR 500
ASCII_ONLY = "string argument should contain only ASCII characters"


def test_500_on_a_store_thread_is_logged(quiet_server):
    status, _, body = quiet_server.post("runs/search", {"experiment_ids": ["0"], "page_token": "\u00e9"})
    assert status == 500 and body["error_code"] == "INTERNAL_ERROR", body
    wait_for_line(quiet_server, f'mlflow-c: error 500 on "POST /api/2.0/mlflow/runs/search": {ASCII_ONLY}')


def test_500_on_the_loop_is_logged_with_its_query(quiet_server):
    status, _, body = quiet_server.get("experiments/search", "max_results=1&page_token=%C3%A9")
    assert status == 500 and body["error_code"] == "INTERNAL_ERROR", body
    wait_for_line(quiet_server, 'mlflow-c: error 500 on "GET /api/2.0/mlflow/experiments/search'
                                f'?max_results=1&page_token=%C3%A9": {ASCII_ONLY}')


def test_answers_below_500_are_not_logged(quiet_server):
    status, _, _ = quiet_server.get("runs/get", "run_id=no-such-run")
    assert status == 404
    status, _, _ = quiet_server.post("experiments/create", {"name": "error-log"})
    assert status == 200
    time.sleep(0.2)
    logs = quiet_server.logs()
    assert "no-such-run" not in logs and "experiments/create" not in logs, logs


def test_500_is_logged_next_to_the_access_log():
    s = Server()
    try:
        status, _, _ = s.post("runs/search", {"experiment_ids": ["0"], "page_token": "\u00e9"})
        assert status == 500
        wait_for_line(s, f'mlflow-c: error 500 on "POST /api/2.0/mlflow/runs/search": {ASCII_ONLY}')
    finally:
        s.stop()
