/*
 * searchRuns on both backends, with the results of SqlAlchemyStore._search_runs
 * (MLflow 3.18): the same runs, in the same order, in the same pages.
 *
 * One query finds the matching runs with their sort keys: a metric, param
 * or tag filter is a join on its table's primary key ((key, run_uuid), at
 * most one row per run), a dataset filter an EXISTS over the inputs index,
 * an attribute filter a test of runs' columns, and every order_by on a
 * metric, param or tag a LEFT JOIN on that key. The page is then picked in
 * C with a heap bounded by
 * offset + max_results (SQLite's ORDER BY ... LIMIT keeps its top rows in a
 * b-tree of records, which cost more than the query itself), and its runs
 * are loaded in bulk (mlf__sql_load_runs). Request text reaches the SQL
 * only as bound values: columns and tables come from the fixed tables
 * below, chosen by the parsed clauses' entity and canonical key.
 *
 * MLflow's ordering (_get_orderby_clauses): each order_by key sorts present
 * values first (in the asked direction, as SQLite compares them), then NaN
 * metrics, then runs without the key, whatever the direction; then
 * start_time DESC unless ordered by it; then run_uuid.
 */
#include <inttypes.h>
#include <string.h>

#include "store/pystr.h"
#include "store/sql/sql.h"

/* Experiment ids tested as a list of placeholders; more go in one JSON array (fewer statements to cache). */
#define MLF__INLINE_IDS 16
/* SEARCH_MAX_RESULTS_THRESHOLD */
#define MLF__SEARCH_MAX_RESULTS 50000
/* mlflow.utils.mlflow_tags */
#define MLF__RUN_NAME_TAG "mlflow.runName"
#define MLF__DATASET_CONTEXT "mlflow.data.context"

typedef enum { MLF__P_TEXT, MLF__P_INT, MLF__P_REAL } mlf__param_kind;

typedef struct {
    mlf__param_kind kind;
    const char *text;
    int64_t i;
    double d;
} mlf__param;

/* A piece of SQL with its bound values, in order. */
typedef struct {
    mlf_buf sql;
    mlf__param *params;
    size_t n_params, cap;
    mlf_pool *pool;
    bool postgres; /* how a Python int beyond int64 binds (see mlf__comparison) */
} mlf__query;

static void mlf__query_init(mlf__query *q, mlf_pool *pool, size_t cap)
{
    *q = (mlf__query){.pool = pool};
    mlf_buf_init(&q->sql, pool, cap);
}

static void mlf__query_add(mlf__query *q, mlf__param p)
{
    if (q->n_params == q->cap) {
        q->cap = q->cap == 0 ? 16 : q->cap * 2;
        mlf__param *grown = MLF_NEW_ARRAY(q->pool, mlf__param, q->cap);
        if (q->n_params > 0)
            memcpy(grown, q->params, q->n_params * sizeof(*grown));
        q->params = grown;
    }
    q->params[q->n_params++] = p;
}

static void mlf__query_add_text(mlf__query *q, const char *text)
{
    mlf__query_add(q, (mlf__param){.kind = MLF__P_TEXT, .text = text});
}

/* Appends other's SQL and values to q. */
static void mlf__query_append(mlf__query *q, const mlf__query *other)
{
    mlf_buf_append(&q->sql, other->sql.data, other->sql.len);
    for (size_t i = 0; i < other->n_params; i++)
        mlf__query_add(q, other->params[i]);
}

static void mlf__query_bind(const mlf__query *q, mlf_sql_stmt *st)
{
    for (size_t i = 0; i < q->n_params; i++) {
        const mlf__param *p = &q->params[i];
        int idx = (int)i + 1;
        if (p->kind == MLF__P_TEXT)
            mlf_sql_bind_text(st, idx, p->text);
        else if (p->kind == MLF__P_INT)
            mlf_sql_bind_int64(st, idx, p->i);
        else
            mlf_sql_bind_double(st, idx, p->d);
    }
}

/* Run attributes: filter and order column of each canonical key (run_name filters go to its tag instead). */
static const struct {
    const char *key;
    const char *column;
} mlf__run_columns[] = {
    {"run_id", "r.run_uuid"},
    {"run_name", "r.name"},
    {"status", "r.status"},
    {"user_id", "r.user_id"},
    {"artifact_uri", "r.artifact_uri"},
    {"start_time", "r.start_time"},
    {"end_time", "r.end_time"},
};

static const char *mlf__run_column(const char *key)
{
    for (size_t i = 0; i < sizeof(mlf__run_columns) / sizeof(mlf__run_columns[0]); i++)
        if (strcmp(key, mlf__run_columns[i].key) == 0)
            return mlf__run_columns[i].column;
    return NULL;
}

/* The key/value table of a metric, param or tag. */
static const char *mlf__entity_table(mlf_search_entity entity)
{
    switch (entity) {
    case MLF_ENTITY_METRIC:
        return "latest_metrics";
    case MLF_ENTITY_PARAM:
        return "params";
    case MLF_ENTITY_TAG:
        return "tags";
    default:
        return NULL;
    }
}

static const char *mlf__op_sql(mlf_search_op op)
{
    static const char *const ops[] = {"=", "!=", "<", "<=", ">", ">=", "LIKE", "LIKE", "IN", "NOT IN"};
    return (unsigned)op < sizeof(ops) / sizeof(ops[0]) ? ops[op] : NULL;
}

/*
 * Appends `<column> <op> <value>` with the value bound: ILIKE as
 * lower() LIKE lower() (SQLAlchemy's rendering on SQLite), IN lists as a
 * bound JSON array of their values.
 */
static int mlf__comparison(mlf__query *q, const char *column, const mlf_search_clause *cl, bool metric, mlf_error *err)
{
    const char *op = mlf__op_sql(cl->op);
    if (op == NULL)
        return mlf_error_set(err, q->pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid comparator");
    if (cl->op == MLF_OP_IN || cl->op == MLF_OP_NOT_IN) {
        if (cl->value_kind != MLF_VALUE_LIST)
            return mlf_error_set(err, q->pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                 "Expected a list of quoted string values for %s", op);
        mlf_buf json;
        mlf_buf_init(&json, q->pool, 64);
        mlf_buf_putc(&json, '[');
        size_t kept = 0;
        for (size_t i = 0; i < cl->n_list; i++) {
            if (cl->list[i] == NULL)
                continue;
            if (kept++ > 0)
                mlf_buf_putc(&json, ',');
            mlf_json_write_string(&json, cl->list[i], strlen(cl->list[i]));
        }
        mlf_buf_putc(&json, ']');
        mlf_buf_printf(&q->sql, "%s %s (SELECT value FROM json_each(?))", column, op);
        mlf__query_add_text(q, json.data);
        return 0;
    }
    if (cl->value_kind == MLF_VALUE_LIST)
        return mlf_error_set(err, q->pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Only the 'run_id' attribute supports comparison with a list of quoted string values.");
    if (cl->op == MLF_OP_ILIKE)
        mlf_buf_printf(&q->sql, "lower(%s) LIKE lower(?)", column);
    else
        mlf_buf_printf(&q->sql, "%s %s ?", column, op);
    if (cl->value_kind == MLF_VALUE_NUMBER && metric) {
        /* float(value) */
        mlf__query_add(q, (mlf__param){.kind = MLF__P_REAL, .d = cl->num});
    } else if (cl->value_kind == MLF_VALUE_NUMBER) {
        /* _get_value: int() of an integer literal, float() of a float one (a Python int beyond
         * int64 is bound as its text, which the column's numeric affinity converts) */
        int64_t i;
        if (cl->num_is_float || cl->num_text == NULL)
            mlf__query_add(q, (mlf__param){.kind = MLF__P_REAL, .d = cl->num});
        else if (mlf_pystr_parse_int(cl->num_text, &i) == 0)
            mlf__query_add(q, (mlf__param){.kind = MLF__P_INT, .i = i});
        else if (!q->postgres) /* sqlite3 cannot bind it */
            return mlf_error_set(err, q->pool, MLF_ERR_INTERNAL_ERROR,
                                 "Python int too large to convert to SQLite INTEGER");
        else /* psycopg2 sends a numeric literal: beyond every bigint, as the double is */
            mlf__query_add(q, (mlf__param){.kind = MLF__P_REAL, .d = cl->num});
    } else {
        mlf__query_add_text(q, cl->str != NULL ? cl->str : "");
    }
    return 0;
}

/*
 * A metric, param, tag or run_name clause: ` CROSS JOIN <table> AS f<i>`
 * on the run's row of that key with a matching value. The (key, run_uuid)
 * primary key gives at most one row, as MLflow's join on its filtered
 * subquery does; CROSS JOIN keeps runs the outer loop (SQLite does not
 * reorder it), so each run costs one primary key probe, and a join probe
 * is cheaper than an EXISTS subquery's.
 */
static int mlf__join_key_value(mlf__query *joins, size_t i, const char *table, const char *key,
                               const mlf_search_clause *cl, mlf_error *err)
{
    mlf_buf_printf(&joins->sql, " CROSS JOIN %s AS f%zu ON f%zu.run_uuid = r.run_uuid AND f%zu.\"key\" = ? AND ", table,
                   i, i, i);
    mlf__query_add_text(joins, key);
    bool metric = strcmp(table, "latest_metrics") == 0;
    if (!metric)
        return mlf__comparison(joins, mlf_pool_sprintf(joins->pool, "f%zu.value", i), cl, false, err);
    /* a NaN metric is stored as 0 with is_nan: it satisfies != and nothing else, as NaN does */
    mlf_buf_putc(&joins->sql, '(');
    int rc = mlf__comparison(joins, mlf_pool_sprintf(joins->pool, "f%zu.value", i), cl, true, err);
    if (rc < 0)
        return rc;
    mlf_buf_printf(&joins->sql, cl->op == MLF_OP_NE ? " OR f%zu.is_nan)" : " AND NOT f%zu.is_nan)", i);
    return 0;
}

/* ` AND [NOT] EXISTS (...)` for `params.x IS [NOT] NULL` / `tags.x IS [NOT] NULL`: whether the run has the key. */
static void mlf__exists_key(mlf__query *where, const char *table, const mlf_search_clause *cl)
{
    mlf_buf_printf(&where->sql,
                   " AND %sEXISTS (SELECT 1 FROM %s AS n WHERE n.run_uuid = r.run_uuid AND n.\"key\" = ?)",
                   cl->op == MLF_OP_IS_NULL ? "NOT " : "", table);
    mlf__query_add_text(where, cl->key != NULL ? cl->key : "");
}

/* `AND EXISTS (...)` for a dataset clause: some dataset input of the run matches. */
static int mlf__exists_dataset(mlf__query *where, const mlf_search_clause *cl, mlf_error *err)
{
    const char *key = cl->key != NULL ? cl->key : "";
    mlf_buf_puts(&where->sql,
                 " AND EXISTS (SELECT 1 FROM inputs AS i JOIN datasets AS d ON d.dataset_uuid = i.source_id");
    const char *column;
    if (strcmp(key, "context") == 0) {
        mlf_buf_puts(&where->sql, " JOIN input_tags AS t ON t.input_uuid = i.input_uuid AND t.name = ?");
        mlf__query_add_text(where, MLF__DATASET_CONTEXT);
        column = "t.value";
    } else if (strcmp(key, "name") == 0) {
        column = "d.name";
    } else if (strcmp(key, "digest") == 0) {
        column = "d.digest";
    } else {
        return mlf_error_set(err, where->pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Invalid dataset key '%s' specified. Valid keys are '{'name', 'digest', 'context'}'", key);
    }
    /* only log_inputs writes DATASET -> RUN edges: naming both types lets the inputs index find them */
    mlf_buf_puts(&where->sql, " WHERE i.destination_type = 'RUN' AND i.destination_id = r.run_uuid "
                              "AND i.source_type = 'DATASET' AND ");
    int rc = mlf__comparison(where, column, cl, false, err);
    if (rc < 0)
        return rc;
    mlf_buf_putc(&where->sql, ')');
    return 0;
}

/* Adds clause i: a join for keyed values, a WHERE term for attributes and datasets. */
static int mlf__filter(mlf__query *joins, mlf__query *where, size_t i, const mlf_search_clause *cl, mlf_error *err)
{
    const char *key = cl->key != NULL ? cl->key : "";
    switch (cl->entity) {
    case MLF_ENTITY_ATTRIBUTE: {
        /* _get_sqlalchemy_filter_clauses: run_name means the mlflow.runName tag (runs.name is empty for old runs) */
        if (strcmp(key, "run_name") == 0)
            return mlf__join_key_value(joins, i, "tags", MLF__RUN_NAME_TAG, cl, err);
        const char *column = mlf__run_column(key);
        if (column == NULL)
            return mlf_error_set(err, where->pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                 "Invalid attribute key '%s' specified.", key);
        mlf_buf_puts(&where->sql, " AND ");
        return mlf__comparison(where, column, cl, false, err);
    }
    case MLF_ENTITY_METRIC:
    case MLF_ENTITY_PARAM:
    case MLF_ENTITY_TAG:
        if (cl->op == MLF_OP_IS_NULL || cl->op == MLF_OP_IS_NOT_NULL) {
            mlf__exists_key(where, mlf__entity_table(cl->entity), cl);
            return 0;
        }
        return mlf__join_key_value(joins, i, mlf__entity_table(cl->entity), key, cl, err);
    case MLF_ENTITY_DATASET:
        /* a run may match through several inputs: EXISTS keeps it once */
        return mlf__exists_dataset(where, cl, err);
    }
    return mlf_error_set(err, where->pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid search expression type '%d'",
                         (int)cl->entity);
}

/* How a sort term's rank (the CASE of _get_orderby_clauses) is read from its columns. */
typedef enum {
    MLF__RANK_NULL_LAST,     /** value IS NULL -> 1 */
    MLF__RANK_NAN_NULL_LAST, /** is_nan -> 1, value IS NULL -> 2 (metrics) */
    MLF__RANK_NONE,          /** the start_time DESC tie-break: a plain ORDER BY term */
} mlf__rank_kind;

/* One ORDER BY term: its rank and value columns in the result row. */
typedef struct {
    mlf__rank_kind rank;
    bool ascending;
    int value_col;
    int nan_col; /** MLF__RANK_NAN_NULL_LAST: the is_nan column */
} mlf__term;

/* The query's sort terms; result column 0 is run_uuid, the terms' columns follow. */
typedef struct {
    mlf__term *terms;
    size_t n;
} mlf__sort;

/* _get_orderby_clauses: the join that brings the key's value, and the select columns of its term. */
static int mlf__order(mlf__query *joins, mlf_buf *cols, int *n_cols, mlf__term *term, size_t i,
                      const mlf_search_order *o, bool *by_start_time, mlf_error *err)
{
    const char *key = o->key != NULL ? o->key : "";
    *term = (mlf__term){.rank = MLF__RANK_NULL_LAST, .ascending = o->ascending, .value_col = (*n_cols)++};
    if (o->entity == MLF_ENTITY_ATTRIBUTE) {
        const char *column = mlf__run_column(key);
        if (column == NULL)
            return mlf_error_set(err, joins->pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                 "Invalid attribute key '%s' specified.", key);
        if (strcmp(key, "start_time") == 0)
            *by_start_time = true;
        mlf_buf_printf(cols, ", %s", column);
        return 0;
    }
    const char *table = mlf__entity_table(o->entity);
    if (table == NULL)
        return mlf_error_set(err, joins->pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid identifier type '%s'",
                             "dataset");
    mlf_buf_printf(&joins->sql, " LEFT OUTER JOIN %s AS o%zu ON o%zu.run_uuid = r.run_uuid AND o%zu.\"key\" = ?", table,
                   i, i, i);
    mlf__query_add_text(joins, key);
    mlf_buf_printf(cols, ", o%zu.value", i);
    if (o->entity == MLF_ENTITY_METRIC) {
        term->rank = MLF__RANK_NAN_NULL_LAST;
        term->nan_col = (*n_cols)++;
        mlf_buf_printf(cols, ", o%zu.is_nan", i);
    }
    return 0;
}

/* The query for the matching runs' uuids and sort keys. */
static int mlf__build(mlf_pool *pool, bool postgres, const int64_t *experiment_ids, size_t n_experiment_ids,
                      Mlflow__ViewType view_type, const mlf_search_clause *clauses, size_t n_clauses,
                      const mlf_search_order *orders, size_t n_orders, mlf__query *q, mlf__sort *sort, mlf_error *err)
{
    mlf__query filters, joins, where;
    mlf__query_init(&filters, pool, 256);
    mlf__query_init(&joins, pool, 256);
    mlf__query_init(&where, pool, 512);
    filters.postgres = joins.postgres = where.postgres = postgres;
    mlf_buf cols;
    mlf_buf_init(&cols, pool, 128);
    int n_cols = 1;

    sort->terms = MLF_NEW_ARRAY(pool, mlf__term, n_orders + 1);
    sort->n = 0;
    bool by_start_time = false;
    for (size_t i = 0; i < n_orders; i++) {
        int rc = mlf__order(&joins, &cols, &n_cols, &sort->terms[sort->n++], i, &orders[i], &by_start_time, err);
        if (rc < 0)
            return rc;
    }
    if (!by_start_time) {
        sort->terms[sort->n++] = (mlf__term){.rank = MLF__RANK_NONE, .ascending = false, .value_col = n_cols++};
        mlf_buf_puts(&cols, ", r.start_time");
    }

    /* LifecycleStage.view_type_to_stages */
    const char *active = NULL, *deleted = NULL;
    if (view_type == MLFLOW__VIEW_TYPE__ACTIVE_ONLY || view_type == MLFLOW__VIEW_TYPE__ALL)
        active = "active";
    if (view_type == MLFLOW__VIEW_TYPE__DELETED_ONLY || view_type == MLFLOW__VIEW_TYPE__ALL)
        deleted = "deleted";
    /* a short list of placeholders is tested inline; a long one becomes one bound JSON array */
    if (n_experiment_ids <= MLF__INLINE_IDS) {
        mlf_buf_puts(&where.sql, " WHERE r.experiment_id IN (");
        for (size_t i = 0; i < n_experiment_ids; i++) {
            mlf_buf_puts(&where.sql, i > 0 ? ", ?" : "?");
            mlf__query_add(&where, (mlf__param){.kind = MLF__P_INT, .i = experiment_ids[i]});
        }
        mlf_buf_putc(&where.sql, ')');
    } else {
        mlf_buf json;
        mlf_buf_init(&json, pool, n_experiment_ids * 8 + 2);
        mlf_buf_putc(&json, '[');
        for (size_t i = 0; i < n_experiment_ids; i++)
            mlf_buf_printf(&json, "%s%" PRId64, i > 0 ? "," : "", experiment_ids[i]);
        mlf_buf_putc(&json, ']');
        mlf_buf_puts(&where.sql, " WHERE r.experiment_id IN (SELECT CAST(value AS BIGINT) FROM json_each(?))");
        mlf__query_add_text(&where, json.data);
    }
    mlf_buf_puts(&where.sql, " AND r.lifecycle_stage IN (?, ?)");
    mlf__query_add_text(&where, active);
    mlf__query_add_text(&where, deleted);
    /* equality first: the joins run in the order written, and an equality usually leaves fewer runs to probe */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n_clauses; i++) {
            if ((clauses[i].op == MLF_OP_EQ) != (pass == 0))
                continue;
            int rc = mlf__filter(&filters, &where, i, &clauses[i], err);
            if (rc < 0)
                return rc;
        }
    }

    mlf__query_init(q, pool, 1024);
    mlf_buf_printf(&q->sql, "SELECT r.run_uuid%s FROM runs AS r", cols.data);
    mlf__query_append(q, &filters);
    mlf__query_append(q, &joins);
    mlf__query_append(q, &where);
    /*
     * Rows that sort first should come first, so that the page's heap takes
     * them early and turns the rest away with one comparison: runs are
     * mostly created in start_time order, and rowid order is free to walk.
     */
    const mlf__term *first = &sort->terms[0];
    bool start_time_first =
        first->rank == MLF__RANK_NONE || (n_orders > 0 && orders[0].entity == MLF_ENTITY_ATTRIBUTE &&
                                          orders[0].key != NULL && strcmp(orders[0].key, "start_time") == 0);
    if (start_time_first)
        mlf_buf_puts(&q->sql, first->ascending ? " ORDER BY r.rowid ASC" : " ORDER BY r.rowid DESC");
    return 0;
}

/* ---- picking the page ---- */

/* A sort key value as SQLite holds it. */
typedef struct {
    int rank;
    int type; /** MLF_SQL_NULL, MLF_SQL_INTEGER, MLF_SQL_FLOAT, MLF_SQL_TEXT, MLF_SQL_BLOB */
    int64_t i;
    double d;
    const char *s; /** TEXT, BLOB (pool copy) */
    size_t len;
} mlf__key;

typedef struct {
    const char *uuid;
    mlf__key *keys;
} mlf__row;

static int mlf__type_class(int type)
{
    switch (type) {
    case MLF_SQL_NULL:
        return 0;
    case MLF_SQL_INTEGER:
    case MLF_SQL_FLOAT:
        return 1;
    case MLF_SQL_TEXT:
        return 2;
    default:
        return 3;
    }
}

/* Two values as SQLite's ORDER BY compares them (BINARY collation): NULL < numbers < text < blobs. */
static int mlf__cmp_value(const mlf__key *a, const mlf__key *b)
{
    int ca = mlf__type_class(a->type), cb = mlf__type_class(b->type);
    if (ca != cb)
        return ca < cb ? -1 : 1;
    if (ca == 0)
        return 0;
    if (ca == 1) {
        if (a->type == MLF_SQL_INTEGER && b->type == MLF_SQL_INTEGER)
            return (a->i > b->i) - (a->i < b->i);
        double x = a->type == MLF_SQL_INTEGER ? (double)a->i : a->d;
        double y = b->type == MLF_SQL_INTEGER ? (double)b->i : b->d;
        return (x > y) - (x < y);
    }
    size_t n = a->len < b->len ? a->len : b->len;
    int c = n > 0 ? memcmp(a->s, b->s, n) : 0;
    if (c != 0)
        return c < 0 ? -1 : 1;
    return (a->len > b->len) - (a->len < b->len);
}

/* The full ORDER BY: each term's rank (always ascending) then value, then run_uuid. */
static int mlf__cmp_rows(const mlf__sort *sort, const mlf__row *a, const mlf__row *b)
{
    for (size_t t = 0; t < sort->n; t++) {
        const mlf__key *x = &a->keys[t], *y = &b->keys[t];
        if (x->rank != y->rank)
            return x->rank < y->rank ? -1 : 1;
        int c = mlf__cmp_value(x, y);
        if (c != 0)
            return sort->terms[t].ascending ? c : -c;
    }
    return strcmp(a->uuid, b->uuid);
}

/* Reads a row's keys; text is copied only when keep is set (the row enters the heap). */
static void mlf__read_keys(mlf_pool *pool, const mlf__sort *sort, mlf_sql_stmt *st, mlf__key *keys, bool keep)
{
    for (size_t t = 0; t < sort->n; t++) {
        const mlf__term *term = &sort->terms[t];
        mlf__key *k = &keys[t];
        k->type = mlf_sql_column_type(st, term->value_col);
        switch (k->type) {
        case MLF_SQL_INTEGER:
            k->i = mlf_sql_column_int64(st, term->value_col);
            break;
        case MLF_SQL_FLOAT:
            k->d = mlf_sql_column_double(st, term->value_col);
            break;
        case MLF_SQL_TEXT:
        case MLF_SQL_BLOB: {
            const void *p = k->type == MLF_SQL_TEXT ? (const void *)mlf_sql_column_text(st, term->value_col)
                                                    : mlf_sql_column_blob(st, term->value_col);
            k->len = (size_t)mlf_sql_column_bytes(st, term->value_col);
            k->s = keep ? mlf_pool_strndup(pool, p, k->len) : p;
            break;
        }
        default:
            break;
        }
        if (term->rank == MLF__RANK_NONE)
            k->rank = 0;
        else if (term->rank == MLF__RANK_NAN_NULL_LAST && mlf_sql_column_int(st, term->nan_col) == 1)
            k->rank = 1;
        else if (k->type == MLF_SQL_NULL)
            k->rank = term->rank == MLF__RANK_NAN_NULL_LAST ? 2 : 1;
        else
            k->rank = 0;
    }
}

/*
 * A max-heap of the best `cap` rows seen so far (its root is the worst of
 * them), grown on demand so that memory follows the rows, not the offset.
 */
typedef struct {
    mlf__row *rows;
    size_t n, alloc;
    uint64_t cap;
    const mlf__sort *sort;
    mlf_pool *pool;
} mlf__heap;

static void mlf__sift_down(mlf__heap *h, size_t i, size_t n)
{
    for (;;) {
        size_t l = 2 * i + 1, worst = i;
        if (l < n && mlf__cmp_rows(h->sort, &h->rows[l], &h->rows[worst]) > 0)
            worst = l;
        if (l + 1 < n && mlf__cmp_rows(h->sort, &h->rows[l + 1], &h->rows[worst]) > 0)
            worst = l + 1;
        if (worst == i)
            return;
        mlf__row tmp = h->rows[i];
        h->rows[i] = h->rows[worst];
        h->rows[worst] = tmp;
        i = worst;
    }
}

static void mlf__heap_offer(mlf__heap *h, mlf_sql_stmt *st, mlf__key *scratch)
{
    mlf__read_keys(h->pool, h->sort, st, scratch, false);
    mlf__row cand = {.uuid = (const char *)mlf_sql_column_text(st, 0), .keys = scratch};
    if (cand.uuid == NULL)
        cand.uuid = "";
    if (h->n == h->cap && mlf__cmp_rows(h->sort, &cand, &h->rows[0]) >= 0)
        return;
    mlf__row row = {.uuid = mlf_pool_strdup(h->pool, cand.uuid),
                    .keys = MLF_NEW_ARRAY(h->pool, mlf__key, h->sort->n + 1)};
    mlf__read_keys(h->pool, h->sort, st, row.keys, true);
    if (h->n == h->cap) {
        h->rows[0] = row;
        mlf__sift_down(h, 0, h->n);
        return;
    }
    if (h->n == h->alloc) {
        h->alloc = h->alloc == 0 ? 128 : h->alloc * 2;
        mlf__row *grown = MLF_NEW_ARRAY(h->pool, mlf__row, h->alloc);
        if (h->n > 0)
            memcpy(grown, h->rows, h->n * sizeof(*grown));
        h->rows = grown;
    }
    size_t i = h->n++;
    h->rows[i] = row;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (mlf__cmp_rows(h->sort, &h->rows[i], &h->rows[parent]) <= 0)
            break;
        mlf__row tmp = h->rows[i];
        h->rows[i] = h->rows[parent];
        h->rows[parent] = tmp;
        i = parent;
    }
}

/* Heapsort of what the heap holds: ascending in the query's order. */
static void mlf__heap_sort(mlf__heap *h)
{
    for (size_t end = h->n; end > 1; end--) {
        mlf__row tmp = h->rows[0];
        h->rows[0] = h->rows[end - 1];
        h->rows[end - 1] = tmp;
        mlf__sift_down(h, 0, end - 1);
    }
}

static int mlf__search_in_tx(mlf_sql_conn *c, mlf_pool *pool, const mlf__query *q, const mlf__sort *sort,
                             int64_t max_results, int64_t offset, bool postgres, mlf_store_run_page *ret,
                             mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc;
    if (postgres && offset < 0) {
        /* MLflow's query has OFFSET: PostgreSQL refuses a negative one (SQLite reads it as 0) */
        rc = mlf_sql_prepare(c, pool, "SELECT 1 OFFSET ?", &st, err);
        if (rc < 0)
            return rc;
        mlf_sql_bind_int64(st, 1, offset);
        rc = mlf_sql_step(st);
        mlf_sql_reset(st);
        if (rc != MLF_SQL_ROW && rc != MLF_SQL_DONE)
            return mlf_sql_error(pool, c, rc, err);
    }
    rc = mlf_sql_prepare(c, pool, q->sql.data, &st, err);
    if (rc < 0)
        return rc;
    mlf__query_bind(q, st);
    /* SQLite reads a negative OFFSET as 0 */
    uint64_t skip = offset > 0 ? (uint64_t)offset : 0;
    /* one row more than the page tells whether another page follows */
    mlf__heap h = {.cap = skip + (uint64_t)max_results + 1, .sort = sort, .pool = pool};
    mlf__key *scratch = MLF_NEW_ARRAY(pool, mlf__key, sort->n + 1);
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW)
        mlf__heap_offer(&h, st, scratch);
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    mlf_sql_reset(st);
    mlf__heap_sort(&h);

    size_t n = h.n > skip ? (size_t)(h.n - skip) : 0;
    /* compute_next_token: a token only when a row follows the page */
    bool more = (int64_t)n > max_results;
    if (more)
        n = (size_t)max_results;
    const char **uuids = MLF_NEW_ARRAY(pool, const char *, n + 1);
    for (size_t i = 0; i < n; i++)
        uuids[i] = h.rows[skip + i].uuid;
    Mlflow__Run **runs = MLF_NEW_ARRAY(pool, Mlflow__Run *, n + 1);
    if (n > 0) {
        rc = mlf__sql_load_runs(c, pool, uuids, n, runs, err);
        if (rc < 0)
            return rc;
    }
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if (runs[i] != NULL)
            runs[kept++] = runs[i];
    ret->runs = runs;
    ret->n = kept;
    ret->next_page_token = more ? mlf_search_page_token_encode(pool, offset + max_results) : NULL;
    return 0;
}

int mlf_store_search_runs(mlf_store *store, mlf_pool *pool, char *const *experiment_ids, size_t n_experiment_ids,
                          const mlf_search_clause *clauses, size_t n_clauses, Mlflow__ViewType run_view_type,
                          int64_t max_results, const mlf_search_order *orders, size_t n_orders, int64_t offset,
                          mlf_store_run_page *ret, mlf_error *err)
{
    *ret = (mlf_store_run_page){0};
    /* _validate_max_results_param(max_results, allow_null=True) */
    if (max_results < 1)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Invalid value %" PRId64 " for parameter 'max_results' supplied. It must be a positive "
                             "integer",
                             max_results);
    if (max_results > MLF__SEARCH_MAX_RESULTS)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Invalid value %" PRId64 " for parameter 'max_results' supplied. It must be at most %d",
                             max_results, MLF__SEARCH_MAX_RESULTS);

    mlf__query q;
    int64_t *ids = MLF_NEW_ARRAY(pool, int64_t, n_experiment_ids + 1);
    for (size_t i = 0; i < n_experiment_ids; i++) {
        /* _parse_experiment_ids */
        const char *raw = experiment_ids[i] != NULL ? experiment_ids[i] : "";
        int64_t id;
        int rc = mlf_pystr_parse_int(raw, &id);
        if (rc == -1)
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                 "Invalid experiment ID '%s'. Experiment ID must be a valid integer.", raw);
        if (((mlf_sql_store *)store)->dialect == MLF_SQL_POSTGRES)
            id = mlf_sql_pg_unmatched_id(id, rc == -2);
        else if (rc == -2)
            return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                                 "Python int too large to convert to SQLite INTEGER");
        ids[i] = id;
    }
    mlf__sort sort;
    bool postgres = ((mlf_sql_store *)store)->dialect == MLF_SQL_POSTGRES;
    int rc = mlf__build(pool, postgres, ids, n_experiment_ids, run_view_type, clauses, n_clauses, orders, n_orders, &q,
                        &sort, err);
    if (rc < 0)
        return rc;

    mlf_sql_store *s = (mlf_sql_store *)store;
    mlf_sql_conn *c;
    rc = mlf_sql_read_begin(s, pool, &c, err);
    if (rc < 0)
        return rc;
    rc = mlf__search_in_tx(c, pool, &q, &sort, max_results, offset, s->dialect == MLF_SQL_POSTGRES, ret, err);
    mlf_sql_read_end(s, c);
    return rc;
}
