"""The routes that run Python on MLflow's server, in the parts whose answers do not depend on whether job
execution is on (the reference runs with MLflow 3.18's default, which starts its job runner; mlflow-c runs no
jobs and answers as MLflow with MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false, which tests/server/test_scorers.py
checks against MLflow run that way): the issue-detection schedule state of experiments without a schedule,
the jobs of unknown ids (Flask's pair and the FastAPI job API), job
search on an empty table, the job API's body checks and unknown job names, and scorer/invoke's checks up to
the job submission."""

import json

JOBS = "/ajax-api/3.0/jobs/"
INVOKE = "/ajax-api/3.0/mlflow/scorer/invoke"


def run(t):
    # ---- jobs ----
    t.get("/ajax-api/3.0/mlflow/jobs/123", name="flask-get-unknown")
    t.patch("/ajax-api/3.0/mlflow/jobs/cancel/123", name="flask-cancel-unknown")
    t.get(JOBS + "123", name="api-get-unknown")
    t.get(JOBS + "search", name="api-get-search")
    t.patch(JOBS + "cancel/abc", name="api-cancel-unknown")
    t.post(JOBS + "search", {}, name="api-search-empty")
    t.post(JOBS + "search", {"job_name": "invoke_scorer", "statuses": ["PENDING"]}, name="api-search-filters")
    t.post(JOBS + "search", [1], name="api-search-list")
    t.post(JOBS, {"job_name": "x", "params": {}}, name="api-submit-unknown-name")
    t.post(JOBS, {}, name="api-submit-empty")
    t.post(JOBS, {"params": {"a": [1, "é"]}}, name="api-submit-no-name")
    t.post(JOBS, {"job_name": 5, "params": {}}, name="api-submit-int-name")
    t.post(JOBS, [1], name="api-submit-list")
    # ---- scorer/invoke up to the job submission ----
    t.post(INVOKE, {}, name="invoke-empty")
    t.post(INVOKE, {"experiment_id": "0"}, name="invoke-no-scorer")
    t.post(INVOKE, {"experiment_id": "0", "serialized_scorer": "{}"}, name="invoke-no-traces")
    t.post(INVOKE, {"experiment_id": "0", "serialized_scorer": "{}", "trace_ids": []}, name="invoke-empty-traces")
    t.post(INVOKE, {"experiment_id": "0", "serialized_scorer": "{}", "trace_ids": "abc"}, name="invoke-traces-str")
    t.post(INVOKE, {"experiment_id": "0", "serialized_scorer": "{}", "trace_ids": ["a", 1]}, name="invoke-traces-int")
    t.post(INVOKE, {"experiment_id": "0", "serialized_scorer": "{}", "trace_ids": ["a"], "scorer_name": "x"},
           name="invoke-name-only")
    t.post(INVOKE, {"experiment_id": "0", "serialized_scorer": "{}", "trace_ids": ["a"], "scorer_version": 1},
           name="invoke-version-only")
    t.post(INVOKE, {"experiment_id": "0", "serialized_scorer": "{}", "trace_ids": ["a"], "scorer_name": "x",
                    "scorer_version": "1"}, name="invoke-version-str")
    t.post(INVOKE, {"experiment_id": "0", "serialized_scorer": "{}", "trace_ids": ["a"], "scorer_name": "x",
                    "scorer_version": True}, name="invoke-version-bool")
    t.post(INVOKE, {"experiment_id": "0", "serialized_scorer": "{bad", "trace_ids": ["a"]}, name="invoke-bad-json")
    t.post(INVOKE, {"experiment_id": "0", "serialized_scorer": json.dumps({"name": "c", "call_source": "x"}),
                    "trace_ids": ["a"]}, name="invoke-custom")
    t.post(INVOKE, {"experiment_id": "0", "serialized_scorer": json.dumps({"name": "c", "call_source": " "}),
                    "trace_ids": ["a"]}, name="invoke-custom-blank")
    t.post(INVOKE, {"experiment_id": "0", "serialized_scorer": "{}", "trace_ids": ["a"], "scorer_name": "x",
                    "scorer_version": 1}, name="invoke-unknown-registered")
    eid = t.post("experiments/create", {"name": "invoke-exp"}, name="setup-exp").get("experiment_id")
    t.post("/api/3.0/mlflow/scorers/register", {"experiment_id": eid, "name": "reg", "serialized_scorer": "{}"},
           name="setup-register", ignore=["scorer_id"])
    t.post(INVOKE, {"experiment_id": eid, "serialized_scorer": "{}", "trace_ids": ["a"], "scorer_name": "reg",
                    "scorer_version": 2}, name="invoke-unknown-version")
    t.post(INVOKE, {"experiment_id": "999", "serialized_scorer": "{}", "trace_ids": ["a"], "scorer_name": "reg",
                    "scorer_version": 1}, name="invoke-unknown-exp")
    t.request("POST", INVOKE, raw='{"experiment_id": "0"}', name="invoke-no-content-type")
    t.get(INVOKE, name="invoke-get")
    # ---- issue detection: an experiment's next scheduled run (none without a schedule) ----
    st = "/ajax-api/3.0/mlflow/issues/schedule/state"
    t.post(st, {}, name="schedule-empty")
    t.post(st, {"experiment_id": 0}, name="schedule-int-id")
    t.post(st, {"experiment_id": "999"}, name="schedule-unknown-exp")
    t.post(st, {"experiment_id": "0"}, name="schedule-default")
    t.post("experiments/set-experiment-tag", {"experiment_id": eid, "key": "other", "value": "x"},
           name="setup-schedule-tag")
    t.post(st, {"experiment_id": eid}, name="schedule-no-schedule-tag")
    t.request("POST", st, raw='{"experiment_id": "0"}', name="schedule-no-content-type")
