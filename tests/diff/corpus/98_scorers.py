"""Scorers: registerScorer, listScorers (experiment_id, experiment_ids, neither), listScorerVersions,
getScorer and deleteScorer on a fresh database: the request checks, the payload checks of
_validate_serialized_scorer_payload (custom code refused, blank sources, third-party kwargs), the store's
name and model checks, versions, the JSON as stored (get, register) and as json.dumps writes it (lists),
deleted experiments and unknown names; both path prefixes."""

import json

API = "/api/3.0/mlflow/scorers/"
AJAX = "/ajax-api/3.0/mlflow/scorers/"
# str(uuid4()) ids, which the runner does not normalise
IDS = ["scorer_id", "scorers.*.scorer_id", "scorer.scorer_id"]


def builtin(name, model=None, **extra):
    return json.dumps({"name": name, "aggregations": None, "description": None, "mlflow_version": "3.18.0",
                       "serialization_version": 1, "builtin_scorer_class": "Safety",
                       "builtin_scorer_pydantic_data": {"name": name, "required_columns": ["outputs"],
                                                        "model": model},
                       "call_source": None, "call_signature": None, "original_func_name": None, **extra})


def judge(name, model):
    return json.dumps({"name": name, "instructions_judge_pydantic_data": {
        "instructions": "Is {{ outputs }} polite?", "model": model}})


def run(t):
    def send(method, path, body=None, params=None, name=None):
        return t.request(method, path, body=body, params=params, name=name, ignore=IDS)

    reg = API + "register"
    # ---- request checks ----
    send("POST", reg, {}, name="register-empty")
    send("POST", reg, {"experiment_id": "0"}, name="register-no-name")
    send("POST", reg, {"experiment_id": "0", "name": "s"}, name="register-no-payload")
    send("POST", reg, {"experiment_id": 0, "name": "s", "serialized_scorer": "{}"}, name="register-int-id")
    send("POST", reg, {"experiment_id": "0", "name": 5, "serialized_scorer": "{}"}, name="register-int-name")
    send("POST", reg, {"experiment_id": "0", "name": "s", "serialized_scorer": {"a": 1}},
         name="register-object-payload")
    send("POST", reg, {"experiment_id": "0", "name": "", "serialized_scorer": "{}"}, name="register-empty-name")
    # ---- payload checks (handler) ----
    send("POST", reg, {"experiment_id": "0", "name": "s", "serialized_scorer": "{not json"}, name="payload-bad-json")
    send("POST", reg, {"experiment_id": "0", "name": "s", "serialized_scorer": json.dumps(
        {"name": "s", "call_source": "return 1", "call_signature": "(outputs)", "original_func_name": "s"})},
         name="payload-custom")
    send("POST", reg, {"experiment_id": "0", "name": "s", "serialized_scorer": json.dumps(
        {"name": "ens", "ensemble_scorer_data": {"scorers": [{"name": "in", "call_source": "x"}]}})},
         name="payload-custom-nested")
    send("POST", reg, {"experiment_id": "0", "name": "s", "serialized_scorer": json.dumps(
        {"name": "s", "call_source": None})}, name="payload-call-source-null")
    send("POST", reg, {"experiment_id": "0", "name": "s", "serialized_scorer": json.dumps(
        {"name": "tp", "third_party_scorer_data": {"kwargs": [1]}})}, name="payload-tp-kwargs-list")
    send("POST", reg, {"experiment_id": "0", "name": "s", "serialized_scorer": json.dumps(
        {"name": "tp", "third_party_scorer_data": {"kwargs": {"model_kwargs": {"base_url": "x", "api_base": "y"},
                                                              "opts": [["fallbacks", 1]]}}})},
         name="payload-tp-dest-keys")
    send("POST", reg, {"experiment_id": "0", "name": "s", "serialized_scorer": json.dumps(
        {"name": "tp", "third_party_scorer_data": {"kwargs": {"k": 1}, "model": "openai:/gpt"}})},
         name="payload-tp-ok-unknown-exp", params=None)
    # ---- store checks ----
    send("POST", reg, {"experiment_id": "0", "name": "   ", "serialized_scorer": "{}"}, name="store-blank-name")
    send("POST", reg, {"experiment_id": "12345", "name": "s", "serialized_scorer": "{}"}, name="store-unknown-exp")
    send("POST", reg, {"experiment_id": "abc", "name": "s", "serialized_scorer": "{}"}, name="store-bad-exp")
    send("POST", reg, {"experiment_id": "0", "name": "s", "serialized_scorer": builtin("s", model=5)},
         name="store-model-int")
    send("POST", reg, {"experiment_id": "0", "name": "s", "serialized_scorer": builtin("s", model="  ")},
         name="store-model-blank")
    send("POST", reg, {"experiment_id": "0", "name": "s", "serialized_scorer": judge("s", "gateway:/nope")},
         name="store-gateway-unknown")

    # ---- registering, versions ----
    eid = t.post("experiments/create", {"name": "scorers-exp"}, name="setup-exp").get("experiment_id")
    eid2 = t.post("experiments/create", {"name": "scorers-exp-2"}, name="setup-exp-2").get("experiment_id")
    # stored as sent (spacing, key order, unicode escapes kept); the lists answer json.dumps of it
    raw = '{"name":"s1","builtin_scorer_pydantic_data":{"model":"openai:/gpt-4","name":"s1"},"x":[1,2.50,"\\u00e9"]}'
    send("POST", reg, {"experiment_id": eid, "name": "s1", "serialized_scorer": raw}, name="reg-s1-v1")
    send("POST", AJAX + "register", {"experiment_id": eid, "name": "s1", "serialized_scorer": builtin("s1")},
         name="reg-s1-v2-ajax")
    send("POST", reg, {"experiment_id": eid, "name": "b2", "serialized_scorer": judge("b2", "openai:/gpt")},
         name="reg-b2")
    send("POST", reg, {"experiment_id": eid, "name": "A0", "serialized_scorer": "{}"}, name="reg-a0")
    send("POST", reg, {"experiment_id": eid, "name": "é", "serialized_scorer": '{"n": -0, "f": 1E2, "big": 1e400}'},
         name="reg-unicode")
    send("POST", reg, {"experiment_id": eid2, "name": "s1", "serialized_scorer": builtin("s1")}, name="reg-exp2")
    send("POST", reg, {"experiment_id": "0", "name": "d", "serialized_scorer": "[]"}, name="reg-default-list")
    # ---- listScorers ----
    send("GET", API + "list", params={"experiment_id": eid}, name="list-one")
    send("GET", AJAX + "list", params={"experiment_id": eid2}, name="list-one-ajax")
    send("GET", API + "list", name="list-all")
    send("GET", API + "list", params={"experiment_ids": [eid, eid2]}, name="list-ids")
    send("GET", API + "list", params={"experiment_ids": [eid2, eid, eid]}, name="list-ids-dup")
    send("GET", API + "list", params={"experiment_ids": ["999"]}, name="list-ids-unknown")
    send("GET", API + "list", params={"experiment_ids": ["-1"]}, name="list-ids-bad")
    send("GET", API + "list", params={"experiment_ids": ["abc"]}, name="list-ids-not-int")
    send("GET", API + "list", params={"experiment_ids": [eid], "experiment_id": eid}, name="list-both")
    send("GET", API + "list", params={"experiment_id": "999"}, name="list-unknown-exp")
    send("GET", API + "list", params={"experiment_id": "x"}, name="list-bad-exp")
    send("GET", API + "list", params={"experiment_id": ""}, name="list-empty-id")
    # ---- listScorerVersions ----
    send("GET", API + "versions", params={"experiment_id": eid, "name": "s1"}, name="versions-s1")
    send("GET", API + "versions", params={"experiment_id": eid, "name": "S1"}, name="versions-case")
    send("GET", API + "versions", params={"experiment_id": eid}, name="versions-no-name")
    send("GET", API + "versions", params={"name": "s1"}, name="versions-no-exp")
    send("GET", API + "versions", params={"experiment_id": "999", "name": "s1"}, name="versions-unknown-exp")
    # ---- getScorer ----
    send("GET", API + "get", params={"experiment_id": eid, "name": "s1"}, name="get-latest")
    send("GET", API + "get", params={"experiment_id": eid, "name": "s1", "version": 1}, name="get-v1")
    send("GET", API + "get", params={"experiment_id": eid, "name": "s1", "version": 9}, name="get-v9")
    send("GET", API + "get", params={"experiment_id": eid, "name": "s1", "version": "x"}, name="get-bad-version")
    send("GET", API + "get", params={"experiment_id": eid, "name": "nope"}, name="get-unknown")
    send("GET", API + "get", params={"experiment_id": eid, "name": "é"}, name="get-unicode")
    send("GET", AJAX + "get", params={"experiment_id": eid, "name": "b2"}, name="get-ajax")
    send("GET", API + "get", params={"name": "s1"}, name="get-no-exp")
    # ---- deleteScorer ----
    send("DELETE", API + "delete", {"experiment_id": eid, "name": "s1", "version": 9}, name="delete-v9")
    send("DELETE", API + "delete", {"experiment_id": eid, "name": "s1", "version": 1}, name="delete-v1")
    send("GET", API + "versions", params={"experiment_id": eid, "name": "s1"}, name="versions-after-v1")
    send("DELETE", API + "delete", {"experiment_id": eid, "name": "s1", "version": 1}, name="delete-v1-again")
    send("POST", reg, {"experiment_id": eid, "name": "s1", "serialized_scorer": "{}"}, name="reg-after-delete")
    send("DELETE", API + "delete", {"experiment_id": eid, "name": "s1"}, name="delete-all")
    send("DELETE", API + "delete", {"experiment_id": eid, "name": "s1"}, name="delete-all-again")
    send("DELETE", API + "delete", params={"experiment_id": eid, "name": "b2"}, name="delete-query")
    send("DELETE", API + "delete", {"experiment_id": eid}, name="delete-no-name")
    send("DELETE", AJAX + "delete", {"experiment_id": eid, "name": "A0", "version": "1"}, name="delete-ajax-str-ver")
    send("POST", reg, {"experiment_id": eid, "name": "s1", "serialized_scorer": "{}"}, name="reg-after-delete-all")
    send("GET", API + "list", params={"experiment_id": eid}, name="list-after-deletes")
    # ---- a deleted experiment ----
    t.post("experiments/delete", {"experiment_id": eid2}, name="setup-delete-exp-2")
    send("GET", API + "list", params={"experiment_id": eid2}, name="deleted-list")
    send("GET", API + "list", name="deleted-list-all")
    send("GET", API + "list", params={"experiment_ids": [eid2, eid]}, name="deleted-list-ids")
    send("GET", API + "get", params={"experiment_id": eid2, "name": "s1"}, name="deleted-get")
    send("POST", reg, {"experiment_id": eid2, "name": "s1", "serialized_scorer": "{}"}, name="deleted-register")
    send("DELETE", API + "delete", {"experiment_id": eid2, "name": "s1"}, name="deleted-delete")
    # ---- methods ----
    send("GET", reg, name="register-get")
    send("POST", API + "list", {}, name="list-post")
