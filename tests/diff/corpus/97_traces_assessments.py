"""Trace assessments: createAssessment, GetAssessment, updateAssessment and deleteAssessment on fresh
databases: the request checks, Assessment.from_proto's refusals and the answers about unknown traces and
assessments; then, on traces startTraceV3 makes, feedback, expectations and issues created, read, updated,
overridden and deleted, and the assessments in getTraceInfoV3 and searchTracesV3 (tests/server/
test_assessments.py covers more against MLflow itself, on traces MLflow's own store wrote)."""

API = "/api/3.0/mlflow/traces/"
AJAX = "/ajax-api/3.0/mlflow/traces/"
T = "tr-0123456789abcdef0123456789abcdef"
# the times a server stamps with its clock (RFC 3339 text, which the runner does not normalise)
TIMES = ["*create_time", "*last_update_time"]


def feedback(**kw):
    return {"assessment": {"assessment_name": "a", "source": {"source_type": "HUMAN", "source_id": "me"},
                           "feedback": {"value": 1}, **kw}}


def run(t):
    c = API + T + "/assessments"
    # ---- createAssessment ----
    t.post(c, {}, name="create-empty")
    t.post(c, {"assessment": None}, name="create-null")
    t.post(c, {"assessment": {}}, name="create-no-value")
    t.post(c, {"assessment": {"assessment_name": "a", "source": {"source_type": "HUMAN"}}}, name="create-no-type")
    t.post(c, {"assessment": {"assessment_name": "a", "expectation": {}}}, name="create-exp-none")
    t.post(c, {"assessment": {"assessment_name": "a", "expectation": {"value": None}}}, name="create-exp-null")
    t.post(c, {"assessment": {"assessment_name": "a", "expectation": {"serialized_value": {}}}},
           name="create-exp-format-missing")
    t.post(c, {"assessment": {"assessment_name": "a", "expectation": {
        "serialized_value": {"serialization_format": "YAML", "value": "1"}}}}, name="create-exp-format")
    t.post(c, {"assessment": {"assessment_name": "a", "expectation": {
        "serialized_value": {"serialization_format": "JSON_FORMAT", "value": "null"}}}}, name="create-exp-ser-null")
    t.post(c, {"assessment": {"assessment_name": "a", "expectation": {
        "serialized_value": {"serialization_format": "JSON_FORMAT", "value": "{not json"}}}},
           name="create-exp-ser-bad")
    t.post(c, {"assessment": "x"}, name="create-str")
    t.post(c, {"assessment": {"feedback": {"value": 1}, "source": {"source_type": "ROBOT"}}}, name="create-source")
    t.post(c, feedback(), name="create-unknown-trace")
    t.post(AJAX + T + "/assessments", feedback(), name="create-unknown-trace-ajax")
    t.post(c, feedback(overrides="a-0"), name="create-unknown-trace-overrides")
    t.post(c, {"assessment": {"assessment_name": "a", "expectation": {"value": [1, 2]}}},
           name="create-exp-unknown-trace")
    t.post(c, {"assessment": {"assessment_name": "i", "issue": {"issue_name": "n"}}},
           name="create-issue-unknown-trace")
    t.get(c, name="create-get")
    # ---- GetAssessment ----
    t.get(API + T + "/assessments/a-0", name="get-unknown-trace")
    t.get(AJAX + T + "/assessments/a-0", name="get-unknown-trace-ajax")
    # ---- updateAssessment ----
    u = API + T + "/assessments/a-0"
    t.patch(u, {}, name="update-empty")
    t.patch(u, {"assessment": {}}, name="update-no-mask")
    t.patch(u, {"update_mask": "rationale"}, name="update-no-assessment")
    t.patch(u, {"assessment": {}, "update_mask": "rationale"}, name="update-unknown-trace")
    t.patch(u, {"assessment": {}, "update_mask": "expectation"}, name="update-exp-none")
    t.patch(u, {"assessment": {"valid": False}, "update_mask": "valid"}, name="update-valid")
    t.patch(u, {"assessment": {}, "update_mask": ""}, name="update-mask-empty")
    # ---- deleteAssessment ----
    t.delete(u, name="delete-unknown-trace")
    t.delete(AJAX + T + "/assessments/a-0", name="delete-unknown-trace-ajax")

    # ---- on traces (startTraceV3) ----
    eid = t.post("experiments/create", {"name": "assessments-exp"}, name="setup-exp").get("experiment_id")
    traces = ["tr-a55e55000000000000000000000000a1", "tr-a55e55000000000000000000000000a2"]
    for i, tid in enumerate(traces):
        t.post(API[:-1], {"trace": {"trace_info": {
            "trace_id": tid, "trace_location": {"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {
                "experiment_id": eid}},
            "request_time": f"2024-01-0{i + 1}T00:00:00Z", "execution_duration": "1s", "state": "OK"}}},
            name=f"setup-trace-{i}")
    t0, t1 = API + traces[0], API + traces[1]
    c = t0 + "/assessments"

    def send(method, path, body=None, name=None):
        return t.request(method, path, body=body, name=name, ignore=TIMES)

    def ident(r):
        return (r.get("assessment") or {}).get("assessment_id", "a-none")

    fb = ident(send("POST", c, feedback(rationale="r", metadata={"k": "v"}, span_id="s1"), name="fb"))
    ex = ident(send("POST", c, {"assessment": {"assessment_name": "e", "source": {"source_type": "CODE"},
                                               "expectation": {"value": {"x": [1, "y", None]}}}}, name="ex"))
    send("POST", c, {"assessment": {"assessment_name": "e2", "expectation": {"serialized_value": {
        "serialization_format": "JSON_FORMAT", "value": "[1, 2.5, {\"a\": true}]"}}}}, name="ex-serialized")
    send("POST", c, {"assessment": {"assessment_name": "i", "issue": {"issue_name": "n"}, "rationale": "why"}},
         name="issue")
    send("POST", c, {"assessment": {"assessment_name": "err", "feedback": {
        "error": {"error_code": "E", "error_message": "m"}}}}, name="fb-error")
    send("POST", c, feedback(assessment_id="a-fixed-id", create_time="2020-01-01T00:00:00Z"), name="fb-own-id")
    send("POST", c, feedback(assessment_id="a-fixed-id"), name="fb-dup-id")
    send("GET", t0 + "/assessments/" + fb, name="get-fb")
    send("GET", t0 + "/assessments/" + ex, name="get-ex")
    send("GET", t0 + "/assessments/a-unknown", name="get-unknown")
    send("GET", t1 + "/assessments/" + fb, name="get-other-trace")
    send("PATCH", t0 + "/assessments/" + fb, {
        "assessment": {"assessment_name": "fb2", "rationale": "r2", "metadata": {"k2": "v2"},
                       "feedback": {"value": "yes"}},
        "update_mask": "assessmentName,rationale,metadata,feedback"}, name="update-fb")
    send("PATCH", t0 + "/assessments/" + ex, {"assessment": {"expectation": {"value": 3}},
                                              "update_mask": "expectation"}, name="update-ex")
    send("PATCH", t0 + "/assessments/" + ex, {"assessment": {"feedback": {"value": 3}}, "update_mask": "feedback"},
         name="update-ex-feedback")
    ov = ident(send("POST", c, feedback(overrides=fb), name="override"))
    send("POST", t1 + "/assessments", feedback(overrides=fb), name="override-other-trace")
    send("GET", t0 + "/assessments/" + fb, name="get-overridden")
    send("GET", t0, name="trace-info")
    send("DELETE", t0 + "/assessments/" + ov, name="delete-override")
    send("GET", t0 + "/assessments/" + fb, name="get-restored")
    send("GET", t0 + "/assessments/" + ov, name="get-deleted")
    send("DELETE", t0 + "/assessments/" + ov, name="delete-again")
    send("POST", t1 + "/assessments", feedback(), name="fb-trace-2")
    send("POST", API + "search", {"locations": [{"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {
        "experiment_id": eid}}]}, name="search")

    # ---- assessments a startTraceV3 trace carries (TraceInfo.from_proto; merged by id into a trace there) ----
    def start(tid, assessments, name):
        return send("POST", API[:-1], {"trace": {"trace_info": {
            "trace_id": tid, "trace_location": {"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {
                "experiment_id": eid}},
            "request_time": "2024-02-01T00:00:00Z", "execution_duration": "2s", "state": "OK",
            "assessments": assessments}}}, name=name)

    t3 = "tr-a55e55000000000000000000000000a3"
    start(t3, [{"assessment_id": "a-carried-1", "assessment_name": "q", "source": {"source_type": "HUMAN"},
                "feedback": {"value": 0.5}, "rationale": "carried", "metadata": {"m": "1"},
                "create_time": "2024-02-01T00:00:01Z", "last_update_time": "2024-02-01T00:00:02Z"},
               {"assessment_id": "a-carried-2", "assessment_name": "g", "source": {"source_type": "CODE"},
                "expectation": {"value": "gold"}, "create_time": "2024-02-01T00:00:01Z",
                "last_update_time": "2024-02-01T00:00:02Z"}], name="start-with-assessments")
    send("GET", API + t3, name="start-with-assessments-info")
    send("GET", API + t3 + "/assessments/a-carried-1", name="start-with-assessments-get")
    start(t3, [{"assessment_id": "a-carried-1", "assessment_name": "q2", "source": {"source_type": "HUMAN"},
                "feedback": {"value": "yes"}, "create_time": "2024-02-01T00:00:01Z",
                "last_update_time": "2024-02-01T00:00:03Z"}], name="start-merge-assessments")
    send("GET", API + t3, name="start-merge-assessments-info")
    start(t3, [{"assessment_id": "a-fixed-id", "assessment_name": "q", "source": {"source_type": "HUMAN"},
                "feedback": {"value": 1}}], name="start-merge-foreign-assessment")
    start("tr-a55e55000000000000000000000000a4", [{"assessment_name": "q", "source": {"source_type": "HUMAN"}}],
          name="start-assessment-no-value")
