"""Issues (3.18's issues.proto): createIssue, updateIssue, getIssue and searchIssues on a fresh database:
the request checks (the handlers' schemas, validate_issue_fields, validate_issue_search), unknown
experiments, runs and issues; issues created with given ids (so every order is the same on both sides),
updated (status, name, severity, categories replaced and cleared, last_seen_timestamp that never moves
back, metadata merged and deleted); then searched by experiment, filter string, name, statuses,
severities, categories, with order_by, view, total and trace counts (assessments of type issue on traces
startTraceV3 makes), and paged with each of the three page-token kinds; searchTracesV3's issue filter on
the same traces."""

API = "/api/3.0/mlflow/issues"
SEARCH = API + "/search"
TRACES = "/api/3.0/mlflow/traces"


def run(t):
    # ---- createIssue: request checks ----
    t.post(API, {}, name="create-empty")
    t.post(API, {"name": "n", "description": "d"}, name="create-no-exp")
    t.post(API, {"name": "n", "experiment_id": "0"}, name="create-no-description")
    t.post(API, {"name": "", "description": "d", "experiment_id": "0"}, name="create-name-empty")
    t.post(API, {"name": 5, "description": "d", "experiment_id": "0"}, name="create-name-int")
    t.post(API, {"name": "x" * 251, "description": "d", "experiment_id": "0"}, name="create-name-long")
    t.post(API, {"name": "n", "description": "d", "experiment_id": "0", "status": "open"}, name="create-bad-status")
    t.post(API, {"name": "n", "description": "d", "experiment_id": "0", "severity": "huge"},
           name="create-bad-severity")
    t.post(API, {"name": "n", "description": "d", "experiment_id": "0", "issue_id": "abc"}, name="create-bad-id")
    t.post(API, {"name": "n", "description": "d", "experiment_id": "0", "issue_id": "iss-" + "a" * 33},
           name="create-id-long")
    t.post(API, {"name": "n", "description": "d", "experiment_id": "0", "last_seen_timestamp": -1},
           name="create-seen-negative")
    t.post(API, {"name": "n", "description": "d", "experiment_id": "0",
                 "metadata": {f"k{i}": "v" for i in range(101)}}, name="create-metadata-101")
    t.post(API, {"name": "n", "description": "d", "experiment_id": "0", "metadata": {"": "v"}},
           name="create-metadata-empty-key")
    t.post(API, {"name": "n", "description": "d", "experiment_id": "0", "created_by": "u" * 256},
           name="create-created-by-long")
    t.post(API, {"name": "n", "description": "d", "experiment_id": "0", "categories": ["a", ""]},
           name="create-category-empty")
    t.post(API, {"name": "n", "description": "d", "experiment_id": "0", "categories": "a"},
           name="create-categories-str")
    t.post(API, {"name": "n", "description": "d", "experiment_id": "999"}, name="create-unknown-exp")
    t.post(API, {"name": "n", "description": "d", "experiment_id": "abc"}, name="create-exp-not-int")

    # ---- setup ----
    eid = t.post("experiments/create", {"name": "issues-exp"}, name="setup-exp").get("experiment_id")
    other = t.post("experiments/create", {"name": "issues-other"}, name="setup-other").get("experiment_id")
    def new_run(experiment_id, run_name):
        r = t.post("runs/create", {"experiment_id": experiment_id, "run_name": run_name}, name="setup-" + run_name)
        return ((r.get("run") or {}).get("info") or {}).get("run_id", "none")

    run_id = new_run(eid, "run")
    other_run = new_run(other, "other-run")

    # ---- createIssue ----
    t.post(API, {"name": "n", "description": "d", "experiment_id": eid, "source_run_id": other_run},
           name="create-run-other-exp")
    t.post(API, {"name": "n", "description": "d", "experiment_id": eid, "source_run_id": "f" * 32},
           name="create-unknown-run")
    t.post(API, {"issue_id": "iss-a", "name": "Slow answers", "description": "The answers are slow",
                 "experiment_id": eid, "severity": "high", "categories": ["Quality", " quality ", "latency"],
                 "root_causes": ["r1", "r2"], "metadata": {"k": "v", "n": "1"}, "last_seen_timestamp": 5,
                 "created_by": "alice"}, name="create-a")
    t.post(API, {"issue_id": "iss-b", "name": "Wrong_tool%", "description": "d", "experiment_id": eid,
                 "severity": "low", "source_run_id": run_id, "status": "rejected"}, name="create-b")
    t.post(API, {"issue_id": "iss-c", "name": "wrong tool", "description": "d", "experiment_id": eid,
                 "status": "resolved", "categories": ["Safety"]}, name="create-c")
    t.post(API, {"issue_id": "iss-d", "name": "Médium issue", "description": "d", "experiment_id": eid,
                 "severity": "medium", "last_seen_timestamp": "7"}, name="create-d")
    t.post(API, {"issue_id": "iss-e", "name": "other", "description": "d", "experiment_id": other},
           name="create-e-other-exp")
    t.post(API, {"issue_id": "iss-a", "name": "dup", "description": "d", "experiment_id": eid}, name="create-dup")
    t.post(API, {"name": "generated id", "description": "d", "experiment_id": other}, name="create-generated-id")

    # ---- getIssue ----
    t.get(API + "/iss-a", name="get-a")
    t.get(API + "/iss-b", name="get-b")
    t.get(API + "/iss-none", name="get-unknown")
    t.get("/ajax-api/3.0/mlflow/issues/iss-c", name="get-ajax")

    # ---- updateIssue ----
    t.patch(API + "/iss-c", {"status": "resolved"}, name="update-no-body-id")
    t.patch(API + "/iss-c", {"issue_id": "iss-a", "description": "path wins"}, name="update-body-id-other")
    t.patch(API + "/iss-none", {"issue_id": "iss-none", "status": "resolved"}, name="update-unknown")
    t.patch(API + "/iss-c", {"issue_id": "iss-c", "status": "closed"}, name="update-bad-status")
    t.patch(API + "/iss-c", {"issue_id": "iss-c", "severity": "x"}, name="update-bad-severity")
    t.patch(API + "/iss-c", {"issue_id": "iss-c", "name": ""}, name="update-name-empty")
    t.patch(API + "/iss-c", {"issue_id": "iss-c", "metadata": {"k": "v"}, "delete_metadata_keys": ["k"]},
            name="update-overlap")
    t.patch(API + "/iss-c", {"issue_id": "iss-c", "last_updated_by": "u" * 256}, name="update-actor-long")
    t.patch(API + "/iss-c", {"issue_id": "iss-c", "delete_metadata_keys": [""]}, name="update-delete-empty")
    t.patch(API + "/iss-c", {"issue_id": "iss-c", "last_seen_timestamp": -5}, name="update-seen-negative")
    t.patch(API + "/iss-c", {"issue_id": "iss-c", "status": "pending", "name": "Wrong tool", "description": "new",
                             "severity": "high", "last_updated_by": "bob"}, name="update-fields")
    t.patch(API + "/iss-a", {"issue_id": "iss-a", "categories": ["Latency", "latency", "cost"]},
            name="update-categories")
    t.patch(API + "/iss-a", {"issue_id": "iss-a", "last_seen_timestamp": 3}, name="update-seen-back")
    t.patch(API + "/iss-a", {"issue_id": "iss-a", "last_seen_timestamp": 50}, name="update-seen-forward")
    t.patch(API + "/iss-a", {"issue_id": "iss-a", "metadata": {"n": "2", "m": "x"}},
            name="update-metadata-merge")
    t.patch(API + "/iss-a", {"issue_id": "iss-a", "delete_metadata_keys": ["k", "absent"]},
            name="update-metadata-delete")
    t.patch(API + "/iss-c", {"issue_id": "iss-c", "categories": []}, name="update-categories-clear")
    t.patch(API + "/iss-b", {"issue_id": "iss-b"}, name="update-nothing")
    t.get(API + "/iss-a", name="get-a-updated")

    # ---- traces with issue assessments ----
    traces = ["tr-1550e000000000000000000000000001", "tr-1550e000000000000000000000000002"]
    for i, tid in enumerate(traces):
        t.post(TRACES, {"trace": {"trace_info": {
            "trace_id": tid, "trace_location": {"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {
                "experiment_id": eid}},
            "request_time": f"2024-01-0{i + 1}T00:00:00Z", "execution_duration": "1s", "state": "OK"}}},
            name=f"setup-trace-{i}")
    for i, (tid, iss) in enumerate([(traces[0], "iss-b"), (traces[1], "iss-b"), (traces[0], "iss-d"),
                                     (traces[0], "iss-d")]):
        t.post(f"{TRACES}/{tid}/assessments", {"assessment": {"assessment_name": iss, "issue": {"issue_name": iss},
                                                             "source": {"source_type": "HUMAN", "source_id": "me"}}},
               name=f"setup-issue-assessment-{i}", ignore=["*_time", "*.assessment_id"])
    t.post(TRACES + "/search", {"locations": [{"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {
        "experiment_id": eid}}], "filter": "issue.id = 'iss-b'", "order_by": ["timestamp_ms ASC"]},
        name="traces-issue-filter", ignore=["*.assessments"])

    # ---- searchIssues ----
    def search(body, name):
        return t.post(SEARCH, body, name=name)

    search({}, "search-all")
    search({"experiment_id": eid}, "search-exp")
    search({"experiment_id": eid, "include_trace_count": True}, "search-trace-count")
    search({"experiment_id": "abc"}, "search-exp-not-int")
    search({"experiment_id": "9" * 30}, "search-exp-overflow")
    search({"experiment_id": eid, "filter_string": "status = 'pending'"}, "search-filter-status")
    search({"experiment_id": eid, "filter_string": f"source_run_id = '{run_id}'"}, "search-filter-run")
    search({"experiment_id": eid, "filter_string": "status != 'pending' AND source_run_id != 'x'"},
           "search-filter-and")
    search({"experiment_id": eid, "filter_string": "name = 'x'"}, "search-filter-bad-field")
    search({"experiment_id": eid, "filter_string": "status LIKE 'p%'"}, "search-filter-bad-op")
    search({"experiment_id": eid, "name": "WRONG"}, "search-name")
    search({"experiment_id": eid, "name": "_tool%"}, "search-name-escaped")
    search({"experiment_id": eid, "name": "x" * 251}, "search-name-long")
    search({"experiment_id": eid, "statuses": ["pending", "resolved"]}, "search-statuses")
    search({"experiment_id": eid, "statuses": ["open"]}, "search-statuses-bad")
    search({"experiment_id": eid, "severities": ["high", "low"]}, "search-severities")
    search({"experiment_id": eid, "severities": ["x"]}, "search-severities-bad")
    search({"experiment_id": eid, "categories": [" COST "]}, "search-categories")
    search({"experiment_id": eid, "categories": [""]}, "search-categories-empty")
    search({"experiment_id": eid, "order_by": ["name"]}, "search-order-name")
    search({"experiment_id": eid, "order_by": ["severity DESC", "status asc"]}, "search-order-severity")
    search({"experiment_id": eid, "order_by": ["last_seen_timestamp DESC"]}, "search-order-seen")
    search({"experiment_id": eid, "order_by": ["created_timestamp", "last_updated_timestamp DESC"]},
           "search-order-times")
    search({"experiment_id": eid, "order_by": ["bogus"]}, "search-order-bad")
    search({"experiment_id": eid, "order_by": ["name up"]}, "search-order-bad-dir")
    search({"experiment_id": eid, "order_by": ["name ASC extra"]}, "search-order-three")
    search({"experiment_id": eid, "view": "basic"}, "search-view-basic")
    search({"experiment_id": eid, "view": "full"}, "search-view-full")
    search({"experiment_id": eid, "view": "other"}, "search-view-bad")
    search({"experiment_id": eid, "include_total_count": True, "max_results": 2}, "search-total")
    search({"experiment_id": eid, "max_results": 0}, "search-max-zero")
    search({"experiment_id": eid, "max_results": 50001}, "search-max-big")
    search({"experiment_id": eid, "page_token": "bad"}, "search-token-bad")
    search({"experiment_id": eid, "page_token": "eyJvZmZzZXQiOiAxfQ=="}, "search-token-legacy")
    search({"experiment_id": eid, "name": "w", "page_token": "eyJvZmZzZXQiOiAxfQ=="}, "search-token-legacy-enh")

    # paging: the legacy offset token, the offset token with the query, the keyset cursor
    for label, extra in [("legacy", {}), ("offset", {"include_total_count": True}),
                         ("keyset", {"order_by": ["name DESC"]}), ("keyset2", {"order_by": ["severity"]})]:
        token = None
        for page in range(5):
            body = dict(extra, experiment_id=eid, max_results=1)
            if token:
                body["page_token"] = token
            r = search(body, f"page-{label}-{page}")
            token = r.get("next_page_token")
            if not token:
                break
        if label == "keyset":
            first = search(dict(extra, experiment_id=eid, max_results=1), f"page-{label}-again")
            search({"experiment_id": eid, "max_results": 1, "order_by": ["name ASC"],
                    "page_token": first.get("next_page_token", "")}, f"page-{label}-other-query")
    # the page size bigger than the result
    search({"experiment_id": eid, "max_results": 100, "order_by": ["name"]}, "page-all-one")
