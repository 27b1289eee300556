"""MLflow's model-registry store over libmlflow-c (ModelRegistryService rpcs).

``CModelRegistryStore`` puts ``ModelRegistryStoreMixin`` in front of MLflow's
registry SqlAlchemyStore on the same database; methods whose rpcs are not
ported yet run MLflow's own SQL code.

Webhooks (WebhookService): create, update, delete and list go through
mlflow-c; get_webhook and list_webhooks_by_event stay MLflow's SQL code,
because their Webhook carries the decrypted secret (for signing deliveries)
and no rpc answer ever carries a secret. Both sides must then use one Fernet
key: when MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY is unset, MLflow made a
random key for this process, which the store hands to the library through
that variable before opening it.
"""

import base64
import os


from mlflow.entities.model_registry import ModelVersion, RegisteredModel
from mlflow.protos.model_registry_pb2 import (
    CreateModelVersion,
    CreateRegisteredModel,
    DeleteModelVersion,
    DeleteModelVersionTag,
    DeleteRegisteredModel,
    DeleteRegisteredModelAlias,
    DeleteRegisteredModelTag,
    GetLatestVersions,
    GetModelVersion,
    GetModelVersionByAlias,
    GetModelVersionDownloadUri,
    GetRegisteredModel,
    RenameRegisteredModel,
    SearchModelVersions,
    SearchRegisteredModels,
    SetModelVersionTag,
    SetRegisteredModelAlias,
    SetRegisteredModelTag,
    TransitionModelVersionStage,
    UpdateModelVersion,
    UpdateRegisteredModel,
)
from mlflow.entities.webhook import Webhook
from mlflow.protos.webhooks_pb2 import CreateWebhook, DeleteWebhook, ListWebhooks, UpdateWebhook
from mlflow.store.entities import PagedList
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import INVALID_PARAMETER_VALUE
from mlflow.store.model_registry import (
    SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT,
    SEARCH_MODEL_VERSION_MAX_RESULTS_THRESHOLD,
    SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT,
    SEARCH_REGISTERED_MODEL_MAX_RESULTS_THRESHOLD,
)
from mlflow.store.model_registry.abstract_store import AbstractStore

from mlflow_c.store._base import CServiceMixin, c_store_uri, rpc_method


def _version(v):
    return None if v is None else str(v)


def _check_max_results_type(max_results, threshold, must_be_int):
    """What MLflow's store says of a max_results protobuf cannot carry (not an int);
    ints go to the C store, which makes the store's own range checks."""
    if isinstance(max_results, int) and not isinstance(max_results, bool):
        return
    if must_be_int or max_results is None or max_results < 1:
        raise MlflowException("Invalid value for max_results. It must be a positive integer, but got "
                              f"{max_results}", INVALID_PARAMETER_VALUE)
    if max_results > threshold:
        raise MlflowException("Invalid value for request parameter max_results. It must be at most "
                              f"{threshold}, but got value {max_results}", INVALID_PARAMETER_VALUE)


def model_version_entity(proto):
    """ModelVersion as MLflow's SQL store returns it: version an int."""
    mv = ModelVersion.from_proto(proto)
    mv._version = int(proto.version) if proto.version.isdigit() else proto.version
    return mv


def registered_model_entity(proto):
    """RegisteredModel as MLflow's SQL store returns it: no description is None,
    alias versions are ints, latest versions converted like model versions."""
    rm = RegisteredModel.from_proto(proto)
    if not proto.HasField("description"):
        rm.description = None
    rm._latest_version = [model_version_entity(mv) for mv in proto.latest_versions]
    rm._aliases = {a.alias: int(a.version) if a.version.isdigit() else a.version for a in proto.aliases}
    if not proto.HasField("deployment_job_id"):
        rm._deployment_job_id = None
    return rm


class ModelRegistryStoreMixin(CServiceMixin):
    """The model-registry store methods served by mlflow-c."""

    _c_service_name = "ModelRegistryService"

    @rpc_method
    def create_registered_model(self, name, tags=None, description=None, deployment_job_id=None):
        req = CreateRegisteredModel(name=name, tags=[t.to_proto() for t in tags or []], description=description,
                                    deployment_job_id=deployment_job_id)
        return registered_model_entity(self._c_call("createRegisteredModel", req).registered_model)

    @rpc_method
    def update_registered_model(self, name, description, deployment_job_id=None):
        req = UpdateRegisteredModel(name=name, description=description, deployment_job_id=deployment_job_id)
        return registered_model_entity(self._c_call("updateRegisteredModel", req).registered_model)

    @rpc_method
    def rename_registered_model(self, name, new_name):
        req = RenameRegisteredModel(name=name, new_name=new_name)
        return registered_model_entity(self._c_call("renameRegisteredModel", req).registered_model)

    @rpc_method
    def delete_registered_model(self, name):
        self._c_call("deleteRegisteredModel", DeleteRegisteredModel(name=name))

    @rpc_method
    def search_registered_models(self, filter_string=None, max_results=SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT,
                                 order_by=None, page_token=None):
        _check_max_results_type(max_results, SEARCH_REGISTERED_MODEL_MAX_RESULTS_THRESHOLD, False)
        req = SearchRegisteredModels(filter=filter_string, max_results=int(max_results), order_by=order_by,
                                     page_token=page_token)
        resp = self._c_call("searchRegisteredModels", req)
        return PagedList([registered_model_entity(m) for m in resp.registered_models], resp.next_page_token or None)

    @rpc_method
    def get_registered_model(self, name):
        return registered_model_entity(
            self._c_call("getRegisteredModel", GetRegisteredModel(name=name)).registered_model)

    @rpc_method
    def get_latest_versions(self, name, stages=None):
        resp = self._c_call("getLatestVersions", GetLatestVersions(name=name, stages=stages))
        return [model_version_entity(mv) for mv in resp.model_versions]

    @rpc_method
    def set_registered_model_tag(self, name, tag):
        self._c_call("setRegisteredModelTag", SetRegisteredModelTag(name=name, key=tag.key, value=tag.value))

    @rpc_method
    def delete_registered_model_tag(self, name, key):
        self._c_call("deleteRegisteredModelTag", DeleteRegisteredModelTag(name=name, key=key))

    @rpc_method
    def create_model_version(self, name, source, run_id=None, tags=None, run_link=None, description=None,
                             local_model_path=None, model_id=None):
        req = CreateModelVersion(name=name, source=source, run_id=run_id, run_link=run_link,
                                 tags=[t.to_proto() for t in tags or []], description=description, model_id=model_id)
        return model_version_entity(self._c_call("createModelVersion", req).model_version)

    @rpc_method
    def update_model_version(self, name, version, description=None):
        req = UpdateModelVersion(name=name, version=_version(version), description=description)
        return model_version_entity(self._c_call("updateModelVersion", req).model_version)

    @rpc_method
    def transition_model_version_stage(self, name, version, stage, archive_existing_versions):
        req = TransitionModelVersionStage(name=name, version=_version(version), stage=stage,
                                          archive_existing_versions=archive_existing_versions)
        return model_version_entity(self._c_call("transitionModelVersionStage", req).model_version)

    @rpc_method
    def delete_model_version(self, name, version):
        self._c_call("deleteModelVersion", DeleteModelVersion(name=name, version=_version(version)))

    @rpc_method
    def get_model_version(self, name, version):
        resp = self._c_call("getModelVersion", GetModelVersion(name=name, version=_version(version)))
        return model_version_entity(resp.model_version)

    @rpc_method
    def get_model_version_download_uri(self, name, version):
        req = GetModelVersionDownloadUri(name=name, version=_version(version))
        return self._c_call("getModelVersionDownloadUri", req).artifact_uri

    @rpc_method
    def search_model_versions(self, filter_string=None, max_results=SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT,
                              order_by=None, page_token=None):
        _check_max_results_type(max_results, SEARCH_MODEL_VERSION_MAX_RESULTS_THRESHOLD, True)
        req = SearchModelVersions(filter=filter_string, max_results=max_results, order_by=order_by,
                                  page_token=page_token)
        resp = self._c_call("searchModelVersions", req)
        return PagedList([model_version_entity(mv) for mv in resp.model_versions], resp.next_page_token or None)

    @rpc_method
    def set_model_version_tag(self, name, version, tag):
        req = SetModelVersionTag(name=name, version=_version(version), key=tag.key, value=tag.value)
        self._c_call("setModelVersionTag", req)

    @rpc_method
    def delete_model_version_tag(self, name, version, key):
        self._c_call("deleteModelVersionTag", DeleteModelVersionTag(name=name, version=_version(version), key=key))

    @rpc_method
    def set_registered_model_alias(self, name, alias, version):
        req = SetRegisteredModelAlias(name=name, alias=alias, version=_version(version))
        self._c_call("setRegisteredModelAlias", req)

    @rpc_method
    def delete_registered_model_alias(self, name, alias):
        self._c_call("deleteRegisteredModelAlias", DeleteRegisteredModelAlias(name=name, alias=alias))

    @rpc_method
    def get_model_version_by_alias(self, name, alias):
        resp = self._c_call("getModelVersionByAlias", GetModelVersionByAlias(name=name, alias=alias))
        return model_version_entity(resp.model_version)


def _share_webhook_key():
    """MLflow's webhook secret key of this process (EncryptedString's Fernet) for the library to use too."""
    if os.environ.get("MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY"):
        return
    from mlflow.store.model_registry.dbmodels.models import SqlWebhook

    cipher = SqlWebhook.__table__.c.secret.type.cipher
    key = base64.urlsafe_b64encode(cipher._signing_key + cipher._encryption_key).decode()
    os.environ["MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY"] = key


def _webhook_entity(proto, secret=None):
    w = Webhook.from_proto(proto)
    w._secret = secret
    return w


class WebhookStoreMixin(CServiceMixin):
    """The webhook store methods served by mlflow-c (WebhookService rpcs)."""

    @rpc_method
    def create_webhook(self, name, url, events, description=None, secret=None, status=None):
        req = CreateWebhook(name=name, url=url, events=[e.to_proto() for e in events], description=description,
                            secret=secret, status=status.to_proto() if status is not None else None)
        return _webhook_entity(self._c_call("createWebhook", req, "WebhookService").webhook, secret)

    @rpc_method
    def list_webhooks(self, max_results=None, page_token=None):
        resp = self._c_call("listWebhooks", ListWebhooks(max_results=max_results, page_token=page_token),
                            "WebhookService")
        return PagedList([_webhook_entity(w) for w in resp.webhooks], resp.next_page_token or None)

    @rpc_method
    def update_webhook(self, webhook_id, name=None, description=None, url=None, events=None, secret=None,
                       status=None):
        req = UpdateWebhook(webhook_id=webhook_id, name=name, description=description, url=url,
                            events=[e.to_proto() for e in events] if events is not None else None, secret=secret,
                            status=status.to_proto() if status is not None else None)
        if events is not None and not events:
            # MLflow's store refuses an empty list; the rpc cannot tell it from no list
            return super().update_webhook(webhook_id, name, description, url, events, secret, status)
        self._c_call("updateWebhook", req, "WebhookService")
        return self.get_webhook(webhook_id)

    @rpc_method
    def delete_webhook(self, webhook_id):
        self._c_call("deleteWebhook", DeleteWebhook(webhook_id=webhook_id), "WebhookService")


def _sqlalchemy_store_class():
    from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore

    return SqlAlchemyStore


def c_store_class(base):
    """base (MLflow's registry SqlAlchemyStore or a subclass) with mlflow-c in front of it."""

    class _Store(ModelRegistryStoreMixin, WebhookStoreMixin, base):
        def __init__(self, db_uri):
            # The C library creates the schema; MLflow's store then finds it in place.
            _share_webhook_key()
            self._c_open(db_uri)
            super().__init__(c_store_uri(db_uri))

    _Store.__name__ = _Store.__qualname__ = base.__name__
    _Store.__module__ = base.__module__
    return _Store


_CModelRegistryStore = None


def CModelRegistryStore(store_uri):
    """MLflow's model-registry store on store_uri, served by mlflow-c."""
    global _CModelRegistryStore
    if _CModelRegistryStore is None:
        _CModelRegistryStore = c_store_class(_sqlalchemy_store_class())
    return _CModelRegistryStore(store_uri)


def ported_methods():
    return sorted(n for cls in (ModelRegistryStoreMixin, WebhookStoreMixin) for n, f in vars(cls).items()
                  if getattr(f, "_mlflow_c_rpc", False))


def unported_methods():
    """The store-interface methods MLflow's SqlAlchemyStore implements itself that
    mlflow-c does not serve yet: they run MLflow's SQL code."""
    ported = set(ported_methods())
    sql_store = _sqlalchemy_store_class()
    return sorted(n for n, f in vars(sql_store).items() if not n.startswith("_") and callable(f)
                  and hasattr(AbstractStore, n) and n not in ported)
