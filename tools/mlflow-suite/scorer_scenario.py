"""MLflow 3's scorer registry (mlflow.genai.scorers) against one tracking server.

usage: python scorer_scenario.py TRACKING_URI OUT.json

Run with the reference environment's interpreter (MLflow 3.18.0). tests/server/test_scorers_sdk.py runs
it against Python MLflow 3.18's `mlflow server` and against `mlflow-c server` and compares the files.

Each step uses the public API only: builtin scorers and make_judge() judges `.register()`ed, registered
again (new versions), `list_scorers`, `list_scorer_versions`, `get_scorer` (latest and by version), a
custom `@scorer` registration, online scoring `start` / `update` / `stop` (the online scoring
configuration routes), `delete_scorer` by version and whole, then the errors of what is gone. OUT.json
gets, per step, what the SDK returned (ids and times normalised), the exception it raised and every HTTP
request it made. The process prints one line per step and exits 0 whatever happened.
"""

import json
import os
import re
import sys
import traceback

os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "0")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")

import requests  # noqa: E402

import mlflow  # noqa: E402
from mlflow.genai.judges import make_judge  # noqa: E402
from mlflow.genai.scorers import (  # noqa: E402
    RelevanceToQuery,
    Safety,
    ScorerSamplingConfig,
    delete_scorer,
    get_scorer,
    list_scorers,
    scorer,
)
from mlflow.genai.scorers.registry import list_scorer_versions  # noqa: E402

URI = sys.argv[1].rstrip("/")
OUT = sys.argv[2]

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}")
TIME = re.compile(r"(?<!\d)1[6-9]\d{11}(?!\d)")


def norm(s):
    return TIME.sub("<time>", UUID.sub("<id>", s))


def describe(v):
    """What a step returned, as JSON: scorers by their public fields."""
    if isinstance(v, (list, tuple)):
        return [describe(x) for x in v]
    if isinstance(v, mlflow.genai.scorers.Scorer):
        d = {"type": type(v).__name__, "name": v.name}
        for attr in ("model", "sample_rate", "filter_string", "instructions"):
            try:
                d[attr] = getattr(v, attr)
            except Exception as e:  # noqa: BLE001 - the attribute's own failure is part of the answer
                d[attr] = f"<{type(e).__name__}>"
        return d
    if isinstance(v, (str, int, float, bool)) or v is None:
        return norm(v) if isinstance(v, str) else v
    return norm(repr(v))


REQUESTS = []


def record(r, *args, **kwargs):
    req = r.request
    line = f"{req.method} {norm(req.path_url)} -> {r.status_code}"
    if r.status_code >= 400:
        line += " " + norm(r.text[:300])
    REQUESTS.append(line)


_orig_send = requests.Session.send


def _send(self, request, **kwargs):
    r = _orig_send(self, request, **kwargs)
    record(r)
    return r


requests.Session.send = _send


def main():
    mlflow.set_tracking_uri(URI)
    eid = mlflow.set_experiment("scorers-sdk").experiment_id
    steps = []

    def step(name, fn):
        REQUESTS.clear()
        out = {"step": name, "result": None, "error": None}
        try:
            out["result"] = describe(fn())
        except Exception as e:  # noqa: BLE001 - the error is the step's answer
            out["error"] = norm(f"{type(e).__name__}: {e}")[:600]
        out["requests"] = list(REQUESTS)
        steps.append(out)
        print(("ok " if out["error"] is None else "ERROR ") + name + ("" if out["error"] is None else ": " +
                                                                       out["error"][:200]))

    polite = make_judge(name="polite", instructions="Is the response {{ outputs }} polite?", model="openai:/gpt-4o")

    @scorer
    def has_text(outputs) -> bool:
        return bool(outputs)

    step("register builtin", lambda: Safety().register(name="safety", experiment_id=eid))
    step("register builtin with a model",
         lambda: RelevanceToQuery(model="openai:/gpt-4o-mini").register(name="relevance", experiment_id=eid))
    step("register judge", lambda: polite.register(experiment_id=eid))
    step("register judge again", lambda: polite.register(experiment_id=eid))
    step("register custom scorer", lambda: has_text.register(experiment_id=eid))
    step("register to an unknown experiment", lambda: Safety().register(name="s", experiment_id="424242"))
    step("list_scorers", lambda: list_scorers(experiment_id=eid))
    step("list_scorer_versions", lambda: list_scorer_versions(name="polite", experiment_id=eid))
    step("get_scorer latest", lambda: get_scorer(name="polite", experiment_id=eid))
    step("get_scorer version 1", lambda: get_scorer(name="polite", experiment_id=eid, version=1))
    step("get_scorer unknown", lambda: get_scorer(name="nope", experiment_id=eid))
    step("get_scorer unknown version", lambda: get_scorer(name="polite", experiment_id=eid, version=7))
    step("start online scoring (no gateway model)",
         lambda: get_scorer(name="safety", experiment_id=eid).start(
             name="safety", experiment_id=eid, sampling_config=ScorerSamplingConfig(sample_rate=0.5)))
    step("stop online scoring",
         lambda: get_scorer(name="relevance", experiment_id=eid).stop(name="relevance", experiment_id=eid))
    step("list_scorers after stop", lambda: list_scorers(experiment_id=eid))
    step("delete_scorer version", lambda: delete_scorer(name="polite", experiment_id=eid, version=1))
    step("list_scorer_versions after delete", lambda: list_scorer_versions(name="polite", experiment_id=eid))
    step("delete_scorer all versions", lambda: delete_scorer(name="polite", experiment_id=eid, version="all"))
    step("get_scorer deleted", lambda: get_scorer(name="polite", experiment_id=eid))
    step("delete_scorer unknown", lambda: delete_scorer(name="polite", experiment_id=eid, version="all"))
    step("list_scorers at the end", lambda: list_scorers(experiment_id=eid))

    with open(OUT, "w") as f:
        json.dump(steps, f, indent=1)


if __name__ == "__main__":
    try:
        main()
    except Exception:  # noqa: BLE001
        traceback.print_exc()
