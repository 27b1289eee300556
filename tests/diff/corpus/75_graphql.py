"""/graphql: the queries MLflow's UI sends (GetRun, MlflowGetExperimentQuery, GetMetricHistoryBulkInterval,
SearchRuns, search model versions and datasets), variables, fragments, aliases, operation names, GET, and the
errors: unknown fields and roots, syntax, rpc errors, the safety limits."""

import urllib.parse

G = "/graphql"

UI_GET_RUN = """query GetRun($data: MlflowGetRunInput!) @component(name: "MLflow.ExperimentRunTracking") {
    mlflowGetRun(input: $data) {
      apiError { helpUrl code message }
      run {
        info { runName status runUuid experimentId artifactUri endTime lifecycleStage startTime userId }
        experiment { experimentId name tags { key value } artifactLocation lifecycleStage lastUpdateTime }
        modelVersions { status version name source }
        data { metrics { key value step timestamp } params { key value } tags { key value } }
        inputs {
          datasetInputs { dataset { digest name profile schema source sourceType } tags { key value } }
          modelInputs { modelId }
        }
        outputs { modelOutputs { modelId step } }
      }
    }
  }"""

UI_GET_EXPERIMENT = """query MlflowGetExperimentQuery($input: MlflowGetExperimentInput!)
  @component(name: "MLflow.ExperimentRunTracking") {
    mlflowGetExperiment(input: $input) {
      apiError { code message }
      experiment { artifactLocation creationTime effectiveTraceArchivalRetention experimentId lastUpdateTime
                   lifecycleStage name tags { key value } }
    }
  }"""

UI_BULK = """query GetMetricHistoryBulkInterval($data: MlflowGetMetricHistoryBulkIntervalInput!)
  @component(name: "MLflow.ExperimentRunTracking") {
    mlflowGetMetricHistoryBulkInterval(input: $data) {
      __typename
      metrics { timestamp step runId key value }
      apiError { code message }
    }
  }"""

UI_SEARCH_RUNS = """query SearchRuns($data: MlflowSearchRunsInput!) {
    mlflowSearchRuns(input: $data) {
      apiError { helpUrl code message }
      runs {
        info { runName status runUuid experimentId artifactUri endTime lifecycleStage startTime userId }
        experiment { experimentId name tags { key value } artifactLocation lifecycleStage lastUpdateTime }
        data { metrics { key value step timestamp } params { key value } tags { key value } }
        inputs { datasetInputs { dataset { digest name } tags { key value } } modelInputs { modelId } }
        outputs { modelOutputs { modelId step } }
        modelVersions { version name creationTimestamp status source }
      }
    }
  }"""

# tags, metrics and params of a run come back in the store's order
UNORD = ["data.*.run.data.tags", "data.*.run.data.metrics", "data.*.run.data.params",
         "data.*.run.experiment.tags", "data.*.experiment.tags", "data.*.runs.*.data.tags",
         "data.*.runs.*.experiment.tags", "data.*.run.inputs.datasetInputs", "data.*.metrics",
         "data.*.datasetSummaries"]


def run(t):
    def gql(name, query, variables=None, op=None, **kw):
        body = {"query": query}
        if variables is not None:
            body["variables"] = variables
        if op is not None:
            body["operationName"] = op
        kw.setdefault("unordered", UNORD)
        return t.post(G, body, name=name, **kw)

    eid = t.post("experiments/create", {"name": "gql-exp", "tags": [{"key": "team", "value": "ml"}]},
                 name="setup-exp").get("experiment_id")
    rid = t.post("runs/create", {"experiment_id": eid, "run_name": "gql-run", "start_time": 1700000000000,
                                 "tags": [{"key": "t", "value": "v"}]}, name="setup-run").get("run", "info", "run_id")
    rid2 = t.post("runs/create", {"experiment_id": eid, "run_name": "gql-run-2", "start_time": 1700000001000},
                  name="setup-run2").get("run", "info", "run_id")
    t.post("runs/log-batch", {"run_id": rid, "metrics": [
        {"key": "loss", "value": 1.0, "timestamp": 1700000000100, "step": 0},
        {"key": "loss", "value": 0.5, "timestamp": 1700000000200, "step": 1},
        {"key": "loss", "value": 0.25, "timestamp": 1700000000300, "step": 2},
        {"key": "nan", "value": "NaN", "timestamp": 1700000000100, "step": 0},
        {"key": "inf", "value": "Infinity", "timestamp": 1700000000100, "step": 0}],
        "params": [{"key": "lr", "value": "0.1"}]}, name="setup-batch")
    t.post("runs/log-metric", {"run_id": rid2, "key": "loss", "value": 2.0, "timestamp": 1700000001100, "step": 0},
           name="setup-metric2")
    t.post("runs/log-inputs", {"run_id": rid, "datasets": [{"dataset": {
        "name": "gds", "digest": "g1", "source_type": "local", "source": "s", "schema": "{}", "profile": "{}"},
        "tags": [{"key": "mlflow.data.context", "value": "training"}]}]}, name="setup-inputs")
    mid = t.post("logged-models", {"experiment_id": eid, "name": "gql-model"}, name="setup-lm").get(
        "model", "info", "model_id")
    t.post("runs/outputs", {"run_id": rid, "models": [{"model_id": mid, "step": 2}]}, name="setup-outputs")
    t.post("registered-models/create", {"name": "gql-reg"}, name="setup-reg")
    t.post("model-versions/create", {"name": "gql-reg", "source": f"runs:/{rid}/model", "run_id": rid},
           name="setup-mv", ignore=["model_version.creation_timestamp", "model_version.last_updated_timestamp"])

    # ---- the UI's queries ----
    gql("ui-get-run", UI_GET_RUN, {"data": {"runId": rid}})
    gql("ui-get-run-missing", UI_GET_RUN, {"data": {"runId": "0" * 32}})
    gql("ui-get-run-no-id", UI_GET_RUN, {"data": {}})
    gql("ui-get-experiment", UI_GET_EXPERIMENT, {"input": {"experimentId": eid}})
    gql("ui-get-experiment-missing", UI_GET_EXPERIMENT, {"input": {"experimentId": "99999"}})
    gql("ui-get-experiment-default", UI_GET_EXPERIMENT, {"input": {"experimentId": "0"}})
    gql("ui-bulk", UI_BULK, {"data": {"runIds": [rid, rid2], "metricKey": "loss", "maxResults": 100}})
    gql("ui-bulk-range", UI_BULK, {"data": {"runIds": [rid], "metricKey": "loss", "startStep": "1", "endStep": "2"}})
    gql("ui-bulk-nan", UI_BULK, {"data": {"runIds": [rid], "metricKey": "nan"}})
    gql("ui-bulk-inf", UI_BULK, {"data": {"runIds": [rid], "metricKey": "inf"}})
    gql("ui-bulk-no-runs", UI_BULK, {"data": {"metricKey": "loss"}})
    gql("ui-bulk-no-key", UI_BULK, {"data": {"runIds": [rid]}})
    gql("ui-search-runs", UI_SEARCH_RUNS, {"data": {"experimentIds": [eid], "orderBy": ["attributes.run_name"]}})
    gql("ui-search-runs-filter", UI_SEARCH_RUNS, {"data": {"experimentIds": [eid], "filter": "metrics.loss < 1"}})
    gql("ui-search-runs-mutation",
        UI_SEARCH_RUNS.replace("query SearchRuns", "mutation SearchRuns"),
        {"data": {"experimentIds": [eid], "maxResults": 1, "orderBy": ["attributes.run_name DESC"]}})
    gql("search-mv", "query { mlflowSearchModelVersions(input: {filter: \"name = 'gql-reg'\"}) "
                     "{ modelVersions { name version status source runId currentStage } nextPageToken } }")
    gql("search-mv-bad-filter", "query { mlflowSearchModelVersions(input: {filter: \"name = 1 OR name = 2\"}) "
                                "{ modelVersions { name } apiError { code message } } }")
    gql("search-datasets", "mutation { mlflowSearchDatasets(input: {experimentIds: [\"%s\"]}) "
                           "{ datasetSummaries { experimentId name digest context } } }" % eid)
    gql("search-datasets-empty", "mutation { mlflowSearchDatasets(input: {experimentIds: []}) "
                                 "{ datasetSummaries { name } apiError { code } } }")
    gql("search-datasets-as-query", "query { mlflowSearchDatasets(input: {experimentIds: [\"%s\"]}) "
                                    "{ datasetSummaries { name } } }" % eid)
    gql("list-artifacts", "query { mlflowListArtifacts(input: {runId: \"%s\"}) { rootUri files { path isDir } } }"
        % rid)

    # ---- document shapes ----
    gql("inline-input", '{ mlflowGetRun(input: {runId: "%s"}) { run { info { runName status } } } }' % rid)
    gql("aliases", '{ a: mlflowGetRun(input: {runId: "%s"}) { run { info { name: runName } } } '
                   'b: mlflowGetRun(input: {runId: "%s"}) { run { info { name: runName } } } }' % (rid, rid2))
    gql("fragment", 'query Q { mlflowGetRun(input: {runId: "%s"}) { run { ...F } } } '
                    'fragment F on MlflowRunExtension { info { runName } data { params { key value } } }' % rid)
    gql("inline-fragment", '{ mlflowGetRun(input: {runId: "%s"}) { run { ... on MlflowRunExtension '
                           '{ info { runName } } } } }' % rid)
    gql("typename", '{ __typename mlflowGetRun(input: {runId: "%s"}) { __typename run { __typename '
                    'info { __typename } experiment { __typename } data { metrics { __typename } } } } }' % rid)
    gql("op-name", "query A { mlflowGetExperiment(input: {experimentId: \"%s\"}) { experiment { name } } } "
                   "query B { mlflowGetExperiment(input: {experimentId: \"0\"}) { experiment { name } } }" % eid,
        op="B")
    gql("op-name-missing", "query A { mlflowGetExperiment(input: {experimentId: \"0\"}) { experiment { name } } } "
                           "query B { mlflowGetExperiment(input: {experimentId: \"0\"}) { experiment { name } } }")
    gql("op-name-unknown", "query A { mlflowGetExperiment(input: {experimentId: \"0\"}) { experiment { name } } }",
        op="Z")
    gql("variables-default", "query Q($id: String = \"%s\") { mlflowGetRun(input: {runId: $id}) "
                             "{ run { info { runName } } } }" % rid)
    gql("variables-missing", "query Q($data: MlflowGetRunInput!) { mlflowGetRun(input: $data) "
                             "{ run { info { runName } } } }")
    gql("variables-wrong-type", UI_GET_RUN, {"data": {"runId": 5}})
    gql("variables-unknown-field", UI_GET_RUN, {"data": {"runId": rid, "bogus": 1}})
    gql("variables-not-object", UI_GET_RUN, {"data": "x"})
    gql("variables-string", UI_GET_RUN, "not-an-object")
    gql("no-input", "{ mlflowGetRun { run { info { runName } } } }")
    gql("null-input", "{ mlflowGetRun(input: null) { run { info { runName } } } }")
    gql("skip-include", 'query Q($s: Boolean!) { mlflowGetRun(input: {runId: "%s"}) { run { info '
                        '{ runName @skip(if: $s) status @include(if: $s) } } } }' % rid, {"s": True})

    # ---- errors ----
    gql("unknown-field", '{ mlflowGetRun(input: {runId: "%s"}) { run { bogus } } }' % rid)
    gql("unknown-root", "{ mlflowDeleteRun(input: {runId: \"x\"}) { run { info { runName } } } }")
    gql("mutation-root-as-query", "mutation { mlflowGetRun(input: {runId: \"x\"}) { run { info { runName } } } }")
    gql("no-selection", '{ mlflowGetRun(input: {runId: "%s"}) }' % rid)
    gql("scalar-selection", '{ mlflowGetRun(input: {runId: "%s"}) { run { info { runName { x } } } } }' % rid)
    gql("syntax-error", "{ mlflowGetRun(input: {runId: ")
    gql("empty-query", "")
    gql("subscription", "subscription { mlflowGetRun(input: {runId: \"x\"}) { run { info { runName } } } }")
    gql("unknown-fragment", "{ mlflowGetRun(input: {runId: \"x\"}) { run { ...Nope } } }")
    gql("bad-argument", '{ mlflowGetRun(bogus: 1) { run { info { runName } } } }')
    t.post(G, {"nothing": 1}, name="no-query")
    t.post(G, {"query": 5}, name="query-int")
    t.post(G, raw=b"{", content_type="application/json", name="bad-json")
    t.post(G, raw=b'{"query": "{ __typename }"}', content_type="text/plain", name="text-ct")
    t.put(G, raw=b'{"query": "{ __typename }"}', content_type="application/json", name="put-method")
    t.get(G, {"query": '{ mlflowGetRun(input: {runId: "%s"}) { run { info { runName } } } }' % rid}, name="get")
    t.get(G, {"query": UI_GET_RUN, "variables": '{"data": {"runId": "%s"}}' % rid}, name="get-variables",
          unordered=UNORD)
    t.get(G, name="get-no-query")
    t.request("GET", G, body={"query": '{ mlflowGetRun(input: {runId: "%s"}) { run { info { runName } } } }' % rid},
              name="get-json-body")
    gql("validation-before-rpc", '{ mlflowGetRun(input: {runId: "nope"}, x: 1) { run { infoo { runId } ...F } } }')
    gql("unused-variable", "query Q($u: Int) { mlflowGetExperiment(input: {experimentId: \"0\"}) "
                           "{ experiment { name } } }")
    gql("undefined-variable", "query Q { mlflowGetRun(input: {runId: $nope}) { run { info { runName } } } }")
    gql("unknown-type", "query Q($d: MlflowNope) { mlflowGetRun(input: $d) { run { info { runName } } } }")
    gql("variables-suggest", UI_GET_RUN, {"data": {"runid": rid}})
    gql("variables-enum", UI_SEARCH_RUNS, {"data": {"experimentIds": [eid], "runViewType": "ACTIVE_ONY"}})
    gql("variables-long", "query Q($d: MlflowSearchModelVersionsInput) { mlflowSearchModelVersions(input: $d) "
                          "{ modelVersions { name } } }", {"d": {"maxResults": "ten"}})
    gql("directive-misplaced", '{ mlflowGetRun(input: {runId: "%s"}) @component(name: "x") '
                               '{ run { info { runName } } } }' % rid)
    gql("typo-suggestions", '{ mlflowGetRn(input: {runId: "%s"}) { run { infos { runNam } } } }' % rid)
    t.post("/ajax-api/graphql", {"query": "{ __typename }"}, name="ajax-path")

    # ---- safety limits ----
    many = "query t {" + " ".join(f'k{i}: mlflowGetExperiment(input: {{experimentId: "0"}}) '
                                  f'{{ experiment {{ name }} }}' for i in range(11)) + "}"
    gql("limit-root-fields", many)
    aliases = ('{ mlflowGetExperiment(input: {experimentId: "0"}) { '
               + " ".join(f"e{i}: experiment {{ name }}" for i in range(11)) + " } }")
    gql("limit-aliases", aliases)
    ten = ('{ mlflowGetExperiment(input: {experimentId: "0"}) { '
           + " ".join(f"e{i}: experiment {{ name }}" for i in range(10)) + " } }")
    gql("limit-aliases-ten", ten)
    inner = "name"
    for _ in range(9):
        inner = f"name {{ {inner} }}"
    gql("limit-depth", '{ mlflowGetExperiment(input: {experimentId: "0"}) { experiment { ' + inner + " } } }")
    wide = ('{ mlflowGetExperiment(input: {experimentId: "0"}) { experiment { '
            + " ".join(f"f{i}: name" for i in range(1001)) + " } } }")
    gql("limit-selections", wide)
    frag_aliases = ('query Q { mlflowGetExperiment(input: {experimentId: "0"}) { ...A ...B } } '
                    'fragment A on MlflowGetExperimentResponse { ' + " ".join(f"a{i}: experiment {{ name }}" for i in range(6))
                    + ' } fragment B on MlflowGetExperimentResponse { ' +
                    " ".join(f"b{i}: experiment {{ name }}" for i in range(6)) + " }")
    gql("limit-aliases-fragments", frag_aliases)
    gql("quoted-in-get", urllib.parse.unquote("%7B%20__typename%20%7D"))
