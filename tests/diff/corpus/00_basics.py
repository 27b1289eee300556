"""Routes every client touches first: health, version, server-info; unknown paths, rpcs not ported yet."""


def run(t):
    t.get("/health", name="health")
    t.get("/version", name="version")
    t.get("/api/3.0/mlflow/server-info", name="server-info")
    t.post("/health", name="health-post")
    t.get("/api/2.0/mlflow/no-such-rpc", name="unknown-path")
    t.get("/nothing/here", name="unknown-root")
    t.post("experiments/create", {"name": "basics"}, name="create")
    t.get("experiments/get", {"experiment_id": "1"}, name="get")
    t.get("experiments/get", {"experiment_id": "99"}, name="get-missing")
    t.post("experiments/create", {}, name="create-no-name")
