/*
 * Evaluation datasets on both backends, mirroring SqlAlchemyStore.search_datasets
 * (MLflow 3.18): the datasets a search finds, with their tags, as
 * SqlEvaluationDataset.to_mlflow_entity().to_proto() gives them (records and
 * experiment ids are not loaded: the answer has none).
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

static void mlf__json_strings(mlf_buf *b, char *const *v, size_t n)
{
    mlf_buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            mlf_buf_putc(b, ',');
        mlf_json_write_string(b, v[i], strlen(v[i]));
    }
    mlf_buf_putc(b, ']');
}

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

/*
 * The tags of each dataset as json.dumps of the {key: value} dict MLflow builds
 * (its default separators, ASCII escapes); "{}" without tags, which MLflow
 * still sets. Keys in the order the rows were written, as MLflow's
 * select-in load reads them (no ORDER BY: table order).
 */
static int mlf__load_tags(mlf_sql_conn *c, mlf_pool *pool, Mlflow__Datasets__Dataset **ds, size_t n, mlf_error *err)
{
    for (size_t i = 0; i < n; i++) {
        mlf_sql_stmt *st;
        int rc = mlf_sql_prepare(c, pool, "SELECT key, value FROM evaluation_dataset_tags WHERE dataset_id = ? "
                                          "ORDER BY rowid", &st, err);
        if (rc < 0)
            return rc;
        mlf_sql_bind_text(st, 1, ds[i]->dataset_id);
        mlf_buf b;
        mlf_buf_init(&b, pool, 64);
        mlf_buf_putc(&b, '{');
        int k = 0;
        while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
            if (k++ > 0)
                mlf_buf_puts(&b, ", ");
            mlf_buf_puts(&b, mlf_pystr_json_dumps(pool, (const char *)mlf_sql_column_text(st, 0)));
            mlf_buf_puts(&b, ": ");
            if (mlf_sql_column_type(st, 1) == MLF_SQL_NULL)
                mlf_buf_puts(&b, "null");
            else
                mlf_buf_puts(&b, mlf_pystr_json_dumps(pool, (const char *)mlf_sql_column_text(st, 1)));
        }
        if (rc != MLF_SQL_DONE)
            return mlf_sql_error(pool, c, rc, err);
        mlf_sql_reset(st);
        mlf_buf_putc(&b, '}');
        ds[i]->tags = b.data;
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
        mlf_buf ids;
        mlf_buf_init(&ids, pool, 64);
        mlf__json_strings(&ids, a->experiment_ids, a->n_ids);
        mlf_sql_bind_text(st, 1, ids.data);
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
