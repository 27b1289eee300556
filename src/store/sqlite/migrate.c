/*
 * MLflow's alembic chain on SQLite: one step function per revision of
 * migrations.def, each doing what that revision's migration does to schema
 * and data, with the DDL text alembic leaves in sqlite_master (a table
 * alembic rebuilds in batch mode is stored as CREATE TABLE "name"; a column
 * added with ALTER TABLE is appended to the last column's line), so that the
 * database reaches exactly the head schema of schema.c.
 *
 * Each step runs in its own transaction together with the alembic_version
 * update (those up to 39d1c3be5f05 in one: mlf__group_end), so a failure or
 * a kill leaves the database at the last revision committed. SQLite cannot
 * change a column or a constraint in place: those steps rebuild the table
 * (rename the old one away, create the new one, copy the rows, drop the old
 * one, recreate its indexes), with foreign keys off and legacy_alter_table
 * on so that the other tables' REFERENCES keep naming the table and not its
 * renamed copy.
 *
 * The last step also brings every table and index whose text still differs
 * from the head (tables written by older SQLAlchemy versions, or alembic's
 * random order of CHECK constraints) to the head's exact DDL, keeping the
 * rows; a table whose columns are not MLflow's is refused instead.
 */
#include "store/sqlite/migrate.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <openssl/sha.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/sqlite/sqlite.h"

typedef struct mlf__mig {
    sqlite3 *db;
    mlf_pool *pool;
    mlf_error *err;
    bool metrics_fused; /** the transaction runs through 39d1c3be5f05, which rebuilds metrics (mlf__metrics_add) */
} mlf__mig;

/* ---- helpers ---- */

static int mlf__mig_fail(mlf__mig *m, const char *what)
{
    mlf_error_set(m->err, m->pool, MLF_ERR_INTERNAL_ERROR, "%s: %s", what, sqlite3_errmsg(m->db));
    return MLF_MIGRATE_EFAILED;
}

static int mlf__x(mlf__mig *m, const char *sql)
{
    if (sqlite3_exec(m->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return mlf__mig_fail(m, mlf_pool_sprintf(m->pool, "%.60s...", sql));
    return 0;
}

/* Collapses whitespace runs to one space and trims. */
static char *mlf__normalize(mlf_pool *pool, const char *s)
{
    char *out = mlf_pool_alloc(pool, strlen(s) + 1);
    size_t n = 0;
    bool space = false;
    for (; *s != '\0'; s++) {
        if (isspace((unsigned char)*s)) {
            space = n > 0;
            continue;
        }
        if (space)
            out[n++] = ' ';
        space = false;
        out[n++] = *s;
    }
    out[n] = '\0';
    return out;
}

/* The object a DDL statement creates: table, index or trigger name, unquoted (NULL for other statements). */
static const char *mlf__ddl_name(mlf_pool *pool, const char *ddl, bool *is_table)
{
    const char *p = ddl;
    *is_table = strncmp(p, "CREATE TABLE ", 13) == 0;
    if (*is_table)
        p += 13;
    else if (strncmp(p, "CREATE INDEX ", 13) == 0)
        p += 13;
    else if (strncmp(p, "CREATE UNIQUE INDEX ", 20) == 0)
        p += 20;
    else if (strncmp(p, "CREATE TRIGGER ", 15) == 0)
        p += 15;
    else
        return NULL;
    if (*p == '"')
        p++;
    return mlf_pool_strndup(pool, p, strcspn(p, "\" (\n\t"));
}

/*
 * The DDL of table or index name at bf29a5ff90ea (chain_ddl.c), which the
 * steps up to that revision create; the revisions after it have their own
 * lists (mlf_sqlite_chain).
 */
static const char *mlf__head(mlf__mig *m, const char *name)
{
    for (size_t i = 0; i < mlf_sqlite_base_ddl_count; i++) {
        bool is_table;
        const char *n = mlf__ddl_name(m->pool, mlf_sqlite_base_ddl[i], &is_table);
        if (n != NULL && strcmp(n, name) == 0)
            return mlf_sqlite_base_ddl[i];
    }
    return NULL;
}

/* Creates tables and indexes exactly as bf29a5ff90ea has them. */
static int mlf__create_head(mlf__mig *m, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *ddl = mlf__head(m, names[i]);
        if (ddl == NULL) {
            mlf_error_set(m->err, m->pool, MLF_ERR_INTERNAL_ERROR, "no head DDL for %s", names[i]);
            return MLF_MIGRATE_EFAILED;
        }
        int rc = mlf__x(m, ddl);
        if (rc < 0)
            return rc;
    }
    return 0;
}
#define MLF__CREATE_HEAD(m, ...)                                                                                       \
    mlf__create_head(m, (const char *const[]){__VA_ARGS__},                                                            \
                     sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

/* SQL text of a schema object, NULL when absent. */
static char *mlf__object_sql(mlf__mig *m, const char *type, const char *name)
{
    sqlite3_stmt *st;
    char *ret = NULL;
    if (sqlite3_prepare_v2(m->db, "SELECT sql FROM sqlite_master WHERE type = ?1 AND name = ?2", -1, &st, NULL) !=
        SQLITE_OK)
        return NULL;
    sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
        ret = mlf_pool_strdup(m->pool, (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return ret;
}

/* The column names of table (PRAGMA table_info order), NULL-terminated. */
static int mlf__columns(mlf__mig *m, const char *table, char ***ret, size_t *ret_n)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(m->db, "SELECT name FROM pragma_table_info(?1)", -1, &st, NULL) != SQLITE_OK)
        return mlf__mig_fail(m, "table_info");
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    size_t cap = 8, n = 0;
    char **cols = MLF_NEW_ARRAY(m->pool, char *, cap + 1);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            char **bigger = MLF_NEW_ARRAY(m->pool, char *, cap * 2 + 1);
            memcpy(bigger, cols, n * sizeof(*cols));
            cols = bigger;
            cap *= 2;
        }
        cols[n++] = mlf_pool_strdup(m->pool, (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return mlf__mig_fail(m, "table_info");
    cols[n] = NULL;
    *ret = cols;
    *ret_n = n;
    return 0;
}

static bool mlf__has(char **list, const char *s)
{
    for (; *list != NULL; list++)
        if (strcmp(*list, s) == 0)
            return true;
    return false;
}

/*
 * Replaces table by one created with ddl, copying the columns both have
 * (a new column takes its default; a generated column is computed again),
 * and recreates the table's indexes and triggers. A column the new table
 * lacks is refused unless drop_ok (a revision that drops it).
 */
static int mlf__rebuild_ex(mlf__mig *m, const char *table, const char *ddl, bool drop_ok)
{
    char **old_cols;
    size_t n_old;
    int rc = mlf__columns(m, table, &old_cols, &n_old);
    if (rc < 0)
        return rc;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(m->db,
                           "SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = ?1 "
                           "AND sql IS NOT NULL ORDER BY rowid",
                           -1, &st, NULL) != SQLITE_OK)
        return mlf__mig_fail(m, "indexes");
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    char *indexes[32];
    size_t n_idx = 0;
    while (sqlite3_step(st) == SQLITE_ROW && n_idx < 32)
        indexes[n_idx++] = mlf_pool_strdup(m->pool, (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);

    const char *old = mlf_pool_sprintf(m->pool, "_mlf_old_%s", table);
    if ((rc = mlf__x(m, mlf_pool_sprintf(m->pool, "ALTER TABLE \"%s\" RENAME TO \"%s\"", table, old))) < 0 ||
        (rc = mlf__x(m, ddl)) < 0)
        return rc;
    char **new_cols;
    size_t n_new;
    if ((rc = mlf__columns(m, table, &new_cols, &n_new)) < 0)
        return rc;
    for (size_t i = 0; i < n_old && !drop_ok; i++)
        if (!mlf__has(new_cols, old_cols[i])) {
            mlf_error_set(m->err, m->pool, MLF_ERR_INTERNAL_ERROR,
                          "table %s has a column %s that MLflow's schema does not have", table, old_cols[i]);
            return MLF_MIGRATE_EFAILED;
        }
    mlf_buf cols;
    mlf_buf_init(&cols, m->pool, 256);
    for (size_t i = 0; i < n_new; i++) {
        if (!mlf__has(old_cols, new_cols[i]))
            continue;
        mlf_buf_printf(&cols, "%s\"%s\"", cols.len ? ", " : "", new_cols[i]);
    }
    if ((rc = mlf__x(m, mlf_pool_sprintf(m->pool, "INSERT INTO \"%s\" (%s) SELECT %s FROM \"%s\"", table, cols.data,
                                         cols.data, old))) < 0 ||
        (rc = mlf__x(m, mlf_pool_sprintf(m->pool, "DROP TABLE \"%s\"", old))) < 0)
        return rc;
    for (size_t i = 0; i < n_idx; i++)
        if ((rc = mlf__x(m, indexes[i])) < 0)
            return rc;
    return 0;
}

static int mlf__rebuild(mlf__mig *m, const char *table, const char *ddl)
{
    return mlf__rebuild_ex(m, table, ddl, false);
}

static int mlf__rebuild_head(mlf__mig *m, const char *table)
{
    return mlf__rebuild(m, table, mlf__head(m, table));
}

static int mlf__cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * A table's DDL, normalized, with its table constraints (the lines after the
 * columns) sorted: SQLAlchemy versions write the same CHECK, FOREIGN KEY and
 * UNIQUE clauses in different orders, which changes nothing in the schema,
 * and MLflow's own upgrade leaves an older database's order alone.
 */
static char *mlf__canonical(mlf_pool *pool, const char *ddl)
{
    char *copy = mlf_pool_strdup(pool, ddl);
    char *lines[256];
    size_t n = 0;
    for (char *save = NULL, *line = strtok_r(copy, "\n", &save); line != NULL && n < 256;
         line = strtok_r(NULL, "\n", &save)) {
        char *t = mlf__normalize(pool, line);
        size_t len = strlen(t);
        if (len > 0 && t[len - 1] == ',')
            t[len - 1] = '\0'; /* the last clause has no comma: compare without */
        lines[n++] = t;
    }
    size_t first = n;
    for (size_t i = 0; i < n && first == n; i++)
        if (strncmp(lines[i], "CONSTRAINT ", 11) == 0 || strncmp(lines[i], "CHECK ", 6) == 0 ||
            strncmp(lines[i], "FOREIGN KEY", 11) == 0 || strncmp(lines[i], "UNIQUE ", 7) == 0 ||
            strncmp(lines[i], "PRIMARY KEY", 11) == 0)
            first = i;
    if (first < n && n > 0 && strcmp(lines[n - 1], ")") == 0)
        qsort(lines + first, n - 1 - first, sizeof(*lines), mlf__cmp_str);
    mlf_buf b;
    mlf_buf_init(&b, pool, strlen(ddl) + 1);
    for (size_t i = 0; i < n; i++)
        mlf_buf_printf(&b, "%s%s", i ? "\n" : "", lines[i]);
    return b.data;
}

/*
 * Brings every table, index and trigger of the head to its head DDL:
 * missing ones are created, ones whose text differs (beyond the order of a
 * table's constraints) are rebuilt (tables, keeping their rows) or
 * recreated (indexes, triggers).
 */
static int mlf__conform(mlf__mig *m)
{
    for (size_t i = 0; i < mlf_sqlite_schema_ddl_count; i++) {
        const char *ddl = mlf_sqlite_schema_ddl[i];
        bool is_table;
        const char *name = mlf__ddl_name(m->pool, ddl, &is_table);
        if (name == NULL)
            continue;
        const char *type = is_table ? "table" : strncmp(ddl, "CREATE TRIGGER ", 15) == 0 ? "trigger" : "index";
        const char *cur = mlf__object_sql(m, type, name);
        if (cur != NULL && strcmp(mlf__canonical(m->pool, cur), mlf__canonical(m->pool, ddl)) == 0)
            continue;
        int rc;
        if (cur == NULL)
            rc = mlf__x(m, ddl);
        else if (is_table)
            rc = mlf__rebuild(m, name, ddl);
        else if ((rc = mlf__x(m, mlf_pool_sprintf(m->pool, "DROP %s \"%s\"", type, name))) == 0)
            rc = mlf__x(m, ddl);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/*
 * Applies what revision rev does to the schema (its mlf_sqlite_chain list):
 * drops the indexes and triggers it drops or changes, runs pre (a rename,
 * or a data migration that needs the old columns), rebuilds the tables it
 * changes, drops the tables it drops, then creates its new tables, indexes
 * and triggers, in MLflow's order.
 */
static int mlf__apply(mlf__mig *m, const char *rev, int (*pre)(mlf__mig *))
{
    const mlf_sqlite_chain_step *step = NULL;
    for (size_t i = 0; i < mlf_sqlite_chain_count && step == NULL; i++)
        if (strcmp(mlf_sqlite_chain[i].revision, rev) == 0)
            step = &mlf_sqlite_chain[i];
    if (step == NULL) {
        mlf_error_set(m->err, m->pool, MLF_ERR_INTERNAL_ERROR, "no schema changes recorded for %s", rev);
        return MLF_MIGRATE_EFAILED;
    }
    int rc = 0;
    for (size_t i = 0; i < step->n_ops && rc == 0; i++) {
        const mlf_sqlite_chain_op *op = &step->ops[i];
        if (op->op != '+' && strcmp(op->type, "table") != 0)
            rc = mlf__x(m, mlf_pool_sprintf(m->pool, "DROP %s IF EXISTS \"%s\"", op->type, op->name));
    }
    if (rc == 0 && pre != NULL)
        rc = pre(m);
    for (size_t i = 0; i < step->n_ops && rc == 0; i++) {
        const mlf_sqlite_chain_op *op = &step->ops[i];
        if (strcmp(op->type, "table") != 0)
            continue;
        if (op->op == '~')
            rc = mlf__rebuild_ex(m, op->name, op->sql, true);
        else if (op->op == '-')
            rc = mlf__x(m, mlf_pool_sprintf(m->pool, "DROP TABLE \"%s\"", op->name));
    }
    for (size_t i = 0; i < step->n_ops && rc == 0; i++) {
        const mlf_sqlite_chain_op *op = &step->ops[i];
        if (op->op == '+' || (op->op == '~' && strcmp(op->type, "table") != 0))
            rc = mlf__x(m, op->sql);
    }
    return rc;
}

/* ---- the steps ---- */

#define MLF_MIGRATION(rev, down, title) static int mlf__up_##rev(mlf__mig *m);
#include "store/migrations.def"
#undef MLF_MIGRATION

static int (*const mlf__steps[])(mlf__mig *) = {
#define MLF_MIGRATION(rev, down, title) mlf__up_##rev,
#include "store/migrations.def"
#undef MLF_MIGRATION
};

/*
 * metrics is rebuilt by 451aebb31d03, 181f10493468 and 39d1c3be5f05, which
 * run in one transaction (mlf__group_end): the first two then only add
 * their column, with the default the rebuild would give the existing rows
 * (what 89d4b8295536 in between reads), and 39d1c3be5f05's rebuild copies
 * the rows once, to the same table, at the same place in sqlite_master.
 */
static int mlf__metrics_add(mlf__mig *m, const char *column, const char *def)
{
    char **cols;
    size_t n;
    int rc = mlf__columns(m, "metrics", &cols, &n);
    if (rc < 0 || mlf__has(cols, column))
        return rc;
    return mlf__x(m, mlf_pool_sprintf(m->pool, "ALTER TABLE metrics ADD COLUMN %s %s", column, def));
}

/* metrics gains step (0 for existing rows), part of the primary key. */
static int mlf__up_451aebb31d03(mlf__mig *m)
{
    if (m->metrics_fused)
        return mlf__metrics_add(m, "step", "BIGINT DEFAULT '0' NOT NULL");
    return mlf__rebuild(m, "metrics",
                        "CREATE TABLE \"metrics\" (\n"
                        "\t\"key\" VARCHAR(250) NOT NULL, \n"
                        "\tvalue FLOAT NOT NULL, \n"
                        "\ttimestamp BIGINT NOT NULL, \n"
                        "\trun_uuid VARCHAR(32) NOT NULL, \n"
                        "\tstep BIGINT DEFAULT '0' NOT NULL, \n"
                        "\tCONSTRAINT metric_pk PRIMARY KEY (\"key\", timestamp, step, run_uuid, value), \n"
                        "\tFOREIGN KEY(run_uuid) REFERENCES runs (run_uuid)\n"
                        ")");
}

/* runs.user_id becomes the mlflow.user tag of runs that have a user and no such tag. */
static int mlf__up_90e64c465722(mlf__mig *m)
{
    return mlf__x(m, "INSERT INTO tags (\"key\", value, run_uuid) "
                     "SELECT 'mlflow.user', user_id, run_uuid FROM runs "
                     "WHERE user_id IS NOT NULL AND user_id != '' AND NOT EXISTS "
                     "(SELECT 1 FROM tags t WHERE t.run_uuid = runs.run_uuid AND t.\"key\" = 'mlflow.user')");
}

/* metrics gains is_nan (false for existing rows), part of the primary key. */
static int mlf__up_181f10493468(mlf__mig *m)
{
    if (m->metrics_fused)
        return mlf__metrics_add(m, "is_nan", "BOOLEAN DEFAULT '0' NOT NULL");
    return mlf__rebuild(m, "metrics",
                        "CREATE TABLE \"metrics\" (\n"
                        "\t\"key\" VARCHAR(250) NOT NULL, \n"
                        "\tvalue FLOAT NOT NULL, \n"
                        "\ttimestamp BIGINT NOT NULL, \n"
                        "\trun_uuid VARCHAR(32) NOT NULL, \n"
                        "\tstep BIGINT DEFAULT '0' NOT NULL, \n"
                        "\tis_nan BOOLEAN DEFAULT '0' NOT NULL, \n"
                        "\tCONSTRAINT metric_pk PRIMARY KEY (\"key\", timestamp, step, run_uuid, value, is_nan), \n"
                        "\tFOREIGN KEY(run_uuid) REFERENCES runs (run_uuid)\n"
                        ")");
}

static int mlf__up_df50e92ffc5e(mlf__mig *m)
{
    return MLF__CREATE_HEAD(m, "experiment_tags");
}

/* tags.value: VARCHAR(250) -> VARCHAR(5000) */
static int mlf__up_7ac759974ad8(mlf__mig *m)
{
    return mlf__rebuild(m, "tags",
                        "CREATE TABLE \"tags\" (\n"
                        "\t\"key\" VARCHAR(250) NOT NULL, \n"
                        "\tvalue VARCHAR(5000), \n"
                        "\trun_uuid VARCHAR(32) NOT NULL, \n"
                        "\tCONSTRAINT tag_pk PRIMARY KEY (\"key\", run_uuid), \n"
                        "\tFOREIGN KEY(run_uuid) REFERENCES runs (run_uuid)\n"
                        ")");
}

/* One (run, key)'s latest metric so far, in mlf__latest_scan's hash table (strings malloc'd; run NULL: free slot). */
typedef struct mlf__latest {
    char *run, *key;
    int run_len, key_len;
    sqlite3_int64 step, timestamp, is_nan;
    double value;
} mlf__latest;

static uint64_t mlf__fnv(uint64_t h, const char *s, int n)
{
    for (int i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211u;
    return h;
}

static int mlf__bincmp(const char *a, int na, const char *b, int nb)
{
    int c = memcmp(a, b, (size_t)(na < nb ? na : nb));
    return c != 0 ? c : (na > nb) - (na < nb);
}

/* SQLite's BINARY order of (run_uuid, key): the order the window function emits its partitions in */
static int mlf__latest_cmp(const void *pa, const void *pb)
{
    const mlf__latest *a = pa, *b = pb;
    int c = mlf__bincmp(a->run, a->run_len, b->run, b->run_len);
    return c != 0 ? c : mlf__bincmp(a->key, a->key_len, b->key, b->key_len);
}

static void mlf__latest_free(mlf__latest *t, size_t cap)
{
    for (size_t i = 0; i < cap && t != NULL; i++)
        free(t[i].run); /* key shares run's allocation */
    free(t);
}

/* at most this many (run, key) pairs are held in memory; more go through the window function's sorter */
#define MLF__LATEST_MAX ((size_t)1 << 21)

/*
 * 89d4b8295536's latest_metrics in one pass over metrics without a sort:
 * a hash table keeps each (run, key)'s greatest (step, timestamp, not NaN,
 * value), the order of the window function below, and its rows are then
 * inserted in the order that function emits them. Returns 0 when done, 1
 * (nothing written) when a row has a type the comparison here does not
 * follow SQLite's order for (text in a number column, an integral value)
 * or there are more than MLF__LATEST_MAX pairs: the caller runs the SQL.
 */
static int mlf__latest_scan(mlf__mig *m)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(m->db, "SELECT run_uuid, \"key\", step, timestamp, is_nan, value FROM metrics", -1, &st,
                           NULL) != SQLITE_OK)
        return mlf__mig_fail(m, "reading metrics");
    size_t cap = 1024, n = 0;
    mlf__latest *t = calloc(cap, sizeof(*t));
    int rc = t != NULL ? SQLITE_ROW : SQLITE_NOMEM, step_rc;
    while (rc == SQLITE_ROW && (step_rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_type(st, 0) != SQLITE_TEXT || sqlite3_column_type(st, 1) != SQLITE_TEXT ||
            sqlite3_column_type(st, 2) != SQLITE_INTEGER || sqlite3_column_type(st, 3) != SQLITE_INTEGER ||
            sqlite3_column_type(st, 4) != SQLITE_INTEGER || sqlite3_column_type(st, 5) != SQLITE_FLOAT) {
            rc = 1;
            break;
        }
        const char *run = (const char *)sqlite3_column_text(st, 0);
        int run_len = sqlite3_column_bytes(st, 0);
        const char *key = (const char *)sqlite3_column_text(st, 1);
        int key_len = sqlite3_column_bytes(st, 1);
        mlf__latest r = {.step = sqlite3_column_int64(st, 2), .timestamp = sqlite3_column_int64(st, 3),
                         .is_nan = sqlite3_column_int64(st, 4), .value = sqlite3_column_double(st, 5)};
        uint64_t h = mlf__fnv(mlf__fnv(14695981039346656037u, run, run_len), key, key_len);
        size_t i = h & (cap - 1);
        while (t[i].run != NULL && (t[i].run_len != run_len || t[i].key_len != key_len ||
                                    memcmp(t[i].run, run, (size_t)run_len) != 0 ||
                                    memcmp(t[i].key, key, (size_t)key_len) != 0))
            i = (i + 1) & (cap - 1);
        mlf__latest *e = &t[i];
        if (e->run == NULL) {
            if (n == MLF__LATEST_MAX) {
                rc = 1;
                break;
            }
            if ((e->run = malloc((size_t)run_len + (size_t)key_len + 2)) == NULL) {
                rc = SQLITE_NOMEM;
                break;
            }
            memcpy(e->run, run, (size_t)run_len);
            e->run[run_len] = '\0';
            e->key = e->run + run_len + 1;
            memcpy(e->key, key, (size_t)key_len);
            e->key[key_len] = '\0';
            e->run_len = run_len;
            e->key_len = key_len;
            e->step = r.step;
            e->timestamp = r.timestamp;
            e->is_nan = r.is_nan;
            e->value = r.value;
            if (++n * 2 > cap) { /* rehash at half full */
                mlf__latest *bigger = calloc(cap * 2, sizeof(*t));
                if (bigger == NULL) {
                    rc = SQLITE_NOMEM;
                    break;
                }
                for (size_t j = 0; j < cap; j++) {
                    if (t[j].run == NULL)
                        continue;
                    size_t k = mlf__fnv(mlf__fnv(14695981039346656037u, t[j].run, t[j].run_len), t[j].key,
                                        t[j].key_len) &
                               (cap * 2 - 1);
                    while (bigger[k].run != NULL)
                        k = (k + 1) & (cap * 2 - 1);
                    bigger[k] = t[j];
                }
                free(t);
                t = bigger;
                cap *= 2;
            }
            continue;
        }
        if (r.step > e->step ||
            (r.step == e->step &&
             (r.timestamp > e->timestamp ||
              (r.timestamp == e->timestamp &&
               (r.is_nan < e->is_nan || (r.is_nan == e->is_nan && r.value > e->value)))))) {
            e->step = r.step;
            e->timestamp = r.timestamp;
            e->is_nan = r.is_nan;
            e->value = r.value;
        }
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW && step_rc != SQLITE_DONE)
        rc = step_rc;
    if (rc != SQLITE_ROW) {
        mlf__latest_free(t, cap);
        if (rc == 1)
            return 1;
        mlf_error_set(m->err, m->pool, MLF_ERR_INTERNAL_ERROR, "reading metrics: %s", sqlite3_errstr(rc));
        return MLF_MIGRATE_EFAILED;
    }
    /* the used slots to the front, in the window function's order */
    size_t k = 0;
    for (size_t i = 0; i < cap; i++)
        if (t[i].run != NULL)
            t[k++] = t[i];
    qsort(t, n, sizeof(*t), mlf__latest_cmp);
    rc = 0;
    if (sqlite3_prepare_v2(m->db,
                           "INSERT INTO latest_metrics (\"key\", value, timestamp, step, is_nan, run_uuid) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                           -1, &st, NULL) != SQLITE_OK)
        rc = mlf__mig_fail(m, "latest_metrics");
    for (size_t i = 0; i < n && rc == 0; i++) {
        sqlite3_bind_text(st, 1, t[i].key, t[i].key_len, SQLITE_STATIC);
        sqlite3_bind_double(st, 2, t[i].value);
        sqlite3_bind_int64(st, 3, t[i].timestamp);
        sqlite3_bind_int64(st, 4, t[i].step);
        sqlite3_bind_int64(st, 5, t[i].is_nan);
        sqlite3_bind_text(st, 6, t[i].run, t[i].run_len, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = mlf__mig_fail(m, "latest_metrics");
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    for (size_t i = 0; i < n; i++)
        free(t[i].run);
    free(t);
    return rc;
}

/*
 * latest_metrics, filled with each (run, key)'s latest entry as MLflow
 * computes it: the greatest step, then the greatest timestamp at that step,
 * then the greatest value at that timestamp (grouped with is_nan; should
 * both is_nan values tie, the non-NaN row is kept where MLflow would fail).
 */
static int mlf__up_89d4b8295536(mlf__mig *m)
{
    int rc = mlf__x(m, "CREATE TABLE latest_metrics (\n"
                       "\t\"key\" VARCHAR(250) NOT NULL, \n"
                       "\tvalue FLOAT NOT NULL, \n"
                       "\ttimestamp BIGINT, \n"
                       "\tstep BIGINT NOT NULL, \n"
                       "\tis_nan BOOLEAN NOT NULL, \n"
                       "\trun_uuid VARCHAR(32) NOT NULL, \n"
                       "\tCONSTRAINT latest_metric_pk PRIMARY KEY (\"key\", run_uuid), \n"
                       "\tFOREIGN KEY(run_uuid) REFERENCES runs (run_uuid)\n"
                       ")");
    if (rc < 0 || (rc = mlf__latest_scan(m)) != 1)
        return rc;
    /* one sort of metrics (window function): MLflow's three nested GROUP BY joins have no index to use here */
    return mlf__x(m, "INSERT INTO latest_metrics (\"key\", value, timestamp, step, is_nan, run_uuid) "
                     "SELECT \"key\", value, timestamp, step, is_nan, run_uuid FROM "
                     "(SELECT *, row_number() OVER (PARTITION BY run_uuid, \"key\" "
                     "ORDER BY step DESC, timestamp DESC, is_nan, value DESC) AS n FROM metrics) WHERE n = 1");
}

static int mlf__up_2b4d017a5e9b(mlf__mig *m)
{
    int rc = MLF__CREATE_HEAD(m, "registered_models");
    if (rc < 0)
        return rc;
    return mlf__x(m, "CREATE TABLE model_versions (\n"
                     "\tname VARCHAR(256) NOT NULL, \n"
                     "\tversion INTEGER NOT NULL, \n"
                     "\tcreation_time BIGINT, \n"
                     "\tlast_updated_time BIGINT, \n"
                     "\tdescription VARCHAR(5000), \n"
                     "\tuser_id VARCHAR(256), \n"
                     "\tcurrent_stage VARCHAR(20), \n"
                     "\tsource VARCHAR(500), \n"
                     "\trun_id VARCHAR(32) NOT NULL, \n"
                     "\tstatus VARCHAR(20), \n"
                     "\tstatus_message VARCHAR(500), \n"
                     "\tCONSTRAINT model_version_pk PRIMARY KEY (name, version), \n"
                     "\tFOREIGN KEY(name) REFERENCES registered_models (name) ON UPDATE cascade\n"
                     ")");
}

/* runs.status: the CHECK gains KILLED (an Enum of at most 9 characters). */
static int mlf__up_cfd24bdc0731(mlf__mig *m)
{
    return mlf__rebuild(
        m, "runs",
        "CREATE TABLE \"runs\" (\n"
        "\trun_uuid VARCHAR(32) NOT NULL, \n"
        "\tname VARCHAR(250), \n"
        "\tsource_type VARCHAR(20), \n"
        "\tsource_name VARCHAR(500), \n"
        "\tentry_point_name VARCHAR(50), \n"
        "\tuser_id VARCHAR(256), \n"
        "\tstatus VARCHAR(9), \n"
        "\tstart_time BIGINT, \n"
        "\tend_time BIGINT, \n"
        "\tsource_version VARCHAR(50), \n"
        "\tlifecycle_stage VARCHAR(20), \n"
        "\tartifact_uri VARCHAR(200), \n"
        "\texperiment_id INTEGER, \n"
        "\tCONSTRAINT run_pk PRIMARY KEY (run_uuid), \n"
        "\tCONSTRAINT source_type CHECK (source_type IN ('NOTEBOOK', 'JOB', 'LOCAL', 'UNKNOWN', 'PROJECT')), \n"
        "\tCONSTRAINT runs_lifecycle_stage CHECK (lifecycle_stage IN ('active', 'deleted')), \n"
        "\tCHECK (status IN ('SCHEDULED', 'FAILED', 'FINISHED', 'RUNNING', 'KILLED')), \n"
        "\tFOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id)\n"
        ")");
}

/* MySQL only. */
static int mlf__up_0a8213491aaa(mlf__mig *m)
{
    (void)m;
    return 0;
}

static int mlf__up_728d730b5ebd(mlf__mig *m)
{
    return MLF__CREATE_HEAD(m, "registered_model_tags");
}

static int mlf__up_27a6a02d2cf1(mlf__mig *m)
{
    return mlf__x(m, "CREATE TABLE model_version_tags (\n"
                     "\t\"key\" VARCHAR(250) NOT NULL, \n"
                     "\tvalue VARCHAR(5000), \n"
                     "\tname VARCHAR(256) NOT NULL, \n"
                     "\tversion INTEGER NOT NULL, \n"
                     "\tCONSTRAINT model_version_tag_pk PRIMARY KEY (\"key\", name, version), \n"
                     "\tFOREIGN KEY(name, version) REFERENCES model_versions (name, version) ON UPDATE cascade\n"
                     ")");
}

static int mlf__up_84291f40a231(mlf__mig *m)
{
    return mlf__x(m, "ALTER TABLE model_versions ADD COLUMN run_link VARCHAR(500)");
}

/* model_versions.run_id becomes nullable. */
static int mlf__up_a8c4a736bde6(mlf__mig *m)
{
    return mlf__rebuild(m, "model_versions",
                        "CREATE TABLE \"model_versions\" (\n"
                        "\tname VARCHAR(256) NOT NULL, \n"
                        "\tversion INTEGER NOT NULL, \n"
                        "\tcreation_time BIGINT, \n"
                        "\tlast_updated_time BIGINT, \n"
                        "\tdescription VARCHAR(5000), \n"
                        "\tuser_id VARCHAR(256), \n"
                        "\tcurrent_stage VARCHAR(20), \n"
                        "\tsource VARCHAR(500), \n"
                        "\trun_id VARCHAR(32), \n"
                        "\tstatus VARCHAR(20), \n"
                        "\tstatus_message VARCHAR(500), \n"
                        "\trun_link VARCHAR(500), \n"
                        "\tCONSTRAINT model_version_pk PRIMARY KEY (name, version), \n"
                        "\tFOREIGN KEY(name) REFERENCES registered_models (name) ON UPDATE CASCADE\n"
                        ")");
}

/* CHECK (is_nan IN (0, 1)) on latest_metrics and metrics. */
static int mlf__up_39d1c3be5f05(mlf__mig *m)
{
    int rc = mlf__rebuild_head(m, "latest_metrics");
    if (rc < 0)
        return rc;
    return mlf__rebuild_head(m, "metrics");
}

/* MySQL only. */
static int mlf__up_c48cb773bb87(mlf__mig *m)
{
    (void)m;
    return 0;
}

static int mlf__up_bd07f7e963c5(mlf__mig *m)
{
    return MLF__CREATE_HEAD(m, "index_params_run_uuid", "index_metrics_run_uuid", "index_latest_metrics_run_uuid",
                            "index_tags_run_uuid");
}

static int mlf__up_0c779009ac13(mlf__mig *m)
{
    return mlf__x(m, "ALTER TABLE runs ADD COLUMN deleted_time BIGINT");
}

/* params.value: VARCHAR(250) -> VARCHAR(500) */
static int mlf__up_cc1f77228345(mlf__mig *m)
{
    return mlf__rebuild(m, "params",
                        "CREATE TABLE \"params\" (\n"
                        "\t\"key\" VARCHAR(250) NOT NULL, \n"
                        "\tvalue VARCHAR(500) NOT NULL, \n"
                        "\trun_uuid VARCHAR(32) NOT NULL, \n"
                        "\tCONSTRAINT param_pk PRIMARY KEY (\"key\", run_uuid), \n"
                        "\tFOREIGN KEY(run_uuid) REFERENCES runs (run_uuid)\n"
                        ")");
}

/* No backfill: existing experiments keep NULL times, as with MLflow. */
static int mlf__up_97727af70f4d(mlf__mig *m)
{
    int rc = mlf__x(m, "ALTER TABLE experiments ADD COLUMN creation_time BIGINT");
    if (rc < 0)
        return rc;
    return mlf__x(m, "ALTER TABLE experiments ADD COLUMN last_update_time BIGINT");
}

/* Created only when missing, as MLflow does. */
static int mlf__up_3500859a5d39(mlf__mig *m)
{
    if (mlf__object_sql(m, "table", "registered_model_aliases") != NULL)
        return 0;
    return MLF__CREATE_HEAD(m, "registered_model_aliases");
}

static int mlf__up_7f2a7d5fae7d(mlf__mig *m)
{
    int rc = mlf__x(m, "CREATE TABLE datasets (\n"
                       "\tdataset_uuid VARCHAR(36) NOT NULL, \n"
                       "\texperiment_id INTEGER NOT NULL, \n"
                       "\tname VARCHAR(500) NOT NULL, \n"
                       "\tdigest VARCHAR(36) NOT NULL, \n"
                       "\tdataset_source_type VARCHAR(36) NOT NULL, \n"
                       "\tdataset_source TEXT NOT NULL, \n"
                       "\tdataset_schema TEXT, \n"
                       "\tdataset_profile TEXT, \n"
                       "\tCONSTRAINT dataset_pk PRIMARY KEY (experiment_id, name, digest), \n"
                       "\tFOREIGN KEY(experiment_id) REFERENCES experiments (experiment_id)\n"
                       ")");
    if (rc < 0 || (rc = MLF__CREATE_HEAD(m, "index_datasets_dataset_uuid",
                                         "index_datasets_experiment_id_dataset_source_type")) < 0)
        return rc;
    rc = mlf__x(m, "CREATE TABLE inputs (\n"
                   "\tinput_uuid VARCHAR(36) NOT NULL, \n"
                   "\tsource_type VARCHAR(36) NOT NULL, \n"
                   "\tsource_id VARCHAR(36) NOT NULL, \n"
                   "\tdestination_type VARCHAR(36) NOT NULL, \n"
                   "\tdestination_id VARCHAR(36) NOT NULL, \n"
                   "\tCONSTRAINT inputs_pk PRIMARY KEY (source_type, source_id, destination_type, destination_id)\n"
                   ")");
    if (rc < 0)
        return rc;
    return MLF__CREATE_HEAD(m, "index_inputs_input_uuid", "index_inputs_destination_type_destination_id_source_type",
                            "input_tags");
}

/* params.value: VARCHAR(500) -> VARCHAR(8000) */
static int mlf__up_2d6e25af4d3e(mlf__mig *m)
{
    return mlf__rebuild_head(m, "params");
}

static int mlf__up_acf3f17fdcc7(mlf__mig *m)
{
    return mlf__x(m, "ALTER TABLE model_versions ADD COLUMN storage_location VARCHAR(500)");
}

static int mlf__up_867495a8f9d4(mlf__mig *m)
{
    int rc = mlf__x(m, "CREATE TABLE trace_info (\n"
                       "\trequest_id VARCHAR(50) NOT NULL, \n"
                       "\texperiment_id INTEGER NOT NULL, \n"
                       "\ttimestamp_ms BIGINT NOT NULL, \n"
                       "\texecution_time_ms BIGINT, \n"
                       "\tstatus VARCHAR(50) NOT NULL, \n"
                       "\tCONSTRAINT trace_info_pk PRIMARY KEY (request_id), \n"
                       "\tCONSTRAINT fk_trace_info_experiment_id FOREIGN KEY(experiment_id) REFERENCES experiments "
                       "(experiment_id)\n"
                       ")");
    if (rc < 0 || (rc = MLF__CREATE_HEAD(m, "index_trace_info_experiment_id_timestamp_ms")) < 0)
        return rc;
    rc = mlf__x(m, "CREATE TABLE trace_tags (\n"
                   "\t\"key\" VARCHAR(250) NOT NULL, \n"
                   "\tvalue VARCHAR(8000), \n"
                   "\trequest_id VARCHAR(50) NOT NULL, \n"
                   "\tCONSTRAINT trace_tag_pk PRIMARY KEY (\"key\", request_id), \n"
                   "\tCONSTRAINT fk_trace_tags_request_id FOREIGN KEY(request_id) REFERENCES trace_info (request_id)\n"
                   ")");
    if (rc < 0 || (rc = MLF__CREATE_HEAD(m, "index_trace_tags_request_id")) < 0)
        return rc;
    rc = mlf__x(m, "CREATE TABLE trace_request_metadata (\n"
                   "\t\"key\" VARCHAR(250) NOT NULL, \n"
                   "\tvalue VARCHAR(8000), \n"
                   "\trequest_id VARCHAR(50) NOT NULL, \n"
                   "\tCONSTRAINT trace_request_metadata_pk PRIMARY KEY (\"key\", request_id), \n"
                   "\tCONSTRAINT fk_trace_request_metadata_request_id FOREIGN KEY(request_id) REFERENCES trace_info "
                   "(request_id)\n"
                   ")");
    if (rc < 0)
        return rc;
    return MLF__CREATE_HEAD(m, "index_trace_request_metadata_request_id");
}

/* ON DELETE CASCADE on the trace_info foreign keys. */
static int mlf__up_5b0e9adcef9c(mlf__mig *m)
{
    int rc = mlf__rebuild_head(m, "trace_tags");
    if (rc < 0)
        return rc;
    return mlf__rebuild_head(m, "trace_request_metadata");
}

/* MySQL only. */
static int mlf__up_4465047574b1(mlf__mig *m)
{
    (void)m;
    return 0;
}

/* tags.value: VARCHAR(5000) -> VARCHAR(8000) */
static int mlf__up_f5a4f2784254(mlf__mig *m)
{
    return mlf__rebuild_head(m, "tags");
}

/* datasets -> experiments becomes a named foreign key with ON DELETE CASCADE. */
static int mlf__up_0584bdc529eb(mlf__mig *m)
{
    return mlf__rebuild_head(m, "datasets");
}

static int mlf__up_400f98739977(mlf__mig *m)
{
    return MLF__CREATE_HEAD(m, "logged_models", "logged_model_metrics", "index_logged_model_metrics_model_id",
                            "logged_model_params", "logged_model_tags");
}

static int mlf__up_6953534de441(mlf__mig *m)
{
    return mlf__x(m, "ALTER TABLE inputs ADD COLUMN step BIGINT DEFAULT '0' NOT NULL");
}

/* model_version_tags.value: VARCHAR(5000) -> TEXT */
static int mlf__up_bda7b8c39065(mlf__mig *m)
{
    return mlf__rebuild_head(m, "model_version_tags");
}

static int mlf__up_cbc13b556ace(mlf__mig *m)
{
    int rc = mlf__x(m, "ALTER TABLE trace_info ADD COLUMN client_request_id VARCHAR(50)");
    if (rc < 0 || (rc = mlf__x(m, "ALTER TABLE trace_info ADD COLUMN request_preview VARCHAR(1000)")) < 0)
        return rc;
    return mlf__x(m, "ALTER TABLE trace_info ADD COLUMN response_preview VARCHAR(1000)");
}

static int mlf__up_770bee3ae1dd(mlf__mig *m)
{
    return MLF__CREATE_HEAD(m, "assessments", "index_assessments_trace_id_created_timestamp",
                            "index_assessments_run_id_created_timestamp", "index_assessments_last_updated_timestamp",
                            "index_assessments_assessment_type");
}

static int mlf__up_a1b2c3d4e5f6(mlf__mig *m)
{
    return MLF__CREATE_HEAD(m, "spans", "index_spans_experiment_id", "index_spans_experiment_id_status_type",
                            "index_spans_experiment_id_type_status", "index_spans_experiment_id_duration");
}

static int mlf__up_de4033877273(mlf__mig *m)
{
    return MLF__CREATE_HEAD(m, "entity_associations", "index_entity_associations_association_id",
                            "index_entity_associations_reverse_lookup");
}

static int mlf__up_1a0cddfcaa16(mlf__mig *m)
{
    return MLF__CREATE_HEAD(m, "webhooks", "idx_webhooks_status", "idx_webhooks_name", "webhook_events",
                            "idx_webhook_events_entity", "idx_webhook_events_action",
                            "idx_webhook_events_entity_action");
}

static int mlf__up_534353b11cbc(mlf__mig *m)
{
    return MLF__CREATE_HEAD(m, "scorers", "scorer_versions", "index_scorers_experiment_id_scorer_name",
                            "index_scorer_versions_scorer_id");
}

static int mlf__up_71994744cf8e(mlf__mig *m)
{
    int rc = MLF__CREATE_HEAD(m, "evaluation_datasets", "index_evaluation_datasets_name",
                              "index_evaluation_datasets_created_time", "evaluation_dataset_tags",
                              "index_evaluation_dataset_tags_dataset_id");
    if (rc < 0)
        return rc;
    /* alembic rebuilt it for the unique constraint, hence the quoted name */
    rc = mlf__x(m, "CREATE TABLE \"evaluation_dataset_records\" (\n"
                   "\tdataset_record_id VARCHAR(36) NOT NULL, \n"
                   "\tdataset_id VARCHAR(36) NOT NULL, \n"
                   "\tinputs JSON NOT NULL, \n"
                   "\texpectations JSON, \n"
                   "\ttags JSON, \n"
                   "\tsource JSON, \n"
                   "\tsource_id VARCHAR(36), \n"
                   "\tsource_type VARCHAR(255), \n"
                   "\tcreated_time BIGINT, \n"
                   "\tlast_update_time BIGINT, \n"
                   "\tcreated_by VARCHAR(255), \n"
                   "\tlast_updated_by VARCHAR(255), \n"
                   "\tinput_hash VARCHAR(64) NOT NULL, \n"
                   "\tCONSTRAINT evaluation_dataset_records_pk PRIMARY KEY (dataset_record_id), \n"
                   "\tCONSTRAINT fk_evaluation_dataset_records_dataset_id FOREIGN KEY(dataset_id) REFERENCES "
                   "evaluation_datasets (dataset_id) ON DELETE CASCADE, \n"
                   "\tCONSTRAINT unique_dataset_input UNIQUE (dataset_id, input_hash)\n"
                   ")");
    if (rc < 0)
        return rc;
    return MLF__CREATE_HEAD(m, "index_evaluation_dataset_records_dataset_id");
}

static int mlf__up_3da73c924c2f(mlf__mig *m)
{
    return mlf__x(m, "ALTER TABLE evaluation_dataset_records ADD COLUMN outputs JSON");
}

static int mlf__up_bf29a5ff90ea(mlf__mig *m)
{
    return MLF__CREATE_HEAD(m, "jobs", "index_jobs_function_status_creation_time");
}


/* ---- the revisions of MLflow 3.7 to 3.18: the schema from mlf_sqlite_chain, the data here ---- */

#define MLF__SCHEMA_ONLY(rev)                                                                                          \
    static int mlf__up_##rev(mlf__mig *m)                                                                              \
    {                                                                                                                  \
        return mlf__apply(m, #rev, NULL);                                                                              \
    }

MLF__SCHEMA_ONLY(1bd49d398cd23)
MLF__SCHEMA_ONLY(b7c8d9e0f1a2)

/* jobs.function_fullname is renamed job_name (its index was dropped first), keeping the values. */
static int mlf__rename_job_name(mlf__mig *m)
{
    return mlf__x(m, "ALTER TABLE jobs RENAME COLUMN function_fullname TO job_name");
}

static int mlf__up_5d2d30f0abce(mlf__mig *m)
{
    return mlf__apply(m, "5d2d30f0abce", mlf__rename_job_name);
}

/* existing mappings take linkage_type's server default 'PRIMARY' in the rebuild */
MLF__SCHEMA_ONLY(c9d4e5f6a7b8)
MLF__SCHEMA_ONLY(2c33131f4dae)
MLF__SCHEMA_ONLY(d3e4f5a6b7c8)
MLF__SCHEMA_ONLY(d0e1f2a3b4c5)
MLF__SCHEMA_ONLY(c8d9e0f1a2b3)

/* Every existing row takes workspace's default 'default' in the rebuilds; the catalog gets its row. */
static int mlf__up_1b5f0d9ad7c1(mlf__mig *m)
{
    int rc = mlf__apply(m, "1b5f0d9ad7c1", NULL);
    if (rc < 0)
        return rc;
    return mlf__x(m, "INSERT INTO workspaces (name, description) VALUES ('default', 'Default workspace for legacy "
                     "resources')");
}

MLF__SCHEMA_ONLY(e1f2a3b4c5d6)
MLF__SCHEMA_ONLY(76601a5f987d)
MLF__SCHEMA_ONLY(c3d6457b6d8a)
MLF__SCHEMA_ONLY(a5b4c3d2e1f0)
MLF__SCHEMA_ONLY(ae8bbe7743c9)
MLF__SCHEMA_ONLY(7d34483879f0)
/* existing traces take db_payload_generation's default 0 in the rebuild */
MLF__SCHEMA_ONLY(da6fb0208061)
MLF__SCHEMA_ONLY(89d3d66ed43f)
MLF__SCHEMA_ONLY(b7e4c1a90f23)
MLF__SCHEMA_ONLY(a8b9c0d1e2f3)
MLF__SCHEMA_ONLY(c1d2e3f4a5b6)
MLF__SCHEMA_ONLY(c3d9e7f1a2b4)
MLF__SCHEMA_ONLY(6f8d9c3b2a1e)
MLF__SCHEMA_ONLY(1971f2d9a75b)
MLF__SCHEMA_ONLY(17e22815139b)
MLF__SCHEMA_ONLY(b7e2c1a4d9f3)

/* The first row of a query (one value), or NULL when there is none. */
static char *mlf__query1(mlf__mig *m, const char *sql)
{
    sqlite3_stmt *st;
    char *ret = NULL;
    if (sqlite3_prepare_v2(m->db, sql, -1, &st, NULL) != SQLITE_OK)
        return NULL;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
        ret = mlf_pool_strdup(m->pool, (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return ret;
}

/*
 * SQL functions the data migrations need, as MLflow's Python computes them:
 * mlf_py_int(v) is token_count_or_none (an integral number or numeric
 * string within BIGINT, else NULL), mlf_py_float(v) finite_float_or_none
 * (a finite number or numeric string, else NULL), mlf_category_hash(s) the
 * sha256 hex of s stripped and lowercased (ASCII: SQLite's own functions
 * see no further either).
 */
static bool mlf__py_number(sqlite3_value *v, double *ret, long long *ret_int, bool *is_int)
{
    *is_int = false;
    switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER:
        *ret_int = sqlite3_value_int64(v);
        *ret = (double)*ret_int;
        *is_int = true;
        return true;
    case SQLITE_FLOAT:
        *ret = sqlite3_value_double(v);
        return true;
    case SQLITE_TEXT: {
        const char *t = (const char *)sqlite3_value_text(v);
        while (isspace((unsigned char)*t))
            t++;
        size_t n = strlen(t);
        while (n > 0 && isspace((unsigned char)t[n - 1]))
            n--;
        char *s = strndup(t, n);
        if (s == NULL)
            abort();
        bool ok = n > 0 && strpbrk(s, "xXpP") == NULL; /* Python reads no hexadecimal */
        char *end;
        errno = 0;
        long long i = ok ? strtoll(s, &end, 10) : 0;
        if (ok && *end == '\0' && errno == 0) {
            *ret_int = i;
            *ret = (double)i;
            *is_int = true;
        } else if (ok) {
            *ret = strtod(s, &end);
            ok = *end == '\0';
        }
        free(s);
        return ok;
    }
    default:
        return false;
    }
}

static void mlf__fn_py_int(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    double d;
    long long i;
    bool is_int;
    if (!mlf__py_number(argv[0], &d, &i, &is_int))
        sqlite3_result_null(ctx);
    else if (is_int)
        sqlite3_result_int64(ctx, i);
    else if (isfinite(d) && d == floor(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0)
        sqlite3_result_int64(ctx, (sqlite3_int64)d);
    else
        sqlite3_result_null(ctx);
}

static void mlf__fn_py_float(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    double d;
    long long i;
    bool is_int;
    if (mlf__py_number(argv[0], &d, &i, &is_int) && isfinite(d))
        sqlite3_result_double(ctx, d);
    else
        sqlite3_result_null(ctx);
}

static void mlf__fn_category_hash(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) != SQLITE_TEXT) {
        sqlite3_result_null(ctx);
        return;
    }
    const char *t = (const char *)sqlite3_value_text(argv[0]);
    while (isspace((unsigned char)*t))
        t++;
    size_t n = strlen(t);
    while (n > 0 && isspace((unsigned char)t[n - 1]))
        n--;
    unsigned char *s = (unsigned char *)strndup(t, n);
    if (s == NULL)
        abort();
    for (size_t i = 0; i < n; i++)
        s[i] = (unsigned char)tolower(s[i]);
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(s, n, md);
    free(s);
    char hex[2 * SHA256_DIGEST_LENGTH + 1];
    for (size_t i = 0; i < SHA256_DIGEST_LENGTH; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    sqlite3_result_text(ctx, hex, -1, SQLITE_TRANSIENT);
}

static int mlf__register_functions(mlf__mig *m)
{
    int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
    if (sqlite3_create_function(m->db, "mlf_py_int", 1, flags, NULL, mlf__fn_py_int, NULL, NULL) != SQLITE_OK ||
        sqlite3_create_function(m->db, "mlf_py_float", 1, flags, NULL, mlf__fn_py_float, NULL, NULL) != SQLITE_OK ||
        sqlite3_create_function(m->db, "mlf_category_hash", 1, flags, NULL, mlf__fn_category_hash, NULL, NULL) !=
            SQLITE_OK)
        return mlf__mig_fail(m, "registering the migration's SQL functions");
    return 0;
}

/* A member of a JSON object held in column doc (NULL unless an object), booleans being no numbers to Python. */
#define MLF__MEMBER(fn, doc, key)                                                                                      \
    "CASE WHEN json_type(" doc ", '$." key "') IN ('true', 'false') THEN NULL ELSE " fn "(json_extract(" doc ", '$." key \
    "')) END"

/* a token count: the trace's trace_metrics value for it when there is one, else the tokenUsage metadata's */
#define MLF__TOKEN(col)                                                                                                \
    col " = CASE WHEN EXISTS (SELECT 1 FROM trace_metrics x WHERE x.request_id = a.id AND x.\"key\" = '" col "') "     \
        "THEN (SELECT mlf_py_int(x.value) FROM trace_metrics x WHERE x.request_id = a.id AND x.\"key\" = '" col "') "   \
        "ELSE " MLF__MEMBER("mlf_py_int", "a.tu", col) " END"

#define MLF__COST(col) col " = " MLF__MEMBER("mlf_py_float", "a.co", col)

/* a span's cost: its span_metrics value for it (finite) */
#define MLF__SPAN_COST(col)                                                                                            \
    col " = (SELECT mlf_py_float(x.value) FROM span_metrics x WHERE x.trace_id = spans.trace_id AND x.span_id = "      \
        "spans.span_id AND x.\"key\" = '" col "')"

/* Python's str.strip(), for the ASCII whitespace */
#define MLF__STRIP(x) "trim(" x ", ' ' || char(9, 10, 11, 12, 13))"

/*
 * Revision 75868b020152 before its rebuilds, while spans still have
 * dimension_attributes: the analytics columns are added and filled from the
 * tags, metadata and metrics they replace (as MLflow's backfill computes
 * them), then those rows are deleted. Refuses what MLflow refuses: spans or
 * assessments of a missing trace, dimension_attributes that are not an
 * object of the two model keys with string values.
 */
static int mlf__trace_analytics(mlf__mig *m)
{
    const char *orphan = mlf__query1(
        m, "SELECT 'spans row references missing trace_info row ' || quote(trace_id) FROM spans WHERE trace_id NOT IN "
           "(SELECT request_id FROM trace_info) UNION ALL SELECT 'assessments row references missing trace_info row ' "
           "|| quote(trace_id) FROM assessments WHERE trace_id NOT IN (SELECT request_id FROM trace_info) LIMIT 1");
    if (orphan != NULL) {
        mlf_error_set(m->err, m->pool, MLF_ERR_INTERNAL_ERROR, "Cannot backfill trace analytics: %s", orphan);
        return MLF_MIGRATE_EFAILED;
    }
    const char *bad = mlf__query1(
        m, "SELECT quote(trace_id) || ', ' || quote(span_id) FROM spans WHERE dimension_attributes IS NOT NULL AND "
           "dimension_attributes != 'null' AND CASE WHEN NOT json_valid(dimension_attributes) THEN 1 "
           "WHEN json_type(dimension_attributes) != 'object' THEN 1 ELSE EXISTS (SELECT 1 FROM "
           "json_each(spans.dimension_attributes) WHERE key NOT IN ('mlflow.llm.model', 'mlflow.llm.provider') OR "
           "type NOT IN ('text', 'null')) END LIMIT 1");
    if (bad != NULL) {
        mlf_error_set(m->err, m->pool, MLF_ERR_INTERNAL_ERROR,
                      "Cannot drop spans.dimension_attributes: unsupported value for span (%s)", bad);
        return MLF_MIGRATE_EFAILED;
    }
    static const char *const sql[] = {
        "ALTER TABLE trace_info ADD COLUMN trace_name VARCHAR(4096)",
        "ALTER TABLE trace_info ADD COLUMN session_id VARCHAR(250)",
        "ALTER TABLE trace_info ADD COLUMN input_tokens BIGINT",
        "ALTER TABLE trace_info ADD COLUMN output_tokens BIGINT",
        "ALTER TABLE trace_info ADD COLUMN total_tokens BIGINT",
        "ALTER TABLE trace_info ADD COLUMN cache_read_input_tokens BIGINT",
        "ALTER TABLE trace_info ADD COLUMN cache_creation_input_tokens BIGINT",
        "ALTER TABLE trace_info ADD COLUMN cache_creation_input_tokens_above_1hr BIGINT",
        "ALTER TABLE trace_info ADD COLUMN input_cost FLOAT",
        "ALTER TABLE trace_info ADD COLUMN output_cost FLOAT",
        "ALTER TABLE trace_info ADD COLUMN total_cost FLOAT",
        "ALTER TABLE assessments ADD COLUMN experiment_id INTEGER",
        "ALTER TABLE assessments ADD COLUMN trace_timestamp_ms BIGINT",
        "ALTER TABLE assessments ADD COLUMN aggregate_value FLOAT",
        "ALTER TABLE assessments ADD COLUMN is_numeric_value BOOLEAN DEFAULT 0",
        "ALTER TABLE spans ADD COLUMN input_cost FLOAT",
        "ALTER TABLE spans ADD COLUMN output_cost FLOAT",
        "ALTER TABLE spans ADD COLUMN total_cost FLOAT",
        "ALTER TABLE spans ADD COLUMN model_name VARCHAR(500)",
        "ALTER TABLE spans ADD COLUMN model_provider VARCHAR(500)",
        /* each trace's tokenUsage and cost metadata, when they are JSON objects (json_object() reads others as {}) */
        "CREATE TEMP TABLE _mlf_trace_docs AS SELECT t.request_id AS id, "
        "(SELECT value FROM trace_request_metadata d WHERE d.request_id = t.request_id AND d.\"key\" = "
        "'mlflow.trace.tokenUsage') AS tu, (SELECT value FROM trace_request_metadata d WHERE d.request_id = "
        "t.request_id AND d.\"key\" = 'mlflow.trace.cost') AS co FROM trace_info t",
        "UPDATE _mlf_trace_docs SET tu = CASE WHEN json_valid(tu) THEN CASE WHEN json_type(tu) = 'object' THEN tu END "
        "END, co = CASE WHEN json_valid(co) THEN CASE WHEN json_type(co) = 'object' THEN co END END",
        "UPDATE trace_info SET "
        "trace_name = (SELECT substr(g.value, 1, 4096) FROM trace_tags g WHERE g.request_id = a.id AND g.\"key\" = "
        "'mlflow.traceName'), "
        "session_id = (SELECT substr(d.value, 1, 250) FROM trace_request_metadata d WHERE d.request_id = a.id AND "
        "d.\"key\" = 'mlflow.trace.session'), " MLF__TOKEN("input_tokens") ", " MLF__TOKEN("output_tokens") ", "
        MLF__TOKEN("total_tokens") ", " MLF__TOKEN("cache_read_input_tokens") ", " MLF__TOKEN(
            "cache_creation_input_tokens") ", " MLF__TOKEN("cache_creation_input_tokens_above_1hr") ", "
        MLF__COST("input_cost") ", " MLF__COST("output_cost") ", " MLF__COST("total_cost")
        " FROM _mlf_trace_docs a WHERE a.id = trace_info.request_id",
        "DROP TABLE _mlf_trace_docs",
        "UPDATE spans SET " MLF__SPAN_COST("input_cost") ", " MLF__SPAN_COST("output_cost") ", " MLF__SPAN_COST(
            "total_cost") ", "
        /* dimension_attributes is valid here (checked above): NULL, 'null' or an object */
        "model_name = CASE WHEN json_type(dimension_attributes, '$.\"mlflow.llm.model\"') = 'text' THEN "
        "substr(json_extract(dimension_attributes, '$.\"mlflow.llm.model\"'), 1, 500) END, "
        "model_provider = CASE WHEN json_type(dimension_attributes, '$.\"mlflow.llm.provider\"') = 'text' THEN "
        "substr(json_extract(dimension_attributes, '$.\"mlflow.llm.provider\"'), 1, 500) END",
        /* gateway traces without a cost of their own: the sum of their spans' */
        "UPDATE trace_info SET total_cost = (SELECT sum(s.total_cost) FROM spans s WHERE s.trace_id = "
        "trace_info.request_id) WHERE total_cost IS NULL AND (SELECT sum(s.total_cost) FROM spans s WHERE s.trace_id "
        "= trace_info.request_id) IS NOT NULL AND EXISTS (SELECT 1 FROM trace_request_metadata d WHERE d.request_id = "
        "trace_info.request_id AND d.\"key\" = 'mlflow.gateway.endpointId')",
        /* an assessment's value (JSON, else the raw text): booleans and yes/no count 1/0, finite numbers are numeric */
        "UPDATE assessments SET experiment_id = t.experiment_id, trace_timestamp_ms = t.timestamp_ms, "
        "aggregate_value = CASE WHEN json_valid(value) THEN CASE json_type(value) WHEN 'true' THEN 1.0 WHEN 'false' "
        "THEN 0.0 WHEN 'integer' THEN mlf_py_float(json_extract(value, '$')) WHEN 'real' THEN "
        "mlf_py_float(json_extract(value, '$')) WHEN 'text' THEN CASE lower(" MLF__STRIP("json_extract(value, '$')")
        ") WHEN 'yes' THEN 1.0 WHEN 'no' THEN 0.0 END END ELSE CASE lower(" MLF__STRIP("value")
        ") WHEN 'yes' THEN 1.0 WHEN 'no' THEN 0.0 END END, "
        "is_numeric_value = CASE WHEN json_valid(value) THEN CASE WHEN json_type(value) IN ('integer', 'real') THEN "
        "mlf_py_float(json_extract(value, '$')) IS NOT NULL ELSE 0 END ELSE 0 END "
        "FROM trace_info t WHERE t.request_id = assessments.trace_id",
        /* what the columns replace */
        "DELETE FROM trace_tags WHERE \"key\" = 'mlflow.traceName'",
        "DELETE FROM trace_request_metadata WHERE \"key\" IN ('mlflow.trace.session', 'mlflow.trace.tokenUsage', "
        "'mlflow.trace.cost')",
        "DELETE FROM trace_metrics WHERE \"key\" IN ('input_tokens', 'output_tokens', 'total_tokens', "
        "'cache_read_input_tokens', 'cache_creation_input_tokens', 'cache_creation_input_tokens_above_1hr')",
        "DELETE FROM span_metrics WHERE \"key\" IN ('input_cost', 'output_cost', 'total_cost')",
    };
    int rc = 0;
    for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]) && rc == 0; i++)
        rc = mlf__x(m, sql[i]);
    return rc;
}

static int mlf__up_75868b020152(mlf__mig *m)
{
    return mlf__apply(m, "75868b020152", mlf__trace_analytics);
}

/* Jobs left pending or running (0, 1) are canceled (5): the new executor does not take them over. */
static int mlf__up_dc11669786a5(mlf__mig *m)
{
    int rc = mlf__apply(m, "dc11669786a5", NULL);
    if (rc < 0)
        return rc;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long long now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    return mlf__x(m, mlf_pool_sprintf(m->pool,
                                      "UPDATE jobs SET status = 5, last_update_time = %lld WHERE status IN (0, 1)", now));
}

MLF__SCHEMA_ONLY(e7d1f4b2a9c6)

/*
 * Issues are last seen when created; each issue's categories (a JSON list)
 * become issue_categories rows, one per distinct stripped, lowercased
 * category (the last spelling of it in the list, as MLflow's dict keeps).
 */
static int mlf__up_8b6ad64cb8f5(mlf__mig *m)
{
    int rc = mlf__apply(m, "8b6ad64cb8f5", NULL);
    if (rc == 0)
        rc = mlf__x(m, "UPDATE issues SET last_seen_timestamp = created_timestamp");
    if (rc == 0)
        rc = mlf__x(m, "INSERT INTO issue_categories (issue_id, category_hash, category) "
                       "SELECT issue_id, h, category FROM (SELECT i.issue_id, mlf_category_hash(j.value) AS h, "
                       "j.value AS category, row_number() OVER (PARTITION BY i.issue_id, mlf_category_hash(j.value) "
                       "ORDER BY j.key DESC) AS n FROM issues i, json_each(i.categories) j "
                       "WHERE i.categories IS NOT NULL AND j.type = 'text') WHERE n = 1");
    return rc;
}

/* MySQL's and SQL Server's collations only */
MLF__SCHEMA_ONLY(f4a9b2c7d1e6)

/* ---- inspection and the driver ---- */

static const char *const mlf__initial_tables[] = {"experiments", "runs", "tags", "metrics", "params"};

typedef struct mlf__db_state {
    const char *revision; /** "None": MLflow's initial tables without alembic_version */
    int index;            /** in the chain, -1 for "None" */
} mlf__db_state;

static int mlf__refuse(mlf__mig *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int mlf__refuse(mlf__mig *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = mlf_pool_vsprintf(m->pool, fmt, ap);
    va_end(ap);
    mlf_error_set(m->err, m->pool, MLF_ERR_INVALID_STATE, "%s", msg);
    return MLF_MIGRATE_EREFUSED;
}

/* Opens path (which must exist: nothing is created) and checks it can be upgraded, or only read. */
static int mlf__open(mlf__mig *m, const char *path, bool write)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return mlf__refuse(m, "%s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return mlf__refuse(m, "%s is not a database file", path);
    if (write) {
        /* mode bits too: root may write anything, but a write-protected file is not to be changed */
        if (access(path, W_OK) != 0 || (st.st_mode & 0222) == 0)
            return mlf__refuse(m, "%s is read-only: nothing was changed", path);
        char *dir = mlf_pool_strdup(m->pool, path);
        char *slash = strrchr(dir, '/');
        if (slash == NULL)
            dir = ".";
        else if (slash == dir)
            dir = "/";
        else
            *slash = '\0';
        if (access(dir, W_OK) != 0)
            return mlf__refuse(m,
                               "the directory of %s is read-only (SQLite needs it for its journal): nothing was "
                               "changed",
                               path);
    }
    /* read-write when allowed even to read: a reader rolls back the journal a killed upgrade left */
    int flags = write || access(path, W_OK) == 0 ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY;
    int rc = sqlite3_open_v2(path, &m->db, flags, NULL);
    if (rc != SQLITE_OK)
        return mlf__refuse(m, "cannot open %s: %s", path, m->db ? sqlite3_errmsg(m->db) : sqlite3_errstr(rc));
    if (write && sqlite3_db_readonly(m->db, "main") == 1)
        return mlf__refuse(m, "%s is read-only: nothing was changed", path);
    sqlite3_busy_timeout(m->db, 10000);
    return 0;
}

static bool mlf__table_exists(mlf__mig *m, const char *name)
{
    return mlf__object_sql(m, "table", name) != NULL;
}

/* Finds the database's revision; refuses what we cannot upgrade. Reads only. */
static int mlf__inspect(mlf__mig *m, const char *path, mlf__db_state *ret)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(m->db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW && sqlite3_column_int64(st, 0) == 0) {
            sqlite3_finalize(st);
            return mlf__refuse(m,
                               "%s is an empty database, not an MLflow one (mlflow-c server creates the schema in "
                               "an empty database)",
                               path);
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW) {
        int code = sqlite3_errcode(m->db);
        if (code == SQLITE_NOTADB)
            return mlf__refuse(m, "%s is not a SQLite database", path);
        return mlf__refuse(m, "cannot read %s: %s", path, sqlite3_errmsg(m->db));
    }

    if (!mlf__table_exists(m, "alembic_version")) {
        for (size_t i = 0; i < sizeof(mlf__initial_tables) / sizeof(mlf__initial_tables[0]); i++)
            if (!mlf__table_exists(m, mlf__initial_tables[i]))
                return mlf__refuse(m, "%s is not an MLflow database (it has no alembic_version table)", path);
        ret->revision = "None";
        ret->index = -1;
        return 0;
    }
    if (sqlite3_prepare_v2(m->db, "SELECT version_num FROM alembic_version", -1, &st, NULL) != SQLITE_OK)
        return mlf__refuse(m, "cannot read the alembic_version of %s: %s", path, sqlite3_errmsg(m->db));
    const char *rev = NULL;
    int n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        n++;
        const unsigned char *t = sqlite3_column_text(st, 0);
        rev = mlf_pool_strdup(m->pool, t ? (const char *)t : "");
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return mlf__refuse(m, "cannot read the alembic_version of %s: %s", path, sqlite3_errmsg(m->db));
    if (n > 1)
        return mlf__refuse(m, "%s has %d revisions in alembic_version (branches are not MLflow's)", path, n);
    if (n == 0) {
        for (size_t i = 0; i < sizeof(mlf__initial_tables) / sizeof(mlf__initial_tables[0]); i++)
            if (!mlf__table_exists(m, mlf__initial_tables[i]))
                return mlf__refuse(m, "%s is not an MLflow database (alembic_version is empty)", path);
        ret->revision = "None";
        ret->index = -1;
        return 0;
    }
    ret->revision = rev;
    ret->index = mlf_migration_index(rev);
    if (ret->index >= 0)
        return 0;
    /* an unknown revision over every table of our head is a later MLflow's */
    bool all_head = true;
    for (size_t i = 0; i < mlf_sqlite_schema_ddl_count && all_head; i++) {
        bool is_table;
        const char *name = mlf__ddl_name(m->pool, mlf_sqlite_schema_ddl[i], &is_table);
        if (name != NULL && is_table)
            all_head = mlf__table_exists(m, name);
    }
    if (all_head)
        return mlf__refuse(m,
                           "%s is at revision %s, newer than mlflow-c's %s (written by a later MLflow): mlflow-c "
                           "cannot use it and does not downgrade",
                           path, rev, MLF_SQL_SCHEMA_REVISION);
    return mlf__refuse(m, "%s is at revision %s, which is not in MLflow's migration chain", path, rev);
}

int mlf_sqlite_db_current(const char *path, mlf_pool *pool, const char **ret, mlf_error *err)
{
    mlf__mig m = {.pool = pool, .err = err};
    mlf__db_state state;
    int rc = mlf__open(&m, path, false);
    if (rc == 0)
        rc = mlf__inspect(&m, path, &state);
    sqlite3_close(m.db);
    if (rc == 0)
        *ret = state.revision;
    return rc;
}

/* A consistent copy of the database (WAL content included) at dest, written under a temporary name first. */
static int mlf__backup(mlf__mig *m, const char *dest)
{
    const char *tmp = mlf_pool_sprintf(m->pool, "%s.tmp", dest);
    sqlite3 *out = NULL;
    int rc = sqlite3_open_v2(tmp, &out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    sqlite3_backup *b = rc == SQLITE_OK ? sqlite3_backup_init(out, "main", m->db, "main") : NULL;
    if (b != NULL) {
        rc = sqlite3_backup_step(b, -1);
        sqlite3_backup_finish(b);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    } else if (rc == SQLITE_OK) {
        rc = sqlite3_errcode(out);
    }
    const char *msg = mlf_pool_strdup(m->pool, out ? sqlite3_errmsg(out) : sqlite3_errstr(rc));
    if (rc == SQLITE_OK)
        rc = sqlite3_close(out);
    else
        sqlite3_close(out);
    if (rc == SQLITE_OK && rename(tmp, dest) == 0)
        return 0;
    unlink(tmp);
    return mlf__refuse(m, "cannot write the backup %s: %s; nothing was changed", dest,
                       rc == SQLITE_OK ? strerror(errno) : msg);
}

/*
 * The last step of the transaction that starts with step i: steps run one
 * per transaction, but those before 39d1c3be5f05 run up to it in one, so
 * that metrics, which three of them rebuild, is copied once (mlf__metrics_add).
 * A kill or a failure leaves the database at the revision before the group.
 */
static size_t mlf__group_end(size_t i)
{
    int fused = mlf_migration_index("39d1c3be5f05");
    return fused >= 0 && i < (size_t)fused ? (size_t)fused : i;
}

/*
 * Runs steps first..last of the chain (from: the revision before first),
 * with the alembic_version update, in one transaction; *ret_failed is the
 * step that failed.
 */
static int mlf__run_steps(mlf__mig *m, size_t first, size_t last, const char *from, FILE *log, size_t *ret_failed)
{
    *ret_failed = first;
    int rc = mlf__x(m, "BEGIN IMMEDIATE");
    if (rc < 0)
        return rc;
    m->metrics_fused = last == (size_t)mlf_migration_index("39d1c3be5f05");
    if (first == 0 && !mlf__table_exists(m, "alembic_version"))
        rc = MLF__CREATE_HEAD(m, "alembic_version");
    for (size_t i = first; i <= last && rc == 0; i++) {
        if (log != NULL) {
            fprintf(log, "Running upgrade %s -> %s, %s\n", i == first ? from : mlf_migrations[i - 1].revision,
                    mlf_migrations[i].revision, mlf_migrations[i].title);
            fflush(log);
        }
        *ret_failed = i;
        rc = mlf__steps[i](m);
        if (rc == 0 && i + 1 == mlf_migrations_count)
            rc = mlf__conform(m);
    }
    if (rc == 0)
        rc = mlf__x(m, "DELETE FROM alembic_version");
    if (rc == 0)
        rc = mlf__x(m, mlf_pool_sprintf(m->pool, "INSERT INTO alembic_version (version_num) VALUES ('%s')",
                                        mlf_migrations[last].revision));
    if (rc == 0)
        rc = mlf__x(m, "COMMIT");
    if (rc < 0)
        sqlite3_exec(m->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int mlf_sqlite_db_upgrade(const char *path, const mlf_migrate_options *opts, mlf_pool *pool, const char **ret_from,
                          int *ret_steps, mlf_error *err)
{
    mlf__mig m = {.pool = pool, .err = err};
    mlf__db_state state;
    *ret_steps = 0;
    int rc = mlf__open(&m, path, true);
    if (rc == 0)
        rc = mlf__inspect(&m, path, &state);
    if (rc < 0)
        goto out;
    *ret_from = state.revision;
    if (state.index + 1 == (int)mlf_migrations_count)
        goto out;
    /* foreign keys off (pragma is a no-op inside a transaction): rebuilds drop and recreate referenced tables;
       legacy renames leave the other tables' REFERENCES on the name; no secure_delete (Debian builds SQLite with
       it on): a rebuild's DROP of the old copy of metrics would otherwise journal and zero every page of it */
    if ((rc = mlf__register_functions(&m)) < 0 || (rc = mlf__x(&m, "PRAGMA foreign_keys = OFF")) < 0 ||
        (rc = mlf__x(&m, "PRAGMA legacy_alter_table = ON")) < 0 || (rc = mlf__x(&m, "PRAGMA cache_size = -65536")) < 0 ||
        (rc = mlf__x(&m, "PRAGMA secure_delete = OFF")) < 0)
        goto out;
    if (!opts->no_backup && (rc = mlf__backup(&m, mlf_pool_sprintf(pool, "%s.bak-%s", path, state.revision))) < 0)
        goto out;
    for (size_t i = (size_t)(state.index + 1); i < mlf_migrations_count;) {
        size_t last = mlf__group_end(i), failed;
        const char *from = i == 0 ? state.revision : mlf_migrations[i - 1].revision;
        rc = mlf__run_steps(&m, i, last, from, opts->log, &failed);
        if (rc < 0) {
            mlf_error_set(err, pool, MLF_ERR_INTERNAL_ERROR,
                          "upgrade %s -> %s failed: %s; the database stays at revision %s",
                          failed == i ? from : mlf_migrations[failed - 1].revision, mlf_migrations[failed].revision,
                          err->message, from);
            rc = MLF_MIGRATE_EFAILED;
            goto out;
        }
        *ret_steps += (int)(last - i + 1);
        i = last + 1;
    }
out:
    sqlite3_close(m.db);
    return rc;
}
