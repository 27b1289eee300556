/*
 * Spans (MLflow 3.18): OTLP spans into the spans MLflow stores (Span.from_otel_proto, the OTLP route's
 * edits of root spans, translate_span_when_storing), and the ingest the OTLP route and the FFI share.
 */
#ifndef MLF_SERVICE_TRACKING_SPAN_H
#define MLF_SERVICE_TRACKING_SPAN_H

#include <stdbool.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "service/service.h"
#include "store/store.h"

/**
 * Whether the serialized message of type desc (data[0..len)) nests its messages at most max_depth deep
 * and is well-formed enough to walk (what Python's protobuf refuses beyond its recursion limit of 100);
 * protobuf-c's unpack recurses without a limit, so deeper input must be refused before it.
 */
bool mlf_span_wire_depth_ok(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len, int max_depth);

/**
 * Whether every string of req is UTF-8: Python's protobuf refuses the message otherwise (MLflow's 400),
 * protobuf-c does not check.
 */
bool mlf_span_request_utf8_ok(const Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest *req);

/**
 * The spans of an export request as MLflow converts them. otlp: received over OTLP (POST /v1/traces): the
 * attributes lose the extra JSON layer (strip_otlp_double_encoding) and root spans get the route's edits
 * (a known service.name, no system trace tags). raw: a string attribute value is the span's stored text
 * already (the FFI's spans, whose texts MLflow's store keeps as they are), not a value to dump. Returns 0, -1 when a span cannot be converted (MLflow's
 * 422 "Cannot convert OpenTelemetry span to MLflow span"), or -2 when every span converts but one has an id
 * wider than OTel's, on which MLflow's log_spans fails (422 "Failed to log OpenTelemetry spans").
 */
int mlf_span_from_otlp(mlf_pool *pool, const Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest *req,
                       bool otlp, bool raw, mlf_store_span **ret, size_t *ret_n);

/**
 * store.log_spans(experiment_id, spans): 0 or MLflow's error; *ret_unexpected is set when the failure is no
 * MlflowException in MLflow (the OTLP route answers those 422).
 */
int mlf_span_log(mlf_ctx *ctx, const char *experiment_id, const mlf_store_span *spans, size_t n,
                 bool *ret_unexpected, mlf_error *err);

/**
 * The traces.json bytes of a trace (TraceData.to_json_bytes: {"spans": [...]}) from its stored spans; *ret
 * is NULL when its spans are not in the store (the caller reads the artifact instead).
 */
int mlf_span_trace_data_json(mlf_ctx *ctx, const char *trace_id, char **ret, size_t *ret_len,
                             Mlflow__TraceInfoV3 **ret_info, mlf_error *err);

#endif
