"""MLflow store plugins backed by libmlflow-c.

Two ways to turn them on (see the README, "Using the C store from Python MLflow"):

- the URI schemes ``mlflowc+sqlite:///path.db`` and
  ``mlflowc+postgresql://user:password@host:port/db`` (registered through MLflow's
  ``mlflow.tracking_store`` / ``mlflow.model_registry_store`` entry points when
  the package is installed, or by ``register()``);
- ``MLFLOW_C_STORE=1``: plain ``sqlite:///`` and ``postgresql://`` URIs use the
  C store too (the package's ``sqlite`` and ``postgresql`` entry points pass
  through to MLflow's own store when the variable is not set).

Importing this module needs MLflow; ``mlflow_c.ffi`` alone does not.
"""

from mlflow_c.store._base import SCHEME_PREFIX, env_enabled


def tracking_store(store_uri, artifact_uri=None):
    """Builder for MLflow's tracking-store registry: the C store on store_uri."""
    from mlflow_c.store.tracking import CTrackingStore

    return CTrackingStore(store_uri, artifact_uri)


def model_registry_store(store_uri, tracking_uri=None):
    """Builder for MLflow's model-registry-store registry: the C store on store_uri."""
    from mlflow_c.store.model_registry import CModelRegistryStore

    return CModelRegistryStore(store_uri)


def sqlite_tracking_store(store_uri, artifact_uri=None):
    """The ``sqlite`` and ``postgresql`` schemes: the C store when MLFLOW_C_STORE is set, else MLflow's own."""
    if env_enabled():
        return tracking_store(store_uri, artifact_uri)
    from mlflow.tracking._tracking_service.utils import _get_sqlalchemy_store

    return _get_sqlalchemy_store(store_uri, artifact_uri)


def sqlite_model_registry_store(store_uri, tracking_uri=None):
    """The ``sqlite`` and ``postgresql`` schemes for the registry: the C store when MLFLOW_C_STORE is set."""
    if env_enabled():
        return model_registry_store(store_uri)
    from mlflow.tracking._model_registry.utils import _get_sqlalchemy_store

    return _get_sqlalchemy_store(store_uri)


def register():
    """Registers the schemes with MLflow's store registries in this process
    (what the entry points do for an installed package): ``mlflowc+sqlite``
    and ``mlflowc+postgresql`` always, ``sqlite`` and ``postgresql`` through
    the MLFLOW_C_STORE switch."""
    from mlflow.tracking._model_registry import utils as registry_utils
    from mlflow.tracking._tracking_service import utils as tracking_utils

    reg = registry_utils._get_store_registry()
    for scheme in ("sqlite", "postgresql"):
        tracking_utils._tracking_store_registry.register(SCHEME_PREFIX + scheme, tracking_store)
        tracking_utils._tracking_store_registry.register(scheme, sqlite_tracking_store)
        reg.register(SCHEME_PREFIX + scheme, model_registry_store)
        reg.register(scheme, sqlite_model_registry_store)


__all__ = ["SCHEME_PREFIX", "env_enabled", "model_registry_store", "register", "sqlite_model_registry_store",
           "sqlite_tracking_store", "tracking_store"]
