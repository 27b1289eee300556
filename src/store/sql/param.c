/*
 * Params on both backends: SqlAlchemyStore.log_param and _log_params. A param is
 * immutable: logging the value it already has is a no-op, another value is
 * refused with MLflow's messages (one form for log_param, a list form for
 * log_batch).
 */
#include <string.h>

#include "store/pystr.h"
#include "store/sql/sql.h"

/*
 * Inserts the param unless its key exists; then *ret_old is NULL, else the
 * stored value (from pool).
 */
static int mlf__insert_param(mlf_sql_conn *c, mlf_pool *pool, const char *run_id, const Mlflow__Param *p,
                             char **ret_old, mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(
        c, pool, "INSERT INTO params (\"key\", value, run_uuid) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, p->key);
    mlf_sql_bind_text(st, 2, p->value != NULL ? p->value : "");
    mlf_sql_bind_text(st, 3, run_id);
    rc = mlf__sql_step_done(c, pool, st, err);
    if (rc < 0)
        return rc;
    *ret_old = NULL;
    if (mlf_sql_changes(c) > 0)
        return 0;
    rc = mlf_sql_prepare(c, pool, "SELECT value FROM params WHERE run_uuid = ? AND \"key\" = ?", &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, run_id);
    mlf_sql_bind_text(st, 2, p->key);
    rc = mlf_sql_step(st);
    if (rc == MLF_SQL_ROW)
        *ret_old = mlf_sql_column_text_dup(pool, st, 0);
    mlf_sql_reset(st);
    if (rc != MLF_SQL_ROW)
        return mlf_sql_error(pool, c, rc == MLF_SQL_DONE ? MLF_SQL_ERROR : rc, err);
    if (*ret_old == NULL)
        *ret_old = "";
    return 0;
}

int mlf__sql_log_params(mlf_sql_conn *c, mlf_pool *pool, const char *run_id, Mlflow__Param *const *params, size_t n,
                        mlf_error *err)
{
    /* str() of a list of dicts, as MLflow formats the conflicts: [{'key': ..., 'old_value': ..., 'new_value': ...}] */
    mlf_buf conflicts;
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        char *old;
        int rc = mlf__insert_param(c, pool, run_id, params[i], &old, err);
        if (rc < 0)
            return rc;
        const char *value = params[i]->value != NULL ? params[i]->value : "";
        if (old == NULL || strcmp(old, value) == 0)
            continue;
        if (!any)
            mlf_buf_init(&conflicts, pool, 128);
        mlf_buf_printf(&conflicts, "%s{'key': %s, 'old_value': %s, 'new_value': %s}", any ? ", " : "[",
                       mlf_pystr_repr(pool, params[i]->key), mlf_pystr_repr(pool, old), mlf_pystr_repr(pool, value));
        any = true;
    }
    if (!any)
        return 0;
    /* the caller's transaction rolls back the params inserted before the conflict was known */
    mlf_buf_putc(&conflicts, ']');
    return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                         "Changing param values is not allowed. Params were already logged='%s' for run ID='%s'.",
                         conflicts.data, run_id);
}

typedef struct mlf__log_param_arg {
    const char *run_id;
    const Mlflow__Param *param;
} mlf__log_param_arg;

static int mlf__log_param_in_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__log_param_arg *a = arg;
    const char *run_id = a->run_id;
    const Mlflow__Param *param = a->param;
    int rc = mlf__sql_run_require_active(c, pool, run_id, NULL, err);
    if (rc < 0)
        return rc;
    char *old;
    rc = mlf__insert_param(c, pool, run_id, param, &old, err);
    if (rc < 0)
        return rc;
    const char *value = param->value != NULL ? param->value : "";
    if (old == NULL || strcmp(old, value) == 0)
        return 0;
    return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                         "Changing param values is not allowed. Param with key='%s' was already logged with "
                         "value='%s' for run ID='%s'. Attempted logging new value '%s'.",
                         param->key, old, run_id, value);
}

int mlf_store_log_param(mlf_store *store, mlf_pool *pool, const char *run_id, const Mlflow__Param *param,
                        mlf_error *err)
{
    mlf__log_param_arg a = {.run_id = run_id, .param = param};
    return mlf_sql_in_write((mlf_sql_store *)store, pool, mlf__log_param_in_tx, &a, err);
}
