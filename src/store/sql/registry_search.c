/*
 * searchRegisteredModels and searchModelVersions on both backends: the SQL the
 * model registry's SqlAlchemyStore builds (_get_search_registered_model_
 * filter_query, _get_search_model_versions_filter_clauses, the order_by
 * parsers, LIMIT max_results + 1 for the page token), from clauses parsed by
 * src/search. Request values reach SQL only as bound parameters; column
 * names come from fixed tables below.
 *
 * Prompts: unless the filter asks for them (the first tag clause on
 * mlflow.prompt.is_prompt is `= 'true'` or `!= 'false'`, any case), every
 * clause on that tag is dropped and models having it set to exactly 'true'
 * are anti-joined away, versions by their model name's version tags.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "store/sql/registry.h"
#include "store/pystr.h"

/* SEARCH_MODEL_VERSION_MAX_RESULTS_THRESHOLD */
#define MLF__MV_MAX_RESULTS 200000

static mlf_sql_store *mlf__store(mlf_store *store)
{
    return (mlf_sql_store *)store;
}

typedef struct {
    bool is_int;
    bool literal; /** a number's text from the filter (mlf_sql_bind_number) */
    int64_t i;
    const char *text;
} mlf__param;

/* SQL text with its bound values in placeholder order. */
typedef struct {
    mlf_buf sql;
    mlf__param *params;
    size_t n, cap;
    mlf_pool *pool;
    mlf_sql_dialect dialect; /** of the store the filter is for */
} mlf__sql;

static void mlf__sql_init(mlf__sql *q, mlf_pool *pool)
{
    *q = (mlf__sql){.pool = pool};
    mlf_buf_init(&q->sql, pool, 256);
}

static void mlf__sql_text(mlf__sql *q, const char *text)
{
    q->params = mlf_sql_registry_grow(q->pool, q->params, q->n, &q->cap, sizeof(*q->params));
    q->params[q->n++] = (mlf__param){.text = text};
}

static void mlf__sql_int(mlf__sql *q, int64_t v)
{
    q->params = mlf_sql_registry_grow(q->pool, q->params, q->n, &q->cap, sizeof(*q->params));
    q->params[q->n++] = (mlf__param){.is_int = true, .i = v};
}

/* Appends another fragment with its parameters. */
static void mlf__sql_append(mlf__sql *q, const mlf__sql *part)
{
    mlf_buf_append(&q->sql, part->sql.data, part->sql.len);
    for (size_t i = 0; i < part->n; i++) {
        q->params = mlf_sql_registry_grow(q->pool, q->params, q->n, &q->cap, sizeof(*q->params));
        q->params[q->n++] = part->params[i];
    }
}

static void mlf__sql_bind(const mlf__sql *q, mlf_sql_stmt *st)
{
    for (size_t i = 0; i < q->n; i++) {
        if (q->params[i].is_int)
            mlf_sql_bind_int64(st, (int)i + 1, q->params[i].i);
        else if (q->params[i].literal)
            mlf_sql_bind_number(st, (int)i + 1, q->params[i].text);
        else
            mlf_sql_bind_text(st, (int)i + 1, q->params[i].text);
    }
}

static const char *mlf__op_sql(mlf_search_op op)
{
    switch (op) {
    case MLF_OP_EQ:
        return "=";
    case MLF_OP_NE:
        return "!=";
    case MLF_OP_LT:
        return "<";
    case MLF_OP_LE:
        return "<=";
    case MLF_OP_GT:
        return ">";
    case MLF_OP_GE:
        return ">=";
    case MLF_OP_LIKE:
        return "LIKE";
    default:
        return NULL;
    }
}

static const char *mlf__op_name(mlf_search_op op)
{
    static const char *const names[] = {"=", "!=", "<", "<=", ">", ">=", "LIKE", "ILIKE", "IN", "NOT IN"};
    return (unsigned)op < sizeof(names) / sizeof(names[0]) ? names[op] : "?";
}

/*
 * `column <op> ?` as SearchUtils.get_sql_comparison_func renders it on
 * SQLite: ILIKE as lower() LIKE lower(), IN / NOT IN over every list value.
 * Numbers are bound as their literal text; the integer column's affinity
 * compares them as numbers.
 */
static int mlf__comparison(mlf__sql *q, const char *column, const mlf_search_clause *cl, mlf_pool *pool, mlf_error *err)
{
    if (cl->op == MLF_OP_IN || cl->op == MLF_OP_NOT_IN) {
        if (cl->value_kind != MLF_VALUE_LIST)
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid comparator for attribute: %s",
                                 mlf__op_name(cl->op));
        /* every value is kept (the registry's in_() has no run-id case rule); the parser refuses an empty list */
        mlf_buf_printf(&q->sql, "%s %s (", column, cl->op == MLF_OP_IN ? "IN" : "NOT IN");
        for (size_t i = 0; i < cl->n_list; i++) {
            mlf_buf_puts(&q->sql, i == 0 ? "?" : ", ?");
            mlf__sql_text(q, cl->list[i]);
        }
        mlf_buf_putc(&q->sql, ')');
        return 0;
    }
    if (cl->value_kind == MLF_VALUE_LIST)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Only the 'run_id' attribute supports comparison with a list of quoted string values.");
    const char *value = cl->value_kind == MLF_VALUE_NUMBER ? cl->num_text : cl->str;
    if (cl->value_kind == MLF_VALUE_NUMBER && cl->num_text != NULL && strpbrk(cl->num_text, ".eE") == NULL) {
        /* Python binds an int: one beyond int64 makes the sqlite3 driver raise */
        errno = 0;
        (void)strtoll(cl->num_text, NULL, 10);
        if (errno == ERANGE && q->dialect != MLF_SQL_POSTGRES) /* psycopg2 sends a numeric literal */
            return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                                 "Python int too large to convert to SQLite INTEGER");
    }
    if (cl->op == MLF_OP_ILIKE) {
        mlf_buf_printf(&q->sql, "lower(%s) LIKE lower(?)", column);
    } else {
        const char *op = mlf__op_sql(cl->op);
        if (op == NULL)
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid comparator for attribute: %s",
                                 mlf__op_name(cl->op));
        mlf_buf_printf(&q->sql, "%s %s ?", column, op);
    }
    mlf__sql_text(q, value);
    q->params[q->n - 1].literal = cl->value_kind == MLF_VALUE_NUMBER && value != NULL;
    return 0;
}

/*
 * The numeric attribute version_number takes an int: a float literal is
 * refused, a quoted value must read as int() reads it (and is compared as
 * that int).
 */
static int mlf__version_value(mlf_pool *pool, const mlf_search_clause *cl, mlf_search_clause *ret, mlf_error *err)
{
    *ret = *cl;
    if (cl->value_kind == MLF_VALUE_NUMBER) {
        if (cl->num_text != NULL && strpbrk(cl->num_text, ".eE") != NULL)
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                 "Invalid value for numeric attribute 'version_number': %s",
                                 mlf_pystr_repr_float(pool, cl->num));
        return 0;
    }
    if (cl->value_kind != MLF_VALUE_STRING)
        return 0;
    int64_t v;
    const char *text = cl->str != NULL ? cl->str : "";
    int rc = mlf_pystr_parse_int(text, &v);
    if (rc == -1)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Invalid value for numeric attribute 'version_number': %s", mlf_pystr_repr(pool, text));
    ret->value_kind = MLF_VALUE_NUMBER;
    ret->num = (double)v;
    if (rc == 0) {
        ret->num_text = mlf_pool_sprintf(pool, "%" PRId64, v);
        return 0;
    }
    /* beyond int64: bound as the digits Python's int would have, for the driver to refuse or compare */
    mlf_buf b;
    mlf_buf_init(&b, pool, strlen(text) + 1);
    for (const char *p = text; *p != '\0'; p++)
        if ((*p >= '0' && *p <= '9') || *p == '-')
            mlf_buf_putc(&b, *p);
    ret->num_text = b.data;
    return 0;
}

/* str.lower() == word for the ASCII words "true" / "false". */
static bool mlf__lower_is(const char *s, const char *word)
{
    size_t i = 0;
    for (; s[i] != '\0' && word[i] != '\0'; i++) {
        char ch = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
        if (ch != word[i])
            return false;
    }
    return s[i] == '\0' && word[i] == '\0';
}

/* _is_querying_prompt: decided by the first tag clause on the prompt tag. */
static bool mlf__querying_prompts(const mlf_search_clause *clauses, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const mlf_search_clause *cl = &clauses[i];
        if (cl->entity != MLF_ENTITY_TAG || cl->key == NULL || strcmp(cl->key, MLF_SQL_PROMPT_TAG) != 0)
            continue;
        const char *v = cl->value_kind == MLF_VALUE_STRING && cl->str != NULL ? cl->str : "";
        return (cl->op == MLF_OP_EQ && mlf__lower_is(v, "true")) || (cl->op == MLF_OP_NE && mlf__lower_is(v, "false"));
    }
    return false;
}

/*
 * The joins and WHERE of a registry search: attribute comparisons, one tag
 * subquery matching every tag key's clauses (grouped per key, HAVING
 * count = number of keys), the prompt anti-join. table is "registered_models"
 * or "model_versions" (alias t), tag_table its tag table; versions join on
 * (name, version).
 */
static int mlf__filter(mlf_pool *pool, mlf_sql_dialect dialect, bool versions, const mlf_search_clause *clauses,
                       size_t n_clauses, mlf__sql *from, mlf_error *err)
{
    const char *tag_table = versions ? "model_version_tags" : "registered_model_tags";
    bool prompts = mlf__querying_prompts(clauses, n_clauses);
    mlf__sql where, tags;
    mlf__sql_init(&where, pool);
    mlf__sql_init(&tags, pool);
    where.dialect = tags.dialect = dialect;
    /* the table's key starts with workspace: naming it lets a name filter seek */
    mlf_buf_puts(&where.sql, " WHERE t.workspace = " MLF_SQL_WS);

    /* tag clauses grouped per key in first-seen order (a dict in MLflow) */
    const char **keys = MLF_NEW_ARRAY(pool, const char *, n_clauses + 1);
    size_t n_keys = 0;
    for (size_t i = 0; i < n_clauses; i++) {
        const mlf_search_clause *cl = &clauses[i];
        if (cl->entity == MLF_ENTITY_ATTRIBUTE) {
            const char *column = NULL;
            const char *key = cl->key != NULL ? cl->key : "";
            if (strcmp(key, "name") == 0)
                column = "t.name";
            else if (versions && strcmp(key, "version_number") == 0)
                column = "t.version";
            else if (versions && strcmp(key, "run_id") == 0)
                column = "t.run_id";
            else if (versions && (strcmp(key, "source") == 0 || strcmp(key, "source_path") == 0))
                column = "t.source";
            if (column == NULL)
                return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid attribute name: %s", key);
            mlf_search_clause as_int;
            if (versions && strcmp(key, "version_number") == 0) {
                int rc = mlf__version_value(pool, cl, &as_int, err);
                if (rc < 0)
                    return rc;
                cl = &as_int;
            }
            mlf_buf_puts(&where.sql, " AND ");
            int rc = mlf__comparison(&where, column, cl, pool, err);
            if (rc < 0)
                return rc;
        } else if (cl->entity == MLF_ENTITY_TAG) {
            if (!prompts && strcmp(cl->key, MLF_SQL_PROMPT_TAG) == 0)
                continue; /* replaced by the anti-join */
            size_t k = 0;
            while (k < n_keys && strcmp(keys[k], cl->key) != 0)
                k++;
            if (k == n_keys)
                keys[n_keys++] = cl->key;
        } else {
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE, "Invalid token type: %s",
                                 cl->entity == MLF_ENTITY_METRIC ? "metric" : "parameter");
        }
    }

    mlf__sql_init(from, pool);
    if (!prompts) {
        mlf_buf_printf(&from->sql,
                       " LEFT OUTER JOIN (SELECT name FROM %s WHERE workspace = " MLF_SQL_WS
                       " AND \"key\" = ? AND value = ? GROUP BY name) AS p ON t.name = p.name",
                       tag_table);
        mlf__sql_text(from, MLF_SQL_PROMPT_TAG);
        mlf__sql_text(from, "true");
        mlf_buf_puts(&where.sql, " AND p.name IS NULL");
    }
    if (n_keys > 0) {
        mlf_buf_printf(&tags.sql, " JOIN (SELECT name%s FROM %s WHERE workspace = " MLF_SQL_WS " AND (",
                       versions ? ", version" : "", tag_table);
        for (size_t k = 0; k < n_keys; k++) {
            mlf_buf_printf(&tags.sql, "%s(\"key\" = ?", k > 0 ? " OR " : "");
            mlf__sql_text(&tags, keys[k]);
            for (size_t i = 0; i < n_clauses; i++) {
                const mlf_search_clause *cl = &clauses[i];
                if (cl->entity != MLF_ENTITY_TAG || strcmp(cl->key, keys[k]) != 0)
                    continue;
                mlf_buf_puts(&tags.sql, " AND ");
                int rc = mlf__comparison(&tags, "value", cl, pool, err);
                if (rc < 0)
                    return rc;
            }
            mlf_buf_putc(&tags.sql, ')');
        }
        mlf_buf_printf(&tags.sql, ") GROUP BY name%s HAVING count(1) = ?) AS g ON t.name = g.name%s",
                       versions ? ", version" : "", versions ? " AND t.version = g.version" : "");
        mlf__sql_int(&tags, (int64_t)n_keys);
        mlf__sql_append(from, &tags);
    }
    if (versions) {
        mlf_buf_puts(&where.sql, " AND t.current_stage != ?");
        mlf__sql_text(&where, MLF_SQL_STAGE_DELETED);
    }
    mlf__sql_append(from, &where);
    return 0;
}

/* Runs `SELECT <columns> FROM <table> AS t <q> LIMIT ? OFFSET ?`, calling row for each row. */
typedef int (*mlf__row_fn)(mlf_pool *pool, mlf_sql_stmt *st, void *ctx, mlf_error *err);

static int mlf__run_query(mlf_sql_conn *c, mlf_pool *pool, const char *columns, const char *table, mlf__sql *q,
                          mlf__row_fn row, void *ctx, mlf_error *err)
{
    char *sql = mlf_pool_sprintf(pool, "SELECT %s FROM %s AS t%s", columns, table, q->sql.data);
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, sql, &st, err);
    if (rc < 0)
        return rc;
    mlf__sql_bind(q, st);
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        int r = row(pool, st, ctx, err);
        if (r < 0) {
            mlf_sql_reset(st);
            return r;
        }
    }
    mlf_sql_reset(st);
    if (rc != MLF_SQL_DONE)
        return mlf_sql_error(pool, c, rc, err);
    return 0;
}

/* Python's rows[:k]: k < 0 drops the last -k rows. */
static size_t mlf__slice(size_t n, int64_t k)
{
    if (k >= 0)
        return (uint64_t)k < n ? (size_t)k : n;
    uint64_t drop = (uint64_t)(-(k + 1)) + 1;
    return drop >= n ? 0 : n - (size_t)drop;
}

/* _compute_next_token: a token whenever the query filled its max_results + 1 rows. */
static const char *mlf__next_token(mlf_pool *pool, int64_t limit, size_t n, int64_t offset, int64_t max_results)
{
    if (limit < 0 || (uint64_t)limit != n)
        return NULL;
    return mlf_search_page_token_encode(pool, offset + max_results);
}

/* ---- registered models ---- */

typedef struct {
    Mlflow__RegisteredModel **items;
    size_t n, cap;
} mlf__rm_rows;

static int mlf__rm_row(mlf_pool *pool, mlf_sql_stmt *st, void *ctx, mlf_error *err)
{
    (void)err;
    mlf__rm_rows *rows = ctx;
    rows->items = mlf_sql_registry_grow(pool, rows->items, rows->n, &rows->cap, sizeof(*rows->items));
    rows->items[rows->n++] = mlf_sql_rm_from_row(pool, st);
    return 0;
}

int mlf_store_search_registered_models(mlf_store *store, mlf_pool *pool, int64_t max_results,
                                       const mlf_search_clause *clauses, size_t n_clauses,
                                       const mlf_search_order *orders, size_t n_orders, int64_t offset,
                                       mlf_store_registered_model_page *ret, mlf_error *err)
{
    mlf__sql q;
    int rc = mlf__filter(pool, ((mlf_sql_store *)store)->dialect, false, clauses, n_clauses, &q, err);
    if (rc < 0)
        return rc;
    /* _parse_search_registered_models_order_by, then name ASC unless ordered by name */
    mlf_buf_puts(&q.sql, " ORDER BY ");
    bool by_name = false;
    for (size_t i = 0; i < n_orders; i++) {
        const char *key = orders[i].key != NULL ? orders[i].key : "";
        const char *column;
        if (strcmp(key, "name") == 0)
            column = "t.name";
        else if (strcmp(key, "timestamp") == 0 || strcmp(key, "last_updated_timestamp") == 0)
            column = "t.last_updated_time";
        else
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                 "Invalid order by key '%s' specified.Valid keys are '{'name', 'timestamp'}'", key);
        by_name = by_name || strcmp(column, "t.name") == 0;
        mlf_buf_printf(&q.sql, "%s%s %s", i > 0 ? ", " : "", column, orders[i].ascending ? "ASC" : "DESC");
    }
    if (!by_name)
        mlf_buf_printf(&q.sql, "%st.name ASC", n_orders > 0 ? ", " : "");
    int64_t limit = max_results + 1;
    mlf_buf_puts(&q.sql, " LIMIT ? OFFSET ?");
    mlf__sql_int(&q, limit);
    mlf__sql_int(&q, offset);

    mlf_sql_store *s = mlf__store(store);
    mlf_sql_conn *c;
    rc = mlf_sql_read_begin(s, pool, &c, err);
    if (rc < 0)
        return rc;
    mlf__rm_rows rows = {0};
    rc = mlf__run_query(c, pool, "t.name, t.creation_time, t.last_updated_time, t.description", "registered_models", &q,
                        mlf__rm_row, &rows, err);
    if (rc == 0) {
        ret->next_page_token = mlf__next_token(pool, limit, rows.n, offset, max_results);
        ret->n = mlf__slice(rows.n, max_results);
        ret->models = rows.items;
        rc = mlf_sql_rm_load_details(c, pool, rows.items, ret->n, err);
    }
    mlf_sql_read_end(s, c);
    return rc;
}

/* ---- model versions ---- */

typedef struct {
    int64_t *items;
    size_t n, cap;
} mlf__rowids;

static int mlf__rowid_row(mlf_pool *pool, mlf_sql_stmt *st, void *ctx, mlf_error *err)
{
    (void)err;
    mlf__rowids *ids = ctx;
    ids->items = mlf_sql_registry_grow(pool, ids->items, ids->n, &ids->cap, sizeof(*ids->items));
    ids->items[ids->n++] = mlf_sql_column_int64(st, 0);
    return 0;
}

/* The versions of the given model_versions rowids, in that order (same transaction: all still there). */
static int mlf__mv_by_rowids(mlf_sql_conn *c, mlf_pool *pool, const int64_t *ids, size_t n, Mlflow__ModelVersion ***ret,
                             mlf_error *err)
{
    Mlflow__ModelVersion **out = MLF_NEW_ARRAY(pool, Mlflow__ModelVersion *, n + 1);
    *ret = out;
    if (n == 0)
        return 0;
    mlf_buf list;
    mlf_buf_init(&list, pool, n * 8 + 2);
    mlf_buf_putc(&list, '[');
    for (size_t i = 0; i < n; i++)
        mlf_buf_printf(&list, "%s%" PRId64, i > 0 ? "," : "", ids[i]);
    mlf_buf_putc(&list, ']');
    /* one statement for the page; each row lands at its array index */
    mlf_sql_stmt *st;
    int rc = mlf_sql_dialect_of(c) == MLF_SQL_SQLITE
                 ? mlf_sql_prepare(c, pool,
                                   "SELECT " MLF_SQL_MV_COLUMNS ", j.key FROM json_each(?) AS j "
                                   "CROSS JOIN model_versions AS mv ON mv.rowid = j.value",
                                   &st, err)
                 /* PostgreSQL's "rowid" is the ctid as a bigint (see translate.c): back to a tid for a TID scan */
                 : mlf_sql_prepare(c, pool,
                                   "SELECT " MLF_SQL_MV_COLUMNS ", j.pos - 1 FROM json_array_elements_text(?::json) "
                                   "WITH ORDINALITY AS j(id, pos) JOIN model_versions AS mv ON mv.ctid = "
                                   "format('(%s,%s)', j.id::bigint / 65536, j.id::bigint % 65536)::tid",
                                   &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, list.data);
    size_t got = 0;
    int step = MLF_SQL_DONE;
    while (rc == 0 && (step = mlf_sql_step(st)) == MLF_SQL_ROW) {
        int64_t at = mlf_sql_column_int64(st, 12);
        if (at < 0 || (uint64_t)at >= n || out[at] != NULL)
            continue;
        rc = mlf_sql_mv_from_row(pool, st, &out[at], err);
        got++;
    }
    mlf_sql_reset(st);
    if (rc == 0 && step != MLF_SQL_DONE)
        rc = mlf_sql_error(pool, c, step, err);
    if (rc == 0 && got != n)
        rc = mlf_sql_error(pool, c, MLF_SQL_CORRUPT, err);
    return rc;
}

/* A row's sort keys: t.name, and t.version, t.creation_time, t.last_updated_time (bit i of nulls: v[i] NULL). */
typedef struct {
    int64_t rowid;
    const char *name;
    int64_t v[3];
    unsigned nulls;
} mlf__mv_key;

typedef struct {
    mlf__mv_key *items;
    size_t n, cap;
    bool odd; /* a value whose SQLite order by type the C sort does not model */
} mlf__mv_keys;

static int mlf__mv_key_row(mlf_pool *pool, mlf_sql_stmt *st, void *ctx, mlf_error *err)
{
    (void)err;
    mlf__mv_keys *keys = ctx;
    if (keys->odd)
        return 0;
    if (mlf_sql_column_type(st, 1) != MLF_SQL_TEXT || mlf_sql_column_type(st, 2) != MLF_SQL_INTEGER) {
        keys->odd = true;
        return 0;
    }
    keys->items = mlf_sql_registry_grow(pool, keys->items, keys->n, &keys->cap, sizeof(*keys->items));
    mlf__mv_key *k = &keys->items[keys->n];
    *k = (mlf__mv_key){.rowid = mlf_sql_column_int64(st, 0), .v[0] = mlf_sql_column_int64(st, 2)};
    const char *name = (const char *)mlf_sql_column_text(st, 1);
    /* rows of one model share its name */
    k->name = keys->n > 0 && strcmp(keys->items[keys->n - 1].name, name) == 0 ? keys->items[keys->n - 1].name
                                                                              : mlf_pool_strdup(pool, name);
    for (int i = 1; i < 3; i++) {
        int type = mlf_sql_column_type(st, 2 + i);
        if (type == MLF_SQL_NULL)
            k->nulls |= 1u << i;
        else if (type == MLF_SQL_INTEGER)
            k->v[i] = mlf_sql_column_int64(st, 2 + i);
        else
            keys->odd = true;
    }
    keys->n++;
    return 0;
}

/* ORDER BY as a list of (key, direction); key -1 is t.name, 0..2 index mlf__mv_key.v. */
typedef struct {
    struct {
        int key;
        bool asc;
    } by[8];
    int n;
    bool nulls_high; /** PostgreSQL: NULL sorts after every value ascending (SQLite: before) */
} mlf__mv_sort;

static void mlf__mv_sort_add(mlf__mv_sort *spec, const char *column, bool asc)
{
    static const char *const columns[] = {"t.version", "t.creation_time", "t.last_updated_time"};
    int key = -1;
    for (int i = 0; i < 3; i++)
        if (strcmp(column, columns[i]) == 0)
            key = i;
    if (spec->n < (int)(sizeof(spec->by) / sizeof(spec->by[0])))
        spec->by[spec->n++] = (typeof(spec->by[0])){.key = key, .asc = asc};
}

static _Thread_local const mlf__mv_sort *mlf__sorting;

/* The database's order: NULL first ascending on SQLite (last on PostgreSQL), text by bytes (SQLite's BINARY, a
   C-collation PostgreSQL database) */
static int mlf__cmp_mv_key(const void *a, const void *b)
{
    const mlf__mv_key *x = a, *y = b;
    for (int i = 0; i < mlf__sorting->n; i++) {
        int key = mlf__sorting->by[i].key, c;
        if (key < 0) {
            c = x->name == y->name ? 0 : strcmp(x->name, y->name);
        } else {
            bool xn = x->nulls >> key & 1, yn = y->nulls >> key & 1;
            if (xn || yn)
                c = mlf__sorting->nulls_high ? (int)xn - (int)yn : (int)yn - (int)xn;
            else
                c = (x->v[key] > y->v[key]) - (x->v[key] < y->v[key]);
        }
        if (c != 0)
            return mlf__sorting->by[i].asc ? c : -c;
    }
    return (x->rowid > y->rowid) - (x->rowid < y->rowid);
}

static void mlf__mv_sort_rows(mlf__mv_keys *keys, const mlf__mv_sort *spec)
{
    if (keys->n < 2)
        return; /* items may be NULL, which qsort must not get */
    mlf__sorting = spec;
    qsort(keys->items, keys->n, sizeof(*keys->items), mlf__cmp_mv_key);
    mlf__sorting = NULL;
}

static const char *mlf__mv_order_column(const char *key)
{
    if (strcmp(key, "name") == 0)
        return "t.name";
    if (strcmp(key, "version_number") == 0)
        return "t.version";
    if (strcmp(key, "creation_timestamp") == 0)
        return "t.creation_time";
    if (strcmp(key, "last_updated_timestamp") == 0)
        return "t.last_updated_time";
    return NULL;
}

int mlf_store_search_model_versions(mlf_store *store, mlf_pool *pool, int64_t max_results,
                                    const mlf_search_clause *clauses, size_t n_clauses, const mlf_search_order *orders,
                                    size_t n_orders, int64_t offset, mlf_store_model_version_page *ret, mlf_error *err)
{
    if (max_results < 1)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Invalid value for max_results. It must be a positive integer, but got %" PRId64,
                             max_results);
    if (max_results > MLF__MV_MAX_RESULTS)
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "Invalid value for request parameter max_results. It must be at most %d, but got value "
                             "%" PRId64,
                             MLF__MV_MAX_RESULTS, max_results);
    mlf__sql q;
    int rc = mlf__filter(pool, ((mlf_sql_store *)store)->dialect, true, clauses, n_clauses, &q, err);
    if (rc < 0)
        return rc;
    /* the default order is last_updated_timestamp DESC, name ASC, version_number DESC */
    static const mlf_search_order defaults[] = {
        {MLF_ENTITY_ATTRIBUTE, "last_updated_timestamp", false},
        {MLF_ENTITY_ATTRIBUTE, "name", true},
        {MLF_ENTITY_ATTRIBUTE, "version_number", false},
    };
    if (n_orders == 0) {
        orders = defaults;
        n_orders = sizeof(defaults) / sizeof(defaults[0]);
    }
    /* the same ORDER BY in SQL, for the fallback, and as a sort spec for the C sort */
    mlf__sql sorted = q;
    mlf_buf_init(&sorted.sql, pool, q.sql.len + 128);
    mlf_buf_append(&sorted.sql, q.sql.data, q.sql.len);
    mlf_buf_puts(&sorted.sql, " ORDER BY ");
    mlf__mv_sort spec = {.nulls_high = ((mlf_sql_store *)store)->dialect == MLF_SQL_POSTGRES};
    bool by_name = false, by_version = false;
    for (size_t i = 0; i < n_orders; i++) {
        const char *key = orders[i].key != NULL ? orders[i].key : "";
        const char *column = mlf__mv_order_column(key);
        if (column == NULL)
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                 "Invalid order by key '%s' specified. Valid keys are {'name', 'version_number', "
                                 "'creation_timestamp', 'last_updated_timestamp'}",
                                 key);
        by_name = by_name || strcmp(column, "t.name") == 0;
        by_version = by_version || strcmp(column, "t.version") == 0;
        mlf_buf_printf(&sorted.sql, "%s%s %s", i > 0 ? ", " : "", column, orders[i].ascending ? "ASC" : "DESC");
        mlf__mv_sort_add(&spec, column, orders[i].ascending);
    }
    if (!by_name) {
        mlf_buf_puts(&sorted.sql, ", t.name ASC");
        mlf__mv_sort_add(&spec, "t.name", true);
    }
    if (!by_version) {
        mlf_buf_puts(&sorted.sql, ", t.version DESC");
        mlf__mv_sort_add(&spec, "t.version", false);
    }
    int64_t limit = max_results + 1;
    mlf_buf_puts(&sorted.sql, " LIMIT ? OFFSET ?");
    mlf__sql_int(&sorted, limit);
    mlf__sql_int(&sorted, offset);

    mlf_sql_store *s = mlf__store(store);
    mlf_sql_conn *c;
    rc = mlf_sql_read_begin(s, pool, &c, err);
    if (rc < 0)
        return rc;
    /* Only rowids and sort keys are sorted, in C (SQLite's ORDER BY ... LIMIT sorter of whole rows spilled
     * out of its cache at thousands of versions, and cost twice the scan even on rowids); the page's rows
     * are read by rowid after. Values SQLite would order by type (a text timestamp) take the SQL path. */
    mlf__mv_keys keys = {0};
    rc = mlf__run_query(c, pool, "t.rowid, t.name, t.version, t.creation_time, t.last_updated_time", "model_versions",
                        &q, mlf__mv_key_row, &keys, err);
    mlf__rowids ids = {0};
    if (rc == 0 && !keys.odd) {
        mlf__mv_sort_rows(&keys, &spec);
        size_t from = offset > 0 ? (uint64_t)offset < keys.n ? (size_t)offset : keys.n : 0;
        size_t to = (uint64_t)limit < keys.n - from ? from + (size_t)limit : keys.n;
        ids.n = to - from;
        ids.items = MLF_NEW_ARRAY(pool, int64_t, ids.n + 1);
        for (size_t i = from; i < to; i++)
            ids.items[i - from] = keys.items[i].rowid;
    } else if (rc == 0) {
        rc = mlf__run_query(c, pool, "t.rowid", "model_versions", &sorted, mlf__rowid_row, &ids, err);
    }
    if (rc == 0) {
        ret->next_page_token = mlf__next_token(pool, limit, ids.n, offset, max_results);
        ret->n = mlf__slice(ids.n, max_results);
        rc = mlf__mv_by_rowids(c, pool, ids.items, ret->n, &ret->versions, err);
    }
    if (rc == 0)
        /* search results carry tags but no aliases (to_mlflow_entity without _populate_model_version_aliases) */
        rc = mlf_sql_mv_load_tags_many(c, pool, ret->versions, ret->n, err);
    mlf_sql_read_end(s, c);
    return rc;
}
