"""Trace assessments: createAssessment, GetAssessment, updateAssessment and deleteAssessment on fresh
databases: the request checks, Assessment.from_proto's refusals and the answers about unknown traces and
assessments (no trace can be made over HTTP on this corpus's servers yet; the answers with data are
covered against MLflow itself by tests/server/test_assessments.py on traces MLflow's own store wrote)."""

API = "/api/3.0/mlflow/traces/"
AJAX = "/ajax-api/3.0/mlflow/traces/"
T = "tr-0123456789abcdef0123456789abcdef"


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
