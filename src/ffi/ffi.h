/*
 * The foreign-function interface: what the shared library exports for the
 * Python store (python/mlflow_c). Requests and responses are serialized
 * protobuf messages of MLflow's own .proto files. The rpcs behave as
 * MLflow's store methods (SqlAlchemyStore), not its HTTP handlers: an rpc
 * flagged `store-half` in endpoints.def runs its store half, so checks MLflow
 * makes only in its handlers (the model-version source checks, ...) are the
 * caller's.
 *
 * Calling convention (every function): the return value is 0 on success, or
 * an MLflow ErrorCode value (INVALID_PARAMETER_VALUE = 1000, ...) on
 * failure. *ret_out / *ret_len then hold the serialized response, or the
 * UTF-8 error message; the caller frees *ret_out with mlf_ffi_free. All
 * functions are thread-safe.
 */
#ifndef MLF_FFI_FFI_H
#define MLF_FFI_FFI_H

#include <stddef.h>
#include <stdint.h>

#define MLF_EXPORT __attribute__((visibility("default")))

/**
 * Opens a service instance on store_uri (e.g. "sqlite:///mlflow.db").
 * default_artifact_root may be NULL (then `./mlruns`, absolute, as MLflow's
 * store uses by default). On success *ret_instance is the handle.
 */
MLF_EXPORT int mlf_ffi_create(const char *store_uri, const char *default_artifact_root, int64_t *ret_instance,
                              void **ret_out, size_t *ret_len);
/** Closes an instance; waits for calls in flight. Unknown handles are ignored. */
MLF_EXPORT void mlf_ffi_destroy(int64_t instance);
/** Frees a buffer returned by any mlf_ffi_* function; NULL is a no-op. */
MLF_EXPORT void mlf_ffi_free(void *p);
/** The ErrorCode name of code ("INVALID_PARAMETER_VALUE"), static storage. */
MLF_EXPORT const char *mlf_ffi_error_name(int code);
/**
 * Pins the clock the stores stamp rows with at ms, process-wide (a negative
 * ms unpins it): for test suites that fake time in the caller.
 */
MLF_EXPORT void mlf_ffi_pin_clock_ms(int64_t ms);

/** The library's version string (static storage). */
MLF_EXPORT const char *mlf_ffi_version(void);

/*
 * spans: store.log_spans(experiment_id, spans), which is no rpc. req is a serialized OTLP
 * ExportTraceServiceRequest (opentelemetry/proto/collector/trace/v1) holding the spans as Span.to_otel_proto()
 * makes them but with each attribute's stored JSON text as its string value; they are stored as
 * SqlAlchemyStore.log_spans stores MLflow's Span objects. The response is empty.
 */
MLF_EXPORT int mlf_ffi_log_spans(int64_t instance, const char *experiment_id, const void *req, size_t req_len,
                                 void **ret_out, size_t *ret_len);

/** Runs rpc rpc_id on instance; the generated exports call this. */
int mlf_ffi_call(int64_t instance, int rpc_id, const void *req, size_t req_len, void **ret_out, size_t *ret_len);

#endif
