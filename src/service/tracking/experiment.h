/*
 * The experiment rpcs of MlflowService. Each does what MLflow's handler does
 * beyond the request schema (already checked by the caller), then the
 * store-level validation, then the store call, and fills resp (initialized
 * by the caller; sub-messages from ctx->pool). Returns 0 or a negative code
 * with MLflow's error in err. The generated service header declares the same
 * functions.
 */
#ifndef MLF_SERVICE_TRACKING_EXPERIMENT_H
#define MLF_SERVICE_TRACKING_EXPERIMENT_H

#include "service.pb-c.h"
#include "service/service.h"

int mlf_tracking_create_experiment(mlf_ctx *ctx, const Mlflow__CreateExperiment *req,
                                   Mlflow__CreateExperiment__Response *resp, mlf_error *err);
int mlf_tracking_get_experiment(mlf_ctx *ctx, const Mlflow__GetExperiment *req, Mlflow__GetExperiment__Response *resp,
                                mlf_error *err);
int mlf_tracking_get_experiment_by_name(mlf_ctx *ctx, const Mlflow__GetExperimentByName *req,
                                        Mlflow__GetExperimentByName__Response *resp, mlf_error *err);
int mlf_tracking_search_experiments(mlf_ctx *ctx, const Mlflow__SearchExperiments *req,
                                    Mlflow__SearchExperiments__Response *resp, mlf_error *err);
int mlf_tracking_update_experiment(mlf_ctx *ctx, const Mlflow__UpdateExperiment *req,
                                   Mlflow__UpdateExperiment__Response *resp, mlf_error *err);
int mlf_tracking_delete_experiment(mlf_ctx *ctx, const Mlflow__DeleteExperiment *req,
                                   Mlflow__DeleteExperiment__Response *resp, mlf_error *err);
int mlf_tracking_restore_experiment(mlf_ctx *ctx, const Mlflow__RestoreExperiment *req,
                                    Mlflow__RestoreExperiment__Response *resp, mlf_error *err);
int mlf_tracking_set_experiment_tag(mlf_ctx *ctx, const Mlflow__SetExperimentTag *req,
                                    Mlflow__SetExperimentTag__Response *resp, mlf_error *err);
int mlf_tracking_delete_experiment_tag(mlf_ctx *ctx, const Mlflow__DeleteExperimentTag *req,
                                       Mlflow__DeleteExperimentTag__Response *resp, mlf_error *err);

#endif
