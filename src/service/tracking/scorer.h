/*
 * The scorer route that is no rpc: POST [P]/ajax-api/3.0/mlflow/scorer/invoke
 * (handlers.py _invoke_scorer_handler), which in MLflow submits scorer jobs.
 */
#ifndef MLF_SERVICE_TRACKING_SCORER_H
#define MLF_SERVICE_TRACKING_SCORER_H

#include "json/json.h"
#include "service/service.h"

/**
 * _invoke_scorer_handler on the request body: its parameter checks, the payload checks of
 * registerScorer, the registered scorer named by scorer_name and scorer_version; then, since
 * mlflow-c runs no jobs, MLflow's answer with job execution disabled (INTERNAL_ERROR "Mlflow server
 * job execution feature is not enabled, ..."). Always returns a negative code with err set.
 */
int mlf_tracking_invoke_scorer(mlf_ctx *ctx, const mlf_json *body, mlf_error *err);

/** MLflow's message when a job is submitted with MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false. */
#define MLF_JOBS_DISABLED_MESSAGE                                                                                      \
    "Mlflow server job execution feature is not enabled, please set environment variable "                         \
    "'MLFLOW_SERVER_ENABLE_JOB_EXECUTION' to 'true' to enable it."

#endif
