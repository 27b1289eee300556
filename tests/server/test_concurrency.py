"""Many concurrent writers: group commit must keep every request's changes,
and a failing request must not take its group's other requests with it."""

import threading


def test_concurrent_log_batches_all_land(server):
    status, _, body = server.post("experiments/create", {"name": "concurrency"})
    eid = body["experiment_id"]
    runs = [server.post("runs/create", {"experiment_id": eid})[2]["run"]["info"]["run_id"] for _ in range(4)]
    errors = []

    def work(t):
        try:
            for i in range(25):
                run = runs[(t + i) % len(runs)]
                metrics = [{"key": f"m{t}", "value": i, "timestamp": 1000 + i, "step": i}]
                s, _, b = server.post("runs/log-batch", {"run_id": run, "metrics": metrics})
                assert s == 200, b
                # a request that fails (param value change) in the middle of the traffic
                s, _, b = server.post("runs/log-parameter", {"run_id": run, "key": "p", "value": str(t)})
                assert s in (200, 400), b
        except Exception as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    total = 0
    for t in range(16):
        for run in runs:
            s, _, b = server.get("metrics/get-history", f"run_id={run}&metric_key=m{t}")
            assert s == 200
            total += len(b.get("metrics", []))
    assert total == 16 * 25
    # every run got exactly one value for p, never lost or changed
    for run in runs:
        params = server.get("runs/get", "run_id=" + run)[2]["run"]["data"]["params"]
        assert [p["key"] for p in params] == ["p"]
