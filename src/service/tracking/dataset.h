/*
 * The SearchDatasets request of MlflowService. Its rpc path in the proto
 * has no leading slash and stays unreachable, as in MLflow; the UI reaches
 * it through the ajax route POST /ajax-api/2.0/mlflow/experiments/search-datasets
 * (src/server/route_search_datasets.c), which calls this.
 */
#ifndef MLF_SERVICE_TRACKING_DATASET_H
#define MLF_SERVICE_TRACKING_DATASET_H

#include "service.pb-c.h"
#include "service/service.h"

/**
 * search_datasets_impl: 1 to 20 experiment ids (MLflow's messages otherwise),
 * then the store's dataset summaries into resp (from ctx->pool). Returns 0 or
 * a negative code with MLflow's error in err.
 */
int mlf_tracking_search_datasets(mlf_ctx *ctx, const Mlflow__SearchDatasets *req,
                                 Mlflow__SearchDatasets__Response *resp, mlf_error *err);

#endif
