"""Writes traces with MLflow 3.18's own tracing API into the tracking store at argv[1] (a sqlite:/// or
postgresql:// URI): the ground truth tests/server/test_trace_search.py reads with both servers.

Run with the reference interpreter ($MLFLOW_C_REF_PYTHON). Experiment "plain" holds traces without
assessments (names, tags, metadata, a run, sessions, span types, attributes, an error); experiment
"assessed" holds traces with feedback and expectations. Prints the two experiment ids."""

import sys
import time

import mlflow
from mlflow.entities import AssessmentSource, SpanType


def seed(uri):
    mlflow.set_tracking_uri(uri)
    plain = mlflow.create_experiment("plain")
    assessed = mlflow.create_experiment("assessed")

    mlflow.set_experiment(experiment_id=plain)

    @mlflow.trace(name="predict", span_type=SpanType.LLM, attributes={"model": "gpt-4", "temperature": 0.5})
    def predict(x):
        mlflow.update_current_trace(tags={"env": "prod", "team": "a"},
                                    metadata={"mlflow.trace.session": "s1", "custom": "m1"})
        span = mlflow.get_current_active_span()
        span.set_attribute("mlflow.chat.tokenUsage", {"input_tokens": 5 * x, "output_tokens": 2, "total_tokens": 5 * x + 2})
        span.set_attribute("mlflow.llm.cost", {"input_cost": 0.5, "output_cost": 0.25, "total_cost": 0.75})
        return x * 2

    @mlflow.trace(name="chain", span_type=SpanType.CHAIN)
    def chain(x):
        mlflow.update_current_trace(tags={"env": "dev"}, metadata={"mlflow.trace.session": "s2"})
        with mlflow.start_span(name="retriever", span_type=SpanType.RETRIEVER) as s:
            s.set_attributes({"top_k": 3, "index": "docs"})
            s.set_inputs({"query": "what is mlflow"})
        if x < 0:
            raise ValueError("negative")
        return x + 1

    @mlflow.trace(name="other")
    def other(x):
        return x

    predict(1)
    time.sleep(0.01)
    chain(2)
    time.sleep(0.01)
    try:
        chain(-1)
    except ValueError:
        pass
    time.sleep(0.01)
    other("hello world")
    time.sleep(0.01)
    with mlflow.start_run():
        predict(3)
    time.sleep(0.01)
    with mlflow.start_span(name="Predict_Upper", span_type="CUSTOM_TYPE") as span:
        span.set_inputs({"question": "Café?"})
        mlflow.update_current_trace(tags={"env": "PROD", "unicode": "é"})

    mlflow.flush_trace_async_logging()
    # a prompt version linked to the last trace (entity_associations: trace -> prompt_version "greet/1")
    prompt = mlflow.genai.register_prompt(name="greet", template="Hello {{name}}")
    mlflow.MlflowClient().link_prompt_versions_to_trace([prompt], span.trace_id)

    mlflow.set_experiment(experiment_id=assessed)
    ids = []
    for i in range(4):
        with mlflow.start_span(name=f"judged{i % 2}") as span:
            span.set_inputs({"i": i})
            if i < 2:
                mlflow.update_current_trace(metadata={"mlflow.trace.session": "sess-a"})
        ids.append(span.trace_id)
        time.sleep(0.01)
    mlflow.flush_trace_async_logging()
    human = AssessmentSource(source_type="HUMAN", source_id="alice")
    mlflow.log_feedback(trace_id=ids[0], name="quality", value=True, source=human)
    mlflow.log_feedback(trace_id=ids[1], name="quality", value=False, source=human)
    mlflow.log_feedback(trace_id=ids[0], name="score", value=0.9, source=human)
    mlflow.log_feedback(trace_id=ids[2], name="score", value=0.3, source=human)
    mlflow.log_feedback(trace_id=ids[3], name="tone", value="polite", source=human)
    mlflow.log_feedback(trace_id=ids[1], name="coherent", value=True, source=human,
                        metadata={"mlflow.trace.session": "sess-a"})
    mlflow.log_expectation(trace_id=ids[2], name="answer", value="42", source=human)
    mlflow.log_expectation(trace_id=ids[3], name="answer", value="forty-two", source=human)
    print(plain, assessed)


if __name__ == "__main__":
    seed(sys.argv[1])
