"""mlflow-c's store, in-process.

The shared library (libmlflow-c.so) exports one function per implemented rpc,
taking and returning MLflow's serialized protobuf messages. This package loads
it with ctypes and calls it; see ``Service``.
"""

from mlflow_c.ffi import MlflowCError, Service, library_path, load_library, pin_clock_ms

__all__ = ["MlflowCError", "Service", "library_path", "load_library", "pin_clock_ms"]
