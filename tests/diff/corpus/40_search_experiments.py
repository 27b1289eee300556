"""searchExperiments: the filter grammar (attributes, tags, comparators, quoting, IS NULL, IN lists on
experiment_id), order_by, view_type, max_results bounds, paging with tokens, GET vs POST.

Every experiment of this file is named `dsx-...`; the searches filter on that prefix so that the
experiments of the other corpus files (created at unpredictable milliseconds) never enter an ordering.
"""

import time

P = "name LIKE 'dsx-%'"


def run(t):
    # MLflow's REST handler passes max_results as read (unset: 0, an error): every search names it
    def search(body, name, **kw):
        if "max_results" not in body:
            body = {**body, "max_results": 100}
        return t.post("experiments/search", body, name=name, **kw)

    def sget(params, name, **kw):
        if "max_results" not in params:
            params = {**params, "max_results": "100"}
        return t.get("experiments/search", params, name=name, **kw)

    # ---- the experiments: created a few ms apart, so creation_time orders them ----
    ids = {}
    specs = [
        ("dsx-alpha", [{"key": "team", "value": "red"}, {"key": "stage", "value": "dev"}]),
        ("dsx-Beta", [{"key": "team", "value": "blue"}]),
        ("dsx-gamma", [{"key": "team", "value": "Red"}, {"key": "flag", "value": ""}]),
        ("dsx-delta", []),
        ("dsx-épsilon-ünï", [{"key": "lang", "value": "日本語"}]),
        ("dsx-zeta_1", [{"key": "team", "value": "green"}, {"key": "with space", "value": "x y"}]),
        ("dsx-eta%", [{"key": "team", "value": "red%"}]),
        ("dsx-theta", [{"key": "stage", "value": "prod"}]),
    ]
    for n, tags in specs:
        r = t.post("experiments/create", {"name": n, "tags": tags}, name="create-" + n)
        ids[n] = r.get("experiment_id")
        time.sleep(0.01)
    # one deleted, one renamed (last_update_time moves), one with a tag set later
    t.post("experiments/delete", {"experiment_id": ids["dsx-delta"]}, name="delete-delta")
    time.sleep(0.01)
    t.post("experiments/update", {"experiment_id": ids["dsx-theta"], "new_name": "dsx-theta-renamed"},
           name="rename-theta")
    time.sleep(0.01)
    t.post("experiments/set-experiment-tag", {"experiment_id": ids["dsx-Beta"], "key": "stage", "value": "qa"},
           name="tag-beta")

    # ---- plain searches ----
    search({"filter": P}, "prefix")
    search({"filter": P, "max_results": 3}, "prefix-3")
    sget({"filter": P}, "get-prefix")
    sget({"filter": P, "max_results": "2"}, "get-prefix-2")
    search({"max_results": 1}, "unfiltered-1")
    t.post("experiments/search", {}, name="no-body-fields")
    t.post("experiments/search", {"filter": P}, name="no-max-results")
    t.get("experiments/search", {"filter": P}, name="get-no-max-results")
    t.get("experiments/search", name="get-no-params")

    # ---- view_type ----
    for vt in ("ACTIVE_ONLY", "DELETED_ONLY", "ALL"):
        search({"filter": P, "view_type": vt}, "view-" + vt)
    sget({"filter": P, "view_type": "DELETED_ONLY"}, "get-view-deleted")
    sget({"filter": P, "view_type": "3"}, "get-view-3")
    search({"filter": P, "view_type": 2}, "view-int-2")
    search({"filter": P, "view_type": "NOPE"}, "view-bad-name")
    search({"filter": P, "view_type": 7}, "view-int-7")
    sget({"filter": P, "view_type": "x"}, "get-view-bad")

    # ---- max_results bounds ----
    for mr in (0, -1, 1, 50000, 50001, 100000):
        search({"filter": P, "max_results": mr}, f"max-{mr}")
    search({"filter": P, "max_results": "5"}, "max-string-5")
    search({"filter": P, "max_results": "five"}, "max-string-bad")
    search({"filter": P, "max_results": 2.5}, "max-float")
    sget({"filter": P, "max_results": "0"}, "get-max-0")
    sget({"filter": P, "max_results": "abc"}, "get-max-bad")
    sget({"filter": P, "max_results": "50001"}, "get-max-50001")

    # ---- paging ----
    r = search({"filter": P, "max_results": 3}, "page-1")
    r = search({"filter": P, "max_results": 3, "page_token": r.get("next_page_token")}, "page-2")
    r = search({"filter": P, "max_results": 3, "page_token": r.get("next_page_token")}, "page-3")
    # 7 active: exactly two pages of 3 and 4 -> what a full last page answers
    r = search({"filter": P, "max_results": 7}, "page-exact")
    r = search({"filter": P, "max_results": 4, "order_by": ["name"]}, "page-name-1")
    search({"filter": P, "max_results": 4, "order_by": ["name"], "page_token": r.get("next_page_token")},
           "page-name-2")
    r = sget({"filter": P, "max_results": "2", "order_by": "name DESC"}, "get-page-1")
    sget({"filter": P, "max_results": "2", "order_by": "name DESC", "page_token": r.get("next_page_token")},
         "get-page-2")
    for tok, nm in [("notbase64!", "tok-not-b64"), ("bm90IGpzb24=", "tok-not-json"), ("e30=", "tok-empty-obj"),
                    ("eyJvZmZzZXQiOiAiYWJjIn0=", "tok-offset-str"), ("eyJvZmZzZXQiOiAwfQ==", "tok-offset-0"),
                    ("eyJvZmZzZXQiOiAyfQ==", "tok-offset-2"), ("eyJvZmZzZXQiOiAxMDAwfQ==", "tok-offset-1000"),
                    ("eyJvZmZzZXQiOiAtMX0=", "tok-offset-neg"), ("WzFd", "tok-list"), ("abc", "tok-bad-pad")]:
        search({"filter": P, "page_token": tok}, nm)
    # a negative offset: SQLite reads it as 0 (the next token adds to it), PostgreSQL refuses it
    r = search({"filter": P, "max_results": 2, "page_token": "eyJvZmZzZXQiOiAtMX0="}, "tok-offset-neg-paged")
    search({"filter": P, "max_results": 2, "page_token": r.get("next_page_token")}, "tok-offset-neg-next")

    # ---- filter: attributes ----
    search({"filter": "name = 'dsx-alpha'"}, "f-name-eq")
    search({"filter": "attribute.name = 'dsx-alpha'"}, "f-attribute-name")
    search({"filter": "attributes.name = 'dsx-Beta'"}, "f-attributes-name")
    search({"filter": P + " AND name != 'dsx-alpha'"}, "f-name-ne")
    search({"filter": "name LIKE 'dsx-%a'"}, "f-like-suffix")
    search({"filter": "name LIKE 'DSX-%'"}, "f-like-case")
    search({"filter": "name ILIKE 'DSX-B%'"}, "f-ilike")
    search({"filter": "name like 'dsx-%'"}, "f-like-lower")
    search({"filter": "name ilike 'dsx-g%'"}, "f-ilike-lower")
    search({"filter": "name LIKE 'dsx-eta\\%'"}, "f-like-escape")
    search({"filter": "name LIKE 'dsx-_eta'"}, "f-like-underscore")
    search({"filter": "name = 'dsx-épsilon-ünï'"}, "f-unicode-eq")
    search({"filter": "name = \"dsx-gamma\""}, "f-double-quoted-value")
    search({"filter": "`name` = 'dsx-gamma'"}, "f-backtick-key")
    search({"filter": "attribute.`name` = 'dsx-gamma'"}, "f-backtick-attr-key")
    search({"filter": "name = 'dsx-theta-renamed'", "view_type": "ALL"}, "f-renamed")
    search({"filter": P + " AND creation_time > 0"}, "f-ctime-gt")
    search({"filter": P + " AND creation_time >= 0 AND last_update_time > 1"}, "f-two-numeric")
    search({"filter": P + " AND creation_time < 0"}, "f-ctime-lt-0")
    search({"filter": P + " AND creation_time <= 99999999999999"}, "f-ctime-le")
    search({"filter": P + " AND creation_time != 5"}, "f-ctime-ne")
    search({"filter": P + " AND creation_time = 5"}, "f-ctime-eq")
    search({"filter": P + " AND creation_time > 1.5"}, "f-ctime-float")
    search({"filter": P + " AND creation_time > '5'"}, "f-ctime-string")
    search({"filter": P + " AND creation_time LIKE 5"}, "f-ctime-like")
    search({"filter": P + " AND last_update_time IN (1, 2)"}, "f-lut-in")
    search({"filter": "experiment_id = '" + str(ids["dsx-alpha"]) + "'"}, "f-expid-eq")
    search({"filter": P + " AND experiment_id != '" + str(ids["dsx-alpha"]) + "'"}, "f-expid-ne")
    search({"filter": "experiment_id IN ('" + str(ids["dsx-alpha"]) + "', '" + str(ids["dsx-gamma"]) + "')"},
           "f-expid-in")
    search({"filter": P + " AND experiment_id NOT IN ('" + str(ids["dsx-alpha"]) + "')"}, "f-expid-not-in")
    search({"filter": "experiment_id = 'abc'"}, "f-expid-not-int")
    search({"filter": "experiment_id > '1'"}, "f-expid-gt")
    search({"filter": "experiment_id = 1"}, "f-expid-number")
    search({"filter": "experiment_id IN ('1', 'x')"}, "f-expid-in-bad")
    search({"filter": "experiment_id LIKE '1%'"}, "f-expid-like")
    search({"filter": "name IN ('dsx-alpha', 'dsx-gamma')"}, "f-name-in")
    search({"filter": "name NOT IN ('dsx-alpha')"}, "f-name-not-in")
    search({"filter": "name > 'dsx'"}, "f-name-gt")
    search({"filter": "name = 5"}, "f-name-number")
    search({"filter": "name = dsx"}, "f-name-unquoted")
    search({"filter": "lifecycle_stage = 'active'"}, "f-bad-attr")
    search({"filter": "artifact_location = 'x'"}, "f-bad-attr-2")

    search({"filter": P + " AND creation_time > 99999999999999999999"}, "f-ctime-huge-int")
    search({"filter": P + " AND creation_time > -1"}, "f-ctime-negative")
    search({"filter": "experiment_id = '99999999999999999999'"}, "f-expid-huge")
    search({"filter": "experiment_id = ' 1 '"}, "f-expid-spaces")
    search({"filter": P + " AND NAME = 'dsx-alpha'"}, "f-upper-attr")
    search({"filter": "name LIKE 'dsx-%' AND name LIKE '%a' AND tags.team != 'blue'"}, "f-three-clauses")

    # ---- filter: tags ----
    search({"filter": P + " AND tags.team = 'red'"}, "f-tag-eq")
    search({"filter": P + " AND tag.team = 'red'"}, "f-tag-singular")
    search({"filter": P + " AND tags.team != 'red'"}, "f-tag-ne")
    search({"filter": P + " AND tags.team LIKE 'r%'"}, "f-tag-like")
    search({"filter": P + " AND tags.team ILIKE 'r%'"}, "f-tag-ilike")
    search({"filter": P + " AND tags.team LIKE 'red\\%'"}, "f-tag-like-escape")
    search({"filter": P + " AND tags.`with space` = 'x y'"}, "f-tag-backtick")
    search({"filter": P + " AND tags.\"with space\" = 'x y'"}, "f-tag-double-quoted-key")
    search({"filter": P + " AND tags.lang = '日本語'"}, "f-tag-unicode")
    search({"filter": P + " AND tags.flag = ''"}, "f-tag-empty-value")
    search({"filter": P + " AND tags.team = 'red' AND tags.stage = 'dev'"}, "f-two-tags")
    search({"filter": P + " AND tags.stage IS NULL"}, "f-tag-is-null")
    search({"filter": P + " AND tags.stage IS NOT NULL"}, "f-tag-is-not-null")
    search({"filter": P + " AND tags.stage is null"}, "f-tag-is-null-lower")
    search({"filter": P + " AND name IS NULL"}, "f-attr-is-null")
    search({"filter": P + " AND tags.team > 'a'"}, "f-tag-gt")
    search({"filter": P + " AND tags.team IN ('red')"}, "f-tag-in")
    search({"filter": P + " AND tags.team = 5"}, "f-tag-number")
    search({"filter": P + " AND tags.team = red"}, "f-tag-unquoted")
    search({"filter": P + " AND tags.nope = 'x'"}, "f-tag-missing-key")

    # ---- malformed filters ----
    for f, nm in [
        ("params.x = 'a'", "f-params-entity"),
        ("metrics.x > 1", "f-metrics-entity"),
        ("foo.name = 'x'", "f-unknown-entity"),
        ("name = 'a' OR name = 'b'", "f-or"),
        ("name = 'a' AND", "f-trailing-and"),
        ("name", "f-identifier-only"),
        ("name =", "f-no-value"),
        ("= 'a'", "f-no-identifier"),
        ("   ", "f-whitespace"),
        ("name = 'a'; name = 'b'", "f-two-statements"),
        ("(name = 'a')", "f-parenthesised"),
        ("name = 'unterminated", "f-unterminated"),
        ("name == 'a'", "f-double-eq"),
        ("name <> 'a'", "f-diamond"),
        ("tags.team IN ()", "f-in-empty"),
        ("experiment_id IN ()", "f-expid-in-empty"),
        ("experiment_id IN (1, 2)", "f-expid-in-numbers"),
        ("name = 'a' name = 'b'", "f-missing-and"),
        ("tags.team", "f-tag-only"),
        ("creation_time > 1 AND", "f-numeric-trailing-and"),
    ]:
        # a filter that parses matches every experiment, other files' too: those made in the same
        # millisecond tie on creation_time, so the list is compared as a set
        search({"filter": f}, nm, unordered="experiments")

    # ---- order_by ----
    for ob, nm in [
        (["name"], "o-name"), (["name ASC"], "o-name-asc"), (["name DESC"], "o-name-desc"),
        (["name desc"], "o-name-desc-lower"), (["experiment_id DESC"], "o-id-desc"),
        (["creation_time"], "o-ctime"), (["creation_time DESC"], "o-ctime-desc"),
        (["last_update_time DESC"], "o-lut-desc"), (["attribute.name DESC"], "o-attribute-prefix"),
        (["`name` DESC"], "o-backtick"), (["creation_time ASC", "name DESC"], "o-two-keys"),
        (["name", "name DESC"], "o-dup"),
        (["tags.team"], "o-tag"), (["lifecycle_stage"], "o-bad-attr"), (["name UP"], "o-bad-direction"),
        (["name ASC DESC"], "o-three-tokens"), ([""], "o-empty"), (["name, creation_time"], "o-comma"),
        (["metrics.m"], "o-metric"), (["foo.name"], "o-bad-entity"),
    ]:
        search({"filter": P, "order_by": ob}, nm)
    sget({"filter": P, "order_by": ["name DESC", "creation_time"]}, "o-get-two")
    search({"filter": P, "order_by": "name"}, "o-not-a-list")
    search({"filter": P, "order_by": [1]}, "o-int-item")

    # ---- the other prefixes ----
    t.post("/ajax-api/2.0/mlflow/experiments/search", {"filter": P, "max_results": 2}, name="ajax-post")
    t.get("/ajax-api/2.0/mlflow/experiments/search", {"filter": P, "max_results": "2"}, name="ajax-get")
    t.post("/api/2.0/preview/mlflow/experiments/search", {"filter": P, "max_results": 2}, name="preview-post")
    t.post("/api/3.0/mlflow/experiments/search", {"filter": P, "max_results": 2}, name="v3-post")

    # ---- wrong types, methods ----
    search({"filter": 5}, "filter-int")
    search({"filter": ["name = 'a'"]}, "filter-list")
    search({"filter": P, "page_token": 5}, "token-int")
    search({"filter": P, "unknown_field": 1}, "unknown-field")
    t.post("experiments/search", raw=b"{not json", content_type="application/json", name="bad-json")
    t.post("experiments/search", raw=b'{"filter": "name = \'dsx-alpha\'"}', content_type="text/plain",
           name="text-plain")
    t.request("PUT", "experiments/search", body={}, name="put")
    t.delete("experiments/search", name="delete-method")
