/*
 * Metrics on both backends: SqlAlchemyStore.log_metric / _log_metrics /
 * _update_latest_metrics_if_necessary / _log_model_metrics and the history
 * reads (get_metric_history, get_metric_history_bulk,
 * get_metric_history_bulk_interval).
 *
 * Where MLflow inserts, catches the IntegrityError of a row that already
 * exists and retries row by row, we insert with ON CONFLICT DO NOTHING: the
 * same rows end up stored, with one statement per batch. The latest
 * value per key is one upsert whose WHERE compares (step, timestamp, value)
 * as MLflow's _compare_metrics does (a batch's own latest per key first).
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "store/sql/sql.h"

/* SqlAlchemyStore.sanitize_metric_value: NaN as 0 with is_nan, +-Inf as the largest finite doubles. */
static double mlf__sanitize(double v, int *is_nan)
{
    *is_nan = isnan(v) ? 1 : 0;
    if (*is_nan)
        return 0.0;
    if (isinf(v))
        return v > 0 ? 1.7976931348623157e308 : -1.7976931348623157e308;
    return v;
}

static int mlf__log_model_metric(mlf_sql_conn *c, mlf_pool *pool, const char *run_id, int64_t experiment_id,
                                 const Mlflow__Metric *m, mlf_error *err)
{
    int is_nan;
    double value = mlf__sanitize(m->value, &is_nan);
    mlf_sql_stmt *st;
    /* a row that exists already is skipped, as MLflow's retry after the IntegrityError does */
    int rc = mlf_sql_prepare(c, pool,
                             "INSERT INTO logged_model_metrics (model_id, metric_name, metric_timestamp_ms, "
                             "metric_step, metric_value, experiment_id, run_id, dataset_uuid, dataset_name, "
                             "dataset_digest) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?) ON CONFLICT DO NOTHING",
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, m->model_id);
    mlf_sql_bind_text(st, 2, m->key);
    mlf_sql_bind_int64(st, 3, m->timestamp);
    mlf_sql_bind_int64(st, 4, m->step);
    mlf_sql_bind_double(st, 5, value);
    mlf_sql_bind_int64(st, 6, experiment_id);
    mlf_sql_bind_text(st, 7, run_id);
    mlf_sql_bind_text(st, 8, m->dataset_name != NULL && m->dataset_name[0] != '\0' ? m->dataset_name : NULL);
    mlf_sql_bind_text(st, 9, m->dataset_digest != NULL && m->dataset_digest[0] != '\0' ? m->dataset_digest : NULL);
    return mlf__sql_step_done(c, pool, st, err);
}

static int mlf__log_model_metrics(mlf_sql_conn *c, mlf_pool *pool, const char *run_id, int64_t experiment_id,
                                  Mlflow__Metric *const *metrics, size_t n, mlf_error *err);

/* Rows of one multi-row INSERT at most (6 parameters each). */
#define MLF__ROWS_PER_INSERT 200

/* (step, timestamp, value) of a > b, as _compare_metrics orders them (sanitized values). */
static bool mlf__later(const Mlflow__Metric *a, const Mlflow__Metric *b)
{
    int an, bn;
    double av = mlf__sanitize(a->value, &an), bv = mlf__sanitize(b->value, &bn);
    if (a->step != b->step)
        return a->step > b->step;
    if (a->timestamp != b->timestamp)
        return a->timestamp > b->timestamp;
    return av > bv;
}

/* INSERT ... VALUES of rows[0..n) (metric indexes) into table, with the given tail, in statements of
   MLF__ROWS_PER_INSERT rows. */
static int mlf__insert_rows(mlf_sql_conn *c, mlf_pool *pool, const char *head, const char *tail, const char *run_id,
                            Mlflow__Metric *const *metrics, const size_t *rows, size_t n, mlf_error *err)
{
    for (size_t from = 0; from < n; from += MLF__ROWS_PER_INSERT) {
        size_t k = n - from < MLF__ROWS_PER_INSERT ? n - from : MLF__ROWS_PER_INSERT;
        mlf_buf sql;
        mlf_buf_init(&sql, pool, 128 + k * 24);
        mlf_buf_puts(&sql, head);
        for (size_t i = 0; i < k; i++)
            mlf_buf_puts(&sql, i > 0 ? ", (?, ?, ?, ?, ?, ?)" : " VALUES (?, ?, ?, ?, ?, ?)");
        mlf_buf_puts(&sql, tail);
        mlf_sql_stmt *st;
        int rc = mlf_sql_prepare(c, pool, sql.data, &st, err);
        if (rc < 0)
            return rc;
        for (size_t i = 0; i < k; i++) {
            const Mlflow__Metric *m = metrics[rows[from + i]];
            int is_nan;
            double value = mlf__sanitize(m->value, &is_nan);
            int p = (int)i * 6;
            mlf_sql_bind_text(st, p + 1, m->key);
            mlf_sql_bind_double(st, p + 2, value);
            mlf_sql_bind_int64(st, p + 3, m->timestamp);
            mlf_sql_bind_int64(st, p + 4, m->step);
            mlf_sql_bind_int64(st, p + 5, is_nan);
            mlf_sql_bind_text(st, p + 6, run_id);
        }
        rc = mlf__sql_step_done(c, pool, st, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/*
 * The metrics of a batch in two statements rather than two per metric, the
 * same text on both backends (on PostgreSQL each statement is a round trip;
 * on SQLite the batch's rows go through one statement's program rather than
 * ten): every row in one INSERT, then each key's latest in one upsert. The upsert cannot touch a row
 * twice, so the batch's own latest per key is picked here first, as the
 * row-by-row upserts would leave it (the first of equal maxima), keys in
 * order of first appearance.
 */
static int mlf__log_metrics_rows(mlf_sql_conn *c, mlf_pool *pool, const char *run_id, Mlflow__Metric *const *metrics,
                                 size_t n, mlf_error *err)
{
    size_t *all = mlf_pool_alloc_uninit(pool, n * sizeof(*all));
    size_t *latest = mlf_pool_alloc_uninit(pool, n * sizeof(*latest));
    size_t n_latest = 0;
    for (size_t i = 0; i < n; i++) {
        all[i] = i;
        size_t j = 0;
        while (j < n_latest && strcmp(metrics[latest[j]]->key, metrics[i]->key) != 0)
            j++;
        if (j == n_latest)
            latest[n_latest++] = i;
        else if (mlf__later(metrics[i], metrics[latest[j]]))
            latest[j] = i;
    }
    int rc = mlf__insert_rows(c, pool, "INSERT INTO metrics (\"key\", value, timestamp, step, is_nan, run_uuid)",
                              " ON CONFLICT DO NOTHING", run_id, metrics, all, n, err);
    if (rc < 0)
        return rc;
    return mlf__insert_rows(c, pool, "INSERT INTO latest_metrics (\"key\", value, timestamp, step, is_nan, run_uuid)",
                            " ON CONFLICT (\"key\", run_uuid) DO UPDATE SET value = excluded.value, timestamp = "
                            "excluded.timestamp, step = excluded.step, is_nan = excluded.is_nan WHERE "
                            "(excluded.step, excluded.timestamp, excluded.value) > "
                            "(latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)",
                            run_id, metrics, latest, n_latest, err);
}

int mlf__sql_log_metrics(mlf_sql_conn *c, mlf_pool *pool, const char *run_id, int64_t experiment_id,
                         Mlflow__Metric *const *metrics, size_t n, mlf_error *err)
{
    if (n == 0)
        return 0;
    if (n > 1) {
        int rc = mlf__log_metrics_rows(c, pool, run_id, metrics, n, err);
        if (rc < 0)
            return rc;
        return mlf__log_model_metrics(c, pool, run_id, experiment_id, metrics, n, err);
    }
    mlf_sql_stmt *ins, *latest;
    int rc = mlf_sql_prepare(c, pool,
                             "INSERT INTO metrics (\"key\", value, timestamp, step, is_nan, run_uuid) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
                             &ins, err);
    if (rc < 0)
        return rc;
    rc = mlf_sql_prepare(c, pool,
                         "INSERT INTO latest_metrics (\"key\", value, timestamp, step, is_nan, run_uuid) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (\"key\", run_uuid) DO UPDATE SET "
                         "value = excluded.value, timestamp = excluded.timestamp, step = excluded.step, "
                         "is_nan = excluded.is_nan WHERE (excluded.step, excluded.timestamp, excluded.value) > "
                         "(latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)",
                         &latest, err);
    if (rc < 0)
        return rc;
    bool any_model = false;
    for (size_t i = 0; i < n; i++) {
        const Mlflow__Metric *m = metrics[i];
        int is_nan;
        double value = mlf__sanitize(m->value, &is_nan);
        mlf_sql_stmt *sts[2] = {ins, latest};
        for (int k = 0; k < 2; k++) {
            mlf_sql_stmt *st = sts[k];
            mlf_sql_bind_text(st, 1, m->key);
            mlf_sql_bind_double(st, 2, value);
            mlf_sql_bind_int64(st, 3, m->timestamp);
            mlf_sql_bind_int64(st, 4, m->step);
            mlf_sql_bind_int64(st, 5, is_nan);
            mlf_sql_bind_text(st, 6, run_id);
            rc = mlf__sql_step_done(c, pool, st, err);
            if (rc < 0)
                return rc;
        }
        any_model = any_model || (m->model_id != NULL && m->model_id[0] != '\0');
    }
    if (!any_model)
        return 0;
    return mlf__log_model_metrics(c, pool, run_id, experiment_id, metrics, n, err);
}

/* _log_model_metrics: the metrics that name a model, duplicates once */
static int mlf__log_model_metrics(mlf_sql_conn *c, mlf_pool *pool, const char *run_id, int64_t experiment_id,
                                  Mlflow__Metric *const *metrics, size_t n, mlf_error *err)
{
    int rc;
    for (size_t i = 0; i < n; i++) {
        const Mlflow__Metric *m = metrics[i];
        if (m->model_id == NULL || m->model_id[0] == '\0')
            continue;
        rc = mlf__log_model_metric(c, pool, run_id, experiment_id, m, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

typedef struct mlf__log_metric_arg {
    const char *run_id;
    const Mlflow__Metric *metric;
} mlf__log_metric_arg;

static int mlf__log_metric_in_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    const mlf__log_metric_arg *a = arg;
    mlf__sql_run_row row = {0};
    int rc = mlf__sql_run_require_active(c, pool, a->run_id, &row, err);
    if (rc < 0)
        return rc;
    Mlflow__Metric *const one[1] = {(Mlflow__Metric *)a->metric};
    return mlf__sql_log_metrics(c, pool, a->run_id, row.experiment_id, one, 1, err);
}

int mlf_store_log_metric(mlf_store *store, mlf_pool *pool, const char *run_id, const Mlflow__Metric *metric,
                         mlf_error *err)
{
    mlf__log_metric_arg a = {.run_id = run_id, .metric = metric};
    return mlf_sql_in_write((mlf_sql_store *)store, pool, mlf__log_metric_in_tx, &a, err);
}

/* ---- history ---- */

static Mlflow__MetricWithRunId *mlf__with_run_id(mlf_pool *pool, mlf_sql_stmt *st, int col, char *key, char *run_id)
{
    Mlflow__MetricWithRunId *m = MLF_NEW(pool, Mlflow__MetricWithRunId);
    mlflow__metric_with_run_id__init(m);
    m->key = key;
    m->has_value = 1;
    m->value = mlf_sql_column_int(st, col + 3) ? NAN : mlf_sql_column_double(st, col);
    m->has_timestamp = 1;
    m->timestamp = mlf_sql_column_int64(st, col + 1);
    m->has_step = 1;
    m->step = mlf_sql_column_int64(st, col + 2);
    m->run_id = run_id;
    return m;
}

static void mlf__grow(mlf_pool *pool, void ***items, size_t n, size_t *cap)
{
    if (n < *cap)
        return;
    *cap = *cap == 0 ? 256 : *cap * 2;
    void **grown = MLF_NEW_ARRAY(pool, void *, *cap);
    if (n > 0)
        memcpy(grown, *items, n * sizeof(void *));
    *items = grown;
}

/* A metric row as the history reads keep it before the page is cut. */
typedef struct {
    int64_t step, timestamp;
    double value;
    int is_nan;
} mlf__point;

/* ORDER BY timestamp, step, value (is_nan last, for a fixed order of the rows that differ only in it) */
static int mlf__cmp_history(const void *a, const void *b)
{
    const mlf__point *x = a, *y = b;
    if (x->timestamp != y->timestamp)
        return x->timestamp < y->timestamp ? -1 : 1;
    if (x->step != y->step)
        return x->step < y->step ? -1 : 1;
    if (x->value != y->value)
        return x->value < y->value ? -1 : 1;
    return x->is_nan - y->is_nan;
}

/*
 * MLflow's query orders the run's rows by timestamp, step, value. SQLite reads
 * them through the primary key (key, timestamp, step, run_uuid, value, is_nan),
 * which holds every column needed and gives them in that order already, but
 * it cannot tell and sorts them again in a temp b-tree: that sort was most of
 * the time of a 10,000-point read. So the query has no ORDER BY, and the rows
 * are sorted here only when they are not in order (as when SQLite picks
 * another index).
 */
static int mlf__history_in_tx(mlf_sql_conn *c, mlf_pool *pool, const char *run_id, const char *metric_key,
                              const int64_t *max_results, int64_t offset, mlf_store_metric_page *ret, mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(
        c, pool, "SELECT value, timestamp, step, is_nan FROM metrics WHERE run_uuid = ? AND \"key\" = ?", &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, run_id);
    mlf_sql_bind_text(st, 2, metric_key);
    mlf__point *pts = NULL;
    size_t n = 0, cap = 0;
    bool sorted = true;
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        if (n == cap) {
            cap = cap == 0 ? 256 : cap * 2;
            mlf__point *grown = mlf_pool_alloc_uninit(pool, cap * sizeof(*grown));
            if (n > 0)
                memcpy(grown, pts, n * sizeof(*grown));
            pts = grown;
        }
        pts[n] = (mlf__point){.value = mlf_sql_column_double(st, 0),
                              .timestamp = mlf_sql_column_int64(st, 1),
                              .step = mlf_sql_column_int64(st, 2),
                              .is_nan = mlf_sql_column_int(st, 3)};
        if (n > 0 && sorted && mlf__cmp_history(&pts[n - 1], &pts[n]) > 0)
            sorted = false;
        n++;
    }
    mlf_sql_reset(st);
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    if (!sorted)
        qsort(pts, n, sizeof(*pts), mlf__cmp_history);

    /* MLflow's LIMIT max_results + 1 OFFSET offset (a negative LIMIT is none, a negative OFFSET 0): the
       extra row tells whether a next page exists */
    size_t first = offset > 0 ? ((uint64_t)offset < n ? (size_t)offset : n) : 0;
    size_t count = n - first;
    int64_t limit = max_results != NULL ? *max_results + 1 : -1;
    if (limit >= 0 && count > (uint64_t)limit)
        count = (size_t)limit;
    ret->next_page_token = NULL;
    if (max_results != NULL && (int64_t)count == *max_results + 1) {
        ret->next_page_token = mlf_search_page_token_encode(pool, offset + *max_results);
        /* metrics[:max_results]: max_results is -1 or more here, and -1 leaves the empty page empty */
        count = *max_results >= 0 ? (size_t)*max_results : 0;
    }
    char *key = mlf_pool_strdup(pool, metric_key);
    Mlflow__Metric *ms = mlf_pool_alloc_uninit(pool, (count > 0 ? count : 1) * sizeof(*ms));
    Mlflow__Metric **items = mlf_pool_alloc_uninit(pool, (count > 0 ? count : 1) * sizeof(*items));
    for (size_t i = 0; i < count; i++) {
        const mlf__point *p = &pts[first + i];
        Mlflow__Metric *m = &ms[i];
        mlflow__metric__init(m);
        m->key = key;
        m->has_value = 1;
        m->value = p->is_nan ? NAN : p->value;
        m->has_timestamp = 1;
        m->timestamp = p->timestamp;
        m->has_step = 1;
        m->step = p->step;
        items[i] = m;
    }
    ret->metrics = items;
    ret->n = count;
    return 0;
}

int mlf_store_get_metric_history(mlf_store *store, mlf_pool *pool, const char *run_id, const char *metric_key,
                                 const int64_t *max_results, int64_t offset, mlf_store_metric_page *ret, mlf_error *err)
{
    mlf_sql_store *s = (mlf_sql_store *)store;
    mlf_sql_conn *c;
    int rc = mlf_sql_read_begin(s, pool, &c, err);
    if (rc < 0)
        return rc;
    rc = mlf__history_in_tx(c, pool, run_id, metric_key, max_results, offset, ret, err);
    mlf_sql_read_end(s, c);
    return rc;
}

static int mlf__bulk_in_tx(mlf_sql_conn *c, mlf_pool *pool, char *const *run_ids, size_t n_run_ids,
                           const char *metric_key, int64_t max_results, Mlflow__MetricWithRunId ***ret, size_t *ret_n,
                           mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool,
                             "SELECT run_uuid, value, timestamp, step, is_nan FROM metrics WHERE \"key\" = ?1 AND "
                             "run_uuid IN (SELECT value FROM json_each(?2)) "
                             "ORDER BY run_uuid, timestamp, step, value LIMIT ?3",
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, metric_key);
    /* pool memory outlives the statement's use: bound without a copy */
    mlf_sql_bind_text(st, 2, mlf__sql_json_strings(pool, (const char *const *)run_ids, n_run_ids));
    mlf_sql_bind_int64(st, 3, max_results);
    char *key = mlf_pool_strdup(pool, metric_key);
    char *run = NULL;
    void **items = NULL;
    size_t n = 0, cap = 0;
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        const char *u = (const char *)mlf_sql_column_text(st, 0);
        if (run == NULL || strcmp(run, u) != 0)
            run = mlf_pool_strdup(pool, u);
        mlf__grow(pool, &items, n, &cap);
        items[n++] = mlf__with_run_id(pool, st, 1, key, run);
    }
    mlf_sql_reset(st);
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    *ret = (Mlflow__MetricWithRunId **)items;
    *ret_n = n;
    return 0;
}

int mlf_store_get_metric_history_bulk(mlf_store *store, mlf_pool *pool, char *const *run_ids, size_t n_run_ids,
                                      const char *metric_key, int64_t max_results, Mlflow__MetricWithRunId ***ret,
                                      size_t *ret_n, mlf_error *err)
{
    mlf_sql_store *s = (mlf_sql_store *)store;
    mlf_sql_conn *c;
    int rc = mlf_sql_read_begin(s, pool, &c, err);
    if (rc < 0)
        return rc;
    rc = mlf__bulk_in_tx(c, pool, run_ids, n_run_ids, metric_key, max_results, ret, ret_n, err);
    mlf_sql_read_end(s, c);
    return rc;
}

/* ---- bulk interval (SqlAlchemyStore.get_metric_history_bulk_interval) ---- */

/*
 * MLflow samples each run's rows in SQL: NTILE(max_results) over the rows
 * ordered by (step, timestamp, value, is_nan), the first row of each bucket,
 * and the run's last row in place of (or after) the last sample. One scan of
 * the metric's rows for all the runs, ordered by run then that order, gives
 * the same answer: the bucket starts are computed from each run's count. The
 * sampled rows are emitted run by run in the order asked (a run asked twice
 * is emitted twice, as MLflow's loop does).
 */

typedef struct {
    const char *uuid; /* from the pool */
    size_t start, n;  /* its points */
} mlf__run_points;

static int mlf__cmp_run_points(const void *a, const void *b)
{
    return strcmp(((const mlf__run_points *)a)->uuid, ((const mlf__run_points *)b)->uuid);
}

static int mlf__interval_in_tx(mlf_sql_conn *c, mlf_pool *pool, char *const *run_ids, size_t n_run_ids,
                               const char *metric_key, int64_t max_results, const int64_t *start_step,
                               const int64_t *end_step, Mlflow__MetricWithRunId ***ret, size_t *ret_n, mlf_error *err)
{
    *ret = NULL;
    *ret_n = 0;
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool,
                             "SELECT run_uuid, step, timestamp, value, is_nan FROM metrics WHERE \"key\" = ?1 AND "
                             "run_uuid IN (SELECT value FROM json_each(?2)) "
                             "ORDER BY run_uuid, step, timestamp, value, is_nan",
                             &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, metric_key);
    /* pool memory outlives the statement's use: bound without a copy */
    mlf_sql_bind_text(st, 2, mlf__sql_json_strings(pool, (const char *const *)run_ids, n_run_ids));
    bool ranged = start_step != NULL && end_step != NULL;
    mlf__point *pts = NULL;
    size_t n_pts = 0, cap = 0;
    mlf__run_points *runs = MLF_NEW_ARRAY(pool, mlf__run_points, n_run_ids + 1);
    size_t n_runs = 0;
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        const char *u = (const char *)mlf_sql_column_text(st, 0);
        int64_t step = mlf_sql_column_int64(st, 1);
        if (ranged && (step < *start_step || step > *end_step))
            continue;
        if (n_runs == 0 || strcmp(runs[n_runs - 1].uuid, u) != 0)
            runs[n_runs++] = (mlf__run_points){.uuid = mlf_pool_strdup(pool, u), .start = n_pts};
        if (n_pts == cap) {
            cap = cap == 0 ? 1024 : cap * 2;
            mlf__point *grown = MLF_NEW_ARRAY(pool, mlf__point, cap);
            if (n_pts > 0)
                memcpy(grown, pts, n_pts * sizeof(*grown));
            pts = grown;
        }
        pts[n_pts++] = (mlf__point){.step = step,
                                    .timestamp = mlf_sql_column_int64(st, 2),
                                    .value = mlf_sql_column_double(st, 3),
                                    .is_nan = mlf_sql_column_int(st, 4)};
        runs[n_runs - 1].n++;
    }
    mlf_sql_reset(st);
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    if (n_pts == 0)
        return 0;

    size_t m_max = max_results > 1 ? (size_t)max_results : 1; /* max(1, max_results) */
    char *key = mlf_pool_strdup(pool, metric_key);
    void **items = NULL;
    size_t n = 0, cap_items = 0;
    /* runs are sorted by uuid (the query's order) for the lookups below */
    for (size_t r = 0; r < n_run_ids; r++) {
        mlf__run_points probe = {.uuid = run_ids[r] != NULL ? run_ids[r] : ""};
        const mlf__run_points *rp = bsearch(&probe, runs, n_runs, sizeof(*runs), mlf__cmp_run_points);
        if (rp == NULL)
            continue;
        /* NTILE(m) over N rows: the first N % m buckets hold one row more than the others */
        size_t N = rp->n, buckets = N < m_max ? N : m_max, q = N / m_max, rem = N % m_max;
        size_t *picks = MLF_NEW_ARRAY(pool, size_t, buckets + 1);
        size_t n_picks = 0;
        for (size_t b = 0; b < buckets; b++)
            picks[n_picks++] = b * q + (b < rem ? b : rem);
        /* the run's last row ends the sample: it replaces the last pick when the sample is full */
        if (n_picks > 0 && picks[n_picks - 1] != N - 1) {
            if (n_picks >= m_max)
                picks[n_picks - 1] = N - 1;
            else
                picks[n_picks++] = N - 1;
        }
        for (size_t k = 0; k < n_picks; k++) {
            const mlf__point *p = &pts[rp->start + picks[k]];
            Mlflow__MetricWithRunId *m = MLF_NEW(pool, Mlflow__MetricWithRunId);
            mlflow__metric_with_run_id__init(m);
            m->key = key;
            m->has_value = m->has_timestamp = m->has_step = 1;
            m->value = p->is_nan ? NAN : p->value;
            m->timestamp = p->timestamp;
            m->step = p->step;
            m->run_id = (char *)rp->uuid;
            mlf__grow(pool, &items, n, &cap_items);
            items[n++] = m;
        }
    }
    *ret = (Mlflow__MetricWithRunId **)items;
    *ret_n = n;
    return 0;
}

int mlf_store_get_metric_history_bulk_interval(mlf_store *store, mlf_pool *pool, char *const *run_ids, size_t n_run_ids,
                                               const char *metric_key, int64_t max_results, const int64_t *start_step,
                                               const int64_t *end_step, Mlflow__MetricWithRunId ***ret, size_t *ret_n,
                                               mlf_error *err)
{
    mlf_sql_store *s = (mlf_sql_store *)store;
    mlf_sql_conn *c;
    int rc = mlf_sql_read_begin(s, pool, &c, err);
    if (rc < 0)
        return rc;
    rc = mlf__interval_in_tx(c, pool, run_ids, n_run_ids, metric_key, max_results, start_step, end_step, ret, ret_n,
                             err);
    mlf_sql_read_end(s, c);
    return rc;
}
