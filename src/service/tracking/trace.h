/*
 * What the trace services share: the deprecated v2 shape of a trace's info,
 * which the v2 rpcs of trace.c and searchTraces of trace_search.c answer with.
 */
#ifndef MLF_SERVICE_TRACKING_TRACE_H
#define MLF_SERVICE_TRACKING_TRACE_H

#include "service.pb-c.h"
#include "core/pool.h"

/**
 * TraceInfoV2.from_v3(v3).to_proto(): request id, experiment, times in milliseconds, the TraceStatus of
 * the state, the metadata and tags as lists in v3's order, keys and values cut as to_proto cuts them.
 * Pool memory; v3's strings are shared.
 */
Mlflow__TraceInfo *mlf_tracking_trace_info_v2(mlf_pool *pool, const Mlflow__TraceInfoV3 *v3);

#endif
