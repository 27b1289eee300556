/*
 * Run tags in SQLite: SqlAlchemyStore.set_tag, _set_tags and delete_tag.
 * The mlflow.runName tag is the run's name: setting it renames the run
 * through update_run_info (which ignores an empty name).
 */
#include <string.h>

#include "store/sqlite/sqlite.h"

#define MLF__RUN_NAME_TAG "mlflow.runName"

static int mlf__set_one(mlf_sqlite_conn *c, mlf_pool *pool, const char *run_id, const Mlflow__RunTag *tag,
                        mlf_error *err)
{
    const char *value = tag->value != NULL ? tag->value : "";
    if (strcmp(tag->key, MLF__RUN_NAME_TAG) == 0) {
        if (value[0] == '\0')
            return 0;
        return mlf__sqlite_rename_run(c, pool, run_id, value, err);
    }
    return mlf__sqlite_upsert_tag(c, pool, run_id, tag->key, value, err);
}

int mlf__sqlite_set_tags(mlf_sqlite_conn *c, mlf_pool *pool, const char *run_id, Mlflow__RunTag *const *tags, size_t n,
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

int mlf_sqlite_set_tag(mlf_store *store, mlf_pool *pool, const char *run_id, const Mlflow__RunTag *tag, mlf_error *err)
{
    mlf_sqlite_store *s = (mlf_sqlite_store *)store;
    mlf_sqlite_conn *c;
    int rc = mlf_sqlite_write_begin(s, pool, &c, err);
    if (rc < 0)
        return rc;
    rc = mlf__sqlite_run_require_active(c, pool, run_id, NULL, err);
    if (rc == 0)
        rc = mlf__set_one(c, pool, run_id, tag, err);
    return mlf_sqlite_write_end(s, c, rc, pool, err);
}

static int mlf__delete_in_tx(mlf_sqlite_conn *c, mlf_pool *pool, const char *run_id, const char *key, mlf_error *err)
{
    int rc = mlf__sqlite_run_require_active(c, pool, run_id, NULL, err);
    if (rc < 0)
        return rc;
    sqlite3_stmt *st;
    rc = mlf_sqlite_prepare(c, pool, "DELETE FROM tags WHERE run_uuid = ? AND \"key\" = ?", &st, err);
    if (rc < 0)
        return rc;
    mlf_sqlite_bind_text(st, 1, run_id);
    mlf_sqlite_bind_text(st, 2, key);
    rc = mlf__sqlite_step_done(c, pool, st, err);
    if (rc < 0)
        return rc;
    if (sqlite3_changes(c->db) == 0)
        return mlf_error_set(err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "No tag with name: %s in run with id %s", key,
                             run_id);
    return 0;
}

int mlf_sqlite_delete_tag(mlf_store *store, mlf_pool *pool, const char *run_id, const char *key, mlf_error *err)
{
    mlf_sqlite_store *s = (mlf_sqlite_store *)store;
    mlf_sqlite_conn *c;
    int rc = mlf_sqlite_write_begin(s, pool, &c, err);
    if (rc < 0)
        return rc;
    rc = mlf__delete_in_tx(c, pool, run_id, key, err);
    return mlf_sqlite_write_end(s, c, rc, pool, err);
}
