/*
 * Backend-independent validation, as mlflow/utils/validation.py and the
 * CreateExperiment handler do it, with MLflow's exact messages. Every
 * function returns 0 or a negative code with INVALID_PARAMETER_VALUE (unless
 * noted) in err. Lengths are counted in code points, as Python's len().
 */
#ifndef MLF_SERVICE_VALIDATE_H
#define MLF_SERVICE_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/pool.h"

#define MLF_MAX_EXPERIMENT_NAME_LENGTH 500
#define MLF_MAX_EXPERIMENT_TAG_KEY_LENGTH 250
#define MLF_MAX_EXPERIMENT_TAG_VAL_LENGTH 20000
#define MLF_MAX_ENTITY_KEY_LENGTH 250
#define MLF_MAX_EXPERIMENTS_LISTED_PER_PAGE 50000
/** Default of the MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH environment variable. */
#define MLF_ARTIFACT_LOCATION_MAX_LENGTH_DEFAULT 2048

/** invalid_value(path, value, message): "Invalid value <json> for parameter '<path>' supplied[: message]." */
char *mlf_validate_invalid_value(mlf_pool *pool, const char *path, const char *value, const char *message);

/** validate_param_and_metric_name: the name matches ^[/\w.\- :]*$ (POSIX rule, colon allowed). */
bool mlf_validate_name_chars(const char *name);

/** path_not_unique: normpath(name) differs from name, is ".", or starts with ".." or "/". */
bool mlf_validate_path_not_unique(mlf_pool *pool, const char *name);

/** _validate_tag_name(name, path): NULL is "Missing value ...", then character and path rules. */
int mlf_validate_tag_name(mlf_pool *pool, const char *name, const char *path, mlf_error *err);

/** _validate_length_limit without truncation: "'<entity>' exceeds the maximum length of N characters". NULL passes. */
int mlf_validate_length_limit(mlf_pool *pool, const char *entity_name, size_t limit, const char *value,
                              mlf_error *err);

/** _validate_experiment_name: not empty nor only whitespace, at most 500 characters. */
int mlf_validate_experiment_name(mlf_pool *pool, const char *name, mlf_error *err);

/** _validate_experiment_tag: tag name rules, key <= 250, value <= 20000 characters. */
int mlf_validate_experiment_tag(mlf_pool *pool, const char *key, const char *value, mlf_error *err);

/** _validate_experiment_id: NULL passes, else ^[a-zA-Z0-9][\w\-]{0,63}$ ("Invalid experiment ID: '<id>'"). */
int mlf_validate_experiment_id(mlf_pool *pool, const char *experiment_id, mlf_error *err);

/**
 * The CreateExperiment handler's checks of artifact_location (NULL counts as
 * ""): no fragment and no ;params, and a query string without `..` after
 * decoding.
 */
int mlf_validate_artifact_location_url(mlf_pool *pool, const char *artifact_location, mlf_error *err);

/**
 * _validate_experiment_artifact_location_length on an already resolved
 * location; the limit is MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH (default 2048).
 */
int mlf_validate_artifact_location_length(mlf_pool *pool, const char *artifact_location, mlf_error *err);

/** SqlAlchemyStore._validate_max_results_param for searches capped at max (50000 for experiments and runs). */
int mlf_validate_max_results(mlf_pool *pool, bool has_value, long long max_results, long long max, mlf_error *err);

/* run inputs (log_inputs: _validate_run_id, _validate_dataset_inputs) */
#define MLF_MAX_DATASET_NAME_SIZE 500
#define MLF_MAX_DATASET_DIGEST_SIZE 36
#define MLF_MAX_DATASET_SOURCE_SIZE 65535
#define MLF_MAX_DATASET_SCHEMA_SIZE 1048575
#define MLF_MAX_DATASET_PROFILE_SIZE 16777215
#define MLF_MAX_INPUT_TAG_KEY_SIZE 255
#define MLF_MAX_INPUT_TAG_VALUE_SIZE 500

/** _validate_run_id: ^[a-zA-Z0-9][\w\-]{0,255}$, else invalid_value("run_id", run_id). NULL counts as "". */
int mlf_validate_run_id(mlf_pool *pool, const char *run_id, mlf_error *err);

/**
 * _validate_dataset: name, digest, source and (when not NULL) schema and
 * profile within their sizes, in that order ("'name' exceeds the maximum
 * length of 500 characters"). name, digest and source must not be NULL.
 */
int mlf_validate_dataset(mlf_pool *pool, const char *name, const char *digest, const char *source, const char *schema,
                         const char *profile, mlf_error *err);

/** _validate_input_tag: key at most 255 and value at most 500 characters (neither NULL). */
int mlf_validate_input_tag(mlf_pool *pool, const char *key, const char *value, mlf_error *err);

/* model registry (mlflow/utils/validation.py, MLflow 3.x limits) */
#define MLF_MAX_MODEL_REGISTRY_TAG_KEY_LENGTH 250
#define MLF_MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH 100000
#define MLF_MAX_REGISTERED_MODEL_ALIAS_LENGTH 255

/**
 * _validate_model_name: NULL or blank is "Missing value for required parameter 'name'."; a '/' or
 * ':' is refused, and so is a name that normalises as a path to another one.
 */
int mlf_validate_model_name(mlf_pool *pool, const char *name, mlf_error *err);

/** _validate_model_renaming: NULL or blank is "Missing value for required parameter 'new_name'.", then the name rules. */
int mlf_validate_model_renaming(mlf_pool *pool, const char *new_name, mlf_error *err);

/**
 * _validate_model_version: Python's int(version) must succeed ("Parameter
 * 'version' must be an integer, got '<v>'."). NULL is int(None)'s TypeError
 * (INTERNAL_ERROR). *ret (when ret is not NULL) gets the integer's decimal
 * text, which the store queries and reports ("٣" and " 3 " are version 3).
 */
int mlf_validate_model_version(mlf_pool *pool, const char *version, const char **ret, mlf_error *err);

/** _validate_registered_model_tag: tag name rules, key <= 250, value <= 100,000 characters. */
int mlf_validate_registered_model_tag(mlf_pool *pool, const char *key, const char *value, mlf_error *err);

/**
 * _validate_model_version_tag: tag name rules, value not NULL, key <= 250, the
 * prompt text tag's own message, value <= 100,000 characters.
 */
int mlf_validate_model_version_tag(mlf_pool *pool, const char *key, const char *value, mlf_error *err);

/** _validate_model_alias_name: non-empty, ^[\w\-]*$, at most 255 characters. */
int mlf_validate_model_alias_name(mlf_pool *pool, const char *alias, mlf_error *err);

/** _validate_model_alias_name_reserved: not "latest" (any case), not ^[vV]\d+$. */
int mlf_validate_model_alias_name_reserved(mlf_pool *pool, const char *alias, mlf_error *err);

/**
 * get_canonical_stage: None, Staging, Production or Archived, matched without
 * case; sets *ret to the canonical spelling (static storage).
 */
int mlf_validate_model_stage(mlf_pool *pool, const char *stage, const char **ret, mlf_error *err);

/* runs: metrics, params, tags, log-batch (mlflow/utils/validation.py) */
#define MLF_MAX_PARAM_VAL_LENGTH 6000
#define MLF_MAX_TAG_VAL_LENGTH 8000
#define MLF_MAX_PARAMS_TAGS_PER_BATCH 100
#define MLF_MAX_METRICS_PER_BATCH 1000
#define MLF_MAX_ENTITIES_PER_BATCH 1000

/** append_to_json_path(path, name): name alone when path is "" or NULL, else "path.name" (or "path[..]"). */
const char *mlf_validate_json_path(mlf_pool *pool, const char *path, const char *name);

/**
 * _validate_length_limit(entity_name, limit, value, truncate=True): a value
 * over limit code points is cut to limit (*ret; value itself otherwise) when
 * MLFLOW_TRUNCATE_LONG_VALUES is unset or true, else refused with "'<entity>'
 * exceeds the maximum length of N characters". A malformed variable is
 * MLflow's ValueError text (INTERNAL_ERROR).
 */
int mlf_validate_length_limit_truncate(mlf_pool *pool, const char *entity_name, size_t limit, const char *value,
                                       const char **ret, mlf_error *err);

/**
 * _validate_metric(key, value, timestamp, step, path): name rules on
 * "<path>.name" (NULL: "Metric name cannot be None. ..."), timestamp >= 0,
 * key <= 250 characters ("'Metric name' exceeds ...").
 */
int mlf_validate_metric(mlf_pool *pool, const char *key, double value, int64_t timestamp, const char *path,
                        mlf_error *err);

/** _validate_param(key, value, path): name rules on "<path>.key", key <= 250, value cut to 6000 (*ret_value). */
int mlf_validate_param(mlf_pool *pool, const char *key, const char *value, const char *path, const char **ret_value,
                       mlf_error *err);

/** _validate_tag(key, value, path): tag name rules, key <= 250, value cut to 8000 (*ret_value), both by path. */
int mlf_validate_tag(mlf_pool *pool, const char *key, const char *value, const char *path, const char **ret_value,
                     mlf_error *err);

/** _validate_batch_log_limits: at most 1000 metrics, 100 params, 100 tags, 1000 in all. */
int mlf_validate_batch_log_limits(mlf_pool *pool, size_t n_metrics, size_t n_params, size_t n_tags, mlf_error *err);

/** _validate_param_keys_unique: "Duplicate parameter keys have been submitted: [...]. ..." */
int mlf_validate_param_keys_unique(mlf_pool *pool, const char *const *keys, size_t n, mlf_error *err);

/**
 * _validate_artifact_uri_scheme(uri, field_name): a URI whose scheme makes the
 * server connect to the host it names (ftp, sftp, hdfs, viewfs, http(s),
 * mlflow-artifacts://host, r2, b2, abfss) is refused unless it targets the
 * host of one of the trusted URIs (the server's default artifact root and
 * artifacts destination; NULL entries are skipped) or its scheme is listed in
 * MLFLOW_ALLOWED_HOST_ADDRESSED_ARTIFACT_SCHEMES. INVALID_PARAMETER_VALUE
 * "'<field_name>' cannot use the '<scheme>' scheme: ...".
 */
int mlf_validate_uri_host(mlf_pool *pool, const char *uri, const char *field_name, const char *const *trusted,
                          size_t n_trusted, mlf_error *err);

#endif
