"""Online scoring configurations (MLflow's internal routes): GET .../scorers/online-configs and
PUT .../scorers/online-config on both prefixes: the request dict's checks (query and body), filter_string's
type, float() of sample_rate (MLflow's uncaught errors included), the range and trace-filter checks, unknown
experiments and scorers, the gateway-model check for a sample rate above 0, then configurations stored with
rate 0, replaced, read back by scorer id."""

import json

API = "/api/3.0/mlflow/scorers/"
AJAX = "/ajax-api/3.0/mlflow/scorers/"
# str(uuid4()) scorer ids, which the runner does not normalise
IDS = ["scorer_id", "configs.*.scorer_id", "config.scorer_id"]


def run(t):
    def send(method, path, body=None, params=None, name=None, raw=None):
        return t.request(method, path, body=body, params=params, raw=raw, name=name, ignore=IDS,
                         content_type="application/json" if raw is not None else None)

    put = API + "online-config"
    get = API + "online-configs"
    # ---- GET checks ----
    send("GET", get, name="get-none")
    send("GET", get, params={"scorer_ids": "a"}, name="get-one-unknown")
    send("GET", AJAX + "online-configs", params={"scorer_ids": ["a", "b"]}, name="get-two-unknown-ajax")
    send("GET", get, params={"other": "x"}, name="get-other-key")
    send("GET", get, params={"scorer_ids": ""}, name="get-empty-value")
    send("POST", get, {}, name="get-post")
    # ---- PUT checks ----
    send("PUT", put, {}, name="put-empty")
    send("PUT", put, {"experiment_id": 0, "name": "x", "sample_rate": 0.5}, name="put-int-exp")
    send("PUT", put, {"experiment_id": "0", "sample_rate": 0.5}, name="put-no-name")
    send("PUT", put, {"experiment_id": "0", "name": "x"}, name="put-no-rate")
    send("PUT", put, {"experiment_id": "0", "name": "x", "sample_rate": None}, name="put-null-rate")
    send("PUT", put, {"experiment_id": "0", "name": "x", "sample_rate": 0.5, "filter_string": 5},
         name="put-filter-int")
    send("PUT", put, {"experiment_id": "0", "name": "x", "sample_rate": 0.5, "filter_string": ["a", {"b": True}]},
         name="put-filter-list")
    send("PUT", put, {"experiment_id": "0", "name": "x", "sample_rate": "abc"}, name="put-rate-str")
    send("PUT", put, {"experiment_id": "0", "name": "x", "sample_rate": [1]}, name="put-rate-list")
    send("PUT", put, {"experiment_id": "0", "name": "x", "sample_rate": 1.5}, name="put-rate-high")
    send("PUT", put, {"experiment_id": "0", "name": "x", "sample_rate": -1}, name="put-rate-neg")
    send("PUT", put, {"experiment_id": "0", "name": "x", "sample_rate": " 2 "}, name="put-rate-str-high")
    send("PUT", put, {"experiment_id": "0", "name": "x", "sample_rate": "nan"}, name="put-rate-nan")
    send("PUT", put, {"experiment_id": "0", "name": "x", "sample_rate": 0.5, "filter_string": "bogus = = 1"},
         name="put-filter-bad")
    send("PUT", put, {"experiment_id": "0", "name": "x", "sample_rate": 0.5}, name="put-unknown-scorer")
    send("PUT", put, {"experiment_id": "999", "name": "x", "sample_rate": 0.5}, name="put-unknown-exp")
    send("PUT", put, raw="not json", name="put-not-json")
    send("PUT", put, raw='{"experiment_id": "0", "name": "x", "sample_rate": 0.5}', name="put-no-content-type")
    send("POST", put, {}, name="put-post")
    # ---- with scorers ----
    eid = t.post("experiments/create", {"name": "online-exp"}, name="setup-exp").get("experiment_id")
    reg = API + "register"

    def register(name, payload):
        r = send("POST", reg, {"experiment_id": eid, "name": name, "serialized_scorer": json.dumps(payload)},
                 name="setup-" + name)
        return r.get("scorer_id")

    s1 = register("plain", {"name": "plain"})
    s2 = register("judge", {"name": "judge", "instructions_judge_pydantic_data": {
        "instructions": "Is {{ outputs }} polite?", "model": "openai:/gpt-4"}})
    send("PUT", put, {"experiment_id": eid, "name": "plain", "sample_rate": 0.5}, name="put-not-gateway")
    send("PUT", put, {"experiment_id": eid, "name": "judge", "sample_rate": True}, name="put-judge-true")
    send("PUT", put, {"experiment_id": eid, "name": "plain", "sample_rate": 0}, name="put-zero")
    send("PUT", AJAX + "online-config", {"experiment_id": eid, "name": "judge", "sample_rate": "0.0",
                                         "filter_string": "attributes.status = 'OK'"}, name="put-zero-filter-ajax")
    send("PUT", put, {"experiment_id": eid, "name": "judge", "sample_rate": False, "filter_string": None},
         name="put-replace")
    send("PUT", put, {"experiment_id": eid, "name": "judge", "sample_rate": 0, "filter_string": ""},
         name="put-empty-filter")
    send("PUT", put, {"experiment_id": eid, "name": "JUDGE", "sample_rate": 0}, name="put-case")
    send("GET", get, params={"scorer_ids": [s1, s2, "zzz"]}, name="get-both")
    send("GET", get, params={"scorer_ids": s2}, name="get-judge")
    # deleting the scorer removes its configuration
    send("DELETE", API + "delete", {"experiment_id": eid, "name": "plain"}, name="delete-plain")
    send("GET", get, params={"scorer_ids": [s1, s2]}, name="get-after-delete")
    # deleting a version keeps it
    send("DELETE", API + "delete", {"experiment_id": eid, "name": "judge", "version": 1}, name="delete-judge-v1")
    send("GET", get, params={"scorer_ids": [s2]}, name="get-after-version-delete")
    send("PUT", put, {"experiment_id": eid, "name": "judge", "sample_rate": 0.7}, name="put-no-versions")
