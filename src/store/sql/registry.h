/*
 * Internal to the SQLite model registry (registered_model.c,
 * model_version.c, registry_search.c): reading registry rows into the
 * protobuf entities exactly as SqlRegisteredModel / SqlModelVersion
 * .to_mlflow_entity().to_proto() shape them, shared by the three files.
 * Every function runs inside a transaction the caller holds on c.
 */
#ifndef MLF_STORE_SQL_REGISTRY_H
#define MLF_STORE_SQL_REGISTRY_H

#include "store/sql/sql.h"

/** STAGE_DELETED_INTERNAL: deleted versions keep their row with this stage. */
#define MLF_SQL_STAGE_DELETED "Deleted_Internal"
/** IS_PROMPT_TAG_KEY: registered models (and their versions) tagged so are prompts. */
#define MLF_SQL_PROMPT_TAG "mlflow.prompt.is_prompt"

/** The model_versions columns mlf_sql_mv_from_row reads, for a table aliased mv. */
#define MLF_SQL_MV_COLUMNS                                                                                             \
    "mv.name, mv.version, mv.creation_time, mv.last_updated_time, mv.description, mv.user_id, mv.current_stage, "      \
    "mv.source, mv.run_id, mv.status, mv.status_message, mv.run_link"
/** The registered_models columns mlf_sql_rm_from_row reads, for a table aliased rm. */
#define MLF_SQL_RM_COLUMNS "rm.name, rm.creation_time, rm.last_updated_time, rm.description"

/**
 * Returns arr grown to hold one more element of size elem when *n == *cap
 * (pool memory, doubling; old contents copied).
 */
void *mlf_sql_registry_grow(mlf_pool *pool, void *arr, size_t n, size_t *cap, size_t elem);

/**
 * The winner among tags with the same key, as a dict built from them keeps them (first position, last value):
 * the index of the value to store for tags[i], or -1 when an earlier tag has its key. tags are messages whose
 * key (a char *) is at key_offset.
 */
long mlf_sql_registry_dict_winner(const void *const *tags, size_t key_offset, size_t n, size_t i);

/**
 * A ModelVersion from a row of MLF_SQL_MV_COLUMNS starting at column 0,
 * without tags or aliases. Fails only on a status MLflow cannot map.
 */
int mlf_sql_mv_from_row(mlf_pool *pool, mlf_sql_stmt *st, Mlflow__ModelVersion **ret, mlf_error *err);

/**
 * The distinct keys of a tag table (model_version_tags or
 * registered_model_tags, whose primary keys start with "key") as a JSON array
 * in *ret, found by seeking the index once per key: with them a lookup by
 * name (and version) becomes K index seeks instead of a scan of the table.
 * *ret is NULL when there are more than MLF_SQL_TAG_KEYS_MAX keys (the
 * caller scans then).
 */
int mlf_sql_registry_tag_keys(mlf_sql_conn *c, mlf_pool *pool, bool versions, const char **ret, mlf_error *err);
#define MLF_SQL_TAG_KEYS_MAX 64

/** A RegisteredModel from a row of MLF_SQL_RM_COLUMNS starting at column 0, nothing else loaded. */
Mlflow__RegisteredModel *mlf_sql_rm_from_row(mlf_pool *pool, mlf_sql_stmt *st);

/** Appends a version's tags (insertion order) to mv->tags. */
int mlf_sql_mv_load_tags(mlf_sql_conn *c, mlf_pool *pool, Mlflow__ModelVersion *mv, mlf_error *err);

/**
 * Appends their tags (insertion order) to many versions with one query: by
 * index seeks per tag key (mlf_sql_registry_tag_keys), else one scan of
 * model_version_tags.
 */
int mlf_sql_mv_load_tags_many(mlf_sql_conn *c, mlf_pool *pool, Mlflow__ModelVersion *const *mvs, size_t n,
                              mlf_error *err);

/** Sets mv->aliases to the model's aliases naming this version (alias order), as _populate_model_version_aliases. */
int mlf_sql_mv_load_aliases(mlf_sql_conn *c, mlf_pool *pool, Mlflow__ModelVersion *mv, mlf_error *err);

/**
 * _get_sql_model_version: the version (text as the request gave it) of the
 * model unless it is deleted, with its tags when with_tags; RESOURCE_DOES_NOT_EXIST
 * "Model Version (name=<n>, version=<v>) not found" otherwise. Later
 * statements on the row use mv->version (the stored value's text), which
 * SQLite's integer affinity maps back to the same row.
 */
int mlf_sql_mv_fetch(mlf_sql_conn *c, mlf_pool *pool, const char *name, const char *version, bool with_tags,
                     Mlflow__ModelVersion **ret, mlf_error *err);

/**
 * The model's latest version per stage (deleted versions left out), in the
 * order SqlRegisteredModel.to_mlflow_entity builds them: a stage comes where
 * its lowest version is. Each carries its tags when with_tags, never aliases.
 */
int mlf_sql_rm_latest_versions(mlf_sql_conn *c, mlf_pool *pool, const char *name, bool with_tags,
                               Mlflow__ModelVersion ***ret, size_t *ret_n, mlf_error *err);

/**
 * _get_registered_model: RESOURCE_DOES_NOT_EXIST "Registered Model with
 * name=<n> not found" when absent. With full, the entity also gets its latest
 * versions, tags and aliases (to_mlflow_entity).
 */
int mlf_sql_rm_fetch(mlf_sql_conn *c, mlf_pool *pool, const char *name, bool full, Mlflow__RegisteredModel **ret,
                     mlf_error *err);

/**
 * Loads latest versions (with their tags), tags and aliases into registered
 * models built by mlf_sql_rm_from_row, tags in one scan for all of them.
 */
int mlf_sql_rm_load_details(mlf_sql_conn *c, mlf_pool *pool, Mlflow__RegisteredModel *const *rms, size_t n,
                            mlf_error *err);

#endif
