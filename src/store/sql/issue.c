/*
 * Issues on both backends (tables issues and issue_categories), as MLflow
 * 3.18's SqlAlchemyStore create_issue, get_issue, update_issue and
 * search_issues. root_causes, categories and metadata are stored as
 * json.dumps text; issue_categories holds one row per distinct category
 * hash (issue_utils.issue_category_hash), which the categories filter of a
 * search matches. An issue's traces are its assessments of type "issue"
 * named by the issue id (include_trace_count).
 */
#include <inttypes.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pystr.h"
#include "store/sql/sql.h"

static mlf_sql_store *mlf__store(mlf_store *store)
{
    return (mlf_sql_store *)store;
}

char *mlf_store_issue_category_hash(mlf_pool *pool, const char *category)
{
    char *s = mlf_pystr_strip(pool, category);
    for (char *p = s; *p != '\0'; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)s, strlen(s), md);
    char *hex = mlf_pool_alloc(pool, 2 * SHA256_DIGEST_LENGTH + 1);
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return hex;
}

/* json.dumps of a list of strings, or NULL when empty (MLflow stores None then). */
static const char *mlf__dumps_list(mlf_pool *pool, char *const *items, size_t n)
{
    if (n == 0)
        return NULL;
    mlf_buf b;
    mlf_buf_init(&b, pool, 64);
    mlf_buf_putc(&b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            mlf_buf_puts(&b, ", ");
        mlf_json_write_string_ascii(&b, items[i], strlen(items[i]));
    }
    mlf_buf_putc(&b, ']');
    return b.data;
}

/* json.dumps of a dict of strings in its order. */
static const char *mlf__dumps_map(mlf_pool *pool, const char *const *keys, const char *const *values, size_t n)
{
    mlf_buf b;
    mlf_buf_init(&b, pool, 64);
    mlf_buf_putc(&b, '{');
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            mlf_buf_puts(&b, ", ");
        mlf_json_write_string_ascii(&b, keys[i], strlen(keys[i]));
        mlf_buf_puts(&b, ": ");
        mlf_json_write_string_ascii(&b, values[i], strlen(values[i]));
    }
    mlf_buf_putc(&b, '}');
    return b.data;
}

/* The map kv as a Python dict builds it: a later key replaces an earlier one's value in place. */
static void mlf__dict(mlf_pool *pool, const mlf_store_kv *kv, const char ***keys, const char ***values, size_t *n)
{
    const char **k = MLF_NEW_ARRAY(pool, const char *, kv->n + 1);
    const char **v = MLF_NEW_ARRAY(pool, const char *, kv->n + 1);
    size_t m = 0;
    for (size_t i = 0; i < kv->n; i++) {
        size_t j = 0;
        while (j < m && strcmp(k[j], kv->keys[i]) != 0)
            j++;
        if (j == m)
            k[m++] = kv->keys[i];
        v[j] = kv->values[i];
    }
    *keys = k;
    *values = v;
    *n = m;
}

/* A JSON array of strings as pool strings (stored lists). */
static char **mlf__strings(mlf_pool *pool, const char *text, size_t *n)
{
    mlf_json *v;
    mlf_error perr = {0};
    *n = 0;
    if (text == NULL || mlf_json_parse_ex(pool, text, strlen(text), MLF_JSON_LOADS, &v, &perr) < 0 ||
        v->type != MLF_JSON_ARRAY)
        return NULL;
    char **out = MLF_NEW_ARRAY(pool, char *, v->n + 1);
    for (size_t i = 0; i < v->n; i++)
        if (v->items[i]->type == MLF_JSON_STRING)
            out[(*n)++] = (char *)v->items[i]->text;
    return out;
}

#define MLF__ISSUE_COLUMNS                                                                                             \
    "i.issue_id, i.experiment_id, i.name, i.description, i.status, i.severity, i.root_causes, i.source_run_id, "      \
    "i.categories, i.created_timestamp, i.last_updated_timestamp, i.created_by, i.last_seen_timestamp, "              \
    "i.last_updated_by, i.metadata"
#define MLF__ISSUE_NCOLS 15

/* SqlIssue.to_mlflow_entity(basic=...).to_proto() of a row of MLF__ISSUE_COLUMNS. */
static Mlflow__Issues__Issue *mlf__row(mlf_pool *pool, mlf_sql_stmt *st, bool basic)
{
    Mlflow__Issues__Issue *is = MLF_NEW(pool, Mlflow__Issues__Issue);
    mlflow__issues__issue__init(is);
    is->issue_id = mlf_sql_column_text_dup(pool, st, 0);
    is->experiment_id = mlf_pool_sprintf(pool, "%" PRId64, mlf_sql_column_int64(st, 1));
    is->name = mlf_sql_column_text_dup(pool, st, 2);
    is->description = basic ? "" : mlf_sql_column_text_dup(pool, st, 3);
    is->status = mlf_sql_column_text_dup(pool, st, 4);
    const char *severity = mlf_sql_column_text_dup(pool, st, 5);
    if (severity != NULL && severity[0] != '\0')
        is->severity = (char *)severity;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations" /* deprecated in the proto, still answered */
    if (!basic)
        is->root_causes = mlf__strings(pool, mlf_sql_column_text_dup(pool, st, 6), &is->n_root_causes);
#pragma GCC diagnostic pop
    const char *run = mlf_sql_column_text_dup(pool, st, 7);
    if (run != NULL && run[0] != '\0')
        is->source_run_id = (char *)run;
    is->categories = mlf__strings(pool, mlf_sql_column_text_dup(pool, st, 8), &is->n_categories);
    is->has_created_timestamp = is->has_last_updated_timestamp = is->has_last_seen_timestamp = 1;
    is->created_timestamp = mlf_sql_column_int64(st, 9);
    is->last_updated_timestamp = mlf_sql_column_int64(st, 10);
    const char *by = mlf_sql_column_text_dup(pool, st, 11);
    if (by != NULL && by[0] != '\0')
        is->created_by = (char *)by;
    is->last_seen_timestamp =
        mlf_sql_column_type(st, 12) == MLF_SQL_NULL ? is->created_timestamp : mlf_sql_column_int64(st, 12);
    is->last_updated_by = mlf_sql_column_text_dup(pool, st, 13);
    const char *meta = basic ? NULL : mlf_sql_column_text_dup(pool, st, 14);
    mlf_json *m;
    mlf_error perr = {0};
    if (meta != NULL && meta[0] != '\0' &&
        mlf_json_parse_ex(pool, meta, strlen(meta), MLF_JSON_LOADS, &m, &perr) == 0 && m->type == MLF_JSON_OBJECT) {
        is->metadata = MLF_NEW_ARRAY(pool, Mlflow__Issues__Issue__MetadataEntry *, m->n + 1);
        for (size_t i = 0; i < m->n; i++) {
            if (m->items[i]->type != MLF_JSON_STRING)
                continue;
            Mlflow__Issues__Issue__MetadataEntry *e = MLF_NEW(pool, Mlflow__Issues__Issue__MetadataEntry);
            mlflow__issues__issue__metadata_entry__init(e);
            e->key = (char *)m->keys[i];
            e->value = (char *)m->items[i]->text;
            is->metadata[is->n_metadata++] = e;
        }
    }
    return is;
}

/* The issue issue_id as it is stored now, NULL when there is none. */
static int mlf__fetch(mlf_sql_conn *c, mlf_pool *pool, const char *issue_id, Mlflow__Issues__Issue **ret,
                      mlf_error *err)
{
    mlf_sql_stmt *st;
    int rc = mlf_sql_prepare(c, pool, "SELECT " MLF__ISSUE_COLUMNS " FROM issues AS i WHERE i.issue_id = ?", &st, err);
    if (rc < 0)
        return rc;
    mlf_sql_bind_text(st, 1, issue_id);
    rc = mlf_sql_step(st);
    *ret = rc == MLF_SQL_ROW ? mlf__row(pool, st, false) : NULL;
    mlf_sql_reset(st);
    return rc == MLF_SQL_ROW || rc == MLF_SQL_DONE ? 0 : mlf_sql_error(pool, c, rc, err);
}

static int mlf__not_found(mlf_pool *pool, const char *issue_id, mlf_error *err)
{
    return mlf_error_set(err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "Issue with ID '%s' not found", issue_id);
}

/* The issue's issue_categories rows: one per distinct hash, the last category of a hash kept. */
static int mlf__put_categories(mlf_sql_conn *c, mlf_pool *pool, const char *issue_id, char *const *cats, size_t n,
                               mlf_error *err)
{
    int rc = mlf__sql_exec(c, pool, "DELETE FROM issue_categories WHERE issue_id = ?", "t", (const void *[]){issue_id},
                           err);
    const char **hashes = MLF_NEW_ARRAY(pool, const char *, n + 1);
    const char **values = MLF_NEW_ARRAY(pool, const char *, n + 1);
    size_t m = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const char *h = mlf_store_issue_category_hash(pool, cats[i]);
        size_t j = 0;
        while (j < m && strcmp(hashes[j], h) != 0)
            j++;
        if (j == m)
            hashes[m++] = h;
        values[j] = cats[i];
    }
    for (size_t j = 0; j < m && rc == 0; j++)
        rc = mlf__sql_exec(c, pool, "INSERT INTO issue_categories (issue_id, category_hash, category) VALUES (?, ?, ?)",
                           "ttt", (const void *[]){issue_id, hashes[j], values[j]}, err);
    return rc;
}

/* ---- create ---- */

typedef struct {
    const mlf_store_issue_new *in;
    Mlflow__Issues__Issue *ret;
} mlf__create_args;

static int mlf__create_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    mlf__create_args *a = arg;
    const mlf_store_issue_new *in = a->in;
    int64_t eid;
    char *location, *stage;
    int rc = mlf__sql_get_experiment(c, pool, in->experiment_id != NULL && in->experiment_id[0] != '\0'
                                                  ? in->experiment_id
                                                  : "0",
                                     &eid, &location, &stage, err);
    if (rc < 0)
        return rc;
    if (strcmp(stage, "active") != 0) /* _get_experiment(ACTIVE_ONLY) */
        return mlf_error_set(err, pool, MLF_ERR_RESOURCE_DOES_NOT_EXIST, "No Experiment with id=%" PRId64 " exists",
                             eid);
    const char *id = in->issue_id != NULL && in->issue_id[0] != '\0'
                         ? in->issue_id
                         : mlf_pool_sprintf(pool, "iss-%s", mlf__sql_uuid4_hex(pool));
    Mlflow__Issues__Issue *existing;
    rc = mlf__fetch(c, pool, id, &existing, err);
    if (rc < 0)
        return rc;
    if (existing != NULL)
        return mlf_error_set(err, pool, MLF_ERR_RESOURCE_ALREADY_EXISTS, "Issue ID already exists");
    if (in->source_run_id != NULL) {
        mlf__sql_run_row run;
        rc = mlf__sql_run_lookup(c, pool, in->source_run_id, &run, err);
        if (rc < 0)
            return rc;
        if (run.experiment_id != eid)
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                 "Source run must belong to the Issue experiment");
    }
    int64_t now = mlf_sql_now_ms();
    int64_t seen = in->has_last_seen ? in->last_seen_timestamp : now;
    const char *meta = NULL;
    if (in->metadata.n > 0) {
        const char **k, **v;
        size_t n;
        mlf__dict(pool, &in->metadata, &k, &v, &n);
        meta = mlf__dumps_map(pool, k, v, n);
    }
    rc = mlf__sql_exec(c, pool,
                       "INSERT INTO issues (issue_id, experiment_id, name, description, status, severity, root_causes, "
                       "source_run_id, categories, created_timestamp, last_updated_timestamp, created_by, "
                       "last_seen_timestamp, last_updated_by, metadata) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       "titttttttiititt",
                       (const void *[]){id, &eid, in->name, in->description,
                                        in->status != NULL ? in->status : "pending", in->severity,
                                        mlf__dumps_list(pool, in->root_causes, in->n_root_causes), in->source_run_id,
                                        mlf__dumps_list(pool, in->categories, in->n_categories), &now, &now,
                                        in->created_by, &seen, in->created_by, meta},
                       err);
    if (rc == 0)
        rc = mlf__put_categories(c, pool, id, in->categories, in->n_categories, err);
    if (rc == 0)
        rc = mlf__fetch(c, pool, id, &a->ret, err);
    return rc;
}

int mlf_store_create_issue(mlf_store *store, mlf_pool *pool, const mlf_store_issue_new *in,
                           Mlflow__Issues__Issue **ret, mlf_error *err)
{
    mlf__create_args a = {in, NULL};
    int rc = mlf_sql_in_write(mlf__store(store), pool, mlf__create_tx, &a, err);
    *ret = a.ret;
    return rc;
}

/* ---- get ---- */

typedef struct {
    const char *issue_id;
    Mlflow__Issues__Issue *ret;
} mlf__get_args;

static int mlf__get_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    mlf__get_args *a = arg;
    int rc = mlf__fetch(c, pool, a->issue_id, &a->ret, err);
    if (rc == 0 && a->ret == NULL)
        rc = mlf__not_found(pool, a->issue_id, err);
    return rc;
}

int mlf_store_get_issue(mlf_store *store, mlf_pool *pool, const char *issue_id, Mlflow__Issues__Issue **ret,
                        mlf_error *err)
{
    mlf__get_args a = {issue_id != NULL ? issue_id : "", NULL};
    int rc = mlf_sql_in_read(mlf__store(store), pool, mlf__get_tx, &a, err);
    *ret = a.ret;
    return rc;
}

/* ---- update ---- */

typedef struct {
    const mlf_store_issue_update *in;
    Mlflow__Issues__Issue *ret;
} mlf__update_args;

/* The merged metadata of update_issue: the stored dict, updated by in's, without its delete keys. */
static int mlf__merged_metadata(mlf_pool *pool, const Mlflow__Issues__Issue *cur, const mlf_store_issue_update *in,
                                const char **ret, mlf_error *err)
{
    size_t cap = cur->n_metadata + in->metadata.n + 1, n = 0;
    const char **k = MLF_NEW_ARRAY(pool, const char *, cap);
    const char **v = MLF_NEW_ARRAY(pool, const char *, cap);
    for (size_t i = 0; i < cur->n_metadata; i++) {
        k[n] = cur->metadata[i]->key;
        v[n++] = cur->metadata[i]->value;
    }
    for (size_t i = 0; i < in->metadata.n; i++) {
        size_t j = 0;
        while (j < n && strcmp(k[j], in->metadata.keys[i]) != 0)
            j++;
        if (j == n)
            k[n++] = in->metadata.keys[i];
        v[j] = in->metadata.values[i];
    }
    for (size_t d = 0; d < in->n_delete_keys; d++)
        for (size_t j = 0; j < n; j++)
            if (strcmp(k[j], in->delete_keys[d]) == 0) {
                memmove(&k[j], &k[j + 1], (n - j - 1) * sizeof(*k));
                memmove(&v[j], &v[j + 1], (n - j - 1) * sizeof(*v));
                n--;
                break;
            }
    if (n > 100) /* validate_issue_fields(metadata=merged) */
        return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                             "metadata must be a string map with at most 100 entries");
    *ret = mlf__dumps_map(pool, k, v, n);
    return 0;
}

static int mlf__update_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    mlf__update_args *a = arg;
    const mlf_store_issue_update *in = a->in;
    Mlflow__Issues__Issue *cur;
    int rc = mlf__fetch(c, pool, in->issue_id, &cur, err);
    if (rc < 0)
        return rc;
    if (cur == NULL)
        return mlf__not_found(pool, in->issue_id, err);
    mlf_buf sql;
    mlf_buf_init(&sql, pool, 256);
    mlf_buf_puts(&sql, "UPDATE issues SET last_updated_timestamp = ?");
    const void *args[16];
    char spec[17];
    int n = 0;
    int64_t now = mlf_sql_now_ms();
    args[n] = &now;
    spec[n++] = 'i';
#define MLF__SET(col, val)                                                                                             \
    do {                                                                                                               \
        mlf_buf_puts(&sql, ", " col " = ?");                                                                           \
        args[n] = (val);                                                                                               \
        spec[n++] = 't';                                                                                               \
    } while (0)
    if (in->status != NULL)
        MLF__SET("status", in->status);
    if (in->name != NULL)
        MLF__SET("name", in->name);
    if (in->description != NULL)
        MLF__SET("description", in->description);
    if (in->severity != NULL)
        MLF__SET("severity", in->severity);
    if (in->set_categories) {
        /* json.dumps(list(dict.fromkeys(categories))) */
        char **uniq = MLF_NEW_ARRAY(pool, char *, in->n_categories + 1);
        size_t m = 0;
        for (size_t i = 0; i < in->n_categories; i++) {
            size_t j = 0;
            while (j < m && strcmp(uniq[j], in->categories[i]) != 0)
                j++;
            if (j == m)
                uniq[m++] = in->categories[i];
        }
        MLF__SET("categories", mlf__dumps_list(pool, uniq, m));
    }
    int64_t seen = 0;
    if (in->has_last_seen) {
        seen = cur->last_seen_timestamp > in->last_seen_timestamp ? cur->last_seen_timestamp : in->last_seen_timestamp;
        mlf_buf_puts(&sql, ", last_seen_timestamp = ?");
        args[n] = &seen;
        spec[n++] = 'i';
    }
    if (in->last_updated_by != NULL)
        MLF__SET("last_updated_by", in->last_updated_by);
    if (in->has_metadata || in->n_delete_keys > 0) {
        const char *merged = NULL;
        rc = mlf__merged_metadata(pool, cur, in, &merged, err);
        if (rc < 0)
            return rc;
        MLF__SET("metadata", merged);
    }
#undef MLF__SET
    mlf_buf_puts(&sql, " WHERE issue_id = ?");
    args[n] = in->issue_id;
    spec[n++] = 't';
    spec[n] = '\0';
    rc = mlf__sql_exec(c, pool, sql.data, spec, args, err);
    if (rc == 0 && in->set_categories)
        rc = mlf__put_categories(c, pool, in->issue_id, in->categories, in->n_categories, err);
    if (rc == 0)
        rc = mlf__fetch(c, pool, in->issue_id, &a->ret, err);
    return rc;
}

int mlf_store_update_issue(mlf_store *store, mlf_pool *pool, const mlf_store_issue_update *in,
                           Mlflow__Issues__Issue **ret, mlf_error *err)
{
    mlf__update_args a = {in, NULL};
    int rc = mlf_sql_in_write(mlf__store(store), pool, mlf__update_tx, &a, err);
    *ret = a.ret;
    return rc;
}

/* ---- search ---- */

typedef struct {
    const mlf_store_issue_query *q;
    mlf_store_issue_page *ret;
} mlf__search_args;

#define MLF__SEVERITY_RANK                                                                                             \
    "(CASE i.severity WHEN 'not_an_issue' THEN 0 WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 "         \
    "ELSE -1 END)"
#define MLF__TRACE_COUNT                                                                                               \
    "(SELECT COUNT(DISTINCT a.trace_id) FROM assessments AS a WHERE a.name = i.issue_id "                            \
    "AND a.assessment_type = 'issue')"

/* " IN (?, ?, ...)" for n values */
static void mlf__in(mlf_buf *sql, size_t n)
{
    mlf_buf_puts(sql, " IN (");
    for (size_t i = 0; i < n; i++)
        mlf_buf_puts(sql, i > 0 ? ", ?" : "?");
    mlf_buf_putc(sql, ')');
}

/* The WHERE clause of q (from " WHERE 1 = 1"), binding nothing yet. */
static void mlf__where(mlf_sql_conn *c, mlf_buf *sql, const mlf_store_issue_query *q)
{
    mlf_buf_puts(sql, " WHERE 1 = 1");
    if (q->experiment_id != NULL)
        mlf_buf_puts(sql, " AND i.experiment_id = ?");
    mlf__sql_filter_conds(c, sql, q->conds, q->n_conds, "i.issue_id");
    if (q->name != NULL) /* ilike(..., escape='\\'): lower() LIKE lower() on SQLite, ILIKE on PostgreSQL */
        mlf_buf_puts(sql, mlf_sql_dialect_of(c) == MLF_SQL_SQLITE ? " AND lower(i.name) LIKE lower(?) ESCAPE '\\'"
                                                                   : " AND i.name ILIKE ? ESCAPE '\\'");
    if (q->n_statuses > 0) {
        mlf_buf_puts(sql, " AND i.status");
        mlf__in(sql, q->n_statuses);
    }
    if (q->n_severities > 0) {
        mlf_buf_puts(sql, " AND i.severity");
        mlf__in(sql, q->n_severities);
    }
    if (q->n_category_hashes > 0) {
        mlf_buf_puts(sql, " AND EXISTS (SELECT 1 FROM issue_categories AS ic WHERE ic.issue_id = i.issue_id "
                          "AND ic.category_hash");
        mlf__in(sql, q->n_category_hashes);
        mlf_buf_putc(sql, ')');
    }
}

static void mlf__bind_where(mlf_pool *pool, mlf_sql_stmt *st, int *p, const mlf_store_issue_query *q, int64_t eid)
{
    if (q->experiment_id != NULL)
        mlf_sql_bind_int64(st, (*p)++, eid);
    mlf__sql_filter_bind(st, p, q->conds, q->n_conds);
    if (q->name != NULL) {
        mlf_buf b;
        mlf_buf_init(&b, pool, strlen(q->name) + 8);
        mlf_buf_putc(&b, '%');
        for (const char *s = q->name; *s != '\0'; s++) {
            if (*s == '\\' || *s == '%' || *s == '_')
                mlf_buf_putc(&b, '\\');
            mlf_buf_putc(&b, *s);
        }
        mlf_buf_putc(&b, '%');
        mlf_sql_bind_text(st, (*p)++, b.data);
    }
    for (size_t i = 0; i < q->n_statuses; i++)
        mlf_sql_bind_text(st, (*p)++, q->statuses[i]);
    for (size_t i = 0; i < q->n_severities; i++)
        mlf_sql_bind_text(st, (*p)++, q->severities[i]);
    for (size_t i = 0; i < q->n_category_hashes; i++)
        mlf_sql_bind_text(st, (*p)++, q->category_hashes[i]);
}

static int mlf__search_tx(mlf_sql_conn *c, mlf_pool *pool, void *arg, mlf_error *err)
{
    mlf__search_args *a = arg;
    const mlf_store_issue_query *q = a->q;
    mlf_store_issue_page *out = a->ret;
    int64_t eid = 0;
    if (q->experiment_id != NULL) { /* _parse_experiment_id */
        int prc = mlf_pystr_parse_int(q->experiment_id, &eid);
        if (prc == -1)
            return mlf_error_set(err, pool, MLF_ERR_INVALID_PARAMETER_VALUE,
                                 "Invalid experiment ID '%s'. Experiment ID must be a valid integer.",
                                 q->experiment_id);
        if (mlf_sql_dialect_of(c) == MLF_SQL_POSTGRES)
            eid = mlf_sql_pg_unmatched_id(eid, prc == -2);
        else if (prc == -2) /* Python parses it, then the sqlite3 driver's OverflowError surfaces as is */
            return mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                                 "Python int too large to convert to SQLite INTEGER");
    }
    mlf_sql_stmt *st;
    int rc, p;
    if (q->total_count) {
        mlf_buf sql;
        mlf_buf_init(&sql, pool, 512);
        mlf_buf_puts(&sql, "SELECT COUNT(*) FROM issues AS i");
        mlf__where(c, &sql, q);
        rc = mlf_sql_prepare(c, pool, sql.data, &st, err);
        if (rc < 0)
            return rc;
        p = 1;
        mlf__bind_where(pool, st, &p, q, eid);
        rc = mlf_sql_step(st);
        out->total_count = rc == MLF_SQL_ROW ? mlf_sql_column_int64(st, 0) : 0;
        mlf_sql_reset(st);
        if (rc != MLF_SQL_ROW)
            return mlf_sql_error(pool, c, rc, err);
    }
    mlf_buf sql;
    mlf_buf_init(&sql, pool, 1024);
    mlf_buf_puts(&sql, "SELECT " MLF__ISSUE_COLUMNS ", " MLF__TRACE_COUNT);
    for (size_t k = 0; k < q->n_order; k++)
        mlf_buf_printf(&sql, ", %s", q->order[k].expr);
    mlf_buf_puts(&sql, " FROM issues AS i");
    mlf__where(c, &sql, q);
    if (q->after != NULL) {
        /* (k1 > v1) OR (k1 = v1 AND k2 > v2) OR ... */
        mlf_buf_puts(&sql, " AND (");
        for (size_t k = 0; k < q->n_order; k++) {
            mlf_buf_puts(&sql, k > 0 ? " OR (" : "(");
            for (size_t j = 0; j < k; j++)
                mlf_buf_printf(&sql, "%s = ? AND ", q->order[j].expr);
            mlf_buf_printf(&sql, "%s %s ?)", q->order[k].expr, q->order[k].desc ? "<" : ">");
        }
        mlf_buf_putc(&sql, ')');
    }
    mlf_buf_puts(&sql, " ORDER BY ");
    if (q->n_order == 0) {
        mlf_buf_puts(&sql, MLF__SEVERITY_RANK " DESC, ");
        if (q->trace_count)
            mlf_buf_puts(&sql, MLF__TRACE_COUNT " DESC, ");
        mlf_buf_puts(&sql, "i.created_timestamp DESC, i.issue_id DESC");
    }
    for (size_t k = 0; k < q->n_order; k++)
        mlf_buf_printf(&sql, "%s%s %s", k > 0 ? ", " : "", q->order[k].expr, q->order[k].desc ? "DESC" : "ASC");
    mlf_buf_puts(&sql, " LIMIT ? OFFSET ?");
    rc = mlf_sql_prepare(c, pool, sql.data, &st, err);
    if (rc < 0)
        return rc;
    p = 1;
    mlf__bind_where(pool, st, &p, q, eid);
    if (q->after != NULL)
        for (size_t k = 0; k < q->n_order; k++)
            for (size_t j = 0; j <= k; j++) {
                const mlf_json *v = q->after->items[j];
                if (q->order[j].text)
                    mlf_sql_bind_text(st, p++, v->text);
                else /* an integer (the service checked it): CASE expressions have no affinity to convert text */
                    mlf_sql_bind_int64(st, p++, strtoll(v->text, NULL, 10));
            }
    mlf_sql_bind_int64(st, p++, q->max_results + 1);
    mlf_sql_bind_int64(st, p++, q->offset);
    size_t cap = 16;
    out->issues = MLF_NEW_ARRAY(pool, Mlflow__Issues__Issue *, cap);
    out->n = 0;
    out->more = false;
    while ((rc = mlf_sql_step(st)) == MLF_SQL_ROW) {
        if ((int64_t)out->n == q->max_results) {
            out->more = true;
            continue;
        }
        if (out->n == cap) {
            Mlflow__Issues__Issue **bigger = MLF_NEW_ARRAY(pool, Mlflow__Issues__Issue *, cap * 2);
            memcpy(bigger, out->issues, cap * sizeof(*bigger));
            out->issues = bigger;
            cap *= 2;
        }
        Mlflow__Issues__Issue *is = mlf__row(pool, st, q->basic);
        if (q->trace_count) {
            is->has_trace_count = 1;
            is->trace_count = (int32_t)mlf_sql_column_int64(st, MLF__ISSUE_NCOLS);
        }
        out->issues[out->n++] = is;
        if (q->n_order > 0 && (int64_t)out->n == q->max_results) {
            mlf_json *keys = MLF_NEW(pool, mlf_json);
            keys->type = MLF_JSON_ARRAY;
            keys->items = MLF_NEW_ARRAY(pool, mlf_json *, q->n_order);
            for (size_t k = 0; k < q->n_order; k++) {
                mlf_json *v = MLF_NEW(pool, mlf_json);
                int col = MLF__ISSUE_NCOLS + 1 + (int)k;
                v->type = q->order[k].text ? MLF_JSON_STRING : MLF_JSON_NUMBER;
                v->text = q->order[k].text ? mlf_sql_column_text_dup(pool, st, col)
                                           : mlf_pool_sprintf(pool, "%" PRId64, mlf_sql_column_int64(st, col));
                if (v->text == NULL)
                    v->text = "";
                v->len = strlen(v->text);
                keys->items[keys->n++] = v;
            }
            out->last_keys = keys;
        }
    }
    mlf_sql_reset(st);
    return rc == MLF_SQL_DONE ? 0 : mlf_sql_error(pool, c, rc, err);
}

int mlf_store_search_issues(mlf_store *store, mlf_pool *pool, const mlf_store_issue_query *q,
                            mlf_store_issue_page *ret, mlf_error *err)
{
    memset(ret, 0, sizeof(*ret));
    mlf__search_args a = {q, ret};
    return mlf_sql_in_read(mlf__store(store), pool, mlf__search_tx, &a, err);
}
