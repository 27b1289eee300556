"""The calling convention of libmlflow-c (src/ffi/ffi.h), from Python.

Every exported rpc function has the C signature

    int mlf_ffi_<module>_<rpc>(int64_t instance, const void *req, size_t req_len,
                               void **ret_out, size_t *ret_len)

It returns 0 with the serialized response in ret_out, or an MLflow ErrorCode
value with the UTF-8 error message there. Either way the buffer belongs to the
caller, who frees it with mlf_ffi_free; this module copies it into Python
bytes and frees it at once. The library is thread-safe; ctypes releases the
GIL during the call, so Python threads run store calls in parallel.
"""

import ctypes
import os
import re
import threading

_MODULES = {
    "MlflowService": "tracking",
    "ModelRegistryService": "registry",
    "MlflowArtifactsService": "artifacts",
    "WebhookService": "webhooks",
}

_lib = None
_lib_lock = threading.Lock()


class MlflowCError(Exception):
    """An error the C store returned: MLflow's error code name and message."""

    def __init__(self, error_code, message):
        super().__init__(message)
        self.error_code = error_code
        self.message = message


def library_path():
    """Where libmlflow-c.so is: $MLFLOW_C_LIB, next to this package, or the source tree's build/."""
    env = os.environ.get("MLFLOW_C_LIB")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    for cand in (os.path.join(here, "libmlflow-c.so"),
                 os.path.join(here, "..", "..", "build", "libmlflow-c.so")):
        if os.path.exists(cand):
            return os.path.abspath(cand)
    raise OSError("libmlflow-c.so not found: build it (ninja -C build) or set MLFLOW_C_LIB")


def load_library(path=None):
    """Loads the shared library once and declares the fixed entry points."""
    global _lib
    with _lib_lock:
        if _lib is None:
            lib = ctypes.CDLL(path or library_path())
            lib.mlf_ffi_create.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int64),
                                           ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_size_t)]
            lib.mlf_ffi_create.restype = ctypes.c_int
            lib.mlf_ffi_destroy.argtypes = [ctypes.c_int64]
            lib.mlf_ffi_destroy.restype = None
            lib.mlf_ffi_free.argtypes = [ctypes.c_void_p]
            lib.mlf_ffi_free.restype = None
            lib.mlf_ffi_error_name.argtypes = [ctypes.c_int]
            lib.mlf_ffi_error_name.restype = ctypes.c_char_p
            lib.mlf_ffi_pin_clock_ms.argtypes = [ctypes.c_int64]
            lib.mlf_ffi_pin_clock_ms.restype = None
            lib.mlf_ffi_version.argtypes = []
            lib.mlf_ffi_version.restype = ctypes.c_char_p
            _lib = lib
        return _lib


def _snake(name):
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", s)
    return s.lower()


def _take(lib, out, out_len):
    """Copies the returned buffer into bytes and frees it."""
    try:
        return ctypes.string_at(out, out_len.value) if out.value else b""
    finally:
        lib.mlf_ffi_free(out)


def pin_clock_ms(ms, lib_path=None):
    """Pins the clock the C store stamps rows with at ms (process-wide); None unpins it.
    For test suites that fake time (MLflow's store suites mock time.time)."""
    load_library(lib_path).mlf_ffi_pin_clock_ms(-1 if ms is None else int(ms))


class Service:
    """One C service instance on a store URI (``sqlite:///path.db``).

    The rpcs behave as MLflow's store methods rather than its HTTP handlers
    (checks MLflow makes only in its handlers are the caller's, and an unset
    field is None); the Python store classes build on that."""

    def __init__(self, store_uri, default_artifact_root=None, lib_path=None):
        self._lib = load_library(lib_path)
        self._funcs = {}
        inst = ctypes.c_int64(0)
        out = ctypes.c_void_p()
        out_len = ctypes.c_size_t()
        rc = self._lib.mlf_ffi_create(store_uri.encode(), default_artifact_root.encode()
                                      if default_artifact_root else None, ctypes.byref(inst),
                                      ctypes.byref(out), ctypes.byref(out_len))
        data = _take(self._lib, out, out_len)
        if rc != 0:
            raise self._error(rc, data)
        self._instance = inst.value

    def close(self):
        if getattr(self, "_instance", None) is not None:
            self._lib.mlf_ffi_destroy(self._instance)
            self._instance = None

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def _error(self, rc, data):
        return MlflowCError(self._lib.mlf_ffi_error_name(rc).decode(), data.decode("utf-8", "replace"))

    def _func(self, service, rpc):
        key = (service, rpc)
        f = self._funcs.get(key)
        if f is None:
            name = f"mlf_ffi_{_MODULES[service]}_{_snake(rpc)}"
            try:
                f = getattr(self._lib, name)
            except AttributeError:
                raise MlflowCError("NOT_IMPLEMENTED", f"{service}.{rpc} is not implemented by mlflow-c") from None
            f.argtypes = [ctypes.c_int64, ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_void_p),
                          ctypes.POINTER(ctypes.c_size_t)]
            f.restype = ctypes.c_int
            self._funcs[key] = f
        return f

    def call(self, service, rpc, request, response_class):
        """Calls rpc with a protobuf request message; returns a response_class
        message or raises MlflowCError."""
        f = self._func(service, rpc)
        req = request.SerializeToString()
        out = ctypes.c_void_p()
        out_len = ctypes.c_size_t()
        rc = f(self._instance, req, len(req), ctypes.byref(out), ctypes.byref(out_len))
        data = _take(self._lib, out, out_len)
        if rc != 0:
            raise self._error(rc, data)
        return response_class.FromString(data)
