"""Model registry, registered models: create/get/update/rename/delete, search (grammar, order_by,
paging), get-latest-versions, tags and aliases. Every model here is named dreg-*; the model
versions a few of these requests need are made from a run of the experiment dreg-models."""

RM = "registered-models/"


def run(t):
    # ---- fixtures: an experiment, a run whose artifacts back the versions ----
    exp = t.post("experiments/create", {"name": "dreg-models"}, name="fx-exp").get("experiment_id")
    run_ = t.post("runs/create", {"experiment_id": exp, "run_name": "dreg-run", "start_time": 1600000000000},
                  name="fx-run")
    run_id = run_.get("run", "info", "run_id")
    art = run_.get("run", "info", "artifact_uri")

    # ---- create ----
    t.post(RM + "create", {"name": "dreg-a"}, name="create")
    t.post(RM + "create", {"name": "dreg-b", "description": "the b model",
                           "tags": [{"key": "team", "value": "blue"}, {"key": "stage", "value": "x"}]},
           name="create-tags", unordered="registered_model.tags")
    t.post(RM + "create", {"name": "dreg-c", "tags": [{"key": "k", "value": "1"}, {"key": "k", "value": "2"}]},
           name="create-dup-tag-keys")
    t.post(RM + "create", {"name": "dreg-a"}, name="create-exists")
    t.post(RM + "create", {}, name="create-no-name")
    t.post(RM + "create", {"name": ""}, name="create-empty-name")
    t.post(RM + "create", {"name": "   "}, name="create-blank-name")
    t.post(RM + "create", {"name": 42}, name="create-int-name")
    t.post(RM + "create", {"name": ["dreg-x"]}, name="create-list-name")
    t.post(RM + "create", {"name": "dreg/x"}, name="create-slash")
    t.post(RM + "create", {"name": "dreg:x"}, name="create-colon")
    t.post(RM + "create", {"name": "dreg-../x"}, name="create-dotdot-slash")
    t.post(RM + "create", {"name": ".."}, name="create-dotdot")
    t.post(RM + "create", {"name": "dreg-d", "tags": "team=blue"}, name="create-tags-not-list")
    t.post(RM + "create", {"name": "dreg-d", "tags": [{"value": "v"}]}, name="create-tag-no-key")
    t.post(RM + "create", {"name": "dreg-d", "tags": [{"key": ""}]}, name="create-tag-empty-key")
    t.post(RM + "create", {"name": "dreg-d", "tags": [{"key": "a/../b", "value": "v"}]}, name="create-tag-bad-path")
    t.post(RM + "create", {"name": "dreg-d", "tags": [{"key": "k" * 251, "value": "v"}]}, name="create-tag-key-long")
    t.post(RM + "create", {"name": "dreg-d", "tags": [{"key": "k" * 250, "value": "v"}]}, name="create-tag-key-250")
    t.post(RM + "create", {"name": "dreg-e", "tags": [{"key": "big", "value": "v" * 100001}]},
           name="create-tag-value-long")
    t.post(RM + "create", {"name": "dreg-e", "tags": [{"key": "only-key"}]}, name="create-tag-no-value")
    t.post(RM + "create", {"name": "dreg-f", "description": 7}, name="create-desc-int")
    t.post(RM + "create", {"name": "dreg-f", "description": None}, name="create-desc-null")
    t.post(RM + "create", {"name": "dreg-модель-🚀", "description": "юникод ✓",
                           "tags": [{"key": "ключ", "value": "значение 😀"}]}, name="create-unicode")
    t.post(RM + "create", {"name": "dreg-g", "unknown_field": 1}, name="create-unknown-field")
    t.post(RM + "create", raw=b'{"name": "dreg-h"', content_type="application/json", name="create-bad-json")
    t.post(RM + "create", raw=b'{"name": "dreg-h"}', content_type="text/plain", name="create-text-plain")
    t.post(RM + "create", raw=b'[1, 2]', content_type="application/json", name="create-json-array")
    t.get(RM + "create", {"name": "dreg-h"}, name="create-get")

    # ---- get ----
    t.get(RM + "get", {"name": "dreg-a"}, name="get")
    t.get(RM + "get", {"name": "dreg-b"}, name="get-tags", unordered="registered_model.tags")
    t.get(RM + "get", {"name": "dreg-модель-🚀"}, name="get-unicode")
    t.get(RM + "get", {"name": "dreg-missing"}, name="get-missing")
    t.get(RM + "get", {}, name="get-no-name")
    t.get(RM + "get", {"name": ""}, name="get-empty-name")
    t.get(RM + "get", {"name": "dreg/a"}, name="get-slash")
    t.post(RM + "get", {"name": "dreg-a"}, name="get-post")
    t.get(RM + "get", {"name": ["dreg-a", "dreg-b"]}, name="get-repeated-param")

    # ---- update ----
    t.patch(RM + "update", {"name": "dreg-a", "description": "first"}, name="update")
    t.patch(RM + "update", {"name": "dreg-a", "description": "ünïcödé ✓"}, name="update-unicode")
    t.patch(RM + "update", {"name": "dreg-b"}, name="update-no-description")
    t.patch(RM + "update", {"name": "dreg-missing", "description": "x"}, name="update-missing")
    t.patch(RM + "update", {"description": "x"}, name="update-no-name")
    t.patch(RM + "update", {"name": "dreg-a", "description": 1}, name="update-desc-int")
    t.post(RM + "update", {"name": "dreg-a", "description": "x"}, name="update-post")
    t.get(RM + "get", {"name": "dreg-a"}, name="get-after-update")

    # ---- rename ----
    t.post(RM + "create", {"name": "dreg-r1"}, name="create-r1")
    t.post(RM + "rename", {"name": "dreg-r1", "new_name": "dreg-r2"}, name="rename")
    t.get(RM + "get", {"name": "dreg-r1"}, name="get-renamed-old")
    t.get(RM + "get", {"name": "dreg-r2"}, name="get-renamed-new")
    t.post(RM + "rename", {"name": "dreg-r2", "new_name": "dreg-a"}, name="rename-to-existing")
    t.post(RM + "rename", {"name": "dreg-r2", "new_name": "dreg-r2"}, name="rename-to-self")
    t.post(RM + "rename", {"name": "dreg-missing", "new_name": "dreg-zz"}, name="rename-missing")
    t.post(RM + "rename", {"name": "dreg-r2"}, name="rename-no-new-name")
    t.post(RM + "rename", {"name": "dreg-r2", "new_name": ""}, name="rename-empty-new-name")
    t.post(RM + "rename", {"name": "dreg-r2", "new_name": "  "}, name="rename-blank-new-name")
    t.post(RM + "rename", {"new_name": "dreg-zz"}, name="rename-no-name")
    t.post(RM + "rename", {"name": "dreg-r2", "new_name": "dreg/r3"}, name="rename-slash")
    t.post(RM + "rename", {"name": "dreg-r2", "new_name": 5}, name="rename-int")
    t.post(RM + "rename", {"name": "dreg-r2", "new_name": "dreg-r3-ü"}, name="rename-unicode")
    t.patch(RM + "rename", {"name": "dreg-r3-ü", "new_name": "dreg-r4"}, name="rename-patch")

    # ---- tags ----
    t.post(RM + "set-tag", {"name": "dreg-a", "key": "owner", "value": "me"}, name="set-tag")
    t.post(RM + "set-tag", {"name": "dreg-a", "key": "owner", "value": "you"}, name="set-tag-overwrite")
    t.post(RM + "set-tag", {"name": "dreg-a", "key": "ключ", "value": "😀"}, name="set-tag-unicode")
    t.post(RM + "set-tag", {"name": "dreg-a", "key": "novalue"}, name="set-tag-no-value")
    t.post(RM + "set-tag", {"name": "dreg-a", "key": "empty", "value": ""}, name="set-tag-empty-value")
    t.post(RM + "set-tag", {"name": "dreg-a", "value": "v"}, name="set-tag-no-key")
    t.post(RM + "set-tag", {"name": "dreg-a", "key": "", "value": "v"}, name="set-tag-empty-key")
    t.post(RM + "set-tag", {"name": "dreg-a", "key": "x" * 251, "value": "v"}, name="set-tag-key-long")
    t.post(RM + "set-tag", {"name": "dreg-a", "key": "big", "value": "v" * 100001}, name="set-tag-value-long")
    t.post(RM + "set-tag", {"name": "dreg-a", "key": "a/../b", "value": "v"}, name="set-tag-bad-key")
    t.post(RM + "set-tag", {"name": "dreg-a", "key": "k", "value": 3}, name="set-tag-int-value")
    t.post(RM + "set-tag", {"name": "dreg-missing", "key": "k", "value": "v"}, name="set-tag-missing-model")
    t.post(RM + "set-tag", {"key": "k", "value": "v"}, name="set-tag-no-name")
    t.get(RM + "get", {"name": "dreg-a"}, name="get-tags-after-set", unordered="registered_model.tags")
    t.delete(RM + "delete-tag", {"name": "dreg-a", "key": "owner"}, name="delete-tag")
    t.delete(RM + "delete-tag", {"name": "dreg-a", "key": "owner"}, name="delete-tag-again")
    t.delete(RM + "delete-tag", {"name": "dreg-a", "key": "never"}, name="delete-tag-never-set")
    t.delete(RM + "delete-tag", {"name": "dreg-missing", "key": "k"}, name="delete-tag-missing-model")
    t.delete(RM + "delete-tag", {"name": "dreg-a"}, name="delete-tag-no-key")
    t.delete(RM + "delete-tag", {"name": "dreg-a", "key": "a/../b"}, name="delete-tag-bad-key")
    t.post(RM + "delete-tag", {"name": "dreg-a", "key": "ключ"}, name="delete-tag-post")
    t.get(RM + "get", {"name": "dreg-a"}, name="get-tags-after-delete", unordered="registered_model.tags")

    # ---- versions for latest-versions and aliases ----
    src = art + "/model"
    for i in range(3):
        t.post("model-versions/create", {"name": "dreg-a", "source": src, "run_id": run_id}, name=f"fx-mv{i + 1}")
    t.post("model-versions/transition-stage", {"name": "dreg-a", "version": "1", "stage": "Production"},
           name="fx-prod")
    t.post("model-versions/transition-stage", {"name": "dreg-a", "version": "2", "stage": "staging"},
           name="fx-staging")

    # ---- get-latest-versions ----
    t.post(RM + "get-latest-versions", {"name": "dreg-a"}, name="latest", unordered="model_versions")
    t.post(RM + "get-latest-versions", {"name": "dreg-a", "stages": ["Production"]}, name="latest-prod")
    t.post(RM + "get-latest-versions", {"name": "dreg-a", "stages": ["none", "STAGING"]}, name="latest-lowercase",
           unordered="model_versions")
    t.post(RM + "get-latest-versions", {"name": "dreg-a", "stages": ["Archived"]}, name="latest-archived-empty")
    t.post(RM + "get-latest-versions", {"name": "dreg-a", "stages": ["Bogus"]}, name="latest-bad-stage")
    t.post(RM + "get-latest-versions", {"name": "dreg-missing", "stages": ["Bogus"]},
           name="latest-missing-bad-stage")
    t.post(RM + "get-latest-versions", {"name": "dreg-missing"}, name="latest-missing")
    t.post(RM + "get-latest-versions", {}, name="latest-no-name")
    t.post(RM + "get-latest-versions", {"name": "dreg-a", "stages": "Production"}, name="latest-stages-string")
    t.post(RM + "get-latest-versions", {"name": "dreg-a", "stages": [1]}, name="latest-stages-int")
    t.get(RM + "get-latest-versions", {"name": "dreg-a", "stages": "Staging"}, name="latest-get")
    t.get(RM + "get-latest-versions", {"name": "dreg-b"}, name="latest-get-no-versions")
    t.get(RM + "get-latest-versions", {"name": "dreg-a", "stages": ["Staging", "Production"]},
          name="latest-get-two-stages", unordered="model_versions")

    # ---- aliases ----
    t.post(RM + "alias", {"name": "dreg-a", "alias": "champion", "version": "1"}, name="alias-set")
    t.post(RM + "alias", {"name": "dreg-a", "alias": "challenger", "version": "2"}, name="alias-set-2")
    t.post(RM + "alias", {"name": "dreg-a", "alias": "champion", "version": "3"}, name="alias-move")
    t.post(RM + "alias", {"name": "dreg-a", "alias": "Mixed_Case-1", "version": "3"}, name="alias-mixed")
    t.post(RM + "alias", {"name": "dreg-a", "alias": "latest", "version": "1"}, name="alias-latest")
    t.post(RM + "alias", {"name": "dreg-a", "alias": "LATEST", "version": "1"}, name="alias-latest-upper")
    t.post(RM + "alias", {"name": "dreg-a", "alias": "v1", "version": "1"}, name="alias-version-like")
    t.post(RM + "alias", {"name": "dreg-a", "alias": "V12", "version": "1"}, name="alias-version-like-upper")
    t.post(RM + "alias", {"name": "dreg-a", "alias": "v1x", "version": "1"}, name="alias-v1x")
    t.post(RM + "alias", {"name": "dreg-a", "alias": "bad alias", "version": "1"}, name="alias-space")
    t.post(RM + "alias", {"name": "dreg-a", "alias": "bad.alias", "version": "1"}, name="alias-dot")
    t.post(RM + "alias", {"name": "dreg-a", "alias": "ünï", "version": "1"}, name="alias-unicode")
    t.post(RM + "alias", {"name": "dreg-a", "alias": "a" * 256, "version": "1"}, name="alias-long")
    t.post(RM + "alias", {"name": "dreg-a", "alias": "a" * 255, "version": "1"}, name="alias-255")
    t.post(RM + "alias", {"name": "dreg-a", "alias": "", "version": "1"}, name="alias-empty")
    t.post(RM + "alias", {"name": "dreg-a", "version": "1"}, name="alias-no-alias")
    t.post(RM + "alias", {"name": "dreg-a", "alias": "x"}, name="alias-no-version")
    t.post(RM + "alias", {"name": "dreg-a", "alias": "x", "version": "abc"}, name="alias-version-not-int")
    t.post(RM + "alias", {"name": "dreg-a", "alias": "x", "version": "9"}, name="alias-version-missing")
    t.post(RM + "alias", {"name": "dreg-a", "alias": "x", "version": 1}, name="alias-version-number")
    t.post(RM + "alias", {"name": "dreg-missing", "alias": "x", "version": "1"}, name="alias-model-missing")
    t.get(RM + "alias", {"name": "dreg-a", "alias": "champion"}, name="alias-get")
    t.get(RM + "alias", {"name": "dreg-a", "alias": "CHAMPION"}, name="alias-get-case")
    t.get(RM + "alias", {"name": "dreg-a", "alias": "nobody"}, name="alias-get-unknown")
    t.get(RM + "alias", {"name": "dreg-missing", "alias": "champion"}, name="alias-get-model-missing")
    t.get(RM + "alias", {"name": "dreg-a"}, name="alias-get-no-alias")
    t.get(RM + "alias", {"alias": "champion"}, name="alias-get-no-name")
    t.get(RM + "get", {"name": "dreg-a"}, name="get-with-aliases", unordered="registered_model.aliases")
    t.get("model-versions/get", {"name": "dreg-a", "version": "3"}, name="mv-with-aliases",
          unordered="model_version.aliases")
    t.delete(RM + "alias", {"name": "dreg-a", "alias": "challenger"}, name="alias-delete")
    t.delete(RM + "alias", {"name": "dreg-a", "alias": "challenger"}, name="alias-delete-again")
    t.delete(RM + "alias", {"name": "dreg-a", "alias": "bad alias"}, name="alias-delete-bad")
    t.delete(RM + "alias", {"name": "dreg-missing", "alias": "x"}, name="alias-delete-model-missing")
    t.delete(RM + "alias", {"name": "dreg-a"}, name="alias-delete-no-alias")
    t.put(RM + "alias", raw=b'{"name": "dreg-a", "alias": "x", "version": "1"}', content_type="application/json",
          name="alias-put")
    t.delete("model-versions/delete", {"name": "dreg-a", "version": "3"}, name="mv-delete-aliased")
    t.get(RM + "alias", {"name": "dreg-a", "alias": "champion"}, name="alias-get-after-version-delete")
    t.get(RM + "get", {"name": "dreg-a"}, name="get-after-version-delete")

    # ---- search ----
    for n in ("dreg-s-alpha", "dreg-s-beta", "dreg-s-gamma", "dreg-s-Delta", "dreg-s_eps"):
        t.post(RM + "create", {"name": n, "tags": [{"key": "grp", "value": "s"}, {"key": "n", "value": n}]},
               name="fx-" + n)
    t.post(RM + "set-tag", {"name": "dreg-s-beta", "key": "env", "value": "prod"}, name="fx-s-env")
    S = RM + "search"
    t.get(S, {"filter": "name LIKE 'dreg-s%'"}, name="search-like", unordered="registered_models.*.tags")
    t.get(S, {"filter": "name ILIKE 'DREG-S-%'"}, name="search-ilike", unordered="registered_models.*.tags")
    t.get(S, {"filter": "name = 'dreg-s-beta'"}, name="search-eq", unordered="registered_models.*.tags")
    t.get(S, {"filter": "name != 'dreg-s-beta' AND name LIKE 'dreg-s-%'"}, name="search-neq",
          unordered="registered_models.*.tags")
    t.get(S, {"filter": "tags.env = 'prod'"}, name="search-tag", unordered="registered_models.*.tags")
    t.get(S, {"filter": "tags.`env` != 'prod' AND name LIKE 'dreg-s%'"}, name="search-tag-neq",
          unordered="registered_models.*.tags")
    t.get(S, {"filter": "tags.n LIKE '%gam%'"}, name="search-tag-like", unordered="registered_models.*.tags")
    t.get(S, {"filter": "tags.n ILIKE '%DELTA'"}, name="search-tag-ilike", unordered="registered_models.*.tags")
    t.get(S, {"filter": "tags.grp = 's' AND tags.env = 'prod'"}, name="search-two-tags",
          unordered="registered_models.*.tags")
    t.get(S, {"filter": "name = 'dreg-модель-🚀'"}, name="search-unicode", unordered="registered_models.*.tags")
    t.get(S, {"filter": "name = \"dreg-s-alpha\""}, name="search-double-quotes", unordered="registered_models.*.tags")
    t.get(S, {"filter": "name LIKE 'dreg-s%'", "order_by": "name DESC"}, name="search-order-desc",
          unordered="registered_models.*.tags")
    t.get(S, {"filter": "name LIKE 'dreg-s%'", "order_by": ["name ASC"]}, name="search-order-asc",
          unordered="registered_models.*.tags")
    t.get(S, {"filter": "name LIKE 'dreg-s%'", "order_by": "timestamp DESC"}, name="search-order-timestamp",
          unordered="registered_models")
    t.get(S, {"filter": "name LIKE 'dreg-s%'", "order_by": "last_updated_timestamp"},
          name="search-order-last-updated", unordered="registered_models")
    t.get(S, {"filter": "name LIKE 'dreg-s%'", "order_by": "creation_timestamp"}, name="search-order-bad-key",
          ignore="message")  # names a Python set: its order changes with the hash seed
    t.get(S, {"filter": "name LIKE 'dreg-s%'", "order_by": "name SIDEWAYS"}, name="search-order-bad-dir")
    t.get(S, {"filter": "name LIKE 'dreg-s%'", "order_by": ["name", "name DESC"]}, name="search-order-dup")
    t.get(S, {"filter": "name LIKE 'dreg-s%'", "order_by": "tags.grp"}, name="search-order-tag", ignore="message")
    t.get(S, {"filter": "name LIKE 'dreg-s%'", "max_results": 0}, name="search-max-0")
    t.get(S, {"filter": "name LIKE 'dreg-s%'", "max_results": -1}, name="search-max-neg")
    t.get(S, {"filter": "name LIKE 'dreg-s%'", "max_results": 1001}, name="search-max-1001")
    t.get(S, {"filter": "name LIKE 'dreg-s%'", "max_results": 1000}, name="search-max-1000",
          unordered="registered_models.*.tags")
    t.get(S, {"filter": "name LIKE 'dreg-s%'", "max_results": "ten"}, name="search-max-text")
    t.get(S, {"filter": "name LIKE 'dreg-s%'", "max_results": "2.5"}, name="search-max-float")
    # paging: 5 models, 2 a page
    p1 = t.get(S, {"filter": "name LIKE 'dreg-s%'", "max_results": 2}, name="search-page-1",
               unordered="registered_models.*.tags")
    p2 = t.get(S, {"filter": "name LIKE 'dreg-s%'", "max_results": 2, "page_token": p1.get("next_page_token")},
               name="search-page-2", unordered="registered_models.*.tags")
    t.get(S, {"filter": "name LIKE 'dreg-s%'", "max_results": 2, "page_token": p2.get("next_page_token")},
          name="search-page-3", unordered="registered_models.*.tags")
    t.get(S, {"filter": "name LIKE 'dreg-s%'", "max_results": 5}, name="search-exact-page",
          unordered="registered_models.*.tags")
    t.get(S, {"filter": "name LIKE 'dreg-s%'", "page_token": "not-a-token"}, name="search-bad-token")
    t.get(S, {"filter": "name LIKE 'dreg-s%'", "page_token": "eyJvZmZzZXQiOiAtMX0="}, name="search-neg-offset")
    t.get(S, {"filter": "name LIKE 'dreg-s%'", "page_token": "eyJmb28iOiAxfQ=="}, name="search-token-no-offset")
    # grammar errors
    t.get(S, {"filter": "name = dreg-s-alpha"}, name="search-unquoted")
    t.get(S, {"filter": "description = 'x'"}, name="search-bad-attr")
    t.get(S, {"filter": "name > 'a'"}, name="search-bad-comparator")
    t.get(S, {"filter": "tags.env IN ('prod')"}, name="search-tag-in")
    t.get(S, {"filter": "name IN ('dreg-s-alpha', 'dreg-s-beta')"}, name="search-name-in")
    t.get(S, {"filter": "name = 'a' OR name = 'b'"}, name="search-or")
    t.get(S, {"filter": "name IS NULL"}, name="search-is-null")
    t.get(S, {"filter": "name NOT IN ('dreg-s-alpha') AND name LIKE 'dreg-s%'"}, name="search-name-not-in",
          unordered="registered_models.*.tags")
    t.get(S, {"filter": "tags.grp NOT IN ('s')"}, name="search-tag-not-in")
    t.get(S, {"filter": "name IN ('dreg-s-Delta', 'dreg-s-beta', 'DREG-S-ALPHA')"}, name="search-name-in-cased",
          unordered="registered_models.*.tags")
    t.get(S, {"filter": "name IN ()"}, name="search-name-in-empty")
    t.get(S, {"filter": "name IN ('a', 1)"}, name="search-name-in-number")
    t.get(S, {"filter": "name LIKE"}, name="search-incomplete")
    t.get(S, {"filter": "run_id = 'x'"}, name="search-run-id")
    t.get(S, {"filter": "latest_version = '1'"}, name="search-latest-version")
    t.get(S, {"filter": "name = 'dreg-a' AND"}, name="search-trailing-and")
    t.get(S, {"filter": "tags.env = prod"}, name="search-tag-unquoted")
    t.get(S, {"filter": "attribute.name = 'dreg-s-beta'"}, name="search-attribute-prefix",
          unordered="registered_models.*.tags")
    t.get(S, {"filter": "foo.name = 'x'"}, name="search-bad-entity")
    t.get(S, {"filter": "name = 'x'; name = 'y'"}, name="search-two-statements")
    t.get(S, {"filter": "   "}, name="search-blank-filter")
    t.get(S, {"filter": "name like 'dreg-s-b%'"}, name="search-like-lower", unordered="registered_models.*.tags")
    # prompts are registered models with the prompt tag: left out unless asked for
    t.post(RM + "create", {"name": "dreg-s-prompt", "tags": [{"key": "mlflow.prompt.is_prompt", "value": "true"}]},
           name="fx-prompt")
    t.get(S, {"filter": "name LIKE 'dreg-s%'", "max_results": 100}, name="search-no-prompts",
          unordered="registered_models.*.tags")
    t.get(S, {"filter": "tags.`mlflow.prompt.is_prompt` = 'true' AND name LIKE 'dreg-s%'"}, name="search-prompts",
          unordered="registered_models.*.tags")
    t.get(S, {"filter": "tags.`mlflow.prompt.is_prompt` != 'false' AND name LIKE 'dreg-s%'"},
          name="search-prompts-neq", unordered="registered_models.*.tags")
    t.post(S, {"filter": "name = 'dreg-a'"}, name="search-post")

    # ---- delete ----
    t.post(RM + "create", {"name": "dreg-del"}, name="fx-del")
    t.post(RM + "alias", {"name": "dreg-a", "alias": "keep", "version": "1"}, name="fx-alias-keep")
    t.delete(RM + "delete", {"name": "dreg-del"}, name="delete")
    t.get(RM + "get", {"name": "dreg-del"}, name="get-deleted")
    t.delete(RM + "delete", {"name": "dreg-del"}, name="delete-again")
    t.delete(RM + "delete", {}, name="delete-no-name")
    t.delete(RM + "delete", {"name": "dreg:x"}, name="delete-colon")
    t.post(RM + "delete", {"name": "dreg-a"}, name="delete-post")
    t.delete(RM + "delete", {"name": "dreg-a"}, name="delete-with-versions")
    t.get("model-versions/get", {"name": "dreg-a", "version": "1"}, name="mv-after-model-delete")
    t.get(RM + "alias", {"name": "dreg-a", "alias": "keep"}, name="alias-after-model-delete")
    t.post(RM + "create", {"name": "dreg-a"}, name="create-again-after-delete")
    t.post(RM + "get-latest-versions", {"name": "dreg-a"}, name="latest-recreated")
