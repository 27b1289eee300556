/*
 * Instances live in a small table guarded by a read-write lock: calls hold
 * the read side for their whole duration (so many threads run at once), and
 * destroy takes the write side, so an instance is never freed under a call.
 */
#include "ffi/ffi.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/version.h"
#include "rpc/rpc.h"
#include "service/service.h"
#include "service/tracking/span.h" /* spans: mlf_ffi_log_spans */

#define MLF__MAX_INSTANCES 256

static pthread_rwlock_t mlf__lock = PTHREAD_RWLOCK_INITIALIZER;
static struct {
    int64_t id;
    mlf_service *svc;
} mlf__instances[MLF__MAX_INSTANCES];
static int64_t mlf__next_id = 1;

static int mlf__fail(int code, const char *message, void **ret_out, size_t *ret_len)
{
    size_t n = strlen(message);
    char *p = malloc(n + 1);
    if (p != NULL)
        memcpy(p, message, n + 1);
    *ret_out = p;
    *ret_len = p != NULL ? n : 0;
    return code;
}

MLF_EXPORT int mlf_ffi_create(const char *store_uri, const char *default_artifact_root, int64_t *ret_instance,
                              void **ret_out, size_t *ret_len)
{
    *ret_out = NULL;
    *ret_len = 0;
    mlf_pool *pool = mlf_pool_create();
    mlf_service_config cfg = {
        .backend_store_uri = store_uri,
        .default_artifact_root = default_artifact_root,
        .serve_artifacts = 0,
    };
    mlf_service *svc = NULL;
    mlf_error err = {0};
    int rc = mlf_service_create(&cfg, pool, &svc, &err);
    if (rc != 0) {
        rc = mlf__fail(err.code ? err.code : MLF_ERR_INTERNAL_ERROR, err.message ? err.message : "cannot open store",
                       ret_out, ret_len);
        mlf_pool_destroy(pool);
        return rc;
    }
    mlf_pool_destroy(pool);
    pthread_rwlock_wrlock(&mlf__lock);
    for (int i = 0; i < MLF__MAX_INSTANCES; i++) {
        if (mlf__instances[i].svc == NULL) {
            mlf__instances[i].svc = svc;
            mlf__instances[i].id = mlf__next_id++;
            *ret_instance = mlf__instances[i].id;
            pthread_rwlock_unlock(&mlf__lock);
            return 0;
        }
    }
    pthread_rwlock_unlock(&mlf__lock);
    mlf_service_destroy(svc);
    return mlf__fail(MLF_ERR_RESOURCE_EXHAUSTED, "too many mlflow-c instances", ret_out, ret_len);
}

MLF_EXPORT void mlf_ffi_destroy(int64_t instance)
{
    mlf_service *svc = NULL;
    pthread_rwlock_wrlock(&mlf__lock);
    for (int i = 0; i < MLF__MAX_INSTANCES; i++) {
        if (mlf__instances[i].svc != NULL && mlf__instances[i].id == instance) {
            svc = mlf__instances[i].svc;
            mlf__instances[i].svc = NULL;
            mlf__instances[i].id = 0;
            break;
        }
    }
    pthread_rwlock_unlock(&mlf__lock);
    mlf_service_destroy(svc);
}

MLF_EXPORT void mlf_ffi_free(void *p)
{
    free(p);
}

MLF_EXPORT const char *mlf_ffi_error_name(int code)
{
    return mlf_error_name(code);
}

MLF_EXPORT void mlf_ffi_pin_clock_ms(int64_t ms)
{
    mlf_clock_pin_ms(ms);
}

MLF_EXPORT const char *mlf_ffi_version(void)
{
    return MLF_VERSION;
}

int mlf_ffi_call(int64_t instance, int rpc_id, const void *req, size_t req_len, void **ret_out, size_t *ret_len)
{
    *ret_out = NULL;
    *ret_len = 0;
    if (rpc_id < 0 || (size_t)rpc_id >= mlf_n_rpcs || mlf_rpcs[rpc_id].call == NULL)
        return mlf__fail(MLF_ERR_NOT_IMPLEMENTED, "rpc not implemented", ret_out, ret_len);
    const mlf_rpc *rpc = &mlf_rpcs[rpc_id];

    pthread_rwlock_rdlock(&mlf__lock);
    mlf_service *svc = NULL;
    for (int i = 0; i < MLF__MAX_INSTANCES; i++)
        if (mlf__instances[i].svc != NULL && mlf__instances[i].id == instance)
            svc = mlf__instances[i].svc;
    if (svc == NULL) {
        pthread_rwlock_unlock(&mlf__lock);
        return mlf__fail(MLF_ERR_INVALID_STATE, "no such mlflow-c instance", ret_out, ret_len);
    }

    mlf_pool *pool = mlf_pool_create();
    mlf_ctx ctx = {.svc = svc, .pool = pool};
    mlf_error err = {0};
    int rc;
    ProtobufCMessage *msg =
        protobuf_c_message_unpack(rpc->request, mlf_pool_pb_allocator(pool), req_len, (const uint8_t *)req);
    if (msg == NULL) {
        rc = mlf__fail(MLF_ERR_INVALID_PARAMETER_VALUE,
                       mlf_pool_sprintf(pool, "could not parse the request as %s", rpc->request->name), ret_out, ret_len);
    } else {
        mlf_rpc_request r = {.msg = msg, .raw = NULL, .parse_failed = false};
        ProtobufCMessage *resp = NULL;
        /* the caller stands in for MLflow's store classes: the store half of the rpc */
        if (mlf_rpc_invoke_store(&ctx, rpc, &r, &resp, &err) != 0) {
            rc = mlf__fail(err.code ? err.code : MLF_ERR_INTERNAL_ERROR, err.message ? err.message : "internal error",
                           ret_out, ret_len);
        } else {
            size_t n = protobuf_c_message_get_packed_size(resp);
            uint8_t *out = malloc(n ? n : 1);
            if (out == NULL) {
                rc = mlf__fail(MLF_ERR_RESOURCE_EXHAUSTED, "out of memory", ret_out, ret_len);
            } else {
                protobuf_c_message_pack(resp, out);
                *ret_out = out;
                *ret_len = n;
                rc = 0;
            }
        }
    }
    mlf_pool_destroy(pool);
    pthread_rwlock_unlock(&mlf__lock);
    return rc;
}

/* spans: log_spans over an OTLP export request (store.log_spans has no rpc) */
MLF_EXPORT int mlf_ffi_log_spans(int64_t instance, const char *experiment_id, const void *req, size_t req_len,
                                 void **ret_out, size_t *ret_len)
{
    *ret_out = NULL;
    *ret_len = 0;
    pthread_rwlock_rdlock(&mlf__lock);
    mlf_service *svc = NULL;
    for (int i = 0; i < MLF__MAX_INSTANCES; i++)
        if (mlf__instances[i].svc != NULL && mlf__instances[i].id == instance)
            svc = mlf__instances[i].svc;
    if (svc == NULL) {
        pthread_rwlock_unlock(&mlf__lock);
        return mlf__fail(MLF_ERR_INVALID_STATE, "no such mlflow-c instance", ret_out, ret_len);
    }
    mlf_pool *pool = mlf_pool_create();
    int rc = 0;
    Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest *msg = NULL;
    if (mlf_span_wire_depth_ok(&opentelemetry__proto__collector__trace__v1__export_trace_service_request__descriptor,
                               (const uint8_t *)req, req_len, 100))
        msg = opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
            mlf_pool_pb_allocator(pool), req_len, (const uint8_t *)req);
    mlf_store_span *spans = NULL;
    size_t n = 0;
    if (msg == NULL || !mlf_span_request_utf8_ok(msg)) {
        rc = mlf__fail(MLF_ERR_INVALID_PARAMETER_VALUE, "could not parse the request as ExportTraceServiceRequest",
                       ret_out, ret_len);
    } else if (mlf_span_from_otlp(pool, msg, false, true, &spans, &n) != 0) {
        rc = mlf__fail(MLF_ERR_INVALID_PARAMETER_VALUE, "Cannot convert OpenTelemetry span to MLflow span", ret_out,
                       ret_len);
    } else {
        mlf_ctx ctx = {.svc = svc, .pool = pool};
        mlf_error err = {0};
        bool unexpected = false;
        if (mlf_span_log(&ctx, experiment_id != NULL ? experiment_id : "", spans, n, &unexpected, &err) != 0)
            rc = mlf__fail(err.code ? err.code : MLF_ERR_INTERNAL_ERROR, err.message ? err.message : "internal error",
                           ret_out, ret_len);
    }
    mlf_pool_destroy(pool);
    pthread_rwlock_unlock(&mlf__lock);
    return rc;
}
