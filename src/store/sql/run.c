/*
 * Runs on both backends, mirroring SqlAlchemyStore's run methods (create_run,
 * get_run, update_run_info, delete_run, restore_run, log_batch), the run
 * lookups the metric, param and tag files share, and the bulk loader of full
 * Run messages that get_run and search_runs use.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sys/random.h>

#include "store/pystr.h"
#include "store/sql/assessment.h"
#include "store/sql/sql.h"
#include "store/uri.h"

/* ---- bulk loading of Run messages ---- */

typedef struct {
    const char *uuid;
    size_t index;
} mlf__uuid_index;

static int mlf__cmp_uuid_index(const void *a, const void *b)
{
    const mlf__uuid_index *x = a, *y = b;
    int c = strcmp(x->uuid, y->uuid);
    if (c != 0)
        return c;
    return (x->index > y->index) - (x->index < y->index);
}

/*
 * The requested uuids sorted, and a cursor over them: every query below
 * returns its rows ordered by run uuid, so one forward walk matches rows to
 * runs without a search per row.
 */
typedef struct {
    mlf__uuid_index *map;
    size_t n;
    size_t pos;
} mlf__run_cursor;

/* Index (into the caller's array) of the run whose uuid is u, or -1; rows must come in ascending uuid order. */
static long mlf__cursor_find(mlf__run_cursor *cur, const char *u)
{
    while (cur->pos < cur->n) {
        int c = strcmp(cur->map[cur->pos].uuid, u);
        if (c == 0)
            return (long)cur->map[cur->pos].index;
        if (c > 0)
            return -1;
        cur->pos++;
    }
    return -1;
}

const char *mlf__sql_json_strings(mlf_pool *pool, const char *const *uuids, size_t n)
{
    mlf_buf b;
    mlf_buf_init(&b, pool, n * 35 + 2);
    mlf_buf_putc(&b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            mlf_buf_putc(&b, ',');
        mlf_buf_putc(&b, '"');
        for (const unsigned char *p = (const unsigned char *)(uuids[i] != NULL ? uuids[i] : ""); *p != '\0'; p++) {
            if (*p == '"' || *p == '\\')
                mlf_buf_printf(&b, "\\%c", *p);
            else if (*p < 0x20)
                mlf_buf_printf(&b, "\\u%04x", *p);
            else
                mlf_buf_putc(&b, (char)*p);
        }
        mlf_buf_putc(&b, '"');
    }
    mlf_buf_putc(&b, ']');
    return b.data;
}

/* A growable array of message pointers from the pool, filled grouped by run. */
typedef struct {
    void **items;
    size_t n, cap;
    mlf_pool *pool;
} mlf__ptrs;

static void mlf__ptrs_push(mlf__ptrs *a, void *p)
{
    if (a->n == a->cap) {
        a->cap = a->cap == 0 ? 64 : a->cap * 2;
        void **grown = MLF_NEW_ARRAY(a->pool, void *, a->cap);
        if (a->n > 0)
            memcpy(grown, a->items, a->n * sizeof(*grown));
        a->items = grown;
    }
    a->items[a->n++] = p;
}

/* Per-run slice [start, start+count) of an mlf__ptrs. */
typedef struct {
    size_t start, count;
} mlf__slice;

Mlflow__RunStatus mlf__sql_run_status_from_string(const char *s)
{
    if (s == NULL)
        return MLFLOW__RUN_STATUS__RUNNING;
    if (strcmp(s, "SCHEDULED") == 0)
        return MLFLOW__RUN_STATUS__SCHEDULED;
    if (strcmp(s, "FINISHED") == 0)
        return MLFLOW__RUN_STATUS__FINISHED;
    if (strcmp(s, "FAILED") == 0)
        return MLFLOW__RUN_STATUS__FAILED;
    if (strcmp(s, "KILLED") == 0)
        return MLFLOW__RUN_STATUS__KILLED;
    return MLFLOW__RUN_STATUS__RUNNING;
}

#define MLF__RUN_COLUMNS                                                                                               \
    "run_uuid, name, experiment_id, user_id, status, start_time, end_time, lifecycle_stage, artifact_uri"

/* RunInfo.to_proto of a row of MLF__RUN_COLUMNS. */
static Mlflow__RunInfo *mlf__row_to_info(mlf_pool *pool, mlf_sql_stmt *st)
{
    Mlflow__RunInfo *info = MLF_NEW(pool, Mlflow__RunInfo);
    mlflow__run_info__init(info);
    info->run_id = info->run_uuid = mlf_sql_column_text_dup(pool, st, 0);
    info->run_name = mlf_sql_column_text_dup(pool, st, 1);
    /* str(self.experiment_id) */
    if (mlf_sql_column_type(st, 2) == MLF_SQL_NULL)
        info->experiment_id = "None";
    else
        info->experiment_id = mlf_pool_sprintf(pool, "%" PRId64, (int64_t)mlf_sql_column_int64(st, 2));
    info->user_id = mlf_sql_column_text_dup(pool, st, 3);
    info->has_status = 1;
    info->status = mlf__sql_run_status_from_string((const char *)mlf_sql_column_text(st, 4));
    if (mlf_sql_column_type(st, 5) != MLF_SQL_NULL) {
        info->has_start_time = 1;
        info->start_time = mlf_sql_column_int64(st, 5);
    }
    /* end_time and artifact_uri only when truthy */
    int64_t end = mlf_sql_column_int64(st, 6);
    if (end != 0) {
        info->has_end_time = 1;
        info->end_time = end;
    }
    const char *uri = mlf_sql_column_text_dup(pool, st, 8);
    if (uri != NULL && uri[0] != '\0')
        info->artifact_uri = (char *)uri;
    info->lifecycle_stage = mlf_sql_column_text_dup(pool, st, 7);
    return info;
}

Mlflow__Metric *mlf__sql_row_to_metric(mlf_pool *pool, mlf_sql_stmt *st, int col)
{
    Mlflow__Metric *m = MLF_NEW(pool, Mlflow__Metric);
    mlflow__metric__init(m);
    m->key = mlf_sql_column_text_dup(pool, st, col);
    m->has_value = 1;
    m->value = mlf_sql_column_int(st, col + 4) ? NAN : mlf_sql_column_double(st, col + 1);
    if (mlf_sql_column_type(st, col + 2) != MLF_SQL_NULL) {
        m->has_timestamp = 1;
        m->timestamp = mlf_sql_column_int64(st, col + 2);
    }
    m->has_step = 1;
    m->step = mlf_sql_column_int64(st, col + 3);
    return m;
}

/*
 * Runs one `SELECT run_uuid, ...` ordered by run uuid with the uuid array
 * bound to ?1, and gives each row to add() with the index of its run.
 */
typedef void (*mlf__row_fn)(mlf_pool *pool, mlf_sql_stmt *st, size_t index, void *ctx);

static int mlf__for_each_row(mlf_sql_conn *c, mlf_pool *pool, const char *sql, const char *json, mlf__run_cursor *cur,
                             mlf__row_fn add, void *ctx, mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, sql, &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, json);
    cur->pos = 0;
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        long idx = mlf__cursor_find(cur, (const char *)mlf_sql_column_text(st, 0));
        if (idx >= 0)
            add(pool, st, (size_t)idx, ctx);
    }
    mlf_sql_reset(st);
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    return 0;
}

/* Collects rows into one array, noting each run's slice (rows of a run are contiguous). */
typedef struct {
    mlf__ptrs all;
    mlf__slice *slices;
    void *(*make)(mlf_pool *pool, mlf_sql_stmt *st);
} mlf__collect;

static void mlf__collect_row(mlf_pool *pool, mlf_sql_stmt *st, size_t index, void *ctx)
{
    mlf__collect *col = ctx;
    mlf__slice *s = &col->slices[index];
    if (s->count == 0)
        s->start = col->all.n;
    s->count++;
    mlf__ptrs_push(&col->all, col->make(pool, st));
}

static void *mlf__make_metric(mlf_pool *pool, mlf_sql_stmt *st)
{
    return mlf__sql_row_to_metric(pool, st, 1);
}

static void *mlf__make_param(mlf_pool *pool, mlf_sql_stmt *st)
{
    Mlflow__Param *p = MLF_NEW(pool, Mlflow__Param);
    mlflow__param__init(p);
    p->key = mlf_sql_column_text_dup(pool, st, 1);
    p->value = mlf_sql_column_text_dup(pool, st, 2);
    return p;
}

static void *mlf__make_tag(mlf_pool *pool, mlf_sql_stmt *st)
{
    Mlflow__RunTag *t = MLF_NEW(pool, Mlflow__RunTag);
    mlflow__run_tag__init(t);
    t->key = mlf_sql_column_text_dup(pool, st, 1);
    t->value = mlf_sql_column_text_dup(pool, st, 2);
    return t;
}

static void *mlf__make_model_input(mlf_pool *pool, mlf_sql_stmt *st)
{
    Mlflow__ModelInput *m = MLF_NEW(pool, Mlflow__ModelInput);
    mlflow__model_input__init(m);
    m->model_id = mlf_sql_column_text_dup(pool, st, 1);
    return m;
}

static void *mlf__make_model_output(mlf_pool *pool, mlf_sql_stmt *st)
{
    Mlflow__ModelOutput *m = MLF_NEW(pool, Mlflow__ModelOutput);
    mlflow__model_output__init(m);
    m->model_id = mlf_sql_column_text_dup(pool, st, 1);
    m->has_step = 1;
    m->step = mlf_sql_column_int64(st, 2);
    return m;
}

static int mlf__collect_all(mlf_sql_conn *c, mlf_pool *pool, const char *sql, const char *json, mlf__run_cursor *cur,
                            size_t n, void *(*make)(mlf_pool *, mlf_sql_stmt *), mlf__collect *col, mlf_error *err)
{
    col->all = (mlf__ptrs){.pool = pool};
    col->slices = MLF_NEW_ARRAY(pool, mlf__slice, n);
    col->make = make;
    return mlf__for_each_row(c, pool, sql, json, cur, mlf__collect_row, col, err);
}

/* Dataset inputs: rows (run, input_uuid, dataset..., tag name, tag value) grouped by input. */
typedef struct {
    mlf__ptrs all; /* Mlflow__DatasetInput */
    mlf__slice *slices;
    mlf__ptrs tags; /* the current input's tags */
    Mlflow__DatasetInput *cur;
    const char *cur_input;
    long cur_run;
} mlf__inputs;

static void mlf__inputs_close(mlf__inputs *in)
{
    if (in->cur == NULL)
        return;
    if (in->tags.n > 0) {
        in->cur->tags = MLF_NEW_ARRAY(in->tags.pool, Mlflow__InputTag *, in->tags.n);
        memcpy(in->cur->tags, in->tags.items, in->tags.n * sizeof(void *));
        in->cur->n_tags = in->tags.n;
    }
    in->tags.n = 0;
    in->cur = NULL;
}

static void mlf__inputs_row(mlf_pool *pool, mlf_sql_stmt *st, size_t index, void *ctx)
{
    mlf__inputs *in = ctx;
    const char *input_uuid = (const char *)mlf_sql_column_text(st, 1);
    if (in->cur == NULL || in->cur_run != (long)index || strcmp(in->cur_input, input_uuid) != 0) {
        mlf__inputs_close(in);
        Mlflow__Dataset *d = MLF_NEW(pool, Mlflow__Dataset);
        mlflow__dataset__init(d);
        d->name = mlf_sql_column_text_dup(pool, st, 2);
        d->digest = mlf_sql_column_text_dup(pool, st, 3);
        d->source_type = mlf_sql_column_text_dup(pool, st, 4);
        d->source = mlf_sql_column_text_dup(pool, st, 5);
        /* schema and profile only when truthy */
        char *schema = mlf_sql_column_text_dup(pool, st, 6);
        char *profile = mlf_sql_column_text_dup(pool, st, 7);
        d->schema = schema != NULL && schema[0] != '\0' ? schema : NULL;
        d->profile = profile != NULL && profile[0] != '\0' ? profile : NULL;
        Mlflow__DatasetInput *di = MLF_NEW(pool, Mlflow__DatasetInput);
        mlflow__dataset_input__init(di);
        di->dataset = d;
        in->cur = di;
        in->cur_input = mlf_pool_strdup(pool, input_uuid);
        in->cur_run = (long)index;
        mlf__slice *s = &in->slices[index];
        if (s->count == 0)
            s->start = in->all.n;
        s->count++;
        mlf__ptrs_push(&in->all, di);
    }
    if (mlf_sql_column_type(st, 8) != MLF_SQL_NULL) {
        Mlflow__InputTag *t = MLF_NEW(pool, Mlflow__InputTag);
        mlflow__input_tag__init(t);
        t->key = mlf_sql_column_text_dup(pool, st, 8);
        t->value = mlf_sql_column_text_dup(pool, st, 9);
        mlf__ptrs_push(&in->tags, t);
    }
}

/* Points each run's repeated field at its slice of the shared array. */
#define MLF__ASSIGN(runs, n, col, parent, field, type)                                                                 \
    for (size_t i_ = 0; i_ < (n); i_++) {                                                                              \
        if ((runs)[i_] == NULL || (col).slices[i_].count == 0)                                                         \
            continue;                                                                                                  \
        (runs)[i_]->parent->n_##field = (col).slices[i_].count;                                                        \
        (runs)[i_]->parent->field = (type **)&(col).all.items[(col).slices[i_].start];                                 \
    }

int mlf__sql_load_runs_ex(mlf_sql_conn *c, mlf_pool *pool, const char *const *run_uuids, size_t n, unsigned flags,
                          Mlflow__Run **ret_runs, mlf_error *err)
{
    for (size_t i = 0; i < n; i++)
        ret_runs[i] = NULL;
    if (n == 0)
        return 0;
    mlf__run_cursor cur = {.map = MLF_NEW_ARRAY(pool, mlf__uuid_index, n), .n = n};
    for (size_t i = 0; i < n; i++)
        cur.map[i] = (mlf__uuid_index){.uuid = run_uuids[i] != NULL ? run_uuids[i] : "", .index = i};
    qsort(cur.map, n, sizeof(*cur.map), mlf__cmp_uuid_index);
    const char *json = mlf__sql_json_strings(pool, run_uuids, n);

    /* runs */
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool,
                             "SELECT " MLF__RUN_COLUMNS " FROM runs "
                             "WHERE run_uuid IN (SELECT value FROM json_each(?1)) ORDER BY run_uuid",
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, json);
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        long idx = mlf__cursor_find(&cur, (const char *)mlf_sql_column_text(st, 0));
        if (idx < 0)
            continue;
        Mlflow__Run *run = MLF_NEW(pool, Mlflow__Run);
        mlflow__run__init(run);
        run->info = mlf__row_to_info(pool, st);
        run->data = MLF_NEW(pool, Mlflow__RunData);
        mlflow__run_data__init(run->data);
        run->inputs = MLF_NEW(pool, Mlflow__RunInputs);
        mlflow__run_inputs__init(run->inputs);
        run->outputs = MLF_NEW(pool, Mlflow__RunOutputs);
        mlflow__run_outputs__init(run->outputs);
        ret_runs[idx] = run;
    }
    mlf_sql_reset(st);
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);

    /* data: each table through its run_uuid index, in insertion (rowid) order within a run */
    mlf__collect metrics, params, tags;
    rc = mlf__collect_all(c, pool,
                          "SELECT run_uuid, \"key\", value, timestamp, step, is_nan FROM latest_metrics "
                          "WHERE run_uuid IN (SELECT value FROM json_each(?1)) ORDER BY run_uuid, rowid",
                          json, &cur, n, mlf__make_metric, &metrics, err);
    if (rc == 0)
        rc = mlf__collect_all(c, pool,
                              "SELECT run_uuid, \"key\", value FROM params "
                              "WHERE run_uuid IN (SELECT value FROM json_each(?1)) ORDER BY run_uuid, rowid",
                              json, &cur, n, mlf__make_param, &params, err);
    if (rc == 0)
        rc = mlf__collect_all(c, pool,
                              "SELECT run_uuid, \"key\", value FROM tags "
                              "WHERE run_uuid IN (SELECT value FROM json_each(?1)) ORDER BY run_uuid, rowid",
                              json, &cur, n, mlf__make_tag, &tags, err);
    if (rc < 0)
        return rc;
    MLF__ASSIGN(ret_runs, n, metrics, data, metrics, Mlflow__Metric)
    MLF__ASSIGN(ret_runs, n, params, data, params, Mlflow__Param)
    MLF__ASSIGN(ret_runs, n, tags, data, tags, Mlflow__RunTag)

    /* _get_run_inputs: datasets with their input tags (tags in name order, as the pk index yields them) */
    mlf__inputs in = {.all = {.pool = pool}, .tags = {.pool = pool}, .slices = MLF_NEW_ARRAY(pool, mlf__slice, n)};
    rc = mlf__for_each_row(c, pool,
                           "SELECT i.destination_id, i.input_uuid, d.name, d.digest, d.dataset_source_type, "
                           "d.dataset_source, d.dataset_schema, d.dataset_profile, t.name, t.value "
                           "FROM inputs AS i JOIN datasets AS d ON i.source_id = d.dataset_uuid "
                           "LEFT OUTER JOIN input_tags AS t ON t.input_uuid = i.input_uuid "
                           "WHERE i.destination_type = 'RUN' AND i.destination_id IN (SELECT value FROM json_each(?1)) "
                           "ORDER BY i.destination_id, i.rowid, d.rowid, t.name",
                           json, &cur, mlf__inputs_row, &in, err);
    if (rc < 0)
        return rc;
    mlf__inputs_close(&in);
    MLF__ASSIGN(ret_runs, n, in, inputs, dataset_inputs, Mlflow__DatasetInput)

    if (flags & MLF_SQL_LOAD_MODEL_INPUTS) {
        mlf__collect model_inputs;
        rc = mlf__collect_all(c, pool,
                              "SELECT source_id, destination_id FROM inputs WHERE source_type = 'RUN_INPUT' "
                              "AND source_id IN (SELECT value FROM json_each(?1)) AND destination_type = 'MODEL_INPUT' "
                              "ORDER BY source_id, destination_id",
                              json, &cur, n, mlf__make_model_input, &model_inputs, err);
        if (rc < 0)
            return rc;
        MLF__ASSIGN(ret_runs, n, model_inputs, inputs, model_inputs, Mlflow__ModelInput)
    }

    mlf__collect model_outputs;
    rc = mlf__collect_all(c, pool,
                          "SELECT source_id, destination_id, step FROM inputs WHERE source_type = 'RUN_OUTPUT' "
                          "AND source_id IN (SELECT value FROM json_each(?1)) AND destination_type = 'MODEL_OUTPUT' "
                          "ORDER BY source_id, destination_id",
                          json, &cur, n, mlf__make_model_output, &model_outputs, err);
    if (rc < 0)
        return rc;
    MLF__ASSIGN(ret_runs, n, model_outputs, outputs, model_outputs, Mlflow__ModelOutput)

    for (size_t k = 0; k < n; k++) {
        /* SqlRun.to_mlflow_entity: a run without a name takes it from its mlflow.runName tag */
        Mlflow__Run *run = ret_runs[k];
        if (run != NULL && (run->info->run_name == NULL || run->info->run_name[0] == '\0')) {
            for (size_t t = 0; t < run->data->n_tags; t++) {
                const Mlflow__RunTag *tag = run->data->tags[t];
                if (strcmp(tag->key, "mlflow.runName") == 0 && tag->value != NULL && tag->value[0] != '\0') {
                    run->info->run_name = tag->value;
                    break;
                }
            }
        }
    }
    /* a uuid asked for twice: its later copies share the first one's message */
    for (size_t k = 1; k < n; k++)
        if (strcmp(cur.map[k].uuid, cur.map[k - 1].uuid) == 0)
            ret_runs[cur.map[k].index] = ret_runs[cur.map[k - 1].index];
    return 0;
}

int mlf__sql_load_runs(mlf_sql_conn *conn, mlf_pool *pool, const char *const *run_uuids, size_t n,
                       Mlflow__Run **ret_runs, mlf_error *err)
{
    return mlf__sql_load_runs_ex(conn, pool, run_uuids, n, 0, ret_runs, err);
}

/* ---- shared run lookups (metric.c, param.c, tag.c use them too) ---- */

int mlf__sql_exec(mlf_sql_conn *c, mlf_pool *pool, const char *sql, const char *spec, const void *const *args,
                  mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, sql, &st, err);
    if (rc < 0)
        return rc;
    for (int i = 0; spec[i] != '\0'; i++) {
        if (spec[i] == 'i')
            mlf_sql_bind_int64(st, i + 1, *(const int64_t *)args[i]);
        else
            mlf_sql_bind_text(st, i + 1, (const char *)args[i]);
    }
    return mlf__sql_step_done(c, pool, st, err);
}

int mlf__sql_step_done(mlf_sql_conn *c, mlf_pool *pool, mlf_sql_stmt *st, mlf_error *err)
{
    int rc = mlf_sql_step(st);
    mlf_sql_reset(st);
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    return 0;
}

/* lock: on PostgreSQL, also take the run's row lock (see mlf__sql_run_require_active) */
static int mlf__run_lookup(mlf_sql_conn *c, mlf_pool *pool, const char *run_id, bool lock, mlf__sql_run_row *ret,
                           mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc =
        mlf_sql_prepare(c, pool,
                        lock && mlf_sql_dialect_of(c) == MLF_SQL_POSTGRES
                            ? "SELECT lifecycle_stage, experiment_id, status, end_time FROM runs "
                              "WHERE run_uuid = ? FOR NO KEY UPDATE"
                            : "SELECT lifecycle_stage, experiment_id, status, end_time FROM runs WHERE run_uuid = ?",
                        &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, run_id);
    rc = mlf_sql_step(st);
    if (rc == MLF_SQL_DONE) {
        mlf_sql_reset(st);
        return mlf_error_set(err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Run with id=%s not found", run_id);
    }
    if (rc != MLF_SQL_ROW) {
        mlf_sql_reset(st);
        return mlf_sql_error(pool, c, rc, err);
    }
    const char *stage = (const char *)mlf_sql_column_text(st, 0);
    ret->active = stage != NULL && strcmp(stage, "active") == 0;
    ret->lifecycle_stage = stage != NULL ? mlf_pool_strdup(pool, stage) : "None";
    ret->experiment_id = mlf_sql_column_int64(st, 1);
    mlf_sql_reset(st);
    return 0;
}

int mlf__sql_run_lookup(mlf_sql_conn *c, mlf_pool *pool, const char *run_id, mlf__sql_run_row *ret, mlf_error *err)
{
    return mlf__run_lookup(c, pool, run_id, false, ret, err);
}

int mlf__sql_run_require_active(mlf_sql_conn *c, mlf_pool *pool, const char *run_id, mlf__sql_run_row *ret,
                                mlf_error *err)
{
    mlf__sql_run_row row = {0};
    /* Every write to a run's metrics, params, tags, inputs and outputs starts here. On PostgreSQL it takes the
       run's row lock first (FOR NO KEY UPDATE: foreign-key checks still pass), so writers of one run queue
       instead of locking latest_metrics, tag and param rows in different orders and deadlocking; SQLite's
       single writer needs none. */
    int rc = mlf__run_lookup(c, pool, run_id, true, &row, err);
    if (rc < 0)
        return rc;
    /* SqlAlchemyStore._check_run_is_active */
    if (!row.active)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "The run %s must be in the 'active' state. Current state is %s.", run_id,
                             row.lifecycle_stage);
    if (ret != NULL)
        *ret = row;
    return 0;
}

int mlf__sql_rename_run(mlf_sql_conn *c, mlf_pool *pool, const char *run_id, const char *name, mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, "UPDATE runs SET name = ? WHERE run_uuid = ?", &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, name);
    mlf_sql_bind_text(st, 2, run_id);
    rc = mlf__sql_step_done(c, pool, st, err);
    if (rc < 0)
        return rc;
    return mlf__sql_upsert_tag(c, pool, run_id, "mlflow.runName", name, err);
}

int mlf__sql_upsert_tag(mlf_sql_conn *c, mlf_pool *pool, const char *run_id, const char *key, const char *value,
                        mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool,
                             "INSERT INTO tags (\"key\", value, run_uuid) VALUES (?, ?, ?) "
                             "ON CONFLICT (\"key\", run_uuid) DO UPDATE SET value = excluded.value",
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, key);
    mlf_sql_bind_text(st, 2, value);
    mlf_sql_bind_text(st, 3, run_id);
    return mlf__sql_step_done(c, pool, st, err);
}

/* ---- create ---- */

/*
 * The shape of MLflow's _generate_random_name (name_utils.py): a lower-case
 * predicate, a noun and an integer in [0, 1000], joined by '-', retried up to
 * 10 times for at most 20 characters, else cut to 20. The word lists are our
 * own.
 */
static const char *const mlf__name_predicates[] = {
    "amber",  "bold",   "brave",  "bright", "calm",   "clever", "cosmic", "crisp",  "daring", "eager",
    "fancy",  "fluffy", "gentle", "glossy", "golden", "grand",  "happy",  "hidden", "humble", "jolly",
    "keen",   "kind",   "lively", "lucky",  "mellow", "merry",  "misty",  "noble",  "polite", "proud",
    "quick",  "quiet",  "rapid",  "royal",  "rustic", "shiny",  "silent", "sleek",  "smooth", "snowy",
    "steady", "sunny",  "swift",  "tidy",   "vivid",  "warm",   "wise",   "witty",  "zesty",  "lunar",
};
static const char *const mlf__name_nouns[] = {
    "badger", "bear",  "bee",    "bison", "crane",  "crow",   "deer",  "dolphin", "eagle", "falcon",
    "ferret", "finch", "fox",    "gecko", "goose",  "hare",   "hawk",  "heron",   "ibis",  "koala",
    "lark",   "lemur", "lion",   "llama", "lynx",   "marten", "mole",  "moose",   "newt",  "otter",
    "owl",    "panda", "parrot", "pike",  "puffin", "quail",  "raven", "robin",   "seal",  "shark",
    "sloth",  "snail", "stork",  "swan",  "tapir",  "tiger",  "toad",  "trout",   "whale", "wren",
};

static uint32_t mlf__random_below(uint32_t n)
{
    uint32_t r;
    mlf__sql_random(&r, sizeof(r));
    return (uint32_t)(((uint64_t)r * n) >> 32);
}

char *mlf__sql_generate_run_name(mlf_pool *pool)
{
    const size_t n_pred = sizeof(mlf__name_predicates) / sizeof(mlf__name_predicates[0]);
    const size_t n_noun = sizeof(mlf__name_nouns) / sizeof(mlf__name_nouns[0]);
    char *name = NULL;
    for (int attempt = 0; attempt < 10; attempt++) {
        name = mlf_pool_sprintf(pool, "%s-%s-%u", mlf__name_predicates[mlf__random_below((uint32_t)n_pred)],
                                mlf__name_nouns[mlf__random_below((uint32_t)n_noun)], mlf__random_below(1001));
        if (strlen(name) <= 20)
            return name;
    }
    name[20] = '\0';
    return name;
}

int mlf__sql_get_experiment(mlf_sql_conn *c, mlf_pool *pool, const char *experiment_id, int64_t *ret_id,
                            char **ret_location, char **ret_stage, mlf_error *err)
{
    int64_t id;
    int prc = mlf_pystr_parse_int(experiment_id, &id);
    if (prc == -1) /* _parse_experiment_id in _get_experiment */
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Invalid experiment ID '%s'. Experiment ID must be a valid integer.", experiment_id);
    if (prc == -2)
        return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "Python int too large to convert to SQLite INTEGER");
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool,
                             "SELECT artifact_location, lifecycle_stage FROM experiments "
                             "WHERE experiment_id = ? AND lifecycle_stage IN ('active', 'deleted')",
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_int64(st, 1, id);
    rc = mlf_sql_step(st);
    if (rc == MLF_SQL_DONE) {
        mlf_sql_reset(st);
        return mlf_error_set(err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "No Experiment with id=%s exists",
                             experiment_id);
    }
    if (rc != MLF_SQL_ROW) {
        mlf_sql_reset(st);
        return mlf_sql_error(pool, c, rc, err);
    }
    char *location = mlf_sql_column_text_dup(pool, st, 0);
    char *stage = mlf_sql_column_text_dup(pool, st, 1);
    mlf_sql_reset(st);
    *ret_id = id;
    *ret_location = location != NULL ? location : "";
    *ret_stage = stage != NULL ? stage : "None";
    return 0;
}

/* The experiment of a new run or logged model (sqlite.h). */
int mlf__sql_active_experiment(mlf_sql_conn *c, mlf_pool *pool, const char *experiment_id, char **ret_location,
                               mlf_error *err)
{
    const char *id_text = experiment_id != NULL && experiment_id[0] != '\0' ? experiment_id : "0";
    int64_t id;
    char *stage;
    int rc = mlf__sql_get_experiment(c, pool, id_text, &id, ret_location, &stage, err);
    if (rc < 0)
        return rc;
    if (strcmp(stage, "active") != 0)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "The experiment %" PRId64 " must be in the 'active' state. Current state is %s.", id,
                             stage);
    return 0;
}

static int mlf__insert_tag(mlf_sql_conn *c, mlf_pool *pool, const char *run_id, const char *key, const char *value,
                           mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, "INSERT INTO tags (\"key\", value, run_uuid) VALUES (?, ?, ?)", &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, key);
    mlf_sql_bind_text(st, 2, value);
    mlf_sql_bind_text(st, 3, run_id);
    return mlf__sql_step_done(c, pool, st, err);
}

typedef struct mlf__create_arg {
    const char *experiment_id, *user_id;
    int64_t start_time;
    Mlflow__RunTag *const *tags;
    size_t n_tags;
    const char *run_name;
    Mlflow__Run **ret;
} mlf__create_arg;

static int mlf__create_in_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__create_arg *a = arg;
    const char *experiment_id = a->experiment_id, *user_id = a->user_id, *run_name = a->run_name;
    int64_t start_time = a->start_time;
    Mlflow__RunTag *const *tags = a->tags;
    size_t n_tags = a->n_tags;
    Mlflow__Run **ret = a->ret;
    char *location = NULL;
    int rc = mlf__sql_active_experiment(c, pool, experiment_id, &location, err);
    if (rc < 0)
        return rc;
    char *run_id = mlf__sql_uuid4_hex(pool);
    char *artifact_uri;
    rc = mlf_uri_append_path(pool, location, mlf_pool_sprintf(pool, "%s/artifacts", run_id), &artifact_uri, err);
    if (rc < 0)
        return rc;

    /* the first mlflow.runName tag, as _get_run_name_from_tags finds it */
    const char *name_tag = NULL;
    for (size_t i = 0; i < n_tags; i++) {
        if (tags[i]->key != NULL && strcmp(tags[i]->key, "mlflow.runName") == 0) {
            name_tag = tags[i]->value;
            break;
        }
    }
    bool has_name = run_name != NULL && run_name[0] != '\0';
    bool has_tag = name_tag != NULL && name_tag[0] != '\0';
    if (has_name && has_tag && strcmp(run_name, name_tag) != 0)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different "
                             "values (run_name='%s', mlflow.runName='%s').",
                             run_name, name_tag);
    const char *name = has_name ? run_name : has_tag ? name_tag : mlf__sql_generate_run_name(pool);

    mlf_sql_stmt *st;
    rc = mlf_sql_prepare(c, pool,
                         "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, "
                         "status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, "
                         "experiment_id, deleted_time) VALUES (?, ?, 'UNKNOWN', '', '', ?, 'RUNNING', ?, NULL, '', "
                         "'active', ?, ?, NULL)",
                         &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, run_id);
    mlf_sql_bind_text(st, 2, name);
    mlf_sql_bind_text(st, 3, user_id);
    mlf_sql_bind_int64(st, 4, start_time);
    mlf_sql_bind_text(st, 5, artifact_uri);
    /* bound as given, as SQLAlchemy passes the request's string: the column's affinity makes it an integer */
    mlf_sql_bind_text(st, 6, experiment_id != NULL ? experiment_id : "");
    rc = mlf__sql_step_done(c, pool, st, err);
    if (rc < 0 && mlf_sql_dialect_of(c) == MLF_SQL_SQLITE && err != NULL && err->message != NULL &&
        strncmp(err->message, "(sqlite3.IntegrityError)", 24) == 0) {
        /* an id that names no experiment (""): the run's INSERT fails in the autoflush of MLflow's next query,
           and SQLAlchemy 2.1 adds the statement and its parameters */
        err->message = mlf_pool_sprintf(
            pool,
            "%s%s\n[SQL: INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, "
            "status, start_time, end_time, deleted_time, source_version, lifecycle_stage, artifact_uri, "
            "experiment_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)]\n[parameters: (%s, %s, 'UNKNOWN', "
            "'', '', %s, 'RUNNING', %" PRId64 ", None, None, '', 'active', %s, %s)]\n(Background on this error at: "
            "https://sqlalche.me/e/21/gkpj)",
            "(raised as a result of Query-invoked autoflush; consider using a session.no_autoflush block if this "
            "flush is occurring prematurely)\n",
            err->message, mlf_pystr_repr(pool, run_id), mlf_pystr_repr(pool, name), mlf_pystr_repr(pool, user_id),
            start_time, mlf_pystr_repr(pool, artifact_uri),
            mlf_pystr_repr(pool, experiment_id != NULL ? experiment_id : ""));
    }
    if (rc < 0)
        return rc;

    size_t n_out = n_tags + (has_tag ? 0 : 1);
    Mlflow__RunTag **out = MLF_NEW_ARRAY(pool, Mlflow__RunTag *, n_out);
    for (size_t i = 0; i < n_tags; i++) {
        rc = mlf_sql_autoflushed(c, pool, mlf__insert_tag(c, pool, run_id, tags[i]->key, tags[i]->value, err), err);
        if (rc < 0)
            return rc;
        out[i] = tags[i];
    }
    if (!has_tag) {
        /* MLflow appends the tag whenever the tags carry no non-empty name (an empty one then collides) */
        rc = mlf_sql_autoflushed(c, pool, mlf__insert_tag(c, pool, run_id, "mlflow.runName", name, err), err);
        if (rc < 0)
            return rc;
        Mlflow__RunTag *t = MLF_NEW(pool, Mlflow__RunTag);
        mlflow__run_tag__init(t);
        t->key = "mlflow.runName";
        t->value = (char *)name;
        out[n_tags] = t;
    }

    Mlflow__Run *run = MLF_NEW(pool, Mlflow__Run);
    mlflow__run__init(run);
    Mlflow__RunInfo *info = run->info = MLF_NEW(pool, Mlflow__RunInfo);
    mlflow__run_info__init(info);
    info->run_id = info->run_uuid = run_id;
    info->run_name = (char *)name;
    info->experiment_id = (char *)(experiment_id != NULL ? experiment_id : "");
    info->user_id = (char *)user_id;
    info->has_status = 1;
    info->status = MLFLOW__RUN_STATUS__RUNNING;
    info->has_start_time = 1;
    info->start_time = start_time;
    if (artifact_uri[0] != '\0')
        info->artifact_uri = artifact_uri;
    info->lifecycle_stage = "active";
    run->data = MLF_NEW(pool, Mlflow__RunData);
    mlflow__run_data__init(run->data);
    run->data->tags = out;
    run->data->n_tags = n_out;
    run->inputs = MLF_NEW(pool, Mlflow__RunInputs);
    mlflow__run_inputs__init(run->inputs);
    *ret = run;
    return 0;
}

int mlf_store_create_run(mlf_store *store, mlf_pool *pool, const char *experiment_id, const char *user_id,
                         const int64_t *start_time, Mlflow__RunTag *const *tags, size_t n_tags, const char *run_name,
                         Mlflow__Run **ret, mlf_error *err)
{
    mlf__create_arg a = {.experiment_id = experiment_id,
                         .user_id = user_id,
                         .start_time = start_time != NULL ? *start_time : mlf_sql_now_ms(),
                         .tags = tags,
                         .n_tags = n_tags,
                         .run_name = run_name,
                         .ret = ret};
    return mlf_sql_in_write((mlf_sql_store *)store, pool, mlf__create_in_tx, &a, err);
}

/* ---- get, update, delete, restore ---- */

int mlf_store_get_run(mlf_store *store, mlf_pool *pool, const char *run_id, Mlflow__Run **ret, mlf_error *err)
{
    mlf_sql_store *s = (mlf_sql_store *)store;
    mlf_sql_conn *c;
    int rc = mlf_sql_read_begin(s, pool, &c, err);
    if (rc < 0)
        return rc;
    const char *ids[1] = {run_id != NULL ? run_id : ""};
    Mlflow__Run *run = NULL;
    rc = mlf__sql_load_runs_ex(c, pool, ids, 1, MLF_SQL_LOAD_MODEL_INPUTS, &run, err);
    mlf_sql_read_end(s, c);
    if (rc < 0)
        return rc;
    if (run == NULL)
        return mlf_error_set(err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Run with id=%s not found", ids[0]);
    *ret = run;
    return 0;
}

/* RunStatus.to_string */
static const char *mlf__status_name(Mlflow__RunStatus status)
{
    switch (status) {
    case MLFLOW__RUN_STATUS__RUNNING:
        return "RUNNING";
    case MLFLOW__RUN_STATUS__SCHEDULED:
        return "SCHEDULED";
    case MLFLOW__RUN_STATUS__FINISHED:
        return "FINISHED";
    case MLFLOW__RUN_STATUS__FAILED:
        return "FAILED";
    case MLFLOW__RUN_STATUS__KILLED:
        return "KILLED";
    default:
        return NULL;
    }
}

typedef struct mlf__update_arg {
    const char *run_id;
    const Mlflow__RunStatus *status;
    const int64_t *end_time;
    const char *run_name;
    Mlflow__RunInfo **ret;
} mlf__update_arg;

static int mlf__update_in_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__update_arg *a = arg;
    const char *run_id = a->run_id, *run_name = a->run_name;
    const Mlflow__RunStatus *status = a->status;
    const int64_t *end_time = a->end_time;
    int rc = mlf__sql_run_require_active(c, pool, run_id, NULL, err);
    if (rc < 0)
        return rc;
    mlf_sql_stmt *st;
    if (status != NULL || end_time != NULL) {
        const char *name = status != NULL ? mlf__status_name(*status) : NULL;
        if (status != NULL && name == NULL)
            return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR, "Could not get run status corresponding to %d",
                                 (int)*status);
        rc = mlf_sql_prepare(c, pool,
                             "UPDATE runs SET status = coalesce(?, status), "
                             "end_time = CASE WHEN ? THEN ? ELSE end_time END WHERE run_uuid = ?",
                             &st, err);
        if (rc < 0)
            return rc;
        mlf_sql_bind_text(st, 1, name);
        mlf_sql_bind_int64(st, 2, end_time != NULL);
        mlf_sql_bind_int64(st, 3, end_time != NULL ? *end_time : 0);
        mlf_sql_bind_text(st, 4, run_id);
        rc = mlf__sql_step_done(c, pool, st, err);
        if (rc < 0)
            return rc;
    }
    if (run_name != NULL && run_name[0] != '\0') {
        rc = mlf__sql_rename_run(c, pool, run_id, run_name, err);
        if (rc < 0)
            return rc;
    }
    /* run.to_mlflow_entity().info */
    rc = mlf_sql_prepare(c, pool,
                         "SELECT " MLF__RUN_COLUMNS ", (SELECT value FROM tags WHERE tags.run_uuid = runs.run_uuid "
                         "AND tags.\"key\" = 'mlflow.runName') FROM runs WHERE run_uuid = ?",
                         &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, run_id);
    rc = mlf_sql_step(st);
    if (rc != MLF_SQL_ROW) {
        mlf_sql_reset(st);
        return mlf_sql_error(pool, c, rc == MLF_SQL_DONE ? MLF_SQL_ERROR : rc, err);
    }
    Mlflow__RunInfo *info = mlf__row_to_info(pool, st);
    if (info->run_name == NULL || info->run_name[0] == '\0') {
        char *tag = mlf_sql_column_text_dup(pool, st, 9);
        if (tag != NULL && tag[0] != '\0')
            info->run_name = tag;
    }
    mlf_sql_reset(st);
    *a->ret = info;
    return 0;
}

int mlf_store_update_run_info(mlf_store *store, mlf_pool *pool, const char *run_id, const Mlflow__RunStatus *status,
                              const int64_t *end_time, const char *run_name, Mlflow__RunInfo **ret, mlf_error *err)
{
    mlf__update_arg a = {.run_id = run_id, .status = status, .end_time = end_time, .run_name = run_name, .ret = ret};
    return mlf_sql_in_write((mlf_sql_store *)store, pool, mlf__update_in_tx, &a, err);
}

typedef struct mlf__lifecycle_arg {
    const char *run_id;
    bool deleted;
} mlf__lifecycle_arg;

static int mlf__lifecycle_in_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__lifecycle_arg *a = arg;
    mlf__sql_run_row row = {0};
    int rc = mlf__sql_run_lookup(c, pool, a->run_id, &row, err);
    mlf_sql_stmt *st;
    if (rc == 0 && a->deleted) /* traces: assessments (MLflow 3.18 deletes those the run is the source of) */
        rc = mlf_sql_assessments_delete_for_runs(c, pool, a->run_id, 0, err);
    if (rc == 0)
        rc = mlf_sql_prepare(c, pool, "UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE run_uuid = ?", &st,
                             err);
    if (rc == 0) {
        mlf_sql_bind_text(st, 1, a->deleted ? "deleted" : "active");
        if (a->deleted)
            mlf_sql_bind_int64(st, 2, mlf_sql_now_ms());
        else
            mlf_sql_bind_null(st, 2);
        mlf_sql_bind_text(st, 3, a->run_id);
        rc = mlf__sql_step_done(c, pool, st, err);
    }
    return rc;
}

/* delete_run / restore_run: no active check, as MLflow */
static int mlf__set_lifecycle(mlf_store *store, mlf_pool *pool, const char *run_id, bool deleted, mlf_error *err)
{
    mlf__lifecycle_arg a = {.run_id = run_id, .deleted = deleted};
    return mlf_sql_in_write((mlf_sql_store *)store, pool, mlf__lifecycle_in_tx, &a, err);
}

int mlf_store_delete_run(mlf_store *store, mlf_pool *pool, const char *run_id, mlf_error *err)
{
    return mlf__set_lifecycle(store, pool, run_id, true, err);
}

int mlf_store_restore_run(mlf_store *store, mlf_pool *pool, const char *run_id, mlf_error *err)
{
    return mlf__set_lifecycle(store, pool, run_id, false, err);
}

/* ---- log_batch ---- */

/* log_batch: run check, then params, metrics (with logged-model metrics), tags, all in one transaction */
typedef struct mlf__batch_arg {
    const char *run_id;
    Mlflow__Metric *const *metrics;
    size_t n_metrics;
    Mlflow__Param *const *params;
    size_t n_params;
    Mlflow__RunTag *const *tags;
    size_t n_tags;
} mlf__batch_arg;

static int mlf__batch_in_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__batch_arg *a = arg;
    mlf__sql_run_row row = {0};
    int rc = mlf__sql_run_require_active(c, pool, a->run_id, &row, err);
    if (rc == 0)
        rc = mlf__sql_log_params(c, pool, a->run_id, a->params, a->n_params, err);
    if (rc == 0)
        rc = mlf__sql_log_metrics(c, pool, a->run_id, row.experiment_id, a->metrics, a->n_metrics, err);
    if (rc == 0)
        rc = mlf__sql_set_tags(c, pool, a->run_id, a->tags, a->n_tags, err);
    return rc;
}

int mlf_store_log_batch(mlf_store *store, mlf_pool *pool, const char *run_id, Mlflow__Metric *const *metrics,
                        size_t n_metrics, Mlflow__Param *const *params, size_t n_params, Mlflow__RunTag *const *tags,
                        size_t n_tags, mlf_error *err)
{
    mlf__batch_arg a = {.run_id = run_id,
                        .metrics = metrics,
                        .n_metrics = n_metrics,
                        .params = params,
                        .n_params = n_params,
                        .tags = tags,
                        .n_tags = n_tags};
    return mlf_sql_in_write((mlf_sql_store *)store, pool, mlf__batch_in_tx, &a, err);
}

void mlf__sql_random(void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n > 0) {
        ssize_t got = getrandom(p, n, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            abort();
        }
        p += got;
        n -= (size_t)got;
    }
}
