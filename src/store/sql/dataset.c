/*
 * Run inputs on both backends, mirroring SqlAlchemyStore.log_inputs /
 * _log_inputs_impl and _search_datasets (MLflow 3.18): datasets, the
 * dataset -> run input edges with their input tags, model inputs, and the
 * dataset summaries of experiments. Dataset and tag limits are checked by
 * the caller (service/validate.h), as MLflow checks them before the session.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "store/pystr.h"
#include "store/sql/sql.h"

/* mlflow.utils.mlflow_tags.MLFLOW_DATASET_CONTEXT */
#define MLF__DATASET_CONTEXT "mlflow.data.context"
/* MAX_DATASET_SUMMARIES_RESULTS of _search_datasets */
#define MLF__MAX_DATASET_SUMMARIES 1000

char *mlf__sql_uuid4_hex(mlf_pool *pool)
{
    unsigned char b[16];
    mlf__sql_random(b, sizeof(b));
    b[6] = (unsigned char)((b[6] & 0x0F) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80); /* RFC 4122 variant */
    static const char hex[] = "0123456789abcdef";
    char *out = mlf_pool_alloc(pool, 33);
    for (int i = 0; i < 16; i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 0x0F];
    }
    return out;
}

int mlf__sql_active_run(mlf_sql_conn *c, mlf_pool *pool, const char *run_id, int64_t *ret_experiment_id, mlf_error *err)
{
    mlf__sql_run_row row = {0};
    int rc = mlf__sql_run_require_active(c, pool, run_id, &row, err);
    if (rc == 0 && ret_experiment_id != NULL)
        *ret_experiment_id = row.experiment_id;
    return rc;
}

/* An unset proto2 string reads as "" in Python. */
static const char *mlf__str(const char *s)
{
    return s != NULL ? s : "";
}

/* One distinct (name, digest) of the request, with the dataset uuid it resolves to. */
typedef struct {
    const Mlflow__Dataset *dataset; /** NULL when the input had none: every field reads as "" */
    const char *name;
    const char *digest;
    const char *uuid; /** existing or new dataset_uuid */
    bool is_new;
    const Mlflow__DatasetInput *input; /** the first input with this key */
    size_t slot;                       /** position in the request */
} mlf__ds;

static int mlf__cmp_key(const mlf__ds *x, const mlf__ds *y)
{
    int c = strcmp(x->name, y->name);
    return c != 0 ? c : strcmp(x->digest, y->digest);
}

static int mlf__cmp_ds(const void *a, const void *b)
{
    return mlf__cmp_key(a, b);
}

/* By key, then request position: the first of each run of equal keys is its first occurrence. */
static int mlf__cmp_ds_slot(const void *a, const void *b)
{
    const mlf__ds *x = a, *y = b;
    int c = mlf__cmp_key(x, y);
    return c != 0 ? c : (x->slot > y->slot) - (x->slot < y->slot);
}

static void mlf__json_string_array(mlf_buf *b, const mlf__ds *ds, size_t n, bool digests)
{
    mlf_buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        const char *s = digests ? ds[i].digest : ds[i].name;
        if (i > 0)
            mlf_buf_putc(b, ',');
        mlf_json_write_string(b, s, strlen(s));
    }
    mlf_buf_putc(b, ']');
}

/*
 * Resolves each key to an existing dataset the way MLflow does: one query of
 * the run's experiment's datasets whose name is among the names and digest
 * among the digests; the last row of a key (table order) wins.
 */
static int mlf__find_datasets(mlf_sql_conn *c, mlf_pool *pool, int64_t experiment_id, mlf__ds *ds, size_t n,
                              mlf_error *err)
{
    mlf__ds *sorted = MLF_NEW_ARRAY(pool, mlf__ds, n);
    memcpy(sorted, ds, n * sizeof(*ds));
    for (size_t i = 0; i < n; i++)
        sorted[i].slot = i;
    qsort(sorted, n, sizeof(*sorted), mlf__cmp_ds);
    mlf_buf names, digests;
    mlf_buf_init(&names, pool, 64);
    mlf_buf_init(&digests, pool, 64);
    mlf__json_string_array(&names, ds, n, false);
    mlf__json_string_array(&digests, ds, n, true);

    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool,
                             "SELECT name, digest, dataset_uuid FROM datasets WHERE experiment_id = ? "
                             "AND name IN (SELECT value FROM json_each(?)) "
                             "AND digest IN (SELECT value FROM json_each(?)) ORDER BY rowid",
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_int64(st, 1, experiment_id);
    mlf_sql_bind_text(st, 2, names.data);
    mlf_sql_bind_text(st, 3, digests.data);
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        mlf__ds key = {.name = (const char *)mlf_sql_column_text(st, 0),
                       .digest = (const char *)mlf_sql_column_text(st, 1)};
        if (key.name == NULL || key.digest == NULL)
            continue;
        mlf__ds *hit = bsearch(&key, sorted, n, sizeof(*sorted), mlf__cmp_ds);
        if (hit != NULL)
            ds[hit->slot].uuid = mlf_sql_column_text_dup(pool, st, 2);
    }
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    mlf_sql_reset(st);
    return 0;
}

static int mlf__insert_dataset(mlf_sql_conn *c, mlf_pool *pool, int64_t experiment_id, const mlf__ds *d, mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool,
                             "INSERT INTO datasets (dataset_uuid, experiment_id, name, digest, dataset_source_type, "
                             "dataset_source, dataset_schema, dataset_profile) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                             &st, err);
    if (rc < 0)
        return rc;
    const Mlflow__Dataset *ds = d->dataset;
    mlf_sql_bind_text(st, 1, d->uuid);
    mlf_sql_bind_int64(st, 2, experiment_id);
    mlf_sql_bind_text(st, 3, d->name);
    mlf_sql_bind_text(st, 4, d->digest);
    mlf_sql_bind_text(st, 5, mlf__str(ds != NULL ? ds->source_type : NULL));
    mlf_sql_bind_text(st, 6, mlf__str(ds != NULL ? ds->source : NULL));
    /* Dataset.from_proto keeps schema and profile only when set */
    mlf_sql_bind_text(st, 7, ds != NULL ? ds->schema : NULL);
    mlf_sql_bind_text(st, 8, ds != NULL ? ds->profile : NULL);
    return mlf__sql_step_done(c, pool, st, err);
}

/* Whether the run already has an input edge from the dataset. */
static int mlf__has_input(mlf_sql_conn *c, mlf_pool *pool, const char *dataset_uuid, const char *run_id, bool *ret,
                          mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool,
                             "SELECT 1 FROM inputs WHERE source_type = 'DATASET' AND source_id = ? "
                             "AND destination_type = 'RUN' AND destination_id = ?",
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, dataset_uuid);
    mlf_sql_bind_text(st, 2, run_id);
    rc = mlf_sql_step(st);
    mlf_sql_reset(st);
    if (rc != MLF_SQL_ROW && rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    *ret = rc == MLF_SQL_ROW;
    return 0;
}

/* A new dataset -> run edge with the input's tags (a tag key given twice is MLflow's IntegrityError). */
static int mlf__insert_input(mlf_sql_conn *c, mlf_pool *pool, const char *dataset_uuid, const char *run_id,
                             const Mlflow__DatasetInput *in, mlf_error *err)
{
    const char *input_uuid = mlf__sql_uuid4_hex(pool);
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool,
                             "INSERT INTO inputs (input_uuid, source_type, source_id, destination_type, "
                             "destination_id) VALUES (?, 'DATASET', ?, 'RUN', ?)",
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, input_uuid);
    mlf_sql_bind_text(st, 2, dataset_uuid);
    mlf_sql_bind_text(st, 3, run_id);
    rc = mlf__sql_step_done(c, pool, st, err);
    for (size_t i = 0; rc == 0 && in != NULL && i < in->n_tags; i++) {
        const Mlflow__InputTag *t = in->tags[i];
        rc = mlf_sql_prepare(c, pool, "INSERT INTO input_tags (input_uuid, name, value) VALUES (?, ?, ?)", &st, err);
        if (rc < 0)
            return rc;
        mlf_sql_bind_text(st, 1, input_uuid);
        mlf_sql_bind_text(st, 2, mlf__str(t != NULL ? t->key : NULL));
        mlf_sql_bind_text(st, 3, mlf__str(t != NULL ? t->value : NULL));
        rc = mlf__sql_step_done(c, pool, st, err);
    }
    return rc;
}

/* session.merge of a run -> model input: a repeated one only gets a new input_uuid. */
static int mlf__merge_model_input(mlf_sql_conn *c, mlf_pool *pool, const char *run_id, const char *model_id,
                                  mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool,
                             "INSERT INTO inputs (input_uuid, source_type, source_id, destination_type, "
                             "destination_id) VALUES (?, 'RUN_INPUT', ?, 'MODEL_INPUT', ?) "
                             "ON CONFLICT (source_type, source_id, destination_type, destination_id) "
                             "DO UPDATE SET input_uuid = excluded.input_uuid",
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, mlf__sql_uuid4_hex(pool));
    mlf_sql_bind_text(st, 2, run_id);
    mlf_sql_bind_text(st, 3, model_id);
    return mlf__sql_step_done(c, pool, st, err);
}

typedef struct mlf__log_inputs_arg {
    const char *run_id;
    Mlflow__DatasetInput *const *datasets;
    size_t n_datasets;
    Mlflow__ModelInput *const *models;
    size_t n_models;
} mlf__log_inputs_arg;

static int mlf__log_inputs_in_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__log_inputs_arg *a = arg;
    const char *run_id = a->run_id;
    Mlflow__DatasetInput *const *datasets = a->datasets;
    size_t n_datasets = a->n_datasets;
    Mlflow__ModelInput *const *models = a->models;
    size_t n_models = a->n_models;
    int64_t experiment_id = 0;
    int rc = mlf__sql_active_run(c, pool, run_id, &experiment_id, err);
    if (rc < 0)
        return rc;

    /* dedup by (name, digest), keeping the first occurrence and the request order */
    mlf__ds *all = MLF_NEW_ARRAY(pool, mlf__ds, n_datasets + 1);
    for (size_t i = 0; i < n_datasets; i++) {
        const Mlflow__Dataset *d = datasets[i] != NULL ? datasets[i]->dataset : NULL;
        all[i] = (mlf__ds){.dataset = d,
                           .name = mlf__str(d != NULL ? d->name : NULL),
                           .digest = mlf__str(d != NULL ? d->digest : NULL),
                           .input = datasets[i],
                           .slot = i};
    }
    mlf__ds *by_key = MLF_NEW_ARRAY(pool, mlf__ds, n_datasets + 1);
    memcpy(by_key, all, n_datasets * sizeof(*all));
    qsort(by_key, n_datasets, sizeof(*by_key), mlf__cmp_ds_slot);
    bool *keep = MLF_NEW_ARRAY(pool, bool, n_datasets + 1);
    for (size_t i = 0; i < n_datasets; i++)
        keep[by_key[i].slot] = i == 0 || mlf__cmp_key(&by_key[i - 1], &by_key[i]) != 0;
    mlf__ds *ds = MLF_NEW_ARRAY(pool, mlf__ds, n_datasets + 1);
    size_t n = 0;
    for (size_t i = 0; i < n_datasets; i++)
        if (keep[i])
            ds[n++] = all[i];

    if (n > 0) {
        rc = mlf__find_datasets(c, pool, experiment_id, ds, n, err);
        if (rc < 0)
            return rc;
    }
    for (size_t i = 0; i < n; i++) {
        if (ds[i].uuid != NULL)
            continue;
        ds[i].uuid = mlf__sql_uuid4_hex(pool);
        ds[i].is_new = true;
        rc = mlf__insert_dataset(c, pool, experiment_id, &ds[i], err);
        if (rc < 0)
            return rc;
    }
    for (size_t i = 0; i < n; i++) {
        bool exists = false;
        if (!ds[i].is_new) {
            rc = mlf__has_input(c, pool, ds[i].uuid, run_id, &exists, err);
            if (rc < 0)
                return rc;
        }
        /* a dataset logged again keeps its first edge and tags */
        if (exists)
            continue;
        rc = mlf__insert_input(c, pool, ds[i].uuid, run_id, ds[i].input, err);
        if (rc < 0)
            return rc;
    }
    for (size_t i = 0; i < n_models; i++) {
        rc = mlf__merge_model_input(c, pool, run_id, mlf__str(models[i] != NULL ? models[i]->model_id : NULL), err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int mlf_store_log_inputs(mlf_store *store, mlf_pool *pool, const char *run_id, Mlflow__DatasetInput *const *datasets,
                         size_t n_datasets, Mlflow__ModelInput *const *models, size_t n_models, mlf_error *err)
{
    mlf__log_inputs_arg a = {.run_id = mlf__str(run_id),
                             .datasets = datasets,
                             .n_datasets = n_datasets,
                             .models = models,
                             .n_models = n_models};
    return mlf_sql_in_write((mlf_sql_store *)store, pool, mlf__log_inputs_in_tx, &a, err);
}

/* ---- search datasets ---- */

static int mlf__search_datasets_in_tx(mlf_sql_conn *c, mlf_pool *pool, const char *sql, const int64_t *ids,
                                      size_t n_ids, Mlflow__DatasetSummary ***ret, size_t *ret_n, mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, sql, &st, err);
    if (rc < 0)
        return rc;
    int idx = 1;
    mlf_sql_bind_text(st, idx++, MLF__DATASET_CONTEXT);
    for (size_t i = 0; i < n_ids; i++)
        mlf_sql_bind_int64(st, idx++, ids[i]);
    mlf_sql_bind_int64(st, idx++, MLF__MAX_DATASET_SUMMARIES);
    size_t cap = 16, n = 0;
    Mlflow__DatasetSummary **out = MLF_NEW_ARRAY(pool, Mlflow__DatasetSummary *, cap);
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        if (n == cap) {
            cap *= 2;
            Mlflow__DatasetSummary **grown = MLF_NEW_ARRAY(pool, Mlflow__DatasetSummary *, cap);
            memcpy(grown, out, n * sizeof(*grown));
            out = grown;
        }
        Mlflow__DatasetSummary *d = MLF_NEW(pool, Mlflow__DatasetSummary);
        mlflow__dataset_summary__init(d);
        d->experiment_id = mlf_pool_sprintf(pool, "%" PRId64, (int64_t)mlf_sql_column_int64(st, 0));
        d->name = mlf_sql_column_text_dup(pool, st, 1);
        d->digest = mlf_sql_column_text_dup(pool, st, 2);
        /* DatasetSummary.to_proto sets context only when truthy */
        char *context = mlf_sql_column_text_dup(pool, st, 3);
        d->context = context != NULL && context[0] != '\0' ? context : NULL;
        out[n++] = d;
    }
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    mlf_sql_reset(st);
    *ret = out;
    *ret_n = n;
    return 0;
}

int mlf_store_search_datasets(mlf_store *store, mlf_pool *pool, char *const *experiment_ids, size_t n_experiment_ids,
                              Mlflow__DatasetSummary ***ret, size_t *ret_n, mlf_error *err)
{
    /* _parse_experiment_ids, before any session */
    int64_t *ids = MLF_NEW_ARRAY(pool, int64_t, n_experiment_ids + 1);
    for (size_t i = 0; i < n_experiment_ids; i++) {
        const char *raw = mlf__str(experiment_ids[i]);
        int rc = mlf_pystr_parse_int(raw, &ids[i]);
        if (rc == -1)
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                 "Invalid experiment ID '%s'. Experiment ID must be a valid integer.", raw);
        if (rc == -2)
            return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                                 "Python int too large to convert to SQLite INTEGER");
    }
    /* SQLAlchemy's query, so that SQLite returns the rows in MLflow's order */
    mlf_buf sql;
    mlf_buf_init(&sql, pool, 512);
    mlf_buf_puts(&sql, "SELECT DISTINCT datasets.experiment_id, datasets.name, datasets.digest, input_tags.value "
                       "FROM datasets JOIN inputs ON inputs.source_id = datasets.dataset_uuid "
                       "LEFT OUTER JOIN input_tags ON inputs.input_uuid = input_tags.input_uuid "
                       "AND input_tags.name = ? WHERE datasets.experiment_id IN (");
    for (size_t i = 0; i < n_experiment_ids; i++)
        mlf_buf_puts(&sql, i > 0 ? ", ?" : "?");
    mlf_buf_puts(&sql, ") LIMIT ? OFFSET 0");

    mlf_sql_store *s = (mlf_sql_store *)store;
    mlf_sql_conn *c;
    int rc = mlf_sql_read_begin(s, pool, &c, err);
    if (rc < 0)
        return rc;
    rc = mlf__search_datasets_in_tx(c, pool, sql.data, ids, n_experiment_ids, ret, ret_n, err);
    mlf_sql_read_end(s, c);
    return rc;
}
