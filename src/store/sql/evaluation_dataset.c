/*
 * Evaluation datasets on both backends, mirroring SqlAlchemyStore's dataset
 * methods (MLflow 3.18): create, get, delete, search, tags and experiment
 * associations. A dataset is answered as
 * SqlEvaluationDataset.to_mlflow_entity().to_proto() gives it (records and
 * experiment ids are not loaded: the answer has none). The records are in
 * evaluation_dataset_record.c.
 */
#include <inttypes.h>
#include <string.h>

#include "store/pystr.h"
#include "store/sql/sql.h"

#define MLF__EDS_COLUMNS                                                                                               \
    "dataset_id, name, schema, profile, digest, created_time, last_update_time, created_by, last_updated_by"

static mlf_sql_store *mlf__store(mlf_store *store)
{
    return (mlf_sql_store *)store;
}

typedef struct {
    char *const *experiment_ids;
    size_t n_ids;
    const mlf_store_filter_cond *conds;
    size_t n_conds;
    int64_t max_results;
    const mlf_search_order *orders;
    size_t n_orders;
    int64_t offset;
    mlf_store_eval_dataset_page *ret;
} mlf__search_args;

/* An optional int64 column: unset when NULL (the proto field stays absent). */
static void mlf__opt_int(mlf_sql_stmt *st, int col, protobuf_c_boolean *has, int64_t *v)
{
    *has = mlf_sql_column_type(st, col) != MLF_SQL_NULL;
    *v = *has ? mlf_sql_column_int64(st, col) : 0;
}

static Mlflow__Datasets__Dataset *mlf__row(mlf_pool *pool, mlf_sql_stmt *st)
{
    Mlflow__Datasets__Dataset *d = MLF_NEW(pool, Mlflow__Datasets__Dataset);
    mlflow__datasets__dataset__init(d);
    d->dataset_id = mlf_sql_column_text_dup(pool, st, 0);
    d->name = mlf_sql_column_text_dup(pool, st, 1);
    d->schema = mlf_sql_column_text_dup(pool, st, 2);
    d->profile = mlf_sql_column_text_dup(pool, st, 3);
    d->digest = mlf_sql_column_text_dup(pool, st, 4);
    mlf__opt_int(st, 5, &d->has_created_time, &d->created_time);
    mlf__opt_int(st, 6, &d->has_last_update_time, &d->last_update_time);
    d->created_by = mlf_sql_column_text_dup(pool, st, 7);
    d->last_updated_by = mlf_sql_column_text_dup(pool, st, 8);
    return d;
}

/* SQLAlchemy's selectin loader: the ids of up to this many parents a query */
#define MLF__SELECTIN_CHUNK 500

/*
 * The tags of each dataset as json.dumps of the {key: value} dict MLflow builds
 * (its default separators, ASCII escapes); "{}" without tags, which MLflow
 * still sets. Keys in the order MLflow's select-in load reads them: its
 * statement, `dataset_id IN (?, ...)` for up to 500 datasets, without ORDER BY.
 * SQLite reads that by the dataset_id index (rowid order, said here); on
 * PostgreSQL the same statement gets the same plan, whose order (an updated
 * row may keep its first place, or not) ORDER BY ctid would not give.
 */
static int mlf__load_tags(mlf_sql_conn *c, mlf_pool *pool, Mlflow__Datasets__Dataset *const *ds, size_t n,
                          mlf_error *err)
{
    mlf_buf *bufs = MLF_NEW_ARRAY(pool, mlf_buf, n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        mlf_buf_init(&bufs[i], pool, 64);
        mlf_buf_putc(&bufs[i], '{');
    }
    for (size_t from = 0; from < n; from += MLF__SELECTIN_CHUNK) {
        size_t m = n - from < MLF__SELECTIN_CHUNK ? n - from : MLF__SELECTIN_CHUNK;
        mlf_buf sql;
        mlf_buf_init(&sql, pool, 128 + 3 * m);
        mlf_buf_puts(&sql, "SELECT dataset_id, key, value FROM evaluation_dataset_tags WHERE dataset_id IN (");
        for (size_t i = 0; i < m; i++)
            mlf_buf_puts(&sql, i ? ", ?" : "?");
        mlf_buf_puts(&sql, mlf_sql_dialect_of(c) == MLF_SQL_SQLITE ? ") ORDER BY rowid" : ")");
        mlf_sql_stmt *st;
        int rc = mlf_sql_prepare(c, pool, sql.data, &st, err);
        if (rc < 0)
            return rc;
        for (size_t i = 0; i < m; i++)
            mlf_sql_bind_text(st, (int)i + 1, ds[from + i]->dataset_id);
        size_t hit = 0;
        while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
            const char *id = (const char *)mlf_sql_column_text(st, 0);
            if (strcmp(ds[from + hit]->dataset_id, id) != 0)
                for (hit = 0; hit + 1 < m && strcmp(ds[from + hit]->dataset_id, id) != 0; hit++)
                    ;
            mlf_buf *b = &bufs[from + hit];
            if (b->len > 1)
                mlf_buf_puts(b, ", ");
            mlf_buf_puts(b, mlf_pystr_json_dumps(pool, (const char *)mlf_sql_column_text(st, 1)));
            mlf_buf_puts(b, ": ");
            if (mlf_sql_column_type(st, 2) == MLF_SQL_NULL)
                mlf_buf_puts(b, "null");
            else
                mlf_buf_puts(b, mlf_pystr_json_dumps(pool, (const char *)mlf_sql_column_text(st, 2)));
        }
        if (rc != MLF_SQL_DONE)
            return mlf_sql_error(pool, c, rc, err);
        mlf_sql_reset(st);
    }
    for (size_t i = 0; i < n; i++) {
        mlf_buf_putc(&bufs[i], '}');
        ds[i]->tags = bufs[i].data;
    }
    return 0;
}

static int mlf__search_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__search_args *a = arg;
    mlf_buf sql;
    mlf_buf_init(&sql, pool, 512);
    mlf_buf_puts(&sql, "SELECT " MLF__EDS_COLUMNS " FROM evaluation_datasets");
    if (a->n_ids > 0)
        /* search_entities_by_destination: the datasets associated with the experiments */
        mlf_buf_puts(&sql, " WHERE dataset_id IN (SELECT source_id FROM entity_associations "
                           "WHERE destination_type = 'experiment' AND source_type = 'evaluation_dataset' "
                           "AND destination_id IN (SELECT value FROM json_each(?)))");
    else
        mlf_buf_puts(&sql, " WHERE 1 = 1");
    mlf__sql_filter_conds(c, &sql, a->conds, a->n_conds, "dataset_id");
    mlf_buf_puts(&sql, " ORDER BY ");
    bool by_id = false;
    for (size_t i = 0; i < a->n_orders; i++) {
        /* the keys were checked against the three sortable columns */
        mlf_buf_printf(&sql, "%s %s, ", a->orders[i].key, a->orders[i].ascending ? "ASC" : "DESC");
        by_id = by_id || strcmp(a->orders[i].key, "dataset_id") == 0;
    }
    if (a->n_orders == 0)
        mlf_buf_puts(&sql, "created_time DESC, ");
    if (!by_id)
        mlf_buf_puts(&sql, "dataset_id DESC, ");
    sql.len -= 2;
    sql.data[sql.len] = '\0';
    mlf_buf_puts(&sql, " LIMIT ? OFFSET ?");

    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, sql.data, &st, err);
    if (rc < 0)
        return rc;
    if (a->n_ids > 0) {
        mlf_sql_bind_text(st, 1, mlf__sql_json_strings(pool, (const char *const *)a->experiment_ids, a->n_ids));
    }
    /* PostgreSQL wants every numbered parameter used: the placeholders are counted */
    int p = a->n_ids > 0 ? 2 : 1;
    mlf__sql_filter_bind(st, &p, a->conds, a->n_conds);
    mlf_sql_bind_int64(st, p, a->max_results + 1);
    mlf_sql_bind_int64(st, p + 1, a->offset);
    size_t cap = 16, n = 0;
    Mlflow__Datasets__Dataset **ds = MLF_NEW_ARRAY(pool, Mlflow__Datasets__Dataset *, cap);
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        if (n == cap) {
            Mlflow__Datasets__Dataset **d2 = MLF_NEW_ARRAY(pool, Mlflow__Datasets__Dataset *, cap * 2);
            memcpy(d2, ds, n * sizeof(*ds));
            ds = d2;
            cap *= 2;
        }
        ds[n++] = mlf__row(pool, st);
    }
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    mlf_sql_reset(st);
    a->ret->next_page_token = NULL;
    if ((int64_t)n > a->max_results) {
        n = (size_t)a->max_results;
        a->ret->next_page_token = mlf_search_page_token_encode(pool, a->offset + a->max_results);
    }
    rc = mlf__load_tags(c, pool, ds, n, err);
    if (rc < 0)
        return rc;
    a->ret->datasets = ds;
    a->ret->n = n;
    return 0;
}

int mlf_store_search_evaluation_datasets(mlf_store *store, mlf_pool *pool, char *const *experiment_ids, size_t n_ids,
                                         const mlf_store_filter_cond *conds, size_t n_conds, int64_t max_results,
                                         const mlf_search_order *orders, size_t n_orders, int64_t offset,
                                         mlf_store_eval_dataset_page *ret, mlf_error *err)
{
    mlf__search_args a = {experiment_ids, n_ids, conds, n_conds, max_results, orders, n_orders, offset, ret};
    return mlf_sql_in_read(mlf__store(store), pool, mlf__search_tx, &a, err);
}

int mlf__sql_eval_dataset_fetch(mlf_sql_conn *c, mlf_pool *pool, const char *dataset_id, bool with_tags,
                                Mlflow__Datasets__Dataset **ret, mlf_error *err)
{
    *ret = NULL;
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, "SELECT " MLF__EDS_COLUMNS " FROM evaluation_datasets WHERE dataset_id = ?", &st,
                             err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, dataset_id);
    rc = mlf_sql_step(st);
    if (rc == MLF_SQL_ROW)
        *ret = mlf__row(pool, st);
    else if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    mlf_sql_reset(st);
    if (*ret != NULL && with_tags)
        return mlf__load_tags(c, pool, ret, 1, err);
    return 0;
}

/* One statement with text parameters (NULL binds NULL), run to completion. */
static int mlf__run(mlf_sql_conn *c, mlf_pool *pool, const char *sql, const char *const *params, int n,
                    mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, sql, &st, err);
    if (rc < 0)
        return rc;
    for (int i = 0; i < n; i++)
        mlf_sql_bind_text(st, i + 1, params[i]);
    return mlf__sql_step_done(c, pool, st, err);
}

/* Python's str() of a tag value json.loads gave (a str as itself) */
static const char *mlf__py_str(mlf_pool *pool, const mlf_json *v)
{
    if (v->type == MLF_JSON_STRING)
        return v->text;
    mlf_buf b;
    mlf_buf_init(&b, pool, 32);
    mlf_pystr_put_json_repr(pool, &b, v, 1000);
    return b.data;
}

int mlf__sql_py_in(mlf_pool *pool, const mlf_json *container, const char *key, bool *ret, mlf_error *err)
{
    *ret = false;
    switch (container->type) {
    case MLF_JSON_OBJECT:
        *ret = mlf_json_get(container, key) != NULL;
        return 0;
    case MLF_JSON_STRING:
        *ret = strstr(container->text, key) != NULL;
        return 0;
    case MLF_JSON_ARRAY:
        for (size_t i = 0; i < container->n; i++)
            if (container->items[i]->type == MLF_JSON_STRING && strcmp(container->items[i]->text, key) == 0)
                *ret = true;
        return 0;
    default:
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "argument of type '%s' is not iterable",
                             mlf_json_py_type(container));
    }
}

int mlf__sql_py_user(mlf_pool *pool, const mlf_json *tags, const char **ret, mlf_error *err)
{
    *ret = NULL;
    bool in = false;
    if (tags == NULL || !mlf_json_truthy(tags))
        return 0;
    int rc = mlf__sql_py_in(pool, tags, "mlflow.user", &in, err);
    if (rc < 0 || !in)
        return rc;
    if (tags->type == MLF_JSON_STRING)
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "string indices must be integers, not 'str'");
    if (tags->type == MLF_JSON_ARRAY)
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "list indices must be integers or slices, not str");
    const mlf_json *u = mlf_json_get(tags, "mlflow.user");
    *ret = u->type == MLF_JSON_NULL ? NULL : mlf__py_str(pool, u);
    return 0;
}

static int mlf__no_items(mlf_pool *pool, const mlf_json *v, mlf_error *err)
{
    return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "'%s' object has no attribute 'items'",
                         mlf_json_py_type(v));
}

typedef struct {
    const char *name;
    const mlf_json *tags;
    char *const *ids;
    size_t n_ids;
    bool add;
    const char *dataset_id;
    const char *key;
    Mlflow__Datasets__Dataset *ret;
    char **ret_ids;
    size_t ret_n;
} mlf__args;

/* One dataset -> experiment association (if_new: none when it is there already). */
static int mlf__associate(mlf_sql_conn *c, mlf_pool *pool, const char *association_id, const char *dataset_id,
                          const char *experiment_id, int64_t now, bool if_new, mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool,
                             if_new ? "INSERT INTO entity_associations (association_id, source_type, source_id, "
                                      "destination_type, destination_id, created_time) VALUES (?, "
                                      "'evaluation_dataset', ?, 'experiment', ?, ?) ON CONFLICT DO NOTHING"
                                    : "INSERT INTO entity_associations (association_id, source_type, source_id, "
                                      "destination_type, destination_id, created_time) VALUES (?, "
                                      "'evaluation_dataset', ?, 'experiment', ?, ?)",
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, association_id);
    mlf_sql_bind_text(st, 2, dataset_id);
    mlf_sql_bind_text(st, 3, experiment_id);
    mlf_sql_bind_int64(st, 4, now);
    return mlf__sql_step_done(c, pool, st, err);
}

static int mlf__create_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    mlf__args *a = arg;
    const mlf_json *tags = a->tags;
    const char *user;
    int rc = mlf__sql_py_user(pool, tags, &user, err);
    if (rc < 0)
        return rc;
    if (tags != NULL && tags->type != MLF_JSON_OBJECT)
        return mlf__no_items(pool, tags, err);
    int64_t now = mlf_sql_now_ms();
    char *id = mlf_pool_sprintf(pool, "d-%s", mlf__sql_uuid4_hex(pool));
    mlf_sql_stmt *st;
    rc = mlf_sql_prepare(c, pool,
                         "INSERT INTO evaluation_datasets (dataset_id, name, schema, profile, digest, created_time, "
                         "last_update_time, created_by, last_updated_by) VALUES (?, ?, NULL, NULL, ?, ?, ?, ?, ?)",
                         &st, err);
    if (rc < 0)
        return rc;
    const char *digest = mlf__sql_eval_dataset_digest(pool, a->name, now);
    mlf_sql_bind_text(st, 1, id);
    mlf_sql_bind_text(st, 2, a->name);
    mlf_sql_bind_text(st, 3, digest);
    mlf_sql_bind_int64(st, 4, now);
    mlf_sql_bind_int64(st, 5, now);
    mlf_sql_bind_text(st, 6, user);
    mlf_sql_bind_text(st, 7, user);
    rc = mlf__sql_step_done(c, pool, st, err);
    for (size_t i = 0; rc == 0 && tags != NULL && i < tags->n; i++) {
        const mlf_json *v = tags->items[i];
        const char *p[] = {id, tags->keys[i], v->type == MLF_JSON_NULL ? NULL : mlf__py_str(pool, v)};
        rc = mlf__run(c, pool, "INSERT INTO evaluation_dataset_tags (dataset_id, key, value) VALUES (?, ?, ?)", p, 3,
                      err);
    }
    for (size_t i = 0; rc == 0 && i < a->n_ids; i++)
        rc = mlf__associate(c, pool, mlf_pool_sprintf(pool, "a-%s", mlf__sql_uuid4_hex(pool)), id, a->ids[i], now,
                            false, err);
    if (rc < 0)
        return rc;
    rc = mlf__sql_eval_dataset_fetch(c, pool, id, true, &a->ret, err);
    if (rc < 0)
        return rc;
    a->ret->experiment_ids = (char **)a->ids;
    a->ret->n_experiment_ids = a->n_ids;
    return 0;
}

int mlf_store_create_evaluation_dataset(mlf_store *store, mlf_pool *pool, const char *name, const mlf_json *tags,
                                        char *const *experiment_ids, size_t n_ids, Mlflow__Datasets__Dataset **ret,
                                        mlf_error *err)
{
    mlf__args a = {.name = name, .tags = tags, .ids = experiment_ids, .n_ids = n_ids};
    int rc = mlf_sql_in_write(mlf__store(store), pool, mlf__create_tx, &a, err);
    *ret = a.ret;
    return rc;
}

static int mlf__get_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    mlf__args *a = arg;
    int rc = mlf__sql_eval_dataset_fetch(c, pool, a->dataset_id, true, &a->ret, err);
    if (rc == 0 && a->ret == NULL)
        return mlf_error_set(err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Evaluation dataset with id '%s' not found",
                             a->dataset_id);
    return rc;
}

int mlf_store_get_evaluation_dataset(mlf_store *store, mlf_pool *pool, const char *dataset_id,
                                     Mlflow__Datasets__Dataset **ret, mlf_error *err)
{
    mlf__args a = {.dataset_id = dataset_id};
    int rc = mlf_sql_in_read(mlf__store(store), pool, mlf__get_tx, &a, err);
    *ret = a.ret;
    return rc;
}

static int mlf__delete_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    mlf__args *a = arg;
    Mlflow__Datasets__Dataset *d;
    int rc = mlf__sql_eval_dataset_fetch(c, pool, a->dataset_id, false, &d, err);
    if (rc < 0 || d == NULL)
        return rc;
    const char *p[] = {a->dataset_id, a->dataset_id};
    static const char *const sql[] = {
        "DELETE FROM entity_associations WHERE (destination_type = 'evaluation_dataset' AND destination_id = ?) OR "
        "(source_type = 'evaluation_dataset' AND source_id = ?)",
        "DELETE FROM evaluation_dataset_records WHERE dataset_id = ?",
        "DELETE FROM evaluation_dataset_tags WHERE dataset_id = ?",
        "DELETE FROM evaluation_datasets WHERE dataset_id = ?",
    };
    for (size_t i = 0; rc == 0 && i < sizeof(sql) / sizeof(sql[0]); i++)
        rc = mlf__run(c, pool, sql[i], p, i == 0 ? 2 : 1, err);
    return rc;
}

int mlf_store_delete_evaluation_dataset(mlf_store *store, mlf_pool *pool, const char *dataset_id, mlf_error *err)
{
    mlf__args a = {.dataset_id = dataset_id};
    return mlf_sql_in_write(mlf__store(store), pool, mlf__delete_tx, &a, err);
}

static int mlf__set_tags_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    mlf__args *a = arg;
    Mlflow__Datasets__Dataset *d;
    int rc = mlf__sql_eval_dataset_fetch(c, pool, a->dataset_id, false, &d, err);
    if (rc < 0)
        return rc;
    if (d == NULL)
        return mlf_error_set(err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Could not find evaluation dataset with ID %s",
                             a->dataset_id);
    if (a->tags->type != MLF_JSON_OBJECT)
        return mlf__no_items(pool, a->tags, err);
    for (size_t i = 0; rc == 0 && i < a->tags->n; i++) {
        const mlf_json *v = a->tags->items[i];
        if (v->type == MLF_JSON_NULL)
            continue;
        const char *p[] = {a->dataset_id, a->tags->keys[i], mlf__py_str(pool, v)};
        rc = mlf__run(c, pool,
                      "INSERT INTO evaluation_dataset_tags (dataset_id, key, value) VALUES (?, ?, ?) "
                      "ON CONFLICT (dataset_id, key) DO UPDATE SET value = excluded.value",
                      p, 3, err);
    }
    return rc;
}

int mlf_store_set_evaluation_dataset_tags(mlf_store *store, mlf_pool *pool, const char *dataset_id,
                                          const mlf_json *tags, mlf_error *err)
{
    mlf__args a = {.dataset_id = dataset_id, .tags = tags};
    return mlf_sql_in_write(mlf__store(store), pool, mlf__set_tags_tx, &a, err);
}

static int mlf__delete_tag_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    mlf__args *a = arg;
    Mlflow__Datasets__Dataset *d;
    int rc = mlf__sql_eval_dataset_fetch(c, pool, a->dataset_id, false, &d, err);
    if (rc < 0 || d == NULL)
        return rc;
    const char *p[] = {a->dataset_id, a->key};
    return mlf__run(c, pool, "DELETE FROM evaluation_dataset_tags WHERE dataset_id = ? AND key = ?", p, 2, err);
}

int mlf_store_delete_evaluation_dataset_tag(mlf_store *store, mlf_pool *pool, const char *dataset_id,
                                            const char *key, mlf_error *err)
{
    mlf__args a = {.dataset_id = dataset_id, .key = key};
    return mlf_sql_in_write(mlf__store(store), pool, mlf__delete_tag_tx, &a, err);
}

static int mlf__exp_ids_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    mlf__args *a = arg;
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool,
                             "SELECT destination_id FROM entity_associations WHERE source_type = 'evaluation_dataset' "
                             "AND source_id = ? AND destination_type = 'experiment' "
                             "ORDER BY created_time, destination_id",
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, a->dataset_id);
    size_t cap = 8;
    a->ret_ids = MLF_NEW_ARRAY(pool, char *, cap);
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        if (a->ret_n == cap) {
            char **v = MLF_NEW_ARRAY(pool, char *, cap * 2);
            memcpy(v, a->ret_ids, cap * sizeof(*v));
            a->ret_ids = v;
            cap *= 2;
        }
        a->ret_ids[a->ret_n++] = mlf_sql_column_text_dup(pool, st, 0);
    }
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    mlf_sql_reset(st);
    return 0;
}

int mlf_store_get_evaluation_dataset_experiment_ids(mlf_store *store, mlf_pool *pool, const char *dataset_id,
                                                    char ***ret, size_t *ret_n, mlf_error *err)
{
    mlf__args a = {.dataset_id = dataset_id};
    int rc = mlf_sql_in_read(mlf__store(store), pool, mlf__exp_ids_tx, &a, err);
    *ret = a.ret_ids;
    *ret_n = a.ret_n;
    return rc;
}

static int mlf__link_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    mlf__args *a = arg;
    Mlflow__Datasets__Dataset *d;
    int rc = mlf__sql_eval_dataset_fetch(c, pool, a->dataset_id, false, &d, err);
    if (rc < 0)
        return rc;
    if (d == NULL)
        return mlf_error_set(err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Dataset '%s' not found", a->dataset_id);
    bool changed = a->add;
    for (size_t i = 0; a->add && i < a->n_ids; i++) {
        /* SqlExperiment.experiment_id IN (...): deleted experiments count */
        mlf_sql_stmt *st;
        rc = mlf_sql_prepare(c, pool, "SELECT 1 FROM experiments WHERE CAST(experiment_id AS TEXT) = ?", &st, err);
        if (rc < 0)
            return rc;
        mlf_sql_bind_text(st, 1, a->ids[i]);
        rc = mlf_sql_step(st);
        if (rc != MLF_SQL_ROW && rc != MLF_SQL_DONE)
            return mlf_sql_error(pool, c, rc, err);
        mlf_sql_reset(st);
        if (rc == MLF_SQL_DONE)
            return mlf_error_set(err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "No Experiment with id=%s", a->ids[i]);
    }
    int64_t now = mlf_sql_now_ms();
    for (size_t i = 0; i < a->n_ids; i++) {
        mlf_sql_stmt *st;
        if (a->add) {
            /* bulk_save_objects of the associations not there yet (association_id without "a-") */
            rc = mlf__associate(c, pool, mlf__sql_uuid4_hex(pool), a->dataset_id, a->ids[i], now, true, err);
        } else {
            rc = mlf_sql_prepare(c, pool,
                                 "DELETE FROM entity_associations WHERE source_type = 'evaluation_dataset' AND "
                                 "source_id = ? AND destination_type = 'experiment' AND destination_id = ?",
                                 &st, err);
            if (rc < 0)
                return rc;
            mlf_sql_bind_text(st, 1, a->dataset_id);
            mlf_sql_bind_text(st, 2, a->ids[i]);
            rc = mlf__sql_step_done(c, pool, st, err);
        }
        if (rc < 0)
            return rc;
        changed = changed || mlf_sql_changes(c) > 0;
    }
    if (changed) {
        mlf_sql_stmt *st;
        rc = mlf_sql_prepare(c, pool, "UPDATE evaluation_datasets SET last_update_time = ? WHERE dataset_id = ?", &st,
                             err);
        if (rc < 0)
            return rc;
        mlf_sql_bind_int64(st, 1, now);
        mlf_sql_bind_text(st, 2, a->dataset_id);
        rc = mlf__sql_step_done(c, pool, st, err);
        if (rc < 0)
            return rc;
    }
    return mlf__sql_eval_dataset_fetch(c, pool, a->dataset_id, true, &a->ret, err);
}

int mlf_store_link_evaluation_dataset(mlf_store *store, mlf_pool *pool, const char *dataset_id,
                                      char *const *experiment_ids, size_t n_ids, bool add,
                                      Mlflow__Datasets__Dataset **ret, mlf_error *err)
{
    mlf__args a = {.dataset_id = dataset_id, .ids = experiment_ids, .n_ids = n_ids, .add = add};
    int rc = mlf_sql_in_write(mlf__store(store), pool, mlf__link_tx, &a, err);
    *ret = a.ret;
    return rc;
}
