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
        mutation S($input: MlflowSearchRunsInput) {
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
    assert data["errors"] == ["Cannot query field 'bogus' on type 'MlflowExperiment'. Did you mean 'tags'?"]
    # the document is validated before any rpc runs: a run that does not exist changes nothing
    data = gql(server, '{ mlflowGetRun(input: {runId: "nope"}, x: 1) { run { infoo { runId } ...F } } }')
    assert data == {"data": None, "errors": ["Unknown argument 'x' on field 'Query.mlflowGetRun'.",
                                             "Cannot query field 'infoo' on type 'MlflowRunExtension'. Did you mean "
                                             "'info'?", "Unknown fragment 'F'."]}
    # only @component is known, and only on an operation
    data = gql(server, 'query q @component(name: "x") { test(inputString: "a") { output @skip(if: true) } }')
    assert data == {"data": None, "errors": ["Unknown directive '@skip'."]}
    # variables are coerced against the input types
    q = "query Q($d: MlflowGetRunInput!) { mlflowGetRun(input: $d) { run { info { runId } } } }"
    assert gql(server, q)["errors"] == ["Variable '$d' of required type 'MlflowGetRunInput!' was not provided."]
    assert gql(server, q, {"d": {"runId": 5}})["errors"] == [
        "Variable '$d' got invalid value 5 at 'd.runId'; String cannot represent a non string value: 5"]
    assert gql(server, q, {"d": {"runid": "x"}})["errors"] == [
        "Variable '$d' got invalid value {'runid': 'x'}; Field 'runid' is not defined by type 'MlflowGetRunInput'. "
        "Did you mean 'runId' or 'runUuid'?"]
    assert gql(server, "query Q($u: Int) { test(inputString: \"a\") { output } }")["errors"] == [
        "Variable '$u' is never used in operation 'Q'."]
    # the resolvers' own TypeErrors
    assert gql(server, "{ mlflowGetRun { run { info { runId } } } }") == {
        "data": {"mlflowGetRun": None},
        "errors": ["QueryType.resolve_mlflow_get_run() missing 1 required positional argument: 'input'"]}
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
    # MLflow 3.18 reads the JSON body only, a GET's too: a query string alone is no request
    status, _, data = server.request("GET", "/graphql", {"query": '{ test(inputString: "g") { output } }'})
    assert status == 200 and data == {"data": {"test": {"output": "g"}}, "errors": None}
    q = urllib.parse.quote('{ test(inputString: "g") { output } }')
    # what _graphql lets escape (no JSON object, no query string, a syntax error) is Werkzeug's 500 page
    for method, path, body in [("GET", "/graphql?query=" + q, None), ("POST", "/graphql", {"query": "{ x("}),
                               ("POST", "/graphql", {"nothing": 1}), ("POST", "/graphql", [1])]:
        status, headers, data = server.request(method, path, body)
        assert status == 500 and headers["content-type"].startswith("text/html"), (method, path, body, data)
    status, _, data = server.request("POST", "/graphql", '{"query": "{ __typename }"}',
                                     headers={"Content-Type": "text/plain"})
    assert (status, data["message"]) == (400, "Bad Request. Content-Type must be one of ['application/json'].")
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
