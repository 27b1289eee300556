/*
 * Run tags on both backends: SqlAlchemyStore.set_tag, _set_tags and delete_tag.
 * The mlflow.runName tag is the run's name: setting it renames the run
 * through update_run_info (which ignores an empty name).
 */
#include <string.h>

#include "store/sql/sql.h"

#define MLF__RUN_NAME_TAG "mlflow.runName"

static int mlf__set_one(mlf_sql_conn *c, mlf_pool *pool, const char *run_id, const Mlflow__RunTag *tag, mlf_error *err)
{
    const char *value = tag->value != NULL ? tag->value : "";
    if (strcmp(tag->key, MLF__RUN_NAME_TAG) == 0) {
        if (value[0] == '\0')
            return 0;
        return mlf__sql_rename_run(c, pool, run_id, value, err);
    }
    return mlf__sql_upsert_tag(c, pool, run_id, tag->key, value, err);
}

int mlf__sql_set_tags(mlf_sql_conn *c, mlf_pool *pool, const char *run_id, Mlflow__RunTag *const *tags, size_t n,
                      mlf_error *err)
{
    /* MLflow renames at once (set_tag's own session) and inserts the other tags together afterwards */
    for (size_t i = 0; i < n; i++) {
        if (strcmp(tags[i]->key, MLF__RUN_NAME_TAG) != 0)
            continue;
        int rc = mlf__set_one(c, pool, run_id, tags[i], err);
        if (rc < 0)
            return rc;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(tags[i]->key, MLF__RUN_NAME_TAG) == 0)
            continue;
        int rc = mlf__set_one(c, pool, run_id, tags[i], err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* set_tag / delete_tag's arguments */
typedef struct mlf__tag_arg {
    const char *run_id;
    const Mlflow__RunTag *tag; /* set_tag */
    const char *key;           /* delete_tag */
} mlf__tag_arg;

static int mlf__set_in_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__tag_arg *a = arg;
    int rc = mlf__sql_run_require_active(c, pool, a->run_id, NULL, err);
    if (rc < 0)
        return rc;
    return mlf__set_one(c, pool, a->run_id, a->tag, err);
}

int mlf_store_set_tag(mlf_store *store, mlf_pool *pool, const char *run_id, const Mlflow__RunTag *tag, mlf_error *err)
{
    mlf__tag_arg a = {.run_id = run_id, .tag = tag};
    return mlf_sql_in_write((mlf_sql_store *)store, pool, mlf__set_in_tx, &a, err);
}

static int mlf__delete_in_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__tag_arg *a = arg;
    const char *run_id = a->run_id, *key = a->key;
    int rc = mlf__sql_run_require_active(c, pool, run_id, NULL, err);
    if (rc < 0)
        return rc;
    mlf_sql_stmt *st;
    rc = mlf_sql_prepare(c, pool, "DELETE FROM tags WHERE run_uuid = ? AND \"key\" = ?", &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, run_id);
    mlf_sql_bind_text(st, 2, key);
    rc = mlf__sql_step_done(c, pool, st, err);
    if (rc < 0)
        return rc;
    if (mlf_sql_changes(c) == 0)
        return mlf_error_set(err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "No tag with name: %s in run with id %s", key,
                             run_id);
    return 0;
}

int mlf_store_delete_tag(mlf_store *store, mlf_pool *pool, const char *run_id, const char *key, mlf_error *err)
{
    mlf__tag_arg a = {.run_id = run_id, .key = key};
    return mlf_sql_in_write((mlf_sql_store *)store, pool, mlf__delete_in_tx, &a, err);
}
