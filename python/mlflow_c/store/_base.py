"""What both store classes share: one C service instance per store, calls
that raise MlflowException, and the fallback for rpcs the library has not
ported yet."""

import functools
import os

from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import INTERNAL_ERROR, ErrorCode

from mlflow_c.ffi import MlflowCError, Service

# The URI scheme prefix that selects the C store explicitly: mlflowc+sqlite:///mlflow.db
SCHEME_PREFIX = "mlflowc+"


def c_store_uri(uri):
    """The URI the C library opens: the mlflowc+ prefix removed."""
    return uri[len(SCHEME_PREFIX):] if uri.startswith(SCHEME_PREFIX) else uri


def _error_code_value(name):
    try:
        return ErrorCode.Value(name)
    except ValueError:
        return INTERNAL_ERROR


def to_mlflow_exception(e):
    return MlflowException(e.message, error_code=_error_code_value(e.error_code))


class NotPorted(Exception):
    """The library exports the rpc but does not implement it yet."""


def open_service(store_uri, default_artifact_root=None):
    """A C service instance on store_uri; raises MlflowException when it cannot be opened."""
    try:
        return Service(c_store_uri(store_uri), default_artifact_root)
    except MlflowCError as e:
        raise to_mlflow_exception(e) from None


class CServiceMixin:
    """Calls into the C library; MlflowCError becomes MlflowException with the same code and message."""

    _c_service_name = None  # set by the subclass: "MlflowService" or "ModelRegistryService"
    _c_not_ported = frozenset()  # rpcs found not implemented (per class)

    def _c_open(self, store_uri, default_artifact_root=None):
        self._c = open_service(store_uri, default_artifact_root)

    def _c_call(self, rpc, request, service=None):
        """Runs rpc with request (an MLflow protobuf message) of service (default the class's); returns its
        Response message. Raises NotPorted when the library does not implement rpc."""
        if rpc in type(self)._c_not_ported:
            raise NotPorted(rpc)
        try:
            return self._c.call(service or self._c_service_name, rpc, request, type(request).Response)
        except MlflowCError as e:
            if e.error_code == "NOT_IMPLEMENTED" and (e.message == "rpc not implemented" or
                                                      e.message.endswith("is not implemented by mlflow-c")):
                cls = type(self)
                cls._c_not_ported = frozenset(cls._c_not_ported | {rpc})
                raise NotPorted(rpc) from None
            raise to_mlflow_exception(e) from None


def env_enabled():
    """MLFLOW_C_STORE=1 (true/yes/on): plain sqlite:// URIs use the C store too."""
    return os.environ.get("MLFLOW_C_STORE", "").strip().lower() in ("1", "true", "yes", "on")


def rpc_method(func):
    """Marks a store method as served by the C library; when the library does
    not implement the rpc, the same method of the next class in the MRO (MLflow's
    own SQL store) runs instead."""

    @functools.wraps(func)
    def wrapper(self, *args, **kwargs):
        try:
            return func(self, *args, **kwargs)
        except NotPorted:
            for klass in type(self).__mro__:
                if func.__name__ in vars(klass) and getattr(vars(klass)[func.__name__], "_mlflow_c_rpc", False):
                    continue
                impl = vars(klass).get(func.__name__)
                if impl is not None:
                    return impl(self, *args, **kwargs)
            raise

    wrapper._mlflow_c_rpc = True
    return wrapper
