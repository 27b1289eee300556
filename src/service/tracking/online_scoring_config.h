/*
 * Online scoring configurations of registered scorers: MLflow 3.18's internal
 * routes GET [P]/{api,ajax-api}/3.0/mlflow/scorers/online-configs and
 * PUT .../scorers/online-config (handlers.py _get_online_scoring_configs,
 * _upsert_online_scoring_config), which take a request dict, not an rpc message.
 */
#ifndef MLF_SERVICE_TRACKING_ONLINE_SCORING_CONFIG_H
#define MLF_SERVICE_TRACKING_ONLINE_SCORING_CONFIG_H

#include <stdbool.h>

#include "json/json.h"
#include "service/service.h"

/**
 * _get_online_scoring_configs: request is the request dict (the query's scorer_ids as a list of
 * strings, or the JSON body), checked as the handler's schema does (scorer_ids required, a list of
 * strings); *ret_json the answer, json.dumps({"configs": [...]}). Returns 0 or a negative code
 * with MLflow's error.
 */
int mlf_tracking_get_online_scoring_configs(mlf_ctx *ctx, const mlf_json *request, const char **ret_json,
                                            mlf_error *err);

/**
 * _upsert_online_scoring_config from the JSON body: the schema, filter_string's type, float() of
 * sample_rate, the store's range and filter checks, then the store; *ret_json is
 * json.dumps({"config": {...}}). *ret_uncaught is set when MLflow fails there with an exception it
 * does not catch (float() of a list or of a string that is no number: Flask's HTML 500).
 */
int mlf_tracking_upsert_online_scoring_config(mlf_ctx *ctx, const mlf_json *request, const char **ret_json,
                                              bool *ret_uncaught, mlf_error *err);

#endif
