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


def test_500_on_a_store_thread_is_logged(quiet_server):
    # searchLoggedModels runs experiment ids through int(), as MLflow's store does: 'abc' is MLflow's 500
    status, _, body = quiet_server.post("logged-models/search", {"experiment_ids": ["abc"]})
    assert status == 500 and body["error_code"] == "INTERNAL_ERROR", body
    wait_for_line(quiet_server, 'mlflow-c: error 500 on "POST /api/2.0/mlflow/logged-models/search": '
                                "invalid literal for int() with base 10: 'abc'")


def test_500_on_the_loop_is_logged_with_its_query(quiet_server):
    # (experiments/get?experiment_id=abc is a 400 since MLflow 3.18; the logged-model search still fails in int())
    status, _, body = quiet_server.post("logged-models/search", {"experiment_ids": ["abc"]})
    assert status == 500 and body["error_code"] == "INTERNAL_ERROR", body
    wait_for_line(quiet_server, 'mlflow-c: error 500 on "POST /api/2.0/mlflow/logged-models/search": '
                                "invalid literal for int() with base 10: 'abc'")


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
        status, _, _ = s.post("logged-models/search", {"experiment_ids": ["x1"]})
        assert status == 500
        wait_for_line(s, 'mlflow-c: error 500 on "POST /api/2.0/mlflow/logged-models/search": '
                         "invalid literal for int() with base 10: 'x1'")
    finally:
        s.stop()
