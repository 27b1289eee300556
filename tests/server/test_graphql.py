"""POST/GET /graphql as MLflow's _graphql handler answers it (graphene schema over the protos)."""

import json
import urllib.parse


def gql(server, query, variables=None, operation=None, prefix=""):
    body = {"query": query}
    if variables is not None:
        body["variables"] = variables
    if operation is not None:
        body["operationName"] = operation
    status, _, data = server.request("POST", prefix + "/graphql", body)
    assert status == 200, data
    return data


def make_run(server, name):
    _, _, exp = server.post("experiments/create", {"name": name})
    eid = exp["experiment_id"]
    _, _, run = server.post("runs/create", {"experiment_id": eid, "run_name": name + "-run"})
    return eid, run["run"]["info"]["run_id"]


def test_echo_fields(server):
    assert gql(server, 'query t {test(inputString: "abc") { output }}', operation="t") == {
        "data": {"test": {"output": "abc"}}, "errors": None}
    assert gql(server, 'mutation { testMutation(inputString: "x") { output __typename } }') == {
        "data": {"testMutation": {"output": "x", "__typename": "TestMutation"}}, "errors": None}


def test_get_experiment_and_run(server):
    eid, rid = make_run(server, "gql-run")
    server.post("runs/log-metric", {"run_id": rid, "key": "m", "value": "NaN", "timestamp": 5, "step": 0})
    server.post("runs/log-metric", {"run_id": rid, "key": "ok", "value": 1.5, "timestamp": 5, "step": 2})
    server.post("registered-models/create", {"name": "gql-model"}, prefix="/api/2.0/mlflow/")
    server.post("model-versions/create", {"name": "gql-model", "source": f"runs:/{rid}/model", "run_id": rid})
    data = gql(server, f'''query q @component(name: "Test") {{
        mlflowGetRun(input: {{runId: "{rid}"}}) {{
          run {{
            __typename
            info {{ status runName startTime experimentId }}
            experiment {{ name __typename }}
            modelVersions {{ name version }}
            data {{ metrics {{ key value step __typename }} }}
          }}
        }}
    }}''', operation="q")
    assert data["errors"] is None
    run = data["data"]["mlflowGetRun"]["run"]
    assert run["__typename"] == "MlflowRunExtension"
    assert run["info"]["status"] == "RUNNING" and run["info"]["runName"] == "gql-run-run"
    assert isinstance(run["info"]["startTime"], str)  # LongString
    assert run["info"]["experimentId"] == eid
    assert run["experiment"] == {"name": "gql-run", "__typename": "MlflowExperiment"}
    assert run["modelVersions"] == [{"name": "gql-model", "version": "1"}]
    metrics = {m["key"]: m for m in run["data"]["metrics"]}
    assert metrics["m"]["value"] is None  # NaN: MlflowMetricExtension answers null
    assert metrics["ok"] == {"key": "ok", "value": 1.5, "step": "2", "__typename": "MlflowMetricExtension"}

    exp = gql(server, f'{{ mlflowGetExperiment(input: {{experimentId: "{eid}"}}) {{ experiment {{ name }} apiError {{ code }} }} }}')
    assert exp == {"data": {"mlflowGetExperiment": {"experiment": {"name": "gql-run"}, "apiError": None}},
                   "errors": None}


def test_variables_fragments_and_search(server):
    eid, rid = make_run(server, "gql-search")
    query = '''
        mutation S($input: MlflowSearchRunsInput, $n: LongString = 5) {
          mlflowSearchRuns(input: $input) { runs { ...R } nextPageToken }
        }
        fragment R on MlflowRunExtension { info { runId ... on MlflowRunInfo { lifecycleStage } } }'''
    data = gql(server, query, {"input": {"experimentIds": [eid], "maxResults": 10}})
    assert data["errors"] is None
    assert data["data"]["mlflowSearchRuns"]["runs"] == [{"info": {"runId": rid, "lifecycleStage": "active"}}]


def test_errors(server):
    # an rpc error nulls its field and reports the message
    assert gql(server, '{ mlflowGetRun(input: {runId: "nope"}) { run { info { runId } } } }') == {
        "data": {"mlflowGetRun": None}, "errors": ["Run with id=nope not found"]}
    # a field the schema lacks: the document is invalid
    eid, _ = make_run(server, "gql-errors")
    data = gql(server, f'{{ mlflowGetExperiment(input: {{experimentId: "{eid}"}}) {{ experiment {{ bogus }} }} }}')
    assert data["data"] is None
    assert data["errors"] == ["Cannot query field 'bogus' on type 'MlflowExperiment'."]
    data = gql(server, "query a { test { output } } query b { test { output } }")
    assert data == {"data": None, "errors": ["Must provide operation name if query contains multiple operations."]}


def test_safety_limits(server):
    many = "query t {" + " ".join(f'k{i}: test(inputString: "abc") {{ output }}' for i in range(12)) + "}"
    data = gql(server, many, operation="t")
    assert data["data"] is None
    assert data["errors"] == [
        "GraphQL queries should have at most 10 root fields, got 12 root fields. To increase the limit, set the "
        "MLFLOW_SERVER_GRAPHQL_MAX_ROOT_FIELDS environment variable."]
    aliases = ('query t {mlflowGetExperiment(input: {experimentId: "123"}) {'
               + " ".join(f"e{i}: experiment {{ name }}" for i in range(12)) + "}}")
    assert "queries should have at most 10 aliases" in gql(server, aliases)["errors"][0]
    inner = "name"
    for _ in range(12):
        inner = f"name {{ {inner} }}"
    deep = 'query t { mlflowGetExperiment(input: {experimentId: "1"}) { experiment { ' + inner + " } } }"
    assert gql(server, deep)["errors"] == ["Query exceeds maximum depth of 10"]
    wide = ('query t { mlflowGetExperiment(input: {experimentId: "1"}) { experiment { '
            + " ".join(f"f{i} {{ name }}" for i in range(1002)) + " } } }")
    assert gql(server, wide)["errors"] == ["Query exceeds maximum total selections of 1000"]


def test_get_and_bad_requests(server):
    q = urllib.parse.quote('{ test(inputString: "g") { output } }')
    status, _, data = server.request("GET", "/graphql?query=" + q)
    assert status == 200 and data == {"data": {"test": {"output": "g"}}, "errors": None}
    status, _, data = server.request("POST", "/graphql", {"query": "{ x("})
    assert status == 400 and data["error_code"] == "BAD_REQUEST" and data["message"].startswith("Syntax Error")
    status, _, data = server.request("POST", "/graphql", {"nothing": 1})
    assert status == 400 and data["error_code"] == "BAD_REQUEST"
    status, _, _ = server.request("PUT", "/graphql", {"query": "{ test { output } }"})
    assert status == 405


def test_search_datasets(server):
    eid, rid = make_run(server, "gql-datasets")
    ds = {"name": "d1", "digest": "123", "source_type": "script", "source": "s"}
    server.post("runs/log-inputs", {"run_id": rid, "datasets": [
        {"dataset": ds, "tags": [{"key": "mlflow.data.context", "value": "training"}]}]})
    data = gql(server, f'mutation m {{ mlflowSearchDatasets(input: {{experimentIds: ["{eid}"]}}) '
                       '{ datasetSummaries { experimentId name digest context } } }', operation="m")
    assert data == {"data": {"mlflowSearchDatasets": {"datasetSummaries": [
        {"experimentId": eid, "name": "d1", "digest": "123", "context": "training"}]}}, "errors": None}
