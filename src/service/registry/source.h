/*
 * Internal to src/service/registry: what createModelVersion does with its
 * source before the version is written (mlflow/server/handlers.py
 * _create_model_version, _validate_source_run / _validate_source_model, and
 * the models:/ resolution of SqlAlchemyStore.create_model_version).
 */
#ifndef MLF_SERVICE_REGISTRY_SOURCE_H
#define MLF_SERVICE_REGISTRY_SOURCE_H

#include "service/service.h"

/**
 * The optional MLFLOW_CREATE_MODEL_VERSION_SOURCE_VALIDATION_REGEX check
 * (re.search; POSIX extended syntax with \d \D \s \S translated), made when
 * source is not empty. INVALID_PARAMETER_VALUE "Invalid model version
 * source: '<source>'." when it does not match; INTERNAL_ERROR for a pattern
 * that does not compile.
 */
int mlf_registry_check_source_regex(mlf_pool *pool, const char *source, mlf_error *err);

/**
 * _validate_source_run (model_id NULL or "") or _validate_source_model: a
 * local source must lie inside the artifact directory of the run (or logged
 * model) after resolving symlinks; any other source must not hide `..`, NUL
 * or a path that resolves elsewhere behind URL quoting; a runs:/ source must
 * name run_id's run, a models:/<model_id> source model_id, and a proxied
 * artifact URI (mlflow-artifacts:, http(s) through the artifact route) must
 * lie under the run's or logged model's artifact root.
 */
int mlf_registry_validate_source(mlf_ctx *ctx, const char *source, const char *run_id, const char *model_id,
                                 mlf_error *err);

/** _validate_prompt_source: a prompt version's source is one of MLflow's placeholders. */
int mlf_registry_check_prompt_source(mlf_pool *pool, const char *source, mlf_error *err);

/**
 * _resolve_registered_model_source_lineage: a models:/<name>/<version|stage|
 * latest> or models:/<name>@<alias> source becomes models:/<name>/<version>
 * of the version it names, whose run_id and model_id fill those the request
 * did not set (has_*: the field was present) and must equal those it did.
 * Other sources are left as they are.
 */
int mlf_registry_resolve_lineage(mlf_ctx *ctx, const char **source, const char **run_id, const char **model_id,
                                 bool has_run_id, bool has_model_id, mlf_error *err);

/**
 * storage_location for source, and the run id a models:/m-<id> source
 * supplies when run_id is empty: a models:/ URI names a logged model (its
 * artifact location) or a registered version (its download URI); anything
 * else is stored as given (runs:/ included). *ret_run_id is run_id unless
 * replaced.
 */
int mlf_registry_resolve_source(mlf_ctx *ctx, const char *source, const char *run_id, const char **ret_location,
                                const char **ret_run_id, mlf_error *err);

#endif
