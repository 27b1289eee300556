/*
 * The transactions and statement primitives of the SQL store, dispatched on
 * the backend's dialect (one `if`, no function table): SQLite statements go
 * straight to sqlite3_*, PostgreSQL ones to src/store/postgres.
 */
#include "store/sql/sql.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "store/postgres/postgres.h"
#include "store/sqlite/sqlite.h"

_Static_assert(MLF_SQL_ROW == SQLITE_ROW && MLF_SQL_DONE == SQLITE_DONE && MLF_SQL_CONSTRAINT == SQLITE_CONSTRAINT &&
                   MLF_SQL_BUSY == SQLITE_BUSY && MLF_SQL_IOERR == SQLITE_IOERR && MLF_SQL_CORRUPT == SQLITE_CORRUPT &&
                   MLF_SQL_ERROR == SQLITE_ERROR,
               "the SQL store's result codes are SQLite's");
_Static_assert(MLF_SQL_INTEGER == SQLITE_INTEGER && MLF_SQL_FLOAT == SQLITE_FLOAT && MLF_SQL_TEXT == SQLITE_TEXT &&
                   MLF_SQL_BLOB == SQLITE_BLOB && MLF_SQL_NULL == SQLITE_NULL,
               "the SQL store's column types are SQLite's");

#define MLF__LITE(st) (((mlf_sqlite_stmt *)(st))->st)
#define MLF__IS_LITE(x) ((x)->dialect == MLF_SQL_SQLITE)

int64_t mlf_sql_now_ms(void)
{
    return mlf_clock_now_ms();
}

int mlf_sql_cache_find(void *entries, size_t stride, int n, uint64_t *tick, const char *sql, bool *hit)
{
#define MLF__KEY(i) ((mlf_sql_cache_key *)((char *)entries + (size_t)(i)*stride))
    int slot = -1;
    for (int i = 0; i < n; i++) {
        mlf_sql_cache_key *k = MLF__KEY(i);
        if (k->sql == NULL) {
            if (slot < 0 || MLF__KEY(slot)->sql != NULL)
                slot = i;
            continue;
        }
        if (strcmp(k->sql, sql) == 0) {
            k->last_use = ++*tick;
            *hit = true;
            return i;
        }
        if (slot < 0 || (MLF__KEY(slot)->sql != NULL && k->last_use < MLF__KEY(slot)->last_use))
            slot = i;
    }
#undef MLF__KEY
    *hit = false;
    return slot;
}

void mlf_sql_cache_take(mlf_sql_cache_key *key, uint64_t *tick, const char *sql)
{
    free(key->sql);
    key->sql = strdup(sql);
    if (key->sql == NULL)
        abort();
    key->last_use = ++*tick;
}

int mlf_sql_write_begin(mlf_sql_store *s, mlf_pool *pool, mlf_sql_conn **ret, mlf_error *err)
{
    if (MLF__IS_LITE(s))
        return mlf_sqlite_write_begin((mlf_sqlite_store *)s, pool, (mlf_sqlite_conn **)ret, err);
    return mlf_pg_write_begin((mlf_pg_store *)s, pool, ret, err);
}

int mlf_sql_write_end(mlf_sql_store *s, mlf_sql_conn *c, int rc, mlf_pool *pool, mlf_error *err)
{
    if (MLF__IS_LITE(s))
        return mlf_sqlite_write_end((mlf_sqlite_store *)s, (mlf_sqlite_conn *)c, rc, pool, err);
    return mlf_pg_write_end((mlf_pg_store *)s, (mlf_pg_conn *)c, rc, pool, err);
}

int mlf_sql_read_begin(mlf_sql_store *s, mlf_pool *pool, mlf_sql_conn **ret, mlf_error *err)
{
    if (MLF__IS_LITE(s))
        return mlf_sqlite_read_begin((mlf_sqlite_store *)s, pool, (mlf_sqlite_conn **)ret, err);
    return mlf_pg_read_begin((mlf_pg_store *)s, pool, ret, err);
}

void mlf_sql_read_end(mlf_sql_store *s, mlf_sql_conn *c)
{
    if (MLF__IS_LITE(s))
        mlf_sqlite_read_end((mlf_sqlite_store *)s, (mlf_sqlite_conn *)c);
    else
        mlf_pg_read_end((mlf_pg_store *)s, (mlf_pg_conn *)c);
}

int mlf_sql_in_write(mlf_sql_store *s, mlf_pool *pool, mlf_sql_tx_fn fn, void *arg, mlf_error *err)
{
    int rc;
    do {
        mlf_sql_conn *c;
        rc = mlf_sql_write_begin(s, pool, &c, err);
        if (rc < 0)
            return rc;
        rc = fn(c, pool, arg, err);
        rc = mlf_sql_write_end(s, c, rc, pool, err);
    } while (rc == MLF_SQL_AGAIN);
    return rc;
}

int mlf_sql_in_read(mlf_sql_store *s, mlf_pool *pool, mlf_sql_tx_fn fn, void *arg, mlf_error *err)
{
    mlf_sql_conn *c;
    int rc = mlf_sql_read_begin(s, pool, &c, err);
    if (rc < 0)
        return rc;
    rc = fn(c, pool, arg, err);
    mlf_sql_read_end(s, c);
    return rc;
}

int mlf_sql_prepare(mlf_sql_conn *c, mlf_pool *pool, const char *sql, mlf_sql_stmt **ret, mlf_error *err)
{
    if (MLF__IS_LITE(c))
        return mlf_sqlite_prepare((mlf_sqlite_conn *)c, pool, sql, ret, err);
    return mlf_pg_prepare((mlf_pg_conn *)c, pool, sql, ret, err);
}

int mlf_sql_exec(mlf_sql_conn *c, mlf_pool *pool, const char *sql, mlf_error *err)
{
    if (MLF__IS_LITE(c))
        return mlf_sqlite_exec((mlf_sqlite_conn *)c, pool, sql, err);
    return mlf_pg_exec((mlf_pg_conn *)c, pool, sql, err);
}

int mlf_sql_error(mlf_pool *pool, mlf_sql_conn *c, int rc, mlf_error *err)
{
    if (MLF__IS_LITE(c))
        return mlf_sqlite_error(pool, ((mlf_sqlite_conn *)c)->db, rc, err);
    return mlf_pg_error(pool, (mlf_pg_conn *)c, rc, err);
}

const char *mlf_sql_errmsg(mlf_sql_conn *c)
{
    if (MLF__IS_LITE(c))
        return sqlite3_errmsg(((mlf_sqlite_conn *)c)->db);
    return mlf_pg_errmsg((mlf_pg_conn *)c);
}

const char *mlf_sql_integrity_error_name(mlf_sql_conn *c)
{
    if (MLF__IS_LITE(c))
        return "sqlite3.IntegrityError";
    return mlf_pg_integrity_error_name((mlf_pg_conn *)c);
}

const char *mlf_sql_autoflush_note(mlf_sql_conn *c)
{
    if (MLF__IS_LITE(c))
        return "";
    return "(raised as a result of Query-invoked autoflush; consider using a session.no_autoflush block if this "
           "flush is occurring prematurely)\n";
}

int mlf_sql_autoflushed(mlf_sql_conn *c, mlf_pool *pool, int rc, mlf_error *err)
{
    if (rc < 0 && !MLF__IS_LITE(c) && err != NULL && err->message != NULL)
        err->message = mlf_pool_sprintf(pool, "%s%s", mlf_sql_autoflush_note(c), err->message);
    return rc;
}

int64_t mlf_sql_changes(mlf_sql_conn *c)
{
    if (MLF__IS_LITE(c))
        return sqlite3_changes(((mlf_sqlite_conn *)c)->db);
    return ((mlf_pg_conn *)c)->changes;
}

int mlf_sql_bind_text(mlf_sql_stmt *st, int idx, const char *s)
{
    if (MLF__IS_LITE(st))
        return s == NULL ? sqlite3_bind_null(MLF__LITE(st), idx)
                         : sqlite3_bind_text(MLF__LITE(st), idx, s, -1, SQLITE_STATIC);
    return mlf_pg_bind((mlf_pg_stmt *)st, idx, s, s != NULL ? strlen(s) : 0);
}

int mlf_sql_bind_textn(mlf_sql_stmt *st, int idx, const char *s, size_t n)
{
    if (MLF__IS_LITE(st))
        return sqlite3_bind_text(MLF__LITE(st), idx, s, (int)n, SQLITE_TRANSIENT);
    return mlf_pg_bind((mlf_pg_stmt *)st, idx, s, n);
}

int mlf_sql_bind_int64(mlf_sql_stmt *st, int idx, int64_t v)
{
    if (MLF__IS_LITE(st))
        return sqlite3_bind_int64(MLF__LITE(st), idx, v);
    return mlf_pg_bind_int64((mlf_pg_stmt *)st, idx, v);
}

int mlf_sql_bind_double(mlf_sql_stmt *st, int idx, double v)
{
    if (MLF__IS_LITE(st))
        return sqlite3_bind_double(MLF__LITE(st), idx, v);
    return mlf_pg_bind_double((mlf_pg_stmt *)st, idx, v);
}

int mlf_sql_bind_null(mlf_sql_stmt *st, int idx)
{
    if (MLF__IS_LITE(st))
        return sqlite3_bind_null(MLF__LITE(st), idx);
    return mlf_pg_bind((mlf_pg_stmt *)st, idx, NULL, 0);
}

int mlf_sql_bind_number(mlf_sql_stmt *st, int idx, const char *literal)
{
    if (MLF__IS_LITE(st))
        return mlf_sql_bind_text(st, idx, literal);
    if (strpbrk(literal, ".eEnN") == NULL) {
        errno = 0;
        char *end;
        long long v = strtoll(literal, &end, 10);
        if (errno == 0 && *end == '\0')
            return mlf_sql_bind_int64(st, idx, v);
    }
    return mlf_sql_bind_double(st, idx, strtod(literal, NULL));
}

int mlf_sql_step(mlf_sql_stmt *st)
{
    if (MLF__IS_LITE(st))
        return sqlite3_step(MLF__LITE(st));
    return mlf_pg_step((mlf_pg_stmt *)st);
}

void mlf_sql_reset(mlf_sql_stmt *st)
{
    if (MLF__IS_LITE(st))
        sqlite3_reset(MLF__LITE(st));
    else
        mlf_pg_reset((mlf_pg_stmt *)st);
}

void mlf_sql_clear_bindings(mlf_sql_stmt *st)
{
    if (MLF__IS_LITE(st))
        sqlite3_clear_bindings(MLF__LITE(st));
    else
        mlf_pg_clear_bindings((mlf_pg_stmt *)st);
}

int mlf_sql_column_type(mlf_sql_stmt *st, int col)
{
    if (MLF__IS_LITE(st))
        return sqlite3_column_type(MLF__LITE(st), col);
    return mlf_pg_column_type((mlf_pg_stmt *)st, col);
}

int64_t mlf_sql_column_int64(mlf_sql_stmt *st, int col)
{
    if (MLF__IS_LITE(st))
        return sqlite3_column_int64(MLF__LITE(st), col);
    return mlf_pg_column_int64((mlf_pg_stmt *)st, col);
}

double mlf_sql_column_double(mlf_sql_stmt *st, int col)
{
    if (MLF__IS_LITE(st))
        return sqlite3_column_double(MLF__LITE(st), col);
    return mlf_pg_column_double((mlf_pg_stmt *)st, col);
}

const unsigned char *mlf_sql_column_text(mlf_sql_stmt *st, int col)
{
    if (MLF__IS_LITE(st))
        return sqlite3_column_text(MLF__LITE(st), col);
    return (const unsigned char *)mlf_pg_column_value((mlf_pg_stmt *)st, col);
}

int mlf_sql_column_bytes(mlf_sql_stmt *st, int col)
{
    if (MLF__IS_LITE(st))
        return sqlite3_column_bytes(MLF__LITE(st), col);
    return mlf_pg_column_length((mlf_pg_stmt *)st, col);
}

const void *mlf_sql_column_blob(mlf_sql_stmt *st, int col)
{
    if (MLF__IS_LITE(st))
        return sqlite3_column_blob(MLF__LITE(st), col);
    return mlf_pg_column_value((mlf_pg_stmt *)st, col);
}

char *mlf_sql_column_text_dup(mlf_pool *pool, mlf_sql_stmt *st, int col)
{
    if (mlf_sql_column_type(st, col) == MLF_SQL_NULL)
        return NULL;
    const unsigned char *t = mlf_sql_column_text(st, col);
    int n = mlf_sql_column_bytes(st, col);
    return mlf_pool_strndup(pool, (const char *)t, (size_t)n);
}
