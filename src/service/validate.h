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

#include "core/error.h"
#include "core/pool.h"

#define MLF_MAX_EXPERIMENT_NAME_LENGTH 500
#define MLF_MAX_EXPERIMENT_TAG_KEY_LENGTH 250
#define MLF_MAX_EXPERIMENT_TAG_VAL_LENGTH 5000
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

/** _validate_experiment_name: non-empty, at most 500 characters. */
int mlf_validate_experiment_name(mlf_pool *pool, const char *name, mlf_error *err);

/** _validate_experiment_tag: tag name rules, key <= 250, value <= 5000 characters. */
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

#endif
