/*
 * setTag and deleteTag of the entities whose tags are plain rows keyed by the
 * entity and the tag key (experiments, registered models, model versions):
 * one body, the entity's table, lookup and message given by its
 * mlf_sql_tag_kind. Run tags are not among them (mlflow.runName renames the
 * run, see tag.c).
 */
#include "store/sql/sql.h"

typedef struct {
    const mlf_sql_tag_kind *kind;
    const char *const *ids;
    const char *key;
    const char *value;
    bool deleting;
} mlf__tag_arg;

/*
 * session.merge (an upsert: the row keeps its position) or the DELETE. The
 * statements are the same text on every call, so the connection's cache
 * finds them.
 */
static const char *mlf__sql(mlf_pool *pool, const mlf_sql_tag_kind *k, bool deleting)
{
    const char *c0 = k->columns[0], *c1 = k->columns[1];
    /* a key that starts with workspace serves the DELETE only when the workspace is named */
    const char *ws = k->in_workspace ? "workspace = " MLF_SQL_WS " AND " : "";
    if (deleting)
        return c1 == NULL ? mlf_pool_sprintf(pool, "DELETE FROM %s WHERE %s%s = ? AND \"key\" = ?", k->table, ws, c0)
                          : mlf_pool_sprintf(pool, "DELETE FROM %s WHERE %s%s = ? AND %s = ? AND \"key\" = ?", k->table,
                                             ws, c0, c1);
    return mlf_pool_sprintf(pool,
                            "INSERT INTO %s (\"key\", value, %s%s%s) VALUES (?, ?, ?%s) "
                            "ON CONFLICT (%s\"key\", %s%s%s) DO UPDATE SET value = excluded.value",
                            k->table, c0, c1 != NULL ? ", " : "", c1 != NULL ? c1 : "", c1 != NULL ? ", ?" : "",
                            k->in_workspace ? "workspace, " : "", c0, c1 != NULL ? ", " : "", c1 != NULL ? c1 : "");
}

static int mlf__tag_in_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__tag_arg *a = arg;
    mlf_sql_tag_owner o = {0};
    int rc = a->kind->owner(c, pool, a->ids, a->deleting, &o, err);
    if (rc < 0)
        return rc;
    mlf_sql_stmt *st;
    rc = mlf_sql_prepare(c, pool, mlf__sql(pool, a->kind, a->deleting), &st, err);
    if (rc < 0)
        return rc;
    int idx = 1;
    if (!a->deleting) {
        mlf_sql_bind_text(st, idx++, a->key);
        mlf_sql_bind_text(st, idx++, a->value);
    }
    if (o.by_id) {
        mlf_sql_bind_int64(st, idx++, o.id);
    } else {
        mlf_sql_bind_text(st, idx++, o.text[0]);
        if (o.text[1] != NULL)
            mlf_sql_bind_text(st, idx++, o.text[1]);
    }
    if (a->deleting)
        mlf_sql_bind_text(st, idx, a->key);
    rc = mlf__sql_step_done(c, pool, st, err);
    if (rc < 0)
        return rc;
    if (a->deleting && a->kind->missing_fmt != NULL && mlf_sql_changes(c) == 0)
        return mlf_error_set(err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST, a->kind->missing_fmt,
                             a->key != NULL ? a->key : "None", a->ids[0] != NULL ? a->ids[0] : "None");
    return 0;
}

int mlf_sql_entity_tag_set(mlf_sql_store *s, mlf_pool *pool, const mlf_sql_tag_kind *kind, const char *const *ids,
                           const char *key, const char *value, mlf_error *err)
{
    mlf__tag_arg a = {kind, ids, key, value, false};
    return mlf_sql_in_write(s, pool, mlf__tag_in_tx, &a, err);
}

int mlf_sql_entity_tag_delete(mlf_sql_store *s, mlf_pool *pool, const mlf_sql_tag_kind *kind, const char *const *ids,
                              const char *key, mlf_error *err)
{
    mlf__tag_arg a = {kind, ids, key, NULL, true};
    return mlf_sql_in_write(s, pool, mlf__tag_in_tx, &a, err);
}
