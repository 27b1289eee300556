"""Every ModelRegistryService rpc over HTTP against the real server, with MLflow 3.6's errors."""

import base64
import json
import os
import subprocess
import threading
import time
import urllib.parse
import uuid

import pytest

from conftest import BIN, PG, Server, assert_unique_violation, sqlite_only


def in_order(tags):
    """Tags in the store's order on SQLite (insertion order); by key on PostgreSQL, where it is the heap's."""
    return sorted(tags, key=lambda t: t["key"]) if PG else tags

SEE = " See the API docs for more information about request parameters."
PROMPT = "mlflow.prompt.is_prompt"


def uniq(prefix="m"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def ok(resp):
    status, _, body = resp
    assert status == 200, body
    return body


def err(resp, status, code, message=None, prefix=None):
    got_status, _, body = resp
    assert (got_status, body.get("error_code")) == (status, code), body
    if message is not None:
        assert body["message"] == message
    if prefix is not None:
        assert body["message"].startswith(prefix), body["message"]
    return body["message"]


def create_model(s, name, **kw):
    return ok(s.post("registered-models/create", {"name": name, **kw}))["registered_model"]


def create_version(s, name, source="s3://bucket/model", **kw):
    return ok(s.post("model-versions/create", {"name": name, "source": source, **kw}))["model_version"]


def get_model(s, name):
    return s.get("registered-models/get", "name=" + name)


def get_version(s, name, version):
    return s.get("model-versions/get", f"name={name}&version={version}")


def patch(s, path, body):
    return s.request("PATCH", "/api/2.0/mlflow/" + path, body)


def delete(s, path, body):
    return s.request("DELETE", "/api/2.0/mlflow/" + path, body)


def search(s, what, body=None):
    """GET <what>/search with the request as query arguments, as MLflow's client sends it."""
    return s.get(what + "/search", urllib.parse.urlencode(body or {}, doseq=True))


def sql(s, statement, params=()):
    s.sql(statement, params)


def insert_run(s, run_id, artifact_uri):
    sql(s, "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, "
           "start_time, source_version, lifecycle_stage, artifact_uri, experiment_id) "
           "VALUES (?, 'r', 'LOCAL', '', '', 'u', 'FINISHED', 1, '', 'active', ?, 0)", (run_id, artifact_uri))


def insert_logged_model(s, model_id, location, run_id=None, stage="active"):
    sql(s, "INSERT INTO logged_models (model_id, experiment_id, name, artifact_location, creation_timestamp_ms, "
           "last_updated_timestamp_ms, status, lifecycle_stage, source_run_id) VALUES (?, 0, 'lm', ?, 1, 1, 2, ?, ?)",
        (model_id, location, stage, run_id))


# ---- registered models ----

def test_create_and_get_registered_model(server):
    name = uniq()
    rm = create_model(server, name, tags=[{"key": "team", "value": "ml"}, {"key": "k", "value": "1"},
                                          {"key": "team", "value": "ds"}], description="first")
    assert rm["name"] == name and rm["description"] == "first"
    assert rm["creation_timestamp"] == rm["last_updated_timestamp"]
    # a dict keeps the first position and the last value
    assert rm["tags"] == [{"key": "team", "value": "ds"}, {"key": "k", "value": "1"}]
    assert "latest_versions" not in rm and "aliases" not in rm
    got = ok(get_model(server, name))["registered_model"]
    assert got == rm
    # an empty description is not sent back
    rm = create_model(server, uniq())
    assert set(rm) == {"name", "creation_timestamp", "last_updated_timestamp"}
    # the ajax twin answers too
    assert ok(server.get("registered-models/get", "name=" + name, prefix="/ajax-api/2.0/mlflow/"))


def test_create_registered_model_errors(server):
    err(server.post("registered-models/create", {}), 400, "INVALID_PARAMETER_VALUE",
        "Missing value for required parameter 'name'." + SEE)
    err(server.post("registered-models/create", {"name": ""}), 400, "INVALID_PARAMETER_VALUE",
        "Missing value for required parameter 'name'." + SEE)
    err(server.post("registered-models/create", {"name": 5}), 400, "INVALID_PARAMETER_VALUE",
        prefix="Invalid value 5 for parameter 'name' supplied")
    name = uniq()
    create_model(server, name)
    err(server.post("registered-models/create", {"name": name}), 400, "RESOURCE_ALREADY_EXISTS",
        f"Registered Model (name={name}) already exists.")
    err(server.post("registered-models/create", {"name": name, "tags": [{"key": PROMPT, "value": "true"}]}),
        400, "RESOURCE_ALREADY_EXISTS",
        f"Tried to create a prompt with name '{name}', but the name is already taken by a registered model. "
        "MLflow does not allow creating a model and a prompt with the same name.")
    prompt = uniq("p")
    create_model(server, prompt, tags=[{"key": PROMPT, "value": "true"}])
    err(server.post("registered-models/create", {"name": prompt}), 400, "RESOURCE_ALREADY_EXISTS",
        f"Tried to create a registered model with name '{prompt}', but the name is already taken by a prompt. "
        "MLflow does not allow creating a model and a prompt with the same name.")
    err(server.post("registered-models/create", {"name": prompt, "tags": [{"key": PROMPT, "value": "x"}]}),
        400, "RESOURCE_ALREADY_EXISTS", f"Prompt (name={prompt}) already exists.")
    # tags: MLflow 3's 100,000-character values (PostgreSQL's VARCHAR(5000) column refuses them, as for
    # MLflow there), tag key rules
    if PG:
        err(server.post("registered-models/create", {"name": uniq(), "tags": [{"key": "big", "value": "v" * 100000}]}),
            400, "BAD_REQUEST",
            prefix="(psycopg2.errors.StringDataRightTruncation) value too long for type character varying(5000)\n")
    else:
        create_model(server, uniq(), tags=[{"key": "big", "value": "v" * 100000}])
    err(server.post("registered-models/create", {"name": uniq(), "tags": [{"key": "big", "value": "v" * 100001}]}),
        400, "INVALID_PARAMETER_VALUE", "'value' exceeds the maximum length of 100000 characters")
    err(server.post("registered-models/create", {"name": uniq(), "tags": [{"key": "k" * 251, "value": "v"}]}),
        400, "INVALID_PARAMETER_VALUE", "'key' exceeds the maximum length of 250 characters")
    err(server.post("registered-models/create", {"name": uniq(), "tags": [{"key": "../x", "value": "v"}]}),
        400, "INVALID_PARAMETER_VALUE",
        "Invalid value \"../x\" for parameter 'key' supplied: Names may be treated as files in certain cases, and "
        "must not resolve to other names when treated as such. This name would resolve to '../x'")
    err(server.post("registered-models/create", {"name": uniq(), "tags": [{"value": "v"}]}), 400,
        "INVALID_PARAMETER_VALUE", prefix="Invalid value \"\" for parameter 'key' supplied")


def test_get_registered_model_errors(server):
    err(get_model(server, "nope-nope"), 404, "RESOURCE_DOES_NOT_EXIST", "Registered Model with name=nope-nope not found")
    err(server.get("registered-models/get"), 400, "INVALID_PARAMETER_VALUE",
        "Missing value for required parameter 'name'." + SEE)


def test_update_registered_model(server):
    name = uniq()
    rm = create_model(server, name, description="old")
    got = ok(patch(server, "registered-models/update", {"name": name, "description": "new"}))["registered_model"]
    assert got["description"] == "new" and got["last_updated_timestamp"] >= rm["last_updated_timestamp"]
    # an absent description is written as "" (and then not shown)
    got = ok(patch(server, "registered-models/update", {"name": name}))["registered_model"]
    assert "description" not in got
    err(patch(server, "registered-models/update", {"name": "missing-model"}), 404, "RESOURCE_DOES_NOT_EXIST",
        "Registered Model with name=missing-model not found")
    err(patch(server, "registered-models/update", {}), 400, "INVALID_PARAMETER_VALUE",
        "Missing value for required parameter 'name'." + SEE)


def test_rename_registered_model_cascades(server):
    name, new = uniq(), uniq()
    create_model(server, name, tags=[{"key": "t", "value": "1"}])
    create_version(server, name, tags=[{"key": "vt", "value": "x"}])
    create_version(server, name)
    ok(server.post("registered-models/alias", {"name": name, "alias": "champ", "version": "1"}))
    rm = ok(server.post("registered-models/rename", {"name": name, "new_name": new}))["registered_model"]
    assert rm["name"] == new
    assert rm["tags"] == [{"key": "t", "value": "1"}]
    assert rm["aliases"] == [{"alias": "champ", "version": "1"}]
    assert [v["name"] for v in rm["latest_versions"]] == [new]
    err(get_model(server, name), 404, "RESOURCE_DOES_NOT_EXIST")
    err(get_version(server, name, 1), 404, "RESOURCE_DOES_NOT_EXIST")
    mv = ok(get_version(server, new, 1))["model_version"]
    assert mv["name"] == new and mv["tags"] == [{"key": "vt", "value": "x"}] and mv["aliases"] == ["champ"]
    assert mv["last_updated_timestamp"] == rm["last_updated_timestamp"]
    assert ok(server.get("registered-models/alias", f"name={new}&alias=champ"))["model_version"]["version"] == "1"
    # the next version continues from the old numbers
    assert create_version(server, new)["version"] == "3"
    other = uniq()
    create_model(server, other)
    autoflush = (f"Registered Model (name={other}) already exists. Error: (raised as a result of Query-invoked "
                 "autoflush; consider using a session.no_autoflush block if this flush is occurring prematurely)\n")
    if PG:
        msg = err(server.post("registered-models/rename", {"name": new, "new_name": other}), 400,
                  "RESOURCE_ALREADY_EXISTS")
        assert_unique_violation(msg, "", before=autoflush)
    else:
        err(server.post("registered-models/rename", {"name": new, "new_name": other}), 400, "RESOURCE_ALREADY_EXISTS",
            autoflush + "(sqlite3.IntegrityError) UNIQUE constraint failed: registered_models.workspace, "
            "registered_models.name\n"
            "[SQL: UPDATE registered_models SET name=? WHERE registered_models.workspace = ? AND "
            "registered_models.name = ?]\n"
            f"[parameters: ('{other}', 'default', '{new}')]\n(Background on this error at: "
            "https://sqlalche.me/e/21/gkpj)")
    err(server.post("registered-models/rename", {"name": new}), 400, "INVALID_PARAMETER_VALUE",
        "Missing value for required parameter 'new_name'." + SEE)
    err(server.post("registered-models/rename", {"name": "absent-model", "new_name": uniq()}), 404,
        "RESOURCE_DOES_NOT_EXIST", "Registered Model with name=absent-model not found")


def test_delete_registered_model_cascades(server):
    name = uniq()
    create_model(server, name, tags=[{"key": "t", "value": "1"}])
    create_version(server, name, tags=[{"key": "vt", "value": "x"}])
    ok(server.post("registered-models/alias", {"name": name, "alias": "a1", "version": "1"}))
    assert ok(delete(server, "registered-models/delete", {"name": name})) == {}
    err(get_model(server, name), 404, "RESOURCE_DOES_NOT_EXIST")
    err(get_version(server, name, 1), 404, "RESOURCE_DOES_NOT_EXIST",
        f"Model Version (name={name}, version=1) not found")
    for table in ("registered_model_tags", "model_versions", "model_version_tags", "registered_model_aliases"):
        assert server.query1(f"SELECT count(*) FROM {table} WHERE name = ?", name)[0] == 0
    # the name is free again, and versions start over
    create_model(server, name)
    rm = ok(get_model(server, name))["registered_model"]
    assert "tags" not in rm and "aliases" not in rm
    assert create_version(server, name)["version"] == "1"
    err(delete(server, "registered-models/delete", {"name": "absent-model"}), 404, "RESOURCE_DOES_NOT_EXIST",
        "Registered Model with name=absent-model not found")
    err(delete(server, "registered-models/delete", {}), 400, "INVALID_PARAMETER_VALUE",
        "Missing value for required parameter 'name'." + SEE)


def test_registered_model_tags(server):
    name = uniq()
    create_model(server, name)
    for k, v in (("a", "1"), ("b", "2"), ("a", "3")):
        assert ok(server.post("registered-models/set-tag", {"name": name, "key": k, "value": v})) == {}
    # an upsert keeps SQLite's row in place; PostgreSQL writes a new row version (heap order)
    assert in_order(ok(get_model(server, name))["registered_model"]["tags"]) == [{"key": "a", "value": "3"},
                                                                                   {"key": "b", "value": "2"}]
    assert ok(delete(server, "registered-models/delete-tag", {"name": name, "key": "a"})) == {}
    # deleting a tag that is not there is not an error
    assert ok(delete(server, "registered-models/delete-tag", {"name": name, "key": "zz"})) == {}
    assert ok(get_model(server, name))["registered_model"]["tags"] == [{"key": "b", "value": "2"}]
    # an absent value is stored as ""
    ok(server.post("registered-models/set-tag", {"name": name, "key": "empty"}))
    assert {"key": "empty", "value": ""} in ok(get_model(server, name))["registered_model"]["tags"]
    big = server.post("registered-models/set-tag", {"name": name, "key": "big", "value": "x" * 100000})
    if PG:  # registered_model_tags.value is VARCHAR(5000), which PostgreSQL enforces
        err(big, 400, "BAD_REQUEST", prefix="(psycopg2.errors.StringDataRightTruncation)")
    else:
        ok(big)
    err(server.post("registered-models/set-tag", {"name": name, "key": "big", "value": "x" * 100001}), 400,
        "INVALID_PARAMETER_VALUE", "'value' exceeds the maximum length of 100000 characters")
    err(server.post("registered-models/set-tag", {"name": name, "value": "v"}), 400, "INVALID_PARAMETER_VALUE",
        "Missing value for required parameter 'key'." + SEE)
    err(server.post("registered-models/set-tag", {"name": name, "key": "bad*key", "value": "v"}), 400,
        "INVALID_PARAMETER_VALUE", prefix="Invalid value \"bad*key\" for parameter 'key' supplied: Names may only")
    err(server.post("registered-models/set-tag", {"name": "absent-model", "key": "k", "value": "v"}), 404,
        "RESOURCE_DOES_NOT_EXIST", "Registered Model with name=absent-model not found")
    err(delete(server, "registered-models/delete-tag", {"name": "absent-model", "key": "k"}), 404,
        "RESOURCE_DOES_NOT_EXIST", "Registered Model with name=absent-model not found")
    err(delete(server, "registered-models/delete-tag", {"name": name, "key": "../up"}), 400,
        "INVALID_PARAMETER_VALUE", prefix="Invalid value \"../up\" for parameter 'key' supplied")


def test_latest_versions(server):
    name = uniq()
    create_model(server, name)
    for _ in range(5):
        create_version(server, name)
    transition = lambda v, stage: ok(server.post("model-versions/transition-stage",  # noqa: E731
                                                 {"name": name, "version": str(v), "stage": stage}))
    transition(1, "Production")
    transition(2, "staging")
    transition(3, "PRODUCTION")
    transition(4, "Archived")
    ok(delete(server, "model-versions/delete", {"name": name, "version": "5"}))
    rm = ok(get_model(server, name))["registered_model"]
    # the latest per stage, each stage where its lowest version was; deleted versions left out
    assert [(v["version"], v["current_stage"]) for v in rm["latest_versions"]] == [
        ("3", "Production"), ("2", "Staging"), ("4", "Archived")]
    body = ok(server.post("registered-models/get-latest-versions", {"name": name}))
    assert [v["version"] for v in body["model_versions"]] == ["3", "2", "4"]
    body = ok(server.post("registered-models/get-latest-versions", {"name": name, "stages": ["staging", "None"]}))
    assert [v["version"] for v in body["model_versions"]] == ["2"]
    body = ok(server.get("registered-models/get-latest-versions", f"name={name}&stages=Production&stages=archived"))
    assert [v["version"] for v in body["model_versions"]] == ["3", "4"]
    ok(server.post("registered-models/alias", {"name": name, "alias": "best", "version": "3"}))
    body = ok(server.post("registered-models/get-latest-versions", {"name": name, "stages": ["Production"]}))
    assert body["model_versions"][0]["aliases"] == ["best"]
    # latest_versions on the model carry no aliases
    assert "aliases" not in ok(get_model(server, name))["registered_model"]["latest_versions"][0]
    err(server.post("registered-models/get-latest-versions", {"name": name, "stages": ["Prod"]}), 400,
        "INVALID_PARAMETER_VALUE",
        "Invalid Model Version stage: Prod. Value must be one of None, Staging, Production, Archived.")
    # the model is looked up before the stages are read
    err(server.post("registered-models/get-latest-versions", {"name": "absent-model", "stages": ["Prod"]}), 404,
        "RESOURCE_DOES_NOT_EXIST", "Registered Model with name=absent-model not found")
    err(server.post("registered-models/get-latest-versions", {}), 400, "INVALID_PARAMETER_VALUE",
        "Missing value for required parameter 'name'." + SEE)
    empty = uniq()
    create_model(server, empty)
    assert ok(server.post("registered-models/get-latest-versions", {"name": empty})) == {}


# ---- model versions ----

def test_create_model_version(server):
    name = uniq()
    create_model(server, name)
    before = ok(get_model(server, name))["registered_model"]["last_updated_timestamp"]
    mv = create_version(server, name, "s3://bucket/path/model", run_id="abc123", run_link="http://x/r",
                        description="desc", tags=[{"key": "a", "value": "1"}, {"key": "a", "value": "2"}])
    assert mv == {"name": name, "version": "1", "creation_timestamp": mv["creation_timestamp"],
                  "last_updated_timestamp": mv["creation_timestamp"], "current_stage": "None",
                  "description": "desc", "source": "s3://bucket/path/model", "run_id": "abc123",
                  "status": "READY", "tags": [{"key": "a", "value": "2"}], "run_link": "http://x/r"}
    assert ok(get_model(server, name))["registered_model"]["last_updated_timestamp"] >= before
    # absent optional strings are stored as "" and sent back
    mv = create_version(server, name)
    assert (mv["version"], mv["run_id"], mv["run_link"], mv["description"]) == ("2", "", "", "")
    assert ok(get_version(server, name, 2))["model_version"] == mv
    assert ok(server.get("model-versions/get-download-uri", f"name={name}&version=1")) == {
        "artifact_uri": "s3://bucket/path/model"}
    # runs:/ sources are stored and served as given
    mv = create_version(server, name, "runs:/0123abcd/model", run_id="0123abcd")
    assert mv["source"] == "runs:/0123abcd/model"
    assert ok(server.get("model-versions/get-download-uri", f"name={name}&version=3")) == {
        "artifact_uri": "runs:/0123abcd/model"}


def test_create_model_version_errors(server):
    name = uniq()
    create_model(server, name)
    err(server.post("model-versions/create", {"name": name}), 400, "INVALID_PARAMETER_VALUE",
        "Missing value for required parameter 'source'." + SEE)
    err(server.post("model-versions/create", {"source": "s3://b/p"}), 400, "INVALID_PARAMETER_VALUE",
        "Missing value for required parameter 'name'." + SEE)
    err(server.post("model-versions/create", {"name": "absent-model", "source": "s3://b/p"}), 404,
        "RESOURCE_DOES_NOT_EXIST", "Registered Model with name=absent-model not found")
    err(server.post("model-versions/create", {"name": name, "source": "s3://b/p",
                                               "tags": [{"key": "k", "value": "v" * 100001}]}),
        400, "INVALID_PARAMETER_VALUE", "'value' exceeds the maximum length of 100000 characters")
    err(server.post("model-versions/create", {"name": name, "source": "s3://b/p",
                                               "tags": [{"key": "mlflow.prompt.text", "value": "v" * 100001}]}),
        400, "INVALID_PARAMETER_VALUE", "Prompt text exceeds max length of 100000 characters.")
    relative = ("Invalid model version source: '{}'. If supplying a source as an http, https, local file path, ftp, "
                "objectstore, or mlflow-artifacts uri, an absolute path must be provided without relative path "
                "references present. Please provide an absolute path.")
    for source in ("s3://bucket/a/../b", "mlflow-artifacts:/x/..%2f..%2fetc", "gs://h/a%00b",
                   "gs://h/x/%252E%252E/y", "s3://bucket"):
        err(server.post("model-versions/create", {"name": name, "source": source}), 400, "INVALID_PARAMETER_VALUE",
            relative.format(source))
    # a URI naming a host the server would connect to is refused before anything else
    host = ("'source' cannot use the '{0}' scheme: the '{0}' scheme addresses a host other than the tracking server's "
            "configured artifact storage, so the server would connect to the host named in the URI. Set the "
            "MLFLOW_ALLOWED_HOST_ADDRESSED_ARTIFACT_SCHEMES environment variable on the server to allow it.")
    for scheme, source in (("mlflow-artifacts", "mlflow-artifacts://host:80/..%2f..%2fetc"), ("http", "http://h/a"),
                           ("https", "https://h/x/%252E%252E/y"), ("sftp", "sftp://h/m"), ("abfss", "abfss://c@a/m")):
        err(server.post("model-versions/create", {"name": name, "source": source}), 400, "INVALID_PARAMETER_VALUE",
            host.format(scheme))
    # runs:/ and proxied-artifact sources need the run that holds them
    owner = "Invalid model version source: '{}'. The {} request parameter must identify the resource that contains the source."
    for source, run_id in (("runs:/abc/model", ""), ("runs:/abc/model", "def"), ("runs://h/abc/model", "abc"),
                           ("mlflow-artifacts:/0/abc/artifacts", ""), ("mlflow-artifacts:/0/abc/artifacts", "nope")):
        err(server.post("model-versions/create", {"name": name, "source": source, "run_id": run_id}), 400,
            "INVALID_PARAMETER_VALUE", owner.format(source, "run_id"))
    local = ("Invalid model version source: '{}'. To use a local path as a model version source, the run_id request "
             "parameter has to be specified and the local path has to be contained within the artifact directory of "
             "the run specified by the run_id.")
    err(server.post("model-versions/create", {"name": name, "source": "/tmp/model"}), 400,
        "INVALID_PARAMETER_VALUE", local.format("/tmp/model"))
    err(server.post("model-versions/create", {"name": name, "source": "file:///tmp/model", "run_id": "nope"}), 400,
        "INVALID_PARAMETER_VALUE", owner.format("file:///tmp/model", "run_id"))
    # a prompt's source is one of MLflow's placeholders, nothing else is checked
    prompt = uniq("p")
    create_model(server, prompt, tags=[{"key": PROMPT, "value": "true"}])
    err(server.post("model-versions/create", {"name": prompt, "source": "../anything",
                                              "tags": [{"key": PROMPT, "value": "TRUE"}]}), 400,
        "INVALID_PARAMETER_VALUE", "Invalid prompt source: '../anything'. Prompt sources must use an MLflow placeholder.")
    mv = create_version(server, prompt, "dummy-source", tags=[{"key": PROMPT, "value": "true"},
                                                             {"key": "mlflow.prompt.text", "value": "hi {{x}}"}])
    assert mv["source"] == "dummy-source"
    # the prompt tag counts when its last value is true
    err(server.post("model-versions/create", {"name": prompt, "source": "../anything",
                                              "tags": [{"key": PROMPT, "value": "true"}, {"key": PROMPT, "value": "no"}]}),
        400, "INVALID_PARAMETER_VALUE", relative.format("../anything").replace(
            "If supplying a source as an http, https, local file path, ftp, objectstore, or mlflow-artifacts uri, an "
            "absolute path must be provided without relative path references present. Please provide an absolute path.",
            "To use a local path as a model version source, the run_id request parameter has to be specified and the "
            "local path has to be contained within the artifact directory of the run specified by the run_id."))
    # nothing was written by the failures
    assert create_version(server, name)["version"] == "1"


def test_create_model_version_local_source(server, tmp_path):
    name = uniq()
    create_model(server, name)
    run_id = uuid.uuid4().hex
    artifacts = tmp_path / "artifacts"
    (artifacts / "model").mkdir(parents=True)
    insert_run(server, run_id, "file://" + str(artifacts))
    mv = create_version(server, name, str(artifacts / "model"), run_id=run_id)
    assert mv["source"] == str(artifacts / "model") and mv["run_id"] == run_id
    mv = create_version(server, name, "file://" + str(artifacts), run_id=run_id)
    assert mv["version"] == "2"
    local = ("Invalid model version source: '{}'. To use a local path as a model version source, the run_id request "
             "parameter has to be specified and the local path has to be contained within the artifact directory of "
             "the run specified by the run_id.")
    # outside the run's directory, also through .. and through a symlink
    err(server.post("model-versions/create", {"name": name, "source": str(tmp_path), "run_id": run_id}), 400,
        "INVALID_PARAMETER_VALUE", local.format(str(tmp_path)))
    err(server.post("model-versions/create", {"name": name, "source": str(artifacts / ".." / "x"), "run_id": run_id}),
        400, "INVALID_PARAMETER_VALUE", local.format(str(tmp_path / "x")))
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", artifacts / "link")
    err(server.post("model-versions/create", {"name": name, "source": str(artifacts / "link"), "run_id": run_id}),
        400, "INVALID_PARAMETER_VALUE", local.format(str(tmp_path / "elsewhere")))
    # a run whose artifacts are not local cannot vouch for a local path
    remote = uuid.uuid4().hex
    insert_run(server, remote, "s3://bucket/run")
    err(server.post("model-versions/create", {"name": name, "source": str(artifacts), "run_id": remote}), 400,
        "INVALID_PARAMETER_VALUE", local.format(str(artifacts)))


def test_create_model_version_from_logged_model(server):
    name = uniq()
    create_model(server, name)
    model_id = "m-" + uuid.uuid4().hex
    insert_logged_model(server, model_id, "mlflow-artifacts:/0/models/%s/artifacts" % model_id, run_id="run123")
    # models:/<model_id> with its model_id: storage location and run id come from the logged model
    mv = create_version(server, name, "models:/" + model_id, model_id=model_id)
    assert mv["source"] == "models:/" + model_id and mv["run_id"] == "run123"
    assert ok(server.get("model-versions/get-download-uri", f"name={name}&version=1"))["artifact_uri"] == \
        "mlflow-artifacts:/0/models/%s/artifacts" % model_id
    # model_id: the run id is taken from the model and the model records the version
    mv = create_version(server, name, "s3://bucket/x", model_id=model_id)
    assert mv["run_id"] == "run123"
    mv = create_version(server, name, "s3://bucket/y", model_id=model_id, run_id="given")
    assert mv["run_id"] == "given"
    value = server.query1("SELECT tag_value FROM logged_model_tags WHERE model_id = ? AND tag_key = ?",
                          model_id, "mlflow.modelVersions")[0]
    assert value == json.dumps([{"name": name, "version": 1}, {"name": name, "version": 2},
                                {"name": name, "version": 3}])
    # models:/<name>/<version>: the download URI of that version
    other = uniq()
    create_model(server, other)
    mv = create_version(server, other, f"models:/{name}/1")
    assert ok(server.get("model-versions/get-download-uri", f"name={other}&version=1"))["artifact_uri"] == \
        "mlflow-artifacts:/0/models/%s/artifacts" % model_id
    # a registered version as source: it must exist, and its stage, alias or "latest" is resolved
    err(server.post("model-versions/create", {"name": other, "source": f"models:/{name}/9"}), 404,
        "RESOURCE_DOES_NOT_EXIST", f"Model Version (name={name}, version=9) not found")
    err(server.post("model-versions/create", {"name": other, "source": f"models:/{name}/Production"}), 500,
        "INTERNAL_ERROR", f"No versions of model with name '{name}' and stage 'Production' found")
    mv = create_version(server, other, f"models:/{name}/latest")
    assert mv["source"] == f"models:/{name}/3" and mv["run_id"] == "given"
    err(server.post("model-versions/create", {"name": other, "source": f"models:/{name}/1", "run_id": "x"}), 400,
        "INVALID_PARAMETER_VALUE", f"Invalid model version source: 'models:/{name}/1'. The run_id and model_id request "
        "parameters must match the referenced model version.")
    owner = "Invalid model version source: '{}'. The model_id request parameter must identify the resource that contains the source."
    for source in ("models:/m-missing", "models:/a/b/c", "models:/" + model_id):
        err(server.post("model-versions/create", {"name": other, "source": source}), 400, "INVALID_PARAMETER_VALUE",
            owner.format(source))
    err(server.post("model-versions/create", {"name": other, "source": "s3://b/z", "model_id": "m-missing"}), 404,
        "RESOURCE_DOES_NOT_EXIST", "Logged model with ID 'm-missing' not found.")


def test_source_validation_regex(monkeypatch):
    monkeypatch.setenv("MLFLOW_CREATE_MODEL_VERSION_SOURCE_VALIDATION_REGEX", r"^s3://allowed/\d+")
    s = Server()
    try:
        create_model(s, "m")
        create_version(s, "m", "s3://allowed/42/model")
        err(s.post("model-versions/create", {"name": "m", "source": "s3://other/1"}), 400, "INVALID_PARAMETER_VALUE",
            "Invalid model version source: 's3://other/1'.")
    finally:
        s.stop()


def test_version_numbers_never_reused(server):
    name = uniq()
    create_model(server, name)
    for _ in range(3):
        create_version(server, name)
    ok(delete(server, "model-versions/delete", {"name": name, "version": "3"}))
    ok(delete(server, "model-versions/delete", {"name": name, "version": "2"}))
    assert create_version(server, name)["version"] == "4"


def test_concurrent_create_model_version(server):
    name = uniq()
    create_model(server, name)
    versions, failures = [], []

    def worker():
        for _ in range(10):
            status, _, body = server.post("model-versions/create", {"name": name, "source": "s3://b/p"})
            if status == 200:
                versions.append(int(body["model_version"]["version"]))
            else:
                failures.append(body)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert sorted(versions) == list(range(1, 81))


def test_get_model_version_errors(server):
    name = uniq()
    create_model(server, name)
    create_version(server, name)
    assert ok(get_version(server, name, "01"))["model_version"]["version"] == "1"
    err(get_version(server, name, "abc"), 400, "INVALID_PARAMETER_VALUE", "Parameter 'version' must be an integer, got 'abc'.")
    err(get_version(server, name, "1.0"), 400, "INVALID_PARAMETER_VALUE",
        "Parameter 'version' must be an integer, got '1.0'.")
    err(get_version(server, name, 7), 404, "RESOURCE_DOES_NOT_EXIST", f"Model Version (name={name}, version=7) not found")
    err(server.get("model-versions/get", "name=" + name), 400, "INVALID_PARAMETER_VALUE",
        "Missing value for required parameter 'version'." + SEE)


def test_update_model_version(server):
    name = uniq()
    create_model(server, name)
    create_version(server, name, description="v1")
    mv = ok(patch(server, "model-versions/update", {"name": name, "version": "1", "description": "new"}))
    assert mv["model_version"]["description"] == "new"
    # without a description the field is cleared (None), not emptied
    mv = ok(patch(server, "model-versions/update", {"name": name, "version": "1"}))["model_version"]
    assert "description" not in mv
    mv = ok(patch(server, "model-versions/update", {"name": name, "version": "1", "description": ""}))
    assert mv["model_version"]["description"] == ""
    err(patch(server, "model-versions/update", {"name": name, "version": "2", "description": "x"}), 404,
        "RESOURCE_DOES_NOT_EXIST", f"Model Version (name={name}, version=2) not found")
    err(patch(server, "model-versions/update", {"name": name}), 400, "INVALID_PARAMETER_VALUE",
        "Missing value for required parameter 'version'." + SEE)


def test_transition_stage(server):
    name = uniq()
    create_model(server, name)
    for _ in range(4):
        create_version(server, name)
    move = lambda v, stage, archive=None: server.post(  # noqa: E731
        "model-versions/transition-stage",
        {"name": name, "version": str(v), "stage": stage,
         **({} if archive is None else {"archive_existing_versions": archive})})
    mv = ok(move(1, "production"))["model_version"]
    assert mv["current_stage"] == "Production"
    ok(move(2, "Production"))
    ok(move(3, "Staging"))
    mv = ok(move(4, "PRODUCTION", True))["model_version"]
    stages = {v: ok(get_version(server, name, v))["model_version"]["current_stage"] for v in range(1, 5)}
    assert stages == {1: "Archived", 2: "Archived", 3: "Staging", 4: "Production"}
    assert ok(get_model(server, name))["registered_model"]["last_updated_timestamp"] == mv["last_updated_timestamp"]
    err(move(1, "Deleted_Internal"), 400, "INVALID_PARAMETER_VALUE",
        "Invalid Model Version stage: Deleted_Internal. Value must be one of None, Staging, Production, Archived.")
    err(move(1, "archived", True), 500, "INTERNAL_ERROR",
        "Model version transition cannot archive existing model versions because 'archived' is not an Active stage. "
        "Valid stages are ['Staging', 'Production']")
    err(move(9, "Staging", True), 404, "RESOURCE_DOES_NOT_EXIST", f"Model Version (name={name}, version=9) not found")
    # the failed call archived nothing
    assert ok(get_version(server, name, 3))["model_version"]["current_stage"] == "Staging"
    err(move(1, "Staging", "yes"), 400, "INVALID_PARAMETER_VALUE",
        prefix="Invalid value \"yes\" for parameter 'archive_existing_versions' supplied")
    err(server.post("model-versions/transition-stage", {"name": name, "version": "1"}), 400,
        "INVALID_PARAMETER_VALUE", "Missing value for required parameter 'stage'." + SEE)


def test_delete_model_version(server):
    name = uniq()
    create_model(server, name)
    create_version(server, name, tags=[{"key": "k", "value": "v"}], description="d", run_id="r1")
    create_version(server, name)
    ok(server.post("registered-models/alias", {"name": name, "alias": "one", "version": "1"}))
    ok(server.post("registered-models/alias", {"name": name, "alias": "two", "version": "2"}))
    assert ok(delete(server, "model-versions/delete", {"name": name, "version": "1"})) == {}
    err(get_version(server, name, 1), 404, "RESOURCE_DOES_NOT_EXIST", f"Model Version (name={name}, version=1) not found")
    err(delete(server, "model-versions/delete", {"name": name, "version": "1"}), 404, "RESOURCE_DOES_NOT_EXIST")
    rm = ok(get_model(server, name))["registered_model"]
    assert rm["aliases"] == [{"alias": "two", "version": "2"}]
    assert [v["version"] for v in rm["latest_versions"]] == ["2"]
    err(server.get("registered-models/alias", f"name={name}&alias=one"), 400, "INVALID_PARAMETER_VALUE",
        "Registered model alias one not found.")
    # the row stays, redacted, so its number is never reused
    row = server.query1("SELECT current_stage, description, source, run_id, run_link FROM model_versions "
                        "WHERE name = ? AND version = 1", name)
    assert row == ("Deleted_Internal", None, "REDACTED-SOURCE-PATH", "REDACTED-RUN-ID", "REDACTED-RUN-LINK")
    body = ok(server.get("model-versions/search", f"filter=name%3D%27{name}%27"))
    assert [v["version"] for v in body["model_versions"]] == ["2"]
    err(server.get("model-versions/get-download-uri", f"name={name}&version=1"), 404, "RESOURCE_DOES_NOT_EXIST")
    err(server.post("model-versions/transition-stage", {"name": name, "version": "1", "stage": "Staging"}), 404,
        "RESOURCE_DOES_NOT_EXIST")
    err(delete(server, "model-versions/delete", {"name": name}), 400, "INVALID_PARAMETER_VALUE",
        "Missing value for required parameter 'version'." + SEE)


def test_get_download_uri_without_schema(server):
    # this rpc has no request schema: only the store's checks apply, without the docs hint
    err(server.get("model-versions/get-download-uri", "version=1"), 400, "INVALID_PARAMETER_VALUE",
        "Missing value for required parameter 'name'.")
    err(server.get("model-versions/get-download-uri", "name=x"), 400, "INVALID_PARAMETER_VALUE",
        "Parameter 'version' must be an integer, got ''.")
    err(server.get("model-versions/get-download-uri", "name=x&version=1"), 404, "RESOURCE_DOES_NOT_EXIST",
        "Model Version (name=x, version=1) not found")


def test_model_version_tags(server):
    name = uniq()
    create_model(server, name)
    create_version(server, name)
    for k, v in (("a", "1"), ("b", "2"), ("a", "3")):
        assert ok(server.post("model-versions/set-tag", {"name": name, "version": "1", "key": k, "value": v})) == {}
    assert in_order(ok(get_version(server, name, 1))["model_version"]["tags"]) == [{"key": "a", "value": "3"},
                                                                                    {"key": "b", "value": "2"}]
    assert ok(delete(server, "model-versions/delete-tag", {"name": name, "version": "1", "key": "a"})) == {}
    assert ok(delete(server, "model-versions/delete-tag", {"name": name, "version": "1", "key": "zz"})) == {}
    assert ok(get_version(server, name, 1))["model_version"]["tags"] == [{"key": "b", "value": "2"}]
    ok(server.post("model-versions/set-tag", {"name": name, "version": "1", "key": "big", "value": "x" * 100000}))
    err(server.post("model-versions/set-tag", {"name": name, "version": "1", "key": "big", "value": "x" * 100001}),
        400, "INVALID_PARAMETER_VALUE", "'value' exceeds the maximum length of 100000 characters")
    err(server.post("model-versions/set-tag", {"name": name, "version": "2", "key": "k", "value": "v"}), 404,
        "RESOURCE_DOES_NOT_EXIST", f"Model Version (name={name}, version=2) not found")
    err(server.post("model-versions/set-tag", {"name": name, "version": "x", "key": "k", "value": "v"}), 400,
        "INVALID_PARAMETER_VALUE", "Parameter 'version' must be an integer, got 'x'.")
    err(server.post("model-versions/set-tag", {"name": name, "version": "1", "value": "v"}), 400,
        "INVALID_PARAMETER_VALUE", "Missing value for required parameter 'key'." + SEE)
    err(delete(server, "model-versions/delete-tag", {"name": name, "version": "2", "key": "b"}), 404,
        "RESOURCE_DOES_NOT_EXIST", f"Model Version (name={name}, version=2) not found")
    err(delete(server, "model-versions/delete-tag", {"name": name, "version": "1", "key": "/abs"}), 400,
        "INVALID_PARAMETER_VALUE", prefix="Invalid value \"/abs\" for parameter 'key' supplied")


# ---- aliases ----

def test_aliases(server):
    name = uniq()
    create_model(server, name)
    create_version(server, name)
    create_version(server, name)
    assert ok(server.post("registered-models/alias", {"name": name, "alias": "champion", "version": "1"})) == {}
    ok(server.post("registered-models/alias", {"name": name, "alias": "Challenger-2", "version": "2"}))
    ok(server.post("registered-models/alias", {"name": name, "alias": "alpha", "version": "1"}))
    rm = ok(get_model(server, name))["registered_model"]
    assert rm["aliases"] == [{"alias": "Challenger-2", "version": "2"}, {"alias": "alpha", "version": "1"},
                             {"alias": "champion", "version": "1"}]
    assert ok(get_version(server, name, 1))["model_version"]["aliases"] == ["alpha", "champion"]
    mv = ok(server.get("registered-models/alias", f"name={name}&alias=champion"))["model_version"]
    assert mv["version"] == "1" and mv["aliases"] == ["alpha", "champion"]
    # moving an alias
    ok(server.post("registered-models/alias", {"name": name, "alias": "champion", "version": "2"}))
    assert ok(server.get("registered-models/alias", f"name={name}&alias=champion"))["model_version"]["version"] == "2"
    assert ok(delete(server, "registered-models/alias", {"name": name, "alias": "champion"})) == {}
    assert ok(delete(server, "registered-models/alias", {"name": name, "alias": "champion"})) == {}
    err(server.get("registered-models/alias", f"name={name}&alias=champion"), 400, "INVALID_PARAMETER_VALUE",
        "Registered model alias champion not found.")
    # the model is looked up before its aliases
    err(server.get("registered-models/alias", "name=absent-model&alias=x"), 404, "RESOURCE_DOES_NOT_EXIST",
        "Registered Model with name=absent-model not found")
    for alias, message in (
            ("latest", "'latest' alias name (case insensitive) is reserved."),
            ("LaTeSt", "'latest' alias name (case insensitive) is reserved."),
            ("v1", "Version alias name 'v1' is reserved."),
            ("V42", "Version alias name 'V42' is reserved."),
            ("has space", "Invalid alias name: 'has space'. Names may only contain alphanumerics, underscores (_), "
                          "and dashes (-)."),
            ("a" * 256, "'Registered model alias name' exceeds the maximum length of 255 characters")):
        err(server.post("registered-models/alias", {"name": name, "alias": alias, "version": "1"}), 400,
            "INVALID_PARAMETER_VALUE", message)
    ok(server.post("registered-models/alias", {"name": name, "alias": "v1x", "version": "1"}))
    err(server.post("registered-models/alias", {"name": name, "alias": "ok", "version": "3"}), 404,
        "RESOURCE_DOES_NOT_EXIST", f"Model Version (name={name}, version=3) not found")
    err(server.post("registered-models/alias", {"name": name, "alias": "ok", "version": "one"}), 400,
        "INVALID_PARAMETER_VALUE", "Parameter 'version' must be an integer, got 'one'.")
    err(server.post("registered-models/alias", {"name": name, "version": "1"}), 400, "INVALID_PARAMETER_VALUE",
        "Missing value for required parameter 'alias'." + SEE)
    err(delete(server, "registered-models/alias", {"name": "absent-model", "alias": "x"}), 404,
        "RESOURCE_DOES_NOT_EXIST", "Registered Model with name=absent-model not found")
    err(delete(server, "registered-models/alias", {"name": name, "alias": "bad alias"}), 400,
        "INVALID_PARAMETER_VALUE", prefix="Invalid alias name: 'bad alias'.")


def test_latest_alias(server):
    name = uniq()
    create_model(server, name)
    err(server.get("registered-models/alias", f"name={name}&alias=latest"), 404, "RESOURCE_DOES_NOT_EXIST",
        f"Latest version not found for model {name}.")
    err(server.get("registered-models/alias", "name=absent-model&alias=LATEST"), 404, "RESOURCE_DOES_NOT_EXIST",
        "Registered Model with name=absent-model not found")
    for _ in range(3):
        create_version(server, name)
    assert ok(server.get("registered-models/alias", f"name={name}&alias=latest"))["model_version"]["version"] == "3"
    # the highest of the latest versions of each stage
    ok(server.post("model-versions/transition-stage", {"name": name, "version": "1", "stage": "Production"}))
    assert ok(server.get("registered-models/alias", f"name={name}&alias=Latest"))["model_version"]["version"] == "3"
    ok(server.post("model-versions/transition-stage", {"name": name, "version": "3", "stage": "Archived"}))
    assert ok(server.get("registered-models/alias", f"name={name}&alias=latest"))["model_version"]["version"] == "3"


# ---- search ----

def test_search_registered_models(fresh_server):
    s = fresh_server
    for i in range(6):
        create_model(s, f"model-{i}", tags=[{"key": "parity", "value": "even" if i % 2 == 0 else "odd"},
                                            {"key": "idx", "value": str(i)}])
    create_model(s, "Other-Model")
    create_model(s, "prompt-1", tags=[{"key": PROMPT, "value": "true"}])
    names = lambda body: [m["name"] for m in body.get("registered_models", [])]  # noqa: E731
    body = ok(s.get("registered-models/search"))
    assert names(body) == ["Other-Model"] + [f"model-{i}" for i in range(6)]
    assert "next_page_token" not in body
    assert names(ok(s.get("registered-models/search", "filter=name%20LIKE%20%27model-%25%27"))) == \
        [f"model-{i}" for i in range(6)]
    assert names(ok(search(s, "registered-models", {"filter": "name ILIKE 'MODEL-%'"}))) == \
        [f"model-{i}" for i in range(6)]
    assert names(ok(search(s, "registered-models", {"filter": "name = 'model-3'"}))) == ["model-3"]
    assert names(ok(search(s, "registered-models", {"filter": "name != 'model-3' AND tags.parity = 'odd'"}))) == \
        ["model-1", "model-5"]
    assert names(ok(search(s, "registered-models", {"filter": "tags.parity = 'even' AND tag.idx LIKE '%4'"}))) == \
        ["model-4"]
    assert names(ok(search(s, "registered-models", {"filter": "tags.`parity` = 'even' AND tags.parity != 'even'"}))) == []
    # prompts only when asked for
    assert names(ok(search(s, "registered-models", {"filter": f"tags.`{PROMPT}` = 'true'"}))) == ["prompt-1"]
    assert names(ok(search(s, "registered-models", {"filter": f"tags.`{PROMPT}` != 'false'"}))) == ["prompt-1"]
    assert "prompt-1" not in names(ok(search(s, "registered-models", {"filter": f"tags.`{PROMPT}` = 'false'"})))
    # order_by
    body = ok(search(s, "registered-models", {"order_by": ["name DESC"]}))
    assert names(body)[0] == "model-5"
    ok(s.post("registered-models/set-tag", {"name": "model-2", "key": "x", "value": "y"}))
    time.sleep(0.003)
    ok(patch(s, "registered-models/update", {"name": "model-2", "description": "touched"}))
    body = ok(search(s, "registered-models", {"order_by": ["timestamp DESC"]}))
    assert names(body)[0] == "model-2"
    body = ok(search(s, "registered-models", {"order_by": ["last_updated_timestamp ASC"]}))
    assert names(body)[-1] == "model-2"
    # paging
    seen, token = [], None
    while True:
        req = {"max_results": 3}
        if token:
            req["page_token"] = token
        body = ok(search(s, "registered-models", req))
        seen += names(body)
        token = body.get("next_page_token")
        if not token:
            break
    assert seen == ["Other-Model"] + [f"model-{i}" for i in range(6)]
    assert json.loads(base64.b64decode(ok(search(s, "registered-models", {"max_results": 2}))["next_page_token"])) \
        == {"offset": 2}
    # errors
    err(search(s, "registered-models", {"max_results": 1001}), 400, "INVALID_PARAMETER_VALUE",
        prefix="Invalid value \"1001\" for parameter 'max_results' supplied")
    err(search(s, "registered-models", {"filter": "version_number = 1"}), 400, "INVALID_PARAMETER_VALUE",
        "Invalid attribute key 'version_number' specified. Valid keys are '{'name'}'")
    err(search(s, "registered-models", {"filter": "name > 'a'"}), 400, "INVALID_PARAMETER_VALUE",
        "Invalid comparator for attribute: >")
    err(search(s, "registered-models", {"order_by": ["creation_timestamp"]}), 400, "INVALID_PARAMETER_VALUE",
        prefix="Invalid order by key 'creation_timestamp' specified. Valid keys are ")
    err(search(s, "registered-models", {"page_token": "not a token"}), 400, "INVALID_PARAMETER_VALUE",
        prefix="Invalid page token")


def test_search_model_versions(fresh_server):
    s = fresh_server
    for m in ("alpha", "beta"):
        create_model(s, m)
    runs = ["a" * 32, "b" * 32, "c" * 32]
    for i in range(6):
        time.sleep(0.003)  # distinct update times for the default order
        create_version(s, "alpha" if i < 4 else "beta", f"s3://bucket/{i}/model", run_id=runs[i % 3],
                       tags=[{"key": "i", "value": str(i)}])
    create_model(s, "prompt-x", tags=[{"key": PROMPT, "value": "true"}])
    create_version(s, "prompt-x", "dummy-source", tags=[{"key": PROMPT, "value": "true"}])
    vs = lambda body: [(v["name"], v["version"]) for v in body.get("model_versions", [])]  # noqa: E731
    # default order: last update DESC, then name ASC, version DESC
    body = ok(s.get("model-versions/search"))
    assert vs(body) == [("beta", "2"), ("beta", "1"), ("alpha", "4"), ("alpha", "3"), ("alpha", "2"), ("alpha", "1")]
    assert body["model_versions"][0]["tags"] == [{"key": "i", "value": "5"}]
    assert "aliases" not in body["model_versions"][0]
    q = lambda f, **kw: vs(ok(search(s, "model-versions", {"filter": f, **kw})))  # noqa: E731
    assert q("name = 'alpha'", order_by=["version_number ASC"]) == [("alpha", str(i)) for i in range(1, 5)]
    assert q("name='alpha' AND version_number >= 3") == [("alpha", "4"), ("alpha", "3")]
    assert q("version_number < 2", order_by=["name"]) == [("alpha", "1"), ("beta", "1")]
    assert q(f"run_id = '{runs[0]}'") == [("alpha", "4"), ("alpha", "1")]
    assert q(f"run_id IN ('{runs[1]}', '{runs[2]}')", order_by=["name", "version_number"]) == [
        ("alpha", "2"), ("alpha", "3"), ("beta", "1"), ("beta", "2")]
    # every IN value counts (no run-id case rule in the registry)
    assert q("run_id IN ('AAAA')") == []
    assert q(f"run_id IN ('AAAA', '{runs[1]}')", order_by=["name", "version_number"]) == [
        ("alpha", "2"), ("beta", "1")]
    assert q("source_path = 's3://bucket/2/model'") == [("alpha", "3")]
    assert q("source_path LIKE '%/5/%'") == [("beta", "2")]
    assert q("tags.i = '0'") == [("alpha", "1")]
    assert q("tags.i ILIKE '%' AND name = 'beta'") == [("beta", "2"), ("beta", "1")]
    assert q(f"tags.`{PROMPT}` = 'true'") == [("prompt-x", "1")]
    # paging
    seen, token = [], None
    while True:
        req = {"max_results": 4, "order_by": ["creation_timestamp ASC"]}
        if token:
            req["page_token"] = token
        body = ok(search(s, "model-versions", req))
        seen += vs(body)
        token = body.get("next_page_token")
        if not token:
            break
    assert seen == [("alpha", "1"), ("alpha", "2"), ("alpha", "3"), ("alpha", "4"), ("beta", "1"), ("beta", "2")]
    # errors
    err(search(s, "model-versions", {"max_results": 0}), 400, "INVALID_PARAMETER_VALUE",
        "Invalid value for max_results. It must be a positive integer, but got 0")
    err(search(s, "model-versions", {"max_results": 200001}), 400, "INVALID_PARAMETER_VALUE",
        prefix="Invalid value \"200001\" for parameter 'max_results' supplied")
    err(search(s, "model-versions", {"filter": "version_number LIKE '1'"}), 400, "INVALID_PARAMETER_VALUE",
        "Invalid comparator for attribute version_number: LIKE")
    assert q("name IN ('beta', 'gamma')", order_by=["version_number"]) == [("beta", "1"), ("beta", "2")]
    assert q(f"name NOT IN ('alpha') AND run_id NOT IN ('{runs[2]}')") == [("beta", "1")]
    err(search(s, "model-versions", {"filter": "source_path IN ('a')"}), 400, "INVALID_PARAMETER_VALUE",
        "Only ['name', 'run_id'] attributes support comparison with a list of quoted string values.")
    err(search(s, "model-versions", {"filter": "version_number = 1.5"}), 400, "INVALID_PARAMETER_VALUE",
        "Invalid value for numeric attribute 'version_number': 1.5")
    err(search(s, "model-versions", {"filter": "version_number > 'one'"}), 400, "INVALID_PARAMETER_VALUE",
        "Invalid value for numeric attribute 'version_number': 'one'")
    err(search(s, "model-versions", {"filter": "status = 'READY'"}), 400, "INVALID_PARAMETER_VALUE",
        prefix="Invalid attribute key 'status' specified.")
    err(search(s, "model-versions", {"order_by": ["name", "name DESC"]}), 500, "INTERNAL_ERROR",
        "`order_by` contains duplicate fields: ['name', 'name DESC']")


def test_search_model_versions_order_matches_sqlite(fresh_server):
    # the store sorts rowids and sort keys in C: its pages must be SQLite's ORDER BY ... LIMIT/OFFSET,
    # NULL timestamps included; a text timestamp (SQLite orders it after every number) takes the SQL path.
    # On PostgreSQL: the database's own ORDER BY (NULLs last ascending), as MLflow's query gives it there
    s = fresh_server
    for m in ("m-b", "m-a"):
        create_model(s, m)
        for _ in range(5):
            create_version(s, m)
    sql(s, "UPDATE model_versions SET last_updated_time = 7 WHERE version IN (2, 4)")
    sql(s, "UPDATE model_versions SET last_updated_time = NULL, creation_time = NULL WHERE version = 3")
    orders = [[], ["last_updated_timestamp ASC"], ["creation_timestamp DESC", "name DESC"],
              ["name", "version_number ASC"], ["last_updated_timestamp DESC", "version_number ASC"]]
    columns = {"name": "name", "version_number": "version", "creation_timestamp": "creation_time",
               "last_updated_timestamp": "last_updated_time"}

    def expected(order, limit, offset):
        parts = [(columns[o.split()[0]], o.split()[1] if " " in o else "ASC") for o in order]
        if not parts:
            parts = [("last_updated_time", "DESC")]
        if "name" not in [p[0] for p in parts]:
            parts.append(("name", "ASC"))
        if "version" not in [p[0] for p in parts]:
            parts.append(("version", "DESC"))
        return [(n, str(v)) for n, v in s.query(
            "SELECT name, version FROM model_versions ORDER BY " + ", ".join(f"{c} {d}" for c, d in parts)
            + " LIMIT ? OFFSET ?", (limit, offset))]

    def pages(order):
        seen, token = [], None
        while True:
            req = {"max_results": 3, "order_by": order}
            if token:
                req["page_token"] = token
            body = ok(search(s, "model-versions", req))
            seen.append([(v["name"], v["version"]) for v in body.get("model_versions", [])])
            token = body.get("next_page_token")
            if not token:
                return seen

    for text_timestamp in (False, True) if not PG else (False,):  # a text in a bigint column: SQLite only
        if text_timestamp:
            sql(s, "UPDATE model_versions SET last_updated_time = 'x' WHERE name = 'm-a' AND version = 5")
        for order in orders:
            got = pages(order)
            assert got == [expected(order, 3, 3 * i) for i in range(len(got))], order
            assert sum(got, []) == expected(order, 100, 0), order


def test_version_tags_keep_insertion_order(fresh_server):
    # tags are found by index seeks per distinct tag key; past 64 keys by one scan: insertion order either way
    s = fresh_server
    name = uniq()
    create_model(s, name)
    keys = ["zeta", "alpha", "mid", "beta"]
    create_version(s, name, tags=[{"key": k, "value": k.upper()} for k in keys])
    create_version(s, name, tags=[{"key": "only", "value": "1"}])
    ok(s.post("model-versions/set-tag", {"name": name, "version": "1", "key": "aaa", "value": "late"}))
    want = [{"key": k, "value": k.upper()} for k in keys] + [{"key": "aaa", "value": "late"}]
    assert ok(get_version(s, name, 1))["model_version"]["tags"] == want
    found = ok(search(s, "model-versions", {"filter": f"name = '{name}'"}))["model_versions"]
    assert [(v["version"], v["tags"]) for v in found] == [("2", [{"key": "only", "value": "1"}]), ("1", want)]
    for i in range(70):
        ok(s.post("model-versions/set-tag", {"name": name, "version": "2", "key": f"k{69 - i:02d}", "value": "v"}))
    got = ok(get_version(s, name, 2))["model_version"]["tags"]
    assert [t["key"] for t in got] == ["only"] + [f"k{69 - i:02d}" for i in range(70)]
    assert ok(get_version(s, name, 1))["model_version"]["tags"] == want


@sqlite_only
def test_fixture_registry(tmp_path):
    src = os.path.join(os.environ.get("MLF_FIXTURES_DIR", "/work/shared/fixtures"), "mlflow-3.5-fixture.db")
    if not os.path.exists(src):
        pytest.skip("fixture not present")
    db = tmp_path / "fixture.db"
    db.write_bytes(open(src, "rb").read())
    # at 3.5's head: upgraded to 3.18's first, as mlflow-c serves it
    p = subprocess.run([BIN, "db", "upgrade", "--no-backup", f"sqlite:///{db}"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    s = Server(db_path=str(db))
    try:
        rm = ok(get_model(s, "fixture-classifier-model"))["registered_model"]
        assert rm["description"] == "Classifier promoted from fixture-classifier"
        assert rm["tags"] == [{"key": "task", "value": "classification"}, {"key": "owner", "value": "vision"}]
        assert rm["aliases"] == [{"alias": "challenger", "version": "3"}, {"alias": "champion", "version": "1"}]
        assert [(v["version"], v["current_stage"]) for v in rm["latest_versions"]] == [
            ("1", "Production"), ("2", "None"), ("3", "Staging")]
        mv = ok(s.get("registered-models/alias", "name=fixture-classifier-model&alias=champion"))["model_version"]
        assert mv["source"] == "models:/m-1d46a9aac2a84a539c59a8efb90bbbfc"
        assert mv["run_id"] == "85feb0bfe31e48f891d4eb45c4c947d6" and mv["aliases"] == ["champion"]
        assert mv["tags"] == [{"key": "validation", "value": "passed"}]
        assert ok(s.get("model-versions/get-download-uri", "name=fixture-classifier-model&version=1")) == {
            "artifact_uri": "mlflow-artifacts:/1/models/m-1d46a9aac2a84a539c59a8efb90bbbfc/artifacts"}
        body = ok(s.get("registered-models/search"))
        assert [m["name"] for m in body["registered_models"]] == ["fixture-classifier-model", "fixture-regressor-model"]
        body = ok(search(s, "model-versions", {"filter": "name = 'fixture-regressor-model'"}))
        assert [v["version"] for v in body["model_versions"]] == ["1", "2"]
        reg = ok(get_model(s, "fixture-regressor-model"))["registered_model"]
        assert reg["aliases"] == [{"alias": "prod", "version": "2"}]
        # and it keeps working as a registry
        assert create_version(s, "fixture-classifier-model")["version"] == "4"
    finally:
        s.stop()
