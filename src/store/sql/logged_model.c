/*
 * Logged models, mirroring SqlAlchemyStore (MLflow 3.18): create, get,
 * finalize, delete, tags, params, and search_logged_models with its filter
 * joins, dataset filters and metric ordering. Every model is read back as
 * SqlLoggedModel.to_mlflow_entity().to_proto() gives it: the row, its tags
 * and params (SQLite reads them through the primary-key index, so by key),
 * and every metric row in logging order (rowid, through the model_id index).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "store/pystr.h"
#include "store/sql/sql.h"
#include "store/uri.h"

#define MLF__LM_COLUMNS                                                                                                \
    "model_id, experiment_id, name, artifact_location, creation_timestamp_ms, last_updated_timestamp_ms, status, "     \
    "model_type, source_run_id"

/* ---- reading ---- */

static Mlflow__LoggedModel *mlf__row_to_model(mlf_pool *pool, mlf_sql_stmt *st)
{
    Mlflow__LoggedModel *m = MLF_NEW(pool, Mlflow__LoggedModel);
    mlflow__logged_model__init(m);
    Mlflow__LoggedModelInfo *info = MLF_NEW(pool, Mlflow__LoggedModelInfo);
    mlflow__logged_model_info__init(info);
    Mlflow__LoggedModelData *data = MLF_NEW(pool, Mlflow__LoggedModelData);
    mlflow__logged_model_data__init(data);
    info->model_id = mlf_sql_column_text_dup(pool, st, 0);
    info->experiment_id = mlf_sql_column_text_dup(pool, st, 1); /* str(int) */
    info->name = mlf_sql_column_text_dup(pool, st, 2);
    info->artifact_uri = mlf_sql_column_text_dup(pool, st, 3);
    info->has_creation_timestamp_ms = 1;
    info->creation_timestamp_ms = mlf_sql_column_int64(st, 4);
    info->has_last_updated_timestamp_ms = 1;
    info->last_updated_timestamp_ms = mlf_sql_column_int64(st, 5);
    info->has_status = 1;
    int status = mlf_sql_column_int(st, 6);
    info->status = status >= 0 && status <= 3 ? (Mlflow__LoggedModelStatus)status
                                              : MLFLOW__LOGGED_MODEL_STATUS__LOGGED_MODEL_STATUS_UNSPECIFIED;
    info->model_type = mlf_sql_column_text_dup(pool, st, 7);
    info->source_run_id = mlf_sql_column_text_dup(pool, st, 8);
    m->info = info;
    m->data = data;
    return m;
}

/* Index of id in the (sorted) ids, or -1. */
static long mlf__find(char *const *ids, size_t n, const char *id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(ids[mid], id);
        if (c == 0)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

typedef void (*mlf__child_fn)(mlf_pool *pool, Mlflow__LoggedModel *m, mlf_sql_stmt *st);

/* Appends item to a pool array of pointers (one model has few children). */
static void mlf__append(mlf_pool *pool, void ***items, size_t *n, void *item)
{
    void **grown = MLF_NEW_ARRAY(pool, void *, *n + 1);
    if (*n)
        memcpy(grown, *items, *n * sizeof(*grown));
    grown[(*n)++] = item;
    *items = grown;
}

static void mlf__add_tag(mlf_pool *pool, Mlflow__LoggedModel *m, mlf_sql_stmt *st)
{
    Mlflow__LoggedModelTag *t = MLF_NEW(pool, Mlflow__LoggedModelTag);
    mlflow__logged_model_tag__init(t);
    t->key = mlf_sql_column_text_dup(pool, st, 1);
    t->value = mlf_sql_column_text_dup(pool, st, 2);
    mlf__append(pool, (void ***)&m->info->tags, &m->info->n_tags, t);
}

static void mlf__add_param(mlf_pool *pool, Mlflow__LoggedModel *m, mlf_sql_stmt *st)
{
    Mlflow__LoggedModelParameter *p = MLF_NEW(pool, Mlflow__LoggedModelParameter);
    mlflow__logged_model_parameter__init(p);
    p->key = mlf_sql_column_text_dup(pool, st, 1);
    p->value = mlf_sql_column_text_dup(pool, st, 2);
    mlf__append(pool, (void ***)&m->data->params, &m->data->n_params, p);
}

/* Metric.to_proto: run_id, dataset name and digest only when not empty. */
static char *mlf__nonempty(mlf_pool *pool, mlf_sql_stmt *st, int col)
{
    char *s = mlf_sql_column_text_dup(pool, st, col);
    return s != NULL && s[0] != '\0' ? s : NULL;
}

static void mlf__add_metric(mlf_pool *pool, Mlflow__LoggedModel *m, mlf_sql_stmt *st)
{
    Mlflow__Metric *x = MLF_NEW(pool, Mlflow__Metric);
    mlflow__metric__init(x);
    x->model_id = mlf_sql_column_text_dup(pool, st, 0);
    x->key = mlf_sql_column_text_dup(pool, st, 1);
    x->has_value = x->has_timestamp = x->has_step = 1;
    x->value = mlf_sql_column_double(st, 2);
    x->timestamp = mlf_sql_column_int64(st, 3);
    x->step = mlf_sql_column_int64(st, 4);
    x->run_id = mlf__nonempty(pool, st, 5);
    x->dataset_name = mlf__nonempty(pool, st, 6);
    x->dataset_digest = mlf__nonempty(pool, st, 7);
    mlf__append(pool, (void ***)&m->data->metrics, &m->data->n_metrics, x);
}

/* Runs a child query (model_id in column 0) over the sorted ids and hands each row to add(). */
static int mlf__children(mlf_sql_conn *c, mlf_pool *pool, const char *sql, const char *json, char *const *sorted,
                         Mlflow__LoggedModel **by_sorted, size_t n, mlf__child_fn add, mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, sql, &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, json);
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        long k = mlf__find(sorted, n, (const char *)mlf_sql_column_text(st, 0));
        if (k >= 0 && by_sorted[k] != NULL)
            add(pool, by_sorted[k], st);
    }
    mlf_sql_reset(st);
    return rc == MLF_SQL_DONE ? 0 : mlf_sql_error(pool, c, rc, err);
}

static int mlf__cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Loads the models of ids (distinct) into ret (n entries, in ids' order; NULL
 * where no model has that id), whatever their lifecycle stage.
 */
static int mlf__load_models(mlf_sql_conn *c, mlf_pool *pool, char *const *ids, size_t n, Mlflow__LoggedModel **ret,
                            mlf_error *err)
{
    if (n == 0)
        return 0;
    char **sorted = MLF_NEW_ARRAY(pool, char *, n);
    memcpy(sorted, ids, n * sizeof(*sorted));
    qsort(sorted, n, sizeof(*sorted), mlf__cmp_str);
    Mlflow__LoggedModel **by_sorted = MLF_NEW_ARRAY(pool, Mlflow__LoggedModel *, n);
    const char *json = mlf__sql_json_strings(pool, (const char *const *)sorted, n);
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(
        c, pool, "SELECT " MLF__LM_COLUMNS " FROM logged_models WHERE model_id IN (SELECT value FROM json_each(?1))",
        &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, json);
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        long k = mlf__find(sorted, n, (const char *)mlf_sql_column_text(st, 0));
        if (k >= 0)
            by_sorted[k] = mlf__row_to_model(pool, st);
    }
    mlf_sql_reset(st);
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    rc = mlf__children(c, pool,
                       "SELECT model_id, tag_key, tag_value FROM logged_model_tags "
                       "WHERE model_id IN (SELECT value FROM json_each(?1)) ORDER BY model_id, tag_key",
                       json, sorted, by_sorted, n, mlf__add_tag, err);
    if (rc == 0)
        rc = mlf__children(c, pool,
                           "SELECT model_id, param_key, param_value FROM logged_model_params "
                           "WHERE model_id IN (SELECT value FROM json_each(?1)) ORDER BY model_id, param_key",
                           json, sorted, by_sorted, n, mlf__add_param, err);
    if (rc == 0)
        rc = mlf__children(c, pool,
                           "SELECT model_id, metric_name, metric_value, metric_timestamp_ms, metric_step, run_id, "
                           "dataset_name, dataset_digest FROM logged_model_metrics "
                           "WHERE model_id IN (SELECT value FROM json_each(?1)) ORDER BY model_id, rowid",
                           json, sorted, by_sorted, n, mlf__add_metric, err);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++)
        ret[i] = by_sorted[mlf__find(sorted, n, ids[i])];
    return 0;
}

static int mlf__not_found(mlf_pool *pool, const char *model_id, mlf_error *err)
{
    return mlf_error_set(err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Logged model with ID '%s' not found.", model_id);
}

/*
 * session.get(SqlLoggedModel, model_id) (any lifecycle stage), or with
 * active_only get_logged_model's `lifecycle_stage != 'deleted'` (which a NULL
 * stage does not match either). *ret_experiment_id for the child rows.
 */
static int mlf__lookup(mlf_sql_conn *c, mlf_pool *pool, const char *model_id, bool active_only,
                       int64_t *ret_experiment_id, mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool,
                             active_only ? "SELECT experiment_id FROM logged_models WHERE model_id = ? "
                                           "AND lifecycle_stage != 'deleted'"
                                         : "SELECT experiment_id FROM logged_models WHERE model_id = ?",
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, model_id);
    rc = mlf_sql_step(st);
    if (rc == MLF_SQL_ROW && ret_experiment_id != NULL)
        *ret_experiment_id = mlf_sql_column_int64(st, 0);
    mlf_sql_reset(st);
    if (rc == MLF_SQL_DONE)
        return mlf__not_found(pool, model_id, err);
    return rc == MLF_SQL_ROW ? 0 : mlf_sql_error(pool, c, rc, err);
}

/* The model as the write leaves it (MLflow reloads it after its commit). */
static int mlf__reload(mlf_sql_conn *c, mlf_pool *pool, const char *model_id, Mlflow__LoggedModel **ret, mlf_error *err)
{
    char *id = (char *)model_id;
    int rc = mlf__load_models(c, pool, &id, 1, ret, err);
    if (rc == 0 && *ret == NULL)
        return mlf__not_found(pool, model_id, err);
    return rc;
}

/* ---- writes ---- */

#define MLF__INSERT_PARAM                                                                                              \
    "INSERT INTO logged_model_params (model_id, experiment_id, param_key, param_value) VALUES (?, ?, ?, ?)"
#define MLF__INSERT_TAG                                                                                                \
    "INSERT INTO logged_model_tags (model_id, experiment_id, tag_key, tag_value) VALUES (?, ?, ?, ?)"
/* session.merge in set_logged_model_tags */
#define MLF__UPSERT_TAG MLF__INSERT_TAG " ON CONFLICT (model_id, tag_key) DO UPDATE SET tag_value = excluded.tag_value"

/* One param or tag row; unset keys and values are "" (from_proto). */
static int mlf__insert_kv(mlf_sql_conn *c, mlf_pool *pool, const char *sql, const char *model_id, int64_t experiment_id,
                          const char *key, const char *value, mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, sql, &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, model_id);
    mlf_sql_bind_int64(st, 2, experiment_id);
    mlf_sql_bind_text(st, 3, key != NULL ? key : "");
    mlf_sql_bind_text(st, 4, value != NULL ? value : "");
    return mlf__sql_step_done(c, pool, st, err);
}

/*
 * str() of the IntegrityError of SQLAlchemy's one INSERT of a batch of key/value rows (add_all flushes them
 * as one executemany): the driver's message, the statement, every row's parameters (a tuple each on SQLite,
 * the row's dict on PostgreSQL, which sends one row as a plain execute), and the error's link. Left as the
 * driver's message where SQLAlchemy's rendering is not reproduced (more than 10 rows, or several on PostgreSQL).
 */
static int mlf__batch_integrity_error(mlf_sql_conn *c, mlf_pool *pool, const char *table, const char *key_col,
                                      const char *value_col, const char *model_id, const char *experiment_repr,
                                      const char *const *keys, const char *const *values, size_t n, int rc,
                                      mlf_error *err)
{
    if (err == NULL || err->message == NULL || err->code != MLF_ERR_BAD_REQUEST || n == 0 || n > 10)
        return rc;
    bool pg = mlf_sql_dialect_of(c) == MLF_SQL_POSTGRES;
    if (pg && n > 1)
        return rc;
    mlf_buf b;
    mlf_buf_init(&b, pool, 512);
    mlf_buf_puts(&b, err->message);
    if (pg) {
        mlf_buf_printf(&b,
                       "%s\n[SQL: INSERT INTO %s (model_id, experiment_id, %s, %s) VALUES (%%(model_id)s, "
                       "%%(experiment_id)s, %%(%s)s, %%(%s)s)]\n[parameters: {'model_id': %s, 'experiment_id': %s, "
                       "'%s': %s, '%s': %s}]",
                       b.len > 0 && b.data[b.len - 1] == '\n' ? "" : "\n", table, key_col, value_col, key_col,
                       value_col, mlf_pystr_repr(pool, model_id), experiment_repr,
                       key_col, mlf_pystr_repr(pool, keys[0] != NULL ? keys[0] : ""), value_col,
                       mlf_pystr_repr(pool, values[0] != NULL ? values[0] : ""));
    } else {
        mlf_buf_printf(&b,
                       "\n[SQL: INSERT INTO %s (model_id, experiment_id, %s, %s) VALUES (?, ?, ?, ?)]\n[parameters: %s",
                       table, key_col, value_col, n > 1 ? "[" : "");
        for (size_t i = 0; i < n; i++)
            mlf_buf_printf(&b, "%s(%s, %s, %s, %s)", i ? ", " : "", mlf_pystr_repr(pool, model_id), experiment_repr,
                           mlf_pystr_repr(pool, keys[i] != NULL ? keys[i] : ""),
                           mlf_pystr_repr(pool, values[i] != NULL ? values[i] : ""));
        mlf_buf_puts(&b, n > 1 ? "]]" : "]");
    }
    mlf_buf_puts(&b, "\n(Background on this error at: https://sqlalche.me/e/21/gkpj)");
    err->message = b.data;
    return rc;
}

/* Params are inserted: a key logged before is the primary key's IntegrityError, as in MLflow. */
static int mlf__insert_params(mlf_sql_conn *c, mlf_pool *pool, const char *model_id, int64_t experiment_id,
                              const char *experiment_repr, Mlflow__LoggedModelParameter *const *params, size_t n,
                              mlf_error *err)
{
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = mlf__insert_kv(c, pool, MLF__INSERT_PARAM, model_id, experiment_id, params[i]->key, params[i]->value, err);
    if (rc < 0) {
        const char **keys = MLF_NEW_ARRAY(pool, const char *, n), **values = MLF_NEW_ARRAY(pool, const char *, n);
        for (size_t i = 0; i < n; i++) {
            keys[i] = params[i]->key;
            values[i] = params[i]->value;
        }
        rc = mlf__batch_integrity_error(c, pool, "logged_model_params", "param_key", "param_value", model_id,
                                        experiment_repr, keys, values, n, rc, err);
    }
    return rc;
}

static int mlf__write_tags(mlf_sql_conn *c, mlf_pool *pool, const char *model_id, int64_t experiment_id,
                           const char *experiment_repr, Mlflow__LoggedModelTag *const *tags, size_t n, bool upsert,
                           mlf_error *err)
{
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = mlf__insert_kv(c, pool, upsert ? MLF__UPSERT_TAG : MLF__INSERT_TAG, model_id, experiment_id, tags[i]->key,
                            tags[i]->value, err);
    if (rc < 0 && !upsert) {
        const char **keys = MLF_NEW_ARRAY(pool, const char *, n), **values = MLF_NEW_ARRAY(pool, const char *, n);
        for (size_t i = 0; i < n; i++) {
            keys[i] = tags[i]->key;
            values[i] = tags[i]->value;
        }
        rc = mlf__batch_integrity_error(c, pool, "logged_model_tags", "tag_key", "tag_value", model_id,
                                        experiment_repr, keys, values, n, rc, err);
    }
    return rc;
}

/* a new model: PENDING (1) and active, created and updated now (?5) */
#define MLF__INSERT_MODEL                                                                                              \
    "INSERT INTO logged_models (model_id, experiment_id, name, artifact_location, creation_timestamp_ms, "             \
    "last_updated_timestamp_ms, status, lifecycle_stage, model_type, source_run_id, status_message) "                  \
    "VALUES (?1, ?2, ?3, ?4, ?5, ?5, 1, 'active', ?6, ?7, NULL)"

typedef struct mlf__create_args {
    const char *experiment_id, *name, *model_type, *source_run_id;
    Mlflow__LoggedModelParameter *const *params;
    size_t n_params;
    Mlflow__LoggedModelTag *const *tags;
    size_t n_tags;
    Mlflow__LoggedModel **ret;
} mlf__create_args;

static int mlf__create_in_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__create_args *a = arg;
    char *location;
    int rc = mlf__sql_active_experiment(c, pool, a->experiment_id, &location, err);
    if (rc < 0)
        return rc;
    int64_t experiment_id = 0;
    mlf_pystr_parse_int(a->experiment_id != NULL && a->experiment_id[0] != '\0' ? a->experiment_id : "0",
                        &experiment_id);
    char *model_id = mlf_pool_sprintf(pool, "m-%s", mlf__sql_uuid4_hex(pool));
    char *artifact_location;
    rc = mlf_uri_append_path(pool, location, mlf_pool_sprintf(pool, "models/%s/artifacts", model_id),
                             &artifact_location, err);
    if (rc < 0)
        return rc;
    const char *name = a->name != NULL && a->name[0] != '\0' ? a->name : mlf__sql_generate_run_name(pool);
    int64_t now = mlf_sql_now_ms();
    mlf_sql_stmt *st;
    rc = mlf_sql_prepare(c, pool, MLF__INSERT_MODEL, &st, err);
    if (rc < 0)
        return rc;
    const char *const text[] = {model_id,      a->experiment_id, name, artifact_location, NULL,
                                a->model_type, a->source_run_id};
    /* the experiment id as the request gave it, as SQLAlchemy binds it (the column's affinity makes it an integer) */
    for (int i = 0; i < 7; i++)
        mlf_sql_bind_text(st, i + 1, text[i]);
    mlf_sql_bind_int64(st, 5, now);
    rc = mlf__sql_step_done(c, pool, st, err);
    if (rc == 0)
        rc = mlf__insert_params(c, pool, model_id, experiment_id, mlf_pystr_repr(pool, a->experiment_id), a->params,
                                a->n_params, err);
    if (rc == 0)
        rc = mlf__write_tags(c, pool, model_id, experiment_id, mlf_pystr_repr(pool, a->experiment_id), a->tags,
                             a->n_tags, false, err);
    if (rc == 0)
        rc = mlf__reload(c, pool, model_id, a->ret, err);
    return rc;
}

int mlf_store_create_logged_model(mlf_store *store, mlf_pool *pool, const char *experiment_id, const char *name,
                                  const char *model_type, const char *source_run_id,
                                  Mlflow__LoggedModelParameter *const *params, size_t n_params,
                                  Mlflow__LoggedModelTag *const *tags, size_t n_tags, Mlflow__LoggedModel **ret,
                                  mlf_error *err)
{
    mlf__create_args a = {experiment_id, name, model_type, source_run_id, params, n_params, tags, n_tags, ret};
    return mlf_sql_in_write((mlf_sql_store *)store, pool, mlf__create_in_tx, &a, err);
}

typedef struct mlf__get_args {
    const char *model_id;
    bool allow_deleted;
    Mlflow__LoggedModel **ret;
} mlf__get_args;

static int mlf__get_in_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__get_args *a = arg;
    int rc = mlf__lookup(c, pool, a->model_id, !a->allow_deleted, NULL, err);
    return rc < 0 ? rc : mlf__reload(c, pool, a->model_id, a->ret, err);
}

int mlf_store_get_logged_model(mlf_store *store, mlf_pool *pool, const char *model_id, bool allow_deleted,
                               Mlflow__LoggedModel **ret, mlf_error *err)
{
    mlf__get_args a = {model_id, allow_deleted, ret};
    return mlf_sql_in_read((mlf_sql_store *)store, pool, mlf__get_in_tx, &a, err);
}

/* What one write does to a model found by session.get. */
typedef enum mlf__lm_write {
    MLF__LM_FINALIZE,
    MLF__LM_DELETE,
    MLF__LM_SET_TAGS,
    MLF__LM_DELETE_TAG,
    MLF__LM_LOG_PARAMS,
} mlf__lm_write;

typedef struct mlf__write_args {
    mlf__lm_write what;
    const char *model_id;
    Mlflow__LoggedModelStatus status;
    const char *key;
    Mlflow__LoggedModelTag *const *tags;
    size_t n_tags;
    Mlflow__LoggedModelParameter *const *params;
    size_t n_params;
    Mlflow__LoggedModel **ret;
} mlf__write_args;

static int mlf__update_row(mlf_sql_conn *c, mlf_pool *pool, const char *sql, const char *model_id, int status,
                           mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, sql, &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_int64(st, 1, mlf_sql_now_ms());
    mlf_sql_bind_text(st, 2, model_id);
    if (status >= 0)
        mlf_sql_bind_int64(st, 3, status);
    return mlf__sql_step_done(c, pool, st, err);
}

static int mlf__write_in_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__write_args *a = arg;
    int64_t experiment_id = 0;
    int rc = mlf__lookup(c, pool, a->model_id, false, &experiment_id, err);
    if (rc < 0)
        return rc;
    switch (a->what) {
    case MLF__LM_FINALIZE:
        rc = mlf__update_row(c, pool,
                             "UPDATE logged_models SET last_updated_timestamp_ms = ?1, status = ?3 WHERE model_id = ?2",
                             a->model_id, (int)a->status, err);
        return rc < 0 ? rc : mlf__reload(c, pool, a->model_id, a->ret, err);
    case MLF__LM_DELETE:
        return mlf__update_row(c, pool,
                               "UPDATE logged_models SET last_updated_timestamp_ms = ?1, lifecycle_stage = 'deleted' "
                               "WHERE model_id = ?2",
                               a->model_id, -1, err);
    case MLF__LM_SET_TAGS:
        return mlf__write_tags(c, pool, a->model_id, experiment_id, NULL, a->tags, a->n_tags, true, err);
    case MLF__LM_LOG_PARAMS:
        return mlf__insert_params(c, pool, a->model_id, experiment_id,
                                  mlf_pool_sprintf(pool, "%" PRId64, experiment_id), a->params, a->n_params, err);
    case MLF__LM_DELETE_TAG: {
        mlf_sql_stmt *st;
        rc = mlf_sql_prepare(c, pool, "DELETE FROM logged_model_tags WHERE model_id = ? AND tag_key = ?", &st, err);
        if (rc < 0)
            return rc;
        mlf_sql_bind_text(st, 1, a->model_id);
        mlf_sql_bind_text(st, 2, a->key);
        rc = mlf__sql_step_done(c, pool, st, err);
        if (rc < 0)
            return rc;
        if (mlf_sql_changes(c) == 0)
            return mlf_error_set(err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST,
                                 "No tag with key %s found for model with ID %s.", mlf_pystr_repr(pool, a->key),
                                 mlf_pystr_repr(pool, a->model_id));
        return 0;
    }
    }
    return 0;
}

static int mlf__write(mlf_store *store, mlf_pool *pool, mlf__write_args *a, mlf_error *err)
{
    return mlf_sql_in_write((mlf_sql_store *)store, pool, mlf__write_in_tx, a, err);
}

int mlf_store_finalize_logged_model(mlf_store *store, mlf_pool *pool, const char *model_id,
                                    Mlflow__LoggedModelStatus status, Mlflow__LoggedModel **ret, mlf_error *err)
{
    mlf__write_args a = {.what = MLF__LM_FINALIZE, .model_id = model_id, .status = status, .ret = ret};
    return mlf__write(store, pool, &a, err);
}

int mlf_store_delete_logged_model(mlf_store *store, mlf_pool *pool, const char *model_id, mlf_error *err)
{
    mlf__write_args a = {.what = MLF__LM_DELETE, .model_id = model_id};
    return mlf__write(store, pool, &a, err);
}

int mlf_store_set_logged_model_tags(mlf_store *store, mlf_pool *pool, const char *model_id,
                                    Mlflow__LoggedModelTag *const *tags, size_t n_tags, mlf_error *err)
{
    mlf__write_args a = {.what = MLF__LM_SET_TAGS, .model_id = model_id, .tags = tags, .n_tags = n_tags};
    return mlf__write(store, pool, &a, err);
}

int mlf_store_delete_logged_model_tag(mlf_store *store, mlf_pool *pool, const char *model_id, const char *key,
                                      mlf_error *err)
{
    mlf__write_args a = {.what = MLF__LM_DELETE_TAG, .model_id = model_id, .key = key};
    return mlf__write(store, pool, &a, err);
}

int mlf_store_log_logged_model_params(mlf_store *store, mlf_pool *pool, const char *model_id,
                                      Mlflow__LoggedModelParameter *const *params, size_t n_params, mlf_error *err)
{
    mlf__write_args a = {.what = MLF__LM_LOG_PARAMS, .model_id = model_id, .params = params, .n_params = n_params};
    return mlf__write(store, pool, &a, err);
}

/* ---- search ---- */

/* The SqlLoggedModel columns a filter or order_by may name (getattr on the class). */
static const char *const mlf__columns[] = {
    "model_id",
    "experiment_id",
    "name",
    "artifact_location",
    "creation_timestamp_ms",
    "last_updated_timestamp_ms",
    "status",
    "lifecycle_stage",
    "model_type",
    "source_run_id",
    "status_message",
    NULL,
};

static bool mlf__is_column(const char *key)
{
    for (size_t i = 0; mlf__columns[i] != NULL; i++)
        if (strcmp(key, mlf__columns[i]) == 0)
            return true;
    return false;
}

/* A value bound to the query: text or a double. */
typedef struct mlf__bind {
    const char *text;
    double num;
    bool is_num;
} mlf__bind;

/* Values in the order their `?` appear in one part of the statement. */
typedef struct mlf__binds {
    mlf_pool *pool;
    mlf__bind *items;
    size_t n, cap;
} mlf__binds;

/* The statement's parts: FROM's joins (filters, datasets, then order_by), WHERE, ORDER BY. */
typedef struct mlf__query {
    mlf_pool *pool;
    mlf_buf joins, where, order;
    mlf__binds join_binds, where_binds;
    int n_subqueries;
    const char *experiment_ids; /* the JSON array of their numbers */
} mlf__query;

/* Room for n values (the caller counts them beforehand). */
static void mlf__binds_init(mlf__binds *b, mlf_pool *pool, size_t n)
{
    b->pool = pool;
    b->items = MLF_NEW_ARRAY(pool, mlf__bind, n ? n : 1);
    b->n = 0;
    b->cap = n;
}

static mlf__bind *mlf__bind_new(mlf__binds *b)
{
    return &b->items[b->n++];
}

static void mlf__bind_text(mlf__binds *b, const char *text)
{
    *mlf__bind_new(b) = (mlf__bind){text, 0, false};
}

static void mlf__bind_num(mlf__binds *b, double v)
{
    *mlf__bind_new(b) = (mlf__bind){NULL, v, true};
}

/*
 * Appends `<column> <op> <value>` as SearchUtils.get_sql_comparison_func
 * renders it on SQLite (ILIKE as lower() LIKE lower(), IN lists bound one
 * by one). A list compared with anything but IN / NOT IN, or holding other
 * than strings, makes SQLAlchemy or the driver fail in MLflow: a 500.
 */
static int mlf__comparison(mlf_pool *pool, mlf__binds *q, mlf_buf *b, const char *column, const mlf_search_clause *cl,
                           mlf_error *err)
{
    static const char *const ops[] = {"=", "!=", "<", "<=", ">", ">=", "LIKE", "LIKE", "IN", "NOT IN"};
    bool list_op = cl->op == MLF_OP_IN || cl->op == MLF_OP_NOT_IN;
    if (!list_op && cl->value_kind == MLF_VALUE_LIST)
        /* the tuple reaches the driver: sqlite3.ProgrammingError, which MLflow's session answers as BAD_REQUEST */
        return mlf_error_set(err, pool, MLF_ERR_BAD_REQUEST,
                             "(sqlite3.ProgrammingError) Error binding parameter: type 'tuple' is not supported");
    if (list_op && cl->list == NULL && cl->n_list > 0)
        /* MLflow binds non-str items (ints, floats) as they are; we take str items only */
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "Only string values are supported in the %s list of %s",
                             ops[cl->op], cl->key);
    if (list_op) {
        if (cl->n_list == 0) {
            /* SQLAlchemy's empty IN is false for every row, NULL included */
            mlf_buf_puts(b, cl->op == MLF_OP_IN ? "false" : "true");
            return 0;
        }
        mlf_buf_printf(b, "%s %s (", column, ops[cl->op]);
        for (size_t i = 0; i < cl->n_list; i++) {
            mlf_buf_puts(b, i ? ", ?" : "?");
            mlf__bind_text(q, cl->list[i]);
        }
        mlf_buf_putc(b, ')');
        return 0;
    }
    if (cl->op == MLF_OP_ILIKE)
        mlf_buf_printf(b, "lower(%s) LIKE lower(?)", column);
    else
        mlf_buf_printf(b, "%s %s ?", column, ops[cl->op]);
    if (cl->value_kind == MLF_VALUE_NUMBER)
        mlf__bind_num(q, cl->num);
    else
        mlf__bind_text(q, cl->str);
    return 0;
}

/* `(dataset_name = ? AND dataset_digest = ?) OR ...`; a missing digest is `IS NULL` (the handler passes None),
   or no condition for a store caller that gave none. */
static void mlf__dataset_filters(mlf__binds *q, mlf_buf *b, const mlf_store_logged_model_query *query)
{
    mlf_buf_putc(b, '(');
    for (size_t i = 0; i < query->n_datasets; i++) {
        const mlf_store_logged_model_dataset *d = &query->datasets[i];
        mlf_buf_puts(b, i ? " OR " : "");
        mlf_buf_puts(b, d->digest != NULL ? "(dataset_name = ? AND dataset_digest = ?)"
                        : d->any_digest   ? "(dataset_name = ?)"
                                          : "(dataset_name = ? AND dataset_digest IS NULL)");
        mlf__bind_text(q, d->name);
        if (d->digest != NULL)
            mlf__bind_text(q, d->digest);
    }
    mlf_buf_putc(b, ')');
}

/*
 * _parse_experiment_ids: [int(e) for e in experiment_ids] as a JSON array
 * (bound once per use), with MLflow's INVALID_PARAMETER_VALUE for a value
 * int() refuses.
 */
static int mlf__experiment_ids_json(mlf_pool *pool, const mlf_store_logged_model_query *query, const char **ret,
                                    mlf_error *err)
{
    mlf_buf ids;
    mlf_buf_init(&ids, pool, 64);
    mlf_buf_putc(&ids, '[');
    for (size_t i = 0; i < query->n_experiment_ids; i++) {
        const char *e = query->experiment_ids[i] != NULL ? query->experiment_ids[i] : "";
        int64_t id;
        int prc = mlf_pystr_parse_int(e, &id);
        if (prc == -1)
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                 "Invalid experiment ID '%s'. Experiment ID must be a valid integer.", e);
        if (prc == -2)
            return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                                 "Python int too large to convert to SQLite INTEGER");
        mlf_buf_printf(&ids, "%s%" PRId64, i ? "," : "", id);
    }
    mlf_buf_putc(&ids, ']');
    *ret = ids.data;
    return 0;
}

/*
 * _get_latest_logged_model_metrics_subquery: per model of the experiments,
 * the latest row of the metric (highest step, then timestamp, then value)
 * among the rows the extra conditions (datasets, by name / digest) keep.
 * Appends `(SELECT model_id, metric_value FROM ...)`; the metric name, the
 * extra conditions' values and the experiment ids are bound in that order.
 */
static void mlf__latest_metric(mlf__binds *binds, mlf_buf *b, const mlf__query *q, const char *metric,
                               const mlf_store_logged_model_query *query, const char *by_name, const char *by_digest)
{
    mlf_buf_puts(b, "(SELECT model_id, metric_value FROM (SELECT model_id, metric_value, row_number() OVER "
                    "(PARTITION BY model_id, metric_name ORDER BY metric_step DESC, metric_timestamp_ms DESC, "
                    "metric_value DESC) AS row_num FROM logged_model_metrics WHERE metric_name = ?");
    mlf__bind_text(binds, metric);
    if (query->n_datasets > 0) {
        mlf_buf_puts(b, " AND ");
        mlf__dataset_filters(binds, b, query);
    }
    if (by_name != NULL) {
        mlf_buf_puts(b, " AND dataset_name = ?");
        mlf__bind_text(binds, by_name);
    }
    if (by_digest != NULL) {
        mlf_buf_puts(b, " AND dataset_digest = ?");
        mlf__bind_text(binds, by_digest);
    }
    mlf_buf_puts(b, " AND model_id IN (SELECT model_id FROM logged_models WHERE experiment_id IN "
                    "(SELECT CAST(value AS BIGINT) FROM json_each(?)))) AS ranked WHERE row_num = 1)");
    mlf__bind_text(binds, q->experiment_ids);
}

/* LoggedModelStatus(value).to_int() for the names a filter may give, or -1. */
static int mlf__status_int(const char *name)
{
    static const char *const names[] = {"UNSPECIFIED", "PENDING", "READY", "FAILED"};
    for (int i = 0; i < 4; i++)
        if (name != NULL && strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

/*
 * The status attribute: =, !=, IN or NOT IN over status names, compared as
 * their numbers (the column is an integer).
 */
static int mlf__status_comparison(mlf_pool *pool, mlf__binds *q, mlf_buf *b, const mlf_search_clause *cl,
                                  mlf_error *err)
{
    static const char *const ops[] = {"=", "!=", "<", "<=", ">", ">=", "LIKE", "ILIKE", "IN", "NOT IN"};
    bool list_op = cl->op == MLF_OP_IN || cl->op == MLF_OP_NOT_IN;
    if (cl->op != MLF_OP_EQ && cl->op != MLF_OP_NE && !list_op)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid comparison operator for status: %s",
                             ops[cl->op]);
    /* the value as Python repr()s it: a str, or the tuple literal_eval gave */
    bool bad = false;
    if (list_op && cl->value_kind == MLF_VALUE_LIST) {
        bad = cl->list == NULL && cl->n_list > 0;
        for (size_t i = 0; !bad && i < cl->n_list; i++)
            bad = mlf__status_int(cl->list[i]) < 0;
    } else {
        bad = cl->value_kind != MLF_VALUE_STRING || mlf__status_int(cl->str) < 0;
    }
    if (bad) {
        const char *repr;
        if (cl->value_kind == MLF_VALUE_LIST && cl->list != NULL) {
            mlf_buf t;
            mlf_buf_init(&t, pool, 64);
            mlf_buf_putc(&t, '(');
            for (size_t i = 0; i < cl->n_list; i++)
                mlf_buf_printf(&t, "%s%s", i ? ", " : "", mlf_pystr_repr(pool, cl->list[i]));
            mlf_buf_puts(&t, cl->n_list == 1 ? ",)" : ")");
            repr = t.data;
        } else {
            repr = mlf_pystr_repr(pool, cl->str != NULL ? cl->str : "");
        }
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Unknown model status in filter: %s", repr);
    }
    if (!list_op) {
        mlf_buf_printf(b, "m.status %s ?", ops[cl->op]);
        mlf__bind_num(q, mlf__status_int(cl->str));
        return 0;
    }
    if (cl->n_list == 0) {
        mlf_buf_puts(b, cl->op == MLF_OP_IN ? "false" : "true");
        return 0;
    }
    mlf_buf_printf(b, "m.status %s (", ops[cl->op]);
    for (size_t i = 0; i < cl->n_list; i++) {
        mlf_buf_puts(b, i ? ", ?" : "?");
        mlf__bind_num(q, mlf__status_int(cl->list[i]));
    }
    mlf_buf_putc(b, ')');
    return 0;
}

/* _apply_filter_string_datasets_search_logged_models */
static int mlf__filters(mlf__query *q, const mlf_store_logged_model_query *query, mlf_error *err)
{
    mlf_pool *pool = q->pool;
    bool has_metric_filters = false;
    int rc = mlf__experiment_ids_json(pool, query, &q->experiment_ids, err);
    if (rc < 0)
        return rc;
    mlf_buf attrs;
    mlf_buf_init(&attrs, pool, 128);
    mlf__binds attr_binds;
    mlf__binds_init(&attr_binds, pool, q->where_binds.cap);
    for (size_t i = 0; i < query->n_clauses; i++) {
        const mlf_search_clause *cl = &query->clauses[i];
        if (cl->entity == MLF_ENTITY_ATTRIBUTE && strcmp(cl->key, "status") == 0) {
            mlf_buf_puts(&attrs, " AND ");
            rc = mlf__status_comparison(pool, &attr_binds, &attrs, cl, err);
        } else if (cl->entity == MLF_ENTITY_ATTRIBUTE) {
            if (!mlf__is_column(cl->key))
                /* getattr(SqlLoggedModel, key): an AttributeError MLflow does not catch */
                return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                                     "type object 'SqlLoggedModel' has no attribute '%s'", cl->key);
            mlf_buf_puts(&attrs, " AND ");
            rc = mlf__comparison(pool, &attr_binds, &attrs, mlf_pool_sprintf(pool, "m.%s", cl->key), cl, err);
        } else if (cl->entity == MLF_ENTITY_METRIC) {
            /* compared with the same latest value order_by uses: one row per model */
            has_metric_filters = true;
            mlf_buf_puts(&q->joins, " JOIN (SELECT model_id FROM ");
            mlf__latest_metric(&q->join_binds, &q->joins, q, cl->key, query, NULL, NULL);
            mlf_buf_puts(&q->joins, " AS latest WHERE ");
            rc = mlf__comparison(pool, &q->join_binds, &q->joins, "metric_value", cl, err);
            mlf_buf_printf(&q->joins, ") AS f%d ON m.model_id = f%d.model_id", q->n_subqueries, q->n_subqueries);
            q->n_subqueries++;
        } else {
            /* models.join(<subquery of the param or tag rows that match>) */
            bool param = cl->entity == MLF_ENTITY_PARAM;
            mlf_buf_printf(&q->joins, " JOIN (SELECT model_id FROM %s WHERE %s = ? AND ",
                           param ? "logged_model_params" : "logged_model_tags", param ? "param_key" : "tag_key");
            mlf__bind_text(&q->join_binds, cl->key);
            rc = mlf__comparison(pool, &q->join_binds, &q->joins, param ? "param_value" : "tag_value", cl, err);
            mlf_buf_printf(&q->joins, ") AS f%d ON m.model_id = f%d.model_id", q->n_subqueries, q->n_subqueries);
            q->n_subqueries++;
        }
        if (rc < 0)
            return rc;
    }
    /* datasets without metric filters: models with any metric on those datasets */
    if (query->n_datasets > 0 && !has_metric_filters) {
        mlf_buf_puts(&q->joins, " JOIN (SELECT DISTINCT model_id FROM logged_model_metrics WHERE ");
        mlf__dataset_filters(&q->join_binds, &q->joins, query);
        mlf_buf_puts(&q->joins, ") AS d ON m.model_id = d.model_id");
    }

    mlf_buf_puts(&q->where, " WHERE m.lifecycle_stage != 'deleted' AND m.experiment_id IN "
                            "(SELECT CAST(value AS BIGINT) FROM json_each(?))");
    mlf__bind_text(&q->where_binds, q->experiment_ids);
    if (attrs.len > 0)
        mlf_buf_puts(&q->where, attrs.data);
    for (size_t i = 0; i < attr_binds.n; i++)
        *mlf__bind_new(&q->where_binds) = attr_binds.items[i];
    return 0;
}

/* _apply_order_by_search_logged_models: outer joins after the filters' joins, and the ORDER BY. */
static int mlf__orders(mlf__query *q, const mlf_store_logged_model_query *query, mlf_error *err)
{
    mlf_pool *pool = q->pool;
    bool has_creation_timestamp = false, has_model_id = false;
    mlf_buf_puts(&q->order, " ORDER BY ");
    for (size_t i = 0; i < query->n_orders; i++) {
        const mlf_search_lm_order *ob = &query->orders[i];
        const char *field = ob->field_name != NULL ? ob->field_name : "";
        const char *dot = strchr(field, '.');
        const char *column;
        if (dot == NULL) {
            const char *name = field;
            if (strcmp(name, "creation_time") == 0 || strcmp(name, "creation_timestamp") == 0)
                name = "creation_timestamp_ms";
            else if (strcmp(name, "last_updated_timestamp") == 0)
                name = "last_updated_timestamp_ms";
            if (strcmp(name, "creation_timestamp_ms") == 0)
                has_creation_timestamp = true;
            if (strcmp(name, "model_id") == 0)
                has_model_id = true;
            if (!mlf__is_column(name)) {
                /* getattr(SqlLoggedModel, name) failed: MLflow names the error class */
                int rc = mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid order by field name: %s",
                                       field);
                if (err != NULL)
                    err->error_class = "ATTRIBUTE_NOT_FOUND";
                return rc;
            }
            column = mlf_pool_sprintf(pool, "m.%s", name);
        } else {
            if ((size_t)(dot - field) != 7 || strncmp(field, "metrics", 7) != 0)
                return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                     "Invalid order by field name: %s. Only metrics are supported.", field);
            int k = q->n_subqueries++;
            mlf_buf_puts(&q->joins, " LEFT OUTER JOIN ");
            mlf__latest_metric(&q->join_binds, &q->joins, q, dot + 1, query,
                               ob->dataset_name != NULL && ob->dataset_name[0] != '\0' ? ob->dataset_name : NULL,
                               ob->dataset_digest != NULL && ob->dataset_digest[0] != '\0' ? ob->dataset_digest
                                                                                            : NULL);
            mlf_buf_printf(&q->joins, " AS f%d ON m.model_id = f%d.model_id", k, k);
            column = mlf_pool_sprintf(pool, "f%d.metric_value", k);
        }
        /* nulls last, whatever the direction */
        mlf_buf_printf(&q->order, "CASE WHEN %s IS NULL THEN 1 ELSE 0 END ASC, %s %s, ", column, column,
                       ob->ascending ? "ASC" : "DESC");
    }
    if (!has_creation_timestamp)
        mlf_buf_puts(&q->order, "m.creation_timestamp_ms DESC, ");
    if (!has_model_id)
        mlf_buf_puts(&q->order, "m.model_id ASC, ");
    q->order.len -= 2;
    q->order.data[q->order.len] = '\0';
    return 0;
}

static void mlf__bind_all(mlf_sql_stmt *st, const mlf__binds *b, int *idx)
{
    for (size_t i = 0; i < b->n; i++, (*idx)++) {
        if (b->items[i].is_num)
            mlf_sql_bind_double(st, *idx, b->items[i].num);
        else
            mlf_sql_bind_text(st, *idx, b->items[i].text);
    }
}

typedef struct mlf__search_args {
    const mlf_store_logged_model_query *query;
    mlf_store_logged_model_page *ret;
} mlf__search_args;

static int mlf__search_in_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf_store_logged_model_query *query = ((mlf__search_args *)arg)->query;
    mlf_store_logged_model_page *ret = ((mlf__search_args *)arg)->ret;
    /* every clause binds its key, value(s), the datasets and the experiment ids; an order_by at most four
       values and the datasets */
    size_t n_values = 1 + (4 + 2 * query->n_datasets) * query->n_orders;
    for (size_t i = 0; i < query->n_clauses; i++)
        n_values += 3 + query->clauses[i].n_list + 2 * query->n_datasets;
    n_values += 2 * query->n_datasets;
    mlf__query q = {.pool = pool};
    mlf__binds_init(&q.join_binds, pool, n_values);
    mlf__binds_init(&q.where_binds, pool, n_values);
    mlf_buf_init(&q.joins, pool, 256);
    mlf_buf_init(&q.where, pool, 256);
    mlf_buf_init(&q.order, pool, 128);
    int rc = mlf__filters(&q, query, err);
    if (rc == 0)
        rc = mlf__orders(&q, query, err);
    if (rc < 0)
        return rc;
    mlf_buf sql;
    mlf_buf_init(&sql, pool, 1024);
    mlf_buf_printf(&sql, "SELECT m.model_id FROM logged_models AS m%s%s%s LIMIT ? OFFSET ?", q.joins.data, q.where.data,
                   q.order.data);
    mlf_sql_stmt *st;
    rc = mlf_sql_prepare(c, pool, sql.data, &st, err);
    if (rc < 0)
        return rc;
    int idx = 1;
    mlf__bind_all(st, &q.join_binds, &idx);
    mlf__bind_all(st, &q.where_binds, &idx);
    int64_t max_results = query->max_results;
    /* .offset(offset).limit(max_results + 1); SQLite takes a negative LIMIT as none */
    mlf_sql_bind_int64(st, idx++, max_results + 1);
    mlf_sql_bind_int64(st, idx, query->offset);

    /* the joins may repeat a model; MLflow's Query keeps its first row only */
    size_t cap = 16, n = 0;
    char **ids = MLF_NEW_ARRAY(pool, char *, cap);
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        const char *id = (const char *)mlf_sql_column_text(st, 0);
        bool seen = false;
        for (size_t i = n; i > 0 && !seen; i--)
            seen = strcmp(ids[i - 1], id) == 0;
        if (seen)
            continue;
        if (n == cap) {
            char **grown = MLF_NEW_ARRAY(pool, char *, cap * 2);
            memcpy(grown, ids, n * sizeof(*ids));
            ids = grown;
            cap *= 2;
        }
        ids[n++] = mlf_pool_strdup(pool, id);
    }
    mlf_sql_reset(st);
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);

    ret->has_more = (int64_t)n > max_results;
    /* models[:max_results] */
    size_t keep;
    if (max_results >= 0)
        keep = (int64_t)n < max_results ? n : (size_t)max_results;
    else
        keep = (int64_t)n + max_results > 0 ? (size_t)((int64_t)n + max_results) : 0;
    ret->models = MLF_NEW_ARRAY(pool, Mlflow__LoggedModel *, keep ? keep : 1);
    ret->n = keep;
    return mlf__load_models(c, pool, ids, keep, ret->models, err);
}

int mlf_store_search_logged_models(mlf_store *store, mlf_pool *pool, const mlf_store_logged_model_query *query,
                                   mlf_store_logged_model_page *ret, mlf_error *err)
{
    mlf__search_args a = {query, ret};
    return mlf_sql_in_read((mlf_sql_store *)store, pool, mlf__search_in_tx, &a, err);
}
